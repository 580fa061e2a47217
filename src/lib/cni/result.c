/* CNI results. One in-memory form holds what every version can say; the
 * parser reads each version's layout into it and the writer lays it out
 * for the version asked, the way the reference's converters do:
 *   0.1.0/0.2.0  "ip4"/"ip6" objects, each with its own routes; only the
 *                first address of each family survives a conversion there;
 *   0.3.x/0.4.0  "interfaces", "ips" with "version", "routes";
 *   1.0.0        the same without "version";
 *   1.1.0        plus interface mtu/socketPath/pciID and the route fields
 *                mtu/advmss/priority/table/scope.
 * Fields a version lacks are left out, and empty ones are omitted, key
 * order as the reference prints them. Below 1.1.0 "dns" is always written
 * ({} when empty) because the reference does; 1.1.0 omits an empty one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cni/error.h"
#include "cni/result.h"
#include "cni/version.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

#define V020 200
#define V030 300
#define V100 10000
#define V110 10100

struct cni_result *cni_result_new(const char *cni_version)
{
	struct cni_result *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cni_version = strdup(cni_version ? cni_version : CNI_VERSION_LATEST);
	if (!r->cni_version) {
		free(r);
		return NULL;
	}
	return r;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cni_dns_free(struct cni_dns *d)
{
	if (!d)
		return;
	strv_free(d->nameservers, d->n_nameservers);
	strv_free(d->search, d->n_search);
	strv_free(d->options, d->n_options);
	free(d->domain);
	*d = (struct cni_dns){ 0 };
}

static void interface_clear(struct cni_interface *i)
{
	free(i->name);
	free(i->mac);
	free(i->sandbox);
	free(i->socket_path);
	free(i->pci_id);
}

void cni_result_free(struct cni_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_interfaces; i++)
		interface_clear(&r->interfaces[i]);
	free(r->interfaces);
	free(r->ips);
	free(r->routes);
	cni_dns_free(&r->dns);
	free(r->cni_version);
	free(r);
}

void cni_result_freep(struct cni_result **r)
{
	cni_result_free(*r);
	*r = NULL;
}

/* strdup that keeps NULL as NULL; sets *fail on allocation failure. */
static char *dup_opt(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

static int grow(void **arr, size_t n, size_t size)
{
	void *p = realloc(*arr, (n + 1) * size);

	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

int cni_result_add_interface(struct cni_result *r, const char *name, const char *mac,
			     const char *sandbox)
{
	struct cni_interface *i;
	bool fail = false;

	if (grow((void **)&r->interfaces, r->n_interfaces, sizeof(*i)) < 0)
		return -ENOMEM;
	i = &r->interfaces[r->n_interfaces];
	*i = (struct cni_interface){
		.name = dup_opt(name ? name : "", &fail),
		.mac = dup_opt(mac, &fail),
		.sandbox = dup_opt(sandbox, &fail),
	};
	if (fail) {
		interface_clear(i);
		return -ENOMEM;
	}
	return (int)r->n_interfaces++;
}

int cni_result_add_ip(struct cni_result *r, const struct ip_prefix *addr,
		      const struct ip_addr *gw, int interface)
{
	struct cni_ip *ip;

	if (grow((void **)&r->ips, r->n_ips, sizeof(*ip)) < 0)
		return -ENOMEM;
	ip = &r->ips[r->n_ips];
	*ip = (struct cni_ip){ .address = *addr, .interface = interface };
	if (gw)
		ip->gateway = *gw;
	return (int)r->n_ips++;
}

int cni_result_add_route(struct cni_result *r, const struct cni_route *route)
{
	if (grow((void **)&r->routes, r->n_routes, sizeof(*route)) < 0)
		return -ENOMEM;
	r->routes[r->n_routes] = *route;
	return (int)r->n_routes++;
}

/* ---- parsing ---- */

static int bad(const char *where, const char *key, const char *what, const char *value)
{
	return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s%s%s: %s: \"%s\"",
			   where ? where : "", where && *where ? "." : "", key, what, value);
}

/* Joins a path: "prevResult" + "ips" + 0 -> "prevResult.ips[0]"; idx < 0
 * leaves the index out. */
static void path_join(char *buf, size_t size, const char *where, const char *key, long idx)
{
	const char *dot = where && *where ? "." : "";

	if (idx >= 0)
		snprintf(buf, size, "%s%s%s[%ld]", where ? where : "", dot, key, idx);
	else
		snprintf(buf, size, "%s%s%s", where ? where : "", dot, key);
}

static int get_prefix(json_t *obj, const char *key, const char *where, bool required,
		      struct ip_prefix *ret)
{
	const char *s = NULL;
	int r = json_opt_string(obj, key, where, &s);

	if (r < 0)
		return r;
	if (!s)
		return required ? pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s%s%s: missing",
					       where ? where : "", where && *where ? "." : "", key)
				: 0;
	if (ip_prefix_parse(s, ret) < 0)
		return bad(where, key, "not an address in CIDR notation", s);
	return 0;
}

