/* ids.h — identifiers for stored objects: PREFIX_ + 16 hex digits of the
 * creation time in microseconds + 16 hex random digits. Fixed width, so the
 * text order is the creation order (cursors and ORDER BY id need nothing else);
 * the random half makes ids unguessable, though access never rests on that.
 * Within one process ids are strictly increasing even if the clock steps back. */
#ifndef WEIR_IDS_H
#define WEIR_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ID_MAX 48   /* bytes, NUL included, of any id this module makes */

/* Write a new id "PREFIX_…" into out (ID_MAX bytes). prefix is at most 8 chars. */
void id_new(const char *prefix, char out[ID_MAX]);
/* Whether s looks like an id of that prefix (so user input can be checked
 * before it reaches a query or a path). */
bool id_valid(const char *prefix, const char *s);
/* n random bytes from a per-thread pool refilled by getrandom, so small
 * draws cost no system call. */
void id_random(void *out, size_t n);
/* Microseconds since the epoch, wall clock. */
int64_t now_us(void);

#endif
