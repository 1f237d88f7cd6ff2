/* token.h — bearer secrets: personal access tokens, app API keys, session
 * cookies, CSRF tokens. Only a keyed hash of a token is ever stored.
 *
 * Format: <prefix><body><check>, always AUTH_TOKEN_LEN (55) characters:
 *   prefix  "weirp_" (PAT), "weirk_" (API key), "weirs_" (session)
 *   body    43 characters: base64url (no padding) of 32 random bytes (256 bits)
 *   check   6 characters: base64url of the first 4 bytes of the unkeyed
 *           BLAKE2b of prefix+body.
 * The check is not a secret and adds no security: it lets weir reject typos
 * and junk before any database lookup, and lets secret scanners (GitHub
 * push protection and the like) recognise a real weir token offline with
 * almost no false positives. */
#ifndef WEIR_AUTH_TOKEN_H
#define WEIR_AUTH_TOKEN_H

#include <stdbool.h>

#include "auth/keys.h"

typedef enum auth_token_kind {
    AUTH_TOK_PAT,     /* "weirp_": a user's personal access token */
    AUTH_TOK_API_KEY, /* "weirk_": an app's API key */
    AUTH_TOK_SESSION, /* "weirs_": the session cookie value */
    AUTH_TOK__COUNT
} auth_token_kind;

#define AUTH_TOKEN_MAX          96 /* bytes of any token text, NUL included */
#define AUTH_TOKEN_PREFIX_LEN   6
#define AUTH_TOKEN_SECRET_BYTES 32 /* random bytes: 256 bits of entropy */
#define AUTH_TOKEN_BODY_LEN     43 /* base64url of the secret bytes, no padding */
#define AUTH_TOKEN_CHECK_LEN    6  /* base64url of 4 checksum bytes */
#define AUTH_TOKEN_LEN          (AUTH_TOKEN_PREFIX_LEN + AUTH_TOKEN_BODY_LEN + AUTH_TOKEN_CHECK_LEN)
#define AUTH_CSRF_LEN           43 /* base64url of 32 random bytes */

/* The prefix of a kind ("weirp_", …), or NULL for an unknown kind. */
const char *auth_token_prefix(auth_token_kind k);

/* A fresh random token of kind k, NUL-terminated, in out. */
void auth_token_new(auth_token_kind k, char out[AUTH_TOKEN_MAX]);

/* The kind of a well-formed token, or -1 when tok is NULL or not exactly a
 * token of some kind (length, prefix, alphabet, check characters). */
int auth_token_kind_of(const char *tok);

/* The stored form of a token: keyed BLAKE2b-256 under k->token_hash, in
 * lower-case hex (64 characters and a NUL). A NULL tok hashes as "";
 * with NULL keys out_hex is "" (matches no stored hash). */
void auth_token_hash(const auth_keys *k, const char *tok, char out_hex[65]);

/* Constant-time equality of two strings: the time depends on the lengths
 * (which are not secret for weir's fixed-length tokens) but not on where
 * they differ. false when either is NULL. */
bool auth_ct_streq(const char *a, const char *b);

/* A fresh CSRF token: base64url of 32 random bytes (AUTH_CSRF_LEN characters). */
void auth_csrf_new(char out[AUTH_TOKEN_MAX]);

#endif
