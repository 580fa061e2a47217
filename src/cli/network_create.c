/* `pontoon network create`: writes an ordinary CNI conflist — bridge with
 * host-local IPAM, portmap when the plugin is there (the portMappings
 * capability `run -p` uses), firewall when it is there — into the conf dir.
 * Subnets not given are taken from a pool (10.88.0.0/16 and fd88::/48 in
 * /24 and /64 steps) so they never overlap a route of this host or another
 * network; given ones are checked the same way. Nothing is written until
 * every check passed. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cni/env.h"
#include "nl/link.h"
#include "nl/nl.h"
#include "nl/route.h"
#include "util/error.h"

static const struct cli_usage usage = {
	"network create NAME [OPTIONS]",
	"  --subnet CIDR          subnet (repeat for dual stack); default: picked from a pool\n"
	"  --gateway IP           gateway address (default: the subnet's first)\n"
	"  --ip-range CIDR        allocate container addresses from this part of the subnet\n"
	"  --ipv6                 also an IPv6 subnet (picked from fd88::/48 unless given)\n"
	"  --internal             no route out and no masquerade\n"
	"  --no-masquerade        containers leave with their own addresses\n"
	"  --mtu N                MTU of the bridge and the container interfaces\n"
	"  --isolate POLICY       open, same-bridge (default) or isolated (firewall plugin)\n"
	"  --host-access WHAT     all (default) or gateway: the host's addresses containers reach\n"
	"  --block CIDR           drop traffic to CIDR, e.g. 169.254.169.254/32 (repeatable)\n"
	"  --bridge NAME          bridge name (default: pontoonN)\n",
};

struct create_opts {
	const char *name;
	struct ip_prefix subnets[4];
	size_t n_subnets;
	const char *gateway;
	const char *ip_range;
	bool ipv6, internal, no_masq;
	long mtu;
	const char *isolate;
	const char *host_access;
	const char *blocked[64];
	size_t n_blocked;
	const char *bridge;
};

/* What already takes address space: the host's routes and other networks. */
struct taken {
	struct ip_prefix *p;
	char (*what)[96];
	size_t n;
};

static void taken_add(struct taken *t, const struct ip_prefix *p, const char *fmt, const char *arg)
{
	struct ip_prefix *np = realloc(t->p, (t->n + 1) * sizeof(*np));
	char (*nw)[96];

	if (!np)
		return;
	t->p = np;
	nw = realloc(t->what, (t->n + 1) * sizeof(*nw));
	if (!nw)
		return;
	t->what = nw;
	t->p[t->n] = *p;
	snprintf(t->what[t->n], sizeof(t->what[0]), fmt, arg);
	t->n++;
}

static int taken_routes(struct taken *t, int family)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;
	_cleanup_free_ struct route *routes = NULL;
	size_t n = 0;
	int r;

	r = nl_open(&nl);
	if (r >= 0)
		r = route_list(nl, family, 0, &routes, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct link_info li = { 0 };
		char buf[IP_PREFIX_STRLEN], what[96];

		/* A default route overlaps everything and says nothing. */
		if (routes[i].dst.len == 0)
			continue;
		if (routes[i].ifindex)
			(void)link_get_by_index(nl, routes[i].ifindex, &li);
		snprintf(what, sizeof(what), "the route %s%s%s", ip_prefix_format(&routes[i].dst, buf),
			 li.name[0] ? " dev " : "", li.name);
		taken_add(t, &routes[i].dst, "%s", what);
	}
	pt_err_clear();
	return 0;
}

static void taken_networks(struct taken *t, struct cni_conflist **nets, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ip_prefix p[8];
		size_t m = net_subnets(nets[i], p, ARRAY_SIZE(p));

		for (size_t j = 0; j < m; j++)
			taken_add(t, &p[j], "network %s", nets[i]->name);
	}
}

static const char *overlap(const struct taken *t, const struct ip_prefix *p)
{
	for (size_t i = 0; i < t->n; i++)
		if (ip_prefix_overlaps(&t->p[i], p))
			return t->what[i];
	return NULL;
}

