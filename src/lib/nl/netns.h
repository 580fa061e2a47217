/* Network namespaces: open by path, enter and come back, run a function inside. */
#pragma once

#include <stdbool.h>

/* Opens path (e.g. /var/run/netns/x or /proc/PID/ns/net) and checks it is a
 * network namespace: -EINVAL with a message otherwise, -ENOENT when gone. */
int netns_open(const char *path, int *ret_fd);

/* True when path exists but is on no namespace filesystem at all: a pin
 * file left after its namespace was unmounted, so the namespace is gone.
 * A namespace of another kind (netns_open's -EINVAL) is not stale. */
bool netns_path_is_stale(const char *path);

/* An fd of the calling thread's current network namespace. */
int netns_open_current(int *ret_fd);

/* Moves the calling thread into fd's namespace; *ret_orig_fd is the one to
 * return to with netns_leave() (which closes it). */
int netns_enter(int fd, int *ret_orig_fd);
int netns_leave(int orig_fd);

/* Runs fn(arg) inside fd's namespace and always comes back; returns fn's result. */
int netns_run(int fd, int (*fn)(void *arg), void *arg);
