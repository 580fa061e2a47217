/* bridge: the reference CNI bridge plugin, option for option — a Linux
 * bridge as the switch, one veth pair per container whose far end is born in
 * the container's namespace, the gateway address on the bridge — with every
 * kernel change made in-process over one netlink socket per namespace.
 *
 * ADD:  bridge (create once) → IPAM → veth pair → port settings → container
 *       side (rename, sysctls, addresses, up, routes) → gateway on the bridge.
 *       Any failure after IPAM undoes the veth and releases the address.
 * DEL:  ipMasq and spoof-check elements (by owner) → container link (both
 *       possible names) → IPAM; succeeds on what is gone, and goes on after
 *       a failed step so that the address is always released.
 * CHECK: bridge, veth pair, addresses and routes against prevResult.
 */
#include <errno.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cni/delegate.h"
#include "cni/error.h"
#include "cni/plugin.h"
#include "cni/version.h"
#include "nl/addr.h"
#include "nl/link.h"
#include "nl/netconf.h"
#include "nl/netns.h"
#include "nl/route.h"
#include "nl/sysctl.h"
#include "nft/masq.h"
#include "nft/spoofchk.h"
#include "plugins.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

#define DEFAULT_BRIDGE "cni0"
#define VLAN_MAX 4094

struct bridge_conf {
	const char *bridge;
	bool is_gw, is_default_gw, force_address, ip_masq;
	bool hairpin, promisc, preserve_default_vlan, macspoofchk;
	bool ipspoofchk;	/* pontoon's: with macspoofchk, source addresses too */
	bool enable_dad, disable_container_iface, port_isolation;
	unsigned mtu;
	unsigned vlan;
	uint8_t trunk[(VLAN_MAX + 1) / 8 + 1];	/* bitmap of trunk VLAN ids */
	bool has_trunk;
	const char *ipam_type;			/* NULL: layer 2 only */
	bool has_mac;
	uint8_t mac[LINK_MAC_LEN];
};

/* The boolean options, as a table rather than a dozen copies of one call. */
static const struct {
	const char *key;
	size_t offset;
} bool_options[] = {
	{ "isGateway", offsetof(struct bridge_conf, is_gw) },
	{ "isDefaultGateway", offsetof(struct bridge_conf, is_default_gw) },
	{ "forceAddress", offsetof(struct bridge_conf, force_address) },
	{ "ipMasq", offsetof(struct bridge_conf, ip_masq) },
	{ "hairpinMode", offsetof(struct bridge_conf, hairpin) },
	{ "promiscMode", offsetof(struct bridge_conf, promisc) },
	{ "preserveDefaultVlan", offsetof(struct bridge_conf, preserve_default_vlan) },
	{ "macspoofchk", offsetof(struct bridge_conf, macspoofchk) },
	{ "ipspoofchk", offsetof(struct bridge_conf, ipspoofchk) },
	{ "enabledad", offsetof(struct bridge_conf, enable_dad) },
	{ "disableContainerInterface", offsetof(struct bridge_conf, disable_container_iface) },
	{ "portIsolation", offsetof(struct bridge_conf, port_isolation) },
};

static int config_error(const char *fmt, const char *a, const char *b)
{
	return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, fmt, a, b);
}

static int parse_mac(const char *s, const char *field, uint8_t ret[LINK_MAC_LEN])
{
	unsigned b[LINK_MAC_LEN];
	char sep[LINK_MAC_LEN];
	int end = 0;

	if (sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%n", &b[0], &sep[0], &b[1], &sep[1],
		   &b[2], &sep[2], &b[3], &sep[3], &b[4], &sep[4], &b[5], &end) != 11 ||
	    s[end] != '\0')
		return config_error("%s: not a MAC address: \"%s\"", field, s);
	for (int i = 0; i < LINK_MAC_LEN; i++) {
		if (i < LINK_MAC_LEN - 1 && sep[i] != ':' && sep[i] != '-')
			return config_error("%s: not a MAC address: \"%s\"", field, s);
		ret[i] = (uint8_t)b[i];
	}
	return 0;
}

/* One vlanTrunk entry: {"id": N} or {"minID": A, "maxID": B}, or both. */
static int parse_trunk_entry(json_t *e, size_t i, struct bridge_conf *b)
{
	long long min = -1, max = -1, id = -1;
	char where[32];
	int r;

	snprintf(where, sizeof(where), "vlanTrunk[%zu]", i);
	if (!json_is_object(e))
		return config_error("%s: must be an object%s", where, "");
	if ((r = json_opt_int(e, "minID", where, 1, VLAN_MAX, &min)) < 0 ||
	    (r = json_opt_int(e, "maxID", where, 1, VLAN_MAX, &max)) < 0 ||
	    (r = json_opt_int(e, "id", where, 1, VLAN_MAX, &id)) < 0)
		return r;
	if ((min < 0) != (max < 0))
		return config_error("%s: minID and maxID should be configured simultaneously%s",
				    where, "");
	if (min > max)
		return config_error("%s: minID is greater than maxID%s", where, "");
	for (long long v = min; min > 0 && v <= max; v++)
		b->trunk[v / 8] |= (uint8_t)(1 << (v % 8));
	if (id > 0)
		b->trunk[id / 8] |= (uint8_t)(1 << (id % 8));
	b->has_trunk = true;
	return 0;
}

static bool trunk_has(const struct bridge_conf *b, unsigned vid)
{
	return b->trunk[vid / 8] & (1 << (vid % 8));
}

static int parse_trunk(json_t *j, struct bridge_conf *b)
{
	json_t *arr = NULL, *e;
	size_t i;
	int r;

	r = json_opt_array(j, "vlanTrunk", NULL, &arr);
	if (r < 0 || !arr)
		return r;
	json_array_foreach(arr, i, e)
		if ((r = parse_trunk_entry(e, i, b)) < 0)
			return r;
	return 0;
}

/* The MAC the runtime asked for: runtimeConfig.mac over args.cni.mac over
 * CNI_ARGS MAC=, the reference's order. */
static int parse_requested_mac(struct cni_call *c, struct bridge_conf *b)
{
	const char *mac = cni_conf_requested_mac(c->conf);
	const char *field = "runtimeConfig.mac";

	if (!mac) {
		mac = cni_args_get(&c->args, "MAC");
		field = "CNI_ARGS MAC";
	}
	if (!mac || !*mac)
		return 0;
	b->has_mac = true;
	return parse_mac(mac, field, b->mac);
}

