/* cmd_serve.c — `weir serve`, and the operator commands that work on the
 * same data directory: `weir user add`, `weir token create`. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/password.h"
#include "cli/cli.h"
#include "server/accounts.h"
#include "server/audit.h"
#include "server/srv.h"

int cmd_serve(int argc, char **argv) {
    static server s;
    char err[512];
    bool help = false;
    if (srv_config_load(&s.cfg, argc, argv, &help, err, sizeof err) != 0) {
        fprintf(stderr, "weir serve: %s\n", err);
        srv_config_free(&s.cfg);
        return EXIT_USAGE;
    }
    if (help) {
        srv_config_usage(stdout);
        srv_config_free(&s.cfg);
        return EXIT_OK;
    }
    /* Signals are taken by sigwait below, never by a handler on a random thread. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (srv_start(&s, err, sizeof err) != 0) {
        fprintf(stderr, "weir serve: %s\n", err);
        srv_stop(&s);
        srv_config_free(&s.cfg);
        return EXIT_USAGE;
    }
    int sig = 0;
    sigwait(&set, &sig);
    srv_log(SLOG_INFO, "stopping", json_pack("{s:i}", "signal", sig));
    srv_stop(&s);
    srv_config_free(&s.cfg);
    return EXIT_OK;
}

/* Load the store settings (config file, environment, --data-dir,
 * --database, --config) and open the store. */
static int open_store(int argc, char **argv, srv_config *cfg, db **d, auth_keys *keys) {
    char *fargv[8] = {argv[0]};
    int fargc = 1;
    for (int i = 1; i < argc && fargc < 7; i++)
        if ((!strcmp(argv[i], "--data-dir") || !strcmp(argv[i], "--database") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
            fargv[fargc++] = argv[i];
            fargv[fargc++] = argv[++i];
        }
    char err[512];
    bool help, created;
    if (srv_config_load(cfg, fargc, fargv, &help, err, sizeof err) != 0 || srv_open_data(cfg, d, keys, &created, err, sizeof err) != 0) {
        fprintf(stderr, "weir: %s\n", err);
        return -1;
    }
    return 0;
}

static const char *flag(int argc, char **argv, const char *name) {
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], name)) return argv[i + 1];
    return NULL;
}

static bool has(int argc, char **argv, const char *name) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name)) return true;
    return false;
}

/* Unknown flags are errors, so a typo never silently changes meaning. */
static bool flags_known(int argc, char **argv, int first, const char *const *with_value, const char *const *bare) {
    for (int i = first; i < argc; i++) {
        bool ok = false;
        for (const char *const *f = with_value; *f && !ok; f++)
            if (!strcmp(argv[i], *f)) { ok = i + 1 < argc; i++; }
        for (const char *const *f = bare; *f && !ok; f++)
            if (!strcmp(argv[i], *f)) ok = true;
        if (!ok) {
            fprintf(stderr, "weir: unexpected argument \"%s\"\n", argv[i]);
            return false;
        }
    }
    return true;
}

static int user_usage(FILE *out) {
    fprintf(out, "usage: weir user add EMAIL [--admin] --password-stdin [--data-dir DIR] [--database URL] [--config FILE]\n"
                 "  creates a user; --admin makes them an instance admin (create apps, manage users).\n"
                 "  The password is read from the first line of standard input (at least %d bytes).\n", AUTH_PASSWORD_MIN);
    return out == stdout ? EXIT_OK : EXIT_USAGE;
}

/* An audit row for what the CLI did to the store (audit.h): actor "operator",
 * the local account that ran it. */
static void operator_audit(db *d, const char *action, const char *target, json_t *detail) {
    char who[32];
    snprintf(who, sizeof who, "uid:%u", (unsigned)getuid());
    audit_entry ae = {.actor_kind = "operator", .actor_id = who, .action = action, .target = target, .outcome = AUDIT_OK, .detail = detail};
    audit_write(d, &ae);
}

void cli_audit_package(const char *data_dir, const char *action, const char *package_id, json_t *detail) {
    /* Only when a server store exists for this data directory: a CLI-only
     * install has no instance to record into (and must not create one). */
    char *dbpath = NULL;
    if (!getenv("WEIR_DATABASE") && !getenv("WEIR_CONFIG")) {
        if (asprintf(&dbpath, "%s/weir.db", data_dir) < 0 || access(dbpath, F_OK) != 0) {
            free(dbpath);
            json_decref(detail);
            return;
        }
    }
    free(dbpath);
    char *argv[] = {"weir", "--data-dir", (char *)data_dir, NULL};
    srv_config cfg;
    db *d = NULL;
    auth_keys keys;
    if (open_store(3, argv, &cfg, &d, &keys) == 0) {
        operator_audit(d, action, package_id, detail);
        detail = NULL;
        auth_keys_wipe(&keys);
        db_close(d);
    }
    json_decref(detail);
    srv_config_free(&cfg);
}

