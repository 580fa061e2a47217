/* Unit tests of src/lib/nft: the scripts pontoon hands to libnftables,
 * compared with golden files (PONTOON_REGEN_GOLDEN=1 rewrites them), and the
 * portmap configuration's checks. No root, no kernel. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "cni/error.h"
#include "nft/firewall.h"
#include "nft/masq.h"
#include "nft/spoofchk.h"
#include "nft/portmap.h"
#include "util/error.h"
#include "util/json.h"

static void golden(const char *name, const char *text)
{
	char path[512], *want;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s.nft", GOLDEN_DIR, name);
	if (getenv("PONTOON_REGEN_GOLDEN")) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
		return;
	}
	f = fopen(path, "r");
	if (!f)
		fail_msg("golden file %s missing (PONTOON_REGEN_GOLDEN=1 makes it)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	want = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(want, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (strcmp(want, text) != 0)
		fail_msg("%s differs from the rendering:\n--- golden\n%s--- rendered\n%s", path, want,
			 text);
	free(want);
}

static struct ip_prefix pfx(const char *s)
{
	struct ip_prefix p;

	assert_int_equal(ip_prefix_parse(s, &p), 0);
	return p;
}

static void test_base(void **state)
{
	struct nft_script s = { 0 };

	(void)state;
	nft_base_render(&s);
	golden("base", nft_script_text(&s));
	nft_script_free(&s);
}

static void test_masq(void **state)
{
	struct ip_prefix a[] = { pfx("10.88.0.5/16"), pfx("fd00:88::5/64") };
	struct nft_script s = { 0 };

	(void)state;
	assert_int_equal(nft_masq_render_add("podman", "ctr-1", "eth0", a, 2, &s), 0);
	golden("masq-add", nft_script_text(&s));
	nft_script_free(&s);
	s.reown = true;
	assert_int_equal(nft_masq_render_add("podman", "ctr-1", "eth0", a, 2, &s), 0);
	golden("masq-add-reown", nft_script_text(&s));
	nft_script_free(&s);
	assert_int_equal(nft_masq_render_del(a, 2, &s), 0);
	golden("masq-del", nft_script_text(&s));
	nft_script_free(&s);
	assert_int_equal(nft_masq_render_add("net", "ctr\"x", "eth0", a, 1, &s), -EINVAL);
	nft_script_free(&s);
}

/* Parses a portmap config with mappings M and renders ADD (and DEL). */
static void render_portmap(const char *name, const char *extra, const char *mappings,
			   const char *ips, bool del)
{
	char buf[4096];
	struct ip_prefix addrs[4];
	size_t n = 0;
	char *ipcopy = strdup(ips), *save = NULL;
	struct portmap_conf c;
	struct nft_script s = { 0 };
	json_t *j;

	snprintf(buf, sizeof(buf), "{\"name\":\"ptnet\",\"type\":\"portmap\"%s,"
		 "\"runtimeConfig\":{\"portMappings\":%s}}", extra, mappings);
	assert_int_equal(json_parse_buffer(buf, strlen(buf), &j), 0);
	assert_int_equal(portmap_conf_parse(j, &c), 0);
	for (char *t = strtok_r(ipcopy, " ", &save); t; t = strtok_r(NULL, " ", &save))
		addrs[n++] = pfx(t);
	struct nft_portmap_req r = {
		.network = "ptnet", .container_id = "ctr-1", .ifname = "eth0",
		.maps = c.maps, .n_maps = c.n_maps, .ips = addrs, .n_ips = n,
		.snat = c.snat, .masq_all = c.masq_all, .cond4 = &c.cond4, .cond6 = &c.cond6,
	};
	assert_int_equal(nft_portmap_render_add(&r, &s), 0);
	golden(name, nft_script_text(&s));
	nft_script_free(&s);
	if (del) {
		char dname[128];

		snprintf(dname, sizeof(dname), "%s-del", name);
		assert_int_equal(nft_portmap_render_del(&r, &s), 0);
		golden(dname, nft_script_text(&s));
		nft_script_free(&s);
		/* After an EEXIST: the container's elements re-owned. */
		snprintf(dname, sizeof(dname), "%s-reown", name);
		s.reown = true;
		assert_int_equal(nft_portmap_render_add(&r, &s), 0);
		golden(dname, nft_script_text(&s));
		nft_script_free(&s);
	}
	portmap_conf_free(&c);
	json_decref(j);
	free(ipcopy);
}

static void test_portmap_v4(void **state)
{
	(void)state;
	render_portmap("portmap-v4", "", "[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]",
		       "10.99.0.2/24", true);
}

static void test_portmap_dual(void **state)
{
	(void)state;
	render_portmap("portmap-dual", "",
		       "[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"},"
		       "{\"hostPort\":5353,\"containerPort\":53,\"protocol\":\"udp\"},"
		       "{\"hostPort\":3868,\"containerPort\":3868,\"protocol\":\"sctp\"}]",
		       "10.99.0.2/24 10.99.0.9/24 fd99::2/64", true);
}

