/* The firewall plugin's elements: render, add, delete, check, GC; see
 * firewall.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

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
	for (size_t i = 0; i < r->n_ips; i++) {
		ip_addr_format(&r->ips[i].addr, a);
		if (!s->reown)
			nft_script_appendf(s, "create element inet pontoon fw%s { %s comment \"%s\" }\n",
					   fam(&r->ips[i]), a, who);
		else	/* an address a dead container left becomes this one's */
			nft_script_appendf(s, "add element inet pontoon fw%s { %s comment \"%s\" }\n"
					   "delete element inet pontoon fw%s { %s }\n"
					   "add element inet pontoon fw%s { %s comment \"%s\" }\n",
					   fam(&r->ips[i]), a, who, fam(&r->ips[i]), a,
					   fam(&r->ips[i]), a, who);
	}
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

int nft_blocked_key_parse(json_t *key, const char **ret_bridge, struct ip_prefix *ret)
{
	json_t *c = json_object_get(key, "concat"), *a, *p;
	json_int_t len;

	if (json_array_size(c) != 2 || !json_is_string(json_array_get(c, 0)))
		return -EINVAL;
	*ret_bridge = json_string_value(json_array_get(c, 0));
	a = json_array_get(c, 1);
	if (json_is_string(a)) {
		if (ip_addr_parse(json_string_value(a), &ret->addr) < 0)
			return -EINVAL;
		ret->len = (uint8_t)ip_family_bits(ret->addr.family);
		return 0;
	}
	p = json_object_get(a, "prefix");
	len = json_integer_value(json_object_get(p, "len"));
	if (!json_is_integer(json_object_get(p, "len")) || !json_is_string(json_object_get(p, "addr")) ||
	    ip_addr_parse(json_string_value(json_object_get(p, "addr")), &ret->addr) < 0 ||
	    len < 0 || len > (json_int_t)ip_family_bits(ret->addr.family))
		return -EINVAL;
	ret->len = (uint8_t)len;
	return 0;
}

/* Whether a listed element is one this config adds: the same bridge and
 * one of its ranges, host bits cleared (redundant ones are never added). */
static bool blocked_wanted(const struct nft_firewall_req *r, json_t *key)
{
	struct ip_prefix have;
	const char *bridge;

	if (nft_blocked_key_parse(key, &bridge, &have) < 0 || strcmp(bridge, r->bridge) != 0)
		return false;
	for (size_t i = 0; i < r->n_blocked; i++) {
		struct ip_addr net;

		if (blocked_redundant(r, i) || r->blocked[i].len != have.len)
			continue;
		ip_prefix_network(&r->blocked[i], &net);
		if (ip_addr_equal(&net, &have.addr))
			return true;
	}
	return false;
}

/* Renders the deletion of the network's elements of blocked4 or blocked6
 * that this config does not add (found by comment: one listing of a set
 * that holds a few elements per network). Those it adds again stay: a
 * transaction that deletes nothing spares its process the ~10 ms wait at
 * the netfilter socket's close (script.h), on every ADD of the network. */
static int render_del_blocked(struct nft_handle *h, const struct nft_firewall_req *r,
			      const char *set, struct nft_script *s)
{
	_cleanup_json_ json_t *elems = NULL;
	size_t i;
	json_t *e;
	int ret = nft_list_elements(h, set, &elems);

	if (ret < 0)
		return ret;
	json_array_foreach(elems, i, e) {
		json_t *key, *value;
		const char *comment;

		if (nft_elem_parse(e, &key, &comment, &value) < 0 ||
		    strcmp(comment, r->network) != 0 || blocked_wanted(r, key))
			continue;
		nft_script_appendf(s, "delete element inet pontoon %s { ", set);
		if (nft_json_expr_render(key, s) < 0)
			return pt_err(-EINVAL, "firewall: cannot read an element of %s", set);
		nft_script_appendf(s, " }\n");
	}
	return 0;
}

/* Renders the deletion of a per-network element keyed by the bridge that
 * this config no longer wants, when the network (its comment) has it. */
