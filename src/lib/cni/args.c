/* CNI_ARGS, "K1=V1;K2=V2", split the way the reference's LoadArgs does:
 * every ';'-separated piece must be exactly one '=' between a key and a
 * value, and IgnoreUnknown takes 1/true/0/false in any case. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cni/args.h"
#include "cni/error.h"
#include "util/cleanup.h"
#include "util/error.h"

static int parse_bool(const char *v, bool *ret)
{
	if (strcasecmp(v, "1") == 0 || strcasecmp(v, "true") == 0)
		*ret = true;
	else if (strcasecmp(v, "0") == 0 || strcasecmp(v, "false") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static int empty_pair(void)
{
	return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV,
			   "CNI_ARGS: empty pair (a ';' first, last or twice in a row)");
}

/* Splits one "K=V" piece into a; the piece is [s, s+len). */
static int parse_pair(const char *s, size_t len, struct cni_arg *a)
{
	const char *eq = memchr(s, '=', len);

	if (len == 0)
		return empty_pair();
	if (!eq || eq == s || memchr(eq + 1, '=', len - (eq + 1 - s)))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV,
				   "CNI_ARGS: invalid pair \"%.*s\" (must be KEY=VALUE)", (int)len, s);
	a->key = strndup(s, eq - s);
	a->value = strndup(eq + 1, len - (eq + 1 - s));
	if (!a->key || !a->value)
		return -ENOMEM;
	return 0;
}

static int add_pair(struct cni_args *args, const char *s, size_t len)
{
	struct cni_arg *items, *a;
	int r;

	items = realloc(args->items, (args->n + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	args->items = items;
	a = &items[args->n];
	*a = (struct cni_arg){ 0 };
	args->n++;
	r = parse_pair(s, len, a);
	if (r < 0)
		return r;
	if (strcmp(a->key, "IgnoreUnknown") == 0 && parse_bool(a->value, &args->ignore_unknown) < 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV,
				   "CNI_ARGS: IgnoreUnknown: must be 1, true, 0 or false, got \"%s\"",
				   a->value);
	return 0;
}

int cni_args_parse(const char *s, struct cni_args *ret)
{
	struct cni_args args = { 0 };
	int r;

	while (s && *s) {
		const char *end = strchrnul(s, ';');

		r = add_pair(&args, s, end - s);
		if (r < 0) {
			cni_args_free(&args);
			return r;
		}
		/* A trailing ';' leaves an empty piece, which LoadArgs rejects too. */
		if (*end == ';' && end[1] == '\0') {
			cni_args_free(&args);
			return empty_pair();
		}
		s = *end ? end + 1 : end;
	}
	*ret = args;
	return 0;
}

void cni_args_free(struct cni_args *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->items[i].key);
		free(a->items[i].value);
	}
	free(a->items);
	*a = (struct cni_args){ 0 };
}

const char *cni_args_get(const struct cni_args *a, const char *key)
{
	/* The last one wins, as when LoadArgs sets a field twice. */
	for (size_t i = a->n; i-- > 0;)
		if (strcmp(a->items[i].key, key) == 0)
			return a->items[i].value;
	return NULL;
}

static bool in_list(const char *key, const char *const *list)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strcmp(list[i], key) == 0)
			return true;
	return false;
}

int cni_args_check_known(const struct cni_args *a, const char *const *known)
{
	/* What every Kubernetes runtime passes, whatever the plugin. */
	static const char *const always[] = {
		"IgnoreUnknown", "K8S_POD_NAMESPACE", "K8S_POD_NAME",
		"K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID", NULL,
	};

	if (a->ignore_unknown)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct cni_arg *it = &a->items[i];

		if (!in_list(it->key, always) && !in_list(it->key, known))
			return pt_err_code(-EINVAL, CNI_ERR_UNSUPPORTED_FIELD,
					   "CNI_ARGS: unknown argument %s=%s (add IgnoreUnknown=1 to ignore it)",
					   it->key, it->value);
	}
	return 0;
}
