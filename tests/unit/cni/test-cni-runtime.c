/* The runtime side of CNI: conflist parsing and version selection,
 * capabilities turned into runtimeConfig, the result cache, and the chain
 * (ADD in order with prevResult, DEL in reverse with the cached result, GC
 * of stale attachments) run against a small shell-script plugin that logs
 * the config it was given. No root, no kernel changes. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-util.h"
#include "../test-files.h"

#include "cni/cache.h"
#include "cni/conflist.h"
#include "cni/runtime.h"
#include "util/json.h"

static struct cni_conflist *parse_ok(const char *text)
{
	struct cni_conflist *l = NULL;
	int r = cni_conflist_parse(text, strlen(text), "t", &l);

	if (r < 0)
		fail_msg("parse failed: %s", pt_err_msg());
	return l;
}

static void test_parse_list(void **state)
{
	(void)state;
	struct cni_conflist *l = parse_ok(
		"{\"cniVersion\":\"1.0.0\",\"name\":\"n1\",\"disableCheck\":true,"
		"\"plugins\":[{\"type\":\"bridge\"},{\"type\":\"portmap\"}]}");

	assert_string_equal(l->name, "n1");
	assert_string_equal(l->cni_version, "1.0.0");
	assert_true(l->disable_check);
	assert_false(l->disable_gc);
	assert_int_equal(l->n_plugins, 2);
	assert_string_equal(l->plugins[1].type, "portmap");
	cni_conflist_free(l);
}

static void test_parse_single_conf(void **state)
{
	(void)state;
	struct cni_conflist *l = parse_ok(
		"{\"cniVersion\":\"0.4.0\",\"name\":\"one\",\"type\":\"bridge\",\"disableGC\":\"true\"}");

	assert_int_equal(l->n_plugins, 1);
	assert_string_equal(l->plugins[0].type, "bridge");
	assert_true(l->disable_gc);
	cni_conflist_free(l);
}

static void test_parse_errors(void **state)
{
	(void)state;
	struct cni_conflist *l = NULL;
	const char *no_plugins = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[]}";
	const char *no_type = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{}]}";
	const char *bad_name = "{\"cniVersion\":\"1.0.0\",\"name\":\"../x\",\"type\":\"b\"}";
	const char *syntax = "{\"cniVersion\":";
	const char *bad_flag = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"disableCheck\":3,\"type\":\"b\"}";

	assert_err(cni_conflist_parse(no_plugins, strlen(no_plugins), "f", &l), 7, "plugins");
	assert_err(cni_conflist_parse(no_type, strlen(no_type), "f", &l), 7, "plugins[0].type");
	assert_err(cni_conflist_parse(bad_name, strlen(bad_name), "f", &l), 7, "../x");
	assert_err(cni_conflist_parse(syntax, strlen(syntax), "f", &l), 6, "line 1");
	assert_err(cni_conflist_parse(bad_flag, strlen(bad_flag), "f", &l), 7, "disableCheck");
	assert_null(l);
}

static void test_version_selection(void **state)
{
	(void)state;
	struct cni_conflist *l;
	const char *none = "{\"cniVersion\":\"9.0.0\",\"name\":\"n\",\"type\":\"b\"}";
	const char *none2 = "{\"cniVersions\":[\"7.0.0\"],\"name\":\"n\",\"type\":\"b\"}";

	/* The highest supported entry of cniVersions wins over cniVersion. */
	l = parse_ok("{\"cniVersion\":\"0.4.0\",\"cniVersions\":[\"1.0.0\",\"1.1.0\",\"9.9.9\"],"
		     "\"name\":\"n\",\"type\":\"b\"}");
	assert_string_equal(l->cni_version, "1.1.0");
	cni_conflist_free(l);
	/* None of cniVersions supported: cniVersion. */
	l = parse_ok("{\"cniVersion\":\"0.3.1\",\"cniVersions\":[\"8.0.0\"],\"name\":\"n\",\"type\":\"b\"}");
	assert_string_equal(l->cni_version, "0.3.1");
	cni_conflist_free(l);
	assert_err(cni_conflist_parse(none, strlen(none), NULL, &l), 1, "9.0.0");
	assert_err(cni_conflist_parse(none2, strlen(none2), NULL, &l), 1, "not supported");
}

