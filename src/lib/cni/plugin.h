/* The plugin side of CNI: what one plugin implements and the driver that
 * reads the environment and stdin, calls it, and prints the result or the
 * error JSON. */
#pragma once

#include <stdio.h>

#include "cni/args.h"
#include "cni/conf.h"
#include "cni/env.h"
#include "cni/result.h"

struct cni_call {
	const struct cni_env *env;
	struct cni_conf *conf;
	struct cni_args args;		/* CNI_ARGS parsed */
	/* ADD fills this; the driver prints it in conf->cni_version. CHECK,
	 * DEL, GC, STATUS leave it NULL and print nothing on success. */
	struct cni_result *result;
};

struct cni_plugin {
	const char *type;		/* "bridge", "host-local", ... */
	int (*add)(struct cni_call *c);
	int (*del)(struct cni_call *c);
	int (*check)(struct cni_call *c);	/* NULL: CHECK succeeds */
	int (*status)(struct cni_call *c);	/* NULL: STATUS succeeds */
	int (*gc)(struct cni_call *c);		/* NULL: GC succeeds */
};

/* Runs one command of p with env and the config bytes, writes the result or
 * error JSON to out. Returns the process exit code (0, or 1 on error). */
int cni_plugin_run(const struct cni_plugin *p, const struct cni_env *env,
		   const char *conf, size_t conf_len, FILE *out);

/* main() of a plugin: loads the environment and stdin, then cni_plugin_run().
 * VERSION is answered without reading a config's type. */
int cni_plugin_main(const struct cni_plugin *p);

/* GC: the attachments the runtime says are valid (cni.dev/valid-attachments,
 * or the older cni.dev/attachments), as container-id/ifname pairs. */
struct cni_attachment {
	const char *container_id;
	const char *ifname;
};
int cni_gc_attachments(const struct cni_conf *c, struct cni_attachment **ret, size_t *ret_n);
