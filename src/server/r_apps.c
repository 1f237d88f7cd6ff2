/* r_apps.c — apps (workspaces). Creating one also creates its built-in
 * roles and makes the creator its one owner, in one transaction. */
#include <string.h>

#include "server/audit.h"
#include "server/routes.h"

#define APP_NAME_MAX 100
#define APP_DESC_MAX 2000

static bool text_ok(json_t *v, size_t max) {
    const char *s = json_string_value(v);
    return s && *s && strlen(s) <= max;
}

HANDLER(h_apps_list) {
    db_rows *rows = NULL;
    db_err e;
    json_t *items = json_array();
    if (r->who.kind == PRINCIPAL_API_KEY) {
        db_val p[] = {DB_TEXT(r->who.key_app)};
        if (srv_db_failed(r, db_exec(r->srv->db, "SELECT id, name, description, created_at FROM apps WHERE id = $1", p, 1, &rows, &e), &e, NULL)) { json_decref(items); return; }
    } else {
        db_val p[] = {DB_TEXT(r->who.user_id)};
        if (srv_db_failed(r, db_exec(r->srv->db, "SELECT a.id, a.name, a.description, a.created_at FROM apps a JOIN members m ON m.app_id = a.id"
                                                 " WHERE m.user_id = $1 ORDER BY a.id", p, 1, &rows, &e), &e, NULL)) { json_decref(items); return; }
    }
    for (size_t i = 0; i < db_rows_count(rows); i++)
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:I}", "id", db_rows_text(rows, i, 0), "name", db_rows_text(rows, i, 1),
                                               "description", db_rows_text(rows, i, 2), "created_at", (json_int_t)db_rows_int(rows, i, 3)));
    db_rows_free(rows);
    srv_json(r, 200, json_pack("{s:o}", "items", items));
}

HANDLER(h_app_create) {
    json_t *b = srv_body_json(r);
    if (!b) return;
    if (!text_ok(json_object_get(b, "name"), APP_NAME_MAX)) { json_decref(b); return srv_problem(r, 422, "bad_name", "name: 1 to %d bytes", APP_NAME_MAX); }
    json_t *dv = json_object_get(b, "description");
    if (dv && (!json_is_string(dv) || strlen(json_string_value(dv)) > APP_DESC_MAX)) { json_decref(b); return srv_problem(r, 422, "bad_description", "description: a string of at most %d bytes", APP_DESC_MAX); }
    const char *name = json_string_value(json_object_get(b, "name"));
    const char *desc = dv ? json_string_value(dv) : "";
    char app[ID_MAX], actor[96], owner_role[ID_MAX] = "";
    id_new("app", app);
    principal_actor(&r->who, actor, sizeof actor);
    int64_t now = now_us();
    db_tx *tx;
    db_err e;
    if (srv_db_failed(r, db_begin(r->srv->db, &tx, &e), &e, NULL)) { json_decref(b); return; }
    db_val pa[] = {DB_TEXT(app), DB_TEXT(name), DB_TEXT(desc), DB_INT(now), DB_TEXT(actor)};
    int rc = db_tx_exec(tx, "INSERT INTO apps (id, name, description, created_at, created_by) VALUES ($1, $2, $3, $4, $5)", pa, 5, NULL, &e);
    for (size_t i = 0; rc == 0 && i < rbac_default_role_count; i++) {
        char rid[ID_MAX];
        id_new("role", rid);
        if (!strcmp(rbac_default_roles[i].name, "owner")) strcpy(owner_role, rid);
        char *pt = perm_set_to_text(rbac_default_roles[i].perms);
        db_val pr[] = {DB_TEXT(rid), DB_TEXT(app), DB_TEXT(rbac_default_roles[i].name), DB_TEXT(pt)};
        rc = db_tx_exec(tx, "INSERT INTO roles (id, app_id, name, permissions, builtin) VALUES ($1, $2, $3, $4, 1)", pr, 4, NULL, &e);
        free(pt);
    }
    if (rc == 0) {
        db_val pm[] = {DB_TEXT(app), DB_TEXT(r->who.user_id), DB_TEXT(owner_role), DB_INT(now)};
        rc = db_tx_exec(tx, "INSERT INTO members (app_id, user_id, role_id, joined_at) VALUES ($1, $2, $3, $4)", pm, 4, NULL, &e);
    }
    if (rc == 0) rc = db_commit(tx, &e);
    else db_rollback(tx);
    if (srv_db_failed(r, rc, &e, NULL)) { json_decref(b); return; }
    audit_record_app(r, app, "app.create", app, AUDIT_OK, json_pack("{s:s}", "name", name));
    srv_json(r, 201, json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", app, "name", name, "description", desc, "created_at", (json_int_t)now, "role", "owner"));
    json_decref(b);
}

HANDLER(h_app_get) {
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(r->app_id)};
    if (srv_db_failed(r, db_exec(r->srv->db, "SELECT id, name, description, created_at FROM apps WHERE id = $1", p, 1, &rows, &e), &e, NULL)) return;
    if (db_rows_count(rows) != 1) { db_rows_free(rows); return srv_problem(r, 404, "not_found", "no such app"); }
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:o}", "id", db_rows_text(rows, 0, 0), "name", db_rows_text(rows, 0, 1), "description",
                          db_rows_text(rows, 0, 2), "created_at", (json_int_t)db_rows_int(rows, 0, 3), "permissions", perm_set_to_json(r->app_perms));
    db_rows_free(rows);
    srv_json(r, 200, o);
}

HANDLER(h_app_update) {
    json_t *b = srv_body_json(r);
    if (!b) return;
    json_t *nv = json_object_get(b, "name"), *dv = json_object_get(b, "description");
    if ((nv && !text_ok(nv, APP_NAME_MAX)) || (dv && (!json_is_string(dv) || strlen(json_string_value(dv)) > APP_DESC_MAX))) {
        json_decref(b);
        return srv_problem(r, 422, "bad_request", "name: 1 to %d bytes; description: at most %d bytes", APP_NAME_MAX, APP_DESC_MAX);
    }
    db_err e;
    int rc = 0;
    if (nv) {
        db_val p[] = {DB_TEXT(json_string_value(nv)), DB_TEXT(r->app_id)};
        rc = db_exec(r->srv->db, "UPDATE apps SET name = $1 WHERE id = $2", p, 2, NULL, &e);
    }
    if (rc == 0 && dv) {
        db_val p[] = {DB_TEXT(json_string_value(dv)), DB_TEXT(r->app_id)};
        rc = db_exec(r->srv->db, "UPDATE apps SET description = $1 WHERE id = $2", p, 2, NULL, &e);
    }
    if (rc >= 0) {
        json_t *ad = json_object();
        if (nv) json_object_set(ad, "name", nv);
        if (dv) json_object_set_new(ad, "description_changed", json_true());
        audit_record(r, "app.update", r->app_id, AUDIT_OK, ad);
    }
    json_decref(b);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    h_app_get(r);
}

HANDLER(h_app_delete) {
    db_err e;
    db_val p[] = {DB_TEXT(r->app_id)};
    if (srv_db_failed(r, db_exec(r->srv->db, "DELETE FROM apps WHERE id = $1", p, 1, NULL, &e), &e, NULL)) return;
    audit_record(r, "app.delete", r->app_id, AUDIT_OK, NULL);  /* the app's audit rows stay (GET /api/v1/audit?app=) */
    srv_json(r, 204, NULL);
}
