/* arena.h — region allocator: many small allocations, one free.
 *
 * Every run (and, later, every HTTP request) owns one arena; everything that
 * lives exactly as long as it comes from here, so cleanup cannot be forgotten.
 * Not thread-safe: one owner at a time. */
#ifndef WEIR_ARENA_H
#define WEIR_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;

typedef struct arena {
    arena_block *head;     /* current block; older blocks chained behind it */
    size_t used;           /* bytes used in head */
    size_t block_size;     /* size of the next ordinary block */
    size_t total;          /* bytes obtained from malloc, for accounting */
} arena;

/* Initialise an empty arena; the first block is allocated on first use. */
void arena_init(arena *a, size_t first_block);
/* Return zeroed memory of `size` bytes, aligned for any type; NULL only when
 * malloc fails. Owned by the arena. */
void *arena_alloc(arena *a, size_t size);
/* Copy `len` bytes of `s` and add a NUL; owned by the arena. */
char *arena_strndup(arena *a, const char *s, size_t len);
char *arena_strdup(arena *a, const char *s);
/* printf into arena memory. */
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Free every block; the arena may be reused after arena_init. */
void arena_free(arena *a);

#endif
