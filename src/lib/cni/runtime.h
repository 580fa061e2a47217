/* The runtime side of CNI — what libcni is for Go runtimes: run a network
 * configuration list's plugins for one attachment (ADD in order with each
 * result handed to the next as prevResult, DEL in reverse with the cached
 * result, CHECK), ask the plugins for STATUS, and GC a network down to the
 * attachments a runtime says are valid. Capability arguments become
 * runtimeConfig for the plugins that declare them, and only for those. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "cni/conflist.h"
#include "cni/delegate.h"
#include "cni/plugin.h"
#include "cni/result.h"

struct cni_runtime {
	const char *cni_path;	/* CNI_PATH for the plugins (colon-separated) */
	const char *cache_dir;	/* the result cache (cache.h) */
	/* Plugins linked into the runtime's own program: when CNI_PATH
	 * resolves a type to inproc_binary (same inode: the very multi-call
	 * binary these plugins were built into) and inproc_lookup knows the
	 * type, the plugin runs in this process, with the same environment and
	 * config bytes and the same output parsing as the exec path, which
	 * saves a fork+exec per plugin. NULL: always exec. PONTOON_NO_INPROC=1
	 * (or the plugin test hook PONTOON_TEST_KILL_AT) forces exec. */
	const char *inproc_binary;
	cni_plugin_lookup_fn inproc_lookup;
};

/* One attachment of a container to a network. */
struct cni_rt_attachment {
	const char *container_id;
	const char *netns;		/* path; may be NULL for DEL */
	const char *ifname;
	const char *cni_args;		/* CNI_ARGS, may be NULL */
	/* {"portMappings": [...], "ips": [...], "mac": "...", "bandwidth": {...}}
	 * or NULL. For DEL and CHECK, NULL means the ones cached at ADD. */
	json_t *capability_args;
};

/* The config plugin i sees: its own object plus name, cniVersion, the
 * runtimeConfig of its declared capabilities and prevResult (NULL: none).
 * Exposed for tests. */
int cni_runtime_plugin_conf(const struct cni_conflist *l, size_t i, json_t *capability_args,
			    json_t *prev_result, json_t **ret);

/* ADD: every plugin in order. On success the result is cached and returned
 * (ret may be NULL). When a plugin fails, the plugins already run are DELed
 * (best effort) so nothing stays allocated, and the error is returned. */
int cni_runtime_add(const struct cni_runtime *rt, const struct cni_conflist *l,
		    const struct cni_rt_attachment *a, struct cni_result **ret);
/* DEL: every plugin in reverse, prevResult the cached result (for 0.4.0 and
 * later); then the cache entry goes. Succeeds when there is nothing to do. */
int cni_runtime_del(const struct cni_runtime *rt, const struct cni_conflist *l,
		    const struct cni_rt_attachment *a);
/* CHECK (0.4.0 and later; does nothing when the list has disableCheck). */
int cni_runtime_check(const struct cni_runtime *rt, const struct cni_conflist *l,
		      const struct cni_rt_attachment *a);
/* STATUS of every plugin (1.1.0; a list of an older version is ready). */
int cni_runtime_status(const struct cni_runtime *rt, const struct cni_conflist *l);
/* GC: first DEL every cached attachment of the network not in valid[], then
 * (1.1.0, unless disableGC) GC every plugin with cni.dev/valid-attachments.
 * The plugins release whatever valid[] does not name, including what other
 * runtimes attached: call it only on a network whose every attachment the
 * caller knows (one it owns). Plugins linked in (inproc) are asked at
 * 1.1.0 even when the list says less.
 * *ret_n_deleted (may be NULL) counts the stale attachments DELed. */
int cni_runtime_gc(const struct cni_runtime *rt, const struct cni_conflist *l,
		   const struct cni_attachment *valid, size_t n_valid, size_t *ret_n_deleted);
/* Only the first step: DEL the attachments of this runtime's cache (which
 * holds nothing another runtime made) not in valid[]; no plugin GC. For a
 * network other runtimes may share. */
int cni_runtime_gc_cached(const struct cni_runtime *rt, const struct cni_conflist *l,
			  const struct cni_attachment *valid, size_t n_valid,
			  size_t *ret_n_deleted);

/* The cached final result of an attachment as a parsed result; -ENOENT
 * when none. */
int cni_runtime_cached_result(const struct cni_runtime *rt, const char *network,
			      const char *container_id, const char *ifname,
			      struct cni_result **ret);
