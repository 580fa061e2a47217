/* `pontoon network ls` and `pontoon network inspect`: one JSON object per
 * network is built once and printed either as a table row or as --json. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"

static const struct cli_usage ls_usage = {
	"network ls [--json]",
	"  --json                 print JSON\n",
};

static const struct cli_usage inspect_usage = {
	"network inspect NAME... [--json]",
	"  --json                 (the default for inspect)\n",
};

/* Containers attached to net, with their interface and addresses. */
static json_t *attached(const char *net, json_t *containers)
{
	json_t *arr = json_array(), *c;
	size_t i;

	json_array_foreach(containers, i, c) {
		json_t *a = ctr_network(c, net);

		if (a)
			json_array_append_new(arr, json_pack("{s:O, s:O, s:O, s:O}", "name",
							     json_object_get(c, "name"), "ifname",
							     json_object_get(a, "ifname"), "ips",
							     json_object_get(a, "ips"), "mac",
							     json_object_get(a, "mac")));
	}
	return arr;
}

static json_t *network_row(const struct cni_conflist *l, json_t *containers, bool full)
{
	struct ip_prefix subnets[8];
	struct ip_addr gws[8];
	size_t ns = net_subnets(l, subnets, ARRAY_SIZE(subnets));
	size_t ng = net_gateways(l, gws, ARRAY_SIZE(gws));
	json_t *row, *sub = json_array(), *gw = json_array(), *plugins = json_array(), *att;
	const char *br = net_bridge_name(l);

	for (size_t i = 0; i < ns; i++) {
		char buf[IP_PREFIX_STRLEN];

		json_array_append_new(sub, json_string(ip_prefix_format(&subnets[i], buf)));
	}
	for (size_t i = 0; i < ng; i++) {
		char buf[IP_ADDR_STRLEN];

		json_array_append_new(gw, json_string(ip_addr_format(&gws[i], buf)));
	}
	for (size_t i = 0; i < l->n_plugins; i++)
		json_array_append_new(plugins, json_string(l->plugins[i].type));
	att = attached(l->name, containers);
	row = json_pack("{s:s, s:s, s:s?, s:o, s:o, s:o, s:I, s:s, s:s}", "name", l->name, "cniVersion",
			l->cni_version, "bridge", br, "subnets", sub, "gateways", gw, "plugins", plugins,
			"containers", (json_int_t)json_array_size(att), "file", l->path ? l->path : "",
			"createdBy", net_is_pontoon(l) ? "pontoon" : "-");
	if (row && full) {
		json_object_set_new(row, "attached", att);
		json_object_set(row, "config", l->json);
	} else {
		json_decref(att);
	}
	return row;
}

static int parse_json_flag(int argc, char **argv, const struct cli_usage *u)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { 0 } };
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'j')
			return cli_usage_error(u, "unknown option \"%s\"", argv[optind - 1]);
		cli.json = true;
	}
	return 0;
}

int cmd_network_ls(int argc, char **argv)
{
	static const char *const keys[] = { "name", "bridge", "subnets", "gateways", "containers", "plugins" };
	static const char *const heads[] = { "NAME", "BRIDGE", "SUBNETS", "GATEWAYS", "CONTAINERS", "PLUGINS" };
	_cleanup_json_ json_t *rows = json_array(), *containers = NULL;
	struct cni_conflist **nets;
	size_t n;
	int r;

	if (cli_wants_help(argc, argv))
		return cli_help(&ls_usage);
	r = parse_json_flag(argc, argv, &ls_usage);
	if (r != 0)
		return r;
	if (optind != argc)
		return cli_usage_error(&ls_usage, "unexpected argument \"%s\"", argv[optind]);
	r = net_load_all(&nets, &n, true);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot read %s", cli.conf_dir);
	r = ctr_load_all(&containers);
	if (r < 0) {
		cni_conflist_free_all(nets, n);
		return cli_lib_error(EXIT_FAIL, r, "cannot read the containers");
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rows, network_row(nets[i], containers, false));
	cni_conflist_free_all(nets, n);
	cli_print_rows(rows, keys, heads, ARRAY_SIZE(keys));
	return EXIT_OK;
}

int cmd_network_inspect(int argc, char **argv)
{
	_cleanup_json_ json_t *out = json_array(), *containers = NULL;
	int r;

	if (cli_wants_help(argc, argv))
		return cli_help(&inspect_usage);
	r = parse_json_flag(argc, argv, &inspect_usage);
	if (r != 0)
		return r;
	if (optind >= argc)
		return cli_usage_error(&inspect_usage, "expects a network NAME");
	r = ctr_load_all(&containers);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot read the containers");
	for (int i = optind; i < argc; i++) {
		struct cni_conflist *l;

		r = net_find(argv[i], &l);
		if (r != 0)
			return r;
		json_array_append_new(out, network_row(l, containers, true));
		cni_conflist_free(l);
	}
	cli_print_json(out);
	return EXIT_OK;
}
