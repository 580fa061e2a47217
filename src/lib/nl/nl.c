/* The rtnetlink socket and the one exchange every object file uses.
 *
 * A request is sent, then its whole answer is collected (every datagram up
 * to the ACK, NLMSG_DONE or error carrying the request's sequence number)
 * before mnl_cb_run2 walks it. Collecting first means a failure never
 * leaves half an answer in the socket for the next request to trip on (a
 * collection that itself fails midway drains the rest), and
 * an interrupted dump (NLM_F_DUMP_INTR) can be thrown away whole before any
 * of its messages reach the caller's callback. The test transport replaces
 * the send and the collection, nothing else, so unit tests exercise the same
 * parsing as the kernel path. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "nl/netns.h"
#include "nl/nl.h"
#include "util/cleanup.h"
#include "util/error.h"

#define NL_REQ_SIZE (16 * 1024)
/* The kernel sends a dump in skbs of up to 32 KiB when the reader's buffer
 * allows it; a smaller buffer would truncate them (ENOSPC). */
#define NL_RECV_SIZE (32 * 1024)
#define NL_DUMP_RETRIES 5
#define NL_FAKE_PORTID 0x706e7400u

struct nl_sock {
	struct mnl_socket *mnl;		/* NULL for a fake socket */
	unsigned portid;
	unsigned seq;
	nl_transport_fn transport;	/* set: replaces the kernel */
	void *transport_data;
	char *reply;			/* the answer of the current request */
	size_t reply_len, reply_cap;
	size_t recv_size;		/* per datagram; 0: NL_RECV_SIZE (tests shrink it) */
	_Alignas(struct nlmsghdr) char req[NL_REQ_SIZE];
};

/* What mnl_cb_run2 carries to our callbacks: the caller's callback and the
 * first error met. */
struct reply_ctx {
	mnl_cb_t cb;
	void *data;
	int err;
};

static int nl_errno(const char *what)
{
	int err = errno > 0 ? -errno : -EIO;

	return pt_err(err, "%s: %s", what, strerror(-err));
}

static int nl_alloc(struct nl_sock **ret)
{
	struct nl_sock *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return pt_err(-ENOMEM, "cannot allocate netlink socket");
	nl->seq = (unsigned)time(NULL);
	*ret = nl;
	return 0;
}

static int nl_setsockopt_on(struct nl_sock *nl, int opt, const char *name)
{
	int one = 1;

	if (mnl_socket_setsockopt(nl->mnl, opt, &one, sizeof(one)) < 0)
		return pt_err(-errno, "cannot set %s on rtnetlink socket: %s", name, strerror(errno));
	return 0;
}

int nl_open(struct nl_sock **ret)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;
	int r;

	r = nl_alloc(&nl);
	if (r < 0)
		return r;
	nl->mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->mnl)
		return nl_errno("cannot open rtnetlink socket");
	if (mnl_socket_bind(nl->mnl, 0, MNL_SOCKET_AUTOPID) < 0)
		return nl_errno("cannot bind rtnetlink socket");
	/* EXT_ACK: errors carry the kernel's own words. CAP_ACK: an ACK does
	 * not echo the whole request back. */
	r = nl_setsockopt_on(nl, NETLINK_EXT_ACK, "NETLINK_EXT_ACK");
	if (r < 0)
		return r;
	r = nl_setsockopt_on(nl, NETLINK_CAP_ACK, "NETLINK_CAP_ACK");
	if (r < 0)
		return r;
	nl->portid = mnl_socket_get_portid(nl->mnl);
	*ret = TAKE_PTR(nl);
	return 0;
}

int nl_open_in_netns(int netns_fd, struct nl_sock **ret)
{
	struct nl_sock *nl = NULL;
	int orig, r, back;

	r = netns_enter(netns_fd, &orig);
	if (r < 0)
		return r;
	r = nl_open(&nl);
	back = netns_leave(orig);
	if (back < 0) {
		nl_close(nl);
		return back;
	}
	if (r < 0)
		return r;
	*ret = nl;
	return 0;
}

int nl_open_fake(nl_transport_fn fn, void *data, struct nl_sock **ret)
{
	struct nl_sock *nl = NULL;
	int r;

	r = nl_alloc(&nl);
	if (r < 0)
		return r;
	nl->portid = NL_FAKE_PORTID;
	nl_set_test_transport(nl, fn, data);
	*ret = nl;
	return 0;
}

void nl_set_test_recv_size(struct nl_sock *nl, size_t size)
{
	nl->recv_size = size < NL_RECV_SIZE ? size : 0;
}

