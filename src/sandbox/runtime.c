/* runtime.c — the Wasmtime side of the sandbox: the engine, compiled
 * packages, and one invocation (node-abi.md §2, §4.6, §4.7, §5).
 *
 * One engine per process, with fuel, epoch interruption, a stack limit and
 * the pooling allocator. A package is checked (checks.c) before it is
 * compiled; compiled modules are shared by SHA-256. Each invocation gets a
 * fresh store and instance: memory, fuel and wall clock are its own, and
 * nothing survives it. Host imports live in hostcalls.c. */
#include "sandbox/internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "board/typecheck.h"
#include "sandbox/checks.h"

#define EPOCH_TICK_MS 2             /* wall-clock resolution of the timeout check */
#define POOL_TOTAL_INSTANCES 256    /* concurrent invocations the pooling allocator serves */
#define POOL_KEEP_RESIDENT (1u << 20) /* bytes of a memory slot reset in place, not decommitted */
#define POOL_MIN_INSTANCES 4        /* fewer slots than this: allocate on demand instead */
/* Address space one pool slot reserves: Wasmtime's 4 GiB for a 32-bit memory
 * (so bounds checks can be elided) plus guard regions, with room to spare. */
#define POOL_SLOT_RESERVE ((size_t)4352 << 20)

/* ---- the engine ------------------------------------------------------------- */

static struct {
    pthread_once_t once;
    wasm_engine_t *engine;
    wasmtime_linker_t *linker;       /* weir imports */
    wasmtime_linker_t *linker_wasi;  /* weir imports + WASI */
    pthread_t ticker;
    bool ticker_started, stopping, ticker_sleeping;
    uint32_t pool_slots;             /* 0: instances allocated on demand */
    uint32_t slots_used;             /* invocations holding a pool slot */
    pthread_cond_t slot_cv;          /* a slot was given back */
    int active;                      /* invocations running: the ticker sleeps at 0 */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char init_error[256];
    /* compiled modules by SHA-256 */
    sbx_package *packages;
} G = {.once = PTHREAD_ONCE_INIT, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
       .slot_cv = PTHREAD_COND_INITIALIZER};

uint64_t sbx_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The epoch ticker: ticks while invocations run, and for a while after, so
 * that a steady stream of short invocations never has to wake it. */
#define TICKER_IDLE_TICKS 500       /* ~1 s without an invocation: sleep */

static void *ticker_main(void *arg) {
    (void)arg;
    int idle = 0;
    pthread_mutex_lock(&G.mu);
    while (!G.stopping) {
        if (G.active == 0 && ++idle > TICKER_IDLE_TICKS) {
            G.ticker_sleeping = true;
            pthread_cond_wait(&G.cv, &G.mu);
            G.ticker_sleeping = false;
            idle = 0;
            continue;
        }
        if (G.active) idle = 0;
        pthread_mutex_unlock(&G.mu);
        usleep(EPOCH_TICK_MS * 1000);
        wasmtime_engine_increment_epoch(G.engine);
        pthread_mutex_lock(&G.mu);
    }
    pthread_mutex_unlock(&G.mu);
    return NULL;
}

/* How many pool slots the process can reserve address space for. Wasmtime
 * aborts when its pool mapping fails (a container's RLIMIT_AS, valgrind), so
 * the reservation is tried here first, halving until it fits; 0 means use
 * on-demand allocation. */
static uint32_t pool_slots(void) {
    for (uint32_t n = POOL_TOTAL_INSTANCES; n >= POOL_MIN_INSTANCES; n /= 2) {
        size_t bytes = (size_t)n * POOL_SLOT_RESERVE;
        void *p = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED) {
            munmap(p, bytes);
            return n;
        }
    }
    return 0;
}

