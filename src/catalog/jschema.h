/* jschema.h — validate JSON values against a subset of JSON Schema 2020-12
 * (the `parse_with_schema` node). docs/schema-subset.md is the user-facing
 * list; in short:
 *
 * Checked:  type (a name or an array of names; "integer" also accepts reals
 *           with no fractional part), enum, const, properties, required,
 *           additionalProperties (boolean or schema), items (a schema),
 *           prefixItems, minItems, maxItems, uniqueItems, minLength and
 *           maxLength (in Unicode code points), minimum, maximum,
 *           exclusiveMinimum, exclusiveMaximum (numbers), multipleOf, minProperties,
 *           maxProperties, allOf, anyOf, oneOf, not, $ref ("#/$defs/NAME" or
 *           "#/definitions/NAME" only), and the boolean schemas true / false.
 * Ignored (annotations): $schema, $id, $comment, title, description, default,
 *           examples, deprecated, readOnly, writeOnly, format, $defs and
 *           definitions (their schemas are still checked for support).
 * Refused:  every other keyword (pattern, patternProperties, if/then/else,
 *           dependentSchemas, contains, ...): the whole schema is rejected,
 *           so nobody believes a check ran when it did not.
 * Numbers compare by value (1 equals 1.0 in enum, const, uniqueItems).
 * Schema evaluation nests at most SCHEMA_MAX_DEPTH levels; deeper (a $ref
 * cycle, or recursive schemas on deeply nested data) is a schema error. */
#ifndef WEIR_CATALOG_JSCHEMA_H
#define WEIR_CATALOG_JSCHEMA_H

#include <jansson.h>
#include <stddef.h>

/* Validate `data` against `schema`. Returns 0 when valid; -1 when invalid,
 * with err saying where (a JSON pointer into data such as /items/0/name, or
 * "(root)") and why, e.g. "/items/0/name: expected type string, got integer";
 * -2 when the schema itself is malformed or uses an unsupported keyword (the
 * message names the keyword and its place in the schema). The whole schema is
 * checked before any data is looked at. err receives a NUL-terminated message
 * of at most errlen bytes (truncated; err may be NULL or errlen 0). Neither
 * value is modified or retained; the caller keeps ownership of both. Pure:
 * no I/O, no global state, thread-safe. */
int jschema_validate(const json_t *schema, const json_t *data, char *err, size_t errlen);

#endif
