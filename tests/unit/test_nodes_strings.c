/* test_nodes_strings.c — string_format, string_join, string_split,
 * string_contains, equal_string, val_to_string through real boards:
 * placeholders and escapes, values as text, UTF-8, empty inputs, limits,
 * wrong types at run time and bad literals. */
#include "nodetest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

/* string_format with literal inputs given as a JSON object text. */
static json_t *fmt(const char *inputs) {
    return run_nodef("formatted_string", "{\"id\":\"n\",\"type\":\"string_format\",\"inputs\":%s}", inputs);
}

/* val_to_string of a literal value (JSON text); pretty NULL keeps the default. */
static json_t *to_string(const char *v, const char *pretty) {
    return run_nodef("string", "{\"id\":\"n\",\"type\":\"val_to_string\",\"inputs\":{\"value\":%s%s%s}}", v,
                     pretty ? ",\"pretty\":" : "", pretty ? pretty : "");
}

static json_t *split(const char *s, const char *sep) {
    return run_nodef("substrings", "{\"id\":\"n\",\"type\":\"string_split\",\"inputs\":{\"string\":%s,\"separator\":%s}}",
                     s, sep);
}

static json_t *join(const char *arr, const char *sep) {
    return run_nodef("joined_string",
                     "{\"id\":\"n\",\"type\":\"string_join\",\"inputs\":{\"strings\":%s,\"separator\":%s}}", arr, sep);
}

static json_t *contains(const char *s, const char *sub) {
    return run_nodef("contains",
                     "{\"id\":\"n\",\"type\":\"string_contains\",\"inputs\":{\"string\":%s,\"substring\":%s}}", s, sub);
}

/* ---- string_format --------------------------------------------------------------- */

static void test_format_basic(void **state) {
    (void)state;
    CHECK_RESULT(fmt("{\"format_string\":\"Hello, {name}!\",\"name\":\"Ada\"}"), "\"Hello, Ada!\"");
    CHECK_RESULT(fmt("{\"format_string\":\"{a}{b}{a}\",\"a\":\"x\",\"b\":\"y\"}"), "\"xyx\"");
    CHECK_RESULT(fmt("{\"format_string\":\"no placeholders\"}"), "\"no placeholders\"");
    CHECK_RESULT(fmt("{\"format_string\":\"\"}"), "\"\"");
    CHECK_RESULT(fmt("{\"format_string\":\"{_x1}\",\"_x1\":\"\"}"), "\"\"");
    CHECK_RESULT(fmt("{\"format_string\":\"grüße {wer} 🌍\",\"wer\":\"世界\"}"), "\"grüße 世界 🌍\"");
}

static void test_format_values(void **state) {
    (void)state;
    CHECK_RESULT(fmt("{\"format_string\":\"{i}|{f}|{g}|{w}|{t}|{n}\",\"i\":-42,\"f\":0.1,\"g\":1e300,\"w\":3.0,"
                     "\"t\":true,\"n\":null}"),
                 "\"-42|0.1|1e+300|3.0|true|null\"");
    CHECK_RESULT(fmt("{\"format_string\":\"obj={o} arr={a}\",\"o\":{\"k\":\"v\\\"q\",\"n\":[1,{}]},\"a\":[\"x\",0.5]}"),
                 "\"obj={\\\"k\\\":\\\"v\\\\\\\"q\\\",\\\"n\\\":[1,{}]} arr=[\\\"x\\\",0.5]\"");
    /* an unset placeholder input reads null */
    CHECK_RESULT(fmt("{\"format_string\":\"[{unset}]\"}"), "\"[null]\"");
}

static void test_format_escapes(void **state) {
    (void)state;
    CHECK_RESULT(fmt("{\"format_string\":\"{{literal}} {{{a}}}\",\"a\":1}"), "\"{literal} {1}\"");
    CHECK_RESULT(fmt("{\"format_string\":\"}} and }\"}"), "\"} and }\"");
    CHECK_RESULT(fmt("{\"format_string\":\"{{\"}"), "\"{\"");
    CHECK_RESULT(fmt("{\"format_string\":\"open { only\"}"), "\"open { only\"");
    /* the node's own pin names get no placeholder pin: left as they are */
    CHECK_RESULT(fmt("{\"format_string\":\"{format_string}/{formatted_string}/{a}\",\"a\":1}"),
                 "\"{format_string}/{formatted_string}/1\"");
    /* braces around anything but a name of 1-64 letters, digits or _ are text */
    CHECK_RESULT(fmt("{\"format_string\":\"{not valid} {} {\\\"a\\\": {x}}\",\"x\":1}"),
                 "\"{not valid} {} {\\\"a\\\": 1}\"");
    char *long_name = NULL; /* 65 characters: not a placeholder */
    if (asprintf(&long_name, "{\"format_string\":\"{%065d}\"}", 0) < 0) abort();
    CHECK_RESULT(fmt(long_name), "\"{00000000000000000000000000000000000000000000000000000000000000000}\"");
    free(long_name);
    CHECK_INVALID(fmt("{\"format_string\":5}"), "bad_value", "format_string");
    CHECK_INVALID(fmt("{\"format_string\":\"{a}\",\"b\":1}"), "unknown_pin", "b");
}

