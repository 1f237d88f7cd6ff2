/* db_sqlite.c — the SQLite backend of db.h, weir's embedded default.
 *
 * One file in WAL mode, a pool of reader connections and one writer
 * connection. Reads run in parallel on any free reader. Writes and
 * transactions run on the writer, under a process-wide lock for that file, so
 * in-process writers queue on a condition variable (without holding a reader)
 * instead of spinning in SQLite's busy handler; busy_timeout is left for
 * other processes. A statement is a write when sqlite3_stmt_readonly says so;
 * what each SQL text is gets remembered, so a known write goes straight to
 * the writer. Each connection keeps its prepared statements
 * (SQLITE_PREPARE_PERSISTENT), keyed by SQL text, because the server runs the
 * same few statements over and over. */
#include "store/db_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SQLITE_STMT_CACHE 64   /* prepared statements kept per connection */
#define SQLITE_KINDS_CACHE 256 /* SQL texts remembered as read or write, per pool */
#define SQLITE_MAX_PARAMS 999  /* largest $N accepted */
/* The writer thread, finding fewer than DB_SQLITE_GATHER_MAX writes queued,
 * waits up to DB_SQLITE_GATHER_US for more before it commits: one commit for
 * more rows writes fewer pages per row, and under load the wait leaves the
 * CPU to the threads producing the writes (about +15 % webhook runs/s on the
 * 2-core benchmark machine, alternating runs; bench/README.md). A write
 * alone waits this long at most. */
#define DB_SQLITE_GATHER_US 200
#define DB_SQLITE_GATHER_MAX 64
/* Checkpoints, in WAL frames (one page each; see "the checkpointer" below).
 * Each can be changed by the URL (checkpoint_pages=…, …). */
#define DB_SQLITE_CHECKPOINT_PAGES 1000    /* frames not yet copied that start a background pass */
#define DB_SQLITE_WAL_RESTART_PAGES 16384  /* 64 MiB: from here, start the WAL over once nearly copied */
#define DB_SQLITE_FINISH_PAGES 256         /* frames left over that the committer copies itself */
#define DB_SQLITE_WAL_MAX_PAGES 65536      /* 256 MiB: past it, the committer checkpoints whatever it costs */

typedef struct wal_limits {
    int checkpoint_pages, restart_pages, finish_pages, max_pages;
} wal_limits;

/* ---- the write lock, one per database file in this process ------------- */

/* Not a mutex: a transaction may end on another thread than it began on.
 * owner only serves to refuse a thread waiting for the lock it holds. */
typedef struct file_lock {
    dev_t dev;
    ino_t ino;
    int refs;               /* pools open on this file; under file_locks_mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool held;
    pthread_t owner;
    struct file_lock *next;
} file_lock;

static pthread_mutex_t file_locks_mu = PTHREAD_MUTEX_INITIALIZER;
static file_lock *file_locks;

static file_lock *file_lock_get(dev_t dev, ino_t ino) {
    pthread_mutex_lock(&file_locks_mu);
    file_lock *l = file_locks;
    while (l && !(l->dev == dev && l->ino == ino)) l = l->next;
    if (l) {
        l->refs++;
    } else if ((l = calloc(1, sizeof *l)) != NULL) {
        l->dev = dev;
        l->ino = ino;
        l->refs = 1;
        pthread_mutex_init(&l->mu, NULL);
        pthread_cond_init(&l->cv, NULL);
        l->next = file_locks;
        file_locks = l;
    }
    pthread_mutex_unlock(&file_locks_mu);
    return l;
}

static void file_lock_put(file_lock *l) {
    if (!l) return;
    pthread_mutex_lock(&file_locks_mu);
    if (--l->refs == 0) {
        for (file_lock **p = &file_locks; *p; p = &(*p)->next)
            if (*p == l) {
                *p = l->next;
                break;
            }
        pthread_cond_destroy(&l->cv);
        pthread_mutex_destroy(&l->mu);
        free(l);
    }
    pthread_mutex_unlock(&file_locks_mu);
}

static int write_lock(file_lock *l, db_err *err) {
    struct timespec ts;
    db_deadline(&ts, DB_ACQUIRE_TIMEOUT_MS);
    pthread_mutex_lock(&l->mu);
    if (l->held && pthread_equal(l->owner, pthread_self())) {
        pthread_mutex_unlock(&l->mu);
        return db_fail(err, DB_ERROR, "sqlite: this thread already holds the write lock "
                                      "(a write outside its own open transaction)");
    }
    while (l->held) {
        if (pthread_cond_timedwait(&l->cv, &l->mu, &ts) == ETIMEDOUT && l->held) {
            pthread_mutex_unlock(&l->mu);
            return db_fail(err, DB_BUSY, "sqlite: no write lock within %d ms", DB_ACQUIRE_TIMEOUT_MS);
        }
    }
    l->held = true;
    l->owner = pthread_self();
    pthread_mutex_unlock(&l->mu);
    return 0;
}

static void write_unlock(file_lock *l) {
    pthread_mutex_lock(&l->mu);
    l->held = false;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

/* ---- connections and their statement caches --------------------------- */

typedef struct cached_stmt {
    char *sql;
    uint64_t hash;
    sqlite3_stmt *st;
    int *argno;        /* argno[i]: the N of $N bound at SQLite index i+1 */
    int nargs;
    uint64_t used;     /* for least-recently-used eviction */
} cached_stmt;

typedef struct sconn {
    sqlite3 *h;
    bool busy;
    cached_stmt cache[SQLITE_STMT_CACHE];
    int ncache;
    uint64_t tick;
} sconn;

/* What an SQL text was found to be, so a write skips the readers. */
typedef struct sql_kind {
    uint64_t hash;
    char *sql;
    bool write;
} sql_kind;

/* One autocommit write waiting for the group commit: a caller of sq_exec
 * waiting on gcv, or (fn set) a write of db_exec_async that nobody waits for,
 * allocated with its copied parameters and freed once fn has been called. */
typedef struct wop {
    struct wop *next;
    const char *sql;
    const db_val *params;
    int nparams;
    db_rows **rows;
    db_err *err;
    int rc;
    bool done;
    db_done_fn fn;
    void *ctx;
    db_err own_err;
} wop;

typedef struct sdb {
    struct db base;
    pthread_mutex_t gmu;    /* the group commit queue */
    pthread_cond_t gcv;
    wop *ghead, *gtail;
    int gcount;             /* writes queued */
    bool gleader;           /* a thread is committing a batch (or gathering one) */
    pthread_cond_t wcv;     /* wakes the writer thread: async writes are queued */
    pthread_t wthread;      /* commits async writes nobody else is committing */
    bool wthread_started, wstop;
    pthread_mutex_t mu;     /* readers' busy flags, kinds */
    pthread_cond_t cv;
    sconn *conns;           /* readers */
    int n;
    sconn writer;           /* used only under the write lock */
    file_lock *wl;
    sql_kind kinds[SQLITE_KINDS_CACHE];
    int nkinds;
    wal_limits lim;
    pthread_mutex_t cmu;    /* the checkpointer's state, and wal */
    pthread_cond_t ccv;     /* wakes the checkpointer */
    pthread_cond_t cidle;   /* a pass ended */
    pthread_t cthread;
    bool cthread_started, cstop;
    bool cwanted, cbusy;    /* a pass is asked for; one is running */
    bool cfinishing;        /* a committer is checkpointing: no pass starts */
    int copied;             /* frames of the current WAL that a pass copied */
    unsigned generation;    /* times the WAL was seen starting over */
    db_wal_stats wal;
    sconn ckpt;             /* the checkpointer's own connection */
} sdb;

typedef struct stx {
    struct db_tx base;
    sconn *c;
} stx;

static const db_ops sqlite_ops;

static int sq_error(sqlite3 *h, db_err *err) {
    int ext = sqlite3_extended_errcode(h);
    int code = DB_ERROR;
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) code = DB_CONFLICT;
    else if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED) code = DB_BUSY;
    return db_fail(err, code, "sqlite: %s", sqlite3_errmsg(h));
}

