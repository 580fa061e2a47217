/* The firewall plugin's elements: render, add, delete, check, GC; see
 * firewall.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nft/firewall.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

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

int nft_host_access_parse(const char *s, enum nft_host_access *ret)
{
	if (!s || !s[0] || strcmp(s, "all") == 0)
		*ret = NFT_HOST_ALL;
	else if (strcmp(s, "gateway") == 0)
		*ret = NFT_HOST_GATEWAY;
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

/* Whether blocked range i is inside another of the list (or equal to an
 * earlier one): its element would overlap that one's, which an interval set
 * refuses, and it blocks nothing more. CIDRs nest or are disjoint. */
static bool blocked_redundant(const struct nft_firewall_req *r, size_t i)
{
	const struct ip_prefix *p = &r->blocked[i];
	struct ip_addr net;

	ip_prefix_network(p, &net);
	for (size_t j = 0; j < r->n_blocked; j++) {
		const struct ip_prefix *q = &r->blocked[j];

		if (j == i || q->addr.family != p->addr.family || q->len > p->len ||
		    !ip_prefix_contains(q, &net))
			continue;
		if (q->len < p->len || j < i)
			return true;
	}
	return false;
}

/* "blocked4 { \"cni0\" . 169.254.169.254/32" : the set and key of range i,
 * host bits cleared. */
static void render_blocked_key(const struct nft_firewall_req *r, size_t i, struct nft_script *s)
{
	const struct ip_prefix *p = &r->blocked[i];
	char a[IP_ADDR_STRLEN];
	struct ip_addr net;

	ip_prefix_network(p, &net);
	nft_script_appendf(s, "blocked%s { \"%s\" . %s/%u", fam(p), r->bridge,
			   ip_addr_format(&net, a), p->len);
}

static void render_blocked(const struct nft_firewall_req *r, struct nft_script *s)
{
	for (size_t i = 0; i < r->n_blocked; i++) {
		if (blocked_redundant(r, i))
			continue;
		nft_script_appendf(s, "add element inet pontoon ");
		render_blocked_key(r, i, s);
		nft_script_appendf(s, " comment \"%s\" }\n", r->network);
	}
}

