/* Links (RTM_NEWLINK/GETLINK/DELLINK) and the bridge-port settings
 * (AF_BRIDGE RTM_SETLINK).
 *
 * Every create has the same shape: common attributes, then IFLA_LINKINFO
 * with the kind's name and its IFLA_INFO_DATA. A kind is one entry in
 * link_kinds[] (its name and the function that fills IFLA_INFO_DATA), so a
 * new kind adds a table row, not a copied function. Attributes are laid out
 * in the order iproute2 sends them, so the unit tests can compare our
 * requests byte for byte with what `ip link add ...` sends. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "nl/link.h"
#include "util/cleanup.h"
#include "util/error.h"

/* ---- building ---- */

static struct nlmsghdr *link_msg(void *buf, uint16_t type, uint16_t flags, uint8_t family,
				 int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = family;
	ifi->ifi_index = ifindex;
	return nlh;
}

static struct ifinfomsg *link_ifi(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload(nlh);
}

/* The attributes a link and a veth peer share, in iproute2's order. */
struct link_attrs {
	const char *name;
	unsigned mtu;		/* 0 = none */
	const uint8_t *mac;	/* NULL = none */
	int netns_fd;		/* -1 = none */
	int master;		/* 0 = none */
};

static struct nlmsghdr *put_link_attrs(struct nlmsghdr *nlh, const struct link_attrs *a)
{
	if (a->mtu)
		nlh = nl_put_u32(nlh, IFLA_MTU, a->mtu);
	if (a->mac)
		nlh = nl_put(nlh, IFLA_ADDRESS, LINK_MAC_LEN, a->mac);
	if (a->netns_fd >= 0)
		nlh = nl_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)a->netns_fd);
	if (a->master)
		nlh = nl_put_u32(nlh, IFLA_MASTER, (uint32_t)a->master);
	return nl_put_strz(nlh, IFLA_IFNAME, a->name);
}

static struct nlmsghdr *bridge_put_data(struct nlmsghdr *nlh, const void *opts)
{
	const struct bridge_opts *o = opts;

	if (o->vlan_filtering)
		nlh = nl_put_u8(nlh, IFLA_BR_VLAN_FILTERING, 1);
	return nlh;
}

/* The peer is a whole link of its own: an ifinfomsg, then its attributes. */
static struct nlmsghdr *veth_put_data(struct nlmsghdr *nlh, const void *opts)
{
	const struct veth_opts *o = opts;
	const struct link_attrs peer = {
		.name = o->peer_name, .mtu = o->mtu, .mac = o->peer_mac,
		.netns_fd = o->peer_netns_fd,
	};
	struct nlattr *nest = nl_nest_start(nlh, VETH_INFO_PEER);

	if (!nest || nlh->nlmsg_len + sizeof(struct ifinfomsg) > nl_buf_size())
		return NULL;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	nlh = put_link_attrs(nlh, &peer);
	return nl_nest_end(nlh, nest);
}

struct link_kind {
	const char *name;
	/* Adds the kind's IFLA_INFO_DATA attributes, possibly none. */
	struct nlmsghdr *(*put_data)(struct nlmsghdr *nlh, const void *opts);
};

enum { LINK_BRIDGE, LINK_VETH };

static const struct link_kind link_kinds[] = {
	[LINK_BRIDGE] = { "bridge", bridge_put_data },
	[LINK_VETH] = { "veth", veth_put_data },
};

/* iproute2 leaves IFLA_INFO_DATA out when a kind has no options. */
static struct nlmsghdr *nest_end_or_drop(struct nlmsghdr *nlh, struct nlattr *nest)
{
	if (nlh && nest && (char *)mnl_nlmsg_get_payload_tail(nlh) ==
	    (char *)nest + MNL_ATTR_HDRLEN) {
		mnl_attr_nest_cancel(nlh, nest);
		return nlh;
	}
	return nl_nest_end(nlh, nest);
}

