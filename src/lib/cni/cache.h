/* The runtime's result cache: what ADD returned for one attachment
 * (network, container, interface), kept on disk so that DEL and CHECK can
 * hand plugins their prevResult after the runtime restarted, and GC can find
 * attachments nobody deleted. One JSON file per attachment, named
 * <network>-<containerid>-<ifname>, mode 0600, replaced atomically. */
#pragma once

#include <stddef.h>
#include <jansson.h>

struct cni_cache_entry {
	char *network;
	char *container_id;
	char *ifname;
	char *netns;		/* may be NULL */
	char *cni_args;		/* CNI_ARGS, may be NULL */
	json_t *capability_args;	/* object or NULL */
	json_t *result;		/* the chain's final result JSON, or NULL */
};

void cni_cache_entry_clear(struct cni_cache_entry *e);

/* Writes (creating dir) the entry of e->network/e->container_id/e->ifname. */
int cni_cache_write(const char *dir, const struct cni_cache_entry *e);
/* -ENOENT when there is none. */
int cni_cache_read(const char *dir, const char *network, const char *container_id,
		   const char *ifname, struct cni_cache_entry *ret);
/* 0 also when there was none. */
int cni_cache_remove(const char *dir, const char *network, const char *container_id,
		     const char *ifname);
/* Every entry of network (NULL: of every network); unreadable files are
 * skipped. *ret is malloc'd; free with cni_cache_entries_free(). */
int cni_cache_list(const char *dir, const char *network, struct cni_cache_entry **ret,
		   size_t *ret_n);
void cni_cache_entries_free(struct cni_cache_entry *v, size_t n);
