/* portmap: the reference CNI portmap plugin's configuration
 * (runtimeConfig.portMappings, snat, masqAll, markMasqBit,
 * externalSetMarkChain, conditionsV4/V6), chained after a plugin that gives
 * the container's addresses in prevResult. The ports are published as
 * elements of pontoon's nftables maps (src/lib/nft/portmap.h): one
 * transaction per ADD or DEL whatever the number of containers.
 *
 * conditionsV4/V6 (the reference's extra matches on the jump to the
 * container's DNAT rules) are taken in iptables words ([!] -s/--source,
 * [!] -d/--destination CIDR) or nft words (ip/ip6 saddr/daddr [!=] CIDR) and
 * become, per mapping, elements of sets of source/destination ranges that
 * the mapping leaves alone (no DNAT), carrying the container's comment like
 * every other element, so DEL, CHECK and GC treat them alike. Anything else
 * (-i, -m modules, other options) is refused with CNI code 2, never ignored
 * (docs/nat.md).
 *
 * ADD:  elements → stale UDP conntrack entries of the host ports forgotten →
 *       route_localnet on the interface that routes to the container (so that
 *       127.0.0.1 may be DNATed towards it) → prevResult passed on.
 * DEL:  elements removed (found by comment when there is no prevResult) →
 *       stale UDP entries forgotten. Succeeds when nothing is there.
 * CHECK: every element present with the right value.
 * GC:   elements of attachments not in cni.dev/valid-attachments removed. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/error.h"
#include "cni/plugin.h"
#include "nft/portmap.h"
#include "nl/link.h"
#include "nl/nl.h"
#include "nl/route.h"
#include "nl/sysctl.h"
#include "plugins.h"
#include "util/cleanup.h"
#include "util/error.h"

struct portmap_call {
	struct portmap_conf conf;
	struct ip_prefix ips[2];	/* the first IPv4 and IPv6 of the container */
	size_t n_ips;
	struct nft_portmap_req req;
};

/* An address the reference leaves out: one of a known interface that is
 * not CNI_IFNAME in a sandbox (a host-side veth, or another interface of a
 * container with several, whose ports are another attachment's). */
static bool on_other_interface(const struct cni_result *res, const struct cni_ip *ip,
			       const char *ifname)
{
	const struct cni_interface *itf;

	if (ip->interface < 0 || (size_t)ip->interface >= res->n_interfaces)
		return false;
	itf = &res->interfaces[ip->interface];
	return !itf->sandbox || !itf->sandbox[0] ||
	       (ifname && (!itf->name || strcmp(itf->name, ifname) != 0));
}

/* Addresses of the container: those of CNI_IFNAME in a sandbox, or of no
 * interface at all, as the reference picks them. */
static void container_ips(const struct cni_result *res, const char *ifname,
			  struct portmap_call *p)
{
	bool have4 = false, have6 = false;

	if (!res)
		return;
	for (size_t i = 0; i < res->n_ips; i++) {
		const struct cni_ip *ip = &res->ips[i];
		int fam = ip->address.addr.family;

		if (on_other_interface(res, ip, ifname))
			continue;
		if ((fam == AF_INET && have4) || (fam == AF_INET6 && have6))
			continue;
		have4 |= fam == AF_INET;
		have6 |= fam == AF_INET6;
		p->ips[p->n_ips++] = ip->address;
	}
}

static int portmap_prepare(struct cni_call *c, struct portmap_call *p)
{
	int r = portmap_conf_parse(c->conf->json, &p->conf);

	if (r < 0)
		return r;
	container_ips(c->conf->prev_result, c->env->ifname, p);
	p->req = (struct nft_portmap_req){
		.network = c->conf->name,
		.container_id = c->env->container_id,
		.ifname = c->env->ifname,
		.maps = p->conf.maps,
		.n_maps = p->conf.n_maps,
		.ips = p->ips,
		.n_ips = p->n_ips,
		.snat = p->conf.snat,
		.masq_all = p->conf.masq_all,
		.cond4 = &p->conf.cond4,
		.cond6 = &p->conf.cond6,
	};
	return 0;
}

static void portmap_call_done(struct portmap_call *p)
{
	portmap_conf_free(&p->conf);
}

