/* Unit tests: CNI environment variables, CNI_ARGS, versions, error JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "test-util.h"
#include "cni/args.h"
#include "cni/env.h"
#include "cni/error.h"
#include "cni/version.h"

static void clear_env(void)
{
	static const char *const vars[] = { "CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS",
					    "CNI_IFNAME",  "CNI_ARGS",	      "CNI_PATH" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static void set_all(const char *cmd)
{
	clear_env();
	setenv("CNI_COMMAND", cmd, 1);
	setenv("CNI_CONTAINERID", "abc-1.2_3", 1);
	setenv("CNI_NETNS", "/run/netns/x", 1);
	setenv("CNI_IFNAME", "eth0", 1);
	setenv("CNI_PATH", "/opt/cni/bin", 1);
}

static void test_env_ok(void **state)
{
	struct cni_env env;

	(void)state;
	set_all("ADD");
	setenv("CNI_ARGS", "A=b", 1);
	assert_int_equal(cni_env_load(&env), 0);
	assert_int_equal(env.cmd, CNI_CMD_ADD);
	assert_string_equal(env.container_id, "abc-1.2_3");
	assert_string_equal(env.netns, "/run/netns/x");
	assert_string_equal(env.ifname, "eth0");
	assert_string_equal(env.args, "A=b");
	assert_string_equal(env.path, "/opt/cni/bin");
}

static void test_env_commands(void **state)
{
	static const char *const names[] = { "ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION" };
	enum cni_cmd cmd;

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(cni_cmd_parse(names[i], &cmd), 0);
		assert_int_equal(cmd, (enum cni_cmd)i);
		assert_string_equal(cni_cmd_name(cmd), names[i]);
	}
	assert_err(cni_cmd_parse("add", &cmd), 4, "unknown CNI_COMMAND: add");
	assert_err(cni_cmd_parse("", &cmd), 4, "[CNI_COMMAND]");
	clear_env();
	assert_err(cni_env_load(&(struct cni_env){ 0 }), 4, "[CNI_COMMAND] missing");
	setenv("CNI_COMMAND", "FOO", 1);
	assert_err(cni_env_load(&(struct cni_env){ 0 }), 4, "unknown CNI_COMMAND: FOO");
}

static void test_env_missing(void **state)
{
	struct cni_env env;

	(void)state;
	/* All four missing for ADD, listed like the reference. */
	clear_env();
	setenv("CNI_COMMAND", "ADD", 1);
	assert_err(cni_env_load(&env), 4,
		   "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing");
	/* An empty value counts as missing. */
	set_all("CHECK");
	setenv("CNI_NETNS", "", 1);
	assert_err(cni_env_load(&env), 4, "[CNI_NETNS] missing");
	/* DEL: CNI_NETNS optional, the others not. */
	set_all("DEL");
	unsetenv("CNI_NETNS");
	assert_int_equal(cni_env_load(&env), 0);
	assert_null(env.netns);
	unsetenv("CNI_IFNAME");
	assert_err(cni_env_load(&env), 4, "[CNI_IFNAME] missing");
	set_all("DEL");
	unsetenv("CNI_PATH");
	assert_err(cni_env_load(&env), 4, "[CNI_PATH] missing");
	/* GC and STATUS need only CNI_PATH. */
	clear_env();
	setenv("CNI_COMMAND", "GC", 1);
	assert_err(cni_env_load(&env), 4, "[CNI_PATH] missing");
	setenv("CNI_PATH", "/bin", 1);
	assert_int_equal(cni_env_load(&env), 0);
	setenv("CNI_COMMAND", "STATUS", 1);
	assert_int_equal(cni_env_load(&env), 0);
	/* GC does not validate a container id it does not use. */
	setenv("CNI_CONTAINERID", "../x", 1);
	assert_int_equal(cni_env_load(&env), 0);
	/* VERSION needs nothing. */
	clear_env();
	setenv("CNI_COMMAND", "VERSION", 1);
	assert_int_equal(cni_env_load(&env), 0);
	assert_int_equal(env.cmd, CNI_CMD_VERSION);
}

static void test_env_invalid_values(void **state)
{
	struct cni_env env;

	(void)state;
	set_all("ADD");
	setenv("CNI_CONTAINERID", "../../etc", 1);
	assert_err(cni_env_load(&env), 4, "CNI_CONTAINERID");
	assert_non_null(strstr(pt_err_msg(), "\"../../etc\""));
	setenv("CNI_CONTAINERID", "-abc", 1);
	assert_err(cni_env_load(&env), 4, "\"-abc\"");
	set_all("DEL");
	setenv("CNI_IFNAME", "a/b", 1);
	assert_err(cni_env_load(&env), 4, "CNI_IFNAME");
	assert_non_null(strstr(pt_err_msg(), "\"a/b\""));
	setenv("CNI_IFNAME", "0123456789abcdef", 1);
	assert_err(cni_env_load(&env), 4, "too long");
	setenv("CNI_IFNAME", "..", 1);
	assert_err(cni_env_load(&env), 4, "CNI_IFNAME");
	/* cni_env_validate on a filled struct, as for in-process delegation. */
	assert_int_equal(cni_env_validate(&(struct cni_env){ .cmd = CNI_CMD_GC, .path = "/x" }), 0);
	assert_err(cni_env_validate(&(struct cni_env){ .cmd = CNI_CMD_CHECK, .container_id = "c",
							.ifname = "e", .path = "/x" }),
		   4, "[CNI_NETNS]");
}

