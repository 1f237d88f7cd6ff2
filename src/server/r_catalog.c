/* r_catalog.c — the node catalog and the installed packages, as the editor
 * needs them. Packages are installed per instance by the operator
 * (`weir node install`); apps see them read-only. */
#include "catalog/catalog.h"
#include "sandbox/store.h"
#include "server/routes.h"

HANDLER(h_catalog) { srv_json(r, 200, catalog_describe(r->srv->cat)); }

HANDLER(h_packages_list) {
    char err[256];
    json_t *list = pkgstore_list(r->srv->cfg.data_dir, err, sizeof err);
    if (!list) return srv_problem(r, 500, "internal", "the installed packages could not be listed");
    srv_json(r, 200, json_pack("{s:o}", "items", list));
}
