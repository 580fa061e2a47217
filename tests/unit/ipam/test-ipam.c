/* src/lib/ipam: configuration parsing (every field, every bad input named
 * with its CNI code), the allocator against a real directory (round robin,
 * wrap, exhaustion, requested addresses, gateway, small subnets, dual
 * stack, release, the reference's file formats), many processes at once,
 * and what a killed process leaves behind. Each test gets its own mkdtemp
 * data directory, removed afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../test-files.h"
#include "cni/error.h"
#include "ipam/alloc.h"
#include "ipam/hostlocal_conf.h"
#include "ipam/resolv.h"
#include "ipam/routes.h"
#include "ipam/static_conf.h"
#include "ipam/store.h"
#include "util/error.h"
#include "util/json.h"

/* ---- fixtures ---- */

struct fx {
	char dir[64];		/* the data dir */
	char net[128];		/* dir/net1 */
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/pontoon-ipam-test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->net, sizeof(f->net), "%s/net1", f->dir);
	*state = f;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Builds a config: `ipam` is the inside of the ipam object, with %s for the
 * data dir where wanted. */
static json_t *conf_json(const char *version, const char *ipam_fmt, const char *dir,
			 const char *extra)
{
	char ipam[4096], doc[8192];
	json_t *j = NULL;

	snprintf(ipam, sizeof(ipam), ipam_fmt, dir);
	snprintf(doc, sizeof(doc),
		 "{\"cniVersion\":\"%s\",\"name\":\"net1\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\",%s}%s%s}",
		 version, ipam, extra ? "," : "", extra ? extra : "");
	assert_int_equal(json_parse_buffer(doc, strlen(doc), &j), 0);
	return j;
}

static struct ipam_hostlocal_conf *load(const struct fx *f, const char *ipam_fmt,
					const char *env_ip)
{
	json_t *j = conf_json("1.1.0", ipam_fmt, f ? f->dir : "", NULL);
	struct ipam_hostlocal_conf *c = NULL;
	int err = ipam_hostlocal_conf_parse(j, env_ip, NULL, 0, &c);

	if (err < 0)
		fail_msg("parse: %s", pt_err_msg());
	json_decref(j);
	return c;
}

static void addr_is(const struct ip_addr *a, const char *want)
{
	char buf[IP_ADDR_STRLEN];

	assert_string_equal(ip_addr_format(a, buf), want);
}

static void lease_is(const struct ipam_lease *l, const char *addr, const char *gw)
{
	char buf[IP_PREFIX_STRLEN];

	assert_string_equal(ip_prefix_format(&l->address, buf), addr);
	addr_is(&l->gateway, gw);
}

/* ADD for id/eth0 that must succeed with one lease per set; returns the
 * first lease's text. */
static char *add_ok(const struct ipam_hostlocal_conf *c, const char *id, const char *ifname)
{
	static char buf[IP_PREFIX_STRLEN];
	struct ipam_lease *l = NULL;
	size_t n = 0;

	if (ipam_alloc_add(c, id, ifname, &l, &n) < 0)
		fail_msg("add %s: %s", id, pt_err_msg());
	assert_int_equal(n, c->n_sets);
	ip_prefix_format(&l[0].address, buf);
	free(l);
	return buf;
}

static void add_fails(const struct ipam_hostlocal_conf *c, const char *id, const char *msg)
{
	struct ipam_lease *l = NULL;
	size_t n = 0;

	pt_err_clear();
	assert_true(ipam_alloc_add(c, id, "eth0", &l, &n) < 0);
	if (!strstr(pt_err_msg(), msg))
		fail_msg("error \"%s\" lacks \"%s\"", pt_err_msg(), msg);
}

