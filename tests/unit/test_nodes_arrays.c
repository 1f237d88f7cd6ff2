/* test_nodes_arrays.c — array_length, array_push, array_get through real
 * boards: results, empty arrays, out-of-range indexes, copies that leave the
 * input untouched, wrong types at run time and bad literals. */
#include "nodetest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *length(const char *arr) {
    return run_nodef("length", "{\"id\":\"n\",\"type\":\"array_length\",\"inputs\":{\"array\":%s}}", arr);
}

static json_t *push(const char *arr, const char *v) {
    return run_execf("array_out", "{\"id\":\"n\",\"type\":\"array_push\",\"inputs\":{\"array_in\":%s%s%s}}", arr,
                     v ? ",\"value\":" : "", v ? v : "");
}

static json_t *get(const char *arr, const char *index, const char *pin) {
    return run_nodef(pin, "{\"id\":\"n\",\"type\":\"array_get\",\"inputs\":{\"array_in\":%s,\"index\":%s}}", arr,
                     index);
}

/* ---- array_length ------------------------------------------------------------------- */

static void test_length(void **state) {
    (void)state;
    CHECK_RESULT(length("[1,2,3]"), "3");
    CHECK_RESULT(length("[]"), "0");
    CHECK_RESULT(length("[null,[],{},\"x\",1.5]"), "5");
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"array_length\"}", "length", "{\"length\":3}", "array"), "n",
                 "input array", "object");
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"array_length\"}", "length", "\"abc\"", "array"), "n",
                 "input array", "string");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"array_length\"}", "length"), "n", "input array", "null");
    CHECK_INVALID(length("\"abc\""), "bad_value", "array");
    CHECK_INVALID(length("{}"), "bad_value", "array");
}

/* ---- array_push --------------------------------------------------------------------- */

static void test_push(void **state) {
    (void)state;
    CHECK_RESULT(push("[1,2]", "3"), "[1,2,3]");
    CHECK_RESULT(push("[]", "\"x\""), "[\"x\"]");
    CHECK_RESULT(push("[1]", "{\"a\":[1]}"), "[1,{\"a\":[1]}]");
    CHECK_RESULT(push("[1]", "[2,3]"), "[1,[2,3]]"); /* an array is one element, not concatenated */
    CHECK_RESULT(push("[1]", "null"), "[1,null]");
    CHECK_RESULT(push("[1]", NULL), "[1,null]");    /* value unconnected */
    CHECK_RESULT(push("[]", "\"ünïcödé\""), "[\"ünïcödé\"]");
}

static void test_push_wrong_types(void **state) {
    (void)state;
    json_t *rep = run_node_ex("{\"id\":\"n\",\"type\":\"array_push\",\"inputs\":{\"value\":1}}", "array_out", true,
                              "{\"id\":\"rr\",\"type\":\"reroute\",\"inputs\":{\"route_in\":{\"a\":1}}}",
                              "{\"from\":\"rr.route_out\",\"to\":\"n.array_in\"}");
    CHECK_FAILED(rep, "n", "array_in", "object");
    CHECK_INVALID(push("{}", "1"), "bad_value", "array_in");
    /* a null literal is a plain generic's value, not an array's */
    CHECK_INVALID(push("null", "1"), "bad_value", "array_in");
}

/* array_push leaves its input as it was; accumulating in a loop through a
 * variable gives every element once. */
static void test_push_copies_and_loop(void **state) {
    (void)state;
    const char *board =
        "{\"format\":\"weir-board/1\",\"id\":\"t\","
        "\"variables\":[{\"id\":\"src\",\"name\":\"src\",\"type\":\"generic\",\"value_type\":\"array\",\"default\":[0]}],"
        "\"nodes\":[{\"id\":\"s\",\"type\":\"events_simple\"},"
        "{\"id\":\"g\",\"type\":\"variable_get\",\"inputs\":{\"var_ref\":\"src\"}},"
        "{\"id\":\"n\",\"type\":\"array_push\",\"inputs\":{\"value\":1}},"
        "{\"id\":\"r\",\"type\":\"return_result\"}],"
        "\"connections\":[{\"from\":\"s.exec_out\",\"to\":\"n.exec_in\"},{\"from\":\"n.exec_out\",\"to\":\"r.exec_in\"},"
        "{\"from\":\"g.value_ref\",\"to\":\"n.array_in\"},{\"from\":\"g.value_ref\",\"to\":\"r.result\"}]}";
    CHECK_RESULT(tu_run(board, NULL), "[0]");
    const char *loop =
        "{\"format\":\"weir-board/1\",\"id\":\"t\","
        "\"variables\":[{\"id\":\"acc\",\"name\":\"acc\",\"type\":\"generic\",\"value_type\":\"array\",\"default\":[]}],"
        "\"nodes\":[{\"id\":\"s\",\"type\":\"events_simple\"},"
        "{\"id\":\"fe\",\"type\":\"control_for_each\",\"inputs\":{\"array\":[\"a\",\"b\",\"c\"]}},"
        "{\"id\":\"g\",\"type\":\"variable_get\",\"inputs\":{\"var_ref\":\"acc\"}},"
        "{\"id\":\"n\",\"type\":\"array_push\"},"
        "{\"id\":\"v\",\"type\":\"variable_set\",\"inputs\":{\"var_ref\":\"acc\"}},"
        "{\"id\":\"r\",\"type\":\"return_result\"}],"
        "\"connections\":[{\"from\":\"s.exec_out\",\"to\":\"fe.exec_in\"},{\"from\":\"fe.exec_out\",\"to\":\"n.exec_in\"},"
        "{\"from\":\"g.value_ref\",\"to\":\"n.array_in\"},{\"from\":\"fe.value\",\"to\":\"n.value\"},"
        "{\"from\":\"n.exec_out\",\"to\":\"v.exec_in\"},{\"from\":\"n.array_out\",\"to\":\"v.value_in\"},"
        "{\"from\":\"fe.done\",\"to\":\"r.exec_in\"},{\"from\":\"g.value_ref\",\"to\":\"r.result\"}]}";
    CHECK_RESULT(tu_run(loop, NULL), "[\"a\",\"b\",\"c\"]");
}

