/* static IPAM configuration; see static_conf.h. Messages keep the
 * reference's wording after the name of the field. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/error.h"
#include "ipam/resolv.h"
#include "ipam/routes.h"
#include "ipam/static_conf.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

static int push_addr(struct ipam_static_conf *c, const struct ipam_static_addr *a)
{
	struct ipam_static_addr *v = realloc(c->addrs, (c->n_addrs + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	v[c->n_addrs++] = *a;
	c->addrs = v;
	return 0;
}

static int parse_address(json_t *j, const char *where, struct ipam_static_addr *ret)
{
	struct ipam_static_addr a = { 0 };
	const char *addr = NULL, *gw = NULL;
	int err;

	if (!json_is_object(j))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s: must be an object", where);
	if ((err = json_opt_string(j, "address", where, &addr)) < 0 ||
	    (err = json_opt_string(j, "gateway", where, &gw)) < 0)
		return err;
	if (!addr || ip_prefix_parse(addr, &a.address) < 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "%s.address: the 'address' field is expected to be in CIDR notation, got: '%s'",
				   where, addr ? addr : "");
	if (gw && *gw && ip_addr_parse(gw, &a.gateway) < 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "%s.gateway: invalid IP address: %s", where, gw);
	*ret = a;
	return 0;
}

static int parse_addresses(struct ipam_static_conf *c, json_t *ipam)
{
	json_t *arr = NULL, *v;
	size_t i;
	int err;

	if ((err = json_opt_array(ipam, "addresses", "ipam", &arr)) < 0 || !arr)
		return err;
	json_array_foreach(arr, i, v) {
		struct ipam_static_addr a;
		char w[64];

		snprintf(w, sizeof(w), "ipam.addresses[%zu]", i);
		if ((err = parse_address(v, w, &a)) < 0 || (err = push_addr(c, &a)) < 0)
			return err;
	}
	return 0;
}

/* Splits a comma-separated CNI_ARGS value and calls fn on each trimmed item. */
static int for_each_item(const char *list, int (*fn)(struct ipam_static_conf *, const char *),
			 struct ipam_static_conf *c)
{
	_cleanup_free_ char *copy = strdup(list);
	char *save = NULL, *tok;
	int err;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok += strspn(tok, " \t");
		tok[strcspn(tok, " \t")] = '\0';
		if ((err = fn(c, tok)) < 0)
			return err;
	}
	return 0;
}

static int env_ip_item(struct ipam_static_conf *c, const char *s)
{
	struct ipam_static_addr a = { 0 };

	if (ip_prefix_parse(s, &a.address) < 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV,
				   "CNI_ARGS: IP: the 'ip' field is expected to be in CIDR notation, got: '%s'",
				   s);
	return push_addr(c, &a);
}

static int env_gateway_item(struct ipam_static_conf *c, const char *s)
{
	struct ip_addr gw;

	if (ip_addr_parse(s, &gw) < 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV,
				   "CNI_ARGS: GATEWAY: invalid gateway address: %s", s);
	for (size_t i = 0; i < c->n_addrs; i++)
		if (ip_prefix_contains(&c->addrs[i].address, &gw))
			c->addrs[i].gateway = gw;
	return 0;
}

/* args.cni.ips or runtimeConfig.ips: when present and not empty, the list
 * replaces every address configured so far. */
static int replace_from(struct ipam_static_conf *c, json_t *ips, const char *where)
{
	json_t *v;
	size_t i;

	if (!ips || json_is_null(ips))
		return 0;
	if (!json_is_array(ips))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s: must be an array", where);
	if (json_array_size(ips) == 0)
		return 0;
	c->n_addrs = 0;
	json_array_foreach(ips, i, v) {
		struct ipam_static_addr a = { 0 };
		const char *s = json_string_value(v);
		int err;

		if (!s || ip_prefix_parse(s, &a.address) < 0)
			return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
					   "%s[%zu]: an entry in the 'ips' field is NOT in CIDR notation, got: '%s'",
					   where, i, s ? s : "(not a string)");
		if ((err = push_addr(c, &a)) < 0)
			return err;
	}
	return 0;
}

static json_t *path2(json_t *j, const char *a, const char *b)
{
	j = json_is_object(j) ? json_object_get(j, a) : NULL;
	return json_is_object(j) ? json_object_get(j, b) : NULL;
}

