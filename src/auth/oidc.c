/* oidc.c — discovery, the signing keys, the code exchange and the token
 * checks of oidc.h. */
#include "auth/oidc.h"

#include <rhonabwy.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/internal.h"
#include "auth/token.h"
#include "base/httpc.h"
#include "base/ids.h"
#include "base/strbuf.h"

#define US 1000000LL

/* ---- small helpers ---------------------------------------------------------------- */

void oidc_random(char out[44]) {
    unsigned char b[32];
    auth_sodium_ready();
    randombytes_buf(b, sizeof b);
    sodium_bin2base64(out, 44, b, sizeof b, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(b, sizeof b);
}

void oidc_pkce_challenge(const char *verifier, char out[44]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    auth_sodium_ready();
    crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
    sodium_bin2base64(out, 44, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static bool b64url_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool oidc_looks_like_jwt(const char *s) {
    if (!s) return false;
    size_t n = strlen(s), dots = 0, run = 0;
    if (n > OIDC_TOKEN_MAX_BYTES) return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (run == 0 || ++dots > 2) return false;  /* empty header or payload, or a fourth part */
            run = 0;
        } else if (b64url_char(s[i])) run++;
        else return false;
    }
    return dots == 2;
}

/* Decode base64url part [p, p+len) as a JSON object (duplicate keys refused). */
static json_t *decode_part(const char *p, size_t len) {
    if (!len || len > OIDC_TOKEN_MAX_BYTES) return NULL;
    unsigned char *buf = malloc(len);
    size_t got = 0;
    json_t *j = NULL;
    if (buf && sodium_base642bin(buf, len, p, len, NULL, &got, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0)
        j = json_loadb((const char *)buf, got, JSON_REJECT_DUPLICATES, NULL);
    free(buf);
    if (j && !json_is_object(j)) { json_decref(j); j = NULL; }
    return j;
}

char *oidc_peek_issuer(const char *token) {
    if (!oidc_looks_like_jwt(token)) return NULL;
    const char *a = strchr(token, '.') + 1, *b = strchr(a, '.');
    json_t *claims = decode_part(a, (size_t)(b - a));
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    char *out = iss ? strdup(iss) : NULL;
    json_decref(claims);
    return out;
}

/* Percent-encode everything but RFC 3986 unreserved characters. */
static void sb_urlenc(strbuf *sb, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
            *p == '_' || *p == '~')
            sb_putc(sb, (char)*p);
        else {
            sb_putc(sb, '%');
            sb_putc(sb, hex[*p >> 4]);
            sb_putc(sb, hex[*p & 15]);
        }
    }
}

static void sb_param(strbuf *sb, const char *name, const char *value) {
    if (sb->len && sb->data[sb->len - 1] != '?') sb_putc(sb, '&');
    sb_puts(sb, name);
    sb_putc(sb, '=');
    sb_urlenc(sb, value);
}

/* One request to a provider: the operator configured it, so private and
 * loopback addresses are allowed (metadata addresses never are, netpolicy.h);
 * no redirects; OIDC_HTTP_TIMEOUT_MS; at most OIDC_DOC_MAX_BYTES. The body is
 * parsed as a JSON object into *out (NULL when it is not one). */
static int provider_http(const char *method, const char *url, const json_t *headers, const char *body, long *status, json_t **out) {
    httpc_options opt;
    httpc_options_init(&opt);
    opt.allow_private = true;
    opt.timeout_ms = OIDC_HTTP_TIMEOUT_MS;
    opt.max_response_bytes = OIDC_DOC_MAX_BYTES;
    opt.max_redirects = 0;
    httpc_request_spec req = {.method = method, .url = url, .headers = headers, .body = body, .body_len = body ? strlen(body) : 0};
    httpc_response resp = {0};
    char err[256];
    *out = NULL;
    int rc = httpc_request(&opt, &req, &resp, err, sizeof err);
    if (rc != HTTPC_OK) {
        httpc_response_free(&resp);
        return -1;
    }
    *status = resp.status;
    if (resp.body_is_utf8 && resp.body_len) {
        json_t *j = json_loadb(resp.body, resp.body_len, JSON_REJECT_DUPLICATES, NULL);
        if (json_is_object(j)) *out = j;
        else json_decref(j);
    }
    httpc_response_free(&resp);
    return 0;
}

