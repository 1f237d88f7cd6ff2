/* cron.h — cron expressions for schedule events: parse "MIN HOUR DOM MON DOW"
 * and find the next time it fires, in a time zone (tzfile.h).
 *
 * Exists so the server can ask "when does this schedule fire next?" from any
 * thread, for any zone, without the process-global TZ of localtime(). The
 * functions are pure: no clock, no state, no allocation. What is fired after
 * downtime (catch-up) is the scheduler's business, not this module's.
 * docs/schedules.md is the user's description, DST rules included. */
#ifndef WEIR_CRON_H
#define WEIR_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/tzfile.h"

/* CRON_MAX_TEXT (bytes of an expression) and CRON_SEARCH_YEARS (how many
 * calendar years cron_next looks ahead before it gives up and returns -1;
 * 8, because Feb 29 can be 8 years from the last one, 2096 → 2104) are in
 * base/limits.h. "0 0 30 2 *" costs a few hundred steps before it is refused. */

/* A parsed expression: one bit per allowed value of each field. */
typedef struct cron_expr {
    uint64_t minute;    /* bit m: minute m, 0-59 */
    uint32_t hour;      /* bit h: hour h, 0-23 */
    uint32_t dom;       /* bit d: day of month d, 1-31 */
    uint16_t month;     /* bit m: month m, 1-12 */
    uint8_t dow;        /* bit d: weekday d, 0 = Sunday … 6 = Saturday (7 folds to 0) */
    bool dom_star;      /* day-of-month written "*" (unrestricted) */
    bool dow_star;      /* day-of-week written "*" */
} cron_expr;

/* Parse a 5-field expression "MIN HOUR DOM MON DOW" (fields separated by
 * spaces or tabs): '*', numbers, lists "1,5,9", ranges "1-5", steps "*\/15"
 * and "1-30/5", month names JAN-DEC and weekday names SUN-SAT in any case,
 * 7 = Sunday; or one of @yearly @annually @monthly @weekly @daily @midnight
 * @hourly. When both day fields are restricted (neither is "*"), a day
 * matches if EITHER matches (the standard cron rule). Refuses everything
 * else — seconds or year fields, @reboot, L W # ?, out-of-range values,
 * reversed ranges, step 0, text over CRON_MAX_TEXT — with a message naming
 * the field. Returns 0, or -1 with the message in err (when not NULL). */
int cron_parse(const char *text, cron_expr *out, char *err, size_t errlen);

/* True when the local wall-clock minute y-m-d h:mi matches e. */
bool cron_matches(const cron_expr *e, int64_t y, unsigned m, unsigned d, unsigned h, unsigned mi);

/* The first fire time strictly after after_utc_s, in UTC seconds, for e read
 * in zone tz (NULL = UTC); -1 when there is none within CRON_SEARCH_YEARS
 * (e.g. "0 0 30 2 *"), or after_utc_s lies outside years 1-9999.
 * DST: a schedule whose hour field is every hour ("*") follows real time —
 * it fires whenever the local clock shows a matching minute, so twice in a
 * repeated hour and not at all in a skipped one; any other schedule fires
 * once per matching local date and time — at the first occurrence of a
 * repeated time, and at the end of the gap for a skipped one. */
int64_t cron_next(const cron_expr *e, const tz_info *tz, int64_t after_utc_s);

#endif
