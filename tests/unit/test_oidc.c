/* test_oidc.c — the OIDC pieces that need no provider: URL rules, the
 * providers configuration, the JWT shape, and oidc_verify against keys put in
 * the cache by hand (tokens signed here with rhonabwy). The flow against a
 * real provider is tests/server/test_oidc.py. */
#include <rhonabwy.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/oidc.h"
#include "base/ids.h"
#include "testutil.h"

/* ---------- URLs and shapes ---------- */

static void test_url_rules(void **state) {
    (void)state;
    const char *ok[] = {"https://idp.example", "https://idp.example/realms/x", "https://idp.example:8443/", "http://127.0.0.1:8080",
                        "http://127.9.9.9/x", "http://[::1]:9000/realm", "https://[2001:db8::1]/", NULL};
    const char *bad[] = {"http://idp.example", "http://localhost:8080", "http://10.0.0.1/", "http://[::2]/", "ftp://idp.example",
                         "https://u:p@idp.example", "https://idp.example#frag", "https://", "http://127.0.0.1@evil.example/",
                         "https://idp.example/a b", "HTTPS://idp.example", "", NULL};
    for (const char **u = ok; *u; u++)
        if (!oidc_url_ok(*u)) fail_msg("refused %s", *u);
    for (const char **u = bad; *u; u++)
        if (oidc_url_ok(*u)) fail_msg("accepted %s", *u);
    assert_false(oidc_url_ok(NULL));
}

static void test_jwt_shape(void **state) {
    (void)state;
    assert_true(oidc_looks_like_jwt("a.b.c"));
    assert_true(oidc_looks_like_jwt("eyJh.eyJz."));  /* alg none: empty signature reaches the checks */
    assert_false(oidc_looks_like_jwt("a.b"));
    assert_false(oidc_looks_like_jwt("a.b.c.d.e"));  /* JWE */
    assert_false(oidc_looks_like_jwt(".b.c"));
    assert_false(oidc_looks_like_jwt("a..c"));
    assert_false(oidc_looks_like_jwt("a.b+.c"));
    assert_false(oidc_looks_like_jwt("weirp_abc"));
    assert_false(oidc_looks_like_jwt(NULL));
    char *big = malloc(OIDC_TOKEN_MAX_BYTES + 8);
    memset(big, 'a', OIDC_TOKEN_MAX_BYTES + 4);
    big[1] = '.', big[3] = '.', big[OIDC_TOKEN_MAX_BYTES + 4] = 0;
    assert_false(oidc_looks_like_jwt(big));
    free(big);
    char *iss = oidc_peek_issuer("eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2kuZXhhbXBsZSJ9.");
    assert_non_null(iss);
    assert_string_equal(iss, "https://i.example");
    free(iss);
    assert_null(oidc_peek_issuer("aaaa.bbbb.cccc"));
}

/* ---------- configuration ---------- */

static const char *GOOD = "[{\"id\":\"corp\",\"issuer\":\"https://idp.example\",\"client_id\":\"weir\",\"client_secret\":\"s\","
                          "\"redirect_url\":\"https://weir.example/api/v1/auth/oidc/corp/callback\"}]";

static int parse(const char *text, oidc_providers **out, char *err, size_t n) {
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    int rc = oidc_providers_parse(j, "test", out, err, n);
    json_decref(j);
    return rc;
}

