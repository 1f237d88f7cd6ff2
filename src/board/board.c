/* board.c — load a board: parse JSON, validate every rule of boards.md §1,
 * and compile into a plan (plan.h).
 *
 * Validation collects every error it can (up to BOARD_MAX_ERRORS) instead of
 * stopping at the first, so an editor can show them all at once. A node
 * whose type is unknown, or whose own fields are malformed, is skipped by the
 * later rules so that one mistake is not reported ten times. */
#include "board/board.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/limits.h"
#include "base/strbuf.h"
#include "base/textfmt.h"
#include "board/typecheck.h"

/* ---- errors --------------------------------------------------------------- */

/* Names and messages quote the board; a 10 MB name is shown by its start. */
#define ERROR_TEXT_MAX 512

static char *clipped(const char *s) {
    size_t len = strlen(s);
    if (len <= ERROR_TEXT_MAX) return strdup(s);
    size_t cut = utf8_cut(s, len, ERROR_TEXT_MAX);
    char *out = malloc(cut + 4);
    if (!out) return NULL;
    memcpy(out, s, cut);
    memcpy(out + cut, "\xe2\x80\xa6", 4); /* … */
    return out;
}

static void add_error(board_errors *e, const char *code, const char *node, const char *pin, int line,
                      int column, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void add_error(board_errors *e, const char *code, const char *node, const char *pin, int line,
                      int column, const char *fmt, ...) {
    if (e->n >= BOARD_MAX_ERRORS) {
        e->dropped++;
        return;
    }
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        board_error *items = realloc(e->items, cap * sizeof *items);
        if (!items) {
            e->dropped++;
            return;
        }
        e->items = items;
        e->cap = cap;
    }
    board_error *it = &e->items[e->n++];
    it->code = code;
    it->node = node ? clipped(node) : NULL;
    it->pin = pin ? clipped(pin) : NULL;
    it->line = line;
    it->column = column;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&it->message, fmt, ap) < 0) it->message = NULL;
    va_end(ap);
    if (it->message && strlen(it->message) > ERROR_TEXT_MAX) {
        char *c = clipped(it->message);
        free(it->message);
        it->message = c;
    }
}

#define ERR(code, node, pin, ...) add_error(errs, code, node, pin, 0, 0, __VA_ARGS__)

void board_errors_free(board_errors *e) {
    for (size_t i = 0; i < e->n; i++) {
        free(e->items[i].node);
        free(e->items[i].pin);
        free(e->items[i].message);
    }
    free(e->items);
    memset(e, 0, sizeof *e);
}

json_t *board_errors_json(const board_errors *e) {
    json_t *arr = json_array();
    for (size_t i = 0; i < e->n; i++) {
        const board_error *it = &e->items[i];
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(it->code));
        json_object_set_new(o, "node", it->node ? json_string(it->node) : json_null());
        json_object_set_new(o, "pin", it->pin ? json_string(it->pin) : json_null());
        json_object_set_new(o, "message", json_string(it->message ? it->message : it->code));
        if (it->line > 0) {
            json_object_set_new(o, "line", json_integer(it->line));
            json_object_set_new(o, "column", json_integer(it->column));
        }
        json_array_append_new(arr, o);
    }
    if (e->dropped)
        json_array_append_new(arr, json_pack("{s:s, s:n, s:n, s:o}", "code", "too_many_errors", "node", "pin",
                                             "message",
                                             json_sprintf("%zu more errors not shown (limit %d)", e->dropped,
                                                          BOARD_MAX_ERRORS)));
    return json_pack("{s:b, s:o}", "valid", e->n == 0 && e->dropped == 0, "errors", arr);
}

/* ---- small helpers ------------------------------------------------------- */

/* Index of the pin (name, 0-based copy) in node n; -1 when absent. */
static int find_pin(const plan_node *n, const char *name, size_t len, unsigned copy) {
    for (uint16_t i = 0; i < n->npins; i++) {
        const plan_pin *p = &n->pins[i];
        if (p->copy == copy && strncmp(p->name, name, len) == 0 && p->name[len] == '\0') return i;
    }
    return -1;
}

static bool def_has_exec(const node_def *d) {
    for (uint16_t i = 0; i < d->npins; i++)
        if (d->pins[i].type == PT_EXECUTION) return true;
    return false;
}

/* A pin reference "NODE.PIN" or "NODE.PIN#k" split in place. */
typedef struct pin_ref {
    const char *node;
    size_t node_len;
    const char *pin;
    size_t pin_len;
    long copy;   /* 1-based; 0 when the #k part is malformed */
} pin_ref;

/* The k of "#k": decimal digits only, 1..BOARD_MAX_PIN_COUNT; 0 when malformed. */
static long parse_copy(const char *s) {
    long k = 0;
    if (!*s) return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        k = k * 10 + (*s - '0');
        if (k > BOARD_MAX_PIN_COUNT) return 0;
    }
    return k;
}

