/* Unit tests of src/lib/nl/ without the kernel.
 *
 * Requests are checked byte for byte against what iproute2 sends for the
 * same command (golden.h, made by golden.sh). Replies come from a fake
 * transport that answers like the kernel does: ACKs, errors with and without
 * extended-ACK text, replies out of sequence or from another port, dumps
 * interrupted by concurrent changes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "golden.h"
#include "nl/addr.h"
#include "nl/link.h"
#include "nl/netns.h"
#include "nl/nl.h"
#include "nl/route.h"
#include "nl/sysctl.h"
#include "util/error.h"

/* ---- the fake kernel ---- */

struct fake;
typedef size_t (*respond_fn)(struct fake *f, const struct nlmsghdr *req, char *out);

struct fake {
	uint8_t req[8192];		/* the last request */
	size_t req_len;
	unsigned calls;
	respond_fn respond;		/* NULL = a plain ACK */
	int error;			/* for the error responders */
	const char *ext_msg;
	unsigned intr_left;		/* dump replies still to flag NLM_F_DUMP_INTR */
};

static struct nlmsghdr *msg_at(char *out, size_t *len, const struct nlmsghdr *req,
			       uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(out + *len);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = req->nlmsg_seq;
	return nlh;
}

static void msg_done(size_t *len, const struct nlmsghdr *nlh)
{
	*len += MNL_ALIGN(nlh->nlmsg_len);
}

/* An NLMSG_ERROR as the kernel sends it with NETLINK_CAP_ACK (capped: only
 * the request's header is echoed) or without (the whole request). */
static void put_error(char *out, size_t *len, const struct nlmsghdr *req, int error,
		      const char *ext_msg, bool capped)
{
	size_t echo = capped ? sizeof(*req) : req->nlmsg_len;
	struct nlmsghdr *nlh = msg_at(out, len, req, NLMSG_ERROR, 0);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(int) + echo);

	e->error = error;
	memcpy(&e->msg, req, echo);
	if (capped)
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	if (ext_msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, ext_msg);
	}
	msg_done(len, nlh);
}

static size_t respond_error(struct fake *f, const struct nlmsghdr *req, char *out)
{
	size_t len = 0;

	put_error(out, &len, req, f->error, f->ext_msg, true);
	return len;
}

static size_t respond_error_uncapped(struct fake *f, const struct nlmsghdr *req, char *out)
{
	size_t len = 0;

	put_error(out, &len, req, f->error, f->ext_msg, false);
	return len;
}

static int fake_transport(const void *req, size_t req_len, void *reply, size_t reply_size,
			  void *data)
{
	struct fake *f = data;
	size_t len = 0;

	assert_true(req_len <= sizeof(f->req));
	memcpy(f->req, req, req_len);
	f->req_len = req_len;
	f->calls++;
	if (f->respond)
		len = f->respond(f, req, reply);
	else
		put_error(reply, &len, req, 0, NULL, true);
	assert_true(len <= reply_size);
	return (int)len;
}

static struct nl_sock *fake_open(struct fake *f)
{
	struct nl_sock *nl = NULL;

	memset(f, 0, sizeof(*f));
	assert_int_equal(nl_open_fake(fake_transport, f, &nl), 0);
	pt_err_clear();
	return nl;
}

/* ---- golden requests ---- */