static void test_capabilities(void **state)
{
	(void)state;
	struct cni_conflist *l = parse_ok(
		"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":["
		"{\"type\":\"bridge\",\"capabilities\":{\"mac\":true,\"ips\":false}},"
		"{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true},"
		"\"runtimeConfig\":{\"keep\":1}},"
		"{\"type\":\"firewall\"}]}");
	_cleanup_json_ json_t *caps = json_loads(
		"{\"mac\":\"02:00:00:00:00:01\",\"ips\":[\"10.0.0.5\"],"
		"\"portMappings\":[{\"hostPort\":80,\"containerPort\":8080,\"protocol\":\"tcp\"}]}",
		0, NULL);
	_cleanup_json_ json_t *prev = json_loads("{\"cniVersion\":\"1.0.0\"}", 0, NULL);
	json_t *c0 = NULL, *c1 = NULL, *c2 = NULL;

	assert_int_equal(cni_runtime_plugin_conf(l, 0, caps, NULL, &c0), 0);
	assert_int_equal(cni_runtime_plugin_conf(l, 1, caps, prev, &c1), 0);
	assert_int_equal(cni_runtime_plugin_conf(l, 2, caps, prev, &c2), 0);
	assert_string_equal(json_string_value(json_object_get(c0, "name")), "n");
	assert_string_equal(json_string_value(json_object_get(c0, "cniVersion")), "1.0.0");
	/* Declared: mac. Declared false: ips. Not declared: portMappings. */
	assert_non_null(json_object_get(json_object_get(c0, "runtimeConfig"), "mac"));
	assert_null(json_object_get(json_object_get(c0, "runtimeConfig"), "ips"));
	assert_null(json_object_get(json_object_get(c0, "runtimeConfig"), "portMappings"));
	assert_null(json_object_get(c0, "prevResult"));
	assert_non_null(json_object_get(json_object_get(c1, "runtimeConfig"), "portMappings"));
	assert_non_null(json_object_get(json_object_get(c1, "runtimeConfig"), "keep"));
	assert_non_null(json_object_get(c1, "prevResult"));
	assert_null(json_object_get(c2, "runtimeConfig"));
	assert_true(cni_conflist_has_capability(l, "portMappings"));
	assert_false(cni_conflist_has_capability(l, "bandwidth"));
	json_decref(c0);
	json_decref(c1);
	json_decref(c2);
	cni_conflist_free(l);
}

static char tmpdir[] = "/tmp/pontoon-test-rt.XXXXXX";

static int setup_tmp(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/pontoon-test-rt.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_cache(void **state)
{
	(void)state;
	char dir[300];
	struct cni_cache_entry e = {
		.network = "net1", .container_id = "c-1", .ifname = "eth0", .netns = "/run/x",
		.capability_args = json_loads("{\"mac\":\"x\"}", 0, NULL),
		.result = json_loads("{\"cniVersion\":\"1.0.0\",\"ips\":[]}", 0, NULL),
	};
	struct cni_cache_entry got = { 0 }, *v;
	struct stat st;
	char path[400];
	size_t n;

	snprintf(dir, sizeof(dir), "%s/results", tmpdir);
	assert_int_equal(cni_cache_write(dir, &e), 0);
	e.ifname = "eth1";
	assert_int_equal(cni_cache_write(dir, &e), 0);
	e.network = "net10";
	assert_int_equal(cni_cache_write(dir, &e), 0);
	snprintf(path, sizeof(path), "%s/net1-c-1-eth0", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(cni_cache_read(dir, "net1", "c-1", "eth0", &got), 0);
	assert_string_equal(got.netns, "/run/x");
	assert_string_equal(json_string_value(json_object_get(got.capability_args, "mac")), "x");
	assert_string_equal(json_string_value(json_object_get(got.result, "cniVersion")), "1.0.0");
	cni_cache_entry_clear(&got);
	/* Listing by network does not mix "net1" with "net10". */
	assert_int_equal(cni_cache_list(dir, "net1", &v, &n), 0);
	assert_int_equal(n, 2);
	cni_cache_entries_free(v, n);
	assert_int_equal(cni_cache_remove(dir, "net1", "c-1", "eth0"), 0);
	assert_int_equal(cni_cache_remove(dir, "net1", "c-1", "eth0"), 0);
	assert_int_equal(cni_cache_read(dir, "net1", "c-1", "eth0", &got), -ENOENT);
	/* Ids that could escape the directory are refused. */
	assert_err(cni_cache_read(dir, "net1", "../x", "eth0", &got), 4, "../x");
	json_decref(e.capability_args);
	json_decref(e.result);
}

/* A directory of configs with broken files among them: the others load,
 * in lexical order, and the broken ones are counted and the first named. */
static void test_conflist_dir_unread(void **state)
{
	(void)state;
	struct cni_conflist_unread unread = { 0 };
	struct cni_conflist **v, *l = NULL;
	char dir[300];
	size_t n;

	snprintf(dir, sizeof(dir), "%s/net.d", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	write_file(dir, "b.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"b\",\"plugins\":[{\"type\":\"bridge\"}]}");
	write_file(dir, "a.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"a\",\"name\":\"x\",\"plugins\":[]}");
	write_file(dir, "c.conf", "not json");
	write_file(dir, "d.txt", "not a config name: not read");
	assert_int_equal(cni_conflist_load_dir(dir, &v, &n, &unread), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0]->name, "b");
	cni_conflist_free_all(v, n);
	assert_int_equal(unread.n, 2);
	assert_non_null(strstr(unread.first, "/net.d/a.conflist"));
	assert_non_null(strstr(unread.first, "duplicate object key"));
	unread = (struct cni_conflist_unread){ 0 };
	assert_int_equal(cni_conflist_find(dir, "a", &l, &unread), -ENOENT);
	assert_int_equal(unread.n, 2);
	assert_int_equal(cni_conflist_find(dir, "b", &l, NULL), 0);
	assert_string_equal(l->name, "b");
	cni_conflist_free(l);
}

/* A cache file is read as a network config is: duplicate keys refused, at
 * most 16 MiB, a symlink not followed. */
static void test_cache_read_strict(void **state)
{
	(void)state;
	struct cni_cache_entry e = {
		.network = "n", .container_id = "c", .ifname = "eth0", .netns = "/run/x",
		.result = json_loads("{\"cniVersion\":\"1.0.0\"}", 0, NULL),
	};
	struct cni_cache_entry got = { 0 };
	char dir[300], path[400], good[400], text[8192];
	FILE *f;
	size_t n;

	snprintf(dir, sizeof(dir), "%s/results", tmpdir);
	snprintf(path, sizeof(path), "%s/n-c-eth0", dir);
	assert_int_equal(cni_cache_write(dir, &e), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_int_equal(text[0], '{');
	/* the same file with "netns" twice */
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"netns\":\"/run/other\",%s", text + 1);
	fclose(f);
	assert_err(cni_cache_read(dir, "n", "c", "eth0", &got), 6, "duplicate");
	/* larger than 16 MiB: white space after the entry */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	for (int i = 0; i < 17 * 1024; i++)
		fprintf(f, "%1024s", "");
	fclose(f);
	assert_err(cni_cache_read(dir, "n", "c", "eth0", &got), 5, "16 MiB");
	/* a symlink to a good entry */
	snprintf(good, sizeof(good), "%s/good", tmpdir);
	assert_int_equal(cni_cache_write(dir, &e), 0);
	assert_int_equal(rename(path, good), 0);
	assert_int_equal(symlink(good, path), 0);
	assert_err(cni_cache_read(dir, "n", "c", "eth0", &got), 5, "n-c-eth0");
	assert_int_equal(unlink(path), 0);
	/* a FIFO with no writer: refused at once, never waited on */
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_err(cni_cache_read(dir, "n", "c", "eth0", &got), 5, "not a regular file");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(good, path), 0);
	assert_int_equal(cni_cache_read(dir, "n", "c", "eth0", &got), 0);
	assert_string_equal(got.netns, "/run/x");
	cni_cache_entry_clear(&got);
	json_decref(e.result);
}

/* A plugin that appends "CMD type conf" to $dir/log and answers ADD with a
 * result holding one address per plugin run so far. */
static void write_plugin(const char *dir, const char *type, int octet)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, type);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"#!/bin/sh\n"
		"conf=$(cat)\n"
		"printf '%%s %s %%s\\n' \"$CNI_COMMAND\" \"$conf\" >>'%s/log'\n"
		"[ \"$FAIL_TYPE\" = %s ] && [ \"$CNI_COMMAND\" = ADD ] && "
		"{ echo '{\"code\":11,\"msg\":\"no luck\"}'; exit 1; }\n"
		"case $CNI_COMMAND in\n"
		"ADD) printf '{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.%d/24\"}]}' ;;\n"
		"esac\n"
		"exit 0\n",
		type, dir, type, octet);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static char *read_log(void)
{
	char path[400];
	FILE *f;
	char *buf = calloc(1, 65536);

	snprintf(path, sizeof(path), "%s/log", tmpdir);
	f = fopen(path, "r");
	if (f) {
		size_t n = fread(buf, 1, 65535, f);

		buf[n] = '\0';
		fclose(f);
		unlink(path);
	}
	return buf;
}

