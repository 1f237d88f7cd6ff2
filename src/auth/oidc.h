/* oidc.h — weir as an OpenID Connect relying party: the providers the
 * operator configured (oidc_config.c), their discovery documents and signing
 * keys fetched at run time (oidc.c), the code exchange, and the checks of ID
 * tokens and of provider-issued access tokens. The sign-in routes and the
 * linking of identities to users are in src/server/r_oidc.c; docs/auth.md
 * ("Signing in with an identity provider") is the operator's copy.
 *
 * JOSE (JWS parsing, JWK import, signature verification) is rhonabwy's; weir
 * decides which algorithm and which key may be used before rhonabwy sees the
 * token, and checks every claim itself. Tokens are never logged and never put
 * in an error message: failures are one of the stable reason codes below.
 *
 * Thread-safe: providers are shared by every HTTP thread; their cached
 * documents are swapped under a mutex, and fetches are serialised per
 * provider (one at a time, others wait for its result). */
#ifndef WEIR_AUTH_OIDC_H
#define WEIR_AUTH_OIDC_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- limits -------------------------------------------------------------------- */

#define OIDC_PROVIDERS_MAX        16          /* providers in one configuration */
#define OIDC_GROUP_ROLES_MAX      256         /* group_roles entries of one provider */
#define OIDC_HTTP_TIMEOUT_MS      5000u       /* one discovery, JWKS or token request */
#define OIDC_DOC_MAX_BYTES        (256u * 1024) /* a discovery, JWKS or token response */
#define OIDC_DISCOVERY_TTL_S      3600        /* discovery document cache */
#define OIDC_JWKS_TTL_S           3600        /* signing keys cache (default of jwks_cache_s) */
#define OIDC_JWKS_MIN_REFRESH_S   30          /* fetches of the keys at most this often
                                                 (default of jwks_min_refresh_s) */
#define OIDC_JWKS_MAX_KEYS        64          /* keys read from one JWKS */
#define OIDC_LEEWAY_S             60          /* clock skew allowed on exp, nbf, iat */
#define OIDC_ID_TOKEN_MAX_AGE_S   600         /* an ID token's iat may be this old */
#define OIDC_TOKEN_MAX_BYTES      16384       /* a JWT longer than this is refused unread */
#define OIDC_RSA_MIN_BITS         2048        /* smaller RSA keys are not used */
#define OIDC_SUBJECT_MAX          255         /* bytes of `sub` (OpenID Connect Core §2) */
#define OIDC_STATE_TTL_S          600         /* a started sign-in must finish within this */

/* ---- configuration (oidc_config.c) ----------------------------------------------- */

typedef struct oidc_group_role {
    char *group;   /* a value of the groups claim */
    char *app;     /* app id (app_…) */
    char *role;    /* role name in that app (built-in or custom; never owner) */
} oidc_group_role;

typedef struct oidc_provider {
    /* as configured; never changed after loading */
    char *id;               /* [a-z0-9][a-z0-9_-]{0,31}: in URLs and placeholders */
    char *name;             /* shown on the sign-in page */
    char *issuer;           /* exact; https, or http on a loopback IP literal */
    char *client_id;
    char *client_secret;    /* from client_secret or client_secret_file */
    char *redirect_url;     /* …/api/v1/auth/oidc/<id>/callback */
    char *scope;            /* the scopes, space-separated ("openid …") */
    char *groups_claim;     /* NULL: no group mapping */
    oidc_group_role *group_roles;
    size_t n_group_roles;
    char *at_audience;      /* access_tokens.audience; NULL: access tokens not accepted */
    int64_t jwks_cache_s;
    int64_t jwks_min_refresh_s;

    /* run time */
    pthread_mutex_t mu;       /* guards the fields below */
    pthread_mutex_t fetch_mu; /* one fetch at a time */
    json_t *meta;             /* the discovery document, checked */
    int64_t meta_at, meta_try;   /* µs: when fetched; when last tried */
    const char *meta_err;     /* why the last fetch failed (a reason code), or NULL */
    json_t *keys;             /* the JWKS "keys" array */
    int64_t keys_at, keys_try;   /* µs */
    unsigned long keys_fetches;  /* JWKS fetches made (tests, metrics) */
} oidc_provider;

typedef struct oidc_providers {
    size_t n;
    oidc_provider *v;
} oidc_providers;

/* Parse the "oidc_providers" value of the config file (an array). Strict:
 * unknown keys, wrong types, duplicate ids or issuers, an http issuer or
 * redirect URL not on a loopback IP literal, a scope list without "openid",
 * group_roles without groups_claim or naming the owner role are refused.
 * `where` prefixes messages (the file name). 0, or -1 with a message. */
