/* strbuf.h — a growable, always NUL-terminated byte buffer on the heap. */
#ifndef WEIR_STRBUF_H
#define WEIR_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strbuf {
    char *data;    /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
    bool oom;      /* set when an allocation failed; later appends are no-ops */
} strbuf;

#define STRBUF_INIT {NULL, 0, 0, false}

void sb_append(strbuf *sb, const char *s, size_t len);
void sb_puts(strbuf *sb, const char *s);
void sb_putc(strbuf *sb, char c);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append `s` as a JSON string literal, quotes included. */
void sb_json_string(strbuf *sb, const char *s, size_t len);
/* Give the caller the buffer (free() it); the strbuf is reset. Never NULL
 * unless out of memory. */
char *sb_take(strbuf *sb);
void sb_free(strbuf *sb);
const char *sb_str(const strbuf *sb);   /* "" when empty */

#endif
