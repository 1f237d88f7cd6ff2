/* routes.c — the route table, the router, and the OpenAPI document made
 * from the same table (so the two cannot disagree). */
#include <string.h>

#include "auth/token.h"
#include "server/audit.h"
#include "server/cache.h"
#include "server/routes.h"

#define APP "/api/v1/apps/{app}"
#define PUB(m, p, h, op, sum, tag) {m, p, SCOPE_PUBLIC, 0, h, op, sum, tag, NULL, 200}
#define USR(m, p, h, op, sum, tag, body, ok) {m, p, SCOPE_USER, 0, h, op, sum, tag, body, ok}
#define INS(m, p, pm, h, op, sum, tag, body, ok) {m, p, SCOPE_INSTANCE, pm, h, op, sum, tag, body, ok}
#define APPR(m, p, pm, h, op, sum, tag, body, ok) {m, APP p, SCOPE_APP, pm, h, op, sum, tag, body, ok}

/* Request body schemas (JSON Schema 2020-12, as JSON text). */
#define OBJ(props, req) "{\"type\":\"object\",\"properties\":{" props "},\"required\":[" req "]}"
#define B_LOGIN OBJ("\"email\":{\"type\":\"string\"},\"password\":{\"type\":\"string\"}", "\"email\",\"password\"")
#define B_TOKEN OBJ("\"name\":{\"type\":\"string\"},\"expires_in_days\":{\"type\":\"integer\"},\"scopes\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "\"name\",\"expires_in_days\",\"scopes\"")
#define B_USER OBJ("\"email\":{\"type\":\"string\"},\"password\":{\"type\":\"string\"},\"instance_admin\":{\"type\":\"boolean\"}", "\"email\",\"password\"")
#define B_APP OBJ("\"name\":{\"type\":\"string\"},\"description\":{\"type\":\"string\"}", "\"name\"")
#define B_MEMBER OBJ("\"role\":{\"type\":\"string\"}", "\"role\"")
#define B_ROLE OBJ("\"name\":{\"type\":\"string\"},\"permissions\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "\"name\",\"permissions\"")
#define B_ROLE_PATCH OBJ("\"name\":{\"type\":\"string\"},\"permissions\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "")
#define B_BOARD OBJ("\"name\":{\"type\":\"string\"},\"board\":{\"type\":\"object\"}", "\"board\"")
#define B_RUN OBJ("\"payload\":{},\"variables\":{\"type\":\"object\"},\"start_node\":{\"type\":\"string\"},\"version\":{\"type\":\"integer\"}", "")
#define B_EVENT OBJ("\"name\":{\"type\":\"string\"},\"kind\":{\"enum\":[\"manual\",\"webhook\",\"schedule\"]},\"board_id\":{\"type\":\"string\"},\"board_version\":{\"type\":[\"integer\",\"null\"]},\"start_node\":{\"type\":\"string\"},\"config\":{\"type\":\"object\"},\"on_restart\":{\"enum\":[\"requeue\",\"fail\"]},\"enabled\":{\"type\":\"boolean\"}", "\"name\",\"kind\",\"board_id\"")
#define B_FIRE OBJ("\"payload\":{},\"variables\":{\"type\":\"object\"}", "")
#define B_SECRET OBJ("\"value\":{\"type\":\"string\"}", "\"value\"")
#define B_API_KEY OBJ("\"name\":{\"type\":\"string\"},\"role\":{\"type\":\"string\"},\"expires_in_days\":{\"type\":\"integer\"}", "\"name\",\"role\",\"expires_in_days\"")
#define B_ANY "{}"

