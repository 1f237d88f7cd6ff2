/* soak.c — 10,000 hostile invocations in one process (issue #3).
 *
 * Runs a rotation of attacks (runaway loop, memory bomb, deep recursion,
 * traps, bad pointers, rejected outputs, log floods) through the sandbox and
 * checks that each ends with its exact code, that resident memory after the
 * run is within 10% of what it was after a warm-up, and that no file
 * descriptor is left open. Prints the figures and "N passed, M failed". */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasmtime.h>

#include "sandbox/checks.h"
#include "sandbox/sandbox.h"
#include "wasmkit.h"

#define SOAK_INVOCATIONS 10000
#define SOAK_WARMUP 1000

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static int open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

static const char *MANIFEST =
    "{\"abi\": 1, \"package\": {\"id\": \"soak.hostile\", \"version\": \"1.0.0\"}, \"nodes\": ["
    "{\"name\": \"spin\", \"pins\": []}, {\"name\": \"bomb\", \"pins\": []}, {\"name\": \"recurse\", \"pins\": []},"
    "{\"name\": \"oob\", \"pins\": []}, {\"name\": \"divzero\", \"pins\": []}, {\"name\": \"badlog\", \"pins\": []},"
    "{\"name\": \"badout\", \"pins\": [{\"name\": \"out\", \"direction\": \"out\", \"type\": \"integer\"}]},"
    "{\"name\": \"flood\", \"pins\": []}, {\"name\": \"fine\", \"pins\": [{\"name\": \"out\", \"direction\": \"out\", "
    "\"type\": \"integer\"}]}]}";

/* One module, one node per attack: weir_run dispatches on the node index. */
static const char *WAT =
    "(module\n"
    "  (import \"weir\" \"log\" (func $log (param i32 i32 i32)))\n"
    "  (import \"weir\" \"set_output\" (func $set (param i32 i32 i32 i32) (result i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (data (i32.const 0) \"out\") (data (i32.const 16) \"\\\"text\\\"\") (data (i32.const 32) \"42\")\n"
    "  (func (export \"weir_alloc\") (param i32) (result i32) (i32.const 4096))\n"
    "  (func $rec (param i32) (result i32) (call $rec (i32.add (local.get 0) (i32.const 1))))\n"
    "  (func (export \"weir_run\") (param i32 i32 i32) (result i32) (local i32)\n"
    "    (block $b8 (block $b7 (block $b6 (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0\n"
    "      (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 (local.get 0)))\n"
    "      (loop $l (br $l)))\n"
    "      (block $done (loop $l (br_if $done (i32.eq (memory.grow (i32.const 16)) (i32.const -1))) (br $l)))\n"
    "      unreachable)\n"
    "      (return (call $rec (i32.const 0))))\n"
    "      (return (i32.load (i32.const 0x7ffffff0))))\n"
    "      (return (i32.div_u (i32.const 1) (local.get 3))))\n"
    "      (call $log (i32.const 1) (i32.const -8) (i32.const 64)) (return (i32.const 0)))\n"
    "      (drop (call $set (i32.const 0) (i32.const 3) (i32.const 16) (i32.const 6))) (return (i32.const 0)))\n"
    "      (loop $l (call $log (i32.const 1) (i32.const 16) (i32.const 6))\n"
    "        (local.set 3 (i32.add (local.get 3) (i32.const 1))) (br_if $l (i32.lt_u (local.get 3) (i32.const 5000))))\n"
    "      (return (i32.const 0)))\n"
    "    (drop (call $set (i32.const 0) (i32.const 3) (i32.const 32) (i32.const 2))) (i32.const 0)))\n";

static const char *EXPECT[] = {"fuel_exhausted", "memory_limit", "stack_overflow", "trap", "trap",
                               "bad_output",     "bad_output",   "ok",             "ok"};

int main(void) {
    wasm_byte_vec_t wasm;
    wasmtime_error_t *e = wasmtime_wat2wasm(WAT, strlen(WAT), &wasm);
    if (e) {
        fprintf(stderr, "soak: the WAT does not assemble\n");
        return 1;
    }
    size_t blen = 0;
    unsigned char *bytes = wk_with_manifest((const unsigned char *)wasm.data, wasm.size, MANIFEST, &blen);
    wasm_byte_vec_delete(&wasm);
    sbx_policy pol = sbx_policy_default();
    pol.fuel = 2000000;
    pol.memory_bytes = 8u << 20;
    pol.log_bytes = 4096;
    sbx_package *pkg;
    char err[512];
    sbx_code code = sbx_package_load(bytes, blen, &pol, &pkg, err, sizeof err);
    free(bytes);
    if (code != SBX_OK) {
        fprintf(stderr, "soak: package refused: %s: %s\n", sbx_code_name(code), err);
        return 1;
    }
    int passed = 0, failed = 0;
    long rss_warm = 0;
    int fds_warm = 0;
    size_t nnodes = sizeof EXPECT / sizeof *EXPECT;
    for (int i = 0; i < SOAK_INVOCATIONS; i++) {
        if (i == SOAK_WARMUP) {
            rss_warm = rss_kib();
            fds_warm = open_fds();
        }
        size_t node = (size_t)i % nnodes;
        sbx_env env = {.granted = 0, .policy = pol};
        sbx_result res;
        json_t *in = json_object();
        sbx_invoke(pkg, node, in, &env, &res);
        json_decref(in);
        if (strcmp(sbx_code_name(res.code), EXPECT[node]) != 0) {
            if (failed < 10)
                fprintf(stderr, "soak: invocation %d node %zu: %s (%s), want %s\n", i, node, sbx_code_name(res.code),
                        res.message ? res.message : "", EXPECT[node]);
            failed++;
        } else {
            passed++;
        }
        sbx_result_free(&res);
    }
    long rss_end = rss_kib();
    int fds_end = open_fds();
    double growth = rss_warm ? (double)(rss_end - rss_warm) / (double)rss_warm : 0;
    printf("soak: %d invocations; resident %ld KiB after %d, %ld KiB at the end (%+.1f%%); descriptors %d -> %d\n",
           SOAK_INVOCATIONS, rss_warm, SOAK_WARMUP, rss_end, growth * 100, fds_warm, fds_end);
    if (getenv("WEIR_TEST_SANITIZED")) {
        /* ASan keeps freed memory in quarantine: resident size says nothing
         * here. The plain build runs this check; LeakSanitizer checks leaks. */
        printf("resident-memory check skipped in the sanitizer build\n");
    } else if (growth > 0.10) {
        printf("FAIL resident memory grew by more than 10%%\n");
        failed++;
    } else {
        passed++;
    }
    if (fds_end > fds_warm) {
        printf("FAIL %d descriptors leaked\n", fds_end - fds_warm);
        failed++;
    } else {
        passed++;
    }
    sbx_package_release(pkg);
    sbx_shutdown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
