/* server.c — start and stop `weir serve`: data directory, key file, store,
 * recovery of runs a previous process left in flight, executor, HTTP, and a
 * housekeeping thread (heartbeat, waiting webhooks, cancels, keep-alives,
 * schedules, pruning of old runs). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/password.h"
#include "catalog/catalog.h"
#include "engine/engine.h"
#include "server/audit.h"
#include "server/cache.h"
#include "server/exec.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/sched.h"
#include "server/srv.h"
#include "server/sse.h"
#include "store/queue.h"

#define HEARTBEAT_EVERY_S  10
#define PRUNE_BATCH        1000   /* rows per delete, so pruning never holds the store long */
#define RATE_MAX_KEYS      65536  /* addresses / credentials tracked by each rate limiter */

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *path, char *err, size_t n) {
    char *p = strdup(path);
    if (!p) return snprintf(err, n, "out of memory"), -1;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || !*s) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0700) != 0 && errno != EEXIST) {
                snprintf(err, n, "cannot create %s: %s", p, strerror(errno));
                free(p);
                return -1;
            }
            *s = c;
            if (!c) break;
        }
    }
    free(p);
    return 0;
}

/* The data directory (0700), the key file (0600, created once) and the
 * migrated store: what both the server and the operator CLI need. */
int srv_open_data(const srv_config *cfg, db **d, auth_keys *keys, bool *key_created, char *err, size_t n) {
    *d = NULL;
    if (auth_init() != 0) return snprintf(err, n, "libsodium could not start"), -1;
    if (make_dirs(cfg->data_dir, err, n) != 0) return -1;
    struct stat st;
    if (stat(cfg->data_dir, &st) != 0 || !S_ISDIR(st.st_mode)) return snprintf(err, n, "%s is not a directory", cfg->data_dir), -1;
    if (st.st_mode & 0077)
        srv_log(SLOG_WARN, "the data directory is readable by other users; chmod 700 it", json_pack("{s:s}", "data_dir", cfg->data_dir));
    char *keypath = NULL;
    if (asprintf(&keypath, "%s/weir.key", cfg->data_dir) < 0) return snprintf(err, n, "out of memory"), -1;
    int rc = auth_keys_load_or_create(keypath, keys, key_created, err, n);
    if (rc == 0 && *key_created)
        srv_log(SLOG_INFO, "created the instance key (back it up: secrets cannot be read without it)", json_pack("{s:s}", "path", keypath));
    free(keypath);
    if (rc != 0) return -1;
    db_err e;
    if (db_open(cfg->database, 0, d, &e) != 0) return snprintf(err, n, "store: %s", e.msg), -1;
    if (db_migrate(*d, &e) != 0) {
        db_close(*d);
        *d = NULL;
        return snprintf(err, n, "store migration: %s", e.msg), -1;
    }
    return 0;
}

/* One server per data directory: weir.lock is held while serving. */
static int lock_data_dir(server *s, char *err, size_t n) {
    char *lock = NULL;
    if (asprintf(&lock, "%s/weir.lock", s->cfg.data_dir) < 0) return snprintf(err, n, "out of memory"), -1;
    s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    free(lock);
    if (s->lock_fd < 0) return snprintf(err, n, "cannot open the lock file: %s", strerror(errno)), -1;
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return snprintf(err, n, "another weir server uses %s (weir.lock is held)", s->cfg.data_dir), -1;
    return 0;
}

int srv_sched_batch(void) {
    int old = sched_getscheduler(0);
    struct sched_param none = {0};
    if (old != SCHED_BATCH && sched_setscheduler(0, SCHED_BATCH, &none) != 0)
        srv_log(SLOG_DEBUG, "SCHED_BATCH refused", json_pack("{s:s}", "error", strerror(errno)));
    return old;
}

void srv_sched_restore(int policy) {
    struct sched_param none = {0};
    if (policy >= 0 && policy != sched_getscheduler(0)) sched_setscheduler(0, policy, &none);
}

/* A limit reached is said: SQLite's write-ahead log met wal_max_pages, so
 * commits waited for a whole checkpoint (docs/store.md). */
static void warn_forced_checkpoints(server *s, int64_t *seen) {
    db_wal_stats wal;
    db_wal_stats_get(s->db, &wal);
    if (wal.forced > *seen)
        srv_log(SLOG_WARN, "the store's write-ahead log reached wal_max_pages: commits waited for a whole checkpoint",
                json_pack("{s:I, s:I}", "times", (json_int_t)(wal.forced - *seen), "wal_pages", (json_int_t)wal.pages));
    *seen = wal.forced;
}

