/* ratelimit.c — token buckets and login backoff over the bounded keytable
 * (internal.h). A bucket is two numbers: the tokens left and when they were
 * counted; refilling is computed lazily on the next take, so nothing runs in
 * the background. */
#include "auth/ratelimit.h"

#include <math.h>
#include <stdlib.h>

#include "auth/internal.h"

struct ratelimit {
    double per_us; /* tokens per microsecond */
    double per_second;
    double burst;
    keytable *t;
};

ratelimit *ratelimit_new(double per_second, double burst, size_t max_keys) {
    if (!(per_second > 0) || !isfinite(per_second) || !(burst >= 1) || !isfinite(burst) || max_keys == 0)
        return NULL;
    ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl) return NULL;
    rl->per_second = per_second;
    rl->per_us = per_second / 1e6;
    rl->burst = burst;
    rl->t = keytable_new(max_keys);
    if (!rl->t) {
        free(rl);
        return NULL;
    }
    return rl;
}

void ratelimit_free(ratelimit *rl) {
    if (!rl) return;
    keytable_free(rl->t);
    free(rl);
}

static bool take_n(ratelimit *rl, const char *key, int64_t now_us, int64_t *retry_after_s, double cost);

bool ratelimit_take(ratelimit *rl, const char *key, int64_t now_us, int64_t *retry_after_s) {
    return take_n(rl, key, now_us, retry_after_s, 1.0);
}

bool ratelimit_peek(ratelimit *rl, const char *key, int64_t now_us, int64_t *retry_after_s) {
    return take_n(rl, key, now_us, retry_after_s, 0.0);
}

static bool take_n(ratelimit *rl, const char *key, int64_t now_us, int64_t *retry_after_s, double cost) {
    if (retry_after_s) *retry_after_s = 1;
    if (!rl || !key) return false;
    bool fresh;
    kt_entry *e = keytable_lock(rl->t, key, true, &fresh);
    if (fresh) {
        e->u.tokens = rl->burst;
        e->used_us = now_us;
    } else if (now_us > e->used_us) {
        double t = e->u.tokens + (double)(now_us - e->used_us) * rl->per_us;
        e->u.tokens = t < rl->burst ? t : rl->burst;
        e->used_us = now_us;
    }
    bool ok = e->u.tokens >= 1.0;
    if (ok) {
        e->u.tokens -= cost;
        if (retry_after_s) *retry_after_s = 0;
    } else if (retry_after_s) {
        double s = ceil((1.0 - e->u.tokens) / rl->per_second);
        *retry_after_s = s < 1 ? 1 : s > (double)INT32_MAX ? INT32_MAX : (int64_t)s;
    }
    keytable_unlock(rl->t, e);
    return ok;
}

size_t ratelimit_keys(ratelimit *rl) {
    return keytable_count(rl->t);
}

struct auth_backoff {
    keytable *t;
};

auth_backoff *auth_backoff_new(size_t max_keys) {
    auth_backoff *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->t = keytable_new(max_keys);
    if (!b->t) {
        free(b);
        return NULL;
    }
    return b;
}

void auth_backoff_free(auth_backoff *b) {
    if (!b) return;
    keytable_free(b->t);
    free(b);
}

int64_t auth_backoff_delay_s(int64_t failures) {
    if (failures < AUTH_BACKOFF_FREE_FAILURES) return 0;
    int64_t shift = failures - AUTH_BACKOFF_FREE_FAILURES;
    int64_t d = AUTH_BACKOFF_BASE_S;
    while (shift-- > 0 && d < AUTH_BACKOFF_MAX_S) d *= 2;
    return d < AUTH_BACKOFF_MAX_S ? d : AUTH_BACKOFF_MAX_S;
}

/* Failures still counted at now_us (0 once forgotten). */
static int64_t live_failures(const kt_entry *e, int64_t now_us) {
    if (now_us - e->aux >= (int64_t)AUTH_BACKOFF_FORGET_S * 1000000) return 0;
    return e->u.failures;
}

int64_t auth_backoff_wait_s(auth_backoff *b, const char *key, int64_t now_us) {
    if (!b || !key) return AUTH_BACKOFF_MAX_S;
    kt_entry *e = keytable_lock(b->t, key, false, NULL);
    if (!e) return 0;
    int64_t delay_us = auth_backoff_delay_s(live_failures(e, now_us)) * 1000000;
    int64_t left_us = e->aux + delay_us - now_us;
    keytable_unlock(b->t, e);
    if (left_us <= 0) return 0;
    return (left_us + 999999) / 1000000;
}

void auth_backoff_fail(auth_backoff *b, const char *key, int64_t now_us) {
    if (!b || !key) return;
    bool fresh;
    kt_entry *e = keytable_lock(b->t, key, true, &fresh);
    int64_t n = fresh ? 0 : live_failures(e, now_us);
    e->u.failures = n < INT32_MAX ? n + 1 : n;
    if (now_us > e->aux || fresh) e->aux = now_us;
    e->used_us = e->aux;
    keytable_unlock(b->t, e);
}

void auth_backoff_reset(auth_backoff *b, const char *key) {
    if (!b || !key) return;
    kt_entry *e = keytable_lock(b->t, key, false, NULL);
    if (e) keytable_remove_unlock(b->t, e);
}
