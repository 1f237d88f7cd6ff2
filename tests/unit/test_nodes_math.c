/* test_nodes_math.c — int_*, float_*, bool_and, bool_not and eval through
 * real boards: results, overflow, wrong types at run time (through a generic
 * reroute) and at validation (bad literals). */
#include "nodetest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- integers ---------------------------------------------------------------- */

static void test_int_add(void **state) {
    (void)state;
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"integer1\":2,\"integer2\":3}}", "sum"), "5");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"integer1\":-7,\"integer2\":3}}", "sum"), "-4");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"integer1\":9223372036854775807,"
                          "\"integer2\":0}}", "sum"), "9223372036854775807");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"integer1\":9223372036854775807,"
                          "\"integer2\":-9223372036854775807}}", "sum"), "0");
}

static void test_int_add_overflow(void **state) {
    (void)state;
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"integer1\":9223372036854775807,"
                          "\"integer2\":1}}", "sum"),
                 "n", "overflow", "9223372036854775807 + 1");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"integer1\":-9223372036854775808,"
                          "\"integer2\":-1}}", "sum"),
                 "n", "overflow");
}

static void test_int_subtract(void **state) {
    (void)state;
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_subtract\",\"inputs\":{\"integer1\":10,\"integer2\":3}}",
                          "difference"), "7");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_subtract\",\"inputs\":{\"integer1\":3,\"integer2\":10}}",
                          "difference"), "-7");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"int_subtract\",\"inputs\":{\"integer1\":-9223372036854775808,"
                          "\"integer2\":1}}", "difference"),
                 "n", "overflow");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"int_subtract\",\"inputs\":{\"integer1\":0,"
                          "\"integer2\":-9223372036854775808}}", "difference"),
                 "n", "overflow");
}

static void test_int_multiply(void **state) {
    (void)state;
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_multiply\",\"inputs\":{\"integer1\":6,\"integer2\":-7}}",
                          "product"), "-42");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_multiply\",\"inputs\":{\"integer1\":0,"
                          "\"integer2\":-9223372036854775808}}", "product"), "0");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"int_multiply\",\"inputs\":{\"integer1\":9223372036854775807,"
                          "\"integer2\":2}}", "product"),
                 "n", "overflow");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"int_multiply\",\"inputs\":{\"integer1\":-9223372036854775808,"
                          "\"integer2\":-1}}", "product"),
                 "n", "overflow");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"int_multiply\",\"inputs\":{\"integer1\":4294967296,"
                          "\"integer2\":4294967296}}", "product"),
                 "n", "overflow");
}

static void test_int_compare(void **state) {
    (void)state;
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_less_than\",\"inputs\":{\"integer1\":1,\"integer2\":2}}",
                          "less_than"), "true");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_less_than\",\"inputs\":{\"integer1\":2,\"integer2\":2}}",
                          "less_than"), "false");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_less_than\",\"inputs\":{\"integer1\":-9223372036854775808,"
                          "\"integer2\":9223372036854775807}}", "less_than"), "true");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_equal\",\"inputs\":{\"integer1\":3,\"integer2\":3}}", "equal"),
                 "true");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"int_equal\",\"inputs\":{\"integer1\":3,\"integer2\":-3}}", "equal"),
                 "false");
}

/* A float that holds an exact integer is accepted on an integer pin at run
 * time; anything else of the wrong type fails the node, naming the pin. */
static void test_int_wrong_types_at_run_time(void **state) {
    (void)state;
    const char *add = "{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"integer2\":3}}";
    CHECK_FAILED(run_rerouted(add, "sum", "\"2\"", "integer1"), "n", "integer1", "expected integer", "string");
    CHECK_FAILED(run_rerouted(add, "sum", "2.5", "integer1"), "n", "integer1", "float");
    CHECK_FAILED(run_rerouted(add, "sum", "true", "integer1"), "n", "integer1", "boolean");
    CHECK_FAILED(run_rerouted(add, "sum", "[1]", "integer1"), "n", "integer1", "array");
    CHECK_RESULT(run_rerouted(add, "sum", "4.0", "integer1"), "7");
    const char *eq = "{\"id\":\"n\",\"type\":\"int_equal\",\"inputs\":{\"integer1\":3}}";
    CHECK_FAILED(run_rerouted(eq, "equal", "{}", "integer2"), "n", "integer2", "object");
    /* an unconnected input without a literal reads null */
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"integer1\":1}}", "sum"), "n", "integer2",
                 "null");
}

