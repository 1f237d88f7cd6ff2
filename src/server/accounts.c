/* accounts.c — see accounts.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "server/accounts.h"

bool accounts_email_normal(const char *in, char out[ACCOUNT_EMAIL_MAX + 1]) {
    if (!in) return false;
    size_t n = strlen(in);
    if (n < 3 || n > ACCOUNT_EMAIL_MAX) return false;
    const char *at = strchr(in, '@');
    if (!at || at == in || !at[1] || strchr(at + 1, '@')) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= ' ' || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\') return false;
        out[i] = (char)tolower(c);
    }
    out[n] = 0;
    return true;
}

int accounts_user_add(db *d, const char *email, const char *password, bool admin, char id_out[ID_MAX], char *err, size_t n) {
    char em[ACCOUNT_EMAIL_MAX + 1];
    if (!accounts_email_normal(email, em)) return snprintf(err, n, "not a valid e-mail address"), -1;
    char *hash = NULL;
    if (auth_password_hash(password, &hash, err, n) != 0) return -1;
    id_new("usr", id_out);
    db_val p[] = {DB_TEXT(id_out), DB_TEXT(em), DB_TEXT(hash), DB_INT(admin ? 1 : 0), DB_INT(now_us())};
    db_err e;
    int rc = db_exec(d, "INSERT INTO users (id, email, password_hash, instance_admin, created_at) VALUES ($1, $2, $3, $4, $5)",
                     p, 5, NULL, &e);
    free(hash);
    if (rc == DB_CONFLICT) return snprintf(err, n, "a user with this e-mail exists"), DB_CONFLICT;
    if (rc < 0) return snprintf(err, n, "%s", e.msg), -1;
    return 0;
}

int accounts_user_find(db *d, const char *email, char id_out[ID_MAX], char *err, size_t n) {
    char em[ACCOUNT_EMAIL_MAX + 1];
    if (!accounts_email_normal(email, em)) return 0;
    db_rows *rows = NULL;
    db_err e;
    db_val p[] = {DB_TEXT(em)};
    if (db_exec(d, "SELECT id FROM users WHERE email = $1", p, 1, &rows, &e) < 0) return snprintf(err, n, "%s", e.msg), -1;
    int found = db_rows_count(rows) == 1;
    if (found) snprintf(id_out, ID_MAX, "%s", db_rows_text(rows, 0, 0));
    db_rows_free(rows);
    return found;
}

int accounts_token_create(db *d, const auth_keys *k, const char *user_id, const char *name, int64_t expires_at, perm_set scopes,
                          char token_out[AUTH_TOKEN_MAX], char id_out[ID_MAX], char *err, size_t n) {
    if (!name || !*name || strlen(name) > TOKEN_NAME_MAX) return snprintf(err, n, "a token needs a name of 1 to %d bytes", TOKEN_NAME_MAX), -1;
    if (!scopes) return snprintf(err, n, "a token needs at least one scope"), -1;
    if (expires_at <= now_us()) return snprintf(err, n, "a token needs an expiry in the future"), -1;
    auth_token_new(AUTH_TOK_PAT, token_out);
    char hash[65];
    auth_token_hash(k, token_out, hash);
    id_new("tok", id_out);
    char *st = perm_set_to_text(scopes);
    db_val p[] = {DB_TEXT(id_out), DB_TEXT(hash), DB_TEXT(user_id), DB_TEXT(name), DB_TEXT(st), DB_INT(now_us()), DB_INT(expires_at)};
    db_err e;
    int rc = db_exec(d, "INSERT INTO tokens (id, token_hash, user_id, name, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                     p, 7, NULL, &e);
    free(st);
    if (rc < 0) {
        explicit_bzero(token_out, AUTH_TOKEN_MAX);
        return snprintf(err, n, "%s", e.msg), -1;
    }
    return 0;
}

int64_t accounts_parse_duration(const char *s) {
    if (!s || !*s) return -1;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v <= 0 || v > 100000) return -1;
    if (!*end || !strcmp(end, "d")) return v * 86400;
    if (!strcmp(end, "h")) return v * 3600;
    if (!strcmp(end, "m")) return v * 60;
    if (!strcmp(end, "s")) return v;
    return -1;
}
