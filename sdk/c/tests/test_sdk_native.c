/*
 * test_sdk_native.c -- unit tests of weir_node.h built natively (gcc/clang on
 * the build machine), so the JSON reader, number conversions, allocator and
 * dispatch run under ASan/UBSan and are compared against glibc.
 *
 * The header's host imports and linear memory are emulated here: outputs and
 * logs are recorded, memory.grow hands out pages of a static arena.
 *
 * Usage: test_sdk_native [ROUNDS [ALLOC_ROUNDS]]
 *        (random rounds for the number checks and the allocator; default 20000 / 200000)
 */
#include "weir_node.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- emulated linear memory ------------------------------------------- */

#define ARENA_PAGES 2048 /* 128 MiB */
static unsigned char *arena;
static size_t arena_pages, arena_limit = ARENA_PAGES;

uintptr_t weir_native_memory_end(void) { return (uintptr_t)arena + arena_pages * WEIR__PAGE; }

bool weir_native_memory_grow(size_t pages, uintptr_t *start) {
    if (pages > arena_limit - arena_pages) return false;
    *start = (uintptr_t)arena + arena_pages * WEIR__PAGE;
    arena_pages += pages;
    return true;
}

/* ---- emulated host ---------------------------------------------------- */

static char last_output_name[64], last_output[4096], last_fail[4096];
static int outputs_set, activations;

void weir_host_log(int32_t level, const void *ptr, int32_t len) {
    (void)level;
    (void)ptr;
    (void)len;
}
int32_t weir_host_set_output(const void *name_ptr, int32_t name_len, const void *json_ptr, int32_t json_len) {
    if (!weir_json_valid(json_ptr, (size_t)json_len)) return -3;
    snprintf(last_output_name, sizeof last_output_name, "%.*s", (int)name_len, (const char *)name_ptr);
    snprintf(last_output, sizeof last_output, "%.*s", (int)json_len, (const char *)json_ptr);
    outputs_set++;
    return 0;
}
int32_t weir_host_activate(const void *name_ptr, int32_t name_len) {
    (void)name_ptr;
    (void)name_len;
    activations++;
    return 0;
}
void weir_host_fail(const void *ptr, int32_t len) {
    snprintf(last_fail, sizeof last_fail, "%.*s", (int)len, (const char *)ptr);
}

/* ---- test helpers ----------------------------------------------------- */

