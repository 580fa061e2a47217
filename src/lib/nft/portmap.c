/* Published ports: the elements of one container's mappings, and adding,
 * deleting, checking and collecting them; see portmap.h. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>

#include "nft/conntrack.h"
#include "nft/portmap.h"
#include "util/cleanup.h"
#include "util/error.h"

/* The maps, in the order their elements are rendered. */
enum pm_set {
	PM4, PM4ANY, PM6, PM6ANY, PMSNAT4, PMSNAT6,
	PM4NOSRC, PM4ANYNOSRC, PM4ANYNODST, PM6NOSRC, PM6ANYNOSRC, PM6ANYNODST,
	HAIRPIN4, HAIRPIN6, PM_NSETS
};
static const char *const set_names[PM_NSETS] = {
	"pm4", "pm4any", "pm6", "pm6any", "pmsnat4", "pmsnat6",
	"pm4nosrc", "pm4anynosrc", "pm4anynodst", "pm6nosrc", "pm6anynosrc", "pm6anynodst",
	"hairpin4", "hairpin6",
};

struct pm_elem {
	enum pm_set set;
	char key[2 * IP_ADDR_STRLEN + IP_ADDR_STRLEN + 32];	/* range . address . proto . port */
	char value[IP_ADDR_STRLEN + 16];	/* "" for a set */
	struct nft_key bin;	/* the key as the kernel has it (DNAT and SNAT elements) */
	ssize_t parent;		/* a condition's DNAT element (its owner's), or -1 */
	bool skip;		/* DEL: another owner's, left alone */
};

struct pm_elems {
	struct pm_elem *v;
	size_t n;
	char comment[512];	/* container elements */
	const char *network;	/* hairpin elements */
};

const char *nft_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_SCTP: return "sctp";
	default: return "?";
	}
}

static struct pm_elem *push_elem(struct pm_elems *e, enum pm_set set, const char *key,
				 const char *value)
{
	struct pm_elem *x = &e->v[e->n++];

	*x = (struct pm_elem){ .set = set, .parent = -1 };
	snprintf(x->key, sizeof(x->key), "%s", key);
	snprintf(x->value, sizeof(x->value), "%s", value);
	return x;
}

/* NULL when the key is there already. */
static struct pm_elem *add_elem(struct pm_elems *e, enum pm_set set, const char *key,
				const char *value)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].set == set && strcmp(e->v[i].key, key) == 0)
			return NULL;	/* two mappings to one container port: one SNAT entry */
	return push_elem(e, set, key, value);
}

/* The binary key "[address .] proto . port". */
static void bin_key(struct pm_elem *x, const struct ip_addr *a, uint8_t proto, uint16_t port)
{
	if (a)
		nft_key_addr(&x->bin, a);
	nft_key_proto(&x->bin, proto);
	nft_key_port(&x->bin, port);
}

bool nft_portmap_cond_any(const struct nft_portmap_cond *c)
{
	return c && (c->n_src || c->n_dst);
}

static const struct nft_portmap_cond *cond_of(const struct nft_portmap_req *r, int family)
{
	const struct nft_portmap_cond *c = family == AF_INET ? r->cond4 : r->cond6;

	return nft_portmap_cond_any(c) ? c : NULL;
}

static char *range_format(const struct nft_addr_range *r, char *buf)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

	snprintf(buf, 2 * IP_ADDR_STRLEN, "%s-%s", ip_addr_format(&r->first, a),
		 ip_addr_format(&r->last, b));
	return buf;
}

static bool range_contains(const struct nft_addr_range *r, const struct ip_addr *a)
{
	return ip_addr_cmp(&r->first, a) <= 0 && ip_addr_cmp(a, &r->last) <= 0;
}

/* The packets mapping m (published on host address hip, or on every address
 * when hip is NULL) leaves alone: "RANGE . [hip .] proto . port". With a host
 * address the destination is known now: a destination the conditions
 * exclude turns the mapping off for every source. */
