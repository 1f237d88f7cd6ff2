/* oidc_config.c — the "oidc_providers" array of the config file (oidc.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/oidc.h"
#include "base/ids.h"

#define SECRET_FILE_MAX 4096   /* bytes of a client_secret_file */
#define TEXT_MAX 2048          /* any other configured string */

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* A printable ASCII string of 1..max bytes (no control characters). */
static bool text_ok(const char *s, size_t max) {
    if (!s || !*s || strlen(s) > max) return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return false;
    return true;
}

static bool id_ok(const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 32 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9'))) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-')) return false;
    return true;
}

/* A scope token (RFC 6749 §3.3): %x21 / %x23-5B / %x5D-7E. */
static bool scope_token_ok(const char *s) {
    if (!s || !*s || strlen(s) > 128) return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x21 || *p == 0x22 || *p == 0x5c || *p > 0x7e) return false;
    return true;
}

/* The host of an absolute URL after "scheme://", copied without brackets or port. */
static bool url_host(const char *after_scheme, char *host, size_t n) {
    const char *end = after_scheme + strcspn(after_scheme, "/?#");
    if (memchr(after_scheme, '@', (size_t)(end - after_scheme))) return false;  /* no user-info */
    const char *h = after_scheme, *he;
    if (*h == '[') {
        he = memchr(h, ']', (size_t)(end - h));
        if (!he) return false;
        h++;
    } else {
        he = memchr(h, ':', (size_t)(end - h));
        if (!he) he = end;
    }
    size_t l = (size_t)(he - h);
    if (l == 0 || l >= n) return false;
    memcpy(host, h, l);
    host[l] = 0;
    return true;
}

static bool host_is_loopback_literal(const char *host) {
    unsigned char a[16];
    if (inet_pton(AF_INET, host, a) == 1) return a[0] == 127;
    if (inet_pton(AF_INET6, host, a) == 1) {
        static const unsigned char one[16] = {[15] = 1};
        return memcmp(a, one, 16) == 0;
    }
    return false;
}

bool oidc_url_ok(const char *url) {
    if (!url || strlen(url) > TEXT_MAX || !text_ok(url, TEXT_MAX) || strchr(url, '#') || strchr(url, ' ')) return false;
    char host[256];
    if (!strncmp(url, "https://", 8)) return url_host(url + 8, host, sizeof host);
    if (!strncmp(url, "http://", 7)) return url_host(url + 7, host, sizeof host) && host_is_loopback_literal(host);
    return false;
}

static const char *str_of(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static int read_secret_file(const char *path, char **out, char *err, size_t n, const char *where) {
    FILE *f = fopen(path, "re");
    if (!f) return snprintf(err, n, "%s: client_secret_file %s: %s", where, path, strerror(errno)), -1;
    char *buf = calloc(1, SECRET_FILE_MAX + 2);
    size_t got = buf ? fread(buf, 1, SECRET_FILE_MAX + 1, f) : 0;
    fclose(f);
    if (!buf) return snprintf(err, n, "out of memory"), -1;
    if (got > SECRET_FILE_MAX) { free(buf); return snprintf(err, n, "%s: client_secret_file %s is larger than %d bytes", where, path, SECRET_FILE_MAX), -1; }
    while (got && (buf[got - 1] == '\n' || buf[got - 1] == '\r' || buf[got - 1] == ' ' || buf[got - 1] == '\t')) buf[--got] = 0;
    if (!got || strlen(buf) != got || !text_ok(buf, SECRET_FILE_MAX)) {
        free(buf);
        return snprintf(err, n, "%s: client_secret_file %s must hold the secret on one line", where, path), -1;
    }
    *out = buf;
    return 0;
}

static bool only_keys(const json_t *o, const char *const *allowed, const char **bad) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++) ok = !strcmp(*a, k);
        if (!ok) { *bad = k; return false; }
    }
    return true;
}

static int int_opt(const json_t *o, const char *k, int64_t def, int64_t min, int64_t max, int64_t *out, const char *w, char *err, size_t n) {
    json_t *v = json_object_get(o, k);
    if (!v) { *out = def; return 0; }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return snprintf(err, n, "%s: %s must be an integer from %lld to %lld", w, k, (long long)min, (long long)max), -1;
    *out = json_integer_value(v);
    return 0;
}

static void provider_clear(oidc_provider *p) {
    free(p->id); free(p->name); free(p->issuer); free(p->client_id); free(p->redirect_url); free(p->scope);
    free(p->groups_claim); free(p->at_audience);
    if (p->client_secret) { explicit_bzero(p->client_secret, strlen(p->client_secret)); free(p->client_secret); }
    for (size_t i = 0; i < p->n_group_roles; i++) {
        free(p->group_roles[i].group); free(p->group_roles[i].app); free(p->group_roles[i].role);
    }
    free(p->group_roles);
    json_decref(p->meta);
    json_decref(p->keys);
}

