/* test_cron.c — schedules: base/cron.h (parsing, next fire times, the DST
 * rules of docs/schedules.md) and base/tzfile.h (our own TZif reader).
 *
 * Oracles: glibc's localtime_r under setenv("TZ") for offsets — allowed
 * here only because this test is single-threaded; the point of tzfile.c is
 * that the server never does that — and brute force (minute by minute over
 * the same semantics) for cron_next. Corrupt and truncated zone files are
 * fed through TZDIR pointing at a temporary directory. */
#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cron.h"
#include "base/tzfile.h"

#define ZONEINFO "/usr/share/zoneinfo"

/* ---- helpers -------------------------------------------------------------------- */

static int64_t T(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s) {
    return tz_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + s;
}

/* "YYYY-MM-DD hh:mm:ss" of a UTC (or local) seconds count. */
static const char *fmt(int64_t t, char *buf, size_t n) {
    if (t == -1) {
        snprintf(buf, n, "-1");
        return buf;
    }
    int64_t days = t / 86400 - (t % 86400 < 0);
    int64_t sod = t - days * 86400, y;
    unsigned m, d;
    tz_civil_from_days(days, &y, &m, &d);
    snprintf(buf, n, "%04lld-%02u-%02u %02lld:%02lld:%02lld", (long long)y, m, d, (long long)(sod / 3600),
             (long long)(sod % 3600 / 60), (long long)(sod % 60));
    return buf;
}

static cron_expr P(const char *text) {
    cron_expr e;
    char err[256];
    if (cron_parse(text, &e, err, sizeof err) != 0) fail_msg("cron_parse(\"%s\") failed: %s", text, err);
    return e;
}

static tz_info *Z(const char *name) {
    tz_info *tz = NULL;
    char err[256];
    if (tz_load(name, &tz, err, sizeof err) != 0) fail_msg("tz_load(%s): %s", name, err);
    return tz;
}

static void check_next(const char *expr, const tz_info *tz, int64_t after, int64_t want, int line) {
    cron_expr e = P(expr);
    int64_t got = cron_next(&e, tz, after);
    if (got != want) {
        char a[40], b[40], c[40];
        fail_msg("line %d: \"%s\" in %s after %s UTC: got %s, want %s", line, expr, tz_name(tz),
                 fmt(after, a, sizeof a), fmt(got, b, sizeof b), fmt(want, c, sizeof c));
    }
}
#define NEXT(expr, tz, after, want) check_next(expr, tz, after, want, __LINE__)

static void check_refused(const char *text, const char *needle, int line) {
    cron_expr e;
    char err[256] = "";
    if (cron_parse(text, &e, err, sizeof err) == 0) fail_msg("line %d: \"%s\" was accepted", line, text);
    if (needle && !strstr(err, needle))
        fail_msg("line %d: \"%s\": message \"%s\" lacks \"%s\"", line, text, err, needle);
}
#define REFUSED(text, needle) check_refused(text, needle, __LINE__)

static uint64_t bits_of(const int *v, size_t n) {
    uint64_t b = 0;
    for (size_t i = 0; i < n; i++) b |= UINT64_C(1) << v[i];
    return b;
}
#define BITS(...) bits_of((const int[]){__VA_ARGS__}, sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

static bool same_expr(const cron_expr *a, const cron_expr *b) {
    return a->minute == b->minute && a->hour == b->hour && a->dom == b->dom && a->month == b->month &&
           a->dow == b->dow && a->dom_star == b->dom_star && a->dow_star == b->dow_star;
}

/* ---- parsing -------------------------------------------------------------------- */

static void test_parse_forms(void **state) {
    (void)state;
    cron_expr e = P("* * * * *");
    assert_int_equal(e.minute, UINT64_C(0x0FFFFFFFFFFFFFFF));
    assert_int_equal(e.hour, 0x00FFFFFF);
    assert_int_equal(e.dom, 0xFFFFFFFE);
    assert_int_equal(e.month, 0x1FFE);
    assert_int_equal(e.dow, 0x7F);
    assert_true(e.dom_star && e.dow_star);

    e = P("*/15 */6 */10 */3 */2");
    assert_int_equal(e.minute, BITS(0, 15, 30, 45));
    assert_int_equal(e.hour, BITS(0, 6, 12, 18));
    assert_int_equal(e.dom, BITS(1, 11, 21, 31));
    assert_int_equal(e.month, BITS(1, 4, 7, 10));
    assert_int_equal(e.dow, BITS(0, 2, 4, 6));
    assert_false(e.dom_star || e.dow_star);          /* a step restricts */

    e = P("1-30/5 9-17 1,15,31 1-12/6 1-5");
    assert_int_equal(e.minute, BITS(1, 6, 11, 16, 21, 26));
    assert_int_equal(e.hour, BITS(9, 10, 11, 12, 13, 14, 15, 16, 17));
    assert_int_equal(e.dom, BITS(1, 15, 31));
    assert_int_equal(e.month, BITS(1, 7));
    assert_int_equal(e.dow, BITS(1, 2, 3, 4, 5));

    e = P("0,30 0 1 jan,Jul,DEC mon-FRI");               /* names in any case */
    assert_int_equal(e.minute, BITS(0, 30));
    assert_int_equal(e.month, BITS(1, 7, 12));
    assert_int_equal(e.dow, BITS(1, 2, 3, 4, 5));
    e = P("0 0 * FEB-apr/2 SUN");
    assert_int_equal(e.month, BITS(2, 4));
    assert_int_equal(e.dow, BITS(0));

    /* 7 is Sunday, alone, in ranges and lists; SUN ends a range as 7 */
    assert_int_equal(P("0 0 * * 7").dow, BITS(0));
    assert_int_equal(P("0 0 * * 5-7").dow, BITS(0, 5, 6));
    assert_int_equal(P("0 0 * * FRI-SUN").dow, BITS(0, 5, 6));
    assert_int_equal(P("0 0 * * 0,7").dow, BITS(0));
    assert_int_equal(P("0 0 * * 0-7").dow, 0x7F);
    assert_int_equal(P("0 0 * * SUN-SAT").dow, 0x7F);
    assert_int_equal(P("0 0 * * sun").dow, BITS(0));
    assert_int_equal(P("0 0 * * MON-SUN/2").dow, BITS(1, 3, 5, 0));

    /* the edges of every field */
    e = P("59 23 31 12 6");
    assert_int_equal(e.minute, UINT64_C(1) << 59);
    assert_int_equal(e.hour, 1u << 23);
    assert_int_equal(e.dom, 1u << 31);
    assert_int_equal(e.month, 1u << 12);
    assert_int_equal(e.dow, 1u << 6);
    e = P("0 0 1 1 0");
    assert_int_equal(e.minute, 1);
    assert_int_equal(e.dom, 2);

    /* largest steps: one value */
    assert_int_equal(P("*/60 * * * *").minute, 1);
    assert_int_equal(P("0 */24 * * *").hour, 1);
    assert_int_equal(P("0 0 */31 * *").dom, 2);
    assert_int_equal(P("0 0 * */12 *").month, 2);
    assert_int_equal(P("0 0 * * */7").dow, 1);
    /* a range of one, a step bigger than the range */
    assert_int_equal(P("5-5 * * * *").minute, BITS(5));
    assert_int_equal(P("5-10/30 * * * *").minute, BITS(5));

    /* "*" and "*\/1" leave a day field unrestricted; other spellings restrict */
    e = P("0 0 */1 * */1");
    assert_true(e.dom_star && e.dow_star);
    e = P("0 0 1-31 * 0-6");
    assert_false(e.dom_star || e.dow_star);
    assert_int_equal(e.dom, 0xFFFFFFFE);

    /* spaces and tabs around and between fields */
    cron_expr a = P("  0\t12   * *\t* \t"), b = P("0 12 * * *");
    assert_true(same_expr(&a, &b));

    /* the longest text accepted */
    char text[CRON_MAX_TEXT + 2];
    memset(text, ' ', sizeof text);
    memcpy(text, "0 0 * * *", 9);
    text[CRON_MAX_TEXT] = '\0';
    a = P(text);
    b = P("0 0 * * *");
    assert_true(same_expr(&a, &b));
    /* a long but valid list */
    a = P("0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,"
          "36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59 * * * *");
    b = P("* * * * *");
    assert_int_equal(a.minute, b.minute);
}

