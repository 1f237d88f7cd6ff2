/* tzfile.c — a TZif (RFC 8536) reader and the offset arithmetic on it.
 *
 * Why weir reads the tz database itself: localtime_r() and mktime() take
 * their zone from the process-global TZ variable, so answering "what time is
 * it in Europe/Berlin" for one schedule while another thread asks about
 * America/New_York would need setenv("TZ") + tzset(), which is not
 * thread-safe (and setenv is never safe in a threaded process). A loaded
 * tz_info is immutable, so every function here may run on any thread.
 *
 * Robustness: the whole file is read into a buffer of at most
 * TZ_MAX_FILE_BYTES; every count in a header is bounded (TZ_MAX_*) and the
 * data block it describes must lie inside the buffer before anything is read
 * from it; transition times must ascend; offsets must be plausible; the
 * footer must be a TZ string we fully understand. Anything else is refused
 * with a message naming the problem. */
#include "base/tzfile.h"
#include "base/errmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECS_PER_DAY   86400
#define DAYS_PER_400Y  146097
#define SECS_PER_400Y  ((int64_t)DAYS_PER_400Y * SECS_PER_DAY)
#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZIF_HEADER_BYTES 44
/* Rule times ("M3.5.0/3") may be -167..167 hours (RFC 8536 §3.3.1). */
#define RULE_MAX_HOURS 167

/* ---- calendar ------------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

/* Howard Hinnant's days_from_civil / civil_from_days, for int64 years.
 * Callers keep |y| far below the overflow range (see cron.c / rule_span). */
int64_t tz_days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                    /* [0, 399] */
    int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* [0, 146096] */
    return era * DAYS_PER_400Y + doe - 719468;
}

void tz_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d) {
    days += 719468;
    int64_t era = floor_div(days, DAYS_PER_400Y);
    int64_t doe = days - era * DAYS_PER_400Y;                       /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    unsigned dd = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    unsigned mm = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (mm <= 2);
    *m = mm;
    *d = dd;
}

