/* `pontoon gc`: what a crashed `pontoon run` (kill -9, power loss of
 * /run excepted) left behind is released: containers whose supervisor is
 * dead, then per network the CNI GC (cached attachments no live container
 * owns are DELed, then the plugins' own GC with the valid attachments),
 * namespaces nobody owns, DNS servers nobody needs.
 *
 * The plugins' GC releases every attachment not listed as valid, and pontoon
 * knows only its own containers and what libcni runtimes cached: it runs on
 * the networks pontoon created and never on the other conflists of the conf
 * dir (Podman's, containerd's, a person's), whose runtimes' attachments it
 * would free. On those, only the stale attachments of pontoon's own result
 * cache are DELed: that directory is pontoon's alone, so each was made by a
 * pontoon container. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cni/cache.h"
#include "util/error.h"

static const struct cli_usage usage = { "gc [--json]", "  --json                 print what was released as JSON\n" };

static void release_dead(json_t *all, json_t *done)
{
	json_t *c;
	size_t i;

	json_array_foreach(all, i, c) {
		if (ctr_supervisor_alive(c))
			continue;
		if (ctr_release(c) < 0)
			fprintf(stderr, "pontoon: gc: container %s: %s\n",
				json_string_value(json_object_get(c, "name")), pt_err_msg());
		json_array_append_new(done, json_sprintf("container %s", json_string_value(json_object_get(c, "name"))));
	}
}

/* What runtimes built on libcni (Podman's CNI backend, containerd,
 * cnitool) cached for net in their result cache: attachments of theirs,
 * valid too, since a network pontoon created may be shared with them. */
static int libcni_attachments(const char *net, struct cni_cache_entry **ret, size_t *ret_n)
{
	char dir[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s/var/lib/cni/results", cli.root);
	return cni_cache_list(dir, net, ret, ret_n);
}

/* The attachments to network net of the live containers and of other[]:
 * valid for GC. Every one must be listed, or GC would DEL a live
 * container's. */
static int valid_attachments(json_t *live, const char *net, const struct cni_cache_entry *other,
			     size_t n_other, struct cni_attachment **ret, size_t *ret_n)
{
	struct cni_attachment *v = calloc(json_array_size(live) + n_other + 1, sizeof(*v));
	size_t n = 0, i;
	json_t *c;

	if (!v)
		return -ENOMEM;
	json_array_foreach(live, i, c) {
		json_t *a = ctr_network(c, net);

		if (a)
			v[n++] = (struct cni_attachment){
				json_string_value(json_object_get(c, "id")),
				json_string_value(json_object_get(a, "ifname")) };
	}
	for (i = 0; i < n_other; i++)
		v[n++] = (struct cni_attachment){ other[i].container_id, other[i].ifname };
	*ret = v;
	*ret_n = n;
	return 0;
}

/* A network pontoon created: the whole CNI GC, with the attachments of
 * pontoon's live containers and of libcni runtimes' caches as valid. */
static int gc_own_network(json_t *live, const struct cni_conflist *l, size_t *ret_deleted)
{
	_cleanup_free_ struct cni_attachment *valid = NULL;
	struct cni_cache_entry *other = NULL;
	size_t n_other = 0, nv = 0;
	int r;

	r = libcni_attachments(l->name, &other, &n_other);
	if (r >= 0)
		r = valid_attachments(live, l->name, other, n_other, &valid, &nv);
	if (r >= 0)
		r = cni_runtime_gc(cli_runtime(), l, valid, nv, ret_deleted);
	cni_cache_entries_free(other, n_other);
	return r;
}

/* Another runtime's network: only what pontoon's own cache holds. */
static int gc_foreign_network(json_t *live, const struct cni_conflist *l, size_t *ret_deleted)
{
	_cleanup_free_ struct cni_attachment *valid = NULL;
	size_t nv = 0;
	int r;

	r = valid_attachments(live, l->name, NULL, 0, &valid, &nv);
	if (r >= 0)
		r = cni_runtime_gc_cached(cli_runtime(), l, valid, nv, ret_deleted);
	return r;
}

static void gc_networks(json_t *live, json_t *done)
{
	struct cni_conflist **nets;
	size_t n;

	if (net_load_all(&nets, &n, false) < 0)
		return;
	for (size_t k = 0; k < n; k++) {
		size_t deleted = 0;
		int r = net_is_pontoon(nets[k]) ? gc_own_network(live, nets[k], &deleted)
						: gc_foreign_network(live, nets[k], &deleted);

		if (r < 0)
			fprintf(stderr, "pontoon: gc: network %s: %s\n", nets[k]->name,
				r == -ENOMEM ? "out of memory" : pt_err_msg());
		if (deleted)
			json_array_append_new(done, json_sprintf("network %s: %zu stale attachments", nets[k]->name, deleted));
		(void)dns_stop_unused(nets[k]->name);
	}
	cni_conflist_free_all(nets, n);
}

/* Namespaces under netns/ that no container state names. */
static void gc_netns(json_t *live, json_t *done)
{
	struct dirent *de;
	DIR *d = opendir(cli.netns_dir);

	while (d && (de = readdir(d))) {
		char path[PATH_MAX + 300];
		bool owned = false;
		json_t *c;
		size_t i;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", cli.netns_dir, de->d_name);
		json_array_foreach(live, i, c)
			owned |= json_is_string(json_object_get(c, "netns")) &&
				 strcmp(json_string_value(json_object_get(c, "netns")), path) == 0;
		if (!owned && sandbox_netns_remove(path) >= 0)
			json_array_append_new(done, json_sprintf("netns %s", de->d_name));
	}
	if (d)
		closedir(d);
}

int cmd_gc(int argc, char **argv)
{
	_cleanup_json_ json_t *all = NULL, *live = NULL, *done = json_array();
	int lock = -1, r;

	if (cli_wants_help(argc, argv))
		return cli_help(&usage);
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		cli.json = true;
	else if (argc != 1)
		return cli_usage_error(&usage, "unexpected argument \"%s\"", argv[1]);
	r = cli_lock(&lock);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot take the state lock");
	r = ctr_load_all(&all);
	if (r >= 0) {
		release_dead(all, done);
		r = ctr_load_all(&live);
	}
	if (r >= 0) {
		gc_networks(live, done);
		gc_netns(live, done);
	}
	close(lock);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "gc");
	if (cli.json) {
		cli_print_json(done);
	} else {
		size_t i;
		json_t *v;

		json_array_foreach(done, i, v)
			printf("released %s\n", json_string_value(v));
	}
	return EXIT_OK;
}
