/* jsontext.c — see jsontext.h. */
#include "base/jsontext.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Decimal digits of an integer, without snprintf. */
static void put_int(strbuf *sb, json_int_t v) {
    char buf[24], *p = buf + sizeof buf;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0) *--p = '-';
    sb_append(sb, p, (size_t)(buf + sizeof buf - p));
}

/* As jansson writes a real: %.17g, with a '.' or an exponent so it reads
 * back as a real, and the exponent without '+' or leading zeros. */
static void put_real(strbuf *sb, double d) {
    char buf[48];
    int n = snprintf(buf, sizeof buf, "%.17g", d);
    if (n < 0 || (size_t)n >= sizeof buf - 2) return;
    for (char *c = buf; *c; c++)
        if (*c == ',') *c = '.';  /* a locale's decimal comma */
    char *e = strchr(buf, 'e');
    if (!e && !strchr(buf, '.')) {
        memcpy(buf + n, ".0", 3);
    } else if (e) {
        char *w = e + 1, *r = e + 1;
        if (*r == '+') r++;
        else if (*r == '-') *w++ = *r++;
        while (*r == '0' && r[1]) r++;
        memmove(w, r, strlen(r) + 1);
    }
    sb_puts(sb, buf);
}

void sb_json(strbuf *sb, const json_t *j) {
    if (!j) return;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        sb_putc(sb, '{');
        const char *key;
        size_t klen;
        json_t *v;
        bool first = true;
        void *it = json_object_iter((json_t *)j);
        for (; it; it = json_object_iter_next((json_t *)j, it)) {
            key = json_object_iter_key(it);
            klen = json_object_iter_key_len(it);
            v = json_object_iter_value(it);
            if (!first) sb_putc(sb, ',');
            first = false;
            sb_json_string(sb, key, klen);
            sb_putc(sb, ':');
            sb_json(sb, v);
        }
        sb_putc(sb, '}');
        return;
    }
    case JSON_ARRAY: {
        sb_putc(sb, '[');
        for (size_t i = 0, n = json_array_size(j); i < n; i++) {
            if (i) sb_putc(sb, ',');
            sb_json(sb, json_array_get(j, i));
        }
        sb_putc(sb, ']');
        return;
    }
    case JSON_STRING: sb_json_string(sb, json_string_value(j), json_string_length(j)); return;
    case JSON_INTEGER: put_int(sb, json_integer_value(j)); return;
    case JSON_REAL: put_real(sb, json_real_value(j)); return;
    case JSON_TRUE: sb_append(sb, "true", 4); return;
    case JSON_FALSE: sb_append(sb, "false", 5); return;
    case JSON_NULL: sb_append(sb, "null", 4); return;
    }
}

char *json_text(const json_t *j) {
    if (!j) return NULL;
    strbuf sb = STRBUF_INIT;
    sb_json(&sb, j);
    return sb_take(&sb);
}

static size_t string_size(const char *s, size_t len) {
    size_t n = len + 2;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t') n += 1;
        else if (c < 0x20) n += 5;
    }
    return n;
}

static size_t int_size(json_int_t v) {
    size_t n = v < 0 ? 2 : 1;
    for (uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v; u >= 10; u /= 10) n++;
    return n;
}

static size_t size_at(const json_t *j, size_t limit, size_t acc) {
    if (acc > limit) return acc;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(j);
        acc += 2 + (n ? n - 1 : 0);
        for (void *it = json_object_iter((json_t *)j); it && acc <= limit; it = json_object_iter_next((json_t *)j, it))
            acc = size_at(json_object_iter_value(it), limit,
                          acc + string_size(json_object_iter_key(it), json_object_iter_key_len(it)) + 1);
        return acc;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        acc += 2 + (n ? n - 1 : 0);
        for (size_t i = 0; i < n && acc <= limit; i++) acc = size_at(json_array_get(j, i), limit, acc);
        return acc;
    }
    case JSON_STRING: return acc + string_size(json_string_value(j), json_string_length(j));
    case JSON_INTEGER: return acc + int_size(json_integer_value(j));
    case JSON_REAL: {
        strbuf sb = STRBUF_INIT;
        put_real(&sb, json_real_value(j));
        acc += sb.len;
        sb_free(&sb);
        return acc;
    }
    case JSON_TRUE: return acc + 4;
    case JSON_FALSE: return acc + 5;
    case JSON_NULL: return acc + 4;
    }
    return acc;
}

size_t json_text_size(const json_t *j, size_t limit) { return j ? size_at(j, limit, 0) : 0; }
