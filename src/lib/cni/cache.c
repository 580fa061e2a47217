/* The result cache on disk (see cache.h). The file holds the fields libcni
 * keeps in its cache too (kind, containerId, ifName, networkName, netns,
 * cniArgs, capabilityArgs, result), so a person who knows one reads the
 * other. Written to a temporary file and renamed: a reader sees the old
 * entry or the new one, never half of one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni/cache.h"
#include "cni/conf.h"
#include "cni/env.h"
#include "cni/error.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

#define CACHE_KIND "pontoonCacheV1"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

void cni_cache_entry_clear(struct cni_cache_entry *e)
{
	free(e->network);
	free(e->container_id);
	free(e->ifname);
	free(e->netns);
	free(e->cni_args);
	json_decref(e->capability_args);
	json_decref(e->result);
	*e = (struct cni_cache_entry){ 0 };
}

static int check_key(const char *network, const char *container_id, const char *ifname)
{
	if (!network || !cni_valid_id(network))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "invalid network name \"%s\"",
				   network ? network : "");
	if (!container_id || !cni_valid_id(container_id))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV, "invalid container id \"%s\"",
				   container_id ? container_id : "");
	if (!ifname || !cni_valid_ifname(ifname))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV, "invalid interface name \"%s\"",
				   ifname ? ifname : "");
	return 0;
}

static json_t *entry_to_json(const struct cni_cache_entry *e)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "kind", CACHE_KIND, "containerId",
			      e->container_id, "ifName", e->ifname, "networkName", e->network);

	if (o && e->netns)
		json_object_set_new(o, "netns", json_string(e->netns));
	if (o && e->cni_args)
		json_object_set_new(o, "cniArgs", json_string(e->cni_args));
	if (o && e->capability_args)
		json_object_set(o, "capabilityArgs", e->capability_args);
	if (o && e->result)
		json_object_set(o, "result", e->result);
	return o;
}

static int write_atomic(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *tmp = NULL, *path = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = strlen(text), off = 0;

	if (asprintf(&tmp, "%s/.%s.tmp", dir, name) < 0 || asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return pt_err_code(-errno, CNI_ERR_IO, "%s: %m", tmp);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			unlink(tmp);
			return pt_err_code(err, CNI_ERR_IO, "%s: %s", tmp, strerror(-err));
		}
		off += n;
	}
	/* No fsync: it would cost milliseconds on every ADD. The rename alone
	 * keeps readers from ever seeing half an entry; after a power loss an
	 * entry may be missing or unreadable, and DEL then runs without
	 * prevResult, which every plugin must accept anyway. */
	if (rename(tmp, path) < 0) {
		int err = -errno;

		unlink(tmp);
		return pt_err_code(err, CNI_ERR_IO, "%s: %s", path, strerror(-err));
	}
	return 0;
}

int cni_cache_write(const char *dir, const struct cni_cache_entry *e)
{
	_cleanup_json_ json_t *o = NULL;
	_cleanup_free_ char *name = NULL, *text = NULL;
	int r;

	r = check_key(e->network, e->container_id, e->ifname);
	if (r < 0)
		return r;
	r = mkdir_p(dir, 0700);
	if (r < 0)
		return pt_err_code(r, CNI_ERR_IO, "cannot create %s: %s", dir, strerror(-r));
	o = entry_to_json(e);
	if (!o || asprintf(&name, "%s-%s-%s", e->network, e->container_id, e->ifname) < 0)
		return -ENOMEM;
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;
	return write_atomic(dir, name, text);
}

