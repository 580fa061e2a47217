/* A growing text buffer for generated nft scripts. Rendering rules is pure
 * code that appends to one of these, so unit tests can compare the text with
 * golden files and the same text is what libnftables runs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct nft_script {
	char *buf;		/* NUL-terminated; NULL until the first append */
	size_t len, cap;
	bool oom;		/* an append failed; nft_script_text() returns NULL */
	/* How an ADD renders a container's own elements. false: `create`,
	 * which fails (EEXIST) when the key is there already. true: `add`,
	 * `delete`, `add` in the one transaction, so that a key another
	 * container left behind becomes this one's (a different value still
	 * fails the first `add`). A transaction that deletes costs its process
	 * ~10 ms when it closes its netfilter socket (bench/README.md): the
	 * plugins try false first and re-own only after an EEXIST. */
	bool reown;
};

void nft_script_init(struct nft_script *s);
void nft_script_free(struct nft_script *s);
void nft_script_freep(struct nft_script *s);
#define _cleanup_script_ __attribute__((cleanup(nft_script_freep)))

/* Appends formatted text; a failure is remembered, checked once at the end. */
void nft_script_appendf(struct nft_script *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The text ("" when empty), or NULL when an append ran out of memory. */
const char *nft_script_text(const struct nft_script *s);
