/* bench_engine.c — engine benchmarks of issue #2 (figures in bench/README.md):
 *   a) time per executed node on a 10,000-node execution chain of cheap nodes
 *   b) control_for_each over 1,000,000 items feeding int_add
 *   c) one two-node run (events_simple → log_info, logs discarded) from a plan
 *   d) two-node runs per second on every core; peak resident memory
 * Every figure is the median of several repetitions. Results are checked, so
 * a fast wrong answer fails. --quick shrinks the sizes (used by ctest). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "board/board.h"
#include "engine/engine.h"

static bool quick;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static plan *load(const char *text) {
    board_errors errs;
    plan *p = board_load(text, strlen(text), catalog_builtin(), &errs);
    if (!p) {
        fprintf(stderr, "bench: board did not load: %s\n", errs.n ? errs.items[0].message : "?");
        exit(1);
    }
    return p;
}

/* Run once; returns seconds; checks the run completed. */
static double run_once(plan *p, uint32_t loop_limit, json_t **result) {
    run_request req = {.plan = p, .discard_logs = true, .loop_limit = loop_limit};
    char err[256];
    run *r = run_new(&req, NULL, err, sizeof err);
    if (!r) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    double t0 = now_s();
    run_status st = run_execute(r);
    double t = now_s() - t0;
    if (st != RUN_COMPLETED) {
        json_t *rep = run_report(r);
        char *d = json_dumps(rep, 0);
        fprintf(stderr, "bench: run did not complete: %s\n", d);
        exit(1);
    }
    if (result) {
        json_t *rep = run_report(r);
        *result = json_incref(json_object_get(rep, "result"));
        json_decref(rep);
    }
    run_free(r);
    return t;
}

static void bench_chain(void) {
    int n = quick ? 1000 : 10000;
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, "{\"format\": \"weir-board/1\", \"id\": \"chain\", \"nodes\": [{\"id\": \"s\", \"type\": \"events_simple\"}");
    for (int i = 0; i < n; i++) sb_printf(&sb, ", {\"id\": \"n%d\", \"type\": \"control_branch\"}", i);
    sb_puts(&sb, "], \"connections\": [{\"from\": \"s.exec_out\", \"to\": \"n0.exec_in\"}");
    for (int i = 0; i + 1 < n; i++) sb_printf(&sb, ", {\"from\": \"n%d.true\", \"to\": \"n%d.exec_in\"}", i, i + 1);
    sb_puts(&sb, "]}");
    plan *p = load(sb_str(&sb));
    sb_free(&sb);
    enum { REPS = 21 };
    double t[REPS];
    for (int i = 0; i < REPS; i++) t[i] = run_once(p, 0, NULL);
    double m = median(t, REPS);
    printf("a) execution chain of %d control_branch nodes: %.1f ns per executed node (run %.3f ms)\n", n,
           m / (n + 1) * 1e9, m * 1e3);
    plan_free(p);
}

static void bench_for_each(void) {
    int n = quick ? 10000 : 1000000;
    /* the array literal: 0..n-1 */
    strbuf arr = STRBUF_INIT;
    sb_putc(&arr, '[');
    for (int i = 0; i < n; i++) sb_printf(&arr, i ? ",%d" : "%d", i);
    sb_putc(&arr, ']');
    strbuf sb = STRBUF_INIT;
    sb_printf(&sb,
              "{\"format\": \"weir-board/1\", \"id\": \"sum\", \"variables\": [{\"id\": \"sum\", \"type\": \"integer\"}],"
              "\"nodes\": [{\"id\": \"s\", \"type\": \"events_simple\"},"
              "{\"id\": \"f\", \"type\": \"control_for_each\", \"inputs\": {\"array\": %s}},"
              "{\"id\": \"g\", \"type\": \"variable_get\", \"inputs\": {\"var_ref\": \"sum\"}},"
              "{\"id\": \"add\", \"type\": \"int_add\"},"
              "{\"id\": \"set\", \"type\": \"variable_set\", \"inputs\": {\"var_ref\": \"sum\"}},"
              "{\"id\": \"r\", \"type\": \"return_result\"}],"
              "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"f.exec_in\"}, {\"from\": \"f.exec_out\", \"to\": \"set.exec_in\"},"
              "{\"from\": \"g.value_ref\", \"to\": \"add.integer1\"}, {\"from\": \"f.value\", \"to\": \"add.integer2\"},"
              "{\"from\": \"add.sum\", \"to\": \"set.value_in\"}, {\"from\": \"f.done\", \"to\": \"r.exec_in\"},"
              "{\"from\": \"g.value_ref\", \"to\": \"r.result\"}]}",
              sb_str(&arr));
    sb_free(&arr);
    double tl = now_s();
    plan *p = load(sb_str(&sb));
    tl = now_s() - tl;
    sb_free(&sb);
    enum { REPS = 5 };
    double t[REPS];
    for (int i = 0; i < REPS; i++) {
        json_t *res = NULL;
        t[i] = run_once(p, (uint32_t)n + 1, &res);
        long long want = (long long)n * (n - 1) / 2;
        if (json_integer_value(res) != want) {
            fprintf(stderr, "bench: for_each sum %lld, want %lld\n", (long long)json_integer_value(res), want);
            exit(1);
        }
        json_decref(res);
    }
    double m = median(t, REPS);
    printf("b) control_for_each over %d items feeding int_add: %.3f ms per run, %.1f ns per item "
           "(3 nodes each: variable_set, int_add, variable_get); board load %.0f ms\n",
           n, m * 1e3, m / n * 1e9, tl * 1e3);
    plan_free(p);
}

