/* tzfile.h — time zones from the system tz database, read by weir itself.
 *
 * Schedules (cron.h) fire at wall-clock times in a named zone. The C
 * library's localtime()/mktime() answer that only for the one zone in the
 * process-global TZ variable, and changing it (setenv + tzset) races every
 * other thread of the server. So weir reads the TZif files (RFC 8536) of
 * /usr/share/zoneinfo into an immutable tz_info, and answers from that:
 * no global state, no allocation after tz_load, safe from any thread.
 *
 * Versions 1 to 4 are read; from version 2 on, the 64-bit data block and
 * the POSIX TZ footer ("CET-1CEST,M3.5.0,M10.5.0/3") that extends the zone
 * past its last listed transition. Every count is checked against the file's
 * size and against the bounds below; a corrupt or truncated file is refused
 * with a message, never read past its end. Leap-second ("right/") zones are
 * refused: their times are not POSIX times. */
#ifndef WEIR_TZFILE_H
#define WEIR_TZFILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"

/* The bounds (TZ_MAX_NAME_BYTES, TZ_MAX_FILE_BYTES, TZ_MAX_TIMES, TZ_MAX_TYPES,
 * TZ_MAX_CHARS, TZ_MAX_FOOTER_BYTES) are in base/limits.h with the others. */

/* A UTC offset must lie in (-25 h, +26 h), as RFC 8536 recommends. */
#define TZ_MIN_OFFSET       (-89999)
#define TZ_MAX_OFFSET       93599

typedef struct tz_info tz_info;

/* Load the zone NAME (TZDIR is read with getenv: set it, if at all, before
 * threads start): an IANA name ("Europe/Berlin", "America/New_York") or
 * "UTC", which is built in and needs no file. Reads $TZDIR/NAME when TZDIR is
 * set, else /usr/share/zoneinfo/NAME. Refuses an empty name, one longer than
 * TZ_MAX_NAME_BYTES, one starting with '/', containing "..", or any character
 * but A-Z a-z 0-9 '_' '+' '-' '/'; an unknown zone; a file that is not a
 * valid TZif file. Returns 0 and a new tz_info in *out, or -1 with a message
 * in err (when err is not NULL). */
int tz_load(const char *name, tz_info **out, char *err, size_t errlen);
void tz_free(tz_info *tz);
/* The name tz was loaded with. */
const char *tz_name(const tz_info *tz);

/* UTC offset in seconds (east positive) in force at the UTC instant utc_s.
 * Defined for every int64 (the footer rule repeats every 400 years). */
int32_t tz_offset_at(const tz_info *tz, int64_t utc_s);
/* The same, and in *next_change the first instant after utc_s at which the
 * offset may change (INT64_MAX when it never does). */
int32_t tz_offset_span(const tz_info *tz, int64_t utc_s, int64_t *next_change);

/* Map a local wall-clock time to UTC. local_s counts seconds since
 * 1970-01-01 00:00 of the local clock (as if local time were UTC). Returns
 * how often that local time occurs: 1 normally, 2 in a repeated stretch
 * (clocks set back), 0 in a skipped one (clocks set forward). *utc_out gets
 * the first occurrence; for a skipped time, the instant the gap ends (the
 * transition, the first instant whose local time is later). */
int tz_local_to_utc(const tz_info *tz, int64_t local_s, int64_t *utc_out);

/* Proleptic Gregorian calendar helpers (no time zones; for years and days
 * within ±2^40, far beyond any calendar use, so nothing overflows):
 * days since 1970-01-01 of y-m-d (m 1-12, d 1-31), and back. */
int64_t tz_days_from_civil(int64_t y, unsigned m, unsigned d);
void tz_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* 0 = Sunday … 6 = Saturday. */
unsigned tz_weekday(int64_t days);

#endif
