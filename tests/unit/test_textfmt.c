/* test_textfmt.c — the text-form checks of base/textfmt.h: UTF-8 (whole
 * strings, single sequences, cutting at a character boundary), RFC 3339
 * dates and base64, each at its edges. */
#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/textfmt.h"

/* C string literals; the length is the literal's, so embedded NULs count. */
#define U8(lit) utf8_valid(lit, sizeof lit - 1)
#define SEQ(lit) utf8_seq_len(lit, sizeof lit - 1)
#define DATE(lit) rfc3339_valid(lit, sizeof lit - 1)
#define B64(lit) base64_valid(lit, sizeof lit - 1)

/* Encode cp in `bytes` bytes (1 to 4), overlong when more than it needs. */
static size_t encode(uint32_t cp, size_t bytes, char *out) {
    static const unsigned char lead[] = {0, 0x00, 0xC0, 0xE0, 0xF0};
    for (size_t i = bytes - 1; i > 0; i--) {
        out[i] = (char)(0x80 | (cp & 0x3F));
        cp >>= 6;
    }
    out[0] = (char)(lead[bytes] | cp);
    return bytes;
}

static size_t needed(uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

/* ---- utf8_valid ----------------------------------------------------------------- */

static void test_utf8_valid_plain(void **state) {
    (void)state;
    assert_true(utf8_valid("", 0));
    assert_true(utf8_valid(NULL, 0));
    assert_true(U8("hello, world"));
    assert_true(U8("\x01\x1f\x7f"));                 /* control bytes are UTF-8 */
    assert_true(U8("Z\xc3\xbcrich \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"));
    /* NUL anywhere is refused */
    assert_false(U8("\0"));
    assert_false(U8("a\0b"));
    assert_false(U8("ab\0"));
    /* only the first len bytes count */
    assert_true(utf8_valid("ab\xff", 2));
    assert_false(utf8_valid("\xe2\x82\xac", 2));    /* € cut short by len */
    assert_true(utf8_valid("\xe2\x82\xac", 3));
}

static void test_utf8_valid_bounds(void **state) {
    (void)state;
    /* the first and last code point of each length */
    assert_true(U8("\xc2\x80"));                     /* U+0080 */
    assert_true(U8("\xdf\xbf"));                     /* U+07FF */
    assert_true(U8("\xe0\xa0\x80"));                 /* U+0800 */
    assert_true(U8("\xef\xbf\xbf"));                 /* U+FFFF */
    assert_true(U8("\xf0\x90\x80\x80"));             /* U+10000 */
    assert_true(U8("\xf4\x8f\xbf\xbf"));             /* U+10FFFF */
    /* beyond U+10FFFF */
    assert_false(U8("\xf4\x90\x80\x80"));            /* U+110000 */
    assert_false(U8("\xf5\x80\x80\x80"));
    assert_false(U8("\xf7\xbf\xbf\xbf"));            /* U+1FFFFF */
    /* surrogates, and their neighbours */
    assert_true(U8("\xed\x9f\xbf"));                 /* U+D7FF */
    assert_false(U8("\xed\xa0\x80"));                /* U+D800 */
    assert_false(U8("\xed\xaf\xbf"));                /* U+DBFF */
    assert_false(U8("\xed\xb0\x80"));                /* U+DC00 */
    assert_false(U8("\xed\xbf\xbf"));                /* U+DFFF */
    assert_false(U8("\xed\xa0\xbd\xed\xb8\x80"));    /* a CESU-8 pair */
    assert_true(U8("\xee\x80\x80"));                 /* U+E000 */
}

static void test_utf8_valid_malformed(void **state) {
    (void)state;
    /* overlongs */
    assert_false(U8("\xc0\x80"));                    /* NUL in two bytes */
    assert_false(U8("\xc0\xaf"));                    /* '/' in two bytes */
    assert_false(U8("\xc1\xbf"));
    assert_false(U8("\xe0\x80\x80"));
    assert_false(U8("\xe0\x9f\xbf"));                /* U+07FF in three bytes */
    assert_false(U8("\xf0\x80\x80\x80"));
    assert_false(U8("\xf0\x8f\xbf\xbf"));            /* U+FFFF in four bytes */
    /* bytes that never start a sequence */
    assert_false(U8("\x80"));
    assert_false(U8("\xbf"));
    assert_false(U8("a\x80" "b"));
    assert_false(U8("\xf8\x88\x80\x80\x80"));
    assert_false(U8("\xfc\x84\x80\x80\x80\x80"));
    assert_false(U8("\xfe"));
    assert_false(U8("\xff"));
    /* sequences cut short or interrupted */
    assert_false(U8("\xc3"));
    assert_false(U8("\xe2\x82"));
    assert_false(U8("\xf0\x9f\x98"));
    assert_false(U8("\xc3" "A"));
    assert_false(U8("\xe2\x82" "A"));
    assert_false(U8("\xe2" "A\xac"));
    assert_false(U8("\xc3\xc3\xbc"));
    /* one bad sequence spoils a good string */
    assert_false(U8("good \xe2\x82\xac and bad \xed\xa0\x80"));
}

/* Every code point in its shortest form is valid except the surrogates;
 * every longer (overlong) form is invalid. */
static void test_utf8_valid_every_code_point(void **state) {
    (void)state;
    char b[4];
    for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
        size_t n = encode(cp, needed(cp), b);
        bool want = cp < 0xD800 || cp > 0xDFFF;
        if (utf8_valid(b, n) != want) fail_msg("U+%04X: utf8_valid is %d", cp, !want);
        if (utf8_seq_len(b, n) != (want ? n : 0)) fail_msg("U+%04X: utf8_seq_len is %zu", cp, utf8_seq_len(b, n));
        for (size_t longer = n + 1; longer <= 4 && cp < 0x10000; longer++) {
            size_t m = encode(cp, longer, b);
            if (utf8_valid(b, m) || utf8_seq_len(b, m) != 0) fail_msg("U+%04X in %zu bytes accepted", cp, m);
        }
    }
}

