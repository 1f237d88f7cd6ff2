/* test_httpc.c — the outbound HTTP client (httpc.h) against a small HTTP
 * server started by this test on 127.0.0.1 (and ::1 when available):
 * address policy (loopback, private, metadata, link-local, numeric IP
 * spellings), schemes, redirects (allow-list, limit, method, credentials),
 * size limits at the edge, timeout, abort, header round trip. The network is
 * closed: nothing here leaves the machine, refused addresses are refused
 * before any packet is sent. */
#include "testserver.h"
#include "testutil.h"

#include "base/httpc.h"
#include "base/limits.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the test server (testserver.h) -------------------------------------- */

static ts_server g4, g6;
static bool g6_ok;

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void h_ok(ts_server *s, int fd, const ts_request *rq) {
    static const char b[] = "{\"ok\":true}";
    ts_reply(fd, 200, "Content-Type: application/json\r\n", b, sizeof b - 1);
}

/* /big/N and /chunked/N: N bytes of 'x', with a Content-Length or chunked. */
static void h_big(ts_server *s, int fd, const ts_request *rq) {
    const char *path = rq->path;
    bool chunked = path[1] == 'c';
    size_t want = strtoul(strchr(path + 1, '/') + 1, NULL, 10);
    char *b = malloc(want + 1);
    memset(b, 'x', want);
    if (!chunked) {
        ts_reply(fd, 200, NULL, b, want);
    } else {
        static const char h[] =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        ts_send_all(fd, h, sizeof h - 1);
        for (size_t off = 0; off < want; off += 300) {
            size_t k = want - off < 300 ? want - off : 300;
            char sz[32];
            int sl = snprintf(sz, sizeof sz, "%zx\r\n", k);
            ts_send_all(fd, sz, (size_t)sl);
            ts_send_all(fd, b + off, k);
            ts_send_all(fd, "\r\n", 2);
        }
        ts_send_all(fd, "0\r\n\r\n", 5);
    }
    free(b);
}

static void h_slow(ts_server *s, int fd, const ts_request *rq) {
    ts_nap(s, 3000);
    ts_reply(fd, 200, NULL, "late", 4);
}

