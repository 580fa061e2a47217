/* What the subcommands of pontoon share: paths under PONTOON_ROOT, the
 * error and exit-code conventions, output (a table for people and --json
 * from the same data), the state lock, and the models of networks (CNI
 * conflists) and containers (a state file per container). */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <jansson.h>

#include "cni/conflist.h"
#include "cni/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/ipaddr.h"
#include "util/json.h"

/* Exit codes (documented in pontoon(1)). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the system, the kernel or a plugin said no */
	EXIT_USAGE = 2,		/* unknown command or option, malformed argument */
	EXIT_NOTFOUND = 3,	/* no such network or container */
	EXIT_CONFLICT = 4,	/* name taken, subnet overlaps, port published, in use */
};

struct cli_ctx {
	bool json;
	const char *root;		/* "" or $PONTOON_ROOT */
	char conf_dir[PATH_MAX];	/* <root>/etc/cni/net.d */
	char run_dir[PATH_MAX];		/* <root>/run/pontoon */
	char netns_dir[PATH_MAX];	/* <root>/run/pontoon/netns */
	char containers_dir[PATH_MAX];	/* <root>/run/pontoon/containers */
	char dns_dir[PATH_MAX];		/* <root>/run/pontoon/dns */
	char results_dir[PATH_MAX];	/* <root>/var/lib/pontoon/results */
	char ipam_dir[PATH_MAX];	/* <root>/var/lib/cni/networks */
	char cni_path[PATH_MAX * 2];
	const char *cni_path_opt;	/* --cni-path */
	char cni_self[PATH_MAX + 64];	/* our pontoon-cni, whose plugins we also contain */
	struct cni_runtime rt;
};
extern struct cli_ctx cli;

/* ---- commands ---- */

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Runs the command named argv[0] of table; prints the table on --help. */
int cli_dispatch(const char *group, const struct cli_cmd *table, size_t n, int argc, char **argv);

