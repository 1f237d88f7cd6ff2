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

#endif
