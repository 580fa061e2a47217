/* cnibench: ADD/DEL latency, start-up and peak RSS of CNI bridge + host-local
 * plugins, two plugin directories side by side in one run (the first is the
 * reference, the second the candidate), printed as a table with ratios.
 *
 * Why a C driver and not a shell loop: a shell adds a fork, a pipe and its
 * own jitter to every figure, and cannot read the child's rusage. Here each
 * plugin is started with posix_spawn (vfork-like, so the driver's size does
 * not matter), its stdin is a pipe already holding the config, its stdout and
 * stderr are memfds (no pipe to drain while it runs), and wait4 gives its
 * peak RSS and CPU time. Time is CLOCK_MONOTONIC around spawn..wait4.
 *
 * Isolation: run it inside a throwaway network namespace (bench/run.sh uses
 * `unshare --net --mount --propagation private`); it refuses to run in a
 * namespace that has any interface but lo. Each side gets, for each N, a fresh "host" namespace of
 * its own (unshare(CLONE_NEWNET) from the driver, kept by fd), so the sides
 * never share a bridge, a subnet or a dataDir. Container namespaces are made
 * once, before any timing, by unshare(CLONE_NEWNET) + open of
 * /proc/thread-self/ns/net, and passed as CNI_NETNS=/proc/<driver>/fd/<n>; no
 * mount is needed, and every namespace dies with the driver.
 *
 * Sides are interleaved container by container (ADD i on the reference, then
 * ADD i on the candidate, each in its own host namespace) so that drift and
 * noise from the rest of the machine fall on both sides alike. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIDES 2
#define MAX_SIZES 8
#define OUT_MAX (64 * 1024)
#define NET_NAME "bench"
#define CNI_VERSION "1.0.0"

/* One plugin process: what it cost and how it ended. */
struct run {
	double ms;
	double cpu_ms;
	long maxrss_kb;
	int status;
};

/* The samples of one command (ADD or DEL) of one side at one N. */
struct series {
	double *ms;
	double *cpu_ms;
	long maxrss_kb;
	size_t n;
};

struct side {
	const char *name;
	const char *cni_path;
	char bridge_bin[PATH_MAX];
	char hl_bin[PATH_MAX];
	char pm_bin[PATH_MAX];		/* chain mode: portmap */
	char brname[IFNAMSIZ];
	char subnet[32];
	int *cns;			/* container namespace fds, [max_n] */
	int host_fd;			/* this phase's host namespace */
	struct series add[MAX_SIZES];
	struct series del[MAX_SIZES];
	struct series pm_add[MAX_SIZES];	/* chain mode: portmap's share */
	struct series pm_del[MAX_SIZES];
	double version_ms_median;
	long hl_maxrss_kb;		/* host-local alone, ADD */
	bool failed_checks;
};

static struct {
	struct side sides[MAX_SIDES];
	int nsides;
	size_t sizes[MAX_SIZES];
	int nsizes;
	size_t max_n;
	int version_runs;
	const char *tmpdir;
	const char *floor_bin;
	int base_fd;			/* the namespace the driver started in */
	int out_fd, err_fd;		/* memfds for the child's stdout/stderr */
	pid_t pid;
	bool checks_failed;
	bool floor_only;		/* -F: only the kernel floor */
	bool chain;			/* -c: bridge(ipMasq) + portmap, N existing */
	size_t samples;			/* -S: chain mode ADD+DEL samples per N */
} B = {
	.samples = 30,
	.version_runs = 200,
	.floor_bin = "/bin/true",
};

static char out_buf[OUT_MAX + 1];
static char err_buf[OUT_MAX + 1];

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fprintf(stderr, "cnibench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

/* snprintf that refuses to cut: every string here is a path, a name or a
 * config, and a truncated one would measure the wrong thing. */
static void fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int r;

	va_start(ap, f);
	r = vsnprintf(buf, size, f, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= size)
		die("string too long: %.60s...", buf);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double tv_ms(const struct timeval *tv)
{
	return tv->tv_sec * 1e3 + tv->tv_usec / 1e3;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("out of memory");
	return p;
}

/* ---- namespaces ---- */

static int ns_open_current(void)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open /proc/thread-self/ns/net: %m");
	return fd;
}

static void ns_enter(int fd)
{
	if (setns(fd, CLONE_NEWNET) < 0)
		die("setns: %m");
}

/* A new, empty network namespace, kept alive by the returned fd. Leaves the
 * driver in it: callers setns() to where they want to be next. */
static int ns_new(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare(CLONE_NEWNET): %m (run as root)");
	return ns_open_current();
}

/* A namespace made for the bench holds only lo; the machine's own has its
 * real interfaces. (PID 1's namespace cannot always be compared: /proc/1 may
 * be off limits inside a container.) */
static void refuse_init_netns(void)
{
	struct if_nameindex *ifs = if_nameindex(), *p;

	if (!ifs)
		die("if_nameindex: %m");
	for (p = ifs; p->if_index; p++)
		if (strcmp(p->if_name, "lo") != 0)
			die("refusing to run in a network namespace that has %s: run me in a "
			    "throwaway one (bench/run.sh uses unshare --net --mount "
			    "--propagation private)", p->if_name);
	if_freenameindex(ifs);
}

static void raise_nofile(size_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit: %m");
	if (rl.rlim_cur >= need)
		return;
	rl.rlim_cur = need;
	if (rl.rlim_max < need)
		rl.rlim_max = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit(RLIMIT_NOFILE, %zu): %m", need);
}

static double make_container_namespaces(void)
{
	double t0 = now_ms();

	for (int s = 0; s < B.nsides; s++) {
		B.sides[s].cns = xcalloc(B.max_n, sizeof(int));
		for (size_t i = 0; i < B.max_n; i++) {
			B.sides[s].cns[i] = ns_new();
			ns_enter(B.base_fd);
		}
	}
	return now_ms() - t0;
}

