/* queue.c — the run queue of queue.h, as statements on the `runs` and
 * `workers` tables in the portable SQL of db.h.
 *
 * Every state change is one UPDATE whose WHERE clause names the state it
 * leaves (status = 'queued', status = 'running' AND worker = $me), so two
 * servers racing for the same run cannot both win: SQLite runs writes one at
 * a time, and PostgreSQL (READ COMMITTED) re-checks the WHERE clause against
 * the newest version of a row that a concurrent transaction changed before
 * updating it. */
#include "store/queue.h"
#include "base/ids.h"
#include "store/db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Claim. SQLite: the subquery picks the oldest queued ids and the update
 * runs alone (writes are serialized), so nobody can take them in between.
 *
 * PostgreSQL (READ COMMITTED): the CTE locks up to $3 of the oldest queued
 * rows, skipping rows other claimers hold locked, and re-checks
 * status = 'queued' on the newest version of any row a concurrent claimer
 * changed and committed since the statement's snapshot; the update then
 * changes only rows this statement holds locked. A claim may return fewer
 * runs than asked (never a run twice). The CTE is MATERIALIZED because a
 * locking LIMIT subquery inside IN (…) may be re-scanned by the plan: rows
 * this same statement already updated are then skipped as locked and the
 * LIMIT reaches past them, claiming more than $3 runs. */
static const char *const claim_sqlite =
    "UPDATE runs SET status = 'running', worker = $1, started_at = $2, attempts = attempts + 1"
    " WHERE id IN (SELECT id FROM runs WHERE status = 'queued' ORDER BY id LIMIT $3)"
    " AND status = 'queued' RETURNING"
    " id, app_id, board_id, event_id, start_node, payload, variables, board_version, attempts";
static const char *const claim_pg =
    "WITH picked AS MATERIALIZED (SELECT id FROM runs WHERE status = 'queued' ORDER BY id LIMIT $3"
    " FOR UPDATE SKIP LOCKED)"
    " UPDATE runs SET status = 'running', worker = $1, started_at = $2, attempts = runs.attempts + 1"
    " FROM picked WHERE runs.id = picked.id AND runs.status = 'queued' RETURNING"
    " runs.id, runs.app_id, runs.board_id, runs.event_id, runs.start_node, runs.payload, runs.variables,"
    " runs.board_version, runs.attempts";

/* Runs left `running` by a worker that is not self and has no fresh
 * heartbeat (or no workers row at all), or by no worker. $1 self, $2 the
 * oldest heartbeat still alive. */
#define ORPHANED                                                                             \
    " status = 'running' AND (worker IS NULL OR (worker <> $1 AND NOT EXISTS"                \
    " (SELECT 1 FROM workers w WHERE w.id = runs.worker AND w.heartbeat_at >= $2)))"

static const char *const interrupted_fail =
    "{\"code\":\"interrupted\",\"message\":\"the server running this run stopped before it finished\"}";
static const char *const interrupted_attempts =
    "{\"code\":\"interrupted\",\"message\":\"the server running this run stopped before it finished, "
    "too many times (the run may be what stops it)\"}";

static int check_on_restart(const char *on_restart, db_err *err) {
    if (!on_restart || strcmp(on_restart, "requeue") == 0 || strcmp(on_restart, "fail") == 0) return 0;
    return db_fail(err, DB_ERROR, "on_restart must be \"requeue\" or \"fail\"");
}

/* The first columns ($1 … $15) of every INSERT of a run, and their values. */
#define RUN_INSERT "INSERT INTO runs (id, app_id, board_id, board_version, event_id, start_node, status," \
                   " on_restart, payload, variables, created_at, created_by, rerun_of, worker, started_at,"
#define RUN_INSERT_PARAMS 15
static void run_params(db_val p[RUN_INSERT_PARAMS], const queue_new_run *run, const char *status, const char *worker,
                       int64_t started_at) {
    db_val v[RUN_INSERT_PARAMS] = {
        DB_TEXT(run->id), DB_TEXT(run->app_id), DB_TEXT(run->board_id), DB_INT(run->board_version),
        DB_TEXT(run->event_id), DB_TEXT(run->start_node), DB_TEXT(status),
        DB_TEXT(run->on_restart ? run->on_restart : "requeue"), DB_TEXT(run->payload), DB_TEXT(run->variables),
        DB_INT(run->created_at), DB_TEXT(run->created_by), DB_TEXT(run->rerun_of), DB_TEXT(worker),
        worker ? DB_INT(started_at) : DB_NULL,
    };
    memcpy(p, v, sizeof v);
}