/* ---- utf8_seq_len ------------------------------------------------------------ */

static void test_utf8_seq_len(void **state) {
    (void)state;
    assert_int_equal(utf8_seq_len("", 0), 0);
    assert_int_equal(SEQ("\0"), 1);                  /* NUL is a sequence; utf8_valid refuses it */
    assert_int_equal(SEQ("a"), 1);
    assert_int_equal(SEQ("\x7f"), 1);
    assert_int_equal(SEQ("\xc3\xbc"), 2);
    assert_int_equal(SEQ("\xe2\x82\xac"), 3);
    assert_int_equal(SEQ("\xf0\x9f\x98\x80"), 4);
    /* only the sequence at the start counts */
    assert_int_equal(SEQ("ab"), 1);
    assert_int_equal(SEQ("\xc3\xbc\xff"), 2);
    assert_int_equal(SEQ("\xe2\x82\xac\x80"), 3);
    /* invalid: 0 */
    assert_int_equal(SEQ("\x80"), 0);
    assert_int_equal(SEQ("\xc0\x80"), 0);
    assert_int_equal(SEQ("\xed\xa0\x80"), 0);
    assert_int_equal(SEQ("\xf4\x90\x80\x80"), 0);
    assert_int_equal(SEQ("\xf8\x88\x80\x80"), 0);
    assert_int_equal(SEQ("\xff"), 0);
    assert_int_equal(SEQ("\xc3" "A"), 0);
    /* n bounds what may be read */
    assert_int_equal(utf8_seq_len("\xe2\x82\xac", 2), 0);
    assert_int_equal(utf8_seq_len("\xf0\x9f\x98\x80", 3), 0);
    assert_int_equal(utf8_seq_len("\xc3\xbc", 1), 0);
}

/* ---- utf8_cut --------------------------------------------------------------------- */

