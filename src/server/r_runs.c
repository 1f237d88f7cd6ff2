/* r_runs.c — start, list, read, cancel and re-run runs; live streams.
 * What a run shows depends on the caller: everyone with read_runs sees its
 * status and timing; read_run_data adds payload, result, error detail and the
 * per-node trace; read_logs adds the logs. Variables are never shown (they
 * may hold secrets); their names are. */
#include <stdlib.h>
#include <string.h>

#include "server/exec.h"
#include "base/strbuf.h"
#include "server/audit.h"
#include "server/routes.h"
#include "server/runs.h"
#include "server/sse.h"
#include "store/queue.h"

#define RUNS_PAGE_DEFAULT 50
#define RUNS_PAGE_MAX     200

static bool is_final(const char *status) {
    return !strcmp(status, "completed") || !strcmp(status, "failed") || !strcmp(status, "timed_out") || !strcmp(status, "cancelled");
}

/* Answer for runs_create's result codes other than RUN_CREATED. */
static void create_failed(srv_req *r, run_create_rc rc, const char *err) {
    if (rc == RUN_NO_BOARD) srv_problem(r, 404, "not_found", "%s", err);
    else if (rc == RUN_QUEUE_FULL) { srv_header_add(r, "Retry-After", "1"); srv_problem(r, 503, "queue_full", "%s", err); }
    else srv_db_failed(r, DB_ERROR, &(db_err){.msg = ""}, NULL);
}

static char *dump_member(json_t *b, const char *key) {
    json_t *v = json_object_get(b, key);
    return v && !json_is_null(v) ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

HANDLER(h_run_start) {
    const char *board = srv_param(r, "board");
    if (!id_valid("brd", board)) return srv_problem(r, 404, "not_found", "no such board");
    json_t *b = r->body_len ? srv_body_json(r) : json_object();
    if (!b) return;
    json_t *vars = json_object_get(b, "variables"), *ver = json_object_get(b, "version"), *sn = json_object_get(b, "start_node");
    if ((vars && !json_is_object(vars)) || (ver && !json_is_integer(ver)) || (sn && !json_is_string(sn))) {
        json_decref(b);
        return srv_problem(r, 422, "bad_request", "variables must be an object, version an integer, start_node a string");
    }
    char *payload = dump_member(b, "payload"), *variables = dump_member(b, "variables"), actor[96], run_id[ID_MAX], err[256];
    principal_actor(&r->who, actor, sizeof actor);
    run_spec sp = {.app_id = r->app_id, .board_id = board, .version = ver ? json_integer_value(ver) : 0,
                   .start_node = json_string_value(sn), .payload = payload, .variables = variables, .created_by = actor};
    int64_t version;
    run_create_rc rc = runs_create(r->srv, &sp, run_id, &version, err, sizeof err);
    free(payload), free(variables);
    json_decref(b);
    if (rc != RUN_CREATED) return create_failed(r, rc, err);
    audit_record(r, "run.start", run_id, AUDIT_OK, json_pack("{s:s, s:I}", "board_id", board, "board_version", (json_int_t)version));
    char loc[160];
    snprintf(loc, sizeof loc, "/api/v1/apps/%s/runs/%s", r->app_id, run_id);
    srv_header_add(r, "Location", loc);
    srv_json(r, 201, json_pack("{s:s, s:s, s:I, s:s}", "id", run_id, "board_id", board, "board_version", (json_int_t)version, "status", "queued"));
}

#define RUN_COLS "id, board_id, board_version, event_id, start_node, status, created_at, started_at, finished_at, created_by, rerun_of, attempts, error"

static json_t *opt_int(const db_rows *rows, size_t i, size_t c) {
    return db_rows_isnull(rows, i, c) ? json_null() : json_integer(db_rows_int(rows, i, c));
}

/* The summary every read_runs holder sees. */
static json_t *run_summary(const db_rows *rows, size_t i) {
    json_t *o = json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:s, s:I, s:o, s:o, s:s?, s:s?, s:I}",
                          "id", db_rows_text(rows, i, 0), "board_id", db_rows_text(rows, i, 1), "board_version", (json_int_t)db_rows_int(rows, i, 2),
                          "event_id", db_rows_text(rows, i, 3), "start_node", db_rows_text(rows, i, 4), "status", db_rows_text(rows, i, 5),
                          "created_at", (json_int_t)db_rows_int(rows, i, 6), "started_at", opt_int(rows, i, 7), "finished_at", opt_int(rows, i, 8),
                          "created_by", db_rows_text(rows, i, 9), "rerun_of", db_rows_text(rows, i, 10), "attempts", (json_int_t)db_rows_int(rows, i, 11));
    json_t *err = db_rows_text(rows, i, 12) ? json_loads(db_rows_text(rows, i, 12), 0, NULL) : NULL;
    json_object_set_new(o, "error_code", err ? json_incref(json_object_get(err, "code")) : json_null());
    json_decref(err);
    return o;
}

