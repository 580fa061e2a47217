/* Fuzz target: CNI results of every version (prevResult, a delegate's
 * answer, cached results).
 *
 * The bytes are parsed as a result (with and without a default version,
 * as for prevResult), then written in every supported version. What must
 * hold whatever the input:
 *  - writing never fails except for the documented "cannot be expressed in
 *    0.1.0/0.2.0" (CNI code 1), and never crashes;
 *  - what pontoon writes, pontoon reads back (parse(to_json(r, v)) works);
 *  - writing is a fixed point: to_json(parse(to_json(r, v)), v) is the
 *    same JSON text as to_json(r, v), for every version;
 *  - from 0.3.0 on nothing is lost on the way: addresses, gateways,
 *    interface indexes, routes' dst/gw, interface names and the DNS count
 *    survive the round trip;
 *  - a deep copy writes the same JSON as the original. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cni/error.h"
#include "cni/result.h"
#include "cni/version.h"
#include "fuzz.h"
#include "util/cleanup.h"
#include "util/json.h"

static char *dump(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	FUZZ_ASSERT(s, "json_dumps failed");
	return s;
}

static int version_number(const char *v)
{
	int n = 0;

	FUZZ_ASSERT(cni_version_parse(v, &n) == 0, "supported version %s does not parse", v);
	return n;
}

static void same_content(const struct cni_result *a, const struct cni_result *b, const char *v)
{
	FUZZ_ASSERT(a->n_ips == b->n_ips, "%s: %zu ips became %zu", v, a->n_ips, b->n_ips);
	for (size_t i = 0; i < a->n_ips; i++) {
		FUZZ_ASSERT(ip_addr_equal(&a->ips[i].address.addr, &b->ips[i].address.addr) &&
			    a->ips[i].address.len == b->ips[i].address.len,
			    "%s: ips[%zu].address changed", v, i);
		FUZZ_ASSERT(a->ips[i].gateway.family == b->ips[i].gateway.family &&
			    (!a->ips[i].gateway.family ||
			     ip_addr_equal(&a->ips[i].gateway, &b->ips[i].gateway)),
			    "%s: ips[%zu].gateway changed", v, i);
		FUZZ_ASSERT(a->ips[i].interface == b->ips[i].interface,
			    "%s: ips[%zu].interface changed", v, i);
	}
	FUZZ_ASSERT(a->n_routes == b->n_routes, "%s: %zu routes became %zu", v, a->n_routes,
		    b->n_routes);
	for (size_t i = 0; i < a->n_routes; i++)
		FUZZ_ASSERT(ip_addr_equal(&a->routes[i].dst.addr, &b->routes[i].dst.addr) &&
			    a->routes[i].dst.len == b->routes[i].dst.len &&
			    a->routes[i].gw.family == b->routes[i].gw.family,
			    "%s: routes[%zu] changed", v, i);
	FUZZ_ASSERT(a->n_interfaces == b->n_interfaces, "%s: %zu interfaces became %zu", v,
		    a->n_interfaces, b->n_interfaces);
	for (size_t i = 0; i < a->n_interfaces; i++)
		FUZZ_ASSERT(strcmp(a->interfaces[i].name ? a->interfaces[i].name : "",
				   b->interfaces[i].name ? b->interfaces[i].name : "") == 0,
			    "%s: interfaces[%zu].name changed", v, i);
	FUZZ_ASSERT(a->dns.n_nameservers == b->dns.n_nameservers, "%s: nameservers changed", v);
}

/* Writes r as v, reads it back, writes again: the checks listed on top. */
static void round_trip(const struct cni_result *r, const char *v)
{
	_cleanup_json_ json_t *j1 = NULL, *j2 = NULL;
	_cleanup_result_ struct cni_result *back = NULL;
	_cleanup_free_ char *s1 = NULL, *s2 = NULL;
	int rc;

	pt_err_clear();
	rc = cni_result_to_json(r, v, &j1);
	if (rc < 0) {
		FUZZ_ASSERT(rc == -EINVAL && pt_err_cni_code() == CNI_ERR_INCOMPATIBLE_VERSION &&
			    version_number(v) < 300,
			    "writing as %s failed: %d %s", v, rc, pt_err_msg());
		return;
	}
	s1 = dump(j1);
	rc = cni_result_parse(j1, &back);
	FUZZ_ASSERT(rc == 0, "pontoon cannot read what it wrote as %s: %s: %s", v, pt_err_msg(), s1);
	FUZZ_ASSERT(strcmp(back->cni_version, v) == 0, "version %s read back as %s", v,
		    back->cni_version);
	rc = cni_result_to_json(back, v, &j2);
	FUZZ_ASSERT(rc == 0, "second write as %s failed: %s", v, pt_err_msg());
	s2 = dump(j2);
	FUZZ_ASSERT(strcmp(s1, s2) == 0, "writing as %s is not a fixed point:\n%s\n%s", v, s1, s2);
	if (version_number(v) >= 300)
		same_content(r, back, v);
}

static void check_copy(const struct cni_result *r)
{
	_cleanup_result_ struct cni_result *copy = NULL;
	_cleanup_json_ json_t *a = NULL, *b = NULL;
	_cleanup_free_ char *sa = NULL, *sb = NULL;

	if (cni_result_copy(r, &copy) < 0)
		return;
	if (cni_result_to_json(r, CNI_VERSION_LATEST, &a) < 0 ||
	    cni_result_to_json(copy, CNI_VERSION_LATEST, &b) < 0)
		return;
	sa = dump(a);
	sb = dump(b);
	FUZZ_ASSERT(strcmp(sa, sb) == 0, "copy differs:\n%s\n%s", sa, sb);
}

static void fuzz_one(json_t *j, const char *where, const char *default_version)
{
	_cleanup_result_ struct cni_result *r = NULL;
	int rc;

	pt_err_clear();
	rc = cni_result_parse_full(j, where, default_version, &r);
	fuzz_check_error(rc);
	if (rc < 0)
		return;
	for (size_t i = 0; i < r->n_ips; i++)
		FUZZ_ASSERT(r->ips[i].interface < (int)r->n_interfaces,
			    "ips[%zu].interface %d points outside %zu interfaces", i,
			    r->ips[i].interface, r->n_interfaces);
	for (size_t i = 0; cni_supported_versions[i]; i++)
		round_trip(r, cni_supported_versions[i]);
	check_copy(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_json_ json_t *j = NULL;

	pt_err_clear();
	if (json_parse_buffer((const char *)data, size, &j) < 0)
		return 0;
	fuzz_one(j, NULL, NULL);
	fuzz_one(j, "prevResult", "1.1.0");
	return 0;
}
