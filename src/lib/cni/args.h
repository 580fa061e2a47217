/* CNI_ARGS: "K1=V1;K2=V2". A plugin says which keys it knows; unknown keys
 * are an error unless IgnoreUnknown=true (1/true, case-insensitive) is given,
 * as in the reference plugins. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cni_arg {
	char *key;
	char *value;
};

struct cni_args {
	struct cni_arg *items;
	size_t n;
	bool ignore_unknown;
};

/* NULL or "" gives an empty list. Malformed pairs: -EINVAL, CNI code 4
 * naming CNI_ARGS and the pair. */
int cni_args_parse(const char *s, struct cni_args *ret);
void cni_args_free(struct cni_args *a);

/* The value of key, or NULL. */
const char *cni_args_get(const struct cni_args *a, const char *key);

/* Fails (-EINVAL, CNI code 2 naming key and value) when a key is not in the
 * NULL-terminated list `known` and IgnoreUnknown is not set. The K8S_POD_*
 * keys and IgnoreUnknown are always known. */
int cni_args_check_known(const struct cni_args *a, const char *const *known);
