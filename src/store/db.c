/* db.c — the backend-independent half of db.h: choosing a backend from the
 * URL, the argument checks every call shares, the db_rows result (cells
 * copied into one buffer, so a result outlives its connection), and schema
 * migrations. The backends are db_sqlite.c and db_pg.c. */
#include "store/db_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/ids.h"
#include "store/schema.h"

int db_fail(db_err *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void db_deadline(struct timespec *ts, int ms) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* ---- opening ---------------------------------------------------------- */

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

int db_open(const char *url, int pool_size, db **out, db_err *err) {
    if (out) *out = NULL;
    if (!url || !*url || !out) return db_fail(err, DB_ERROR, "db_open: no database URL");
    if (pool_size < 0 || pool_size > DB_POOL_MAX)
        return db_fail(err, DB_ERROR, "db_open: pool size %d is outside 0..%d", pool_size, DB_POOL_MAX);
    if (pool_size == 0) pool_size = DB_POOL_DEFAULT;

    if (has_prefix(url, "postgres://") || has_prefix(url, "postgresql://"))
        return db_pg_open(url, pool_size, out, err);
    if (!has_prefix(url, "sqlite:")) return db_sqlite_open(url, NULL, pool_size, out, err);

    /* "sqlite:PATH?options": split at the first '?'. */
    const char *spec = url + strlen("sqlite:");
    const char *q = strchr(spec, '?');
    if (!q) return db_sqlite_open(spec, NULL, pool_size, out, err);
    char *path = strndup(spec, (size_t)(q - spec));
    if (!path) return db_fail(err, DB_ERROR, "db_open: out of memory");
    int rc = db_sqlite_open(path, q + 1, pool_size, out, err);
    free(path);
    return rc;
}

void db_close(db *d) {
    if (d) d->ops->close(d);
}

db_kind db_get_kind(const db *d) { return d->kind; }

const char *db_kind_name(db_kind k) {
    switch (k) {
    case DB_SQLITE: return "sqlite";
    case DB_POSTGRES: return "postgres";
    }
    return "unknown";
}

/* ---- statements and transactions -------------------------------------- */

static int check_args(const char *sql, const db_val *params, int nparams, db_err *err) {
    if (!sql || !*sql) return db_fail(err, DB_ERROR, "no SQL statement");
    if (nparams < 0 || (nparams > 0 && !params))
        return db_fail(err, DB_ERROR, "bad parameter list (%d parameters)", nparams);
    for (int i = 0; i < nparams; i++) {
        if (params[i].type != DBV_NULL && params[i].type != DBV_INT && params[i].type != DBV_TEXT)
            return db_fail(err, DB_ERROR, "parameter $%d: unknown type", i + 1);
    }
    return 0;
}

int db_exec(db *d, const char *sql, const db_val *params, int nparams, db_rows **rows, db_err *err) {
    if (rows) *rows = NULL;
    if (!d) return db_fail(err, DB_ERROR, "no database");
    int rc = check_args(sql, params, nparams, err);
    if (rc) return rc;
    return d->ops->exec(d, sql, params, nparams, rows, err);
}

int db_exec_async(db *d, const char *sql, const db_val *params, int nparams, db_done_fn done, void *ctx, db_err *err) {
    if (!d) return db_fail(err, DB_ERROR, "no database");
    if (!done) return db_fail(err, DB_ERROR, "db_exec_async: no completion");
    int rc = check_args(sql, params, nparams, err);
    if (rc) return rc;
    if (d->ops->exec_async) return d->ops->exec_async(d, sql, params, nparams, done, ctx, err);
    db_err e = {{0}};
    rc = d->ops->exec(d, sql, params, nparams, NULL, &e);
    done(ctx, rc, &e);
    return 0;
}

int db_begin(db *d, db_tx **out, db_err *err) {
    if (out) *out = NULL;
    if (!d || !out) return db_fail(err, DB_ERROR, "db_begin: no database");
    return d->ops->begin(d, out, err);
}

int db_tx_exec(db_tx *tx, const char *sql, const db_val *params, int nparams, db_rows **rows, db_err *err) {
    if (rows) *rows = NULL;
    if (!tx) return db_fail(err, DB_ERROR, "no transaction");
    if (tx->failed)
        return db_fail(err, DB_ERROR, "transaction already failed: an earlier statement in it failed");
    int rc = check_args(sql, params, nparams, err);
    if (rc == 0) rc = tx->d->ops->tx_exec(tx, sql, params, nparams, rows, err);
    if (rc) tx->failed = true;
    return rc;
}

int db_commit(db_tx *tx, db_err *err) {
    if (!tx) return db_fail(err, DB_ERROR, "no transaction");
    if (tx->failed) {
        tx->d->ops->rollback(tx);
        return db_fail(err, DB_ERROR, "transaction rolled back: a statement in it failed");
    }
    return tx->d->ops->commit(tx, err);
}

void db_rollback(db_tx *tx) {
    if (tx) tx->d->ops->rollback(tx);
}

/* ---- results ---------------------------------------------------------- */

#define CELL_NULL ((size_t)-1)

struct db_rows {
    size_t ncols, nrows;
    size_t *cells;         /* nrows * ncols offsets into buf, CELL_NULL for NULL */
    size_t cells_cap;
    char *buf;             /* every non-NULL cell, each NUL-terminated */
    size_t len, cap;
    size_t changed;
};

db_rows *db_rows_new(size_t ncols) {
    db_rows *r = calloc(1, sizeof *r);
    if (r) r->ncols = ncols;
    return r;
}

int db_rows_add_row(db_rows *r) {
    size_t need = (r->nrows + 1) * r->ncols;
    if (need > r->cells_cap) {
        size_t cap = r->cells_cap ? r->cells_cap * 2 : 16 * (r->ncols ? r->ncols : 1);
        while (cap < need) cap *= 2;
        size_t *c = realloc(r->cells, cap * sizeof *c);
        if (!c) return -1;
        r->cells = c;
        r->cells_cap = cap;
    }
    for (size_t i = r->nrows * r->ncols; i < need; i++) r->cells[i] = CELL_NULL;
    r->nrows++;
    return 0;
}

int db_rows_set(db_rows *r, size_t col, const char *text, size_t len) {
    if (!r->nrows || col >= r->ncols) return -1;
    if (!text) return 0;   /* already NULL */
    if (len > SIZE_MAX / 2 - r->len - 1) return -1;
    if (r->len + len + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 256;
        while (cap < r->len + len + 1) cap *= 2;
        char *b = realloc(r->buf, cap);
        if (!b) return -1;
        r->buf = b;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, text, len);
    r->buf[r->len + len] = '\0';
    r->cells[(r->nrows - 1) * r->ncols + col] = r->len;
    r->len += len + 1;
    return 0;
}

void db_rows_set_changed(db_rows *r, size_t changed) { r->changed = changed; }

size_t db_rows_count(const db_rows *r) { return r ? r->nrows : 0; }
size_t db_rows_changed(const db_rows *r) { return r ? r->changed : 0; }

const char *db_rows_text(const db_rows *r, size_t row, size_t col) {
    if (!r || row >= r->nrows || col >= r->ncols) return NULL;
    size_t off = r->cells[row * r->ncols + col];
    return off == CELL_NULL ? NULL : r->buf + off;
}

bool db_rows_isnull(const db_rows *r, size_t row, size_t col) { return db_rows_text(r, row, col) == NULL; }

int64_t db_rows_int(const db_rows *r, size_t row, size_t col) {
    const char *s = db_rows_text(r, row, col);
    return s ? (int64_t)strtoll(s, NULL, 10) : 0;
}

void db_rows_free(db_rows *r) {
    if (!r) return;
    free(r->cells);
    free(r->buf);
    free(r);
}

/* ---- migrations ------------------------------------------------------- */

static const char *const create_migrations_table =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

void db_wal_stats_get(db *d, db_wal_stats *out) {
    *out = (db_wal_stats){0};
    if (d && d->ops->wal_stats) d->ops->wal_stats(d, out);
}

int db_schema_version(db *d, db_err *err) {
    const char *exists = db_get_kind(d) == DB_SQLITE
        ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        : "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 END";
    db_rows *r = NULL;
    int rc = db_exec(d, exists, NULL, 0, &r, err);
    if (rc) return rc;
    bool present = db_rows_int(r, 0, 0) != 0;
    db_rows_free(r);
    if (!present) return 0;
    rc = db_exec(d, "SELECT MAX(version) FROM schema_migrations", NULL, 0, &r, err);
    if (rc) return rc;
    int64_t v = db_rows_int(r, 0, 0);
    db_rows_free(r);
    if (v < 0 || v > 1000000) return db_fail(err, DB_ERROR, "schema_migrations holds version %lld", (long long)v);
    return (int)v;
}

/* Fail the transaction with "context: inner message". */
static int tx_fail(db_tx *tx, db_err *err, int rc, const char *context) {
    char inner[sizeof err->msg];
    snprintf(inner, sizeof inner, "%s", err->msg);
    db_rollback(tx);
    return db_fail(err, rc, "%s: %s", context, inner);
}

/* One step: in a transaction holding the migration lock, read the version
 * and apply the next migration if there is one. *done says there was none. */
static int migrate_step(db *d, int latest, bool *done, db_err *err) {
    db_tx *tx = NULL;
    int rc = db_begin(d, &tx, err);
    if (rc) return rc;
    if (d->ops->migrate_lock && (rc = d->ops->migrate_lock(tx, err)) != 0)
        return tx_fail(tx, err, rc, "migrations: taking the migration lock");
    if ((rc = db_tx_exec(tx, create_migrations_table, NULL, 0, NULL, err)) != 0)
        return tx_fail(tx, err, rc, "migrations: creating schema_migrations");
    db_rows *r = NULL;
    if ((rc = db_tx_exec(tx, "SELECT MAX(version) FROM schema_migrations", NULL, 0, &r, err)) != 0)
        return tx_fail(tx, err, rc, "migrations: reading the schema version");
    int64_t version = db_rows_int(r, 0, 0);
    db_rows_free(r);

    if (version > latest) {
        db_rollback(tx);
        return db_fail(err, DB_ERROR,
                       "the database schema is version %lld, newer than this build of weir knows "
                       "(%d): run a weir at least as new as the one that upgraded it",
                       (long long)version, latest);
    }
    if (version < 0) {
        db_rollback(tx);
        return db_fail(err, DB_ERROR, "schema_migrations holds version %lld", (long long)version);
    }
    if (version == latest) {
        *done = true;
        return db_commit(tx, err);   /* keeps schema_migrations if this created it */
    }

    const db_migration *m = &db_migrations[version];   /* version N+1 is at index N */
    char context[160];
    for (int i = 0; m->statements[i]; i++) {
        if ((rc = db_tx_exec(tx, m->statements[i], NULL, 0, NULL, err)) != 0) {
            snprintf(context, sizeof context, "migration %d (%s), statement %d", m->version, m->name, i + 1);
            return tx_fail(tx, err, rc, context);
        }
    }
    db_val p[] = {DB_INT(m->version), DB_TEXT(m->name), DB_INT(now_us())};
    if ((rc = db_tx_exec(tx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                         p, 3, NULL, err)) != 0) {
        snprintf(context, sizeof context, "migration %d (%s): recording it", m->version, m->name);
        return tx_fail(tx, err, rc, context);
    }
    if ((rc = db_commit(tx, err)) != 0) {
        char inner[sizeof err->msg];
        snprintf(inner, sizeof inner, "%s", err->msg);
        return db_fail(err, rc, "migration %d (%s): commit: %s", m->version, m->name, inner);
    }
    return 0;
}

int db_migrate(db *d, db_err *err) {
    if (!d) return db_fail(err, DB_ERROR, "db_migrate: no database");
    db_err local;
    if (!err) err = &local;
    for (int i = 0; i < db_migration_count; i++)
        if (db_migrations[i].version != i + 1)
            return db_fail(err, DB_ERROR, "schema.c: migration at index %d has version %d, not %d", i,
                           db_migrations[i].version, i + 1);
    for (bool done = false; !done;) {
        int rc = migrate_step(d, db_migration_count, &done, err);
        if (rc) return rc;
    }
    return 0;
}
