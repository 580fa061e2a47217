/* Loading network configuration lists the way a CNI runtime does (see
 * conflist.h). The rules follow the spec's "Network configuration lists"
 * section and libcni's reading of it: name and plugins required, each plugin
 * needs a type, a lone plugin config is a list of one. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cni/conf.h"
#include "cni/conflist.h"
#include "cni/env.h"
#include "cni/error.h"
#include "cni/version.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

static int highest_supported(json_t *versions, const char **ret)
{
	const char *best = NULL;
	size_t i;
	json_t *v;

	json_array_foreach(versions, i, v) {
		if (!json_is_string(v))
			return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
					   "cniVersions[%zu]: must be a string", i);
		if (cni_version_supported(json_string_value(v)) &&
		    (!best || cni_version_cmp(json_string_value(v), best) > 0))
			best = json_string_value(v);
	}
	if (best)
		*ret = best;
	return 0;
}

int cni_conflist_select_version(json_t *doc, const char **ret)
{
	const char *v = NULL, *best = NULL;
	json_t *versions = NULL;
	int r;

	r = json_opt_string(doc, "cniVersion", NULL, &v);
	if (r >= 0)
		r = json_opt_array(doc, "cniVersions", NULL, &versions);
	if (r < 0)
		return r;
	if (versions && (r = highest_supported(versions, &best)) < 0)
		return r;
	if (best) {
		*ret = best;
		return 0;
	}
	if (!v && !versions)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "cniVersion: missing");
	if (v && cni_version_supported(v)) {
		*ret = v;
		return 0;
	}
	return pt_err_code(-EPROTONOSUPPORT, CNI_ERR_INCOMPATIBLE_VERSION,
			   "cniVersion \"%s\"%s: not supported (pontoon speaks 0.1.0 to %s)",
			   v ? v : "", versions ? " and every entry of cniVersions" : "",
			   CNI_VERSION_LATEST);
}

/* disableCheck/disableGC: a bool, or the strings "true"/"false" libcni
 * also takes. */
static int opt_flag(json_t *doc, const char *key, bool *ret)
{
	json_t *v = json_object_get(doc, key);

	if (!v || json_is_null(v))
		return 0;
	if (json_is_boolean(v)) {
		*ret = json_is_true(v);
		return 0;
	}
	if (json_is_string(v) && (strcasecmp(json_string_value(v), "true") == 0 ||
				  strcasecmp(json_string_value(v), "false") == 0)) {
		*ret = strcasecmp(json_string_value(v), "true") == 0;
		return 0;
	}
	return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s: must be a boolean", key);
}

static int add_plugin(struct cni_conflist *l, json_t *p, size_t i)
{
	json_t *type = json_object_get(p, "type");

	if (!json_is_object(p))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "plugins[%zu]: must be an object", i);
	if (!json_is_string(type) || json_string_length(type) == 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "plugins[%zu].type: missing", i);
	l->plugins[l->n_plugins].type = json_string_value(type);
	l->plugins[l->n_plugins].json = json_incref(p);
	l->n_plugins++;
	return 0;
}

static int fill_plugins(struct cni_conflist *l)
{
	json_t *list = json_object_get(l->json, "plugins");
	size_t i;
	json_t *p;
	int r;

	if (!list && json_object_get(l->json, "type")) {
		/* A single plugin config: a list of one. */
		l->plugins = calloc(1, sizeof(*l->plugins));
		return l->plugins ? add_plugin(l, l->json, 0) : -ENOMEM;
	}
	if (!json_is_array(list) || json_array_size(list) == 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "plugins: missing or empty");
	l->plugins = calloc(json_array_size(list), sizeof(*l->plugins));
	if (!l->plugins)
		return -ENOMEM;
	json_array_foreach(list, i, p)
		if ((r = add_plugin(l, p, i)) < 0)
			return r;
	return 0;
}

static int fill(struct cni_conflist *l)
{
	const char *name = NULL, *version;
	int r;

	if (!json_is_object(l->json))
		return pt_err_code(-EINVAL, CNI_ERR_DECODE, "must be a JSON object");
	r = json_opt_string(l->json, "name", NULL, &name);
	if (r < 0)
		return r;
	if (!name || !cni_valid_id(name))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "name: \"%s\" must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$",
				   name ? name : "");
	r = cni_conflist_select_version(l->json, &version);
	if (r >= 0)
		r = opt_flag(l->json, "disableCheck", &l->disable_check);
	if (r >= 0)
		r = opt_flag(l->json, "disableGC", &l->disable_gc);
	if (r >= 0)
		r = fill_plugins(l);
	if (r < 0)
		return r;
	l->name = strdup(name);
	l->cni_version = strdup(version);
	return l->name && l->cni_version ? 0 : -ENOMEM;
}

