/* json.c — placeholder table until the json nodes land. */
#include "catalog/catalog.h"

const node_def *const catalog_json[] = {NULL};
