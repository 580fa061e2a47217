/* RTM_GETNETCONF: see netconf.h. */
#include <errno.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "nl/netconf.h"
#include "util/error.h"

struct forwarding_reply {
	bool found;
	bool on;
};

static int forwarding_cb(const struct nlmsghdr *nlh, void *data)
{
	static const uint8_t types[NETCONFA_MAX + 1] = { [NETCONFA_FORWARDING] = MNL_TYPE_U32 };
	const struct nlattr *tb[NETCONFA_MAX + 1] = { 0 };
	struct forwarding_reply *reply = data;

	if (nlh->nlmsg_type != RTM_NEWNETCONF)
		return MNL_CB_OK;
	if (nl_parse(nlh, sizeof(struct netconfmsg), types, NETCONFA_MAX, tb) < 0)
		return MNL_CB_ERROR;
	if (tb[NETCONFA_FORWARDING]) {
		reply->found = true;
		reply->on = mnl_attr_get_u32(tb[NETCONFA_FORWARDING]) != 0;
	}
	return MNL_CB_OK;
}

int netconf_get_forwarding(struct nl_sock *nl, int family, bool *ret)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl_buf(nl));
	struct forwarding_reply reply = { 0 };
	struct netconfmsg *ncm;
	int r;

	nlh->nlmsg_type = RTM_GETNETCONF;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ncm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ncm));
	ncm->ncm_family = (unsigned char)family;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)NETCONFA_IFINDEX_ALL);
	r = nl_request(nl, nlh, forwarding_cb, &reply);
	if (r < 0)
		return pt_err_wrap(r, "cannot read the forwarding setting");
	if (!reply.found)
		return pt_err(-ENODATA, "the kernel did not report the forwarding setting");
	*ret = reply.on;
	return 0;
}
