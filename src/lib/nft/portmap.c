/* Published ports: the elements of one container's mappings, and adding,
 * deleting, checking and collecting them; see portmap.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void push_elem(struct pm_elems *e, enum pm_set set, const char *key, const char *value)
{
	e->v[e->n].set = set;
	snprintf(e->v[e->n].key, sizeof(e->v[e->n].key), "%s", key);
	snprintf(e->v[e->n].value, sizeof(e->v[e->n].value), "%s", value);
	e->n++;
}

/* False when the key is there already. */
static bool add_elem(struct pm_elems *e, enum pm_set set, const char *key, const char *value)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].set == set && strcmp(e->v[i].key, key) == 0)
			return false;	/* two mappings to one container port: one SNAT entry */
	push_elem(e, set, key, value);
	return true;
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
			  key, "");
	}
	for (size_t i = 0; !hip && i < c->n_dst; i++) {
		snprintf(key, sizeof(key), "%s . %s . %u", range_format(&c->dst[i], range), proto,
			 m->host_port);
		push_elem(e, v4 ? PM4ANYNODST : PM6ANYNODST, key, "");
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
	bool added;

	if (m->host_ip.family && m->host_ip.family != c->addr.family)
		return;		/* a host address of the other family */
	ip_addr_format(&c->addr, cip);
	snprintf(value, sizeof(value), "%s . %u", cip, m->container_port);
	if (!m->host_ip.family || addr_is_any(&m->host_ip)) {
		snprintf(key, sizeof(key), "%s . %u", proto, m->host_port);
		added = add_elem(e, v4 ? PM4ANY : PM6ANY, key, value);
		if (added && cond)
			cond_elems(m, cond, NULL, NULL, v4, e);
	} else {
		snprintf(key, sizeof(key), "%s . %s . %u", ip_addr_format(&m->host_ip, hip), proto,
			 m->host_port);
		added = add_elem(e, v4 ? PM4 : PM6, key, value);
		if (added && cond)
			cond_elems(m, cond, hip, &m->host_ip, v4, e);
	}
	if (r->snat || r->masq_all) {
		snprintf(key, sizeof(key), "%s . %s . %u", cip, proto, m->container_port);
		add_elem(e, v4 ? PMSNAT4 : PMSNAT6, key,
			 r->masq_all ? "goto snat_all" : "jump snat_local");
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
 * a delete names keys only. */
static void render_set(const struct pm_elems *e, enum pm_set set, bool add, struct nft_script *s)
{
	bool hairpin = set == HAIRPIN4 || set == HAIRPIN6;
	size_t found = 0;

	for (size_t i = 0; i < e->n; i++) {
		const struct pm_elem *x = &e->v[i];

		if (x->set != set)
			continue;
		if (found++)
			nft_script_appendf(s, ", ");
		else
			nft_script_appendf(s, "%s element inet pontoon %s { ", add ? "add" : "delete",
					   set_names[set]);
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

int nft_portmap_render_add(const struct nft_portmap_req *r, struct nft_script *s)
{
	_cleanup_(pm_elems_free) struct pm_elems e = { 0 };
	int ret = collect(r, &e);

	if (ret < 0)
		return ret;
	hairpin_elems(r, &e);
	for (int set = 0; set < PM_NSETS; set++)
		render_set(&e, (enum pm_set)set, true, s);
	return 0;
}

/* Each element is added (a no-op when present with the same value) and then
 * deleted, so the transaction succeeds whether or not it was there. The
 * per-network hairpin elements stay. */
int nft_portmap_render_del(const struct nft_portmap_req *r, struct nft_script *s)
{
	_cleanup_(pm_elems_free) struct pm_elems e = { 0 };
	int ret = collect(r, &e);

	if (ret < 0)
		return ret;
	for (int set = 0; set < HAIRPIN4; set++) {
		render_set(&e, (enum pm_set)set, true, s);
		render_set(&e, (enum pm_set)set, false, s);
	}
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
 * packet). A port is looked up in udpseen before the change (one netlink
 * round trip) and, if there, taken out of it in the same transaction; it is
 * looked up again after. An entry made before the transaction put its port in
 * the set before the transaction did anything, so one of the two lookups
 * sees it; an entry made after the transaction was NATed by the new maps.
 * Flows older than the table itself are learnt when the table is created
 * (learn_old_flows). */

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

/* Looks the ports up in udpseen; those seen are taken out of it by s. */
static int udp_ports_before(struct udp_ports *u, struct nft_script *s)
{
	for (size_t i = 0; i < u->n; i++) {
		int r = nft_set_has_port("udpseen", u->port[i]);

		if (r < 0)
			return pt_err_wrap(r, "portmap: cannot look up port %u in set udpseen",
					   u->port[i]);
		u->seen[i] = r > 0;
		if (u->seen[i])
			nft_script_appendf(s, "add element inet pontoon udpseen { %u }\n"
					   "delete element inet pontoon udpseen { %u }\n",
					   u->port[i], u->port[i]);
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

/* After the transaction: the entries of every port seen before or now. */
static int udp_ports_after(const struct nft_portmap_req *r, const struct udp_ports *u, bool all)
{
	for (size_t i = 0; i < u->n; i++) {
		int ret = all || u->seen[i] ? 1 : nft_set_has_port("udpseen", u->port[i]);

		if (ret != 0)	/* seen, or cannot tell: walk */
			ret = forget_port(r, u->port[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* The table was just made: UDP flows that started before it never went
 * through `published`; their ports go into udpseen now (one walk, once). */
static int learn_old_flows(struct nft_handle *h)
{
	_cleanup_script_ struct nft_script s = { 0 };
	_cleanup_free_ uint8_t *seen = calloc(8192, 1);
	int r, found = 0;

	if (!seen)
		return -ENOMEM;
	nft_script_init(&s);
	for (int f = 0; f < 2; f++) {
		r = conntrack_list_dports(f ? AF_INET6 : AF_INET, IPPROTO_UDP, seen);
		if (r < 0)
			return r;
		found += r;
	}
	if (!found)
		return 0;
	nft_script_appendf(&s, "add element inet pontoon udpseen { ");
	for (unsigned p = 0, k = 0; p < 65536; p++)
		if (seen[p / 8] & (1u << (p % 8)))
			nft_script_appendf(&s, "%s%u", k++ ? ", " : "", p);
	nft_script_appendf(&s, " }\n");
	return nft_run(h, "portmap: cannot record the ports of UDP flows", nft_script_text(&s));
}

int nft_portmap_add(const struct nft_portmap_req *r)
{
	_cleanup_nft_ struct nft_handle *h = NULL;
	_cleanup_script_ struct nft_script s = { 0 };
	_cleanup_(udp_ports_free) struct udp_ports u = { 0 };
	bool created;
	int ret;

	nft_script_init(&s);
	if (r->n_maps == 0)
		return 0;
	ret = nft_portmap_render_add(r, &s);
	if (ret >= 0)
		ret = udp_ports_of(r, &u);
	if (ret >= 0)
		ret = udp_ports_before(&u, &s);
	if (ret < 0)
		return ret;
	ret = nft_handle_open(&h);
	if (ret < 0)
		return ret;
	ret = nft_apply(h, "portmap: cannot publish the ports", nft_script_text(&s));
	if (ret == -EEXIST)
		return pt_err_wrap(ret, "a host port is already published by another container");
	if (ret == -ENOENT && (cond_of(r, AF_INET) || cond_of(r, AF_INET6)))
		return pt_err_wrap(ret, "portmap: table inet pontoon has no sets for conditionsV4/V6 "
				   "(made by an older pontoon)");
	if (ret < 0)
		return ret;
	created = nft_handle_created_table(h);
	if (created && (ret = learn_old_flows(h)) < 0)
		return ret;
	return udp_ports_after(r, &u, created);
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
		ret = nft_portmap_render_del(r, &s);
		if (ret >= 0)
			ret = udp_ports_before(&u, &s);
		if (ret >= 0)
			ret = nft_run(h, "portmap: cannot unpublish the ports", nft_script_text(&s));
		/* ENOENT: a set this request names is missing (a table made
		 * before conditions existed); the comment finds what there is. */
		if (ret == -EEXIST || ret == -EBUSY || ret == -ENOENT)
			ret = del_by_comment(h, r);
	}
	if (ret < 0)
		return ret;
	return udp_ports_after(r, &u, false);
}

/* `get element` prints the element with its value: "k comment "c" : v }". */
static int check_elem(struct nft_handle *h, const struct pm_elem *x)
{
	_cleanup_free_ char *cmd = NULL;
	char want[sizeof(x->value) + 8];
	const char *out;
	int ret;

	if (asprintf(&cmd, "get element inet pontoon %s { %s }", set_names[x->set], x->key) < 0)
		return -ENOMEM;
	ret = nft_run_output(h, cmd, &out);
	if (ret >= 0 && !x->value[0])
		return 0;	/* a set: present is all there is */
	if (ret < 0)
		return pt_err(-ENOENT, "portmap: element %s of map %s is missing", x->key,
			      set_names[x->set]);
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
		ret = check_elem(h, &e.v[i]);
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
