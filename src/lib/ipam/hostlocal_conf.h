/* host-local's configuration: the "ipam" object of the network config plus
 * the requested addresses (CNI_ARGS IP, args.cni.ips, runtimeConfig.ips)
 * and runtimeConfig.ipRanges, validated and with every default filled in. */
#pragma once

#include <stddef.h>
#include <jansson.h>

#include "cni/result.h"
#include "ipam/range.h"
#include "util/ipaddr.h"

#define IPAM_DEFAULT_DATA_DIR "/var/lib/cni/networks"

struct ipam_hostlocal_conf {
	char *name;			/* network name: the directory under data_dir */
	char *data_dir;
	char *resolv_conf;		/* NULL when not set */
	struct ipam_range_set *sets;	/* runtimeConfig.ipRanges, legacy subnet, ranges */
	size_t n_sets;
	struct cni_route *routes;
	size_t n_routes;
	struct ip_addr *requested;	/* CNI_ARGS first, then args, then runtimeConfig */
	size_t n_requested;
};

/* conf is the whole network config. env_ip is CNI_ARGS' IP value (NULL if
 * none; comma separated, each an address or CIDR: the reference takes one,
 * several is a pontoon addition). ips are args.cni.ips and
 * runtimeConfig.ips (cni_conf_requested_ips()). Errors: -EINVAL with CNI
 * code 7 naming the field (4 for CNI_ARGS). */
int ipam_hostlocal_conf_parse(json_t *conf, const char *env_ip, const struct ip_prefix *ips,
			      size_t n_ips, struct ipam_hostlocal_conf **ret);
void ipam_hostlocal_conf_free(struct ipam_hostlocal_conf *c);
void ipam_hostlocal_conf_freep(struct ipam_hostlocal_conf **c);
#define _cleanup_hostlocal_conf_ __attribute__((cleanup(ipam_hostlocal_conf_freep)))

/* The data directory when "dataDir" is absent: $PONTOON_ROOT/var/lib/cni/networks
 * when PONTOON_ROOT is set, else /var/lib/cni/networks. malloc'd. */
char *ipam_default_data_dir(void);
