/* password.c — argon2id password hashing (libsodium). Kept apart from the
 * other auth files because it is the one slow, memory-hungry operation: the
 * cost is a single process-wide setting so tests can make it cheap. */
#include "auth/password.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/internal.h"
#include "base/errmsg.h"

#define ARGON2ID_PREFIX "$argon2id$"

static _Atomic unsigned long long g_opslimit = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
static _Atomic size_t g_memlimit = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;

void auth_password_set_cost(unsigned long long opslimit, size_t memlimit) {
    if (opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN) opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
    if (opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX) opslimit = crypto_pwhash_argon2id_OPSLIMIT_MAX;
    if (memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN) memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
    if (memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX) memlimit = crypto_pwhash_argon2id_MEMLIMIT_MAX;
    atomic_store(&g_opslimit, opslimit);
    atomic_store(&g_memlimit, memlimit);
}

int auth_password_hash(const char *pw, char **hash_out, char *err, size_t errlen) {
    if (hash_out) *hash_out = NULL;
    if (!pw || !hash_out) return errmsg_fail(err, errlen, "no password given");
    size_t n = strnlen(pw, AUTH_PASSWORD_MAX + 1);
    if (n < AUTH_PASSWORD_MIN)
        return errmsg_fail(err, errlen, "password too short: at least %d bytes are required", AUTH_PASSWORD_MIN);
    if (n > AUTH_PASSWORD_MAX)
        return errmsg_fail(err, errlen, "password too long: at most %d bytes are allowed", AUTH_PASSWORD_MAX);
    if (auth_sodium_ready() != 0) return errmsg_fail(err, errlen, "libsodium failed to initialise");
    char buf[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(buf, pw, n, atomic_load(&g_opslimit), atomic_load(&g_memlimit),
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return errmsg_fail(err, errlen, "out of memory while hashing the password");
    *hash_out = strdup(buf);
    if (!*hash_out) return errmsg_fail(err, errlen, "out of memory");
    return 0;
}

/* A stored hash we are willing to parse: argon2id, NUL-terminated in bounds. */
static bool hash_usable(const char *hash) {
    return hash && strnlen(hash, crypto_pwhash_STRBYTES) < crypto_pwhash_STRBYTES &&
           strncmp(hash, ARGON2ID_PREFIX, sizeof ARGON2ID_PREFIX - 1) == 0;
}

bool auth_password_verify(const char *hash, const char *pw) {
    if (!pw || !hash_usable(hash) || auth_sodium_ready() != 0) return false;
    size_t n = strnlen(pw, AUTH_PASSWORD_MAX + 1);
    if (n > AUTH_PASSWORD_MAX) return false;
    return crypto_pwhash_str_verify(hash, pw, n) == 0;
}

bool auth_password_needs_rehash(const char *hash) {
    if (!hash_usable(hash) || auth_sodium_ready() != 0) return true;
    return crypto_pwhash_argon2id_str_needs_rehash(hash, atomic_load(&g_opslimit), atomic_load(&g_memlimit)) != 0;
}

void auth_password_dummy_verify(const char *pw) {
    if (!pw) pw = "";
    size_t n = strnlen(pw, AUTH_PASSWORD_MAX + 1);
    if (n > AUTH_PASSWORD_MAX || auth_sodium_ready() != 0) return; /* verify refuses these without hashing too */
    unsigned char salt[crypto_pwhash_SALTBYTES], out[32]; /* 32: the hash length crypto_pwhash_str uses */
    randombytes_buf(salt, sizeof salt);
    if (crypto_pwhash(out, sizeof out, pw, n, salt, atomic_load(&g_opslimit), atomic_load(&g_memlimit),
                      crypto_pwhash_ALG_ARGON2ID13) == 0)
        sodium_memzero(out, sizeof out);
}
