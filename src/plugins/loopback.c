/* loopback: brings "lo" up in the container (the configured interface name
 * is ignored, as in the reference plugin) and reports its addresses. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "cni/plugin.h"
#include "nl/addr.h"
#include "nl/link.h"
#include "nl/netns.h"
#include "plugins.h"
#include "util/cleanup.h"
#include "util/error.h"

/* A netlink socket in the container's namespace and its lo. -ENOENT when
 * the namespace is gone (DEL takes that as done). */
static int open_container_lo(const char *netns, struct nl_sock **ret_nl, struct link_info *ret_lo)
{
	_cleanup_close_ int fd = -1;
	_cleanup_nl_ struct nl_sock *nl = NULL;
	int r;

	r = netns_open(netns, &fd);
	if (r >= 0)
		r = nl_open_in_netns(fd, &nl);
	if (r < 0)
		return pt_err_wrap(r, "loopback: cannot open netns %s", netns);
	r = link_get_by_name(nl, "lo", ret_lo);
	if (r < 0)
		return pt_err_wrap(r, "loopback: lo not found");
	*ret_nl = TAKE_PTR(nl);
	return 0;
}

static bool is_loopback_addr(const struct ip_prefix *p)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (p->addr.family == AF_INET)
		return p->addr.bytes[0] == 127;
	return memcmp(p->addr.bytes, v6_loopback, 16) == 0;
}

/* The first address of family on lo, after checking that all are loopback ones. */
static int first_loopback_addr(struct nl_sock *nl, int ifindex, int family,
			       struct ip_prefix *ret, bool *ret_found)
{
	_cleanup_free_ struct ip_prefix *addrs = NULL;
	char buf[IP_PREFIX_STRLEN];
	size_t n;
	int r;

	r = addr_list(nl, ifindex, family, &addrs, &n);
	if (r < 0)
		return pt_err_wrap(r, "loopback: cannot list addresses of lo");
	for (size_t i = 0; i < n; i++)
		if (!is_loopback_addr(&addrs[i]))
			return pt_err(-EINVAL, "loopback interface found with non-loopback address %s",
				      ip_prefix_format(&addrs[i], buf));
	*ret_found = n > 0;
	if (n > 0)
		*ret = addrs[0];
	return 0;
}

static int add_result(struct cni_call *c, struct nl_sock *nl, int ifindex)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct cni_result *r;
	int iface, err;

	if (c->conf->prev_result)
		return cni_result_copy(c->conf->prev_result, &c->result);
	r = cni_result_new(c->conf->cni_version);
	if (!r)
		return -ENOMEM;
	c->result = r;
	iface = cni_result_add_interface(r, "lo", "00:00:00:00:00:00", c->env->netns);
	if (iface < 0)
		return iface;
	for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
		struct ip_prefix p;
		bool found = false;

		err = first_loopback_addr(nl, ifindex, families[i], &p, &found);
		if (err < 0)
			return err;
		if (found && (err = cni_result_add_ip(r, &p, NULL, iface)) < 0)
			return err;
	}
	return 0;
}

static int loopback_add(struct cni_call *c)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;
	struct link_info lo;
	int r;

	r = open_container_lo(c->env->netns, &nl, &lo);
	if (r < 0)
		return r;
	if ((r = link_set_up(nl, lo.ifindex)) < 0)
		return pt_err_wrap(r, "loopback: cannot set lo up");
	return add_result(c, nl, lo.ifindex);
}

static int loopback_del(struct cni_call *c)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;
	struct link_info lo;
	int r;

	if (!c->env->netns || !*c->env->netns)
		return 0;
	r = open_container_lo(c->env->netns, &nl, &lo);
	if (r == -ENOENT || (r == -EINVAL && netns_path_is_stale(c->env->netns)))
		return 0;	/* the namespace is gone, and lo with it */
	if (r < 0)
		return r;
	r = link_set_down(nl, lo.ifindex);
	return r < 0 ? pt_err_wrap(r, "loopback: cannot set lo down") : 0;
}

static int loopback_check(struct cni_call *c)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;
	struct link_info lo;
	int r;

	r = open_container_lo(c->env->netns, &nl, &lo);
	if (r < 0)
		return r;
	if (!(lo.flags & IFF_UP))
		return pt_err(-ENETDOWN, "loopback interface is down");
	return 0;
}

const struct cni_plugin plugin_loopback = {
	.type = "loopback",
	.add = loopback_add,
	.del = loopback_del,
	.check = loopback_check,
};
