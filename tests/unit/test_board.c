/* test_board.c — every validation rule of boards.md §1, error locations,
 * limits, and load → save → load stability. */
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "board/board.h"
#include "testutil.h"

#define HEAD "{\"format\": \"weir-board/1\", \"id\": \"b\", "
#define START "{\"id\": \"s\", \"type\": \"events_simple\"}"

/* The first error of a board, as (code, node, pin). */
static void expect_error(const char *board, const char *code, const char *node, const char *pin) {
    json_t *v = tu_validate(board);
    json_t *errs = json_object_get(v, "errors");
    bool found = false;
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e) {
        const char *c = json_string_value(json_object_get(e, "code"));
        const char *n = json_string_value(json_object_get(e, "node"));
        const char *p = json_string_value(json_object_get(e, "pin"));
        if (strcmp(c, code) == 0 && (!node || (n && strcmp(n, node) == 0)) && (!pin || (p && strcmp(p, pin) == 0)))
            found = true;
    }
    if (!found) {
        char *dump = json_dumps(v, JSON_INDENT(2));
        fail_msg("expected %s (node %s, pin %s) in:\n%s", code, node ? node : "-", pin ? pin : "-", dump);
    }
    assert_true(json_is_false(json_object_get(v, "valid")));
    json_decref(v);
}

static void expect_valid(const char *board) {
    json_t *v = tu_validate(board);
    if (!json_is_true(json_object_get(v, "valid"))) {
        char *dump = json_dumps(v, JSON_INDENT(2));
        fail_msg("expected valid:\n%s", dump);
    }
    json_decref(v);
}

static void test_valid_minimal(void **state) {
    (void)state;
    expect_valid(HEAD "\"nodes\": [" START "]}");
}

static void test_duplicate_id(void **state) {
    (void)state;
    expect_error(HEAD "\"nodes\": [" START ", " START "]}", "duplicate_id", "s", NULL);
    expect_error(HEAD "\"variables\": [{\"id\": \"v\", \"type\": \"integer\"}, {\"id\": \"v\", \"type\": \"string\"}],"
                      "\"nodes\": [" START "]}",
                 "duplicate_id", NULL, NULL);
    expect_error(HEAD "\"nodes\": [" START "], \"comments\": [{\"id\": \"c\"}, {\"id\": \"c\"}]}", "duplicate_id", NULL,
                 NULL);
}

static void test_unknown_node_type(void **state) {
    (void)state;
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"x\", \"type\": \"no_such_node\"}]}", "unknown_node_type", "x",
                 NULL);
}

static void test_unknown_pin(void **state) {
    (void)state;
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"l\", \"type\": \"log_info\"}],"
                      "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"l.nope\"}]}",
                 "unknown_pin", "l", "nope");
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"l\", \"type\": \"log_info\", \"inputs\": {\"msg\": 1}}]}",
                 "unknown_pin", "l", "msg");
    /* #k past pin_counts */
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"q\", \"type\": \"control_sequence\"},"
                      "{\"id\": \"l\", \"type\": \"log_info\"}],"
                      "\"connections\": [{\"from\": \"q.exec_out#3\", \"to\": \"l.exec_in\"}]}",
                 "unknown_pin", "q", "exec_out");
    /* an inputs key naming an output */
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"l\", \"type\": \"log_info\", \"inputs\": {\"exec_out\": 1}}]}",
                 "unknown_pin", "l", "exec_out");
}

static void test_repeated_pins(void **state) {
    (void)state;
    expect_valid(HEAD "\"nodes\": [" START ", {\"id\": \"q\", \"type\": \"control_sequence\", \"pin_counts\": "
                      "{\"exec_out\": 3}}, {\"id\": \"l\", \"type\": \"log_info\"}],"
                      "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"q.exec_in\"},"
                      "{\"from\": \"q.exec_out#3\", \"to\": \"l.exec_in\"}]}");
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"q\", \"type\": \"control_sequence\", \"pin_counts\": "
                      "{\"exec_out\": 0}}]}",
                 "bad_value", "q", "exec_out");
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"q\", \"type\": \"control_sequence\", \"pin_counts\": "
                      "{\"exec_in\": 3}}]}",
                 "unknown_pin", "q", "exec_in");
}

