/* test_jschema.c — the JSON Schema subset validator: every supported keyword
 * (valid and invalid data), annotations, refused keywords, malformed schemas,
 * $ref resolution and cycles, and the error messages' JSON pointers. */
#include "testutil.h"

#include "base/limits.h"
#include "catalog/jschema.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *load(const char *text, const char *file, int line) {
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    if (!v) fail_msg("%s:%d: bad test JSON %s: %s", file, line, text, e.text);
    return v;
}

/* Validate data (JSON text) against schema (JSON text): want rc, and when
 * `sub` is given, an error message containing it. */
static void check_at(const char *schema, const char *data, int want, const char *sub,
                     const char *file, int line) {
    json_t *s = load(schema, file, line), *d = load(data, file, line);
    char err[512] = "";
    int rc = jschema_validate(s, d, err, sizeof err);
    if (rc != want)
        fail_msg("%s:%d: schema %s, data %s: got %d (%s), want %d", file, line, schema, data, rc,
                 err, want);
    if (want != 0 && err[0] == '\0') fail_msg("%s:%d: empty error message", file, line);
    if (want == 0 && err[0] != '\0') fail_msg("%s:%d: message on success: %s", file, line, err);
    if (sub && !strstr(err, sub))
        fail_msg("%s:%d: schema %s, data %s: message \"%s\" lacks \"%s\"", file, line, schema,
                 data, err, sub);
    json_decref(s);
    json_decref(d);
}
#define VALID(schema, data) check_at((schema), (data), 0, NULL, __FILE__, __LINE__)
#define INVALID(schema, data, sub) check_at((schema), (data), -1, (sub), __FILE__, __LINE__)
#define BADSCHEMA(schema, sub) check_at((schema), "null", -2, (sub), __FILE__, __LINE__)
#define BADSCHEMA_D(schema, data, sub) check_at((schema), (data), -2, (sub), __FILE__, __LINE__)

static void test_boolean_schemas(void **state) {
    (void)state;
    VALID("true", "{\"anything\": [1, 2]}");
    VALID("{}", "42");
    INVALID("false", "null", "(root): no value is allowed here (schema is false)");
    INVALID("{\"properties\": {\"a\": false}}", "{\"a\": 1}", "/a: no value is allowed");
    VALID("{\"properties\": {\"a\": false}}", "{\"b\": 1}");
    VALID("{\"properties\": {\"a\": true}}", "{\"a\": 1}");
}

static void test_type(void **state) {
    (void)state;
    VALID("{\"type\": \"null\"}", "null");
    VALID("{\"type\": \"boolean\"}", "true");
    VALID("{\"type\": \"boolean\"}", "false");
    VALID("{\"type\": \"object\"}", "{}");
    VALID("{\"type\": \"array\"}", "[]");
    VALID("{\"type\": \"string\"}", "\"\"");
    VALID("{\"type\": \"number\"}", "1");
    VALID("{\"type\": \"number\"}", "1.5");
    VALID("{\"type\": \"integer\"}", "1");
    VALID("{\"type\": \"integer\"}", "1.0"); /* integral reals are integers */
    VALID("{\"type\": \"integer\"}", "-3e2");
    INVALID("{\"type\": \"integer\"}", "1.5", "(root): expected type integer, got number");
    INVALID("{\"type\": \"string\"}", "1", "expected type string, got integer");
    INVALID("{\"type\": \"object\"}", "[]", "(root): expected type object, got array");
    INVALID("{\"type\": \"null\"}", "false", "got boolean");
    INVALID("{\"type\": \"boolean\"}", "null", "got null");
    INVALID("{\"type\": \"array\"}", "\"x\"", "got string");
    VALID("{\"type\": [\"string\", \"null\"]}", "null");
    VALID("{\"type\": [\"string\", \"null\"]}", "\"x\"");
    INVALID("{\"type\": [\"string\", \"null\"]}", "3",
            "expected one of types [\"string\",\"null\"], got integer");
    BADSCHEMA("{\"type\": \"int\"}", "unknown type \"int\"");
    BADSCHEMA("{\"type\": []}", "\"type\" must be");
    BADSCHEMA("{\"type\": 5}", "\"type\" must be");
    BADSCHEMA("{\"type\": [\"string\", 5]}", "\"type\" entries");
}

