/* arena.c — see arena.h. Blocks grow geometrically up to ARENA_MAX_BLOCK;
 * an allocation larger than a block gets a block of its own.
 *
 * Each thread keeps one freed block of ARENA_SPARE_BYTES for its next arena:
 * a server thread makes an arena per run, and with glibc every malloc of a
 * block this size first consolidates the small-chunk bins. */
#include "base/arena.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_MAX_BLOCK (1u << 20)

struct arena_block {
    arena_block *next;
    size_t size;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

#define ARENA_SPARE_BYTES 4096

/* The spare lives in a thread-specific key whose destructor frees it when
 * its thread ends. */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static bool spare_ok;

static void spare_init(void) { spare_ok = pthread_key_create(&spare_key, free) == 0; }

static arena_block *block_new(size_t size) {
    pthread_once(&spare_once, spare_init);
    arena_block *b = size == ARENA_SPARE_BYTES && spare_ok ? pthread_getspecific(spare_key) : NULL;
    if (b) {
        pthread_setspecific(spare_key, NULL);
        return b;
    }
    return malloc(sizeof(arena_block) + size);
}

static void block_free(arena_block *b) {
    if (b->size == ARENA_SPARE_BYTES && spare_ok && !pthread_getspecific(spare_key) && pthread_setspecific(spare_key, b) == 0) return;
    free(b);
}

void arena_init(arena *a, size_t first_block) {
    a->head = NULL;
    a->used = 0;
    a->block_size = first_block ? first_block : 4096;
    a->total = 0;
}

static int arena_grow(arena *a, size_t need) {
    size_t size = a->block_size;
    if (size < need) size = need;
    arena_block *b = block_new(size);
    if (!b) return -1;
    b->next = a->head;
    b->size = size;
    a->head = b;
    a->used = 0;
    a->total += size;
    if (a->block_size < ARENA_MAX_BLOCK) a->block_size *= 2;
    return 0;
}

void *arena_alloc(arena *a, size_t size) {
    if (size == 0) size = 1;
    if (size > SIZE_MAX - ARENA_ALIGN) return NULL;
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (!a->head || a->head->size - a->used < rounded) {
        if (arena_grow(a, rounded) != 0) return NULL;
    }
    void *p = a->head->data + a->used;
    a->used += rounded;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t len) {
    if (len == SIZE_MAX) return NULL;
    char *p = arena_alloc(a, len + 1);
    if (!p) return NULL;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s) {
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (!p) return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_free(arena *a) {
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        block_free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
    a->total = 0;
}