static int pick_subnet(const struct taken *t, int family, struct ip_prefix *ret)
{
	struct ip_prefix p = { .len = family == AF_INET ? 24 : 64 };

	for (unsigned i = 0; i < 256; i++) {
		if (family == AF_INET)
			ip_prefix_parse("10.88.0.0/24", &p);
		else
			ip_prefix_parse("fd88::/64", &p);
		/* 10.88.i.0/24 or fd88:0:0:i::/64 */
		if (family == AF_INET)
			p.addr.bytes[2] = i;
		else
			p.addr.bytes[7] = i;
		if (!overlap(t, &p)) {
			*ret = p;
			return 0;
		}
	}
	return -ENOSPC;
}

static bool has_family(const struct create_opts *o, int family)
{
	for (size_t i = 0; i < o->n_subnets; i++)
		if (o->subnets[i].addr.family == family)
			return true;
	return false;
}

static int check_subnets(struct create_opts *o, const struct taken *t)
{
	for (size_t i = 0; i < o->n_subnets; i++) {
		const char *what = overlap(t, &o->subnets[i]);
		char buf[IP_PREFIX_STRLEN];

		if (what)
			return cli_error(EXIT_CONFLICT, "subnet %s overlaps %s",
					 ip_prefix_format(&o->subnets[i], buf), what);
	}
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET;

		if ((family == AF_INET && !has_family(o, AF_INET) && !(o->ipv6 && has_family(o, AF_INET6))) ||
		    (family == AF_INET6 && o->ipv6 && !has_family(o, AF_INET6))) {
			if (pick_subnet(t, family, &o->subnets[o->n_subnets]) < 0)
				return cli_error(EXIT_CONFLICT, "no free %s subnet left in the pool",
						 family == AF_INET ? "10.88.0.0/16" : "fd88::/48");
			o->n_subnets++;
		}
	}
	return 0;
}

/* The addresses --ip-range ir gives inside subnet (network address
 * clean): its first and last, less the subnet's network address and, for
 * IPv4, its broadcast address, which host-local would hand out when
 * rangeStart or rangeEnd names them. false when nothing is left. */
static bool ip_range_limits(const struct ip_prefix *clean, const struct ip_prefix *ir,
			    struct ip_addr *ret_first, struct ip_addr *ret_last)
{
	struct ip_addr first, last, end;

	ip_prefix_network(ir, &first);
	ip_prefix_last(ir, &last);
	ip_prefix_last(clean, &end);
	if (ip_addr_equal(&first, &clean->addr))
		ip_addr_add(&first, 1, &first);
	if (clean->addr.family == AF_INET && ip_addr_equal(&last, &end))
		ip_addr_add(&last, -1, &last);
	if (ip_addr_cmp(&first, &last) > 0)
		return false;
	*ret_first = first;
	*ret_last = last;
	return true;
}

/* The range of subnet s: gateway and the --ip-range limits where they fit. */
static int range_json(const struct create_opts *o, const struct ip_prefix *s, json_t **ret)
{
	char buf[IP_PREFIX_STRLEN], net[IP_PREFIX_STRLEN];
	struct ip_prefix clean = *s;
	json_t *range;

	ip_prefix_network(s, &clean.addr);
	range = json_pack("{s:s}", "subnet", ip_prefix_format(&clean, net));
	if (!range)
		return -ENOMEM;
	if (o->gateway) {
		struct ip_addr g;

		if (ip_addr_parse(o->gateway, &g) < 0)
			return json_decref(range), cli_error(EXIT_USAGE, "--gateway: not an IP address: \"%s\"", o->gateway);
		if (g.family == s->addr.family) {
			if (!ip_prefix_contains(&clean, &g))
				return json_decref(range),
				       cli_error(EXIT_USAGE, "--gateway %s: not inside subnet %s", o->gateway, net);
			json_object_set_new(range, "gateway", json_string(o->gateway));
		}
	}
	if (o->ip_range) {
		struct ip_prefix ir;
		struct ip_addr first, last;

		if (ip_prefix_parse(o->ip_range, &ir) < 0)
			return json_decref(range), cli_error(EXIT_USAGE, "--ip-range: not a CIDR: \"%s\"", o->ip_range);
		if (ir.addr.family == s->addr.family) {
			ip_prefix_network(&ir, &first);
			ip_prefix_last(&ir, &last);
			if (!ip_prefix_contains(&clean, &first) || !ip_prefix_contains(&clean, &last))
				return json_decref(range),
				       cli_error(EXIT_USAGE, "--ip-range %s: not inside subnet %s", o->ip_range, net);
			if (!ip_range_limits(&clean, &ir, &first, &last))
				return json_decref(range),
				       cli_error(EXIT_USAGE, "--ip-range %s: only the network or broadcast address of subnet %s",
						 o->ip_range, net);
			json_object_set_new(range, "rangeStart", json_string(ip_addr_format(&first, buf)));
			json_object_set_new(range, "rangeEnd", json_string(ip_addr_format(&last, buf)));
		}
	}
	*ret = range;
	return 0;
}

