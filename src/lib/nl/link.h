/* Links: create (bridge, veth, vxlan, macvlan, ipvlan, vlan, dummy), look up,
 * change (up, MTU, MAC, master, name, namespace, promisc), delete; and the
 * per-port bridge settings (hairpin, isolation, VLAN entries).
 *
 * Every create takes a small per-kind option struct; the message layout for
 * each kind is a table entry in link.c, not a copied function. Builders
 * (link_build_*) write a complete request into a caller's buffer of
 * nl_buf_size() bytes (NULL when it does not fit) so unit tests can compare
 * bytes; the plain functions build and send. Errors name the link
 * ("veth1a2b: cannot set MTU 9000: <kernel text>"). */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "nl/nl.h"

#define LINK_MAC_LEN 6

struct link_info {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];		/* IFLA_INFO_KIND, "" when none */
	unsigned mtu;
	unsigned flags;		/* IFF_UP, IFF_PROMISC, ... */
	int master;		/* ifindex of the master, 0 if none */
	int peer_ifindex;	/* IFLA_LINK: a veth's peer index, 0 if none */
	bool has_mac;
	uint8_t mac[LINK_MAC_LEN];
};

/* -ENODEV when no such link. */
int link_get_by_name(struct nl_sock *nl, const char *name, struct link_info *ret);
int link_get_by_index(struct nl_sock *nl, int ifindex, struct link_info *ret);

struct bridge_opts {
	unsigned mtu;			/* 0 = kernel default */
	bool vlan_filtering;
	bool has_mac;
	uint8_t mac[LINK_MAC_LEN];
};
/* Creates and brings up a bridge; -EEXIST when the name is taken. */
int link_create_bridge(struct nl_sock *nl, const char *name, const struct bridge_opts *o);

struct veth_opts {
	const char *name;		/* this end, in nl's namespace */
	const char *peer_name;		/* the other end */
	int peer_netns_fd;		/* born there (IFLA_NET_NS_FD); -1 = same namespace */
	unsigned mtu;			/* both ends; 0 = default */
	const uint8_t *peer_mac;	/* NULL = kernel's random one */
	/* This end, set in the same request so a container costs one round trip: */
	const uint8_t *mac;		/* NULL = kernel's random one */
	int master;			/* ifindex of its bridge, 0 = none */
	bool up;
};
int link_create_veth(struct nl_sock *nl, const struct veth_opts *o);

int link_set_up(struct nl_sock *nl, int ifindex);
/* The same by name, saving the lookup of the index (RTM_SETLINK by IFLA_IFNAME). */
int link_set_up_by_name(struct nl_sock *nl, const char *name);
int link_set_down(struct nl_sock *nl, int ifindex);
int link_set_mtu(struct nl_sock *nl, int ifindex, unsigned mtu);
int link_set_mac(struct nl_sock *nl, int ifindex, const uint8_t mac[LINK_MAC_LEN]);
int link_set_master(struct nl_sock *nl, int ifindex, int master_ifindex);
int link_set_name(struct nl_sock *nl, int ifindex, const char *name);
int link_set_promisc(struct nl_sock *nl, int ifindex, bool on);
int link_set_netns(struct nl_sock *nl, int ifindex, int netns_fd);
/* Several changes of one link in one request. The kernel applies a rename
 * before the flags and the per-family settings after both. */
struct link_update {
	const char *name;		/* NULL = keep */
	int up;				/* -1 = keep, 0 = down, 1 = up */
	int ipv4_devconf;		/* an IPV4_DEVCONF_* index (linux/ip.h), 0 = none */
	uint32_t ipv4_devconf_value;
};
int link_update(struct nl_sock *nl, int ifindex, const struct link_update *u);
struct nlmsghdr *link_build_update(void *buf, int ifindex, const struct link_update *u);

/* -ENODEV when already gone. */
int link_delete(struct nl_sock *nl, int ifindex);
int link_delete_by_name(struct nl_sock *nl, const char *name);

/* Per-port bridge settings (IFLA_PROTINFO / IFLA_BRPORT_*). */
struct bridge_port_opts {
	bool set_hairpin, hairpin;
	bool set_isolated, isolated;
	bool set_learning, learning;
};
int bridge_port_set(struct nl_sock *nl, int ifindex, const struct bridge_port_opts *o);
/* Reads them back (AF_BRIDGE RTM_GETLINK dump, as `bridge -d link show`):
 * every set_* is true in *ret; -ENODEV when ifindex is no bridge port. */
int bridge_port_get(struct nl_sock *nl, int ifindex, struct bridge_port_opts *ret);

/* Bridge VLAN entries (RTM_SETLINK/RTM_DELLINK AF_BRIDGE with
 * IFLA_AF_SPEC/IFLA_BRIDGE_VLAN_INFO). vid_end == vid for a single VLAN. */
#define BRIDGE_VLAN_PVID 0x2		/* BRIDGE_VLAN_INFO_PVID */
#define BRIDGE_VLAN_UNTAGGED 0x4	/* BRIDGE_VLAN_INFO_UNTAGGED */
#define BRIDGE_VLAN_SELF 0x100		/* on the bridge device itself (BRIDGE_FLAGS_SELF) */
struct nlmsghdr *link_build_bridge_vlan(void *buf, bool add, int ifindex,
					uint16_t vid, uint16_t vid_end, unsigned flags);
int bridge_vlan_add(struct nl_sock *nl, int ifindex, uint16_t vid, uint16_t vid_end, unsigned flags);
int bridge_vlan_del(struct nl_sock *nl, int ifindex, uint16_t vid, uint16_t vid_end, unsigned flags);

/* Wraps err (recorded by a failed request about ifindex) as
 * "<link name>: <fmt...>: <kernel text>". The name is looked up only here, on
 * the failure path, so a person reads "veth1a2b" rather than an index.
 * Returns err. */
int link_err(struct nl_sock *nl, int err, int ifindex, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Builders for the create requests, exposed for golden-byte tests. */
struct nlmsghdr *link_build_bridge(void *buf, const char *name, const struct bridge_opts *o);
struct nlmsghdr *link_build_veth(void *buf, const struct veth_opts *o);
struct nlmsghdr *link_build_bridge_port(void *buf, int ifindex, const struct bridge_port_opts *o);
