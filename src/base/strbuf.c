/* strbuf.c — see strbuf.h. */
#include "base/strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool sb_reserve(strbuf *sb, size_t extra) {
    if (sb->oom) return false;
    if (extra > SIZE_MAX - sb->len - 1) { sb->oom = true; return false; }
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap) return true;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(sb->data, cap);
    if (!p) { sb->oom = true; return false; }
    sb->data = p;
    sb->cap = cap;
    return true;
}

bool sb_grow(strbuf *sb, size_t extra) { return sb_reserve(sb, extra); }

void sb_append_slow(strbuf *sb, const char *s, size_t len) {
    if (!sb_reserve(sb, len)) return;
    if (len) memcpy(sb->data + sb->len, s, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
}

void sb_printf(strbuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sb_reserve(sb, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void sb_json_string(strbuf *sb, const char *s, size_t len) {
    static const char hex[] = "0123456789ABCDEF";  /* as jansson writes them */
    sb_putc(sb, '"');
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        sb_append(sb, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': sb_append(sb, "\\\"", 2); break;
        case '\\': sb_append(sb, "\\\\", 2); break;
        case '\n': sb_append(sb, "\\n", 2); break;
        case '\r': sb_append(sb, "\\r", 2); break;
        case '\t': sb_append(sb, "\\t", 2); break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sb_append(sb, esc, 6);
        }
        }
    }
    sb_append(sb, s + start, len - start);
    sb_putc(sb, '"');
}

char *sb_take(strbuf *sb) {
    if (sb->oom) { sb_free(sb); return NULL; }
    char *p = sb->data;
    if (!p) p = calloc(1, 1);
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return p;
}

void sb_free(strbuf *sb) {
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
    sb->oom = false;
}

const char *sb_str(const strbuf *sb) { return sb->data ? sb->data : ""; }