static char *read_file(const char *dir, const char *name)
{
	static char buf[512];
	char path[512];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static bool exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* Names in dir that are addresses. */
static size_t count_ips(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct ip_addr a;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += ip_addr_parse(de->d_name, &a) == 0;
	closedir(d);
	return n;
}

#define V4_29 "\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.1.2.0/29\"}]]"

/* ---- configuration ---- */

static void test_conf_every_field(void **state)
{
	const char *ipam =
		"\"dataDir\":\"/x/y\",\"resolvConf\":\"/etc/r.conf\","
		"\"subnet\":\"10.9.0.0/16\",\"rangeStart\":\"10.9.1.0\",\"rangeEnd\":\"10.9.2.0\",\"gateway\":\"10.9.0.254\","
		"\"ranges\":[[{\"subnet\":\"10.1.0.0/24\",\"rangeStart\":\"10.1.0.10\",\"rangeEnd\":\"10.1.0.20\",\"gateway\":\"10.1.0.1\"},"
		"{\"subnet\":\"10.2.0.0/24\"}],[{\"subnet\":\"fd00::/64\"}]],"
		"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"gw\":\"fd00::ff\",\"mtu\":1400,\"priority\":5,\"table\":100,\"scope\":253,\"advmss\":1300}]";
	json_t *j = conf_json("1.0.0", ipam, "",
			      "\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"10.50.0.0/24\"}]]}");
	struct ip_prefix extra[2];
	struct ipam_hostlocal_conf *c = NULL;

	(void)state;
	ip_prefix_parse("10.1.0.15/24", &extra[0]);
	ip_prefix_parse("fd00::5", &extra[1]);
	ip_addr_parse("fd00::5", &extra[1].addr);
	assert_int_equal(ipam_hostlocal_conf_parse(j, "10.1.0.12, 10.2.0.7/24", extra, 2, &c), 0);
	assert_string_equal(c->name, "net1");
	assert_string_equal(c->data_dir, "/x/y");
	assert_string_equal(c->resolv_conf, "/etc/r.conf");
	/* runtimeConfig.ipRanges, then the legacy range, then ranges. */
	assert_int_equal(c->n_sets, 4);
	assert_string_equal(c->sets[0].where, "runtimeConfig.ipRanges[0]");
	assert_string_equal(c->sets[1].where, "ipam");
	addr_is(&c->sets[1].ranges[0].start, "10.9.1.0");
	addr_is(&c->sets[1].ranges[0].end, "10.9.2.0");
	addr_is(&c->sets[1].ranges[0].gateway, "10.9.0.254");
	assert_int_equal(c->sets[2].n, 2);
	addr_is(&c->sets[2].ranges[0].start, "10.1.0.10");
	addr_is(&c->sets[2].ranges[0].end, "10.1.0.20");
	addr_is(&c->sets[2].ranges[0].gateway, "10.1.0.1");
	assert_string_equal(c->sets[2].ranges[1].where, "ipam.ranges[0][1]");
	addr_is(&c->sets[3].ranges[0].end, "fd00::ffff:ffff:ffff:ffff");
	/* CNI_ARGS first, then args/runtimeConfig. */
	assert_int_equal(c->n_requested, 4);
	addr_is(&c->requested[0], "10.1.0.12");
	addr_is(&c->requested[1], "10.2.0.7");
	addr_is(&c->requested[2], "10.1.0.15");
	addr_is(&c->requested[3], "fd00::5");
	assert_int_equal(c->n_routes, 2);
	addr_is(&c->routes[1].gw, "fd00::ff");
	assert_int_equal(c->routes[1].mtu, 1400);
	assert_int_equal(c->routes[1].priority, 5);
	assert_int_equal(c->routes[1].table, 100);
	assert_int_equal(c->routes[1].advmss, 1300);
	assert_true(c->routes[1].has_scope);
	assert_int_equal(c->routes[1].scope, 253);
	assert_false(c->routes[0].has_scope);
	assert_true(ip_addr_is_unset(&c->routes[0].gw));
	ipam_hostlocal_conf_free(c);
	json_decref(j);
}

static void check_defaults(const char *subnet, const char *start, const char *end, const char *gw)
{
	char ipam[256];
	struct ipam_hostlocal_conf *c;

	snprintf(ipam, sizeof(ipam), "\"dataDir\":\"%%s\",\"ranges\":[[{\"subnet\":\"%s\"}]]", subnet);
	c = load(NULL, ipam, NULL);
	addr_is(&c->sets[0].ranges[0].start, start);
	addr_is(&c->sets[0].ranges[0].end, end);
	addr_is(&c->sets[0].ranges[0].gateway, gw);
	ipam_hostlocal_conf_free(c);
}

static void test_conf_defaults(void **state)
{
	(void)state;
	check_defaults("10.1.2.0/24", "10.1.2.1", "10.1.2.254", "10.1.2.1");
	check_defaults("10.1.2.0/30", "10.1.2.1", "10.1.2.2", "10.1.2.1");
	check_defaults("10.0.0.0/8", "10.0.0.1", "10.255.255.254", "10.0.0.1");
	/* IPv6 has no broadcast: the last address is usable. */
	check_defaults("fd00::/64", "fd00::1", "fd00::ffff:ffff:ffff:ffff", "fd00::1");
	check_defaults("fd00::/126", "fd00::1", "fd00::3", "fd00::1");
}

static void test_conf_data_dir_default(void **state)
{
	struct ipam_hostlocal_conf *c;
	json_t *j;

	(void)state;
	j = conf_json("1.0.0", "\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"}]]%s", "", NULL);
	unsetenv("PONTOON_ROOT");
	assert_int_equal(ipam_hostlocal_conf_parse(j, NULL, NULL, 0, &c), 0);
	assert_string_equal(c->data_dir, "/var/lib/cni/networks");
	ipam_hostlocal_conf_free(c);
	setenv("PONTOON_ROOT", "/tmp/root", 1);
	assert_int_equal(ipam_hostlocal_conf_parse(j, NULL, NULL, 0, &c), 0);
	assert_string_equal(c->data_dir, "/tmp/root/var/lib/cni/networks");
	assert_null(c->resolv_conf);
	assert_int_equal(c->n_routes, 0);
	ipam_hostlocal_conf_free(c);
	unsetenv("PONTOON_ROOT");
	json_decref(j);
}

struct bad_case {
	const char *version, *ipam, *extra, *env_ip;
	int code;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"10.0.0.0/33\"}]]", NULL, NULL, 7,
	  "ipam.ranges[0][0].subnet: invalid CIDR address: 10.0.0.0/33" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"10.0.0.1/24\"}]]", NULL, NULL, 7,
	  "ipam.ranges[0][0].subnet: network has host bits set" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"10.0.0.0/31\"}]]", NULL, NULL, 7,
	  "ipam.ranges[0][0].subnet: network 10.0.0.0/31 too small to allocate from" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"10.0.0.0/32\"}]]", NULL, NULL, 7, "too small" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"fd00::/127\"}]]", NULL, NULL, 7, "too small" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"fd00::/128\"}]]", NULL, NULL, 7, "too small" },
	{ "1.0.0", "\"ranges\":[[{\"rangeStart\":\"10.0.0.1\"}]]", NULL, NULL, 7,
	  "ipam.ranges[0][0].subnet: missing" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":24}]]", NULL, NULL, 7,
	  "ipam.ranges[0][0].subnet: must be a string" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"10.0.0.0/24\",\"rangeStart\":\"10.0.1.5\"}]]", NULL,
	  NULL, 7, "ipam.ranges[0][0].rangeStart: 10.0.1.5 not in network 10.0.0.0/24" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"10.0.0.0/24\",\"rangeEnd\":\"10.0.1.5\"}]]", NULL,
	  NULL, 7, "ipam.ranges[0][0].rangeEnd: 10.0.1.5 not in network" },
	{ "1.0.0",
	  "\"ranges\":[[{\"subnet\":\"10.0.0.0/24\",\"rangeStart\":\"10.0.0.9\",\"rangeEnd\":\"10.0.0.5\"}]]",
	  NULL, NULL, 7, "ipam.ranges[0][0].rangeEnd: 10.0.0.5 not in network" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"10.0.0.0/24\",\"rangeStart\":\"x\"}]]", NULL, NULL, 7,
	  "ipam.ranges[0][0].rangeStart: not an IP address: \"x\"" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"10.0.0.0/24\",\"gateway\":\"10.0.0\"}]]", NULL, NULL,
	  7, "ipam.ranges[0][0].gateway: not an IP address" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"},{\"subnet\":\"fd00::/64\"}]]", NULL,
	  NULL, 7, "ipam.ranges[0][1].subnet: mixed address families" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"10.0.0.0/16\"},{\"subnet\":\"10.0.2.0/24\"}]]", NULL,
	  NULL, 7,
	  "ipam.ranges[0][1].subnet: subnets 10.0.0.1-10.0.255.254 and 10.0.2.1-10.0.2.254 overlap" },
	{ "1.0.0", "\"ranges\":[[{\"subnet\":\"10.0.0.0/16\"}],[{\"subnet\":\"10.0.2.0/24\"}]]",
	  NULL, NULL, 7, "ipam.ranges[1]: range set 0 overlaps with 1" },
	{ "1.0.0", "\"ranges\":[[]]", NULL, NULL, 7, "ipam.ranges[0]: empty range set" },
	{ "1.0.0", "\"ranges\":[{}]", NULL, NULL, 7, "ipam.ranges[0]: must be an array" },
	{ "1.0.0", "\"ranges\":{}", NULL, NULL, 7, "ipam.ranges: must be an array" },
	{ "1.0.0", "\"ranges\":[]", NULL, NULL, 7, "no IP ranges specified" },
	{ "1.0.0", "\"dataDir\":5", NULL, NULL, 7, "ipam.dataDir: must be a string" },
	{ "1.0.0", "\"resolvConf\":true", NULL, NULL, 7, "ipam.resolvConf: must be a string" },
	{ "1.0.0", "\"subnet\":\"10.0.0.0/24\",\"rangeStart\":\"10.1.0.0\"", NULL, NULL, 7,
	  "ipam.rangeStart: 10.1.0.0 not in network" },
	{ "1.0.0", "\"subnet\":\"10.0.0.0/24\",\"routes\":[{\"gw\":\"10.0.0.1\"}]", NULL, NULL, 7,
	  "ipam.routes[0].dst: missing" },
	{ "1.0.0", "\"subnet\":\"10.0.0.0/24\",\"routes\":[{\"dst\":\"10.0.0.0\"}]", NULL, NULL, 7,
	  "ipam.routes[0].dst: invalid CIDR address" },
	{ "1.0.0", "\"subnet\":\"10.0.0.0/24\",\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"g\"}]",
	  NULL, NULL, 7, "ipam.routes[0].gw: not an IP address" },
	{ "1.0.0", "\"subnet\":\"10.0.0.0/24\",\"routes\":[{\"dst\":\"0.0.0.0/0\",\"mtu\":-1}]",
	  NULL, NULL, 7, "ipam.routes[0].mtu: must be an integer in" },
	{ "1.0.0", "\"subnet\":\"10.0.0.0/24\",\"routes\":{}", NULL, NULL, 7,
	  "ipam.routes: must be an array" },
	{ "1.0.0", "\"subnet\":\"10.0.0.0/24\"",
	  "\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"10.0.0.0/25\"}]]}", NULL, 7,
	  "ipam: range set 0 overlaps with 1 (runtimeConfig.ipRanges[0])" },
	{ "1.0.0", "\"subnet\":\"10.0.0.0/24\"",
	  "\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"10.9.0.0\"}]]}", NULL, 7,
	  "runtimeConfig.ipRanges[0][0].subnet: invalid CIDR" },
	{ "0.2.0", "\"ranges\":[[{\"subnet\":\"10.0.0.0/24\"}],[{\"subnet\":\"10.1.0.0/24\"}]]",
	  NULL, NULL, 7, "CNI version 0.2.0 does not support more than 1 address per family" },
	{ "1.0.0", "\"subnet\":\"10.0.0.0/24\"", NULL, "10.0.0.x", 4,
	  "CNI_ARGS: IP: invalid IP address \"10.0.0.x\"" },
	{ "1.0.0", "\"subnet\":\"10.0.0.0/24\"", NULL, "10.0.0.5,", 0, NULL },
	/* Regression (fuzzing): a rangeStart after the default rangeEnd (the
	 * IPv4 broadcast) was accepted as an empty range the walk ran out of. */
	{ "1.0.0", "\"subnet\":\"10.0.0.0/24\",\"rangeStart\":\"10.0.0.255\"", NULL, NULL, 7,
	  "ipam.rangeStart: 10.0.0.255 is after the end of the range 10.0.0.254" },
	{ "1.0.0", "\"subnet\":\"10.0.0.0/24\",\"rangeStart\":\"10.0.0.254\"", NULL, NULL, 0, NULL },
};