static void engine_init(void) {
    if (sodium_init() < 0) {
        snprintf(G.init_error, sizeof G.init_error, "libsodium could not start");
        return;
    }
    wasm_config_t *cfg = wasm_config_new();
    wasmtime_config_consume_fuel_set(cfg, true);
    wasmtime_config_epoch_interruption_set(cfg, true);
    wasmtime_config_max_wasm_stack_set(cfg, SANDBOX_DEFAULT_STACK_BYTES);
    /* proposals a node never needs stay off: smaller attack surface (threads,
     * GC, exceptions are not even compiled in: see deps/wasmtime) */
    wasmtime_config_wasm_memory64_set(cfg, false);
    wasmtime_config_wasm_multi_memory_set(cfg, false);
    wasmtime_config_wasm_stack_switching_set(cfg, false);
    uint32_t slots = pool_slots();
    if (slots) {
        wasmtime_pooling_allocation_config_t *pool = wasmtime_pooling_allocation_config_new();
        wasmtime_pooling_allocation_config_total_core_instances_set(pool, slots);
        wasmtime_pooling_allocation_config_total_memories_set(pool, slots);
        wasmtime_pooling_allocation_config_total_tables_set(pool, slots);
        wasmtime_pooling_allocation_config_max_memories_per_module_set(pool, 1);
        wasmtime_pooling_allocation_config_max_tables_per_module_set(pool, 1);
        wasmtime_pooling_allocation_config_max_memory_size_set(pool, SANDBOX_MAX_MEMORY_BYTES);
        /* reuse slots warm: reset small memories with memset instead of
         * returning pages to the kernel and faulting them in again */
        wasmtime_pooling_allocation_config_linear_memory_keep_resident_set(pool, POOL_KEEP_RESIDENT);
        wasmtime_pooling_allocation_config_table_keep_resident_set(pool, POOL_KEEP_RESIDENT);
        wasmtime_pooling_allocation_strategy_set(cfg, pool);
        wasmtime_pooling_allocation_config_delete(pool);
    }
    G.pool_slots = slots;
    G.engine = wasm_engine_new_with_config(cfg);
    if (!G.engine) {
        snprintf(G.init_error, sizeof G.init_error, "the Wasmtime engine could not be created");
        return;
    }
    G.linker = wasmtime_linker_new(G.engine);
    G.linker_wasi = wasmtime_linker_new(G.engine);
    const char *why = NULL;
    if (sbx_define_imports(G.linker, &why) != 0 || sbx_define_imports(G.linker_wasi, &why) != 0) {
        snprintf(G.init_error, sizeof G.init_error, "host imports: %s", why ? why : "?");
        return;
    }
    wasmtime_error_t *e = wasmtime_linker_define_wasi(G.linker_wasi);
    if (e) {
        snprintf(G.init_error, sizeof G.init_error, "WASI could not be linked");
        wasmtime_error_delete(e);
        return;
    }
    if (pthread_create(&G.ticker, NULL, ticker_main, NULL) == 0) G.ticker_started = true;
}

static int engine_ready(char *err, size_t errlen) {
    pthread_once(&G.once, engine_init);
    if (G.init_error[0] || !G.ticker_started) {
        snprintf(err, errlen, "sandbox unavailable: %s", G.init_error[0] ? G.init_error : "no epoch ticker");
        return -1;
    }
    return 0;
}

void sbx_shutdown(void) {
    pthread_mutex_lock(&G.mu);
    G.stopping = true;
    pthread_cond_broadcast(&G.cv);
    pthread_mutex_unlock(&G.mu);
    if (G.ticker_started) pthread_join(G.ticker, NULL);
    G.ticker_started = false;
    while (G.packages) {
        sbx_package *p = G.packages;
        G.packages = p->next;
        p->cached = false;
        sbx_package_release(p);
    }
    if (G.linker) wasmtime_linker_delete(G.linker);
    if (G.linker_wasi) wasmtime_linker_delete(G.linker_wasi);
    if (G.engine) wasm_engine_delete(G.engine);
    G.linker = G.linker_wasi = NULL;
    G.engine = NULL;
}