static void test_portmap_host_ip(void **state)
{
	(void)state;
	render_portmap("portmap-hostip", "",
		       "[{\"hostPort\":9090,\"containerPort\":90,\"hostIP\":\"127.0.0.1\"},"
		       "{\"hostPort\":9091,\"containerPort\":90,\"hostIP\":\"0.0.0.0\"},"
		       "{\"hostPort\":9092,\"containerPort\":92,\"hostIP\":\"2001:db8::1\"},"
		       "{\"hostPort\":9093,\"containerPort\":93,\"hostIP\":\"::\"}]",
		       "10.99.0.2/24 fd99::2/64", false);
}

static void test_portmap_snat_options(void **state)
{
	(void)state;
	render_portmap("portmap-nosnat", ",\"snat\":false",
		       "[{\"hostPort\":8080,\"containerPort\":80}]", "10.99.0.2/24", false);
	render_portmap("portmap-masqall", ",\"masqAll\":true",
		       "[{\"hostPort\":8080,\"containerPort\":80}]", "10.99.0.2/24", false);
}

static void test_portmap_range(void **state)
{
	char m[8192];
	size_t len = 0;

	(void)state;
	len += (size_t)snprintf(m + len, sizeof(m) - len, "[");
	for (int p = 0; p < 20; p++)
		len += (size_t)snprintf(m + len, sizeof(m) - len,
					"%s{\"hostPort\":%d,\"containerPort\":%d,\"protocol\":\"udp\"}",
					p ? "," : "", 10000 + p, 10000 + p);
	snprintf(m + len, sizeof(m) - len, "]");
	render_portmap("portmap-range", "", m, "10.99.0.2/24", false);
}

/* Each bad input: CNI code, and the message names the field. */
static void bad(const char *conf, int code, const char *msg_part)
{
	struct portmap_conf c;
	json_t *j;

	pt_err_clear();
	assert_int_equal(json_parse_buffer(conf, strlen(conf), &j), 0);
	int r = portmap_conf_parse(j, &c);
	assert_true(r == -EINVAL || r == -ERANGE);
	if (!strstr(pt_err_msg(), msg_part))
		fail_msg("error \"%s\" does not contain \"%s\"", pt_err_msg(), msg_part);
	assert_int_equal(pt_err_cni_code(), code);
	json_decref(j);
}

#define PM(x) "{\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":80,\"containerPort\":80}," x "]}}"

static void test_conf_errors(void **state)
{
	(void)state;
	bad(PM("{\"hostPort\":0,\"containerPort\":80}"), CNI_ERR_INVALID_CONFIG,
	    "runtimeConfig.portMappings[1].hostPort: must be an integer in 1..65535, got 0");
	bad(PM("{\"hostPort\":70000,\"containerPort\":80}"), CNI_ERR_INVALID_CONFIG,
	    "runtimeConfig.portMappings[1].hostPort: must be");
	bad(PM("{\"hostPort\":81,\"containerPort\":0}"), CNI_ERR_INVALID_CONFIG,
	    "runtimeConfig.portMappings[1].containerPort: must be an integer in 1..65535, got 0");
	bad(PM("{\"hostPort\":81,\"containerPort\":65536}"), CNI_ERR_INVALID_CONFIG,
	    "runtimeConfig.portMappings[1].containerPort: must be an integer in 1..65535, got 65536");
	bad("{\"markMasqBit\":-1}", CNI_ERR_INVALID_CONFIG, "markMasqBit: must be an integer in 0..31");
	bad(PM("{\"hostPort\":81}"), CNI_ERR_INVALID_CONFIG,
	    "runtimeConfig.portMappings[1].containerPort: missing");
	bad(PM("{\"hostPort\":\"81\",\"containerPort\":80}"), CNI_ERR_INVALID_CONFIG,
	    "runtimeConfig.portMappings[1].hostPort: must be");
	bad(PM("{\"hostPort\":81,\"containerPort\":80,\"protocol\":\"icmp\"}"), CNI_ERR_INVALID_CONFIG,
	    "runtimeConfig.portMappings[1].protocol: must be \"tcp\", \"udp\" or \"sctp\", got \"icmp\"");
	bad(PM("{\"hostPort\":81,\"containerPort\":80,\"hostIP\":\"1.2.3\"}"), CNI_ERR_INVALID_CONFIG,
	    "runtimeConfig.portMappings[1].hostIP: not an IP address: \"1.2.3\"");
	bad(PM("{\"hostPort\":80,\"containerPort\":81}"), CNI_ERR_INVALID_CONFIG,
	    "runtimeConfig.portMappings[1].hostPort: 80/tcp is already mapped by runtimeConfig.portMappings[0]");
	bad(PM("7"), CNI_ERR_INVALID_CONFIG, "runtimeConfig.portMappings[1]: must be an object");
	bad("{\"runtimeConfig\":{\"portMappings\":{}}}", CNI_ERR_INVALID_CONFIG,
	    "runtimeConfig.portMappings: must be");
	bad("{\"snat\":\"yes\"}", CNI_ERR_INVALID_CONFIG, "snat: must be");
	bad("{\"markMasqBit\":32}", CNI_ERR_INVALID_CONFIG, "markMasqBit: must be an integer in 0..31");
	bad("{\"markMasqBit\":13,\"externalSetMarkChain\":\"X\"}", CNI_ERR_INVALID_CONFIG,
	    "markMasqBit, externalSetMarkChain: cannot give both");
	bad("{\"backend\":\"ebtables\"}", CNI_ERR_INVALID_CONFIG, "backend: must be");
}

