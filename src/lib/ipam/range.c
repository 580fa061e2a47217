/* Ranges and range sets; see range.h. The rules and the messages follow the
 * reference host-local plugin, with the field that is wrong named first. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/error.h"
#include "ipam/range.h"
#include "util/error.h"
#include "util/json.h"

static int bad(const char *where, const char *field, const char *fmt, const char *a,
	       const char *b)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, a, b);
	return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "%s%s%s: %s", where,
			   field ? "." : "", field ? field : "", msg);
}

static int parse_addr_field(json_t *j, const char *where, const char *key, struct ip_addr *ret)
{
	const char *s = NULL;
	int r;

	r = json_opt_string(j, key, where, &s);
	if (r < 0)
		return r;
	if (!s)
		return 0;
	if (ip_addr_parse(s, ret) < 0)
		return bad(where, key, "not an IP address: \"%s\"%s", s, "");
	return 0;
}

int ipam_range_parse(json_t *j, const char *where, struct ipam_range *ret)
{
	struct ipam_range r = { 0 };
	const char *subnet = NULL;
	int err;

	snprintf(r.where, sizeof(r.where), "%s", where);
	if (!json_is_object(j))
		return bad(where, NULL, "must be an object%s%s", "", "");
	err = json_opt_string(j, "subnet", where, &subnet);
	if (err < 0)
		return err;
	if (!subnet)
		return bad(where, "subnet", "missing%s%s", "", "");
	if (ip_prefix_parse(subnet, &r.subnet) < 0)
		return bad(where, "subnet", "invalid CIDR address: %s%s", subnet, "");
	if ((err = parse_addr_field(j, where, "rangeStart", &r.start)) < 0 ||
	    (err = parse_addr_field(j, where, "rangeEnd", &r.end)) < 0 ||
	    (err = parse_addr_field(j, where, "gateway", &r.gateway)) < 0)
		return err;
	err = ipam_range_canonicalize(&r);
	if (err < 0)
		return err;
	*ret = r;
	return 0;
}

/* Whether a is in the subnet and not before start (when start is set). */
static bool in_subnet_from(const struct ipam_range *r, const struct ip_addr *a)
{
	if (!ip_prefix_contains(&r->subnet, a))
		return false;
	return ip_addr_is_unset(&r->start) || ip_addr_cmp(a, &r->start) >= 0;
}

static void default_end(const struct ipam_range *r, struct ip_addr *ret)
{
	ip_prefix_last(&r->subnet, ret);
	/* IPv4 keeps its broadcast address out; IPv6 has none. */
	if (r->subnet.addr.family == AF_INET)
		ip_addr_add(ret, -1, ret);
}

int ipam_range_canonicalize(struct ipam_range *r)
{
	char net[IP_PREFIX_STRLEN], a[IP_ADDR_STRLEN], n[IP_ADDR_STRLEN];
	unsigned bits = ip_family_bits(r->subnet.addr.family);
	struct ip_addr network;

	ip_prefix_format(&r->subnet, net);
	/* A /31, /32, /127 or /128 leaves nothing to hand out besides the
	 * gateway, so the reference refuses them; so do we. */
	if (r->subnet.len > bits - 2)
		return bad(r->where, "subnet", "network %s too small to allocate from%s", net, "");
	ip_prefix_network(&r->subnet, &network);
	if (!ip_addr_equal(&network, &r->subnet.addr)) {
		char len[8];

		snprintf(len, sizeof(len), "%u", r->subnet.len);
		ip_addr_format(&network, n);
		return bad(r->where, "subnet",
			   "network has host bits set: for a subnet mask of length %s the network address is %s",
			   len, n);
	}
	if (ip_addr_is_unset(&r->gateway))
		ip_addr_add(&network, 1, &r->gateway);
	if (!ip_addr_is_unset(&r->start)) {
		struct ip_addr start = r->start;

		r->start = (struct ip_addr){ 0 };
		if (!in_subnet_from(r, &start))
			return bad(r->where, "rangeStart", "%s not in network %s",
				   ip_addr_format(&start, a), net);
		r->start = start;
	} else {
		ip_addr_add(&network, 1, &r->start);
	}
	if (!ip_addr_is_unset(&r->end)) {
		if (!in_subnet_from(r, &r->end))
			return bad(r->where, "rangeEnd", "%s not in network %s (or before rangeStart)",
				   ip_addr_format(&r->end, a), net);
	} else {
		default_end(r, &r->end);
		/* A rangeStart on the IPv4 broadcast address lies after the
		 * default end: an empty range, which the allocator would walk
		 * out of (found by fuzzing, tests/fuzz/corpus/cni_conf). */
		if (ip_addr_cmp(&r->start, &r->end) > 0)
			return bad(r->where, "rangeStart", "%s is after the end of the range %s",
				   ip_addr_format(&r->start, a), ip_addr_format(&r->end, n));
	}
	return 0;
}

