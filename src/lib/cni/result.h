/* CNI results: one in-memory form for every version, parsed from any
 * version's JSON and written in any version (0.1.0/0.2.0 "ip4"/"ip6",
 * 0.3.x/0.4.0 "ips" with "version", 1.x without it, 1.1.0 route fields). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "util/ipaddr.h"

struct cni_interface {
	char *name;
	char *mac;		/* "" or NULL when unknown */
	char *sandbox;		/* netns path; NULL for host-side interfaces */
	unsigned mtu;		/* 1.1.0; 0 = absent */
	char *socket_path;	/* 1.1.0 */
	char *pci_id;		/* 1.1.0 */
};

struct cni_ip {
	struct ip_prefix address;
	struct ip_addr gateway;	/* family 0 = none */
	int interface;		/* index into interfaces, -1 = none */
};

struct cni_route {
	struct ip_prefix dst;
	struct ip_addr gw;	/* family 0 = none */
	/* 1.1.0 additions; 0 = absent */
	unsigned mtu, advmss, priority, table;
	bool has_scope;
	int scope;
};

struct cni_dns {
	char **nameservers;
	size_t n_nameservers;
	char *domain;
	char **search;
	size_t n_search;
	char **options;
	size_t n_options;
};

struct cni_result {
	char *cni_version;
	struct cni_interface *interfaces;
	size_t n_interfaces;
	struct cni_ip *ips;
	size_t n_ips;
	struct cni_route *routes;
	size_t n_routes;
	struct cni_dns dns;
};

struct cni_result *cni_result_new(const char *cni_version);
void cni_result_free(struct cni_result *r);
void cni_result_freep(struct cni_result **r);
#define _cleanup_result_ __attribute__((cleanup(cni_result_freep)))

/* Appends and returns the new element's index, or -ENOMEM. Strings are copied. */
int cni_result_add_interface(struct cni_result *r, const char *name, const char *mac,
			     const char *sandbox);
int cni_result_add_ip(struct cni_result *r, const struct ip_prefix *addr,
		      const struct ip_addr *gw, int interface);
int cni_result_add_route(struct cni_result *r, const struct cni_route *route);
int cni_dns_parse(json_t *j, const char *where, struct cni_dns *ret);
void cni_dns_free(struct cni_dns *d);

/* Parses a result of any supported version (its own "cniVersion" decides
 * the layout). Errors name the field (CNI code 6 or 7). */
int cni_result_parse(json_t *j, struct cni_result **ret);
/* Same, with error paths prefixed by `where` ("prevResult") and the version
 * to assume when the result has no "cniVersion" (libcni takes the config's;
 * NULL means "0.1.0" as the spec says). "ips[].interface" must index
 * "interfaces". */
int cni_result_parse_full(json_t *j, const char *where, const char *default_version,
			  struct cni_result **ret);

/* Writes the result as version `version` (cni_version of r is ignored).
 * Converting to 0.2.0 or older keeps one IPv4 and one IPv6 address; a result
 * that cannot be expressed there is -EINVAL with CNI code 1. */
int cni_result_to_json(const struct cni_result *r, const char *version, json_t **ret);

/* Deep copy. */
int cni_result_copy(const struct cni_result *r, struct cni_result **ret);
