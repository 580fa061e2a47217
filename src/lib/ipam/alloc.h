/* host-local's operations on top of the store: ADD hands out one address
 * per range set round robin (after last_reserved_ip.N, wrapping around,
 * never the gateway) or the requested ones; DEL, CHECK, GC, STATUS. Each
 * operation takes the store's lock exactly once. */
#pragma once

#include <stddef.h>

#include "ipam/hostlocal_conf.h"
#include "util/ipaddr.h"

struct ipam_lease {
	struct ip_prefix address;	/* the address with its subnet's length */
	struct ip_addr gateway;
};

/* A (container, interface) pair, as the runtime names it. */
struct ipam_owner {
	const char *id;
	const char *ifname;
};

/* One lease per range set, in set order. Errors as the reference's,
 * prefixed "failed to allocate for range N: ". */
int ipam_alloc_add(const struct ipam_hostlocal_conf *c, const char *id, const char *ifname,
		   struct ipam_lease **ret, size_t *ret_n);
/* Releases what (id, ifname) holds; nothing held is success. */
int ipam_alloc_del(const struct ipam_hostlocal_conf *c, const char *id, const char *ifname);
/* -ENOENT when (id, ifname) holds nothing. */
int ipam_alloc_check(const struct ipam_hostlocal_conf *c, const char *id, const char *ifname);
/* Releases every reservation whose owner is not in valid. Returns the count. */
int ipam_alloc_gc(const struct ipam_hostlocal_conf *c, const struct ipam_owner *valid, size_t n);
/* -ENOSPC with CNI code 50 when a range set has no free address. */
int ipam_alloc_status(const struct ipam_hostlocal_conf *c);
