/* json_repair.c — a tolerant JSON reader for the `repair_parse` node.
 *
 * Why this exists: language models asked for JSON answer with "Sure! ```json
 * {'name': 'x', items: [1, 2,],} ```" — fenced, chatty, single-quoted,
 * Python-flavoured, sometimes cut off mid-way. Strict parsers reject all of
 * it, and the usual fix (regex surgery before a strict parse) breaks strings
 * that happen to contain the patterns being fixed. So this file tries jansson
 * first and, only if that fails, reads the text with its own small tokenizer
 * and recursive-descent parser that knows each repair in context and builds
 * jansson values directly. It never guesses beyond the documented repairs
 * (json_repair.h); anything else is an error with a line and column.
 * Recursion is bounded by JSON_REPAIR_MAX_DEPTH, so hostile nesting is an
 * error, not a stack overflow. */
#include "catalog/json_repair.h"

#include "base/limits.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bare words echoed in error messages are cut to this many bytes. */
#define JR_WORD_ECHO 32

typedef struct jr_parser {
    const char *src;   /* the whole input, for line/column in messages */
    size_t end;        /* parsing stops here (end of input or of the fence) */
    size_t pos;        /* absolute offset into src */
    bool fenced;       /* inside a Markdown fence: a "```" between tokens ends the input */
    int depth;
    bool failed;
    char *err;
    size_t errlen;
} jr_parser;

/* A growable byte buffer, private to this file. */
typedef struct jr_buf {
    char *data;
    size_t len;
    size_t cap;
} jr_buf;

