/* r_members.c — an app's members and roles.
 *
 * The rules live in auth/rbac.c (rbac_check_member_change,
 * rbac_check_role_edit); this file gathers the real facts for them and makes
 * the change. docs/server.md ("Members and roles") is the user-facing copy.
 *
 * Concurrency. Every change here runs in one transaction that first takes the
 * app's lock (authn_begin_locked, an UPDATE of the app's row: PostgreSQL
 * holds a row lock until commit; SQLite already serialises writers at BEGIN
 * IMMEDIATE). Inside it the caller's rights, the target's membership and the
 * roles are read again, so the check and the writes see one consistent
 * state: two transfers of ownership, or a transfer racing a demotion of the
 * actor, run one after the other and the second is judged on what the first
 * left. Before commit the transaction verifies the app still has exactly one
 * owner.
 *
 * API keys may read members and roles when their role allows it, but never
 * change them (403 keys_cannot_manage_members): keys are for integrations,
 * and who may do what in an app is a decision for people. */
#include <string.h>

#include "server/accounts.h"
#include "server/audit.h"
#include "server/routes.h"

#define ROLE_NAME_BUF 72   /* srv_name_ok names are at most 64 bytes */

typedef struct role_row {
    char id[ID_MAX];
    char name[ROLE_NAME_BUF];
    perm_set perms;        /* as stored (not expanded) */
    bool builtin;
    bool is_owner;         /* the built-in owner role */
} role_row;

/* ---- helpers ------------------------------------------------------------------ */

