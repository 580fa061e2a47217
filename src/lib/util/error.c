/* The per-thread record of the last error; see error.h. */
#include <stdio.h>
#include <string.h>

#include "util/error.h"

static _Thread_local char err_msg[2048];
static _Thread_local int err_cni_code;

static void record(const char *fmt, va_list ap)
{
	vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
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
	char prefix[1024], old[sizeof(err_msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (err_msg[0])
		snprintf(old, sizeof(old), "%s", err_msg);
	else
		snprintf(old, sizeof(old), "%s", strerror(err < 0 ? -err : err));
	/* A message cut short is still worth more than none. */
	if (snprintf(err_msg, sizeof(err_msg), "%s: %s", prefix, old) >= (int)sizeof(err_msg))
		err_msg[sizeof(err_msg) - 2] = '~';
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
