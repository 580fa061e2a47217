/* ipMasq of the bridge plugin: traffic from a container address to anywhere
 * outside pontoon's networks leaves with the host's address; traffic inside
 * its network, to the other pontoon networks, and to multicast does not.
 *
 * State: the container's addresses are elements of set masq4/masq6 (comment
 * "NETWORK/CONTAINERID/IFNAME"), its network's prefix an element of
 * nets4/nets6 (comment "NETWORK"). The rule that uses them is part of the
 * base chains, so a container costs two set elements, not a chain. */
#pragma once

#include <stddef.h>

#include "cni/plugin.h"
#include "nft/nft.h"
#include "util/ipaddr.h"

/* Renders the elements for a container. addrs carry their prefix length
 * (10.99.0.2/24): the network prefix is derived from it. */
int nft_masq_render_add(const char *network, const char *container_id, const char *ifname,
			const struct ip_prefix *addrs, size_t n, struct nft_script *s);
/* Renders an idempotent delete of exactly those addresses. */
int nft_masq_render_del(const struct ip_prefix *addrs, size_t n, struct nft_script *s);

/* ADD: one transaction (the base table is created first when missing). */
int nft_masq_add(const char *network, const char *container_id, const char *ifname,
		 const struct ip_prefix *addrs, size_t n);
/* DEL: removes the container's elements; succeeds when there is nothing.
 * With n > 0 those of the given addresses whose element is this container's
 * (its comment) are removed in one transaction: an address another
 * container owns now stays (one netlink lookup per address).
 * With n == 0 (no address known) the sets are searched for elements whose
 * comment names network/container_id/ifname. The network prefixes stay
 * (other containers use them); nft_masq_gc removes the unused ones. */
int nft_masq_del(const char *network, const char *container_id, const char *ifname,
		 const struct ip_prefix *addrs, size_t n);
/* GC of one network: removes elements of containers not in valid, and the
 * network's prefixes when no container of it is left. */
int nft_masq_gc(const char *network, const struct cni_attachment *valid, size_t n_valid);
