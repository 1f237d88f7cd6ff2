/* cron.c — cron expressions: the parser and the next-fire-time search.
 *
 * Why here and not in a library: the server needs "next fire time of this
 * schedule in that zone" from many threads at once, and libc can only do
 * local time for the single process-wide TZ (see tzfile.c). This file works
 * on local wall-clock seconds and asks tzfile.c to map them to UTC.
 *
 * The search steps through the calendar by fields — a month that does not
 * match is skipped whole, then days, hours, minutes — so it costs a few
 * thousand steps at worst over CRON_SEARCH_YEARS, never a walk minute by
 * minute. The DST rules are described in docs/schedules.md and cron.h. */
#include "base/cron.h"
#include "base/errmsg.h"

#include <stdio.h>
#include <string.h>

#define SECS_PER_DAY 86400
/* Bounds on the loops of the search; far above what any expression needs
 * (a few thousand calendar steps in CRON_SEARCH_YEARS), so hitting one means
 * corrupt input and the search gives up (-1). */
#define CRON_MAX_STEPS 200000
/* cron_matches answers for years within ±CRON_MAX_YEAR (no overflow in the
 * calendar arithmetic); cron_next works in years 1-9999. */
#define CRON_MAX_YEAR 1000000

#define MINUTE_MASK UINT64_C(0x0FFFFFFFFFFFFFFF)   /* bits 0-59 */
#define HOUR_MASK   UINT32_C(0x00FFFFFF)            /* bits 0-23 */
#define DOM_MASK    UINT32_C(0xFFFFFFFE)            /* bits 1-31 */
#define MONTH_MASK  UINT16_C(0x1FFE)                /* bits 1-12 */
#define DOW_MASK    UINT8_C(0x7F)                   /* bits 0-6 */

/* ---- parsing -------------------------------------------------------------------- */

typedef struct field_def {
    const char *name;
    int min, max;           /* accepted values (day-of-week: 0-7, 7 = Sunday) */
    int star_max;           /* what "*" covers */
    int step_max;           /* the largest step: the number of distinct values */
    const char *const *names;
    int names_base;         /* value of names[0] */
} field_def;

static const char *const MONTH_NAMES[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const DAY_NAMES[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

enum { F_MINUTE, F_HOUR, F_DOM, F_MONTH, F_DOW, F_COUNT };

static const field_def FIELDS[F_COUNT] = {
    {"minute", 0, 59, 59, 60, NULL, 0},
    {"hour", 0, 23, 23, 24, NULL, 0},
    {"day-of-month", 1, 31, 31, 31, NULL, 0},
    {"month", 1, 12, 12, 12, MONTH_NAMES, 1},
    {"day-of-week", 0, 7, 6, 7, DAY_NAMES, 0},
};

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static char upper(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c; }
static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* How much of a piece of input to quote in a message. */
#define QUOTE_MAX 24
#define QLEN(n) ((int)((n) > QUOTE_MAX ? QUOTE_MAX : (n)))
#define QDOTS(n) ((n) > QUOTE_MAX ? "..." : "")

/* L, W, # and ? are Quartz-style extensions we do not take. */
static bool uses_extension(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] == '#' || s[i] == '?') return true;
    size_t i = 0;
    while (i < n && is_digit(s[i])) i++;
    size_t rest = n - i;
    if (rest == 1 && (upper(s[i]) == 'L' || upper(s[i]) == 'W')) return true;
    if (rest == 2 && upper(s[i]) == 'L' && upper(s[i + 1]) == 'W') return true;
    return false;
}

/* One value: a number or a name; *pos advances past it. Returns 1, or 0 when
 * there is no value at *pos (the caller reports the element), or -1 when
 * the value is wrong (reported here). */
static int parse_value(const field_def *f, const char *s, size_t n, size_t *pos, int *out, bool *named,
                       char *err, size_t errlen) {
    size_t i = *pos;
    *named = false;
    if (i < n && is_digit(s[i])) {
        size_t start = i;
        long v = 0;
        while (i < n && is_digit(s[i])) {
            if (v <= 100000) v = v * 10 + (s[i] - '0');   /* saturates: any huge number is out of range */
            i++;
        }
        if (v < f->min || v > f->max) {
            errmsg_set(err, errlen, "%s: %.*s%s is out of range (%d-%d)", f->name, QLEN(i - start), s + start,
                       QDOTS(i - start), f->min, f->max);
            return -1;
        }
        *out = (int)v;
        *pos = i;
        return 1;
    }
    if (i < n && is_alpha(s[i]) && f->names) {
        size_t start = i;
        while (i < n && is_alpha(s[i])) i++;
        if (i - start == 3) {
            for (int k = 0; f->names[k]; k++) {
                const char *nm = f->names[k];
                if (upper(s[start]) == nm[0] && upper(s[start + 1]) == nm[1] && upper(s[start + 2]) == nm[2]) {
                    *out = f->names_base + k;
                    *named = true;
                    *pos = i;
                    return 1;
                }
            }
        }
        errmsg_set(err, errlen, "%s: unknown name '%.*s%s' (use %s)", f->name, QLEN(i - start), s + start,
                   QDOTS(i - start), f->names == MONTH_NAMES ? "JAN-DEC" : "SUN-SAT");
        return -1;
    }
    return 0;
}