static void dump_hex(const char *what, const uint8_t *b, size_t n)
{
	fprintf(stderr, "%s (%zu bytes):", what, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", b[i]);
	fprintf(stderr, "\n");
}

/* Compares the request the fake saw with iproute2's, seq and pid masked. */
static void assert_golden(struct fake *f, const uint8_t *golden, size_t n)
{
	uint8_t got[sizeof(f->req)];

	memcpy(got, f->req, f->req_len);
	memset(got + offsetof(struct nlmsghdr, nlmsg_seq), 0, 8);
	if (f->req_len != n || memcmp(got, golden, n) != 0) {
		dump_hex("sent", got, f->req_len);
		dump_hex("iproute2", golden, n);
		fail_msg("request differs from iproute2's");
	}
}

#define ASSERT_GOLDEN(f, g) assert_golden(f, g, sizeof(g))

static const uint8_t mac1[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static void test_golden_bridge(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct bridge_opts full = { .mtu = 1400, .vlan_filtering = true, .has_mac = true };
	struct bridge_opts plain = { 0 };

	(void)state;
	memcpy(full.mac, mac1, 6);
	assert_int_equal(link_create_bridge(nl, "brg0", &full), 0);
	ASSERT_GOLDEN(&f, golden_bridge_full);
	assert_int_equal(link_create_bridge(nl, "brg1", &plain), 0);
	ASSERT_GOLDEN(&f, golden_bridge_plain);
}

static void test_golden_veth(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	/* fd 4 is the number iproute2 got for /proc/self/ns/net when captured. */
	struct veth_opts full = {
		.name = "vethg", .peer_name = "tmpg", .peer_netns_fd = 4, .mtu = 1400,
		.peer_mac = mac2,
	};
	struct veth_opts plain = { .name = "vethh", .peer_name = "tmph", .peer_netns_fd = -1 };

	(void)state;
	assert_int_equal(link_create_veth(nl, &full), 0);
	ASSERT_GOLDEN(&f, golden_veth);
	assert_int_equal(link_create_veth(nl, &plain), 0);
	ASSERT_GOLDEN(&f, golden_veth_plain);
}

static void test_golden_link_set(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);

	(void)state;
	assert_int_equal(link_set_up(nl, 3), 0);
	ASSERT_GOLDEN(&f, golden_link_up);
	assert_int_equal(link_set_mtu(nl, 3, 1450), 0);
	ASSERT_GOLDEN(&f, golden_link_mtu);
	assert_int_equal(link_set_master(nl, 3, 4), 0);
	ASSERT_GOLDEN(&f, golden_link_master);
	assert_int_equal(link_set_name(nl, 2, "eth0"), 0);
	ASSERT_GOLDEN(&f, golden_link_name);
	assert_int_equal(link_delete(nl, 2), 0);
	ASSERT_GOLDEN(&f, golden_link_del);
}

static void test_golden_bridge_port(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct bridge_port_opts o = {
		.set_hairpin = true, .hairpin = true,
		.set_isolated = true, .isolated = true,
		.set_learning = true, .learning = false,
	};

	(void)state;
	assert_int_equal(bridge_port_set(nl, 3, &o), 0);
	ASSERT_GOLDEN(&f, golden_brport);
	/* Nothing asked, nothing sent. */
	f.calls = 0;
	assert_int_equal(bridge_port_set(nl, 3, &(struct bridge_port_opts){ 0 }), 0);
	assert_int_equal(f.calls, 0);
}

static void test_golden_bridge_vlan(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);

	(void)state;
	assert_int_equal(bridge_vlan_add(nl, 3, 100, 100, BRIDGE_VLAN_PVID | BRIDGE_VLAN_UNTAGGED), 0);
	ASSERT_GOLDEN(&f, golden_vlan_pvid);
	assert_int_equal(bridge_vlan_add(nl, 4, 100, 100, BRIDGE_VLAN_SELF), 0);
	ASSERT_GOLDEN(&f, golden_vlan_self);
	assert_int_equal(bridge_vlan_add(nl, 3, 100, 200, 0), 0);
	ASSERT_GOLDEN(&f, golden_vlan_range);
	assert_int_equal(bridge_vlan_del(nl, 3, 100, 100, 0), 0);
	ASSERT_GOLDEN(&f, golden_vlan_del);
	f.calls = 0;
	assert_int_equal(bridge_vlan_add(nl, 3, 0, 0, 0), -EINVAL);
	assert_int_equal(bridge_vlan_add(nl, 3, 200, 100, 0), -EINVAL);
	assert_int_equal(bridge_vlan_add(nl, 3, 4095, 4095, 0), -EINVAL);
	assert_non_null(strstr(pt_err_msg(), "4095"));
	assert_int_equal(f.calls, 0);
}