static struct nlmsghdr *link_build_new(void *buf, const struct link_kind *kind,
				       const struct link_attrs *a, bool up, const void *opts)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, AF_UNSPEC, 0);
	struct nlattr *info, *data;

	if (up) {
		link_ifi(nlh)->ifi_flags = IFF_UP;
		link_ifi(nlh)->ifi_change = IFF_UP;
	}
	nlh = put_link_attrs(nlh, a);
	info = nl_nest_start(nlh, IFLA_LINKINFO);
	/* Without the NUL, as iproute2 sends it; the kernel takes both. */
	nlh = nl_put(nlh, IFLA_INFO_KIND, strlen(kind->name), kind->name);
	data = nl_nest_start(nlh, IFLA_INFO_DATA);
	nlh = kind->put_data(nlh, opts);
	nlh = nest_end_or_drop(nlh, data);
	return nl_nest_end(nlh, info);
}

struct nlmsghdr *link_build_bridge(void *buf, const char *name, const struct bridge_opts *o)
{
	const struct link_attrs a = {
		.name = name, .mtu = o->mtu, .mac = o->has_mac ? o->mac : NULL, .netns_fd = -1,
	};

	return link_build_new(buf, &link_kinds[LINK_BRIDGE], &a, true, o);
}

struct nlmsghdr *link_build_veth(void *buf, const struct veth_opts *o)
{
	const struct link_attrs a = {
		.name = o->name, .mtu = o->mtu, .mac = o->mac, .netns_fd = -1, .master = o->master,
	};

	return link_build_new(buf, &link_kinds[LINK_VETH], &a, o->up, o);
}

/* ---- errors ---- */

/* The name of ifindex for an error message, looked up without disturbing
 * the error already recorded (the kernel's text for the failure at hand). */
static void link_name_for_error(struct nl_sock *nl, int err, int ifindex, char *buf, size_t size)
{
	char cause[1024];
	struct link_info li;

	snprintf(cause, sizeof(cause), "%s", pt_err_msg()[0] ? pt_err_msg() : strerror(-err));
	if (err != -ENODEV && link_get_by_index(nl, ifindex, &li) == 0)
		snprintf(buf, size, "%s", li.name);
	else
		snprintf(buf, size, "link %d", ifindex);
	pt_err(err, "%s", cause);
}

int link_err(struct nl_sock *nl, int err, int ifindex, const char *fmt, ...)
{
	char what[256], name[IFNAMSIZ + 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	link_name_for_error(nl, err, ifindex, name, sizeof(name));
	return pt_err_wrap(err, "%s: %s", name, what);
}

static int link_check_name(const char *name, const char *what)
{
	if (!name || !name[0])
		return pt_err(-EINVAL, "%s: empty interface name", what);
	if (strlen(name) >= IFNAMSIZ)
		return pt_err(-EINVAL, "%s: interface name \"%s\" longer than %d characters",
			      what, name, IFNAMSIZ - 1);
	return 0;
}

static int link_send_built(struct nl_sock *nl, struct nlmsghdr *nlh)
{
	if (!nlh)
		return pt_err(-EMSGSIZE, "netlink request does not fit in %zu bytes", nl_buf_size());
	return nl_request(nl, nlh, NULL, NULL);
}

/* ---- create ---- */

int link_create_bridge(struct nl_sock *nl, const char *name, const struct bridge_opts *o)
{
	int r = link_check_name(name, "bridge");

	if (r < 0)
		return r;
	r = link_send_built(nl, link_build_bridge(nl_buf(nl), name, o));
	if (r < 0)
		return pt_err_wrap(r, "cannot create bridge %s", name);
	return 0;
}

int link_create_veth(struct nl_sock *nl, const struct veth_opts *o)
{
	int r = link_check_name(o->name, "veth");

	if (r >= 0)
		r = link_check_name(o->peer_name, "veth peer");
	if (r < 0)
		return r;
	r = link_send_built(nl, link_build_veth(nl_buf(nl), o));
	if (r < 0)
		return pt_err_wrap(r, "cannot create veth %s (peer %s)", o->name, o->peer_name);
	return 0;
}

/* ---- look up ---- */

static const uint8_t link_attr_types[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = MNL_TYPE_NUL_STRING,
	[IFLA_MTU] = MNL_TYPE_U32,
	[IFLA_MASTER] = MNL_TYPE_U32,
	[IFLA_LINK] = MNL_TYPE_U32,
	[IFLA_LINKINFO] = MNL_TYPE_NESTED,
};

static void link_parse_kind(const struct nlattr *linkinfo, struct link_info *li)
{
	static const uint8_t types[IFLA_INFO_MAX + 1] = { [IFLA_INFO_KIND] = MNL_TYPE_STRING };
	const struct nlattr *tb[IFLA_INFO_MAX + 1];
	size_t len;

	if (!linkinfo || nl_parse_nested(linkinfo, types, IFLA_INFO_MAX, tb) < 0 ||
	    !tb[IFLA_INFO_KIND])
		return;
	/* The kind may come with or without its NUL. */
	len = strnlen(mnl_attr_get_payload(tb[IFLA_INFO_KIND]),
		      mnl_attr_get_payload_len(tb[IFLA_INFO_KIND]));
	if (len >= sizeof(li->kind))
		len = sizeof(li->kind) - 1;
	memcpy(li->kind, mnl_attr_get_payload(tb[IFLA_INFO_KIND]), len);
	li->kind[len] = '\0';
}

static void link_fill(const struct ifinfomsg *ifi, const struct nlattr **tb, struct link_info *li)
{
	memset(li, 0, sizeof(*li));
	li->ifindex = ifi->ifi_index;
	li->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME])
		snprintf(li->name, sizeof(li->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MTU])
		li->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_MASTER])
		li->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK])
		li->peer_ifindex = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == LINK_MAC_LEN) {
		li->has_mac = true;
		memcpy(li->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), LINK_MAC_LEN);
	}
	link_parse_kind(tb[IFLA_LINKINFO], li);
}

