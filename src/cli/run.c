/* `pontoon run`: a container from the networking viewpoint — a process in a
 * network namespace of its own, attached to networks through the CNI chain
 * (ADD per network, eth0, eth1, ...; -p, --ip, --mac as the portMappings,
 * ips and mac capabilities), with its own hostname, /etc/hosts and
 * /etc/resolv.conf. Every check runs before anything changes. The process
 * that started the command (this one, or with -d a small detached
 * supervisor) waits for it and releases everything when it ends; its pid is
 * in the state so that `pontoon gc` can tell a crashed run from a live one. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util/error.h"

static const struct cli_usage usage = {
	"run [OPTIONS] [--] CMD [ARGS...]",
	"  --name NAME            container name (default: from its id)\n"
	"  --net NAME|host|none   network to attach (repeat for several; default: none)\n"
	"  -p, --publish SPEC     [HOSTIP:]HOSTPORT[-END]:CONTAINERPORT[-END][/tcp|udp|sctp]\n"
	"  --ip ADDR              address on the first network\n"
	"  --mac MAC              MAC address on the first network\n"
	"  --hostname NAME        hostname (default: the name)\n"
	"  --alias NAME           another DNS name on every network (repeatable)\n"
	"  -d, --detach           run in the background; print the name\n",
};

struct run_opts {
	const char *name, *ip, *mac, *hostname;
	const char *nets[8];
	size_t n_nets;
	json_t *ports;
	json_t *aliases;
	bool detach, host, none;
	char **cmd;
};

static pid_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },    { "net", required_argument, NULL, 'N' },
		{ "network", required_argument, NULL, 'N' }, { "publish", required_argument, NULL, 'p' },
		{ "ip", required_argument, NULL, 'i' },      { "mac", required_argument, NULL, 'm' },
		{ "hostname", required_argument, NULL, 'H' }, { "alias", required_argument, NULL, 'a' },
		{ "detach", no_argument, NULL, 'd' },        { 0 },
	};
	struct ip_addr a;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:d", opts, NULL)) != -1) {
		switch (c) {
		case 'n': o->name = optarg; break;
		case 'N':
			if (strcmp(optarg, "host") == 0)
				o->host = true;
			else if (strcmp(optarg, "none") == 0)
				o->none = true;
			else if (o->n_nets < ARRAY_SIZE(o->nets))
				o->nets[o->n_nets++] = optarg;
			else
				return cli_usage_error(&usage, "--net: at most %zu networks", ARRAY_SIZE(o->nets));
			break;
		case 'p':
			r = ports_parse(optarg, o->ports);
			if (r != 0)
				return r < 0 ? cli_lib_error(EXIT_FAIL, r, "-p") : r;
			break;
		case 'i':
			if (ip_addr_parse(optarg, &a) < 0)
				return cli_usage_error(&usage, "--ip: not an IP address: \"%s\"", optarg);
			o->ip = optarg;
			break;
		case 'm': o->mac = optarg; break;
		case 'H': o->hostname = optarg; break;
		case 'a': json_array_append_new(o->aliases, json_string(optarg)); break;
		case 'd': o->detach = true; break;
		default:
			return cli_usage_error(&usage, "unknown or incomplete option \"%s\"", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(&usage, "expects a command to run");
	o->cmd = argv + optind;
	if ((o->host || o->none) && (o->n_nets || (o->host && o->none)))
		return cli_usage_error(&usage, "--net host/none cannot be combined with other networks");
	if (json_array_size(o->ports) && !o->n_nets)
		return cli_usage_error(&usage, "-p needs a network (--net NAME)");
	if ((o->ip || o->mac) && !o->n_nets)
		return cli_usage_error(&usage, "--ip and --mac need a network (--net NAME)");
	if (o->name && !ctr_valid_name(o->name))
		return cli_usage_error(&usage, "--name \"%s\" must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (63 at most)", o->name);
	if (o->hostname && (strlen(o->hostname) > 63 || !*o->hostname))
		return cli_usage_error(&usage, "--hostname: 1..63 characters");
	return 0;
}

static json_t *new_state(const struct run_opts *o, const char *name, const char *id)
{
	json_t *cmd = json_array();

	for (char **a = o->cmd; *a; a++)
		json_array_append_new(cmd, json_string(*a));
	return json_pack("{s:s, s:s, s:s, s:o, s:I, s:s, s:n, s:[], s:O, s:s, s:i, s:I, s:b}",
			 "name", name, "id", id, "hostname", o->hostname ? o->hostname : name,
			 "command", cmd, "created", (json_int_t)time(NULL), "netMode",
			 o->host ? "host" : o->n_nets ? "bridge" : "none", "netns", "networks",
			 "ports", o->ports, "status", "creating", "supervisorPid", (int)getpid(),
			 "supervisorStart", (json_int_t)proc_start_time(getpid()), "detached",
			 o->detach);
}

/* Checks that need no change: name free, networks there, ports free. */
static int check(const struct run_opts *o, const char *name, struct cni_conflist **nets)
{
	_cleanup_json_ json_t *existing = NULL, *all = NULL;
	int r;

	if (ctr_load(name, &existing) >= 0)
		return cli_error(EXIT_CONFLICT, "container name %s is already taken%s", name,
				 ctr_supervisor_alive(existing) ? "" : " (by a dead container: pontoon gc)");
	for (size_t i = 0; i < o->n_nets; i++) {
		r = net_find(o->nets[i], &nets[i]);
		if (r != 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (strcmp(o->nets[i], o->nets[j]) == 0)
				return cli_error(EXIT_USAGE, "--net %s given twice", o->nets[i]);
	}
	if (json_array_size(o->ports) && !cni_conflist_has_capability(nets[0], "portMappings"))
		return cli_error(EXIT_FAIL, "-p: network %s has no plugin with the portMappings capability "
				 "(the portmap plugin was missing when it was made)", nets[0]->name);
	if (!json_array_size(o->ports))
		return 0;
	r = ctr_load_all(&all);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot read the containers");
	return ports_check_conflicts(o->ports, all);
}

static json_t *caps_for(const struct run_opts *o, size_t i)
{
	json_t *caps = json_object();

	if (i != 0)
		return caps;
	if (json_array_size(o->ports))
		json_object_set(caps, "portMappings", o->ports);
	if (o->ip)
		json_object_set_new(caps, "ips", json_pack("[s]", o->ip));
	if (o->mac)
		json_object_set_new(caps, "mac", json_string(o->mac));
	return caps;
}

static void ifname_of(size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "eth%zu", i);
}