static void test_utf8_cut(void **state) {
    (void)state;
    static const char s[] = "ab\xc3\xbc" "c\xe2\x82\xac" "d\xf0\x9f\x98\x80";  /* a b ü c € d 😀 */
    size_t len = sizeof s - 1;                         /* 13 */
    assert_int_equal(utf8_cut(s, len, len), len);      /* fits: unchanged */
    assert_int_equal(utf8_cut(s, len, 100), len);
    assert_int_equal(utf8_cut(s, 0, 0), 0);
    assert_int_equal(utf8_cut(s, len, 0), 0);
    assert_int_equal(utf8_cut(s, len, 2), 2);          /* "ab": the cut falls on ü's first byte */
    assert_int_equal(utf8_cut(s, len, 3), 2);          /* inside ü */
    assert_int_equal(utf8_cut(s, len, 4), 4);          /* "abü" */
    assert_int_equal(utf8_cut(s, len, 6), 5);          /* inside € */
    assert_int_equal(utf8_cut(s, len, 7), 5);
    assert_int_equal(utf8_cut(s, len, 8), 8);          /* "abüc€" */
    assert_int_equal(utf8_cut(s, len, 9), 9);          /* + "d" */
    assert_int_equal(utf8_cut(s, len, 10), 9);         /* inside 😀 */
    assert_int_equal(utf8_cut(s, len, 11), 9);
    assert_int_equal(utf8_cut(s, len, 12), 9);
    /* ASCII cuts anywhere */
    assert_int_equal(utf8_cut("abcdef", 6, 3), 3);
    /* nothing but continuation bytes before the cut: nothing is kept */
    assert_int_equal(utf8_cut("\x80\x80\x80\x80", 4, 3), 0);
    /* what is kept is valid UTF-8 whenever the whole was */
    for (size_t max = 0; max <= len; max++) assert_true(utf8_valid(s, utf8_cut(s, len, max)));
}

/* ---- rfc3339_valid ----------------------------------------------------------------- */

static void test_rfc3339_valid(void **state) {
    (void)state;
    /* date-time, with every allowed spelling */
    assert_true(DATE("2026-11-29T10:00:00Z"));
    assert_true(DATE("2026-11-29t10:00:00z"));
    assert_true(DATE("2026-11-29 10:00:00Z"));
    assert_true(DATE("2026-11-29T10:00:00.5Z"));
    assert_true(DATE("2026-11-29T10:00:00.123456789Z"));
    assert_true(DATE("2026-11-29T10:00:00+05:30"));
    assert_true(DATE("2026-11-29T10:00:00-08:00"));
    assert_true(DATE("2026-11-29T10:00:00.25-00:00"));
    assert_true(DATE("2026-11-29T23:59:59+23:59"));
    assert_true(DATE("2026-12-31T23:59:60Z"));        /* a leap second */
    assert_true(DATE("0000-01-01T00:00:00Z"));
    /* full-date */
    assert_true(DATE("2026-11-29"));
    assert_true(DATE("2024-02-29"));                  /* leap year */
    assert_true(DATE("2000-02-29"));                  /* divisible by 400 */
    assert_true(DATE("2026-01-31"));
    assert_true(DATE("2026-04-30"));
}