void nl_set_test_transport(struct nl_sock *nl, nl_transport_fn fn, void *data)
{
	nl->transport = fn;
	nl->transport_data = data;
}

void nl_close(struct nl_sock *nl)
{
	if (!nl)
		return;
	if (nl->mnl)
		mnl_socket_close(nl->mnl);
	free(nl->reply);
	free(nl);
}

void nl_closep(struct nl_sock **nl)
{
	nl_close(*nl);
}

void *nl_buf(struct nl_sock *nl)
{
	return nl->req;
}

size_t nl_buf_size(void)
{
	return NL_REQ_SIZE;
}

unsigned nl_portid(const struct nl_sock *nl)
{
	return nl->portid;
}

/* ---- sending and collecting ---- */

static int nl_reserve(struct nl_sock *nl, size_t more)
{
	size_t cap = nl->reply_cap ? nl->reply_cap : NL_RECV_SIZE;
	char *p;

	while (cap - nl->reply_len < more)
		cap *= 2;
	if (cap == nl->reply_cap)
		return 0;
	p = realloc(nl->reply, cap);
	if (!p)
		return pt_err(-ENOMEM, "cannot grow netlink reply buffer to %zu bytes", cap);
	nl->reply = p;
	nl->reply_cap = cap;
	return 0;
}

/* Every message of a datagram lies inside it: libmnl's walk trusts a
 * length up to 2 GiB, which would lead it past the buffer. */
static bool nl_datagram_valid(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	while (len >= sizeof(*nlh)) {
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
			return false;
		if (MNL_ALIGN(nlh->nlmsg_len) >= len)
			return true;
		len -= MNL_ALIGN(nlh->nlmsg_len);
		nlh = (const void *)((const char *)nlh + MNL_ALIGN(nlh->nlmsg_len));
	}
	return len == 0;
}

static int nl_fake_exchange(struct nl_sock *nl, const struct nlmsghdr *nlh)
{
	int n, r;

	r = nl_reserve(nl, NL_RECV_SIZE);
	if (r < 0)
		return r;
	n = nl->transport(nlh, nlh->nlmsg_len, nl->reply, nl->reply_cap, nl->transport_data);
	if (n < 0)
		return pt_err(n, "netlink test transport: %s", strerror(-n));
	if ((size_t)n > nl->reply_cap)
		return pt_err(-EMSGSIZE, "netlink test transport: reply of %d bytes overflows", n);
	if (!nl_datagram_valid(nl->reply, (size_t)n))
		return pt_err(-EBADMSG, "netlink: a reply message overruns its datagram");
	nl->reply_len = (size_t)n;
	return 0;
}

static int nl_send(struct nl_sock *nl, struct nlmsghdr *nlh)
{
	if (++nl->seq == 0)	/* 0 would turn mnl's sequence check off */
		nl->seq = 1;
	nlh->nlmsg_seq = nl->seq;
	nl->reply_len = 0;
	if (nl->transport)
		return nl_fake_exchange(nl, nlh);
	if (mnl_socket_sendto(nl->mnl, nlh, nlh->nlmsg_len) < 0)
		return nl_errno("cannot send netlink request");
	return 0;
}

/* Whether buf holds the last message of the answer to seq. */
static bool nl_chunk_ends(const void *buf, size_t len, unsigned seq)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		if (nlh->nlmsg_seq == seq &&
		    (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR))
			return true;
	return false;
}

/* One datagram from the kernel. In a container's namespace a process with
 * CAP_NET_ADMIN can send to our socket too: what does not come from port 0
 * is dropped unread (0: receive again; a kernel datagram is never empty). */
static ssize_t nl_recv_from_kernel(struct nl_sock *nl, void *buf, size_t size)
{
	struct sockaddr_nl from = { 0 };
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from),
			      .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(mnl_socket_get_fd(nl->mnl), &msg, 0);

	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -ENOSPC;
	if (msg.msg_namelen != sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0)
		return 0;
	return n;
}

/* Throws away whatever is queued on the socket: the rest of an answer
 * whose collection failed, so that the next request on this long-lived
 * socket reads only its own. Every receive also lets the kernel queue the
 * next part of a dump still running, so this goes on until the dump's end;
 * non-blocking, since a lost datagram (ENOBUFS) may mean the end never
 * comes. A zero-length receive with MSG_TRUNC drops a datagram unread. */
static void nl_drain(struct nl_sock *nl)
{
	int fd = mnl_socket_get_fd(nl->mnl);
	char byte;

	while (recv(fd, &byte, 0, MSG_DONTWAIT | MSG_TRUNC) >= 0 || errno == EINTR ||
	       errno == ENOBUFS)
		;
}