static bool bad_item(const field_def *f, const char *s, size_t n, char *err, size_t errlen) {
    errmsg_set(err, errlen, "%s: cannot read '%.*s%s' (expected *, a number%s, a range a-b, or a step */n or a-b/n)",
               f->name, QLEN(n), s, QDOTS(n), f->names ? " or name" : "");
    return false;
}

/* One comma-separated element: "*", "*\/n", "a", "a-b", "a-b/n". */
static bool parse_item(const field_def *f, const char *s, size_t n, uint64_t *bits, char *err, size_t errlen) {
    if (n == 0) {
        errmsg_set(err, errlen, "%s: empty element in a list", f->name);
        return false;
    }
    if (uses_extension(s, n)) {
        errmsg_set(err, errlen, "%s: '%.*s%s' uses L, W, # or ?, which are not supported", f->name, QLEN(n), s,
                   QDOTS(n));
        return false;
    }
    size_t pos = 0;
    int lo, hi, step = 1, r;
    bool single = false, named;
    if (s[0] == '*') {
        lo = f->min;
        hi = f->star_max;
        pos = 1;
    } else {
        if ((r = parse_value(f, s, n, &pos, &lo, &named, err, errlen)) <= 0)
            return r < 0 ? false : bad_item(f, s, n, err, errlen);
        hi = lo;
        single = true;
        if (pos < n && s[pos] == '-') {
            pos++;
            if ((r = parse_value(f, s, n, &pos, &hi, &named, err, errlen)) <= 0)
                return r < 0 ? false : bad_item(f, s, n, err, errlen);
            /* "FRI-SUN": Sunday written as the end of a range is 7 */
            if (f->names == DAY_NAMES && named && hi == 0 && lo > 0) hi = 7;
            single = false;
        }
    }
    if (pos < n && s[pos] == '/') {
        pos++;
        size_t start = pos;
        long v = 0;
        while (pos < n && is_digit(s[pos])) {
            if (v <= 100000) v = v * 10 + (s[pos] - '0');
            pos++;
        }
        if (pos == start || pos != n) return bad_item(f, s, n, err, errlen);
        if (single) {
            errmsg_set(err, errlen, "%s: a step needs a range or '*' ('%.*s%s'; write %d-%d/%.*s for every %.*s from %d)",
                       f->name, QLEN(n), s, QDOTS(n), lo, f->star_max, QLEN(pos - start), s + start,
                       QLEN(pos - start), s + start, lo);
            return false;
        }
        if (v < 1 || v > f->step_max) {
            errmsg_set(err, errlen, "%s: step %.*s%s is out of range (1-%d)", f->name, QLEN(pos - start), s + start,
                       QDOTS(pos - start), f->step_max);
            return false;
        }
        step = (int)v;
    }
    if (pos != n) return bad_item(f, s, n, err, errlen);
    if (lo > hi) {
        errmsg_set(err, errlen, "%s: reversed range %.*s%s (the first value must not be larger than the second)",
                   f->name, QLEN(n), s, QDOTS(n));
        return false;
    }
    for (int v = lo; v <= hi; v += step) *bits |= UINT64_C(1) << v;
    return true;
}

static bool parse_field(int which, const char *s, size_t n, cron_expr *out, char *err, size_t errlen) {
    const field_def *f = &FIELDS[which];
    uint64_t bits = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == ',') {
            if (!parse_item(f, s + start, i - start, &bits, err, errlen)) return false;
            start = i + 1;
        }
    }
    bool star = (n == 1 && s[0] == '*') || (n == 3 && memcmp(s, "*/1", 3) == 0);
    switch (which) {
    case F_MINUTE: out->minute = bits; break;
    case F_HOUR: out->hour = (uint32_t)bits; break;
    case F_DOM:
        out->dom = (uint32_t)bits;
        out->dom_star = star;
        break;
    case F_MONTH: out->month = (uint16_t)bits; break;
    default:
        if (bits & (UINT64_C(1) << 7)) bits = (bits | 1) & ~(UINT64_C(1) << 7);   /* 7 is Sunday */
        out->dow = (uint8_t)bits;
        out->dow_star = star;
        break;
    }
    return true;
}

