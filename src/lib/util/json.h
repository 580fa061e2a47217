/* jansson helpers: typed, optional field lookups whose errors name the field
 * ("bridge.mtu: must be an integer in 68..65535, got 9999999"). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "util/cleanup.h"

/* json_t *x _cleanup_json_ drops the reference at scope exit (jansson's json_decrefp). */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* Parses a whole buffer. On a syntax error records "line L, column C: text"
 * with CNI code 6 (decode) and returns -EINVAL. */
int json_parse_buffer(const char *buf, size_t len, json_t **ret);

/* Optional fields: a missing key or a JSON null leaves *ret untouched and
 * returns 0; a value of the wrong type returns -EINVAL and records
 * "<where>.<key>: must be <type>" with CNI code 7. `where` may be NULL. */
int json_opt_string(json_t *obj, const char *key, const char *where, const char **ret);
int json_opt_bool(json_t *obj, const char *key, const char *where, bool *ret);
int json_opt_int(json_t *obj, const char *key, const char *where,
		 long long min, long long max, long long *ret);
int json_opt_object(json_t *obj, const char *key, const char *where, json_t **ret);
int json_opt_array(json_t *obj, const char *key, const char *where, json_t **ret);

/* Dumps compactly into a malloc'd string; NULL on allocation failure. */
char *json_dump_compact(const json_t *j);
