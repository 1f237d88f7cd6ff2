/* textfmt.h — checks and conversions for the text forms of typed values:
 * RFC 3339 dates, base64 bytes, UTF-8. */
#ifndef WEIR_TEXTFMT_H
#define WEIR_TEXTFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True for an RFC 3339 date-time ("2026-11-29T10:00:00Z", fractional seconds
 * and numeric offsets allowed) or full-date ("2026-11-29"). */
bool rfc3339_valid(const char *s, size_t len);
/* Write the current UTC time as RFC 3339 with milliseconds into buf (≥ 32). */
void rfc3339_now(char *buf, size_t size);
/* True for standard base64 with padding (RFC 4648 §4); empty is valid. */
bool base64_valid(const char *s, size_t len);
/* True when s is valid UTF-8 without NUL. */
bool utf8_valid(const char *s, size_t len);
/* Length (1 to 4) of the UTF-8 sequence at s, of which n bytes are
 * available, when it is a valid one, else 0. Any ASCII byte, NUL included,
 * is a sequence of 1; overlongs, surrogates, code points above U+10FFFF and
 * sequences cut short by n are invalid. */
size_t utf8_seq_len(const char *s, size_t n);
/* How many bytes of s (len bytes of UTF-8) fit in max without cutting a
 * character: len when len <= max, else max moved back to the start of the
 * character it falls in. */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* jansson's error text without its " near '…'" part, which quotes the input
 * (a mistyped password or a secret must never come back in a message). Cuts
 * je->text in place and returns it. */
#include <jansson.h>
const char *json_error_reason(json_error_t *je);

#endif
