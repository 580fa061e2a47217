/* The network configuration a plugin reads on stdin: the fields every plugin
 * shares (cniVersion, name, type, ipam, dns, args, runtimeConfig,
 * prevResult); each plugin reads its own fields from `json`. */
#pragma once

#include <jansson.h>

#include "cni/result.h"

struct cni_conf {
	json_t *json;			/* the whole document, owned */
	const char *cni_version;	/* defaults to "0.1.0" when absent, as the spec says */
	const char *name;
	const char *type;
	json_t *ipam;			/* borrowed from json; NULL when absent */
	json_t *runtime_config;		/* likewise */
	json_t *args;			/* the "args" object, likewise */
	struct cni_dns dns;
	struct cni_result *prev_result;	/* parsed "prevResult", NULL when absent */
	char *raw;			/* the bytes as read, owned, NUL-terminated */
	size_t raw_len;
};

/* Parses and validates the shared fields: JSON syntax (code 6, with line and
 * column), cniVersion supported (code 1), name valid (code 7), type present
 * (code 7), prevResult parsable. */
int cni_conf_parse(const char *buf, size_t len, struct cni_conf **ret);
void cni_conf_free(struct cni_conf *c);
void cni_conf_freep(struct cni_conf **c);
#define _cleanup_conf_ __attribute__((cleanup(cni_conf_freep)))

/* The largest network config read, from stdin or a file. */
#define CNI_CONF_MAX (16u << 20)

/* Reads all of fd into a malloc'd NUL-terminated buffer (max 16 MiB: -EFBIG).
 * The caller names what it read in an error. */
int cni_read_all(int fd, char **ret, size_t *ret_len);

/* args.cni.ips and runtimeConfig.ips as addresses (CIDR or bare IP text,
 * as the reference accepts); appended to the malloc'd array *ips of *n entries. */
int cni_conf_requested_ips(const struct cni_conf *c, struct ip_prefix **ips, size_t *n);
/* runtimeConfig.mac, args.cni.mac; NULL when absent. */
const char *cni_conf_requested_mac(const struct cni_conf *c);
