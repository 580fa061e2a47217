/* Forgetting conntrack entries by protocol and destination port: a dump of
 * the matching entries (filtered in the kernel with CTA_FILTER where it can,
 * and checked again here), then one IPCTNL_MSG_CT_DELETE per entry with its
 * original tuple. See conntrack.h for why. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "nft/conntrack.h"
#include "nft/nfnl.h"
#include "util/error.h"

/* The kernel's CTA_FILTER_FLAG() bits (nf_conntrack_netlink.c): a flag per
 * tuple attribute that must match. */
#define CT_FILTER_PROTO_NUM (1u << 3)
#define CT_FILTER_PROTO_DST_PORT (1u << 5)

struct tuples {
	void **v;		/* copies of CTA_TUPLE_ORIG nests */
	size_t n, cap;
	uint8_t proto;
	uint16_t dport;		/* host order; 0: any */
	int err;
};

static void tuples_free(struct tuples *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
}

/* proto number and destination port of an original-direction tuple nest. */
static bool tuple_matches(const struct nlattr *tuple, uint8_t proto, uint16_t dport)
{
	const struct nlattr *a, *p;
	bool num = false, port = false;

	mnl_attr_for_each_nested(a, tuple) {
		if (mnl_attr_get_type(a) != CTA_TUPLE_PROTO)
			continue;
		mnl_attr_for_each_nested(p, a) {
			if (mnl_attr_get_type(p) == CTA_PROTO_NUM)
				num = mnl_attr_get_u8(p) == proto;
			else if (mnl_attr_get_type(p) == CTA_PROTO_DST_PORT)
				port = !dport || ntohs(mnl_attr_get_u16(p)) == dport;
		}
	}
	return num && port;
}

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tuples *t = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != CTA_TUPLE_ORIG || !tuple_matches(a, t->proto, t->dport))
			continue;
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 8;
			void **v = realloc(t->v, cap * sizeof(*v));
			if (!v) {
				t->err = -ENOMEM;
				return MNL_CB_ERROR;
			}
			t->v = v;
			t->cap = cap;
		}
		t->v[t->n] = malloc(a->nla_len);
		if (!t->v[t->n]) {
			t->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		memcpy(t->v[t->n++], a, a->nla_len);
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *put_ct_header(char *buf, int type, int flags, int family, unsigned seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

static int dump(struct mnl_socket *nl, int family, bool filtered, struct tuples *t)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = put_ct_header(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, family,
					     (unsigned)time(NULL));

	if (filtered) {
		struct nlattr *tuple = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
		struct nlattr *proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
		mnl_attr_put_u8(nlh, CTA_PROTO_NUM, t->proto);
		if (t->dport)
			mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(t->dport));
		mnl_attr_nest_end(nlh, proto);
		mnl_attr_nest_end(nlh, tuple);
		struct nlattr *filter = mnl_attr_nest_start(nlh, CTA_FILTER);
		mnl_attr_put_u32(nlh, CTA_FILTER_ORIG_FLAGS, CT_FILTER_PROTO_NUM |
				 (t->dport ? CT_FILTER_PROTO_DST_PORT : 0));
		mnl_attr_put_u32(nlh, CTA_FILTER_REPLY_FLAGS, 0);
		mnl_attr_nest_end(nlh, filter);
	}
	int r = nfnl_talk_cb(nl, nlh, collect_cb, t);
	return t->err ? t->err : r;
}

static int delete_tuple(struct mnl_socket *nl, int family, const struct nlattr *tuple, unsigned seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = put_ct_header(buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, family, seq);
	int r;

	if (!mnl_attr_put_check(nlh, sizeof(buf), CTA_TUPLE_ORIG,
				mnl_attr_get_payload_len(tuple), mnl_attr_get_payload(tuple)))
		return -ENOBUFS;
	/* The copied nest must keep its nested flag for the kernel's policy. */
	r = nfnl_talk_cb(nl, nlh, NULL, NULL);
	return r == -ENOENT ? 0 : r;	/* gone meanwhile (expired) */
}

/* The original tuples of the entries of proto to dport (0: any) into *t. */
static int collect(struct mnl_socket *nl, int family, uint8_t proto, uint16_t dport,
		   struct tuples *t)
{
	int r;

	*t = (struct tuples){ .proto = proto, .dport = dport };
	r = dump(nl, family, true, t);
	if (r == -EINVAL || r == -EOPNOTSUPP) {	/* a kernel without dump filters */
		tuples_free(t);
		*t = (struct tuples){ .proto = proto, .dport = dport };
		r = dump(nl, family, false, t);
	}
	if (r < 0)
		return pt_err(r, "conntrack: cannot list the entries: %s", strerror(-r));
	return 0;
}

static struct mnl_socket *ct_open(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);

	if (!nl) {
		pt_err(-errno, "conntrack: cannot open a netfilter netlink socket");
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		pt_err(-e, "conntrack: cannot bind the netlink socket");
		errno = e;
		return NULL;
	}
	return nl;
}

static uint16_t tuple_dport(const struct nlattr *tuple)
{
	const struct nlattr *a, *p;

	mnl_attr_for_each_nested(a, tuple)
		if (mnl_attr_get_type(a) == CTA_TUPLE_PROTO)
			mnl_attr_for_each_nested(p, a)
				if (mnl_attr_get_type(p) == CTA_PROTO_DST_PORT)
					return ntohs(mnl_attr_get_u16(p));
	return 0;
}

int conntrack_list_dports(int family, uint8_t proto, uint8_t seen[8192])
{
	struct tuples t = { 0 };
	struct mnl_socket *nl = ct_open();
	int r, found = 0;

	if (!nl)
		return -errno;
	r = collect(nl, family, proto, 0, &t);
	for (size_t i = 0; r == 0 && i < t.n; i++) {
		uint16_t port = tuple_dport(t.v[i]);

		if (!(seen[port / 8] & (1u << (port % 8))))
			found++;
		seen[port / 8] |= (uint8_t)(1u << (port % 8));
	}
	tuples_free(&t);
	mnl_socket_close(nl);
	return r < 0 ? r : found;
}

int conntrack_delete_by_dport(int family, uint8_t proto, uint16_t dport)
{
	struct tuples t = { 0 };
	struct mnl_socket *nl = ct_open();
	int r, deleted = 0;

	if (!nl)
		return -errno;
	r = collect(nl, family, proto, dport, &t);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		r = delete_tuple(nl, family, t.v[i], (unsigned)time(NULL) + (unsigned)i + 1);
		if (r < 0) {
			r = pt_err(r, "conntrack: cannot delete an entry: %s", strerror(-r));
			goto out;
		}
		deleted++;
	}
	r = deleted;
out:
	tuples_free(&t);
	mnl_socket_close(nl);
	return r;
}
