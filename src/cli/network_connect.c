/* `pontoon network connect|disconnect NET CONTAINER`: one more interface
 * (the next free ethN) for a running container, or one less; its hosts,
 * resolv.conf and the networks' DNS servers follow. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util/error.h"

static const struct cli_usage connect_usage = {
	"network connect [--ip ADDR] [--alias NAME]... NETWORK CONTAINER",
	"  --ip ADDR              address to ask for on this network\n"
	"  --alias NAME           another DNS name on this network (repeatable)\n",
};
static const struct cli_usage disconnect_usage = { "network disconnect NETWORK CONTAINER", NULL };

static void next_ifname(json_t *state, char *buf, size_t size)
{
	for (int i = 0;; i++) {
		bool used = false;
		json_t *n;
		size_t k;

		snprintf(buf, size, "eth%d", i);
		json_array_foreach(json_object_get(state, "networks"), k, n)
			used |= strcmp(json_string_value(json_object_get(n, "ifname")), buf) == 0;
		if (!used)
			return;
	}
}

static int load_pair(const char *net, const char *name, struct cni_conflist **l, json_t **state)
{
	int r = net_find(net, l);

	if (r != 0)
		return r;
	r = ctr_find(name, state);
	if (r != 0)
		return r;
	if (!json_is_string(json_object_get(*state, "netns")))
		return cli_error(EXIT_CONFLICT, "container %s has no network namespace of its own (--net host)", name);
	if (!ctr_process_alive(*state))
		return cli_error(EXIT_NOTFOUND, "container %s is not running", name);
	return 0;
}

/* What the attachment will be, saved before the ADD (as `pontoon run`
 * does): a pontoon killed inside the ADD leaves an entry that rm and gc
 * DEL, never an interface and an address that no state names. */
static int record_intent(json_t *state, const char *net, const char *ifname)
{
	if (json_array_append_new(json_object_get(state, "networks"),
				  json_pack("{s:s, s:s}", "name", net, "ifname", ifname)) < 0)
		return -ENOMEM;
	return ctr_save(state);
}

/* Undoes a connect that failed after its intent was saved: DEL, then the
 * state, names and DNS server without it. A DEL that fails keeps the entry,
 * for rm and gc to retry. */
static void connect_rollback(json_t *state, const struct cni_conflist *l)
{
	(void)detach_network(state, l);
	(void)ctr_save(state);
	(void)names_write_files(state);
	(void)dns_stop_unused(l->name);
	pt_err_clear();
}

static int connect_locked(const char *net, const char *name, const char *ip, json_t *aliases)
{
	_cleanup_json_ json_t *state = NULL, *caps = json_object();
	struct cni_conflist *l = NULL;
	char ifname[16];
	int r;

	r = load_pair(net, name, &l, &state);
	if (r == 0 && ctr_network(state, net))
		r = cli_error(EXIT_CONFLICT, "container %s is already on network %s", name, net);
	if (r == 0) {
		if (ip)
			json_object_set_new(caps, "ips", json_pack("[s]", ip));
		next_ifname(state, ifname, sizeof(ifname));
		r = record_intent(state, net, ifname);
		if (r < 0) {
			r = cli_lib_error(EXIT_FAIL, r, "cannot connect %s to %s", name, net);
			goto out;
		}
		r = attach_network(state, l, ifname, caps, aliases);
		if (r >= 0)
			r = ctr_save(state);
		if (r >= 0)
			r = names_write_files(state);
		if (r >= 0)
			r = dns_ensure(l);
		if (r < 0) {
			r = cli_lib_error(EXIT_FAIL, r, "cannot connect %s to %s", name, net);
			connect_rollback(state, l);
		}
	}
out:
	cni_conflist_free(l);
	return r;
}

int cmd_network_connect(int argc, char **argv)
{
	static const struct option opts[] = { { "ip", required_argument, NULL, 'i' },
					      { "alias", required_argument, NULL, 'a' }, { 0 } };
	_cleanup_json_ json_t *aliases = json_array();
	const char *ip = NULL;
	struct ip_addr a;
	int c, lock = -1, r;

	if (cli_wants_help(argc, argv))
		return cli_help(&connect_usage);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'i' && ip_addr_parse(optarg, &a) >= 0)
			ip = optarg;
		else if (c == 'a')
			json_array_append_new(aliases, json_string(optarg));
		else
			return cli_usage_error(&connect_usage, "bad option \"%s\"", argv[optind - 1]);
	}
	if (argc - optind != 2)
		return cli_usage_error(&connect_usage, "expects NETWORK and CONTAINER");
	r = cli_lock(&lock);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot take the state lock");
	r = connect_locked(argv[optind], argv[optind + 1], ip, aliases);
	close(lock);
	return r;
}

int cmd_network_disconnect(int argc, char **argv)
{
	_cleanup_json_ json_t *state = NULL;
	struct cni_conflist *l = NULL;
	int lock = -1, r;

	if (cli_wants_help(argc, argv))
		return cli_help(&disconnect_usage);
	if (argc != 3)
		return cli_usage_error(&disconnect_usage, "expects NETWORK and CONTAINER");
	r = cli_lock(&lock);
	if (r < 0)
		return cli_lib_error(EXIT_FAIL, r, "cannot take the state lock");
	r = load_pair(argv[1], argv[2], &l, &state);
	if (r == 0 && !ctr_network(state, argv[1]))
		r = cli_error(EXIT_NOTFOUND, "container %s is not on network %s", argv[2], argv[1]);
	if (r == 0) {
		r = detach_network(state, l);
		if (r >= 0)
			r = ctr_save(state);
		if (r >= 0)
			r = names_write_files(state);
		if (r >= 0)
			(void)dns_stop_unused(argv[1]);
		r = r < 0 ? cli_lib_error(EXIT_FAIL, r, "cannot disconnect %s from %s", argv[2], argv[1]) : 0;
	}
	cni_conflist_free(l);
	close(lock);
	return r;
}
