/* MAC/IP spoof protection elements in `table bridge pontoon`; see spoofchk.h. */
#include <errno.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <string.h>

#include "nft/spoofchk.h"
#include "util/cleanup.h"
#include "util/error.h"

/* Priority -300: before anybody's bridge filter or nat (ebtables' broute is
 * -500 and only sees frames to be routed; nat prerouting is -300 and at the
 * same priority the order does not matter for a drop). */
static const char spoof_base[] =
	"create table bridge pontoon\n"
	"table bridge pontoon {\n"
	"\tset ports { type ifname; }\n"
	"\tset mac { type ifname . ether_addr; }\n"
	"\tset ipports { type ifname; }\n"
	"\tset addr4 { type ifname . ipv4_addr; }\n"
	"\tset addr6 { type ifname . ipv6_addr; }\n"
	"\tchain prerouting {\n"
	"\t\ttype filter hook prerouting priority -300; policy accept;\n"
	"\t\tiifname @ports jump port_check\n"
	"\t}\n"
	"\tchain port_check {\n"
	"\t\tiifname . ether saddr != @mac drop\n"
	"\t\tiifname != @ipports return\n"
	"\t\tether type arp iifname . arp saddr ip @addr4 return\n"
	"\t\tether type arp arp saddr ip 0.0.0.0 return\n"
	"\t\tether type ip iifname . ip saddr @addr4 return\n"
	"\t\tether type ip ip saddr 0.0.0.0 udp dport 67 return\n"
	"\t\tether type ip6 iifname . ip6 saddr @addr6 return\n"
	"\t\tether type ip6 ip6 saddr { ::, fe80::/10 } return\n"
	"\t\tdrop\n"
	"\t}\n"
	"}\n";

void nft_spoofchk_base_render(struct nft_script *s)
{
	nft_script_appendf(s, "%s", spoof_base);
}

static bool mac_ok(const char *m)
{
	unsigned b[6];
	char tail;

	return m && strlen(m) == 17 &&
	       sscanf(m, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		      &tail) == 6;
}

static int check_req(const struct nft_spoofchk_req *r, char *who, size_t size)
{
	snprintf(who, size, "%s/%s/%s", r->network, r->container_id, r->ifname);
	if (!nft_comment_ok(who))
		return pt_err(-EINVAL, "macspoofchk: network, container id or interface name "
			      "unusable in an nft comment: %s", who);
	if (!r->host_veth || !r->host_veth[0] || !nft_comment_ok(r->host_veth) ||
	    strlen(r->host_veth) >= 16)
		return pt_err(-EINVAL, "macspoofchk: bad host interface name \"%s\"",
			      r->host_veth ? r->host_veth : "");
	if (!mac_ok(r->mac))
		return pt_err(-EINVAL, "macspoofchk: bad MAC address \"%s\"", r->mac ? r->mac : "");
	return 0;
}

/* One element per set; add carries the comment, and is a create, or (to
 * re-own an element a dead container left behind, a reused veth name) an
 * add, delete and add (script.h). */
static void elem(struct nft_script *s, bool add, const char *set, const char *key,
		 const char *who)
{
	if (add && !s->reown)
		nft_script_appendf(s, "create element bridge pontoon %s { %s comment \"%s\" }\n",
				   set, key, who);
	else if (add)
		nft_script_appendf(s, "add element bridge pontoon %s { %s comment \"%s\" }\n"
				   "delete element bridge pontoon %s { %s }\n"
				   "add element bridge pontoon %s { %s comment \"%s\" }\n",
				   set, key, who, set, key, set, key, who);
	else
		nft_script_appendf(s, "add element bridge pontoon %s { %s }\n"
				   "delete element bridge pontoon %s { %s }\n", set, key, set, key);
}

