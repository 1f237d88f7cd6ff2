/* test_nodes_http.c — http_make_request, http_fetch, http_response_to_json
 * in real runs, against a small HTTP server this test starts on 127.0.0.1:
 * round trips, statuses, network policy (loopback, metadata, redirects,
 * schemes), size limit, run timeouts and control_timeout, request headers
 * and bodies, malformed requests and responses. The network is closed:
 * refused addresses are refused before any packet is sent. */
#include "testserver.h"
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/limits.h"
#include "board/board.h"
#include "catalog/catalog.h"
#include "engine/engine.h"

/* ---- the test server (testserver.h) ---------------------------------------- */

static ts_server g;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void h_json(ts_server *s, int fd, const ts_request *rq) {
    static const char b[] = "{\"hello\": \"world\", \"n\": [1, 2, 3]}";
    ts_reply(fd, 200, "Content-Type: application/json\r\nX-Mixed-Case: yes\r\n", b, sizeof b - 1);
}

static void h_echo(ts_server *s, int fd, const ts_request *rq) {
    ts_reply(fd, 200, "Content-Type: text/plain\r\n", rq->raw, rq->raw_len);
}

static void h_fail(ts_server *s, int fd, const ts_request *rq) { ts_reply(fd, 500, NULL, "{\"error\": \"boom\"}", 17); }

static void h_bin(ts_server *s, int fd, const ts_request *rq) { ts_reply(fd, 200, NULL, "\xff\xfe\x00\x01", 4); }

static void h_array(ts_server *s, int fd, const ts_request *rq) { ts_reply(fd, 200, NULL, "[1, 2]", 6); }

static void h_big(ts_server *s, int fd, const ts_request *rq) {
    size_t want = (size_t)HTTP_MAX_RESPONSE_BYTES + 1;
    char *b = malloc(want);
    memset(b, 'x', want);
    ts_reply(fd, 200, NULL, b, want);
    free(b);
}

static void h_sleep(ts_server *s, int fd, const ts_request *rq) {
    ts_wait_or_hangup(s, fd, 10000);
    ts_reply(fd, 200, NULL, "late", 4);
}

/* /to/TARGET: a 302 to TARGET. */
static void h_redirect(ts_server *s, int fd, const ts_request *rq) {
    char *loc = NULL;
    assert_true(asprintf(&loc, "Location: %s\r\n", rq->path + 4) > 0);
    ts_reply(fd, 302, loc, "", 0);
    free(loc);
}

static const ts_route routes[] = {
    {"/json", false, h_json},   {"/echo", false, h_echo}, {"/fail", false, h_fail},
    {"/bin", false, h_bin},     {"/array", false, h_array}, {"/big", false, h_big},
    {"/sleep", false, h_sleep}, {"/to/", true, h_redirect}, {NULL, false, NULL},
};

static int group_setup(void **state) {
    (void)state;
    return ts_start(&g, AF_INET, routes) ? 0 : -1;
}