static void test_enum_and_const(void **state) {
    (void)state;
    const char *e = "{\"enum\": [\"a\", 1, null, {\"x\": [1, 2]}]}";
    VALID(e, "\"a\"");
    VALID(e, "1");
    VALID(e, "1.0"); /* numbers compare by value */
    VALID(e, "null");
    VALID(e, "{\"x\": [1.0, 2]}");
    INVALID(e, "\"b\"", "(root): value is not one of the \"enum\" values");
    INVALID(e, "{\"x\": [2, 1]}", "enum");
    INVALID(e, "true", "enum");
    INVALID("{\"enum\": []}", "1", "enum");
    BADSCHEMA("{\"enum\": \"a\"}", "\"enum\" must be an array");

    VALID("{\"const\": {\"a\": 1, \"b\": [true]}}", "{\"b\": [true], \"a\": 1.0}");
    VALID("{\"const\": null}", "null");
    INVALID("{\"const\": {\"a\": 1}}", "{\"a\": 1, \"b\": 2}", "\"const\"");
    INVALID("{\"const\": 0}", "false", "\"const\"");
    INVALID("{\"const\": \"a\"}", "\"A\"", "\"const\"");
    INVALID("{\"properties\": {\"v\": {\"const\": 2}}}", "{\"v\": 3}", "/v: value does not equal");
}

static void test_properties_and_required(void **state) {
    (void)state;
    const char *s = "{\"type\": \"object\", \"required\": [\"name\"],"
                    " \"properties\": {\"name\": {\"type\": \"string\"},"
                    "  \"tags\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"
                    "  \"owner\": {\"properties\": {\"id\": {\"type\": \"integer\"}}}}}";
    VALID(s, "{\"name\": \"x\"}");
    VALID(s, "{\"name\": \"x\", \"other\": 1, \"tags\": [\"a\"]}");
    INVALID(s, "{}", "(root): missing required property \"name\"");
    INVALID(s, "{\"name\": 1}", "/name: expected type string, got integer");
    INVALID(s, "{\"name\": \"x\", \"tags\": [\"a\", 2]}", "/tags/1: expected type string");
    INVALID(s, "{\"name\": \"x\", \"owner\": {\"id\": \"7\"}}", "/owner/id: expected type integer");
    VALID("{\"required\": [\"a\"]}", "[1]"); /* only applies to objects */
    VALID("{\"properties\": {\"a\": {\"type\": \"string\"}}}", "5");
    VALID("{\"required\": []}", "{}");
    BADSCHEMA("{\"required\": \"name\"}", "\"required\" must be an array of strings");
    BADSCHEMA("{\"required\": [1]}", "\"required\" must be an array of strings");
    BADSCHEMA("{\"properties\": []}", "\"properties\" must be an object");
    BADSCHEMA("{\"properties\": {\"a\": 1}}", "a schema must be an object or a boolean (at schema /properties/a)");
}

static void test_pointer_escaping(void **state) {
    (void)state;
    INVALID("{\"properties\": {\"a/b\": {\"type\": \"string\"}}}", "{\"a/b\": 1}", "/a~1b: ");
    INVALID("{\"properties\": {\"m~n\": {\"type\": \"string\"}}}", "{\"m~n\": 1}", "/m~0n: ");
    INVALID("{\"properties\": {\"\": {\"type\": \"string\"}}}", "{\"\": 1}", "/: expected");
    INVALID("{\"items\": {\"items\": {\"type\": \"null\"}}}", "[[null], [null, 0]]", "/1/1: ");
}