static bool jr_buf_reserve(jr_buf *b, size_t extra) {
    if (b->cap - b->len > extra) return true;
    size_t cap = b->cap ? b->cap : 32;
    while (cap - b->len <= extra) {
        if (cap > SIZE_MAX / 2) return false;
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (!d) return false;
    b->data = d;
    b->cap = cap;
    return true;
}

static bool jr_buf_put(jr_buf *b, const char *s, size_t n) {
    if (!jr_buf_reserve(b, n)) return false;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

static bool jr_buf_putc(jr_buf *b, char c) { return jr_buf_put(b, &c, 1); }

/* Append code point cp (<= 0x10FFFF, not a surrogate) as UTF-8. */
static bool jr_buf_utf8(jr_buf *b, uint32_t cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return jr_buf_put(b, u, n);
}

static void jr_fail_at(jr_parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first error, followed by the line and column of offset `at`. */
static void jr_fail_at(jr_parser *p, size_t at, const char *fmt, ...) {
    if (p->failed) return;
    p->failed = true;
    if (!p->err || p->errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at; i++) {
        if (p->src[i] == '\n') { line++; col = 1; } else { col++; }
    }
    size_t used = strlen(p->err);
    if (used + 1 < p->errlen)
        snprintf(p->err + used, p->errlen - used, " at line %zu, column %zu", line, col);
}

#define jr_fail(p, ...) jr_fail_at((p), (p)->pos, __VA_ARGS__)

static bool jr_eof(const jr_parser *p) { return p->pos >= p->end; }
static char jr_peek(const jr_parser *p) { return p->src[p->pos]; }

static bool jr_is_word_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
static bool jr_is_digit(char c) { return c >= '0' && c <= '9'; }
static bool jr_is_word(char c) { return jr_is_word_start(c) || jr_is_digit(c); }

/* Skip whitespace and comments. An unterminated block comment runs to the end. */
static void jr_skip_ws(jr_parser *p) {
    while (!jr_eof(p)) {
        char c = jr_peek(p);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            p->pos++;
        } else if (c == '/' && p->pos + 1 < p->end && p->src[p->pos + 1] == '/') {
            while (!jr_eof(p) && jr_peek(p) != '\n') p->pos++;
        } else if (c == '/' && p->pos + 1 < p->end && p->src[p->pos + 1] == '*') {
            p->pos += 2;
            while (!jr_eof(p) && !(jr_peek(p) == '*' && p->pos + 1 < p->end &&
                                   p->src[p->pos + 1] == '/'))
                p->pos++;
            p->pos = p->pos + 2 <= p->end ? p->pos + 2 : p->end;
        } else if (c == '`' && p->fenced && p->pos + 2 < p->end && p->src[p->pos + 1] == '`' &&
                   p->src[p->pos + 2] == '`') {
            p->end = p->pos; /* the closing fence: end of input from here on */
        } else {
            break;
        }
    }
}

static int jr_hex4(const char *s, uint32_t *out) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* Read a \uXXXX escape; p->pos is at the 'u'. Pairs surrogates; a lone
 * surrogate becomes U+FFFD. */
static int jr_unicode_escape(jr_parser *p, jr_buf *b) {
    size_t at = p->pos - 1;
    uint32_t cp;
    if (p->end - p->pos < 5 || jr_hex4(p->src + p->pos + 1, &cp) < 0) {
        jr_fail_at(p, at, "invalid \\u escape in string");
        return -1;
    }
    p->pos += 5;
    if (cp == 0) {
        jr_fail_at(p, at, "\\u0000 is not allowed in a string");
        return -1;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo;
        if (p->end - p->pos >= 6 && p->src[p->pos] == '\\' && p->src[p->pos + 1] == 'u' &&
            jr_hex4(p->src + p->pos + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
            p->pos += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else {
            cp = 0xFFFD;
        }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
    }
    return jr_buf_utf8(b, cp) ? 0 : -1;
}

/* Read a string quoted with " or '; p->pos is at the opening quote. Fills b
 * (NUL-terminated, possibly with no data when empty). An unterminated string
 * ends at the end of input. Returns 0, or -1 after jr_fail. */
static int jr_string_bytes(jr_parser *p, jr_buf *b) {
    char quote = jr_peek(p);
    size_t open = p->pos;
    p->pos++;
    if (!jr_buf_reserve(b, 0)) goto oom;
    b->data[b->len] = '\0';
    while (!jr_eof(p)) {
        char c = jr_peek(p);
        if (c == quote) {
            p->pos++;
            return 0;
        }
        if (c == '\0') {
            jr_fail(p, "NUL byte in string");
            return -1;
        }
        if (c != '\\') {
            /* copy a run of plain bytes at once */
            size_t start = p->pos;
            while (!jr_eof(p) && jr_peek(p) != quote && jr_peek(p) != '\\' && jr_peek(p) != '\0')
                p->pos++;
            if (!jr_buf_put(b, p->src + start, p->pos - start)) goto oom;
            continue;
        }
        if (p->pos + 1 >= p->end) { /* a backslash as the very last byte */
            p->pos++;
            break;
        }
        char e = p->src[p->pos + 1];
        p->pos++; /* now at the escape letter */
        const char *rep = NULL;
        switch (e) {
        case '"': rep = "\""; break;
        case '\'': rep = "'"; break;
        case '\\': rep = "\\"; break;
        case '/': rep = "/"; break;
        case 'b': rep = "\b"; break;
        case 'f': rep = "\f"; break;
        case 'n': rep = "\n"; break;
        case 'r': rep = "\r"; break;
        case 't': rep = "\t"; break;
        case 'u':
            if (jr_unicode_escape(p, b) < 0) {
                if (!p->failed) goto oom;
                return -1;
            }
            continue;
        case '\0':
            jr_fail(p, "NUL byte in string");
            return -1;
        default:
            break;
        }
        if (rep) {
            if (!jr_buf_put(b, rep, 1)) goto oom;
        } else {
            /* not a JSON escape (e.g. a Windows path "C:\dir"): keep it as written */
            if (!jr_buf_putc(b, '\\') || !jr_buf_putc(b, e)) goto oom;
        }
        p->pos++;
    }
    return 0; /* unterminated: closed at the end of input */
oom:
    jr_fail_at(p, open, "out of memory");
    return -1;
}

static json_t *jr_string(jr_parser *p) {
    size_t open = p->pos;
    jr_buf b = {0};
    if (jr_string_bytes(p, &b) < 0) {
        free(b.data);
        return NULL;
    }
    /* json_stringn checks UTF-8; NULL means invalid UTF-8 (or no memory) */
    json_t *s = json_stringn(b.data ? b.data : "", b.len);
    free(b.data);
    if (!s) jr_fail_at(p, open, "invalid UTF-8 in string");
    return s;
}

/* NaN, Infinity and -Infinity get a precise message. */
static void jr_fail_nonfinite(jr_parser *p, size_t at) {
    jr_fail_at(p, at, "NaN and Infinity are not valid JSON");
}

static json_t *jr_number(jr_parser *p) {
    size_t start = p->pos, i = p->pos;
    bool neg = false;
    if (p->src[i] == '-' || p->src[i] == '+') {
        neg = p->src[i] == '-';
        i++;
    }
    if (i < p->end && (p->src[i] == 'I' || p->src[i] == 'N')) {
        size_t j = i;
        while (j < p->end && jr_is_word(p->src[j])) j++;
        if ((j - i == 8 && memcmp(p->src + i, "Infinity", 8) == 0) ||
            (j - i == 3 && memcmp(p->src + i, "NaN", 3) == 0)) {
            jr_fail_nonfinite(p, start);
            return NULL;
        }
    }
    size_t digits_start = i, digits = 0;
    bool integral = true;
    while (i < p->end && jr_is_digit(p->src[i])) { i++; digits++; }
    if (i < p->end && p->src[i] == '.') {
        integral = false;
        i++;
        while (i < p->end && jr_is_digit(p->src[i])) { i++; digits++; }
    }
    if (digits == 0) {
        jr_fail_at(p, start, "invalid number");
        return NULL;
    }
    if (i < p->end && (p->src[i] == 'e' || p->src[i] == 'E')) {
        size_t j = i + 1;
        if (j < p->end && (p->src[j] == '+' || p->src[j] == '-')) j++;
        if (j >= p->end || !jr_is_digit(p->src[j])) {
            jr_fail_at(p, start, "invalid number exponent");
            return NULL;
        }
        while (j < p->end && jr_is_digit(p->src[j])) j++;
        integral = false;
        i = j;
    }
    p->pos = i;

    /* A NUL-terminated copy without a leading '+' for strtoll/strtod. */
    jr_buf b = {0};
    bool ok = (!neg || jr_buf_putc(&b, '-')) &&
              jr_buf_put(&b, p->src + digits_start, i - digits_start);
    if (!ok) {
        free(b.data);
        jr_fail_at(p, start, "out of memory");
        return NULL;
    }
    json_t *v = NULL;
    char *endp = NULL;
    if (integral) {
        errno = 0;
        long long ll = strtoll(b.data, &endp, 10);
        if (errno == 0 && endp == b.data + b.len) v = json_integer((json_int_t)ll);
    }
    if (!v) { /* a real, or an integer too large for json_int_t */
        errno = 0;
        double d = strtod(b.data, &endp);
        if (endp != b.data + b.len) {
            /* only possible if LC_NUMERIC is not "C" (weir never changes it) */
            jr_fail_at(p, start, "cannot read number");
        } else if (!isfinite(d)) {
            jr_fail_at(p, start, "number out of range");
        } else {
            v = json_real(d);
            if (!v) jr_fail_at(p, start, "out of memory");
        }
    }
    free(b.data);
    return v;
}

/* A bare word in value position: true/false/null and their Python/JS cousins. */
static json_t *jr_word(jr_parser *p) {
    size_t start = p->pos;
    while (!jr_eof(p) && jr_is_word(jr_peek(p))) p->pos++;
    const char *w = p->src + start;
    size_t n = p->pos - start;
#define JR_IS(lit) (n == sizeof(lit) - 1 && memcmp(w, lit, n) == 0)
    if (JR_IS("true") || JR_IS("True")) return json_true();
    if (JR_IS("false") || JR_IS("False")) return json_false();
    if (JR_IS("null") || JR_IS("None") || JR_IS("undefined")) return json_null();
    if (JR_IS("NaN") || JR_IS("Infinity")) {
        jr_fail_nonfinite(p, start);
        return NULL;
    }
#undef JR_IS
    int shown = n > JR_WORD_ECHO ? JR_WORD_ECHO : (int)n;
    jr_fail_at(p, start, "unexpected word '%.*s%s'", shown, w, n > JR_WORD_ECHO ? "..." : "");
    return NULL;
}

static json_t *jr_value(jr_parser *p);

static void jr_fail_unexpected(jr_parser *p, const char *expected) {
    if (jr_eof(p)) {
        jr_fail(p, "unexpected end of input, expected %s", expected);
        return;
    }
    unsigned char c = (unsigned char)jr_peek(p);
    if (c > 0x20 && c < 0x7f)
        jr_fail(p, "unexpected character '%c', expected %s", (char)c, expected);
    else
        jr_fail(p, "unexpected byte \\x%02x, expected %s", c, expected);
}

static int jr_enter(jr_parser *p) {
    if (p->depth >= JSON_REPAIR_MAX_DEPTH) {
        jr_fail(p, "nesting deeper than %d levels", JSON_REPAIR_MAX_DEPTH);
        return -1;
    }
    p->depth++;
    return 0;
}

static json_t *jr_array(jr_parser *p) {
    if (jr_enter(p) < 0) return NULL;
    p->pos++; /* '[' */
    json_t *arr = json_array();
    if (!arr) {
        jr_fail(p, "out of memory");
        return NULL;
    }
    bool need_comma = false;
    for (;;) {
        jr_skip_ws(p);
        if (jr_eof(p)) break; /* truncated: close it */
        char c = jr_peek(p);
        if (c == ']') {
            p->pos++;
            break;
        }
        if (need_comma) {
            if (c != ',') {
                jr_fail_unexpected(p, "',' or ']'");
                goto fail;
            }
            p->pos++;
            need_comma = false;
            continue; /* a trailing comma is fine: ']' may follow */
        }
        if (c == ',') {
            jr_fail_unexpected(p, "a value");
            goto fail;
        }
        json_t *v = jr_value(p);
        if (!v) goto fail;
        if (json_array_append_new(arr, v) < 0) {
            jr_fail(p, "out of memory");
            goto fail;
        }
        need_comma = true;
    }
    p->depth--;
    return arr;
fail:
    json_decref(arr);
    return NULL;
}

static json_t *jr_object(jr_parser *p) {
    if (jr_enter(p) < 0) return NULL;
    p->pos++; /* '{' */
    json_t *obj = json_object();
    if (!obj) {
        jr_fail(p, "out of memory");
        return NULL;
    }
    jr_buf key = {0};
    bool need_comma = false;
    for (;;) {
        jr_skip_ws(p);
        if (jr_eof(p)) break;
        char c = jr_peek(p);
        if (c == '}') {
            p->pos++;
            break;
        }
        if (need_comma) {
            if (c != ',') {
                jr_fail_unexpected(p, "',' or '}'");
                goto fail;
            }
            p->pos++;
            need_comma = false;
            continue;
        }
        size_t key_at = p->pos;
        key.len = 0;
        if (c == '"' || c == '\'') {
            if (jr_string_bytes(p, &key) < 0) goto fail;
        } else if (jr_is_word_start(c)) {
            size_t start = p->pos;
            while (!jr_eof(p) && jr_is_word(jr_peek(p))) p->pos++;
            if (!jr_buf_put(&key, p->src + start, p->pos - start)) {
                jr_fail(p, "out of memory");
                goto fail;
            }
        } else {
            jr_fail_unexpected(p, "an object key");
            goto fail;
        }
        jr_skip_ws(p);
        if (jr_eof(p)) break; /* truncated after a key: drop the key */
        if (jr_peek(p) != ':') {
            jr_fail_unexpected(p, "':' after an object key");
            goto fail;
        }
        p->pos++;
        jr_skip_ws(p);
        if (jr_eof(p)) break; /* truncated after the colon: drop the key */
        json_t *v = jr_value(p);
        if (!v) goto fail;
        /* json_object_setn_new checks the key is UTF-8 and consumes v either way */
        if (json_object_setn_new(obj, key.data ? key.data : "", key.len, v) < 0) {
            jr_fail_at(p, key_at, "invalid UTF-8 in object key");
            goto fail;
        }
        need_comma = true;
    }
    free(key.data);
    p->depth--;
    return obj;
fail:
    free(key.data);
    json_decref(obj);
    return NULL;
}

static json_t *jr_value(jr_parser *p) {
    jr_skip_ws(p);
    if (jr_eof(p)) {
        jr_fail_unexpected(p, "a value");
        return NULL;
    }
    char c = jr_peek(p);
    if (c == '{') return jr_object(p);
    if (c == '[') return jr_array(p);
    if (c == '"' || c == '\'') return jr_string(p);
    if (c == '-' || c == '+' || c == '.' || jr_is_digit(c)) return jr_number(p);
    if (jr_is_word_start(c)) return jr_word(p);
    jr_fail_unexpected(p, "a value");
    return NULL;
}

/* Find the first occurrence of "```" in src[from, to); returns to if none. */
static size_t jr_find_fence(const char *src, size_t from, size_t to) {
    for (size_t i = from; i + 3 <= to; i++)
        if (src[i] == '`' && src[i + 1] == '`' && src[i + 2] == '`') return i;
    return to;
}

/* First '{' or '[' in src[from, to); returns to if none. */
static size_t jr_find_open(const char *src, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
        if (src[i] == '{' || src[i] == '[') return i;
    return to;
}

static void jr_set_err(char *err, size_t errlen, const char *msg) {
    if (err && errlen) snprintf(err, errlen, "%s", msg);
}

json_t *json_repair_parse(const char *src, size_t len, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    if (!src || len == 0) {
        jr_set_err(err, errlen, "no JSON value found");
        return NULL;
    }
    json_error_t jerr;
    json_t *v = json_loadb(src, len, JSON_DECODE_ANY, &jerr);
    if (v) return v;

    size_t open = jr_find_open(src, 0, len);
    size_t fence = jr_find_fence(src, 0, len);
    bool fenced = false;
    if (fence < open) { /* a fence that opens before the value: read inside it */
        size_t i = fence + 3;
        /* the info string ("json", "JSON5", "jsonc") and the rest of that line */
        while (i < len && (jr_is_word(src[i]) || src[i] == '-' || src[i] == '+' || src[i] == '.'))
            i++;
        while (i < len && (src[i] == ' ' || src[i] == '\t')) i++;
        if (i < len && src[i] == '\r') i++;
        if (i < len && src[i] == '\n') i++;
        size_t close = jr_find_fence(src, i, len);
        v = json_loadb(src + i, close - i, JSON_DECODE_ANY, &jerr);
        if (v) return v;
        fenced = true;
    }
    if (open >= len) {
        jr_set_err(err, errlen, "no JSON value found");
        return NULL;
    }
    jr_parser p = {src, len, open, fenced, 0, false, err, errlen};
    v = jr_value(&p);
    if (!v && !p.failed) jr_fail(&p, "out of memory");
    return v;
}
