/* The firewall plugin's elements: render, add, delete, check, GC; see
 * firewall.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nft/firewall.h"
#include "util/cleanup.h"
#include "util/error.h"

int nft_ingress_policy_parse(const char *s, enum nft_ingress_policy *ret)
{
	if (!s || !s[0] || strcmp(s, "open") == 0)
		*ret = NFT_INGRESS_OPEN;
	else if (strcmp(s, "same-bridge") == 0)
		*ret = NFT_INGRESS_SAME_BRIDGE;
	else if (strcmp(s, "isolated") == 0)
		*ret = NFT_INGRESS_ISOLATED;
	else
		return -EINVAL;
	return 0;
}

static int owner(const struct nft_firewall_req *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/%s", r->network, r->container_id, r->ifname);
	if (!nft_comment_ok(buf) || (r->bridge && !nft_comment_ok(r->bridge)))
		return pt_err(-EINVAL, "firewall: network, container id, interface or bridge name "
			      "unusable in an nft rule (quotes, control characters, over %d bytes): %s",
			      NFT_COMMENT_MAX, buf);
	return 0;
}

static const char *fam(const struct ip_prefix *p)
{
	return p->addr.family == AF_INET ? "4" : "6";
}

static void render_bridge(const struct nft_firewall_req *r, struct nft_script *s)
{
	const char *b = r->bridge, *n = r->network;

	nft_script_appendf(s, "add element inet pontoon fw_br { \"%s\" comment \"%s\" }\n", b, n);
	if (r->policy == NFT_INGRESS_OPEN)
		return;
	nft_script_appendf(s, "add element inet pontoon iso_br { \"%s\" comment \"%s\" }\n"
			   "add element inet pontoon iso_self { \"%s\" . \"%s\" comment \"%s\" }\n",
			   b, n, b, b, n);
	if (r->policy == NFT_INGRESS_ISOLATED)
		nft_script_appendf(s, "add element inet pontoon isolated_self "
				   "{ \"%s\" . \"%s\" comment \"%s\" }\n", b, b, n);
}

int nft_firewall_render_add(const struct nft_firewall_req *r, struct nft_script *s)
{
	char who[512], a[IP_ADDR_STRLEN];
	int ret = owner(r, who, sizeof(who));

	if (ret < 0)
		return ret;
	if (r->policy != NFT_INGRESS_OPEN && (!r->bridge || !r->bridge[0]))
		return pt_err(-EINVAL, "firewall: ingressPolicy needs the bridge as the first "
			      "interface of prevResult (chain firewall after bridge)");
	if (r->bridge && r->bridge[0])
		render_bridge(r, s);
	for (size_t i = 0; i < r->n_ips; i++)
		nft_script_appendf(s, "add element inet pontoon fw%s { %s comment \"%s\" }\n",
				   fam(&r->ips[i]), ip_addr_format(&r->ips[i].addr, a), who);
	return 0;
}

int nft_firewall_render_del(const struct nft_firewall_req *r, struct nft_script *s)
{
	char a[IP_ADDR_STRLEN];

	for (size_t i = 0; i < r->n_ips; i++) {
		ip_addr_format(&r->ips[i].addr, a);
		nft_script_appendf(s, "add element inet pontoon fw%s { %s }\n"
				   "delete element inet pontoon fw%s { %s }\n",
				   fam(&r->ips[i]), a, fam(&r->ips[i]), a);
	}
	return 0;
}

int nft_firewall_add(const struct nft_firewall_req *r)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	_cleanup_script_ struct nft_script s = { 0 };
	int ret;

	nft_script_init(&s);
	ret = nft_firewall_render_add(r, &s);
	if (ret >= 0)
		ret = nft_handle_open(&h);
	if (ret < 0)
		return ret;
	return nft_apply(h, "firewall: cannot add the container's elements", nft_script_text(&s));
}

int nft_firewall_del(const struct nft_firewall_req *r)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	_cleanup_script_ struct nft_script s = { 0 };
	char who[512];
	int ret;

	nft_script_init(&s);
	ret = owner(r, who, sizeof(who));
	if (ret < 0)
		return ret;
	ret = nft_table_exists();
	if (ret <= 0)
		return ret;
	ret = nft_handle_open(&h);
	if (ret < 0)
		return ret;
	if (r->n_ips > 0) {
		nft_firewall_render_del(r, &s);
		return nft_run(h, "firewall: cannot delete the container's elements",
			       nft_script_text(&s));
	}
	struct nft_owner_match m = { .how = NFT_MATCH_EXACT, .text = who };
	ret = nft_delete_matching(h, "fw4", &m);
	if (ret >= 0)
		ret = nft_delete_matching(h, "fw6", &m);
	return ret < 0 ? pt_err_wrap(ret, "firewall: cannot delete the elements of %s", who) : 0;
}

int nft_firewall_check(const struct nft_firewall_req *r)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	int ret = nft_table_exists();

	if (ret < 0)
		return ret;
	if (ret == 0)
		return pt_err(-ENOENT, "firewall: table inet pontoon is missing");
	ret = nft_handle_open(&h);
	for (size_t i = 0; i < r->n_ips && ret >= 0; i++) {
		_cleanup_free_ char *cmd = NULL;
		char a[IP_ADDR_STRLEN];
		const char *out;

		ip_addr_format(&r->ips[i].addr, a);
		if (asprintf(&cmd, "get element inet pontoon fw%s { %s }", fam(&r->ips[i]), a) < 0)
			return -ENOMEM;
		if (nft_run_output(h, cmd, &out) < 0)
			return pt_err(-ENOENT, "firewall: element %s of set fw%s is missing", a,
				      fam(&r->ips[i]));
	}
	return ret < 0 ? ret : 0;
}

int nft_firewall_gc(const char *network, const struct cni_attachment *valid, size_t n_valid)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	struct nft_owner_match stale = { NFT_MATCH_STALE, network, valid, n_valid };
	struct nft_owner_match under = { NFT_MATCH_UNDER, network, NULL, 0 };
	struct nft_owner_match exact = { NFT_MATCH_EXACT, network, NULL, 0 };
	static const char *const per_net[] = { "fw_br", "iso_br", "iso_self", "isolated_self" };
	int r, left = 0;

	r = nft_table_exists();
	if (r <= 0)
		return r;
	r = nft_handle_open(&h);
	if (r >= 0)
		r = nft_delete_matching(h, "fw4", &stale);
	if (r >= 0)
		r = nft_delete_matching(h, "fw6", &stale);
	if (r >= 0)
		r = left = nft_any_matching(h, "fw4", &under);
	if (r >= 0 && !left)
		r = left = nft_any_matching(h, "fw6", &under);
	for (size_t i = 0; r >= 0 && !left && i < ARRAY_SIZE(per_net); i++)
		r = nft_delete_matching(h, per_net[i], &exact);
	return r < 0 ? pt_err_wrap(r, "firewall GC of network %s", network) : 0;
}
