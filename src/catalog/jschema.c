/* jschema.c — a small JSON Schema (2020-12 subset) validator.
 *
 * Why this exists: `parse_with_schema` promises users that data matching a
 * schema has the shape they described, and downstream nodes rely on it. Full
 * JSON Schema is large (dynamic references, regular expressions with their own
 * dialect, conditional vocabularies), and a validator that silently skips the
 * keywords it does not know breaks that promise without anyone noticing. So
 * this file implements a documented subset (jschema.h, docs/schema-subset.md)
 * and refuses, up front, any schema that uses a keyword outside it. It works
 * in two passes: a static check of the whole schema (every keyword known and
 * well-formed, every $ref resolvable), then validation, which reports the
 * first failure with a JSON pointer into the data. Recursion through nested
 * and referenced schemas is bounded by SCHEMA_MAX_DEPTH. */
#include "catalog/jschema.h"

#include "base/limits.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Messages of anyOf / oneOf / not branches are kept in scratch buffers of at
 * most this many bytes (longer ones are truncated). Not an input limit. */
#define JS_BRANCH_MSG_MAX 1024

/* ---------------------------------------------------------------- buffers */

/* A growable NUL-terminated string used for JSON pointers. */
typedef struct js_path {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
} js_path;

static bool js_path_put(js_path *p, const char *s, size_t n) {
    if (p->oom) return false;
    if (p->cap - p->len <= n) {
        size_t cap = p->cap ? p->cap : 64;
        while (cap - p->len <= n) {
            if (cap > SIZE_MAX / 2) { p->oom = true; return false; }
            cap *= 2;
        }
        char *d = realloc(p->data, cap);
        if (!d) { p->oom = true; return false; }
        p->data = d;
        p->cap = cap;
    }
    memcpy(p->data + p->len, s, n);
    p->len += n;
    p->data[p->len] = '\0';
    return true;
}

/* Append "/" + key with JSON pointer escaping (~ -> ~0, / -> ~1); returns the
 * previous length, to be given to js_path_pop. */
static size_t js_path_push_key(js_path *p, const char *key, size_t n) {
    size_t mark = p->len;
    js_path_put(p, "/", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (key[i] == '~' || key[i] == '/') {
            js_path_put(p, key + run, i - run);
            js_path_put(p, key[i] == '~' ? "~0" : "~1", 2);
            run = i + 1;
        }
    }
    js_path_put(p, key + run, n - run);
    return mark;
}

static size_t js_path_push_str(js_path *p, const char *key) {
    return js_path_push_key(p, key, strlen(key));
}

static size_t js_path_push_index(js_path *p, size_t i) {
    char num[32]; /* a size_t in decimal: at most 20 digits */
    int n = snprintf(num, sizeof num, "%zu", i);
    return js_path_push_key(p, num, (size_t)n);
}

static void js_path_pop(js_path *p, size_t mark) {
    if (p->data && mark <= p->len) {
        p->len = mark;
        p->data[mark] = '\0';
    }
}

static const char *js_path_show(const js_path *p) {
    return p->len ? p->data : "(root)";
}

/* ---------------------------------------------------------------- context */

typedef struct js_ctx {
    const json_t *root;
    js_path path;     /* where we are in the data */
    js_path spath;    /* where we are in the schema (static check only) */
    char *err;        /* current message target (may be a scratch buffer) */
    size_t errlen;
} js_ctx;

static void js_vwrite(js_ctx *c, const char *prefix, const char *fmt, va_list ap) {
    if (!c->err || c->errlen == 0) return;
    int n = snprintf(c->err, c->errlen, "%s", prefix);
    if (n >= 0 && (size_t)n < c->errlen) vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
}