static void test_parse_macros(void **state) {
    (void)state;
    static const char *const pairs[][2] = {
        {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"},  {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"},  {"@DAILY", "0 0 * * *"},    {"  @Hourly\t", "0 * * * *"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        cron_expr a = P(pairs[i][0]), b = P(pairs[i][1]);
        if (!same_expr(&a, &b)) fail_msg("%s differs from %s", pairs[i][0], pairs[i][1]);
    }
}

static void test_parse_refusals(void **state) {
    (void)state;
    cron_expr e;
    char err[256];
    /* empty */
    assert_int_equal(cron_parse(NULL, &e, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
    REFUSED("", "empty");
    REFUSED("  \t ", "empty");
    /* field counts */
    REFUSED("*", "found 1");
    REFUSED("* * * *", "found 4");
    REFUSED("0 * * * * *", "found 6");
    REFUSED("0 * * * * *", "seconds");
    REFUSED("0 0 12 * * ? 2030", "found 7");
    /* out of range, in every field */
    REFUSED("60 * * * *", "minute: 60 is out of range (0-59)");
    REFUSED("* 24 * * *", "hour: 24 is out of range (0-23)");
    REFUSED("* * 32 * *", "day-of-month: 32 is out of range (1-31)");
    REFUSED("* * 0 * *", "day-of-month: 0 is out of range");
    REFUSED("* * * 13 *", "month: 13 is out of range (1-12)");
    REFUSED("* * * 0 *", "month: 0 is out of range");
    REFUSED("* * * * 8", "day-of-week: 8 is out of range (0-7)");
    REFUSED("0-60 * * * *", "minute: 60 is out of range");
    REFUSED("1,2,99 * * * *", "minute: 99");
    /* huge numbers: no overflow, clipped in the message */
    REFUSED("99999999999999999999999999 * * * *", "minute: 999999999999999999999999... is out of range");
    REFUSED("* * * * 4294967296", "day-of-week");
    REFUSED("*/99999999999999999999 * * * *", "minute: step");
    /* steps */
    REFUSED("*/0 * * * *", "minute: step 0 is out of range (1-60)");
    REFUSED("0 1-10/0 * * *", "hour: step 0");
    REFUSED("*/61 * * * *", "minute: step 61");
    REFUSED("0 0 * * */8", "day-of-week: step 8");
    REFUSED("5/15 * * * *", "minute: a step needs a range or '*'");
    REFUSED("5/15 * * * *", "5-59/15");
    REFUSED("*/ * * * *", "minute: cannot read");
    REFUSED("*/5/2 * * * *", "minute: cannot read");
    REFUSED("*/-5 * * * *", "minute: cannot read");
    REFUSED("*/5-10 * * * *", "minute: cannot read");
    /* reversed ranges */
    REFUSED("5-1 * * * *", "minute: reversed range 5-1");
    REFUSED("0 0 * DEC-JAN *", "month: reversed range");
    REFUSED("0 0 * * SAT-MON", "day-of-week: reversed range");
    REFUSED("0 0 * * 6-0", "day-of-week: reversed range");
    /* junk */
    REFUSED("abc * * * *", "minute: cannot read 'abc'");
    REFUSED("1x * * * *", "minute: cannot read '1x'");
    REFUSED("JAN * * * *", "minute: cannot read");
    REFUSED("1,,2 * * * *", "minute: empty element");
    REFUSED(",1 * * * *", "minute: empty element");
    REFUSED("1, * * * *", "minute: empty element");
    REFUSED("1- * * * *", "minute: cannot read");
    REFUSED("-1 * * * *", "minute: cannot read");
    REFUSED("1-2-3 * * * *", "minute: cannot read");
    REFUSED("** * * * *", "minute: cannot read");
    REFUSED("*-5 * * * *", "minute: cannot read");
    REFUSED("+5 * * * *", "minute: cannot read");
    REFUSED("0 0 * FOO *", "month: unknown name 'FOO'");
    REFUSED("0 0 * JANUARY *", "month: unknown name");
    REFUSED("0 0 * * MONDAY", "day-of-week: unknown name");
    REFUSED("0 0 * * JAN", "day-of-week: unknown name");
    REFUSED("0 0 * MON *", "month: unknown name");
    REFUSED("0 0 MON * *", "day-of-month: cannot read");
    /* extensions we do not take */
    REFUSED("0 0 L * *", "day-of-month: 'L' uses L, W, # or ?");
    REFUSED("0 0 15W * *", "day-of-month: '15W'");
    REFUSED("0 0 LW * *", "not supported");
    REFUSED("0 0 * * 5L", "day-of-week: '5L'");
    REFUSED("0 0 * * L", "not supported");
    REFUSED("0 0 * * 1#2", "day-of-week: '1#2'");
    REFUSED("0 0 ? * MON", "day-of-month: '?'");
    /* macros */
    REFUSED("@reboot", "@reboot is not supported");
    REFUSED("@REBOOT", "@reboot");
    REFUSED("@every 5m", "unexpected text after @every");
    REFUSED("@daily 5", "unexpected text after @daily");
    REFUSED("@fortnightly", "unknown macro '@fortnightly'");
    REFUSED("@", "unknown macro");
    REFUSED("0 @daily * * *", "hour: cannot read");
    /* control and non-ASCII bytes */
    REFUSED("0 0 * * *\n", "control");
    REFUSED("0\n0 * * *", "control");
    REFUSED("0 0 * * \xc3\xa9", "non-ASCII");
    REFUSED("0 0 * * *\x7f", "control");
    /* overlong: refused by length before anything else */
    char text[CRON_MAX_TEXT + 64];
    memset(text, ' ', sizeof text);
    memcpy(text, "0 0 * * *", 9);
    text[CRON_MAX_TEXT + 1] = '\0';
    REFUSED(text, "longer than 256 bytes");
    memset(text, '1', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    REFUSED(text, "longer than");

    /* no message buffer, a tiny one, no result: refused without harm */
    assert_int_equal(cron_parse("61 * * * *", &e, NULL, 0), -1);
    char tiny[8];
    assert_int_equal(cron_parse("61 * * * *", &e, tiny, sizeof tiny), -1);
    assert_int_equal(strlen(tiny), 7);
    assert_int_equal(cron_parse("* * * * *", NULL, err, sizeof err), -1);
    /* a refused parse leaves *out alone */
    e = P("1 2 3 4 5");
    cron_expr before = e;
    assert_int_equal(cron_parse("1 2 3 4 99", &e, err, sizeof err), -1);
    assert_true(same_expr(&e, &before));
}

/* ---- next fire times in UTC ------------------------------------------------------- */

static void test_next_utc(void **state) {
    (void)state;
    NEXT("* * * * *", NULL, T(2024, 5, 1, 10, 0, 0), T(2024, 5, 1, 10, 1, 0));       /* strictly after */
    NEXT("* * * * *", NULL, T(2024, 5, 1, 10, 0, 30), T(2024, 5, 1, 10, 1, 0));      /* one-minute resolution */
    NEXT("* * * * *", NULL, T(2024, 5, 1, 10, 0, 59), T(2024, 5, 1, 10, 1, 0));
    NEXT("*/15 * * * *", NULL, T(2024, 5, 1, 10, 14, 59), T(2024, 5, 1, 10, 15, 0));
    NEXT("*/15 * * * *", NULL, T(2024, 5, 1, 23, 45, 0), T(2024, 5, 2, 0, 0, 0));
    NEXT("0 0 1 1 *", NULL, T(2024, 6, 1, 0, 0, 0), T(2025, 1, 1, 0, 0, 0));
    NEXT("@yearly", NULL, T(2024, 12, 31, 23, 59, 59), T(2025, 1, 1, 0, 0, 0));
    NEXT("@monthly", NULL, T(2024, 1, 31, 12, 0, 0), T(2024, 2, 1, 0, 0, 0));
    NEXT("@weekly", NULL, T(2024, 5, 1, 0, 0, 0), T(2024, 5, 5, 0, 0, 0));            /* a Sunday */
    NEXT("@daily", NULL, T(2024, 2, 28, 0, 0, 0), T(2024, 2, 29, 0, 0, 0));
    NEXT("@hourly", NULL, T(2024, 12, 31, 23, 0, 0), T(2025, 1, 1, 0, 0, 0));
    NEXT("30 8 * * MON-FRI", NULL, T(2024, 5, 3, 9, 0, 0), T(2024, 5, 6, 8, 30, 0));  /* Fri → Mon */
    NEXT("0 12 31 * *", NULL, T(2024, 4, 1, 0, 0, 0), T(2024, 5, 31, 12, 0, 0));     /* April has no 31st */
    NEXT("0 9-17/4 * * *", NULL, T(2024, 5, 1, 13, 0, 0), T(2024, 5, 1, 17, 0, 0));
    NEXT("0 9-17/4 * * *", NULL, T(2024, 5, 1, 17, 0, 0), T(2024, 5, 2, 9, 0, 0));
    NEXT("59 23 31 12 *", NULL, T(2024, 1, 1, 0, 0, 0), T(2024, 12, 31, 23, 59, 0));
    NEXT("0 0 * * 7", NULL, T(2024, 5, 1, 0, 0, 0), T(2024, 5, 5, 0, 0, 0));
    NEXT("0 0 1 * *", NULL, T(1969, 12, 15, 0, 0, 0), T(1970, 1, 1, 0, 0, 0));        /* before the epoch */
    NEXT("0 0 1 1 *", NULL, T(1899, 6, 1, 0, 0, 0), T(1900, 1, 1, 0, 0, 0));
    /* the years searched end at 9999 + CRON_SEARCH_YEARS; starts outside 1..9999 are refused */
    NEXT("0 0 1 1 *", NULL, T(9999, 6, 1, 0, 0, 0), T(10000, 1, 1, 0, 0, 0));
    NEXT("* * * * *", NULL, T(10000, 1, 1, 0, 0, 0), -1);
    NEXT("* * * * *", NULL, T(0, 12, 31, 0, 0, 0), -1);
    NEXT("* * * * *", NULL, INT64_MAX, -1);
    NEXT("* * * * *", NULL, INT64_MIN, -1);

    /* an expression that was not parsed: empty or stray bits */
    cron_expr z;
    memset(&z, 0, sizeof z);
    assert_int_equal(cron_next(&z, NULL, 0), -1);
    assert_int_equal(cron_next(NULL, NULL, 0), -1);
    cron_expr odd = P("* * * * *");
    odd.dom = 1;                                       /* only the unused bit 0 */
    assert_int_equal(cron_next(&odd, NULL, 0), -1);
    odd = P("0 0 * * *");
    odd.hour |= 1u << 30;                              /* stray bits are ignored */
    assert_int_equal(cron_next(&odd, NULL, T(2024, 1, 1, 0, 0, 0)), T(2024, 1, 2, 0, 0, 0));
}

static void test_feb29_and_impossible(void **state) {
    (void)state;
    NEXT("0 0 29 2 *", NULL, T(2023, 3, 1, 0, 0, 0), T(2024, 2, 29, 0, 0, 0));
    NEXT("0 0 29 2 *", NULL, T(2024, 2, 29, 0, 0, 0), T(2028, 2, 29, 0, 0, 0));
    NEXT("0 0 29 2 *", NULL, T(2000, 1, 1, 0, 0, 0), T(2000, 2, 29, 0, 0, 0));        /* 2000 is leap */
    NEXT("0 0 29 2 *", NULL, T(2096, 3, 1, 0, 0, 0), T(2104, 2, 29, 0, 0, 0));        /* 2100 is not */
    NEXT("0 0 29 2 *", NULL, T(2096, 2, 29, 0, 0, 0), T(2104, 2, 29, 0, 0, 0));        /* 8 years exactly */
    /* leap years only, over a century */
    cron_expr e = P("0 0 29 2 *");
    int64_t t = T(1999, 1, 1, 0, 0, 0);
    int n = 0;
    for (;;) {
        t = cron_next(&e, NULL, t);
        if (t < 0 || t >= T(2200, 1, 1, 0, 0, 0)) break;
        int64_t y;
        unsigned m, d;
        tz_civil_from_days(t / 86400, &y, &m, &d);
        assert_true(m == 2 && d == 29 && t % 86400 == 0);
        assert_true(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
        n++;
    }
    assert_int_equal(n, 49);                            /* 2000..2196 less 2100 */

    /* never: -1, and fast (field steps, not minutes) */
    static const char *const never[] = {"0 0 30 2 *", "0 0 31 2 *", "0 0 31 4 *", "0 0 31 2,4,6,9,11 *",
                                        "* * 30,31 2 *", "59 23 31 11 *"};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        for (int64_t y = 1970; y < 2500; y += 37) NEXT(never[i], NULL, T(y, 3, 3, 3, 3, 3), -1);
    /* but with a weekday (OR rule) Feb 30 is just "Mondays in February" */
    NEXT("0 0 30 2 MON", NULL, T(2024, 3, 1, 0, 0, 0), T(2025, 2, 3, 0, 0, 0));
}

static void test_dom_dow_or_rule(void **state) {
    (void)state;
    /* 2024-09-13 is a Friday; 2024-12-13 too; 2024-01-05 the first Friday */
    NEXT("0 0 13 * FRI", NULL, T(2024, 1, 1, 0, 0, 0), T(2024, 1, 5, 0, 0, 0));     /* a Friday */
    NEXT("0 0 13 * FRI", NULL, T(2024, 1, 12, 0, 0, 0), T(2024, 1, 13, 0, 0, 0));   /* the 13th, a Saturday */
    NEXT("0 0 13 * FRI", NULL, T(2024, 1, 13, 0, 0, 0), T(2024, 1, 19, 0, 0, 0));
    NEXT("0 0 * * FRI", NULL, T(2024, 1, 12, 0, 0, 0), T(2024, 1, 19, 0, 0, 0));    /* day-of-month "*" */
    NEXT("0 0 13 * *", NULL, T(2024, 1, 1, 0, 0, 0), T(2024, 1, 13, 0, 0, 0));      /* day-of-week "*" */
    NEXT("0 0 1 * MON", NULL, T(2024, 4, 23, 0, 0, 0), T(2024, 4, 29, 0, 0, 0));     /* Monday before the 1st */
    NEXT("0 0 1 * MON", NULL, T(2024, 4, 29, 0, 0, 0), T(2024, 5, 1, 0, 0, 0));
    /* steps and full ranges restrict too: "*\/2" and "1-31" are not "*" */
    NEXT("0 0 */2 * MON", NULL, T(2024, 4, 1, 0, 0, 0), T(2024, 4, 3, 0, 0, 0));     /* the 3rd (odd) */
    NEXT("0 0 */10 * MON", NULL, T(2024, 4, 1, 0, 0, 0), T(2024, 4, 8, 0, 0, 0));    /* Monday the 8th */
    NEXT("0 0 1-31 * MON", NULL, T(2024, 4, 2, 0, 0, 0), T(2024, 4, 3, 0, 0, 0));    /* every day */
    NEXT("0 0 */1 * MON", NULL, T(2024, 4, 2, 0, 0, 0), T(2024, 4, 8, 0, 0, 0));     /* "*\/1" is "*" */

    cron_expr e = P("0 0 13 * FRI");
    assert_true(cron_matches(&e, 2024, 9, 13, 0, 0));
    assert_true(cron_matches(&e, 2024, 9, 6, 0, 0));
    assert_true(cron_matches(&e, 2024, 10, 13, 0, 0));   /* a Sunday */
    assert_false(cron_matches(&e, 2024, 10, 14, 0, 0));
    assert_false(cron_matches(&e, 2024, 9, 13, 0, 1));
    assert_false(cron_matches(&e, 2023, 2, 29, 0, 0));   /* no such day */
    assert_false(cron_matches(&e, 2024, 13, 1, 0, 0));
    assert_false(cron_matches(NULL, 2024, 9, 13, 0, 0));
}

/* Brute force in UTC: the first matching minute after `after`. */
static int64_t brute_utc(const cron_expr *e, int64_t after, int64_t horizon) {
    for (int64_t t = (after / 60 + 1) * 60; t <= after + horizon; t += 60) {
        int64_t y;
        unsigned m, d;
        tz_civil_from_days(t / 86400, &y, &m, &d);
        unsigned h = (unsigned)(t % 86400 / 3600), mi = (unsigned)(t % 3600 / 60);
        if (cron_matches(e, y, m, d, h, mi)) return t;
    }
    return -1;
}

static void test_next_utc_brute_force(void **state) {
    (void)state;
    static const char *const exprs[] = {
        "* * * * *",        "*/7 * * * *",         "13 */5 * * *",      "0 0 * * *",
        "5,35 9-17 * * 1-5", "0 12 1,15 * *",      "0 0 13 * FRI",      "*/20 3 * * SAT,SUN",
        "59 23 28-31 * *",  "0 6 * */2 MON"   ,  "30 1 1-7 * 0",      "0 0 31 * *",
    };
    uint64_t seed = 12345;
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        cron_expr e = P(exprs[i]);
        for (int k = 0; k < 25; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            int64_t after = T(2023, 1, 1, 0, 0, 0) + (int64_t)(seed >> 33) % (3 * 365 * 86400LL);
            int64_t want = brute_utc(&e, after, 70 * 86400);
            int64_t got = cron_next(&e, NULL, after);
            if (want != got) {
                char a[40], b[40], c[40];
                fail_msg("\"%s\" after %s: got %s, brute force %s", exprs[i], fmt(after, a, sizeof a),
                         fmt(got, b, sizeof b), fmt(want, c, sizeof c));
            }
        }
    }
}

/* ---- time zones: offsets -------------------------------------------------------- */

static void test_tz_offsets(void **state) {
    (void)state;
    tz_info *ber = Z("Europe/Berlin"), *ny = Z("America/New_York"), *kol = Z("Asia/Kolkata");
    tz_info *lh = Z("Australia/Lord_Howe"), *cha = Z("Pacific/Chatham"), *utc = Z("UTC"), *eutc = Z("Etc/UTC");
    assert_string_equal(tz_name(ber), "Europe/Berlin");
    assert_int_equal(tz_offset_at(ber, T(2024, 1, 15, 12, 0, 0)), 3600);
    assert_int_equal(tz_offset_at(ber, T(2024, 7, 15, 12, 0, 0)), 7200);
    assert_int_equal(tz_offset_at(ber, T(2024, 3, 31, 0, 59, 59)), 3600);
    assert_int_equal(tz_offset_at(ber, T(2024, 3, 31, 1, 0, 0)), 7200);
    assert_int_equal(tz_offset_at(ber, T(2024, 10, 27, 0, 59, 59)), 7200);
    assert_int_equal(tz_offset_at(ber, T(2024, 10, 27, 1, 0, 0)), 3600);
    assert_int_equal(tz_offset_at(ny, T(2024, 7, 4, 12, 0, 0)), -14400);
    assert_int_equal(tz_offset_at(ny, T(2024, 12, 25, 12, 0, 0)), -18000);
    assert_int_equal(tz_offset_at(kol, T(2024, 7, 4, 12, 0, 0)), 19800);
    assert_int_equal(tz_offset_at(lh, T(2024, 7, 4, 12, 0, 0)), 37800);   /* +10:30 */
    assert_int_equal(tz_offset_at(lh, T(2024, 12, 4, 12, 0, 0)), 39600);  /* +11, DST of 30 minutes */
    assert_int_equal(tz_offset_at(cha, T(2024, 7, 4, 12, 0, 0)), 45900);  /* +12:45 */
    assert_int_equal(tz_offset_at(cha, T(2024, 12, 4, 12, 0, 0)), 49500); /* +13:45 */
    assert_int_equal(tz_offset_at(utc, T(2024, 7, 4, 12, 0, 0)), 0);
    assert_int_equal(tz_offset_at(eutc, T(2024, 7, 4, 12, 0, 0)), 0);
    assert_int_equal(tz_offset_at(NULL, 12345), 0);

    /* beyond the transitions table (2037): the footer rule */
    assert_int_equal(tz_offset_at(ber, T(2090, 1, 1, 0, 0, 0)), 3600);
    assert_int_equal(tz_offset_at(ber, T(2090, 7, 1, 0, 0, 0)), 7200);
    assert_int_equal(tz_offset_at(ber, T(2100, 3, 28, 0, 59, 59)), 3600);
    assert_int_equal(tz_offset_at(ber, T(2100, 3, 28, 1, 0, 0)), 7200);
    assert_int_equal(tz_offset_at(ber, T(2100, 10, 31, 0, 59, 59)), 7200);
    assert_int_equal(tz_offset_at(ber, T(2100, 10, 31, 1, 0, 0)), 3600);
    assert_int_equal(tz_offset_at(ny, T(2100, 7, 4, 12, 0, 0)), -14400);
    assert_int_equal(tz_offset_at(lh, T(2100, 1, 1, 0, 0, 0)), 39600);
    assert_int_equal(tz_offset_at(cha, T(2300, 1, 1, 0, 0, 0)), 49500);
    assert_int_equal(tz_offset_at(kol, T(3000, 1, 1, 0, 0, 0)), 19800);
    /* every int64 answers, with a real offset of the zone */
    int64_t edges[] = {INT64_MIN, INT64_MIN + 1, -(INT64_C(1) << 59), (INT64_C(1) << 59), INT64_MAX - 1, INT64_MAX};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        int32_t o = tz_offset_at(ber, edges[i]);
        assert_true(o >= TZ_MIN_OFFSET && o <= TZ_MAX_OFFSET);
        int64_t next;
        o = tz_offset_span(ber, edges[i], &next);
        assert_true(next > edges[i] || next == INT64_MAX);
        int64_t u;
        tz_local_to_utc(ber, edges[i], &u);
    }
    assert_true(tz_offset_at(ber, INT64_MAX) == 3600 || tz_offset_at(ber, INT64_MAX) == 7200);

    tz_free(ber);
    tz_free(ny);
    tz_free(kol);
    tz_free(lh);
    tz_free(cha);
    tz_free(utc);
    tz_free(eutc);
    tz_free(NULL);
}

/* glibc as the oracle (single-threaded test only). */
static void compare_with_libc(const char *zone, int64_t from, int64_t to, int64_t step) {
    tz_info *tz = Z(zone);
    unsetenv("TZDIR");
    setenv("TZ", zone, 1);
    tzset();
    long checked = 0;
    for (int64_t t = from; t < to; t += step) {
        time_t tt = (time_t)t;
        struct tm tm;
        assert_non_null(localtime_r(&tt, &tm));
        int32_t ours = tz_offset_at(tz, t);
        if (ours != tm.tm_gmtoff) {
            char b[40];
            fail_msg("%s at %s UTC: ours %d, libc %ld", zone, fmt(t, b, sizeof b), ours, (long)tm.tm_gmtoff);
        }
        checked++;
    }
    /* and one second either side of every change we know of */
    int64_t t = from, next;
    while (t < to) {
        tz_offset_span(tz, t, &next);
        if (next >= to) break;
        for (int64_t s = next - 1; s <= next + 1; s++) {
            time_t tt = (time_t)s;
            struct tm tm;
            assert_non_null(localtime_r(&tt, &tm));
            if (tz_offset_at(tz, s) != tm.tm_gmtoff) {
                char b[40];
                fail_msg("%s at change %s UTC: ours %d, libc %ld", zone, fmt(s, b, sizeof b), tz_offset_at(tz, s),
                         (long)tm.tm_gmtoff);
            }
            checked++;
        }
        t = next;
    }
    assert_true(checked > 1000);
    unsetenv("TZ");
    tzset();
    tz_free(tz);
}

static void test_tz_against_libc(void **state) {
    (void)state;
    static const char *const zones[] = {
        "Europe/Berlin",     "America/New_York", "Asia/Kolkata",     "Australia/Lord_Howe", "Pacific/Chatham",
        "America/Sao_Paulo", "Europe/Dublin",    "Africa/Casablanca", "Pacific/Apia",       "America/St_Johns",
        "Asia/Tehran",       "Australia/Sydney", "Europe/London",    "America/Santiago",    "Antarctica/Troll",
        "Asia/Kathmandu",    "America/Godthab",  "Europe/Moscow",    "UTC",                 "Etc/GMT+5",
    };
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        compare_with_libc(zones[i], T(1800, 1, 1, 0, 0, 0), 0, 17 * 86400 + 3607);      /* LMT, early rules */
        compare_with_libc(zones[i], 0, INT64_C(2147483647), 2 * 86400 + 3607);          /* 1970–2037 */
        compare_with_libc(zones[i], INT64_C(2147483648), T(2100, 12, 31, 0, 0, 0), 9 * 86400 + 3541);  /* footer */
    }
}

static void test_local_to_utc(void **state) {
    (void)state;
    tz_info *ber = Z("Europe/Berlin"), *lh = Z("Australia/Lord_Howe");
    int64_t u;
    /* an ordinary time */
    assert_int_equal(tz_local_to_utc(ber, T(2024, 7, 1, 12, 0, 0), &u), 1);
    assert_int_equal(u, T(2024, 7, 1, 10, 0, 0));
    /* skipped: 02:00–02:59 on 2024-03-31; the gap ends at 01:00 UTC */
    assert_int_equal(tz_local_to_utc(ber, T(2024, 3, 31, 2, 30, 0), &u), 0);
    assert_int_equal(u, T(2024, 3, 31, 1, 0, 0));
    assert_int_equal(tz_local_to_utc(ber, T(2024, 3, 31, 2, 0, 0), &u), 0);
    assert_int_equal(tz_local_to_utc(ber, T(2024, 3, 31, 1, 59, 59), &u), 1);
    assert_int_equal(u, T(2024, 3, 31, 0, 59, 59));
    assert_int_equal(tz_local_to_utc(ber, T(2024, 3, 31, 3, 0, 0), &u), 1);
    assert_int_equal(u, T(2024, 3, 31, 1, 0, 0));
    /* repeated: 02:00–02:59 on 2024-10-27; the first is CEST */
    assert_int_equal(tz_local_to_utc(ber, T(2024, 10, 27, 2, 30, 0), &u), 2);
    assert_int_equal(u, T(2024, 10, 27, 0, 30, 0));
    assert_int_equal(tz_local_to_utc(ber, T(2024, 10, 27, 3, 0, 0), &u), 1);
    assert_int_equal(u, T(2024, 10, 27, 2, 0, 0));
    /* the same in 2100, from the footer */
    assert_int_equal(tz_local_to_utc(ber, T(2100, 3, 28, 2, 30, 0), &u), 0);
    assert_int_equal(u, T(2100, 3, 28, 1, 0, 0));
    assert_int_equal(tz_local_to_utc(ber, T(2100, 10, 31, 2, 30, 0), &u), 2);
    assert_int_equal(u, T(2100, 10, 31, 0, 30, 0));
    /* Lord Howe: 30-minute gap and overlap */
    assert_int_equal(tz_local_to_utc(lh, T(2024, 10, 6, 2, 15, 0), &u), 0);
    assert_int_equal(u, T(2024, 10, 5, 15, 30, 0));
    assert_int_equal(tz_local_to_utc(lh, T(2024, 4, 7, 1, 45, 0), &u), 2);
    assert_int_equal(u, T(2024, 4, 6, 14, 45, 0));
    assert_int_equal(tz_local_to_utc(NULL, 1000, &u), 1);
    assert_int_equal(u, 1000);

    /* brute force: count u in the ±26 h window with u + offset(u) == L */
    static const char *const zones[] = {"Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham",
                                        "America/New_York", "Pacific/Apia"};
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        tz_info *tz = Z(zones[z]);
        int64_t t = T(2010, 1, 1, 0, 0, 0), next;
        for (int changes = 0; changes < 6; changes++) {
            tz_offset_span(tz, t, &next);
            for (int64_t l = next - 4 * 3600 + 60 * 17; l < next + 4 * 3600; l += 60 * 13) {
                int64_t local = l + tz_offset_at(tz, l);
                local -= local % 60;
                int n = 0;
                int64_t first = -1;
                int64_t w0 = local - TZ_MAX_OFFSET;
                w0 -= (w0 % 60 + 60) % 60;
                for (int64_t w = w0; w <= local - TZ_MIN_OFFSET; w += 60) {
                    if (w + tz_offset_at(tz, w) == local) {
                        if (n == 0) first = w;
                        n++;
                    }
                }
                int got = tz_local_to_utc(tz, local, &u);
                assert_int_equal(got, n);
                if (n) assert_int_equal(u, first);
                else assert_true(tz_offset_at(tz, u - 1) < tz_offset_at(tz, u));   /* a forward change */
            }
            t = next;
        }
        tz_free(tz);
    }
    tz_free(ber);
    tz_free(lh);
}

/* ---- time zones: next fire times and DST ------------------------------------------ */

static void test_next_in_zones(void **state) {
    (void)state;
    tz_info *ber = Z("Europe/Berlin"), *ny = Z("America/New_York"), *kol = Z("Asia/Kolkata");
    tz_info *lh = Z("Australia/Lord_Howe"), *cha = Z("Pacific/Chatham");
    /* ordinary days */
    NEXT("0 9 * * *", ber, T(2024, 1, 15, 0, 0, 0), T(2024, 1, 15, 8, 0, 0));
    NEXT("0 9 * * *", ber, T(2024, 7, 15, 0, 0, 0), T(2024, 7, 15, 7, 0, 0));
    NEXT("0 0 * * *", ber, T(2024, 7, 15, 0, 0, 0), T(2024, 7, 15, 22, 0, 0));
    NEXT("0 9 * * MON", ny, T(2024, 7, 4, 0, 0, 0), T(2024, 7, 8, 13, 0, 0));
    NEXT("0 0 1 1 *", ny, T(2024, 6, 1, 0, 0, 0), T(2025, 1, 1, 5, 0, 0));
    NEXT("0 9 * * *", kol, T(2024, 1, 15, 0, 0, 0), T(2024, 1, 15, 3, 30, 0));
    NEXT("30 * * * *", kol, T(2024, 1, 15, 0, 10, 0), T(2024, 1, 15, 1, 0, 0));  /* :30 local = :00 UTC */
    NEXT("0 * * * *", kol, T(2024, 1, 15, 0, 10, 0), T(2024, 1, 15, 0, 30, 0));
    NEXT("0 0 * * *", kol, T(2024, 1, 15, 0, 0, 0), T(2024, 1, 15, 18, 30, 0));
    NEXT("0 12 * * *", lh, T(2024, 7, 1, 0, 0, 0), T(2024, 7, 1, 1, 30, 0));
    NEXT("0 12 * * *", lh, T(2024, 12, 1, 0, 0, 0), T(2024, 12, 1, 1, 0, 0));
    NEXT("0 12 * * *", cha, T(2024, 7, 1, 0, 0, 0), T(2024, 7, 1, 23, 15, 0));
    NEXT("0 12 * * *", cha, T(2024, 12, 1, 0, 0, 0), T(2024, 12, 1, 22, 15, 0));
    /* the local day decides the weekday and the date */
    NEXT("0 1 * * MON", kol, T(2024, 7, 6, 0, 0, 0), T(2024, 7, 7, 19, 30, 0));      /* Mon 01:00 IST = Sun UTC */
    NEXT("0 0 1 * *", ny, T(2024, 7, 1, 3, 59, 0), T(2024, 7, 1, 4, 0, 0));
    /* far in the future: beyond the table, the footer rule */
    NEXT("0 12 * * *", ber, T(2100, 1, 15, 0, 0, 0), T(2100, 1, 15, 11, 0, 0));
    NEXT("0 12 * * *", ber, T(2100, 7, 15, 0, 0, 0), T(2100, 7, 15, 10, 0, 0));
    NEXT("30 2 * * *", ber, T(2100, 3, 27, 12, 0, 0), T(2100, 3, 28, 1, 0, 0));       /* skipped: end of gap */
    NEXT("30 2 * * *", ber, T(2100, 10, 30, 12, 0, 0), T(2100, 10, 31, 0, 30, 0));    /* repeated: the first */
    NEXT("0 9 * * *", ny, T(2100, 7, 4, 0, 0, 0), T(2100, 7, 4, 13, 0, 0));
    NEXT("0 12 1 1 *", lh, T(2090, 6, 1, 0, 0, 0), T(2091, 1, 1, 1, 0, 0));
    NEXT("0 0 29 2 *", ber, T(2096, 3, 1, 0, 0, 0), T(2104, 2, 28, 23, 0, 0));
    NEXT("0 0 30 2 *", ber, T(2024, 3, 1, 0, 0, 0), -1);
    tz_free(ber);
    tz_free(ny);
    tz_free(kol);
    tz_free(lh);
    tz_free(cha);
}

static void test_dst_berlin(void **state) {
    (void)state;
    tz_info *ber = Z("Europe/Berlin");
    /* spring forward, 2024-03-31 01:00 UTC: 02:00 CET → 03:00 CEST */
    NEXT("30 2 * * *", ber, T(2024, 3, 30, 12, 0, 0), T(2024, 3, 31, 1, 0, 0));   /* at the end of the gap */
    NEXT("30 2 * * *", ber, T(2024, 3, 31, 1, 0, 0), T(2024, 4, 1, 0, 30, 0));    /* then 02:30 CEST */
    NEXT("0 2 * * *", ber, T(2024, 3, 30, 12, 0, 0), T(2024, 3, 31, 1, 0, 0));
    NEXT("59 2 * * *", ber, T(2024, 3, 30, 12, 0, 0), T(2024, 3, 31, 1, 0, 0));
    NEXT("0 3 * * *", ber, T(2024, 3, 30, 12, 0, 0), T(2024, 3, 31, 1, 0, 0));    /* 03:00 CEST, the same instant */
    NEXT("* 2 * * *", ber, T(2024, 3, 30, 12, 0, 0), T(2024, 3, 31, 1, 0, 0));    /* the skipped hour fires once */
    NEXT("* 2 * * *", ber, T(2024, 3, 31, 1, 0, 0), T(2024, 4, 1, 0, 0, 0));
    NEXT("30 1 * * *", ber, T(2024, 3, 30, 12, 0, 0), T(2024, 3, 31, 0, 30, 0));
    NEXT("30 2 31 3 *", ber, T(2024, 1, 1, 0, 0, 0), T(2024, 3, 31, 1, 0, 0));
    /* hourly jobs fire once per real hour */
    NEXT("0 * * * *", ber, T(2024, 3, 30, 23, 30, 0), T(2024, 3, 31, 0, 0, 0));   /* 01:00 CET */
    NEXT("0 * * * *", ber, T(2024, 3, 31, 0, 0, 0), T(2024, 3, 31, 1, 0, 0));     /* 03:00 CEST */
    NEXT("0 * * * *", ber, T(2024, 3, 31, 1, 0, 0), T(2024, 3, 31, 2, 0, 0));     /* 04:00 CEST */
    NEXT("30 * * * *", ber, T(2024, 3, 31, 0, 30, 0), T(2024, 3, 31, 1, 30, 0));  /* 01:30 CET → 03:30 CEST */
    NEXT("*/15 * * * *", ber, T(2024, 3, 31, 0, 45, 0), T(2024, 3, 31, 1, 0, 0));

    /* fall back, 2024-10-27 01:00 UTC: 03:00 CEST → 02:00 CET */
    NEXT("30 2 * * *", ber, T(2024, 10, 26, 12, 0, 0), T(2024, 10, 27, 0, 30, 0));  /* the first 02:30 (CEST) */
    NEXT("30 2 * * *", ber, T(2024, 10, 27, 0, 30, 0), T(2024, 10, 28, 1, 30, 0));  /* not again at 01:30 UTC */
    NEXT("30 2 * * *", ber, T(2024, 10, 27, 1, 15, 0), T(2024, 10, 28, 1, 30, 0));  /* from inside the second hour */
    NEXT("0 3 * * *", ber, T(2024, 10, 26, 12, 0, 0), T(2024, 10, 27, 2, 0, 0));
    NEXT("30 1 * * *", ber, T(2024, 10, 26, 12, 0, 0), T(2024, 10, 26, 23, 30, 0));   /* 01:30 CEST, once */
    NEXT("30 1 * * *", ber, T(2024, 10, 26, 23, 30, 0), T(2024, 10, 28, 0, 30, 0));
    NEXT("0 2 * * *", ber, T(2024, 10, 26, 12, 0, 0), T(2024, 10, 27, 0, 0, 0));
    NEXT("* 2 * * *", ber, T(2024, 10, 27, 0, 58, 0), T(2024, 10, 27, 0, 59, 0));
    NEXT("* 2 * * *", ber, T(2024, 10, 27, 0, 59, 0), T(2024, 10, 28, 1, 0, 0));    /* not the second 02:xx */
    NEXT("0 * * * *", ber, T(2024, 10, 26, 23, 30, 0), T(2024, 10, 27, 0, 0, 0));   /* 02:00 CEST */
    NEXT("0 * * * *", ber, T(2024, 10, 27, 0, 0, 0), T(2024, 10, 27, 1, 0, 0));     /* 02:00 CET */
    NEXT("0 * * * *", ber, T(2024, 10, 27, 1, 0, 0), T(2024, 10, 27, 2, 0, 0));     /* 03:00 CET */
    NEXT("30 * * * *", ber, T(2024, 10, 27, 0, 30, 0), T(2024, 10, 27, 1, 30, 0));

    /* a whole year: hourly is always 3600 s apart; daily 02:30 fires once a day */
    cron_expr hourly = P("0 * * * *"), daily = P("30 2 * * *");
    int64_t t = T(2023, 12, 31, 23, 0, 0), prev = cron_next(&hourly, ber, t);
    int n = 0;
    while (prev < T(2025, 1, 1, 0, 0, 0)) {
        int64_t nx = cron_next(&hourly, ber, prev);
        assert_int_equal(nx - prev, 3600);
        prev = nx;
        n++;
    }
    assert_int_equal(n, 366 * 24);
    t = T(2023, 12, 31, 12, 0, 0);
    int64_t last_day = tz_days_from_civil(2023, 12, 31);
    for (n = 0;; n++) {
        t = cron_next(&daily, ber, t);
        if (t >= T(2025, 1, 1, 0, 0, 0)) break;
        int64_t local = t + tz_offset_at(ber, t);
        assert_int_equal(local / 86400, last_day + 1);           /* one per local day, none missed */
        last_day = local / 86400;
        int64_t sod = local % 86400;
        if (last_day == tz_days_from_civil(2024, 3, 31)) assert_int_equal(sod, 3 * 3600);
        else assert_int_equal(sod, 2 * 3600 + 30 * 60);
    }
    assert_int_equal(n, 366);
    tz_free(ber);
}

static void test_dst_other_zones(void **state) {
    (void)state;
    tz_info *ny = Z("America/New_York"), *lh = Z("Australia/Lord_Howe"), *cha = Z("Pacific/Chatham");
    tz_info *sp = Z("America/Sao_Paulo"), *apia = Z("Pacific/Apia");
    /* New York: 2024-03-10 07:00 UTC 02:00 EST → 03:00 EDT; 2024-11-03 06:00 UTC 02:00 EDT → 01:00 EST */
    NEXT("30 2 * * *", ny, T(2024, 3, 9, 12, 0, 0), T(2024, 3, 10, 7, 0, 0));
    NEXT("30 2 * * *", ny, T(2024, 3, 10, 7, 0, 0), T(2024, 3, 11, 6, 30, 0));
    NEXT("30 1 * * *", ny, T(2024, 11, 2, 12, 0, 0), T(2024, 11, 3, 5, 30, 0));     /* 01:30 EDT */
    NEXT("30 1 * * *", ny, T(2024, 11, 3, 5, 30, 0), T(2024, 11, 4, 6, 30, 0));     /* not 01:30 EST */
    NEXT("0 * * * *", ny, T(2024, 11, 3, 5, 0, 0), T(2024, 11, 3, 6, 0, 0));        /* 01:00 EST, again */
    NEXT("0 * * * *", ny, T(2024, 3, 10, 6, 0, 0), T(2024, 3, 10, 7, 0, 0));        /* 01:00 EST → 03:00 EDT */
    /* Lord Howe, DST of 30 minutes: 2024-10-05 15:30 UTC 02:00 → 02:30; 2024-04-06 15:00 UTC 02:00 → 01:30 */
    NEXT("15 2 * * *", lh, T(2024, 10, 5, 0, 0, 0), T(2024, 10, 5, 15, 30, 0));
    NEXT("45 2 * * *", lh, T(2024, 10, 5, 0, 0, 0), T(2024, 10, 5, 15, 45, 0));     /* 02:45 exists */
    NEXT("45 1 * * *", lh, T(2024, 4, 6, 0, 0, 0), T(2024, 4, 6, 14, 45, 0));       /* the first 01:45 */
    NEXT("45 1 * * *", lh, T(2024, 4, 6, 14, 45, 0), T(2024, 4, 7, 15, 15, 0));
    NEXT("*/30 * * * *", lh, T(2024, 4, 6, 14, 0, 0), T(2024, 4, 6, 14, 30, 0));    /* 01:30 +11 */
    NEXT("*/30 * * * *", lh, T(2024, 4, 6, 14, 30, 0), T(2024, 4, 6, 15, 0, 0));    /* 01:30 +1030 */
    NEXT("*/30 * * * *", lh, T(2024, 4, 6, 15, 0, 0), T(2024, 4, 6, 15, 30, 0));    /* 02:00 +1030 */
    NEXT("0 * * * *", lh, T(2024, 10, 5, 15, 0, 0), T(2024, 10, 5, 16, 0, 0));      /* 01:30 → 03:00 +11 */
    /* Chatham, +12:45/+13:45: 2024-09-28 14:00 UTC 02:45 → 03:45; 2024-04-06 14:00 UTC 03:45 → 02:45 */
    NEXT("0 3 * * *", cha, T(2024, 9, 28, 0, 0, 0), T(2024, 9, 28, 14, 0, 0));      /* skipped: 03:45 +1345 */
    NEXT("0 3 * * *", cha, T(2024, 4, 6, 0, 0, 0), T(2024, 4, 6, 13, 15, 0));       /* the first 03:00 */
    NEXT("0 3 * * *", cha, T(2024, 4, 6, 13, 15, 0), T(2024, 4, 7, 14, 15, 0));
    NEXT("0 * * * *", cha, T(2024, 9, 28, 13, 15, 0), T(2024, 9, 28, 14, 15, 0));   /* 02:00 → 04:00: one real hour */
    NEXT("0 * * * *", cha, T(2024, 4, 6, 13, 15, 0), T(2024, 4, 6, 14, 15, 0));     /* 03:00 +1345, 03:00 +1245 */
    /* São Paulo 2018-11-04: midnight skipped (00:00 → 01:00), a daily job runs at 01:00 */
    NEXT("0 0 * * *", sp, T(2018, 11, 3, 12, 0, 0), T(2018, 11, 4, 3, 0, 0));
    NEXT("0 0 * * *", sp, T(2018, 11, 4, 3, 0, 0), T(2018, 11, 5, 2, 0, 0));
    /* Samoa skipped 2011-12-30 entirely: noon that day fires when the gap ends */
    NEXT("0 12 * * *", apia, T(2011, 12, 29, 12, 0, 0), T(2011, 12, 29, 22, 0, 0));
    NEXT("0 12 * * *", apia, T(2011, 12, 29, 22, 0, 0), T(2011, 12, 30, 10, 0, 0));
    NEXT("0 12 * * *", apia, T(2011, 12, 30, 10, 0, 0), T(2011, 12, 30, 22, 0, 0));
    NEXT("0 12 30 12 *", apia, T(2011, 12, 1, 0, 0, 0), T(2011, 12, 30, 10, 0, 0));
    tz_free(ny);
    tz_free(lh);
    tz_free(cha);
    tz_free(sp);
    tz_free(apia);
}

/* The documented semantics, by brute force. Every-hour expressions: the
 * first minute-aligned UTC instant whose local time matches. Others: over
 * matching local minutes L, the least f(L) > after, f(L) being L's first
 * occurrence or the end of the gap that skips it. */
static bool local_matches(const cron_expr *e, int64_t local) {
    int64_t days = local / 86400 - (local % 86400 < 0), y;
    int64_t sod = local - days * 86400;
    unsigned m, d;
    tz_civil_from_days(days, &y, &m, &d);
    return cron_matches(e, y, m, d, (unsigned)(sod / 3600), (unsigned)(sod % 3600 / 60));
}

static int64_t brute_zone(const cron_expr *e, const tz_info *tz, int64_t after, int64_t horizon) {
    if (e->hour == 0x00FFFFFF) {
        for (int64_t u = (after / 60 + 1) * 60; u <= after + horizon; u += 60)
            if (local_matches(e, u + tz_offset_at(tz, u))) return u;
        return -1;
    }
    int64_t best = -1, local_after = after + tz_offset_at(tz, after);
    for (int64_t l = (local_after / 60 - 26 * 60) * 60; l <= local_after + horizon; l += 60) {
        if (best >= 0 && l - TZ_MAX_OFFSET > best) break;
        if (!local_matches(e, l)) continue;
        int64_t u;
        tz_local_to_utc(tz, l, &u);
        if (u > after && (best < 0 || u < best)) best = u;
    }
    return best;
}

static void test_dst_brute_force(void **state) {
    (void)state;
    static const char *const zones[] = {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                                        "Pacific/Chatham", "America/Sao_Paulo", "Pacific/Apia"};
    static const char *const exprs[] = {"30 2 * * *", "0 * * * *", "*/20 * * * *", "* 2 * * *",
                                        "45 1,2,3 * * *", "0 0 * * *", "15 */2 * * *", "50 23 * * *"};
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        tz_info *tz = Z(zones[z]);
        int64_t t = T(2011, 1, 1, 0, 0, 0), next;
        for (int changes = 0; changes < 4; changes++) {
            tz_offset_span(tz, t, &next);
            for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
                cron_expr e = P(exprs[i]);
                for (int64_t after = next - 5 * 3600; after < next + 5 * 3600; after += 11 * 60 + 7) {
                    int64_t want = brute_zone(&e, tz, after, 3 * 86400);
                    int64_t got = cron_next(&e, tz, after);
                    if (want != got) {
                        char a[40], b[40], c[40];
                        fail_msg("%s \"%s\" after %s UTC: got %s, brute force %s", zones[z], exprs[i],
                                 fmt(after, a, sizeof a), fmt(got, b, sizeof b), fmt(want, c, sizeof c));
                    }
                }
            }
            t = next;
        }
        tz_free(tz);
    }
}

