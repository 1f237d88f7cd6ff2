/* config.c — the settings table of config.h and its three sources. */
#include "server/config.h"

#include "auth/oidc.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { T_STR, T_INT, T_BOOL } opt_type;

typedef struct opt {
    const char *name;
    opt_type type;
    size_t off;
    const char *def;     /* default as text */
    int64_t min, max;    /* T_INT range */
    const char *doc;
} opt;

#define S(f) offsetof(srv_config, f)
static const opt opts[] = {
    {"listen", T_STR, S(listen), "127.0.0.1:8420", 0, 0, "address and port to listen on"},
    {"data_dir", T_STR, S(data_dir), "", 0, 0, "data directory (default $WEIR_DATA, else ~/.local/share/weir)"},
    {"database", T_STR, S(database), "", 0, 0, "postgres://… or sqlite:PATH (default sqlite:DATA/weir.db)"},
    {"tls_cert", T_STR, S(tls_cert), "", 0, 0, "PEM certificate chain; with tls_key: HTTPS only (TLS 1.2+), HSTS sent"},
    {"tls_key", T_STR, S(tls_key), "", 0, 0, "PEM private key"},
    {"public_url", T_STR, S(public_url), "", 0, 0, "base URL shown to users (webhook URLs); default from listen"},
    {"http_threads", T_INT, S(http_threads), "8", 1, 1024, "threads serving HTTP connections (a request waiting on the store holds one; a waiting webhook does not)"},
    {"max_connections", T_INT, S(max_connections), "4096", 1, 1000000, "open connections; more are refused"},
    {"max_connections_per_ip", T_INT, S(max_connections_per_ip), "256", 1, 1000000, "open connections from one address"},
    {"max_body_bytes", T_INT, S(max_body_bytes), "17825792", 1024, 1073741824, "request body (boards up to 16 MiB fit); more is 413"},
    {"max_header_bytes", T_INT, S(max_header_bytes), "16384", 4096, 1048576, "request line and headers together; more is 431"},
    {"client_timeout_s", T_INT, S(client_timeout_s), "30", 1, 3600, "idle connection (slow client) timeout"},
    {"run_workers", T_INT, S(run_workers), "8", 1, 1024, "runs executing at the same time"},
    {"max_queue_length", T_INT, S(max_queue_length), "100000", 1, 100000000, "queued runs; past this, new runs get 503"},
    {"webhook_wait_ms", T_INT, S(webhook_wait_ms), "30000", 1, 3600000, "a waiting webhook answers 202 with the run id after this"},
    {"run_timeout_ms", T_INT, S(run_timeout_ms), "3600000", 1, 86400000, "wall-clock limit of a run"},
    {"run_retention_days", T_INT, S(run_retention_days), "30", 0, 36500, "ended runs created longer ago than this are pruned; 0 keeps them all"},
    {"prune_every_s", T_INT, S(prune_every_s), "60", 1, 86400, "seconds between prunings of old runs"},
    {"worker_stale_s", T_INT, S(worker_stale_s), "60", 5, 86400, "a server silent this long is dead and its runs are recovered"},
    {"allow_private_net", T_BOOL, S(allow_private_net), "false", 0, 0, "http nodes may reach loopback and private addresses"},
    {"rate_ip_per_s", T_INT, S(rate_ip_per_s), "2000", 1, 10000000, "requests per second from one address (then 429)"},
    {"rate_ip_burst", T_INT, S(rate_ip_burst), "4000", 1, 10000000, "burst allowance per address"},
    {"rate_cred_per_s", T_INT, S(rate_cred_per_s), "1000", 1, 10000000, "requests per second per credential (then 429)"},
    {"rate_cred_burst", T_INT, S(rate_cred_burst), "2000", 1, 10000000, "burst allowance per credential"},
    {"session_idle_min", T_INT, S(session_idle_min), "60", 1, 100000, "a session unused this long ends"},
    {"session_max_hours", T_INT, S(session_max_hours), "12", 1, 10000, "a session ends this long after sign-in, used or not"},
    {"pat_max_days", T_INT, S(pat_max_days), "366", 1, 3660, "longest expiry a personal access token may have"},
    {"api_key_max_days", T_INT, S(api_key_max_days), "366", 1, 3660, "longest expiry an app API key may have"},
    {"audit_retention_days", T_INT, S(audit_retention_days), "365", 0, 36500, "audit rows older than this are pruned; 0 keeps them all"},
    {"cache_ttl_ms", T_INT, S(cache_ttl_ms), "1000", 0, 60000, "SQLite: credentials, roles and events are remembered this long (changes through weir apply at once; edits of the store by other programs within this); 0 turns the cache off"},
    {"log_level", T_STR, S(log_level), "info", 0, 0, "error, warn, info or debug"},
    {"web_dir", T_STR, S(web_dir), "", 0, 0, "the editor's built files (default: ../web/dist, else ../share/weir/web, beside the weir binary)"},
};
#define NOPTS (sizeof opts / sizeof *opts)