static void test_golden_builders(void **state)
{
	/* The builders alone give the same bytes, less the flags nl_request adds. */
	static uint8_t buf[16384];
	struct nlmsghdr *nlh;

	(void)state;
	assert_true(nl_buf_size() <= sizeof(buf));
	nlh = link_build_bridge_vlan(buf, true, 3, 100, 200, 0);
	assert_non_null(nlh);
	nlh->nlmsg_flags |= NLM_F_ACK;
	assert_int_equal(nlh->nlmsg_len, sizeof(golden_vlan_range));
	assert_memory_equal((uint8_t *)nlh + 16, golden_vlan_range + 16, nlh->nlmsg_len - 16);
	assert_memory_equal(nlh, golden_vlan_range, 8);
}

static struct ip_prefix prefix(const char *s)
{
	struct ip_prefix p;

	assert_int_equal(ip_prefix_parse(s, &p), 0);
	return p;
}

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(s, &a), 0);
	return a;
}

static void test_golden_addr(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct ip_prefix p4 = prefix("10.1.2.3/24"), p6 = prefix("2001:db8::1/64");

	(void)state;
	assert_int_equal(addr_add(nl, 3, &p4, 0), 0);
	ASSERT_GOLDEN(&f, golden_addr4);
	assert_int_equal(addr_add(nl, 3, &p6, ADDR_F_NODAD), 0);
	ASSERT_GOLDEN(&f, golden_addr6_nodad);
	assert_int_equal(addr_del(nl, 3, &p4), 0);
	ASSERT_GOLDEN(&f, golden_addr4_del);
}

static void test_golden_route(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct route def = { .dst = prefix("0.0.0.0/0"), .gw = addr("10.1.2.1"), .ifindex = 3,
			     .scope = -1 };
	struct route onlink = { .dst = prefix("10.9.0.0/24"), .ifindex = 3, .scope = -1 };
	struct route full = { .dst = prefix("10.9.0.0/24"), .gw = addr("10.1.2.1"), .ifindex = 3,
			      .table = 100, .scope = -1, .priority = 50, .mtu = 1400,
			      .advmss = 1360 };
	struct route table = { .dst = prefix("10.8.0.0/16"), .gw = addr("10.1.2.1"), .ifindex = 3,
			       .table = 1000, .scope = -1 };
	struct route r6 = { .dst = prefix("2001:db8:1::/64"), .gw = addr("fd00::1"), .ifindex = 3,
			    .scope = -1 };

	(void)state;
	assert_int_equal(route_add(nl, &def), 0);
	ASSERT_GOLDEN(&f, golden_route_default);
	assert_int_equal(route_add(nl, &onlink), 0);
	ASSERT_GOLDEN(&f, golden_route_onlink);
	assert_int_equal(route_add(nl, &full), 0);
	ASSERT_GOLDEN(&f, golden_route_full);
	assert_int_equal(route_add(nl, &table), 0);
	ASSERT_GOLDEN(&f, golden_route_table);
	assert_int_equal(route_add(nl, &r6), 0);
	ASSERT_GOLDEN(&f, golden_route6);
	assert_int_equal(route_replace(nl, &onlink), 0);
	ASSERT_GOLDEN(&f, golden_route_replace);
	assert_int_equal(route_del(nl, &onlink), 0);
	ASSERT_GOLDEN(&f, golden_route_del);
}

/* ---- ACKs and errors ---- */

static void test_ack(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct nlmsghdr *req;

	(void)state;
	assert_int_equal(link_set_up(nl, 3), 0);
	req = (struct nlmsghdr *)f.req;
	assert_true(req->nlmsg_flags & NLM_F_ACK);
	assert_true(req->nlmsg_flags & NLM_F_REQUEST);
	assert_int_equal(f.calls, 1);
	/* Every request gets a new sequence number. */
	unsigned seq = req->nlmsg_seq;
	assert_int_equal(link_set_up(nl, 3), 0);
	assert_int_equal(((struct nlmsghdr *)f.req)->nlmsg_seq, seq + 1);
}

/* The kernel's answer to GETLINK: one RTM_NEWLINK, then the ACK. */
static size_t put_link(char *out, size_t len, const struct nlmsghdr *req, int ifindex,
		       const char *name)
{
	struct nlmsghdr *nlh = msg_at(out, &len, req, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *info;

	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP | IFF_BROADCAST;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1400);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 4);
	mnl_attr_put_u32(nlh, IFLA_LINK, 8);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac2);
	mnl_attr_put_u32(nlh, 0x7fff, 42);	/* unknown: skipped */
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put(nlh, IFLA_INFO_KIND, 4, "veth");	/* without NUL, like iproute2 */
	mnl_attr_nest_end(nlh, info);
	msg_done(&len, nlh);
	put_error(out, &len, req, 0, NULL, true);
	return len;
}

