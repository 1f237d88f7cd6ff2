/* r_members.c — placeholder being replaced (members and roles). */
#include "server/routes.h"
HANDLER(h_members_list) { srv_problem(r, 501, "todo", "x"); }
HANDLER(h_member_put) { srv_problem(r, 501, "todo", "x"); }
HANDLER(h_member_delete) { srv_problem(r, 501, "todo", "x"); }
HANDLER(h_roles_list) { srv_problem(r, 501, "todo", "x"); }
HANDLER(h_role_create) { srv_problem(r, 501, "todo", "x"); }
HANDLER(h_role_update) { srv_problem(r, 501, "todo", "x"); }
HANDLER(h_role_delete) { srv_problem(r, 501, "todo", "x"); }
