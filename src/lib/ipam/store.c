/* The on-disk reservations; see store.h for the layout and why.
 *
 * Modes: the reference makes directories 0755 and files 0600. We make the
 * network's own directory 0700 (deliberately stricter: the names in it are
 * the containers' addresses and ids, which only the runtime, root, needs),
 * the parents we create 0755 like the reference (/var/lib/cni is shared
 * with other CNI tools), and every file 0600. Existing modes are left alone.
 *
 * Nothing is fsync()ed, like the reference: the promise is about processes
 * killed at any instant, which the page cache survives. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cni/error.h"
#include "ipam/store.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"

#define LAST_IP_PREFIX "last_reserved_ip."
#define TMP_SUFFIX ".tmp"
#define CONTENT_MAX 512

/* ---- paths and names ---- */

static int open_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : -errno;
	/* First use of this network: create it, then open again. */
	if ((r = mkdir_p(path, 0700)) < 0)
		return r;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

static int attach_name(const char *id, const char *ifname, char *buf)
{
	int n = snprintf(buf, NAME_MAX + 1, "%s:%s", id, ifname);

	if (n < 0 || n > NAME_MAX)
		return pt_err_code(-ENAMETOOLONG, CNI_ERR_INVALID_ENV,
				   "CNI_CONTAINERID: too long for a file name: \"%s\"", id);
	return 0;
}

/* An attachment file: exactly one ':' with something on each side. */
static bool is_attach_name(const char *name)
{
	const char *c = strchr(name, ':');

	return c && c != name && c[1] && !strchr(c + 1, ':');
}

static bool is_tmp_name(const char *name)
{
	size_t n = strlen(name);

	return strncmp(name, LAST_IP_PREFIX, strlen(LAST_IP_PREFIX)) == 0 &&
	       n > strlen(TMP_SUFFIX) && strcmp(name + n - strlen(TMP_SUFFIX), TMP_SUFFIX) == 0;
}

/* ---- file contents ---- */

static int content_format(const char *id, const char *ifname, char *buf)
{
	int n = snprintf(buf, CONTENT_MAX, "%s\r\n%s", id, ifname);

	return n < 0 || n >= CONTENT_MAX ? -ENAMETOOLONG : n;
}

/* Trims white space around the n bytes of buf, as the reference compares
 * contents; the result is NUL-terminated inside buf. */
static char *trim(char *buf, size_t n)
{
	char *s;

	buf[n] = '\0';
	while (n > 0 && strchr(" \t\r\n\v\f", buf[n - 1]))
		buf[--n] = '\0';
	for (s = buf; *s && strchr(" \t\r\n\v\f", *s); s++)
		;
	return s;
}

/* Reads a small file (at most CONTENT_MAX - 1 bytes) into buf; returns the
 * byte count. */
static ssize_t read_small(int dir_fd, const char *name, char *buf)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, CONTENT_MAX - 1);
	return n < 0 ? -errno : n;
}

/* Reads a small file; the content is NUL-terminated and trimmed. */
static int read_trimmed(int dir_fd, const char *name, char *buf, char **ret)
{
	ssize_t n = read_small(dir_fd, name, buf);

	if (n < 0)
		return (int)n;
	*ret = trim(buf, (size_t)n);
	return 0;
}

/* Splits "<id>\r\n<ifname>" in place; *ret_ifname NULL for the old format. */
static void content_split(char *s, char **ret_ifname)
{
	char *crlf = strstr(s, "\r\n");

	*ret_ifname = NULL;
	if (crlf) {
		*crlf = '\0';
		*ret_ifname = crlf + 2;
	}
}

void ipam_store_parse_owner(char *buf, size_t n, char **ret_id, char **ret_ifname)
{
	*ret_id = trim(buf, n);
	content_split(*ret_id, ret_ifname);
}

int ipam_store_parse_last_reserved(char *buf, size_t n, struct ip_addr *ret)
{
	return ip_addr_parse(trim(buf, n), ret);
}

/* ---- open, lock, close ---- */

/* The note on the lock file: see store.h. An extended attribute, so the
 * files the reference compares and reads stay byte for byte its own; where
 * the filesystem has no user attributes there is no note, and every ADD
 * reads the names (always correct, only slower). */
#define NOTE_XATTR "user.pontoon.clean"

