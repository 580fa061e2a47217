/* The CNI_* environment variables: which command needs which, and the
 * checks that keep a container id or an interface name from ever naming
 * a path outside the plugin's own directories. Rules as the reference's
 * skel: a required variable that is missing or empty is an error, values
 * are validated only for the commands that use them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cni/env.h"
#include "cni/error.h"
#include "util/error.h"

static const char *const cmd_names[] = {
	[CNI_CMD_ADD] = "ADD",
	[CNI_CMD_DEL] = "DEL",
	[CNI_CMD_CHECK] = "CHECK",
	[CNI_CMD_STATUS] = "STATUS",
	[CNI_CMD_GC] = "GC",
	[CNI_CMD_VERSION] = "VERSION",
};

/* Which variables each command requires. */
enum {
	NEED_CONTAINERID = 1 << 0,
	NEED_NETNS = 1 << 1,
	NEED_IFNAME = 1 << 2,
	NEED_PATH = 1 << 3,
};

static const unsigned cmd_needs[] = {
	[CNI_CMD_ADD] = NEED_CONTAINERID | NEED_NETNS | NEED_IFNAME | NEED_PATH,
	[CNI_CMD_DEL] = NEED_CONTAINERID | NEED_IFNAME | NEED_PATH,
	[CNI_CMD_CHECK] = NEED_CONTAINERID | NEED_NETNS | NEED_IFNAME | NEED_PATH,
	/* The spec calls CNI_PATH optional for STATUS; skel requires it, and a
	 * plugin must be able to ask its IPAM plugin, so do the same. */
	[CNI_CMD_STATUS] = NEED_PATH,
	[CNI_CMD_GC] = NEED_PATH,
	[CNI_CMD_VERSION] = 0,
};

const char *cni_cmd_name(enum cni_cmd cmd)
{
	if ((unsigned)cmd >= sizeof(cmd_names) / sizeof(cmd_names[0]))
		return "?";
	return cmd_names[cmd];
}

int cni_cmd_parse(const char *s, enum cni_cmd *ret)
{
	if (!s || !*s)
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV,
				   "required env variables [CNI_COMMAND] missing");
	for (unsigned i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
		if (strcmp(s, cmd_names[i]) == 0) {
			*ret = (enum cni_cmd)i;
			return 0;
		}
	return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV, "unknown CNI_COMMAND: %s", s);
}

static bool id_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

bool cni_valid_id(const char *s)
{
	if (!s || !*s)
		return false;
	for (size_t i = 0; s[i]; i++)
		if (!id_char(s[i], i == 0))
			return false;
	return true;
}

/* What is wrong with an interface name, or NULL. The kernel's own rules
 * (dev_valid_name), which the reference checks too. */
static const char *ifname_problem(const char *s)
{
	if (!s || !*s)
		return "interface name is empty";
	if (strlen(s) > 15)
		return "interface name is too long (at most 15 bytes)";
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return "interface name is . or ..";
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
			return "interface name contains / or : or whitespace characters";
	return NULL;
}

bool cni_valid_ifname(const char *s)
{
	return ifname_problem(s) == NULL;
}

static bool empty(const char *s)
{
	return !s || !*s;
}

/* "required env variables [A,B] missing", as the reference words it. */
static int check_missing(const struct cni_env *env, unsigned needs)
{
	const struct {
		unsigned bit;
		const char *name, *value;
	} vars[] = {
		{ NEED_CONTAINERID, "CNI_CONTAINERID", env->container_id },
		{ NEED_NETNS, "CNI_NETNS", env->netns },
		{ NEED_IFNAME, "CNI_IFNAME", env->ifname },
		{ NEED_PATH, "CNI_PATH", env->path },
	};
	char list[128] = "";

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (!(needs & vars[i].bit) || !empty(vars[i].value))
			continue;
		if (list[0])
			strcat(list, ",");
		strcat(list, vars[i].name);
	}
	if (list[0])
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV,
				   "required env variables [%s] missing", list);
	return 0;
}

int cni_env_validate(const struct cni_env *env)
{
	unsigned needs;
	const char *why;
	int r;

	if ((unsigned)env->cmd >= sizeof(cmd_needs) / sizeof(cmd_needs[0]))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV, "unknown CNI_COMMAND: %d",
				   (int)env->cmd);
	needs = cmd_needs[env->cmd];
	r = check_missing(env, needs);
	if (r < 0)
		return r;
	if ((needs & NEED_CONTAINERID) && !cni_valid_id(env->container_id))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV,
				   "CNI_CONTAINERID: invalid characters in containerID \"%s\" "
				   "(must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$)",
				   env->container_id);
	if ((needs & NEED_IFNAME) && (why = ifname_problem(env->ifname)))
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_ENV, "CNI_IFNAME: %s: \"%s\"", why,
				   env->ifname);
	return 0;
}

static const char *getenv_nonempty(const char *name)
{
	const char *v = getenv(name);

	return empty(v) ? NULL : v;
}

int cni_env_load(struct cni_env *ret)
{
	struct cni_env env = { 0 };
	int r;

	r = cni_cmd_parse(getenv("CNI_COMMAND"), &env.cmd);
	if (r < 0)
		return r;
	env.container_id = getenv_nonempty("CNI_CONTAINERID");
	env.netns = getenv_nonempty("CNI_NETNS");
	env.ifname = getenv_nonempty("CNI_IFNAME");
	env.args = getenv_nonempty("CNI_ARGS");
	env.path = getenv_nonempty("CNI_PATH");
	r = cni_env_validate(&env);
	if (r < 0)
		return r;
	*ret = env;
	return 0;
}
