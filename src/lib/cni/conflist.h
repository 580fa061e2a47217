/* Network configuration lists as a CNI runtime reads them: a .conflist (or
 * a single-plugin .conf/.json, which becomes a list of one), the version the
 * runtime will speak to the plugins (cniVersions over cniVersion), the
 * list-level switches (disableCheck, disableGC), and a directory of them
 * (/etc/cni/net.d) loaded in lexical file order, as libcni does. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct cni_netconf {
	const char *type;	/* borrowed from json */
	json_t *json;		/* the plugin's object, owned (a reference) */
};

struct cni_conflist {
	char *name;
	char *cni_version;	/* the version selected for this runtime */
	bool disable_check;
	bool disable_gc;
	struct cni_netconf *plugins;
	size_t n_plugins;
	json_t *json;		/* the whole document as read, owned */
	char *path;		/* the file it came from; NULL when parsed from bytes */
};

/* Picks the version a runtime speaks: the highest entry of "cniVersions"
 * that pontoon supports, else "cniVersion". -EPROTONOSUPPORT (CNI code 1)
 * naming the versions when none is supported; -EINVAL (code 7) when
 * neither key is there or they are not strings. */
int cni_conflist_select_version(json_t *doc, const char **ret);

/* Parses a conflist, or a single plugin config (a document with "type" and
 * no "plugins"). `origin` (a file name, may be NULL) prefixes errors. */
int cni_conflist_parse(const char *buf, size_t len, const char *origin, struct cni_conflist **ret);
int cni_conflist_load_file(const char *path, struct cni_conflist **ret);

void cni_conflist_free(struct cni_conflist *l);
void cni_conflist_freep(struct cni_conflist **l);
#define _cleanup_conflist_ __attribute__((cleanup(cni_conflist_freep)))

/* Whether a file name is one a runtime loads (.conf, .conflist, .json). */
bool cni_conflist_file_name(const char *name);

/* The files of a directory that could not be read as network configs:
 * how many, and the first one's error ("PATH: what is wrong"). */
struct cni_conflist_unread {
	size_t n;
	char first[768];
};

/* Every loadable file of dir in lexical order. Files that fail to parse are
 * skipped and told in *unread (may be NULL): one broken file must not hide
 * every network. A missing dir is an empty list. */
int cni_conflist_load_dir(const char *dir, struct cni_conflist ***ret, size_t *ret_n,
			  struct cni_conflist_unread *unread);
void cni_conflist_free_all(struct cni_conflist **v, size_t n);

/* The first list in dir (lexical order) named `name`; -ENOENT when none.
 * The files skipped on the way are told in *unread (may be NULL). */
int cni_conflist_find(const char *dir, const char *name, struct cni_conflist **ret,
		      struct cni_conflist_unread *unread);

/* Whether plugin i declares capability cap ("portMappings") as true. */
bool cni_netconf_has_capability(const struct cni_netconf *p, const char *cap);
/* Whether any plugin of the list declares it. */
bool cni_conflist_has_capability(const struct cni_conflist *l, const char *cap);