static void test_additional_properties(void **state) {
    (void)state;
    const char *closed = "{\"properties\": {\"a\": {}}, \"additionalProperties\": false}";
    VALID(closed, "{\"a\": 1}");
    VALID(closed, "{}");
    INVALID(closed, "{\"a\": 1, \"extra\": 2}", "/extra: property is not allowed");
    INVALID("{\"additionalProperties\": false}", "{\"x\": 1}", "/x: property is not allowed");
    const char *typed = "{\"properties\": {\"a\": {\"type\": \"string\"}},"
                        " \"additionalProperties\": {\"type\": \"integer\"}}";
    VALID(typed, "{\"a\": \"s\", \"b\": 1, \"c\": 2}");
    INVALID(typed, "{\"a\": \"s\", \"b\": \"no\"}", "/b: expected type integer");
    INVALID(typed, "{\"a\": 1}", "/a: expected type string");
    VALID("{\"additionalProperties\": true}", "{\"x\": 1}");
    VALID("{\"additionalProperties\": false}", "[1]"); /* only objects */
    BADSCHEMA("{\"additionalProperties\": 1}", "a schema must be an object or a boolean");
}

static void test_items_and_prefix_items(void **state) {
    (void)state;
    VALID("{\"items\": {\"type\": \"integer\"}}", "[1, 2, 3]");
    VALID("{\"items\": {\"type\": \"integer\"}}", "[]");
    INVALID("{\"items\": {\"type\": \"integer\"}}", "[1, 2, \"x\"]", "/2: expected type integer");
    INVALID("{\"items\": false}", "[1]", "/0: no value is allowed");
    VALID("{\"items\": false}", "[]");
    const char *tuple = "{\"prefixItems\": [{\"type\": \"integer\"}, {\"type\": \"string\"}],"
                        " \"items\": false}";
    VALID(tuple, "[1, \"a\"]");
    VALID(tuple, "[1]");
    INVALID(tuple, "[1, \"a\", true]", "/2: no value is allowed");
    INVALID(tuple, "[\"a\", 1]", "/0: expected type integer");
    const char *rest = "{\"prefixItems\": [{\"type\": \"string\"}], \"items\": {\"type\": \"number\"}}";
    VALID(rest, "[\"a\", 1, 2.5]");
    INVALID(rest, "[\"a\", 1, \"b\"]", "/2: expected type number");
    VALID("{\"prefixItems\": [{\"type\": \"string\"}]}", "[\"a\", 1, null]");
    BADSCHEMA("{\"items\": [{\"type\": \"string\"}]}", "use \"prefixItems\" for tuples");
    BADSCHEMA("{\"prefixItems\": []}", "\"prefixItems\" must be a non-empty array of schemas");
    BADSCHEMA("{\"prefixItems\": {}}", "\"prefixItems\" must be a non-empty array");
    BADSCHEMA("{\"prefixItems\": [5]}", "(at schema /prefixItems/0)");
}

static void test_array_counts(void **state) {
    (void)state;
    const char *s = "{\"minItems\": 2, \"maxItems\": 3}";
    VALID(s, "[1, 2]");
    VALID(s, "[1, 2, 3]");
    INVALID(s, "[1]", "array has 1 items, fewer than minItems 2");
    INVALID(s, "[1, 2, 3, 4]", "array has 4 items, more than maxItems 3");
    VALID(s, "\"not an array\"");
    VALID("{\"minItems\": 1.0}", "[1]"); /* an integral real is a count */
    BADSCHEMA("{\"minItems\": -1}", "\"minItems\" must be a non-negative integer");
    BADSCHEMA("{\"maxItems\": 1.5}", "\"maxItems\" must be a non-negative integer");
    BADSCHEMA("{\"maxItems\": \"3\"}", "\"maxItems\" must be a non-negative integer");
}

