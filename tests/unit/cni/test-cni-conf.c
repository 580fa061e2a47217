/* Unit tests: network config parsing (every shared field and each bad
 * input gives the right code and names the field), requested IPs and MAC,
 * GC attachments, reading stdin. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "test-util.h"
#include "cni/conf.h"
#include "cni/error.h"
#include "cni/plugin.h"

static int parse(const char *s, struct cni_conf **c)
{
	return cni_conf_parse(s, strlen(s), c);
}

static void test_conf_full(void **state)
{
	static const char *const s =
		"{\"cniVersion\":\"1.0.0\",\"name\":\"net-1\",\"type\":\"bridge\",\"bridge\":\"cni9\","
		"\"ipam\":{\"type\":\"host-local\"},\"runtimeConfig\":{\"mac\":\"aa:bb:cc:dd:ee:ff\"},"
		"\"args\":{\"cni\":{\"ips\":[\"10.0.0.9\"]}},"
		"\"dns\":{\"nameservers\":[\"10.0.0.53\",\"fd00::53\"],\"domain\":\"ex.org\","
		"\"search\":[\"a.ex.org\",\"b.ex.org\"],\"options\":[\"ndots:5\"]},"
		"\"prevResult\":{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.9/24\"}]}}";
	struct cni_conf *c = NULL;

	(void)state;
	assert_int_equal(parse(s, &c), 0);
	assert_string_equal(c->cni_version, "1.0.0");
	assert_string_equal(c->name, "net-1");
	assert_string_equal(c->type, "bridge");
	assert_string_equal(json_string_value(json_object_get(c->ipam, "type")), "host-local");
	assert_non_null(c->runtime_config);
	assert_non_null(c->args);
	assert_int_equal(c->dns.n_nameservers, 2);
	assert_string_equal(c->dns.nameservers[1], "fd00::53");
	assert_string_equal(c->dns.domain, "ex.org");
	assert_int_equal(c->dns.n_search, 2);
	assert_string_equal(c->dns.search[1], "b.ex.org");
	assert_int_equal(c->dns.n_options, 1);
	assert_non_null(c->prev_result);
	assert_int_equal(c->prev_result->n_ips, 1);
	assert_string_equal(json_string_value(json_object_get(c->json, "bridge")), "cni9");
	assert_int_equal(c->raw_len, strlen(s));
	assert_string_equal(c->raw, s);
	cni_conf_free(c);
}

static void test_conf_defaults(void **state)
{
	struct cni_conf *c = NULL;

	(void)state;
	/* No cniVersion: 0.1.0, as libcni decodes it. Optional objects NULL. */
	assert_int_equal(parse("{\"name\":\"n\",\"type\":\"t\"}", &c), 0);
	assert_string_equal(c->cni_version, "0.1.0");
	assert_null(c->ipam);
	assert_null(c->runtime_config);
	assert_null(c->args);
	assert_null(c->prev_result);
	assert_int_equal(c->dns.n_nameservers, 0);
	cni_conf_free(c);
	assert_int_equal(parse("{\"cniVersion\":\"\",\"name\":\"n\",\"type\":\"t\",\"ipam\":null}", &c), 0);
	assert_string_equal(c->cni_version, "0.1.0");
	cni_conf_free(c);
	/* Every supported version is accepted. */
	static const char *const v[] = { "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" };
	for (size_t i = 0; i < 7; i++) {
		char buf[128];

		snprintf(buf, sizeof(buf), "{\"cniVersion\":\"%s\",\"name\":\"n\",\"type\":\"t\"}", v[i]);
		assert_int_equal(parse(buf, &c), 0);
		assert_string_equal(c->cni_version, v[i]);
		cni_conf_free(c);
	}
}

