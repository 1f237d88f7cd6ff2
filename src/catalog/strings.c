/* strings.c — string_format, string_join, string_split, string_contains,
 * equal_string, val_to_string. All are pure.
 *
 * Turning a value into text follows one rule everywhere (string_format
 * placeholders, val_to_string): a string is used as it is, anything else is
 * written as JSON — null as "null", true, 42, 1.5, {"a":1}. Floats are
 * written in the shortest form that reads back to the same number (0.1, not
 * 0.10000000000000001) and keep a ".0" when whole (3.0), so the text says it
 * is a float. Strings are compared and searched byte by byte (no Unicode
 * normalisation or case folding). Every string a node builds is checked
 * against STRING_MAX_BYTES while it grows: too long fails the node, nothing
 * is cut short. */
#include "catalog/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/strbuf.h"

/* ---- values as text ------------------------------------------------------------ */

enum { TX_OK, TX_DEEP, TX_BIG, TX_OOM };

static void put_real(strbuf *sb, double d) {
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    sb_puts(sb, buf);
    if (!strpbrk(buf, ".eEni")) sb_puts(sb, ".0"); /* "3" → "3.0"; inf/nan cannot occur in JSON */
}

static void put_indent(strbuf *sb, int level) {
    sb_putc(sb, '\n');
    for (int i = 0; i < level; i++) sb_append(sb, "  ", 2);
}

/* Append `j` as JSON text: compact, or indented by two spaces per level. */
static int put_json(strbuf *sb, const json_t *j, bool pretty, int depth) {
    if (sb->oom) return TX_OOM;
    if (sb->len > STRING_MAX_BYTES) return TX_BIG;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        if (depth >= TEXT_MAX_NESTING) return TX_DEEP;
        if (json_object_size(j) == 0) {
            sb_puts(sb, "{}");
            break;
        }
        sb_putc(sb, '{');
        bool first = true;
        const char *key;
        size_t klen;
        json_t *v;
        json_object_keylen_foreach((json_t *)j, key, klen, v) {
            if (!first) sb_putc(sb, ',');
            first = false;
            if (pretty) put_indent(sb, depth + 1);
            sb_json_string(sb, key, klen);
            sb_puts(sb, pretty ? ": " : ":");
            int rc = put_json(sb, v, pretty, depth + 1);
            if (rc != TX_OK) return rc;
        }
        if (pretty) put_indent(sb, depth);
        sb_putc(sb, '}');
        break;
    }
    case JSON_ARRAY: {
        if (depth >= TEXT_MAX_NESTING) return TX_DEEP;
        if (json_array_size(j) == 0) {
            sb_puts(sb, "[]");
            break;
        }
        sb_putc(sb, '[');
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) {
            if (i) sb_putc(sb, ',');
            if (pretty) put_indent(sb, depth + 1);
            int rc = put_json(sb, v, pretty, depth + 1);
            if (rc != TX_OK) return rc;
        }
        if (pretty) put_indent(sb, depth);
        sb_putc(sb, ']');
        break;
    }
    case JSON_STRING: sb_json_string(sb, json_string_value(j), json_string_length(j)); break;
    case JSON_INTEGER: sb_printf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(j)); break;
    case JSON_REAL: put_real(sb, json_real_value(j)); break;
    case JSON_TRUE: sb_puts(sb, "true"); break;
    case JSON_FALSE: sb_puts(sb, "false"); break;
    case JSON_NULL: sb_puts(sb, "null"); break;
    }
    if (sb->oom) return TX_OOM;
    return sb->len > STRING_MAX_BYTES ? TX_BIG : TX_OK;
}

/* Append value `v` as text: strings as they are, the rest as JSON. */
static int put_value(strbuf *sb, value v, bool pretty) {
    size_t len;
    const char *s = value_str(v, &len);
    if (s) {
        if (len > STRING_MAX_BYTES - (sb->len < STRING_MAX_BYTES ? sb->len : STRING_MAX_BYTES)) return TX_BIG;
        sb_append(sb, s, len);
        return sb->oom ? TX_OOM : TX_OK;
    }
    json_t *j = value_to_json(v);
    if (!j) return TX_OOM;
    int rc = put_json(sb, j, pretty, 0);
    json_decref(j);
    return rc;
}

