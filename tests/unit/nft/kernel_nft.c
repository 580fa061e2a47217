/* Kernel test of src/lib/nft (suite 'kernel', needs root): in a network
 * namespace of its own (unshare first thing), the base ruleset and elements
 * are applied for real and read back through libnftables; 1000 containers'
 * mappings are added one transaction each, and the last costs what the first
 * did. */
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "nft/conntrack.h"
#include "nft/firewall.h"
#include "nft/masq.h"
#include "nft/spoofchk.h"
#include "nft/portmap.h"
#include "util/error.h"
#include "util/json.h"

#define N 1000

static size_t count_elements(const char *set)
{
	struct nft_handle *h;
	json_t *e;
	size_t n;

	assert_int_equal(nft_handle_open(&h), 0);
	if (nft_list_elements(h, set, &e) < 0)
		fail_msg("listing %s: %s", set, pt_err_msg());
	n = json_array_size(e);
	json_decref(e);
	nft_handle_close(h);
	return n;
}

static struct nft_portmap_req req_for(int i, struct nft_portmapping *m, struct ip_prefix *ip,
				      char *cid, size_t cid_size)
{
	snprintf(cid, cid_size, "ctr-%d", i);
	*m = (struct nft_portmapping){ .proto = i % 2 ? IPPROTO_UDP : IPPROTO_TCP,
				       .host_port = (uint16_t)(20000 + i), .container_port = 80 };
	char text[32];
	snprintf(text, sizeof(text), "10.%d.%d.%d/16", 100 + i / 65536, (i / 256) % 256, i % 256 + 0);
	assert_int_equal(ip_prefix_parse(text, ip), 0);
	return (struct nft_portmap_req){ .network = "bench", .container_id = cid, .ifname = "eth0",
					 .maps = m, .n_maps = 1, .ips = ip, .n_ips = 1, .snat = true };
}

/* A thousand containers' mappings live as elements of the same maps: the
 * table holds N elements and no rule per container. (How the cost stays
 * flat with N is shown by bench/, not by a timed test.) */
static void test_thousand_mappings(void **state)
{
	(void)state;
	for (int i = 0; i < N; i++) {
		struct nft_portmapping m;
		struct ip_prefix ip;
		char cid[32];
		struct nft_portmap_req r = req_for(i, &m, &ip, cid, sizeof(cid));

		if (nft_portmap_add(&r) < 0)
			fail_msg("ADD %d: %s", i, pt_err_msg());
	}
	assert_int_equal(count_elements("pm4any"), N);

	/* CHECK, DEL twice, CHECK fails, DEL without state finds by comment. */
	struct nft_portmapping m;
	struct ip_prefix ip;
	char cid[32];
	struct nft_portmap_req r = req_for(7, &m, &ip, cid, sizeof(cid));
	assert_int_equal(nft_portmap_check(&r), 0);
	assert_int_equal(nft_portmap_del(&r), 0);
	assert_int_equal(nft_portmap_del(&r), 0);
	assert_int_equal(nft_portmap_check(&r), -ENOENT);
	r = req_for(8, &m, &ip, cid, sizeof(cid));
	r.n_ips = 0;
	assert_int_equal(nft_portmap_del(&r), 0);
	assert_int_equal(count_elements("pm4any"), N - 2);

	/* A host port another container holds is refused. */
	r = req_for(9, &m, &ip, cid, sizeof(cid));
	r.container_id = "intruder";
	assert_int_equal(ip_prefix_parse("10.200.0.1/16", &ip), 0);
	assert_int_equal(nft_portmap_add(&r), -EEXIST);

	/* GC keeps only ctr-0 and ctr-1. */
	struct cni_attachment valid[] = { { "ctr-0", "eth0" }, { "ctr-1", "eth0" } };
	assert_int_equal(nft_portmap_gc("bench", valid, 2), 0);
	assert_int_equal(count_elements("pm4any"), 2);
	assert_int_equal(count_elements("pmsnat4"), 2);
}

