/* Shared by the libFuzzer targets: small helpers so each target file only
 * says which parser it drives and which invariants must hold. */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bytes as a NUL-terminated string (cut at the first NUL, as an
 * environment variable or a C string would be). malloc'd; abort on ENOMEM. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	size_t n = strnlen((const char *)data, size);
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* An invariant that must hold whatever the input: a report and an abort,
 * which libFuzzer records as a crash with the input that caused it. */
#define FUZZ_ASSERT(cond, ...)                                                   \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "invariant failed: %s (%s:%d): ", #cond, \
				__FILE__, __LINE__);                             \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
			abort();                                                 \
		}                                                                \
	} while (0)

/* Every error path must leave a message that names something. */
static inline void fuzz_check_error(int r)
{
	if (r < 0 && r != -ENOMEM)
		FUZZ_ASSERT(pt_err_msg()[0] != '\0', "error %d recorded no message", r);
}