static bool parse_ref(const char *s, pin_ref *r) {
    size_t len = strlen(s);
    r->copy = 1;
    /* the pin is after the last '.'; "#k" counts only there, so node ids may hold '#' */
    const char *dot = strrchr(s, '.');
    if (!dot || dot == s || dot[1] == '\0') return false;
    const char *hash = strchr(dot + 1, '#');
    size_t body = len;
    if (hash) {
        body = (size_t)(hash - s);
        r->copy = parse_copy(hash + 1);
        if (hash == dot + 1) return false;
    }
    r->node = s;
    r->node_len = (size_t)(dot - s);
    r->pin = dot + 1;
    r->pin_len = body - r->node_len - 1;
    return true;
}

static char *ref_node(arena *a, const pin_ref *r) { return arena_strndup(a, r->node, r->node_len); }

/* ---- loading steps -------------------------------------------------------- */

typedef struct loader {
    plan *p;
    board_errors *errs;
    const catalog *cat;
    bool *skip;             /* per node: excluded from later rules */
} loader;

static const char *opt_string(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool valid_id(json_t *v) {
    return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= BOARD_MAX_ID_LEN;
}

/* True when each present key of `keys` holds a string. */
static bool fields_are_strings(json_t *o, const char *const *keys) {
    for (size_t i = 0; keys[i]; i++) {
        json_t *v = json_object_get(o, keys[i]);
        if (v && !json_is_string(v)) return false;
    }
    return true;
}

/* True when each present key of `keys` holds a number. */
static bool fields_are_numbers(json_t *o, const char *const *keys) {
    for (size_t i = 0; keys[i]; i++) {
        json_t *v = json_object_get(o, keys[i]);
        if (v && !json_is_number(v)) return false;
    }
    return true;
}

/* Top-level shape: the fields boards.md §1 defines, with their JSON types. */
static bool check_shape(json_t *doc, board_errors *errs) {
    bool ok = true;
    if (!json_is_object(doc)) {
        ERR("invalid_board", NULL, NULL, "a board is a JSON object");
        return false;
    }
    json_t *fmt = json_object_get(doc, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "weir-board/1") != 0) {
        ERR("unsupported_format", NULL, NULL, "\"format\" must be \"weir-board/1\"");
        ok = false;
    }
    static const char *const strs[] = {"id", "name", "description", "version"};
    for (size_t i = 0; i < 4; i++) {
        json_t *v = json_object_get(doc, strs[i]);
        if (v && !json_is_string(v)) {
            ERR("invalid_board", NULL, NULL, "\"%s\" must be a string", strs[i]);
            ok = false;
        }
    }
    json_t *bid = json_object_get(doc, "id");
    if (!bid) {
        ERR("invalid_board", NULL, NULL, "\"id\" is required");
        ok = false;
    } else if (json_is_string(bid) && !valid_id(bid)) {
        ERR("invalid_board", NULL, NULL, "the board \"id\" must be 1 to %d bytes", BOARD_MAX_ID_LEN);
        ok = false;
    } else if (!json_is_string(bid)) {
        ok = false;
    }
    static const char *const arrs[] = {"variables", "nodes", "connections", "comments"};
    for (size_t i = 0; i < 4; i++) {
        json_t *v = json_object_get(doc, arrs[i]);
        if (v && !json_is_array(v)) {
            ERR("invalid_board", NULL, NULL, "\"%s\" must be an array", arrs[i]);
            ok = false;
        }
    }
    if (!json_object_get(doc, "nodes")) {
        ERR("invalid_board", NULL, NULL, "\"nodes\" is required");
        ok = false;
    }
    if (json_array_size(json_object_get(doc, "nodes")) > BOARD_MAX_NODES) {
        ERR("limit_exceeded", NULL, NULL, "more than %u nodes", BOARD_MAX_NODES);
        ok = false;
    }
    if (json_array_size(json_object_get(doc, "connections")) > BOARD_MAX_CONNECTIONS) {
        ERR("limit_exceeded", NULL, NULL, "more than %u connections", BOARD_MAX_CONNECTIONS);
        ok = false;
    }
    if (json_array_size(json_object_get(doc, "variables")) > BOARD_MAX_VARIABLES) {
        ERR("limit_exceeded", NULL, NULL, "more than %u variables", BOARD_MAX_VARIABLES);
        ok = false;
    }
    return ok;
}