/* ---- array_get ---------------------------------------------------------------------- */

static void test_get(void **state) {
    (void)state;
    CHECK_RESULT(get("[10,20,30]", "0", "element"), "10");
    CHECK_RESULT(get("[10,20,30]", "2", "element"), "30");
    CHECK_RESULT(get("[10,20,30]", "1", "success"), "true");
    CHECK_RESULT(get("[{\"a\":[1]},\"ü\"]", "0", "element"), "{\"a\":[1]}");
    CHECK_RESULT(get("[null]", "0", "element"), "null");
    CHECK_RESULT(get("[null]", "0", "success"), "true"); /* a null element is found */
}

static void test_get_out_of_range(void **state) {
    (void)state;
    const char *idx[] = {"3", "-1", "-3", "9223372036854775807", "-9223372036854775808"};
    for (size_t i = 0; i < sizeof idx / sizeof *idx; i++) {
        CHECK_RESULT(get("[10,20,30]", idx[i], "element"), "null");
        CHECK_RESULT(get("[10,20,30]", idx[i], "success"), "false");
    }
    CHECK_RESULT(get("[]", "0", "success"), "false");
    CHECK_RESULT(get("[]", "0", "element"), "null");
}

static void test_get_wrong_types(void **state) {
    (void)state;
    /* a whole float is an integer at run time; anything else fails */
    CHECK_RESULT(run_rerouted("{\"id\":\"n\",\"type\":\"array_get\",\"inputs\":{\"array_in\":[\"a\",\"b\"]}}",
                              "element", "1.0", "index"),
                 "\"b\"");
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"array_get\",\"inputs\":{\"array_in\":[\"a\",\"b\"]}}", "element",
                              "\"1\"", "index"),
                 "n", "input index", "string");
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"array_get\",\"inputs\":{\"index\":0}}", "element", "\"ab\"",
                              "array_in"),
                 "n", "input array_in", "string");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"array_get\",\"inputs\":{\"array_in\":[1]}}", "element"), "n",
                 "input index", "null");
    CHECK_INVALID(get("[1]", "\"0\"", "element"), "bad_value", "index");
    CHECK_INVALID(get("[1]", "0.5", "element"), "bad_value", "index");
    CHECK_INVALID(get("{\"0\":1}", "0", "element"), "bad_value", "array_in");
}

/* array_get's index from a computation inside a loop: re-evaluated each time. */
static void test_get_in_loop(void **state) {
    (void)state;
    const char *board =
        "{\"format\":\"weir-board/1\",\"id\":\"t\","
        "\"variables\":[{\"id\":\"out\",\"name\":\"out\",\"type\":\"generic\",\"value_type\":\"array\",\"default\":[]}],"
        "\"nodes\":[{\"id\":\"s\",\"type\":\"events_simple\"},"
        "{\"id\":\"fe\",\"type\":\"control_for_each\",\"inputs\":{\"array\":[0,1,2]}},"
        "{\"id\":\"sub\",\"type\":\"int_subtract\",\"inputs\":{\"integer1\":2}},"
        "{\"id\":\"ag\",\"type\":\"array_get\",\"inputs\":{\"array_in\":[\"x\",\"y\",\"z\"]}},"
        "{\"id\":\"g\",\"type\":\"variable_get\",\"inputs\":{\"var_ref\":\"out\"}},"
        "{\"id\":\"n\",\"type\":\"array_push\"},"
        "{\"id\":\"v\",\"type\":\"variable_set\",\"inputs\":{\"var_ref\":\"out\"}},"
        "{\"id\":\"r\",\"type\":\"return_result\"}],"
        "\"connections\":[{\"from\":\"s.exec_out\",\"to\":\"fe.exec_in\"},{\"from\":\"fe.exec_out\",\"to\":\"n.exec_in\"},"
        "{\"from\":\"fe.index\",\"to\":\"sub.integer2\"},{\"from\":\"sub.difference\",\"to\":\"ag.index\"},"
        "{\"from\":\"ag.element\",\"to\":\"n.value\"},{\"from\":\"g.value_ref\",\"to\":\"n.array_in\"},"
        "{\"from\":\"n.exec_out\",\"to\":\"v.exec_in\"},{\"from\":\"n.array_out\",\"to\":\"v.value_in\"},"
        "{\"from\":\"fe.done\",\"to\":\"r.exec_in\"},{\"from\":\"g.value_ref\",\"to\":\"r.result\"}]}";
    CHECK_RESULT(tu_run(board, NULL), "[\"z\",\"y\",\"x\"]");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_push),
        cmocka_unit_test(test_push_wrong_types),
        cmocka_unit_test(test_push_copies_and_loop),
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_get_out_of_range),
        cmocka_unit_test(test_get_wrong_types),
        cmocka_unit_test(test_get_in_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