/* conditionsV4/V6: what pontoon cannot express is code 2, naming the entry;
 * what is malformed is code 7. */
static void test_conditions_errors(void **state)
{
	(void)state;
	bad("{\"conditionsV4\":[\"!\",\"-d\",\"192.0.2.0/24\",\"-m\",\"comment\"]}",
	    CNI_ERR_UNSUPPORTED_FIELD,
	    "conditionsV4[3]: \"-m\" is not supported by pontoon (supported: [!] -s/--source CIDR, "
	    "[!] -d/--destination CIDR)");
	bad("{\"conditionsV4\":[\"-i\",\"eth0\"]}", CNI_ERR_UNSUPPORTED_FIELD,
	    "conditionsV4[0]: \"-i\" is not supported by pontoon");
	bad("{\"conditionsV4\":[\"-p\",\"tcp\"]}", CNI_ERR_UNSUPPORTED_FIELD,
	    "conditionsV4[0]: \"-p\" is not supported");
	bad("{\"conditionsV4\":[\"-s\",\"10.0.0.0/8\",\"--dport\",\"80\"]}",
	    CNI_ERR_UNSUPPORTED_FIELD, "conditionsV4[2]: \"--dport\" is not supported");
	bad("{\"conditionsV4\":[\"-d\",\"fc00::/7\"]}", CNI_ERR_UNSUPPORTED_FIELD,
	    "conditionsV4[1]: \"fc00::/7\" is not an IPv4 address (conditionsV4 apply to IPv4 mappings)");
	bad("{\"conditionsV6\":[\"!\",\"-s\",\"10.0.0.0/8\"]}", CNI_ERR_UNSUPPORTED_FIELD,
	    "conditionsV6[2]: \"10.0.0.0/8\" is not an IPv6 address");
	bad("{\"conditionsV4\":[\"-s\",\"10.0.0.1,10.0.0.2\"]}", CNI_ERR_UNSUPPORTED_FIELD,
	    "conditionsV4[1]: \"10.0.0.1,10.0.0.2\": a list of addresses is not supported");
	bad("{\"conditionsV4\":[\"ip6 daddr != fc00::/7\"]}", CNI_ERR_UNSUPPORTED_FIELD,
	    "conditionsV4[0]: \"ip6\" does not match IPv4 mappings");
	bad("{\"conditionsV4\":[\"ip daddr != 192.0.2.0/24\", \"tcp dport 80\"]}",
	    CNI_ERR_UNSUPPORTED_FIELD,
	    "conditionsV4[1]: \"tcp\" is not supported by pontoon (supported: ip/ip6 saddr/daddr [!=] CIDR)");
	bad("{\"conditionsV4\":[\"meta mark 1\"]}", CNI_ERR_UNSUPPORTED_FIELD,
	    "conditionsV4[0]: \"meta\" is not supported");
	bad("{\"conditionsV4\":[\"!\",\"-s\",\"1.0.0.0/8\",\"!\",\"-s\",\"2.0.0.0/8\","
	    "\"!\",\"-s\",\"3.0.0.0/8\",\"!\",\"-s\",\"4.0.0.0/8\",\"!\",\"-s\",\"5.0.0.0/8\","
	    "\"!\",\"-s\",\"6.0.0.0/8\",\"!\",\"-s\",\"7.0.0.0/8\",\"!\",\"-s\",\"8.0.0.0/8\","
	    "\"!\",\"-s\",\"9.0.0.0/8\",\"!\",\"-s\",\"10.0.0.0/8\",\"!\",\"-s\",\"11.0.0.0/8\","
	    "\"!\",\"-s\",\"12.0.0.0/8\",\"!\",\"-s\",\"13.0.0.0/8\",\"!\",\"-s\",\"14.0.0.0/8\","
	    "\"!\",\"-s\",\"15.0.0.0/8\",\"!\",\"-s\",\"16.0.0.0/8\",\"!\",\"-s\",\"17.0.0.0/8\"]}",
	    CNI_ERR_UNSUPPORTED_FIELD, "conditionsV4[50]: more than 16 conditions are not supported");
	/* malformed: code 7 */
	bad("{\"conditionsV4\":\"! -d 1.2.3.4\"}", CNI_ERR_INVALID_CONFIG, "conditionsV4: must be");
	bad("{\"conditionsV4\":[\"-d\",7]}", CNI_ERR_INVALID_CONFIG, "conditionsV4[1]: must be a string");
	bad("{\"conditionsV4\":[\"!\",\"-d\"]}", CNI_ERR_INVALID_CONFIG,
	    "conditionsV4[1]: \"-d\" must be followed by an address");
	bad("{\"conditionsV4\":[\"-s\",\"10.0.0.0/8\",\"!\"]}", CNI_ERR_INVALID_CONFIG,
	    "conditionsV4[2]: \"!\" must be followed by a condition");
	bad("{\"conditionsV4\":[\"!\",\"!\",\"-s\",\"10.0.0.0/8\"]}", CNI_ERR_INVALID_CONFIG,
	    "conditionsV4[1]: \"!\" twice");
	bad("{\"conditionsV4\":[\"-d\",\"example.com\"]}", CNI_ERR_INVALID_CONFIG,
	    "conditionsV4[1]: not an address or CIDR: \"example.com\"");
	bad("{\"conditionsV4\":[\"--source\",\"10.0.0.0/33\"]}", CNI_ERR_INVALID_CONFIG,
	    "conditionsV4[1]: not a prefix length or mask: \"10.0.0.0/33\"");
	bad("{\"conditionsV4\":[\"-s\",\"10.0.0.0/255.0.255.0\"]}", CNI_ERR_INVALID_CONFIG,
	    "conditionsV4[1]: not a prefix length or mask");
	bad("{\"conditionsV6\":[\"-s\",\"fd00::/ffff::\"]}", CNI_ERR_INVALID_CONFIG,
	    "conditionsV6[1]: not a prefix length or mask");
	bad("{\"conditionsV4\":[\"ip saddr\"]}", CNI_ERR_INVALID_CONFIG,
	    "conditionsV4[0]: \"saddr\" must be followed by an address");
	bad("{\"conditionsV4\":[\"ip\"]}", CNI_ERR_INVALID_CONFIG,
	    "conditionsV4[0]: \"ip\" must be followed by saddr or daddr");
}

