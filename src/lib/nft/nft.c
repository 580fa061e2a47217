/* The libnftables context, one-transaction runs, the base ruleset and the
 * listing of elements; see nft.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "nft/conntrack.h"
#include "nft/libnft.h"
#include "nft/nfnl.h"
#include "nft/nft.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

struct nft_handle {
	const struct libnft *lib;
	struct nft_ctx *ctx;
	bool table_known;	/* the table was seen or made by this handle */
	bool table_created;	/* ... made by this handle */
};

/* One libnftables context per process, kept until the process ends. The
 * in-process plugins of a chain share it (one context, one cache), and its
 * socket is never closed early: after a transaction that deleted elements,
 * the next close of any netfilter socket waits for an RCU grace period
 * (nf_tables flushes its destroy work on NETLINK_URELEASE), 8-10 ms here;
 * at the process's end that wait has usually passed during other work. */
static struct nft_handle *shared;

int nft_handle_open(struct nft_handle **ret)
{
	const struct libnft *lib;
	struct nft_handle *h;
	int r;

	if (shared) {
		*ret = shared;
		return 0;
	}
	r = libnft_get(&lib);

	if (r < 0)
		return r;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->lib = lib;
	h->ctx = lib->ctx_new(NFT_CTX_DEFAULT);
	if (!h->ctx) {
		free(h);
		return pt_err(-ENOMEM, "nft: cannot create a libnftables context");
	}
	if (lib->ctx_buffer_output(h->ctx) < 0 || lib->ctx_buffer_error(h->ctx) < 0) {
		nft_handle_close(h);
		return pt_err(-ENOMEM, "nft: cannot buffer libnftables output");
	}
	*ret = shared = h;
	return 0;
}

/* The shared context stays for the next user (see above); whether this
 * user made the table is its own news. */
void nft_handle_close(struct nft_handle *h)
{
	if (!h)
		return;
	if (h == shared) {
		h->table_created = false;
		return;
	}
	if (h->ctx)
		h->lib->ctx_free(h->ctx);
	free(h);
}

void nft_handle_closep(struct nft_handle **h)
{
	nft_handle_close(*h);
}

/* nft reports errors as text only; the errno behind it is in the words
 * (matched whatever their case: nft 1.0.6 says "interval overlaps with an
 * existing one", with no errno text). */
