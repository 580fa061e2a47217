/* host-local: the reference IPAM plugin's semantics (range sets, round
 * robin, requested addresses, its on-disk state) on top of src/lib/ipam.
 * This file only turns a CNI call into a library call and the leases into
 * a result. */
#include <errno.h>
#include <stdlib.h>

#include "cni/error.h"
#include "cni/version.h"
#include "ipam/alloc.h"
#include "ipam/hostlocal_conf.h"
#include "ipam/resolv.h"
#include "plugins.h"
#include "util/cleanup.h"

static int load_conf(struct cni_call *c, struct ipam_hostlocal_conf **ret)
{
	static const char *const known[] = { "IP", NULL };
	_cleanup_free_ struct ip_prefix *ips = NULL;
	size_t n = 0;
	int err;

	if ((err = cni_args_check_known(&c->args, known)) < 0 ||
	    (err = cni_conf_requested_ips(c->conf, &ips, &n)) < 0)
		return err;
	return ipam_hostlocal_conf_parse(c->conf->json, cni_args_get(&c->args, "IP"), ips, n, ret);
}

static int fill_result(struct cni_result *r, const struct ipam_hostlocal_conf *conf,
		       const struct ipam_lease *leases, size_t n)
{
	int err;

	for (size_t i = 0; i < n; i++)
		if ((err = cni_result_add_ip(r, &leases[i].address, &leases[i].gateway, -1)) < 0)
			return err;
	for (size_t i = 0; i < conf->n_routes; i++)
		if ((err = cni_result_add_route(r, &conf->routes[i])) < 0)
			return err;
	return 0;
}

static int host_local_add(struct cni_call *c)
{
	_cleanup_hostlocal_conf_ struct ipam_hostlocal_conf *conf = NULL;
	_cleanup_result_ struct cni_result *r = NULL;
	_cleanup_free_ struct ipam_lease *leases = NULL;
	size_t n = 0;
	int err;

	if ((err = load_conf(c, &conf)) < 0)
		return err;
	r = cni_result_new(c->conf->cni_version);
	if (!r)
		return -ENOMEM;
	/* Read before anything is reserved, as the reference does: a bad
	 * resolvConf then costs no rollback. */
	if (conf->resolv_conf && (err = ipam_resolv_conf_parse(conf->resolv_conf, &r->dns)) < 0)
		return err;
	if ((err = ipam_alloc_add(conf, c->env->container_id, c->env->ifname, &leases, &n)) < 0)
		return err;
	err = fill_result(r, conf, leases, n);
	if (err < 0) {
		ipam_alloc_del(conf, c->env->container_id, c->env->ifname);
		return err;
	}
	c->result = TAKE_PTR(r);
	return 0;
}

static int host_local_del(struct cni_call *c)
{
	_cleanup_hostlocal_conf_ struct ipam_hostlocal_conf *conf = NULL;
	int err;

	if ((err = load_conf(c, &conf)) < 0)
		return err;
	return ipam_alloc_del(conf, c->env->container_id, c->env->ifname);
}

static int host_local_check(struct cni_call *c)
{
	_cleanup_hostlocal_conf_ struct ipam_hostlocal_conf *conf = NULL;
	int err;

	if ((err = load_conf(c, &conf)) < 0)
		return err;
	return ipam_alloc_check(conf, c->env->container_id, c->env->ifname);
}

static int host_local_gc(struct cni_call *c)
{
	_cleanup_hostlocal_conf_ struct ipam_hostlocal_conf *conf = NULL;
	_cleanup_free_ struct cni_attachment *valid = NULL;
	_cleanup_free_ struct ipam_owner *owners = NULL;
	size_t n = 0;
	int err;

	if ((err = load_conf(c, &conf)) < 0 ||
	    (err = cni_gc_attachments(c->conf, &valid, &n)) < 0)
		return err;
	owners = calloc(n + 1, sizeof(*owners));
	if (!owners)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		owners[i] = (struct ipam_owner){ valid[i].container_id, valid[i].ifname };
	err = ipam_alloc_gc(conf, owners, n);
	return err < 0 ? err : 0;
}

static int host_local_status(struct cni_call *c)
{
	_cleanup_hostlocal_conf_ struct ipam_hostlocal_conf *conf = NULL;
	int err;

	/* STATUS exists from 1.1.0 on; older configs have nothing to report. */
	if (cni_version_cmp(c->conf->cni_version, "1.1.0") < 0)
		return 0;
	if ((err = load_conf(c, &conf)) < 0)
		return err;
	return ipam_alloc_status(conf);
}

const struct cni_plugin plugin_host_local = {
	.type = "host-local",
	.add = host_local_add,
	.del = host_local_del,
	.check = host_local_check,
	.status = host_local_status,
	.gc = host_local_gc,
};
