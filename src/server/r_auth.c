/* r_auth.c — sign-in, sessions, the caller, personal access tokens, users. */
#include <string.h>

#include "auth/password.h"
#include "server/accounts.h"
#include "server/audit.h"
#include "server/routes.h"

static void set_cookie(srv_req *r, const char *value, int64_t max_age_s) {
    char c[256];
    snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s", SESSION_COOKIE, value,
             (long long)max_age_s, r->srv->tls ? "; Secure" : "");
    srv_header_add(r, "Set-Cookie", c);
}

static bool backoff_refuses(srv_req *r, const char *key, int64_t now) {
    int64_t wait = auth_backoff_wait_s(r->srv->login_backoff, key, now);
    if (wait <= 0) return false;
    char ra[32];
    snprintf(ra, sizeof ra, "%lld", (long long)wait);
    srv_problem(r, 429, "login_backoff", "too many failed sign-ins; retry after %s s", ra);
    srv_header_add(r, "Retry-After", ra);
    return true;
}

int session_start(srv_req *r, const char *uid, char *csrf_out) {
    server *s = r->srv;
    char sid[ID_MAX], tok[AUTH_TOKEN_MAX], csrf[AUTH_TOKEN_MAX], hash[65];
    int64_t now = now_us();
    db_err e;
    id_new("ses", sid);
    auth_token_new(AUTH_TOK_SESSION, tok);
    auth_csrf_new(csrf);
    auth_token_hash(&s->keys, tok, hash);
    int64_t max_age = s->cfg.session_max_hours * 3600;
    db_val ins[] = {DB_TEXT(sid), DB_TEXT(hash), DB_TEXT(uid), DB_TEXT(csrf), DB_INT(now), DB_INT(now), DB_INT(now + max_age * 1000000), DB_TEXT(r->ip)};
    int rc = db_exec(s->db, "INSERT INTO sessions (id, token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip)"
                            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", ins, 8, NULL, &e);
    if (srv_db_failed(r, rc, &e, NULL)) { explicit_bzero(tok, sizeof tok); return -1; }
    set_cookie(r, tok, max_age);
    explicit_bzero(tok, sizeof tok);
    if (csrf_out) memcpy(csrf_out, csrf, AUTH_TOKEN_MAX);
    /* every sign-in (password or identity provider) ends here */
    audit_entry ae = {.actor_kind = "user", .actor_id = uid, .credential_id = sid, .action = "auth.login", .target = uid, .ip = r->ip,
                      .outcome = AUDIT_OK, .detail = json_pack("{s:s}", "via", r->route ? r->route->op_id : "?")};
    audit_write(s->db, &ae);
    return 0;
}

HANDLER(h_login) {
    server *s = r->srv;
    json_t *b = srv_body_json(r);
    if (!b) return;
    const char *email = json_string_value(json_object_get(b, "email"));
    const char *pw = json_string_value(json_object_get(b, "password"));
    char em[ACCOUNT_EMAIL_MAX + 1];
    if (!email || !pw || !accounts_email_normal(email, em)) {
        json_decref(b);
        return srv_problem(r, 400, "bad_request", "email and password are required");
    }
    int64_t now = now_us();
    char kmail[ACCOUNT_EMAIL_MAX + 8], kip[80];
    snprintf(kmail, sizeof kmail, "email:%s", em);
    snprintf(kip, sizeof kip, "ip:%s", r->ip);
    if (backoff_refuses(r, kmail, now) || backoff_refuses(r, kip, now)) { json_decref(b); return; }

    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(em)};
    int rc = db_exec(s->db, "SELECT id, password_hash, disabled, instance_admin FROM users WHERE email = $1", p, 1, &rows, &e);
    if (srv_db_failed(r, rc, &e, NULL)) { json_decref(b); return; }
    bool ok = false;
    if (db_rows_count(rows) == 1 && db_rows_text(rows, 0, 1)) ok = auth_password_verify(db_rows_text(rows, 0, 1), pw) && !db_rows_int(rows, 0, 2);
    else auth_password_dummy_verify(pw);  /* same time whether or not the e-mail exists */
    json_decref(b);
    if (!ok) {
        /* never the e-mail typed (it may be a password typed in the wrong box) unless it names an account */
        bool known = db_rows_count(rows) == 1;
        const char *why = !known ? "unknown_account" : !db_rows_text(rows, 0, 1) ? "no_password" : db_rows_int(rows, 0, 2) ? "disabled" : "wrong_password";
        audit_entry ae = {.actor_kind = "anonymous", .action = "auth.login", .target = known ? db_rows_text(rows, 0, 0) : NULL, .ip = r->ip,
                          .outcome = AUDIT_FAILED, .detail = json_pack("{s:s, s:s}", "via", "login", "reason", why)};
        audit_write(s->db, &ae);
        db_rows_free(rows);
        auth_backoff_fail(s->login_backoff, kmail, now);
        auth_backoff_fail(s->login_backoff, kip, now);
        srv_log(SLOG_WARN, "sign-in refused", json_pack("{s:s}", "ip", r->ip));
        return srv_problem(r, 401, "invalid_login", "wrong e-mail or password");
    }
    auth_backoff_reset(s->login_backoff, kmail);
    char uid[ID_MAX], csrf[AUTH_TOKEN_MAX];
    snprintf(uid, sizeof uid, "%s", db_rows_text(rows, 0, 0));
    bool admin = db_rows_int(rows, 0, 3) != 0;
    db_rows_free(rows);
    if (session_start(r, uid, csrf) != 0) return;
    srv_json(r, 200, json_pack("{s:{s:s, s:s, s:b}, s:s}", "user", "id", uid, "email", em, "instance_admin", admin, "csrf_token", csrf));
}