/* Variables: ids, types, defaults. */
static void load_variables(loader *L) {
    plan *p = L->p;
    board_errors *errs = L->errs;
    json_t *vars = json_object_get(p->doc, "variables");
    size_t nv = json_array_size(vars);
    p->vars = arena_alloc(&p->mem, (nv ? nv : 1) * sizeof *p->vars);
    strmap_init(&p->var_index, &p->mem, nv * 2);
    strmap ids;
    strmap_init(&ids, &p->mem, nv);
    size_t i;
    json_t *v;
    json_array_foreach(vars, i, v) {
        json_t *jid = json_object_get(v, "id");
        if (!json_is_object(v) || !valid_id(jid)) {
            ERR("invalid_board", NULL, NULL, "variable %zu needs a non-empty string \"id\" (at most %d bytes)",
                i, BOARD_MAX_ID_LEN);
            continue;
        }
        const char *id = json_string_value(jid);
        if (strmap_put(&ids, id, 0)) {
            ERR("duplicate_id", NULL, NULL, "variable id \"%s\" is used twice", id);
            continue;
        }
        if (!fields_are_strings(v, (const char *[]){"name", "type", "value_type", NULL})) {
            ERR("invalid_board", NULL, NULL, "variable \"%s\": name, type and value_type are strings", id);
            continue;
        }
        plan_var *pv = &p->vars[p->nvars];
        pv->id = id;
        pv->name = opt_string(v, "name") ? opt_string(v, "name") : id;
        const char *ts = opt_string(v, "type");
        int t = ts ? pin_type_parse(ts) : -1;
        const char *vs = opt_string(v, "value_type");
        int s = vs ? value_shape_parse(vs) : VS_NORMAL;
        if (t < 0 || t == PT_EXECUTION) {
            ERR("bad_value", NULL, NULL, "variable \"%s\": \"type\" must be a data type", id);
            continue;
        }
        if (s < 0) {
            ERR("bad_value", NULL, NULL, "variable \"%s\": unknown value_type", id);
            continue;
        }
        pv->type = (uint8_t)t;
        pv->shape = (uint8_t)s;
        json_t *ex = json_object_get(v, "exposed"), *se = json_object_get(v, "secret");
        if ((ex && !json_is_boolean(ex)) || (se && !json_is_boolean(se))) {
            ERR("bad_value", NULL, NULL, "variable \"%s\": exposed and secret are true or false", id);
            continue;
        }
        pv->exposed = json_is_true(ex);
        pv->secret = json_is_true(se);
        json_t *d = json_object_get(v, "default");
        const char *why;
        if (d && !typecheck_json(d, t, s, &why)) {
            ERR("bad_value", NULL, NULL, "variable \"%s\": default: %s", id, why);
            continue;
        }
        pv->dflt = d ? value_from_json(d) : value_from_json_steal(typecheck_zero(t, s));
        strmap_put(&p->var_index, pv->id, p->nvars);
        p->nvars++;
    }
    /* names resolve too, when unambiguous and not shadowing an id */
    for (uint32_t k = 0; k < p->nvars; k++) strmap_put(&p->var_index, p->vars[k].name, k);
}

/* Append a pin to the node under construction. */
static plan_pin *push_pin(plan_node *n, uint16_t *cap, arena *a) {
    if (n->npins >= BOARD_MAX_NODE_PINS) return NULL;
    if (n->npins == *cap) {
        uint16_t ncap = *cap ? *cap * 2 : 8;
        plan_pin *pins = arena_alloc(a, ncap * sizeof *pins);
        if (!pins) return NULL;
        if (n->npins) memcpy(pins, n->pins, n->npins * sizeof *pins);
        n->pins = pins;
        *cap = ncap;
    }
    plan_pin *p = &n->pins[n->npins++];
    p->src_node = PIN_NONE;
    p->next_node = PIN_NONE;
    p->literal = VALUE_NULL;
    return p;
}

/* Placeholders of a string_format format string: {name}; {{ and }} escape.
 * Returns false when the node would have too many pins. */
static bool format_pins(loader *L, plan_node *n, uint16_t *cap, const char *fmt) {
    arena *a = &L->p->mem;
    for (const char *c = fmt; *c; c++) {
        if (c[0] == '{' && c[1] == '{') { c++; continue; }
        if (c[0] != '{') continue;
        const char *end = strchr(c + 1, '}');
        if (!end) break;
        size_t len = (size_t)(end - c - 1);
        bool ok = len > 0 && len <= 64;
        for (size_t i = 0; ok && i < len; i++) {
            char ch = c[1 + i];
            ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
        }
        if (!ok) {
            continue; /* not a placeholder: literal text, as string_format leaves it */
        } else if (find_pin(n, c + 1, len, 0) < 0) {
            plan_pin *p = push_pin(n, cap, a);
            if (!p) return false;
            p->name = arena_strndup(a, c + 1, len);
            p->def_pin = PIN_DEF_DYN;
            p->dir = DIR_IN;
            p->type = PT_GENERIC;
            p->shape = VS_NORMAL;
        }
        c = end;
    }
    return true;
}

