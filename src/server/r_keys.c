/* r_keys.c — an app's API keys (weirk_): credentials for integrations and
 * webhooks, bound to one app and one of its roles. docs/auth.md ("API keys")
 * is the user-facing copy of this comment.
 *
 *  - The key is 256 random bits (token.h), shown once in the answer to its
 *    creation; the store keeps only its keyed hash. Listing never shows it.
 *  - Its rights are its role's permissions, as the role is at each request,
 *    never owner (authn.c); the owner role cannot be given to a key.
 *  - No escalation: whoever creates or revokes a key holds every permission
 *    of its role. Keys neither create nor revoke keys (a person decides who
 *    may act for the app), as they do not manage members.
 *  - Expiry is mandatory, 1 to api_key_max_days days.
 *  - Revocation sets revoked_at; authn.c checks it on every request, so the
 *    next request with the key is 401.
 *
 * Creating and revoking take the app's lock and read the caller's rights
 * again inside the transaction (authn_begin_locked), as members and roles
 * do, so a caller demoted meanwhile cannot mint a key with the rights they
 * had. */
#include <string.h>

#include "auth/token.h"
#include "server/audit.h"
#include "server/routes.h"

#define API_KEY_NAME_MAX 100

#define KEY_COLS "k.id, k.name, ro.name, k.role_id, k.created_by, k.created_at, k.expires_at, k.revoked_at, k.last_used_at"

static json_t *opt_int(const db_rows *rows, size_t i, size_t c) {
    return db_rows_isnull(rows, i, c) ? json_null() : json_integer(db_rows_int(rows, i, c));
}

static json_t *key_json(const db_rows *rows, size_t i, int64_t now) {
    const char *status = !db_rows_isnull(rows, i, 7) ? "revoked" : db_rows_int(rows, i, 6) <= now ? "expired" : "active";
    return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:I, s:I, s:o, s:o, s:s}", "id", db_rows_text(rows, i, 0), "name", db_rows_text(rows, i, 1),
                     "role", db_rows_text(rows, i, 2), "role_id", db_rows_text(rows, i, 3), "created_by", db_rows_text(rows, i, 4),
                     "created_at", (json_int_t)db_rows_int(rows, i, 5), "expires_at", (json_int_t)db_rows_int(rows, i, 6),
                     "revoked_at", opt_int(rows, i, 7), "last_used_at", opt_int(rows, i, 8), "status", status);
}

static bool name_ok(const char *s) {
    if (!s || !*s || strlen(s) > API_KEY_NAME_MAX) return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return false;
    return true;
}

static bool refuse_key(srv_req *r) {
    if (r->who.kind != PRINCIPAL_API_KEY) return false;
    srv_problem(r, 403, "keys_cannot_manage_keys", "API keys cannot create or revoke API keys; a user must");
    return true;
}

HANDLER(h_api_keys_list) {
    db_rows *rows = srv_rows(r, "SELECT " KEY_COLS " FROM api_keys k JOIN roles ro ON ro.id = k.role_id"
                                " WHERE k.app_id = $1 ORDER BY k.id", r->app_id);
    if (!rows) return;
    int64_t now = now_us();
    json_t *items = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++) json_array_append_new(items, key_json(rows, i, now));
    db_rows_free(rows);
    srv_json(r, 200, json_pack("{s:o}", "items", items));
}

#define FAIL(status, code, ...) do { db_rollback(tx); srv_problem(r, status, code, __VA_ARGS__); goto out; } while (0)
#define DBFAIL(rc) do { db_rollback(tx); srv_db_failed(r, rc, &e, NULL); goto out; } while (0)