static int get_addr(json_t *obj, const char *key, const char *where, struct ip_addr *ret)
{
	const char *s = NULL;
	int r = json_opt_string(obj, key, where, &s);

	if (r < 0 || !s)
		return r;
	if (ip_addr_parse(s, ret) < 0)
		return bad(where, key, "not an IP address", s);
	return 0;
}

static int get_uint(json_t *obj, const char *key, const char *where, long long max, unsigned *ret)
{
	long long v = 0;
	int r = json_opt_int(obj, key, where, 0, max, &v);

	if (r < 0)
		return r;
	*ret = (unsigned)v;
	return 0;
}

static int strv_parse(json_t *obj, const char *key, const char *where, char ***ret, size_t *ret_n)
{
	json_t *arr = NULL, *v;
	char **out;
	size_t i;
	int r = json_opt_array(obj, key, where, &arr);

	if (r < 0 || !arr || json_array_size(arr) == 0)
		return r;
	out = calloc(json_array_size(arr), sizeof(*out));
	if (!out)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v)) {
			strv_free(out, i);
			return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s%s%s[%zu]: must be a string",
					   where ? where : "", where && *where ? "." : "", key, i);
		}
		out[i] = strdup(json_string_value(v));
		if (!out[i]) {
			strv_free(out, i);
			return -ENOMEM;
		}
	}
	*ret = out;
	*ret_n = i;
	return 0;
}

int cni_dns_parse(json_t *j, const char *where, struct cni_dns *ret)
{
	struct cni_dns d = { 0 };
	const char *domain = NULL;
	int r;

	if (!json_is_object(j))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s: must be an object",
				   where ? where : "dns");
	r = strv_parse(j, "nameservers", where, &d.nameservers, &d.n_nameservers);
	if (r >= 0)
		r = json_opt_string(j, "domain", where, &domain);
	if (r >= 0 && domain && *domain && !(d.domain = strdup(domain)))
		r = -ENOMEM;
	if (r >= 0)
		r = strv_parse(j, "search", where, &d.search, &d.n_search);
	if (r >= 0)
		r = strv_parse(j, "options", where, &d.options, &d.n_options);
	if (r < 0) {
		cni_dns_free(&d);
		return r;
	}
	*ret = d;
	return 0;
}

static int parse_route(json_t *j, const char *where, int ver, struct cni_route *ret)
{
	struct cni_route rt = { 0 };
	long long scope = -1;
	int r;

	if (!json_is_object(j))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s: must be an object", where);
	r = get_prefix(j, "dst", where, true, &rt.dst);
	if (r >= 0)
		r = get_addr(j, "gw", where, &rt.gw);
	if (r >= 0 && rt.gw.family && rt.gw.family != rt.dst.addr.family)
		r = pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				"%s.gw: address family differs from dst", where);
	if (r >= 0 && ver >= V110) {
		r = get_uint(j, "mtu", where, UINT32_MAX, &rt.mtu);
		if (r >= 0)
			r = get_uint(j, "advmss", where, UINT32_MAX, &rt.advmss);
		if (r >= 0)
			r = get_uint(j, "priority", where, UINT32_MAX, &rt.priority);
		if (r >= 0)
			r = get_uint(j, "table", where, UINT32_MAX, &rt.table);
		if (r >= 0)
			r = json_opt_int(j, "scope", where, 0, 255, &scope);
		if (scope >= 0) {
			rt.has_scope = true;
			rt.scope = (int)scope;
		}
	}
	if (r < 0)
		return r;
	*ret = rt;
	return 0;
}

