/* test_nodes_json.c — repair_parse and parse_with_schema through real
 * boards: repairs, invalid JSON, schema mismatches, bad schemas, non-object
 * results, wrong types at run time, bad literals and error handling. */
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

/* repair_parse of `text` (a C string, quoted as JSON here). */
static json_t *repair(const char *text) {
    json_t *s = json_string(text);
    assert_non_null(s);
    char *lit = json_dumps(s, JSON_ENCODE_ANY);
    char *node = NULL;
    if (asprintf(&node, "{\"id\":\"n\",\"type\":\"repair_parse\",\"inputs\":{\"json_string\":%s}}", lit) < 0) abort();
    json_t *rep = run_exec(node, "result");
    free(node);
    free(lit);
    json_decref(s);
    return rep;
}

/* parse_with_schema of C strings `schema` and `data`. */
static json_t *parse(const char *schema, const char *data) {
    json_t *in = json_pack("{s:s, s:s}", "schema", schema, "data", data);
    assert_non_null(in);
    char *lit = json_dumps(in, 0);
    char *node = NULL;
    if (asprintf(&node, "{\"id\":\"n\",\"type\":\"parse_with_schema\",\"inputs\":%s}", lit) < 0) abort();
    json_t *rep = run_exec(node, "parsed");
    free(node);
    free(lit);
    json_decref(in);
    return rep;
}

/* ---- repair_parse ----------------------------------------------------------------------- */

static void test_repair_valid(void **state) {
    (void)state;
    CHECK_RESULT(repair("{\"a\":1,\"b\":[true,null],\"c\":{\"d\":\"ü\"}}"),
                 "{\"a\":1,\"b\":[true,null],\"c\":{\"d\":\"ü\"}}");
    CHECK_RESULT(repair("{}"), "{}");
    CHECK_RESULT(repair("  {\"x\": 1.5}\n"), "{\"x\":1.5}");
}

static void test_repair_repairs(void **state) {
    (void)state;
    CHECK_RESULT(repair("```json\n{\"answer\": 42}\n```"), "{\"answer\":42}");
    CHECK_RESULT(repair("Sure! Here is the JSON: {\"a\": 1} Hope it helps."), "{\"a\":1}");
    CHECK_RESULT(repair("{'a': 'b', c: [1, 2,],}"), "{\"a\":\"b\",\"c\":[1,2]}");
    CHECK_RESULT(repair("{\"a\": True, \"b\": None} // note"), "{\"a\":true,\"b\":null}");
    CHECK_RESULT(repair("{\"list\": [1, 2, {\"name\": \"trunc"), "{\"list\":[1,2,{\"name\":\"trunc\"}]}");
    CHECK_RESULT(repair("{\"emoji\": \"😀\", \"jp\": '日本'}"), "{\"emoji\":\"😀\",\"jp\":\"日本\"}");
}

static void test_repair_failures(void **state) {
    (void)state;
    CHECK_FAILED(repair("no json here"), "n", "json_string:");
    CHECK_FAILED(repair(""), "n", "json_string:");
    CHECK_FAILED(repair("{\"a\" 1}"), "n", "json_string:", "line");
    CHECK_FAILED(repair("{\"a\": NaN}"), "n", "json_string:");
    /* the output is a struct: other JSON values fail here, saying what they were */
    CHECK_FAILED(repair("[1, 2]"), "n", "an array", "not a JSON object");
    CHECK_FAILED(repair("42"), "n", "an integer", "not a JSON object");
    CHECK_FAILED(repair("\"text\""), "n", "a string", "not a JSON object");
    CHECK_FAILED(repair("null"), "n", "null", "not a JSON object");
}

