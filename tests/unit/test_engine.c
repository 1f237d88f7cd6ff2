/* test_engine.c — run semantics of boards.md §2 and the control nodes:
 * scheduling, lazy pure evaluation, loops, sequence, gate, do-once, do-n,
 * flip-flop, parallel branches, gather, timeout, delay, errors and their
 * handling, limits, cancellation, variables, secrets, results, the trace
 * with its values. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/limits.h"
#include "board/board.h"
#include "engine/engine.h"
#include "testutil.h"

#define S "{\"id\": \"s\", \"type\": \"events_simple\"}"

static json_t *logs_of(json_t *rep) { return json_object_get(rep, "logs"); }

static const char *log_msg(json_t *rep, size_t i) {
    return json_string_value(json_object_get(json_array_get(logs_of(rep), i), "message"));
}

/* Messages of all logs joined with ',' (static buffer, tests only). */
static const char *log_line(json_t *rep) {
    static char buf[8192];
    buf[0] = '\0';
    for (size_t i = 0; i < json_array_size(logs_of(rep)); i++) {
        if (i) strcat(buf, ",");
        strncat(buf, log_msg(rep, i), sizeof buf - strlen(buf) - 2);
    }
    return buf;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_hello_result(void **state) {
    (void)state;
    json_t *rep = tu_run_nodes("[" S ", {\"id\": \"l\", \"type\": \"log_info\", \"inputs\": {\"message\": \"hi\"}},"
                               "{\"id\": \"r\", \"type\": \"return_result\", \"inputs\": {\"result\": {\"a\": 1}}}]",
                               "[{\"from\": \"s.exec_out\", \"to\": \"l.exec_in\"},"
                               "{\"from\": \"l.exec_out\", \"to\": \"r.exec_in\"}]",
                               NULL);
    assert_completed(rep);
    assert_string_equal(log_line(rep), "hi");
    assert_int_equal(json_integer_value(json_object_get(tu_result(rep), "a")), 1);
    assert_int_equal(strlen(json_string_value(json_object_get(rep, "run_id"))), 32);
    assert_true(json_is_null(json_object_get(rep, "error")));
    json_decref(rep);
}

static void test_last_result_wins(void **state) {
    (void)state;
    json_t *rep = tu_run_nodes("[" S ", {\"id\": \"r1\", \"type\": \"return_result\", \"inputs\": {\"result\": 1}},"
                               "{\"id\": \"r2\", \"type\": \"return_result\", \"inputs\": {\"result\": 2}}]",
                               "[{\"from\": \"s.exec_out\", \"to\": \"r1.exec_in\"},"
                               "{\"from\": \"r1.exec_out\", \"to\": \"r2.exec_in\"}]",
                               NULL);
    assert_completed(rep);
    assert_int_equal(json_integer_value(tu_result(rep)), 2);
    json_decref(rep);
}

static void test_branch(void **state) {
    (void)state;
    const char *nodes = "[" S ", {\"id\": \"b\", \"type\": \"control_branch\", \"inputs\": {\"condition\": %s}},"
                        "{\"id\": \"t\", \"type\": \"log_info\", \"inputs\": {\"message\": \"yes\"}},"
                        "{\"id\": \"f\", \"type\": \"log_info\", \"inputs\": {\"message\": \"no\"}}]";
    const char *conns = "[{\"from\": \"s.exec_out\", \"to\": \"b.exec_in\"},"
                        "{\"from\": \"b.true\", \"to\": \"t.exec_in\"}, {\"from\": \"b.false\", \"to\": \"f.exec_in\"}]";
    char buf[1024];
    snprintf(buf, sizeof buf, nodes, "true");
    json_t *rep = tu_run_nodes(buf, conns, NULL);
    assert_string_equal(log_line(rep), "yes");
    json_decref(rep);
    snprintf(buf, sizeof buf, nodes, "false");
    rep = tu_run_nodes(buf, conns, NULL);
    assert_string_equal(log_line(rep), "no");
    json_decref(rep);
}

static void test_sequence_order_and_completion(void **state) {
    (void)state;
    /* each chain runs to completion before the next: 1a,1b,2,3 */
    json_t *rep = tu_run_nodes(
        "[" S ", {\"id\": \"q\", \"type\": \"control_sequence\", \"pin_counts\": {\"exec_out\": 3}},"
        "{\"id\": \"a\", \"type\": \"log_info\", \"inputs\": {\"message\": \"1a\"}},"
        "{\"id\": \"b\", \"type\": \"log_info\", \"inputs\": {\"message\": \"1b\"}},"
        "{\"id\": \"c\", \"type\": \"log_info\", \"inputs\": {\"message\": \"2\"}},"
        "{\"id\": \"d\", \"type\": \"log_info\", \"inputs\": {\"message\": \"3\"}}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"q.exec_in\"}, {\"from\": \"q.exec_out#1\", \"to\": \"a.exec_in\"},"
        "{\"from\": \"a.exec_out\", \"to\": \"b.exec_in\"}, {\"from\": \"q.exec_out#2\", \"to\": \"c.exec_in\"},"
        "{\"from\": \"q.exec_out#3\", \"to\": \"d.exec_in\"}]",
        NULL);
    assert_completed(rep);
    assert_string_equal(log_line(rep), "1a,1b,2,3");
    json_decref(rep);
}

/* A for_each over [10,20,30] logging value and index; pure nodes re-read per
 * iteration. */
static void test_for_each(void **state) {
    (void)state;
    json_t *rep = tu_run_nodes(
        "[" S ", {\"id\": \"f\", \"type\": \"control_for_each\", \"inputs\": {\"array\": [10, 20, 30]}},"
        "{\"id\": \"v\", \"type\": \"log_info\"}, {\"id\": \"i\", \"type\": \"log_info\"},"
        "{\"id\": \"d\", \"type\": \"log_info\", \"inputs\": {\"message\": \"done\"}},"
        "{\"id\": \"rr\", \"type\": \"reroute\"}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"f.exec_in\"}, {\"from\": \"f.exec_out\", \"to\": \"v.exec_in\"},"
        "{\"from\": \"f.value\", \"to\": \"rr.route_in\"}, {\"from\": \"rr.route_out\", \"to\": \"v.message\"},"
        "{\"from\": \"v.exec_out\", \"to\": \"i.exec_in\"}, {\"from\": \"f.index\", \"to\": \"i.message\"},"
        "{\"from\": \"f.done\", \"to\": \"d.exec_in\"}]",
        NULL);
    assert_completed(rep);
    assert_string_equal(log_line(rep), "10,0,20,1,30,2,done");
    json_decref(rep);
}

static void test_for_each_not_array_fails(void **state) {
    (void)state;
    json_t *rep = tu_run_nodes("[" S ", {\"id\": \"p\", \"type\": \"reroute\", \"inputs\": {\"route_in\": 5}},"
                               "{\"id\": \"f\", \"type\": \"control_for_each\"}]",
                               "[{\"from\": \"s.exec_out\", \"to\": \"f.exec_in\"},"
                               "{\"from\": \"p.route_out\", \"to\": \"f.array\"}]",
                               NULL);
    assert_string_equal(tu_status(rep), "failed");
    assert_string_equal(tu_error_code(rep), "node_failed");
    assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "error"), "node")), "f");
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(rep, "error"), "message")), "array"));
    json_decref(rep);
}

static void test_for_each_with_break(void **state) {
    (void)state;
    /* break when the variable `stop` turns true, set in the body at index 1 */
    const char *board =
        "{\"format\": \"weir-board/1\", \"id\": \"b\", \"variables\": [{\"id\": \"stop\", \"type\": \"boolean\", "
        "\"default\": false}], \"nodes\": [" S ","
        "{\"id\": \"f\", \"type\": \"control_for_each_with_break\", \"inputs\": {\"array\": [\"a\", \"b\", \"c\", \"d\"]}},"
        "{\"id\": \"g\", \"type\": \"variable_get\", \"inputs\": {\"var_ref\": \"stop\"}},"
        "{\"id\": \"l\", \"type\": \"log_info\"},"
        "{\"id\": \"n\", \"type\": \"control_do_n\", \"inputs\": {\"n\": 1}},"
        "{\"id\": \"set\", \"type\": \"variable_set\", \"inputs\": {\"var_ref\": \"stop\", \"value_in\": true}},"
        "{\"id\": \"k\", \"type\": \"control_flip_flop\"}],"
        "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"f.exec_in\"}, {\"from\": \"g.value_ref\", \"to\": \"f.break\"},"
        "{\"from\": \"f.exec_out\", \"to\": \"l.exec_in\"}, {\"from\": \"f.value\", \"to\": \"l.message\"},"
        "{\"from\": \"l.exec_out\", \"to\": \"k.exec_in\"}, {\"from\": \"k.b\", \"to\": \"set.exec_in\"}]}";
    json_t *rep = tu_run(board, NULL);
    assert_completed(rep);
    assert_string_equal(log_line(rep), "a,b");
    json_decref(rep);
}

