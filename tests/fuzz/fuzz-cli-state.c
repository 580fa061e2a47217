/* Fuzz target: the CLI's container state files ($PONTOON_ROOT/run/pontoon/
 * containers/NAME.json), as a crash, an older pontoon or a person may have
 * left them. src/cli/container.c and common.c (loading, liveness, release),
 * ps.c, inspect.c and port.c (what prints the fields) are compiled into
 * this target; the CLI is no library. PONTOON_ROOT is a throwaway directory
 * ($PONTOON_FUZZ_TMP, else /dev/shm).
 *
 * The input is cut at each "%%\n" into: the content of fuzz1.json, of
 * fuzz2.json ("@ROOT@" in them stands for $PONTOON_ROOT), and names (one a
 * line) for ctr_valid_name and ctr_load. Then,
 * as `pontoon ps/inspect/port/gc/rm` would: ctr_load, ctr_load_all,
 * ctr_process_alive, ctr_supervisor_alive, ctr_network, the three commands
 * (their output thrown away), and ctr_release of every state whose
 * supervisor is dead. What must hold, whatever the JSON (wrong types,
 * missing keys, huge numbers, names with '/' or ".."):
 *  - nothing crashes; a name ctr_valid_name accepts has no '/', is not
 *    "." or "..", fits a hostname;
 *  - a loaded state is an object whose "name" is the file's own (the name
 *    becomes paths when the container is released);
 *  - a signal goes only to the pid the state holds, exactly (no
 *    truncation to pid_t), > 0, with the start time the state recorded;
 *  - release removes files under $PONTOON_ROOT only, a namespace under
 *    its netns directory only, and stops DNS servers of valid network
 *    names only. Files and namespaces are never touched outside the
 *    directory, whatever the mode (unlink and rmdir are wrapped here).
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cni/env.h"
#include "fuzz.h"

static char root[256];
static json_t *releasing;	/* the state ctr_release is working on */
static bool in_cli;		/* pontoon code runs (libFuzzer unlinks files too) */

/* ---- what the CLI would do to the system, checked and contained ---- */

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/' && !strstr(path + n, "/../") &&
	       (strlen(path) < 3 || strcmp(path + strlen(path) - 3, "/..") != 0);
}

int unlink(const char *path)
{
	if (!in_cli)
		return unlinkat(AT_FDCWD, path, 0);
	FUZZ_ASSERT(under(path, root), "unlink(\"%s\") outside %s", path, root);
	if (!under(path, root)) {
		errno = EACCES;
		return -1;
	}
	return unlinkat(AT_FDCWD, path, 0);
}

