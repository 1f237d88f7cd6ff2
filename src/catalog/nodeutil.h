/* nodeutil.h — small helpers shared by the node domain files. */
#ifndef WEIR_NODEUTIL_H
#define WEIR_NODEUTIL_H

#include <jansson.h>

/* The JSON type of j as a word for messages: "object", "array", "string",
 * "integer", "float", "boolean" or "null". */
const char *json_kind_word(const json_t *j);
/* The same with its article: "an object", "a string", …; "null" as it is. */
const char *json_kind_phrase(const json_t *j);

#endif