static void test_while_loop(void **state) {
    (void)state;
    /* while (i < 3) { log i; i = i + 1 } using the iteration counter */
    const char *board =
        "{\"format\": \"weir-board/1\", \"id\": \"b\", \"variables\": [{\"id\": \"go\", \"type\": \"boolean\", "
        "\"default\": true}], \"nodes\": [" S ","
        "{\"id\": \"w\", \"type\": \"control_while_loop\", \"inputs\": {\"max_iter\": 100}},"
        "{\"id\": \"g\", \"type\": \"variable_get\", \"inputs\": {\"var_ref\": \"go\"}},"
        "{\"id\": \"l\", \"type\": \"log_info\"},"
        "{\"id\": \"n\", \"type\": \"control_do_n\", \"inputs\": {\"n\": 3}},"
        "{\"id\": \"off\", \"type\": \"variable_set\", \"inputs\": {\"var_ref\": \"go\", \"value_in\": false}},"
        "{\"id\": \"d\", \"type\": \"log_info\", \"inputs\": {\"message\": \"done\"}}],"
        "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}, {\"from\": \"g.value_ref\", \"to\": \"w.condition\"},"
        "{\"from\": \"w.exec_out\", \"to\": \"n.exec_in\"}, {\"from\": \"n.then\", \"to\": \"l.exec_in\"},"
        "{\"from\": \"w.iter\", \"to\": \"l.message\"}, {\"from\": \"n.remaining\", \"to\": \"off.value_in\"},"
        "{\"from\": \"w.done\", \"to\": \"d.exec_in\"}]}";
    (void)board;
    /* simpler: condition stays true, max_iter bounds it */
    json_t *rep = tu_run_nodes("[" S ", {\"id\": \"w\", \"type\": \"control_while_loop\", \"inputs\": {\"condition\": "
                               "true, \"max_iter\": 4}}, {\"id\": \"l\", \"type\": \"log_info\"},"
                               "{\"id\": \"d\", \"type\": \"log_info\", \"inputs\": {\"message\": \"done\"}}]",
                               "[{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}, {\"from\": \"w.exec_out\", \"to\": "
                               "\"l.exec_in\"}, {\"from\": \"w.iter\", \"to\": \"l.message\"},"
                               "{\"from\": \"w.done\", \"to\": \"d.exec_in\"}]",
                               NULL);
    assert_completed(rep);
    assert_string_equal(log_line(rep), "0,1,2,3,done");
    json_decref(rep);
    /* default condition false: body never runs */
    rep = tu_run_nodes("[" S ", {\"id\": \"w\", \"type\": \"control_while_loop\"}, {\"id\": \"l\", \"type\": \"log_info\"},"
                       "{\"id\": \"d\", \"type\": \"log_info\", \"inputs\": {\"message\": \"done\"}}]",
                       "[{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}, {\"from\": \"w.exec_out\", \"to\": "
                       "\"l.exec_in\"}, {\"from\": \"w.done\", \"to\": \"d.exec_in\"}]",
                       NULL);
    assert_string_equal(log_line(rep), "done");
    json_decref(rep);
}

/* gate, do_once, do_n, flip_flop driven by a for_each over 4 items */
static json_t *drive4(const char *node, const char *out_pin, const char *data_pin) {
    char nodes[1024], conns[1024];
    snprintf(nodes, sizeof nodes,
             "[" S ", {\"id\": \"f\", \"type\": \"control_for_each\", \"inputs\": {\"array\": [1, 2, 3, 4]}}, %s,"
             "{\"id\": \"l\", \"type\": \"log_info\"}]",
             node);
    snprintf(conns, sizeof conns,
             "[{\"from\": \"s.exec_out\", \"to\": \"f.exec_in\"}, {\"from\": \"f.exec_out\", \"to\": \"x.exec_in\"},"
             "{\"from\": \"x.%s\", \"to\": \"l.exec_in\"}, {\"from\": \"x.%s\", \"to\": \"l.message\"}]",
             out_pin, data_pin);
    return tu_run_nodes(nodes, conns, NULL);
}

static void test_stateful_nodes(void **state) {
    (void)state;
    json_t *rep = drive4("{\"id\": \"x\", \"type\": \"control_do_once\"}", "then", "has_fired");
    assert_string_equal(log_line(rep), "true");
    json_decref(rep);
    rep = drive4("{\"id\": \"x\", \"type\": \"control_do_once\", \"inputs\": {\"start_closed\": true}}", "then",
                 "has_fired");
    assert_string_equal(log_line(rep), "");
    json_decref(rep);
    rep = drive4("{\"id\": \"x\", \"type\": \"control_do_n\", \"inputs\": {\"n\": 3, \"start_index\": 5}}", "then",
                 "index");
    assert_string_equal(log_line(rep), "5,6,7");
    json_decref(rep);
    rep = drive4("{\"id\": \"x\", \"type\": \"control_flip_flop\"}", "a", "tick");
    assert_string_equal(log_line(rep), "0,2");
    json_decref(rep);
    rep = drive4("{\"id\": \"x\", \"type\": \"control_flip_flop\", \"inputs\": {\"start_on_a\": false}}", "a", "tick");
    assert_string_equal(log_line(rep), "1,3");
    json_decref(rep);
}

static void test_gate(void **state) {
    (void)state;
    /* sequence: enter (open: passes), close, enter (blocked), toggle, enter (passes) */
    const char *nodes =
        "[" S ", {\"id\": \"q\", \"type\": \"control_sequence\", \"pin_counts\": {\"exec_out\": 5}},"
        "{\"id\": \"x\", \"type\": \"control_gate\", \"inputs\": {\"start_closed\": %s}},"
        "{\"id\": \"l\", \"type\": \"log_info\", \"inputs\": {\"message\": \"pass\"}}]";
    const char *conns =
        "[{\"from\": \"s.exec_out\", \"to\": \"q.exec_in\"}, {\"from\": \"q.exec_out#1\", \"to\": \"x.enter\"},"
        "{\"from\": \"q.exec_out#2\", \"to\": \"x.close\"}, {\"from\": \"q.exec_out#3\", \"to\": \"x.enter\"},"
        "{\"from\": \"q.exec_out#4\", \"to\": \"x.toggle\"}, {\"from\": \"q.exec_out#5\", \"to\": \"x.enter\"},"
        "{\"from\": \"x.exit\", \"to\": \"l.exec_in\"}]";
    char buf[1024];
    snprintf(buf, sizeof buf, nodes, "false");
    json_t *rep = tu_run_nodes(buf, conns, NULL);
    assert_completed(rep);
    assert_int_equal(json_array_size(logs_of(rep)), 2);
    json_decref(rep);
    snprintf(buf, sizeof buf, nodes, "true"); /* closed: only the toggled enter passes */
    rep = tu_run_nodes(buf, conns, NULL);
    assert_int_equal(json_array_size(logs_of(rep)), 1);
    json_decref(rep);
}

static void test_node_failure_stops_run(void **state) {
    (void)state;
    json_t *rep = tu_run_nodes(
        "[" S ", {\"id\": \"w\", \"type\": \"delay\", \"inputs\": {\"time\": -1}},"
        "{\"id\": \"l\", \"type\": \"log_info\", \"inputs\": {\"message\": \"after\"}}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}, {\"from\": \"w.exec_out\", \"to\": \"l.exec_in\"}]", NULL);
    assert_string_equal(tu_status(rep), "failed");
    assert_string_equal(tu_error_code(rep), "node_failed");
    assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "error"), "node")), "w");
    assert_int_equal(json_array_size(logs_of(rep)), 0);
    json_decref(rep);
}