/* ---- tz_load refusals and hostile files ----------------------------------------- */

static void expect_load_fails(const char *name, const char *needle, int line) {
    tz_info *tz = (tz_info *)&tz;                       /* must be reset to NULL */
    char err[256] = "";
    if (tz_load(name, &tz, err, sizeof err) == 0) fail_msg("line %d: tz_load(%s) succeeded", line, name);
    if (tz != NULL) fail_msg("line %d: *out not cleared", line);
    if (needle && !strstr(err, needle)) fail_msg("line %d: tz_load(%s): \"%s\" lacks \"%s\"", line, name, err, needle);
}
#define LOAD_FAILS(name, needle) expect_load_fails(name, needle, __LINE__)

static void test_tz_load_refusals(void **state) {
    (void)state;
    LOAD_FAILS("../etc/passwd", "'..'");
    LOAD_FAILS("Europe/../../etc/passwd", "'..'");
    LOAD_FAILS("/etc/passwd", "'/'");
    LOAD_FAILS("/usr/share/zoneinfo/Europe/Berlin", "'/'");
    LOAD_FAILS("Not/AZone", "unknown time zone 'Not/AZone'");
    LOAD_FAILS("", "empty");
    LOAD_FAILS(NULL, "empty");
    LOAD_FAILS("Europe", "unknown time zone");                 /* a directory */
    LOAD_FAILS("Europe/", "unknown time zone");
    LOAD_FAILS("Europe/Berlin/x", "unknown time zone");
    LOAD_FAILS("Europe/./Berlin", "character");
    LOAD_FAILS("zone.tab", "character");
    LOAD_FAILS("Europe/Berlin\n", "character");
    LOAD_FAILS("Europe\\Berlin", "character");
    LOAD_FAILS("Europe/Berlin ", "character");
    LOAD_FAILS("Europe/Be\xc3\xa4rlin", "character");
    LOAD_FAILS("$(reboot)", "character");
    LOAD_FAILS("right/UTC", NULL);                              /* leap seconds, where installed */
    char longname[TZ_MAX_NAME_BYTES + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    LOAD_FAILS(longname, "longer than 255");
    longname[TZ_MAX_NAME_BYTES] = '\0';
    LOAD_FAILS(longname, "unknown time zone");
    /* no result pointer, no message buffer */
    assert_int_equal(tz_load("UTC", NULL, NULL, 0), -1);
    tz_info *tz;
    assert_int_equal(tz_load("Not/AZone", &tz, NULL, 0), -1);
    char tiny[4];
    assert_int_equal(tz_load("Not/AZone", &tz, tiny, sizeof tiny), -1);
    assert_int_equal(strlen(tiny), 3);
}

/* A TZif writer for the hostile-file tests. v1 files carry the zone in the
 * 32-bit block; v2+ files a minimal v1 block (one type), then the 64-bit
 * block and the footer. */
typedef struct tzif_spec {
    char version;               /* 0, '2', '3' */
    uint32_t ntimes;
    const int64_t *times;
    const uint8_t *idx;
    uint32_t ntypes;
    const int32_t *offs;
    const uint8_t *isdst;
    const char *footer;         /* v2+: NULL for none at all (truncated) */
} tzif_spec;

typedef struct bbuf {
    unsigned char data[TZ_MAX_FILE_BYTES * 2];
    size_t n;
} bbuf;

static void put(bbuf *b, const void *p, size_t n) {
    assert_true(b->n + n <= sizeof b->data);
    memcpy(b->data + b->n, p, n);
    b->n += n;
}
static void put8(bbuf *b, unsigned v) {
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}
static void put32(bbuf *b, uint32_t v) {
    unsigned char c[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                          (unsigned char)v};
    put(b, c, 4);
}
static void put64(bbuf *b, int64_t v) {
    put32(b, (uint32_t)((uint64_t)v >> 32));
    put32(b, (uint32_t)v);
}

static void put_header(bbuf *b, char version, uint32_t timecnt, uint32_t typecnt, uint32_t charcnt) {
    put(b, "TZif", 4);
    put8(b, (unsigned char)version);
    for (int i = 0; i < 15; i++) put8(b, 0);
    put32(b, 0);                /* isutcnt */
    put32(b, 0);                /* isstdcnt */
    put32(b, 0);                /* leapcnt */
    put32(b, timecnt);
    put32(b, typecnt);
    put32(b, charcnt);
}

static void put_block(bbuf *b, const tzif_spec *s, int time_size) {
    for (uint32_t i = 0; i < s->ntimes; i++) {
        if (time_size == 8) put64(b, s->times[i]);
        else put32(b, (uint32_t)(int32_t)s->times[i]);
    }
    for (uint32_t i = 0; i < s->ntimes; i++) put8(b, s->idx[i]);
    for (uint32_t i = 0; i < s->ntypes; i++) {
        put32(b, (uint32_t)s->offs[i]);
        put8(b, s->isdst ? s->isdst[i] : 0);
        put8(b, 0);
    }
    put(b, "ZZZ", 4);
}

static void build_tzif(bbuf *b, const tzif_spec *s) {
    b->n = 0;
    if (s->version == 0) {
        put_header(b, 0, s->ntimes, s->ntypes, 4);
        put_block(b, s, 4);
        return;
    }
    put_header(b, s->version, 0, 1, 4);
    put32(b, 0);
    put8(b, 0);
    put8(b, 0);
    put(b, "ZZZ", 4);
    put_header(b, s->version, s->ntimes, s->ntypes, 4);
    put_block(b, s, 8);
    if (s->footer) {
        put8(b, '\n');
        put(b, s->footer, strlen(s->footer));
        put8(b, '\n');
    }
}
/* Offsets into a v2 file from build_tzif: the second header and its counts. */
#define V2_HEADER 54
#define V2_TIMECNT (V2_HEADER + 32)
#define V2_TYPECNT (V2_HEADER + 36)
#define V2_CHARCNT (V2_HEADER + 40)
#define V2_DATA (V2_HEADER + 44)

static char *g_dir;

static void write_zone(const char *name, const void *data, size_t len) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    assert_int_equal(tu_write_file(path, (const char *)data, len), 0);
}