int cmd_network(int argc, char **argv);
int cmd_network_create(int argc, char **argv);
int cmd_network_ls(int argc, char **argv);
int cmd_network_inspect(int argc, char **argv);
int cmd_network_rm(int argc, char **argv);
int cmd_network_prune(int argc, char **argv);
int cmd_network_connect(int argc, char **argv);
int cmd_network_disconnect(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_port(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_dns_serve(int argc, char **argv);

/* ---- setup, errors, output ---- */

/* Fills cli's state paths from PONTOON_ROOT. */
int cli_init_paths(void);
/* The CNI runtime and its plugin path (--cni-path, PONTOON_CNI_PATH, the
 * installed directory, or the build tree's), found on first use: from a
 * build tree, finding it makes links under the run dir, which a command
 * that only reads state, or the demo before it enters its own root, must
 * not do. */
struct cni_runtime *cli_runtime(void);
const char *cli_cni_path(void);

/* Prints "pontoon: <message>" on one line and returns code. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, followed by ": " and the library's recorded error for r. */
int cli_lib_error(int code, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A usage line for --help and for usage errors. */
struct cli_usage {
	const char *synopsis;	/* "network create NAME [OPTIONS]" */
	const char *text;	/* the options, one per line */
};
int cli_help(const struct cli_usage *u);
int cli_usage_error(const struct cli_usage *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether argv has -h/--help before "--". */
bool cli_wants_help(int argc, char **argv);

/* Prints rows (an array of objects) as JSON, or as a table of the given
 * columns: keys[i] under headers[i]. Arrays print joined with ",". */
void cli_print_rows(json_t *rows, const char *const *keys, const char *const *headers, size_t n);
void cli_print_json(json_t *j);

/* ---- files and processes ---- */

int write_file_atomic(const char *path, const char *text, mode_t mode);
/* Rewrites in place (keeps the inode: the file may be bind-mounted into a
 * container, as its /etc/hosts), mode 0644 for the container's users. */
int write_file_inplace(const char *path, const char *text);
/* State only root reads: mode 0600. */
int write_json_atomic(const char *path, json_t *j);

/* The start time of pid (field 22 of /proc/PID/stat); 0 when gone. */
unsigned long long proc_start_time(pid_t pid);
/* Whether pid runs and started at start (0: any start). */
bool proc_alive(pid_t pid, unsigned long long start);
/* Whether obj[pid_key] (1..INT_MAX) runs and started at obj[start_key],
 * which must be there and >= 1: what a state or pid file pontoon wrote
 * names, never a process that reused the pid (container.c). */
bool proc_alive_json(json_t *obj, const char *pid_key, const char *start_key);

/* The exclusive state lock ($run_dir/lock); released by close. */
int cli_lock(int *ret_fd);

/* A random id of 32 hex digits. */
void random_id(char buf[33]);

/* ---- networks ---- */

/* Every network of the conf dir; files that cannot be read are left out,
 * with a warning on stderr when warn_unread (a listing). */
int net_load_all(struct cni_conflist ***ret, size_t *ret_n, bool warn_unread);
/* 0, or EXIT_NOTFOUND after printing the error. */
int net_find(const char *name, struct cni_conflist **ret);
/* The bridge plugin's entry (NULL when the list has none). */
json_t *net_bridge_conf(const struct cni_conflist *l);
const char *net_bridge_name(const struct cni_conflist *l);
/* Subnets of the bridge's IPAM ranges (and legacy "subnet"). */
size_t net_subnets(const struct cni_conflist *l, struct ip_prefix *out, size_t max);
/* Gateways: the ranges' "gateway" or the subnet's first address. */
size_t net_gateways(const struct cni_conflist *l, struct ip_addr *out, size_t max);
bool net_is_pontoon(const struct cni_conflist *l);
/* Whether a plugin is in the CNI path and answers VERSION. */
bool cni_plugin_available(const char *type);

/* ---- containers ---- */

/* State JSON of a container; -ENOENT when none. */
int ctr_load(const char *name, json_t **ret);
int ctr_save(json_t *state);
/* Every container's state, sorted by name. */
int ctr_load_all(json_t **ret_array);
/* 0, or EXIT_NOTFOUND after printing the error. */
int ctr_find(const char *name, json_t **ret);
bool ctr_valid_name(const char *name);
/* Whether the container's supervisor (the process that releases it) lives. */
bool ctr_supervisor_alive(json_t *state);
bool ctr_process_alive(json_t *state);
/* The per-container directory (hosts, resolv.conf, log). */
void ctr_dir(const char *name, char *buf, size_t size);
void ctr_state_path(const char *name, char *buf, size_t size);
/* The container's attachment to net (an object of state.networks), or NULL. */
json_t *ctr_network(json_t *state, const char *net);
/* Releases everything the container holds (CNI DEL of every network, the
 * namespace, DNS servers nobody needs, its files); the lock must be held.
 * Errors are collected; returns the first. */
int ctr_release(json_t *state);

/* ---- attachments, names ---- */

/* CNI ADD of the container to net with interface ifname and capability
 * args; records the attachment in state (not saved). */
int attach_network(json_t *state, const struct cni_conflist *l, const char *ifname,
		   json_t *caps, json_t *aliases);
int detach_network(json_t *state, const struct cni_conflist *l);
/* Writes the container's hosts and resolv.conf from its state. */
int names_write_files(json_t *state);
/* Starts the DNS server of net when none runs; stops it when no container
 * is on net any more. The lock must be held. */
int dns_ensure(const struct cni_conflist *l);
/* Binds the network's DNS sockets (one per gateway, at most max). */
int dns_bind(const struct cni_conflist *l, int *fds, size_t max, size_t *ret_n);
int dns_stop_unused(const char *net);

/* ---- namespaces, processes ---- */

/* $netns_dir/NAME, malloc'd; NULL when out of memory. */
char *sandbox_netns_path(const char *name);
int sandbox_netns_create(const char *name, char **ret_path);
int sandbox_netns_remove(const char *path);
/* Forks the container's process: netns (NULL = host's), UTS and mount
 * namespaces, hostname, hosts/resolv.conf bind mounts, then exec argv.
 * Returns once argv runs: 0; -errno when no process could be made; or,
 * when the child could not run argv (it is reaped then, the reason
 * recorded), the exit code a shell gives: 127 no such command, else 126. */
int sandbox_spawn(json_t *state, char **argv, int out_fd, pid_t *ret_pid);
/* Enters the namespaces of pid (net, uts, mnt). */
int sandbox_enter(pid_t pid);

/* ---- ports ---- */

/* Parses one -p value and appends its portMappings to arr. */
int ports_parse(const char *spec, json_t *arr);
/* Whether a mapping of arr is published by another container or twice in
 * arr; prints the error and returns EXIT_CONFLICT, else 0. */
int ports_check_conflicts(json_t *arr, json_t *containers);
