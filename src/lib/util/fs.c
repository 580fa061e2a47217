/* File-system helpers; see fs.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"

/* Directories shorter than split bytes get parents_mode, the others mode. */
static int mkdir_tree(const char *dir, size_t split, mode_t parents_mode, mode_t mode)
{
	_cleanup_free_ char *p = strdup(dir);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, (size_t)(s - p) < split ? parents_mode : mode) < 0 && errno != EEXIST)
				return pt_err(-errno, "cannot create %s: %s", p, strerror(errno));
			*s = '/';
		}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return pt_err(-errno, "cannot create %s: %s", p, strerror(errno));
	return 0;
}

int mkdir_p(const char *dir, mode_t mode)
{
	return mkdir_tree(dir, strlen(dir), 0755, mode);
}

int mkdir_p_private(const char *top, const char *dir)
{
	size_t n = strlen(top);

	if (strncmp(dir, top, n) != 0 || (dir[n] != '\0' && dir[n] != '/'))
		return pt_err(-EINVAL, "%s is not under %s", dir, top);
	return mkdir_tree(dir, n, 0755, 0700);
}

/* "16 MiB", "64 KiB" or "100 bytes", for an error. */
static const char *size_text(size_t n, char buf[32])
{
	if (n >= (1u << 20) && n % (1u << 20) == 0)
		snprintf(buf, 32, "%zu MiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, 32, "%zu KiB", n >> 10);
	else
		snprintf(buf, 32, "%zu bytes", n);
	return buf;
}

int read_all_max(int fd, const char *what, size_t max, size_t hint, char **ret, size_t *ret_len)
{
	const char *pre = what ? what : "", *sep = what ? ": " : "";
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, size = 0;
	char t[32];

	/* The buffer grows to max + 1 at most: filling that is the one way
	 * past max, and it is caught before the next read. */
	for (;;) {
		ssize_t n;

		if (len == size) {
			char *p;

			if (size > max)
				return pt_err(-EFBIG, "%s%slarger than %s", pre, sep, size_text(max, t));
			size = size ? 2 * size : hint + 1;
			if (size > max + 1)
				size = max + 1;
			p = realloc(buf, size + 1);
			if (!p)
				return -ENOMEM;
			buf = p;
		}
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pt_err(-errno, "%s%sread error: %s", pre, sep, strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int read_regular_file(const char *path, int flags, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags);
	struct stat st;
	char t[32];

	if (fd < 0)
		return pt_err(-errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return pt_err(-errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return pt_err(-EINVAL, "%s: not a regular file", path);
	if ((unsigned long long)st.st_size > max)
		return pt_err(-EFBIG, "%s: larger than %s", path, size_text(max, t));
	return read_all_max(fd, path, max, (size_t)st.st_size, ret, ret_len);
}
