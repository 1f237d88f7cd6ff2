/* board.h — load a board file: parse, validate (boards.md §1), compile.
 *
 * board_load does all three; a board is only ever run as a plan. Errors carry
 * the rule code, node, pin and, for JSON syntax errors, line and column. */
#ifndef WEIR_BOARD_H
#define WEIR_BOARD_H

#include <jansson.h>
#include <stddef.h>

#include "board/plan.h"
#include "catalog/catalog.h"

typedef struct board_error {
    const char *code;    /* static: "duplicate_id", "invalid_json", … */
    char *node;          /* may be NULL */
    char *pin;           /* may be NULL */
    char *message;
    int line, column;    /* 0 when not a JSON syntax error */
} board_error;

typedef struct board_errors {
    board_error *items;
    size_t n, cap;
    size_t dropped;      /* errors past BOARD_MAX_ERRORS, counted not kept */
} board_errors;

/* Parse, validate and compile `text`. Returns a plan (free with plan_free) or
 * NULL with every problem found in `errs` (free with board_errors_free). */
plan *board_load(const char *text, size_t len, const catalog *cat, board_errors *errs);
/* Read a file then board_load; a missing or oversized file is an error too. */
plan *board_load_file(const char *path, const catalog *cat, board_errors *errs);
void board_errors_free(board_errors *errs);
/* {"valid": …, "errors": […]} as in boards.md §4 (new reference). */
json_t *board_errors_json(const board_errors *errs);
/* The board in canonical form (known keys in spec order, then the rest);
 * load → save → load gives the same text. malloc'd. */
char *board_save(const json_t *doc);

#endif
