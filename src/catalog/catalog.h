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
/* The built-in catalog chained with the WASM packages installed in
 * data_dir: `pkg:PACKAGE_ID/NODE_NAME` types are resolved on first use
 * (catalog/packages.h); a package whose file no longer has the SHA-256
 * recorded at install is refused. data_dir NULL: no packages. Close it after
 * every plan made with it is freed. NULL only when out of memory. */
catalog *catalog_open(const char *data_dir);
/* Release a catalog from catalog_open (NULL and the built-in one: nothing). */
void catalog_close(catalog *cat);
/* Find a node type; NULL when unknown. */
const node_def *catalog_find(const catalog *cat, const char *type);
/* The unknown_node_type message for a type catalog_find does not know:
 * `unknown node type "T"`, plus the reason for a package type (not
 * installed, changed since it was granted, no such node, …). */
void catalog_explain(const catalog *cat, const char *type, char *msg, size_t len);
/* Every node type as a JSON array (new reference), for `weir catalog`;
 * with catalog_open, the nodes of the installed packages that load follow
 * the built-in ones, each with "package", "version", "capabilities"
 * (requested) and "granted". */
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