/* Expand a node's pins: definition pins × pin_counts, dynamic pins, error pins. */
static bool expand_pins(loader *L, plan_node *n, json_t *jn) {
    plan *p = L->p;
    arena *a = &p->mem;
    board_errors *errs = L->errs;
    const node_def *d = n->def;
    json_t *counts = json_object_get(jn, "pin_counts");
    if (counts && !json_is_object(counts)) {
        ERR("invalid_board", n->id, NULL, "\"pin_counts\" must be an object");
        return false;
    }
    bool ok = true;
    const char *key;
    json_t *val;
    json_object_foreach(counts, key, val) {
        int idx = -1;
        for (uint16_t i = 0; i < d->npins; i++)
            if (d->pins[i].repeated && strcmp(d->pins[i].name, key) == 0) idx = i;
        if (idx < 0) {
            ERR("unknown_pin", n->id, key, "\"%s\" is not a repeated pin of %s", key, d->type);
            ok = false;
        } else if (!json_is_integer(val) || json_integer_value(val) < 1 ||
                   json_integer_value(val) > BOARD_MAX_PIN_COUNT) {
            ERR("bad_value", n->id, key, "pin count must be an integer from 1 to %d", BOARD_MAX_PIN_COUNT);
            ok = false;
        }
    }
    if (!ok) return false;
    n->first = arena_alloc(a, (d->npins ? d->npins : 1) * sizeof *n->first);
    n->count = arena_alloc(a, (d->npins ? d->npins : 1) * sizeof *n->count);
    uint16_t cap = 0;
    for (uint16_t i = 0; i < d->npins; i++) {
        const pin_def *pd = &d->pins[i];
        unsigned copies = 1;
        if (pd->repeated) {
            json_t *c = json_object_get(counts, pd->name);
            copies = c ? (unsigned)json_integer_value(c) : 2;
        }
        n->first[i] = n->npins;
        n->count[i] = (uint16_t)copies;
        for (unsigned k = 0; k < copies; k++) {
            plan_pin *pp = push_pin(n, &cap, a);
            if (!pp) goto too_many;
            pp->name = pd->name;
            pp->def_pin = i;
            pp->copy = (uint16_t)k;
            pp->dir = pd->dir;
            pp->type = pd->type;
            pp->shape = pd->shape;
        }
    }
    n->dyn_first = n->npins;
    json_t *extra = json_object_get(jn, "extra_pins");
    if (json_array_size(extra) > 0 && !(d->flags & NODEF_EXTRA_OUTPUTS)) {
        ERR("unknown_pin", n->id, NULL, "%s does not take extra_pins", d->type);
        return false;
    }
    if (extra && !json_is_array(extra)) {
        ERR("invalid_board", n->id, NULL, "\"extra_pins\" must be an array");
        return false;
    }
    size_t i;
    json_t *ep;
    json_array_foreach(extra, i, ep) {
        const char *name = opt_string(ep, "name"), *dir = opt_string(ep, "direction");
        const char *ts = opt_string(ep, "type"), *vs = opt_string(ep, "value_type");
        int t = ts ? pin_type_parse(ts) : PT_GENERIC, s = vs ? value_shape_parse(vs) : VS_NORMAL;
        if (!json_is_object(ep) || !fields_are_strings(ep, (const char *[]){"direction", "type", "value_type", NULL})) {
            ERR("invalid_board", n->id, NULL, "extra pin %zu: direction, type and value_type are strings", i);
            ok = false;
        } else if (!name || !*name || strlen(name) > 64) {
            ERR("invalid_board", n->id, NULL, "extra pin %zu needs a name (1-64 bytes)", i);
            ok = false;
        } else if (dir && strcmp(dir, "out") != 0) {
            ERR("wrong_direction", n->id, name, "extra pins of %s are outputs", d->type);
            ok = false;
        } else if (t < 0 || t == PT_EXECUTION || s < 0) {
            ERR("bad_value", n->id, name, "extra pin type must be a data type");
            ok = false;
        } else if (find_pin(n, name, strlen(name), 0) >= 0) {
            ERR("duplicate_id", n->id, name, "pin \"%s\" already exists", name);
            ok = false;
        } else {
            plan_pin *pp = push_pin(n, &cap, a);
            if (!pp) goto too_many;
            pp->name = name;
            pp->def_pin = PIN_DEF_DYN;
            pp->dir = DIR_OUT;
            pp->type = (uint8_t)t;
            pp->shape = (uint8_t)s;
        }
    }
    if (d->flags & NODEF_FORMAT_INPUTS) {
        const char *fmt = opt_string(json_object_get(jn, "inputs"), "format_string");
        if (fmt && !format_pins(L, n, &cap, fmt)) goto too_many;
    }
    n->ndyn = (uint16_t)(n->npins - n->dyn_first);
    n->err_pin = n->err_str_pin = PIN_NONE;
    if (n->handle_errors && !n->pure) {
        plan_pin *pp = push_pin(n, &cap, a);
        if (!pp) goto too_many;
        pp->name = "auto_handle_error";
        pp->def_pin = PIN_DEF_ERROR;
        pp->dir = DIR_OUT;
        pp->type = PT_EXECUTION;
        n->err_pin = n->npins - 1;
        pp = push_pin(n, &cap, a);
        if (!pp) goto too_many;
        pp->name = "auto_handle_error_string";
        pp->def_pin = PIN_DEF_ERROR_STR;
        pp->dir = DIR_OUT;
        pp->type = PT_STRING;
        n->err_str_pin = n->npins - 1;
    }
    return ok;
too_many:
    ERR("limit_exceeded", n->id, NULL, "node has more than %u pins", BOARD_MAX_NODE_PINS);
    return false;
}

