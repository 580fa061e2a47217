/* `pontoon exec NAME -- CMD`: runs CMD in the container's network, UTS and
 * mount namespaces; the exit status is CMD's. */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static const struct cli_usage usage = { "exec NAME [--] CMD [ARGS...]", NULL };

int cmd_exec(int argc, char **argv)
{
	_cleanup_json_ json_t *state = NULL;
	int i = 1, r;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		return cli_help(&usage);
	if (argc < 3)
		return cli_usage_error(&usage, "expects a container NAME and a command");
	r = ctr_find(argv[i++], &state);
	if (r != 0)
		return r;
	if (strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return cli_usage_error(&usage, "expects a command after the name");
	if (!ctr_process_alive(state))
		return cli_error(EXIT_NOTFOUND, "container %s is not running", argv[1]);
	r = sandbox_enter((pid_t)json_integer_value(json_object_get(state, "pid")));
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "container %s", argv[1]);
	execvp(argv[i], argv + i);
	return cli_error(127, "cannot run %s: %m", argv[i]);
}
