/* The container itself: a network namespace kept alive by a bind mount
 * under $run_dir/netns (as `ip netns` does, so CNI plugins and people can
 * open it by path), and a process that enters it with UTS and mount
 * namespaces of its own for its hostname and its own /etc/hosts and
 * /etc/resolv.conf. Only syscalls: unshare, setns, mount. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "nl/link.h"
#include "nl/netns.h"
#include "nl/nl.h"
#include "util/error.h"

/* The netns dir is a mount point of its own, so a container's mount
 * namespace can drop every other container's namespace with one umount. */
static int netns_dir_ready(void)
{
	struct statx stx;
	int r = mkdir_p_private(cli.run_dir, cli.netns_dir);

	if (r < 0)
		return r;
	if (statx(AT_FDCWD, cli.netns_dir, 0, STATX_BASIC_STATS, &stx) < 0)
		return pt_err(-errno, "%s: %m", cli.netns_dir);
	if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	    (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return 0;
	if (mount(cli.netns_dir, cli.netns_dir, NULL, MS_BIND, NULL) < 0)
		return pt_err(-errno, "cannot bind-mount %s: %m", cli.netns_dir);
	return 0;
}

/* Brings lo up in the calling thread's current namespace. */
static int lo_up_here(void)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;
	int r = nl_open(&nl);

	if (r >= 0)
		r = link_set_up_by_name(nl, "lo");
	return r;
}

/* Makes a network namespace, pins it on path and brings its lo up, all from
 * this thread (no helper process: a fork of the CLI costs more than the
 * namespace), then returns to the namespace it came from. Not coming back
 * would run every later step in the wrong namespace, so that aborts. */
static int netns_make_at(const char *path)
{
	_cleanup_close_ int orig = -1;
	int r = netns_open_current(&orig);

	if (r < 0)
		return r;
	if (unshare(CLONE_NEWNET) < 0)
		return pt_err(-errno, "cannot create a network namespace: %m");
	r = 0;
	if (mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL) < 0)
		r = pt_err(-errno, "cannot pin the network namespace on %s: %m", path);
	if (r >= 0 && (r = lo_up_here()) < 0)
		pt_err_wrap(r, "cannot bring lo up in %s", path);
	if (setns(orig, CLONE_NEWNET) < 0) {
		fprintf(stderr, "pontoon: cannot return to the original network namespace: %m\n");
		abort();
	}
	return r;
}

char *sandbox_netns_path(const char *name)
{
	char *path;

	return asprintf(&path, "%s/%s", cli.netns_dir, name) < 0 ? NULL : path;
}

int sandbox_netns_create(const char *name, char **ret_path)
{
	_cleanup_free_ char *path = NULL;
	int fd, r;

	r = netns_dir_ready();
	if (r < 0)
		return r;
	path = sandbox_netns_path(name);
	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return pt_err(-errno, "cannot create %s: %m", path);
	close(fd);
	r = netns_make_at(path);
	if (r < 0) {
		sandbox_netns_remove(path);
		return r;
	}
	*ret_path = TAKE_PTR(path);
	return 0;
}

int sandbox_netns_remove(const char *path)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return pt_err(-errno, "cannot unmount %s: %m", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return pt_err(-errno, "cannot remove %s: %m", path);
	return 0;
}

static void bind_file(const char *src, const char *dst)
{
	struct stat st;

	/* /etc/resolv.conf may be a symlink to a file that is not there. */
	if (stat(dst, &st) == 0 && stat(src, &st) == 0)
		(void)mount(src, dst, NULL, MS_BIND, NULL);
}

/* What the child tells the parent when it cannot run argv: errno and the
 * sentence, on a pipe closed by the exec that succeeds. */
struct spawn_error {
	int err;
	char msg[256];
};

static void report(int err_fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(int err_fd, const char *fmt, ...)
{
	struct spawn_error e = { .err = errno };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	(void)!write(err_fd, &e, sizeof(e));
}

/* In the child: everything up to exec. Returns only on failure, after
 * reporting it on err_fd. */
static void child(json_t *state, char **argv, int out_fd, int err_fd, pid_t parent)
{
	const char *netns = json_string_value(json_object_get(state, "netns"));
	const char *hostname = json_string_value(json_object_get(state, "hostname"));
	const char *name = json_string_value(json_object_get(state, "name"));
	char dir[PATH_MAX + 300], src[PATH_MAX + 400];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* A parent killed before the line above would leave this process
	 * running with nobody to release it. */
	if (getppid() != parent)
		_exit(1);
	if (netns) {
		int fd = open(netns, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
			report(err_fd, "cannot enter %s: %m", netns);
			return;
		}
		close(fd);
	}
	if (unshare(CLONE_NEWUTS | CLONE_NEWNS) < 0) {
		report(err_fd, "unshare: %m");
		return;
	}
	(void)mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL);
	/* Other containers' namespaces stay pinned only by the host's mounts. */
	(void)umount2(cli.netns_dir, MNT_DETACH);
	if (hostname)
		(void)sethostname(hostname, strlen(hostname));
	if (netns) {
		ctr_dir(name, dir, sizeof(dir));
		snprintf(src, sizeof(src), "%s/hosts", dir);
		bind_file(src, "/etc/hosts");
		snprintf(src, sizeof(src), "%s/resolv.conf", dir);
		bind_file(src, "/etc/resolv.conf");
	}
	if (out_fd >= 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
		close(out_fd);
	}
	execvp(argv[0], argv);
	report(err_fd, "cannot run %s: %m", argv[0]);
}

/* The child's report, once it exec'd (0) or gave up (its exit code, as a
 * shell's: 127 when there is no such command, 126 when it cannot run). */
static int spawn_result(int err_fd, pid_t pid)
{
	struct spawn_error e;
	ssize_t n;

	while ((n = read(err_fd, &e, sizeof(e))) < 0 && errno == EINTR)
		;
	if (n == 0)
		return 0;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n != sizeof(e))
		return pt_err(-EIO, "the container's process ended before it ran");
	e.msg[sizeof(e.msg) - 1] = '\0';
	pt_err(-e.err, "%s", e.msg);
	return e.err == ENOENT ? 127 : 126;
}

int sandbox_spawn(json_t *state, char **argv, int out_fd, pid_t *ret_pid)
{
	pid_t pid, parent = getpid();
	int p[2], r;

	if (pipe2(p, O_CLOEXEC) < 0)
		return pt_err(-errno, "pipe: %m");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = pt_err(-errno, "fork: %m");
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		close(p[0]);
		child(state, argv, out_fd, p[1], parent);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(p[1]);
	r = spawn_result(p[0], pid);
	close(p[0]);
	if (r == 0)
		*ret_pid = pid;
	return r;
}

int sandbox_enter(pid_t pid)
{
	static const struct {
		const char *ns;
		int type;
	} order[] = { { "net", CLONE_NEWNET }, { "uts", CLONE_NEWUTS }, { "mnt", CLONE_NEWNS } };
	int fds[3];

	/* Open all first: after entering the mount namespace /proc may differ. */
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, order[i].ns);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			return pt_err(-errno, "cannot open %s: %m", path);
	}
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (setns(fds[i], order[i].type) < 0)
			return pt_err(-errno, "cannot enter the %s namespace of %d: %m", order[i].ns, (int)pid);
		close(fds[i]);
	}
	return 0;
}