/* A hash of a statement's text, 8 bytes at a time: it runs on every
 * statement (the writer thread's inserts too), and a byte-wise hash of a
 * 300-byte INSERT cost as much as the cache lookup it serves. Equal hashes
 * are confirmed with strcmp. */
static uint64_t hash_text(const char *s) {
    size_t n = strlen(s);
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

static void cached_free(cached_stmt *e) {
    sqlite3_finalize(e->st);
    free(e->sql);
    free(e->argno);
    memset(e, 0, sizeof *e);
}

/* The N of a "$N" placeholder name, or 0 if it is not one. */
static int placeholder_number(const char *name) {
    if (!name || name[0] != '$' || name[1] < '1' || name[1] > '9') return 0;
    int n = 0;
    for (const char *p = name + 1; *p; p++) {
        if (*p < '0' || *p > '9') return 0;
        n = n * 10 + (*p - '0');
        if (n > SQLITE_MAX_PARAMS) return 0;
    }
    return n;
}

/* Find sql in the connection's cache, or prepare and cache it. */
static int prepare_cached(sconn *c, const char *sql, cached_stmt **out, db_err *err) {
    uint64_t h = hash_text(sql);
    for (int i = 0; i < c->ncache; i++) {
        cached_stmt *e = &c->cache[i];
        if (e->hash == h && strcmp(e->sql, sql) == 0) {
            e->used = ++c->tick;
            *out = e;
            return 0;
        }
    }

    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, &tail) != SQLITE_OK)
        return sq_error(c->h, err);
    if (!st) return db_fail(err, DB_ERROR, "sqlite: no SQL statement in the text");
    while (tail && (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';')) tail++;
    if (tail && *tail) {
        sqlite3_finalize(st);
        return db_fail(err, DB_ERROR, "sqlite: more than one statement in one call");
    }

    int nargs = sqlite3_bind_parameter_count(st);
    int *argno = nargs ? calloc((size_t)nargs, sizeof *argno) : NULL;
    if (nargs && !argno) {
        sqlite3_finalize(st);
        return db_fail(err, DB_ERROR, "sqlite: out of memory");
    }
    for (int i = 0; i < nargs; i++) {
        const char *name = sqlite3_bind_parameter_name(st, i + 1);
        argno[i] = placeholder_number(name);
        if (!argno[i]) {
            sqlite3_finalize(st);
            free(argno);
            return db_fail(err, DB_ERROR, "sqlite: placeholder %s: write $1, $2, …", name ? name : "?");
        }
    }
    char *copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(st);
        free(argno);
        return db_fail(err, DB_ERROR, "sqlite: out of memory");
    }

    cached_stmt *slot;
    if (c->ncache < SQLITE_STMT_CACHE) {
        slot = &c->cache[c->ncache++];
    } else {
        slot = &c->cache[0];
        for (int i = 1; i < c->ncache; i++)
            if (c->cache[i].used < slot->used) slot = &c->cache[i];
        cached_free(slot);
    }
    *slot = (cached_stmt){.sql = copy, .hash = h, .st = st, .argno = argno, .nargs = nargs,
                          .used = ++c->tick};
    *out = slot;
    return 0;
}

