/* The plugin's environment: CNI_COMMAND and the variables each command needs,
 * validated (container id and interface name can never escape a directory). */
#pragma once

#include <stdbool.h>

enum cni_cmd {
	CNI_CMD_ADD,
	CNI_CMD_DEL,
	CNI_CMD_CHECK,
	CNI_CMD_STATUS,
	CNI_CMD_GC,
	CNI_CMD_VERSION,
};

struct cni_env {
	enum cni_cmd cmd;
	const char *container_id;	/* ADD, DEL, CHECK */
	const char *netns;		/* ADD, CHECK; optional for DEL */
	const char *ifname;		/* ADD, DEL, CHECK */
	const char *args;		/* CNI_ARGS, optional */
	const char *path;		/* CNI_PATH: ADD, CHECK, DEL, GC */
};

/* Reads the variables with getenv(); the strings stay owned by the
 * environment. A missing or bad variable: -EINVAL with CNI code 4 and a
 * message naming it. */
int cni_env_load(struct cni_env *ret);
/* The same checks on an already filled struct (for in-process delegation). */
int cni_env_validate(const struct cni_env *env);

const char *cni_cmd_name(enum cni_cmd cmd);
int cni_cmd_parse(const char *s, enum cni_cmd *ret);

/* ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ — container ids and network names. */
bool cni_valid_id(const char *s);
/* A Linux interface name: 1..15 bytes, no '/', ':', whitespace, not "." or "..". */
bool cni_valid_ifname(const char *s);
