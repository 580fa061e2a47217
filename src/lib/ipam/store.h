/* The on-disk reservations, in the reference host-local's layout so that
 * state written by either keeps working with the other:
 *
 *   <dataDir>/<network>/<ip>                 "<containerID>\r\n<ifname>"
 *   <dataDir>/<network>/last_reserved_ip.<N> the last address set N handed out
 *   <dataDir>/<network>/lock                 flock()ed around every operation
 *
 * and one addition, the attachment file "<containerID>:<ifname>" (a name no
 * address or reference file can have: IPv6 text has two colons or more,
 * container ids and interface names have none). It holds the same bytes as
 * a reservation and every reservation of that attachment is a hard link to
 * it. That gives:
 *  - crash safety: the content is written completely before any address
 *    name exists; an address is taken by link(), atomic and failing with
 *    EEXIST when taken, so a killed process leaves at most an attachment
 *    file with no links (st_nlink == 1), which is never a reservation and is
 *    replaced or collected later;
 *  - speed: DEL, CHECK and the duplicate check of ADD find an attachment's
 *    addresses from one stat() and the directory's inode numbers, without
 *    reading every file. When the attachment file is missing (state of the
 *    reference plugin, old format) they read the files as the reference does.
 * The reference's DEL removes the attachment file too (same content).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/ipaddr.h"

struct ipam_store {
	int dir_fd;	/* <dataDir>/<network> */
	int lock_fd;	/* flock()ed while the store is open */
};

/* Creates the directories if needed (the network's own 0700), opens and
 * locks. -errno with a message naming the path. */
int ipam_store_open(const char *data_dir, const char *network, struct ipam_store *ret);
/* Unlocks and closes; accepts a closed or zeroed-and-(-1) store. */
void ipam_store_close(struct ipam_store *s);

/* Makes sure the attachment file exists with the right content. Sets
 * *ret_had_reservations when it already had addresses linked to it. */
int ipam_store_attach(struct ipam_store *s, const char *id, const char *ifname,
		      bool *ret_had_reservations);
/* Removes the attachment file when no address is linked to it any more. */
int ipam_store_detach_if_unused(struct ipam_store *s, const char *id, const char *ifname);

/* Takes ip for the attachment (ipam_store_attach first): 0, or -EEXIST when
 * the address is taken. */
int ipam_store_reserve(struct ipam_store *s, const char *id, const char *ifname,
		       const struct ip_addr *ip);
/* Drops one address name (rollback of a failed ADD). */
int ipam_store_unreserve(struct ipam_store *s, const struct ip_addr *ip);

/* last_reserved_ip.<set>: -ENOENT when absent, -EINVAL when unreadable. */
int ipam_store_last_reserved(struct ipam_store *s, unsigned set, struct ip_addr *ret);
/* Written to a temporary name and renamed, so it is never half written. */
int ipam_store_set_last_reserved(struct ipam_store *s, unsigned set, const struct ip_addr *ip);

/* The addresses held by (id, ifname); files holding only the id (the
 * oldest format) count when none holds the pair, as in the reference.
 * *ret is malloc'd. */
int ipam_store_owned(struct ipam_store *s, const char *id, const char *ifname,
		     struct ip_addr **ret, size_t *ret_n);
/* Releases everything (id, ifname) holds, as ipam_store_owned finds it.
 * Returns how many addresses were released; 0 when none (not an error). */
int ipam_store_release(struct ipam_store *s, const char *id, const char *ifname);

/* Every reserved address (names only; nothing is read). *ret is malloc'd. */
int ipam_store_list(struct ipam_store *s, struct ip_addr **ret, size_t *ret_n);

/* Decides whether an owner is still valid; ifname is NULL for old-format
 * files that name only the container. */
typedef bool (*ipam_store_keep_fn)(const char *id, const char *ifname, void *userdata);
/* Releases every reservation and attachment file whose owner keep() refuses,
 * and removes leftovers of killed processes (attachment files with nothing
 * linked, temporary files). Returns the number of addresses released. */
int ipam_store_gc(struct ipam_store *s, ipam_store_keep_fn keep, void *userdata);

/* The parsers of the file contents, exposed for the fuzz target
 * (tests/fuzz/fuzz-ipam-store.c). buf holds n bytes read from a file and
 * has room for one more; it is trimmed of surrounding white space and cut
 * in place. A reservation "<id>\r\n<ifname>" gives both; *ret_ifname is
 * NULL for the oldest format that holds only the id. */
void ipam_store_parse_owner(char *buf, size_t n, char **ret_id, char **ret_ifname);
/* last_reserved_ip.N: one address; -EINVAL when it is none. */
int ipam_store_parse_last_reserved(char *buf, size_t n, struct ip_addr *ret);