static int parse_routes(json_t *obj, const char *where, int ver, struct cni_result *res)
{
	json_t *arr = NULL, *v;
	char at[256];
	size_t i;
	int r = json_opt_array(obj, "routes", where, &arr);

	if (r < 0 || !arr)
		return r;
	json_array_foreach(arr, i, v) {
		struct cni_route rt;

		path_join(at, sizeof(at), where, "routes", (long)i);
		r = parse_route(v, at, ver, &rt);
		if (r < 0)
			return r;
		r = cni_result_add_route(res, &rt);
		if (r < 0)
			return r;
	}
	return 0;
}

/* 0.1.0/0.2.0: "ip4" or "ip6" = {"ip", "gateway", "routes"}. */
static int parse_ipconfig_02x(json_t *j, const char *key, const char *where, int family,
			      struct cni_result *res)
{
	struct ip_prefix addr;
	struct ip_addr gw = { 0 };
	json_t *o = NULL;
	char at[256];
	int r = json_opt_object(j, key, where, &o);

	if (r < 0 || !o)
		return r;
	path_join(at, sizeof(at), where, key, -1);
	r = get_prefix(o, "ip", at, true, &addr);
	if (r >= 0)
		r = get_addr(o, "gateway", at, &gw);
	if (r >= 0 && (addr.addr.family != family || (gw.family && gw.family != family)))
		r = pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				"%s: address of the wrong family for %s", at, key);
	if (r >= 0)
		r = cni_result_add_ip(res, &addr, &gw, -1);
	if (r >= 0)
		r = parse_routes(o, at, V020, res);
	return r < 0 ? r : 0;
}

static int parse_interface(json_t *j, const char *at, int ver, struct cni_result *res)
{
	const char *name = NULL, *mac = NULL, *sandbox = NULL, *sock = NULL, *pci = NULL;
	struct cni_interface *i;
	unsigned mtu = 0;
	bool fail = false;
	int r, idx;

	if (!json_is_object(j))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s: must be an object", at);
	r = json_opt_string(j, "name", at, &name);
	if (r >= 0)
		r = json_opt_string(j, "mac", at, &mac);
	if (r >= 0)
		r = json_opt_string(j, "sandbox", at, &sandbox);
	if (r >= 0 && ver >= V100) {
		/* 1.0.0 results carry these too when a 1.1.0 result was
		 * converted down by the reference, so read them from 1.0.0 up. */
		r = get_uint(j, "mtu", at, UINT32_MAX, &mtu);
		if (r >= 0)
			r = json_opt_string(j, "socketPath", at, &sock);
		if (r >= 0)
			r = json_opt_string(j, "pciID", at, &pci);
	}
	if (r < 0)
		return r;
	idx = cni_result_add_interface(res, name, mac && *mac ? mac : NULL,
				       sandbox && *sandbox ? sandbox : NULL);
	if (idx < 0)
		return idx;
	i = &res->interfaces[idx];
	i->mtu = mtu;
	i->socket_path = dup_opt(sock && *sock ? sock : NULL, &fail);
	i->pci_id = dup_opt(pci && *pci ? pci : NULL, &fail);
	return fail ? -ENOMEM : 0;
}

static int parse_ip(json_t *j, const char *at, struct cni_result *res)
{
	struct ip_prefix addr;
	struct ip_addr gw = { 0 };
	long long intf = -1;
	int r;

	if (!json_is_object(j))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s: must be an object", at);
	r = get_prefix(j, "address", at, true, &addr);
	if (r >= 0)
		r = get_addr(j, "gateway", at, &gw);
	if (r >= 0)
		r = json_opt_int(j, "interface", at, 0, INT32_MAX, &intf);
	if (r < 0)
		return r;
	/* Plugins index interfaces[] with this: never let it point outside. */
	if (intf >= (long long)res->n_interfaces)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "%s.interface: index %lld but only %zu interfaces", at, intf,
				   res->n_interfaces);
	if (gw.family && gw.family != addr.addr.family)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "%s.gateway: address family differs from address", at);
	r = cni_result_add_ip(res, &addr, &gw, (int)intf);
	return r < 0 ? r : 0;
}

