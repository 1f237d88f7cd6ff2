/* config.h — every setting of `weir serve`, from one table (config.c).
 *
 * Each setting has one name, used three ways: a key in the JSON config file
 * ("max_body_bytes"), an environment variable (WEIR_MAX_BODY_BYTES) and a
 * flag (--max-body-bytes). Later sources win: defaults < config file <
 * environment < flags. docs/server.md lists them; `weir serve --help` prints
 * them from the same table. */
#ifndef WEIR_SRV_CONFIG_H
#define WEIR_SRV_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct srv_config {
    char *listen;            /* ADDR:PORT */
    char *data_dir;
    char *database;          /* URL; empty: sqlite:DATA/weir.db */
    char *tls_cert, *tls_key;
    char *config_file;       /* where file settings came from, if any */
    char *public_url;        /* base URL printed and used in webhook URLs; empty: from listen */

    int64_t http_threads;
    int64_t max_connections;
    int64_t max_connections_per_ip;
    int64_t max_body_bytes;
    int64_t max_header_bytes;
    int64_t client_timeout_s;

    int64_t run_workers;          /* runs executing at once */
    int64_t max_queue_length;     /* queued runs; then 503 */
    int64_t webhook_wait_ms;      /* a waiting webhook answers 202 after this */
    int64_t run_timeout_ms;       /* default wall clock of a run */
    int64_t run_retention_days;   /* finished runs older than this are pruned; 0 keeps all */
    int64_t prune_every_s;        /* how often the housekeeper prunes old runs */
    int64_t worker_stale_s;       /* a worker silent this long is dead (its runs recovered) */
    bool allow_private_net;       /* http nodes may reach private addresses */

    int64_t rate_ip_per_s, rate_ip_burst;
    int64_t rate_cred_per_s, rate_cred_burst;
    int64_t session_idle_min, session_max_hours;
    int64_t pat_max_days;         /* longest allowed token expiry */
    int64_t api_key_max_days;     /* longest allowed API key expiry */
    int64_t audit_retention_days; /* audit rows older than this are pruned; 0 keeps all */
    int64_t cache_ttl_ms;         /* cache.h: how long a cached credential, role or event is trusted; 0: no cache */
    char *log_level;              /* error | warn | info | debug */
    char *web_dir;                /* the editor's built files (r_static.c); empty: found beside the binary */
    struct oidc_providers *oidc;  /* config file "oidc_providers" (auth/oidc.h); NULL: none */
} srv_config;

/* Defaults, then the config file (--config / WEIR_CONFIG / DATA/weir.json when
 * present), then the environment, then argv flags. Unknown keys and flags,
 * wrong types and out-of-range values are errors. Returns 0, or -1 with a
 * message (exit 2). On --help prints usage and sets *help. */
int srv_config_load(srv_config *c, int argc, char **argv, bool *help, char *err, size_t errlen);
void srv_config_free(srv_config *c);
void srv_config_usage(FILE *out);
/* The settings as a JSON object (for logs at start; no secrets in it). */
struct json_t;
struct json_t *srv_config_json(const srv_config *c);

#endif
