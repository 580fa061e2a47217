/* pontoon: the CLI. For now only --version and help; networks, containers
 * and ports arrive with the CLI issue. */
#include <stdio.h>
#include <string.h>

static int usage(FILE *out)
{
	fprintf(out, "usage: pontoon [--version | --help]\n"
		     "The CNI plugins are in pontoon-cni; the CLI's commands are not built yet.\n");
	return out == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("pontoon 0.1.0\n");
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return usage(stdout);
	return usage(stderr);
}
