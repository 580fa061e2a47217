/* Conntrack entries (ctnetlink over libmnl). A UDP "connection" lives as
 * long as packets keep coming, so an entry made before a port was published
 * (no NAT) or pointing at a container that is gone keeps the flow away from
 * the new mapping forever. portmap forgets them on ADD and DEL. */
#pragma once

#include <stdint.h>

/* Deletes every entry of family (AF_INET/AF_INET6) whose original direction
 * is protocol proto to destination port dport. Returns the count deleted. */
int conntrack_delete_by_dport(int family, uint8_t proto, uint16_t dport);

/* Marks in the bitmap seen (bit p of byte p/8) the original destination
 * port of every entry of family and protocol proto; the count newly marked.
 * A walk of the whole conntrack table: portmap does it once, when it creates
 * its table, to learn the ports that flows were already going to. */
int conntrack_list_dports(int family, uint8_t proto, uint8_t seen[8192]);