static int render(const struct nft_spoofchk_req *r, bool add, struct nft_script *s)
{
	char who[512], key[128], a[IP_ADDR_STRLEN];
	int ret = check_req(r, who, sizeof(who));

	if (ret < 0)
		return ret;
	snprintf(key, sizeof(key), "\"%s\"", r->host_veth);
	elem(s, add, "ports", key, who);
	snprintf(key, sizeof(key), "\"%s\" . %s", r->host_veth, r->mac);
	elem(s, add, "mac", key, who);
	if (!r->check_ip)
		return 0;
	snprintf(key, sizeof(key), "\"%s\"", r->host_veth);
	elem(s, add, "ipports", key, who);
	for (size_t i = 0; i < r->n_addrs; i++) {
		int f = r->addrs[i].addr.family;

		if (f != AF_INET && f != AF_INET6)
			return pt_err(-EINVAL, "macspoofchk: address %zu has no family", i);
		snprintf(key, sizeof(key), "\"%s\" . %s", r->host_veth,
			 ip_addr_format(&r->addrs[i].addr, a));
		elem(s, add, f == AF_INET ? "addr4" : "addr6", key, who);
	}
	return 0;
}

int nft_spoofchk_render_add(const struct nft_spoofchk_req *r, struct nft_script *s)
{
	return render(r, true, s);
}

int nft_spoofchk_render_del(const struct nft_spoofchk_req *r, struct nft_script *s)
{
	return render(r, false, s);
}

int nft_spoofchk_add(const struct nft_spoofchk_req *r)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	_cleanup_script_ struct nft_script s = { 0 };
	int ret;

	ret = nft_handle_open(&h);
	if (ret < 0)
		return ret;
	/* Created first; re-owned after an EEXIST (script.h). */
	for (int reown = 0; reown < 2; reown++) {
		nft_script_free(&s);
		nft_script_init(&s);
		s.reown = reown;
		ret = nft_spoofchk_render_add(r, &s);
		if (ret >= 0)
			ret = nft_apply_in(h, NFPROTO_BRIDGE, spoof_base,
					   "macspoofchk: cannot add the container's elements",
					   nft_script_text(&s));
		if (ret != -EEXIST)
			return ret;
		if (!reown)
			pt_err_clear();
	}
	return ret;
}

static const char *const spoof_sets[] = { "ports", "mac", "ipports", "addr4", "addr6" };

static int del_matching(struct nft_handle *h, const struct nft_owner_match *m)
{
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(spoof_sets) && r >= 0; i++)
		r = nft_delete_matching_in(h, "bridge", spoof_sets[i], m);
	return r;
}

/* 0 when element host_veth of set ports is another container's, 1 when it
 * is this one's or missing. */
static int port_is_mine(const struct nft_spoofchk_req *r, const char *who)
{
	struct nft_key k = { 0 };
	char c[NFT_COMMENT_MAX + 8];
	int ret;

	nft_key_ifname(&k, r->host_veth);
	ret = nft_elem_comment(NFPROTO_BRIDGE, "ports", &k, c, sizeof(c));
	return ret > 0 ? strcmp(c, who) == 0 : ret == 0;
}

int nft_spoofchk_del(const struct nft_spoofchk_req *r)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	_cleanup_script_ struct nft_script s = { 0 };
	char who[512];
	int ret;

	nft_script_init(&s);
	snprintf(who, sizeof(who), "%s/%s/%s", r->network, r->container_id, r->ifname);
	ret = nft_table_exists_in(NFPROTO_BRIDGE, NFT_TABLE);
	if (ret <= 0)
		return ret;
	ret = nft_handle_open(&h);
	if (ret < 0)
		return ret;
	/* By key only when the port's element is this container's: the other
	 * elements are keyed by the same port. */
	if (r->host_veth && r->mac && port_is_mine(r, who) > 0 &&
	    nft_spoofchk_render_del(r, &s) >= 0) {
		ret = nft_run(h, "macspoofchk: cannot delete the container's elements",
			      nft_script_text(&s));
		if (ret != -EEXIST && ret != -EBUSY)
			return ret;
	}
	pt_err_clear();
	struct nft_owner_match m = { .how = NFT_MATCH_EXACT, .text = who };
	ret = del_matching(h, &m);
	return ret < 0 ? pt_err_wrap(ret, "macspoofchk: cannot delete the elements of %s", who) : 0;
}

int nft_spoofchk_gc(const char *network, const struct cni_attachment *valid, size_t n_valid)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	struct nft_owner_match m = { NFT_MATCH_STALE, network, valid, n_valid };
	int r = nft_table_exists_in(NFPROTO_BRIDGE, NFT_TABLE);

	if (r <= 0)
		return r;
	r = nft_handle_open(&h);
	if (r >= 0)
		r = del_matching(h, &m);
	return r < 0 ? pt_err_wrap(r, "macspoofchk GC of network %s", network) : 0;
}