/* headers and part of the body, then nothing */
static void h_stall(ts_server *s, int fd, const ts_request *rq) {
    static const char h[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial";
    ts_send_all(fd, h, sizeof h - 1);
    ts_nap(s, 3000);
}

/* /r/K: K redirects in a row, then "done". */
static void h_chain(ts_server *s, int fd, const ts_request *rq) {
    int k = atoi(rq->path + 3);
    if (k <= 0) {
        ts_reply(fd, 200, NULL, "done", 4);
    } else {
        char loc[64];
        snprintf(loc, sizeof loc, "Location: /r/%d\r\n", k - 1);
        ts_reply(fd, 302, loc, "", 0);
    }
}

/* /to/TARGET: a 302 to TARGET; /s/CODE/TARGET: a CODE to TARGET. */
static void h_redirect(ts_server *s, int fd, const ts_request *rq) {
    const char *path = rq->path;
    int code = 302;
    const char *target = path + 4;
    if (path[1] == 's') {
        code = atoi(path + 3);
        target = strchr(path + 3, '/') + 1;
    }
    char *loc = NULL;
    assert_true(asprintf(&loc, "Location: %s\r\n", target) > 0);
    ts_reply(fd, code, loc, "", 0);
    free(loc);
}

static void h_echo(ts_server *s, int fd, const ts_request *rq) {
    ts_reply(fd, 200,
             "Content-Type: text/plain\r\nX-Multi: a\r\nx-multi: b\r\nX-Mixed-CASE: Value\r\n"
             "X-Folded: one\r\n  two\r\nX-Latin: caf\xe9\r\n",
             rq->raw, rq->raw_len);
}

static void h_utf8bad(ts_server *s, int fd, const ts_request *rq) { ts_reply(fd, 200, NULL, "ab\xff\xfe", 4); }

static void h_nul(ts_server *s, int fd, const ts_request *rq) { ts_reply(fd, 200, NULL, "a\0b", 3); }

static void h_bighead(ts_server *s, int fd, const ts_request *rq) {
    size_t hn = 300, line = 1024;
    char *h = malloc(hn * (line + 16) + 1);
    size_t w = 0;
    for (size_t i = 0; i < hn; i++) {
        w += (size_t)sprintf(h + w, "X-H%zu: ", i);
        memset(h + w, 'a', line);
        w += line;
        h[w++] = '\r';
        h[w++] = '\n';
    }
    h[w] = '\0';
    ts_reply(fd, 200, h, "", 0);
    free(h);
}

static const ts_route routes[] = {
    {"/ok", false, h_ok},           {"/big/", true, h_big},           {"/chunked/", true, h_big},
    {"/slow", false, h_slow},       {"/stall", false, h_stall},       {"/r/", true, h_chain},
    {"/to/", true, h_redirect},     {"/s/", true, h_redirect},        {"/echo", false, h_echo},
    {"/utf8bad", false, h_utf8bad}, {"/nul", false, h_nul},           {"/bighead", false, h_bighead},
    {NULL, false, NULL},
};

static int group_setup(void **state) {
    (void)state;
    /* a proxy in the environment must be ignored by httpc */
    setenv("http_proxy", "http://127.0.0.1:1", 1);
    setenv("HTTPS_PROXY", "http://127.0.0.1:1", 1);
    setenv("ALL_PROXY", "http://127.0.0.1:1", 1);
    if (!ts_start(&g4, AF_INET, routes)) return -1;
    g6_ok = ts_start(&g6, AF_INET6, routes);
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    ts_stop(&g4);
    if (g6_ok) ts_stop(&g6);
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static char *url4(const char *fmt_path) {
    char *u = NULL;
    assert_true(asprintf(&u, "http://127.0.0.1:%d%s", g4.port, fmt_path) > 0);
    return u;
}

static httpc_options opts(bool allow_private) {
    httpc_options o;
    httpc_options_init(&o);
    o.allow_private = allow_private;
    o.timeout_ms = 10000;
    return o;
}

static int get(const httpc_options *o, const char *url, httpc_response *r, char *err,
               size_t errlen) {
    httpc_request_spec q = {.method = "GET", .url = url};
    return httpc_request(o, &q, r, err, errlen);
}

#define ERRSZ 512

/* ---- address policy ----------------------------------------------------- */

static void test_loopback_denied_by_default(void **state) {
    (void)state;
    httpc_options o = opts(false);
    char *u = url4("/ok?token=SECRET");
    httpc_response r;
    char err[ERRSZ];
    int before = atomic_load(&g4.hits);
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_DENIED);
    assert_non_null(strstr(err, "loopback"));
    assert_null(strstr(err, "SECRET"));
    assert_null(strstr(err, "/ok"));
    assert_int_equal(atomic_load(&g4.hits), before);   /* no request reached the server */
    assert_null(r.body);
    assert_null(r.headers);
    httpc_response_free(&r);
    free(u);

    /* defaults (NULL options) refuse too */
    u = url4("/ok");
    httpc_request_spec q = {.url = u};
    assert_int_equal(httpc_request(NULL, &q, &r, err, sizeof err), HTTPC_DENIED);
    free(u);
}

static void test_allow_private_works(void **state) {
    (void)state;
    httpc_options o = opts(true);
    char *u = url4("/ok");
    httpc_response r;
    char err[ERRSZ];
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 11);
    assert_string_equal(r.body, "{\"ok\":true}");
    assert_true(r.body_is_utf8);
    assert_int_equal(r.redirects, 0);
    assert_string_equal(json_string_value(json_object_get(r.headers, "content-type")),
                        "application/json");
    httpc_response_free(&r);
    assert_null(r.body);
    free(u);

    /* a 404 is still a response */
    u = url4("/missing");
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_OK);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "nope");
    httpc_response_free(&r);
    free(u);
}