static void assert_range(const struct nft_addr_range *r, const char *first, const char *last)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

	ip_addr_format(&r->first, a);
	ip_addr_format(&r->last, b);
	if (strcmp(a, first) != 0 || strcmp(b, last) != 0)
		fail_msg("range %s-%s, expected %s-%s", a, b, first, last);
}

static void parse_ok(const char *conf, struct portmap_conf *c)
{
	json_t *j;

	pt_err_clear();
	assert_int_equal(json_parse_buffer(conf, strlen(conf), &j), 0);
	if (portmap_conf_parse(j, c) < 0)
		fail_msg("%s: %s", conf, pt_err_msg());
	json_decref(j);
}

/* What the conditions exclude: the complement of the positive ones, the
 * negated ones, merged into disjoint ranges. */
static void test_conditions_ranges(void **state)
{
	struct portmap_conf c;

	(void)state;
	parse_ok("{\"conditionsV4\":[\"!\",\"-s\",\"192.0.2.0/24\"]}", &c);
	assert_int_equal(c.cond4.n_src, 1);
	assert_int_equal(c.cond4.n_dst, 0);
	assert_false(nft_portmap_cond_any(&c.cond6));
	assert_range(&c.cond4.src[0], "192.0.2.0", "192.0.2.255");
	portmap_conf_free(&c);

	/* a positive source: all but it; host bits and a dotted mask as iptables reads them */
	parse_ok("{\"conditionsV4\":[\"--source\",\"10.1.2.3/255.255.0.0\"]}", &c);
	assert_int_equal(c.cond4.n_src, 2);
	assert_range(&c.cond4.src[0], "0.0.0.0", "10.0.255.255");
	assert_range(&c.cond4.src[1], "10.2.0.0", "255.255.255.255");
	portmap_conf_free(&c);

	/* -s 10/8 ! -s 10.1/16 ! -s 11/8 -d 192.0.2.1: an address is a /32 */
	parse_ok("{\"conditionsV4\":[\"-s\",\"10.0.0.0/8\",\"!\",\"-s\",\"10.1.0.0/16\","
		 "\"! -s 11.0.0.0/8\",\"-d\",\"192.0.2.1\"]}", &c);
	assert_int_equal(c.cond4.n_src, 3);
	assert_range(&c.cond4.src[0], "0.0.0.0", "9.255.255.255");
	assert_range(&c.cond4.src[1], "10.1.0.0", "10.1.255.255");
	assert_range(&c.cond4.src[2], "11.0.0.0", "255.255.255.255");
	assert_int_equal(c.cond4.n_dst, 2);
	assert_range(&c.cond4.dst[0], "0.0.0.0", "192.0.2.0");
	assert_range(&c.cond4.dst[1], "192.0.2.2", "255.255.255.255");
	portmap_conf_free(&c);

	/* two positive sources that do not meet: nothing is DNATed */
	parse_ok("{\"conditionsV4\":[\"-s\",\"10.0.0.0/8\",\"-s\",\"11.0.0.0/8\"]}", &c);
	assert_int_equal(c.cond4.n_src, 1);
	assert_range(&c.cond4.src[0], "0.0.0.0", "255.255.255.255");
	portmap_conf_free(&c);

	/* nft words; IPv6; 0.0.0.0/0 excludes nothing */
	parse_ok("{\"conditionsV6\":[\"ip6 daddr != fc00::/7\", \"ip6\", \"saddr\", \"==\", \"::/0\"],"
		 "\"conditionsV4\":[\"-s\", \"0.0.0.0/0\"]}", &c);
	assert_false(nft_portmap_cond_any(&c.cond4));
	assert_int_equal(c.cond6.n_src, 0);
	assert_int_equal(c.cond6.n_dst, 1);
	assert_range(&c.cond6.dst[0], "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	portmap_conf_free(&c);

	/* empty and blank entries: no conditions */
	parse_ok("{\"conditionsV4\":[\"\", \" \"],\"conditionsV6\":[]}", &c);
	assert_false(nft_portmap_cond_any(&c.cond4));
	portmap_conf_free(&c);
}

/* Condition elements for every kind of mapping: on all addresses (both
 * families), on a host address the conditions let through, on one they
 * exclude (off for every source). */
static void test_portmap_conditions(void **state)
{
	(void)state;
	render_portmap("portmap-conditions",
		       ",\"conditionsV4\":[\"!\",\"-s\",\"192.0.2.0/24\",\"!\",\"--destination\",\"10.0.0.0/8\"],"
		       "\"conditionsV6\":[\"-s\",\"2001:db8::/32\"]",
		       "[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"},"
		       "{\"hostPort\":5353,\"containerPort\":53,\"protocol\":\"udp\",\"hostIP\":\"0.0.0.0\"},"
		       "{\"hostPort\":9191,\"containerPort\":91,\"hostIP\":\"198.51.100.1\"},"
		       "{\"hostPort\":9192,\"containerPort\":92,\"hostIP\":\"10.1.1.1\"},"
		       "{\"hostPort\":9193,\"containerPort\":93,\"hostIP\":\"2001:db8::1\"}]",
		       "10.99.0.2/24 fd99::2/64", true);
}

