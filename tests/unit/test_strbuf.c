/* test_strbuf.c — base/strbuf.h's str_copy, which replaced snprintf(dst, n,
 * "%s", src) on the server's hot path: the same text, cut the same way, the
 * same return value (so callers can tell a cut), and NULL as "". */
#include <stdio.h>
#include <string.h>

#include "base/strbuf.h"
#include "testutil.h"

static void test_str_copy_like_snprintf(void **state) {
    (void)state;
    const char *srcs[] = {"", "a", "run_0006616e8f6d334656d0f12cc50f8588", "exactly7", "1234567"};
    for (size_t i = 0; i < sizeof srcs / sizeof *srcs; i++) {
        for (size_t n = 1; n <= 12; n++) {
            char got[16], want[16];
            memset(got, 'X', sizeof got);
            memset(want, 'X', sizeof want);
            size_t rg = str_copy(got, n, srcs[i]);
            int rw = snprintf(want, n, "%s", srcs[i]);
            assert_int_equal(rg, (size_t)rw);
            assert_string_equal(got, want);
            assert_int_equal(got[n], 'X');   /* nothing written past n bytes */
        }
    }
}

static void test_str_copy_null(void **state) {
    (void)state;
    char buf[4] = "abc";
    assert_int_equal(str_copy(buf, sizeof buf, NULL), 0);
    assert_string_equal(buf, "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str_copy_like_snprintf),
        cmocka_unit_test(test_str_copy_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
