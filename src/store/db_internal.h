/* db_internal.h — what db.c shares with the two backends (db_sqlite.c,
 * db_pg.c): the table of backend operations, the common head of `struct db`
 * and `struct db_tx`, and the builder the backends fill a db_rows with (and
 * db_fail, with queue.c). Nothing outside src/store includes this file. */
#ifndef WEIR_DB_INTERNAL_H
#define WEIR_DB_INTERNAL_H

#include <stdarg.h>

#include "store/db.h"

typedef struct db_ops {
    int (*exec)(db *d, const char *sql, const db_val *params, int nparams, db_rows **rows, db_err *err);
    int (*begin)(db *d, db_tx **out, db_err *err);
    int (*tx_exec)(db_tx *tx, const char *sql, const db_val *params, int nparams, db_rows **rows,
                   db_err *err);
    int (*commit)(db_tx *tx, db_err *err);   /* frees tx */
    void (*rollback)(db_tx *tx);             /* frees tx */
    /* Called first in each migration transaction: make concurrent migrators
     * in other processes wait (PostgreSQL: an advisory lock). NULL when the
     * transaction itself already excludes other writers (SQLite). */
    int (*migrate_lock)(db_tx *tx, db_err *err);
    void (*close)(db *d);
    /* db_exec_async; NULL: run it now with exec and call done (db.c). */
    int (*exec_async)(db *d, const char *sql, const db_val *params, int nparams, db_done_fn done, void *ctx,
                      db_err *err);
    void (*wal_stats)(db *d, db_wal_stats *out);   /* NULL: no WAL */
} db_ops;

/* The key db_pg.c's migrate_lock takes (pg_advisory_xact_lock): "weirmigr". */
#define DB_MIGRATE_LOCK_KEY INT64_C(0x776569726d696772)

/* The first member of every backend's connection pool. */
struct db {
    db_kind kind;
    const db_ops *ops;
};

/* The first member of every backend's transaction. failed is set by the
 * first statement that fails: the transaction is then doomed (PostgreSQL
 * aborts it; SQLite is made to behave the same), db_commit rolls back. */
struct db_tx {
    db *d;
    bool failed;
};

/* path: the database file; options: NULL or "key=value&…" from a
 * "sqlite:PATH?…" URL (db.c splits them). */
int db_sqlite_open(const char *path, const char *options, int pool_size, db **out, db_err *err);
int db_pg_open(const char *url, int pool_size, db **out, db_err *err);

/* Fill err (may be NULL) with a formatted message; returns code. */
int db_fail(db_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Building a result: db_rows_new, then per row db_rows_add_row and one
 * db_rows_set per column (a NULL text is SQL NULL). Both return -1 only when
 * out of memory. */
db_rows *db_rows_new(size_t ncols);
int db_rows_add_row(db_rows *r);
int db_rows_set(db_rows *r, size_t col, const char *text, size_t len);
void db_rows_set_changed(db_rows *r, size_t changed);

/* Absolute CLOCK_REALTIME deadline ms from now, for timed waits. */
struct timespec;
void db_deadline(struct timespec *ts, int ms);

#endif