static int bind_params(sconn *c, cached_stmt *e, const db_val *params, int nparams, db_err *err) {
    for (int i = 0; i < e->nargs; i++) {
        int k = e->argno[i];
        if (k > nparams)
            return db_fail(err, DB_ERROR, "sqlite: the statement uses $%d but %d parameters were given", k,
                           nparams);
        const db_val *v = &params[k - 1];
        int rc;
        switch (v->type) {
        case DBV_INT: rc = sqlite3_bind_int64(e->st, i + 1, v->i); break;
        case DBV_TEXT:
            /* i > 0: the length + 1, known to async_op (the writer thread's texts) */
            rc = v->s ? sqlite3_bind_text(e->st, i + 1, v->s, v->i > 0 ? (int)(v->i - 1) : -1, SQLITE_STATIC)
                      : sqlite3_bind_null(e->st, i + 1);
            break;
        default: rc = sqlite3_bind_null(e->st, i + 1); break;
        }
        if (rc != SQLITE_OK) return db_fail(err, DB_ERROR, "sqlite: binding $%d: %s", k, sqlite3_errstr(rc));
    }
    return 0;
}

/* Step st to the end, copying rows out when rows is not NULL. */
static int step_all(sconn *c, sqlite3_stmt *st, db_rows **rows, db_err *err) {
    int ncols = sqlite3_column_count(st);
    db_rows *r = db_rows_new((size_t)ncols);
    if (!r) return db_fail(err, DB_ERROR, "sqlite: out of memory");
    sqlite3_int64 before = sqlite3_total_changes64(c->h);
    for (;;) {
        int x = sqlite3_step(st);
        if (x == SQLITE_DONE) break;
        if (x != SQLITE_ROW) {
            db_rows_free(r);
            return sq_error(c->h, err);
        }
        if (!rows) continue;
        if (db_rows_add_row(r) != 0) goto oom;
        for (int i = 0; i < ncols; i++) {
            if (sqlite3_column_type(st, i) == SQLITE_NULL) continue;
            const unsigned char *t = sqlite3_column_text(st, i);
            if (!t) goto oom;   /* not NULL, so out of memory */
            if (db_rows_set(r, (size_t)i, (const char *)t, (size_t)sqlite3_column_bytes(st, i)) != 0) goto oom;
        }
    }
    /* changes() is only about the last INSERT/UPDATE/DELETE; trust it only if
     * this statement changed something. */
    if (sqlite3_total_changes64(c->h) != before) db_rows_set_changed(r, (size_t)sqlite3_changes64(c->h));
    if (rows) *rows = r;
    else db_rows_free(r);
    return 0;
oom:
    db_rows_free(r);
    return db_fail(err, DB_ERROR, "sqlite: out of memory copying a result");
}

/* One prepared statement on c: bind, step to the end, reset. */
static int run_stmt(sconn *c, cached_stmt *e, const db_val *params, int nparams, db_rows **rows, db_err *err) {
    int rc = bind_params(c, e, params, nparams, err);
    if (rc == 0) rc = step_all(c, e->st, rows, err);
    sqlite3_reset(e->st);
    sqlite3_clear_bindings(e->st);
    return rc;
}

/* One statement on c, whose use the caller has already arranged. */
static int run(sconn *c, const char *sql, const db_val *params, int nparams, db_rows **rows, db_err *err) {
    cached_stmt *e = NULL;
    int rc = prepare_cached(c, sql, &e, err);
    return rc ? rc : run_stmt(c, e, params, nparams, rows, err);
}

/* An autocommit statement must not leave a transaction open (BEGIN through
 * db_exec): roll it back and say so. */
static int check_autocommit(sconn *c, int rc, db_rows **rows, db_err *err) {
    if (sqlite3_get_autocommit(c->h)) return rc;
    sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
    if (rows) {
        db_rows_free(*rows);
        *rows = NULL;
    }
    return db_fail(err, DB_ERROR, "sqlite: transaction statements go through db_begin / db_commit");
}

/* ---- the pool --------------------------------------------------------- */

static int acquire(sdb *s, sconn **out, db_err *err) {
    struct timespec ts;
    db_deadline(&ts, DB_ACQUIRE_TIMEOUT_MS);
    pthread_mutex_lock(&s->mu);
    for (;;) {
        for (int i = 0; i < s->n; i++)
            if (!s->conns[i].busy) {
                s->conns[i].busy = true;
                pthread_mutex_unlock(&s->mu);
                *out = &s->conns[i];
                return 0;
            }
        if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) == ETIMEDOUT) {
            pthread_mutex_unlock(&s->mu);
            return db_fail(err, DB_BUSY, "sqlite: no free connection within %d ms", DB_ACQUIRE_TIMEOUT_MS);
        }
    }
}

