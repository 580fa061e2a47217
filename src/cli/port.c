/* `pontoon port NAME`: the ports a container publishes. */
#include <string.h>

#include "cli.h"

static const struct cli_usage usage = { "port NAME [--json]", "  --json                 print JSON\n" };

int cmd_port(int argc, char **argv)
{
	static const char *const keys[] = { "containerPort", "protocol", "hostIP", "hostPort" };
	static const char *const heads[] = { "CONTAINER-PORT", "PROTO", "HOST-IP", "HOST-PORT" };
	_cleanup_json_ json_t *state = NULL, *rows = json_array();
	const char *name = NULL;
	json_t *m;
	size_t i;
	int r;

	if (cli_wants_help(argc, argv))
		return cli_help(&usage);
	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--json") == 0)
			cli.json = true;
		else if (!name)
			name = argv[k];
		else
			return cli_usage_error(&usage, "unexpected argument \"%s\"", argv[k]);
	}
	if (!name)
		return cli_usage_error(&usage, "expects a container NAME");
	r = ctr_find(name, &state);
	if (r != 0)
		return r;
	json_array_foreach(json_object_get(state, "ports"), i, m) {
		json_t *row = json_deep_copy(m);

		if (!json_object_get(row, "hostIP"))
			json_object_set_new(row, "hostIP", json_string("0.0.0.0"));
		json_array_append_new(rows, row);
	}
	cli_print_rows(rows, keys, heads, ARRAY_SIZE(keys));
	return EXIT_OK;
}