static void test_unique_items(void **state) {
    (void)state;
    const char *s = "{\"uniqueItems\": true}";
    VALID(s, "[1, 2, 3]");
    VALID(s, "[]");
    VALID(s, "[1, \"1\", true, null, [1], {\"a\": 1}]");
    VALID(s, "[{\"a\": 1}, {\"a\": 2}, {\"b\": 1}]");
    VALID(s, "[0, false]");
    INVALID(s, "[1, 2, 1]", "(root): items 0 and 2 are equal (uniqueItems)");
    INVALID(s, "[1, 1.0]", "items 0 and 1 are equal");
    INVALID(s, "[{\"a\": 1, \"b\": 2}, {\"b\": 2, \"a\": 1}]", "items 0 and 1");
    INVALID(s, "[[1, [2]], 3, [1.0, [2.0]]]", "items 0 and 2");
    INVALID(s, "[\"x\", \"y\", \"z\", \"y\", \"x\"]", "items 1 and 3"); /* earliest pair closing first */
    VALID("{\"uniqueItems\": false}", "[1, 1]");
    BADSCHEMA("{\"uniqueItems\": \"yes\"}", "\"uniqueItems\" must be a boolean");

    /* a large array is checked in O(n log n), not O(n^2) */
    json_t *big = json_array();
    for (int i = 0; i < 200000; i++) json_array_append_new(big, json_integer(i));
    json_t *schema = json_pack("{s:b}", "uniqueItems", 1);
    clock_t t0 = clock();
    assert_int_equal(jschema_validate(schema, big, NULL, 0), 0);
    json_array_append_new(big, json_real(777.0));
    char err[128];
    assert_int_equal(jschema_validate(schema, big, err, sizeof err), -1);
    assert_non_null(strstr(err, "items 777 and 200000"));
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
    json_decref(big);
    json_decref(schema);
}

static void test_string_length(void **state) {
    (void)state;
    const char *s = "{\"minLength\": 2, \"maxLength\": 5}";
    VALID(s, "\"ab\"");
    VALID(s, "\"h\\u00e9llo\"");           /* 5 code points, 6 bytes */
    VALID(s, "\"\\ud83d\\ude00\\ud83d\\ude00\""); /* 2 code points, 8 bytes */
    INVALID(s, "\"a\"", "string is 1 characters long, shorter than minLength 2");
    INVALID(s, "\"\\u00e9\"", "shorter than minLength 2"); /* 2 bytes, 1 code point */
    INVALID(s, "\"abcdef\"", "string is 6 characters long, longer than maxLength 5");
    VALID(s, "12345678");
    VALID("{\"maxLength\": 0}", "\"\"");
    BADSCHEMA("{\"minLength\": -2}", "\"minLength\" must be a non-negative integer");
    BADSCHEMA("{\"maxLength\": true}", "\"maxLength\"");
}

static void test_numeric_bounds(void **state) {
    (void)state;
    const char *s = "{\"minimum\": 1, \"maximum\": 10}";
    VALID(s, "1");
    VALID(s, "10");
    VALID(s, "5.5");
    VALID(s, "\"x\"");
    INVALID(s, "0", "0 is less than the minimum 1");
    INVALID(s, "0.99", "less than the minimum 1");
    INVALID(s, "10.5", "10.5 is greater than the maximum 10");
    const char *x = "{\"exclusiveMinimum\": 0, \"exclusiveMaximum\": 1.5}";
    VALID(x, "1");
    VALID(x, "0.0001");
    INVALID(x, "0", "0 must be greater than 0 (exclusiveMinimum)");
    INVALID(x, "1.5", "1.5 must be less than 1.5 (exclusiveMaximum)");
    INVALID(x, "-1", "exclusiveMinimum");
    /* integers are compared exactly, not through double */
    INVALID("{\"maximum\": 9007199254740992.0}", "9007199254740993", "greater than the maximum");
    VALID("{\"maximum\": 9007199254740992.0}", "9007199254740992");
    VALID("{\"minimum\": -9223372036854775808}", "-9223372036854775808");
    INVALID("{\"minimum\": 1e300}", "9223372036854775807", "less than the minimum");
    VALID("{\"maximum\": 1e300}", "9223372036854775807");
    INVALID("{\"maximum\": 2.5}", "3", "greater than the maximum 2.5");
    VALID("{\"minimum\": 2.5}", "3");
    INVALID("{\"minimum\": -2.5}", "-3", "less than the minimum");
    BADSCHEMA("{\"minimum\": \"1\"}", "\"minimum\" must be a number");
    BADSCHEMA("{\"exclusiveMinimum\": true}", "\"exclusiveMinimum\" must be a number");
}