static char **str_at(srv_config *c, const opt *o) { return (char **)((char *)c + o->off); }
static int64_t *int_at(srv_config *c, const opt *o) { return (int64_t *)((char *)c + o->off); }
static bool *bool_at(srv_config *c, const opt *o) { return (bool *)((char *)c + o->off); }

static int set_text(srv_config *c, const opt *o, const char *v, const char *src, char *err, size_t n) {
    if (o->type == T_STR) {
        char *d = strdup(v);
        if (!d) return snprintf(err, n, "out of memory"), -1;
        free(*str_at(c, o));
        *str_at(c, o) = d;
        return 0;
    }
    if (o->type == T_BOOL) {
        if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")) *bool_at(c, o) = true;
        else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no")) *bool_at(c, o) = false;
        else return snprintf(err, n, "%s: %s must be true or false", src, o->name), -1;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end) return snprintf(err, n, "%s: %s must be an integer", src, o->name), -1;
    if (x < o->min || x > o->max)
        return snprintf(err, n, "%s: %s must be between %lld and %lld", src, o->name, (long long)o->min,
                        (long long)o->max), -1;
    *int_at(c, o) = x;
    return 0;
}

static const opt *find(const char *name) {
    for (size_t i = 0; i < NOPTS; i++)
        if (!strcmp(opts[i].name, name)) return &opts[i];
    return NULL;
}

static int load_file(srv_config *c, const char *path, bool must_exist, char *err, size_t n) {
    if (!must_exist && access(path, F_OK) != 0) return 0;
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) return snprintf(err, n, "%s:%d:%d: %s", path, je.line, je.column, je.text), -1;
    if (!json_is_object(root)) {
        json_decref(root);
        return snprintf(err, n, "%s: must be a JSON object of settings", path), -1;
    }
    const char *k;
    json_t *v;
    int rc = 0;
    json_object_foreach(root, k, v) {
        if (!strcmp(k, "oidc_providers")) {  /* not a scalar setting: auth/oidc_config.c */
            oidc_providers_free(c->oidc);
            if ((rc = oidc_providers_parse(v, path, &c->oidc, err, n)) != 0) break;
            continue;
        }
        const opt *o = find(k);
        if (!o) { snprintf(err, n, "%s: unknown setting \"%s\"", path, k); rc = -1; break; }
        char buf[32];
        const char *text = NULL;
        if (json_is_string(v) && o->type == T_STR) text = json_string_value(v);
        else if (json_is_integer(v) && o->type == T_INT) snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v)), text = buf;
        else if (json_is_boolean(v) && o->type == T_BOOL) text = json_is_true(v) ? "true" : "false";
        if (!text) { snprintf(err, n, "%s: %s has the wrong type", path, k); rc = -1; break; }
        if ((rc = set_text(c, o, text, path, err, n)) != 0) break;
    }
    json_decref(root);
    if (rc == 0) {
        free(c->config_file);
        c->config_file = strdup(path);
    }
    return rc;
}

static void env_name(const opt *o, char *out, size_t n) {
    size_t j = (size_t)snprintf(out, n, "WEIR_");
    for (const char *p = o->name; *p && j + 1 < n; p++) out[j++] = (char)toupper((unsigned char)*p);
    out[j] = 0;
}

/* WEIR_DATA is the historical name of data_dir (boards.md §4). */
static const char *env_value(const opt *o) {
    char name[64];
    if (!strcmp(o->name, "data_dir")) {
        const char *v = getenv("WEIR_DATA");
        if (v) return v;
    }
    env_name(o, name, sizeof name);
    return getenv(name);
}

static const char *flag_value(const char *flagname, int argc, char **argv) {
    const char *val = NULL;
    size_t fl = strlen(flagname);
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], flagname, fl) != 0) continue;
        if (argv[i][fl] == '=') val = argv[i] + fl + 1;
        else if (!argv[i][fl] && i + 1 < argc) val = argv[++i];
    }
    return val;
}

static void flag_name(const char *name, char *out, size_t n) {
    size_t j = (size_t)snprintf(out, n, "--");
    for (const char *p = name; *p && j + 1 < n; p++) out[j++] = *p == '_' ? '-' : *p;
    out[j] = 0;
}

void srv_config_usage(FILE *out) {
    fprintf(out, "usage: weir serve [--config FILE] [--SETTING VALUE]…\n\n"
                 "Settings (config file key / environment WEIR_KEY / flag --key), later wins:\n");
    for (size_t i = 0; i < NOPTS; i++) {
        char f[64];
        flag_name(opts[i].name, f, sizeof f);
        if (strstr(opts[i].doc, "default")) fprintf(out, "  %-26s %s\n", f, opts[i].doc);
        else fprintf(out, "  %-26s %s (default %s)\n", f, opts[i].doc, *opts[i].def ? opts[i].def : "none");
    }
}

