/* Fuzz target: the network configuration a plugin reads on stdin.
 *
 * The bytes go through cni_conf_parse() (JSON, cniVersion, name, type,
 * ipam, dns, args, runtimeConfig, prevResult), then through every config
 * reader that needs no kernel: the requested IPs and MAC, GC's attachment
 * lists, host-local's and static's IPAM config, and the whole static
 * plugin (ADD and CHECK) through the plugin driver, which also writes the
 * result in the config's version. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cni/conf.h"
#include "cni/env.h"
#include "cni/plugin.h"
#include "fuzz.h"
#include "ipam/hostlocal_conf.h"
#include "ipam/static_conf.h"
#include "plugins.h"
#include "util/cleanup.h"
#include "util/json.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "we");
	if (!devnull)
		abort();
	/* Where host-local's default dataDir would point; never written here. */
	setenv("PONTOON_ROOT", "/nonexistent-pontoon-fuzz", 1);
	return 0;
}

static void check_hostlocal(const struct cni_conf *c, const struct ip_prefix *ips, size_t n)
{
	struct ipam_hostlocal_conf *hl = NULL;
	int r = ipam_hostlocal_conf_parse(c->json, NULL, ips, n, &hl);

	fuzz_check_error(r);
	if (r < 0)
		return;
	FUZZ_ASSERT(hl->n_sets > 0, "host-local config accepted without a range set");
	for (size_t i = 0; i < hl->n_sets; i++) {
		const struct ipam_range_set *s = &hl->sets[i];
		_cleanup_free_ char *text = ipam_range_set_format(s);

		FUZZ_ASSERT(text && *text, "range set %zu formats as nothing", i);
		FUZZ_ASSERT(s->n > 0, "empty range set %zu accepted", i);
		for (size_t k = 0; k < s->n; k++) {
			const struct ipam_range *rg = &s->ranges[k];

			/* What the allocator relies on. */
			FUZZ_ASSERT(rg->start.family == rg->subnet.addr.family &&
				    rg->end.family == rg->subnet.addr.family,
				    "range %s: start/end of another family", rg->where);
			FUZZ_ASSERT(ipam_range_contains(rg, &rg->start) &&
				    ipam_range_contains(rg, &rg->end),
				    "range %s: start or end outside the range", rg->where);
			(void)ipam_range_capacity(rg);
		}
	}
	ipam_hostlocal_conf_free(hl);
}

static void check_static(const struct cni_conf *c)
{
	struct ipam_static_conf *sc = NULL;
	int r = ipam_static_conf_parse(c->json, NULL, NULL, &sc);

	fuzz_check_error(r);
	if (r == 0)
		ipam_static_conf_free(sc);
}

/* The static plugin end to end: no kernel, no files. */
static void run_static(const uint8_t *data, size_t size, enum cni_cmd cmd)
{
	struct cni_env env = {
		.cmd = cmd, .container_id = "fuzz", .netns = "/var/run/netns/fuzz",
		.ifname = "eth0", .path = "/nonexistent", .args = "IgnoreUnknown=1",
	};

	(void)cni_plugin_run(&plugin_static, &env, (const char *)data, size, devnull);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_conf_ struct cni_conf *c = NULL;
	_cleanup_free_ struct ip_prefix *ips = NULL;
	_cleanup_free_ struct cni_attachment *att = NULL;
	size_t n_ips = 0, n_att = 0;
	int r;

	pt_err_clear();
	r = cni_conf_parse((const char *)data, size, &c);
	fuzz_check_error(r);
	if (r < 0)
		return 0;
	FUZZ_ASSERT(c->name && cni_valid_id(c->name), "invalid network name accepted");
	FUZZ_ASSERT(c->type && *c->type, "config without type accepted");
	FUZZ_ASSERT(c->raw_len == size && memcmp(c->raw, data, size) == 0, "raw bytes differ");

	r = cni_conf_requested_ips(c, &ips, &n_ips);
	fuzz_check_error(r);
	(void)cni_conf_requested_mac(c);
	r = cni_gc_attachments(c, &att, &n_att);
	fuzz_check_error(r);
	for (size_t i = 0; r == 0 && i < n_att; i++)
		FUZZ_ASSERT(att[i].container_id && att[i].ifname, "attachment %zu incomplete", i);

	check_hostlocal(c, ips, n_ips);
	check_static(c);
	run_static(data, size, CNI_CMD_ADD);
	run_static(data, size, CNI_CMD_CHECK);
	return 0;
}