static void test_masq(void **state)
{
	struct ip_prefix a[2];

	(void)state;
	assert_int_equal(ip_prefix_parse("10.88.0.5/16", &a[0]), 0);
	assert_int_equal(ip_prefix_parse("fd00:88::5/64", &a[1]), 0);
	if (nft_masq_add("podman", "ctr-1", "eth0", a, 2) < 0)
		fail_msg("masq add: %s", pt_err_msg());
	assert_int_equal(nft_masq_add("podman", "ctr-1", "eth0", a, 2), 0);	/* again: no-op */
	assert_int_equal(count_elements("masq4"), 1);
	assert_int_equal(count_elements("masq6"), 1);
	assert_int_equal(count_elements("nets4"), 1);
	assert_int_equal(nft_masq_del("podman", "ctr-1", "eth0", a, 2), 0);
	assert_int_equal(nft_masq_del("podman", "ctr-1", "eth0", a, 2), 0);
	assert_int_equal(count_elements("masq4"), 0);
	/* DEL knowing no address: found by comment. */
	assert_int_equal(nft_masq_add("podman", "ctr-2", "eth0", a, 1), 0);
	assert_int_equal(nft_masq_del("podman", "ctr-2", "eth0", NULL, 0), 0);
	assert_int_equal(count_elements("masq4"), 0);
	/* GC: no container left, the network's prefixes go. */
	assert_int_equal(nft_masq_add("podman", "ctr-3", "eth0", a, 2), 0);
	assert_int_equal(nft_masq_gc("podman", NULL, 0), 0);
	assert_int_equal(count_elements("masq4") + count_elements("masq6"), 0);
	assert_int_equal(count_elements("nets4") + count_elements("nets6"), 0);
}

static void test_conntrack(void **state)
{
	(void)state;
	int r = conntrack_delete_by_dport(AF_INET, IPPROTO_UDP, 5353);
	if (r < 0)
		fail_msg("conntrack: %s", pt_err_msg());
}

static void test_firewall(void **state)
{
	struct ip_prefix a[2];
	struct nft_firewall_req r = { .network = "fwnet", .container_id = "ctr-1", .ifname = "eth0",
				      .bridge = "cni9", .policy = NFT_INGRESS_ISOLATED, .ips = a,
				      .n_ips = 2 };

	(void)state;
	assert_int_equal(ip_prefix_parse("10.77.0.5/24", &a[0]), 0);
	assert_int_equal(ip_prefix_parse("fd77::5/64", &a[1]), 0);
	if (nft_firewall_add(&r) < 0)
		fail_msg("firewall add: %s", pt_err_msg());
	assert_int_equal(nft_firewall_add(&r), 0);
	assert_int_equal(nft_firewall_check(&r), 0);
	assert_int_equal(count_elements("fw4"), 1);
	assert_int_equal(count_elements("isolated_self"), 1);
	assert_int_equal(nft_firewall_del(&r), 0);
	assert_int_equal(nft_firewall_del(&r), 0);
	assert_int_equal(nft_firewall_check(&r), -ENOENT);
	assert_int_equal(nft_firewall_add(&r), 0);
	r.n_ips = 0;	/* no prevResult: by comment */
	assert_int_equal(nft_firewall_del(&r), 0);
	assert_int_equal(count_elements("fw4") + count_elements("fw6"), 0);
	assert_int_equal(nft_firewall_gc("fwnet", NULL, 0), 0);
	assert_int_equal(count_elements("fw_br") + count_elements("iso_br"), 0);
}

/* A socket that hears every nf_tables change of this namespace. */
static struct mnl_socket *nft_events_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, O_NONBLOCK);

	assert_non_null(nl);
	assert_int_equal(mnl_socket_bind(nl, 1u << (NFNLGRP_NFTABLES - 1), MNL_SOCKET_AUTOPID), 0);
	return nl;
}

/* How many element deletions the socket heard since last asked: the
 * kernel queues a transaction's events before its commit returns. */
static int elem_deletions(struct mnl_socket *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int n = 0;
	ssize_t len;

	while ((len = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		int left = (int)len;

		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left))
			if (h->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELSETELEM))
				n++;
	}
	assert_int_equal(errno, EAGAIN);
	return n;
}

/* Another ADD of a network whose blockedDestinations did not change deletes
 * nothing (a transaction that deletes costs its process ~10 ms at the
 * socket's close); a changed list deletes the range it dropped. */