/* Literal inputs: each key names a data input, each value fits its type.
 * Pins without a literal get their default. */
static void load_inputs(loader *L, plan_node *n, json_t *jn) {
    board_errors *errs = L->errs;
    json_t *inputs = json_object_get(jn, "inputs");
    if (inputs && !json_is_object(inputs)) {
        ERR("invalid_board", n->id, NULL, "\"inputs\" must be an object");
        return;
    }
    const char *key;
    json_t *val;
    json_object_foreach(inputs, key, val) {
        pin_ref r = {.pin = key, .pin_len = strlen(key), .copy = 1};
        const char *hash = strrchr(key, '#');
        if (hash) {
            r.pin_len = (size_t)(hash - key);
            r.copy = parse_copy(hash + 1);
        }
        int pi = r.copy > 0 ? find_pin(n, key, r.pin_len, (unsigned)(r.copy - 1)) : -1;
        if (pi < 0) {
            ERR("unknown_pin", n->id, key, "%s has no input pin \"%s\"", n->type, key);
            continue;
        }
        plan_pin *p = &n->pins[pi];
        if (p->dir != DIR_IN) {
            ERR("unknown_pin", n->id, key, "\"%s\" is an output of %s, not an input", key, n->type);
            continue;
        }
        const char *why;
        if (!typecheck_json(val, p->type, p->shape, &why)) {
            ERR("bad_value", n->id, key, "input \"%s\": %s", key, why);
            continue;
        }
        if (p->literal.kind != V_NULL) {
            ERR("bad_value", n->id, key, "input \"%s\" is given twice (as NAME and NAME#1)", key);
            continue;
        }
        p->literal = value_from_json(val);
    }
    for (uint16_t i = 0; i < n->npins; i++) {
        plan_pin *p = &n->pins[i];
        if (p->dir != DIR_IN || p->type == PT_EXECUTION || p->literal.kind != V_NULL) continue;
        if (json_object_get(inputs, p->name) && p->copy == 0) continue; /* literal null */
        if (p->def_pin < n->def->npins && n->def->pins[p->def_pin].dflt) {
            json_error_t je;
            json_t *d = json_loads(n->def->pins[p->def_pin].dflt, JSON_DECODE_ANY, &je);
            p->literal = value_from_json_steal(d);
        }
    }
}

/* Nodes: ids, types, pins, literals. */
static void load_nodes(loader *L) {
    plan *p = L->p;
    board_errors *errs = L->errs;
    json_t *nodes = json_object_get(p->doc, "nodes");
    size_t nn = json_array_size(nodes);
    p->nodes = arena_alloc(&p->mem, (nn ? nn : 1) * sizeof *p->nodes);
    L->skip = arena_alloc(&p->mem, (nn ? nn : 1) * sizeof *L->skip);
    strmap_init(&p->node_index, &p->mem, nn);
    size_t i;
    json_t *jn;
    json_array_foreach(nodes, i, jn) {
        plan_node *n = &p->nodes[p->nnodes];
        json_t *jid = json_object_get(jn, "id");
        if (!json_is_object(jn) || !valid_id(jid)) {
            ERR("invalid_board", NULL, NULL, "node %zu needs a non-empty string \"id\" (at most %d bytes)", i,
                BOARD_MAX_ID_LEN);
            continue;
        }
        n->id = json_string_value(jid);
        n->json = jn;
        n->var = -1;
        if (strmap_put(&p->node_index, n->id, p->nnodes)) {
            ERR("duplicate_id", n->id, NULL, "node id \"%s\" is used twice", n->id);
            continue;
        }
        uint32_t idx = p->nnodes++;
        n->type = opt_string(jn, "type");
        if (!n->type) {
            ERR("invalid_board", n->id, NULL, "node needs a string \"type\"");
            L->skip[idx] = true;
            continue;
        }
        n->def = catalog_find(L->cat, n->type);
        if (!n->def) {
            char why[1024];
            catalog_explain(L->cat, n->type, why, sizeof why);
            ERR("unknown_node_type", n->id, NULL, "%s", why);
            L->skip[idx] = true;
            continue;
        }
        json_t *he = json_object_get(jn, "handle_errors");
        if (he && !json_is_boolean(he)) {
            ERR("invalid_board", n->id, NULL, "\"handle_errors\" must be true or false");
            L->skip[idx] = true;
            continue;
        }
        static const char *const coords[] = {"x", "y"};
        for (int k = 0; k < 2; k++) {
            json_t *c = json_object_get(jn, coords[k]);
            if (c && !json_is_number(c))
                ERR("invalid_board", n->id, NULL, "\"%s\" must be a number", coords[k]);
        }
        n->handle_errors = json_is_true(he);
        n->pure = !def_has_exec(n->def);
        if (!expand_pins(L, n, jn)) {
            L->skip[idx] = true;
            continue;
        }
        load_inputs(L, n, jn);
        n->state_off = p->state_size;
        p->state_size += (n->def->state_size + 15u) & ~15u;
        if (n->def->flags & NODEF_START) {
            if (!p->starts) p->starts = arena_alloc(&p->mem, nn * sizeof *p->starts);
            p->starts[p->nstarts++] = idx;
        }
    }
}