static void test_handle_errors(void **state) {
    (void)state;
    /* failure inside a loop body, handled: the handler runs each time and the loop goes on */
    json_t *rep = tu_run_nodes(
        "[" S ", {\"id\": \"f\", \"type\": \"control_for_each\", \"inputs\": {\"array\": [1, 2]}},"
        "{\"id\": \"w\", \"type\": \"delay\", \"handle_errors\": true, \"inputs\": {\"time\": -1}},"
        "{\"id\": \"h\", \"type\": \"log_error\"},"
        "{\"id\": \"d\", \"type\": \"log_info\", \"inputs\": {\"message\": \"done\"}}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"f.exec_in\"}, {\"from\": \"f.exec_out\", \"to\": \"w.exec_in\"},"
        "{\"from\": \"w.auto_handle_error\", \"to\": \"h.exec_in\"},"
        "{\"from\": \"w.auto_handle_error_string\", \"to\": \"h.message\"},"
        "{\"from\": \"f.done\", \"to\": \"d.exec_in\"}]",
        NULL);
    assert_completed(rep);
    assert_int_equal(json_array_size(logs_of(rep)), 3);
    assert_non_null(strstr(log_msg(rep, 0), "non-negative"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(logs_of(rep), 0), "level")), "error");
    assert_string_equal(log_msg(rep, 2), "done");
    json_decref(rep);
    /* handle_errors without a wired handler still fails the run */
    rep = tu_run_nodes("[" S ", {\"id\": \"w\", \"type\": \"delay\", \"handle_errors\": true, \"inputs\": {\"time\": -1}}]",
                       "[{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}]", NULL);
    assert_string_equal(tu_status(rep), "failed");
    json_decref(rep);
    /* error pins exist only with handle_errors */
    json_t *v = tu_validate("{\"format\": \"weir-board/1\", \"id\": \"b\", \"nodes\": [" S ", {\"id\": \"w\", \"type\": "
                            "\"delay\"}, {\"id\": \"h\", \"type\": \"log_error\"}], \"connections\": [{\"from\": "
                            "\"w.auto_handle_error\", \"to\": \"h.exec_in\"}]}");
    assert_true(json_is_false(json_object_get(v, "valid")));
    json_decref(v);
}

static void test_loop_limit(void **state) {
    (void)state;
    /* an execution cycle: l → q#1 → l … ends with loop_limit, not a crash */
    json_t *rep = tu_run_nodes("[" S ", {\"id\": \"a\", \"type\": \"control_flip_flop\"},"
                               "{\"id\": \"b\", \"type\": \"control_flip_flop\"}]",
                               "[{\"from\": \"s.exec_out\", \"to\": \"a.exec_in\"}, {\"from\": \"a.a\", \"to\": \"b.exec_in\"},"
                               "{\"from\": \"a.b\", \"to\": \"b.exec_in\"}, {\"from\": \"b.a\", \"to\": \"a.exec_in\"},"
                               "{\"from\": \"b.b\", \"to\": \"a.exec_in\"}]",
                               NULL);
    assert_string_equal(tu_status(rep), "failed");
    assert_string_equal(tu_error_code(rep), "loop_limit");
    json_decref(rep);
    /* a loop body executing 100,001 times */
    rep = tu_run_nodes("[" S ", {\"id\": \"w\", \"type\": \"control_while_loop\", \"inputs\": {\"condition\": true, "
                       "\"max_iter\": 100001}}, {\"id\": \"x\", \"type\": \"control_flip_flop\"}]",
                       "[{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}, {\"from\": \"w.exec_out\", \"to\": \"x.exec_in\"}]",
                       NULL);
    assert_string_equal(tu_error_code(rep), "loop_limit");
    assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "error"), "node")), "x");
    json_decref(rep);
    /* exactly 100,000 is allowed */
    rep = tu_run_nodes("[" S ", {\"id\": \"w\", \"type\": \"control_while_loop\", \"inputs\": {\"condition\": true, "
                       "\"max_iter\": 100000}}, {\"id\": \"x\", \"type\": \"control_flip_flop\"}]",
                       "[{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}, {\"from\": \"w.exec_out\", \"to\": \"x.exec_in\"}]",
                       NULL);
    assert_completed(rep);
    json_decref(rep);
}

static void test_depth_limit(void **state) {
    (void)state;
    /* a sequence whose first output leads back into itself nests without end */
    json_t *rep = tu_run_nodes("[" S ", {\"id\": \"q\", \"type\": \"control_sequence\"}]",
                               "[{\"from\": \"s.exec_out\", \"to\": \"q.exec_in\"}, {\"from\": \"q.exec_out#1\", \"to\": "
                               "\"q.exec_in\"}]",
                               NULL);
    /* self connection is refused at validation */
    assert_string_equal(tu_status(rep), "invalid");
    json_decref(rep);
    rep = tu_run_nodes("[" S ", {\"id\": \"q\", \"type\": \"control_sequence\"}, {\"id\": \"r\", \"type\": \"reroute\"},"
                       "{\"id\": \"q2\", \"type\": \"control_sequence\"}]",
                       "[{\"from\": \"s.exec_out\", \"to\": \"q.exec_in\"}, {\"from\": \"q.exec_out#1\", \"to\": "
                       "\"q2.exec_in\"}, {\"from\": \"q2.exec_out#1\", \"to\": \"q.exec_in\"}]",
                       NULL);
    assert_string_equal(tu_status(rep), "failed");
    assert_string_equal(tu_error_code(rep), "depth_limit");
    json_decref(rep);
}

static void test_run_timeout(void **state) {
    (void)state;
    double t0 = now_ms();
    json_t *rep = tu_run_nodes("[" S ", {\"id\": \"w\", \"type\": \"delay\", \"inputs\": {\"time\": 60000}}]",
                               "[{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}]", "{\"timeout_ms\": 100}");
    double took = now_ms() - t0;
    assert_string_equal(tu_status(rep), "timed_out");
    assert_string_equal(tu_error_code(rep), "timed_out");
    assert_true(took < 5000);
    json_decref(rep);
}

static void test_timeout_node_stops_body(void **state) {
    (void)state;
    /* the body waits 60 s; the timeout of 50 ms stops it, the run continues at exec_timed_out and
     * nothing after the delay in the body runs */
    double t0 = now_ms();
    json_t *rep = tu_run_nodes(
        "[" S ", {\"id\": \"t\", \"type\": \"control_timeout\", \"inputs\": {\"timeout_ms\": 50}},"
        "{\"id\": \"w\", \"type\": \"delay\", \"inputs\": {\"time\": 60000}},"
        "{\"id\": \"after\", \"type\": \"log_info\", \"inputs\": {\"message\": \"body finished\"}},"
        "{\"id\": \"to\", \"type\": \"log_info\", \"inputs\": {\"message\": \"timed out\"}},"
        "{\"id\": \"ok\", \"type\": \"log_info\", \"inputs\": {\"message\": \"completed\"}}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"t.exec_in\"}, {\"from\": \"t.exec_body\", \"to\": \"w.exec_in\"},"
        "{\"from\": \"w.exec_out\", \"to\": \"after.exec_in\"}, {\"from\": \"t.exec_timed_out\", \"to\": \"to.exec_in\"},"
        "{\"from\": \"t.exec_completed\", \"to\": \"ok.exec_in\"}]",
        NULL);
    double took = now_ms() - t0;
    assert_completed(rep);
    assert_string_equal(log_line(rep), "timed out");
    assert_true(took < 5000);
    json_decref(rep);
    /* a busy loop body is stopped too */
    rep = tu_run_nodes(
        "[" S ", {\"id\": \"t\", \"type\": \"control_timeout\", \"inputs\": {\"timeout_ms\": 30}},"
        "{\"id\": \"w\", \"type\": \"control_while_loop\", \"inputs\": {\"condition\": true, \"max_iter\": 1000000000}},"
        "{\"id\": \"x\", \"type\": \"delay\", \"inputs\": {\"time\": 1}},"
        "{\"id\": \"to\", \"type\": \"log_info\", \"inputs\": {\"message\": \"timed out\"}}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"t.exec_in\"}, {\"from\": \"t.exec_body\", \"to\": \"w.exec_in\"},"
        "{\"from\": \"w.exec_out\", \"to\": \"x.exec_in\"}, {\"from\": \"t.exec_timed_out\", \"to\": \"to.exec_in\"}]",
        NULL);
    assert_completed(rep);
    assert_string_equal(log_line(rep), "timed out");
    json_decref(rep);
    /* a quick body completes */
    rep = tu_run_nodes(
        "[" S ", {\"id\": \"t\", \"type\": \"control_timeout\", \"inputs\": {\"timeout_ms\": 5000}},"
        "{\"id\": \"b\", \"type\": \"log_info\", \"inputs\": {\"message\": \"body\"}},"
        "{\"id\": \"to\", \"type\": \"log_info\", \"inputs\": {\"message\": \"timed out\"}},"
        "{\"id\": \"ok\", \"type\": \"log_info\", \"inputs\": {\"message\": \"completed\"}}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"t.exec_in\"}, {\"from\": \"t.exec_body\", \"to\": \"b.exec_in\"},"
        "{\"from\": \"t.exec_timed_out\", \"to\": \"to.exec_in\"}, {\"from\": \"t.exec_completed\", \"to\": \"ok.exec_in\"}]",
        NULL);
    assert_string_equal(log_line(rep), "body,completed");
    json_decref(rep);
}

