/* r_oidc.c — signing in with an identity provider (OpenID Connect,
 * authorization code flow with PKCE, state and nonce), linking identities to
 * users, mapping a groups claim to app roles, and provider access tokens as
 * bearer credentials. The protocol checks are in auth/oidc.c; docs/auth.md
 * ("Signing in with an identity provider") is the user-facing copy.
 *
 * Nothing secret is logged or put in an answer: not the code, the state, the
 * verifier, a token or the client secret. Refusals carry a stable `code` and,
 * for token checks, a stable `reason`.
 *
 * A sign-in in progress is one row of oidc_states, keyed by a keyed hash of
 * the state, deleted by the callback that uses it (DELETE … RETURNING: a
 * second use finds nothing). It is bound to the browser that started it by the
 * weir_oidc cookie (a random value whose keyed hash is in the row), so a
 * callback URL replayed in another browser is refused (login CSRF). */
#include <microhttpd.h>
#include <sodium.h>
#include <string.h>

#include "auth/oidc.h"
#include "auth/token.h"
#include "server/accounts.h"
#include "server/audit.h"
#include "server/routes.h"

#define BROWSER_COOKIE   "weir_oidc"
#define COOKIE_PATH      "/api/v1/auth/oidc/"
#define RETURN_TO_MAX    512      /* bytes of return_to */
#define PENDING_MAX      10000    /* sign-ins in progress on the instance; more is 503 */
#define PENDING_PER_IP   100      /* … from one address; more is 429 */
#define CALLBACK_ARG_MAX 4096     /* bytes of code or state accepted */
#define US               1000000LL

static oidc_provider *provider_of(srv_req *r) { return oidc_provider_find(r->srv->cfg.oidc, srv_param(r, "provider")); }

/* A problem answer with a stable reason member, logged without secrets. */
static void redirect(srv_req *r, const char *location);

/* A browser that came back from the provider (a page navigation, which asks
 * for HTML) is sent to the editor's sign-in page with the refusal's code and
 * reason (fixed words, never input) instead of a JSON document; API clients
 * get the problem as JSON. */
static bool wants_page(const srv_req *r) {
    const char *accept = srv_header(r, "Accept");
    return accept && strstr(accept, "text/html") != NULL;
}

static void refuse(srv_req *r, unsigned status, const char *code, const char *reason, const char *detail) {
    srv_problem(r, status, code, "%s", detail);
    if (wants_page(r) && status != 429 && status != 503) {
        char to[192];
        int n = snprintf(to, sizeof to, "/?signin_error=%s&reason=", code);
        for (const char *c = reason ? reason : ""; *c && n < (int)sizeof to - 1; c++)  /* URL-safe characters only */
            if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("_:.-", *c)) to[n++] = *c;
        to[n < (int)sizeof to ? n : (int)sizeof to - 1] = 0;
        redirect(r, to);
    } else if (reason) {
        json_t *j = json_loads(r->resp, 0, NULL);
        if (j) {
            json_object_set_new(j, "reason", json_string(reason));
            srv_json(r, status, j);
            r->ctype = "application/problem+json";
        }
    }
    const char *pid = srv_param(r, "provider") ? srv_param(r, "provider") : "";
    srv_log(status >= 500 ? SLOG_ERROR : SLOG_WARN, "identity provider sign-in refused",
            json_pack("{s:s, s:s, s:s, s:s}", "provider", pid, "code", code, "reason", reason ? reason : "", "ip", r->ip));
    if (status != 429 && status != 503)  /* capacity refusals are not sign-in attempts: not audited, so they cannot flood it */
        audit_record(r, "auth.login", NULL, AUDIT_FAILED,
                     json_pack("{s:s, s:s, s:s, s:s}", "via", "oidc", "provider", pid, "code", code, "reason", reason ? reason : ""));
}

static void redirect(srv_req *r, const char *location) {
    srv_json(r, 302, NULL);
    r->ctype = NULL;
    srv_header_add(r, "Location", location);
}

/* Only a path on this site: "/…", not "//host" or "/\host", printable ASCII. */
static bool return_to_ok(const char *s) {
    size_t n = strlen(s);
    if (n < 1 || n > RETURN_TO_MAX || s[0] != '/' || s[1] == '/' || s[1] == '\\') return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '\\') return false;
    return true;
}