static void test_conf_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(*bad_cases); i++) {
		const struct bad_case *b = &bad_cases[i];
		json_t *j = conf_json(b->version, b->ipam, "", b->extra);
		struct ipam_hostlocal_conf *c = NULL;
		int err;

		pt_err_clear();
		err = ipam_hostlocal_conf_parse(j, b->env_ip, NULL, 0, &c);
		json_decref(j);
		if (!b->msg) {
			assert_int_equal(err, 0);
			ipam_hostlocal_conf_free(c);
			continue;
		}
		if (err != -EINVAL && err != -ERANGE)
			fail_msg("case %zu: err %d", i, err);
		assert_null(c);
		if (!strstr(pt_err_msg(), b->msg))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, pt_err_msg(), b->msg);
		assert_int_equal(pt_err_cni_code(), b->code);
	}
}

static void test_conf_missing_ipam(void **state)
{
	const char *doc = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}";
	struct ipam_hostlocal_conf *c = NULL;
	json_t *j;

	(void)state;
	assert_int_equal(json_parse_buffer(doc, strlen(doc), &j), 0);
	assert_int_equal(ipam_hostlocal_conf_parse(j, NULL, NULL, 0, &c), -EINVAL);
	assert_int_equal(pt_err_cni_code(), 7);
	assert_non_null(strstr(pt_err_msg(), "ipam"));
	json_decref(j);
}

/* ---- allocation ---- */

static void test_round_robin_wrap_exhaustion(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f, V4_29, NULL);
	struct stat st;

	/* 10.1.2.0/29: .1 is the gateway, .7 the broadcast. */
	assert_string_equal(add_ok(c, "c1", "eth0"), "10.1.2.2/29");
	assert_string_equal(add_ok(c, "c2", "eth0"), "10.1.2.3/29");
	assert_string_equal(add_ok(c, "c3", "eth0"), "10.1.2.4/29");
	assert_int_equal(ipam_alloc_del(c, "c2", "eth0"), 0);
	/* Round robin: .3 is free again but comes after .5 and .6. */
	assert_string_equal(add_ok(c, "c4", "eth0"), "10.1.2.5/29");
	assert_string_equal(add_ok(c, "c5", "eth0"), "10.1.2.6/29");
	/* Wraps around, skipping the gateway. */
	assert_string_equal(add_ok(c, "c6", "eth0"), "10.1.2.3/29");
	add_fails(c, "c7",
		  "failed to allocate for range 0: no IP addresses available in range set: 10.1.2.1-10.1.2.6");
	/* A failed ADD leaves nothing behind. */
	assert_false(exists(f->net, "c7:eth0"));
	assert_int_equal(count_ips(f->net), 5);
	/* The reference's layout and modes. */
	assert_string_equal(read_file(f->net, "10.1.2.2"), "c1\r\neth0");
	assert_string_equal(read_file(f->net, "last_reserved_ip.0"), "10.1.2.3");
	assert_int_equal(stat(f->net, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(f->dir, &st), 0);
	{
		char p[600];

		snprintf(p, sizeof(p), "%s/10.1.2.2", f->net);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		snprintf(p, sizeof(p), "%s/lock", f->net);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}
	ipam_hostlocal_conf_free(c);
}

static void test_last_reserved_outside(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f, V4_29, NULL);

	mkdir(f->net, 0700);
	/* A last address from another range (the config changed): start over. */
	write_file(f->net, "last_reserved_ip.0", "192.168.0.9");
	assert_string_equal(add_ok(c, "c1", "eth0"), "10.1.2.2/29");
	write_file(f->net, "last_reserved_ip.0", "garbage");
	assert_string_equal(add_ok(c, "c2", "eth0"), "10.1.2.3/29");
	write_file(f->net, "last_reserved_ip.0", "10.1.2.6");
	assert_string_equal(add_ok(c, "c3", "eth0"), "10.1.2.4/29");
	ipam_hostlocal_conf_free(c);
}

