/* structs.c — struct_make, struct_get, struct_set: JSON objects addressed by
 * field paths.
 *
 * A field path is what a user types into a text box: `name`, `user.address`,
 * `items[0].name`, `matrix[1][2]`. Grammar:
 *
 *   path := first ('.' key | '[' digits ']')*
 *   first := key | '[' digits ']'
 *   key  := one or more bytes other than '.' and '['
 *
 * so keys that contain '.' or '[' cannot be addressed (']' is allowed in a
 * key). An empty path, an empty key ("a..b", "a.", ".a"), "[]", "[-1]",
 * "[x]", an unterminated '[', text right after ']' ("a[0]b") and more than
 * STRUCT_MAX_PATH_STEPS steps are malformed and fail the node.
 *
 * Values are never modified in place: struct_set copies each object or array
 * on the path (shallow copies: everything off the path is shared). */
#include "catalog/catalog.h"

#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/textfmt.h"
#include "catalog/nodeutil.h"

/* ---- field paths ------------------------------------------------------------ */

typedef struct path_step {
    bool is_index;
    const char *key;  /* a key step: key bytes (not NUL-terminated) */
    size_t klen;
    size_t index;     /* an index step; SIZE_MAX when the digits overflow */
    size_t end;       /* offset just past this step in the path text */
} path_step;

/* How a path is shown in messages: at most 64 bytes, cut at a character
 * boundary so the message stays UTF-8. */
static int shown_len(const char *s, size_t len) { return (int)utf8_cut(s, len, 64); }
#define PATH_FMT "\"%.*s%s\""
#define PATH_ARG(s, len) shown_len(s, len), s, (len) > (size_t)shown_len(s, len) ? "…" : ""

static int malformed(node_ctx *c, const char *path, size_t len, size_t at, const char *why) {
    return ctx_fail(c, "input field: malformed path " PATH_FMT " at byte %zu: %s", PATH_ARG(path, len), at, why);
}

/* Parse `path` into *steps (malloc'd, caller frees). Fails the node. */
static int parse_path(node_ctx *c, const char *path, size_t len, path_step **steps, size_t *nsteps) {
    *steps = NULL;
    *nsteps = 0;
    if (len == 0) return ctx_fail(c, "input field: the path is empty");
    path_step *st = NULL;
    size_t n = 0, cap = 0, i = 0;
    bool need_key = true; /* at the start or after '.' */
    while (i < len) {
        path_step s = {0};
        if (path[i] == '[') {
            size_t start = ++i;
            size_t v = 0;
            while (i < len && path[i] >= '0' && path[i] <= '9') {
                size_t d = (size_t)(path[i] - '0');
                v = v > (SIZE_MAX - d) / 10 ? SIZE_MAX : v * 10 + d;
                i++;
            }
            if (i == start || i >= len || path[i] != ']') {
                free(st);
                return malformed(c, path, len, start, "expected digits and ']' after '['");
            }
            i++;
            if (need_key && n > 0) {
                free(st);
                return malformed(c, path, len, start - 1, "expected a key after '.'");
            }
            s.is_index = true;
            s.index = v;
        } else if (need_key) {
            size_t start = i;
            while (i < len && path[i] != '.' && path[i] != '[') i++;
            if (i == start) {
                free(st);
                return malformed(c, path, len, start, "expected a key");
            }
            s.key = path + start;
            s.klen = i - start;
        } else if (path[i] == '.') {
            i++;
            need_key = true;
            if (i == len) {
                free(st);
                return malformed(c, path, len, i, "expected a key after '.'");
            }
            continue;
        } else {
            free(st);
            return malformed(c, path, len, i, "expected '.' or '[' after ']'");
        }
        need_key = false;
        s.end = i;
        if (n == STRUCT_MAX_PATH_STEPS) {
            free(st);
            return ctx_fail(c, "input field: the path has more than %d steps", STRUCT_MAX_PATH_STEPS);
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            path_step *p = realloc(st, ncap * sizeof *p);
            if (!p) {
                free(st);
                return ctx_fail(c, "out of memory");
            }
            st = p;
            cap = ncap;
        }
        st[n++] = s;
    }
    *steps = st;
    *nsteps = n;
    return 0;
}

/* ---- struct_make -------------------------------------------------------------- */
enum { MK_STRUCT };
static const pin_def make_pins[] = {PIN_OUT("struct", PT_STRUCT)};

static int make_run(node_ctx *c) { return ctx_set_json(c, MK_STRUCT, json_object()) == 0 ? NODE_OK : NODE_FAIL; }

static const node_def struct_make = {
    .type = "struct_make", .friendly_name = "Make Struct", .category = "Structs",
    .description = "An empty struct ({}).", .pins = make_pins, .npins = NPINS(make_pins), .run = make_run,
};

/* ---- struct_get ------------------------------------------------------------------ */
enum { SG_STRUCT, SG_FIELD, SG_VALUE, SG_FOUND };
static const pin_def get_pins[] = {PIN_IN("struct", PT_STRUCT, NULL), PIN_IN("field", PT_STRING, NULL),
                                   PIN_OUT("value", PT_GENERIC), PIN_OUT("found", PT_BOOLEAN)};

