/* r_secrets.c — app secrets: write-only values, sealed at rest under the
 * instance key (auth_seal, bound to "app/name" so a sealed value moved to
 * another row does not open). The API lists names, never values. */
#include <string.h>

#include "server/audit.h"
#include "server/routes.h"

HANDLER(h_secrets_list) {
    db_rows *rows = srv_rows(r, "SELECT name, created_at, updated_at FROM secrets WHERE app_id = $1 ORDER BY name", r->app_id);
    if (!rows) return;
    json_t *items = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++)
        json_array_append_new(items, json_pack("{s:s, s:I, s:I}", "name", db_rows_text(rows, i, 0), "created_at", (json_int_t)db_rows_int(rows, i, 1),
                                               "updated_at", (json_int_t)db_rows_int(rows, i, 2)));
    db_rows_free(rows);
    srv_json(r, 200, json_pack("{s:o}", "items", items));
}

HANDLER(h_secret_put) {
    const char *name = srv_param(r, "name");
    if (!srv_name_ok(name)) return srv_problem(r, 422, "bad_name", "name: 1 to 64 of A-Z a-z 0-9 _ . - (not starting with .)");
    json_t *b = srv_body_json(r);
    if (!b) return;
    json_t *v = json_object_get(b, "value");
    if (!json_is_string(v) || json_string_length(v) > AUTH_SEAL_MAX_BYTES) {
        json_decref(b);
        return srv_problem(r, 422, "bad_value", "value: a string of at most %u bytes", AUTH_SEAL_MAX_BYTES);
    }
    char aad[ID_MAX + 80], *sealed = NULL;
    snprintf(aad, sizeof aad, "%s/%s", r->app_id, name);
    int rc = auth_seal(&r->srv->keys, aad, (const unsigned char *)json_string_value(v), json_string_length(v), &sealed);
    json_decref(b);  /* the plaintext lives only in the request body from here */
    explicit_bzero(r->body, r->body_len);
    if (rc != 0) return srv_problem(r, 500, "internal", "the secret could not be sealed");
    int64_t now = now_us();
    db_val p[] = {DB_TEXT(r->app_id), DB_TEXT(name), DB_TEXT(sealed), DB_INT(now)};
    db_err e;
    rc = db_exec(r->srv->db, "INSERT INTO secrets (app_id, name, value, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)"
                             " ON CONFLICT (app_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at", p, 4, NULL, &e);
    free(sealed);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    audit_record(r, "secret.put", name, AUDIT_OK, NULL);  /* the name only, never the value */
    srv_json(r, 204, NULL);
}

HANDLER(h_secret_delete) {
    const char *name = srv_param(r, "name");
    if (!srv_name_ok(name)) return srv_problem(r, 404, "not_found", "no such secret");
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(r->app_id), DB_TEXT(name)};
    if (srv_db_failed(r, db_exec(r->srv->db, "DELETE FROM secrets WHERE app_id = $1 AND name = $2", p, 2, &rows, &e), &e, NULL)) return;
    size_t changed = db_rows_changed(rows);
    db_rows_free(rows);
    if (!changed) return srv_problem(r, 404, "not_found", "no such secret");
    audit_record(r, "secret.delete", name, AUDIT_OK, NULL);
    srv_json(r, 204, NULL);
}
