/* The plumbing every subcommand uses: paths under PONTOON_ROOT, one-line
 * errors with exit codes, the table/--json printer, atomic files, process
 * liveness (pid + start time, so a recycled pid is never taken for ours),
 * and the state lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util/error.h"

struct cli_ctx cli;

static void path_join(char *buf, size_t size, const char *a, const char *b)
{
	snprintf(buf, size, "%s%s", a, b);
}

int cli_init_paths(void)
{
	const char *root = getenv("PONTOON_ROOT");

	cli.root = root && *root ? root : "";
	if (strlen(cli.root) > PATH_MAX - 64)
		return cli_error(EXIT_USAGE, "PONTOON_ROOT: too long");
	path_join(cli.conf_dir, sizeof(cli.conf_dir), cli.root, "/etc/cni/net.d");
	path_join(cli.run_dir, sizeof(cli.run_dir), cli.root, "/run/pontoon");
	path_join(cli.netns_dir, sizeof(cli.netns_dir), cli.root, "/run/pontoon/netns");
	path_join(cli.containers_dir, sizeof(cli.containers_dir), cli.root, "/run/pontoon/containers");
	path_join(cli.dns_dir, sizeof(cli.dns_dir), cli.root, "/run/pontoon/dns");
	path_join(cli.results_dir, sizeof(cli.results_dir), cli.root, "/var/lib/pontoon/results");
	path_join(cli.ipam_dir, sizeof(cli.ipam_dir), cli.root, "/var/lib/cni/networks");
	cli.rt.cache_dir = cli.results_dir;
	cli.rt.cni_path = cli.cni_path;
	return 0;
}

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("pontoon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_lib_error(int code, int r, const char *fmt, ...)
{
	const char *msg = pt_err_msg();
	va_list ap;

	fputs("pontoon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", msg && *msg ? msg : strerror(r < 0 ? -r : r));
	pt_err_clear();
	return code;
}

int cli_help(const struct cli_usage *u)
{
	printf("usage: pontoon %s\n%s", u->synopsis, u->text ? u->text : "");
	printf("  -h, --help             show this help\n");
	return EXIT_OK;
}

int cli_usage_error(const struct cli_usage *u, const char *fmt, ...)
{
	va_list ap;

	fputs("pontoon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (usage: pontoon %s)\n", u->synopsis);
	return EXIT_USAGE;
}

bool cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

int cli_dispatch(const char *group, const struct cli_cmd *table, size_t n, int argc, char **argv)
{
	const char *name = argc > 0 ? argv[0] : NULL;

	if (!name || strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 ||
	    strcmp(name, "help") == 0) {
		FILE *out = name ? stdout : stderr;

		fprintf(out, "usage: pontoon %sCOMMAND [OPTIONS] (pontoon %sCOMMAND --help)\n\ncommands:\n",
			group, group);
		for (size_t i = 0; i < n; i++)
			if (table[i].summary)
				fprintf(out, "  %-12s %s\n", table[i].name, table[i].summary);
		return name ? EXIT_OK : EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].fn(argc, argv);
	return cli_error(EXIT_USAGE, "unknown command \"%s%s\" (see pontoon %s--help)", group, name,
			 group);
}

/* ---- output ---- */

void cli_print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

	if (s)
		printf("%s\n", s);
	free(s);
}

/* The text of one cell: strings as they are, numbers, arrays joined. */
static char *cell(json_t *v)
{
	char *s = NULL;

	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v) && asprintf(&s, "%lld", (long long)json_integer_value(v)) >= 0)
		return s;
	if (json_is_boolean(v))
		return strdup(json_is_true(v) ? "yes" : "no");
	if (json_is_array(v)) {
		size_t i, len = 0;
		json_t *e;
		FILE *f = open_memstream(&s, &len);

		if (!f)
			return NULL;
		json_array_foreach(v, i, e) {
			_cleanup_free_ char *c = cell(e);

			fprintf(f, "%s%s", i ? "," : "", c ? c : "");
		}
		fclose(f);
		return s;
	}
	return strdup("-");
}