int cni_conflist_parse(const char *buf, size_t len, const char *origin, struct cni_conflist **ret)
{
	struct cni_conflist *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	r = json_parse_buffer(buf, len, &l->json);
	if (r >= 0)
		r = fill(l);
	if (r < 0) {
		cni_conflist_free(l);
		return origin ? pt_err_wrap(r, "%s", origin) : r;
	}
	*ret = l;
	return 0;
}

int cni_conflist_load_file(const char *path, struct cni_conflist **ret)
{
	_cleanup_free_ char *buf = NULL;
	struct cni_conflist *l;
	size_t len;
	int r;

	/* a FIFO among the configs must not hold up every command */
	r = read_regular_file(path, 0, CNI_CONF_MAX, &buf, &len);
	if (r < 0)
		return pt_err_recode(r, CNI_ERR_IO);
	r = cni_conflist_parse(buf, len, path, &l);
	if (r < 0)
		return r;
	l->path = strdup(path);
	if (!l->path) {
		cni_conflist_free(l);
		return -ENOMEM;
	}
	*ret = l;
	return 0;
}

void cni_conflist_free(struct cni_conflist *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_plugins; i++)
		json_decref(l->plugins[i].json);
	free(l->plugins);
	json_decref(l->json);
	free(l->name);
	free(l->cni_version);
	free(l->path);
	free(l);
}

void cni_conflist_freep(struct cni_conflist **l)
{
	cni_conflist_free(*l);
}

bool cni_conflist_file_name(const char *name)
{
	static const char *const exts[] = { ".conf", ".conflist", ".json" };
	size_t n = strlen(name);

	if (name[0] == '.')
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t e = strlen(exts[i]);

		if (n > e && strcmp(name + n - e, exts[i]) == 0)
			return true;
	}
	return false;
}

static int filter_names(const struct dirent *d)
{
	return cni_conflist_file_name(d->d_name);
}

void cni_conflist_free_all(struct cni_conflist **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cni_conflist_free(v[i]);
	free(v);
}

/* cni_conflist_load_file's errors name the file; an out-of-memory one may
 * record nothing. */
static void note_unread(struct cni_conflist_unread *unread, const char *path)
{
	if (unread && unread->n++ == 0)
		snprintf(unread->first, sizeof(unread->first), "%s",
			 pt_err_msg()[0] ? pt_err_msg() : path);
}

int cni_conflist_load_dir(const char *dir, struct cni_conflist ***ret, size_t *ret_n,
			  struct cni_conflist_unread *unread)
{
	struct dirent **ents = NULL;
	struct cni_conflist **v;
	size_t n = 0;
	int m, r = 0;

	m = scandir(dir, &ents, filter_names, alphasort);
	if (m < 0 && errno != ENOENT)
		return pt_err_code(-errno, CNI_ERR_IO, "%s: %m", dir);
	v = calloc(m > 0 ? m : 1, sizeof(*v));
	if (!v)
		r = -ENOMEM;
	for (int i = 0; i < m; i++) {
		_cleanup_free_ char *path = NULL;

		if (r == 0 && asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0) {
			path = NULL;
			r = -ENOMEM;
		}
		if (r == 0) {
			pt_err_clear();
			if (cni_conflist_load_file(path, &v[n]) >= 0)
				n++;
			else
				note_unread(unread, path);
		}
		free(ents[i]);
	}
	free(ents);
	if (r < 0) {
		cni_conflist_free_all(v, n);
		return r;
	}
	pt_err_clear();
	*ret = v;
	*ret_n = n;
	return 0;
}

int cni_conflist_find(const char *dir, const char *name, struct cni_conflist **ret,
		      struct cni_conflist_unread *unread)
{
	struct cni_conflist **v;
	size_t n;
	int r;

	r = cni_conflist_load_dir(dir, &v, &n, unread);
	if (r < 0)
		return r;
	r = pt_err(-ENOENT, "no network named \"%s\" in %s", name, dir);
	for (size_t i = 0; i < n; i++)
		if (r < 0 && strcmp(v[i]->name, name) == 0) {
			*ret = TAKE_PTR(v[i]);
			r = 0;
		}
	cni_conflist_free_all(v, n);
	if (r == 0)
		pt_err_clear();
	return r;
}

bool cni_netconf_has_capability(const struct cni_netconf *p, const char *cap)
{
	return json_is_true(json_object_get(json_object_get(p->json, "capabilities"), cap));
}

bool cni_conflist_has_capability(const struct cni_conflist *l, const char *cap)
{
	for (size_t i = 0; i < l->n_plugins; i++)
		if (cni_netconf_has_capability(&l->plugins[i], cap))
			return true;
	return false;
}
