/* bench_store.c — how many finished runs per second the SQLite store takes,
 * the ceiling under the server's webhook benchmark (bench/README.md).
 *
 *   bench_store [--quick] [--runs N]
 *
 * Each mode inserts N finished runs shaped like the load benchmark's (a
 * 21-byte payload, a 37-byte result, a 900-byte report) into a fresh store
 * in a temporary directory, the way the server does:
 *
 *   sync-1   one thread, queue_insert_finished (a commit per run)
 *   sync-32  32 threads at once, queue_insert_finished (group commit: the
 *            callers wait, one of them commits for all)
 *   async    4 threads, queue_insert_finished_async (the writer thread
 *            commits; nobody waits), until every completion has arrived
 *
 * Prints runs/s per mode (median of 3) and checks every run is in the store.
 * --quick: small N, one repetition; checks results, not speed (ctest). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/ids.h"
#include "store/db.h"
#include "store/queue.h"

static char report[2048];
static const char *const payload = "{\"name\":\"ada\",\"n\":41}";
static const char *const result = "{\"greeting\":\"Hello ada, next is 42\"}";

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const db_err *e) {
    fprintf(stderr, "bench_store: %s: %s\n", what, e ? e->msg : "");
    exit(1);
}

static db *fresh_store(char *dir, size_t n) {
    snprintf(dir, n, "/tmp/weir-bench-store.XXXXXX");
    if (!mkdtemp(dir)) die("mkdtemp", NULL);
    char url[256];
    snprintf(url, sizeof url, "sqlite:%s/weir.db", dir);
    db *d = NULL;
    db_err e;
    if (db_open(url, 0, &d, &e) != 0) die("db_open", &e);
    if (db_migrate(d, &e) != 0) die("db_migrate", &e);
    if (db_exec(d, "INSERT INTO apps (id, name, created_at) VALUES ('app_bench', 'bench', 1)", NULL, 0, NULL, &e) != 0)
        die("app", &e);
    return d;
}

static void drop_store(db *d, const char *dir) {
    db_close(d);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench_store: could not remove %s\n", dir);
}

static queue_new_run new_run(char id[ID_MAX]) {
    id_new("run", id);
    return (queue_new_run){.id = id, .app_id = "app_bench", .board_id = "brd_bench", .board_version = 1,
                           .event_id = "evt_bench", .payload = payload, .created_by = "key:bench", .created_at = 1};
}

typedef struct job {
    db *d;
    int count;
    _Atomic int *done;
} job;

static void *sync_inserter(void *p) {
    job *j = p;
    for (int i = 0; i < j->count; i++) {
        char id[ID_MAX];
        queue_new_run r = new_run(id);
        db_err e;
        if (queue_insert_finished(j->d, &r, "wrk_bench", "completed", result, NULL, report, 1, 2, &e) != 0) die("insert", &e);
    }
    return NULL;
}

static void on_done(void *ctx, int rc, const db_err *e) {
    if (rc != 0) die("async insert", e);
    atomic_fetch_add((_Atomic int *)ctx, 1);
}

static void *async_inserter(void *p) {
    job *j = p;
    for (int i = 0; i < j->count; i++) {
        char id[ID_MAX];
        queue_new_run r = new_run(id);
        db_err e;
        if (queue_insert_finished_async(j->d, &r, "wrk_bench", "completed", result, NULL, report, 1, 2, on_done, j->done, &e) != 0)
            die("async insert", &e);
    }
    return NULL;
}

/* One repetition of a mode; returns runs per second. */
static double measure(const char *mode, int runs) {
    char dir[64];
    db *d = fresh_store(dir, sizeof dir);
    int threads = !strcmp(mode, "sync-1") ? 1 : !strcmp(mode, "sync-32") ? 32 : 4;
    bool async = !strcmp(mode, "async");
    _Atomic int done = 0;
    pthread_t th[32];
    job jobs[32];
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job){d, runs / threads + (i < runs % threads), &done};
        pthread_create(&th[i], NULL, async ? async_inserter : sync_inserter, &jobs[i]);
    }
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
    while (async && atomic_load(&done) < runs) usleep(100);
    double secs = now_s() - t0;
    db_rows *rows = NULL;
    db_err e;
    if (db_exec(d, "SELECT count(*) FROM runs", NULL, 0, &rows, &e) != 0) die("count", &e);
    int64_t n = db_rows_int(rows, 0, 0);
    db_rows_free(rows);
    db_wal_stats w;
    db_wal_stats_get(d, &w);
    fprintf(stderr, "  %s: log %lld pages, checkpoint passes %lld, finishes %lld (forced %lld), log restarts %lld\n", mode, (long long)w.pages,
            (long long)w.passes, (long long)w.finishes, (long long)w.forced, (long long)w.restarts);
    drop_store(d, dir);
    if (n != runs) {
        fprintf(stderr, "bench_store: %s: %lld runs in the store, %d inserted\n", mode, (long long)n, runs);
        exit(1);
    }
    return runs / secs;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    bool quick = false;
    int runs = 50000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = true, runs = 2000;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_store [--quick] [--runs N]\n");
            return 2;
        }
    }
    if (runs < 32) runs = 32;
    /* A report shaped like the benchmark board's: five trace entries. */
    size_t off = (size_t)snprintf(report, sizeof report, "{\"logs\":[],\"trace\":[");
    for (int i = 0; i < 5 && off < sizeof report; i++)
        off += (size_t)snprintf(report + off, sizeof report - off,
                                "%s{\"node\":\"node%d\",\"type\":\"string_format\",\"status\":\"ok\",\"start_us\":%d,\"duration_us\":9,"
                                "\"inputs\":{\"format_string\":\"Hello {name}, next is {next}\",\"name\":\"ada\"},"
                                "\"outputs\":{\"formatted_string\":\"Hello ada, next is 42\"}}",
                                i ? "," : "", i, 10 * i);
    if (off + 3 > sizeof report) {
        fprintf(stderr, "bench_store: the report does not fit its buffer\n");
        return 1;
    }
    snprintf(report + off, sizeof report - off, "]}");
    const char *modes[] = {"sync-1", "sync-32", "async"};
    int reps = quick ? 1 : 3;
    printf("%-8s %12s   (%d runs of %zu bytes each, median of %d)\n", "mode", "runs/s", runs,
           strlen(report) + strlen(payload) + strlen(result), reps);
    for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
        double r[3];
        for (int k = 0; k < reps; k++) r[k] = measure(modes[m], !strcmp(modes[m], "sync-1") && !quick ? runs / 5 : runs);
        qsort(r, (size_t)reps, sizeof *r, cmp);
        printf("%-8s %12.0f\n", modes[m], r[reps / 2]);
    }
    return 0;
}