static bool note_read(int lock_fd, struct timespec *ret)
{
	struct timespec t;

	if (fgetxattr(lock_fd, NOTE_XATTR, &t, sizeof(t)) != (ssize_t)sizeof(t))
		return false;
	*ret = t;
	return true;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

bool ipam_store_clean(struct ipam_store *s)
{
	struct timespec noted;
	struct stat st;

	return note_read(s->lock_fd, &noted) && fstat(s->dir_fd, &st) == 0 &&
	       same_time(&st.st_mtim, &noted);
}

void ipam_store_note_clean(struct ipam_store *s)
{
	struct stat st;

	if (fstat(s->dir_fd, &st) == 0)
		(void)fsetxattr(s->lock_fd, NOTE_XATTR, &st.st_mtim, sizeof(st.st_mtim), 0);
}

/* A file of the reference's format was seen: no note until it is gone (a
 * stale one could match again only if the clock went back exactly). */
static void note_drop(struct ipam_store *s)
{
	(void)fremovexattr(s->lock_fd, NOTE_XATTR);
}

int ipam_store_open(const char *data_dir, const char *network, struct ipam_store *ret)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int dir_fd = -1, lock_fd = -1;

	if (!network[0] || strchr(network, '/') || !strcmp(network, ".") || !strcmp(network, ".."))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "name: not usable as a directory: \"%s\"",
				   network);
	if (asprintf(&path, "%s/%s", data_dir, network) < 0)
		return -ENOMEM;
	dir_fd = open_dir(path);
	if (dir_fd < 0)
		return pt_err_code(dir_fd, CNI_ERR_IO, "ipam.dataDir: cannot open %s: %s", path,
				   strerror(-dir_fd));
	lock_fd = openat(dir_fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock_fd < 0)
		return pt_err_code(-errno, CNI_ERR_IO, "cannot open %s/lock: %m", path);
	while (flock(lock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return pt_err_code(-errno, CNI_ERR_IO, "cannot lock %s/lock: %m", path);
	ret->dir_fd = TAKE_FD(dir_fd);
	ret->lock_fd = TAKE_FD(lock_fd);
	return 0;
}

void ipam_store_close(struct ipam_store *s)
{
	/* Closing the last descriptor drops the flock. */
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	s->lock_fd = s->dir_fd = -1;
}

/* ---- the attachment file ---- */

static int attach_create(struct ipam_store *s, const char *name, const char *content, size_t len)
{
	_cleanup_close_ int fd = openat(s->dir_fd, name,
					O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	ssize_t n;

	if (fd < 0)
		return pt_err_code(-errno, CNI_ERR_IO, "cannot create %s: %m", name);
	n = write(fd, content, len);
	if (n != (ssize_t)len || close(TAKE_FD(fd)) < 0) {
		int err = n < 0 ? -errno : -EIO;

		unlinkat(s->dir_fd, name, 0);
		return pt_err_code(err, CNI_ERR_IO, "cannot write %s: %s", name, strerror(-err));
	}
	return 0;
}

int ipam_store_attach(struct ipam_store *s, const char *id, const char *ifname)
{
	char name[NAME_MAX + 1], want[CONTENT_MAX], buf[CONTENT_MAX], *have = NULL;
	struct stat st;
	int len, err;

	if ((err = attach_name(id, ifname, name)) < 0)
		return err;
	len = content_format(id, ifname, want);
	if (len < 0)
		return pt_err_code(len, CNI_ERR_INVALID_ENV, "CNI_CONTAINERID: too long");
	if (fstatat(s->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISREG(st.st_mode) && read_trimmed(s->dir_fd, name, buf, &have) == 0 &&
		    strcmp(have, want) == 0)
			return 0;
		/* Half written by a process killed while writing it: no
		 * address was linked to it yet, so it is only litter. */
		if (unlinkat(s->dir_fd, name, 0) < 0)
			return pt_err_code(-errno, CNI_ERR_IO, "cannot remove %s: %m", name);
	} else if (errno != ENOENT) {
		return pt_err_code(-errno, CNI_ERR_IO, "cannot stat %s: %m", name);
	}
	return attach_create(s, name, want, len);
}

int ipam_store_detach_if_unused(struct ipam_store *s, const char *id, const char *ifname)
{
	char name[NAME_MAX + 1];
	struct stat st;

	/* An id too long for an attachment file never had one. */
	if (attach_name(id, ifname, name) < 0)
		return 0;
	if (fstatat(s->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (st.st_nlink <= 1 && unlinkat(s->dir_fd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* ---- reservations ---- */

int ipam_store_reserve(struct ipam_store *s, const char *id, const char *ifname,
		       const struct ip_addr *ip)
{
	char name[NAME_MAX + 1], ipname[IP_ADDR_STRLEN];
	int err;

	if ((err = attach_name(id, ifname, name)) < 0)
		return err;
	ip_addr_format(ip, ipname);
	if (linkat(s->dir_fd, name, s->dir_fd, ipname, 0) == 0)
		return 0;
	if (errno == EEXIST)
		return -EEXIST;
	return pt_err_code(-errno, CNI_ERR_IO, "cannot reserve %s: %m", ipname);
}

int ipam_store_unreserve(struct ipam_store *s, const struct ip_addr *ip)
{
	char ipname[IP_ADDR_STRLEN];

	ip_addr_format(ip, ipname);
	if (unlinkat(s->dir_fd, ipname, 0) < 0 && errno != ENOENT)
		return pt_err_code(-errno, CNI_ERR_IO, "cannot release %s: %m", ipname);
	return 0;
}

int ipam_store_last_reserved(struct ipam_store *s, unsigned set, struct ip_addr *ret)
{
	char name[64], buf[CONTENT_MAX];
	ssize_t n;

	snprintf(name, sizeof(name), LAST_IP_PREFIX "%u", set);
	n = read_small(s->dir_fd, name, buf);
	if (n < 0)
		return (int)n;
	return ipam_store_parse_last_reserved(buf, (size_t)n, ret);
}

/* Rewritten in place, not through a temporary file and a rename: it is a
 * hint (where the next search starts), every reader holds the lock, and a
 * file torn by a crash reads as no hint. A new inode per ADD would cost
 * more than the rest of the reservation. */
static int open_hint(int dir_fd, const char *name)
{
	struct stat st;
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		return fd;
	if (fd >= 0)
		close(fd);
	else if (errno != ELOOP && errno != ENXIO)
		return -errno;
	/* Not a regular file (a planted symlink, a FIFO): replace it, as the
	 * rename of a new file would, and never write through it. */
	if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

int ipam_store_set_last_reserved(struct ipam_store *s, unsigned set, const struct ip_addr *ip)
{
	char name[64], text[IP_ADDR_STRLEN];
	_cleanup_close_ int fd = -1;
	size_t len;

	snprintf(name, sizeof(name), LAST_IP_PREFIX "%u", set);
	len = strlen(ip_addr_format(ip, text));
	fd = open_hint(s->dir_fd, name);
	if (fd < 0)
		return pt_err_code(fd, CNI_ERR_IO, "cannot write %s: %s", name, strerror(-fd));
	if (pwrite(fd, text, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) < 0 ||
	    close(TAKE_FD(fd)) < 0)
		return pt_err_code(-EIO, CNI_ERR_IO, "cannot write %s", name);
	return 0;
}

/* ---- walking the directory ---- */

typedef int (*entry_fn)(struct ipam_store *s, const struct dirent *de, void *u);

static int for_each_entry(struct ipam_store *s, entry_fn fn, void *u)
{
	int fd = openat(s->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while (err >= 0 && (errno = 0, de = readdir(d)))
		if (de->d_name[0] != '.')
			err = fn(s, de, u);
	if (err >= 0 && errno)
		err = -errno;
	closedir(d);
	return err;
}

struct ip_list {
	struct ip_addr *v;
	size_t n;
};

static int ip_list_push(struct ip_list *l, const struct ip_addr *a)
{
	struct ip_addr *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	v[l->n++] = *a;
	l->v = v;
	return 0;
}

static int collect_all(struct ipam_store *s, const struct dirent *de, void *u)
{
	struct ip_addr a;

	(void)s;
	if (ip_addr_parse(de->d_name, &a) < 0)
		return 0;
	return ip_list_push(u, &a);
}

int ipam_store_list(struct ipam_store *s, struct ip_addr **ret, size_t *ret_n)
{
	struct ip_list l = { 0 };
	int err = for_each_entry(s, collect_all, &l);

	if (err < 0) {
		free(l.v);
		return err;
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}

/* One pass over the directory's names, no file opened: the inodes of the
 * attachment files and every address with its inode. An address whose
 * inode is no attachment file's was written by the reference plugin (or
 * its links are not visible by inode, on some union file systems); only
 * those are read. */
struct ip_entry {
	struct ip_addr a;
	ino_t ino;
	char name[64];		/* any text inet_pton accepts is shorter */
};

struct dir_index {
	ino_t *attach;
	size_t n_attach;
	struct ip_entry *ips;
	size_t n_ips;
	const char *mine;	/* the attachment file looked for */
	ino_t mine_ino;		/* its inode as readdir() gives it; 0: absent */
};

static void dir_index_free(struct dir_index *x)
{
	free(x->attach);
	free(x->ips);
}

static int index_entry(struct ipam_store *s, const struct dirent *de, void *u)
{
	struct dir_index *x = u;
	struct ip_addr a;

	(void)s;
	if (is_attach_name(de->d_name)) {
		ino_t *v = realloc(x->attach, (x->n_attach + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		/* Compared with the addresses' d_ino, not with stat(): some
		 * union file systems give the two different numbers. */
		if (x->mine && strcmp(de->d_name, x->mine) == 0)
			x->mine_ino = de->d_ino;
		v[x->n_attach++] = de->d_ino;
		x->attach = v;
	} else if (ip_addr_parse(de->d_name, &a) == 0 && strlen(de->d_name) < 64) {
		struct ip_entry *v = realloc(x->ips, (x->n_ips + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		v[x->n_ips] = (struct ip_entry){ .a = a, .ino = de->d_ino };
		strcpy(v[x->n_ips++].name, de->d_name);
		x->ips = v;
	}
	return 0;
}

static int ino_cmp(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;

	return (x > y) - (x < y);
}

static bool is_attach_ino(const struct dir_index *x, ino_t ino)
{
	return x->n_attach && bsearch(&ino, x->attach, x->n_attach, sizeof(ino), ino_cmp);
}

struct owner_match {
	struct ip_list hits, old_hits;
	const char *id, *ifname;
	bool clean;		/* in: noted clean; out: clean (noted or seen) */
};

/* A file of the reference's format: "<id>\r\n<ifname>" or the oldest "<id>". */
static int match_content(struct ipam_store *s, const struct ip_entry *e, struct owner_match *m)
{
	char buf[CONTENT_MAX], *id, *ifname;
	ssize_t n = read_small(s->dir_fd, e->name, buf);

	if (n < 0)
		return 0;
	ipam_store_parse_owner(buf, (size_t)n, &id, &ifname);
	if (strcmp(id, m->id) != 0)
		return 0;
	if (!ifname)
		return ip_list_push(&m->old_hits, &e->a);
	return strcmp(ifname, m->ifname) == 0 ? ip_list_push(&m->hits, &e->a) : 0;
}

/* The attachment's addresses: the links of its attachment file, found by
 * inode, plus the files of the reference's format that name it (written by
 * the reference before or beside pontoon, which have no attachment file).
 * A directory pontoon alone wrote costs one pass over the names. */
static int find_owned(struct ipam_store *s, struct owner_match *m)
{
	char name[NAME_MAX + 1];
	struct dir_index x = { 0 };
	struct stat st;
	int err;

	/* An id too long for an attachment file (pontoon refuses it at ADD;
	 * the reference does not) can only have files of the reference's
	 * format, which the content match below finds. */
	if (attach_name(m->id, m->ifname, name) == 0) {
		x.mine = name;
		if (m->clean && (fstatat(s->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ?
				 errno == ENOENT : st.st_nlink <= 1))
			return 0;	/* no link, and no file of another format */
	} else if (m->clean) {
		return 0;
	}
	err = for_each_entry(s, index_entry, &x);
	if (err < 0)
		goto out;
	if (x.n_attach)
		qsort(x.attach, x.n_attach, sizeof(*x.attach), ino_cmp);
	m->clean = true;
	for (size_t i = 0; i < x.n_ips && err >= 0; i++) {
		const struct ip_entry *e = &x.ips[i];

		if (x.mine_ino && e->ino == x.mine_ino) {
			err = ip_list_push(&m->hits, &e->a);
		} else if (!is_attach_ino(&x, e->ino)) {
			m->clean = false;
			err = match_content(s, e, m);
		}
	}
	if (err >= 0 && m->hits.n == 0) {
		m->hits = m->old_hits;
		m->old_hits = (struct ip_list){ 0 };
	}
out:
	dir_index_free(&x);
	return err < 0 ? err : 0;
}

/* ipam_store_owned, telling also whether the directory is clean (noted,
 * or seen so and noted now). */
static int owned_clean(struct ipam_store *s, const char *id, const char *ifname,
		       struct ip_addr **ret, size_t *ret_n, bool *ret_clean)
{
	struct owner_match m = { .id = id, .ifname = ifname, .clean = ipam_store_clean(s) };
	bool noted = m.clean;
	int err = find_owned(s, &m);

	free(m.old_hits.v);
	if (err < 0) {
		free(m.hits.v);
		return pt_err_code(err, CNI_ERR_IO, "cannot read the reservations: %s",
				   strerror(-err));
	}
	if (m.clean && !noted)
		ipam_store_note_clean(s);
	else if (!m.clean)
		note_drop(s);
	*ret = m.hits.v;
	*ret_n = m.hits.n;
	*ret_clean = m.clean;
	return 0;
}

int ipam_store_owned(struct ipam_store *s, const char *id, const char *ifname,
		     struct ip_addr **ret, size_t *ret_n)
{
	bool clean;

	return owned_clean(s, id, ifname, ret, ret_n, &clean);
}

int ipam_store_release(struct ipam_store *s, const char *id, const char *ifname)
{
	_cleanup_free_ struct ip_addr *ips = NULL;
	size_t n = 0;
	bool clean = false;
	int err;

	err = owned_clean(s, id, ifname, &ips, &n, &clean);
	if (err < 0)
		return err;
	/* Addresses first, the attachment file last: a process killed in
	 * between leaves a file with nothing linked, never a lost address. */
	for (size_t i = 0; i < n; i++)
		if ((err = ipam_store_unreserve(s, &ips[i])) < 0)
			return err;
	err = ipam_store_detach_if_unused(s, id, ifname);
	if (err < 0)
		return pt_err_code(err, CNI_ERR_IO, "cannot remove the attachment file: %s",
				   strerror(-err));
	if (clean)
		ipam_store_note_clean(s);
	return (int)n;
}

/* ---- garbage collection ---- */

struct gc_ctx {
	ipam_store_keep_fn keep;
	void *userdata;
	int released;
};

static int gc_reservation(struct ipam_store *s, const struct dirent *de, void *u)
{
	struct gc_ctx *g = u;
	char buf[CONTENT_MAX], *id, *ifname;
	struct ip_addr a;
	ssize_t n;

	if (is_tmp_name(de->d_name)) {
		unlinkat(s->dir_fd, de->d_name, 0);
		return 0;
	}
	if (ip_addr_parse(de->d_name, &a) < 0 || (n = read_small(s->dir_fd, de->d_name, buf)) < 0)
		return 0;
	ipam_store_parse_owner(buf, (size_t)n, &id, &ifname);
	if (g->keep(id, ifname, g->userdata))
		return 0;
	if (unlinkat(s->dir_fd, de->d_name, 0) < 0 && errno != ENOENT)
		return -errno;
	g->released++;
	return 0;
}

static int gc_attachment(struct ipam_store *s, const struct dirent *de, void *u)
{
	struct gc_ctx *g = u;
	char id[NAME_MAX + 1], *ifname;
	struct stat st;

	if (!is_attach_name(de->d_name) ||
	    fstatat(s->dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	snprintf(id, sizeof(id), "%s", de->d_name);
	ifname = strchr(id, ':');
	*ifname++ = '\0';
	if (st.st_nlink > 1 && g->keep(id, ifname, g->userdata))
		return 0;
	if (unlinkat(s->dir_fd, de->d_name, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int ipam_store_gc(struct ipam_store *s, ipam_store_keep_fn keep, void *userdata)
{
	struct gc_ctx g = { .keep = keep, .userdata = userdata };
	bool clean = ipam_store_clean(s);
	int err;

	/* Reservations first, so that an attachment file whose addresses all
	 * went is seen with nothing linked in the second pass. */
	err = for_each_entry(s, gc_reservation, &g);
	if (err >= 0)
		err = for_each_entry(s, gc_attachment, &g);
	if (err < 0)
		return pt_err_code(err, CNI_ERR_IO, "gc: %s", strerror(-err));
	if (clean)	/* it only removed files */
		ipam_store_note_clean(s);
	return g.released;
}
