/* math.c — integer and float arithmetic, comparisons, boolean logic and the
 * arithmetic-only `eval` node. All are pure.
 *
 * Integers are 64-bit and never wrap: a result that does not fit fails the
 * node. A float result that is not finite (overflow to infinity, NaN) fails
 * the node too, since JSON cannot carry it. Typed inputs are strict: a value
 * of another type (a string through a generic reroute, null from an
 * unconnected pin without a default) fails the node naming the pin. */
#include "catalog/catalog.h"

#include <math.h>

#include "catalog/expr.h"

/* ---- integers ------------------------------------------------------------------ */
enum { I_A, I_B, I_OUT };
#define INT_PINS(name, out, t)                                                                                     \
    static const pin_def name[] = {PIN_IN("integer1", PT_INTEGER, NULL), PIN_IN("integer2", PT_INTEGER, NULL), \
                                   PIN_OUT(out, t)}
INT_PINS(add_pins, "sum", PT_INTEGER);
INT_PINS(sub_pins, "difference", PT_INTEGER);
INT_PINS(mul_pins, "product", PT_INTEGER);
INT_PINS(lt_pins, "less_than", PT_BOOLEAN);
INT_PINS(eq_pins, "equal", PT_BOOLEAN);

static int read_ints(node_ctx *c, int64_t *a, int64_t *b) {
    return ctx_int(c, I_A, a) != 0 || ctx_int(c, I_B, b) != 0 ? -1 : 0;
}

static int overflow(node_ctx *c, int64_t a, const char *op, int64_t b) {
    return ctx_fail(c, "integer overflow: %lld %s %lld does not fit in 64 bits", (long long)a, op, (long long)b);
}

static int add_run(node_ctx *c) {
    int64_t a, b, r;
    if (read_ints(c, &a, &b) != 0) return NODE_FAIL;
    if (__builtin_add_overflow(a, b, &r)) return overflow(c, a, "+", b);
    ctx_set_int(c, I_OUT, r);
    return NODE_OK;
}

static int sub_run(node_ctx *c) {
    int64_t a, b, r;
    if (read_ints(c, &a, &b) != 0) return NODE_FAIL;
    if (__builtin_sub_overflow(a, b, &r)) return overflow(c, a, "-", b);
    ctx_set_int(c, I_OUT, r);
    return NODE_OK;
}

static int mul_run(node_ctx *c) {
    int64_t a, b, r;
    if (read_ints(c, &a, &b) != 0) return NODE_FAIL;
    if (__builtin_mul_overflow(a, b, &r)) return overflow(c, a, "*", b);
    ctx_set_int(c, I_OUT, r);
    return NODE_OK;
}

static int lt_run(node_ctx *c) {
    int64_t a, b;
    if (read_ints(c, &a, &b) != 0) return NODE_FAIL;
    ctx_set_bool(c, I_OUT, a < b);
    return NODE_OK;
}

static int eq_run(node_ctx *c) {
    int64_t a, b;
    if (read_ints(c, &a, &b) != 0) return NODE_FAIL;
    ctx_set_bool(c, I_OUT, a == b);
    return NODE_OK;
}

static const node_def int_add = {
    .type = "int_add", .friendly_name = "Add Integers", .category = "Math",
    .description = "integer1 + integer2; a result beyond 64 bits fails the node.", .pins = add_pins,
    .npins = NPINS(add_pins), .run = add_run,
};
static const node_def int_subtract = {
    .type = "int_subtract", .friendly_name = "Subtract Integers", .category = "Math",
    .description = "integer1 - integer2; a result beyond 64 bits fails the node.", .pins = sub_pins,
    .npins = NPINS(sub_pins), .run = sub_run,
};
static const node_def int_multiply = {
    .type = "int_multiply", .friendly_name = "Multiply Integers", .category = "Math",
    .description = "integer1 * integer2; a result beyond 64 bits fails the node.", .pins = mul_pins,
    .npins = NPINS(mul_pins), .run = mul_run,
};
static const node_def int_less_than = {
    .type = "int_less_than", .friendly_name = "Less Than", .category = "Math",
    .description = "True when integer1 < integer2.", .pins = lt_pins, .npins = NPINS(lt_pins), .run = lt_run,
};
static const node_def int_equal = {
    .type = "int_equal", .friendly_name = "Integers Equal", .category = "Math",
    .description = "True when integer1 == integer2.", .pins = eq_pins, .npins = NPINS(eq_pins), .run = eq_run,
};

