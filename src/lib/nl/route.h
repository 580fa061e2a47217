/* Routes (RTM_NEWROUTE/DELROUTE/GETROUTE) in the main or a given table. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "nl/nl.h"
#include "util/ipaddr.h"

struct route {
	struct ip_prefix dst;		/* 0.0.0.0/0 or ::/0 for a default route */
	struct ip_addr gw;		/* family 0 = no gateway (link scope) */
	int ifindex;			/* 0 = let the kernel pick from gw */
	unsigned table;			/* 0 = main */
	int scope;			/* -1 = derive: link without gw, universe with */
	unsigned priority;		/* metric, 0 = none */
	unsigned mtu;			/* RTAX_MTU, 0 = none */
	unsigned advmss;		/* RTAX_ADVMSS, 0 = none */
};

/* -EEXIST when an equal route is present. */
int route_add(struct nl_sock *nl, const struct route *r);
int route_replace(struct nl_sock *nl, const struct route *r);
/* -ESRCH when not present. */
int route_del(struct nl_sock *nl, const struct route *r);

/* Routes of family in the main table (ifindex 0 = any link); *ret malloc'd. */
int route_list(struct nl_sock *nl, int family, int ifindex, struct route **ret, size_t *ret_n);

struct nlmsghdr *route_build(void *buf, int type, unsigned nlflags, const struct route *r);
