/* strbuf.h — a growable, always NUL-terminated byte buffer on the heap. */
#ifndef WEIR_STRBUF_H
#define WEIR_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Copy src into the fixed buffer dst of n > 0 bytes, cut to fit and always
 * terminated; NULL copies as "". Returns strlen(src), so a result >= n means
 * it was cut (as snprintf(dst, n, "%s", src), without its format parsing). */
static inline size_t str_copy(char *dst, size_t n, const char *src) {
    size_t len = src ? strlen(src) : 0;
    size_t k = len < n ? len : n - 1;
    if (k) memcpy(dst, src, k);
    dst[k] = '\0';
    return len;
}

typedef struct strbuf {
    char *data;    /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
    bool oom;      /* set when an allocation failed; later appends are no-ops */
} strbuf;

#define STRBUF_INIT {NULL, 0, 0, false}

/* Make room for `extra` more bytes at once (a writer that knows roughly how
 * much it will write); false when out of memory. */
bool sb_grow(strbuf *sb, size_t extra);
/* Appends that fit the buffer are done inline (the JSON writers append a
 * few bytes at a time); the rest go through sb_append_slow. */
void sb_append_slow(strbuf *sb, const char *s, size_t len);
static inline void sb_append(strbuf *sb, const char *s, size_t len) {
    if (sb->cap - sb->len > len && !sb->oom) {  /* room for len bytes and the NUL */
        if (len) memcpy(sb->data + sb->len, s, len);
        sb->len += len;
        sb->data[sb->len] = '\0';
        return;
    }
    sb_append_slow(sb, s, len);
}
static inline void sb_puts(strbuf *sb, const char *s) { sb_append(sb, s, strlen(s)); }
static inline void sb_putc(strbuf *sb, char c) { sb_append(sb, &c, 1); }
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append `s` as a JSON string literal, quotes included. */
void sb_json_string(strbuf *sb, const char *s, size_t len);
/* Give the caller the buffer (free() it); the strbuf is reset. Never NULL
 * unless out of memory. */
char *sb_take(strbuf *sb);
void sb_free(strbuf *sb);
const char *sb_str(const strbuf *sb);   /* "" when empty */

#endif
