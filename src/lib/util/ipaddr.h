/* IPv4 and IPv6 addresses and prefixes, and the arithmetic IPAM needs.
 * Addresses are kept in network byte order in 16 bytes; an IPv4 address
 * uses the first 4. Pure functions: no allocation, no system calls. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ip_addr {
	int family;		/* AF_INET or AF_INET6; 0 = unset */
	uint8_t bytes[16];
};

struct ip_prefix {
	struct ip_addr addr;	/* may have host bits set: "10.1.2.3/24" */
	uint8_t len;
};

/* Longest text forms, with the terminating NUL. */
#define IP_ADDR_STRLEN 46
#define IP_PREFIX_STRLEN 50

static inline size_t ip_addr_size(int family)
{
	return family == AF_INET ? 4 : 16;
}

static inline unsigned ip_family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Parse text; return -EINVAL when it is not exactly an address/prefix. An IPv4-mapped
 * IPv6 text stays IPv6. */
int ip_addr_parse(const char *s, struct ip_addr *ret);
int ip_prefix_parse(const char *s, struct ip_prefix *ret);

/* Format into buf (IP_ADDR_STRLEN / IP_PREFIX_STRLEN bytes); returns buf. */
char *ip_addr_format(const struct ip_addr *a, char *buf);
char *ip_prefix_format(const struct ip_prefix *p, char *buf);

/* <0, 0, >0 like memcmp; different families order AF_INET first. */
int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b);
bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b);
bool ip_addr_is_unset(const struct ip_addr *a);

/* a + n (n may be negative); -ERANGE when it would wrap past the family's space. */
int ip_addr_add(const struct ip_addr *a, int64_t n, struct ip_addr *ret);

/* The prefix with host bits cleared, and the last address inside it. */
void ip_prefix_network(const struct ip_prefix *p, struct ip_addr *ret);
void ip_prefix_last(const struct ip_prefix *p, struct ip_addr *ret);
/* Whether the prefix's own address has host bits set ("10.0.0.1/24"). */
bool ip_prefix_has_host_bits(const struct ip_prefix *p);

bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a);
bool ip_prefix_overlaps(const struct ip_prefix *a, const struct ip_prefix *b);

/* Mask of a prefix length as an address of the family (255.255.255.0). */
void ip_prefix_mask(int family, unsigned len, struct ip_addr *ret);

/* Count of addresses from a to b inclusive, saturated at UINT64_MAX. */
uint64_t ip_addr_distance(const struct ip_addr *a, const struct ip_addr *b);