/* Load NAME from g_dir; 0 on success (and the zone freed, after a few queries). */
static int try_load(const char *name, char *err, size_t errlen) {
    tz_info *tz = NULL;
    setenv("TZDIR", g_dir, 1);
    int rc = tz_load(name, &tz, err, errlen);
    unsetenv("TZDIR");
    if (rc == 0) {
        /* whatever loaded must answer without harm */
        cron_expr e = P("30 2 * * *"), h = P("0 * * * *");
        for (int64_t t = -(INT64_C(1) << 40); t < (INT64_C(1) << 40); t += (INT64_C(1) << 37) + 12345) {
            int32_t o = tz_offset_at(tz, t);
            assert_true(o >= TZ_MIN_OFFSET && o <= TZ_MAX_OFFSET);
            int64_t u;
            tz_local_to_utc(tz, t, &u);
        }
        static const int64_t edges[] = {INT64_MIN, INT64_MIN + 1, -(INT64_C(1) << 62) - 1, -(INT64_C(1) << 62),
                                        (INT64_C(1) << 62), (INT64_C(1) << 62) + 1, INT64_MAX - 1, INT64_MAX};
        for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
            int64_t next, u;
            int32_t o = tz_offset_span(tz, edges[i], &next);
            assert_true(o >= TZ_MIN_OFFSET && o <= TZ_MAX_OFFSET);
            assert_true(next > edges[i] || next == INT64_MAX);
            tz_local_to_utc(tz, edges[i], &u);
            assert_int_equal(cron_next(&h, tz, edges[i]), -1);
        }
        assert_true(cron_next(&e, tz, T(2024, 1, 1, 0, 0, 0)) > T(2024, 1, 1, 0, 0, 0));
        assert_true(cron_next(&e, tz, T(9999, 12, 30, 0, 0, 0)) > T(9999, 12, 30, 0, 0, 0));
        assert_true(cron_next(&h, tz, T(1, 1, 2, 0, 0, 0)) > T(1, 1, 2, 0, 0, 0));
        assert_true(cron_next(&h, tz, T(2040, 1, 1, 0, 0, 0)) > T(2040, 1, 1, 0, 0, 0));
        tz_free(tz);
    } else {
        assert_null(tz);
    }
    return rc;
}

