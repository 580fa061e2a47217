/* The GC lock: one file, <root>/run/pontoon/gc.lock, and in it one byte
 * per network, locked with open file description locks (F_OFD_SETLKW): a
 * read lock shared by ADD, DEL and CHECK, a write lock for GC. A file per
 * network would pile up under /run, one per network name ever used (tests
 * included); bytes cost nothing. The byte is a hash of the name: two
 * networks that share one only wait for each other, which is what every
 * network did when the lock was a single flock(). OFD locks, unlike
 * classic fcntl locks, belong to the descriptor, not the process, so a
 * lock taken twice in one process conflicts as it would between two. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cni/gclock.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* FNV-1a of the name, kept below 2^30: the byte of its lock. */
static off_t lock_byte(const char *network)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)network; *p; p++)
		h = (h ^ *p) * 16777619u;
	return (off_t)(h & 0x3fffffff);
}

/* A write lock needs the file open for writing, a read lock for reading:
 * where the file is there but not writable to this process (a read-only
 * mount), ADD, DEL and CHECK still take their shared lock. */
static int lock_file_open(bool exclusive)
{
	const char *root = getenv("PONTOON_ROOT");
	_cleanup_free_ char *dir = NULL, *path = NULL;
	const int flags = O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
	int fd;

	if (asprintf(&dir, "%s/run/pontoon", root ? root : "") < 0 ||
	    asprintf(&path, "%s/gc.lock", dir) < 0)
		return -ENOMEM;
	fd = open(path, flags, 0600);
	if (fd < 0 && errno == ENOENT && mkdir_p(dir, 0700) >= 0)
		fd = open(path, flags, 0600);
	if (fd < 0 && (errno == EACCES || errno == EROFS) && !exclusive)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int cni_gc_lock_take(const char *network, bool exclusive, bool wait)
{
	struct flock l = { .l_type = exclusive ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET,
			   .l_start = lock_byte(network), .l_len = 1 };
	int fd = lock_file_open(exclusive);

	if (fd < 0)
		return fd;
	while (fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &l) < 0) {
		int e = errno == EACCES ? EWOULDBLOCK : errno;

		if (e == EINTR)
			continue;
		close(fd);
		return -e;
	}
	return fd;
}