/* The detail of a refusal by rbac_check_member_change / rbac_check_role_edit. */
static const char *rule_text(const char *code) {
    static const struct { const char *code, *text; } t[] = {
        {"need_write_members", "this needs the permission write_members in this app"},
        {"need_write_roles", "this needs the permission write_roles in this app"},
        {"self_change", "nobody changes their own role or removes themselves; the owner transfers ownership first"},
        {"owner_protected", "only the owner changes or removes the owner"},
        {"owner_grant_requires_owner", "only the owner gives the owner role (a token needs the owner scope)"},
        {"escalation", "the change involves a permission you do not hold yourself"},
        {"owner_role_protected", "the owner role is never edited or deleted"},
        {"builtin_role_frozen", "built-in roles keep their name and permissions and cannot be deleted; make a custom role"},
        {"owner_in_custom_role", "a custom role cannot hold owner"},
        {"instance_perm_in_role", "app roles hold app permissions only"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (!strcmp(t[i].code, code)) return t[i].text;
    return "this change is not allowed";
}

static bool refuse_key(srv_req *r) {
    if (r->who.kind != PRINCIPAL_API_KEY) return false;
    srv_problem(r, 403, "keys_cannot_manage_members", "API keys cannot change members or roles; a user must");
    return true;
}

/* A role name a user may choose: srv_name_ok and not shaped like a role id
 * (so "{role}" in a path, which takes either, is never ambiguous). */
static bool role_name_ok(const char *s) { return srv_name_ok(s) && !id_valid("role", s); }

static void role_fill(const db_rows *rows, size_t i, role_row *out) {
    snprintf(out->id, sizeof out->id, "%s", db_rows_text(rows, i, 0));
    snprintf(out->name, sizeof out->name, "%s", db_rows_text(rows, i, 1));
    out->perms = perm_set_from_text(db_rows_text(rows, i, 2));
    out->builtin = db_rows_int(rows, i, 3) != 0;
    out->is_owner = out->builtin && strcmp(out->name, "owner") == 0;
}

/* The role of this app whose id or name is `key`: 1 found, 0 not, <0 store error. */
static int role_find(srv_req *r, db_tx *tx, const char *key, role_row *out, db_err *e) {
    if (!key || !*key) return 0;
    db_rows *rows = NULL;
    db_val p[] = {DB_TEXT(r->app_id), DB_TEXT(key)};
    const char *sql = "SELECT id, name, permissions, builtin FROM roles WHERE app_id = $1 AND (id = $2 OR name = $2)";
    int rc = tx ? db_tx_exec(tx, sql, p, 2, &rows, e) : db_exec(r->srv->db, sql, p, 2, &rows, e);
    if (rc < 0) return rc;
    size_t n = db_rows_count(rows), pick = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(db_rows_text(rows, i, 0), key) == 0) pick = i;  /* an id match wins */
    if (n) role_fill(rows, pick, out);
    db_rows_free(rows);
    return n ? 1 : 0;
}

/* The built-in role `name` of this app (owner, admin, …): 1, 0, <0. */
static int builtin_role(db_tx *tx, const char *app, const char *name, role_row *out, db_err *e) {
    db_rows *rows = NULL;
    db_val p[] = {DB_TEXT(app), DB_TEXT(name)};
    int rc = db_tx_exec(tx, "SELECT id, name, permissions, builtin FROM roles WHERE app_id = $1 AND name = $2 AND builtin = 1", p, 2, &rows, e);
    if (rc < 0) return rc;
    int found = db_rows_count(rows) == 1;
    if (found) role_fill(rows, 0, out);
    db_rows_free(rows);
    return found;
}

/* The membership of user_id in this app: 1 (role and joined_at filled), 0, <0. */
static int member_find(srv_req *r, db_tx *tx, const char *user_id, role_row *role, int64_t *joined, db_err *e) {
    db_rows *rows = NULL;
    db_val p[] = {DB_TEXT(r->app_id), DB_TEXT(user_id)};
    int rc = db_tx_exec(tx, "SELECT ro.id, ro.name, ro.permissions, ro.builtin, m.joined_at FROM members m JOIN roles ro ON ro.id = m.role_id"
                            " WHERE m.app_id = $1 AND m.user_id = $2", p, 2, &rows, e);
    if (rc < 0) return rc;
    int found = db_rows_count(rows) == 1;
    if (found) {
        role_fill(rows, 0, role);
        if (joined) *joined = db_rows_int(rows, 0, 4);
    }
    db_rows_free(rows);
    return found;
}

/* The {user} parameter — a user id (usr_…) or an e-mail address — to the
 * user's id and e-mail: 1, 0 (no such user), <0. */
static int user_find(db_tx *tx, const char *key, char id[ID_MAX], char email[ACCOUNT_EMAIL_MAX + 1], db_err *e) {
    char norm[ACCOUNT_EMAIL_MAX + 1];
    const char *sql;
    if (id_valid("usr", key)) sql = "SELECT id, email FROM users WHERE id = $1";
    else if (accounts_email_normal(key, norm)) {
        sql = "SELECT id, email FROM users WHERE email = $1";
        key = norm;
    } else return 0;
    db_rows *rows = NULL;
    db_val p[] = {DB_TEXT(key)};
    int rc = db_tx_exec(tx, sql, p, 1, &rows, e);
    if (rc < 0) return rc;
    int found = db_rows_count(rows) == 1;
    if (found) {
        snprintf(id, ID_MAX, "%s", db_rows_text(rows, 0, 0));
        snprintf(email, ACCOUNT_EMAIL_MAX + 1, "%s", db_rows_text(rows, 0, 1));
    }
    db_rows_free(rows);
    return found;
}

/* Exactly one member holds the owner role: 0, or <0 (rc), or 1 when broken. */
static int owner_count_ok(srv_req *r, db_tx *tx, db_err *e) {
    db_rows *rows = NULL;
    db_val p[] = {DB_TEXT(r->app_id)};
    int rc = db_tx_exec(tx, "SELECT COUNT(*) FROM members m JOIN roles ro ON ro.id = m.role_id"
                            " WHERE m.app_id = $1 AND ro.builtin = 1 AND ro.name = 'owner'", p, 1, &rows, e);
    if (rc < 0) return rc;
    int64_t n = db_rows_int(rows, 0, 0);
    db_rows_free(rows);
    return n == 1 ? 0 : 1;
}

/* Commit after the owner check; answers on failure. true when committed. */
static bool finish(srv_req *r, db_tx *tx) {
    db_err e;
    int rc = owner_count_ok(r, tx, &e);
    if (rc != 0) {
        db_rollback(tx);
        if (rc < 0) srv_db_failed(r, rc, &e, NULL);
        else srv_problem(r, 409, "one_owner", "an app has exactly one owner");
        return false;
    }
    return !srv_db_failed(r, db_commit(tx, &e), &e, NULL);
}

static json_t *role_json(const role_row *ro, int64_t members) {
    return json_pack("{s:s, s:s, s:o, s:b, s:I}", "id", ro->id, "name", ro->name, "permissions", perm_set_to_json(ro->perms),
                     "builtin", ro->builtin, "members", (json_int_t)members);
}

/* ---- members ------------------------------------------------------------------ */

HANDLER(h_members_list) {
    db_rows *rows = srv_rows(r, "SELECT m.user_id, u.email, ro.name, ro.id, m.joined_at FROM members m"
                                " JOIN users u ON u.id = m.user_id JOIN roles ro ON ro.id = m.role_id"
                                " WHERE m.app_id = $1 ORDER BY m.joined_at, m.user_id", r->app_id);
    if (!rows) return;
    json_t *items = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++)
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:I}", "user_id", db_rows_text(rows, i, 0), "email", db_rows_text(rows, i, 1),
                                               "role", db_rows_text(rows, i, 2), "role_id", db_rows_text(rows, i, 3),
                                               "joined_at", (json_int_t)db_rows_int(rows, i, 4)));
    db_rows_free(rows);
    srv_json(r, 200, json_pack("{s:o}", "items", items));
}