static const struct {
    const char *name;
    const char *expansion;
} MACROS[] = {
    {"yearly", "0 0 1 1 *"}, {"annually", "0 0 1 1 *"}, {"monthly", "0 0 1 * *"}, {"weekly", "0 0 * * 0"},
    {"daily", "0 0 * * *"},  {"midnight", "0 0 * * *"}, {"hourly", "0 * * * *"},
};

static bool word_is(const char *s, size_t n, const char *word) {
    if (strlen(word) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (upper(s[i]) != upper(word[i])) return false;
    return true;
}

static int parse_fields(const char *s, size_t n, cron_expr *out, char *err, size_t errlen) {
    const char *fs[F_COUNT];
    size_t fl[F_COUNT];
    size_t count = 0, i = 0;
    while (i < n) {
        while (i < n && is_space(s[i])) i++;
        if (i == n) break;
        size_t start = i;
        while (i < n && !is_space(s[i])) i++;
        if (count < F_COUNT) {
            fs[count] = s + start;
            fl[count] = i - start;
        }
        count++;
    }
    if (count != F_COUNT) {
        errmsg_set(err, errlen, "expected 5 fields (minute hour day-of-month month day-of-week), found %zu%s", count,
                   count > F_COUNT ? "; seconds and year fields are not supported" : "");
        return -1;
    }
    cron_expr e;
    memset(&e, 0, sizeof e);
    for (int k = 0; k < F_COUNT; k++)
        if (!parse_field(k, fs[k], fl[k], &e, err, errlen)) return -1;
    *out = e;
    return 0;
}

int cron_parse(const char *text, cron_expr *out, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    if (!out) {
        errmsg_set(err, errlen, "no place for the result");
        return -1;
    }
    if (!text) {
        errmsg_set(err, errlen, "empty expression");
        return -1;
    }
    size_t n = strnlen(text, CRON_MAX_TEXT + 1);
    if (n > CRON_MAX_TEXT) {
        errmsg_set(err, errlen, "expression longer than %d bytes", CRON_MAX_TEXT);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\t') || c >= 0x7f) {
            errmsg_set(err, errlen, "expression has a control or non-ASCII byte at offset %zu", i);
            return -1;
        }
    }
    while (n > 0 && is_space(text[n - 1])) n--;
    while (n > 0 && is_space(*text)) text++, n--;
    if (n == 0) {
        errmsg_set(err, errlen, "empty expression");
        return -1;
    }
    if (text[0] != '@') return parse_fields(text, n, out, err, errlen);

    size_t w = 1;
    while (w < n && !is_space(text[w])) w++;
    if (w < n) {
        errmsg_set(err, errlen, "unexpected text after %.*s%s (a macro stands alone)", QLEN(w), text, QDOTS(w));
        return -1;
    }
    if (word_is(text + 1, w - 1, "reboot")) {
        errmsg_set(err, errlen, "@reboot is not supported: a schedule fires at times, not at start-up");
        return -1;
    }
    for (size_t k = 0; k < sizeof MACROS / sizeof MACROS[0]; k++)
        if (word_is(text + 1, w - 1, MACROS[k].name))
            return parse_fields(MACROS[k].expansion, strlen(MACROS[k].expansion), out, err, errlen);
    errmsg_set(err, errlen, "unknown macro '%.*s%s' (known: @yearly @annually @monthly @weekly @daily @midnight @hourly)",
               QLEN(w), text, QDOTS(w));
    return -1;
}