static int parse_numbers(json_t *j, struct bridge_conf *b)
{
	long long mtu = 0, vlan = 0;
	int r;

	if ((r = json_opt_int(j, "mtu", NULL, 0, 65535, &mtu)) < 0 ||
	    (r = json_opt_int(j, "vlan", NULL, 0, VLAN_MAX, &vlan)) < 0)
		return r;
	if (mtu > 0 && mtu < 68)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "mtu: must be 0 (default) or 68..65535, got %lld", mtu);
	b->mtu = (unsigned)mtu;
	b->vlan = (unsigned)vlan;
	return 0;
}

static int parse_ipam_type(struct cni_conf *conf, struct bridge_conf *b)
{
	const char *type = NULL;
	int r;

	r = json_opt_string(conf->ipam, "type", "ipam", &type);
	if (r < 0)
		return r;
	b->ipam_type = type && *type ? type : NULL;
	return 0;
}

static int bridge_conf_parse(struct cni_call *c, struct bridge_conf *b)
{
	static const char *const known_args[] = { "MAC", "IP", "GATEWAY", NULL };
	json_t *j = c->conf->json;
	int r;

	*b = (struct bridge_conf){ .bridge = DEFAULT_BRIDGE, .ipspoofchk = true };
	for (size_t i = 0; i < ARRAY_SIZE(bool_options); i++)
		if ((r = json_opt_bool(j, bool_options[i].key, NULL,
				       (bool *)((char *)b + bool_options[i].offset))) < 0)
			return r;
	if ((r = json_opt_string(j, "bridge", NULL, &b->bridge)) < 0 ||
	    (r = parse_numbers(j, b)) < 0 || (r = parse_trunk(j, b)) < 0 ||
	    (r = parse_ipam_type(c->conf, b)) < 0 ||
	    (r = cni_args_check_known(&c->args, known_args)) < 0 ||
	    (r = parse_requested_mac(c, b)) < 0)
		return r;
	if (!cni_valid_ifname(b->bridge))
		return config_error("bridge: not a valid interface name: \"%s\"%s", b->bridge, "");
	if (b->is_default_gw)
		b->is_gw = true;
	return 0;
}

static int bridge_conf_check_add(const struct bridge_conf *b, const char *cni_version)
{
	/* A 0.1.0/0.2.0 result is only IP addresses: an L2-only ADD could make
	 * its links but not report them, so it is refused before it makes any. */
	if (!b->ipam_type && cni_version_cmp(cni_version, "0.3.0") < 0)
		return config_error("ipam: a network without IPAM needs cniVersion 0.3.0 or later "
				    "(a %s result has only IP addresses)%s", cni_version, "");
	if (b->hairpin && b->promisc)
		return config_error("hairpinMode, promiscMode: cannot set hairpin mode and "
				    "promiscuous mode at the same time%s%s", "", "");
	if (b->ipam_type && b->disable_container_iface)
		return config_error("disableContainerInterface: cannot use IPAM when "
				    "DisableContainerInterface flag is set%s%s", "", "");
	return 0;
}

/* Test hook: PONTOON_TEST_KILL_AT=<step> makes ADD die right after that
 * step, so the tests prove that DEL and GC clean up after a crash anywhere. */
static void test_kill_point(const char *step)
{
	const char *at = getenv("PONTOON_TEST_KILL_AT");

	if (at && strcmp(at, step) == 0)
		raise(SIGKILL);
}

static uint32_t fnv1a(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return (h ^ 0xff) * 16777619u;
}

/* Names derived from container id and interface, so that a DEL after a
 * crash finds what a half-done ADD made: "veth<hash>" on the host like the
 * reference's "veth<random>", "ptmp<hash>" for the container end before it
 * is renamed to CNI_IFNAME. */
static void veth_names(const struct cni_env *env, char host[IFNAMSIZ], char tmp[IFNAMSIZ])
{
	uint32_t h = fnv1a(fnv1a(2166136261u, env->container_id), env->ifname);

	snprintf(host, IFNAMSIZ, "veth%08x", h);
	snprintf(tmp, IFNAMSIZ, "ptmp%08x", fnv1a(h, "tmp"));
}

/* A random unicast, locally administered MAC, as the kernel would pick;
 * choosing it here saves reading it back. */
static void random_mac(uint8_t mac[LINK_MAC_LEN])
{
	if (getrandom(mac, LINK_MAC_LEN, 0) != LINK_MAC_LEN)
		for (int i = 0; i < LINK_MAC_LEN; i++)
			mac[i] = (uint8_t)(rand() ^ getpid());
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}

static void random_veth_name(char host[IFNAMSIZ])
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r ^= (uint32_t)getpid() * 2654435761u;
	snprintf(host, IFNAMSIZ, "veth%08x", r);
}

/* ---- the bridge itself ---------------------------------------------------- */

static int create_bridge(struct nl_sock *nl, const struct bridge_conf *b, struct link_info *ret)
{
	struct bridge_opts o = { .mtu = b->mtu, .vlan_filtering = b->vlan || b->has_trunk };
	char key[64];
	int r;

	r = link_create_bridge(nl, b->bridge, &o);
	if (r < 0 && r != -EEXIST)	/* EEXIST: another ADD made it just now */
		return pt_err_wrap(r, "failed to create bridge \"%s\"", b->bridge);
	r = link_get_by_name(nl, b->bridge, ret);
	if (r < 0)
		return pt_err_wrap(r, "could not lookup \"%s\"", b->bridge);
	/* pontoon owns the routes of this interface, not router advertisements */
	snprintf(key, sizeof(key), "net/ipv6/conf/%s/accept_ra", b->bridge);
	(void)sysctl_write(key, "0");
	return 0;
}

static int ensure_bridge(struct nl_sock *nl, const struct bridge_conf *b, struct link_info *ret)
{
	struct link_info br;
	int r;

	r = link_get_by_name(nl, b->bridge, &br);
	if (r == -ENODEV)
		r = create_bridge(nl, b, &br);
	if (r < 0)
		return r;
	if (strcmp(br.kind, "bridge") != 0)
		return pt_err(-EEXIST, "\"%s\" already exists but is not a bridge", b->bridge);
	if (b->promisc && !(br.flags & IFF_PROMISC) && (r = link_set_promisc(nl, br.ifindex, true)) < 0)
		return pt_err_wrap(r, "could not set promiscuous mode on \"%s\"", b->bridge);
	if (!(br.flags & IFF_UP) && (r = link_set_up(nl, br.ifindex)) < 0)
		return pt_err_wrap(r, "could not set \"%s\" up", b->bridge);
	*ret = br;
	return 0;
}

/* ---- ADD ------------------------------------------------------------------ */