const route srv_routes[] = {
    PUB("GET", "/healthz", h_healthz, "health", "The process is up", "system"),
    PUB("GET", "/readyz", h_readyz, "ready", "The store answers and the server accepts work", "system"),
    PUB("GET", "/api/v1/openapi.json", h_openapi, "openapi", "This document", "system"),
    INS("GET", "/metrics", PERM_INSTANCE_ADMIN, h_metrics, "metrics", "Prometheus metrics", "system", NULL, 200),

    {"POST", "/api/v1/auth/login", SCOPE_PUBLIC, 0, h_login, "login", "Sign in with e-mail and password; sets the session cookie", "auth", B_LOGIN, 200},
    PUB("GET", "/api/v1/auth/providers", h_oidc_providers, "auth_providers", "Identity providers to sign in with (id, name)", "auth"),
    {"GET", "/api/v1/auth/oidc/{provider}/start", SCOPE_PUBLIC, 0, h_oidc_start, "oidc_start", "Start signing in with an identity provider (redirect)", "auth", NULL, 302},
    {"GET", "/api/v1/auth/oidc/{provider}/callback", SCOPE_PUBLIC, 0, h_oidc_callback, "oidc_callback", "Where the identity provider sends the browser back; sets the session cookie", "auth", NULL, 302},
    USR("POST", "/api/v1/auth/logout", h_logout, "logout", "End the current session", "auth", NULL, 204),
    USR("GET", "/api/v1/me", h_me, "me", "The caller, their apps and rights", "auth", NULL, 200),
    USR("GET", "/api/v1/tokens", h_tokens_list, "tokens_list", "The caller's personal access tokens", "auth", NULL, 200),
    USR("POST", "/api/v1/tokens", h_token_create, "token_create", "Create a personal access token (shown once)", "auth", B_TOKEN, 201),
    USR("DELETE", "/api/v1/tokens/{token}", h_token_revoke, "token_revoke", "Revoke one of the caller's tokens", "auth", NULL, 204),
    INS("GET", "/api/v1/users", PERM_MANAGE_USERS, h_users_list, "users_list", "Every user of the instance", "users", NULL, 200),
    INS("POST", "/api/v1/users", PERM_MANAGE_USERS, h_user_create, "user_create", "Create a user", "users", B_USER, 201),

    USR("GET", "/api/v1/apps", h_apps_list, "apps_list", "Apps the caller is a member of", "apps", NULL, 200),
    INS("POST", "/api/v1/apps", PERM_CREATE_APPS, h_app_create, "app_create", "Create an app; the caller becomes its owner", "apps", B_APP, 201),
    APPR("GET", "", PERM_READ_APP, h_app_get, "app_get", "One app", "apps", NULL, 200),
    APPR("PATCH", "", PERM_WRITE_APP, h_app_update, "app_update", "Rename or describe an app", "apps", B_APP, 200),
    APPR("DELETE", "", PERM_OWNER, h_app_delete, "app_delete", "Delete an app and everything in it", "apps", NULL, 204),

    APPR("GET", "/members", PERM_READ_MEMBERS, h_members_list, "members_list", "Members and their roles", "members", NULL, 200),
    APPR("PUT", "/members/{user}", PERM_WRITE_MEMBERS, h_member_put, "member_put", "Add a member or change their role", "members", B_MEMBER, 200),
    APPR("DELETE", "/members/{user}", PERM_WRITE_MEMBERS, h_member_delete, "member_delete", "Remove a member", "members", NULL, 204),
    APPR("GET", "/roles", PERM_READ_ROLES, h_roles_list, "roles_list", "Roles of the app", "members", NULL, 200),
    APPR("POST", "/roles", PERM_WRITE_ROLES, h_role_create, "role_create", "Create a custom role", "members", B_ROLE, 201),
    APPR("PATCH", "/roles/{role}", PERM_WRITE_ROLES, h_role_update, "role_update", "Change a custom role", "members", B_ROLE_PATCH, 200),
    APPR("DELETE", "/roles/{role}", PERM_WRITE_ROLES, h_role_delete, "role_delete", "Delete a custom role", "members", NULL, 204),

    APPR("GET", "/boards", PERM_READ_BOARDS, h_boards_list, "boards_list", "Boards of the app", "boards", NULL, 200),
    APPR("POST", "/boards", PERM_WRITE_BOARDS, h_board_create, "board_create", "Create a board (version 1)", "boards", B_BOARD, 201),
    APPR("GET", "/boards/{board}", PERM_READ_BOARDS, h_board_get, "board_get", "A board's latest version", "boards", NULL, 200),
    APPR("PUT", "/boards/{board}", PERM_WRITE_BOARDS, h_board_save, "board_save", "Save a new version", "boards", B_BOARD, 200),
    APPR("DELETE", "/boards/{board}", PERM_WRITE_BOARDS, h_board_delete, "board_delete", "Delete a board and its versions", "boards", NULL, 204),
    APPR("GET", "/boards/{board}/versions", PERM_READ_BOARDS, h_board_versions, "board_versions", "Versions of a board", "boards", NULL, 200),
    APPR("GET", "/boards/{board}/versions/{version}", PERM_READ_BOARDS, h_board_version_get, "board_version_get", "One version of a board", "boards", NULL, 200),

    APPR("POST", "/boards/{board}/runs", PERM_EXECUTE_BOARDS, h_run_start, "run_start", "Start a run", "runs", B_RUN, 201),
    APPR("GET", "/runs", PERM_READ_RUNS, h_runs_list, "runs_list", "Runs, newest first, with filters and a cursor", "runs", NULL, 200),
    APPR("GET", "/runs/{run}", PERM_READ_RUNS, h_run_get, "run_get", "One run; result and trace need read_run_data, logs read_logs", "runs", NULL, 200),
    APPR("POST", "/runs/{run}/cancel", PERM_CANCEL_RUNS, h_run_cancel, "run_cancel", "Cancel a queued or running run", "runs", NULL, 202),
    APPR("POST", "/runs/{run}/rerun", PERM_EXECUTE_BOARDS, h_run_rerun, "run_rerun", "Run again with the same input and version", "runs", NULL, 201),
    APPR("GET", "/runs/{run}/live", PERM_READ_RUNS, h_run_live, "run_live", "Server-sent events of one run", "runs", NULL, 200),
    APPR("GET", "/live", PERM_READ_RUNS, h_app_live, "app_live", "Server-sent events of every run of the app", "runs", NULL, 200),

    APPR("GET", "/events", PERM_READ_EVENTS, h_events_list, "events_list", "Events (manual, webhook, schedule)", "events", NULL, 200),
    APPR("POST", "/events", PERM_WRITE_EVENTS, h_event_create, "event_create", "Create an event", "events", B_EVENT, 201),
    APPR("GET", "/events/{event}", PERM_READ_EVENTS, h_event_get, "event_get", "One event", "events", NULL, 200),
    APPR("PATCH", "/events/{event}", PERM_WRITE_EVENTS, h_event_update, "event_update", "Change an event", "events", B_EVENT, 200),
    APPR("DELETE", "/events/{event}", PERM_WRITE_EVENTS, h_event_delete, "event_delete", "Delete an event", "events", NULL, 204),
    APPR("POST", "/events/{event}/fire", PERM_EXECUTE_EVENTS, h_event_fire, "event_fire", "Fire an event by hand", "events", B_FIRE, 201),
    {"POST", "/hooks/{app}/{event}", SCOPE_APP, PERM_EXECUTE_EVENTS, h_webhook, "webhook", "Webhook: run the event's board with the JSON body as payload", "events", B_ANY, 200},

    APPR("GET", "/secrets", PERM_LIST_SECRETS, h_secrets_list, "secrets_list", "Secret names (never values)", "secrets", NULL, 200),
    APPR("PUT", "/secrets/{name}", PERM_WRITE_SECRETS, h_secret_put, "secret_put", "Set a secret (write-only)", "secrets", B_SECRET, 204),
    APPR("DELETE", "/secrets/{name}", PERM_WRITE_SECRETS, h_secret_delete, "secret_delete", "Delete a secret", "secrets", NULL, 204),

    APPR("GET", "/catalog", PERM_READ_BOARDS, h_catalog, "catalog", "Every node type boards of this app can use", "catalog", NULL, 200),
    APPR("GET", "/packages", PERM_READ_PACKAGES, h_packages_list, "packages_list", "Installed node packages and their grants", "catalog", NULL, 200),

    APPR("GET", "/api-keys", PERM_READ_API_KEYS, h_api_keys_list, "api_keys_list", "The app's API keys (never the keys themselves)", "api-keys", NULL, 200),
    APPR("POST", "/api-keys", PERM_WRITE_API_KEYS, h_api_key_create, "api_key_create", "Create an API key bound to this app and a role (shown once)", "api-keys", B_API_KEY, 201),
    APPR("DELETE", "/api-keys/{key}", PERM_WRITE_API_KEYS, h_api_key_revoke, "api_key_revoke", "Revoke an API key (the next request with it is refused)", "api-keys", NULL, 204),

    APPR("GET", "/audit", PERM_READ_AUDIT, h_audit_list, "audit_list", "The app's audit log, newest first, with filters and a cursor", "audit", NULL, 200),
    APPR("GET", "/audit/export", PERM_READ_AUDIT, h_audit_export, "audit_export", "The app's audit log as JSON lines (application/x-ndjson), oldest first", "audit", NULL, 200),
    INS("GET", "/api/v1/audit", PERM_INSTANCE_ADMIN, h_audit_list_all, "audit_list_all", "The whole audit log (instance events and every app), newest first", "audit", NULL, 200),
    INS("GET", "/api/v1/audit/export", PERM_INSTANCE_ADMIN, h_audit_export_all, "audit_export_all", "The whole audit log as JSON lines (application/x-ndjson), oldest first", "audit", NULL, 200),
};
const size_t srv_route_count = sizeof srv_routes / sizeof *srv_routes;

