/* Running a configuration list's plugins for a runtime (see runtime.h).
 *
 * The rules are the spec's "Execution of network configuration lists":
 * every plugin sees the list's name and selected cniVersion; ADD passes each
 * plugin's result to the next as prevResult; DEL goes in reverse and, from
 * 0.4.0 on, hands every plugin the cached result of ADD; CHECK exists from
 * 0.4.0, STATUS and GC from 1.1.0. A plugin of the runtime's own multi-call
 * binary runs in this process (runtime.h), read exactly as an exec'd one. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni/cache.h"
#include "cni/delegate.h"
#include "cni/error.h"
#include "cni/runtime.h"
#include "cni/version.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

static bool version_at_least(const struct cni_conflist *l, const char *v)
{
	return cni_version_cmp(l->cni_version, v) >= 0;
}

/* The runtimeConfig of plugin p: only the capabilities it declares. */
static int runtime_config(const struct cni_netconf *p, json_t *conf, json_t *capability_args)
{
	json_t *rc = json_object_get(conf, "runtimeConfig");
	const char *key;
	json_t *v;

	if (!capability_args)
		return 0;
	json_object_foreach(capability_args, key, v) {
		if (!cni_netconf_has_capability(p, key))
			continue;
		if (!json_is_object(rc)) {
			rc = json_object();
			if (!rc || json_object_set_new(conf, "runtimeConfig", rc) < 0)
				return -ENOMEM;
		}
		if (json_object_set(rc, key, v) < 0)
			return -ENOMEM;
	}
	return 0;
}