static int parse_array(json_t *j, const char *key, const char *where, int ver,
		       struct cni_result *res)
{
	json_t *arr = NULL, *v;
	char at[256];
	size_t i;
	int r = json_opt_array(j, key, where, &arr);

	if (r < 0 || !arr)
		return r;
	json_array_foreach(arr, i, v) {
		path_join(at, sizeof(at), where, key, (long)i);
		r = strcmp(key, "interfaces") == 0 ? parse_interface(v, at, ver, res)
						   : parse_ip(v, at, res);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_body(json_t *j, const char *where, int ver, struct cni_result *res)
{
	json_t *dns = NULL;
	char at[256];
	int r;

	if (ver < V030) {
		r = parse_ipconfig_02x(j, "ip4", where, AF_INET, res);
		if (r >= 0)
			r = parse_ipconfig_02x(j, "ip6", where, AF_INET6, res);
	} else {
		r = parse_array(j, "interfaces", where, ver, res);
		if (r >= 0)
			r = parse_array(j, "ips", where, ver, res);
		if (r >= 0)
			r = parse_routes(j, where, ver, res);
	}
	if (r >= 0)
		r = json_opt_object(j, "dns", where, &dns);
	if (r >= 0 && dns) {
		path_join(at, sizeof(at), where, "dns", -1);
		r = cni_dns_parse(dns, at, &res->dns);
	}
	return r;
}

int cni_result_parse_full(json_t *j, const char *where, const char *default_version,
			  struct cni_result **ret)
{
	_cleanup_result_ struct cni_result *res = NULL;
	const char *version = NULL;
	int ver, r;

	if (!json_is_object(j))
		return pt_err_code(-EINVAL, CNI_ERR_DECODE, "%s: a result must be a JSON object",
				   where && *where ? where : "result");
	r = json_opt_string(j, "cniVersion", where, &version);
	if (r < 0)
		return r;
	if (!version || !*version)
		version = default_version ? default_version : "0.1.0";
	if (!cni_version_supported(version))
		return pt_err_code(-EINVAL, CNI_ERR_INCOMPATIBLE_VERSION,
				   "%s%scniVersion: unsupported CNI result version \"%s\"",
				   where ? where : "", where && *where ? "." : "", version);
	(void)cni_version_parse(version, &ver);
	res = cni_result_new(version);
	if (!res)
		return -ENOMEM;
	r = parse_body(j, where, ver, res);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(res);
	return 0;
}

int cni_result_parse(json_t *j, struct cni_result **ret)
{
	return cni_result_parse_full(j, NULL, NULL, ret);
}

/* ---- writing ---- */

/* Sets key to a new value unless the value is NULL (allocation failure is
 * caught by the final check of the caller through `fail`). */
static void put(json_t *o, const char *key, json_t *v, bool *fail)
{
	if (!v || json_object_set_new(o, key, v) < 0)
		*fail = true;
}

static void put_str(json_t *o, const char *key, const char *s, bool *fail)
{
	if (s && *s)
		put(o, key, json_string(s), fail);
}

static void put_uint(json_t *o, const char *key, unsigned v, bool *fail)
{
	if (v)
		put(o, key, json_integer(v), fail);
}

static void put_prefix(json_t *o, const char *key, const struct ip_prefix *p, bool *fail)
{
	char buf[IP_PREFIX_STRLEN];

	put(o, key, json_string(ip_prefix_format(p, buf)), fail);
}

static void put_addr(json_t *o, const char *key, const struct ip_addr *a, bool *fail)
{
	char buf[IP_ADDR_STRLEN];

	if (a->family)
		put(o, key, json_string(ip_addr_format(a, buf)), fail);
}

static void put_strv(json_t *o, const char *key, char **v, size_t n, bool *fail)
{
	json_t *arr;

	if (!n)
		return;
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, json_string(v[i])) < 0)
			*fail = true;
	put(o, key, arr, fail);
}

