/* control.c — flow control: branch, sequence, gate, do-once, do-n,
 * flip-flop, loops, parallel execution, gather, timeout, delay, reroute.
 *
 * Loop and flow nodes run each body to completion before going on
 * (boards.md §2.4): bodies are fired with ctx_fire, the final output is
 * activated so the chain after a loop costs no stack. Stateful nodes keep
 * their state run-wide (ctx_state_lock): a do-once fires once per run, also
 * across parallel branches. */
#include "catalog/catalog.h"

#include <math.h>
#include <string.h>

#include "base/limits.h"

/* ---- control_branch ------------------------------------------------------ */
enum { BR_EXEC_IN, BR_COND, BR_TRUE, BR_FALSE };
static const pin_def branch_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("condition", PT_BOOLEAN, "true"),
                                      PIN_EXEC_OUT("true"), PIN_EXEC_OUT("false")};

static int branch_run(node_ctx *c) {
    bool cond;
    if (ctx_bool(c, BR_COND, &cond) != 0) return NODE_FAIL;
    ctx_activate(c, cond ? BR_TRUE : BR_FALSE);
    return NODE_OK;
}

static const node_def control_branch = {
    .type = "control_branch", .friendly_name = "Branch", .category = "Control",
    .description = "Continues at true or false depending on condition.", .pins = branch_pins,
    .npins = NPINS(branch_pins), .run = branch_run,
};

/* ---- control_sequence ---------------------------------------------------- */
enum { SEQ_EXEC_IN, SEQ_OUT };
static const pin_def sequence_pins[] = {PIN_EXEC_IN("exec_in"),
                                        {"exec_out", DIR_OUT, PT_EXECUTION, VS_NORMAL, true, NULL}};

static int sequence_run(node_ctx *c) {
    size_t n = ctx_count(c, SEQ_OUT);
    for (size_t k = 0; k + 1 < n; k++)
        if (ctx_fire_k(c, SEQ_OUT, k) != NODE_OK) return NODE_ABORT;
    ctx_activate_k(c, SEQ_OUT, n - 1);
    return NODE_OK;
}

static const node_def control_sequence = {
    .type = "control_sequence", .friendly_name = "Sequence", .category = "Control",
    .description = "Fires each output in order, each chain to completion.", .pins = sequence_pins,
    .npins = NPINS(sequence_pins), .run = sequence_run,
};

/* ---- control_gate ---------------------------------------------------------- */
enum { GATE_ENTER, GATE_OPEN, GATE_CLOSE, GATE_TOGGLE, GATE_START_CLOSED, GATE_EXIT, GATE_IS_OPEN };
static const pin_def gate_pins[] = {
    PIN_EXEC_IN("enter"), PIN_EXEC_IN("open"), PIN_EXEC_IN("close"), PIN_EXEC_IN("toggle"),
    PIN_IN("start_closed", PT_BOOLEAN, "false"), PIN_EXEC_OUT("exit"), PIN_OUT("is_open", PT_BOOLEAN)};

typedef struct { bool init, open; } gate_state;

static int gate_run(node_ctx *c) {
    bool start_closed;
    if (ctx_bool(c, GATE_START_CLOSED, &start_closed) != 0) return NODE_FAIL;
    int trig = ctx_trigger(c, NULL);
    gate_state *st = ctx_state_lock(c);
    if (!st->init) {
        st->init = true;
        st->open = !start_closed;
    }
    bool pass = false;
    switch (trig) {
    case GATE_ENTER: pass = st->open; break;
    case GATE_OPEN: st->open = true; break;
    case GATE_CLOSE: st->open = false; break;
    case GATE_TOGGLE: st->open = !st->open; break;
    default: break;
    }
    bool open = st->open;
    ctx_state_unlock(c);
    ctx_set_bool(c, GATE_IS_OPEN, open);
    if (pass) ctx_activate(c, GATE_EXIT);
    return NODE_OK;
}

static const node_def control_gate = {
    .type = "control_gate", .friendly_name = "Gate", .category = "Control",
    .description = "Passes enter to exit while open; open, close and toggle change it. Starts open unless "
                   "start_closed.",
    .pins = gate_pins, .npins = NPINS(gate_pins), .state_size = sizeof(gate_state), .run = gate_run,
};

