/* r_system.c — health, readiness, metrics and the OpenAPI document. */
#include <microhttpd.h>
#include <string.h>

#include "server/exec.h"
#include "server/metrics.h"
#include "server/routes.h"
#include "store/queue.h"

HANDLER(h_healthz) { srv_json(r, 200, json_pack("{s:s}", "status", "ok")); }

HANDLER(h_readyz) {
    db_rows *rows = NULL;
    db_err e;
    bool store_ok = db_exec(r->srv->db, "SELECT 1", NULL, 0, &rows, &e) == 0;
    db_rows_free(rows);
    bool ready = store_ok && atomic_load(&r->srv->ready) && !atomic_load(&r->srv->stopping);
    srv_json(r, ready ? 200 : 503, json_pack("{s:s, s:b}", "status", ready ? "ready" : "not_ready", "store", store_ok));
}

HANDLER(h_openapi) { srv_json(r, 200, routes_openapi()); }

HANDLER(h_metrics) {
    db_err e;
    int64_t depth = queue_depth(r->srv->db, &e);
    db_wal_stats wal;
    bool sqlite = db_get_kind(r->srv->db) == DB_SQLITE;
    if (sqlite) db_wal_stats_get(r->srv->db, &wal);
    char *text = metrics_render(r->srv->metrics, depth < 0 ? 0 : depth, exec_running(r->srv->exec), sqlite ? &wal : NULL);
    free(r->resp);
    r->resp = text;
    r->resp_len = text ? strlen(text) : 0;
    r->status = text ? 200 : 500;
    r->ctype = "text/plain; version=0.0.4";
}
