/* pontoon: networks and containers for a person, on a CNI runtime. This
 * file is only the table of commands and the global options; each command
 * lives in a file of its own. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const struct cli_cmd commands[] = {
	{ "network", cmd_network, "create, list, inspect, remove, connect networks" },
	{ "run", cmd_run, "run a command in a new container" },
	{ "ps", cmd_ps, "list containers" },
	{ "exec", cmd_exec, "run a command inside a running container" },
	{ "stop", cmd_stop, "stop containers and release what they had" },
	{ "rm", cmd_rm, "remove containers (-f: stop them first)" },
	{ "inspect", cmd_inspect, "show a container's state" },
	{ "port", cmd_port, "list a container's published ports" },
	{ "gc", cmd_gc, "release what crashed pontoon processes left behind" },
	{ "demo", cmd_demo, "narrated tour in a throwaway namespace" },
	{ "dns-serve", cmd_dns_serve, NULL },	/* started by pontoon itself */
};

static int usage(FILE *out)
{
	fprintf(out, "usage: pontoon [--json] [--cni-path DIRS] COMMAND [OPTIONS]\n\n"
		     "global options:\n"
		     "  --json                 print JSON instead of tables\n"
		     "  --cni-path DIRS        where the CNI plugins are (also $PONTOON_CNI_PATH)\n"
		     "  --version              print the version\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (commands[i].summary)
			fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nState lives under $PONTOON_ROOT (default /). See pontoon(1).\n");
	return out == stdout ? EXIT_OK : EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },    { "cni-path", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },    { "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': cli.json = true; break;
		case 'c': cli.cni_path_opt = optarg; break;
		case 'h': return usage(stdout);
		case 'V': printf("pontoon 0.1.0\n"); return EXIT_OK;
		default:
			return cli_error(EXIT_USAGE, "unknown or incomplete option \"%s\" (see pontoon --help)",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage(stderr);
	r = cli_init_paths();
	if (r != 0)
		return r;
	return cli_dispatch("", commands, ARRAY_SIZE(commands), argc - optind, argv + optind);
}
