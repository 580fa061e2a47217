/* static: the reference IPAM plugin that hands out exactly the addresses
 * it is given (config, CNI_ARGS IP/GATEWAY, args.cni.ips,
 * runtimeConfig.ips). It keeps no state, so DEL has nothing to do. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cni/error.h"
#include "ipam/static_conf.h"
#include "plugins.h"
#include "util/cleanup.h"
#include "util/error.h"

static int load_conf(struct cni_call *c, struct ipam_static_conf **ret)
{
	static const char *const known[] = { "IP", "GATEWAY", NULL };
	int err;

	if ((err = cni_args_check_known(&c->args, known)) < 0)
		return err;
	return ipam_static_conf_parse(c->conf->json, cni_args_get(&c->args, "IP"),
				      cni_args_get(&c->args, "GATEWAY"), ret);
}

static int fill_result(struct cni_result *r, struct ipam_static_conf *conf)
{
	int err;

	for (size_t i = 0; i < conf->n_addrs; i++)
		if ((err = cni_result_add_ip(r, &conf->addrs[i].address, &conf->addrs[i].gateway,
					     -1)) < 0)
			return err;
	for (size_t i = 0; i < conf->n_routes; i++)
		if ((err = cni_result_add_route(r, &conf->routes[i])) < 0)
			return err;
	/* Hand the DNS strings over rather than copying them. */
	r->dns = conf->dns;
	conf->dns = (struct cni_dns){ 0 };
	return 0;
}

static int static_add(struct cni_call *c)
{
	_cleanup_static_conf_ struct ipam_static_conf *conf = NULL;
	_cleanup_result_ struct cni_result *r = NULL;
	int err;

	if ((err = load_conf(c, &conf)) < 0)
		return err;
	r = cni_result_new(c->conf->cni_version);
	if (!r)
		return -ENOMEM;
	if ((err = fill_result(r, conf)) < 0)
		return err;
	c->result = TAKE_PTR(r);
	return 0;
}

static int static_del(struct cni_call *c)
{
	(void)c;
	return 0;
}

/* True when prevResult holds a's address, with a's gateway when a has one. */
static bool prev_has(const struct cni_result *prev, const struct ipam_static_addr *a)
{
	for (size_t k = 0; k < prev->n_ips; k++)
		if (ip_addr_equal(&a->address.addr, &prev->ips[k].address.addr) &&
		    (ip_addr_is_unset(&a->gateway) ||
		     ip_addr_equal(&a->gateway, &prev->ips[k].gateway)))
			return true;
	return false;
}

/* Every configured address must be in prevResult, with the configured
 * gateway when one is set; a missing one fails like a wrong gateway, as in
 * the reference. */
static int static_check(struct cni_call *c)
{
	_cleanup_static_conf_ struct ipam_static_conf *conf = NULL;
	const struct cni_result *prev = c->conf->prev_result;
	char text[IP_ADDR_STRLEN];
	int err;

	if ((err = load_conf(c, &conf)) < 0)
		return err;
	if (!prev)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "prevResult: Required prevResult missing");
	for (size_t i = 0; i < conf->n_addrs; i++)
		if (!prev_has(prev, &conf->addrs[i]))
			return pt_err_code(-EINVAL, CNI_ERR_INTERNAL,
					   "static: Failed to match addr %s on interface %s",
					   ip_addr_format(&conf->addrs[i].address.addr, text),
					   c->env->ifname);
	return 0;
}

const struct cni_plugin plugin_static = {
	.type = "static",
	.add = static_add,
	.del = static_del,
	.check = static_check,
};
