/* keys.h — the instance key: one 32-byte master key in a file only the
 * server's user can read, from which every other key weir uses is derived
 * (crypto_kdf, one context per purpose), plus sealing of secrets at rest.
 *
 * Key file format (docs/auth.md), exactly two lines:
 *     weir-instance-key-v1
 *     <the 32-byte master key in standard base64 with padding: 44 characters>
 * The final newline is optional; anything else (other lengths, spaces, CRs,
 * another version) is refused. The file must be a regular file (a symlink to
 * one is followed) with no permission bits for group or others. There is no
 * default key and no fallback: if the file exists but is unusable, the server
 * refuses to start. Losing the file makes every sealed secret and every
 * token/session hash useless. */
#ifndef WEIR_AUTH_KEYS_H
#define WEIR_AUTH_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_KEYFILE_MAGIC   "weir-instance-key-v1"
#define AUTH_KEYFILE_MAX     128 /* bytes read from a key file; a valid one has 65 or 66 */
#define AUTH_SEAL_MAX_BYTES  (1024u * 1024) /* largest secret auth_seal accepts */

/* The derived subkeys; the master key itself is not kept in memory. */
typedef struct auth_keys {
    unsigned char token_hash[32]; /* keyed BLAKE2b of PATs, API keys, session ids */
    unsigned char secrets[32];    /* XChaCha20-Poly1305 for secrets at rest */
    unsigned char session[32];    /* reserved for session-bound MACs */
} auth_keys;

/* Initialise libsodium (idempotent, thread-safe). Every auth_ function that
 * needs it calls it itself; the server may call it once at start-up to fail
 * early. 0, or -1 when libsodium cannot start. */
int auth_init(void);

/* Load the key file at `path`, or create it (mode 0600, via a temporary file
 * linked into place, so a crash never leaves a partial key and an existing
 * file is never overwritten) when it does not exist. Fills *out and sets
 * *created (may be NULL). Returns 0, or -1 with a message in err. */
int auth_keys_load_or_create(const char *path, auth_keys *out, bool *created, char *err, size_t errlen);

/* Derive keys from a master key held in memory (tests, tools). */
void auth_keys_from_master(const unsigned char master[32], auth_keys *out);

/* Overwrite the keys with zeros. */
void auth_keys_wipe(auth_keys *k);

/* Seal `len` bytes of `plain` with the secrets key, bound to `aad` (the
 * secret's place, e.g. "<app_id>/<name>": a ciphertext moved to another place
 * will not open). XChaCha20-Poly1305-IETF with a random 192-bit nonce.
 * *b64_out is URL-safe base64 without padding of  0x01 | nonce | ciphertext+tag;
 * the caller frees it. Returns 0, or -1 (NULL arguments, len >
 * AUTH_SEAL_MAX_BYTES, out of memory). */
int auth_seal(const auth_keys *k, const char *aad, const unsigned char *plain, size_t len, char **b64_out);

/* Open what auth_seal made with the same keys and aad. On success *plain is a
 * malloc'd buffer of *len bytes plus a terminating NUL (not counted); the
 * caller should sodium_memzero it before free(). Returns 0, or -1 on any
 * failure (bad base64, wrong version, wrong key, wrong aad, tampering), with
 * *plain = NULL and *len = 0. */
int auth_unseal(const auth_keys *k, const char *aad, const char *b64, unsigned char **plain, size_t *len);

#endif