static void cond_elems(const struct nft_portmapping *m, const struct nft_portmap_cond *c,
		       const char *hip, const struct ip_addr *host, bool v4, struct pm_elems *e)
{
	ssize_t parent = (ssize_t)e->n - 1;	/* the mapping's DNAT element, just added */
	char range[2 * IP_ADDR_STRLEN], key[sizeof(e->v->key)];
	const char *proto = nft_proto_name(m->proto);
	struct nft_addr_range all = { 0 };
	const struct nft_addr_range *src = c->src;
	size_t n_src = c->n_src;

	for (size_t i = 0; hip && i < c->n_dst && src != &all; i++) {
		if (!range_contains(&c->dst[i], host))
			continue;
		all.first.family = all.last.family = host->family;
		memset(all.last.bytes, 0xff, ip_addr_size(host->family));
		src = &all;
		n_src = 1;
	}
	for (size_t i = 0; i < n_src; i++) {
		if (hip)
			snprintf(key, sizeof(key), "%s . %s . %s . %u", range_format(&src[i], range),
				 hip, proto, m->host_port);
		else
			snprintf(key, sizeof(key), "%s . %s . %u", range_format(&src[i], range), proto,
				 m->host_port);
		push_elem(e, hip ? (v4 ? PM4NOSRC : PM6NOSRC) : (v4 ? PM4ANYNOSRC : PM6ANYNOSRC),
			  key, "")->parent = parent;
	}
	for (size_t i = 0; !hip && i < c->n_dst; i++) {
		snprintf(key, sizeof(key), "%s . %s . %u", range_format(&c->dst[i], range), proto,
			 m->host_port);
		push_elem(e, v4 ? PM4ANYNODST : PM6ANYNODST, key, "")->parent = parent;
	}
}

/* The first address of family in the container's addresses, or NULL. */
static const struct ip_prefix *first_of(const struct nft_portmap_req *r, int family)
{
	for (size_t i = 0; i < r->n_ips; i++)
		if (r->ips[i].addr.family == family)
			return &r->ips[i];
	return NULL;
}

static bool addr_is_any(const struct ip_addr *a)
{
	for (size_t i = 0; i < ip_addr_size(a->family); i++)
		if (a->bytes[i])
			return false;
	return true;
}

/* The elements of mapping m towards container address c. */
static void mapping_elems(const struct nft_portmap_req *r, const struct nft_portmapping *m,
			  const struct ip_prefix *c, struct pm_elems *e)
{
	bool v4 = c->addr.family == AF_INET;
	const struct nft_portmap_cond *cond = cond_of(r, c->addr.family);
	char cip[IP_ADDR_STRLEN], hip[IP_ADDR_STRLEN], key[128], value[96];
	const char *proto = nft_proto_name(m->proto);
	struct pm_elem *x;

	if (m->host_ip.family && m->host_ip.family != c->addr.family)
		return;		/* a host address of the other family */
	ip_addr_format(&c->addr, cip);
	snprintf(value, sizeof(value), "%s . %u", cip, m->container_port);
	if (!m->host_ip.family || addr_is_any(&m->host_ip)) {
		snprintf(key, sizeof(key), "%s . %u", proto, m->host_port);
		x = add_elem(e, v4 ? PM4ANY : PM6ANY, key, value);
		if (x)
			bin_key(x, NULL, m->proto, m->host_port);
		if (x && cond)
			cond_elems(m, cond, NULL, NULL, v4, e);
	} else {
		snprintf(key, sizeof(key), "%s . %s . %u", ip_addr_format(&m->host_ip, hip), proto,
			 m->host_port);
		x = add_elem(e, v4 ? PM4 : PM6, key, value);
		if (x)
			bin_key(x, &m->host_ip, m->proto, m->host_port);
		if (x && cond)
			cond_elems(m, cond, hip, &m->host_ip, v4, e);
	}
	if (r->snat || r->masq_all) {
		snprintf(key, sizeof(key), "%s . %s . %u", cip, proto, m->container_port);
		x = add_elem(e, v4 ? PMSNAT4 : PMSNAT6, key,
			     r->masq_all ? "goto snat_all" : "jump snat_local");
		if (x)
			bin_key(x, &c->addr, m->proto, m->container_port);
	}
}

