/* ipMasq elements: render, add, delete, GC; see masq.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

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

/* skip_net[i]: the prefix of address i is left out (NULL: none is). */
static int render_add(const char *network, const char *container_id, const char *ifname,
		      const struct ip_prefix *addrs, size_t n, const bool *skip_net,
		      struct nft_script *s)
{
	int r = check_names(network, container_id, ifname);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		char a[IP_ADDR_STRLEN], net[IP_ADDR_STRLEN];
		struct ip_addr base;
		const char *f;

		if (addrs[i].addr.family != AF_INET && addrs[i].addr.family != AF_INET6)
			return pt_err(-EINVAL, "ipMasq: address %zu has no family", i);
		f = fam(addrs[i].addr.family);
		ip_prefix_network(&addrs[i], &base);
		ip_addr_format(&addrs[i].addr, a);
		ip_addr_format(&base, net);
		if (!skip_net || !skip_net[i])
			nft_script_appendf(s, "add element inet pontoon nets%s { %s/%u comment \"%s\" }\n",
					   f, net, addrs[i].len, network);
		if (!s->reown)
			nft_script_appendf(s, "create element inet pontoon masq%s { %s comment \"%s/%s/%s\" }\n",
					   f, a, network, container_id, ifname);
		else	/* an address a dead container left becomes this one's */
			nft_script_appendf(s, "add element inet pontoon masq%s { %s comment \"%s/%s/%s\" }\n"
					   "delete element inet pontoon masq%s { %s }\n"
					   "add element inet pontoon masq%s { %s comment \"%s/%s/%s\" }\n",
					   f, a, network, container_id, ifname, f, a,
					   f, a, network, container_id, ifname);
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

int nft_masq_render_add(const char *network, const char *container_id, const char *ifname,
			const struct ip_prefix *addrs, size_t n, struct nft_script *s)
{
	return render_add(network, container_id, ifname, addrs, n, NULL, s);
}

/* nets4/6 are interval sets: the prefix of a network inside another
 * network's prefix (10.88.1.0/24 and 10.88.0.0/16) overlaps it and cannot
 * be added. The covering element already keeps the traffic to it
 * unmasqueraded, so such a prefix is left out (one `get element` each, only
 * after an overlap); true in skip[i] for those. The count left out. */
static int covered_nets(struct nft_handle *h, const struct ip_prefix *addrs, size_t n, bool *skip)
{
	int found = 0;

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *cmd = NULL;
		char net[IP_ADDR_STRLEN];
		struct ip_addr base;
		const char *out;

		ip_prefix_network(&addrs[i], &base);
		if (asprintf(&cmd, "get element inet pontoon nets%s { %s/%u }",
			     fam(addrs[i].addr.family), ip_addr_format(&base, net), addrs[i].len) < 0)
			return -ENOMEM;
		skip[i] = nft_run_output(h, cmd, &out) == 0;
		found += skip[i];
	}
	pt_err_clear();
	return found;
}

/* The network prefixes of addrs, for an error: "10.91.0.0/16, fd91::/64". */
static const char *network_prefixes(const struct ip_prefix *addrs, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		char a[IP_ADDR_STRLEN];
		struct ip_addr base;
		int k;

		ip_prefix_network(&addrs[i], &base);
		k = snprintf(buf + len, size - len, "%s%s/%u", i ? ", " : "", ip_addr_format(&base, a),
			     addrs[i].len);
		len += k > 0 ? (size_t)k : 0;
	}
	return buf;
}

static int apply_add(struct nft_handle *h, const char *network, const char *container_id,
		     const char *ifname, const struct ip_prefix *addrs, size_t n, const bool *skip,
		     bool reown)
{
	_cleanup_script_ struct nft_script s = { 0 };
	int r;

	nft_script_init(&s);
	s.reown = reown;
	r = render_add(network, container_id, ifname, addrs, n, skip, &s);
	return r < 0 ? r : nft_apply(h, "ipMasq: cannot add the masquerade of the container's "
				     "addresses", nft_script_text(&s));
}

int nft_masq_add(const char *network, const char *container_id, const char *ifname,
		 const struct ip_prefix *addrs, size_t n)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	_cleanup_free_ bool *skip = NULL;
	char nets[4 * IP_PREFIX_STRLEN];
	int r;

	if (n == 0)
		return 0;
	r = nft_handle_open(&h);
	if (r < 0)
		return r;
	/* Created first; an EEXIST (a key left behind, this container's
	 * retried ADD, an overlapping network prefix) re-owns (script.h). */
	r = apply_add(h, network, container_id, ifname, addrs, n, NULL, false);
	if (r == -EEXIST) {
		pt_err_clear();
		r = apply_add(h, network, container_id, ifname, addrs, n, NULL, true);
	}
	if (r != -EEXIST || !strstr(pt_err_msg(), "pontoon nets"))
		return r;
	skip = calloc(n, sizeof(*skip));
	if (!skip)
		return -ENOMEM;
	r = covered_nets(h, addrs, n, skip);
	if (r <= 0)
		return r < 0 ? r : pt_err(-EEXIST, "ipMasq: the network's prefix (%s) overlaps the "
					  "prefix of another pontoon network without being inside it "
					  "(set nets4/6): give the networks disjoint subnets",
					  network_prefixes(addrs, n, nets, sizeof(nets)));
	return apply_add(h, network, container_id, ifname, addrs, n, skip, true);
}

/* The addresses whose element is this container's: a delete by key takes
 * an element whoever owns it, and another container may have the address
 * now (or the address was never this one's: it was read off an interface
 * the container could change). One netlink round trip each, no listing. */
static int owned_addrs(const char *comment, const struct ip_prefix *addrs, size_t n,
		       struct ip_prefix *own, size_t *ret_n)
{
	char c[NFT_COMMENT_MAX + 8];
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		struct nft_key key = { 0 };
		int r;

		if (addrs[i].addr.family != AF_INET && addrs[i].addr.family != AF_INET6)
			return pt_err(-EINVAL, "ipMasq: address %zu has no family", i);
		nft_key_addr(&key, &addrs[i].addr);
		r = nft_elem_comment(NFPROTO_INET, addrs[i].addr.family == AF_INET ? "masq4" : "masq6",
				     &key, c, sizeof(c));
		if (r < 0)
			return pt_err_wrap(r, "ipMasq: cannot look up the owner of address %zu", i);
		if (r > 0 && strcmp(c, comment) == 0)
			own[k++] = addrs[i];
	}
	*ret_n = k;
	return 0;
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
	snprintf(comment, sizeof(comment), "%s/%s/%s", network, container_id, ifname);
	if (n > 0) {
		_cleanup_free_ struct ip_prefix *own = calloc(n, sizeof(*own));
		size_t k = 0;

		if (!own)
			return -ENOMEM;
		r = nft_table_exists();
		if (r <= 0)
			return r;	/* no table: nothing to delete */
		r = owned_addrs(comment, addrs, n, own, &k);
		if (r >= 0)
			r = nft_masq_render_del(own, k, &s);
		if (r < 0 || k == 0)
			return r;
		return nft_run(h, "ipMasq: cannot delete the masquerade of the container's addresses",
			       nft_script_text(&s));
	}
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
