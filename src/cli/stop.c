/* `pontoon stop` and `pontoon rm`: the container's process gets SIGTERM
 * (SIGKILL after the timeout); its supervisor then releases everything. When
 * no supervisor is left (it crashed), or it has not released a container
 * whose process is gone, this process releases it itself. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util/error.h"

static const struct cli_usage stop_usage = {
	"stop [-t SECONDS] NAME...",
	"  -t, --time SECONDS     wait this long before SIGKILL (default 10)\n",
};
static const struct cli_usage rm_usage = {
	"rm [-f] NAME...",
	"  -f, --force            stop running containers first\n",
};

static bool gone(const char *name)
{
	json_t *s;

	if (ctr_load(name, &s) < 0)
		return true;
	json_decref(s);
	return false;
}

static bool wait_gone(const char *name, double seconds)
{
	/* 5 ms steps: a supervisor releases a container in a few of them. */
	for (int i = 0; i < seconds * 200; i++) {
		if (gone(name))
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000 * 1000 }, NULL);
	}
	return gone(name);
}

static int release_here(const char *name)
{
	_cleanup_json_ json_t *state = NULL;
	int lock = -1, r;

	r = cli_lock(&lock);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot take the state lock");
	if (ctr_load(name, &state) >= 0) {
		bool mine = json_integer_value(json_object_get(state, "supervisorPid")) == getpid();

		/* Running under a live supervisor: it started while this waited
		 * for the lock (a `pontoon run` still setting up); not ours. */
		if (!mine && ctr_supervisor_alive(state) && ctr_process_alive(state))
			r = pt_err(-EBUSY, "it is running (it started while this waited)");
		else
			r = ctr_release(state);
	}
	close(lock);
	return r < 0 ? cli_lib_error(EXIT_FAIL, r, "container %s", name) : 0;
}

static int stop_one(const char *name, double timeout)
{
	_cleanup_json_ json_t *state = NULL;
	pid_t pid;
	int r;

	r = ctr_find(name, &state);
	if (r != 0)
		return r;
	pid = (pid_t)json_integer_value(json_object_get(state, "pid"));
	if (ctr_process_alive(state)) {
		kill(pid, SIGTERM);
		if (!wait_gone(name, timeout) && ctr_process_alive(state)) {
			kill(pid, SIGKILL);
			(void)wait_gone(name, 5);
		}
	}
	/* The supervisor releases a container whose process ended; one that is
	 * slow to (a loaded machine, the state lock busy) is relieved of it:
	 * the release is serialised by the lock, and the supervisor then finds
	 * nothing left to do. */
	if (!gone(name) && ctr_supervisor_alive(state))
		(void)wait_gone(name, 5);
	if (!gone(name) && ctr_process_alive(state))
		return cli_error(EXIT_FAIL, "container %s: its process (pid %d) outlived SIGKILL", name,
				 (int)pid);
	if (!gone(name))
		return release_here(name);
	return 0;
}

int cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = { { "time", required_argument, NULL, 't' }, { 0 } };
	double timeout = 10;
	int c, r = 0;

	if (cli_wants_help(argc, argv))
		return cli_help(&stop_usage);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+t:", opts, NULL)) != -1) {
		char *end;

		if (c != 't')
			return cli_usage_error(&stop_usage, "unknown or incomplete option \"%s\"", argv[optind - 1]);
		timeout = strtod(optarg, &end);
		if (*end || timeout < 0)
			return cli_usage_error(&stop_usage, "-t: not a number of seconds: \"%s\"", optarg);
	}
	if (optind >= argc)
		return cli_usage_error(&stop_usage, "expects a container NAME");
	for (int i = optind; i < argc; i++) {
		int one = stop_one(argv[i], timeout);

		if (one == 0)
			printf("%s\n", argv[i]);
		else if (r == 0)
			r = one;
	}
	return r;
}

int cmd_rm(int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	bool force = false;
	int c, r = 0;

	if (cli_wants_help(argc, argv))
		return cli_help(&rm_usage);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return cli_usage_error(&rm_usage, "unknown option \"%s\"", argv[optind - 1]);
		force = true;
	}
	if (optind >= argc)
		return cli_usage_error(&rm_usage, "expects a container NAME");
	for (int i = optind; i < argc; i++) {
		_cleanup_json_ json_t *state = NULL;
		int one = ctr_find(argv[i], &state);

		if (one == 0 && ctr_process_alive(state) && !force)
			one = cli_error(EXIT_CONFLICT, "container %s is running (stop it, or rm -f)", argv[i]);
		else if (one == 0)
			one = stop_one(argv[i], force ? 0 : 10);
		if (one == 0)
			printf("%s\n", argv[i]);
		else if (r == 0)
			r = one;
	}
	return r;
}
