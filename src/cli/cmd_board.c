/* cmd_board.c — `weir validate`, `weir run`, `weir catalog`. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/limits.h"
#include "board/board.h"
#include "cli/cli.h"
#include "engine/engine.h"
#include "sandbox/sandbox.h"
#include "sandbox/store.h"

void cli_print_json(json_t *j) {
    if (!j || json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY) != 0) {
        fprintf(stderr, "weir: could not write the output\n");
    }
    fputc('\n', stdout);
    fflush(stdout);
    json_decref(j);
}

bool cli_wants_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
    return false;
}

char *cli_data_dir(const char *flag) {
    if (flag && *flag) return strdup(flag);
    const char *env = getenv("WEIR_DATA");
    if (env && *env) return strdup(env);
    const char *home = getenv("HOME");
    char *out = NULL;
    if (asprintf(&out, "%s/.local/share/weir", home && *home ? home : ".") < 0) return NULL;
    return out;
}

/* Print validation errors as boards.md §4 asks; returns EXIT_USAGE. */
static int report_invalid(board_errors *errs, const char *path) {
    json_t *out = board_errors_json(errs);
    for (size_t i = 0; i < errs->n && i < 5; i++)
        fprintf(stderr, "weir: %s: %s%s%s: %s\n", path, errs->items[i].code, errs->items[i].node ? " at " : "",
                errs->items[i].node ? errs->items[i].node : "", errs->items[i].message);
    board_errors_free(errs);
    cli_print_json(out);
    return EXIT_USAGE;
}

/* ---- validate -------------------------------------------------------------- */

static int validate_usage(FILE *out) {
    fprintf(out, "usage: weir validate BOARD.json [--data-dir DIR]\n");
    return EXIT_USAGE;
}

int cmd_validate(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        validate_usage(stdout);
        printf("\nChecks the board against every rule of the board format and prints\n"
               "{\"valid\": true} or {\"valid\": false, \"errors\": [{\"code\", \"node\", \"pin\", \"message\"}]}.\n"
               "JSON syntax errors also carry \"line\" and \"column\". Package nodes\n"
               "(pkg:PACKAGE_ID/NODE_NAME) are looked up in the data directory's installed packages.\n"
               "  --data-dir DIR  (default $WEIR_DATA, else ~/.local/share/weir)\n"
               "exit status: 0 valid, 2 invalid.\n");
        return EXIT_OK;
    }
    const char *board_path = NULL, *data_flag = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data-dir") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "weir validate: --data-dir needs a value\n");
                return validate_usage(stderr);
            }
            data_flag = argv[++i];
        } else if ((argv[i][0] == '-' && argv[i][1]) || board_path) {
            fprintf(stderr, "weir validate: unexpected argument %s\n", argv[i]);
            return validate_usage(stderr);
        } else {
            board_path = argv[i];
        }
    }
    if (!board_path) return validate_usage(stderr);
    char *data_dir = cli_data_dir(data_flag);
    catalog *cat = catalog_open(data_dir);
    free(data_dir);
    if (!cat) {
        fprintf(stderr, "weir validate: out of memory\n");
        return EXIT_USAGE;
    }
    board_errors errs;
    plan *p = board_load_file(board_path, cat, &errs);
    int rc = EXIT_OK;
    if (!p) {
        rc = report_invalid(&errs, board_path);
    } else {
        plan_free(p);
        cli_print_json(json_pack("{s:b}", "valid", 1));
    }
    catalog_close(cat);
    sbx_shutdown();
    return rc;
}

/* ---- catalog ---------------------------------------------------------------- */