static void test_rfc3339_invalid(void **state) {
    (void)state;
    assert_false(rfc3339_valid("", 0));
    assert_false(DATE("2026-11-2"));
    assert_false(DATE("2026-11-29T"));
    assert_false(DATE("2026-11-29T10:00:00"));         /* no offset */
    assert_false(DATE("2026-11-29T10:00:00.123"));
    assert_false(DATE("2026-11-29T10:00Z"));           /* seconds are required */
    /* calendar */
    assert_false(DATE("2023-02-29"));
    assert_false(DATE("1900-02-29"));                  /* divisible by 100, not 400 */
    assert_false(DATE("2026-02-30"));
    assert_false(DATE("2026-04-31"));
    assert_false(DATE("2026-13-01"));
    assert_false(DATE("2026-00-10"));
    assert_false(DATE("2026-11-00"));
    assert_false(DATE("2026-11-32"));
    /* clock */
    assert_false(DATE("2026-11-29T24:00:00Z"));
    assert_false(DATE("2026-11-29T10:60:00Z"));
    assert_false(DATE("2026-11-29T10:00:61Z"));
    /* shapes */
    assert_false(DATE("26-11-29"));
    assert_false(DATE("2026-1-29"));
    assert_false(DATE("2026/11/29"));
    assert_false(DATE("2026-11-29X10:00:00Z"));
    assert_false(DATE("2026-11-29T10-00-00Z"));
    assert_false(DATE("2026-11-29T1a:00:00Z"));
    assert_false(DATE("2026-11-29T10:00:00.Z"));      /* a point needs digits */
    assert_false(DATE("2026-11-29T10:00:00ZZ"));
    assert_false(DATE("2026-11-29T10:00:00 Z"));
    assert_false(DATE(" 2026-11-29"));
    assert_false(DATE("2026-11-29 "));
    /* offsets */
    assert_false(DATE("2026-11-29T10:00:00+05"));
    assert_false(DATE("2026-11-29T10:00:00+5:30"));
    assert_false(DATE("2026-11-29T10:00:00+0530"));
    assert_false(DATE("2026-11-29T10:00:00+24:00"));
    assert_false(DATE("2026-11-29T10:00:00+05:60"));
    assert_false(DATE("2026-11-29T10:00:00+05:30Z"));
    assert_false(DATE("2026-11-29T10:00:00*05:30"));
    /* len bounds what is read */
    assert_false(rfc3339_valid("2026-11-29T10:00:00Z", 19));
    assert_true(rfc3339_valid("2026-11-29T10:00:00Z", 10));
}

static void test_rfc3339_now(void **state) {
    (void)state;
    char buf[32];
    rfc3339_now(buf, sizeof buf);
    assert_int_equal(strlen(buf), 24);               /* 2026-11-29T10:00:00.123Z */
    assert_true(rfc3339_valid(buf, strlen(buf)));
    assert_int_equal(buf[19], '.');
    assert_int_equal(buf[23], 'Z');
}

/* ---- base64_valid -------------------------------------------------------------------- */

static void test_base64_valid(void **state) {
    (void)state;
    assert_true(base64_valid("", 0));
    assert_true(B64("Zg=="));                          /* "f" */
    assert_true(B64("Zm8="));                          /* "fo" */
    assert_true(B64("Zm9v"));                          /* "foo" */
    assert_true(B64("Zm9vYmFy"));
    assert_true(B64("Zm9vYg=="));
    assert_true(B64("AAAA"));
    assert_true(B64("+/+/"));
    assert_true(B64("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"));
}

static void test_base64_invalid(void **state) {
    (void)state;
    /* length not a multiple of 4 */
    assert_false(B64("Z"));
    assert_false(B64("Zg"));
    assert_false(B64("Zg="));
    assert_false(B64("Zm9vY"));
    assert_false(B64("Zg==="));
    /* padding anywhere but the last two places, or not at the end */
    assert_false(B64("===="));
    assert_false(B64("Z==="));
    assert_false(B64("=AAA"));
    assert_false(B64("A=AA"));
    assert_false(B64("AA=A"));
    assert_false(B64("Zg==Zg=="));
    assert_false(B64("Zm9v===="));
    /* characters outside the standard alphabet */
    assert_false(B64("Zg-_"));                         /* the URL-safe alphabet */
    assert_false(B64("Zm9\n"));
    assert_false(B64("Zm 9"));
    assert_false(B64("Zm9v\0AAA"));
    assert_false(B64("Zm\xc3\xa9"));
    /* len bounds what is read */
    assert_true(base64_valid("Zm9v!!!!", 4));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_valid_plain),
        cmocka_unit_test(test_utf8_valid_bounds),
        cmocka_unit_test(test_utf8_valid_malformed),
        cmocka_unit_test(test_utf8_valid_every_code_point),
        cmocka_unit_test(test_utf8_seq_len),
        cmocka_unit_test(test_utf8_cut),
        cmocka_unit_test(test_rfc3339_valid),
        cmocka_unit_test(test_rfc3339_invalid),
        cmocka_unit_test(test_rfc3339_now),
        cmocka_unit_test(test_base64_valid),
        cmocka_unit_test(test_base64_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
