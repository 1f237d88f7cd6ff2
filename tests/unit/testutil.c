/* testutil.c — see testutil.h. */
#include "testutil.h"

#include "base/strbuf.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *tu_mkdtemp(void) {
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    size_t n = strlen(base) + 32;
    char *p = malloc(n);
    snprintf(p, n, "%s/weir-test-XXXXXX", base);
    if (!mkdtemp(p)) { free(p); return NULL; }
    return p;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

void tu_rmtree(const char *path) {
    if (path) nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) { cap *= 2; buf = realloc(buf, cap); }
    }
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

int tu_write_file(const char *path, const char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

#include "board/board.h"
#include "engine/engine.h"

json_t *tu_validate(const char *board_text) {
    board_errors errs;
    plan *p = board_load(board_text, strlen(board_text), catalog_builtin(), &errs);
    if (p) {
        plan_free(p);
        return json_pack("{s:b}", "valid", 1);
    }
    json_t *out = board_errors_json(&errs);
    board_errors_free(&errs);
    return out;
}

json_t *tu_run(const char *board_text, const char *opts_text) {
    board_errors errs;
    plan *p = board_load(board_text, strlen(board_text), catalog_builtin(), &errs);
    if (!p) {
        json_t *out = board_errors_json(&errs);
        board_errors_free(&errs);
        return out;
    }
    json_error_t je;
    json_t *opts = opts_text ? json_loads(opts_text, 0, &je) : json_object();
    if (!opts) {
        fprintf(stderr, "tu_run: bad opts: %s\n", je.text);
        abort();
    }
    run_request req = {
        .plan = p,
        .payload = json_object_get(opts, "payload"),
        .variables = json_object_get(opts, "variables"),
        .timeout_ms = (uint64_t)json_integer_value(json_object_get(opts, "timeout_ms")),
        .loop_limit = (uint32_t)json_integer_value(json_object_get(opts, "loop_limit")),
        .trace = json_is_true(json_object_get(opts, "trace")),
        .allow_private_net = json_is_true(json_object_get(opts, "allow_private_net")),
        .data_dir = json_string_value(json_object_get(opts, "data_dir")),
        .start_node = json_string_value(json_object_get(opts, "event")),
    };
    const char *code = NULL;
    char err[512];
    run *r = run_new(&req, &code, err, sizeof err);
    json_t *out;
    if (!r) {
        out = json_pack("{s:s, s:{s:s, s:s}}", "status", "invalid", "error", "code", code ? code : "?", "message", err);
    } else {
        run_execute(r);
        out = run_report(r);
        tu_check_report_parts(r, out);
        run_free(r);
    }
    json_decref(opts);
    plan_free(p);
    return out;
}

/* The report in parts (what the server stores: run_result, run_error and
 * run_report_details' text) must say exactly what run_report says; every
 * engine test checks it on its own run. */
void tu_check_report_parts(run *r, json_t *report) {
    json_t *want = json_deep_copy(report);
    json_t *result = run_result(r), *error = run_error(r);
    if (!json_equal(result, json_object_get(want, "result")) ||
        !json_equal(error ? error : json_null(), json_object_get(want, "error"))) {
        fprintf(stderr, "tu_check_report_parts: result or error differ from run_report\n");
        abort();
    }
    strbuf sb = STRBUF_INIT;
    run_report_details(r, &sb);
    json_error_t je;
    json_t *details = json_loads(sb_str(&sb), 0, &je);
    if (!details) {
        fprintf(stderr, "tu_check_report_parts: run_report_details is not JSON (%s): %.300s\n", je.text, sb_str(&sb));
        abort();
    }
    for (const char *const *k = (const char *const[]){"run_id", "status", "result", "error", NULL}; *k; k++) json_object_del(want, *k);
    if (!json_equal(details, want)) {
        char *a = json_dumps(details, JSON_SORT_KEYS), *b = json_dumps(want, JSON_SORT_KEYS);
        fprintf(stderr, "tu_check_report_parts: run_report_details differs from run_report:\n  %.2000s\n  %.2000s\n", a, b);
        abort();
    }
    json_decref(details), json_decref(want), json_decref(result), json_decref(error);
    sb_free(&sb);
}

json_t *tu_run_nodes(const char *nodes, const char *connections, const char *opts) {
    char *board = NULL;
    if (asprintf(&board, "{\"format\": \"weir-board/1\", \"id\": \"test\", \"nodes\": %s, \"connections\": %s}",
                 nodes, connections ? connections : "[]") < 0)
        abort();
    json_t *out = tu_run(board, opts);
    free(board);
    return out;
}

const char *tu_status(json_t *report) {
    json_t *s = json_object_get(report, "status");
    if (json_is_string(s)) return json_string_value(s);
    return json_is_false(json_object_get(report, "valid")) ? "invalid" : "?";
}

const char *tu_error_code(json_t *report) {
    json_t *e = json_object_get(report, "error");
    if (json_is_object(e)) return json_string_value(json_object_get(e, "code"));
    json_t *errs = json_object_get(report, "errors");
    if (json_array_size(errs)) return json_string_value(json_object_get(json_array_get(errs, 0), "code"));
    return NULL;
}

json_t *tu_result(json_t *report) { return json_object_get(report, "result"); }

void tu_assert_status(json_t *report, const char *status, const char *file, int line) {
    if (strcmp(tu_status(report), status) != 0) {
        char *dump = json_dumps(report, JSON_INDENT(2));
        fprintf(stderr, "%s:%d: expected status %s, got report:\n%s\n", file, line, status, dump);
        free(dump);
        _fail(file, line);
    }
}