static int render_del_unwanted(const char *set, const struct nft_key *k, const char *key,
			       const char *network, struct nft_script *s)
{
	char c[NFT_COMMENT_MAX + 8];
	int r = nft_elem_comment(NFPROTO_INET, set, k, c, sizeof(c));

	if (r < 0)
		return pt_err_wrap(r, "firewall: cannot look up element %s of %s", key, set);
	if (r > 0 && strcmp(c, network) == 0)
		nft_script_appendf(s, "delete element inet pontoon %s { %s }\n", set, key);
	return 0;
}

/* The network's elements are only ever added, by every ADD; a config made
 * more open (ingressPolicy open, hostAccess all, fewer blockedDestinations)
 * would keep the old restrictions until the network is empty. So the ADD's
 * transaction first deletes what the network has and this config does not
 * want: the bridge's iso_br, iso_self, isolated_self and hostgw_br elements
 * (a netlink lookup each) and the blocked ranges this config no longer
 * lists (one listing each of blocked4 and blocked6, small sets: a few
 * elements per network); a changed range is deleted and added in the one
 * transaction, so no packet passes unblocked in between. */
static int render_relax(struct nft_handle *h, const struct nft_firewall_req *r,
			struct nft_script *s)
{
	const char *b = r->bridge, *n = r->network;
	struct nft_key one = { 0 }, two = { 0 };
	char k1[48], k2[96];
	int ret;

	if (!b || !b[0])
		return 0;
	nft_key_ifname(&one, b);
	nft_key_ifname(&two, b);
	nft_key_ifname(&two, b);
	snprintf(k1, sizeof(k1), "\"%s\"", b);
	snprintf(k2, sizeof(k2), "\"%s\" . \"%s\"", b, b);
	ret = 0;
	if (r->host_access != NFT_HOST_GATEWAY)
		ret = render_del_unwanted("hostgw_br", &one, k1, n, s);
	if (ret >= 0 && r->policy == NFT_INGRESS_OPEN)
		ret = render_del_unwanted("iso_br", &one, k1, n, s);
	if (ret >= 0 && r->policy == NFT_INGRESS_OPEN)
		ret = render_del_unwanted("iso_self", &two, k2, n, s);
	if (ret >= 0 && r->policy != NFT_INGRESS_ISOLATED)
		ret = render_del_unwanted("isolated_self", &two, k2, n, s);
	if (ret >= 0)
		ret = render_del_blocked(h, r, "blocked4", s);
	if (ret >= 0)
		ret = render_del_blocked(h, r, "blocked6", s);
	return ret == -ENOENT ? 0 : ret;	/* no table or an older one: nothing to relax */
}

/* The container's elements with the network's, relaxed where the config
 * no longer asks for some; reown as in script.h. */
static int apply_add(struct nft_handle *h, const struct nft_firewall_req *r, bool reown)
{
	_cleanup_script_ struct nft_script s = { 0 };
	int ret;

	nft_script_init(&s);
	s.reown = reown;
	ret = nft_firewall_render_add(r, &s);
	if (ret < 0)
		return ret;
	/* A concurrent ADD of the network may change its elements between the
	 * lookups and the transaction (EEXIST, ENOENT): once more. */
	for (int attempt = 0;; attempt++) {
		_cleanup_script_ struct nft_script all = { 0 };

		nft_script_init(&all);
		ret = render_relax(h, r, &all);
		if (ret < 0)
			return ret;
		nft_script_appendf(&all, "%s", nft_script_text(&s) ? nft_script_text(&s) : "");
		ret = nft_apply(h, "firewall: cannot add the container's elements",
				nft_script_text(&all));
		if (attempt == 1 || (ret != -EEXIST && ret != -ENOENT))
			return ret;
		pt_err_clear();
	}
}