int cni_runtime_plugin_conf(const struct cni_conflist *l, size_t i, json_t *capability_args,
			    json_t *prev_result, json_t **ret)
{
	_cleanup_json_ json_t *conf = NULL;
	int r;

	if (i >= l->n_plugins)
		return -EINVAL;
	conf = json_deep_copy(l->plugins[i].json);
	if (!conf || json_object_set_new(conf, "name", json_string(l->name)) < 0 ||
	    json_object_set_new(conf, "cniVersion", json_string(l->cni_version)) < 0)
		return -ENOMEM;
	/* A single-plugin .conf carries the list-level keys itself. */
	json_object_del(conf, "cniVersions");
	r = runtime_config(&l->plugins[i], conf, capability_args);
	if (r < 0)
		return r;
	if (prev_result && json_object_set(conf, "prevResult", prev_result) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(conf);
	return 0;
}

static void make_env(const struct cni_runtime *rt, const struct cni_rt_attachment *a,
		     enum cni_cmd cmd, struct cni_env *ret)
{
	*ret = (struct cni_env){
		.cmd = cmd,
		.container_id = a ? a->container_id : NULL,
		.netns = a ? a->netns : NULL,
		.ifname = a ? a->ifname : NULL,
		.args = a ? a->cni_args : NULL,
		.path = rt->cni_path,
	};
}

/* ---- plugins run in this process (see runtime.h) ---- */

static bool same_inode(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* The in-process plugin for type, or NULL when it must be exec'd: a
 * third-party binary, or a pontoon-cni other than ours. */
static const struct cni_plugin *inproc_plugin(const struct cni_runtime *rt, const char *type)
{
	char path[4096];
	const char *no = getenv("PONTOON_NO_INPROC");

	if (!rt->inproc_lookup || !rt->inproc_binary || (no && *no && strcmp(no, "0") != 0) ||
	    getenv("PONTOON_TEST_KILL_AT"))
		return NULL;
	if (cni_find_plugin(type, rt->cni_path, path, sizeof(path)) < 0) {
		pt_err_clear();	/* the exec path reports it */
		return NULL;
	}
	return same_inode(path, rt->inproc_binary) ? rt->inproc_lookup(type) : NULL;
}

/* Plugins come back to the namespace they started in; one that did not
 * would leave this process elsewhere, so check, and put it back. */
static int inproc_netns_check(int orig_fd, const char *type)
{
	struct stat a, b;

	if (fstat(orig_fd, &a) < 0 || stat("/proc/thread-self/ns/net", &b) < 0)
		return -errno;
	if (a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		return 0;
	if (setns(orig_fd, CLONE_NEWNET) < 0)
		abort();	/* cannot go on in a container's namespace */
	return pt_err_code(-EIO, CNI_ERR_INTERNAL, "plugin %s left its network namespace", type);
}

static int run_inproc(const struct cni_plugin *p, const char *type, const struct cni_env *env,
		      const char *conf, size_t conf_len, const char *version,
		      struct cni_result **ret)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ json_t *j = NULL;
	_cleanup_close_ int ns = -1;
	char where[128];
	size_t len = 0;
	FILE *f;
	int rc, r;

	ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return pt_err(-errno, "/proc/thread-self/ns/net: %m");
	f = open_memstream(&out, &len);
	if (!f)
		return -ENOMEM;
	rc = cni_plugin_run(p, env, conf, conf_len, f);
	if (fclose(f) != 0)
		return -ENOMEM;
	r = inproc_netns_check(ns, type);
	if (r < 0)
		return r;
	pt_err_clear();
	if (rc != 0)
		return cni_record_plugin_failure(type, W_EXITCODE(rc, 0), out, len);
	if (env->cmd != CNI_CMD_ADD)
		return 0;
	r = json_parse_buffer(out ? out : "", len, &j);
	if (r < 0)
		return pt_err_wrap(r, "result of plugin %s", type);
	snprintf(where, sizeof(where), "result of plugin %s", type);
	return cni_result_parse_full(j, where, version, ret);
}

/* Runs plugin i for cmd; for ADD, *ret_result is its result as JSON in the
 * list's version (what the next plugin gets as prevResult). */
static int run_plugin(const struct cni_runtime *rt, const struct cni_conflist *l, size_t i,
		      enum cni_cmd cmd, const struct cni_rt_attachment *a, json_t *caps,
		      json_t *prev, json_t *extra, json_t **ret_result)
{
	_cleanup_json_ json_t *conf = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_result_ struct cni_result *res = NULL;
	const struct cni_plugin *p;
	struct cni_env env;
	int r;

	r = cni_runtime_plugin_conf(l, i, caps, prev, &conf);
	if (r < 0)
		return r;
	if (extra && json_object_update(conf, extra) < 0)
		return -ENOMEM;
	text = json_dumps(conf, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;
	make_env(rt, a, cmd, &env);
	p = inproc_plugin(rt, l->plugins[i].type);
	if (p)
		r = run_inproc(p, l->plugins[i].type, &env, text, strlen(text), l->cni_version,
			       &res);
	else
		r = cni_delegate(l->plugins[i].type, cmd, &env, text, strlen(text),
				 cmd == CNI_CMD_ADD ? &res : NULL);
	if (r < 0)
		return pt_err_wrap(r, "plugin %s (%s of network %s)", l->plugins[i].type,
				   cni_cmd_name(cmd), l->name);
	if (cmd == CNI_CMD_ADD)
		return cni_result_to_json(res, l->cni_version, ret_result);
	return 0;
}

/* Runs DEL for plugins [0, upto) in reverse; keeps going on errors and
 * returns the first. */
static int del_chain(const struct cni_runtime *rt, const struct cni_conflist *l, size_t upto,
		     const struct cni_rt_attachment *a, json_t *caps, json_t *prev)
{
	char msg[2048] = "";
	int first = 0, code = 0;

	if (!version_at_least(l, "0.4.0"))
		prev = NULL;
	for (size_t i = upto; i-- > 0;) {
		int r = run_plugin(rt, l, i, CNI_CMD_DEL, a, caps, prev, NULL, NULL);

		if (r < 0 && first == 0) {
			first = r;
			code = pt_err_cni_code();
			snprintf(msg, sizeof(msg), "%s", pt_err_msg());
		}
	}
	return first < 0 ? pt_err_code(first, code, "%s", msg) : 0;
}

static int cache_result(const struct cni_runtime *rt, const struct cni_conflist *l,
			const struct cni_rt_attachment *a, json_t *result)
{
	struct cni_cache_entry e = {
		.network = l->name,
		.container_id = (char *)a->container_id,
		.ifname = (char *)a->ifname,
		.netns = (char *)a->netns,
		.cni_args = (char *)a->cni_args,
		.capability_args = a->capability_args,
		.result = result,
	};

	return cni_cache_write(rt->cache_dir, &e);
}

int cni_runtime_add(const struct cni_runtime *rt, const struct cni_conflist *l,
		    const struct cni_rt_attachment *a, struct cni_result **ret)
{
	_cleanup_json_ json_t *prev = NULL;
	char msg[2048];
	int r = 0, code;
	size_t i;

	for (i = 0; i < l->n_plugins && r >= 0; i++) {
		json_t *next = NULL;

		r = run_plugin(rt, l, i, CNI_CMD_ADD, a, a->capability_args, prev, NULL, &next);
		if (r >= 0) {
			json_decref(prev);
			prev = next;
		}
	}
	if (r >= 0)
		r = cache_result(rt, l, a, prev);
	if (r >= 0 && ret)
		r = cni_result_parse_full(prev, "result", l->cni_version, ret);
	if (r >= 0)
		return 0;
	/* Undo what the plugins that ran did, then report the first error. */
	code = pt_err_cni_code();
	snprintf(msg, sizeof(msg), "%s", pt_err_msg());
	(void)del_chain(rt, l, i, a, a->capability_args, prev);
	(void)cni_cache_remove(rt->cache_dir, l->name, a->container_id, a->ifname);
	return pt_err_code(r, code, "%s", msg);
}

int cni_runtime_del(const struct cni_runtime *rt, const struct cni_conflist *l,
		    const struct cni_rt_attachment *a)
{
	struct cni_cache_entry e = { 0 };
	struct cni_rt_attachment at = *a;
	int r;

	r = cni_cache_read(rt->cache_dir, l->name, a->container_id, a->ifname, &e);
	if (r < 0 && r != -ENOENT)
		return r;
	if (!at.capability_args)
		at.capability_args = e.capability_args;
	if (!at.netns)
		at.netns = e.netns;
	if (!at.cni_args)
		at.cni_args = e.cni_args;
	r = del_chain(rt, l, l->n_plugins, &at, at.capability_args, e.result);
	if (r >= 0)
		r = cni_cache_remove(rt->cache_dir, l->name, a->container_id, a->ifname);
	cni_cache_entry_clear(&e);
	return r;
}

int cni_runtime_check(const struct cni_runtime *rt, const struct cni_conflist *l,
		      const struct cni_rt_attachment *a)
{
	struct cni_cache_entry e = { 0 };
	json_t *caps;
	int r = 0;

	if (!version_at_least(l, "0.4.0"))
		return pt_err_code(-EOPNOTSUPP, CNI_ERR_INCOMPATIBLE_VERSION,
				   "network %s: configuration version \"%s\" does not support CHECK",
				   l->name, l->cni_version);
	if (l->disable_check)
		return 0;
	r = cni_cache_read(rt->cache_dir, l->name, a->container_id, a->ifname, &e);
	if (r < 0)
		return pt_err_wrap(r, "network %s: cannot CHECK %s/%s", l->name, a->container_id,
				   a->ifname);
	caps = a->capability_args ? a->capability_args : e.capability_args;
	for (size_t i = 0; i < l->n_plugins && r >= 0; i++)
		r = run_plugin(rt, l, i, CNI_CMD_CHECK, a, caps, e.result, NULL, NULL);
	cni_cache_entry_clear(&e);
	return r;
}

int cni_runtime_status(const struct cni_runtime *rt, const struct cni_conflist *l)
{
	int r = 0;

	if (!version_at_least(l, "1.1.0"))
		return 0;
	for (size_t i = 0; i < l->n_plugins && r >= 0; i++)
		r = run_plugin(rt, l, i, CNI_CMD_STATUS, NULL, NULL, NULL, NULL, NULL);
	return r;
}

static bool is_valid(const struct cni_cache_entry *e, const struct cni_attachment *valid,
		     size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(valid[i].container_id, e->container_id) == 0 &&
		    strcmp(valid[i].ifname, e->ifname) == 0)
			return true;
	return false;
}

static int del_stale(const struct cni_runtime *rt, const struct cni_conflist *l,
		     const struct cni_attachment *valid, size_t n_valid, size_t *ret_n)
{
	struct cni_cache_entry *v;
	size_t n, deleted = 0;
	int r, first = 0;

	r = cni_cache_list(rt->cache_dir, l->name, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct cni_rt_attachment a = {
			.container_id = v[i].container_id,
			.ifname = v[i].ifname,
			.netns = v[i].netns,
			.cni_args = v[i].cni_args,
			.capability_args = v[i].capability_args,
		};

		if (is_valid(&v[i], valid, n_valid))
			continue;
		r = cni_runtime_del(rt, l, &a);
		if (r < 0 && first == 0)
			first = r;
		else if (r >= 0)
			deleted++;
	}
	cni_cache_entries_free(v, n);
	*ret_n = deleted;
	return first;
}

static json_t *valid_attachments(const struct cni_attachment *valid, size_t n)
{
	json_t *arr = json_array(), *extra;

	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "containerID",
						     valid[i].container_id, "ifname", valid[i].ifname));
	extra = json_object();
	if (arr && extra)
		json_object_set_new(extra, "cni.dev/valid-attachments", arr);
	else
		json_decref(arr);
	return extra;
}

