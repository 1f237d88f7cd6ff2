/* authn.c — who is calling: a bearer token (PAT weirp_, API key weirk_) or the
 * session cookie (weirs_). Secrets are never stored or logged; they are
 * looked up by their keyed hash. Revocation, expiry and disabled users are
 * checked on every request (no cache), so revoking takes effect at once. */
#include <microhttpd.h>
#include <string.h>

#include "auth/oidc.h"
#include "auth/token.h"
#include "server/srv.h"

/* last_used_at is written at most this often per credential, so a busy
 * token does not turn every request into a write. */
#define LAST_USED_EVERY_US (60LL * 1000000)

void principal_actor(const principal *p, char *out, size_t n) {
    switch (p->kind) {
    case PRINCIPAL_SESSION:
    case PRINCIPAL_OIDC: snprintf(out, n, "user:%s", p->user_id); break;
    case PRINCIPAL_PAT: snprintf(out, n, "token:%s", p->cred_id); break;
    case PRINCIPAL_API_KEY: snprintf(out, n, "key:%s", p->cred_id); break;
    default: snprintf(out, n, "anonymous");
    }
}

static void refuse(srv_req *r, const char *why) {
    int64_t retry;
    ratelimit_take(r->srv->bad_cred, r->ip, now_us(), &retry);  /* counts the failure */
    srv_header_add(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
    srv_problem(r, 401, "invalid_credential", "%s", why);
}

static void copy_id(char *dst, const char *src) {
    snprintf(dst, ID_MAX, "%s", src ? src : "");
}

static void resolve_pat(srv_req *r, const char *hash, int64_t now) {
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(hash)};
    int rc = db_exec(r->srv->db,
                     "SELECT t.id, t.user_id, t.scopes, t.expires_at, t.revoked_at, t.last_used_at, u.instance_admin, u.disabled"
                     " FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
                     p, 1, &rows, &e);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    if (db_rows_count(rows) != 1) { db_rows_free(rows); return refuse(r, "unknown or revoked token"); }
    if (!db_rows_isnull(rows, 0, 4)) { db_rows_free(rows); return refuse(r, "unknown or revoked token"); }
    if (db_rows_int(rows, 0, 3) <= now) { db_rows_free(rows); return refuse(r, "the token has expired"); }
    if (db_rows_int(rows, 0, 7)) { db_rows_free(rows); return refuse(r, "the account is disabled"); }
    json_t *sc = json_loads(db_rows_text(rows, 0, 2), 0, NULL);
    perm_set scopes = 0;
    char err[128];
    if (!sc || perm_set_from_json(sc, &scopes, err, sizeof err) != 0) scopes = 0;
    json_decref(sc);
    principal *w = &r->who;
    w->kind = PRINCIPAL_PAT;
    copy_id(w->cred_id, db_rows_text(rows, 0, 0));
    copy_id(w->user_id, db_rows_text(rows, 0, 1));
    w->scopes = scopes;
    w->instance_admin = db_rows_int(rows, 0, 6) != 0;
    int64_t last = db_rows_int(rows, 0, 5);
    db_rows_free(rows);
    if (now - last > LAST_USED_EVERY_US) {
        db_val u[] = {DB_INT(now), DB_TEXT(w->cred_id)};
        db_exec(r->srv->db, "UPDATE tokens SET last_used_at = $1 WHERE id = $2", u, 2, NULL, &e);
    }
}

static void resolve_key(srv_req *r, const char *hash, int64_t now) {
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(hash)};
    int rc = db_exec(r->srv->db,
                     "SELECT k.id, k.app_id, ro.permissions, k.expires_at, k.revoked_at, k.last_used_at"
                     " FROM api_keys k JOIN roles ro ON ro.id = k.role_id WHERE k.token_hash = $1",
                     p, 1, &rows, &e);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    if (db_rows_count(rows) != 1 || !db_rows_isnull(rows, 0, 4)) { db_rows_free(rows); return refuse(r, "unknown or revoked key"); }
    if (db_rows_int(rows, 0, 3) <= now) { db_rows_free(rows); return refuse(r, "the key has expired"); }
    json_t *pj = json_loads(db_rows_text(rows, 0, 2), 0, NULL);
    perm_set perms = 0;
    char err[128];
    if (!pj || perm_set_from_json(pj, &perms, err, sizeof err) != 0) perms = 0;
    json_decref(pj);
    principal *w = &r->who;
    w->kind = PRINCIPAL_API_KEY;
    copy_id(w->cred_id, db_rows_text(rows, 0, 0));
    copy_id(w->key_app, db_rows_text(rows, 0, 1));
    w->key_perms = perms & ~(PERM_BIT(PERM_OWNER));  /* a key never acts as owner */
    int64_t last = db_rows_int(rows, 0, 5);
    db_rows_free(rows);
    if (now - last > LAST_USED_EVERY_US) {
        db_val u[] = {DB_INT(now), DB_TEXT(w->cred_id)};
        db_exec(r->srv->db, "UPDATE api_keys SET last_used_at = $1 WHERE id = $2", u, 2, NULL, &e);
    }
}

