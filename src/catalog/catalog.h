/* catalog.h — the set of node types a board may use.
 *
 * The built-in catalog is static; a catalog may chain a resolver for
 * `pkg:PACKAGE/NODE` types (installed WASM packages, src/sandbox). */
#ifndef WEIR_CATALOG_H
#define WEIR_CATALOG_H

#include <jansson.h>

#include "catalog/node.h"

typedef struct catalog catalog;

/* The built-in catalog (static, never freed). */
const catalog *catalog_builtin(void);
/* Find a node type; NULL when unknown. */
const node_def *catalog_find(const catalog *cat, const char *type);
/* Every node type as a JSON array (new reference), for `weir catalog`. */
json_t *catalog_describe(const catalog *cat);
/* One node type as JSON (new reference). */
json_t *catalog_describe_def(const node_def *def);

/* Domain tables: NULL-terminated arrays, one per src/catalog/<domain>.c. */
extern const node_def *const catalog_events[];
extern const node_def *const catalog_control[];
extern const node_def *const catalog_variables[];
extern const node_def *const catalog_structs[];
extern const node_def *const catalog_math[];
extern const node_def *const catalog_strings[];
extern const node_def *const catalog_arrays[];
extern const node_def *const catalog_json[];
extern const node_def *const catalog_http[];
extern const node_def *const catalog_storage[];
extern const node_def *const catalog_logging[];

/* Pin-table shorthands for the domain files. */
#define PIN_EXEC_IN(n)   {n, DIR_IN, PT_EXECUTION, VS_NORMAL, false, NULL}
#define PIN_EXEC_OUT(n)  {n, DIR_OUT, PT_EXECUTION, VS_NORMAL, false, NULL}
#define PIN_IN(n, t, d)  {n, DIR_IN, t, VS_NORMAL, false, d}
#define PIN_OUT(n, t)    {n, DIR_OUT, t, VS_NORMAL, false, NULL}
#define PIN_IN_ARR(n, t) {n, DIR_IN, t, VS_ARRAY, false, NULL}
#define PIN_OUT_ARR(n, t) {n, DIR_OUT, t, VS_ARRAY, false, NULL}
#define NPINS(a) ((uint16_t)(sizeof(a) / sizeof((a)[0])))

#endif