static int failures, checks;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        checks++;                                                                    \
        if (!(cond)) {                                                               \
            failures++;                                                              \
            if (failures < 30) fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static weir_str S(const char *s) { return weir_str_c(s); }

/* ---- JSON reader ------------------------------------------------------ */

static void test_json(void) {
    weir_str v;
    char buf[64];
    size_t n;
    int64_t i;
    bool b;
    const char *doc = " { \"a\" : 1, \"b\\u0022q\": [true, {\"x\": null}], \"s\": \"h\\u00e9\\ud83d\\ude00\\n\", "
                      "\"big\": 9223372036854775807, \"neg\": -9223372036854775808, \"f\": 1.5e3 } ";
    CHECK(weir_json_valid(doc, strlen(doc)));
    CHECK(weir_json_get(S(doc), "a", &v) == WEIR_OK && weir_json_int(v, &i) == WEIR_OK && i == 1);
    CHECK(weir_json_get(S(doc), "b\"q", &v) == WEIR_OK && weir_json_type(v) == WEIR_JSON_ARRAY);
    CHECK(weir_json_get(S(doc), "nope", &v) == WEIR_ERR_MISSING);
    CHECK(weir_json_get(S("[1]"), "a", &v) == WEIR_ERR_TYPE);
    CHECK(weir_json_get(S(doc), "s", &v) == WEIR_OK);
    CHECK(weir_json_string(v, buf, sizeof buf, &n) == WEIR_OK && n == 8 &&
          memcmp(buf, "h\xc3\xa9\xf0\x9f\x98\x80\n", 8) == 0 && buf[8] == 0);
    CHECK(weir_json_string(v, buf, 4, &n) == WEIR_ERR_NOSPACE && n == 8 && buf[3] == 0);
    CHECK(weir_json_string(v, NULL, 0, &n) == WEIR_ERR_NOSPACE && n == 8);
    CHECK(weir_json_string_eq(v, "h\xc3\xa9\xf0\x9f\x98\x80\n", 8));
    CHECK(!weir_json_string_eq(v, "h\xc3\xa9\xf0\x9f\x98\x80", 7));
    CHECK(weir_json_get(S(doc), "big", &v) == WEIR_OK && weir_json_int(v, &i) == WEIR_OK && i == INT64_MAX);
    CHECK(weir_json_get(S(doc), "neg", &v) == WEIR_OK && weir_json_int(v, &i) == WEIR_OK && i == INT64_MIN);
    CHECK(weir_json_int(S("9223372036854775808"), &i) == WEIR_ERR_RANGE);
    CHECK(weir_json_int(S("-9223372036854775809"), &i) == WEIR_ERR_RANGE);
    CHECK(weir_json_int(S("1.0"), &i) == WEIR_ERR_TYPE);
    CHECK(weir_json_int(S("01"), &i) == WEIR_ERR_SYNTAX);
    CHECK(weir_json_int(S("\"1\""), &i) == WEIR_ERR_TYPE);
    CHECK(weir_json_int(S("null"), &i) == WEIR_ERR_NULL);
    CHECK(weir_json_bool(S(" true "), &b) == WEIR_OK && b);
    CHECK(weir_json_bool(S("false"), &b) == WEIR_OK && !b);
    CHECK(weir_json_bool(S("truex"), &b) == WEIR_ERR_TYPE);
    CHECK(weir_json_is_null(S(" null")) && !weir_json_is_null(S("nul")));
    /* malformed */
    const char *bad[] = {"", " ", "{", "{\"a\"}", "{\"a\":}", "[1,]", "[1 2]", "{\"a\":1,}", "\"\\x\"",
                         "\"\\u12\"", "\"a", "\"\x01\"", "tru", "-", "1.", ".5", "1e", "+1", "[}", "{]",
                         "{\"a\" 1}", "01", "[1]]", "nulll"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) CHECK(!weir_json_valid(bad[k], strlen(bad[k])));
    CHECK(weir_json_string(S("\"\\ud800\""), buf, sizeof buf, &n) == WEIR_ERR_SYNTAX); /* lone surrogate */
    CHECK(weir_json_string(S("\"\\udc00\\ud800\""), buf, sizeof buf, &n) == WEIR_ERR_SYNTAX);
    CHECK(weir_json_string(S("\"a\\u0000b\""), buf, sizeof buf, &n) == WEIR_OK && n == 3 && buf[1] == 0);
    /* depth limit: 2048 ok, 2049 refused, and never a crash on deep input */
    {
        size_t d = 100000;
        char *deep = malloc(2 * d + 1);
        for (size_t k = 0; k < d; k++) deep[k] = '[';
        for (size_t k = 0; k < d; k++) deep[d + k] = ']';
        CHECK(!weir_json_valid(deep, 2 * d));
        CHECK(weir_json_valid(deep + d - 2048, 2 * 2048));
        CHECK(!weir_json_valid(deep + d - 2049, 2 * 2049));
        free(deep);
    }
    /* iterators */
    {
        weir_json_iter it;
        weir_str e, key;
        int count = 0;
        CHECK(weir_json_iter_init(&it, S("[1, \"two\", [3], {\"4\": 4}]")) == WEIR_OK);
        while (weir_json_array_next(&it, &e) == 1) count++;
        CHECK(count == 4);
        CHECK(weir_json_iter_init(&it, S(" [ ] ")) == WEIR_OK && weir_json_array_next(&it, &e) == 0);
        CHECK(weir_json_iter_init(&it, S("[1,,2]")) == WEIR_OK && weir_json_array_next(&it, &e) == 1 &&
              weir_json_array_next(&it, &e) == WEIR_ERR_SYNTAX && weir_json_array_next(&it, &e) == 0);
        CHECK(weir_json_iter_init(&it, S("null")) == WEIR_ERR_NULL && weir_json_array_next(&it, &e) < 0);
        CHECK(weir_json_iter_init(&it, S("{\"a\": 1, \"b\": [2]}")) == WEIR_OK);
        count = 0;
        while (weir_json_object_next(&it, &key, &e) == 1) {
            count++;
            if (count == 2) CHECK(weir_json_string_eq(key, "b", 1) && weir_json_type(e) == WEIR_JSON_ARRAY);
        }
        CHECK(count == 2);
    }
    /* reads stay inside the slice: a value cut short is malformed, not read past */
    {
        const char *t = "{\"a\": \"xyz\"}";
        for (size_t k = 0; k < strlen(t); k++) {
            char *cut = malloc(k ? k : 1);
            memcpy(cut, t, k);
            CHECK(!weir_json_valid(cut, k));
            weir_str c = {cut, k};
            (void)weir_json_get(c, "a", &v);
            free(cut);
        }
    }
}

/* ---- JSON writer ------------------------------------------------------ */

static void test_writer(void) {
    weir_sb sb = WEIR_SB_INIT;
    char *back = NULL;
    size_t n;
    const char raw[] = "q\"b\\s/\n\r\t\b\f\x01\x1f\x7f caf\xc3\xa9 \xf0\x9f\x98\x80";
    weir_sb_put_json_string(&sb, raw, sizeof raw - 1);
    CHECK(sb.err == 0 && weir_json_valid(sb.ptr, sb.len));
    CHECK(weir_json_string_alloc((weir_str){sb.ptr, sb.len}, &back, &n) == WEIR_OK && n == sizeof raw - 1 &&
          memcmp(back, raw, n) == 0);
    weir_free(back);
    weir_sb_free(&sb);
    /* invalid UTF-8 becomes U+FFFD, output stays valid */
    const char inval[] = "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xf4\x90\x80\x80" "e\xe2\x82";
    weir_sb_put_json_string(&sb, inval, sizeof inval - 1);
    CHECK(sb.err == 0 && weir_json_valid(sb.ptr, sb.len));
    CHECK(strstr(sb.ptr, "a\\ufffdb") != NULL);
    weir_sb_free(&sb);
    /* random bytes: always valid JSON; valid UTF-8 round-trips */
    for (int r = 0; r < 20000; r++) {
        unsigned char b[40];
        size_t len = rnd() % sizeof b;
        for (size_t k = 0; k < len; k++) b[k] = (unsigned char)(r & 1 ? rnd() : rnd() % 128);
        weir_sb_put_json_string(&sb, b, len);
        CHECK(sb.err == 0 && weir_json_valid(sb.ptr, sb.len));
        if (weir_utf8_valid(b, len)) {
            CHECK(weir_json_string_alloc((weir_str){sb.ptr, sb.len}, &back, &n) == WEIR_OK && n == len &&
                  memcmp(back, b, len) == 0);
            weir_free(back);
        }
        weir_sb_free(&sb);
    }
    /* integers */
    char ib[24];
    CHECK(weir_i64toa(INT64_MIN, ib) == 20 && strcmp(ib, "-9223372036854775808") == 0);
    CHECK(weir_i64toa(0, ib) == 1 && strcmp(ib, "0") == 0);
    /* base64 */
    for (int r = 0; r < 2000; r++) {
        unsigned char b[50], out[80];
        size_t len = rnd() % sizeof b, got = 0;
        for (size_t k = 0; k < len; k++) b[k] = (unsigned char)rnd();
        weir_sb_put_base64(&sb, b, len);
        CHECK(sb.len == (len + 2) / 3 * 4);
        CHECK(weir_base64_decode(sb.ptr, sb.len, out, &got) == WEIR_OK && got == len && memcmp(out, b, len) == 0);
        weir_sb_free(&sb);
    }
    {
        unsigned char out[8];
        size_t got;
        CHECK(weir_base64_decode("aGk=", 4, out, &got) == WEIR_OK && got == 2 && memcmp(out, "hi", 2) == 0);
        CHECK(weir_base64_decode("aGk", 3, out, &got) == WEIR_OK && got == 2);
        CHECK(weir_base64_decode("a=Gk", 4, out, &got) == WEIR_ERR_SYNTAX);
        CHECK(weir_base64_decode("a", 1, out, &got) == WEIR_ERR_SYNTAX);
        CHECK(weir_base64_decode("aG k", 4, out, &got) == WEIR_ERR_SYNTAX);
    }
}

/* ---- doubles ---------------------------------------------------------- */

static int shortest_digits(double v) {
    char b[64];
    for (int p = 1; p <= 17; p++) {
        snprintf(b, sizeof b, "%.*e", p - 1, v);
        if (strtod(b, NULL) == v) return p;
    }
    return 17;
}

static int sig_digits(const char *s) {
    int n = 0, started = 0;
    int trailing = 0;
    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9') continue;
        if (*s != '0') started = 1;
        if (!started) continue;
        n++;
        trailing = *s == '0' ? trailing + 1 : 0;
    }
    return n - trailing;
}

