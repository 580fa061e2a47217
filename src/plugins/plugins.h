/* The plugins pontoon-cni contains; main.c dispatches on argv[0]. */
#pragma once

#include "cni/plugin.h"

extern const struct cni_plugin plugin_bridge;
extern const struct cni_plugin plugin_host_local;
extern const struct cni_plugin plugin_static;
extern const struct cni_plugin plugin_loopback;
extern const struct cni_plugin plugin_portmap;
extern const struct cni_plugin plugin_firewall;

const struct cni_plugin *plugin_find(const char *type);
