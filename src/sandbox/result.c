/* result.c — names of invocation results. */
#include "sandbox/result.h"

const char *sbx_code_name(sbx_code c) {
    static const char *const names[SBX__COUNT] = {
        "ok", "node_failed", "fuel_exhausted", "timeout", "memory_limit", "stack_overflow", "trap",
        "invalid_module", "invalid_manifest", "abi_mismatch", "undeclared_import", "capability_denied",
        "bad_input", "bad_output",
    };
    return (unsigned)c < SBX__COUNT ? names[c] : "?";
}
