/* log.c — structured logs: one JSON object per line on stderr, so operators
 * can ship them anywhere. Never pass a secret in `fields`. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server/srv.h"

static _Atomic int current = SLOG_INFO;

void srv_log_set_level(const char *name) {
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, names[i])) atomic_store(&current, i);
}

void srv_log(log_level lv, const char *msg, json_t *fields) {
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if ((int)lv > atomic_load(&current)) { json_decref(fields); return; }
    json_t *o = fields ? fields : json_object();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char t[96];
    snprintf(t, sizeof t, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    json_object_set_new(o, "ts", json_string(t));
    json_object_set_new(o, "level", json_string(names[lv]));
    json_object_set_new(o, "msg", json_string(msg));
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (line) {
        fprintf(stderr, "%s\n", line);
        free(line);
    }
    json_decref(o);
}
