/* DNS messages as the name server of a network reads and writes them
 * (RFC 1035 section 4): only what a container's resolver sends, a header
 * and one question, and an answer with A/AAAA records pointing back at the
 * question's name. Every length is checked against the message: the bytes
 * come from containers. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "dns_msg.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The labels from off to the root label, into name; returns the offset
 * of the root label. */
static int parse_name(const uint8_t *msg, size_t len, size_t off, char *name, size_t *ret_off)
{
	size_t n = 0, wire = 1;		/* the root label's byte */
	int r = 0;

	while (off < len && msg[off]) {
		uint8_t l = msg[off++];

		/* 0x40..0xff: a compression pointer or a reserved label type. */
		if (l > DNS_LABEL_MAX || off + l > len)
			return -EBADMSG;
		wire += 1 + l;
		if (wire > DNS_NAME_MAX + 2)
			return -EBADMSG;
		if (n)
			name[n++] = '.';
		for (uint8_t i = 0; i < l; i++) {
			uint8_t c = msg[off + i];

			if (c == '.' || c == '\0')
				r = -EILSEQ;
			name[n++] = (char)tolower(c);
		}
		off += l;
	}
	if (off >= len)
		return -EBADMSG;
	name[n] = '\0';
	*ret_off = off;
	return r;
}

int dns_msg_parse_question(const uint8_t *msg, size_t len, struct dns_question *ret)
{
	struct dns_question q = { 0 };
	size_t off;
	int r;

	if (len < DNS_HEADER_LEN || get16(msg + 4) != 1)
		return -EBADMSG;
	r = parse_name(msg, len, DNS_HEADER_LEN, q.name, &off);
	if (r == -EBADMSG)
		return r;
	if (off + 5 > len)		/* the root label, QTYPE, QCLASS */
		return -EBADMSG;
	if (r < 0)
		return r;
	q.id = get16(msg);
	q.is_response = msg[2] & 0x80;
	q.qtype = get16(msg + off + 1);
	q.qclass = get16(msg + off + 3);
	q.end = off + 5;
	*ret = q;
	return 0;
}

int dns_msg_answer(const uint8_t *msg, const struct dns_question *q, int rcode,
		   const struct ip_addr *a, size_t n, uint8_t *out, size_t size, size_t *ret_len)
{
	size_t off = q->end;

	if (q->end < DNS_HEADER_LEN || q->end > size || n > UINT16_MAX)
		return -ENOSPC;
	memcpy(out, msg, q->end);
	out[2] = 0x80 | (msg[2] & 0x79) | 0x04;	/* QR; opcode and RD kept; AA */
	out[3] = 0x80 | (rcode & 0xf);		/* RA */
	put16(out + 6, (uint16_t)n);		/* ANCOUNT */
	memset(out + 8, 0, 4);			/* NSCOUNT, ARCOUNT: no EDNS echoed */
	for (size_t i = 0; i < n; i++) {
		size_t alen = a[i].family == AF_INET ? 4 : 16;
		uint8_t rr[12] = { 0xc0, DNS_HEADER_LEN, 0, 0, 0, DNS_CLASS_IN, 0, 0, 0, DNS_TTL, 0,
				   (uint8_t)alen };

		if (a[i].family != AF_INET && a[i].family != AF_INET6)
			return -EINVAL;
		if (size - off < sizeof(rr) + alen)
			return -ENOSPC;
		put16(rr + 2, a[i].family == AF_INET ? DNS_TYPE_A : DNS_TYPE_AAAA);
		memcpy(out + off, rr, sizeof(rr));
		memcpy(out + off + sizeof(rr), a[i].bytes, alen);
		off += sizeof(rr) + alen;
	}
	*ret_len = off;
	return 0;
}

bool dns_msg_strip_suffix(char *name, const char *suffix)
{
	size_t len = strlen(name), slen = strlen(suffix);

	if (len <= slen || strcmp(name + len - slen, suffix) != 0)
		return false;
	name[len - slen] = '\0';
	return true;
}