static int errno_of(const char *text)
{
	static const struct {
		const char *words;
		int err;
	} table[] = {
		{ "No such file or directory", ENOENT },
		{ "File exists", EEXIST },
		{ "Operation not permitted", EPERM },
		{ "Device or resource busy", EBUSY },
		{ "interval overlaps", EEXIST },
		{ "Cannot allocate memory", ENOMEM },
		{ "Invalid argument", EINVAL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (strcasestr(text, table[i].words))
			return -table[i].err;
	return -EIO;
}

/* The first two lines of nft's error (the message and the command it
 * points at), on one line. */
static void squeeze(const char *text, char *buf, size_t size)
{
	size_t j = 0;
	int lines = 0;

	for (size_t i = 0; text[i] && j + 1 < size; i++) {
		if (text[i] == '\n') {
			if (++lines == 2 || !text[i + 1])
				break;
			if (j + 3 < size) {
				memcpy(buf + j, " | ", 3);
				j += 3;
			}
			continue;
		}
		buf[j++] = text[i];
	}
	buf[j] = '\0';
}

/* Runs one command text. libnftables keeps what a run printed until it is
 * read, so both buffers are emptied first: an error an earlier caller
 * expected and ignored (a "list set" of a map) must not become the first
 * words of this run's error: the shared context lives as long as the
 * process. */
static int run_cmd(struct nft_handle *h, const char *text)
{
	(void)h->lib->ctx_get_output_buffer(h->ctx);
	(void)h->lib->ctx_get_error_buffer(h->ctx);
	return h->lib->run_cmd_from_buffer(h->ctx, text);
}

/* Runs script; what nft printed goes to *out (reset at every run). */
static int run(struct nft_handle *h, const char *what, const char *script, const char **out)
{
	char msg[1024];
	int r;

	if (!script)
		return pt_err(-ENOMEM, "%s: out of memory rendering nft rules", what);
	r = run_cmd(h, script);
	*out = h->lib->ctx_get_output_buffer(h->ctx);
	if (r == 0)
		return 0;
	const char *text = h->lib->ctx_get_error_buffer(h->ctx);
	if (!text || !text[0])
		text = "nft failed without a message";
	squeeze(text, msg, sizeof(msg));
	return pt_err(errno_of(text), "%s: %s", what, msg);
}

int nft_run(struct nft_handle *h, const char *what, const char *script)
{
	const char *out = NULL;

	return run(h, what, script, &out);
}

int nft_run_output(struct nft_handle *h, const char *script, const char **ret_out)
{
	const char *out = NULL;
	int r = run(h, "nft", script, &out);

	if (r < 0)
		return r;
	*ret_out = out ? out : "";
	return 0;
}

/* The table was just made: UDP flows that started before it never went
 * through `published`, so udpseen does not know their ports; they go into it
 * now (one conntrack walk, once per table). Done by whoever creates the
 * table: in a chain [bridge(ipMasq), portmap] it is bridge. */
static int learn_old_flows(struct nft_handle *h)
{
	_cleanup_script_ struct nft_script s = { 0 };
	_cleanup_free_ uint8_t *seen = calloc(8192, 1);
	int r, found = 0;

	if (!seen)
		return -ENOMEM;
	nft_script_init(&s);
	for (int f = 0; f < 2; f++) {
		r = conntrack_list_dports(f ? AF_INET6 : AF_INET, IPPROTO_UDP, seen);
		if (r < 0)
			return pt_err_wrap(r, "nft: cannot list the UDP flows older than table %s %s",
					   NFT_FAMILY, NFT_TABLE);
		found += r;
	}
	if (!found)
		return 0;
	nft_script_appendf(&s, "add element inet pontoon udpseen { ");
	for (unsigned p = 0, k = 0; p < 65536; p++)
		if (seen[p / 8] & (1u << (p % 8)))
			nft_script_appendf(&s, "%s%u", k++ ? ", " : "", p);
	nft_script_appendf(&s, " }\n");
	return nft_run(h, "nft: cannot record the ports of UDP flows", nft_script_text(&s));
}

int nft_apply(struct nft_handle *h, const char *what, const char *script)
{
	_cleanup_script_ struct nft_script all = { 0 };
	int r;

	if (!script)
		return pt_err(-ENOMEM, "%s: out of memory rendering nft rules", what);
	if (!h->table_known) {
		r = nft_table_exists();
		if (r < 0)
			return pt_err_wrap(r, "%s: cannot look up table %s %s", what,
					   NFT_FAMILY, NFT_TABLE);
		h->table_known = r > 0;
	}
	if (h->table_known) {
		r = nft_run(h, what, script);
		if (r != -ENOENT || nft_table_exists() != 0)
			return r;
		h->table_known = false;	/* removed since this process saw it */
		pt_err_clear();
	}

	nft_script_init(&all);
	nft_base_render(&all);
	nft_script_appendf(&all, "%s", script);
	r = nft_run(h, what, nft_script_text(&all));
	if (r == 0) {
		h->table_created = h->table_known = true;
		return learn_old_flows(h);
	}
	if (r == -EEXIST && nft_table_exists() > 0)
		r = nft_run(h, what, script);	/* another process made the table */
	if (r == 0)
		h->table_known = true;
	return r;
}

bool nft_handle_created_table(const struct nft_handle *h)
{
	return h->table_created;
}

int nft_apply_in(struct nft_handle *h, int family, const char *base, const char *what,
		 const char *script)
{
	_cleanup_script_ struct nft_script all = { 0 };
	int r;

	if (!script)
		return pt_err(-ENOMEM, "%s: out of memory rendering nft rules", what);
	r = nft_table_exists_in(family, NFT_TABLE);
	if (r < 0)
		return pt_err_wrap(r, "%s: cannot look up pontoon's table", what);
	if (r > 0)
		return nft_run(h, what, script);
	nft_script_init(&all);
	nft_script_appendf(&all, "%s%s", base, script);
	r = nft_run(h, what, nft_script_text(&all));
	if (r == -EEXIST && nft_table_exists_in(family, NFT_TABLE) > 0)
		r = nft_run(h, what, script);	/* another process made the table */
	return r;
}

/* ---- does the table exist: NFT_MSG_GETTABLE over NETLINK_NETFILTER ---- */

/* An nf_tables GET request with its nfgenmsg, ready for attributes. */
static struct nlmsghdr *get_request(char *buf, uint16_t msg, int family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | msg;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	static unsigned seq;

	if (!seq)
		seq = (unsigned)time(NULL);
	nlh->nlmsg_seq = ++seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)family;
	nfg->version = NFNETLINK_V0;
	return nlh;
}

/* 1 when the kernel has the table, 0 when it answers ENOENT, -errno
 * otherwise. */
static int table_exists_on(struct mnl_socket *nl, int family, const char *table)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = get_request(buf, NFT_MSG_GETTABLE, family);
	int r;

	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	r = nfnl_talk_cb(nl, nlh, NULL, NULL);
	return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}

