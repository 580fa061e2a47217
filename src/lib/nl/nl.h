/* One rtnetlink socket (libmnl) and the request/ACK exchange every object
 * file uses. A socket belongs to the network namespace it was opened in;
 * open one per namespace and pass it down. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

struct nl_sock;

/* Opens NETLINK_ROUTE in the calling thread's current namespace, with
 * NETLINK_EXT_ACK and NETLINK_CAP_ACK on. */
int nl_open(struct nl_sock **ret);

/* Opens a socket in the namespace behind netns_fd and returns to the caller's
 * namespace; the socket stays bound to the target namespace. */
int nl_open_in_netns(int netns_fd, struct nl_sock **ret);

void nl_close(struct nl_sock *nl);
void nl_closep(struct nl_sock **nl);
#define _cleanup_nl_ __attribute__((cleanup(nl_closep)))

/* A buffer big enough for one request, owned by the socket. Build a message in it
 * with mnl_nlmsg_put_header() and the _check puts, then send it. */
void *nl_buf(struct nl_sock *nl);
size_t nl_buf_size(void);

/* Sends one request with NLM_F_ACK, sets its sequence number, waits for the
 * ACK. The callback (may be NULL) sees every reply message of the request
 * (for NLM_F_ECHO or GET requests); a callback that fails sets errno and
 * returns MNL_CB_ERROR. On a kernel error returns its -errno and records the
 * extended-ACK text when the kernel gave one (strerror otherwise), so a
 * caller only adds what it was doing with pt_err_wrap(). The whole answer is
 * read before the callback runs: the socket is clean after any failure. */
int nl_request(struct nl_sock *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Sends a dump request (NLM_F_DUMP) and calls cb for every message until
 * NLMSG_DONE. An interrupted dump (NLM_F_DUMP_INTR) is retried up to 5
 * times, then -EAGAIN; cb sees only the messages of the attempt that was
 * not interrupted, so it never has to undo what it collected. */
int nl_dump(struct nl_sock *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Seam for unit tests: when set, every message nl_request/nl_dump would send
 * is handed to this function instead, and the reply it writes (a complete
 * netlink answer, e.g. one NLMSG_ERROR with error 0) is parsed as if the
 * kernel had sent it. Returns the reply length or -errno. */
typedef int (*nl_transport_fn)(const void *req, size_t req_len, void *reply,
			       size_t reply_size, void *data);
void nl_set_test_transport(struct nl_sock *nl, nl_transport_fn fn, void *data);
/* Seam for kernel tests: receive at most size bytes per datagram (0: the
 * default), so that a test can make an answer overflow the buffer (MSG_TRUNC,
 * -ENOSPC) and check the socket is clean afterwards. */
void nl_set_test_recv_size(struct nl_sock *nl, size_t size);
/* A socket that never touches the kernel, for unit tests with a transport. */
int nl_open_fake(nl_transport_fn fn, void *data, struct nl_sock **ret);

/* ---- Helpers for the object files (link.c, addr.c, route.c). ---- */

/* The port id replies must carry (mnl_cb_run checks it). */
unsigned nl_portid(const struct nl_sock *nl);

/* Starts a nest whose type is written as given: iproute2 (and the kernel's
 * older policies) use nests without NLA_F_NESTED, and keeping the same bytes
 * lets the golden tests compare with iproute2 exactly. Pass
 * type | NLA_F_NESTED where iproute2 sets it (IFLA_PROTINFO). NULL when
 * the buffer (nl_buf_size()) is full. */
struct nlattr *nl_nest_start(struct nlmsghdr *nlh, uint16_t type);
/* Closes nest; NULL when nlh or nest is NULL (a put or the start failed). */
struct nlmsghdr *nl_nest_end(struct nlmsghdr *nlh, struct nlattr *nest);

/* Puts data (len bytes) as attribute type unless the buffer is full; a
 * NULL nlh stays NULL, so a builder can chain puts and check once. */
struct nlmsghdr *nl_put(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data);
struct nlmsghdr *nl_put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t v);
struct nlmsghdr *nl_put_u8(struct nlmsghdr *nlh, uint16_t type, uint8_t v);
struct nlmsghdr *nl_put_strz(struct nlmsghdr *nlh, uint16_t type, const char *s);

/* Fills tb[0..max] with the attributes after the fixed header (offset
 * bytes) of nlh, or inside nest; later duplicates win, unknown types are
 * skipped. types[t] (MNL_TYPE_UNSPEC = not checked) validates the known
 * ones: a malformed known attribute gives -EINVAL. */
int nl_parse(const struct nlmsghdr *nlh, size_t offset, const uint8_t *types,
	     unsigned max, const struct nlattr **tb);
int nl_parse_nested(const struct nlattr *nest, const uint8_t *types, unsigned max,
		    const struct nlattr **tb);
