/* One request over a NETLINK_NETFILTER socket and its whole answer: the
 * questions pontoon asks nf_tables directly (does a table exist, who owns
 * one element) and its ctnetlink dumps and deletes. */
#pragma once

#include <limits.h>
#include <stddef.h>
#include <libmnl/libmnl.h>

/* What a reader returns to be given the next datagram: never a result
 * (an -errno, even -EAGAIN, ends the exchange). */
#define NFNL_MORE INT_MAX

/* Reads one datagram of the answer to request seq: NFNL_MORE asks for the
 * next datagram; anything else ends the exchange and is its result. */
typedef int (*nfnl_reader)(const void *buf, size_t len, unsigned seq, unsigned portid,
			   void *data);

/* Sends nlh and hands each datagram of the answer to read until it returns
 * something other than NFNL_MORE; -errno when the socket fails. */
int nfnl_talk(struct mnl_socket *nl, const struct nlmsghdr *nlh, nfnl_reader read, void *data);

/* nfnl_talk with each message given to cb (NULL: none expected): 0 once
 * the answer ends (NLMSG_DONE, or the ACK), the kernel's -errno when it
 * refuses, cb's -errno when cb fails. */
int nfnl_talk_cb(struct mnl_socket *nl, const struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
