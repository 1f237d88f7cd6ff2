/* exec.h — the server's run executor: worker threads that take runs from a
 * local hand-off list (runs this server created and already marked running)
 * or claim them from the store's queue (runs queued by anyone), execute them
 * with the engine, publish progress to the SSE hub, and record the end.
 *
 * Plans are compiled once per board version and shared (versions are
 * immutable), in a bounded cache. */
#ifndef WEIR_SRV_EXEC_H
#define WEIR_SRV_EXEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/ids.h"

#define EXEC_PLAN_CACHE_MAX 512   /* compiled board versions kept */
#define EXEC_POLL_MS        1000  /* idle workers look at the store's queue this often */

typedef struct server server;
typedef struct srv_req srv_req;
typedef struct executor executor;

/* A run to execute. The executor owns it after submit. */
typedef struct exec_job {
    struct exec_job *next;
    char run_id[ID_MAX], app_id[ID_MAX], board_id[ID_MAX];
    int64_t board_version;
    char *start_node;          /* NULL: the only start node */
    char *payload, *variables; /* JSON text or NULL */
    json_t *payload_json;      /* inline runs: the payload already parsed (borrowed), or NULL */
    srv_req *waiter;           /* a webhook waiting for the result, or NULL */
    const struct queue_new_run *unsaved; /* inline runs: not in the store yet; written once at the end */
    _Atomic int answered;      /* the waiter has been answered (once) */
    int64_t wait_deadline_us;
} exec_job;

executor *exec_start(server *s, int workers);
/* Stop: no new work; running runs are cancelled after a grace period and
 * recorded; jobs handed off but not started go back to the queue. */
void exec_stop(executor *x);
/* Free it, after the HTTP listener has stopped (HTTP threads may use it). */
void exec_free(executor *x);
/* Hand a job over (its run is `running` under this server's worker id).
 * Returns false when the local list is full (the caller then leaves the
 * run queued in the store). */
bool exec_submit(executor *x, exec_job *job);
/* Run the job on the calling thread when its plan is straight-line (no
 * loops, waits, network, files or packages); returns false, leaving the job
 * to the caller, otherwise. The job stays the caller's. */
bool exec_run_inline(executor *x, exec_job *job);
/* Queued runs exist in the store: wake a worker to claim them. */
void exec_wake(executor *x);
/* Cancel a run executing here; false if it is not executing here. */
bool exec_cancel_local(executor *x, const char *run_id);
/* Runs executing or handed off here. */
int64_t exec_running(executor *x);
/* Answer waiting webhooks whose wait is over with 202 (housekeeping). */
void exec_expire_waiters(executor *x, int64_t now);
/* Poll the store for cancel requests of runs executing here (other servers). */
void exec_sweep_cancels(executor *x);

exec_job *exec_job_new(void);
void exec_job_free(exec_job *j);

#endif
