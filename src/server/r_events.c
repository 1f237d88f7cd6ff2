/* r_events.c — events start runs: manual (fired through the API), webhook
 * (POST /hooks/{app}/{event}) and schedule (cron in a time zone, sched.c).
 * A webhook either waits for its run's result (config.wait, the default) or
 * answers 202 with the run id once the run is persisted. */
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/strbuf.h"
#include "base/textfmt.h"
#include "server/audit.h"
#include "server/cache.h"
#include "server/routes.h"
#include "server/runs.h"
#include "server/sched.h"

#define EVENT_COLS "id, name, kind, board_id, board_version, start_node, config, on_restart, enabled, next_fire_at, created_at"

static json_t *event_json(srv_req *r, const db_rows *rows, size_t i) {
    json_t *cfg = json_loads(db_rows_text(rows, i, 6), 0, NULL);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s?, s:o, s:s, s:b, s:o, s:I}",
                          "id", db_rows_text(rows, i, 0), "name", db_rows_text(rows, i, 1), "kind", db_rows_text(rows, i, 2),
                          "board_id", db_rows_text(rows, i, 3),
                          "board_version", db_rows_isnull(rows, i, 4) ? json_null() : json_integer(db_rows_int(rows, i, 4)),
                          "start_node", db_rows_text(rows, i, 5), "config", cfg ? cfg : json_object(), "on_restart", db_rows_text(rows, i, 7),
                          "enabled", (int)db_rows_int(rows, i, 8),
                          "next_fire_at", db_rows_isnull(rows, i, 9) ? json_null() : json_integer(db_rows_int(rows, i, 9)),
                          "created_at", (json_int_t)db_rows_int(rows, i, 10));
    if (!strcmp(db_rows_text(rows, i, 2), "webhook")) {
        char url[512];
        const char *base = *r->srv->cfg.public_url ? r->srv->cfg.public_url : NULL;
        if (base) snprintf(url, sizeof url, "%s/hooks/%s/%s", base, r->app_id, db_rows_text(rows, i, 1));
        else snprintf(url, sizeof url, "%s://%s/hooks/%s/%s", r->srv->tls ? "https" : "http", r->srv->cfg.listen, r->app_id, db_rows_text(rows, i, 1));
        json_object_set_new(o, "webhook_url", json_string(url));
    }
    return o;
}

/* Find an event of this app by id or name. */
static db_rows *load_event(srv_req *r, const char *key) {
    if (!key || (!id_valid("evt", key) && !srv_name_ok(key))) { srv_problem(r, 404, "not_found", "no such event"); return NULL; }
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(key), DB_TEXT(r->app_id)};
    if (srv_db_failed(r, db_exec(r->srv->db, "SELECT " EVENT_COLS " FROM events WHERE (id = $1 OR name = $1) AND app_id = $2", p, 2, &rows, &e), &e, NULL)) return NULL;
    if (db_rows_count(rows) != 1) { db_rows_free(rows); srv_problem(r, 404, "not_found", "no such event"); return NULL; }
    return rows;
}

HANDLER(h_events_list) {
    db_rows *rows = srv_rows(r, "SELECT " EVENT_COLS " FROM events WHERE app_id = $1 ORDER BY id", r->app_id);
    if (!rows) return;
    json_t *items = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++) json_array_append_new(items, event_json(r, rows, i));
    db_rows_free(rows);
    srv_json(r, 200, json_pack("{s:o}", "items", items));
}

typedef struct event_fields {
    const char *name, *kind, *board_id, *start_node, *on_restart;
    json_t *board_version;   /* integer or null */
    json_t *config;
    bool enabled;
    int64_t next_fire;       /* schedules */
} event_fields;

/* The fields of an event object, but config and enabled (whose defaults
 * differ between create and update). */
static event_fields fields_of(json_t *o) {
    return (event_fields){
        .name = json_string_value(json_object_get(o, "name")), .kind = json_string_value(json_object_get(o, "kind")),
        .board_id = json_string_value(json_object_get(o, "board_id")), .start_node = json_string_value(json_object_get(o, "start_node")),
        .on_restart = json_string_value(json_object_get(o, "on_restart")), .board_version = json_object_get(o, "board_version"),
    };
}

/* $1 … $11 of the INSERT and the UPDATE of an event. */
#define EVENT_PARAMS 11
static void event_params(db_val p[EVENT_PARAMS], const char *id, const char *app_id, const event_fields *f, const char *cfg) {
    db_val v[EVENT_PARAMS] = {DB_TEXT(id), DB_TEXT(app_id), DB_TEXT(f->board_id),
                              json_is_integer(f->board_version) ? DB_INT(json_integer_value(f->board_version)) : DB_NULL,
                              DB_TEXT(f->name), DB_TEXT(f->kind), DB_TEXT(f->start_node), DB_TEXT(cfg),
                              DB_TEXT(f->on_restart ? f->on_restart : "requeue"), DB_INT(f->enabled),
                              f->next_fire ? DB_INT(f->next_fire) : DB_NULL};
    memcpy(p, v, sizeof v);
}