int cni_runtime_gc_cached(const struct cni_runtime *rt, const struct cni_conflist *l,
			  const struct cni_attachment *valid, size_t n_valid,
			  size_t *ret_n_deleted)
{
	size_t deleted = 0;
	int r = del_stale(rt, l, valid, n_valid, &deleted);

	if (r >= 0 && ret_n_deleted)
		*ret_n_deleted = deleted;
	return r;
}

int cni_runtime_gc(const struct cni_runtime *rt, const struct cni_conflist *l,
		   const struct cni_attachment *valid, size_t n_valid, size_t *ret_n_deleted)
{
	_cleanup_json_ json_t *extra = NULL;
	size_t deleted = 0;
	int r;

	r = del_stale(rt, l, valid, n_valid, &deleted);
	if (r >= 0 && !l->disable_gc) {
		bool spec_gc = version_at_least(l, "1.1.0");

		extra = valid_attachments(valid, n_valid);
		if (!extra)
			return -ENOMEM;
		/* Below 1.1.0 the spec has no GC, but pontoon's own plugins (run
		 * in-process) have it at any version: they are asked in 1.1.0,
		 * so a list written as 1.0.0 for other runtimes still loses
		 * what a killed ADD left before any result was cached. */
		if (!spec_gc && json_object_set_new(extra, "cniVersion", json_string("1.1.0")) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < l->n_plugins && r >= 0; i++)
			if (spec_gc || inproc_plugin(rt, l->plugins[i].type))
				r = run_plugin(rt, l, i, CNI_CMD_GC, NULL, NULL, NULL, extra, NULL);
	}
	if (r >= 0 && ret_n_deleted)
		*ret_n_deleted = deleted;
	return r;
}

int cni_runtime_cached_result(const struct cni_runtime *rt, const char *network,
			      const char *container_id, const char *ifname,
			      struct cni_result **ret)
{
	struct cni_cache_entry e = { 0 };
	int r;

	r = cni_cache_read(rt->cache_dir, network, container_id, ifname, &e);
	if (r < 0)
		return r;
	r = e.result ? cni_result_parse_full(e.result, "cached result", NULL, ret)
		     : pt_err(-ENOENT, "no cached result for %s/%s on %s", container_id, ifname,
			      network);
	cni_cache_entry_clear(&e);
	return r;
}
