/* internal.h — engine state shared by engine.c (scheduler), ctx.c (the node
 * interface), parallel.c (branches on the pool) and trace.c. Not for nodes. */
#ifndef WEIR_ENGINE_INTERNAL_H
#define WEIR_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/arena.h"
#include "catalog/node.h"
#include "base/ids.h"
#include "engine/engine.h"

/* Why a strand stopped. The first three are run-wide (run->stop). */
enum abort_reason { AB_NONE, AB_FAILED, AB_TIMEOUT, AB_CANCELLED, AB_SCOPE };

typedef struct log_entry {
    const char *node;
    int level;
    const char *message;
} log_entry;

/* A value a traced node read from an input pin or set on an output pin. */
typedef struct trace_val {
    uint16_t pin;            /* index into the node's plan pins */
    uint8_t big;             /* over RUN_TRACE_MAX_VALUE_BYTES: v is the preview text, bytes the full size */
    value v;                 /* one reference held; a secret keeps only its bit */
    size_t bytes;
} trace_val;

/* The values one traced execution read and set so far (ctx_trace_note). */
typedef struct trace_rec {
    trace_val *vals;         /* malloc'd; engine_trace takes them */
    uint16_t n, cap;
} trace_rec;

typedef struct trace_entry {
    uint32_t node;
    uint8_t failed;
    uint8_t has_vals;        /* inputs/outputs kept (within RUN_TRACE_MAX_BYTES) */
    uint16_t nvals;
    uint64_t start_us, duration_us;
    trace_val *vals;         /* arena */
    const char *error;       /* failed: the message, redacted in the report */
} trace_entry;

/* A strand is one line of execution with its own pin values: the run's
 * root, or one parallel branch (a copy merged back when done). Node state
 * (gates, counters) is run-wide, in run->state, under run->mu. */
typedef struct strand {
    run *r;
    value *slots;            /* plan->nslots */
    uint32_t *epoch_of;      /* per node: epoch of its last pure evaluation */
    uint32_t epoch;          /* bumped at every execution: pure values go stale */
    uint64_t *dirty_slots;   /* branches: which slots were written */
    struct strand *parent;   /* branches: the strand it was copied from */
    pthread_mutex_t *parent_mu; /* branches: guards parent's slots meanwhile */
    uint64_t deadline_ns;    /* nearest of the run and enclosing timeouts */
    uint64_t abort_deadline; /* AB_SCOPE: the deadline that expired */
    int abort;               /* abort_reason */
    int depth;
    uint32_t tick;
} strand;

#define ACT_MAX 16

struct node_ctx {
    strand *s;
    const plan_node *n;
    uint32_t idx;
    int32_t trigger;         /* plan pin index of the execution input, or -1 */
    uint16_t act[ACT_MAX];
    uint8_t nact;
    bool tainted;            /* read a secret: outputs become secret */
    bool failed_pure;        /* failure came from a pure upstream node */
    const char *fail_node;   /* node named in the error (this or a pure source) */
    char *fail_msg;          /* malloc'd */
    json_t **temps;          /* boxed scalars handed out by ctx_json */
    uint32_t ntemps, captemps; /* 32 bits: the context, zeroed per node, stays 112 bytes */
    trace_rec *tv;           /* recording values (run traced, budget left); else NULL */
};

struct run {
    const plan *p;
    run_request req;
    arena mem;                   /* guarded by mu once branches run */
    pthread_mutex_t mu;
    atomic_int stop;             /* abort_reason, run-wide */
    atomic_int wakefd;           /* eventfd, made by the first waiter; -1 none */
    uint64_t start_ns, deadline_ns;
    uint32_t loop_limit;
    atomic_uint *exec_count;     /* per node */
    value *vars;                 /* guarded by mu */
    unsigned char *state;        /* node state, plan->state_size; guarded by mu */
    json_t *payload;
    strand root;
    run_status status;
    value result;
    bool has_result;
    const char *err_code, *err_node, *err_msg;
    log_entry *logs;
    size_t nlogs, caplogs, log_bytes;
    bool logs_truncated;
    trace_entry *trace;
    size_t ntrace, captrace;
    bool trace_truncated;
    size_t trace_bytes;          /* of values kept in the trace; at most RUN_TRACE_MAX_BYTES */
    atomic_bool trace_vals_full; /* budget spent: later entries keep no values */
    pthread_mutex_t secrets_mu;  /* guards secrets */
    const char **secrets;        /* strings masked in every report */
    size_t nsecrets;
    char id[ID_MAX];
};

uint64_t mono_ns(void);
static inline uint64_t run_us(const run *r) { return (mono_ns() - r->start_ns) / 1000; }

/* Scheduler (engine.c) */
int engine_chain(strand *s, int32_t node, uint16_t pin);
bool strand_stopped(strand *s, bool force_clock);
/* Where c records its values: *tv, or NULL when the run's trace has no
 * room left for values. Only for traced runs. */
static inline trace_rec *trace_rec_start(run *r, trace_rec *tv) {
    if (atomic_load_explicit(&r->trace_vals_full, memory_order_relaxed)) return NULL;
    *tv = (trace_rec){0};
    return tv;
}
/* Append c's trace entry; takes the values c recorded (ctx_trace_note). */
void engine_trace(node_ctx *c, bool failed, uint64_t start_us, uint64_t end_us);
/* The report's "trace" array (trace.c); releasing the values it holds. */
json_t *trace_report(run *r);
struct strbuf;
void trace_write(run *r, struct strbuf *sb);  /* trace_report's array, as JSON text */
void trace_free(run *r);
void run_fail(strand *s, const char *code, const char *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void run_set_stop(run *r, int reason);
int strand_init(strand *s, run *r, const strand *from);
void strand_release(strand *s);
/* Branches: copy the slots this branch wrote into its parent / take the
 * parent's slots this branch did not write. No-ops on the root strand. */
void strand_publish(strand *s);
void strand_refresh(strand *s);

/* Node interface (ctx.c) */
const value *ctx_read_pin(node_ctx *c, const plan_pin *pin);
void ctx_finish(node_ctx *c);
/* Tracing: keep v as the value of pin p for this execution (last wins). */
void ctx_trace_note(node_ctx *c, const plan_pin *p, value v);
/* A parallel branch's values count as its node's: move them from `from`. */
void ctx_trace_merge(node_ctx *into, node_ctx *from);

/* Secrets (redact.c): mask every secret string in text; malloc'd result. */
char *redact_text(run *r, const char *text, size_t len);
/* A JSON value fit for a report: "***" if secret, secret strings masked. */
json_t *redact_value(run *r, value v);
/* redact_text for a text cut short: also drops a tail that begins a secret. */
char *redact_cut_text(run *r, const char *text, size_t len);
void redact_collect(run *r, value v);

/* Worker pool (pool.c) */
typedef struct pool_job pool_job;
struct pool_job {
    void (*work)(pool_job *job);   /* runs on a pool thread */
};
/* Queue a job; returns 0, or -1 when no thread could take it (run it inline). */
int pool_submit(pool_job *job);
/* Withdraw a job that no thread has started; returns 1 when withdrawn. */
int pool_withdraw(pool_job *job);

#endif