unsigned tz_weekday(int64_t days) {
    int64_t w = (days + 4) % 7;                /* 1970-01-01 was a Thursday */
    return (unsigned)(w < 0 ? w + 7 : w);
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned month_days(int64_t y, unsigned m) {
    static const unsigned char n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

/* ---- the loaded zone ------------------------------------------------------------ */

typedef struct rule_date {
    char kind;          /* 'J': Jn, 1-365 without Feb 29; 'D': n, 0-365; 'M': Mm.w.d */
    int n;              /* J / D: the day; M: weekday 0-6 */
    int week;           /* M: 1-5, 5 = last */
    int month;          /* M: 1-12 */
    int32_t secs;       /* local time of day of the change, -167 h .. 167 h */
} rule_date;

typedef struct tz_rule {
    int32_t std_off;    /* east positive (POSIX writes the sign the other way) */
    int32_t dst_off;
    bool has_dst;
    rule_date start;    /* into DST, in standard time */
    rule_date end;      /* out of DST, in DST */
} tz_rule;

struct tz_info {
    char *name;
    uint32_t ntrans;
    int64_t *trans;     /* ascending UTC instants */
    int32_t *trans_off; /* offset from trans[i] on */
    int32_t off0;       /* before the first transition: time type 0 */
    bool has_rule;      /* the footer: after the last transition (or always, if none) */
    tz_rule rule;
};

/* ---- POSIX TZ strings (the footer) ---------------------------------------------- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

static bool parse_tz_name(const char **sp) {
    const char *s = *sp;
    size_t n = 0;
    if (*s == '<') {
        s++;
        while (is_alpha(*s) || is_digit(*s) || *s == '+' || *s == '-') s++, n++;
        if (*s != '>' || n < 3) return false;
        s++;
    } else {
        while (is_alpha(*s)) s++, n++;
        if (n < 3) return false;
    }
    *sp = s;
    return true;
}

/* Unsigned number of 1 to max_digits digits, at most max. */
static bool parse_num(const char **sp, int max_digits, int max, int *out) {
    const char *s = *sp;
    int v = 0, n = 0;
    while (is_digit(*s) && n < max_digits) v = v * 10 + (*s++ - '0'), n++;
    if (n == 0 || is_digit(*s) || v > max) return false;
    *out = v;
    *sp = s;
    return true;
}

/* [+-]hh[:mm[:ss]], hours at most max_hours; seconds in *out, sign applied. */
static bool parse_hms(const char **sp, int max_hours, int32_t *out) {
    const char *s = *sp;
    int sign = 1, h = 0, m = 0, sec = 0;
    if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
    if (!parse_num(&s, 3, max_hours, &h)) return false;
    if (*s == ':') {
        s++;
        if (!parse_num(&s, 2, 59, &m)) return false;
        if (*s == ':') {
            s++;
            if (!parse_num(&s, 2, 59, &sec)) return false;
        }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    *sp = s;
    return true;
}

static bool parse_rule_date(const char **sp, rule_date *d) {
    const char *s = *sp;
    memset(d, 0, sizeof *d);
    if (*s == 'J') {
        s++;
        d->kind = 'J';
        if (!parse_num(&s, 3, 365, &d->n) || d->n < 1) return false;
    } else if (*s == 'M') {
        s++;
        d->kind = 'M';
        if (!parse_num(&s, 2, 12, &d->month) || d->month < 1 || *s++ != '.') return false;
        if (!parse_num(&s, 1, 5, &d->week) || d->week < 1 || *s++ != '.') return false;
        if (!parse_num(&s, 1, 6, &d->n)) return false;
    } else {
        d->kind = 'D';
        if (!parse_num(&s, 3, 365, &d->n)) return false;
    }
    d->secs = 2 * 3600;
    if (*s == '/') {
        s++;
        if (!parse_hms(&s, RULE_MAX_HOURS, &d->secs)) return false;
    }
    *sp = s;
    return true;
}

static bool offset_ok(int32_t off) { return off >= TZ_MIN_OFFSET && off <= TZ_MAX_OFFSET; }

/* Parse a whole POSIX TZ string: std offset [dst [offset] [,start,end]]. */
static bool parse_tz_string(const char *s, tz_rule *r) {
    memset(r, 0, sizeof *r);
    int32_t v;
    if (!parse_tz_name(&s) || !parse_hms(&s, RULE_MAX_HOURS, &v)) return false;
    r->std_off = -v;
    if (!offset_ok(r->std_off)) return false;
    if (*s == '\0') return true;
    if (!parse_tz_name(&s)) return false;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (*s && *s != ',') {
        if (!parse_hms(&s, RULE_MAX_HOURS, &v)) return false;
        r->dst_off = -v;
    }
    if (!offset_ok(r->dst_off)) return false;
    if (*s == '\0') {
        /* No rule: POSIX leaves it to the implementation; tzcode's default. */
        const char *def = "M3.2.0,M11.1.0";
        return parse_rule_date(&def, &r->start) && *def++ == ',' && parse_rule_date(&def, &r->end);
    }
    if (*s++ != ',' || !parse_rule_date(&s, &r->start) || *s++ != ',' || !parse_rule_date(&s, &r->end))
        return false;
    return *s == '\0';
}

/* Days since the epoch of a rule date in year y. */
static int64_t rule_day(const rule_date *d, int64_t y) {
    int64_t jan1 = tz_days_from_civil(y, 1, 1);
    if (d->kind == 'J') return jan1 + d->n - 1 + (is_leap(y) && d->n >= 60);
    if (d->kind == 'D') return jan1 + d->n;
    int64_t first = tz_days_from_civil(y, (unsigned)d->month, 1);
    int day = ((d->n - (int)tz_weekday(first)) + 7) % 7 + 7 * (d->week - 1);
    while (day >= (int)month_days(y, (unsigned)d->month)) day -= 7;
    return first + day;
}

typedef struct rule_event {
    int64_t at;         /* UTC */
    bool dst;           /* DST from here on */
} rule_event;

/* The footer rule at t: offset, and the next change. The rule is a pure
 * calendar rule and the Gregorian calendar repeats every 400 years (146097
 * days, a whole number of weeks), so t is first folded into 1970..2369;
 * that keeps every sum far from overflow for any int64 t. */
static int32_t rule_span(const tz_rule *r, int64_t t, int64_t *next) {
    if (!r->has_dst) {
        *next = INT64_MAX;
        return r->std_off;
    }
    int64_t rt = t % SECS_PER_400Y;                                 /* t folded into [0, 400 years) */
    if (rt < 0) rt += SECS_PER_400Y;
    int64_t y;
    unsigned m, d;
    tz_civil_from_days(rt / SECS_PER_DAY, &y, &m, &d);
    rule_event ev[10];
    int n = 0;
    for (int64_t yy = y - 2; yy <= y + 2; yy++) {
        ev[n].at = rule_day(&r->start, yy) * SECS_PER_DAY + r->start.secs - r->std_off;
        ev[n++].dst = true;
        ev[n].at = rule_day(&r->end, yy) * SECS_PER_DAY + r->end.secs - r->dst_off;
        ev[n++].dst = false;
    }
    /* insertion sort; at equal instants the end of DST comes first, so a rule
     * whose DST ends as the next begins ("EST5EDT,0/0,J365/25") stays in DST */
    for (int i = 1; i < n; i++) {
        rule_event e = ev[i];
        int j = i - 1;
        while (j >= 0 && (ev[j].at > e.at || (ev[j].at == e.at && ev[j].dst && !e.dst))) {
            ev[j + 1] = ev[j];
            j--;
        }
        ev[j + 1] = e;
    }
    bool dst = !ev[0].dst;
    int64_t nx = INT64_MAX;
    for (int i = 0; i < n; i++) {
        if (ev[i].at <= rt) {
            dst = ev[i].dst;
        } else {
            nx = ev[i].at;
            break;
        }
    }
    if (nx == INT64_MAX || t > INT64_MAX - (nx - rt)) *next = INT64_MAX;
    else *next = t + (nx - rt);
    return dst ? r->dst_off : r->std_off;
}

/* ---- TZif ----------------------------------------------------------------------- */

typedef struct tzif_header {
    char version;       /* 0, '2', '3', '4' */
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_header;

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) {
    uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);
    return (int64_t)v;
}

static bool read_header(const unsigned char *p, size_t avail, tzif_header *h, char *msg, size_t msglen) {
    if (avail < TZIF_HEADER_BYTES) {
        errmsg_set(msg, msglen, "truncated header");
        return false;
    }
    if (memcmp(p, "TZif", 4) != 0) {
        errmsg_set(msg, msglen, "not a TZif file (bad magic)");
        return false;
    }
    h->version = (char)p[4];
    if (h->version != 0 && (h->version < '2' || h->version > '4')) {
        errmsg_set(msg, msglen, "unsupported TZif version 0x%02x", p[4]);
        return false;
    }
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    if (h->leapcnt != 0) {
        errmsg_set(msg, msglen, "leap-second zones (right/...) are not supported");
        return false;
    }
    if (h->timecnt > TZ_MAX_TIMES) {
        errmsg_set(msg, msglen, "%u transitions, more than the limit of %u", h->timecnt, TZ_MAX_TIMES);
        return false;
    }
    if (h->typecnt == 0 || h->typecnt > TZ_MAX_TYPES) {
        errmsg_set(msg, msglen, "%u local time types, not within 1-%u", h->typecnt, TZ_MAX_TYPES);
        return false;
    }
    if (h->charcnt > TZ_MAX_CHARS) {
        errmsg_set(msg, msglen, "%u abbreviation bytes, more than the limit of %u", h->charcnt, TZ_MAX_CHARS);
        return false;
    }
    if ((h->isutcnt != 0 && h->isutcnt != h->typecnt) || (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)) {
        errmsg_set(msg, msglen, "UT/standard indicator counts do not match the type count");
        return false;
    }
    return true;
}

/* Bytes of the data block after a header; every count is bounded, so no overflow. */
static size_t block_size(const tzif_header *h, size_t time_size) {
    return (size_t)h->timecnt * (time_size + 1) + (size_t)h->typecnt * 6 + h->charcnt +
           (size_t)h->leapcnt * (time_size + 4) + h->isstdcnt + h->isutcnt;
}

/* Check and load one data block at p (its size already checked). */
static bool read_block(const unsigned char *p, const tzif_header *h, size_t time_size, tz_info *tz,
                       char *msg, size_t msglen) {
    const unsigned char *times = p;
    const unsigned char *idx = times + (size_t)h->timecnt * time_size;
    const unsigned char *types = idx + h->timecnt;
    const unsigned char *flags = types + (size_t)h->typecnt * 6 + h->charcnt + (size_t)h->leapcnt * (time_size + 4);
    int32_t offs[TZ_MAX_TYPES];
    for (uint32_t i = 0; i < h->typecnt; i++) {
        const unsigned char *t = types + (size_t)i * 6;
        int32_t off = (int32_t)be32(t);
        if (!offset_ok(off)) {
            errmsg_set(msg, msglen, "local time type %u has an implausible UTC offset %d", i, off);
            return false;
        }
        if (t[4] > 1 || t[5] >= h->charcnt) {
            errmsg_set(msg, msglen, "local time type %u is malformed", i);
            return false;
        }
        offs[i] = off;
    }
    for (uint32_t i = 0; i < h->isstdcnt + h->isutcnt; i++) {
        if (flags[i] > 1) {
            errmsg_set(msg, msglen, "a UT/standard indicator is neither 0 nor 1");
            return false;
        }
    }
    free(tz->trans);
    free(tz->trans_off);
    tz->trans = NULL;
    tz->trans_off = NULL;
    tz->ntrans = 0;
    if (h->timecnt) {
        tz->trans = malloc(sizeof *tz->trans * h->timecnt);
        tz->trans_off = malloc(sizeof *tz->trans_off * h->timecnt);
        if (!tz->trans || !tz->trans_off) {
            errmsg_set(msg, msglen, "out of memory");
            return false;
        }
    }
    for (uint32_t i = 0; i < h->timecnt; i++) {
        int64_t at = time_size == 8 ? be64(times + (size_t)i * 8) : (int64_t)(int32_t)be32(times + (size_t)i * 4);
        if (i > 0 && at <= tz->trans[i - 1]) {
            errmsg_set(msg, msglen, "transition times are not in ascending order");
            return false;
        }
        if (idx[i] >= h->typecnt) {
            errmsg_set(msg, msglen, "transition %u names local time type %u of %u", i, idx[i], h->typecnt);
            return false;
        }
        tz->trans[i] = at;
        tz->trans_off[i] = offs[idx[i]];
    }
    tz->ntrans = h->timecnt;
    tz->off0 = offs[0];
    return true;
}

static bool parse_tzif(const unsigned char *d, size_t n, tz_info *tz, char *msg, size_t msglen) {
    tzif_header h;
    if (!read_header(d, n, &h, msg, msglen)) return false;
    size_t pos = TZIF_HEADER_BYTES;
    size_t bs = block_size(&h, 4);
    if (bs > n - pos) {
        errmsg_set(msg, msglen, "truncated: the version 1 data block runs past the end of the file");
        return false;
    }
    if (h.version == 0) return read_block(d + pos, &h, 4, tz, msg, msglen);

    /* Version 2+: skip the 32-bit block, use the 64-bit one and the footer. */
    pos += bs;
    if (!read_header(d + pos, n - pos, &h, msg, msglen)) return false;
    if (h.version == 0) {
        errmsg_set(msg, msglen, "the second header has version 1");
        return false;
    }
    pos += TZIF_HEADER_BYTES;
    bs = block_size(&h, 8);
    if (bs > n - pos) {
        errmsg_set(msg, msglen, "truncated: the 64-bit data block runs past the end of the file");
        return false;
    }
    if (!read_block(d + pos, &h, 8, tz, msg, msglen)) return false;
    pos += bs;
    /* Footer: "\n" TZ-string "\n", and nothing after. */
    if (pos >= n || d[pos] != '\n') {
        errmsg_set(msg, msglen, "truncated: the footer is missing");
        return false;
    }
    pos++;
    const unsigned char *nl = memchr(d + pos, '\n', n - pos);
    if (!nl) {
        errmsg_set(msg, msglen, "truncated: the footer is not terminated");
        return false;
    }
    size_t flen = (size_t)(nl - (d + pos));
    if (flen > TZ_MAX_FOOTER_BYTES) {
        errmsg_set(msg, msglen, "the footer is longer than %u bytes", TZ_MAX_FOOTER_BYTES);
        return false;
    }
    if ((size_t)(nl - d) + 1 != n) {
        errmsg_set(msg, msglen, "unexpected bytes after the footer");
        return false;
    }
    if (flen == 0) return true;                 /* no rule: the last type goes on */
    char footer[TZ_MAX_FOOTER_BYTES + 1];
    memcpy(footer, d + pos, flen);
    footer[flen] = '\0';
    if (memchr(footer, '\0', flen) || !parse_tz_string(footer, &tz->rule)) {
        errmsg_set(msg, msglen, "the footer TZ string is malformed or unsupported");
        return false;
    }
    tz->has_rule = true;
    return true;
}

/* ---- loading -------------------------------------------------------------------- */

static bool name_char_ok(char c) {
    return is_alpha(c) || is_digit(c) || c == '_' || c == '+' || c == '-' || c == '/';
}

static tz_info *new_tz(const char *name, size_t len) {
    tz_info *tz = calloc(1, sizeof *tz);
    if (!tz) return NULL;
    tz->name = malloc(len + 1);
    if (!tz->name) {
        free(tz);
        return NULL;
    }
    memcpy(tz->name, name, len);
    tz->name[len] = '\0';
    return tz;
}

/* Read the whole file at path, at most TZ_MAX_FILE_BYTES. */
static unsigned char *read_zone_file(const char *path, const char *name, size_t *len, char *err, size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG)
            errmsg_set(err, errlen, "unknown time zone '%s'", name);
        else if (errno == EACCES)
            errmsg_set(err, errlen, "time zone '%s': permission denied", name);
        else
            errmsg_set(err, errlen, "time zone '%s': cannot open its file (errno %d)", name, errno);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errmsg_set(err, errlen, "unknown time zone '%s'", name);
        return NULL;
    }
    if (st.st_size > (off_t)TZ_MAX_FILE_BYTES) {
        close(fd);
        errmsg_set(err, errlen, "time zone '%s': file larger than %u bytes", name, TZ_MAX_FILE_BYTES);
        return NULL;
    }
    /* Read the size fstat gave, plus one byte to notice a file that grew. */
    size_t cap = (size_t)st.st_size + 1, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        errmsg_set(err, errlen, "out of memory");
        return NULL;
    }
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            free(buf);
            close(fd);
            errmsg_set(err, errlen, "time zone '%s': read error (errno %d)", name, errno);
            return NULL;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (n == cap) {
        free(buf);
        errmsg_set(err, errlen, "time zone '%s': the file changed while it was read", name);
        return NULL;
    }
    *len = n;
    return buf;
}

