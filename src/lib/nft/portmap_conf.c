/* The portmap plugin's configuration: the reference's fields, checked with
 * errors that name the field. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cni/error.h"
#include "nft/portmap.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

static int invalid(const char *fmt, const char *where, const char *what)
{
	return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, fmt, where, what);
}

static int parse_port(json_t *m, const char *key, const char *where, uint16_t *ret)
{
	long long v = -1;
	int r;

	if (!json_object_get(m, key) || json_is_null(json_object_get(m, key)))
		return invalid("%s.%s: missing, must be 1..65535", where, key);
	r = json_opt_int(m, key, where, 1, 65535, &v);
	if (r < 0)
		return r;
	*ret = (uint16_t)v;
	return 0;
}

static int parse_proto(json_t *m, const char *where, uint8_t *ret)
{
	const char *p = "tcp";
	int r = json_opt_string(m, "protocol", where, &p);

	if (r < 0)
		return r;
	if (strcasecmp(p, "tcp") == 0)
		*ret = IPPROTO_TCP;
	else if (strcasecmp(p, "udp") == 0)
		*ret = IPPROTO_UDP;
	else if (strcasecmp(p, "sctp") == 0)
		*ret = IPPROTO_SCTP;
	else
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "%s.protocol: must be \"tcp\", \"udp\" or \"sctp\", got \"%s\"",
				   where, p);
	return 0;
}

static int parse_mapping(json_t *m, const char *where, struct nft_portmapping *ret)
{
	struct nft_portmapping pm = { 0 };
	const char *host_ip = NULL;
	int r;

	if (!json_is_object(m))
		return invalid("%s: must be an object%s", where, "");
	r = parse_port(m, "hostPort", where, &pm.host_port);
	if (r >= 0)
		r = parse_port(m, "containerPort", where, &pm.container_port);
	if (r >= 0)
		r = parse_proto(m, where, &pm.proto);
	if (r >= 0)
		r = json_opt_string(m, "hostIP", where, &host_ip);
	if (r < 0)
		return r;
	if (host_ip && host_ip[0] && ip_addr_parse(host_ip, &pm.host_ip) < 0)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "%s.hostIP: not an IP address: \"%s\"", where, host_ip);
	*ret = pm;
	return 0;
}

/* Two mappings of one host address, protocol and port cannot both win. */
static bool same_host_side(const struct nft_portmapping *a, const struct nft_portmapping *b)
{
	return a->proto == b->proto && a->host_port == b->host_port &&
	       ip_addr_equal(&a->host_ip, &b->host_ip);
}

/* One bit per protocol and host port: only a mapping whose port was seen
 * before is compared with the earlier ones, so 65535 mappings (a runtime's
 * `-p 1-65535:1-65535`) cost 65535 steps, not 65535² / 2 (found by
 * fuzz-cli_ports). */
static bool port_seen_before(uint8_t *bits, const struct nft_portmapping *m)
{
	size_t b = (m->proto == IPPROTO_TCP ? 0 : m->proto == IPPROTO_UDP ? 1 : 2) * 65536u +
		   m->host_port;
	bool was = bits[b / 8] & (1u << (b % 8));

	bits[b / 8] |= (uint8_t)(1u << (b % 8));
	return was;
}

static int parse_mappings(json_t *conf, struct portmap_conf *c)
{
	_cleanup_free_ uint8_t *seen = NULL;
	json_t *rc = NULL, *list = NULL, *m;
	size_t i;
	int r;

	r = json_opt_object(conf, "runtimeConfig", NULL, &rc);
	if (r >= 0 && rc)
		r = json_opt_array(rc, "portMappings", "runtimeConfig", &list);
	if (r < 0 || !list)
		return r;
	c->maps = calloc(json_array_size(list) + 1, sizeof(*c->maps));
	seen = calloc(3 * 65536 / 8, 1);
	if (!c->maps || !seen)
		return -ENOMEM;
	json_array_foreach(list, i, m) {
		char where[64];
		bool again;

		snprintf(where, sizeof(where), "runtimeConfig.portMappings[%zu]", i);
		r = parse_mapping(m, where, &c->maps[i]);
		if (r < 0)
			return r;
		again = port_seen_before(seen, &c->maps[i]);
		for (size_t j = 0; again && j < i; j++)
			if (same_host_side(&c->maps[j], &c->maps[i]))
				return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
						   "%s.hostPort: %u/%s is already mapped by "
						   "runtimeConfig.portMappings[%zu]", where,
						   c->maps[i].host_port,
						   nft_proto_name(c->maps[i].proto), j);
		c->n_maps = i + 1;
	}
	return 0;
}

/* conditionsV4/V6 restrict the reference's per-network DNAT jump. Silently
 * ignoring them would publish more than was asked, so they are refused
 * until pontoon implements them (docs/nat.md). */
static int parse_conditions(json_t *conf, const char *key)
{
	json_t *list = NULL;
	int r = json_opt_array(conf, key, NULL, &list);

	if (r < 0 || !list || json_array_size(list) == 0)
		return r;
	return pt_err_code(-EINVAL, CNI_ERR_UNSUPPORTED_FIELD,
			   "%s: not supported by pontoon yet (value has %zu entries)", key,
			   json_array_size(list));
}

int portmap_conf_parse(json_t *conf, struct portmap_conf *ret)
{
	struct portmap_conf c = { .snat = true, .mark_masq_bit = -1 };
	long long bit = -1;
	const char *backend = NULL;
	int r;

	r = json_opt_bool(conf, "snat", NULL, &c.snat);
	if (r >= 0)
		r = json_opt_bool(conf, "masqAll", NULL, &c.masq_all);
	if (r >= 0)
		r = json_opt_int(conf, "markMasqBit", NULL, 0, 31, &bit);
	if (r >= 0)
		r = json_opt_string(conf, "externalSetMarkChain", NULL, &c.external_set_mark_chain);
	if (r >= 0)
		r = json_opt_string(conf, "backend", NULL, &backend);
	if (r >= 0 && backend && strcmp(backend, "iptables") != 0 && strcmp(backend, "nftables") != 0)
		r = pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				"backend: must be \"iptables\" or \"nftables\", got \"%s\"", backend);
	if (r >= 0 && bit >= 0 && c.external_set_mark_chain)
		r = pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				"markMasqBit, externalSetMarkChain: cannot give both");
	if (r >= 0)
		r = parse_conditions(conf, "conditionsV4");
	if (r >= 0)
		r = parse_conditions(conf, "conditionsV6");
	if (r >= 0)
		r = parse_mappings(conf, &c);
	if (r < 0) {
		portmap_conf_free(&c);
		return r;
	}
	c.mark_masq_bit = (int)bit;
	*ret = c;
	return 0;
}

void portmap_conf_free(struct portmap_conf *c)
{
	free(c->maps);
	c->maps = NULL;
	c->n_maps = 0;
}