static int js_invalid(js_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int js_bad_schema(js_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Data does not match: "<pointer>: <why>". Returns -1. */
static int js_invalid(js_ctx *c, const char *fmt, ...) {
    if (c->path.oom) return js_bad_schema(c, "out of memory");
    if (!c->err || c->errlen == 0) return -1;
    char *prefix = NULL;
    const char *where = js_path_show(&c->path);
    size_t plen = strlen(where) + 3;
    prefix = malloc(plen);
    if (prefix) snprintf(prefix, plen, "%s: ", where);
    va_list ap;
    va_start(ap, fmt);
    js_vwrite(c, prefix ? prefix : "", fmt, ap);
    va_end(ap);
    free(prefix);
    return -1;
}

/* The schema is unusable: "<why> (at schema <pointer>)". Returns -2. */
static int js_bad_schema(js_ctx *c, const char *fmt, ...) {
    if (!c->err || c->errlen == 0) return -2;
    va_list ap;
    va_start(ap, fmt);
    js_vwrite(c, "", fmt, ap);
    va_end(ap);
    size_t used = strlen(c->err);
    if (used + 1 < c->errlen)
        snprintf(c->err + used, c->errlen - used, " (at schema %s)",
                 c->spath.len ? c->spath.data : "root");
    return -2;
}

/* ---------------------------------------------------------------- values */

static const char *js_type_of(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

static bool js_is_integral(const json_t *v) {
    if (json_is_integer(v)) return true;
    if (!json_is_real(v)) return false;
    double d = json_real_value(v);
    return isfinite(d) && d == floor(d);
}

/* Compare an integer with a finite double exactly (no rounding of i). */
static int js_cmp_int_real(json_int_t i, double d) {
    if (d >= 9223372036854775808.0) return -1;  /* 2^63: above every int64 */
    if (d < -9223372036854775808.0) return 1;
    double t = trunc(d);
    long long ti = (long long)t;
    if (i < ti) return -1;
    if (i > ti) return 1;
    double frac = d - t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

/* -1, 0, 1 comparing two JSON numbers by value. */
static int js_cmp_num(const json_t *a, const json_t *b) {
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    }
    if (json_is_integer(a)) return js_cmp_int_real(json_integer_value(a), json_real_value(b));
    if (json_is_integer(b)) return -js_cmp_int_real(json_integer_value(b), json_real_value(a));
    double x = json_real_value(a), y = json_real_value(b);
    return x < y ? -1 : x > y;
}

/* JSON equality as JSON Schema defines it: numbers by value, objects by keys. */
static bool js_equal(const json_t *a, const json_t *b) {
    if (json_is_number(a) && json_is_number(b)) return js_cmp_num(a, b) == 0;
    if (json_typeof(a) != json_typeof(b)) return false;
    switch (json_typeof(a)) {
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_ARRAY: {
        size_t n = json_array_size(a);
        if (n != json_array_size(b)) return false;
        for (size_t i = 0; i < n; i++)
            if (!js_equal(json_array_get(a, i), json_array_get(b, i))) return false;
        return true;
    }
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b)) return false;
        const char *k;
        size_t klen;
        json_t *va;
        void *tmp;
        json_object_keylen_foreach_safe((json_t *)a, tmp, k, klen, va) {
            const json_t *vb = json_object_getn(b, k, klen);
            if (!vb || !js_equal(va, vb)) return false;
        }
        return true;
    }
    default:
        return true; /* true, false, null */
    }
}

/* A hash consistent with js_equal (equal values hash equally). */
static uint64_t js_hash(const json_t *v) {
    const uint64_t prime = 0x100000001b3ULL;
    uint64_t h = 0xcbf29ce484222325ULL;
    switch (json_typeof(v)) {
    case JSON_INTEGER:
    case JSON_REAL: {
        double d = json_number_value(v);
        if (d == 0) d = 0; /* -0.0 equals 0 */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return (bits ^ 0x9e3779b97f4a7c15ULL) * prime;
    }
    case JSON_STRING: {
        const unsigned char *s = (const unsigned char *)json_string_value(v);
        for (size_t i = 0, n = json_string_length(v); i < n; i++) h = (h ^ s[i]) * prime;
        return h;
    }
    case JSON_ARRAY:
        h ^= 0xa1;
        for (size_t i = 0, n = json_array_size(v); i < n; i++)
            h = (h ^ js_hash(json_array_get(v, i))) * prime;
        return h;
    case JSON_OBJECT: {
        uint64_t sum = 0x0b;
        const char *k;
        size_t klen;
        json_t *val;
        void *tmp;
        json_object_keylen_foreach_safe((json_t *)v, tmp, k, klen, val) {
            uint64_t kh = 0xcbf29ce484222325ULL;
            for (size_t i = 0; i < klen; i++) kh = (kh ^ (unsigned char)k[i]) * prime;
            sum += (kh ^ js_hash(val)) * prime; /* order-independent */
        }
        return sum;
    }
    default:
        return (uint64_t)json_typeof(v) * 0x9e3779b97f4a7c15ULL;
    }
}