static void test_conf_defaults(void **state)
{
	const char *conf = "{\"markMasqBit\":13,\"conditionsV6\":[],"
			   "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":80,\"containerPort\":8080,"
			   "\"protocol\":\"UDP\",\"hostIP\":\"\"}]}}";
	struct portmap_conf c;
	json_t *j;

	(void)state;
	assert_int_equal(json_parse_buffer(conf, strlen(conf), &j), 0);
	assert_int_equal(portmap_conf_parse(j, &c), 0);
	assert_true(c.snat);
	assert_false(c.masq_all);
	assert_int_equal(c.mark_masq_bit, 13);
	assert_int_equal(c.n_maps, 1);
	assert_int_equal(c.maps[0].proto, IPPROTO_UDP);
	assert_int_equal(c.maps[0].host_ip.family, 0);
	portmap_conf_free(&c);
	json_decref(j);
}

static void test_owner_match(void **state)
{
	struct cni_attachment valid[] = { { "ctr-1", "eth0" } };
	struct nft_owner_match stale = { NFT_MATCH_STALE, "net", valid, 1 };
	struct nft_owner_match exact = { NFT_MATCH_EXACT, "net/ctr-1/eth0", NULL, 0 };

	(void)state;
	assert_false(nft_owner_matches(&stale, "net/ctr-1/eth0"));
	assert_true(nft_owner_matches(&stale, "net/ctr-1/eth1"));
	assert_true(nft_owner_matches(&stale, "net/ctr-2/eth0"));
	assert_false(nft_owner_matches(&stale, "net2/ctr-2/eth0"));
	assert_false(nft_owner_matches(&stale, "net"));
	assert_true(nft_owner_matches(&exact, "net/ctr-1/eth0"));
	assert_false(nft_owner_matches(&exact, "net/ctr-1/eth00"));
}

/* Renders each expression of the JSON array doc, "|" after each, and
 * compares the text with want. */
static void assert_renders(const char *doc, const char *want)
{
	struct nft_script s = { 0 };
	json_t *j, *e;
	size_t i;

	assert_int_equal(json_parse_buffer(doc, strlen(doc), &j), 0);
	json_array_foreach(j, i, e) {
		assert_int_equal(nft_json_expr_render(e, &s), 0);
		nft_script_appendf(&s, "|");
	}
	assert_string_equal(nft_script_text(&s), want);
	nft_script_free(&s);
	json_decref(j);
}

static void test_json_expr(void **state)
{
	const char *doc = "[{\"concat\":[\"127.0.0.1\",\"tcp\",8080]},"
			  "{\"prefix\":{\"addr\":\"10.0.0.0\",\"len\":8}},"
			  "{\"range\":[1,5]}]";

	(void)state;
	assert_renders(doc, "\"127.0.0.1\" . \"tcp\" . 8080|\"10.0.0.0\"/8|1-5|");
}

/* Strings are written quoted, so an interface name that is no nft word
 * ("1br") or that holds nft syntax ("a};x#") stays one key; what a quoted
 * string cannot hold is refused (fuzz-nft_elem). */
static void test_json_expr_quoting(void **state)
{
	const char *doc = "[\"1br\", {\"concat\":[\"a};x#\",\"br 0\"]}]";
	const char *bad[] = { "[\"a\\\"b\"]", "[\"a\\\\b\"]", "[\"a\\nb\"]",
			      "[{\"prefix\":{\"addr\":\"a\\\"\",\"len\":1}}]" };
	struct nft_script s = { 0 };
	json_t *j;
	size_t i;

	(void)state;
	assert_renders(doc, "\"1br\"|\"a};x#\" . \"br 0\"|");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(json_parse_buffer(bad[i], strlen(bad[i]), &j), 0);
		assert_int_equal(nft_json_expr_render(json_array_get(j, 0), &s), -EINVAL);
		nft_script_free(&s);
		json_decref(j);
	}
}

