/* Fuzz target: the CLI's argument parsers — `-p` specs (src/cli/ports.c,
 * compiled into this target: the CLI is no library) with the conflict check
 * run before anything changes, and the CIDRs and addresses of --subnet,
 * --ip-range, --gateway and --ip (ip_prefix_parse, ip_addr_parse). Each line
 * of the input is one argument. Whatever the bytes: an accepted -p gives
 * mappings with ports 1..65535 and tcp/udp/sctp, which the portmap plugin's
 * parser accepts whenever the CLI found no conflict; an accepted address or
 * CIDR prints as text that parses back to the same value. */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "fuzz.h"
#include "nft/portmap.h"

/* The CLI's message printer, silenced: the fuzzer checks codes, not text. */
int cli_error(int code, const char *fmt, ...)
{
	(void)fmt;
	return code;
}

static void check_mapping(json_t *m)
{
	json_int_t hp = json_integer_value(json_object_get(m, "hostPort"));
	json_int_t cp = json_integer_value(json_object_get(m, "containerPort"));
	const char *proto = json_string_value(json_object_get(m, "protocol"));
	json_t *ip = json_object_get(m, "hostIP");
	struct ip_addr a;

	FUZZ_ASSERT(hp >= 1 && hp <= 65535 && cp >= 1 && cp <= 65535, "ports %lld:%lld",
		    (long long)hp, (long long)cp);
	FUZZ_ASSERT(proto && (!strcmp(proto, "tcp") || !strcmp(proto, "udp") || !strcmp(proto, "sctp")),
		    "protocol %s", proto ?: "(null)");
	FUZZ_ASSERT(!ip || (json_is_string(ip) && ip_addr_parse(json_string_value(ip), &a) == 0),
		    "hostIP not an address");
}

static void check_addr(const char *s)
{
	char buf[IP_PREFIX_STRLEN];
	struct ip_prefix p, q;
	struct ip_addr a, b;

	if (ip_addr_parse(s, &a) == 0) {
		FUZZ_ASSERT(a.family == AF_INET || a.family == AF_INET6, "family %d", a.family);
		FUZZ_ASSERT(ip_addr_parse(ip_addr_format(&a, buf), &b) == 0 && ip_addr_equal(&a, &b),
			    "\"%s\" prints as \"%s\", which reads back differently", s, buf);
	}
	if (ip_prefix_parse(s, &p) == 0) {
		FUZZ_ASSERT(p.len <= ip_family_bits(p.addr.family), "\"%s\": /%u", s, p.len);
		FUZZ_ASSERT(ip_prefix_parse(ip_prefix_format(&p, buf), &q) == 0 && q.len == p.len &&
				    ip_addr_equal(&p.addr, &q.addr),
			    "\"%s\" prints as \"%s\", which reads back differently", s, buf);
		ip_prefix_network(&p, &a);
		FUZZ_ASSERT(ip_prefix_contains(&p, &a), "\"%s\" does not contain its network", s);
		ip_prefix_last(&p, &a);
		FUZZ_ASSERT(ip_prefix_contains(&p, &a), "\"%s\" does not contain its last address", s);
		FUZZ_ASSERT(ip_prefix_overlaps(&p, &p), "\"%s\" does not overlap itself", s);
	}
}

/* The CLI's rule, written the slow way: two mappings clash when protocol
 * and host port are equal and either has no host address (or 0.0.0.0/::)
 * or both have the same one. */
static bool clash_slow(json_t *arr)
{
	size_t n = json_array_size(arr);

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			json_t *a = json_array_get(arr, i), *b = json_array_get(arr, j);
			const char *x = json_string_value(json_object_get(a, "hostIP"));
			const char *y = json_string_value(json_object_get(b, "hostIP"));
			struct ip_addr ax, ay;

			if (json_integer_value(json_object_get(a, "hostPort")) !=
				    json_integer_value(json_object_get(b, "hostPort")) ||
			    strcmp(json_string_value(json_object_get(a, "protocol")),
				   json_string_value(json_object_get(b, "protocol"))))
				continue;
			if (!x || !y || ip_addr_parse(x, &ax) < 0 || ip_addr_parse(y, &ay) < 0 ||
			    ip_addr_is_unset(&ax) || ip_addr_is_unset(&ay) || ip_addr_equal(&ax, &ay))
				return true;
		}
	return false;
}

/* No conflict found by the CLI: the portmap plugin must take the list. */
static void check_plugin_accepts(json_t *arr)
{
	_cleanup_json_ json_t *conf = json_pack("{s:{s:O}}", "runtimeConfig", "portMappings", arr);
	struct portmap_conf c;
	int r;

	if (!conf)
		abort();
	r = portmap_conf_parse(conf, &c);
	FUZZ_ASSERT(r == 0, "the CLI's mappings are refused by portmap: %s", pt_err_msg());
	FUZZ_ASSERT(c.n_maps == json_array_size(arr), "%zu of %zu mappings", c.n_maps,
		    json_array_size(arr));
	portmap_conf_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_cstr(data, size);
	_cleanup_json_ json_t *arr = json_array(), *none = json_array();
	char *line, *save = NULL;
	size_t i;
	int r;
	json_t *m;

	if (!arr || !none)
		abort();
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t before = json_array_size(arr);

		r = ports_parse(line, arr);

		FUZZ_ASSERT(r == 0 || r == EXIT_USAGE || r == -ENOMEM, "ports_parse returned %d", r);
		FUZZ_ASSERT(r != 0 || json_array_size(arr) > before, "\"%s\" accepted, nothing added", line);
		check_addr(line);
	}
	json_array_foreach(arr, i, m)
		check_mapping(m);
	r = ports_check_conflicts(arr, none);
	FUZZ_ASSERT(r == 0 || r == EXIT_CONFLICT, "ports_check_conflicts returned %d", r);
	if (json_array_size(arr) <= 300)
		FUZZ_ASSERT((r == EXIT_CONFLICT) == clash_slow(arr), "conflict check says %d", r);
	if (r == 0)
		check_plugin_accepts(arr);
	return 0;
}
