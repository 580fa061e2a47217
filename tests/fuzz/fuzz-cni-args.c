/* Fuzz target: what the runtime passes in environment variables — CNI_ARGS
 * ("K1=V1;K2=V2") and the values plugins take from it (IP, GATEWAY, MAC),
 * container ids, interface names, CNI_COMMAND and version strings.
 *
 * The bytes are one environment string (cut at the first NUL, as the
 * kernel cuts them). Invariants: a container id or interface name that the
 * validators accept can never name another directory ('/', "..", "." are
 * never accepted, an interface name fits IFNAMSIZ); every pair parsed has a
 * non-empty key and no '=' in it. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "cni/args.h"
#include "cni/env.h"
#include "cni/version.h"
#include "fuzz.h"
#include "ipam/hostlocal_conf.h"
#include "ipam/static_conf.h"
#include "util/cleanup.h"
#include "util/json.h"

static json_t *hostlocal_json, *static_json;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char hl[] =
		"{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"host-local\","
		"\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"/nonexistent\","
		"\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"}],[{\"subnet\":\"fd00::/64\"}]]}}";
	static const char st[] =
		"{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"static\","
		"\"ipam\":{\"type\":\"static\",\"addresses\":[{\"address\":\"10.2.0.5/24\"}]}}";

	(void)argc;
	(void)argv;
	if (json_parse_buffer(hl, strlen(hl), &hostlocal_json) < 0 ||
	    json_parse_buffer(st, strlen(st), &static_json) < 0)
		abort();
	return 0;
}

static void check_names(const char *s)
{
	if (cni_valid_id(s))
		FUZZ_ASSERT(!strchr(s, '/') && s[0] != '.' && strcmp(s, "..") != 0,
			    "container id \"%s\" accepted", s);
	if (cni_valid_ifname(s))
		FUZZ_ASSERT(strlen(s) < IFNAMSIZ && !strchr(s, '/') && strcmp(s, ".") != 0 &&
			    strcmp(s, "..") != 0, "interface name \"%s\" accepted", s);
}

static void check_env(const char *s)
{
	struct cni_env env = { .cmd = CNI_CMD_ADD, .container_id = s, .netns = "/x",
			       .ifname = s, .path = "/x", .args = s };

	if (cni_env_validate(&env) == 0)
		FUZZ_ASSERT(cni_valid_id(s) && cni_valid_ifname(s), "env \"%s\" accepted", s);
	else
		fuzz_check_error(-EINVAL);
}

/* IP= and GATEWAY= as the IPAM plugins read them. */
static void check_ipam_args(const char *ip, const char *gw)
{
	struct ipam_hostlocal_conf *hl = NULL;
	struct ipam_static_conf *sc = NULL;

	if (ipam_hostlocal_conf_parse(hostlocal_json, ip, NULL, 0, &hl) == 0) {
		for (size_t i = 0; i < hl->n_requested; i++)
			FUZZ_ASSERT(hl->requested[i].family == AF_INET ||
				    hl->requested[i].family == AF_INET6, "requested[%zu] family", i);
		ipam_hostlocal_conf_free(hl);
	}
	if (ipam_static_conf_parse(static_json, ip, gw, &sc) == 0)
		ipam_static_conf_free(sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const known[] = { "IP", "MAC", "GATEWAY", NULL };
	_cleanup_free_ char *s = fuzz_cstr(data, size);
	struct cni_args args = { 0 };
	enum cni_cmd cmd;
	int v, r;

	pt_err_clear();
	check_names(s);
	check_env(s);
	(void)cni_cmd_parse(s, &cmd);
	(void)cni_version_parse(s, &v);
	(void)cni_version_supported(s);

	pt_err_clear();
	r = cni_args_parse(s, &args);
	fuzz_check_error(r);
	if (r < 0)
		return 0;
	for (size_t i = 0; i < args.n; i++)
		FUZZ_ASSERT(args.items[i].key[0] && !strchr(args.items[i].key, '=') &&
			    !strchr(args.items[i].value, '=') && !strchr(args.items[i].key, ';'),
			    "pair %zu: \"%s\"=\"%s\"", i, args.items[i].key, args.items[i].value);
	(void)cni_args_check_known(&args, known);
	check_ipam_args(cni_args_get(&args, "IP"), cni_args_get(&args, "GATEWAY"));
	cni_args_free(&args);
	/* The whole string as an IP= value too: the fuzzer needs no "IP=". */
	check_ipam_args(s, s);
	return 0;
}
