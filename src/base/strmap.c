/* strmap.c — FNV-1a hashed open addressing, never resized (sized up front). */
#include "base/strmap.h"

#include <string.h>

static uint64_t hash(const char *s, size_t len) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

int strmap_init(strmap *m, arena *a, size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2 + 1) cap <<= 1;
    m->keys = arena_alloc(a, cap * sizeof *m->keys);
    m->vals = arena_alloc(a, cap * sizeof *m->vals);
    m->cap = cap;
    m->n = 0;
    return m->keys && m->vals ? 0 : -1;
}

int strmap_put(strmap *m, const char *key, uint32_t val) {
    size_t len = strlen(key);
    size_t i = hash(key, len) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0) return 1;
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
    return 0;
}

int strmap_getn(const strmap *m, const char *key, size_t len, uint32_t *val) {
    if (!m->cap) return 0;
    size_t i = hash(key, len) & (m->cap - 1);
    while (m->keys[i]) {
        if (strncmp(m->keys[i], key, len) == 0 && m->keys[i][len] == '\0') {
            *val = m->vals[i];
            return 1;
        }
        i = (i + 1) & (m->cap - 1);
    }
    return 0;
}

int strmap_get(const strmap *m, const char *key, uint32_t *val) {
    return strmap_getn(m, key, strlen(key), val);
}
