/* jansson helpers; see json.h. */
#include <errno.h>
#include <string.h>

#include "util/error.h"
#include "util/json.h"

#define CNI_CODE_DECODE 6
#define CNI_CODE_INVALID_CONFIG 7

int json_parse_buffer(const char *buf, size_t len, json_t **ret)
{
	json_error_t jerr;
	json_t *j;

	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!j)
		return pt_err_code(-EINVAL, CNI_CODE_DECODE, "line %d, column %d: %s",
				   jerr.line, jerr.column, jerr.text);
	*ret = j;
	return 0;
}

static json_t *lookup(json_t *obj, const char *key)
{
	json_t *v;

	if (!obj || !json_is_object(obj))
		return NULL;
	v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

static int wrong_type(const char *where, const char *key, const char *what)
{
	return pt_err_code(-EINVAL, CNI_CODE_INVALID_CONFIG, "%s%s%s: must be %s",
			   where ? where : "", where ? "." : "", key, what);
}

int json_opt_string(json_t *obj, const char *key, const char *where, const char **ret)
{
	json_t *v = lookup(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return wrong_type(where, key, "a string");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return wrong_type(where, key, "a string without NUL bytes");
	*ret = json_string_value(v);
	return 0;
}

int json_opt_bool(json_t *obj, const char *key, const char *where, bool *ret)
{
	json_t *v = lookup(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return wrong_type(where, key, "true or false");
	*ret = json_is_true(v);
	return 0;
}

int json_opt_int(json_t *obj, const char *key, const char *where,
		 long long min, long long max, long long *ret)
{
	json_t *v = lookup(obj, key);
	long long n;

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return wrong_type(where, key, "an integer");
	n = json_integer_value(v);
	if (n < min || n > max)
		return pt_err_code(-ERANGE, CNI_CODE_INVALID_CONFIG,
				   "%s%s%s: must be an integer in %lld..%lld, got %lld",
				   where ? where : "", where ? "." : "", key, min, max, n);
	*ret = n;
	return 0;
}

int json_opt_object(json_t *obj, const char *key, const char *where, json_t **ret)
{
	json_t *v = lookup(obj, key);

	if (!v)
		return 0;
	if (!json_is_object(v))
		return wrong_type(where, key, "an object");
	*ret = v;
	return 0;
}

int json_opt_array(json_t *obj, const char *key, const char *where, json_t **ret)
{
	json_t *v = lookup(obj, key);

	if (!v)
		return 0;
	if (!json_is_array(v))
		return wrong_type(where, key, "an array");
	*ret = v;
	return 0;
}

char *json_dump_compact(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
}
