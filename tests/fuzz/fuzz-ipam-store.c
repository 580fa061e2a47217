/* Fuzz target: host-local's state files, as a crash, an older pontoon, the
 * reference plugin or a person may have left them.
 *
 * The input is cut at each "%%\n" into the contents of, in order:
 *   10.1.0.2, 10.1.0.3, fd00::2      reservations ("<id>\r\n<ifname>" or "<id>")
 *   last_reserved_ip.0, .1           the round-robin position of each set
 *   ctr:eth0                         an attachment file with nothing linked
 * Each piece first goes through the content parsers alone, then the files
 * are written into a throwaway dataDir ($PONTOON_FUZZ_TMP, else /dev/shm) and
 * host-local's operations run on them. What must hold:
 *  - ADD never hands out an address that already has a file, nor a
 *    gateway, nor one outside its range set;
 *  - DEL of ctr/eth0 releases what ADD gave it; after three DELs
 *    nothing is owned by ctr/eth0 (files of every format included);
 *  - after GC with ctr2/eth0 as the only valid attachment, every
 *    reservation left belongs to ctr2/eth0, and no temporary file is left. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "ipam/alloc.h"
#include "ipam/hostlocal_conf.h"
#include "ipam/store.h"
#include "util/cleanup.h"
#include "util/json.h"

#define NET "fuzznet"

static const char *const files[] = {
	"10.1.0.2", "10.1.0.3", "fd00::2", "last_reserved_ip.0", "last_reserved_ip.1", "ctr:eth0",
};
#define N_RESERVATIONS 3		/* files[0..2] are address reservations */

static bool written[ARRAY_SIZE(files)];

static char root[256];
static char net_dir[300];
static struct ipam_hostlocal_conf *conf;

static void cleanup_root(void)
{
	fuzz_wipe(net_dir);
	rmdir(net_dir);
	rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *text = NULL;
	(void)argc;
	(void)argv;
	fuzz_make_root(root, sizeof(root));
	snprintf(net_dir, sizeof(net_dir), "%s/%s", root, NET);
	atexit(cleanup_root);
	/* A /29 and a /125: small enough that a full walk is cheap. */
	if (asprintf(&text,
		     "{\"cniVersion\":\"1.1.0\",\"name\":\"" NET "\",\"type\":\"host-local\","
		     "\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"%s\",\"ranges\":["
		     "[{\"subnet\":\"10.1.0.0/29\"}],[{\"subnet\":\"fd00::/125\"}]]}}",
		     root) < 0 ||
	    json_parse_buffer(text, strlen(text), &j) < 0 ||
	    ipam_hostlocal_conf_parse(j, NULL, NULL, 0, &conf) < 0)
		abort();
	return 0;
}

static void parse_alone(const char *p, size_t n)
{
	_cleanup_free_ char *a = malloc(n + 1), *b = malloc(n + 1);
	char *id, *ifname;
	struct ip_addr ip;

	if (!a || !b)
		abort();
	memcpy(a, p, n);
	memcpy(b, p, n);
	ipam_store_parse_owner(a, n, &id, &ifname);
	FUZZ_ASSERT(id >= a && id <= a + n, "id outside the buffer");
	FUZZ_ASSERT(!ifname || (ifname > id && ifname <= a + n), "ifname outside the buffer");
	if (ipam_store_parse_last_reserved(b, n, &ip) == 0)
		FUZZ_ASSERT(ip.family == AF_INET || ip.family == AF_INET6, "family %d", ip.family);
}


static bool name_exists(const struct ip_addr *a)
{
	char text[IP_ADDR_STRLEN];

	ip_addr_format(a, text);
	for (size_t i = 0; i < N_RESERVATIONS; i++)
		if (written[i] && strcmp(text, files[i]) == 0)
			return true;
	return false;
}

static void check_leases(const struct ipam_lease *l, size_t n)
{
	FUZZ_ASSERT(n == conf->n_sets, "%zu leases for %zu sets", n, conf->n_sets);
	for (size_t i = 0; i < n; i++) {
		const struct ipam_range *r = ipam_range_set_find(&conf->sets[i], &l[i].address.addr);
		char text[IP_ADDR_STRLEN];

		ip_addr_format(&l[i].address.addr, text);
		FUZZ_ASSERT(r, "lease %s outside range set %zu", text, i);
		FUZZ_ASSERT(!ip_addr_equal(&l[i].address.addr, &r->gateway), "gateway %s handed out", text);
		FUZZ_ASSERT(!name_exists(&l[i].address.addr), "%s handed out twice", text);
	}
}

