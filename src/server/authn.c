/* authn.c — who is calling: a bearer token (PAT weirp_, API key weirk_) or the
 * session cookie (weirs_). Secrets are never stored or logged; they are
 * looked up by their keyed hash. Bearer credentials and roles are cached
 * (cache.h) — every change to them empties the cache before it is answered,
 * and expiry is checked on each request — so revoking takes effect at once. */
#include <microhttpd.h>
#include <string.h>

#include "auth/oidc.h"
#include "base/strbuf.h"
#include "auth/token.h"
#include "server/cache.h"
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
    str_copy(dst, ID_MAX, src);   /* NULL copies as "" */
}

/* Record a credential's use (sql: "UPDATE … SET col = $1 WHERE id = $2") when
 * the last one recorded is more than `every` µs old; returns the time now on
 * record. */
static int64_t touch(srv_req *r, const char *sql, const char *id, int64_t last, int64_t now, int64_t every) {
    if (now - last <= every) return last;
    db_err e;
    db_val u[] = {DB_INT(now), DB_TEXT(id)};
    db_exec(r->srv->db, sql, u, 2, NULL, &e);
    return now;
}

/* What a bearer credential resolved to, as cached (cache.h): revocation,
 * disabling and role changes go through the API and empty the cache; expiry
 * is checked on every use. */
typedef struct cred_entry {
    principal who;
    int64_t expires_at, last_used;
} cred_entry;

static const char *last_used_sql(principal_kind k) {
    return k == PRINCIPAL_PAT ? "UPDATE tokens SET last_used_at = $1 WHERE id = $2" : "UPDATE api_keys SET last_used_at = $1 WHERE id = $2";
}

/* r->who is a bearer credential just resolved (read at generation gen): record
 * its use when due and remember it. */
static void remember_bearer(srv_req *r, const char *hash, uint64_t gen, int64_t expires_at, int64_t last_used, int64_t now) {
    cred_entry ce = {.who = r->who, .expires_at = expires_at};
    ce.last_used = touch(r, last_used_sql(r->who.kind), r->who.cred_id, last_used, now, LAST_USED_EVERY_US);
    cache_put(r->srv->cache, CACHE_CREDENTIAL, hash, &ce, sizeof ce, gen);
}

/* A cached credential: refused if expired, else the caller. */
static bool cached_credential(srv_req *r, const char *hash, int64_t now) {
    cred_entry ce;
    if (!cache_get(r->srv->cache, CACHE_CREDENTIAL, hash, &ce, sizeof ce)) return false;
    if (ce.expires_at <= now) {
        refuse(r, ce.who.kind == PRINCIPAL_PAT ? "the token has expired" : "the key has expired");
        return true;
    }
    r->who = ce.who;
    if (now - ce.last_used > LAST_USED_EVERY_US) remember_bearer(r, hash, cache_gen(r->srv->cache), ce.expires_at, ce.last_used, now);
    return true;
}

static void resolve_pat(srv_req *r, const char *hash, int64_t now) {
    if (cached_credential(r, hash, now)) return;
    uint64_t gen = cache_gen(r->srv->cache);
    db_rows *rows = srv_rows(r, "SELECT t.id, t.user_id, t.scopes, t.expires_at, t.revoked_at, t.last_used_at, u.instance_admin, u.disabled"
                                " FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1", hash);
    if (!rows) return;
    if (db_rows_count(rows) != 1) { db_rows_free(rows); return refuse(r, "unknown or revoked token"); }
    if (!db_rows_isnull(rows, 0, 4)) { db_rows_free(rows); return refuse(r, "unknown or revoked token"); }
    if (db_rows_int(rows, 0, 3) <= now) { db_rows_free(rows); return refuse(r, "the token has expired"); }
    if (db_rows_int(rows, 0, 7)) { db_rows_free(rows); return refuse(r, "the account is disabled"); }
    principal *w = &r->who;
    w->kind = PRINCIPAL_PAT;
    copy_id(w->cred_id, db_rows_text(rows, 0, 0));
    copy_id(w->user_id, db_rows_text(rows, 0, 1));
    w->scopes = perm_set_from_text(db_rows_text(rows, 0, 2));
    w->instance_admin = db_rows_int(rows, 0, 6) != 0;
    int64_t expires_at = db_rows_int(rows, 0, 3), last_used = db_rows_int(rows, 0, 5);
    db_rows_free(rows);
    remember_bearer(r, hash, gen, expires_at, last_used, now);
}

static void resolve_key(srv_req *r, const char *hash, int64_t now) {
    if (cached_credential(r, hash, now)) return;
    uint64_t gen = cache_gen(r->srv->cache);
    db_rows *rows = srv_rows(r, "SELECT k.id, k.app_id, ro.permissions, k.expires_at, k.revoked_at, k.last_used_at"
                                " FROM api_keys k JOIN roles ro ON ro.id = k.role_id WHERE k.token_hash = $1", hash);
    if (!rows) return;
    if (db_rows_count(rows) != 1 || !db_rows_isnull(rows, 0, 4)) { db_rows_free(rows); return refuse(r, "unknown or revoked key"); }
    if (db_rows_int(rows, 0, 3) <= now) { db_rows_free(rows); return refuse(r, "the key has expired"); }
    principal *w = &r->who;
    w->kind = PRINCIPAL_API_KEY;
    copy_id(w->cred_id, db_rows_text(rows, 0, 0));
    copy_id(w->key_app, db_rows_text(rows, 0, 1));
    w->key_perms = perm_set_from_text(db_rows_text(rows, 0, 2)) & ~(PERM_BIT(PERM_OWNER));  /* a key never acts as owner */
    int64_t expires_at = db_rows_int(rows, 0, 3), last_used = db_rows_int(rows, 0, 5);
    db_rows_free(rows);
    remember_bearer(r, hash, gen, expires_at, last_used, now);
}