static void test_never_allowed_addresses(void **state) {
    (void)state;
    httpc_options o = opts(true);
    o.timeout_ms = 3000;
    static const struct { const char *url; const char *cls; } cases[] = {
        {"http://169.254.169.254/latest/meta-data/", "metadata"},
        {"http://169.254.170.2/v2/credentials", "metadata"},
        {"http://[fd00:ec2::254]/", "metadata"},
        {"http://[::ffff:169.254.169.254]/", "metadata"},
        {"http://0xa9fea9fe/", "metadata"},
        {"http://2852039166/", "metadata"},
        {"http://169.254.1.1/", "link-local"},
        {"http://[fe80::1]/", "link-local"},
        {"http://[fe80::1%25lo]/", "link-local"},
        {"http://0.0.0.0/", "unspecified"},
        {"http://[::]/", "unspecified"},
        {"http://224.0.0.1/", "multicast"},
        {"http://255.255.255.255/", "reserved"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        httpc_response r;
        char err[ERRSZ];
        uint64_t t0 = now_ms();
        int rc = get(&o, cases[i].url, &r, err, sizeof err);
        if (rc != HTTPC_DENIED)
            fail_msg("%s: got %s (%s)", cases[i].url, httpc_strerror(rc), err);
        if (!strstr(err, cases[i].cls)) fail_msg("%s: message '%s'", cases[i].url, err);
        assert_true(now_ms() - t0 < 2000);           /* refused before connecting */
        httpc_response_free(&r);
    }
}

/* Decimal, octal, hex and short IPv4 spellings all reach 127.0.0.1 and are
 * caught on the resolved address. */
static void test_numeric_loopback_forms(void **state) {
    (void)state;
    static const char *const hosts[] = {
        "2130706433", "0x7f.1", "017700000001", "0x7f000001", "127.1", "0177.0.0.1",
        "localhost", "LOCALHOST", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
    };
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        char *u = NULL;
        assert_true(asprintf(&u, "http://%s:%d/ok", hosts[i], g4.port) > 0);
        httpc_options o = opts(false);
        httpc_response r;
        char err[ERRSZ];
        int rc = get(&o, u, &r, err, sizeof err);
        if (rc != HTTPC_DENIED) fail_msg("%s: got %s (%s)", u, httpc_strerror(rc), err);
        assert_non_null(strstr(err, "loopback"));
        httpc_response_free(&r);
        /* and they really are the loopback: allowed, they reach our server */
        if (hosts[i][0] != '[') {
            o = opts(true);
            rc = get(&o, u, &r, err, sizeof err);
            if (rc != HTTPC_OK) fail_msg("%s with allow_private: %s (%s)", u,
                                         httpc_strerror(rc), err);
            assert_string_equal(r.body, "{\"ok\":true}");
            httpc_response_free(&r);
        }
        free(u);
    }
}

static void test_ipv6_loopback(void **state) {
    (void)state;
    if (!g6_ok) skip();
    char *u = NULL;
    assert_true(asprintf(&u, "http://[::1]:%d/ok", g6.port) > 0);
    httpc_options o = opts(false);
    httpc_response r;
    char err[ERRSZ];
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_DENIED);
    assert_non_null(strstr(err, "loopback"));
    o = opts(true);
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_OK);
    assert_int_equal(r.status, 200);
    httpc_response_free(&r);
    free(u);
}

/* ---- schemes and malformed requests ------------------------------------- */

static void test_schemes(void **state) {
    (void)state;
    httpc_options o = opts(true);
    static const char *const denied[] = {
        "ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1/", "dict://127.0.0.1/",
        "ldap://127.0.0.1/", "FILE:///etc/passwd", "smtp://127.0.0.1/", "ws://127.0.0.1/",
    };
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
        httpc_response r;
        char err[ERRSZ];
        int rc = get(&o, denied[i], &r, err, sizeof err);
        if (rc != HTTPC_DENIED) fail_msg("%s: got %s (%s)", denied[i], httpc_strerror(rc), err);
        assert_non_null(strstr(err, "scheme"));
    }
    static const char *const bad[] = {
        "", "127.0.0.1/ok", "http://", "not a url", "http://[::1/",
        "http://127.0.0.1:99999/",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        httpc_response r;
        char err[ERRSZ];
        int rc = get(&o, bad[i], &r, err, sizeof err);
        if (rc != HTTPC_BAD_REQUEST && rc != HTTPC_DENIED)
            fail_msg("'%s': got %s (%s)", bad[i], httpc_strerror(rc), err);
    }
}

