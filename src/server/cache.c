/* cache.c — see cache.h. */
#include "server/cache.h"
#include "base/strbuf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ids.h"

typedef struct slot {
    uint64_t gen;   /* 0: empty */
    int64_t at_us;  /* when it was read from the store */
    char key[CACHE_KEY_MAX];
    size_t size;
    unsigned char val[CACHE_VALUE_MAX];
} slot;

struct srv_cache {
    bool enabled;
    int64_t ttl_us;
    _Atomic uint64_t gen;   /* starts at 1: 0 marks an empty slot */
    pthread_mutex_t mu[CACHE_KINDS];
    slot *slots[CACHE_KINDS];
};

srv_cache *cache_new(bool enabled, int64_t ttl_us) {
    srv_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->enabled = enabled && ttl_us > 0;
    c->ttl_us = ttl_us;
    enabled = c->enabled;
    atomic_store(&c->gen, 1);
    for (int k = 0; k < CACHE_KINDS; k++) {
        pthread_mutex_init(&c->mu[k], NULL);
        if (enabled && !(c->slots[k] = calloc(CACHE_SLOTS, sizeof(slot)))) {
            cache_free(c);
            return NULL;
        }
    }
    return c;
}

void cache_free(srv_cache *c) {
    if (!c) return;
    for (int k = 0; k < CACHE_KINDS; k++) {
        free(c->slots[k]);
        pthread_mutex_destroy(&c->mu[k]);
    }
    free(c);
}

uint64_t cache_gen(srv_cache *c) { return atomic_load(&c->gen); }

void cache_invalidate(srv_cache *c) { atomic_fetch_add(&c->gen, 1); }

static uint64_t key_hash(const char *s) {  /* FNV-1a */
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static bool usable(const srv_cache *c, const char *key, size_t size) {
    return c->enabled && key && strlen(key) < CACHE_KEY_MAX && size <= CACHE_VALUE_MAX;
}

bool cache_get(srv_cache *c, cache_kind k, const char *key, void *out, size_t size) {
    if (!usable(c, key, size)) return false;
    slot *s = &c->slots[k][key_hash(key) % CACHE_SLOTS];
    bool hit = false;
    pthread_mutex_lock(&c->mu[k]);
    if (s->gen == atomic_load(&c->gen) && now_us() - s->at_us < c->ttl_us && s->size == size && strcmp(s->key, key) == 0) {
        memcpy(out, s->val, size);
        hit = true;
    }
    pthread_mutex_unlock(&c->mu[k]);
    return hit;
}

void cache_put(srv_cache *c, cache_kind k, const char *key, const void *val, size_t size, uint64_t gen) {
    if (!usable(c, key, size) || gen != atomic_load(&c->gen)) return;  /* read before a change: useless */
    slot *s = &c->slots[k][key_hash(key) % CACHE_SLOTS];
    pthread_mutex_lock(&c->mu[k]);
    s->gen = gen;
    s->at_us = now_us();
    str_copy(s->key, sizeof s->key, key);
    s->size = size;
    memcpy(s->val, val, size);
    pthread_mutex_unlock(&c->mu[k]);
}