/* Sessions end after session_idle_min without use or session_max_hours after
 * sign-in; an ended session is deleted, so its cookie is worthless. */
static void resolve_session(srv_req *r, const char *hash, int64_t now) {
    db_rows *rows = srv_rows(r, "SELECT s.id, s.user_id, s.csrf_token, s.last_seen_at, s.expires_at, u.instance_admin, u.disabled"
                                " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1", hash);
    if (!rows) return;
    if (db_rows_count(rows) != 1) { db_rows_free(rows); return; }  /* stale cookie: anonymous */
    int64_t idle = r->srv->cfg.session_idle_min * 60 * 1000000LL;
    if (db_rows_int(rows, 0, 4) <= now || now - db_rows_int(rows, 0, 3) > idle || db_rows_int(rows, 0, 6)) {
        db_err e;
        db_val d[] = {DB_TEXT(db_rows_text(rows, 0, 0))};
        db_exec(r->srv->db, "DELETE FROM sessions WHERE id = $1", d, 1, NULL, &e);
        db_rows_free(rows);
        return;
    }
    principal *w = &r->who;
    w->kind = PRINCIPAL_SESSION;
    copy_id(w->cred_id, db_rows_text(rows, 0, 0));
    copy_id(w->user_id, db_rows_text(rows, 0, 1));
    str_copy(w->csrf, sizeof w->csrf, db_rows_text(rows, 0, 2));
    w->scopes = ~(perm_set)0;
    w->instance_admin = db_rows_int(rows, 0, 5) != 0;
    int64_t last = db_rows_int(rows, 0, 3);
    db_rows_free(rows);
    /* idle clock resolution: 30 s */
    touch(r, "UPDATE sessions SET last_seen_at = $1 WHERE id = $2", w->cred_id, last, now, 30LL * 1000000);
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

perm_set principal_app_rights(const principal *p, perm_set role) {
    return p->kind == PRINCIPAL_PAT ? rbac_effective(role, p->scopes) : perm_expand(role);
}

/* The permissions of the caller's role in app_id, as stored (in tx when not
 * NULL): 1, 0 (not a member), <0 store error. */
static int member_role(srv_req *r, db_tx *tx, const char *app_id, perm_set *role, db_err *e) {
    db_rows *rows = NULL;
    db_val p[] = {DB_TEXT(app_id), DB_TEXT(r->who.user_id)};
    const char *sql = "SELECT ro.permissions FROM members m JOIN roles ro ON ro.id = m.role_id WHERE m.app_id = $1 AND m.user_id = $2";
    int rc = tx ? db_tx_exec(tx, sql, p, 2, &rows, e) : db_exec(r->srv->db, sql, p, 2, &rows, e);
    if (rc < 0) return rc;
    int found = db_rows_count(rows) == 1;
    if (found) *role = perm_set_from_text(db_rows_text(rows, 0, 0));
    db_rows_free(rows);
    return found;
}

int authn_app_perms(srv_req *r, const char *app_id, perm_set *out) {
    const principal *w = &r->who;
    *out = 0;
    if (w->kind == PRINCIPAL_API_KEY) {
        if (strcmp(w->key_app, app_id) != 0) return -1;  /* a key works on its own app only */
        *out = perm_expand(w->key_perms) & ~PERM_BIT(PERM_OWNER);
        return 0;
    }
    /* The stored role (or that there is none), cached per app and user. */
    struct { int member; perm_set role; } m;
    char key[2 * ID_MAX + 2];
    snprintf(key, sizeof key, "%s/%s", app_id, w->user_id);
    if (!cache_get(r->srv->cache, CACHE_MEMBER, key, &m, sizeof m)) {
        uint64_t gen = cache_gen(r->srv->cache);
        db_err e;
        m.role = 0;
        m.member = member_role(r, NULL, app_id, &m.role, &e);
        if (srv_db_failed(r, m.member, &e, NULL)) return -1;
        cache_put(r->srv->cache, CACHE_MEMBER, key, &m, sizeof m, gen);
    }
    if (!m.member) return -1;
    *out = principal_app_rights(w, m.role);
    return 0;
}

db_tx *authn_begin_locked(srv_req *r, perm_set *actor) {
    db_tx *tx;
    db_err e;
    if (srv_db_failed(r, db_begin(r->srv->db, &tx, &e), &e, NULL)) return NULL;
    db_rows *rows = NULL;
    db_val pa[] = {DB_TEXT(r->app_id)};
    int rc = db_tx_exec(tx, "UPDATE apps SET name = name WHERE id = $1", pa, 1, &rows, &e);
    size_t locked = rc == 0 ? db_rows_changed(rows) : 0;
    db_rows_free(rows);
    if (rc < 0) { db_rollback(tx); srv_db_failed(r, rc, &e, NULL); return NULL; }
    if (!locked) { db_rollback(tx); srv_problem(r, 404, "not_found", "no such app"); return NULL; }
    perm_set role = 0;
    rc = member_role(r, tx, r->app_id, &role, &e);
    if (rc <= 0) {
        db_rollback(tx);
        if (rc < 0) srv_db_failed(r, rc, &e, NULL);
        else srv_problem(r, 403, "forbidden", "you are no longer a member of this app");
        return NULL;
    }
    /* as authn_app_perms computes them, on the role as it is now */
    *actor = principal_app_rights(&r->who, role);
    return tx;
}
