/* Unit tests: the plugin driver (cni_plugin_run), plugin lookup in
 * CNI_PATH, and delegation — both the exec path, with small shell-script
 * plugins in a temp dir, and the in-process path, with a link to this
 * test binary standing in for pontoon-cni. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-util.h"
#include "cni/delegate.h"
#include "cni/error.h"
#include "cni/gclock.h"
#include "cni/plugin.h"
#include "cni/version.h"

static char dir[] = "/tmp/test-cni-plugin-XXXXXX";

/* ---- a fake plugin ---- */

static struct {
	int calls;
	enum cni_cmd cmd;
	char container_id[64];
	char ip_arg[64];
} seen;

static int fake_add(struct cni_call *c)
{
	static const char *const known[] = { "IP", NULL };
	struct ip_prefix p;
	json_t *fail = json_object_get(c->conf->json, "fail");
	int r;

	seen.calls++;
	seen.cmd = c->env->cmd;
	snprintf(seen.container_id, sizeof(seen.container_id), "%s", c->env->container_id);
	snprintf(seen.ip_arg, sizeof(seen.ip_arg), "%s",
		 cni_args_get(&c->args, "IP") ? cni_args_get(&c->args, "IP") : "");
	if (json_is_true(fail))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "fail: asked to fail");
	r = cni_args_check_known(&c->args, known);
	if (r < 0)
		return r;
	c->result = cni_result_new(c->conf->cni_version);
	ip_prefix_parse("10.3.0.9/24", &p);
	cni_result_add_interface(c->result, "eth0", "aa:bb:cc:dd:ee:ff", c->env->netns);
	cni_result_add_ip(c->result, &p, NULL, 0);
	return 0;
}

static int fake_other(struct cni_call *c)
{
	seen.calls++;
	seen.cmd = c->env->cmd;
	return 0;
}

static const struct cni_plugin fake = {
	.type = "inproc", .add = fake_add, .del = fake_other, .check = fake_other,
	.gc = fake_other,
};

static const struct cni_plugin *lookup(const char *type)
{
	return strcmp(type, "inproc") == 0 ? &fake : NULL;
}

/* ---- a fake plugin that looks at the GC lock from inside ---- */

static struct {
	int other_blocked;	/* the opposite lock mode could not be taken */
	int other_net_free;	/* another network's lock could, in that mode */
	char env[64];		/* PONTOON_GC_LOCKED as the op saw it */
} lock_seen;

/* Tries the mode the driver's lock excludes, from another descriptor; and
 * another network's lock in that mode, which nothing holds. */
static int lock_probe(struct cni_call *c, bool exclusive)
{
	int fd = cni_gc_lock_take("n", exclusive, false);
	int other = cni_gc_lock_take("other-net", exclusive, false);

	lock_seen.other_blocked = fd == -EWOULDBLOCK;
	lock_seen.other_net_free = other >= 0;
	if (fd >= 0)
		close(fd);
	if (other >= 0)
		close(other);
	snprintf(lock_seen.env, sizeof(lock_seen.env), "%s",
		 getenv("PONTOON_GC_LOCKED") ? getenv("PONTOON_GC_LOCKED") : "");
	if (c->env->cmd == CNI_CMD_ADD) {
		c->result = cni_result_new(c->conf->cni_version);
		return c->result ? 0 : -ENOMEM;
	}
	return 0;
}

static int lock_probe_ex(struct cni_call *c)
{
	return lock_probe(c, true);
}

static int lock_probe_sh(struct cni_call *c)
{
	return lock_probe(c, false);
}

static const struct cni_plugin locking = {
	.type = "locking", .add = lock_probe_ex, .del = lock_probe_ex, .check = lock_probe_ex,
	.gc = lock_probe_sh,
};

static const struct cni_env env_add = {
	.cmd = CNI_CMD_ADD, .container_id = "ctr1", .netns = "/run/netns/x", .ifname = "eth0",
	.path = "/nonexistent",
};

