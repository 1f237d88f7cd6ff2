/* schema.c — the migrations of schema.h. Append only. */
#include "store/schema.h"

#include <stddef.h>

static const char *const m1[] = {
    /* Instance accounts. instance_admin is the only instance-wide role flag;
     * create_apps / manage_users follow from it (auth/rbac.c). */
    "CREATE TABLE users ("
    " id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT,"
    " instance_admin BIGINT NOT NULL DEFAULT 0, disabled BIGINT NOT NULL DEFAULT 0,"
    " created_at BIGINT NOT NULL)",

    /* Browser sessions: the cookie carries the secret, the table only its keyed hash. */
    "CREATE TABLE sessions ("
    " id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " csrf_token TEXT NOT NULL, created_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL, ip TEXT)",

    /* Personal access tokens (weirp_): rights = the user's role in an app ∩ scopes. */
    "CREATE TABLE tokens ("
    " id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, scopes TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
    " revoked_at BIGINT, last_used_at BIGINT)",

    /* Apps (workspaces) and per-app roles and members. */
    "CREATE TABLE apps ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
    " created_at BIGINT NOT NULL, created_by TEXT)",
    "CREATE TABLE roles ("
    " id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, permissions TEXT NOT NULL, builtin BIGINT NOT NULL DEFAULT 0,"
    " UNIQUE (app_id, name))",
    "CREATE TABLE members ("
    " app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
    " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " role_id TEXT NOT NULL REFERENCES roles(id), joined_at BIGINT NOT NULL,"
    " PRIMARY KEY (app_id, user_id))",

    /* App API keys (weirk_, issue 5): bound to one app and one role. */
    "CREATE TABLE api_keys ("
    " id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,"
    " app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
    " role_id TEXT NOT NULL REFERENCES roles(id), name TEXT NOT NULL, created_by TEXT,"
    " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, revoked_at BIGINT, last_used_at BIGINT)",

    /* Boards: a name plus immutable versions; every save appends a version. */
    "CREATE TABLE boards ("
    " id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, latest_version BIGINT NOT NULL, created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL)",
    "CREATE INDEX boards_app ON boards (app_id, id)",
    "CREATE TABLE board_versions ("
    " board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE, version BIGINT NOT NULL,"
    " body TEXT NOT NULL, created_at BIGINT NOT NULL, created_by TEXT,"
    " PRIMARY KEY (board_id, version))",

    /* Events start runs: manual, webhook (/hooks/{app}/{event}) or schedule (cron + tz).
     * board_version NULL means the latest version at the time of the run.
     * on_restart: what a restart does with a run of this event that was in flight. */
    "CREATE TABLE events ("
    " id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
    " board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE, board_version BIGINT,"
    " name TEXT NOT NULL, kind TEXT NOT NULL, start_node TEXT, config TEXT NOT NULL DEFAULT '{}',"
    " on_restart TEXT NOT NULL DEFAULT 'requeue', enabled BIGINT NOT NULL DEFAULT 1,"
    " next_fire_at BIGINT, created_at BIGINT NOT NULL, UNIQUE (app_id, name))",
    "CREATE INDEX events_schedule ON events (kind, enabled, next_fire_at)",

    /* Runs are the queue: queued → running → one final status, exactly once.
     * worker is the server instance that claimed it (workers table). */
    "CREATE TABLE runs ("
    " id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
    " board_id TEXT NOT NULL, board_version BIGINT NOT NULL, event_id TEXT, start_node TEXT,"
    " status TEXT NOT NULL, on_restart TEXT NOT NULL DEFAULT 'requeue',"
    " payload TEXT, variables TEXT, result TEXT, error TEXT, report TEXT,"
    " created_at BIGINT NOT NULL, started_at BIGINT, finished_at BIGINT,"
    " worker TEXT, attempts BIGINT NOT NULL DEFAULT 0, cancel_requested BIGINT NOT NULL DEFAULT 0,"
    " created_by TEXT, rerun_of TEXT)",
    /* Partial indexes: only runs in flight are in them, so the queue stays
     * small however long the history grows (queries must say exactly
     * status = 'queued' / status = 'running' to use them). */
    "CREATE INDEX runs_queued ON runs (id) WHERE status = 'queued'",
    "CREATE INDEX runs_running ON runs (worker) WHERE status = 'running'",
    "CREATE INDEX runs_app ON runs (app_id, id)",
    "CREATE INDEX runs_board ON runs (board_id, id)",

    /* Server instances that claim runs; a stale heartbeat means a dead worker. */
    "CREATE TABLE workers ("
    " id TEXT PRIMARY KEY, started_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL, host TEXT)",

    /* Secrets: write-only; value = secretbox(nonce ‖ ciphertext) under the key file, base64. */
    "CREATE TABLE secrets ("
    " app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE, name TEXT NOT NULL,"
    " value TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,"
    " PRIMARY KEY (app_id, name))",

    /* Audit log (issue 5): append-only from the API. */
    "CREATE TABLE audit ("
    " id TEXT PRIMARY KEY, at BIGINT NOT NULL, actor_kind TEXT NOT NULL, actor_id TEXT,"
    " action TEXT NOT NULL, app_id TEXT, target TEXT, ip TEXT, outcome TEXT NOT NULL, detail TEXT)",
    "CREATE INDEX audit_app ON audit (app_id, id)",
    NULL,
};

static const char *const m2[] = {
    /* Sign-in with identity providers (OIDC, docs/auth.md): an identity is an
     * issuer + subject, linked to one user; never matched by e-mail. */
    "CREATE TABLE user_identities ("
    " issuer TEXT NOT NULL, subject TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " provider TEXT NOT NULL, email_at_link TEXT, created_at BIGINT NOT NULL, last_login_at BIGINT,"
    " PRIMARY KEY (issuer, subject))",
    "CREATE INDEX user_identities_user ON user_identities (user_id)",
    /* Sign-ins in progress: single-use (deleted when the provider sends the
     * browser back). The state and the browser binding are stored as keyed
     * hashes, the PKCE verifier sealed under the instance key. */
    "CREATE TABLE oidc_states ("
    " state_hash TEXT PRIMARY KEY, provider TEXT NOT NULL, nonce TEXT NOT NULL, verifier TEXT NOT NULL,"
    " browser_hash TEXT NOT NULL, return_to TEXT NOT NULL, link_user_id TEXT, ip TEXT,"
    " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)",
    "CREATE INDEX oidc_states_expiry ON oidc_states (expires_at)",
    "CREATE INDEX oidc_states_ip ON oidc_states (ip)",
    /* Memberships a provider's group mapping made, so a later sign-in without
     * the group removes exactly those (and never one made by hand). */
    "CREATE TABLE oidc_grants ("
    " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
    " issuer TEXT NOT NULL, role_id TEXT NOT NULL, granted_at BIGINT NOT NULL,"
    " PRIMARY KEY (user_id, app_id))",
    NULL,
};

static const char *const m3[] = {
    /* Audit log: the session, token or key that acted (actor_id names the
     * user for sessions and tokens, so one filter finds both). */
    "ALTER TABLE audit ADD COLUMN credential_id TEXT",
    NULL,
};

const db_migration db_migrations[] = {
    {1, "initial schema", m1},
    {2, "identity providers (OIDC)", m2},
    {3, "audit: credential_id", m3},
};
const int db_migration_count = (int)(sizeof db_migrations / sizeof *db_migrations);