/* Errors every change; answers GETLINK (the name lookup for the message). */
static size_t respond_error_but_getlink(struct fake *f, const struct nlmsghdr *req, char *out)
{
	if (req->nlmsg_type == RTM_GETLINK)
		return put_link(out, 0, req, 7, "veth7");
	return respond_error(f, req, out);
}

static void test_error_ext_ack(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);

	(void)state;
	f.respond = respond_error_but_getlink;
	f.error = -EINVAL;
	f.ext_msg = "mtu greater than device maximum";
	assert_int_equal(link_set_mtu(nl, 7, 70000), -EINVAL);
	assert_string_equal(pt_err_msg(),
			    "veth7: cannot set MTU 70000: mtu greater than device maximum");
	assert_int_equal(f.calls, 2);
}

static void test_error_ext_ack_uncapped(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct bridge_opts o = { .mtu = 1400 };

	(void)state;
	/* Without NETLINK_CAP_ACK the whole request is echoed before the TLVs. */
	f.respond = respond_error_uncapped;
	f.error = -EOPNOTSUPP;
	f.ext_msg = "Unknown device type";
	assert_int_equal(link_create_bridge(nl, "br0", &o), -EOPNOTSUPP);
	assert_string_equal(pt_err_msg(), "cannot create bridge br0: Unknown device type");
}

static void test_error_without_text(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct veth_opts o = { .name = "veth1", .peer_name = "tmp1", .peer_netns_fd = -1 };

	(void)state;
	f.respond = respond_error;
	f.error = -EEXIST;
	assert_int_equal(link_create_veth(nl, &o), -EEXIST);
	assert_string_equal(pt_err_msg(), "cannot create veth veth1 (peer tmp1): File exists");
	/* A stale message from before is not reused. */
	f.error = -ENODEV;
	assert_int_equal(link_delete(nl, 9), -ENODEV);
	assert_string_equal(pt_err_msg(), "link 9: cannot delete: No such device");
}

static size_t respond_bad_seq(struct fake *f, const struct nlmsghdr *req, char *out)
{
	size_t len = 0;

	(void)f;
	put_error(out, &len, req, 0, NULL, true);
	((struct nlmsghdr *)out)->nlmsg_seq = req->nlmsg_seq + 1;
	return len;
}

static size_t respond_bad_port(struct fake *f, const struct nlmsghdr *req, char *out)
{
	size_t len = 0;

	(void)f;
	put_error(out, &len, req, 0, NULL, true);
	((struct nlmsghdr *)out)->nlmsg_pid = 12345;
	return len;
}

static size_t respond_nothing(struct fake *f, const struct nlmsghdr *req, char *out)
{
	(void)f, (void)req, (void)out;
	return 0;
}

static void test_sequence_and_port(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);

	(void)state;
	f.respond = respond_bad_seq;
	assert_int_equal(link_set_up(nl, 3), -EPROTO);
	assert_non_null(strstr(pt_err_msg(), "out of sequence"));
	f.respond = respond_bad_port;
	assert_int_not_equal(nl_portid(nl), 12345);
	assert_int_equal(link_set_up(nl, 3), -ESRCH);
	f.respond = respond_nothing;
	assert_int_equal(link_set_up(nl, 3), -EPROTO);
	assert_non_null(strstr(pt_err_msg(), "before its acknowledgement"));
}

static int failing_transport(const void *req, size_t req_len, void *reply, size_t reply_size,
			     void *data)
{
	(void)req, (void)req_len, (void)reply, (void)reply_size, (void)data;
	return -ECONNREFUSED;
}

static void test_transport_error(void **state)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;

	(void)state;
	assert_int_equal(nl_open_fake(failing_transport, NULL, &nl), 0);
	assert_int_equal(link_set_up(nl, 3), -ECONNREFUSED);
	assert_non_null(strstr(pt_err_msg(), "Connection refused"));
}