HANDLER(h_runs_list) {
    const char *board = srv_query(r, "board"), *status = srv_query(r, "status"), *event = srv_query(r, "event");
    const char *cursor = srv_query(r, "cursor"), *lim = srv_query(r, "limit");
    long limit = RUNS_PAGE_DEFAULT;
    if (lim) {
        char *end;
        limit = strtol(lim, &end, 10);
        if (*end || limit < 1 || limit > RUNS_PAGE_MAX) return srv_problem(r, 400, "bad_limit", "limit: 1 to %d", RUNS_PAGE_MAX);
    }
    if (cursor && !id_valid("run", cursor)) return srv_problem(r, 400, "bad_cursor", "cursor: a run id from next_cursor");
    if (status && !is_final(status) && strcmp(status, "queued") && strcmp(status, "running"))
        return srv_problem(r, 400, "bad_status", "status: queued, running, completed, failed, timed_out or cancelled");
    /* Optional filters as "($n IS NULL OR col = $n)" keep one statement. */
    db_val p[] = {DB_TEXT(r->app_id), DB_TEXT(board), DB_TEXT(status), DB_TEXT(event), DB_TEXT(cursor), DB_INT(limit + 1)};
    db_rows *rows = NULL;
    db_err e;
    int rc = db_exec(r->srv->db, "SELECT " RUN_COLS " FROM runs WHERE app_id = $1"
                                 " AND ($2 IS NULL OR board_id = $2) AND ($3 IS NULL OR status = $3)"
                                 " AND ($4 IS NULL OR event_id = $4) AND ($5 IS NULL OR id < $5)"
                                 " ORDER BY id DESC LIMIT $6", p, 6, &rows, &e);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    srv_json_page(r, rows, (size_t)limit, run_summary);
}

/* Load one run of this app; answers 404 when absent. */
static db_rows *load_run(srv_req *r, const char *id, const char *extra_cols) {
    if (!id_valid("run", id)) { srv_problem(r, 404, "not_found", "no such run"); return NULL; }
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT " RUN_COLS "%s FROM runs WHERE id = $1 AND app_id = $2", extra_cols);
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(id), DB_TEXT(r->app_id)};
    if (srv_db_failed(r, db_exec(r->srv->db, sql, p, 2, &rows, &e), &e, NULL)) return NULL;
    if (db_rows_count(rows) != 1) { db_rows_free(rows); srv_problem(r, 404, "not_found", "no such run"); return NULL; }
    return rows;
}

HANDLER(h_run_get) {
    const char *id = srv_param(r, "run");
    db_rows *rows = load_run(r, id, ", payload, variables, result, report");
    if (!rows) return;
    json_t *o = run_summary(rows, 0);
    if (srv_can(r, PERM_READ_RUN_DATA)) {
        const char *pt = db_rows_text(rows, 0, 13), *rt = db_rows_text(rows, 0, 15), *et = db_rows_text(rows, 0, 12);
        json_object_set_new(o, "payload", pt ? json_loads(pt, JSON_DECODE_ANY, NULL) : json_null());
        json_object_set_new(o, "result", rt ? json_loads(rt, JSON_DECODE_ANY, NULL) : json_null());
        json_object_set_new(o, "error", et ? json_loads(et, 0, NULL) : json_null());
        char *vars = runs_unseal_variables(r->srv, id, db_rows_text(rows, 0, 14));
        json_t *vj = vars ? json_loads(vars, 0, NULL) : NULL;
        if (vars) { explicit_bzero(vars, strlen(vars)); free(vars); }
        json_t *names = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(vj, k, v) json_array_append_new(names, json_string(k));
        json_decref(vj);
        json_object_set_new(o, "variables_set", names);
    }
    json_t *rep = db_rows_text(rows, 0, 16) ? json_loads(db_rows_text(rows, 0, 16), 0, NULL) : NULL;
    if (rep) {
        if (srv_can(r, PERM_READ_RUN_DATA)) {
            json_object_set(o, "trace", json_object_get(rep, "trace") ? json_object_get(rep, "trace") : json_array());
            if (json_object_get(rep, "trace_truncated")) json_object_set_new(o, "trace_truncated", json_true());
        }
        if (srv_can(r, PERM_READ_LOGS)) {
            json_object_set(o, "logs", json_object_get(rep, "logs") ? json_object_get(rep, "logs") : json_array());
            if (json_object_get(rep, "logs_truncated")) json_object_set_new(o, "logs_truncated", json_true());
        }
        json_decref(rep);
    }
    db_rows_free(rows);
    srv_json(r, 200, o);
}

