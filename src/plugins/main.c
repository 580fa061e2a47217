/* pontoon-cni: the multi-call plugin binary. Installed as links named after
 * the plugin types; "pontoon-cni TYPE" works too. */
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "cni/delegate.h"
#include "plugins.h"

static const struct cni_plugin *const plugins[] = {
	&plugin_bridge,
	&plugin_host_local,
	&plugin_static,
	&plugin_loopback,
	&plugin_portmap,
	&plugin_firewall,
};

const struct cni_plugin *plugin_find(const char *type)
{
	for (size_t i = 0; i < sizeof(plugins) / sizeof(plugins[0]); i++)
		if (strcmp(plugins[i]->type, type) == 0)
			return plugins[i];
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: pontoon-cni TYPE   (or run through a link named TYPE)\n"
			"types:");
	for (size_t i = 0; i < sizeof(plugins) / sizeof(plugins[0]); i++)
		fprintf(stderr, " %s", plugins[i]->type);
	fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
	const char *type = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const struct cni_plugin *p;

	if (strcmp(type, "pontoon-cni") == 0) {
		if (argc < 2) {
			usage();
			return 1;
		}
		type = argv[1];
	}
	p = plugin_find(type);
	if (!p) {
		fprintf(stderr, "pontoon-cni: unknown plugin type \"%s\"\n", type);
		usage();
		return 1;
	}
	cni_delegate_set_lookup(plugin_find);
	return cni_plugin_main(p);
}