/* What the container will have, written before any of it exists: its
 * namespace's pin and an entry per network. A pontoon killed at any later
 * moment leaves nothing that the release of this state (rm, gc) does not
 * find: DEL of an attachment never made, or of a pin never mounted,
 * succeeds. */
static int record_intent(const struct run_opts *o, json_t *state, struct cni_conflist **nets)
{
	const char *name = json_string_value(json_object_get(state, "name"));
	json_t *list = json_object_get(state, "networks");

	if (!o->host) {
		char *path = sandbox_netns_path(name);

		if (!path || json_object_set_new(state, "netns", json_string(path)) < 0) {
			free(path);
			return -ENOMEM;
		}
		free(path);
	}
	for (size_t i = 0; i < o->n_nets; i++) {
		char ifname[24];

		ifname_of(i, ifname, sizeof(ifname));
		if (json_array_append_new(list, json_pack("{s:s, s:s}", "name", nets[i]->name,
							  "ifname", ifname)) < 0)
			return -ENOMEM;
	}
	return ctr_save(state);
}

/* Namespace, attachments, names. On failure everything is released. */
static int setup(const struct run_opts *o, json_t *state, struct cni_conflist **nets)
{
	const char *name = json_string_value(json_object_get(state, "name"));
	_cleanup_free_ char *netns = NULL;
	int r;

	r = record_intent(o, state, nets);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "container %s", name);
	if (!o->host) {
		r = sandbox_netns_create(name, &netns);
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < o->n_nets; i++) {
		_cleanup_json_ json_t *caps = caps_for(o, i);
		char ifname[24];

		ifname_of(i, ifname, sizeof(ifname));
		r = attach_network(state, nets[i], ifname, caps, o->aliases);
		if (r < 0)
			goto fail;
	}
	r = names_write_files(state);
	for (size_t i = 0; i < o->n_nets && r >= 0; i++)
		r = dns_ensure(nets[i]);
	if (r >= 0)
		return 0;