static void test_bad_requests(void **state) {
    (void)state;
    httpc_options o = opts(true);
    char *u = url4("/ok");
    httpc_response r;
    char err[ERRSZ];
    static const char *const bad_headers[] = {
        "{\"X-A\": \"a\\r\\nX-Injected: 1\"}", "{\"X-A\": \"a\\nb\"}", "{\"X-A\": \"a\\u0000b\"}",
        "{\"Host\": \"internal\"}", "{\"content-length\": \"5\"}",
        "{\"Transfer-Encoding\": \"chunked\"}", "{\"X-A\": 5}", "{\"bad name\": \"x\"}",
        "{\"\": \"x\"}", "{\"X:Y\": \"x\"}", "[\"X-A\"]",
    };
    for (size_t i = 0; i < sizeof bad_headers / sizeof bad_headers[0]; i++) {
        json_error_t je;
        json_t *h = json_loads(bad_headers[i], JSON_ALLOW_NUL, &je);
        assert_non_null(h);
        httpc_request_spec q = {.method = "GET", .url = u, .headers = h};
        int rc = httpc_request(&o, &q, &r, err, sizeof err);
        if (rc != HTTPC_BAD_REQUEST) fail_msg("%s: got %s", bad_headers[i], httpc_strerror(rc));
        json_decref(h);
    }
    static const char *const bad_methods[] = {"GE T", "", "GET\r\n", "CONNECT", "G(ET)"};
    for (size_t i = 0; i < sizeof bad_methods / sizeof bad_methods[0]; i++) {
        httpc_request_spec q = {.method = bad_methods[i], .url = u};
        assert_int_equal(httpc_request(&o, &q, &r, err, sizeof err), HTTPC_BAD_REQUEST);
    }
    httpc_options z;
    memset(&z, 0, sizeof z);                 /* timeout 0 */
    httpc_request_spec q = {.url = u};
    assert_int_equal(httpc_request(&z, &q, &r, err, sizeof err), HTTPC_BAD_REQUEST);
    httpc_options neg = opts(true);
    neg.max_redirects = -1;
    assert_int_equal(httpc_request(&neg, &q, &r, err, sizeof err), HTTPC_BAD_REQUEST);
    assert_int_equal(httpc_request(&o, NULL, &r, err, sizeof err), HTTPC_BAD_REQUEST);
    assert_int_equal(httpc_request(&o, &q, NULL, err, sizeof err), HTTPC_BAD_REQUEST);
    q.body_len = 3;                          /* length without body */
    assert_int_equal(httpc_request(&o, &q, &r, err, sizeof err), HTTPC_BAD_REQUEST);
    /* an overlong URL */
    size_t L = HTTP_MAX_URL_BYTES + 1;
    char *longu = malloc(L + 1);
    memset(longu, 'a', L);
    memcpy(longu, "http://127.0.0.1/", 17);
    longu[L] = '\0';
    httpc_request_spec ql = {.url = longu};
    assert_int_equal(httpc_request(&o, &ql, &r, err, sizeof err), HTTPC_BAD_REQUEST);
    free(longu);
    /* no err buffer at all is fine */
    httpc_request_spec qf = {.url = "ftp://x/"};
    assert_int_equal(httpc_request(&o, &qf, &r, NULL, 0), HTTPC_DENIED);
    free(u);
}

/* Messages name the host, never the path, query or user-info. */
static void test_errors_hide_url_secrets(void **state) {
    (void)state;
    httpc_options o = opts(true);
    httpc_response r;
    char err[ERRSZ];
    /* port 1 on loopback: nothing listens, connection refused */
    int rc = get(&o, "http://user:pw-SECRET@127.0.0.1:1/p/SECRET?token=SECRET#SECRET", &r,
                 err, sizeof err);
    assert_int_equal(rc, HTTPC_NETWORK);
    assert_null(strstr(err, "SECRET"));
    assert_non_null(strstr(err, "127.0.0.1"));
    o = opts(false);
    char *u = NULL;
    assert_true(asprintf(&u, "http://user:pw-SECRET@127.0.0.1:%d/SECRET?SECRET", g4.port) > 0);
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_DENIED);
    assert_null(strstr(err, "SECRET"));
    free(u);
    /* a short err buffer is truncated, NUL-terminated */
    char tiny[8];
    memset(tiny, 'Z', sizeof tiny);
    assert_int_equal(get(&o, "http://169.254.169.254/", &r, tiny, sizeof tiny), HTTPC_DENIED);
    assert_int_equal(strlen(tiny), 7);
}

/* ---- redirects ---------------------------------------------------------- */

typedef struct seen {
    char hosts[8][64];
    int n;
    const char *only;       /* the one host allowed */
} seen;

static bool host_ok(void *ud, const char *host) {
    seen *s = ud;
    if (s->n < 8) snprintf(s->hosts[s->n++], 64, "%s", host);
    return strcmp(host, s->only) == 0;
}

