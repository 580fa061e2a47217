/* pontoon's nftables layer: one table, `table inet pontoon`, holding every
 * NAT and filter rule pontoon needs, driven through libnftables (never the
 * nft program).
 *
 * The table's base chains are written once, when the table is missing
 * (nft_base_render() is that script). Everything that belongs to one
 * container or one network is an element of a set or map of that table, so a
 * change is a handful of elements in ONE transaction (one call of
 * nft_run_cmd_from_buffer) and the thousandth container costs what the first
 * did. Deleting the table removes all of pontoon. See docs/nat.md for the
 * chains, their hook priorities and why. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "nft/script.h"
#include "util/ipaddr.h"

#define NFT_FAMILY "inet"
#define NFT_TABLE "pontoon"
/* Element comments are user data of at most 256 bytes (NFT_USERDATA_MAXLEN). */
#define NFT_COMMENT_MAX 250

struct nft_handle;

int nft_handle_open(struct nft_handle **ret);
void nft_handle_close(struct nft_handle *h);
void nft_handle_closep(struct nft_handle **h);
#define _cleanup_nft_ __attribute__((cleanup(nft_handle_closep)))

/* Runs script as one transaction. On failure returns -errno (ENOENT, EEXIST,
 * EPERM, ... as far as nft's text tells; EIO otherwise) and records nft's own
 * error text with `what` in front. */
int nft_run(struct nft_handle *h, const char *what, const char *script);

/* Same, and on success *ret_out is what nft printed (valid until the next run). */
int nft_run_output(struct nft_handle *h, const char *script, const char **ret_out);

/* Runs script after making sure pontoon's table exists: when it is missing,
 * the base ruleset and script go in one transaction (a concurrent creator
 * makes that fail with EEXIST; then script alone is run). Whoever creates
 * the table puts the ports of the UDP flows older than it into udpseen (see
 * portmap.c), so it does not matter which plugin of a chain comes first. */
int nft_apply(struct nft_handle *h, const char *what, const char *script);

/* nft_apply for another of pontoon's tables: `table FAMILY pontoon`, made
 * from base (a `create table` and its sets and chains) when missing. */
int nft_apply_in(struct nft_handle *h, int family, const char *base, const char *what,
		 const char *script);

/* Whether `table inet pontoon` exists (one netlink round trip, no cache). */
int nft_table_exists(void);
/* Whether table `family` (NFPROTO_*) `table` exists. */
int nft_table_exists_in(int family, const char *table);

/* Whether the last nft_apply() of h created pontoon's table. */
bool nft_handle_created_table(const struct nft_handle *h);

/* Whether set `name` of pontoon's inet table has the inet_service element
 * port: 1 or 0 (0 also when the set is missing), one netlink round trip
 * with no listing. */
int nft_set_has_port(const char *name, uint16_t port);

/* An element's key as the kernel holds it: each field of a concatenation
 * in whole 32-bit words (an address, a protocol, a port, an interface name,
 * a MAC). A field that does not fit leaves len at 0: no lookup. */
struct nft_key {
	uint8_t b[64];
	size_t len;
	bool overflow;
};
void nft_key_addr(struct nft_key *k, const struct ip_addr *a);
void nft_key_proto(struct nft_key *k, uint8_t proto);
void nft_key_port(struct nft_key *k, uint16_t port);
void nft_key_ifname(struct nft_key *k, const char *name);
/* "aa:bb:cc:dd:ee:ff"; -EINVAL otherwise. */
int nft_key_mac(struct nft_key *k, const char *mac);

/* Who owns element k of set `name` in `table FAMILY pontoon` (family
 * NFPROTO_*): 1 with its comment in buf ("" when it has none), 0 when the
 * element (or the set or table) is missing. One netlink round trip, no
 * listing: what a DEL by key uses to leave another owner's element alone. */
int nft_elem_comment(int family, const char *name, const struct nft_key *k, char *buf,
		     size_t size);

/* One datagram of the kernel's answer to that GETSETELEM (the parser,
 * apart for tests/fuzz/fuzz-nft-reply.c): 1 once the ACK came, with the
 * element's comment in comment (NUL-terminated, cut to size; left as it
 * was when the element has none; comment may be NULL), 0 when the kernel
 * answered ENOENT, -EAGAIN when more is to come (and only then: an
 * EAGAIN answer becomes -EPROTO), -errno on an error answer or a
 * malformed datagram. */
int nft_elem_reply_parse(const void *buf, size_t len, unsigned seq, unsigned portid,
			 char *comment, size_t size);

/* The base ruleset: `create table` followed by the sets, maps and chains. */
void nft_base_render(struct nft_script *s);

/* The elements of set or map `name` as nft's JSON ("elem" array, may be
 * empty); *ret is owned by the caller. -ENOENT when the table is missing. */
int nft_list_elements(struct nft_handle *h, const char *name, json_t **ret);
/* Same in `table FAMILY pontoon` (family as nft spells it: "bridge"). */
int nft_list_elements_in(struct nft_handle *h, const char *family, const char *name, json_t **ret);

/* Writes an element's key or value as nft syntax from nft's JSON form (a
 * string, a number, {"concat": [...]}, {"prefix": {...}}, {"range": [...]}). */
int nft_json_expr_render(json_t *v, struct nft_script *s);

/* An element of a listing: its key, its comment ("" when none) and, for a
 * map, its value (NULL for a set). Borrowed from e. */
int nft_elem_parse(json_t *e, json_t **ret_key, const char **ret_comment, json_t **ret_value);

/* True when every byte of s may appear inside an nft comment string and
 * the length fits. */
bool nft_comment_ok(const char *s);

/* ---- elements found by their comment (DEL without state, GC) ---- */

struct cni_attachment;

/* Who an element belongs to, by its comment "NETWORK/CONTAINERID/IFNAME"
 * (or "NETWORK" for per-network elements). */
struct nft_owner_match {
	enum {
		NFT_MATCH_EXACT,	/* comment == text */
		NFT_MATCH_STALE,	/* comment is "text/CID/IF" with CID/IF not in valid */
		NFT_MATCH_UNDER,	/* comment starts with "text/" */
	} how;
	const char *text;
	const struct cni_attachment *valid;
	size_t n_valid;
};

bool nft_owner_matches(const struct nft_owner_match *m, const char *comment);

/* Deletes, in one transaction, the elements of set/map `name` whose comment
 * matches; the count deleted. A missing table is 0. */
int nft_delete_matching(struct nft_handle *h, const char *name, const struct nft_owner_match *m);
int nft_delete_matching_in(struct nft_handle *h, const char *family, const char *name,
			   const struct nft_owner_match *m);
/* Whether any element of `name` matches. */
int nft_any_matching(struct nft_handle *h, const char *name, const struct nft_owner_match *m);
int nft_any_matching_in(struct nft_handle *h, const char *family, const char *name,
			const struct nft_owner_match *m);
