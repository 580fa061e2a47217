/* Fuzz target: the elements of a set or map as libnftables lists them in
 * JSON (nft_elem_parse, nft_json_expr_render, nft_owner_matches): what DEL
 * without prevResult and GC read to find and delete a container's elements.
 * The input is the "elem" array of a listing. Whatever the bytes: a parsed
 * element has a key and a comment, a key renders to one line of text, a
 * key read as a blocked range (nft_blocked_key_parse, firewall ADD) is an
 * IPv4 or IPv6 prefix no longer than its family's bits, and
 * the owner matching never matches what it must not (EXACT only the same
 * text; UNDER only "text/…"; STALE never a valid attachment). */
#include <stdbool.h>
#include <string.h>

#include "cni/plugin.h"
#include "fuzz.h"
#include "nft/firewall.h"
#include "nft/nft.h"
#include "util/cleanup.h"
#include "util/json.h"

static const struct cni_attachment valid[] = {
	{ .container_id = "ctr1", .ifname = "eth0" },
};

static void check_owner(const char *comment)
{
	struct nft_owner_match exact = { .how = NFT_MATCH_EXACT, .text = "ptnet/ctr1/eth0" };
	struct nft_owner_match under = { .how = NFT_MATCH_UNDER, .text = "ptnet" };
	struct nft_owner_match stale = { .how = NFT_MATCH_STALE, .text = "ptnet", .valid = valid,
					 .n_valid = 1 };

	if (nft_owner_matches(&exact, comment))
		FUZZ_ASSERT(strcmp(comment, "ptnet/ctr1/eth0") == 0, "EXACT matched \"%s\"", comment);
	if (nft_owner_matches(&under, comment))
		FUZZ_ASSERT(strncmp(comment, "ptnet/", 6) == 0, "UNDER matched \"%s\"", comment);
	if (nft_owner_matches(&stale, comment))
		FUZZ_ASSERT(strncmp(comment, "ptnet/", 6) == 0 && strcmp(comment, "ptnet/ctr1/eth0") != 0,
			    "STALE matched \"%s\"", comment);
}

/* Deletion scripts are "delete element … { K, K }": outside its quoted
 * strings a key holds no character that ends the statement, the braces or
 * the line, and its quotes pair up with nothing in between that ends them. */
static void check_key_text(const char *t)
{
	bool quoted = false;

	for (const char *p = t; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			quoted = !quoted;
		else if (quoted)
			FUZZ_ASSERT(c != '\\' && c >= 0x20 && c != 0x7f, "key \"%s\": byte %#x quoted", t, c);
		else
			FUZZ_ASSERT(!strchr("\n;{}#\\", c) && c >= 0x20, "key rendered as \"%s\"", t);
	}
	FUZZ_ASSERT(!quoted, "key \"%s\": unbalanced quotes", t);
}

static void check_blocked_key(json_t *key)
{
	struct ip_prefix p = { 0 };
	const char *bridge = NULL;

	if (nft_blocked_key_parse(key, &bridge, &p) < 0)
		return;
	FUZZ_ASSERT(bridge, "blocked key without a bridge");
	FUZZ_ASSERT(p.addr.family == AF_INET || p.addr.family == AF_INET6,
		    "blocked key of family %d", p.addr.family);
	FUZZ_ASSERT(p.len <= ip_family_bits(p.addr.family), "blocked key /%u", p.len);
}

static void render(json_t *v)
{
	struct nft_script s;
	const char *t;

	if (!v)
		return;
	nft_script_init(&s);
	if (nft_json_expr_render(v, &s) == 0) {
		t = nft_script_text(&s);
		FUZZ_ASSERT(t, "rendered nothing");
		check_key_text(t);
	}
	nft_script_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_json_ json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	json_t *e, *key, *value;
	const char *comment;
	size_t i;

	if (!doc)
		return 0;
	if (!json_is_array(doc))
		return 0;
	json_array_foreach(doc, i, e) {
		if (nft_elem_parse(e, &key, &comment, &value) < 0)
			continue;
		FUZZ_ASSERT(key && comment, "element %zu without key or comment", i);
		check_owner(comment);
		check_blocked_key(key);
		render(key);
		render(value);
	}
	return 0;
}