static bool b64url43(const char *s) {
    if (!s || strlen(s) != 43) return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_')) return false;
    return true;
}

static int64_t count_rows(srv_req *r, const char *sql, const db_val *p, int np) {
    db_rows *rows = NULL;
    db_err e;
    if (db_exec(r->srv->db, sql, p, np, &rows, &e) < 0) return -1;
    int64_t n = db_rows_int(rows, 0, 0);
    db_rows_free(rows);
    return n;
}

/* ---- GET /api/v1/auth/providers ------------------------------------------------------ */

HANDLER(h_oidc_providers) {
    json_t *items = json_array();
    const oidc_providers *ps = r->srv->cfg.oidc;
    for (size_t i = 0; ps && i < ps->n; i++) {
        char start[96];
        snprintf(start, sizeof start, "/api/v1/auth/oidc/%s/start", ps->v[i].id);
        json_array_append_new(items, json_pack("{s:s, s:s, s:s}", "id", ps->v[i].id, "name", ps->v[i].name, "start_url", start));
    }
    srv_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ---- GET /api/v1/auth/oidc/{provider}/start ------------------------------------------- */

HANDLER(h_oidc_start) {
    server *s = r->srv;
    oidc_provider *p = provider_of(r);
    if (!p) return srv_problem(r, 404, "not_found", "no such identity provider");
    const char *ret = srv_query(r, "return_to");
    if (!ret) ret = "/";
    if (!return_to_ok(ret)) return refuse(r, 400, "bad_return_to", NULL, "return_to must be a path on this site (\"/…\", not \"//…\")");
    const char *link = srv_query(r, "link");
    bool linking = link && !strcmp(link, "1");
    if (linking && r->who.kind != PRINCIPAL_SESSION)
        return refuse(r, 401, "link_needs_session", NULL, "linking a sign-in to an account needs that account's session: sign in first");

    int64_t now = now_us();
    db_err e;
    db_val pn[] = {DB_INT(now)};
    db_exec(s->db, "DELETE FROM oidc_states WHERE expires_at <= $1", pn, 1, NULL, &e);
    db_val pi[] = {DB_TEXT(r->ip), DB_INT(now)};
    int64_t mine = count_rows(r, "SELECT COUNT(*) FROM oidc_states WHERE ip = $1 AND expires_at > $2", pi, 2);
    int64_t all = count_rows(r, "SELECT COUNT(*) FROM oidc_states WHERE expires_at > $1", pn, 1);
    if (mine < 0 || all < 0) return srv_problem(r, 500, "internal", "the request could not be completed");
    if (mine >= PENDING_PER_IP) {
        srv_header_add(r, "Retry-After", "60");
        return refuse(r, 429, "oidc_too_many_pending", NULL, "too many sign-ins in progress from this address; finish one or wait");
    }
    if (all >= PENDING_MAX) {
        srv_header_add(r, "Retry-After", "60");
        return refuse(r, 503, "oidc_busy", NULL, "too many sign-ins in progress; try again shortly");
    }

    const char *why = NULL;
    json_t *meta = oidc_discovery(p, &why);
    if (!meta) return refuse(r, 502, "oidc_provider_unavailable", why, "the identity provider cannot be reached or its configuration is unusable");

    char state[44], nonce[44], verifier[44], challenge[44], browser[44], state_hash[65], browser_hash[65];
    oidc_random(state);
    oidc_random(nonce);
    oidc_random(verifier);
    oidc_pkce_challenge(verifier, challenge);
    const char *have = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, BROWSER_COOKIE);
    if (b64url43(have)) snprintf(browser, sizeof browser, "%s", have);  /* one binding per browser: parallel tabs work */
    else oidc_random(browser);
    auth_token_hash(&s->keys, state, state_hash);
    auth_token_hash(&s->keys, browser, browser_hash);
    char aad[96], *sealed = NULL;
    snprintf(aad, sizeof aad, "oidc-state/%s", state_hash);
    if (auth_seal(&s->keys, aad, (const unsigned char *)verifier, strlen(verifier), &sealed) != 0) {
        json_decref(meta);
        return srv_problem(r, 500, "internal", "the request could not be completed");
    }
    db_val ins[] = {DB_TEXT(state_hash), DB_TEXT(p->id), DB_TEXT(nonce), DB_TEXT(sealed), DB_TEXT(browser_hash), DB_TEXT(ret),
                    DB_TEXT(linking ? r->who.user_id : NULL), DB_TEXT(r->ip), DB_INT(now), DB_INT(now + OIDC_STATE_TTL_S * US)};
    int rc = db_exec(s->db, "INSERT INTO oidc_states (state_hash, provider, nonce, verifier, browser_hash, return_to, link_user_id, ip,"
                            " created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", ins, 10, NULL, &e);
    free(sealed);
    if (srv_db_failed(r, rc, &e, NULL)) { json_decref(meta); return; }
    char *url = oidc_authorize_url(meta, p, state, nonce, challenge);
    json_decref(meta);
    sodium_memzero(verifier, sizeof verifier);
    sodium_memzero(state, sizeof state);
    if (!url) return srv_problem(r, 500, "internal", "the request could not be completed");
    char cookie[160];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=%s; HttpOnly; SameSite=Lax; Max-Age=%d%s", BROWSER_COOKIE, browser, COOKIE_PATH,
             OIDC_STATE_TTL_S, s->tls ? "; Secure" : "");
    redirect(r, url);
    srv_header_add(r, "Set-Cookie", cookie);
    free(url);
}

