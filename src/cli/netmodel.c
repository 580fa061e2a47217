/* Networks as pontoon sees them: the conflists of the conf dir. A network
 * made by `pontoon network create` is an ordinary conflist (bridge with
 * host-local, portmap, firewall) plus a "pontoon" key CNI ignores; any other
 * conflist in the directory is usable too, read through the same helpers.
 * Also here: where the plugins are (CNI_PATH) and whether one is there. */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cni/delegate.h"
#include "plugins.h"
#include "util/error.h"

#ifndef PONTOON_CNI_DIR
#define PONTOON_CNI_DIR "/usr/local/libexec/pontoon/cni"
#endif

/* The types pontoon-cni may contain; a link per type is made for the build
 * tree's binary, and cni_plugin_available() asks which really answer. */
static const char *const plugin_types[] = {
	"bridge", "host-local", "static", "loopback", "portmap", "firewall", "bandwidth", "tuning",
};

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Points link at target, never leaving a moment when link is missing:
 * another pontoon may be looking its plugin up in this directory now
 * (without the state lock: even `ps` comes here). A link that is right
 * already stays; else a new one is renamed over it. */
static int plugin_link(const char *target, const char *link)
{
	char cur[PATH_MAX], tmp[PATH_MAX + 96];
	ssize_t n = readlink(link, cur, sizeof(cur) - 1);

	if (n > 0 && (size_t)n == strlen(target) && memcmp(cur, target, (size_t)n) == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", link, (int)getpid());
	unlink(tmp);
	if (symlink(target, tmp) < 0)
		return -errno;
	if (rename(tmp, link) < 0) {
		int r = -errno;

		unlink(tmp);
		return r;
	}
	return 0;
}

/* Running from a build tree (build/src/cli/pontoon): a directory of links
 * to build/src/plugins/pontoon-cni under the run dir, so `pontoon demo`
 * works before `meson install`. */
static bool build_tree_path(char *buf, size_t size)
{
	char exe[PATH_MAX], bin[PATH_MAX + 64], dir[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	snprintf(bin, sizeof(bin), "%s/../plugins/pontoon-cni", dirname(exe));
	if (!file_exists(bin) || !realpath(bin, exe))
		return false;
	snprintf(dir, sizeof(dir), "%s/cni-bin", cli.run_dir);
	if (mkdir_p_private(cli.run_dir, dir) < 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(plugin_types); i++) {
		char link[PATH_MAX + 64];

		snprintf(link, sizeof(link), "%s/%s", dir, plugin_types[i]);
		if (plugin_link(exe, link) < 0)
			return false;
	}
	snprintf(buf, size, "%s", dir);
	return true;
}

/* The plugins linked into this program (the same objects as pontoon-cni's). */
static const struct cni_plugin *inproc_lookup(const char *type)
{
	static const struct cni_plugin *const linked[] = {
		&plugin_bridge, &plugin_host_local, &plugin_static,
		&plugin_loopback, &plugin_portmap, &plugin_firewall,
	};

	for (size_t i = 0; i < ARRAY_SIZE(linked); i++)
		if (strcmp(linked[i]->type, type) == 0)
			return linked[i];
	return NULL;
}

/* The pontoon-cni built with this pontoon: the build tree's beside it, or
 * the installed one. A plugin that CNI_PATH resolves to that very file
 * (same inode) runs in this process (cni/runtime.h). */
static void init_cni_self(void)
{
	char exe[PATH_MAX], bin[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cli.cni_self[0] = '\0';
	if (n > 0) {
		exe[n] = '\0';
		snprintf(bin, sizeof(bin), "%s/../plugins/pontoon-cni", dirname(exe));
		if (file_exists(bin))
			snprintf(cli.cni_self, sizeof(cli.cni_self), "%s", bin);
	}
	if (!cli.cni_self[0] && file_exists(PONTOON_CNI_DIR "/pontoon-cni"))
		snprintf(cli.cni_self, sizeof(cli.cni_self), "%s", PONTOON_CNI_DIR "/pontoon-cni");
	cli.rt.inproc_binary = cli.cni_self[0] ? cli.cni_self : NULL;
	cli.rt.inproc_lookup = inproc_lookup;
	/* plugin-to-plugin calls (bridge's IPAM) stay in-process too */
	if (!getenv("PONTOON_NO_INPROC") && !getenv("PONTOON_TEST_KILL_AT")) {
		cni_delegate_set_lookup(inproc_lookup);
		cni_delegate_set_self(cli.rt.inproc_binary);
	}
}

static void init_cni_path(void)
{
	const char *p = cli.cni_path_opt ? cli.cni_path_opt : getenv("PONTOON_CNI_PATH");

	init_cni_self();

	if (p && *p) {
		snprintf(cli.cni_path, sizeof(cli.cni_path), "%s", p);
		return;
	}
	if (file_exists(PONTOON_CNI_DIR "/bridge") ||
	    !build_tree_path(cli.cni_path, sizeof(cli.cni_path)))
		snprintf(cli.cni_path, sizeof(cli.cni_path), "%s", PONTOON_CNI_DIR);
}

struct cni_runtime *cli_runtime(void)
{
	if (!cli.cni_path[0])
		init_cni_path();
	return &cli.rt;
}

const char *cli_cni_path(void)
{
	return cli_runtime()->cni_path;
}

bool cni_plugin_available(const char *type)
{
	char path[PATH_MAX], *argv[] = { path, NULL };
	char *envp[] = { "CNI_COMMAND=VERSION", NULL };
	posix_spawn_file_actions_t fa;
	int status = -1, in[2];
	pid_t pid;

	if (cni_find_plugin(type, cli_cni_path(), path, sizeof(path)) < 0) {
		pt_err_clear();
		return false;
	}
	/* VERSION with a config on stdin, quietly: a multi-call binary that
	 * lacks the type says so on stderr. */
	if (pipe2(in, O_CLOEXEC) < 0 || posix_spawn_file_actions_init(&fa) != 0)
		return false;
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, path, &fa, NULL, argv, envp) == 0) {
		(void)!write(in[1], "{\"cniVersion\":\"1.0.0\"}", 22);
		close(in[1]);
		in[1] = -1;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	return status == 0;
}

/* " (2 files in DIR cannot be read; the first: ...)", or "" */
static const char *unread_note(const struct cni_conflist_unread *u, char *buf, size_t size)
{
	buf[0] = '\0';
	if (u->n)
		snprintf(buf, size, " (%zu file%s in %s cannot be read; the first: %s)", u->n,
			 u->n == 1 ? "" : "s", cli.conf_dir, u->first);
	return buf;
}

int net_load_all(struct cni_conflist ***ret, size_t *ret_n, bool warn_unread)
{
	struct cni_conflist_unread unread = { 0 };
	char note[sizeof(unread.first) + PATH_MAX + 64];
	int r = cni_conflist_load_dir(cli.conf_dir, ret, ret_n, &unread);

	/* A broken file is left out, not fatal, but a listing says so. */
	if (r >= 0 && unread.n && warn_unread)
		fprintf(stderr, "pontoon: warning: networks left out%s\n",
			unread_note(&unread, note, sizeof(note)));
	return r;
}

int net_find(const char *name, struct cni_conflist **ret)
{
	struct cni_conflist_unread unread = { 0 };
	char note[sizeof(unread.first) + PATH_MAX + 64];
	int r = cni_conflist_find(cli.conf_dir, name, ret, &unread);

	if (r == -ENOENT)
		return cli_error(EXIT_NOTFOUND, "no such network: %s%s", name,
				 unread_note(&unread, note, sizeof(note)));
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "network %s", name);
	return 0;
}

json_t *net_bridge_conf(const struct cni_conflist *l)
{
	for (size_t i = 0; i < l->n_plugins; i++)
		if (strcmp(l->plugins[i].type, "bridge") == 0)
			return l->plugins[i].json;
	return NULL;
}

const char *net_bridge_name(const struct cni_conflist *l)
{
	json_t *b = net_bridge_conf(l);
	json_t *name = json_object_get(b, "bridge");

	if (!b)
		return NULL;
	return json_is_string(name) ? json_string_value(name) : "cni0";
}

/* The IPAM object of the list's first plugin that has one. */
static json_t *net_ipam(const struct cni_conflist *l)
{
	for (size_t i = 0; i < l->n_plugins; i++) {
		json_t *ipam = json_object_get(l->plugins[i].json, "ipam");

		if (json_is_object(ipam))
			return ipam;
	}
	return NULL;
}

/* Calls fn for every range object of the IPAM config (ranges[][] and the
 * legacy top-level subnet/gateway, which is a range itself). */
static void for_each_range(const struct cni_conflist *l, void (*fn)(json_t *range, void *arg),
			   void *arg)
{
	json_t *ipam = net_ipam(l), *set, *range;
	size_t i, j;

	if (!ipam)
		return;
	if (json_is_string(json_object_get(ipam, "subnet")))
		fn(ipam, arg);
	json_array_foreach(json_object_get(ipam, "ranges"), i, set)
		json_array_foreach(set, j, range)
			fn(range, arg);
}

struct collect {
	struct ip_prefix *p;
	struct ip_addr *a;
	size_t n, max;
};

static void collect_subnet(json_t *range, void *arg)
{
	struct collect *c = arg;
	const char *s = json_string_value(json_object_get(range, "subnet"));

	if (s && c->n < c->max && ip_prefix_parse(s, &c->p[c->n]) >= 0)
		c->n++;
}

size_t net_subnets(const struct cni_conflist *l, struct ip_prefix *out, size_t max)
{
	struct collect c = { .p = out, .max = max };

	for_each_range(l, collect_subnet, &c);
	return c.n;
}

static void collect_gateway(json_t *range, void *arg)
{
	struct collect *c = arg;
	const char *s = json_string_value(json_object_get(range, "subnet"));
	const char *g = json_string_value(json_object_get(range, "gateway"));
	struct ip_prefix p;

	if (c->n >= c->max)
		return;
	if (g && ip_addr_parse(g, &c->a[c->n]) >= 0) {
		c->n++;
	} else if (s && ip_prefix_parse(s, &p) >= 0) {
		ip_prefix_network(&p, &p.addr);
		if (ip_addr_add(&p.addr, 1, &c->a[c->n]) >= 0)
			c->n++;
	}
}

size_t net_gateways(const struct cni_conflist *l, struct ip_addr *out, size_t max)
{
	struct collect c = { .a = out, .max = max };

	for_each_range(l, collect_gateway, &c);
	return c.n;
}

bool net_is_pontoon(const struct cni_conflist *l)
{
	return json_is_object(json_object_get(l->json, "pontoon"));
}