typedef struct js_hashed {
    uint64_t hash;
    size_t index;
} js_hashed;

static int js_hashed_cmp(const void *a, const void *b) {
    const js_hashed *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Find two equal items; returns 1 and sets *i < *j, 0 if all unique, -1 on OOM.
 * Sorting by hash keeps this O(n log n) for large arrays. */
static int js_find_duplicate(const json_t *arr, size_t *i, size_t *j) {
    size_t n = json_array_size(arr);
    if (n < 2) return 0;
    js_hashed *h = malloc(n * sizeof *h);
    if (!h) return -1;
    for (size_t k = 0; k < n; k++) {
        h[k].hash = js_hash(json_array_get(arr, k));
        h[k].index = k;
    }
    qsort(h, n, sizeof *h, js_hashed_cmp);
    int found = 0;
    size_t best_i = 0, best_j = 0;
    for (size_t a = 0; a < n; a++) {
        for (size_t b = a + 1; b < n && h[b].hash == h[a].hash; b++) {
            if (js_equal(json_array_get(arr, h[a].index), json_array_get(arr, h[b].index))) {
                size_t x = h[a].index, y = h[b].index; /* x < y: same hash sorts by index */
                if (!found || y < best_j || (y == best_j && x < best_i)) {
                    best_i = x;
                    best_j = y;
                }
                found = 1;
                break;
            }
        }
    }
    free(h);
    *i = best_i;
    *j = best_j;
    return found;
}

static size_t js_utf8_length(const json_t *s) {
    const unsigned char *p = (const unsigned char *)json_string_value(s);
    size_t n = json_string_length(s), count = 0;
    for (size_t i = 0; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) count++;
    return count;
}

/* Format a JSON number for a message (fixed, short output). */
static const char *js_num_str(const json_t *v, char *buf, size_t len) {
    if (json_is_integer(v))
        snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        snprintf(buf, len, "%.17g", json_real_value(v));
    return buf;
}

/* A non-negative integer keyword value (an integral real counts); false if not. */
static bool js_get_count(const json_t *v, uint64_t *out) {
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0) return false;
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    if (!js_is_integral(v) || json_real_value(v) < 0) return false;
    double d = json_real_value(v);
    *out = d >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)d;
    return true;
}

/* ---------------------------------------------------------------- keywords */

typedef enum {
    K_ANNOTATION, /* accepted and ignored */
    K_DEFS,       /* object of schemas, not applied */
    K_TYPE, K_ENUM, K_CONST,
    K_SCHEMA_MAP,  /* properties */
    K_STRINGS,     /* required */
    K_SCHEMA,      /* additionalProperties, items, not */
    K_SCHEMA_LIST, /* prefixItems, allOf, anyOf, oneOf */
    K_COUNT,       /* minItems, maxLength, ... */
    K_BOOL,        /* uniqueItems */
    K_NUMBER,      /* minimum, maximum, exclusive* */
    K_POSITIVE,    /* multipleOf */
    K_REF,
} js_kind;

typedef struct js_keyword {
    const char *name;
    js_kind kind;
} js_keyword;

static const js_keyword js_keywords[] = {
    {"$schema", K_ANNOTATION}, {"$id", K_ANNOTATION}, {"$comment", K_ANNOTATION},
    {"title", K_ANNOTATION}, {"description", K_ANNOTATION}, {"default", K_ANNOTATION},
    {"examples", K_ANNOTATION}, {"deprecated", K_ANNOTATION}, {"readOnly", K_ANNOTATION},
    {"writeOnly", K_ANNOTATION}, {"format", K_ANNOTATION},
    {"$defs", K_DEFS}, {"definitions", K_DEFS},
    {"type", K_TYPE}, {"enum", K_ENUM}, {"const", K_CONST},
    {"properties", K_SCHEMA_MAP}, {"required", K_STRINGS},
    {"additionalProperties", K_SCHEMA}, {"items", K_SCHEMA}, {"not", K_SCHEMA},
    {"prefixItems", K_SCHEMA_LIST}, {"allOf", K_SCHEMA_LIST}, {"anyOf", K_SCHEMA_LIST},
    {"oneOf", K_SCHEMA_LIST},
    {"minItems", K_COUNT}, {"maxItems", K_COUNT}, {"minLength", K_COUNT},
    {"maxLength", K_COUNT}, {"minProperties", K_COUNT}, {"maxProperties", K_COUNT},
    {"uniqueItems", K_BOOL},
    {"minimum", K_NUMBER}, {"maximum", K_NUMBER}, {"exclusiveMinimum", K_NUMBER},
    {"exclusiveMaximum", K_NUMBER},
    {"multipleOf", K_POSITIVE},
    {"$ref", K_REF},
};

