/* test_store.c — the store layer (db.h, schema.c, queue.h) against both
 * backends: every test runs once on SQLite (a file in a temporary directory)
 * and once on PostgreSQL when WEIR_TEST_PG_URL is set (each test in a fresh
 * schema, dropped afterwards). WEIR_TEST_REQUIRE_PG=1 turns a missing or
 * unreachable PostgreSQL into a failure; scripts/test.sh sets both. */
#include "testutil.h"

#include "base/ids.h"
#include "store/db.h"
#include "store/queue.h"
#include "store/schema.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef enum backend { BK_SQLITE, BK_PG } backend;
static backend g_backend;
static const char *g_pg_url;
static db *g_admin;   /* PostgreSQL: creates and drops the per-test schemas */

typedef struct fx {
    char *url;      /* the fresh, empty database */
    char *tmp;      /* SQLite: its directory */
    char *path;     /* SQLite: its file */
    char *schema;   /* PostgreSQL: its schema */
    db *d;          /* open and migrated, unless the test starts empty */
} fx;

/* Fail the test with the call and the store's message when rc < 0. */
#define CHECK(call)                                                                   \
    do {                                                                              \
        int64_t rc_ = (call);                                                         \
        if (rc_ < 0) fail_msg("%s: rc %lld: %s", #call, (long long)rc_, err.msg);      \
    } while (0)

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    return s;
}

static void admin_exec(const char *sql) {
    db_err err;
    if (db_exec(g_admin, sql, NULL, 0, NULL, &err) != 0) fail_msg("%s: %s", sql, err.msg);
}

/* A fresh empty database: a file, or a schema put first on search_path. */
static fx *fresh(void) {
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    if (g_backend == BK_SQLITE) {
        f->tmp = tu_mkdtemp();
        assert_non_null(f->tmp);
        f->path = str_printf("%s/weir.db", f->tmp);
        f->url = str_printf("sqlite:%s", f->path);
    } else {
        char id[ID_MAX];
        id_new("t", id);
        f->schema = str_printf("weirtest_%s", id + 2);
        char *sql = str_printf("CREATE SCHEMA %s", f->schema);
        admin_exec(sql);
        free(sql);
        f->url = str_printf("%s%coptions=-csearch_path%%3D%s", g_pg_url, strchr(g_pg_url, '?') ? '&' : '?',
                            f->schema);
    }
    return f;
}

static db *open_db(const char *url, int pool) {
    db *d = NULL;
    db_err err;
    if (db_open(url, pool, &d, &err) != 0) fail_msg("db_open: %s", err.msg);
    return d;
}

static int setup_empty(void **state) {
    *state = fresh();
    return 0;
}

static int setup(void **state) {
    fx *f = fresh();
    f->d = open_db(f->url, 0);
    db_err err;
    if (db_migrate(f->d, &err) != 0) fail_msg("db_migrate: %s", err.msg);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fx *f = *state;
    db_close(f->d);
    if (f->schema) {
        char *sql = str_printf("DROP SCHEMA %s CASCADE", f->schema);
        admin_exec(sql);
        free(sql);
    }
    if (f->tmp) tu_rmtree(f->tmp);
    free(f->url);
    free(f->tmp);
    free(f->path);
    free(f->schema);
    free(f);
    return 0;
}

static int64_t count(db *d, const char *sql) {
    db_rows *r = NULL;
    db_err err;
    if (db_exec(d, sql, NULL, 0, &r, &err) != 0) fail_msg("%s: %s", sql, err.msg);
    int64_t n = db_rows_int(r, 0, 0);
    db_rows_free(r);
    return n;
}

/* One text cell of a one-parameter query, copied (NULL for SQL NULL). */
static char *text1(db *d, const char *sql, const char *param) {
    db_rows *r = NULL;
    db_err err;
    db_val p = DB_TEXT(param);
    if (db_exec(d, sql, &p, 1, &r, &err) != 0) fail_msg("%s: %s", sql, err.msg);
    assert_int_equal(db_rows_count(r), 1);
    const char *s = db_rows_text(r, 0, 0);
    char *c = s ? strdup(s) : NULL;
    db_rows_free(r);
    return c;
}

/* ---- migrations ------------------------------------------------------- */

static void test_migrate_from_empty(void **state) {
    fx *f = *state;
    db_err err;
    f->d = open_db(f->url, 0);
    assert_int_equal(db_schema_version(f->d, &err), 0);
    CHECK(db_migrate(f->d, &err));
    assert_int_equal(db_schema_version(f->d, &err), db_migration_count);
    assert_int_equal(count(f->d, "SELECT count(*) FROM schema_migrations"), db_migration_count);
    assert_int_equal(count(f->d, "SELECT count(*) FROM runs"), 0);
    CHECK(db_exec(f->d, "INSERT INTO apps (id, name, created_at) VALUES ('app_1', 'one', 1)", NULL, 0, NULL, &err));
}

static void test_migrate_reopen_idempotent(void **state) {
    fx *f = *state;
    db_err err;
    CHECK(db_exec(f->d, "INSERT INTO apps (id, name, created_at) VALUES ('app_1', 'one', 1)", NULL, 0, NULL, &err));
    db_close(f->d);
    f->d = open_db(f->url, 0);
    CHECK(db_migrate(f->d, &err));
    CHECK(db_migrate(f->d, &err));
    assert_int_equal(db_schema_version(f->d, &err), db_migration_count);
    assert_int_equal(count(f->d, "SELECT count(*) FROM schema_migrations"), db_migration_count);
    assert_int_equal(count(f->d, "SELECT count(*) FROM apps"), 1);
}

static void test_migrate_refuses_newer(void **state) {
    fx *f = *state;
    db_err err;
    db_val p[] = {DB_INT(db_migration_count + 1), DB_TEXT("from the future"), DB_INT(0)};
    CHECK(db_exec(f->d, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", p, 3,
                  NULL, &err));
    db_close(f->d);
    f->d = open_db(f->url, 0);
    assert_int_equal(db_migrate(f->d, &err), DB_ERROR);
    assert_non_null(strstr(err.msg, "newer than this build"));
    assert_int_equal(db_schema_version(f->d, &err), db_migration_count + 1);
    assert_int_equal(count(f->d, "SELECT count(*) FROM runs"), 0);   /* untouched */
}

typedef struct migrate_arg {
    const char *url;
    pthread_barrier_t *start;
    int rc;
    char msg[256];
} migrate_arg;

static void *migrate_thread(void *p) {
    migrate_arg *a = p;
    db *d = NULL;
    db_err err;
    a->rc = db_open(a->url, 2, &d, &err);
    pthread_barrier_wait(a->start);
    if (a->rc == 0) a->rc = db_migrate(d, &err);
    if (a->rc) snprintf(a->msg, sizeof a->msg, "%s", err.msg);
    db_close(d);
    return NULL;
}

/* Servers starting at once: each migration is applied once, none fails. */
static void test_migrate_concurrent(void **state) {
    fx *f = *state;
    enum { N = 4 };
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, N);
    migrate_arg args[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        args[i] = (migrate_arg){.url = f->url, .start = &start};
        assert_int_equal(pthread_create(&th[i], NULL, migrate_thread, &args[i]), 0);
    }
    for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < N; i++)
        if (args[i].rc) fail_msg("migrator %d: %d %s", i, args[i].rc, args[i].msg);
    f->d = open_db(f->url, 0);
    assert_int_equal(count(f->d, "SELECT count(*) FROM schema_migrations"), db_migration_count);
}

/* ---- statements ------------------------------------------------------- */

static const char *const odd_texts[] = {
    "plain",
    "it's \"quoted\"; DROP TABLE p; -- and 'more'",
    "h\xc3\xa9llo \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x8e\x89",   /* héllo — 日本語 🎉 */
    "\x01\x02\t\n\r\x1b\x7f back\\slash \\x00 $1 ? %s %n",
    "",
};

/* More parameters than the backends keep on the stack (PostgreSQL: its
 * inline arrays), with an odd count so any misaligned layout shows. */
static void test_many_params(void **state) {
    fx *f = *state;
    db_err err;
    enum { N = 19 };
    db_val p[N];
    char sql[512] = "SELECT ";
    for (int i = 0; i < N; i++) {
        p[i] = i % 2 ? DB_TEXT("t") : DB_INT(i);
        char part[32];
        snprintf(part, sizeof part, "%s$%d", i ? ", " : "", i + 1);
        strcat(sql, part);
    }
    db_rows *rows = NULL;
    CHECK(db_exec(f->d, sql, p, N, &rows, &err));
    assert_int_equal(db_rows_count(rows), 1);
    for (int i = 0; i < N; i++) {
        if (i % 2) assert_string_equal(db_rows_text(rows, 0, (size_t)i), "t");
        else assert_int_equal(db_rows_int(rows, 0, (size_t)i), i);
    }
    db_rows_free(rows);
}

