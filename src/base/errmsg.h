/* errmsg.h — filling a caller's error buffer (char *err, size_t errlen), the
 * way most functions here report what went wrong. */
#ifndef WEIR_ERRMSG_H
#define WEIR_ERRMSG_H

#include <stddef.h>

/* printf into err; nothing when err is NULL or errlen is 0. */
void errmsg_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* errmsg_set, then -1: `return errmsg_fail(err, errlen, "…", …);`. */
int errmsg_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
