/* rbac.c — permission names, the implication rules, the built-in roles and
 * the member/role invariants (all documented in rbac.h). */
#include "auth/rbac.h"

#include <stdio.h>
#include <string.h>

#define B(p) PERM_BIT(PERM_##p)
#define PERM_ALL ((PERM_BIT(PERM__COUNT)) - 1)

static const char *const names[PERM__COUNT] = {
    [PERM_OWNER] = "owner",
    [PERM_ADMIN] = "admin",
    [PERM_READ_APP] = "read_app",
    [PERM_WRITE_APP] = "write_app",
    [PERM_READ_MEMBERS] = "read_members",
    [PERM_WRITE_MEMBERS] = "write_members",
    [PERM_READ_ROLES] = "read_roles",
    [PERM_WRITE_ROLES] = "write_roles",
    [PERM_READ_BOARDS] = "read_boards",
    [PERM_WRITE_BOARDS] = "write_boards",
    [PERM_EXECUTE_BOARDS] = "execute_boards",
    [PERM_READ_EVENTS] = "read_events",
    [PERM_WRITE_EVENTS] = "write_events",
    [PERM_EXECUTE_EVENTS] = "execute_events",
    [PERM_READ_RUNS] = "read_runs",
    [PERM_CANCEL_RUNS] = "cancel_runs",
    [PERM_READ_RUN_DATA] = "read_run_data",
    [PERM_READ_LOGS] = "read_logs",
    [PERM_READ_FILES] = "read_files",
    [PERM_WRITE_FILES] = "write_files",
    [PERM_LIST_SECRETS] = "list_secrets",
    [PERM_WRITE_SECRETS] = "write_secrets",
    [PERM_READ_PACKAGES] = "read_packages",
    [PERM_INSTALL_PACKAGES] = "install_packages",
    [PERM_READ_API_KEYS] = "read_api_keys",
    [PERM_WRITE_API_KEYS] = "write_api_keys",
    [PERM_READ_AUDIT] = "read_audit",
    [PERM_INSTANCE_ADMIN] = "instance_admin",
    [PERM_CREATE_APPS] = "create_apps",
    [PERM_MANAGE_USERS] = "manage_users",
};

const char *perm_name(perm p) {
    return (unsigned)p < PERM__COUNT ? names[p] : NULL;
}

int perm_parse(const char *name) {
    if (!name) return -1;
    for (int p = 0; p < PERM__COUNT; p++)
        if (strcmp(names[p], name) == 0) return p;
    return -1;
}

int perm_set_from_json(json_t *array, perm_set *out, char *err, size_t errlen) {
    if (!json_is_array(array)) {
        if (err && errlen) snprintf(err, errlen, "permissions must be an array of names");
        return -1;
    }
    perm_set s = 0;
    size_t i;
    json_t *v;
    json_array_foreach(array, i, v) {
        int p = perm_parse(json_string_value(v));
        if (p < 0) {
            if (err && errlen) {
                if (json_is_string(v)) snprintf(err, errlen, "unknown permission \"%.64s\"", json_string_value(v));
                else snprintf(err, errlen, "permission %zu is not a string", i);
            }
            return -1;
        }
        s |= PERM_BIT(p);
    }
    if (out) *out = s;
    return 0;
}

json_t *perm_set_to_json(perm_set s) {
    json_t *a = json_array();
    for (int p = 0; a && p < PERM__COUNT; p++)
        if (s & PERM_BIT(p)) json_array_append_new(a, json_string(names[p]));
    return a;
}

static perm_set parse_text(const char *text) {
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    perm_set s = 0;
    if (!j || perm_set_from_json(j, &s, NULL, 0) != 0) s = 0;
    json_decref(j);
    return s;
}

/* Every request turns a role's and a token's stored permission text into a
 * set; the same few texts come back again and again, so each thread keeps
 * the last PERM_MEMO_SLOTS it parsed (the mapping is pure: no invalidation). */
#define PERM_MEMO_SLOTS 8
#define PERM_MEMO_TEXT  512   /* longer texts are parsed every time */
perm_set perm_set_from_text(const char *text) {
    static _Thread_local struct { char text[PERM_MEMO_TEXT]; perm_set set; bool used; } memo[PERM_MEMO_SLOTS];
    static _Thread_local unsigned next;
    if (!text || strlen(text) >= PERM_MEMO_TEXT) return parse_text(text);
    for (unsigned i = 0; i < PERM_MEMO_SLOTS; i++)
        if (memo[i].used && !strcmp(memo[i].text, text)) return memo[i].set;
    perm_set s = parse_text(text);
    unsigned k = next++ % PERM_MEMO_SLOTS;
    strcpy(memo[k].text, text);
    memo[k].set = s;
    memo[k].used = true;
    return s;
}