/* The socket for these questions, opened once and kept until the process
 * ends: closing a netfilter socket after a transaction deleted elements
 * waits for an RCU grace period (see nft_handle_open). NULL with errno set
 * when it cannot be opened. */
static struct mnl_socket *nfnl_query_socket(void)
{
	static struct mnl_socket *nl;

	if (nl)
		return nl;
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		nl = NULL;
		errno = e;
	}
	return nl;
}

int nft_table_exists_in(int family, const char *table)
{
	struct mnl_socket *nl = nfnl_query_socket();

	return nl ? table_exists_on(nl, family, table) : -errno;
}

int nft_table_exists(void)
{
	return nft_table_exists_in(NFPROTO_INET, NFT_TABLE);
}

/* ---- who owns one element: NFT_MSG_GETSETELEM, its comment ---- */

static void key_put(struct nft_key *k, const void *v, size_t len)
{
	size_t words = (len + 3) / 4 * 4;

	if (k->overflow || k->len + words > sizeof(k->b)) {
		k->overflow = true;
		return;
	}
	memset(k->b + k->len, 0, words);
	memcpy(k->b + k->len, v, len);
	k->len += words;
}

void nft_key_addr(struct nft_key *k, const struct ip_addr *a)
{
	key_put(k, a->bytes, a->family == AF_INET ? 4 : 16);
}

void nft_key_proto(struct nft_key *k, uint8_t proto)
{
	key_put(k, &proto, 1);
}

void nft_key_port(struct nft_key *k, uint16_t port)
{
	uint16_t be = htons(port);

	key_put(k, &be, 2);
}

/* ifname keys are IFNAMSIZ bytes, NUL-padded. */
void nft_key_ifname(struct nft_key *k, const char *name)
{
	char b[16] = { 0 };

	if (strlen(name) >= sizeof(b)) {
		k->overflow = true;
		return;
	}
	memcpy(b, name, strlen(name));
	key_put(k, b, sizeof(b));
}

int nft_key_mac(struct nft_key *k, const char *mac)
{
	unsigned v[6];
	uint8_t b[6];
	char tail;

	if (sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		b[i] = (uint8_t)v[i];
	key_put(k, b, sizeof(b));
	return 0;
}

struct comment_out {
	char *buf;
	size_t size;
};

/* The element's user data: type-length-value records, the comment being
 * type 0 (NFTNL_UDATA_SET_ELEM_COMMENT), its value NUL-terminated. */
static void comment_of_udata(const uint8_t *d, size_t len, struct comment_out *o)
{
	for (size_t i = 0; i + 2 <= len && i + 2 + d[i + 1] <= len; i += 2 + d[i + 1]) {
		size_t n = d[i + 1];

		if (d[i] != 0)
			continue;
		n = strnlen((const char *)d + i + 2, n);
		if (n >= o->size)
			n = o->size - 1;
		memcpy(o->buf, d + i + 2, n);
		o->buf[n] = '\0';
		return;
	}
}

static int elem_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr *e, *x;

	if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(e, a)
		mnl_attr_for_each_nested(x, e)
			if (mnl_attr_get_type(x) == NFTA_SET_ELEM_USERDATA)
				comment_of_udata(mnl_attr_get_payload(x),
						 mnl_attr_get_payload_len(x), data);
	return MNL_CB_OK;
}

static int elem_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), elem_attr_cb, data);
}

int nft_elem_reply_parse(const void *buf, size_t len, unsigned seq, unsigned portid,
			 char *comment, size_t size)
{
	struct comment_out out = { comment, size };
	int r;

	if (comment && size == 0)
		return -EINVAL;
	errno = 0;
	r = mnl_cb_run(buf, len, seq, portid, comment ? elem_msg_cb : NULL, &out);
	if (r < 0)	/* an EAGAIN answer is an error, not "more to come" */
		return errno == ENOENT ? 0 : -(errno && errno != EAGAIN ? errno : EPROTO);
	return r == MNL_CB_STOP ? 1 : -EAGAIN;
}