/* ---- users and identities ---------------------------------------------------------------- */

static bool email_verified(const json_t *c) {
    json_t *v = json_object_get(c, "email_verified");
    return json_is_true(v) || (json_is_string(v) && !strcmp(json_string_value(v), "true"));  /* some providers send a string */
}

/* "oidc-<24 hex>@<provider>.invalid": the e-mail of an account whose
 * provider gave no verified address (RFC 2606: .invalid never resolves). */
static void placeholder_email(const oidc_provider *p, const char *sub, char out[ACCOUNT_EMAIL_MAX + 1]) {
    unsigned char h[12];
    char hex[25];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)p->issuer, strlen(p->issuer) + 1);
    crypto_generichash_update(&st, (const unsigned char *)sub, strlen(sub));
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(out, ACCOUNT_EMAIL_MAX + 1, "oidc-%s@%s.invalid", hex, p->id);
}

#define TXFAIL(rc) do { db_rollback(tx); srv_db_failed(r, (rc), &e, NULL); return -1; } while (0)

/* The user of the identity (issuer, sub): an existing link; else, when
 * link_uid, a new link to that (signed-in) user; else a new user. Never
 * matched by e-mail. 0 with uid filled, or -1 having answered. */
static int identity_user(srv_req *r, oidc_provider *p, const json_t *c, const char *link_uid, char uid[ID_MAX]) {
    server *s = r->srv;
    const char *sub = json_string_value(json_object_get(c, "sub"));
    const char *claimed = json_string_value(json_object_get(c, "email"));
    char em[ACCOUNT_EMAIL_MAX + 1], seen[ACCOUNT_EMAIL_MAX + 1];
    bool have_seen = claimed && accounts_email_normal(claimed, seen);
    bool use_email = have_seen && email_verified(c);
    for (int attempt = 0; attempt < 2; attempt++) {
        db_tx *tx = NULL;
        db_err e;
        db_rows *rows = NULL;
        int64_t now = now_us();
        if (srv_db_failed(r, db_begin(s->db, &tx, &e), &e, NULL)) return -1;
        db_val pk[] = {DB_TEXT(p->issuer), DB_TEXT(sub)};
        int rc = db_tx_exec(tx, "SELECT i.user_id, u.disabled FROM user_identities i JOIN users u ON u.id = i.user_id"
                                " WHERE i.issuer = $1 AND i.subject = $2", pk, 2, &rows, &e);
        if (rc < 0) TXFAIL(rc);
        if (db_rows_count(rows) == 1) {
            snprintf(uid, ID_MAX, "%s", db_rows_text(rows, 0, 0));
            bool disabled = db_rows_int(rows, 0, 1) != 0;
            db_rows_free(rows);
            if (link_uid && strcmp(uid, link_uid) != 0) {
                db_rollback(tx);
                refuse(r, 409, "oidc_identity_in_use", NULL, "this sign-in is already linked to another account");
                return -1;
            }
            if (disabled) {
                db_rollback(tx);
                refuse(r, 403, "account_disabled", NULL, "the account is disabled");
                return -1;
            }
            db_val pu[] = {DB_INT(now), DB_TEXT(p->issuer), DB_TEXT(sub)};
            if ((rc = db_tx_exec(tx, "UPDATE user_identities SET last_login_at = $1 WHERE issuer = $2 AND subject = $3", pu, 3, NULL, &e)) < 0) TXFAIL(rc);
            rc = db_commit(tx, &e);
            return srv_db_failed(r, rc, &e, NULL) ? -1 : 0;
        }
        db_rows_free(rows);

        if (link_uid) {
            snprintf(uid, ID_MAX, "%s", link_uid);
            db_val pu[] = {DB_TEXT(uid)};
            if ((rc = db_tx_exec(tx, "SELECT disabled FROM users WHERE id = $1", pu, 1, &rows, &e)) < 0) TXFAIL(rc);
            bool ok = db_rows_count(rows) == 1 && !db_rows_int(rows, 0, 0);
            db_rows_free(rows);
            if (!ok) {
                db_rollback(tx);
                refuse(r, 403, "account_disabled", NULL, "the account is disabled");
                return -1;
            }
        } else {
            if (use_email) {
                snprintf(em, sizeof em, "%s", seen);
                db_val pe[] = {DB_TEXT(em)};
                if ((rc = db_tx_exec(tx, "SELECT id FROM users WHERE email = $1", pe, 1, &rows, &e)) < 0) TXFAIL(rc);
                size_t taken = db_rows_count(rows);
                db_rows_free(rows);
                if (taken) {
                    db_rollback(tx);
                    refuse(r, 409, "oidc_email_in_use", NULL,
                           "an account with this e-mail address exists; sign in to it and link this provider (docs/auth.md), or ask an administrator");
                    return -1;
                }
            } else placeholder_email(p, sub, em);
            id_new("usr", uid);
            db_val pu[] = {DB_TEXT(uid), DB_TEXT(em), DB_INT(now)};
            rc = db_tx_exec(tx, "INSERT INTO users (id, email, password_hash, instance_admin, created_at) VALUES ($1, $2, NULL, 0, $3)", pu, 3, NULL, &e);
            if (rc == DB_CONFLICT) {
                db_rollback(tx);
                refuse(r, 409, "oidc_email_in_use", NULL,
                       "an account with this e-mail address exists; sign in to it and link this provider (docs/auth.md), or ask an administrator");
                return -1;
            }
            if (rc < 0) TXFAIL(rc);
        }
        db_val pi[] = {DB_TEXT(p->issuer), DB_TEXT(sub), DB_TEXT(uid), DB_TEXT(p->id), DB_TEXT(have_seen ? seen : NULL), DB_INT(now), DB_INT(now)};
        rc = db_tx_exec(tx, "INSERT INTO user_identities (issuer, subject, user_id, provider, email_at_link, created_at, last_login_at)"
                            " VALUES ($1, $2, $3, $4, $5, $6, $7)", pi, 7, NULL, &e);
        if (rc == DB_CONFLICT) { db_rollback(tx); continue; }  /* linked concurrently: read it again */
        if (rc < 0) TXFAIL(rc);
        rc = db_commit(tx, &e);
        if (rc == DB_CONFLICT) continue;
        if (srv_db_failed(r, rc, &e, NULL)) return -1;
        srv_log(SLOG_INFO, link_uid ? "identity linked to a user" : "user created by an identity provider sign-in",
                json_pack("{s:s, s:s}", "provider", p->id, "user", uid));
        audit_record(r, link_uid ? "user.identity_link" : "user.create", uid, AUDIT_OK,
                     json_pack("{s:s, s:s, s:s}", "via", "oidc", "provider", p->id, "issuer", p->issuer));
        return 0;
    }
    srv_problem(r, 503, "busy", "the sign-in raced another; try again");
    return -1;
}