static void test_config(void **state) {
    (void)state;
    oidc_providers *ps = NULL;
    char err[512];
    assert_int_equal(parse(GOOD, &ps, err, sizeof err), 0);
    oidc_provider *p = oidc_provider_find(ps, "corp");
    assert_non_null(p);
    assert_string_equal(p->name, "corp");
    assert_string_equal(p->scope, "openid email profile");
    assert_int_equal(p->jwks_min_refresh_s, OIDC_JWKS_MIN_REFRESH_S);
    assert_null(p->at_audience);
    assert_null(oidc_provider_for_access_token(ps, "https://idp.example"));
    oidc_providers_free(ps);

    struct { const char *json, *want; } bad[] = {
        {"{}", "array"},
        {"[{\"id\":\"corp\",\"issuer\":\"https://idp.example\",\"client_id\":\"w\",\"client_secret\":\"s\",\"redirect_url\":\"https://w.example/api/v1/auth/oidc/corp/callback\",\"extra\":1}]", "unknown key"},
        {"[{\"id\":\"corp\",\"issuer\":\"https://idp.example\",\"client_id\":\"w\",\"client_secret\":\"s\",\"redirect_url\":\"https://w.example/callback\"}]", "redirect_url"},
        {"[{\"id\":\"corp\",\"issuer\":\"https://idp.example?x=1\",\"client_id\":\"w\",\"client_secret\":\"s\",\"redirect_url\":\"https://w.example/api/v1/auth/oidc/corp/callback\"}]", "issuer"},
        {"[{\"id\":\"corp\",\"issuer\":\"https://idp.example\",\"client_id\":\"w\",\"client_secret\":\"s\",\"redirect_url\":\"https://w.example/api/v1/auth/oidc/corp/callback\",\"scopes\":[\"a b\"]}]", "scope"},
        {"[{\"id\":\"corp\",\"issuer\":\"https://idp.example\",\"client_id\":\"w\",\"client_secret\":\"s\",\"redirect_url\":\"https://w.example/api/v1/auth/oidc/corp/callback\",\"client_secret_file\":\"/x\"}]", "exactly one"},
        {"[{\"id\":\"corp\",\"issuer\":\"https://idp.example\",\"client_id\":\"w\",\"client_secret\":\"s\",\"redirect_url\":\"https://w.example/api/v1/auth/oidc/corp/callback\",\"access_tokens\":{\"audience\":\"w\"}}]", "differ"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ps = NULL;
        err[0] = 0;
        if (parse(bad[i].json, &ps, err, sizeof err) == 0) fail_msg("accepted case %zu", i);
        if (!strstr(err, bad[i].want)) fail_msg("case %zu: %s (want %s)", i, err, bad[i].want);
        assert_null(ps);
    }
}

/* ---------- oidc_verify with cached keys ---------- */

typedef struct fx {
    oidc_providers *ps;
    oidc_provider *p;
    jwk_t *priv, *pub;
} fx;

static int setup_keys(void **state) {
    fx *f = calloc(1, sizeof *f);
    char err[256];
    const char *cfg = "[{\"id\":\"corp\",\"issuer\":\"https://idp.example\",\"client_id\":\"weir\",\"client_secret\":\"s\","
                      "\"redirect_url\":\"https://weir.example/api/v1/auth/oidc/corp/callback\",\"access_tokens\":{\"audience\":\"api\"}}]";
    if (parse(cfg, &f->ps, err, sizeof err) != 0) return -1;
    f->p = &f->ps->v[0];
    r_jwk_init(&f->priv);
    r_jwk_init(&f->pub);
    if (r_jwk_generate_key_pair(f->priv, f->pub, R_KEY_TYPE_RSA, 2048, "k1") != RHN_OK) return -1;
    json_t *pub = r_jwk_export_to_json_t(f->pub);
    json_object_set_new(pub, "alg", json_string("RS256"));
    json_object_set_new(pub, "use", json_string("sig"));
    /* keys cached and fresh, discovery and refreshes held back: no network */
    f->p->keys = json_pack("[o]", pub);
    f->p->keys_at = f->p->keys_try = f->p->meta_try = now_us();
    *state = f;
    return 0;
}

static int teardown_keys(void **state) {
    fx *f = *state;
    r_jwk_free(f->priv);
    r_jwk_free(f->pub);
    oidc_providers_free(f->ps);
    free(f);
    return 0;
}

/* A token signed with the fixture's key (kid k1, RS256) unless alg says otherwise. */
static char *sign(fx *f, json_t *claims, const char *kid) {
    jwt_t *jwt = NULL;
    r_jwt_init(&jwt);
    r_jwt_set_full_claims_json_t(jwt, claims);
    r_jwt_set_sign_alg(jwt, R_JWA_ALG_RS256);
    if (kid) r_jwt_set_header_str_value(jwt, "kid", kid);
    char *t = r_jwt_serialize_signed(jwt, f->priv, 0);
    r_jwt_free(jwt);
    json_decref(claims);
    return t;
}

static json_t *id_claims(int64_t now) {
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", "https://idp.example", "sub", "u1", "aud", "weir",
                     "iat", (json_int_t)now, "exp", (json_int_t)(now + 300), "nonce", "n0nce");
}

