/* `pontoon ps`: containers, one row each, table or --json from the same
 * objects (the state files, with liveness added). */
#include <string.h>

#include "cli.h"

static const struct cli_usage usage = { "ps [--json]", "  --json                 print JSON\n" };

static json_t *row(json_t *c)
{
	json_t *nets = json_array(), *ips = json_array(), *ports = json_array(), *n, *v;
	bool alive = ctr_process_alive(c) || (ctr_supervisor_alive(c) && !json_object_get(c, "pid"));
	const char *status = json_string_value(json_object_get(c, "status"));
	size_t i, j;

	json_array_foreach(json_object_get(c, "networks"), i, n) {
		json_array_append(nets, json_object_get(n, "name"));
		json_array_foreach(json_object_get(n, "ips"), j, v)
			json_array_append(ips, v);
	}
	json_array_foreach(json_object_get(c, "ports"), i, v) {
		const char *hip = json_string_value(json_object_get(v, "hostIP"));

		json_array_append_new(ports, json_sprintf("%s%s%lld->%lld/%s", hip ? hip : "", hip ? ":" : "",
							  (long long)json_integer_value(json_object_get(v, "hostPort")),
							  (long long)json_integer_value(json_object_get(v, "containerPort")),
							  json_string_value(json_object_get(v, "protocol"))));
	}
	if (json_array_size(nets) == 0)
		json_array_append_new(nets, json_string(json_string_value(json_object_get(c, "netMode"))));
	return json_pack("{s:O, s:O, s:O, s:s, s:O, s:o, s:o, s:o, s:O}", "name", json_object_get(c, "name"),
			 "id", json_object_get(c, "id"), "pid", json_object_get(c, "pid") ? json_object_get(c, "pid") : json_null(),
			 "status", alive ? (status ? status : "running") : "dead", "command", json_object_get(c, "command"),
			 "networks", nets, "ips", ips, "ports", ports, "hostname", json_object_get(c, "hostname"));
}

int cmd_ps(int argc, char **argv)
{
	static const char *const keys[] = { "name", "status", "pid", "networks", "ips", "ports", "command" };
	static const char *const heads[] = { "NAME", "STATUS", "PID", "NETWORKS", "IPS", "PORTS", "COMMAND" };
	_cleanup_json_ json_t *all = NULL, *rows = json_array();
	json_t *c;
	size_t i;
	int r;

	if (cli_wants_help(argc, argv))
		return cli_help(&usage);
	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--json") == 0)
			cli.json = true;
		else
			return cli_usage_error(&usage, "unexpected argument \"%s\"", argv[k]);
	}
	r = ctr_load_all(&all);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot read the containers");
	json_array_foreach(all, i, c)
		json_array_append_new(rows, row(c));
	cli_print_rows(rows, keys, heads, ARRAY_SIZE(keys));
	return EXIT_OK;
}
