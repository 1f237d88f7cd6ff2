/* events.c — start nodes and the run result: events_simple, events_generic,
 * return_result. */
#include "catalog/catalog.h"

#include <string.h>

#include "board/typecheck.h"

/* events_simple: → exec_out */
static const pin_def simple_pins[] = {PIN_EXEC_OUT("exec_out")};

static int simple_run(node_ctx *c) {
    ctx_activate(c, 0);
    return NODE_OK;
}

static const node_def events_simple = {
    .type = "events_simple", .friendly_name = "Simple Event", .category = "Events",
    .description = "Starts a run.", .pins = simple_pins, .npins = NPINS(simple_pins),
    .flags = NODEF_START, .run = simple_run,
};

/* events_generic: → exec_out, payload. Extra output pins take the payload
 * key of the same name (a present value of the wrong type fails the node; a
 * missing key gives null); `payload` keeps the rest. */
enum { G_EXEC_OUT, G_PAYLOAD };
static const pin_def generic_pins[] = {PIN_EXEC_OUT("exec_out"), PIN_OUT("payload", PT_STRUCT)};

static int generic_run(node_ctx *c) {
    json_t *payload = ctx_payload(c);
    size_t n = ctx_dyn_count(c);
    if (n == 0) {
        value v = value_from_json(payload);
        ctx_set(c, G_PAYLOAD, v);
        value_release(v);
    } else {
        json_t *rest = json_copy(payload);
        if (!rest) return ctx_fail(c, "out of memory");
        for (size_t i = 0; i < n; i++) {
            const char *name = ctx_dyn_name(c, i);
            json_t *v = json_object_get(payload, name);
            pin_type type;
            value_shape shape;
            ctx_dyn_type(c, i, &type, &shape);
            const char *why;
            if (v && !json_is_null(v) && !typecheck_json(v, type, shape, &why)) {
                json_decref(rest);
                return ctx_fail(c, "payload field \"%s\": %s", name, why);
            }
            value val = value_from_json(v);
            ctx_dyn_set(c, i, val);
            value_release(val);
            json_object_del(rest, name);
        }
        if (ctx_set_json(c, G_PAYLOAD, rest) != 0) return NODE_FAIL;
    }
    ctx_activate(c, G_EXEC_OUT);
    return NODE_OK;
}

static const node_def events_generic = {
    .type = "events_generic", .friendly_name = "Event with Payload", .category = "Events",
    .description = "Starts a run with a JSON payload; extra output pins take payload fields of the same name.",
    .pins = generic_pins, .npins = NPINS(generic_pins), .flags = NODEF_START | NODEF_EXTRA_OUTPUTS,
    .run = generic_run,
};

/* return_result: exec_in, result → exec_out. The last one to run wins. */
static const pin_def result_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("result", PT_GENERIC, NULL),
                                      PIN_EXEC_OUT("exec_out")};

static int result_run(node_ctx *c) {
    value v;
    if (ctx_get(c, 1, 0, &v) != 0) return NODE_FAIL;
    ctx_set_result(c, v);
    ctx_activate(c, 2);
    return NODE_OK;
}

static const node_def return_result = {
    .type = "return_result", .friendly_name = "Return Result", .category = "Events",
    .description = "Sets the run's result; the last one to run wins.", .pins = result_pins,
    .npins = NPINS(result_pins), .run = result_run,
};

const node_def *const catalog_events[] = {&events_simple, &events_generic, &return_result, NULL};