static void render_bridge(const struct nft_firewall_req *r, struct nft_script *s)
{
	const char *b = r->bridge, *n = r->network;

	nft_script_appendf(s, "add element inet pontoon fw_br { \"%s\" comment \"%s\" }\n", b, n);
	if (r->host_access == NFT_HOST_GATEWAY)
		nft_script_appendf(s, "add element inet pontoon hostgw_br { \"%s\" comment \"%s\" }\n",
				   b, n);
	render_blocked(r, s);
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
	if ((r->host_access != NFT_HOST_ALL || r->n_blocked) && (!r->bridge || !r->bridge[0]))
		return pt_err(-EINVAL, "firewall: hostAccess and blockedDestinations need the bridge "
			      "as the first interface of prevResult (chain firewall after bridge)");
	for (size_t i = 0; i < r->n_blocked; i++)
		if (r->blocked[i].addr.family != AF_INET && r->blocked[i].addr.family != AF_INET6)
			return pt_err(-EINVAL, "firewall: blockedDestinations[%zu]: no address", i);
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

/* Renders the deletion of the network's elements of blocked4 or blocked6
 * (found by comment: one listing of a set that holds a few elements per
 * network, done only when the block list of the network changed). */
static int render_del_blocked(struct nft_handle *h, const char *set, const char *network,
			      struct nft_script *s)
{
	_cleanup_json_ json_t *elems = NULL;
	size_t i;
	json_t *e;
	int r = nft_list_elements(h, set, &elems);

	if (r < 0)
		return r;
	json_array_foreach(elems, i, e) {
		json_t *key, *value;
		const char *comment;

		if (nft_elem_parse(e, &key, &comment, &value) < 0 || strcmp(comment, network) != 0)
			continue;
		nft_script_appendf(s, "delete element inet pontoon %s { ", set);
		if (nft_json_expr_render(key, s) < 0)
			return pt_err(-EINVAL, "firewall: cannot read an element of %s", set);
		nft_script_appendf(s, " }\n");
	}
	return 0;
}

/* The ADD's elements overlapped the network's blocked ranges of an earlier
 * config (EEXIST): replace them, in one transaction, so no packet ever
 * passes unblocked in between. */
static int replace_blocked(struct nft_handle *h, const struct nft_firewall_req *r,
			   const char *add)
{
	_cleanup_script_ struct nft_script s = { 0 };
	int ret;

	nft_script_init(&s);
	ret = render_del_blocked(h, "blocked4", r->network, &s);
	if (ret >= 0)
		ret = render_del_blocked(h, "blocked6", r->network, &s);
	if (ret < 0)
		return ret;
	nft_script_appendf(&s, "%s", add);
	return nft_run(h, "firewall: cannot replace the network's blockedDestinations",
		       nft_script_text(&s));
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
	ret = nft_apply(h, "firewall: cannot add the container's elements", nft_script_text(&s));
	if (ret == -EEXIST && r->n_blocked > 0)
		ret = replace_blocked(h, r, nft_script_text(&s));
	if (ret == -ENOENT && (r->host_access != NFT_HOST_ALL || r->n_blocked > 0))
		return pt_err_wrap(ret, "firewall: hostAccess/blockedDestinations need sets that "
				   "table inet pontoon lacks (made by an older pontoon; it is "
				   "remade with them once deleted)");
	return ret;
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

/* s holds "SET { KEY"; -ENOENT naming them when the element is missing. */
static int check_element(struct nft_handle *h, struct nft_script *s)
{
	_cleanup_script_ struct nft_script cmd = { 0 };
	const char *what = nft_script_text(s), *out;

	if (!what)
		return -ENOMEM;
	nft_script_init(&cmd);
	nft_script_appendf(&cmd, "get element inet pontoon %s }", what);
	if (!nft_script_text(&cmd))
		return -ENOMEM;
	if (nft_run_output(h, nft_script_text(&cmd), &out) < 0)
		return pt_err(-ENOENT, "firewall: element %s } is missing", what);
	return 0;
}

int nft_firewall_check(const struct nft_firewall_req *r)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	int ret = nft_table_exists();
	bool has_bridge = r->bridge && r->bridge[0];

	if (ret < 0)
		return ret;
	if (ret == 0)
		return pt_err(-ENOENT, "firewall: table inet pontoon is missing");
	ret = nft_handle_open(&h);
	for (size_t i = 0; i < r->n_ips && ret >= 0; i++) {
		_cleanup_script_ struct nft_script s = { 0 };
		char a[IP_ADDR_STRLEN];

		nft_script_init(&s);
		nft_script_appendf(&s, "fw%s { %s", fam(&r->ips[i]), ip_addr_format(&r->ips[i].addr, a));
		ret = check_element(h, &s);
	}
	if (ret >= 0 && has_bridge && r->host_access == NFT_HOST_GATEWAY) {
		_cleanup_script_ struct nft_script s = { 0 };

		nft_script_init(&s);
		nft_script_appendf(&s, "hostgw_br { \"%s\"", r->bridge);
		ret = check_element(h, &s);
	}
	for (size_t i = 0; ret >= 0 && has_bridge && i < r->n_blocked; i++) {
		_cleanup_script_ struct nft_script s = { 0 };

		if (blocked_redundant(r, i))
			continue;
		nft_script_init(&s);
		render_blocked_key(r, i, &s);
		ret = check_element(h, &s);
	}
	return ret < 0 ? ret : 0;
}

int nft_firewall_gc(const char *network, const struct cni_attachment *valid, size_t n_valid)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	struct nft_owner_match stale = { NFT_MATCH_STALE, network, valid, n_valid };
	struct nft_owner_match under = { NFT_MATCH_UNDER, network, NULL, 0 };
	struct nft_owner_match exact = { NFT_MATCH_EXACT, network, NULL, 0 };
	static const char *const per_net[] = { "fw_br", "iso_br", "iso_self", "isolated_self",
						"hostgw_br", "blocked4", "blocked6" };
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
