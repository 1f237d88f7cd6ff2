/* http.c — placeholder table until the http nodes land. */
#include "catalog/catalog.h"

const node_def *const catalog_http[] = {NULL};