static void test_multiple_of(void **state) {
    (void)state;
    VALID("{\"multipleOf\": 5}", "10");
    VALID("{\"multipleOf\": 5}", "0");
    VALID("{\"multipleOf\": 5}", "-15");
    VALID("{\"multipleOf\": 5}", "10.0");
    INVALID("{\"multipleOf\": 5}", "7", "7 is not a multiple of 5");
    INVALID("{\"multipleOf\": 5}", "7.5", "not a multiple of 5");
    VALID("{\"multipleOf\": 0.1}", "0.3");        /* despite binary rounding */
    VALID("{\"multipleOf\": 0.01}", "19.99");
    INVALID("{\"multipleOf\": 0.1}", "0.35", "not a multiple of 0.1");
    VALID("{\"multipleOf\": 1.5}", "4.5");
    VALID("{\"multipleOf\": 2.5}", "10");
    INVALID("{\"multipleOf\": 1}", "1.0000000001", "not a multiple");
    INVALID("{\"multipleOf\": 0.123456789}", "1e308", "not a multiple"); /* quotient overflows */
    VALID("{\"multipleOf\": 1}", "-9223372036854775808");
    VALID("{\"multipleOf\": 3}", "\"x\"");
    BADSCHEMA("{\"multipleOf\": 0}", "\"multipleOf\" must be a number greater than 0");
    BADSCHEMA("{\"multipleOf\": -2}", "greater than 0");
    BADSCHEMA("{\"multipleOf\": \"2\"}", "greater than 0");
}

static void test_property_counts(void **state) {
    (void)state;
    const char *s = "{\"minProperties\": 1, \"maxProperties\": 2}";
    VALID(s, "{\"a\": 1}");
    VALID(s, "{\"a\": 1, \"b\": 2}");
    INVALID(s, "{}", "object has 0 properties, fewer than minProperties 1");
    INVALID(s, "{\"a\": 1, \"b\": 2, \"c\": 3}", "object has 3 properties, more than maxProperties 2");
    VALID(s, "[]");
    BADSCHEMA("{\"minProperties\": -1}", "\"minProperties\" must be a non-negative integer");
}

static void test_combinators(void **state) {
    (void)state;
    const char *all = "{\"allOf\": [{\"type\": \"integer\"}, {\"minimum\": 3}]}";
    VALID(all, "5");
    INVALID(all, "2", "less than the minimum 3");
    INVALID(all, "\"x\"", "expected type integer");

    const char *any = "{\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"integer\", \"minimum\": 0}]}";
    VALID(any, "\"x\"");
    VALID(any, "3");
    INVALID(any, "-1", "(root): does not match any schema in anyOf (first failure: (root): "
                       "expected type string, got integer)");
    INVALID(any, "null", "anyOf");

    const char *one = "{\"oneOf\": [{\"type\": \"integer\"}, {\"minimum\": 2}]}";
    VALID(one, "1");    /* only the first */
    VALID(one, "2.5");  /* only the second */
    INVALID(one, "3", "matches 2 schemas in oneOf (0 and 1), exactly one must match");
    INVALID(one, "1.5", "does not match any schema in oneOf");

    VALID("{\"not\": {\"type\": \"string\"}}", "1");
    INVALID("{\"not\": {\"type\": \"string\"}}", "\"s\"", "(root): must not match the schema in \"not\"");
    INVALID("{\"not\": true}", "1", "\"not\"");
    VALID("{\"not\": false}", "1");

    /* combinators in nested places report the nested pointer */
    INVALID("{\"properties\": {\"v\": {\"anyOf\": [{\"type\": \"null\"}, {\"type\": \"boolean\"}]}}}",
            "{\"v\": 1}", "/v: does not match any schema in anyOf");
    BADSCHEMA("{\"allOf\": []}", "\"allOf\" must be a non-empty array of schemas");
    BADSCHEMA("{\"anyOf\": {}}", "\"anyOf\" must be a non-empty array");
    BADSCHEMA("{\"oneOf\": [1]}", "(at schema /oneOf/0)");
    BADSCHEMA("{\"not\": []}", "a schema must be an object or a boolean (at schema /not)");
}