static void check_dtoa(double v) {
    char b[32];
    size_t n = weir_dtoa(v, b);
    CHECK(n > 0 && n < 32 && strlen(b) == n);
    CHECK(weir_json_valid(b, n));
    double back = strtod(b, NULL);
    CHECK(memcmp(&back, &v, sizeof v) == 0);
    if (v != 0) {
        int want = shortest_digits(v), got = sig_digits(b);
        CHECK(got == want);
        if (got != want && failures < 30) fprintf(stderr, "  %.17g -> %s (%d digits, want %d)\n", v, b, got, want);
    }
    double mine;
    CHECK(weir_parse_double(b, n, &mine) == WEIR_OK && memcmp(&mine, &v, sizeof v) == 0);
}

static void check_parse(const char *s) {
    double mine = 0, ref;
    int rc = weir_parse_double(s, strlen(s), &mine);
    errno = 0;
    ref = strtod(s, NULL);
    if (isinf(ref)) {
        CHECK(rc == WEIR_ERR_RANGE);
    } else {
        CHECK(rc == WEIR_OK && memcmp(&mine, &ref, sizeof ref) == 0);
        if ((rc != WEIR_OK || memcmp(&mine, &ref, sizeof ref) != 0) && failures < 30)
            fprintf(stderr, "  parse %s: got %.17g (rc %d), want %.17g\n", s, mine, rc, ref);
    }
}