/* Sessions end after session_idle_min without use or session_max_hours after
 * sign-in; an ended session is deleted, so its cookie is worthless. */
static void resolve_session(srv_req *r, const char *hash, int64_t now) {
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(hash)};
    int rc = db_exec(r->srv->db,
                     "SELECT s.id, s.user_id, s.csrf_token, s.last_seen_at, s.expires_at, u.instance_admin, u.disabled"
                     " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
                     p, 1, &rows, &e);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    if (db_rows_count(rows) != 1) { db_rows_free(rows); return; }  /* stale cookie: anonymous */
    int64_t idle = r->srv->cfg.session_idle_min * 60 * 1000000LL;
    if (db_rows_int(rows, 0, 4) <= now || now - db_rows_int(rows, 0, 3) > idle || db_rows_int(rows, 0, 6)) {
        db_val d[] = {DB_TEXT(db_rows_text(rows, 0, 0))};
        db_exec(r->srv->db, "DELETE FROM sessions WHERE id = $1", d, 1, NULL, &e);
        db_rows_free(rows);
        return;
    }
    principal *w = &r->who;
    w->kind = PRINCIPAL_SESSION;
    copy_id(w->cred_id, db_rows_text(rows, 0, 0));
    copy_id(w->user_id, db_rows_text(rows, 0, 1));
    snprintf(w->csrf, sizeof w->csrf, "%s", db_rows_text(rows, 0, 2));
    w->scopes = ~(perm_set)0;
    w->instance_admin = db_rows_int(rows, 0, 5) != 0;
    int64_t last = db_rows_int(rows, 0, 3);
    db_rows_free(rows);
    if (now - last > 30LL * 1000000) {  /* idle clock resolution: 30 s */
        db_val u[] = {DB_INT(now), DB_TEXT(w->cred_id)};
        db_exec(r->srv->db, "UPDATE sessions SET last_seen_at = $1 WHERE id = $2", u, 2, NULL, &e);
    }
}

/* The session cookie's value, copied out of the Cookie header. */
static bool session_cookie(srv_req *r, char out[AUTH_TOKEN_MAX]) {
    const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    if (!v || strlen(v) >= AUTH_TOKEN_MAX) return false;
    strcpy(out, v);
    return true;
}

void authn_resolve(srv_req *r) {
    memset(&r->who, 0, sizeof r->who);
    int64_t now = now_us();
    char hash[65];
    const char *authz = srv_header(r, "Authorization");
    int64_t retry;
    if (authz && !ratelimit_peek(r->srv->bad_cred, r->ip, now, &retry)) {
        char ra[32];
        snprintf(ra, sizeof ra, "%lld", (long long)retry);
        srv_header_add(r, "Retry-After", ra);
        srv_problem(r, 429, "too_many_failures", "too many refused credentials from this address; retry after %s s", ra);
        return;
    }
    if (authz) {
        if (strncasecmp(authz, "Bearer ", 7) != 0) return refuse(r, "only Bearer credentials are accepted");
        const char *tok = authz + 7;
        int kind = auth_token_kind_of(tok);
        if (kind != AUTH_TOK_PAT && kind != AUTH_TOK_API_KEY && oidc_looks_like_jwt(tok)) return authn_oidc_bearer(r, tok);
        if (kind != AUTH_TOK_PAT && kind != AUTH_TOK_API_KEY) return refuse(r, "malformed credential");
        auth_token_hash(&r->srv->keys, tok, hash);
        if (kind == AUTH_TOK_PAT) resolve_pat(r, hash, now);
        else resolve_key(r, hash, now);
        return;
    }
    char cookie[AUTH_TOKEN_MAX];
    if (session_cookie(r, cookie) && auth_token_kind_of(cookie) == AUTH_TOK_SESSION) {
        auth_token_hash(&r->srv->keys, cookie, hash);
        resolve_session(r, hash, now);
    }
}

int authn_app_perms(srv_req *r, const char *app_id, perm_set *out) {
    const principal *w = &r->who;
    *out = 0;
    if (w->kind == PRINCIPAL_API_KEY) {
        if (strcmp(w->key_app, app_id) != 0) return -1;  /* a key works on its own app only */
        *out = perm_expand(w->key_perms) & ~PERM_BIT(PERM_OWNER);
        return 0;
    }
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(app_id), DB_TEXT(w->user_id)};
    int rc = db_exec(r->srv->db,
                     "SELECT ro.permissions FROM members m JOIN roles ro ON ro.id = m.role_id"
                     " WHERE m.app_id = $1 AND m.user_id = $2",
                     p, 2, &rows, &e);
    if (srv_db_failed(r, rc, &e, NULL)) return -1;
    if (db_rows_count(rows) != 1) { db_rows_free(rows); return -1; }
    json_t *pj = json_loads(db_rows_text(rows, 0, 0), 0, NULL);
    db_rows_free(rows);
    perm_set role = 0;
    char err[128];
    if (!pj || perm_set_from_json(pj, &role, err, sizeof err) != 0) role = 0;
    json_decref(pj);
    *out = w->kind == PRINCIPAL_PAT ? rbac_effective(role, w->scopes) : perm_expand(role);
    return 0;
}
