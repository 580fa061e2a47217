/* Routes (RTM_NEWROUTE/DELROUTE/GETROUTE).
 *
 * The request is laid out as iproute2's `ip route add|replace|del` lays it
 * out (the unit tests hold its bytes): protocol "boot", a table id below 256
 * in rtm_table and RTA_TABLE above, attributes in the order DST, GATEWAY,
 * PRIORITY, TABLE, OIF, METRICS. A delete leaves protocol, type and scope
 * open (0, 0, RT_SCOPE_NOWHERE) so it matches the route whoever added it.
 * One difference: for a default route no RTA_DST is sent in either family
 * (iproute2 sends "::/0" as RTA_DST for IPv6; the kernel reads both alike). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "nl/link.h"
#include "nl/route.h"
#include "util/cleanup.h"
#include "util/error.h"

static int route_family(const struct route *r)
{
	return r->dst.addr.family ? r->dst.addr.family : r->gw.family;
}

static uint8_t route_scope(int type, const struct route *r)
{
	if (r->scope >= 0)
		return (uint8_t)r->scope;
	if (type == RTM_DELROUTE)
		return RT_SCOPE_NOWHERE;	/* any scope */
	if (route_family(r) == AF_INET6 || r->gw.family)
		return RT_SCOPE_UNIVERSE;
	return RT_SCOPE_LINK;
}

static void route_fill_rtm(struct rtmsg *rtm, int type, const struct route *r, unsigned table)
{
	rtm->rtm_family = (uint8_t)route_family(r);
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_scope = route_scope(type, r);
	if (type != RTM_DELROUTE) {
		rtm->rtm_protocol = RTPROT_BOOT;
		rtm->rtm_type = RTN_UNICAST;
	}
}

static struct nlmsghdr *route_put_metrics(struct nlmsghdr *nlh, const struct route *r)
{
	struct nlattr *nest;

	if (!r->mtu && !r->advmss)
		return nlh;
	nest = nl_nest_start(nlh, RTA_METRICS);
	if (r->mtu)
		nlh = nl_put_u32(nlh, RTAX_MTU, r->mtu);
	if (r->advmss)
		nlh = nl_put_u32(nlh, RTAX_ADVMSS, r->advmss);
	return nl_nest_end(nlh, nest);
}

struct nlmsghdr *route_build(void *buf, int type, unsigned nlflags, const struct route *r)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned table = r->table ? r->table : RT_TABLE_MAIN;
	size_t size = ip_addr_size(route_family(r));

	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | nlflags);
	route_fill_rtm(mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtmsg)), type, r, table);
	if (r->dst.len)
		nlh = nl_put(nlh, RTA_DST, size, r->dst.addr.bytes);
	if (r->gw.family)
		nlh = nl_put(nlh, RTA_GATEWAY, size, r->gw.bytes);
	if (r->priority)
		nlh = nl_put_u32(nlh, RTA_PRIORITY, r->priority);
	if (table >= 256)
		nlh = nl_put_u32(nlh, RTA_TABLE, table);
	if (r->ifindex)
		nlh = nl_put_u32(nlh, RTA_OIF, (uint32_t)r->ifindex);
	return route_put_metrics(nlh, r);
}

/* "10.0.0.0/24 via 10.0.0.1" for error messages; link_err() adds the link. */
static const char *route_describe(const struct route *r, char *buf, size_t size)
{
	char dst[IP_PREFIX_STRLEN], gw[IP_ADDR_STRLEN];
	int n;

	n = snprintf(buf, size, "%s", r->dst.addr.family ? ip_prefix_format(&r->dst, dst) : "?");
	if (r->gw.family && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " via %s", ip_addr_format(&r->gw, gw));
	return buf;
}

static int route_check(const struct route *r)
{
	int family = route_family(r);

	if (family != AF_INET && family != AF_INET6)
		return pt_err(-EAFNOSUPPORT, "route has no IPv4 or IPv6 destination");
	if ((r->gw.family && r->gw.family != family) ||
	    (r->dst.addr.family && r->dst.addr.family != family))
		return pt_err(-EINVAL, "route mixes IPv4 and IPv6 addresses");
	if (r->dst.len > ip_family_bits(family))
		return pt_err(-EINVAL, "route destination prefix length %u is too long", r->dst.len);
	return 0;
}

static int route_change(struct nl_sock *nl, int type, unsigned nlflags, const struct route *r,
			const char *verb)
{
	char desc[128];
	struct nlmsghdr *nlh;
	int err;

	err = route_check(r);
	if (err < 0)
		return err;
	nlh = route_build(nl_buf(nl), type, nlflags, r);
	if (!nlh)
		return pt_err(-EMSGSIZE, "netlink request does not fit");
	err = nl_request(nl, nlh, NULL, NULL);
	if (err < 0 && r->ifindex)
		return link_err(nl, err, r->ifindex, "cannot %s route %s", verb,
				route_describe(r, desc, sizeof(desc)));
	if (err < 0)
		return pt_err_wrap(err, "cannot %s route %s", verb,
				   route_describe(r, desc, sizeof(desc)));
	return 0;
}