static int ipam_json(const struct create_opts *o, json_t **ret)
{
	_cleanup_json_ json_t *ipam = json_pack("{s:s, s:[], s:[]}", "type", "host-local", "ranges", "routes");
	int r;

	if (!ipam)
		return -ENOMEM;
	for (size_t i = 0; i < o->n_subnets; i++) {
		json_t *range = NULL;

		r = range_json(o, &o->subnets[i], &range);
		if (r != 0)
			return r;
		json_array_append_new(json_object_get(ipam, "ranges"), json_pack("[o]", range));
		if (!o->internal)
			json_array_append_new(json_object_get(ipam, "routes"),
					      json_pack("{s:s}", "dst", o->subnets[i].addr.family == AF_INET
									   ? "0.0.0.0/0" : "::/0"));
	}
	if (*cli.root)
		json_object_set_new(ipam, "dataDir", json_string(cli.ipam_dir));
	*ret = TAKE_PTR(ipam);
	return 0;
}

/* The lowest pontoonN no network and no link of this host uses. */
static int pick_bridge(struct cni_conflist **nets, size_t n, char *buf, size_t size)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;

	if (nl_open(&nl) < 0)
		return -EIO;
	for (int i = 0; i < 1000; i++) {
		struct link_info li;
		bool used = false;

		snprintf(buf, size, "pontoon%d", i);
		for (size_t j = 0; j < n && !used; j++)
			used = net_bridge_name(nets[j]) && strcmp(net_bridge_name(nets[j]), buf) == 0;
		if (!used && link_get_by_name(nl, buf, &li) == -ENODEV) {
			pt_err_clear();
			return 0;
		}
	}
	return -ENOSPC;
}

static int check_bridge(const struct create_opts *o, struct cni_conflist **nets, size_t n)
{
	if (!cni_valid_ifname(o->bridge))
		return cli_error(EXIT_USAGE, "--bridge: not a valid interface name: \"%s\"", o->bridge);
	for (size_t j = 0; j < n; j++)
		if (net_bridge_name(nets[j]) && strcmp(net_bridge_name(nets[j]), o->bridge) == 0)
			return cli_error(EXIT_CONFLICT, "bridge %s is already used by network %s", o->bridge,
					 nets[j]->name);
	return 0;
}

/* The firewall plugin's entry; hostAccess and blockedDestinations only
 * when asked for, so other runtimes' firewall plugins read the rest. */
static json_t *firewall_json(const struct create_opts *o)
{
	json_t *fw = json_pack("{s:s, s:s}", "type", "firewall", "ingressPolicy",
			       o->isolate ? o->isolate : "same-bridge");
	json_t *blocked = json_array();

	if (fw && o->host_access)
		json_object_set_new(fw, "hostAccess", json_string(o->host_access));
	for (size_t i = 0; blocked && i < o->n_blocked; i++)
		json_array_append_new(blocked, json_string(o->blocked[i]));
	if (fw && json_array_size(blocked))
		json_object_set(fw, "blockedDestinations", blocked);
	json_decref(blocked);
	return fw;
}

