/* policy.h — the host's per-invocation limits for WASM packages
 * (node-abi.md §4.6) and the operator's network switch.
 *
 * A manifest's `limits` may only ask for less: sbx_manifest_parse clamps
 * each requested limit to the policy it is given. The defaults are the named
 * constants of src/base/limits.h; an operator may change any field (the CLI's
 * --fuel, --memory-mb, --timeout-ms, --allow-private-net). */
#ifndef WEIR_SBX_POLICY_H
#define WEIR_SBX_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/limits.h"

typedef struct sbx_policy {
    uint64_t fuel;               /* fuel per invocation: fuel_exhausted */
    uint64_t memory_bytes;       /* guest linear memory: memory_limit */
    uint64_t timeout_ms;         /* wall clock, host calls included: timeout */
    uint64_t stack_bytes;        /* wasm stack: stack_overflow */
    uint64_t input_bytes;        /* input JSON: bad_input */
    uint64_t output_bytes;       /* all outputs together: bad_output */
    uint64_t log_bytes;          /* log bytes; the rest dropped */
    uint64_t http_body_bytes;    /* HTTP response body: -13 */
    uint64_t storage_file_bytes; /* one storage file: -13 */
    uint64_t module_bytes;       /* the .wasm file: invalid_module */
    bool allow_private_net;      /* loopback / RFC 1918 / ULA reachable by http_request */
} sbx_policy;

/* The defaults of node-abi.md §4.6. */
static inline sbx_policy sbx_policy_default(void) {
    sbx_policy p = {
        .fuel = SANDBOX_DEFAULT_FUEL,
        .memory_bytes = SANDBOX_DEFAULT_MEMORY_BYTES,
        .timeout_ms = SANDBOX_DEFAULT_TIMEOUT_MS,
        .stack_bytes = SANDBOX_DEFAULT_STACK_BYTES,
        .input_bytes = SANDBOX_MAX_INPUT_BYTES,
        .output_bytes = SANDBOX_MAX_OUTPUT_BYTES,
        .log_bytes = SANDBOX_MAX_LOG_BYTES,
        .http_body_bytes = SANDBOX_MAX_HTTP_BODY_BYTES,
        .storage_file_bytes = SANDBOX_MAX_STORAGE_FILE_BYTES,
        .module_bytes = SANDBOX_MAX_MODULE_BYTES,
        .allow_private_net = false,
    };
    return p;
}

#endif
