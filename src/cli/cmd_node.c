/* cmd_node.c — `weir node inspect` and `weir node exec` (node-abi.md §6);
 * `weir node install`, `list` and `remove` (docs/node-abi.md, "Installed
 * packages"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/strbuf.h"
#include "cli/cli.h"
#include "sandbox/checks.h"
#include "sandbox/sandbox.h"
#include "sandbox/store.h"

/* Read a whole file (at most max bytes); malloc'd, NULL with a message. */
static uint8_t *read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t r;
    bool too_big = false;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0) {
        if (sb.len + r > max) {
            too_big = true;
            break;
        }
        sb_append(&sb, buf, r);
    }
    bool failed = ferror(f) || sb.oom;
    fclose(f);
    if (too_big || failed) {
        sb_free(&sb);
        snprintf(err, errlen, too_big ? "%s is larger than %zu bytes" : "cannot read %s", path, max);
        return NULL;
    }
    *len = sb.len;
    return (uint8_t *)sb_take(&sb);
}

static void print_error(sbx_code code, const char *msg) {
    cli_print_json(json_pack("{s:{s:s, s:s}}", "error", "code", sbx_code_name(code), "message", msg));
}

/* Load a package file; prints the error object and returns NULL on failure. */
static sbx_package *load(const char *path, const sbx_policy *pol, sbx_code *code) {
    char err[512];
    size_t len = 0;
    uint8_t *bytes = read_file(path, pol->module_bytes, &len, err, sizeof err);
    if (!bytes) {
        *code = SBX_INVALID_MODULE;
        print_error(*code, err);
        return NULL;
    }
    sbx_package *p = NULL;
    *code = sbx_package_load(bytes, len, pol, &p, err, sizeof err);
    free(bytes);
    if (*code != SBX_OK) {
        print_error(*code, err);
        return NULL;
    }
    return p;
}

static json_t *inspect_json(sbx_package *p) {
    const sbx_manifest *m = sbx_package_manifest(p);
    const wasm_info *w = sbx_package_wasm(p);
    json_t *imports = json_array();
    for (uint32_t i = 0; i < w->nimports; i++)
        json_array_append_new(imports, json_sprintf("%.*s.%.*s", (int)w->imports[i].module.len, w->imports[i].module.s,
                                                    (int)w->imports[i].name.len, w->imports[i].name.s));
    json_t *caps = json_object_get(m->root, "capabilities");
    return json_pack("{s:s, s:O, s:o, s:{s:I, s:I, s:I}, s:O, s:o}", "sha256", sbx_package_sha256(p), "package",
                     json_object_get(m->root, "package"), "capabilities", caps ? json_incref(caps) : json_object(),
                     "limits",
                     "memory_mb", (json_int_t)(m->limits.memory_bytes >> 20), "fuel", (json_int_t)m->limits.fuel,
                     "timeout_ms", (json_int_t)m->limits.timeout_ms, "nodes", json_object_get(m->root, "nodes"),
                     "imports", imports);
}

static int cmd_inspect(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: weir node inspect FILE.wasm\n\n"
               "Checks a package (module, manifest, imports, exports) without running it and prints\n"
               "{\"sha256\", \"package\", \"capabilities\", \"limits\", \"nodes\", \"imports\"},\n"
               "or {\"error\": {\"code\", \"message\"}} and exit status 2 for a rejected package.\n");
        return EXIT_OK;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: weir node inspect FILE.wasm\n");
        return EXIT_USAGE;
    }
    sbx_policy pol = sbx_policy_default();
    sbx_code code;
    sbx_package *p = load(argv[1], &pol, &code);
    if (!p) {
        sbx_shutdown();
        return EXIT_USAGE;
    }
    cli_print_json(inspect_json(p));
    sbx_package_release(p);
    sbx_shutdown();
    return EXIT_OK;
}

static int exec_usage(FILE *out) {
    fprintf(out, "usage: weir node exec FILE.wasm --node NAME [--input JSON] [--grant CAP,CAP...|--grant-all]\n"
                 "                      [--fuel N] [--memory-mb N] [--timeout-ms N] [--storage-dir DIR]\n"
                 "                      [--allow-private-net] [--var NAME=JSON]... [--secret NAME=VALUE]...\n");
    return EXIT_USAGE;
}