/* ---- control_do_once ------------------------------------------------------- */
enum { ONCE_EXEC_IN, ONCE_RESET, ONCE_START_CLOSED, ONCE_THEN, ONCE_HAS_FIRED };
static const pin_def once_pins[] = {PIN_EXEC_IN("exec_in"), PIN_EXEC_IN("reset"),
                                    PIN_IN("start_closed", PT_BOOLEAN, "false"), PIN_EXEC_OUT("then"),
                                    PIN_OUT("has_fired", PT_BOOLEAN)};

typedef struct { bool init, fired; } once_state;

static int once_run(node_ctx *c) {
    bool start_closed;
    if (ctx_bool(c, ONCE_START_CLOSED, &start_closed) != 0) return NODE_FAIL;
    int trig = ctx_trigger(c, NULL);
    once_state *st = ctx_state_lock(c);
    if (!st->init) {
        st->init = true;
        st->fired = start_closed; /* closed until the first reset */
    }
    bool pass = false;
    if (trig == ONCE_RESET) {
        st->fired = false;
    } else if (!st->fired) {
        st->fired = true;
        pass = true;
    }
    bool fired = st->fired;
    ctx_state_unlock(c);
    ctx_set_bool(c, ONCE_HAS_FIRED, fired);
    if (pass) ctx_activate(c, ONCE_THEN);
    return NODE_OK;
}

static const node_def control_do_once = {
    .type = "control_do_once", .friendly_name = "Do Once", .category = "Control",
    .description = "Passes exec_in to then once per run, until reset re-arms it; start_closed waits for a "
                   "reset first.",
    .pins = once_pins, .npins = NPINS(once_pins), .state_size = sizeof(once_state), .run = once_run,
};

/* ---- control_do_n ---------------------------------------------------------- */
enum { DON_EXEC_IN, DON_N, DON_START, DON_RESET, DON_THEN, DON_INDEX, DON_REMAINING };
static const pin_def don_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("n", PT_INTEGER, "1"),
                                   PIN_IN("start_index", PT_INTEGER, "0"), PIN_EXEC_IN("reset"),
                                   PIN_EXEC_OUT("then"), PIN_OUT("index", PT_INTEGER),
                                   PIN_OUT("remaining", PT_INTEGER)};

typedef struct { int64_t done; } don_state;

static int don_run(node_ctx *c) {
    int64_t n, start;
    if (ctx_int(c, DON_N, &n) != 0 || ctx_int(c, DON_START, &start) != 0) return NODE_FAIL;
    if (n < 0) return ctx_fail(c, "n must not be negative (got %lld)", (long long)n);
    int trig = ctx_trigger(c, NULL);
    don_state *st = ctx_state_lock(c);
    bool pass = false;
    int64_t index = 0;
    if (trig == DON_RESET) {
        st->done = 0;
    } else if (st->done < n) {
        index = st->done;
        st->done++;
        pass = true;
    }
    int64_t remaining = n - st->done;
    ctx_state_unlock(c);
    if (pass) {
        if (__builtin_add_overflow(start, index, &index)) return ctx_fail(c, "index overflows");
        ctx_set_int(c, DON_INDEX, index);
    }
    ctx_set_int(c, DON_REMAINING, remaining < 0 ? 0 : remaining);
    if (pass) ctx_activate(c, DON_THEN);
    return NODE_OK;
}

static const node_def control_do_n = {
    .type = "control_do_n", .friendly_name = "Do N", .category = "Control",
    .description = "Passes exec_in to then the first n times (index counts from start_index); reset re-arms.",
    .pins = don_pins, .npins = NPINS(don_pins), .state_size = sizeof(don_state), .run = don_run,
};

/* ---- control_flip_flop ----------------------------------------------------- */
enum { FF_EXEC_IN, FF_START_A, FF_A, FF_B, FF_IS_A, FF_TICK };
static const pin_def ff_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("start_on_a", PT_BOOLEAN, "true"),
                                  PIN_EXEC_OUT("a"), PIN_EXEC_OUT("b"), PIN_OUT("is_a", PT_BOOLEAN),
                                  PIN_OUT("tick", PT_INTEGER)};

typedef struct { bool init, next_a; int64_t tick; } ff_state;

static int ff_run(node_ctx *c) {
    bool start_a;
    if (ctx_bool(c, FF_START_A, &start_a) != 0) return NODE_FAIL;
    ff_state *st = ctx_state_lock(c);
    if (!st->init) {
        st->init = true;
        st->next_a = start_a;
    }
    bool is_a = st->next_a;
    st->next_a = !is_a;
    int64_t tick = st->tick++;
    ctx_state_unlock(c);
    ctx_set_bool(c, FF_IS_A, is_a);
    ctx_set_int(c, FF_TICK, tick);
    ctx_activate(c, is_a ? FF_A : FF_B);
    return NODE_OK;
}