static void release(sdb *s, sconn *c) {
    pthread_mutex_lock(&s->mu);
    c->busy = false;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Whether sql is known to be a write. */
static bool known_write(sdb *s, const char *sql, uint64_t h) {
    bool write = false;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nkinds; i++)
        if (s->kinds[i].hash == h && strcmp(s->kinds[i].sql, sql) == 0) {
            write = s->kinds[i].write;
            break;
        }
    pthread_mutex_unlock(&s->mu);
    return write;
}

static void remember_kind(sdb *s, const char *sql, uint64_t h, bool write) {
    pthread_mutex_lock(&s->mu);
    bool known = false;
    for (int i = 0; i < s->nkinds && !known; i++) known = s->kinds[i].hash == h && strcmp(s->kinds[i].sql, sql) == 0;
    if (!known && s->nkinds < SQLITE_KINDS_CACHE) {
        char *copy = strdup(sql);
        if (copy) s->kinds[s->nkinds++] = (sql_kind){.hash = h, .sql = copy, .write = write};
    }
    pthread_mutex_unlock(&s->mu);
}

/* Group commit. Concurrent autocommit writes queue up; one thread (the
 * leader) takes the whole queue and runs it as ONE transaction, in which a
 * failing statement fails alone (run_batch). A
 * commit costs the same pages and syscalls whether it carries one run or
 * fifty, so under load this multiplies write throughput; alone, a write
 * still runs at once. Each caller gets its own result and error. */
/* Nothing of the batch was applied: every statement gets the error. */
static void fail_batch(wop *batch, int rc, const db_err *e) {
    for (wop *o = batch; o; o = o->next) {
        if (o->rows && *o->rows) {
            db_rows_free(*o->rows);
            *o->rows = NULL;
        }
        o->rc = rc;
        if (o->err) *o->err = *e;
    }
}

static void run_batch(sdb *s, wop *batch) {
    db_err lerr;
    int rc = write_lock(s->wl, &lerr);
    if (rc) return fail_batch(batch, rc, &lerr);
    if (!batch->next) {
        batch->rc = run(&s->writer, batch->sql, batch->params, batch->nparams, batch->rows, batch->err);
        batch->rc = check_autocommit(&s->writer, batch->rc, batch->rows, batch->err);
    } else if ((rc = run(&s->writer, "BEGIN IMMEDIATE", NULL, 0, NULL, &lerr)) != 0) {
        fail_batch(batch, rc, &lerr);
    } else {
        /* A statement that fails (a constraint, say) undoes only itself
         * (SQLite's ABORT), so it fails alone; an error that rolls back the
         * whole transaction (I/O, disk full) fails the whole batch. */
        for (wop *o = batch; o; o = o->next) {
            o->rc = run(&s->writer, o->sql, o->params, o->nparams, o->rows, o->err);
            if (o->rc && sqlite3_get_autocommit(s->writer.h)) {
                db_err gone = *o->err;
                fail_batch(batch, o->rc == DB_CONFLICT ? DB_ERROR : o->rc, &gone);
                write_unlock(s->wl);
                return;
            }
        }
        if ((rc = run(&s->writer, "COMMIT", NULL, 0, NULL, &lerr)) != 0) {
            sqlite3_exec(s->writer.h, "ROLLBACK", NULL, NULL, NULL);
            fail_batch(batch, rc, &lerr);
        }
    }
    write_unlock(s->wl);
}

/* Under gmu: append o to the queue. */
static void enqueue(sdb *s, wop *o) {
    if (s->gtail) s->gtail->next = o;
    else s->ghead = o;
    s->gtail = o;
    s->gcount++;
}

/* The leader's end of a batch (called with gmu held, returns with it
 * released): waiting callers are told, async writes get their callback
 * (outside the lock) and are freed, and writes queued meanwhile get a leader:
 * a waiting caller, or the writer thread when only async writes wait. */
static void end_batch(sdb *s, wop *batch) {
    wop *async = NULL;
    for (wop *o = batch, *next; o; o = next) {
        next = o->next;  /* a waiting caller's o may be gone once done is seen */
        if (o->fn) {
            o->next = async;
            async = o;
        } else {
            o->done = true;
        }
    }
    s->gleader = false;
    pthread_cond_broadcast(&s->gcv);
    if (s->ghead) pthread_cond_signal(&s->wcv);
    pthread_mutex_unlock(&s->gmu);
    for (wop *o = async, *next; o; o = next) {
        next = o->next;
        o->fn(o->ctx, o->rc, &o->own_err);
        free(o);
    }
}

/* Called with gmu held: take every queued write and commit them as one
 * batch. Returns with gmu released. */
static void lead_batch(sdb *s) {
    s->gleader = true;
    wop *batch = s->ghead;
    s->ghead = s->gtail = NULL;
    s->gcount = 0;
    pthread_mutex_unlock(&s->gmu);
    run_batch(s, batch);
    pthread_mutex_lock(&s->gmu);
    end_batch(s, batch);
}

static int group_write(sdb *s, const char *sql, const db_val *params, int nparams, db_rows **rows, db_err *err) {
    wop me = {.sql = sql, .params = params, .nparams = nparams, .rows = rows, .err = err};
    pthread_mutex_lock(&s->gmu);
    enqueue(s, &me);
    while (!me.done && s->gleader) pthread_cond_wait(&s->gcv, &s->gmu);
    if (me.done) {
        pthread_mutex_unlock(&s->gmu);
        return me.rc;
    }
    lead_batch(s);
    return me.rc;
}