static void test_range_start_end_multi(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f,
		"\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.1.2.0/24\",\"rangeStart\":\"10.1.2.100\",\"rangeEnd\":\"10.1.2.101\"},"
		"{\"subnet\":\"10.1.3.0/24\",\"rangeStart\":\"10.1.3.1\",\"rangeEnd\":\"10.1.3.2\",\"gateway\":\"10.1.3.2\"}]]",
		NULL);

	assert_string_equal(add_ok(c, "c1", "eth0"), "10.1.2.100/24");
	assert_string_equal(add_ok(c, "c2", "eth0"), "10.1.2.101/24");
	/* Next range of the set; its gateway .2 is never handed out. */
	assert_string_equal(add_ok(c, "c3", "eth0"), "10.1.3.1/24");
	add_fails(c, "c4", "no IP addresses available in range set: 10.1.2.100-10.1.2.101,10.1.3.1-10.1.3.2");
	ipam_hostlocal_conf_free(c);
}

static void test_small_subnets(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f,
		"\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.1.2.0/30\"}],[{\"subnet\":\"fd00::/126\"}]]",
		NULL);
	struct ipam_lease *l = NULL;
	size_t n = 0;

	/* /30: only .2 (.1 gateway, .3 broadcast). /126: ::2 and ::3. */
	assert_int_equal(ipam_alloc_add(c, "c1", "eth0", &l, &n), 0);
	assert_int_equal(n, 2);
	lease_is(&l[0], "10.1.2.2/30", "10.1.2.1");
	lease_is(&l[1], "fd00::2/126", "fd00::1");
	free(l);
	add_fails(c, "c2", "no IP addresses available in range set: 10.1.2.1-10.1.2.2");
	/* The v6 address taken by the failed ADD was given back. */
	assert_false(exists(f->net, "fd00::3"));
	ipam_hostlocal_conf_free(c);
}

static void test_dual_stack(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f,
		"\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.1.2.0/24\"}],[{\"subnet\":\"fd00::/64\",\"gateway\":\"fd00::fe\"}]]",
		NULL);
	struct ipam_lease *l = NULL;
	size_t n = 0;

	assert_int_equal(ipam_alloc_add(c, "c1", "eth0", &l, &n), 0);
	lease_is(&l[0], "10.1.2.2/24", "10.1.2.1");
	lease_is(&l[1], "fd00::1/64", "fd00::fe");
	free(l);
	assert_string_equal(read_file(f->net, "fd00::1"), "c1\r\neth0");
	assert_string_equal(read_file(f->net, "last_reserved_ip.1"), "fd00::1");
	assert_string_equal(read_file(f->net, "last_reserved_ip.0"), "10.1.2.2");
	/* A second interface of the same container is another attachment. */
	assert_string_equal(add_ok(c, "c1", "eth1"), "10.1.2.3/24");
	assert_int_equal(ipam_alloc_del(c, "c1", "eth0"), 0);
	assert_int_equal(count_ips(f->net), 2);
	assert_string_equal(read_file(f->net, "10.1.2.3"), "c1\r\neth1");
	ipam_hostlocal_conf_free(c);
}

static void test_requested(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c;
	struct ipam_lease *l = NULL;
	size_t n = 0;

	c = load(f, V4_29, "10.1.2.5");
	assert_string_equal(add_ok(c, "c1", "eth0"), "10.1.2.5/29");
	add_fails(c, "c2",
		  "failed to allocate for range 0: requested IP address 10.1.2.5 is not available in range set 10.1.2.1-10.1.2.6");
	ipam_hostlocal_conf_free(c);
	c = load(f, V4_29, "10.1.2.1");
	add_fails(c, "c3", "requested ip 10.1.2.1 is subnet's gateway");
	ipam_hostlocal_conf_free(c);
	c = load(f, V4_29, "10.1.2.7");
	add_fails(c, "c4", "failed to allocate all requested IPs: 10.1.2.7");
	assert_int_equal(count_ips(f->net), 1);
	assert_false(exists(f->net, "c4:eth0"));
	ipam_hostlocal_conf_free(c);
	/* Dual stack, one requested per set, out of order. */
	c = load(f, "\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.1.2.0/29\"}],[{\"subnet\":\"fd00::/64\"}]]",
		 "fd00::99,10.1.2.3/24");
	assert_int_equal(ipam_alloc_add(c, "c5", "eth0", &l, &n), 0);
	lease_is(&l[0], "10.1.2.3/29", "10.1.2.1");
	lease_is(&l[1], "fd00::99/64", "fd00::1");
	free(l);
	ipam_hostlocal_conf_free(c);
	/* Two requested in one set: the second cannot be fulfilled. */
	c = load(f, V4_29, "10.1.2.2,10.1.2.4");
	add_fails(c, "c6", "failed to allocate all requested IPs: 10.1.2.4");
	assert_false(exists(f->net, "10.1.2.2"));
	ipam_hostlocal_conf_free(c);
}

static void test_duplicate_add(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f, V4_29, NULL);

	assert_string_equal(add_ok(c, "c1", "eth0"), "10.1.2.2/29");
	add_fails(c, "c1", "10.1.2.2 has been allocated to c1, duplicate allocation is not allowed");
	/* The failed duplicate did not disturb the first reservation. */
	assert_string_equal(read_file(f->net, "10.1.2.2"), "c1\r\neth0");
	assert_int_equal(ipam_alloc_check(c, "c1", "eth0"), 0);
	assert_int_equal(ipam_alloc_del(c, "c1", "eth0"), 0);
	assert_int_equal(ipam_alloc_check(c, "c1", "eth0"), -ENOENT);
	assert_non_null(strstr(pt_err_msg(), "Failed to find address added by container c1"));
	ipam_hostlocal_conf_free(c);
}

