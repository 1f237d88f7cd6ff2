/* sha256_node.c — the wasm32 side of the CPU benchmark: node 0 hashes 1 MiB
 * of bytes (i * 31 + 7) and sets the hex digest as output `digest`. Built with
 * clang --target=wasm32-wasi -mexec-model=reactor (wasi-libc supplies memset and
 * memcpy and nothing is imported from WASI); imports only weir.set_output. */
#include "sha256.h"

__attribute__((import_module("weir"), import_name("set_output"))) int weir_set_output(const char *, int, const char *,
                                                                                       int);

static uint8_t data[1 << 20];
static char json[67];
static uint8_t input_area[4096];

__attribute__((export_name("weir_alloc"))) int weir_alloc(int len) {
    return len <= (int)sizeof input_area ? (int)(uintptr_t)input_area : 0;
}

__attribute__((export_name("weir_run"))) int weir_run(int node, int ptr, int len) {
    (void)node; (void)ptr; (void)len;
    for (uint32_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 31 + 7);
    uint8_t d[32];
    bench_sha256(data, sizeof data, d);
    static const char hex[] = "0123456789abcdef";
    json[0] = '"';
    for (int i = 0; i < 32; i++) {
        json[1 + 2 * i] = hex[d[i] >> 4];
        json[2 + 2 * i] = hex[d[i] & 15];
    }
    json[65] = '"';
    return weir_set_output("digest", 6, json, 66) == 0 ? 0 : 1;
}
