/* Fuzz target: the portmap plugin's configuration (portmap_conf_parse:
 * snat, masqAll, markMasqBit, externalSetMarkChain, backend, conditionsV4/V6,
 * runtimeConfig.portMappings) and the nft elements rendered from it for a
 * dual-stack container. Whatever the bytes: every accepted mapping has a
 * known protocol and ports in 1..65535, no two share a host address,
 * protocol and port, and the rendered script is one line per statement
 * with no text from the input outside the comment. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "fuzz.h"
#include "nft/portmap.h"
#include "util/cleanup.h"
#include "util/json.h"

static void check_maps(const struct portmap_conf *c)
{
	for (size_t i = 0; i < c->n_maps; i++) {
		const struct nft_portmapping *m = &c->maps[i];

		FUZZ_ASSERT(m->proto == IPPROTO_TCP || m->proto == IPPROTO_UDP ||
				    m->proto == IPPROTO_SCTP, "maps[%zu].proto %u", i, m->proto);
		FUZZ_ASSERT(m->host_port >= 1 && m->container_port >= 1, "maps[%zu] port 0", i);
		FUZZ_ASSERT(m->host_ip.family == 0 || m->host_ip.family == AF_INET ||
				    m->host_ip.family == AF_INET6, "maps[%zu].hostIP family %d", i,
			    m->host_ip.family);
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(!(c->maps[j].proto == m->proto && c->maps[j].host_port == m->host_port &&
				      ip_addr_equal(&c->maps[j].host_ip, &m->host_ip)),
				    "maps[%zu] and maps[%zu] publish the same host port", j, i);
	}
	FUZZ_ASSERT(c->mark_masq_bit >= -1 && c->mark_masq_bit <= 31, "markMasqBit %d", c->mark_masq_bit);
}

static void render(const struct portmap_conf *c)
{
	struct ip_prefix ips[2];
	struct nft_portmap_req req = {
		.network = "ptnet", .container_id = "ctr", .ifname = "eth0",
		.maps = c->maps, .n_maps = c->n_maps, .ips = ips, .n_ips = 2,
		.snat = c->snat, .masq_all = c->masq_all, .cond4 = &c->cond4, .cond6 = &c->cond6,
	};
	struct nft_script s;
	const char *t;

	if (ip_prefix_parse("10.1.0.5/24", &ips[0]) < 0 || ip_prefix_parse("fd00::5/64", &ips[1]) < 0)
		abort();
	/* del 0: ADD as created first, 2: ADD re-owning (script.h), 1: DEL */
	for (int del = 0; del < 3; del++) {
		int r;

		nft_script_init(&s);
		s.reown = del == 2;
		r = del == 1 ? nft_portmap_render_del(&req, &s) : nft_portmap_render_add(&req, &s);
		fuzz_check_error(r);
		t = nft_script_text(&s);
		FUZZ_ASSERT(r < 0 || t, "render %d gave no text", del);
		/* Only addresses, numbers and protocol names come from the input:
		 * never a quote or a brace beyond what the renderer writes. */
		for (const char *p = t; r >= 0 && p && *p; p++)
			FUZZ_ASSERT(*p != '\\' && *p != ';', "render %d wrote '%c'", del, *p);
		nft_script_free(&s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_json_ json_t *conf = NULL;
	struct portmap_conf c;
	json_error_t e;
	int r;

	conf = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &e);
	if (!conf)
		return 0;
	pt_err_clear();
	r = portmap_conf_parse(conf, &c);
	fuzz_check_error(r);
	if (r < 0)
		return 0;
	check_maps(&c);
	render(&c);
	portmap_conf_free(&c);
	return 0;
}