struct bridge_add {
	struct cni_call *c;
	struct bridge_conf conf;
	struct nl_sock *host_nl, *cont_nl;
	int netns_fd;
	struct link_info br, host_veth, cont_veth;
	char host_name[IFNAMSIZ], tmp_name[IFNAMSIZ];
	struct cni_result *res;		/* the IPAM result, grown into ours */
	bool ipam_done, veth_done, masq_done, spoofchk_done;
};

static int run_ipam_add(struct bridge_add *a)
{
	const struct cni_conf *conf = a->c->conf;
	int r;

	r = cni_delegate(a->conf.ipam_type, CNI_CMD_ADD, a->c->env, conf->raw, conf->raw_len, &a->res);
	if (r < 0)
		return r;
	a->ipam_done = true;
	if (a->res->n_ips == 0)
		return pt_err(-EINVAL, "IPAM plugin returned missing IP config");
	return 0;
}

/* The host end is a bridge port: it needs no IP at all. Without IPv6 it
 * accepts no router advertisements from the container (the reference sets
 * accept_ra=0 for that), and it adds no fe80::/64 and ff00::/8 routes to
 * the host's table, which the kernel walks on every link event: with a
 * thousand containers that walk was a large part of an ADD. It must be set
 * before the port comes up; only /proc/sys can say it, and a host without
 * IPv6 has nothing to disable. */
static int bring_up_port_without_ipv6(struct nl_sock *nl, const char *host_name)
{
	char key[64];
	int r;

	snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", host_name);
	r = sysctl_write(key, "1");
	if (r < 0 && r != -ENOENT)
		return pt_err_wrap(r, "cannot set %s", key);
	return link_set_up_by_name(nl, host_name);
}

/* The pair in one request: the host end on the bridge, the other end born
 * in the container under its temporary name. */
static int create_veth(struct bridge_add *a)
{
	struct veth_opts o = {
		.name = a->host_name,
		.peer_name = a->tmp_name,
		.peer_netns_fd = a->netns_fd,
		.mtu = a->conf.mtu,
		.peer_mac = a->cont_veth.mac,
		.mac = a->host_veth.mac,
		.master = a->br.ifindex,
	};
	struct link_info stale;
	int r;

	r = link_create_veth(a->host_nl, &o);
	if (r == -EEXIST) {
		/* A crashed ADD of this attachment left its pair: the temporary
		 * end in the container goes, and the host end with it, so the
		 * same names are free again. If the host name is still taken,
		 * it belongs to some other link: pick a random one, as the
		 * reference always does. */
		(void)link_delete_by_name(a->cont_nl, a->tmp_name);
		if (link_get_by_name(a->host_nl, a->host_name, &stale) == 0)
			random_veth_name(a->host_name);
		r = link_create_veth(a->host_nl, &o);
	}
	if (r < 0)
		return pt_err_wrap(r, "failed to create veth pair %s/%s", a->host_name, a->tmp_name);
	a->veth_done = true;
	snprintf(a->host_veth.name, IFNAMSIZ, "%s", a->host_name);
	return bring_up_port_without_ipv6(a->host_nl, a->host_name);
}

static void choose_macs(struct bridge_add *a)
{
	random_mac(a->host_veth.mac);
	if (a->conf.has_mac)
		memcpy(a->cont_veth.mac, a->conf.mac, LINK_MAC_LEN);
	else
		random_mac(a->cont_veth.mac);
	a->host_veth.has_mac = a->cont_veth.has_mac = true;
}

static int add_trunk_vlans(struct bridge_add *a, int ifindex)
{
	int r;

	if (a->conf.vlan && (r = bridge_vlan_add(a->host_nl, ifindex, a->conf.vlan, a->conf.vlan,
						  BRIDGE_VLAN_PVID | BRIDGE_VLAN_UNTAGGED)) < 0)
		return r;
	for (unsigned v = 1; a->conf.has_trunk && v <= VLAN_MAX; v++)
		if (trunk_has(&a->conf, v) && (r = bridge_vlan_add(a->host_nl, ifindex, v, v, 0)) < 0)
			return r;
	/* a trunk without a vlan keeps VLAN 1 as its native one, as the reference does */
	if (!a->conf.vlan && a->conf.has_trunk)
		return bridge_vlan_add(a->host_nl, ifindex, 1, 1, BRIDGE_VLAN_PVID | BRIDGE_VLAN_UNTAGGED);
	return 0;
}

static int setup_vlans(struct bridge_add *a, int ifindex)
{
	int r;

	if (!a->conf.vlan && !a->conf.has_trunk)
		return 0;
	if (!a->conf.preserve_default_vlan && (r = bridge_vlan_del(a->host_nl, ifindex, 1, 1, 0)) < 0 &&
	    r != -ENOENT)
		return pt_err_wrap(r, "failed to remove default vlan on interface \"%s\"", a->host_name);
	r = add_trunk_vlans(a, ifindex);
	return r < 0 ? pt_err_wrap(r, "failed to setup vlan tag on interface \"%s\"", a->host_name) : 0;
}

/* The host end is on the bridge and up since its creation; what is left
 * are the port settings that differ from a new port's (hairpin and
 * isolation off, no VLANs), which need its index. */
static int setup_host_end(struct bridge_add *a)
{
	struct bridge_port_opts port = {
		.set_hairpin = a->conf.hairpin, .hairpin = true,
		.set_isolated = a->conf.port_isolation, .isolated = true,
	};
	struct link_info host;
	int r;

	if (!port.set_hairpin && !port.set_isolated && !a->conf.vlan && !a->conf.has_trunk)
		return 0;
	r = link_get_by_name(a->host_nl, a->host_name, &host);
	if (r < 0)
		return pt_err_wrap(r, "failed to lookup \"%s\"", a->host_name);
	if ((port.set_hairpin || port.set_isolated) &&
	    (r = bridge_port_set(a->host_nl, host.ifindex, &port)) < 0)
		return pt_err_wrap(r, "failed to set hairpin/isolation on \"%s\"", a->host_name);
	return setup_vlans(a, host.ifindex);
}

static int rename_container_end(struct bridge_add *a)
{
	const char *ifname = a->c->env->ifname;
	struct link_info tmp;
	int r;

	/* arp_notify: announce the (possibly reused) address when it comes up */
	const struct link_update rename = {
		.name = ifname, .up = -1,
		.ipv4_devconf = a->conf.ipam_type ? IPV4_DEVCONF_ARP_NOTIFY : 0,
		.ipv4_devconf_value = 1,
	};

	r = link_get_by_name(a->cont_nl, a->tmp_name, &tmp);
	if (r >= 0)
		r = link_update(a->cont_nl, tmp.ifindex, &rename);
	if (r == -EEXIST)
		return pt_err(r, "container veth name provided (%s) already exists", ifname);
	if (r < 0)
		return pt_err_wrap(r, "failed to rename %s to %s in the container", a->tmp_name, ifname);
	a->cont_veth.ifindex = tmp.ifindex;
	return 0;
}

