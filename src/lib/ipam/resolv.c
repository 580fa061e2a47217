/* resolv.conf parsing; see resolv.h. Same rules as the reference: trimmed
 * lines, '#' and ';' comments, lines with fewer than two words skipped,
 * "domain" keeps the last value, the others accumulate. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni/error.h"
#include "ipam/resolv.h"
#include "util/cleanup.h"
#include "util/error.h"

static int push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int push_rest(char ***v, size_t *n, char **save)
{
	const char *w;
	int err;

	while ((w = strtok_r(NULL, " \t\r\n", save)))
		if ((err = push(v, n, w)) < 0)
			return err;
	return 0;
}

static int parse_line(char *line, struct cni_dns *d)
{
	char *save = NULL, *key, *val;

	key = strtok_r(line, " \t\r\n", &save);
	if (!key || key[0] == '#' || key[0] == ';')
		return 0;
	val = strtok_r(NULL, " \t\r\n", &save);
	if (!val)
		return 0;
	if (strcmp(key, "nameserver") == 0)
		return push(&d->nameservers, &d->n_nameservers, val);
	if (strcmp(key, "domain") == 0) {
		char *s = strdup(val);

		if (!s)
			return -ENOMEM;
		free(d->domain);
		d->domain = s;
		return 0;
	}
	if (strcmp(key, "search") == 0) {
		int err = push(&d->search, &d->n_search, val);

		return err < 0 ? err : push_rest(&d->search, &d->n_search, &save);
	}
	if (strcmp(key, "options") == 0) {
		int err = push(&d->options, &d->n_options, val);

		return err < 0 ? err : push_rest(&d->options, &d->n_options, &save);
	}
	return 0;
}

/* A resolv.conf is a few lines; anything past this is not one. */
#define RESOLV_CONF_MAX (64 * 1024)

/* path opened for reading if it is a regular file: a FIFO would block the
 * plugin until a writer came (the open is non-blocking for that), a device
 * such as /dev/zero would never end. */
static int open_regular(const char *path, FILE **ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return pt_err_code(-errno, CNI_ERR_IO, "resolvConf: cannot open %s: %s", path,
				   strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pt_err_code(-EINVAL, CNI_ERR_INVALID_CONFIG,
				   "resolvConf: %s is not a regular file", path);
	}
	*ret = fdopen(fd, "re");
	if (!*ret) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

int ipam_resolv_conf_parse(const char *path, struct cni_dns *ret)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	struct cni_dns d = { 0 };
	size_t cap = 0, total = 0;
	ssize_t n;
	int err = open_regular(path, &f);

	if (err < 0)
		return err;
	while ((n = getline(&line, &cap, f)) >= 0) {
		total += (size_t)n;
		if (total > RESOLV_CONF_MAX) {
			err = pt_err_code(-EFBIG, CNI_ERR_INVALID_CONFIG,
					  "resolvConf: %s is larger than 64 KiB", path);
			break;
		}
		if ((err = parse_line(line, &d)) < 0)
			break;
	}
	if (err == 0 && ferror(f))
		err = pt_err_code(-EIO, CNI_ERR_IO, "resolvConf: cannot read %s", path);
	if (err < 0) {
		ipam_dns_clear(&d);
		return err;
	}
	*ret = d;
	return 0;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void ipam_dns_clear(struct cni_dns *d)
{
	free_strv(d->nameservers, d->n_nameservers);
	free_strv(d->search, d->n_search);
	free_strv(d->options, d->n_options);
	free(d->domain);
	*d = (struct cni_dns){ 0 };
}
