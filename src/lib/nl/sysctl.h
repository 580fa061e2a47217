/* sysctls of the calling thread's current network namespace (/proc/sys/net/...). */
#pragma once

#include <stddef.h>

/* key is a path under /proc/sys, e.g. "net/ipv4/ip_forward" or
 * "net/ipv6/conf/eth0/accept_dad". -ENOENT when the key does not exist. */
int sysctl_write(const char *key, const char *value);
/* Reads into buf, trailing newline removed. */
int sysctl_read(const char *key, char *buf, size_t size);
