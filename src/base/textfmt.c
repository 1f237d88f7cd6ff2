/* textfmt.c — see textfmt.h. Hand-written: each check is a few lines and a
 * library for any of them would be a dependency for very little. */
#include "base/textfmt.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static bool digits(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static int num(const char *s, size_t n) {
    int v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

static bool full_date(const char *s) {
    if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
        return false;
    int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return false;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return false;
    return true;
}

bool rfc3339_valid(const char *s, size_t len) {
    if (len == 10) return full_date(s);
    if (len < 20 || !full_date(s)) return false;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return false;
    const char *t = s + 11;
    if (!digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' || !digits(t + 6, 2))
        return false;
    if (num(t, 2) > 23 || num(t + 3, 2) > 59 || num(t + 6, 2) > 60) return false;
    size_t i = 19;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
        if (i == start) return false;
    }
    if (i >= len) return false;
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) return true;
    if ((s[i] == '+' || s[i] == '-') && len - i == 6 && digits(s + i + 1, 2) && s[i + 3] == ':' &&
        digits(s + i + 4, 2))
        return num(s + i + 1, 2) <= 23 && num(s + i + 4, 2) <= 59;
    return false;
}

void rfc3339_now(char *buf, size_t size) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

static bool b64char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

bool base64_valid(const char *s, size_t len) {
    if (len % 4 != 0) return false;
    for (size_t i = 0; i < len; i++) {
        if (b64char(s[i])) continue;
        if (s[i] != '=') return false;
        /* padding: only in the last two places, and only padding after it */
        if (i < len - 2) return false;
        if (i == len - 2 && s[len - 1] != '=') return false;
    }
    return true;
}

size_t utf8_seq_len(const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0) return 0;
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t k;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { k = 2; cp = c & 0x1Fu; }
    else if ((c & 0xF0) == 0xE0) { k = 3; cp = c & 0x0Fu; }
    else if ((c & 0xF8) == 0xF0) { k = 4; cp = c & 0x07u; }
    else return 0;
    if (n < k) return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k;
}

bool utf8_valid(const char *s, size_t len) {
    for (size_t i = 0; i < len;) {
        if (s[i] == '\0') return false;
        size_t k = utf8_seq_len(s + i, len - i);
        if (k == 0) return false;
        i += k;
    }
    return true;
}

size_t utf8_cut(const char *s, size_t len, size_t max) {
    if (len <= max) return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return n;
}

const char *json_error_reason(json_error_t *je) {
    char *near = strstr(je->text, " near ");
    if (near) *near = 0;
    return je->text[0] ? je->text : "syntax error";
}
