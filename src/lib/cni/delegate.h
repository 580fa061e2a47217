/* Running another plugin (an IPAM plugin, or a chain's next plugin) through
 * CNI_PATH, as the spec says: same environment, its config on stdin, its
 * result or error JSON on stdout.
 *
 * When the binary found in CNI_PATH is pontoon-cni itself (same inode as
 * /proc/self/exe), the plugin is run in this process instead: the bytes in
 * and out are the same, one fork+exec is saved on every ADD and DEL. */
#pragma once

#include "cni/env.h"
#include "cni/result.h"

struct cni_plugin;

/* Called to find an in-process plugin by type; set by the multi-call binary. */
typedef const struct cni_plugin *(*cni_plugin_lookup_fn)(const char *type);
void cni_delegate_set_lookup(cni_plugin_lookup_fn fn);
/* Another binary that counts as this one: the CLI, which contains the
 * plugins, names the pontoon-cni it would otherwise exec. */
void cni_delegate_set_self(const char *path);

/* Runs plugin `type` for cmd with env (cmd overrides env->cmd) and stdin
 * conf (JSON text). For ADD *ret_result is the parsed result; for other
 * commands ret_result may be NULL. The delegate's error (its code and msg) is
 * recorded as ours and its -errno returned. -ENOENT (CNI code 7... as the
 * reference: "failed to find plugin X in path [...]") when not found. */
int cni_delegate(const char *type, enum cni_cmd cmd, const struct cni_env *env,
		 const char *conf, size_t conf_len, struct cni_result **ret_result);

/* Records a failed plugin's error JSON (out, len bytes of its stdout) as
 * ours — its code and message — and returns the matching -errno. status is
 * its wait status (for the message when it printed nothing). */
int cni_record_plugin_failure(const char *type, int status, const char *out, size_t len);

/* Finds `type` in the colon-separated path; writes the full path into buf. */
int cni_find_plugin(const char *type, const char *path, char *buf, size_t size);