static void test_release_idempotent_and_formats(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f, V4_29, NULL);

	assert_int_equal(ipam_alloc_del(c, "nobody", "eth0"), 0);
	add_ok(c, "c1", "eth0");
	assert_int_equal(ipam_alloc_del(c, "c1", "eth0"), 0);
	assert_int_equal(ipam_alloc_del(c, "c1", "eth0"), 0);
	assert_int_equal(count_ips(f->net), 0);
	assert_false(exists(f->net, "c1:eth0"));
	/* Written by the reference (no attachment file) and by its oldest
	 * versions (the id alone). */
	write_file(f->net, "10.1.2.4", "ref\r\neth0");
	write_file(f->net, "10.1.2.5", "old\n");
	write_file(f->net, "10.1.2.6", "ref\r\neth1");
	/* Both count as taken; round robin goes on after c1's .2. */
	assert_string_equal(add_ok(c, "c2", "eth0"), "10.1.2.3/29");
	assert_string_equal(add_ok(c, "c3", "eth0"), "10.1.2.2/29");
	add_fails(c, "c4", "no IP addresses available");
	assert_int_equal(ipam_alloc_check(c, "ref", "eth0"), 0);
	assert_int_equal(ipam_alloc_check(c, "old", "eth7"), 0);
	assert_int_equal(ipam_alloc_del(c, "ref", "eth0"), 0);
	assert_false(exists(f->net, "10.1.2.4"));
	assert_true(exists(f->net, "10.1.2.6"));
	/* The old format matches the container on any interface. */
	assert_int_equal(ipam_alloc_del(c, "old", "eth9"), 0);
	assert_false(exists(f->net, "10.1.2.5"));
	/* The reference's DEL removes by content, attachment file included:
	 * simulate it and check that nothing is confused afterwards. */
	{
		char p[600];

		snprintf(p, sizeof(p), "%s/10.1.2.3", f->net);
		unlink(p);
		snprintf(p, sizeof(p), "%s/c2:eth0", f->net);
		unlink(p);
	}
	assert_int_equal(ipam_alloc_check(c, "c2", "eth0"), -ENOENT);
	assert_string_equal(add_ok(c, "c2", "eth0"), "10.1.2.3/29");
	assert_string_equal(add_ok(c, "c5", "eth0"), "10.1.2.4/29");
	ipam_hostlocal_conf_free(c);
}

/* Whether pontoon noted dir as holding no file of the reference's format
 * (store.h: an attribute of the lock file, whose bytes stay empty). */
static bool noted_clean(const char *dir)
{
	char path[4096];
	struct timespec t;

	snprintf(path, sizeof(path), "%s/lock", dir);
	return getxattr(path, "user.pontoon.clean", &t, sizeof(t)) == (ssize_t)sizeof(t) &&
	       strcmp(read_file(dir, "lock"), "") == 0;
}

/* Regression (review): a reservation the reference plugin wrote (no
 * attachment file) counts for the duplicate check of ADD, and DEL releases
 * it together with what pontoon linked for the same attachment. */
static void test_reference_files_beside_ours(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f, V4_29, NULL);

	assert_string_equal(add_ok(c, "c1", "eth0"), "10.1.2.2/29");
	/* pontoon alone wrote the directory: noted clean, so that ADD does
	 * not read the names. A file written since changes the directory's
	 * mtime (fine-grained since we stat()ed it, Linux 6.13 and later),
	 * which voids the note. */
	assert_true(noted_clean(f->net));
	write_file(f->net, "10.1.2.5", "c2\r\neth0");
	add_fails(c, "c2", "10.1.2.5 has been allocated to c2, duplicate allocation is not allowed");
	assert_false(noted_clean(f->net));
	assert_string_equal(read_file(f->net, "lock"), "");
	assert_false(exists(f->net, "c2:eth0"));
	assert_int_equal(count_ips(f->net), 2);
	assert_int_equal(ipam_alloc_check(c, "c2", "eth0"), 0);
	assert_int_equal(ipam_alloc_del(c, "c2", "eth0"), 0);
	assert_false(exists(f->net, "10.1.2.5"));
	/* Ours and the reference's for one attachment: DEL releases both;
	 * an oldest-format file of that container stays (it counts only when
	 * nothing names the interface, as in the reference). */
	write_file(f->net, "10.1.2.6", "c1\r\neth0");
	write_file(f->net, "10.1.2.4", "c1");
	assert_int_equal(ipam_alloc_del(c, "c1", "eth0"), 0);
	assert_false(exists(f->net, "10.1.2.2"));
	assert_false(exists(f->net, "10.1.2.6"));
	assert_false(exists(f->net, "c1:eth0"));
	assert_true(exists(f->net, "10.1.2.4"));
	/* Files of other attachments are not disturbed by either pass. */
	assert_string_equal(add_ok(c, "c3", "eth0"), "10.1.2.3/29");
	write_file(f->net, "10.1.2.5", "c4\r\neth0");
	assert_int_equal(ipam_alloc_del(c, "c3", "eth1"), 0);
	assert_int_equal(count_ips(f->net), 3);
	/* Once the reference's files are gone, the directory is noted clean
	 * again by the next pass over the names. */
	assert_int_equal(ipam_alloc_del(c, "c4", "eth0"), 0);
	assert_int_equal(ipam_alloc_del(c, "c1", "eth9"), 0);
	assert_int_equal(count_ips(f->net), 1);
	assert_string_equal(add_ok(c, "c5", "eth0"), "10.1.2.4/29");
	assert_true(noted_clean(f->net));
	add_fails(c, "c5", "10.1.2.4 has been allocated to c5, duplicate allocation is not allowed");
	ipam_hostlocal_conf_free(c);
}

/* Regression (review): the same address requested twice (CNI_ARGS IP and
 * runtimeConfig.ips, or twice in one list) is one request, and an ADD that
 * fails leaves last_reserved_ip where it was. */
static void test_requested_twice(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f, V4_29, "10.1.2.5,10.1.2.5");
	json_t *j;
	struct ip_prefix ips[2];

	assert_int_equal(c->n_requested, 1);
	assert_string_equal(add_ok(c, "c1", "eth0"), "10.1.2.5/29");
	ipam_hostlocal_conf_free(c);
	assert_int_equal(ip_prefix_parse("10.1.2.3/29", &ips[0]), 0);
	assert_int_equal(ip_prefix_parse("10.1.2.3/29", &ips[1]), 0);
	j = conf_json("1.1.0", V4_29, f->dir, NULL);
	assert_int_equal(ipam_hostlocal_conf_parse(j, "10.1.2.3", ips, 2, &c), 0);
	json_decref(j);
	assert_int_equal(c->n_requested, 1);
	assert_string_equal(add_ok(c, "c2", "eth0"), "10.1.2.3/29");
	ipam_hostlocal_conf_free(c);
	assert_string_equal(read_file(f->net, "last_reserved_ip.0"), "10.1.2.3");
	/* .4 is taken, then .7 (outside) cannot be: rolled back, hint kept. */
	c = load(f, V4_29, "10.1.2.4,10.1.2.7");
	add_fails(c, "c3", "failed to allocate all requested IPs: 10.1.2.7");
	assert_false(exists(f->net, "10.1.2.4"));
	assert_string_equal(read_file(f->net, "last_reserved_ip.0"), "10.1.2.3");
	ipam_hostlocal_conf_free(c);
}

/* Regression (security review): a container id too long for an
 * attachment file (over 239 bytes) is refused by ADD with code 4, but DEL,
 * CHECK and GC still find what the reference wrote for it (the reference
 * has no such limit), and DEL of it succeeds. */
