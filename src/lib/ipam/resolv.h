/* resolv.conf into the result's "dns", as host-local's resolvConf option
 * does: nameserver, domain, search, options; comments and junk skipped. */
#pragma once

#include "cni/result.h"

/* -errno when the file cannot be read (message names path). */
int ipam_resolv_conf_parse(const char *path, struct cni_dns *ret);
/* Frees what ipam_resolv_conf_parse filled (the same layout cni_dns_free
 * frees; kept here so the IPAM library stands on its own). */
void ipam_dns_clear(struct cni_dns *d);
