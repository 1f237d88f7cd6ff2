/* test_nodes_math.c — int_*, float_*, bool_and, bool_not and eval through
 * real boards: results, overflow, wrong types at run time (through a generic
 * reroute) and at validation (bad literals). */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers: one node under test (id "n") feeding return_result ---------- */

/* Run `node` (JSON text, id "n") after any `extra` nodes; its output `pin` is
 * the run's result. `exec` wires s → n → r; otherwise s → r and n is pulled. */
static json_t *run_node_ex(const char *node, const char *pin, bool exec, const char *extra_nodes,
                           const char *extra_conns) {
    char *nodes = NULL, *conns = NULL;
    if (asprintf(&nodes, "[{\"id\":\"s\",\"type\":\"events_simple\"},%s%s%s,{\"id\":\"r\",\"type\":\"return_result\"}]",
                 extra_nodes ? extra_nodes : "", extra_nodes ? "," : "", node) < 0)
        abort();
    if (exec) {
        if (asprintf(&conns,
                     "[{\"from\":\"s.exec_out\",\"to\":\"n.exec_in\"},{\"from\":\"n.exec_out\",\"to\":\"r.exec_in\"},"
                     "{\"from\":\"n.%s\",\"to\":\"r.result\"}%s%s]",
                     pin, extra_conns ? "," : "", extra_conns ? extra_conns : "") < 0)
            abort();
    } else {
        if (asprintf(&conns,
                     "[{\"from\":\"s.exec_out\",\"to\":\"r.exec_in\"},{\"from\":\"n.%s\",\"to\":\"r.result\"}%s%s]", pin,
                     extra_conns ? "," : "", extra_conns ? extra_conns : "") < 0)
            abort();
    }
    json_t *rep = tu_run_nodes(nodes, conns, NULL);
    free(nodes);
    free(conns);
    assert_non_null(rep);
    return rep;
}

static inline json_t *run_node(const char *node, const char *pin) { return run_node_ex(node, pin, false, NULL, NULL); }
static inline json_t *run_exec(const char *node, const char *pin) { return run_node_ex(node, pin, true, NULL, NULL); }

static void dump_report(json_t *rep) {
    char *d = json_dumps(rep, JSON_INDENT(2) | JSON_ENCODE_ANY);
    fprintf(stderr, "report: %.4000s\n", d ? d : "?");
    free(d);
}

/* The run completed with a result equal (json_equal: 3 and 3.0 differ) to `want`. */
static void check_result_at(json_t *rep, const char *want, const char *file, int line) {
    tu_assert_status(rep, "completed", file, line);
    json_error_t je;
    json_t *w = json_loads(want, JSON_DECODE_ANY, &je);
    if (!w) fail_msg("%s:%d: bad expected JSON %s: %s", file, line, want, je.text);
    if (!json_equal(w, tu_result(rep))) {
        dump_report(rep);
        fail_msg("%s:%d: result differs from %s", file, line, want);
    }
    json_decref(w);
    json_decref(rep);
}
#define CHECK_RESULT(rep, want) check_result_at((rep), (want), __FILE__, __LINE__)

/* The run failed at node `node` with code node_failed and a message that
 * contains every one of the NULL-terminated substrings. */
static void check_failed_at(json_t *rep, const char *node, const char *file, int line, ...) {
    tu_assert_status(rep, "failed", file, line);
    json_t *err = json_object_get(rep, "error");
    const char *code = json_string_value(json_object_get(err, "code"));
    const char *n = json_string_value(json_object_get(err, "node"));
    const char *msg = json_string_value(json_object_get(err, "message"));
    if (!code || strcmp(code, "node_failed") != 0 || !n || strcmp(n, node) != 0 || !msg || !*msg) {
        dump_report(rep);
        fail_msg("%s:%d: want node_failed at %s", file, line, node);
    }
    va_list ap;
    va_start(ap, line);
    for (const char *sub; (sub = va_arg(ap, const char *)) != NULL;) {
        if (!strstr(msg, sub)) {
            va_end(ap);
            dump_report(rep);
            fail_msg("%s:%d: message \"%s\" lacks \"%s\"", file, line, msg, sub);
        }
    }
    va_end(ap);
    json_decref(rep);
}
#define CHECK_FAILED(rep, node, ...) check_failed_at((rep), (node), __FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)

/* The board is invalid; the first error has `code` and names node "n" (and `pin` when not NULL). */
static void check_invalid_at(json_t *rep, const char *code, const char *pin, const char *file, int line) {
    const char *st = tu_status(rep);
    const char *got = tu_error_code(rep);
    json_t *e0 = json_array_get(json_object_get(rep, "errors"), 0);
    const char *node = json_string_value(json_object_get(e0, "node"));
    const char *p = json_string_value(json_object_get(e0, "pin"));
    if (strcmp(st, "invalid") != 0 || !got || strcmp(got, code) != 0 || !node || strcmp(node, "n") != 0 ||
        (pin && (!p || strcmp(p, pin) != 0))) {
        dump_report(rep);
        fail_msg("%s:%d: want an invalid board with %s at n%s%s", file, line, code, pin ? "." : "", pin ? pin : "");
    }
    json_decref(rep);
}
#define CHECK_INVALID(rep, code, pin) check_invalid_at((rep), (code), (pin), __FILE__, __LINE__)

/* A reroute "rr" carrying the literal `v` into n.`pin`. */
static json_t *run_rerouted(const char *node, const char *out_pin, const char *v, const char *in_pin) {
    char *rr = NULL, *conn = NULL;
    if (asprintf(&rr, "{\"id\":\"rr\",\"type\":\"reroute\",\"inputs\":{\"route_in\":%s}}", v) < 0) abort();
    if (asprintf(&conn, "{\"from\":\"rr.route_out\",\"to\":\"n.%s\"}", in_pin) < 0) abort();
    json_t *rep = run_node_ex(node, out_pin, false, rr, conn);
    free(rr);
    free(conn);
    return rep;
}

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
