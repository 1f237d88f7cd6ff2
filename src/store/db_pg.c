/* db_pg.c — the PostgreSQL backend of db.h, on libpq.
 *
 * A pool of connections, opened as needed (the first one at db_open, so a bad
 * URL fails there). Statements go out with PQexecParams: integers typed int8,
 * text (a NULL one too) typed text, DB_NULL left for the server to type from
 * where it is used, so it fits a BIGINT column; results
 * come back as text. Every session runs READ COMMITTED, which queue.c's claim
 * relies on.
 *
 * A connection the server has dropped while it sat idle in the pool (a
 * restart, idle timeout) is noticed before the next statement is sent and
 * reset (PQreset). A connection lost while a statement was in flight is reset
 * for the next user, but the statement is retried only when that is safe: a
 * SELECT outside a transaction. A write may have been applied before the
 * connection broke, and a transaction's earlier statements are gone with it. */
#include "store/db_internal.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PG_CONNECT_TIMEOUT_S "10"  /* default connect_timeout; the URL's own wins */
#define PG_OID_INT8 20
#define PG_OID_TEXT 25
#define PG_INLINE_PARAMS 16        /* parameters formatted without malloc */

typedef struct pconn {
    PGconn *c;     /* NULL until first needed */
    bool busy;
    bool doomed;   /* the server sent FATAL: it is closing this connection */
} pconn;

typedef struct pgdb {
    struct db base;
    char *url;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pconn *conns;
    int n;
} pgdb;

typedef struct ptx {
    struct db_tx base;
    pconn *pc;
} ptx;

static const db_ops pg_ops;

/* Copy a libpq message into err: first line only, with a prefix. */
static int pg_fail(db_err *err, int code, const char *prefix, const char *msg) {
    if (!msg || !*msg) msg = "unknown error";
    size_t len = strcspn(msg, "\n");
    return db_fail(err, code, "postgres: %s%.*s", prefix, (int)(len > 200 ? 200 : len), msg);
}

/* Notices are not printed. A FATAL one arrives when the server ends the
 * session (shutdown, pg_terminate_backend) just before it closes the socket. */
static void on_notice(void *arg, const PGresult *res) {
    pconn *pc = arg;
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0)) pc->doomed = true;
}

/* Session settings every connection needs, after connect and after reset. */
static int setup_session(pconn *pc, db_err *err) {
    PGconn *c = pc->c;
    pc->doomed = false;
    PQsetNoticeReceiver(c, on_notice, pc);
    PGresult *res = PQexec(c, "SET default_transaction_isolation = 'read committed'");
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) rc = pg_fail(err, DB_ERROR, "session setup: ", PQerrorMessage(c));
    PQclear(res);
    return rc;
}

static int pg_connect(pgdb *p, pconn *pc, db_err *err) {
    /* Keywords apply in order and the URL (dbname) comes last, so anything
     * it sets overrides these defaults. */
    const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
    const char *vals[] = {PG_CONNECT_TIMEOUT_S, "weir", p->url, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c) return db_fail(err, DB_ERROR, "postgres: out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
        /* libpq's message names host and user, never the password. */
        int rc = pg_fail(err, DB_ERROR, "connecting: ", PQerrorMessage(c));
        PQfinish(c);
        return rc;
    }
    pc->c = c;
    int rc = setup_session(pc, err);
    if (rc) {
        PQfinish(c);
        pc->c = NULL;
    }
    return rc;
}

/* Make sure pc has a working connection before a statement or BEGIN is sent:
 * connect it, or reset it if the server hung up while it was idle. */
