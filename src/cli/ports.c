/* `-p [HOSTIP:]HOSTPORT[-END]:CONTAINERPORT[-END][/tcp|udp|sctp]`: parsed
 * into CNI portMappings (one entry per port, as runtimes send them to the
 * portmap plugin), and checked against what other containers publish
 * before anything changes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int parse_range(const char *s, const char *what, long *lo, long *hi)
{
	char *end;

	*lo = strtol(s, &end, 10);
	if (end == s || *lo < 1 || *lo > 65535)
		return cli_error(EXIT_USAGE, "-p: %s port \"%s\": must be 1..65535", what, s);
	*hi = *lo;
	if (*end == '-') {
		const char *h = end + 1;

		*hi = strtol(h, &end, 10);
		if (end == h || *hi < *lo || *hi > 65535)
			return cli_error(EXIT_USAGE, "-p: %s port range \"%s\": must be LOW-HIGH within 1..65535",
					 what, s);
	}
	if (*end)
		return cli_error(EXIT_USAGE, "-p: %s port \"%s\": not a number or range", what, s);
	return 0;
}

/* Splits "[v6]:rest" or "v4:hp:cp" / "hp:cp" into host ip, host and
 * container parts (modifies s). */
static int split(char *s, const char *spec, char **ip, char **hp, char **cp)
{
	char *c;

	*ip = NULL;
	if (s[0] == '[') {
		char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return cli_error(EXIT_USAGE, "-p \"%s\": \"[\" without \"]:\"", spec);
		*close = '\0';
		*ip = s + 1;
		s = close + 2;
	}
	c = strrchr(s, ':');
	if (!c)
		return cli_error(EXIT_USAGE, "-p \"%s\": expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/PROTO]", spec);
	*c = '\0';
	*cp = c + 1;
	c = strrchr(s, ':');
	if (c && *ip)
		return cli_error(EXIT_USAGE, "-p \"%s\": too many \":\"", spec);
	if (c) {
		*c = '\0';
		*ip = s;
		*hp = c + 1;
	} else {
		*hp = s;
	}
	return 0;
}

int ports_parse(const char *spec, json_t *arr)
{
	_cleanup_free_ char *s = strdup(spec);
	char *ip = NULL, *hp = NULL, *cp = NULL, *proto = "tcp", *slash;
	long hlo, hhi, clo, chi;
	struct ip_addr a;
	int r;

	if (!s)
		return -ENOMEM;
	slash = strrchr(s, '/');
	if (slash) {
		*slash = '\0';
		proto = slash + 1;
		if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
			return cli_error(EXIT_USAGE, "-p \"%s\": protocol must be tcp, udp or sctp", spec);
	}
	r = split(s, spec, &ip, &hp, &cp);
	if (r == 0 && ip && *ip && ip_addr_parse(ip, &a) < 0)
		r = cli_error(EXIT_USAGE, "-p \"%s\": host IP \"%s\" is not an address", spec, ip);
	if (r == 0)
		r = parse_range(hp, "host", &hlo, &hhi);
	if (r == 0)
		r = parse_range(cp, "container", &clo, &chi);
	if (r == 0 && hhi - hlo != chi - clo)
		r = cli_error(EXIT_USAGE, "-p \"%s\": host and container ranges differ in length", spec);
	for (long i = 0; r == 0 && i <= hhi - hlo; i++) {
		json_t *m = json_pack("{s:I, s:I, s:s}", "hostPort", (json_int_t)(hlo + i), "containerPort",
				      (json_int_t)(clo + i), "protocol", proto);

		if (m && ip && *ip)
			json_object_set_new(m, "hostIP", json_string(ip));
		json_array_append_new(arr, m);
	}
	return r;
}

static bool same_host_ip(json_t *a, json_t *b)
{
	const char *x = json_string_value(json_object_get(a, "hostIP"));
	const char *y = json_string_value(json_object_get(b, "hostIP"));
	struct ip_addr ax, ay;

	/* No address (or 0.0.0.0/::) means every address: it takes them all. */
	if (!x || !y || ip_addr_parse(x, &ax) < 0 || ip_addr_parse(y, &ay) < 0 ||
	    ip_addr_is_unset(&ax) || ip_addr_is_unset(&ay))
		return true;
	return ip_addr_equal(&ax, &ay);
}

static bool same_port(json_t *a, json_t *b)
{
	return json_integer_value(json_object_get(a, "hostPort")) ==
		       json_integer_value(json_object_get(b, "hostPort")) &&
	       strcmp(json_string_value(json_object_get(a, "protocol")),
		      json_string_value(json_object_get(b, "protocol"))) == 0 &&
	       same_host_ip(a, b);
}

/* Host ports seen, one bit per port and protocol: only a mapping whose port
 * was seen before needs the full comparison, so `-p 1-65535:1-65535` costs
 * 65535 steps, not 65535² (minutes; found by fuzz-cli_ports). */
#define PORT_BITS (3 * 65536)

static size_t port_bit(json_t *m)
{
	static const char *const protos[] = { "tcp", "udp", "sctp" };
	json_int_t port = json_integer_value(json_object_get(m, "hostPort"));
	const char *proto = json_string_value(json_object_get(m, "protocol"));

	for (size_t i = 0; proto && i < 3; i++)
		if (strcmp(proto, protos[i]) == 0 && port >= 0 && port <= 65535)
			return i * 65536 + (size_t)port;
	return PORT_BITS;	/* unknown: always compared */
}

static bool seen(const uint8_t *bits, size_t b)
{
	return b >= PORT_BITS || (bits[b / 8] & (1u << (b % 8)));
}

static void mark(uint8_t *bits, size_t b)
{
	if (b < PORT_BITS)
		bits[b / 8] |= (uint8_t)(1u << (b % 8));
}

int ports_check_conflicts(json_t *arr, json_t *containers)
{
	_cleanup_free_ uint8_t *mine = calloc(PORT_BITS / 8, 1), *theirs = calloc(PORT_BITS / 8, 1);
	json_t *m, *c, *o;
	size_t i, j, k;

	if (!mine || !theirs)
		return cli_error(EXIT_FAIL, "out of memory");
	json_array_foreach(containers, j, c)
		json_array_foreach(json_object_get(c, "ports"), k, o)
			mark(theirs, port_bit(o));
	json_array_foreach(arr, i, m) {
		long long port = json_integer_value(json_object_get(m, "hostPort"));
		const char *proto = json_string_value(json_object_get(m, "protocol"));
		size_t b = port_bit(m);
		bool again = seen(mine, b);

		for (j = 0; again && j < i; j++)
			if (same_port(m, json_array_get(arr, j)))
				return cli_error(EXIT_CONFLICT, "port %lld/%s is published twice", port, proto);
		mark(mine, b);
		if (!seen(theirs, b))
			continue;
		json_array_foreach(containers, j, c)
			json_array_foreach(json_object_get(c, "ports"), k, o)
				if (same_port(m, o))
					return cli_error(EXIT_CONFLICT,
							 "port %lld/%s is already published by container %s",
							 port, proto,
							 json_string_value(json_object_get(c, "name")));
	}
	return 0;
}