/* Gateways: every IP is on the container interface (index 2); a missing
 * gateway is the subnet's first address when the bridge is the gateway; a
 * default route per family via it when it is the default gateway. */
static int calc_gateways(struct bridge_add *a)
{
	struct cni_result *res = a->res;
	bool have_default[2] = { false, false };

	for (size_t i = 0; i < res->n_routes; i++) {
		const struct cni_route *rt = &res->routes[i];

		if (rt->dst.len == 0 && !ip_addr_is_unset(&rt->gw))
			have_default[rt->dst.addr.family == AF_INET6] = true;
	}
	for (size_t i = 0; i < res->n_ips; i++) {
		struct cni_ip *ip = &res->ips[i];
		bool v6 = ip->address.addr.family == AF_INET6;
		struct cni_route def = { .dst = { .addr = { .family = ip->address.addr.family } } };
		int r;

		ip->interface = 2;
		if (ip_addr_is_unset(&ip->gateway) && a->conf.is_gw) {
			struct ip_prefix net = ip->address;

			ip_prefix_network(&net, &net.addr);
			if ((r = ip_addr_add(&net.addr, 1, &ip->gateway)) < 0)
				return pt_err(r, "no gateway address after a /%u subnet", net.len);
		}
		if (!a->conf.is_default_gw || have_default[v6])
			continue;
		def.gw = ip->gateway;
		if ((r = cni_result_add_route(res, &def)) < 0)
			return r;
		have_default[v6] = true;
	}
	return 0;
}

struct container_sysctls {
	const char *ifname;
	bool enable_dad, has_v6;
};

static int write_if_sysctl(const char *fmt, const char *ifname, const char *value)
{
	char key[128];

	snprintf(key, sizeof(key), fmt, ifname);
	return sysctl_write(key, value);
}

/* The IPv6 settings of a container that gets IPv6 addresses; runs inside
 * its namespace. These exist only under /proc/sys, whose lookups grow with
 * the number of namespaces on the host, so an IPv4-only container skips
 * them (the reference also writes accept_dad there; a deliberate
 * difference). DAD failures are ignored as in the reference; enabling IPv6
 * is not optional. */
static int apply_container_ipv6_sysctls(void *arg)
{
	const struct container_sysctls *s = arg;
	char value[8];
	int r;

	if (s->enable_dad) {
		(void)write_if_sysctl("net/ipv6/conf/%s/enhanced_dad", s->ifname, "1");
		(void)write_if_sysctl("net/ipv6/conf/%s/accept_dad", s->ifname, "1");
	} else {
		(void)write_if_sysctl("net/ipv6/conf/%s/accept_dad", s->ifname, "0");
	}
	for (int i = 0; i < 2; i++) {
		const char *dev = i == 0 ? "lo" : s->ifname;
		char key[128];

		snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", dev);
		if (sysctl_read(key, value, sizeof(value)) == 0 && strcmp(value, "0") != 0 &&
		    (r = sysctl_write(key, "0")) < 0)
			return pt_err_wrap(r, "failed to enable IPv6 for interface \"%s\"", dev);
	}
	r = write_if_sysctl("net/ipv6/conf/%s/keep_addr_on_down", s->ifname, "1");
	return r < 0 ? pt_err_wrap(r, "failed to enable keep_addr_on_down for \"%s\"", s->ifname) : 0;
}

static int add_container_addrs(struct bridge_add *a)
{
	char buf[IP_PREFIX_STRLEN];
	int r;

	for (size_t i = 0; i < a->res->n_ips; i++) {
		const struct ip_prefix *p = &a->res->ips[i].address;

		r = addr_add(a->cont_nl, a->cont_veth.ifindex, p, ADDR_F_BROADCAST);
		if (r < 0)
			return pt_err_wrap(r, "failed to add IP addr %s to \"%s\"",
					   ip_prefix_format(p, buf), a->c->env->ifname);
	}
	return 0;
}

/* The first gateway of family among the IPs, for routes that name none. */
static const struct ip_addr *family_gateway(const struct cni_result *res, int family)
{
	for (size_t i = 0; i < res->n_ips; i++)
		if (res->ips[i].gateway.family == family)
			return &res->ips[i].gateway;
	return NULL;
}

static int add_container_routes(struct bridge_add *a)
{
	char buf[IP_PREFIX_STRLEN];
	int r;

	for (size_t i = 0; i < a->res->n_routes; i++) {
		const struct cni_route *cr = &a->res->routes[i];
		const struct ip_addr *gw = family_gateway(a->res, cr->dst.addr.family);
		struct route rt = {
			.dst = cr->dst, .ifindex = a->cont_veth.ifindex, .table = cr->table,
			.scope = cr->has_scope ? cr->scope : RT_SCOPE_UNIVERSE,
			.priority = cr->priority, .mtu = cr->mtu, .advmss = cr->advmss,
		};

		if (!ip_addr_is_unset(&cr->gw))
			rt.gw = cr->gw;
		else if (gw)
			rt.gw = *gw;
		r = route_add(a->cont_nl, &rt);
		if (r < 0 && r != -EEXIST)
			return pt_err_wrap(r, "failed to add route %s dev %s",
					   ip_prefix_format(&cr->dst, buf), a->c->env->ifname);
	}
	return 0;
}

static bool result_has_v6(const struct cni_result *res)
{
	for (size_t i = 0; i < res->n_ips; i++)
		if (res->ips[i].address.addr.family == AF_INET6)
			return true;
	return false;
}

static int configure_container_l3(struct bridge_add *a)
{
	struct container_sysctls s = {
		.ifname = a->c->env->ifname,
		.enable_dad = a->conf.enable_dad,
		.has_v6 = result_has_v6(a->res),
	};
	int r;

	if (s.has_v6 && (r = netns_run(a->netns_fd, apply_container_ipv6_sysctls, &s)) < 0)
		return r;
	if ((r = add_container_addrs(a)) < 0)
		return r;
	test_kill_point("addr");
	r = link_set_up(a->cont_nl, a->cont_veth.ifindex);
	if (r < 0)
		return pt_err_wrap(r, "failed to set \"%s\" up", a->c->env->ifname);
	if ((r = add_container_routes(a)) < 0)
		return r;
	test_kill_point("route");
	return 0;
}

