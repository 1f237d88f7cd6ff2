/* test_srv_cache.c — server/cache.h: what is promised there, tried here. An
 * entry is returned only with the generation it was read at, within its
 * ttl; collisions evict (a miss, never another key's value); keys too long
 * and values too large are not cached; a disabled cache always misses. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server/cache.h"
#include "testutil.h"

static void test_generation(void **state) {
    (void)state;
    srv_cache *c = cache_new(true, 60 * 1000000LL);
    int v = 7, out = 0;
    uint64_t g = cache_gen(c);
    cache_put(c, CACHE_CREDENTIAL, "k", &v, sizeof v, g);
    assert_true(cache_get(c, CACHE_CREDENTIAL, "k", &out, sizeof out));
    assert_int_equal(out, 7);
    assert_false(cache_get(c, CACHE_MEMBER, "k", &out, sizeof out));   /* kinds apart */
    cache_invalidate(c);
    assert_false(cache_get(c, CACHE_CREDENTIAL, "k", &out, sizeof out));
    /* read before a change, stored after it: never returned */
    uint64_t before = cache_gen(c);
    cache_invalidate(c);
    cache_put(c, CACHE_CREDENTIAL, "k", &v, sizeof v, before);
    assert_false(cache_get(c, CACHE_CREDENTIAL, "k", &out, sizeof out));
    cache_free(c);
}

static void test_ttl(void **state) {
    (void)state;
    srv_cache *c = cache_new(true, 50 * 1000LL);  /* 50 ms */
    int v = 1, out = 0;
    cache_put(c, CACHE_EVENT, "e", &v, sizeof v, cache_gen(c));
    assert_true(cache_get(c, CACHE_EVENT, "e", &out, sizeof out));
    usleep(80 * 1000);
    assert_false(cache_get(c, CACHE_EVENT, "e", &out, sizeof out));
    cache_free(c);
}

static void test_collisions_and_bounds(void **state) {
    (void)state;
    srv_cache *c = cache_new(true, 60 * 1000000LL);
    char key[32];
    /* more keys than slots: every hit is the key's own value */
    for (int i = 0; i < 3 * CACHE_SLOTS; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        cache_put(c, CACHE_MEMBER, key, &i, sizeof i, cache_gen(c));
    }
    int hits = 0;
    for (int i = 0; i < 3 * CACHE_SLOTS; i++) {
        int out = -1;
        snprintf(key, sizeof key, "key-%d", i);
        if (cache_get(c, CACHE_MEMBER, key, &out, sizeof out)) {
            assert_int_equal(out, i);
            hits++;
        }
    }
    assert_true(hits > 0 && hits <= CACHE_SLOTS);
    char long_key[CACHE_KEY_MAX + 1];
    memset(long_key, 'x', CACHE_KEY_MAX);
    long_key[CACHE_KEY_MAX] = 0;
    int v = 3, out = 0;
    cache_put(c, CACHE_MEMBER, long_key, &v, sizeof v, cache_gen(c));
    assert_false(cache_get(c, CACHE_MEMBER, long_key, &out, sizeof out));
    char big[CACHE_VALUE_MAX + 1] = {0};
    cache_put(c, CACHE_MEMBER, "big", big, sizeof big, cache_gen(c));
    assert_false(cache_get(c, CACHE_MEMBER, "big", big, sizeof big));
    cache_free(c);
}

static void test_disabled(void **state) {
    (void)state;
    srv_cache *off[] = {cache_new(false, 1000000), cache_new(true, 0)};
    for (int k = 0; k < 2; k++) {
        int v = 1, out = 0;
        cache_put(off[k], CACHE_CREDENTIAL, "k", &v, sizeof v, cache_gen(off[k]));
        assert_false(cache_get(off[k], CACHE_CREDENTIAL, "k", &out, sizeof out));
        cache_free(off[k]);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generation),
        cmocka_unit_test(test_ttl),
        cmocka_unit_test(test_collisions_and_bounds),
        cmocka_unit_test(test_disabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
