/* bench_sandbox.c — sandbox benchmarks of issue #3 (figures in bench/README.md):
 *   a) a trivial node's full invocation: fresh store and instance, call,
 *      one output, teardown
 *   b) checking + compiling a ~1 MB module, first time and cached (same bytes)
 *   c) SHA-256 of 1 MiB in a wasm node against the same C compiled natively
 * Medians of repetitions; results are checked. --quick shrinks everything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wasmtime.h>

#include "base/strbuf.h"
#include "sandbox/sandbox.h"
#include "sha256.h"

void bench_sha256_clang(const uint8_t *data, uint32_t len, uint8_t out[32]);
#include "wasmkit.h"

static bool quick;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

static sbx_package *load_wat(const char *wat, const char *manifest, double *seconds) {
    wasm_byte_vec_t wasm;
    wasmtime_error_t *e = wasmtime_wat2wasm(wat, strlen(wat), &wasm);
    if (e) {
        fprintf(stderr, "bench: WAT does not assemble\n");
        exit(1);
    }
    size_t len = 0;
    unsigned char *bytes = wk_with_manifest((unsigned char *)wasm.data, wasm.size, manifest, &len);
    wasm_byte_vec_delete(&wasm);
    sbx_package *p;
    char err[512];
    double t0 = now_s();
    sbx_code code = sbx_package_load(bytes, len, NULL, &p, err, sizeof err);
    if (seconds) *seconds = now_s() - t0;
    free(bytes);
    if (code != SBX_OK) {
        fprintf(stderr, "bench: %s: %s\n", sbx_code_name(code), err);
        exit(1);
    }
    return p;
}

static const char *TRIVIAL_MANIFEST =
    "{\"abi\": 1, \"package\": {\"id\": \"bench.trivial\", \"version\": \"1.0.0\"}, \"nodes\": [{\"name\": \"answer\", "
    "\"pins\": [{\"name\": \"out\", \"direction\": \"out\", \"type\": \"integer\"}]}]}";
static const char *TRIVIAL_WAT =
    "(module (import \"weir\" \"set_output\" (func $set (param i32 i32 i32 i32) (result i32)))\n"
    "  (memory (export \"memory\") 1) (data (i32.const 0) \"out\") (data (i32.const 8) \"42\")\n"
    "  (func (export \"weir_alloc\") (param i32) (result i32) (i32.const 1024))\n"
    "  (func (export \"weir_run\") (param i32 i32 i32) (result i32)\n"
    "    (drop (call $set (i32.const 0) (i32.const 3) (i32.const 8) (i32.const 2))) (i32.const 0)))";

static void bench_trivial(void) {
    sbx_package *p = load_wat(TRIVIAL_WAT, TRIVIAL_MANIFEST, NULL);
    sbx_env env = {.policy = sbx_policy_default()};
    int batch = quick ? 200 : 5000;
    enum { REPS = 7 };
    double t[REPS];
    json_t *in = json_object();
    for (int r = 0; r < REPS; r++) {
        double t0 = now_s();
        for (int i = 0; i < batch; i++) {
            sbx_result res;
            if (sbx_invoke(p, 0, in, &env, &res) != SBX_OK || json_integer_value(json_object_get(res.outputs, "out")) != 42) {
                fprintf(stderr, "bench: trivial invocation failed\n");
                exit(1);
            }
            sbx_result_free(&res);
        }
        t[r] = (now_s() - t0) / batch;
    }
    json_decref(in);
    printf("a) trivial node, full invocation (fresh instance, call, one output, teardown): %.1f us\n",
           median(t, REPS) * 1e6);
    sbx_package_release(p);
}

/* A module of about `bytes` bytes of code: many small arithmetic functions. */
static char *big_wat(size_t bytes, int salt) {
    strbuf sb = STRBUF_INIT;
    sb_puts(&sb, "(module (memory (export \"memory\") 1)\n"
                 "  (func (export \"weir_alloc\") (param i32) (result i32) (i32.const 1024))\n");
    size_t funcs = bytes / 44; /* each function encodes to ~44 bytes */
    for (size_t i = 0; i < funcs; i++)
        sb_printf(&sb,
                  "  (func $f%zu (param i32) (result i32) (i32.add (i32.mul (local.get 0) (i32.const %zu)) (i32.xor "
                  "(i32.shl (local.get 0) (i32.const 3)) (i32.const %d))) (i32.const 7) (i32.rem_u) (i32.const %zu) "
                  "(i32.add) (i32.const 11) (i32.mul) (local.get 0) (i32.sub) (i32.const 5) (i32.shr_u))\n",
                  i, i * 2654435761u % 1000003, salt, i);
    sb_printf(&sb, "  (func (export \"weir_run\") (param i32 i32 i32) (result i32) (call $f%zu (i32.const 1)) drop "
                   "(i32.const 0)))\n",
              funcs - 1);
    return sb_take(&sb);
}

static const char *BIG_MANIFEST =
    "{\"abi\": 1, \"package\": {\"id\": \"bench.big\", \"version\": \"1.0.0\"}, \"nodes\": [{\"name\": \"n\", \"pins\": []}]}";

