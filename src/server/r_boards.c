/* r_boards.c — boards and their immutable versions. Every save appends a
 * version; runs pin the version they ran. A board that does not validate may
 * still be saved (work in progress in the editor); the answer says so, and a
 * run of it fails with the validation errors. */
#include <string.h>

#include "base/limits.h"
#include "board/board.h"
#include "server/audit.h"
#include "server/routes.h"

#define BOARD_NAME_MAX 200

/* Validate and canonicalise the "board" member of a request body. */
static char *board_text(srv_req *r, json_t *body, json_t **validity) {
    json_t *doc = json_object_get(body, "board");
    if (!json_is_object(doc)) { srv_problem(r, 422, "bad_board", "board must be a JSON object (the board document)"); return NULL; }
    char *text = board_save(doc);
    if (!text) { srv_problem(r, 500, "internal", "out of memory"); return NULL; }
    if (strlen(text) > BOARD_MAX_BYTES) {
        free(text);
        srv_problem(r, 413, "board_too_large", "a board may have at most %u bytes", BOARD_MAX_BYTES);
        return NULL;
    }
    board_errors errs = {0};
    plan *p = board_load(text, strlen(text), r->srv->cat, &errs);
    *validity = board_errors_json(&errs);
    board_errors_free(&errs);
    if (p) plan_free(p);
    return text;
}

static const char *board_name(json_t *body) {
    const char *n = json_string_value(json_object_get(body, "name"));
    if (!n) n = json_string_value(json_object_get(json_object_get(body, "board"), "name"));
    return n && *n ? n : "untitled";
}

/* The board {board} of this app: fills name/latest; 404 answered if absent. */
static bool find_board(srv_req *r, const char *id, char *name, size_t nn, int64_t *latest) {
    if (!id_valid("brd", id)) { srv_problem(r, 404, "not_found", "no such board"); return false; }
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(id), DB_TEXT(r->app_id)};
    if (srv_db_failed(r, db_exec(r->srv->db, "SELECT name, latest_version FROM boards WHERE id = $1 AND app_id = $2", p, 2, &rows, &e), &e, NULL)) return false;
    if (db_rows_count(rows) != 1) { db_rows_free(rows); srv_problem(r, 404, "not_found", "no such board"); return false; }
    if (name) snprintf(name, nn, "%s", db_rows_text(rows, 0, 0));
    if (latest) *latest = db_rows_int(rows, 0, 1);
    db_rows_free(rows);
    return true;
}

HANDLER(h_boards_list) {
    db_rows *rows = srv_rows(r, "SELECT id, name, latest_version, created_at, updated_at FROM boards WHERE app_id = $1 ORDER BY id", r->app_id);
    if (!rows) return;
    json_t *items = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++)
        json_array_append_new(items, json_pack("{s:s, s:s, s:I, s:I, s:I}", "id", db_rows_text(rows, i, 0), "name", db_rows_text(rows, i, 1),
                                               "latest_version", (json_int_t)db_rows_int(rows, i, 2), "created_at", (json_int_t)db_rows_int(rows, i, 3),
                                               "updated_at", (json_int_t)db_rows_int(rows, i, 4)));
    db_rows_free(rows);
    srv_json(r, 200, json_pack("{s:o}", "items", items));
}

HANDLER(h_board_create) {
    json_t *b = srv_body_json(r);
    if (!b) return;
    const char *name = board_name(b);
    if (strlen(name) > BOARD_NAME_MAX) { json_decref(b); return srv_problem(r, 422, "bad_name", "name: at most %d bytes", BOARD_NAME_MAX); }
    json_t *validity = NULL;
    char *text = board_text(r, b, &validity);
    if (!text) { json_decref(b); return; }
    char id[ID_MAX], actor[96];
    id_new("brd", id);
    principal_actor(&r->who, actor, sizeof actor);
    int64_t now = now_us();
    db_tx *tx;
    db_err e;
    int rc = db_begin(r->srv->db, &tx, &e);
    if (rc == 0) {
        db_val pb[] = {DB_TEXT(id), DB_TEXT(r->app_id), DB_TEXT(name), DB_INT(now)};
        rc = db_tx_exec(tx, "INSERT INTO boards (id, app_id, name, latest_version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4)", pb, 4, NULL, &e);
        db_val pv[] = {DB_TEXT(id), DB_TEXT(text), DB_INT(now), DB_TEXT(actor)};
        if (rc == 0) rc = db_tx_exec(tx, "INSERT INTO board_versions (board_id, version, body, created_at, created_by) VALUES ($1, 1, $2, $3, $4)", pv, 4, NULL, &e);
        if (rc == 0) rc = db_commit(tx, &e);
        else db_rollback(tx);
    }
    free(text);
    if (srv_db_failed(r, rc, &e, NULL)) { json_decref(b); json_decref(validity); return; }
    audit_record(r, "board.create", id, AUDIT_OK, json_pack("{s:s, s:i}", "name", name, "version", 1));
    json_t *out = json_pack("{s:s, s:s, s:i, s:I}", "id", id, "name", name, "version", 1, "created_at", (json_int_t)now);
    json_object_update(out, validity);
    json_decref(validity);
    json_decref(b);
    srv_json(r, 201, out);
}