HANDLER(h_logout) {
    if (r->who.kind != PRINCIPAL_SESSION)
        return srv_problem(r, 400, "not_a_session", "only a session signs out; revoke a token with DELETE /api/v1/tokens/{id}");
    db_err e;
    db_val p[] = {DB_TEXT(r->who.cred_id)};
    int rc = db_exec(r->srv->db, "DELETE FROM sessions WHERE id = $1", p, 1, NULL, &e);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    audit_record(r, "auth.logout", r->who.user_id, AUDIT_OK, NULL);
    set_cookie(r, "", 0);
    srv_json(r, 204, NULL);
}

HANDLER(h_me) {
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(r->who.user_id)};
    int rc = db_exec(r->srv->db, "SELECT id, email, instance_admin, created_at FROM users WHERE id = $1", p, 1, &rows, &e);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    if (db_rows_count(rows) != 1) { db_rows_free(rows); return srv_problem(r, 404, "not_found", "no such user"); }
    json_t *user = json_pack("{s:s, s:s, s:b, s:I}", "id", db_rows_text(rows, 0, 0), "email", db_rows_text(rows, 0, 1),
                             "instance_admin", (int)db_rows_int(rows, 0, 2), "created_at", (json_int_t)db_rows_int(rows, 0, 3));
    db_rows_free(rows);
    /* sign-ins with identity providers linked to this user (r_oidc.c) */
    rc = db_exec(r->srv->db, "SELECT provider, issuer, subject, created_at FROM user_identities WHERE user_id = $1 ORDER BY created_at",
                 p, 1, &rows, &e);
    if (srv_db_failed(r, rc, &e, NULL)) { json_decref(user); return; }
    json_t *ids = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++)
        json_array_append_new(ids, json_pack("{s:s, s:s, s:s, s:I}", "provider", db_rows_text(rows, i, 0), "issuer", db_rows_text(rows, i, 1),
                                             "subject", db_rows_text(rows, i, 2), "linked_at", (json_int_t)db_rows_int(rows, i, 3)));
    db_rows_free(rows);
    json_object_set_new(user, "identities", ids);
    static const char *const kinds[] = {"none", "session", "token", "api_key", "oidc"};
    json_t *cred = json_pack("{s:s, s:s}", "kind", kinds[r->who.kind], "id", r->who.cred_id);
    if (r->who.kind == PRINCIPAL_PAT) json_object_set_new(cred, "scopes", perm_set_to_json(r->who.scopes));
    else if (r->who.kind == PRINCIPAL_SESSION) json_object_set_new(cred, "csrf_token", json_string(r->who.csrf));
    rc = db_exec(r->srv->db, "SELECT a.id, a.name, ro.name, ro.permissions FROM members m JOIN apps a ON a.id = m.app_id"
                             " JOIN roles ro ON ro.id = m.role_id WHERE m.user_id = $1 ORDER BY a.id", p, 1, &rows, &e);
    if (srv_db_failed(r, rc, &e, NULL)) { json_decref(user); json_decref(cred); return; }
    json_t *apps = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++) {
        perm_set eff = principal_app_rights(&r->who, perm_set_from_text(db_rows_text(rows, i, 3)));
        json_array_append_new(apps, json_pack("{s:s, s:s, s:s, s:o}", "id", db_rows_text(rows, i, 0), "name", db_rows_text(rows, i, 1),
                                              "role", db_rows_text(rows, i, 2), "permissions", perm_set_to_json(eff)));
    }
    db_rows_free(rows);
    srv_json(r, 200, json_pack("{s:o, s:o, s:o}", "user", user, "credential", cred, "apps", apps));
}

HANDLER(h_tokens_list) {
    db_rows *rows = srv_rows(r, "SELECT id, name, scopes, created_at, expires_at, revoked_at, last_used_at FROM tokens"
                                " WHERE user_id = $1 ORDER BY id", r->who.user_id);
    if (!rows) return;
    json_t *items = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++) {
        json_t *o = json_pack("{s:s, s:s, s:o, s:I, s:I}", "id", db_rows_text(rows, i, 0), "name", db_rows_text(rows, i, 1),
                              "scopes", json_loads(db_rows_text(rows, i, 2), 0, NULL), "created_at", (json_int_t)db_rows_int(rows, i, 3),
                              "expires_at", (json_int_t)db_rows_int(rows, i, 4));
        json_object_set_new(o, "revoked_at", db_rows_isnull(rows, i, 5) ? json_null() : json_integer(db_rows_int(rows, i, 5)));
        json_object_set_new(o, "last_used_at", db_rows_isnull(rows, i, 6) ? json_null() : json_integer(db_rows_int(rows, i, 6)));
        json_array_append_new(items, o);
    }
    db_rows_free(rows);
    srv_json(r, 200, json_pack("{s:o}", "items", items));
}

