/* typecheck.h — does a JSON value fit a pin type? Used for literal inputs,
 * variable defaults and overrides (rule `bad_value`), and pin compatibility
 * for connections (rule `type_mismatch`). */
#ifndef WEIR_TYPECHECK_H
#define WEIR_TYPECHECK_H

#include <jansson.h>
#include <stdbool.h>

#include "base/types.h"

/* True when `v` is a valid value of (type, shape); otherwise *why names the
 * problem (static text). */
bool typecheck_json(const json_t *v, pin_type type, value_shape shape, const char **why);
/* True when an output of (ft, fs) may feed an input of (tt, ts). */
bool typecheck_compatible(pin_type ft, value_shape fs, pin_type tt, value_shape ts);
/* The zero value of a type (new reference): 0, 0.0, false, "", {}, [] or null. */
json_t *typecheck_zero(pin_type type, value_shape shape);

#endif