HANDLER(h_run_cancel) {
    const char *id = srv_param(r, "run");
    db_rows *rows = load_run(r, id, "");
    if (!rows) return;
    db_rows_free(rows);
    db_err e;
    int rc = queue_cancel(r->srv->db, id, now_us(), &e);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    if (rc == 0) return srv_problem(r, 409, "already_ended", "the run has already ended");
    exec_cancel_local(r->srv->exec, id);
    audit_record(r, "run.cancel", id, AUDIT_OK, NULL);
    srv_json(r, 202, json_pack("{s:s, s:s}", "id", id, "status", "cancelling"));
}

HANDLER(h_run_rerun) {
    const char *id = srv_param(r, "run");
    db_rows *rows = load_run(r, id, ", payload, variables, on_restart");
    if (!rows) return;
    char *vars = runs_unseal_variables(r->srv, id, db_rows_text(rows, 0, 14));
    if (db_rows_text(rows, 0, 14) && !vars) {
        db_rows_free(rows);
        return srv_problem(r, 409, "unreadable", "the run's variables cannot be opened with this instance key");
    }
    char actor[96], run_id[ID_MAX], err[256];
    principal_actor(&r->who, actor, sizeof actor);
    run_spec sp = {.app_id = r->app_id, .board_id = db_rows_text(rows, 0, 1), .version = db_rows_int(rows, 0, 2),
                   .event_id = db_rows_text(rows, 0, 3), .start_node = db_rows_text(rows, 0, 4), .on_restart = db_rows_text(rows, 0, 15),
                   .payload = db_rows_text(rows, 0, 13), .variables = vars, .created_by = actor, .rerun_of = id};
    int64_t version;
    run_create_rc rc = runs_create(r->srv, &sp, run_id, &version, err, sizeof err);
    char board[ID_MAX];
    str_copy(board, sizeof board, db_rows_text(rows, 0, 1));
    db_rows_free(rows);
    if (vars) { explicit_bzero(vars, strlen(vars)); free(vars); }
    if (rc != RUN_CREATED) return create_failed(r, rc, err);
    audit_record(r, "run.rerun", run_id, AUDIT_OK, json_pack("{s:s, s:s, s:I}", "rerun_of", id, "board_id", board, "board_version", (json_int_t)version));
    srv_json(r, 201, json_pack("{s:s, s:s, s:I, s:s, s:s}", "id", run_id, "board_id", board, "board_version", (json_int_t)version,
                               "status", "queued", "rerun_of", id));
}

HANDLER(h_run_live) {
    const char *id = srv_param(r, "run");
    db_rows *rows = load_run(r, id, "");
    if (!rows) return;
    db_rows_free(rows);
    if (!sse_subscribe(r->srv->hub, r, r->app_id, id, json_array(), false)) return;
    /* Subscribed first, then read: a run that ended in between is still
     * seen; the snapshot goes ahead of events published meanwhile. */
    rows = load_run(r, id, "");
    if (!rows) return;
    const char *status = db_rows_text(rows, 0, 5);
    json_t *d = json_pack("{s:s, s:s}", "run_id", id, "status", status);
    if (is_final(status)) {
        json_object_set_new(d, "error", db_rows_text(rows, 0, 12) ? json_loads(db_rows_text(rows, 0, 12), 0, NULL) : json_null());
        sse_stream_send_first(r->stream, "run_finished", d, true);
    } else {
        sse_stream_send_first(r->stream, "status", d, false);
    }
    db_rows_free(rows);
}

HANDLER(h_app_live) { sse_subscribe(r->srv->hub, r, r->app_id, NULL, json_array(), false); }
