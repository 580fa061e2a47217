/* The firewall plugin's state in pontoon's inet table (see docs/nat.md):
 *   fw4/fw6        container address (comment "NETWORK/CONTAINERID/IFNAME"):
 *                  forwarded traffic from it, and established/related traffic
 *                  back to it, is accepted in pontoon's forward chain
 *   fw_br          every bridge of a network with the firewall (comment NETWORK)
 *   iso_br         bridges whose ingressPolicy is same-bridge or isolated
 *   iso_self       bridge . bridge of those: traffic that stays in the bridge
 *   isolated_self  bridge . bridge of the isolated ones: dropped
 * The forward chain drops traffic between a bridge of iso_br and any other
 * pontoon bridge, either way (Docker's isolation stages), and traffic within
 * an isolated bridge. A container is two set elements; a network four. */
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

struct nft_firewall_req {
	const char *network, *container_id, *ifname;
	const char *bridge;		/* NULL: no bridge (no isolation possible) */
	enum nft_ingress_policy policy;
	const struct ip_prefix *ips;
	size_t n_ips;
};

/* "open", "same-bridge", "isolated" ("" and NULL: open); -EINVAL otherwise. */
int nft_ingress_policy_parse(const char *s, enum nft_ingress_policy *ret);

int nft_firewall_render_add(const struct nft_firewall_req *r, struct nft_script *s);
/* Idempotent delete of the container's addresses; the network's bridge
 * elements stay (other containers use them; GC removes them). */
int nft_firewall_render_del(const struct nft_firewall_req *r, struct nft_script *s);

int nft_firewall_add(const struct nft_firewall_req *r);
/* Without addresses (no prevResult) the elements are found by comment. */
int nft_firewall_del(const struct nft_firewall_req *r);
/* -ENOENT (recorded, naming the element) when an element is missing. */
int nft_firewall_check(const struct nft_firewall_req *r);
/* Removes the elements of attachments not in valid, and the network's
 * bridge elements when none of its containers is left. */
int nft_firewall_gc(const char *network, const struct cni_attachment *valid, size_t n_valid);