size_t route_index(const route *rt) { return rt ? (size_t)(rt - srv_routes) : srv_route_count; }

/* ---- matching ------------------------------------------------------------------ */

/* Match "/a/{x}/b" against "/a/123/b"; fills names and values (malloc'd). */
static bool match(const char *pat, const char *path, char names[][24], char **vals) {
    int np = 0;
    const char *p = pat, *u = path;
    while (*p && *u) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *ue = strchr(u, '/');
            if (!ue) ue = u + strlen(u);
            if (ue == u || np >= ROUTE_MAX_PARAMS) goto no;
            vals[np] = strndup(u, (size_t)(ue - u));
            size_t nl = (size_t)(pe - p - 1);
            if (nl >= 24) nl = 23;
            memcpy(names[np], p + 1, nl);
            names[np][nl] = 0;
            np++;
            p = pe + 1;
            u = ue;
            continue;
        }
        if (*p != *u) goto no;
        p++, u++;
    }
    if (!*p && !*u) return true;
no:
    for (int i = 0; i < np; i++) free(vals[i]), vals[i] = NULL;
    return false;
}

static void too_many(srv_req *r, int64_t retry_s, const char *what) {
    char ra[32];
    snprintf(ra, sizeof ra, "%lld", (long long)(retry_s > 0 ? retry_s : 1));
    srv_problem(r, 429, "rate_limited", "too many requests from this %s; retry after %s s", what, ra);
    srv_header_add(r, "Retry-After", ra);
}