static void test_firewall(void **state)
{
	struct ip_prefix a[] = { pfx("10.99.0.5/24"), pfx("fd99::5/64") };
	struct nft_firewall_req r = { .network = "ptnet", .container_id = "ctr-1", .ifname = "eth0",
				      .bridge = "cni0", .policy = NFT_INGRESS_OPEN, .ips = a,
				      .n_ips = 2 };
	struct nft_script s = { 0 };
	enum nft_ingress_policy p;

	(void)state;
	assert_int_equal(nft_firewall_render_add(&r, &s), 0);
	golden("firewall-open", nft_script_text(&s));
	nft_script_free(&s);
	r.policy = NFT_INGRESS_SAME_BRIDGE;
	assert_int_equal(nft_firewall_render_add(&r, &s), 0);
	golden("firewall-same-bridge", nft_script_text(&s));
	nft_script_free(&s);
	r.policy = NFT_INGRESS_ISOLATED;
	assert_int_equal(nft_firewall_render_add(&r, &s), 0);
	golden("firewall-isolated", nft_script_text(&s));
	nft_script_free(&s);
	assert_int_equal(nft_firewall_render_del(&r, &s), 0);
	golden("firewall-del", nft_script_text(&s));
	nft_script_free(&s);
	r.bridge = NULL;	/* isolation without a bridge: refused */
	assert_int_equal(nft_firewall_render_add(&r, &s), -EINVAL);
	nft_script_free(&s);
	assert_int_equal(nft_ingress_policy_parse("same-bridge", &p), 0);
	assert_int_equal(p, NFT_INGRESS_SAME_BRIDGE);
	assert_int_equal(nft_ingress_policy_parse("", &p), 0);
	assert_int_equal(p, NFT_INGRESS_OPEN);
	assert_int_equal(nft_ingress_policy_parse("closed", &p), -EINVAL);
}

/* hostAccess gateway and blockedDestinations: per-network elements with the
 * network's comment; host bits cleared, a range inside another (or a
 * duplicate) left out, since an interval set refuses overlapping elements. */
static void test_firewall_host_blocked(void **state)
{
	struct ip_prefix a[] = { pfx("10.99.0.5/24") };
	struct ip_prefix b[] = { pfx("169.254.169.254/32"), pfx("10.1.2.3/8"), pfx("10.1.0.0/16"),
				 pfx("fd00:ec2::254/128"), pfx("169.254.169.254/32"),
				 pfx("0.0.0.0/0"), pfx("fd00::/8") };
	struct nft_firewall_req r = { .network = "ptnet", .container_id = "ctr-1", .ifname = "eth0",
				      .bridge = "cni0", .policy = NFT_INGRESS_OPEN,
				      .host_access = NFT_HOST_GATEWAY, .ips = a, .n_ips = 1,
				      .blocked = b, .n_blocked = 5 };
	struct nft_script s = { 0 };
	enum nft_host_access h;

	(void)state;
	assert_int_equal(nft_firewall_render_add(&r, &s), 0);
	golden("firewall-host-blocked", nft_script_text(&s));
	nft_script_free(&s);
	/* 0.0.0.0/0 covers every IPv4 range; fd00::/8 the IPv6 one. */
	r.n_blocked = 7;
	r.host_access = NFT_HOST_ALL;
	assert_int_equal(nft_firewall_render_add(&r, &s), 0);
	golden("firewall-blocked-all", nft_script_text(&s));
	nft_script_free(&s);
	/* DEL leaves the network's elements to GC, as fw_br. */
	assert_int_equal(nft_firewall_render_del(&r, &s), 0);
	assert_null(strstr(nft_script_text(&s), "blocked"));
	nft_script_free(&s);
	r.bridge = NULL;	/* no bridge to key them on: refused */
	assert_int_equal(nft_firewall_render_add(&r, &s), -EINVAL);
	nft_script_free(&s);
	r.n_blocked = 0;
	r.host_access = NFT_HOST_GATEWAY;
	assert_int_equal(nft_firewall_render_add(&r, &s), -EINVAL);
	nft_script_free(&s);
	assert_int_equal(nft_host_access_parse("gateway", &h), 0);
	assert_int_equal(h, NFT_HOST_GATEWAY);
	assert_int_equal(nft_host_access_parse(NULL, &h), 0);
	assert_int_equal(h, NFT_HOST_ALL);
	assert_int_equal(nft_host_access_parse("all", &h), 0);
	assert_int_equal(h, NFT_HOST_ALL);
	assert_int_equal(nft_host_access_parse("none", &h), -EINVAL);
	assert_int_equal(nft_host_access_parse("Gateway", &h), -EINVAL);
}

/* parses the key TEXT; returns the result, *p the range and *b the bridge. */
static int blocked_key(const char *text, struct ip_prefix *p, char *b, size_t bsize)
{
	json_t *k = json_loads(text, JSON_DECODE_ANY, NULL);
	const char *bridge = NULL;
	int r;

	assert_non_null(k);
	r = nft_blocked_key_parse(k, &bridge, p);
	snprintf(b, bsize, "%s", r == 0 ? bridge : "");
	json_decref(k);
	return r;
}

/* The shapes the kernel lists blocked4/blocked6 keys in (taken from
 * `nft -j list set`): an address alone for a full-length prefix, else a
 * prefix object; anything else is refused, never read as a range. */