static void test_redirect_allow_list(void **state) {
    (void)state;
    seen s = {.only = "127.0.0.1"};
    httpc_options o = opts(true);
    o.host_ok = host_ok;
    o.ud = &s;
    char *u = NULL;
    assert_true(asprintf(&u, "http://127.0.0.1:%d/to/http://localhost:%d/ok", g4.port,
                         g4.port) > 0);
    httpc_response r;
    char err[ERRSZ];
    int before = atomic_load(&g4.hits);
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_DENIED);
    assert_non_null(strstr(err, "localhost"));
    assert_int_equal(s.n, 2);
    assert_string_equal(s.hosts[0], "127.0.0.1");
    assert_string_equal(s.hosts[1], "localhost");
    assert_int_equal(atomic_load(&g4.hits), before + 1);   /* only the first request */
    free(u);

    /* the first URL is checked too */
    s.n = 0;
    s.only = "example.com";
    u = url4("/ok");
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_DENIED);
    assert_int_equal(s.n, 1);
    free(u);

    /* an allowed redirect is followed */
    s.n = 0;
    s.only = "127.0.0.1";
    assert_true(asprintf(&u, "http://127.0.0.1:%d/to/http://127.0.0.1:%d/ok", g4.port,
                         g4.port) > 0);
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.redirects, 1);
    assert_string_equal(r.body, "{\"ok\":true}");
    httpc_response_free(&r);
    free(u);

    /* host names are given lower-cased, IPv6 without brackets */
    s.n = 0;
    s.only = "::1";
    assert_int_equal(get(&o, "http://[::1]:1/", &r, err, sizeof err), HTTPC_NETWORK);
    assert_string_equal(s.hosts[0], "::1");
    s.n = 0;
    s.only = "localhost";
    assert_true(asprintf(&u, "http://LocalHost:%d/ok", g4.port) > 0);
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_OK);
    assert_string_equal(s.hosts[0], "localhost");
    httpc_response_free(&r);
    free(u);
}

static void test_redirect_targets_vetted(void **state) {
    (void)state;
    httpc_options o = opts(true);
    static const char *const targets[] = {
        "http://169.254.169.254/latest/meta-data/", "ftp://127.0.0.1/x", "file:///etc/passwd",
        "gopher://127.0.0.1/", "http://[fe80::1]/",
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        char *u = NULL;
        assert_true(asprintf(&u, "http://127.0.0.1:%d/to/%s", g4.port, targets[i]) > 0);
        httpc_response r;
        char err[ERRSZ];
        int rc = get(&o, u, &r, err, sizeof err);
        if (rc != HTTPC_DENIED) fail_msg("%s: got %s (%s)", u, httpc_strerror(rc), err);
        assert_null(r.body);
        free(u);
    }
    /* a relative redirect resolves against the current URL */
    char *u = url4("/to//ok");
    httpc_response r;
    char err[ERRSZ];
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_OK);
    assert_string_equal(r.body, "{\"ok\":true}");
    httpc_response_free(&r);
    free(u);
}

static void test_redirect_limit(void **state) {
    (void)state;
    httpc_options o = opts(true);
    o.max_redirects = 2;
    httpc_response r;
    char err[ERRSZ];
    char *u = url4("/r/2");
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_OK);
    assert_int_equal(r.redirects, 2);
    assert_string_equal(r.body, "done");
    httpc_response_free(&r);
    free(u);
    u = url4("/r/3");
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_NETWORK);
    assert_non_null(strstr(err, "too many redirects"));
    free(u);
    o.max_redirects = 0;
    u = url4("/r/1");
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_NETWORK);
    free(u);
    u = url4("/r/0");
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_OK);
    httpc_response_free(&r);
    free(u);
    /* the default limit is HTTP_MAX_REDIRECTS */
    httpc_options d = opts(true);
    char path[32];
    snprintf(path, sizeof path, "/r/%d", HTTP_MAX_REDIRECTS);
    u = url4(path);
    assert_int_equal(get(&d, u, &r, err, sizeof err), HTTPC_OK);
    httpc_response_free(&r);
    free(u);
    snprintf(path, sizeof path, "/r/%d", HTTP_MAX_REDIRECTS + 1);
    u = url4(path);
    assert_int_equal(get(&d, u, &r, err, sizeof err), HTTPC_NETWORK);
    free(u);
}

static bool no_get(void *ud, const char *method) {
    (void)ud;
    return strcmp(method, "GET") != 0;
}

static int post(const httpc_options *o, const char *url, const json_t *hdrs,
                httpc_response *r, char *err) {
    httpc_request_spec q = {.method = "POST", .url = url, .headers = hdrs,
                            .body = "payload=1", .body_len = 9};
    return httpc_request(o, &q, r, err, ERRSZ);
}

