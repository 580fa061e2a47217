/* CNI spec versions: which pontoon speaks, parsing and comparing them. */
#pragma once

#include <stdio.h>

#include <stdbool.h>

#define CNI_VERSION_LATEST "1.1.0"

/* Every version pontoon accepts, oldest first, NULL-terminated. */
extern const char *const cni_supported_versions[];

/* Parses "MAJOR.MINOR.PATCH" into a comparable integer (major*10000 +
 * minor*100 + patch); -EINVAL when malformed. */
int cni_version_parse(const char *v, int *ret);
/* <0, 0, >0; malformed versions sort first. */
int cni_version_cmp(const char *a, const char *b);
bool cni_version_supported(const char *v);

/* {"cniVersion": v, "supportedVersions": [...]} for the VERSION command. */
void cni_version_print(FILE *out, const char *v);
