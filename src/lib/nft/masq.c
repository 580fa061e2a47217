/* ipMasq elements: render, add, delete, GC; see masq.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nft/masq.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

static const char *fam(int family)
{
	return family == AF_INET ? "4" : "6";
}

static int check_names(const char *network, const char *container_id, const char *ifname)
{
	char comment[512];

	snprintf(comment, sizeof(comment), "%s/%s/%s", network, container_id, ifname);
	if (!nft_comment_ok(comment))
		return pt_err(-EINVAL, "ipMasq: network, container id or interface name unusable "
			      "in an nft comment (quotes, control characters, over %d bytes): %s",
			      NFT_COMMENT_MAX, comment);
	return 0;
}

int nft_masq_render_add(const char *network, const char *container_id, const char *ifname,
			const struct ip_prefix *addrs, size_t n, struct nft_script *s)
{
	int r = check_names(network, container_id, ifname);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		char a[IP_ADDR_STRLEN], net[IP_ADDR_STRLEN];
		struct ip_addr base;

		if (addrs[i].addr.family != AF_INET && addrs[i].addr.family != AF_INET6)
			return pt_err(-EINVAL, "ipMasq: address %zu has no family", i);
		ip_prefix_network(&addrs[i], &base);
		ip_addr_format(&addrs[i].addr, a);
		ip_addr_format(&base, net);
		nft_script_appendf(s, "add element inet pontoon nets%s { %s/%u comment \"%s\" }\n",
				   fam(addrs[i].addr.family), net, addrs[i].len, network);
		nft_script_appendf(s, "add element inet pontoon masq%s { %s comment \"%s/%s/%s\" }\n",
				   fam(addrs[i].addr.family), a, network, container_id, ifname);
	}
	return 0;
}

/* Adding before deleting makes the delete succeed whether or not the
 * element was there, inside the same transaction (nft 1.0.6 has no
 * "destroy"). */
int nft_masq_render_del(const struct ip_prefix *addrs, size_t n, struct nft_script *s)
{
	for (size_t i = 0; i < n; i++) {
		char a[IP_ADDR_STRLEN];

		if (addrs[i].addr.family != AF_INET && addrs[i].addr.family != AF_INET6)
			return pt_err(-EINVAL, "ipMasq: address %zu has no family", i);
		ip_addr_format(&addrs[i].addr, a);
		nft_script_appendf(s, "add element inet pontoon masq%s { %s }\n"
				   "delete element inet pontoon masq%s { %s }\n",
				   fam(addrs[i].addr.family), a, fam(addrs[i].addr.family), a);
	}
	return 0;
}

int nft_masq_add(const char *network, const char *container_id, const char *ifname,
		 const struct ip_prefix *addrs, size_t n)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	_cleanup_script_ struct nft_script s = { 0 };
	int r;

	nft_script_init(&s);
	if (n == 0)
		return 0;
	r = nft_masq_render_add(network, container_id, ifname, addrs, n, &s);
	if (r < 0)
		return r;
	r = nft_handle_open(&h);
	if (r < 0)
		return r;
	return nft_apply(h, "ipMasq: cannot add the masquerade of the container's addresses",
			 nft_script_text(&s));
}

int nft_masq_del(const char *network, const char *container_id, const char *ifname,
		 const struct ip_prefix *addrs, size_t n)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	_cleanup_script_ struct nft_script s = { 0 };
	char comment[512];
	int r;

	nft_script_init(&s);
	r = check_names(network, container_id, ifname);
	if (r < 0)
		return r;
	r = nft_handle_open(&h);
	if (r < 0)
		return r;
	if (n > 0) {
		r = nft_table_exists();
		if (r <= 0)
			return r;	/* no table: nothing to delete */
		r = nft_masq_render_del(addrs, n, &s);
		if (r < 0)
			return r;
		return nft_run(h, "ipMasq: cannot delete the masquerade of the container's addresses",
			       nft_script_text(&s));
	}
	snprintf(comment, sizeof(comment), "%s/%s/%s", network, container_id, ifname);
	struct nft_owner_match m = { .how = NFT_MATCH_EXACT, .text = comment };
	r = nft_delete_matching(h, "masq4", &m);
	if (r >= 0)
		r = nft_delete_matching(h, "masq6", &m);
	return r < 0 ? pt_err_wrap(r, "ipMasq: cannot delete the masquerade of %s", comment) : 0;
}

int nft_masq_gc(const char *network, const struct cni_attachment *valid, size_t n_valid)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	struct nft_owner_match stale = { NFT_MATCH_STALE, network, valid, n_valid };
	struct nft_owner_match under = { NFT_MATCH_UNDER, network, NULL, 0 };
	struct nft_owner_match exact = { NFT_MATCH_EXACT, network, NULL, 0 };
	int r;

	r = nft_table_exists();
	if (r <= 0)
		return r;
	r = nft_handle_open(&h);
	if (r < 0)
		return r;
	static const char *const sets[2][2] = { { "masq4", "nets4" }, { "masq6", "nets6" } };

	for (size_t f = 0; f < 2 && r >= 0; f++) {
		const char *set = sets[f][0], *nets = sets[f][1];

		r = nft_delete_matching(h, set, &stale);
		if (r >= 0)
			r = nft_any_matching(h, set, &under);
		if (r == 0)	/* no container of the network is left: its prefixes go */
			r = nft_delete_matching(h, nets, &exact);
	}
	return r < 0 ? pt_err_wrap(r, "ipMasq GC of network %s", network) : 0;
}