static bool array_has(const json_t *a, const char *s) {
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return true;
    return false;
}

/* ---- discovery ----------------------------------------------------------------------- */

static bool meta_ok(const oidc_provider *p, const json_t *m) {
    if (!json_is_object(m)) return false;
    const char *iss = json_string_value(json_object_get(m, "issuer"));
    if (!iss || strcmp(iss, p->issuer) != 0) return false;  /* exactly the configured issuer */
    static const char *const urls[] = {"authorization_endpoint", "token_endpoint", "jwks_uri"};
    for (size_t i = 0; i < sizeof urls / sizeof *urls; i++)
        if (!oidc_url_ok(json_string_value(json_object_get(m, urls[i])))) return false;
    json_t *rt = json_object_get(m, "response_types_supported");
    if (json_is_array(rt) && !array_has(rt, "code")) return false;
    json_t *cc = json_object_get(m, "code_challenge_methods_supported");
    if (json_is_array(cc) && !array_has(cc, "S256")) return false;
    return true;
}

json_t *oidc_discovery(oidc_provider *p, const char **reason) {
    int64_t ttl = OIDC_DISCOVERY_TTL_S * US, min = p->jwks_min_refresh_s * US;
    pthread_mutex_lock(&p->mu);
    if (p->meta && now_us() - p->meta_at < ttl) {
        json_t *m = json_incref(p->meta);
        pthread_mutex_unlock(&p->mu);
        return m;
    }
    pthread_mutex_unlock(&p->mu);

    pthread_mutex_lock(&p->fetch_mu);
    pthread_mutex_lock(&p->mu);
    int64_t now = now_us();
    json_t *have = p->meta ? json_incref(p->meta) : NULL;
    bool fresh = have && now - p->meta_at < ttl, may = !p->meta_try || now - p->meta_try >= min;
    if (!fresh && may) p->meta_try = now;
    const char *last_err = p->meta_err;
    pthread_mutex_unlock(&p->mu);
    if (fresh || !may) {
        pthread_mutex_unlock(&p->fetch_mu);
        if (!have) *reason = last_err ? last_err : "provider_unavailable";
        return have;  /* fresh, or the stale copy while fetches are held back */
    }

    strbuf url = STRBUF_INIT;
    size_t il = strlen(p->issuer);
    while (il && p->issuer[il - 1] == '/') il--;
    sb_append(&url, p->issuer, il);
    sb_puts(&url, "/.well-known/openid-configuration");
    long status = 0;
    json_t *doc = NULL;
    int rc = url.oom ? -1 : provider_http("GET", sb_str(&url), NULL, NULL, &status, &doc);
    sb_free(&url);
    if (rc == 0 && status == 200 && meta_ok(p, doc)) {
        pthread_mutex_lock(&p->mu);
        json_decref(p->meta);
        p->meta = json_incref(doc);
        p->meta_at = now_us();
        p->meta_err = NULL;
        pthread_mutex_unlock(&p->mu);
        json_decref(have);
        have = doc;
    } else {
        json_decref(doc);
        /* A document that names another issuer is a misconfiguration or an
         * attack (mix-up): keep the old one only if we had one. */
        const char *why = rc == 0 && status == 200 ? "discovery_mismatch" : "provider_unavailable";
        pthread_mutex_lock(&p->mu);
        p->meta_err = why;
        pthread_mutex_unlock(&p->mu);
        if (!have) *reason = why;
    }
    pthread_mutex_unlock(&p->fetch_mu);
    return have;
}

char *oidc_authorize_url(const json_t *meta, const oidc_provider *p, const char *state, const char *nonce, const char *challenge) {
    const char *ep = json_string_value(json_object_get(meta, "authorization_endpoint"));
    if (!ep) return NULL;
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, ep);
    sb_putc(&sb, strchr(ep, '?') ? '&' : '?');
    sb_param(&sb, "response_type", "code");
    sb_param(&sb, "client_id", p->client_id);
    sb_param(&sb, "redirect_uri", p->redirect_url);
    sb_param(&sb, "scope", p->scope);
    sb_param(&sb, "state", state);
    sb_param(&sb, "nonce", nonce);
    sb_param(&sb, "code_challenge", challenge);
    sb_param(&sb, "code_challenge_method", "S256");
    if (sb.oom) { sb_free(&sb); return NULL; }
    return sb_take(&sb);
}

