/* accounts.h — users and personal access tokens, shared by the API
 * (r_auth.c) and the operator CLI (`weir user add`, `weir token create`),
 * so both apply the same rules. */
#ifndef WEIR_SRV_ACCOUNTS_H
#define WEIR_SRV_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/keys.h"
#include "auth/rbac.h"
#include "auth/token.h"
#include "base/ids.h"
#include "store/db.h"

#define ACCOUNT_EMAIL_MAX 254
#define TOKEN_NAME_MAX    100

/* Lower-cased copy of a plausible e-mail address into out, or false. */
bool accounts_email_normal(const char *in, char out[ACCOUNT_EMAIL_MAX + 1]);

/* Create a user (argon2id password). Returns 0, DB_CONFLICT when the e-mail
 * is taken, or -1 with a message. */
int accounts_user_add(db *d, const char *email, const char *password, bool instance_admin,
                      char id_out[ID_MAX], char *err, size_t errlen);
/* Find a user id by e-mail: 1 found, 0 not, <0 store error. */
int accounts_user_find(db *d, const char *email, char id_out[ID_MAX], char *err, size_t errlen);

/* Create a PAT for user: a new weirp_ secret (token_out, shown once), stored
 * as its keyed hash. expires_at is mandatory (µs). */
int accounts_token_create(db *d, const auth_keys *k, const char *user_id, const char *name, int64_t expires_at,
                          perm_set scopes, char token_out[AUTH_TOKEN_MAX], char id_out[ID_MAX], char *err, size_t errlen);

/* Parse "30d", "12h", "90m", "45s" or a plain number of days; seconds or -1. */
int64_t accounts_parse_duration(const char *s);

#endif
