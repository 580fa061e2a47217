/* The detail of the last error, per thread.
 *
 * The library never prints. A function that fails returns -errno and may
 * record here what was wrong and where ("ipam.ranges[0][0].subnet: not a
 * CIDR: \"10.0.0.0/33\""), plus the CNI error code that fits. The programs
 * at the top read it once and print it, in CNI error JSON or as one line.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Records a message for err (a negative errno) and returns err. */
int pt_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Same, with the CNI error code a runtime should see (see cni/error.h). */
int pt_err_code(int err, int cni_code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes the recorded message with context ("bridge: cannot attach veth1 to
 * cni0: " + the kernel's text). If nothing was recorded, strerror(-err) is used. */
int pt_err_wrap(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Gives the recorded error the CNI code cni_code (a layer below CNI, such
 * as util/fs.c, recorded it without one) and returns err. */
int pt_err_recode(int err, int cni_code);

/* The recorded message, or "" when none. */
const char *pt_err_msg(void);

/* The recorded CNI code, or 0 when none was given. */
int pt_err_cni_code(void);

void pt_err_clear(void);

/* Copies src into dst (size bytes) as valid UTF-8: each byte that starts
 * no valid character becomes the four characters \xNN. When src was cut
 * short (cut) a character the cut went through is dropped, not escaped;
 * when src was cut or dst is too small, the text ends at a character
 * boundary followed by '~'. Returns the length written. Every recorded
 * message goes through it, so pt_err_msg() is always valid UTF-8. */
size_t pt_utf8_sanitize(char *dst, size_t size, const char *src, bool cut);
