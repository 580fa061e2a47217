/* Small file-system helpers shared by the plugins and the CLI. */
#pragma once

#include <sys/types.h>

/* Creates dir and its missing parents (0755), dir itself with mode; an
 * existing directory is fine. -errno with the path in the message. */
int mkdir_p(const char *dir, mode_t mode);
/* The same with every directory it creates 0700: for a tree only root
 * reads, whose names (containers, networks) are nobody else's business. */
int mkdir_p_private(const char *dir);
