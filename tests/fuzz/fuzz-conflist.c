/* Fuzz target: network configuration lists as the CLI (the runtime side)
 * reads them from /etc/cni/net.d: cni_conflist_parse of a .conflist or a
 * single-plugin .conf, the version selection (cniVersions over cniVersion),
 * capabilities, and the config each plugin of the list is handed
 * (cni_runtime_plugin_conf). Whatever the bytes: an accepted list has a valid
 * name, a supported version, at least one plugin with a type, and each
 * plugin's config carries the list's name and version. */
#include <string.h>

#include "cni/conflist.h"
#include "cni/env.h"
#include "cni/runtime.h"
#include "cni/version.h"
#include "fuzz.h"
#include "util/cleanup.h"
#include "util/json.h"

static void check_plugin_conf(const struct cni_conflist *l, size_t i, json_t *caps)
{
	_cleanup_json_ json_t *conf = NULL;
	json_t *prev = json_pack("{s:s}", "cniVersion", l->cni_version);
	int r;

	if (!prev)
		abort();
	r = cni_runtime_plugin_conf(l, i, caps, i ? prev : NULL, &conf);
	json_decref(prev);
	fuzz_check_error(r);
	if (r < 0)
		return;
	FUZZ_ASSERT(json_is_object(conf), "plugins[%zu]: conf is not an object", i);
	FUZZ_ASSERT(strcmp(json_string_value(json_object_get(conf, "name")) ?: "", l->name) == 0,
		    "plugins[%zu]: name is not the list's", i);
	FUZZ_ASSERT(strcmp(json_string_value(json_object_get(conf, "cniVersion")) ?: "",
			   l->cni_version) == 0,
		    "plugins[%zu]: cniVersion is not the list's", i);
	FUZZ_ASSERT(json_is_string(json_object_get(conf, "type")), "plugins[%zu]: no type", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_conflist *l = NULL;
	_cleanup_json_ json_t *caps = json_pack("{s:[{s:i,s:i}], s:[s]}", "portMappings", "hostPort",
						8080, "containerPort", 80, "ips", "10.1.0.5/24");
	_cleanup_free_ char *s = fuzz_cstr(data, size);
	int r;

	if (!caps)
		abort();
	(void)cni_conflist_file_name(s);
	pt_err_clear();
	r = cni_conflist_parse((const char *)data, size, (size & 1) ? "fuzz.conflist" : NULL, &l);
	fuzz_check_error(r);
	if (r < 0)
		return 0;
	FUZZ_ASSERT(l->name && cni_valid_id(l->name), "accepted name \"%s\"", l->name ?: "(null)");
	FUZZ_ASSERT(l->cni_version && cni_version_supported(l->cni_version), "accepted version \"%s\"",
		    l->cni_version ?: "(null)");
	FUZZ_ASSERT(l->n_plugins > 0 && l->plugins, "no plugin accepted");
	FUZZ_ASSERT(!l->path, "a path for a list parsed from bytes");
	for (size_t i = 0; i < l->n_plugins; i++) {
		FUZZ_ASSERT(l->plugins[i].type && json_is_object(l->plugins[i].json),
			    "plugins[%zu] without type or object", i);
		(void)cni_netconf_has_capability(&l->plugins[i], "portMappings");
		check_plugin_conf(l, i, caps);
	}
	(void)cni_conflist_has_capability(l, "ips");
	cni_conflist_free(l);
	return 0;
}