/* ---- running one plugin ---- */

static size_t read_memfd(int fd, char *buf)
{
	ssize_t n = pread(fd, buf, OUT_MAX, 0);

	if (n < 0)
		die("pread memfd: %m");
	buf[n] = '\0';
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		die("reset memfd: %m");
	return (size_t)n;
}

static int stdin_pipe(const char *conf)
{
	int p[2];
	size_t len = conf ? strlen(conf) : 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe2: %m");
	if (len && write(p[1], conf, len) != (ssize_t)len)
		die("write config to pipe: %m");
	close(p[1]);
	return p[0];
}

/* Runs bin with envp and conf on stdin; the child's stdout and stderr are
 * left in out_buf and err_buf. Only spawn..wait4 is timed. */
static void plugin_run(const char *bin, char *const envp[], const char *conf, struct run *ret)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)bin, NULL };
	int in = stdin_pipe(conf), status, r;
	struct rusage ru;
	double t0, t1;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, B.out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, B.err_fd, 2);

	t0 = now_ms();
	r = posix_spawn(&pid, bin, &fa, NULL, argv, envp);
	if (r != 0)
		die("posix_spawn %s: %s", bin, strerror(r));
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4: %m");
	t1 = now_ms();

	posix_spawn_file_actions_destroy(&fa);
	close(in);
	read_memfd(B.out_fd, out_buf);
	read_memfd(B.err_fd, err_buf);
	*ret = (struct run){
		.ms = t1 - t0,
		.cpu_ms = tv_ms(&ru.ru_utime) + tv_ms(&ru.ru_stime),
		.maxrss_kb = ru.ru_maxrss,
		.status = status,
	};
}