static const node_def control_flip_flop = {
    .type = "control_flip_flop", .friendly_name = "Flip Flop", .category = "Control",
    .description = "Alternates between a and b, starting with a unless start_on_a is false; tick counts "
                   "executions from 0.",
    .pins = ff_pins, .npins = NPINS(ff_pins), .state_size = sizeof(ff_state), .run = ff_run,
};

/* ---- loops ------------------------------------------------------------------ */
static int iterate(node_ctx *c, json_t *arr, int body, int value_pin, int index_pin, int done, int break_pin) {
    /* hold the array: the body may replace the value it came from */
    json_incref(arr);
    size_t n = json_array_size(arr);
    for (size_t i = 0; i < n; i++) {
        if (break_pin >= 0) {
            bool brk;
            if (ctx_bool(c, break_pin, &brk) != 0) {
                json_decref(arr);
                return NODE_FAIL;
            }
            if (brk) break;
        }
        value v = value_from_json(json_array_get(arr, i));
        ctx_set(c, value_pin, v);
        value_release(v);
        ctx_set_int(c, index_pin, (int64_t)i);
        if (ctx_fire(c, body) != NODE_OK) {
            json_decref(arr);
            return NODE_ABORT;
        }
    }
    json_decref(arr);
    ctx_activate(c, done);
    return NODE_OK;
}

enum { FE_EXEC_IN, FE_ARRAY, FE_EXEC_OUT, FE_VALUE, FE_INDEX, FE_DONE };
static const pin_def for_each_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN_ARR("array", PT_GENERIC),
                                        PIN_EXEC_OUT("exec_out"), PIN_OUT("value", PT_GENERIC),
                                        PIN_OUT("index", PT_INTEGER), PIN_EXEC_OUT("done")};

static int for_each_run(node_ctx *c) {
    json_t *arr;
    if (ctx_array(c, FE_ARRAY, &arr) != 0) return NODE_FAIL;
    return iterate(c, arr, FE_EXEC_OUT, FE_VALUE, FE_INDEX, FE_DONE, -1);
}

static const node_def control_for_each = {
    .type = "control_for_each", .friendly_name = "For Each", .category = "Control",
    .description = "Runs exec_out once per element (value, index), then done.", .pins = for_each_pins,
    .npins = NPINS(for_each_pins), .run = for_each_run,
};

enum { FB_EXEC_IN, FB_BREAK, FB_ARRAY, FB_EXEC_OUT, FB_DONE, FB_VALUE, FB_INDEX };
static const pin_def for_break_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("break", PT_BOOLEAN, "false"),
                                         PIN_IN_ARR("array", PT_GENERIC), PIN_EXEC_OUT("exec_out"),
                                         PIN_EXEC_OUT("done"), PIN_OUT("value", PT_GENERIC),
                                         PIN_OUT("index", PT_INTEGER)};

static int for_break_run(node_ctx *c) {
    json_t *arr;
    if (ctx_array(c, FB_ARRAY, &arr) != 0) return NODE_FAIL;
    return iterate(c, arr, FB_EXEC_OUT, FB_VALUE, FB_INDEX, FB_DONE, FB_BREAK);
}

static const node_def control_for_each_with_break = {
    .type = "control_for_each_with_break", .friendly_name = "For Each with Break", .category = "Control",
    .description = "Like For Each; break is read before every element and ends the loop when true.",
    .pins = for_break_pins, .npins = NPINS(for_break_pins), .run = for_break_run,
};

enum { WH_EXEC_IN, WH_COND, WH_MAX, WH_EXEC_OUT, WH_ITER, WH_DONE };
static const pin_def while_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("condition", PT_BOOLEAN, "false"),
                                     PIN_IN("max_iter", PT_INTEGER, "15"), PIN_EXEC_OUT("exec_out"),
                                     PIN_OUT("iter", PT_INTEGER), PIN_EXEC_OUT("done")};