static int group_teardown(void **state) {
    (void)state;
    ts_stop(&g);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------- */

#define S "{\"id\": \"s\", \"type\": \"events_simple\"}"
#define PRIVATE "{\"allow_private_net\": true}"

static char *url(const char *path) {
    char *u = NULL;
    assert_true(asprintf(&u, "http://127.0.0.1:%d%s", g.port, path) > 0);
    return u;
}

/* A request struct as JSON text for a URL (owned). */
static char *request_json(const char *u) {
    json_t *r = json_pack("{s:s, s:s, s:{}, s:s}", "url", u, "method", "GET", "headers", "body", "");
    char *t = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    return t;
}

/* s → f (http_fetch, request literal) → r (return_result ← f.response).
 * With wire_error: f.exec_error → le (log "took exec_error") → e (return_result ← f.response). */
static json_t *run_fetch(const char *request, bool wire_error, const char *opts) {
    char *nodes = NULL, *conns = NULL;
    assert_true(asprintf(&nodes,
                         "[" S ", {\"id\": \"f\", \"type\": \"http_fetch\", \"inputs\": {\"request\": %s}},"
                         "{\"id\": \"r\", \"type\": \"return_result\"},"
                         "{\"id\": \"le\", \"type\": \"log_info\", \"inputs\": {\"message\": \"took exec_error\"}},"
                         "{\"id\": \"e\", \"type\": \"return_result\"}]",
                         request) > 0);
    assert_true(asprintf(&conns,
                         "[{\"from\": \"s.exec_out\", \"to\": \"f.exec_in\"},"
                         "{\"from\": \"f.exec_success\", \"to\": \"r.exec_in\"},"
                         "{\"from\": \"f.response\", \"to\": \"r.result\"},"
                         "{\"from\": \"le.exec_out\", \"to\": \"e.exec_in\"},"
                         "{\"from\": \"f.response\", \"to\": \"e.result\"}%s]",
                         wire_error ? ", {\"from\": \"f.exec_error\", \"to\": \"le.exec_in\"}" : "") > 0);
    json_t *rep = tu_run_nodes(nodes, conns, opts);
    free(nodes);
    free(conns);
    return rep;
}

static json_t *run_fetch_url(const char *path_or_url, bool wire_error, const char *opts) {
    char *u = path_or_url[0] == '/' ? url(path_or_url) : strdup(path_or_url);
    char *req = request_json(u);
    json_t *rep = run_fetch(req, wire_error, opts);
    free(req);
    free(u);
    return rep;
}

static const char *err_msg(json_t *rep) {
    return json_string_value(json_object_get(json_object_get(rep, "error"), "message"));
}

static const char *err_node(json_t *rep) {
    return json_string_value(json_object_get(json_object_get(rep, "error"), "node"));
}

#define assert_failed_with(rep, needle)                                                         \
    do {                                                                                        \
        if (strcmp(tu_status(rep), "failed") != 0 || !err_msg(rep) || !strstr(err_msg(rep), needle)) { \
            char *d_ = json_dumps(rep, JSON_INDENT(2));                                         \
            fail_msg("expected a failure mentioning '%s', got:\n%s", needle, d_);               \
        }                                                                                       \
    } while (0)

static bool has_log(json_t *rep, const char *level, const char *needle) {
    json_t *l;
    size_t i;
    json_array_foreach(json_object_get(rep, "logs"), i, l) {
        const char *m = json_string_value(json_object_get(l, "message"));
        const char *lv = json_string_value(json_object_get(l, "level"));
        if (m && strstr(m, needle) && (!level || (lv && strcmp(lv, level) == 0))) return true;
    }
    return false;
}

/* ---- http_make_request ------------------------------------------------------------- */

static json_t *run_make(const char *inputs) {
    char *nodes = NULL;
    assert_true(asprintf(&nodes,
                         "[" S ", {\"id\": \"m\", \"type\": \"http_make_request\", \"inputs\": %s},"
                         "{\"id\": \"r\", \"type\": \"return_result\"}]",
                         inputs) > 0);
    json_t *rep = tu_run_nodes(nodes,
                               "[{\"from\": \"s.exec_out\", \"to\": \"r.exec_in\"},"
                               "{\"from\": \"m.request\", \"to\": \"r.result\"}]",
                               NULL);
    free(nodes);
    return rep;
}

static void test_make_request(void **state) {
    (void)state;
    json_t *rep = run_make("{\"url\": \"https://example.com/a?b=1\"}");
    assert_completed(rep);
    json_t *want = json_pack("{s:s, s:s, s:{}, s:s}", "url", "https://example.com/a?b=1", "method", "GET",
                             "headers", "body", "");
    assert_true(json_equal(tu_result(rep), want));
    json_decref(want);
    json_decref(rep);

    rep = run_make("{\"url\": \"HTTP://example.com\", \"method\": \"post\"}");
    assert_completed(rep);
    assert_string_equal(json_string_value(json_object_get(tu_result(rep), "method")), "POST");
    json_decref(rep);

    static const struct { const char *inputs, *needle; } bad[] = {
        {"{\"url\": \"ftp://example.com/x\"}", "only http:// and https://"},
        {"{\"url\": \"file:///etc/passwd\"}", "only http:// and https://"},
        {"{\"url\": \"gopher://x/\"}", "gopher:"},
        {"{\"url\": \"example.com/x\"}", "not an absolute"},
        {"{\"url\": \"http://\"}", "no host"},
        {"{\"url\": \"http:///path\"}", "no host"},
        {"{\"url\": \"http://a b/\"}", "space"},
        {"{\"url\": \"\"}", "not an absolute"},
        {"{\"url\": \"http://x/\", \"method\": \"GE T\"}", "letters"},
        {"{\"url\": \"http://x/\", \"method\": \"\"}", "empty"},
        {"{\"url\": \"http://x/\", \"method\": \"GET\\r\\nX: y\"}", "letters"},
        {"{}", "expected string, got null"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rep = run_make(bad[i].inputs);
        assert_failed_with(rep, bad[i].needle);
        assert_string_equal(err_node(rep), "m");
        json_decref(rep);
    }
}

/* ---- round trips and statuses ---------------------------------------------------------- */

static void test_get_json_round_trip(void **state) {
    (void)state;
    char *u = url("/json"), *nodes = NULL;
    assert_true(asprintf(&nodes,
                         "[" S ", {\"id\": \"m\", \"type\": \"http_make_request\", \"inputs\": {\"url\": \"%s\"}},"
                         "{\"id\": \"f\", \"type\": \"http_fetch\"},"
                         "{\"id\": \"j\", \"type\": \"http_response_to_json\"},"
                         "{\"id\": \"r\", \"type\": \"return_result\"}]",
                         u) > 0);
    json_t *rep = tu_run_nodes(nodes,
                               "[{\"from\": \"s.exec_out\", \"to\": \"f.exec_in\"},"
                               "{\"from\": \"m.request\", \"to\": \"f.request\"},"
                               "{\"from\": \"f.exec_success\", \"to\": \"j.exec_in\"},"
                               "{\"from\": \"f.response\", \"to\": \"j.response\"},"
                               "{\"from\": \"j.exec_out\", \"to\": \"r.exec_in\"},"
                               "{\"from\": \"j.struct\", \"to\": \"r.result\"}]",
                               PRIVATE);
    assert_completed(rep);
    json_t *want = json_pack("{s:s, s:[i,i,i]}", "hello", "world", "n", 1, 2, 3);
    assert_true(json_equal(tu_result(rep), want));
    json_decref(want);
    json_decref(rep);
    free(nodes);
    free(u);

    /* the response itself */
    rep = run_fetch_url("/json", true, PRIVATE);
    assert_completed(rep);
    json_t *resp = tu_result(rep);
    assert_int_equal(json_integer_value(json_object_get(resp, "status_code")), 200);
    assert_string_equal(json_string_value(json_object_get(resp, "body")), "{\"hello\": \"world\", \"n\": [1, 2, 3]}");
    json_t *h = json_object_get(resp, "headers");
    assert_string_equal(json_string_value(json_object_get(h, "content-type")), "application/json");
    assert_string_equal(json_string_value(json_object_get(h, "x-mixed-case")), "yes");
    assert_null(json_object_get(resp, "body_base64"));
    assert_false(has_log(rep, NULL, "took exec_error"));
    json_decref(rep);
}

static void test_error_statuses_are_responses(void **state) {
    (void)state;
    static const struct { const char *path; int code; const char *body; } cases[] = {
        {"/missing", 404, "nope"},
        {"/fail", 500, "{\"error\": \"boom\"}"},
    };
    for (size_t i = 0; i < 2; i++) {
        json_t *rep = run_fetch_url(cases[i].path, true, PRIVATE);
        assert_completed(rep);
        assert_false(has_log(rep, NULL, "took exec_error"));
        assert_int_equal(json_integer_value(json_object_get(tu_result(rep), "status_code")), cases[i].code);
        assert_string_equal(json_string_value(json_object_get(tu_result(rep), "body")), cases[i].body);
        json_decref(rep);
    }
}

static void test_binary_body(void **state) {
    (void)state;
    json_t *rep = run_fetch_url("/bin", false, PRIVATE);
    assert_completed(rep);
    json_t *resp = tu_result(rep);
    assert_string_equal(json_string_value(json_object_get(resp, "body_base64")), "//4AAQ==");
    assert_null(json_object_get(resp, "body"));
    json_decref(rep);
}

/* ---- network policy ----------------------------------------------------------------- */

static void test_loopback_needs_allow_private(void **state) {
    (void)state;
    int before = atomic_load(&g.hits);
    /* exec_error wired: taken, response null, nothing else (no log line) */
    json_t *rep = run_fetch_url("/json", true, NULL);
    assert_completed(rep);
    assert_true(has_log(rep, "info", "took exec_error"));
    assert_int_equal(json_array_size(json_object_get(rep, "logs")), 1);
    assert_true(json_is_null(tu_result(rep)));
    json_decref(rep);
    /* not wired: the node fails, naming the policy */
    rep = run_fetch_url("/json", false, NULL);
    assert_failed_with(rep, "network policy");
    assert_failed_with(rep, "loopback");
    assert_string_equal(tu_error_code(rep), "node_failed");
    assert_string_equal(err_node(rep), "f");
    json_decref(rep);
    /* never reached the server */
    assert_int_equal(atomic_load(&g.hits), before);
    /* other spellings of the loopback too */
    char *u = NULL;
    assert_true(asprintf(&u, "http://localhost:%d/json", g.port) > 0);
    rep = run_fetch_url(u, false, NULL);
    assert_failed_with(rep, "loopback");
    json_decref(rep);
    free(u);
    assert_true(asprintf(&u, "http://2130706433:%d/json", g.port) > 0);
    rep = run_fetch_url(u, false, NULL);
    assert_failed_with(rep, "loopback");
    json_decref(rep);
    free(u);
    assert_int_equal(atomic_load(&g.hits), before);
}

/* in a loop: after a success, a failed request leaves response null, not the old response */
static void test_error_clears_response(void **state) {
    (void)state;
    char *u = url("/json"), *nodes = NULL;
    assert_true(asprintf(&nodes,
                         "[" S ", {\"id\": \"fe\", \"type\": \"control_for_each\", \"inputs\": {\"array\": "
                         "[\"%s\", \"http://169.254.169.254/\"]}},"
                         "{\"id\": \"m\", \"type\": \"http_make_request\"}, {\"id\": \"f\", \"type\": \"http_fetch\"},"
                         "{\"id\": \"ok\", \"type\": \"log_info\", \"inputs\": {\"message\": \"got one\"}},"
                         "{\"id\": \"le\", \"type\": \"log_info\", \"inputs\": {\"message\": \"took exec_error\"}},"
                         "{\"id\": \"e\", \"type\": \"return_result\"}]",
                         u) > 0);
    json_t *rep = tu_run_nodes(nodes,
                               "[{\"from\": \"s.exec_out\", \"to\": \"fe.exec_in\"},"
                               "{\"from\": \"fe.value\", \"to\": \"m.url\"},"
                               "{\"from\": \"m.request\", \"to\": \"f.request\"},"
                               "{\"from\": \"fe.exec_out\", \"to\": \"f.exec_in\"},"
                               "{\"from\": \"f.exec_success\", \"to\": \"ok.exec_in\"},"
                               "{\"from\": \"f.exec_error\", \"to\": \"le.exec_in\"},"
                               "{\"from\": \"le.exec_out\", \"to\": \"e.exec_in\"},"
                               "{\"from\": \"f.response\", \"to\": \"e.result\"}]",
                               PRIVATE);
    assert_completed(rep);
    assert_true(has_log(rep, "info", "got one"));
    assert_true(has_log(rep, "info", "took exec_error"));
    assert_true(json_is_null(tu_result(rep)));
    json_decref(rep);
    free(nodes);
    free(u);
}

/* handle_errors applies when exec_error is not wired */
static void test_handle_errors(void **state) {
    (void)state;
    char *u = url("/json"), *req = request_json(u), *nodes = NULL;
    assert_true(asprintf(&nodes,
                         "[" S ", {\"id\": \"f\", \"type\": \"http_fetch\", \"handle_errors\": true, "
                         "\"inputs\": {\"request\": %s}}, {\"id\": \"h\", \"type\": \"return_result\"}]",
                         req) > 0);
    json_t *rep = tu_run_nodes(nodes,
                               "[{\"from\": \"s.exec_out\", \"to\": \"f.exec_in\"},"
                               "{\"from\": \"f.auto_handle_error\", \"to\": \"h.exec_in\"},"
                               "{\"from\": \"f.auto_handle_error_string\", \"to\": \"h.result\"}]",
                               NULL);
    assert_completed(rep);
    assert_non_null(strstr(json_string_value(tu_result(rep)), "loopback"));
    json_decref(rep);
    free(nodes);
    free(req);
    free(u);
}

static void test_never_allowed(void **state) {
    (void)state;
    static const struct { const char *url, *needle; } cases[] = {
        {"http://169.254.169.254/latest/meta-data/", "metadata"},
        {"http://[fd00:ec2::254]/", "metadata"},
        {"http://169.254.1.1/", "link-local"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double t0 = now_ms();
        json_t *rep = run_fetch_url(cases[i].url, false, PRIVATE);
        assert_failed_with(rep, cases[i].needle);
        assert_true(now_ms() - t0 < 2000);
        json_decref(rep);
        rep = run_fetch_url(cases[i].url, true, PRIVATE);
        assert_completed(rep);
        assert_true(has_log(rep, "info", "took exec_error"));
        json_decref(rep);
    }
}

static void test_redirects_rechecked(void **state) {
    (void)state;
    static const struct { const char *target, *needle; } cases[] = {
        {"http://169.254.169.254/latest/meta-data/", "metadata"},
        {"ftp://127.0.0.1/x", "scheme"},
        {"file:///etc/passwd", "scheme"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = NULL;
        assert_true(asprintf(&path, "/to/%s", cases[i].target) > 0);
        json_t *rep = run_fetch_url(path, false, PRIVATE);
        assert_failed_with(rep, cases[i].needle);
        json_decref(rep);
        free(path);
    }
    /* a redirect to an allowed place is followed */
    char *path = NULL;
    assert_true(asprintf(&path, "/to/http://127.0.0.1:%d/json", g.port) > 0);
    json_t *rep = run_fetch_url(path, false, PRIVATE);
    assert_completed(rep);
    assert_int_equal(json_integer_value(json_object_get(tu_result(rep), "status_code")), 200);
    json_decref(rep);
    free(path);
}

static void test_schemes_refused(void **state) {
    (void)state;
    static const char *const urls[] = {"ftp://127.0.0.1/x", "file:///etc/passwd", "FILE:///etc/passwd",
                                       "gopher://127.0.0.1/"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        json_t *rep = run_fetch_url(urls[i], true, PRIVATE);
        assert_failed_with(rep, "only http:// and https://");
        json_decref(rep);
    }
}

/* ---- limits ----------------------------------------------------------------------------- */

static void test_response_too_large(void **state) {
    (void)state;
    json_t *rep = run_fetch_url("/big", false, PRIVATE);
    assert_failed_with(rep, "too large");
    char limit[32];
    snprintf(limit, sizeof limit, "%u", HTTP_MAX_RESPONSE_BYTES);
    assert_failed_with(rep, limit);
    json_decref(rep);
}

static void test_run_timeout_stops_transfer(void **state) {
    (void)state;
    double t0 = now_ms();
    json_t *rep = run_fetch_url("/sleep", true, "{\"allow_private_net\": true, \"timeout_ms\": 200}");
    double dt = now_ms() - t0;
    assert_string_equal(tu_status(rep), "timed_out");
    assert_false(has_log(rep, NULL, "took exec_error"));
    if (dt > 1000) fail_msg("run took %.0f ms", dt);
    json_decref(rep);
}

static void test_control_timeout_stops_transfer(void **state) {
    (void)state;
    char *u = url("/sleep"), *req = request_json(u), *nodes = NULL;
    assert_true(asprintf(&nodes,
                         "[" S ", {\"id\": \"t\", \"type\": \"control_timeout\", \"inputs\": {\"timeout_ms\": 200}},"
                         "{\"id\": \"f\", \"type\": \"http_fetch\", \"inputs\": {\"request\": %s}},"
                         "{\"id\": \"ok\", \"type\": \"return_result\", \"inputs\": {\"result\": \"completed\"}},"
                         "{\"id\": \"to\", \"type\": \"return_result\", \"inputs\": {\"result\": \"timed out\"}}]",
                         req) > 0);
    double t0 = now_ms();
    json_t *rep = tu_run_nodes(nodes,
                               "[{\"from\": \"s.exec_out\", \"to\": \"t.exec_in\"},"
                               "{\"from\": \"t.exec_body\", \"to\": \"f.exec_in\"},"
                               "{\"from\": \"t.exec_completed\", \"to\": \"ok.exec_in\"},"
                               "{\"from\": \"t.exec_timed_out\", \"to\": \"to.exec_in\"}]",
                               PRIVATE);
    double dt = now_ms() - t0;
    assert_completed(rep);
    assert_string_equal(json_string_value(tu_result(rep)), "timed out");
    if (dt > 1000) fail_msg("run took %.0f ms", dt);
    json_decref(rep);
    free(nodes);
    free(req);
    free(u);
}

static void *cancel_later(void *p) {
    usleep(200 * 1000);
    run_cancel(p);
    return NULL;
}

/* run_cancel from another thread stops a transfer in progress */
static void test_cancel_stops_transfer(void **state) {
    (void)state;
    char *u = url("/sleep"), *req = request_json(u), *board = NULL;
    assert_true(asprintf(&board,
                         "{\"format\": \"weir-board/1\", \"id\": \"c\", \"nodes\": [" S ", {\"id\": \"f\", "
                         "\"type\": \"http_fetch\", \"inputs\": {\"request\": %s}}], \"connections\": "
                         "[{\"from\": \"s.exec_out\", \"to\": \"f.exec_in\"}]}",
                         req) > 0);
    board_errors errs;
    plan *p = board_load(board, strlen(board), catalog_builtin(), &errs);
    assert_non_null(p);
    run_request rq = {.plan = p, .allow_private_net = true};
    const char *code = NULL;
    char err[256];
    run *r = run_new(&rq, &code, err, sizeof err);
    assert_non_null(r);
    pthread_t th;
    pthread_create(&th, NULL, cancel_later, r);
    double t0 = now_ms();
    run_status st = run_execute(r);
    double dt = now_ms() - t0;
    pthread_join(th, NULL);
    assert_int_equal(st, RUN_CANCELLED);
    if (dt > 1000) fail_msg("cancel took effect after %.0f ms", dt);
    run_free(r);
    plan_free(p);
    free(board);
    free(req);
    free(u);
}

/* ---- request contents -------------------------------------------------------------------- */

static void test_headers_and_body_reach_server(void **state) {
    (void)state;
    char *u = url("/echo");
    json_t *req = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s}", "url", u, "method", "post", "headers", "X-Test",
                            "hello there", "Content-Type", "text/plain", "body", "payload=1&b=ü");
    char *rt = json_dumps(req, JSON_COMPACT);
    json_t *rep = run_fetch(rt, false, PRIVATE);
    assert_completed(rep);
    const char *echo = json_string_value(json_object_get(tu_result(rep), "body"));
    assert_non_null(echo);
    assert_int_equal(strncmp(echo, "POST /echo HTTP/1.1\r\n", 21), 0);
    assert_non_null(strstr(echo, "\r\nX-Test: hello there\r\n"));
    assert_non_null(strstr(echo, "\r\nContent-Type: text/plain\r\n"));
    assert_non_null(strstr(echo, "\r\n\r\npayload=1&b=ü"));
    json_decref(rep);
    free(rt);
    json_decref(req);

    /* body_base64: bytes decoded before sending (remainders 0, 1, 2) */
    static const struct { const char *b64, *raw; } bodies[] = {{"YWJj", "abc"}, {"aGk=", "hi"}, {"aGVsbG8=", "hello"}};
    for (size_t i = 0; i < 3; i++) {
        req = json_pack("{s:s, s:s, s:s}", "url", u, "method", "PUT", "body_base64", bodies[i].b64);
        rt = json_dumps(req, JSON_COMPACT);
        rep = run_fetch(rt, false, PRIVATE);
        assert_completed(rep);
        echo = json_string_value(json_object_get(tu_result(rep), "body"));
        assert_int_equal(strncmp(echo, "PUT /echo ", 10), 0);
        char want[64];
        snprintf(want, sizeof want, "Content-Length: %zu\r\n\r\n%s", strlen(bodies[i].raw), bodies[i].raw);
        const char *tail = echo + strlen(echo) - strlen(want);
        assert_string_equal(tail, want);
        json_decref(rep);
        free(rt);
        json_decref(req);
    }

    /* method defaults to GET, headers and body may be left out */
    req = json_pack("{s:s}", "url", u);
    rt = json_dumps(req, JSON_COMPACT);
    rep = run_fetch(rt, false, PRIVATE);
    assert_completed(rep);
    assert_int_equal(strncmp(json_string_value(json_object_get(tu_result(rep), "body")), "GET /echo ", 10), 0);
    json_decref(rep);
    free(rt);
    json_decref(req);
    free(u);
}

static void test_invalid_request_fails(void **state) {
    (void)state;
    char *u = url("/echo");
    char *with_url = NULL;
    static const struct { const char *fmt, *needle; } cases[] = {
        {"{\"method\": \"GET\"}", "url is missing"},
        {"{\"url\": 5}", "url must be a string"},
        {"{\"url\": \"%s\", \"headers\": [\"X-A\"]}", "headers must be an object"},
        {"{\"url\": \"%s\", \"headers\": \"X-A: 1\"}", "headers must be an object"},
        {"{\"url\": \"%s\", \"headers\": {\"X-A\": 1}}", "header X-A must be a string"},
        {"{\"url\": \"%s\", \"headers\": {\"X-A\": \"a\\r\\nX-Injected: 1\"}}", "invalid request"},
        {"{\"url\": \"%s\", \"headers\": {\"Host\": \"internal\"}}", "invalid request"},
        {"{\"url\": \"%s\", \"method\": \"G-T\"}", "letters"},
        {"{\"url\": \"%s\", \"method\": 1}", "method must be a string"},
        {"{\"url\": \"%s\", \"body\": {}}", "body must be a string"},
        {"{\"url\": \"%s\", \"body\": \"a\", \"body_base64\": \"YQ==\"}", "not both"},
        {"{\"url\": \"%s\", \"body_base64\": \"not base64!\"}", "not valid base64"},
    };
    int before = atomic_load(&g.hits);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_true(asprintf(&with_url, cases[i].fmt, u) > 0);
        json_t *rep = run_fetch(with_url, true, PRIVATE); /* exec_error wired: still a failure */
        assert_failed_with(rep, cases[i].needle);
        assert_false(has_log(rep, NULL, "took exec_error"));
        json_decref(rep);
        free(with_url);
    }
    assert_int_equal(atomic_load(&g.hits), before);
    free(u);
}

/* ---- http_response_to_json ---------------------------------------------------------------- */

static json_t *run_to_json(const char *response) {
    char *nodes = NULL;
    assert_true(asprintf(&nodes,
                         "[" S ", {\"id\": \"j\", \"type\": \"http_response_to_json\", \"inputs\": {\"response\": %s}},"
                         "{\"id\": \"r\", \"type\": \"return_result\"}]",
                         response) > 0);
    json_t *rep = tu_run_nodes(nodes,
                               "[{\"from\": \"s.exec_out\", \"to\": \"j.exec_in\"},"
                               "{\"from\": \"j.exec_out\", \"to\": \"r.exec_in\"},"
                               "{\"from\": \"j.struct\", \"to\": \"r.result\"}]",
                               NULL);
    free(nodes);
    return rep;
}

static void test_response_to_json(void **state) {
    (void)state;
    json_t *rep =
        run_to_json("{\"status_code\": 200, \"headers\": {}, \"body\": \"{\\\"a\\\": {\\\"b\\\": [true]}}\"}");
    assert_completed(rep);
    json_t *want = json_pack("{s:{s:[b]}}", "a", "b", 1);
    assert_true(json_equal(tu_result(rep), want));
    json_decref(want);
    json_decref(rep);

    static const struct { const char *resp, *needle; } bad[] = {
        {"{\"status_code\": 200, \"body\": \"{\\\"a\\\": 1,\\n  oops}\"}", "line 2, column"},
        {"{\"status_code\": 200, \"body\": \"{\\\"a\\\": 1,\\n  oops}\"}", "not valid JSON"},
        {"{\"status_code\": 200}", "no body"},
        {"{\"status_code\": 200, \"body\": null}", "no body"},
        {"{\"status_code\": 200, \"body_base64\": \"//4=\"}", "body_base64"},
        {"{\"status_code\": 200, \"body\": 5}", "body must be a string"},
        {"{\"status_code\": 204, \"body\": \"\"}", "empty"},
        {"{\"status_code\": 200, \"body\": \"[1, 2]\"}", "array, not an object"},
        {"{\"status_code\": 200, \"body\": \"42\"}", "integer, not an object"},
    };
    /* a long non-ASCII token: the message is cut, still valid UTF-8 */
    char resp[1024] = "{\"body\": \"x";
    for (int i = 0; i < 200; i++) strcat(resp, "\u00e9");
    strcat(resp, "\"}");
    rep = run_to_json(resp);
    assert_failed_with(rep, "not valid JSON");
    assert_failed_with(rep, "line 1");
    json_decref(rep);

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rep = run_to_json(bad[i].resp);
        assert_failed_with(rep, bad[i].needle);
        assert_string_equal(err_node(rep), "j");
        json_decref(rep);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make_request),
        cmocka_unit_test(test_get_json_round_trip),
        cmocka_unit_test(test_error_statuses_are_responses),
        cmocka_unit_test(test_binary_body),
        cmocka_unit_test(test_loopback_needs_allow_private),
        cmocka_unit_test(test_error_clears_response),
        cmocka_unit_test(test_handle_errors),
        cmocka_unit_test(test_never_allowed),
        cmocka_unit_test(test_redirects_rechecked),
        cmocka_unit_test(test_schemes_refused),
        cmocka_unit_test(test_response_too_large),
        cmocka_unit_test(test_run_timeout_stops_transfer),
        cmocka_unit_test(test_control_timeout_stops_transfer),
        cmocka_unit_test(test_cancel_stops_transfer),
        cmocka_unit_test(test_headers_and_body_reach_server),
        cmocka_unit_test(test_invalid_request_fails),
        cmocka_unit_test(test_response_to_json),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