static bool run_ok(const struct run *r)
{
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

static void die_run(const struct side *sd, const char *what, const struct run *r)
{
	fprintf(stderr, "cnibench: %s: %s failed (%s %d)\n--- stdout\n%s\n--- stderr\n%s\n",
		sd->name, what, WIFEXITED(r->status) ? "exit" : "signal",
		WIFEXITED(r->status) ? WEXITSTATUS(r->status) : WTERMSIG(r->status),
		out_buf, err_buf);
	die("stopping; every namespace made goes away with this process");
}

/* ---- the CNI environment and config ---- */

struct cni_call {
	char cmd[32], cid[64], netns[64], path[PATH_MAX + 16], root[PATH_MAX + 16];
	char *envp[8];
};

static void cni_call_init(struct cni_call *c, const char *cmd, const char *cni_path,
			  const char *cid, int netns_fd)
{
	int i = 0;

	fmt(c->cmd, sizeof(c->cmd), "CNI_COMMAND=%s", cmd);
	fmt(c->path, sizeof(c->path), "CNI_PATH=%s", cni_path);
	c->envp[i++] = c->cmd;
	c->envp[i++] = c->path;
	c->envp[i++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	/* pontoon's runtime files (the plugins' GC lock) in the bench's own
	 * directory, not the machine's /run; the reference ignores it. */
	fmt(c->root, sizeof(c->root), "PONTOON_ROOT=%s/root", B.tmpdir);
	c->envp[i++] = c->root;
	if (cid) {
		fmt(c->cid, sizeof(c->cid), "CNI_CONTAINERID=%s", cid);
		c->envp[i++] = c->cid;
		c->envp[i++] = "CNI_IFNAME=eth0";
	}
	if (netns_fd >= 0) {
		fmt(c->netns, sizeof(c->netns), "CNI_NETNS=/proc/%d/fd/%d", (int)B.pid,
			 netns_fd);
		c->envp[i++] = c->netns;
	}
	c->envp[i] = NULL;
}

static void data_dir(const struct side *sd, size_t n, char *buf, size_t size)
{
	fmt(buf, size, "%s/%s-n%zu", B.tmpdir, sd->name, n);
}

static void ipam_conf(const struct side *sd, const char *dir, char *buf, size_t size)
{
	fmt(buf, size,
		 "{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"%s\"}]],"
		 "\"dataDir\":\"%s\"}", sd->subnet, dir);
}

/* Identical on both sides but for bridge name, subnet and dataDir. */
static void bridge_conf(const struct side *sd, const char *dir, char *buf, size_t size)
{
	char ipam[PATH_MAX + 256];

	ipam_conf(sd, dir, ipam, sizeof(ipam));
	fmt(buf, size,
		 "{\"cniVersion\":\"" CNI_VERSION "\",\"name\":\"" NET_NAME "\","
		 "\"type\":\"bridge\",\"bridge\":\"%s\",\"isGateway\":true,"
		 "\"ipMasq\":%s,\"ipam\":%s}", sd->brname, B.chain ? "true" : "false", ipam);
}

static void hl_conf(const struct side *sd, const char *dir, char *buf, size_t size)
{
	char ipam[PATH_MAX + 256];

	ipam_conf(sd, dir, ipam, sizeof(ipam));
	fmt(buf, size, "{\"cniVersion\":\"" CNI_VERSION "\",\"name\":\"" NET_NAME
		 "-hl\",\"type\":\"host-local\",\"ipam\":%s}", ipam);
}

/* ---- checks that the plugins really did (and undid) the work ---- */

static size_t count_links(void)
{
	struct if_nameindex *ifs = if_nameindex(), *p;
	size_t n = 0;

	if (!ifs)
		die("if_nameindex: %m");
	for (p = ifs; p->if_index; p++)
		n++;
	if_freenameindex(ifs);
	return n;
}

/* Reservation files left in dataDir/<network>: the files named after an
 * address (the reference's layout; pontoon may keep other files beside them,
 * such as links named after the container). */
static bool is_address(const char *name)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

static size_t count_reservations(const char *dir)
{
	char path[PATH_MAX + 16];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	fmt(path, sizeof(path), "%s/" NET_NAME, dir);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (is_address(de->d_name))
			n++;
	closedir(d);
	return n;
}

static size_t count_container_eth0(const struct side *sd, size_t n)
{
	size_t found = 0;

	for (size_t i = 0; i < n; i++) {
		ns_enter(sd->cns[i]);
		if (if_nametoindex("eth0"))
			found++;
	}
	ns_enter(sd->host_fd);
	return found;
}

static void check(struct side *sd, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check(struct side *sd, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	va_start(ap, fmt);
	printf("CHECK FAILED (%s): ", sd->name);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	sd->failed_checks = true;
	B.checks_failed = true;
}

static void check_after_add(struct side *sd, size_t n)
{
	size_t links, eth0;

	ns_enter(sd->host_fd);
	links = count_links();
	eth0 = count_container_eth0(sd, n);
	check(sd, links == n + 2, "after %zu ADDs the host namespace has %zu links, "
	      "expected lo + bridge + %zu veths", n, links, n);
	check(sd, eth0 == n, "after %zu ADDs %zu containers have eth0", n, eth0);
}

static void check_after_del(struct side *sd, size_t n, const char *dir)
{
	size_t links, eth0, resv;

	ns_enter(sd->host_fd);
	links = count_links();
	eth0 = count_container_eth0(sd, n);
	resv = count_reservations(dir);
	check(sd, links == 2, "after DEL the host namespace has %zu links, expected lo + bridge",
	      links);
	check(sd, eth0 == 0, "after DEL %zu containers still have eth0", eth0);
	check(sd, resv == 0, "after DEL %zu address reservations remain in %s", resv, dir);
}

/* ---- the phases ---- */

static void series_alloc(struct series *se, size_t n)
{
	se->ms = xcalloc(n, sizeof(double));
	se->cpu_ms = xcalloc(n, sizeof(double));
	se->n = n;
}

static void series_put(struct series *se, size_t i, const struct run *r)
{
	se->ms[i] = r->ms;
	se->cpu_ms[i] = r->cpu_ms;
	if (r->maxrss_kb > se->maxrss_kb)
		se->maxrss_kb = r->maxrss_kb;
}

static void container_id(size_t n, size_t i, char *buf, size_t size)
{
	fmt(buf, size, "cnibench-n%zu-c%zu", n, i);
}

static void one_call(struct side *sd, const char *cmd, size_t n, size_t i, const char *conf,
		     struct series *se)
{
	struct cni_call c;
	char cid[48], what[96];
	struct run r;

	container_id(n, i, cid, sizeof(cid));
	cni_call_init(&c, cmd, sd->cni_path, cid, sd->cns[i]);
	ns_enter(sd->host_fd);
	plugin_run(sd->bridge_bin, c.envp, conf, &r);
	if (!run_ok(&r)) {
		fmt(what, sizeof(what), "%s of container %zu of %zu", cmd, i + 1, n);
		die_run(sd, what, &r);
	}
	series_put(se, i, &r);
}

static void phase(int k)
{
	size_t n = B.sizes[k];
	char dirs[MAX_SIDES][PATH_MAX], confs[MAX_SIDES][PATH_MAX + 512];
	double t0 = now_ms();

	for (int s = 0; s < B.nsides; s++) {
		struct side *sd = &B.sides[s];

		ns_enter(B.base_fd);
		sd->host_fd = ns_new();
		data_dir(sd, n, dirs[s], sizeof(dirs[s]));
		if (mkdir(dirs[s], 0700) < 0)
			die("mkdir %s: %m", dirs[s]);
		bridge_conf(sd, dirs[s], confs[s], sizeof(confs[s]));
		series_alloc(&sd->add[k], n);
		series_alloc(&sd->del[k], n);
	}
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < B.nsides; s++)
			one_call(&B.sides[s], "ADD", n, i, confs[s], &B.sides[s].add[k]);
	for (int s = 0; s < B.nsides; s++)
		check_after_add(&B.sides[s], n);
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < B.nsides; s++)
			one_call(&B.sides[s], "DEL", n, i, confs[s], &B.sides[s].del[k]);
	for (int s = 0; s < B.nsides; s++) {
		check_after_del(&B.sides[s], n, dirs[s]);
		close(B.sides[s].host_fd);
		B.sides[s].host_fd = -1;
	}
	ns_enter(B.base_fd);
	printf("phase N=%zu: %zu ADD + %zu DEL per side in %.1f s\n", n, n, n,
	       (now_ms() - t0) / 1e3);
	fflush(stdout);
}


/* ---- chain mode (-c): bridge with ipMasq, then portmap, as a runtime ----
 *
 * What issue 3 asks: the latency of one more container's ADD (and DEL) when
 * N containers with a published port each already exist. For each N and side
 * a fresh host namespace is filled with N containers (chain ADD, untimed but
 * interleaved), then S samples are taken: ADD of one more container, timed,
 * then its DEL, timed, so every sample sees exactly N others. The ADD is the
 * bridge process plus the portmap process with the bridge's result as
 * prevResult; the DEL is portmap then bridge, each given the cached result
 * as prevResult (libcni does the same). The filled containers are not
 * deleted: they go with their namespaces at the end of the phase. */

#define CHAIN_HOST_PORT 10000

static void pm_conf(size_t port, const char *prev, char **ret)
{
	size_t len = strlen(prev) + 512;
	char *buf = xcalloc(1, len);

	fmt(buf, len,
	    "{\"cniVersion\":\"" CNI_VERSION "\",\"name\":\"" NET_NAME "\",\"type\":\"portmap\","
	    "\"capabilities\":{\"portMappings\":true},\"runtimeConfig\":{\"portMappings\":"
	    "[{\"hostPort\":%zu,\"containerPort\":80,\"protocol\":\"tcp\"}]},\"prevResult\":%s}",
	    port, prev);
	*ret = buf;
}

/* The bridge conf with prevResult, for DEL. */
static char *with_prev(const char *conf, const char *prev)
{
	size_t len = strlen(conf) + strlen(prev) + 32;
	char *buf = xcalloc(1, len);

	fmt(buf, len, "%.*s,\"prevResult\":%s}", (int)(strlen(conf) - 1), conf, prev);
	return buf;
}

static void chain_die(struct side *sd, const char *plugin, const char *cmd, const char *cid,
		      const struct run *r)
{
	char what[160];

	fmt(what, sizeof(what), "%s %s of %s", plugin, cmd, cid);
	die_run(sd, what, r);
}

/* nftables frees what a transaction deleted after an RCU grace period, from
 * a work item shared by every namespace; whoever next closes a netfilter
 * netlink socket waits for it (nft_rcv_nl_event flushes the work). Without
 * this, a side would pay for the other side's deletions (iptables-nft leaves
 * many): the driver closes one such socket itself before each timed call,
 * untimed, so each plugin pays only for what it does itself. */
static void nft_settle(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);

	if (!nl)
		die("netlink netfilter socket: %m");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink bind: %m");
	mnl_socket_close(nl);
}