/* Runs the fake with conf; returns the output, *rc the exit code. */
static char *run(const struct cni_env *env, const char *conf, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*rc = cni_plugin_run(&fake, env, conf, strlen(conf), f);
	fclose(f);
	return buf;
}

static json_t *run_json(const struct cni_env *env, const char *conf, int want_rc)
{
	int rc;
	char *out = run(env, conf, &rc);
	json_t *j = json_loads(out, 0, NULL);

	if (rc != want_rc || !j)
		fail_msg("rc %d (want %d), output: %s", rc, want_rc, out);
	free(out);
	return j;
}

static const char *jstr(json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static long long jint(json_t *j, const char *key)
{
	return json_integer_value(json_object_get(j, key));
}

static void test_run_add(void **state)
{
	json_t *j;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	j = run_json(&env_add, "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"inproc\"}", 0);
	/* Printed in the config's version. */
	assert_string_equal(jstr(j, "cniVersion"), "0.4.0");
	assert_string_equal(jstr(json_array_get(json_object_get(j, "ips"), 0), "version"), "4");
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.container_id, "ctr1");
	json_decref(j);

	/* The plugin's error: code and message, the config's version. */
	j = run_json(&env_add, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"inproc\",\"fail\":true}", 1);
	assert_string_equal(jstr(j, "cniVersion"), "1.0.0");
	assert_int_equal(jint(j, "code"), 7);
	assert_string_equal(jstr(j, "msg"), "fail: asked to fail");
	assert_null(json_object_get(j, "details"));
	json_decref(j);
}

static void test_run_errors(void **state)
{
	struct cni_env env = env_add;
	json_t *j;

	(void)state;
	/* A config that does not parse: the latest version, code 6. */
	j = run_json(&env, "{\"name\":", 1);
	assert_string_equal(jstr(j, "cniVersion"), CNI_VERSION_LATEST);
	assert_int_equal(jint(j, "code"), 6);
	json_decref(j);
	/* An unsupported version is named. */
	j = run_json(&env, "{\"cniVersion\":\"9.9.9\",\"name\":\"n\",\"type\":\"inproc\"}", 1);
	assert_int_equal(jint(j, "code"), 1);
	assert_non_null(strstr(jstr(j, "msg"), "9.9.9"));
	assert_string_equal(jstr(j, "cniVersion"), CNI_VERSION_LATEST);
	json_decref(j);
	/* A config error still reports the config's own version when known. */
	j = run_json(&env, "{\"cniVersion\":\"0.3.1\",\"name\":\"a/b\",\"type\":\"inproc\"}", 1);
	assert_string_equal(jstr(j, "cniVersion"), "0.3.1");
	assert_int_equal(jint(j, "code"), 7);
	json_decref(j);
	/* CNI_ARGS: malformed (4), unknown key (2). */
	env.args = "IP";
	j = run_json(&env, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"inproc\"}", 1);
	assert_int_equal(jint(j, "code"), 4);
	assert_non_null(strstr(jstr(j, "msg"), "CNI_ARGS"));
	json_decref(j);
	env.args = "IP=10.3.0.9;FOO=bar";
	j = run_json(&env, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"inproc\"}", 1);
	assert_int_equal(jint(j, "code"), 2);
	assert_non_null(strstr(jstr(j, "msg"), "FOO=bar"));
	json_decref(j);
	/* A bad environment is code 4 too. */
	env = env_add;
	env.container_id = "../x";
	j = run_json(&env, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"inproc\"}", 1);
	assert_int_equal(jint(j, "code"), 4);
	json_decref(j);
}