/* At most: a DNAT and a SNAT element per family, and the conditions'. */
static size_t per_mapping(const struct nft_portmap_req *r)
{
	const struct nft_portmap_cond *c4 = cond_of(r, AF_INET), *c6 = cond_of(r, AF_INET6);

	return 4 + (c4 ? c4->n_src + c4->n_dst + 1 : 0) + (c6 ? c6->n_src + c6->n_dst + 1 : 0);
}

static int collect(const struct nft_portmap_req *r, struct pm_elems *e)
{
	const struct ip_prefix *targets[2] = { first_of(r, AF_INET), first_of(r, AF_INET6) };

	snprintf(e->comment, sizeof(e->comment), "%s/%s/%s", r->network, r->container_id,
		 r->ifname);
	if (!nft_comment_ok(e->comment))
		return pt_err(-EINVAL, "portmap: network, container id or interface name unusable "
			      "in an nft comment (quotes, control characters, over %d bytes): %s",
			      NFT_COMMENT_MAX, e->comment);
	e->network = r->network;
	e->v = calloc(r->n_maps * per_mapping(r) + 2, sizeof(*e->v));
	if (!e->v)
		return -ENOMEM;
	for (size_t t = 0; t < 2; t++) {
		if (!targets[t])
			continue;
		for (size_t i = 0; i < r->n_maps; i++)
			mapping_elems(r, &r->maps[i], targets[t], e);
	}
	return 0;
}

static void hairpin_elems(const struct nft_portmap_req *r, struct pm_elems *e)
{
	const struct ip_prefix *targets[2] = { first_of(r, AF_INET), first_of(r, AF_INET6) };

	if (!r->snat || r->n_maps == 0)
		return;
	for (size_t t = 0; t < 2; t++) {
		char net[IP_ADDR_STRLEN], key[128];
		struct ip_addr base;

		if (!targets[t])
			continue;
		ip_prefix_network(targets[t], &base);
		ip_addr_format(&base, net);
		snprintf(key, sizeof(key), "%s/%u . %s/%u", net, targets[t]->len, net,
			 targets[t]->len);
		add_elem(e, t == 0 ? HAIRPIN4 : HAIRPIN6, key, "");
	}
}

/* "VERB element inet pontoon SET { k comment "c" : v, ... }" for one set;
 * a delete names keys only. Elements marked skip are left out. */
static void render_set(const struct pm_elems *e, enum pm_set set, const char *verb,
		       struct nft_script *s)
{
	bool add = strcmp(verb, "delete") != 0;
	bool hairpin = set == HAIRPIN4 || set == HAIRPIN6;
	size_t found = 0;

	for (size_t i = 0; i < e->n; i++) {
		const struct pm_elem *x = &e->v[i];

		if (x->set != set || x->skip)
			continue;
		if (found++)
			nft_script_appendf(s, ", ");
		else
			nft_script_appendf(s, "%s element inet pontoon %s { ", verb, set_names[set]);
		nft_script_appendf(s, "%s", x->key);
		if (add)
			nft_script_appendf(s, " comment \"%s\"", hairpin ? e->network : e->comment);
		if (add && x->value[0])
			nft_script_appendf(s, " : %s", x->value);
	}
	if (found)
		nft_script_appendf(s, " }\n");
}

static void pm_elems_free(struct pm_elems *e)
{
	free(e->v);
}

/* A key that is there already keeps its comment when added again with the
 * same value (an `add` of an existing element is a no-op): the element of a
 * container that died without DEL would stay its, and that container's late
 * DEL or GC would take it from the new one. So each container element is
 * created first (EEXIST whenever the key is there); after an EEXIST, with
 * s->reown, added (EEXIST when the key maps elsewhere: a host port
 * published by another container), deleted and added again in the one
 * transaction: it is this container's afterwards, and never missing in
 * between (script.h). The per-network hairpin elements are only added. */
