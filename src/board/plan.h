/* plan.h — a board compiled for execution.
 *
 * Built once by board_load (board.c), then read-only and shared by any number
 * of concurrent runs. Nodes and pins are arrays; connections are indices;
 * literals and defaults are decoded values. One arena owns it all. */
#ifndef WEIR_PLAN_H
#define WEIR_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/strmap.h"
#include "catalog/node.h"

#define PIN_NONE (-1)
/* def_pin values of pins that are not in def->pins */
#define PIN_DEF_DYN 0xFFFEu       /* string_format input or extra output */
#define PIN_DEF_ERROR 0xFFFDu     /* auto_handle_error (execution out) */
#define PIN_DEF_ERROR_STR 0xFFFCu /* auto_handle_error_string (string out) */

typedef struct plan_pin {
    const char *name;        /* as written in boards: "exec_out" */
    uint16_t def_pin;        /* index into def->pins, or PIN_DEF_* */
    uint16_t copy;           /* 0-based copy of a repeated pin */
    uint8_t dir, type, shape;
    /* data input */
    int32_t src_node;        /* PIN_NONE when unconnected */
    uint32_t src_slot;
    value literal;           /* literal input, else pin default, else null */
    /* data output */
    uint32_t slot;
    /* execution output */
    int32_t next_node;       /* PIN_NONE when unwired */
    uint16_t next_pin;
} plan_pin;

typedef struct plan_node {
    const char *id;
    const char *type;
    const node_def *def;
    json_t *json;            /* the node's entry in plan->doc (borrowed) */
    plan_pin *pins;
    uint16_t npins;
    uint16_t *first;         /* first[def pin] = index into pins */
    uint16_t *count;         /* copies of each def pin */
    uint16_t dyn_first, ndyn;
    int32_t err_pin, err_str_pin;  /* PIN_NONE unless handle_errors */
    bool pure, handle_errors;
    int32_t var;             /* variable of var_ref, or -1 */
    uint32_t state_off;
} plan_node;

typedef struct plan_var {
    const char *id, *name;
    uint8_t type, shape;
    bool exposed, secret;
    value dflt;
} plan_var;

typedef struct plan {
    arena mem;
    json_t *doc;             /* the board as loaded (owned) */
    const char *board_id;
    plan_node *nodes;
    uint32_t nnodes;
    plan_var *vars;
    uint32_t nvars;
    uint32_t nslots;         /* data output slots per run */
    uint32_t state_size;     /* bytes of node state per run */
    uint32_t *starts;        /* start node indices */
    uint32_t nstarts;
    strmap node_index;       /* id → node index */
    strmap var_index;        /* id and name → variable index */
} plan;

void plan_free(plan *p);
/* Node index by id; -1 when absent. */
int32_t plan_find_node(const plan *p, const char *id);
/* Variable index by id (or name); -1 when absent. */
int32_t plan_find_var(const plan *p, const char *ref);

#endif
