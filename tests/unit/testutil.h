/* testutil.h — small helpers shared by the cmocka unit tests. */
#ifndef WEIR_TESTUTIL_H
#define WEIR_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* Create a fresh private temporary directory; returns a malloc'd path. */
char *tu_mkdtemp(void);
/* Remove a directory tree (best effort). */
void tu_rmtree(const char *path);
/* Read a whole file; malloc'd, NUL-terminated; NULL on error. */
char *tu_read_file(const char *path, size_t *len);
/* Write a file; returns 0 on success. */
int tu_write_file(const char *path, const char *data, size_t len);

#endif

#include <jansson.h>

/* Load and run a board given as JSON text. `opts` is JSON text or NULL:
 * {"payload": {...}, "variables": {...}, "timeout_ms": N, "data_dir": "...",
 *  "allow_private_net": true, "event": "node", "trace": true, "loop_limit": N}.
 * Returns the run report (new reference); for a board that does not load,
 * {"valid": false, "errors": [...]} instead; for a refused request,
 * {"status": "invalid", "error": {"code", "message"}}. */
json_t *tu_run(const char *board_text, const char *opts);
/* Abort unless run_result, run_error and run_report_details together say
 * what run_report (report) says; tu_run calls it on every run. */
struct run;
void tu_check_report_parts(struct run *r, json_t *report);
/* Same, with the board made of a nodes array and a connections array. */
json_t *tu_run_nodes(const char *nodes, const char *connections, const char *opts);
/* Validate only: the {"valid": …} object. */
json_t *tu_validate(const char *board_text);
/* Shorthands on a report. */
const char *tu_status(json_t *report);          /* "completed", … or "invalid" */
const char *tu_error_code(json_t *report);      /* error.code, or first validation code, or NULL */
json_t *tu_result(json_t *report);              /* borrowed */
/* assert the run completed, printing the report when it did not */
#define assert_completed(rep) tu_assert_status(rep, "completed", __FILE__, __LINE__)
void tu_assert_status(json_t *report, const char *status, const char *file, int line);