static void test_doubles(long rounds) {
    static const double fixed[] = {0.1, 0.2, 0.3, 1.0 / 3, 1, 2, 10, 100, 1e21, 1e22, 1e20, 123456789012345680.0,
                                   1e-7, 1e-6, 5e-324, 1e-323, 2.2250738585072014e-308, 2.2250738585072009e-308,
                                   1.7976931348623157e308, 4.9406564584124654e-324, 9007199254740993.0,
                                   0.000001234, 1.5, -2.75, 3.0e-5, 6.02214076e23, 299792458};
    char b[32];
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
        check_dtoa(fixed[k]);
        check_dtoa(-fixed[k]);
    }
    CHECK(weir_dtoa(0.0, b) == 3 && strcmp(b, "0.0") == 0);
    CHECK(weir_dtoa(-0.0, b) == 4 && strcmp(b, "-0.0") == 0);
    CHECK(weir_dtoa(1.0, b) && strcmp(b, "1.0") == 0);
    CHECK(weir_dtoa(0.1, b) && strcmp(b, "0.1") == 0);
    CHECK(weir_dtoa(1e21, b) && strcmp(b, "1e+21") == 0);
    CHECK(weir_dtoa(1e20, b) && strcmp(b, "100000000000000000000.0") == 0);
    CHECK(weir_dtoa(1.5e-7, b) && strcmp(b, "1.5e-7") == 0);
    CHECK(weir_dtoa(0.000001, b) && strcmp(b, "0.000001") == 0);
    CHECK(weir_dtoa(5e-324, b) && strcmp(b, "5e-324") == 0);
    CHECK(weir_dtoa(NAN, b) == 0 && weir_dtoa(INFINITY, b) == 0 && weir_dtoa(-INFINITY, b) == 0);
    for (long r = 0; r < rounds; r++) {
        uint64_t bits = rnd();
        double v;
        if (r % 4 == 1) bits &= UINT64_C(0x800FFFFFFFFFFFFF); /* subnormals */
        if (r % 4 == 2) bits = (bits & ~(UINT64_C(0x7FF) << 52)) | ((uint64_t)(1023 + (int)(rnd() % 80) - 40) << 52);
        memcpy(&v, &bits, sizeof v);
        if (isnan(v) || isinf(v)) continue;
        check_dtoa(v);
        if (r % 8 == 3) { /* integers stay integral */
            double iv = (double)(int64_t)(rnd() >> (rnd() % 64));
            check_dtoa(iv);
        }
    }
    /* parsing */
    static const char *cases[] = {
        "0", "-0", "0.0", "1", "-1", "0.1", "1e10", "1E+10", "1e-10", "123.456e-2", "2.4703282292062327e-324",
        "2.4703282292062328e-324", "2.47032822920623272088e-324", "4.9406564584124654e-324", "1e-400", "1e400",
        "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "9007199254740993",
        "9007199254740992.5", "9007199254740993.0000000000000000000000000000001", "2.2250738585072011e-308",
        "2.2250738585072012e-308", "0.30000000000000004", "1797693134862315708145274237317043567981e269",
        "7.2057594037927933e16", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126", "123456789012345678901234567890",
        "0.000000000000000000000000000000000000000000001", "1e-323", "1e-324", "3e-324", "5e-324", "1e-1000000",
        "1e1000000", "-1e-400"};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) check_parse(cases[k]);
    {
        double d;
        const char *badnum[] = {"", "-", "+1", "01", "1.", ".1", "1e", "1e+", "0x10", "1 2", "nan", "inf", "--1"};
        for (size_t k = 0; k < sizeof badnum / sizeof badnum[0]; k++)
            CHECK(weir_parse_double(badnum[k], strlen(badnum[k]), &d) == WEIR_ERR_SYNTAX);
    }
    /* a long exact halfway case and huge digit strings */
    {
        char *s = malloc(5000);
        /* 1 + 2^-53 exactly (halfway between 1 and nextafter(1)), then more digits */
        strcpy(s, "1.00000000000000011102230246251565404236316680908203125");
        check_parse(s);
        strcat(s, "000000000000000000000000000000000000000000000000000000000000000000000000000000");
        check_parse(s);
        strcat(s, "1");
        check_parse(s);
        s[0] = '0';
        s[1] = '.';
        memset(s + 2, '0', 1500);
        strcpy(s + 1502, "123e1400");
        check_parse(s);
        memset(s, '9', 4000);
        strcpy(s + 4000, "e-3700");
        check_parse(s);
        free(s);
    }
    for (long r = 0; r < rounds; r++) {
        char s[128];
        int nd = 1 + (int)(rnd() % 25), pos = 0;
        if (rnd() & 1) s[pos++] = '-';
        s[pos++] = (char)('1' + rnd() % 9);
        for (int k = 1; k < nd; k++) {
            if (k == 1 && (rnd() & 1)) s[pos++] = '.';
            s[pos++] = (char)('0' + rnd() % 10);
        }
        if (pos > 0 && s[pos - 1] == '.') s[pos++] = '0';
        snprintf(s + pos, sizeof s - (size_t)pos, "e%d", (int)(rnd() % 660) - 340);
        check_parse(s);
    }
}


