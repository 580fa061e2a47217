/* `pontoon demo`: the talk's tour, narrated, in a throwaway host. The
 * process first moves into a network and mount namespace of its own
 * (private propagation, PONTOON_ROOT in a temporary directory), so nothing
 * it does reaches the machine's namespace; what it shows of the kernel it
 * reads with pontoon's own netlink library. The web server and the
 * "outside" client are this binary too (hidden modes), so the demo needs
 * nothing but ping. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "nl/addr.h"
#include "nl/link.h"
#include "nl/netns.h"
#include "nl/nl.h"
#include "nl/route.h"
#include "nl/sysctl.h"
#include "util/error.h"

static int step_no;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("\n\033[1m==> %d. ", ++step_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\033[0m\n");
	fflush(stdout);
}

/* Runs this binary with args, echoing the command line; returns its exit code. */
static int sh(const char *const *args)
{
	char *argv[32];
	size_t n = 0;
	int status;
	pid_t pid;

	printf("$ pontoon");
	argv[n++] = "pontoon";
	for (; *args && n < ARRAY_SIZE(argv) - 1; args++) {
		argv[n++] = (char *)*args;
		printf(" %s", *args);
	}
	argv[n] = NULL;
	printf("\n");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
#define PT(...) sh((const char *const[]){ __VA_ARGS__, NULL })

/* The links of the host namespace as pontoon's netlink library sees them. */
static void show_links(void)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;
	int misses = 0;

	if (nl_open(&nl) < 0)
		return;
	printf("   %-12s %-7s %-10s %s\n", "LINK", "KIND", "MASTER", "ADDRESSES");
	for (int i = 1; misses < 16; i++) {
		_cleanup_free_ struct ip_prefix *a = NULL;
		struct link_info li, m;
		char addrs[256] = "";
		size_t na = 0;

		if (link_get_by_index(nl, i, &li) < 0) {
			misses++;
			continue;
		}
		misses = 0;
		if (addr_list(nl, i, AF_INET, &a, &na) >= 0)
			for (size_t k = 0; k < na; k++) {
				char buf[IP_PREFIX_STRLEN];

				snprintf(addrs + strlen(addrs), sizeof(addrs) - strlen(addrs), "%s%s",
					 k ? "," : "", ip_prefix_format(&a[k], buf));
			}
		printf("   %-12s %-7s %-10s %s\n", li.name, li.kind[0] ? li.kind : "-",
		       li.master && link_get_by_index(nl, li.master, &m) >= 0 ? m.name : "-", addrs);
	}
	pt_err_clear();
}

/* ---- hidden helpers: a web server and an outside client ---- */

static int listen_tcp(const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, ip, &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
		return -1;
	return fd;
}

