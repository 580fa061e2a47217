/* The network configuration on stdin: the fields every plugin shares,
 * validated once here so that each plugin only reads its own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cni/conf.h"
#include "cni/env.h"
#include "cni/error.h"
#include "cni/version.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"

void cni_conf_free(struct cni_conf *c)
{
	if (!c)
		return;
	cni_result_free(c->prev_result);
	cni_dns_free(&c->dns);
	json_decref(c->json);
	free(c->raw);
	free(c);
}

void cni_conf_freep(struct cni_conf **c)
{
	cni_conf_free(*c);
	*c = NULL;
}

static int parse_version(struct cni_conf *c)
{
	const char *v = NULL;
	int r = json_opt_string(c->json, "cniVersion", NULL, &v);

	if (r < 0)
		return r;
	/* Absent or empty means 0.1.0, as libcni decodes it. */
	c->cni_version = v && *v ? v : "0.1.0";
	if (!cni_version_supported(c->cni_version))
		return pt_err_code(-EINVAL, CNI_ERR_INCOMPATIBLE_VERSION,
				   "cniVersion: incompatible CNI versions: config is \"%s\", "
				   "plugin supports 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0",
				   c->cni_version);
	return 0;
}

static int parse_name_type(struct cni_conf *c)
{
	int r = json_opt_string(c->json, "name", NULL, &c->name);

	if (r < 0)
		return r;
	if (!c->name || !*c->name)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "name: missing network name");
	/* The name becomes a directory under the IPAM data dir. */
	if (!cni_valid_id(c->name))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "name: invalid characters in network name \"%s\" "
				   "(must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$)", c->name);
	r = json_opt_string(c->json, "type", NULL, &c->type);
	if (r < 0)
		return r;
	if (!c->type || !*c->type)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG, "type: missing plugin type");
	return 0;
}

static int parse_objects(struct cni_conf *c)
{
	json_t *dns = NULL, *prev = NULL;
	int r;

	r = json_opt_object(c->json, "ipam", NULL, &c->ipam);
	if (r >= 0)
		r = json_opt_object(c->json, "runtimeConfig", NULL, &c->runtime_config);
	if (r >= 0)
		r = json_opt_object(c->json, "args", NULL, &c->args);
	if (r >= 0)
		r = json_opt_object(c->json, "dns", NULL, &dns);
	if (r >= 0 && dns)
		r = cni_dns_parse(dns, "dns", &c->dns);
	if (r >= 0)
		r = json_opt_object(c->json, "prevResult", NULL, &prev);
	/* A prevResult without its own cniVersion is in the config's. */
	if (r >= 0 && prev)
		r = cni_result_parse_full(prev, "prevResult", c->cni_version, &c->prev_result);
	return r;
}

int cni_conf_parse(const char *buf, size_t len, struct cni_conf **ret)
{
	_cleanup_conf_ struct cni_conf *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->raw = malloc(len + 1);
	if (!c->raw)
		return -ENOMEM;
	memcpy(c->raw, buf, len);
	c->raw[len] = '\0';
	c->raw_len = len;
	r = json_parse_buffer(buf, len, &c->json);
	if (r < 0)
		return pt_err_wrap(r, "network config");
	if (!json_is_object(c->json))
		return pt_err_code(-EINVAL, CNI_ERR_DECODE, "network config: must be a JSON object");
	r = parse_version(c);
	if (r >= 0)
		r = parse_name_type(c);
	if (r >= 0)
		r = parse_objects(c);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

int cni_read_all(int fd, char **ret, size_t *ret_len)
{
	int r = read_all_max(fd, NULL, CNI_CONF_MAX, 16384, ret, ret_len);

	return r < 0 ? pt_err_recode(r, CNI_ERR_IO) : 0;
}

/* One entry of an "ips" list: a CIDR, or a bare address taken as a host. */
static int parse_requested(const char *s, struct ip_prefix *ret)
{
	if (ip_prefix_parse(s, ret) == 0)
		return 0;
	if (ip_addr_parse(s, &ret->addr) < 0)
		return -EINVAL;
	ret->len = (uint8_t)ip_family_bits(ret->addr.family);
	return 0;
}

static int append_ips(json_t *arr, const char *where, struct ip_prefix **ips, size_t *n)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		struct ip_prefix p, *grown;

		if (!json_is_string(v))
			return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
					   "%s[%zu]: must be a string", where, i);
		if (parse_requested(json_string_value(v), &p) < 0)
			return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
					   "%s[%zu]: not an IP address or CIDR: \"%s\"", where, i,
					   json_string_value(v));
		grown = realloc(*ips, (*n + 1) * sizeof(**ips));
		if (!grown)
			return -ENOMEM;
		*ips = grown;
		(*ips)[(*n)++] = p;
	}
	return 0;
}

int cni_conf_requested_ips(const struct cni_conf *c, struct ip_prefix **ips, size_t *n)
{
	json_t *cni = NULL, *arr = NULL;
	int r;

	/* args.cni.ips first, then runtimeConfig.ips, the order host-local
	 * reads them in. */
	r = json_opt_object(c->args, "cni", "args", &cni);
	if (r >= 0)
		r = json_opt_array(cni, "ips", "args.cni", &arr);
	if (r >= 0 && arr)
		r = append_ips(arr, "args.cni.ips", ips, n);
	arr = NULL;
	if (r >= 0)
		r = json_opt_array(c->runtime_config, "ips", "runtimeConfig", &arr);
	if (r >= 0 && arr)
		r = append_ips(arr, "runtimeConfig.ips", ips, n);
	return r;
}

/* A non-empty string at obj.key, or NULL; never records an error. */
static const char *peek_string(json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_string(v) && json_string_length(v) ? json_string_value(v) : NULL;
}

const char *cni_conf_requested_mac(const struct cni_conf *c)
{
	const char *mac = peek_string(c->runtime_config, "mac");

	/* runtimeConfig wins over args, as in the reference bridge. */
	if (mac)
		return mac;
	return peek_string(c->args ? json_object_get(c->args, "cni") : NULL, "mac");
}