/* ---- differential test against a plain recursive reference ------------ */

/* Reference JSON validator: recursive descent, one byte at a time. */
static const char *ref_value(const char *p, const char *e, int depth);
static const char *ref_ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}
static const char *ref_string(const char *p, const char *e) { /* p after the opening quote */
    while (p < e) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') return p + 1;
        if (c < 0x20) return NULL;
        if (c == '\\') {
            if (p + 1 >= e) return NULL;
            if (strchr("\"\\/bfnrt", p[1]) && p[1]) {
                p += 2;
            } else if (p[1] == 'u') {
                if (e - p < 6) return NULL;
                for (int i = 2; i < 6; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i]) return NULL;
                p += 6;
            } else {
                return NULL;
            }
        } else {
            p++;
        }
    }
    return NULL;
}
static const char *ref_value(const char *p, const char *e, int depth) {
    p = ref_ws(p, e);
    if (p >= e) return NULL;
    if (*p == '"') return ref_string(p + 1, e);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        if (depth >= WEIR_JSON_MAX_DEPTH) return NULL;
        p = ref_ws(p + 1, e);
        if (p < e && *p == close) return p + 1;
        for (;;) {
            if (close == '}') {
                if (p >= e || *p != '"' || !(p = ref_string(p + 1, e))) return NULL;
                p = ref_ws(p, e);
                if (p >= e || *p != ':') return NULL;
                p++;
            }
            if (!(p = ref_value(p, e, depth + 1))) return NULL;
            p = ref_ws(p, e);
            if (p < e && *p == ',') {
                p = ref_ws(p + 1, e);
                continue;
            }
            return p < e && *p == close ? p + 1 : NULL;
        }
    }
    if (e - p >= 4 && !memcmp(p, "true", 4)) return p + 4;
    if (e - p >= 5 && !memcmp(p, "false", 5)) return p + 5;
    if (e - p >= 4 && !memcmp(p, "null", 4)) return p + 4;
    const char *q = p;
    if (q < e && *q == '-') q++;
    if (q >= e || *q < '0' || *q > '9') return NULL;
    if (*q == '0') q++;
    else while (q < e && *q >= '0' && *q <= '9') q++;
    if (q < e && *q == '.') {
        q++;
        if (q >= e || *q < '0' || *q > '9') return NULL;
        while (q < e && *q >= '0' && *q <= '9') q++;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < e && (*q == '+' || *q == '-')) q++;
        if (q >= e || *q < '0' || *q > '9') return NULL;
        while (q < e && *q >= '0' && *q <= '9') q++;
    }
    return q;
}
static bool ref_valid(const char *s, size_t n) {
    const char *p = ref_value(s, s + n, 0);
    return p && ref_ws(p, s + n) == s + n;
}