static void test_params_every_type(void **state) {
    fx *f = *state;
    db_err err;
    CHECK(db_exec(f->d, "CREATE TABLE p (k BIGINT PRIMARY KEY, n BIGINT, t TEXT)", NULL, 0, NULL, &err));
    const int64_t ints[] = {INT64_MAX, INT64_MIN, 0, -1, 42};
    for (int i = 0; i < 5; i++) {
        db_val p[] = {DB_INT(i), DB_INT(ints[i]), DB_TEXT(odd_texts[i])};
        CHECK(db_exec(f->d, "INSERT INTO p (k, n, t) VALUES ($1, $2, $3)", p, 3, NULL, &err));
    }
    /* NULL both ways, into a BIGINT and a TEXT column. */
    db_val pn[] = {DB_INT(5), DB_NULL, DB_TEXT(NULL)};
    CHECK(db_exec(f->d, "INSERT INTO p (k, n, t) VALUES ($1, $2, $3)", pn, 3, NULL, &err));
    /* A long text. */
    size_t big_len = 200000;
    char *big = malloc(big_len + 1);
    for (size_t i = 0; i < big_len; i++) big[i] = (char)('a' + i % 26);
    big[big_len] = '\0';
    db_val pb[] = {DB_INT(6), DB_INT(6), DB_TEXT(big)};
    CHECK(db_exec(f->d, "INSERT INTO p (k, n, t) VALUES ($1, $2, $3)", pb, 3, NULL, &err));

    db_rows *r = NULL;
    CHECK(db_exec(f->d, "SELECT k, n, t FROM p ORDER BY k", NULL, 0, &r, &err));
    assert_int_equal(db_rows_count(r), 7);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(db_rows_int(r, (size_t)i, 0), i);
        assert_true(db_rows_int(r, (size_t)i, 1) == ints[i]);
        assert_string_equal(db_rows_text(r, (size_t)i, 2), odd_texts[i]);
        assert_false(db_rows_isnull(r, (size_t)i, 2));
    }
    assert_true(db_rows_isnull(r, 5, 1));
    assert_true(db_rows_isnull(r, 5, 2));
    assert_null(db_rows_text(r, 5, 2));
    assert_int_equal(db_rows_int(r, 5, 1), 0);
    assert_string_equal(db_rows_text(r, 4, 2), "");   /* "" is not NULL */
    assert_string_equal(db_rows_text(r, 6, 2), big);
    db_rows_free(r);
    free(big);

    /* Parameters used twice and out of order. */
    db_val p2[] = {DB_INT(2), DB_TEXT(odd_texts[2])};
    CHECK(db_exec(f->d, "SELECT k FROM p WHERE t = $2 AND (k = $1 OR n = $1)", p2, 2, &r, &err));
    assert_int_equal(db_rows_count(r), 1);
    assert_int_equal(db_rows_int(r, 0, 0), 2);
    db_rows_free(r);
    /* A NULL parameter compared: matches nothing, errs on neither backend. */
    db_val p3[] = {DB_NULL};
    CHECK(db_exec(f->d, "SELECT k FROM p WHERE t = $1", p3, 1, &r, &err));
    assert_int_equal(db_rows_count(r), 0);
    db_rows_free(r);
    /* An optional filter: a text NULL is typed, so "$1 IS NULL" parses. */
    const char *filter = "SELECT count(*) FROM p WHERE ($1 IS NULL OR t = $1)";
    db_val f1 = DB_TEXT(NULL), f2 = DB_TEXT("plain");
    CHECK(db_exec(f->d, filter, &f1, 1, &r, &err));
    assert_int_equal(db_rows_int(r, 0, 0), 7);
    db_rows_free(r);
    CHECK(db_exec(f->d, filter, &f2, 1, &r, &err));
    assert_int_equal(db_rows_int(r, 0, 0), 1);
    db_rows_free(r);
    /* An untyped NULL takes a BIGINT column's type, in SET and COALESCE. */
    db_val pz[] = {DB_NULL, DB_INT(4)};
    CHECK(db_exec(f->d, "UPDATE p SET n = COALESCE($1, n) WHERE k = $2", pz, 2, &r, &err));
    assert_int_equal(db_rows_changed(r), 1);
    db_rows_free(r);
    CHECK(db_exec(f->d, "SELECT count(*) FROM p WHERE (CAST($1 AS BIGINT) IS NULL OR n = $1)", pz, 1, &r, &err));
    assert_int_equal(db_rows_int(r, 0, 0), 7);
    db_rows_free(r);

    /* Misuse fails cleanly on both backends. */
    db_val one = DB_INT(1);
    assert_int_equal(db_exec(f->d, "SELECT t FROM p WHERE k = $2", &one, 1, NULL, &err), DB_ERROR);
    assert_true(err.msg[0] != '\0');
    assert_int_equal(db_exec(f->d, "SELECT t FROM p WHERE k = ?", &one, 1, NULL, &err), DB_ERROR);
    assert_int_equal(db_exec(f->d, "SELECT 1; SELECT 2", NULL, 0, NULL, &err), DB_ERROR);
    assert_int_equal(db_exec(f->d, "", NULL, 0, NULL, &err), DB_ERROR);
    assert_int_equal(db_exec(f->d, "SELECT 1", NULL, -1, NULL, &err), DB_ERROR);
    db_val bad_type = {.type = (db_type)42};
    assert_int_equal(db_exec(f->d, "SELECT k FROM p WHERE t = $1", &bad_type, 1, NULL, &err), DB_ERROR);
}

static void test_conflict_and_errors(void **state) {
    fx *f = *state;
    db_err err;
    const char *ins = "INSERT INTO users (id, email, created_at) VALUES ($1, $2, 1)";
    db_val a[] = {DB_TEXT("usr_1"), DB_TEXT("secret-value@example.com")};
    CHECK(db_exec(f->d, ins, a, 2, NULL, &err));
    db_val b[] = {DB_TEXT("usr_2"), DB_TEXT("secret-value@example.com")};
    assert_int_equal(db_exec(f->d, ins, b, 2, NULL, &err), DB_CONFLICT);
    assert_true(err.msg[0] != '\0');
    assert_null(strstr(err.msg, "secret-value"));   /* never a parameter value */
    db_val c[] = {DB_TEXT("usr_1"), DB_TEXT("other@example.com")};
    assert_int_equal(db_exec(f->d, ins, c, 2, NULL, &err), DB_CONFLICT);   /* primary key */
    assert_null(strstr(err.msg, "usr_1"));

    /* Other constraints are errors, not conflicts. */
    db_val d[] = {DB_TEXT("usr_3"), DB_NULL};
    assert_int_equal(db_exec(f->d, ins, d, 2, NULL, &err), DB_ERROR);
    queue_new_run run = {.id = "run_orphan", .app_id = "app_missing", .board_id = "brd_1", .created_at = 1};
    assert_int_equal(queue_enqueue(f->d, &run, &err), DB_ERROR);   /* foreign key */

    /* A value the server cannot convert: the message does not quote it. */
    db_val v = DB_TEXT("secret-not-a-number");
    int rc = db_exec(f->d, "SELECT CAST($1 AS BIGINT) FROM users", &v, 1, NULL, &err);
    if (rc) assert_null(strstr(err.msg, "secret-not-a-number"));

    assert_int_equal(db_exec(f->d, "SELEKT 1", NULL, 0, NULL, &err), DB_ERROR);
    assert_true(err.msg[0] != '\0');
    assert_int_equal(db_exec(f->d, "SELECT * FROM no_such_table", NULL, 0, NULL, &err), DB_ERROR);
    assert_non_null(strstr(err.msg, "no_such_table"));
    CHECK(db_exec(f->d, "SELECT count(*) FROM users", NULL, 0, NULL, &err));   /* the pool still works */
}

/* db_exec_async: every write is committed once and its completion called
 * exactly once with its own outcome, from threads writing at the same time,
 * with synchronous writes mixed in; a failing write fails alone; closing
 * the store commits what is still queued. */
#define ASYNC_THREADS 4
#define ASYNC_PER_THREAD 200

typedef struct async_tally {
    pthread_mutex_t mu;
    int ok, conflict, other, calls[ASYNC_THREADS * ASYNC_PER_THREAD + 1];
} async_tally;

typedef struct async_ctx {
    async_tally *t;
    int slot;
} async_ctx;

static void async_done(void *ctx, int rc, const db_err *e) {
    async_ctx *c = ctx;
    pthread_mutex_lock(&c->t->mu);
    c->t->calls[c->slot]++;
    if (rc == 0) c->t->ok++;
    else if (rc == DB_CONFLICT && e && e->msg[0]) c->t->conflict++;
    else c->t->other++;
    pthread_mutex_unlock(&c->t->mu);
    free(c);
}

