/* cache.h — memory of what the hot path would otherwise read from the store
 * on every request: a bearer credential, a user's role in an app, an event.
 *
 * Correctness rests on one rule: every change to what is cached goes through
 * this process and is followed, before its answer, by cache_invalidate, which
 * drops every entry at once (a generation counter). That holds only when this
 * process is the store's one server — SQLite, guarded by weir.lock — so the
 * cache is disabled on PostgreSQL, where other servers share the store. Other
 * programs may still write the file: the operator CLI only adds users and
 * tokens (and what is absent is looked up again), and for anything else (an
 * operator editing the store by hand) an entry is trusted for at most
 * cache_ttl_ms.
 *
 * Use: g = cache_gen(c) BEFORE reading the store, then cache_put(…, g): an
 * entry read before a change but stored after its cache_invalidate carries
 * the old generation and is never returned. Time limits (expiry) are checked
 * by the caller on every hit. Entries are fixed-size values in direct-mapped
 * slots: a collision evicts, a miss reads the store. Thread-safe. */
#ifndef WEIR_SRV_CACHE_H
#define WEIR_SRV_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CACHE_SLOTS 2048        /* per kind */
#define CACHE_KEY_MAX 128       /* bytes, NUL included; longer keys are not cached */
#define CACHE_VALUE_MAX 512     /* bytes of one value */

typedef enum cache_kind { CACHE_CREDENTIAL, CACHE_MEMBER, CACHE_EVENT, CACHE_KINDS } cache_kind;

typedef struct srv_cache srv_cache;

/* ttl_us 0, or enabled false: every lookup misses. */
srv_cache *cache_new(bool enabled, int64_t ttl_us);
void cache_free(srv_cache *c);
uint64_t cache_gen(srv_cache *c);
void cache_invalidate(srv_cache *c);
/* Copies the value into out (size bytes) and returns true on a hit. */
bool cache_get(srv_cache *c, cache_kind k, const char *key, void *out, size_t size);
void cache_put(srv_cache *c, cache_kind k, const char *key, const void *val, size_t size, uint64_t gen);

#endif