/* Reference decoder of a valid JSON string body; -1 for a bad surrogate. */
static long ref_decode(const char *p, const char *e, char *out) {
    long n = 0;
    while (p < e) {
        if (*p != '\\') {
            out[n++] = *p++;
            continue;
        }
        char c = p[1];
        p += 2;
        if (c != 'u') {
            out[n++] = c == 'b' ? '\b' : c == 'f' ? '\f' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
            continue;
        }
        unsigned cp = (unsigned)strtoul((char[]){p[0], p[1], p[2], p[3], 0}, NULL, 16);
        p += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return -1;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (e - p < 6 || p[0] != '\\' || p[1] != 'u') return -1;
            unsigned lo = (unsigned)strtoul((char[]){p[2], p[3], p[4], p[5], 0}, NULL, 16);
            if (lo < 0xDC00 || lo > 0xDFFF) return -1;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        }
        if (cp < 0x80) out[n++] = (char)cp;
        else if (cp < 0x800) { out[n++] = (char)(0xC0 | cp >> 6); out[n++] = (char)(0x80 | (cp & 63)); }
        else if (cp < 0x10000) { out[n++] = (char)(0xE0 | cp >> 12); out[n++] = (char)(0x80 | ((cp >> 6) & 63)); out[n++] = (char)(0x80 | (cp & 63)); }
        else { out[n++] = (char)(0xF0 | cp >> 18); out[n++] = (char)(0x80 | ((cp >> 12) & 63)); out[n++] = (char)(0x80 | ((cp >> 6) & 63)); out[n++] = (char)(0x80 | (cp & 63)); }
    }
    return n;
}

