/* sched.c — see sched.h. */
#include <string.h>

#include "base/cron.h"
#include "server/runs.h"
#include "server/sched.h"
#include "server/srv.h"

int sched_init(server *s, char *err, size_t n) { (void)s, (void)err, (void)n; return 0; }
void sched_free(server *s) { (void)s; }

/* The first fire time strictly after `after_us`, or -1. */
static int64_t next_fire(const char *cron, const char *tzname, int64_t after_us, char *err, size_t n) {
    cron_expr ce;
    if (cron_parse(cron, &ce, err, n) != 0) return -1;
    tz_info *tz = NULL;
    if (tz_load(tzname && *tzname ? tzname : "UTC", &tz, err, n) != 0) return -1;
    int64_t t = cron_next(&ce, tz, after_us / 1000000);
    tz_free(tz);
    if (t < 0) { snprintf(err, n, "the expression never fires within %d years", CRON_SEARCH_YEARS); return -1; }
    return t * 1000000;
}

int sched_config_check(const json_t *config, int64_t now, int64_t *next, char *err, size_t n) {
    const char *cron = json_string_value(json_object_get(config, "cron"));
    json_t *tzv = json_object_get(config, "timezone");
    if (!cron) return snprintf(err, n, "a schedule needs config.cron (e.g. \"0 9 * * MON-FRI\")"), -1;
    if (tzv && !json_is_string(tzv)) return snprintf(err, n, "config.timezone must be an IANA name such as \"Europe/Berlin\""), -1;
    int64_t t = next_fire(cron, json_string_value(tzv), now, err, n);
    if (t < 0) return -1;
    *next = t;
    return 0;
}

void sched_tick(server *s, int64_t now) {
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_INT(now), DB_INT(SCHED_MAX_DUE_PER_TICK)};
    if (db_exec(s->db, "SELECT id, app_id, board_id, board_version, start_node, config, on_restart, next_fire_at"
                       " FROM events WHERE kind = 'schedule' AND enabled = 1 AND next_fire_at <= $1"
                       " ORDER BY next_fire_at LIMIT $2", p, 2, &rows, &e) < 0) {
        srv_log(SLOG_ERROR, "schedules could not be read", json_pack("{s:s}", "error", e.msg));
        return;
    }
    for (size_t i = 0; i < db_rows_count(rows); i++) {
        const char *id = db_rows_text(rows, i, 0);
        json_t *cfg = json_loads(db_rows_text(rows, i, 5), 0, NULL);
        char err[256];
        int64_t old = db_rows_int(rows, i, 7);
        /* Missed fire times collapse into this one: the next is after now. */
        int64_t next = cfg ? next_fire(json_string_value(json_object_get(cfg, "cron")),
                                       json_string_value(json_object_get(cfg, "timezone")), now, err, sizeof err) : -1;
        json_decref(cfg);
        db_rows *upd = NULL;
        db_val u[] = {next > 0 ? DB_INT(next) : DB_NULL, DB_TEXT(id), DB_INT(old)};
        if (db_exec(s->db, "UPDATE events SET next_fire_at = $1 WHERE id = $2 AND next_fire_at = $3", u, 3, &upd, &e) < 0) continue;
        bool mine = db_rows_changed(upd) == 1;
        db_rows_free(upd);
        if (!mine) continue;  /* another server fired it */
        char payload[128], run_id[ID_MAX];
        snprintf(payload, sizeof payload, "{\"scheduled_at_us\": %lld, \"fired_at_us\": %lld}", (long long)old, (long long)now);
        run_spec sp = {
            .app_id = db_rows_text(rows, i, 1), .board_id = db_rows_text(rows, i, 2),
            .version = db_rows_isnull(rows, i, 3) ? 0 : db_rows_int(rows, i, 3), .event_id = id,
            .start_node = db_rows_text(rows, i, 4), .on_restart = db_rows_text(rows, i, 6), .payload = payload,
            .created_by = "schedule",
        };
        int64_t version;
        run_create_rc rc = runs_create(s, &sp, run_id, &version, err, sizeof err);
        if (rc != RUN_CREATED)
            srv_log(SLOG_ERROR, "a schedule could not start its run", json_pack("{s:s, s:s}", "event_id", id, "error", err));
    }
    db_rows_free(rows);
}