int cmd_catalog(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: weir catalog [--data-dir DIR]\n\nPrints every node type as a JSON array: type, friendly_name,\n"
               "category, description, pure, start and pins (name, direction, type,\n"
               "value_type, default, repeated). The nodes of the packages installed in the\n"
               "data directory follow (type pkg:PACKAGE_ID/NODE_NAME), each with \"package\",\n"
               "\"version\", \"capabilities\" (requested) and \"granted\"; a package whose file\n"
               "changed since it was granted is left out, with a note on stderr.\n"
               "  --data-dir DIR  (default $WEIR_DATA, else ~/.local/share/weir)\n");
        return EXIT_OK;
    }
    const char *data_flag = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc) {
            data_flag = argv[++i];
        } else {
            fprintf(stderr, "usage: weir catalog [--data-dir DIR]\n");
            return EXIT_USAGE;
        }
    }
    char *data_dir = cli_data_dir(data_flag);
    catalog *cat = catalog_open(data_dir);
    if (!cat) {
        free(data_dir);
        fprintf(stderr, "weir catalog: out of memory\n");
        return EXIT_USAGE;
    }
    char err[256];
    json_t *installed = data_dir ? pkgstore_list(data_dir, err, sizeof err) : NULL;
    size_t i;
    json_t *pkg;
    json_array_foreach(installed, i, pkg) {
        const char *status = json_string_value(json_object_get(pkg, "status"));
        const char *why = json_string_value(json_object_get(pkg, "message"));
        if (status && strcmp(status, "changed") == 0)
            fprintf(stderr, "weir catalog: package %s is left out: %s\n",
                    json_string_value(json_object_get(pkg, "id")), why ? why : "changed");
    }
    json_decref(installed);
    free(data_dir);
    cli_print_json(catalog_describe(cat));
    catalog_close(cat);
    sbx_shutdown();
    return EXIT_OK;
}

/* ---- run ---------------------------------------------------------------------- */

static run *volatile current_run;

static void on_sigint(int sig) {
    (void)sig;
    run *r = current_run;
    if (r) run_cancel(r);
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C ends the process */
}

static void progress(void *ud, const run_event *ev) {
    (void)ud;
    double t = (double)ev->at_us / 1e6;
    if (ev->kind == EV_NODE_START)
        fprintf(stderr, "[%9.3fs] ▶ %s (%s)\n", t, ev->node_id, ev->node_type);
    else if (ev->kind == EV_NODE_END)
        fprintf(stderr, "[%9.3fs] %s %s\n", t, strcmp(ev->status, "ok") == 0 ? "✓" : "✗", ev->node_id);
    else
        fprintf(stderr, "[%9.3fs]   %s: %s\n", t, ev->node_id, ev->message);
}

static int run_usage(FILE *out) {
    fprintf(out, "usage: weir run BOARD.json [--event NODE] [--payload JSON] [--var NAME=JSON]...\n"
                 "                [--timeout-ms N] [--trace] [--allow-private-net] [--data-dir DIR]\n");
    return EXIT_USAGE;
}