int srv_config_load(srv_config *c, int argc, char **argv, bool *help, char *err, size_t n) {
    memset(c, 0, sizeof *c);
    *help = false;
    for (size_t i = 0; i < NOPTS; i++)
        if (set_text(c, &opts[i], opts[i].def, "default", err, n) != 0) return -1;

    /* Flags are checked first for spelling, so a typo is an error, not ignored. */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { *help = true; return 0; }
        if (strncmp(argv[i], "--", 2) != 0) return snprintf(err, n, "unexpected argument \"%s\"", argv[i]), -1;
        char name[64];
        const char *a = argv[i] + 2, *eq = strchr(a, '=');
        size_t l = eq ? (size_t)(eq - a) : strlen(a);
        if (l >= sizeof name) return snprintf(err, n, "unknown flag \"%s\"", argv[i]), -1;
        for (size_t j = 0; j < l; j++) name[j] = a[j] == '-' ? '_' : a[j];
        name[l] = 0;
        if (strcmp(name, "config") != 0 && !find(name)) return snprintf(err, n, "unknown flag \"--%.*s\"", (int)l, a), -1;
        if (!eq) {
            if (i + 1 >= argc) return snprintf(err, n, "--%.*s needs a value", (int)l, a), -1;
            i++;
        }
    }

    /* The data directory decides where the default config file is. */
    const char *dd = flag_value("--data-dir", argc, argv);
    if (!dd) dd = env_value(find("data_dir"));
    const char *cf = flag_value("--config", argc, argv);
    if (!cf) cf = getenv("WEIR_CONFIG");
    if (cf) {
        if (load_file(c, cf, true, err, n) != 0) return -1;
    } else {
        char *def = NULL;
        const char *home = getenv("HOME");
        if (dd && *dd) { if (asprintf(&def, "%s/weir.json", dd) < 0) def = NULL; }
        else if (asprintf(&def, "%s/.local/share/weir/weir.json", home && *home ? home : ".") < 0) def = NULL;
        int rc = def ? load_file(c, def, false, err, n) : 0;
        free(def);
        if (rc) return -1;
    }
    for (size_t i = 0; i < NOPTS; i++) {
        const char *v = env_value(&opts[i]);
        if (v && set_text(c, &opts[i], v, "environment", err, n) != 0) return -1;
    }
    for (size_t i = 0; i < NOPTS; i++) {
        char f[64];
        flag_name(opts[i].name, f, sizeof f);
        const char *v = flag_value(f, argc, argv);
        if (v && set_text(c, &opts[i], v, "flag", err, n) != 0) return -1;
    }
    if (!*c->data_dir) {
        const char *home = getenv("HOME");
        free(c->data_dir);
        if (asprintf(&c->data_dir, "%s/.local/share/weir", home && *home ? home : ".") < 0) return snprintf(err, n, "out of memory"), -1;
    }
    if (!*c->database) {
        free(c->database);
        if (asprintf(&c->database, "sqlite:%s/weir.db", c->data_dir) < 0) return snprintf(err, n, "out of memory"), -1;
    }
    if ((*c->tls_cert != 0) != (*c->tls_key != 0)) return snprintf(err, n, "tls_cert and tls_key go together"), -1;
    const char *lv = c->log_level;
    if (strcmp(lv, "error") && strcmp(lv, "warn") && strcmp(lv, "info") && strcmp(lv, "debug"))
        return snprintf(err, n, "log_level must be error, warn, info or debug"), -1;
    if (c->rate_ip_burst < c->rate_ip_per_s || c->rate_cred_burst < c->rate_cred_per_s)
        return snprintf(err, n, "a rate burst must be at least its rate per second"), -1;
    return 0;
}

void srv_config_free(srv_config *c) {
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].type == T_STR) free(*str_at(c, &opts[i]));
    free(c->config_file);
    oidc_providers_free(c->oidc);
    memset(c, 0, sizeof *c);
}

json_t *srv_config_json(const srv_config *c) {
    json_t *o = json_object();
    for (size_t i = 0; i < NOPTS; i++) {
        const opt *p = &opts[i];
        srv_config *cc = (srv_config *)c;
        if (p->type == T_STR) {
            const char *v = *str_at(cc, p);
            /* A database URL may carry a password: show only its scheme. */
            if (!strcmp(p->name, "database") && strncmp(v, "sqlite:", 7) != 0) v = "postgres://…";
            json_object_set_new(o, p->name, json_string(v ? v : ""));
        } else if (p->type == T_INT) json_object_set_new(o, p->name, json_integer(*int_at(cc, p)));
        else json_object_set_new(o, p->name, json_boolean(*bool_at(cc, p)));
    }
    return o;
}