static void test_long_container_id(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f, V4_29, NULL);
	struct ipam_lease *l = NULL;
	char id[301], content[400];
	size_t n = 0;

	memset(id, 'a', 300);
	id[300] = '\0';
	pt_err_clear();
	assert_int_equal(ipam_alloc_add(c, id, "eth0", &l, &n), -ENAMETOOLONG);
	assert_int_equal(pt_err_cni_code(), CNI_ERR_INVALID_ENV);
	assert_int_equal(count_ips(f->net), 0);
	assert_int_equal(ipam_alloc_del(c, id, "eth0"), 0);
	snprintf(content, sizeof(content), "%s\r\neth0", id);
	write_file(f->net, "10.1.2.4", content);
	assert_int_equal(ipam_alloc_check(c, id, "eth0"), 0);
	assert_int_equal(ipam_alloc_del(c, id, "eth0"), 0);
	assert_false(exists(f->net, "10.1.2.4"));
	ipam_hostlocal_conf_free(c);
}

/* ---- crash safety ---- */

static void test_half_written_left_behind(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f, V4_29, NULL);
	struct ipam_owner keep[] = { { "c1", "eth0" } };

	/* A process killed while writing: attachment files with partial
	 * content and nothing linked, and a last_reserved temporary. */
	mkdir(f->net, 0700);
	write_file(f->net, "c1:eth0", "c1\r");
	write_file(f->net, "dead:eth0", "");
	write_file(f->net, "last_reserved_ip.0.tmp", "10.1.2.");
	/* Never counted as reservations: five addresses are still free. */
	assert_int_equal(ipam_alloc_status(c), 0);
	assert_int_equal(ipam_alloc_check(c, "dead", "eth0"), -ENOENT);
	/* The same attachment's next ADD replaces its file. */
	assert_string_equal(add_ok(c, "c1", "eth0"), "10.1.2.2/29");
	assert_string_equal(read_file(f->net, "c1:eth0"), "c1\r\neth0");
	for (int i = 0; i < 4; i++) {
		char id[8];

		snprintf(id, sizeof(id), "x%d", i);
		add_ok(c, id, "eth0");
	}
	assert_int_equal(ipam_alloc_status(c), -ENOSPC);
	assert_int_equal(pt_err_cni_code(), 50);
	/* GC under the lock removes the litter and the invalid owners. */
	assert_int_equal(ipam_alloc_gc(c, keep, 1), 4);
	assert_false(exists(f->net, "dead:eth0"));
	assert_false(exists(f->net, "last_reserved_ip.0.tmp"));
	assert_false(exists(f->net, "x0:eth0"));
	assert_true(exists(f->net, "c1:eth0"));
	assert_int_equal(count_ips(f->net), 1);
	assert_true(exists(f->net, "lock"));
	assert_true(exists(f->net, "last_reserved_ip.0"));
	assert_int_equal(ipam_alloc_status(c), 0);
	ipam_hostlocal_conf_free(c);
}

static void test_gc(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f,
		"\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.1.2.0/24\"}],[{\"subnet\":\"fd00::/64\"}]]",
		NULL);
	struct ipam_owner keep[] = { { "a", "eth0" }, { "old", "eth3" } };

	add_ok(c, "a", "eth0");
	add_ok(c, "a", "eth1");
	add_ok(c, "b", "eth0");
	write_file(f->net, "10.1.2.200", "old");
	write_file(f->net, "10.1.2.201", "gone");
	write_file(f->net, "10.1.2.202", "ref\r\neth0");
	/* a/eth1 (2), b/eth0 (2), gone, ref/eth0. */
	assert_int_equal(ipam_alloc_gc(c, keep, 2), 6);
	assert_int_equal(count_ips(f->net), 3);
	assert_true(exists(f->net, "10.1.2.200"));
	assert_false(exists(f->net, "a:eth1"));
	assert_true(exists(f->net, "a:eth0"));
	/* Nothing valid: everything goes. */
	assert_int_equal(ipam_alloc_gc(c, NULL, 0), 3);
	assert_int_equal(count_ips(f->net), 0);
	assert_false(exists(f->net, "a:eth0"));
	ipam_hostlocal_conf_free(c);
}

/* Children that ADD and DEL in a loop, killed at random instants: whatever
 * is left must be consistent: every address file complete, no address
 * owned twice, and DEL/GC clean it all. */
static void test_killed_at_any_instant(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f,
		"\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"}],[{\"subnet\":\"fd00::/120\"}]]",
		NULL);

	for (int round = 0; round < 30; round++) {
		pid_t pid[4];

		for (int k = 0; k < 4; k++) {
			pid[k] = fork();
			assert_true(pid[k] >= 0);
			if (pid[k] == 0) {
				char id[32];

				for (unsigned i = 0;; i++) {
					struct ipam_lease *l = NULL;
					size_t n;

					snprintf(id, sizeof(id), "k%d-%u", k, i % 7);
					if (ipam_alloc_add(c, id, "eth0", &l, &n) == 0)
						free(l);
					if (i % 3 == 0)
						ipam_alloc_del(c, id, "eth0");
				}
			}
		}
		usleep(1000 + (unsigned)(rand() % 4000));
		for (int k = 0; k < 4; k++) {
			kill(pid[k], SIGKILL);
			waitpid(pid[k], NULL, 0);
		}
	}
	/* Every address file names a complete owner. */
	{
		DIR *d = opendir(f->net);
		struct dirent *de;
		struct ip_addr a;

		assert_non_null(d);
		while ((de = readdir(d))) {
			const char *s;

			if (ip_addr_parse(de->d_name, &a) < 0)
				continue;
			s = read_file(f->net, de->d_name);
			assert_non_null(s);
			assert_non_null(strstr(s, "\r\neth0"));
		}
		closedir(d);
	}
	/* Each of the 28 owners holds at most one address per set. */
	assert_true(count_ips(f->net) <= 2 * 28);
	for (int k = 0; k < 4; k++)
		for (int i = 0; i < 7; i++) {
			char id[32];
			struct ipam_store s;
			struct ip_addr *ips = NULL;
			size_t n = 0;

			snprintf(id, sizeof(id), "k%d-%d", k, i);
			assert_int_equal(ipam_store_open(f->dir, "net1", &s), 0);
			assert_int_equal(ipam_store_owned(&s, id, "eth0", &ips, &n), 0);
			ipam_store_close(&s);
			assert_true(n <= 2);
			if (n == 2)
				assert_int_not_equal(ips[0].family, ips[1].family);
			free(ips);
		}
	assert_true(ipam_alloc_gc(c, NULL, 0) >= 0);
	assert_int_equal(count_ips(f->net), 0);
	{
		DIR *d = opendir(f->net);
		struct dirent *de;

		while ((de = readdir(d)))
			if (de->d_name[0] != '.' && strcmp(de->d_name, "lock") &&
			    strncmp(de->d_name, "last_reserved_ip.", 17))
				fail_msg("left behind: %s", de->d_name);
			else if (strstr(de->d_name, ".tmp"))
				fail_msg("left behind: %s", de->d_name);
		closedir(d);
	}
	ipam_hostlocal_conf_free(c);
}

