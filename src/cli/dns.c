/* `pontoon dns-serve NETWORK`: the name server of one network, started by
 * pontoon when the first container joins it (see names.c), like Podman's
 * aardvark-dns. It listens on the network's gateway addresses only (UDP 53),
 * answers A/AAAA for the names, hostnames and aliases of the containers on
 * this network (also under the search domain dns.pontoon), and forwards
 * every other question to the host's resolvers, relaying their answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dns_msg.h"
#include "util/error.h"

#define DNS_SUFFIX ".dns.pontoon"
#define MAX_LISTEN 4
#define MAX_PENDING 64
#define MAX_UPSTREAM 3
#define MAX_QUERY 1500
/* Seconds to wait for one upstream before asking the next: a client's
 * resolver (glibc: 5 s) still gets the second one's answer. */
#define UPSTREAM_TIMEOUT 2

struct pending {
	int fd;			/* connected to the upstream; -1 = free */
	int listen_fd;		/* where the question came in */
	struct sockaddr_storage client;
	socklen_t client_len;
	time_t deadline;
	size_t upstream;	/* the one asked now */
	size_t tries;		/* upstreams asked so far */
	uint8_t query[MAX_QUERY];
	size_t query_len;
};

struct server {
	const char *net;
	int listen[MAX_LISTEN];
	size_t n_listen;
	struct sockaddr_storage upstream[MAX_UPSTREAM];
	socklen_t upstream_len[MAX_UPSTREAM];
	size_t n_upstream;
	size_t first_upstream;	/* the one that answered last: asked first */
	struct pending pending[MAX_PENDING];
};

static int bind_udp(const struct ip_addr *a)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int one = 1, fd;

	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(53);
		memcpy(&s->sin_addr, a->bytes, 4);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(53);
		memcpy(&s->sin6_addr, a->bytes, 16);
		len = sizeof(*s);
	}
	fd = socket(a->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* The gateway address may still be tentative (IPv6 DAD). */
	setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
	if (a->family == AF_INET6)
		setsockopt(fd, SOL_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* nameserver lines of the host's resolv.conf, except our own addresses. */
static void load_upstreams(struct server *s, const struct ip_addr *gws, size_t ng)
{
	char line[512], addr[128];
	FILE *f = fopen("/etc/resolv.conf", "re");

	while (f && fgets(line, sizeof(line), f) && s->n_upstream < MAX_UPSTREAM) {
		struct ip_addr a;
		bool ours = false;

		if (sscanf(line, "nameserver %127s", addr) != 1 || ip_addr_parse(addr, &a) < 0)
			continue;
		for (size_t i = 0; i < ng; i++)
			ours |= ip_addr_equal(&a, &gws[i]);
		if (ours)
			continue;
		struct sockaddr_storage *ss = &s->upstream[s->n_upstream];

		memset(ss, 0, sizeof(*ss));
		if (a.family == AF_INET) {
			struct sockaddr_in *si = (struct sockaddr_in *)ss;

			si->sin_family = AF_INET;
			si->sin_port = htons(53);
			memcpy(&si->sin_addr, a.bytes, 4);
			s->upstream_len[s->n_upstream++] = sizeof(*si);
		} else {
			struct sockaddr_in6 *si = (struct sockaddr_in6 *)ss;

			si->sin6_family = AF_INET6;
			si->sin6_port = htons(53);
			memcpy(&si->sin6_addr, a.bytes, 16);
			s->upstream_len[s->n_upstream++] = sizeof(*si);
		}
	}
	if (f)
		fclose(f);
}

static bool name_matches(json_t *c, json_t *att, const char *name)
{
	const char *cands[] = { json_string_value(json_object_get(c, "name")),
				json_string_value(json_object_get(c, "hostname")) };
	json_t *alias;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cands); i++)
		if (cands[i] && strcasecmp(cands[i], name) == 0)
			return true;
	json_array_foreach(json_object_get(att, "aliases"), i, alias)
		if (strcasecmp(json_string_value(alias), name) == 0)
			return true;
	return false;
}

/* Addresses of family for name on this network; returns whether the name
 * is a container's at all. */
static bool lookup(const char *net, const char *name, int family, struct ip_addr *out, size_t *n)
{
	_cleanup_json_ json_t *containers = NULL;
	bool known = false;
	json_t *c, *ip;
	size_t i, j;

	*n = 0;
	if (ctr_load_all(&containers) < 0)
		return false;
	json_array_foreach(containers, i, c) {
		json_t *att = ctr_network(c, net);

		if (!att || !name_matches(c, att, name))
			continue;
		known = true;
		json_array_foreach(json_object_get(att, "ips"), j, ip) {
			struct ip_prefix p;

			if (*n < 16 && ip_prefix_parse(json_string_value(ip), &p) >= 0 &&
			    p.addr.family == family)
				out[(*n)++] = p.addr;
		}
	}
	return known;
}

