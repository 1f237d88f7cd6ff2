/* json.c — repair_parse and parse_with_schema: text into structs.
 *
 * Both output a `struct`, so the parsed value must be a JSON object: an
 * array or a scalar fails the node there, with a message saying what it
 * was, instead of failing some node downstream. http_response_to_json lives
 * with the HTTP nodes. */
#include "base/textfmt.h"
#include "catalog/catalog.h"

#include "catalog/jschema.h"
#include "catalog/json_repair.h"
#include "catalog/nodeutil.h"

/* Set a struct output from `j` (taken), or fail when it is not an object. */
static int set_struct(node_ctx *c, int pin, json_t *j, const char *what) {
    if (!json_is_object(j)) {
        const char *kind = json_kind_phrase(j);
        json_decref(j);
        return ctx_fail(c, "%s is %s, not a JSON object", what, kind);
    }
    return ctx_set_json(c, pin, j);
}

/* ---- repair_parse ------------------------------------------------------------------ */
enum { RP_EXEC_IN, RP_STRING, RP_EXEC_OUT, RP_RESULT };
static const pin_def repair_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("json_string", PT_STRING, NULL),
                                      PIN_EXEC_OUT("exec_out"), PIN_OUT("result", PT_STRUCT)};

static int repair_run(node_ctx *c) {
    const char *s;
    size_t len;
    if (ctx_str(c, RP_STRING, &s, &len) != 0) return NODE_FAIL;
    char err[512];
    json_t *j = json_repair_parse(s, len, err, sizeof err);
    if (!j) return ctx_fail(c, "json_string: %s", err);
    if (set_struct(c, RP_RESULT, j, "the parsed value") != 0) return NODE_FAIL;
    ctx_activate(c, RP_EXEC_OUT);
    return NODE_OK;
}

static const node_def repair_parse = {
    .type = "repair_parse", .friendly_name = "Parse JSON (Repair)", .category = "JSON",
    .description = "Parses almost-JSON such as an LLM answer (code fences, prose, trailing commas, single "
                   "quotes, truncation) into a struct.",
    .pins = repair_pins, .npins = NPINS(repair_pins), .run = repair_run,
};

/* ---- parse_with_schema --------------------------------------------------------------- */
enum { PS_EXEC_IN, PS_SCHEMA, PS_DATA, PS_EXEC_OUT, PS_PARSED };
static const pin_def schema_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("schema", PT_STRING, NULL),
                                      PIN_IN("data", PT_STRING, NULL), PIN_EXEC_OUT("exec_out"),
                                      PIN_OUT("parsed", PT_STRUCT)};

/* Strict JSON: any value, duplicate keys refused (no doubt which one counts). */
static json_t *parse_strict(node_ctx *c, const char *what, const char *s, size_t len) {
    json_error_t je;
    json_t *j = json_loadb(s, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (!j) ctx_fail(c, "%s is not valid JSON: %s (line %d, column %d)", what, json_error_reason(&je), je.line, je.column);
    return j;
}

static int schema_run(node_ctx *c) {
    const char *ss, *ds;
    size_t slen, dlen;
    if (ctx_str(c, PS_SCHEMA, &ss, &slen) != 0 || ctx_str(c, PS_DATA, &ds, &dlen) != 0) return NODE_FAIL;
    json_t *schema = parse_strict(c, "schema", ss, slen);
    if (!schema) return NODE_FAIL;
    json_t *data = parse_strict(c, "data", ds, dlen);
    if (!data) {
        json_decref(schema);
        return NODE_FAIL;
    }
    char err[512];
    int rc = jschema_validate(schema, data, err, sizeof err);
    json_decref(schema);
    if (rc != 0) {
        json_decref(data);
        return rc == -2 ? ctx_fail(c, "schema: %s", err) : ctx_fail(c, "data does not match the schema: %s", err);
    }
    if (set_struct(c, PS_PARSED, data, "data") != 0) return NODE_FAIL;
    ctx_activate(c, PS_EXEC_OUT);
    return NODE_OK;
}

static const node_def parse_with_schema = {
    .type = "parse_with_schema", .friendly_name = "Parse JSON with Schema", .category = "JSON",
    .description = "Parses data as strict JSON and checks it against a JSON Schema (2020-12 subset); a mismatch "
                   "fails the node.",
    .pins = schema_pins, .npins = NPINS(schema_pins), .run = schema_run,
};

const node_def *const catalog_json[] = {&repair_parse, &parse_with_schema, NULL};
