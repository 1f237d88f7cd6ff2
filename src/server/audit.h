/* audit.h — the audit log: who did what, on which app and object, when, from
 * where, and with what outcome. docs/server.md ("Audit log") is the
 * user-facing copy of this comment.
 *
 * One row per event in the store's `audit` table. The API only appends:
 * no route changes or deletes a row; the server's housekeeper removes rows
 * older than audit_retention_days (0 keeps them all).
 *
 * Who: actor_kind is "user" (a browser session), "token" (a personal access
 * token), "key" (an app API key), "anonymous" (no valid credential: failed
 * sign-ins), "system" (the server itself) or "operator" (the weir CLI working
 * on the data directory). actor_id is the user for sessions and tokens, the
 * key for keys; credential_id the session, token or key id (never a secret).
 *
 * Never in a row: a password, a token, a key, a secret value, a request body.
 * Callers pass names and ids only; `detail` is a small JSON object of them.
 *
 * An audit row is written after the change it records has been committed,
 * outside its transaction: a row that cannot be written is logged as an
 * error and the change stands. */
#ifndef WEIR_SRV_AUDIT_H
#define WEIR_SRV_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "server/srv.h"

#define AUDIT_PAGE_DEFAULT    50     /* GET …/audit rows per page */
#define AUDIT_PAGE_MAX        200
#define AUDIT_EXPORT_MAX_ROWS 50000  /* rows per GET …/audit/export; then a truncation line */

#define AUDIT_OK     "ok"
#define AUDIT_DENIED "denied"  /* refused for lack of a right (403) */
#define AUDIT_FAILED "failed"  /* attempted and failed (a wrong password) */

typedef struct audit_entry {
    const char *actor_kind;     /* see above */
    const char *actor_id;       /* may be NULL */
    const char *credential_id;  /* may be NULL */
    const char *app_id;         /* NULL: an instance-level event */
    const char *action;         /* "board.save", "member.add", … (docs/server.md) */
    const char *target;         /* the object acted on (an id or a name), or NULL */
    const char *ip;             /* the client address, or NULL */
    const char *outcome;        /* AUDIT_OK, AUDIT_DENIED, AUDIT_FAILED */
    json_t *detail;             /* stolen, may be NULL; names and ids only */
} audit_entry;

/* Append one row. Errors are logged (never fatal). */
void audit_write(db *d, audit_entry *e);

/* Append a row for the caller of request r: actor from r->who, app r->app_id,
 * ip r->ip. detail is stolen. */
void audit_record(srv_req *r, const char *action, const char *target, const char *outcome, json_t *detail);
/* The same with another app (app create, refusals before r->app_id is set). */
void audit_record_app(srv_req *r, const char *app_id, const char *action, const char *target, const char *outcome, json_t *detail);

/* The router's record of a 403 answer: action "access.denied", detail the
 * operation, the problem code and the permission the route needs. */
void audit_denied(srv_req *r);

/* Delete up to `batch` rows made before before_us (ids begin with their
 * time, so this walks the primary key). Rows deleted, or <0. */
int64_t audit_prune(db *d, int64_t before_us, int batch, db_err *err);

/* "aud_" and the 16 hex digits of t: every audit id made at or after t
 * compares >= this text, every one made before it < (ids.h). */
void audit_id_bound(int64_t t_us, char out[ID_MAX]);

#endif
