/* Parsing of the IPAM "routes" array; see routes.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cni/error.h"
#include "ipam/routes.h"
#include "util/error.h"
#include "util/json.h"

static int parse_uint(json_t *j, const char *key, const char *where, unsigned *ret)
{
	long long v = 0;
	int err = json_opt_int(j, key, where, 0, UINT_MAX, &v);

	if (err < 0)
		return err;
	*ret = (unsigned)v;
	return 0;
}

static int parse_route(json_t *j, const char *where, struct cni_route *ret)
{
	struct cni_route r = { 0 };
	const char *dst = NULL, *gw = NULL;
	long long scope = -1;
	int err;

	if (!json_is_object(j))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s: must be an object", where);
	if ((err = json_opt_string(j, "dst", where, &dst)) < 0 ||
	    (err = json_opt_string(j, "gw", where, &gw)) < 0)
		return err;
	if (!dst)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s.dst: missing", where);
	if (ip_prefix_parse(dst, &r.dst) < 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "%s.dst: invalid CIDR address: %s", where, dst);
	if (gw && ip_addr_parse(gw, &r.gw) < 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "%s.gw: not an IP address: \"%s\"", where, gw);
	if ((err = parse_uint(j, "mtu", where, &r.mtu)) < 0 ||
	    (err = parse_uint(j, "advmss", where, &r.advmss)) < 0 ||
	    (err = parse_uint(j, "priority", where, &r.priority)) < 0 ||
	    (err = parse_uint(j, "table", where, &r.table)) < 0 ||
	    (err = json_opt_int(j, "scope", where, 0, 255, &scope)) < 0)
		return err;
	if (scope >= 0) {
		r.has_scope = true;
		r.scope = (int)scope;
	}
	*ret = r;
	return 0;
}

int ipam_routes_parse(json_t *j, const char *where, struct cni_route **ret, size_t *ret_n)
{
	struct cni_route *routes;
	size_t n;

	if (!j || json_is_null(j)) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (!json_is_array(j))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s: must be an array", where);
	n = json_array_size(j);
	routes = calloc(n ? n : 1, sizeof(*routes));
	if (!routes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char w[96];
		int err;

		snprintf(w, sizeof(w), "%s[%zu]", where, i);
		err = parse_route(json_array_get(j, i), w, &routes[i]);
		if (err < 0) {
			free(routes);
			return err;
		}
	}
	*ret = routes;
	*ret_n = n;
	return 0;
}
