/* CNI spec versions: the list pontoon speaks and the comparisons the
 * protocol needs (CHECK from 0.4.0, STATUS and GC from 1.1.0). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cni/error.h"
#include "cni/version.h"
#include "util/error.h"

const char *const cni_supported_versions[] = {
	"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL,
};

/* One decimal part: digits only, no sign, below max. */
static int parse_part(const char **s, long max, long *ret)
{
	char *end;
	long n;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	n = strtol(*s, &end, 10);
	if (errno || n >= max)
		return -EINVAL;
	*s = end;
	*ret = n;
	return 0;
}

int cni_version_parse(const char *v, int *ret)
{
	long part[3] = { 0, 0, 0 };
	const char *s = v;

	if (!v)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (parse_part(&s, i == 0 ? 1000 : 100, &part[i]) < 0)
			goto bad;
		if (i == 2 && *s == '\0')
			break;
		if (i == 2 || *s != '.')
			goto bad;
		s++;
	}
	*ret = (int)(part[0] * 10000 + part[1] * 100 + part[2]);
	return 0;
bad:
	return pt_err_code(-EINVAL, CNI_ERR_DECODE, "invalid version \"%s\": must be MAJOR.MINOR.PATCH", v);
}

int cni_version_cmp(const char *a, const char *b)
{
	int va = -1, vb = -1;

	if (cni_version_parse(a, &va) < 0)
		va = -1;
	if (cni_version_parse(b, &vb) < 0)
		vb = -1;
	return (va > vb) - (va < vb);
}

bool cni_version_supported(const char *v)
{
	if (!v)
		return false;
	for (size_t i = 0; cni_supported_versions[i]; i++)
		if (strcmp(cni_supported_versions[i], v) == 0)
			return true;
	return false;
}

void cni_version_print(FILE *out, const char *v)
{
	/* Compact and newline-terminated, byte for byte what the reference
	 * plugins print. */
	fprintf(out, "{\"cniVersion\":\"%s\",\"supportedVersions\":[", v);
	for (size_t i = 0; cni_supported_versions[i]; i++)
		fprintf(out, "%s\"%s\"", i ? "," : "", cni_supported_versions[i]);
	fputs("]}\n", out);
}