typedef struct async_arg {
    db *d;
    async_tally *t;
    int idx;
} async_arg;

static void *async_writer(void *p) {
    async_arg *a = p;
    for (int i = 0; i < ASYNC_PER_THREAD; i++) {
        char id[32], email[48];
        snprintf(id, sizeof id, "usr_a%d_%d", a->idx, i);
        snprintf(email, sizeof email, "a%d.%d@example.com", a->idx, i);
        db_val v[] = {DB_TEXT(id), DB_TEXT(email)};
        db_err err;
        if (i % 10 == 9) {  /* a synchronous write among them */
            if (db_exec(a->d, "INSERT INTO users (id, email, created_at) VALUES ($1, $2, 1)", v, 2, NULL, &err) != 0)
                fail_msg("sync insert: %s", err.msg);
            continue;
        }
        async_ctx *c = malloc(sizeof *c);
        *c = (async_ctx){a->t, a->idx * ASYNC_PER_THREAD + i};
        if (db_exec_async(a->d, "INSERT INTO users (id, email, created_at) VALUES ($1, $2, 1)", v, 2, async_done, c, &err) != 0)
            fail_msg("db_exec_async: %s", err.msg);
    }
    return NULL;
}

static void test_exec_async(void **state) {
    fx *f = *state;
    db_err err;
    /* A write alone is committed without waiting for company (SQLite gathers
     * for at most DB_SQLITE_GATHER_US; 100 ms leaves room for a busy machine). */
    async_tally t0 = {.mu = PTHREAD_MUTEX_INITIALIZER};
    async_ctx *c0 = malloc(sizeof *c0);
    *c0 = (async_ctx){&t0, 0};
    db_val lone[] = {DB_TEXT("usr_lone"), DB_TEXT("lone@example.com")};
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK(db_exec_async(f->d, "INSERT INTO users (id, email, created_at) VALUES ($1, $2, 1)", lone, 2, async_done, c0, &err));
    for (;;) {
        pthread_mutex_lock(&t0.mu);
        int n = t0.ok + t0.other;
        pthread_mutex_unlock(&t0.mu);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (n || (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 > 100) break;
        usleep(100);
    }
    assert_int_equal(t0.ok, 1);
    CHECK(db_exec(f->d, "DELETE FROM users WHERE id = 'usr_lone'", NULL, 0, NULL, &err));
    async_tally t = {.mu = PTHREAD_MUTEX_INITIALIZER};
    pthread_t th[ASYNC_THREADS];
    async_arg args[ASYNC_THREADS];
    for (int i = 0; i < ASYNC_THREADS; i++) {
        args[i] = (async_arg){f->d, &t, i};
        assert_int_equal(pthread_create(&th[i], NULL, async_writer, &args[i]), 0);
    }
    for (int i = 0; i < ASYNC_THREADS; i++) pthread_join(th[i], NULL);
    /* A conflicting write gets its own error; the others are not touched. */
    async_ctx *dup = malloc(sizeof *dup);
    *dup = (async_ctx){&t, ASYNC_THREADS * ASYNC_PER_THREAD};
    db_val v[] = {DB_TEXT("usr_dup"), DB_TEXT("a0.0@example.com")};
    CHECK(db_exec_async(f->d, "INSERT INTO users (id, email, created_at) VALUES ($1, $2, 1)", v, 2, async_done, dup, &err));
    /* Closing commits what is queued and calls every completion. */
    db_close(f->d);
    f->d = open_db(f->url, 0);
    int async_writes = ASYNC_THREADS * (ASYNC_PER_THREAD - ASYNC_PER_THREAD / 10);
    assert_int_equal(t.ok, async_writes);
    assert_int_equal(t.conflict, 1);
    assert_int_equal(t.other, 0);
    for (int i = 0; i < ASYNC_THREADS * ASYNC_PER_THREAD + 1; i++)
        if (i % ASYNC_PER_THREAD % 10 != 9 || i == ASYNC_THREADS * ASYNC_PER_THREAD) assert_int_equal(t.calls[i], 1);
    assert_int_equal(count(f->d, "SELECT count(*) FROM users"), ASYNC_THREADS * ASYNC_PER_THREAD);
    /* A failing write inside a batch fails alone: hold the write lock with a
     * transaction while 40 writes queue up (the writer thread waits for the
     * lock with the first), one of them a conflict, then let them go. */
    async_tally t2 = {.mu = PTHREAD_MUTEX_INITIALIZER};
    db_tx *tx;
    CHECK(db_begin(f->d, &tx, &err));
    for (int i = 0; i < 40; i++) {
        char id[32], email[48];
        snprintf(id, sizeof id, "usr_b%d", i);
        snprintf(email, sizeof email, i == 20 ? "a1.1@example.com" : "b%d@example.com", i);
        db_val bv[] = {DB_TEXT(id), DB_TEXT(email)};
        async_ctx *c = malloc(sizeof *c);
        *c = (async_ctx){&t2, i};
        CHECK(db_exec_async(f->d, "INSERT INTO users (id, email, created_at) VALUES ($1, $2, 1)", bv, 2, async_done, c, &err));
    }
    CHECK(db_commit(tx, &err));
    for (int spin = 0; spin < 1000; spin++) {  /* completions arrive from the writer thread */
        pthread_mutex_lock(&t2.mu);
        int n = t2.ok + t2.conflict + t2.other;
        pthread_mutex_unlock(&t2.mu);
        if (n == 40) break;
        usleep(10000);
    }
    assert_int_equal(t2.ok, 39);
    assert_int_equal(t2.conflict, 1);
    assert_int_equal(t2.calls[20], 1);
    assert_int_equal(count(f->d, "SELECT count(*) FROM users WHERE id LIKE 'usr_b%'"), 39);
    /* Bad arguments are refused before anything is queued. */
    assert_int_equal(db_exec_async(f->d, "INSERT INTO users (id) VALUES ($1)", v, 1, NULL, NULL, &err), DB_ERROR);
}

static void test_transactions(void **state) {
    fx *f = *state;
    db_err err;
    const char *ins = "INSERT INTO apps (id, name, created_at) VALUES ($1, 'x', 1)";
    db_tx *tx = NULL;

    CHECK(db_begin(f->d, &tx, &err));
    db_val p1 = DB_TEXT("app_1");
    CHECK(db_tx_exec(tx, ins, &p1, 1, NULL, &err));
    db_rows *r = NULL;
    CHECK(db_tx_exec(tx, "SELECT count(*) FROM apps", NULL, 0, &r, &err));   /* reads its own write */
    assert_int_equal(db_rows_int(r, 0, 0), 1);
    db_rows_free(r);
    CHECK(db_commit(tx, &err));
    assert_int_equal(count(f->d, "SELECT count(*) FROM apps"), 1);

    CHECK(db_begin(f->d, &tx, &err));
    db_val p2 = DB_TEXT("app_2");
    CHECK(db_tx_exec(tx, ins, &p2, 1, NULL, &err));
    db_rollback(tx);
    assert_int_equal(count(f->d, "SELECT count(*) FROM apps"), 1);

    /* A failed statement dooms the transaction on both backends. */
    CHECK(db_begin(f->d, &tx, &err));
    db_val p3 = DB_TEXT("app_3");
    CHECK(db_tx_exec(tx, ins, &p3, 1, NULL, &err));
    assert_int_equal(db_tx_exec(tx, ins, &p1, 1, NULL, &err), DB_CONFLICT);
    db_val p4 = DB_TEXT("app_4");
    assert_int_equal(db_tx_exec(tx, ins, &p4, 1, NULL, &err), DB_ERROR);
    assert_int_equal(db_commit(tx, &err), DB_ERROR);
    assert_int_equal(count(f->d, "SELECT count(*) FROM apps"), 1);

    /* Uncommitted writes are invisible outside the transaction, and reads
     * outside it are not blocked by it. */
    CHECK(db_begin(f->d, &tx, &err));
    db_val p5 = DB_TEXT("app_5");
    CHECK(db_tx_exec(tx, ins, &p5, 1, NULL, &err));
    assert_int_equal(count(f->d, "SELECT count(*) FROM apps"), 1);
    CHECK(db_commit(tx, &err));
    assert_int_equal(count(f->d, "SELECT count(*) FROM apps"), 2);

    /* Transactions one after another reuse the pool without leaking it. */
    for (int i = 0; i < 3 * DB_POOL_DEFAULT; i++) {
        CHECK(db_begin(f->d, &tx, &err));
        db_rollback(tx);
    }
    CHECK(db_exec(f->d, ins, &p2, 1, NULL, &err));
    assert_int_equal(count(f->d, "SELECT count(*) FROM apps"), 3);
}

static void test_rows_accessors(void **state) {
    fx *f = *state;
    db_err err;
    db_rows *r = NULL;
    CHECK(db_exec(f->d, "CREATE TABLE t (k BIGINT PRIMARY KEY, v TEXT)", NULL, 0, &r, &err));
    assert_int_equal(db_rows_count(r), 0);
    assert_int_equal(db_rows_changed(r), 0);
    db_rows_free(r);
    for (int i = 1; i <= 3; i++) {
        db_val p[] = {DB_INT(i), DB_TEXT(i == 2 ? NULL : "123")};
        CHECK(db_exec(f->d, "INSERT INTO t (k, v) VALUES ($1, $2)", p, 2, &r, &err));
        assert_int_equal(db_rows_changed(r), 1);
        assert_int_equal(db_rows_count(r), 0);
        db_rows_free(r);
    }
    CHECK(db_exec(f->d, "UPDATE t SET v = v WHERE k >= 1", NULL, 0, &r, &err));
    assert_int_equal(db_rows_changed(r), 3);
    db_rows_free(r);
    CHECK(db_exec(f->d, "UPDATE t SET v = 'x' WHERE k > 100", NULL, 0, &r, &err));
    assert_int_equal(db_rows_changed(r), 0);
    db_rows_free(r);
    CHECK(db_exec(f->d, "SELECT k, v FROM t ORDER BY k", NULL, 0, &r, &err));
    assert_int_equal(db_rows_count(r), 3);
    assert_int_equal(db_rows_changed(r), 0);
    assert_int_equal(db_rows_int(r, 0, 1), 123);
    assert_true(db_rows_isnull(r, 1, 1));
    /* Out of range reads as NULL. */
    assert_null(db_rows_text(r, 3, 0));
    assert_null(db_rows_text(r, 0, 2));
    assert_true(db_rows_isnull(r, 99, 99));
    assert_int_equal(db_rows_int(r, 99, 0), 0);
    db_rows_free(r);
    CHECK(db_exec(f->d, "DELETE FROM t WHERE k <> 2 RETURNING k", NULL, 0, &r, &err));
    assert_int_equal(db_rows_count(r), 2);
    assert_int_equal(db_rows_changed(r), 2);
    db_rows_free(r);
    CHECK(db_exec(f->d, "SELECT k FROM t WHERE k = 99", NULL, 0, &r, &err));
    assert_int_equal(db_rows_count(r), 0);
    db_rows_free(r);
    assert_int_equal(db_rows_count(NULL), 0);
    assert_null(db_rows_text(NULL, 0, 0));
    db_rows_free(NULL);
}

/* ---- backend-specific ------------------------------------------------- */

static void test_sqlite_file(void **state) {
    fx *f = *state;
    db_err err;
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *wal = str_printf("%s-wal", f->path);
    if (stat(wal, &st) == 0) assert_int_equal(st.st_mode & 0777, 0600);
    free(wal);
    char *s = text1(f->d, "PRAGMA journal_mode", NULL);
    assert_string_equal(s, "wal");
    free(s);
    assert_int_equal(count(f->d, "PRAGMA synchronous"), 1);   /* NORMAL */
    assert_int_equal(count(f->d, "PRAGMA foreign_keys"), 1);

    /* A thread writing outside its own open transaction is refused at once
     * instead of waiting for itself; its reads go to a reader. */
    db_tx *tx = NULL;
    CHECK(db_begin(f->d, &tx, &err));
    assert_int_equal(db_exec(f->d, "INSERT INTO apps (id, name, created_at) VALUES ('app_x', 'x', 1)", NULL, 0,
                             NULL, &err), DB_ERROR);
    assert_non_null(strstr(err.msg, "already holds the write lock"));
    assert_int_equal(count(f->d, "SELECT count(*) FROM apps"), 0);
    db_rollback(tx);
    /* BEGIN through db_exec is refused and leaves nothing open. */
    assert_int_equal(db_exec(f->d, "BEGIN", NULL, 0, NULL, &err), DB_ERROR);
    CHECK(db_exec(f->d, "INSERT INTO apps (id, name, created_at) VALUES ('app_x', 'x', 1)", NULL, 0, NULL, &err));
    assert_int_equal(count(f->d, "SELECT count(*) FROM apps"), 1);

    char *url = str_printf("sqlite:%s?synchronous=full", f->path);
    db *d = open_db(url, 1);
    assert_int_equal(count(d, "PRAGMA synchronous"), 2);   /* FULL */
    db_close(d);
    free(url);

    url = str_printf("sqlite:%s?synchronous=sometimes", f->path);
    assert_int_equal(db_open(url, 1, &d, &err), DB_ERROR);
    assert_non_null(strstr(err.msg, "unknown option"));
    free(url);
    assert_int_equal(db_open(f->tmp, 1, &d, &err), DB_ERROR);   /* a directory */
    assert_null(d);
    assert_int_equal(db_open("sqlite::memory:", 1, &d, &err), DB_ERROR);
    assert_int_equal(db_open("sqlite:", 1, &d, &err), DB_ERROR);
    assert_int_equal(db_open(f->url, DB_POOL_MAX + 1, &d, &err), DB_ERROR);
}

/* The write-ahead log stays bounded (db_sqlite.c, "the checkpointer"). A
 * background pass alone never wholly copies a log that keeps growing, and
 * the log only starts over once wholly copied: before committers finished
 * the last stretch themselves it grew without end under sustained writes.
 * Small limits here; the defaults are 1000 / 16384 / 256 / 65536 pages. */
#define WAL_WRITERS 4
#define WAL_ROWS_PER_WRITER 5000
#define WAL_ONE_COMMIT 64   /* frames one group commit of these rows may add past a bound */

typedef struct wal_writer {
    db *d;
    int idx;
    int failed;
} wal_writer;

static int wal_insert(db *d, int64_t id) {
    char body[801];
    memset(body, 'x', 800);
    body[800] = 0;
    db_val v[] = {DB_INT(id), DB_TEXT(body)};
    db_err err;
    return db_exec(d, "INSERT INTO wal_load (id, body) VALUES ($1, $2)", v, 2, NULL, &err);
}

static void *wal_write(void *p) {
    wal_writer *w = p;
    for (int i = 0; i < WAL_ROWS_PER_WRITER; i++)
        if (wal_insert(w->d, (int64_t)w->idx * WAL_ROWS_PER_WRITER + i) != 0) w->failed++;
    return NULL;
}

/* A new database file in f's directory, opened with these options. */
static db *wal_db(fx *f, const char *name, const char *options, char **wal_path) {
    db_err err;
    char *url = str_printf("sqlite:%s/%s?%s", f->tmp, name, options);
    db *d = open_db(url, 2);
    free(url);
    *wal_path = str_printf("%s/%s-wal", f->tmp, name);
    CHECK(db_exec(d, "CREATE TABLE wal_load (id INTEGER PRIMARY KEY, body TEXT NOT NULL)", NULL, 0, NULL, &err));
    return d;
}

/* The WAL file's length in frames: it never shrinks, so the most it held. */
static int64_t wal_frames(const char *wal_path) {
    struct stat st;
    assert_int_equal(stat(wal_path, &st), 0);
    return (st.st_size - 32) / (24 + 4096);
}

static void wal_run_writers(db *d) {
    pthread_t th[WAL_WRITERS];
    wal_writer w[WAL_WRITERS];
    for (int i = 0; i < WAL_WRITERS; i++) {
        w[i] = (wal_writer){d, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, wal_write, &w[i]), 0);
    }
    for (int i = 0; i < WAL_WRITERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failed, 0);
    }
}

