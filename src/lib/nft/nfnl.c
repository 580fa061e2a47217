/* One NETLINK_NETFILTER request and its answer; see nfnl.h. */
#include <errno.h>

#include "nft/nfnl.h"

int nfnl_talk(struct mnl_socket *nl, const struct nlmsghdr *nlh, nfnl_reader read, void *data)
{
	char buf[32768];	/* a dump answers in batches of up to 32 KiB */
	unsigned portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		r = read(buf, (size_t)n, nlh->nlmsg_seq, portid, data);
	} while (r == NFNL_MORE);
	return r;
}

struct cb_reader {
	mnl_cb_t cb;
	void *data;
};

static int read_with_cb(const void *buf, size_t len, unsigned seq, unsigned portid, void *data)
{
	const struct cb_reader *c = data;
	int r;

	errno = 0;
	r = mnl_cb_run(buf, len, seq, portid, c->cb, c->data);
	if (r < 0)
		return -(errno ? errno : EPROTO);
	return r == MNL_CB_STOP ? 0 : NFNL_MORE;
}

int nfnl_talk_cb(struct mnl_socket *nl, const struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct cb_reader c = { cb, data };

	return nfnl_talk(nl, nlh, read_with_cb, &c);
}
