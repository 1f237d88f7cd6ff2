/* test_packages.c — installed WASM packages (src/sandbox/store.c) and their
 * nodes in boards (src/catalog/packages.c): install / list / remove, a file
 * changed after it was granted, a board using pkg: nodes validating and
 * running end to end (inputs, context, outputs, activation order, logs, pure
 * package nodes, failures and handle_errors), capability_denied for missing
 * grants, and unknown pkg: types. The packages are written in WAT and
 * assembled with wasmtime_wat2wasm. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasmtime.h>

#include "../security/wasmkit.h"
#include "board/board.h"
#include "catalog/catalog.h"
#include "engine/engine.h"
#include "sandbox/checks.h"
#include "sandbox/sandbox.h"
#include "sandbox/store.h"

/* ---- test packages --------------------------------------------------------------- */

/* acme.echo: node 0 "echo" logs at warn, sets "seen" to its whole input,
 * activates "second" then "exec_out"; node 1 "wrap" (pure) sets "seen" to its
 * input; node 2 "boom" fails with "boom". */
static const char ECHO_WAT[] =
    "(module\n"
    "  (import \"weir\" \"log\" (func $log (param i32 i32 i32)))\n"
    "  (import \"weir\" \"set_output\" (func $set (param i32 i32 i32 i32) (result i32)))\n"
    "  (import \"weir\" \"activate\" (func $act (param i32 i32) (result i32)))\n"
    "  (import \"weir\" \"fail\" (func $fail (param i32 i32)))\n"
    "  (memory (export \"memory\") 2)\n"
    "  (global $next (mut i32) (i32.const 4096))\n"
    "  (data (i32.const 16) \"seen\")\n"
    "  (data (i32.const 32) \"second\")\n"
    "  (data (i32.const 48) \"exec_out\")\n"
    "  (data (i32.const 64) \"hello from echo\")\n"
    "  (data (i32.const 96) \"boom\")\n"
    "  (func (export \"weir_alloc\") (param $n i32) (result i32)\n"
    "    (local $p i32)\n"
    "    (local.set $p (global.get $next))\n"
    "    (global.set $next (i32.add (global.get $next) (local.get $n)))\n"
    "    (local.get $p))\n"
    "  (func (export \"weir_run\") (param $node i32) (param $ptr i32) (param $len i32) (result i32)\n"
    "    (if (i32.eq (local.get $node) (i32.const 0))\n"
    "      (then\n"
    "        (call $log (i32.const 2) (i32.const 64) (i32.const 15))\n"
    "        (drop (call $set (i32.const 16) (i32.const 4) (local.get $ptr) (local.get $len)))\n"
    "        (drop (call $act (i32.const 32) (i32.const 6)))\n"
    "        (drop (call $act (i32.const 48) (i32.const 8)))\n"
    "        (return (i32.const 0))))\n"
    "    (if (i32.eq (local.get $node) (i32.const 1))\n"
    "      (then\n"
    "        (drop (call $set (i32.const 16) (i32.const 4) (local.get $ptr) (local.get $len)))\n"
    "        (return (i32.const 0))))\n"
    "    (call $fail (i32.const 96) (i32.const 4))\n"
    "    (i32.const 1)))\n";

static const char ECHO_MANIFEST[] =
    "{\"abi\": 1, \"package\": {\"id\": \"acme.echo\", \"version\": \"1.2.0\"},"
    " \"nodes\": ["
    "  {\"name\": \"echo\", \"friendly_name\": \"Echo\", \"category\": \"Test\", \"pins\": ["
    "    {\"name\": \"exec_in\", \"direction\": \"in\", \"type\": \"execution\"},"
    "    {\"name\": \"text\", \"direction\": \"in\", \"type\": \"string\", \"default\": \"dflt\"},"
    "    {\"name\": \"n\", \"direction\": \"in\", \"type\": \"integer\"},"
    "    {\"name\": \"exec_out\", \"direction\": \"out\", \"type\": \"execution\"},"
    "    {\"name\": \"second\", \"direction\": \"out\", \"type\": \"execution\"},"
    "    {\"name\": \"seen\", \"direction\": \"out\", \"type\": \"struct\"}]},"
    "  {\"name\": \"wrap\", \"pins\": ["
    "    {\"name\": \"x\", \"direction\": \"in\", \"type\": \"generic\"},"
    "    {\"name\": \"seen\", \"direction\": \"out\", \"type\": \"struct\"}]},"
    "  {\"name\": \"boom\", \"pins\": ["
    "    {\"name\": \"exec_in\", \"direction\": \"in\", \"type\": \"execution\"},"
    "    {\"name\": \"exec_out\", \"direction\": \"out\", \"type\": \"execution\"}]}]}";

