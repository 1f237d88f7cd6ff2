/* test_nodes_structs.c — struct_make, struct_get and struct_set through real
 * boards: field paths, missing steps, malformed paths, copies that leave the
 * input untouched, wrong types at run time and bad literals. */
#include "nodetest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

/* struct_get on a literal struct (JSON text) and field (C string, JSON-quoted here). */
static json_t *get(const char *obj, const char *field, const char *pin) {
    json_t *f = json_string(field);
    char *ftext = json_dumps(f, JSON_ENCODE_ANY);
    json_t *rep =
        run_nodef(pin, "{\"id\":\"n\",\"type\":\"struct_get\",\"inputs\":{\"struct\":%s,\"field\":%s}}", obj, ftext);
    free(ftext);
    json_decref(f);
    return rep;
}

static json_t *set(const char *obj, const char *field, const char *value) {
    json_t *f = json_string(field);
    char *ftext = json_dumps(f, JSON_ENCODE_ANY);
    json_t *rep = run_execf("struct_out",
                            "{\"id\":\"n\",\"type\":\"struct_set\",\"inputs\":{\"struct_in\":%s,\"field\":%s,\"value\":%s}}",
                            obj, ftext, value);
    free(ftext);
    json_decref(f);
    return rep;
}

static const char *doc = "{\"name\":\"weir\",\"n\":null,\"user\":{\"address\":{\"city\":\"Zürich\"}},"
                         "\"items\":[{\"name\":\"a\"},{\"name\":\"b\",\"tags\":[\"x\",\"y\"]}],"
                         "\"matrix\":[[1,2,3],[4,5,6]],\"日本\":{\"語\":1},\"a]b\":2,\"\":\"empty key\"}";

/* ---- struct_make ------------------------------------------------------------------- */

static void test_struct_make(void **state) {
    (void)state;
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"struct_make\"}", "struct"), "{}");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"struct_make\",\"inputs\":{\"struct\":{}}}", "struct"),
                  "unknown_pin", "struct");
}

/* ---- struct_get --------------------------------------------------------------------- */

static void test_get_paths(void **state) {
    (void)state;
    CHECK_RESULT(get(doc, "name", "value"), "\"weir\"");
    CHECK_RESULT(get(doc, "user.address.city", "value"), "\"Zürich\"");
    CHECK_RESULT(get(doc, "user.address", "value"), "{\"city\":\"Zürich\"}");
    CHECK_RESULT(get(doc, "items[0].name", "value"), "\"a\"");
    CHECK_RESULT(get(doc, "items[1].tags[1]", "value"), "\"y\"");
    CHECK_RESULT(get(doc, "matrix[1][2]", "value"), "6");
    CHECK_RESULT(get(doc, "matrix[0]", "value"), "[1,2,3]");
    CHECK_RESULT(get(doc, "日本.語", "value"), "1");
    CHECK_RESULT(get(doc, "a]b", "value"), "2"); /* ']' may be part of a key */
    CHECK_RESULT(get(doc, "items[0].name", "found"), "true");
    CHECK_RESULT(get("{\"007\":1}", "007", "value"), "1");
    CHECK_RESULT(get("{\"a\":{\"b\":[[{\"c\":[true]}]]}}", "a.b[0][0].c[0]", "value"), "true");
}

static void test_get_missing(void **state) {
    (void)state;
    /* a present null is found */
    CHECK_RESULT(get(doc, "n", "value"), "null");
    CHECK_RESULT(get(doc, "n", "found"), "true");
    const char *missing[] = {"nope", "user.nope", "user.address.city.x", "items[2]", "items[2].name",
                             "items[0].nope", "matrix[1][3]", "name[0]", "items.name", "n.x", "[0]",
                             "items[99999999999999999999999999]", "NAME", "日本.語.x"};
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        CHECK_RESULT(get(doc, missing[i], "found"), "false");
        CHECK_RESULT(get(doc, missing[i], "value"), "null");
    }
    CHECK_RESULT(get("{}", "a", "found"), "false");
}