static void wal_check_rows(db *d, int64_t n) {
    assert_int_equal(count(d, "SELECT count(*) FROM wal_load"), n);
    char *ok = text1(d, "PRAGMA integrity_check", NULL);   /* the parameter is unused */
    assert_string_equal(ok, "ok");
    free(ok);
}

static void test_sqlite_wal_bounded(void **state) {
    fx *f = *state;
    db_wal_stats st;
    char *wal = NULL;
    db_err err;

    /* 1. Writers that never pause (~28,000 frames in all): committers finish
     * what the passes leave, and the log starts over again and again. A pass
     * that falls far behind (a slow disk, a loaded machine) meets the bound. */
    db *d = wal_db(f, "a.db", "checkpoint_pages=128&wal_restart_pages=1024&finish_pages=1024&wal_max_pages=4096", &wal);
    wal_run_writers(d);
    db_wal_stats_get(d, &st);
    int64_t frames = wal_frames(wal);
    print_message("wal: %lld frames at most, %lld passes, %lld finishes (%lld forced), %lld restarts\n",
                  (long long)frames, (long long)st.passes, (long long)st.finishes, (long long)st.forced,
                  (long long)st.restarts);
    assert_true(st.finishes - st.forced > 0);
    assert_true(st.restarts >= 3);
    assert_true(frames <= 4096 + WAL_ONE_COMMIT);
    wal_check_rows(d, WAL_WRITERS * WAL_ROWS_PER_WRITER);
    db_close(d);
    free(wal);

    /* 2. Passes that never keep up (asked for only past 1,000,000 frames):
     * wal_max_pages holds by itself, and each time it is reached is counted. */
    d = wal_db(f, "b.db", "checkpoint_pages=1000000&wal_restart_pages=512&finish_pages=1&wal_max_pages=512", &wal);
    wal_run_writers(d);
    db_wal_stats_get(d, &st);
    frames = wal_frames(wal);
    print_message("wal: %lld frames at most, %lld restarts, %lld forced\n", (long long)frames, (long long)st.restarts,
                  (long long)st.forced);
    assert_true(st.forced > 0);
    assert_true(frames <= 512 + WAL_ONE_COMMIT);
    wal_check_rows(d, WAL_WRITERS * WAL_ROWS_PER_WRITER);
    db_close(d);
    free(wal);

    /* 3. A quiet database: a few frames, far under checkpoint_pages, are
     * still copied by the checkpointer's once-a-second pass. */
    d = wal_db(f, "c.db", "", &wal);
    db_val body[] = {DB_TEXT("quiet")};
    CHECK(db_exec(d, "INSERT INTO wal_load (body) VALUES ($1)", body, 1, NULL, &err));
    for (int i = 0; i < 100; i++) {   /* up to 10 s; a pass is due within 1 s */
        db_wal_stats_get(d, &st);
        if (st.pages > 0 && st.copied == st.pages) break;
        usleep(100 * 1000);
    }
    assert_true(st.pages > 0 && st.pages < 1000);
    assert_true(st.passes >= 1);
    assert_int_equal(st.copied, st.pages);
    db_close(d);
    free(wal);

    /* 4. Limits out of order, or not numbers, are refused. */
    d = NULL;
    char *url = str_printf("sqlite:%s?wal_restart_pages=100&wal_max_pages=50", f->path);
    assert_int_equal(db_open(url, 1, &d, &err), DB_ERROR);
    assert_non_null(strstr(err.msg, "wal_max_pages"));
    free(url);
    url = str_printf("sqlite:%s?checkpoint_pages=many", f->path);
    assert_int_equal(db_open(url, 1, &d, &err), DB_ERROR);
    assert_non_null(strstr(err.msg, "whole number"));
    free(url);
    assert_null(d);
}

