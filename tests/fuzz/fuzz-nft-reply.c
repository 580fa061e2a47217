/* Fuzz target: the kernel's answer to the one-element GETSETELEM that DEL
 * by key, CHECK and the ownership checks send (nft_elem_reply_parse): an
 * element with its user data, whose type-length-value records hold the
 * comment that names the element's owner. A reply is input like any other,
 * and a container that re-owns elements shapes what comes back.
 *
 * The input is the attribute payload of one NFT_MSG_NEWSETELEM message,
 * framed as the kernel frames it (the right sequence number and port, so
 * the fuzzer reaches the attributes rather than the sequence check); its
 * first byte says whether an ACK follows in the same datagram. Invariants:
 * the comment is NUL-terminated within its buffer whatever the bytes, and
 * the parse answers 1, 0, -EAGAIN or a negative errno. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nft/nft.h"

#define SEQ 4242
#define PORTID 77

/* The message, then the ACK (an NLMSG_ERROR with error 0) when asked. */
static size_t frame(const uint8_t *data, size_t size, bool ack, char *buf, size_t cap)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;
	size_t len;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORTID;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = NFPROTO_INET;
	memcpy((char *)nlh + nlh->nlmsg_len, data, size);
	nlh->nlmsg_len += (uint32_t)size;
	len = MNL_ALIGN(nlh->nlmsg_len);
	if (ack && len + MNL_ALIGN(sizeof(struct nlmsghdr) + sizeof(struct nlmsgerr)) <= cap) {
		struct nlmsghdr *a = mnl_nlmsg_put_header(buf + len);
		struct nlmsgerr *e;

		a->nlmsg_type = NLMSG_ERROR;
		a->nlmsg_seq = SEQ;
		a->nlmsg_pid = PORTID;
		e = mnl_nlmsg_put_extra_header(a, sizeof(*e));
		e->error = 0;
		len += a->nlmsg_len;
	}
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[8192];
	char comment[NFT_COMMENT_MAX + 1];
	char *small;
	size_t len;
	int r;

	if (size < 1 || size - 1 > sizeof(buf) - 256)
		return 0;
	len = frame(data + 1, size - 1, data[0] & 1, buf, sizeof(buf));
	memset(comment, 'x', sizeof(comment));
	comment[0] = '\0';
	r = nft_elem_reply_parse(buf, len, SEQ, PORTID, comment, sizeof(comment));
	FUZZ_ASSERT(r <= 1, "result %d", r);
	FUZZ_ASSERT(memchr(comment, '\0', sizeof(comment)) != NULL, "comment not terminated");
	/* A small buffer cuts the comment and is never written past (a heap
	 * buffer of exactly its size, so ASan sees one byte too many). */
	small = malloc(4);
	if (!small)
		return 0;
	small[0] = '\0';
	r = nft_elem_reply_parse(buf, len, SEQ, PORTID, small, 4);
	FUZZ_ASSERT(r <= 1 && memchr(small, '\0', 4) != NULL, "short comment not terminated");
	FUZZ_ASSERT(strncmp(small, comment, strlen(small)) == 0, "cut comment is not a prefix");
	free(small);
	return 0;
}