static bool dns_empty(const struct cni_dns *d)
{
	return !d->n_nameservers && !(d->domain && *d->domain) && !d->n_search && !d->n_options;
}

static json_t *dns_to_json(const struct cni_dns *d, bool *fail)
{
	json_t *o = json_object();

	if (!o) {
		*fail = true;
		return NULL;
	}
	put_strv(o, "nameservers", d->nameservers, d->n_nameservers, fail);
	put_str(o, "domain", d->domain, fail);
	put_strv(o, "search", d->search, d->n_search, fail);
	put_strv(o, "options", d->options, d->n_options, fail);
	return o;
}

static json_t *route_to_json(const struct cni_route *rt, int ver, bool *fail)
{
	json_t *o = json_object();

	if (!o) {
		*fail = true;
		return NULL;
	}
	put_prefix(o, "dst", &rt->dst, fail);
	put_addr(o, "gw", &rt->gw, fail);
	if (ver >= V110) {
		put_uint(o, "mtu", rt->mtu, fail);
		put_uint(o, "advmss", rt->advmss, fail);
		put_uint(o, "priority", rt->priority, fail);
		put_uint(o, "table", rt->table, fail);
		if (rt->has_scope)
			put(o, "scope", json_integer(rt->scope), fail);
	}
	return o;
}

/* routes[] of family (0 = all) as a JSON array. */
static json_t *routes_to_json(const struct cni_result *r, int family, int ver, bool *fail)
{
	json_t *arr = json_array();

	if (!arr) {
		*fail = true;
		return NULL;
	}
	for (size_t i = 0; i < r->n_routes; i++)
		if (!family || r->routes[i].dst.addr.family == family)
			if (json_array_append_new(arr, route_to_json(&r->routes[i], ver, fail)) < 0)
				*fail = true;
	return arr;
}

static void put_array_nonempty(json_t *o, const char *key, json_t *arr, bool *fail)
{
	if (arr && json_array_size(arr) == 0) {
		json_decref(arr);
		return;
	}
	put(o, key, arr, fail);
}

/* 0.1.0/0.2.0: the first address of a family and that family's routes. */
static void put_ipconfig_02x(json_t *o, const struct cni_result *r, int family, bool *fail)
{
	const struct cni_ip *ip = NULL;
	json_t *c;

	for (size_t i = 0; i < r->n_ips && !ip; i++)
		if (r->ips[i].address.addr.family == family)
			ip = &r->ips[i];
	if (!ip)
		return;
	c = json_object();
	if (!c) {
		*fail = true;
		return;
	}
	put_prefix(c, "ip", &ip->address, fail);
	put_addr(c, "gateway", &ip->gateway, fail);
	put_array_nonempty(c, "routes", routes_to_json(r, family, V020, fail), fail);
	put(o, family == AF_INET ? "ip4" : "ip6", c, fail);
}

static json_t *interface_to_json(const struct cni_interface *i, int ver, bool *fail)
{
	json_t *o = json_object();

	if (!o) {
		*fail = true;
		return NULL;
	}
	put(o, "name", json_string(i->name ? i->name : ""), fail);
	put_str(o, "mac", i->mac, fail);
	if (ver >= V110)
		put_uint(o, "mtu", i->mtu, fail);
	put_str(o, "sandbox", i->sandbox, fail);
	if (ver >= V110) {
		put_str(o, "socketPath", i->socket_path, fail);
		put_str(o, "pciID", i->pci_id, fail);
	}
	return o;
}

static json_t *ip_to_json(const struct cni_ip *ip, int ver, bool *fail)
{
	json_t *o = json_object();

	if (!o) {
		*fail = true;
		return NULL;
	}
	if (ver < V100)
		put(o, "version", json_string(ip->address.addr.family == AF_INET ? "4" : "6"), fail);
	if (ip->interface >= 0)
		put(o, "interface", json_integer(ip->interface), fail);
	put_prefix(o, "address", &ip->address, fail);
	put_addr(o, "gateway", &ip->gateway, fail);
	return o;
}