static void test_chain(void **state)
{
	(void)state;
	char cache[300];
	struct cni_runtime rt = { .cni_path = tmpdir, .cache_dir = cache };
	struct cni_conflist *l = parse_ok(
		"{\"cniVersion\":\"1.1.0\",\"name\":\"chain\",\"plugins\":["
		"{\"type\":\"p1\"},{\"type\":\"p2\",\"capabilities\":{\"portMappings\":true}}]}");
	_cleanup_json_ json_t *caps = json_loads("{\"portMappings\":[]}", 0, NULL);
	struct cni_rt_attachment a = { .container_id = "ctr1", .netns = "/proc/self/ns/net",
				       .ifname = "eth0", .capability_args = caps };
	struct cni_attachment valid[] = { { "ctr2", "eth0" } };
	struct cni_result *res = NULL;
	char *log;
	size_t n_del = 9;

	snprintf(cache, sizeof(cache), "%s/cache", tmpdir);
	write_plugin(tmpdir, "p1", 1);
	write_plugin(tmpdir, "p2", 2);
	assert_int_equal(cni_runtime_add(&rt, l, &a, &res), 0);
	assert_int_equal(res->n_ips, 1);
	cni_result_free(res);
	log = read_log();
	/* p1 first without prevResult, then p2 with p1's result. */
	assert_non_null(strstr(log, "ADD p1 {"));
	assert_true(strstr(log, "prevResult") > strstr(log, "ADD p2"));
	assert_non_null(strstr(strstr(log, "ADD p2"), "10.0.0.1/24"));
	free(log);
	/* A new runtime (nothing in memory) can CHECK and DEL from the cache. */
	a.capability_args = NULL;
	assert_int_equal(cni_runtime_check(&rt, l, &a), 0);
	free(read_log());
	assert_int_equal(cni_runtime_del(&rt, l, &a), 0);
	log = read_log();
	/* Reverse order, the cached result (p2's) as prevResult, cached caps. */
	assert_true(strstr(log, "DEL p2") < strstr(log, "DEL p1"));
	assert_non_null(strstr(strstr(log, "DEL p1"), "10.0.0.2/24"));
	assert_non_null(strstr(strstr(log, "DEL p2"), "portMappings"));
	free(log);
	/* ADD twice, then GC keeping ctr2: ctr1 is DELed, then GC is sent. */
	a.capability_args = caps;
	assert_int_equal(cni_runtime_add(&rt, l, &a, NULL), 0);
	a.container_id = "ctr2";
	assert_int_equal(cni_runtime_add(&rt, l, &a, NULL), 0);
	free(read_log());
	assert_int_equal(cni_runtime_gc(&rt, l, valid, 1, &n_del), 0);
	assert_int_equal(n_del, 1);
	log = read_log();
	assert_non_null(strstr(log, "DEL p1"));
	assert_non_null(strstr(strstr(log, "GC p1"), "\"cni.dev/valid-attachments\":[{\"containerID\":\"ctr2\""));
	free(log);
	/* A failing ADD undoes the plugins that ran and caches nothing. */
	setenv("FAIL_TYPE", "p2", 1);
	a.container_id = "ctr3";
	assert_err(cni_runtime_add(&rt, l, &a, NULL), 11, "no luck");
	unsetenv("FAIL_TYPE");
	log = read_log();
	assert_non_null(strstr(log, "DEL p1"));
	free(log);
	assert_int_equal(cni_runtime_cached_result(&rt, "chain", "ctr3", "eth0", &res), -ENOENT);
	cni_conflist_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_parse_single_conf),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_version_selection),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test_setup_teardown(test_cache, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_cache_read_strict, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_conflist_dir_unread, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_chain, setup_tmp, teardown_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