/* A positive whole number no larger than max; -1 when not. */
static int parse_count(const char *s, uint64_t max, uint64_t *out) {
    char *end;
    errno = 0;
    if (s[0] == '-' || s[0] == '+') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || end == s || errno || v == 0 || v > max) return -1;
    *out = v;
    return 0;
}

static int cmd_exec(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        exec_usage(stdout);
        printf("\nRuns one invocation of a package node and prints {\"status\", \"error\", \"outputs\",\n"
               "\"activated\", \"logs\", \"fuel_used\", \"duration_us\"}. CAP is http, storage, variables,\n"
               "secrets, stream or wasi; a package runs only when every capability it requests is granted.\n"
               "--fuel, --memory-mb and --timeout-ms set the host's limits (the manifest may ask for less).\n"
               "exit status: 0 ok, 3 any error code, 2 usage.\n");
        return EXIT_OK;
    }
    const char *file = NULL, *node = NULL, *storage = NULL;
    json_t *input = NULL, *vars = json_object(), *secrets = json_object();
    unsigned granted = 0;
    bool grant_all = false;
    sbx_policy pol = sbx_policy_default();
    int rc = EXIT_USAGE;
    char err[512];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--grant-all") == 0) {
            grant_all = true;
            continue;
        }
        if (strcmp(a, "--allow-private-net") == 0) {
            pol.allow_private_net = true;
            continue;
        }
        bool takes = strcmp(a, "--node") == 0 || strcmp(a, "--input") == 0 || strcmp(a, "--grant") == 0 ||
                     strcmp(a, "--fuel") == 0 || strcmp(a, "--memory-mb") == 0 || strcmp(a, "--timeout-ms") == 0 ||
                     strcmp(a, "--storage-dir") == 0 || strcmp(a, "--var") == 0 || strcmp(a, "--secret") == 0;
        if (!takes) {
            if (a[0] == '-' || file) {
                fprintf(stderr, "weir node exec: unexpected argument %s\n", a);
                goto usage;
            }
            file = a;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "weir node exec: %s needs a value\n", a);
            goto usage;
        }
        const char *v = argv[++i];
        uint64_t n;
        if (strcmp(a, "--node") == 0) {
            node = v;
        } else if (strcmp(a, "--storage-dir") == 0) {
            storage = v;
        } else if (strcmp(a, "--input") == 0) {
            json_error_t je;
            json_decref(input);
            input = json_loads(v, JSON_REJECT_DUPLICATES, &je);
            if (!json_is_object(input)) {
                fprintf(stderr, "weir node exec: --input must be a JSON object of input values (%s)\n",
                        input ? "not an object" : je.text);
                goto usage;
            }
        } else if (strcmp(a, "--grant") == 0) {
            unsigned caps;
            if (sbx_caps_parse(v, &caps, err, sizeof err) != 0) {
                fprintf(stderr, "weir node exec: --grant: %s\n", err);
                goto usage;
            }
            granted |= caps;
        } else if (strcmp(a, "--fuel") == 0) {
            if (parse_count(v, UINT64_MAX / 2, &n) != 0) {
                fprintf(stderr, "weir node exec: --fuel takes a positive whole number\n");
                goto usage;
            }
            pol.fuel = n;
        } else if (strcmp(a, "--memory-mb") == 0) {
            if (parse_count(v, SANDBOX_MAX_MEMORY_BYTES >> 20, &n) != 0) {
                fprintf(stderr, "weir node exec: --memory-mb takes 1 to %llu\n",
                        (unsigned long long)(SANDBOX_MAX_MEMORY_BYTES >> 20));
                goto usage;
            }
            pol.memory_bytes = n << 20;
        } else if (strcmp(a, "--timeout-ms") == 0) {
            if (parse_count(v, 7ull * 24 * 3600 * 1000, &n) != 0) {
                fprintf(stderr, "weir node exec: --timeout-ms takes a positive whole number of milliseconds\n");
                goto usage;
            }
            pol.timeout_ms = n;
        } else {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v) {
                fprintf(stderr, "weir node exec: %s takes NAME=VALUE\n", a);
                goto usage;
            }
            char *name = strndup(v, (size_t)(eq - v));
            if (strcmp(a, "--secret") == 0) {
                json_object_set_new(secrets, name, json_string(eq + 1));
            } else {
                json_error_t je;
                json_t *val = json_loads(eq + 1, JSON_DECODE_ANY, &je);
                if (!val) {
                    fprintf(stderr, "weir node exec: --var %s: not JSON (%s)\n", name, je.text);
                    free(name);
                    goto usage;
                }
                json_object_set_new(vars, name, val);
            }
            free(name);
        }
    }
    if (!file || !node) {
        fprintf(stderr, "weir node exec: a FILE.wasm and --node NAME are needed\n");
        goto usage;
    }
    sbx_code code;
    sbx_package *p = load(file, &pol, &code);
    if (!p) {
        rc = EXIT_NOT_COMPLETED;
        goto out;
    }
    const sbx_manifest *m = sbx_package_manifest(p);
    int idx = sbx_manifest_node_index(m, node);
    if (idx < 0) {
        fprintf(stderr, "weir node exec: package %s has no node \"%s\"\n", m->id, node);
        sbx_package_release(p);
        goto usage;
    }
    char *data_dir = NULL, *storage_dir = NULL;
    if (!storage) {
        data_dir = cli_data_dir(NULL);
        if (asprintf(&storage_dir, "%s/storage/local/packages/%s", data_dir, m->id) < 0) storage_dir = NULL;
    }
    sbx_env env = {
        .granted = grant_all ? sbx_grant_all(m) : granted,
        .policy = pol,
        .storage_dir = storage ? storage : storage_dir,
        .variables = vars,
        .secrets = secrets,
    };
    sbx_result res;
    json_t *in = input ? json_incref(input) : json_object();
    sbx_invoke(p, (size_t)idx, in, &env, &res);
    json_decref(in);
    json_t *out = json_pack("{s:s, s:o, s:O, s:O, s:O, s:I, s:I}", "status", res.code == SBX_OK ? "ok" : "error",
                            "error",
                            res.code == SBX_OK ? json_null()
                                               : json_pack("{s:s, s:s}", "code", sbx_code_name(res.code), "message",
                                                           res.message ? res.message : ""),
                            "outputs", res.outputs, "activated", res.activated, "logs", res.logs, "fuel_used",
                            (json_int_t)res.fuel_used, "duration_us", (json_int_t)res.duration_us);
    if (json_array_size(res.emitted)) json_object_set(out, "emitted", res.emitted);
    if ((m->caps & SBX_CAP_VARIABLES) && (m->variables_ops & SBX_VARIABLES_WRITE)) json_object_set(out, "variables", vars);
    cli_print_json(out);
    rc = res.code == SBX_OK ? EXIT_OK : EXIT_NOT_COMPLETED;
    sbx_result_free(&res);
    sbx_package_release(p);
    free(data_dir);
    free(storage_dir);
    goto out;