/* Variable nodes: var_ref is a literal naming a declared variable. */
static void resolve_variables(loader *L) {
    plan *p = L->p;
    board_errors *errs = L->errs;
    for (uint32_t i = 0; i < p->nnodes; i++) {
        plan_node *n = &p->nodes[i];
        if (L->skip[i] || !(n->def->flags & NODEF_VARIABLE)) continue;
        int pi = find_pin(n, "var_ref", 7, 0);
        const char *ref = pi >= 0 ? value_str(n->pins[pi].literal, NULL) : NULL;
        if (!ref || !*ref) {
            ERR("unknown_variable", n->id, "var_ref", "var_ref must name a declared variable");
            continue;
        }
        n->var = plan_find_var(p, ref);
        if (n->var < 0) ERR("unknown_variable", n->id, "var_ref", "no variable \"%s\"", ref);
    }
}

static void connect_all(loader *L) {
    plan *p = L->p;
    board_errors *errs = L->errs;
    arena *a = &p->mem;
    json_t *conns = json_object_get(p->doc, "connections");
    size_t i;
    json_t *c;
    json_array_foreach(conns, i, c) {
        const char *from = opt_string(c, "from"), *to = opt_string(c, "to");
        if (!json_is_object(c) || !from || !to) {
            ERR("invalid_board", NULL, NULL, "connection %zu needs string \"from\" and \"to\"", i);
            continue;
        }
        pin_ref rf, rt;
        if (!parse_ref(from, &rf) || !parse_ref(to, &rt)) {
            ERR("unknown_pin", NULL, NULL, "connection %zu: pins are written NODE.PIN or NODE.PIN#k", i);
            continue;
        }
        uint32_t fi, ti;
        bool fok = strmap_getn(&p->node_index, rf.node, rf.node_len, &fi);
        bool tok = strmap_getn(&p->node_index, rt.node, rt.node_len, &ti);
        if (!fok || !tok) {
            const pin_ref *bad = !fok ? &rf : &rt;
            char *nid = ref_node(a, bad);
            ERR("unknown_pin", nid, NULL, "connection %zu: no node \"%s\"", i, nid);
            continue;
        }
        if (L->skip[fi] || L->skip[ti]) continue;
        plan_node *fn = &p->nodes[fi], *tn = &p->nodes[ti];
        if (fi == ti) {
            ERR("self_connection", fn->id, NULL, "%s connects to itself", fn->id);
            continue;
        }
        int fp = rf.copy ? find_pin(fn, rf.pin, rf.pin_len, (unsigned)(rf.copy - 1)) : -1;
        int tp = rt.copy ? find_pin(tn, rt.pin, rt.pin_len, (unsigned)(rt.copy - 1)) : -1;
        if (fp < 0 || tp < 0) {
            const char *which = fp < 0 ? from : to;
            const plan_node *wn = fp < 0 ? fn : tn;
            const pin_ref *wr = fp < 0 ? &rf : &rt;
            char *pin = arena_strndup(a, wr->pin, wr->pin_len);
            ERR("unknown_pin", wn->id, pin, "%s: %s has no pin \"%s\"", which, wn->type,
                wr->copy ? pin : "(bad #k)");
            continue;
        }
        plan_pin *pf = &fn->pins[fp], *pt = &tn->pins[tp];
        if (pf->dir != DIR_OUT || pt->dir != DIR_IN) {
            ERR("wrong_direction", pf->dir != DIR_OUT ? fn->id : tn->id, pf->dir != DIR_OUT ? pf->name : pt->name,
                "a connection goes from an output to an input (%s → %s)", from, to);
            continue;
        }
        if (!typecheck_compatible(pf->type, pf->shape, pt->type, pt->shape)) {
            ERR("type_mismatch", tn->id, pt->name, "%s (%s %s) cannot feed %s (%s %s)", from,
                value_shape_name(pf->shape), pin_type_name(pf->type), to, value_shape_name(pt->shape),
                pin_type_name(pt->type));
            continue;
        }
        if (pf->type == PT_EXECUTION) {
            if (pf->next_node != PIN_NONE) {
                ERR("exec_fanout", fn->id, pf->name, "%s already drives an execution input; use a control_sequence",
                    from);
                continue;
            }
            pf->next_node = (int32_t)ti;
            pf->next_pin = (uint16_t)tp;
        } else {
            if (pt->src_node != PIN_NONE) {
                ERR("multiple_sources", tn->id, pt->name, "%s already has a source", to);
                continue;
            }
            pt->src_node = (int32_t)fi;
            pt->src_slot = (uint32_t)fp; /* pin index for now; a slot after assign_slots */
        }
    }
}