static void render_add_elems(const struct pm_elems *e, struct nft_script *s)
{
	for (int set = 0; set < HAIRPIN4; set++) {
		if (!s->reown) {
			render_set(e, (enum pm_set)set, "create", s);
			continue;
		}
		render_set(e, (enum pm_set)set, "add", s);
		render_set(e, (enum pm_set)set, "delete", s);
		render_set(e, (enum pm_set)set, "add", s);
	}
	for (int set = HAIRPIN4; set < PM_NSETS; set++)
		render_set(e, (enum pm_set)set, "add", s);
}

int nft_portmap_render_add(const struct nft_portmap_req *r, struct nft_script *s)
{
	_cleanup_(pm_elems_free) struct pm_elems e = { 0 };
	int ret = collect(r, &e);

	if (ret < 0)
		return ret;
	hairpin_elems(r, &e);
	render_add_elems(&e, s);
	return 0;
}

/* hairpin4/6 are interval sets: the prefix of a network inside another
 * network's (10.88.1.0/24 in 10.88.0.0/16) overlaps its element and cannot
 * be added; that element hairpins it already, so it is left out (one `get
 * element` each, only after an overlap). The count left out. */
static int skip_covered_hairpin(struct nft_handle *h, struct pm_elems *e)
{
	int found = 0;

	for (size_t i = 0; i < e->n; i++) {
		struct pm_elem *x = &e->v[i];
		_cleanup_free_ char *cmd = NULL;
		const char *out;

		if (x->set != HAIRPIN4 && x->set != HAIRPIN6)
			continue;
		if (asprintf(&cmd, "get element inet pontoon %s { %s }", set_names[x->set],
			     x->key) < 0)
			return -ENOMEM;
		x->skip = nft_run_output(h, cmd, &out) == 0;
		found += x->skip;
	}
	pt_err_clear();
	return found;
}

/* The publishing transaction, once more without the hairpin prefixes that
 * another network's element covers. */
static int publish(struct nft_handle *h, const struct nft_portmap_req *r)
{
	static const char what[] = "portmap: cannot publish the ports";
	_cleanup_(pm_elems_free) struct pm_elems e = { 0 };
	_cleanup_script_ struct nft_script s = { 0 };
	int ret = collect(r, &e), covered;
	char why[1024];

	nft_script_init(&s);
	if (ret < 0)
		return ret;
	hairpin_elems(r, &e);
	render_add_elems(&e, &s);
	ret = nft_apply(h, what, nft_script_text(&s));
	if (ret != -EEXIST)
		return ret;
	pt_err_clear();
	nft_script_free(&s);
	nft_script_init(&s);
	s.reown = true;
	render_add_elems(&e, &s);
	ret = nft_apply(h, what, nft_script_text(&s));
	if (ret != -EEXIST)
		return ret;
	/* nft does not always name the element the kernel refused (a concat
	 * interval set's overlap comes back on another line): after any
	 * EEXIST, covered hairpin prefixes are looked for. */
	snprintf(why, sizeof(why), "%s", pt_err_msg());
	covered = skip_covered_hairpin(h, &e);
	if (covered < 0)
		return covered;
	if (covered > 0) {
		nft_script_free(&s);
		nft_script_init(&s);
		s.reown = true;
		render_add_elems(&e, &s);
		ret = nft_apply(h, what, nft_script_text(&s));
	} else
		ret = pt_err(-EEXIST, "%s", why);
	if (ret == -EEXIST)
		return pt_err_wrap(ret, "a host port is already published by another container");
	return ret;
}

/* Each element is added (a no-op when present with the same value) and then
 * deleted, so the transaction succeeds whether or not it was there. The
 * per-network hairpin elements stay. */
static void render_del_elems(const struct pm_elems *e, struct nft_script *s)
{
	for (int set = 0; set < HAIRPIN4; set++) {
		render_set(e, (enum pm_set)set, "add", s);
		render_set(e, (enum pm_set)set, "delete", s);
	}
}

