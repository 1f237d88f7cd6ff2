/* strings.c — placeholder table until the strings nodes land. */
#include "catalog/catalog.h"

const node_def *const catalog_strings[] = {NULL};
