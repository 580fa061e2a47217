/* Fuzz target: the firewall plugin's stdin config as the plugin reads it
 * (cni_conf_parse with its prevResult, then the plugin's own fields:
 * backend, ingressPolicy, iptablesAdminChainName, firewalldZone) and the nft
 * elements rendered from it. The plugin's parser is static in
 * src/plugins/firewall.c, so that file is compiled into this target (the
 * code fuzzed is the code shipped). Whatever the bytes: the policy is one
 * of the three, and the script is whole statements only — every line an
 * element added to or deleted from one of the firewall's sets, with its
 * quotes balanced — so a bridge name or an address from prevResult can
 * never add a statement of its own. */
#include <string.h>

#include "../../src/plugins/firewall.c"
#include "cni/conf.h"
#include "fuzz.h"

static void check_script(const char *t, int del)
{
	static const char *const ok[] = {
		"add element inet pontoon fw4 {", "add element inet pontoon fw6 {",
		"delete element inet pontoon fw4 {", "delete element inet pontoon fw6 {",
		"add element inet pontoon fw_br {", "add element inet pontoon iso_br {",
		"add element inet pontoon iso_self {", "add element inet pontoon isolated_self {",
	};

	FUZZ_ASSERT(t, "render %d gave no text", del);
	while (*t) {
		const char *nl = strchr(t, '\n');
		size_t quotes = 0, k;

		FUZZ_ASSERT(nl, "render %d: unterminated line \"%s\"", del, t);
		for (k = 0; k < sizeof(ok) / sizeof(ok[0]); k++)
			if (strncmp(t, ok[k], strlen(ok[k])) == 0)
				break;
		FUZZ_ASSERT(k < sizeof(ok) / sizeof(ok[0]), "render %d: line \"%.*s\"", del,
			    (int)(nl - t), t);
		FUZZ_ASSERT(nl > t && nl[-1] == '}', "render %d: line \"%.*s\" not closed", del,
			    (int)(nl - t), t);
		for (const char *p = t; p < nl; p++)
			quotes += *p == '"';
		FUZZ_ASSERT(quotes % 2 == 0, "render %d: odd quotes in \"%.*s\"", del, (int)(nl - t), t);
		t = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_env env = { .cmd = CNI_CMD_ADD, .container_id = "ctr", .ifname = "eth0" };
	_cleanup_free_ char *s = fuzz_cstr(data, size);
	struct cni_conf *conf = NULL;
	struct cni_call c = { .env = &env };
	struct fw_call f;
	enum nft_ingress_policy p;
	int r;

	if (nft_ingress_policy_parse(s, &p) == 0)
		FUZZ_ASSERT(!s[0] || !strcmp(s, "open") || !strcmp(s, "same-bridge") ||
				    !strcmp(s, "isolated"), "policy \"%s\" accepted", s);
	pt_err_clear();
	r = cni_conf_parse((const char *)data, size, &conf);
	fuzz_check_error(r);
	if (r < 0)
		return 0;
	c.conf = conf;
	r = fw_prepare(&c, &f);
	fuzz_check_error(r);
	if (r == 0) {
		FUZZ_ASSERT(f.req.policy == NFT_INGRESS_OPEN || f.req.policy == NFT_INGRESS_SAME_BRIDGE ||
				    f.req.policy == NFT_INGRESS_ISOLATED, "policy %d", f.req.policy);
		for (int del = 0; del < 2; del++) {
			struct nft_script sc;

			nft_script_init(&sc);
			r = del ? nft_firewall_render_del(&f.req, &sc) : nft_firewall_render_add(&f.req, &sc);
			fuzz_check_error(r);
			if (r >= 0)
				check_script(nft_script_text(&sc), del);
			nft_script_free(&sc);
		}
	}
	cni_conf_free(conf);
	return 0;
}