static void expect_file_refused(const char *what, const void *data, size_t len, const char *needle, int line) {
    char err[256] = "";
    write_zone("Bad", data, len);
    if (try_load("Bad", err, sizeof err) == 0) fail_msg("line %d: %s was accepted", line, what);
    if (needle && !strstr(err, needle)) fail_msg("line %d: %s: \"%s\" lacks \"%s\"", line, what, err, needle);
}
#define FILE_REFUSED(what, data, len, needle) expect_file_refused(what, data, len, needle, __LINE__)

/* Every proper prefix of a file is refused: written once, cut shorter and shorter. */
static void cut_all(const char *what, const void *data, size_t len) {
    char path[600], err[256];
    write_zone("Cut", data, len);
    snprintf(path, sizeof path, "%s/Cut", g_dir);
    for (size_t n = len; n-- > 0;) {
        assert_int_equal(truncate(path, (off_t)n), 0);
        if (try_load("Cut", err, sizeof err) == 0) fail_msg("%s cut to %zu bytes was accepted", what, n);
    }
}

static int setup_dir(void **state) {
    (void)state;
    g_dir = tu_mkdtemp();
    return g_dir ? 0 : -1;
}

static int teardown_dir(void **state) {
    (void)state;
    unsetenv("TZDIR");
    tu_rmtree(g_dir);
    free(g_dir);
    g_dir = NULL;
    return 0;
}

