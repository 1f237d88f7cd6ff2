/* r_audit.c — reading the audit log (audit.h): a page at a time, newest
 * first (GET …/audit), or everything that matches as JSON lines, oldest first
 * (GET …/audit/export). The app routes need read_audit and see their app's
 * rows; the instance routes (/api/v1/audit…) need instance_admin and see
 * every row, instance-level events (sign-ins, users) included.
 *
 * There is no route that changes or deletes a row. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "server/audit.h"
#include "server/routes.h"

#define AUDIT_COLS "id, at, actor_kind, actor_id, credential_id, action, app_id, target, ip, outcome, detail"
#define Q_MAX_PARAMS 12

typedef struct audit_query {
    char sql[1536];
    size_t len;
    db_val p[Q_MAX_PARAMS];
    char bounds[2][ID_MAX];   /* since / until as id bounds */
    char like[80];            /* an action prefix as a LIKE pattern */
    int n;
} audit_query;

static void q_add(audit_query *q, const char *text) {
    size_t l = strlen(text);
    if (q->len + l < sizeof q->sql) memcpy(q->sql + q->len, text, l + 1), q->len += l;
}

/* Append " AND <cond>" with its one parameter, written $? in cond (every
 * $? names the same parameter). */
static void q_cond(audit_query *q, const char *cond, db_val v) {
    if (q->n >= Q_MAX_PARAMS) return;
    q->p[q->n++] = v;
    char num[16], piece[256];
    snprintf(num, sizeof num, "$%d", q->n);
    q_add(q, " AND ");
    for (const char *c = cond; *c;) {
        const char *m = strstr(c, "$?");
        if (!m) { q_add(q, c); break; }
        snprintf(piece, sizeof piece, "%.*s", (int)(m - c), c);
        q_add(q, piece);
        q_add(q, num);
        c = m + 2;
    }
}

static bool parse_time(const char *s, int64_t *out) {
    if (!s) return true;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 0) return false;
    *out = v;
    return true;
}

/* action: an exact name ("board.save") or a prefix ending ".*" ("member.*"). */
static bool action_ok(const char *s) {
    size_t n = strlen(s);
    if (!n || n > 64) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool last_star = i == n - 1 && c == '*' && n >= 3 && s[n - 2] == '.';
        if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '_' || c == '.' || last_star)) return false;
    }
    return true;
}

/* The query's filters from the request, after "WHERE <scope>": false when
 * answered (400). */
static bool filters(srv_req *r, audit_query *q) {
    const char *action = srv_query(r, "action"), *actor = srv_query(r, "actor"), *outcome = srv_query(r, "outcome");
    const char *target = srv_query(r, "target");
    int64_t since = -1, until = -1;
    if (!parse_time(srv_query(r, "since"), &since) || !parse_time(srv_query(r, "until"), &until)) {
        srv_problem(r, 400, "bad_time", "since / until: microseconds since the Unix epoch");
        return false;
    }
    if (action && !action_ok(action)) {
        srv_problem(r, 400, "bad_action", "action: an action name (board.save) or a prefix ending in .* (member.*)");
        return false;
    }
    if (outcome && strcmp(outcome, AUDIT_OK) && strcmp(outcome, AUDIT_DENIED) && strcmp(outcome, AUDIT_FAILED)) {
        srv_problem(r, 400, "bad_outcome", "outcome: ok, denied or failed");
        return false;
    }
    if ((actor && strlen(actor) > 64) || (target && strlen(target) > 256)) {
        srv_problem(r, 400, "bad_filter", "actor: at most 64 bytes; target: at most 256");
        return false;
    }
    if (action) {
        size_t n = strlen(action);
        if (action[n - 1] == '*') {
            /* "member.*" → LIKE 'member.%' with _ escaped */
            size_t j = 0;
            for (size_t i = 0; i + 1 < n && j + 3 < sizeof q->like; i++) {
                if (action[i] == '_') q->like[j++] = '\\';
                q->like[j++] = action[i];
            }
            q->like[j++] = '%';
            q->like[j] = 0;
            q_cond(q, "action LIKE $? ESCAPE '\\'", DB_TEXT(q->like));
        } else {
            q_cond(q, "action = $?", DB_TEXT(action));
        }
    }
    if (actor) q_cond(q, "(actor_id = $? OR credential_id = $?)", DB_TEXT(actor));
    if (outcome) q_cond(q, "outcome = $?", DB_TEXT(outcome));
    if (target) q_cond(q, "target = $?", DB_TEXT(target));
    if (since >= 0) {
        audit_id_bound(since, q->bounds[0]);
        q_cond(q, "id >= $?", DB_TEXT(q->bounds[0]));
    }
    if (until >= 0) {
        audit_id_bound(until, q->bounds[1]);
        q_cond(q, "id < $?", DB_TEXT(q->bounds[1]));
    }
    return true;
}

/* The WHERE clause's start: this app, or (instance routes) every row, or one
 * app's (app=ID), or the instance-level ones (app=none). */
static bool scope(srv_req *r, audit_query *q) {
    q_add(q, "SELECT " AUDIT_COLS " FROM audit WHERE 1 = 1");
    if (r->app_id) {
        q_cond(q, "app_id = $?", DB_TEXT(r->app_id));
        return true;
    }
    const char *app = srv_query(r, "app");
    if (!app) return true;
    if (!strcmp(app, "none")) { q_add(q, " AND app_id IS NULL"); return true; }
    if (!id_valid("app", app)) { srv_problem(r, 400, "bad_app", "app: an app id, or none for instance-level events"); return false; }
    q_cond(q, "app_id = $?", DB_TEXT(app));
    return true;
}