static void test_format_wired(void **state) {
    (void)state;
    /* a placeholder wired from another node */
    json_t *rep = run_node_ex("{\"id\":\"n\",\"type\":\"string_format\",\"inputs\":{\"format_string\":\"sum={x}\"}}",
                              "formatted_string", false,
                              "{\"id\":\"a\",\"type\":\"int_add\",\"inputs\":{\"integer1\":40,\"integer2\":2}}",
                              "{\"from\":\"a.sum\",\"to\":\"n.x\"}");
    CHECK_RESULT(rep, "\"sum=42\"");
    /* a format string that arrives at run time has no pins: placeholders stay,
     * escapes still apply */
    CHECK_RESULT(run_rerouted("{\"id\":\"n\",\"type\":\"string_format\"}", "formatted_string",
                              "\"Hi {name}, {{x}} {\\\"json\\\": 1}\"", "format_string"),
                 "\"Hi {name}, {x} {\\\"json\\\": 1}\"");
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"string_format\"}", "formatted_string", "[1]", "format_string"),
                 "n", "format_string", "array");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"string_format\"}", "formatted_string"), "n", "format_string",
                 "null");
}

/* Strings a node builds may be STRING_MAX_BYTES long, not one byte more. */
static void test_format_limit(void **state) {
    (void)state;
    size_t part = STRING_MAX_BYTES / 16;
    assert_int_equal(part * 16, STRING_MAX_BYTES);
    char *big = malloc(part + 1);
    memset(big, 'a', part);
    big[part] = '\0';
    char *inputs = NULL;
    if (asprintf(&inputs, "{\"format_string\":\"{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}\",\"a\":\"%s\"}", big) <
        0)
        abort();
    json_t *rep = fmt(inputs);
    assert_completed(rep);
    assert_int_equal(json_string_length(tu_result(rep)), STRING_MAX_BYTES);
    json_decref(rep);
    free(inputs);
    if (asprintf(&inputs, "{\"format_string\":\"{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}!\",\"a\":\"%s\"}", big) <
        0)
        abort();
    CHECK_FAILED(fmt(inputs), "n", "limit");
    free(inputs);
    /* a non-string value too: 16 × the array ["aaa…"] */
    if (asprintf(&inputs, "{\"format_string\":\"{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}{a}\",\"a\":[\"%s\"]}",
                 big) < 0)
        abort();
    CHECK_FAILED(fmt(inputs), "n", "limit");
    free(inputs);
    free(big);
}

/* ---- string_join ------------------------------------------------------------------ */

static void test_join(void **state) {
    (void)state;
    CHECK_RESULT(join("[\"a\",\"b\",\"c\"]", "\", \""), "\"a, b, c\"");
    CHECK_RESULT(join("[\"a\",\"b\"]", "\"\""), "\"ab\"");
    CHECK_RESULT(join("[\"only\"]", "\"-\""), "\"only\"");
    CHECK_RESULT(join("[]", "\"-\""), "\"\"");
    CHECK_RESULT(join("[\"\",\"\"]", "\"/\""), "\"/\"");
    CHECK_RESULT(join("[\"日本\",\"語\"]", "\"・\""), "\"日本・語\"");
}

static void test_join_wrong_types(void **state) {
    (void)state;
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"string_join\",\"inputs\":{\"separator\":\",\"}}", "joined_string",
                              "[\"a\",2]", "strings"),
                 "n", "strings", "element 1", "integer");
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"string_join\",\"inputs\":{\"separator\":\",\"}}", "joined_string",
                              "[null]", "strings"),
                 "n", "element 0", "null");
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"string_join\",\"inputs\":{\"separator\":\",\"}}", "joined_string",
                              "\"abc\"", "strings"),
                 "n", "strings", "string");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"string_join\",\"inputs\":{\"strings\":[\"a\"]}}", "joined_string"),
                 "n", "separator", "null");
    CHECK_INVALID(join("[\"a\",1]", "\",\""), "bad_value", "strings");
    CHECK_INVALID(join("\"a\"", "\",\""), "bad_value", "strings");
    CHECK_INVALID(join("[\"a\"]", "0"), "bad_value", "separator");
}

