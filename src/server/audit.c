/* audit.c — see audit.h. */
#include <stdlib.h>
#include <string.h>

#include "auth/token.h"
#include "server/audit.h"

void audit_id_bound(int64_t t_us, char out[ID_MAX]) {
    snprintf(out, ID_MAX, "aud_%016llx", (unsigned long long)(t_us < 0 ? 0 : t_us));
}

void audit_write(db *d, audit_entry *e) {
    char id[ID_MAX];
    id_new("aud", id);
    /* `at` is the time inside the id, so time filters can use the id's order */
    char hex[17];
    memcpy(hex, id + 4, 16);
    hex[16] = 0;
    int64_t at = (int64_t)strtoull(hex, NULL, 16);
    char *detail = e->detail ? json_dumps(e->detail, JSON_COMPACT) : NULL;
    db_val p[] = {DB_TEXT(id), DB_INT(at), DB_TEXT(e->actor_kind ? e->actor_kind : "anonymous"), DB_TEXT(e->actor_id),
                  DB_TEXT(e->credential_id), DB_TEXT(e->action), DB_TEXT(e->app_id), DB_TEXT(e->target), DB_TEXT(e->ip),
                  DB_TEXT(e->outcome ? e->outcome : AUDIT_OK), DB_TEXT(detail)};
    db_err err;
    int rc = db_exec(d, "INSERT INTO audit (id, at, actor_kind, actor_id, credential_id, action, app_id, target, ip, outcome, detail)"
                        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", p, 11, NULL, &err);
    if (rc < 0)
        srv_log(SLOG_ERROR, "an audit row could not be written", json_pack("{s:s, s:s}", "action", e->action, "error", err.msg));
    free(detail);
    json_decref(e->detail);
    e->detail = NULL;
}

static void set_actor(const principal *w, audit_entry *e) {
    switch (w->kind) {
    case PRINCIPAL_SESSION: e->actor_kind = "user"; e->actor_id = w->user_id; e->credential_id = w->cred_id; break;
    case PRINCIPAL_PAT: e->actor_kind = "token"; e->actor_id = w->user_id; e->credential_id = w->cred_id; break;
    case PRINCIPAL_API_KEY: e->actor_kind = "key"; e->actor_id = w->cred_id; e->credential_id = w->cred_id; break;
    default:
        /* a kind added later that still names a user */
        e->actor_kind = w->user_id[0] ? "user" : "anonymous";
        e->actor_id = w->user_id[0] ? w->user_id : NULL;
        e->credential_id = w->cred_id[0] ? w->cred_id : NULL;
    }
}

void audit_record_app(srv_req *r, const char *app_id, const char *action, const char *target, const char *outcome, json_t *detail) {
    audit_entry e = {.app_id = app_id, .action = action, .target = target, .ip = r->ip[0] ? r->ip : NULL,
                     .outcome = outcome, .detail = detail};
    set_actor(&r->who, &e);
    audit_write(r->srv->db, &e);
}

void audit_record(srv_req *r, const char *action, const char *target, const char *outcome, json_t *detail) {
    audit_record_app(r, r->app_id, action, target, outcome, detail);
}

void audit_denied(srv_req *r) {
    const route *rt = r->route;
    if (!rt) return;
    json_t *d = json_pack("{s:s}", "operation", rt->op_id);
    /* the problem code of the answer (forbidden, escalation, csrf, …) */
    json_t *ans = r->resp ? json_loadb(r->resp, r->resp_len, 0, NULL) : NULL;
    const char *code = json_string_value(json_object_get(ans, "code"));
    if (code) json_object_set_new(d, "code", json_string(code));
    json_decref(ans);
    if (rt->scope == SCOPE_APP || rt->scope == SCOPE_INSTANCE) json_object_set_new(d, "permission", json_string(perm_name(rt->perm)));
    /* the path's parameters, when name- or id-shaped and not a credential
     * pasted into a URL by mistake (which is never stored) */
    json_t *params = json_object();
    for (int i = 0; i < ROUTE_MAX_PARAMS && r->param_names[i][0]; i++) {
        const char *v = r->params[i];
        if (v && srv_name_ok(v) && auth_token_kind_of(v) < 0 && strncmp(v, "weirp_", 6) && strncmp(v, "weirk_", 6) && strncmp(v, "weirs_", 6))
            json_object_set_new(params, r->param_names[i], json_string(v));
    }
    if (json_object_size(params)) json_object_set_new(d, "params", params);
    else json_decref(params);
    const char *app = r->app_id;
    if (!app && rt->scope == SCOPE_APP && id_valid("app", srv_param(r, "app"))) app = srv_param(r, "app");
    audit_record_app(r, app, "access.denied", NULL, AUDIT_DENIED, d);
}

int64_t audit_prune(db *d, int64_t before_us, int batch, db_err *err) {
    char bound[ID_MAX];
    audit_id_bound(before_us, bound);
    db_rows *rows = NULL;
    db_val p[] = {DB_TEXT(bound), DB_INT(batch)};
    int rc = db_exec(d, "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE id < $1 ORDER BY id LIMIT $2)", p, 2, &rows, err);
    if (rc < 0) return rc;
    int64_t n = (int64_t)db_rows_changed(rows);
    db_rows_free(rows);
    return n;
}
