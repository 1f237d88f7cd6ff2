/* keytable.c — the bounded striped hash table behind ratelimit.c and the
 * login backoff (see internal.h for the why). Linear probing with
 * backward-shift deletion, so there are no tombstones and a stripe never
 * degrades however many keys pass through it. */
#include "auth/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

typedef struct stripe {
    pthread_mutex_t mu;
    kt_entry *slots;
    size_t mask;     /* slot count - 1; the slot count is a power of two */
    size_t n;        /* occupied slots */
    size_t max;      /* occupied slots allowed */
    uint64_t rng;    /* xorshift state picking where an eviction sample starts */
    char pad[64];    /* keep neighbouring stripes' mutexes off one cache line */
} stripe;

struct keytable {
    unsigned char sipkey[crypto_shorthash_siphashx24_KEYBYTES];
    size_t nstripes; /* a power of two */
    stripe stripes[];
};

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_rc = -1;

static void sodium_boot(void) {
    sodium_rc = sodium_init() < 0 ? -1 : 0;
}

int auth_sodium_ready(void) {
    pthread_once(&sodium_once, sodium_boot);
    return sodium_rc;
}

keytable *keytable_new(size_t max_keys) {
    if (max_keys == 0 || auth_sodium_ready() != 0) return NULL;
    size_t ns = 1;
    /* at least 64 keys per stripe before splitting further */
    while (ns < KEYTABLE_MAX_STRIPES && max_keys / (ns * 2) >= 64) ns *= 2;
    keytable *t = calloc(1, sizeof *t + ns * sizeof(stripe));
    if (!t) return NULL;
    randombytes_buf(t->sipkey, sizeof t->sipkey);
    t->nstripes = ns;
    for (size_t i = 0; i < ns; i++) {
        stripe *s = &t->stripes[i];
        s->max = max_keys / ns;
        size_t cap = 8;
        while (cap < s->max + s->max / 2 + 1) cap *= 2; /* load factor <= 2/3 */
        s->mask = cap - 1;
        s->slots = calloc(cap, sizeof *s->slots);
        s->rng = randombytes_random() | 1u;
        pthread_mutex_init(&s->mu, NULL);
        if (!s->slots) {
            t->nstripes = i + 1;
            keytable_free(t);
            return NULL;
        }
    }
    return t;
}

void keytable_free(keytable *t) {
    if (!t) return;
    for (size_t i = 0; i < t->nstripes; i++) {
        pthread_mutex_destroy(&t->stripes[i].mu);
        free(t->stripes[i].slots);
    }
    sodium_memzero(t->sipkey, sizeof t->sipkey);
    free(t);
}

static stripe *stripe_of(keytable *t, uint64_t h1) {
    return &t->stripes[h1 & (t->nstripes - 1)];
}

/* The slot index where an entry with hash h0 starts probing. The low bits
 * of h1 choose the stripe, so the slot uses h0 (independent bits). */
static size_t home(const stripe *s, uint64_t h0) {
    return (size_t)(h0 >> 1) & s->mask;
}

/* Remove slot i, shifting later members of its probe run back so that every
 * remaining entry stays reachable from its home without tombstones. */
static void remove_at(stripe *s, size_t i) {
    size_t j = i;
    for (;;) {
        s->slots[i].h0 = 0;
        for (;;) {
            j = (j + 1) & s->mask;
            if (s->slots[j].h0 == 0) {
                s->n--;
                return;
            }
            size_t k = home(s, s->slots[j].h0);
            /* entry j may stay when its home lies cyclically in (i, j] */
            bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
            if (!stays) break;
        }
        s->slots[i] = s->slots[j];
        i = j;
    }
}

static void evict_one(stripe *s) {
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    size_t i = (size_t)s->rng & s->mask, victim = SIZE_MAX, seen = 0;
    for (size_t step = 0; step <= s->mask && seen < KEYTABLE_EVICT_SAMPLE; step++, i = (i + 1) & s->mask) {
        if (s->slots[i].h0 == 0) continue;
        if (victim == SIZE_MAX || s->slots[i].used_us < s->slots[victim].used_us) victim = i;
        seen++;
    }
    if (victim != SIZE_MAX) remove_at(s, victim);
}

kt_entry *keytable_lock(keytable *t, const char *key, bool create, bool *is_new) {
    unsigned char h[crypto_shorthash_siphashx24_BYTES];
    crypto_shorthash_siphashx24(h, (const unsigned char *)key, strlen(key), t->sipkey);
    uint64_t h0, h1;
    memcpy(&h0, h, 8);
    memcpy(&h1, h + 8, 8);
    h0 |= 1; /* never 0: 0 marks an empty slot */
    if (is_new) *is_new = false;

    stripe *s = stripe_of(t, h1);
    pthread_mutex_lock(&s->mu);
    size_t i = home(s, h0);
    while (s->slots[i].h0) {
        if (s->slots[i].h0 == h0 && s->slots[i].h1 == h1) return &s->slots[i];
        i = (i + 1) & s->mask;
    }
    if (!create) {
        pthread_mutex_unlock(&s->mu);
        return NULL;
    }
    if (s->n >= s->max) {
        evict_one(s);
        for (i = home(s, h0); s->slots[i].h0; i = (i + 1) & s->mask) {}
    }
    kt_entry *e = &s->slots[i];
    memset(e, 0, sizeof *e);
    e->h0 = h0;
    e->h1 = h1;
    s->n++;
    if (is_new) *is_new = true;
    return e;
}

void keytable_unlock(keytable *t, kt_entry *e) {
    pthread_mutex_unlock(&stripe_of(t, e->h1)->mu);
}

void keytable_remove_unlock(keytable *t, kt_entry *e) {
    stripe *s = stripe_of(t, e->h1);
    remove_at(s, (size_t)(e - s->slots));
    pthread_mutex_unlock(&s->mu);
}

size_t keytable_count(keytable *t) {
    size_t n = 0;
    for (size_t i = 0; i < t->nstripes; i++) {
        pthread_mutex_lock(&t->stripes[i].mu);
        n += t->stripes[i].n;
        pthread_mutex_unlock(&t->stripes[i].mu);
    }
    return n;
}

size_t keytable_capacity(const keytable *t) {
    size_t n = 0;
    for (size_t i = 0; i < t->nstripes; i++) n += t->stripes[i].max;
    return n;
}
