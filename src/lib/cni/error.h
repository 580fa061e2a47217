/* CNI errors: the spec's well-known codes and the error JSON a plugin prints. */
#pragma once

#include <stdio.h>

enum cni_err_code {
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,	/* message names key and value */
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,	/* message names the variable */
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_TRY_AGAIN = 11,
	CNI_ERR_PLUGIN_NOT_AVAILABLE = 50,	/* STATUS */
	CNI_ERR_LIMITED_CONNECTIVITY = 51,	/* STATUS */
	CNI_ERR_INTERNAL = 999,		/* what the reference plugins use for anything else */
};

/* Writes {"cniVersion", "code", "msg", "details"} for the error recorded in
 * util/error.h (code 999 when none was recorded; msg from strerror(-err)
 * when no message). */
void cni_error_print(FILE *out, const char *cni_version, int err);