int cmd_user(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) return user_usage(stdout);
    if (argc < 3 || strcmp(argv[1], "add") != 0 || argv[2][0] == '-') return user_usage(stderr);
    static const char *const wv[] = {"--data-dir", "--database", "--config", NULL}, *const bare[] = {"--admin", "--password-stdin", NULL};
    if (!flags_known(argc, argv, 3, wv, bare)) return EXIT_USAGE;
    if (!has(argc, argv, "--password-stdin")) {
        fprintf(stderr, "weir user add: pass the password on standard input with --password-stdin (never as an argument)\n");
        return EXIT_USAGE;
    }
    char pw[AUTH_PASSWORD_MAX + 3];
    if (!fgets(pw, sizeof pw, stdin)) {
        fprintf(stderr, "weir user add: no password on standard input\n");
        return EXIT_USAGE;
    }
    pw[strcspn(pw, "\r\n")] = 0;
    srv_config cfg;
    db *d = NULL;
    auth_keys keys;
    if (open_store(argc, argv, &cfg, &d, &keys) != 0) {
        explicit_bzero(pw, sizeof pw);
        srv_config_free(&cfg);
        return EXIT_USAGE;
    }
    char id[ID_MAX], err[256];
    int rc = accounts_user_add(d, argv[2], pw, has(argc, argv, "--admin"), id, err, sizeof err);
    explicit_bzero(pw, sizeof pw);
    if (rc == 0) operator_audit(d, "user.create", id, json_pack("{s:s, s:b}", "email", argv[2], "instance_admin", has(argc, argv, "--admin")));
    auth_keys_wipe(&keys);
    db_close(d);
    srv_config_free(&cfg);
    if (rc != 0) {
        fprintf(stderr, "weir user add: %s\n", err);
        return EXIT_USAGE;
    }
    cli_print_json(json_pack("{s:s, s:s, s:b}", "id", id, "email", argv[2], "instance_admin", has(argc, argv, "--admin")));
    return EXIT_OK;
}

static int token_usage(FILE *out) {
    fprintf(out, "usage: weir token create --user EMAIL --name NAME [--expires-in 30d] [--scopes P1,P2,…]\n"
                 "                         [--data-dir DIR] [--database URL] [--config FILE]\n"
                 "  creates a personal access token and prints it once (last line of standard output).\n"
                 "  --expires-in: Nd, Nh, Nm or Ns (default 30d); --scopes: permission names (default admin,instance_admin;\n"
                 "  the token's rights are always the user's own rights intersected with its scopes).\n");
    return out == stdout ? EXIT_OK : EXIT_USAGE;
}

int cmd_token(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) return token_usage(stdout);
    if (argc < 2 || strcmp(argv[1], "create") != 0) return token_usage(stderr);
    static const char *const wv[] = {"--user", "--name", "--expires-in", "--scopes", "--data-dir", "--database", "--config", NULL}, *const bare[] = {NULL};
    if (!flags_known(argc, argv, 2, wv, bare)) return EXIT_USAGE;
    const char *email = flag(argc, argv, "--user"), *name = flag(argc, argv, "--name");
    const char *exp = flag(argc, argv, "--expires-in"), *scopes_s = flag(argc, argv, "--scopes");
    if (!email || !name) return token_usage(stderr);
    int64_t secs = accounts_parse_duration(exp ? exp : "30d");
    if (secs <= 0) {
        fprintf(stderr, "weir token create: --expires-in takes Nd, Nh, Nm or Ns (e.g. 30d)\n");
        return EXIT_USAGE;
    }
    json_t *arr = json_array();
    char *sc = strdup(scopes_s ? scopes_s : "admin,instance_admin");
    for (char *save = NULL, *t = strtok_r(sc, ",", &save); t; t = strtok_r(NULL, ",", &save)) json_array_append_new(arr, json_string(t));
    free(sc);
    perm_set scopes = 0;
    char err[256];
    if (perm_set_from_json(arr, &scopes, err, sizeof err) != 0) {
        json_decref(arr);
        fprintf(stderr, "weir token create: --scopes: %s\n", err);
        return EXIT_USAGE;
    }
    json_decref(arr);
    srv_config cfg;
    db *d = NULL;
    auth_keys keys;
    if (open_store(argc, argv, &cfg, &d, &keys) != 0) { srv_config_free(&cfg); return EXIT_USAGE; }
    int rc = EXIT_USAGE;
    char uid[ID_MAX], tok[AUTH_TOKEN_MAX], tid[ID_MAX];
    int64_t max_s = cfg.pat_max_days * 86400;
    if (secs > max_s) {
        fprintf(stderr, "weir token create: the longest expiry is %lld days (pat_max_days)\n", (long long)cfg.pat_max_days);
    } else if (accounts_user_find(d, email, uid, err, sizeof err) != 1) {
        fprintf(stderr, "weir token create: no user %s\n", email);
    } else if (accounts_token_create(d, &keys, uid, name, now_us() + secs * 1000000, scopes, tok, tid, err, sizeof err) != 0) {
        fprintf(stderr, "weir token create: %s\n", err);
    } else {
        json_t *sj = perm_set_to_json(scopes);
        char *st = json_dumps(sj, JSON_COMPACT);
        operator_audit(d, "token.create", tid, json_pack("{s:s, s:s, s:O, s:I}", "user_id", uid, "name", name, "scopes", sj,
                                                          "expires_at", (json_int_t)(now_us() + secs * 1000000)));
        fprintf(stderr, "weir: token %s for %s, scopes %s, expires in %lld s; it is shown only this once\n", tid, email, st, (long long)secs);
        free(st);
        json_decref(sj);
        printf("%s\n", tok);
        explicit_bzero(tok, sizeof tok);
        rc = EXIT_OK;
    }
    auth_keys_wipe(&keys);
    db_close(d);
    srv_config_free(&cfg);
    return rc;
}