/* ---- string_split ----------------------------------------------------------------- */

static void test_split(void **state) {
    (void)state;
    CHECK_RESULT(split("\"a,b,,c\"", "\",\""), "[\"a\",\"b\",\"\",\"c\"]");
    CHECK_RESULT(split("\"a,\"", "\",\""), "[\"a\",\"\"]");
    CHECK_RESULT(split("\",a\"", "\",\""), "[\"\",\"a\"]");
    CHECK_RESULT(split("\"abc\"", "\"x\""), "[\"abc\"]");
    CHECK_RESULT(split("\"\"", "\",\""), "[\"\"]");
    CHECK_RESULT(split("\"ab\"", "\"abc\""), "[\"ab\"]");
    CHECK_RESULT(split("\"a::b::::c\"", "\"::\""), "[\"a\",\"b\",\"\",\"c\"]");
    CHECK_RESULT(split("\"x→y→z\"", "\"→\""), "[\"x\",\"y\",\"z\"]");
    CHECK_RESULT(split("\"aaa\"", "\"aa\""), "[\"\",\"a\"]");
}

static void test_split_characters(void **state) {
    (void)state;
    CHECK_RESULT(split("\"abc\"", "\"\""), "[\"a\",\"b\",\"c\"]");
    CHECK_RESULT(split("\"\"", "\"\""), "[]");
    /* characters, not bytes: 2-, 3- and 4-byte UTF-8 sequences */
    CHECK_RESULT(split("\"é日😀x\"", "\"\""), "[\"é\",\"日\",\"😀\",\"x\"]");
    /* a combining accent is its own code point */
    CHECK_RESULT(split("\"e\\u0301\"", "\"\""), "[\"e\",\"\\u0301\"]");
}

static void test_split_wrong_types(void **state) {
    (void)state;
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"string_split\",\"inputs\":{\"separator\":\",\"}}", "substrings",
                              "42", "string"),
                 "n", "input string", "integer");
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"string_split\",\"inputs\":{\"string\":\"a\"}}", "substrings"), "n",
                 "separator", "null");
    CHECK_INVALID(split("[\"a\"]", "\",\""), "bad_value", "string");
    CHECK_INVALID(split("\"a\"", "null"), "bad_value", "separator");
}

/* A split result feeds string[] pins: split then join round-trips. */
static void test_split_join_round_trip(void **state) {
    (void)state;
    json_t *rep = run_node_ex("{\"id\":\"n\",\"type\":\"string_join\",\"inputs\":{\"separator\":\"+\"}}",
                              "joined_string", false,
                              "{\"id\":\"sp\",\"type\":\"string_split\",\"inputs\":{\"string\":\"a b  c\","
                              "\"separator\":\" \"}}",
                              "{\"from\":\"sp.substrings\",\"to\":\"n.strings\"}");
    CHECK_RESULT(rep, "\"a+b++c\"");
}

/* ---- string_contains ----------------------------------------------------------------- */

static void test_contains(void **state) {
    (void)state;
    CHECK_RESULT(contains("\"hello world\"", "\"o w\""), "true");
    CHECK_RESULT(contains("\"hello world\"", "\"World\""), "false"); /* case-sensitive */
    CHECK_RESULT(contains("\"hello\"", "\"\""), "true");
    CHECK_RESULT(contains("\"\"", "\"\""), "true");
    CHECK_RESULT(contains("\"\"", "\"a\""), "false");
    CHECK_RESULT(contains("\"ab\"", "\"abc\""), "false");
    CHECK_RESULT(contains("\"naïve café\"", "\"é\""), "true");
    CHECK_RESULT(contains("\"cafe\\u0301\"", "\"é\""), "false"); /* no normalisation */
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"string_contains\",\"inputs\":{\"string\":\"abc\"}}", "contains",
                              "{}", "substring"),
                 "n", "substring", "object");
    CHECK_INVALID(contains("\"a\"", "true"), "bad_value", "substring");
}

/* ---- equal_string -------------------------------------------------------------------- */