/* ---- many processes ---- */

static void test_many_processes(void **state)
{
	struct fx *f = *state;
	struct ipam_hostlocal_conf *c = load(f,
		"\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.1.0.0/23\"}]]", NULL);
	pid_t pid[20];
	char seen_owner[200][32];
	size_t n_files = 0;
	DIR *d;
	struct dirent *de;

	for (int k = 0; k < 20; k++) {
		pid[k] = fork();
		assert_true(pid[k] >= 0);
		if (pid[k] == 0) {
			for (int i = 0; i < 10; i++) {
				char id[32];
				struct ipam_lease *l = NULL;
				size_t n;

				snprintf(id, sizeof(id), "p%d-%d", k, i);
				if (ipam_alloc_add(c, id, "eth0", &l, &n) < 0)
					_exit(1);
				free(l);
			}
			_exit(0);
		}
	}
	for (int k = 0; k < 20; k++) {
		int st;

		assert_int_equal(waitpid(pid[k], &st, 0), pid[k]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	d = opendir(f->net);
	assert_non_null(d);
	while ((de = readdir(d))) {
		struct ip_addr a;
		const char *s;

		if (ip_addr_parse(de->d_name, &a) < 0) {
			/* Only the lock, last_reserved_ip.0 and attachment files. */
			if (de->d_name[0] != '.' && strcmp(de->d_name, "lock") &&
			    strcmp(de->d_name, "last_reserved_ip.0") && !strchr(de->d_name, ':'))
				fail_msg("leftover %s", de->d_name);
			continue;
		}
		s = read_file(f->net, de->d_name);
		assert_true(n_files < 200);
		assert_true(strlen(s) < sizeof(seen_owner[0]));
		memcpy(seen_owner[n_files], s, strlen(s) + 1);
		for (size_t i = 0; i < n_files; i++)
			assert_string_not_equal(seen_owner[i], seen_owner[n_files]);
		n_files++;
	}
	closedir(d);
	assert_int_equal(n_files, 200);
	ipam_hostlocal_conf_free(c);
}

/* ---- resolv.conf, routes, static ---- */

static void test_resolv_conf(void **state)
{
	struct fx *f = *state;
	struct cni_dns d;
	char path[256];

	write_file(f->dir, "resolv.conf",
		   "# comment\n; other\n  nameserver 10.0.0.53  \nnameserver fd00::53\n"
		   "domain a.example\ndomain b.example\nsearch x.example y.example\n"
		   "options ndots:5 rotate\nnameserver\nbogus line here\n");
	snprintf(path, sizeof(path), "%s/resolv.conf", f->dir);
	assert_int_equal(ipam_resolv_conf_parse(path, &d), 0);
	assert_int_equal(d.n_nameservers, 2);
	assert_string_equal(d.nameservers[1], "fd00::53");
	assert_string_equal(d.domain, "b.example");
	assert_int_equal(d.n_search, 2);
	assert_string_equal(d.search[1], "y.example");
	assert_int_equal(d.n_options, 2);
	assert_string_equal(d.options[0], "ndots:5");
	ipam_dns_clear(&d);
	/* A NUL byte ends its line's words, not the file. */
	{
		static const char text[] = "nameserver 10.0.0.1\0junk\nnameserver 10.0.0.2\n";
		FILE *nul;

		snprintf(path, sizeof(path), "%s/nul", f->dir);
		nul = fopen(path, "w");
		assert_non_null(nul);
		assert_int_equal(fwrite(text, 1, sizeof(text) - 1, nul), sizeof(text) - 1);
		fclose(nul);
		assert_int_equal(ipam_resolv_conf_parse(path, &d), 0);
		assert_int_equal(d.n_nameservers, 2);
		assert_string_equal(d.nameservers[1], "10.0.0.2");
		ipam_dns_clear(&d);
	}
	snprintf(path, sizeof(path), "%s/none", f->dir);
	assert_int_equal(ipam_resolv_conf_parse(path, &d), -ENOENT);
	assert_non_null(strstr(pt_err_msg(), "resolvConf"));
	/* What never ends or never comes is refused at once. */
	assert_int_equal(ipam_resolv_conf_parse("/dev/zero", &d), -EINVAL);
	assert_string_equal(pt_err_msg(), "resolvConf: /dev/zero: not a regular file");
	assert_int_equal(pt_err_cni_code(), 7);
	snprintf(path, sizeof(path), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(ipam_resolv_conf_parse(path, &d), -EINVAL);
	snprintf(path, sizeof(path), "%s/big", f->dir);
	{
		FILE *big = fopen(path, "w");

		assert_non_null(big);
		for (int i = 0; i < 2000; i++)
			fputs("nameserver 10.0.0.53 # 64 KiB of this is not a resolv.conf\n", big);
		fclose(big);
	}
	assert_int_equal(ipam_resolv_conf_parse(path, &d), -EFBIG);
	assert_non_null(strstr(pt_err_msg(), "larger than 64 KiB"));
}

static struct ipam_static_conf *static_load(const char *ipam, const char *extra,
					    const char *env_ip, const char *env_gw, int *ret_err)
{
	json_t *j = conf_json("1.0.0", ipam, "", extra);
	struct ipam_static_conf *c = NULL;

	pt_err_clear();
	*ret_err = ipam_static_conf_parse(j, env_ip, env_gw, &c);
	json_decref(j);
	return c;
}

static void test_static_conf(void **state)
{
	char buf[IP_PREFIX_STRLEN];
	struct ipam_static_conf *c;
	int err;

	(void)state;
	c = static_load("\"addresses\":[{\"address\":\"10.0.0.5/24\",\"gateway\":\"10.0.0.1\"},{\"address\":\"fd00::5/64\"}],"
			"\"routes\":[{\"dst\":\"0.0.0.0/0\"}],"
			"\"dns\":{\"nameservers\":[\"1.1.1.1\"],\"domain\":\"d\",\"search\":[\"s\"],\"options\":[\"o\"]}%s",
			NULL, "10.1.0.9/16", "10.1.0.1,fd00::1", &err);
	assert_int_equal(err, 0);
	assert_int_equal(c->n_addrs, 3);
	assert_string_equal(ip_prefix_format(&c->addrs[0].address, buf), "10.0.0.5/24");
	addr_is(&c->addrs[0].gateway, "10.0.0.1");
	addr_is(&c->addrs[1].gateway, "fd00::1");
	assert_string_equal(ip_prefix_format(&c->addrs[2].address, buf), "10.1.0.9/16");
	addr_is(&c->addrs[2].gateway, "10.1.0.1");
	assert_int_equal(c->n_routes, 1);
	assert_string_equal(c->dns.nameservers[0], "1.1.1.1");
	assert_string_equal(c->dns.domain, "d");
	assert_string_equal(c->dns.search[0], "s");
	assert_string_equal(c->dns.options[0], "o");
	ipam_static_conf_free(c);
	/* args.cni.ips, then runtimeConfig.ips, replace the addresses. */
	c = static_load("\"addresses\":[{\"address\":\"10.0.0.5/24\"}]%s",
			"\"args\":{\"cni\":{\"ips\":[\"10.2.0.2/24\"]}}", NULL, NULL, &err);
	assert_int_equal(err, 0);
	assert_int_equal(c->n_addrs, 1);
	assert_string_equal(ip_prefix_format(&c->addrs[0].address, buf), "10.2.0.2/24");
	ipam_static_conf_free(c);
	c = static_load("\"addresses\":[{\"address\":\"10.0.0.5/24\"}]%s",
			"\"args\":{\"cni\":{\"ips\":[\"10.2.0.2/24\"]}},\"runtimeConfig\":{\"ips\":[\"10.3.0.3/16\",\"fd00::3/64\"]}",
			NULL, NULL, &err);
	assert_int_equal(err, 0);
	assert_int_equal(c->n_addrs, 2);
	assert_string_equal(ip_prefix_format(&c->addrs[0].address, buf), "10.3.0.3/16");
	ipam_static_conf_free(c);
	/* No addresses at all is allowed. */
	c = static_load("\"routes\":[]%s", NULL, NULL, NULL, &err);
	assert_int_equal(err, 0);
	assert_int_equal(c->n_addrs, 0);
	ipam_static_conf_free(c);
}

static void test_static_errors(void **state)
{
	static const struct {
		const char *ipam, *extra, *ip, *gw;
		int code;
		const char *msg;
	} cases[] = {
		{ "\"addresses\":[{\"address\":\"10.0.0.5\"}]%s", NULL, NULL, NULL, 7,
		  "ipam.addresses[0].address: the 'address' field is expected to be in CIDR notation, got: '10.0.0.5'" },
		{ "\"addresses\":[{\"gateway\":\"10.0.0.1\"}]%s", NULL, NULL, NULL, 7,
		  "ipam.addresses[0].address: the 'address' field is expected to be in CIDR notation" },
		{ "\"addresses\":[{\"address\":\"10.0.0.5/24\",\"gateway\":\"x\"}]%s", NULL, NULL,
		  NULL, 7, "ipam.addresses[0].gateway: invalid IP address: x" },
		{ "\"addresses\":{}%s", NULL, NULL, NULL, 7, "ipam.addresses: must be an array" },
		{ "\"addresses\":[{\"address\":5}]%s", NULL, NULL, NULL, 7,
		  "ipam.addresses[0].address: must be a string" },
		{ "\"dns\":{\"nameservers\":\"1.1.1.1\"}%s", NULL, NULL, NULL, 7,
		  "ipam.dns.nameservers: must be an array" },
		{ "\"dns\":{\"search\":[1]}%s", NULL, NULL, NULL, 7, "ipam.dns.search[0]: must be a string" },
		{ "\"dns\":[]%s", NULL, NULL, NULL, 7, "ipam.dns: must be an object" },
		{ "\"routes\":[{\"dst\":\"x\"}]%s", NULL, NULL, NULL, 7, "ipam.routes[0].dst" },
		{ "\"routes\":[]%s", NULL, "10.0.0.5", NULL, 4,
		  "CNI_ARGS: IP: the 'ip' field is expected to be in CIDR notation, got: '10.0.0.5'" },
		{ "\"routes\":[]%s", NULL, "10.0.0.5/24", "10.0.0.x", 4,
		  "CNI_ARGS: GATEWAY: invalid gateway address: 10.0.0.x" },
		{ "\"routes\":[]%s", "\"args\":{\"cni\":{\"ips\":[\"10.0.0.5\"]}}", NULL, NULL, 7,
		  "args.cni.ips[0]: an entry in the 'ips' field is NOT in CIDR notation, got: '10.0.0.5'" },
		{ "\"routes\":[]%s", "\"runtimeConfig\":{\"ips\":[\"fd00::1/129\"]}", NULL, NULL, 7,
		  "runtimeConfig.ips[0]: an entry in the 'ips' field is NOT in CIDR notation" },
		{ "\"routes\":[]%s", "\"runtimeConfig\":{\"ips\":\"10.0.0.1/8\"}", NULL, NULL, 7,
		  "runtimeConfig.ips: must be an array" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int err;
		struct ipam_static_conf *c =
			static_load(cases[i].ipam, cases[i].extra, cases[i].ip, cases[i].gw, &err);

		assert_null(c);
		assert_int_equal(err, -EINVAL);
		if (!strstr(pt_err_msg(), cases[i].msg))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, pt_err_msg(), cases[i].msg);
		assert_int_equal(pt_err_cni_code(), cases[i].code);
	}
}

static void test_static_old_version(void **state)
{
	const char *doc = "{\"cniVersion\":\"0.2.0\",\"name\":\"n\",\"ipam\":{\"addresses\":["
			  "{\"address\":\"10.0.0.5/24\"},{\"address\":\"10.0.1.5/24\"}]}}";
	struct ipam_static_conf *c = NULL;
	json_t *j;

	(void)state;
	assert_int_equal(json_parse_buffer(doc, strlen(doc), &j), 0);
	assert_int_equal(ipam_static_conf_parse(j, NULL, NULL, &c), -EINVAL);
	assert_non_null(strstr(pt_err_msg(), "CNI version 0.2.0 does not support more than 1 address per family"));
	json_decref(j);
}

#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_every_field),
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_conf_data_dir_default),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_conf_missing_ipam),
		FX(test_round_robin_wrap_exhaustion),
		FX(test_last_reserved_outside),
		FX(test_range_start_end_multi),
		FX(test_small_subnets),
		FX(test_dual_stack),
		FX(test_requested),
		FX(test_duplicate_add),
		FX(test_release_idempotent_and_formats),
		FX(test_long_container_id),
		FX(test_reference_files_beside_ours),
		FX(test_requested_twice),
		FX(test_half_written_left_behind),
		FX(test_gc),
		FX(test_killed_at_any_instant),
		FX(test_many_processes),
		FX(test_resolv_conf),
		cmocka_unit_test(test_static_conf),
		cmocka_unit_test(test_static_errors),
		cmocka_unit_test(test_static_old_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
