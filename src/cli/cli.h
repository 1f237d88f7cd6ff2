/* cli.h — sub-commands of the `weir` command and their shared helpers. */
#ifndef WEIR_CLI_H
#define WEIR_CLI_H

#include <jansson.h>
#include <stdbool.h>

#define WEIR_VERSION "0.1.0"

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_NOT_COMPLETED = 3 };

int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
int cmd_node(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_token(int argc, char **argv);

/* Print `j` as JSON on stdout with a newline, then release it. */
void cli_print_json(json_t *j);
/* True when argv[i] is --help or -h. */
bool cli_wants_help(int argc, char **argv);
/* The data directory: --data-dir, else $WEIR_DATA, else ~/.local/share/weir
 * (malloc'd). */
char *cli_data_dir(const char *flag);

/* Record a package install or removal in the server's audit log, when this
 * data directory has a server store (cmd_serve.c). detail is stolen. */
void cli_audit_package(const char *data_dir, const char *action, const char *package_id, json_t *detail);

#endif
