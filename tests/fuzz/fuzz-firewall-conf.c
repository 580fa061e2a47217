/* Fuzz target: the firewall plugin's stdin config as the plugin reads it
 * (cni_conf_parse with its prevResult, then the plugin's own fields:
 * backend, ingressPolicy, hostAccess, blockedDestinations,
 * iptablesAdminChainName, firewalldZone) and the nft elements rendered from
 * it. The plugin's parser is static in src/plugins/firewall.c, so that file
 * is compiled into this target (the code fuzzed is the code shipped).
 * Whatever the bytes: the policy is one of the three and hostAccess one of
 * the two; the script is whole statements only — every line an element
 * added to or deleted from one of the firewall's sets, with its quotes
 * balanced — so a bridge name or an address from prevResult can never add a
 * statement of its own; and the blocked ranges rendered never overlap (an
 * interval set refuses that) while covering every range of the config. */
#include <string.h>

#include "../../src/plugins/firewall.c"
#include "cni/conf.h"
#include "fuzz.h"

static void check_script(const char *t, int del)
{
	static const char *const ok[] = {
		"add element inet pontoon fw4 {", "add element inet pontoon fw6 {",
		"create element inet pontoon fw4 {", "create element inet pontoon fw6 {",
		"delete element inet pontoon fw4 {", "delete element inet pontoon fw6 {",
		"add element inet pontoon fw_br {", "add element inet pontoon iso_br {",
		"add element inet pontoon iso_self {", "add element inet pontoon isolated_self {",
		"add element inet pontoon hostgw_br {", "add element inet pontoon blocked4 {",
		"add element inet pontoon blocked6 {",
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

/* The ranges of the blocked4/blocked6 lines of an ADD script (a line that
 * starts so; a bridge name holds no quote, so the next quote ends it). */
static size_t rendered_blocked(const char *t, struct ip_prefix *out, size_t max)
{
	static const char *const starts[] = { "add element inet pontoon blocked4 { \"",
					      "add element inet pontoon blocked6 { \"" };
	size_t n = 0;

	for (; *t; t = strchr(t, '\n') + 1) {
		const char *dot, *cidr, *sp;
		char buf[IP_PREFIX_STRLEN];

		if (strncmp(t, starts[0], strlen(starts[0])) != 0 &&
		    strncmp(t, starts[1], strlen(starts[1])) != 0)
			continue;
		dot = strchr(t + strlen(starts[0]), '"');
		cidr = dot && strncmp(dot, "\" . ", 4) == 0 ? dot + 4 : NULL;
		FUZZ_ASSERT(cidr && (sp = strchr(cidr, ' ')) && (size_t)(sp - cidr) < sizeof(buf),
			    "blocked line \"%.80s\"", t);
		memcpy(buf, cidr, (size_t)(sp - cidr));
		buf[sp - cidr] = '\0';
		FUZZ_ASSERT(n < max, "more blocked lines than ranges");
		FUZZ_ASSERT(ip_prefix_parse(buf, &out[n]) == 0 && !ip_prefix_has_host_bits(&out[n]),
			    "blocked range \"%s\"", buf);
		n++;
	}
	return n;
}

static void check_blocked(const struct nft_firewall_req *req, const char *t)
{
	struct ip_prefix got[NFT_FW_MAX_BLOCKED];
	size_t n = rendered_blocked(t, got, NFT_FW_MAX_BLOCKED);
	char a[IP_PREFIX_STRLEN];

	FUZZ_ASSERT(req->n_blocked <= NFT_FW_MAX_BLOCKED, "%zu blocked ranges", req->n_blocked);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			FUZZ_ASSERT(got[i].addr.family != got[j].addr.family ||
					    !ip_prefix_overlaps(&got[i], &got[j]),
				    "rendered ranges %zu and %zu overlap", i, j);
	for (size_t i = 0; i < req->n_blocked; i++) {
		struct ip_addr net;
		size_t j;

		ip_prefix_network(&req->blocked[i], &net);
		for (j = 0; j < n; j++)
			if (got[j].addr.family == net.family && got[j].len <= req->blocked[i].len &&
			    ip_prefix_contains(&got[j], &net))
				break;
		FUZZ_ASSERT(j < n, "range %s not covered by the script",
			    ip_prefix_format(&req->blocked[i], a));
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
	enum nft_host_access ha;
	int r;

	if (nft_ingress_policy_parse(s, &p) == 0)
		FUZZ_ASSERT(!s[0] || !strcmp(s, "open") || !strcmp(s, "same-bridge") ||
				    !strcmp(s, "isolated"), "policy \"%s\" accepted", s);
	if (nft_host_access_parse(s, &ha) == 0)
		FUZZ_ASSERT(!s[0] || !strcmp(s, "all") || !strcmp(s, "gateway"),
			    "hostAccess \"%s\" accepted", s);
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
		FUZZ_ASSERT(f.req.host_access == NFT_HOST_ALL || f.req.host_access == NFT_HOST_GATEWAY,
			    "hostAccess %d", f.req.host_access);
		/* del 0: ADD as created first, 2: ADD re-owning (script.h), 1: DEL */
		for (int del = 0; del < 3; del++) {
			struct nft_script sc;

			nft_script_init(&sc);
			sc.reown = del == 2;
			r = del == 1 ? nft_firewall_render_del(&f.req, &sc)
				     : nft_firewall_render_add(&f.req, &sc);
			fuzz_check_error(r);
			if (r >= 0)
				check_script(nft_script_text(&sc), del);
			if (r >= 0 && del != 1)
				check_blocked(&f.req, nft_script_text(&sc));
			nft_script_free(&sc);
		}
	}
	cni_conf_free(conf);
	return 0;
}