/* No cycle through pure nodes: pure nodes are evaluated on demand, so a
 * cycle would never end. Iterative DFS (boards may be deep). */
static void check_cycles(loader *L) {
    plan *p = L->p;
    board_errors *errs = L->errs;
    uint32_t nn = p->nnodes;
    uint8_t *color = calloc(nn ? nn : 1, 1);         /* 0 new, 1 on stack, 2 done */
    uint32_t *stack = malloc((nn ? nn : 1) * sizeof *stack);
    uint16_t *next = calloc(nn ? nn : 1, sizeof *next); /* next input pin to visit */
    if (!color || !stack || !next) goto out;
    for (uint32_t s = 0; s < nn; s++) {
        if (color[s] || L->skip[s] || !p->nodes[s].pure) continue;
        size_t sp = 0;
        stack[sp++] = s;
        color[s] = 1;
        while (sp) {
            uint32_t u = stack[sp - 1];
            plan_node *n = &p->nodes[u];
            if (next[u] >= n->npins) {
                color[u] = 2;
                sp--;
                continue;
            }
            plan_pin *pin = &n->pins[next[u]++];
            if (pin->dir != DIR_IN || pin->src_node == PIN_NONE) continue;
            uint32_t v = (uint32_t)pin->src_node;
            if (!p->nodes[v].pure) continue;
            if (color[v] == 1) {
                ERR("data_cycle", p->nodes[v].id, NULL, "pure nodes form a cycle through %s and %s",
                    p->nodes[v].id, n->id);
                continue;
            }
            if (color[v] == 0) {
                color[v] = 1;
                stack[sp++] = v;
            }
        }
    }
out:
    free(color);
    free(stack);
    free(next);
}

/* Data outputs get a slot each; inputs point at their source's slot. */
static void assign_slots(plan *p) {
    uint32_t slot = 0;
    for (uint32_t i = 0; i < p->nnodes; i++) {
        plan_node *n = &p->nodes[i];
        for (uint16_t k = 0; k < n->npins; k++)
            if (n->pins[k].dir == DIR_OUT && n->pins[k].type != PT_EXECUTION) n->pins[k].slot = slot++;
    }
    p->nslots = slot;
    for (uint32_t i = 0; i < p->nnodes; i++) {
        plan_node *n = &p->nodes[i];
        for (uint16_t k = 0; k < n->npins; k++) {
            plan_pin *pin = &n->pins[k];
            if (pin->dir == DIR_IN && pin->src_node != PIN_NONE)
                pin->src_slot = p->nodes[pin->src_node].pins[pin->src_slot].slot;
        }
    }
}

plan *board_load(const char *text, size_t len, const catalog *cat, board_errors *errs) {
    memset(errs, 0, sizeof *errs);
    if (len > BOARD_MAX_BYTES) {
        ERR("board_too_large", NULL, NULL, "the board is %zu bytes; the limit is %u", len, BOARD_MAX_BYTES);
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        int line = je.line > 0 ? je.line : 1, column = je.column > 0 ? je.column : 1;
        add_error(errs, "invalid_json", NULL, NULL, line, column, "line %d, column %d: %s", line, column, je.text);
        return NULL;
    }
    plan *p = calloc(1, sizeof *p);
    if (!p) {
        json_decref(doc);
        ERR("out_of_memory", NULL, NULL, "out of memory");
        return NULL;
    }
    arena_init(&p->mem, 16384);
    p->doc = doc;
    if (check_shape(doc, errs)) {
        p->board_id = opt_string(doc, "id");
        loader L = {.p = p, .errs = errs, .cat = cat};
        load_variables(&L);
        load_nodes(&L);
        resolve_variables(&L);
        connect_all(&L);
        check_cycles(&L);
        if (p->nstarts == 0 && errs->n == 0)
            ERR("no_start", NULL, NULL, "the board has no start node (events_simple or events_generic)");
        else if (p->nstarts == 0)
            ERR("no_start", NULL, NULL, "the board has no valid start node");
        /* comments: ids unique among comments */
        json_t *comments = json_object_get(doc, "comments");
        strmap cids;
        strmap_init(&cids, &p->mem, json_array_size(comments));
        size_t i;
        json_t *c;
        json_array_foreach(comments, i, c) {
            json_t *cid = json_object_get(c, "id");
            if (!json_is_object(c) || !valid_id(cid))
                ERR("invalid_board", NULL, NULL, "comment %zu needs a non-empty string \"id\"", i);
            else if (!fields_are_strings(c, (const char *[]){"text", NULL}) ||
                     !fields_are_numbers(c, (const char *[]){"x", "y", "w", "h", NULL}))
                ERR("invalid_board", NULL, NULL, "comment \"%s\": text is a string; x, y, w, h are numbers",
                    json_string_value(cid));
            else if (strmap_put(&cids, json_string_value(cid), 0))
                ERR("duplicate_id", NULL, NULL, "comment id \"%s\" is used twice", json_string_value(cid));
        }
    }
    if (errs->n || errs->dropped) {
        plan_free(p);
        return NULL;
    }
    assign_slots(p);
    return p;
}

