/* The driver every plugin runs through: environment, config, version
 * gates, the plugin's operation, then the result or the error JSON, the
 * way the reference's skel does it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni/error.h"
#include "cni/gclock.h"
#include "cni/plugin.h"
#include "cni/version.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

/* The lowest config version each command exists in (skel's gates). */
static const char *min_version(enum cni_cmd cmd)
{
	switch (cmd) {
	case CNI_CMD_CHECK:
		return "0.4.0";
	case CNI_CMD_STATUS:
	case CNI_CMD_GC:
		return "1.1.0";
	default:
		return NULL;
	}
}

/* The version to put in an error when the config could not be parsed:
 * its own cniVersion if it names one we know, else the latest. */
static const char *fallback_version(const char *conf, size_t len, char *buf, size_t size)
{
	_cleanup_json_ json_t *j = json_loadb(conf, len, 0, NULL);
	json_t *v = json_object_get(j, "cniVersion");
	const char *s = json_is_string(v) ? json_string_value(v) : "";

	snprintf(buf, size, "%s", cni_version_supported(s) ? s : CNI_VERSION_LATEST);
	return buf;
}

static int print_result(const struct cni_call *c, FILE *out)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *s = NULL;
	int r;

	if (!c->result)
		return pt_err_code(-EINVAL, CNI_ERR_INTERNAL, "%s: ADD returned no result",
				   c->conf->type);
	r = cni_result_to_json(c->result, c->conf->cni_version, &j);
	if (r < 0)
		return r;
	/* Indented by 4 like the reference, which runtimes and people read. */
	s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	if (!s)
		return -ENOMEM;
	fputs(s, out);
	fputc('\n', out);
	return fflush(out) == 0 ? 0 : pt_err_code(-EIO, CNI_ERR_IO, "cannot write result: %m");
}

static int call_op(const struct cni_plugin *p, struct cni_call *c)
{
	int (*op)(struct cni_call *) = NULL;

	switch (c->env->cmd) {
	case CNI_CMD_ADD:
		op = p->add;
		break;
	case CNI_CMD_DEL:
		op = p->del;
		break;
	case CNI_CMD_CHECK:
		op = p->check;
		break;
	case CNI_CMD_STATUS:
		op = p->status;
		break;
	case CNI_CMD_GC:
		op = p->gc;
		break;
	case CNI_CMD_VERSION:
		break;
	}
	if (!op && c->env->cmd == CNI_CMD_ADD)
		return pt_err_code(-EOPNOTSUPP, CNI_ERR_INTERNAL, "%s: ADD is not implemented", p->type);
	return op ? op(c) : 0;
}

/* ---- the GC lock (gclock.h) ----
 *
 * Taken before the plugin does anything, so before the IPAM store's own
 * lock, always in that order. A delegate (the IPAM plugin a plugin runs)
 * sees PONTOON_GC_LOCKED in its environment and takes nothing: its parent
 * holds the lock, and an exclusive one taken again from the child would
 * wait forever. Only plugins with a GC take it: the others have nothing to
 * keep apart. Best effort: where the lock file cannot be made or opened,
 * the plugin runs unlocked, as before. */
#define GC_LOCK_ENV "PONTOON_GC_LOCKED"

/* The lock's descriptor (gc_unlockp releases it), or -1 when none is taken. */
static int gc_lock(const struct cni_plugin *p, const struct cni_call *c)
{
	enum cni_cmd cmd = c->env->cmd;
	int fd;

	if (!p->gc || cmd == CNI_CMD_VERSION || cmd == CNI_CMD_STATUS || getenv(GC_LOCK_ENV))
		return -1;
	fd = cni_gc_lock_take(c->conf->name ? c->conf->name : "", cmd == CNI_CMD_GC, true);
	if (fd < 0)
		return -1;
	setenv(GC_LOCK_ENV, "1", 1);
	return fd;
}

static void gc_unlockp(int *fd)
{
	if (*fd < 0)
		return;
	unsetenv(GC_LOCK_ENV);
	close(*fd);
}