static perm_set instance_perms(const principal *p) {
    if (p->kind == PRINCIPAL_API_KEY || !p->instance_admin) return 0;
    perm_set have = perm_expand(PERM_BIT(PERM_INSTANCE_ADMIN));
    return p->kind == PRINCIPAL_PAT ? have & perm_expand(p->scopes) : have;
}

static void dispatch(srv_req *r) {
    server *s = r->srv;
    const route *rt = NULL;
    bool path_known = false;
    char allow[64] = "";
    for (size_t i = 0; i < srv_route_count && !rt; i++) {
        char names[ROUTE_MAX_PARAMS][24] = {{0}};
        char *vals[ROUTE_MAX_PARAMS] = {0};
        if (!match(srv_routes[i].path, r->path, names, vals)) continue;
        path_known = true;
        if (strcmp(srv_routes[i].method, r->method) != 0) {
            for (int k = 0; k < ROUTE_MAX_PARAMS; k++) free(vals[k]);
            size_t al = strlen(allow);
            snprintf(allow + al, sizeof allow - al, "%s%s", al ? ", " : "", srv_routes[i].method);
            continue;
        }
        rt = &srv_routes[i];
        memcpy(r->param_names, names, sizeof names);
        memcpy(r->params, vals, sizeof vals);
    }
    int64_t retry = 0, now = now_us();
    if (!ratelimit_take(s->rate_ip, r->ip, now, &retry)) return too_many(r, retry, "address");
    if (!rt) {
        if (path_known) {
            srv_header_add(r, "Allow", allow);
            srv_problem(r, 405, "method_not_allowed", "%s is not allowed on this path", r->method);
        }
        else if (!static_try(r)) srv_problem(r, 404, "not_found", "no such endpoint");  /* r_static.c: the editor */
        return;
    }
    r->route = rt;
    if (atomic_load(&s->stopping) && rt->scope != SCOPE_PUBLIC) {
        srv_header_add(r, "Retry-After", "5");
        return srv_problem(r, 503, "stopping", "the server is shutting down");
    }
    authn_resolve(r);
    if (r->status) return;  /* a presented credential was refused */
    if (rt->scope == SCOPE_PUBLIC) return rt->handler(r);
    if (r->who.kind == PRINCIPAL_NONE) {
        srv_header_add(r, "WWW-Authenticate", "Bearer");
        return srv_problem(r, 401, "unauthenticated", "a credential is required");
    }
    if (!ratelimit_take(s->rate_cred, r->who.cred_id, now, &retry)) return too_many(r, retry, "credential");
    if (r->who.kind == PRINCIPAL_SESSION && strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        const char *csrf = srv_header(r, "X-CSRF-Token");
        if (!csrf || !auth_ct_streq(csrf, r->who.csrf))
            return srv_problem(r, 403, "csrf", "state-changing requests of a session need its X-CSRF-Token header");
    }
    /* An API key belongs to its app: of the other routes it may only list that app. */
    if (rt->scope == SCOPE_USER && r->who.kind == PRINCIPAL_API_KEY && rt->handler != h_apps_list)
        return srv_problem(r, 403, "forbidden", "an API key acts only in its own app");
    if (rt->scope == SCOPE_INSTANCE && !perm_allows(instance_perms(&r->who), rt->perm))
        return srv_problem(r, 403, "forbidden", "this needs the instance permission %s", perm_name(rt->perm));
    if (rt->scope == SCOPE_APP) {
        const char *app = srv_param(r, "app");
        perm_set have = 0;
        if (!id_valid("app", app) || authn_app_perms(r, app, &have) != 0) {
            if (r->status) return;
            return srv_problem(r, 403, "forbidden", "this needs the permission %s in this app", perm_name(rt->perm));
        }
        r->app_id = app;
        r->app_perms = have;
        if (!perm_allows(have, rt->perm))
            return srv_problem(r, 403, "forbidden", "this needs the permission %s in this app", perm_name(rt->perm));
    }
    rt->handler(r);
}