static int serve_http(int port)
{
	char host[64] = "?", buf[2048];
	int fd = listen_tcp("0.0.0.0", port);

	gethostname(host, sizeof(host));
	while (fd >= 0) {
		int c = accept(fd, NULL, NULL);

		if (c < 0)
			continue;
		(void)!read(c, buf, sizeof(buf));
		dprintf(c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello from container %s\n", host);
		close(c);
	}
	return EXIT_FAIL;
}

/* GET http://ip:port/ and print the body's first line; or, with port 0,
 * accept one connection on ip:9000 and print who it came from. */
static int outside(const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	char buf[2048] = "";
	ssize_t n;
	int fd;

	if (port == 0) {
		socklen_t len = sizeof(sa);
		int l = listen_tcp(ip, 9000), c;

		printf("   outside: listening on %s:9000\n", ip);
		fflush(stdout);
		c = l >= 0 ? accept(l, (struct sockaddr *)&sa, &len) : -1;
		if (c < 0)
			return EXIT_FAIL;
		inet_ntop(AF_INET, &sa.sin_addr, buf, sizeof(buf));
		printf("   outside: a connection from %s\n", buf);
		return EXIT_OK;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, ip, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return cli_error(EXIT_FAIL, "connect %s:%d: %m", ip, port);
	dprintf(fd, "GET / HTTP/1.0\r\n\r\n");
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	if (n > 0)
		printf("   %s", strstr(buf, "\r\n\r\n") ? strstr(buf, "\r\n\r\n") + 4 : buf);
	return EXIT_OK;
}

/* ---- the throwaway host ---- */

static char tmp_root[] = "/tmp/pontoon-demo.XXXXXX";

static int enter_throwaway(void)
{
	_cleanup_nl_ struct nl_sock *nl = NULL;
	struct link_info lo;

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		return cli_error(EXIT_FAIL, "demo: cannot make a throwaway namespace: %m (run as root)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return cli_error(EXIT_FAIL, "demo: cannot make mounts private: %m");
	if (!mkdtemp(tmp_root))
		return cli_error(EXIT_FAIL, "demo: mkdtemp: %m");
	setenv("PONTOON_ROOT", tmp_root, 1);
	cli_init_paths();
	if (nl_open(&nl) < 0 || link_get_by_name(nl, "lo", &lo) < 0 || link_set_up(nl, lo.ifindex) < 0)
		return cli_lib_error(EXIT_FAIL, -EIO, "demo: lo");
	return 0;
}

/* "outside": a namespace joined to this host by a veth, 192.0.2.0/24. */
static int make_outside(char **ret_path)
{
	_cleanup_nl_ struct nl_sock *nl = NULL, *onl = NULL;
	_cleanup_close_ int fd = -1;
	struct ip_prefix host, out;
	struct link_info li;
	struct route def = { .scope = -1 };
	int r;

	r = sandbox_netns_create("outside", ret_path);
	if (r >= 0)
		r = netns_open(*ret_path, &fd);
	if (r >= 0)
		r = nl_open(&nl);
	if (r >= 0)
		r = link_create_veth(nl, &(struct veth_opts){ .name = "uplink", .peer_name = "eth0", .peer_netns_fd = fd });
	ip_prefix_parse("192.0.2.1/24", &host);
	ip_prefix_parse("192.0.2.2/24", &out);
	ip_prefix_parse("0.0.0.0/0", &def.dst);
	ip_addr_parse("192.0.2.1", &def.gw);
	if (r >= 0 && (r = link_get_by_name(nl, "uplink", &li)) >= 0 && (r = addr_add(nl, li.ifindex, &host, 0)) >= 0)
		r = link_set_up(nl, li.ifindex);
	if (r >= 0)
		r = nl_open_in_netns(fd, &onl);
	if (r >= 0 && (r = link_get_by_name(onl, "eth0", &li)) >= 0 && (r = addr_add(onl, li.ifindex, &out, 0)) >= 0)
		r = link_set_up(onl, li.ifindex);
	if (r >= 0)
		r = route_add(onl, &def);
	if (r >= 0)
		r = sysctl_write("net/ipv4/ip_forward", "1");
	return r < 0 ? cli_lib_error(EXIT_FAIL, r, "demo: the outside namespace") : 0;
}

/* Runs the hidden client in the outside namespace. */
static pid_t in_outside(const char *path, const char *ip, const char *port, bool wait)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(1);
		execl("/proc/self/exe", "pontoon", "demo", "--outside", ip, port, (char *)NULL);
		_exit(127);
	}
	if (wait)
		waitpid(pid, &status, 0);
	return pid;
}

static int rm_tree(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p) < 0 ? 0 : 0;
}

static void teardown(const char *outside_path)
{
	if (outside_path)
		sandbox_netns_remove(outside_path);
	umount2(cli.netns_dir, MNT_DETACH);
	nftw(tmp_root, rm_tree, 16, FTW_DEPTH | FTW_PHYS);
}

