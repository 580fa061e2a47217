/* The on-disk reservations, in the reference host-local's layout so that
 * state written by either keeps working with the other:
 *
 *   <dataDir>/<network>/<ip>                 "<containerID>\r\n<ifname>"
 *   <dataDir>/<network>/last_reserved_ip.<N> the last address set N handed out
 *   <dataDir>/<network>/lock                 flock()ed around every operation;
 *                                            pontoon's note on it (below)
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
 *    reading every file. Only a file linked to no attachment file (written
 *    by the reference plugin, or old format) is read, as the reference
 *    does; so state the reference wrote beside pontoon's is still found.
 * The reference's DEL removes the attachment file too (same content).
 *
 * The note, an extended attribute of the lock file (user.pontoon.clean: no
 * file's bytes differ from what the reference writes), is the directory's
 * mtime after pontoon's last change, written
 * only while the directory held no file of the reference's format. While
 * the directory's mtime still equals it, nobody else created a file since,
 * so an attachment whose file has no links holds nothing and ADD skips the
 * pass over the names. Any change by another writer moves the mtime (the
 * kernel's fine-grained timestamps make a change after our fstat() visible
 * even within one clock tick; an older kernel leaves a window of one tick,
 * in which only the duplicate check of ADD can miss a file: DEL always
 * reads the names).
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

/* Makes sure the attachment file exists with the right content. Whether
 * the attachment already holds addresses is ipam_store_owned's to say: its
 * links are not all (the reference's files have none). */
int ipam_store_attach(struct ipam_store *s, const char *id, const char *ifname);
/* Removes the attachment file when no address is linked to it any more. */
int ipam_store_detach_if_unused(struct ipam_store *s, const char *id, const char *ifname);

/* Whether pontoon noted the directory as holding no file of the
 * reference's format and nothing changed it since (see the note above). */
bool ipam_store_clean(struct ipam_store *s);
/* Notes the directory as it is now: call after changing a directory that
 * ipam_store_clean() (or ipam_store_owned()) found clean. Best effort. */
void ipam_store_note_clean(struct ipam_store *s);

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

/* The addresses held by (id, ifname): the links of its attachment file
 * and the files of the reference's format naming it; files holding only
 * the id (the oldest format) count when none holds the pair, as in the
 * reference. In a clean directory an attachment file without links (or
 * none) holds nothing, known without reading the names; a directory found
 * clean by reading them is noted so. *ret is malloc'd. */
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