static void test_conf_errors(void **state)
{
	static const struct {
		const char *json;
		int code;
		const char *needle;
	} cases[] = {
		{ "{\"name\":", 6, "line 1, column" },
		{ "{\"name\":\"n\",\n\"type\":}", 6, "line 2" },
		{ "[1]", 6, "must be a JSON object" },
		{ "", 6, "line" },
		{ "{\"cniVersion\":\"9.4.0\",\"name\":\"n\",\"type\":\"t\"}", 1, "\"9.4.0\"" },
		{ "{\"cniVersion\":1,\"name\":\"n\",\"type\":\"t\"}", 7, "cniVersion" },
		{ "{\"cniVersion\":\"1.0.0\",\"type\":\"t\"}", 7, "name: missing" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"\",\"type\":\"t\"}", 7, "name: missing" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"../x\",\"type\":\"t\"}", 7, "\"../x\"" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"a b\",\"type\":\"t\"}", 7, "name:" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":5,\"type\":\"t\"}", 7, "name: must be a string" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", 7, "type: missing" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":[]}", 7, "type: must be a string" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"ipam\":\"x\"}", 7, "ipam: must be an object" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"runtimeConfig\":[]}", 7, "runtimeConfig: must be an object" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"args\":1}", 7, "args: must be an object" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"dns\":1}", 7, "dns: must be an object" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"dns\":{\"nameservers\":\"x\"}}", 7, "dns.nameservers: must be an array" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"dns\":{\"search\":[1]}}", 7, "dns.search[0]: must be a string" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"dns\":{\"domain\":1}}", 7, "dns.domain" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"dns\":{\"options\":[\"a\",{}]}}", 7, "dns.options[1]" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"prevResult\":1}", 7, "prevResult: must be an object" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"prevResult\":{\"ips\":[{\"address\":\"10.0.0.1\"}]}}", 7, "prevResult.ips[0].address" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"prevResult\":{\"cniVersion\":\"7.0.0\"}}", 1, "prevResult.cniVersion" },
		{ "{\"name\":\"n\",\"name\":\"m\",\"type\":\"t\"}", 6, "duplicate" },
	};
	struct cni_conf *c = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pt_err_clear();
		print_message("case %zu: %s\n", i, cases[i].json);
		assert_err(parse(cases[i].json, &c), cases[i].code, cases[i].needle);
		assert_null(c);
	}
}

static void test_conf_prev_result_version(void **state)
{
	struct cni_conf *c = NULL;

	(void)state;
	/* A prevResult without cniVersion is read in the config's version:
	 * here 0.4.0's "ips" layout, not 0.1.0's "ip4". */
	assert_int_equal(parse("{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"t\",\"prevResult\":"
			       "{\"ips\":[{\"version\":\"4\",\"address\":\"10.1.1.2/24\"}]}}", &c), 0);
	assert_string_equal(c->prev_result->cni_version, "0.4.0");
	assert_int_equal(c->prev_result->n_ips, 1);
	cni_conf_free(c);
}

static void test_requested_ips_mac(void **state)
{
	struct cni_conf *c = NULL;
	struct ip_prefix *ips = NULL;
	char buf[IP_PREFIX_STRLEN];
	size_t n = 0;

	(void)state;
	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"args\":{\"cni\":{\"ips\":[\"10.0.0.5/24\",\"fd00::5\"],\"mac\":\"aa:aa:aa:aa:aa:aa\"}},"
			       "\"runtimeConfig\":{\"ips\":[\"10.0.0.6\"],\"mac\":\"bb:bb:bb:bb:bb:bb\"}}", &c), 0);
	assert_int_equal(cni_conf_requested_ips(c, &ips, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ip_prefix_format(&ips[0], buf), "10.0.0.5/24");
	assert_string_equal(ip_prefix_format(&ips[1], buf), "fd00::5/128");
	assert_string_equal(ip_prefix_format(&ips[2], buf), "10.0.0.6/32");
	/* runtimeConfig wins over args. */
	assert_string_equal(cni_conf_requested_mac(c), "bb:bb:bb:bb:bb:bb");
	free(ips);
	cni_conf_free(c);

	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"args\":{\"cni\":{\"mac\":\"aa:aa:aa:aa:aa:aa\"}}}", &c), 0);
	assert_string_equal(cni_conf_requested_mac(c), "aa:aa:aa:aa:aa:aa");
	ips = NULL, n = 0;
	assert_int_equal(cni_conf_requested_ips(c, &ips, &n), 0);
	assert_int_equal(n, 0);
	cni_conf_free(c);

	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\"}", &c), 0);
	assert_null(cni_conf_requested_mac(c));
	cni_conf_free(c);

	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"runtimeConfig\":{\"ips\":[\"10.0.0.6\",\"10.0.0.300\"]}}", &c), 0);
	ips = NULL, n = 0;
	assert_err(cni_conf_requested_ips(c, &ips, &n), 7, "runtimeConfig.ips[1]: not an IP address or CIDR: \"10.0.0.300\"");
	free(ips);
	cni_conf_free(c);
	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"args\":{\"cni\":{\"ips\":[5]}}}", &c), 0);
	ips = NULL, n = 0;
	assert_err(cni_conf_requested_ips(c, &ips, &n), 7, "args.cni.ips[0]: must be a string");
	cni_conf_free(c);
	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"args\":{\"cni\":{\"ips\":\"10.0.0.1\"}}}", &c), 0);
	assert_err(cni_conf_requested_ips(c, &ips, &n), 7, "args.cni.ips: must be an array");
	cni_conf_free(c);
}

