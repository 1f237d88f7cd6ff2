/* typecheck.c — the type rules of boards.md §1, in one place. */
#include "board/typecheck.h"

#include <stdlib.h>
#include <string.h>

#include "base/textfmt.h"

static bool scalar_ok(const json_t *v, pin_type type, const char **why) {
    switch (type) {
    case PT_EXECUTION:
        *why = "execution pins take no value";
        return false;
    case PT_GENERIC:
        return true;
    case PT_STRING:
        *why = "expected a string";
        return json_is_string(v);
    case PT_INTEGER:
        *why = "expected an integer";
        return json_is_integer(v);
    case PT_FLOAT:
        *why = "expected a number";
        return json_is_number(v);
    case PT_BOOLEAN:
        *why = "expected true or false";
        return json_is_boolean(v);
    case PT_STRUCT:
        *why = "expected a JSON object";
        return json_is_object(v);
    case PT_DATE:
        *why = "expected an RFC 3339 date string";
        return json_is_string(v) && rfc3339_valid(json_string_value(v), json_string_length(v));
    case PT_BYTES:
        *why = "expected a base64 string";
        return json_is_string(v) && base64_valid(json_string_value(v), json_string_length(v));
    case PT__COUNT:
        break;
    }
    *why = "unknown type";
    return false;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sets: compare canonical texts after sorting, O(n log n) for large literals. */
static bool all_distinct(const json_t *arr) {
    size_t n = json_array_size(arr);
    if (n < 2) return true;
    char **texts = calloc(n, sizeof *texts);
    bool ok = texts != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        texts[i] = json_dumps(json_array_get(arr, i), JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
        ok = texts[i] != NULL;
    }
    if (ok) {
        qsort(texts, n, sizeof *texts, cmp_str);
        for (size_t i = 1; ok && i < n; i++) ok = strcmp(texts[i - 1], texts[i]) != 0;
    }
    for (size_t i = 0; texts && i < n; i++) free(texts[i]);
    free(texts);
    return ok;
}

bool typecheck_json(const json_t *v, pin_type type, value_shape shape, const char **why) {
    const char *dummy;
    if (!why) why = &dummy;
    if (type == PT_EXECUTION) {
        *why = "execution pins take no value";
        return false;
    }
    switch (shape) {
    case VS_NORMAL:
        return scalar_ok(v, type, why);
    case VS_ARRAY:
    case VS_SET: {
        if (!json_is_array(v)) {
            *why = "expected an array";
            return false;
        }
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (!scalar_ok(e, type, why)) return false;
        }
        if (shape == VS_SET && !all_distinct(v)) {
            *why = "a set holds each value once";
            return false;
        }
        return true;
    }
    case VS_MAP: {
        if (!json_is_object(v)) {
            *why = "expected an object (map)";
            return false;
        }
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e) {
            if (!scalar_ok(e, type, why)) return false;
        }
        return true;
    }
    case VS__COUNT:
        break;
    }
    *why = "unknown value_type";
    return false;
}

bool typecheck_compatible(pin_type ft, value_shape fs, pin_type tt, value_shape ts) {
    if (ft == PT_EXECUTION || tt == PT_EXECUTION) return ft == tt;
    /* a plain generic holds any JSON: checked when the value arrives */
    if ((tt == PT_GENERIC && ts == VS_NORMAL) || (ft == PT_GENERIC && fs == VS_NORMAL)) return true;
    bool fs_list = fs == VS_ARRAY || fs == VS_SET, ts_list = ts == VS_ARRAY || ts == VS_SET;
    if (fs != ts && !(fs_list && ts_list)) return false;
    if (ft == tt || ft == PT_GENERIC || tt == PT_GENERIC) return true;
    return ft == PT_INTEGER && tt == PT_FLOAT;
}

json_t *typecheck_zero(pin_type type, value_shape shape) {
    if (shape == VS_ARRAY || shape == VS_SET) return json_array();
    if (shape == VS_MAP) return json_object();
    switch (type) {
    case PT_STRING:
    case PT_BYTES:
        return json_string("");
    case PT_INTEGER:
        return json_integer(0);
    case PT_FLOAT:
        return json_real(0.0);
    case PT_BOOLEAN:
        return json_false();
    case PT_STRUCT:
        return json_object();
    case PT_DATE:
        return json_string("1970-01-01T00:00:00Z");
    default:
        return json_null();
    }
}
