/* math.c — placeholder table until the math nodes land. */
#include "catalog/catalog.h"

const node_def *const catalog_math[] = {NULL};
