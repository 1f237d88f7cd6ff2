/* test_jsontext.c — base/jsontext.h: the server writes run results, reports
 * and answers with json_text instead of json_dumps, so the two must agree
 * (same text for what jansson writes the same way, the same value always),
 * and json_text_size must be the exact length the trace limits charge. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsontext.h"
#include "testutil.h"

static const char *const samples[] = {
    "null", "true", "false", "0", "-1", "9223372036854775807", "-9223372036854775808",
    "1.5", "-0.25", "1e300", "-2.5e-300", "1e-7", "3.0", "0.1", "123456789.125", "1e21",
    "\"\"", "\"plain\"", "\"quote \\\" backslash \\\\ slash /\"", "\"tab\\t nl\\n cr\\r\"",
    "\"ctrl \\u0001 \\u001f del \\u007f\"", "\"utf8 \\u00e9 \\u4e2d \\ud83d\\ude00\"",
    "[]", "{}", "[1,[2,[3,[]]],{\"a\":{}}]",
    "{\"b\":1,\"a\":2,\"c\":[true,null,\"x\"],\"nested\":{\"z\":{\"y\":-3.5}}}",
    "{\"key with \\\"quotes\\\"\":\"v\",\"\\u00fc\":0}",
};

/* Same text as jansson's compact writer: jansson writes \b and \f as short
 * escapes where json_text writes \u0008 and \u000c, so no sample has them. */
static void test_same_text_as_jansson(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        json_error_t je;
        json_t *j = json_loads(samples[i], JSON_DECODE_ANY, &je);
        assert_non_null(j);
        char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        char *got = json_text(j);
        assert_non_null(got);
        assert_string_equal(got, want);
        assert_int_equal(json_text_size(j, SIZE_MAX), strlen(got));
        free(want), free(got);
        json_decref(j);
    }
}

/* Characters jansson escapes differently still read back as the same value. */
static void test_other_escapes_round_trip(void **state) {
    (void)state;
    json_t *j = json_pack("{s:s}", "k", "b\bf\fnul-free\x01");
    char *t = json_text(j);
    assert_non_null(strstr(t, "\\u0008"));
    json_t *back = json_loads(t, 0, NULL);
    assert_true(json_equal(j, back));
    assert_int_equal(json_text_size(j, SIZE_MAX), strlen(t));
    free(t);
    json_decref(j), json_decref(back);
}

/* Objects keep their insertion order, as jansson writes them. */
static void test_insertion_order(void **state) {
    (void)state;
    json_t *o = json_object();
    json_object_set_new(o, "zeta", json_integer(1));
    json_object_set_new(o, "alpha", json_integer(2));
    json_object_set_new(o, "mid", json_integer(3));
    json_object_set_new(o, "alpha", json_integer(4));  /* replaced in place */
    char *t = json_text(o);
    assert_string_equal(t, "{\"zeta\":1,\"alpha\":4,\"mid\":3}");
    free(t);
    json_decref(o);
}

/* Past the limit, counting stops and says so by exceeding it. */
static void test_size_limit(void **state) {
    (void)state;
    json_t *a = json_array();
    for (int i = 0; i < 100000; i++) json_array_append_new(a, json_string("0123456789"));
    size_t full = json_text_size(a, SIZE_MAX);
    assert_int_equal(full, 2 + 100000 * 12 + 99999);
    assert_true(json_text_size(a, 4096) > 4096);
    json_t *exact = json_string("ab");
    assert_int_equal(json_text_size(exact, 4), 4);
    json_decref(a), json_decref(exact);
    assert_null(json_text(NULL));
    assert_int_equal(json_text_size(NULL, 10), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_text_as_jansson),
        cmocka_unit_test(test_other_escapes_round_trip),
        cmocka_unit_test(test_insertion_order),
        cmocka_unit_test(test_size_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
