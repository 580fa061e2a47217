/* natbench: the new-connection rate through a published port. bench/nat.sh
 * runs the server in a container namespace and the client in the "outside"
 * namespace; every connection is a full TCP handshake to the host's address,
 * DNATed by the port mapping, and a close, so each one is a new conntrack
 * entry and one pass through the NAT chains: what more mappings could slow.
 *
 *   natbench serve PORT                accept and close, forever (killed by nat.sh)
 *   natbench connect ADDR PORT SECONDS MAX
 *                                      connect/read-EOF/close loop; prints
 *                                      "CONNS SECONDS RATE" (connections per second)
 *
 * The server closes first and the client then closes with SO_LINGER 0 (a
 * RST), so neither side keeps TIME_WAIT sockets and the port space does not
 * run out; conntrack sees the RST and lets the entry go quickly. Bounded in
 * count and in time. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int serve(int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	int one = 1, fd = socket(AF_INET6, SOCK_STREAM, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1024) < 0) {
		perror("natbench serve");
		return 1;
	}
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0)
			close(c);
		else if (errno != EINTR && errno != ECONNABORTED)
			return perror("accept"), 1;
	}
}

/* One connection: connect, wait for the server's close, reset. */
static int one_conn(const struct sockaddr *a, socklen_t alen)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int fd = socket(a->sa_family, SOCK_STREAM, 0);
	char b;

	if (fd < 0)
		return -errno;
	if (connect(fd, a, alen) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	(void)!read(fd, &b, 1);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	return 0;
}

static int client(const char *addr, int port, double seconds, long max)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t alen;
	long n = 0, errors = 0;
	double t0, t;

	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		alen = sizeof(*a4);
	} else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		alen = sizeof(*a6);
	} else {
		fprintf(stderr, "natbench: bad address %s\n", addr);
		return 2;
	}
	t0 = now_s();
	do {
		if (one_conn((struct sockaddr *)&ss, alen) < 0 && ++errors > 10) {
			perror("natbench connect");
			return 1;
		}
		n++;
		t = now_s() - t0;
	} while (t < seconds && n < max);
	printf("%ld %.3f %.0f\n", n, t, (double)n / t);
	return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(atoi(argv[2]));
	if (argc == 6 && strcmp(argv[1], "connect") == 0)
		return client(argv[2], atoi(argv[3]), atof(argv[4]), atol(argv[5]));
	fprintf(stderr, "usage: natbench serve PORT | natbench connect ADDR PORT SECONDS MAX\n");
	return 2;
}