static void test_parallel_execution_runs_concurrently(void **state) {
    (void)state;
    /* four branches each waiting 300 ms finish in well under 4 × 300 ms */
    double t0 = now_ms();
    json_t *rep = tu_run_nodes(
        "[" S ", {\"id\": \"p\", \"type\": \"control_par_execution\", \"pin_counts\": {\"exec_out\": 4}},"
        "{\"id\": \"w1\", \"type\": \"delay\", \"inputs\": {\"time\": 300}},"
        "{\"id\": \"w2\", \"type\": \"delay\", \"inputs\": {\"time\": 300}},"
        "{\"id\": \"w3\", \"type\": \"delay\", \"inputs\": {\"time\": 300}},"
        "{\"id\": \"w4\", \"type\": \"delay\", \"inputs\": {\"time\": 300}},"
        "{\"id\": \"d\", \"type\": \"log_info\", \"inputs\": {\"message\": \"all done\"}}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"p.exec_in\"}, {\"from\": \"p.exec_out#1\", \"to\": \"w1.exec_in\"},"
        "{\"from\": \"p.exec_out#2\", \"to\": \"w2.exec_in\"}, {\"from\": \"p.exec_out#3\", \"to\": \"w3.exec_in\"},"
        "{\"from\": \"p.exec_out#4\", \"to\": \"w4.exec_in\"}, {\"from\": \"p.exec_done\", \"to\": \"d.exec_in\"}]",
        NULL);
    double took = now_ms() - t0;
    assert_completed(rep);
    assert_string_equal(log_line(rep), "all done");
    assert_true(took >= 290);
    assert_true(took < 1000);
    json_decref(rep);
}

static void test_par_for_each_values_and_merge(void **state) {
    (void)state;
    /* each branch sees its own value; a value set in a branch is visible after done */
    json_t *rep = tu_run_nodes(
        "[" S ", {\"id\": \"p\", \"type\": \"control_par_for_each\", \"inputs\": {\"array\": [1, 2, 3, 4, 5, 6, 7, 8], "
        "\"max_concurrent\": 4}},"
        "{\"id\": \"w\", \"type\": \"delay\", \"inputs\": {\"time\": 20}},"
        "{\"id\": \"l\", \"type\": \"log_info\"},"
        "{\"id\": \"d\", \"type\": \"log_info\", \"inputs\": {\"message\": \"done\"}}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"p.exec_in\"}, {\"from\": \"p.exec_out\", \"to\": \"w.exec_in\"},"
        "{\"from\": \"w.exec_out\", \"to\": \"l.exec_in\"}, {\"from\": \"p.value\", \"to\": \"l.message\"},"
        "{\"from\": \"p.done\", \"to\": \"d.exec_in\"}]",
        NULL);
    assert_completed(rep);
    json_t *logs = logs_of(rep);
    assert_int_equal(json_array_size(logs), 9);
    int seen = 0;
    for (size_t i = 0; i < 8; i++) seen |= 1 << atoi(log_msg(rep, i));
    assert_int_equal(seen, 0x1FE); /* every value 1..8 exactly as its own branch saw it */
    assert_string_equal(log_msg(rep, 8), "done");
    json_decref(rep);
    /* max_concurrent below 1 fails the node */
    rep = tu_run_nodes("[" S ", {\"id\": \"p\", \"type\": \"control_par_for_each\", \"inputs\": {\"array\": [1], "
                       "\"max_concurrent\": 0}}]",
                       "[{\"from\": \"s.exec_out\", \"to\": \"p.exec_in\"}]", NULL);
    assert_string_equal(tu_status(rep), "failed");
    json_decref(rep);
}

static void test_parallel_failure_fails_run(void **state) {
    (void)state;
    double t0 = now_ms();
    json_t *rep = tu_run_nodes(
        "[" S ", {\"id\": \"p\", \"type\": \"control_par_execution\"},"
        "{\"id\": \"slow\", \"type\": \"delay\", \"inputs\": {\"time\": 60000}},"
        "{\"id\": \"bad\", \"type\": \"delay\", \"inputs\": {\"time\": -5}},"
        "{\"id\": \"d\", \"type\": \"log_info\", \"inputs\": {\"message\": \"done\"}}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"p.exec_in\"}, {\"from\": \"p.exec_out#1\", \"to\": \"slow.exec_in\"},"
        "{\"from\": \"p.exec_out#2\", \"to\": \"bad.exec_in\"}, {\"from\": \"p.exec_done\", \"to\": \"d.exec_in\"}]",
        NULL);
    assert_string_equal(tu_status(rep), "failed");
    assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "error"), "node")), "bad");
    assert_true(now_ms() - t0 < 5000); /* the slow branch was stopped */
    assert_int_equal(json_array_size(logs_of(rep)), 0);
    json_decref(rep);
}

static void test_gather_after_parallel_branches(void **state) {
    (void)state;
    /* two branches set values and reach a gather; the gather's continuation
     * sees both branches' values */
    json_t *rep = tu_run_nodes(
        "[" S ", {\"id\": \"p\", \"type\": \"control_par_execution\"},"
        "{\"id\": \"a\", \"type\": \"variable_set\", \"inputs\": {\"var_ref\": \"x\", \"value_in\": \"A\"}},"
        "{\"id\": \"b\", \"type\": \"control_do_n\", \"inputs\": {\"n\": 5, \"start_index\": 40}},"
        "{\"id\": \"g\", \"type\": \"control_gather\"},"
        "{\"id\": \"l1\", \"type\": \"log_info\"}, {\"id\": \"l2\", \"type\": \"log_info\"}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"p.exec_in\"}, {\"from\": \"p.exec_out#1\", \"to\": \"a.exec_in\"},"
        "{\"from\": \"p.exec_out#2\", \"to\": \"b.exec_in\"}, {\"from\": \"a.exec_out\", \"to\": \"g.exec_in#1\"},"
        "{\"from\": \"b.then\", \"to\": \"g.exec_in#2\"}, {\"from\": \"g.exec_done\", \"to\": \"l1.exec_in\"},"
        "{\"from\": \"a.value_ref\", \"to\": \"l1.message\"}, {\"from\": \"l1.exec_out\", \"to\": \"l2.exec_in\"},"
        "{\"from\": \"b.index\", \"to\": \"l2.message\"}]",
        NULL);
    /* the board has no variable x: invalid; build it properly below */
    json_decref(rep);
    const char *board =
        "{\"format\": \"weir-board/1\", \"id\": \"b\", \"variables\": [{\"id\": \"x\", \"type\": \"string\"}],"
        "\"nodes\": [" S ", {\"id\": \"p\", \"type\": \"control_par_execution\"},"
        "{\"id\": \"a\", \"type\": \"variable_set\", \"inputs\": {\"var_ref\": \"x\", \"value_in\": \"A\"}},"
        "{\"id\": \"b\", \"type\": \"control_do_n\", \"inputs\": {\"n\": 5, \"start_index\": 40}},"
        "{\"id\": \"g\", \"type\": \"control_gather\"},"
        "{\"id\": \"l1\", \"type\": \"log_info\"}, {\"id\": \"l2\", \"type\": \"log_info\"}],"
        "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"p.exec_in\"}, {\"from\": \"p.exec_out#1\", \"to\": \"a.exec_in\"},"
        "{\"from\": \"p.exec_out#2\", \"to\": \"b.exec_in\"}, {\"from\": \"a.exec_out\", \"to\": \"g.exec_in#1\"},"
        "{\"from\": \"b.then\", \"to\": \"g.exec_in#2\"}, {\"from\": \"g.exec_done\", \"to\": \"l1.exec_in\"},"
        "{\"from\": \"a.value_ref\", \"to\": \"l1.message\"}, {\"from\": \"l1.exec_out\", \"to\": \"l2.exec_in\"},"
        "{\"from\": \"b.index\", \"to\": \"l2.message\"}]}";
    for (int round = 0; round < 20; round++) {
        rep = tu_run(board, NULL);
        assert_completed(rep);
        assert_string_equal(log_line(rep), "A,40");
        json_decref(rep);
    }
}