/* ADD bridge, then portmap with its result; the final result in *ret_result. */
static void chain_add(struct side *sd, const char *bridge_conf_txt, const char *cid, int cns,
		      size_t port, struct run *ret_br, struct run *ret_pm, char **ret_result)
{
	struct cni_call c;
	char *conf;

	cni_call_init(&c, "ADD", sd->cni_path, cid, cns);
	ns_enter(sd->host_fd);
	nft_settle();
	plugin_run(sd->bridge_bin, c.envp, bridge_conf_txt, ret_br);
	if (!run_ok(ret_br))
		chain_die(sd, "bridge", "ADD", cid, ret_br);
	pm_conf(port, out_buf, &conf);
	plugin_run(sd->pm_bin, c.envp, conf, ret_pm);
	free(conf);
	if (!run_ok(ret_pm))
		chain_die(sd, "portmap", "ADD", cid, ret_pm);
	*ret_result = strdup(out_buf);
	if (!*ret_result)
		die("out of memory");
}

static void chain_del(struct side *sd, const char *bridge_conf_txt, const char *cid, int cns,
		      size_t port, const char *result, struct run *ret_br, struct run *ret_pm)
{
	struct cni_call c;
	char *conf;

	cni_call_init(&c, "DEL", sd->cni_path, cid, cns);
	ns_enter(sd->host_fd);
	nft_settle();
	pm_conf(port, result, &conf);
	plugin_run(sd->pm_bin, c.envp, conf, ret_pm);
	free(conf);
	if (!run_ok(ret_pm))
		chain_die(sd, "portmap", "DEL", cid, ret_pm);
	conf = with_prev(bridge_conf_txt, result);
	plugin_run(sd->bridge_bin, c.envp, conf, ret_br);
	free(conf);
	if (!run_ok(ret_br))
		chain_die(sd, "bridge", "DEL", cid, ret_br);
}

static void put_sum(struct series *se, size_t i, const struct run *a, const struct run *b)
{
	struct run sum = *a;

	sum.ms += b->ms;
	sum.cpu_ms += b->cpu_ms;
	if (b->maxrss_kb > sum.maxrss_kb)
		sum.maxrss_kb = b->maxrss_kb;
	series_put(se, i, &sum);
}

static void chain_phase(int k)
{
	size_t n = B.sizes[k], S = B.samples;
	char dirs[MAX_SIDES][PATH_MAX], confs[MAX_SIDES][PATH_MAX + 512], cid[64];
	double t0 = now_ms();
	struct run br, pm;

	for (int s = 0; s < B.nsides; s++) {
		struct side *sd = &B.sides[s];

		ns_enter(B.base_fd);
		sd->host_fd = ns_new();
		for (size_t i = 0; i < n + 1; i++) {
			sd->cns[i] = ns_new();
			ns_enter(sd->host_fd);
		}
		data_dir(sd, n, dirs[s], sizeof(dirs[s]));
		if (mkdir(dirs[s], 0700) < 0)
			die("mkdir %s: %m", dirs[s]);
		bridge_conf(sd, dirs[s], confs[s], sizeof(confs[s]));
		series_alloc(&sd->add[k], S);
		series_alloc(&sd->del[k], S);
		series_alloc(&sd->pm_add[k], S);
		series_alloc(&sd->pm_del[k], S);
	}
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < B.nsides; s++) {
			char *res;

			container_id(n, i, cid, sizeof(cid));
			chain_add(&B.sides[s], confs[s], cid, B.sides[s].cns[i], CHAIN_HOST_PORT + i,
				  &br, &pm, &res);
			free(res);
		}
	printf("phase N=%zu: %zu containers with a mapping each made in %.1f s\n", n, n,
	       (now_ms() - t0) / 1e3);
	fflush(stdout);
	for (size_t j = 0; j < S; j++)
		for (int s = 0; s < B.nsides; s++) {
			struct side *sd = &B.sides[s];
			char *res;

			fmt(cid, sizeof(cid), "cnibench-n%zu-sample%zu", n, j);
			chain_add(sd, confs[s], cid, sd->cns[n], CHAIN_HOST_PORT + n, &br, &pm, &res);
			put_sum(&sd->add[k], j, &br, &pm);
			series_put(&sd->pm_add[k], j, &pm);
			if (j == 0)
				check_after_add(sd, n + 1);
			chain_del(sd, confs[s], cid, sd->cns[n], CHAIN_HOST_PORT + n, res, &br, &pm);
			put_sum(&sd->del[k], j, &br, &pm);
			series_put(&sd->pm_del[k], j, &pm);
			free(res);
		}
	for (int s = 0; s < B.nsides; s++) {
		struct side *sd = &B.sides[s];
		size_t links, resv;

		ns_enter(sd->host_fd);
		links = count_links();
		resv = count_reservations(dirs[s]);
		check(sd, links == n + 2, "after the samples' DEL the host namespace has %zu links, "
		      "expected lo + bridge + %zu veths", links, n);
		check(sd, resv == n, "after the samples' DEL %zu reservations, expected %zu", resv, n);
		ns_enter(B.base_fd);
		close(sd->host_fd);
		sd->host_fd = -1;
		for (size_t i = 0; i < n + 1; i++)
			close(sd->cns[i]);
	}
	printf("phase N=%zu: %zu ADD + DEL samples per side in %.1f s\n", n, S,
	       (now_ms() - t0) / 1e3);
	fflush(stdout);
}