/* Whether the reservation file name says it belongs to ctr2/eth0. */
static bool owned_by_valid(const char *name)
{
	char path[512], buf[1024], *id, *ifname;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", net_dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, 511)) < 0)
		return false;
	ipam_store_parse_owner(buf, (size_t)n, &id, &ifname);
	return strcmp(id, "ctr2") == 0 && (!ifname || strcmp(ifname, "eth0") == 0);
}

/* After GC: only what ctr2/eth0 holds (ADD's leases, files naming it), no
 * temporary file. */
static void check_after_gc(const struct ipam_lease *l, size_t n)
{
	DIR *d = opendir(net_dir);
	struct dirent *de;

	FUZZ_ASSERT(d, "network directory gone");
	while ((de = readdir(d))) {
		struct ip_addr a;
		bool mine = false;

		FUZZ_ASSERT(!strstr(de->d_name, ".tmp"), "temporary file %s left", de->d_name);
		if (ip_addr_parse(de->d_name, &a) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			mine |= ip_addr_equal(&a, &l[i].address.addr);
		FUZZ_ASSERT(mine || owned_by_valid(de->d_name), "reservation %s survived GC",
			    de->d_name);
	}
	closedir(d);
}

static bool file_exists(const struct ip_addr *a)
{
	char text[IP_ADDR_STRLEN], path[512];

	snprintf(path, sizeof(path), "%s/%s", net_dir, ip_addr_format(a, text));
	return access(path, F_OK) == 0;
}

static size_t owned_by_ctr(void)
{
	_cleanup_free_ struct ip_addr *owned = NULL;
	struct ipam_store s = { -1, -1 };
	size_t n = 0;

	FUZZ_ASSERT(ipam_store_open(conf->data_dir, conf->name, &s) == 0, "store: %s", pt_err_msg());
	FUZZ_ASSERT(ipam_store_owned(&s, "ctr", "eth0", &owned, &n) == 0, "owned: %s", pt_err_msg());
	ipam_store_close(&s);
	return n;
}

static void operate(void)
{
	_cleanup_free_ struct ipam_lease *l = NULL, *l2 = NULL;
	struct ipam_owner valid = { "ctr2", "eth0" };
	size_t n = 0, n2 = 0;

	(void)ipam_alloc_check(conf, "ctr", "eth0");
	(void)ipam_alloc_status(conf);
	if (ipam_alloc_add(conf, "ctr2", "eth0", &l, &n) == 0)
		check_leases(l, n);
	if (ipam_alloc_add(conf, "ctr", "eth0", &l2, &n2) < 0)
		n2 = 0;
	/* DEL releases what ADD gave, and with it the reference-format files
	 * (content only, not linked) of the same pair. A file of the oldest
	 * format (the id alone) goes in a later DEL, only when the pair holds
	 * nothing else, as in the reference. Three DELs are more than enough:
	 * then nothing is left. */
	FUZZ_ASSERT(ipam_alloc_del(conf, "ctr", "eth0") == 0, "DEL: %s", pt_err_msg());
	for (size_t i = 0; i < n2; i++)
		FUZZ_ASSERT(!file_exists(&l2[i].address.addr), "DEL left a reservation of ctr/eth0");
	for (int i = 0; i < 2; i++)
		FUZZ_ASSERT(ipam_alloc_del(conf, "ctr", "eth0") == 0, "DEL: %s", pt_err_msg());
	FUZZ_ASSERT(owned_by_ctr() == 0, "ctr/eth0 still owns %zu addresses after DEL",
		    owned_by_ctr());
	FUZZ_ASSERT(ipam_alloc_gc(conf, &valid, 1) >= 0, "gc: %s", pt_err_msg());
	check_after_gc(l, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	if (mkdir(net_dir, 0700) < 0 && errno != EEXIST)
		abort();
	memset(written, 0, sizeof(written));
	for (size_t i = 0; i < ARRAY_SIZE(files) && p <= end; i++) {
		const char *sep = memmem(p, end - p, "%%\n", 3);
		size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);

		parse_alone(p, n);
		fuzz_write_file(net_dir, files[i], p, n);
		written[i] = true;
		p += n + 3;
	}
	pt_err_clear();
	operate();
	fuzz_wipe(net_dir);
	return 0;
}
