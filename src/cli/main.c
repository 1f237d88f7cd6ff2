/* main.c — the `weir` command: dispatch to sub-commands (boards.md §4).
 *
 * Exit status everywhere: 0 success, 2 usage error or invalid input,
 * 3 a run or invocation that ended in any other status. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"validate", cmd_validate, "check a board against every rule; prints {\"valid\": …}"},
    {"run", cmd_run, "run a board once and print the result as JSON"},
    {"catalog", cmd_catalog, "print every node type (built-in and installed) as JSON"},
    {"node", cmd_node, "inspect, run, install, list and remove WebAssembly node packages"},
    {"serve", cmd_serve, "run the server: REST API, webhooks, schedules, live runs"},
    {"user", cmd_user, "add a user to the server's store (operators)"},
    {"token", cmd_token, "create a personal access token (operators)"},
};

static void usage(FILE *out) {
    fprintf(out,
            "weir — run workflow boards\n\n"
            "usage: weir COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n`weir COMMAND --help` describes a command.\n"
            "exit status: 0 ok, 2 invalid input or usage, 3 a run that did not complete.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("weir %s\n", WEIR_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "weir: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