static int while_run(node_ctx *c) {
    int64_t max_iter;
    if (ctx_int(c, WH_MAX, &max_iter) != 0) return NODE_FAIL;
    if (max_iter < 0) return ctx_fail(c, "max_iter must not be negative (got %lld)", (long long)max_iter);
    for (int64_t i = 0; i < max_iter; i++) {
        bool cond;
        if (ctx_bool(c, WH_COND, &cond) != 0) return NODE_FAIL;
        if (!cond) break;
        ctx_set_int(c, WH_ITER, i);
        if (ctx_fire(c, WH_EXEC_OUT) != NODE_OK) return NODE_ABORT;
    }
    ctx_activate(c, WH_DONE);
    return NODE_OK;
}

static const node_def control_while_loop = {
    .type = "control_while_loop", .friendly_name = "While Loop", .category = "Control",
    .description = "Runs exec_out while condition is true (read before every iteration), at most max_iter times, "
                   "then done.",
    .pins = while_pins, .npins = NPINS(while_pins), .run = while_run,
};

/* ---- parallel ------------------------------------------------------------------ */
enum { PFE_EXEC_IN, PFE_ARRAY, PFE_MAX, PFE_EXEC_OUT, PFE_VALUE, PFE_INDEX, PFE_DONE };
static const pin_def par_for_each_pins[] = {
    PIN_EXEC_IN("exec_in"), PIN_IN_ARR("array", PT_GENERIC), PIN_IN("max_concurrent", PT_INTEGER, "30"),
    PIN_EXEC_OUT("exec_out"), PIN_OUT("value", PT_GENERIC), PIN_OUT("index", PT_INTEGER),
    PIN_EXEC_OUT("done")};

static int par_item(node_ctx *b, size_t i, void *ud) {
    json_t *arr = ud;
    value v = value_from_json(json_array_get(arr, i));
    ctx_set(b, PFE_VALUE, v);
    value_release(v);
    ctx_set_int(b, PFE_INDEX, (int64_t)i);
    return ctx_fire(b, PFE_EXEC_OUT);
}

static int par_for_each_run(node_ctx *c) {
    json_t *arr;
    int64_t maxc;
    if (ctx_array(c, PFE_ARRAY, &arr) != 0 || ctx_int(c, PFE_MAX, &maxc) != 0) return NODE_FAIL;
    if (maxc < 1) return ctx_fail(c, "max_concurrent must be at least 1 (got %lld)", (long long)maxc);
    json_incref(arr);
    int rc = ctx_parallel(c, json_array_size(arr), (size_t)maxc, par_item, arr);
    json_decref(arr);
    if (rc != NODE_OK) return NODE_ABORT;
    ctx_activate(c, PFE_DONE);
    return NODE_OK;
}

static const node_def control_par_for_each = {
    .type = "control_par_for_each", .friendly_name = "Parallel For Each", .category = "Control",
    .description = "Runs exec_out for every element at the same time, at most max_concurrent at once, then done.",
    .pins = par_for_each_pins, .npins = NPINS(par_for_each_pins), .flags = NODEF_PARALLEL,
    .run = par_for_each_run,
};

enum { PE_EXEC_IN, PE_OUT, PE_DONE };
static const pin_def par_exec_pins[] = {PIN_EXEC_IN("exec_in"),
                                        {"exec_out", DIR_OUT, PT_EXECUTION, VS_NORMAL, true, NULL},
                                        PIN_EXEC_OUT("exec_done")};

static int par_branch(node_ctx *b, size_t i, void *ud) {
    (void)ud;
    return ctx_fire_k(b, PE_OUT, i);
}

static int par_exec_run(node_ctx *c) {
    size_t n = ctx_count(c, PE_OUT);
    if (ctx_parallel(c, n, n, par_branch, NULL) != NODE_OK) return NODE_ABORT;
    ctx_activate(c, PE_DONE);
    return NODE_OK;
}

static const node_def control_par_execution = {
    .type = "control_par_execution", .friendly_name = "Parallel Execution", .category = "Control",
    .description = "Runs every exec_out chain at the same time; exec_done once all have finished.",
    .pins = par_exec_pins, .npins = NPINS(par_exec_pins), .flags = NODEF_PARALLEL, .run = par_exec_run,
};

enum { GA_IN, GA_DONE };
static const pin_def gather_pins[] = {{"exec_in", DIR_IN, PT_EXECUTION, VS_NORMAL, true, NULL},
                                      PIN_EXEC_OUT("exec_done")};

typedef struct { uint64_t seen[(BOARD_MAX_PIN_COUNT + 63) / 64]; } gather_state;

