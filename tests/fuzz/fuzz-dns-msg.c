/* Fuzz target: the questions containers send to a network's name server
 * (src/cli/dns_msg.c, compiled into this target: the CLI is no library).
 * The input is one UDP payload; its last byte also picks how many addresses
 * (0..16) the answer carries and of which family, their bytes taken from
 * the input. Whatever the bytes:
 *  - an accepted name is lower-case text of at most 253 bytes, labels of
 *    1..63 bytes, no empty label, no NUL inside, and it is the question's
 *    labels byte for byte (lower-cased);
 *  - the answer fits its 1,500-byte buffer (and a smaller buffer gives
 *    -ENOSPC, never a write past it), carries the question's id, QR, the
 *    question unchanged, ANCOUNT records (one per address, pointing at the
 *    question's name, type and length of the address's family), nothing
 *    after them, and parses back as the same question. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "dns_msg.h"
#include "fuzz.h"

#define BUF 1500

static void check_name(const struct dns_question *q, const uint8_t *msg)
{
	const char *p = q->name;
	size_t off = DNS_HEADER_LEN, len = strlen(q->name);

	FUZZ_ASSERT(len <= DNS_NAME_MAX, "name of %zu bytes", len);
	FUZZ_ASSERT(q->end <= DNS_HEADER_LEN + 255 + 4, "question ends at %zu", q->end);
	/* Label by label, against the message's own labels. */
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		FUZZ_ASSERT(l >= 1 && l <= DNS_LABEL_MAX, "label of %zu bytes in \"%s\"", l, q->name);
		FUZZ_ASSERT(msg[off] == l, "label length %u, text has %zu", msg[off], l);
		for (size_t i = 0; i < l; i++)
			FUZZ_ASSERT((unsigned char)p[i] == tolower(msg[off + 1 + i]) && !isupper((unsigned char)p[i]),
				    "\"%s\" is not the question's name", q->name);
		off += 1 + l;
		p += l;
		if (*p == '.') {
			p++;
			FUZZ_ASSERT(*p, "\"%s\" ends in an empty label", q->name);
		}
	}
	FUZZ_ASSERT(msg[off] == 0 && off + 5 == q->end, "question ends at %zu, labels at %zu",
		    q->end, off);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The answer read back by hand: header, question, records, nothing more. */
static void check_answer(const uint8_t *msg, const struct dns_question *q, int rcode,
			 const struct ip_addr *a, size_t n, const uint8_t *out, size_t len)
{
	struct dns_question back;
	size_t off = q->end;

	FUZZ_ASSERT(len >= q->end && len <= BUF, "answer of %zu bytes", len);
	FUZZ_ASSERT(get16(out) == q->id, "id %u, asked %u", get16(out), q->id);
	FUZZ_ASSERT(out[2] & 0x80, "QR not set");
	FUZZ_ASSERT((out[2] & 0x79) == (msg[2] & 0x79), "opcode or RD changed");
	FUZZ_ASSERT((out[3] & 0xf) == rcode, "rcode %d, meant %d", out[3] & 0xf, rcode);
	FUZZ_ASSERT(get16(out + 4) == 1, "QDCOUNT %u", get16(out + 4));
	FUZZ_ASSERT(get16(out + 6) == n, "ANCOUNT %u for %zu addresses", get16(out + 6), n);
	FUZZ_ASSERT(get16(out + 8) == 0 && get16(out + 10) == 0, "NSCOUNT or ARCOUNT set");
	FUZZ_ASSERT(memcmp(out + DNS_HEADER_LEN, msg + DNS_HEADER_LEN, q->end - DNS_HEADER_LEN) == 0,
		    "question not echoed");
	for (size_t i = 0; i < n; i++) {
		size_t alen = a[i].family == AF_INET ? 4 : 16;

		FUZZ_ASSERT(len - off >= 12 + alen, "record %zu cut", i);
		FUZZ_ASSERT(out[off] == 0xc0 && out[off + 1] == DNS_HEADER_LEN, "record %zu: name", i);
		FUZZ_ASSERT(get16(out + off + 2) == (alen == 4 ? DNS_TYPE_A : DNS_TYPE_AAAA) &&
				    get16(out + off + 4) == DNS_CLASS_IN,
			    "record %zu: type or class", i);
		FUZZ_ASSERT(get16(out + off + 10) == alen && memcmp(out + off + 12, a[i].bytes, alen) == 0,
			    "record %zu: address", i);
		off += 12 + alen;
	}
	FUZZ_ASSERT(off == len, "%zu bytes after the records", len - off);
	FUZZ_ASSERT(dns_msg_parse_question(out, len, &back) == 0, "the answer does not parse");
	FUZZ_ASSERT(back.is_response && back.id == q->id && back.qtype == q->qtype &&
			    back.qclass == q->qclass && back.end == q->end && !strcmp(back.name, q->name),
		    "the answer's question differs");
}

/* Addresses from the input's last bytes: the last byte says how many and
 * which families. */
static size_t pick_addresses(const uint8_t *data, size_t size, struct ip_addr *a)
{
	uint8_t sel = size ? data[size - 1] : 0;
	size_t n = sel % 17;

	for (size_t i = 0; i < n; i++) {
		a[i] = (struct ip_addr){ .family = (sel >> (i % 8)) & 1 ? AF_INET6 : AF_INET };
		for (size_t k = 0; k < sizeof(a[i].bytes) && size; k++)
			a[i].bytes[k] = data[(i * 16 + k) % size];
		if (a[i].family == AF_INET)
			memset(a[i].bytes + 4, 0, sizeof(a[i].bytes) - 4);
	}
	return n;
}

static void check_suffix(const char *name)
{
	char buf[DNS_NAME_MAX + 1];
	size_t len = strlen(name);

	strcpy(buf, name);
	if (dns_msg_strip_suffix(buf, ".dns.pontoon")) {
		FUZZ_ASSERT(buf[0] && strlen(buf) + strlen(".dns.pontoon") == len &&
				    !strncmp(buf, name, strlen(buf)),
			    "\"%s\" stripped to \"%s\"", name, buf);
	} else {
		FUZZ_ASSERT(!strcmp(buf, name), "\"%s\" changed to \"%s\"", name, buf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_question q;
	struct ip_addr a[16];
	uint8_t out[BUF], *small;
	size_t n, len, small_size;
	int r, rcode;

	r = dns_msg_parse_question(data, size, &q);
	FUZZ_ASSERT(r == 0 || r == -EBADMSG || r == -EILSEQ, "parse returned %d", r);
	if (r < 0)
		return 0;
	check_name(&q, data);
	check_suffix(q.name);
	n = pick_addresses(data, size, a);
	rcode = size > 1 ? data[size - 2] & 0xf : 0;
	r = dns_msg_answer(data, &q, rcode, a, n, out, sizeof(out), &len);
	FUZZ_ASSERT(r == 0, "no answer for %zu addresses: %d", n, r);
	check_answer(data, &q, rcode, a, n, out, len);

	/* A buffer one byte too small, or of a size from the input: -ENOSPC,
	 * and ASan sees any write past its end. */
	small_size = size > 2 ? data[size - 3] % (len + 1) : len - 1;
	if (small_size == len)
		small_size = len - 1;
	small = malloc(small_size ? small_size : 1);
	if (!small)
		abort();
	r = dns_msg_answer(data, &q, rcode, a, n, small, small_size, &len);
	FUZZ_ASSERT(r == -ENOSPC, "answer into %zu bytes: %d", small_size, r);
	free(small);
	return 0;
}
