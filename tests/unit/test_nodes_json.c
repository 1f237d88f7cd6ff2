/* test_nodes_json.c — repair_parse and parse_with_schema through real
 * boards: repairs, invalid JSON, schema mismatches, bad schemas, non-object
 * results, wrong types at run time, bad literals and error handling. */
#include "nodetest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* repair_parse of `text` (a C string, quoted as JSON here). */
static json_t *repair(const char *text) {
    json_t *s = json_string(text);
    assert_non_null(s);
    char *lit = json_dumps(s, JSON_ENCODE_ANY);
    json_t *rep = run_execf("result", "{\"id\":\"n\",\"type\":\"repair_parse\",\"inputs\":{\"json_string\":%s}}", lit);
    free(lit);
    json_decref(s);
    return rep;
}

/* parse_with_schema of C strings `schema` and `data`. */
static json_t *parse(const char *schema, const char *data) {
    json_t *in = json_pack("{s:s, s:s}", "schema", schema, "data", data);
    assert_non_null(in);
    char *lit = json_dumps(in, 0);
    json_t *rep = run_execf("parsed", "{\"id\":\"n\",\"type\":\"parse_with_schema\",\"inputs\":%s}", lit);
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
    json_t *rep = run_error_handled("{\"id\":\"n\",\"type\":\"parse_with_schema\",\"handle_errors\":true,"
                                    "\"inputs\":{\"schema\":\"{\\\"required\\\":[\\\"id\\\"]}\",\"data\":\"{}\"}}");
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