static int check_families(const struct ipam_static_conf *c, json_t *conf)
{
	const char *version = "0.1.0";
	int major = 0, minor = 0, n4 = 0, n6 = 0;

	json_opt_string(conf, "cniVersion", NULL, &version);
	for (size_t i = 0; i < c->n_addrs; i++)
		c->addrs[i].address.addr.family == AF_INET ? n4++ : n6++;
	sscanf(version, "%d.%d", &major, &minor);
	if ((n4 > 1 || n6 > 1) && major == 0 && minor < 3)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "ipam.addresses: CNI version %s does not support more than 1 address per family",
				   version);
	return 0;
}

static int parse_conf(struct ipam_static_conf *c, json_t *conf, const char *env_ip,
		      const char *env_gateway)
{
	json_t *ipam = NULL;
	int err;

	if ((err = json_opt_object(conf, "ipam", NULL, &ipam)) < 0)
		return err;
	if (!ipam)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "ipam: IPAM config missing 'ipam' key");
	if ((err = parse_addresses(c, ipam)) < 0 ||
	    (err = ipam_routes_parse(json_object_get(ipam, "routes"), "ipam.routes", &c->routes,
				     &c->n_routes)) < 0 ||
	    (err = ipam_dns_parse(json_object_get(ipam, "dns"), "ipam.dns", &c->dns)) < 0)
		return err;
	if (env_ip && *env_ip && (err = for_each_item(env_ip, env_ip_item, c)) < 0)
		return err;
	if (env_gateway && *env_gateway &&
	    (err = for_each_item(env_gateway, env_gateway_item, c)) < 0)
		return err;
	if ((err = replace_from(c, path2(conf, "args", "cni") ?
				   json_object_get(path2(conf, "args", "cni"), "ips") : NULL,
				"args.cni.ips")) < 0 ||
	    (err = replace_from(c, path2(conf, "runtimeConfig", "ips"), "runtimeConfig.ips")) < 0)
		return err;
	return check_families(c, conf);
}

int ipam_static_conf_parse(json_t *conf, const char *env_ip, const char *env_gateway,
			   struct ipam_static_conf **ret)
{
	struct ipam_static_conf *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	err = parse_conf(c, conf, env_ip, env_gateway);
	if (err < 0) {
		ipam_static_conf_free(c);
		return err;
	}
	*ret = c;
	return 0;
}

void ipam_static_conf_free(struct ipam_static_conf *c)
{
	if (!c)
		return;
	free(c->addrs);
	free(c->routes);
	ipam_dns_clear(&c->dns);
	free(c);
}

void ipam_static_conf_freep(struct ipam_static_conf **c)
{
	ipam_static_conf_free(*c);
}

/* ---- dns ---- */

static int parse_strv(json_t *j, const char *key, const char *where, char ***ret, size_t *ret_n)
{
	json_t *arr = NULL, *v;
	size_t i;
	int err;

	if ((err = json_opt_array(j, key, where, &arr)) < 0 || !arr)
		return err;
	*ret = calloc(json_array_size(arr) + 1, sizeof(char *));
	if (!*ret)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
					   "%s.%s[%zu]: must be a string", where, key, i);
		if (!((*ret)[i] = strdup(json_string_value(v))))
			return -ENOMEM;
		(*ret_n)++;
	}
	return 0;
}

int ipam_dns_parse(json_t *j, const char *where, struct cni_dns *ret)
{
	struct cni_dns d = { 0 };
	const char *domain = NULL;
	int err;

	if (!j || json_is_null(j)) {
		*ret = d;
		return 0;
	}
	if (!json_is_object(j))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s: must be an object", where);
	if ((err = parse_strv(j, "nameservers", where, &d.nameservers, &d.n_nameservers)) < 0 ||
	    (err = parse_strv(j, "search", where, &d.search, &d.n_search)) < 0 ||
	    (err = parse_strv(j, "options", where, &d.options, &d.n_options)) < 0 ||
	    (err = json_opt_string(j, "domain", where, &domain)) < 0 ||
	    (domain && !(d.domain = strdup(domain)) && (err = -ENOMEM))) {
		ipam_dns_clear(&d);
		return err;
	}
	*ret = d;
	return 0;
}