static void test_run_version_gates(void **state)
{
	struct cni_env env = { .cmd = CNI_CMD_CHECK, .container_id = "c", .netns = "/x",
			       .ifname = "eth0", .path = "/x" };
	char *out;
	json_t *j;
	int rc;

	(void)state;
	/* CHECK from 0.4.0, STATUS and GC from 1.1.0, as skel. */
	j = run_json(&env, "{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"type\":\"inproc\"}", 1);
	assert_int_equal(jint(j, "code"), 1);
	assert_non_null(strstr(jstr(j, "msg"), "CHECK"));
	json_decref(j);
	out = run(&env, "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"inproc\"}", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "");
	free(out);
	env = (struct cni_env){ .cmd = CNI_CMD_STATUS, .path = "/x" };
	j = run_json(&env, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"inproc\"}", 1);
	assert_int_equal(jint(j, "code"), 1);
	assert_non_null(strstr(jstr(j, "msg"), "STATUS"));
	json_decref(j);
	out = run(&env, "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"inproc\"}", &rc);
	assert_int_equal(rc, 0);
	free(out);
	env.cmd = CNI_CMD_GC;
	j = run_json(&env, "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"inproc\"}", 1);
	assert_non_null(strstr(jstr(j, "msg"), "GC"));
	json_decref(j);
	memset(&seen, 0, sizeof(seen));
	out = run(&env, "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"inproc\"}", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(seen.cmd, CNI_CMD_GC);
	free(out);
	/* VERSION needs no config at all. */
	env = (struct cni_env){ .cmd = CNI_CMD_VERSION };
	out = run(&env, "", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"supportedVersions\":[\"0.1.0\""));
	free(out);
}

/* ---- finding and delegating ---- */

