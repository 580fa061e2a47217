/* sysctls through /proc/sys. The net.* entries there belong to the network
 * namespace of the thread that opens them, so calling these inside
 * netns_run() changes the container's settings, not the host's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nl/sysctl.h"
#include "util/cleanup.h"
#include "util/error.h"

/* Keys come from configuration (tuning plugin): keep them under /proc/sys. */
static int sysctl_path(const char *key, char *buf, size_t size)
{
	if (!key[0] || key[0] == '/' || strstr(key, ".."))
		return pt_err(-EINVAL, "sysctl key \"%s\" is not a path under /proc/sys", key);
	if ((size_t)snprintf(buf, size, "/proc/sys/%s", key) >= size)
		return pt_err(-ENAMETOOLONG, "sysctl key \"%s\" is too long", key);
	return 0;
}

static int sysctl_open(const char *key, int flags, int *ret_fd)
{
	char path[512];
	int fd, r;

	r = sysctl_path(key, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return pt_err(-ENOENT, "sysctl %s does not exist", key);
	if (fd < 0)
		return pt_err(-errno, "cannot open sysctl %s: %s", key, strerror(errno));
	*ret_fd = fd;
	return 0;
}

int sysctl_write(const char *key, const char *value)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	ssize_t n;
	int r;

	r = sysctl_open(key, O_WRONLY, &fd);
	if (r < 0)
		return r;
	n = write(fd, value, len);
	if (n < 0)
		return pt_err(-errno, "cannot write \"%s\" to sysctl %s: %s", value, key,
			      strerror(errno));
	if ((size_t)n != len)
		return pt_err(-EIO, "short write of \"%s\" to sysctl %s", value, key);
	return 0;
}

int sysctl_read(const char *key, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	ssize_t n;
	int r;

	if (size == 0)
		return pt_err(-EINVAL, "no room to read sysctl %s", key);
	r = sysctl_open(key, O_RDONLY, &fd);
	if (r < 0)
		return r;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return pt_err(-errno, "cannot read sysctl %s: %s", key, strerror(errno));
	buf[n] = '\0';
	if ((size_t)n == size - 1 && read(fd, &(char){ 0 }, 1) == 1)
		return pt_err(-ENOBUFS, "sysctl %s is longer than %zu bytes", key, size - 1);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}