HANDLER(h_api_key_create) {
    if (refuse_key(r)) return;
    json_t *b = srv_body_json(r);
    if (!b) return;
    server *s = r->srv;
    const char *name = json_string_value(json_object_get(b, "name"));
    const char *role_key = json_string_value(json_object_get(b, "role"));
    json_t *days = json_object_get(b, "expires_in_days");
    char tok[AUTH_TOKEN_MAX] = "", hash[65], id[ID_MAX], role_id[ID_MAX], role_name[80], actor_s[96];
    db_tx *tx = NULL;
    db_rows *rows = NULL;
    db_err e;
    perm_set actor;
    int rc;
    if (!name_ok(name)) { srv_problem(r, 422, "bad_name", "name: 1 to %d bytes, no control characters", API_KEY_NAME_MAX); goto out; }
    if (!role_key || !*role_key) { srv_problem(r, 422, "bad_role", "role: the name (or id) of one of the app's roles"); goto out; }
    if (!json_is_integer(days) || json_integer_value(days) < 1 || json_integer_value(days) > s->cfg.api_key_max_days) {
        srv_problem(r, 422, "bad_expiry", "expires_in_days is required, 1 to %lld (api_key_max_days)", (long long)s->cfg.api_key_max_days);
        goto out;
    }
    if (!(tx = authn_begin_locked(r, &actor))) goto out;
    db_val pr[] = {DB_TEXT(r->app_id), DB_TEXT(role_key)};
    if ((rc = db_tx_exec(tx, "SELECT id, name, permissions FROM roles WHERE app_id = $1 AND (id = $2 OR name = $2) ORDER BY id", pr, 2, &rows, &e)) < 0) DBFAIL(rc);
    size_t n = db_rows_count(rows), pick = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(db_rows_text(rows, i, 0), role_key)) pick = i;  /* an id match wins */
    if (!n) { db_rows_free(rows); FAIL(422, "unknown_role", "this app has no role \"%.64s\"", role_key); }
    snprintf(role_id, sizeof role_id, "%s", db_rows_text(rows, pick, 0));
    snprintf(role_name, sizeof role_name, "%s", db_rows_text(rows, pick, 1));
    perm_set role = perm_expand(perm_set_from_text(db_rows_text(rows, pick, 2)));
    db_rows_free(rows);
    if (role & PERM_BIT(PERM_OWNER)) FAIL(422, "owner_role", "an API key never holds the owner role; give it admin or a narrower role");
    if (role & ~actor) FAIL(403, "escalation", "the role has a permission you do not hold yourself");
    int64_t now = now_us(), exp = now + json_integer_value(days) * 86400LL * 1000000LL;
    auth_token_new(AUTH_TOK_API_KEY, tok);
    auth_token_hash(&s->keys, tok, hash);
    id_new("key", id);
    principal_actor(&r->who, actor_s, sizeof actor_s);
    db_val pi[] = {DB_TEXT(id), DB_TEXT(hash), DB_TEXT(r->app_id), DB_TEXT(role_id), DB_TEXT(name), DB_TEXT(actor_s), DB_INT(now), DB_INT(exp)};
    if ((rc = db_tx_exec(tx, "INSERT INTO api_keys (id, token_hash, app_id, role_id, name, created_by, created_at, expires_at)"
                             " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", pi, 8, NULL, &e)) < 0) DBFAIL(rc);
    if (srv_db_failed(r, db_commit(tx, &e), &e, NULL)) goto out;
    audit_record(r, "api_key.create", id, AUDIT_OK, json_pack("{s:s, s:s, s:s, s:I}", "name", name, "role", role_name, "role_id", role_id,
                                                              "expires_at", (json_int_t)exp));
    char loc[160];
    snprintf(loc, sizeof loc, "/api/v1/apps/%s/api-keys/%s", r->app_id, id);
    srv_header_add(r, "Location", loc);
    srv_json(r, 201, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:n, s:n, s:s}", "id", id, "name", name, "key", tok, "role", role_name,
                               "role_id", role_id, "created_by", actor_s, "created_at", (json_int_t)now, "expires_at", (json_int_t)exp,
                               "revoked_at", "last_used_at", "status", "active"));
out:
    explicit_bzero(tok, sizeof tok);
    json_decref(b);
}

HANDLER(h_api_key_revoke) {
    if (refuse_key(r)) return;
    const char *id = srv_param(r, "key");
    if (!id_valid("key", id)) return srv_problem(r, 404, "not_found", "no such API key");
    db_tx *tx = NULL;
    db_rows *rows = NULL;
    db_err e;
    perm_set actor;
    int rc;
    char name[API_KEY_NAME_MAX + 1];
    if (!(tx = authn_begin_locked(r, &actor))) goto out;
    db_val p[] = {DB_TEXT(id), DB_TEXT(r->app_id)};
    if ((rc = db_tx_exec(tx, "SELECT k.name, ro.permissions FROM api_keys k JOIN roles ro ON ro.id = k.role_id"
                             " WHERE k.id = $1 AND k.app_id = $2 AND k.revoked_at IS NULL", p, 2, &rows, &e)) < 0) DBFAIL(rc);
    if (db_rows_count(rows) != 1) { db_rows_free(rows); FAIL(404, "not_found", "no such API key, or it is revoked already"); }
    snprintf(name, sizeof name, "%s", db_rows_text(rows, 0, 0));
    perm_set role = perm_expand(perm_set_from_text(db_rows_text(rows, 0, 1))) & ~PERM_BIT(PERM_OWNER);
    db_rows_free(rows);
    if (role & ~actor) FAIL(403, "escalation", "the key's role has a permission you do not hold yourself");
    db_val pu[] = {DB_INT(now_us()), DB_TEXT(id), DB_TEXT(r->app_id)};
    if ((rc = db_tx_exec(tx, "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND app_id = $3 AND revoked_at IS NULL", pu, 3, NULL, &e)) < 0) DBFAIL(rc);
    if (srv_db_failed(r, db_commit(tx, &e), &e, NULL)) goto out;
    audit_record(r, "api_key.revoke", id, AUDIT_OK, json_pack("{s:s}", "name", name));
    srv_json(r, 204, NULL);
out:;
}
