/* Running another plugin through CNI_PATH (see delegate.h).
 *
 * The exec path uses posix_spawn (vfork-like in glibc: no page-table copy)
 * and a poll loop over the child's stdin and stdout, so neither a large
 * config nor a large result can deadlock the two processes. The child's
 * stdin is one end of a socketpair: send(MSG_NOSIGNAL) then cannot kill us
 * with SIGPIPE when a plugin exits without reading its config. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cni/delegate.h"
#include "cni/error.h"
#include "cni/plugin.h"
#include "cni/version.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

#define OUTPUT_MAX (16u << 20)

extern char **environ;

static cni_plugin_lookup_fn lookup_fn;
static const char *self_path;

void cni_delegate_set_self(const char *path)
{
	self_path = path;
}

void cni_delegate_set_lookup(cni_plugin_lookup_fn fn)
{
	lookup_fn = fn;
}

/* "[/a /b]", the way the reference prints the list it searched. */
static void path_list(const char *path, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	n += snprintf(buf + n, size - n, "[");
	for (const char *p = path; p && *p && n < size;) {
		const char *end = strchrnul(p, ':');

		if (end > p)
			n += snprintf(buf + n, size - n, "%s%.*s", buf[1] ? " " : "", (int)(end - p), p);
		p = *end ? end + 1 : end;
	}
	if (n < size)
		snprintf(buf + n, size - n, "]");
}

int cni_find_plugin(const char *type, const char *path, char *buf, size_t size)
{
	char list[1024];

	if (!type || !*type)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "no plugin name provided");
	if (strchr(type, '/') || strcmp(type, ".") == 0 || strcmp(type, "..") == 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "invalid plugin name: \"%s\"", type);
	for (const char *p = path; p && *p;) {
		const char *end = strchrnul(p, ':');
		struct stat st;
		int n;

		/* An empty element would mean the working directory: skip it. */
		if (end > p) {
			n = snprintf(buf, size, "%.*s/%s", (int)(end - p), p, type);
			if (n > 0 && (size_t)n < size && stat(buf, &st) == 0 && S_ISREG(st.st_mode))
				return 0;
		}
		p = *end ? end + 1 : end;
	}
	path_list(path, list, sizeof(list));
	return pt_err_code(-ENOENT, CNI_ERR_INVALID_CONFIG, "failed to find plugin \"%s\" in path %s",
			   type, list);
}

