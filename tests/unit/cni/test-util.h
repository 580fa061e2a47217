/* Small helpers the cni unit tests share. */
#pragma once

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/error.h"

/* The error recorded names `needle` and carries CNI code `code`. */
#define assert_err(r, code, needle)                                                        \
	do {                                                                               \
		int r_ = (r);                                                              \
		if (r_ >= 0 || pt_err_cni_code() != (code) || !strstr(pt_err_msg(), needle)) \
			fail_msg("want error code %d naming \"%s\", got r=%d code=%d msg=\"%s\"", \
				 (code), (needle), r_, pt_err_cni_code(), pt_err_msg());   \
	} while (0)

/* Compact dump keeping key order, for comparing with golden strings. */
static inline char *dump(json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}