static int read_elem_reply(const void *buf, size_t len, unsigned seq, unsigned portid,
			   void *data)
{
	struct comment_out *out = data;
	int r = nft_elem_reply_parse(buf, len, seq, portid, out ? out->buf : NULL,
				     out ? out->size : 0);

	return r == -EAGAIN ? NFNL_MORE : r;
}

/* Sends a GETSETELEM of one key and reads the answer into out: 1 when the
 * kernel has the element, 0 when it answers ENOENT, -errno otherwise. */
static int elem_get_on(struct mnl_socket *nl, int family, const char *set, const void *key,
		       size_t len, struct comment_out *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = get_request(buf, NFT_MSG_GETSETELEM, family);
	struct nlattr *list, *elem, *k;

	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, NFT_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, key);
	mnl_attr_nest_end(nlh, k);
	mnl_attr_nest_end(nlh, elem);
	mnl_attr_nest_end(nlh, list);
	return nfnl_talk(nl, nlh, read_elem_reply, out);	/* 1: the ACK, after the element */
}

int nft_elem_comment(int family, const char *name, const struct nft_key *k, char *buf,
		     size_t size)
{
	struct mnl_socket *nl = nfnl_query_socket();
	struct comment_out out = { buf, size };

	if (k->overflow || k->len == 0 || size == 0)
		return -EINVAL;
	if (!nl)
		return -errno;
	buf[0] = '\0';
	return elem_get_on(nl, family, name, k->b, k->len, &out);
}

int nft_set_has_port(const char *set, uint16_t port)
{
	struct mnl_socket *nl = nfnl_query_socket();
	uint16_t key = htons(port);

	return nl ? elem_get_on(nl, NFPROTO_INET, set, &key, sizeof(key), NULL) : -errno;
}

/* ---- the base ruleset ---- */

/* Hook priorities, chosen so pontoon sits beside iptables(-nft), Docker and
 * firewalld (their nat chains are at dstnat -100 and srcnat 100, filter at 0):
 *  - guard, -110: drops packets for 127.0.0.0/8 and ::1 that did not come from
 *    lo BEFORE anybody's DNAT can rewrite their destination (after DNAT the
 *    kernel's martian check no longer sees 127.0.0.1: Docker's hole).
 *  - nat prerouting/output, -90: after the nat chains of iptables-nft and
 *    Docker, so an administrator's own DNAT still wins; only ports in
 *    pontoon's maps are touched.
 *  ::1 is never DNATed: IPv6 has no route_localnet, the reply's
 *  un-NAT to ::1 arrives on the bridge and fails the kernel's strict route
 *  lookup for loopback addresses, so the connection would hang; returning
 *  early lets it be refused at once.
 *  A mapping's conditionsV4/V6 are checked in the rule of its own map (the
 *  pm*nosrc/nodst sets, keyed like the map): a packet that a mapping in pm4
 *  leaves alone falls through to pm4any, as in the reference it falls
 *  through to the next container's chain.
 *  - nat postrouting, 110: after iptables' srcnat, so an explicit SNAT or
 *    RETURN there wins; pontoon masquerades only what is left.
 *  - forward (filter), -10: the firewall plugin's isolation drops, before
 *    iptables' FORWARD (0). Its accepts end only pontoon's own chain: a drop
 *    in another table (Docker's FORWARD policy DROP) still drops
 *    (docs/nat.md, "Next to Docker").
 *  - input (filter), -10: the firewall plugin's hostAccess and
 *    blockedDestinations drops for traffic to the host itself. After
 *    conntrack (-200) so `ct state` is known, and before iptables-nft's
 *    INPUT (0) and firewalld's (filter + 10), so a packet pontoon drops is
 *    never counted, logged or answered (REJECT) by their rules; a drop is
 *    final whatever the order, and pontoon's one accept (replies to
 *    connections the host opened) ends only its own chain, so it never
 *    lets through what their rules drop. Published ports are DNATed at
 *    prerouting and forwarded: this chain never sees them.
 *  hostAccess "gateway" is `fib daddr type local` (an address of the host)
 *  and `fib daddr . iif type != local` (not one of the incoming bridge's
 *  own addresses): the gateway, and the DNS or other services on it, stay
 *  reachable; broadcast and multicast are not local and pass.
 *  Blocked ranges drop only what is not a reply (`ct state` new, invalid,
 *  untracked): `ct state != established,related` would compare the whole
 *  state with the two bits at once (always true); a client in a blocked
 *  range that connects to a published port still gets its replies. */