char *perm_set_to_text(perm_set s) {
    json_t *j = perm_set_to_json(s);
    char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return t;
}

/* write-like ⇒ read of the same resource */
static const struct { perm from, to; } implies[] = {
    {PERM_WRITE_APP, PERM_READ_APP},           {PERM_WRITE_MEMBERS, PERM_READ_MEMBERS},
    {PERM_WRITE_ROLES, PERM_READ_ROLES},       {PERM_WRITE_BOARDS, PERM_READ_BOARDS},
    {PERM_WRITE_EVENTS, PERM_READ_EVENTS},     {PERM_WRITE_FILES, PERM_READ_FILES},
    {PERM_WRITE_SECRETS, PERM_LIST_SECRETS},   {PERM_INSTALL_PACKAGES, PERM_READ_PACKAGES},
    {PERM_WRITE_API_KEYS, PERM_READ_API_KEYS}, {PERM_CANCEL_RUNS, PERM_READ_RUNS},
};

perm_set perm_expand(perm_set s) {
    s &= PERM_ALL;
    if (s & B(OWNER)) s |= PERM_ALL_APP;
    if (s & B(ADMIN)) s |= PERM_ALL_APP & ~B(OWNER);
    if (s & B(INSTANCE_ADMIN)) s |= B(CREATE_APPS) | B(MANAGE_USERS);
    for (size_t i = 0; i < sizeof implies / sizeof implies[0]; i++)
        if (s & PERM_BIT(implies[i].from)) s |= PERM_BIT(implies[i].to);
    return s;
}

bool perm_allows(perm_set have, perm need) {
    return (unsigned)need < PERM__COUNT && (perm_expand(have) & PERM_BIT(need)) != 0;
}

const rbac_role_def rbac_default_roles[] = {
    {"owner", B(OWNER)},
    {"admin", B(ADMIN)},
    {"editor", B(READ_APP) | B(READ_MEMBERS) | B(READ_ROLES) | B(READ_BOARDS) | B(WRITE_BOARDS) | B(EXECUTE_BOARDS) |
                   B(READ_EVENTS) | B(WRITE_EVENTS) | B(EXECUTE_EVENTS) | B(READ_RUNS) | B(CANCEL_RUNS) |
                   B(READ_RUN_DATA) | B(READ_LOGS) | B(READ_FILES) | B(WRITE_FILES) | B(LIST_SECRETS) |
                   B(READ_PACKAGES)},
    {"operator", B(READ_APP) | B(READ_BOARDS) | B(READ_EVENTS) | B(EXECUTE_BOARDS) | B(EXECUTE_EVENTS) | B(READ_RUNS) |
                     B(CANCEL_RUNS) | B(READ_LOGS)},
    {"viewer", B(READ_APP) | B(READ_BOARDS) | B(READ_EVENTS) | B(READ_RUNS)},
};
const size_t rbac_default_role_count = sizeof rbac_default_roles / sizeof rbac_default_roles[0];

const rbac_role_def *rbac_default_role(const char *name) {
    for (size_t i = 0; name && i < rbac_default_role_count; i++)
        if (strcmp(rbac_default_roles[i].name, name) == 0) return &rbac_default_roles[i];
    return NULL;
}

perm_set rbac_effective(perm_set role_perms, perm_set scopes) {
    return perm_expand(role_perms) & perm_expand(scopes);
}

/* true when every permission of `want` (expanded) is among the actor's */
static bool holds_all(perm_set actor, perm_set want) {
    return (perm_expand(want) & ~perm_expand(actor)) == 0;
}

const char *rbac_check_member_change(const rbac_change *c) {
    if (!c || !perm_allows(c->actor, PERM_WRITE_MEMBERS)) return "need_write_members";
    if (c->actor_is_target) return "self_change";
    bool owner = perm_allows(c->actor, PERM_OWNER);
    if (c->target_is_owner && !owner) return "owner_protected";
    if (!c->removing && c->new_role_is_owner && !owner) return "owner_grant_requires_owner";
    if (!holds_all(c->actor, c->target_perms)) return "escalation";
    if (!c->removing && !holds_all(c->actor, c->new_role_perms)) return "escalation";
    return NULL;
}

const char *rbac_check_role_edit(perm_set actor, bool role_is_owner_role, bool role_is_builtin, perm_set new_perms) {
    if (!perm_allows(actor, PERM_WRITE_ROLES)) return "need_write_roles";
    if (role_is_owner_role) return "owner_role_protected";
    if (role_is_builtin) return "builtin_role_frozen";
    if (new_perms & B(OWNER)) return "owner_in_custom_role";
    if (new_perms & ~PERM_ALL_APP) return "instance_perm_in_role";
    if (!holds_all(actor, new_perms)) return "escalation";
    return NULL;
}