static void test_refs(void **state) {
    (void)state;
    const char *s = "{\"$defs\": {\"pos\": {\"type\": \"integer\", \"minimum\": 1}},"
                    " \"definitions\": {\"name\": {\"type\": \"string\"}},"
                    " \"properties\": {\"n\": {\"$ref\": \"#/$defs/pos\"},"
                    "                  \"s\": {\"$ref\": \"#/definitions/name\"}}}";
    VALID(s, "{\"n\": 3, \"s\": \"x\"}");
    INVALID(s, "{\"n\": 0}", "/n: 0 is less than the minimum 1");
    INVALID(s, "{\"s\": 0}", "/s: expected type string");
    /* $ref with sibling keywords: both apply */
    const char *sib = "{\"$defs\": {\"i\": {\"type\": \"integer\"}}, \"$ref\": \"#/$defs/i\", \"maximum\": 5}";
    VALID(sib, "4");
    INVALID(sib, "6", "greater than the maximum 5");
    INVALID(sib, "4.5", "expected type integer");
    /* escaped names */
    VALID("{\"$defs\": {\"a/b\": {\"type\": \"null\"}}, \"$ref\": \"#/$defs/a~1b\"}", "null");
    VALID("{\"$defs\": {\"a~b\": {\"type\": \"null\"}}, \"$ref\": \"#/$defs/a~0b\"}", "null");
    /* a recursive tree */
    const char *tree = "{\"$defs\": {\"node\": {\"type\": \"object\", \"required\": [\"v\"],"
                       "  \"properties\": {\"v\": {\"type\": \"integer\"},"
                       "   \"kids\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/node\"}}}}},"
                       " \"$ref\": \"#/$defs/node\"}";
    VALID(tree, "{\"v\": 1, \"kids\": [{\"v\": 2}, {\"v\": 3, \"kids\": [{\"v\": 4}]}]}");
    INVALID(tree, "{\"v\": 1, \"kids\": [{\"v\": 2}, {\"v\": 3, \"kids\": [{\"w\": 4}]}]}",
            "/kids/1/kids/0: missing required property \"v\"");

    BADSCHEMA("{\"$ref\": \"#/$defs/missing\"}", "cannot resolve \"$ref\" \"#/$defs/missing\"");
    BADSCHEMA("{\"$defs\": {\"a\": {}}, \"$ref\": \"#/$defs/b\"}", "cannot resolve");
    BADSCHEMA("{\"$ref\": \"#\"}", "cannot resolve");
    BADSCHEMA("{\"$ref\": \"#/properties/a\", \"properties\": {\"a\": {}}}", "cannot resolve");
    BADSCHEMA("{\"$ref\": \"other.json#/$defs/a\"}", "cannot resolve");
    BADSCHEMA("{\"$ref\": \"https://example.com/s.json\"}", "cannot resolve");
    BADSCHEMA("{\"$defs\": {\"a\": {\"$defs\": {\"b\": {}}}}, \"$ref\": \"#/$defs/a/$defs/b\"}",
              "cannot resolve");
    BADSCHEMA("{\"$ref\": 5}", "\"$ref\" must be a string");
    BADSCHEMA("{\"$defs\": []}", "\"$defs\" must be an object");
    /* a $ref deep inside an unused branch is still resolved up front */
    BADSCHEMA_D("{\"properties\": {\"x\": {\"$ref\": \"#/$defs/nope\"}}}", "{}", "cannot resolve");
}