static double version_once(const char *bin, const char *cni_path, long *maxrss_kb)
{
	struct cni_call c;
	struct run r;

	cni_call_init(&c, "VERSION", cni_path, NULL, -1);
	plugin_run(bin, c.envp, "{\"cniVersion\":\"" CNI_VERSION "\"}", &r);
	if (!run_ok(&r))
		die("VERSION of %s failed: %s%s", bin, out_buf, err_buf);
	if (maxrss_kb && r.maxrss_kb > *maxrss_kb)
		*maxrss_kb = r.maxrss_kb;
	return r.ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of v[0..n); sorts v. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Nearest-rank percentile of sorted v. */
static double pct_sorted(const double *v, size_t n, size_t p)
{
	size_t rank = (p * n + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

static double floor_ms;
/* ru_maxrss of /bin/true run the same way. The kernel folds the peak of the
 * address space a process execs away from into its ru_maxrss, and a spawned
 * child starts with the driver's: this is the floor under every RSS figure. */
static long floor_rss_kb;

static void version_phase(void)
{
	int runs = B.version_runs;
	double *v[MAX_SIDES + 1];

	for (int s = 0; s <= B.nsides; s++)
		v[s] = xcalloc((size_t)runs, sizeof(double));
	for (int w = 0; w < 5; w++)	/* page cache, dynamic loader caches */
		for (int s = 0; s < B.nsides; s++)
			version_once(B.sides[s].bridge_bin, B.sides[s].cni_path, NULL);
	for (int i = 0; i < runs; i++) {
		for (int s = 0; s < B.nsides; s++)
			v[s][i] = version_once(B.sides[s].bridge_bin, B.sides[s].cni_path, NULL);
		v[B.nsides][i] = version_once(B.floor_bin, "/nonexistent", &floor_rss_kb);
	}
	for (int s = 0; s < B.nsides; s++)
		B.sides[s].version_ms_median = median(v[s], (size_t)runs);
	floor_ms = median(v[B.nsides], (size_t)runs);
	for (int s = 0; s <= B.nsides; s++)
		free(v[s]);
}

/* host-local on its own, ADD then DEL, in a host namespace of its own: its
 * peak RSS, which a bridge ADD of the reference hides in its wait4 figure. */
static void hl_alone(struct side *sd)
{
	char dir[PATH_MAX], conf[PATH_MAX + 512];
	struct cni_call c;
	struct run r;
	int host = ns_new();

	data_dir(sd, 0, dir, sizeof(dir));
	if (mkdir(dir, 0700) < 0)
		die("mkdir %s: %m", dir);
	hl_conf(sd, dir, conf, sizeof(conf));
	for (int i = 0; i < 10; i++) {
		cni_call_init(&c, "ADD", sd->cni_path, "cnibench-hl", sd->cns[0]);
		plugin_run(sd->hl_bin, c.envp, conf, &r);
		if (!run_ok(&r))
			die_run(sd, "host-local ADD", &r);
		if (r.maxrss_kb > sd->hl_maxrss_kb)
			sd->hl_maxrss_kb = r.maxrss_kb;
		cni_call_init(&c, "DEL", sd->cni_path, "cnibench-hl", sd->cns[0]);
		plugin_run(sd->hl_bin, c.envp, conf, &r);
		if (!run_ok(&r))
			die_run(sd, "host-local DEL", &r);
	}
	check(sd, count_reservations(dir) == 0, "host-local DEL left a reservation in %s", dir);
	ns_enter(B.base_fd);
	close(host);
}

/* ---- the kernel's own share: the same link work done in-process ----
 *
 * What no plugin can go below: the rtnetlink requests for one container's
 * veth, sent from this process with no process start and no IPAM. A plugin
 * that must create, attach and delete a veth pays at least this. */

struct kfloor {
	double create_ms, attach_ms, ca_ms, delete_ms;	/* medians */
	double first_ms, last_ms;		/* create + attach, first and last 10 */
	double cfirst_ms, clast_ms, afirst_ms, alast_ms;
	size_t n, ndel;
};

static struct kfloor kfloor;

static struct nlmsghdr *nl_link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

/* Sends nlh and waits for its ACK; returns the time it took. */
static double nl_call(struct mnl_socket *nl, struct nlmsghdr *nlh, const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	double t0 = now_ms();
	ssize_t n;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("netlink send (%s): %m", what);
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, 0, NULL, NULL) < 0)
		die("netlink %s: %m", what);
	return now_ms() - t0;
}

static double nl_bridge_up(struct mnl_socket *nl, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *li;
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, li);
	return nl_call(nl, nlh, "create bridge");
}

/* A veth pair, the peer born as eth0 in the container's namespace. */
static double nl_veth_create(struct mnl_socket *nl, const char *name, int netns_fd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *li, *data, *peer;
	struct ifinfomsg *pifi;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	memset(pifi, 0, sizeof(*pifi));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return nl_call(nl, nlh, "create veth");
}