/* Answer a rule's refusal or a lookup's miss: roll back, then the problem. */
#define FAIL(status, code, ...) do { db_rollback(tx); srv_problem(r, status, code, __VA_ARGS__); goto out; } while (0)
#define DBFAIL(rc) do { db_rollback(tx); srv_db_failed(r, rc, &e, NULL); goto out; } while (0)

HANDLER(h_member_put) {
    if (refuse_key(r)) return;
    json_t *b = srv_body_json(r);
    if (!b) return;
    const char *role_key = json_string_value(json_object_get(b, "role"));
    db_tx *tx = NULL;
    db_err e;
    perm_set actor;
    char uid[ID_MAX], email[ACCOUNT_EMAIL_MAX + 1];
    role_row to, cur, admin;
    int64_t joined = now_us();
    int rc;
    if (!role_key || !*role_key) { srv_problem(r, 422, "bad_role", "role: the name (or id) of one of the app's roles"); goto out; }
    if (!(tx = authn_begin_locked(r, &actor))) goto out;
    if ((rc = user_find(tx, srv_param(r, "user"), uid, email, &e)) < 0) DBFAIL(rc);
    if (!rc) FAIL(404, "not_found", "no such user (give a user id usr_… or an e-mail address)");
    if ((rc = role_find(r, tx, role_key, &to, &e)) < 0) DBFAIL(rc);
    if (!rc) FAIL(422, "unknown_role", "this app has no role \"%.64s\"", role_key);
    if ((rc = member_find(r, tx, uid, &cur, &joined, &e)) < 0) DBFAIL(rc);
    bool is_member = rc == 1;
    rbac_change c = {
        .actor = actor,
        .actor_is_target = strcmp(uid, r->who.user_id) == 0,
        .target_is_owner = is_member && cur.is_owner,
        .new_role_is_owner = to.is_owner,
        .removing = false,
        .target_perms = is_member ? cur.perms : 0,
        .new_role_perms = to.perms,
    };
    const char *why = rbac_check_member_change(&c);
    if (why) FAIL(403, why, "%s", rule_text(why));
    if (to.is_owner && !c.target_is_owner) {
        /* a transfer: the previous owner becomes admin, in this transaction */
        if ((rc = builtin_role(tx, r->app_id, "admin", &admin, &e)) < 0) DBFAIL(rc);
        if (!rc) FAIL(500, "internal", "the app has no admin role");
        db_val pd[] = {DB_TEXT(admin.id), DB_TEXT(r->app_id), DB_TEXT(to.id), DB_TEXT(uid)};
        if ((rc = db_tx_exec(tx, "UPDATE members SET role_id = $1 WHERE app_id = $2 AND role_id = $3 AND user_id <> $4", pd, 4, NULL, &e)) < 0) DBFAIL(rc);
    }
    if (is_member) {
        db_val pu[] = {DB_TEXT(to.id), DB_TEXT(r->app_id), DB_TEXT(uid)};
        rc = db_tx_exec(tx, "UPDATE members SET role_id = $1 WHERE app_id = $2 AND user_id = $3", pu, 3, NULL, &e);
    } else {
        db_val pi[] = {DB_TEXT(r->app_id), DB_TEXT(uid), DB_TEXT(to.id), DB_INT(joined)};
        rc = db_tx_exec(tx, "INSERT INTO members (app_id, user_id, role_id, joined_at) VALUES ($1, $2, $3, $4)", pi, 4, NULL, &e);
    }
    if (rc < 0) DBFAIL(rc);
    if (!finish(r, tx)) goto out;
    json_t *ad = json_pack("{s:s, s:s, s:s}", "email", email, "role", to.name, "role_id", to.id);
    if (is_member) json_object_set_new(ad, "previous_role", json_string(cur.name));
    if (to.is_owner && !c.target_is_owner) json_object_set_new(ad, "ownership_transfer", json_true());
    audit_record(r, is_member ? "member.change" : "member.add", uid, AUDIT_OK, ad);
    srv_json(r, 200, json_pack("{s:s, s:s, s:s, s:s, s:I}", "user_id", uid, "email", email, "role", to.name, "role_id", to.id,
                               "joined_at", (json_int_t)joined));
out:
    json_decref(b);
}