static int build_conflist(const struct create_opts *o, bool firewall, bool portmap, json_t **ret)
{
	_cleanup_json_ json_t *l = NULL;
	json_t *bridge, *ipam = NULL, *plugins;
	int r;

	r = ipam_json(o, &ipam);
	if (r != 0)
		return r;
	bridge = json_pack("{s:s, s:s, s:b, s:b, s:b, s:{s:b, s:b}, s:o}", "type", "bridge", "bridge",
			   o->bridge, "isGateway", true, "ipMasq", !o->internal && !o->no_masq,
			   "hairpinMode", true, "capabilities", "ips", true, "mac", true, "ipam", ipam);
	if (bridge && o->mtu)
		json_object_set_new(bridge, "mtu", json_integer(o->mtu));
	plugins = json_pack("[o]", bridge);
	if (portmap)
		json_array_append_new(plugins, json_pack("{s:s, s:{s:b}, s:b}", "type", "portmap",
							 "capabilities", "portMappings", true, "snat", true));
	if (firewall)
		json_array_append_new(plugins, firewall_json(o));
	/* 1.0.0 and no "cniVersions": a runtime that would pick 1.1.0 from
	 * that list fails with plugins that predate it (Debian's 1.1.1). */
	l = json_pack("{s:s, s:s, s:{s:b, s:s, s:b}, s:o}", "cniVersion", "1.0.0", "name", o->name, "pontoon", "internal", o->internal, "isolate",
		      firewall ? (o->isolate ? o->isolate : "same-bridge") : "open", "dns", true,
		      "plugins", plugins);
	if (!l)
		return -ENOMEM;
	*ret = TAKE_PTR(l);
	return 0;
}

/* Writes doc as the new file path, never over one that exists, whatever
 * it holds (another network, a file that does not parse, one a concurrent
 * create or another tool just wrote): a complete temporary file is linked
 * to path, which fails with EEXIST instead of replacing it. */
static int write_new_conflist(const char *path, json_t *doc)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r = 0;

	if (asprintf(&tmp, "%s.tmp.%d", path, getpid()) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return pt_err(-errno, "cannot write %s: %m", tmp);
	errno = 0;
	if (json_dumpfd(doc, fd, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || write(fd, "\n", 1) != 1)
		r = errno ? -errno : -EIO;
	if (r >= 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0 || link(tmp, path) < 0))
		r = -errno;
	unlink(tmp);
	if (r == -EEXIST)
		return pt_err(r, "%s already exists", path);
	return r < 0 ? pt_err(r, "cannot write %s: %s", path, strerror(-r)) : 0;
}