static void test_wrong_direction(void **state) {
    (void)state;
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"l\", \"type\": \"log_info\"}],"
                      "\"connections\": [{\"from\": \"l.exec_in\", \"to\": \"s.exec_out\"}]}",
                 "wrong_direction", NULL, NULL);
}

static void test_type_mismatch(void **state) {
    (void)state;
    /* execution → data */
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"l\", \"type\": \"log_info\"}],"
                      "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"l.message\"}]}",
                 "type_mismatch", "l", "message");
    /* boolean → float */
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"d\", \"type\": \"control_do_once\"},"
                      "{\"id\": \"w\", \"type\": \"delay\"}],"
                      "\"connections\": [{\"from\": \"d.has_fired\", \"to\": \"w.time\"}]}",
                 "type_mismatch", "w", "time");
    /* integer → float is allowed; generic accepts anything */
    expect_valid(HEAD "\"nodes\": [" START ", {\"id\": \"n\", \"type\": \"control_do_n\"},"
                      "{\"id\": \"w\", \"type\": \"delay\"}, {\"id\": \"l\", \"type\": \"log_info\"}],"
                      "\"connections\": [{\"from\": \"n.index\", \"to\": \"w.time\"},"
                      "{\"from\": \"n.remaining\", \"to\": \"l.message\"}]}");
}

static void test_multiple_sources_and_fanout(void **state) {
    (void)state;
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"n\", \"type\": \"control_do_n\"},"
                      "{\"id\": \"l\", \"type\": \"log_info\"}],"
                      "\"connections\": [{\"from\": \"n.index\", \"to\": \"l.message\"},"
                      "{\"from\": \"n.remaining\", \"to\": \"l.message\"}]}",
                 "multiple_sources", "l", "message");
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"a\", \"type\": \"log_info\"},"
                      "{\"id\": \"b\", \"type\": \"log_info\"}],"
                      "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"a.exec_in\"},"
                      "{\"from\": \"s.exec_out\", \"to\": \"b.exec_in\"}]}",
                 "exec_fanout", "s", "exec_out");
    /* many execution outputs may join one input */
    expect_valid(HEAD "\"nodes\": [" START ", {\"id\": \"q\", \"type\": \"control_sequence\"},"
                      "{\"id\": \"b\", \"type\": \"log_info\"}],"
                      "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"q.exec_in\"},"
                      "{\"from\": \"q.exec_out#1\", \"to\": \"b.exec_in\"},"
                      "{\"from\": \"q.exec_out#2\", \"to\": \"b.exec_in\"}]}");
}

static void test_self_connection(void **state) {
    (void)state;
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"l\", \"type\": \"log_info\"}],"
                      "\"connections\": [{\"from\": \"l.exec_out\", \"to\": \"l.exec_in\"}]}",
                 "self_connection", "l", NULL);
}

static void test_data_cycle(void **state) {
    (void)state;
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"a\", \"type\": \"reroute\"}, {\"id\": \"b\", \"type\": "
                      "\"reroute\"}, {\"id\": \"c\", \"type\": \"reroute\"}],"
                      "\"connections\": [{\"from\": \"a.route_out\", \"to\": \"b.route_in\"},"
                      "{\"from\": \"b.route_out\", \"to\": \"c.route_in\"},"
                      "{\"from\": \"c.route_out\", \"to\": \"a.route_in\"}]}",
                 "data_cycle", NULL, NULL);
    /* a cycle through an execution node is a loop, not a data cycle */
    expect_valid(HEAD "\"variables\": [{\"id\": \"v\", \"type\": \"generic\"}],"
                      "\"nodes\": [" START ", {\"id\": \"a\", \"type\": \"reroute\"},"
                      "{\"id\": \"set\", \"type\": \"variable_set\", \"inputs\": {\"var_ref\": \"v\"}}],"
                      "\"connections\": [{\"from\": \"set.value_ref\", \"to\": \"a.route_in\"},"
                      "{\"from\": \"a.route_out\", \"to\": \"set.value_in\"}]}");
}

