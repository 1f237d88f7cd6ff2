/* catalog.c — the built-in catalog: the domain tables joined, found by key. */
#include "catalog/catalog.h"

#include <pthread.h>
#include <string.h>

#include "base/arena.h"
#include "base/strmap.h"

struct catalog {
    const node_def **defs;
    size_t n;
    strmap index;
    arena mem;
};

static const node_def *const *const domains[] = {
    catalog_events, catalog_control, catalog_variables, catalog_structs, catalog_math, catalog_strings,
    catalog_arrays, catalog_json,    catalog_http,      catalog_storage, catalog_logging,
};

static catalog builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void build_builtin(void) {
    size_t n = 0;
    for (size_t d = 0; d < sizeof domains / sizeof *domains; d++)
        for (size_t i = 0; domains[d][i]; i++) n++;
    arena_init(&builtin.mem, 4096);
    builtin.defs = arena_alloc(&builtin.mem, n * sizeof *builtin.defs);
    strmap_init(&builtin.index, &builtin.mem, n);
    for (size_t d = 0; d < sizeof domains / sizeof *domains; d++)
        for (size_t i = 0; domains[d][i]; i++) {
            builtin.defs[builtin.n] = domains[d][i];
            strmap_put(&builtin.index, domains[d][i]->type, (uint32_t)builtin.n);
            builtin.n++;
        }
}

const catalog *catalog_builtin(void) {
    pthread_once(&builtin_once, build_builtin);
    return &builtin;
}

const node_def *catalog_find(const catalog *cat, const char *type) {
    uint32_t i;
    return strmap_get(&cat->index, type, &i) ? cat->defs[i] : NULL;
}

json_t *catalog_describe_def(const node_def *d) {
    json_t *pins = json_array();
    bool pure = true;
    for (uint16_t i = 0; i < d->npins; i++) {
        const pin_def *p = &d->pins[i];
        if (p->type == PT_EXECUTION) pure = false;
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "name", p->name, "direction", p->dir == DIR_IN ? "in" : "out",
                              "type", pin_type_name(p->type), "value_type", value_shape_name(p->shape));
        if (p->repeated) json_object_set_new(o, "repeated", json_true());
        if (p->dflt) {
            json_error_t je;
            json_t *dv = json_loads(p->dflt, JSON_DECODE_ANY, &je);
            if (dv) json_object_set_new(o, "default", dv);
        }
        json_array_append_new(pins, o);
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o}", "type", d->type, "name", d->type,
                          "friendly_name", d->friendly_name ? d->friendly_name : d->type, "category",
                          d->category ? d->category : "", "description", d->description ? d->description : "",
                          "pure", pure, "start", (d->flags & NODEF_START) != 0, "pins", pins);
    if (d->flags & NODEF_EXTRA_OUTPUTS) json_object_set_new(o, "extra_outputs", json_true());
    if (d->flags & NODEF_FORMAT_INPUTS) json_object_set_new(o, "format_inputs", json_true());
    return o;
}

json_t *catalog_describe(const catalog *cat) {
    json_t *arr = json_array();
    for (size_t i = 0; i < cat->n; i++) json_array_append_new(arr, catalog_describe_def(cat->defs[i]));
    return arr;
}
