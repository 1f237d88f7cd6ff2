/* arrays.c — array_length, array_push, array_get.
 *
 * Arrays are never modified in place: array_push outputs a new array (a
 * shallow copy plus the value) and leaves its input as it was, so a value
 * held elsewhere (a variable, a loop's array) does not change under it. */
#include "catalog/catalog.h"

/* ---- array_length --------------------------------------------------------------- */
enum { AL_ARRAY, AL_LENGTH };
static const pin_def length_pins[] = {PIN_IN_ARR("array", PT_GENERIC), PIN_OUT("length", PT_INTEGER)};

static int length_run(node_ctx *c) {
    json_t *arr;
    if (ctx_array(c, AL_ARRAY, &arr) != 0) return NODE_FAIL;
    ctx_set_int(c, AL_LENGTH, (int64_t)json_array_size(arr));
    return NODE_OK;
}

static const node_def array_length = {
    .type = "array_length", .friendly_name = "Array Length", .category = "Arrays",
    .description = "The number of elements in array.", .pins = length_pins, .npins = NPINS(length_pins),
    .run = length_run,
};

/* ---- array_push ------------------------------------------------------------------ */
enum { AP_EXEC_IN, AP_ARRAY_IN, AP_VALUE, AP_EXEC_OUT, AP_ARRAY_OUT };
static const pin_def push_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN_ARR("array_in", PT_GENERIC),
                                    PIN_IN("value", PT_GENERIC, NULL), PIN_EXEC_OUT("exec_out"),
                                    PIN_OUT_ARR("array_out", PT_GENERIC)};

static int push_run(node_ctx *c) {
    json_t *arr;
    value v;
    if (ctx_array(c, AP_ARRAY_IN, &arr) != 0 || ctx_get(c, AP_VALUE, 0, &v) != 0) return NODE_FAIL;
    json_t *out = json_copy(arr);
    if (!out || json_array_append_new(out, value_to_json(v)) != 0) {
        json_decref(out);
        return ctx_fail(c, "out of memory");
    }
    if (ctx_set_json(c, AP_ARRAY_OUT, out) != 0) return NODE_FAIL;
    ctx_activate(c, AP_EXEC_OUT);
    return NODE_OK;
}

static const node_def array_push = {
    .type = "array_push", .friendly_name = "Push", .category = "Arrays",
    .description = "A new array: array_in with value appended (array_in itself is not changed).",
    .pins = push_pins, .npins = NPINS(push_pins), .run = push_run,
};

/* ---- array_get ------------------------------------------------------------------- */
enum { AG_ARRAY_IN, AG_INDEX, AG_ELEMENT, AG_SUCCESS };
static const pin_def get_pins[] = {PIN_IN_ARR("array_in", PT_GENERIC), PIN_IN("index", PT_INTEGER, NULL),
                                   PIN_OUT("element", PT_GENERIC), PIN_OUT("success", PT_BOOLEAN)};

static int get_run(node_ctx *c) {
    json_t *arr;
    int64_t index;
    if (ctx_array(c, AG_ARRAY_IN, &arr) != 0 || ctx_int(c, AG_INDEX, &index) != 0) return NODE_FAIL;
    json_t *e = index >= 0 && (uint64_t)index < json_array_size(arr) ? json_array_get(arr, (size_t)index) : NULL;
    value v = value_from_json(e);
    ctx_set(c, AG_ELEMENT, v);
    value_release(v);
    ctx_set_bool(c, AG_SUCCESS, e != NULL);
    return NODE_OK;
}

static const node_def array_get = {
    .type = "array_get", .friendly_name = "Get Element", .category = "Arrays",
    .description = "The element at index (from 0); success is false (element null) when index is out of range.",
    .pins = get_pins, .npins = NPINS(get_pins), .run = get_run,
};

const node_def *const catalog_arrays[] = {&array_length, &array_push, &array_get, NULL};