static void pending_free(struct pending *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* Sends p's query to the next upstream that takes it (in the order of
 * resolv.conf, from the one that answered last); frees p when none is left:
 * the client's own retry starts over. */
static void pending_send_next(struct server *s, struct pending *p)
{
	pending_free(p);
	for (; p->tries < s->n_upstream; p->tries++) {
		size_t u = (s->first_upstream + p->tries) % s->n_upstream;
		const struct sockaddr_storage *up = &s->upstream[u];

		p->fd = socket(up->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (p->fd < 0)
			return;
		if (connect(p->fd, (const struct sockaddr *)up, s->upstream_len[u]) == 0 &&
		    send(p->fd, p->query, p->query_len, 0) >= 0) {
			p->upstream = u;
			p->tries++;
			p->deadline = time(NULL) + UPSTREAM_TIMEOUT;
			return;
		}
		pending_free(p);
	}
}

static void forward(struct server *s, int lfd, const uint8_t *q, size_t len,
		    const struct sockaddr_storage *from, socklen_t from_len)
{
	if (len > MAX_QUERY)
		return;
	for (size_t i = 0; i < MAX_PENDING && s->n_upstream; i++) {
		struct pending *p = &s->pending[i];

		if (p->fd >= 0)
			continue;
		memcpy(p->query, q, len);
		p->query_len = len;
		p->listen_fd = lfd;
		p->client = *from;
		p->client_len = from_len;
		p->tries = 0;
		pending_send_next(s, p);
		return;
	}
}

/* Answers and sends; a reply that cannot be built is not sent. */
static void reply(int lfd, const uint8_t *q, const struct dns_question *dq, int rcode,
		  const struct ip_addr *a, size_t n, const struct sockaddr_storage *to, socklen_t to_len)
{
	uint8_t out[1500];
	size_t len;

	if (dns_msg_answer(q, dq, rcode, a, n, out, sizeof(out), &len) == 0)
		sendto(lfd, out, len, 0, (const struct sockaddr *)to, to_len);
}

static void handle_query(struct server *s, int lfd)
{
	uint8_t q[MAX_QUERY];
	struct sockaddr_storage from;
	socklen_t from_len = sizeof(from);
	struct dns_question dq;
	struct ip_addr addrs[16];
	size_t n;
	ssize_t len;
	bool known, suffixed;
	int r;

	len = recvfrom(lfd, q, sizeof(q), 0, (struct sockaddr *)&from, &from_len);
	if (len <= 0)
		return;
	r = dns_msg_parse_question(q, len, &dq);
	/* A name with a '.' or NUL inside a label is none of ours. */
	if (r == -EILSEQ && !(q[2] & 0x80) && s->n_upstream)
		forward(s, lfd, q, len, &from, from_len);
	if (r < 0 || dq.is_response)
		return;
	suffixed = dns_msg_strip_suffix(dq.name, DNS_SUFFIX);
	known = lookup(s->net, dq.name, dq.qtype == DNS_TYPE_AAAA ? AF_INET6 : AF_INET, addrs, &n);
	if (known || suffixed) {
		reply(lfd, q, &dq, known ? 0 : DNS_RCODE_NXDOMAIN, addrs,
		      dq.qtype == DNS_TYPE_A || dq.qtype == DNS_TYPE_AAAA ? n : 0, &from, from_len);
		return;
	}
	if (s->n_upstream == 0) {
		reply(lfd, q, &dq, DNS_RCODE_SERVFAIL, NULL, 0, &from, from_len);
		return;
	}
	forward(s, lfd, q, len, &from, from_len);
}

/* The upstream's answer to the client; an upstream that refused (ICMP
 * unreachable on the connected socket) passes the query on. */
static void relay(struct server *s, struct pending *p)
{
	uint8_t buf[4096];
	ssize_t n = recv(p->fd, buf, sizeof(buf), 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		pending_send_next(s, p);
		return;
	}
	if (n > 0) {
		sendto(p->listen_fd, buf, n, 0, (struct sockaddr *)&p->client, p->client_len);
		s->first_upstream = p->upstream;
	}
	pending_free(p);
}

/* Whether a container is still on the network. A server whose last
 * container left without telling it (its runtime was killed) goes by itself. */
static bool still_needed(const char *net)
{
	_cleanup_json_ json_t *containers = NULL;
	json_t *c;
	size_t i;

	if (ctr_load_all(&containers) < 0)
		return true;
	json_array_foreach(containers, i, c)
		if (ctr_network(c, net))
			return true;
	return false;
}

static void serve(struct server *s)
{
	time_t last_check = time(NULL);
	int idle = 0;

	for (;;) {
		struct pollfd pfd[MAX_LISTEN + MAX_PENDING];
		size_t n = 0, idx[MAX_PENDING];
		time_t now = time(NULL);

		for (size_t i = 0; i < s->n_listen; i++)
			pfd[n++] = (struct pollfd){ .fd = s->listen[i], .events = POLLIN };
		for (size_t i = 0; i < MAX_PENDING; i++) {
			if (s->pending[i].fd >= 0 && now > s->pending[i].deadline)
				pending_send_next(s, &s->pending[i]);
			if (s->pending[i].fd >= 0) {
				idx[n - s->n_listen] = i;
				pfd[n++] = (struct pollfd){ .fd = s->pending[i].fd, .events = POLLIN };
			}
		}
		if (poll(pfd, n, 1000) < 0 && errno != EINTR)
			return;
		if (time(NULL) - last_check >= 2) {
			last_check = time(NULL);
			idle = still_needed(s->net) ? 0 : idle + 1;
			if (idle >= 2)
				return;
		}
		for (size_t i = 0; i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLERR)))
				continue;
			if (i < s->n_listen)
				handle_query(s, pfd[i].fd);
			else
				relay(s, &s->pending[idx[i - s->n_listen]]);
		}
	}
}