/* The writer thread: leads a batch whenever writes are queued and no caller
 * is leading one, so an async write never waits for a synchronous one. */
static void *writer_main(void *arg) {
    sdb *s = arg;
    pthread_setname_np(pthread_self(), "weir-db-writer");
    pthread_mutex_lock(&s->gmu);
    for (;;) {
        while (!s->wstop && (!s->ghead || s->gleader)) pthread_cond_wait(&s->wcv, &s->gmu);
        if (!s->ghead || s->gleader) break;  /* stopping, and nothing left to lead */
        if (s->gcount < DB_SQLITE_GATHER_MAX && !s->wstop) {
            s->gleader = true;  /* gathering: callers' writes join this batch */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += DB_SQLITE_GATHER_US * 1000L;
            if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
            while (s->gcount < DB_SQLITE_GATHER_MAX && !s->wstop && pthread_cond_timedwait(&s->wcv, &s->gmu, &ts) != ETIMEDOUT) {}
        }
        lead_batch(s);
        pthread_mutex_lock(&s->gmu);
    }
    pthread_mutex_unlock(&s->gmu);
    return NULL;
}

/* One allocation: the wop, its parameters, the SQL and every text value. */
static wop *async_op(const char *sql, const db_val *params, int nparams) {
    size_t size = sizeof(wop) + (size_t)nparams * sizeof(db_val) + strlen(sql) + 1;
    for (int i = 0; i < nparams; i++)
        if (params[i].type == DBV_TEXT && params[i].s) size += strlen(params[i].s) + 1;
    wop *o = malloc(size);   /* only the wop itself needs zeroing: the rest is copied over */
    if (!o) return NULL;
    memset(o, 0, sizeof *o);
    db_val *pv = (db_val *)(o + 1);
    char *text = (char *)(pv + nparams);
    for (int i = 0; i < nparams; i++) {
        pv[i] = params[i];
        if (params[i].type == DBV_TEXT && params[i].s) {
            size_t n = strlen(params[i].s) + 1;
            memcpy(text, params[i].s, n);
            pv[i].s = text;
            pv[i].i = (int64_t)n;   /* bind_params need not measure it again */
            text += n;
        }
    }
    memcpy(text, sql, strlen(sql) + 1);
    o->sql = text;
    o->params = pv;
    o->nparams = nparams;
    o->err = &o->own_err;
    return o;
}

static int sq_exec_async(db *d, const char *sql, const db_val *params, int nparams, db_done_fn done, void *ctx,
                         db_err *err) {
    sdb *s = (sdb *)d;
    wop *o = async_op(sql, params, nparams);
    if (!o) return db_fail(err, DB_ERROR, "sqlite: out of memory");
    o->fn = done;
    o->ctx = ctx;
    pthread_mutex_lock(&s->gmu);
    if (s->wstop) {
        pthread_mutex_unlock(&s->gmu);
        free(o);
        return db_fail(err, DB_ERROR, "sqlite: the store is closing");
    }
    enqueue(s, o);
    if (!s->gleader || s->gcount == DB_SQLITE_GATHER_MAX) pthread_cond_signal(&s->wcv);  /* lead, or stop gathering */
    pthread_mutex_unlock(&s->gmu);
    return 0;
}

static int sq_exec(db *d, const char *sql, const db_val *params, int nparams, db_rows **rows, db_err *err) {
    sdb *s = (sdb *)d;
    uint64_t h = hash_text(sql);
    int rc;
    if (!known_write(s, sql, h)) {
        sconn *c = NULL;
        if ((rc = acquire(s, &c, err)) != 0) return rc;
        cached_stmt *e = NULL;
        rc = prepare_cached(c, sql, &e, err);
        bool write = rc == 0 && !sqlite3_stmt_readonly(e->st);
        if (rc == 0) remember_kind(s, sql, h, write);
        if (rc == 0 && !write) {
            rc = run_stmt(c, e, params, nparams, rows, err);
            rc = check_autocommit(c, rc, rows, err);
        }
        release(s, c);
        if (rc || !write) return rc;
    }
    return group_write(s, sql, params, nparams, rows, err);
}

static int sq_begin(db *d, db_tx **out, db_err *err) {
    sdb *s = (sdb *)d;
    stx *tx = calloc(1, sizeof *tx);
    if (!tx) return db_fail(err, DB_ERROR, "sqlite: out of memory");
    int rc = write_lock(s->wl, err);
    if (rc == 0 && (rc = run(&s->writer, "BEGIN IMMEDIATE", NULL, 0, NULL, err)) != 0) write_unlock(s->wl);
    if (rc) {
        free(tx);
        return rc;
    }
    tx->base.d = d;
    tx->c = &s->writer;
    *out = &tx->base;
    return 0;
}

static int sq_tx_exec(db_tx *t, const char *sql, const db_val *params, int nparams, db_rows **rows,
                      db_err *err) {
    return run(((stx *)t)->c, sql, params, nparams, rows, err);
}

static void tx_end(stx *tx) {
    sdb *s = (sdb *)tx->base.d;
    if (!sqlite3_get_autocommit(tx->c->h)) sqlite3_exec(tx->c->h, "ROLLBACK", NULL, NULL, NULL);
    write_unlock(s->wl);
    free(tx);
}

