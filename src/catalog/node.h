/* node.h — the one small interface every node implements.
 *
 * A node type is a `node_def`: its pins and a `run` function. Built-in nodes
 * are static definitions in src/catalog/<domain>.c; WASM package nodes
 * (src/sandbox) build the same structure at load time. `run` receives a
 * node_ctx through which it reads inputs (pure upstream nodes are evaluated
 * on demand), writes outputs, activates or fires execution outputs, keeps
 * per-run state and logs. The engine owns everything behind the context. */
#ifndef WEIR_NODE_H
#define WEIR_NODE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/types.h"
#include "engine/value.h"

typedef struct pin_def {
    const char *name;
    uint8_t dir;          /* pin_dir */
    uint8_t type;         /* pin_type */
    uint8_t shape;        /* value_shape */
    bool repeated;        /* copies from the node's pin_counts (default 2) */
    const char *dflt;     /* default as JSON text; NULL means null */
} pin_def;

typedef struct node_ctx node_ctx;

/* What `run` returns. NODE_FAIL: the node failed and set a message with
 * ctx_fail (error handling applies). NODE_ABORT: a body fired by the node was
 * aborted (run failed, timed out or was cancelled); return it unchanged. */
enum { NODE_OK = 0, NODE_FAIL = -1, NODE_ABORT = -2 };

typedef int (*node_run_fn)(node_ctx *c);

enum node_flags {
    NODEF_START = 1u << 0,         /* a start node (events_*) */
    NODEF_EXTRA_OUTPUTS = 1u << 1, /* accepts extra_pins outputs */
    NODEF_FORMAT_INPUTS = 1u << 2, /* one generic input per {name} in format_string */
    NODEF_VARIABLE = 1u << 3,      /* var_ref names a declared variable */
    NODEF_PARALLEL = 1u << 4,      /* may run branches on the worker pool */
};

typedef struct node_def {
    const char *type;            /* key used in boards, e.g. "int_add" */
    const char *friendly_name;
    const char *category;
    const char *description;
    const pin_def *pins;
    uint16_t npins;
    uint16_t flags;              /* node_flags */
    uint16_t state_size;         /* bytes of per-run state, zeroed at run start */
    node_run_fn run;
    void *userdata;              /* for package nodes */
} node_def;

/* ---- inputs -------------------------------------------------------------
 * `pin` is the index of the pin in def->pins; `k` picks a copy of a repeated
 * pin (0-based). Getters of a typed value fail the node (message naming the
 * pin) and return -1 when the value has another type. */
size_t ctx_count(node_ctx *c, int pin);                  /* copies of a pin */
int ctx_get(node_ctx *c, int pin, size_t k, value *out); /* borrowed until run returns */
int ctx_int(node_ctx *c, int pin, int64_t *out);
int ctx_float(node_ctx *c, int pin, double *out);
int ctx_bool(node_ctx *c, int pin, bool *out);
int ctx_bool_k(node_ctx *c, int pin, size_t k, bool *out);
int ctx_str(node_ctx *c, int pin, const char **s, size_t *len);
int ctx_str_k(node_ctx *c, int pin, size_t k, const char **s, size_t *len);
int ctx_object(node_ctx *c, int pin, json_t **obj);      /* borrowed */
int ctx_array(node_ctx *c, int pin, json_t **arr);       /* borrowed */
/* Any value as JSON (borrowed; scalars are boxed for the node's lifetime). */
int ctx_json(node_ctx *c, int pin, json_t **j);

/* Dynamic pins: string_format inputs and events_generic extra outputs. */
size_t ctx_dyn_count(node_ctx *c);
const char *ctx_dyn_name(node_ctx *c, size_t i);
void ctx_dyn_type(node_ctx *c, size_t i, pin_type *type, value_shape *shape);
int ctx_dyn_get(node_ctx *c, size_t i, value *out);
void ctx_dyn_set(node_ctx *c, size_t i, value v);

/* ---- outputs ------------------------------------------------------------ */
void ctx_set(node_ctx *c, int pin, value v);             /* retains v */
void ctx_set_k(node_ctx *c, int pin, size_t k, value v);
void ctx_set_int(node_ctx *c, int pin, int64_t i);
void ctx_set_float(node_ctx *c, int pin, double f);
void ctx_set_bool(node_ctx *c, int pin, bool b);
/* Set a string output; fails the node (-1) when s is not UTF-8 or too long. */
int ctx_set_str(node_ctx *c, int pin, const char *s, size_t len);
/* Set an output to `j`, taking the reference; NULL fails the node (OOM). */
int ctx_set_json(node_ctx *c, int pin, json_t *j);

