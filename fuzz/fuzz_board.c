/* fuzz_board.c — libFuzzer target for board loading (boards.md §1).
 *
 * Feeds the input to board_load (parse, validate, compile). Whatever it
 * returns must be consistent: a NULL plan comes with at least one error, and
 * the errors can be written as the JSON `weir validate` prints. When a plan
 * comes back, the board is saved (board_save), the saved text loaded again,
 * and saved again: the second load must succeed, compile to the same shape,
 * and the two saved texts must be identical — load → save → load is stable.
 * Any violation calls abort() so libFuzzer records the input.
 *
 * The plan is never run: runs do I/O (HTTP, storage) and sleep (delay). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "catalog/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *a, const char *b) {
    fprintf(stderr, "fuzz_board: %s\n", what);
    if (a) fprintf(stderr, "--- first ---\n%s\n", a);
    if (b) fprintf(stderr, "--- second ---\n%s\n", b);
    abort();
}

/* Errors must be reported, and printable as `weir validate` prints them. */
static void check_errors(board_errors *errs, const char *when) {
    if (errs->n == 0 && errs->dropped == 0) fail(when, NULL, NULL);
    for (size_t i = 0; i < errs->n; i++)
        if (!errs->items[i].code) fail("an error without a code", NULL, NULL);
    json_t *j = board_errors_json(errs);
    if (!j) fail("board_errors_json returned NULL", NULL, NULL);
    char *s = json_dumps(j, JSON_COMPACT);
    if (!s) fail("the errors JSON cannot be written", NULL, NULL);
    free(s);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const catalog *cat = catalog_builtin();
    board_errors errs;
    plan *p = board_load((const char *)data, size, cat, &errs);
    if (!p) {
        check_errors(&errs, "board_load returned NULL without an error");
        board_errors_free(&errs);
        return 0;
    }
    if (errs.n != 0) fail("board_load returned a plan and errors", NULL, NULL);
    board_errors_free(&errs);

    char *s1 = board_save(p->doc);
    if (!s1) fail("board_save failed on a loaded board", NULL, NULL);
    plan *p2 = board_load(s1, strlen(s1), cat, &errs);
    if (!p2) {
        json_t *ej = board_errors_json(&errs);
        char *es = json_dumps(ej, JSON_INDENT(2));
        fail("the saved board does not load again", s1, es);
    }
    board_errors_free(&errs);
    if (p2->nnodes != p->nnodes || p2->nvars != p->nvars || p2->nstarts != p->nstarts ||
        p2->nslots != p->nslots || p2->state_size != p->state_size)
        fail("the saved board compiles to a different plan", s1, NULL);
    for (uint32_t i = 0; i < p->nnodes; i++)
        if (p->nodes[i].npins != p2->nodes[i].npins || strcmp(p->nodes[i].id, p2->nodes[i].id) != 0 ||
            strcmp(p->nodes[i].type, p2->nodes[i].type) != 0)
            fail("a node compiles differently after save", s1, NULL);

    char *s2 = board_save(p2->doc);
    if (!s2) fail("board_save failed on a re-loaded board", NULL, NULL);
    if (strcmp(s1, s2) != 0) fail("load → save → load → save is not stable", s1, s2);

    free(s1);
    free(s2);
    plan_free(p2);
    plan_free(p);
    return 0;
}
