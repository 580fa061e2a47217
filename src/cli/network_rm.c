/* `pontoon network rm` and `prune`: the conflist goes, and with it what the
 * network left on the host once its last container went (the bridge, the
 * IPAM directory). Refused while a container is attached, with its name:
 * pontoon's, or one a libcni runtime (Podman, containerd) cached.
 * Only for networks pontoon created: another runtime's conflist may have
 * attachments pontoon cannot see, which the plugins' GC would free, so rm
 * refuses it, and with --force removes its file and nothing else. */
#include <dirent.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cni/cache.h"
#include "nl/link.h"
#include "nl/nl.h"
#include "util/error.h"

static const struct cli_usage rm_usage = {
	"network rm [--force] NAME...",
	"  -f, --force            also a network pontoon did not create: only its conflist is\n"
	"                         removed (no plugin GC, its bridge and addresses stay for\n"
	"                         the runtime that made it)\n",
};
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

/* An attachment to net a libcni runtime (Podman's CNI backend, containerd)
 * cached, as "container <id> of another runtime (<file>)": pontoon's own
 * networks may be shared with them. false when none. */
static bool libcni_user(const char *net, char *buf, size_t size)
{
	char dir[PATH_MAX + 32];
	struct cni_cache_entry *v = NULL;
	size_t n = 0;

	snprintf(dir, sizeof(dir), "%s/var/lib/cni/results", cli.root);
	if (cni_cache_list(dir, net, &v, &n) < 0)
		n = 0;
	if (n)
		snprintf(buf, size, "container %s of another runtime (%s/%s-%s-%s)", v[0].container_id,
			 dir, net, v[0].container_id, v[0].ifname);
	cni_cache_entries_free(v, n);
	pt_err_clear();
	return n > 0;
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

struct port_search {
	int master;
	char name[IFNAMSIZ];	/* the first port found, "" when none */
};

static int port_cb(const struct nlmsghdr *nlh, void *data)
{
	struct port_search *ps = data;
	const struct nlattr *tb[IFLA_MAX + 1];

	if (nlh->nlmsg_type != RTM_NEWLINK || ps->name[0] ||
	    nl_parse(nlh, sizeof(struct ifinfomsg), NULL, IFLA_MAX, tb) < 0)
		return MNL_CB_OK;
	if (tb[IFLA_MASTER] && mnl_attr_get_payload_len(tb[IFLA_MASTER]) == sizeof(uint32_t) &&
	    (int)mnl_attr_get_u32(tb[IFLA_MASTER]) == ps->master && tb[IFLA_IFNAME])
		snprintf(ps->name, sizeof(ps->name), "%.*s",
			 (int)strnlen(mnl_attr_get_payload(tb[IFLA_IFNAME]),
				      mnl_attr_get_payload_len(tb[IFLA_IFNAME])),
			 (const char *)mnl_attr_get_payload(tb[IFLA_IFNAME]));
	return MNL_CB_OK;
}

/* The name of a link whose master is bridge (ret_port[0] = '\0': none). */
static int bridge_first_port(struct nl_sock *nl, int bridge, char ret_port[IFNAMSIZ])
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl_buf(nl));
	struct port_search ps = { .master = bridge };
	struct ifinfomsg *ifi;
	int r;

	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	/* The kernel filters the dump by master; the callback checks again
	 * for kernels that ignore the filter. */
	nlh = nl_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	nlh = nl_put_u32(nlh, IFLA_MASTER, (uint32_t)bridge);
	if (!nlh)
		return pt_err(-EMSGSIZE, "netlink request does not fit");
	r = nl_dump(nl, nlh, port_cb, &ps);
	if (r < 0)
		return r;
	memcpy(ret_port, ps.name, IFNAMSIZ);
	return 0;
}

/* The bridge, when it has no port left: a port is a link someone else put
 * there (pontoon's own containers are gone by now), which would lose its
 * network with the bridge. */
