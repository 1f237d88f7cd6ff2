/* packages.c — `pkg:PACKAGE_ID/NODE_NAME` node types: installed WASM
 * packages as catalog entries whose run function invokes the sandbox
 * (packages.h; docs/node-abi.md, "Package nodes in boards"). */
#include "catalog/packages.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "catalog/catalog.h"
#include "sandbox/sandbox.h"
#include "sandbox/store.h"

typedef struct pkg_entry pkg_entry;

typedef struct pkg_node {
    node_def def;
    pkg_entry *entry;
    size_t index;            /* node index in the manifest */
} pkg_node;

struct pkg_entry {
    pkg_entry *next;
    char *id;
    int status;              /* PKGSTORE_E_* */
    char *why;               /* the reason when status is not OK */
    sbx_package *pkg;
    pkgstore_record rec;
    pkg_node *nodes;
    size_t nnodes;
};

struct pkg_resolver {
    char *data_dir;
    pthread_mutex_t mu;
    pkg_entry *head;
    arena mem;               /* node_defs, pins, type names, defaults */
};

pkg_resolver *pkgres_new(const char *data_dir) {
    pkg_resolver *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    if (data_dir && !(r->data_dir = strdup(data_dir))) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->mu, NULL);
    arena_init(&r->mem, 4096);
    return r;
}

void pkgres_free(pkg_resolver *r) {
    if (!r) return;
    for (pkg_entry *e = r->head, *next; e; e = next) {
        next = e->next;
        sbx_package_release(e->pkg);
        pkgstore_record_free(&e->rec);
        free(e->id);
        free(e->why);
        free(e);
    }
    arena_free(&r->mem);
    pthread_mutex_destroy(&r->mu);
    free(r->data_dir);
    free(r);
}

/* ---- running a package node ----------------------------------------------------- */

static bool should_abort(void *ud) { return ctx_should_stop(ud); }

static int log_level(const char *s) {
    if (!s) return LOG_INFO;
    if (strcmp(s, "debug") == 0) return LOG_DEBUG;
    if (strcmp(s, "warn") == 0) return LOG_WARN;
    if (strcmp(s, "error") == 0) return LOG_ERROR;
    return LOG_INFO;
}

static int pin_index(const node_def *def, const char *name, bool exec) {
    for (uint16_t i = 0; i < def->npins; i++) {
        const pin_def *p = &def->pins[i];
        if (p->dir == DIR_OUT && (p->type == PT_EXECUTION) == exec && strcmp(p->name, name) == 0) return i;
    }
    return -1;
}