static int parse_one(const json_t *o, size_t idx, const char *where, oidc_provider *p, char *err, size_t n) {
    static const char *const keys[] = {"id", "name", "issuer", "client_id", "client_secret", "client_secret_file",
                                       "redirect_url", "scopes", "groups_claim", "group_roles", "access_tokens",
                                       "jwks_cache_s", "jwks_min_refresh_s", NULL};
    char w[160];
    const char *bad = NULL;
    snprintf(w, sizeof w, "%s: oidc_providers[%zu]", where, idx);
    if (!json_is_object(o)) return snprintf(err, n, "%s must be an object", w), -1;
    if (!only_keys(o, keys, &bad)) return snprintf(err, n, "%s: unknown key \"%.64s\"", w, bad), -1;
    for (const char *const *k = keys; *k; k++) {
        json_t *v = json_object_get(o, *k);
        bool want_str = strcmp(*k, "scopes") && strcmp(*k, "group_roles") && strcmp(*k, "access_tokens") &&
                        strcmp(*k, "jwks_cache_s") && strcmp(*k, "jwks_min_refresh_s");
        if (v && want_str && !json_is_string(v)) return snprintf(err, n, "%s: %s must be a string", w, *k), -1;
    }
    const char *id = str_of(o, "id");
    if (!id_ok(id)) return snprintf(err, n, "%s: id must be 1 to 32 of a-z 0-9 _ - (starting with a letter or digit)", w), -1;
    snprintf(w, sizeof w, "%s: oidc provider \"%s\"", where, id);
    p->id = strdup(id);
    const char *name = str_of(o, "name");
    if (name && !text_ok(name, 200)) return snprintf(err, n, "%s: name must be 1 to 200 printable characters", w), -1;
    p->name = strdup(name ? name : id);

    const char *iss = str_of(o, "issuer");
    if (!iss || !oidc_url_ok(iss) || strchr(iss, '?'))
        return snprintf(err, n, "%s: issuer must be an https URL without query or fragment (http only on a loopback IP literal: 127.0.0.1, [::1])", w), -1;
    p->issuer = strdup(iss);

    const char *cid = str_of(o, "client_id");
    if (!text_ok(cid, 512)) return snprintf(err, n, "%s: client_id is required", w), -1;
    p->client_id = strdup(cid);
    const char *cs = str_of(o, "client_secret"), *csf = str_of(o, "client_secret_file");
    if ((cs != NULL) == (csf != NULL)) return snprintf(err, n, "%s: exactly one of client_secret and client_secret_file is required", w), -1;
    if (cs) {
        if (!text_ok(cs, SECRET_FILE_MAX)) return snprintf(err, n, "%s: client_secret must be printable text", w), -1;
        p->client_secret = strdup(cs);
    } else if (read_secret_file(csf, &p->client_secret, err, n, w) != 0) return -1;

    const char *ru = str_of(o, "redirect_url");
    char suffix[96];
    snprintf(suffix, sizeof suffix, "/api/v1/auth/oidc/%s/callback", id);
    size_t rl = ru ? strlen(ru) : 0, sl = strlen(suffix);
    if (!ru || !oidc_url_ok(ru) || strchr(ru, '?') || rl <= sl || strcmp(ru + rl - sl, suffix) != 0)
        return snprintf(err, n, "%s: redirect_url must be weir's https URL ending in %s (http only on a loopback IP literal)", w, suffix), -1;
    p->redirect_url = strdup(ru);

    json_t *sc = json_object_get(o, "scopes");
    if (sc) {
        if (!json_is_array(sc) || !json_array_size(sc) || json_array_size(sc) > 32)
            return snprintf(err, n, "%s: scopes must be an array of 1 to 32 strings", w), -1;
        size_t len = 0, i;
        json_t *s;
        bool openid = false;
        json_array_foreach(sc, i, s) {
            if (!scope_token_ok(json_string_value(s))) return snprintf(err, n, "%s: scopes[%zu] is not a scope name", w, i), -1;
            openid |= !strcmp(json_string_value(s), "openid");
            len += strlen(json_string_value(s)) + 1;
        }
        if (!openid) return snprintf(err, n, "%s: scopes must include \"openid\"", w), -1;
        p->scope = calloc(1, len + 1);
        if (!p->scope) return snprintf(err, n, "out of memory"), -1;
        json_array_foreach(sc, i, s) {
            if (i) strcat(p->scope, " ");
            strcat(p->scope, json_string_value(s));
        }
    } else p->scope = strdup("openid email profile");

    const char *gc = str_of(o, "groups_claim");
    if (gc && !text_ok(gc, 128)) return snprintf(err, n, "%s: groups_claim must be a claim name", w), -1;
    p->groups_claim = dup_or_null(gc);
    json_t *gr = json_object_get(o, "group_roles");
    if (gr) {
        if (!gc) return snprintf(err, n, "%s: group_roles needs groups_claim", w), -1;
        if (!json_is_array(gr) || json_array_size(gr) > OIDC_GROUP_ROLES_MAX)
            return snprintf(err, n, "%s: group_roles must be an array of at most %d entries", w, OIDC_GROUP_ROLES_MAX), -1;
        p->group_roles = calloc(json_array_size(gr) + 1, sizeof *p->group_roles);
        if (!p->group_roles) return snprintf(err, n, "out of memory"), -1;
        static const char *const gkeys[] = {"group", "app", "role", NULL};
        size_t i;
        json_t *e;
        json_array_foreach(gr, i, e) {
            if (!json_is_object(e) || !only_keys(e, gkeys, &bad))
                return snprintf(err, n, "%s: group_roles[%zu] must be {\"group\", \"app\", \"role\"}", w, i), -1;
            const char *g = str_of(e, "group"), *a = str_of(e, "app"), *ro = str_of(e, "role");
            if (!text_ok(g, 256)) return snprintf(err, n, "%s: group_roles[%zu].group must be a string", w, i), -1;
            if (!a || !id_valid("app", a)) return snprintf(err, n, "%s: group_roles[%zu].app must be an app id (app_…)", w, i), -1;
            if (!text_ok(ro, 64)) return snprintf(err, n, "%s: group_roles[%zu].role must be a role name", w, i), -1;
            if (!strcmp(ro, "owner")) return snprintf(err, n, "%s: group_roles[%zu]: the owner role is never granted by a group", w, i), -1;
            p->group_roles[i] = (oidc_group_role){strdup(g), strdup(a), strdup(ro)};
            p->n_group_roles = i + 1;
        }
    }

    json_t *at = json_object_get(o, "access_tokens");
    if (at) {
        static const char *const akeys[] = {"audience", NULL};
        if (!json_is_object(at) || !only_keys(at, akeys, &bad) || !text_ok(str_of(at, "audience"), 512))
            return snprintf(err, n, "%s: access_tokens must be {\"audience\": \"…\"}", w), -1;
        if (!strcmp(str_of(at, "audience"), cid))
            return snprintf(err, n, "%s: access_tokens.audience must differ from client_id (ID tokens are not access tokens)", w), -1;
        p->at_audience = strdup(str_of(at, "audience"));
    }
    if (int_opt(o, "jwks_cache_s", OIDC_JWKS_TTL_S, 60, 86400, &p->jwks_cache_s, w, err, n) != 0) return -1;
    if (int_opt(o, "jwks_min_refresh_s", OIDC_JWKS_MIN_REFRESH_S, 1, 3600, &p->jwks_min_refresh_s, w, err, n) != 0) return -1;
    if (!p->id || !p->name || !p->issuer || !p->client_id || !p->redirect_url || !p->scope) return snprintf(err, n, "out of memory"), -1;
    return 0;
}