static void *housekeeper(void *arg) {
    server *s = arg;
    pthread_setname_np(pthread_self(), "weir-housekeep");
    int64_t last_beat = 0, last_prune = 0, last_alive = 0, last_recover = now_us(), last_audit_prune = 0;
    int64_t forced_seen = 0;
    pthread_mutex_lock(&s->hk_mu);
    while (!atomic_load(&s->stopping)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&s->hk_cv, &s->hk_mu, &ts);
        if (atomic_load(&s->stopping)) break;
        pthread_mutex_unlock(&s->hk_mu);
        int64_t now = now_us();
        db_err e;
        exec_expire_waiters(s->exec, now);
        warn_forced_checkpoints(s, &forced_seen);
        int64_t depth = queue_depth(s->db, &e);
        if (depth >= 0) atomic_store(&s->queued_in_store, depth);
        exec_sweep_cancels(s->exec);
        sched_tick(s, now);
        /* Beat well within worker_stale_s, so a live server never looks dead. */
        int64_t beat_every = s->cfg.worker_stale_s / 3 < HEARTBEAT_EVERY_S ? s->cfg.worker_stale_s / 3 : HEARTBEAT_EVERY_S;
        if (now - last_beat >= (beat_every > 0 ? beat_every : 1) * 1000000LL) {
            queue_worker_heartbeat(s->db, s->worker_id, now, &e);
            last_beat = now;
        }
        if (now - last_alive >= SSE_KEEPALIVE_S * 1000000LL) {
            sse_keepalive(s->hub);
            last_alive = now;
        }
        if (now - last_recover >= s->cfg.worker_stale_s * 500000LL) {
            int rq = 0, fl = 0;
            if (queue_recover(s->db, s->worker_id, now, s->cfg.worker_stale_s * 1000000LL, &rq, &fl, &e) == 0 && (rq || fl)) {
                srv_log(SLOG_WARN, "recovered runs of a stopped server", json_pack("{s:i, s:i}", "requeued", rq, "failed", fl));
                exec_wake(s->exec);
            }
            last_recover = now;
        }
        if (s->cfg.run_retention_days > 0 && now - last_prune >= s->cfg.prune_every_s * 1000000LL) {
            /* Runs are pruned by creation time; a run may last up to
             * run_timeout_ms, so subtracting it keeps every run at least
             * run_retention_days after it ended. */
            int64_t before = now - s->cfg.run_retention_days * 86400LL * 1000000LL - s->cfg.run_timeout_ms * 1000LL, total = 0, got;
            while (!atomic_load(&s->stopping) && (got = queue_prune(s->db, before, PRUNE_BATCH, &e)) > 0) total += got;
            if (total) srv_log(SLOG_INFO, "pruned old runs", json_pack("{s:I}", "runs", (json_int_t)total));
            last_prune = now;
        }
        if (s->cfg.audit_retention_days > 0 && now - last_audit_prune >= s->cfg.prune_every_s * 1000000LL) {
            int64_t before = now - s->cfg.audit_retention_days * 86400LL * 1000000LL, total = 0, got;
            while (!atomic_load(&s->stopping) && (got = audit_prune(s->db, before, PRUNE_BATCH, &e)) > 0) total += got;
            if (total) srv_log(SLOG_INFO, "pruned old audit rows", json_pack("{s:I}", "rows", (json_int_t)total));
            last_audit_prune = now;
        }
        pthread_mutex_lock(&s->hk_mu);
    }
    pthread_mutex_unlock(&s->hk_mu);
    return NULL;
}

static int64_t count_users(server *s) {
    db_rows *rows = NULL;
    db_err e;
    if (db_exec(s->db, "SELECT COUNT(*) FROM users", NULL, 0, &rows, &e) < 0) return -1;
    int64_t n = db_rows_int(rows, 0, 0);
    db_rows_free(rows);
    return n;
}