static double nl_attach_up(struct mnl_socket *nl, int ifindex, int master)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_link_msg(buf, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return nl_call(nl, nlh, "attach veth");
}

static double nl_delete(struct mnl_socket *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return nl_call(nl, nl_link_msg(buf, RTM_DELLINK, 0, ifindex), "delete veth");
}

static double median_of(const double *v, size_t n)
{
	double *c = xcalloc(n, sizeof(double)), m;

	memcpy(c, v, n * sizeof(double));
	m = median(c, n);
	free(c);
	return m;
}

/* As many veths as the largest N, all on one bridge, so that the kernel's own
 * growth with the number of ports shows; the first 100 are deleted timed, the
 * rest go with the namespace. Runs last: that teardown is left to the kernel. */
static void kernel_floor(void)
{
	size_t n = B.max_n, ndel = n < 100 ? n : 100, k = n < 10 ? n : 10;
	double *c = xcalloc(n, sizeof(double)), *a = xcalloc(n, sizeof(double));
	double *ca = xcalloc(n, sizeof(double)), *d = xcalloc(ndel, sizeof(double));
	int host = ns_new(), br;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	char name[IFNAMSIZ];

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket: %m");
	nl_bridge_up(nl, "cnibenchfl");
	br = (int)if_nametoindex("cnibenchfl");
	for (size_t i = 0; i < n; i++) {
		fmt(name, sizeof(name), "cbfl%zu", i);
		c[i] = nl_veth_create(nl, name, B.sides[0].cns[i]);
		a[i] = nl_attach_up(nl, (int)if_nametoindex(name), br);
		ca[i] = c[i] + a[i];
	}
	for (size_t i = 0; i < ndel; i++) {
		fmt(name, sizeof(name), "cbfl%zu", i);
		d[i] = nl_delete(nl, (int)if_nametoindex(name));
	}
	mnl_socket_close(nl);
	ns_enter(B.base_fd);
	close(host);
	kfloor = (struct kfloor){
		.create_ms = median_of(c, n), .attach_ms = median_of(a, n),
		.ca_ms = median_of(ca, n),
		.delete_ms = median_of(d, ndel),
		.first_ms = median_of(ca, k), .last_ms = median_of(ca + n - k, k),
		.cfirst_ms = median_of(c, k), .clast_ms = median_of(c + n - k, k),
		.afirst_ms = median_of(a, k), .alast_ms = median_of(a + n - k, k),
		.n = n, .ndel = ndel,
	};
	free(c);
	free(a);
	free(ca);
	free(d);
}

/* ---- the report ---- */

static const char *mark(bool ok)
{
	return ok ? "PASS" : "FAIL";
}

static void print_ms_row(const char *label, const double v[MAX_SIDES], const char *target,
			 double need_ratio)
{
	printf("%-28s", label);
	for (int s = 0; s < B.nsides; s++)
		printf(" %11.3f ms", v[s]);
	if (B.nsides == 2) {
		double ratio = v[0] / v[1];

		printf(" %8.1fx", ratio);
		if (target)
			printf("   %-10s %s", target, mark(ratio >= need_ratio));
	}
	printf("\n");
}

static void print_series(const char *cmd, int k, const char *target, double need)
{
	double med[MAX_SIDES], p95[MAX_SIDES], cpu[MAX_SIDES];
	char label[64];

	for (int s = 0; s < B.nsides; s++) {
		struct series *se = !strcmp(cmd, "ADD") ? &B.sides[s].add[k] : &B.sides[s].del[k];

		med[s] = median(se->ms, se->n);
		p95[s] = pct_sorted(se->ms, se->n, 95);
		cpu[s] = median(se->cpu_ms, se->n);
	}
	fmt(label, sizeof(label), "%s N=%zu median", cmd, B.sizes[k]);
	print_ms_row(label, med, target, need);
	fmt(label, sizeof(label), "%s N=%zu p95", cmd, B.sizes[k]);
	print_ms_row(label, p95, NULL, 0);
	fmt(label, sizeof(label), "%s N=%zu cpu median", cmd, B.sizes[k]);
	print_ms_row(label, cpu, NULL, 0);
}

static double add_median(int s, int k)
{
	struct series *se = &B.sides[s].add[k];

	return median(se->ms, se->n);
}

static void print_scaling(void)
{
	int lo = 0, hi = B.nsizes - 1;

	if (B.nsizes < 2)
		return;
	printf("%-28s", "ADD median N=max / N=min");
	for (int s = 0; s < B.nsides; s++)
		printf(" %13.2fx", add_median(s, hi) / add_median(s, lo));
	if (B.nsides == 2) {
		double r = add_median(1, hi) / add_median(1, lo);

		printf(" %9s   %-10s %s", "", "<= 1.25x", mark(r <= 1.25));
	}
	printf("   (N=%zu vs N=%zu)\n", B.sizes[hi], B.sizes[lo]);
}