static void tour(const char *outside_path)
{
	bool firewall = cni_plugin_available("firewall"), portmap = cni_plugin_available("portmap");
	pid_t listener;

	say("A network: a bridge, a subnet, a CNI conflist anyone can use");
	PT("network", "create", "demo");
	PT("network", "ls");
	say("Two containers on it (each a process in a network namespace of its own)");
	PT("run", "-d", "--name", "alpha", "--net", "demo", "--", "sleep", "600");
	PT("run", "-d", "--name", "beta", "--net", "demo", "--", "sleep", "600");
	PT("ps");
	say("Their veth ends on the bridge (read with pontoon's netlink library)");
	show_links();
	say("Ping by name (the network's DNS server on the gateway answers)");
	PT("exec", "alpha", "--", "ping", "-c", "2", "beta");
	say("A web server published on host port 8080, fetched from \"outside\"");
	if (portmap) {
		PT("run", "-d", "--name", "web", "--net", "demo", "-p", "8080:80", "--", "/proc/self/exe", "demo", "--serve-http", "80");
		PT("port", "web");
		usleep(300 * 1000);
		printf("$ (outside) GET http://192.0.2.1:8080/\n");
		fflush(stdout);
		in_outside(outside_path, "192.0.2.1", "8080", true);
	} else {
		printf("   (arrives with the NAT issue: no portmap plugin in %s)\n", cli_cni_path());
	}
	say("A second network, isolated from the first");
	PT("network", "create", "other");
	PT("run", "-d", "--name", "gamma", "--net", "other", "--", "sleep", "600");
	if (firewall) {
		_cleanup_json_ json_t *alpha = NULL;
		char ip[IP_PREFIX_STRLEN] = "";

		if (ctr_load("alpha", &alpha) >= 0)
			snprintf(ip, sizeof(ip), "%s", json_string_value(json_array_get(json_object_get(
				json_array_get(json_object_get(alpha, "networks"), 0), "ips"), 0)));
		*strchrnul(ip, '/') = '\0';
		printf("   gamma pings alpha (%s), which is on the other network: no answer expected\n", ip);
		PT("exec", "gamma", "--", "ping", "-c", "1", "-W", "1", ip);
	} else {
		printf("   (isolation arrives with the NAT issue: no firewall plugin in %s)\n", cli_cni_path());
	}
	say("Masquerade: what the outside sees when alpha connects to it");
	listener = in_outside(outside_path, "192.0.2.2", "0", false);
	usleep(200 * 1000);
	PT("exec", "alpha", "--", "/proc/self/exe", "demo", "--outside", "192.0.2.2", "9000");
	waitpid(listener, NULL, 0);
	printf("   (192.0.2.1 is the host's address: masqueraded; alpha's own address means no NAT yet)\n");
	say("Tear down: containers, networks — and nothing is left");
	PT("rm", "-f", "alpha", "beta", "gamma");
	if (portmap)
		PT("rm", "-f", "web");
	PT("network", "rm", "demo", "other");
	PT("ps");
	show_links();
}

int cmd_demo(int argc, char **argv)
{
	_cleanup_free_ char *outside_path = NULL;
	int r;

	if (argc == 3 && strcmp(argv[1], "--serve-http") == 0)
		return serve_http(atoi(argv[2]));
	if (argc == 4 && strcmp(argv[1], "--outside") == 0)
		return outside(argv[2], atoi(argv[3]));
	if (argc > 1) {
		printf("usage: pontoon demo\n  a narrated tour in a throwaway network namespace (needs root)\n");
		return strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ? EXIT_OK : EXIT_USAGE;
	}
	r = enter_throwaway();
	if (r != 0)
		return r;
	printf("pontoon demo: a throwaway host namespace; state in %s; plugins from %s\n", tmp_root,
	       cli_cni_path());
	r = make_outside(&outside_path);
	if (r == 0)
		tour(outside_path);
	teardown(outside_path);
	printf("\ndone: the throwaway namespace goes away with this process.\n");
	return r;
}