int nft_portmap_render_del(const struct nft_portmap_req *r, struct nft_script *s)
{
	_cleanup_(pm_elems_free) struct pm_elems e = { 0 };
	int ret = collect(r, &e);

	if (ret < 0)
		return ret;
	render_del_elems(&e, s);
	return 0;
}

/* A delete by key takes the element whoever owns it. Another container
 * that took this one's key since (its ADD re-owned the element) keeps it:
 * each DNAT and SNAT element's comment is looked up (one netlink round trip
 * each, no listing); a condition goes with its mapping. */
static int skip_others(struct pm_elems *e)
{
	char c[NFT_COMMENT_MAX + 8];

	for (size_t i = 0; i < e->n; i++) {
		struct pm_elem *x = &e->v[i];
		int r;

		if (x->bin.len == 0)
			continue;
		r = nft_elem_comment(NFPROTO_INET, set_names[x->set], &x->bin, c, sizeof(c));
		if (r < 0)
			return pt_err_wrap(r, "portmap: cannot look up element %s of %s", x->key,
					   set_names[x->set]);
		x->skip = r > 0 && strcmp(c, e->comment) != 0;
	}
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].parent >= 0)
			e->v[i].skip = e->v[e->v[i].parent].skip;
	return 0;
}

/* The DEL by key of the request's elements that are still this container's. */
static int render_del_owned(const struct nft_portmap_req *r, struct nft_script *s)
{
	_cleanup_(pm_elems_free) struct pm_elems e = { 0 };
	int ret = collect(r, &e);

	if (ret >= 0)
		ret = skip_others(&e);
	if (ret < 0)
		return ret;
	render_del_elems(&e, s);
	return 0;
}

/* ---- stale UDP conntrack entries ----
 *
 * Forgetting the entries of a host port means a walk of the whole conntrack
 * table (ctnetlink has no lookup by port): ~9 ms with the kernel's 262144
 * buckets, whatever the number of entries. Only ports that a new connection
 * was seen to can have entries: the `published` chain adds the destination
 * port of every new UDP connection to a local address to set udpseen (nat
 * chains see only a connection's first packet, so this costs nothing per
 * packet). After the change, a port found in udpseen (one netlink round
 * trip) has its entries forgotten, and only then is it taken out of the set,
 * in a small transaction of its own: a plugin killed or a walk failed before
 * that leaves the port in udpseen, so the next change of the port walks
 * again. An entry made between that walk and the removal has put nothing
 * new in the set (the port was there), so a second walk follows the
 * removal; an entry made after the removal puts the port back. Flows older
 * than the table itself are learnt by whoever creates the table
 * (nft_apply). */

struct udp_ports {
	uint16_t *port;
	bool *seen;
	size_t n;
};

static void udp_ports_free(struct udp_ports *u)
{
	free(u->port);
	free(u->seen);
}

static int udp_ports_of(const struct nft_portmap_req *r, struct udp_ports *u)
{
	*u = (struct udp_ports){ calloc(r->n_maps + 1, sizeof(*u->port)),
				 calloc(r->n_maps + 1, sizeof(*u->seen)), 0 };
	if (!u->port || !u->seen)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_maps; i++) {
		bool dup = false;

		if (r->maps[i].proto != IPPROTO_UDP)
			continue;
		for (size_t j = 0; j < u->n; j++)
			dup |= u->port[j] == r->maps[i].host_port;
		if (!dup) {
			u->seen[u->n] = false;
			u->port[u->n++] = r->maps[i].host_port;
		}
	}
	return 0;
}

static int forget_port(const struct nft_portmap_req *r, uint16_t port)
{
	static const int families[2] = { AF_INET, AF_INET6 };

	for (size_t f = 0; f < 2; f++) {
		int ret;

		if (!first_of(r, families[f]))
			continue;
		ret = conntrack_delete_by_dport(families[f], IPPROTO_UDP, port);
		if (ret < 0)
			return pt_err_wrap(ret, "portmap: cannot delete the UDP conntrack "
					   "entries of host port %u", port);
	}
	return 0;
}