int tz_load(const char *name, tz_info **out, char *err, size_t errlen) {
    if (out) *out = NULL;
    if (!out) {
        errmsg_set(err, errlen, "no place for the result");
        return -1;
    }
    if (!name || !*name) {
        errmsg_set(err, errlen, "empty time zone name");
        return -1;
    }
    size_t len = strnlen(name, TZ_MAX_NAME_BYTES + 1);
    if (len > TZ_MAX_NAME_BYTES) {
        errmsg_set(err, errlen, "time zone name longer than %u bytes", TZ_MAX_NAME_BYTES);
        return -1;
    }
    if (name[0] == '/') {
        errmsg_set(err, errlen, "time zone name may not start with '/' (give an IANA name like Europe/Berlin)");
        return -1;
    }
    if (strstr(name, "..")) {
        errmsg_set(err, errlen, "time zone name may not contain '..'");
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (!name_char_ok(name[i])) {
            errmsg_set(err, errlen, "time zone name has a character other than A-Z a-z 0-9 _ + - / at byte %zu", i);
            return -1;
        }
    }
    tz_info *tz = new_tz(name, len);
    if (!tz) {
        errmsg_set(err, errlen, "out of memory");
        return -1;
    }
    if (strcmp(name, "UTC") == 0) {             /* built in: needs no tz database */
        *out = tz;
        return 0;
    }
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir) dir = TZ_DEFAULT_DIR;
    size_t dlen = strlen(dir);
    char *path = malloc(dlen + 1 + len + 1);
    if (!path) {
        tz_free(tz);
        errmsg_set(err, errlen, "out of memory");
        return -1;
    }
    memcpy(path, dir, dlen);
    path[dlen] = '/';
    memcpy(path + dlen + 1, name, len + 1);
    size_t n = 0;
    unsigned char *data = read_zone_file(path, tz->name, &n, err, errlen);
    free(path);
    if (!data) {
        tz_free(tz);
        return -1;
    }
    char msg[160];
    bool ok = parse_tzif(data, n, tz, msg, sizeof msg);
    free(data);
    if (!ok) {
        errmsg_set(err, errlen, "time zone '%s': invalid tz file: %s", tz->name, msg);
        tz_free(tz);
        return -1;
    }
    *out = tz;
    return 0;
}