static bool same_file(const struct stat *a, const char *path)
{
	struct stat b;

	return stat(path, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

static bool is_self(const char *path)
{
	char self[PATH_MAX];
	struct stat a;
	ssize_t n;

	if (stat(path, &a) < 0)
		return false;
	if (same_file(&a, "/proc/self/exe") || (self_path && same_file(&a, self_path)))
		return true;
	/* Under valgrind /proc/self/exe is valgrind's own tool, while its
	 * readlink() names the program it runs: so the plugin valgrind
	 * checks is the one that runs the delegate, in process. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return false;
	self[n] = '\0';
	return same_file(&a, self);
}

/* The bytes a plugin printed and how it ended. */
struct run_output {
	char *buf;
	size_t len;
	int status;		/* as from waitpid */
};

static int run_in_process(const struct cni_plugin *p, enum cni_cmd cmd, const struct cni_env *env,
			  const char *conf, size_t conf_len, struct run_output *out)
{
	struct cni_env e = *env;
	FILE *f;
	int rc;

	/* The delegate sees our environment with only the command changed,
	 * exactly what the exec path hands a child. */
	e.cmd = cmd;
	f = open_memstream(&out->buf, &out->len);
	if (!f)
		return -ENOMEM;
	rc = cni_plugin_run(p, &e, conf, conf_len, f);
	if (fclose(f) != 0)
		return -ENOMEM;
	out->status = rc << 8;	/* what WEXITSTATUS reads */
	return 0;
}

/* ---- exec ---- */

static bool is_cni_var(const char *kv)
{
	static const char *const names[] = {
		"CNI_COMMAND=", "CNI_CONTAINERID=", "CNI_NETNS=", "CNI_IFNAME=", "CNI_ARGS=", "CNI_PATH=",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(kv, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

static void strv_freep(char ***v)
{
	for (char **p = *v; p && *p; p++)
		free(*p);
	free(*v);
}

/* Our environment with the CNI_* variables taken from env and cmd. */
static int build_envp(enum cni_cmd cmd, const struct cni_env *env, char ***ret)
{
	const struct {
		const char *name, *value;
	} vars[] = {
		{ "CNI_COMMAND", cni_cmd_name(cmd) }, { "CNI_CONTAINERID", env->container_id },
		{ "CNI_NETNS", env->netns },	      { "CNI_IFNAME", env->ifname },
		{ "CNI_ARGS", env->args },	      { "CNI_PATH", env->path },
	};
	size_t n = 0, k = 0;
	char **envp;

	while (environ && environ[n])
		n++;
	envp = calloc(n + sizeof(vars) / sizeof(vars[0]) + 1, sizeof(*envp));
	if (!envp)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!is_cni_var(environ[i]) && !(envp[k++] = strdup(environ[i])))
			goto oom;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (vars[i].value && asprintf(&envp[k++], "%s=%s", vars[i].name, vars[i].value) < 0) {
			envp[--k] = NULL;
			goto oom;
		}
	*ret = envp;
	return 0;
oom:
	strv_freep(&envp);
	return -ENOMEM;
}

static int spawn(const char *path, char **envp, int in_fd, int out_fd, pid_t *ret)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)path, NULL };
	int r;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -ENOMEM;
	r = posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	/* "Text file busy": the binary is being installed; the reference
	 * retries too. */
	for (int tries = 0; r == 0; tries++) {
		r = posix_spawn(ret, path, &fa, NULL, argv, envp);
		if (r != ETXTBSY || tries >= 20)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL);
		r = 0;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return pt_err_code(-r, CNI_ERR_INTERNAL, "cannot run plugin %s: %s", path, strerror(r));
	return 0;
}

static int read_some(int fd, struct run_output *out, size_t *size, bool *eof)
{
	ssize_t n;

	if (*size - out->len < 4096) {
		char *p;

		if (*size >= OUTPUT_MAX)
			return pt_err_code(-EFBIG, CNI_ERR_IO, "plugin printed more than 16 MiB");
		*size = *size ? *size * 2 : 8192;
		p = realloc(out->buf, *size + 1);
		if (!p)
			return -ENOMEM;
		out->buf = p;
	}
	n = read(fd, out->buf + out->len, *size - out->len);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		*eof = true;
	out->len += n;
	out->buf[out->len] = '\0';
	return 0;
}

/* Feeds conf to in_fd and drains out_fd until the child closes stdout. */
static int pump(int in_fd, int out_fd, const char *conf, size_t conf_len, struct run_output *out)
{
	size_t sent = 0, size = 0;
	bool eof = false;
	int r;

	if (conf_len == 0)
		shutdown(in_fd, SHUT_WR);
	while (!eof) {
		struct pollfd pfd[2] = {
			{ .fd = out_fd, .events = POLLIN },
			{ .fd = sent < conf_len ? in_fd : -1, .events = POLLOUT },
		};

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[1].revents) {
			ssize_t n = send(in_fd, conf + sent, conf_len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n > 0)
				sent += n;
			/* A child that stops reading early just loses the rest. */
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == conf_len) {
				sent = conf_len;
				shutdown(in_fd, SHUT_WR);
			}
		}
		if (pfd[0].revents) {
			r = read_some(out_fd, out, &size, &eof);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int run_exec(const char *path, enum cni_cmd cmd, const struct cni_env *env,
		    const char *conf, size_t conf_len, struct run_output *out)
{
	_cleanup_(strv_freep) char **envp = NULL;
	_cleanup_close_ int in_parent = -1, in_child = -1, out_parent = -1, out_child = -1;
	int sv[2], pv[2], r, pump_r;
	pid_t pid;

	r = build_envp(cmd, env, &envp);
	if (r < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	in_parent = sv[0], in_child = sv[1];
	if (pipe2(pv, O_CLOEXEC) < 0)
		return -errno;
	out_parent = pv[0], out_child = pv[1];
	r = spawn(path, envp, in_child, out_child, &pid);
	if (r < 0)
		return r;
	close(TAKE_FD(in_child));
	close(TAKE_FD(out_child));
	pump_r = pump(in_parent, out_parent, conf, conf_len, out);
	close(TAKE_FD(in_parent));
	close(TAKE_FD(out_parent));
	while (waitpid(pid, &out->status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return pump_r;
}

/* ---- reading what the delegate said ---- */

static int errno_for_code(long long code)
{
	switch (code) {
	case CNI_ERR_UNKNOWN_CONTAINER:
		return -ENOENT;
	case CNI_ERR_TRY_AGAIN:
		return -EAGAIN;
	case CNI_ERR_UNSUPPORTED_FIELD:
	case CNI_ERR_INVALID_ENV:
	case CNI_ERR_DECODE:
	case CNI_ERR_INVALID_CONFIG:
		return -EINVAL;
	case CNI_ERR_INCOMPATIBLE_VERSION:
		return -EPROTONOSUPPORT;
	default:
		return -EIO;
	}
}

/* A failed plugin's error JSON becomes our recorded error. */
int cni_record_plugin_failure(const char *type, int status, const char *out, size_t len)
{
	_cleanup_json_ json_t *j = NULL;
	const char *msg = NULL, *details = NULL;
	long long code = CNI_ERR_INTERNAL;

	if (len == 0) {
		if (WIFSIGNALED(status))
			return pt_err_code(-EIO, CNI_ERR_INTERNAL,
					   "plugin %s failed with no error message: killed by signal %d",
					   type, WTERMSIG(status));
		return pt_err_code(-EIO, CNI_ERR_INTERNAL,
				   "plugin %s failed with no error message: exit status %d", type,
				   WEXITSTATUS(status));
	}
	j = json_loadb(out, len, 0, NULL);
	if (!json_is_object(j) || json_opt_int(j, "code", NULL, 0, INT32_MAX, &code) < 0 ||
	    json_opt_string(j, "msg", NULL, &msg) < 0 || json_opt_string(j, "details", NULL, &details) < 0)
		return pt_err_code(-EIO, CNI_ERR_INTERNAL,
				   "plugin %s failed but its error message cannot be parsed: \"%.512s\"",
				   type, out);
	if (details && *details)
		return pt_err_code(errno_for_code(code), (int)code, "%s; %s", msg ? msg : "", details);
	return pt_err_code(errno_for_code(code), (int)code, "%s", msg ? msg : "");
}

static int record_failure(const char *type, const struct run_output *out)
{
	return cni_record_plugin_failure(type, out->status, out->buf, out->len);
}

/* The config's cniVersion, which a result without one is taken to be in. */
static const char *conf_version(const char *conf, size_t len, char *buf, size_t size)
{
	_cleanup_json_ json_t *j = json_loadb(conf, len, 0, NULL);
	json_t *v = json_object_get(j, "cniVersion");

	snprintf(buf, size, "%s",
		 json_is_string(v) && json_string_length(v) ? json_string_value(v) : "0.1.0");
	return buf;
}

static int parse_result(const char *type, const struct run_output *out, const char *conf,
			size_t conf_len, struct cni_result **ret)
{
	_cleanup_json_ json_t *j = NULL;
	char where[128], ver[32];
	int r;

	r = json_parse_buffer(out->buf ? out->buf : "", out->len, &j);
	if (r < 0)
		return pt_err_wrap(r, "result of plugin %s", type);
	snprintf(where, sizeof(where), "result of plugin %s", type);
	return cni_result_parse_full(j, where, conf_version(conf, conf_len, ver, sizeof(ver)), ret);
}

int cni_delegate(const char *type, enum cni_cmd cmd, const struct cni_env *env,
		 const char *conf, size_t conf_len, struct cni_result **ret_result)
{
	struct run_output out = { 0 };
	const struct cni_plugin *p = NULL;
	char path[4096];
	int r;

	r = cni_find_plugin(type, env->path, path, sizeof(path));
	if (r < 0)
		return r;
	if (lookup_fn && is_self(path))
		p = lookup_fn(type);
	r = p ? run_in_process(p, cmd, env, conf, conf_len, &out)
	      : run_exec(path, cmd, env, conf, conf_len, &out);
	if (r >= 0 && !(WIFEXITED(out.status) && WEXITSTATUS(out.status) == 0))
		r = record_failure(type, &out);
	else if (r >= 0 && cmd == CNI_CMD_ADD && ret_result)
		r = parse_result(type, &out, conf, conf_len, ret_result);
	else if (r >= 0 && ret_result)
		*ret_result = NULL;
	free(out.buf);
	return r < 0 ? r : 0;
}
