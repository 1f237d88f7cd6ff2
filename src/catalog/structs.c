/* structs.c — placeholder table until the structs nodes land. */
#include "catalog/catalog.h"

const node_def *const catalog_structs[] = {NULL};
