/* Fuzz target: resolv.conf as host-local's resolvConf option reads it (any
 * file a config names). The bytes are the file; it lives in a memfd read
 * through /proc/self/fd. Whatever the bytes, the parse gives words without
 * white space, and the DNS it gives writes into a result of every version. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cni/result.h"
#include "cni/version.h"
#include "fuzz.h"
#include "ipam/resolv.h"
#include "util/cleanup.h"
#include "util/json.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd = memfd_create("resolv.conf", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static void check_words(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT(v[i][0] && !strpbrk(v[i], " \t\r\n"), "word \"%s\"", v[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_result *r;
	struct cni_dns d;

	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (ipam_resolv_conf_parse(path, &d) < 0)
		return 0;
	check_words(d.nameservers, d.n_nameservers);
	check_words(d.search, d.n_search);
	check_words(d.options, d.n_options);
	r = cni_result_new(CNI_VERSION_LATEST);
	if (!r)
		abort();
	r->dns = d;
	for (size_t i = 0; cni_supported_versions[i]; i++) {
		_cleanup_json_ json_t *j = NULL;

		if (cni_result_to_json(r, cni_supported_versions[i], &j) == 0)
			FUZZ_ASSERT(json_object_get(j, "cniVersion"), "no cniVersion");
	}
	cni_result_free(r);
	return 0;
}