static void test_int_bad_literals(void **state) {
    (void)state;
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"integer1\":\"2\",\"integer2\":3}}", "sum"),
                  "bad_value", "integer1");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"integer1\":2,\"integer2\":2.5}}", "sum"),
                  "bad_value", "integer2");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"int_less_than\",\"inputs\":{\"integer1\":true}}", "less_than"),
                  "bad_value", "integer1");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"int_equal\",\"inputs\":{\"integer1\":[1]}}", "equal"), "bad_value",
                  "integer1");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"int_add\",\"inputs\":{\"nope\":1}}", "sum"), "unknown_pin", "nope");
}

/* Pure nodes chain: (2 + 3) * (10 - 4) = 30, each re-evaluated on read. */
static void test_int_chain(void **state) {
    (void)state;
    json_t *rep = tu_run_nodes(
        "[{\"id\":\"s\",\"type\":\"events_simple\"},"
        "{\"id\":\"a\",\"type\":\"int_add\",\"inputs\":{\"integer1\":2,\"integer2\":3}},"
        "{\"id\":\"b\",\"type\":\"int_subtract\",\"inputs\":{\"integer1\":10,\"integer2\":4}},"
        "{\"id\":\"m\",\"type\":\"int_multiply\"},{\"id\":\"r\",\"type\":\"return_result\"}]",
        "[{\"from\":\"s.exec_out\",\"to\":\"r.exec_in\"},{\"from\":\"a.sum\",\"to\":\"m.integer1\"},"
        "{\"from\":\"b.difference\",\"to\":\"m.integer2\"},{\"from\":\"m.product\",\"to\":\"r.result\"}]",
        NULL);
    CHECK_RESULT(rep, "30");
    /* a failure upstream names the node that failed */
    rep = tu_run_nodes(
        "[{\"id\":\"s\",\"type\":\"events_simple\"},"
        "{\"id\":\"a\",\"type\":\"int_add\",\"inputs\":{\"integer1\":9223372036854775807,\"integer2\":3}},"
        "{\"id\":\"n\",\"type\":\"int_multiply\",\"inputs\":{\"integer2\":2}},{\"id\":\"r\",\"type\":\"return_result\"}]",
        "[{\"from\":\"s.exec_out\",\"to\":\"r.exec_in\"},{\"from\":\"a.sum\",\"to\":\"n.integer1\"},"
        "{\"from\":\"n.product\",\"to\":\"r.result\"}]",
        NULL);
    CHECK_FAILED(rep, "a", "overflow");
}

/* ---- floats ------------------------------------------------------------------ */

static void test_float_ops(void **state) {
    (void)state;
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"float_add\",\"inputs\":{\"float1\":1.5,\"float2\":2.25}}", "sum"),
                 "3.75");
    /* integers are accepted on float pins (literal and at run time); the result is a float */
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"float_add\",\"inputs\":{\"float1\":2,\"float2\":1}}", "sum"), "3.0");
    CHECK_RESULT(run_rerouted("{\"id\":\"n\",\"type\":\"float_add\",\"inputs\":{\"float2\":0.5}}", "sum", "2", "float1"),
                 "2.5");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"float_multiply\",\"inputs\":{\"float1\":-1.5,\"float2\":4}}",
                          "product"), "-6.0");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"float_multiply\",\"inputs\":{\"float1\":1e-300,\"float2\":1e-300}}",
                          "product"), "0.0");
}

static void test_float_not_finite(void **state) {
    (void)state;
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"float_add\",\"inputs\":{\"float1\":1.7e308,\"float2\":1.7e308}}",
                          "sum"), "n", "not a finite number");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"float_multiply\",\"inputs\":{\"float1\":1e308,\"float2\":-10}}",
                          "product"), "n", "not a finite number");
}

static void test_float_wrong_types(void **state) {
    (void)state;
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"float_add\",\"inputs\":{\"float2\":1}}", "sum", "\"1.5\"",
                              "float1"), "n", "float1", "string");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"float_multiply\",\"inputs\":{\"float1\":1}}", "product"), "n",
                 "float2", "null");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"float_add\",\"inputs\":{\"float1\":\"x\"}}", "sum"), "bad_value",
                  "float1");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"float_multiply\",\"inputs\":{\"float2\":null}}", "product"),
                  "bad_value", "float2");
}

/* ---- booleans ------------------------------------------------------------------ */

static void test_bool_and(void **state) {
    (void)state;
    /* two copies by default, each defaulting to false */
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"bool_and\"}", "result"), "false");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"bool_and\",\"inputs\":{\"boolean\":true}}", "result"), "false");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"bool_and\",\"inputs\":{\"boolean\":true,\"boolean#2\":true}}",
                          "result"), "true");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"bool_and\",\"pin_counts\":{\"boolean\":3},"
                          "\"inputs\":{\"boolean#1\":true,\"boolean#2\":true}}", "result"), "false");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"bool_and\",\"pin_counts\":{\"boolean\":3},"
                          "\"inputs\":{\"boolean#1\":true,\"boolean#2\":true,\"boolean#3\":true}}", "result"), "true");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"bool_and\",\"pin_counts\":{\"boolean\":1},"
                          "\"inputs\":{\"boolean\":true}}", "result"), "true");
}