/* ---- execution ----------------------------------------------------------
 * activate: follow this execution output after run returns (in call order).
 * fire: run the chain wired to it now, to completion; returns NODE_OK or
 * NODE_ABORT (return that at once). */
void ctx_activate(node_ctx *c, int pin);
void ctx_activate_k(node_ctx *c, int pin, size_t k);
int ctx_fire(node_ctx *c, int pin);
int ctx_fire_k(node_ctx *c, int pin, size_t k);
bool ctx_is_wired(node_ctx *c, int pin, size_t k);
/* Fire `pin` with a deadline `ms` from now; *timed_out tells whether the body
 * was stopped by it. Returns NODE_ABORT only for run-level aborts. */
int ctx_fire_timeout(node_ctx *c, int pin, double ms, bool *timed_out);
/* Which execution input started this execution (pin index, copy). */
int ctx_trigger(node_ctx *c, size_t *k);

/* Run n branches on the worker pool, at most max_concurrent at a time. Each
 * branch gets its own copy of pin values (branch_fn sets outputs on it and
 * fires its body); values a branch wrote are merged back when all are done
 * (last finished wins). Returns NODE_OK, or NODE_ABORT when a branch aborted. */
typedef int (*ctx_branch_fn)(node_ctx *branch, size_t i, void *ud);
int ctx_parallel(node_ctx *c, size_t n, size_t max_concurrent, ctx_branch_fn fn, void *ud);

/* ---- everything else ---------------------------------------------------- */
int ctx_fail(node_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Node state: state_size bytes, one per run (shared by parallel branches).
 * Lock, use, unlock; call nothing else of the ctx in between. */
void *ctx_state_lock(node_ctx *c);
void ctx_state_unlock(node_ctx *c);
/* control_gather: make this branch's values visible to the branch that
 * completes the gather / take the values other branches published. */
void ctx_publish(node_ctx *c);
void ctx_refresh(node_ctx *c);
const char *ctx_node_id(node_ctx *c);
json_t *ctx_node_json(node_ctx *c);           /* the node's board entry (borrowed) */
enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
void ctx_log(node_ctx *c, int level, value message);
/* Variables: the one named by the node's var_ref literal (resolved at compile). */
int ctx_var_get(node_ctx *c, value *out);     /* a new reference; release it */
int ctx_var_set(node_ctx *c, value v);
/* All variables that are not secret, as a new object id → value (package
 * nodes); and setting one by id, checked against its type (secret or
 * unknown ids fail the node). */
json_t *ctx_variables_json(node_ctx *c);
int ctx_variable_set_by_id(node_ctx *c, const char *id, json_t *j);
/* Set the run's result (retained; secret values stay secret). */
void ctx_set_result(node_ctx *c, value v);
/* The start event's payload (borrowed; JSON object, never NULL). */
json_t *ctx_payload(node_ctx *c);
/* Wait `ms`; returns NODE_OK, or NODE_ABORT when the run or the enclosing
 * timeout ended first (then return NODE_ABORT). */
int ctx_sleep(node_ctx *c, double ms);
/* True once the node should stop work (cancelled or past a deadline). */
bool ctx_should_stop(node_ctx *c);
/* Milliseconds left before the nearest deadline (run or timeout scope). */
double ctx_ms_left(node_ctx *c);
/* Run environment for I/O nodes. */
bool ctx_allow_private_net(node_ctx *c);
/* Storage directory of the board, or of node `scope_node` inside it when not
 * NULL; malloc'd path, or NULL with the node failed. */
char *ctx_storage_root(node_ctx *c, const char *scope_node);
/* The run's data directory (never NULL). */
const char *ctx_data_dir(node_ctx *c);
/* Storage directory of WASM package `package_id` for the run's app:
 * DATA/storage/APP/packages/PACKAGE_ID; malloc'd, or NULL with the node
 * failed (no data directory, or an id that cannot name a directory). */
char *ctx_package_storage_dir(node_ctx *c, const char *package_id);
/* The node's definition (package nodes find their package through
 * def->userdata). */
const node_def *ctx_def(node_ctx *c);
/* The run's id (32 hex digits), its app ("local" when none) and the board's
 * id ("" when the board has none). Never NULL. */
const char *ctx_run_id(node_ctx *c);
const char *ctx_app_id(node_ctx *c);
const char *ctx_board_id(node_ctx *c);

#endif
