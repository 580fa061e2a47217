/* The allocator; see alloc.h. The walk over a range set is the reference's,
 * so that both hand out the same address from the same state. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni/error.h"
#include "ipam/alloc.h"
#include "ipam/store.h"
#include "util/cleanup.h"
#include "util/error.h"

#define ALLOC_FAILED(i) "failed to allocate for range %zu: "

static void store_closep(struct ipam_store *s)
{
	ipam_store_close(s);
}
#define _cleanup_store_ _cleanup_(store_closep)

/* ---- the round-robin walk ---- */

struct walk {
	const struct ipam_range_set *set;
	size_t idx;
	struct ip_addr cur, start;	/* family 0: not yet */
};

/* Starts after the last address handed out from this set when it is still
 * in the set, else at the first range's start. */
static void walk_init(struct walk *w, const struct ipam_range_set *set, struct ipam_store *s,
		      unsigned set_no)
{
	struct ip_addr last;

	*w = (struct walk){ .set = set };
	if (ipam_store_last_reserved(s, set_no, &last) < 0)
		return;
	for (size_t i = 0; i < set->n; i++)
		if (ipam_range_contains(&set->ranges[i], &last)) {
			w->idx = i;
			w->cur = last;
			return;
		}
}

/* The next candidate, or false when the walk is back where it began. */
static bool walk_next(struct walk *w, const struct ipam_range **ret_range, struct ip_addr *ret)
{
	for (;;) {
		const struct ipam_range *r = &w->set->ranges[w->idx];

		if (ip_addr_is_unset(&w->cur)) {
			w->cur = w->start = r->start;
		} else {
			if (ip_addr_equal(&w->cur, &r->end)) {
				w->idx = (w->idx + 1) % w->set->n;
				r = &w->set->ranges[w->idx];
				w->cur = r->start;
			} else {
				ip_addr_add(&w->cur, 1, &w->cur);
			}
			if (ip_addr_is_unset(&w->start))
				w->start = w->cur;
			else if (ip_addr_equal(&w->cur, &w->start))
				return false;
		}
		if (!ip_addr_equal(&w->cur, &r->gateway)) {
			*ret_range = r;
			*ret = w->cur;
			return true;
		}
	}
}

/* ---- ADD ---- */

struct add_state {
	const struct ipam_hostlocal_conf *c;
	struct ipam_store *store;
	const char *id, *ifname;
	struct ip_addr *owned;		/* what the attachment held before this ADD */
	size_t n_owned;
	bool *used;			/* per requested address */
	struct ipam_lease *leases;
	size_t n_leases;
};

static int set_error(size_t i, const struct ipam_range_set *set, const char *fmt,
		     const char *ip)
{
	_cleanup_free_ char *text = ipam_range_set_format(set);
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, ip, text ? text : "?");
	return pt_err_code(-ENOSPC, CNI_ERR_INTERNAL, ALLOC_FAILED(i) "%s", i, msg);
}

static int take_requested(struct add_state *st, size_t i, const struct ip_addr *ip,
			  struct ipam_lease *ret)
{
	const struct ipam_range_set *set = &st->c->sets[i];
	const struct ipam_range *r = ipam_range_set_find(set, ip);
	char text[IP_ADDR_STRLEN];
	int err;

	ip_addr_format(ip, text);
	if (ip_addr_equal(ip, &r->gateway))
		return pt_err_code(-EINVAL, CNI_ERR_INTERNAL,
				   ALLOC_FAILED(i) "requested ip %s is subnet's gateway", i, text);
	err = ipam_store_reserve(st->store, st->id, st->ifname, ip);
	if (err == -EEXIST)
		return set_error(i, set, "requested IP address %s is not available in range set %s",
				 text);
	if (err < 0)
		return err;
	*ret = (struct ipam_lease){ .address = { *ip, r->subnet.len }, .gateway = r->gateway };
	return 0;
}

/* The reference refuses a second ADD of the same attachment in a set where
 * it already holds an address (the spec forbids duplicate allocation).
 * st->owned includes files the reference wrote (see ipam_alloc_add). */
