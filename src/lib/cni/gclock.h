/* The plugins' GC lock, one per network: GC takes its network's exclusive,
 * ADD, DEL and CHECK shared, so a GC never removes what a network's
 * containers share (masquerade and firewall elements) while an ADD of that
 * network relies on them, and never waits for, or holds up, other
 * networks. See gclock.c. */
#pragma once

#include <stdbool.h>

/* Takes network's lock; exclusive for GC. wait false: -EWOULDBLOCK when
 * held in the other mode. Returns the descriptor that holds it (closing it
 * releases the lock), or -errno when the lock file cannot be opened. */
int cni_gc_lock_take(const char *network, bool exclusive, bool wait);
