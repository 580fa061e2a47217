/* Per-family network settings read over rtnetlink (RTM_GETNETCONF), so the
 * hot path need not open /proc/sys: a /proc/sys lookup grows with the
 * number of network namespaces on the host, a netlink request does not. */
#pragma once

#include <stdbool.h>

#include "nl/nl.h"

/* Whether forwarding is on for every interface of family (AF_INET: the
 * ip_forward switch; AF_INET6: conf/all/forwarding). */
int netconf_get_forwarding(struct nl_sock *nl, int family, bool *ret);