/* ---- floats ---------------------------------------------------------------------- */
enum { F_A, F_B, F_OUT };
static const pin_def fadd_pins[] = {PIN_IN("float1", PT_FLOAT, NULL), PIN_IN("float2", PT_FLOAT, NULL),
                                    PIN_OUT("sum", PT_FLOAT)};
static const pin_def fmul_pins[] = {PIN_IN("float1", PT_FLOAT, NULL), PIN_IN("float2", PT_FLOAT, NULL),
                                    PIN_OUT("product", PT_FLOAT)};

static int float_op(node_ctx *c, bool mul) {
    double a, b;
    if (ctx_float(c, F_A, &a) != 0 || ctx_float(c, F_B, &b) != 0) return NODE_FAIL;
    double r = mul ? a * b : a + b;
    if (!isfinite(r))
        return ctx_fail(c, "float overflow: %.17g %s %.17g is not a finite number", a, mul ? "*" : "+", b);
    ctx_set_float(c, F_OUT, r);
    return NODE_OK;
}

static int fadd_run(node_ctx *c) { return float_op(c, false); }
static int fmul_run(node_ctx *c) { return float_op(c, true); }

static const node_def float_add = {
    .type = "float_add", .friendly_name = "Add Floats", .category = "Math",
    .description = "float1 + float2; a result that is not finite fails the node.", .pins = fadd_pins,
    .npins = NPINS(fadd_pins), .run = fadd_run,
};
static const node_def float_multiply = {
    .type = "float_multiply", .friendly_name = "Multiply Floats", .category = "Math",
    .description = "float1 * float2; a result that is not finite fails the node.", .pins = fmul_pins,
    .npins = NPINS(fmul_pins), .run = fmul_run,
};

/* ---- booleans -------------------------------------------------------------------- */
enum { AND_IN, AND_OUT };
static const pin_def and_pins[] = {{"boolean", DIR_IN, PT_BOOLEAN, VS_NORMAL, true, "false"},
                                   PIN_OUT("result", PT_BOOLEAN)};

/* Every copy is read (no short circuit), so a wrong input is reported even
 * when an earlier one is false. */
static int and_run(node_ctx *c) {
    size_t n = ctx_count(c, AND_IN);
    bool all = true;
    for (size_t k = 0; k < n; k++) {
        bool b;
        if (ctx_bool_k(c, AND_IN, k, &b) != 0) return NODE_FAIL;
        all = all && b;
    }
    ctx_set_bool(c, AND_OUT, all);
    return NODE_OK;
}

static const node_def bool_and = {
    .type = "bool_and", .friendly_name = "And", .category = "Math",
    .description = "True when every boolean input is true.", .pins = and_pins, .npins = NPINS(and_pins),
    .run = and_run,
};

enum { NOT_IN, NOT_OUT };
static const pin_def not_pins[] = {PIN_IN("boolean", PT_BOOLEAN, "false"), PIN_OUT("result", PT_BOOLEAN)};

static int not_run(node_ctx *c) {
    bool b;
    if (ctx_bool(c, NOT_IN, &b) != 0) return NODE_FAIL;
    ctx_set_bool(c, NOT_OUT, !b);
    return NODE_OK;
}

static const node_def bool_not = {
    .type = "bool_not", .friendly_name = "Not", .category = "Math",
    .description = "The opposite of boolean.", .pins = not_pins, .npins = NPINS(not_pins), .run = not_run,
};

/* ---- eval ------------------------------------------------------------------------ */
enum { EV_EXPR, EV_RESULT };
static const pin_def eval_pins[] = {PIN_IN("expression", PT_STRING, NULL), PIN_OUT("result", PT_FLOAT)};

static int eval_run(node_ctx *c) {
    const char *src;
    size_t len;
    if (ctx_str(c, EV_EXPR, &src, &len) != 0) return NODE_FAIL;
    double r;
    char err[256];
    if (expr_eval(src, len, &r, err, sizeof err) != 0) return ctx_fail(c, "expression: %s", err);
    ctx_set_float(c, EV_RESULT, r);
    return NODE_OK;
}

static const node_def eval = {
    .type = "eval", .friendly_name = "Evaluate Expression", .category = "Math",
    .description = "The value of an arithmetic expression such as 2 * (3 + sqrt(16)); nothing else is reachable.",
    .pins = eval_pins, .npins = NPINS(eval_pins), .run = eval_run,
};

const node_def *const catalog_math[] = {&int_add,   &int_subtract,   &int_multiply, &int_less_than,
                                        &int_equal, &float_add,      &float_multiply, &bool_and,
                                        &bool_not,  &eval,           NULL};
