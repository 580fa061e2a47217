/* Conntrack entries (ctnetlink over libmnl). A UDP "connection" lives as
 * long as packets keep coming, so an entry made before a port was published
 * (no NAT) or pointing at a container that is gone keeps the flow away from
 * the new mapping forever. portmap forgets them on ADD and DEL. */
#pragma once

#include <stdint.h>

/* Deletes every entry of family (AF_INET/AF_INET6) whose original direction
 * is protocol proto to destination port dport. Returns the count deleted. */
int conntrack_delete_by_dport(int family, uint8_t proto, uint16_t dport);
