/* libnftables, loaded on first use; see libnft.h. */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#include "nft/libnft.h"
#include "util/error.h"

#define LIBNFT_SONAME "libnftables.so.1"

static struct libnft lib;
static void *handle;

static const struct {
	const char *name;
	size_t offset;
} symbols[] = {
	{ "nft_ctx_new", offsetof(struct libnft, ctx_new) },
	{ "nft_ctx_free", offsetof(struct libnft, ctx_free) },
	{ "nft_ctx_buffer_output", offsetof(struct libnft, ctx_buffer_output) },
	{ "nft_ctx_buffer_error", offsetof(struct libnft, ctx_buffer_error) },
	{ "nft_ctx_get_output_buffer", offsetof(struct libnft, ctx_get_output_buffer) },
	{ "nft_ctx_get_error_buffer", offsetof(struct libnft, ctx_get_error_buffer) },
	{ "nft_ctx_output_get_flags", offsetof(struct libnft, ctx_output_get_flags) },
	{ "nft_ctx_output_set_flags", offsetof(struct libnft, ctx_output_set_flags) },
	{ "nft_run_cmd_from_buffer", offsetof(struct libnft, run_cmd_from_buffer) },
};

static int libnft_load(void)
{
	void *h = dlopen(LIBNFT_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return pt_err(-ENOENT, "cannot load %s: %s", LIBNFT_SONAME, dlerror());
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *f = dlsym(h, symbols[i].name);

		if (!f) {
			dlclose(h);
			return pt_err(-ENOENT, "%s has no %s", LIBNFT_SONAME, symbols[i].name);
		}
		*(void **)((char *)&lib + symbols[i].offset) = f;
	}
	handle = h;
	return 0;
}

int libnft_get(const struct libnft **ret)
{
	int r = handle ? 0 : libnft_load();

	if (r < 0)
		return r;
	*ret = &lib;
	return 0;
}