static int run(const struct cni_plugin *p, struct cni_call *c, const char *conf, size_t len,
	       FILE *out)
{
	_cleanup_(gc_unlockp) int lock_fd = -1;
	const char *min = min_version(c->env->cmd);
	int r;

	r = cni_env_validate(c->env);
	if (r < 0)
		return r;
	r = cni_conf_parse(conf, len, &c->conf);
	if (r < 0)
		return r;
	if (min && cni_version_cmp(c->conf->cni_version, min) < 0)
		return pt_err_code(-EINVAL, CNI_ERR_INCOMPATIBLE_VERSION,
				   "cniVersion: config version \"%s\" does not allow %s (needs %s or later)",
				   c->conf->cni_version, cni_cmd_name(c->env->cmd), min);
	r = cni_args_parse(c->env->args, &c->args);
	if (r < 0)
		return r;
	lock_fd = gc_lock(p, c);
	r = call_op(p, c);
	if (r < 0)
		return r;
	if (c->env->cmd == CNI_CMD_ADD)
		return print_result(c, out);
	return 0;
}

int cni_plugin_run(const struct cni_plugin *p, const struct cni_env *env,
		   const char *conf, size_t conf_len, FILE *out)
{
	struct cni_call c = { .env = env };
	char buf[32];
	int r;

	pt_err_clear();
	if (env->cmd == CNI_CMD_VERSION) {
		cni_version_print(out, CNI_VERSION_LATEST);
		return 0;
	}
	r = run(p, &c, conf, conf_len, out);
	if (r < 0)
		cni_error_print(out, c.conf ? c.conf->cni_version
					    : fallback_version(conf, conf_len, buf, sizeof(buf)),
				r);
	cni_result_free(c.result);
	cni_args_free(&c.args);
	cni_conf_free(c.conf);
	return r < 0 ? 1 : 0;
}

int cni_plugin_main(const struct cni_plugin *p)
{
	_cleanup_free_ char *conf = NULL;
	struct cni_env env;
	size_t len;
	int r;

	/* No command at all: a person ran the binary; say what it is. */
	if (!getenv("CNI_COMMAND") || !*getenv("CNI_COMMAND")) {
		fprintf(stderr, "CNI %s plugin (pontoon)\nCNI protocol versions supported:", p->type);
		for (size_t i = 0; cni_supported_versions[i]; i++)
			fprintf(stderr, "%s %s", i ? "," : "", cni_supported_versions[i]);
		fputc('\n', stderr);
		return 0;
	}
	r = cni_env_load(&env);
	if (r >= 0 && env.cmd == CNI_CMD_VERSION) {
		/* The reference answers with its own latest version, whatever
		 * the input says, and never reads stdin. */
		cni_version_print(stdout, CNI_VERSION_LATEST);
		return 0;
	}
	if (r >= 0 && (r = cni_read_all(STDIN_FILENO, &conf, &len)) < 0)
		pt_err_wrap(r, "stdin: network config");
	if (r < 0) {
		cni_error_print(stdout, CNI_VERSION_LATEST, r);
		return 1;
	}
	return cni_plugin_run(p, &env, conf, len, stdout);
}

/* ---- GC ---- */

static int append_attachments(json_t *arr, const char *key, struct cni_attachment **list, size_t *n)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		const char *id = NULL, *ifname = NULL;
		struct cni_attachment *grown;
		char at[96];
		int r;

		snprintf(at, sizeof(at), "%s[%zu]", key, i);
		if (!json_is_object(v))
			return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s: must be an object", at);
		r = json_opt_string(v, "containerID", at, &id);
		if (r >= 0)
			r = json_opt_string(v, "ifname", at, &ifname);
		if (r < 0)
			return r;
		if (!id || !ifname)
			return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s.%s: missing", at,
					   id ? "ifname" : "containerID");
		grown = realloc(*list, (*n + 1) * sizeof(**list));
		if (!grown)
			return -ENOMEM;
		*list = grown;
		(*list)[(*n)++] = (struct cni_attachment){ .container_id = id, .ifname = ifname };
	}
	return 0;
}

int cni_gc_attachments(const struct cni_conf *c, struct cni_attachment **ret, size_t *ret_n)
{
	/* Both keys are read and their lists joined: an attachment either
	 * one calls valid must survive GC. */
	static const char *const keys[] = { "cni.dev/valid-attachments", "cni.dev/attachments" };
	_cleanup_free_ struct cni_attachment *list = NULL;
	size_t n = 0;

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		json_t *arr = NULL;
		int r = json_opt_array(c->json, keys[k], NULL, &arr);

		if (r >= 0 && arr)
			r = append_attachments(arr, keys[k], &list, &n);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(list);
	*ret_n = n;
	return 0;
}
