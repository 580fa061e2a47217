/* The per-thread record of the last error; see error.h.
 *
 * Messages quote what the user gave (environment variables, file names,
 * interface names), which may be any bytes, and truncation may cut a
 * character in two. The record is kept valid UTF-8, because the CNI error
 * JSON cannot carry anything else and a message dropped whole tells the
 * user less than one with a byte shown as \xNN. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"

static _Thread_local char err_msg[2048];
static _Thread_local int err_cni_code;

/* The length of the valid UTF-8 sequence at s (n bytes available, n > 0):
 * 1-4; 0 when s[0] starts no valid sequence; -1 when the bytes there are
 * the valid beginning of a sequence that n cuts short. Overlong forms,
 * surrogates and code points above U+10FFFF are invalid, as in JSON
 * parsers (jansson). */
static int utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	return len;
}

size_t pt_utf8_sanitize(char *dst, size_t size, const char *src, bool cut)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = strlen(src), out = 0, room;

	if (size == 0)
		return 0;
	room = size - 1;
	while (n > 0) {
		int len = utf8_seq_len(s, n);
		char esc[5];
		const char *piece = (const char *)s;
		size_t plen = len > 0 ? (size_t)len : 1;

		if (len < 0 && cut)
			break;	/* the character the cut went through */
		if (len <= 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", s[0]);
			piece = esc;
		}
		if ((len <= 0 ? 4 : plen) > room - out) {
			cut = true;
			break;
		}
		memcpy(dst + out, piece, len <= 0 ? 4 : plen);
		out += len <= 0 ? 4 : plen;
		s += plen;
		n -= plen;
	}
	/* A message cut short is still worth more than none; '~' says so. */
	if (cut && room > 0) {
		if (out == room)
			while (out > 0 && ((unsigned char)dst[--out] & 0xc0) == 0x80)
				;
		dst[out++] = '~';
	}
	dst[out] = '\0';
	return out;
}

/* Formats into err_msg, kept valid UTF-8 (see the top of the file). */
static void record(const char *fmt, va_list ap)
{
	char raw[sizeof(err_msg)];
	int n = vsnprintf(raw, sizeof(raw), fmt, ap);

	if (n < 0)
		raw[0] = '\0';
	pt_utf8_sanitize(err_msg, sizeof(err_msg), raw, n >= (int)sizeof(raw));
}

static void record_fmt(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(fmt, ap);
	va_end(ap);
}

int pt_err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(fmt, ap);
	va_end(ap);
	err_cni_code = 0;
	return err;
}

int pt_err_code(int err, int cni_code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(fmt, ap);
	va_end(ap);
	err_cni_code = cni_code;
	return err;
}

int pt_err_wrap(int err, const char *fmt, ...)
{
	char raw[1024], prefix[sizeof(raw)], old[sizeof(err_msg)];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	pt_utf8_sanitize(prefix, sizeof(prefix), n < 0 ? "" : raw, n >= (int)sizeof(raw));
	if (err_msg[0])
		snprintf(old, sizeof(old), "%s", err_msg);
	else
		snprintf(old, sizeof(old), "%s", strerror(err < 0 ? -err : err));
	record_fmt("%s: %s", prefix, old);
	return err;
}

int pt_err_recode(int err, int cni_code)
{
	err_cni_code = cni_code;
	return err;
}

const char *pt_err_msg(void)
{
	return err_msg;
}

int pt_err_cni_code(void)
{
	return err_cni_code;
}

void pt_err_clear(void)
{
	err_msg[0] = '\0';
	err_cni_code = 0;
}
