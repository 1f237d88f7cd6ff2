/* storage.c — placeholder table until the storage nodes land. */
#include "catalog/catalog.h"

const node_def *const catalog_storage[] = {NULL};
