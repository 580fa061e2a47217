/* Interface addresses (RTM_NEWADDR/DELADDR/GETADDR).
 *
 * Requests carry the same bytes iproute2 sends for `ip addr add|del`: the
 * address as both IFA_LOCAL and IFA_ADDRESS (for IPv6 too: equal values mean
 * "no peer"), IFA_F_NODAD in the 8-bit ifa_flags (iproute2 adds IFA_FLAGS
 * only for flags above 0xff, which pontoon does not use yet), and host scope
 * for 127/8. The unit tests hold iproute2's bytes for these requests. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "nl/addr.h"
#include "nl/link.h"
#include "util/cleanup.h"
#include "util/error.h"

static uint8_t addr_scope(int type, const struct ip_prefix *p)
{
	if (type == RTM_NEWADDR && p->addr.family == AF_INET && p->addr.bytes[0] == 127)
		return RT_SCOPE_HOST;
	return RT_SCOPE_UNIVERSE;
}

struct nlmsghdr *addr_build(void *buf, int type, int ifindex, const struct ip_prefix *p,
			    unsigned flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	size_t size = ip_addr_size(p->addr.family);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	if (type == RTM_NEWADDR)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)p->addr.family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_flags = (flags & ADDR_F_NODAD) ? IFA_F_NODAD : 0;
	ifa->ifa_scope = addr_scope(type, p);
	ifa->ifa_index = (uint32_t)ifindex;
	nlh = nl_put(nlh, IFA_LOCAL, size, p->addr.bytes);
	nlh = nl_put(nlh, IFA_ADDRESS, size, p->addr.bytes);
	/* /31 and /32 have no broadcast address (RFC 3021) */
	if ((flags & ADDR_F_BROADCAST) && p->addr.family == AF_INET && p->len < 31) {
		struct ip_addr brd;

		ip_prefix_last(p, &brd);
		nlh = nl_put(nlh, IFA_BROADCAST, size, brd.bytes);
	}
	return nlh;
}

static int addr_check(const struct ip_prefix *p)
{
	char s[IP_PREFIX_STRLEN];

	if (p->addr.family != AF_INET && p->addr.family != AF_INET6)
		return pt_err(-EAFNOSUPPORT, "address family %d is neither IPv4 nor IPv6",
			      p->addr.family);
	if (p->len > ip_family_bits(p->addr.family))
		return pt_err(-EINVAL, "prefix length of %s is too long", ip_prefix_format(p, s));
	return 0;
}

static int addr_change(struct nl_sock *nl, int type, int ifindex, const struct ip_prefix *p,
		       unsigned flags)
{
	char s[IP_PREFIX_STRLEN];
	struct nlmsghdr *nlh;
	int r;

	r = addr_check(p);
	if (r < 0)
		return r;
	nlh = addr_build(nl_buf(nl), type, ifindex, p, flags);
	if (!nlh)
		return pt_err(-EMSGSIZE, "netlink request does not fit");
	r = nl_request(nl, nlh, NULL, NULL);
	if (r < 0)
		return link_err(nl, r, ifindex, "cannot %s address %s",
				type == RTM_NEWADDR ? "add" : "delete", ip_prefix_format(p, s));
	return 0;
}

int addr_add(struct nl_sock *nl, int ifindex, const struct ip_prefix *p, unsigned flags)
{
	return addr_change(nl, RTM_NEWADDR, ifindex, p, flags);
}

int addr_del(struct nl_sock *nl, int ifindex, const struct ip_prefix *p)
{
	return addr_change(nl, RTM_DELADDR, ifindex, p, 0);
}

/* ---- listing ---- */

struct addr_acc {
	int ifindex, family;		/* filters; 0 / AF_UNSPEC = any */
	struct ip_prefix *v;
	size_t n, cap;
};

static int addr_push(struct addr_acc *acc, const struct ip_prefix *p)
{
	if (acc->n == acc->cap) {
		size_t cap = acc->cap ? acc->cap * 2 : 8;
		struct ip_prefix *v = reallocarray(acc->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		acc->v = v;
		acc->cap = cap;
	}
	acc->v[acc->n++] = *p;
	return 0;
}

static const uint8_t addr_attr_types[IFA_MAX + 1] = {
	[IFA_ADDRESS] = MNL_TYPE_BINARY,
	[IFA_LOCAL] = MNL_TYPE_BINARY,
};

/* IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on a
 * point-to-point link and the address itself otherwise (and for IPv6). */
static int addr_list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1], *a;
	struct addr_acc *acc = data;
	struct ip_prefix p = { 0 };

	if (nlh->nlmsg_type != RTM_NEWADDR || nl_parse(nlh, sizeof(*ifa), addr_attr_types,
							 IFA_MAX, tb) < 0)
		return MNL_CB_OK;
	if ((acc->ifindex && (int)ifa->ifa_index != acc->ifindex) ||
	    (acc->family != AF_UNSPEC && ifa->ifa_family != acc->family) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    ifa->ifa_prefixlen > ip_family_bits(ifa->ifa_family))
		return MNL_CB_OK;	/* not ours, or not a prefix of its family */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || mnl_attr_get_payload_len(a) != ip_addr_size(ifa->ifa_family))
		return MNL_CB_OK;
	p.addr.family = ifa->ifa_family;
	memcpy(p.addr.bytes, mnl_attr_get_payload(a), ip_addr_size(ifa->ifa_family));
	p.len = ifa->ifa_prefixlen;
	if (addr_push(acc, &p) < 0) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int addr_list(struct nl_sock *nl, int ifindex, int family, struct ip_prefix **ret, size_t *ret_n)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl_buf(nl));
	struct addr_acc acc = { .ifindex = ifindex, .family = family };
	_cleanup_free_ struct ip_prefix *owned = NULL;
	struct ifaddrmsg *ifa;
	int r;

	nlh->nlmsg_type = RTM_GETADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	r = nl_dump(nl, nlh, addr_list_cb, &acc);
	owned = acc.v;
	if (r < 0)
		return ifindex ? link_err(nl, r, ifindex, "cannot list addresses") :
				 pt_err_wrap(r, "cannot list addresses");
	*ret = TAKE_PTR(owned);
	*ret_n = acc.n;
	return 0;
}