static int bad_usage(const char *fmt, const char *arg) {
    fprintf(stderr, "weir run: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return run_usage(stderr);
}

int cmd_run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        run_usage(stdout);
        printf("\nRuns the board once from a start node and prints one JSON object:\n"
               "run_id, status (completed, failed, timed_out, cancelled), result, error,\n"
               "logs, and trace with --trace.\n\n"
               "  --event NODE        start node (needed when the board has several)\n"
               "  --payload JSON      the event's payload, a JSON object\n"
               "  --var NAME=JSON     value of an exposed variable (repeatable)\n"
               "  --timeout-ms N      wall-clock limit of the run (default 3600000)\n"
               "  --trace             include a trace entry per node execution, with the\n"
               "                      inputs it read and outputs it set (secrets as \"***\")\n"
               "  --allow-private-net let HTTP nodes reach loopback and private addresses\n"
               "  --data-dir DIR      storage root (default $WEIR_DATA, else ~/.local/share/weir)\n\n"
               "Progress is printed on stderr when it is a terminal; Ctrl-C cancels the run.\n"
               "exit status: 0 completed, 3 failed / timed_out / cancelled, 2 invalid board or usage.\n");
        return EXIT_OK;
    }
    const char *board_path = NULL, *event = NULL, *data_flag = NULL;
    json_t *payload = NULL, *vars = json_object();
    run_request req = {0};
    int rc = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_next = i + 1 < argc;
        if (strcmp(a, "--trace") == 0) {
            req.trace = true;
        } else if (strcmp(a, "--allow-private-net") == 0) {
            req.allow_private_net = true;
        } else if (strcmp(a, "--event") == 0 || strcmp(a, "--payload") == 0 || strcmp(a, "--var") == 0 ||
                   strcmp(a, "--timeout-ms") == 0 || strcmp(a, "--data-dir") == 0) {
            if (!has_next) {
                rc = bad_usage("%s needs a value", a);
                goto out;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--event") == 0) {
                event = v;
            } else if (strcmp(a, "--data-dir") == 0) {
                data_flag = v;
            } else if (strcmp(a, "--timeout-ms") == 0) {
                char *end;
                errno = 0;
                unsigned long long ms = strtoull(v, &end, 10);
                if (*end || end == v || errno || ms == 0 || ms > 7ull * 24 * 3600 * 1000 || v[0] == '-') {
                    rc = bad_usage("--timeout-ms takes a whole number of milliseconds from 1 to 604800000, not "
                                   "\"%s\"", v);
                    goto out;
                }
                req.timeout_ms = ms;
            } else if (strcmp(a, "--payload") == 0) {
                json_error_t je;
                json_decref(payload);
                payload = json_loads(v, JSON_REJECT_DUPLICATES, &je);
                if (!payload || !json_is_object(payload)) {
                    fprintf(stderr, "weir run: --payload: %s\n", payload ? "must be a JSON object" : je.text);
                    rc = run_usage(stderr);
                    goto out;
                }
                if (strlen(v) > RUN_MAX_PAYLOAD_BYTES) {
                    rc = bad_usage("--payload is larger than %s bytes", "16777216");
                    goto out;
                }
            } else {
                const char *eq = strchr(v, '=');
                if (!eq || eq == v) {
                    rc = bad_usage("--var takes NAME=JSON, not \"%s\"", v);
                    goto out;
                }
                json_error_t je;
                json_t *val = json_loads(eq + 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
                if (!val) {
                    fprintf(stderr, "weir run: --var %.*s: the value is not JSON (%s); quote strings: "
                                    "--var '%.*s=\"text\"'\n",
                            (int)(eq - v), v, je.text, (int)(eq - v), v);
                    rc = run_usage(stderr);
                    goto out;
                }
                char *name = strndup(v, (size_t)(eq - v));
                json_object_set_new(vars, name, val);
                free(name);
            }
        } else if (a[0] == '-' && a[1]) {
            rc = bad_usage("unknown option %s", a);
            goto out;
        } else if (!board_path) {
            board_path = a;
        } else {
            rc = bad_usage("unexpected argument %s", a);
            goto out;
        }
    }
    if (!board_path) {
        rc = run_usage(stderr);
        goto out;
    }
    char *data_dir = cli_data_dir(data_flag);
    catalog *cat = catalog_open(data_dir);
    if (!cat) {
        free(data_dir);
        fprintf(stderr, "weir run: out of memory\n");
        goto out;
    }
    board_errors errs;
    plan *p = board_load_file(board_path, cat, &errs);
    if (!p) {
        rc = report_invalid(&errs, board_path);
        free(data_dir);
        catalog_close(cat);
        sbx_shutdown();
        goto out;
    }
    req.plan = p;
    req.start_node = event;
    req.payload = payload;
    req.variables = vars;
    req.data_dir = data_dir;
    if (isatty(STDERR_FILENO)) req.on_event = progress;
    const char *code = NULL;
    char err[512];
    run *r = run_new(&req, &code, err, sizeof err);
    if (!r) {
        fprintf(stderr, "weir run: %s\n", err);
        cli_print_json(json_pack("{s:s, s:{s:s, s:n, s:s}}", "status", "invalid", "error", "code", code, "node",
                                 "message", err));
        rc = EXIT_USAGE;
    } else {
        current_run = r;
        struct sigaction sa = {0}, old;
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old);
        run_status st = run_execute(r);
        sigaction(SIGINT, &old, NULL);
        current_run = NULL;
        cli_print_json(run_report(r));
        rc = st == RUN_COMPLETED ? EXIT_OK : EXIT_NOT_COMPLETED;
        run_free(r);
    }
    free(data_dir);
    plan_free(p);
    engine_shutdown();
    catalog_close(cat);
    sbx_shutdown();
out:
    json_decref(payload);
    json_decref(vars);
    return rc;
}