int oidc_providers_parse(const json_t *v, const char *where, oidc_providers **out, char *err, size_t errlen);
void oidc_providers_free(oidc_providers *ps);
/* The provider of that id, or NULL (ps may be NULL). */
oidc_provider *oidc_provider_find(const oidc_providers *ps, const char *id);
/* The provider whose issuer is exactly iss and which accepts access tokens, or NULL. */
oidc_provider *oidc_provider_for_access_token(const oidc_providers *ps, const char *iss);

/* Whether url is absolute https, or http to a loopback IP literal (127.0.0.0/8
 * or [::1]), with no user-info and no fragment. */
bool oidc_url_ok(const char *url);

/* ---- results ------------------------------------------------------------------------ */

typedef enum oidc_rc {
    OIDC_OK = 0,
    OIDC_REFUSED = -1,      /* the token, response or request is not acceptable */
    OIDC_UNAVAILABLE = -2,  /* the provider could not be reached or sent something unusable */
} oidc_rc;

/* ---- discovery and the code flow (oidc.c) ------------------------------------------- */

/* The discovery document (new reference; json_decref it), fetched when not
 * cached or older than OIDC_DISCOVERY_TTL_S (a stale copy is kept when a
 * refresh fails). Its issuer equals the configured one exactly, and its
 * endpoints pass oidc_url_ok. NULL with *reason set when unavailable. */
json_t *oidc_discovery(oidc_provider *p, const char **reason);

/* The authorization request URL (malloc'd): response_type=code, client_id,
 * redirect_uri, scope, state, nonce, code_challenge (S256). */
char *oidc_authorize_url(const json_t *meta, const oidc_provider *p, const char *state, const char *nonce,
                         const char *challenge);

/* Exchange a code at the token endpoint (with the PKCE verifier, client
 * authentication client_secret_basic or client_secret_post as the discovery
 * document allows). *id_token (malloc'd) on OIDC_OK. On OIDC_REFUSED
 * *reason is "exchange_refused" and *provider_error the provider's `error`
 * code (static or "other"); never the response body. */
int oidc_exchange_code(oidc_provider *p, const json_t *meta, const char *code, const char *verifier, char **id_token,
                       const char **reason, char *provider_error, size_t pe_len);

/* 32 random bytes as base64url without padding (43 characters + NUL). */
void oidc_random(char out[44]);
/* base64url(SHA-256(verifier)), the S256 code challenge. */
void oidc_pkce_challenge(const char *verifier, char out[44]);

/* ---- tokens --------------------------------------------------------------------------- */

typedef enum oidc_token_kind { OIDC_ID_TOKEN, OIDC_ACCESS_TOKEN } oidc_token_kind;

/* Verify a JWT issued by p at now_s (seconds since the epoch):
 *   - shape: three base64url parts, at most OIDC_TOKEN_MAX_BYTES; a JSON header
 *     with no `crit`;
 *   - algorithm: RS256/384/512, PS256/384/512, ES256/384/512 or EdDSA; `none`
 *     and every HS* refused; the key the `kid` names (or the only signing key
 *     when there is no kid) must fit it: its `alg` when it has one, its kty
 *     and curve, RSA at least OIDC_RSA_MIN_BITS; an unknown kid refreshes the
 *     JWKS at most once per jwks_min_refresh_s;
 *   - signature (rhonabwy, with that key only; keys in the token's header are
 *     never used or fetched);
 *   - claims: iss equal to the issuer; sub present; exp in the future and nbf
 *     past (OIDC_LEEWAY_S); iat not in the future;
 *   - ID tokens: aud contains client_id, azp (required with several
 *     audiences) equals client_id, iat at most OIDC_ID_TOKEN_MAX_AGE_S old,
 *     nonce equal to `nonce`, typ (if any) not an access-token type;
 *   - access tokens: aud is, or contains, the configured audience.
 * OIDC_OK with *claims (new reference) or an error with *reason, one of:
 * malformed, alg_not_allowed, unknown_key, key_mismatch, bad_signature,
 * bad_issuer, no_subject, bad_audience, bad_azp, expired, not_yet_valid,
 * issued_in_future, too_old, nonce_mismatch, wrong_token_type,
 * provider_unavailable. */
int oidc_verify(oidc_provider *p, const char *token, oidc_token_kind kind, const char *nonce, int64_t now_s,
                json_t **claims, const char **reason);

/* Whether s has the shape of a compact JWS: three non-empty base64url parts
 * (the last may be empty, so `alg: none` tokens reach oidc_verify and are
 * refused there) and at most OIDC_TOKEN_MAX_BYTES. */
bool oidc_looks_like_jwt(const char *s);

/* The `iss` claim of an unverified token (malloc'd), to pick the provider
 * whose keys will verify it; NULL when there is none. */
char *oidc_peek_issuer(const char *token);

#endif
