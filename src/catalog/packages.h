/* packages.h — node types from installed WASM packages
 * (`pkg:PACKAGE_ID/NODE_NAME`, boards.md §1), for catalog_open.
 *
 * A resolver looks a package up in DATA/packages when a board first names
 * one of its nodes (src/sandbox/store.h): the file must still have the
 * SHA-256 recorded at install, then it is checked and compiled once and one
 * node_def is made per manifest node. Its run function invokes the sandbox
 * with the recorded grants. Everything lives until pkgres_free. */
#ifndef WEIR_CATALOG_PACKAGES_H
#define WEIR_CATALOG_PACKAGES_H

#include <jansson.h>
#include <stddef.h>

#include "catalog/node.h"

#define PKG_TYPE_PREFIX "pkg:"

typedef struct pkg_resolver pkg_resolver;

/* A resolver over data_dir's installed packages (data_dir copied; NULL: no
 * packages). NULL only when out of memory. */
pkg_resolver *pkgres_new(const char *data_dir);
void pkgres_free(pkg_resolver *r);

/* The node type `type` ("pkg:ID/NAME"), or NULL; then, when why is not NULL,
 * why holds the reason ("package x is not installed", "package x has changed
 * since it was granted: install it again", …). Thread-safe. */
const node_def *pkgres_find(pkg_resolver *r, const char *type, char *why, size_t whylen);

/* Append every node of every installed package that loads to arr, as
 * catalog_describe_def does, plus "package", "version", "capabilities"
 * (requested) and "granted". */
void pkgres_describe(pkg_resolver *r, json_t *arr);

#endif
