/* The "routes" array both IPAM plugins accept: [{dst, gw}] plus the CNI
 * 1.1.0 route fields (mtu, advmss, priority, table, scope). */
#pragma once

#include <jansson.h>

#include "cni/result.h"

/* NULL or absent j gives no routes. Errors name where[i].field (code 7). */
int ipam_routes_parse(json_t *j, const char *where, struct cni_route **ret, size_t *ret_n);
