/* The portmap plugin's configuration: the reference's fields, checked with
 * errors that name the field, and conditionsV4/V6 reduced to address ranges. */
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cni/error.h"
#include "nft/portmap.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

static int invalid(const char *fmt, const char *where, const char *what)
{
	return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, fmt, where, what);
}

static int parse_port(json_t *m, const char *key, const char *where, uint16_t *ret)
{
	long long v = -1;
	int r;

	if (!json_object_get(m, key) || json_is_null(json_object_get(m, key)))
		return invalid("%s.%s: missing, must be 1..65535", where, key);
	r = json_opt_int(m, key, where, 1, 65535, &v);
	if (r < 0)
		return r;
	*ret = (uint16_t)v;
	return 0;
}

static int parse_proto(json_t *m, const char *where, uint8_t *ret)
{
	const char *p = "tcp";
	int r = json_opt_string(m, "protocol", where, &p);

	if (r < 0)
		return r;
	if (strcasecmp(p, "tcp") == 0)
		*ret = IPPROTO_TCP;
	else if (strcasecmp(p, "udp") == 0)
		*ret = IPPROTO_UDP;
	else if (strcasecmp(p, "sctp") == 0)
		*ret = IPPROTO_SCTP;
	else
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "%s.protocol: must be \"tcp\", \"udp\" or \"sctp\", got \"%s\"",
				   where, p);
	return 0;
}

static int parse_mapping(json_t *m, const char *where, struct nft_portmapping *ret)
{
	struct nft_portmapping pm = { 0 };
	const char *host_ip = NULL;
	int r;

	if (!json_is_object(m))
		return invalid("%s: must be an object%s", where, "");
	r = parse_port(m, "hostPort", where, &pm.host_port);
	if (r >= 0)
		r = parse_port(m, "containerPort", where, &pm.container_port);
	if (r >= 0)
		r = parse_proto(m, where, &pm.proto);
	if (r >= 0)
		r = json_opt_string(m, "hostIP", where, &host_ip);
	if (r < 0)
		return r;
	if (host_ip && host_ip[0] && ip_addr_parse(host_ip, &pm.host_ip) < 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "%s.hostIP: not an IP address: \"%s\"", where, host_ip);
	*ret = pm;
	return 0;
}

/* Two mappings of one host address, protocol and port cannot both win. */
static bool same_host_side(const struct nft_portmapping *a, const struct nft_portmapping *b)
{
	return a->proto == b->proto && a->host_port == b->host_port &&
	       ip_addr_equal(&a->host_ip, &b->host_ip);
}

/* One bit per protocol and host port: only a mapping whose port was seen
 * before is compared with the earlier ones, so 65535 mappings (a runtime's
 * `-p 1-65535:1-65535`) cost 65535 steps, not 65535² / 2 (found by
 * fuzz-cli_ports). */
static bool port_seen_before(uint8_t *bits, const struct nft_portmapping *m)
{
	size_t b = (m->proto == IPPROTO_TCP ? 0 : m->proto == IPPROTO_UDP ? 1 : 2) * 65536u +
		   m->host_port;
	bool was = bits[b / 8] & (1u << (b % 8));

	bits[b / 8] |= (uint8_t)(1u << (b % 8));
	return was;
}

static int parse_mappings(json_t *conf, struct portmap_conf *c)
{
	_cleanup_free_ uint8_t *seen = NULL;
	json_t *rc = NULL, *list = NULL, *m;
	size_t i;
	int r;

	r = json_opt_object(conf, "runtimeConfig", NULL, &rc);
	if (r >= 0 && rc)
		r = json_opt_array(rc, "portMappings", "runtimeConfig", &list);
	if (r < 0 || !list)
		return r;
	c->maps = calloc(json_array_size(list) + 1, sizeof(*c->maps));
	seen = calloc(3 * 65536 / 8, 1);
	if (!c->maps || !seen)
		return -ENOMEM;
	json_array_foreach(list, i, m) {
		char where[64];
		bool again;

		snprintf(where, sizeof(where), "runtimeConfig.portMappings[%zu]", i);
		r = parse_mapping(m, where, &c->maps[i]);
		if (r < 0)
			return r;
		again = port_seen_before(seen, &c->maps[i]);
		for (size_t j = 0; again && j < i; j++)
			if (same_host_side(&c->maps[j], &c->maps[i]))
				return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
						   "%s.hostPort: %u/%s is already mapped by "
						   "runtimeConfig.portMappings[%zu]", where,
						   c->maps[i].host_port,
						   nft_proto_name(c->maps[i].proto), j);
		c->n_maps = i + 1;
	}
	return 0;
}