static bool has_group(const json_t *groups, const char *g) {
    if (json_is_string(groups)) return !strcmp(json_string_value(groups), g);
    size_t i;
    json_t *v;
    json_array_foreach(groups, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), g)) return true;
    return false;
}

/* Apply group_roles for one app: the first entry for the app whose group the
 * user has gives the role. The owner is never touched; a membership the
 * mapping made (oidc_grants) and still holds is removed when no group maps
 * any more; one made by hand is never removed. */
static int map_app(srv_req *r, oidc_provider *p, const char *app, const char *want_role, const char *uid) {
    db_tx *tx = NULL;
    db_err e;
    db_rows *rows = NULL;
    int64_t now = now_us();
    const char *did = NULL;  /* the audit action, when a membership changed */
    if (srv_db_failed(r, db_begin(r->srv->db, &tx, &e), &e, NULL)) return -1;
    db_val pa[] = {DB_TEXT(app)};
    int rc = db_tx_exec(tx, "UPDATE apps SET name = name WHERE id = $1", pa, 1, &rows, &e);  /* the app's lock (r_members.c) */
    if (rc < 0) TXFAIL(rc);
    size_t exists = db_rows_changed(rows);
    db_rows_free(rows);
    if (!exists) {
        db_rollback(tx);
        srv_log(SLOG_WARN, "group_roles names an app that does not exist", json_pack("{s:s, s:s}", "provider", p->id, "app", app));
        return 0;
    }
    db_val pm[] = {DB_TEXT(app), DB_TEXT(uid)};
    if ((rc = db_tx_exec(tx, "SELECT m.role_id, ro.name, ro.builtin FROM members m JOIN roles ro ON ro.id = m.role_id"
                             " WHERE m.app_id = $1 AND m.user_id = $2", pm, 2, &rows, &e)) < 0) TXFAIL(rc);
    char cur[ID_MAX] = "";
    bool member = db_rows_count(rows) == 1;
    bool owner = member && db_rows_int(rows, 0, 2) && !strcmp(db_rows_text(rows, 0, 1), "owner");
    if (member) snprintf(cur, sizeof cur, "%s", db_rows_text(rows, 0, 0));
    db_rows_free(rows);
    if (owner) { db_rollback(tx); return 0; }
    db_val pg[] = {DB_TEXT(uid), DB_TEXT(app)};
    if ((rc = db_tx_exec(tx, "SELECT role_id FROM oidc_grants WHERE user_id = $1 AND app_id = $2", pg, 2, &rows, &e)) < 0) TXFAIL(rc);
    char granted[ID_MAX] = "";
    bool has_grant = db_rows_count(rows) == 1;
    if (has_grant) snprintf(granted, sizeof granted, "%s", db_rows_text(rows, 0, 0));
    db_rows_free(rows);

    if (want_role) {
        db_val pr[] = {DB_TEXT(app), DB_TEXT(want_role)};
        if ((rc = db_tx_exec(tx, "SELECT id FROM roles WHERE app_id = $1 AND name = $2 AND name <> 'owner'", pr, 2, &rows, &e)) < 0) TXFAIL(rc);
        char rid[ID_MAX] = "";
        if (db_rows_count(rows) == 1) snprintf(rid, sizeof rid, "%s", db_rows_text(rows, 0, 0));
        db_rows_free(rows);
        if (!*rid) {
            db_rollback(tx);
            srv_log(SLOG_WARN, "group_roles names a role the app does not have", json_pack("{s:s, s:s, s:s}", "provider", p->id, "app", app, "role", want_role));
            return 0;
        }
        if (member && !strcmp(cur, rid) && !has_grant) { db_rollback(tx); return 0; }  /* given by hand already: stays unmanaged */
        did = !member ? "member.add" : strcmp(cur, rid) ? "member.change" : NULL;
        if (!member) {
            db_val pi[] = {DB_TEXT(app), DB_TEXT(uid), DB_TEXT(rid), DB_INT(now)};
            rc = db_tx_exec(tx, "INSERT INTO members (app_id, user_id, role_id, joined_at) VALUES ($1, $2, $3, $4)", pi, 4, NULL, &e);
        } else if (strcmp(cur, rid) != 0) {
            db_val pu[] = {DB_TEXT(rid), DB_TEXT(app), DB_TEXT(uid)};
            rc = db_tx_exec(tx, "UPDATE members SET role_id = $1 WHERE app_id = $2 AND user_id = $3", pu, 3, NULL, &e);
        }
        if (rc < 0) TXFAIL(rc);
        db_val pgr[] = {DB_TEXT(uid), DB_TEXT(app), DB_TEXT(p->issuer), DB_TEXT(rid), DB_INT(now)};
        rc = db_tx_exec(tx, "INSERT INTO oidc_grants (user_id, app_id, issuer, role_id, granted_at) VALUES ($1, $2, $3, $4, $5)"
                            " ON CONFLICT (user_id, app_id) DO UPDATE SET issuer = excluded.issuer, role_id = excluded.role_id,"
                            " granted_at = excluded.granted_at", pgr, 5, NULL, &e);
        if (rc < 0) TXFAIL(rc);
    } else if (has_grant) {
        if (member && !strcmp(cur, granted)) {
            if ((rc = db_tx_exec(tx, "DELETE FROM members WHERE app_id = $1 AND user_id = $2", pm, 2, NULL, &e)) < 0) TXFAIL(rc);
            did = "member.remove";
        }
        if ((rc = db_tx_exec(tx, "DELETE FROM oidc_grants WHERE user_id = $1 AND app_id = $2", pg, 2, NULL, &e)) < 0) TXFAIL(rc);
    } else {
        db_rollback(tx);
        return 0;
    }
    rc = db_commit(tx, &e);
    if (srv_db_failed(r, rc, &e, NULL)) return -1;
    if (did) {  /* the server acts here, on the provider's word */
        audit_entry ae = {.actor_kind = "system", .app_id = app, .action = did, .target = uid, .ip = r->ip, .outcome = AUDIT_OK,
                          .detail = json_pack("{s:s, s:s, s:s?}", "via", "oidc_groups", "provider", p->id, "role", want_role)};
        audit_write(r->srv->db, &ae);
    }
    return 0;
}