static void test_get_malformed(void **state) {
    (void)state;
    const char *bad[] = {"", ".", "a..b", ".a", "a.", "a[", "a[]", "a[x]", "a[-1]", "a[0", "a[0]b",
                         "a.[0]", "a[ 0]", "[0]x", "a[1.5]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK_FAILED(get(doc, bad[i], "value"), "n", "field");
    CHECK_FAILED(get(doc, "a..b", "found"), "n", "malformed path", "a..b");
    /* a long path is shown cut short, still as UTF-8 */
    char *longp = malloc(400);
    strcpy(longp, "x");
    for (int i = 0; i < 60; i++) strcat(longp, ".é");
    strcat(longp, "..");
    CHECK_FAILED(get(doc, longp, "value"), "n", "malformed path", "…");
    free(longp);
}

static void test_get_step_limit(void **state) {
    (void)state;
    size_t n = STRUCT_MAX_PATH_STEPS;
    char *p = malloc(2 * n + 2);
    char *w = p;
    for (size_t i = 0; i < n; i++) {
        if (i) *w++ = '.';
        *w++ = 'a';
    }
    *w = '\0';
    CHECK_RESULT(get("{}", p, "found"), "false"); /* exactly at the limit */
    strcat(p, ".a");
    CHECK_FAILED(get("{}", p, "found"), "n", "steps");
    free(p);
}

static void test_get_wrong_types(void **state) {
    (void)state;
    /* a non-object reaching `struct` at run time fails naming the pin */
    json_t *rep = run_node_ex("{\"id\":\"n\",\"type\":\"struct_get\",\"inputs\":{\"field\":\"a\"}}", "value", false,
                              "{\"id\":\"rr\",\"type\":\"reroute\",\"inputs\":{\"route_in\":[1,2]}}",
                              "{\"from\":\"rr.route_out\",\"to\":\"n.struct\"}");
    CHECK_FAILED(rep, "n", "input struct", "array");
    rep = run_node_ex("{\"id\":\"n\",\"type\":\"struct_get\",\"inputs\":{\"struct\":{}}}", "value", false,
                      "{\"id\":\"rr\",\"type\":\"reroute\",\"inputs\":{\"route_in\":5}}",
                      "{\"from\":\"rr.route_out\",\"to\":\"n.field\"}");
    CHECK_FAILED(rep, "n", "input field", "integer");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"struct_get\",\"inputs\":{\"struct\":{}}}", "value"), "n",
                 "input field", "null");
    CHECK_INVALID(get("[1]", "a", "value"), "bad_value", "struct");
    CHECK_INVALID(get("\"{}\"", "a", "value"), "bad_value", "struct");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"struct_get\",\"inputs\":{\"struct\":{},\"field\":1}}", "value"),
                  "bad_value", "field");
}

/* A value of the wrong type taken out of a struct fails the node that reads
 * it, naming that node's pin. */
static void test_get_into_typed_pin(void **state) {
    (void)state;
    json_t *rep = tu_run_nodes(
        "[{\"id\":\"s\",\"type\":\"events_simple\"},"
        "{\"id\":\"g\",\"type\":\"struct_get\",\"inputs\":{\"struct\":{\"count\":\"3\"},\"field\":\"count\"}},"
        "{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"integer2\":1}},{\"id\":\"r\",\"type\":\"return_result\"}]",
        "[{\"from\":\"s.exec_out\",\"to\":\"r.exec_in\"},{\"from\":\"g.value\",\"to\":\"n.integer1\"},"
        "{\"from\":\"n.sum\",\"to\":\"r.result\"}]",
        NULL);
    CHECK_FAILED(rep, "n", "integer1", "string");
    rep = tu_run_nodes(
        "[{\"id\":\"s\",\"type\":\"events_simple\"},"
        "{\"id\":\"g\",\"type\":\"struct_get\",\"inputs\":{\"struct\":{\"count\":41},\"field\":\"count\"}},"
        "{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"integer2\":1}},{\"id\":\"r\",\"type\":\"return_result\"}]",
        "[{\"from\":\"s.exec_out\",\"to\":\"r.exec_in\"},{\"from\":\"g.value\",\"to\":\"n.integer1\"},"
        "{\"from\":\"n.sum\",\"to\":\"r.result\"}]",
        NULL);
    CHECK_RESULT(rep, "42");
}

