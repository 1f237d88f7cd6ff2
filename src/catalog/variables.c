/* variables.c — variable_get and variable_set. Variables live for one run
 * (boards.md §2.8); var_ref is resolved when the board is loaded. */
#include "catalog/catalog.h"

enum { VG_REF, VG_VALUE };
static const pin_def get_pins[] = {PIN_IN("var_ref", PT_STRING, "\"\""), PIN_OUT("value_ref", PT_GENERIC)};

static int get_run(node_ctx *c) {
    value v;
    if (ctx_var_get(c, &v) != 0) return NODE_FAIL;
    ctx_set(c, VG_VALUE, v);
    value_release(v);
    return NODE_OK;
}

static const node_def variable_get = {
    .type = "variable_get", .friendly_name = "Get Variable", .category = "Variables",
    .description = "The current value of the variable named by var_ref.", .pins = get_pins,
    .npins = NPINS(get_pins), .flags = NODEF_VARIABLE, .run = get_run,
};

enum { VS_EXEC_IN, VS_REF, VS_VALUE_IN, VS_EXEC_OUT, VS_VALUE_OUT };
static const pin_def set_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("var_ref", PT_STRING, "\"\""),
                                   PIN_IN("value_in", PT_GENERIC, NULL), PIN_EXEC_OUT("exec_out"),
                                   PIN_OUT("value_ref", PT_GENERIC)};

static int set_run(node_ctx *c) {
    value v;
    if (ctx_get(c, VS_VALUE_IN, 0, &v) != 0) return NODE_FAIL;
    if (ctx_var_set(c, v) != 0) return NODE_FAIL;
    ctx_set(c, VS_VALUE_OUT, v);
    ctx_activate(c, VS_EXEC_OUT);
    return NODE_OK;
}

static const node_def variable_set = {
    .type = "variable_set", .friendly_name = "Set Variable", .category = "Variables",
    .description = "Sets the variable named by var_ref; the value must fit the variable's type.",
    .pins = set_pins, .npins = NPINS(set_pins), .flags = NODEF_VARIABLE, .run = set_run,
};

const node_def *const catalog_variables[] = {&variable_get, &variable_set, NULL};