static void write_script(const char *name, const char *body)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static int setup(void **state)
{
	char self[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	/* The GC lock lives under $PONTOON_ROOT/run: here, not the machine's. */
	setenv("PONTOON_ROOT", dir, 1);
	write_script("ok", "cat > \"$0.stdin\"; env | grep ^CNI_ | sort > \"$0.env\"\n"
			   "echo '{\"ips\":[{\"address\":\"10.0.0.7/24\",\"gateway\":\"10.0.0.1\"}]}'");
	write_script("fails", "cat >/dev/null; echo '{\"cniVersion\":\"1.0.0\",\"code\":11,"
			      "\"msg\":\"busy\",\"details\":\"try later\"}'; exit 1");
	write_script("silent", "exit 3");
	write_script("garbage", "echo 'not json'; exit 1");
	write_script("badresult", "echo '{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"x\"}]}'");
	/* Prints 1 MB before it reads its (large) stdin: only a poll loop survives. */
	write_script("big", "head -c 1000000 /dev/zero | tr '\\0' ' '; wc -c > \"$0.count\";"
			    "echo '{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\",\"address\":\"10.0.0.8/24\"}]}'");
	write_script("noread", "echo '{\"cniVersion\":\"1.0.0\"}'");
	snprintf(link, sizeof(link), "%s/sub", dir);
	mkdir(link, 0755);
	/* A directory named like a plugin is skipped. */
	snprintf(link, sizeof(link), "%s/sub/ok", dir);
	mkdir(link, 0755);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -1;
	self[n] = '\0';
	snprintf(link, sizeof(link), "%s/inproc", dir);
	if (symlink(self, link) < 0)
		return -1;
	/* The same binary under a type the lookup does not know: exec'd. */
	snprintf(link, sizeof(link), "%s/unknown-self", dir);
	return symlink(self, link);
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static int run_locking(enum cni_cmd cmd)
{
	static const char conf[] = "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"locking\"}";
	struct cni_env env = env_add;
	FILE *devnull = fopen("/dev/null", "w");
	int rc;

	env.cmd = cmd;
	lock_seen.other_blocked = -1;
	rc = cni_plugin_run(&locking, &env, conf, strlen(conf), devnull);
	fclose(devnull);
	return rc;
}

/* Regression (review): GC takes its network's lock exclusive, ADD, DEL and
 * CHECK shared, so that GC never removes what a network's containers share
 * while an ADD relies on it; other networks' locks stay free; a delegate
 * takes nothing (its parent holds the lock: an exclusive one taken again
 * would wait forever), and the lock is gone after the run. */
static void test_gc_lock(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(run_locking(CNI_CMD_ADD), 0);
	assert_int_equal(lock_seen.other_blocked, 1);
	assert_int_equal(lock_seen.other_net_free, 1);
	assert_string_equal(lock_seen.env, "1");
	assert_null(getenv("PONTOON_GC_LOCKED"));
	assert_int_equal(run_locking(CNI_CMD_GC), 0);
	assert_int_equal(lock_seen.other_blocked, 1);
	assert_int_equal(lock_seen.other_net_free, 1);
	assert_int_equal(run_locking(CNI_CMD_DEL), 0);
	assert_int_equal(lock_seen.other_blocked, 1);
	/* Released: another process could take it exclusive now. */
	fd = cni_gc_lock_take("n", true, false);
	assert_true(fd >= 0);
	close(fd);
	/* A delegate's GC while "the parent" holds it shared: no wait. */
	fd = cni_gc_lock_take("n", false, false);
	assert_true(fd >= 0);
	setenv("PONTOON_GC_LOCKED", "1", 1);
	assert_int_equal(run_locking(CNI_CMD_GC), 0);
	assert_int_equal(lock_seen.other_blocked, 0);
	unsetenv("PONTOON_GC_LOCKED");
	close(fd);
}

/* The lock file is root's alone, whatever the umask: 0600 in a 0700
 * directory (docs/security.md). */
static void test_gc_lock_file_mode(void **state)
{
	char root[PATH_MAX], path[PATH_MAX + 32];
	mode_t old = umask(0);
	struct stat st;
	int fd;

	(void)state;
	snprintf(root, sizeof(root), "%s/umask0", dir);
	setenv("PONTOON_ROOT", root, 1);
	fd = cni_gc_lock_take("n", false, false);
	umask(old);
	setenv("PONTOON_ROOT", dir, 1);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/run/pontoon/gc.lock", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(path, sizeof(path), "%s/run/pontoon", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
}

/* Two shared holders of one network; an exclusive one waits for both. */
static void test_gc_lock_modes(void **state)
{
	int a, b, x;

	(void)state;
	a = cni_gc_lock_take("net-a", false, false);
	b = cni_gc_lock_take("net-a", false, false);
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(cni_gc_lock_take("net-a", true, false), -EWOULDBLOCK);
	close(a);
	assert_int_equal(cni_gc_lock_take("net-a", true, false), -EWOULDBLOCK);
	close(b);
	x = cni_gc_lock_take("net-a", true, false);
	assert_true(x >= 0);
	assert_int_equal(cni_gc_lock_take("net-a", false, false), -EWOULDBLOCK);
	close(x);
}

/* In a child with a mount namespace of its own, the run dir made
 * read-only: 0 when the shared lock is still taken and the exclusive one
 * fails with EROFS, 77 when the namespace cannot be made (not root). */
static int read_only_lock_child(const char *run)
{
	int fd;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(run, run, NULL, MS_BIND, NULL) < 0)
		return 77;
	if (mount(NULL, run, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return 77;
	fd = cni_gc_lock_take("n", false, false);
	if (fd < 0)
		return 1;
	close(fd);
	return cni_gc_lock_take("n", true, false) == -EROFS ? 0 : 2;
}

/* Where the lock file cannot be written (a read-only /run), ADD, DEL and
 * CHECK still take their shared lock; GC's exclusive one fails, and the
 * plugin runs unlocked, as documented. */
static void test_gc_lock_read_only(void **state)
{
	char run[PATH_MAX];
	int status, fd;
	pid_t pid;

	(void)state;
	snprintf(run, sizeof(run), "%s/run/pontoon", dir);
	fd = cni_gc_lock_take("n", false, false);	/* makes the file */
	assert_true(fd >= 0);
	close(fd);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(read_only_lock_child(run));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_find_plugin(void **state)
{
	char buf[PATH_MAX], path[2 * PATH_MAX], want[PATH_MAX + 8];

	(void)state;
	snprintf(path, sizeof(path), "/nonexistent::%s/sub:%s", dir, dir);
	assert_int_equal(cni_find_plugin("ok", path, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "%s/ok", dir);
	assert_string_equal(buf, want);
	assert_err(cni_find_plugin("nope", "/a:/b", buf, sizeof(buf)), 7,
		   "failed to find plugin \"nope\" in path [/a /b]");
	assert_int_equal(cni_find_plugin("nope", "/a", buf, sizeof(buf)), -ENOENT);
	assert_err(cni_find_plugin("nope", NULL, buf, sizeof(buf)), 7, "in path []");
	assert_err(cni_find_plugin("../ok", path, buf, sizeof(buf)), 7, "invalid plugin name");
	assert_err(cni_find_plugin("", path, buf, sizeof(buf)), 7, "no plugin name");
	/* Too small a buffer is not a match. */
	assert_int_equal(cni_find_plugin("ok", dir, buf, 4), -ENOENT);
}

static char *slurp(const char *name)
{
	char path[PATH_MAX], *buf = malloc(65536);
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_delegate_exec(void **state)
{
	static const char conf[] = "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"ok\"}";
	struct cni_env env = env_add;
	struct cni_result *r = NULL;
	char *s;

	(void)state;
	env.cmd = CNI_CMD_DEL;	/* overridden by the delegate's cmd */
	env.path = dir;
	env.args = "IgnoreUnknown=1";
	setenv("CNI_COMMAND", "STALE", 1);
	setenv("PONTOON_TEST_KEEP", "yes", 1);
	assert_int_equal(cni_delegate("ok", CNI_CMD_ADD, &env, conf, strlen(conf), &r), 0);
	/* No cniVersion in the output: it is in the config's version. */
	assert_string_equal(r->cni_version, "0.4.0");
	assert_int_equal(r->n_ips, 1);
	cni_result_free(r);
	s = slurp("ok.stdin");
	assert_string_equal(s, conf);
	free(s);
	s = slurp("ok.env");
	assert_non_null(strstr(s, "CNI_COMMAND=ADD\n"));
	assert_non_null(strstr(s, "CNI_CONTAINERID=ctr1\n"));
	assert_non_null(strstr(s, "CNI_NETNS=/run/netns/x\n"));
	assert_non_null(strstr(s, "CNI_IFNAME=eth0\n"));
	assert_non_null(strstr(s, "CNI_ARGS=IgnoreUnknown=1\n"));
	assert_null(strstr(s, "STALE"));
	free(s);
	unsetenv("CNI_COMMAND");

	/* DEL: no result wanted; a netns left out stays out. */
	env.netns = NULL;
	r = (void *)1;
	assert_int_equal(cni_delegate("ok", CNI_CMD_DEL, &env, conf, strlen(conf), &r), 0);
	assert_null(r);
	s = slurp("ok.env");
	assert_non_null(strstr(s, "CNI_COMMAND=DEL\n"));
	assert_null(strstr(s, "CNI_NETNS"));
	free(s);
}

static void test_delegate_errors(void **state)
{
	static const char conf[] = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"x\"}";
	struct cni_env env = env_add;
	struct cni_result *r = NULL;

	(void)state;
	env.path = dir;
	/* The delegate's code and message become ours. */
	assert_int_equal(cni_delegate("fails", CNI_CMD_ADD, &env, conf, strlen(conf), &r), -EAGAIN);
	assert_int_equal(pt_err_cni_code(), 11);
	assert_string_equal(pt_err_msg(), "busy; try later");
	assert_err(cni_delegate("silent", CNI_CMD_DEL, &env, conf, strlen(conf), NULL), 999,
		   "plugin silent failed with no error message: exit status 3");
	assert_err(cni_delegate("garbage", CNI_CMD_ADD, &env, conf, strlen(conf), &r), 999,
		   "not json");
	assert_err(cni_delegate("badresult", CNI_CMD_ADD, &env, conf, strlen(conf), &r), 7,
		   "result of plugin badresult.ips[0].address");
	assert_err(cni_delegate("missing", CNI_CMD_ADD, &env, conf, strlen(conf), &r), 7,
		   "failed to find plugin \"missing\" in path [");
	assert_null(r);
}

static void test_delegate_big(void **state)
{
	struct cni_env env = env_add;
	struct cni_result *r = NULL;
	size_t n = 2 << 20, head;
	char *conf = malloc(n + 64), *s;

	(void)state;
	env.path = dir;
	/* 2 MiB of config in, 1 MB of output first: neither side may block. */
	strcpy(conf, "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"x\",\"pad\":\"");
	head = strlen(conf);
	memset(conf + head, 'p', n);
	strcpy(conf + head + n, "\"}");
	n = strlen(conf);
	assert_int_equal(cni_delegate("big", CNI_CMD_ADD, &env, conf, n, &r), 0);
	assert_int_equal(r->n_ips, 1);
	cni_result_free(r);
	s = slurp("big.count");
	assert_int_equal(strtoul(s, NULL, 10), n);
	free(s);
	/* A plugin that never reads its stdin does not kill us (SIGPIPE). */
	assert_int_equal(cni_delegate("noread", CNI_CMD_ADD, &env, conf, n, &r), 0);
	cni_result_free(r);
	free(conf);
}

static void test_delegate_in_process(void **state)
{
	static const char conf[] = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"inproc\"}";
	static const char bad[] = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"inproc\",\"fail\":true}";
	struct cni_env env = env_add;
	struct cni_result *r = NULL;

	(void)state;
	env.path = dir;
	env.cmd = CNI_CMD_CHECK;
	env.args = "IP=10.3.0.9";
	cni_delegate_set_lookup(lookup);
	memset(&seen, 0, sizeof(seen));
	/* Same inode as /proc/self/exe and a type the lookup knows: no exec. */
	assert_int_equal(cni_delegate("inproc", CNI_CMD_ADD, &env, conf, strlen(conf), &r), 0);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.cmd, CNI_CMD_ADD);
	assert_string_equal(seen.container_id, "ctr1");
	assert_string_equal(seen.ip_arg, "10.3.0.9");
	assert_string_equal(r->cni_version, "1.0.0");
	assert_int_equal(r->n_interfaces, 1);
	assert_string_equal(r->interfaces[0].sandbox, "/run/netns/x");
	cni_result_free(r);
	r = NULL;
	/* The caller's env is untouched. */
	assert_int_equal(env.cmd, CNI_CMD_CHECK);
	/* Its error is ours. */
	assert_err(cni_delegate("inproc", CNI_CMD_ADD, &env, bad, strlen(bad), &r), 7,
		   "fail: asked to fail");
	assert_null(r);
	assert_int_equal(cni_delegate("inproc", CNI_CMD_DEL, &env, conf, strlen(conf), NULL), 0);
	assert_int_equal(seen.cmd, CNI_CMD_DEL);
	cni_delegate_set_lookup(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_add),
		cmocka_unit_test(test_run_errors),
		cmocka_unit_test(test_run_version_gates),
		cmocka_unit_test(test_gc_lock),
		cmocka_unit_test(test_gc_lock_modes),
		cmocka_unit_test(test_gc_lock_file_mode),
		cmocka_unit_test(test_gc_lock_read_only),
		cmocka_unit_test(test_find_plugin),
		cmocka_unit_test(test_delegate_exec),
		cmocka_unit_test(test_delegate_errors),
		cmocka_unit_test(test_delegate_big),
		cmocka_unit_test(test_delegate_in_process),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