static int configure_container(struct bridge_add *a)
{
	int r;

	if (a->res) {
		if ((r = calc_gateways(a)) < 0 || (r = configure_container_l3(a)) < 0)
			return r;
		return 0;
	}
	if (a->conf.disable_container_iface)
		return 0;
	r = link_set_up(a->cont_nl, a->cont_veth.ifindex);
	return r < 0 ? pt_err_wrap(r, "failed to set \"%s\" up", a->c->env->ifname) : 0;
}

/* The bridge's addresses of gw's family: gw is there already (done), or
 * another in its way is removed (forceAddress) or refused. */
static int make_room_for_gateway(struct bridge_add *a, const struct ip_prefix *gw, bool *ret_present)
{
	_cleanup_free_ struct ip_prefix *addrs = NULL;
	char buf[IP_PREFIX_STRLEN];
	size_t n;
	int r;

	r = addr_list(a->host_nl, a->br.ifindex, gw->addr.family, &addrs, &n);
	if (r < 0)
		return pt_err_wrap(r, "could not get list of IP addresses of \"%s\"", a->conf.bridge);
	*ret_present = false;
	for (size_t i = 0; i < n; i++) {
		if (ip_addr_equal(&addrs[i].addr, &gw->addr) && addrs[i].len == gw->len) {
			*ret_present = true;
			return 0;
		}
		if (gw->addr.family == AF_INET6 && !ip_prefix_overlaps(&addrs[i], gw))
			continue;
		if (!a->conf.force_address)
			return pt_err(-EEXIST, "\"%s\" already has an IP address different from %s",
				      a->conf.bridge, ip_prefix_format(gw, buf));
		if ((r = addr_del(a->host_nl, a->br.ifindex, &addrs[i])) < 0)
			return pt_err_wrap(r, "could not remove IP address from \"%s\"", a->conf.bridge);
	}
	return 0;
}

static bool mac_is_unicast(const uint8_t mac[LINK_MAC_LEN])
{
	static const uint8_t zero[LINK_MAC_LEN];

	return !(mac[0] & 1) && memcmp(mac, zero, LINK_MAC_LEN) != 0;
}

/* Pin the bridge's MAC: otherwise it takes the lowest port's and changes as
 * containers come and go. A bridge whose ports were all removed before it
 * was pinned has none (00:00:00:00:00:00, which the kernel refuses): it
 * gets a random one, as a new bridge does. */
static int pin_bridge_mac(struct bridge_add *a)
{
	int r;

	if (!a->br.has_mac)
		return 0;
	if (!mac_is_unicast(a->br.mac))
		random_mac(a->br.mac);
	r = link_set_mac(a->host_nl, a->br.ifindex, a->br.mac);
	return r < 0 ? pt_err_wrap(r, "could not set the MAC of \"%s\"", a->conf.bridge) : 0;
}

/* The MAC is pinned before the address is added, so that a failure leaves
 * no gateway address behind. */
static int ensure_gateway_addr(struct bridge_add *a, const struct ip_prefix *gw)
{
	char buf[IP_PREFIX_STRLEN];
	bool present;
	int r;

	if ((r = make_room_for_gateway(a, gw, &present)) < 0 || present)
		return r;
	if ((r = pin_bridge_mac(a)) < 0)
		return r;
	r = addr_add(a->host_nl, a->br.ifindex, gw, ADDR_F_BROADCAST);
	if (r < 0 && r != -EEXIST)
		return pt_err_wrap(r, "could not add IP address %s to \"%s\"",
				   ip_prefix_format(gw, buf), a->conf.bridge);
	return 0;
}

/* Read over netlink: on a busy host it is on already, and /proc/sys is slow. */
static int enable_forwarding(struct nl_sock *nl, int family)
{
	const char *key = family == AF_INET ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding";
	bool on = false;
	int r;

	if (netconf_get_forwarding(nl, family, &on) == 0 && on)
		return 0;
	r = sysctl_write(key, "1");
	return r < 0 ? pt_err_wrap(r, "failed to enable forwarding (%s)", key) : 0;
}

static int setup_gateways(struct bridge_add *a)
{
	bool family_done[2] = { false, false };
	int r;

	for (size_t i = 0; a->conf.is_gw && i < a->res->n_ips; i++) {
		const struct cni_ip *ip = &a->res->ips[i];
		struct ip_prefix gw = { .addr = ip->gateway, .len = ip->address.len };
		bool v6 = gw.addr.family == AF_INET6;

		if ((r = ensure_gateway_addr(a, &gw)) < 0)
			return r;
		if (!family_done[v6] && (r = enable_forwarding(a->host_nl, gw.addr.family)) < 0)
			return r;
		family_done[v6] = true;
	}
	return 0;
}

static void format_mac(const struct link_info *l, char buf[18])
{
	const uint8_t *m = l->mac;

	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Our interfaces go first, so the IPs' index 2 is the container end. */
static int build_result(struct bridge_add *a)
{
	const struct cni_call *c = a->c;
	const struct link_info *links[] = { &a->br, &a->host_veth, &a->cont_veth };
	struct cni_result *res = a->res;
	char mac[18];
	json_t *dns = NULL;
	int r;

	if (!res && !(res = a->res = cni_result_new(c->conf->cni_version)))
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		format_mac(links[i], mac);
		r = cni_result_add_interface(res, i == 2 ? c->env->ifname : links[i]->name, mac,
					     i == 2 ? c->env->netns : NULL);
		if (r < 0)
			return r;
	}
	/* the network's own DNS settings win over the IPAM plugin's */
	if (c->conf->dns.n_nameservers || c->conf->dns.n_search || c->conf->dns.n_options ||
	    (c->conf->dns.domain && *c->conf->dns.domain)) {
		cni_dns_free(&res->dns);
		if ((r = json_opt_object(c->conf->json, "dns", NULL, &dns)) < 0 ||
		    (r = cni_dns_parse(dns, "dns", &res->dns)) < 0)
			return r;
	}
	a->c->result = TAKE_PTR(a->res);
	return 0;
}

static int open_container(struct bridge_add *a)
{
	int r;

	r = netns_open(a->c->env->netns, &a->netns_fd);
	if (r < 0)
		return pt_err_wrap(r, "failed to open netns \"%s\"", a->c->env->netns);
	r = nl_open_in_netns(a->netns_fd, &a->cont_nl);
	return r < 0 ? pt_err_wrap(r, "cannot open netlink in netns \"%s\"", a->c->env->netns) : 0;
}

/* ipMasq: the container's addresses become elements of pontoon's masquerade
 * sets (src/lib/nft/masq.h): no chain per container, one transaction. */
