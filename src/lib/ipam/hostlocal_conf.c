/* host-local configuration parsing; see hostlocal_conf.h. The order of the
 * range sets and of the requested addresses is the reference's, because it
 * decides which set an address comes from and the last_reserved_ip.N names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/error.h"
#include "ipam/hostlocal_conf.h"
#include "ipam/routes.h"
#include "util/error.h"
#include "util/json.h"

char *ipam_default_data_dir(void)
{
	const char *root = getenv("PONTOON_ROOT");
	char *s;

	if (!root || !*root)
		return strdup(IPAM_DEFAULT_DATA_DIR);
	if (asprintf(&s, "%s%s", root, IPAM_DEFAULT_DATA_DIR) < 0)
		return NULL;
	return s;
}

static int add_set(struct ipam_hostlocal_conf *c, json_t *j, const char *where)
{
	struct ipam_range_set *v = realloc(c->sets, (c->n_sets + 1) * sizeof(*v));
	int err;

	if (!v)
		return -ENOMEM;
	c->sets = v;
	err = ipam_range_set_parse(j, where, &v[c->n_sets]);
	if (err < 0)
		return err;
	c->n_sets++;
	return 0;
}

static int add_sets(struct ipam_hostlocal_conf *c, json_t *arr, const char *where)
{
	size_t i;
	json_t *set;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "%s: must be an array of range sets", where);
	json_array_foreach(arr, i, set) {
		char w[IPAM_WHERE_LEN];
		int err;

		snprintf(w, sizeof(w), "%s[%zu]", where, i);
		if ((err = add_set(c, set, w)) < 0)
			return err;
	}
	return 0;
}

/* The top-level subnet/rangeStart/rangeEnd/gateway of old configs: one
 * range set of one range, placed before "ranges" as the reference does. */
static int add_legacy_set(struct ipam_hostlocal_conf *c, json_t *ipam)
{
	json_t *subnet = json_object_get(ipam, "subnet");
	struct ipam_range_set *v;
	struct ipam_range r;
	int err;

	if (!subnet || json_is_null(subnet) ||
	    (json_is_string(subnet) && !*json_string_value(subnet)))
		return 0;
	err = ipam_range_parse(ipam, "ipam", &r);
	if (err < 0)
		return err;
	v = realloc(c->sets, (c->n_sets + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->sets = v;
	v[c->n_sets] = (struct ipam_range_set){ .ranges = malloc(sizeof(r)), .n = 1 };
	if (!v[c->n_sets].ranges)
		return -ENOMEM;
	v[c->n_sets].ranges[0] = r;
	snprintf(v[c->n_sets].where, IPAM_WHERE_LEN, "ipam");
	c->n_sets++;
	return 0;
}

static int check_sets(const struct ipam_hostlocal_conf *c, const char *cni_version)
{
	int major = 0, minor = 0, n4 = 0, n6 = 0;

	if (c->n_sets == 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "ipam.ranges: no IP ranges specified");
	for (size_t i = 0; i < c->n_sets; i++) {
		if (ipam_range_set_family(&c->sets[i]) == AF_INET)
			n4++;
		else
			n6++;
		for (size_t k = 0; k < i; k++)
			if (ipam_range_set_overlaps(&c->sets[k], &c->sets[i]))
				return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
						   "%s: range set %zu overlaps with %zu (%s)",
						   c->sets[i].where, k, i, c->sets[k].where);
	}
	sscanf(cni_version, "%d.%d", &major, &minor);
	if ((n4 > 1 || n6 > 1) && major == 0 && minor < 3)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "ipam.ranges: CNI version %s does not support more than 1 address per family",
				   cni_version);
	return 0;
}

/* The same address asked for twice (CNI_ARGS IP and runtimeConfig.ips, or
 * repeated in one list) is one request, as in the reference; kept twice it
 * would be unfulfillable, since one attachment cannot hold it twice. */