static void test_unknown_variable(void **state) {
    (void)state;
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"g\", \"type\": \"variable_get\", \"inputs\": {\"var_ref\": "
                      "\"missing\"}}]}",
                 "unknown_variable", "g", "var_ref");
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"g\", \"type\": \"variable_get\"}]}", "unknown_variable", "g",
                 "var_ref");
}

static void test_bad_value(void **state) {
    (void)state;
    expect_error(HEAD "\"nodes\": [" START ", {\"id\": \"w\", \"type\": \"delay\", \"inputs\": {\"time\": \"soon\"}}]}",
                 "bad_value", "w", "time");
    expect_error(HEAD "\"variables\": [{\"id\": \"v\", \"type\": \"integer\", \"default\": 1.5}],"
                      "\"nodes\": [" START "]}",
                 "bad_value", NULL, NULL);
    expect_error(HEAD "\"variables\": [{\"id\": \"v\", \"type\": \"date\", \"default\": \"yesterday\"}],"
                      "\"nodes\": [" START "]}",
                 "bad_value", NULL, NULL);
    expect_error(HEAD "\"variables\": [{\"id\": \"v\", \"type\": \"bytes\", \"default\": \"not base64!\"}],"
                      "\"nodes\": [" START "]}",
                 "bad_value", NULL, NULL);
    expect_error(HEAD "\"variables\": [{\"id\": \"v\", \"type\": \"integer\", \"value_type\": \"array\", "
                      "\"default\": [1, \"2\"]}], \"nodes\": [" START "]}",
                 "bad_value", NULL, NULL);
    expect_error(HEAD "\"variables\": [{\"id\": \"v\", \"type\": \"integer\", \"value_type\": \"set\", "
                      "\"default\": [1, 2, 1]}], \"nodes\": [" START "]}",
                 "bad_value", NULL, NULL);
    expect_valid(HEAD "\"variables\": [{\"id\": \"v\", \"type\": \"date\", \"default\": \"2026-11-29T10:00:00.5+01:00\"},"
                      "{\"id\": \"w\", \"type\": \"bytes\", \"default\": \"aGk=\"},"
                      "{\"id\": \"m\", \"type\": \"float\", \"value_type\": \"map\", \"default\": {\"a\": 1, \"b\": 2.5}}],"
                      "\"nodes\": [" START "]}");
}

static void test_no_start(void **state) {
    (void)state;
    expect_error(HEAD "\"nodes\": [{\"id\": \"l\", \"type\": \"log_info\"}]}", "no_start", NULL, NULL);
    expect_error(HEAD "\"nodes\": []}", "no_start", NULL, NULL);
}

static void test_json_errors_have_line_and_column(void **state) {
    (void)state;
    json_t *v = tu_validate("{\n  \"format\": \"weir-board/1\",\n  \"nodes\": [,]\n}");
    json_t *e = json_array_get(json_object_get(v, "errors"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "code")), "invalid_json");
    assert_int_equal(json_integer_value(json_object_get(e, "line")), 3);
    assert_true(json_integer_value(json_object_get(e, "column")) > 0);
    json_decref(v);
    expect_error("[]", "invalid_board", NULL, NULL);
    expect_error("{\"format\": \"weir-board/2\", \"id\": \"b\", \"nodes\": []}", "unsupported_format", NULL, NULL);
    expect_error("{\"format\": \"weir-board/1\", \"id\": \"b\", \"id\": \"c\", \"nodes\": []}", "invalid_json", NULL,
                 NULL);
    expect_error("", "invalid_json", NULL, NULL);
    expect_error(HEAD "\"nodes\": {}}", "invalid_board", NULL, NULL);
    expect_error(HEAD "\"nodes\": [" START ", 42]}", "invalid_board", NULL, NULL);
}