/* Takes the ports whose entries were forgotten out of udpseen. */
static int udp_ports_unsee(struct nft_handle *h, const struct udp_ports *u)
{
	_cleanup_script_ struct nft_script s = { 0 };
	bool any = false;

	nft_script_init(&s);
	for (size_t i = 0; i < u->n; i++) {
		if (!u->seen[i])
			continue;
		nft_script_appendf(&s, "add element inet pontoon udpseen { %u }\n"
				   "delete element inet pontoon udpseen { %u }\n",
				   u->port[i], u->port[i]);
		any = true;
	}
	if (!any)
		return 0;
	return nft_run(h, "portmap: cannot update set udpseen", nft_script_text(&s));
}

/* Test hook: PONTOON_TEST_KILL_AT=portmap-udp-walk kills the plugin after
 * the transaction, before the conntrack walk, so a test proves that the
 * port stays in udpseen for the next change to walk (as bridge.c's). */
static void test_kill_point(const char *step)
{
	const char *at = getenv("PONTOON_TEST_KILL_AT");

	if (at && strcmp(at, step) == 0)
		raise(SIGKILL);
}

/* After the transaction: forget the entries of every port in udpseen (of
 * all ports when the table is new), then the port, then walk once more. */
static int udp_ports_after(struct nft_handle *h, const struct nft_portmap_req *r,
			   struct udp_ports *u, bool all)
{
	int ret;

	for (size_t i = 0; i < u->n; i++) {
		ret = all ? 1 : nft_set_has_port("udpseen", u->port[i]);
		if (ret == 0)
			continue;
		test_kill_point("portmap-udp-walk");
		ret = forget_port(r, u->port[i]);	/* seen, or cannot tell: walk */
		if (ret < 0)
			return ret;
		u->seen[i] = true;
	}
	ret = udp_ports_unsee(h, u);
	for (size_t i = 0; i < u->n && ret >= 0; i++)
		if (u->seen[i])
			ret = forget_port(r, u->port[i]);
	return ret;
}

int nft_portmap_add(const struct nft_portmap_req *r)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	_cleanup_(udp_ports_free) struct udp_ports u = { 0 };
	int ret;

	if (r->n_maps == 0)
		return 0;
	ret = udp_ports_of(r, &u);
	if (ret >= 0)
		ret = nft_handle_open(&h);
	if (ret >= 0)
		ret = publish(h, r);
	if (ret == -ENOENT && (cond_of(r, AF_INET) || cond_of(r, AF_INET6)))
		return pt_err_wrap(ret, "portmap: table inet pontoon has no sets for conditionsV4/V6 "
				   "(made by an older pontoon)");
	if (ret < 0)
		return ret;
	return udp_ports_after(h, r, &u, nft_handle_created_table(h));
}

static const struct nft_owner_match *owner(const struct nft_portmap_req *r, char *buf,
					   size_t size, struct nft_owner_match *m)
{
	snprintf(buf, size, "%s/%s/%s", r->network, r->container_id, r->ifname);
	*m = (struct nft_owner_match){ .how = NFT_MATCH_EXACT, .text = buf };
	return m;
}

/* Without state, or when a key now maps to another container (its value
 * differs, so the add of the fast path fails), the elements are found by
 * their comment: only this container's go. */
static int del_by_comment(struct nft_handle *h, const struct nft_portmap_req *r)
{
	struct nft_owner_match m;
	char buf[512];
	int ret = 0;

	owner(r, buf, sizeof(buf), &m);
	for (int set = 0; set < HAIRPIN4 && ret >= 0; set++)
		ret = nft_delete_matching(h, set_names[set], &m);
	return ret < 0 ? pt_err_wrap(ret, "portmap: cannot unpublish the ports of %s", buf) : 0;
}

