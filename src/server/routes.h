/* routes.h — every operation of the server: the table (routes.c) is the one
 * place where a path, its method, its permission and its handler meet; the
 * router and the OpenAPI document are both made from it. */
#ifndef WEIR_SRV_ROUTES_H
#define WEIR_SRV_ROUTES_H

#include "server/srv.h"

/* Match, rate-limit, authenticate, authorize, then call the handler. */
void routes_dispatch(srv_req *r);
/* The OpenAPI 3.1 document of srv_routes. */
json_t *routes_openapi(void);
/* Index of a route in srv_routes (for metrics), or srv_route_count for none. */
size_t route_index(const route *rt);

#define HANDLER(name) void name(srv_req *r)
/* r_system.c */
HANDLER(h_healthz); HANDLER(h_readyz); HANDLER(h_openapi); HANDLER(h_metrics);
/* r_auth.c */
HANDLER(h_login); HANDLER(h_logout); HANDLER(h_me);
HANDLER(h_tokens_list); HANDLER(h_token_create); HANDLER(h_token_revoke);
HANDLER(h_users_list); HANDLER(h_user_create);
/* r_oidc.c */
HANDLER(h_oidc_providers); HANDLER(h_oidc_start); HANDLER(h_oidc_callback);
/* r_apps.c */
HANDLER(h_apps_list); HANDLER(h_app_create); HANDLER(h_app_get); HANDLER(h_app_update); HANDLER(h_app_delete);
/* r_members.c */
HANDLER(h_members_list); HANDLER(h_member_put); HANDLER(h_member_delete);
HANDLER(h_roles_list); HANDLER(h_role_create); HANDLER(h_role_update); HANDLER(h_role_delete);
/* r_boards.c */
HANDLER(h_boards_list); HANDLER(h_board_create); HANDLER(h_board_get); HANDLER(h_board_save);
HANDLER(h_board_delete); HANDLER(h_board_versions); HANDLER(h_board_version_get);
/* r_runs.c */
HANDLER(h_run_start); HANDLER(h_runs_list); HANDLER(h_run_get); HANDLER(h_run_cancel); HANDLER(h_run_rerun);
HANDLER(h_run_live); HANDLER(h_app_live);
/* r_events.c */
HANDLER(h_events_list); HANDLER(h_event_create); HANDLER(h_event_get); HANDLER(h_event_update);
HANDLER(h_event_delete); HANDLER(h_event_fire); HANDLER(h_webhook);
/* r_secrets.c */
HANDLER(h_secrets_list); HANDLER(h_secret_put); HANDLER(h_secret_delete);
/* r_catalog.c */
HANDLER(h_catalog); HANDLER(h_packages_list);
/* r_static.c: the editor's files (GET /, /app/…, /assets/NAME) for paths no
 * route matched; not API operations, so not in the table. True when answered. */
bool static_try(srv_req *r);
const char *static_web_dir(const srv_config *cfg);
/* r_keys.c */
HANDLER(h_api_keys_list); HANDLER(h_api_key_create); HANDLER(h_api_key_revoke);
/* r_audit.c */
HANDLER(h_audit_list); HANDLER(h_audit_export); HANDLER(h_audit_list_all); HANDLER(h_audit_export_all);

#endif
