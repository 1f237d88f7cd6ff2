/* result.h — how a WASM node invocation ends (node-abi.md §5), and the
 * error codes gated host imports return to the guest (§3). */
#ifndef WEIR_SBX_RESULT_H
#define WEIR_SBX_RESULT_H

typedef enum sbx_code {
    SBX_OK,
    SBX_NODE_FAILED,        /* weir_run returned non-zero */
    SBX_FUEL_EXHAUSTED,
    SBX_TIMEOUT,
    SBX_MEMORY_LIMIT,
    SBX_STACK_OVERFLOW,
    SBX_TRAP,
    SBX_INVALID_MODULE,
    SBX_INVALID_MANIFEST,
    SBX_ABI_MISMATCH,
    SBX_UNDECLARED_IMPORT,
    SBX_CAPABILITY_DENIED,
    SBX_BAD_INPUT,
    SBX_BAD_OUTPUT,
    SBX__COUNT
} sbx_code;

/* "ok", "node_failed", "fuel_exhausted", … exactly as in node-abi.md §5. */
const char *sbx_code_name(sbx_code c);

/* Values returned by host imports to the guest. */
enum {
    ABI_OK = 0,
    ABI_BAD_RANGE = -1,      /* pointer/length outside guest memory, bad handle */
    ABI_UNKNOWN_PIN = -2,
    ABI_BAD_JSON = -3,       /* set_output: invalid JSON or wrong type */
    ABI_OUTPUT_TOO_LARGE = -4,
    ABI_DENIED = -10,
    ABI_NETWORK = -11,
    ABI_TIMED_OUT = -12,
    ABI_TOO_LARGE = -13,
    ABI_INVALID_PATH = -20,
    ABI_NOT_FOUND = -21,
};

#endif