/* The link of the most specific route to a; 0 when none. */
static int route_ifindex(struct nl_sock *nl, const struct ip_addr *a)
{
	_cleanup_free_ struct route *routes = NULL;
	size_t n = 0;
	int best = -1, r;

	r = route_list(nl, AF_INET, 0, &routes, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (routes[i].ifindex > 0 && ip_prefix_contains(&routes[i].dst, a) &&
		    (best < 0 || routes[i].dst.len > routes[best].dst.len))
			best = (int)i;
	return best < 0 ? 0 : routes[best].ifindex;
}

static bool publishes_v4(const struct portmap_conf *conf)
{
	for (size_t i = 0; i < conf->n_maps; i++)
		if (conf->maps[i].host_ip.family != AF_INET6)
			return true;
	return false;
}

/* 127.0.0.1 DNATed to the container must be allowed to leave through the
 * bridge: route_localnet on that interface only (never on an uplink). */
static int enable_localnet(const struct portmap_call *p)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;
	struct link_info link;
	char key[128], cur[8];
	int r, ifindex;

	if (!p->conf.snat || !publishes_v4(&p->conf) || !p->n_ips || p->ips[0].addr.family != AF_INET)
		return 0;
	r = nl_open(&nl);
	if (r < 0)
		return pt_err_wrap(r, "portmap: cannot open netlink");
	ifindex = route_ifindex(nl, &p->ips[0].addr);
	if (ifindex <= 0)
		return ifindex;
	r = link_get_by_index(nl, ifindex, &link);
	if (r < 0)
		return pt_err_wrap(r, "portmap: link %d routing to the container", ifindex);
	snprintf(key, sizeof(key), "net/ipv4/conf/%s/route_localnet", link.name);
	if (sysctl_read(key, cur, sizeof(cur)) == 0 && strcmp(cur, "1") == 0)
		return 0;
	r = sysctl_write(key, "1");
	return r < 0 ? pt_err_wrap(r, "portmap: cannot set %s", key) : 0;
}

/* portmap publishes the addresses an earlier plugin of the chain gave. */
static int require_prev_result(const struct cni_call *c)
{
	if (c->conf->prev_result)
		return 0;
	return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
			   "portmap: must be called as a chained plugin (no prevResult)");
}

/* ADD failed: leave nothing behind, and report why ADD failed rather than
 * what the cleanup met on its way. */
static void undo_add(const struct portmap_call *p, int err)
{
	char msg[1024];
	int code = pt_err_cni_code();

	snprintf(msg, sizeof(msg), "%s", pt_err_msg());
	nft_portmap_del(&p->req);
	pt_err_clear();
	if (code)
		pt_err_code(err, code, "%s", msg);
	else if (msg[0])
		pt_err(err, "%s", msg);
}

static int portmap_add(struct cni_call *c)
{
	_cleanup_(portmap_call_done) struct portmap_call p = { 0 };
	int r = portmap_prepare(c, &p);

	if (r < 0)
		return r;
	if ((r = require_prev_result(c)) < 0)
		return r;
	if (p.conf.n_maps && !p.n_ips)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "prevResult.ips: no container address to publish ports to");
	r = nft_portmap_add(&p.req);
	if (r >= 0)
		r = enable_localnet(&p);
	if (r < 0) {
		undo_add(&p, r);
		return r;
	}
	return cni_result_copy(c->conf->prev_result, &c->result);
}

static int portmap_del(struct cni_call *c)
{
	_cleanup_(portmap_call_done) struct portmap_call p = { 0 };
	int r = portmap_prepare(c, &p);

	if (r < 0)
		return r;
	return nft_portmap_del(&p.req);
}

static int portmap_check(struct cni_call *c)
{
	_cleanup_(portmap_call_done) struct portmap_call p = { 0 };
	int r = portmap_prepare(c, &p);

	if (r < 0)
		return r;
	if ((r = require_prev_result(c)) < 0)
		return r;
	return nft_portmap_check(&p.req);
}

static int portmap_gc(struct cni_call *c)
{
	_cleanup_free_ struct cni_attachment *valid = NULL;
	size_t n = 0;
	int r = cni_gc_attachments(c->conf, &valid, &n);

	if (r < 0)
		return r;
	return nft_portmap_gc(c->conf->name, valid, n);
}

const struct cni_plugin plugin_portmap = {
	.type = "portmap",
	.add = portmap_add,
	.del = portmap_del,
	.check = portmap_check,
	.gc = portmap_gc,
};
