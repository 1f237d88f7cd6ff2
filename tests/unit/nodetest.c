/* nodetest.c — see nodetest.h. */
#include "nodetest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The nodes array: s, the extra nodes, `node`, r. */
static char *board_nodes(const char *node, const char *extra_nodes) {
    char *nodes = NULL;
    if (asprintf(&nodes, "[{\"id\":\"s\",\"type\":\"events_simple\"},%s%s%s,{\"id\":\"r\",\"type\":\"return_result\"}]",
                 extra_nodes ? extra_nodes : "", extra_nodes ? "," : "", node) < 0)
        abort();
    return nodes;
}

json_t *run_node_ex(const char *node, const char *pin, bool exec, const char *extra_nodes, const char *extra_conns) {
    char *nodes = board_nodes(node, extra_nodes), *conns = NULL;
    if (exec) {
        if (asprintf(&conns,
                     "[{\"from\":\"s.exec_out\",\"to\":\"n.exec_in\"},{\"from\":\"n.exec_out\",\"to\":\"r.exec_in\"},"
                     "{\"from\":\"n.%s\",\"to\":\"r.result\"}%s%s]",
                     pin, extra_conns ? "," : "", extra_conns ? extra_conns : "") < 0)
            abort();
    } else {
        if (asprintf(&conns,
                     "[{\"from\":\"s.exec_out\",\"to\":\"r.exec_in\"},{\"from\":\"n.%s\",\"to\":\"r.result\"}%s%s]", pin,
                     extra_conns ? "," : "", extra_conns ? extra_conns : "") < 0)
            abort();
    }
    json_t *rep = tu_run_nodes(nodes, conns, NULL);
    free(nodes);
    free(conns);
    assert_non_null(rep);
    return rep;
}

static json_t *run_vf(const char *pin, bool exec, const char *fmt, va_list ap) {
    char *node = NULL;
    if (vasprintf(&node, fmt, ap) < 0) abort();
    json_t *rep = run_node_ex(node, pin, exec, NULL, NULL);
    free(node);
    return rep;
}

json_t *run_nodef(const char *pin, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    json_t *rep = run_vf(pin, false, fmt, ap);
    va_end(ap);
    return rep;
}

json_t *run_execf(const char *pin, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    json_t *rep = run_vf(pin, true, fmt, ap);
    va_end(ap);
    return rep;
}

json_t *run_error_handled(const char *node) {
    char *nodes = board_nodes(node, NULL);
    json_t *rep = tu_run_nodes(nodes,
                               "[{\"from\":\"s.exec_out\",\"to\":\"n.exec_in\"},"
                               "{\"from\":\"n.auto_handle_error\",\"to\":\"r.exec_in\"},"
                               "{\"from\":\"n.auto_handle_error_string\",\"to\":\"r.result\"}]",
                               NULL);
    free(nodes);
    return rep;
}

void dump_report(json_t *rep) {
    char *d = json_dumps(rep, JSON_INDENT(2) | JSON_ENCODE_ANY);
    fprintf(stderr, "report: %.4000s\n", d ? d : "?");
    free(d);
}

void check_result_at(json_t *rep, const char *want, const char *file, int line) {
    tu_assert_status(rep, "completed", file, line);
    json_error_t je;
    json_t *w = json_loads(want, JSON_DECODE_ANY, &je);
    if (!w) fail_msg("%s:%d: bad expected JSON %s: %s", file, line, want, je.text);
    if (!json_equal(w, tu_result(rep))) {
        dump_report(rep);
        fail_msg("%s:%d: result differs from %s", file, line, want);
    }
    json_decref(w);
    json_decref(rep);
}

void check_failed_at(json_t *rep, const char *node, const char *file, int line, ...) {
    tu_assert_status(rep, "failed", file, line);
    json_t *err = json_object_get(rep, "error");
    const char *code = json_string_value(json_object_get(err, "code"));
    const char *n = json_string_value(json_object_get(err, "node"));
    const char *msg = json_string_value(json_object_get(err, "message"));
    if (!code || strcmp(code, "node_failed") != 0 || !n || strcmp(n, node) != 0 || !msg || !*msg) {
        dump_report(rep);
        fail_msg("%s:%d: want node_failed at %s", file, line, node);
    }
    va_list ap;
    va_start(ap, line);
    for (const char *sub; (sub = va_arg(ap, const char *)) != NULL;) {
        if (!strstr(msg, sub)) {
            va_end(ap);
            dump_report(rep);
            fail_msg("%s:%d: message \"%s\" lacks \"%s\"", file, line, msg, sub);
        }
    }
    va_end(ap);
    json_decref(rep);
}

void check_invalid_at(json_t *rep, const char *code, const char *pin, const char *file, int line) {
    const char *st = tu_status(rep);
    const char *got = tu_error_code(rep);
    json_t *e0 = json_array_get(json_object_get(rep, "errors"), 0);
    const char *node = json_string_value(json_object_get(e0, "node"));
    const char *p = json_string_value(json_object_get(e0, "pin"));
    if (strcmp(st, "invalid") != 0 || !got || strcmp(got, code) != 0 || !node || strcmp(node, "n") != 0 ||
        (pin && (!p || strcmp(p, pin) != 0))) {
        dump_report(rep);
        fail_msg("%s:%d: want an invalid board with %s at n%s%s", file, line, code, pin ? "." : "", pin ? pin : "");
    }
    json_decref(rep);
}

json_t *run_rerouted(const char *node, const char *out_pin, const char *v, const char *in_pin) {
    char *rr = NULL, *conn = NULL;
    if (asprintf(&rr, "{\"id\":\"rr\",\"type\":\"reroute\",\"inputs\":{\"route_in\":%s}}", v) < 0) abort();
    if (asprintf(&conn, "{\"from\":\"rr.route_out\",\"to\":\"n.%s\"}", in_pin) < 0) abort();
    json_t *rep = run_node_ex(node, out_pin, false, rr, conn);
    free(rr);
    free(conn);
    return rep;
}