static const js_keyword *js_find_keyword(const char *k, size_t klen) {
    for (size_t i = 0; i < sizeof js_keywords / sizeof js_keywords[0]; i++)
        if (strlen(js_keywords[i].name) == klen && memcmp(js_keywords[i].name, k, klen) == 0)
            return &js_keywords[i];
    return NULL;
}

static const char *const js_type_names[] = {"null", "boolean", "object", "array",
                                             "number", "integer", "string"};

static bool js_known_type(const json_t *t) {
    if (!json_is_string(t)) return false;
    for (size_t i = 0; i < sizeof js_type_names / sizeof js_type_names[0]; i++)
        if (strcmp(json_string_value(t), js_type_names[i]) == 0) return true;
    return false;
}

/* Resolve "#/$defs/NAME" or "#/definitions/NAME" (NAME with ~0 ~1 escapes). */
static const json_t *js_resolve(const json_t *root, const char *ref) {
    const char *container, *name;
    if (strncmp(ref, "#/$defs/", 8) == 0) {
        container = "$defs";
        name = ref + 8;
    } else if (strncmp(ref, "#/definitions/", 14) == 0) {
        container = "definitions";
        name = ref + 14;
    } else {
        return NULL;
    }
    const json_t *defs = json_is_object(root) ? json_object_get(root, container) : NULL;
    if (!json_is_object(defs) || *name == '\0' || strchr(name, '/')) return NULL;
    size_t n = strlen(name);
    char *key = malloc(n + 1);
    if (!key) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (name[i] == '~' && (name[i + 1] == '0' || name[i + 1] == '1')) {
            key[k++] = name[i + 1] == '0' ? '~' : '/';
            i++;
        } else if (name[i] == '~') {
            free(key);
            return NULL;
        } else {
            key[k++] = name[i];
        }
    }
    const json_t *target = json_object_getn(defs, key, k);
    free(key);
    return target;
}

/* ---------------------------------------------------------------- pass 1 */

static int js_check(js_ctx *c, const json_t *schema, int depth);

static int js_check_sub(js_ctx *c, const json_t *schema, int depth, const char *seg,
                        const char *seg2, size_t idx, bool use_idx) {
    size_t mark = js_path_push_str(&c->spath, seg);
    if (seg2) js_path_push_str(&c->spath, seg2);
    if (use_idx) js_path_push_index(&c->spath, idx);
    int rc = js_check(c, schema, depth + 1);
    js_path_pop(&c->spath, mark);
    return rc;
}

