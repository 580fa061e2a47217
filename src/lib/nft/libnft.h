/* libnftables, loaded on first use.
 *
 * Linking it costs every plugin process ~0.3 ms of start-up (it brings
 * libnftnl, libxtables and libgmp along), and most of them — host-local,
 * static, loopback, a bridge without ipMasq or macspoofchk, every VERSION —
 * never touch nftables. The prototypes are libnftables' own (typeof), so
 * a mismatch is a compile error, not a crash. */
#pragma once

#include <nftables/libnftables.h>

struct libnft {
	__typeof__(nft_ctx_new) *ctx_new;
	__typeof__(nft_ctx_free) *ctx_free;
	__typeof__(nft_ctx_buffer_output) *ctx_buffer_output;
	__typeof__(nft_ctx_buffer_error) *ctx_buffer_error;
	__typeof__(nft_ctx_get_output_buffer) *ctx_get_output_buffer;
	__typeof__(nft_ctx_get_error_buffer) *ctx_get_error_buffer;
	__typeof__(nft_ctx_output_get_flags) *ctx_output_get_flags;
	__typeof__(nft_ctx_output_set_flags) *ctx_output_set_flags;
	__typeof__(nft_run_cmd_from_buffer) *run_cmd_from_buffer;
};

/* The library's functions, loading it the first time; -ENOENT with a
 * message naming the library when it cannot be loaded. */
int libnft_get(const struct libnft **ret);
