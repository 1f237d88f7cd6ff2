/*
 * wasi_hello -- the only example that imports from WASI, on purpose.
 *
 * It uses libc's printf, which writes to WASI's stdout (fd_write); the host
 * turns stdout and stderr into log lines. The manifest says "wasi": true, so
 * the host accepts the wasi_snapshot_preview1 imports, and the operator must
 * grant `wasi`. Everything else a WASI program might expect is absent by
 * design (node-abi §4.5): no environment, no arguments, no stdin, no sockets,
 * and no preopened directory unless `storage` is also granted.
 *
 * Every other example uses only the SDK, which never touches WASI, so their
 * modules import nothing but weir.* even though they link wasi-libc.
 */
#include <stdio.h>

#include "weir_node.h"

static int wasi_hello(const weir_input *in) {
    char *name = weir_input_cstr(in, "name");
    char greeting[256];
    int n = snprintf(greeting, sizeof greeting, "Hello, %s!", name && name[0] ? name : "world");
    if (n < 0) return weir_fail("snprintf failed");
    printf("%s\n", greeting); /* becomes an info log line */
    fflush(stdout);
    weir_free(name);
    return weir_set_output_cstr("greeting", greeting) == WEIR_OK ? WEIR_NODE_OK : weir_fail("set output");
}

WEIR_NODES(wasi_hello);