HANDLER(h_member_delete) {
    if (refuse_key(r)) return;
    db_tx *tx = NULL;
    db_err e;
    perm_set actor;
    char uid[ID_MAX], email[ACCOUNT_EMAIL_MAX + 1];
    role_row cur;
    int rc;
    if (!(tx = authn_begin_locked(r, &actor))) goto out;
    if ((rc = user_find(tx, srv_param(r, "user"), uid, email, &e)) < 0) DBFAIL(rc);
    if (!rc) FAIL(404, "not_found", "no such user");
    if ((rc = member_find(r, tx, uid, &cur, NULL, &e)) < 0) DBFAIL(rc);
    if (!rc) FAIL(404, "not_found", "this user is not a member of the app");
    rbac_change c = {
        .actor = actor,
        .actor_is_target = strcmp(uid, r->who.user_id) == 0,
        .target_is_owner = cur.is_owner,
        .removing = true,
        .target_perms = cur.perms,
    };
    const char *why = rbac_check_member_change(&c);
    if (why) FAIL(403, why, "%s", rule_text(why));
    db_val pd[] = {DB_TEXT(r->app_id), DB_TEXT(uid)};
    if ((rc = db_tx_exec(tx, "DELETE FROM members WHERE app_id = $1 AND user_id = $2", pd, 2, NULL, &e)) < 0) DBFAIL(rc);
    if (!finish(r, tx)) goto out;
    audit_record(r, "member.remove", uid, AUDIT_OK, json_pack("{s:s, s:s}", "email", email, "role", cur.name));
    srv_json(r, 204, NULL);
out:;
}

/* ---- roles -------------------------------------------------------------------- */

HANDLER(h_roles_list) {
    db_rows *rows = srv_rows(r, "SELECT ro.id, ro.name, ro.permissions, ro.builtin,"
                                " (SELECT COUNT(*) FROM members m WHERE m.role_id = ro.id)"
                                " FROM roles ro WHERE ro.app_id = $1 ORDER BY ro.builtin DESC, ro.id", r->app_id);
    if (!rows) return;
    json_t *items = json_array();
    for (size_t i = 0; i < db_rows_count(rows); i++) {
        role_row ro;
        role_fill(rows, i, &ro);
        json_array_append_new(items, role_json(&ro, db_rows_int(rows, i, 4)));
    }
    db_rows_free(rows);
    srv_json(r, 200, json_pack("{s:o}", "items", items));
}

/* Members and live API keys (neither revoked nor expired) holding the role:
 * <0 on a store error. A key that can no longer be used does not hold its
 * role: deleting the role deletes such keys' rows (the audit log keeps their
 * history). */
