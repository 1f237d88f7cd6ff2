/* ratelimit.h — token buckets per key (requests per client, logins per IP)
 * and the exponential login backoff. Both are thread-safe, allocate nothing
 * after creation, and hold at most max_keys keys: when full, an approximately
 * least-recently-used key is forgotten (the oldest of 8 sampled). A forgotten
 * bucket comes back full, which is where an idle bucket would be anyway; a
 * flood of fresh keys cannot evict a key in steady use, because that key is
 * always among the most recent. Keys are hashed (SipHash-128, random key per
 * table), never stored. docs/auth.md lists the constants. */
#ifndef WEIR_AUTH_RATELIMIT_H
#define WEIR_AUTH_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ratelimit ratelimit;

/* A limiter allowing `burst` requests at once per key, refilled at
 * `per_second` per second. NULL when per_second <= 0 (or not finite),
 * burst < 1, max_keys == 0, or out of memory. */
ratelimit *ratelimit_new(double per_second, double burst, size_t max_keys);
void ratelimit_free(ratelimit *rl);

/* Take one token from key's bucket at time now_us (a monotonic clock, in
 * microseconds). true = allowed (*retry_after_s = 0); false = refused, with
 * *retry_after_s >= 1 the seconds until a token is back (Retry-After).
 * A NULL key is refused. retry_after_s may be NULL. A clock going backwards
 * refills nothing. */
bool ratelimit_take(ratelimit *rl, const char *key, int64_t now_us, int64_t *retry_after_s);

/* Keys currently remembered (for tests and metrics). */
size_t ratelimit_keys(ratelimit *rl);
/* Whether a take would succeed now, without taking (refills as take does). */
bool ratelimit_peek(ratelimit *rl, const char *key, int64_t now_us, int64_t *retry_after_s);

/* Login backoff: per key (the server keeps one key per account e-mail and
 * one per client IP), AUTH_BACKOFF_FREE_FAILURES failures are free; after
 * that each failure makes the key wait AUTH_BACKOFF_BASE_S, doubling per
 * further failure up to AUTH_BACKOFF_MAX_S, counted from the last failure.
 * A key with no failure for AUTH_BACKOFF_FORGET_S starts over; a success
 * should call auth_backoff_reset. */
#define AUTH_BACKOFF_FREE_FAILURES 5       /* failures before any wait */
#define AUTH_BACKOFF_BASE_S        1       /* wait after the 5th failure */
#define AUTH_BACKOFF_MAX_S         (15 * 60) /* the longest wait: 15 minutes */
#define AUTH_BACKOFF_FORGET_S      (24 * 3600) /* failures older than this are forgotten */

typedef struct auth_backoff auth_backoff;

/* NULL on max_keys == 0 or out of memory. */
auth_backoff *auth_backoff_new(size_t max_keys);
void auth_backoff_free(auth_backoff *b);
/* Seconds key must still wait before another attempt; 0 = may try now. */
int64_t auth_backoff_wait_s(auth_backoff *b, const char *key, int64_t now_us);
/* Record a failed attempt for key at now_us. */
void auth_backoff_fail(auth_backoff *b, const char *key, int64_t now_us);
/* Forget key's failures (after a successful login). */
void auth_backoff_reset(auth_backoff *b, const char *key);
/* The wait (seconds) right after the n-th consecutive failure: the schedule. */
int64_t auth_backoff_delay_s(int64_t failures);

#endif
