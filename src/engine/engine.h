/* engine.h — execute a compiled plan for one event (boards.md §2).
 *
 * A run is created from a plan and a request, executed once on the calling
 * thread (parallel branches use the shared worker pool), then reported and
 * freed. Plans are read-only: any number of runs may share one. */
#ifndef WEIR_ENGINE_H
#define WEIR_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "board/plan.h"

typedef enum run_status {
    RUN_PENDING, RUN_COMPLETED, RUN_FAILED, RUN_TIMED_OUT, RUN_CANCELLED
} run_status;

const char *run_status_name(run_status s);

typedef enum run_event_kind { EV_NODE_START, EV_NODE_END, EV_LOG } run_event_kind;

typedef struct run_event {
    run_event_kind kind;
    const char *node_id;
    const char *node_type;
    const char *status;      /* EV_NODE_END: "ok" or "failed" */
    int level;               /* EV_LOG */
    const char *message;     /* EV_LOG: redacted text */
    uint64_t at_us;          /* since run start */
} run_event;

typedef struct run_request {
    const plan *plan;
    const char *start_node;  /* NULL: the only start node */
    json_t *payload;         /* borrowed; NULL means {} */
    json_t *variables;       /* borrowed object: variable id or name → value; NULL none */
    uint64_t timeout_ms;     /* 0: RUN_DEFAULT_TIMEOUT_MS */
    uint32_t loop_limit;     /* executions per node; 0: RUN_MAX_NODE_EXECUTIONS */
    bool trace;              /* keep a trace entry per node execution */
    bool discard_logs;       /* do not keep logs in the report (benchmarks) */
    bool allow_private_net;  /* http nodes may reach loopback / private addresses */
    const char *data_dir;    /* storage lives under DATA_DIR/storage; NULL: no storage */
    const char *app_id;      /* storage scope; NULL: "local" */
    const char *run_id;      /* the stored run's id (server); NULL: a new random id */
    void (*on_event)(void *ud, const run_event *ev); /* progress; called on run threads */
    void *ud;
} run_request;

typedef struct run run;

/* Prepare a run. Request errors (unknown start node, override of a variable
 * that is not exposed, wrong type) return NULL with a message in err and a
 * stable code in *code ("bad_event", "bad_variable", "bad_payload"). */
run *run_new(const run_request *req, const char **code, char *err, size_t errlen);
/* Execute to the end; returns the final status. Call once. */
run_status run_execute(run *r);
/* Ask the run to stop (ends `cancelled`). Async-signal-safe; any thread. */
void run_cancel(run *r);
/* The report of boards.md §4 as a new JSON object. */
json_t *run_report(run *r);
/* The same report in parts, for a caller that stores it as text (the
 * server): the result (redacted; JSON null when there is none) and the error
 * object (NULL when none) as new references, and the rest of the report —
 * {"logs", "trace", and the *_truncated flags}, exactly as run_report has
 * them — appended to sb as compact JSON text. */
json_t *run_result(run *r);
json_t *run_error(run *r);
struct strbuf;
void run_report_details(run *r, struct strbuf *sb);
/* The trace entries' node types and durations (metrics), without a report. */
size_t run_trace_count(const run *r);
bool run_trace_at(const run *r, size_t i, const char **type, uint64_t *duration_us);
const char *run_id(const run *r);
run_status run_get_status(const run *r);
void run_free(run *r);

/* Join the worker pool's threads (at process exit, so leak checkers see a
 * clean shutdown). Runs must not be executing. */
void engine_shutdown(void);

#endif