HANDLER(h_token_create) {
    server *s = r->srv;
    json_t *b = srv_body_json(r);
    if (!b) return;
    const char *name = json_string_value(json_object_get(b, "name"));
    json_t *days = json_object_get(b, "expires_in_days");
    perm_set scopes = 0;
    char err[256];
    if (!json_is_integer(days) || json_integer_value(days) < 1 || json_integer_value(days) > s->cfg.pat_max_days) {
        json_decref(b);
        return srv_problem(r, 422, "bad_expiry", "expires_in_days is required, 1 to %lld", (long long)s->cfg.pat_max_days);
    }
    if (perm_set_from_json(json_object_get(b, "scopes"), &scopes, err, sizeof err) != 0) {
        json_decref(b);
        return srv_problem(r, 422, "bad_scopes", "%s", err);
    }
    /* A token cannot mint a token with more than it has itself. */
    if (r->who.kind == PRINCIPAL_PAT && (perm_expand(scopes) & ~perm_expand(r->who.scopes))) {
        json_decref(b);
        return srv_problem(r, 403, "escalation", "a token can only create tokens within its own scopes");
    }
    char tok[AUTH_TOKEN_MAX], id[ID_MAX];
    int64_t exp = now_us() + json_integer_value(days) * 86400LL * 1000000LL;
    int rc = accounts_token_create(s->db, &s->keys, r->who.user_id, name, exp, scopes, tok, id, err, sizeof err);
    if (rc != 0) { json_decref(b); return srv_problem(r, 422, "bad_token", "%s", err); }
    json_t *out = json_pack("{s:s, s:s, s:s, s:o, s:I}", "id", id, "name", name, "token", tok, "scopes", perm_set_to_json(scopes),
                            "expires_at", (json_int_t)exp);
    explicit_bzero(tok, sizeof tok);
    audit_record(r, "token.create", id, AUDIT_OK, json_pack("{s:s, s:o, s:I}", "name", name, "scopes", perm_set_to_json(scopes), "expires_at", (json_int_t)exp));
    json_decref(b);
    srv_json(r, 201, out);
}

HANDLER(h_token_revoke) {
    const char *id = srv_param(r, "token");
    if (!id_valid("tok", id)) return srv_problem(r, 404, "not_found", "no such token");
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_INT(now_us()), DB_TEXT(id), DB_TEXT(r->who.user_id)};
    int rc = db_exec(r->srv->db, "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL", p, 3, &rows, &e);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    size_t changed = db_rows_changed(rows);
    db_rows_free(rows);
    if (!changed) return srv_problem(r, 404, "not_found", "no such token");
    audit_record(r, "token.revoke", id, AUDIT_OK, NULL);
    srv_json(r, 204, NULL);
}

HANDLER(h_users_list) {
    db_rows *rows = NULL;
    db_err e;
    int rc = db_exec(r->srv->db, "SELECT id, email, instance_admin, disabled, created_at FROM users ORDER BY id", NULL, 0, &rows, &e);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    json_t *items = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++)
        json_array_append_new(items, json_pack("{s:s, s:s, s:b, s:b, s:I}", "id", db_rows_text(rows, i, 0), "email", db_rows_text(rows, i, 1),
                                               "instance_admin", (int)db_rows_int(rows, i, 2), "disabled", (int)db_rows_int(rows, i, 3),
                                               "created_at", (json_int_t)db_rows_int(rows, i, 4)));
    db_rows_free(rows);
    srv_json(r, 200, json_pack("{s:o}", "items", items));
}

HANDLER(h_user_create) {
    json_t *b = srv_body_json(r);
    if (!b) return;
    const char *email = json_string_value(json_object_get(b, "email"));
    const char *pw = json_string_value(json_object_get(b, "password"));
    bool admin = json_is_true(json_object_get(b, "instance_admin"));
    char id[ID_MAX], err[256];
    if (!email || !pw) { json_decref(b); return srv_problem(r, 422, "bad_request", "email and password are required"); }
    int rc = accounts_user_add(r->srv->db, email, pw, admin, id, err, sizeof err);
    char em[ACCOUNT_EMAIL_MAX + 1] = "";
    accounts_email_normal(email, em);
    json_decref(b);
    if (rc == DB_CONFLICT) return srv_problem(r, 409, "conflict", "%s", err);
    if (rc != 0) return srv_problem(r, 422, "bad_user", "%s", err);
    audit_record(r, "user.create", id, AUDIT_OK, json_pack("{s:s, s:b}", "email", em, "instance_admin", admin));
    srv_json(r, 201, json_pack("{s:s, s:s, s:b}", "id", id, "email", em, "instance_admin", admin));
}