static void test_differential(long rounds) {
    static const char *atoms[] = {"\"", "\\", "\\\"", "\\\\", "\\n", "\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\u12",
                                  "\\x", "a", "bcdefgh", "0123456789abcdef", "\xc3\xa9", "\x01", "\x1f", " ", "\n",
                                  "{", "}", "[", "]", ":", ",", "1", "-", ".5", "e+3", "true", "null", "false", "\x7f",
                                  "\xff"};
    char buf[512], dec[2048], ref[2048];
    for (long r = 0; r < rounds; r++) {
        size_t n = 0;
        int parts = 1 + (int)(rnd() % 40);
        bool as_string = r % 2 == 0;
        if (as_string) buf[n++] = '"';
        for (int k = 0; k < parts && n < 400; k++) {
            const char *a = atoms[rnd() % (sizeof atoms / sizeof atoms[0])];
            if (as_string && (rnd() % 4)) a = atoms[10 + rnd() % 3]; /* mostly plain runs */
            size_t l = strlen(a);
            memcpy(buf + n, a, l);
            n += l;
        }
        if (as_string && (rnd() % 8)) buf[n++] = '"';
        /* copy to an exact-size heap block so ASan catches any over-read */
        char *t = malloc(n ? n : 1);
        memcpy(t, buf, n);
        bool want = ref_valid(t, n);
        CHECK(weir_json_valid(t, n) == want);
        if (weir_json_valid(t, n) != want && failures < 30) fprintf(stderr, "  valid(%.*s) != %d\n", (int)n, t, want);
        if (want && t[0] == '"') {
            size_t got_len = 0;
            int rc = weir_json_string((weir_str){t, n}, dec, sizeof dec, &got_len);
            long rl = ref_decode(t + 1, ref_string(t + 1, t + n) - 1, ref); /* up to the closing quote */
            if (rl < 0) {
                CHECK(rc == WEIR_ERR_SYNTAX);
            } else {
                CHECK(rc == WEIR_OK && got_len == (size_t)rl && memcmp(dec, ref, (size_t)rl) == 0);
                if (!(rc == WEIR_OK && got_len == (size_t)rl) && failures < 30) fprintf(stderr, "  decode(%.*s) rc %d\n", (int)n, t, rc);
            }
        } else if (n >= 2 && t[0] == '"' && t[n - 1] == '"') {
            /* not valid: decoding must refuse it too */
            size_t got_len;
            CHECK(weir_json_string((weir_str){t, n}, dec, sizeof dec, &got_len) != WEIR_OK);
        }
        free(t);
    }
}

/* ---- allocator -------------------------------------------------------- */

static void test_alloc(long rounds) {
    enum { SLOTS = 256 };
    unsigned char *p[SLOTS] = {0};
    size_t len[SLOTS] = {0};
    for (long r = 0; r < rounds; r++) {
        int s = (int)(rnd() % SLOTS);
        if (p[s]) {
            for (size_t k = 0; k < len[s]; k++)
                if (p[s][k] != (unsigned char)(s + k)) {
                    CHECK(!"heap corruption");
                    break;
                }
        }
        switch (rnd() % 3) {
        case 0:
            weir_free(p[s]);
            p[s] = NULL;
            len[s] = 0;
            break;
        case 1:
            weir_free(p[s]);
            len[s] = (rnd() % 8 == 0) ? rnd() % 200000 : rnd() % 300;
            p[s] = weir_malloc(len[s]);
            CHECK(p[s] != NULL && ((uintptr_t)p[s] & 15) == 0);
            for (size_t k = 0; k < len[s]; k++) p[s][k] = (unsigned char)(s + k);
            break;
        default: {
            size_t nl = rnd() % 5000;
            unsigned char *q = weir_realloc(p[s], nl);
            CHECK(q != NULL && ((uintptr_t)q & 15) == 0);
            for (size_t k = len[s] < nl ? len[s] : nl; k < nl; k++) q[k] = (unsigned char)(s + k);
            p[s] = q;
            len[s] = nl;
        }
        }
    }
    for (int s = 0; s < SLOTS; s++) weir_free(p[s]);
    CHECK(weir_malloc(WEIR_MAX_LEN + 1) == NULL);
    /* memory limit: allocation fails cleanly, then works again for small sizes */
    {
        size_t saved = arena_limit;
        arena_limit = arena_pages + 20;
        void *big = weir_malloc(64u << 20); /* more than the heap ever held */
        CHECK(big == NULL);
        void *small = weir_malloc(100);
        CHECK(small != NULL);
        weir_free(small);
        arena_limit = saved;
    }
}