static const char base_ruleset[] =
	"create table inet pontoon\n"
	"table inet pontoon {\n"
	"\t# ipMasq: container addresses, and every pontoon network's prefix\n"
	"\tset masq4 { type ipv4_addr; }\n"
	"\tset masq6 { type ipv6_addr; }\n"
	"\tset nets4 { type ipv4_addr; flags interval; }\n"
	"\tset nets6 { type ipv6_addr; flags interval; }\n"
	"\t# portmap: host address . protocol . port -> container address . port\n"
	"\tmap pm4 { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n"
	"\tmap pm4any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
	"\tmap pm6 { type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service; }\n"
	"\tmap pm6any { type inet_proto . inet_service : ipv6_addr . inet_service; }\n"
	"\t# portmap: after DNAT, container address . protocol . port -> which SNAT\n"
	"\tmap pmsnat4 { type ipv4_addr . inet_proto . inet_service : verdict; }\n"
	"\tmap pmsnat6 { type ipv6_addr . inet_proto . inet_service : verdict; }\n"
	"\t# portmap: source network . destination network that hairpin\n"
	"\tset hairpin4 { type ipv4_addr . ipv4_addr; flags interval; }\n"
	"\tset hairpin6 { type ipv6_addr . ipv6_addr; flags interval; }\n"
	"\t# portmap conditionsV4/V6: what a mapping leaves alone, as source range\n"
	"\t# . host address . protocol . port (mappings in pm4/pm6) and source or\n"
	"\t# destination range . protocol . port (mappings in pm4any/pm6any)\n"
	"\tset pm4nosrc { type ipv4_addr . ipv4_addr . inet_proto . inet_service; flags interval; }\n"
	"\tset pm4anynosrc { type ipv4_addr . inet_proto . inet_service; flags interval; }\n"
	"\tset pm4anynodst { type ipv4_addr . inet_proto . inet_service; flags interval; }\n"
	"\tset pm6nosrc { type ipv6_addr . ipv6_addr . inet_proto . inet_service; flags interval; }\n"
	"\tset pm6anynosrc { type ipv6_addr . inet_proto . inet_service; flags interval; }\n"
	"\tset pm6anynodst { type ipv6_addr . inet_proto . inet_service; flags interval; }\n"
	"\t# portmap: UDP host ports that new connections were seen to (conntrack\n"
	"\t# entries may exist); only these cost a conntrack walk on ADD and DEL\n"
	"\tset udpseen { type inet_service; size 65536; flags dynamic; }\n"
	"\t# firewall: container addresses; bridges of pontoon's networks, those\n"
	"\t# isolated from the others (same-bridge, isolated) and, as bridge . bridge,\n"
	"\t# those whose own traffic stays (iso_self) or is dropped (isolated_self)\n"
	"\tset fw4 { type ipv4_addr; }\n"
	"\tset fw6 { type ipv6_addr; }\n"
	"\tset fw_br { type ifname; }\n"
	"\tset iso_br { type ifname; }\n"
	"\tset iso_self { type ifname . ifname; }\n"
	"\tset isolated_self { type ifname . ifname; }\n"
	"\t# firewall: bridges whose containers reach only the bridge's own addresses\n"
	"\t# on the host (hostAccess gateway); bridge . destination range that the\n"
	"\t# bridge's containers must not reach (blockedDestinations)\n"
	"\tset hostgw_br { type ifname; }\n"
	"\tset blocked4 { type ifname . ipv4_addr; flags interval; }\n"
	"\tset blocked6 { type ifname . ipv6_addr; flags interval; }\n"
	"\tchain guard {\n"
	"\t\ttype filter hook prerouting priority -110; policy accept;\n"
	"\t\tiif != \"lo\" ip daddr 127.0.0.0/8 drop\n"
	"\t\tiif != \"lo\" ip6 daddr ::1 drop\n"
	"\t}\n"
	"\tchain published {\n"
	"\t\tmeta l4proto udp add @udpseen { udp dport }\n"
	"\t\tip6 daddr ::1 return\n"
	"\t\tip saddr . ip daddr . meta l4proto . th dport != @pm4nosrc "
	"dnat ip to ip daddr . meta l4proto . th dport map @pm4\n"
	"\t\tip saddr . meta l4proto . th dport != @pm4anynosrc "
	"ip daddr . meta l4proto . th dport != @pm4anynodst "
	"dnat ip to meta l4proto . th dport map @pm4any\n"
	"\t\tip6 saddr . ip6 daddr . meta l4proto . th dport != @pm6nosrc "
	"dnat ip6 to ip6 daddr . meta l4proto . th dport map @pm6\n"
	"\t\tip6 saddr . meta l4proto . th dport != @pm6anynosrc "
	"ip6 daddr . meta l4proto . th dport != @pm6anynodst "
	"dnat ip6 to meta l4proto . th dport map @pm6any\n"
	"\t}\n"
	"\tchain prerouting {\n"
	"\t\ttype nat hook prerouting priority -90; policy accept;\n"
	"\t\tfib daddr type local jump published\n"
	"\t}\n"
	"\tchain output {\n"
	"\t\ttype nat hook output priority -90; policy accept;\n"
	"\t\tfib daddr type local jump published\n"
	"\t}\n"
	"\tchain snat_local {\n"
	"\t\tip saddr 127.0.0.0/8 masquerade\n"
	"\t\tip saddr . ip daddr @hairpin4 masquerade\n"
	"\t\tip6 saddr . ip6 daddr @hairpin6 masquerade\n"
	"\t}\n"
	"\tchain snat_all {\n"
	"\t\tmasquerade\n"
	"\t}\n"
	"\tchain published_snat {\n"
	"\t\tip daddr . meta l4proto . th dport vmap @pmsnat4\n"
	"\t\tip6 daddr . meta l4proto . th dport vmap @pmsnat6\n"
	"\t}\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority -10; policy accept;\n"
	"\t\tiifname . oifname @isolated_self drop\n"
	"\t\toifname @iso_br iifname @fw_br iifname . oifname != @iso_self drop\n"
	"\t\tiifname @iso_br oifname @fw_br iifname . oifname != @iso_self drop\n"
	"\t\tct state new,invalid,untracked iifname . ip daddr @blocked4 drop\n"
	"\t\tct state new,invalid,untracked iifname . ip6 daddr @blocked6 drop\n"
	"\t\tip daddr @fw4 ct state established,related accept\n"
	"\t\tip saddr @fw4 accept\n"
	"\t\tip6 daddr @fw6 ct state established,related accept\n"
	"\t\tip6 saddr @fw6 accept\n"
	"\t}\n"
	"\tchain input {\n"
	"\t\ttype filter hook input priority -10; policy accept;\n"
	"\t\tct state established,related accept\n"
	"\t\tiifname . ip daddr @blocked4 drop\n"
	"\t\tiifname . ip6 daddr @blocked6 drop\n"
	"\t\tiifname @hostgw_br fib daddr type local fib daddr . iif type != local drop\n"
	"\t}\n"
	"\tchain postrouting {\n"
	"\t\ttype nat hook postrouting priority 110; policy accept;\n"
	"\t\tct status dnat jump published_snat\n"
	"\t\tip saddr @masq4 ip daddr != @nets4 ip daddr != 224.0.0.0/4 masquerade\n"
	"\t\tip6 saddr @masq6 ip6 daddr != @nets6 ip6 daddr != ff00::/8 masquerade\n"
	"\t}\n"
	"}\n";

