/* Fuzz target: the runtime's result cache (src/lib/cni/cache.c) as a crash,
 * an older pontoon or a person may have left it. The input is the content
 * of the cache file of fuzznet/ctr/eth0, written into a throwaway directory
 * ($PONTOON_FUZZ_TMP, else /dev/shm); then cni_cache_read and cni_cache_list
 * read it. What must hold:
 *  - an accepted entry names the file it came from (fuzznet, ctr, eth0),
 *    and list and read agree on whether the file holds an entry;
 *  - an error records a message;
 *  - writing an accepted entry (cni_cache_write, into a second directory)
 *    succeeds and reads back as the same entry, and writing that gives the
 *    same bytes again (a fixed point);
 *  - no temporary file is left. */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni/cache.h"
#include "cni/env.h"
#include "fuzz.h"
#include "util/cleanup.h"

#define NET "fuzznet"
#define CTR "ctr"
#define IFN "eth0"
#define FILE_NAME NET "-" CTR "-" IFN

static char root[256], dir_in[300], dir_out[300];

static void cleanup_root(void)
{
	fuzz_wipe(dir_in);
	fuzz_wipe(dir_out);
	rmdir(dir_in);
	rmdir(dir_out);
	rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_make_root(root, sizeof(root));
	snprintf(dir_in, sizeof(dir_in), "%s/in", root);
	snprintf(dir_out, sizeof(dir_out), "%s/out", root);
	if (mkdir(dir_in, 0700) < 0)
		abort();
	atexit(cleanup_root);
	return 0;
}

static char *slurp(const char *dir)
{
	char path[400], *text = NULL;
	size_t len = 0;
	FILE *f, *m;
	int c;

	snprintf(path, sizeof(path), "%s/%s", dir, FILE_NAME);
	f = fopen(path, "re");
	m = open_memstream(&text, &len);
	if (!f || !m)
		abort();
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	return text;
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool json_eq(json_t *a, json_t *b)
{
	return (!a && !b) || (a && b && json_equal(a, b));
}

static void check_same(const struct cni_cache_entry *a, const struct cni_cache_entry *b,
		       const char *what)
{
	FUZZ_ASSERT(str_eq(a->network, b->network) && str_eq(a->container_id, b->container_id) &&
			    str_eq(a->ifname, b->ifname),
		    "%s: key differs", what);
	FUZZ_ASSERT(str_eq(a->netns, b->netns), "%s: netns differs", what);
	FUZZ_ASSERT(str_eq(a->cni_args, b->cni_args), "%s: cniArgs differs", what);
	FUZZ_ASSERT(json_eq(a->capability_args, b->capability_args), "%s: capabilityArgs differs",
		    what);
	FUZZ_ASSERT(json_eq(a->result, b->result), "%s: result differs", what);
}

static void check_entry(const struct cni_cache_entry *e)
{
	FUZZ_ASSERT(!strcmp(e->network, NET) && !strcmp(e->container_id, CTR) &&
			    !strcmp(e->ifname, IFN),
		    "the file of " FILE_NAME " read as %s-%s-%s", e->network, e->container_id,
		    e->ifname);
	FUZZ_ASSERT(!e->capability_args || json_is_object(e->capability_args),
		    "capabilityArgs not an object");
	FUZZ_ASSERT(!e->result || json_is_object(e->result), "result not an object");
}

static void check_no_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		FUZZ_ASSERT(!strstr(de->d_name, ".tmp"), "temporary file %s left", de->d_name);
	if (d)
		closedir(d);
}

/* Write, read back, write again: the same entry, the same bytes. */
static void check_fixed_point(const struct cni_cache_entry *e)
{
	struct cni_cache_entry back = { 0 };
	_cleanup_free_ char *first = NULL, *second = NULL;
	int r;

	r = cni_cache_write(dir_out, e);
	FUZZ_ASSERT(r == 0, "an entry read is not written: %s", pt_err_msg());
	first = slurp(dir_out);
	r = cni_cache_read(dir_out, NET, CTR, IFN, &back);
	FUZZ_ASSERT(r == 0, "an entry written is not read back: %s", pt_err_msg());
	check_same(e, &back, "written and read back");
	FUZZ_ASSERT(cni_cache_write(dir_out, &back) == 0, "rewrite: %s", pt_err_msg());
	second = slurp(dir_out);
	FUZZ_ASSERT(!strcmp(first, second), "writing is no fixed point:\n%s\n%s", first, second);
	cni_cache_entry_clear(&back);
	check_no_tmp(dir_out);
	FUZZ_ASSERT(cni_cache_remove(dir_out, NET, CTR, IFN) == 0, "remove: %s", pt_err_msg());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_cache_entry e = { 0 }, *v = NULL;
	size_t n = 99;
	int r, rl;

	fuzz_write_file(dir_in, FILE_NAME, data, size);
	pt_err_clear();
	r = cni_cache_read(dir_in, NET, CTR, IFN, &e);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM, "read returned %d", r);
	fuzz_check_error(r);

	rl = cni_cache_list(dir_in, NULL, &v, &n);
	FUZZ_ASSERT(rl == 0, "list returned %d", rl);
	FUZZ_ASSERT(n == (r == 0 ? 1u : 0u), "list found %zu entries, read said %d", n, r);
	if (n == 1 && r == 0)
		check_same(&e, &v[0], "list and read");
	cni_cache_entries_free(v, n);
	FUZZ_ASSERT(cni_cache_list(dir_in, "othernet", &v, &n) == 0 && n == 0,
		    "another network's list holds %zu entries", n);
	cni_cache_entries_free(v, n);

	if (r == 0) {
		check_entry(&e);
		check_fixed_point(&e);
		cni_cache_entry_clear(&e);
	}
	fuzz_wipe(dir_in);
	return 0;
}
