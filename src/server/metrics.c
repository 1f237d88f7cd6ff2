/* metrics.c — see metrics.h. Counters are atomics; the node-type table takes
 * a mutex only to add a new type. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "server/metrics.h"
#include "server/routes.h"

static const unsigned codes[] = {200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 431, 500, 502, 503};
#define NCODES (sizeof codes / sizeof *codes)
static const char *const run_statuses[] = {"completed", "failed", "timed_out", "cancelled"};
#define NSTATUS 4
static const double bounds_s[] = {0.00001, 0.0001, 0.001, 0.01, 0.1, 1, 10};
#define NBOUNDS (sizeof bounds_s / sizeof *bounds_s)

typedef struct node_hist {
    char type[96];
    _Atomic uint64_t bucket[NBOUNDS + 1];
    _Atomic uint64_t sum_us;
} node_hist;

struct srv_metrics {
    _Atomic uint64_t *http;        /* [(routes+1) * (NCODES+1)] */
    _Atomic uint64_t runs[NSTATUS];
    _Atomic uint64_t conn_refused;
    pthread_mutex_t mu;
    node_hist *nodes;              /* METRICS_MAX_NODE_TYPES + 1 ("other") */
    _Atomic size_t nnodes;
};

srv_metrics *metrics_new(void) {
    srv_metrics *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->http = calloc((srv_route_count + 1) * (NCODES + 1), sizeof *m->http);
    m->nodes = calloc(METRICS_MAX_NODE_TYPES + 1, sizeof *m->nodes);
    if (!m->http || !m->nodes) { metrics_free(m); return NULL; }
    pthread_mutex_init(&m->mu, NULL);
    strcpy(m->nodes[METRICS_MAX_NODE_TYPES].type, "other");
    return m;
}

void metrics_free(srv_metrics *m) {
    if (!m) return;
    free(m->http);
    free(m->nodes);
    free(m);
}

void metrics_http(srv_metrics *m, const route *rt, unsigned status, int64_t dur_us) {
    (void)dur_us;
    if (!m) return;
    size_t c = NCODES;
    for (size_t i = 0; i < NCODES; i++)
        if (codes[i] == status) { c = i; break; }
    atomic_fetch_add_explicit(&m->http[route_index(rt) * (NCODES + 1) + c], 1, memory_order_relaxed);
}

uint64_t metrics_conn_refused(srv_metrics *m) {
    return m ? atomic_fetch_add_explicit(&m->conn_refused, 1, memory_order_relaxed) + 1 : 0;
}

void metrics_run(srv_metrics *m, const char *status) {
    if (!m) return;
    for (int i = 0; i < NSTATUS; i++)
        if (!strcmp(status, run_statuses[i])) atomic_fetch_add_explicit(&m->runs[i], 1, memory_order_relaxed);
}

static node_hist *node_slot(srv_metrics *m, const char *type) {
    size_t n = atomic_load_explicit(&m->nnodes, memory_order_acquire);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(m->nodes[i].type, type)) return &m->nodes[i];
    pthread_mutex_lock(&m->mu);
    n = atomic_load(&m->nnodes);
    node_hist *h = NULL;
    for (size_t i = 0; i < n && !h; i++)
        if (!strcmp(m->nodes[i].type, type)) h = &m->nodes[i];
    if (!h && n < METRICS_MAX_NODE_TYPES && strlen(type) < sizeof m->nodes[n].type) {
        h = &m->nodes[n];
        strcpy(h->type, type);
        atomic_store_explicit(&m->nnodes, n + 1, memory_order_release);
    }
    pthread_mutex_unlock(&m->mu);
    return h ? h : &m->nodes[METRICS_MAX_NODE_TYPES];
}

void metrics_node(srv_metrics *m, const char *type, int64_t dur_us) {
    if (!m || !type) return;
    node_hist *h = node_slot(m, type);
    size_t b = NBOUNDS;
    for (size_t i = 0; i < NBOUNDS; i++)
        if ((double)dur_us <= bounds_s[i] * 1e6) { b = i; break; }
    atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_us, (uint64_t)(dur_us > 0 ? dur_us : 0), memory_order_relaxed);
}

/* Prometheus label values escape \, " and newline. */
static void label(strbuf *sb, const char *v) {
    for (const char *p = v; *p; p++) {
        if (*p == '\\' || *p == '"') sb_putc(sb, '\\'), sb_putc(sb, *p);
        else if (*p == '\n') sb_puts(sb, "\\n");
        else sb_putc(sb, *p);
    }
}