static int map_groups(srv_req *r, oidc_provider *p, const json_t *c, const char *uid) {
    if (!p->groups_claim || !p->n_group_roles) return 0;
    json_t *groups = json_object_get(c, p->groups_claim);
    for (size_t i = 0; i < p->n_group_roles; i++) {
        const char *app = p->group_roles[i].app;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = !strcmp(p->group_roles[j].app, app);
        if (seen) continue;  /* each app once, at its first entry */
        const char *want = NULL;
        for (size_t j = i; j < p->n_group_roles && !want; j++)
            if (!strcmp(p->group_roles[j].app, app) && has_group(groups, p->group_roles[j].group)) want = p->group_roles[j].role;
        if (map_app(r, p, app, want, uid) != 0) return -1;
    }
    return 0;
}

/* ---- GET /api/v1/auth/oidc/{provider}/callback ---------------------------------------------- */

static void copy_code(const char *in, char *out, size_t n) {
    snprintf(out, n, "other");
    if (!in || !*in || strlen(in) >= n) return;
    for (const char *c = in; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || *c == '_')) return;
    snprintf(out, n, "%s", in);
}

HANDLER(h_oidc_callback) {
    server *s = r->srv;
    oidc_provider *p = provider_of(r);
    if (!p) return srv_problem(r, 404, "not_found", "no such identity provider");
    const char *state = srv_query(r, "state"), *code = srv_query(r, "code"), *error = srv_query(r, "error");
    const char *iss = srv_query(r, "iss");
    if (!state || !*state || strlen(state) > CALLBACK_ARG_MAX)
        return refuse(r, 400, "oidc_state_invalid", "missing_state", "the sign-in has no state; start again");

    /* Take the state: whatever happens next, it is used up. */
    char state_hash[65];
    auth_token_hash(&s->keys, state, state_hash);
    db_rows *rows = NULL;
    db_err e;
    db_val ps[] = {DB_TEXT(state_hash)};
    int rc = db_exec(s->db, "DELETE FROM oidc_states WHERE state_hash = $1"
                            " RETURNING provider, nonce, verifier, browser_hash, return_to, link_user_id, expires_at", ps, 1, &rows, &e);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    if (db_rows_count(rows) != 1) {
        db_rows_free(rows);
        return refuse(r, 400, "oidc_state_invalid", "unknown_state", "this sign-in is unknown, already used or expired; start again");
    }
    char nonce[64], sealed[256], bhash[65], ret[RETURN_TO_MAX + 1], link_uid[ID_MAX];
    bool prov_ok = !strcmp(db_rows_text(rows, 0, 0), p->id), live = db_rows_int(rows, 0, 6) > now_us();
    snprintf(nonce, sizeof nonce, "%s", db_rows_text(rows, 0, 1) ? db_rows_text(rows, 0, 1) : "");
    snprintf(sealed, sizeof sealed, "%s", db_rows_text(rows, 0, 2) ? db_rows_text(rows, 0, 2) : "");
    snprintf(bhash, sizeof bhash, "%s", db_rows_text(rows, 0, 3) ? db_rows_text(rows, 0, 3) : "");
    snprintf(ret, sizeof ret, "%s", db_rows_text(rows, 0, 4) ? db_rows_text(rows, 0, 4) : "/");
    bool linking = !db_rows_isnull(rows, 0, 5);
    snprintf(link_uid, sizeof link_uid, "%s", linking ? db_rows_text(rows, 0, 5) : "");
    db_rows_free(rows);
    if (!prov_ok) return refuse(r, 400, "oidc_state_invalid", "wrong_provider", "this sign-in was started with another provider; start again");
    if (!live) return refuse(r, 400, "oidc_state_invalid", "expired_state", "this sign-in took too long; start again");
    const char *browser = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, BROWSER_COOKIE);
    char have_hash[65];
    auth_token_hash(&s->keys, b64url43(browser) ? browser : "", have_hash);
    if (!b64url43(browser) || !auth_ct_streq(have_hash, bhash))
        return refuse(r, 400, "oidc_state_invalid", "browser_mismatch", "this sign-in was started in another browser; start again");
    if (linking && (r->who.kind != PRINCIPAL_SESSION || strcmp(r->who.user_id, link_uid) != 0))
        return refuse(r, 401, "link_needs_session", NULL, "linking needs the session that started it");
    if (error) {
        char ec[65];
        copy_code(error, ec, sizeof ec);
        return refuse(r, 401, "oidc_provider_refused", ec, "the identity provider did not sign you in");
    }
    if (!code || !*code || strlen(code) > CALLBACK_ARG_MAX) return refuse(r, 400, "oidc_bad_callback", "missing_code", "the identity provider sent no code");

    const char *why = NULL;
    json_t *meta = oidc_discovery(p, &why);
    if (!meta) return refuse(r, 502, "oidc_provider_unavailable", why, "the identity provider cannot be reached or its configuration is unusable");
    /* RFC 9207: the issuer in the response, when sent (required when the provider says it sends it). */
    if ((iss && strcmp(iss, p->issuer) != 0) || (!iss && json_is_true(json_object_get(meta, "authorization_response_iss_parameter_supported")))) {
        json_decref(meta);
        return refuse(r, 400, "oidc_bad_callback", "issuer_mismatch", "the response does not come from this provider");
    }
    char aad[96];
    snprintf(aad, sizeof aad, "oidc-state/%s", state_hash);
    unsigned char *verifier = NULL;
    size_t vlen = 0;
    if (!*sealed || auth_unseal(&s->keys, aad, sealed, &verifier, &vlen) != 0 || vlen != 43) {
        if (verifier) { sodium_memzero(verifier, vlen); free(verifier); }
        json_decref(meta);
        return refuse(r, 400, "oidc_state_invalid", "verifier_missing", "this sign-in has no usable PKCE verifier; start again");
    }
    char *id_token = NULL, perr[65];
    rc = oidc_exchange_code(p, meta, code, (const char *)verifier, &id_token, &why, perr, sizeof perr);
    sodium_memzero(verifier, vlen);
    free(verifier);
    json_decref(meta);
    if (rc == OIDC_UNAVAILABLE) return refuse(r, 502, "oidc_provider_unavailable", why, "the identity provider could not complete the sign-in");
    if (rc != OIDC_OK) {
        char reason[96];
        snprintf(reason, sizeof reason, "%s%s%s", why, *perr ? ":" : "", perr);
        return refuse(r, 401, "oidc_exchange_failed", reason, "the identity provider refused the code");
    }
    json_t *claims = NULL;
    rc = oidc_verify(p, id_token, OIDC_ID_TOKEN, nonce, now_us() / US, &claims, &why);
    sodium_memzero(id_token, strlen(id_token));
    free(id_token);
    if (rc == OIDC_UNAVAILABLE) return refuse(r, 502, "oidc_provider_unavailable", why, "the identity provider's keys cannot be fetched");
    if (rc != OIDC_OK) return refuse(r, 401, "oidc_id_token_invalid", why, "the identity provider's ID token was refused");

    char uid[ID_MAX];
    if (identity_user(r, p, claims, linking ? link_uid : NULL, uid) != 0 || map_groups(r, p, claims, uid) != 0) {
        json_decref(claims);
        return;
    }
    json_decref(claims);
    if (!linking && session_start(r, uid, NULL) != 0) return;
    redirect(r, ret);
}