void nft_base_render(struct nft_script *s)
{
	nft_script_appendf(s, "%s", base_ruleset);
}

/* ---- listing ---- */

int nft_list_elements(struct nft_handle *h, const char *name, json_t **ret)
{
	return nft_list_elements_in(h, NFT_FAMILY, name, ret);
}

int nft_list_elements_in(struct nft_handle *h, const char *family, const char *name, json_t **ret)
{
	_cleanup_free_ char *cmd = NULL;
	_cleanup_json_ json_t *doc = NULL;
	unsigned flags = h->lib->ctx_output_get_flags(h->ctx);
	json_t *items, *it;
	const char *out;
	size_t i;
	int r;

	/* "list set" serves sets and maps alike in JSON; try both words. */
	if (asprintf(&cmd, "list set %s %s %s", family, NFT_TABLE, name) < 0)
		return -ENOMEM;
	h->lib->ctx_output_set_flags(h->ctx, flags | NFT_CTX_OUTPUT_JSON);
	r = run_cmd(h, cmd);
	if (r != 0) {
		free(cmd);
		cmd = NULL;
		if (asprintf(&cmd, "list map %s %s %s", family, NFT_TABLE, name) < 0)
			r = -ENOMEM;
		else
			r = run_cmd(h, cmd);
	}
	h->lib->ctx_output_set_flags(h->ctx, flags);
	out = h->lib->ctx_get_output_buffer(h->ctx);
	if (r != 0) {
		const char *text = h->lib->ctx_get_error_buffer(h->ctx);
		return pt_err(errno_of(text ? text : ""), "nft: cannot list %s: %s", name,
			      text ? text : "");
	}
	r = json_parse_buffer(out, strlen(out), &doc);
	if (r < 0)
		return pt_err_wrap(r, "nft: listing of %s", name);
	items = json_object_get(doc, "nftables");
	json_array_foreach(items, i, it) {
		json_t *o = json_object_get(it, "set");
		if (!o)
			o = json_object_get(it, "map");
		if (!o)
			continue;
		json_t *e = json_object_get(o, "elem");
		*ret = e ? json_incref(e) : json_array();
		return 0;
	}
	*ret = json_array();
	return 0;
}