static void send_version(srv_req *r, const char *id, int64_t version) {
    char name[BOARD_NAME_MAX + 1];
    int64_t latest;
    if (!find_board(r, id, name, sizeof name, &latest)) return;
    if (version <= 0) version = latest;
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(id), DB_INT(version)};
    if (srv_db_failed(r, db_exec(r->srv->db, "SELECT body, created_at, created_by FROM board_versions WHERE board_id = $1 AND version = $2", p, 2, &rows, &e), &e, NULL)) return;
    if (db_rows_count(rows) != 1) { db_rows_free(rows); return srv_problem(r, 404, "not_found", "no such version"); }
    json_t *doc = json_loads(db_rows_text(rows, 0, 0), 0, NULL);
    json_t *out = json_pack("{s:s, s:s, s:I, s:I, s:o, s:I, s:s?}", "id", id, "name", name, "version", (json_int_t)version,
                            "latest_version", (json_int_t)latest, "board", doc ? doc : json_null(),
                            "created_at", (json_int_t)db_rows_int(rows, 0, 1), "created_by", db_rows_text(rows, 0, 2));
    db_rows_free(rows);
    srv_json(r, 200, out);
}

HANDLER(h_board_get) { send_version(r, srv_param(r, "board"), 0); }

HANDLER(h_board_version_get) {
    char *end;
    const char *v = srv_param(r, "version");
    long long ver = strtoll(v, &end, 10);
    if (*end || ver <= 0) return srv_problem(r, 404, "not_found", "no such version");
    send_version(r, srv_param(r, "board"), ver);
}

HANDLER(h_board_save) {
    const char *id = srv_param(r, "board");
    int64_t latest;
    if (!find_board(r, id, NULL, 0, &latest)) return;
    json_t *b = srv_body_json(r);
    if (!b) return;
    json_t *base = json_object_get(b, "base_version");
    if (base && (!json_is_integer(base) || json_integer_value(base) != latest)) {
        json_decref(b);
        return srv_problem(r, 409, "version_conflict", "the board was saved meanwhile (latest version %lld)", (long long)latest);
    }
    json_t *nv = json_object_get(b, "name");
    if (nv && (!json_is_string(nv) || !*json_string_value(nv) || strlen(json_string_value(nv)) > BOARD_NAME_MAX)) {
        json_decref(b);
        return srv_problem(r, 422, "bad_name", "name: 1 to %d bytes", BOARD_NAME_MAX);
    }
    json_t *validity = NULL;
    char *text = board_text(r, b, &validity);
    if (!text) { json_decref(b); return; }
    char actor[96];
    principal_actor(&r->who, actor, sizeof actor);
    int64_t now = now_us(), version = 0;
    db_tx *tx;
    db_err e;
    int rc = db_begin(r->srv->db, &tx, &e);
    if (rc == 0) {
        db_rows *rows = NULL;
        db_val pu[] = {DB_INT(now), DB_TEXT(id), DB_TEXT(r->app_id)};
        rc = db_tx_exec(tx, "UPDATE boards SET latest_version = latest_version + 1, updated_at = $1 WHERE id = $2 AND app_id = $3 RETURNING latest_version", pu, 3, &rows, &e);
        if (rc == 0 && db_rows_count(rows) == 1) version = db_rows_int(rows, 0, 0);
        db_rows_free(rows);
        if (rc == 0 && nv) {
            db_val pn[] = {DB_TEXT(json_string_value(nv)), DB_TEXT(id)};
            rc = db_tx_exec(tx, "UPDATE boards SET name = $1 WHERE id = $2", pn, 2, NULL, &e);
        }
        db_val pv[] = {DB_TEXT(id), DB_INT(version), DB_TEXT(text), DB_INT(now), DB_TEXT(actor)};
        if (rc == 0 && version > 0) rc = db_tx_exec(tx, "INSERT INTO board_versions (board_id, version, body, created_at, created_by) VALUES ($1, $2, $3, $4, $5)", pv, 5, NULL, &e);
        if (rc == 0 && version > 0) rc = db_commit(tx, &e);
        else db_rollback(tx);
    }
    free(text);
    json_decref(b);
    if (srv_db_failed(r, rc, &e, "the board was saved meanwhile; try again")) { json_decref(validity); return; }
    audit_record(r, "board.save", id, AUDIT_OK, json_pack("{s:I}", "version", (json_int_t)version));
    json_t *out = json_pack("{s:s, s:I, s:I}", "id", id, "version", (json_int_t)version, "updated_at", (json_int_t)now);
    json_object_update(out, validity);
    json_decref(validity);
    srv_json(r, 200, out);
}

HANDLER(h_board_delete) {
    const char *id = srv_param(r, "board");
    char name[BOARD_NAME_MAX + 1];
    int64_t latest;
    if (!find_board(r, id, name, sizeof name, &latest)) return;
    db_err e;
    db_val p[] = {DB_TEXT(id), DB_TEXT(r->app_id)};
    if (srv_db_failed(r, db_exec(r->srv->db, "DELETE FROM boards WHERE id = $1 AND app_id = $2", p, 2, NULL, &e), &e, NULL)) return;
    audit_record(r, "board.delete", id, AUDIT_OK, json_pack("{s:s, s:I}", "name", name, "version", (json_int_t)latest));
    srv_json(r, 204, NULL);
}

HANDLER(h_board_versions) {
    const char *id = srv_param(r, "board");
    if (!find_board(r, id, NULL, 0, NULL)) return;
    db_rows *rows = srv_rows(r, "SELECT version, created_at, created_by FROM board_versions WHERE board_id = $1 ORDER BY version DESC", id);
    if (!rows) return;
    json_t *items = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++)
        json_array_append_new(items, json_pack("{s:I, s:I, s:s?}", "version", (json_int_t)db_rows_int(rows, i, 0),
                                               "created_at", (json_int_t)db_rows_int(rows, i, 1), "created_by", db_rows_text(rows, i, 2)));
    db_rows_free(rows);
    srv_json(r, 200, json_pack("{s:o}", "items", items));
}
