/* Shared by the libFuzzer targets: small helpers so each target file only
 * says which parser it drives and which invariants must hold. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bytes as a NUL-terminated string (cut at the first NUL, as an
 * environment variable or a C string would be). malloc'd; abort on ENOMEM. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	size_t n = strnlen((const char *)data, size);
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* An invariant that must hold whatever the input: a report and an abort,
 * which libFuzzer records as a crash with the input that caused it. */
#define FUZZ_ASSERT(cond, ...)                                                   \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "invariant failed: %s (%s:%d): ", #cond, \
				__FILE__, __LINE__);                             \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
			abort();                                                 \
		}                                                                \
	} while (0)

/* Every error path must leave a message that names something. */
static inline void fuzz_check_error(int r)
{
	if (r < 0 && r != -ENOMEM)
		FUZZ_ASSERT(pt_err_msg()[0] != '\0', "error %d recorded no message", r);
}

/* Empties dir, subdirectories included; dir itself stays. */
static inline void fuzz_wipe(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char path[PATH_MAX + 300];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno == EISDIR) {
			fuzz_wipe(path);
			unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
		}
	}
	if (d)
		closedir(d);
}

/* A new directory for a target's files, in $PONTOON_FUZZ_TMP (run.sh's
 * scratch directory), else /dev/shm or /tmp; its path goes to root. */
static inline void fuzz_make_root(char *root, size_t size)
{
	const char *tmp = getenv("PONTOON_FUZZ_TMP");

	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	if (snprintf(root, size, "%s/pontoon-fuzz-XXXXXX", tmp) >= (int)size || !mkdtemp(root))
		abort();
}

/* Writes n bytes as the file dir/name (replacing it); abort on failure. */
static inline void fuzz_write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[PATH_MAX + 300];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}