/* Answer with the event `key` of this app as it is in the store now. */
static void send_event(srv_req *r, const char *key, unsigned status) {
    db_rows *rows = load_event(r, key);
    if (!rows) return;
    json_t *o = event_json(r, rows, 0);
    db_rows_free(rows);
    srv_json(r, status, o);
}

/* Check an event body against the app; answers and returns false on error. */
static bool check_event(srv_req *r, json_t *b, event_fields *f) {
    if (!srv_name_ok(f->name)) { srv_problem(r, 422, "bad_name", "name: 1 to 64 of A-Z a-z 0-9 _ . - (not starting with .)"); return false; }
    if (!f->kind || (strcmp(f->kind, "manual") && strcmp(f->kind, "webhook") && strcmp(f->kind, "schedule"))) {
        srv_problem(r, 422, "bad_kind", "kind: manual, webhook or schedule");
        return false;
    }
    if (f->on_restart && strcmp(f->on_restart, "requeue") && strcmp(f->on_restart, "fail")) {
        srv_problem(r, 422, "bad_on_restart", "on_restart: requeue or fail");
        return false;
    }
    if (!json_is_object(f->config)) { srv_problem(r, 422, "bad_config", "config must be an object"); return false; }
    json_t *wait = json_object_get(f->config, "wait");
    if (wait && !json_is_boolean(wait)) { srv_problem(r, 422, "bad_config", "config.wait must be true or false"); return false; }
    if (f->board_version && !json_is_null(f->board_version) && (!json_is_integer(f->board_version) || json_integer_value(f->board_version) < 1)) {
        srv_problem(r, 422, "bad_version", "board_version: a version number or null for the latest");
        return false;
    }
    if (f->start_node && strlen(f->start_node) > BOARD_MAX_ID_LEN) {
        srv_problem(r, 422, "bad_start_node", "start_node: a node id (at most %d bytes)", BOARD_MAX_ID_LEN);
        return false;
    }
    if (!id_valid("brd", f->board_id)) { srv_problem(r, 422, "bad_board", "board_id: a board of this app"); return false; }
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(f->board_id), DB_TEXT(r->app_id)};
    if (srv_db_failed(r, db_exec(r->srv->db, "SELECT latest_version FROM boards WHERE id = $1 AND app_id = $2", p, 2, &rows, &e), &e, NULL)) return false;
    bool found = db_rows_count(rows) == 1;
    int64_t latest = found ? db_rows_int(rows, 0, 0) : 0;
    db_rows_free(rows);
    if (!found) { srv_problem(r, 422, "bad_board", "board_id: no such board in this app"); return false; }
    if (json_is_integer(f->board_version) && json_integer_value(f->board_version) > latest) {
        srv_problem(r, 422, "bad_version", "the board has no version %lld", (long long)json_integer_value(f->board_version));
        return false;
    }
    f->next_fire = 0;
    if (!strcmp(f->kind, "schedule")) {
        char err[256];
        if (sched_config_check(f->config, now_us(), &f->next_fire, err, sizeof err) != 0) {
            srv_problem(r, 422, "bad_schedule", "%s", err);
            return false;
        }
    }
    (void)b;
    return true;
}

HANDLER(h_event_create) {
    json_t *b = srv_body_json(r);
    if (!b) return;
    event_fields f = fields_of(b);
    f.config = json_object_get(b, "config") ? json_object_get(b, "config") : json_object();
    f.enabled = !json_is_false(json_object_get(b, "enabled"));
    bool own_cfg = !json_object_get(b, "config");
    if (!check_event(r, b, &f)) { if (own_cfg) json_decref(f.config); json_decref(b); return; }
    char id[ID_MAX];
    id_new("evt", id);
    char *cfg = json_dumps(f.config, JSON_COMPACT);
    if (own_cfg) json_decref(f.config);
    db_val p[EVENT_PARAMS + 1];
    event_params(p, id, r->app_id, &f, cfg);
    p[EVENT_PARAMS] = DB_INT(now_us());
    db_err e;
    int rc = db_exec(r->srv->db, "INSERT INTO events (id, app_id, board_id, board_version, name, kind, start_node, config, on_restart, enabled, next_fire_at, created_at)"
                                 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)", p, EVENT_PARAMS + 1, NULL, &e);
    free(cfg);
    if (rc >= 0) audit_record(r, "event.create", id, AUDIT_OK, json_pack("{s:s, s:s, s:s}", "name", f.name, "kind", f.kind, "board_id", f.board_id));
    json_decref(b);
    if (srv_db_failed(r, rc, &e, "an event with this name exists in the app")) return;
    send_event(r, id, 201);
}

