/* Fuzz target: what the kernel answers on rtnetlink. A reply is input like
 * any other: a kernel newer than ours adds attributes, another process's
 * links carry names and kinds we never made.
 *
 * Through nl.h's test transport the bytes are handed back as the whole
 * answer to each request — a link lookup, an address and a route dump, the
 * bridge port dump, and an ACKed change (whose error path reads the
 * extended ACK). The bytes are framed as the kernel would frame them (see
 * transport()), so the fuzzer reaches the parsers instead of the sequence
 * check. Invariants: a link
 * found has a NUL-terminated name that fits IFNAMSIZ; every address and
 * route listed has a family and a prefix length that fits it. */
#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nl/addr.h"
#include "nl/link.h"
#include "nl/nl.h"
#include "nl/route.h"

struct input {
	const uint8_t *data;
	size_t size;
	struct nl_sock *nl;
};

/* Copies the bytes as the answer and frames them as the kernel frames its
 * own: every message carries the request's sequence number and our port,
 * and no nlmsg_len runs past the end of the answer. (The kernel never
 * sends such a length, and libmnl's mnl_nlmsg_ok() compares it as a signed
 * int, so one of 2 GiB or more would walk off the buffer inside libmnl;
 * see docs/fuzzing.md.) */
static int transport(const void *req, size_t req_len, void *reply, size_t reply_size, void *u)
{
	const struct nlmsghdr *rq = req;
	struct input *in = u;
	size_t n = in->size < reply_size ? in->size : reply_size, off = 0;

	(void)req_len;
	memcpy(reply, in->data, n);
	while (off + sizeof(struct nlmsghdr) <= n) {
		struct nlmsghdr *m = (struct nlmsghdr *)((char *)reply + off);

		if (m->nlmsg_len < sizeof(*m) || m->nlmsg_len > n - off)
			m->nlmsg_len = (uint32_t)(n - off);
		m->nlmsg_seq = rq->nlmsg_seq;
		m->nlmsg_pid = nl_portid(in->nl);
		off += MNL_ALIGN(m->nlmsg_len);
	}
	return (int)n;
}

/* PONTOON_FUZZ_NL_SKIP_PREFIXLEN=1 turns the prefix length check off, to
 * explore further while that finding (docs/fuzzing.md) is open. */
static void check_prefixes(const struct ip_prefix *p, size_t n, const char *what)
{
	if (getenv("PONTOON_FUZZ_NL_SKIP_PREFIXLEN"))
		return;
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((p[i].addr.family == AF_INET || p[i].addr.family == AF_INET6) &&
			    p[i].len <= ip_family_bits(p[i].addr.family),
			    "%s[%zu]: family %d length %u", what, i, p[i].addr.family, p[i].len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size, NULL };
	struct link_info li;
	struct bridge_port_opts bp;
	struct ip_prefix *addrs = NULL;
	struct route *routes = NULL;
	size_t n = 0;

	if (nl_open_fake(transport, &in, &in.nl) < 0)
		abort();
	pt_err_clear();
	if (link_get_by_name(in.nl, "eth0", &li) == 0)
		FUZZ_ASSERT(memchr(li.name, '\0', sizeof(li.name)), "link name not terminated");
	if (link_get_by_index(in.nl, 7, &li) == 0)
		FUZZ_ASSERT(memchr(li.name, '\0', sizeof(li.name)) &&
			    memchr(li.kind, '\0', sizeof(li.kind)), "name or kind not terminated");
	if (addr_list(in.nl, 0, AF_UNSPEC, &addrs, &n) == 0) {
		check_prefixes(addrs, n, "addr");
		free(addrs);
	}
	for (int fam = AF_INET; fam <= AF_INET6; fam += AF_INET6 - AF_INET) {
		if (route_list(in.nl, fam, 0, &routes, &n) == 0) {
			for (size_t i = 0; i < n; i++)
				check_prefixes(&routes[i].dst, 1, "route");
			free(routes);
		}
	}
	(void)bridge_port_get(in.nl, 7, &bp);
	(void)link_set_up(in.nl, 7);
	nl_close(in.nl);
	return 0;
}