static int insert_run(db *d, const queue_new_run *run, const char *status, const char *worker,
                      int64_t started_at, int64_t attempts, db_err *err) {
    if (!run || !run->id || !run->app_id || !run->board_id)
        return db_fail(err, DB_ERROR, "a run needs an id, an app and a board");
    int rc = check_on_restart(run->on_restart, err);
    if (rc) return rc;
    db_val p[RUN_INSERT_PARAMS + 1];
    run_params(p, run, status, worker, started_at);
    p[RUN_INSERT_PARAMS] = DB_INT(attempts);
    return db_exec(d, RUN_INSERT " attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                   p, (int)(sizeof p / sizeof *p), NULL, err);
}

int queue_enqueue(db *d, const queue_new_run *run, db_err *err) {
    return insert_run(d, run, "queued", NULL, 0, 0, err);
}

int queue_insert_running(db *d, const queue_new_run *run, const char *worker, int64_t now, db_err *err) {
    if (!worker) return db_fail(err, DB_ERROR, "a running run needs a worker");
    return insert_run(d, run, "running", worker, now, 1, err);
}

static bool is_final_status(const char *s);

/* The statement and parameters of queue_insert_finished (and its async twin). */
#define RUN_INSERT_FINISHED_PARAMS (RUN_INSERT_PARAMS + 4)
static const char *const run_insert_finished =
    RUN_INSERT " attempts, result, error, report, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
    " $10, $11, $12, $13, $14, $15, 1, $16, $17, $18, $19)";

static int finished_params(db_val p[RUN_INSERT_FINISHED_PARAMS], const queue_new_run *run, const char *worker, const char *status,
                           const char *result, const char *error, const char *report, int64_t started_at, int64_t finished_at,
                           db_err *err) {
    if (!run || !run->id || !run->app_id || !run->board_id || !worker)
        return db_fail(err, DB_ERROR, "a run needs an id, an app, a board and a worker");
    if (!is_final_status(status))
        return db_fail(err, DB_ERROR, "queue_insert_finished: status must be completed, failed, timed_out or cancelled");
    int rc = check_on_restart(run->on_restart, err);
    if (rc) return rc;
    run_params(p, run, status, worker, started_at);
    p[RUN_INSERT_PARAMS] = DB_TEXT(result);
    p[RUN_INSERT_PARAMS + 1] = DB_TEXT(error);
    p[RUN_INSERT_PARAMS + 2] = DB_TEXT(report);
    p[RUN_INSERT_PARAMS + 3] = DB_INT(finished_at);
    return 0;
}

int queue_insert_finished(db *d, const queue_new_run *run, const char *worker, const char *status,
                          const char *result, const char *error, const char *report,
                          int64_t started_at, int64_t finished_at, db_err *err) {
    db_val p[RUN_INSERT_FINISHED_PARAMS];
    int rc = finished_params(p, run, worker, status, result, error, report, started_at, finished_at, err);
    return rc ? rc : db_exec(d, run_insert_finished, p, RUN_INSERT_FINISHED_PARAMS, NULL, err);
}

int queue_insert_finished_async(db *d, const queue_new_run *run, const char *worker, const char *status,
                                const char *result, const char *error, const char *report,
                                int64_t started_at, int64_t finished_at, db_done_fn done, void *ctx, db_err *err) {
    db_val p[RUN_INSERT_FINISHED_PARAMS];
    int rc = finished_params(p, run, worker, status, result, error, report, started_at, finished_at, err);
    return rc ? rc : db_exec_async(d, run_insert_finished, p, RUN_INSERT_FINISHED_PARAMS, done, ctx, err);
}

static char *dup_cell(const db_rows *r, size_t row, size_t col, bool *oom) {
    const char *s = db_rows_text(r, row, col);
    if (!s) return NULL;
    char *c = strdup(s);
    if (!c) *oom = true;
    return c;
}

static int by_id(const void *a, const void *b) {
    return strcmp(((const queue_claimed *)a)->id, ((const queue_claimed *)b)->id);
}

int queue_claim(db *d, const char *worker, int max, int64_t now, queue_claimed **out, int *n, db_err *err) {
    *out = NULL;
    *n = 0;
    if (!worker) return db_fail(err, DB_ERROR, "queue_claim: no worker");
    if (max <= 0) return 0;
    db_val p[] = {DB_TEXT(worker), DB_INT(now), DB_INT(max)};
    db_rows *r = NULL;
    int rc = db_exec(d, db_get_kind(d) == DB_POSTGRES ? claim_pg : claim_sqlite, p, 3, &r, err);
    if (rc) return rc;
    size_t count = db_rows_count(r);
    if (count == 0) {
        db_rows_free(r);
        return 0;
    }
    queue_claimed *runs = calloc(count, sizeof *runs);
    bool oom = runs == NULL;
    for (size_t i = 0; i < count && !oom; i++) {
        queue_claimed *c = &runs[i];
        c->id = dup_cell(r, i, 0, &oom);
        c->app_id = dup_cell(r, i, 1, &oom);
        c->board_id = dup_cell(r, i, 2, &oom);
        c->event_id = dup_cell(r, i, 3, &oom);
        c->start_node = dup_cell(r, i, 4, &oom);
        c->payload = dup_cell(r, i, 5, &oom);
        c->variables = dup_cell(r, i, 6, &oom);
        c->board_version = db_rows_int(r, i, 7);
        c->attempts = db_rows_int(r, i, 8);
        if (!c->id) oom = true;
    }
    db_rows_free(r);
    if (oom) {
        /* The runs are claimed but cannot be handed over: they stay
         * running under this worker until recovery after its restart. */
        queue_claimed_free(runs, (int)count);
        return db_fail(err, DB_ERROR, "queue_claim: out of memory");
    }
    qsort(runs, count, sizeof *runs, by_id);   /* RETURNING has no order */
    *out = runs;
    *n = (int)count;
    return 0;
}

void queue_claimed_free(queue_claimed *runs, int n) {
    if (!runs) return;
    for (int i = 0; i < n; i++) {
        queue_claimed *c = &runs[i];
        free(c->id);
        free(c->app_id);
        free(c->board_id);
        free(c->event_id);
        free(c->start_node);
        free(c->payload);
        free(c->variables);
    }
    free(runs);
}

static bool is_final_status(const char *s) {
    return s && (strcmp(s, "completed") == 0 || strcmp(s, "failed") == 0 || strcmp(s, "timed_out") == 0 ||
                 strcmp(s, "cancelled") == 0);
}

/* Run an UPDATE / DELETE; returns the rows it changed or a db_code. */
static int64_t exec_changed(db *d, const char *sql, const db_val *p, int np, db_err *err) {
    db_rows *r = NULL;
    int rc = db_exec(d, sql, p, np, &r, err);
    if (rc) return rc;
    int64_t changed = (int64_t)db_rows_changed(r);
    db_rows_free(r);
    return changed;
}

int queue_finish(db *d, const char *run_id, const char *worker, const char *status, const char *result,
                 const char *error, const char *report, int64_t now, db_err *err) {
    if (!run_id || !worker) return db_fail(err, DB_ERROR, "queue_finish: no run or no worker");
    if (!is_final_status(status))
        return db_fail(err, DB_ERROR, "queue_finish: status must be completed, failed, timed_out or cancelled");
    db_val p[] = {DB_TEXT(run_id), DB_TEXT(worker), DB_TEXT(status), DB_TEXT(result),
                  DB_TEXT(error), DB_TEXT(report), DB_INT(now)};
    int64_t n = exec_changed(d,
                             "UPDATE runs SET status = $3, result = $4, error = $5, report = $6, finished_at = $7"
                             " WHERE id = $1 AND status = 'running' AND worker = $2",
                             p, 7, err);
    return n < 0 ? (int)n : n > 0;
}

int queue_cancel(db *d, const char *run_id, int64_t now, db_err *err) {
    if (!run_id) return db_fail(err, DB_ERROR, "queue_cancel: no run");
    /* One statement for both cases, so a run claimed meanwhile is still
     * caught: every right-hand side reads the row as it was. */
    db_val p[] = {DB_TEXT(run_id), DB_INT(now)};
    int64_t n = exec_changed(d,
                             "UPDATE runs SET"
                             " status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,"
                             " finished_at = CASE WHEN status = 'queued' THEN $2 ELSE finished_at END,"
                             " cancel_requested = 1"
                             " WHERE id = $1 AND status IN ('queued', 'running')",
                             p, 2, err);
    return n < 0 ? (int)n : n > 0;
}

int queue_cancel_requested(db *d, const char *run_id, db_err *err) {
    if (!run_id) return db_fail(err, DB_ERROR, "queue_cancel_requested: no run");
    db_val p[] = {DB_TEXT(run_id)};
    db_rows *r = NULL;
    int rc = db_exec(d, "SELECT cancel_requested FROM runs WHERE id = $1", p, 1, &r, err);
    if (rc) return rc;
    rc = db_rows_int(r, 0, 0) != 0;
    db_rows_free(r);
    return rc;
}

int queue_worker_register(db *d, const char *worker, const char *host, int64_t now, db_err *err) {
    if (!worker) return db_fail(err, DB_ERROR, "queue_worker_register: no worker");
    db_val p[] = {DB_TEXT(worker), DB_INT(now), DB_TEXT(host)};
    return db_exec(d,
                   "INSERT INTO workers (id, started_at, heartbeat_at, host) VALUES ($1, $2, $2, $3)"
                   " ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at,"
                   " heartbeat_at = excluded.heartbeat_at, host = excluded.host",
                   p, 3, NULL, err);
}

int queue_worker_heartbeat(db *d, const char *worker, int64_t now, db_err *err) {
    if (!worker) return db_fail(err, DB_ERROR, "queue_worker_heartbeat: no worker");
    /* An upsert, so a worker whose row was removed comes back. */
    db_val p[] = {DB_TEXT(worker), DB_INT(now)};
    return db_exec(d,
                   "INSERT INTO workers (id, started_at, heartbeat_at) VALUES ($1, $2, $2)"
                   " ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
                   p, 2, NULL, err);
}

int queue_recover(db *d, const char *self, int64_t now, int64_t stale_us, int *requeued, int *failed,
                  db_err *err) {
    if (requeued) *requeued = 0;
    if (failed) *failed = 0;
    if (!self) return db_fail(err, DB_ERROR, "queue_recover: no worker");
    if (stale_us < 0) return db_fail(err, DB_ERROR, "queue_recover: negative staleness");
    db_val p[] = {DB_TEXT(self), DB_INT(now - stale_us), DB_INT(QUEUE_MAX_ATTEMPTS), DB_INT(now),
                  DB_TEXT(interrupted_fail), DB_TEXT(interrupted_attempts)};
    db_tx *tx = NULL;
    int rc = db_begin(d, &tx, err);
    if (rc) return rc;
    db_rows *r = NULL;
    rc = db_tx_exec(tx,
                    "UPDATE runs SET status = 'queued', worker = NULL, started_at = NULL"
                    " WHERE" ORPHANED " AND on_restart = 'requeue' AND attempts < $3",
                    p, 3, &r, err);
    if (rc) {
        db_rollback(tx);
        return rc;
    }
    int nq = (int)db_rows_changed(r);
    db_rows_free(r);
    rc = db_tx_exec(tx,
                    "UPDATE runs SET status = 'failed', finished_at = $4,"
                    " error = CASE WHEN on_restart = 'requeue' THEN $6 ELSE $5 END"
                    " WHERE" ORPHANED,
                    p, 6, &r, err);
    if (rc) {
        db_rollback(tx);
        return rc;
    }
    int nf = (int)db_rows_changed(r);
    db_rows_free(r);
    if ((rc = db_commit(tx, err)) != 0) return rc;
    if (requeued) *requeued = nq;
    if (failed) *failed = nf;
    return 0;
}

int64_t queue_depth(db *d, db_err *err) {
    db_rows *r = NULL;
    int rc = db_exec(d, "SELECT count(*) FROM runs WHERE status = 'queued'", NULL, 0, &r, err);
    if (rc) return rc;
    int64_t n = db_rows_int(r, 0, 0);
    db_rows_free(r);
    return n;
}

int64_t queue_prune(db *d, int64_t before, int batch, db_err *err) {
    if (batch <= 0) return db_fail(err, DB_ERROR, "queue_prune: batch must be at least 1");
    /* Run ids begin with their creation time (ids.h), so "created before"
     * is a range of the primary key: no index on finished_at is kept just
     * for pruning (it would cost every run a page write). A run is pruned
     * when it was created before `before` and has ended. */
    char bound[ID_MAX];
    snprintf(bound, sizeof bound, "run_%016llx", (unsigned long long)(before > 0 ? before : 0));
    db_val p[] = {DB_TEXT(bound), DB_INT(batch)};
    return exec_changed(d,
                        "DELETE FROM runs WHERE id IN (SELECT id FROM runs"
                        " WHERE id < $1 AND status NOT IN ('queued', 'running')"
                        " ORDER BY id LIMIT $2)",
                        p, 2, err);
}
