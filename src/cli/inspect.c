/* `pontoon inspect NAME...` and `pontoon port NAME`: a container's state as
 * JSON (with its liveness), and its published ports as a table or JSON. */
#include <string.h>

#include "cli.h"

static const struct cli_usage inspect_usage = { "inspect NAME...", NULL };

int cmd_inspect(int argc, char **argv)
{
	_cleanup_json_ json_t *out = json_array();

	if (cli_wants_help(argc, argv))
		return cli_help(&inspect_usage);
	if (argc < 2)
		return cli_usage_error(&inspect_usage, "expects a container NAME");
	for (int i = 1; i < argc; i++) {
		json_t *state;
		int r = ctr_find(argv[i], &state);

		if (r != 0)
			return r;
		json_object_set_new(state, "running", json_boolean(ctr_process_alive(state)));
		json_object_set_new(state, "supervisorRunning", json_boolean(ctr_supervisor_alive(state)));
		json_array_append_new(out, state);
	}
	cli_print_json(out);
	return EXIT_OK;
}