static int add_requested(struct ipam_hostlocal_conf *c, const struct ip_addr *a)
{
	struct ip_addr *v;

	for (size_t i = 0; i < c->n_requested; i++)
		if (ip_addr_equal(&c->requested[i], a))
			return 0;
	v = realloc(c->requested, (c->n_requested + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[c->n_requested++] = *a;
	c->requested = v;
	return 0;
}

/* CNI_ARGS IP: "10.1.2.3", "10.1.2.3/24", or several separated by commas. */
static int parse_env_ips(struct ipam_hostlocal_conf *c, const char *env_ip)
{
	_cleanup_free_ char *copy = strdup(env_ip);
	char *save = NULL, *tok;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct ip_prefix p;
		int err;

		tok += strspn(tok, " \t");
		tok[strcspn(tok, " \t")] = '\0';
		if (ip_prefix_parse(tok, &p) < 0 && ip_addr_parse(tok, &p.addr) < 0)
			return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV,
					   "CNI_ARGS: IP: invalid IP address \"%s\"", tok);
		if ((err = add_requested(c, &p.addr)) < 0)
			return err;
	}
	return 0;
}

static int parse_paths(struct ipam_hostlocal_conf *c, json_t *ipam)
{
	const char *dir = NULL, *resolv = NULL;
	int err;

	if ((err = json_opt_string(ipam, "dataDir", "ipam", &dir)) < 0 ||
	    (err = json_opt_string(ipam, "resolvConf", "ipam", &resolv)) < 0)
		return err;
	c->data_dir = dir && *dir ? strdup(dir) : ipam_default_data_dir();
	if (!c->data_dir)
		return -ENOMEM;
	if (resolv && *resolv && !(c->resolv_conf = strdup(resolv)))
		return -ENOMEM;
	return 0;
}

static int parse_conf(struct ipam_hostlocal_conf *c, json_t *conf, const char *env_ip,
		      const struct ip_prefix *ips, size_t n_ips)
{
	const char *name = NULL, *version = "0.1.0";
	json_t *ipam = NULL, *rc = NULL, *ranges = NULL;
	int err;

	if ((err = json_opt_string(conf, "name", NULL, &name)) < 0 ||
	    (err = json_opt_string(conf, "cniVersion", NULL, &version)) < 0 ||
	    (err = json_opt_object(conf, "ipam", NULL, &ipam)) < 0 ||
	    (err = json_opt_object(conf, "runtimeConfig", NULL, &rc)) < 0)
		return err;
	if (!ipam)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "ipam: IPAM config missing 'ipam' key");
	if (!name || !*name)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "name: missing");
	if (!(c->name = strdup(name)))
		return -ENOMEM;
	if ((err = parse_paths(c, ipam)) < 0)
		return err;
	if (env_ip && *env_ip && (err = parse_env_ips(c, env_ip)) < 0)
		return err;
	for (size_t i = 0; i < n_ips; i++)
		if ((err = add_requested(c, &ips[i].addr)) < 0)
			return err;
	if ((err = add_sets(c, rc ? json_object_get(rc, "ipRanges") : NULL,
			    "runtimeConfig.ipRanges")) < 0 ||
	    (err = add_legacy_set(c, ipam)) < 0 ||
	    (err = json_opt_array(ipam, "ranges", "ipam", &ranges)) < 0 ||
	    (err = add_sets(c, ranges, "ipam.ranges")) < 0)
		return err;
	if ((err = check_sets(c, version)) < 0)
		return err;
	return ipam_routes_parse(json_object_get(ipam, "routes"), "ipam.routes", &c->routes,
				 &c->n_routes);
}

int ipam_hostlocal_conf_parse(json_t *conf, const char *env_ip, const struct ip_prefix *ips,
			      size_t n_ips, struct ipam_hostlocal_conf **ret)
{
	struct ipam_hostlocal_conf *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	err = parse_conf(c, conf, env_ip, ips, n_ips);
	if (err < 0) {
		ipam_hostlocal_conf_free(c);
		return err;
	}
	*ret = c;
	return 0;
}

void ipam_hostlocal_conf_free(struct ipam_hostlocal_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_sets; i++)
		ipam_range_set_free(&c->sets[i]);
	free(c->sets);
	free(c->routes);
	free(c->requested);
	free(c->name);
	free(c->data_dir);
	free(c->resolv_conf);
	free(c);
}

void ipam_hostlocal_conf_freep(struct ipam_hostlocal_conf **c)
{
	ipam_hostlocal_conf_free(*c);
}