static int gather_run(node_ctx *c) {
    size_t k = 0, n = ctx_count(c, GA_IN);
    if (ctx_trigger(c, &k) != GA_IN) return NODE_OK;
    ctx_publish(c); /* our values, for whoever completes the gather */
    gather_state *st = ctx_state_lock(c);
    st->seen[k / 64] |= 1ull << (k % 64);
    bool all = true;
    for (size_t i = 0; i < n && all; i++) all = st->seen[i / 64] & (1ull << (i % 64));
    if (all) memset(st, 0, sizeof *st); /* re-armed for the next round */
    ctx_state_unlock(c);
    if (!all) return NODE_OK;
    ctx_refresh(c); /* the values other branches published */
    ctx_activate(c, GA_DONE);
    return NODE_OK;
}

static const node_def control_gather = {
    .type = "control_gather", .friendly_name = "Gather", .category = "Control",
    .description = "Fires exec_done once every exec_in has fired, then re-arms.", .pins = gather_pins,
    .npins = NPINS(gather_pins), .state_size = sizeof(gather_state), .run = gather_run,
};

/* ---- time ------------------------------------------------------------------ */
enum { TO_EXEC_IN, TO_MS, TO_BODY, TO_COMPLETED, TO_TIMED_OUT };
static const pin_def timeout_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("timeout_ms", PT_FLOAT, "5000"),
                                       PIN_EXEC_OUT("exec_body"), PIN_EXEC_OUT("exec_completed"),
                                       PIN_EXEC_OUT("exec_timed_out")};

static int timeout_run(node_ctx *c) {
    double ms;
    if (ctx_float(c, TO_MS, &ms) != 0) return NODE_FAIL;
    if (!isfinite(ms) || ms < 0) return ctx_fail(c, "timeout_ms must be a non-negative number");
    bool timed_out;
    if (ctx_fire_timeout(c, TO_BODY, ms, &timed_out) != NODE_OK) return NODE_ABORT;
    ctx_activate(c, timed_out ? TO_TIMED_OUT : TO_COMPLETED);
    return NODE_OK;
}

static const node_def control_timeout = {
    .type = "control_timeout", .friendly_name = "Timeout", .category = "Control",
    .description = "Runs exec_body; stops it after timeout_ms and continues at exec_timed_out, else at "
                   "exec_completed.",
    .pins = timeout_pins, .npins = NPINS(timeout_pins), .run = timeout_run,
};

enum { DL_EXEC_IN, DL_TIME, DL_EXEC_OUT };
static const pin_def delay_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("time", PT_FLOAT, "1000"),
                                     PIN_EXEC_OUT("exec_out")};

static int delay_run(node_ctx *c) {
    double ms;
    if (ctx_float(c, DL_TIME, &ms) != 0) return NODE_FAIL;
    if (!isfinite(ms) || ms < 0) return ctx_fail(c, "time must be a non-negative number of milliseconds");
    if (ctx_sleep(c, ms) != NODE_OK) return NODE_ABORT;
    ctx_activate(c, DL_EXEC_OUT);
    return NODE_OK;
}

static const node_def delay = {
    .type = "delay", .friendly_name = "Delay", .category = "Control",
    .description = "Waits time milliseconds; cancellation and timeouts end the wait at once.", .pins = delay_pins,
    .npins = NPINS(delay_pins), .run = delay_run,
};

enum { RR_IN, RR_OUT };
static const pin_def reroute_pins[] = {PIN_IN("route_in", PT_GENERIC, NULL), PIN_OUT("route_out", PT_GENERIC)};

static int reroute_run(node_ctx *c) {
    value v;
    if (ctx_get(c, RR_IN, 0, &v) != 0) return NODE_FAIL;
    ctx_set(c, RR_OUT, v);
    return NODE_OK;
}

static const node_def reroute = {
    .type = "reroute", .friendly_name = "Reroute", .category = "Control",
    .description = "Passes a value through unchanged (tidies wires).", .pins = reroute_pins,
    .npins = NPINS(reroute_pins), .run = reroute_run,
};

const node_def *const catalog_control[] = {
    &control_branch, &control_sequence, &control_gate, &control_do_once, &control_do_n, &control_flip_flop,
    &control_for_each, &control_for_each_with_break, &control_par_for_each, &control_par_execution,
    &control_while_loop, &control_gather, &control_timeout, &delay, &reroute, NULL,
};