static int parse_opts(int argc, char **argv, struct create_opts *o)
{
	static const struct option opts[] = {
		{ "subnet", required_argument, NULL, 's' }, { "gateway", required_argument, NULL, 'g' },
		{ "ip-range", required_argument, NULL, 'r' }, { "ipv6", no_argument, NULL, '6' },
		{ "internal", no_argument, NULL, 'i' }, { "no-masquerade", no_argument, NULL, 'M' },
		{ "mtu", required_argument, NULL, 'm' }, { "isolate", required_argument, NULL, 'I' },
		{ "bridge", required_argument, NULL, 'b' }, { "json", no_argument, NULL, 'j' },
		{ "host-access", required_argument, NULL, 'H' }, { "block", required_argument, NULL, 'B' },
		{ 0 },
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 's':
			if (o->n_subnets >= 2 || ip_prefix_parse(optarg, &o->subnets[o->n_subnets]) < 0)
				return cli_usage_error(&usage, "--subnet: not a CIDR (or more than two): \"%s\"", optarg);
			o->n_subnets++;
			break;
		case 'g': o->gateway = optarg; break;
		case 'r': o->ip_range = optarg; break;
		case '6': o->ipv6 = true; break;
		case 'i': o->internal = true; break;
		case 'M': o->no_masq = true; break;
		case 'j': cli.json = true; break;
		case 'm':
			o->mtu = strtol(optarg, &end, 10);
			if (*end || o->mtu < 68 || o->mtu > 65535)
				return cli_usage_error(&usage, "--mtu: must be 68..65535, got \"%s\"", optarg);
			break;
		case 'I':
			if (strcmp(optarg, "open") && strcmp(optarg, "same-bridge") && strcmp(optarg, "isolated"))
				return cli_usage_error(&usage, "--isolate: must be open, same-bridge or isolated, got \"%s\"", optarg);
			o->isolate = optarg;
			break;
		case 'b': o->bridge = optarg; break;
		case 'H':
			if (strcmp(optarg, "all") && strcmp(optarg, "gateway"))
				return cli_usage_error(&usage, "--host-access: must be all or gateway, got \"%s\"", optarg);
			o->host_access = optarg;
			break;
		case 'B': {
			struct ip_prefix p;

			if (ip_prefix_parse(optarg, &p) < 0)
				return cli_usage_error(&usage, "--block: not a CIDR: \"%s\"", optarg);
			if (o->n_blocked == ARRAY_SIZE(o->blocked))
				return cli_usage_error(&usage, "--block: at most %zu ranges", ARRAY_SIZE(o->blocked));
			o->blocked[o->n_blocked++] = optarg;
			break;
		}
		default:
			return cli_usage_error(&usage, "unknown or incomplete option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(&usage, "expects exactly one NAME");
	o->name = argv[optind];
	/* 64 at most: "network/container id/ifname" must fit an nft comment
	 * (NFT_COMMENT_MAX, 250 bytes) with the CLI's 32-byte ids and any
	 * interface name, or every run would fail; 64 leaves room to spare. */
	if (!cni_valid_id(o->name) || strlen(o->name) > 64)
		return cli_usage_error(&usage, "network name \"%s\" must match [a-zA-Z0-9][a-zA-Z0-9_.-]* "
				       "(64 at most)", o->name);
	return 0;
}

static int create(struct create_opts *o)
{
	struct cni_conflist **nets = NULL;
	_cleanup_json_ json_t *doc = NULL;
	struct taken t = { 0 };
	char bridge[16], path[PATH_MAX + 300];
	bool firewall, portmap;
	size_t n = 0;
	int r;

	r = net_load_all(&nets, &n, false);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot read %s", cli.conf_dir);
	snprintf(path, sizeof(path), "%s/%s.conflist", cli.conf_dir, o->name);
	for (size_t i = 0; i < n && r >= 0; i++)
		if (strcmp(nets[i]->name, o->name) == 0)
			r = cli_error(EXIT_CONFLICT, "network %s already exists (%s)", o->name, nets[i]->path);
	/* The file may hold another network or one that does not load. */
	if (r == 0 && access(path, F_OK) == 0)
		r = cli_error(EXIT_CONFLICT, "network %s: %s already exists", o->name, path);
	if (r == 0) {
		r = taken_routes(&t, AF_INET);
		if (r >= 0)
			r = taken_routes(&t, AF_INET6);
		if (r < 0)
			r = cli_lib_error(EXIT_FAIL, r, "cannot read the routes of this host");
		else
			taken_networks(&t, nets, n);
	}
	if (r == 0)
		r = check_subnets(o, &t);
	if (r == 0 && o->bridge)
		r = check_bridge(o, nets, n);
	else if (r == 0 && pick_bridge(nets, n, bridge, sizeof(bridge)) == 0)
		o->bridge = bridge;
	else if (r == 0)
		r = cli_error(EXIT_CONFLICT, "no free bridge name pontoon0..pontoon999");
	firewall = r == 0 && cni_plugin_available("firewall");
	portmap = r == 0 && cni_plugin_available("portmap");
	if (r == 0 && (o->isolate || o->host_access || o->n_blocked) && !firewall)
		r = cli_error(EXIT_FAIL, "--isolate, --host-access and --block need the firewall plugin, "
			      "which is not in %s", cli_cni_path());
	if (r == 0 && (r = build_conflist(o, firewall, portmap, &doc)) < 0)
		r = cli_lib_error(EXIT_FAIL, r, "network %s", o->name);
	if (r == 0 && (r = mkdir_p(cli.conf_dir, 0755)) < 0)
		r = cli_lib_error(EXIT_FAIL, r, "network %s", o->name);
	if (r == 0) {
		r = write_new_conflist(path, doc);
		if (r == -EEXIST)
			r = cli_lib_error(EXIT_CONFLICT, r, "network %s", o->name);
		else if (r < 0)
			r = cli_lib_error(EXIT_FAIL, r, "network %s", o->name);
	}
	if (r == 0 && cli.json)
		cli_print_json(doc);
	else if (r == 0)
		printf("%s\n", o->name);
	free(t.p);
	free(t.what);
	cni_conflist_free_all(nets, n);
	return r;
}

int cmd_network_create(int argc, char **argv)
{
	struct create_opts o = { 0 };
	int lock = -1, r;

	if (cli_wants_help(argc, argv))
		return cli_help(&usage);
	r = parse_opts(argc, argv, &o);
	if (r != 0)
		return r;
	r = cli_lock(&lock);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot take the state lock");
	r = create(&o);
	close(lock);
	return r;
}