static void test_repair_wrong_types(void **state) {
    (void)state;
    json_t *rep = run_node_ex("{\"id\":\"n\",\"type\":\"repair_parse\"}", "result", true,
                              "{\"id\":\"rr\",\"type\":\"reroute\",\"inputs\":{\"route_in\":{\"a\":1}}}",
                              "{\"from\":\"rr.route_out\",\"to\":\"n.json_string\"}");
    CHECK_FAILED(rep, "n", "json_string", "object");
    CHECK_FAILED(run_exec("{\"id\":\"n\",\"type\":\"repair_parse\"}", "result"), "n", "json_string", "null");
    CHECK_INVALID(run_exec("{\"id\":\"n\",\"type\":\"repair_parse\",\"inputs\":{\"json_string\":{\"a\":1}}}", "result"),
                  "bad_value", "json_string");
}

/* The result feeds struct pins directly. */
static void test_repair_then_get(void **state) {
    (void)state;
    json_t *rep = tu_run_nodes(
        "[{\"id\":\"s\",\"type\":\"events_simple\"},"
        "{\"id\":\"p\",\"type\":\"repair_parse\",\"inputs\":{\"json_string\":\"```\\n{items: [{name: 'x'}]}\\n```\"}},"
        "{\"id\":\"g\",\"type\":\"struct_get\",\"inputs\":{\"field\":\"items[0].name\"}},"
        "{\"id\":\"r\",\"type\":\"return_result\"}]",
        "[{\"from\":\"s.exec_out\",\"to\":\"p.exec_in\"},{\"from\":\"p.exec_out\",\"to\":\"r.exec_in\"},"
        "{\"from\":\"p.result\",\"to\":\"g.struct\"},{\"from\":\"g.value\",\"to\":\"r.result\"}]",
        NULL);
    CHECK_RESULT(rep, "\"x\"");
}

/* ---- parse_with_schema -------------------------------------------------------------------- */

static const char *person =
    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":3},"
    "\"age\":{\"type\":\"integer\",\"minimum\":0},\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
    "\"required\":[\"name\"],\"additionalProperties\":false}";

static void test_schema_valid(void **state) {
    (void)state;
    CHECK_RESULT(parse(person, "{\"name\":\"Ada\",\"age\":36}"), "{\"name\":\"Ada\",\"age\":36}");
    CHECK_RESULT(parse(person, "{\"name\":\"日本語\",\"tags\":[]}"), "{\"name\":\"日本語\",\"tags\":[]}"); /* code points */
    CHECK_RESULT(parse("true", "{\"anything\":[1]}"), "{\"anything\":[1]}");
    CHECK_RESULT(parse("{}", " {} "), "{}");
}

static void test_schema_mismatch(void **state) {
    (void)state;
    CHECK_FAILED(parse(person, "{\"age\":1}"), "n", "does not match the schema", "name");
    CHECK_FAILED(parse(person, "{\"name\":\"Ada\",\"age\":-1}"), "n", "does not match the schema", "/age");
    CHECK_FAILED(parse(person, "{\"name\":\"Adam\"}"), "n", "does not match the schema", "/name");
    CHECK_FAILED(parse(person, "{\"name\":\"A\",\"tags\":[\"x\",2]}"), "n", "does not match the schema", "/tags/1");
    CHECK_FAILED(parse(person, "{\"name\":\"A\",\"extra\":1}"), "n", "does not match the schema");
    CHECK_FAILED(parse("false", "{}"), "n", "does not match the schema");
}

static void test_schema_bad_schema(void **state) {
    (void)state;
    CHECK_FAILED(parse("{\"type\":", "{}"), "n", "schema is not valid JSON", "line 1");
    CHECK_FAILED(parse("", "{}"), "n", "schema is not valid JSON");
    CHECK_FAILED(parse("{\"type\":\"string\",\"pattern\":\"^a\"}", "{}"), "n", "schema:", "pattern");
    CHECK_FAILED(parse("{\"type\":\"strnig\"}", "{}"), "n", "schema:");
    CHECK_FAILED(parse("42", "{}"), "n", "schema:");
    /* a bad schema is reported even when the data would match it */
    CHECK_FAILED(parse("{\"type\":\"object\",\"if\":{}}", "{}"), "n", "schema:", "if");
}