HANDLER(h_event_get) { send_event(r, srv_param(r, "event"), 200); }

HANDLER(h_event_update) {
    db_rows *rows = load_event(r, srv_param(r, "event"));
    if (!rows) return;
    json_t *cur = event_json(r, rows, 0);
    db_rows_free(rows);
    json_t *b = srv_body_json(r);
    if (!b) { json_decref(cur); return; }
    json_object_update(cur, b);  /* fields not given keep their values */
    json_decref(b);
    event_fields f = fields_of(cur);
    f.config = json_object_get(cur, "config");
    f.enabled = json_is_true(json_object_get(cur, "enabled"));
    if (!check_event(r, cur, &f)) { json_decref(cur); return; }
    char *cfg = json_dumps(f.config, JSON_COMPACT);
    db_val p[EVENT_PARAMS];
    event_params(p, json_string_value(json_object_get(cur, "id")), r->app_id, &f, cfg);
    db_err e;
    int rc = db_exec(r->srv->db, "UPDATE events SET board_id = $3, board_version = $4, name = $5, kind = $6, start_node = $7, config = $8,"
                                 " on_restart = $9, enabled = $10, next_fire_at = $11 WHERE id = $1 AND app_id = $2", p, EVENT_PARAMS, NULL, &e);
    free(cfg);
    char id[ID_MAX];
    str_copy(id, sizeof id, json_string_value(json_object_get(cur, "id")));
    if (rc >= 0)
        audit_record(r, "event.update", id, AUDIT_OK, json_pack("{s:s, s:s, s:s, s:b}", "name", f.name, "kind", f.kind, "board_id", f.board_id,
                                                                "enabled", f.enabled));
    json_decref(cur);
    if (srv_db_failed(r, rc, &e, "an event with this name exists in the app")) return;
    send_event(r, id, 200);
}

HANDLER(h_event_delete) {
    db_rows *rows = load_event(r, srv_param(r, "event"));
    if (!rows) return;
    db_err e;
    db_val p[] = {DB_TEXT(db_rows_text(rows, 0, 0)), DB_TEXT(r->app_id)};
    int rc = db_exec(r->srv->db, "DELETE FROM events WHERE id = $1 AND app_id = $2", p, 2, NULL, &e);
    if (rc >= 0) audit_record(r, "event.delete", db_rows_text(rows, 0, 0), AUDIT_OK, json_pack("{s:s}", "name", db_rows_text(rows, 0, 1)));
    db_rows_free(rows);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    srv_json(r, 204, NULL);
}

/* Start the event's run; waiter set → the answer may come later. A run
 * started by hand answers 201 (created); a webhook 202 (accepted: it did
 * not wait, or its run could not start at once). */
/* What starting a run needs of an event. For webhooks it is cached
 * (cache.h) with the board's latest version resolved, so a webhook call reads
 * nothing from the store; any change to events or boards empties the cache. */
typedef struct event_target {
    char id[ID_MAX], board_id[ID_MAX], on_restart[16], start_node[BOARD_MAX_ID_LEN + 1];
    bool has_start_node, webhook, enabled, wait;
    int64_t version;            /* pinned, or 0 for the latest */
} event_target;

static void target_of(const db_rows *ev, event_target *t) {
    memset(t, 0, sizeof *t);
    str_copy(t->id, sizeof t->id, db_rows_text(ev, 0, 0));
    str_copy(t->board_id, sizeof t->board_id, db_rows_text(ev, 0, 3));
    str_copy(t->on_restart, sizeof t->on_restart, db_rows_text(ev, 0, 7));
    t->has_start_node = !db_rows_isnull(ev, 0, 5);
    if (t->has_start_node) str_copy(t->start_node, sizeof t->start_node, db_rows_text(ev, 0, 5));  /* check_event bounds it */
    t->version = db_rows_isnull(ev, 0, 4) ? 0 : db_rows_int(ev, 0, 4);
    t->webhook = !strcmp(db_rows_text(ev, 0, 2), "webhook");
    t->enabled = db_rows_int(ev, 0, 8) != 0;
    json_t *cfg = json_loads(db_rows_text(ev, 0, 6), 0, NULL);
    t->wait = !json_is_false(json_object_get(cfg, "wait"));
    json_decref(cfg);
}

/* The webhook `key` of this app, from the cache or the store (then cached
 * with the version a run would pin). False when answered (404, store error). */