/* Every 403, the router's or a handler's (escalation, csrf, …), is an audit
 * row "access.denied" (audit.h). */
/* Whether a request may have changed what the cache holds (credentials,
 * users, members, roles, apps, boards, events): every request but reads and
 * the few that only start or stop runs. A new route invalidates by default;
 * the one GET that changes them is the sign-in callback (a new user, roles
 * mapped from the provider's groups). */
static bool may_change_cached(const srv_req *r) {
    const route *rt = r->route;
    if (rt && rt->handler == h_oidc_callback) return true;
    if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) return false;
    return !rt || (rt->handler != h_webhook && rt->handler != h_event_fire && rt->handler != h_run_start &&
                   rt->handler != h_run_rerun && rt->handler != h_run_cancel);
}

void routes_dispatch(srv_req *r) {
    dispatch(r);
    /* After the change is committed, before anyone is answered (cache.h). */
    if (may_change_cached(r)) cache_invalidate(r->srv->cache);
    if (r->status == 403) audit_denied(r);
}

/* ---- OpenAPI --------------------------------------------------------------------- */

json_t *routes_openapi(void) {
    json_t *paths = json_object();
    for (size_t i = 0; i < srv_route_count; i++) {
        const route *rt = &srv_routes[i];
        json_t *item = json_object_get(paths, rt->path);
        if (!item) json_object_set_new(paths, rt->path, item = json_object());
        char method[8];
        size_t ml = strlen(rt->method);
        for (size_t k = 0; k <= ml && k < sizeof method; k++) method[k] = (char)(rt->method[k] | (rt->method[k] ? 0x20 : 0));
        json_t *op = json_pack("{s:s, s:s, s:[s]}", "operationId", rt->op_id, "summary", rt->summary, "tags", rt->tag);
        const char *permname = rt->scope == SCOPE_PUBLIC ? "none" : rt->scope == SCOPE_USER ? "authenticated" : perm_name(rt->perm);
        json_object_set_new(op, "x-required-permission", json_string(permname));
        json_object_set_new(op, "x-permission-scope", json_string(rt->scope == SCOPE_APP ? "app" : rt->scope == SCOPE_INSTANCE ? "instance" : rt->scope == SCOPE_USER ? "user" : "public"));
        json_t *params = json_array();
        for (const char *p = strchr(rt->path, '{'); p; p = strchr(p + 1, '{')) {
            const char *e = strchr(p, '}');
            json_array_append_new(params, json_pack("{s:s%, s:s, s:b, s:{s:s}}", "name", p + 1, (size_t)(e - p - 1), "in", "path",
                                                    "required", 1, "schema", "type", "string"));
        }
        if (json_array_size(params)) json_object_set_new(op, "parameters", params);
        else json_decref(params);
        if (rt->body_schema) {
            json_t *schema = json_loads(rt->body_schema, 0, NULL);
            json_object_set_new(op, "requestBody", json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content",
                                                             "application/json", "schema", schema ? schema : json_object()));
        }
        char ok[8];
        snprintf(ok, sizeof ok, "%d", rt->ok_status);
        json_t *resp = json_object();
        json_object_set_new(resp, ok, json_pack("{s:s}", "description", "success"));
        json_t *problem = json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", "an error", "content", "application/problem+json", "schema", "$ref", "#/components/schemas/Problem");
        json_object_set_new(resp, "default", problem);
        if (rt->scope != SCOPE_PUBLIC) {
            json_object_set_new(resp, "401", json_pack("{s:s}", "description", "no valid credential"));
            json_object_set_new(resp, "403", json_pack("{s:s}", "description", "the credential lacks the permission"));
        }
        json_object_set_new(op, "responses", resp);
        if (rt->scope == SCOPE_PUBLIC) json_object_set_new(op, "security", json_array());
        json_object_set_new(item, method, op);
    }
    json_t *doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:o}", "openapi", "3.1.0", "info", "title", "weir API", "version", "1",
                            "description", "Every operation names the permission it needs in x-required-permission.",
                            "paths", paths);
    json_object_set_new(doc, "components", json_pack(
        "{s:{s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}}}, s:{s:{s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}}}",
        "schemas", "Problem", "type", "object", "properties", "type", "type", "string", "title", "type", "string",
        "status", "type", "integer", "detail", "type", "string", "code", "type", "string",
        "securitySchemes", "bearer", "type", "http", "scheme", "bearer",
        "session", "type", "apiKey", "in", "cookie", "name", "weir_session",
        "apiKeyHeader", "type", "apiKey", "in", "header", "name", "Authorization"));
    json_object_set_new(doc, "security", json_pack("[{s:[]}, {s:[]}]", "bearer", "session"));
    return doc;
}