/* Fail the node for a put_* result; `what` names the thing being built. */
static int text_fail(node_ctx *c, int rc, const char *what) {
    switch (rc) {
    case TX_DEEP: return ctx_fail(c, "%s: the value nests more than %d levels deep", what, TEXT_MAX_NESTING);
    case TX_BIG: return ctx_fail(c, "%s: the text would exceed the limit of %u bytes", what, STRING_MAX_BYTES);
    default: return ctx_fail(c, "out of memory");
    }
}

static int set_built(node_ctx *c, int pin, strbuf *sb) {
    int rc = ctx_set_str(c, pin, sb_str(sb), sb->len);
    sb_free(sb);
    return rc == 0 ? NODE_OK : NODE_FAIL;
}

/* ---- string_format --------------------------------------------------------------- */
enum { FMT_STRING, FMT_OUT };
static const pin_def format_pins[] = {PIN_IN("format_string", PT_STRING, NULL),
                                      PIN_OUT("formatted_string", PT_STRING)};

static bool name_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* The dynamic input named name[0..len), or -1. */
static long find_dyn(node_ctx *c, const char *name, size_t len) {
    size_t n = ctx_dyn_count(c);
    for (size_t i = 0; i < n; i++) {
        const char *d = ctx_dyn_name(c, i);
        if (d && strlen(d) == len && memcmp(d, name, len) == 0) return (long)i;
    }
    return -1;
}

static int format_run(node_ctx *c) {
    const char *f;
    size_t len;
    if (ctx_str(c, FMT_STRING, &f, &len) != 0) return NODE_FAIL;
    strbuf sb = STRBUF_INIT;
    size_t lit = 0; /* start of literal text not yet copied */
    int rc = TX_OK;
    for (size_t i = 0; i < len && rc == TX_OK;) {
        if ((f[i] == '{' || f[i] == '}') && i + 1 < len && f[i + 1] == f[i]) {
            sb_append(&sb, f + lit, i + 1 - lit); /* keep one brace */
            i += 2;
            lit = i;
        } else if (f[i] == '{') {
            size_t j = i + 1;
            while (j < len && j - i - 1 <= 64 && name_char(f[j])) j++;
            long pin = -1;
            if (j < len && f[j] == '}' && j > i + 1 && j - i - 1 <= 64) pin = find_dyn(c, f + i + 1, j - i - 1);
            if (pin < 0) { /* not a placeholder, or no pin for it: left as is */
                i++;
                continue;
            }
            sb_append(&sb, f + lit, i - lit);
            value v;
            if (ctx_dyn_get(c, (size_t)pin, &v) != 0) {
                sb_free(&sb);
                return NODE_FAIL;
            }
            rc = put_value(&sb, v, false);
            i = j + 1;
            lit = i;
        } else {
            i++;
        }
        if (rc == TX_OK && sb.len + (i - lit) > STRING_MAX_BYTES) rc = TX_BIG;
        if (rc == TX_OK && sb.oom) rc = TX_OOM;
    }
    if (rc == TX_OK) sb_append(&sb, f + lit, len - lit);
    if (rc == TX_OK && sb.oom) rc = TX_OOM;
    if (rc != TX_OK) {
        sb_free(&sb);
        return text_fail(c, rc, "formatted_string");
    }
    return set_built(c, FMT_OUT, &sb);
}

static const node_def string_format = {
    .type = "string_format", .friendly_name = "Format String", .category = "Strings",
    .description = "format_string with each {name} replaced by the input of that name; {{ and }} are literal "
                   "braces.",
    .pins = format_pins, .npins = NPINS(format_pins), .flags = NODEF_FORMAT_INPUTS, .run = format_run,
};

