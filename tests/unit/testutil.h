/* testutil.h — small helpers shared by the cmocka unit tests. */
#ifndef WEIR_TESTUTIL_H
#define WEIR_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* Create a fresh private temporary directory; returns a malloc'd path. */
char *tu_mkdtemp(void);
/* Remove a directory tree (best effort). */
void tu_rmtree(const char *path);
/* Read a whole file; malloc'd, NUL-terminated; NULL on error. */
char *tu_read_file(const char *path, size_t *len);
/* Write a file; returns 0 on success. */
int tu_write_file(const char *path, const char *data, size_t len);

#endif