typedef struct killer {
    int64_t pid;
    int delay_ms;
} killer;

static void *kill_backend(void *p) {
    killer *k = p;
    struct timespec ts = {.tv_sec = k->delay_ms / 1000, .tv_nsec = (long)(k->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    db_val v = DB_INT(k->pid);
    db_err err;
    db_exec(g_admin, "SELECT pg_terminate_backend(CAST($1 AS INTEGER))", &v, 1, NULL, &err);
    return NULL;
}

static int64_t backend_pid(db *d) { return count(d, "SELECT pg_backend_pid()"); }

/* Wait until the server has let go of a terminated backend. */
static void wait_gone(int64_t pid) {
    for (int i = 0; i < 200; i++) {
        db_val v = DB_INT(pid);
        db_rows *r = NULL;
        db_err err;
        if (db_exec(g_admin, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", &v, 1, &r, &err) != 0)
            fail_msg("%s", err.msg);
        int64_t n = db_rows_int(r, 0, 0);
        db_rows_free(r);
        if (n == 0) return;
        usleep(10000);
    }
    fail_msg("backend %lld still there", (long long)pid);
}

static void test_pg_connection_loss(void **state) {
    fx *f = *state;
    db_err err;
    db *d = open_db(f->url, 1);

    /* Dropped while idle in the pool: noticed and reset before sending, so
     * even a write goes through. */
    int64_t pid = backend_pid(d);
    killer k = {.pid = pid, .delay_ms = 0};
    kill_backend(&k);
    wait_gone(pid);
    CHECK(db_exec(d, "INSERT INTO apps (id, name, created_at) VALUES ('app_1', 'x', 1)", NULL, 0, NULL, &err));
    assert_true(backend_pid(d) != pid);

    /* Lost in the middle of a SELECT: reset and sent again. */
    pid = backend_pid(d);
    k = (killer){.pid = pid, .delay_ms = 200};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, kill_backend, &k), 0);
    CHECK(db_exec(d, "SELECT pg_sleep(0.6)", NULL, 0, NULL, &err));
    pthread_join(th, NULL);

    /* Lost in the middle of a write: not retried, reported; the next works. */
    pid = backend_pid(d);
    k = (killer){.pid = pid, .delay_ms = 200};
    assert_int_equal(pthread_create(&th, NULL, kill_backend, &k), 0);
    int rc = db_exec(d, "INSERT INTO apps (id, name, created_at) SELECT 'app_2', 'y', 1 FROM (SELECT pg_sleep(0.6)) s",
                     NULL, 0, NULL, &err);
    pthread_join(th, NULL);
    assert_int_equal(rc, DB_ERROR);
    assert_non_null(strstr(err.msg, "may or may not"));
    assert_int_equal(count(d, "SELECT count(*) FROM apps"), 1);

    /* Lost inside a transaction: the transaction fails, the pool recovers. */
    db_tx *tx = NULL;
    CHECK(db_begin(d, &tx, &err));
    db_rows *r = NULL;
    CHECK(db_tx_exec(tx, "SELECT pg_backend_pid()", NULL, 0, &r, &err));
    k = (killer){.pid = db_rows_int(r, 0, 0), .delay_ms = 0};
    db_rows_free(r);
    kill_backend(&k);
    wait_gone(k.pid);
    assert_int_equal(db_tx_exec(tx, "INSERT INTO apps (id, name, created_at) VALUES ('app_3', 'z', 1)", NULL, 0,
                                NULL, &err), DB_ERROR);
    assert_int_equal(db_commit(tx, &err), DB_ERROR);
    assert_int_equal(count(d, "SELECT count(*) FROM apps"), 1);
    db_close(d);

    /* A bad URL fails at open, without echoing a password. */
    db *bad = NULL;
    assert_int_equal(db_open("postgres://weir:hunter2@/nosuchdb?host=/nonexistent-dir&connect_timeout=2", 1, &bad,
                             &err), DB_ERROR);
    assert_null(bad);
    assert_null(strstr(err.msg, "hunter2"));
}

/* ---- the queue -------------------------------------------------------- */

static void make_app(db *d) {
    db_err err;
    CHECK(db_exec(d, "INSERT INTO apps (id, name, created_at) VALUES ('app_q', 'queue', 1)", NULL, 0, NULL, &err));
}

static void new_run(db *d, char id[ID_MAX], const char *on_restart) {
    db_err err;
    id_new("run", id);
    queue_new_run run = {.id = id, .app_id = "app_q", .board_id = "brd_1", .board_version = 7,
                         .on_restart = on_restart, .payload = "{\"n\":1}", .created_by = "test",
                         .created_at = now_us()};
    CHECK(queue_enqueue(d, &run, &err));
}

static char *status_of(db *d, const char *id) { return text1(d, "SELECT status FROM runs WHERE id = $1", id); }

static void assert_status(db *d, const char *id, const char *want) {
    char *s = status_of(d, id);
    assert_string_equal(s, want);
    free(s);
}

static void test_queue_enqueue_claim_order(void **state) {
    fx *f = *state;
    db_err err;
    make_app(f->d);
    char ids[5][ID_MAX];
    for (int i = 0; i < 5; i++) new_run(f->d, ids[i], NULL);
    assert_int_equal(queue_depth(f->d, &err), 5);

    queue_claimed *c = NULL;
    int n = -1;
    CHECK(queue_claim(f->d, "wk_a", 2, 1000, &c, &n, &err));
    assert_int_equal(n, 2);
    assert_string_equal(c[0].id, ids[0]);
    assert_string_equal(c[1].id, ids[1]);
    assert_string_equal(c[0].app_id, "app_q");
    assert_string_equal(c[0].board_id, "brd_1");
    assert_int_equal(c[0].board_version, 7);
    assert_int_equal(c[0].attempts, 1);
    assert_null(c[0].event_id);
    assert_null(c[0].start_node);
    assert_null(c[0].variables);
    assert_string_equal(c[0].payload, "{\"n\":1}");
    queue_claimed_free(c, n);
    assert_int_equal(queue_depth(f->d, &err), 3);
    assert_status(f->d, ids[0], "running");
    assert_int_equal(count(f->d, "SELECT started_at FROM runs WHERE worker = 'wk_a' LIMIT 1"), 1000);

    CHECK(queue_claim(f->d, "wk_b", 10, 1000, &c, &n, &err));
    assert_int_equal(n, 3);
    for (int i = 0; i < 3; i++) assert_string_equal(c[i].id, ids[i + 2]);
    queue_claimed_free(c, n);
    CHECK(queue_claim(f->d, "wk_b", 10, 1000, &c, &n, &err));
    assert_int_equal(n, 0);
    assert_null(c);
    CHECK(queue_claim(f->d, "wk_b", 0, 1000, &c, &n, &err));
    assert_int_equal(n, 0);
    assert_int_equal(queue_depth(f->d, &err), 0);

    /* Bad input. */
    queue_new_run bad = {.id = "run_bad", .app_id = "app_q", .board_id = "brd_1", .on_restart = "sometimes"};
    assert_int_equal(queue_enqueue(f->d, &bad, &err), DB_ERROR);
    bad = (queue_new_run){.app_id = "app_q", .board_id = "brd_1"};
    assert_int_equal(queue_enqueue(f->d, &bad, &err), DB_ERROR);
    bad = (queue_new_run){.id = ids[0], .app_id = "app_q", .board_id = "brd_1"};
    assert_int_equal(queue_enqueue(f->d, &bad, &err), DB_CONFLICT);
}

enum { CONC_RUNS = 1000, CONC_THREADS = 4, CONC_BATCH = 7 };

typedef struct claimer {
    db *d;
    char worker[16];
    char (*ids)[ID_MAX];   /* CONC_RUNS slots */
    int n;
    int errors, bad_finishes;
    char msg[300];
} claimer;

static void *claim_loop(void *p) {
    claimer *cl = p;
    db_err err;
    for (;;) {
        queue_claimed *c = NULL;
        int n = 0;
        if (queue_claim(cl->d, cl->worker, CONC_BATCH, now_us(), &c, &n, &err) != 0) {
            cl->errors++;
            snprintf(cl->msg, sizeof cl->msg, "claim: %s", err.msg);
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            if (cl->n < CONC_RUNS) snprintf(cl->ids[cl->n], ID_MAX, "%s", c[i].id);
            cl->n++;
            if (queue_finish(cl->d, c[i].id, cl->worker, "completed", "{}", NULL, NULL, now_us(), &err) != 1)
                cl->bad_finishes++;
        }
        queue_claimed_free(c, n);
        if (n == 0) {
            int64_t depth = queue_depth(cl->d, &err);
            if (depth < 0) {
                cl->errors++;
                snprintf(cl->msg, sizeof cl->msg, "depth: %s", err.msg);
                return NULL;
            }
            if (depth == 0) return NULL;
            sched_yield();   /* the rest are being claimed by others */
        }
    }
}

static int cmp_id(const void *a, const void *b) { return strcmp(a, b); }

static void test_queue_concurrent_claims(void **state) {
    fx *f = *state;
    db_err err;
    make_app(f->d);
    char (*want)[ID_MAX] = calloc(CONC_RUNS, ID_MAX);
    for (int i = 0; i < CONC_RUNS; i++) new_run(f->d, want[i], NULL);

    claimer cl[CONC_THREADS];
    pthread_t th[CONC_THREADS];
    for (int t = 0; t < CONC_THREADS; t++) {
        cl[t] = (claimer){.d = f->d, .ids = calloc(CONC_RUNS, ID_MAX)};
        snprintf(cl[t].worker, sizeof cl[t].worker, "wk_%d", t);
        assert_int_equal(pthread_create(&th[t], NULL, claim_loop, &cl[t]), 0);
    }
    for (int t = 0; t < CONC_THREADS; t++) pthread_join(th[t], NULL);

    char (*got)[ID_MAX] = calloc(CONC_RUNS, ID_MAX);
    int total = 0;
    for (int t = 0; t < CONC_THREADS; t++) {
        if (cl[t].errors) fail_msg("claimer %d: %s", t, cl[t].msg);
        assert_int_equal(cl[t].bad_finishes, 0);
        assert_true(total + cl[t].n <= CONC_RUNS);   /* no run claimed twice */
        memcpy(got[total], cl[t].ids, (size_t)cl[t].n * ID_MAX);
        total += cl[t].n;
        free(cl[t].ids);
    }
    assert_int_equal(total, CONC_RUNS);
    qsort(got, CONC_RUNS, ID_MAX, cmp_id);
    for (int i = 0; i < CONC_RUNS; i++) assert_string_equal(got[i], want[i]);   /* each exactly once */
    free(got);
    free(want);
    assert_int_equal(count(f->d, "SELECT count(*) FROM runs WHERE status = 'completed' AND attempts = 1"),
                     CONC_RUNS);
    assert_int_equal(queue_depth(f->d, &err), 0);
}

/* The same across processes: children are this binary run again with
 * --claimer (fresh processes: an SQLite connection must not cross a fork),
 * each with its own pool. Each says it is ready (OUT.ready) and waits for the
 * file GO, so they all claim at once, alongside this process. */
enum { PROC_CHILDREN = 3, PROC_RUNS = 600 };

static void touch(const char *path) {
    FILE *f = fopen(path, "w");
    if (f) fclose(f);
}

static bool wait_file(const char *path) {
    for (int i = 0; i < 30000; i++) {   /* 30 s */
        if (access(path, F_OK) == 0) return true;
        usleep(1000);
    }
    return false;
}

static int claimer_main(const char *url, const char *worker, const char *out_path, const char *go_path) {
    db *d = NULL;
    db_err err;
    if (db_open(url, 2, &d, &err) != 0) {
        fprintf(stderr, "claimer %s: %s\n", worker, err.msg);
        return 2;
    }
    char *ready = str_printf("%s.ready", out_path);
    touch(ready);
    free(ready);
    if (!wait_file(go_path)) {
        db_close(d);
        return 2;
    }
    claimer cl = {.d = d, .ids = calloc(CONC_RUNS, ID_MAX)};
    snprintf(cl.worker, sizeof cl.worker, "%s", worker);
    claim_loop(&cl);
    db_close(d);
    FILE *out = fopen(out_path, "w");
    if (!out) return 2;
    for (int i = 0; i < cl.n && i < CONC_RUNS; i++) fprintf(out, "%s\n", cl.ids[i]);
    fclose(out);
    free(cl.ids);
    if (cl.errors || cl.bad_finishes || cl.n > CONC_RUNS) {
        fprintf(stderr, "claimer %s: %d errors (%s), %d bad finishes\n", worker, cl.errors, cl.msg,
                cl.bad_finishes);
        return 1;
    }
    return 0;
}

static void test_queue_claims_across_processes(void **state) {
    fx *f = *state;
    make_app(f->d);
    char (*want)[ID_MAX] = calloc(PROC_RUNS, ID_MAX);
    for (int i = 0; i < PROC_RUNS; i++) new_run(f->d, want[i], NULL);
    char *dir = tu_mkdtemp();
    assert_non_null(dir);

    pid_t pids[PROC_CHILDREN];
    char *outs[PROC_CHILDREN];
    char *go = str_printf("%s/go", dir);
    for (int i = 0; i < PROC_CHILDREN; i++) {
        outs[i] = str_printf("%s/claimed-%d", dir, i);
        char worker[16];
        snprintf(worker, sizeof worker, "wk_proc%d", i);
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            char *args[] = {"test_store", "--claimer", f->url, worker, outs[i], go, NULL};
            execv("/proc/self/exe", args);
            _exit(127);
        }
    }
    for (int i = 0; i < PROC_CHILDREN; i++) {
        char *ready = str_printf("%s.ready", outs[i]);
        bool ok = wait_file(ready);
        free(ready);
        if (!ok) fail_msg("claimer process %d never got ready", i);
    }
    touch(go);
    free(go);
    claimer self = {.d = f->d, .ids = calloc(CONC_RUNS, ID_MAX)};
    snprintf(self.worker, sizeof self.worker, "wk_parent");
    claim_loop(&self);
    for (int i = 0; i < PROC_CHILDREN; i++) {
        int st = 0;
        assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fail_msg("claimer process %d ended with status %d", i, st);
    }
    if (self.errors) fail_msg("parent claimer: %s", self.msg);
    assert_int_equal(self.bad_finishes, 0);

    char (*got)[ID_MAX] = calloc(PROC_RUNS + CONC_RUNS, ID_MAX);
    int total = 0;
    for (int i = 0; i < self.n; i++) snprintf(got[total++], ID_MAX, "%s", self.ids[i]);
    free(self.ids);
    for (int i = 0; i < PROC_CHILDREN; i++) {
        FILE *in = fopen(outs[i], "r");
        assert_non_null(in);
        char line[ID_MAX + 2];
        while (fgets(line, sizeof line, in)) {
            line[strcspn(line, "\n")] = '\0';
            assert_true(strlen(line) < ID_MAX);
            assert_true(total < PROC_RUNS + 1);   /* more lines than runs: a duplicate */
            memcpy(got[total++], line, strlen(line) + 1);
        }
        fclose(in);
        free(outs[i]);
    }
    assert_int_equal(total, PROC_RUNS);
    qsort(got, (size_t)total, ID_MAX, cmp_id);
    for (int i = 0; i < PROC_RUNS; i++) assert_string_equal(got[i], want[i]);
    assert_int_equal(count(f->d, "SELECT count(*) FROM runs WHERE status = 'completed' AND attempts = 1"),
                     PROC_RUNS);
    if (getenv("WEIR_TEST_VERBOSE")) {
        db_rows *r = NULL;
        db_err err;
        if (db_exec(f->d, "SELECT worker, count(*) FROM runs GROUP BY worker ORDER BY worker", NULL, 0, &r, &err) == 0)
            for (size_t i = 0; i < db_rows_count(r); i++)
                fprintf(stderr, "  %s claimed %s\n", db_rows_text(r, i, 0), db_rows_text(r, i, 1));
        db_rows_free(r);
    }
    free(got);
    free(want);
    tu_rmtree(dir);
    free(dir);
}

static void test_queue_finish_once(void **state) {
    fx *f = *state;
    db_err err;
    make_app(f->d);
    char id[ID_MAX];
    new_run(f->d, id, NULL);
    queue_claimed *c = NULL;
    int n = 0;
    CHECK(queue_claim(f->d, "wk_a", 1, 10, &c, &n, &err));
    assert_int_equal(n, 1);
    queue_claimed_free(c, n);

    assert_int_equal(queue_finish(f->d, id, "wk_other", "completed", NULL, NULL, NULL, 20, &err), 0);
    assert_int_equal(queue_finish(f->d, id, "wk_a", "finished", NULL, NULL, NULL, 20, &err), DB_ERROR);
    assert_int_equal(queue_finish(f->d, id, "wk_a", "failed", NULL, "{\"code\":\"x\"}", "{\"r\":1}", 20, &err), 1);
    assert_int_equal(queue_finish(f->d, id, "wk_a", "completed", "{}", NULL, NULL, 30, &err), 0);
    assert_status(f->d, id, "failed");
    char *s = text1(f->d, "SELECT error FROM runs WHERE id = $1", id);
    assert_string_equal(s, "{\"code\":\"x\"}");
    free(s);
    s = text1(f->d, "SELECT result FROM runs WHERE id = $1", id);
    assert_null(s);
    assert_int_equal(count(f->d, "SELECT finished_at FROM runs"), 20);
    assert_int_equal(queue_finish(f->d, "run_unknown", "wk_a", "completed", NULL, NULL, NULL, 20, &err), 0);

    /* A run executed at once by its caller. */
    char id2[ID_MAX];
    id_new("run", id2);
    queue_new_run run = {.id = id2, .app_id = "app_q", .board_id = "brd_1", .board_version = 1, .created_at = 5};
    CHECK(queue_insert_running(f->d, &run, "wk_hook", 5, &err));
    assert_int_equal(queue_depth(f->d, &err), 0);
    CHECK(queue_claim(f->d, "wk_a", 5, 10, &c, &n, &err));
    assert_int_equal(n, 0);
    assert_int_equal(queue_finish(f->d, id2, "wk_hook", "timed_out", NULL, NULL, NULL, 9, &err), 1);
    assert_status(f->d, id2, "timed_out");
}

static void test_queue_cancel(void **state) {
    fx *f = *state;
    db_err err;
    make_app(f->d);
    char queued[ID_MAX], running[ID_MAX];
    new_run(f->d, running, NULL);
    new_run(f->d, queued, NULL);
    queue_claimed *c = NULL;
    int n = 0;
    CHECK(queue_claim(f->d, "wk_a", 1, 10, &c, &n, &err));
    assert_int_equal(n, 1);
    assert_string_equal(c[0].id, running);
    queue_claimed_free(c, n);

    assert_int_equal(queue_cancel_requested(f->d, running, &err), 0);
    assert_int_equal(queue_cancel(f->d, queued, 50, &err), 1);
    assert_status(f->d, queued, "cancelled");
    assert_int_equal(queue_depth(f->d, &err), 0);
    CHECK(queue_claim(f->d, "wk_a", 5, 60, &c, &n, &err));
    assert_int_equal(n, 0);
    assert_int_equal(queue_cancel(f->d, queued, 70, &err), 0);   /* already ended */

    assert_int_equal(queue_cancel(f->d, running, 80, &err), 1);
    assert_status(f->d, running, "running");   /* its worker stops it */
    assert_int_equal(queue_cancel_requested(f->d, running, &err), 1);
    assert_int_equal(queue_finish(f->d, running, "wk_a", "cancelled", NULL, NULL, NULL, 90, &err), 1);
    assert_int_equal(queue_cancel(f->d, running, 95, &err), 0);
    assert_int_equal(queue_cancel(f->d, "run_unknown", 95, &err), 0);
    assert_int_equal(queue_cancel_requested(f->d, "run_unknown", &err), 0);
}

/* Put a run in a given state directly, for recovery scenarios. */
static void force_run(db *d, const char *id, const char *status, const char *worker, int64_t attempts) {
    db_err err;
    db_val p[] = {DB_TEXT(id), DB_TEXT(status), DB_TEXT(worker), DB_INT(attempts)};
    CHECK(db_exec(d, "UPDATE runs SET status = $2, worker = $3, attempts = $4 WHERE id = $1", p, 4, NULL, &err));
}

static void test_queue_recover(void **state) {
    fx *f = *state;
    db_err err;
    make_app(f->d);
    const int64_t now = 1000000000000, stale = 60000000;
    CHECK(queue_worker_register(f->d, "wk_self", "here", now, &err));
    CHECK(queue_worker_register(f->d, "wk_dead", "gone", now - 600000000, &err));
    CHECK(queue_worker_register(f->d, "wk_live", "there", now - 600000000, &err));
    CHECK(queue_worker_heartbeat(f->d, "wk_live", now - 1000000, &err));

    enum { DEAD_REQ, DEAD_FAIL, SELF, GHOST, LIVE, NOBODY, CAPPED, QUEUED, DONE, NRUNS };
    char id[NRUNS][ID_MAX];
    for (int i = 0; i < NRUNS; i++) new_run(f->d, id[i], i == DEAD_FAIL ? "fail" : "requeue");
    force_run(f->d, id[DEAD_REQ], "running", "wk_dead", 1);
    force_run(f->d, id[DEAD_FAIL], "running", "wk_dead", 1);
    force_run(f->d, id[SELF], "running", "wk_self", 1);
    force_run(f->d, id[GHOST], "running", "wk_never_registered", 2);
    force_run(f->d, id[LIVE], "running", "wk_live", 1);
    force_run(f->d, id[NOBODY], "running", NULL, 1);
    force_run(f->d, id[CAPPED], "running", "wk_dead", QUEUE_MAX_ATTEMPTS);
    force_run(f->d, id[DONE], "completed", "wk_dead", 1);

    int requeued = -1, failed = -1;
    CHECK(queue_recover(f->d, "wk_self", now, stale, &requeued, &failed, &err));
    assert_int_equal(requeued, 3);
    assert_int_equal(failed, 2);
    assert_status(f->d, id[DEAD_REQ], "queued");
    assert_status(f->d, id[GHOST], "queued");
    assert_status(f->d, id[NOBODY], "queued");
    assert_status(f->d, id[DEAD_FAIL], "failed");
    assert_status(f->d, id[CAPPED], "failed");
    assert_status(f->d, id[SELF], "running");
    assert_status(f->d, id[LIVE], "running");
    assert_status(f->d, id[QUEUED], "queued");
    assert_status(f->d, id[DONE], "completed");
    char *s = text1(f->d, "SELECT worker FROM runs WHERE id = $1", id[DEAD_REQ]);
    assert_null(s);
    s = text1(f->d, "SELECT error FROM runs WHERE id = $1", id[DEAD_FAIL]);
    assert_non_null(strstr(s, "\"interrupted\""));
    free(s);
    s = text1(f->d, "SELECT error FROM runs WHERE id = $1", id[CAPPED]);
    assert_non_null(strstr(s, "too many times"));
    free(s);
    assert_int_equal(queue_depth(f->d, &err), 4);
    /* The dead worker's late finish changes nothing. */
    assert_int_equal(queue_finish(f->d, id[DEAD_REQ], "wk_dead", "completed", NULL, NULL, NULL, now, &err), 0);
    assert_int_equal(queue_finish(f->d, id[DEAD_FAIL], "wk_dead", "completed", NULL, NULL, NULL, now, &err), 0);

    /* Nothing left to recover; a worker that heartbeats again is alive. */
    CHECK(queue_recover(f->d, "wk_self", now, stale, &requeued, &failed, &err));
    assert_int_equal(requeued + failed, 0);
    force_run(f->d, id[QUEUED], "running", "wk_dead", 1);
    CHECK(queue_worker_heartbeat(f->d, "wk_dead", now, &err));
    CHECK(queue_recover(f->d, "wk_self", now, stale, NULL, NULL, &err));
    assert_status(f->d, id[QUEUED], "running");
    assert_int_equal(queue_recover(f->d, "wk_self", now, -1, NULL, NULL, &err), DB_ERROR);
}

/* A run that kills its server every time is failed after QUEUE_MAX_ATTEMPTS claims. */
static void test_queue_attempts_cap(void **state) {
    fx *f = *state;
    db_err err;
    make_app(f->d);
    char id[ID_MAX];
    new_run(f->d, id, "requeue");
    for (int attempt = 1; attempt <= QUEUE_MAX_ATTEMPTS; attempt++) {
        queue_claimed *c = NULL;
        int n = 0;
        CHECK(queue_claim(f->d, "wk_crashy", 1, attempt * 100, &c, &n, &err));
        assert_int_equal(n, 1);
        assert_int_equal(c[0].attempts, attempt);
        queue_claimed_free(c, n);
        int requeued = 0, failed = 0;   /* wk_crashy never registered: dead */
        CHECK(queue_recover(f->d, "wk_self", attempt * 100 + 1, 0, &requeued, &failed, &err));
        assert_int_equal(requeued, attempt < QUEUE_MAX_ATTEMPTS ? 1 : 0);
        assert_int_equal(failed, attempt < QUEUE_MAX_ATTEMPTS ? 0 : 1);
    }
    assert_status(f->d, id, "failed");
    assert_int_equal(queue_depth(f->d, &err), 0);
}

/* A queued run whose id says it was created at `created_us` (ids.h). */
static void old_run(db *d, char id[ID_MAX], int64_t created_us, int serial) {
    db_err err;
    snprintf(id, ID_MAX, "run_%016llx%016x", (unsigned long long)created_us, serial);
    queue_new_run run = {.id = id, .app_id = "app_q", .board_id = "brd_1", .board_version = 7,
                         .payload = "{}", .created_by = "test", .created_at = created_us};
    CHECK(queue_enqueue(d, &run, &err));
}

static void test_queue_depth_and_prune(void **state) {
    fx *f = *state;
    db_err err;
    make_app(f->d);
    enum { OLD = 25, NEW = 3 };
    char id[ID_MAX];
    for (int i = 0; i < OLD; i++) old_run(f->d, id, 1000 + i, i);
    for (int i = 0; i < NEW; i++) new_run(f->d, id, NULL);
    assert_int_equal(queue_depth(f->d, &err), OLD + NEW);
    queue_claimed *c = NULL;
    int n = 0;
    CHECK(queue_claim(f->d, "wk_a", OLD + NEW, 10, &c, &n, &err));
    assert_int_equal(n, OLD + NEW);
    for (int i = 0; i < n; i++)
        assert_int_equal(queue_finish(f->d, c[i].id, "wk_a", i % 2 ? "completed" : "failed", NULL, NULL, NULL, 2000,
                                      &err), 1);
    queue_claimed_free(c, n);
    /* old but still in flight: never pruned */
    old_run(f->d, id, 500, 900);
    old_run(f->d, id, 501, 901);
    CHECK(queue_claim(f->d, "wk_a", 1, 10, &c, &n, &err));   /* one running, one queued */
    queue_claimed_free(c, n);
    assert_int_equal(queue_depth(f->d, &err), 1);

    /* created before 1 s after the epoch: the 25 old ended runs, in batches */
    assert_int_equal(queue_prune(f->d, 1000000, 10, &err), 10);
    assert_int_equal(queue_prune(f->d, 1000000, 10, &err), 10);
    assert_int_equal(queue_prune(f->d, 1000000, 10, &err), 5);
    assert_int_equal(queue_prune(f->d, 1000000, 10, &err), 0);
    assert_int_equal(count(f->d, "SELECT count(*) FROM runs"), NEW + 2);
    assert_int_equal(queue_prune(f->d, 1000000, 0, &err), DB_ERROR);
    assert_int_equal(queue_depth(f->d, &err), 1);
}

static void test_queue_workers(void **state) {
    fx *f = *state;
    db_err err;
    CHECK(queue_worker_register(f->d, "wk_a", "host-1", 100, &err));
    CHECK(queue_worker_register(f->d, "wk_a", "host-2", 200, &err));   /* a restart under the same id */
    CHECK(queue_worker_heartbeat(f->d, "wk_a", 300, &err));
    CHECK(queue_worker_heartbeat(f->d, "wk_b", 400, &err));            /* row re-created */
    assert_int_equal(count(f->d, "SELECT count(*) FROM workers"), 2);
    assert_int_equal(count(f->d, "SELECT heartbeat_at FROM workers WHERE id = 'wk_a'"), 300);
    assert_int_equal(count(f->d, "SELECT started_at FROM workers WHERE id = 'wk_a'"), 200);
    char *s = text1(f->d, "SELECT host FROM workers WHERE id = $1", "wk_a");
    assert_string_equal(s, "host-2");
    free(s);
}

/* ---- main ------------------------------------------------------------- */

static int pg_group_setup(void **state) {
    db_err err;
    if (db_open(g_pg_url, 1, &g_admin, &err) != 0) {
        fprintf(stderr, "test_store: PostgreSQL at WEIR_TEST_PG_URL is unreachable: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int pg_group_teardown(void **state) {
    db_close(g_admin);
    g_admin = NULL;
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "--claimer") == 0) return claimer_main(argv[2], argv[3], argv[4], argv[5]);
#define COMMON_TESTS                                                                      \
    cmocka_unit_test_setup_teardown(test_migrate_from_empty, setup_empty, teardown),        \
    cmocka_unit_test_setup_teardown(test_migrate_reopen_idempotent, setup, teardown),       \
    cmocka_unit_test_setup_teardown(test_migrate_refuses_newer, setup, teardown),           \
    cmocka_unit_test_setup_teardown(test_migrate_concurrent, setup_empty, teardown),        \
    cmocka_unit_test_setup_teardown(test_params_every_type, setup, teardown),               \
    cmocka_unit_test_setup_teardown(test_many_params, setup, teardown),                     \
    cmocka_unit_test_setup_teardown(test_conflict_and_errors, setup, teardown),             \
    cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),                    \
    cmocka_unit_test_setup_teardown(test_exec_async, setup, teardown),                      \
    cmocka_unit_test_setup_teardown(test_rows_accessors, setup, teardown),                  \
    cmocka_unit_test_setup_teardown(test_queue_enqueue_claim_order, setup, teardown),       \
    cmocka_unit_test_setup_teardown(test_queue_concurrent_claims, setup, teardown),         \
    cmocka_unit_test_setup_teardown(test_queue_claims_across_processes, setup, teardown),   \
    cmocka_unit_test_setup_teardown(test_queue_finish_once, setup, teardown),               \
    cmocka_unit_test_setup_teardown(test_queue_cancel, setup, teardown),                    \
    cmocka_unit_test_setup_teardown(test_queue_recover, setup, teardown),                   \
    cmocka_unit_test_setup_teardown(test_queue_attempts_cap, setup, teardown),              \
    cmocka_unit_test_setup_teardown(test_queue_depth_and_prune, setup, teardown),           \
    cmocka_unit_test_setup_teardown(test_queue_workers, setup, teardown)
    /* The same tests on both backends, plus one of each backend's own. */
    const struct CMUnitTest sqlite_tests[] = {
        COMMON_TESTS,
        cmocka_unit_test_setup_teardown(test_sqlite_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_wal_bounded, setup, teardown),
    };
    const struct CMUnitTest pg_tests[] = {
        COMMON_TESTS,
        cmocka_unit_test_setup_teardown(test_pg_connection_loss, setup, teardown),
    };
    int failures = 0;
    g_backend = BK_SQLITE;
    failures += cmocka_run_group_tests_name("store on sqlite", sqlite_tests, NULL, NULL);

    g_pg_url = getenv("WEIR_TEST_PG_URL");
    const char *require = getenv("WEIR_TEST_REQUIRE_PG");
    if (g_pg_url && *g_pg_url) {
        g_backend = BK_PG;
        failures += cmocka_run_group_tests_name("store on postgres", pg_tests, pg_group_setup, pg_group_teardown);
    } else if (require && strcmp(require, "1") == 0) {
        fprintf(stderr, "test_store: WEIR_TEST_REQUIRE_PG=1 but WEIR_TEST_PG_URL is not set: FAIL\n");
        failures++;
    } else {
        fprintf(stderr, "test_store: PostgreSQL not tested (set WEIR_TEST_PG_URL; scripts/test.sh does)\n");
    }
    return failures ? 1 : 0;
}
