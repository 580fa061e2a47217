/* `pontoon network ...`: the table of network subcommands. */
#include "cli.h"

static const struct cli_cmd network_cmds[] = {
	{ "create", cmd_network_create, "make a network (a CNI conflist: bridge, IPAM, ports, firewall)" },
	{ "ls", cmd_network_ls, "list networks" },
	{ "inspect", cmd_network_inspect, "show a network: config, ranges, containers" },
	{ "rm", cmd_network_rm, "remove networks (refused while containers use them)" },
	{ "prune", cmd_network_prune, "remove every unused network pontoon made" },
	{ "connect", cmd_network_connect, "attach a running container to a network" },
	{ "disconnect", cmd_network_disconnect, "detach a container from a network" },
};

int cmd_network(int argc, char **argv)
{
	return cli_dispatch("network ", network_cmds, ARRAY_SIZE(network_cmds), argc - 1, argv + 1);
}
