/* queue.h — the run queue, kept in the `runs` table (schema.c).
 *
 * A run is written before anyone is told it exists (a webhook's 202, an API
 * 201). Its status moves queued → running → one final status, and the final
 * write happens exactly once: queue_finish only succeeds for a run that is
 * `running` under the same worker. A server that dies leaves runs `running`
 * under its worker id; queue_recover, called at start (and periodically for
 * workers whose heartbeat went stale), re-queues or fails each such run
 * according to its on_restart ("requeue" | "fail"). A run re-queued more than
 * QUEUE_MAX_ATTEMPTS times is failed instead, so a run that crashes its
 * server cannot crash it forever. */
#ifndef WEIR_QUEUE_H
#define WEIR_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

#define QUEUE_MAX_ATTEMPTS 3   /* claims of one run before recovery fails it */

/* What a new run is made of. Strings are borrowed; JSON fields are JSON text
 * (NULL for none). */
typedef struct queue_new_run {
    const char *id;            /* id_new("run", …) (ids.h) */
    const char *app_id, *board_id;
    int64_t board_version;
    const char *event_id;      /* NULL: started through the API */
    const char *start_node;    /* NULL: the only start node */
    const char *on_restart;    /* "requeue" | "fail"; NULL = "requeue" */
    const char *payload, *variables;
    const char *created_by;    /* actor, e.g. "user:ID", "token:ID", "schedule" */
    const char *rerun_of;
    int64_t created_at;        /* µs */
} queue_new_run;

/* A claimed run, owned by the caller; free with queue_claimed_free. */
typedef struct queue_claimed {
    char *id, *app_id, *board_id, *event_id, *start_node, *payload, *variables;
    int64_t board_version;
    int64_t attempts;
} queue_claimed;

/* Insert a run with status `queued`. */
int queue_enqueue(db *d, const queue_new_run *run, db_err *err);

/* Insert a run as `running` under worker (a run executed at once by the caller,
 * e.g. a webhook waiting for its result); finish it with queue_finish. */
int queue_insert_running(db *d, const queue_new_run *run, const char *worker, int64_t now, db_err *err);

/* Insert a run that has already ended, in one write: for runs executed in
 * the same breath as their request (a waiting webhook of a straight-line
 * board), where nobody was told of the run before it ended. status as in
 * queue_finish. */
int queue_insert_finished(db *d, const queue_new_run *run, const char *worker, const char *status,
                          const char *result, const char *error, const char *report,
                          int64_t started_at, int64_t finished_at, db_err *err);
/* The same, without waiting: done(ctx, rc, err) once it is committed or
 * failed (db_exec_async). A non-zero return: nothing was queued, done is
 * not called. */
int queue_insert_finished_async(db *d, const queue_new_run *run, const char *worker, const char *status,
                                const char *result, const char *error, const char *report,
                                int64_t started_at, int64_t finished_at, db_done_fn done, void *ctx, db_err *err);

/* Claim up to max queued runs, oldest first, for worker: they become `running`
 * with started_at = now and attempts + 1. Safe against other workers claiming
 * concurrently (a run is claimed by exactly one). *out gets a malloc'd array
 * of *n claimed runs (n may be 0). */
int queue_claim(db *d, const char *worker, int max, int64_t now,
                queue_claimed **out, int *n, db_err *err);
void queue_claimed_free(queue_claimed *runs, int n);

/* Record the end of a run: status one of completed, failed, timed_out,
 * cancelled; result / error / report are JSON text or NULL. Returns 1 if this
 * call ended the run, 0 if the run was not `running` under this worker
 * (already ended, or recovered by someone else), or a db_code. */
int queue_finish(db *d, const char *run_id, const char *worker, const char *status,
                 const char *result, const char *error, const char *report,
                 int64_t now, db_err *err);

/* Cancel a run that is still `queued` (it becomes `cancelled` without running),
 * or flag a `running` one (cancel_requested = 1; its worker stops it). Returns
 * 1 if the run was queued or running, 0 if it had already ended, or a db_code. */
int queue_cancel(db *d, const char *run_id, int64_t now, db_err *err);
/* Whether a running run has been asked to stop (polled by its worker). */
int queue_cancel_requested(db *d, const char *run_id, db_err *err);

/* Workers: register at start, heartbeat periodically. */
int queue_worker_register(db *d, const char *worker, const char *host, int64_t now, db_err *err);
int queue_worker_heartbeat(db *d, const char *worker, int64_t now, db_err *err);

/* Recover runs left `running` by workers other than self whose heartbeat is
 * older than now - stale_us (or that are not registered at all): requeue those
 * with on_restart = "requeue" and attempts < QUEUE_MAX_ATTEMPTS, fail the rest
 * with error {"code": "interrupted", "message": …}. *requeued / *failed count
 * them (either may be NULL). */
int queue_recover(db *d, const char *self, int64_t now, int64_t stale_us,
                  int *requeued, int *failed, db_err *err);

/* Runs in status `queued` (for /metrics and the queue-length limit). */
int64_t queue_depth(db *d, db_err *err);

/* Delete ended runs created before `before` (µs; run ids carry their
 * creation time, so this is a primary-key range), at most batch rows per call
 * (so pruning never holds the write lock for long). Returns rows deleted or a
 * db_code. */
int64_t queue_prune(db *d, int64_t before, int batch, db_err *err);

#endif
