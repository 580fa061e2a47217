/* Network namespaces by file descriptor.
 *
 * setns() moves only the calling thread, so entering is always paired with
 * leaving through an fd of the namespace we came from; netns_run() makes
 * that pairing impossible to forget. A path is checked to be a network
 * namespace when opened, so a wrong CNI_NETNS fails with a clear message
 * instead of an odd error from the first setns(). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

#include "nl/netns.h"
#include "util/cleanup.h"
#include "util/error.h"

/* A namespace file answers NS_GET_NSTYPE with its kind; anything else
 * (a plain file, a directory, /dev/null) answers ENOTTY. */
static int netns_check(int fd, const char *path)
{
	int type = ioctl(fd, NS_GET_NSTYPE);

	if (type < 0 && errno == ENOTTY)
		return pt_err(-EINVAL, "%s is not a namespace", path);
	if (type < 0)
		return pt_err(-errno, "cannot inspect namespace %s: %s", path, strerror(errno));
	if (type != CLONE_NEWNET)
		return pt_err(-EINVAL, "%s is a namespace, but not a network namespace", path);
	return 0;
}

int netns_open(const char *path, int *ret_fd)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return pt_err(-ENOENT, "network namespace %s does not exist", path);
	if (fd < 0)
		return pt_err(-errno, "cannot open network namespace %s: %s", path, strerror(errno));
	r = netns_check(fd, path);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int netns_open_current(int *ret_fd)
{
	/* thread-self: setns() is per thread, so the process's view may differ. */
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return pt_err(-errno, "cannot open the current network namespace: %s",
			      strerror(errno));
	*ret_fd = fd;
	return 0;
}

int netns_enter(int fd, int *ret_orig_fd)
{
	_cleanup_close_ int orig = -1;
	int r;

	r = netns_open_current(&orig);
	if (r < 0)
		return r;
	if (setns(fd, CLONE_NEWNET) < 0)
		return pt_err(-errno, "cannot enter network namespace (fd %d): %s", fd,
			      strerror(errno));
	*ret_orig_fd = TAKE_FD(orig);
	return 0;
}

int netns_leave(int orig_fd)
{
	int r = 0;

	if (setns(orig_fd, CLONE_NEWNET) < 0)
		r = pt_err(-errno, "cannot return to the original network namespace: %s",
			   strerror(errno));
	close(orig_fd);
	return r;
}

int netns_run(int fd, int (*fn)(void *arg), void *arg)
{
	int orig, r, back;

	r = netns_enter(fd, &orig);
	if (r < 0)
		return r;
	r = fn(arg);
	/* A thread left in the wrong namespace is worse than fn's failure. */
	back = netns_leave(orig);
	return back < 0 ? back : r;
}

bool netns_path_is_stale(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type != NSFS_MAGIC;
}