/* ---- bearer access tokens (authn.c) ------------------------------------------------------------ */

static void refuse_bearer(srv_req *r, const char *reason) {
    srv_header_add(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
    srv_problem(r, 401, "invalid_credential", "the access token was refused (%s)", reason);
    json_t *j = json_loads(r->resp, 0, NULL);
    if (j) {
        json_object_set_new(j, "reason", json_string(reason));
        srv_json(r, 401, j);
        r->ctype = "application/problem+json";
    }
    srv_log(SLOG_DEBUG, "access token refused", json_pack("{s:s, s:s}", "reason", reason, "ip", r->ip));
}

void authn_oidc_bearer(srv_req *r, const char *tok) {
    char *iss = oidc_peek_issuer(tok);
    oidc_provider *p = oidc_provider_for_access_token(r->srv->cfg.oidc, iss);
    free(iss);
    if (!p) return refuse_bearer(r, "unknown_issuer");
    json_t *c = NULL;
    const char *why = NULL;
    int rc = oidc_verify(p, tok, OIDC_ACCESS_TOKEN, NULL, now_us() / US, &c, &why);
    if (rc == OIDC_UNAVAILABLE) {
        srv_header_add(r, "Retry-After", "30");
        srv_problem(r, 503, "oidc_provider_unavailable", "the identity provider's keys cannot be fetched; try again");
        return;
    }
    if (rc != OIDC_OK) return refuse_bearer(r, why);
    db_rows *rows = NULL;
    db_err e;
    db_val pk[] = {DB_TEXT(p->issuer), DB_TEXT(json_string_value(json_object_get(c, "sub")))};
    rc = db_exec(r->srv->db, "SELECT u.id, u.instance_admin, u.disabled FROM user_identities i JOIN users u ON u.id = i.user_id"
                             " WHERE i.issuer = $1 AND i.subject = $2", pk, 2, &rows, &e);
    json_decref(c);
    if (srv_db_failed(r, rc, &e, NULL)) return;
    if (db_rows_count(rows) != 1) { db_rows_free(rows); return refuse_bearer(r, "unknown_identity"); }
    if (db_rows_int(rows, 0, 2)) { db_rows_free(rows); return refuse_bearer(r, "account_disabled"); }
    principal *w = &r->who;
    w->kind = PRINCIPAL_OIDC;
    snprintf(w->user_id, sizeof w->user_id, "%s", db_rows_text(rows, 0, 0));
    memcpy(w->cred_id, "oidc:", 5);  /* rate-limited per user; a user id is 36 bytes, so this fits ID_MAX */
    size_t ul = strnlen(w->user_id, sizeof w->user_id - 1);
    if (ul + 6 > sizeof w->cred_id) ul = sizeof w->cred_id - 6;
    memcpy(w->cred_id + 5, w->user_id, ul);
    w->cred_id[5 + ul] = 0;
    w->scopes = ~(perm_set)0;
    w->instance_admin = db_rows_int(rows, 0, 1) != 0;
    db_rows_free(rows);
}