static int setup_masquerade(struct bridge_add *a)
{
	struct ip_prefix addrs[a->res->n_ips];
	int r;

	for (size_t i = 0; i < a->res->n_ips; i++)
		addrs[i] = a->res->ips[i].address;
	r = nft_masq_add(a->c->conf->name, a->c->env->container_id, a->c->env->ifname, addrs,
			 a->res->n_ips);
	if (r < 0)
		return pt_err_wrap(r, "failed to set up ipMasq");
	a->masq_done = true;
	return 0;
}

static void format_mac(const struct link_info *l, char buf[18]);

/* macspoofchk: the container may send only with its own MAC and (unless
 * ipspoofchk is false, or it has no addresses from IPAM) its own source
 * addresses — set elements in pontoon's bridge table (nft/spoofchk.h). */
static int setup_spoofchk(struct bridge_add *a)
{
	size_t n = a->res ? a->res->n_ips : 0;
	struct ip_prefix addrs[n ? n : 1];
	char mac[18];
	struct nft_spoofchk_req req = {
		.network = a->c->conf->name, .container_id = a->c->env->container_id,
		.ifname = a->c->env->ifname, .host_veth = a->host_name, .mac = mac,
		.addrs = addrs, .n_addrs = n, .check_ip = a->conf.ipspoofchk && n > 0,
	};
	int r;

	for (size_t i = 0; i < n; i++)
		addrs[i] = a->res->ips[i].address;
	format_mac(&a->cont_veth, mac);
	r = nft_spoofchk_add(&req);
	if (r < 0)
		return pt_err_wrap(r, "failed to set up macspoofchk");
	a->spoofchk_done = true;
	return 0;
}

static int refresh_bridge(struct bridge_add *a)
{
	int r = link_get_by_index(a->host_nl, a->br.ifindex, &a->br);

	return r < 0 ? pt_err_wrap(r, "could not lookup \"%s\"", a->conf.bridge) : 0;
}

static int do_add(struct bridge_add *a)
{
	int r;

	if ((r = ensure_bridge(a->host_nl, &a->conf, &a->br)) < 0)
		return r;
	if (a->conf.ipam_type && (r = run_ipam_add(a)) < 0)
		return r;
	test_kill_point("ipam");
	choose_macs(a);
	if ((r = open_container(a)) < 0 || (r = create_veth(a)) < 0)
		return r;
	test_kill_point("veth");
	if ((r = setup_host_end(a)) < 0 || (r = rename_container_end(a)) < 0)
		return r;
	test_kill_point("rename");
	if ((r = configure_container(a)) < 0)
		return r;
	if (a->res && (r = setup_gateways(a)) < 0)
		return r;
	if (a->res && a->conf.ip_masq && (r = setup_masquerade(a)) < 0)
		return r;
	if (a->conf.macspoofchk && (r = setup_spoofchk(a)) < 0)
		return r;
	if ((r = refresh_bridge(a)) < 0)
		return r;
	return build_result(a);
}

/* Undo a failed ADD: the veth pair (deleting one end deletes both), then
 * the address. The first error stays the one reported. */
static void undo_add(struct bridge_add *a)
{
	char saved[1024];
	int code = pt_err_cni_code();

	snprintf(saved, sizeof(saved), "%s", pt_err_msg());
	if (a->masq_done)
		(void)nft_masq_del(a->c->conf->name, a->c->env->container_id, a->c->env->ifname, NULL, 0);
	if (a->spoofchk_done) {
		struct nft_spoofchk_req req = { .network = a->c->conf->name,
			.container_id = a->c->env->container_id, .ifname = a->c->env->ifname };

		(void)nft_spoofchk_del(&req);
	}
	if (a->veth_done && link_delete_by_name(a->host_nl, a->host_name) < 0 && a->cont_nl) {
		(void)link_delete_by_name(a->cont_nl, a->tmp_name);
		(void)link_delete_by_name(a->cont_nl, a->c->env->ifname);
	}
	if (a->ipam_done)
		(void)cni_delegate(a->conf.ipam_type, CNI_CMD_DEL, a->c->env, a->c->conf->raw,
				   a->c->conf->raw_len, NULL);
	pt_err_code(0, code, "%s", saved);
}

static int bridge_add(struct cni_call *c)
{
	struct bridge_add a = { .c = c, .netns_fd = -1 };
	int r;

	if ((r = bridge_conf_parse(c, &a.conf)) < 0 ||
	    (r = bridge_conf_check_add(&a.conf, c->conf->cni_version)) < 0)
		return r;
	veth_names(c->env, a.host_name, a.tmp_name);
	r = nl_open(&a.host_nl);
	if (r < 0)
		return pt_err_wrap(r, "cannot open netlink");
	r = do_add(&a);
	if (r < 0)
		undo_add(&a);
	cni_result_free(a.res);
	nl_close(a.cont_nl);
	nl_close(a.host_nl);
	if (a.netns_fd >= 0)
		close(a.netns_fd);
	return r;
}

/* ---- DEL ------------------------------------------------------------------ */

/* DEL goes on after a failed step, so that everything that can be released
 * is (above all the address, which the reference releases first); the
 * error reported is the first one, with its message and CNI code. */
struct first_error {
	int r, code;
	char msg[1024];
};

static void keep_first_error(struct first_error *e, int r)
{
	if (r >= 0 || e->r < 0)
		return;
	e->r = r;
	e->code = pt_err_cni_code();
	snprintf(e->msg, sizeof(e->msg), "%s", pt_err_msg());
}

static int first_error_report(const struct first_error *e)
{
	return e->r < 0 ? pt_err_code(e->r, e->code, "%s", e->msg) : 0;
}

static int ipam_del(struct cni_call *c, const struct bridge_conf *b)
{
	if (!b->ipam_type)
		return 0;
	return cni_delegate(b->ipam_type, CNI_CMD_DEL, c->env, c->conf->raw, c->conf->raw_len, NULL);
}

/* Deletes the container's end; the kernel removes the host end with it.
 * This is most of a DEL's time: the kernel waits for an RCU barrier
 * before a veth is gone (see bench/README.md). */
static int delete_veth(struct nl_sock *nl, const char *name)
{
	int r = link_delete_by_name(nl, name);

	return r < 0 && r != -ENODEV ? pt_err_wrap(r, "failed to delete \"%s\"", name) : 0;
}

/* A netlink socket in the container's namespace, or NULL when the
 * namespace is gone already (nothing of the container is left there): its
 * path is missing, or is a pin file whose namespace was unmounted. */
