/* nodeutil.c — see nodeutil.h. */
#include "catalog/nodeutil.h"

#include <string.h>

const char *json_kind_phrase(const json_t *j) {
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a float";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: break;
    }
    return "null";
}

/* The phrase without its article. */
const char *json_kind_word(const json_t *j) {
    const char *p = json_kind_phrase(j);
    const char *sp = strchr(p, ' ');
    return sp ? sp + 1 : p;
}