struct link_reply {
	bool found;
	struct link_info info;
};

static int link_info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_reply *rep = data;
	const struct nlattr *tb[IFLA_MAX + 1];

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (nl_parse(nlh, sizeof(struct ifinfomsg), link_attr_types, IFLA_MAX, tb) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	link_fill(mnl_nlmsg_get_payload(nlh), tb, &rep->info);
	rep->found = true;
	return MNL_CB_OK;
}

static int link_get(struct nl_sock *nl, int ifindex, const char *name, struct link_info *ret)
{
	struct nlmsghdr *nlh = link_msg(nl_buf(nl), RTM_GETLINK, 0, AF_UNSPEC, ifindex);
	struct link_reply rep = { 0 };
	int r;

	/* Statistics are half of a link's reply and nobody here reads them. */
	nlh = nl_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (name)
		nlh = nl_put_strz(nlh, IFLA_IFNAME, name);
	if (!nlh)
		return pt_err(-EMSGSIZE, "netlink request does not fit");
	r = nl_request(nl, nlh, link_info_cb, &rep);
	if (r < 0)
		return r;
	if (!rep.found)
		return pt_err(-ENODEV, "no reply describing the link");
	*ret = rep.info;
	return 0;
}

int link_get_by_name(struct nl_sock *nl, const char *name, struct link_info *ret)
{
	int r = link_check_name(name, "link");

	if (r < 0)
		return r;
	r = link_get(nl, 0, name, ret);
	if (r < 0)
		return pt_err_wrap(r, "cannot find link %s", name);
	return 0;
}

int link_get_by_index(struct nl_sock *nl, int ifindex, struct link_info *ret)
{
	int r = link_get(nl, ifindex, NULL, ret);

	if (r < 0)
		return pt_err_wrap(r, "cannot find link %d", ifindex);
	return 0;
}

/* ---- change ---- */

static int link_change(struct nl_sock *nl, int ifindex, uint16_t type, size_t len,
		       const void *data, const char *what)
{
	struct nlmsghdr *nlh = link_msg(nl_buf(nl), RTM_NEWLINK, 0, AF_UNSPEC, ifindex);
	int r;

	r = link_send_built(nl, nl_put(nlh, type, len, data));
	return r < 0 ? link_err(nl, r, ifindex, "%s", what) : 0;
}