int srv_start(server *s, char *err, size_t n) {
    s->lock_fd = -1;
    srv_log_set_level(s->cfg.log_level);
    bool created = false;
    if (srv_open_data(&s->cfg, &s->db, &s->keys, &created, err, n) != 0) return -1;
    if (lock_data_dir(s, err, n) != 0) return -1;
    db_err e;
    s->cat = catalog_open(s->cfg.data_dir);
    id_new("wrk", s->worker_id);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    int64_t now = now_us();
    if (queue_worker_register(s->db, s->worker_id, host, now, &e) != 0) return snprintf(err, n, "store: %s", e.msg), -1;
    /* With SQLite this process is the only server (weir.lock), so every run
     * left `running` belongs to a dead process; PostgreSQL waits for a stale
     * heartbeat, as other servers may be alive. */
    int64_t stale = db_get_kind(s->db) == DB_SQLITE ? 0 : s->cfg.worker_stale_s * 1000000LL;
    int rq = 0, fl = 0;
    if (queue_recover(s->db, s->worker_id, now, stale, &rq, &fl, &e) != 0) return snprintf(err, n, "recovery: %s", e.msg), -1;
    if (rq || fl) srv_log(SLOG_WARN, "recovered runs left in flight by a previous start", json_pack("{s:i, s:i}", "requeued", rq, "failed", fl));

    s->metrics = metrics_new();
    /* Only this process writes a SQLite store (weir.lock): cache.h. */
    s->cache = cache_new(db_get_kind(s->db) == DB_SQLITE, s->cfg.cache_ttl_ms * 1000);
    s->hub = sse_hub_new();
    s->rate_ip = ratelimit_new((double)s->cfg.rate_ip_per_s, (double)s->cfg.rate_ip_burst, RATE_MAX_KEYS);
    s->rate_cred = ratelimit_new((double)s->cfg.rate_cred_per_s, (double)s->cfg.rate_cred_burst, RATE_MAX_KEYS);
    s->login_backoff = auth_backoff_new(RATE_MAX_KEYS);
    s->bad_cred = ratelimit_new(BAD_CRED_PER_S, BAD_CRED_BURST, RATE_MAX_KEYS);
    if (!s->metrics || !s->cache || !s->hub || !s->rate_ip || !s->rate_cred || !s->login_backoff || !s->bad_cred) return snprintf(err, n, "out of memory"), -1;
    if (sched_init(s, err, n) != 0) return -1;
    s->exec = exec_start(s, (int)s->cfg.run_workers);
    if (!s->exec) return snprintf(err, n, "cannot start the run workers"), -1;
    if (http_start(s, err, n) != 0) return -1;
    pthread_mutex_init(&s->hk_mu, NULL);
    pthread_cond_init(&s->hk_cv, NULL);
    if (pthread_create(&s->housekeeper, NULL, housekeeper, s) != 0) return snprintf(err, n, "cannot start the housekeeper"), -1;
    s->housekeeper_started = true;
    atomic_store(&s->ready, true);
    exec_wake(s->exec);

    const char *scheme = s->tls ? "https" : "http";
    srv_log(SLOG_INFO, "weir is serving", json_pack("{s:s, s:s, s:s, s:o}", "url", *s->cfg.public_url ? s->cfg.public_url : s->cfg.listen,
                                                    "store", db_kind_name(db_get_kind(s->db)), "scheme", scheme, "config", srv_config_json(&s->cfg)));
    printf("weir: serving on %s://%s (data in %s)\n", scheme, s->cfg.listen, s->cfg.data_dir);
    if (count_users(s) == 0)
        printf("weir: no users yet; create the first admin with:\n"
               "  weir user add you@example.com --admin --password-stdin --data-dir %s\n", s->cfg.data_dir);
    fflush(stdout);
    return 0;
}

void srv_stop(server *s) {
    atomic_store(&s->ready, false);
    atomic_store(&s->stopping, true);
    if (s->housekeeper_started) {
        pthread_mutex_lock(&s->hk_mu);
        pthread_cond_broadcast(&s->hk_cv);
        pthread_mutex_unlock(&s->hk_mu);
        pthread_join(s->housekeeper, NULL);
        pthread_mutex_destroy(&s->hk_mu);
        pthread_cond_destroy(&s->hk_cv);
    }
    if (s->exec) exec_stop(s->exec);
    if (s->daemon) http_stop(s);
    exec_free(s->exec);
    s->exec = NULL;
    sched_free(s);
    sse_hub_free(s->hub);
    metrics_free(s->metrics);
    cache_free(s->cache);
    ratelimit_free(s->rate_ip);
    ratelimit_free(s->rate_cred);
    auth_backoff_free(s->login_backoff);
    ratelimit_free(s->bad_cred);
    catalog_close(s->cat);
    if (s->db) db_close(s->db);
    auth_keys_wipe(&s->keys);
    if (s->lock_fd >= 0) close(s->lock_fd);
    engine_shutdown();
}