static void test_nested_parallel_no_deadlock(void **state) {
    (void)state;
    /* 3 × 40 nested branches with max_concurrent 40: more than the pool has threads */
    json_t *rep = tu_run_nodes(
        "[" S ", {\"id\": \"o\", \"type\": \"control_par_for_each\", \"inputs\": {\"array\": [1, 2, 3], \"max_concurrent\": 3}},"
        "{\"id\": \"i\", \"type\": \"control_par_for_each\", \"inputs\": {\"array\": [1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,"
        "8,9,10,1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,8,9,10], \"max_concurrent\": 40}},"
        "{\"id\": \"w\", \"type\": \"delay\", \"inputs\": {\"time\": 5}},"
        "{\"id\": \"d\", \"type\": \"log_info\", \"inputs\": {\"message\": \"done\"}}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"o.exec_in\"}, {\"from\": \"o.exec_out\", \"to\": \"i.exec_in\"},"
        "{\"from\": \"i.exec_out\", \"to\": \"w.exec_in\"}, {\"from\": \"o.done\", \"to\": \"d.exec_in\"}]",
        NULL);
    assert_completed(rep);
    assert_string_equal(log_line(rep), "done");
    json_decref(rep);
}

typedef struct cancel_arg {
    run *r;
    int after_ms;
} cancel_arg;

static void *cancel_later(void *p) {
    cancel_arg *a = p;
    usleep((useconds_t)a->after_ms * 1000);
    run_cancel(a->r);
    return NULL;
}

static void test_cancel_stops_delay_and_branches(void **state) {
    (void)state;
    const char *text =
        "{\"format\": \"weir-board/1\", \"id\": \"b\", \"nodes\": [" S ","
        "{\"id\": \"p\", \"type\": \"control_par_for_each\", \"inputs\": {\"array\": [1, 2, 3]}},"
        "{\"id\": \"w\", \"type\": \"delay\", \"inputs\": {\"time\": 60000}}],"
        "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"p.exec_in\"}, {\"from\": \"p.exec_out\", \"to\": \"w.exec_in\"}]}";
    board_errors errs;
    plan *p = board_load(text, strlen(text), catalog_builtin(), &errs);
    assert_non_null(p);
    run_request req = {.plan = p};
    char err[256];
    run *r = run_new(&req, NULL, err, sizeof err);
    assert_non_null(r);
    cancel_arg a = {r, 50};
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, &a);
    double t0 = now_ms();
    assert_int_equal(run_execute(r), RUN_CANCELLED);
    assert_true(now_ms() - t0 < 5000);
    pthread_join(t, NULL);
    json_t *rep = run_report(r);
    assert_string_equal(tu_error_code(rep), "cancelled");
    json_decref(rep);
    run_free(r);
    plan_free(p);
}

static void test_variables_and_overrides(void **state) {
    (void)state;
    const char *board =
        "{\"format\": \"weir-board/1\", \"id\": \"b\", \"variables\": ["
        "{\"id\": \"n\", \"name\": \"count\", \"type\": \"integer\", \"default\": 7, \"exposed\": true},"
        "{\"id\": \"hidden\", \"type\": \"string\", \"default\": \"h\", \"exposed\": false}],"
        "\"nodes\": [" S ", {\"id\": \"g\", \"type\": \"variable_get\", \"inputs\": {\"var_ref\": \"n\"}},"
        "{\"id\": \"r\", \"type\": \"return_result\"}],"
        "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"r.exec_in\"}, {\"from\": \"g.value_ref\", \"to\": \"r.result\"}]}";
    json_t *rep = tu_run(board, NULL);
    assert_int_equal(json_integer_value(tu_result(rep)), 7);
    json_decref(rep);
    rep = tu_run(board, "{\"variables\": {\"count\": 42}}");
    assert_int_equal(json_integer_value(tu_result(rep)), 42);
    json_decref(rep);
    rep = tu_run(board, "{\"variables\": {\"n\": \"x\"}}");
    assert_string_equal(tu_status(rep), "invalid");
    assert_string_equal(tu_error_code(rep), "bad_variable");
    json_decref(rep);
    rep = tu_run(board, "{\"variables\": {\"hidden\": \"y\"}}");
    assert_string_equal(tu_error_code(rep), "bad_variable");
    json_decref(rep);
    rep = tu_run(board, "{\"variables\": {\"nope\": 1}}");
    assert_string_equal(tu_error_code(rep), "bad_variable");
    json_decref(rep);
    /* setting a value of the wrong type fails the node */
    const char *set_bad =
        "{\"format\": \"weir-board/1\", \"id\": \"b\", \"variables\": [{\"id\": \"n\", \"type\": \"integer\"}],"
        "\"nodes\": [" S ", {\"id\": \"set\", \"type\": \"variable_set\", \"inputs\": {\"var_ref\": \"n\", "
        "\"value_in\": \"text\"}}], \"connections\": [{\"from\": \"s.exec_out\", \"to\": \"set.exec_in\"}]}";
    rep = tu_run(set_bad, NULL);
    assert_string_equal(tu_status(rep), "failed");
    json_decref(rep);
}

static void test_secrets_redacted_everywhere(void **state) {
    (void)state;
    const char *board =
        "{\"format\": \"weir-board/1\", \"id\": \"b\", \"variables\": ["
        "{\"id\": \"token\", \"type\": \"string\", \"default\": \"s3cr3t-default\", \"exposed\": true, \"secret\": true}],"
        "\"nodes\": [" S ", {\"id\": \"g\", \"type\": \"variable_get\", \"inputs\": {\"var_ref\": \"token\"}},"
        "{\"id\": \"rr\", \"type\": \"reroute\"},"
        "{\"id\": \"l\", \"type\": \"log_info\"}, {\"id\": \"e\", \"type\": \"log_error\"},"
        "{\"id\": \"r\", \"type\": \"return_result\"}, {\"id\": \"f\", \"type\": \"control_for_each\"}],"
        "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"l.exec_in\"}, {\"from\": \"g.value_ref\", \"to\": \"rr.route_in\"},"
        "{\"from\": \"rr.route_out\", \"to\": \"l.message\"}, {\"from\": \"l.exec_out\", \"to\": \"e.exec_in\"},"
        "{\"from\": \"g.value_ref\", \"to\": \"e.message\"}, {\"from\": \"e.exec_out\", \"to\": \"r.exec_in\"},"
        "{\"from\": \"rr.route_out\", \"to\": \"r.result\"}, {\"from\": \"r.exec_out\", \"to\": \"f.exec_in\"},"
        "{\"from\": \"g.value_ref\", \"to\": \"f.array\"}]}";
    json_t *rep = tu_run(board, "{\"variables\": {\"token\": \"override-s3cr3t\"}, \"trace\": true}");
    char *dump = json_dumps(rep, 0);
    assert_null(strstr(dump, "s3cr3t"));
    assert_string_equal(log_msg(rep, 0), "***");
    assert_string_equal(log_msg(rep, 1), "***");
    assert_string_equal(json_string_value(tu_result(rep)), "***");
    /* the failing for_each's error names no secret either */
    assert_string_equal(tu_status(rep), "failed");
    free(dump);
    json_decref(rep);
}