static int link_change_flag(struct nl_sock *nl, int ifindex, unsigned flag, bool on,
			    const char *what)
{
	struct nlmsghdr *nlh = link_msg(nl_buf(nl), RTM_NEWLINK, 0, AF_UNSPEC, ifindex);
	int r;

	link_ifi(nlh)->ifi_change = flag;
	link_ifi(nlh)->ifi_flags = on ? flag : 0;
	r = nl_request(nl, nlh, NULL, NULL);
	return r < 0 ? link_err(nl, r, ifindex, "%s", what) : 0;
}

int link_set_up(struct nl_sock *nl, int ifindex)
{
	return link_change_flag(nl, ifindex, IFF_UP, true, "cannot bring up");
}

int link_set_up_by_name(struct nl_sock *nl, const char *name)
{
	struct nlmsghdr *nlh = link_msg(nl_buf(nl), RTM_SETLINK, 0, AF_UNSPEC, 0);
	int r;

	link_ifi(nlh)->ifi_change = IFF_UP;
	link_ifi(nlh)->ifi_flags = IFF_UP;
	r = link_send_built(nl, nl_put_strz(nlh, IFLA_IFNAME, name));
	return r < 0 ? pt_err_wrap(r, "%s: cannot bring up", name) : 0;
}

int link_set_down(struct nl_sock *nl, int ifindex)
{
	return link_change_flag(nl, ifindex, IFF_UP, false, "cannot bring down");
}

int link_set_promisc(struct nl_sock *nl, int ifindex, bool on)
{
	return link_change_flag(nl, ifindex, IFF_PROMISC, on,
				on ? "cannot turn promiscuous mode on" :
				     "cannot turn promiscuous mode off");
}

int link_set_mtu(struct nl_sock *nl, int ifindex, unsigned mtu)
{
	uint32_t v = mtu;
	char what[64];

	snprintf(what, sizeof(what), "cannot set MTU %u", mtu);
	return link_change(nl, ifindex, IFLA_MTU, sizeof(v), &v, what);
}

int link_set_mac(struct nl_sock *nl, int ifindex, const uint8_t mac[LINK_MAC_LEN])
{
	char what[64];

	snprintf(what, sizeof(what), "cannot set MAC %02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return link_change(nl, ifindex, IFLA_ADDRESS, LINK_MAC_LEN, mac, what);
}

int link_set_master(struct nl_sock *nl, int ifindex, int master_ifindex)
{
	struct nlmsghdr *nlh = link_msg(nl_buf(nl), RTM_NEWLINK, 0, AF_UNSPEC, ifindex);
	char master[IFNAMSIZ + 16];
	int r;

	r = link_send_built(nl, nl_put_u32(nlh, IFLA_MASTER, (uint32_t)master_ifindex));
	if (r >= 0)
		return 0;
	if (master_ifindex == 0)
		return link_err(nl, r, ifindex, "cannot release from its master");
	link_name_for_error(nl, r == -ENODEV ? -EIO : r, master_ifindex, master, sizeof(master));
	return link_err(nl, r, ifindex, "cannot attach to %s", master);
}

int link_set_name(struct nl_sock *nl, int ifindex, const char *name)
{
	char what[64];
	int r = link_check_name(name, "rename");

	if (r < 0)
		return r;
	snprintf(what, sizeof(what), "cannot rename to %s", name);
	return link_change(nl, ifindex, IFLA_IFNAME, strlen(name) + 1, name, what);
}

int link_set_netns(struct nl_sock *nl, int ifindex, int netns_fd)
{
	uint32_t v = (uint32_t)netns_fd;

	return link_change(nl, ifindex, IFLA_NET_NS_FD, sizeof(v), &v,
			   "cannot move to another network namespace");
}

static struct nlmsghdr *put_ipv4_devconf(struct nlmsghdr *nlh, int key, uint32_t value)
{
	struct nlattr *spec = nl_nest_start(nlh, IFLA_AF_SPEC);
	struct nlattr *inet = nl_nest_start(nlh, AF_INET);
	struct nlattr *conf = nl_nest_start(nlh, IFLA_INET_CONF);

	nlh = nl_put_u32(nlh, (uint16_t)key, value);
	nlh = nl_nest_end(nlh, conf);
	nlh = nl_nest_end(nlh, inet);
	return nl_nest_end(nlh, spec);
}

struct nlmsghdr *link_build_update(void *buf, int ifindex, const struct link_update *u)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, AF_UNSPEC, ifindex);

	if (u->up >= 0) {
		link_ifi(nlh)->ifi_change = IFF_UP;
		link_ifi(nlh)->ifi_flags = u->up ? IFF_UP : 0;
	}
	if (u->name)
		nlh = nl_put_strz(nlh, IFLA_IFNAME, u->name);
	if (nlh && u->ipv4_devconf)
		nlh = put_ipv4_devconf(nlh, u->ipv4_devconf, u->ipv4_devconf_value);
	return nlh;
}