static void test_redirect_methods(void **state) {
    (void)state;
    httpc_options o = opts(true);
    httpc_response r;
    char err[ERRSZ];
    char *u = NULL;
    static const struct { int code; const char *method; bool body; } cases[] = {
        {301, "GET", false}, {302, "GET", false}, {303, "GET", false},
        {307, "POST", true}, {308, "POST", true},
    };
    json_t *h = json_pack("{s:s}", "Content-Type", "text/plain");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_true(asprintf(&u, "http://127.0.0.1:%d/s/%d/http://127.0.0.1:%d/echo", g4.port,
                             cases[i].code, g4.port) > 0);
        assert_int_equal(post(&o, u, h, &r, err), HTTPC_OK);
        char want[32];
        snprintf(want, sizeof want, "%s /echo ", cases[i].method);
        if (strncmp(r.body, want, strlen(want)) != 0)
            fail_msg("%d: request was '%.40s'", cases[i].code, r.body);
        assert_int_equal(strstr(r.body, "payload=1") != NULL, cases[i].body);
        assert_int_equal(strcasestr(r.body, "Content-Type: text/plain") != NULL, cases[i].body);
        httpc_response_free(&r);
        free(u);
    }
    json_decref(h);

    /* HEAD stays HEAD through a 303 */
    assert_true(asprintf(&u, "http://127.0.0.1:%d/s/303/http://127.0.0.1:%d/ok", g4.port,
                         g4.port) > 0);
    httpc_request_spec q = {.method = "HEAD", .url = u};
    assert_int_equal(httpc_request(&o, &q, &r, err, sizeof err), HTTPC_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    httpc_response_free(&r);
    free(u);

    /* the method allow-list is re-checked after a 303 turned POST into GET */
    o.method_ok = no_get;
    assert_true(asprintf(&u, "http://127.0.0.1:%d/s/303/http://127.0.0.1:%d/echo", g4.port,
                         g4.port) > 0);
    assert_int_equal(post(&o, u, NULL, &r, err), HTTPC_DENIED);
    assert_non_null(strstr(err, "GET"));
    free(u);
    u = url4("/echo");
    httpc_request_spec qg = {.method = "GET", .url = u};
    assert_int_equal(httpc_request(&o, &qg, &r, err, sizeof err), HTTPC_DENIED);
    free(u);
}

static void test_redirect_strips_credentials(void **state) {
    (void)state;
    httpc_options o = opts(true);
    httpc_response r;
    char err[ERRSZ];
    json_t *h = json_pack("{s:s, s:s, s:s}", "Authorization", "Bearer tok-123", "Cookie",
                          "sid=abc", "X-Keep", "kept");
    char *u = NULL;
    /* same origin: kept */
    assert_true(asprintf(&u, "http://127.0.0.1:%d/to/http://127.0.0.1:%d/echo", g4.port,
                         g4.port) > 0);
    httpc_request_spec q = {.method = "GET", .url = u, .headers = h};
    assert_int_equal(httpc_request(&o, &q, &r, err, sizeof err), HTTPC_OK);
    assert_non_null(strstr(r.body, "Bearer tok-123"));
    assert_non_null(strstr(r.body, "sid=abc"));
    httpc_response_free(&r);
    free(u);
    /* another host (localhost): dropped, other headers kept */
    assert_true(asprintf(&u, "http://127.0.0.1:%d/to/http://localhost:%d/echo", g4.port,
                         g4.port) > 0);
    q.url = u;
    assert_int_equal(httpc_request(&o, &q, &r, err, sizeof err), HTTPC_OK);
    assert_null(strstr(r.body, "tok-123"));
    assert_null(strstr(r.body, "sid=abc"));
    assert_non_null(strstr(r.body, "X-Keep: kept"));
    httpc_response_free(&r);
    free(u);
    json_decref(h);
}

/* ---- size limits -------------------------------------------------------- */

static void test_response_size_limit(void **state) {
    (void)state;
    httpc_options o = opts(true);
    o.max_response_bytes = 1000;
    httpc_response r;
    char err[ERRSZ];
    static const char *const ok_paths[] = {"/big/1000", "/chunked/1000", "/big/0"};
    for (size_t i = 0; i < 3; i++) {
        char *u = url4(ok_paths[i]);
        int rc = get(&o, u, &r, err, sizeof err);
        if (rc != HTTPC_OK) fail_msg("%s: %s (%s)", ok_paths[i], httpc_strerror(rc), err);
        assert_int_equal(r.body_len, i == 2 ? 0 : 1000);
        assert_non_null(r.body);
        httpc_response_free(&r);
        free(u);
    }
    static const char *const big_paths[] = {"/big/1001", "/chunked/1001", "/big/100000"};
    for (size_t i = 0; i < 3; i++) {
        char *u = url4(big_paths[i]);
        int rc = get(&o, u, &r, err, sizeof err);
        if (rc != HTTPC_TOO_LARGE) fail_msg("%s: %s (%s)", big_paths[i], httpc_strerror(rc), err);
        assert_null(r.body);
        free(u);
    }
    /* response headers over HTTP_MAX_HEADER_BYTES */
    char *u = url4("/bighead");
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_TOO_LARGE);
    free(u);
    /* a request body over HTTP_MAX_REQUEST_BYTES is refused before sending */
    u = url4("/echo");
    httpc_request_spec q = {.method = "POST", .url = u, .body = "x",
                            .body_len = (size_t)HTTP_MAX_REQUEST_BYTES + 1};
    assert_int_equal(httpc_request(&o, &q, &r, err, sizeof err), HTTPC_TOO_LARGE);
    free(u);
}