/* ---- dispatch --------------------------------------------------------- */

static int node_echo(const weir_input *in) {
    char *t = weir_input_cstr(in, "text");
    int64_t n = weir_input_int_or(in, "n", -1);
    double f = weir_input_float_or(in, "f", -1);
    CHECK(weir_input_node_is(in, "echo"));
    CHECK(n == 42 && f == 0.5);
    CHECK(weir_input_bool_or(in, "flag", false));
    CHECK(weir_input_is_null(in, "nothing") && weir_input_is_null(in, "absent"));
    if (!t) return weir_fail("no text");
    int rc = weir_set_output_cstr("out", t);
    weir_free(t);
    weir_activate("exec_out");
    return rc == WEIR_OK ? WEIR_NODE_OK : WEIR_NODE_FAILED;
}
static int node_fails(const weir_input *in) {
    (void)in;
    return weir_fail_code("reading x", WEIR_ERR_NOT_FOUND);
}

WEIR_NODES(node_echo, node_fails);

static int32_t run_with(int32_t index, const char *json) {
    size_t n = strlen(json);
    /* Native pointers do not fit an i32: build the weir_input as the dispatcher does. */
    char *buf = weir_malloc(n);
    memcpy(buf, json, n);
    int32_t rc = weir__dispatch(weir__nodes, 2, index, 0, 0); /* no input: refused */
    CHECK(rc == 3);
    /* Mirror weir__export_run with a real pointer. */
    {
        weir_str v;
        weir_input x = {index, {buf, n}, {"null", 4}, {"{}", 2}, {"{}", 2}};
        if (weir_json_get(x.json, "node", &v) == WEIR_OK) x.node = v;
        if (weir_json_get(x.json, "inputs", &v) == WEIR_OK) x.inputs = v;
        rc = weir__nodes[index](&x);
    }
    weir_free(buf);
    return rc;
}

static void test_dispatch(void) {
    CHECK(run_with(0, "{\"node\": \"echo\", \"inputs\": {\"text\": \"a\\\"b\", \"n\": 42, \"f\": 0.5, "
                      "\"flag\": true, \"nothing\": null}, \"context\": {\"run_id\": \"r\"}}") == 0);
    CHECK(strcmp(last_output_name, "out") == 0 && strcmp(last_output, "\"a\\\"b\"") == 0);
    CHECK(activations == 1);
    CHECK(run_with(1, "{\"node\": \"fails\", \"inputs\": {}}") == WEIR_NODE_FAILED);
    CHECK(strcmp(last_fail, "reading x: not found (-21)") == 0);
    CHECK(weir__export_run(5, 0, 0) == 2 && strstr(last_fail, "out of range") != NULL);
    CHECK(weir__export_run(-1, 0, 0) == 2);
    CHECK(weir_set_output_float("f", 0.1) == WEIR_OK && strcmp(last_output, "0.1") == 0);
    CHECK(weir_set_output_float("f", NAN) == WEIR_ERR_RANGE);
    CHECK(weir_set_output_int("i", -5) == WEIR_OK && strcmp(last_output, "-5") == 0);
    CHECK(weir_set_output_bool("b", false) == WEIR_OK && strcmp(last_output, "false") == 0);
    CHECK(weir_set_output_bytes("y", "hi", 2) == WEIR_OK && strcmp(last_output, "\"aGk=\"") == 0);
    CHECK(weir_set_output_json("j", "{bad", 4) == -3);
}

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 20000;
    long alloc_rounds = argc > 2 ? atol(argv[2]) : 200000;
    arena = aligned_alloc(WEIR__PAGE, (size_t)ARENA_PAGES * WEIR__PAGE);
    arena_pages = 1; /* like a module's first page of data */
    test_json();
    test_writer();
    test_differential(rounds * 10);
    test_doubles(rounds);
    test_alloc(alloc_rounds);
    /* 256 live blocks of at most 200 KB: fragmentation must not grow the heap far past that */
    CHECK(arena_pages * WEIR__PAGE < (size_t)100 << 20);
    test_dispatch();
    free(arena);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