/* ---- look-ups ---- */

static size_t respond_link(struct fake *f, const struct nlmsghdr *req, char *out)
{
	(void)f;
	return put_link(out, 0, req, 7, "veth7");
}

static void test_link_get(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	const struct nlattr *tb[IFLA_MAX + 1];
	struct link_info li;

	(void)state;
	f.respond = respond_link;
	assert_int_equal(link_get_by_name(nl, "veth7", &li), 0);
	assert_int_equal(li.ifindex, 7);
	assert_string_equal(li.name, "veth7");
	assert_string_equal(li.kind, "veth");
	assert_int_equal(li.mtu, 1400);
	assert_int_equal(li.master, 4);
	assert_int_equal(li.peer_ifindex, 8);
	assert_true(li.flags & IFF_UP);
	assert_true(li.has_mac);
	assert_memory_equal(li.mac, mac2, 6);
	/* The request names the link and skips statistics. */
	assert_int_equal(((struct nlmsghdr *)f.req)->nlmsg_type, RTM_GETLINK);
	assert_int_equal(nl_parse((struct nlmsghdr *)f.req, sizeof(struct ifinfomsg), NULL,
				  IFLA_MAX, tb), 0);
	assert_non_null(tb[IFLA_EXT_MASK]);
	assert_string_equal(mnl_attr_get_str(tb[IFLA_IFNAME]), "veth7");
}

static void test_link_get_missing(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct link_info li = { .ifindex = -1 };

	(void)state;
	f.respond = respond_error;
	f.error = -ENODEV;
	assert_int_equal(link_get_by_name(nl, "nope0", &li), -ENODEV);
	assert_int_equal(li.ifindex, -1);	/* untouched on failure */
	assert_string_equal(pt_err_msg(), "cannot find link nope0: No such device");
	assert_int_equal(link_get_by_name(nl, "a-name-far-too-long-for-linux", &li), -EINVAL);
	assert_int_equal(link_get_by_name(nl, "", &li), -EINVAL);
}

/* ---- dumps ---- */

static void put_addr(char *out, size_t *len, const struct nlmsghdr *req, uint16_t flags,
		     int ifindex, const char *pfx)
{
	struct ip_prefix p = prefix(pfx);
	struct nlmsghdr *nlh = msg_at(out, len, req, RTM_NEWADDR, NLM_F_MULTI | flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = (uint8_t)p.addr.family;
	ifa->ifa_prefixlen = p.len;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_ADDRESS, ip_addr_size(p.addr.family), p.addr.bytes);
	if (p.addr.family == AF_INET)
		mnl_attr_put(nlh, IFA_LOCAL, 4, p.addr.bytes);
	msg_done(len, nlh);
}

static void put_done(char *out, size_t *len, const struct nlmsghdr *req, uint16_t flags,
		     int error)
{
	struct nlmsghdr *nlh = msg_at(out, len, req, NLMSG_DONE, NLM_F_MULTI | flags);
	int *e = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*e = error;
	msg_done(len, nlh);
}

/* Three addresses; while intr_left > 0 the dump is flagged interrupted
 * from its second message on, as the kernel does after a change. */
static size_t respond_addrs(struct fake *f, const struct nlmsghdr *req, char *out)
{
	uint16_t intr = f->intr_left ? NLM_F_DUMP_INTR : 0;
	size_t len = 0;

	if (f->intr_left)
		f->intr_left--;
	put_addr(out, &len, req, 0, 3, "10.1.2.3/24");
	put_addr(out, &len, req, intr, 3, "fe80::1/64");
	put_addr(out, &len, req, intr, 5, "10.9.9.9/16");
	put_done(out, &len, req, intr, 0);
	return len;
}