static void test_valid_id_ifname(void **state)
{
	(void)state;
	assert_true(cni_valid_id("a"));
	assert_true(cni_valid_id("A9_.-z"));
	assert_false(cni_valid_id(""));
	assert_false(cni_valid_id(NULL));
	assert_false(cni_valid_id("_a"));
	assert_false(cni_valid_id(".a"));
	assert_false(cni_valid_id("a/b"));
	assert_false(cni_valid_id("a b"));
	assert_false(cni_valid_id("a:b"));
	assert_false(cni_valid_id("ä"));
	assert_true(cni_valid_ifname("eth0"));
	assert_true(cni_valid_ifname("123456789012345"));
	assert_true(cni_valid_ifname("..."));
	assert_false(cni_valid_ifname("1234567890123456"));
	assert_false(cni_valid_ifname(""));
	assert_false(cni_valid_ifname("."));
	assert_false(cni_valid_ifname(".."));
	assert_false(cni_valid_ifname("a:1"));
	assert_false(cni_valid_ifname("a b"));
	assert_false(cni_valid_ifname("a\tb"));
	assert_false(cni_valid_ifname("a\nb"));
}

static void test_args(void **state)
{
	static const char *const known[] = { "IP", "MAC", NULL };
	struct cni_args a;

	(void)state;
	assert_int_equal(cni_args_parse(NULL, &a), 0);
	assert_int_equal(a.n, 0);
	cni_args_free(&a);
	assert_int_equal(cni_args_parse("", &a), 0);
	assert_int_equal(a.n, 0);
	cni_args_free(&a);

	assert_int_equal(cni_args_parse("IP=10.0.0.5;MAC=aa:bb:cc:dd:ee:ff;EMPTY=", &a), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(cni_args_get(&a, "IP"), "10.0.0.5");
	assert_string_equal(cni_args_get(&a, "MAC"), "aa:bb:cc:dd:ee:ff");
	assert_string_equal(cni_args_get(&a, "EMPTY"), "");
	assert_null(cni_args_get(&a, "ip"));
	assert_false(a.ignore_unknown);
	assert_err(cni_args_check_known(&a, known), 2, "EMPTY=");
	cni_args_free(&a);

	/* K8S_POD_* are always known; unknown keys are named with their value. */
	assert_int_equal(cni_args_parse("K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;"
					"K8S_POD_INFRA_CONTAINER_ID=c;K8S_POD_UID=u;IP=1.2.3.4", &a), 0);
	assert_int_equal(cni_args_check_known(&a, known), 0);
	cni_args_free(&a);
	assert_int_equal(cni_args_parse("FOO=bar", &a), 0);
	assert_err(cni_args_check_known(&a, known), 2, "FOO=bar");
	assert_err(cni_args_check_known(&a, NULL), 2, "FOO=bar");
	cni_args_free(&a);

	/* IgnoreUnknown: 1/true in any case; 0/false keep checking. */
	static const char *const yes[] = { "IgnoreUnknown=1;FOO=bar", "FOO=bar;IgnoreUnknown=TRUE",
					   "IgnoreUnknown=True;X=y" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(cni_args_parse(yes[i], &a), 0);
		assert_true(a.ignore_unknown);
		assert_int_equal(cni_args_check_known(&a, known), 0);
		cni_args_free(&a);
	}
	assert_int_equal(cni_args_parse("IgnoreUnknown=false;FOO=bar", &a), 0);
	assert_false(a.ignore_unknown);
	assert_err(cni_args_check_known(&a, known), 2, "FOO=bar");
	cni_args_free(&a);
	assert_err(cni_args_parse("IgnoreUnknown=yes", &a), 4, "IgnoreUnknown");
	/* Only the exact key is special. */
	assert_int_equal(cni_args_parse("ignoreunknown=1;FOO=bar", &a), 0);
	assert_false(a.ignore_unknown);
	cni_args_free(&a);

	/* The last of a repeated key wins. */
	assert_int_equal(cni_args_parse("IP=1.1.1.1;IP=2.2.2.2", &a), 0);
	assert_string_equal(cni_args_get(&a, "IP"), "2.2.2.2");
	cni_args_free(&a);

	/* Malformed pairs: code 4, naming CNI_ARGS and the pair. */
	assert_err(cni_args_parse("FOO", &a), 4, "CNI_ARGS: invalid pair \"FOO\"");
	assert_err(cni_args_parse("A=b=c", &a), 4, "\"A=b=c\"");
	assert_err(cni_args_parse("A=b;;C=d", &a), 4, "CNI_ARGS: empty pair");
	assert_err(cni_args_parse("A=b;", &a), 4, "CNI_ARGS: empty pair");
	assert_err(cni_args_parse(";A=b", &a), 4, "CNI_ARGS: empty pair");
	assert_err(cni_args_parse("=x", &a), 4, "\"=x\"");
}

static void test_version(void **state)
{
	int v;

	(void)state;
	assert_int_equal(cni_version_parse("1.1.0", &v), 0);
	assert_int_equal(v, 10100);
	assert_int_equal(cni_version_parse("0.3.1", &v), 0);
	assert_int_equal(v, 301);
	assert_int_equal(cni_version_parse("1.2", &v), -EINVAL);
	assert_int_equal(cni_version_parse("1.2.3.4", &v), -EINVAL);
	assert_int_equal(cni_version_parse("a.b.c", &v), -EINVAL);
	assert_int_equal(cni_version_parse("", &v), -EINVAL);
	assert_int_equal(cni_version_parse("1.-1.0", &v), -EINVAL);
	assert_int_equal(cni_version_parse("1.100.0", &v), -EINVAL);
	assert_true(cni_version_cmp("0.4.0", "1.0.0") < 0);
	assert_true(cni_version_cmp("1.1.0", "1.0.0") > 0);
	assert_true(cni_version_cmp("0.3.1", "0.3.0") > 0);
	assert_true(cni_version_cmp("0.10.0", "0.9.0") > 0);
	assert_int_equal(cni_version_cmp("1.0.0", "1.0.0"), 0);
	assert_true(cni_version_cmp("junk", "0.1.0") < 0);
	for (size_t i = 0; cni_supported_versions[i]; i++)
		assert_true(cni_version_supported(cni_supported_versions[i]));
	assert_false(cni_version_supported("0.5.0"));
	assert_false(cni_version_supported("1.2.0"));
	assert_false(cni_version_supported(NULL));
	assert_string_equal(cni_supported_versions[6], "1.1.0");
	assert_null(cni_supported_versions[7]);
}

static char *capture(void (*fn)(FILE *f, void *arg), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return buf;
}

static void print_version(FILE *f, void *arg)
{
	cni_version_print(f, arg);
}

static void test_version_print(void **state)
{
	char *s;

	(void)state;
	/* The layout of the reference's VERSION answer, compact, newline at the end. */
	s = capture(print_version, "1.1.0");
	assert_string_equal(s, "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.1.0\",\"0.2.0\","
			       "\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}\n");
	free(s);
}

static void print_cni_error(FILE *f, void *arg)
{
	cni_error_print(f, arg, -ENOENT);
}

static void test_error_print(void **state)
{
	char *s;

	(void)state;
	/* Indented by 4 like the reference; no "details" when there are none. */
	pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV, "required env variables [CNI_PATH] missing");
	s = capture(print_cni_error, "0.4.0");
	assert_string_equal(s, "{\n    \"cniVersion\": \"0.4.0\",\n    \"code\": 4,\n"
			       "    \"msg\": \"required env variables [CNI_PATH] missing\"\n}\n");
	free(s);
	/* No code recorded: 999. No message: strerror. */
	pt_err(-EIO, "disk on fire");
	s = capture(print_cni_error, "1.1.0");
	assert_non_null(strstr(s, "\"code\": 999"));
	assert_non_null(strstr(s, "\"msg\": \"disk on fire\""));
	free(s);
	pt_err_clear();
	s = capture(print_cni_error, "1.1.0");
	assert_non_null(strstr(s, "\"code\": 999"));
	assert_non_null(strstr(s, "\"msg\": \"No such file or directory\""));
	assert_null(strstr(s, "details"));
	free(s);
	/* Quotes in a message stay valid JSON. */
	pt_err_code(-EINVAL, 7, "name: bad \"x\\y\"");
	s = capture(print_cni_error, "1.0.0");
	json_t *j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "msg")), "name: bad \"x\\y\"");
	assert_int_equal(json_integer_value(json_object_get(j, "code")), 7);
	json_decref(j);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_ok),
		cmocka_unit_test(test_env_commands),
		cmocka_unit_test(test_env_missing),
		cmocka_unit_test(test_env_invalid_values),
		cmocka_unit_test(test_valid_id_ifname),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_version_print),
		cmocka_unit_test(test_error_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