static int dup_str(json_t *o, const char *key, char **ret)
{
	json_t *v = json_object_get(o, key);

	*ret = NULL;
	if (!json_is_string(v))
		return 0;
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

static int entry_from_json(json_t *o, struct cni_cache_entry *ret)
{
	struct cni_cache_entry e = { 0 };
	json_t *v;

	if (!json_is_object(o) || dup_str(o, "networkName", &e.network) < 0 ||
	    dup_str(o, "containerId", &e.container_id) < 0 || dup_str(o, "ifName", &e.ifname) < 0 ||
	    dup_str(o, "netns", &e.netns) < 0 || dup_str(o, "cniArgs", &e.cni_args) < 0)
		goto bad;
	if (!e.network || !e.container_id || !e.ifname)
		goto bad;
	/* GC hands these to DEL and to cni_cache_remove(): an entry naming
	 * what no file could be named after would fail every GC. */
	if (check_key(e.network, e.container_id, e.ifname) < 0) {
		cni_cache_entry_clear(&e);
		return pt_err_wrap(-EINVAL, "not a result cache entry");
	}
	v = json_object_get(o, "capabilityArgs");
	e.capability_args = json_is_object(v) ? json_incref(v) : NULL;
	v = json_object_get(o, "result");
	e.result = json_is_object(v) ? json_incref(v) : NULL;
	*ret = e;
	return 0;
bad:
	cni_cache_entry_clear(&e);
	return pt_err_code(-EINVAL, CNI_ERR_DECODE, "not a result cache entry");
}

/* A cache file as JSON, read the way a network config is: a regular file
 * (a FIFO would hold up every GC), at most 16 MiB, duplicate keys refused,
 * a symlink not followed. */
static int load_json(const char *path, json_t **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = read_regular_file(path, O_NOFOLLOW, CNI_CONF_MAX, &buf, &len);

	if (r == -ENOENT)
		return pt_err_code(-ENOENT, CNI_ERR_IO, "%s: no cached result", path);
	if (r < 0)
		return pt_err_recode(r, CNI_ERR_IO);
	r = json_parse_buffer(buf, len, ret);
	return r < 0 ? pt_err_wrap(r, "%s", path) : 0;
}

/* The entry in the file name; it must be the file's own: with another
 * one, DEL would hand the plugins another attachment's prevResult, and GC
 * would remove another file than the one it read. (Names can collide:
 * network "a-b" with container "c" and network "a" with container "b-c"
 * share a file name, as in libcni's cache.) */
static int read_path(const char *dir, const char *name, struct cni_cache_entry *ret)
{
	_cleanup_free_ char *path = NULL, *own = NULL;
	_cleanup_json_ json_t *o = NULL;
	struct cni_cache_entry e;
	int r;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	r = load_json(path, &o);
	if (r < 0)
		return r;
	r = entry_from_json(o, &e);
	if (r < 0)
		return pt_err_wrap(r, "%s", path);
	if (asprintf(&own, "%s-%s-%s", e.network, e.container_id, e.ifname) < 0) {
		cni_cache_entry_clear(&e);
		return -ENOMEM;
	}
	if (strcmp(own, name) != 0) {
		cni_cache_entry_clear(&e);
		return pt_err_code(-EINVAL, CNI_ERR_DECODE, "%s: holds the entry of %s", path, own);
	}
	*ret = e;
	return 0;
}

int cni_cache_read(const char *dir, const char *network, const char *container_id,
		   const char *ifname, struct cni_cache_entry *ret)
{
	_cleanup_free_ char *name = NULL;
	int r;

	r = check_key(network, container_id, ifname);
	if (r < 0)
		return r;
	if (asprintf(&name, "%s-%s-%s", network, container_id, ifname) < 0)
		return -ENOMEM;
	return read_path(dir, name, ret);
}

int cni_cache_remove(const char *dir, const char *network, const char *container_id,
		     const char *ifname)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL;
	int r;

	r = check_key(network, container_id, ifname);
	if (r < 0)
		return r;
	if (asprintf(&path, "%s/%s-%s-%s", dir, network, container_id, ifname) < 0 ||
	    asprintf(&tmp, "%s/.%s-%s-%s.tmp", dir, network, container_id, ifname) < 0)
		return -ENOMEM;
	if (unlink(path) < 0 && errno != ENOENT)
		return pt_err_code(-errno, CNI_ERR_IO, "%s: %m", path);
	/* What a writer killed before its rename left (write_atomic). */
	if (unlink(tmp) < 0 && errno != ENOENT)
		return pt_err_code(-errno, CNI_ERR_IO, "%s: %m", tmp);
	return 0;
}

void cni_cache_entries_free(struct cni_cache_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cni_cache_entry_clear(&v[i]);
	free(v);
}

int cni_cache_list(const char *dir, const char *network, struct cni_cache_entry **ret,
		   size_t *ret_n)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct cni_cache_entry *v = NULL;
	struct dirent *de;
	size_t n = 0;

	d = opendir(dir);
	if (!d && errno != ENOENT)
		return pt_err_code(-errno, CNI_ERR_IO, "%s: %m", dir);
	while (d && (de = readdir(d))) {
		struct cni_cache_entry e, *nv;

		if (de->d_name[0] == '.' || read_path(dir, de->d_name, &e) < 0)
			continue;
		if (network && strcmp(e.network, network) != 0) {
			cni_cache_entry_clear(&e);
			continue;
		}
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			cni_cache_entry_clear(&e);
			cni_cache_entries_free(v, n);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = e;
	}
	pt_err_clear();
	*ret = v;
	*ret_n = n;
	return 0;
}