static void test_payload_and_generic_event(void **state) {
    (void)state;
    const char *board =
        "{\"format\": \"weir-board/1\", \"id\": \"b\", \"nodes\": ["
        "{\"id\": \"e\", \"type\": \"events_generic\", \"extra_pins\": [{\"name\": \"name\", \"direction\": \"out\", "
        "\"type\": \"string\"}]},"
        "{\"id\": \"l\", \"type\": \"log_info\"}, {\"id\": \"r\", \"type\": \"return_result\"}],"
        "\"connections\": [{\"from\": \"e.exec_out\", \"to\": \"l.exec_in\"}, {\"from\": \"e.name\", \"to\": \"l.message\"},"
        "{\"from\": \"l.exec_out\", \"to\": \"r.exec_in\"}, {\"from\": \"e.payload\", \"to\": \"r.result\"}]}";
    json_t *rep = tu_run(board, "{\"payload\": {\"name\": \"Ada\", \"age\": 36}}");
    assert_completed(rep);
    assert_string_equal(log_line(rep), "Ada");
    assert_null(json_object_get(tu_result(rep), "name"));
    assert_int_equal(json_integer_value(json_object_get(tu_result(rep), "age")), 36);
    json_decref(rep);
    /* a payload field of the wrong type fails the start node; a missing one is null */
    rep = tu_run(board, "{\"payload\": {\"name\": 7}}");
    assert_string_equal(tu_status(rep), "failed");
    assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "error"), "node")), "e");
    json_decref(rep);
    rep = tu_run(board, "{\"payload\": {}}");
    assert_completed(rep);
    assert_string_equal(log_line(rep), "null");
    json_decref(rep);
    /* a payload that is not an object is refused before the run */
    rep = tu_run(board, "{\"payload\": [1]}");
    assert_string_equal(tu_error_code(rep), "bad_payload");
    json_decref(rep);
}

static void test_choose_start_node(void **state) {
    (void)state;
    const char *board =
        "{\"format\": \"weir-board/1\", \"id\": \"b\", \"nodes\": [{\"id\": \"one\", \"type\": \"events_simple\"},"
        "{\"id\": \"two\", \"type\": \"events_simple\"}, {\"id\": \"l1\", \"type\": \"log_info\", \"inputs\": {\"message\": 1}},"
        "{\"id\": \"l2\", \"type\": \"log_info\", \"inputs\": {\"message\": 2}}],"
        "\"connections\": [{\"from\": \"one.exec_out\", \"to\": \"l1.exec_in\"}, {\"from\": \"two.exec_out\", \"to\": \"l2.exec_in\"}]}";
    json_t *rep = tu_run(board, NULL);
    assert_string_equal(tu_error_code(rep), "bad_event");
    json_decref(rep);
    rep = tu_run(board, "{\"event\": \"two\"}");
    assert_string_equal(log_line(rep), "2");
    json_decref(rep);
    rep = tu_run(board, "{\"event\": \"l1\"}");
    assert_string_equal(tu_error_code(rep), "bad_event");
    json_decref(rep);
}

static void test_trace(void **state) {
    (void)state;
    json_t *rep = tu_run_nodes("[" S ", {\"id\": \"l\", \"type\": \"log_info\"}]",
                               "[{\"from\": \"s.exec_out\", \"to\": \"l.exec_in\"}]", "{\"trace\": true}");
    json_t *tr = json_object_get(rep, "trace");
    assert_int_equal(json_array_size(tr), 2);
    json_t *e = json_array_get(tr, 1);
    assert_string_equal(json_string_value(json_object_get(e, "node")), "l");
    assert_string_equal(json_string_value(json_object_get(e, "type")), "log_info");
    assert_string_equal(json_string_value(json_object_get(e, "status")), "ok");
    assert_true(json_is_integer(json_object_get(e, "start_us")));
    assert_true(json_is_integer(json_object_get(e, "duration_us")));
    json_decref(rep);
    rep = tu_run_nodes("[" S "]", "[]", NULL);
    assert_null(json_object_get(rep, "trace"));
    json_decref(rep);
}

/* The k-th trace entry (from 0) of node `id`, or NULL. */
static json_t *trace_of(json_t *rep, const char *id, size_t k) {
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(rep, "trace"), i, e)
        if (strcmp(json_string_value(json_object_get(e, "node")), id) == 0 && k-- == 0) return e;
    return NULL;
}

/* `got` equals the JSON text `want`; prints both when not. */
#define assert_json(got, want) assert_json_at(got, want, __FILE__, __LINE__)
static void assert_json_at(json_t *got, const char *want, const char *file, int line) {
    json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
    if (!w || !got || !json_equal(got, w)) {
        char *g = got ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
        fprintf(stderr, "%s:%d: got %s, expected %s\n", file, line, g ? g : "(null)", want);
        free(g);
        json_decref(w);
        _fail(file, line);
    }
    json_decref(w);
}

/* Inputs (as read, literal or connected) and outputs (as set) of exec and
 * pure nodes; string_format's placeholder inputs; repeated pins keyed as
 * in boards. */
static void test_trace_values(void **state) {
    (void)state;
    const char *board =
        "{\"format\": \"weir-board/1\", \"id\": \"b\", \"variables\": [{\"id\": \"n\", \"type\": \"integer\", "
        "\"default\": 40}], \"nodes\": [" S ", {\"id\": \"g\", \"type\": \"variable_get\", \"inputs\": {\"var_ref\": \"n\"}},"
        "{\"id\": \"add\", \"type\": \"int_add\", \"inputs\": {\"integer1\": 2}},"
        "{\"id\": \"fmt\", \"type\": \"string_format\", \"inputs\": {\"format_string\": \"sum={x}\"}},"
        "{\"id\": \"and\", \"type\": \"bool_and\", \"pin_counts\": {\"boolean\": 2}, "
        "\"inputs\": {\"boolean\": true, \"boolean#2\": true}},"
        "{\"id\": \"l\", \"type\": \"log_info\"}, {\"id\": \"r\", \"type\": \"return_result\"}],"
        "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"l.exec_in\"}, {\"from\": \"l.exec_out\", \"to\": \"r.exec_in\"},"
        "{\"from\": \"g.value_ref\", \"to\": \"add.integer2\"}, {\"from\": \"add.sum\", \"to\": \"fmt.x\"},"
        "{\"from\": \"fmt.formatted_string\", \"to\": \"l.message\"}, {\"from\": \"and.result\", \"to\": \"r.result\"}]}";
    json_t *rep = tu_run(board, "{\"trace\": true}");
    assert_completed(rep);
    assert_null(json_object_get(rep, "trace_values_truncated"));
    json_t *e = trace_of(rep, "s", 0);
    assert_json(json_object_get(e, "inputs"), "{}");
    assert_json(json_object_get(e, "outputs"), "{}");
    assert_json(json_object_get(trace_of(rep, "g", 0), "outputs"), "{\"value_ref\": 40}");
    e = trace_of(rep, "add", 0);
    assert_string_equal(json_string_value(json_object_get(e, "status")), "ok");
    assert_json(json_object_get(e, "inputs"), "{\"integer1\": 2, \"integer2\": 40}");
    assert_json(json_object_get(e, "outputs"), "{\"sum\": 42}");
    e = trace_of(rep, "fmt", 0);
    assert_json(json_object_get(e, "inputs"), "{\"format_string\": \"sum={x}\", \"x\": 42}");
    assert_json(json_object_get(e, "outputs"), "{\"formatted_string\": \"sum=42\"}");
    e = trace_of(rep, "l", 0);
    assert_json(json_object_get(e, "inputs"), "{\"message\": \"sum=42\"}");
    assert_json(json_object_get(e, "outputs"), "{}");
    assert_null(json_object_get(e, "error"));
    assert_json(json_object_get(trace_of(rep, "and", 0), "inputs"), "{\"boolean\": true, \"boolean#2\": true}");
    assert_json(json_object_get(trace_of(rep, "r", 0), "inputs"), "{\"result\": true}");
    json_decref(rep);
    /* without trace nothing is kept */
    rep = tu_run(board, NULL);
    assert_null(json_object_get(rep, "trace"));
    json_decref(rep);
}

