/* sched.h — schedule events: cron expressions in a time zone (base/cron.h).
 * Each schedule event keeps next_fire_at in the store; a tick fires the due
 * ones. Firing moves next_fire_at with a compare-and-set, so with several
 * servers on one PostgreSQL each fire time starts exactly one run. After
 * downtime a schedule fires once for all the times it missed, then resumes. */
#ifndef WEIR_SRV_SCHED_H
#define WEIR_SRV_SCHED_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct server server;

#define SCHED_MAX_DUE_PER_TICK 1000  /* schedules fired per second; the rest on the next tick */

int sched_init(server *s, char *err, size_t errlen);
void sched_free(server *s);
void sched_tick(server *s, int64_t now_us);
/* Check a schedule event's config {"cron": "…", "timezone": "…"} and compute
 * its first fire time after now (µs). Returns 0 or -1 with a message. */
int sched_config_check(const json_t *config, int64_t now_us, int64_t *next_us, char *err, size_t errlen);

#endif