static void test_gc_attachments(void **state)
{
	struct cni_conf *c = NULL;
	struct cni_attachment *a = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"cni.dev/valid-attachments\":[{\"containerID\":\"c1\",\"ifname\":\"eth0\"},"
			       "{\"containerID\":\"c2\",\"ifname\":\"eth1\"}],"
			       "\"cni.dev/attachments\":[{\"containerID\":\"c3\",\"ifname\":\"eth0\"}]}", &c), 0);
	assert_int_equal(cni_gc_attachments(c, &a, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(a[0].container_id, "c1");
	assert_string_equal(a[1].ifname, "eth1");
	assert_string_equal(a[2].container_id, "c3");
	free(a);
	cni_conf_free(c);

	/* Only the older key. */
	assert_int_equal(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"cni.dev/attachments\":[{\"containerID\":\"c3\",\"ifname\":\"eth0\"}]}", &c), 0);
	assert_int_equal(cni_gc_attachments(c, &a, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(a[0].container_id, "c3");
	free(a);
	cni_conf_free(c);

	/* None: an empty list (everything is stale). */
	assert_int_equal(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"t\"}", &c), 0);
	a = (void *)1;
	assert_int_equal(cni_gc_attachments(c, &a, &n), 0);
	assert_int_equal(n, 0);
	assert_null(a);
	cni_conf_free(c);

	assert_int_equal(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"cni.dev/valid-attachments\":[{\"containerID\":\"c1\"}]}", &c), 0);
	assert_err(cni_gc_attachments(c, &a, &n), 7, "cni.dev/valid-attachments[0].ifname: missing");
	cni_conf_free(c);
	assert_int_equal(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"cni.dev/valid-attachments\":{}}", &c), 0);
	assert_err(cni_gc_attachments(c, &a, &n), 7, "cni.dev/valid-attachments: must be an array");
	cni_conf_free(c);
	assert_int_equal(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"cni.dev/attachments\":[{\"containerID\":1,\"ifname\":\"e\"}]}", &c), 0);
	assert_err(cni_gc_attachments(c, &a, &n), 7, "cni.dev/attachments[0].containerID");
	cni_conf_free(c);
}

static void test_read_all(void **state)
{
	char path[] = "/tmp/test-cni-conf-XXXXXX";
	int fd = mkstemp(path);
	char *buf = NULL, big[100000];
	size_t len = 0;

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	memset(big, 'x', sizeof(big));
	assert_int_equal(write(fd, big, sizeof(big)), sizeof(big));
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(cni_read_all(fd, &buf, &len), 0);
	assert_int_equal(len, sizeof(big));
	assert_int_equal(buf[len], '\0');
	free(buf);
	/* Past 16 MiB: -EFBIG. */
	assert_int_equal(ftruncate(fd, (16 << 20) + 1), 0);
	lseek(fd, 0, SEEK_SET);
	assert_err(cni_read_all(fd, &buf, &len), 5, "16 MiB");
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	assert_int_equal(cni_read_all(fd, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_full),
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_conf_prev_result_version),
		cmocka_unit_test(test_requested_ips_mac),
		cmocka_unit_test(test_gc_attachments),
		cmocka_unit_test(test_read_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
