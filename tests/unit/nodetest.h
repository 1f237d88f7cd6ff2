/* nodetest.h — helpers for the node tests (test_nodes_*.c): one node under
 * test, id "n", feeding return_result "r" after events_simple "s", and
 * checks on the run report that name the caller's file and line. */
#ifndef WEIR_NODETEST_H
#define WEIR_NODETEST_H

#include "testutil.h"

#include <stdbool.h>

/* Run `node` (JSON text, id "n") after any `extra` nodes; its output `pin` is
 * the run's result. `exec` wires s → n → r; otherwise s → r and n is pulled. */
json_t *run_node_ex(const char *node, const char *pin, bool exec, const char *extra_nodes, const char *extra_conns);

static inline json_t *run_node(const char *node, const char *pin) { return run_node_ex(node, pin, false, NULL, NULL); }
static inline json_t *run_exec(const char *node, const char *pin) { return run_node_ex(node, pin, true, NULL, NULL); }
/* run_node and run_exec of the node text that printf makes of fmt, ... */
json_t *run_nodef(const char *pin, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
json_t *run_execf(const char *pin, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run `node` (id "n", with handle_errors) wired s → n; its error path
 * n.auto_handle_error → r carries n.auto_handle_error_string as the result. */
json_t *run_error_handled(const char *node);

/* A reroute "rr" carrying the literal `v` into n.`in_pin`; n is pulled for `out_pin`. */
json_t *run_rerouted(const char *node, const char *out_pin, const char *v, const char *in_pin);

/* Print a report (cut to 4000 bytes) to stderr. */
void dump_report(json_t *rep);

/* The run completed with a result equal (json_equal: 3 and 3.0 differ) to `want`. */
void check_result_at(json_t *rep, const char *want, const char *file, int line);
#define CHECK_RESULT(rep, want) check_result_at((rep), (want), __FILE__, __LINE__)

/* The run failed at node `node` with code node_failed and a message that
 * contains every one of the NULL-terminated substrings. */
void check_failed_at(json_t *rep, const char *node, const char *file, int line, ...);
#define CHECK_FAILED(rep, node, ...) check_failed_at((rep), (node), __FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)

/* The board is invalid; the first error has `code` and names node "n" (and `pin` when not NULL). */
void check_invalid_at(json_t *rep, const char *code, const char *pin, const char *file, int line);
#define CHECK_INVALID(rep, code, pin) check_invalid_at((rep), (code), (pin), __FILE__, __LINE__)

/* The CHECK_* helpers release `rep`. */

#endif
