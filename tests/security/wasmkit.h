/* wasmkit.h — helpers for programs that build test packages: append the
 * weir.manifest custom section to a module. Header-only; tests and
 * benchmarks only. */
#ifndef WEIR_WASMKIT_H
#define WEIR_WASMKIT_H

#include <stdlib.h>
#include <string.h>

static inline void wk_put_leb(unsigned char **p, size_t v) {
    do {
        unsigned char b = v & 0x7f;
        v >>= 7;
        *(*p)++ = b | (v ? 0x80 : 0);
    } while (v);
}

/* A malloc'd copy of the module with a "weir.manifest" section holding
 * manifest appended; *out_len is its size. */
static inline unsigned char *wk_with_manifest(const unsigned char *wasm, size_t len, const char *manifest,
                                              size_t *out_len) {
    static const char name[] = "weir.manifest";
    size_t mlen = strlen(manifest), nlen = sizeof name - 1;
    unsigned char *out = malloc(len + mlen + nlen + 32), *p = out;
    if (!out) return NULL;
    memcpy(p, wasm, len);
    p += len;
    *p++ = 0;
    unsigned char tmp[16], *t = tmp;
    wk_put_leb(&t, nlen);
    wk_put_leb(&p, (size_t)(t - tmp) + nlen + mlen);
    wk_put_leb(&p, nlen);
    memcpy(p, name, nlen);
    p += nlen;
    memcpy(p, manifest, mlen);
    p += mlen;
    *out_len = (size_t)(p - out);
    return out;
}

#endif
