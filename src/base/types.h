/* types.h — pin types and value kinds shared by boards, catalog and engine. */
#ifndef WEIR_TYPES_H
#define WEIR_TYPES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum pin_type {
    PT_EXECUTION, PT_STRING, PT_INTEGER, PT_FLOAT, PT_BOOLEAN,
    PT_DATE, PT_BYTES, PT_STRUCT, PT_GENERIC, PT__COUNT
} pin_type;

typedef enum value_shape {        /* boards.md calls it value_type */
    VS_NORMAL, VS_ARRAY, VS_MAP, VS_SET, VS__COUNT
} value_shape;

typedef enum pin_dir { DIR_IN, DIR_OUT } pin_dir;

const char *pin_type_name(pin_type t);
const char *value_shape_name(value_shape s);
/* Parse a name; return -1 when unknown. */
int pin_type_parse(const char *s);
int value_shape_parse(const char *s);

#endif