static void print_rss(void)
{
	long peak[MAX_SIDES] = { 0 };

	for (int s = 0; s < B.nsides; s++)
		for (int k = 0; k < B.nsizes; k++)
			if (B.sides[s].add[k].maxrss_kb > peak[s])
				peak[s] = B.sides[s].add[k].maxrss_kb;
	printf("%-28s", "peak RSS, bridge ADD");
	for (int s = 0; s < B.nsides; s++)
		printf(" %10.2f MiB", peak[s] / 1024.0);
	if (B.nsides == 2)
		printf(" %8.1fx   %-10s %s", (double)peak[0] / (double)peak[1], "<= 4 MiB",
		       mark(peak[1] <= 4096));
	printf("\n%-28s", "peak RSS, host-local alone");
	for (int s = 0; s < B.nsides; s++)
		printf(" %10.2f MiB", B.sides[s].hl_maxrss_kb / 1024.0);
	printf("\n%-28s %10.2f MiB   (%s measured the same way: the floor)", "peak RSS, floor",
	       floor_rss_kb / 1024.0, B.floor_bin);
	printf("\n  (ru_maxrss from wait4 of the bridge process, max over every ADD. wait4 also\n"
	       "   counts the children the plugin waited for: where host-local runs as its own\n"
	       "   process (the reference), the figure is max(bridge, host-local); it is\n"
	       "   bridge's own whenever it exceeds 'host-local alone'. pontoon runs host-local\n"
	       "   in-process, so its figure is the one process doing all the work.)\n");
	for (int s = 0; s < B.nsides; s++)
		if (peak[s] > B.sides[s].hl_maxrss_kb)
			printf("  %s: %.2f MiB is the bridge process's own peak\n", B.sides[s].name,
			       peak[s] / 1024.0);
}

static void print_floor(void)
{
	printf("kernel floor: the same link work as one rtnetlink request each from the driver\n"
	       "(no process start, no IPAM, no addresses), %zu veths on one bridge:\n", kfloor.n);
	printf("%-28s %11.3f ms   first 10 %.3f -> last 10 %.3f (peer born in the container netns)\n",
	       "  create veth median", kfloor.create_ms, kfloor.cfirst_ms, kfloor.clast_ms);
	printf("%-28s %11.3f ms   first 10 %.3f -> last 10 %.3f (master + up, one request)\n",
	       "  attach median", kfloor.attach_ms, kfloor.afirst_ms, kfloor.alast_ms);
	printf("%-28s %11.3f ms   first 10 %.3f -> last 10 %.3f (%.2fx: the bridge's own\n"
	       "%-28s                  work grows with its ports)\n", "  create+attach median",
	       kfloor.ca_ms, kfloor.first_ms, kfloor.last_ms, kfloor.last_ms / kfloor.first_ms, "");
	printf("%-28s %11.3f ms   (first %zu; mostly rcu_barrier() in netdev_run_todo:\n"
	       "%-28s                  no DEL that removes a veth can be faster)\n",
	       "  delete veth median", kfloor.delete_ms, kfloor.ndel, "");
}

static void print_report(void)
{
	double v[MAX_SIDES];
	char label[64];

	printf("\n%-28s", "");
	for (int s = 0; s < B.nsides; s++)
		printf(" %14s", B.sides[s].name);
	if (B.nsides == 2)
		printf(" %9s   %-10s", "ref/cand", "target");
	printf("\n");
	for (int s = 0; s < B.nsides; s++)
		v[s] = B.sides[s].version_ms_median;
	fmt(label, sizeof(label), "VERSION median (%d runs)", B.version_runs);
	print_ms_row(label, v, ">= 2x", 2.0);
	printf("%-28s %11.3f ms   (process start floor: spawn + exec + exit)\n",
	       "/bin/true median", floor_ms);
	for (int k = 0; k < B.nsizes; k++) {
		print_series("ADD", k, ">= 8x", 8.0);
		print_series("DEL", k, ">= 15x", 15.0);
	}
	print_scaling();
	print_floor();
	print_rss();
	printf("\nratio = reference / candidate (higher: candidate faster); cpu = user+sys of the\n"
	       "plugin process and the children it waited for (exact; the kernel's user/sys split\n"
	       "is tick-sampled, useless at this scale, so not shown). p95 is nearest-rank (at\n"
	       "N=10 it is the slowest of the ten).\n");
}

static void print_chain_report(void)
{
	char label[64];
	double v[MAX_SIDES];

	printf("\nchain bridge(ipMasq) + host-local + portmap (1 tcp mapping per container),\n"
	       "one more container's ADD and DEL with N containers present, %zu samples each\n",
	       B.samples);
	printf("%-28s", "");
	for (int s = 0; s < B.nsides; s++)
		printf(" %14s", B.sides[s].name);
	if (B.nsides == 2)
		printf(" %9s   %-10s", "ref/cand", "target");
	printf("\n");
	for (int k = 0; k < B.nsizes; k++) {
		print_series("ADD", k, ">= 20x", 20.0);
		print_series("DEL", k, ">= 20x", 20.0);
		for (int s = 0; s < B.nsides; s++)
			v[s] = median(B.sides[s].pm_add[k].ms, B.sides[s].pm_add[k].n);
		fmt(label, sizeof(label), "  portmap's ADD N=%zu", B.sizes[k]);
		print_ms_row(label, v, NULL, 0);
		for (int s = 0; s < B.nsides; s++)
			v[s] = median(B.sides[s].pm_del[k].ms, B.sides[s].pm_del[k].n);
		fmt(label, sizeof(label), "  portmap's DEL N=%zu", B.sizes[k]);
		print_ms_row(label, v, NULL, 0);
	}
	print_scaling();
	printf("\nADD = bridge + portmap process times (spawn..wait4), DEL = portmap + bridge.\n"
	       "ratio = reference / candidate. A DEL that deletes a veth waits ~17-20 ms in the\n"
	       "kernel (rcu_barrier, see the kernel floor of bench/run.sh).\n");
}

/* ---- setup ---- */

