/* Interface addresses (RTM_NEWADDR/DELADDR/GETADDR), IPv4 and IPv6. */
#pragma once

#include <stddef.h>

#include "nl/nl.h"
#include "util/ipaddr.h"

#define ADDR_F_NODAD 0x1	/* IFA_F_NODAD: IPv6 usable at once, no duplicate detection */
#define ADDR_F_BROADCAST 0x2	/* IPv4: IFA_BROADCAST = the subnet's last address (as `brd +`) */

/* Adds p (host bits = the address) to ifindex; -EEXIST when present. */
int addr_add(struct nl_sock *nl, int ifindex, const struct ip_prefix *p, unsigned flags);
int addr_del(struct nl_sock *nl, int ifindex, const struct ip_prefix *p);

/* All addresses of ifindex (0 = every link) of family (AF_UNSPEC = both).
 * *ret is malloc'd, free() it. Link-local IPv6 addresses are included. */
int addr_list(struct nl_sock *nl, int ifindex, int family, struct ip_prefix **ret, size_t *ret_n);

struct nlmsghdr *addr_build(void *buf, int type, int ifindex, const struct ip_prefix *p, unsigned flags);
