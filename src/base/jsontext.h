/* jsontext.h — compact JSON text of a jansson value, written straight into a
 * buffer. The same text json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) gives
 * (objects in their insertion order), at a fraction of its cost: the server
 * writes several values per run (result, report, the answer), and jansson's
 * writer goes through a callback and snprintf for every token. */
#ifndef WEIR_JSONTEXT_H
#define WEIR_JSONTEXT_H

#include <jansson.h>

#include "base/strbuf.h"

/* Append j's compact JSON text (a NULL j appends nothing). */
void sb_json(strbuf *sb, const json_t *j);
/* j's compact JSON text, malloc'd; NULL when j is NULL or memory ran out. */
char *json_text(const json_t *j);
/* The length of that text without writing it; counting stops soon after
 * `limit` is passed (the result is then > limit). */
size_t json_text_size(const json_t *j, size_t limit);

#endif
