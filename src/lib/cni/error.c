/* The error JSON a plugin prints on stdout when it fails, built from the
 * detail util/error.h recorded where the failure happened. */
#include <jansson.h>
#include <string.h>

#include "cni/error.h"
#include "util/error.h"

/* The recorded message is valid UTF-8 already (util/error.c); anything
 * else is made so here rather than lost, since JSON cannot carry it. */
static json_t *msg_json(const char *msg)
{
	char buf[4096];
	json_t *s = json_string(msg);

	if (s)
		return s;
	pt_utf8_sanitize(buf, sizeof(buf), msg, false);
	return json_string(buf);
}

void cni_error_print(FILE *out, const char *cni_version, int err)
{
	const char *msg = pt_err_msg();
	int code = pt_err_cni_code();
	json_t *j = json_object();
	char *s;

	if (!code)
		code = CNI_ERR_INTERNAL;
	if (!msg[0])
		msg = strerror(err < 0 ? -err : err);
	/* The spec's four keys; "details" is left out when empty, as the
	 * reference does, since every message already carries its detail. */
	if (cni_version)
		json_object_set_new(j, "cniVersion", json_string(cni_version));
	json_object_set_new(j, "code", json_integer(code));
	json_object_set_new(j, "msg", msg_json(msg));
	s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	if (s) {
		fputs(s, out);
		fputc('\n', out);
	} else {
		fprintf(out, "{\"code\": %d, \"msg\": \"out of memory\"}\n", code);
	}
	free(s);
	json_decref(j);
	fflush(out);
}