static bool hook_target(srv_req *r, const char *key, event_target *t) {
    char ck[CACHE_KEY_MAX];
    bool cacheable = key && (size_t)snprintf(ck, sizeof ck, "%s/%s", r->app_id, key) < sizeof ck;
    if (cacheable && cache_get(r->srv->cache, CACHE_EVENT, ck, t, sizeof *t)) return true;
    uint64_t gen = cache_gen(r->srv->cache);
    db_rows *ev = load_event(r, key);
    if (!ev) return false;
    target_of(ev, t);
    db_rows_free(ev);
    if (t->webhook && t->enabled) {  /* the version a run would pin, checked as runs_create would */
        char err[256];
        run_create_rc rc = runs_version(r->srv, r->app_id, t->board_id, t->version, &t->version, err, sizeof err);
        if (rc == RUN_NO_BOARD) { srv_problem(r, 404, "not_found", "%s", err); return false; }
        if (rc != RUN_CREATED) {
            db_err e;
            str_copy(e.msg, sizeof e.msg, err);
            srv_db_failed(r, DB_ERROR, &e, NULL);
            return false;
        }
    }
    if (cacheable) cache_put(r->srv->cache, CACHE_EVENT, ck, t, sizeof *t, gen);
    return true;
}

static void start_event_run(srv_req *r, const event_target *t, const char *payload, json_t *payload_json, const char *variables,
                            bool wait, bool hook) {
    char actor[96], run_id[ID_MAX], err[256];
    principal_actor(&r->who, actor, sizeof actor);
    run_spec sp = {.app_id = r->app_id, .board_id = t->board_id, .version = t->version, .version_checked = hook,
                   .event_id = t->id, .start_node = t->has_start_node ? t->start_node : NULL, .on_restart = t->on_restart,
                   .payload = payload, .payload_json = payload_json, .variables = variables, .created_by = actor,
                   .waiter = wait ? r : NULL};
    int64_t version;
    run_create_rc rc = runs_create(r->srv, &sp, run_id, &version, err, sizeof err);
    if (rc == RUN_NO_BOARD) return srv_problem(r, 404, "not_found", "%s", err);
    if (rc == RUN_QUEUE_FULL) { srv_header_add(r, "Retry-After", "1"); return srv_problem(r, 503, "queue_full", "%s", err); }
    if (rc != RUN_CREATED) return (void)srv_db_failed(r, DB_ERROR, &(db_err){.msg = ""}, NULL);
    /* Runs a person starts are audit rows; webhook runs are not (the runs
     * table, with created_by and event_id, is their record: docs/server.md). */
    if (!hook) audit_record(r, "run.start", run_id, AUDIT_OK, json_pack("{s:s, s:s, s:I}", "event_id", sp.event_id, "board_id", sp.board_id,
                                                                       "board_version", (json_int_t)version));
    if (r->deferred_pending) return;  /* the executor answers */
    srv_header_add(r, "X-Weir-Run-Id", run_id);
    srv_json(r, hook ? 202 : 201, json_pack("{s:s, s:s, s:I, s:s}", "run_id", run_id, "board_id", sp.board_id, "board_version", (json_int_t)version, "status", "queued"));
}

HANDLER(h_event_fire) {
    db_rows *ev = load_event(r, srv_param(r, "event"));
    if (!ev) return;
    json_t *b = r->body_len ? srv_body_json(r) : json_object();
    if (!b) { db_rows_free(ev); return; }
    json_t *vars = json_object_get(b, "variables");
    if (vars && !json_is_object(vars)) { json_decref(b); db_rows_free(ev); return srv_problem(r, 422, "bad_request", "variables must be an object"); }
    json_t *pl = json_object_get(b, "payload");
    char *payload = pl ? json_dumps(pl, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    char *variables = vars ? json_dumps(vars, JSON_COMPACT) : NULL;
    event_target t;
    target_of(ev, &t);
    db_rows_free(ev);
    start_event_run(r, &t, payload, NULL, variables, false, false);
    free(payload), free(variables);
    json_decref(b);
}

HANDLER(h_webhook) {
    event_target t;
    if (!hook_target(r, srv_param(r, "event"), &t)) return;
    if (!t.webhook || !t.enabled) return srv_problem(r, 404, "not_found", "no enabled webhook of this name");
    /* The body is the payload, and only the payload: JSON, checked, never
     * merged with anything the server uses itself. */
    json_t *body = NULL;
    if (r->body_len) {
        const char *ct = srv_header(r, "Content-Type");
        if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' '))
            return srv_problem(r, 415, "unsupported_media_type", "a webhook body must be application/json");
        json_error_t je;
        body = json_loadb(r->body, r->body_len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
        if (!body) return srv_problem(r, 400, "bad_json", "body: line %d column %d: %s", je.line, je.column, json_error_reason(&je));
    }
    /* Stored as sent: it parsed, so it is JSON (and holds no NUL). */
    start_event_run(r, &t, body ? r->body : NULL, body, NULL, t.wait, true);
    json_decref(body);
}
