/* jsontext.c — see jsontext.h. */
#include "base/jsontext.h"

#include <inttypes.h>
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

/* As jansson writes a real: the shortest of %.17g, always with a '.' or an
 * exponent so it reads back as a real. */
static void put_real(strbuf *sb, double d) {
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.17g", d);
    if (n < 0 || (size_t)n >= sizeof buf) return;
    for (char *c = buf; *c; c++)
        if (*c == ',') *c = '.';  /* a locale's decimal comma */
    sb_append(sb, buf, (size_t)n);
    if (!strpbrk(buf, ".eE")) sb_append(sb, ".0", 2);
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
