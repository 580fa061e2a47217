/* MAC and IP spoof protection of the bridge plugin (`macspoofchk`, and
 * pontoon's addition: source addresses too), in pontoon's bridge-family
 * table `table bridge pontoon`, at the bridge's prerouting hook: every frame
 * a container sends enters the bridge through its host-side veth, so the
 * port names the container.
 *   ports          host veth: frames from it are checked (comment below)
 *   mac            host veth . the container's MAC: the only source MAC allowed
 *   ipports        host veth: its source addresses are checked too
 *   addr4 / addr6  host veth . address: the source addresses allowed (ARP
 *                  sender addresses as well); 0.0.0.0 (DHCP, ARP probes), ::
 *                  (DAD) and link-local IPv6 are always allowed
 * Anything else from a checked port is dropped (also frames that are not
 * IPv4, IPv6 or ARP once the IP check is on). Every element carries the
 * comment "NETWORK/CONTAINERID/IFNAME". A container is 2 + n elements (3 + n
 * with the IP check), whatever the number of containers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cni/plugin.h"
#include "nft/nft.h"
#include "util/ipaddr.h"

struct nft_spoofchk_req {
	const char *network, *container_id, *ifname;
	const char *host_veth;		/* the container's port on the bridge */
	const char *mac;		/* the container interface's MAC, "aa:bb:cc:dd:ee:ff" */
	const struct ip_prefix *addrs;	/* the container's addresses (prefix length unused) */
	size_t n_addrs;
	bool check_ip;			/* also source addresses */
};

/* The base of `table bridge pontoon` (a `create table` and its sets and chain). */
void nft_spoofchk_base_render(struct nft_script *s);

int nft_spoofchk_render_add(const struct nft_spoofchk_req *r, struct nft_script *s);
/* Idempotent delete of exactly those elements (add, then delete). */
int nft_spoofchk_render_del(const struct nft_spoofchk_req *r, struct nft_script *s);

/* ADD, after the veth exists: one transaction. */
int nft_spoofchk_add(const struct nft_spoofchk_req *r);
/* DEL: succeeds when there is nothing. With host_veth and mac (from
 * prevResult) one transaction by key; without them (no state) the sets are
 * searched by comment. */
int nft_spoofchk_del(const struct nft_spoofchk_req *r);
/* Removes the elements of attachments of network not in valid. */
int nft_spoofchk_gc(const char *network, const struct cni_attachment *valid, size_t n_valid);