static void remove_bridge(const struct cni_conflist *l)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;
	const char *br = net_bridge_name(l);
	char port[IFNAMSIZ];
	struct link_info li;

	if (!br || !net_is_pontoon(l) || nl_open(&nl) < 0)
		return;
	if (link_get_by_name(nl, br, &li) >= 0 && strcmp(li.kind, "bridge") == 0) {
		if (bridge_first_port(nl, li.ifindex, port) < 0)
			fprintf(stderr, "pontoon: network %s: bridge %s kept: cannot list its ports: %s\n",
				l->name, br, pt_err_msg());
		else if (port[0])
			fprintf(stderr, "pontoon: network %s: bridge %s kept: %s is still a port of it\n",
				l->name, br, port);
		else
			(void)link_delete(nl, li.ifindex);
	}
	pt_err_clear();
}

/* With no container left, the CNI GC with no valid attachment lets the
 * plugins drop what they keep per network (nft elements, reservations a
 * killed ADD left); its failure does not keep the network. */
static void gc_network(const struct cni_conflist *l)
{
	if (cni_runtime_gc(cli_runtime(), l, NULL, 0, NULL) < 0)
		fprintf(stderr, "pontoon: network %s: GC before removal: %s\n", l->name, pt_err_msg());
	pt_err_clear();
}

/* The conflist; all that goes of another runtime's network (--force). */
static int remove_file(const struct cni_conflist *l)
{
	if (!l->path || unlink(l->path) < 0)
		return cli_error(EXIT_FAIL, "network %s: cannot remove %s: %m", l->name, l->path ? l->path : "(no file)");
	return 0;
}

static int remove_network(const struct cni_conflist *l)
{
	int r;

	gc_network(l);
	r = remove_file(l);
	if (r != 0)
		return r;
	remove_bridge(l);
	remove_ipam_dir(l);
	return 0;
}

static int remove_one(const char *name, json_t *containers, bool force)
{
	char other[PATH_MAX + 400];
	struct cni_conflist *l;
	const char *user;
	int r;

	r = net_find(name, &l);
	if (r != 0)
		return r;
	user = user_of(l->name, containers);
	if (user)
		r = cli_error(EXIT_CONFLICT, "network %s is in use by container %s", l->name, user);
	else if (net_is_pontoon(l) && libcni_user(l->name, other, sizeof(other)))
		r = cli_error(EXIT_CONFLICT, "network %s is in use by %s", l->name, other);
	else if (!net_is_pontoon(l) && !force)
		r = cli_error(EXIT_CONFLICT, "network %s was not created by pontoon (%s): "
			      "another runtime may use it; --force removes only that file",
			      l->name, l->path ? l->path : "no file");
	else
		r = net_is_pontoon(l) ? remove_network(l) : remove_file(l);
	if (r == 0)
		printf("%s\n", l->name);
	cni_conflist_free(l);
	return r;
}

/* Options anywhere before "--": no network name starts with '-'. */
static int parse_rm(int argc, char **argv, bool *force, int *ret_n)
{
	bool opts = true;
	int n = 0;

	for (int i = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0)
			opts = false;
		else if (opts && (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0))
			*force = true;
		else if (opts && argv[i][0] == '-')
			return cli_usage_error(&rm_usage, "unknown option \"%s\"", argv[i]);
		else
			argv[++n] = argv[i];
	}
	if (n == 0)
		return cli_usage_error(&rm_usage, "expects a network NAME");
	*ret_n = n;
	return 0;
}

int cmd_network_rm(int argc, char **argv)
{
	_cleanup_json_ json_t *containers = NULL;
	int lock = -1, r, n = 0;
	bool force = false;

	if (cli_wants_help(argc, argv))
		return cli_help(&rm_usage);
	r = parse_rm(argc, argv, &force, &n);
	if (r != 0)
		return r;
	r = cli_lock(&lock);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot take the state lock");
	r = ctr_load_all(&containers);
	if (r < 0)
		r = cli_lib_error(EXIT_FAIL, r, "cannot read the containers");
	for (int i = 1; i <= n && r == 0; i++)
		r = remove_one(argv[i], containers, force);
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
		r = net_load_all(&nets, &n, false);
	if (r < 0) {
		close(lock);
		return cli_lib_error(EXIT_FAIL, r, "cannot read the state");
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		char other[PATH_MAX + 400];

		if (net_is_pontoon(nets[i]) && !user_of(nets[i]->name, containers) &&
		    !libcni_user(nets[i]->name, other, sizeof(other)) &&
		    (r = remove_network(nets[i])) == 0)
			json_array_append_new(removed, json_string(nets[i]->name));
	}
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