/* acme.net: requests http (imports nothing gated); node "n" activates exec_out. */
static const char NET_WAT[] =
    "(module\n"
    "  (import \"weir\" \"activate\" (func $act (param i32 i32) (result i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (data (i32.const 48) \"exec_out\")\n"
    "  (func (export \"weir_alloc\") (param i32) (result i32) (i32.const 1024))\n"
    "  (func (export \"weir_run\") (param i32 i32 i32) (result i32)\n"
    "    (drop (call $act (i32.const 48) (i32.const 8)))\n"
    "    (i32.const 0)))\n";

static const char NET_MANIFEST[] =
    "{\"abi\": 1, \"package\": {\"id\": \"acme.net\"},"
    " \"capabilities\": {\"http\": {\"hosts\": [\"api.example.com\"], \"methods\": [\"GET\"]}},"
    " \"nodes\": [{\"name\": \"n\", \"pins\": ["
    "    {\"name\": \"exec_in\", \"direction\": \"in\", \"type\": \"execution\"},"
    "    {\"name\": \"exec_out\", \"direction\": \"out\", \"type\": \"execution\"}]}]}";

static uint8_t *build(const char *wat, const char *manifest, size_t *len) {
    wasm_byte_vec_t wasm;
    wasmtime_error_t *e = wasmtime_wat2wasm(wat, strlen(wat), &wasm);
    if (e) {
        wasm_name_t msg;
        wasmtime_error_message(e, &msg);
        fprintf(stderr, "WAT does not assemble: %.*s\n", (int)msg.size, msg.data);
        abort();
    }
    uint8_t *out = wk_with_manifest((const unsigned char *)wasm.data, wasm.size, manifest, len);
    wasm_byte_vec_delete(&wasm);
    assert_non_null(out);
    return out;
}

static char err[1024];

/* Install; returns the info object (new reference). */
static json_t *install(const char *dir, const char *wat, const char *manifest, unsigned grants, bool all,
                       unsigned *missing) {
    size_t len;
    uint8_t *b = build(wat, manifest, &len);
    json_t *info = NULL;
    sbx_code code;
    int rc = pkgstore_install(dir, b, len, NULL, grants, all, &info, missing, &code, err, sizeof err);
    free(b);
    if (rc != PKGSTORE_E_OK) fprintf(stderr, "install: %d %s\n", rc, err);
    assert_int_equal(rc, PKGSTORE_E_OK);
    assert_non_null(info);
    return info;
}

static bool str_is(json_t *j, const char *s) { return json_is_string(j) && strcmp(json_string_value(j), s) == 0; }

static bool names_are(json_t *arr, const char *const *want, size_t n) {
    if (!json_is_array(arr) || json_array_size(arr) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!str_is(json_array_get(arr, i), want[i])) return false;
    return true;
}

static mode_t mode_of(const char *dir, const char *rel) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 0777;
}

/* ---- boards ---------------------------------------------------------------------- */

static json_t *run_board(const char *data_dir, const char *board) {
    catalog *cat = catalog_open(data_dir);
    assert_non_null(cat);
    board_errors errs;
    plan *p = board_load(board, strlen(board), cat, &errs);
    json_t *out;
    if (!p) {
        out = board_errors_json(&errs);
        board_errors_free(&errs);
    } else {
        run_request req = {.plan = p, .data_dir = data_dir};
        const char *code = NULL;
        char e[512];
        run *r = run_new(&req, &code, e, sizeof e);
        assert_non_null(r);
        run_execute(r);
        out = run_report(r);
        run_free(r);
        plan_free(p);
    }
    catalog_close(cat);
    return out;
}

static json_t *board_nodes(const char *data_dir, const char *nodes, const char *connections) {
    char *board = NULL;
    assert_true(asprintf(&board, "{\"format\": \"weir-board/1\", \"id\": \"pkgtest\", \"nodes\": %s, "
                                 "\"connections\": %s}",
                         nodes, connections ? connections : "[]") > 0);
    json_t *out = run_board(data_dir, board);
    free(board);
    return out;
}

static void dump(const char *what, json_t *j) {
    char *s = json_dumps(j, JSON_INDENT(2));
    fprintf(stderr, "%s:\n%s\n", what, s);
    free(s);
}