static void bench_compile(void) {
    size_t target = quick ? 50000 : 1000000;
    enum { REPS = 3 };
    double first[REPS], cached[REPS];
    size_t size = 0;
    for (int r = 0; r < REPS; r++) {
        char *wat = big_wat(target, r + 1); /* a new salt: new bytes, a real compile */
        wasm_byte_vec_t wasm;
        wasmtime_error_t *e = wasmtime_wat2wasm(wat, strlen(wat), &wasm);
        free(wat);
        if (e) {
            fprintf(stderr, "bench: big WAT does not assemble\n");
            exit(1);
        }
        size_t len = 0;
        unsigned char *bytes = wk_with_manifest((unsigned char *)wasm.data, wasm.size, BIG_MANIFEST, &len);
        size = len;
        wasm_byte_vec_delete(&wasm);
        char err[512];
        sbx_package *p1, *p2;
        double t0 = now_s();
        if (sbx_package_load(bytes, len, NULL, &p1, err, sizeof err) != SBX_OK) {
            fprintf(stderr, "bench: big module: %s\n", err);
            exit(1);
        }
        double t1 = now_s();
        if (sbx_package_load(bytes, len, NULL, &p2, err, sizeof err) != SBX_OK || p1 != p2) {
            fprintf(stderr, "bench: cached load did not reuse the module\n");
            exit(1);
        }
        double t2 = now_s();
        first[r] = t1 - t0;
        cached[r] = t2 - t1;
        sbx_package_release(p1);
        sbx_package_release(p2);
        free(bytes);
    }
    printf("b) %.2f MB module: check + compile %.0f ms first, %.2f ms cached (SHA-256, checks, cache hit)\n",
           (double)size / 1e6, median(first, REPS) * 1e3, median(cached, REPS) * 1e3);
}

static void bench_sha(void) {
    FILE *f = fopen(SHA256_WASM, "rb");
    if (!f) {
        fprintf(stderr, "bench: %s missing (built by bench/CMakeLists.txt with clang)\n", SHA256_WASM);
        exit(1);
    }
    unsigned char *wasm = malloc(1 << 22);
    size_t wlen = fread(wasm, 1, 1 << 22, f);
    fclose(f);
    const char *manifest = "{\"abi\": 1, \"package\": {\"id\": \"bench.sha256\", \"version\": \"1.0.0\"}, \"nodes\": "
                           "[{\"name\": \"sha256\", \"pins\": [{\"name\": \"digest\", \"direction\": \"out\", \"type\": "
                           "\"string\"}]}]}";
    size_t len = 0;
    unsigned char *bytes = wk_with_manifest(wasm, wlen, manifest, &len);
    free(wasm);
    sbx_package *p;
    char err[512];
    if (sbx_package_load(bytes, len, NULL, &p, err, sizeof err) != SBX_OK) {
        fprintf(stderr, "bench: sha256 package: %s\n", err);
        exit(1);
    }
    free(bytes);
    static uint8_t data[1 << 20];
    enum { REPS = 9 };
    double tn[REPS], tc[REPS], tw[REPS];
    char native_hex[65];
    for (int r = 0; r < REPS; r++) {
        double t0 = now_s();
        for (uint32_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 31 + 7);
        uint8_t d[32];
        bench_sha256(data, sizeof data, d);
        tn[r] = now_s() - t0;
        t0 = now_s();
        for (uint32_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 31 + 7);
        uint8_t dc[32];
        bench_sha256_clang(data, sizeof data, dc);
        tc[r] = now_s() - t0;
        if (memcmp(d, dc, 32) != 0) {
            fprintf(stderr, "bench: gcc and clang digests differ\n");
            exit(1);
        }
        for (int i = 0; i < 32; i++) snprintf(native_hex + 2 * i, 3, "%02x", d[i]);
        sbx_env env = {.policy = sbx_policy_default()};
        sbx_result res;
        json_t *in = json_object();
        t0 = now_s();
        sbx_code code = sbx_invoke(p, 0, in, &env, &res);
        tw[r] = now_s() - t0;
        json_decref(in);
        const char *got = json_string_value(json_object_get(res.outputs, "digest"));
        if (code != SBX_OK || !got || strcmp(got, native_hex) != 0) {
            fprintf(stderr, "bench: wasm digest %s differs from native %s (%s)\n", got ? got : "-", native_hex,
                    res.message ? res.message : "");
            exit(1);
        }
        sbx_result_free(&res);
    }
    double n = median(tn, REPS), nc = median(tc, REPS), w = median(tw, REPS);
    printf("c) SHA-256 of 1 MiB: wasm node %.2f ms (whole invocation); native clang -O2 %.2f ms (%.2fx), native gcc "
           "-O2 %.2f ms (%.2fx)\n",
           w * 1e3, nc * 1e3, w / nc, n * 1e3, w / n);
    sbx_package_release(p);
}

int main(int argc, char **argv) {
    quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    const char *only = argc > 1 && !quick ? argv[1] : NULL; /* trivial | sha | compile */
    if (!only || strcmp(only, "trivial") == 0) bench_trivial();
    if (!only || strcmp(only, "sha") == 0) bench_sha();
    if (!only || strcmp(only, "compile") == 0) bench_compile();
    sbx_shutdown();
    return 0;
}