int link_update(struct nl_sock *nl, int ifindex, const struct link_update *u)
{
	int r = u->name ? link_check_name(u->name, "rename") : 0;

	if (r >= 0)
		r = link_send_built(nl, link_build_update(nl_buf(nl), ifindex, u));
	if (r < 0 && u->name)
		return link_err(nl, r, ifindex, "cannot rename to %s", u->name);
	return r < 0 ? link_err(nl, r, ifindex, "cannot change") : 0;
}

/* ---- delete ---- */

int link_delete(struct nl_sock *nl, int ifindex)
{
	struct nlmsghdr *nlh = link_msg(nl_buf(nl), RTM_DELLINK, 0, AF_UNSPEC, ifindex);
	int r = nl_request(nl, nlh, NULL, NULL);

	return r < 0 ? link_err(nl, r, ifindex, "cannot delete") : 0;
}

int link_delete_by_name(struct nl_sock *nl, const char *name)
{
	struct nlmsghdr *nlh = link_msg(nl_buf(nl), RTM_DELLINK, 0, AF_UNSPEC, 0);
	int r = link_check_name(name, "delete");

	if (r < 0)
		return r;
	r = link_send_built(nl, nl_put_strz(nlh, IFLA_IFNAME, name));
	if (r < 0)
		return pt_err_wrap(r, "cannot delete link %s", name);
	return 0;
}

/* ---- bridge ports ---- */

struct nlmsghdr *link_build_bridge_port(void *buf, int ifindex, const struct bridge_port_opts *o)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_SETLINK, 0, AF_BRIDGE, ifindex);
	struct nlattr *nest = nl_nest_start(nlh, IFLA_PROTINFO | NLA_F_NESTED);

	/* iproute2's order: mode (hairpin), learning, isolated. */
	if (o->set_hairpin)
		nlh = nl_put_u8(nlh, IFLA_BRPORT_MODE,
				o->hairpin ? BRIDGE_MODE_HAIRPIN : BRIDGE_MODE_VEB);
	if (o->set_learning)
		nlh = nl_put_u8(nlh, IFLA_BRPORT_LEARNING, o->learning);
	if (o->set_isolated)
		nlh = nl_put_u8(nlh, IFLA_BRPORT_ISOLATED, o->isolated);
	return nl_nest_end(nlh, nest);
}

int bridge_port_set(struct nl_sock *nl, int ifindex, const struct bridge_port_opts *o)
{
	int r;

	if (!o->set_hairpin && !o->set_isolated && !o->set_learning)
		return 0;
	r = link_send_built(nl, link_build_bridge_port(nl_buf(nl), ifindex, o));
	return r < 0 ? link_err(nl, r, ifindex, "cannot change bridge port settings") : 0;
}

struct port_reply {
	int ifindex;
	bool found;
	struct bridge_port_opts opts;
};

static bool attr_flag(const struct nlattr *a)
{
	return a && mnl_attr_get_u8(a);
}

static int bridge_port_cb(const struct nlmsghdr *nlh, void *data)
{
	static const uint8_t types[IFLA_BRPORT_MAX + 1] = {
		[IFLA_BRPORT_MODE] = MNL_TYPE_U8,
		[IFLA_BRPORT_LEARNING] = MNL_TYPE_U8,
		[IFLA_BRPORT_ISOLATED] = MNL_TYPE_U8,
	};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1], *port[IFLA_BRPORT_MAX + 1];
	struct port_reply *rep = data;

	if (nlh->nlmsg_type != RTM_NEWLINK || ifi->ifi_index != rep->ifindex ||
	    nl_parse(nlh, sizeof(*ifi), NULL, IFLA_MAX, tb) < 0 || !tb[IFLA_PROTINFO] ||
	    nl_parse_nested(tb[IFLA_PROTINFO], types, IFLA_BRPORT_MAX, port) < 0)
		return MNL_CB_OK;
	rep->opts = (struct bridge_port_opts){
		.set_hairpin = true, .hairpin = attr_flag(port[IFLA_BRPORT_MODE]),
		.set_isolated = true, .isolated = attr_flag(port[IFLA_BRPORT_ISOLATED]),
		.set_learning = true, .learning = attr_flag(port[IFLA_BRPORT_LEARNING]),
	};
	rep->found = true;
	return MNL_CB_OK;
}

