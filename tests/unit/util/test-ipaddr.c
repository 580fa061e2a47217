/* util/ipaddr: parsing, formatting and the prefix arithmetic IPAM relies
 * on, with the edges: /0, /31, /32, /127, /128, wrap-around at both ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "util/ipaddr.h"

static struct ip_addr A(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

static struct ip_prefix P(const char *s)
{
	struct ip_prefix p;

	assert_int_equal(ip_prefix_parse(s, &p), 0);
	return p;
}

static void assert_addr(const struct ip_addr *a, const char *want)
{
	char buf[IP_ADDR_STRLEN];

	assert_string_equal(ip_addr_format(a, buf), want);
}

static void test_parse_format(void **state)
{
	static const char *const good[] = { "0.0.0.0", "10.1.2.3", "255.255.255.255", "::",
					    "::1", "fd00::1:2", "2001:db8::ff00:42:8329" };
	static const char *const bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "10.0.0.1 ",
					   "fd00:::1", "g::1", "10.0.0.1/24", "01.2.3.4x" };
	struct ip_addr a;
	char buf[IP_ADDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		a = A(good[i]);
		assert_string_equal(ip_addr_format(&a, buf), good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(ip_addr_parse(bad[i], &a), -EINVAL);
	assert_int_equal(ip_addr_parse(NULL, &a), -EINVAL);
	a = A("10.0.0.1");
	assert_int_equal(a.family, AF_INET);
	a = A("FD00::A");
	assert_int_equal(a.family, AF_INET6);
	assert_addr(&a, "fd00::a");
	/* An IPv4-mapped address stays IPv6. */
	a = A("::ffff:10.0.0.1");
	assert_int_equal(a.family, AF_INET6);
}

static void test_prefix_parse(void **state)
{
	static const char *const bad[] = { "10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1",
					   "10.0.0.0/024", "10.0.0.0/2x", "fd00::/129", "/24",
					   "10.0.0.0/+8", "x/8" };
	char buf[IP_PREFIX_STRLEN];
	struct ip_prefix p;

	(void)state;
	p = P("10.1.2.3/24");
	assert_int_equal(p.len, 24);
	assert_string_equal(ip_prefix_format(&p, buf), "10.1.2.3/24");
	assert_true(ip_prefix_has_host_bits(&p));
	p = P("10.1.2.0/24");
	assert_false(ip_prefix_has_host_bits(&p));
	p = P("0.0.0.0/0");
	assert_int_equal(p.len, 0);
	p = P("fd00::/128");
	assert_int_equal(p.len, 128);
	assert_string_equal(ip_prefix_format(&p, buf), "fd00::/128");
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(ip_prefix_parse(bad[i], &p), -EINVAL);
}

static void test_add(void **state)
{
	struct ip_addr a = A("10.0.0.255"), r;

	(void)state;
	assert_int_equal(ip_addr_add(&a, 1, &r), 0);
	assert_addr(&r, "10.0.1.0");
	assert_int_equal(ip_addr_add(&r, -1, &r), 0);
	assert_addr(&r, "10.0.0.255");
	assert_int_equal(ip_addr_add(&a, 0, &r), 0);
	assert_addr(&r, "10.0.0.255");
	assert_int_equal(ip_addr_add(&a, 65536, &r), 0);
	assert_addr(&r, "10.1.0.255");
	/* Wrap at both ends of the family's space, and ret untouched. */
	a = A("255.255.255.255");
	r = A("1.1.1.1");
	assert_int_equal(ip_addr_add(&a, 1, &r), -ERANGE);
	assert_addr(&r, "1.1.1.1");
	a = A("0.0.0.0");
	assert_int_equal(ip_addr_add(&a, -1, &r), -ERANGE);
	assert_int_equal(ip_addr_add(&a, INT64_MAX, &r), -ERANGE);
	a = A("0.0.0.1");
	assert_int_equal(ip_addr_add(&a, -1, &r), 0);
	assert_addr(&r, "0.0.0.0");
	a = A("::ffff:ffff:ffff:ffff");
	assert_int_equal(ip_addr_add(&a, 1, &r), 0);
	assert_addr(&r, "0:0:0:1::");
	assert_int_equal(ip_addr_add(&r, -1, &r), 0);
	assert_addr(&r, "::ffff:ffff:ffff:ffff");
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_int_equal(ip_addr_add(&a, 1, &r), -ERANGE);
	a = A("::");
	assert_int_equal(ip_addr_add(&a, -1, &r), -ERANGE);
	assert_int_equal(ip_addr_add(&a, INT64_MAX, &r), 0);
	assert_addr(&r, "::7fff:ffff:ffff:ffff");
	assert_int_equal(ip_addr_add(&r, INT64_MIN, &r), -ERANGE);
}

static void check_net(const char *prefix, const char *net, const char *last)
{
	struct ip_prefix p = P(prefix);
	struct ip_addr a;

	ip_prefix_network(&p, &a);
	assert_addr(&a, net);
	ip_prefix_last(&p, &a);
	assert_addr(&a, last);
}