/* A pool slot for one invocation: when all are taken, wait for one until the
 * invocation's deadline (-1 then) rather than fail at instantiation. */
static int slot_acquire(uint64_t deadline_ns) {
    if (!G.pool_slots) return 0;
    pthread_mutex_lock(&G.mu);
    while (G.slots_used >= G.pool_slots) {
        uint64_t now = sbx_now_ns();
        if (now >= deadline_ns) {
            pthread_mutex_unlock(&G.mu);
            return -1;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts); /* the condition variable's clock */
        uint64_t wake = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + (deadline_ns - now);
        ts.tv_sec = (time_t)(wake / 1000000000ull);
        ts.tv_nsec = (long)(wake % 1000000000ull);
        pthread_cond_timedwait(&G.slot_cv, &G.mu, &ts);
    }
    G.slots_used++;
    pthread_mutex_unlock(&G.mu);
    return 0;
}

static void slot_release(void) {
    if (!G.pool_slots) return;
    pthread_mutex_lock(&G.mu);
    G.slots_used--;
    pthread_cond_signal(&G.slot_cv);
    pthread_mutex_unlock(&G.mu);
}

/* ---- packages ------------------------------------------------------------------ */

static void error_text(wasmtime_error_t *e, char *err, size_t errlen) {
    wasm_name_t msg;
    wasmtime_error_message(e, &msg);
    snprintf(err, errlen, "%.*s", (int)(msg.size > 400 ? 400 : msg.size), msg.data);
    wasm_byte_vec_delete(&msg);
    wasmtime_error_delete(e);
}

static int export_position(const wasm_info *w, const char *name) {
    const wasm_export *e = wasm_find_export(w, name);
    return e ? (int)(e - w->exports) : -1;
}

/* The instance's export at position pos, when it has the kind expected. */
static bool export_at(wasmtime_context_t *ctx, const wasmtime_instance_t *inst, int pos, wasmtime_extern_kind_t kind,
                      wasmtime_extern_t *item) {
    char *name;
    size_t len;
    return pos >= 0 && wasmtime_instance_export_nth(ctx, inst, (size_t)pos, &name, &len, item) && item->kind == kind;
}

/* Bytes of linear memory the module's exported memory starts with. */
static uint64_t memory_minimum(const wasmtime_module_t *module) {
    wasm_exporttype_vec_t exports;
    wasmtime_module_exports(module, &exports);
    uint64_t min = 0;
    for (size_t i = 0; i < exports.size; i++) {
        const wasm_externtype_t *t = wasm_exporttype_type(exports.data[i]);
        const wasm_name_t *name = wasm_exporttype_name(exports.data[i]);
        if (wasm_externtype_kind(t) != WASM_EXTERN_MEMORY || name->size != 6 || memcmp(name->data, "memory", 6) != 0)
            continue;
        const wasm_memorytype_t *mt = wasm_externtype_as_memorytype_const(t);
        min = wasmtime_memorytype_minimum(mt) * 65536u;
    }
    wasm_exporttype_vec_delete(&exports);
    return min;
}