static int pkg_node_run(node_ctx *c) {
    const node_def *def = ctx_def(c);
    const pkg_node *pn = def->userdata;
    const pkg_entry *e = pn->entry;
    const sbx_manifest *m = sbx_package_manifest(e->pkg);

    /* every data input: connected value, literal, default or null */
    json_t *inputs = json_object();
    if (!inputs) return ctx_fail(c, "out of memory");
    for (uint16_t i = 0; i < def->npins; i++) {
        const pin_def *p = &def->pins[i];
        if (p->dir != DIR_IN || p->type == PT_EXECUTION) continue;
        value v;
        if (ctx_get(c, i, 0, &v) != 0) {
            json_decref(inputs);
            return NODE_FAIL;
        }
        json_t *j = value_to_json(v);
        if (!j || json_object_set_new(inputs, p->name, j) != 0) {
            json_decref(inputs);
            return ctx_fail(c, "out of memory");
        }
    }
    char *storage = NULL;
    if ((m->caps & SBX_CAP_STORAGE) && ctx_data_dir(c)[0]) {
        storage = ctx_package_storage_dir(c, e->id);
        if (!storage) {
            json_decref(inputs);
            return NODE_FAIL;
        }
    }
    json_t *context = json_pack("{s:s, s:s, s:s, s:s}", "run_id", ctx_run_id(c), "app_id", ctx_app_id(c),
                                "board_id", ctx_board_id(c), "node_id", ctx_node_id(c));
    /* the run's variables, secrets left out; written back after the call */
    json_t *vars = (m->caps & SBX_CAP_VARIABLES) ? ctx_variables_json(c) : NULL;
    json_t *before = vars ? json_deep_copy(vars) : NULL;
    sbx_env env = {
        .granted = e->rec.granted,
        .policy = sbx_policy_default(),
        .storage_dir = storage,
        .variables = vars,
        .secrets = NULL,   /* not offered from boards yet: secret_get -21 */
        .context = context,
        .should_abort = should_abort,
        .ud = c,
    };
    env.policy.allow_private_net = ctx_allow_private_net(c);
    sbx_result res;
    sbx_invoke(e->pkg, pn->index, inputs, &env, &res);
    json_decref(inputs);
    json_decref(context);
    free(storage);

    size_t i;
    json_t *item;
    json_array_foreach(res.logs, i, item) {
        const char *text = json_string_value(json_object_get(item, "message"));
        if (!text) continue;
        value msg = value_string(text, strlen(text));
        ctx_log(c, log_level(json_string_value(json_object_get(item, "level"))), msg);
        value_release(msg);
    }
    int rc = NODE_OK;
    if (res.code == SBX_OK) {
        const char *key;
        json_object_foreach(vars, key, item) {
            if (json_equal(item, json_object_get(before, key))) continue;
            if ((rc = ctx_variable_set_by_id(c, key, item)) != 0) break;
        }
        if (rc == NODE_OK) json_object_foreach(res.outputs, key, item) {
            int pin = pin_index(def, key, false);
            if (pin >= 0 && (rc = ctx_set_json(c, pin, json_incref(item))) != 0) break;
        }
        if (rc == NODE_OK) json_array_foreach(res.activated, i, item) {
                int pin = pin_index(def, json_string_value(item), true);
                if (pin >= 0) ctx_activate(c, pin);
            }
    } else if (res.code == SBX_TIMEOUT && ctx_should_stop(c)) {
        rc = NODE_ABORT; /* the run, or a control_timeout around us, ended */
    } else {
        rc = ctx_fail(c, "%s: %s", sbx_code_name(res.code), res.message ? res.message : sbx_code_name(res.code));
    }
    sbx_result_free(&res);
    json_decref(vars);
    json_decref(before);
    return rc;
}

/* ---- loading a package ---------------------------------------------------------- */

/* One node_def per manifest node. Called with r->mu held. */
static int build_nodes(pkg_resolver *r, pkg_entry *e) {
    const sbx_manifest *m = sbx_package_manifest(e->pkg);
    e->nodes = arena_alloc(&r->mem, m->nnodes * sizeof *e->nodes);
    if (!e->nodes) return -1;
    for (size_t i = 0; i < m->nnodes; i++) {
        const sbx_node *sn = &m->nodes[i];
        pkg_node *pn = &e->nodes[i];
        pin_def *pins = sn->npins ? arena_alloc(&r->mem, sn->npins * sizeof *pins) : NULL;
        if (sn->npins && !pins) return -1;
        for (size_t k = 0; k < sn->npins; k++) {
            const sbx_pin *sp = &sn->pins[k];
            pins[k] = (pin_def){.name = sp->name, .dir = (uint8_t)sp->dir, .type = (uint8_t)sp->type,
                                .shape = (uint8_t)sp->shape, .repeated = false, .dflt = NULL};
            if (sp->dflt && sp->dir == DIR_IN && sp->type != PT_EXECUTION) {
                char *text = json_dumps(sp->dflt, JSON_COMPACT | JSON_ENCODE_ANY);
                if (!text) return -1;
                pins[k].dflt = arena_strdup(&r->mem, text);
                free(text);
                if (!pins[k].dflt) return -1;
            }
        }
        pn->entry = e;
        pn->index = i;
        pn->def = (node_def){
            .type = arena_printf(&r->mem, PKG_TYPE_PREFIX "%s/%s", e->id, sn->name),
            .friendly_name = sn->friendly_name,
            .category = sn->category,
            .description = sn->description,
            .pins = pins,
            .npins = (uint16_t)sn->npins,
            .flags = 0,
            .state_size = 0,
            .run = pkg_node_run,
            .userdata = pn,
        };
        if (!pn->def.type) return -1;
    }
    e->nnodes = m->nnodes;
    return 0;
}