static int check_duplicate(struct add_state *st, size_t i)
{
	char text[IP_ADDR_STRLEN];

	for (size_t k = 0; k < st->n_owned; k++)
		if (ipam_range_set_find(&st->c->sets[i], &st->owned[k]))
			return pt_err_code(-EEXIST, CNI_ERR_INTERNAL,
					   ALLOC_FAILED(i) "%s has been allocated to %s, duplicate allocation is not allowed",
					   i, ip_addr_format(&st->owned[k], text), st->id);
	return 0;
}

static int take_next(struct add_state *st, size_t i, struct ipam_lease *ret)
{
	const struct ipam_range_set *set = &st->c->sets[i];
	const struct ipam_range *r;
	struct ip_addr ip;
	struct walk w;
	int err;

	if ((err = check_duplicate(st, i)) < 0)
		return err;
	walk_init(&w, set, st->store, (unsigned)i);
	while (walk_next(&w, &r, &ip)) {
		err = ipam_store_reserve(st->store, st->id, st->ifname, &ip);
		if (err == -EEXIST)
			continue;
		if (err < 0)
			return err;
		*ret = (struct ipam_lease){ .address = { ip, r->subnet.len }, .gateway = r->gateway };
		return 0;
	}
	return set_error(i, set, "no IP addresses available in range set: %s%s", "");
}

static const struct ip_addr *requested_for(struct add_state *st, size_t i)
{
	for (size_t k = 0; k < st->c->n_requested; k++)
		if (!st->used[k] && ipam_range_set_find(&st->c->sets[i], &st->c->requested[k])) {
			st->used[k] = true;
			return &st->c->requested[k];
		}
	return NULL;
}

static int unfulfilled_error(struct add_state *st)
{
	char msg[1024] = "failed to allocate all requested IPs:";
	size_t off = strlen(msg);

	for (size_t k = 0; k < st->c->n_requested; k++) {
		char text[IP_ADDR_STRLEN];

		if (st->used[k] || off >= sizeof(msg))
			continue;
		off += snprintf(msg + off, sizeof(msg) - off, " %s",
				ip_addr_format(&st->c->requested[k], text));
	}
	return pt_err_code(-EINVAL, CNI_ERR_INTERNAL, "%s", msg);
}

static int add_all(struct add_state *st)
{
	int err;

	for (size_t i = 0; i < st->c->n_sets; i++) {
		const struct ip_addr *want = requested_for(st, i);
		struct ipam_lease *l = &st->leases[st->n_leases];

		err = want ? take_requested(st, i, want, l) : take_next(st, i, l);
		if (err < 0)
			return err;
		st->n_leases++;
	}
	for (size_t k = 0; k < st->c->n_requested; k++)
		if (!st->used[k])
			return unfulfilled_error(st);
	/* Only once everything is taken: a failed ADD, rolled back, leaves
	 * the next search where it was. */
	for (size_t i = 0; i < st->n_leases; i++) {
		err = ipam_store_set_last_reserved(st->store, (unsigned)i,
						   &st->leases[i].address.addr);
		if (err < 0)
			return err;
	}
	return 0;
}

static void rollback(struct add_state *st)
{
	for (size_t i = 0; i < st->n_leases; i++)
		ipam_store_unreserve(st->store, &st->leases[i].address.addr);
	ipam_store_detach_if_unused(st->store, st->id, st->ifname);
}

int ipam_alloc_add(const struct ipam_hostlocal_conf *c, const char *id, const char *ifname,
		   struct ipam_lease **ret, size_t *ret_n)
{
	_cleanup_store_ struct ipam_store store = { -1, -1 };
	_cleanup_free_ bool *used = calloc(c->n_requested + 1, sizeof(bool));
	_cleanup_free_ struct ipam_lease *leases = calloc(c->n_sets + 1, sizeof(*leases));
	struct add_state st = { .c = c, .store = &store, .id = id, .ifname = ifname,
				.used = used, .leases = leases };
	bool clean;
	int err;

