/* Kernel test of src/lib/nl/nl.c (suite 'kernel', needs root): after a
 * collection that fails midway, the long-lived socket is clean and the
 * next request works (regression: the rest of the answer stayed queued
 * and the next request failed with "reply out of sequence", or EBUSY for
 * a dump still running).
 *
 * main() unshares a fresh network namespace first; in it, a few bridges so
 * that a link dump spans several datagrams:
 *
 *   (unshared) lo, br-dr0 .. br-dr7
 *
 * The receive size is shrunk below one datagram (nl_set_test_recv_size),
 * which fails the dump with -ENOSPC (MSG_TRUNC), as a too-small buffer or
 * an answer bigger than expected would. Exit 77 = skipped (no root). */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/rtnetlink.h>

#include "nl/link.h"
#include "nl/nl.h"
#include "util/error.h"

static struct nl_sock *nl;

static void assert_ok(int r)
{
	if (r < 0)
		fail_msg("%s (%d)", pt_err_msg(), r);
}

static int count_link(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	++*(int *)data;
	return MNL_CB_OK;
}

/* Dumps every link; the count on success. */
static int dump_links(void)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl_buf(nl));
	struct ifinfomsg *ifi;
	int n = 0, r;

	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	r = nl_dump(nl, nlh, count_link, &n);
	return r < 0 ? r : n;
}

static int setup(void **state)
{
	(void)state;
	assert_ok(nl_open(&nl));
	for (int i = 0; i < 8; i++) {
		char name[16];
		struct bridge_opts o = { 0 };

		snprintf(name, sizeof(name), "br-dr%d", i);
		assert_ok(link_create_bridge(nl, name, &o));
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nl_close(nl);
	return 0;
}

static void test_dump_fails_then_socket_clean(void **state)
{
	struct link_info li;

	(void)state;
	assert_int_equal(dump_links(), 9);
	nl_set_test_recv_size(nl, 256);
	assert_int_equal(dump_links(), -ENOSPC);
	nl_set_test_recv_size(nl, 0);
	/* A plain request, then a dump, on the same socket. */
	assert_ok(link_get_by_name(nl, "br-dr3", &li));
	assert_int_equal(dump_links(), 9);
	/* Twice in a row, then a request that changes something. */
	nl_set_test_recv_size(nl, 256);
	assert_int_equal(dump_links(), -ENOSPC);
	assert_int_equal(dump_links(), -ENOSPC);
	nl_set_test_recv_size(nl, 0);
	assert_ok(link_delete_by_name(nl, "br-dr7"));
	assert_int_equal(dump_links(), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_fails_then_socket_clean),
	};

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "skipped: unshare(CLONE_NEWNET): %s (needs root)\n", strerror(errno));
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
