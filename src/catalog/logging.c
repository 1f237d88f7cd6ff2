/* logging.c — log_info, log_error, utils_datetime_now. */
#include "catalog/catalog.h"

#include <string.h>

#include "base/textfmt.h"

enum { L_EXEC_IN, L_MESSAGE, L_EXEC_OUT };
static const pin_def log_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("message", PT_GENERIC, "\"\""),
                                   PIN_EXEC_OUT("exec_out")};

static int log_at(node_ctx *c, int level) {
    value msg;
    if (ctx_get(c, L_MESSAGE, 0, &msg) != 0) return NODE_FAIL;
    ctx_log(c, level, msg);
    ctx_activate(c, L_EXEC_OUT);
    return NODE_OK;
}

static int info_run(node_ctx *c) { return log_at(c, LOG_INFO); }
static int error_run(node_ctx *c) { return log_at(c, LOG_ERROR); }

static const node_def log_info = {
    .type = "log_info", .friendly_name = "Log Info", .category = "Logging",
    .description = "Adds an info line to the run's log (strings as they are, other values as JSON).",
    .pins = log_pins, .npins = NPINS(log_pins), .run = info_run,
};

static const node_def log_error = {
    .type = "log_error", .friendly_name = "Log Error", .category = "Logging",
    .description = "Adds an error line to the run's log; the run goes on.", .pins = log_pins,
    .npins = NPINS(log_pins), .run = error_run,
};

enum { D_EXEC_IN, D_EXEC_OUT, D_DATE };
static const pin_def now_pins[] = {PIN_EXEC_IN("exec_in"), PIN_EXEC_OUT("exec_out"), PIN_OUT("date", PT_DATE)};

static int now_run(node_ctx *c) {
    char buf[40];
    rfc3339_now(buf, sizeof buf);
    if (ctx_set_str(c, D_DATE, buf, strlen(buf)) != 0) return NODE_FAIL;
    ctx_activate(c, D_EXEC_OUT);
    return NODE_OK;
}

static const node_def datetime_now = {
    .type = "utils_datetime_now", .friendly_name = "Now", .category = "Utils",
    .description = "The current UTC time as an RFC 3339 date.", .pins = now_pins, .npins = NPINS(now_pins),
    .run = now_run,
};

const node_def *const catalog_logging[] = {&log_info, &log_error, &datetime_now, NULL};
