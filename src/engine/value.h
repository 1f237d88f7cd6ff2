/* value.h — the value carried by a data pin during a run.
 *
 * Scalars live inline so that arithmetic in loops allocates nothing; strings,
 * objects and arrays are jansson values shared by reference count. `secret`
 * marks a value derived from a secret: it is shown as "***" wherever a run is
 * reported (logs, traces, results, errors). */
#ifndef WEIR_VALUE_H
#define WEIR_VALUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum value_kind { V_NULL, V_BOOL, V_INT, V_FLOAT, V_JSON } value_kind;

typedef struct value {
    uint8_t kind;      /* value_kind */
    uint8_t secret;    /* 1 when derived from a secret */
    union {
        bool b;
        int64_t i;
        double f;
        json_t *j;     /* string, object or array; one reference owned */
    } u;
} value;

#define VALUE_NULL ((value){.kind = V_NULL})

static inline value value_bool(bool b) { return (value){.kind = V_BOOL, .u.b = b}; }
static inline value value_int(int64_t i) { return (value){.kind = V_INT, .u.i = i}; }
static inline value value_float(double f) { return (value){.kind = V_FLOAT, .u.f = f}; }

/* Take ownership of `j` (a new reference): scalars are unpacked and `j` is
 * released; strings, objects and arrays are kept. NULL gives V_NULL. */
value value_from_json_steal(json_t *j);
/* Same, borrowing `j` (a reference is added when kept). */
value value_from_json(json_t *j);
/* A new JSON reference for `v` (json_null() for V_NULL). NULL only on OOM. */
json_t *value_to_json(value v);
/* A new JSON string; V_NULL on OOM or when s is not valid UTF-8. */
value value_string(const char *s, size_t len);

static inline void value_retain(value v) { if (v.kind == V_JSON) json_incref(v.u.j); }
static inline void value_release(value v) { if (v.kind == V_JSON) json_decref(v.u.j); }

/* Replace *slot with v (retaining v, releasing the old value). */
static inline void value_assign(value *slot, value v) {
    value_retain(v);
    value_release(*slot);
    *slot = v;
}

bool value_is_string(value v);
/* String contents of a string value, else NULL. */
const char *value_str(value v, size_t *len);
/* Human name of what the value holds: "null", "boolean", "integer", "float",
 * "string", "object", "array". */
const char *value_kind_name(value v);

#endif
