/* ids.c — see ids.h. */
#include "base/ids.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static _Atomic int64_t last_us;

/* The time half: now, or one past the last id's time if the clock has not
 * moved on (or stepped back), so ids stay strictly ordered in this process. */
static int64_t next_time(void) {
    int64_t now = now_us();
    int64_t prev = atomic_load(&last_us);
    for (;;) {
        int64_t t = now > prev ? now : prev + 1;
        if (atomic_compare_exchange_weak(&last_us, &prev, t)) return t;
    }
}

void id_random(void *out, size_t n) {
    static _Thread_local unsigned char pool[4096];
    static _Thread_local size_t used = sizeof pool;
    unsigned char *o = out;
    while (n) {
        if (used == sizeof pool) {
            size_t got = 0;
            while (got < sizeof pool) {
                ssize_t r = getrandom(pool + got, sizeof pool - got, 0);
                if (r > 0) got += (size_t)r;
            }
            used = 0;
        }
        size_t k = sizeof pool - used < n ? sizeof pool - used : n;
        memcpy(o, pool + used, k);
        memset(pool + used, 0, k);  /* handed-out bytes do not stay in memory */
        used += k, o += k, n -= k;
    }
}

static uint64_t random64(void) {
    uint64_t v;
    id_random(&v, sizeof v);
    return v;
}

void id_new(const char *prefix, char out[ID_MAX]) {
    snprintf(out, ID_MAX, "%.8s_%016llx%016llx", prefix, (unsigned long long)next_time(),
             (unsigned long long)random64());
}

bool id_valid(const char *prefix, const char *s) {
    size_t pl = strlen(prefix);
    if (!s || strncmp(s, prefix, pl) != 0 || s[pl] != '_') return false;
    const char *h = s + pl + 1;
    for (int i = 0; i < 32; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'))) return false;
    return h[32] == '\0';
}