/* Check that a schema is one this validator understands completely. */
static int js_check(js_ctx *c, const json_t *schema, int depth) {
    if (c->spath.oom) return js_bad_schema(c, "out of memory");
    if (json_is_boolean(schema)) return 0;
    if (!json_is_object(schema)) return js_bad_schema(c, "a schema must be an object or a boolean");
    if (depth > SCHEMA_MAX_DEPTH)
        return js_bad_schema(c, "schema nested deeper than %d levels", SCHEMA_MAX_DEPTH);

    const char *k;
    size_t klen;
    json_t *v;
    void *tmp;
    json_object_keylen_foreach_safe((json_t *)schema, tmp, k, klen, v) {
        const js_keyword *kw = js_find_keyword(k, klen);
        if (!kw) {
            int shown = klen > 64 ? 64 : (int)klen;
            return js_bad_schema(c, "unsupported keyword \"%.*s%s\"", shown, k,
                                 klen > 64 ? "..." : "");
        }
        int rc = 0;
        switch (kw->kind) {
        case K_ANNOTATION:
        case K_CONST:
            break;
        case K_DEFS: {
            if (!json_is_object(v)) return js_bad_schema(c, "\"%s\" must be an object", kw->name);
            const char *dk;
            json_t *dv;
            void *dtmp;
            json_object_foreach_safe(v, dtmp, dk, dv) {
                rc = js_check_sub(c, dv, depth, kw->name, dk, 0, false);
                if (rc) return rc;
            }
            break;
        }
        case K_TYPE:
            if (json_is_string(v)) {
                if (!js_known_type(v))
                    return js_bad_schema(c, "unknown type \"%s\"", json_string_value(v));
            } else if (json_is_array(v) && json_array_size(v) > 0) {
                size_t i;
                json_t *t;
                json_array_foreach(v, i, t) {
                    if (!js_known_type(t))
                        return js_bad_schema(c, "\"type\" entries must be type names "
                                                "(null, boolean, object, array, number, "
                                                "integer, string)");
                }
            } else {
                return js_bad_schema(c, "\"type\" must be a type name or a non-empty array of them");
            }
            break;
        case K_ENUM:
            if (!json_is_array(v)) return js_bad_schema(c, "\"enum\" must be an array");
            break;
        case K_SCHEMA_MAP: {
            if (!json_is_object(v)) return js_bad_schema(c, "\"%s\" must be an object", kw->name);
            const char *pk;
            json_t *pv;
            void *ptmp;
            json_object_foreach_safe(v, ptmp, pk, pv) {
                rc = js_check_sub(c, pv, depth, kw->name, pk, 0, false);
                if (rc) return rc;
            }
            break;
        }
        case K_STRINGS: {
            if (!json_is_array(v)) return js_bad_schema(c, "\"%s\" must be an array of strings", kw->name);
            size_t i;
            json_t *s;
            json_array_foreach(v, i, s) {
                if (!json_is_string(s))
                    return js_bad_schema(c, "\"%s\" must be an array of strings", kw->name);
            }
            break;
        }
        case K_SCHEMA:
            if (strcmp(kw->name, "items") == 0 && json_is_array(v))
                return js_bad_schema(c, "\"items\" must be a schema (use \"prefixItems\" for tuples)");
            rc = js_check_sub(c, v, depth, kw->name, NULL, 0, false);
            if (rc) return rc;
            break;
        case K_SCHEMA_LIST: {
            if (!json_is_array(v) || json_array_size(v) == 0)
                return js_bad_schema(c, "\"%s\" must be a non-empty array of schemas", kw->name);
            size_t i;
            json_t *s;
            json_array_foreach(v, i, s) {
                rc = js_check_sub(c, s, depth, kw->name, NULL, i, true);
                if (rc) return rc;
            }
            break;
        }
        case K_COUNT: {
            uint64_t n;
            if (!js_get_count(v, &n))
                return js_bad_schema(c, "\"%s\" must be a non-negative integer", kw->name);
            break;
        }
        case K_BOOL:
            if (!json_is_boolean(v)) return js_bad_schema(c, "\"%s\" must be a boolean", kw->name);
            break;
        case K_NUMBER:
            if (!json_is_number(v)) return js_bad_schema(c, "\"%s\" must be a number", kw->name);
            break;
        case K_POSITIVE:
            if (!json_is_number(v) || json_number_value(v) <= 0)
                return js_bad_schema(c, "\"%s\" must be a number greater than 0", kw->name);
            break;
        case K_REF:
            if (!json_is_string(v)) return js_bad_schema(c, "\"$ref\" must be a string");
            if (!js_resolve(c->root, json_string_value(v)))
                return js_bad_schema(c, "cannot resolve \"$ref\" \"%s\": only \"#/$defs/NAME\" "
                                        "and \"#/definitions/NAME\" of this schema are supported",
                                     json_string_value(v));
            break;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- pass 2 */

static int js_validate(js_ctx *c, const json_t *schema, const json_t *data, int depth);

/* Validate one subschema with messages going to a scratch buffer. */
static int js_try(js_ctx *c, const json_t *schema, const json_t *data, int depth, char *scratch,
                  size_t scratchlen) {
    char *save = c->err;
    size_t savelen = c->errlen;
    c->err = scratch;
    c->errlen = scratch ? scratchlen : 0;
    if (scratch && scratchlen) scratch[0] = '\0';
    int rc = js_validate(c, schema, data, depth + 1);
    c->err = save;
    c->errlen = savelen;
    return rc;
}

static int js_child(js_ctx *c, const json_t *schema, const json_t *data, int depth, size_t mark) {
    int rc = js_validate(c, schema, data, depth + 1);
    js_path_pop(&c->path, mark);
    return rc;
}

static bool js_type_matches(const json_t *type, const json_t *data) {
    const char *t = json_string_value(type);
    if (strcmp(t, "integer") == 0) return js_is_integral(data);
    if (strcmp(t, "number") == 0) return json_is_number(data);
    if (strcmp(t, "boolean") == 0) return json_is_boolean(data);
    return strcmp(t, js_type_of(data)) == 0;
}

static int js_check_type(js_ctx *c, const json_t *type, const json_t *data) {
    if (json_is_string(type)) {
        if (js_type_matches(type, data)) return 0;
        return js_invalid(c, "expected type %s, got %s", json_string_value(type), js_type_of(data));
    }
    size_t i;
    json_t *t;
    json_array_foreach(type, i, t) {
        if (js_type_matches(t, data)) return 0;
    }
    char *names = json_dumps(type, JSON_COMPACT);
    int rc = js_invalid(c, "expected one of types %s, got %s", names ? names : "[...]",
                        js_type_of(data));
    free(names);
    return rc;
}

static int js_check_number(js_ctx *c, const json_t *schema, const json_t *data) {
    char b1[40], b2[40];
    const json_t *v;
    if ((v = json_object_get(schema, "minimum")) && js_cmp_num(data, v) < 0)
        return js_invalid(c, "%s is less than the minimum %s", js_num_str(data, b1, sizeof b1),
                          js_num_str(v, b2, sizeof b2));
    if ((v = json_object_get(schema, "maximum")) && js_cmp_num(data, v) > 0)
        return js_invalid(c, "%s is greater than the maximum %s", js_num_str(data, b1, sizeof b1),
                          js_num_str(v, b2, sizeof b2));
    if ((v = json_object_get(schema, "exclusiveMinimum")) && js_cmp_num(data, v) <= 0)
        return js_invalid(c, "%s must be greater than %s (exclusiveMinimum)",
                          js_num_str(data, b1, sizeof b1), js_num_str(v, b2, sizeof b2));
    if ((v = json_object_get(schema, "exclusiveMaximum")) && js_cmp_num(data, v) >= 0)
        return js_invalid(c, "%s must be less than %s (exclusiveMaximum)",
                          js_num_str(data, b1, sizeof b1), js_num_str(v, b2, sizeof b2));
    if ((v = json_object_get(schema, "multipleOf"))) {
        bool ok;
        if (json_is_integer(data) && json_is_integer(v)) {
            ok = json_integer_value(data) % json_integer_value(v) == 0;
        } else {
            double q = json_number_value(data) / json_number_value(v);
            /* allow for binary rounding of decimal fractions (0.3 / 0.1) */
            ok = isfinite(q) && fabs(q - round(q)) <= 8 * DBL_EPSILON * fabs(q);
        }
        if (!ok)
            return js_invalid(c, "%s is not a multiple of %s", js_num_str(data, b1, sizeof b1),
                              js_num_str(v, b2, sizeof b2));
    }
    return 0;
}

static int js_check_string(js_ctx *c, const json_t *schema, const json_t *data) {
    const json_t *lo = json_object_get(schema, "minLength");
    const json_t *hi = json_object_get(schema, "maxLength");
    if (!lo && !hi) return 0;
    uint64_t n = js_utf8_length(data), bound;
    if (lo && js_get_count(lo, &bound) && n < bound)
        return js_invalid(c, "string is %" PRIu64 " characters long, shorter than minLength %" PRIu64,
                          n, bound);
    if (hi && js_get_count(hi, &bound) && n > bound)
        return js_invalid(c, "string is %" PRIu64 " characters long, longer than maxLength %" PRIu64,
                          n, bound);
    return 0;
}

static int js_check_array(js_ctx *c, const json_t *schema, const json_t *data, int depth) {
    size_t n = json_array_size(data);
    uint64_t bound;
    const json_t *v;
    if ((v = json_object_get(schema, "minItems")) && js_get_count(v, &bound) && n < bound)
        return js_invalid(c, "array has %zu items, fewer than minItems %" PRIu64, n, bound);
    if ((v = json_object_get(schema, "maxItems")) && js_get_count(v, &bound) && n > bound)
        return js_invalid(c, "array has %zu items, more than maxItems %" PRIu64, n, bound);
    if ((v = json_object_get(schema, "uniqueItems")) && json_is_true(v)) {
        size_t i, j;
        int dup = js_find_duplicate(data, &i, &j);
        if (dup < 0) return js_bad_schema(c, "out of memory");
        if (dup) return js_invalid(c, "items %zu and %zu are equal (uniqueItems)", i, j);
    }
    const json_t *prefix = json_object_get(schema, "prefixItems");
    size_t np = json_array_size(prefix);
    for (size_t i = 0; i < np && i < n; i++) {
        int rc = js_child(c, json_array_get(prefix, i), json_array_get(data, i), depth,
                          js_path_push_index(&c->path, i));
        if (rc) return rc;
    }
    const json_t *items = json_object_get(schema, "items");
    if (items) {
        for (size_t i = np; i < n; i++) {
            int rc = js_child(c, items, json_array_get(data, i), depth,
                              js_path_push_index(&c->path, i));
            if (rc) return rc;
        }
    }
    return 0;
}

static int js_check_object(js_ctx *c, const json_t *schema, const json_t *data, int depth) {
    size_t n = json_object_size(data);
    uint64_t bound;
    const json_t *v;
    if ((v = json_object_get(schema, "required"))) {
        size_t i;
        json_t *name;
        json_array_foreach(v, i, name) {
            if (!json_object_getn(data, json_string_value(name), json_string_length(name)))
                return js_invalid(c, "missing required property \"%s\"", json_string_value(name));
        }
    }
    if ((v = json_object_get(schema, "minProperties")) && js_get_count(v, &bound) && n < bound)
        return js_invalid(c, "object has %zu properties, fewer than minProperties %" PRIu64, n,
                          bound);
    if ((v = json_object_get(schema, "maxProperties")) && js_get_count(v, &bound) && n > bound)
        return js_invalid(c, "object has %zu properties, more than maxProperties %" PRIu64, n,
                          bound);
    const json_t *props = json_object_get(schema, "properties");
    const json_t *extra = json_object_get(schema, "additionalProperties");
    const char *k;
    size_t klen;
    json_t *pv;
    void *tmp;
    if (props) {
        json_object_keylen_foreach_safe((json_t *)props, tmp, k, klen, pv) {
            const json_t *dv = json_object_getn(data, k, klen);
            if (!dv) continue;
            int rc = js_child(c, pv, dv, depth, js_path_push_key(&c->path, k, klen));
            if (rc) return rc;
        }
    }
    if (extra && !json_is_true(extra)) {
        json_object_keylen_foreach_safe((json_t *)data, tmp, k, klen, pv) {
            if (props && json_object_getn(props, k, klen)) continue;
            size_t mark = js_path_push_key(&c->path, k, klen);
            int rc;
            if (json_is_false(extra))
                rc = js_invalid(c, "property is not allowed (additionalProperties is false)");
            else
                rc = js_validate(c, extra, pv, depth + 1);
            js_path_pop(&c->path, mark);
            if (rc) return rc;
        }
    }
    return 0;
}

/* Report a failed anyOf / oneOf, quoting the first branch's reason. */
static int js_combine_fail(js_ctx *c, const char *what, const char *first) {
    if (first && first[0]) return js_invalid(c, "%s (first failure: %s)", what, first);
    return js_invalid(c, "%s", what);
}

static int js_check_combinators(js_ctx *c, const json_t *schema, const json_t *data, int depth) {
    const json_t *v;
    size_t i;
    json_t *sub;
    if ((v = json_object_get(schema, "allOf"))) {
        json_array_foreach(v, i, sub) {
            int rc = js_validate(c, sub, data, depth + 1);
            if (rc) return rc;
        }
    }
    const json_t *any = json_object_get(schema, "anyOf");
    const json_t *one = json_object_get(schema, "oneOf");
    const json_t *not = json_object_get(schema, "not");
    if (!any && !one && !not) return 0;

    size_t slen = c->err && c->errlen ? c->errlen : 0;
    if (slen > JS_BRANCH_MSG_MAX) slen = JS_BRANCH_MSG_MAX;
    char *first = slen ? malloc(slen) : NULL;   /* the first branch's message */
    char *scratch = slen ? malloc(slen) : NULL; /* later branches' messages */
    if (slen && (!first || !scratch)) {
        free(first);
        free(scratch);
        return js_bad_schema(c, "out of memory");
    }
    int rc = 0;
    if (any) {
        bool matched = false;
        json_array_foreach(any, i, sub) {
            int r = js_try(c, sub, data, depth, i == 0 ? first : scratch, slen);
            if (r == -2) {
                if (c->err && c->errlen) snprintf(c->err, c->errlen, "%s", i == 0 ? first : scratch);
                rc = -2;
                goto done;
            }
            if (r == 0) {
                matched = true;
                break;
            }
        }
        if (!matched) {
            rc = js_combine_fail(c, "does not match any schema in anyOf", first);
            goto done;
        }
    }
    if (one) {
        size_t count = 0, a = 0, b = 0;
        json_array_foreach(one, i, sub) {
            int r = js_try(c, sub, data, depth, i == 0 ? first : scratch, slen);
            if (r == -2) {
                if (c->err && c->errlen) snprintf(c->err, c->errlen, "%s", i == 0 ? first : scratch);
                rc = -2;
                goto done;
            }
            if (r == 0) {
                if (count == 0) a = i; else if (count == 1) b = i;
                count++;
            }
        }
        if (count == 0) {
            rc = js_combine_fail(c, "does not match any schema in oneOf", first);
            goto done;
        }
        if (count > 1) {
            rc = js_invalid(c, "matches %zu schemas in oneOf (%zu and %zu), exactly one must match",
                            count, a, b);
            goto done;
        }
    }
    if (not) {
        int r = js_try(c, not, data, depth, scratch, slen);
        if (r == -2) {
            if (c->err && c->errlen) snprintf(c->err, c->errlen, "%s", scratch);
            rc = -2;
            goto done;
        }
        if (r == 0) rc = js_invalid(c, "must not match the schema in \"not\"");
    }
done:
    free(first);
    free(scratch);
    return rc;
}

/* Validate data against an already checked schema. */
static int js_validate(js_ctx *c, const json_t *schema, const json_t *data, int depth) {
    if (c->path.oom) return js_bad_schema(c, "out of memory");
    if (depth > SCHEMA_MAX_DEPTH)
        return js_bad_schema(c, "schema evaluation nested deeper than %d levels at %s "
                                "(a $ref cycle, or recursion deeper than supported)",
                             SCHEMA_MAX_DEPTH, js_path_show(&c->path));
    if (json_is_true(schema)) return 0;
    if (json_is_false(schema)) return js_invalid(c, "no value is allowed here (schema is false)");

    const json_t *v;
    int rc;
    if ((v = json_object_get(schema, "type")) && (rc = js_check_type(c, v, data))) return rc;
    if ((v = json_object_get(schema, "const")) && !js_equal(v, data))
        return js_invalid(c, "value does not equal the \"const\" value");
    if ((v = json_object_get(schema, "enum"))) {
        bool found = false;
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (js_equal(e, data)) { found = true; break; }
        }
        if (!found) return js_invalid(c, "value is not one of the \"enum\" values");
    }
    if (json_is_number(data) && (rc = js_check_number(c, schema, data))) return rc;
    if (json_is_string(data) && (rc = js_check_string(c, schema, data))) return rc;
    if (json_is_array(data) && (rc = js_check_array(c, schema, data, depth))) return rc;
    if (json_is_object(data) && (rc = js_check_object(c, schema, data, depth))) return rc;
    if ((v = json_object_get(schema, "$ref"))) {
        const json_t *target = js_resolve(c->root, json_string_value(v));
        if (!target) return js_bad_schema(c, "cannot resolve \"$ref\"");
        if ((rc = js_validate(c, target, data, depth + 1))) return rc;
    }
    return js_check_combinators(c, schema, data, depth);
}

int jschema_validate(const json_t *schema, const json_t *data, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    js_ctx c = {schema, {0}, {0}, err, errlen};
    int rc;
    if (!schema) {
        rc = js_bad_schema(&c, "no schema given");
    } else if (!data) {
        rc = js_invalid(&c, "no data given");
    } else {
        rc = js_check(&c, schema, 0);
        if (rc == 0) rc = js_validate(&c, schema, data, 0);
    }
    free(c.path.data);
    free(c.spath.data);
    return rc;
}