int route_add(struct nl_sock *nl, const struct route *r)
{
	return route_change(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r, "add");
}

int route_replace(struct nl_sock *nl, const struct route *r)
{
	return route_change(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r, "replace");
}

int route_del(struct nl_sock *nl, const struct route *r)
{
	return route_change(nl, RTM_DELROUTE, 0, r, "delete");
}

/* ---- listing ---- */

struct route_acc {
	int family, ifindex;		/* filters; AF_UNSPEC / 0 = any */
	struct route *v;
	size_t n, cap;
};

static int route_push(struct route_acc *acc, const struct route *r)
{
	if (acc->n == acc->cap) {
		size_t cap = acc->cap ? acc->cap * 2 : 8;
		struct route *v = reallocarray(acc->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		acc->v = v;
		acc->cap = cap;
	}
	acc->v[acc->n++] = *r;
	return 0;
}

static const uint8_t route_attr_types[RTA_MAX + 1] = {
	[RTA_DST] = MNL_TYPE_BINARY,
	[RTA_GATEWAY] = MNL_TYPE_BINARY,
	[RTA_OIF] = MNL_TYPE_U32,
	[RTA_PRIORITY] = MNL_TYPE_U32,
	[RTA_TABLE] = MNL_TYPE_U32,
	[RTA_METRICS] = MNL_TYPE_NESTED,
};

static void route_copy_addr(const struct nlattr *a, int family, struct ip_addr *ret)
{
	if (!a || mnl_attr_get_payload_len(a) != ip_addr_size(family))
		return;
	ret->family = family;
	memcpy(ret->bytes, mnl_attr_get_payload(a), ip_addr_size(family));
}

static void route_parse_metrics(const struct nlattr *nest, struct route *r)
{
	static const uint8_t types[RTAX_MAX + 1] = {
		[RTAX_MTU] = MNL_TYPE_U32, [RTAX_ADVMSS] = MNL_TYPE_U32,
	};
	const struct nlattr *tb[RTAX_MAX + 1];

	if (!nest || nl_parse_nested(nest, types, RTAX_MAX, tb) < 0)
		return;
	if (tb[RTAX_MTU])
		r->mtu = mnl_attr_get_u32(tb[RTAX_MTU]);
	if (tb[RTAX_ADVMSS])
		r->advmss = mnl_attr_get_u32(tb[RTAX_ADVMSS]);
}

static void route_fill(const struct rtmsg *rtm, const struct nlattr **tb, struct route *r)
{
	memset(r, 0, sizeof(*r));
	r->dst.addr.family = rtm->rtm_family;	/* stays all zeros for a default route */
	r->dst.len = rtm->rtm_dst_len;
	route_copy_addr(tb[RTA_DST], rtm->rtm_family, &r->dst.addr);
	route_copy_addr(tb[RTA_GATEWAY], rtm->rtm_family, &r->gw);
	r->ifindex = tb[RTA_OIF] ? (int)mnl_attr_get_u32(tb[RTA_OIF]) : 0;
	r->table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	r->scope = rtm->rtm_scope;
	r->priority = tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
	route_parse_metrics(tb[RTA_METRICS], r);
}

static int route_list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	struct route_acc *acc = data;
	struct route r;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nl_parse(nlh, sizeof(*rtm), route_attr_types, RTA_MAX, tb) < 0)
		return MNL_CB_OK;
	if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    (acc->family != AF_UNSPEC && rtm->rtm_family != acc->family) ||
	    rtm->rtm_type != RTN_UNICAST || rtm->rtm_dst_len > ip_family_bits(rtm->rtm_family))
		return MNL_CB_OK;
	route_fill(rtm, tb, &r);
	if (r.table != RT_TABLE_MAIN || (acc->ifindex && r.ifindex != acc->ifindex))
		return MNL_CB_OK;
	if (route_push(acc, &r) < 0) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int route_list(struct nl_sock *nl, int family, int ifindex, struct route **ret, size_t *ret_n)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl_buf(nl));
	struct route_acc acc = { .family = family, .ifindex = ifindex };
	_cleanup_free_ struct route *owned = NULL;
	struct rtmsg *rtm;
	int r;

	nlh->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	r = nl_dump(nl, nlh, route_list_cb, &acc);
	owned = acc.v;
	if (r < 0)
		return pt_err_wrap(r, "cannot list routes");
	*ret = TAKE_PTR(owned);
	*ret_n = acc.n;
	return 0;
}