static void test_equal_string(void **state) {
    (void)state;
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"equal_string\",\"inputs\":{\"string\":\"a\",\"string#2\":\"a\"}}",
                          "equal"), "true");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"equal_string\",\"inputs\":{\"string\":\"a\",\"string#2\":\"A\"}}",
                          "equal"), "false");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"equal_string\",\"inputs\":{\"string\":\"\",\"string#2\":\"\"}}",
                          "equal"), "true");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"equal_string\",\"inputs\":{\"string\":\"ab\",\"string#2\":\"a\"}}",
                          "equal"), "false");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"equal_string\",\"pin_counts\":{\"string\":3},"
                          "\"inputs\":{\"string\":\"日本\",\"string#2\":\"日本\",\"string#3\":\"日本\"}}", "equal"),
                 "true");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"equal_string\",\"pin_counts\":{\"string\":3},"
                          "\"inputs\":{\"string\":\"x\",\"string#2\":\"x\",\"string#3\":\"y\"}}", "equal"),
                 "false");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"equal_string\",\"pin_counts\":{\"string\":1},"
                          "\"inputs\":{\"string\":\"x\"}}", "equal"), "true");
    /* precomposed é and e + combining accent differ (bytes compared) */
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"equal_string\",\"inputs\":{\"string\":\"é\","
                          "\"string#2\":\"e\\u0301\"}}", "equal"), "false");
}

static void test_equal_string_wrong_types(void **state) {
    (void)state;
    CHECK_FAILED(run_node("{\"id\":\"n\",\"type\":\"equal_string\",\"inputs\":{\"string\":\"a\"}}", "equal"), "n",
                 "string#2", "null");
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"equal_string\",\"inputs\":{\"string\":\"1\"}}", "equal", "1",
                              "string#2"),
                 "n", "string#2", "integer");
    CHECK_INVALID(run_node("{\"id\":\"n\",\"type\":\"equal_string\",\"inputs\":{\"string#2\":2}}", "equal"),
                  "bad_value", "string#2");
}

/* ---- val_to_string ---------------------------------------------------------------------- */

static void test_to_string_scalars(void **state) {
    (void)state;
    CHECK_RESULT(to_string("\"plain \\\"text\\\"\"", NULL), "\"plain \\\"text\\\"\""); /* as is, no quotes added */
    CHECK_RESULT(to_string("\"\"", NULL), "\"\"");
    CHECK_RESULT(to_string("42", NULL), "\"42\"");
    CHECK_RESULT(to_string("-9223372036854775808", NULL), "\"-9223372036854775808\"");
    CHECK_RESULT(to_string("0.1", NULL), "\"0.1\"");
    CHECK_RESULT(to_string("2.0", NULL), "\"2.0\"");
    CHECK_RESULT(to_string("-0.0", NULL), "\"-0.0\"");
    CHECK_RESULT(to_string("1.5e-7", NULL), "\"1.5e-07\"");
    CHECK_RESULT(to_string("123456789.125", NULL), "\"123456789.125\"");
    CHECK_RESULT(to_string("true", "false"), "\"true\"");
    CHECK_RESULT(to_string("false", NULL), "\"false\"");
    CHECK_RESULT(to_string("null", NULL), "\"null\"");
    CHECK_RESULT(run_node("{\"id\":\"n\",\"type\":\"val_to_string\"}", "string"), "\"null\""); /* unconnected */
}

static void test_to_string_containers(void **state) {
    (void)state;
    CHECK_RESULT(to_string("{\"a\":1,\"b\":[1,2],\"c\":{},\"d\":[]}", "false"),
                 "\"{\\\"a\\\":1,\\\"b\\\":[1,2],\\\"c\\\":{},\\\"d\\\":[]}\"");
    /* pretty is the default: two spaces per level */
    CHECK_RESULT(to_string("{\"a\":1,\"b\":[1,{\"x\":null}],\"c\":{}}", NULL),
                 "\"{\\n  \\\"a\\\": 1,\\n  \\\"b\\\": [\\n    1,\\n    {\\n      \\\"x\\\": null\\n    }\\n  ],"
                 "\\n  \\\"c\\\": {}\\n}\"");
    CHECK_RESULT(to_string("[]", "true"), "\"[]\"");
    CHECK_RESULT(to_string("{}", "true"), "\"{}\"");
    /* key order is kept; non-ASCII stays as it is; control characters are escaped */
    CHECK_RESULT(to_string("{\"z\":\"ü\\n\",\"a\":\"\\u0001\"}", "false"),
                 "\"{\\\"z\\\":\\\"ü\\\\n\\\",\\\"a\\\":\\\"\\\\u0001\\\"}\"");
}

static void test_to_string_wrong_types(void **state) {
    (void)state;
    CHECK_FAILED(run_rerouted("{\"id\":\"n\",\"type\":\"val_to_string\",\"inputs\":{\"value\":1}}", "string", "\"yes\"",
                              "pretty"),
                 "n", "pretty", "string");
    CHECK_INVALID(to_string("1", "\"true\""), "bad_value", "pretty");
}