void tz_free(tz_info *tz) {
    if (!tz) return;
    free(tz->trans);
    free(tz->trans_off);
    free(tz->name);
    free(tz);
}

const char *tz_name(const tz_info *tz) { return tz ? tz->name : "UTC"; }

/* ---- queries -------------------------------------------------------------------- */

int32_t tz_offset_span(const tz_info *tz, int64_t t, int64_t *next_change) {
    int64_t dummy;
    if (!next_change) next_change = &dummy;
    if (!tz) {
        *next_change = INT64_MAX;
        return 0;
    }
    if (tz->ntrans == 0) {
        if (tz->has_rule) return rule_span(&tz->rule, t, next_change);
        *next_change = INT64_MAX;
        return tz->off0;
    }
    if (t < tz->trans[0]) {
        *next_change = tz->trans[0];
        return tz->off0;
    }
    /* the last transition at or before t */
    uint32_t lo = 0, hi = tz->ntrans - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        if (tz->trans[mid] <= t) lo = mid;
        else hi = mid - 1;
    }
    if (lo == tz->ntrans - 1) {
        if (tz->has_rule) return rule_span(&tz->rule, t, next_change);
        *next_change = INT64_MAX;
        return tz->trans_off[lo];
    }
    *next_change = tz->trans[lo + 1];
    return tz->trans_off[lo];
}