static void test_ref_cycles(void **state) {
    (void)state;
    BADSCHEMA_D("{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/a\"}}, \"$ref\": \"#/$defs/a\"}", "1",
                "nested deeper than");
    BADSCHEMA_D("{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/b\"}, \"b\": {\"allOf\": [{\"$ref\": \"#/$defs/a\"}]}},"
                " \"properties\": {\"p\": {\"$ref\": \"#/$defs/a\"}}}",
                "{\"p\": 1}", "(a $ref cycle");
    BADSCHEMA_D("{\"$defs\": {\"a\": {\"anyOf\": [{\"$ref\": \"#/$defs/a\"}]}}, \"$ref\": \"#/$defs/a\"}",
                "1", "nested deeper than");
    BADSCHEMA_D("{\"$defs\": {\"a\": {\"not\": {\"$ref\": \"#/$defs/a\"}}}, \"$ref\": \"#/$defs/a\"}",
                "1", "nested deeper than");
    /* a cycle the data never reaches is harmless */
    VALID("{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/a\"}}, \"properties\": {\"p\": {\"$ref\": \"#/$defs/a\"}}}",
          "{\"q\": 1}");

    /* recursion that follows the data is bounded too: deep data is refused, not a crash */
    const char *list = "{\"$defs\": {\"l\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/l\"}}},"
                       " \"$ref\": \"#/$defs/l\"}";
    VALID(list, "[[[[]]]]");
    json_t *schema = load(list, __FILE__, __LINE__);
    json_t *deep = json_array(), *cur = deep;
    for (int i = 0; i < 1000; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    char err[256];
    assert_int_equal(jschema_validate(schema, deep, err, sizeof err), -2);
    assert_non_null(strstr(err, "nested deeper than"));
    json_decref(deep);
    json_decref(schema);
}

static void test_unsupported_keywords(void **state) {
    (void)state;
    static const char *refused[] = {
        "pattern", "patternProperties", "if", "then", "else", "dependentSchemas",
        "dependentRequired", "contains", "minContains", "maxContains", "propertyNames",
        "unevaluatedProperties", "unevaluatedItems", "$anchor", "$dynamicRef",
        "$dynamicAnchor", "$vocabulary", "contentMediaType", "contentEncoding",
        "additionalItems", "dependencies", "requried", "Type", "",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char schema[256], want[128];
        snprintf(schema, sizeof schema, "{\"%s\": {}}", refused[i]);
        snprintf(want, sizeof want, "unsupported keyword \"%s\"", refused[i]);
        check_at(schema, "\"anything\"", -2, want, __FILE__, __LINE__);
    }
    /* wherever it hides: nested, in an unused branch, in an unused definition */
    BADSCHEMA_D("{\"properties\": {\"name\": {\"type\": \"string\", \"pattern\": \"^a\"}}}", "{}",
                "unsupported keyword \"pattern\" (at schema /properties/name)");
    BADSCHEMA_D("{\"anyOf\": [true, {\"if\": {}}]}", "1", "unsupported keyword \"if\" (at schema /anyOf/1)");
    BADSCHEMA_D("{\"$defs\": {\"unused\": {\"format\": \"email\", \"pattern\": \"@\"}}}", "1",
                "(at schema /$defs/unused)");
    BADSCHEMA_D("{\"items\": {\"items\": {\"minContains\": 1}}}", "[]", "(at schema /items/items)");
    BADSCHEMA_D("{\"pattern\": \"x\"}", "5", "(at schema root)");
}

static void test_annotations_ignored(void **state) {
    (void)state;
    const char *s = "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\","
                    " \"$id\": \"https://example.com/p\", \"$comment\": \"c\","
                    " \"title\": \"T\", \"description\": \"D\", \"default\": 5,"
                    " \"examples\": [1, 2], \"deprecated\": true, \"readOnly\": false,"
                    " \"writeOnly\": false, \"format\": \"email\","
                    " \"$defs\": {\"x\": {}}, \"definitions\": {\"y\": true},"
                    " \"type\": \"string\"}";
    VALID(s, "\"not an email at all\""); /* format is an annotation only */
    INVALID(s, "5", "expected type string");
    VALID("{\"default\": {\"pattern\": 1}, \"examples\": [{\"if\": 2}]}", "null"); /* values, not schemas */
}

static void test_malformed_schemas(void **state) {
    (void)state;
    BADSCHEMA("5", "a schema must be an object or a boolean (at schema root)");
    BADSCHEMA("\"string\"", "a schema must be an object or a boolean");
    BADSCHEMA("null", "a schema must be an object or a boolean");
    BADSCHEMA("[]", "a schema must be an object or a boolean");
    /* schemas nested beyond SCHEMA_MAX_DEPTH are refused */
    json_t *deep = json_object(), *cur = deep;
    for (int i = 0; i < SCHEMA_MAX_DEPTH + 5; i++) {
        json_t *next = json_object();
        json_object_set_new(cur, "items", next);
        cur = next;
    }
    json_t *data = json_array();
    char err[256];
    assert_int_equal(jschema_validate(deep, data, err, sizeof err), -2);
    assert_non_null(strstr(err, "schema nested deeper than"));
    json_decref(deep);
    json_decref(data);
    assert_int_equal(jschema_validate(NULL, json_null(), err, sizeof err), -2);
    json_t *t = json_true();
    assert_int_equal(jschema_validate(t, NULL, err, sizeof err), -1);
}

static void test_error_buffers(void **state) {
    (void)state;
    json_t *schema = load("{\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"null\"}]}", __FILE__, __LINE__);
    json_t *data = json_integer(1);
    assert_int_equal(jschema_validate(schema, data, NULL, 0), -1);
    char tiny[8];
    memset(tiny, 'Z', sizeof tiny);
    assert_int_equal(jschema_validate(schema, data, tiny, sizeof tiny), -1);
    assert_int_equal(strlen(tiny), 7);
    char err[64] = "stale";
    json_t *ok = json_string("s");
    assert_int_equal(jschema_validate(schema, ok, err, sizeof err), 0);
    assert_string_equal(err, "");
    json_decref(ok);
    json_decref(data);
    json_decref(schema);
}

/* The example in docs/schema-subset.md. */
static void test_documented_example(void **state) {
    (void)state;
    const char *s =
        "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\","
        " \"type\": \"object\", \"required\": [\"name\", \"items\"],"
        " \"additionalProperties\": false,"
        " \"properties\": {"
        "  \"name\": {\"type\": \"string\", \"minLength\": 1},"
        "  \"priority\": {\"enum\": [\"low\", \"high\"], \"default\": \"low\"},"
        "  \"items\": {\"type\": \"array\", \"minItems\": 1,"
        "            \"items\": {\"$ref\": \"#/$defs/item\"}}},"
        " \"$defs\": {\"item\": {\"type\": \"object\", \"required\": [\"name\", \"qty\"],"
        "   \"properties\": {\"name\": {\"type\": \"string\"},"
        "                  \"qty\": {\"type\": \"integer\", \"minimum\": 1}}}}}";
    VALID(s, "{\"name\": \"order\", \"items\": [{\"name\": \"pen\", \"qty\": 2}]}");
    INVALID(s, "{\"name\": \"order\", \"items\": [{\"name\": 7, \"qty\": 2}]}",
            "/items/0/name: expected type string, got integer");
    INVALID(s, "{\"name\": \"order\", \"items\": [{\"name\": \"pen\", \"qty\": 0}]}",
            "/items/0/qty: 0 is less than the minimum 1");
    INVALID(s, "{\"name\": \"order\", \"items\": [], \"x\": 1}", "/items: array has 0 items");
    INVALID(s, "{\"name\": \"\", \"items\": [1]}", "/name: string is 0 characters long");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boolean_schemas),
        cmocka_unit_test(test_type),
        cmocka_unit_test(test_enum_and_const),
        cmocka_unit_test(test_properties_and_required),
        cmocka_unit_test(test_pointer_escaping),
        cmocka_unit_test(test_additional_properties),
        cmocka_unit_test(test_items_and_prefix_items),
        cmocka_unit_test(test_array_counts),
        cmocka_unit_test(test_unique_items),
        cmocka_unit_test(test_string_length),
        cmocka_unit_test(test_numeric_bounds),
        cmocka_unit_test(test_multiple_of),
        cmocka_unit_test(test_property_counts),
        cmocka_unit_test(test_combinators),
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_ref_cycles),
        cmocka_unit_test(test_unsupported_keywords),
        cmocka_unit_test(test_annotations_ignored),
        cmocka_unit_test(test_malformed_schemas),
        cmocka_unit_test(test_error_buffers),
        cmocka_unit_test(test_documented_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