int nft_portmap_del(const struct nft_portmap_req *r)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	_cleanup_script_ struct nft_script s = { 0 };
	_cleanup_(udp_ports_free) struct udp_ports u = { 0 };
	int ret;

	nft_script_init(&s);
	ret = nft_table_exists();
	if (ret <= 0)
		return ret;	/* no table: nothing is published */
	ret = nft_handle_open(&h);
	if (ret >= 0)
		ret = udp_ports_of(r, &u);
	if (ret < 0)
		return ret;
	if (r->n_maps == 0 || r->n_ips == 0)
		ret = del_by_comment(h, r);
	else {
		ret = render_del_owned(r, &s);
		if (ret >= 0 && nft_script_text(&s) && !nft_script_text(&s)[0])
			return 0;	/* nothing of it left: another container has the ports */
		if (ret >= 0)
			ret = nft_run(h, "portmap: cannot unpublish the ports", nft_script_text(&s));
		/* ENOENT: a set this request names is missing (a table made
		 * before conditions existed); the comment finds what there is. */
		if (ret == -EEXIST || ret == -EBUSY || ret == -ENOENT)
			ret = del_by_comment(h, r);
	}
	if (ret < 0)
		return ret;
	return udp_ports_after(h, r, &u, false);
}

/* `get element` prints the element with its value: "k comment "c" : v }".
 * An element another container took over (same key and value, its comment)
 * is not this container's any more: its DEL or GC would leave it. */
static int check_elem(struct nft_handle *h, const struct pm_elems *e, const struct pm_elem *x)
{
	_cleanup_free_ char *cmd = NULL;
	char want[sizeof(x->value) + 8], who[sizeof(e->comment) + 16];
	const char *out;
	int ret;

	if (asprintf(&cmd, "get element inet pontoon %s { %s }", set_names[x->set], x->key) < 0)
		return -ENOMEM;
	ret = nft_run_output(h, cmd, &out);
	if (ret < 0)
		return pt_err(-ENOENT, "portmap: element %s of map %s is missing", x->key,
			      set_names[x->set]);
	snprintf(who, sizeof(who), "comment \"%s\"", e->comment);
	if (!strstr(out, who))
		return pt_err(-ENOENT, "portmap: element %s of %s belongs to another container, "
			      "not %s", x->key, set_names[x->set], e->comment);
	if (!x->value[0])
		return 0;	/* a set: present is all there is */
	snprintf(want, sizeof(want), ": %s", x->value);
	const char *p = strstr(out, want);
	if (!p || (p[strlen(want)] != ' ' && p[strlen(want)] != '\n' && p[strlen(want)] != '}'))
		return pt_err(-ENOENT, "portmap: element %s of map %s does not map to %s",
			      x->key, set_names[x->set], x->value);
	return 0;
}

int nft_portmap_check(const struct nft_portmap_req *r)
{
	_cleanup_(pm_elems_free) struct pm_elems e = { 0 };
	_cleanup_nft_ struct nft_handle *h = NULL;
	int ret = collect(r, &e);

	if (ret < 0)
		return ret;
	if (e.n == 0)
		return 0;
	ret = nft_table_exists();
	if (ret < 0)
		return ret;
	if (ret == 0)
		return pt_err(-ENOENT, "portmap: table inet pontoon is missing");
	ret = nft_handle_open(&h);
	for (size_t i = 0; i < e.n && ret >= 0; i++)
		ret = check_elem(h, &e, &e.v[i]);
	return ret;
}

int nft_portmap_gc(const char *network, const struct cni_attachment *valid, size_t n_valid)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	struct nft_owner_match m = { NFT_MATCH_STALE, network, valid, n_valid };
	int ret;

	ret = nft_table_exists();
	if (ret <= 0)
		return ret;
	ret = nft_handle_open(&h);
	for (int set = 0; set < HAIRPIN4 && ret >= 0; set++)
		ret = nft_delete_matching(h, set_names[set], &m);
	/* The hairpin elements are the network's: they go with its last
	 * attachment (network rm runs GC with none valid). */
	if (n_valid == 0) {
		struct nft_owner_match net = { .how = NFT_MATCH_EXACT, .text = network };

		for (int set = HAIRPIN4; set < PM_NSETS && ret >= 0; set++)
			ret = nft_delete_matching(h, set_names[set], &net);
	}
	return ret < 0 ? pt_err_wrap(ret, "portmap GC of network %s", network) : 0;
}