static int nl_collect_kernel(struct nl_sock *nl, unsigned seq)
{
	size_t size = nl->recv_size ? nl->recv_size : NL_RECV_SIZE;
	ssize_t n;
	size_t at;
	int r;

	for (;;) {
		r = nl_reserve(nl, NL_RECV_SIZE);
		if (r < 0)
			return r;
		at = nl->reply_len;
		n = nl_recv_from_kernel(nl, nl->reply + at, size);
		if (n == -EINTR || n == 0)
			continue;
		if (n < 0) {
			errno = (int)-n;
			return nl_errno("cannot receive netlink reply");
		}
		if (!nl_datagram_valid(nl->reply + at, (size_t)n))
			return pt_err(-EBADMSG, "netlink: a reply message overruns its datagram");
		/* Keep the next datagram's first message aligned. */
		memset(nl->reply + at + n, 0, MNL_ALIGN((size_t)n) - (size_t)n);
		nl->reply_len = at + MNL_ALIGN((size_t)n);
		if (nl_chunk_ends(nl->reply + at, (size_t)n, seq))
			return 0;
	}
}

static int nl_collect(struct nl_sock *nl, unsigned seq)
{
	int r;

	if (nl->transport)	/* the fake hands its answer over in one piece */
		return 0;
	r = nl_collect_kernel(nl, seq);
	if (r < 0)
		nl_drain(nl);
	return r;
}

static bool nl_reply_interrupted(const struct nl_sock *nl)
{
	const struct nlmsghdr *nlh = (const void *)nl->reply;
	int left = (int)nl->reply_len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			return true;
	return false;
}

/* ---- walking the answer ---- */

static int ext_ack_attr(const struct nlattr *a, void *data)
{
	const char **msg = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
		*msg = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* Records err with the kernel's extended-ACK text found in the TLVs that
 * start offset bytes into nlh's payload, or with strerror when it gave none. */
static void nl_record_error(int err, const struct nlmsghdr *nlh, size_t offset)
{
	const char *msg = NULL;

	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && offset <= mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, (unsigned)offset, ext_ack_attr, &msg);
	if (msg && msg[0])
		pt_err(err, "%s", msg);
	else
		pt_err(err, "%s", strerror(-err));
}

static int nl_fail(struct reply_ctx *ctx, int err)
{
	ctx->err = err;
	errno = -err;
	return MNL_CB_ERROR;
}

/* An error number from a reply as a negative errno. Anything outside the
 * errno range (INT_MIN cannot even be negated) is a malformed reply. */
static int reply_errno(int e)
{
	if (e < -4095 || e > 4095)
		return -EPROTO;
	return e < 0 ? e : -e;
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t offset;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return nl_fail(data, pt_err(-EBADMSG, "netlink: truncated NLMSG_ERROR"));
	if (e->error == 0)
		return MNL_CB_STOP;
	err = reply_errno(e->error);
	/* The TLVs follow the echoed request: its header only when capped. */
	offset = sizeof(e->error) + ((nlh->nlmsg_flags & NLM_F_CAPPED) ?
				     sizeof(e->msg) : MNL_ALIGN(e->msg.nlmsg_len));
	nl_record_error(err, nlh, offset);
	return nl_fail(data, err);
}

/* A dump that fails midway ends in NLMSG_DONE carrying the error. */
static int on_done(const struct nlmsghdr *nlh, void *data)
{
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return MNL_CB_STOP;
	err = reply_errno(err);
	nl_record_error(err, nlh, sizeof(err));
	return nl_fail(data, err);
}

static int on_data(const struct nlmsghdr *nlh, void *data)
{
	struct reply_ctx *ctx = data;
	int r;

	if (!ctx->cb)
		return MNL_CB_OK;
	errno = 0;
	r = ctx->cb(nlh, ctx->data);
	if (r == MNL_CB_ERROR) {
		int err = errno > 0 ? -errno : -EBADMSG;

		pt_err(err, "cannot read netlink reply (type %u): %s", nlh->nlmsg_type,
		       strerror(-err));
		return nl_fail(ctx, err);
	}
	return r;
}

static int nl_run_failed(const struct reply_ctx *ctx, unsigned seq)
{
	if (ctx->err)
		return ctx->err;
	switch (errno) {
	case EPROTO:
		return pt_err(-EPROTO, "netlink: reply out of sequence (expected %u)", seq);
	case ESRCH:
		return pt_err(-ESRCH, "netlink: reply from an unexpected port");
	case EINTR:
		return pt_err(-EINTR, "netlink: dump interrupted");
	default:
		return nl_errno("netlink: malformed reply");
	}
}