sbx_code sbx_package_load(const uint8_t *bytes, size_t len, const sbx_policy *pol, sbx_package **out, char *err,
                          size_t errlen) {
    *out = NULL;
    sbx_policy def = sbx_policy_default();
    if (!pol) pol = &def;
    if (engine_ready(err, errlen) != 0) return SBX_INVALID_MODULE;
    sbx_package *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return SBX_INVALID_MODULE;
    }
    p->refs = 1;
    sbx_code code = sbx_package_open(bytes, len, pol, &p->wasm, &p->manifest, err, errlen);
    if (code != SBX_OK) {
        free(p);
        return code;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, bytes, len);
    for (size_t i = 0; i < sizeof digest; i++) snprintf(p->sha256 + 2 * i, 3, "%02x", digest[i]);
    /* a module compiled before is shared: same bytes, same code */
    pthread_mutex_lock(&G.mu);
    for (sbx_package *q = G.packages; q; q = q->next)
        if (strcmp(q->sha256, p->sha256) == 0) {
            q->refs++;
            pthread_mutex_unlock(&G.mu);
            wasm_info_free(&p->wasm);
            sbx_manifest_free(p->manifest);
            free(p);
            *out = q;
            return SBX_OK;
        }
    pthread_mutex_unlock(&G.mu);
    wasmtime_error_t *e = wasmtime_module_new(G.engine, bytes, len, &p->module);
    if (e) {
        char why[400];
        error_text(e, why, sizeof why);
        snprintf(err, errlen, "the module does not compile: %s", why);
        sbx_package_release(p);
        return SBX_INVALID_MODULE;
    }
    p->memory_min_bytes = memory_minimum(p->module);
    /* exports by position: a lookup by name per call costs a hash per name */
    p->exp_initialize = export_position(&p->wasm, "_initialize");
    p->exp_memory = export_position(&p->wasm, "memory");
    p->exp_alloc = export_position(&p->wasm, "weir_alloc");
    p->exp_run = export_position(&p->wasm, "weir_run");
    wasmtime_linker_t *linker = (p->manifest->caps & SBX_CAP_WASI) ? G.linker_wasi : G.linker;
    e = wasmtime_linker_instantiate_pre(linker, p->module, &p->pre);
    if (e) {
        char why[400];
        error_text(e, why, sizeof why);
        snprintf(err, errlen, "the module's imports cannot be linked: %s", why);
        sbx_package_release(p);
        return SBX_UNDECLARED_IMPORT;
    }
    pthread_mutex_lock(&G.mu);
    p->cached = true;
    p->refs++; /* the cache's reference */
    p->next = G.packages;
    G.packages = p;
    pthread_mutex_unlock(&G.mu);
    *out = p;
    return SBX_OK;
}

void sbx_package_release(sbx_package *p) {
    if (!p) return;
    pthread_mutex_lock(&G.mu);
    bool last = --p->refs == 0;
    pthread_mutex_unlock(&G.mu);
    if (!last) return;
    if (p->pre) wasmtime_instance_pre_delete(p->pre);
    if (p->module) wasmtime_module_delete(p->module);
    wasm_info_free(&p->wasm);
    sbx_manifest_free(p->manifest);
    free(p);
}

const sbx_manifest *sbx_package_manifest(const sbx_package *p) { return p->manifest; }
const char *sbx_package_sha256(const sbx_package *p) { return p->sha256; }
const wasm_info *sbx_package_wasm(const sbx_package *p) { return &p->wasm; }

/* ---- one invocation ---------------------------------------------------------- */