/* Deeply nested values are refused, not a stack overflow: a loop wraps a
 * variable `n` times into {"a": …}, giving n + 1 levels of objects. */
static json_t *run_nested(size_t n) {
    char *arr = malloc(2 * n + 3);
    char *w = arr;
    *w++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (i) *w++ = ',';
        *w++ = '0';
    }
    *w++ = ']';
    *w = '\0';
    char *board = NULL;
    if (asprintf(&board,
                 "{\"format\":\"weir-board/1\",\"id\":\"t\","
                 "\"variables\":[{\"id\":\"acc\",\"name\":\"acc\",\"type\":\"struct\",\"value_type\":\"normal\","
                 "\"default\":{}}],"
                 "\"nodes\":[{\"id\":\"s\",\"type\":\"events_simple\"},"
                 "{\"id\":\"fe\",\"type\":\"control_for_each\",\"inputs\":{\"array\":%s}},"
                 "{\"id\":\"g\",\"type\":\"variable_get\",\"inputs\":{\"var_ref\":\"acc\"}},"
                 "{\"id\":\"set\",\"type\":\"struct_set\",\"inputs\":{\"field\":\"a\"}},"
                 "{\"id\":\"v\",\"type\":\"variable_set\",\"inputs\":{\"var_ref\":\"acc\"}},"
                 "{\"id\":\"n\",\"type\":\"val_to_string\",\"inputs\":{\"pretty\":false}},"
                 "{\"id\":\"r\",\"type\":\"return_result\"}],"
                 "\"connections\":[{\"from\":\"s.exec_out\",\"to\":\"fe.exec_in\"},"
                 "{\"from\":\"fe.exec_out\",\"to\":\"set.exec_in\"},{\"from\":\"g.value_ref\",\"to\":\"set.struct_in\"},"
                 "{\"from\":\"g.value_ref\",\"to\":\"set.value\"},{\"from\":\"set.exec_out\",\"to\":\"v.exec_in\"},"
                 "{\"from\":\"set.struct_out\",\"to\":\"v.value_in\"},{\"from\":\"fe.done\",\"to\":\"r.exec_in\"},"
                 "{\"from\":\"g.value_ref\",\"to\":\"n.value\"},{\"from\":\"n.string\",\"to\":\"r.result\"}]}",
                 arr) < 0)
        abort();
    json_t *rep = tu_run(board, NULL);
    free(board);
    free(arr);
    return rep;
}

static void test_to_string_nesting(void **state) {
    (void)state;
    json_t *rep = run_nested(TEXT_MAX_NESTING - 1); /* exactly at the limit */
    assert_completed(rep);
    assert_int_equal(json_string_length(tu_result(rep)), (TEXT_MAX_NESTING - 1) * 6 + 2);
    json_decref(rep);
    CHECK_FAILED(run_nested(TEXT_MAX_NESTING), "n", "nests more than");
}

/* string_split returns at most STRING_SPLIT_MAX_PARTS parts. */
static json_t *run_split_commas(size_t commas) {
    char *node = NULL, *s = malloc(commas + 1);
    memset(s, ',', commas);
    s[commas] = '\0';
    if (asprintf(&node, "{\"id\":\"sp\",\"type\":\"string_split\",\"inputs\":{\"string\":\"%s\","
                        "\"separator\":\",\"}},{\"id\":\"n\",\"type\":\"array_length\"}", s) < 0)
        abort();
    json_t *rep = run_node_ex(node, "length", false, NULL, "{\"from\":\"sp.substrings\",\"to\":\"n.array\"}");
    free(node);
    free(s);
    return rep;
}

static void test_split_limit(void **state) {
    (void)state;
    char want[32];
    snprintf(want, sizeof want, "%u", STRING_SPLIT_MAX_PARTS);
    CHECK_RESULT(run_split_commas(STRING_SPLIT_MAX_PARTS - 1), want);
    CHECK_FAILED(run_split_commas(STRING_SPLIT_MAX_PARTS), "sp", "parts");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_basic),
        cmocka_unit_test(test_format_values),
        cmocka_unit_test(test_format_escapes),
        cmocka_unit_test(test_format_wired),
        cmocka_unit_test(test_format_limit),
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_join_wrong_types),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_split_characters),
        cmocka_unit_test(test_split_wrong_types),
        cmocka_unit_test(test_split_join_round_trip),
        cmocka_unit_test(test_split_limit),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_equal_string),
        cmocka_unit_test(test_equal_string_wrong_types),
        cmocka_unit_test(test_to_string_scalars),
        cmocka_unit_test(test_to_string_containers),
        cmocka_unit_test(test_to_string_wrong_types),
        cmocka_unit_test(test_to_string_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