/* A string is always written quoted: nft reads every type pontoon's sets
 * hold (addresses, protocols, MACs, interface names) from a quoted string,
 * while an unquoted interface name such as "1br" or "a};x" is a syntax error
 * or, worse, more statements in the delete's transaction (found by
 * fuzz-nft_elem). What a quoted string cannot hold is refused. */
static int render_string(const char *v, struct nft_script *s)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p == '"' || *p == '\\' || *p < 0x20 || *p == 0x7f)
			return -EINVAL;
	nft_script_appendf(s, "\"%s\"", v);
	return 0;
}

int nft_json_expr_render(json_t *v, struct nft_script *s)
{
	json_t *x, *it;
	size_t i;

	if (json_is_string(v))
		return render_string(json_string_value(v), s);
	if (json_is_integer(v)) {
		nft_script_appendf(s, "%lld", (long long)json_integer_value(v));
		return 0;
	}
	if ((x = json_object_get(v, "concat")) && json_is_array(x)) {
		json_array_foreach(x, i, it) {
			if (i)
				nft_script_appendf(s, " . ");
			if (nft_json_expr_render(it, s) < 0)
				return -EINVAL;
		}
		return 0;
	}
	if ((x = json_object_get(v, "prefix"))) {
		json_t *a = json_object_get(x, "addr"), *l = json_object_get(x, "len");
		if (!json_is_string(a) || !json_is_integer(l) || render_string(json_string_value(a), s) < 0)
			return -EINVAL;
		nft_script_appendf(s, "/%lld", (long long)json_integer_value(l));
		return 0;
	}
	if ((x = json_object_get(v, "range")) && json_array_size(x) == 2) {
		if (nft_json_expr_render(json_array_get(x, 0), s) < 0)
			return -EINVAL;
		nft_script_appendf(s, "-");
		return nft_json_expr_render(json_array_get(x, 1), s);
	}
	return -EINVAL;
}

int nft_elem_parse(json_t *e, json_t **ret_key, const char **ret_comment, json_t **ret_value)
{
	json_t *key = e, *value = NULL, *w;
	const char *comment = "";

	if (json_is_array(e)) {		/* a map element: [key, value] */
		if (json_array_size(e) != 2)
			return -EINVAL;
		key = json_array_get(e, 0);
		value = json_array_get(e, 1);
	}
	/* With a comment the key is wrapped: {"elem": {"val": k, "comment": c}}. */
	if ((w = json_object_get(key, "elem"))) {
		json_t *c = json_object_get(w, "comment");
		if (json_is_string(c))
			comment = json_string_value(c);
		key = json_object_get(w, "val");
		if (!key)
			return -EINVAL;
	}
	*ret_key = key;
	*ret_comment = comment;
	*ret_value = value;
	return 0;
}

bool nft_comment_ok(const char *s)
{
	size_t n = strlen(s);

	if (n > NFT_COMMENT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}