int32_t tz_offset_at(const tz_info *tz, int64_t utc_s) { return tz_offset_span(tz, utc_s, NULL); }

int tz_local_to_utc(const tz_info *tz, int64_t local_s, int64_t *utc_out) {
    int64_t dummy;
    if (!utc_out) utc_out = &dummy;
    /* Far outside any real calendar: no sums near the int64 edges. */
    if (local_s < -(INT64_C(1) << 62) || local_s > (INT64_C(1) << 62)) {
        if (__builtin_sub_overflow(local_s, (int64_t)tz_offset_at(tz, local_s), utc_out))
            *utc_out = local_s < 0 ? INT64_MIN : INT64_MAX;
        return 1;
    }
    /* Every UTC instant u with u + offset(u) == local_s lies in [lo, hi]; walk
     * the stretches of constant offset that cover that window. */
    int64_t lo = local_s - TZ_MAX_OFFSET, hi = local_s - TZ_MIN_OFFSET;
    int64_t cur = lo, first = 0, gap_end = INT64_MAX;
    int count = 0;
    bool have_prev = false;
    int32_t prev_off = 0;
    for (unsigned guard = 0; cur <= hi && guard < TZ_MAX_TIMES + 64; guard++) {
        int64_t next;
        int32_t off = tz_offset_span(tz, cur, &next);
        /* a jump forward at cur skips the local times [cur + prev_off, cur + off) */
        if (have_prev && off > prev_off && local_s >= cur + prev_off && local_s < cur + off && gap_end == INT64_MAX)
            gap_end = cur;
        int64_t u = local_s - off;
        if (u >= cur && u < next) {
            if (count == 0) first = u;
            count++;
        }
        have_prev = true;
        prev_off = off;
        if (next == INT64_MAX) break;
        cur = next;
    }
    if (count > 0) {
        *utc_out = first;
        return count;
    }
    *utc_out = gap_end != INT64_MAX ? gap_end : local_s - prev_off;
    return 0;
}