/* ---- the code exchange ------------------------------------------------------------------ */

/* A provider's `error` value is an ASCII code (RFC 6749 §5.2); anything else is "other". */
static void copy_error_code(const char *e, char *out, size_t n) {
    snprintf(out, n, "other");
    if (!e || !*e || strlen(e) >= n || strlen(e) > 64) return;
    for (const char *c = e; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || *c == '_')) return;
    snprintf(out, n, "%s", e);
}

int oidc_exchange_code(oidc_provider *p, const json_t *meta, const char *code, const char *verifier, char **id_token,
                       const char **reason, char *provider_error, size_t pe_len) {
    *id_token = NULL;
    if (provider_error && pe_len) provider_error[0] = 0;
    const char *ep = json_string_value(json_object_get(meta, "token_endpoint"));
    json_t *methods = json_object_get(meta, "token_endpoint_auth_methods_supported");
    bool basic = !json_is_array(methods) || array_has(methods, "client_secret_basic");
    bool post = json_is_array(methods) && array_has(methods, "client_secret_post");
    if (!ep || (!basic && !post)) { *reason = "no_client_auth"; return OIDC_UNAVAILABLE; }

    strbuf body = STRBUF_INIT;
    sb_param(&body, "grant_type", "authorization_code");
    sb_param(&body, "code", code);
    sb_param(&body, "redirect_uri", p->redirect_url);
    sb_param(&body, "code_verifier", verifier);
    json_t *h = json_pack("{s:s, s:s}", "Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json");
    if (basic) {
        /* RFC 6749 §2.3.1: both parts form-encoded, then base64. */
        strbuf cred = STRBUF_INIT;
        sb_urlenc(&cred, p->client_id);
        sb_putc(&cred, ':');
        sb_urlenc(&cred, p->client_secret);
        size_t bl = sodium_base64_ENCODED_LEN(cred.len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(bl + 8), *hv = malloc(bl + 16);
        if (b64 && hv && !cred.oom) {
            sodium_bin2base64(b64, bl, (const unsigned char *)sb_str(&cred), cred.len, sodium_base64_VARIANT_ORIGINAL);
            snprintf(hv, bl + 16, "Basic %s", b64);
            json_object_set_new(h, "Authorization", json_string(hv));
        }
        if (b64) { sodium_memzero(b64, bl); free(b64); }
        if (hv) { sodium_memzero(hv, bl + 16); free(hv); }
        if (cred.data) sodium_memzero(cred.data, cred.len);
        sb_free(&cred);
    } else {
        sb_param(&body, "client_id", p->client_id);
        sb_param(&body, "client_secret", p->client_secret);
    }
    long status = 0;
    json_t *resp = NULL;
    int rc = body.oom || !h ? -1 : provider_http("POST", ep, h, sb_str(&body), &status, &resp);
    if (body.data) sodium_memzero(body.data, body.len);
    sb_free(&body);
    json_decref(h);
    if (rc != 0 || (status >= 500 && status <= 599) || !resp) {
        json_decref(resp);
        *reason = "provider_unavailable";
        return OIDC_UNAVAILABLE;
    }
    if (status != 200) {
        copy_error_code(json_string_value(json_object_get(resp, "error")), provider_error, pe_len);
        json_decref(resp);
        *reason = "exchange_refused";
        return OIDC_REFUSED;
    }
    const char *tt = json_string_value(json_object_get(resp, "token_type"));
    const char *it = json_string_value(json_object_get(resp, "id_token"));
    if (!it || (tt && strcasecmp(tt, "Bearer") != 0)) {
        json_decref(resp);
        *reason = "no_id_token";
        return OIDC_REFUSED;
    }
    *id_token = strdup(it);
    json_decref(resp);  /* the access and refresh tokens are not used, and not kept */
    return *id_token ? OIDC_OK : OIDC_UNAVAILABLE;
}

/* ---- signing keys -------------------------------------------------------------------------- */

/* Fetch the JWKS unless another thread did since `seen_at`, or the last
 * fetch was less than jwks_min_refresh_s ago. 0: keys changed or someone
 * else fetched; 1: held back (rate limit); -1: the fetch failed. */
static int keys_refresh(oidc_provider *p, int64_t seen_at) {
    pthread_mutex_lock(&p->mu);  /* held back or done already: no discovery either */
    int64_t now0 = now_us();
    int early = p->keys_at > seen_at ? 0 : p->keys_try && now0 - p->keys_try < p->jwks_min_refresh_s * US ? 1 : -1;
    pthread_mutex_unlock(&p->mu);
    if (early >= 0) return early;
    const char *why = NULL;
    json_t *meta = oidc_discovery(p, &why);  /* before fetch_mu: it takes it itself */
    pthread_mutex_lock(&p->fetch_mu);
    pthread_mutex_lock(&p->mu);
    int64_t now = now_us();
    if (p->keys_at > seen_at) {
        pthread_mutex_unlock(&p->mu);
        pthread_mutex_unlock(&p->fetch_mu);
        json_decref(meta);
        return 0;
    }
    if (p->keys_try && now - p->keys_try < p->jwks_min_refresh_s * US) {
        pthread_mutex_unlock(&p->mu);
        pthread_mutex_unlock(&p->fetch_mu);
        json_decref(meta);
        return 1;
    }
    p->keys_try = now;
    p->keys_fetches++;
    pthread_mutex_unlock(&p->mu);

    const char *uri = json_string_value(json_object_get(meta, "jwks_uri"));
    long status = 0;
    json_t *doc = NULL;
    int rc = uri ? provider_http("GET", uri, NULL, NULL, &status, &doc) : -1;
    json_decref(meta);
    json_t *keys = json_object_get(doc, "keys");
    int out = -1;
    if (rc == 0 && status == 200 && json_is_array(keys) && json_array_size(keys) <= OIDC_JWKS_MAX_KEYS) {
        pthread_mutex_lock(&p->mu);
        json_decref(p->keys);
        p->keys = json_incref(keys);
        p->keys_at = now_us();
        pthread_mutex_unlock(&p->mu);
        out = 0;
    }
    json_decref(doc);
    pthread_mutex_unlock(&p->fetch_mu);
    return out;
}

/* Whether a JWK can verify alg: its own alg if it names one, kty and curve. */
static bool key_fits(const json_t *k, const char *alg) {
    const char *kalg = json_string_value(json_object_get(k, "alg"));
    if (kalg && strcmp(kalg, alg) != 0) return false;
    const char *kty = json_string_value(json_object_get(k, "kty")), *crv = json_string_value(json_object_get(k, "crv"));
    if (!kty) return false;
    if (alg[0] == 'R' || alg[0] == 'P') return !strcmp(kty, "RSA");
    if (!strcmp(alg, "ES256")) return !strcmp(kty, "EC") && crv && !strcmp(crv, "P-256");
    if (!strcmp(alg, "ES384")) return !strcmp(kty, "EC") && crv && !strcmp(crv, "P-384");
    if (!strcmp(alg, "ES512")) return !strcmp(kty, "EC") && crv && !strcmp(crv, "P-521");
    if (!strcmp(alg, "EdDSA")) return !strcmp(kty, "OKP") && crv && !strcmp(crv, "Ed25519");
    return false;
}

static bool key_for_signing(const json_t *k) {
    if (!json_is_object(k)) return false;
    const char *use = json_string_value(json_object_get(k, "use"));
    if (use && strcmp(use, "sig") != 0) return false;
    json_t *ops = json_object_get(k, "key_ops");
    if (json_is_array(ops) && !array_has(ops, "verify")) return false;
    return true;
}

/* 1 found (*out: new reference), 0 no such key, -1 the kid's key does not fit alg. */
static int key_pick(const json_t *keys, const char *kid, const char *alg, json_t **out) {
    size_t i, fits = 0;
    json_t *k, *found = NULL;
    bool kid_seen = false;
    json_array_foreach(keys, i, k) {
        if (!key_for_signing(k)) continue;
        if (kid) {
            const char *kk = json_string_value(json_object_get(k, "kid"));
            if (!kk || strcmp(kk, kid) != 0) continue;
            kid_seen = true;
        }
        if (key_fits(k, alg)) {
            fits++;
            if (!found) found = k;
        }
    }
    if (kid ? !found : fits != 1) return kid_seen ? -1 : 0;  /* without a kid the only fitting key, or none */
    *out = json_incref(found);
    return 1;
}

static int key_find(oidc_provider *p, const char *kid, const char *alg, json_t **out, const char **reason) {
    pthread_mutex_lock(&p->mu);
    json_t *keys = json_incref(p->keys);
    int64_t at = p->keys_at;
    pthread_mutex_unlock(&p->mu);
    bool stale = !keys || now_us() - at >= p->jwks_cache_s * US;
    for (int round = 0; round < 2; round++) {
        if (stale) {
            keys_refresh(p, at);
            json_decref(keys);
            pthread_mutex_lock(&p->mu);
            keys = json_incref(p->keys);
            at = p->keys_at;
            pthread_mutex_unlock(&p->mu);
            if (!keys) { *reason = "provider_unavailable"; return OIDC_UNAVAILABLE; }
        }
        int got = key_pick(keys, kid, alg, out);
        if (got == 1) { json_decref(keys); return OIDC_OK; }
        if (got < 0) { json_decref(keys); *reason = "key_mismatch"; return OIDC_REFUSED; }
        if (stale) break;  /* just fetched: the key is really not there */
        stale = true;      /* an unknown kid: the provider may have rotated; refetch (rate-limited) */
    }
    json_decref(keys);
    *reason = "unknown_key";
    return OIDC_REFUSED;
}

/* ---- tokens ------------------------------------------------------------------------------- */

static const char *const ALGS[] = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", NULL};

static bool alg_allowed(const char *alg) {
    for (const char *const *a = ALGS; *a; a++)
        if (!strcmp(*a, alg)) return true;
    return false;  /* none, HS256/384/512 and everything unknown */
}

static bool num_claim(const json_t *c, const char *k, bool required, int64_t *out, bool *present) {
    json_t *v = json_object_get(c, k);
    *present = v != NULL;
    if (!v) return !required;
    if (!json_is_number(v)) return false;
    double d = json_number_value(v);
    if (d != d || d < 0 || d > 1e13) return false;
    *out = (int64_t)d;
    return true;
}

static bool aud_has(const json_t *aud, const char *want, size_t *count) {
    *count = 0;
    if (json_is_string(aud)) {
        *count = 1;
        return !strcmp(json_string_value(aud), want);
    }
    if (!json_is_array(aud)) return false;
    *count = json_array_size(aud);
    return array_has(aud, want);
}

static const char *check_claims(const oidc_provider *p, const json_t *c, oidc_token_kind kind, const char *nonce, int64_t now) {
    const char *iss = json_string_value(json_object_get(c, "iss"));
    if (!iss || strcmp(iss, p->issuer) != 0) return "bad_issuer";
    const char *sub = json_string_value(json_object_get(c, "sub"));
    if (!sub || !*sub || strlen(sub) > OIDC_SUBJECT_MAX) return "no_subject";
    size_t naud = 0;
    json_t *aud = json_object_get(c, "aud");
    if (kind == OIDC_ID_TOKEN) {
        if (!aud_has(aud, p->client_id, &naud)) return "bad_audience";
        json_t *azp = json_object_get(c, "azp");
        if (azp && (!json_is_string(azp) || strcmp(json_string_value(azp), p->client_id) != 0)) return "bad_azp";
        if (naud > 1 && !azp) return "bad_azp";
    } else if (!p->at_audience || !aud_has(aud, p->at_audience, &naud)) return "bad_audience";
    int64_t exp = 0, nbf = 0, iat = 0;
    bool has;
    if (!num_claim(c, "exp", true, &exp, &has)) return "expired";
    if (now >= exp + OIDC_LEEWAY_S) return "expired";
    if (!num_claim(c, "nbf", false, &nbf, &has)) return "not_yet_valid";
    if (has && nbf > now + OIDC_LEEWAY_S) return "not_yet_valid";
    if (!num_claim(c, "iat", kind == OIDC_ID_TOKEN, &iat, &has)) return "malformed";
    if (has && iat > now + OIDC_LEEWAY_S) return "issued_in_future";
    if (kind == OIDC_ID_TOKEN) {
        if (now - iat > OIDC_ID_TOKEN_MAX_AGE_S + OIDC_LEEWAY_S) return "too_old";
        const char *tn = json_string_value(json_object_get(c, "nonce"));
        if (!nonce || !tn || !auth_ct_streq(tn, nonce)) return "nonce_mismatch";
    }
    return NULL;
}

static bool typ_is_access(const char *typ) {
    return typ && (!strcasecmp(typ, "at+jwt") || !strcasecmp(typ, "application/at+jwt"));
}

static pthread_once_t rhn_once = PTHREAD_ONCE_INIT;
static void rhn_init(void) { r_global_init(); }

int oidc_verify(oidc_provider *p, const char *token, oidc_token_kind kind, const char *nonce, int64_t now_s,
                json_t **claims, const char **reason) {
    *claims = NULL;
    *reason = "malformed";
    if (!oidc_looks_like_jwt(token)) return OIDC_REFUSED;
    pthread_once(&rhn_once, rhn_init);
    json_t *hdr = decode_part(token, (size_t)(strchr(token, '.') - token));
    if (!hdr) return OIDC_REFUSED;
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    json_t *kidv = json_object_get(hdr, "kid"), *typv = json_object_get(hdr, "typ");
    if (json_object_get(hdr, "crit") || (kidv && !json_is_string(kidv)) || (typv && !json_is_string(typv)) || !alg) {
        json_decref(hdr);
        return OIDC_REFUSED;
    }
    if (!alg_allowed(alg)) { json_decref(hdr); *reason = "alg_not_allowed"; return OIDC_REFUSED; }
    const char *typ = json_string_value(typv);
    if (kind == OIDC_ID_TOKEN ? typ_is_access(typ)
                              : typ && !typ_is_access(typ) && strcasecmp(typ, "JWT") && strcasecmp(typ, "application/jwt")) {
        json_decref(hdr);
        *reason = "wrong_token_type";
        return OIDC_REFUSED;
    }
    char algc[8], kidc[256] = "";
    snprintf(algc, sizeof algc, "%s", alg);
    bool has_kid = kidv != NULL;
    if (has_kid && snprintf(kidc, sizeof kidc, "%s", json_string_value(kidv)) >= (int)sizeof kidc) { json_decref(hdr); return OIDC_REFUSED; }
    json_decref(hdr);

    json_t *key = NULL;
    int rc = key_find(p, has_kid ? kidc : NULL, algc, &key, reason);
    if (rc != OIDC_OK) return rc;

    /* rhonabwy: parse with no header keys honoured and nothing fetched, then
     * verify with this one key. */
    jwt_t *jwt = NULL;
    jwk_t *jwk = NULL;
    json_t *kcopy = json_deep_copy(key);
    json_decref(key);
    json_object_del(kcopy, "x5u");
    rc = OIDC_REFUSED;
    unsigned int bits = 0;
    if (!kcopy || r_jwt_init(&jwt) != RHN_OK || r_jwk_init(&jwk) != RHN_OK) { *reason = "malformed"; goto out; }
    if (r_jwt_advanced_parse(jwt, token, R_PARSE_NONE, R_FLAG_IGNORE_REMOTE) != RHN_OK || r_jwt_get_type(jwt) != R_JWT_TYPE_SIGN ||
        r_jwt_get_sign_alg(jwt) != r_str_to_jwa_alg(algc)) { *reason = "malformed"; goto out; }
    if (r_jwk_import_from_json_t(jwk, kcopy) != RHN_OK) { *reason = "key_mismatch"; goto out; }
    int kt = r_jwk_key_type(jwk, &bits, R_FLAG_IGNORE_REMOTE);
    if (!(kt & R_KEY_TYPE_PUBLIC) || (kt & (R_KEY_TYPE_SYMMETRIC | R_KEY_TYPE_HMAC)) ||
        ((kt & R_KEY_TYPE_RSA) && bits < OIDC_RSA_MIN_BITS)) { *reason = "key_mismatch"; goto out; }
    if (r_jwt_verify_signature(jwt, jwk, R_FLAG_IGNORE_REMOTE) != RHN_OK) { *reason = "bad_signature"; goto out; }
    json_t *c = r_jwt_get_full_claims_json_t(jwt);
    if (!json_is_object(c)) { json_decref(c); *reason = "malformed"; goto out; }
    const char *why = check_claims(p, c, kind, nonce, now_s);
    if (why) { json_decref(c); *reason = why; goto out; }
    *claims = c;
    *reason = NULL;
    rc = OIDC_OK;
out:
    json_decref(kcopy);
    r_jwk_free(jwk);
    r_jwt_free(jwt);
    return rc;
}