static void test_blocked_key(void **state)
{
	char b[16], a[IP_ADDR_STRLEN];
	struct ip_prefix p;

	(void)state;
	assert_int_equal(blocked_key("{\"concat\": [\"cni0\", \"169.254.169.254\"]}", &p, b,
				     sizeof(b)), 0);
	assert_string_equal(b, "cni0");
	assert_string_equal(ip_addr_format(&p.addr, a), "169.254.169.254");
	assert_int_equal(p.len, 32);
	assert_int_equal(blocked_key("{\"concat\": [\"cni1\", {\"prefix\": {\"addr\": \"fd00::\", "
				     "\"len\": 8}}]}", &p, b, sizeof(b)), 0);
	assert_string_equal(b, "cni1");
	assert_string_equal(ip_addr_format(&p.addr, a), "fd00::");
	assert_int_equal(p.len, 8);
	assert_int_equal(blocked_key("{\"concat\": [\"b\", \"fe80:0:0:1::1\"]}", &p, b, sizeof(b)), 0);
	assert_int_equal(p.len, 128);
	static const char *const bad[] = {
		"{\"concat\": [\"cni0\", {\"prefix\": {\"addr\": \"10.0.0.0\", \"len\": \"8\"}}]}",
		"{\"concat\": [\"cni0\", {\"prefix\": {\"addr\": \"10.0.0.0\"}}]}",
		"{\"concat\": [\"cni0\", {\"prefix\": {\"addr\": \"10.0.0.0\", \"len\": 33}}]}",
		"{\"concat\": [\"cni0\", {\"prefix\": {\"addr\": \"10.0.0.0\", \"len\": -1}}]}",
		"{\"concat\": [\"cni0\", {\"range\": [\"10.0.0.1\", \"10.0.0.9\"]}]}",
		"{\"concat\": [\"cni0\", \"10.0.0.0/8\"]}",
		"{\"concat\": [\"cni0\"]}",
		"{\"concat\": [1, \"10.0.0.1\"]}",
		"{\"concat\": [\"cni0\", \"10.0.0.1\", \"x\"]}",
		"\"10.0.0.1\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (blocked_key(bad[i], &p, b, sizeof(b)) != -EINVAL)
			fail_msg("accepted %s", bad[i]);
}

static void test_spoofchk(void **state)
{
	struct ip_prefix a[] = { pfx("10.99.0.5/24"), pfx("fd99::5/64") };
	struct nft_spoofchk_req r = { .network = "ptnet", .container_id = "ctr-1", .ifname = "eth0",
				      .host_veth = "veth1a2b3c4d", .mac = "0a:58:0a:63:00:05",
				      .addrs = a, .n_addrs = 2, .check_ip = true };
	struct nft_script s = { 0 };

	(void)state;
	nft_spoofchk_base_render(&s);
	golden("spoofchk-base", nft_script_text(&s));
	nft_script_free(&s);
	assert_int_equal(nft_spoofchk_render_add(&r, &s), 0);
	golden("spoofchk-add", nft_script_text(&s));
	nft_script_free(&s);
	assert_int_equal(nft_spoofchk_render_del(&r, &s), 0);
	golden("spoofchk-del", nft_script_text(&s));
	nft_script_free(&s);
	r.check_ip = false;
	assert_int_equal(nft_spoofchk_render_add(&r, &s), 0);
	golden("spoofchk-add-mac-only", nft_script_text(&s));
	nft_script_free(&s);
	r.mac = "0a:58:0a:63:00";	/* bad MAC */
	assert_int_equal(nft_spoofchk_render_add(&r, &s), -EINVAL);
	nft_script_free(&s);
	r.mac = "0a:58:0a:63:00:05";
	r.host_veth = "veth\"x";
	assert_int_equal(nft_spoofchk_render_add(&r, &s), -EINVAL);
	nft_script_free(&s);
}

/* Element keys as the kernel holds them, for the owner lookups of DEL: each
 * field of a concatenation in whole 32-bit words, ports big-endian, an
 * interface name IFNAMSIZ bytes NUL-padded. */
static void test_key_encoding(void **state)
{
	static const uint8_t pm4[] = { 10, 99, 0, 50, 6, 0, 0, 0, 0x1f, 0x90, 0, 0 };
	static const uint8_t mac[] = { 'v', 'e', 't', 'h', '0', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				       0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01, 0, 0 };
	struct nft_key k = { 0 }, m = { 0 }, v6 = { 0 }, bad = { 0 };
	struct ip_prefix a = pfx("10.99.0.50/24"), b = pfx("fd00::5/64");

	(void)state;
	nft_key_addr(&k, &a.addr);
	nft_key_proto(&k, IPPROTO_TCP);
	nft_key_port(&k, 8080);
	assert_int_equal(k.len, sizeof(pm4));
	assert_memory_equal(k.b, pm4, sizeof(pm4));
	nft_key_ifname(&m, "veth0");
	assert_int_equal(nft_key_mac(&m, "aa:bb:cc:dd:ee:01"), 0);
	assert_int_equal(m.len, sizeof(mac));
	assert_memory_equal(m.b, mac, sizeof(mac));
	assert_int_equal(nft_key_mac(&m, "aa:bb:cc:dd:ee"), -EINVAL);
	nft_key_addr(&v6, &b.addr);
	assert_int_equal(v6.len, 16);
	nft_key_ifname(&bad, "a-name-too-long-x");
	assert_true(bad.overflow);
	for (int i = 0; i < 5; i++)
		nft_key_addr(&v6, &b.addr);	/* 96 bytes: more than a key holds */
	assert_true(v6.overflow);
}

/* The answer to a one-element GETSETELEM, built the way the kernel frames
 * it: the element's comment is the first record of type 0 of its user
 * data; another record before it is skipped; a short buffer cuts it. */
static size_t put_attr(uint8_t *p, uint16_t type, const void *v, size_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };

	memcpy(p, &a, sizeof(a));
	memcpy(p + NLA_HDRLEN, v, len);
	memset(p + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	return NLA_HDRLEN + NLA_ALIGN(len);
}

static size_t elem_reply(uint8_t *buf, const char *comment, int error)
{
	uint8_t udata[64] = { 7, 2, 0xaa, 0xbb, 0, (uint8_t)(strlen(comment) + 1) }, key[4] = { 10, 88, 0, 2 };
	uint8_t inner[128], elem[160], list[192];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlmsgerr *e;
	size_t n = 0, off;

	memcpy(udata + 6, comment, strlen(comment) + 1);
	n = put_attr(inner, NFTA_DATA_VALUE, key, sizeof(key));
	off = put_attr(elem, NLA_F_NESTED | NFTA_SET_ELEM_KEY, inner, n);
	off += put_attr(elem + off, NFTA_SET_ELEM_USERDATA, udata, 6 + strlen(comment) + 1);
	n = put_attr(list, NLA_F_NESTED | NFTA_LIST_ELEM, elem, off);
	*h = (struct nlmsghdr){ .nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM,
				.nlmsg_seq = 7, .nlmsg_pid = 9 };
	off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
	memset(buf + NLMSG_HDRLEN, 0, off - NLMSG_HDRLEN);
	off += put_attr(buf + off, NFTA_SET_ELEM_LIST_TABLE, "pontoon", 8);
	off += put_attr(buf + off, NLA_F_NESTED | NFTA_SET_ELEM_LIST_ELEMENTS, list, n);
	h->nlmsg_len = (uint32_t)off;
	h = (struct nlmsghdr *)(buf + off);
	*h = (struct nlmsghdr){ .nlmsg_len = NLMSG_HDRLEN + sizeof(*e), .nlmsg_type = NLMSG_ERROR,
				.nlmsg_seq = 7, .nlmsg_pid = 9 };
	e = NLMSG_DATA(h);
	*e = (struct nlmsgerr){ .error = error };
	return off + h->nlmsg_len;
}

static void test_elem_reply(void **state)
{
	uint8_t buf[1024];
	char comment[64] = "", small[4];
	size_t len = elem_reply(buf, "net/ctr1/eth0", 0);

	(void)state;
	assert_int_equal(nft_elem_reply_parse(buf, len, 7, 9, comment, sizeof(comment)), 1);
	assert_string_equal(comment, "net/ctr1/eth0");
	assert_int_equal(nft_elem_reply_parse(buf, len, 7, 9, small, sizeof(small)), 1);
	assert_string_equal(small, "net");
	/* Only the element, the ACK still to come. */
	comment[0] = '\0';
	assert_int_equal(nft_elem_reply_parse(buf, ((struct nlmsghdr *)buf)->nlmsg_len, 7, 9,
					      comment, sizeof(comment)), -EAGAIN);
	assert_string_equal(comment, "net/ctr1/eth0");
	/* Another request's answer, and the kernel's "no such element". */
	assert_true(nft_elem_reply_parse(buf, len, 8, 9, comment, sizeof(comment)) < 0);
	len = elem_reply(buf, "x", -ENOENT);
	assert_int_equal(nft_elem_reply_parse(buf + ((struct nlmsghdr *)buf)->nlmsg_len,
					      len - ((struct nlmsghdr *)buf)->nlmsg_len, 7, 9,
					      comment, sizeof(comment)), 0);
	/* An EAGAIN answer ends the exchange: -EAGAIN means "read on". */
	len = elem_reply(buf, "x", -EAGAIN);
	assert_int_equal(nft_elem_reply_parse(buf + ((struct nlmsghdr *)buf)->nlmsg_len,
					      len - ((struct nlmsghdr *)buf)->nlmsg_len, 7, 9,
					      comment, sizeof(comment)), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base),
		cmocka_unit_test(test_masq),
		cmocka_unit_test(test_portmap_v4),
		cmocka_unit_test(test_portmap_dual),
		cmocka_unit_test(test_portmap_host_ip),
		cmocka_unit_test(test_portmap_snat_options),
		cmocka_unit_test(test_portmap_range),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_conditions_errors),
		cmocka_unit_test(test_conditions_ranges),
		cmocka_unit_test(test_portmap_conditions),
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_owner_match),
		cmocka_unit_test(test_json_expr),
		cmocka_unit_test(test_json_expr_quoting),
		cmocka_unit_test(test_firewall),
		cmocka_unit_test(test_firewall_host_blocked),
		cmocka_unit_test(test_blocked_key),
		cmocka_unit_test(test_spoofchk),
		cmocka_unit_test(test_key_encoding),
		cmocka_unit_test(test_elem_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
