/* IP address and prefix arithmetic; see ipaddr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/ipaddr.h"

int ip_addr_parse(const char *s, struct ip_addr *ret)
{
	struct ip_addr a = { 0 };

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, a.bytes) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.bytes) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*ret = a;
	return 0;
}

int ip_prefix_parse(const char *s, struct ip_prefix *ret)
{
	char buf[IP_PREFIX_STRLEN];
	struct ip_prefix p = { 0 };
	const char *slash, *len_s;
	char *end;
	unsigned long len;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (ip_addr_parse(buf, &p.addr) < 0)
		return -EINVAL;
	len_s = slash + 1;
	if (*len_s < '0' || *len_s > '9' || (len_s[0] == '0' && len_s[1]))
		return -EINVAL;
	errno = 0;
	len = strtoul(len_s, &end, 10);
	if (errno || *end || len > ip_family_bits(p.addr.family))
		return -EINVAL;
	p.len = (uint8_t)len;
	*ret = p;
	return 0;
}

char *ip_addr_format(const struct ip_addr *a, char *buf)
{
	if (!inet_ntop(a->family, a->bytes, buf, IP_ADDR_STRLEN))
		snprintf(buf, IP_ADDR_STRLEN, "<none>");
	return buf;
}

char *ip_prefix_format(const struct ip_prefix *p, char *buf)
{
	char a[IP_ADDR_STRLEN];

	snprintf(buf, IP_PREFIX_STRLEN, "%s/%u", ip_addr_format(&p->addr, a), p->len);
	return buf;
}

int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->bytes, b->bytes, ip_addr_size(a->family));
}

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return ip_addr_cmp(a, b) == 0;
}

bool ip_addr_is_unset(const struct ip_addr *a)
{
	return a->family == 0;
}

int ip_addr_add(const struct ip_addr *a, int64_t n, struct ip_addr *ret)
{
	struct ip_addr r = *a;
	size_t size = ip_addr_size(a->family);
	uint64_t mag = n < 0 ? (uint64_t)-(n + 1) + 1 : (uint64_t)n;
	unsigned carry = 0;

	/* Add or subtract the 64-bit magnitude byte by byte from the end; a
	 * carry or borrow out of the first byte means the result wrapped. */
	for (size_t i = size; i-- > 0;) {
		unsigned digit = (unsigned)(mag & 0xff);
		int v;

		mag >>= 8;
		if (n >= 0) {
			v = r.bytes[i] + digit + carry;
			carry = v > 0xff;
		} else {
			v = r.bytes[i] - (int)digit - (int)carry;
			carry = v < 0;
		}
		r.bytes[i] = (uint8_t)v;
	}
	if (carry || mag)
		return -ERANGE;
	*ret = r;
	return 0;
}

void ip_prefix_mask(int family, unsigned len, struct ip_addr *ret)
{
	struct ip_addr m = { .family = family };
	size_t size = ip_addr_size(family);

	for (size_t i = 0; i < size; i++) {
		unsigned bits = len > 8 ? 8 : len;

		m.bytes[i] = bits ? (uint8_t)(0xff << (8 - bits)) : 0;
		len -= bits;
	}
	*ret = m;
}

void ip_prefix_network(const struct ip_prefix *p, struct ip_addr *ret)
{
	struct ip_addr m, r = p->addr;

	ip_prefix_mask(p->addr.family, p->len, &m);
	for (size_t i = 0; i < sizeof(r.bytes); i++)
		r.bytes[i] &= m.bytes[i];
	*ret = r;
}

void ip_prefix_last(const struct ip_prefix *p, struct ip_addr *ret)
{
	struct ip_addr m, r = p->addr;
	size_t size = ip_addr_size(p->addr.family);

	ip_prefix_mask(p->addr.family, p->len, &m);
	for (size_t i = 0; i < size; i++)
		r.bytes[i] |= (uint8_t)~m.bytes[i];
	*ret = r;
}

bool ip_prefix_has_host_bits(const struct ip_prefix *p)
{
	struct ip_addr net;

	ip_prefix_network(p, &net);
	return !ip_addr_equal(&net, &p->addr);
}

bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a)
{
	struct ip_prefix q = { .addr = *a, .len = p->len };
	struct ip_addr n1, n2;

	if (a->family != p->addr.family)
		return false;
	ip_prefix_network(p, &n1);
	ip_prefix_network(&q, &n2);
	return ip_addr_equal(&n1, &n2);
}

bool ip_prefix_overlaps(const struct ip_prefix *a, const struct ip_prefix *b)
{
	if (a->addr.family != b->addr.family)
		return false;
	return a->len <= b->len ? ip_prefix_contains(a, &b->addr)
				: ip_prefix_contains(b, &a->addr);
}

uint64_t ip_addr_distance(const struct ip_addr *a, const struct ip_addr *b)
{
	const struct ip_addr *lo = a, *hi = b;
	size_t size = ip_addr_size(a->family);
	uint64_t d = 0;
	int borrow = 0;
	uint8_t diff[16];

	if (ip_addr_cmp(a, b) > 0) {
		lo = b;
		hi = a;
	}
	for (size_t i = size; i-- > 0;) {
		int v = hi->bytes[i] - lo->bytes[i] - borrow;

		borrow = v < 0;
		diff[i] = (uint8_t)(v + (borrow ? 256 : 0));
	}
	for (size_t i = 0; i < size; i++) {
		if (d >> 56)
			return UINT64_MAX;
		d = (d << 8) | diff[i];
	}
	return d == UINT64_MAX ? UINT64_MAX : d + 1;
}
