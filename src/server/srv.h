/* srv.h — the server's shared internals: the server object, one request, the
 * route table, and the helpers every resource file (r_*.c) uses.
 *
 * A request passes through http.c (read, limits, rate limits), authn.c (who is
 * calling), routes.c (which operation, which permission), then one handler.
 * Handlers never answer on their own: they fill the response fields of
 * srv_req through srv_json / srv_problem, and http.c sends it. */
#ifndef WEIR_SRV_H
#define WEIR_SRV_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/keys.h"
#include "auth/ratelimit.h"
#include "auth/rbac.h"
#include "base/ids.h"
#include "server/config.h"
#include "store/db.h"

struct MHD_Connection;
struct MHD_Daemon;
typedef struct server server;
typedef struct srv_req srv_req;
typedef struct catalog catalog;

#define SESSION_COOKIE "weir_session"
/* Refused bearer credentials from one address: past this budget the address
 * gets 429 for every credentialed request until it refills (guessing a
 * 256-bit token is hopeless anyway; this keeps the attempts cheap and rare). */
#define BAD_CRED_PER_S 10.0
#define BAD_CRED_BURST 100.0

/* ---- who is calling ------------------------------------------------------ */

typedef enum principal_kind { PRINCIPAL_NONE, PRINCIPAL_SESSION, PRINCIPAL_PAT, PRINCIPAL_API_KEY,
                              PRINCIPAL_OIDC /* an identity provider's access token (r_oidc.c): a user's rights, no CSRF */ } principal_kind;

typedef struct principal {
    principal_kind kind;
    char user_id[ID_MAX];     /* sessions and PATs */
    char cred_id[ID_MAX];     /* session, token or key id (never the secret) */
    char key_app[ID_MAX];     /* API keys: the one app they are bound to */
    perm_set key_perms;       /* API keys: their role's permissions */
    perm_set scopes;          /* PATs: their scopes; sessions: everything */
    bool instance_admin;
    char csrf[96];            /* sessions: the token state-changing requests must echo */
} principal;

/* "user:ID", "token:ID", "key:ID" or "anonymous", for created_by and logs. */
void principal_actor(const principal *p, char *out, size_t n);
/* A user's rights in an app where their role holds `role` (as stored):
 * perm_expand(role), narrowed by a PAT's scopes (rbac_effective). */
perm_set principal_app_rights(const principal *p, perm_set role);

/* ---- routes ---------------------------------------------------------------- */

typedef enum route_scope {
    SCOPE_PUBLIC,     /* no credential (health, login, the OpenAPI document) */
    SCOPE_USER,       /* any signed-in caller; the handler decides further */
    SCOPE_INSTANCE,   /* an instance permission (perm) */
    SCOPE_APP,        /* an app permission (perm) in the app of path parameter {app} */
} route_scope;

#define ROUTE_MAX_PARAMS 4

typedef struct route {
    const char *method;
    const char *path;          /* "/api/v1/apps/{app}/boards/{board}" */
    route_scope scope;
    perm perm;                 /* SCOPE_INSTANCE / SCOPE_APP */
    void (*handler)(srv_req *r);
    const char *op_id;         /* OpenAPI operationId */
    const char *summary;
    const char *tag;
    const char *body_schema;   /* JSON Schema of the request body as JSON text, or NULL */
    int ok_status;             /* the success status documented */
} route;

extern const route srv_routes[];
extern const size_t srv_route_count;

/* ---- one request ------------------------------------------------------------ */

#define SRV_MAX_RESP_HEADERS 8

struct srv_req {
    server *srv;
    struct MHD_Connection *conn;
    const char *method, *path;
    char *body;                /* NUL-terminated, body_len bytes */
    size_t body_len;
    bool body_too_big;
    const route *route;
    char param_names[ROUTE_MAX_PARAMS][24];
    char *params[ROUTE_MAX_PARAMS];
    char ip[64];
    principal who;
    const char *app_id;        /* SCOPE_APP routes: the {app} parameter, checked */
    perm_set app_perms;        /* the caller's effective rights in that app */
    int64_t started_us;

    /* response */
    unsigned status;
    char *resp;                /* owned */
    size_t resp_len;
    const char *ctype;
    const char *hdr_name[SRV_MAX_RESP_HEADERS];
    char *hdr_value[SRV_MAX_RESP_HEADERS];
    int nhdr;

    /* deferred answers (a webhook waiting for its run; an SSE stream) */
    struct srv_stream *stream;
    bool deferred_pending;     /* the handler will answer later (srv_deferred_ready) */
    bool suspended;
    bool deferred_ready;
    pthread_mutex_t mu;
};

const char *srv_param(const srv_req *r, const char *name);
/* The query parameter, or NULL. */
const char *srv_query(const srv_req *r, const char *name);
const char *srv_header(const srv_req *r, const char *name);
/* Parse the body as a JSON object; on failure answers 400/415 and returns NULL. */
json_t *srv_body_json(srv_req *r);