/* ---- string_join -------------------------------------------------------------------- */
enum { J_STRINGS, J_SEP, J_OUT };
static const pin_def join_pins[] = {PIN_IN_ARR("strings", PT_STRING), PIN_IN("separator", PT_STRING, NULL),
                                    PIN_OUT("joined_string", PT_STRING)};

static int join_run(node_ctx *c) {
    json_t *arr;
    const char *sep;
    size_t seplen;
    if (ctx_array(c, J_STRINGS, &arr) != 0 || ctx_str(c, J_SEP, &sep, &seplen) != 0) return NODE_FAIL;
    size_t n = json_array_size(arr), total = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        if (!json_is_string(e)) {
            value v = value_from_json(e);
            const char *kind = value_kind_name(v);
            value_release(v);
            return ctx_fail(c, "input strings: element %zu is %s, not a string", i, kind);
        }
        total += json_string_length(e) + (i ? seplen : 0);
        if (total > STRING_MAX_BYTES)
            return ctx_fail(c, "joined_string: the text would exceed the limit of %u bytes", STRING_MAX_BYTES);
    }
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        if (i) sb_append(&sb, sep, seplen);
        sb_append(&sb, json_string_value(e), json_string_length(e));
    }
    if (sb.oom) {
        sb_free(&sb);
        return ctx_fail(c, "out of memory");
    }
    return set_built(c, J_OUT, &sb);
}

static const node_def string_join = {
    .type = "string_join", .friendly_name = "Join Strings", .category = "Strings",
    .description = "The strings joined with separator between them; an element that is not a string fails the "
                   "node.",
    .pins = join_pins, .npins = NPINS(join_pins), .run = join_run,
};

/* ---- string_split --------------------------------------------------------------------- */
enum { SP_STRING, SP_SEP, SP_OUT };
static const pin_def split_pins[] = {PIN_IN("string", PT_STRING, NULL), PIN_IN("separator", PT_STRING, NULL),
                                     PIN_OUT_ARR("substrings", PT_STRING)};

/* Bytes in the UTF-8 character starting with lead byte `b` (1 for a stray
 * byte, which valid input never has). */
static size_t utf8_len(unsigned char b) {
    if (b >= 0xF0 && b <= 0xF4) return 4;
    if (b >= 0xE0) return b <= 0xEF ? 3 : 1;
    if (b >= 0xC2) return 2;
    return 1;
}

static int split_run(node_ctx *c) {
    const char *s, *sep;
    size_t len, seplen;
    if (ctx_str(c, SP_STRING, &s, &len) != 0 || ctx_str(c, SP_SEP, &sep, &seplen) != 0) return NODE_FAIL;
    json_t *out = json_array();
    if (!out) return ctx_fail(c, "out of memory");
    size_t pos = 0, parts = 0;
    bool done = seplen == 0 && len == 0; /* "" split into characters: no parts */
    while (!done) {
        size_t end, next;
        if (seplen == 0) {
            size_t n = utf8_len((unsigned char)s[pos]);
            end = pos + (n <= len - pos ? n : len - pos);
            next = end;
            done = next >= len;
        } else {
            const char *hit = memmem(s + pos, len - pos, sep, seplen);
            end = hit ? (size_t)(hit - s) : len;
            next = end + seplen;
            done = hit == NULL;
        }
        if (++parts > STRING_SPLIT_MAX_PARTS) {
            json_decref(out);
            return ctx_fail(c, "substrings: more than %u parts", STRING_SPLIT_MAX_PARTS);
        }
        /* pieces of valid UTF-8 cut at a valid UTF-8 separator are valid */
        if (json_array_append_new(out, json_stringn(s + pos, end - pos)) != 0) {
            json_decref(out);
            return ctx_fail(c, "out of memory");
        }
        pos = next;
    }
    return ctx_set_json(c, SP_OUT, out) == 0 ? NODE_OK : NODE_FAIL;
}

static const node_def string_split = {
    .type = "string_split", .friendly_name = "Split String", .category = "Strings",
    .description = "The parts of string between separators; an empty separator splits into characters.",
    .pins = split_pins, .npins = NPINS(split_pins), .run = split_run,
};

