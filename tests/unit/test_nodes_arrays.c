/* test_nodes_arrays.c — array_length, array_push, array_get through real
 * boards: results, empty arrays, out-of-range indexes, copies that leave the
 * input untouched, wrong types at run time and bad literals. */
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

static json_t *length(const char *arr) {
    char *node = NULL;
    if (asprintf(&node, "{\"id\":\"n\",\"type\":\"array_length\",\"inputs\":{\"array\":%s}}", arr) < 0) abort();
    json_t *rep = run_node(node, "length");
    free(node);
    return rep;
}

static json_t *push(const char *arr, const char *v) {
    char *node = NULL;
    if (asprintf(&node, "{\"id\":\"n\",\"type\":\"array_push\",\"inputs\":{\"array_in\":%s%s%s}}", arr,
                 v ? ",\"value\":" : "", v ? v : "") < 0)
        abort();
    json_t *rep = run_exec(node, "array_out");
    free(node);
    return rep;
}

static json_t *get(const char *arr, const char *index, const char *pin) {
    char *node = NULL;
    if (asprintf(&node, "{\"id\":\"n\",\"type\":\"array_get\",\"inputs\":{\"array_in\":%s,\"index\":%s}}", arr, index) <
        0)
        abort();
    json_t *rep = run_node(node, pin);
    free(node);
    return rep;
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
