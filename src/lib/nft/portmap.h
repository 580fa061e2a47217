/* Published ports (the portmap plugin): configuration, the elements that
 * publish a container's ports, and applying them.
 *
 * Per mapping and per container address family (the first IPv4 and the
 * first IPv6 address of the container, as the reference does):
 *   pm4/pm6        host address . proto . host port : container address . port
 *   pm4any/pm6any  proto . host port : container address . port   (all addresses)
 *   pmsnat4/6      container address . proto . container port : jump snat_local
 *                  (snat: 127.0.0.1/::1 and hairpin) or goto snat_all (masqAll)
 *   hairpin4/6     network . network (per network, kept)
 * and, with conditionsV4/V6, the packets the mapping must leave alone:
 *   pm4nosrc/6     source range . host address . proto . host port
 *   pm4anynosrc/6  source range . proto . host port
 *   pm4anynodst/6  destination range . proto . host port
 * Every element carries the comment "NETWORK/CONTAINERID/IFNAME", which DEL without
 * prevResult and GC use to find them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "cni/plugin.h"
#include "nft/nft.h"
#include "util/ipaddr.h"

struct nft_portmapping {
	uint8_t proto;			/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	uint16_t host_port, container_port;
	struct ip_addr host_ip;		/* family 0: every address of both families;
					 * 0.0.0.0 / :: every address of that family */
};

/* Up to this many conditions per family: each is a range or two of
 * elements per mapping (refused beyond, CNI code 2). */
#define PORTMAP_COND_MAX 16
#define PORTMAP_COND_RANGES (PORTMAP_COND_MAX + 2)

struct nft_addr_range {
	struct ip_addr first, last;	/* inclusive, one family */
};

/* conditionsV4 or conditionsV6, reduced to what they exclude: a mapping of
 * the family DNATs a packet only when its source is in none of src and its
 * destination in none of dst (sorted, disjoint, not adjacent ranges). */
struct nft_portmap_cond {
	size_t n_src, n_dst;
	struct nft_addr_range src[PORTMAP_COND_RANGES], dst[PORTMAP_COND_RANGES];
};

struct portmap_conf {
	bool snat;			/* default true */
	bool masq_all;
	int mark_masq_bit;		/* accepted; -1 when absent */
	const char *external_set_mark_chain;	/* accepted; NULL when absent */
	struct nft_portmapping *maps;	/* malloc'd */
	size_t n_maps;
	struct nft_portmap_cond cond4, cond6;	/* empty: none given */
};

/* Reads the plugin's fields from the config document and
 * runtimeConfig.portMappings. Errors: -EINVAL, CNI code 7, naming the field
 * ("runtimeConfig.portMappings[1].hostPort: must be 1..65535"); conditions
 * pontoon cannot express: CNI code 2, naming the entry. */
int portmap_conf_parse(json_t *conf, struct portmap_conf *ret);
void portmap_conf_free(struct portmap_conf *c);

struct nft_portmap_req {
	const char *network;
	const char *container_id;
	const char *ifname;
	const struct nft_portmapping *maps;
	size_t n_maps;
	const struct ip_prefix *ips;	/* the container's addresses with prefix length */
	size_t n_ips;
	bool snat, masq_all;
	/* conditionsV4 / conditionsV6; NULL or empty: none */
	const struct nft_portmap_cond *cond4, *cond6;
};

const char *nft_proto_name(uint8_t proto);

/* Whether c excludes anything (NULL: no). */
bool nft_portmap_cond_any(const struct nft_portmap_cond *c);

int nft_portmap_render_add(const struct nft_portmap_req *r, struct nft_script *s);
/* Idempotent delete of exactly the request's elements (add, then delete). */
int nft_portmap_render_del(const struct nft_portmap_req *r, struct nft_script *s);

/* Publishes in one transaction, then forgets stale UDP conntrack entries of
 * the host ports. -EEXIST when a host port is published by another container. */
int nft_portmap_add(const struct nft_portmap_req *r);
/* Unpublishes; succeeds when nothing is there. An element another container
 * owns now (its ADD took the key over) stays: each key's comment is looked
 * up first. Without mappings or container addresses (no prevResult) the
 * maps are searched by comment instead. */
int nft_portmap_del(const struct nft_portmap_req *r);
/* -ENOENT (recorded, naming the element) when an element is missing, maps
 * elsewhere or carries another container's comment. */
int nft_portmap_check(const struct nft_portmap_req *r);
/* Removes the elements of every container/ifname not in valid. */
int nft_portmap_gc(const char *network, const struct cni_attachment *valid, size_t n_valid);