static void test_deep_nesting_and_size(void **state) {
    (void)state;
    size_t depth = 200000;
    char *deep = malloc(depth * 2 + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[depth * 2] = '\0';
    expect_error(deep, "invalid_json", NULL, NULL);
    free(deep);
    board_errors errs;
    size_t big = 17u * 1024 * 1024;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[big] = '\0';
    assert_null(board_load(huge, big, catalog_builtin(), &errs));
    assert_string_equal(errs.items[0].code, "board_too_large");
    board_errors_free(&errs);
    free(huge);
}

static void test_error_limit(void **state) {
    (void)state;
    /* 3,000 unknown nodes: 1,000 errors kept, the rest counted */
    size_t n = 3000;
    char *b = malloc(n * 64 + 256);
    size_t len = (size_t)sprintf(b, HEAD "\"nodes\": [" START);
    for (size_t i = 0; i < n; i++) len += (size_t)sprintf(b + len, ", {\"id\": \"n%zu\", \"type\": \"zz\"}", i);
    strcpy(b + len, "]}");
    json_t *v = tu_validate(b);
    json_t *errs = json_object_get(v, "errors");
    assert_int_equal(json_array_size(errs), 1001);
    json_t *last = json_array_get(errs, 1000);
    assert_string_equal(json_string_value(json_object_get(last, "code")), "too_many_errors");
    json_decref(v);
    free(b);
}

/* A string_format with `extra` placeholders: the node has 2 + extra pins. */
static char *format_board(size_t extra) {
    char *b = malloc(extra * 16 + 512);
    size_t len = (size_t)sprintf(b, HEAD "\"nodes\": [" START ", {\"id\": \"f\", \"type\": \"string_format\", "
                                        "\"inputs\": {\"format_string\": \"");
    for (size_t i = 0; i < extra; i++) len += (size_t)sprintf(b + len, "{p%zu}", i);
    strcpy(b + len, "\"}}]}");
    return b;
}

static void test_node_pin_limit(void **state) {
    (void)state;
    char *b = format_board(BOARD_MAX_NODE_PINS - 2); /* exactly at the limit */
    expect_valid(b);
    free(b);
    b = format_board(BOARD_MAX_NODE_PINS - 1);
    expect_error(b, "limit_exceeded", "f", NULL);
    free(b);
}

static void test_node_count_limit(void **state) {
    (void)state;
    size_t n = BOARD_MAX_NODES; /* the start node makes it one more */
    char *b = malloc(n * 48 + 256);
    size_t len = (size_t)sprintf(b, HEAD "\"nodes\": [" START);
    for (size_t i = 0; i < n; i++) len += (size_t)sprintf(b + len, ", {\"id\": \"n%zu\", \"type\": \"reroute\"}", i);
    strcpy(b + len, "]}");
    expect_error(b, "limit_exceeded", NULL, NULL);
    free(b);
}

static void test_save_roundtrip(void **state) {
    (void)state;
    size_t len;
    char *text = tu_read_file(WEIR_SOURCE_DIR "/examples/hello.board.json", &len);
    assert_non_null(text);
    board_errors errs;
    plan *p = board_load(text, len, catalog_builtin(), &errs);
    assert_non_null(p);
    char *saved = board_save(p->doc);
    plan *p2 = board_load(saved, strlen(saved), catalog_builtin(), &errs);
    assert_non_null(p2);
    char *saved2 = board_save(p2->doc);
    assert_string_equal(saved, saved2);
    /* canonical order puts "format" first */
    assert_true(strncmp(saved, "{\n  \"format\"", 12) == 0);
    free(saved);
    free(saved2);
    plan_free(p);
    plan_free(p2);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_minimal),
        cmocka_unit_test(test_duplicate_id),
        cmocka_unit_test(test_unknown_node_type),
        cmocka_unit_test(test_unknown_pin),
        cmocka_unit_test(test_repeated_pins),
        cmocka_unit_test(test_wrong_direction),
        cmocka_unit_test(test_type_mismatch),
        cmocka_unit_test(test_multiple_sources_and_fanout),
        cmocka_unit_test(test_self_connection),
        cmocka_unit_test(test_data_cycle),
        cmocka_unit_test(test_unknown_variable),
        cmocka_unit_test(test_bad_value),
        cmocka_unit_test(test_no_start),
        cmocka_unit_test(test_json_errors_have_line_and_column),
        cmocka_unit_test(test_deep_nesting_and_size),
        cmocka_unit_test(test_error_limit),
        cmocka_unit_test(test_node_pin_limit),
        cmocka_unit_test(test_node_count_limit),
        cmocka_unit_test(test_save_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