static void test_addr_list(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct ip_prefix *v = NULL;
	char s[IP_PREFIX_STRLEN];
	size_t n = 0;

	(void)state;
	f.respond = respond_addrs;
	assert_int_equal(addr_list(nl, 3, AF_UNSPEC, &v, &n), 0);
	assert_true(((struct nlmsghdr *)f.req)->nlmsg_flags & NLM_F_DUMP);
	assert_int_equal(n, 2);
	assert_string_equal(ip_prefix_format(&v[0], s), "10.1.2.3/24");
	assert_string_equal(ip_prefix_format(&v[1], s), "fe80::1/64");
	free(v);
	assert_int_equal(addr_list(nl, 0, AF_INET, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ip_prefix_format(&v[1], s), "10.9.9.9/16");
	free(v);
}

static void test_dump_intr_retry(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct ip_prefix *v = NULL;
	size_t n = 0;

	(void)state;
	f.respond = respond_addrs;
	f.intr_left = 2;
	assert_int_equal(addr_list(nl, 0, AF_UNSPEC, &v, &n), 0);
	assert_int_equal(f.calls, 3);
	/* Only the clean attempt reached the callback: no duplicates. */
	assert_int_equal(n, 3);
	free(v);
	/* Five retries, then give up. */
	f.calls = 0;
	f.intr_left = 100;
	v = NULL;
	assert_int_equal(addr_list(nl, 0, AF_UNSPEC, &v, &n), -EAGAIN);
	assert_int_equal(f.calls, 6);
	assert_null(v);
	assert_non_null(strstr(pt_err_msg(), "interrupted"));
}

static size_t respond_dump_error(struct fake *f, const struct nlmsghdr *req, char *out)
{
	size_t len = 0;

	put_addr(out, &len, req, 0, 3, "10.1.2.3/24");
	put_done(out, &len, req, 0, f->error);
	return len;
}

static void test_dump_done_error(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct ip_prefix *v = NULL;
	size_t n = 0;

	(void)state;
	f.respond = respond_dump_error;
	f.error = -ENOBUFS;
	assert_int_equal(addr_list(nl, 0, AF_UNSPEC, &v, &n), -ENOBUFS);
	assert_null(v);
	assert_non_null(strstr(pt_err_msg(), "cannot list addresses"));
}

static void put_route(char *out, size_t *len, const struct nlmsghdr *req, unsigned table,
		      uint8_t type, const char *dst, const char *gw, int oif)
{
	struct ip_prefix p = prefix(dst);
	struct nlmsghdr *nlh = msg_at(out, len, req, RTM_NEWROUTE, NLM_F_MULTI);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct nlattr *mx;

	rtm->rtm_family = (uint8_t)p.addr.family;
	rtm->rtm_dst_len = p.len;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_type = type;
	rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (p.len)
		mnl_attr_put(nlh, RTA_DST, ip_addr_size(p.addr.family), p.addr.bytes);
	if (gw) {
		struct ip_addr g = addr(gw);

		mnl_attr_put(nlh, RTA_GATEWAY, ip_addr_size(g.family), g.bytes);
	}
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 100);
	mx = mnl_attr_nest_start(nlh, RTA_METRICS);
	mnl_attr_put_u32(nlh, RTAX_MTU, 1400);
	mnl_attr_nest_end(nlh, mx);
	msg_done(len, nlh);
}

static size_t respond_routes(struct fake *f, const struct nlmsghdr *req, char *out)
{
	size_t len = 0;

	(void)f;
	put_route(out, &len, req, RT_TABLE_MAIN, RTN_UNICAST, "0.0.0.0/0", "10.1.2.1", 3);
	put_route(out, &len, req, RT_TABLE_MAIN, RTN_UNICAST, "10.1.2.0/24", NULL, 3);
	put_route(out, &len, req, RT_TABLE_LOCAL, RTN_LOCAL, "10.1.2.3/32", NULL, 3);
	put_route(out, &len, req, 1000, RTN_UNICAST, "10.7.0.0/16", NULL, 3);
	put_route(out, &len, req, RT_TABLE_MAIN, RTN_UNICAST, "10.8.0.0/16", NULL, 5);
	put_done(out, &len, req, 0, 0);
	return len;
}