static int role_holders(db_tx *tx, const char *role_id, int64_t *members, int64_t *keys, db_err *e) {
    db_rows *rows = NULL;
    db_val p[] = {DB_TEXT(role_id)};
    int rc = db_tx_exec(tx, "SELECT COUNT(*) FROM members WHERE role_id = $1", p, 1, &rows, e);
    if (rc < 0) return rc;
    *members = db_rows_int(rows, 0, 0);
    db_rows_free(rows);
    rows = NULL;
    if (!keys) return 0;
    db_val pk[] = {DB_TEXT(role_id), DB_INT(now_us())};
    if ((rc = db_tx_exec(tx, "SELECT COUNT(*) FROM api_keys WHERE role_id = $1 AND revoked_at IS NULL AND expires_at > $2", pk, 2, &rows, e)) < 0) return rc;
    *keys = db_rows_int(rows, 0, 0);
    db_rows_free(rows);
    return 0;
}

#define BAD_NAME_MSG "name: 1 to 64 of A-Z a-z 0-9 _ . - (not starting with ., not shaped like a role id)"

HANDLER(h_role_create) {
    if (refuse_key(r)) return;
    json_t *b = srv_body_json(r);
    if (!b) return;
    db_tx *tx = NULL;
    db_err e;
    perm_set actor, perms = 0;
    char err[128], *ptext = NULL;
    const char *name = json_string_value(json_object_get(b, "name"));
    role_row ro = {.builtin = false};
    int rc;
    if (!role_name_ok(name)) { srv_problem(r, 422, "bad_name", BAD_NAME_MSG); goto out; }
    if (perm_set_from_json(json_object_get(b, "permissions"), &perms, err, sizeof err) != 0) {
        srv_problem(r, 422, "bad_permissions", "permissions: %s", err);
        goto out;
    }
    if (!(tx = authn_begin_locked(r, &actor))) goto out;
    const char *why = rbac_check_role_edit(actor, false, false, perms);
    if (why) FAIL(403, why, "%s", rule_text(why));
    id_new("role", ro.id);
    snprintf(ro.name, sizeof ro.name, "%s", name);
    ro.perms = perms;
    if (!(ptext = perm_set_to_text(perms))) FAIL(500, "internal", "out of memory");
    db_val pi[] = {DB_TEXT(ro.id), DB_TEXT(r->app_id), DB_TEXT(name), DB_TEXT(ptext)};
    rc = db_tx_exec(tx, "INSERT INTO roles (id, app_id, name, permissions, builtin) VALUES ($1, $2, $3, $4, 0)", pi, 4, NULL, &e);
    if (rc == DB_CONFLICT) FAIL(409, "role_exists", "the app already has a role named \"%s\"", name);
    if (rc < 0) DBFAIL(rc);
    if (!finish(r, tx)) goto out;
    audit_record(r, "role.create", ro.id, AUDIT_OK, json_pack("{s:s, s:o}", "name", ro.name, "permissions", perm_set_to_json(ro.perms)));
    srv_json(r, 201, role_json(&ro, 0));
out:
    free(ptext);
    json_decref(b);
}

