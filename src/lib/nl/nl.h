/* One rtnetlink socket (libmnl) and the request/ACK exchange every object
 * file uses. A socket belongs to the network namespace it was opened in;
 * open one per namespace and pass it down. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
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
 * (for NLM_F_ECHO or GET requests). On a kernel error returns its -errno and
 * records the extended-ACK text when the kernel gave one. */
int nl_request(struct nl_sock *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Sends a dump request (NLM_F_DUMP) and calls cb for every message until
 * NLMSG_DONE. An interrupted dump (NLM_F_DUMP_INTR) is retried up to 5
 * times, then -EAGAIN. */
int nl_dump(struct nl_sock *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Seam for unit tests: when set, every message nl_request/nl_dump would send
 * is handed to this function instead, and the reply it writes (a complete
 * netlink answer, e.g. one NLMSG_ERROR with error 0) is parsed as if the
 * kernel had sent it. Returns the reply length or -errno. */
typedef int (*nl_transport_fn)(const void *req, size_t req_len, void *reply,
			       size_t reply_size, void *data);
void nl_set_test_transport(struct nl_sock *nl, nl_transport_fn fn, void *data);
/* A socket that never touches the kernel, for unit tests with a transport. */
int nl_open_fake(nl_transport_fn fn, void *data, struct nl_sock **ret);