/* ---- struct_set ---------------------------------------------------------------------- */

static void test_set_basic(void **state) {
    (void)state;
    CHECK_RESULT(set("{}", "a", "1"), "{\"a\":1}");
    CHECK_RESULT(set("{\"a\":1,\"b\":2}", "a", "\"x\""), "{\"a\":\"x\",\"b\":2}");
    CHECK_RESULT(set("{\"a\":1}", "b", "null"), "{\"a\":1,\"b\":null}");
    CHECK_RESULT(set("{}", "a", "{\"deep\":[1,2.5]}"), "{\"a\":{\"deep\":[1,2.5]}}");
    CHECK_RESULT(set("{}", "ключ", "\"значение\""), "{\"ключ\":\"значение\"}");
    /* value unconnected: null */
    CHECK_RESULT(run_exec("{\"id\":\"n\",\"type\":\"struct_set\",\"inputs\":{\"struct_in\":{},\"field\":\"k\"}}",
                          "struct_out"), "{\"k\":null}");
}

static void test_set_paths(void **state) {
    (void)state;
    /* missing intermediate objects are created */
    CHECK_RESULT(set("{}", "a.b.c", "1"), "{\"a\":{\"b\":{\"c\":1}}}");
    CHECK_RESULT(set("{\"a\":{\"x\":0}}", "a.b.c", "true"), "{\"a\":{\"x\":0,\"b\":{\"c\":true}}}");
    CHECK_RESULT(set("{\"items\":[{\"name\":\"a\"},{\"name\":\"b\"}]}", "items[1].name", "\"B\""),
                 "{\"items\":[{\"name\":\"a\"},{\"name\":\"B\"}]}");
    CHECK_RESULT(set("{\"items\":[{\"name\":\"a\"},{\"name\":\"b\"}]}", "items[0].tags.first", "1"),
                 "{\"items\":[{\"name\":\"a\",\"tags\":{\"first\":1}},{\"name\":\"b\"}]}");
    CHECK_RESULT(set("{\"m\":[[1,2],[3,4]]}", "m[1][0]", "30"), "{\"m\":[[1,2],[30,4]]}");
    CHECK_RESULT(set("{\"m\":[[1,2],[3,4]]}", "m[0]", "[]"), "{\"m\":[[],[3,4]]}");
    CHECK_RESULT(set(doc, "日本.語", "2"),
                 "{\"name\":\"weir\",\"n\":null,\"user\":{\"address\":{\"city\":\"Zürich\"}},"
                 "\"items\":[{\"name\":\"a\"},{\"name\":\"b\",\"tags\":[\"x\",\"y\"]}],"
                 "\"matrix\":[[1,2,3],[4,5,6]],\"日本\":{\"語\":2},\"a]b\":2,\"\":\"empty key\"}");
}