static void put_body_03x(json_t *o, const struct cni_result *r, int ver, bool *fail)
{
	json_t *arr;

	arr = json_array();
	for (size_t i = 0; arr && i < r->n_interfaces; i++)
		if (json_array_append_new(arr, interface_to_json(&r->interfaces[i], ver, fail)) < 0)
			*fail = true;
	put_array_nonempty(o, "interfaces", arr, fail);
	arr = json_array();
	for (size_t i = 0; arr && i < r->n_ips; i++)
		if (json_array_append_new(arr, ip_to_json(&r->ips[i], ver, fail)) < 0)
			*fail = true;
	put_array_nonempty(o, "ips", arr, fail);
	put_array_nonempty(o, "routes", routes_to_json(r, 0, ver, fail), fail);
}

static bool has_family(const struct cni_result *r, int family)
{
	for (size_t i = 0; i < r->n_ips; i++)
		if (r->ips[i].address.addr.family == family)
			return true;
	return false;
}

int cni_result_to_json(const struct cni_result *r, const char *version, json_t **ret)
{
	_cleanup_json_ json_t *o = NULL;
	bool fail = false;
	int ver;

	if (!cni_version_supported(version))
		return pt_err_code(-EINVAL, CNI_ERR_INCOMPATIBLE_VERSION,
				   "cannot write a result as CNI version \"%s\": not supported",
				   version ? version : "(null)");
	(void)cni_version_parse(version, &ver);
	if (ver < V030 && !has_family(r, AF_INET) && !has_family(r, AF_INET6))
		return pt_err_code(-EINVAL, CNI_ERR_INCOMPATIBLE_VERSION,
				   "cannot convert result to CNI version %s: no IP addresses", version);
	o = json_object();
	if (!o)
		return -ENOMEM;
	put(o, "cniVersion", json_string(version), &fail);
	if (ver < V030) {
		put_ipconfig_02x(o, r, AF_INET, &fail);
		put_ipconfig_02x(o, r, AF_INET6, &fail);
	} else {
		put_body_03x(o, r, ver, &fail);
	}
	if (ver < V110 || !dns_empty(&r->dns))
		put(o, "dns", dns_to_json(&r->dns, &fail), &fail);
	if (fail)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

/* ---- copying ---- */

static char **strv_copy(char **v, size_t n, bool *fail)
{
	char **out;

	if (!n)
		return NULL;
	out = calloc(n, sizeof(*out));
	if (!out) {
		*fail = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = dup_opt(v[i], fail);
	return out;
}

static void dns_copy(const struct cni_dns *from, struct cni_dns *to, bool *fail)
{
	to->nameservers = strv_copy(from->nameservers, from->n_nameservers, fail);
	to->n_nameservers = to->nameservers ? from->n_nameservers : 0;
	to->search = strv_copy(from->search, from->n_search, fail);
	to->n_search = to->search ? from->n_search : 0;
	to->options = strv_copy(from->options, from->n_options, fail);
	to->n_options = to->options ? from->n_options : 0;
	to->domain = dup_opt(from->domain, fail);
}

int cni_result_copy(const struct cni_result *r, struct cni_result **ret)
{
	_cleanup_result_ struct cni_result *c = cni_result_new(r->cni_version);
	bool fail = false;

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_interfaces; i++) {
		const struct cni_interface *from = &r->interfaces[i];
		int idx = cni_result_add_interface(c, from->name, from->mac, from->sandbox);

		if (idx < 0)
			return idx;
		c->interfaces[idx].mtu = from->mtu;
		c->interfaces[idx].socket_path = dup_opt(from->socket_path, &fail);
		c->interfaces[idx].pci_id = dup_opt(from->pci_id, &fail);
	}
	for (size_t i = 0; i < r->n_ips; i++)
		if (cni_result_add_ip(c, &r->ips[i].address, &r->ips[i].gateway,
				      r->ips[i].interface) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < r->n_routes; i++)
		if (cni_result_add_route(c, &r->routes[i]) < 0)
			return -ENOMEM;
	dns_copy(&r->dns, &c->dns, &fail);
	if (fail)
		return -ENOMEM;
	*ret = TAKE_PTR(c);
	return 0;
}
