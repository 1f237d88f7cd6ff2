/* rbac.h — permissions, roles and the rules about who may change them.
 * Pure functions over bit sets: no store, no I/O, so every rule is tested
 * here and the server's routes only call them. docs/auth.md is the user-facing
 * copy of this comment.
 *
 * Implications (perm_expand, the only place they live):
 *  - owner          ⇒ every app permission
 *  - admin          ⇒ every app permission except owner
 *  - instance_admin ⇒ create_apps, manage_users
 *  - a write-like permission ⇒ the read permission of the same resource:
 *      write_app ⇒ read_app, write_members ⇒ read_members,
 *      write_roles ⇒ read_roles, write_boards ⇒ read_boards,
 *      write_events ⇒ read_events, write_files ⇒ read_files,
 *      write_secrets ⇒ list_secrets, install_packages ⇒ read_packages,
 *      write_api_keys ⇒ read_api_keys, cancel_runs ⇒ read_runs
 *    because a write route returns what it wrote and a screen that changes a
 *    thing must show it; granting write without read is never meaningful.
 *  - execute_boards / execute_events imply nothing: a trigger-only API key
 *    may start a board without being able to read it. read_run_data and
 *    read_logs imply nothing either (each is granted explicitly).
 * App permissions never imply instance permissions or the reverse.
 *
 * Default roles (rbac_default_roles; owner and admin are stored as their one
 * permission, the others list their reads explicitly, as a UI shows them):
 *  owner    owner: everything in the app; exactly one per app
 *  admin    admin: everything but owner
 *  editor   read_app read_members read_roles read_boards write_boards
 *           execute_boards read_events write_events execute_events read_runs
 *           cancel_runs read_run_data read_logs read_files write_files
 *           list_secrets read_packages — builds and runs boards; cannot
 *           manage members, roles, secret values, packages or API keys
 *  operator read_app read_boards read_events execute_boards execute_events
 *           read_runs cancel_runs read_logs — runs what exists, cannot
 *           change it (no write_boards / write_events / write_files)
 *  viewer   read_app read_boards read_events read_runs — no run data, no
 *           logs: those carry the data flowing through the boards.
 *
 * Scopes: a PAT or API key carries scopes (a perm_set); its rights are
 * perm_expand(role) ∩ perm_expand(scopes), so a scope never adds anything
 * the holder's role lacks. No scopes = no rights. */
#ifndef WEIR_AUTH_RBAC_H
#define WEIR_AUTH_RBAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

typedef enum perm {
    PERM_OWNER,
    PERM_ADMIN,
    PERM_READ_APP,
    PERM_WRITE_APP,
    PERM_READ_MEMBERS,
    PERM_WRITE_MEMBERS,
    PERM_READ_ROLES,
    PERM_WRITE_ROLES,
    PERM_READ_BOARDS,
    PERM_WRITE_BOARDS,
    PERM_EXECUTE_BOARDS,
    PERM_READ_EVENTS,
    PERM_WRITE_EVENTS,
    PERM_EXECUTE_EVENTS,
    PERM_READ_RUNS,
    PERM_CANCEL_RUNS,
    PERM_READ_RUN_DATA,
    PERM_READ_LOGS,
    PERM_READ_FILES,
    PERM_WRITE_FILES,
    PERM_LIST_SECRETS,
    PERM_WRITE_SECRETS,
    PERM_READ_PACKAGES,
    PERM_INSTALL_PACKAGES,
    PERM_READ_API_KEYS,
    PERM_WRITE_API_KEYS,
    PERM_READ_AUDIT,
    PERM__APP_COUNT,
    /* instance-level: */
    PERM_INSTANCE_ADMIN = PERM__APP_COUNT,
    PERM_CREATE_APPS,
    PERM_MANAGE_USERS,
    PERM__COUNT
} perm;