/* Answer with JSON (takes ownership of body). */
void srv_json(srv_req *r, unsigned status, json_t *body);
/* Answer with JSON already written as text (takes ownership of text). */
void srv_json_text(srv_req *r, unsigned status, char *text);
/* Answer with application/problem+json: {type, title, status, detail, code}. */
void srv_problem(srv_req *r, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void srv_header_add(srv_req *r, const char *name, const char *value);
/* A store failure: logs the cause, answers 500 without internals (or 409 for
 * DB_CONFLICT with conflict_msg). Returns true when rc was an error. */
bool srv_db_failed(srv_req *r, int rc, const db_err *e, const char *conflict_msg);
/* The rows of sql run with one text parameter ($1 = arg); NULL when the store
 * failed (answered by srv_db_failed). */
db_rows *srv_rows(srv_req *r, const char *sql, const char *arg);
/* Answer 200 {"items", "next_cursor"} with item() of each row of a page of at
 * most `limit`, read as limit + 1 rows: a row past the page means there is
 * more, and next_cursor is the id (column 0) of the page's last row, else
 * null. Frees rows. */
void srv_json_page(srv_req *r, db_rows *rows, size_t limit, json_t *(*item)(const db_rows *rows, size_t i));
/* Whether the caller holds p in the request's app (SCOPE_APP routes). */
bool srv_can(const srv_req *r, perm p);

/* ---- the server ------------------------------------------------------------- */

typedef struct srv_metrics srv_metrics;
typedef struct executor executor;
typedef struct sse_hub sse_hub;

struct server {
    srv_config cfg;
    db *db;
    auth_keys keys;
    catalog *cat;
    struct MHD_Daemon *daemon;
    int listen_fd;             /* http.c: its listener accepts, libmicrohttpd serves */
    pthread_t listener;
    bool listener_started;
    char worker_id[ID_MAX];
    ratelimit *rate_ip, *rate_cred;
    ratelimit *bad_cred;   /* refused bearer credentials per address (authn.c) */
    struct auth_backoff *login_backoff;
    executor *exec;
    sse_hub *hub;
    srv_metrics *metrics;
    struct srv_cache *cache;   /* cache.h: credentials, roles, events (SQLite only) */
    atomic_bool stopping;
    _Atomic int64_t queued_in_store;   /* runs queued in the store, refreshed each second */
    atomic_bool ready;
    bool tls;
    int lock_fd;
    pthread_t housekeeper;
    bool housekeeper_started;
    pthread_mutex_t hk_mu;
    pthread_cond_t hk_cv;
};

/* Data directory (0700), key file, store with migrations applied. */
int srv_open_data(const srv_config *cfg, db **d, auth_keys *keys, bool *key_created, char *err, size_t errlen);
/* Start everything (store, migrations, recovery, executor, HTTP). */
int srv_start(server *s, char *err, size_t errlen);
/* Stop accepting, finish or interrupt runs, close everything. */
void srv_stop(server *s);

/* Mark the calling thread (and threads it creates from now on) as batch
 * work (SCHED_BATCH): when woken, it does not preempt a running thread. The
 * HTTP and run threads are; the store's writer is not, so a request's wake-up
 * does not interrupt the one thread every webhook run waits on (~-10 % CPU
 * per request in the load benchmark). Returns the previous policy. */
int srv_sched_batch(void);
void srv_sched_restore(int policy);

/* Structured JSON log line on stderr: {"ts", "level", "msg", …fields}. */
typedef enum { SLOG_ERROR, SLOG_WARN, SLOG_INFO, SLOG_DEBUG } log_level;
void srv_log_set_level(const char *name);
void srv_log(log_level lv, const char *msg, json_t *fields /* stolen, may be NULL */);

/* authn.c */
void authn_resolve(srv_req *r);                  /* fills r->who from the credential, or NONE */
int authn_app_perms(srv_req *r, const char *app_id, perm_set *out); /* membership ∩ scopes */
/* Begin a transaction holding the app's lock (an UPDATE of its row) and read
 * the caller's rights in r->app_id again inside it, so a check and the writes
 * after it see one state (r_members.c, r_keys.c). NULL when answered: a store
 * error, no such app (404), no longer a member (403). */
db_tx *authn_begin_locked(srv_req *r, perm_set *actor);
/* r_oidc.c: a Bearer value shaped like a JWT, checked against the identity
 * providers that accept access tokens; fills r->who or answers 401. */
void authn_oidc_bearer(srv_req *r, const char *token);
/* r_auth.c: a new session for user_id (row + HttpOnly cookie); its CSRF token
 * into csrf_out (AUTH_TOKEN_MAX bytes) when not NULL. 0, or -1 having answered. */
int session_start(srv_req *r, const char *user_id, char *csrf_out);

/* names users choose for events, secrets, roles: [A-Za-z0-9_.-], 1..64, no leading '.' */
bool srv_name_ok(const char *s);

#endif