static int make_ready(pgdb *p, pconn *pc, db_err *err) {
    if (!pc->c) return pg_connect(p, pc, err);
    /* Readable while idle: a FATAL message then EOF, or a stray notice.
     * Read and parse (so on_notice sees a FATAL) until nothing is left. */
    for (int i = 0; i < 8 && PQstatus(pc->c) == CONNECTION_OK; i++) {
        struct pollfd fd = {.fd = PQsocket(pc->c), .events = POLLIN};
        if (fd.fd < 0 || poll(&fd, 1, 0) <= 0) break;
        if (!PQconsumeInput(pc->c)) break;
        PQisBusy(pc->c);
    }
    if (PQstatus(pc->c) == CONNECTION_OK && PQtransactionStatus(pc->c) == PQTRANS_IDLE && !pc->doomed) return 0;
    PQreset(pc->c);
    if (PQstatus(pc->c) != CONNECTION_OK) return pg_fail(err, DB_ERROR, "reconnecting: ", PQerrorMessage(pc->c));
    return setup_session(pc, err);
}

static int acquire(pgdb *p, pconn **out, db_err *err) {
    struct timespec ts;
    db_deadline(&ts, DB_ACQUIRE_TIMEOUT_MS);
    pthread_mutex_lock(&p->mu);
    pconn *pc = NULL;
    for (;;) {
        /* Prefer a connected slot; open a new connection only if none is free. */
        for (int i = 0; i < p->n && !pc; i++)
            if (!p->conns[i].busy && p->conns[i].c) pc = &p->conns[i];
        for (int i = 0; i < p->n && !pc; i++)
            if (!p->conns[i].busy) pc = &p->conns[i];
        if (pc) break;
        if (pthread_cond_timedwait(&p->cv, &p->mu, &ts) == ETIMEDOUT) {
            pthread_mutex_unlock(&p->mu);
            return db_fail(err, DB_BUSY, "postgres: no free connection within %d ms", DB_ACQUIRE_TIMEOUT_MS);
        }
    }
    pc->busy = true;
    pthread_mutex_unlock(&p->mu);
    int rc = make_ready(p, pc, err);
    if (rc) {
        pthread_mutex_lock(&p->mu);
        pc->busy = false;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        return rc;
    }
    *out = pc;
    return 0;
}