/* ---- matching ------------------------------------------------------------------- */

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned month_days(int64_t y, unsigned m) {
    static const unsigned char n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

/* The lowest set bit of mask at or above from, or -1. */
static int next_bit(uint64_t mask, unsigned from) {
    if (from >= 64) return -1;
    uint64_t m = mask & (~UINT64_C(0) << from);
    return m ? __builtin_ctzll(m) : -1;
}

static bool day_matches(const cron_expr *e, int64_t days, unsigned d) {
    bool dom = (e->dom >> d) & 1;
    bool dow = (e->dow >> tz_weekday(days)) & 1;
    if (e->dom_star || e->dow_star) return dom && dow;
    return dom || dow;
}

bool cron_matches(const cron_expr *e, int64_t y, unsigned m, unsigned d, unsigned h, unsigned mi) {
    if (!e || y < -CRON_MAX_YEAR || y > CRON_MAX_YEAR) return false;
    if (m < 1 || m > 12 || d < 1 || d > month_days(y, m) || h > 23 || mi > 59) return false;
    return ((e->month >> m) & 1) && ((e->hour >> h) & 1) && ((e->minute >> mi) & 1) &&
           day_matches(e, tz_days_from_civil(y, m, d), d);
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

/* Move the date (and its day number) on by one day. */
static void next_day(int64_t *days, int64_t *y, unsigned *m, unsigned *d) {
    (*days)++;
    if (++*d > month_days(*y, *m)) {
        *d = 1;
        if (++*m > 12) {
            *m = 1;
            (*y)++;
        }
    }
}

/* The first local wall-clock minute at or after `from` and at or before
 * `limit` (both local seconds) that matches e. Steps by fields. */
static bool next_local(const cron_expr *e, int64_t from, int64_t limit, int64_t *out) {
    int64_t start = floor_div(from + 59, 60) * 60;          /* round up to a whole minute */
    int64_t days = floor_div(start, SECS_PER_DAY);
    int64_t sod = start - days * SECS_PER_DAY;
    unsigned h = (unsigned)(sod / 3600), mi = (unsigned)(sod % 3600 / 60);
    int64_t limit_days = floor_div(limit, SECS_PER_DAY);
    int64_t y;
    unsigned m, d;
    tz_civil_from_days(days, &y, &m, &d);
    for (int steps = 0; steps < CRON_MAX_STEPS; steps++) {
        if (days > limit_days) return false;
        if (!((e->month >> m) & 1)) {                       /* skip to the next allowed month */
            int nm = next_bit(e->month, m + 1);
            if (nm < 0 || nm > 12) {
                y++;
                nm = next_bit(e->month, 1);
            }
            m = (unsigned)nm;
            d = 1;
            days = tz_days_from_civil(y, m, d);
            h = mi = 0;
            continue;
        }
        int nh = -1;
        if (day_matches(e, days, d)) nh = next_bit(e->hour, h);
        if (nh < 0 || nh > 23) {                            /* the next day */
            next_day(&days, &y, &m, &d);
            h = mi = 0;
            continue;
        }
        if ((unsigned)nh != h) {
            h = (unsigned)nh;
            mi = 0;
        }
        int nmin = next_bit(e->minute, mi);
        if (nmin < 0 || nmin > 59) {                        /* the next hour */
            h++;
            mi = 0;
            if (h > 23) {
                next_day(&days, &y, &m, &d);
                h = 0;
            }
            continue;
        }
        int64_t t = days * SECS_PER_DAY + (int64_t)h * 3600 + (int64_t)nmin * 60;
        if (t > limit) return false;
        *out = t;
        return true;
    }
    return false;
}

int64_t cron_next(const cron_expr *e, const tz_info *tz, int64_t after_utc_s) {
    if (!e) return -1;
    /* Work on a copy without stray bits, and refuse an empty field. */
    cron_expr c = *e;
    c.minute &= MINUTE_MASK;
    c.hour &= HOUR_MASK;
    c.dom &= DOM_MASK;
    c.month &= MONTH_MASK;
    c.dow &= DOW_MASK;
    if (!c.minute || !c.hour || !c.dom || !c.month || !c.dow) return -1;

    const int64_t min_t = tz_days_from_civil(1, 1, 2) * SECS_PER_DAY;
    const int64_t max_t = tz_days_from_civil(9999, 12, 31) * SECS_PER_DAY;
    if (after_utc_s < min_t || after_utc_s > max_t) return -1;

    int64_t local_after = after_utc_s + tz_offset_at(tz, after_utc_s);
    int64_t y;
    unsigned m, d;
    tz_civil_from_days(floor_div(local_after, SECS_PER_DAY), &y, &m, &d);
    /* the last second of the last year searched */
    int64_t limit = tz_days_from_civil(y + CRON_SEARCH_YEARS + 1, 1, 1) * SECS_PER_DAY - 1;

    if ((c.hour & HOUR_MASK) == HOUR_MASK) {
        /* Every hour: real time. Walk the stretches of constant UTC offset;
         * in each, the first matching local minute that falls inside it. */
        int64_t u = after_utc_s + 1;
        for (int steps = 0; steps < CRON_MAX_STEPS; steps++) {
            int64_t next;
            int32_t off = tz_offset_span(tz, u, &next);
            int64_t lo = u + off;
            if (lo > limit) return -1;
            int64_t hi = next == INT64_MAX || next - 1 > limit - off ? limit : next - 1 + off;
            int64_t l;
            if (next_local(&c, lo, hi, &l)) return l - off;
            if (next == INT64_MAX) return -1;
            u = next;
        }
        return -1;
    }

    /* Specific hours: each matching local date-time fires once, at its first
     * occurrence, or where the gap that skips it ends. That instant never
     * decreases as the local time grows, so the first candidate after
     * `after` is the answer; candidates at or before it are the rest of a
     * repeated stretch already passed. */
    int64_t l = floor_div(local_after, 60) * 60;
    for (int steps = 0; steps < CRON_MAX_STEPS; steps++) {
        if (!next_local(&c, l, limit, &l)) return -1;
        int64_t u;
        tz_local_to_utc(tz, l, &u);
        if (u > after_utc_s) return u;
        l += 60;
    }
    return -1;
}