int dns_bind(const struct cni_conflist *l, int *fds, size_t max, size_t *ret_n)
{
	struct ip_addr gws[MAX_LISTEN];
	size_t ng = net_gateways(l, gws, ARRAY_SIZE(gws));
	int r;

	if (ng > max)
		ng = max;
	for (size_t i = 0; i < ng; i++) {
		char buf[IP_ADDR_STRLEN];
		int fd = bind_udp(&gws[i]);

		if (fd < 0) {
			r = pt_err(fd, "dns %s: cannot listen on %s port 53: %s", l->name,
				   ip_addr_format(&gws[i], buf), strerror(-fd));
			for (size_t j = 0; j < i; j++)
				close(fds[j]);
			return r;
		}
		fds[i] = fd;
	}
	*ret_n = ng;
	return 0;
}

/* dns-serve [--ready-fd N | --fds N] NETWORK: --fds says the sockets are
 * already bound (fds 3..3+N-1, by dns_bind() in the pontoon that started
 * us), so nobody has to wait for this process to be ready. */
int cmd_dns_serve(int argc, char **argv)
{
	struct server s = { 0 };
	struct cni_conflist *l;
	struct ip_addr gws[MAX_LISTEN];
	size_t ng;
	int ready_fd = -1, n_fds = -1, r;

	if (argc == 4 && strcmp(argv[1], "--ready-fd") == 0) {
		ready_fd = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	} else if (argc == 4 && strcmp(argv[1], "--fds") == 0) {
		n_fds = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || n_fds > MAX_LISTEN)
		return cli_error(EXIT_USAGE, "usage: pontoon dns-serve [--ready-fd N | --fds N] NETWORK");
	r = net_find(argv[1], &l);
	if (r != 0)
		return r;
	s.net = argv[1];
	ng = net_gateways(l, gws, ARRAY_SIZE(gws));
	cni_conflist_free(l);
	for (size_t i = 0; i < MAX_PENDING; i++)
		s.pending[i].fd = -1;
	for (int i = 0; i < n_fds; i++)
		s.listen[s.n_listen++] = 3 + i;
	for (size_t i = 0; n_fds < 0 && i < ng; i++) {
		char buf[IP_ADDR_STRLEN];
		int fd = bind_udp(&gws[i]);

		if (fd < 0)
			return cli_error(EXIT_FAIL, "dns %s: cannot listen on %s port 53: %s", s.net,
					 ip_addr_format(&gws[i], buf), strerror(-fd));
		s.listen[s.n_listen++] = fd;
	}
	load_upstreams(&s, gws, ng);
	if (ready_fd >= 0) {
		dprintf(ready_fd, "%d\n", (int)getpid());
		close(ready_fd);
	}
	serve(&s);
	return EXIT_OK;
}