int nft_firewall_add(const struct nft_firewall_req *r)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	int ret = nft_handle_open(&h);

	if (ret < 0)
		return ret;
	ret = apply_add(h, r, false);
	if (ret == -EEXIST) {
		pt_err_clear();
		ret = apply_add(h, r, true);
	}
	if (ret == -ENOENT && (r->host_access != NFT_HOST_ALL || r->n_blocked > 0))
		return pt_err_wrap(ret, "firewall: hostAccess/blockedDestinations need sets that "
				   "table inet pontoon lacks: it was made by an older pontoon; "
				   "delete it (nft delete table inet pontoon) and the next ADD "
				   "remakes it whole");
	return ret;
}

/* The addresses whose fw element is this container's (see masq.c). */
static int owned_ips(const struct nft_firewall_req *r, const char *who, struct ip_prefix *own,
		     size_t *ret_n)
{
	char c[NFT_COMMENT_MAX + 8];
	size_t k = 0;

	for (size_t i = 0; i < r->n_ips; i++) {
		struct nft_key key = { 0 };
		int ret;

		nft_key_addr(&key, &r->ips[i].addr);
		ret = nft_elem_comment(NFPROTO_INET, r->ips[i].addr.family == AF_INET ? "fw4" : "fw6",
				       &key, c, sizeof(c));
		if (ret < 0)
			return pt_err_wrap(ret, "firewall: cannot look up the owner of address %zu", i);
		if (ret > 0 && strcmp(c, who) == 0)
			own[k++] = r->ips[i];
	}
	*ret_n = k;
	return 0;
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
		_cleanup_free_ struct ip_prefix *own = calloc(r->n_ips, sizeof(*own));
		struct nft_firewall_req mine = *r;

		if (!own)
			return -ENOMEM;
		ret = owned_ips(r, who, own, &mine.n_ips);
		if (ret < 0 || mine.n_ips == 0)
			return ret;
		mine.ips = own;
		nft_firewall_render_del(&mine, &s);
		return nft_run(h, "firewall: cannot delete the container's elements",
			       nft_script_text(&s));
	}
	struct nft_owner_match m = { .how = NFT_MATCH_EXACT, .text = who };
	ret = nft_delete_matching(h, "fw4", &m);
	if (ret >= 0)
		ret = nft_delete_matching(h, "fw6", &m);
	return ret < 0 ? pt_err_wrap(ret, "firewall: cannot delete the elements of %s", who) : 0;
}

/* s holds "SET { KEY"; -ENOENT naming them when the element is missing or,
 * with owner, carries another comment. */
static int check_element(struct nft_handle *h, struct nft_script *s, const char *owner)
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
	char want[NFT_COMMENT_MAX + 16];

	snprintf(want, sizeof(want), "comment \"%s\"", owner ? owner : "");
	if (owner && !strstr(out, want))
		return pt_err(-ENOENT, "firewall: element %s } belongs to another container, not %s",
			      what, owner);
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
	char who[512];

	ret = owner(r, who, sizeof(who));
	if (ret >= 0)
		ret = nft_handle_open(&h);
	for (size_t i = 0; i < r->n_ips && ret >= 0; i++) {
		_cleanup_script_ struct nft_script s = { 0 };
		char a[IP_ADDR_STRLEN];

		nft_script_init(&s);
		nft_script_appendf(&s, "fw%s { %s", fam(&r->ips[i]), ip_addr_format(&r->ips[i].addr, a));
		ret = check_element(h, &s, who);
	}
	if (ret >= 0 && has_bridge && r->host_access == NFT_HOST_GATEWAY) {
		_cleanup_script_ struct nft_script s = { 0 };

		nft_script_init(&s);
		nft_script_appendf(&s, "hostgw_br { \"%s\"", r->bridge);
		ret = check_element(h, &s, NULL);
	}
	for (size_t i = 0; ret >= 0 && has_bridge && i < r->n_blocked; i++) {
		_cleanup_script_ struct nft_script s = { 0 };

		if (blocked_redundant(r, i))
			continue;
		nft_script_init(&s);
		render_blocked_key(r, i, &s);
		ret = check_element(h, &s, NULL);
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
