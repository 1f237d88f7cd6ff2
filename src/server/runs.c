/* runs.c — see runs.h. A run is always written to the store before anyone
 * hears of it. Runs created here are inserted `running` under this server
 * and handed straight to a local worker (one write fewer than queue + claim);
 * if the local list is full they are left `queued` for any worker to claim.
 * Either way a crash leaves them for recovery, never lost. */
#include <stdlib.h>
#include <string.h>

#include "auth/keys.h"
#include "base/strbuf.h"
#include "server/exec.h"
#include "server/runs.h"
#include "server/srv.h"
#include "store/queue.h"

char *runs_unseal_variables(server *s, const char *run_id, const char *sealed) {
    if (!sealed) return NULL;
    unsigned char *plain = NULL;
    size_t len = 0;
    if (auth_unseal(&s->keys, run_id, sealed, &plain, &len) != 0) return NULL;
    return (char *)plain;  /* NUL-terminated by auth_unseal */
}

run_create_rc runs_version(server *s, const char *app_id, const char *board_id, int64_t version, int64_t *out, char *err, size_t n) {
    db_err e;
    db_rows *rows = NULL;
    db_val p[] = {DB_TEXT(board_id), DB_TEXT(app_id), DB_INT(version)};
    const char *sql = version > 0 ? "SELECT bv.version FROM board_versions bv JOIN boards b ON b.id = bv.board_id"
                                    " WHERE bv.board_id = $1 AND b.app_id = $2 AND bv.version = $3"
                                  : "SELECT latest_version FROM boards WHERE id = $1 AND app_id = $2";
    if (db_exec(s->db, sql, p, version > 0 ? 3 : 2, &rows, &e) < 0) return snprintf(err, n, "%s", e.msg), RUN_STORE_ERROR;
    bool found = db_rows_count(rows) == 1;
    *out = found ? db_rows_int(rows, 0, 0) : 0;
    db_rows_free(rows);
    if (!found) return snprintf(err, n, version > 0 ? "no such board version" : "no such board"), RUN_NO_BOARD;
    return RUN_CREATED;
}

run_create_rc runs_create(server *s, const run_spec *sp, char run_id[ID_MAX], int64_t *version, char *err, size_t n) {
    db_err e;
    int64_t v = sp->version;
    if (!sp->version_checked) {
        run_create_rc rc = runs_version(s, sp->app_id, sp->board_id, sp->version, &v, err, n);
        if (rc != RUN_CREATED) return rc;
    }
    *version = v;
    /* The local hand-off list is counted exactly; the store's queue (runs
     * other servers or recovery left queued) through a count the
     * housekeeper refreshes every second. */
    if (exec_running(s->exec) + atomic_load(&s->queued_in_store) >= s->cfg.max_queue_length)
        return snprintf(err, n, "the run queue is full (max_queue_length %lld)", (long long)s->cfg.max_queue_length), RUN_QUEUE_FULL;

    id_new("run", run_id);
    /* Variables may hold secret values: they rest sealed, bound to the run. */
    char *sealed = NULL;
    if (sp->variables && auth_seal(&s->keys, run_id, (const unsigned char *)sp->variables, strlen(sp->variables), &sealed) != 0)
        return snprintf(err, n, "the variables could not be sealed (at most %u bytes)", AUTH_SEAL_MAX_BYTES), RUN_STORE_ERROR;
    queue_new_run nr = {
        .id = run_id, .app_id = sp->app_id, .board_id = sp->board_id, .board_version = v, .event_id = sp->event_id,
        .start_node = sp->start_node, .on_restart = sp->on_restart, .payload = sp->payload, .variables = sealed,
        .created_by = sp->created_by, .rerun_of = sp->rerun_of, .created_at = now_us(),
    };
    exec_job *j = exec_job_new();
    if (!j) { free(sealed); return snprintf(err, n, "out of memory"), RUN_STORE_ERROR; }
    str_copy(j->run_id, sizeof j->run_id, run_id);
    str_copy(j->app_id, sizeof j->app_id, sp->app_id);
    str_copy(j->board_id, sizeof j->board_id, sp->board_id);
    j->board_version = v;
    j->start_node = sp->start_node ? strdup(sp->start_node) : NULL;
    j->payload = sp->payload ? strdup(sp->payload) : NULL;
    j->variables = sp->variables ? strdup(sp->variables) : NULL;
    if (sp->waiter) {
        j->waiter = sp->waiter;
        j->wait_deadline_us = nr.created_at + s->cfg.webhook_wait_ms * 1000LL;
        sp->waiter->deferred_pending = true;
    }
    /* A waiting webhook of a straight-line board runs right here, in
     * microseconds, and is written once when it ends: nobody hears of it
     * before that, so a crash in between loses nothing that was answered. */
    if (sp->waiter) {
        j->unsaved = &nr;
        j->payload_json = sp->payload_json;  /* borrowed: only an inline run, done before this returns, may use it */
        bool ran = exec_run_inline(s->exec, j);
        j->unsaved = NULL;
        j->payload_json = NULL;
        if (ran) {
            free(sealed);
            exec_job_free(j);
            return RUN_CREATED;
        }
    }
    int irc = queue_insert_running(s->db, &nr, s->worker_id, nr.created_at, &e);
    free(sealed);
    if (irc != 0) {
        if (sp->waiter) sp->waiter->deferred_pending = false;
        exec_job_free(j);
        return snprintf(err, n, "%s", e.msg), RUN_STORE_ERROR;
    }
    if (!exec_submit(s->exec, j)) {
        /* Local list full or stopping: leave it to the queue. */
        db_val p[] = {DB_TEXT(run_id), DB_TEXT(s->worker_id)};
        db_exec(s->db, "UPDATE runs SET status = 'queued', worker = NULL, attempts = 0 WHERE id = $1 AND worker = $2", p, 2, NULL, &e);
        if (sp->waiter) sp->waiter->deferred_pending = false;
        exec_job_free(j);
        exec_wake(s->exec);
    }
    return RUN_CREATED;
}