int oidc_providers_parse(const json_t *v, const char *where, oidc_providers **out, char *err, size_t n) {
    *out = NULL;
    if (!json_is_array(v) || json_array_size(v) > OIDC_PROVIDERS_MAX)
        return snprintf(err, n, "%s: oidc_providers must be an array of at most %d providers", where, OIDC_PROVIDERS_MAX), -1;
    oidc_providers *ps = calloc(1, sizeof *ps);
    if (!ps) return snprintf(err, n, "out of memory"), -1;
    ps->v = calloc(json_array_size(v) + 1, sizeof *ps->v);
    if (!ps->v) { free(ps); return snprintf(err, n, "out of memory"), -1; }
    size_t i;
    json_t *o;
    json_array_foreach(v, i, o) {
        oidc_provider *p = &ps->v[i];
        pthread_mutex_init(&p->mu, NULL);
        pthread_mutex_init(&p->fetch_mu, NULL);
        ps->n = i + 1;
        if (parse_one(o, i, where, p, err, n) != 0) { oidc_providers_free(ps); return -1; }
        for (size_t j = 0; j < i; j++) {
            if (!strcmp(ps->v[j].id, p->id)) { snprintf(err, n, "%s: two oidc providers have the id \"%s\"", where, p->id); oidc_providers_free(ps); return -1; }
            if (!strcmp(ps->v[j].issuer, p->issuer)) { snprintf(err, n, "%s: two oidc providers have the issuer %s", where, p->issuer); oidc_providers_free(ps); return -1; }
        }
    }
    *out = ps;
    return 0;
}

void oidc_providers_free(oidc_providers *ps) {
    if (!ps) return;
    for (size_t i = 0; i < ps->n; i++) {
        provider_clear(&ps->v[i]);
        pthread_mutex_destroy(&ps->v[i].mu);
        pthread_mutex_destroy(&ps->v[i].fetch_mu);
    }
    free(ps->v);
    free(ps);
}

oidc_provider *oidc_provider_find(const oidc_providers *ps, const char *id) {
    if (!ps || !id) return NULL;
    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->v[i].id, id)) return &ps->v[i];
    return NULL;
}

oidc_provider *oidc_provider_for_access_token(const oidc_providers *ps, const char *iss) {
    if (!ps || !iss) return NULL;
    for (size_t i = 0; i < ps->n; i++)
        if (ps->v[i].at_audience && !strcmp(ps->v[i].issuer, iss)) return &ps->v[i];
    return NULL;
}
