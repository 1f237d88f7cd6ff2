/* checks.h — the checks a package passes before it is instantiated.
 *
 * Loading a package is: read the module (wasmfile.h), parse its manifest
 * (manifest.h), then check the module against the manifest — imports
 * (node-abi.md §4.1) and exports (§2) — and, before it runs, the operator's
 * grants (§4.2). Each failure has exactly one result code; docs/node-abi.md
 * ("Package checks") lists them with the choices made where the ABI is
 * silent. sbx_package_open runs everything but the grants, in the order
 * that decides which code a package with several faults gets. */
#ifndef WEIR_SBX_CHECKS_H
#define WEIR_SBX_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/manifest.h"
#include "sandbox/policy.h"
#include "sandbox/result.h"
#include "sandbox/wasmfile.h"

/* One host function a module may import. The signature is written as the
 * parameter types, ':' and the result types, one letter each: 'i' i32,
 * 'I' i64 ("iii:" is (i32, i32, i32) -> (), ":I" is () -> i64). */
typedef struct sbx_host_import {
    const char *name;
    const char *sig;
    unsigned cap;     /* the sbx_cap it needs, 0 when always available */
    unsigned ops;     /* for storage and variables: the operation it needs */
} sbx_host_import;

/* The functions of module "weir" (node-abi.md §3), in the order of the
 * ABI's tables. Sets *n. */
const sbx_host_import *sbx_weir_imports(size_t *n);
/* The functions of module "wasi_snapshot_preview1". Sets *n. */
const sbx_host_import *sbx_wasi_imports(size_t *n);

/* True when t is exactly the signature sig (see sbx_host_import). */
bool sbx_sig_matches(const char *sig, const wasm_functype *t);

/* Check a module against its manifest, before instantiation:
 *   SBX_UNDECLARED_IMPORT  an import that is not a function; from a module
 *                          other than "weir" (or "wasi_snapshot_preview1"
 *                          with "wasi": true); an unknown name; or a
 *                          function whose capability (storage and variables:
 *                          operation) the manifest does not request;
 *   SBX_ABI_MISMATCH       a known import with another signature than the
 *                          ABI's; `memory` not exported as memory 0, or that
 *                          memory 64-bit or shared; `weir_alloc` or
 *                          `weir_run` missing or mistyped; `_initialize`
 *                          exported with another type than () -> ().
 * Undeclared imports are looked for before signatures, and imports before
 * exports. Returns SBX_OK or the code, with a message in err. */
sbx_code sbx_check_module(const sbx_manifest *m, const wasm_info *w, char *err, size_t errlen);

/* Check the operator's grants (sbx_cap bits): SBX_CAPABILITY_DENIED, naming
 * what is missing, unless every capability the manifest requests is granted.
 * Grants the manifest does not request are ignored: on SBX_OK the
 * capabilities in force are exactly m->caps. */
sbx_code sbx_check_grants(const sbx_manifest *m, unsigned granted, char *err, size_t errlen);

/* What --grant-all grants: exactly the capabilities m requests. */
unsigned sbx_grant_all(const sbx_manifest *m);

/* Read, parse and check a package (everything but the grants), in this
 * order, the first failure deciding the code:
 *   1. len above pol->module_bytes, or not a well-formed core module:
 *      SBX_INVALID_MODULE;
 *   2. no `weir.manifest` section, two of them, or one too large:
 *      SBX_INVALID_MANIFEST;
 *   3. the manifest: SBX_INVALID_MANIFEST or SBX_ABI_MISMATCH;
 *   4. sbx_check_module.
 * pol NULL means sbx_policy_default(). On SBX_OK, *w and *m are filled
 * (release with wasm_info_free and sbx_manifest_free); otherwise *w is
 * zeroed, *m is NULL, and err has the message. */
sbx_code sbx_package_open(const uint8_t *bytes, size_t len, const sbx_policy *pol, wasm_info *w, sbx_manifest **m,
                          char *err, size_t errlen);

#endif