int bridge_port_get(struct nl_sock *nl, int ifindex, struct bridge_port_opts *ret)
{
	struct nlmsghdr *nlh = link_msg(nl_buf(nl), RTM_GETLINK, 0, AF_BRIDGE, 0);
	struct port_reply rep = { .ifindex = ifindex };
	int r;

	/* AF_BRIDGE links can only be dumped: each port with IFLA_PROTINFO. */
	r = nl_dump(nl, nlh, bridge_port_cb, &rep);
	if (r < 0)
		return link_err(nl, r, ifindex, "cannot read bridge port settings");
	if (!rep.found)
		return link_err(nl, pt_err(-ENODEV, "not a bridge port"), ifindex,
				"cannot read bridge port settings");
	*ret = rep.opts;
	return 0;
}

static struct nlmsghdr *put_vlan_info(struct nlmsghdr *nlh, uint16_t flags, uint16_t vid)
{
	const struct bridge_vlan_info vi = { .flags = flags, .vid = vid };

	return nl_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
}

struct nlmsghdr *link_build_bridge_vlan(void *buf, bool add, int ifindex,
					uint16_t vid, uint16_t vid_end, unsigned flags)
{
	struct nlmsghdr *nlh = link_msg(buf, add ? RTM_SETLINK : RTM_DELLINK, 0, AF_BRIDGE, ifindex);
	struct nlattr *spec = nl_nest_start(nlh, IFLA_AF_SPEC);
	const uint16_t self = BRIDGE_FLAGS_SELF;
	uint16_t vflags = flags & (BRIDGE_VLAN_PVID | BRIDGE_VLAN_UNTAGGED);

	if (flags & BRIDGE_VLAN_SELF)
		nlh = nl_put(nlh, IFLA_BRIDGE_FLAGS, sizeof(self), &self);
	if (vid_end == vid) {
		nlh = put_vlan_info(nlh, vflags, vid);
	} else {
		nlh = put_vlan_info(nlh, vflags | BRIDGE_VLAN_INFO_RANGE_BEGIN, vid);
		nlh = put_vlan_info(nlh, vflags | BRIDGE_VLAN_INFO_RANGE_END, vid_end);
	}
	return nl_nest_end(nlh, spec);
}

static int bridge_vlan_change(struct nl_sock *nl, bool add, int ifindex, uint16_t vid,
			      uint16_t vid_end, unsigned flags)
{
	int r;

	if (vid < 1 || vid > 4094 || vid_end < vid || vid_end > 4094)
		return pt_err(-EINVAL, "VLAN range %u-%u is not within 1-4094", vid, vid_end);
	r = link_send_built(nl, link_build_bridge_vlan(nl_buf(nl), add, ifindex, vid, vid_end, flags));
	if (r >= 0)
		return 0;
	if (vid_end == vid)
		return link_err(nl, r, ifindex, "cannot %s VLAN %u", add ? "add" : "delete", vid);
	return link_err(nl, r, ifindex, "cannot %s VLANs %u-%u", add ? "add" : "delete",
			vid, vid_end);
}

int bridge_vlan_add(struct nl_sock *nl, int ifindex, uint16_t vid, uint16_t vid_end, unsigned flags)
{
	return bridge_vlan_change(nl, true, ifindex, vid, vid_end, flags);
}

int bridge_vlan_del(struct nl_sock *nl, int ifindex, uint16_t vid, uint16_t vid_end, unsigned flags)
{
	return bridge_vlan_change(nl, false, ifindex, vid, vid_end, flags);
}