usage:
    exec_usage(stderr);
    rc = EXIT_USAGE;
out:
    sbx_shutdown();
    json_decref(input);
    json_decref(vars);
    json_decref(secrets);
    return rc;
}

/* ---- install / list / remove ------------------------------------------------ */

static int install_usage(FILE *out) {
    fprintf(out, "usage: weir node install FILE.wasm [--grant CAP,CAP...]... [--grant-all] [--data-dir DIR]\n");
    return EXIT_USAGE;
}

static void print_store_error(const char *code, const char *msg) {
    cli_print_json(json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

static int cmd_install(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        install_usage(stdout);
        printf("\nChecks a package and installs it into DATA/packages/PACKAGE_ID (package.wasm and\n"
               "grants.json), replacing an installed package of the same id. CAP is http, storage,\n"
               "variables, secrets, stream or wasi; --grant-all grants exactly what the manifest\n"
               "requests; capabilities the manifest does not request are not recorded. A package\n"
               "not granted everything it requests is installed with a warning, but its nodes fail\n"
               "with capability_denied until it is installed again with the grants.\n"
               "Prints {\"id\", \"version\", \"sha256\", \"requested\", \"granted\", \"installed_at\",\n"
               "\"nodes\", \"status\", \"replaced\"}; a rejected package prints {\"error\": {\"code\",\n"
               "\"message\"}} and exits 2.\n"
               "  --data-dir DIR  (default $WEIR_DATA, else ~/.local/share/weir)\n"
               "exit status: 0 installed, 2 rejected package, usage or file system error.\n");
        return EXIT_OK;
    }
    const char *file = NULL, *data_flag = NULL;
    unsigned granted = 0;
    bool grant_all = false;
    char err[768];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--grant-all") == 0) {
            grant_all = true;
        } else if (strcmp(a, "--grant") == 0 || strcmp(a, "--data-dir") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "weir node install: %s needs a value\n", a);
                return install_usage(stderr);
            }
            const char *v = argv[++i];
            if (strcmp(a, "--data-dir") == 0) {
                data_flag = v;
                continue;
            }
            unsigned caps;
            if (sbx_caps_parse(v, &caps, err, sizeof err) != 0) {
                fprintf(stderr, "weir node install: --grant: %s\n", err);
                return install_usage(stderr);
            }
            granted |= caps;
        } else if (a[0] == '-' || file) {
            fprintf(stderr, "weir node install: unexpected argument %s\n", a);
            return install_usage(stderr);
        } else {
            file = a;
        }
    }
    if (!file) {
        fprintf(stderr, "weir node install: a FILE.wasm is needed\n");
        return install_usage(stderr);
    }
    sbx_policy pol = sbx_policy_default();
    size_t len = 0;
    uint8_t *bytes = read_file(file, pol.module_bytes, &len, err, sizeof err);
    if (!bytes) {
        print_error(SBX_INVALID_MODULE, err);
        return EXIT_USAGE;
    }
    char *data_dir = cli_data_dir(data_flag);
    json_t *info = NULL;
    unsigned missing = 0;
    sbx_code code = SBX_OK;
    int rc = data_dir ? pkgstore_install(data_dir, bytes, len, &pol, granted, grant_all, &info, &missing, &code, err,
                                         sizeof err)
                      : PKGSTORE_E_IO;
    free(bytes);
    if (!data_dir) snprintf(err, sizeof err, "out of memory");
    int out = EXIT_USAGE;
    if (rc == PKGSTORE_E_REJECTED) {
        print_error(code, err);
    } else if (rc != PKGSTORE_E_OK) {
        fprintf(stderr, "weir node install: %s\n", err);
        print_store_error("io_error", err);
    } else {
        const char *id = json_string_value(json_object_get(info, "id"));
        unsigned requested = 0;
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(info, "requested"), i, v) {
            unsigned bit;
            if (sbx_caps_parse(json_string_value(v), &bit, NULL, 0) == 0) requested |= bit;
        }
        char names[128];
        if (!grant_all && (granted & ~requested)) {
            sbx_caps_format(granted & ~requested, names, sizeof names);
            fprintf(stderr, "weir node install: note: %s does not request %s; not recorded\n", id, names);
        }
        if (missing) {
            char all[128];
            sbx_caps_format(missing, names, sizeof names);
            sbx_caps_format(requested, all, sizeof all);
            fprintf(stderr,
                    "weir node install: warning: %s requests %s but %s %s not granted; its nodes fail with "
                    "capability_denied until it is installed again with --grant %s (or --grant-all)\n",
                    id, all, names, strchr(names, ',') ? "are" : "is", all);
        }
        char gnames[128];
        sbx_caps_format(grant_all ? requested : (granted & requested), gnames, sizeof gnames);
        cli_audit_package(data_dir, "package.install", id, json_pack("{s:O, s:s}", "requested", json_object_get(info, "requested"), "granted", gnames));
        cli_print_json(info);
        out = EXIT_OK;
    }
    free(data_dir);
    sbx_shutdown();
    return out;
}

