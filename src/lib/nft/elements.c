/* Elements found by their comment rather than by their key: what DEL does
 * when it has no state to name the keys, and what GC does. These list a
 * whole set, so they are never on the path of an ordinary ADD or DEL. */
#include <errno.h>
#include <string.h>

#include "cni/plugin.h"
#include "nft/nft.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

static bool attachment_valid(const struct nft_owner_match *m, const char *cid, size_t cid_len,
			     const char *ifname)
{
	for (size_t i = 0; i < m->n_valid; i++)
		if (strlen(m->valid[i].container_id) == cid_len &&
		    strncmp(cid, m->valid[i].container_id, cid_len) == 0 &&
		    strcmp(ifname, m->valid[i].ifname) == 0)
			return true;
	return false;
}

bool nft_owner_matches(const struct nft_owner_match *m, const char *comment)
{
	size_t tlen = strlen(m->text);
	const char *cid, *slash;

	if (m->how == NFT_MATCH_EXACT)
		return strcmp(comment, m->text) == 0;
	if (strncmp(comment, m->text, tlen) != 0 || comment[tlen] != '/')
		return false;
	if (m->how == NFT_MATCH_UNDER)
		return true;
	cid = comment + tlen + 1;
	slash = strchr(cid, '/');
	return slash && !attachment_valid(m, cid, (size_t)(slash - cid), slash + 1);
}

/* Renders "delete element ... { k1, k2 }" of the matching elements; the count. */
static int render_matching(json_t *elems, const char *family, const char *name,
			   const struct nft_owner_match *m, struct nft_script *s)
{
	size_t i;
	int found = 0;
	json_t *e;

	nft_script_appendf(s, "delete element %s pontoon %s { ", family, name);
	json_array_foreach(elems, i, e) {
		json_t *key, *value;
		const char *comment;

		if (nft_elem_parse(e, &key, &comment, &value) < 0 || !nft_owner_matches(m, comment))
			continue;
		if (found++)
			nft_script_appendf(s, ", ");
		if (nft_json_expr_render(key, s) < 0)
			return pt_err(-EINVAL, "nft: cannot read an element of %s", name);
	}
	nft_script_appendf(s, " }\n");
	return found;
}

/* Listing and deleting are two steps; an element deleted by somebody else in
 * between makes the delete fail (ENOENT), so it is tried once more. */
int nft_delete_matching(struct nft_handle *h, const char *name, const struct nft_owner_match *m)
{
	return nft_delete_matching_in(h, NFT_FAMILY, name, m);
}

int nft_delete_matching_in(struct nft_handle *h, const char *family, const char *name,
			   const struct nft_owner_match *m)
{
	for (int attempt = 0;; attempt++) {
		_cleanup_json_ json_t *elems = NULL;
		_cleanup_script_ struct nft_script s = { 0 };
		int r, found;

		nft_script_init(&s);
		r = nft_list_elements_in(h, family, name, &elems);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		found = render_matching(elems, family, name, m, &s);
		if (found <= 0)
			return found;
		r = nft_run(h, "nft: cannot delete elements", nft_script_text(&s));
		if (r == 0)
			return found;
		if (r != -ENOENT || attempt == 1)
			return r;
	}
}

int nft_any_matching(struct nft_handle *h, const char *name, const struct nft_owner_match *m)
{
	return nft_any_matching_in(h, NFT_FAMILY, name, m);
}

int nft_any_matching_in(struct nft_handle *h, const char *family, const char *name,
			const struct nft_owner_match *m)
{
	_cleanup_json_ json_t *elems = NULL;
	size_t i;
	json_t *e;
	int r = nft_list_elements_in(h, family, name, &elems);

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	json_array_foreach(elems, i, e) {
		json_t *key, *value;
		const char *comment;

		if (nft_elem_parse(e, &key, &comment, &value) == 0 && nft_owner_matches(m, comment))
			return 1;
	}
	return 0;
}
