/* resolv.conf parsing; see resolv.h. Same rules as the reference: trimmed
 * lines, '#' and ';' comments, lines with fewer than two words skipped,
 * "domain" keeps the last value, the others accumulate. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/error.h"
#include "ipam/resolv.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"

static int push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int push_rest(char ***v, size_t *n, char **save)
{
	const char *w;
	int err;

	while ((w = strtok_r(NULL, " \t\r\n", save)))
		if ((err = push(v, n, w)) < 0)
			return err;
	return 0;
}

static int parse_line(char *line, struct cni_dns *d)
{
	char *save = NULL, *key, *val;

	key = strtok_r(line, " \t\r\n", &save);
	if (!key || key[0] == '#' || key[0] == ';')
		return 0;
	val = strtok_r(NULL, " \t\r\n", &save);
	if (!val)
		return 0;
	if (strcmp(key, "nameserver") == 0)
		return push(&d->nameservers, &d->n_nameservers, val);
	if (strcmp(key, "domain") == 0) {
		char *s = strdup(val);

		if (!s)
			return -ENOMEM;
		free(d->domain);
		d->domain = s;
		return 0;
	}
	if (strcmp(key, "search") == 0) {
		int err = push(&d->search, &d->n_search, val);

		return err < 0 ? err : push_rest(&d->search, &d->n_search, &save);
	}
	if (strcmp(key, "options") == 0) {
		int err = push(&d->options, &d->n_options, val);

		return err < 0 ? err : push_rest(&d->options, &d->n_options, &save);
	}
	return 0;
}

/* A resolv.conf is a few lines; anything past this is not one. */
#define RESOLV_CONF_MAX (64 * 1024)

int ipam_resolv_conf_parse(const char *path, struct cni_dns *ret)
{
	_cleanup_free_ char *text = NULL;
	struct cni_dns d = { 0 };
	char *line, *next, *end;
	size_t len;
	int err;

	/* A FIFO, a device or a huge file is the wrong file named, not I/O
	 * trouble: code 7 like any other bad config value. */
	err = read_regular_file(path, 0, RESOLV_CONF_MAX, &text, &len);
	if (err < 0) {
		pt_err_wrap(err, "resolvConf");
		return pt_err_recode(err, err == -EINVAL || err == -EFBIG ? CNI_ERR_INVALID_CONFIG
									  : CNI_ERR_IO);
	}
	/* memchr, not strchr: a NUL byte ends its line's words, not the file */
	end = text + len;
	for (line = text; line < end && err == 0; line = next) {
		next = memchr(line, '\n', (size_t)(end - line));
		if (next)
			*next++ = '\0';
		else
			next = end;
		err = parse_line(line, &d);
	}
	if (err < 0) {
		ipam_dns_clear(&d);
		return err;
	}
	*ret = d;
	return 0;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void ipam_dns_clear(struct cni_dns *d)
{
	free_strv(d->nameservers, d->n_nameservers);
	free_strv(d->search, d->n_search);
	free_strv(d->options, d->n_options);
	free(d->domain);
	*d = (struct cni_dns){ 0 };
}
