/* arrays.c — placeholder table until the arrays nodes land. */
#include "catalog/catalog.h"

const node_def *const catalog_arrays[] = {NULL};
