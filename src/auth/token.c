/* token.c — making, recognising and hashing bearer tokens (format in
 * token.h). Recognition is strict and cheap so the server can turn away
 * junk in an Authorization header or cookie without touching the store. */
#include "auth/token.h"

#include <string.h>

#include <sodium.h>

#include "auth/internal.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const char *const prefixes[AUTH_TOK__COUNT] = {
    [AUTH_TOK_PAT] = "weirp_",
    [AUTH_TOK_API_KEY] = "weirk_",
    [AUTH_TOK_SESSION] = "weirs_",
};

const char *auth_token_prefix(auth_token_kind k) {
    return (unsigned)k < AUTH_TOK__COUNT ? prefixes[k] : NULL;
}

/* The check characters of prefix+body (the first n bytes of tok). */
static void checksum(const char *tok, size_t n, char out[AUTH_TOKEN_CHECK_LEN + 1]) {
    unsigned char h[crypto_generichash_BYTES_MIN];
    crypto_generichash(h, sizeof h, (const unsigned char *)tok, n, NULL, 0);
    sodium_bin2base64(out, AUTH_TOKEN_CHECK_LEN + 1, h, 4, B64);
}

void auth_token_new(auth_token_kind k, char out[AUTH_TOKEN_MAX]) {
    out[0] = '\0';
    const char *p = auth_token_prefix(k);
    if (!p || auth_sodium_ready() != 0) return;
    unsigned char secret[AUTH_TOKEN_SECRET_BYTES];
    randombytes_buf(secret, sizeof secret);
    memcpy(out, p, AUTH_TOKEN_PREFIX_LEN);
    sodium_bin2base64(out + AUTH_TOKEN_PREFIX_LEN, AUTH_TOKEN_BODY_LEN + 1, secret, sizeof secret, B64);
    checksum(out, AUTH_TOKEN_PREFIX_LEN + AUTH_TOKEN_BODY_LEN, out + AUTH_TOKEN_PREFIX_LEN + AUTH_TOKEN_BODY_LEN);
    sodium_memzero(secret, sizeof secret);
}

static bool b64url_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int auth_token_kind_of(const char *tok) {
    if (!tok || strnlen(tok, AUTH_TOKEN_LEN + 1) != AUTH_TOKEN_LEN) return -1;
    int kind = -1;
    for (int k = 0; k < AUTH_TOK__COUNT; k++)
        if (memcmp(tok, prefixes[k], AUTH_TOKEN_PREFIX_LEN) == 0) kind = k;
    if (kind < 0) return -1;
    for (size_t i = AUTH_TOKEN_PREFIX_LEN; i < AUTH_TOKEN_LEN; i++)
        if (!b64url_char(tok[i])) return -1;
    if (auth_sodium_ready() != 0) return -1;
    char check[AUTH_TOKEN_CHECK_LEN + 1];
    checksum(tok, AUTH_TOKEN_PREFIX_LEN + AUTH_TOKEN_BODY_LEN, check);
    if (memcmp(check, tok + AUTH_TOKEN_PREFIX_LEN + AUTH_TOKEN_BODY_LEN, AUTH_TOKEN_CHECK_LEN) != 0) return -1;
    return kind;
}

void auth_token_hash(const auth_keys *k, const char *tok, char out_hex[65]) {
    out_hex[0] = '\0';
    if (!k || auth_sodium_ready() != 0) return;
    if (!tok) tok = "";
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)tok, strlen(tok), k->token_hash, sizeof k->token_hash);
    sodium_bin2hex(out_hex, 65, h, sizeof h);
}

bool auth_ct_streq(const char *a, const char *b) {
    if (!a || !b) return false;
    size_t n = strlen(a);
    if (n != strlen(b)) return false;
    return n == 0 || sodium_memcmp(a, b, n) == 0;
}

void auth_csrf_new(char out[AUTH_TOKEN_MAX]) {
    out[0] = '\0';
    if (auth_sodium_ready() != 0) return;
    unsigned char r[32];
    randombytes_buf(r, sizeof r);
    sodium_bin2base64(out, AUTH_CSRF_LEN + 1, r, sizeof r, B64);
}