static void test_tzdir_and_crafted_files(void **state) {
    (void)state;
    char err[256];
    static bbuf b;
    size_t blen;
    char *berlin = tu_read_file(ZONEINFO "/Europe/Berlin", &blen);
    assert_non_null(berlin);

    /* TZDIR is where zones come from; a copy loads and agrees */
    char sub[600];
    snprintf(sub, sizeof sub, "%s/Test", g_dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_zone("Test/Berlin", berlin, blen);
    setenv("TZDIR", g_dir, 1);
    tz_info *copy = Z("Test/Berlin"), *utc = Z("UTC");       /* UTC is built in: no file needed */
    LOAD_FAILS("Europe/Berlin", "unknown time zone");          /* not in this TZDIR */
    unsetenv("TZDIR");
    tz_info *sys = Z("Europe/Berlin");
    for (int64_t t = 0; t < T(2100, 1, 1, 0, 0, 0); t += 86400 * 5 + 3)
        assert_int_equal(tz_offset_at(copy, t), tz_offset_at(sys, t));
    assert_int_equal(tz_offset_at(utc, T(2024, 7, 1, 0, 0, 0)), 0);
    tz_free(copy);
    tz_free(sys);
    tz_free(utc);

    /* a FIFO does not block and is refused */
    char fifo[600];
    snprintf(fifo, sizeof fifo, "%s/Fifo", g_dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_not_equal(try_load("Fifo", err, sizeof err), 0);
    assert_non_null(strstr(err, "unknown time zone"));

    /* every truncation of a real file is refused */
    cut_all("Berlin", berlin, blen);
    FILE_REFUSED("empty file", "", 0, "truncated header");
    const char *text = "Europe/Berlin is a nice place\n";
    FILE_REFUSED("text", text, strlen(text), "truncated header");
    text = "root:x:0:0:root:/root:/bin/bash\nroot:x:0:0:root:/root:/bin/bash\n";
    FILE_REFUSED("passwd-like", text, strlen(text), "bad magic");

    /* a few bits changed at a time: refused or loaded, never a crash (and ASan-clean) */
    write_zone("Mut", berlin, blen);
    char mpath[600];
    snprintf(mpath, sizeof mpath, "%s/Mut", g_dir);
    int mfd = open(mpath, O_WRONLY);
    assert_true(mfd >= 0);
    uint64_t seed = 99;
    int loaded = 0, refused = 0;
    for (int k = 0; k < 1500; k++) {
        int flips = 1 + k % 4;
        size_t pos[4];
        for (int f = 0; f < flips; f++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            pos[f] = (size_t)(seed >> 33) % blen;
            /* mostly the headers, counts and footer, where a flip does harm */
            if (k % 3 == 0) pos[f] = (size_t)(seed >> 40) % 60;
            else if (k % 3 == 1) pos[f] = blen - 1 - (size_t)(seed >> 40) % 40;
            unsigned char c = (unsigned char)(berlin[pos[f]] ^ (1u << ((seed >> 20) % 8)));
            assert_int_equal(pwrite(mfd, &c, 1, (off_t)pos[f]), 1);
        }
        if (try_load("Mut", err, sizeof err) == 0) loaded++;
        else refused++;
        for (int f = 0; f < flips; f++) assert_int_equal(pwrite(mfd, berlin + pos[f], 1, (off_t)pos[f]), 1);
    }
    close(mfd);
    assert_true(loaded > 0 && refused > 0);

    /* crafted: a v1 file, two transitions, no footer */
    int64_t times[] = {T(2000, 3, 26, 1, 0, 0), T(2000, 10, 29, 1, 0, 0)};
    uint8_t idx[] = {1, 0};
    int32_t offs[] = {3600, 7200};
    uint8_t isdst[] = {0, 1};
    tzif_spec v1 = {0, 2, times, idx, 2, offs, isdst, NULL};
    build_tzif(&b, &v1);
    write_zone("V1", b.data, b.n);
    setenv("TZDIR", g_dir, 1);
    tz_info *tz = Z("V1");
    unsetenv("TZDIR");
    assert_int_equal(tz_offset_at(tz, T(1990, 1, 1, 0, 0, 0)), 3600);     /* type 0 before the first */
    assert_int_equal(tz_offset_at(tz, T(2000, 7, 1, 0, 0, 0)), 7200);
    assert_int_equal(tz_offset_at(tz, T(2050, 7, 1, 0, 0, 0)), 3600);     /* the last type goes on */
    tz_free(tz);
    assert_int_equal(try_load("V1", err, sizeof err), 0);

    /* v2 with no transitions, rules only in the footer, against the real zones */
    static const char *const footers[][2] = {
        {"EST5EDT,M3.2.0,M11.1.0", "America/New_York"},
        {"CET-1CEST,M3.5.0,M10.5.0/3", "Europe/Berlin"},
        {"AEST-10AEDT,M10.1.0,M4.1.0/3", "Australia/Sydney"},
        {"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", "Pacific/Chatham"},
        {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "Australia/Lord_Howe"},
        {"IST-5:30", "Asia/Kolkata"},
        {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "America/Nuuk"},       /* v3: a negative rule time */
        {"EST5EDT", "America/New_York"},                           /* no rule: the default, US rules */
    };
    int32_t one[] = {0};
    for (size_t i = 0; i < sizeof footers / sizeof footers[0]; i++) {
        tzif_spec s = {'3', 0, NULL, NULL, 1, one, NULL, footers[i][0]};
        build_tzif(&b, &s);
        write_zone("Footer", b.data, b.n);
        setenv("TZDIR", g_dir, 1);
        tz = Z("Footer");
        unsetenv("TZDIR");
        tz_info *real = Z(footers[i][1]);
        for (int64_t t = T(2026, 1, 1, 0, 0, 0); t < T(2040, 1, 1, 0, 0, 0); t += 86400 + 1799) {
            if (tz_offset_at(tz, t) != tz_offset_at(real, t)) {
                char a[40];
                fail_msg("footer \"%s\" at %s: %d, %s has %d", footers[i][0], fmt(t, a, sizeof a),
                         tz_offset_at(tz, t), footers[i][1], tz_offset_at(real, t));
            }
        }
        tz_free(real);
        tz_free(tz);
    }
    /* footers of other forms: Jn, zero-based n, all-year DST */
    struct {
        const char *footer;
        int64_t at;
        int32_t want;
    } fcases[] = {
        {"AAA0BBB,J60/0,J300/0", T(2024, 2, 29, 12, 0, 0), 0},       /* J60 is March 1, leap or not */
        {"AAA0BBB,J60/0,J300/0", T(2024, 3, 1, 0, 0, 0), 3600},
        {"AAA0BBB,J60/0,J300/0", T(2023, 3, 1, 0, 0, 0), 3600},
        {"AAA0BBB,59/0,300/0", T(2024, 2, 29, 0, 0, 0), 3600},       /* day 59: Feb 29 in a leap year */
        {"AAA0BBB,59/0,300/0", T(2023, 2, 28, 23, 0, 0), 0},
        {"AAA0BBB,59/0,300/0", T(2023, 3, 1, 0, 0, 0), 3600},
        {"EST5EDT,0/0,J365/25", T(2024, 1, 1, 12, 0, 0), -14400},    /* DST all year */
        {"EST5EDT,0/0,J365/25", T(2024, 12, 31, 23, 0, 0), -14400},
        {"EST5EDT,0/0,J365/25", T(2025, 1, 1, 5, 0, 0), -14400},
        {"EST5EDT,0/0,J365/25", T(2199, 7, 1, 0, 0, 0), -14400},
        {"<-00>0", T(2024, 1, 1, 0, 0, 0), 0},
        {"AAA-14", T(2024, 1, 1, 0, 0, 0), 14 * 3600},
        {"AAA+3BBB+2,M1.1.0,M12.5.6/23:59:59", T(2024, 6, 1, 0, 0, 0), -7200},
        {"", T(2024, 6, 1, 0, 0, 0), 0},                             /* empty: the last type goes on */
    };
    for (size_t i = 0; i < sizeof fcases / sizeof fcases[0]; i++) {
        tzif_spec s = {'3', 0, NULL, NULL, 1, one, NULL, fcases[i].footer};
        build_tzif(&b, &s);
        write_zone("Footer", b.data, b.n);
        setenv("TZDIR", g_dir, 1);
        tz = Z("Footer");
        unsetenv("TZDIR");
        if (tz_offset_at(tz, fcases[i].at) != fcases[i].want)
            fail_msg("footer \"%s\": %d, want %d", fcases[i].footer, tz_offset_at(tz, fcases[i].at), fcases[i].want);
        tz_free(tz);
    }
    /* transitions at the ends of time */
    int64_t te[] = {INT64_MIN + 1, T(2000, 1, 1, 0, 0, 0), INT64_MAX - 10};
    uint8_t ie[] = {1, 0, 1};
    int32_t oe[] = {3600, -3600};
    tzif_spec ends = {'2', 3, te, ie, 2, oe, NULL, ""};
    build_tzif(&b, &ends);
    write_zone("Ends", b.data, b.n);
    assert_int_equal(try_load("Ends", err, sizeof err), 0);
    setenv("TZDIR", g_dir, 1);
    tz = Z("Ends");
    unsetenv("TZDIR");
    assert_int_equal(tz_offset_at(tz, INT64_MIN), 3600);
    assert_int_equal(tz_offset_at(tz, 0), -3600);
    assert_int_equal(tz_offset_at(tz, T(2024, 1, 1, 0, 0, 0)), 3600);
    assert_int_equal(tz_offset_at(tz, INT64_MAX), -3600);
    {
        cron_expr h = P("0 * * * *");
        assert_int_equal(cron_next(&h, tz, T(2024, 1, 1, 0, 0, 0)), T(2024, 1, 1, 1, 0, 0));
    }
    tz_free(tz);

    /* the footer takes over after the last transition */
    int64_t t2[] = {T(1990, 1, 1, 0, 0, 0)};
    uint8_t i2[] = {1};
    int32_t o2[] = {0, 3600};
    tzif_spec tail = {'2', 1, t2, i2, 2, o2, NULL, "CET-1CEST,M3.5.0,M10.5.0/3"};
    build_tzif(&b, &tail);
    write_zone("Tail", b.data, b.n);
    setenv("TZDIR", g_dir, 1);
    tz = Z("Tail");
    unsetenv("TZDIR");
    assert_int_equal(tz_offset_at(tz, T(1980, 7, 1, 0, 0, 0)), 0);
    assert_int_equal(tz_offset_at(tz, T(2024, 7, 1, 0, 0, 0)), 7200);
    assert_int_equal(tz_offset_at(tz, T(2024, 1, 1, 0, 0, 0)), 3600);
    tz_free(tz);

    /* malformed footers */
    static const char *const bad_footers[] = {
        "garbage", "CET", "CET-", "CET-1CEST,", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0",
        "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,M3.5.0,M10.5.0/168",
        "CET-1CEST,J0,J100", "CET-1CEST,J366,J100", "CET-1CEST,366,100", "CET-1CEST,M3.5.0,M10.5.0x",
        "CE-1", "<CE>-1", "<CET-1", "CET-26", "CET+25", "CET-1CEST-27,M3.5.0,M10.5.0", "CET-1:60",
        "CET-1CEST,M3.5.0/1:2:60,M10.5.0", "123-1", "CET-0001",
    };
    for (size_t i = 0; i < sizeof bad_footers / sizeof bad_footers[0]; i++) {
        tzif_spec s = {'2', 0, NULL, NULL, 1, one, NULL, bad_footers[i]};
        build_tzif(&b, &s);
        char what[80];
        snprintf(what, sizeof what, "footer \"%s\"", bad_footers[i]);
        FILE_REFUSED(what, b.data, b.n, "footer");
    }
    /* a footer too long, without its newlines, with bytes after it */
    char longf[TZ_MAX_FOOTER_BYTES + 8];
    memset(longf, 'A', sizeof longf - 1);
    longf[sizeof longf - 1] = '\0';
    tzif_spec s = {'2', 0, NULL, NULL, 1, one, NULL, longf};
    build_tzif(&b, &s);
    FILE_REFUSED("a long footer", b.data, b.n, "longer than 256");
    s.footer = NULL;
    build_tzif(&b, &s);
    FILE_REFUSED("no footer", b.data, b.n, "footer is missing");
    s.footer = "UTC0";
    build_tzif(&b, &s);
    FILE_REFUSED("no closing newline", b.data, b.n - 1, "not terminated");
    put(&b, "x", 1);
    FILE_REFUSED("bytes after the footer", b.data, b.n, "after the footer");
    b.data[b.n - 3] = '\0';                  /* "UT\0\nx" */
    FILE_REFUSED("NUL in the footer", b.data, b.n - 1, "footer");

    /* headers and counts */
    tzif_spec good = {'2', 2, times, idx, 2, offs, isdst, "CET-1CEST,M3.5.0,M10.5.0/3"};
    build_tzif(&b, &good);
    write_zone("Good", b.data, b.n);
    assert_int_equal(try_load("Good", err, sizeof err), 0);
    static bbuf c;
#define PATCHED(what, off, byte, needle)                                                                         \
    do {                                                                                                         \
        c = b;                                                                                                   \
        c.data[off] = (unsigned char)(byte);                                                                     \
        FILE_REFUSED(what, c.data, c.n, needle);                                                                 \
    } while (0)
#define PATCHED32(what, off, v, needle)                                                                          \
    do {                                                                                                         \
        c = b;                                                                                                   \
        c.data[off] = (unsigned char)((uint32_t)(v) >> 24);                                                      \
        c.data[off + 1] = (unsigned char)((uint32_t)(v) >> 16);                                                  \
        c.data[off + 2] = (unsigned char)((uint32_t)(v) >> 8);                                                   \
        c.data[off + 3] = (unsigned char)(v);                                                                    \
        FILE_REFUSED(what, c.data, c.n, needle);                                                                 \
    } while (0)
    PATCHED("bad magic", 0, 'X', "bad magic");
    PATCHED("version 1 (0x31)", 4, '1', "unsupported TZif version");
    PATCHED("version 9", 4, '9', "unsupported TZif version");
    PATCHED("second magic", V2_HEADER + 1, 'X', "bad magic");
    PATCHED("second header version 0", V2_HEADER + 4, 0, "second header");
    PATCHED32("huge timecnt", V2_TIMECNT, 0xFFFFFFFFu, "limit of 2000");
    PATCHED32("timecnt over the limit", V2_TIMECNT, TZ_MAX_TIMES + 1, "limit of 2000");
    PATCHED32("timecnt past the end", V2_TIMECNT, 100, "truncated");
    PATCHED32("typecnt 0", V2_TYPECNT, 0, "local time types");
    PATCHED32("typecnt over the limit", V2_TYPECNT, 257, "local time types");
    PATCHED32("huge charcnt", V2_CHARCNT, 0x7FFFFFFF, "abbreviation bytes");
    PATCHED32("charcnt past the end", V2_CHARCNT, 400, "truncated");
    PATCHED32("leapcnt", V2_HEADER + 28, 1, "leap-second");
    PATCHED32("v1 leapcnt", 28, 1, "leap-second");
    PATCHED32("isutcnt not typecnt", V2_HEADER + 20, 1, "indicator counts");
    PATCHED32("isstdcnt huge", V2_HEADER + 24, 0xFFFFFFFFu, "indicator counts");
    PATCHED32("v1 timecnt past the end", 32, 1000, "version 1 data block");
    PATCHED32("v1 typecnt 0", 36, 0, "local time types");
    PATCHED("type index out of range", V2_DATA + 16, 2, "names local time type 2");
    PATCHED32("descending transitions", V2_DATA + 12, 0, "ascending");
    PATCHED32("equal transitions", V2_DATA + 12, (uint32_t)times[0], "ascending");
    PATCHED32("offset too large", V2_DATA + 18, 100000, "implausible UTC offset");
    PATCHED32("offset INT32_MIN", V2_DATA + 18, 0x80000000u, "implausible UTC offset");
    PATCHED("isdst 2", V2_DATA + 22, 2, "malformed");
    PATCHED("abbreviation index past the end", V2_DATA + 23, 4, "malformed");
    /* at the limits: TZ_MAX_TIMES transitions and TZ_MAX_TYPES types load */
    {
        static int64_t many_t[TZ_MAX_TIMES];
        static uint8_t many_i[TZ_MAX_TIMES];
        static int32_t many_o[TZ_MAX_TYPES];
        for (uint32_t i = 0; i < TZ_MAX_TIMES; i++) {
            many_t[i] = T(1900, 1, 1, 0, 0, 0) + (int64_t)i * 30 * 86400;
            many_i[i] = (uint8_t)(i % TZ_MAX_TYPES);
        }
        for (uint32_t i = 0; i < TZ_MAX_TYPES; i++) many_o[i] = (int32_t)i * 60;
        tzif_spec many = {'2', TZ_MAX_TIMES, many_t, many_i, TZ_MAX_TYPES, many_o, NULL, ""};
        build_tzif(&b, &many);
        write_zone("Many", b.data, b.n);
        setenv("TZDIR", g_dir, 1);
        tz = Z("Many");
        unsetenv("TZDIR");
        assert_int_equal(tz_offset_at(tz, many_t[1000] + 5), 1000 % TZ_MAX_TYPES * 60);
        assert_int_equal(tz_offset_at(tz, many_t[TZ_MAX_TIMES - 1] + 5), (TZ_MAX_TIMES - 1) % TZ_MAX_TYPES * 60);
        assert_int_equal(tz_offset_at(tz, many_t[0] - 5), 0);
        tz_free(tz);
        /* one more of either is refused */
        c = b;
        c.data[V2_TIMECNT + 3] = (unsigned char)(TZ_MAX_TIMES + 1);
        c.data[V2_TIMECNT + 2] = (unsigned char)((TZ_MAX_TIMES + 1) >> 8);
        FILE_REFUSED("2001 transitions", c.data, c.n, "more than the limit of 2000");
        c = b;
        c.data[V2_TYPECNT + 3] = 1;
        c.data[V2_TYPECNT + 2] = 1;      /* 257 */
        FILE_REFUSED("257 types", c.data, c.n, "not within 1-256");
        build_tzif(&b, &good);
    }
    /* a file larger than the limit */
    static unsigned char big[TZ_MAX_FILE_BYTES + 1];
    memcpy(big, b.data, b.n);
    FILE_REFUSED("oversized file", big, sizeof big, "larger than 65536");
    /* every truncation of a crafted v1 and v2 file */
    build_tzif(&b, &good);
    cut_all("crafted v2", b.data, b.n);
    build_tzif(&b, &v1);
    cut_all("crafted v1", b.data, b.n);
    free(berlin);
}

/* Many fire times, quickly: the search steps by fields. */
static void test_next_is_cheap(void **state) {
    (void)state;
    tz_info *ber = Z("Europe/Berlin");
    cron_expr never = P("0 0 30 2 *"), rare = P("0 0 29 2 MON"), minute = P("* * * * *");
    cron_expr leap = P("0 0 29 2 *");
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(cron_next(&never, ber, T(2024, 1, 1, 0, 0, 0) + i * 86400LL), -1);
        assert_true(cron_next(&rare, ber, T(2024, 1, 1, 0, 0, 0) + i * 86400LL) > 0);
        assert_true(cron_next(&leap, ber, T(2096, 3, 1, 0, 0, 0) + i * 3600LL) > 0);
        assert_true(cron_next(&minute, ber, T(2024, 1, 1, 0, 0, 0) + i * 61LL) > 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    /* minute-by-minute over 8 years would be ~4 million steps per call; this is
     * 8000 calls. The bound is loose enough for sanitizers and valgrind. */
    assert_true(secs < 20.0);
    tz_free(ber);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_macros),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_next_utc),
        cmocka_unit_test(test_feb29_and_impossible),
        cmocka_unit_test(test_dom_dow_or_rule),
        cmocka_unit_test(test_next_utc_brute_force),
        cmocka_unit_test(test_tz_offsets),
        cmocka_unit_test(test_tz_against_libc),
        cmocka_unit_test(test_local_to_utc),
        cmocka_unit_test(test_next_in_zones),
        cmocka_unit_test(test_dst_berlin),
        cmocka_unit_test(test_dst_other_zones),
        cmocka_unit_test(test_dst_brute_force),
        cmocka_unit_test(test_tz_load_refusals),
        cmocka_unit_test_setup_teardown(test_tzdir_and_crafted_files, setup_dir, teardown_dir),
        cmocka_unit_test(test_next_is_cheap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