/* Options of list and remove: [ID] [--data-dir DIR]. */
static int parse_store_args(int argc, char **argv, const char *cmd, bool want_id, const char **id,
                            const char **data_flag) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--data-dir") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "weir node %s: --data-dir needs a value\n", cmd);
                return -1;
            }
            *data_flag = argv[++i];
        } else if (want_id && !*id && a[0] != '-') {
            *id = a;
        } else {
            fprintf(stderr, "weir node %s: unexpected argument %s\n", cmd, a);
            return -1;
        }
    }
    if (want_id && !*id) {
        fprintf(stderr, "weir node %s: a PACKAGE_ID is needed\n", cmd);
        return -1;
    }
    return 0;
}

static int cmd_list(int argc, char **argv) {
    static const char usage[] = "usage: weir node list [--data-dir DIR]\n";
    if (cli_wants_help(argc, argv)) {
        printf("%s\nPrints the installed packages as a JSON array, by id: {\"id\", \"version\", \"sha256\",\n"
               "\"requested\", \"granted\", \"installed_at\", \"nodes\", \"status\"}. status is \"ok\",\n"
               "\"missing_grants\" (not every requested capability is granted: its nodes fail with\n"
               "capability_denied) or \"changed\" (package.wasm no longer has the SHA-256 it was granted\n"
               "for, or a file is missing: its nodes are unknown to boards until it is installed again;\n"
               "\"message\" says why).\n",
               usage);
        return EXIT_OK;
    }
    const char *id = NULL, *data_flag = NULL;
    if (parse_store_args(argc, argv, "list", false, &id, &data_flag) != 0) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    char *data_dir = cli_data_dir(data_flag);
    char err[512] = "out of memory";
    json_t *list = data_dir ? pkgstore_list(data_dir, err, sizeof err) : NULL;
    free(data_dir);
    if (!list) {
        fprintf(stderr, "weir node list: %s\n", err);
        print_store_error("io_error", err);
        return EXIT_USAGE;
    }
    cli_print_json(list);
    return EXIT_OK;
}

