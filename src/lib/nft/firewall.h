/* The firewall plugin's state in pontoon's inet table (see docs/nat.md):
 *   fw4/fw6        container address (comment "NETWORK/CONTAINERID/IFNAME"):
 *                  forwarded traffic from it, and established/related traffic
 *                  back to it, is accepted in pontoon's forward chain
 *   fw_br          every bridge of a network with the firewall (comment NETWORK)
 *   iso_br         bridges whose ingressPolicy is same-bridge or isolated
 *   iso_self       bridge . bridge of those: traffic that stays in the bridge
 *   isolated_self  bridge . bridge of the isolated ones: dropped
 *   hostgw_br      bridges whose containers reach, on the host itself, only
 *                  the bridge's own addresses (hostAccess "gateway")
 *   blocked4/6     bridge . destination range (interval; blockedDestinations)
 * The forward chain drops traffic between a bridge of iso_br and any other
 * pontoon bridge, either way (Docker's isolation stages), and traffic within
 * an isolated bridge; the forward and input chains drop new traffic from a
 * bridge to its blocked ranges; the input chain drops traffic from a bridge
 * of hostgw_br to any local address that is not the bridge's own. A
 * container is two set elements; a network four plus one per blocked range.
 * The per-network elements carry the network's name as comment; each ADD
 * makes them what its config says, and GC removes them when the network
 * has no containers left. */
#pragma once

#include <stddef.h>

#include "cni/plugin.h"
#include "nft/nft.h"
#include "util/ipaddr.h"

enum nft_ingress_policy {
	NFT_INGRESS_OPEN,
	NFT_INGRESS_SAME_BRIDGE,
	NFT_INGRESS_ISOLATED,
};

enum nft_host_access {
	NFT_HOST_ALL,		/* every address and service of the host (the default) */
	NFT_HOST_GATEWAY,	/* only the addresses of the network's own bridge */
};

/* Most blockedDestinations of one network. */
#define NFT_FW_MAX_BLOCKED 64

struct nft_firewall_req {
	const char *network, *container_id, *ifname;
	const char *bridge;		/* NULL: no bridge (no isolation possible) */
	enum nft_ingress_policy policy;
	enum nft_host_access host_access;
	const struct ip_prefix *ips;
	size_t n_ips;
	const struct ip_prefix *blocked;	/* ranges the network's containers must not reach */
	size_t n_blocked;
};

/* "open", "same-bridge", "isolated" ("" and NULL: open); -EINVAL otherwise. */
int nft_ingress_policy_parse(const char *s, enum nft_ingress_policy *ret);
/* "all", "gateway" ("" and NULL: all); -EINVAL otherwise. */
int nft_host_access_parse(const char *s, enum nft_host_access *ret);

/* The range of a blocked4/blocked6 key as libnftables lists it, ["cni0",
 * "10.0.0.1" or {"prefix": {"addr": "10.0.0.0", "len": 8}}], and its
 * bridge (borrowed from key); -EINVAL for any other shape. */
int nft_blocked_key_parse(json_t *key, const char **ret_bridge, struct ip_prefix *ret);

int nft_firewall_render_add(const struct nft_firewall_req *r, struct nft_script *s);
/* Idempotent delete of the container's addresses; the network's bridge
 * elements stay (other containers use them; GC removes them). */
int nft_firewall_render_del(const struct nft_firewall_req *r, struct nft_script *s);

/* In the same transaction, the network's elements this config does not
 * want (an earlier config's isolation, hostAccess gateway, blocked ranges
 * it no longer lists) are deleted; those it still wants are left alone. */
int nft_firewall_add(const struct nft_firewall_req *r);
/* Without addresses (no prevResult) the elements are found by comment. */
int nft_firewall_del(const struct nft_firewall_req *r);
/* -ENOENT (recorded, naming the element) when an element is missing: the
 * container's addresses, hostgw_br and the blocked ranges. */
int nft_firewall_check(const struct nft_firewall_req *r);
/* Removes the elements of attachments not in valid, and the network's
 * bridge elements when none of its containers is left. */
int nft_firewall_gc(const char *network, const struct cni_attachment *valid, size_t n_valid);