static int sq_commit(db_tx *t, db_err *err) {
    stx *tx = (stx *)t;
    int rc = run(tx->c, "COMMIT", NULL, 0, NULL, err);
    tx_end(tx);   /* rolls back if COMMIT failed */
    return rc;
}

static void sq_rollback(db_tx *t) { tx_end((stx *)t); }

static void close_conn(sconn *c) {
    for (int j = 0; j < c->ncache; j++) cached_free(&c->cache[j]);
    sqlite3_close_v2(c->h);
}

static void stop_checkpointer(sdb *s);

static void sq_close(db *d) {
    sdb *s = (sdb *)d;
    if (s->wthread_started) {  /* commits what is still queued, then ends */
        pthread_mutex_lock(&s->gmu);
        s->wstop = true;
        pthread_cond_signal(&s->wcv);
        pthread_mutex_unlock(&s->gmu);
        pthread_join(s->wthread, NULL);
    }
    stop_checkpointer(s);
    for (int i = 0; i < s->n; i++) close_conn(&s->conns[i]);
    close_conn(&s->ckpt);
    close_conn(&s->writer);
    for (int i = 0; i < s->nkinds; i++) free(s->kinds[i].sql);
    free(s->conns);
    file_lock_put(s->wl);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->gmu);
    pthread_cond_destroy(&s->gcv);
    pthread_cond_destroy(&s->wcv);
    pthread_mutex_destroy(&s->cmu);
    pthread_cond_destroy(&s->ccv);
    pthread_cond_destroy(&s->cidle);
    free(s);
}

/* ---- the checkpointer -------------------------------------------------- *
 *
 * The bulk of each checkpoint (copying frames into the database file, and
 * syncing both files) runs on the checkpointer thread's own connection,
 * PASSIVE, beside the writer: no commit waits for it. But such a pass only
 * copies the frames that existed when it began, and the writer appends more
 * meanwhile, so under sustained writes the WAL is never wholly copied and
 * never starts over from its beginning: it grew without end (245 MB after
 * 4 s of the webhook benchmark, when the housekeeper ran one pass a second).
 *
 * So once the WAL is past restart_pages and a pass has left at most
 * finish_pages behind, the next committer copies the rest itself, between
 * two commits, where nothing can be appended: a stall of a few milliseconds
 * (those pages and the two syncs of little), after which the next write
 * starts the WAL over. max_pages bounds the WAL when passes cannot keep up
 * (the committer then checkpoints whatever it costs; counted in `forced`).
 * A reader holding a snapshot can still keep frames from being copied. */

static int open_conn(sdb *s, sconn *c, const char *path, const char *sync, bool first, db_err *err);

static void want_pass(sdb *s) {
    if (!s->cbusy && !s->cwanted) {
        s->cwanted = true;
        pthread_cond_signal(&s->ccv);
    }
}

/* SQLite's WAL hook: runs on the committing thread after every commit on the
 * writer connection (so under the write lock); pages is the WAL's length. */
static int on_wal_commit(void *arg, sqlite3 *h, const char *name, int pages) {
    sdb *s = arg;
    const wal_limits *l = &s->lim;
    pthread_mutex_lock(&s->cmu);
    if (pages < s->wal.pages) {   /* the WAL started over */
        s->copied = 0;
        s->generation++;
        s->wal.restarts++;
    }
    s->wal.pages = pages;
    int left = pages - s->copied;
    bool forced = pages >= l->max_pages;
    bool finish = forced || (pages >= l->restart_pages && s->copied > 0 && !s->cbusy && left <= l->finish_pages);
    if (finish) {
        /* SQLite refuses a second checkpointer at once (SQLITE_BUSY, no
         * busy handler): wait for a running pass, and start none meanwhile. */
        s->cfinishing = true;
        while (s->cbusy) pthread_cond_wait(&s->cidle, &s->cmu);
    } else if (left >= l->checkpoint_pages || (pages >= l->restart_pages && left > l->finish_pages)) {
        want_pass(s);
    }
    pthread_mutex_unlock(&s->cmu);
    if (!finish) return SQLITE_OK;
    int log = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    pthread_mutex_lock(&s->cmu);
    s->cfinishing = false;
    /* Incomplete (a reader still uses frames) or failed: the next commit
     * tries again; a checkpoint that fails loses nothing. */
    if (rc == SQLITE_OK && copied == log) {
        s->copied = copied;
        s->wal.finishes++;
        s->wal.forced += forced;
    }
    pthread_cond_signal(&s->ccv);
    pthread_mutex_unlock(&s->cmu);
    return SQLITE_OK;
}