/* A secret stays "***" in the inputs and outputs of every node it flows
 * through; a secret string in an untainted value is masked, also when it
 * is learned after the value was traced and when a preview cuts it. */
static void test_trace_values_secret(void **state) {
    (void)state;
    char big[6000];
    snprintf(big, sizeof big, "%0250d%s%05000d", 0, "late-secret-value", 0);
    char *board = NULL;
    int n = asprintf(
        &board,
        "{\"format\": \"weir-board/1\", \"id\": \"b\", \"variables\": ["
        "{\"id\": \"token\", \"type\": \"string\", \"default\": \"s3cr3t-default\", \"secret\": true}],"
        "\"nodes\": [" S ", {\"id\": \"g\", \"type\": \"variable_get\", \"inputs\": {\"var_ref\": \"token\"}},"
        "{\"id\": \"rr\", \"type\": \"reroute\"},"
        "{\"id\": \"fmt\", \"type\": \"string_format\", \"inputs\": {\"format_string\": \"tok={t}\"}},"
        "{\"id\": \"l\", \"type\": \"log_info\"},"
        "{\"id\": \"laundered\", \"type\": \"log_info\", \"inputs\": {\"message\": \"x s3cr3t-default x\"}},"
        "{\"id\": \"big\", \"type\": \"return_result\", \"inputs\": {\"result\": \"%s\"}},"
        "{\"id\": \"set\", \"type\": \"variable_set\", \"inputs\": {\"var_ref\": \"token\", \"value_in\": \"late-secret-value\"}}],"
        "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"l.exec_in\"}, {\"from\": \"g.value_ref\", \"to\": \"rr.route_in\"},"
        "{\"from\": \"rr.route_out\", \"to\": \"fmt.t\"}, {\"from\": \"fmt.formatted_string\", \"to\": \"l.message\"},"
        "{\"from\": \"l.exec_out\", \"to\": \"laundered.exec_in\"}, {\"from\": \"laundered.exec_out\", \"to\": \"big.exec_in\"},"
        "{\"from\": \"big.exec_out\", \"to\": \"set.exec_in\"}]}",
        big);
    assert_true(n > 0);
    json_t *rep = tu_run(board, "{\"trace\": true}");
    free(board);
    assert_completed(rep);
    char *dump = json_dumps(rep, 0);
    assert_null(strstr(dump, "s3cr3t"));
    assert_null(strstr(dump, "late-s"));
    free(dump);
    assert_json(json_object_get(trace_of(rep, "g", 0), "outputs"), "{\"value_ref\": \"***\"}");
    assert_json(json_object_get(trace_of(rep, "rr", 0), "inputs"), "{\"route_in\": \"***\"}");
    assert_json(json_object_get(trace_of(rep, "rr", 0), "outputs"), "{\"route_out\": \"***\"}");
    assert_json(json_object_get(trace_of(rep, "fmt", 0), "inputs"), "{\"format_string\": \"tok={t}\", \"t\": \"***\"}");
    assert_json(json_object_get(trace_of(rep, "fmt", 0), "outputs"), "{\"formatted_string\": \"***\"}");
    assert_json(json_object_get(trace_of(rep, "l", 0), "inputs"), "{\"message\": \"***\"}");
    assert_json(json_object_get(trace_of(rep, "laundered", 0), "inputs"), "{\"message\": \"x *** x\"}");
    /* learned by variable_set after `big` ran (var_ref is resolved at load,
     * not read); the preview cut it after "late-" */
    assert_json(json_object_get(trace_of(rep, "set", 0), "inputs"), "{\"value_in\": \"***\"}");
    assert_json(json_object_get(trace_of(rep, "set", 0), "outputs"), "{\"value_ref\": \"***\"}");
    json_t *pre = json_object_get(json_object_get(json_object_get(trace_of(rep, "big", 0), "inputs"), "result"), "preview");
    char want[300];
    snprintf(want, sizeof want, "\"%0250d", 0);
    assert_string_equal(json_string_value(pre), want);
    json_decref(rep);
}

/* A value over RUN_TRACE_MAX_VALUE_BYTES (as compact JSON) is replaced by
 * {truncated, bytes, preview}; one at the limit is kept whole. */
static void test_trace_value_limit(void **state) {
    (void)state;
    size_t max = RUN_TRACE_MAX_VALUE_BYTES;
    char *s = malloc(max + 2);
    memset(s, 'a', max + 1);
    s[max + 1] = '\0';
    for (size_t len = max - 2; len <= max - 1; len++) { /* with its quotes: max, max + 1 bytes */
        char *nodes = NULL;
        assert_true(asprintf(&nodes, "[" S ", {\"id\": \"r\", \"type\": \"return_result\", \"inputs\": {\"result\": \"%.*s\"}}]",
                             (int)len, s) > 0);
        json_t *rep = tu_run_nodes(nodes, "[{\"from\": \"s.exec_out\", \"to\": \"r.exec_in\"}]", "{\"trace\": true}");
        free(nodes);
        assert_completed(rep);
        json_t *v = json_object_get(json_object_get(trace_of(rep, "r", 0), "inputs"), "result");
        if (len + 2 <= max) {
            assert_true(json_is_string(v));
            assert_int_equal(json_string_length(v), len);
        } else {
            assert_true(json_is_true(json_object_get(v, "truncated")));
            assert_int_equal(json_integer_value(json_object_get(v, "bytes")), len + 2);
            const char *pre = json_string_value(json_object_get(v, "preview"));
            assert_int_equal(strlen(pre), RUN_TRACE_PREVIEW_BYTES);
            assert_int_equal(pre[0], '"');
            assert_int_equal(strspn(pre + 1, "a"), RUN_TRACE_PREVIEW_BYTES - 1);
            assert_int_equal(json_object_size(v), 3);
        }
        assert_null(json_object_get(rep, "trace_values_truncated"));
        json_decref(rep);
    }
    free(s);
}

/* Past RUN_TRACE_MAX_BYTES of values, entries keep their timing but no
 * values, and the report says so. */
static void test_trace_total_limit(void **state) {
    (void)state;
    char pad[3001];
    memset(pad, 'p', 3000);
    pad[3000] = '\0';
    char *nodes = NULL;
    assert_true(asprintf(&nodes,
                         "[" S ", {\"id\": \"w\", \"type\": \"control_while_loop\", \"inputs\": {\"condition\": true, "
                         "\"max_iter\": 500}}, {\"id\": \"r\", \"type\": \"return_result\", \"inputs\": {\"result\": \"%s\"}}]",
                         pad) > 0);
    json_t *rep = tu_run_nodes(nodes, "[{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}, {\"from\": \"w.exec_out\", \"to\": \"r.exec_in\"}]",
                               "{\"trace\": true}");
    free(nodes);
    assert_completed(rep);
    assert_true(json_is_true(json_object_get(rep, "trace_values_truncated")));
    assert_null(json_object_get(rep, "trace_truncated"));
    json_t *tr = json_object_get(rep, "trace");
    assert_int_equal(json_array_size(tr), 1 + 500 + 1);
    size_t i, with = 0, bytes = 0;
    bool dropped = false;
    json_t *e;
    json_array_foreach(tr, i, e) {
        assert_true(json_is_integer(json_object_get(e, "start_us")));
        assert_true(json_is_integer(json_object_get(e, "duration_us")));
        json_t *in = json_object_get(e, "inputs");
        assert_true(!in == !json_object_get(e, "outputs"));
        if (in) {
            assert_false(dropped); /* values are kept for a prefix of the entries */
            with++;
            char *d = json_dumps(in, JSON_COMPACT);
            bytes += strlen(d);
            free(d);
        }
        dropped |= !in;
    }
    assert_true(with > 100 && with < 500);
    assert_true(bytes <= RUN_TRACE_MAX_BYTES);
    /* the loop node's own entry ends last: timing only */
    assert_null(json_object_get(trace_of(rep, "w", 0), "inputs"));
    json_decref(rep);
}