static void release(pgdb *p, pconn *pc) {
    /* Never hand on a connection inside a transaction (a caller that lost
     * track of one); a broken one is reset by the next make_ready. */
    if (pc->c && PQstatus(pc->c) == CONNECTION_OK && PQtransactionStatus(pc->c) != PQTRANS_IDLE)
        PQclear(PQexec(pc->c, "ROLLBACK"));
    pthread_mutex_lock(&p->mu);
    pc->busy = false;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* ---- statements ------------------------------------------------------- */

/* Whether sql is a SELECT, so re-sending it after a lost connection is safe. */
static bool is_select(const char *sql) {
    while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r' || *sql == '(') sql++;
    return strncasecmp(sql, "SELECT", 6) == 0 && !(sql[6] >= 'a' && sql[6] <= 'z') &&
           !(sql[6] >= 'A' && sql[6] <= 'Z') && sql[6] != '_';
}

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* An error result: DB_CONFLICT for unique_violation, else DB_ERROR. Only the
 * primary message is kept (DETAIL quotes row values); for data exceptions
 * (class 22) it is cut before the ": " that precedes the offending value. */
static int result_error(PGconn *c, const PGresult *res, db_err *err) {
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!state || !primary) return pg_fail(err, DB_ERROR, "", PQerrorMessage(c));
    int code = strcmp(state, "23505") == 0 ? DB_CONFLICT : DB_ERROR;
    size_t len = strcspn(primary, "\n");
    if (has_prefix(state, "22")) {
        const char *colon = strstr(primary, ": ");
        if (colon && (size_t)(colon - primary) < len) len = (size_t)(colon - primary);
    }
    return db_fail(err, code, "postgres: %.*s (SQLSTATE %s)", (int)(len > 200 ? 200 : len), primary, state);
}

static int copy_result(const PGresult *res, db_rows **rows, db_err *err) {
    const char *tag = PQcmdStatus((PGresult *)res);
    size_t changed = 0;
    if (has_prefix(tag, "INSERT") || has_prefix(tag, "UPDATE") || has_prefix(tag, "DELETE") ||
        has_prefix(tag, "MERGE"))
        changed = (size_t)strtoull(PQcmdTuples((PGresult *)res), NULL, 10);
    if (!rows) return 0;
    int nrows = PQntuples(res), ncols = PQnfields(res);
    db_rows *r = db_rows_new((size_t)ncols);
    if (!r) return db_fail(err, DB_ERROR, "postgres: out of memory");
    db_rows_set_changed(r, changed);
    for (int i = 0; i < nrows; i++) {
        if (db_rows_add_row(r) != 0) goto oom;
        for (int j = 0; j < ncols; j++) {
            if (PQgetisnull(res, i, j)) continue;
            if (db_rows_set(r, (size_t)j, PQgetvalue(res, i, j), (size_t)PQgetlength(res, i, j)) != 0) goto oom;
        }
    }
    *rows = r;
    return 0;
oom:
    db_rows_free(r);
    return db_fail(err, DB_ERROR, "postgres: out of memory copying a result");
}

/* One statement on pc. in_tx: no reset and no retry, whatever happens. */
static int run(pgdb *p, pconn *pc, bool in_tx, const char *sql, const db_val *params, int nparams,
               db_rows **rows, db_err *err) {
    Oid types_inline[PG_INLINE_PARAMS];
    const char *values_inline[PG_INLINE_PARAMS];
    char ints_inline[PG_INLINE_PARAMS][24];
    Oid *types = types_inline;
    const char **values = values_inline;
    char (*ints)[24] = ints_inline;
    void *heap = NULL;
    if (nparams > PG_INLINE_PARAMS) {
        heap = malloc((size_t)nparams * (sizeof *types + sizeof *values + sizeof *ints));
        if (!heap) return db_fail(err, DB_ERROR, "postgres: out of memory");
        /* pointers first, then Oids, then the digit buffers: each part
         * starts aligned for its type */
        values = heap;
        types = (Oid *)((char *)heap + (size_t)nparams * sizeof *values);
        ints = (char (*)[24])((char *)types + (size_t)nparams * sizeof *types);
    }
    for (int i = 0; i < nparams; i++) {
        switch (params[i].type) {
        case DBV_INT:
            snprintf(ints[i], sizeof ints[i], "%lld", (long long)params[i].i);
            types[i] = PG_OID_INT8;
            values[i] = ints[i];
            break;
        case DBV_TEXT:
            types[i] = PG_OID_TEXT;   /* s == NULL: a text NULL */
            values[i] = params[i].s;
            break;
        default:
            types[i] = 0;   /* untyped: the server types it from where it is used */
            values[i] = NULL;
            break;
        }
    }

    int rc;
    for (int attempt = 0;; attempt++) {
        PGresult *res = PQexecParams(pc->c, sql, nparams, types, values, NULL, NULL, 0);
        ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            rc = copy_result(res, rows, err);
        } else if (PQstatus(pc->c) != CONNECTION_OK) {
            if (!in_tx && attempt == 0 && is_select(sql)) {
                PQclear(res);
                PQreset(pc->c);
                if (PQstatus(pc->c) == CONNECTION_OK && setup_session(pc, err) == 0) continue;
                rc = pg_fail(err, DB_ERROR, "connection lost, and reconnecting failed: ", PQerrorMessage(pc->c));
                break;
            }
            rc = pg_fail(err, DB_ERROR,
                         in_tx ? "connection lost in a transaction (rolled back): "
                               : "connection lost; the statement may or may not have been applied: ",
                         PQerrorMessage(pc->c));
        } else if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR || st == PGRES_BAD_RESPONSE) {
            rc = result_error(pc->c, res, err);
        } else {
            rc = db_fail(err, DB_ERROR, "postgres: unexpected result %s", PQresStatus(st));
        }
        PQclear(res);
        break;
    }
    free(heap);
    return rc;
}