static void test_firewall_blocked_kept(void **state)
{
	struct ip_prefix a, blocked[2];
	struct nft_firewall_req r = { .network = "fwb", .container_id = "ctr-1", .ifname = "eth0",
				      .bridge = "cni8", .host_access = NFT_HOST_GATEWAY, .ips = &a,
				      .n_ips = 1, .blocked = blocked, .n_blocked = 2 };
	struct mnl_socket *nl;

	(void)state;
	assert_int_equal(ip_prefix_parse("10.88.0.5/24", &a), 0);
	assert_int_equal(ip_prefix_parse("169.254.169.254/32", &blocked[0]), 0);
	assert_int_equal(ip_prefix_parse("fd00:ec2::1/64", &blocked[1]), 0);
	if (nft_firewall_add(&r) < 0)
		fail_msg("firewall add: %s", pt_err_msg());
	/* Opened after the first ADD, which may make the whole table: its
	 * many events could overrun the socket (ENOBUFS). */
	nl = nft_events_open();
	r.container_id = "ctr-2";
	assert_int_equal(ip_prefix_parse("10.88.0.6/24", &a), 0);
	assert_int_equal(nft_firewall_add(&r), 0);
	assert_int_equal(elem_deletions(nl), 0);
	assert_int_equal(count_elements("blocked4") + count_elements("blocked6"), 2);
	assert_int_equal(ip_prefix_parse("169.254.0.0/16", &blocked[0]), 0);
	r.container_id = "ctr-3";
	assert_int_equal(ip_prefix_parse("10.88.0.7/24", &a), 0);
	assert_int_equal(nft_firewall_add(&r), 0);
	assert_int_equal(elem_deletions(nl), 1);
	assert_int_equal(count_elements("blocked4") + count_elements("blocked6"), 2);
	assert_int_equal(nft_firewall_gc("fwb", NULL, 0), 0);
	assert_int_equal(count_elements("blocked4") + count_elements("blocked6"), 0);
	mnl_socket_close(nl);
}

static size_t count_bridge(const char *set)
{
	struct nft_handle *h;
	json_t *e;
	size_t n;

	assert_int_equal(nft_handle_open(&h), 0);
	if (nft_list_elements_in(h, "bridge", set, &e) < 0)
		fail_msg("listing %s: %s", set, pt_err_msg());
	n = json_array_size(e);
	json_decref(e);
	nft_handle_close(h);
	return n;
}

static void test_spoofchk(void **state)
{
	struct ip_prefix a[2];
	struct nft_spoofchk_req r = { .network = "sp", .container_id = "ctr-1", .ifname = "eth0",
				      .host_veth = "vethsp1", .mac = "0a:58:0a:63:00:05",
				      .addrs = a, .n_addrs = 2, .check_ip = true };
	struct cni_attachment valid[] = { { "ctr-2", "eth0" } };

	(void)state;
	assert_int_equal(ip_prefix_parse("10.66.0.5/24", &a[0]), 0);
	assert_int_equal(ip_prefix_parse("fd66::5/64", &a[1]), 0);
	if (nft_spoofchk_add(&r) < 0)
		fail_msg("spoofchk add: %s", pt_err_msg());
	assert_int_equal(nft_spoofchk_add(&r), 0);
	assert_int_equal(count_bridge("mac"), 1);
	assert_int_equal(count_bridge("addr6"), 1);
	assert_int_equal(nft_spoofchk_del(&r), 0);
	assert_int_equal(nft_spoofchk_del(&r), 0);
	assert_int_equal(count_bridge("mac") + count_bridge("ports") + count_bridge("addr4"), 0);
	assert_int_equal(nft_spoofchk_add(&r), 0);
	r.mac = NULL;	/* no state: by comment */
	assert_int_equal(nft_spoofchk_del(&r), 0);
	assert_int_equal(count_bridge("mac") + count_bridge("ipports"), 0);
	r.mac = "0a:58:0a:63:00:05";
	assert_int_equal(nft_spoofchk_add(&r), 0);
	assert_int_equal(nft_spoofchk_gc("sp", valid, 1), 0);
	assert_int_equal(count_bridge("ports") + count_bridge("addr4"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masq),
		cmocka_unit_test(test_thousand_mappings),
		cmocka_unit_test(test_conntrack),
		cmocka_unit_test(test_firewall),
		cmocka_unit_test(test_firewall_blocked_kept),
		cmocka_unit_test(test_spoofchk),
	};

	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET)");
		return 77;	/* not root: skipped */
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