static void side_init(struct side *sd, int idx, const char *spec)
{
	const char *eq = strchr(spec, '=');
	static char names[MAX_SIDES][32];

	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof(names[0]))
		die("bad side \"%s\": want NAME=CNI_PATH_DIR", spec);
	memcpy(names[idx], spec, (size_t)(eq - spec));
	sd->name = names[idx];
	sd->cni_path = eq + 1;
	fmt(sd->bridge_bin, sizeof(sd->bridge_bin), "%s/bridge", sd->cni_path);
	fmt(sd->hl_bin, sizeof(sd->hl_bin), "%s/host-local", sd->cni_path);
	fmt(sd->pm_bin, sizeof(sd->pm_bin), "%s/portmap", sd->cni_path);
	if (access(sd->bridge_bin, X_OK) < 0 || access(sd->hl_bin, X_OK) < 0)
		die("%s: no executable bridge and host-local in %s", sd->name, sd->cni_path);
	if (B.chain && access(sd->pm_bin, X_OK) < 0)
		die("%s: no executable portmap in %s", sd->name, sd->cni_path);
	fmt(sd->brname, sizeof(sd->brname), "cnibench%d", idx);
	fmt(sd->subnet, sizeof(sd->subnet), "10.%d.0.0/16", 200 + idx);
	sd->host_fd = -1;
}

static void parse_sizes(const char *s)
{
	char *end;

	B.nsizes = 0;
	while (*s) {
		unsigned long v;

		while (*s == ' ' || *s == ',')
			s++;
		if (!*s)
			break;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || end == s || v == 0 || v > 60000 || B.nsizes == MAX_SIZES)
			die("bad sizes list near \"%s\" (up to %d positive numbers)", s, MAX_SIZES);
		B.sizes[B.nsizes++] = v;
		if (v > B.max_n)
			B.max_n = v;
		s = end;
	}
	if (B.nsizes == 0)
		die("empty sizes list");
}

static void usage(void)
{
	fprintf(stderr,
		"usage: cnibench [-s \"10 100 1000\"] [-v VERSION_RUNS] [-F] [-c [-S SAMPLES]] -t TMPDIR\n"
		"                REFNAME=CNI_PATH [CANDNAME=CNI_PATH]\n"
		"-F: only the kernel floor (in-process rtnetlink) with max(sizes) veths.\n"
		"-c: chain bridge(ipMasq) + portmap: SAMPLES ADD+DEL of one more container\n"
		"    with N containers present (each CNI_PATH must also hold portmap).\n"
		"Each CNI_PATH must hold executables bridge and host-local. Run as root inside a\n"
		"throwaway network namespace (bench/run.sh does it).\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	int opt;

	parse_sizes("10 100 1000");
	while ((opt = getopt(argc, argv, "s:v:t:f:FcS:h")) != -1) {
		switch (opt) {
		case 's': B.max_n = 0; parse_sizes(optarg); break;
		case 'v': B.version_runs = atoi(optarg); break;
		case 't': B.tmpdir = optarg; break;
		case 'f': B.floor_bin = optarg; break;
		case 'F': B.floor_only = true; break;
		case 'c': B.chain = true; break;
		case 'S': B.samples = (size_t)atoi(optarg); break;
		default: usage();
		}
	}
	B.nsides = argc - optind;
	if (!B.tmpdir || B.nsides < 1 || B.nsides > MAX_SIDES || B.version_runs < 1 ||
	    B.samples < 1)
		usage();
	for (int s = 0; s < B.nsides; s++)
		side_init(&B.sides[s], s, argv[optind + s]);
}

static void print_header(int argc, char **argv)
{
	struct utsname u;

	uname(&u);
	printf("cnibench: CNI bridge + host-local%s, %s\n", B.chain ? " + portmap (chain)" : "",
	       B.nsides == 2 ?
	       "reference beside candidate, interleaved container by container" : "one side");
	printf("machine: %ld cores online, %s %s %s\ncommand:", sysconf(_SC_NPROCESSORS_ONLN),
	       u.sysname, u.release, u.machine);
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	for (int s = 0; s < B.nsides; s++) {
		struct side *sd = &B.sides[s];
		char conf[PATH_MAX + 512];

		bridge_conf(sd, "<tmp>", conf, sizeof(conf));
		printf("side %d %-10s CNI_PATH=%s\n  config: %s\n", s, sd->name, sd->cni_path, conf);
	}
	printf("sizes:");
	for (int k = 0; k < B.nsizes; k++)
		printf(" %zu", B.sizes[k]);
	printf("; VERSION runs: %d; CNI_NETNS=/proc/<driver>/fd/<n>; cniVersion " CNI_VERSION "\n",
	       B.version_runs);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	double t0 = now_ms(), t;

	parse_args(argc, argv);
	refuse_init_netns();
	B.pid = getpid();
	raise_nofile((B.max_n + 1) * (size_t)B.nsides + 64);
	B.out_fd = memfd_create("cnibench-out", MFD_CLOEXEC);
	B.err_fd = memfd_create("cnibench-err", MFD_CLOEXEC);
	if (B.out_fd < 0 || B.err_fd < 0)
		die("memfd_create: %m");
	B.base_fd = ns_open_current();
	print_header(argc, argv);

	if (B.chain) {
		for (int s = 0; s < B.nsides; s++)
			B.sides[s].cns = xcalloc(B.max_n + 1, sizeof(int));
		for (int k = 0; k < B.nsizes; k++)
			chain_phase(k);
		print_chain_report();
		printf("total %.1f s%s\n", (now_ms() - t0) / 1e3,
		       B.checks_failed ? "; SOME CHECKS FAILED (see above)" : "");
		return B.checks_failed ? 1 : 0;
	}
	t = make_container_namespaces();
	printf("made %zu container network namespaces in %.2f s (not part of any timing)\n",
	       B.max_n * (size_t)B.nsides, t / 1e3);
	if (B.floor_only) {
		kernel_floor();
		print_floor();
		return 0;
	}
	version_phase();
	for (int k = 0; k < B.nsizes; k++)
		phase(k);
	for (int s = 0; s < B.nsides; s++)
		hl_alone(&B.sides[s]);
	kernel_floor();
	print_report();
	printf("total %.1f s%s\n", (now_ms() - t0) / 1e3,
	       B.checks_failed ? "; SOME CHECKS FAILED (see above)" : "");
	return B.checks_failed ? 1 : 0;
}