static int pg_exec(db *d, const char *sql, const db_val *params, int nparams, db_rows **rows, db_err *err) {
    pgdb *p = (pgdb *)d;
    pconn *pc;
    int rc = acquire(p, &pc, err);
    if (rc) return rc;
    rc = run(p, pc, false, sql, params, nparams, rows, err);
    release(p, pc);
    return rc;
}

static int pg_begin(db *d, db_tx **out, db_err *err) {
    pgdb *p = (pgdb *)d;
    ptx *tx = calloc(1, sizeof *tx);
    if (!tx) return db_fail(err, DB_ERROR, "postgres: out of memory");
    int rc = acquire(p, &tx->pc, err);
    if (rc) {
        free(tx);
        return rc;
    }
    if ((rc = run(p, tx->pc, true, "BEGIN ISOLATION LEVEL READ COMMITTED", NULL, 0, NULL, err)) != 0) {
        release(p, tx->pc);
        free(tx);
        return rc;
    }
    tx->base.d = d;
    *out = &tx->base;
    return 0;
}

static int pg_tx_exec(db_tx *t, const char *sql, const db_val *params, int nparams, db_rows **rows,
                      db_err *err) {
    return run((pgdb *)t->d, ((ptx *)t)->pc, true, sql, params, nparams, rows, err);
}

static int pg_commit(db_tx *t, db_err *err) {
    ptx *tx = (ptx *)t;
    pgdb *p = (pgdb *)t->d;
    PGconn *c = tx->pc->c;
    int rc = 0;
    PGresult *res = PQexec(c, "COMMIT");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = PQstatus(c) != CONNECTION_OK
                 ? pg_fail(err, DB_ERROR, "connection lost at COMMIT; the transaction may or may not have "
                                          "been committed: ", PQerrorMessage(c))
                 : result_error(c, res, err);
    } else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        /* COMMIT of an aborted transaction answers ROLLBACK, not an error. */
        rc = db_fail(err, DB_ERROR, "postgres: the transaction was rolled back by the server");
    }
    PQclear(res);
    release(p, tx->pc);
    free(tx);
    return rc;
}

static void pg_rollback(db_tx *t) {
    ptx *tx = (ptx *)t;
    release((pgdb *)t->d, tx->pc);   /* release rolls back an open transaction */
    free(tx);
}

static int pg_migrate_lock(db_tx *t, db_err *err) {
    db_val key = DB_INT(DB_MIGRATE_LOCK_KEY);
    return run((pgdb *)t->d, ((ptx *)t)->pc, true, "SELECT pg_advisory_xact_lock($1)", &key, 1, NULL, err);
}

static void pg_close(db *d) {
    pgdb *p = (pgdb *)d;
    for (int i = 0; i < p->n; i++)
        if (p->conns[i].c) PQfinish(p->conns[i].c);
    free(p->conns);
    free(p->url);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static const db_ops pg_ops = {
    .exec = pg_exec,
    .begin = pg_begin,
    .tx_exec = pg_tx_exec,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .migrate_lock = pg_migrate_lock,
    .close = pg_close,
};

int db_pg_open(const char *url, int pool_size, db **out, db_err *err) {
    if (!PQisthreadsafe()) return db_fail(err, DB_ERROR, "postgres: libpq was built without thread safety");
    pgdb *p = calloc(1, sizeof *p);
    if (!p) return db_fail(err, DB_ERROR, "postgres: out of memory");
    p->base.kind = DB_POSTGRES;
    p->base.ops = &pg_ops;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->url = strdup(url);
    p->conns = calloc((size_t)pool_size, sizeof *p->conns);
    if (!p->url || !p->conns) {
        pg_close(&p->base);
        return db_fail(err, DB_ERROR, "postgres: out of memory");
    }
    p->n = pool_size;
    int rc = pg_connect(p, &p->conns[0], err);
    if (rc) {
        pg_close(&p->base);
        return rc;
    }
    *out = &p->base;
    return 0;
}
