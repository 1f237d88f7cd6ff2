/* value.c — conversions between pin values and JSON. */
#include "engine/value.h"

value value_from_json_steal(json_t *j) {
    value v = value_from_json(j);
    json_decref(j);
    return v;
}

value value_from_json(json_t *j) {
    if (!j) return VALUE_NULL;
    switch (json_typeof(j)) {
    case JSON_TRUE: return value_bool(true);
    case JSON_FALSE: return value_bool(false);
    case JSON_INTEGER: return value_int(json_integer_value(j));
    case JSON_REAL: return value_float(json_real_value(j));
    case JSON_NULL: return VALUE_NULL;
    default:
        json_incref(j);
        return (value){.kind = V_JSON, .u.j = j};
    }
}

json_t *value_to_json(value v) {
    switch ((value_kind)v.kind) {
    case V_BOOL: return json_boolean(v.u.b);
    case V_INT: return json_integer(v.u.i);
    case V_FLOAT: return json_real(v.u.f);
    case V_JSON: return json_incref(v.u.j);
    case V_NULL: break;
    }
    return json_null();
}

value value_string(const char *s, size_t len) {
    json_t *j = json_stringn(s, len);
    if (!j) return VALUE_NULL;
    return (value){.kind = V_JSON, .u.j = j};
}

bool value_is_string(value v) { return v.kind == V_JSON && json_is_string(v.u.j); }

const char *value_str(value v, size_t *len) {
    if (!value_is_string(v)) return NULL;
    if (len) *len = json_string_length(v.u.j);
    return json_string_value(v.u.j);
}

const char *value_kind_name(value v) {
    switch ((value_kind)v.kind) {
    case V_NULL: return "null";
    case V_BOOL: return "boolean";
    case V_INT: return "integer";
    case V_FLOAT: return "float";
    case V_JSON:
        if (json_is_string(v.u.j)) return "string";
        if (json_is_object(v.u.j)) return "object";
        return "array";
    }
    return "?";
}