static void test_route_list(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct route *v = NULL;
	char s[IP_PREFIX_STRLEN];
	size_t n = 0;

	(void)state;
	f.respond = respond_routes;
	assert_int_equal(route_list(nl, AF_INET, 3, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ip_prefix_format(&v[0].dst, s), "0.0.0.0/0");
	assert_string_equal(ip_addr_format(&v[0].gw, s), "10.1.2.1");
	assert_int_equal(v[0].scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(v[0].priority, 100);
	assert_int_equal(v[0].mtu, 1400);
	assert_int_equal(v[0].table, RT_TABLE_MAIN);
	assert_string_equal(ip_prefix_format(&v[1].dst, s), "10.1.2.0/24");
	assert_int_equal(v[1].gw.family, 0);
	assert_int_equal(v[1].scope, RT_SCOPE_LINK);
	free(v);
	assert_int_equal(route_list(nl, AF_INET, 0, &v, &n), 0);
	assert_int_equal(n, 3);
	free(v);
}

static void test_route_errors(void **state)
{
	struct fake f;
	_cleanup_nl_ struct nl_sock *nl = fake_open(&f);
	struct route r = { .dst = prefix("10.9.0.0/24"), .gw = addr("10.1.2.1"), .scope = -1 };
	struct route mixed = { .dst = prefix("10.9.0.0/24"), .gw = addr("fd00::1"), .scope = -1 };

	(void)state;
	f.respond = respond_error;
	f.error = -ENETUNREACH;
	f.ext_msg = "Nexthop has invalid gateway";
	assert_int_equal(route_add(nl, &r), -ENETUNREACH);
	assert_string_equal(pt_err_msg(),
			    "cannot add route 10.9.0.0/24 via 10.1.2.1: Nexthop has invalid gateway");
	f.calls = 0;
	assert_int_equal(route_add(nl, &mixed), -EINVAL);
	assert_int_equal(f.calls, 0);
}

/* ---- namespaces and sysctls (read-only: no root, no change) ---- */

static void test_netns_open(void **state)
{
	int fd = -1;

	(void)state;
	assert_int_equal(netns_open("/nonexistent/netns", &fd), -ENOENT);
	assert_non_null(strstr(pt_err_msg(), "/nonexistent/netns"));
	assert_int_equal(netns_open("/dev/null", &fd), -EINVAL);
	assert_non_null(strstr(pt_err_msg(), "not a namespace"));
	assert_int_equal(netns_open("/proc/self/ns/uts", &fd), -EINVAL);
	assert_non_null(strstr(pt_err_msg(), "not a network namespace"));
	assert_int_equal(fd, -1);
	assert_int_equal(netns_open("/proc/self/ns/net", &fd), 0);
	assert_true(fd >= 0);
	close(fd);
}

static void test_sysctl_keys(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(sysctl_write("../../etc/passwd", "x"), -EINVAL);
	assert_int_equal(sysctl_write("net/../../etc/passwd", "x"), -EINVAL);
	assert_int_equal(sysctl_write("/etc/passwd", "x"), -EINVAL);
	assert_int_equal(sysctl_read("", buf, sizeof(buf)), -EINVAL);
	assert_non_null(strstr(pt_err_msg(), "not a path under /proc/sys"));
	assert_int_equal(sysctl_read("net/ipv4/no_such_key", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(sysctl_read("kernel/ostype", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "Linux");
	assert_int_equal(sysctl_read("kernel/ostype", buf, 3), -ENOBUFS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_bridge),
		cmocka_unit_test(test_golden_veth),
		cmocka_unit_test(test_golden_link_set),
		cmocka_unit_test(test_golden_bridge_port),
		cmocka_unit_test(test_golden_bridge_vlan),
		cmocka_unit_test(test_golden_builders),
		cmocka_unit_test(test_golden_addr),
		cmocka_unit_test(test_golden_route),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_error_ext_ack),
		cmocka_unit_test(test_error_ext_ack_uncapped),
		cmocka_unit_test(test_error_without_text),
		cmocka_unit_test(test_sequence_and_port),
		cmocka_unit_test(test_transport_error),
		cmocka_unit_test(test_link_get),
		cmocka_unit_test(test_link_get_missing),
		cmocka_unit_test(test_addr_list),
		cmocka_unit_test(test_dump_intr_retry),
		cmocka_unit_test(test_dump_done_error),
		cmocka_unit_test(test_route_list),
		cmocka_unit_test(test_route_errors),
		cmocka_unit_test(test_netns_open),
		cmocka_unit_test(test_sysctl_keys),
	};

	return cmocka_run_group_tests_name("nl", tests, NULL, NULL);
}