static int get_run(node_ctx *c) {
    json_t *obj;
    const char *path;
    size_t len, n;
    path_step *steps;
    if (ctx_object(c, SG_STRUCT, &obj) != 0 || ctx_str(c, SG_FIELD, &path, &len) != 0) return NODE_FAIL;
    if (parse_path(c, path, len, &steps, &n) != 0) return NODE_FAIL;
    json_t *cur = obj;
    for (size_t i = 0; cur && i < n; i++) {
        if (steps[i].is_index) cur = json_is_array(cur) ? json_array_get(cur, steps[i].index) : NULL;
        else cur = json_is_object(cur) ? json_object_getn(cur, steps[i].key, steps[i].klen) : NULL;
    }
    free(steps);
    value v = value_from_json(cur);
    ctx_set(c, SG_VALUE, v);
    value_release(v);
    ctx_set_bool(c, SG_FOUND, cur != NULL);
    return NODE_OK;
}

static const node_def struct_get = {
    .type = "struct_get", .friendly_name = "Get Field", .category = "Structs",
    .description = "The value at a field path like items[0].name; found is false (value null) when a step is "
                   "missing.",
    .pins = get_pins, .npins = NPINS(get_pins), .run = get_run,
};

/* ---- struct_set ------------------------------------------------------------------ */
enum { SS_EXEC_IN, SS_STRUCT_IN, SS_FIELD, SS_VALUE, SS_EXEC_OUT, SS_STRUCT_OUT };
static const pin_def set_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("struct_in", PT_STRUCT, NULL),
                                   PIN_IN("field", PT_STRING, NULL), PIN_IN("value", PT_GENERIC, NULL),
                                   PIN_EXEC_OUT("exec_out"), PIN_OUT("struct_out", PT_STRUCT)};

/* A fresh shallow copy of the container `child` for step `next`, or NULL
 * with the node failed. A missing child becomes {} before a key step. */
static json_t *descend(node_ctx *c, const char *path, size_t len, const path_step *here, json_t *child,
                       const path_step *next) {
    if (!child) {
        if (!next->is_index) return json_object();
        ctx_fail(c, "field " PATH_FMT ": " PATH_FMT " does not exist, so index %zu is out of range",
                 PATH_ARG(path, len), PATH_ARG(path, here->end), next->index);
        return NULL;
    }
    bool ok = next->is_index ? json_is_array(child) : json_is_object(child);
    if (!ok) {
        ctx_fail(c, "field " PATH_FMT ": cannot set through " PATH_FMT ", which is %s, not %s",
                 PATH_ARG(path, len), PATH_ARG(path, here->end), json_kind_phrase(child),
                 next->is_index ? "an array" : "an object");
        return NULL;
    }
    json_t *copy = json_copy(child);
    if (!copy) ctx_fail(c, "out of memory");
    return copy;
}

static int set_run(node_ctx *c) {
    json_t *obj;
    const char *path;
    size_t len, n;
    value v;
    path_step *steps;
    if (ctx_object(c, SS_STRUCT_IN, &obj) != 0 || ctx_str(c, SS_FIELD, &path, &len) != 0 ||
        ctx_get(c, SS_VALUE, 0, &v) != 0)
        return NODE_FAIL;
    if (parse_path(c, path, len, &steps, &n) != 0) return NODE_FAIL;
    json_t *root = json_copy(obj);
    if (!root) {
        free(steps);
        return ctx_fail(c, "out of memory");
    }
    if (steps[0].is_index) {
        ctx_fail(c, "field " PATH_FMT ": the struct is an object, so it has no index %zu", PATH_ARG(path, len),
                 steps[0].index);
        json_decref(root);
        free(steps);
        return NODE_FAIL;
    }
    /* `cur` is always a fresh copy owned by the tree under `root`. */
    json_t *cur = root;
    for (size_t i = 0; i < n; i++) {
        const path_step *s = &steps[i];
        bool last = i + 1 == n;
        if (s->is_index) {
            size_t size = json_array_size(cur);
            if (s->index >= size) {
                size_t at = steps[i - 1].end; /* i > 0: the root is an object */
                ctx_fail(c, "field " PATH_FMT ": index %zu is out of range (" PATH_FMT " has %zu element%s)",
                         PATH_ARG(path, len), s->index, PATH_ARG(path, at), size, size == 1 ? "" : "s");
                break;
            }
            json_t *next = last ? value_to_json(v) : descend(c, path, len, s, json_array_get(cur, s->index), s + 1);
            if (!next) {
                if (last) ctx_fail(c, "out of memory"); /* else descend failed the node */
                break;
            }
            if (json_array_set_new(cur, s->index, next) != 0) { /* takes `next` even on failure */
                ctx_fail(c, "out of memory");
                break;
            }
            cur = next;
        } else {
            json_t *next = last ? value_to_json(v)
                                : descend(c, path, len, s, json_object_getn(cur, s->key, s->klen), s + 1);
            if (!next) {
                if (last) ctx_fail(c, "out of memory");
                break;
            }
            if (json_object_setn_new(cur, s->key, s->klen, next) != 0) {
                ctx_fail(c, "out of memory");
                break;
            }
            cur = next;
        }
        if (last) {
            free(steps);
            if (ctx_set_json(c, SS_STRUCT_OUT, root) != 0) return NODE_FAIL;
            ctx_activate(c, SS_EXEC_OUT);
            return NODE_OK;
        }
    }
    free(steps);
    json_decref(root);
    return NODE_FAIL;
}

static const node_def struct_set = {
    .type = "struct_set", .friendly_name = "Set Field", .category = "Structs",
    .description = "A copy of struct_in with the field path set to value, creating missing objects on the way.",
    .pins = set_pins, .npins = NPINS(set_pins), .run = set_run,
};

const node_def *const catalog_structs[] = {&struct_make, &struct_get, &struct_set, NULL};