void cli_print_rows(json_t *rows, const char *const *keys, const char *const *headers, size_t n)
{
	size_t nrows = json_array_size(rows), w[16] = { 0 };
	char **cells;

	if (cli.json) {
		cli_print_json(rows);
		return;
	}
	if (n > ARRAY_SIZE(w))
		n = ARRAY_SIZE(w);
	cells = calloc(nrows * n + 1, sizeof(*cells));
	if (!cells)
		return;
	for (size_t c = 0; c < n; c++)
		w[c] = strlen(headers[c]);
	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < n; c++) {
			char *s = cell(json_object_get(json_array_get(rows, r), keys[c]));

			cells[r * n + c] = s;
			if (s && strlen(s) > w[c])
				w[c] = strlen(s);
			if (s && !*s)
				cells[r * n + c] = (free(s), strdup("-"));
		}
	for (size_t c = 0; c < n; c++)
		printf("%-*s%s", c + 1 < n ? (int)w[c] : 0, headers[c], c + 1 < n ? "  " : "\n");
	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < n; c++) {
			const char *s = cells[r * n + c] ? cells[r * n + c] : "-";

			printf("%-*s%s", c + 1 < n ? (int)w[c] : 0, s, c + 1 < n ? "  " : "\n");
		}
	for (size_t i = 0; i < nrows * n; i++)
		free(cells[i]);
	free(cells);
}

/* ---- files ---- */

static int write_all(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += n;
	}
	return 0;
}

int write_file_atomic(const char *path, const char *text, mode_t mode)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (asprintf(&tmp, "%s.tmp.%d", path, getpid()) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return pt_err(-errno, "cannot write %s: %m", tmp);
	r = write_all(fd, text);
	if (r >= 0 && fchmod(fd, mode) < 0)
		r = -errno;
	/* What lives under the run dir does not survive a reboot by design:
	 * no fsync there (it costs milliseconds per container). */
	if (r >= 0 && strncmp(path, cli.run_dir, strlen(cli.run_dir)) != 0 && fsync(fd) < 0)
		r = -errno;
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return pt_err(r, "cannot write %s: %s", path, strerror(-r));
	}
	return 0;
}

int write_file_inplace(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return pt_err(-errno, "cannot write %s: %m", path);
	/* the container's own users read it, whatever pontoon's umask */
	r = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (r >= 0)
		r = write_all(fd, text);
	return r < 0 ? pt_err(r, "cannot write %s: %s", path, strerror(-r)) : 0;
}

int write_json_atomic(const char *path, json_t *j)
{
	_cleanup_free_ char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	_cleanup_free_ char *text = NULL;

	if (!s || asprintf(&text, "%s\n", s) < 0)
		return -ENOMEM;
	return write_file_atomic(path, text, 0600);
}

/* ---- processes ---- */

unsigned long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	_cleanup_close_ int fd = -1;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* After "pid (comm)": state is field 3, starttime field 22. */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	/* A zombie has exited: it holds nothing and runs nothing. */
	p = strrchr(buf, ')');
	if (p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return 0;
	return start;
}

bool proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long s;

	if (pid <= 0)
		return false;
	s = proc_start_time(pid);
	return s != 0 && (start == 0 || s == start);
}

int cli_lock(int *ret_fd)
{
	char path[PATH_MAX + 8];
	int fd, r;

	r = mkdir_p_private(cli.run_dir, cli.run_dir);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/lock", cli.run_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return pt_err(-errno, "cannot open %s: %m", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			r = -errno;
			close(fd);
			return pt_err(r, "cannot lock %s: %s", path, strerror(-r));
		}
	*ret_fd = fd;
	return 0;
}

void random_id(char buf[33])
{
	unsigned char b[16] = { 0 };

	if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
		/* Not secret, only unique: time and pid do. */
		unsigned long long t = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);

		memcpy(b, &t, sizeof(t));
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(buf + 2 * i, 3, "%02x", b[i]);
}
