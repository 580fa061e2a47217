/* `pontoon network rm` and `prune`: the conflist goes, and with it what the
 * network left on the host once its last container went (the bridge, the
 * IPAM directory). Refused while a container is attached, with its name. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nl/link.h"
#include "nl/nl.h"
#include "util/error.h"

static const struct cli_usage rm_usage = { "network rm NAME...", NULL };
static const struct cli_usage prune_usage = { "network prune", "  --json                 print the removed names as JSON\n" };

static const char *user_of(const char *net, json_t *containers)
{
	json_t *c;
	size_t i;

	json_array_foreach(containers, i, c)
		if (ctr_network(c, net))
			return json_string_value(json_object_get(c, "name"));
	return NULL;
}

static void remove_ipam_dir(const struct cni_conflist *l)
{
	char dir[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", cli.ipam_dir, l->name);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' || strlen(de->d_name) > 2) {
			char p[PATH_MAX + 600];

			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(dir);
}

/* The bridge, when it has no port left (nothing else uses it). */
static void remove_bridge(const struct cni_conflist *l)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;
	const char *br = net_bridge_name(l);
	struct link_info li;

	if (!br || !net_is_pontoon(l) || nl_open(&nl) < 0)
		return;
	if (link_get_by_name(nl, br, &li) >= 0 && strcmp(li.kind, "bridge") == 0)
		(void)link_delete(nl, li.ifindex);
	pt_err_clear();
}

/* With no container left, the CNI GC with no valid attachment lets the
 * plugins drop what they keep per network (nft elements, reservations a
 * killed ADD left); its failure does not keep the network. */
static void gc_network(const struct cni_conflist *l)
{
	if (cni_runtime_gc(&cli.rt, l, NULL, 0, NULL) < 0)
		fprintf(stderr, "pontoon: network %s: GC before removal: %s\n", l->name, pt_err_msg());
	pt_err_clear();
}

static int remove_network(const struct cni_conflist *l)
{
	gc_network(l);
	if (!l->path || unlink(l->path) < 0)
		return cli_error(EXIT_FAIL, "network %s: cannot remove %s: %m", l->name, l->path ? l->path : "(no file)");
	remove_bridge(l);
	if (*cli.root || net_is_pontoon(l))
		remove_ipam_dir(l);
	return 0;
}

int cmd_network_rm(int argc, char **argv)
{
	_cleanup_json_ json_t *containers = NULL;
	int lock = -1, r = 0;

	if (cli_wants_help(argc, argv))
		return cli_help(&rm_usage);
	if (argc < 2)
		return cli_usage_error(&rm_usage, "expects a network NAME");
	r = cli_lock(&lock);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot take the state lock");
	r = ctr_load_all(&containers);
	if (r < 0)
		r = cli_lib_error(EXIT_FAIL, r, "cannot read the containers");
	for (int i = 1; i < argc && r == 0; i++) {
		struct cni_conflist *l;
		const char *user;

		r = net_find(argv[i], &l);
		if (r != 0)
			break;
		user = user_of(l->name, containers);
		if (user)
			r = cli_error(EXIT_CONFLICT, "network %s is in use by container %s", l->name, user);
		else if ((r = remove_network(l)) == 0)
			printf("%s\n", l->name);
		cni_conflist_free(l);
	}
	close(lock);
	return r;
}

int cmd_network_prune(int argc, char **argv)
{
	_cleanup_json_ json_t *containers = NULL, *removed = json_array();
	struct cni_conflist **nets;
	int lock = -1, r;
	size_t n;

	if (cli_wants_help(argc, argv))
		return cli_help(&prune_usage);
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		cli.json = true;
	else if (argc != 1)
		return cli_usage_error(&prune_usage, "unexpected argument \"%s\"", argv[1]);
	r = cli_lock(&lock);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot take the state lock");
	r = ctr_load_all(&containers);
	if (r >= 0)
		r = net_load_all(&nets, &n);
	if (r < 0) {
		close(lock);
		return cli_lib_error(EXIT_FAIL, r, "cannot read the state");
	}
	for (size_t i = 0; i < n && r == 0; i++)
		if (net_is_pontoon(nets[i]) && !user_of(nets[i]->name, containers) &&
		    (r = remove_network(nets[i])) == 0)
			json_array_append_new(removed, json_string(nets[i]->name));
	cni_conflist_free_all(nets, n);
	close(lock);
	if (cli.json) {
		cli_print_json(removed);
	} else {
		size_t i;
		json_t *v;

		json_array_foreach(removed, i, v)
			printf("%s\n", json_string_value(v));
	}
	return r;
}