static void test_network_last(void **state)
{
	(void)state;
	check_net("10.1.2.3/24", "10.1.2.0", "10.1.2.255");
	check_net("10.1.2.3/0", "0.0.0.0", "255.255.255.255");
	check_net("10.1.2.3/31", "10.1.2.2", "10.1.2.3");
	check_net("10.1.2.3/32", "10.1.2.3", "10.1.2.3");
	check_net("10.1.2.3/9", "10.0.0.0", "10.127.255.255");
	check_net("fd00::1:2/112", "fd00::1:0", "fd00::1:ffff");
	check_net("fd00::3/127", "fd00::2", "fd00::3");
	check_net("fd00::3/128", "fd00::3", "fd00::3");
	check_net("fd00::3/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	check_net("fd00:1:2:3:4::/65", "fd00:1:2:3::", "fd00:1:2:3:7fff:ffff:ffff:ffff");
}

static void test_mask(void **state)
{
	struct ip_addr m;

	(void)state;
	ip_prefix_mask(AF_INET, 24, &m);
	assert_addr(&m, "255.255.255.0");
	ip_prefix_mask(AF_INET, 0, &m);
	assert_addr(&m, "0.0.0.0");
	ip_prefix_mask(AF_INET, 31, &m);
	assert_addr(&m, "255.255.255.254");
	ip_prefix_mask(AF_INET, 32, &m);
	assert_addr(&m, "255.255.255.255");
	ip_prefix_mask(AF_INET6, 127, &m);
	assert_addr(&m, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	ip_prefix_mask(AF_INET6, 68, &m);
	assert_addr(&m, "ffff:ffff:ffff:ffff:f000::");
}

static void test_contains_overlaps(void **state)
{
	struct ip_prefix p = P("10.1.2.0/24"), q;
	struct ip_addr a;

	(void)state;
	a = A("10.1.2.0");
	assert_true(ip_prefix_contains(&p, &a));
	a = A("10.1.2.255");
	assert_true(ip_prefix_contains(&p, &a));
	a = A("10.1.3.0");
	assert_false(ip_prefix_contains(&p, &a));
	a = A("::a01:200");
	assert_false(ip_prefix_contains(&p, &a));
	p = P("0.0.0.0/0");
	a = A("255.255.255.255");
	assert_true(ip_prefix_contains(&p, &a));
	p = P("10.0.0.1/32");
	a = A("10.0.0.1");
	assert_true(ip_prefix_contains(&p, &a));
	a = A("10.0.0.0");
	assert_false(ip_prefix_contains(&p, &a));
	p = P("fd00::2/127");
	a = A("fd00::3");
	assert_true(ip_prefix_contains(&p, &a));
	a = A("fd00::4");
	assert_false(ip_prefix_contains(&p, &a));
	p = P("fd00::4/128");
	assert_true(ip_prefix_contains(&p, &a));

	p = P("10.0.0.0/8");
	q = P("10.200.0.0/16");
	assert_true(ip_prefix_overlaps(&p, &q));
	assert_true(ip_prefix_overlaps(&q, &p));
	q = P("11.0.0.0/16");
	assert_false(ip_prefix_overlaps(&p, &q));
	q = P("0.0.0.0/0");
	assert_true(ip_prefix_overlaps(&p, &q));
	p = P("10.0.0.2/31");
	q = P("10.0.0.3/32");
	assert_true(ip_prefix_overlaps(&p, &q));
	q = P("10.0.0.4/31");
	assert_false(ip_prefix_overlaps(&p, &q));
	q = P("::/0");
	assert_false(ip_prefix_overlaps(&p, &q));
}

static void test_cmp(void **state)
{
	struct ip_addr a = A("10.0.0.1"), b = A("10.0.0.2"), c = A("::1"), u = { 0 };

	(void)state;
	assert_true(ip_addr_cmp(&a, &b) < 0);
	assert_true(ip_addr_cmp(&b, &a) > 0);
	assert_true(ip_addr_cmp(&a, &c) < 0);
	assert_true(ip_addr_cmp(&c, &a) > 0);
	assert_true(ip_addr_equal(&a, &a));
	assert_false(ip_addr_equal(&a, &c));
	assert_true(ip_addr_is_unset(&u));
	assert_false(ip_addr_is_unset(&a));
}

static void test_distance(void **state)
{
	struct ip_addr a = A("10.0.0.1"), b = A("10.0.0.254");

	(void)state;
	assert_int_equal(ip_addr_distance(&a, &b), 254);
	assert_int_equal(ip_addr_distance(&b, &a), 254);
	assert_int_equal(ip_addr_distance(&a, &a), 1);
	a = A("0.0.0.0");
	b = A("255.255.255.255");
	assert_int_equal(ip_addr_distance(&a, &b), UINT64_C(1) << 32);
	a = A("10.0.0.255");
	b = A("10.0.1.0");
	assert_int_equal(ip_addr_distance(&a, &b), 2);
	a = A("fd00::");
	b = A("fd00::ffff:ffff:ffff:fffe");
	assert_int_equal(ip_addr_distance(&a, &b), UINT64_MAX);
	b = A("fd00::ffff:ffff:ffff:fffd");
	assert_int_equal(ip_addr_distance(&a, &b), UINT64_MAX - 1);
	b = A("fd00::1:0:0:0:0");
	assert_int_equal(ip_addr_distance(&a, &b), UINT64_MAX);
	a = A("::");
	b = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_int_equal(ip_addr_distance(&a, &b), UINT64_MAX);
	a = A("fd00::1:0");
	b = A("fd00::ffff");
	assert_int_equal(ip_addr_distance(&a, &b), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_network_last),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_contains_overlaps),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_distance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