static const char *verify(fx *f, const char *tok, oidc_token_kind kind, int64_t now) {
    json_t *c = NULL;
    const char *why = NULL;
    int rc = oidc_verify(f->p, tok, kind, "n0nce", now, &c, &why);
    json_decref(c);
    return rc == OIDC_OK ? "ok" : why;
}

static void test_verify(void **state) {
    fx *f = *state;
    int64_t now = now_us() / 1000000;
    struct { const char *name; json_t *claims; const char *kid; const char *want; } cases[] = {
        {"good", id_claims(now), "k1", "ok"},
        {"expired", json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", "https://idp.example", "sub", "u1", "aud", "weir", "iat", (json_int_t)(now - 500), "exp", (json_int_t)(now - 61), "nonce", "n0nce"), "k1", "expired"},
        {"expired within leeway", json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", "https://idp.example", "sub", "u1", "aud", "weir", "iat", (json_int_t)(now - 100), "exp", (json_int_t)(now - 59), "nonce", "n0nce"), "k1", "ok"},
        {"wrong audience", json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", "https://idp.example", "sub", "u1", "aud", "other", "iat", (json_int_t)now, "exp", (json_int_t)(now + 300), "nonce", "n0nce"), "k1", "bad_audience"},
        {"wrong issuer", json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", "https://idp.example/", "sub", "u1", "aud", "weir", "iat", (json_int_t)now, "exp", (json_int_t)(now + 300), "nonce", "n0nce"), "k1", "bad_issuer"},
        {"nonce", json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", "https://idp.example", "sub", "u1", "aud", "weir", "iat", (json_int_t)now, "exp", (json_int_t)(now + 300), "nonce", "other"), "k1", "nonce_mismatch"},
        {"unknown kid (refresh held back)", id_claims(now), "k2", "unknown_key"},
        {"no kid, one key", id_claims(now), NULL, "ok"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *t = sign(f, cases[i].claims, cases[i].kid);
        assert_non_null(t);
        const char *got = verify(f, t, OIDC_ID_TOKEN, now);
        if (strcmp(got, cases[i].want) != 0) fail_msg("%s: got %s, want %s", cases[i].name, got, cases[i].want);
        free(t);
    }
    /* the ID token is not an access token for audience "api" */
    char *t = sign(f, id_claims(now), "k1");
    assert_string_equal(verify(f, t, OIDC_ACCESS_TOKEN, now), "bad_audience");
    /* flip one signature byte */
    t[strlen(t) - 5] = t[strlen(t) - 5] == 'A' ? 'B' : 'A';
    assert_string_equal(verify(f, t, OIDC_ID_TOKEN, now), "bad_signature");
    free(t);

    /* alg none and HS256 (keyed with anything, the public key included) never reach a key */
    char hs[2048], sig[64];
    json_t *cl = id_claims(now);
    char *payload = json_dumps(cl, JSON_COMPACT);
    json_decref(cl);
    char pb[1024];
    sodium_bin2base64(pb, sizeof pb, (const unsigned char *)payload, strlen(payload), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    free(payload);
    snprintf(hs, sizeof hs, "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.%s", pb);  /* {"alg":"HS256","kid":"k1"} */
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    json_t *pubj = json_array_get(f->p->keys, 0);
    const char *n = json_string_value(json_object_get(pubj, "n"));  /* the public key as the HMAC key */
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)n, strlen(n));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)hs, strlen(hs));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(sig, sizeof sig, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    strcat(hs, ".");
    strcat(hs, sig);
    assert_string_equal(verify(f, hs, OIDC_ID_TOKEN, now), "alg_not_allowed");
    char none[1024];
    snprintf(none, sizeof none, "eyJhbGciOiJub25lIiwia2lkIjoiazEifQ.%s.", "eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIn0");
    assert_string_equal(verify(f, none, OIDC_ID_TOKEN, now), "alg_not_allowed");
    assert_string_equal(verify(f, "e30.e30.e30", OIDC_ID_TOKEN, now), "malformed");  /* {} header: no alg */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_rules),
        cmocka_unit_test(test_jwt_shape),
        cmocka_unit_test(test_config),
        cmocka_unit_test_setup_teardown(test_verify, setup_keys, teardown_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
