/* The DNS messages of `pontoon dns-serve` (dns.c), without sockets or
 * state: reading the one question a container asks, and writing the
 * answer. Apart from dns.c so that a fuzz target can drive them alone
 * (tests/fuzz/fuzz-dns-msg.c): containers send these bytes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/ipaddr.h"

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX 253	/* in text, without the final dot (255 on the wire) */
#define DNS_LABEL_MAX 63
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
#define DNS_TTL 5
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3

struct dns_question {
	uint16_t id;
	bool is_response;		/* QR set: not a question to answer */
	char name[DNS_NAME_MAX + 1];	/* lower case, no final dot; "" is the root */
	uint16_t qtype, qclass;
	size_t end;			/* where the question ends in the message */
};

/* The single question of msg. -EBADMSG when msg is no message with one
 * question in plain labels (a compression pointer in a question is refused,
 * as most servers do); -EILSEQ when it is, but a label holds a '.' or a NUL,
 * which the name in text could not say (the server forwards those). */
int dns_msg_parse_question(const uint8_t *msg, size_t len, struct dns_question *ret);

/* The answer to the question q of msg (its header and question copied):
 * rcode, and one A or AAAA record per address of a (n of them) naming the
 * question's name. -ENOSPC when it does not fit size bytes, -EINVAL for an
 * address of no family. */
int dns_msg_answer(const uint8_t *msg, const struct dns_question *q, int rcode,
		   const struct ip_addr *a, size_t n, uint8_t *out, size_t size, size_t *ret_len);

/* Cuts suffix (".dns.pontoon") off the end of name; whether it was there
 * with at least one label before it. */
bool dns_msg_strip_suffix(char *name, const char *suffix);
