/* Address ranges and range sets, with host-local's rules: a range is a
 * subnet with an inclusive [start, end] and a gateway; a range set is a list
 * of non-overlapping ranges of one family from which one address is handed
 * out per container (several sets = one address from each: dual stack). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "util/ipaddr.h"

/* Where a range or set came from, for messages: "ipam.ranges[0][1]". */
#define IPAM_WHERE_LEN 64
/* "start-end" per range, comma separated, as the reference prints a set. */
#define IPAM_RANGE_STRLEN (2 * IP_ADDR_STRLEN + 2)

struct ipam_range {
	struct ip_prefix subnet;	/* network address, no host bits */
	struct ip_addr start, end;	/* inclusive */
	struct ip_addr gateway;		/* never handed out */
	char where[IPAM_WHERE_LEN];
};

struct ipam_range_set {
	struct ipam_range *ranges;
	size_t n;
	char where[IPAM_WHERE_LEN];
};

/* Parses one {subnet, rangeStart, rangeEnd, gateway} object and fills in
 * the defaults: start = network+1, end = last address (minus the broadcast
 * for IPv4), gateway = network+1. Errors: -EINVAL, CNI code 7, naming
 * where.field. */
int ipam_range_parse(json_t *j, const char *where, struct ipam_range *ret);
/* Validates an already filled range (subnet set, others optional) and
 * applies the defaults, as ipam_range_parse does after reading JSON. */
int ipam_range_canonicalize(struct ipam_range *r);

/* Address inside subnet and within [start, end]. */
bool ipam_range_contains(const struct ipam_range *r, const struct ip_addr *a);
bool ipam_range_overlaps(const struct ipam_range *a, const struct ipam_range *b);
/* "10.0.0.1-10.0.0.254" into buf (IPAM_RANGE_STRLEN bytes). */
char *ipam_range_format(const struct ipam_range *r, char *buf);
/* Addresses that can be handed out: the range minus its gateway. */
uint64_t ipam_range_capacity(const struct ipam_range *r);

/* Parses a JSON array of ranges; checks one family and no overlap. */
int ipam_range_set_parse(json_t *j, const char *where, struct ipam_range_set *ret);
void ipam_range_set_free(struct ipam_range_set *s);
int ipam_range_set_family(const struct ipam_range_set *s);
/* The range holding a, or NULL. */
const struct ipam_range *ipam_range_set_find(const struct ipam_range_set *s,
					     const struct ip_addr *a);
bool ipam_range_set_overlaps(const struct ipam_range_set *a, const struct ipam_range_set *b);
/* The reference's text for a set; malloc'd, NULL on ENOMEM. */
char *ipam_range_set_format(const struct ipam_range_set *s);