typedef uint64_t perm_set;
#define PERM_BIT(p) ((perm_set)1 << (p))
#define PERM_ALL_APP ((PERM_BIT(PERM__APP_COUNT)) - 1)                     /* every app permission */
#define PERM_ALL_INSTANCE (((PERM_BIT(PERM__COUNT)) - 1) & ~PERM_ALL_APP) /* every instance permission */

/* The permission's name ("owner", "read_app", …), or NULL out of range. */
const char *perm_name(perm p);
/* The permission named `name`, or -1 (unknown or NULL). */
int perm_parse(const char *name);
/* A JSON array of names → set. Refuses (−1, message in err) a non-array, a
 * non-string element or an unknown name; duplicates are harmless. */
int perm_set_from_json(json_t *array, perm_set *out, char *err, size_t errlen);
/* The names in s, in enum order (new reference); bits beyond PERM__COUNT are ignored. */
json_t *perm_set_to_json(perm_set s);
/* perm_set_from_json of a stored JSON text (a roles.permissions or
 * tokens.scopes cell); 0 when text is NULL, not JSON or refused. */
perm_set perm_set_from_text(const char *text);
/* perm_set_to_json as compact JSON text (free() it); NULL when out of memory. */
char *perm_set_to_text(perm_set s);

/* s with every implied permission added (rules above). Idempotent. */
perm_set perm_expand(perm_set s);
/* true when `need` is in perm_expand(have). */
bool perm_allows(perm_set have, perm need);

typedef struct rbac_role_def {
    const char *name;
    perm_set perms;
} rbac_role_def;
extern const rbac_role_def rbac_default_roles[];
extern const size_t rbac_default_role_count;
/* The built-in role named `name`, or NULL. */
const rbac_role_def *rbac_default_role(const char *name);

/* The rights of a token: perm_expand(role_perms) ∩ perm_expand(scopes). */
perm_set rbac_effective(perm_set role_perms, perm_set scopes);

/* A proposed change of one app member's role, or their removal. */
typedef struct rbac_change {
    perm_set actor;         /* the actor's effective rights in the app */
    bool actor_is_target;
    bool target_is_owner;
    bool new_role_is_owner; /* ignored when removing */
    bool removing;
    /* No escalation: the actor must hold every permission of the target's
     * current role and of the new role. The server fills both; left 0 they
     * are not a constraint. */
    perm_set target_perms;   /* the target's current role's permissions */
    perm_set new_role_perms; /* the new role's permissions; ignored when removing */
} rbac_change;

/* NULL when the change is allowed, else the stable code of the first rule
 * broken, checked in this order:
 *   "need_write_members"      the actor lacks write_members
 *   "self_change"             nobody changes their own role or removes
 *                             themselves here (the owner transfers first)
 *   "owner_protected"         only the owner changes or removes the owner
 *   "owner_grant_requires_owner" only the owner gives the owner role (a
 *                             transfer: the server demotes the old owner in
 *                             the same transaction)
 *   "escalation"              the target's current or new role has a
 *                             permission the actor lacks */
const char *rbac_check_member_change(const rbac_change *c);

/* NULL when the actor may make the change, else the first rule broken.
 * new_perms is every permission the change touches: a new role's
 * permissions; for an edit, the union of the role's current and new
 * permissions (an actor may neither add nor take away what they do not hold
 * themselves); for a deletion, the role's current permissions.
 *   "need_write_roles"       the actor lacks write_roles
 *   "owner_role_protected"   the owner role is never edited or deleted
 *   "builtin_role_frozen"    built-in roles (permissions and name) are fixed
 *                            and cannot be deleted; make a custom role
 *   "owner_in_custom_role"   a custom role cannot hold owner
 *   "instance_perm_in_role"  app roles hold app permissions only
 *   "escalation"             new_perms has a permission the actor lacks */
const char *rbac_check_role_edit(perm_set actor, bool role_is_owner_role, bool role_is_builtin, perm_set new_perms);

#endif