static void expect_status(json_t *rep, const char *status) {
    if (strcmp(tu_status(rep), status) != 0) {
        dump("report", rep);
        fail_msg("expected status %s", status);
    }
}

/* The first validation error's message. */
static const char *first_message(json_t *rep) {
    return json_string_value(json_object_get(json_array_get(json_object_get(rep, "errors"), 0), "message"));
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_install_list_remove(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    unsigned missing = 99;
    json_t *info = install(dir, ECHO_WAT, ECHO_MANIFEST, 0, false, &missing);
    assert_int_equal(missing, 0);
    static const char *const nodes[] = {"echo", "wrap", "boom"};
    assert_true(str_is(json_object_get(info, "id"), "acme.echo"));
    assert_true(str_is(json_object_get(info, "version"), "1.2.0"));
    assert_true(str_is(json_object_get(info, "status"), "ok"));
    assert_true(json_is_false(json_object_get(info, "replaced")));
    assert_true(names_are(json_object_get(info, "nodes"), nodes, 3));
    assert_int_equal(json_array_size(json_object_get(info, "requested")), 0);
    assert_int_equal(strlen(json_string_value(json_object_get(info, "sha256"))), 64);
    const char *at = json_string_value(json_object_get(info, "installed_at"));
    assert_non_null(at);
    assert_int_equal(strlen(at), 20); /* 2024-01-02T03:04:05Z */
    assert_int_equal(at[10], 'T');
    assert_int_equal(at[19], 'Z');
    json_decref(info);

    /* files and modes */
    assert_int_equal(mode_of(dir, "packages"), 0700);
    assert_int_equal(mode_of(dir, "packages/acme.echo"), 0700);
    assert_int_equal(mode_of(dir, "packages/acme.echo/package.wasm"), 0600);
    assert_int_equal(mode_of(dir, "packages/acme.echo/grants.json"), 0600);
    char path[1024];
    snprintf(path, sizeof path, "%s/packages/acme.echo/grants.json", dir);
    json_error_t je;
    json_t *rec = json_load_file(path, 0, &je);
    assert_non_null(rec);
    assert_true(str_is(json_object_get(rec, "package"), "acme.echo"));
    assert_true(str_is(json_object_get(rec, "version"), "1.2.0"));
    assert_true(json_is_array(json_object_get(rec, "requested")));
    assert_true(json_is_array(json_object_get(rec, "granted")));
    assert_true(json_is_string(json_object_get(rec, "sha256")));
    assert_true(json_is_string(json_object_get(rec, "installed_at")));
    json_decref(rec);

    /* a package asking for http, installed without grants: missing_grants;
     * granting something it does not request is not recorded */
    info = install(dir, NET_WAT, NET_MANIFEST, SBX_CAP_STORAGE, false, &missing);
    assert_int_equal(missing, SBX_CAP_HTTP);
    assert_true(str_is(json_object_get(info, "status"), "missing_grants"));
    static const char *const http[] = {"http"};
    assert_true(names_are(json_object_get(info, "requested"), http, 1));
    assert_int_equal(json_array_size(json_object_get(info, "granted")), 0);
    assert_true(str_is(json_object_get(info, "version"), ""));
    json_decref(info);

    json_t *list = pkgstore_list(dir, err, sizeof err);
    assert_non_null(list);
    assert_int_equal(json_array_size(list), 2);
    json_t *a = json_array_get(list, 0), *b = json_array_get(list, 1);
    assert_true(str_is(json_object_get(a, "id"), "acme.echo"));
    assert_true(str_is(json_object_get(a, "status"), "ok"));
    assert_true(names_are(json_object_get(a, "nodes"), nodes, 3));
    assert_true(str_is(json_object_get(b, "id"), "acme.net"));
    assert_true(str_is(json_object_get(b, "status"), "missing_grants"));
    assert_null(json_object_get(b, "message"));
    json_decref(list);

    /* reinstalling replaces, with the new grants */
    info = install(dir, NET_WAT, NET_MANIFEST, 0, true, &missing);
    assert_int_equal(missing, 0);
    assert_true(json_is_true(json_object_get(info, "replaced")));
    assert_true(str_is(json_object_get(info, "status"), "ok"));
    assert_true(names_are(json_object_get(info, "granted"), http, 1));
    json_decref(info);

    /* remove */
    assert_int_equal(pkgstore_remove(dir, "acme.net", err, sizeof err), PKGSTORE_E_OK);
    assert_int_equal(pkgstore_remove(dir, "acme.net", err, sizeof err), PKGSTORE_E_NOT_INSTALLED);
    assert_int_equal(pkgstore_remove(dir, "../acme.echo", err, sizeof err), PKGSTORE_E_NOT_INSTALLED);
    assert_int_equal(pkgstore_remove(dir, "packages", err, sizeof err), PKGSTORE_E_NOT_INSTALLED);
    list = pkgstore_list(dir, err, sizeof err);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    snprintf(path, sizeof path, "%s/packages/acme.net", dir);
    struct stat st;
    assert_int_not_equal(lstat(path, &st), 0);

    /* an empty data directory lists nothing */
    char *empty = tu_mkdtemp();
    list = pkgstore_list(empty, err, sizeof err);
    assert_non_null(list);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    tu_rmtree(empty);
    free(empty);
    tu_rmtree(dir);
    free(dir);
}

static void test_install_rejected(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    static const uint8_t junk[] = "not a module";
    json_t *info = NULL;
    sbx_code code;
    assert_int_equal(pkgstore_install(dir, junk, sizeof junk, NULL, 0, true, &info, NULL, &code, err, sizeof err),
                     PKGSTORE_E_REJECTED);
    assert_int_equal(code, SBX_INVALID_MODULE);
    assert_null(info);
    /* a module without a manifest */
    wasm_byte_vec_t wasm;
    const char *wat = "(module (memory (export \"memory\") 1))";
    assert_null(wasmtime_wat2wasm(wat, strlen(wat), &wasm));
    assert_int_equal(pkgstore_install(dir, (const uint8_t *)wasm.data, wasm.size, NULL, 0, true, &info, NULL, &code,
                                      err, sizeof err),
                     PKGSTORE_E_REJECTED);
    wasm_byte_vec_delete(&wasm);
    assert_int_equal(code, SBX_INVALID_MANIFEST);
    char path[1024];
    snprintf(path, sizeof path, "%s/packages", dir);
    struct stat st;
    assert_int_not_equal(lstat(path, &st), 0); /* nothing written */
    tu_rmtree(dir);
    free(dir);
}

static void test_changed_file_detected(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    json_decref(install(dir, ECHO_WAT, ECHO_MANIFEST, 0, false, NULL));
    /* replace package.wasm by another valid package of the same id */
    size_t len;
    char *other = strdup(ECHO_MANIFEST);
    memcpy(strstr(other, "1.2.0"), "6.6.6", 5);
    uint8_t *b = build(ECHO_WAT, other, &len);
    free(other);
    char path[1024];
    snprintf(path, sizeof path, "%s/packages/acme.echo/package.wasm", dir);
    assert_int_equal(tu_write_file(path, (const char *)b, len), 0);
    free(b);

    json_t *list = pkgstore_list(dir, err, sizeof err);
    json_t *e = json_array_get(list, 0);
    assert_true(str_is(json_object_get(e, "status"), "changed"));
    assert_non_null(strstr(json_string_value(json_object_get(e, "message")), "install it again"));
    assert_int_equal(json_array_size(json_object_get(e, "nodes")), 0);
    json_decref(list);

    sbx_package *p = NULL;
    pkgstore_record rec;
    sbx_code code;
    assert_int_equal(pkgstore_open(dir, "acme.echo", NULL, &p, &rec, &code, err, sizeof err), PKGSTORE_E_CHANGED);
    assert_null(p);
    assert_non_null(strstr(err, "changed since it was granted: install it again"));

    json_t *rep = board_nodes(dir, "[{\"id\": \"start\", \"type\": \"events_simple\"},"
                                   " {\"id\": \"e\", \"type\": \"pkg:acme.echo/echo\"}]",
                              "[{\"from\": \"start.exec_out\", \"to\": \"e.exec_in\"}]");
    expect_status(rep, "invalid");
    assert_string_equal(tu_error_code(rep), "unknown_node_type");
    assert_non_null(strstr(first_message(rep), "changed since it was granted: install it again"));
    json_decref(rep);

    /* a missing file is a change too */
    unlink(path);
    list = pkgstore_list(dir, err, sizeof err);
    assert_true(str_is(json_object_get(json_array_get(list, 0), "status"), "changed"));
    json_decref(list);

    /* installing again makes it usable */
    json_decref(install(dir, ECHO_WAT, ECHO_MANIFEST, 0, false, NULL));
    assert_int_equal(pkgstore_open(dir, "acme.echo", NULL, &p, &rec, &code, err, sizeof err), PKGSTORE_E_OK);
    assert_non_null(p);
    sbx_package_release(p);
    pkgstore_record_free(&rec);
    tu_rmtree(dir);
    free(dir);
}

#define ECHO_BOARD_NODES                                                                                         \
    "[{\"id\": \"start\", \"type\": \"events_simple\"},"                                                        \
    " {\"id\": \"echo\", \"type\": \"pkg:acme.echo/echo\", \"inputs\": {\"text\": \"hi\"}},"                  \
    " {\"id\": \"logb\", \"type\": \"log_info\", \"inputs\": {\"message\": \"B\"}},"                          \
    " {\"id\": \"loga\", \"type\": \"log_info\", \"inputs\": {\"message\": \"A\"}},"                          \
    " {\"id\": \"wrap\", \"type\": \"pkg:acme.echo/wrap\"},"                                                    \
    " {\"id\": \"ret\", \"type\": \"return_result\"}]"
#define ECHO_BOARD_CONNECTIONS                                                                                   \
    "[{\"from\": \"start.exec_out\", \"to\": \"echo.exec_in\"},"                                               \
    " {\"from\": \"echo.second\", \"to\": \"logb.exec_in\"},"                                                  \
    " {\"from\": \"echo.exec_out\", \"to\": \"loga.exec_in\"},"                                                \
    " {\"from\": \"loga.exec_out\", \"to\": \"ret.exec_in\"},"                                                 \
    " {\"from\": \"echo.seen\", \"to\": \"wrap.x\"},"                                                          \
    " {\"from\": \"wrap.seen\", \"to\": \"ret.result\"}]"

static void test_board_runs_package_nodes(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    json_decref(install(dir, ECHO_WAT, ECHO_MANIFEST, 0, false, NULL));
    json_t *rep = board_nodes(dir, ECHO_BOARD_NODES, ECHO_BOARD_CONNECTIONS);
    expect_status(rep, "completed");
    /* the pure wrap node saw echo's output, which is echo's whole input */
    json_t *res = json_object_get(rep, "result");
    assert_true(str_is(json_object_get(res, "node"), "wrap"));
    json_t *wctx = json_object_get(res, "context");
    assert_true(str_is(json_object_get(wctx, "node_id"), "wrap"));
    json_t *seen = json_object_get(json_object_get(res, "inputs"), "x");
    assert_true(str_is(json_object_get(seen, "node"), "echo"));
    json_t *in = json_object_get(seen, "inputs");
    assert_true(str_is(json_object_get(in, "text"), "hi"));
    assert_true(json_is_null(json_object_get(in, "n")));
    assert_int_equal(json_object_size(in), 2);
    json_t *ctx = json_object_get(seen, "context");
    assert_true(str_is(json_object_get(ctx, "node_id"), "echo"));
    assert_true(str_is(json_object_get(ctx, "board_id"), "pkgtest"));
    assert_true(str_is(json_object_get(ctx, "app_id"), "local"));
    assert_true(str_is(json_object_get(ctx, "run_id"), json_string_value(json_object_get(rep, "run_id"))));
    /* the log, then the chains in the order the node activated them */
    json_t *logs = json_object_get(rep, "logs");
    if (json_array_size(logs) != 3) dump("report", rep);
    assert_int_equal(json_array_size(logs), 3);
    json_t *l0 = json_array_get(logs, 0);
    assert_true(str_is(json_object_get(l0, "node"), "echo"));
    assert_true(str_is(json_object_get(l0, "level"), "warn"));
    assert_true(str_is(json_object_get(l0, "message"), "hello from echo"));
    assert_true(str_is(json_object_get(json_array_get(logs, 1), "message"), "B"));
    assert_true(str_is(json_object_get(json_array_get(logs, 2), "message"), "A"));
    json_decref(rep);

    /* the default of an unconnected input without a literal */
    rep = board_nodes(dir,
                      "[{\"id\": \"start\", \"type\": \"events_simple\"},"
                      " {\"id\": \"echo\", \"type\": \"pkg:acme.echo/echo\", \"inputs\": {\"n\": 7}},"
                      " {\"id\": \"ret\", \"type\": \"return_result\"}]",
                      "[{\"from\": \"start.exec_out\", \"to\": \"echo.exec_in\"},"
                      " {\"from\": \"echo.exec_out\", \"to\": \"ret.exec_in\"},"
                      " {\"from\": \"echo.seen\", \"to\": \"ret.result\"}]");
    expect_status(rep, "completed");
    in = json_object_get(json_object_get(rep, "result"), "inputs");
    assert_true(str_is(json_object_get(in, "text"), "dflt"));
    assert_int_equal(json_integer_value(json_object_get(in, "n")), 7);
    json_decref(rep);

    /* literals are checked against the manifest's pin types */
    rep = board_nodes(dir,
                      "[{\"id\": \"start\", \"type\": \"events_simple\"},"
                      " {\"id\": \"echo\", \"type\": \"pkg:acme.echo/echo\", \"inputs\": {\"n\": \"seven\"}}]",
                      "[{\"from\": \"start.exec_out\", \"to\": \"echo.exec_in\"}]");
    expect_status(rep, "invalid");
    assert_string_equal(tu_error_code(rep), "bad_value");
    json_decref(rep);
    tu_rmtree(dir);
    free(dir);
}

static void test_node_failure(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    json_decref(install(dir, ECHO_WAT, ECHO_MANIFEST, 0, false, NULL));
    json_t *rep = board_nodes(dir,
                              "[{\"id\": \"start\", \"type\": \"events_simple\"},"
                              " {\"id\": \"b\", \"type\": \"pkg:acme.echo/boom\"}]",
                              "[{\"from\": \"start.exec_out\", \"to\": \"b.exec_in\"}]");
    expect_status(rep, "failed");
    json_t *e = json_object_get(rep, "error");
    assert_true(str_is(json_object_get(e, "node"), "b"));
    assert_true(str_is(json_object_get(e, "message"), "node_failed: boom"));
    json_decref(rep);

    /* handle_errors: the handler chain gets the message and the run goes on */
    rep = board_nodes(dir,
                      "[{\"id\": \"start\", \"type\": \"events_simple\"},"
                      " {\"id\": \"b\", \"type\": \"pkg:acme.echo/boom\", \"handle_errors\": true},"
                      " {\"id\": \"ret\", \"type\": \"return_result\"}]",
                      "[{\"from\": \"start.exec_out\", \"to\": \"b.exec_in\"},"
                      " {\"from\": \"b.auto_handle_error\", \"to\": \"ret.exec_in\"},"
                      " {\"from\": \"b.auto_handle_error_string\", \"to\": \"ret.result\"}]");
    expect_status(rep, "completed");
    assert_true(str_is(json_object_get(rep, "result"), "node_failed: boom"));
    json_decref(rep);
    tu_rmtree(dir);
    free(dir);
}

static void test_missing_grants_capability_denied(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    json_decref(install(dir, NET_WAT, NET_MANIFEST, 0, false, NULL));
    static const char nodes[] = "[{\"id\": \"start\", \"type\": \"events_simple\"},"
                                " {\"id\": \"n\", \"type\": \"pkg:acme.net/n\"},"
                                " {\"id\": \"ret\", \"type\": \"return_result\", \"inputs\": {\"result\": 1}}]";
    static const char conns[] = "[{\"from\": \"start.exec_out\", \"to\": \"n.exec_in\"},"
                                " {\"from\": \"n.exec_out\", \"to\": \"ret.exec_in\"}]";
    /* validates */
    catalog *cat = catalog_open(dir);
    assert_non_null(catalog_find(cat, "pkg:acme.net/n"));
    catalog_close(cat);
    json_t *rep = board_nodes(dir, nodes, conns);
    expect_status(rep, "failed");
    json_t *e = json_object_get(rep, "error");
    assert_true(str_is(json_object_get(e, "node"), "n"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    assert_non_null(msg);
    assert_true(strncmp(msg, "capability_denied: ", 19) == 0);
    assert_non_null(strstr(msg, "http"));
    json_decref(rep);

    /* granted: it runs */
    json_decref(install(dir, NET_WAT, NET_MANIFEST, SBX_CAP_HTTP, false, NULL));
    rep = board_nodes(dir, nodes, conns);
    expect_status(rep, "completed");
    assert_int_equal(json_integer_value(json_object_get(rep, "result")), 1);
    json_decref(rep);
    tu_rmtree(dir);
    free(dir);
}

static void expect_unknown(const char *dir, const char *type, const char *needle) {
    char nodes[512];
    snprintf(nodes, sizeof nodes,
             "[{\"id\": \"start\", \"type\": \"events_simple\"}, {\"id\": \"x\", \"type\": \"%s\"}]", type);
    json_t *rep = board_nodes(dir, nodes, NULL);
    expect_status(rep, "invalid");
    json_t *e0 = json_array_get(json_object_get(rep, "errors"), 0);
    assert_true(str_is(json_object_get(e0, "code"), "unknown_node_type"));
    assert_true(str_is(json_object_get(e0, "node"), "x"));
    const char *msg = json_string_value(json_object_get(e0, "message"));
    if (!strstr(msg, needle)) fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
    json_decref(rep);
}

static void test_unknown_package_types(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    expect_unknown(dir, "pkg:acme.echo/echo", "not installed");
    json_decref(install(dir, ECHO_WAT, ECHO_MANIFEST, 0, false, NULL));
    expect_unknown(dir, "pkg:acme.nothere/echo", "acme.nothere is not installed");
    expect_unknown(dir, "pkg:acme.echo/nosuch", "has no node \"nosuch\"");
    expect_unknown(dir, "pkg:acme.echo", "pkg:PACKAGE_ID/NODE_NAME");
    expect_unknown(dir, "pkg:/echo", "pkg:PACKAGE_ID/NODE_NAME");
    expect_unknown(dir, "pkg:../acme.echo/echo", "not a package id");
    expect_unknown(dir, "pkg:ACME/echo", "not a package id");
    /* the built-in catalog knows no packages */
    board_errors errs;
    const char *board = "{\"format\": \"weir-board/1\", \"id\": \"b\", \"nodes\": [{\"id\": \"start\", \"type\": "
                        "\"events_simple\"}, {\"id\": \"x\", \"type\": \"pkg:acme.echo/echo\"}], \"connections\": []}";
    assert_null(board_load(board, strlen(board), catalog_builtin(), &errs));
    assert_string_equal(errs.items[0].code, "unknown_node_type");
    assert_non_null(strstr(errs.items[0].message, "installed packages are not available here"));
    board_errors_free(&errs);
    /* built-in unknown types keep their message */
    expect_unknown(dir, "no_such_node", "unknown node type \"no_such_node\"");
    tu_rmtree(dir);
    free(dir);
}

static void test_catalog_describe(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    json_decref(install(dir, ECHO_WAT, ECHO_MANIFEST, 0, false, NULL));
    json_decref(install(dir, NET_WAT, NET_MANIFEST, 0, false, NULL));
    catalog *cat = catalog_open(dir);
    json_t *all = catalog_describe(cat);
    json_t *builtin = catalog_describe(catalog_builtin());
    assert_int_equal(json_array_size(all), json_array_size(builtin) + 4);
    size_t i;
    json_t *d;
    int seen = 0;
    json_array_foreach(all, i, d) {
        const char *type = json_string_value(json_object_get(d, "type"));
        if (strncmp(type, "pkg:", 4) != 0) {
            assert_null(json_object_get(d, "package"));
            continue;
        }
        seen++;
        if (strcmp(type, "pkg:acme.echo/echo") == 0) {
            assert_true(str_is(json_object_get(d, "package"), "acme.echo"));
            assert_true(str_is(json_object_get(d, "friendly_name"), "Echo"));
            assert_true(str_is(json_object_get(d, "category"), "Test"));
            assert_true(json_is_false(json_object_get(d, "pure")));
            json_t *pins = json_object_get(d, "pins");
            assert_int_equal(json_array_size(pins), 6);
            assert_true(str_is(json_object_get(json_array_get(pins, 1), "default"), "dflt"));
            assert_int_equal(json_array_size(json_object_get(d, "capabilities")), 0);
        } else if (strcmp(type, "pkg:acme.echo/wrap") == 0) {
            assert_true(json_is_true(json_object_get(d, "pure")));
        } else if (strcmp(type, "pkg:acme.net/n") == 0) {
            static const char *const http[] = {"http"};
            assert_true(names_are(json_object_get(d, "capabilities"), http, 1));
            assert_int_equal(json_array_size(json_object_get(d, "granted")), 0);
        }
    }
    assert_int_equal(seen, 4);
    json_decref(all);
    json_decref(builtin);
    catalog_close(cat);
    tu_rmtree(dir);
    free(dir);
}

/* acme.vars: node 0 "bump" sets variable count to 41, and checks that the
 * secret variable token cannot be read (-21) nor overwritten (-21); node 1
 * "bad" sets count to a string (wrong type: the node fails). */
static const char VARS_WAT[] =
    "(module\n"
    "  (import \"weir\" \"var_get\" (func $get (param i32 i32) (result i32)))\n"
    "  (import \"weir\" \"var_set\" (func $set (param i32 i32 i32 i32) (result i32)))\n"
    "  (import \"weir\" \"activate\" (func $act (param i32 i32) (result i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (data (i32.const 0) \"count\") (data (i32.const 16) \"41\") (data (i32.const 32) \"token\")\n"
    "  (data (i32.const 64) \"exec_out\")\n"
    "  (data (i32.const 48) \"\\\"x\\\"\")\n"
    "  (func (export \"weir_alloc\") (param i32) (result i32) (i32.const 1024))\n"
    "  (func (export \"weir_run\") (param $node i32) (param i32 i32) (result i32)\n"
    "    (if (i32.eq (local.get $node) (i32.const 1))\n"
    "      (then (drop (call $set (i32.const 0) (i32.const 5) (i32.const 48) (i32.const 3))) (return (i32.const 0))))\n"
    "    (if (i32.ne (call $get (i32.const 32) (i32.const 5)) (i32.const -21)) (then unreachable))\n"
    "    (if (i32.ne (call $set (i32.const 32) (i32.const 5) (i32.const 16) (i32.const 2)) (i32.const -21))\n"
    "      (then unreachable))\n"
    "    (if (i32.le_s (call $get (i32.const 0) (i32.const 5)) (i32.const 0)) (then unreachable))\n"
    "    (if (i32.ne (call $set (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 2)) (i32.const 0)) (then unreachable))\n"
    "    (call $act (i32.const 64) (i32.const 8))))\n";

static const char VARS_MANIFEST[] =
    "{\"abi\": 1, \"package\": {\"id\": \"acme.vars\", \"version\": \"1.0.0\"},"
    " \"capabilities\": {\"variables\": [\"read\", \"write\"]},"
    " \"nodes\": [{\"name\": \"bump\", \"pins\": [{\"name\": \"exec_in\", \"direction\": \"in\", \"type\": \"execution\"},"
    " {\"name\": \"exec_out\", \"direction\": \"out\", \"type\": \"execution\"}]},"
    " {\"name\": \"bad\", \"pins\": [{\"name\": \"exec_in\", \"direction\": \"in\", \"type\": \"execution\"},"
    " {\"name\": \"exec_out\", \"direction\": \"out\", \"type\": \"execution\"}]}]}";

/* Package nodes in boards see the run's variables (never secret ones) and
 * their writes come back checked against the variable's type. */
static void test_package_variables(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    json_t *info = install(dir, VARS_WAT, VARS_MANIFEST, 0, true, NULL);
    json_decref(info);
    const char *fmt =
        "{\"format\": \"weir-board/1\", \"id\": \"vars\", \"variables\": ["
        "{\"id\": \"count\", \"type\": \"integer\", \"default\": 1},"
        "{\"id\": \"token\", \"type\": \"string\", \"default\": \"s3cret-token\", \"secret\": true}],"
        "\"nodes\": [{\"id\": \"s\", \"type\": \"events_simple\"}, {\"id\": \"p\", \"type\": \"pkg:acme.vars/%s\"},"
        "{\"id\": \"g\", \"type\": \"variable_get\", \"inputs\": {\"var_ref\": \"count\"}},"
        "{\"id\": \"r\", \"type\": \"return_result\"}],"
        "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"p.exec_in\"}, {\"from\": \"p.exec_out\", \"to\": \"r.exec_in\"},"
        "{\"from\": \"g.value_ref\", \"to\": \"r.result\"}]}";
    char board[2048];
    snprintf(board, sizeof board, fmt, "bump");
    json_t *rep = run_board(dir, board);
    expect_status(rep, "completed");
    assert_int_equal(json_integer_value(tu_result(rep)), 41);
    json_decref(rep);
    snprintf(board, sizeof board, fmt, "bad");
    rep = run_board(dir, board);
    expect_status(rep, "failed");
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(rep, "error"), "message")), "count"));
    json_decref(rep);
    tu_rmtree(dir);
    free(dir);
}

static int teardown(void **state) {
    (void)state;
    engine_shutdown();
    sbx_shutdown();
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_list_remove),
        cmocka_unit_test(test_install_rejected),
        cmocka_unit_test(test_changed_file_detected),
        cmocka_unit_test(test_board_runs_package_nodes),
        cmocka_unit_test(test_node_failure),
        cmocka_unit_test(test_missing_grants_capability_denied),
        cmocka_unit_test(test_unknown_package_types),
        cmocka_unit_test(test_catalog_describe),
        cmocka_unit_test(test_package_variables),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
