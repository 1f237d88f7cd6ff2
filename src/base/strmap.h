/* strmap.h — string → index map (open addressing), memory from an arena.
 * Used to find nodes and variables by id while loading a board. */
#ifndef WEIR_STRMAP_H
#define WEIR_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

typedef struct strmap {
    const char **keys;   /* borrowed; must outlive the map */
    uint32_t *vals;
    size_t cap;          /* power of two */
    size_t n;
} strmap;

/* Size the map for up to `expected` keys; returns -1 on OOM. */
int strmap_init(strmap *m, arena *a, size_t expected);
/* Insert key → val; returns 1 if the key was already present (val unchanged). */
int strmap_put(strmap *m, const char *key, uint32_t val);
/* Find key; returns 1 and sets *val when present, else 0. */
int strmap_get(const strmap *m, const char *key, uint32_t *val);
int strmap_getn(const strmap *m, const char *key, size_t len, uint32_t *val);

#endif