static const char *TWO_NODES =
    "{\"format\": \"weir-board/1\", \"id\": \"two\", \"nodes\": [{\"id\": \"s\", \"type\": \"events_simple\"},"
    "{\"id\": \"l\", \"type\": \"log_info\", \"inputs\": {\"message\": \"hello\"}}],"
    "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"l.exec_in\"}]}";

static long two_node_runs(plan *p, long n) {
    run_request req = {.plan = p, .discard_logs = true};
    char err[256];
    for (long i = 0; i < n; i++) {
        run *r = run_new(&req, NULL, err, sizeof err);
        if (!r || run_execute(r) != RUN_COMPLETED) {
            fprintf(stderr, "bench: two-node run failed\n");
            exit(1);
        }
        run_free(r);
    }
    return n;
}

static void bench_two_node(void) {
    plan *p = load(TWO_NODES);
    long n = quick ? 10000 : 1000000;
    enum { REPS = 7 };
    double t[REPS];
    two_node_runs(p, n / 10); /* warm up */
    for (int i = 0; i < REPS; i++) {
        double t0 = now_s();
        two_node_runs(p, n);
        t[i] = (now_s() - t0) / (double)n;
    }
    printf("c) two-node run (events_simple → log_info, logs discarded) from a compiled plan: %.0f ns per run "
           "(run_new + run_execute + run_free)\n",
           median(t, REPS) * 1e9);
    plan_free(p);
}

typedef struct worker_arg {
    plan *p;
    double seconds;
    long runs;
} worker_arg;

static void *throughput_worker(void *v) {
    worker_arg *a = v;
    double end = now_s() + a->seconds;
    while (now_s() < end) a->runs += two_node_runs(a->p, 1000);
    return NULL;
}

static void bench_throughput(void) {
    plan *p = load(TWO_NODES);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    if (cores > 64) cores = 64;
    enum { REPS = 5 };
    double rates[REPS];
    for (int rep = 0; rep < REPS; rep++) {
        pthread_t th[64];
        worker_arg args[64];
        double t0 = now_s();
        for (long i = 0; i < cores; i++) {
            args[i] = (worker_arg){p, quick ? 0.1 : 1.0, 0};
            pthread_create(&th[i], NULL, throughput_worker, &args[i]);
        }
        long total = 0;
        for (long i = 0; i < cores; i++) {
            pthread_join(th[i], NULL);
            total += args[i].runs;
        }
        rates[rep] = (double)total / (now_s() - t0);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("d) two-node runs on %ld threads (one per core): %.0f runs/s; peak resident memory of the benchmark "
           "process %.1f MiB\n",
           cores, median(rates, REPS), (double)ru.ru_maxrss / 1024.0);
    plan_free(p);
}

int main(int argc, char **argv) {
    quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    const char *only = argc > 1 && !quick ? argv[1] : NULL;
    if (!only || strcmp(only, "chain") == 0) bench_chain();
    if (!only || strcmp(only, "two") == 0) bench_two_node();
    if (!only || strcmp(only, "throughput") == 0) bench_throughput();
    if (!only || strcmp(only, "foreach") == 0) bench_for_each();
    engine_shutdown();
    return 0;
}