char *metrics_render(srv_metrics *m, int64_t queue_depth, int64_t running, const db_wal_stats *wal) {
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, "# HELP weir_http_requests_total HTTP requests answered, by route and status code.\n"
                 "# TYPE weir_http_requests_total counter\n");
    for (size_t r = 0; r <= srv_route_count; r++) {
        for (size_t c = 0; c <= NCODES; c++) {
            uint64_t v = atomic_load_explicit(&m->http[r * (NCODES + 1) + c], memory_order_relaxed);
            if (!v) continue;
            const char *op = r < srv_route_count ? srv_routes[r].op_id : "unmatched";
            char code[8];
            if (c < NCODES) snprintf(code, sizeof code, "%u", codes[c]);
            else strcpy(code, "other");
            sb_printf(&sb, "weir_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n", op, code, (unsigned long long)v);
        }
    }
    sb_puts(&sb, "# HELP weir_http_connections_refused_total Connections closed unserved at max_connections or "
                 "max_connections_per_ip.\n# TYPE weir_http_connections_refused_total counter\n");
    sb_printf(&sb, "weir_http_connections_refused_total %llu\n", (unsigned long long)atomic_load(&m->conn_refused));
    sb_puts(&sb, "# HELP weir_runs_total Runs that ended, by final status.\n# TYPE weir_runs_total counter\n");
    for (int i = 0; i < NSTATUS; i++)
        sb_printf(&sb, "weir_runs_total{status=\"%s\"} %llu\n", run_statuses[i], (unsigned long long)atomic_load(&m->runs[i]));
    sb_puts(&sb, "# HELP weir_queue_depth Runs waiting in the queue.\n# TYPE weir_queue_depth gauge\n");
    sb_printf(&sb, "weir_queue_depth %lld\n", (long long)queue_depth);
    sb_puts(&sb, "# HELP weir_runs_running Runs executing on this server.\n# TYPE weir_runs_running gauge\n");
    sb_printf(&sb, "weir_runs_running %lld\n", (long long)running);
    sb_puts(&sb, "# HELP weir_node_duration_seconds Node execution time, by node type.\n# TYPE weir_node_duration_seconds histogram\n");
    size_t n = atomic_load(&m->nnodes);
    for (size_t i = 0; i <= METRICS_MAX_NODE_TYPES; i++) {
        if (i >= n && i != METRICS_MAX_NODE_TYPES) continue;
        node_hist *h = &m->nodes[i];
        uint64_t cum = 0;
        for (size_t b = 0; b <= NBOUNDS; b++) cum += atomic_load(&h->bucket[b]);
        if (!cum) continue;
        uint64_t acc = 0;
        for (size_t b = 0; b <= NBOUNDS; b++) {
            acc += atomic_load(&h->bucket[b]);
            sb_puts(&sb, "weir_node_duration_seconds_bucket{type=\"");
            label(&sb, h->type);
            if (b < NBOUNDS) sb_printf(&sb, "\",le=\"%g\"} %llu\n", bounds_s[b], (unsigned long long)acc);
            else sb_printf(&sb, "\",le=\"+Inf\"} %llu\n", (unsigned long long)acc);
        }
        sb_puts(&sb, "weir_node_duration_seconds_sum{type=\"");
        label(&sb, h->type);
        sb_printf(&sb, "\"} %.6f\n", (double)atomic_load(&h->sum_us) / 1e6);
        sb_puts(&sb, "weir_node_duration_seconds_count{type=\"");
        label(&sb, h->type);
        sb_printf(&sb, "\"} %llu\n", (unsigned long long)cum);
    }
    if (wal) {
        sb_puts(&sb, "# HELP weir_store_wal_pages Pages in SQLite's write-ahead log after the last commit.\n"
                     "# TYPE weir_store_wal_pages gauge\n");
        sb_printf(&sb, "weir_store_wal_pages %lld\n", (long long)wal->pages);
        sb_puts(&sb, "# HELP weir_store_wal_checkpoints_total Checkpoints of SQLite's write-ahead log: background "
                     "passes, steps finished by a committer, and of those the ones forced by wal_max_pages.\n"
                     "# TYPE weir_store_wal_checkpoints_total counter\n");
        sb_printf(&sb, "weir_store_wal_checkpoints_total{step=\"pass\"} %lld\n", (long long)wal->passes);
        sb_printf(&sb, "weir_store_wal_checkpoints_total{step=\"finish\"} %lld\n", (long long)(wal->finishes - wal->forced));
        sb_printf(&sb, "weir_store_wal_checkpoints_total{step=\"forced\"} %lld\n", (long long)wal->forced);
        sb_puts(&sb, "# HELP weir_store_wal_restarts_total Times SQLite's write-ahead log started over from its beginning.\n"
                     "# TYPE weir_store_wal_restarts_total counter\n");
        sb_printf(&sb, "weir_store_wal_restarts_total %lld\n", (long long)wal->restarts);
    }
    return sb_take(&sb);
}