static int nl_run(struct nl_sock *nl, unsigned seq, mnl_cb_t cb, void *data)
{
	/* Not const: mnl_cb_run2 takes a plain pointer. */
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = on_error,
		[NLMSG_DONE] = on_done,
	};
	struct reply_ctx ctx = { .cb = cb, .data = data };
	int r;

	r = mnl_cb_run2(nl->reply, nl->reply_len, seq, nl->portid, on_data, &ctx,
			ctl, ARRAY_SIZE(ctl));
	if (r == MNL_CB_ERROR)
		return nl_run_failed(&ctx, seq);
	if (r == MNL_CB_OK)
		return pt_err(-EPROTO, "netlink: reply ended before its acknowledgement");
	return 0;
}

int nl_request(struct nl_sock *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int r;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r = nl_send(nl, nlh);
	if (r < 0)
		return r;
	r = nl_collect(nl, nlh->nlmsg_seq);
	if (r < 0)
		return r;
	return nl_run(nl, nlh->nlmsg_seq, cb, data);
}

int nl_dump(struct nl_sock *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int r;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	for (int attempt = 0; attempt <= NL_DUMP_RETRIES; attempt++) {
		r = nl_send(nl, nlh);
		if (r < 0)
			return r;
		r = nl_collect(nl, nlh->nlmsg_seq);
		if (r < 0)
			return r;
		if (!nl_reply_interrupted(nl))
			return nl_run(nl, nlh->nlmsg_seq, cb, data);
	}
	return pt_err(-EAGAIN, "netlink dump interrupted by concurrent changes %d times",
		      NL_DUMP_RETRIES + 1);
}

/* ---- building and parsing attributes ---- */

struct nlattr *nl_nest_start(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *nest;

	if (!nlh)
		return NULL;
	nest = mnl_attr_nest_start_check(nlh, NL_REQ_SIZE, type);
	if (nest)
		nest->nla_type = type;	/* mnl adds NLA_F_NESTED; see nl.h */
	return nest;
}

struct nlmsghdr *nl_nest_end(struct nlmsghdr *nlh, struct nlattr *nest)
{
	if (!nlh || !nest)
		return NULL;
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

struct nlmsghdr *nl_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data)
{
	struct nlattr *a;

	if (!nlh)
		return NULL;
	a = mnl_nlmsg_get_payload_tail(nlh);
	if (!mnl_attr_put_check(nlh, NL_REQ_SIZE, type, len, data))
		return NULL;
	/* mnl leaves the padding as it was; the buffer is reused, so clear it
	 * rather than send bytes of an earlier request. */
	memset((char *)mnl_attr_get_payload(a) + len, 0, MNL_ALIGN(len) - len);
	return nlh;
}

struct nlmsghdr *nl_put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t v)
{
	return nl_put(nlh, type, sizeof(v), &v);
}

struct nlmsghdr *nl_put_u8(struct nlmsghdr *nlh, uint16_t type, uint8_t v)
{
	return nl_put(nlh, type, sizeof(v), &v);
}

struct nlmsghdr *nl_put_strz(struct nlmsghdr *nlh, uint16_t type, const char *s)
{
	return nl_put(nlh, type, strlen(s) + 1, s);
}

struct parse_ctx {
	const uint8_t *types;
	unsigned max;
	const struct nlattr **tb;
};

static int parse_attr(const struct nlattr *a, void *data)
{
	const struct parse_ctx *p = data;
	unsigned type = mnl_attr_get_type(a);

	if (type > p->max)
		return MNL_CB_OK;
	if (p->types && p->types[type] != MNL_TYPE_UNSPEC &&
	    mnl_attr_validate(a, (enum mnl_attr_data_type)p->types[type]) < 0)
		return MNL_CB_ERROR;
	p->tb[type] = a;
	return MNL_CB_OK;
}

int nl_parse(const struct nlmsghdr *nlh, size_t offset, const uint8_t *types,
	     unsigned max, const struct nlattr **tb)
{
	struct parse_ctx p = { types, max, tb };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_nlmsg_get_payload_len(nlh) < offset)
		return -EINVAL;
	if (mnl_attr_parse(nlh, (unsigned)offset, parse_attr, &p) < 0)
		return -EINVAL;
	return 0;
}

int nl_parse_nested(const struct nlattr *nest, const uint8_t *types, unsigned max,
		    const struct nlattr **tb)
{
	struct parse_ctx p = { types, max, tb };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_attr_parse_nested(nest, parse_attr, &p) < 0)
		return -EINVAL;
	return 0;
}