/* ---- timeout and abort -------------------------------------------------- */

static void test_timeout(void **state) {
    (void)state;
    httpc_options o = opts(true);
    o.timeout_ms = 300;
    httpc_response r;
    char err[ERRSZ];
    static const char *const paths[] = {"/slow", "/stall"};
    for (size_t i = 0; i < 2; i++) {
        char *u = url4(paths[i]);
        uint64_t t0 = now_ms();
        assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_TIMEOUT);
        uint64_t dt = now_ms() - t0;
        if (dt < 250 || dt > 1000) fail_msg("%s: timed out after %llu ms", paths[i],
                                            (unsigned long long)dt);
        assert_non_null(strstr(err, "timed out"));
        assert_null(r.body);
        free(u);
    }
}

typedef struct abort_at {
    uint64_t at;
    int calls;
} abort_at;

static bool should_abort(void *ud) {
    abort_at *a = ud;
    a->calls++;
    return now_ms() >= a->at;
}

static void test_abort(void **state) {
    (void)state;
    httpc_options o = opts(true);
    o.should_abort = should_abort;
    httpc_response r;
    char err[ERRSZ];
    static const char *const paths[] = {"/slow", "/stall"};
    for (size_t i = 0; i < 2; i++) {
        abort_at a = {.at = now_ms() + 200};
        o.ud = &a;
        char *u = url4(paths[i]);
        assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_ABORTED);
        uint64_t late = now_ms() - a.at;
        if (late > 150) fail_msg("%s: stopped %llu ms after abort", paths[i],
                                 (unsigned long long)late);
        assert_true(a.calls >= 3);
        assert_non_null(strstr(err, "aborted"));
        free(u);
    }
    /* already aborted: nothing is sent */
    abort_at now = {.at = 0};
    o.ud = &now;
    int before = atomic_load(&g4.hits);
    char *u = url4("/ok");
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_ABORTED);
    free(u);
    usleep(50 * 1000);
    assert_int_equal(atomic_load(&g4.hits), before);
}

/* ---- headers and body --------------------------------------------------- */

static void test_headers_round_trip(void **state) {
    (void)state;
    httpc_options o = opts(true);
    httpc_response r;
    char err[ERRSZ];
    char *u = url4("/echo");
    json_t *h = json_pack("{s:s, s:s, s:s, s:s}", "X-Test", "hello world", "Accept",
                          "text/plain", "X-Empty", "", "User-Agent", "custom-agent");
    httpc_request_spec q = {.method = "PUT", .url = u, .headers = h, .body = "B\0DY",
                            .body_len = 4};
    assert_int_equal(httpc_request(&o, &q, &r, err, sizeof err), HTTPC_OK);
    assert_int_equal(r.status, 200);
    /* what the server received */
    assert_int_equal(strncmp(r.body, "PUT /echo HTTP/1.1\r\n", 20), 0);
    assert_non_null(strstr(r.body, "\r\nX-Test: hello world\r\n"));
    assert_non_null(strstr(r.body, "\r\nAccept: text/plain\r\n"));
    assert_non_null(strstr(r.body, "\r\nX-Empty:"));
    assert_non_null(strstr(r.body, "\r\nUser-Agent: custom-agent\r\n"));
    assert_non_null(strstr(r.body, "\r\nContent-Length: 4\r\n"));
    assert_null(strcasestr(r.body, "Accept-Encoding"));
    assert_null(strcasestr(r.body, "Expect:"));
    assert_null(strcasestr(r.body, "Content-Type"));
    assert_null(strcasestr(r.body, "Proxy"));
    assert_memory_equal(r.body + r.body_len - 4, "B\0DY", 4);
    assert_false(r.body_is_utf8);                   /* it contains a NUL */
    /* what came back: names lower-cased, repeats joined, folds unfolded */
    assert_string_equal(json_string_value(json_object_get(r.headers, "x-multi")), "a, b");
    assert_string_equal(json_string_value(json_object_get(r.headers, "x-mixed-case")), "Value");
    assert_string_equal(json_string_value(json_object_get(r.headers, "x-folded")), "one two");
    assert_string_equal(json_string_value(json_object_get(r.headers, "x-latin")),
                        "caf\xef\xbf\xbd");
    assert_string_equal(json_string_value(json_object_get(r.headers, "content-type")),
                        "text/plain");
    assert_null(json_object_get(r.headers, "X-Multi"));
    const char *k;
    json_t *v;
    json_object_foreach(r.headers, k, v) {
        for (const char *c = k; *c; c++) assert_false(*c >= 'A' && *c <= 'Z');
        assert_true(json_is_string(v));
    }
    httpc_response_free(&r);
    json_decref(h);

    /* default user agent, GET sends no body */
    assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_OK);
    assert_int_equal(strncmp(r.body, "GET /echo HTTP/1.1\r\n", 20), 0);
    assert_non_null(strstr(r.body, "\r\nUser-Agent: weir\r\n"));
    assert_null(strcasestr(r.body, "Content-Length"));
    httpc_response_free(&r);
    /* DELETE without a body, custom method */
    httpc_request_spec qd = {.method = "DELETE", .url = u};
    assert_int_equal(httpc_request(&o, &qd, &r, err, sizeof err), HTTPC_OK);
    assert_int_equal(strncmp(r.body, "DELETE /echo ", 13), 0);
    httpc_response_free(&r);
    free(u);
}