/* ---- conditionsV4 / conditionsV6 ----
 *
 * The reference appends them to the rule that jumps to the container's DNAT
 * rules: iptables words ("!", "-d", "192.0.2.0/24") with its iptables
 * backend, nft words ("ip daddr != 192.0.2.0/24") with its nftables backend;
 * like the reference, the first character of the first word tells which
 * ('-' or '!': iptables). pontoon has no per-container rule: the conditions
 * it can express, address matches, become the ranges of sources and
 * destinations a mapping leaves alone (elements, see portmap.h). Anything
 * else is refused, never ignored: ignoring a condition would publish more
 * than was asked. Several conditions must all hold, as in one iptables rule. */

struct cond_words {
	json_t *list;
	size_t entry, pos;	/* where the next word starts */
	size_t at;		/* the entry of the word in `word` */
	char word[64];
};

struct cond_parser {
	const char *key;	/* "conditionsV4" */
	int family;
	bool iptables;		/* iptables words, else nft words */
	size_t n;
	struct {
		bool neg, dst;
		struct nft_addr_range r;
	} c[PORTMAP_COND_MAX];
};

static int cond_error(const struct cond_parser *p, const struct cond_words *w, int code,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int cond_error(const struct cond_parser *p, const struct cond_words *w, int code,
		      const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pt_err_code(-EINVAL, code, "%s[%zu]: %s", p->key, w->at, msg);
}

static int cond_unsupported(const struct cond_parser *p, const struct cond_words *w)
{
	return cond_error(p, w, CNI_ERR_UNSUPPORTED_FIELD,
			  "\"%s\" is not supported by pontoon (supported: %s)", w->word,
			  p->iptables ? "[!] -s/--source CIDR, [!] -d/--destination CIDR"
				      : "ip/ip6 saddr/daddr [!=] CIDR");
}

/* The next word of the list (entries may hold several, split at blanks):
 * 1, or 0 at the end. */
static int cond_next(const struct cond_parser *p, struct cond_words *w)
{
	for (; w->entry < json_array_size(w->list); w->entry++, w->pos = 0) {
		json_t *e = json_array_get(w->list, w->entry);
		const char *s = json_string_value(e);
		size_t len;

		w->at = w->entry;
		if (!json_is_string(e))
			return cond_error(p, w, CNI_ERR_INVALID_CONFIG, "must be a string");
		s += w->pos;
		s += strspn(s, " \t\n");
		len = strcspn(s, " \t\n");
		if (len == 0)
			continue;
		if (len >= sizeof(w->word))
			return cond_error(p, w, CNI_ERR_INVALID_CONFIG,
					  "a word of more than %zu characters", sizeof(w->word) - 1);
		memcpy(w->word, s, len);
		w->word[len] = '\0';
		w->pos = (size_t)(s + len - json_string_value(e));
		return 1;
	}
	return 0;
}

/* "/len", or for IPv4 a dotted mask with contiguous ones, as iptables reads
 * it: the prefix length, or -1. */
static int cond_prefix_len(int family, const char *s)
{
	struct ip_addr mask;
	char *end;
	unsigned long len;
	int bits = 0;

	if (*s && strspn(s, "0123456789") == strlen(s)) {
		len = strtoul(s, &end, 10);
		return len > ip_family_bits(family) ? -1 : (int)len;
	}
	if (family != AF_INET || ip_addr_parse(s, &mask) < 0 || mask.family != AF_INET)
		return -1;
	while (bits < 32 && (mask.bytes[bits / 8] & (0x80 >> (bits % 8))))
		bits++;
	for (int b = bits; b < 32; b++)
		if (mask.bytes[b / 8] & (0x80 >> (b % 8)))
			return -1;
	return bits;
}

/* ADDRESS[/LEN] (no /LEN: one address) as a range of p's family. */
static int cond_range(const struct cond_parser *p, const struct cond_words *w,
		      struct nft_addr_range *ret)
{
	char text[sizeof(w->word)], *slash;
	struct ip_prefix pfx = { 0 };
	int len;

	if (strchr(w->word, ','))
		return cond_error(p, w, CNI_ERR_UNSUPPORTED_FIELD,
				  "\"%s\": a list of addresses is not supported by pontoon "
				  "(give one CIDR per condition)", w->word);
	snprintf(text, sizeof(text), "%s", w->word);
	slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	if (ip_addr_parse(text, &pfx.addr) < 0)
		return cond_error(p, w, CNI_ERR_INVALID_CONFIG,
				  "not an address or CIDR: \"%s\"", w->word);
	if (pfx.addr.family != p->family)
		return cond_error(p, w, CNI_ERR_UNSUPPORTED_FIELD,
				  "\"%s\" is not an %s address (%s apply to %s mappings)", w->word,
				  p->family == AF_INET ? "IPv4" : "IPv6", p->key,
				  p->family == AF_INET ? "IPv4" : "IPv6");
	len = slash ? cond_prefix_len(p->family, slash + 1) : (int)ip_family_bits(p->family);
	if (len < 0)
		return cond_error(p, w, CNI_ERR_INVALID_CONFIG,
				  "not a prefix length or mask: \"%s\"", w->word);
	pfx.len = (uint8_t)len;
	ip_prefix_network(&pfx, &ret->first);
	ip_prefix_last(&pfx, &ret->last);
	return 0;
}

/* The current word is the address of a condition: it is recorded. */
static int cond_add(struct cond_parser *p, const struct cond_words *w, bool neg, bool dst)
{
	int r;

	if (p->n == PORTMAP_COND_MAX)
		return cond_error(p, w, CNI_ERR_UNSUPPORTED_FIELD,
				  "more than %d conditions are not supported by pontoon",
				  PORTMAP_COND_MAX);
	r = cond_range(p, w, &p->c[p->n].r);
	if (r < 0)
		return r;
	p->c[p->n].neg = neg;
	p->c[p->n].dst = dst;
	p->n++;
	return 0;
}

/* Reads the word after `after`, which must be there (`what`). */
static int cond_need(const struct cond_parser *p, struct cond_words *w, const char *after,
		     const char *what)
{
	char prev[sizeof(w->word)];
	int r;

	snprintf(prev, sizeof(prev), "%s", after);
	r = cond_next(p, w);
	if (r == 0)
		return cond_error(p, w, CNI_ERR_INVALID_CONFIG, "\"%s\" must be followed by %s",
				  prev, what);
	return r < 0 ? r : 0;
}

/* [!] -s|--source|-d|--destination ADDRESS[/LEN|/MASK] */
static int cond_iptables(struct cond_parser *p, struct cond_words *w)
{
	bool neg = strcmp(w->word, "!") == 0, dst;
	int r;

	if (neg && (r = cond_need(p, w, "!", "a condition")) < 0)
		return r;
	if (strcmp(w->word, "!") == 0)
		return cond_error(p, w, CNI_ERR_INVALID_CONFIG, "\"!\" twice");
	if (strcmp(w->word, "-s") == 0 || strcmp(w->word, "--source") == 0)
		dst = false;
	else if (strcmp(w->word, "-d") == 0 || strcmp(w->word, "--destination") == 0)
		dst = true;
	else
		return cond_unsupported(p, w);
	if ((r = cond_need(p, w, w->word, "an address")) < 0)
		return r;
	return cond_add(p, w, neg, dst);
}

/* ip|ip6 saddr|daddr [!=|==] ADDRESS[/LEN] */
static int cond_nft(struct cond_parser *p, struct cond_words *w)
{
	const char *fam = p->family == AF_INET ? "ip" : "ip6";
	bool neg = false, dst;
	int r;

	if (strcmp(w->word, "ip") != 0 && strcmp(w->word, "ip6") != 0)
		return cond_unsupported(p, w);
	if (strcmp(w->word, fam) != 0)
		return cond_error(p, w, CNI_ERR_UNSUPPORTED_FIELD,
				  "\"%s\" does not match %s mappings (%s applies to them)", w->word,
				  p->family == AF_INET ? "IPv4" : "IPv6", p->key);
	if ((r = cond_need(p, w, fam, "saddr or daddr")) < 0)
		return r;
	if (strcmp(w->word, "saddr") != 0 && strcmp(w->word, "daddr") != 0)
		return cond_unsupported(p, w);
	dst = strcmp(w->word, "daddr") == 0;
	if ((r = cond_need(p, w, w->word, "an address")) < 0)
		return r;
	if (strcmp(w->word, "!=") == 0 || strcmp(w->word, "==") == 0) {
		neg = w->word[0] == '!';
		if ((r = cond_need(p, w, w->word, "an address")) < 0)
			return r;
	}
	return cond_add(p, w, neg, dst);
}

static void range_full(int family, struct nft_addr_range *r)
{
	*r = (struct nft_addr_range){ { family, { 0 } }, { family, { 0 } } };
	memset(r->last.bytes, 0xff, ip_addr_size(family));
}

static void range_sort(struct nft_addr_range *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && ip_addr_cmp(&v[j].first, &v[j - 1].first) < 0; j--) {
			struct nft_addr_range t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* Sorted ranges made disjoint and not adjacent: one element each. */
static size_t range_merge(struct nft_addr_range *v, size_t n)
{
	size_t k = 0;

	range_sort(v, n);
	for (size_t i = 0; i < n; i++) {
		struct ip_addr next;

		if (k > 0 && (ip_addr_add(&v[k - 1].last, 1, &next) < 0 ||
			      ip_addr_cmp(&v[i].first, &next) <= 0)) {
			if (ip_addr_cmp(&v[i].last, &v[k - 1].last) > 0)
				v[k - 1].last = v[i].last;
			continue;
		}
		v[k++] = v[i];
	}
	return k;
}

/* The addresses of one side (source or destination) that the conditions
 * exclude: outside the intersection of the positive ones, or inside a
 * negated one. */
static size_t cond_excluded(const struct cond_parser *p, bool dst, struct nft_addr_range *out)
{
	struct nft_addr_range in, full;
	bool any = false, empty = false;
	size_t n = 0;

	range_full(p->family, &full);
	in = full;
	for (size_t i = 0; i < p->n; i++) {
		const struct nft_addr_range *r = &p->c[i].r;

		if (p->c[i].dst != dst)
			continue;
		any = true;
		if (p->c[i].neg) {
			out[n++] = *r;
			continue;
		}
		if (ip_addr_cmp(&r->first, &in.first) > 0)
			in.first = r->first;
		if (ip_addr_cmp(&r->last, &in.last) < 0)
			in.last = r->last;
		empty |= ip_addr_cmp(&in.first, &in.last) > 0;
	}
	if (!any)
		return 0;
	if (empty)
		out[n++] = full;
	if (!empty && ip_addr_cmp(&in.first, &full.first) > 0) {
		out[n] = (struct nft_addr_range){ full.first, in.first };
		ip_addr_add(&in.first, -1, &out[n++].last);
	}
	if (!empty && ip_addr_cmp(&in.last, &full.last) < 0) {
		out[n] = (struct nft_addr_range){ in.last, full.last };
		ip_addr_add(&in.last, 1, &out[n++].first);
	}
	return range_merge(out, n);
}

static int parse_conditions(json_t *conf, const char *key, int family,
			    struct nft_portmap_cond *ret)
{
	struct cond_parser p = { .key = key, .family = family };
	struct cond_words w = { 0 };
	int r = json_opt_array(conf, key, NULL, &w.list);

	if (r < 0 || !w.list)
		return r;
	r = cond_next(&p, &w);
	p.iptables = r > 0 && (w.word[0] == '-' || w.word[0] == '!');
	while (r > 0) {
		r = p.iptables ? cond_iptables(&p, &w) : cond_nft(&p, &w);
		if (r == 0)
			r = cond_next(&p, &w);
	}
	if (r < 0)
		return r;
	ret->n_src = cond_excluded(&p, false, ret->src);
	ret->n_dst = cond_excluded(&p, true, ret->dst);
	return 0;
}

int portmap_conf_parse(json_t *conf, struct portmap_conf *ret)
{
	struct portmap_conf c = { .snat = true, .mark_masq_bit = -1 };
	long long bit = -1;
	const char *backend = NULL;
	int r;

	r = json_opt_bool(conf, "snat", NULL, &c.snat);
	if (r >= 0)
		r = json_opt_bool(conf, "masqAll", NULL, &c.masq_all);
	if (r >= 0)
		r = json_opt_int(conf, "markMasqBit", NULL, 0, 31, &bit);
	if (r >= 0)
		r = json_opt_string(conf, "externalSetMarkChain", NULL, &c.external_set_mark_chain);
	if (r >= 0)
		r = json_opt_string(conf, "backend", NULL, &backend);
	if (r >= 0 && backend && strcmp(backend, "iptables") != 0 && strcmp(backend, "nftables") != 0)
		r = pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				"backend: must be \"iptables\" or \"nftables\", got \"%s\"", backend);
	if (r >= 0 && bit >= 0 && c.external_set_mark_chain)
		r = pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				"markMasqBit, externalSetMarkChain: cannot give both");
	if (r >= 0)
		r = parse_conditions(conf, "conditionsV4", AF_INET, &c.cond4);
	if (r >= 0)
		r = parse_conditions(conf, "conditionsV6", AF_INET6, &c.cond6);
	if (r >= 0)
		r = parse_mappings(conf, &c);
	if (r < 0) {
		portmap_conf_free(&c);
		return r;
	}
	c.mark_masq_bit = (int)bit;
	*ret = c;
	return 0;
}

void portmap_conf_free(struct portmap_conf *c)
{
	free(c->maps);
	c->maps = NULL;
	c->n_maps = 0;
}
