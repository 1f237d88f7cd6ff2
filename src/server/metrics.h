/* metrics.h — counters behind GET /metrics (Prometheus text format 0.0.4):
 * HTTP requests by route and status, connections refused at a limit, runs by
 * final status, node durations by node type (histogram), and the queue depth
 * and SQLite's write-ahead log read at scrape time. */
#ifndef WEIR_SRV_METRICS_H
#define WEIR_SRV_METRICS_H

#include <stdint.h>

#include "store/db.h"

#define METRICS_MAX_NODE_TYPES 512  /* distinct node types tracked; the rest count as "other" */

typedef struct srv_metrics srv_metrics;
typedef struct route route;

srv_metrics *metrics_new(void);
void metrics_free(srv_metrics *m);
void metrics_http(srv_metrics *m, const route *rt, unsigned status, int64_t dur_us);
/* A connection closed unserved at max_connections or max_connections_per_ip;
 * returns the count so far. */
uint64_t metrics_conn_refused(srv_metrics *m);
void metrics_run(srv_metrics *m, const char *status);
void metrics_node(srv_metrics *m, const char *type, int64_t dur_us);
/* The exposition text (malloc'd); wal: SQLite's write-ahead log, or NULL. */
char *metrics_render(srv_metrics *m, int64_t queue_depth, int64_t running, const db_wal_stats *wal);

#endif
