/* password.h — password hashing for local accounts: argon2id through
 * libsodium's crypto_pwhash_str_alg, the encoded "$argon2id$v=19$m=…,t=…,p=…$
 * salt$hash" string being the only form stored. */
#ifndef WEIR_AUTH_PASSWORD_H
#define WEIR_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_PASSWORD_MIN 12   /* bytes; shorter passwords are refused when set */
#define AUTH_PASSWORD_MAX 1024 /* bytes; longer input is refused (and never verifies) */

/* Set the argon2id cost used for new hashes, dummy verifies and
 * needs_rehash, process-wide. Defaults: OPSLIMIT_INTERACTIVE (2 passes) and
 * MEMLIMIT_INTERACTIVE (64 MiB). Values are clamped to libsodium's argon2id
 * MIN/MAX. Tests and benchmarks lower it; an operator could raise it. */
void auth_password_set_cost(unsigned long long opslimit, size_t memlimit);

/* Hash a new password. On success *hash_out is a malloc'd NUL-terminated
 * string (the caller frees it) and 0 is returned; -1 with a message in err
 * when the password is NULL, shorter than AUTH_PASSWORD_MIN or longer than
 * AUTH_PASSWORD_MAX bytes, or hashing runs out of memory. */
int auth_password_hash(const char *pw, char **hash_out, char *err, size_t errlen);

/* true when pw matches the stored argon2id hash. false for NULL arguments,
 * a hash that is not argon2id, or a pw longer than AUTH_PASSWORD_MAX. The
 * minimum length is not checked here, so a policy raised later does not lock
 * anyone out. */
bool auth_password_verify(const char *hash, const char *pw);

/* true when the hash should be replaced (after a successful verify): not
 * argon2id, unparsable, or made with a cost other than the current one. */
bool auth_password_needs_rehash(const char *hash);

/* Spend the time a verify would (argon2id at the current cost, on a random
 * salt) and discard the result: called for an unknown account, so a login's
 * timing does not reveal whether the e-mail exists. Stored hashes made at an
 * older cost take a different time; rehash on login keeps them current. */
void auth_password_dummy_verify(const char *pw);

#endif
