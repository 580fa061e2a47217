/* File-system helpers; see fs.h. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"

static int mkdir_tree(const char *dir, mode_t parents_mode, mode_t mode)
{
	_cleanup_free_ char *p = strdup(dir);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, parents_mode) < 0 && errno != EEXIST)
				return pt_err(-errno, "cannot create %s: %s", p, strerror(errno));
			*s = '/';
		}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return pt_err(-errno, "cannot create %s: %s", p, strerror(errno));
	return 0;
}

int mkdir_p(const char *dir, mode_t mode)
{
	return mkdir_tree(dir, 0755, mode);
}

int mkdir_p_private(const char *dir)
{
	return mkdir_tree(dir, 0700, 0700);
}