plan *board_load_file(const char *path, const catalog *cat, board_errors *errs) {
    memset(errs, 0, sizeof *errs);
    FILE *f = fopen(path, "rb");
    if (!f) {
        ERR("unreadable", NULL, NULL, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        ERR("unreadable", NULL, NULL, "%s is a directory", path);
        return NULL;
    }
    strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0) {
        if (sb.len + r > BOARD_MAX_BYTES) {
            fclose(f);
            sb_free(&sb);
            ERR("board_too_large", NULL, NULL, "%s is larger than the limit of %u bytes", path, BOARD_MAX_BYTES);
            return NULL;
        }
        sb_append(&sb, buf, r);
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed || sb.oom) {
        sb_free(&sb);
        ERR("unreadable", NULL, NULL, "cannot read %s", path);
        return NULL;
    }
    plan *p = board_load(sb_str(&sb), sb.len, cat, errs);
    sb_free(&sb);
    return p;
}

void plan_free(plan *p) {
    if (!p) return;
    for (uint32_t i = 0; i < p->nnodes; i++)
        for (uint16_t k = 0; k < p->nodes[i].npins; k++) value_release(p->nodes[i].pins[k].literal);
    for (uint32_t i = 0; i < p->nvars; i++) value_release(p->vars[i].dflt);
    json_decref(p->doc);
    arena_free(&p->mem);
    free(p);
}

int32_t plan_find_node(const plan *p, const char *id) {
    uint32_t v;
    return strmap_get(&p->node_index, id, &v) ? (int32_t)v : -1;
}

int32_t plan_find_var(const plan *p, const char *ref) {
    uint32_t v;
    return strmap_get(&p->var_index, ref, &v) ? (int32_t)v : -1;
}

/* ---- save ----------------------------------------------------------------- */

static json_t *ordered(const json_t *src, const char *const *keys) {
    json_t *out = json_object();
    for (size_t i = 0; keys[i]; i++) {
        json_t *v = json_object_get(src, keys[i]);
        if (v) json_object_set(out, keys[i], v);
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)src, k, v) {
        if (!json_object_get(out, k)) json_object_set(out, k, v);
    }
    return out;
}

static json_t *ordered_array(const json_t *arr, const char *const *keys) {
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        json_array_append_new(out, json_is_object(v) ? ordered(v, keys) : json_incref(v));
    }
    return out;
}

char *board_save(const json_t *doc) {
    static const char *const top[] = {"format", "id", "name", "description", "version", "variables",
                                      "nodes", "connections", "comments", NULL};
    static const char *const node[] = {"id", "type", "x", "y", "inputs", "pin_counts", "extra_pins",
                                       "handle_errors", NULL};
    static const char *const var[] = {"id", "name", "type", "value_type", "default", "exposed", "secret", NULL};
    static const char *const conn[] = {"from", "to", NULL};
    static const char *const comment[] = {"id", "text", "x", "y", "w", "h", NULL};
    json_t *out = ordered(doc, top);
    if (json_is_array(json_object_get(doc, "nodes")))
        json_object_set_new(out, "nodes", ordered_array(json_object_get(doc, "nodes"), node));
    if (json_is_array(json_object_get(doc, "variables")))
        json_object_set_new(out, "variables", ordered_array(json_object_get(doc, "variables"), var));
    if (json_is_array(json_object_get(doc, "connections")))
        json_object_set_new(out, "connections", ordered_array(json_object_get(doc, "connections"), conn));
    if (json_is_array(json_object_get(doc, "comments")))
        json_object_set_new(out, "comments", ordered_array(json_object_get(doc, "comments"), comment));
    char *text = json_dumps(out, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(out);
    return text;
}
