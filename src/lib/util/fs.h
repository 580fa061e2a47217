/* Small file-system helpers shared by the plugins and the CLI. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Creates dir and its missing parents (0755), dir itself with mode; an
 * existing directory is fine. -errno with the path in the message. */
int mkdir_p(const char *dir, mode_t mode);
/* Creates dir, which is top or lies under it: top and every directory
 * between it and dir 0700 (a tree only root reads, whose names are nobody
 * else's business), top's own missing parents 0755. */
int mkdir_p_private(const char *top, const char *dir);

/* Reads all of fd into a malloc'd NUL-terminated buffer, at most max bytes
 * (-EFBIG past it); hint is the size expected. Errors start with "what: "
 * when what is not NULL. */
int read_all_max(int fd, const char *what, size_t max, size_t hint, char **ret, size_t *ret_len);

/* Reads the regular file path whole into a malloc'd NUL-terminated buffer,
 * at most max bytes. It is opened without blocking and must be a regular
 * file: a FIFO would wait for a writer, a device might never end. flags
 * adds open flags (O_NOFOLLOW). -ENOENT and the like from open, -EINVAL
 * when not a regular file, -EFBIG past max; the message names path. */
int read_regular_file(const char *path, int flags, size_t max, char **ret, size_t *ret_len);
