/* firewall: the reference CNI firewall plugin's configuration (`backend`
 * "iptables" or "firewalld" accepted — pontoon always uses nftables —,
 * `ingressPolicy` open / same-bridge / isolated, `iptablesAdminChainName`
 * and `firewalldZone` accepted and unused), chained after bridge. The
 * container's addresses and its network's bridge become elements of
 * pontoon's inet table (src/lib/nft/firewall.h): forwarded traffic from the
 * container and established/related traffic back to it is accepted in
 * pontoon's forward chain; same-bridge drops traffic between the bridge and
 * every other pontoon bridge, isolated also traffic within the bridge.
 * An accept in pontoon's table does not override a drop in another table
 * (Docker's FORWARD policy DROP): docs/nat.md, "Next to Docker".
 *
 * pontoon's additions (docs/security.md, "What a container can reach"):
 * `hostAccess` "all" (default) or "gateway": the network's containers reach,
 * on the host itself, only the addresses of their own bridge;
 * `blockedDestinations` ["169.254.169.254/32", ...]: IPv4 and IPv6 ranges
 * the network's containers cannot reach, forwarded or on the host.
 *
 * ADD: elements → prevResult passed on. DEL: the container's addresses
 * removed (by comment without prevResult); the bridge's elements stay until
 * GC finds the network without containers. CHECK: the addresses, hostgw_br
 * and the blocked ranges present. */
#include <errno.h>
#include <string.h>

#include "cni/error.h"
#include "cni/plugin.h"
#include "nft/firewall.h"
#include "plugins.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

#define FW_MAX_IPS 16

struct fw_call {
	struct ip_prefix ips[FW_MAX_IPS];
	struct ip_prefix blocked[NFT_FW_MAX_BLOCKED];
	struct nft_firewall_req req;
};

/* The plugin's own fields of the config. */
struct fw_conf {
	enum nft_ingress_policy policy;
	enum nft_host_access host_access;
	struct ip_prefix *blocked;	/* NFT_FW_MAX_BLOCKED of the caller's */
	size_t n_blocked;
};

/* blockedDestinations: CIDRs ("ADDRESS/LEN", IPv4 or IPv6; host bits are
 * ignored), each refused with the field and its index when it is not one. */
static int fw_blocked(json_t *conf, struct fw_conf *c)
{
	json_t *list = NULL, *v;
	size_t i;
	int r = json_opt_array(conf, "blockedDestinations", "config", &list);

	if (r < 0 || !list)
		return r;
	if (json_array_size(list) > NFT_FW_MAX_BLOCKED)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "blockedDestinations: at most %d ranges, got %zu",
				   NFT_FW_MAX_BLOCKED, json_array_size(list));
	json_array_foreach(list, i, v) {
		const char *t = json_string_value(v);

		if (!t || strlen(t) != json_string_length(v))
			return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
					   "blockedDestinations[%zu]: must be a CIDR string", i);
		if (ip_prefix_parse(t, &c->blocked[i]) < 0)
			return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
					   "blockedDestinations[%zu]: not a CIDR: \"%.64s\"", i, t);
	}
	c->n_blocked = json_array_size(list);
	return 0;
}

static int fw_conf(json_t *conf, struct fw_conf *c)
{
	const char *backend = NULL, *policy = NULL, *host = NULL, *s = NULL;
	int r;

	if ((r = json_opt_string(conf, "backend", "config", &backend)) < 0 ||
	    (r = json_opt_string(conf, "ingressPolicy", "config", &policy)) < 0 ||
	    (r = json_opt_string(conf, "hostAccess", "config", &host)) < 0 ||
	    (r = json_opt_string(conf, "iptablesAdminChainName", "config", &s)) < 0 ||
	    (r = json_opt_string(conf, "firewalldZone", "config", &s)) < 0)
		return r;
	if (backend && backend[0] && strcmp(backend, "iptables") != 0 &&
	    strcmp(backend, "firewalld") != 0 && strcmp(backend, "nftables") != 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "backend: must be \"iptables\" or \"firewalld\" (pontoon uses "
				   "nftables for both), got \"%s\"", backend);
	if (nft_ingress_policy_parse(policy, &c->policy) < 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "ingressPolicy: must be \"open\", \"same-bridge\" or \"isolated\", "
				   "got \"%s\"", policy);
	if (nft_host_access_parse(host, &c->host_access) < 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "hostAccess: must be \"all\" or \"gateway\", got \"%.64s\"", host);
	return fw_blocked(conf, c);
}

static int fw_prepare(struct cni_call *c, struct fw_call *f)
{
	const struct cni_result *res = c->conf->prev_result;
	struct fw_conf conf = { .blocked = f->blocked };
	size_t n = 0;
	int r = fw_conf(c->conf->json, &conf);

	if (r < 0)
		return r;
	for (size_t i = 0; res && i < res->n_ips && n < FW_MAX_IPS; i++)
		f->ips[n++] = res->ips[i].address;
	f->req = (struct nft_firewall_req){
		.network = c->conf->name,
		.container_id = c->env->container_id,
		.ifname = c->env->ifname,
		/* the reference takes the bridge from the first interface */
		.bridge = res && res->n_interfaces ? res->interfaces[0].name : NULL,
		.policy = conf.policy,
		.host_access = conf.host_access,
		.ips = f->ips,
		.n_ips = n,
		.blocked = f->blocked,
		.n_blocked = conf.n_blocked,
	};
	return 0;
}

static int need_prev(struct cni_call *c)
{
	if (!c->conf->prev_result)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "firewall: must be called as a chained plugin (no prevResult)");
	return 0;
}

static int firewall_add(struct cni_call *c)
{
	struct fw_call f = { 0 };
	int r = fw_prepare(c, &f);

	if (r >= 0)
		r = need_prev(c);
	if (r >= 0)
		r = nft_firewall_add(&f.req);
	if (r < 0)
		return r;
	return cni_result_copy(c->conf->prev_result, &c->result);
}

static int firewall_del(struct cni_call *c)
{
	struct fw_call f = { 0 };
	int r = fw_prepare(c, &f);

	return r < 0 ? r : nft_firewall_del(&f.req);
}

static int firewall_check(struct cni_call *c)
{
	struct fw_call f = { 0 };
	int r = fw_prepare(c, &f);

	if (r >= 0)
		r = need_prev(c);
	return r < 0 ? r : nft_firewall_check(&f.req);
}

static int firewall_gc(struct cni_call *c)
{
	_cleanup_free_ struct cni_attachment *valid = NULL;
	size_t n = 0;
	int r = cni_gc_attachments(c->conf, &valid, &n);

	return r < 0 ? r : nft_firewall_gc(c->conf->name, valid, n);
}

const struct cni_plugin plugin_firewall = {
	.type = "firewall",
	.add = firewall_add,
	.del = firewall_del,
	.check = firewall_check,
	.gc = firewall_gc,
};