static void test_bool_and_wired(void **state) {
    (void)state;
    /* boolean#2 from int_less_than */
    json_t *rep = run_node_ex("{\"id\":\"n\",\"type\":\"bool_and\",\"inputs\":{\"boolean\":true}}", "result", false,
                              "{\"id\":\"lt\",\"type\":\"int_less_than\",\"inputs\":{\"integer1\":1,\"integer2\":2}}",
                              "{\"from\":\"lt.less_than\",\"to\":\"n.boolean#2\"}");
    CHECK_RESULT(rep, "true");
    /* a wrong type on any copy fails, even after a false one (no short circuit) */
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"bool_and\",\"inputs\":{\"boolean\":false}}", "result",
                              "\"true\"", "boolean#2"), "n", "boolean", "string");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"bool_and\",\"inputs\":{\"boolean#2\":\"yes\"}}", "result"),
                  "bad_value", "boolean#2");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"bool_and\",\"inputs\":{\"boolean#3\":true}}", "result"),
                  "unknown_pin", "boolean#3");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"bool_and\",\"pin_counts\":{\"boolean\":0}}", "result"),
                  "bad_value", "boolean");
}

static void test_bool_not(void **state) {
    (void)state;
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"bool_not\"}", "result"), "true"); /* default false */
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"bool_not\",\"inputs\":{\"boolean\":true}}", "result"), "false");
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"bool_not\"}", "result", "0", "boolean"), "n", "boolean",
                 "integer");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"bool_not\",\"inputs\":{\"boolean\":1}}", "result"), "bad_value",
                  "boolean");
}

/* ---- eval ------------------------------------------------------------------------ */

static void test_eval(void **state) {
    (void)state;
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"eval\",\"inputs\":{\"expression\":\"2 * (3 + 4)\"}}", "result"),
                 "14.0");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"eval\",\"inputs\":{\"expression\":\"sqrt(16) + 2^-1\"}}", "result"),
                 "4.5");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"eval\",\"inputs\":{\"expression\":\"-2^2\"}}", "result"), "-4.0");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"eval\",\"inputs\":{\"expression\":\"1/0\"}}", "result"), "n",
                 "expression:");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"eval\",\"inputs\":{\"expression\":\"\"}}", "result"), "n",
                 "expression:");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"eval\",\"inputs\":{\"expression\":\"system(\\\"ls\\\")\"}}",
                          "result"), "n", "expression:");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"eval\",\"inputs\":{\"expression\":\"(1+2\"}}", "result"), "n",
                 "expression:");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"eval\",\"inputs\":{\"expression\":\"10^400\"}}", "result"), "n",
                 "expression:");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"eval\",\"inputs\":{\"expression\":\"π\"}}", "result"), "n",
                 "expression:");
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"eval\"}", "result", "42", "expression"), "n", "expression",
                 "integer");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"eval\",\"inputs\":{\"expression\":42}}", "result"), "bad_value",
                  "expression");
}

/* eval feeds float pins; its expression can come from string_format. */
static void test_eval_wired(void **state) {
    (void)state;
    json_t *rep = run_node_ex("{\"id\":\"n\",\"type\":\"float_add\",\"inputs\":{\"float2\":0.5}}", "sum", false,
                              "{\"id\":\"f\",\"type\":\"string_format\",\"inputs\":{\"format_string\":\"{a} * 3\","
                              "\"a\":7}},{\"id\":\"e\",\"type\":\"eval\"}",
                              "{\"from\":\"f.formatted_string\",\"to\":\"e.expression\"},"
                              "{\"from\":\"e.result\",\"to\":\"n.float1\"}");
    CHECK_RESULT(rep, "21.5");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_add),
        cmocka_unit_test(test_int_add_overflow),
        cmocka_unit_test(test_int_subtract),
        cmocka_unit_test(test_int_multiply),
        cmocka_unit_test(test_int_compare),
        cmocka_unit_test(test_int_wrong_types_at_run_time),
        cmocka_unit_test(test_int_bad_literals),
        cmocka_unit_test(test_int_chain),
        cmocka_unit_test(test_float_ops),
        cmocka_unit_test(test_float_not_finite),
        cmocka_unit_test(test_float_wrong_types),
        cmocka_unit_test(test_bool_and),
        cmocka_unit_test(test_bool_and_wired),
        cmocka_unit_test(test_bool_not),
        cmocka_unit_test(test_eval),
        cmocka_unit_test(test_eval_wired),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