static void test_schema_bad_data(void **state) {
    (void)state;
    CHECK_FAILED(parse(person, "{name: 'Ada'}"), "n", "data is not valid JSON"); /* strict: no repair */
    CHECK_FAILED(parse(person, ""), "n", "data is not valid JSON");
    CHECK_FAILED(parse(person, "{\"name\":\"A\"} trailing"), "n", "data is not valid JSON");
    CHECK_FAILED(parse(person, "{\"name\":\"A\",\"name\":\"B\"}"), "n", "data is not valid JSON", "duplicate");
    /* valid for the schema but not an object: the output is a struct */
    CHECK_FAILED(parse("{\"type\":\"array\"}", "[1,2]"), "n", "an array", "not a JSON object");
    CHECK_FAILED(parse("true", "\"s\""), "n", "a string", "not a JSON object");
}

static void test_schema_wrong_types(void **state) {
    (void)state;
    json_t *rep = run_node_ex("{\"id\":\"n\",\"type\":\"parse_with_schema\",\"inputs\":{\"data\":\"{}\"}}", "parsed",
                              true, "{\"id\":\"rr\",\"type\":\"reroute\",\"inputs\":{\"route_in\":{\"type\":\"object\"}}}",
                              "{\"from\":\"rr.route_out\",\"to\":\"n.schema\"}");
    CHECK_FAILED(rep, "n", "input schema", "object");
    CHECK_FAILED(run_exec("{\"id\":\"n\",\"type\":\"parse_with_schema\",\"inputs\":{\"schema\":\"true\"}}", "parsed"),
                 "n", "input data", "null");
    CHECK_INVALID(run_exec("{\"id\":\"n\",\"type\":\"parse_with_schema\",\"inputs\":{\"schema\":{},\"data\":\"{}\"}}",
                           "parsed"),
                  "bad_value", "schema");
    CHECK_INVALID(run_exec("{\"id\":\"n\",\"type\":\"parse_with_schema\",\"inputs\":{\"schema\":\"{}\",\"data\":{}}}",
                           "parsed"),
                  "bad_value", "data");
}

/* A mismatch with handle_errors runs the handler with the validator's message. */
static void test_schema_error_handled(void **state) {
    (void)state;
    json_t *rep = tu_run_nodes(
        "[{\"id\":\"s\",\"type\":\"events_simple\"},"
        "{\"id\":\"n\",\"type\":\"parse_with_schema\",\"handle_errors\":true,"
        "\"inputs\":{\"schema\":\"{\\\"required\\\":[\\\"id\\\"]}\",\"data\":\"{}\"}},"
        "{\"id\":\"r\",\"type\":\"return_result\"}]",
        "[{\"from\":\"s.exec_out\",\"to\":\"n.exec_in\"},{\"from\":\"n.auto_handle_error\",\"to\":\"r.exec_in\"},"
        "{\"from\":\"n.auto_handle_error_string\",\"to\":\"r.result\"}]",
        NULL);
    assert_completed(rep);
    const char *msg = json_string_value(tu_result(rep));
    assert_non_null(msg);
    assert_non_null(strstr(msg, "does not match the schema"));
    assert_non_null(strstr(msg, "id"));
    json_decref(rep);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repair_valid),
        cmocka_unit_test(test_repair_repairs),
        cmocka_unit_test(test_repair_failures),
        cmocka_unit_test(test_repair_wrong_types),
        cmocka_unit_test(test_repair_then_get),
        cmocka_unit_test(test_schema_valid),
        cmocka_unit_test(test_schema_mismatch),
        cmocka_unit_test(test_schema_bad_schema),
        cmocka_unit_test(test_schema_bad_data),
        cmocka_unit_test(test_schema_wrong_types),
        cmocka_unit_test(test_schema_error_handled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