static void test_set_failures(void **state) {
    (void)state;
    CHECK_FAILED(set("{\"items\":[1,2]}", "items[2]", "0"), "n", "out of range", "2 elements");
    CHECK_FAILED(set("{\"items\":[]}", "items[0].a", "0"), "n", "out of range");
    CHECK_FAILED(set("{}", "items[0]", "0"), "n", "does not exist", "out of range");
    CHECK_FAILED(set("{\"a\":5}", "a.b", "0"), "n", "an integer", "not an object");
    CHECK_FAILED(set("{\"a\":\"s\"}", "a.b.c", "0"), "n", "a string", "not an object");
    CHECK_FAILED(set("{\"a\":null}", "a.b", "0"), "n", "null", "not an object");
    CHECK_FAILED(set("{\"items\":[1]}", "items.x", "0"), "n", "an array", "not an object");
    CHECK_FAILED(set("{\"a\":{}}", "a[0]", "0"), "n", "an object", "not an array");
    CHECK_FAILED(set("{\"items\":[1]}", "items[0].x", "0"), "n", "an integer", "not an object");
    CHECK_FAILED(set("{}", "[0]", "0"), "n", "no index");
    CHECK_FAILED(set("{}", "", "0"), "n", "field", "empty");
    CHECK_FAILED(set("{}", "a..b", "0"), "n", "malformed path");
    CHECK_FAILED(set("{}", "a[01", "0"), "n", "malformed path");
    CHECK_INVALID(set("[]", "a", "0"), "bad_value", "struct_in");
}

/* struct_set leaves its input as it was: the variable it came from still
 * holds the old value, and parts off the path are shared but unchanged. */
static void test_set_copies(void **state) {
    (void)state;
    const char *board =
        "{\"format\":\"weir-board/1\",\"id\":\"t\","
        "\"variables\":[{\"id\":\"obj\",\"name\":\"obj\",\"type\":\"struct\",\"value_type\":\"normal\","
        "\"default\":{\"a\":{\"b\":1},\"l\":[{\"k\":1}],\"keep\":{\"z\":[1]}}}],"
        "\"nodes\":[{\"id\":\"s\",\"type\":\"events_simple\"},"
        "{\"id\":\"g\",\"type\":\"variable_get\",\"inputs\":{\"var_ref\":\"obj\"}},"
        "{\"id\":\"n1\",\"type\":\"struct_set\",\"inputs\":{\"field\":\"a.b\",\"value\":2}},"
        "{\"id\":\"n2\",\"type\":\"struct_set\",\"inputs\":{\"field\":\"l[0].k\",\"value\":3}},"
        "{\"id\":\"r\",\"type\":\"return_result\"}],"
        "\"connections\":[{\"from\":\"s.exec_out\",\"to\":\"n1.exec_in\"},{\"from\":\"n1.exec_out\",\"to\":\"n2.exec_in\"},"
        "{\"from\":\"n2.exec_out\",\"to\":\"r.exec_in\"},{\"from\":\"g.value_ref\",\"to\":\"n1.struct_in\"},"
        "{\"from\":\"g.value_ref\",\"to\":\"n2.struct_in\"},{\"from\":\"g.value_ref\",\"to\":\"r.result\"}]}";
    CHECK_RESULT(tu_run(board, NULL), "{\"a\":{\"b\":1},\"l\":[{\"k\":1}],\"keep\":{\"z\":[1]}}");
    /* the same board returning n2's output: both changes, on a copy of the original */
    const char *board2 =
        "{\"format\":\"weir-board/1\",\"id\":\"t\","
        "\"variables\":[{\"id\":\"obj\",\"name\":\"obj\",\"type\":\"struct\",\"value_type\":\"normal\","
        "\"default\":{\"a\":{\"b\":1},\"l\":[{\"k\":1}],\"keep\":{\"z\":[1]}}}],"
        "\"nodes\":[{\"id\":\"s\",\"type\":\"events_simple\"},"
        "{\"id\":\"g\",\"type\":\"variable_get\",\"inputs\":{\"var_ref\":\"obj\"}},"
        "{\"id\":\"n1\",\"type\":\"struct_set\",\"inputs\":{\"field\":\"a.b\",\"value\":2}},"
        "{\"id\":\"n2\",\"type\":\"struct_set\",\"inputs\":{\"field\":\"l[0].k\",\"value\":3}},"
        "{\"id\":\"r\",\"type\":\"return_result\"}],"
        "\"connections\":[{\"from\":\"s.exec_out\",\"to\":\"n1.exec_in\"},{\"from\":\"n1.exec_out\",\"to\":\"n2.exec_in\"},"
        "{\"from\":\"n2.exec_out\",\"to\":\"r.exec_in\"},{\"from\":\"g.value_ref\",\"to\":\"n1.struct_in\"},"
        "{\"from\":\"n1.struct_out\",\"to\":\"n2.struct_in\"},{\"from\":\"n2.struct_out\",\"to\":\"r.result\"}]}";
    CHECK_RESULT(tu_run(board2, NULL), "{\"a\":{\"b\":2},\"l\":[{\"k\":3}],\"keep\":{\"z\":[1]}}");
}