static int open_container_nl(struct cni_call *c, struct nl_sock **ret)
{
	_cleanup_close_ int fd = -1;
	int r;

	*ret = NULL;
	if (!c->env->netns || !*c->env->netns)
		return 0;
	r = netns_open(c->env->netns, &fd);
	if (r == -ENOENT || (r == -EINVAL && netns_path_is_stale(c->env->netns)))
		return 0;
	if (r < 0)
		return pt_err_wrap(r, "failed to open netns \"%s\"", c->env->netns);
	if ((r = nl_open_in_netns(fd, ret)) < 0)
		return pt_err_wrap(r, "cannot open netlink in netns \"%s\"", c->env->netns);
	return 0;
}

/* Removes the container's end under its final or its temporary name (a
 * crashed ADD may have left either); gone already is fine. */
static int delete_container_links(struct cni_call *c, struct nl_sock *nl)
{
	char host[IFNAMSIZ], tmp[IFNAMSIZ];
	int r;

	veth_names(c->env, host, tmp);
	if ((r = delete_veth(nl, c->env->ifname)) < 0)
		return r;
	return delete_veth(nl, tmp);
}

/* By owner (the elements' comment), never by the addresses on the
 * container's interface: a container with NET_ADMIN can put any address
 * there, its neighbour's too. This lists masq4 and masq6. */
static int teardown_masquerade(struct cni_call *c)
{
	int r = nft_masq_del(c->conf->name, c->env->container_id, c->env->ifname, NULL, 0);

	return r < 0 ? pt_err_wrap(r, "failed to tear down ipMasq") : 0;
}

/* The spoof-check elements of the attachment: by key when prevResult names
 * the host end and the container's MAC (with the addresses ADD allowed,
 * the IPAM result's), else found by their comment. */
static int teardown_spoofchk(struct cni_call *c, const struct bridge_conf *b)
{
	const struct cni_result *prev = c->conf->prev_result;
	size_t n = prev ? prev->n_ips : 0;
	struct ip_prefix addrs[n ? n : 1];
	struct nft_spoofchk_req req = { .network = c->conf->name,
		.container_id = c->env->container_id, .ifname = c->env->ifname,
		.addrs = addrs, .n_addrs = n, .check_ip = b->ipspoofchk && b->ipam_type && n > 0 };
	int r;

	for (size_t i = 0; i < n; i++)
		addrs[i] = prev->ips[i].address;
	for (size_t i = 0; prev && i < prev->n_interfaces; i++) {
		const struct cni_interface *it = &prev->interfaces[i];

		if (it->sandbox && *it->sandbox && strcmp(it->name, c->env->ifname) == 0)
			req.mac = it->mac;
		else if ((!it->sandbox || !*it->sandbox) && strcmp(it->name, b->bridge) != 0)
			req.host_veth = it->name;
	}
	if (!req.mac || !req.host_veth)
		req.mac = req.host_veth = NULL;
	r = nft_spoofchk_del(&req);
	return r < 0 ? pt_err_wrap(r, "failed to tear down macspoofchk") : 0;
}

/* The rules go first and the veth last: a transaction that deleted
 * elements makes the next close of any netfilter socket wait for an RCU
 * grace period (nf_tables flushes its destroy work), and the veth's delete
 * waits for one anyway; by the time the process lets its nft socket go
 * (nft_handle_close keeps it), there is nothing left to wait for. */
static int bridge_del(struct cni_call *c)
{
	_cleanup_nl_ struct nl_sock *cnl = NULL;
	struct first_error e = { 0 };
	struct bridge_conf b;
	int r;

	if ((r = bridge_conf_parse(c, &b)) < 0)
		return r;
	if (b.ip_masq && b.ipam_type)
		keep_first_error(&e, teardown_masquerade(c));
	if (b.macspoofchk)
		keep_first_error(&e, teardown_spoofchk(c, &b));
	keep_first_error(&e, open_container_nl(c, &cnl));
	if (cnl)
		keep_first_error(&e, delete_container_links(c, cnl));
	keep_first_error(&e, ipam_del(c, &b));
	return first_error_report(&e);
}

/* ---- CHECK ---------------------------------------------------------------- */

struct bridge_check {
	struct cni_call *c;
	struct bridge_conf conf;
	const struct cni_result *prev;
	const struct cni_interface *br_if, *cont_if;
	struct link_info br, cont;
};

static int mac_matches(const char *expected, const struct link_info *l)
{
	char mac[18];

	if (!expected || !*expected)
		return 1;
	format_mac(l, mac);
	return strcasecmp(expected, mac) == 0;
}

static int find_result_interfaces(struct bridge_check *k)
{
	const struct cni_env *env = k->c->env;

	for (size_t i = 0; i < k->prev->n_interfaces; i++) {
		const struct cni_interface *it = &k->prev->interfaces[i];

		if (strcmp(it->name, k->conf.bridge) == 0)
			k->br_if = it;
		else if (strcmp(it->name, env->ifname) == 0 && it->sandbox &&
			 strcmp(it->sandbox, env->netns) == 0)
			k->cont_if = it;
	}
	if (!k->br_if)
		return pt_err(-ENOENT, "CNI created bridge %s in host namespace was not found", k->conf.bridge);
	if (!k->cont_if)
		return pt_err(-ENOENT, "Sandbox in prevResult doesn't match configured netns: %s", env->netns);
	return 0;
}

static int check_bridge(struct bridge_check *k, struct nl_sock *nl)
{
	bool promisc;

	if (link_get_by_name(nl, k->conf.bridge, &k->br) < 0)
		return pt_err(-ENOENT, "Interface name %s not found", k->conf.bridge);
	if (strcmp(k->br.kind, "bridge") != 0)
		return pt_err(-EINVAL, "Interface %s does not have link type of bridge", k->conf.bridge);
	if (!mac_matches(k->br_if->mac, &k->br))
		return pt_err(-EINVAL, "Bridge interface %s Mac doesn't match: %s", k->conf.bridge, k->br_if->mac);
	promisc = k->br.flags & IFF_PROMISC;
	if (promisc != k->conf.promisc)
		return pt_err(-EINVAL, "Bridge interface %s configured Promisc Mode %s doesn't match current state: %s",
			      k->conf.bridge, k->conf.promisc ? "true" : "false", promisc ? "true" : "false");
	return 0;
}

static int check_container_link(struct bridge_check *k, struct nl_sock *cnl)
{
	const char *ifname = k->c->env->ifname;

	if (link_get_by_name(cnl, ifname, &k->cont) < 0)
		return pt_err(-ENOENT, "Interface name %s not found", ifname);
	if (strcmp(k->cont.kind, "veth") != 0)
		return pt_err(-EINVAL, "Error: Container interface %s not of type veth", ifname);
	if (!mac_matches(k->cont_if->mac, &k->cont))
		return pt_err(-EINVAL, "Interface %s Mac %s doesn't match container Mac", ifname, k->cont_if->mac);
	return 0;
}