HANDLER(h_role_update) {
    if (refuse_key(r)) return;
    json_t *b = srv_body_json(r);
    if (!b) return;
    db_tx *tx = NULL;
    db_err e;
    perm_set actor, perms = 0;
    char err[128], *ptext = NULL;
    json_t *nv = json_object_get(b, "name"), *pv = json_object_get(b, "permissions"), *ad = NULL;
    role_row ro;
    int64_t members = 0;
    int rc;
    if (nv && !role_name_ok(json_string_value(nv))) { srv_problem(r, 422, "bad_name", BAD_NAME_MSG); goto out; }
    if (pv && perm_set_from_json(pv, &perms, err, sizeof err) != 0) { srv_problem(r, 422, "bad_permissions", "permissions: %s", err); goto out; }
    if (!(tx = authn_begin_locked(r, &actor))) goto out;
    if ((rc = role_find(r, tx, srv_param(r, "role"), &ro, &e)) < 0) DBFAIL(rc);
    if (!rc) FAIL(404, "not_found", "no such role");
    if (!pv) perms = ro.perms;
    ad = json_pack("{s:s, s:o}", "previous_name", ro.name, "previous_permissions", perm_set_to_json(ro.perms));
    /* everything the edit touches: what it adds and what it takes away */
    const char *why = rbac_check_role_edit(actor, ro.is_owner, ro.builtin, ro.perms | perms);
    if (why) FAIL(403, why, "%s", rule_text(why));
    if (nv && strcmp(json_string_value(nv), ro.name) != 0) {
        db_val pn[] = {DB_TEXT(json_string_value(nv)), DB_TEXT(ro.id)};
        rc = db_tx_exec(tx, "UPDATE roles SET name = $1 WHERE id = $2", pn, 2, NULL, &e);
        if (rc == DB_CONFLICT) FAIL(409, "role_exists", "the app already has a role named \"%s\"", json_string_value(nv));
        if (rc < 0) DBFAIL(rc);
        snprintf(ro.name, sizeof ro.name, "%s", json_string_value(nv));
    }
    if (pv) {
        if (!(ptext = perm_set_to_text(perms))) FAIL(500, "internal", "out of memory");
        db_val pp[] = {DB_TEXT(ptext), DB_TEXT(ro.id)};
        if ((rc = db_tx_exec(tx, "UPDATE roles SET permissions = $1 WHERE id = $2", pp, 2, NULL, &e)) < 0) DBFAIL(rc);
        ro.perms = perms;
    }
    if ((rc = role_holders(tx, ro.id, &members, NULL, &e)) < 0) DBFAIL(rc);
    if (!finish(r, tx)) goto out;
    json_object_set_new(ad, "name", json_string(ro.name));
    json_object_set_new(ad, "permissions", perm_set_to_json(ro.perms));
    audit_record(r, "role.update", ro.id, AUDIT_OK, ad);
    ad = NULL;
    srv_json(r, 200, role_json(&ro, members));
out:
    json_decref(ad);
    free(ptext);
    json_decref(b);
}

HANDLER(h_role_delete) {
    if (refuse_key(r)) return;
    db_tx *tx = NULL;
    db_err e;
    perm_set actor;
    role_row ro;
    int64_t members = 0, keys = 0;
    int rc;
    if (!(tx = authn_begin_locked(r, &actor))) goto out;
    if ((rc = role_find(r, tx, srv_param(r, "role"), &ro, &e)) < 0) DBFAIL(rc);
    if (!rc) FAIL(404, "not_found", "no such role");
    const char *why = rbac_check_role_edit(actor, ro.is_owner, ro.builtin, ro.perms);
    if (why) FAIL(403, why, "%s", rule_text(why));
    if ((rc = role_holders(tx, ro.id, &members, &keys, &e)) < 0) DBFAIL(rc);
    if (members || keys)
        FAIL(409, "role_in_use", "the role is held by %lld member(s) and %lld live API key(s); give the members another role and revoke the keys first",
             (long long)members, (long long)keys);
    /* revoked and expired keys go with their role */
    db_val pdk[] = {DB_TEXT(ro.id), DB_INT(now_us())};
    db_rows *dk = NULL;
    if ((rc = db_tx_exec(tx, "DELETE FROM api_keys WHERE role_id = $1 AND (revoked_at IS NOT NULL OR expires_at <= $2)", pdk, 2, &dk, &e)) < 0) DBFAIL(rc);
    int64_t dead_keys = (int64_t)db_rows_changed(dk);
    db_rows_free(dk);
    db_val pd[] = {DB_TEXT(ro.id), DB_TEXT(r->app_id)};
    if ((rc = db_tx_exec(tx, "DELETE FROM roles WHERE id = $1 AND app_id = $2", pd, 2, NULL, &e)) < 0) DBFAIL(rc);
    if (!finish(r, tx)) goto out;
    audit_record(r, "role.delete", ro.id, AUDIT_OK, json_pack("{s:s, s:o, s:I}", "name", ro.name, "permissions", perm_set_to_json(ro.perms),
                                                             "unusable_keys_deleted", (json_int_t)dead_keys));
    srv_json(r, 204, NULL);
out:;
}
