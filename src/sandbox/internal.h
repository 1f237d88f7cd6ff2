/* internal.h — sandbox state shared by runtime.c (engine, packages,
 * invocations) and hostcalls.c (the `weir` imports). Not a public API. */
#ifndef WEIR_SBX_INTERNAL_H
#define WEIR_SBX_INTERNAL_H

#include <wasi.h>
#include <wasm.h>
#include <wasmtime.h>

#include "sandbox/sandbox.h"

#define SANDBOX_MAX_TABLE_ELEMENTS 100000   /* one table per module, this many entries */
#define SANDBOX_MAX_BUFFERS 256              /* host buffers a guest may hold at once */

struct sbx_package {
    sbx_package *next;           /* in the cache */
    int refs;                    /* guarded by the engine mutex */
    bool cached;
    char sha256[65];
    wasm_info wasm;
    sbx_manifest *manifest;
    wasmtime_module_t *module;
    wasmtime_instance_pre_t *pre; /* imports resolved once */
    uint64_t memory_min_bytes;   /* the exported memory's initial size */
    /* positions in the export list (wasmtime_instance_export_nth), -1 absent */
    int exp_initialize, exp_memory, exp_alloc, exp_run;
};

typedef struct sbx_buffer {
    char *data;
    size_t len;
} sbx_buffer;

/* One invocation: the store's data, seen by every host call. */
typedef struct sbx_call {
    sbx_package *pkg;
    const sbx_node *node;
    const sbx_env *env;
    sbx_result *res;
    wasmtime_context_t *ctx;
    wasmtime_memory_t memory;
    bool has_memory;
    uint64_t deadline_ns, timeout_ms;
    bool expired;
    sbx_code forced;             /* a reason the host recorded, first wins */
    char *forced_msg;
    char *fail_msg;              /* from weir.fail */
    size_t output_bytes;
    size_t log_bytes;
    bool log_truncated;
    sbx_buffer *buffers;         /* handle = index + 1; grown on demand */
    int nbuffers;
} sbx_call;

/* deps/wasmtime/src/lib.rs: a store limiter that remembers a refused memory
 * growth (the C API's own refuses silently). */
typedef struct WeirLimiter weir_limiter;
weir_limiter *weir_store_limiter(wasmtime_store_t *store, size_t memory_bytes, size_t table_elements);
bool weir_limiter_refused(const weir_limiter *lim);
void weir_limiter_free(weir_limiter *lim);

uint64_t sbx_now_ns(void);
/* True once the invocation's wall clock ran out or its run was stopped. */
bool sbx_call_expired(sbx_call *c);
/* Record why the invocation must end with `code` (the first reason wins). */
void sbx_call_force(sbx_call *c, sbx_code code, const char *msg);
/* Free what the host calls left (buffers, messages). */
void sbx_call_release(sbx_call *c);

/* hostcalls.c: define every `weir` import on a linker. */
int sbx_define_imports(wasmtime_linker_t *linker, const char **why);
/* hostcalls.c: the WASI configuration of a call (no env, args, stdin;
 * stdout/stderr to the log; the storage directory preopened when granted). */
wasi_config_t *sbx_wasi_config(sbx_call *c);

#endif
