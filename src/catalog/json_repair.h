/* json_repair.h — turn almost-JSON (typical LLM output) into JSON values.
 *
 * What is repaired, in order:
 *   1. Input that is already JSON (any value, jansson strict) is returned as is.
 *   2. A Markdown code fence (```json ... ``` or ``` ... ```) that opens
 *      before the first '{' or '[' is stripped: its content is strictly
 *      parsed first (so a fenced scalar like 42 works); failing that it is
 *      repaired as below, and a "```" between tokens ends the input.
 *   3. Leading prose is skipped up to the first '{' or '['; text after the
 *      matching close is dropped.
 *   4. Inside the value: single-quoted strings, unquoted object keys
 *      (identifiers: letters, digits, '_', '$'), trailing commas, line
 *      comments (// ...) and block comments (slash-star ... star-slash),
 *      True/False/None/undefined (-> true/false/null/null),
 *      raw control characters such as newlines inside strings, a leading '+'
 *      or a bare '.' in numbers (.5, 5.), integers too large for 64 bits
 *      (-> reals), unknown escapes like "\d" (kept as backslash + character),
 *      lone UTF-16 surrogates in \u escapes (-> U+FFFD).
 *   5. Truncated input: unterminated strings, arrays and objects are closed at
 *      the end of input; a key left without a value there is dropped.
 * Still errors: NaN / Infinity, "\u0000" or a raw NUL byte in a string,
 * invalid UTF-8, missing commas or colons, a bare word in value position,
 * nesting deeper than JSON_REPAIR_MAX_DEPTH, and input with no '{' or '['
 * ("no JSON value found"). */
#ifndef WEIR_CATALOG_JSON_REPAIR_H
#define WEIR_CATALOG_JSON_REPAIR_H

#include <jansson.h>
#include <stddef.h>

/* Parse the `len` bytes at `src` (need not be NUL-terminated; NULL is allowed
 * when len is 0) as JSON, repairing what is described above. Returns a new
 * reference the caller owns (json_decref it), or NULL with a NUL-terminated
 * message in err (at most errlen bytes, truncated; err may be NULL or errlen
 * 0). Messages carry the line and column of the problem. Pure: no I/O, no
 * global state, thread-safe. */
json_t *json_repair_parse(const char *src, size_t len, char *err, size_t errlen);

#endif