fail:
	cli_lib_error(EXIT_FAIL, r, "container %s", name);
	(void)ctr_release(state);
	pt_err_clear();
	return EXIT_FAIL;
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void set_forwarding(bool on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = on ? forward_signal : SIG_DFL };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* Waits for the container's process, then releases everything. */
static int supervise(json_t *state)
{
	int status = 0, lock = -1, r;
	siginfo_t info;
	pid_t pid;

	set_forwarding(true);
	/* Ended but not reaped (WNOWAIT): until the waitpid below the pid is
	 * still the container's, so a signal forwarded meanwhile reaches no
	 * other process; after it nothing is forwarded any more. */
	while (waitid(P_PID, (id_t)child_pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	set_forwarding(false);
	pid = child_pid;
	child_pid = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	r = cli_lock(&lock);
	if (r >= 0) {
		_cleanup_json_ json_t *now = NULL;

		/* The state may have grown since (network connect). */
		if (ctr_load(json_string_value(json_object_get(state, "name")), &now) >= 0)
			r = ctr_release(now);
		close(lock);
	}
	if (r < 0)
		cli_lib_error(EXIT_FAIL, r, "cannot release container %s",
			      json_string_value(json_object_get(state, "name")));
	return exit_code(status);
}

/* 0 once cmd runs; -errno, or 126/127 when cmd could not be run (the
 * reason recorded). */
static int start(json_t *state, char **cmd, int out_fd)
{
	int r = sandbox_spawn(state, cmd, out_fd, &child_pid);

	if (r != 0)
		return r;
	json_object_set_new(state, "pid", json_integer(child_pid));
	json_object_set_new(state, "pidStart", json_integer((json_int_t)proc_start_time(child_pid)));
	json_object_set_new(state, "status", json_string("running"));
	return ctr_save(state);
}

/* In the supervisor, when the container did not start: the exit code and
 * the reason for the caller (this process's stderr is the container's log,
 * which the release removes), then the release. */
static void start_failed(json_t *state, int r, int fd)
{
	int code = r > 0 ? r : EXIT_FAIL;
	const char *msg = pt_err_msg();

	dprintf(fd, "%d container %s: %s", code, json_string_value(json_object_get(state, "name")),
		*msg ? msg : strerror(-r));
	close(fd);
	(void)ctr_release(state);
	_exit(code);
}

/* -d: a supervisor of its own session; the caller returns once the
 * container runs, or with the supervisor's exit code and reason once it
 * has released what did not start. */
static int detach(json_t *state, char **cmd, int lock)
{
	const char *name = json_string_value(json_object_get(state, "name"));
	char dir[PATH_MAX + 300], log[PATH_MAX + 400], msg[512];
	int p[2], status, code, off = 0, r;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		r = cli_error(EXIT_FAIL, "container %s: pipe: %m", name);
		(void)ctr_release(state);
		return r;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = cli_error(EXIT_FAIL, "container %s: fork: %m", name);
		close(p[0]);
		close(p[1]);
		(void)ctr_release(state);
		return r;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR), out;

		close(p[0]);
		setsid();
		ctr_dir(name, dir, sizeof(dir));
		snprintf(log, sizeof(log), "%s/log", dir);
		out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		dup2(devnull, STDIN_FILENO);
		dup2(out >= 0 ? out : devnull, STDOUT_FILENO);
		dup2(out >= 0 ? out : devnull, STDERR_FILENO);
		json_object_set_new(state, "supervisorPid", json_integer(getpid()));
		json_object_set_new(state, "supervisorStart", json_integer((json_int_t)proc_start_time(getpid())));
		r = start(state, cmd, -1);
		if (r != 0)
			start_failed(state, r, p[1]);
		close(lock);
		(void)!write(p[1], "1", 1);
		close(p[1]);
		_exit(supervise(state));
	}
	close(p[1]);
	/* "1", or the code and reason, then EOF. */
	while (len < sizeof(msg) - 1 && ((n = read(p[0], msg + len, sizeof(msg) - 1 - len)) > 0 ||
					 (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	close(p[0]);
	msg[len] = '\0';
	if (strcmp(msg, "1") == 0) {
		printf("%s\n", name);
		return EXIT_OK;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (sscanf(msg, "%d %n", &code, &off) == 1 && off > 0 && code > 0)
		return cli_error(code, "%s", msg + off);
	return cli_error(EXIT_FAIL, "container %s did not start", name);
}

static int run(struct run_opts *o)
{
	struct cni_conflist *nets[ARRAY_SIZE(o->nets)] = { 0 };
	_cleanup_json_ json_t *state = NULL;
	char id[33], gen[16];
	const char *name;
	int lock = -1, r;

	random_id(id);
	snprintf(gen, sizeof(gen), "%.12s", id);
	name = o->name ? o->name : gen;
	r = cli_lock(&lock);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot take the state lock");
	r = check(o, name, nets);
	if (r == 0) {
		state = new_state(o, name, id);
		r = state ? setup(o, state, nets) : EXIT_FAIL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(nets); i++)
		cni_conflist_free(nets[i]);
	if (r != 0) {
		close(lock);
		return r;
	}
	if (o->detach) {
		r = detach(state, o->cmd, lock);
		close(lock);
		return r;
	}
	r = start(state, o->cmd, -1);
	close(lock);
	if (r != 0) {
		r = cli_lib_error(r > 0 ? r : EXIT_FAIL, r, "container %s", name);
		if (cli_lock(&lock) >= 0) {
			(void)ctr_release(state);
			close(lock);
		}
		return r;
	}
	return supervise(state);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	int r;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		return cli_help(&usage);
	o.ports = json_array();
	o.aliases = json_array();
	r = parse_opts(argc, argv, &o);
	if (r == 0)
		r = run(&o);
	json_decref(o.ports);
	json_decref(o.aliases);
	return r;
}