static void *checkpointer_main(void *arg) {
    sdb *s = arg;
    pthread_setname_np(pthread_self(), "weir-db-ckpt");
    pthread_mutex_lock(&s->cmu);
    for (;;) {
        while (!s->cstop && (s->cfinishing || !s->cwanted)) {
            if (s->cfinishing) {
                pthread_cond_wait(&s->ccv, &s->cmu);
                continue;
            }
            /* A quiet database gets a pass every second too. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            if (pthread_cond_timedwait(&s->ccv, &s->cmu, &ts) == ETIMEDOUT) s->cwanted = true;
        }
        if (s->cstop) break;
        s->cwanted = false;
        s->cbusy = true;
        unsigned generation = s->generation;
        pthread_mutex_unlock(&s->cmu);
        int log = 0, copied = 0;
        int rc = sqlite3_wal_checkpoint_v2(s->ckpt.h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
        /* SQLite syncs the database file only after a checkpoint that copied
         * the whole WAL; sync it after every pass, here, or the committer's
         * finishing step would sync all the passes copied (~90 ms for 64 MB). */
        sqlite3_file *f = NULL;
        if (rc == SQLITE_OK && copied > 0 &&
            sqlite3_file_control(s->ckpt.h, "main", SQLITE_FCNTL_FILE_POINTER, &f) == SQLITE_OK && f && f->pMethods)
            f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
        pthread_mutex_lock(&s->cmu);
        s->cbusy = false;
        s->wal.passes++;
        /* A pass that copied everything lets the next commit start the WAL
         * over, maybe before this: its count then belongs to the old WAL. */
        if (rc == SQLITE_OK && copied > 0 && copied <= log && generation == s->generation) s->copied = copied;
        pthread_cond_broadcast(&s->cidle);
    }
    pthread_mutex_unlock(&s->cmu);
    return NULL;
}

static int start_checkpointer(sdb *s, const char *path, const char *sync, db_err *err) {
    int rc = open_conn(s, &s->ckpt, path, sync, false, err);
    if (rc) return rc;
    if (pthread_create(&s->cthread, NULL, checkpointer_main, s) != 0)
        return db_fail(err, DB_ERROR, "sqlite: cannot start the checkpointer thread");
    s->cthread_started = true;
    sqlite3_wal_hook(s->writer.h, on_wal_commit, s);
    return 0;
}

static void stop_checkpointer(sdb *s) {
    if (s->writer.h) sqlite3_wal_hook(s->writer.h, NULL, NULL);
    if (!s->cthread_started) return;
    pthread_mutex_lock(&s->cmu);
    s->cstop = true;
    pthread_cond_signal(&s->ccv);
    pthread_mutex_unlock(&s->cmu);
    pthread_join(s->cthread, NULL);
    s->cthread_started = false;
}

static void sq_wal_stats(db *d, db_wal_stats *out) {
    sdb *s = (sdb *)d;
    pthread_mutex_lock(&s->cmu);
    *out = s->wal;
    out->copied = s->copied;
    pthread_mutex_unlock(&s->cmu);
}

static const db_ops sqlite_ops = {
    .exec_async = sq_exec_async,
    .wal_stats = sq_wal_stats,
    .exec = sq_exec,
    .begin = sq_begin,
    .tx_exec = sq_tx_exec,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .migrate_lock = NULL,   /* BEGIN IMMEDIATE already excludes every other writer */
    .close = sq_close,
};

/* ---- opening ---------------------------------------------------------- */

/* Run a PRAGMA; when expect is set, its one result must equal it. */
static int pragma(sconn *c, const char *sql, const char *expect, db_err *err) {
    db_rows *r = NULL;
    int rc = run(c, sql, NULL, 0, &r, err);
    if (rc) return rc;
    const char *got = db_rows_text(r, 0, 0);
    if (expect && (!got || strcasecmp(got, expect) != 0)) {
        rc = db_fail(err, DB_ERROR, "sqlite: %s gave %s, not %s", sql, got ? got : "nothing", expect);
    }
    db_rows_free(r);
    return rc;
}

/* options, '&'-separated: "synchronous=normal|full", and the checkpoint
 * limits in WAL pages: checkpoint_pages, wal_restart_pages, finish_pages,
 * wal_max_pages (each a whole number from 1 to 1,000,000). */
static int parse_options(const char *options, const char **sync, wal_limits *lim, db_err *err) {
    *sync = "NORMAL";
    *lim = (wal_limits){DB_SQLITE_CHECKPOINT_PAGES, DB_SQLITE_WAL_RESTART_PAGES, DB_SQLITE_FINISH_PAGES,
                        DB_SQLITE_WAL_MAX_PAGES};
    static const struct {
        const char *name;
        size_t off;
    } limits[] = {
        {"checkpoint_pages", offsetof(wal_limits, checkpoint_pages)},
        {"wal_restart_pages", offsetof(wal_limits, restart_pages)},
        {"finish_pages", offsetof(wal_limits, finish_pages)},
        {"wal_max_pages", offsetof(wal_limits, max_pages)},
    };
    const char *known = "known: synchronous=normal|full, checkpoint_pages, wal_restart_pages, finish_pages, wal_max_pages";
    const char *p = options ? options : "";
    while (*p) {
        size_t len = strcspn(p, "&");
        size_t klen = strcspn(p, "=");
        if (klen > len) klen = len;
        const char *v = p + klen + (klen < len);
        int vlen = (int)(p + len - v);
        bool done = false;
        if (klen == strlen("synchronous") && strncasecmp(p, "synchronous", klen) == 0) {
            if (vlen == 6 && strncasecmp(v, "normal", 6) == 0) *sync = "NORMAL", done = true;
            else if (vlen == 4 && strncasecmp(v, "full", 4) == 0) *sync = "FULL", done = true;
        }
        for (size_t i = 0; !done && i < sizeof limits / sizeof *limits; i++) {
            if (klen != strlen(limits[i].name) || strncmp(p, limits[i].name, klen) != 0) continue;
            char num[16];
            char *endp = NULL;
            long n = 0;
            if (vlen > 0 && vlen < (int)sizeof num) {
                memcpy(num, v, (size_t)vlen);
                num[vlen] = 0;
                n = strtol(num, &endp, 10);
            }
            if (!endp || *endp || n < 1 || n > 1000000)
                return db_fail(err, DB_ERROR, "sqlite: %s must be a whole number from 1 to 1000000, not \"%.*s\"",
                               limits[i].name, vlen > 32 ? 32 : vlen, v);
            *(int *)((char *)lim + limits[i].off) = (int)n;
            done = true;
        }
        if (!done)
            return db_fail(err, DB_ERROR, "sqlite: unknown option \"%.*s\" (%s)", (int)(len > 64 ? 64 : len), p, known);
        p += len;
        if (*p == '&') p++;
    }
    if (lim->finish_pages > lim->restart_pages || lim->restart_pages > lim->max_pages)
        return db_fail(err, DB_ERROR, "sqlite: needs finish_pages <= wal_restart_pages <= wal_max_pages");
    return 0;
}

static int open_conn(sdb *s, sconn *c, const char *path, const char *sync, bool first, db_err *err) {
    memset(c, 0, sizeof *c);
    int rc = sqlite3_open_v2(path, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = db_fail(err, DB_ERROR, "sqlite: opening %s: %s", path, c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
        sqlite3_close_v2(c->h);
        c->h = NULL;
        return rc;
    }
    sqlite3_extended_result_codes(c->h, 1);
    sqlite3_busy_timeout(c->h, DB_SQLITE_BUSY_TIMEOUT_MS);
    if (first) {
        /* Switching to WAL writes the file header: hold the write lock. */
        if ((rc = write_lock(s->wl, err)) != 0) return rc;
        rc = pragma(c, "PRAGMA journal_mode=WAL", "wal", err);
        write_unlock(s->wl);
        if (rc) return rc;
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA synchronous=%s", sync);
    if ((rc = pragma(c, sql, NULL, err)) != 0) return rc;
    if ((rc = pragma(c, "PRAGMA foreign_keys=ON", NULL, err)) != 0) return rc;
    /* A larger page cache per connection (16 MiB) keeps hot pages. (mmap was
     * tried and dropped: a growing file re-maps on every read transaction.) */
    if ((rc = pragma(c, "PRAGMA cache_size=-16384", NULL, err)) != 0) return rc;
    /* Checkpoints run in the background (sq_maintain), never inside a commit. */
    if ((rc = pragma(c, "PRAGMA wal_autocheckpoint=0", NULL, err)) != 0) return rc;
    return pragma(c, "PRAGMA foreign_keys", "1", err);
}

int db_sqlite_open(const char *path, const char *options, int pool_size, db **out, db_err *err) {
    const char *sync;
    wal_limits lim;
    int rc = parse_options(options, &sync, &lim, err);
    if (rc) return rc;
    if (!path || !*path) return db_fail(err, DB_ERROR, "sqlite: no database file named");
    if (strcmp(path, ":memory:") == 0)
        return db_fail(err, DB_ERROR, "sqlite: an in-memory database cannot be shared by a pool; name a file");
    if (!sqlite3_threadsafe()) return db_fail(err, DB_ERROR, "sqlite: the library was built without threads");

    /* Create the file ourselves so it is 0600 from the start (the -wal and
     * -shm files SQLite makes take the database file's mode). */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return db_fail(err, DB_ERROR, "sqlite: opening %s: %s", path, strerror(errno));
    struct stat st;
    int st_rc = fstat(fd, &st);
    int st_errno = errno;
    close(fd);
    if (st_rc != 0) return db_fail(err, DB_ERROR, "sqlite: %s: %s", path, strerror(st_errno));
    if (!S_ISREG(st.st_mode)) return db_fail(err, DB_ERROR, "sqlite: %s is not a regular file", path);

    sdb *s = calloc(1, sizeof *s);
    if (!s) return db_fail(err, DB_ERROR, "sqlite: out of memory");
    s->base.kind = DB_SQLITE;
    s->base.ops = &sqlite_ops;
    s->lim = lim;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->gmu, NULL);
    pthread_cond_init(&s->gcv, NULL);
    pthread_cond_init(&s->wcv, NULL);
    pthread_mutex_init(&s->cmu, NULL);
    pthread_cond_init(&s->ccv, NULL);
    pthread_cond_init(&s->cidle, NULL);
    s->wl = file_lock_get(st.st_dev, st.st_ino);
    s->conns = calloc((size_t)pool_size, sizeof *s->conns);
    if (!s->wl || !s->conns) {
        sq_close(&s->base);
        return db_fail(err, DB_ERROR, "sqlite: out of memory");
    }
    /* The writer first: it switches the file to WAL. */
    if ((rc = open_conn(s, &s->writer, path, sync, true, err)) != 0) {
        sq_close(&s->base);
        return rc;
    }
    for (int i = 0; i < pool_size; i++) {
        s->n = i + 1;   /* so sq_close closes what was opened */
        if ((rc = open_conn(s, &s->conns[i], path, sync, false, err)) != 0) {
            sq_close(&s->base);
            return rc;
        }
    }
    if (pthread_create(&s->wthread, NULL, writer_main, s) != 0) {
        sq_close(&s->base);
        return db_fail(err, DB_ERROR, "sqlite: cannot start the writer thread");
    }
    s->wthread_started = true;
    if ((rc = start_checkpointer(s, path, sync, err)) != 0) {
        sq_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}
