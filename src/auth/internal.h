/* internal.h — pieces shared by the files of src/auth, not part of its API.
 *
 * keytable: a bounded, thread-safe map from a string key (an IP address, an
 * e-mail, a token hash) to one small fixed-size entry. It exists because the
 * rate limiter and the login backoff both need exactly this, on every request,
 * with memory that an attacker sending endless distinct keys cannot grow:
 *
 *  - a key is never stored, only its 128-bit SipHash under a random per-table
 *    key (so an attacker can neither build colliding keys nor slow the table
 *    with clustered ones); a 127-bit collision merely shares one entry;
 *  - open addressing with linear probing, no allocation after creation;
 *  - 1..16 stripes, each a table of its own behind its own mutex;
 *  - when a stripe holds its share of max_keys, the entry with the oldest
 *    `used_us` among KEYTABLE_EVICT_SAMPLE occupied slots (from a random
 *    position) is evicted: approximately the least recently used. */
#ifndef WEIR_AUTH_INTERNAL_H
#define WEIR_AUTH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Call before any libsodium use; idempotent and cheap after the first call.
 * Returns 0, or -1 when libsodium cannot initialise. */
int auth_sodium_ready(void);

#define KEYTABLE_MAX_STRIPES 16 /* mutexes per table */
#define KEYTABLE_EVICT_SAMPLE 8 /* candidates looked at per eviction */

typedef struct kt_entry {
    uint64_t h0, h1; /* the key's hash; h0 == 0 marks an empty slot */
    int64_t used_us; /* when last used; the eviction order (the caller sets it) */
    union {
        double tokens;    /* ratelimit */
        int64_t failures; /* auth_backoff */
    } u;
    int64_t aux; /* ratelimit: unused; backoff: time of the last failure */
} kt_entry;

typedef struct keytable keytable;

/* A table holding at most max_keys entries (max_keys >= 1); NULL on OOM or
 * max_keys == 0. */
keytable *keytable_new(size_t max_keys);
void keytable_free(keytable *t);

/* Lock the stripe of `key` and return its entry. When absent and `create`,
 * a zeroed entry is made (evicting one when the stripe is full) and *is_new is
 * set; when absent and !create, NULL is returned and nothing stays locked.
 * A non-NULL result stays locked until keytable_unlock(t, entry); the pointer
 * is valid only until then. */
kt_entry *keytable_lock(keytable *t, const char *key, bool create, bool *is_new);
void keytable_unlock(keytable *t, kt_entry *e);
/* Remove a locked entry, then unlock. */
void keytable_remove_unlock(keytable *t, kt_entry *e);
/* Entries held now (all stripes; takes each lock in turn). */
size_t keytable_count(keytable *t);
/* The most entries the table will ever hold (<= the max_keys it was made with). */
size_t keytable_capacity(const keytable *t);

#endif