int rmdir(const char *path)
{
	if (!in_cli)
		return unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
	FUZZ_ASSERT(under(path, root), "rmdir(\"%s\") outside %s", path, root);
	if (!under(path, root)) {
		errno = EACCES;
		return -1;
	}
	return unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

/* Never sent: only checked. */
int kill(pid_t pid, int sig)
{
	json_t *p = json_object_get(releasing, "pid");
	json_int_t start = json_integer_value(json_object_get(releasing, "pidStart"));

	FUZZ_ASSERT(releasing, "kill(%d, %d) outside a release", (int)pid, sig);
	FUZZ_ASSERT(pid > 0, "kill(%d, %d)", (int)pid, sig);
	FUZZ_ASSERT(json_is_integer(p) && json_integer_value(p) == pid,
		    "kill(%d) for the state's pid %lld", (int)pid, (long long)json_integer_value(p));
	FUZZ_ASSERT(start > 0 && (unsigned long long)start == proc_start_time(pid),
		    "kill(%d) with the state's start time %lld, the process's %llu", (int)pid,
		    (long long)start, proc_start_time(pid));
	return 0;
}

int sandbox_netns_remove(const char *path)
{
	const char *rest = path + strlen(cli.netns_dir) + 1;

	FUZZ_ASSERT(under(path, cli.netns_dir) && !strchr(rest, '/') && strcmp(rest, "..") &&
			    strcmp(rest, "."),
		    "the namespace \"%s\" is outside %s", path, cli.netns_dir);
	return 0;
}

/* No network config is ever written here, so no plugin is ever run: the
 * runtime stays as cli_init_paths() left it, with no plugin path. */
struct cni_runtime *cli_runtime(void)
{
	return &cli.rt;
}

int dns_stop_unused(const char *net)
{
	FUZZ_ASSERT(net && cni_valid_id(net), "DNS server of network \"%s\" stopped",
		    net ? net : "(null)");
	return 0;
}

/* ---- set-up ---- */

static FILE *devnull;	/* the commands' stderr while they run */

static void cleanup_root(void)
{
	fuzz_wipe(root);
	unlinkat(AT_FDCWD, root, AT_REMOVEDIR);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_make_root(root, sizeof(root));
	if (setenv("PONTOON_ROOT", root, 1) < 0 || cli_init_paths() != 0 ||
	    mkdir_p(cli.containers_dir, 0755) < 0)
		abort();
	atexit(cleanup_root);
	/* The commands' output goes nowhere; their stderr only while they
	 * run (the FILE only: sanitizer reports write to fd 2 itself). */
	if (!freopen("/dev/null", "w", stdout) || !(devnull = fopen("/dev/null", "we")))
		abort();
	return 0;
}

/* The state file, with every "@ROOT@" replaced by $PONTOON_ROOT: the
 * seeds' namespace paths are the ones pontoon writes. */
static void write_state(const char *name, const char *p, size_t n)
{
	char path[PATH_MAX + 300];
	FILE *f;

	ctr_state_path(name, path, sizeof(path));
	f = fopen(path, "we");
	if (!f)
		abort();
	for (const char *end = p + n, *at; p < end; p = at + 6) {
		at = memmem(p, end - p, "@ROOT@", 6);
		if (!at) {
			fwrite(p, 1, end - p, f);
			break;
		}
		fwrite(p, 1, at - p, f);
		fputs(cli.root, f);
	}
	if (fclose(f) != 0)
		abort();
}

/* ---- the checks ---- */

static void check_name(const char *s)
{
	json_t *j = NULL;
	int r;

	if (ctr_valid_name(s))
		FUZZ_ASSERT(!strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..") && strlen(s) <= 63 &&
				    *s,
			    "ctr_valid_name accepts \"%s\"", s);
	r = ctr_load(s, &j);
	FUZZ_ASSERT(r == 0 || r == -ENOENT || r == -EINVAL, "ctr_load(\"%s\") returned %d", s, r);
	FUZZ_ASSERT(r != 0 || ctr_valid_name(s), "ctr_load(\"%s\") loaded a state", s);
	json_decref(j);
}

/* Whether a state is the object of the file it was read from. */
static bool state_is_own(json_t *j, const char *name)
{
	return json_is_object(j) && json_is_string(json_object_get(j, "name")) &&
	       strcmp(json_string_value(json_object_get(j, "name")), name) == 0;
}

static void check_state(json_t *c)
{
	json_t *nets = json_object_get(c, "networks"), *a;
	size_t i;

	(void)ctr_process_alive(c);
	(void)ctr_supervisor_alive(c);
	FUZZ_ASSERT(!ctr_network(c, "fuzznet-none"), "found a network that is not there");
	json_array_foreach(nets, i, a) {
		json_t *found;

		if (!json_is_string(json_object_get(a, "name")))
			continue;	/* ctr_network skips it (finding 12) */
		found = ctr_network(c, json_string_value(json_object_get(a, "name")));

		FUZZ_ASSERT(found && json_equal(json_object_get(found, "name"), json_object_get(a, "name")),
			    "network %zu not found by its name", i);
	}
}

static void run_cmd(int (*fn)(int, char **), int argc, char **argv)
{
	int r;

	FILE *saved = stderr;

	cli.json = false;
	stderr = devnull;
	r = fn(argc, argv);
	stderr = saved;
	FUZZ_ASSERT(r == EXIT_OK || r == EXIT_NOTFOUND || r == EXIT_FAIL, "%s returned %d", argv[0], r);
}

static void run_commands(void)
{
	run_cmd(cmd_ps, 1, (char *[]){ "ps", NULL });
	run_cmd(cmd_ps, 2, (char *[]){ "ps", "--json", NULL });
	run_cmd(cmd_inspect, 3, (char *[]){ "inspect", "fuzz1", "fuzz2", NULL });
	run_cmd(cmd_port, 2, (char *[]){ "port", "fuzz1", NULL });
	run_cmd(cmd_port, 3, (char *[]){ "port", "fuzz2", "--json", NULL });
}

/* As `pontoon gc` releases containers whose supervisor is dead. */
static void release(json_t *c)
{
	if (ctr_supervisor_alive(c))
		return;
	releasing = c;
	(void)ctr_release(c);
	releasing = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[] = { "fuzz1", "fuzz2" };
	const char *p = (const char *)data, *end = p + size;
	_cleanup_json_ json_t *all = NULL, *one = NULL;
	json_t *c;
	size_t i;
	int r;

	fuzz_wipe(cli.run_dir);
	if (mkdir_p(cli.containers_dir, 0755) < 0)
		abort();
	in_cli = true;
	for (i = 0; i < ARRAY_SIZE(files) && p <= end; i++) {
		const char *sep = memmem(p, end - p, "%%\n", 3);
		size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);

		write_state(files[i], p, n);
		p += n + 3;
	}
	if (p < end) {
		_cleanup_free_ char *names = fuzz_cstr((const uint8_t *)p, end - p);
		char *save = NULL;

		for (char *s = strtok_r(names, "\n", &save); s; s = strtok_r(NULL, "\n", &save))
			check_name(s);
	}

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		json_t *j = NULL;

		r = ctr_load(files[i], &j);
		FUZZ_ASSERT(r == 0 || r == -ENOENT || r == -EINVAL, "ctr_load returned %d", r);
		if (r != -ENOENT)	/* "no such state" has no message, by design */
			fuzz_check_error(r);
		FUZZ_ASSERT(r < 0 || state_is_own(j, files[i]),
			    "%s.json loaded, but it is not the state of %s", files[i], files[i]);
		if (i == 0)
			one = j;
		else
			json_decref(j);
	}

	FUZZ_ASSERT(ctr_load_all(&all) == 0, "ctr_load_all: %s", pt_err_msg());
	FUZZ_ASSERT(json_array_size(all) <= 2, "%zu states from 2 files", json_array_size(all));
	json_array_foreach(all, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));

		FUZZ_ASSERT(name, "a state without a name listed");
		FUZZ_ASSERT(ctr_valid_name(name), "a state named \"%s\" listed", name);
		if (i > 0)
			FUZZ_ASSERT(strcmp(json_string_value(json_object_get(json_array_get(all, i - 1), "name")),
					   name) <= 0,
				    "not sorted by name");
		check_state(c);
	}
	if (one)
		check_state(one);
	run_commands();

	/* Release as gc and rm do; a state that is not its file's own would
	 * make release remove files elsewhere (refused by the wrappers). */
	json_array_foreach(all, i, c)
		release(c);
	if (one && json_is_object(one))
		release(one);
	in_cli = false;
	return 0;
}