/* struct_set in a loop accumulating into a variable. */
static void test_set_in_loop(void **state) {
    (void)state;
    const char *board =
        "{\"format\":\"weir-board/1\",\"id\":\"t\","
        "\"variables\":[{\"id\":\"acc\",\"name\":\"acc\",\"type\":\"struct\",\"value_type\":\"normal\",\"default\":{}}],"
        "\"nodes\":[{\"id\":\"s\",\"type\":\"events_simple\"},"
        "{\"id\":\"fe\",\"type\":\"control_for_each\",\"inputs\":{\"array\":[\"x\",\"y.z\",\"x\"]}},"
        "{\"id\":\"g\",\"type\":\"variable_get\",\"inputs\":{\"var_ref\":\"acc\"}},"
        "{\"id\":\"n\",\"type\":\"struct_set\"},"
        "{\"id\":\"v\",\"type\":\"variable_set\",\"inputs\":{\"var_ref\":\"acc\"}},"
        "{\"id\":\"r\",\"type\":\"return_result\"}],"
        "\"connections\":[{\"from\":\"s.exec_out\",\"to\":\"fe.exec_in\"},{\"from\":\"fe.exec_out\",\"to\":\"n.exec_in\"},"
        "{\"from\":\"g.value_ref\",\"to\":\"n.struct_in\"},{\"from\":\"fe.value\",\"to\":\"n.field\"},"
        "{\"from\":\"fe.index\",\"to\":\"n.value\"},{\"from\":\"n.exec_out\",\"to\":\"v.exec_in\"},"
        "{\"from\":\"n.struct_out\",\"to\":\"v.value_in\"},{\"from\":\"fe.done\",\"to\":\"r.exec_in\"},"
        "{\"from\":\"g.value_ref\",\"to\":\"r.result\"}]}";
    CHECK_RESULT(tu_run(board, NULL), "{\"x\":2,\"y\":{\"z\":1}}");
}

/* A failing struct_set with handle_errors runs the handler with the message. */
static void test_set_error_handled(void **state) {
    (void)state;
    json_t *rep = run_error_handled("{\"id\":\"n\",\"type\":\"struct_set\",\"handle_errors\":true,"
                                    "\"inputs\":{\"struct_in\":{\"a\":1},\"field\":\"a.b\",\"value\":1}}");
    assert_completed(rep);
    const char *msg = json_string_value(tu_result(rep));
    assert_non_null(msg);
    assert_non_null(strstr(msg, "not an object"));
    json_decref(rep);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_struct_make),
        cmocka_unit_test(test_get_paths),
        cmocka_unit_test(test_get_missing),
        cmocka_unit_test(test_get_malformed),
        cmocka_unit_test(test_get_step_limit),
        cmocka_unit_test(test_get_wrong_types),
        cmocka_unit_test(test_get_into_typed_pin),
        cmocka_unit_test(test_set_basic),
        cmocka_unit_test(test_set_paths),
        cmocka_unit_test(test_set_failures),
        cmocka_unit_test(test_set_copies),
        cmocka_unit_test(test_set_in_loop),
        cmocka_unit_test(test_set_error_handled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