static int cmd_remove(int argc, char **argv) {
    static const char usage[] = "usage: weir node remove PACKAGE_ID [--data-dir DIR]\n";
    if (cli_wants_help(argc, argv)) {
        printf("%s\nRemoves an installed package (DATA/packages/PACKAGE_ID) and prints {\"removed\": id}.\n"
               "The package's storage data (DATA/storage/APP/packages/PACKAGE_ID) is kept.\n"
               "exit status: 0 removed, 2 not installed, usage or file system error.\n",
               usage);
        return EXIT_OK;
    }
    const char *id = NULL, *data_flag = NULL;
    if (parse_store_args(argc, argv, "remove", true, &id, &data_flag) != 0) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    char *data_dir = cli_data_dir(data_flag);
    char err[512] = "out of memory";
    int rc = data_dir ? pkgstore_remove(data_dir, id, err, sizeof err) : PKGSTORE_E_IO;
    if (rc == PKGSTORE_E_OK) cli_audit_package(data_dir, "package.remove", id, NULL);
    free(data_dir);
    if (rc != PKGSTORE_E_OK) {
        fprintf(stderr, "weir node remove: %s\n", err);
        print_store_error(rc == PKGSTORE_E_NOT_INSTALLED ? "not_installed" : "io_error", err);
        return EXIT_USAGE;
    }
    cli_print_json(json_pack("{s:s}", "removed", id));
    return EXIT_OK;
}

int cmd_node(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "usage: weir node inspect FILE.wasm\n"
                     "       weir node exec FILE.wasm --node NAME [--input JSON] [--grant CAPS|--grant-all] ...\n"
                     "       weir node install FILE.wasm [--grant CAPS|--grant-all] [--data-dir DIR]\n"
                     "       weir node list [--data-dir DIR]\n"
                     "       weir node remove PACKAGE_ID [--data-dir DIR]\n"
                     "\n`weir node SUBCOMMAND --help` describes one.\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "inspect") == 0) return cmd_inspect(argc - 1, argv + 1);
    if (strcmp(argv[1], "exec") == 0) return cmd_exec(argc - 1, argv + 1);
    if (strcmp(argv[1], "install") == 0) return cmd_install(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0) return cmd_list(argc - 1, argv + 1);
    if (strcmp(argv[1], "remove") == 0) return cmd_remove(argc - 1, argv + 1);
    fprintf(stderr, "weir node: unknown subcommand \"%s\"\n", argv[1]);
    return EXIT_USAGE;
}
