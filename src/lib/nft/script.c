/* The text buffer of generated nft scripts; see script.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "nft/script.h"

void nft_script_init(struct nft_script *s)
{
	*s = (struct nft_script){ 0 };
}

void nft_script_free(struct nft_script *s)
{
	free(s->buf);
	nft_script_init(s);
}

void nft_script_freep(struct nft_script *s)
{
	nft_script_free(s);
}

static bool reserve(struct nft_script *s, size_t more)
{
	size_t cap = s->cap ? s->cap : 1024;
	char *p;

	while (cap < s->len + more + 1)
		cap *= 2;
	if (cap == s->cap)
		return true;
	p = realloc(s->buf, cap);
	if (!p)
		return false;
	s->buf = p;
	s->cap = cap;
	return true;
}

void nft_script_appendf(struct nft_script *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(s, (size_t)n)) {
		s->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
}

const char *nft_script_text(const struct nft_script *s)
{
	if (s->oom)
		return NULL;
	return s->buf ? s->buf : "";
}