/* A failed node's entry has the inputs it read and its error; a node that
 * fails because a pure input failed names that node. */
static void test_trace_failed_node(void **state) {
    (void)state;
    json_t *rep = tu_run_nodes("[" S ", {\"id\": \"add\", \"type\": \"int_add\", \"inputs\": {\"integer1\": 9223372036854775807, "
                               "\"integer2\": 1}}, {\"id\": \"r\", \"type\": \"return_result\"}]",
                               "[{\"from\": \"s.exec_out\", \"to\": \"r.exec_in\"}, {\"from\": \"add.sum\", \"to\": \"r.result\"}]",
                               "{\"trace\": true}");
    assert_string_equal(tu_status(rep), "failed");
    json_t *e = trace_of(rep, "add", 0);
    assert_string_equal(json_string_value(json_object_get(e, "status")), "failed");
    assert_json(json_object_get(e, "inputs"), "{\"integer1\": 9223372036854775807, \"integer2\": 1}");
    assert_json(json_object_get(e, "outputs"), "{}");
    assert_string_equal(json_string_value(json_object_get(e, "error")),
                        "integer overflow: 9223372036854775807 + 1 does not fit in 64 bits");
    e = trace_of(rep, "r", 0);
    assert_string_equal(json_string_value(json_object_get(e, "status")), "failed");
    assert_json(json_object_get(e, "inputs"), "{}");
    assert_string_equal(json_string_value(json_object_get(e, "error")),
                        "from node add: integer overflow: 9223372036854775807 + 1 does not fit in 64 bits");
    json_decref(rep);
    /* an execution node's own failure; an error message is redacted */
    const char *board =
        "{\"format\": \"weir-board/1\", \"id\": \"b\", \"variables\": ["
        "{\"id\": \"k\", \"type\": \"string\", \"default\": \"hunter22\", \"secret\": true}],"
        "\"nodes\": [" S ", {\"id\": \"p\", \"type\": \"reroute\", \"inputs\": {\"route_in\": \"hunter22\"}},"
        "{\"id\": \"f\", \"type\": \"control_for_each\"}],"
        "\"connections\": [{\"from\": \"s.exec_out\", \"to\": \"f.exec_in\"}, {\"from\": \"p.route_out\", \"to\": \"f.array\"}]}";
    rep = tu_run(board, "{\"trace\": true}");
    e = trace_of(rep, "f", 0);
    assert_string_equal(json_string_value(json_object_get(e, "status")), "failed");
    assert_json(json_object_get(e, "inputs"), "{\"array\": \"***\"}");
    assert_non_null(strstr(json_string_value(json_object_get(e, "error")), "expected array"));
    json_decref(rep);
}

/* Branches of a parallel node count as the node: its entry shows the
 * outputs the branch that ended last set. */
static void test_trace_parallel_outputs(void **state) {
    (void)state;
    json_t *rep = tu_run_nodes("[" S ", {\"id\": \"p\", \"type\": \"control_par_for_each\", \"inputs\": {\"array\": [7, 8, 9]}},"
                               "{\"id\": \"l\", \"type\": \"log_info\"}]",
                               "[{\"from\": \"s.exec_out\", \"to\": \"p.exec_in\"}, {\"from\": \"p.exec_out\", \"to\": \"l.exec_in\"},"
                               "{\"from\": \"p.value\", \"to\": \"l.message\"}]",
                               "{\"trace\": true}");
    assert_completed(rep);
    json_t *e = trace_of(rep, "p", 0);
    assert_json(json_object_get(e, "inputs"), "{\"array\": [7, 8, 9], \"max_concurrent\": 30}");
    json_t *out = json_object_get(e, "outputs");
    int64_t v = json_integer_value(json_object_get(out, "value"));
    assert_true(v >= 7 && v <= 9);
    assert_int_equal(json_integer_value(json_object_get(out, "index")), v - 7);
    int seen = 0;
    for (size_t k = 0; k < 3; k++)
        seen |= 1 << (json_integer_value(json_object_get(json_object_get(trace_of(rep, "l", k), "inputs"), "message")) - 7);
    assert_int_equal(seen, 7);
    json_decref(rep);
}

static void test_log_truncation(void **state) {
    (void)state;
    const char *fmt = "[" S ", {\"id\": \"w\", \"type\": \"control_while_loop\", \"inputs\": {\"condition\": true, "
                      "\"max_iter\": %d}}, {\"id\": \"l\", \"type\": \"log_info\", \"inputs\": {\"message\": \"x\"}}]";
    const char *conns = "[{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}, {\"from\": \"w.exec_out\", \"to\": \"l.exec_in\"}]";
    char nodes[512];
    snprintf(nodes, sizeof nodes, fmt, 10000);
    json_t *rep = tu_run_nodes(nodes, conns, NULL);
    assert_int_equal(json_array_size(logs_of(rep)), 10000);
    assert_null(json_object_get(rep, "logs_truncated"));
    json_decref(rep);
    snprintf(nodes, sizeof nodes, fmt, 10001);
    rep = tu_run_nodes(nodes, conns, NULL);
    assert_completed(rep);
    assert_int_equal(json_array_size(logs_of(rep)), 10000);
    assert_true(json_is_true(json_object_get(rep, "logs_truncated")));
    json_decref(rep);
}

static void test_long_chain_no_stack(void **state) {
    (void)state;
    /* 20,000 nodes in one execution chain run iteratively */
    size_t n = 20000;
    size_t cap = n * 160 + 1024;
    char *nodes = malloc(cap), *conns = malloc(cap);
    size_t nl = (size_t)sprintf(nodes, "[" S), cl = (size_t)sprintf(conns, "[{\"from\": \"s.exec_out\", \"to\": \"n0.exec_in\"}");
    for (size_t i = 0; i < n; i++) {
        nl += (size_t)sprintf(nodes + nl, ", {\"id\": \"n%zu\", \"type\": \"control_flip_flop\"}", i);
        if (i + 1 < n) cl += (size_t)sprintf(conns + cl, ", {\"from\": \"n%zu.a\", \"to\": \"n%zu.exec_in\"}", i, i + 1);
    }
    strcpy(nodes + nl, "]");
    strcpy(conns + cl, "]");
    json_t *rep = tu_run_nodes(nodes, conns, NULL);
    assert_completed(rep);
    json_decref(rep);
    free(nodes);
    free(conns);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_result),
        cmocka_unit_test(test_last_result_wins),
        cmocka_unit_test(test_branch),
        cmocka_unit_test(test_sequence_order_and_completion),
        cmocka_unit_test(test_for_each),
        cmocka_unit_test(test_for_each_not_array_fails),
        cmocka_unit_test(test_for_each_with_break),
        cmocka_unit_test(test_while_loop),
        cmocka_unit_test(test_stateful_nodes),
        cmocka_unit_test(test_gate),
        cmocka_unit_test(test_node_failure_stops_run),
        cmocka_unit_test(test_handle_errors),
        cmocka_unit_test(test_loop_limit),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_run_timeout),
        cmocka_unit_test(test_timeout_node_stops_body),
        cmocka_unit_test(test_parallel_execution_runs_concurrently),
        cmocka_unit_test(test_par_for_each_values_and_merge),
        cmocka_unit_test(test_parallel_failure_fails_run),
        cmocka_unit_test(test_gather_after_parallel_branches),
        cmocka_unit_test(test_nested_parallel_no_deadlock),
        cmocka_unit_test(test_cancel_stops_delay_and_branches),
        cmocka_unit_test(test_variables_and_overrides),
        cmocka_unit_test(test_secrets_redacted_everywhere),
        cmocka_unit_test(test_payload_and_generic_event),
        cmocka_unit_test(test_choose_start_node),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_trace_values),
        cmocka_unit_test(test_trace_values_secret),
        cmocka_unit_test(test_trace_value_limit),
        cmocka_unit_test(test_trace_total_limit),
        cmocka_unit_test(test_trace_failed_node),
        cmocka_unit_test(test_trace_parallel_outputs),
        cmocka_unit_test(test_log_truncation),
        cmocka_unit_test(test_long_chain_no_stack),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    engine_shutdown();
    return rc;
}