/* ---- string_contains ------------------------------------------------------------------- */
enum { CT_STRING, CT_SUB, CT_OUT };
static const pin_def contains_pins[] = {PIN_IN("string", PT_STRING, NULL), PIN_IN("substring", PT_STRING, NULL),
                                        PIN_OUT("contains", PT_BOOLEAN)};

static int contains_run(node_ctx *c) {
    const char *s, *sub;
    size_t len, sublen;
    if (ctx_str(c, CT_STRING, &s, &len) != 0 || ctx_str(c, CT_SUB, &sub, &sublen) != 0) return NODE_FAIL;
    ctx_set_bool(c, CT_OUT, sublen == 0 || memmem(s, len, sub, sublen) != NULL);
    return NODE_OK;
}

static const node_def string_contains = {
    .type = "string_contains", .friendly_name = "Contains", .category = "Strings",
    .description = "True when substring occurs in string (case-sensitive; the empty substring always does).",
    .pins = contains_pins, .npins = NPINS(contains_pins), .run = contains_run,
};

/* ---- equal_string ------------------------------------------------------------------------ */
enum { EQ_STRING, EQ_OUT };
static const pin_def equal_pins[] = {{"string", DIR_IN, PT_STRING, VS_NORMAL, true, NULL},
                                     PIN_OUT("equal", PT_BOOLEAN)};

static int equal_run(node_ctx *c) {
    size_t n = ctx_count(c, EQ_STRING);
    const char *first = NULL;
    size_t firstlen = 0;
    bool all = true;
    for (size_t k = 0; k < n; k++) {
        value v;
        if (ctx_get(c, EQ_STRING, k, &v) != 0) return NODE_FAIL;
        size_t len;
        const char *s = value_str(v, &len);
        if (!s) return ctx_fail(c, "input string#%zu: expected string, got %s", k + 1, value_kind_name(v));
        if (k == 0) {
            first = s;
            firstlen = len;
        } else if (len != firstlen || memcmp(s, first, len) != 0) {
            all = false;
        }
    }
    ctx_set_bool(c, EQ_OUT, all);
    return NODE_OK;
}

static const node_def equal_string = {
    .type = "equal_string", .friendly_name = "Strings Equal", .category = "Strings",
    .description = "True when all string inputs are equal, byte for byte.", .pins = equal_pins,
    .npins = NPINS(equal_pins), .run = equal_run,
};

/* ---- val_to_string ------------------------------------------------------------------------ */
enum { VT_VALUE, VT_PRETTY, VT_OUT };
static const pin_def tostr_pins[] = {PIN_IN("value", PT_GENERIC, NULL), PIN_IN("pretty", PT_BOOLEAN, "true"),
                                     PIN_OUT("string", PT_STRING)};

static int tostr_run(node_ctx *c) {
    value v;
    bool pretty;
    if (ctx_get(c, VT_VALUE, 0, &v) != 0 || ctx_bool(c, VT_PRETTY, &pretty) != 0) return NODE_FAIL;
    size_t len;
    const char *s = value_str(v, &len);
    if (s) return ctx_set_str(c, VT_OUT, s, len) == 0 ? NODE_OK : NODE_FAIL;
    strbuf sb = STRBUF_INIT;
    int rc = put_value(&sb, v, pretty);
    if (rc != TX_OK) {
        sb_free(&sb);
        return text_fail(c, rc, "string");
    }
    return set_built(c, VT_OUT, &sb);
}

static const node_def val_to_string = {
    .type = "val_to_string", .friendly_name = "To String", .category = "Strings",
    .description = "The value as text: strings as they are, anything else as JSON (indented when pretty).",
    .pins = tostr_pins, .npins = NPINS(tostr_pins), .run = tostr_run,
};

const node_def *const catalog_strings[] = {&string_format, &string_join,  &string_split, &string_contains,
                                           &equal_string,  &val_to_string, NULL};