/* The host end: the container end's peer, on our bridge, and named in prevResult. */
static int check_host_veth(struct bridge_check *k, struct nl_sock *nl)
{
	struct link_info host;

	if (link_get_by_index(nl, k->cont.peer_ifindex, &host) < 0 ||
	    strcmp(host.kind, "veth") != 0 || host.master != k->br.ifindex ||
	    host.peer_ifindex != k->cont.ifindex)
		return pt_err(-ENOENT, "CNI veth created for bridge %s was not found", k->conf.bridge);
	for (size_t i = 0; i < k->prev->n_interfaces; i++)
		if (strcmp(k->prev->interfaces[i].name, host.name) == 0)
			return mac_matches(k->prev->interfaces[i].mac, &host) ? 0 :
			       pt_err(-EINVAL, "Interface %s Mac doesn't match", host.name);
	return pt_err(-ENOENT, "CNI veth created for bridge %s was not found", k->conf.bridge);
}

static int check_addrs(struct bridge_check *k, struct nl_sock *cnl)
{
	_cleanup_free_ struct ip_prefix *addrs = NULL;
	char buf[IP_PREFIX_STRLEN];
	size_t n;
	int r;

	r = addr_list(cnl, k->cont.ifindex, AF_UNSPEC, &addrs, &n);
	if (r < 0)
		return pt_err_wrap(r, "cannot list addresses of %s", k->c->env->ifname);
	for (size_t i = 0; i < k->prev->n_ips; i++) {
		const struct ip_prefix *want = &k->prev->ips[i].address;
		bool found = false;

		for (size_t j = 0; j < n && !found; j++)
			found = ip_addr_equal(&addrs[j].addr, &want->addr) && addrs[j].len == want->len;
		if (!found)
			return pt_err(-ENOENT, "ip %s not found on interface %s",
				      ip_prefix_format(want, buf), k->c->env->ifname);
	}
	return 0;
}

static bool route_present(const struct route *routes, size_t n, const struct cni_route *want)
{
	for (size_t i = 0; i < n; i++) {
		struct ip_addr a, b;

		ip_prefix_network(&routes[i].dst, &a);
		ip_prefix_network(&want->dst, &b);
		if (ip_addr_equal(&a, &b) && routes[i].dst.len == want->dst.len &&
		    (ip_addr_is_unset(&want->gw) || ip_addr_equal(&routes[i].gw, &want->gw)))
			return true;
	}
	return false;
}

static int check_routes(struct bridge_check *k, struct nl_sock *cnl)
{
	char buf[IP_PREFIX_STRLEN];

	for (size_t i = 0; i < k->prev->n_routes; i++) {
		const struct cni_route *want = &k->prev->routes[i];
		_cleanup_free_ struct route *routes = NULL;
		size_t n;
		int r;

		r = route_list(cnl, want->dst.addr.family, 0, &routes, &n);
		if (r < 0)
			return pt_err_wrap(r, "cannot list routes");
		if (!route_present(routes, n, want))
			return pt_err(-ENOENT, "route to %s not found",
				      ip_prefix_format(&want->dst, buf));
	}
	return 0;
}

static int check_links(struct bridge_check *k)
{
	_cleanup_nl_ struct nl_sock *nl = NULL, *cnl = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if ((r = nl_open(&nl)) < 0)
		return pt_err_wrap(r, "cannot open netlink");
	if ((r = netns_open(k->c->env->netns, &fd)) < 0)
		return pt_err_wrap(r, "failed to open netns \"%s\"", k->c->env->netns);
	if ((r = nl_open_in_netns(fd, &cnl)) < 0)
		return pt_err_wrap(r, "cannot open netlink in netns \"%s\"", k->c->env->netns);
	if ((r = check_bridge(k, nl)) < 0 || (r = check_container_link(k, cnl)) < 0 ||
	    (r = check_host_veth(k, nl)) < 0 || (r = check_addrs(k, cnl)) < 0)
		return r;
	return check_routes(k, cnl);
}

static int bridge_check(struct cni_call *c)
{
	struct bridge_check k = { .c = c };
	int r;

	if ((r = bridge_conf_parse(c, &k.conf)) < 0)
		return r;
	if (k.conf.ipam_type && (r = cni_delegate(k.conf.ipam_type, CNI_CMD_CHECK, c->env,
						  c->conf->raw, c->conf->raw_len, NULL)) < 0)
		return r;
	k.prev = c->conf->prev_result;
	if (!k.prev)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "Required prevResult missing");
	if ((r = find_result_interfaces(&k)) < 0)
		return r;
	return check_links(&k);
}

/* ---- STATUS and GC: what the bridge holds lives in the IPAM plugin -------- */

static int delegate_to_ipam(struct cni_call *c, enum cni_cmd cmd)
{
	struct bridge_conf b;
	int r;

	if ((r = bridge_conf_parse(c, &b)) < 0 || !b.ipam_type)
		return r;
	return cni_delegate(b.ipam_type, cmd, c->env, c->conf->raw, c->conf->raw_len, NULL);
}

static int bridge_status(struct cni_call *c)
{
	return delegate_to_ipam(c, CNI_CMD_STATUS);
}

static int bridge_gc(struct cni_call *c)
{
	_cleanup_free_ struct cni_attachment *valid = NULL;
	struct bridge_conf b;
	size_t n = 0;
	int r;

	if ((r = delegate_to_ipam(c, CNI_CMD_GC)) < 0 || (r = bridge_conf_parse(c, &b)) < 0)
		return r;
	if (!(b.ip_masq && b.ipam_type) && !b.macspoofchk)
		return 0;
	if ((r = cni_gc_attachments(c->conf, &valid, &n)) < 0)
		return r;
	if (b.ip_masq && b.ipam_type && (r = nft_masq_gc(c->conf->name, valid, n)) < 0)
		return pt_err_wrap(r, "failed to collect ipMasq garbage");
	if (b.macspoofchk && (r = nft_spoofchk_gc(c->conf->name, valid, n)) < 0)
		return pt_err_wrap(r, "failed to collect macspoofchk garbage");
	return 0;
}

const struct cni_plugin plugin_bridge = {
	.type = "bridge",
	.add = bridge_add,
	.del = bridge_del,
	.check = bridge_check,
	.status = bridge_status,
	.gc = bridge_gc,
};
