/* Containers on networks: the CNI ADD/DEL of one attachment as it is kept
 * in the container's state, the container's own /etc/hosts and
 * /etc/resolv.conf (pointing at its networks' DNS servers), and the life of
 * those DNS servers: one per network, started when the first container
 * joins, stopped when the last one leaves. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "util/error.h"

static json_t *attachment_json(const struct cni_conflist *l, const char *ifname,
			       const struct cni_result *res, json_t *aliases)
{
	json_t *ips = json_array(), *gws = json_array(), *a;
	const char *mac = "";

	for (size_t i = 0; i < res->n_ips; i++) {
		char buf[IP_PREFIX_STRLEN];

		json_array_append_new(ips, json_string(ip_prefix_format(&res->ips[i].address, buf)));
		if (res->ips[i].gateway.family)
			json_array_append_new(gws, json_string(ip_addr_format(&res->ips[i].gateway, buf)));
	}
	for (size_t i = 0; i < res->n_interfaces; i++)
		if (res->interfaces[i].sandbox && *res->interfaces[i].sandbox &&
		    strcmp(res->interfaces[i].name, ifname) == 0 && res->interfaces[i].mac)
			mac = res->interfaces[i].mac;
	a = json_pack("{s:s, s:s, s:o, s:o, s:s}", "name", l->name, "ifname", ifname, "ips", ips,
		      "gateways", gws, "mac", mac);
	if (a)
		json_object_set(a, "aliases", aliases ? aliases : json_array());
	if (a && !aliases)
		json_decref(json_object_get(a, "aliases"));
	return a;
}

/* Replaces the entry of att's network (the intent `pontoon run` recorded
 * before the ADD), or appends att; takes att. */
static int set_attachment(json_t *nets, json_t *att)
{
	const char *name = json_string_value(json_object_get(att, "name"));
	json_t *old;
	size_t i;

	json_array_foreach(nets, i, old) {
		const char *n = json_string_value(json_object_get(old, "name"));

		if (n && strcmp(n, name) == 0)
			return json_array_set_new(nets, i, att) < 0 ? -ENOMEM : 0;
	}
	return json_array_append_new(nets, att) < 0 ? -ENOMEM : 0;
}

int attach_network(json_t *state, const struct cni_conflist *l, const char *ifname, json_t *caps,
		   json_t *aliases)
{
	_cleanup_result_ struct cni_result *res = NULL;
	struct cni_rt_attachment a = {
		.container_id = json_string_value(json_object_get(state, "id")),
		.netns = json_string_value(json_object_get(state, "netns")),
		.ifname = ifname,
		.capability_args = caps,
	};
	json_t *att;
	int r;

	r = cni_runtime_add(cli_runtime(), l, &a, &res);
	if (r < 0)
		return r;
	att = attachment_json(l, ifname, res, aliases);
	if (!att)
		return -ENOMEM;
	return set_attachment(json_object_get(state, "networks"), att);
}

int detach_network(json_t *state, const struct cni_conflist *l)
{
	json_t *nets = json_object_get(state, "networks");
	struct cni_rt_attachment a = {
		.container_id = json_string_value(json_object_get(state, "id")),
		.netns = json_string_value(json_object_get(state, "netns")),
	};
	size_t i;
	json_t *n;
	int r;

	json_array_foreach(nets, i, n) {
		if (strcmp(json_string_value(json_object_get(n, "name")), l->name) != 0)
			continue;
		a.ifname = json_string_value(json_object_get(n, "ifname"));
		r = cni_runtime_del(cli_runtime(), l, &a);
		if (r < 0)
			return r;
		json_array_remove(nets, i);
		return 0;
	}
	return -ENOENT;
}

/* ---- hosts and resolv.conf ---- */