static json_t *text_or_null(const db_rows *rows, size_t i, size_t c) {
    const char *t = db_rows_text(rows, i, c);
    return t ? json_string(t) : json_null();
}

static json_t *row_json(const db_rows *rows, size_t i) {
    json_t *o = json_object();
    static const char *const names[] = {"id", "at", "actor_kind", "actor_id", "credential_id", "action", "app_id", "target", "ip", "outcome"};
    for (size_t c = 0; c < sizeof names / sizeof *names; c++)
        json_object_set_new(o, names[c], c == 1 ? json_integer(db_rows_int(rows, i, 1)) : text_or_null(rows, i, c));
    const char *d = db_rows_text(rows, i, 10);
    json_t *dj = d ? json_loads(d, 0, NULL) : NULL;
    json_object_set_new(o, "detail", dj ? dj : json_null());
    return o;
}

static bool parse_limit(srv_req *r, long *limit) {
    const char *lim = srv_query(r, "limit");
    *limit = AUDIT_PAGE_DEFAULT;
    if (!lim) return true;
    char *end;
    *limit = strtol(lim, &end, 10);
    if (!*lim || *end || *limit < 1 || *limit > AUDIT_PAGE_MAX) {
        srv_problem(r, 400, "bad_limit", "limit: 1 to %d", AUDIT_PAGE_MAX);
        return false;
    }
    return true;
}

/* The rows the request's scope and filters select, past `from` (cond, e.g.
 * "id < $?", when from is set), in `order`, at most `max`; NULL when answered. */
static db_rows *audit_rows(srv_req *r, const char *cond, const char *from, const char *order, long max) {
    audit_query q = {.n = 0};
    if (!scope(r, &q) || !filters(r, &q)) return NULL;
    if (from) q_cond(&q, cond, DB_TEXT(from));
    char tail[64];
    snprintf(tail, sizeof tail, " ORDER BY %s LIMIT %ld", order, max);
    q_add(&q, tail);
    db_rows *rows = NULL;
    db_err e;
    if (srv_db_failed(r, db_exec(r->srv->db, q.sql, q.p, q.n, &rows, &e), &e, NULL)) return NULL;
    return rows;
}

static void audit_list(srv_req *r) {
    long limit;
    const char *cursor = srv_query(r, "cursor");
    if (!parse_limit(r, &limit)) return;
    if (cursor && !id_valid("aud", cursor)) return srv_problem(r, 400, "bad_cursor", "cursor: an audit id from next_cursor");
    db_rows *rows = audit_rows(r, "id < $?", cursor, "id DESC", limit + 1);
    if (rows) srv_json_page(r, rows, (size_t)limit, row_json);
}

typedef struct buf { char *p; size_t len, cap; bool oom; } buf;

static void buf_line(buf *b, json_t *o) {
    char *t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    size_t l = t ? strlen(t) : 0;
    if (!t || b->oom) { free(t); b->oom = true; return; }
    if (b->len + l + 2 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 65536;
        while (nc < b->len + l + 2) nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np) { free(t); b->oom = true; return; }
        b->p = np, b->cap = nc;
    }
    memcpy(b->p + b->len, t, l);
    b->len += l;
    b->p[b->len++] = '\n';
    b->p[b->len] = 0;
    free(t);
}

/* JSON lines, oldest first, at most AUDIT_EXPORT_MAX_ROWS; when more match,
 * a last line {"truncated": true, …, "next_after"} says where to go on. */
static void audit_export(srv_req *r) {
    const char *after = srv_query(r, "after");
    if (after && !id_valid("aud", after)) return srv_problem(r, 400, "bad_after", "after: an audit id (next_after of a truncated export)");
    db_rows *rows = audit_rows(r, "id > $?", after, "id", AUDIT_EXPORT_MAX_ROWS + 1);
    if (!rows) return;
    size_t n = db_rows_count(rows);
    buf b = {0};
    for (size_t i = 0; i < n && i < AUDIT_EXPORT_MAX_ROWS; i++) buf_line(&b, row_json(rows, i));
    bool truncated = n > AUDIT_EXPORT_MAX_ROWS;
    if (truncated) {
        buf_line(&b, json_pack("{s:b, s:i, s:s, s:s}", "truncated", 1, "max_rows", AUDIT_EXPORT_MAX_ROWS,
                               "next_after", db_rows_text(rows, AUDIT_EXPORT_MAX_ROWS - 1, 0),
                               "detail", "the export stops at max_rows rows; ask again with after=next_after for the rest"));
        srv_header_add(r, "X-Weir-Truncated", "true");
    }
    db_rows_free(rows);
    if (b.oom) {
        free(b.p);
        return srv_problem(r, 500, "internal", "out of memory");
    }
    free(r->resp);
    r->resp = b.p;
    r->resp_len = b.len;
    r->status = 200;
    r->ctype = "application/x-ndjson";
}

HANDLER(h_audit_list) { audit_list(r); }
HANDLER(h_audit_export) { audit_export(r); }
HANDLER(h_audit_list_all) { audit_list(r); }
HANDLER(h_audit_export_all) { audit_export(r); }
