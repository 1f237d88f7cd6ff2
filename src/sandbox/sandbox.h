/* sandbox.h — run WASM package nodes in Wasmtime (node-abi.md).
 *
 * One Wasmtime engine per process (pooling allocator, fuel, epoch
 * interruption). A package is loaded once: size, manifest, imports and
 * exports are checked before anything is compiled; compiled modules are kept
 * in memory by SHA-256 and shared. Every invocation gets a fresh store and
 * instance, its own limits and only the host imports its granted
 * capabilities allow. */
#ifndef WEIR_SANDBOX_H
#define WEIR_SANDBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/manifest.h"
#include "sandbox/policy.h"
#include "sandbox/result.h"
#include "sandbox/wasmfile.h"

typedef struct sbx_package sbx_package;

/* Check and compile a package. On success *out holds a reference (release
 * with sbx_package_release). Errors: invalid_module, invalid_manifest,
 * abi_mismatch, undeclared_import, with a message in err. */
sbx_code sbx_package_load(const uint8_t *bytes, size_t len, const sbx_policy *pol, sbx_package **out, char *err,
                          size_t errlen);
void sbx_package_release(sbx_package *p);
const sbx_manifest *sbx_package_manifest(const sbx_package *p);
const char *sbx_package_sha256(const sbx_package *p);   /* 64 hex digits */
const wasm_info *sbx_package_wasm(const sbx_package *p);

/* What the host offers one invocation. */
typedef struct sbx_env {
    unsigned granted;            /* sbx_cap bits approved by the operator */
    sbx_policy policy;           /* limits (the manifest may only lower them) */
    const char *storage_dir;     /* this package's directory for the app; NULL: storage fails -10 */
    json_t *variables;           /* object name → value, read and written in place; NULL: none */
    json_t *secrets;             /* object name → string; only names the manifest lists are readable */
    json_t *context;             /* object: run_id, app_id, board_id, node_id (borrowed; NULL: {}) */
    bool (*should_abort)(void *ud); /* cancellation of the enclosing run; polled */
    void *ud;
} sbx_env;

typedef struct sbx_result {
    sbx_code code;
    char *message;               /* malloc'd; NULL for ok */
    json_t *outputs;             /* object pin → value */
    json_t *activated;           /* array of execution output names, in order */
    json_t *logs;                /* array of {level, message} */
    json_t *emitted;             /* array of values passed to emit */
    uint64_t fuel_used;
    uint64_t duration_us;
} sbx_result;

/* Run node `node_index` of the package once with `inputs` (an object; pins
 * missing from it get their default or null). Always fills *res (free with
 * sbx_result_free) and returns res->code. */
sbx_code sbx_invoke(sbx_package *p, size_t node_index, json_t *inputs, const sbx_env *env, sbx_result *res);
void sbx_result_free(sbx_result *res);

/* Stop the epoch ticker and drop cached modules (process exit). */
void sbx_shutdown(void);

#endif
