/* The static IPAM plugin's configuration: "addresses" [{address, gateway}],
 * "routes", "dns", overridden as the reference does: CNI_ARGS IP adds
 * addresses and GATEWAY sets the gateway of the addresses that contain it;
 * args.cni.ips, then runtimeConfig.ips, replace the list. */
#pragma once

#include <stddef.h>
#include <jansson.h>

#include "cni/result.h"
#include "util/ipaddr.h"

struct ipam_static_addr {
	struct ip_prefix address;	/* host bits kept: "10.0.0.5/24" */
	struct ip_addr gateway;		/* family 0: none */
};

struct ipam_static_conf {
	struct ipam_static_addr *addrs;
	size_t n_addrs;
	struct cni_route *routes;
	size_t n_routes;
	struct cni_dns dns;
};

/* conf is the whole network config; env_ip/env_gateway the CNI_ARGS values
 * (NULL when absent). Errors name the field: CNI code 7 (4 for CNI_ARGS). */
int ipam_static_conf_parse(json_t *conf, const char *env_ip, const char *env_gateway,
			   struct ipam_static_conf **ret);
void ipam_static_conf_free(struct ipam_static_conf *c);
void ipam_static_conf_freep(struct ipam_static_conf **c);
#define _cleanup_static_conf_ __attribute__((cleanup(ipam_static_conf_freep)))

/* The static plugin's DNS object {nameservers, domain, search, options};
 * freed with ipam_dns_clear(). */
int ipam_dns_parse(json_t *j, const char *where, struct cni_dns *ret);
