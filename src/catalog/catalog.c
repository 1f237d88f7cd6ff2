/* catalog.c — the built-in catalog: the domain tables joined, found by key;
 * catalog_open chains it with the installed WASM packages (packages.c). */
#include "catalog/catalog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/strmap.h"
#include "catalog/packages.h"

struct catalog {
    const node_def **defs;
    size_t n;
    strmap index;
    arena mem;
    /* catalog_open: the built-in catalog first, then `pkg:` types */
    const catalog *base;
    pkg_resolver *pkgs;
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

catalog *catalog_open(const char *data_dir) {
    catalog *cat = calloc(1, sizeof *cat);
    if (!cat) return NULL;
    cat->base = catalog_builtin();
    cat->pkgs = pkgres_new(data_dir);
    if (!cat->pkgs) {
        free(cat);
        return NULL;
    }
    return cat;
}

void catalog_close(catalog *cat) {
    if (!cat || !cat->pkgs) return; /* never the built-in catalog */
    pkgres_free(cat->pkgs);
    free(cat);
}

static bool is_pkg_type(const char *type) { return strncmp(type, PKG_TYPE_PREFIX, strlen(PKG_TYPE_PREFIX)) == 0; }

const node_def *catalog_find(const catalog *cat, const char *type) {
    if (cat->base) return is_pkg_type(type) ? pkgres_find(cat->pkgs, type, NULL, 0) : catalog_find(cat->base, type);
    uint32_t i;
    return strmap_get(&cat->index, type, &i) ? cat->defs[i] : NULL;
}

void catalog_explain(const catalog *cat, const char *type, char *msg, size_t len) {
    char why[768] = "";
    if (is_pkg_type(type)) {
        if (cat->base) pkgres_find(cat->pkgs, type, why, sizeof why);
        else snprintf(why, sizeof why, "installed packages are not available here");
    }
    if (why[0]) snprintf(msg, len, "unknown node type \"%s\": %s", type, why);
    else snprintf(msg, len, "unknown node type \"%s\"", type);
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
    if (cat->base) {
        json_t *arr = catalog_describe(cat->base);
        pkgres_describe(cat->pkgs, arr);
        return arr;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < cat->n; i++) json_array_append_new(arr, catalog_describe_def(cat->defs[i]));
    return arr;
}
