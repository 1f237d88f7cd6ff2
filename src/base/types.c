/* types.c — names of pin types and value shapes, as written in boards. */
#include "base/types.h"

#include <string.h>

static const char *const type_names[PT__COUNT] = {
    "execution", "string", "integer", "float", "boolean",
    "date", "bytes", "struct", "generic",
};
static const char *const shape_names[VS__COUNT] = {"normal", "array", "map", "set"};

const char *pin_type_name(pin_type t) { return (unsigned)t < PT__COUNT ? type_names[t] : "?"; }
const char *value_shape_name(value_shape s) { return (unsigned)s < VS__COUNT ? shape_names[s] : "?"; }

int pin_type_parse(const char *s) {
    for (int i = 0; i < PT__COUNT; i++)
        if (strcmp(s, type_names[i]) == 0) return i;
    return -1;
}

int value_shape_parse(const char *s) {
    for (int i = 0; i < VS__COUNT; i++)
        if (strcmp(s, shape_names[i]) == 0) return i;
    return -1;
}