	if (!used || !leases)
		return -ENOMEM;
	if ((err = ipam_store_open(c->data_dir, c->name, &store)) < 0)
		return err;
	/* What the attachment holds, files of the reference's format
	 * included, before our own changes: in a directory noted clean this
	 * costs no pass over the names; after one, clean is noted too. */
	err = ipam_store_owned(&store, id, ifname, &st.owned, &st.n_owned);
	if (err < 0)
		return err;
	clean = ipam_store_clean(&store);
	err = ipam_store_attach(&store, id, ifname);
	if (err >= 0)
		err = add_all(&st);
	free(st.owned);
	if (err < 0)
		rollback(&st);
	if (clean)	/* our changes added no file of another format */
		ipam_store_note_clean(&store);
	if (err < 0)
		return err;
	*ret = TAKE_PTR(leases);
	*ret_n = st.n_leases;
	return 0;
}

/* ---- DEL, CHECK, GC, STATUS ---- */

int ipam_alloc_del(const struct ipam_hostlocal_conf *c, const char *id, const char *ifname)
{
	_cleanup_store_ struct ipam_store store = { -1, -1 };
	int err;

	if ((err = ipam_store_open(c->data_dir, c->name, &store)) < 0)
		return err;
	err = ipam_store_release(&store, id, ifname);
	return err < 0 ? err : 0;
}

int ipam_alloc_check(const struct ipam_hostlocal_conf *c, const char *id, const char *ifname)
{
	_cleanup_store_ struct ipam_store store = { -1, -1 };
	_cleanup_free_ struct ip_addr *owned = NULL;
	size_t n = 0;
	int err;

	if ((err = ipam_store_open(c->data_dir, c->name, &store)) < 0 ||
	    (err = ipam_store_owned(&store, id, ifname, &owned, &n)) < 0)
		return err;
	if (n == 0)
		return pt_err_code(-ENOENT, CNI_ERR_INTERNAL,
				   "host-local: Failed to find address added by container %s", id);
	return 0;
}

struct owners {
	const struct ipam_owner *v;
	size_t n;
};

static bool owner_valid(const char *id, const char *ifname, void *u)
{
	const struct owners *o = u;

	/* An old-format file names only the container: keep it while any of
	 * that container's attachments is valid. */
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->v[i].id, id) == 0 && (!ifname || strcmp(o->v[i].ifname, ifname) == 0))
			return true;
	return false;
}

int ipam_alloc_gc(const struct ipam_hostlocal_conf *c, const struct ipam_owner *valid, size_t n)
{
	_cleanup_store_ struct ipam_store store = { -1, -1 };
	struct owners o = { valid, n };
	int err;

	if ((err = ipam_store_open(c->data_dir, c->name, &store)) < 0)
		return err;
	return ipam_store_gc(&store, owner_valid, &o);
}

static bool set_exhausted(const struct ipam_range_set *set, const struct ip_addr *ips, size_t n)
{
	uint64_t free_n = 0, used = 0;

	for (size_t i = 0; i < set->n; i++) {
		uint64_t cap = ipam_range_capacity(&set->ranges[i]);

		free_n = cap > UINT64_MAX - free_n ? UINT64_MAX : free_n + cap;
	}
	for (size_t k = 0; k < n; k++) {
		const struct ipam_range *r = ipam_range_set_find(set, &ips[k]);

		if (r && !ip_addr_equal(&ips[k], &r->gateway))
			used++;
	}
	return used >= free_n;
}

int ipam_alloc_status(const struct ipam_hostlocal_conf *c)
{
	_cleanup_store_ struct ipam_store store = { -1, -1 };
	_cleanup_free_ struct ip_addr *ips = NULL;
	size_t n = 0;
	int err;

	if ((err = ipam_store_open(c->data_dir, c->name, &store)) < 0 ||
	    (err = ipam_store_list(&store, &ips, &n)) < 0)
		return err;
	for (size_t i = 0; i < c->n_sets; i++)
		if (set_exhausted(&c->sets[i], ips, n)) {
			_cleanup_free_ char *text = ipam_range_set_format(&c->sets[i]);

			return pt_err_code(-ENOSPC, CNI_ERR_PLUGIN_NOT_AVAILABLE,
					   "plugin not available: no IP addresses available in range set %zu: %s",
					   i, text ? text : "?");
		}
	return 0;
}