bool ipam_range_contains(const struct ipam_range *r, const struct ip_addr *a)
{
	return in_subnet_from(r, a) && ip_addr_cmp(a, &r->end) <= 0;
}

bool ipam_range_overlaps(const struct ipam_range *a, const struct ipam_range *b)
{
	if (a->start.family != b->start.family)
		return false;
	return ipam_range_contains(a, &b->start) || ipam_range_contains(a, &b->end) ||
	       ipam_range_contains(b, &a->start) || ipam_range_contains(b, &a->end);
}

char *ipam_range_format(const struct ipam_range *r, char *buf)
{
	char s[IP_ADDR_STRLEN], e[IP_ADDR_STRLEN];

	snprintf(buf, IPAM_RANGE_STRLEN, "%s-%s", ip_addr_format(&r->start, s),
		 ip_addr_format(&r->end, e));
	return buf;
}

uint64_t ipam_range_capacity(const struct ipam_range *r)
{
	uint64_t n = ip_addr_distance(&r->start, &r->end);

	if (n != UINT64_MAX && ipam_range_contains(r, &r->gateway))
		n--;
	return n;
}

static int check_set(const struct ipam_range_set *s)
{
	char a[IPAM_RANGE_STRLEN], b[IPAM_RANGE_STRLEN];

	for (size_t i = 1; i < s->n; i++)
		if (s->ranges[i].subnet.addr.family != s->ranges[0].subnet.addr.family)
			return bad(s->ranges[i].where, "subnet", "mixed address families in %s%s",
				   s->where, "");
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = i + 1; k < s->n; k++)
			if (ipam_range_overlaps(&s->ranges[i], &s->ranges[k]))
				return bad(s->ranges[k].where, "subnet", "subnets %s and %s overlap",
					   ipam_range_format(&s->ranges[i], a),
					   ipam_range_format(&s->ranges[k], b));
	return 0;
}

int ipam_range_set_parse(json_t *j, const char *where, struct ipam_range_set *ret)
{
	struct ipam_range_set s = { 0 };
	size_t n;
	int err;

	if (!json_is_array(j))
		return bad(where, NULL, "must be an array of ranges%s%s", "", "");
	n = json_array_size(j);
	if (n == 0)
		return bad(where, NULL, "empty range set%s%s", "", "");
	snprintf(s.where, sizeof(s.where), "%s", where);
	s.ranges = calloc(n, sizeof(*s.ranges));
	if (!s.ranges)
		return -ENOMEM;
	for (s.n = 0; s.n < n; s.n++) {
		char w[IPAM_WHERE_LEN];

		snprintf(w, sizeof(w), "%s[%zu]", where, s.n);
		err = ipam_range_parse(json_array_get(j, s.n), w, &s.ranges[s.n]);
		if (err < 0)
			goto fail;
	}
	err = check_set(&s);
	if (err < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	ipam_range_set_free(&s);
	return err;
}

void ipam_range_set_free(struct ipam_range_set *s)
{
	free(s->ranges);
	s->ranges = NULL;
	s->n = 0;
}

int ipam_range_set_family(const struct ipam_range_set *s)
{
	return s->n ? s->ranges[0].subnet.addr.family : 0;
}

const struct ipam_range *ipam_range_set_find(const struct ipam_range_set *s,
					     const struct ip_addr *a)
{
	for (size_t i = 0; i < s->n; i++)
		if (ipam_range_contains(&s->ranges[i], a))
			return &s->ranges[i];
	return NULL;
}

bool ipam_range_set_overlaps(const struct ipam_range_set *a, const struct ipam_range_set *b)
{
	for (size_t i = 0; i < a->n; i++)
		for (size_t k = 0; k < b->n; k++)
			if (ipam_range_overlaps(&a->ranges[i], &b->ranges[k]))
				return true;
	return false;
}

char *ipam_range_set_format(const struct ipam_range_set *s)
{
	char *buf = malloc(s->n * IPAM_RANGE_STRLEN + 1);
	size_t off = 0;

	if (!buf)
		return NULL;
	buf[0] = '\0';
	for (size_t i = 0; i < s->n; i++) {
		char r[IPAM_RANGE_STRLEN];

		off += sprintf(buf + off, "%s%s", i ? "," : "", ipam_range_format(&s->ranges[i], r));
	}
	return buf;
}