static void set_code(sbx_call *c, sbx_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_code(sbx_call *c, sbx_code code, const char *fmt, ...) {
    if (c->forced != SBX_OK) return; /* the first reason stands */
    c->forced = code;
    va_list ap;
    va_start(ap, fmt);
    free(c->forced_msg);
    if (vasprintf(&c->forced_msg, fmt, ap) < 0) c->forced_msg = NULL;
    va_end(ap);
}

void sbx_call_force(sbx_call *c, sbx_code code, const char *msg) { set_code(c, code, "%s", msg); }

static wasmtime_error_t *on_epoch(wasmtime_context_t *ctx, void *data, uint64_t *delta,
                                  wasmtime_update_deadline_kind_t *kind) {
    (void)ctx;
    sbx_call *c = data;
    if (sbx_call_expired(c)) return wasmtime_error_new("time limit");
    *delta = 1;
    *kind = WASMTIME_UPDATE_DEADLINE_CONTINUE;
    return NULL;
}

bool sbx_call_expired(sbx_call *c) {
    if (c->expired) return true;
    if (sbx_now_ns() >= c->deadline_ns) {
        c->expired = true;
        set_code(c, SBX_TIMEOUT, "the node ran longer than its %llu ms limit (host calls included)",
                 (unsigned long long)c->timeout_ms);
        return true;
    }
    if (c->env->should_abort && c->env->should_abort(c->env->ud)) {
        c->expired = true;
        set_code(c, SBX_TIMEOUT, "the run was stopped");
        return true;
    }
    return false;
}

static sbx_code trap_code(wasm_trap_t *trap, char *msg, size_t msglen) {
    wasmtime_trap_code_t tc;
    wasm_message_t m;
    wasm_trap_message(trap, &m);
    snprintf(msg, msglen, "%.*s", (int)(m.size > 300 ? 300 : m.size), m.data);
    wasm_byte_vec_delete(&m);
    if (!wasmtime_trap_code(trap, &tc)) return SBX_TRAP;
    switch (tc) {
    case WASMTIME_TRAP_CODE_STACK_OVERFLOW: return SBX_STACK_OVERFLOW;
    case WASMTIME_TRAP_CODE_OUT_OF_FUEL: return SBX_FUEL_EXHAUSTED;
    case WASMTIME_TRAP_CODE_INTERRUPT: return SBX_TIMEOUT;
    default: return SBX_TRAP;
    }
}

/* Type-check and complete the inputs: every data input pin present. */
static json_t *build_input(const sbx_node *node, json_t *inputs, json_t *context, char *err, size_t errlen) {
    json_t *in = json_object();
    for (size_t i = 0; i < node->npins; i++) {
        const sbx_pin *pin = &node->pins[i];
        if (pin->dir != DIR_IN || pin->type == PT_EXECUTION) continue;
        json_t *v = json_object_get(inputs, pin->name);
        if (!v) v = pin->dflt ? pin->dflt : json_null();
        const char *why;
        if (!json_is_null(v) && !typecheck_json(v, pin->type, pin->shape, &why)) {
            snprintf(err, errlen, "input %s: %s", pin->name, why);
            json_decref(in);
            return NULL;
        }
        json_object_set(in, pin->name, v);
    }
    const char *key;
    json_t *v;
    json_object_foreach(inputs, key, v) {
        if (!json_object_get(in, key)) {
            snprintf(err, errlen, "node %s has no data input \"%s\"", node->name, key);
            json_decref(in);
            return NULL;
        }
    }
    return json_pack("{s:s, s:o, s:o}", "node", node->name, "inputs", in, "context",
                     context ? json_incref(context) : json_object());
}

sbx_code sbx_invoke(sbx_package *p, size_t node_index, json_t *inputs, const sbx_env *env, sbx_result *res) {
    memset(res, 0, sizeof *res);
    res->outputs = json_object();
    res->activated = json_array();
    res->logs = json_array();
    res->emitted = json_array();
    uint64_t t0 = sbx_now_ns();
    const sbx_manifest *m = p->manifest;
    char err[512] = "";
    sbx_call c = {.pkg = p, .env = env, .forced = SBX_OK, .res = res};
    sbx_code code = SBX_OK;
    wasmtime_store_t *store = NULL;
    bool has_slot = false;
    weir_limiter *limiter = NULL;
    json_t *input = NULL;
    char *input_text = NULL;
    if (node_index >= m->nnodes) {
        code = SBX_ABI_MISMATCH;
        snprintf(err, sizeof err, "the package has no node %zu", node_index);
        goto done;
    }
    c.node = &m->nodes[node_index];
    code = sbx_check_grants(m, env->granted, err, sizeof err);
    if (code != SBX_OK) goto done;
    /* limits: this call's policy, lowered by what the manifest asks for
     * (the manifest's own clamped copy belongs to the policy it was loaded with) */
    c.timeout_ms = env->policy.timeout_ms;
    uint64_t fuel = env->policy.fuel, mem = env->policy.memory_bytes;
    if (m->requested.timeout_ms && m->requested.timeout_ms < c.timeout_ms) c.timeout_ms = m->requested.timeout_ms;
    if (m->requested.fuel && m->requested.fuel < fuel) fuel = m->requested.fuel;
    if (m->requested.memory_mb && (m->requested.memory_mb << 20) < mem) mem = m->requested.memory_mb << 20;
    if (mem > SANDBOX_MAX_MEMORY_BYTES) mem = SANDBOX_MAX_MEMORY_BYTES;
    c.deadline_ns = t0 + c.timeout_ms * 1000000ull;

    if (p->memory_min_bytes > mem) {
        code = SBX_MEMORY_LIMIT;
        snprintf(err, sizeof err, "the module starts with %llu KiB of memory; the limit is %llu KiB",
                 (unsigned long long)(p->memory_min_bytes >> 10), (unsigned long long)(mem >> 10));
        goto done;
    }
    input = build_input(c.node, inputs, env->context, err, sizeof err);
    if (!input) {
        code = SBX_BAD_INPUT;
        goto done;
    }
    input_text = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t input_len = input_text ? strlen(input_text) : 0;
    if (!input_text || input_len > env->policy.input_bytes) {
        code = SBX_BAD_INPUT;
        snprintf(err, sizeof err, "the input is %zu bytes; the limit is %llu", input_len,
                 (unsigned long long)env->policy.input_bytes);
        goto done;
    }

    if (slot_acquire(c.deadline_ns) != 0) {
        code = SBX_TIMEOUT;
        snprintf(err, sizeof err, "no free sandbox instance slot (%u in use) within the %llu ms limit", G.pool_slots,
                 (unsigned long long)c.timeout_ms);
        goto done;
    }
    has_slot = true;
    store = wasmtime_store_new(G.engine, &c, NULL);
    wasmtime_context_t *ctx = wasmtime_store_context(store);
    c.ctx = ctx;
    limiter = weir_store_limiter(store, (size_t)mem, SANDBOX_MAX_TABLE_ELEMENTS);
    wasmtime_context_set_fuel(ctx, fuel);
    wasmtime_context_set_epoch_deadline(ctx, 1);
    wasmtime_store_epoch_deadline_callback(store, on_epoch, &c, NULL);
    if (m->caps & SBX_CAP_WASI) {
        wasi_config_t *wasi = sbx_wasi_config(&c);
        wasmtime_error_t *e = wasmtime_context_set_wasi(ctx, wasi);
        if (e) {
            error_text(e, err, sizeof err);
            code = SBX_CAPABILITY_DENIED;
            goto done;
        }
    }
    pthread_mutex_lock(&G.mu);
    G.active++;
    if (G.ticker_sleeping) pthread_cond_broadcast(&G.cv);
    pthread_mutex_unlock(&G.mu);

    wasm_trap_t *trap = NULL;
    wasmtime_instance_t inst;
    wasmtime_error_t *e = wasmtime_instance_pre_instantiate(p->pre, ctx, &inst, &trap);
    wasmtime_extern_t item;
    int32_t rc = 0;
    if (!e && !trap && export_at(ctx, &inst, p->exp_initialize, WASMTIME_EXTERN_FUNC, &item))
        e = wasmtime_func_call(ctx, &item.of.func, NULL, 0, NULL, 0, &trap);
    if (!e && !trap) {
        wasmtime_extern_t mem_ext, alloc_ext, run_ext;
        if (!export_at(ctx, &inst, p->exp_memory, WASMTIME_EXTERN_MEMORY, &mem_ext) ||
            !export_at(ctx, &inst, p->exp_alloc, WASMTIME_EXTERN_FUNC, &alloc_ext) ||
            !export_at(ctx, &inst, p->exp_run, WASMTIME_EXTERN_FUNC, &run_ext)) {
            code = SBX_ABI_MISMATCH;
            snprintf(err, sizeof err, "the instance lacks memory, weir_alloc or weir_run");
        } else {
            c.memory = mem_ext.of.memory;
            c.has_memory = true;
            wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = (int32_t)input_len}, ptr;
            e = wasmtime_func_call(ctx, &alloc_ext.of.func, &arg, 1, &ptr, 1, &trap);
            if (!e && !trap) {
                uint8_t *base = wasmtime_memory_data(ctx, &c.memory);
                size_t size = wasmtime_memory_data_size(ctx, &c.memory);
                uint32_t at = (uint32_t)ptr.of.i32;
                if (at == 0 || (uint64_t)at + input_len > size) {
                    code = SBX_BAD_INPUT;
                    snprintf(err, sizeof err, "weir_alloc(%zu) gave no usable memory", input_len);
                } else {
                    memcpy(base + at, input_text, input_len);
                    wasmtime_val_t args[3] = {{.kind = WASMTIME_I32, .of.i32 = (int32_t)node_index},
                                              {.kind = WASMTIME_I32, .of.i32 = (int32_t)at},
                                              {.kind = WASMTIME_I32, .of.i32 = (int32_t)input_len}};
                    wasmtime_val_t ret;
                    e = wasmtime_func_call(ctx, &run_ext.of.func, args, 3, &ret, 1, &trap);
                    if (!e && !trap) rc = ret.of.i32;
                }
            }
        }
    }
    pthread_mutex_lock(&G.mu);
    G.active--;
    pthread_mutex_unlock(&G.mu);
    uint64_t left = 0;
    if (wasmtime_context_get_fuel(ctx, &left) == NULL) res->fuel_used = fuel - left;
    if (code == SBX_OK) {
        char msg[400] = "";
        if (trap) {
            code = trap_code(trap, msg, sizeof msg);
            wasm_trap_delete(trap);
            snprintf(err, sizeof err, "%s", msg);
        } else if (e) {
            error_text(e, msg, sizeof msg);
            code = SBX_TRAP;
            snprintf(err, sizeof err, "%s", msg);
        } else if (rc != 0) {
            code = SBX_NODE_FAILED;
            snprintf(err, sizeof err, "%s", c.fail_msg ? c.fail_msg : "the node failed");
        }
        /* a reason the host recorded (bad pointer, rejected output, time) wins */
        if (c.forced != SBX_OK && (code != SBX_OK || c.forced == SBX_BAD_OUTPUT || c.forced == SBX_TIMEOUT)) {
            code = c.forced;
            snprintf(err, sizeof err, "%s", c.forced_msg ? c.forced_msg : sbx_code_name(code));
        }
        /* memory growth refused, then the node failed: memory_limit */
        if ((code == SBX_NODE_FAILED || code == SBX_TRAP) && weir_limiter_refused(limiter)) {
            snprintf(err, sizeof err, "the node needed more than its %llu MiB of memory",
                     (unsigned long long)(mem >> 20));
            code = SBX_MEMORY_LIMIT;
        }
        if (code == SBX_OK && sbx_now_ns() > c.deadline_ns) {
            code = SBX_TIMEOUT;
            snprintf(err, sizeof err, "the node ran longer than its %llu ms limit (host calls included)",
                     (unsigned long long)c.timeout_ms);
        }
    } else {
        if (trap) wasm_trap_delete(trap);
        if (e) wasmtime_error_delete(e);
    }

done:
    if (store) wasmtime_store_delete(store);
    weir_limiter_free(limiter); /* after the store: it calls the limiter until deleted */
    if (has_slot) slot_release();
    sbx_call_release(&c);
    json_decref(input);
    free(input_text);
    res->code = code;
    if (code != SBX_OK) {
        res->message = strdup(err[0] ? err : sbx_code_name(code));
        /* outputs of a failed invocation are not delivered */
        json_object_clear(res->outputs);
        json_array_clear(res->activated);
    }
    res->duration_us = (sbx_now_ns() - t0) / 1000;
    return code;
}

void sbx_result_free(sbx_result *res) {
    free(res->message);
    json_decref(res->outputs);
    json_decref(res->activated);
    json_decref(res->logs);
    json_decref(res->emitted);
    memset(res, 0, sizeof *res);
}
