/* Containers as state files: $run_dir/containers/NAME.json holds what a
 * later pontoon process needs to find and release everything (id, pids with
 * their start times, namespace, networks with interface and addresses,
 * published ports); NAME/ beside it holds the hosts and resolv.conf bind-
 * mounted into the container and the log of a detached one. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cni/env.h"
#include "nl/netns.h"
#include "util/error.h"

void ctr_dir(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", cli.containers_dir, name);
}

void ctr_state_path(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s.json", cli.containers_dir, name);
}

bool ctr_valid_name(const char *name)
{
	/* A container id shape, and short enough for a hostname. */
	return cni_valid_id(name) && strlen(name) <= 63;
}

int ctr_load(const char *name, json_t **ret)
{
	char path[PATH_MAX + 300];
	json_error_t je;
	json_t *j;

	if (!ctr_valid_name(name))
		return pt_err(-EINVAL, "invalid container name \"%s\"", name);
	ctr_state_path(name, path, sizeof(path));
	j = json_load_file(path, 0, &je);
	if (!j)
		return access(path, F_OK) < 0 ? -ENOENT
					      : pt_err(-EINVAL, "%s: line %d: %s", path, je.line, je.text);
	/* The name inside becomes paths on release: it must be the file's. */
	if (!json_is_object(j) || !json_is_string(json_object_get(j, "name")) ||
	    strcmp(json_string_value(json_object_get(j, "name")), name) != 0) {
		json_decref(j);
		return pt_err(-EINVAL, "%s: not the state of container %s", path, name);
	}
	*ret = j;
	return 0;
}

int ctr_save(json_t *state)
{
	char path[PATH_MAX + 300];
	int r;

	r = mkdir_p_private(cli.run_dir, cli.containers_dir);
	if (r < 0)
		return r;
	ctr_state_path(json_string_value(json_object_get(state, "name")), path, sizeof(path));
	return write_json_atomic(path, state);
}

int ctr_find(const char *name, json_t **ret)
{
	int r = ctr_load(name, ret);

	if (r == -ENOENT || r == -EINVAL)
		return cli_error(EXIT_NOTFOUND, "no such container: %s", name);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "container %s", name);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
		      json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

int ctr_load_all(json_t **ret_array)
{
	struct dirent *de;
	json_t **v = NULL, *arr;
	size_t n = 0;
	DIR *d;

	d = opendir(cli.containers_dir);
	if (!d && errno != ENOENT)
		return pt_err(-errno, "%s: %m", cli.containers_dir);
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[256];
		json_t *j, **nv;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 || de->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), de->d_name);
		if (ctr_load(name, &j) < 0)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			json_decref(j);
			break;
		}
		v = nv;
		v[n++] = j;
	}
	if (d)
		closedir(d);
	pt_err_clear();
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
	*ret_array = arr;
	return 0;
}

/* Only a pid that fits and a start time pontoon wrote name a process: a
 * truncated pid or a missing start time would match somebody else's. */
bool proc_alive_json(json_t *obj, const char *pid_key, const char *start_key)
{
	json_t *pid = json_object_get(obj, pid_key), *start = json_object_get(obj, start_key);

	if (!json_is_integer(pid) || json_integer_value(pid) < 1 ||
	    json_integer_value(pid) > INT_MAX || !json_is_integer(start) ||
	    json_integer_value(start) < 1)
		return false;
	return proc_alive((pid_t)json_integer_value(pid),
			  (unsigned long long)json_integer_value(start));
}

bool ctr_supervisor_alive(json_t *state)
{
	return proc_alive_json(state, "supervisorPid", "supervisorStart");
}

bool ctr_process_alive(json_t *state)
{
	return proc_alive_json(state, "pid", "pidStart");
}

json_t *ctr_network(json_t *state, const char *net)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(state, "networks"), i, a) {
		const char *n = json_string_value(json_object_get(a, "name"));

		if (n && strcmp(n, net) == 0)
			return a;
	}
	return NULL;
}

/* A state file's copies that a pontoon killed inside ctr_save() left
 * (write_json_atomic's NAME.json.tmp.PID): nobody else writes them while
 * the lock is held. */
static void remove_state_temps(const char *name)
{
	char prefix[300], path[PATH_MAX + 300];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "%s.json.tmp.", name);
	DIR *d = opendir(cli.containers_dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, n) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", cli.containers_dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
}

static void remove_files(const char *name)
{
	static const char *const files[] = { "hosts", "resolv.conf", "log" };
	char dir[PATH_MAX + 300], path[PATH_MAX + 400];

	ctr_dir(name, dir, sizeof(dir));
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	ctr_state_path(name, path, sizeof(path));
	unlink(path);
	remove_state_temps(name);
}

/* A namespace pin pontoon made: <netns_dir>/<one name>, nothing else. */
static bool own_netns_path(const char *path)
{
	size_t n = strlen(cli.netns_dir);

	return path && strncmp(path, cli.netns_dir, n) == 0 && path[n] == '/' &&
	       cni_valid_id(path + n + 1);
}

/* The namespace to hand the DELs: NULL when the state names a pin that is
 * not a namespace (a run killed between making the pin and mounting it:
 * no ADD ran in it) or is gone; the DELs then skip what lived inside. */
static const char *netns_for_del(const char *netns)
{
	int fd;

	if (!own_netns_path(netns) || netns_open(netns, &fd) < 0) {
		pt_err_clear();
		return own_netns_path(netns) ? NULL : netns;
	}
	close(fd);
	return netns;
}

int ctr_release(json_t *state)
{
	json_t *nets = json_object_get(state, "networks");
	const char *name = json_string_value(json_object_get(state, "name"));
	const char *pin = json_string_value(json_object_get(state, "netns"));
	const char *netns = netns_for_del(pin);
	char msg[2048] = "";
	int first = 0;

	if (ctr_process_alive(state))
		kill((pid_t)json_integer_value(json_object_get(state, "pid")), SIGKILL);
	for (size_t i = json_array_size(nets); i-- > 0;) {
		const char *net = json_string_value(json_object_get(json_array_get(nets, i), "name"));
		struct cni_conflist *l = NULL;
		struct cni_rt_attachment a = {
			.container_id = json_string_value(json_object_get(state, "id")),
			.netns = netns,
			.ifname = json_string_value(json_object_get(json_array_get(nets, i), "ifname")),
		};
		int r = net && cni_valid_id(net) ? cni_conflist_find(cli.conf_dir, net, &l, NULL)
						 : pt_err(-EINVAL, "invalid network name in the state");

		if (r >= 0)
			r = cni_runtime_del(cli_runtime(), l, &a);
		cni_conflist_free(l);
		if (r < 0 && first == 0) {
			first = r;
			snprintf(msg, sizeof(msg), "network %s: %s", net ? net : "?", pt_err_msg());
		}
	}
	if (own_netns_path(pin))
		(void)sandbox_netns_remove(pin);
	remove_files(name);
	for (size_t i = 0; i < json_array_size(nets); i++) {
		const char *net = json_string_value(json_object_get(json_array_get(nets, i), "name"));

		if (net && cni_valid_id(net))
			(void)dns_stop_unused(net);
	}
	return first < 0 ? pt_err(first, "%s", msg) : 0;
}