/* The entry for package id, loading it on first use. Called with r->mu held;
 * NULL only when out of memory. */
static pkg_entry *entry_get(pkg_resolver *r, const char *id) {
    for (pkg_entry *e = r->head; e; e = e->next)
        if (strcmp(e->id, id) == 0) return e;
    pkg_entry *e = calloc(1, sizeof *e);
    if (!e || !(e->id = strdup(id))) {
        free(e);
        return NULL;
    }
    char err[768] = "";
    sbx_code code;
    if (!r->data_dir) {
        e->status = PKGSTORE_E_NOT_INSTALLED;
        snprintf(err, sizeof err, "package %s is not installed (no data directory)", id);
    } else {
        e->status = pkgstore_open(r->data_dir, id, NULL, &e->pkg, &e->rec, &code, err, sizeof err);
    }
    if (e->status == PKGSTORE_E_OK && build_nodes(r, e) != 0) {
        e->status = PKGSTORE_E_IO;
        snprintf(err, sizeof err, "out of memory");
        sbx_package_release(e->pkg);
        e->pkg = NULL;
    }
    if (e->status != PKGSTORE_E_OK) e->why = strdup(err[0] ? err : "the package cannot be loaded");
    e->next = r->head;
    r->head = e;
    return e;
}

const node_def *pkgres_find(pkg_resolver *r, const char *type, char *why, size_t whylen) {
    if (why && whylen) why[0] = '\0';
    size_t plen = strlen(PKG_TYPE_PREFIX);
    const char *slash = strncmp(type, PKG_TYPE_PREFIX, plen) == 0 ? strchr(type + plen, '/') : NULL;
    char id[80];
    size_t idlen = slash ? (size_t)(slash - (type + plen)) : 0;
    if (!slash || idlen == 0 || idlen >= sizeof id || !slash[1]) {
        if (why) snprintf(why, whylen, "a package node type is written pkg:PACKAGE_ID/NODE_NAME");
        return NULL;
    }
    memcpy(id, type + plen, idlen);
    id[idlen] = '\0';
    if (!pkgstore_valid_id(id)) {
        if (why) snprintf(why, whylen, "\"%s\" is not a package id", id);
        return NULL;
    }
    const char *name = slash + 1;
    const node_def *found = NULL;
    pthread_mutex_lock(&r->mu);
    pkg_entry *e = entry_get(r, id);
    if (!e) {
        if (why) snprintf(why, whylen, "out of memory");
    } else if (e->status != PKGSTORE_E_OK) {
        if (why) snprintf(why, whylen, "%s", e->why ? e->why : "the package cannot be loaded");
    } else {
        for (size_t i = 0; i < e->nnodes; i++)
            if (strcmp(sbx_package_manifest(e->pkg)->nodes[i].name, name) == 0) found = &e->nodes[i].def;
        if (!found && why)
            snprintf(why, whylen, "package %s%s%s has no node \"%s\"", id, e->rec.version[0] ? " " : "",
                     e->rec.version, name);
    }
    pthread_mutex_unlock(&r->mu);
    return found;
}

void pkgres_describe(pkg_resolver *r, json_t *arr) {
    if (!r->data_dir) return;
    char err[256];
    json_t *list = pkgstore_list(r->data_dir, err, sizeof err);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        const char *id = json_string_value(json_object_get(item, "id"));
        if (!id) continue;
        pthread_mutex_lock(&r->mu);
        pkg_entry *e = entry_get(r, id);
        if (e && e->status == PKGSTORE_E_OK) {
            for (size_t k = 0; k < e->nnodes; k++) {
                json_t *o = catalog_describe_def(&e->nodes[k].def);
                if (!o) continue;
                json_object_set_new(o, "package", json_string(e->id));
                json_object_set_new(o, "version", json_string(e->rec.version));
                json_object_set_new(o, "capabilities", pkgstore_caps_json(e->rec.requested));
                json_object_set_new(o, "granted", pkgstore_caps_json(e->rec.granted));
                json_array_append_new(arr, o);
            }
        }
        pthread_mutex_unlock(&r->mu);
    }
    json_decref(list);
}