static void hosts_text(json_t *state, FILE *f)
{
	const char *name = json_string_value(json_object_get(state, "name"));
	const char *host = json_string_value(json_object_get(state, "hostname"));
	json_t *n, *ip;
	size_t i, j;

	fprintf(f, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	json_array_foreach(json_object_get(state, "networks"), i, n)
		json_array_foreach(json_object_get(n, "ips"), j, ip) {
			char addr[IP_PREFIX_STRLEN];

			snprintf(addr, sizeof(addr), "%s", json_string_value(ip));
			*strchrnul(addr, '/') = '\0';
			fprintf(f, "%s\t%s%s%s\n", addr, host ? host : name,
				host && strcmp(host, name) ? " " : "", host && strcmp(host, name) ? name : "");
		}
}

/* The host's resolv.conf, for a container with no pontoon DNS server. */
static void copy_host_resolv(FILE *f)
{
	char line[512];
	FILE *in = fopen("/etc/resolv.conf", "re");

	while (in && fgets(line, sizeof(line), in))
		fputs(line, f);
	if (in)
		fclose(in);
}

static void resolv_text(json_t *state, FILE *f)
{
	size_t i, n_servers = 0;
	json_t *n;

	json_array_foreach(json_object_get(state, "networks"), i, n) {
		struct cni_conflist *l = NULL;
		struct ip_addr gws[4];
		size_t ng;

		if (cni_conflist_find(cli.conf_dir, json_string_value(json_object_get(n, "name")), &l, NULL) < 0)
			continue;
		ng = net_is_pontoon(l) ? net_gateways(l, gws, ARRAY_SIZE(gws)) : 0;
		for (size_t k = 0; k < ng && n_servers < 3; k++) {
			char buf[IP_ADDR_STRLEN];

			if (gws[k].family != AF_INET)
				continue;
			fprintf(f, "nameserver %s\n", ip_addr_format(&gws[k], buf));
			n_servers++;
		}
		cni_conflist_free(l);
	}
	pt_err_clear();
	if (n_servers)
		fprintf(f, "search dns.pontoon\noptions ndots:0\n");
	else
		copy_host_resolv(f);
}

static int write_text(const char *dir, const char *file, void (*fn)(json_t *, FILE *), json_t *state)
{
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX + 400];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -ENOMEM;
	fn(state, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return write_file_inplace(path, text);
}

int names_write_files(json_t *state)
{
	char dir[PATH_MAX + 300];
	int r;

	ctr_dir(json_string_value(json_object_get(state, "name")), dir, sizeof(dir));
	r = mkdir_p_private(cli.run_dir, dir);
	if (r >= 0)
		r = write_text(dir, "hosts", hosts_text, state);
	if (r >= 0)
		r = write_text(dir, "resolv.conf", resolv_text, state);
	return r;
}

/* ---- DNS servers ---- */

static void dns_pid_path(const char *net, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s.json", cli.dns_dir, net);
}

static bool dns_running(const char *net, pid_t *ret_pid)
{
	char path[PATH_MAX + 300];
	_cleanup_json_ json_t *j = NULL;

	dns_pid_path(net, path, sizeof(path));
	j = json_load_file(path, 0, NULL);
	/* A file without a start time pontoon wrote names no process of ours:
	 * its pid may be anybody's now, and dns_stop_unused() signals it. */
	if (!j || !proc_alive_json(j, "pid", "start"))
		return false;
	*ret_pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
	return true;
}

/* Moves fds[0..n) to 3..3+n (for the exec'd server), whatever they were. */
static void fds_to_3(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3 + (int)n);
	for (size_t i = 0; i < n; i++)
		dup2(fds[i], 3 + (int)i);
}

/* The server's pid file, written by the server's own process before it
 * reports: a pontoon killed at any moment leaves either no server or one
 * that the file names, never one holding the network's port unseen. */
static int dns_write_pid_file(const char *net, pid_t pid)
{
	_cleanup_json_ json_t *j = json_pack("{s:i, s:I, s:s}", "pid", (int)pid, "start",
					     (json_int_t)proc_start_time(pid), "network", net);
	char path[PATH_MAX + 300];

	if (!j)
		return -ENOMEM;
	dns_pid_path(net, path, sizeof(path));
	return write_json_atomic(path, j);
}

/* The sockets are bound here, before the server runs: a container that
 * queries at once finds its query queued, so nobody waits for the server to
 * start. The server's process writes its pid file, then reports its pid;
 * the middle child only lets it go to init. */
static int spawn_dns(const struct cni_conflist *l, pid_t *ret_pid)
{
	char log[PATH_MAX + 300], nfds[8];
	int p[2], fds[4], status, r;
	size_t n = 0;
	pid_t pid, server = 0;

	r = dns_bind(l, fds, ARRAY_SIZE(fds), &n);
	if (r < 0)
		return r;
	if (pipe2(p, O_CLOEXEC) < 0) {
		r = pt_err(-errno, "pipe: %m");
		goto out;
	}
	snprintf(log, sizeof(log), "%s/%s.log", cli.dns_dir, l->name);
	snprintf(nfds, sizeof(nfds), "%zu", n);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = pt_err(-errno, "fork: %m");
		close(p[0]);
		close(p[1]);
		goto out;
	}
	if (pid == 0) {
		/* Twice, so the server is nobody's child but init's. */
		pid_t gc = fork(), me;

		if (gc != 0)
			_exit(gc < 0);
		setsid();
		me = getpid();
		if (dns_write_pid_file(l->name, me) < 0)
			_exit(1);
		(void)!write(p[1], &me, sizeof(me));
		int devnull = open("/dev/null", O_RDWR);
		int lf = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(lf >= 0 ? lf : devnull, STDERR_FILENO);
		fds_to_3(fds, n);
		execl("/proc/self/exe", "pontoon", "dns-serve", "--fds", nfds, l->name, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (read(p[0], &server, sizeof(server)) != sizeof(server) || server <= 0)
		r = pt_err(-EIO, "the DNS server of network %s did not start (see %s)", l->name, log);
	close(p[0]);
	if (r >= 0)
		*ret_pid = server;
out:
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	return r;
}

int dns_ensure(const struct cni_conflist *l)
{
	pid_t pid;
	int r;

	if (!net_is_pontoon(l) ||
	    !json_is_true(json_object_get(json_object_get(l->json, "pontoon"), "dns")) ||
	    dns_running(l->name, &pid))
		return 0;
	r = mkdir_p_private(cli.run_dir, cli.dns_dir);
	if (r >= 0)
		r = spawn_dns(l, &pid);
	return r < 0 ? r : 0;
}

int dns_stop_unused(const char *net)
{
	_cleanup_json_ json_t *containers = NULL;
	char path[PATH_MAX + 300];
	json_t *c;
	size_t i;
	pid_t pid;

	if (ctr_load_all(&containers) < 0)
		return -EIO;
	json_array_foreach(containers, i, c)
		if (ctr_network(c, net))
			return 0;
	if (dns_running(net, &pid))
		kill(pid, SIGTERM);
	dns_pid_path(net, path, sizeof(path));
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.log", cli.dns_dir, net);
	unlink(path);
	return 0;
}