static void test_body_utf8(void **state) {
    (void)state;
    httpc_options o = opts(true);
    httpc_response r;
    char err[ERRSZ];
    static const struct { const char *path; bool utf8; size_t len; } cases[] = {
        {"/ok", true, 11}, {"/utf8bad", false, 4}, {"/nul", false, 3}, {"/big/0", true, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *u = url4(cases[i].path);
        assert_int_equal(get(&o, u, &r, err, sizeof err), HTTPC_OK);
        assert_int_equal(r.body_is_utf8, cases[i].utf8);
        assert_int_equal(r.body_len, cases[i].len);
        assert_int_equal(r.body[r.body_len], '\0');
        httpc_response_free(&r);
        free(u);
    }
}

/* ---- threads ------------------------------------------------------------ */

static void *thread_get(void *arg) {
    int *rc = arg;
    httpc_options o = opts(true);
    char *u = url4("/ok");
    httpc_response r;
    char err[ERRSZ];
    *rc = get(&o, u, &r, err, sizeof err);
    if (*rc == HTTPC_OK && strcmp(r.body, "{\"ok\":true}") != 0) *rc = -1;
    httpc_response_free(&r);
    free(u);
    return NULL;
}

static void test_concurrent(void **state) {
    (void)state;
    pthread_t th[8];
    int rc[8];
    for (int i = 0; i < 8; i++) pthread_create(&th[i], NULL, thread_get, &rc[i]);
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rc[i], HTTPC_OK);
    }
}

static void test_strerror(void **state) {
    (void)state;
    for (int c = HTTPC_OK; c <= HTTPC_ABORTED; c++) assert_true(strlen(httpc_strerror(c)) > 0);
    assert_string_equal(httpc_strerror(HTTPC_DENIED), "refused by the network policy");
    assert_string_equal(httpc_strerror(999), "unknown http client error");
    httpc_response_free(NULL);
    httpc_options o;
    httpc_options_init(&o);
    assert_false(o.allow_private);
    assert_int_equal(o.timeout_ms, HTTP_DEFAULT_TIMEOUT_MS);
    assert_int_equal(o.max_response_bytes, HTTP_MAX_RESPONSE_BYTES);
    assert_int_equal(o.max_redirects, HTTP_MAX_REDIRECTS);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback_denied_by_default),
        cmocka_unit_test(test_allow_private_works),
        cmocka_unit_test(test_never_allowed_addresses),
        cmocka_unit_test(test_numeric_loopback_forms),
        cmocka_unit_test(test_ipv6_loopback),
        cmocka_unit_test(test_schemes),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_errors_hide_url_secrets),
        cmocka_unit_test(test_redirect_allow_list),
        cmocka_unit_test(test_redirect_targets_vetted),
        cmocka_unit_test(test_redirect_limit),
        cmocka_unit_test(test_redirect_methods),
        cmocka_unit_test(test_redirect_strips_credentials),
        cmocka_unit_test(test_response_size_limit),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_abort),
        cmocka_unit_test(test_headers_round_trip),
        cmocka_unit_test(test_body_utf8),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
