/* run_cases.c — the sandbox's adversarial suite (issue #3, node-abi.md).
 *
 * Every tests/security/cases/NAME.wat is one attack. Its header says how to
 * run it and what must come out:
 *
 *   ;; manifest: {...}              the weir.manifest section (one line of JSON)
 *   ;; node: NAME                   the node to run (default: the first)
 *   ;; grant: http,storage | all    capabilities granted (default: none)
 *   ;; input: {...}                 the inputs (default {})
 *   ;; policy: {"fuel": N, "memory_mb": N, "timeout_ms": N, "log_bytes": N,
 *   ;;          "output_bytes": N, "allow_private_net": true}
 *   ;; storage: yes                 give the call a fresh storage directory
 *   ;; expect: CODE                 the exact result code of node-abi.md §5
 *   ;; expect-output: {...}         outputs must equal this (optional)
 *   ;; expect-log: TEXT             some log line contains TEXT (optional)
 *   ;; expect-message: TEXT         the error message contains TEXT (optional)
 *
 * The module is assembled from the WAT with Wasmtime's own parser and the
 * manifest appended as a custom section, so a case is one readable file.
 * Prints one line per case and a final "N passed, M failed". */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasmtime.h>

#include "sandbox/checks.h"
#include "sandbox/sandbox.h"
#include "wasmkit.h"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t r = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[r] = '\0';
    if (len) *len = r;
    return buf;
}

/* The value of header line ";; KEY: VALUE" (malloc'd) or NULL. */
static char *header(const char *text, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, ";; %s:", key);
    const char *p = strstr(text, pat);
    if (!p) return NULL;
    p += strlen(pat);
    while (*p == ' ') p++;
    const char *end = strchr(p, '\n');
    return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

static int passed, failed;

static void report(const char *name, bool ok, const char *why) {
    if (ok) {
        passed++;
        printf("ok   %s\n", name);
    } else {
        failed++;
        printf("FAIL %s: %s\n", name, why);
    }
}

static void run_case(const char *dir, const char *file) {
    char path[1024], why[2048];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len = 0;
    char *text = slurp(path, &len);
    if (!text) {
        report(file, false, "cannot read the case");
        return;
    }
    char *manifest = header(text, "manifest"), *node = header(text, "node"), *grant = header(text, "grant");
    char *input = header(text, "input"), *policy = header(text, "policy"), *expect = header(text, "expect");
    char *expect_output = header(text, "expect-output"), *expect_log = header(text, "expect-log");
    char *expect_msg = header(text, "expect-message"), *storage = header(text, "storage");
    wasm_byte_vec_t wasm = {0};
    sbx_package *pkg = NULL;
    char *tmpdir = NULL;
    if (!expect) {
        report(file, false, "no ;; expect: line");
        goto out;
    }
    wasmtime_error_t *e = wasmtime_wat2wasm(text, len, &wasm);
    if (e) {
        wasm_name_t msg;
        wasmtime_error_message(e, &msg);
        snprintf(why, sizeof why, "WAT does not assemble: %.*s", (int)msg.size, msg.data);
        wasm_byte_vec_delete(&msg);
        wasmtime_error_delete(e);
        report(file, false, why);
        goto out;
    }
    size_t blen = wasm.size;
    unsigned char *bytes;
    if (manifest) {
        bytes = wk_with_manifest((unsigned char *)wasm.data, wasm.size, manifest, &blen);
    } else {
        bytes = malloc(wasm.size);
        memcpy(bytes, wasm.data, wasm.size);
    }
    sbx_policy pol = sbx_policy_default();
    json_error_t je;
    json_t *pj = policy ? json_loads(policy, 0, &je) : NULL;
    if (json_object_get(pj, "fuel")) pol.fuel = (uint64_t)json_integer_value(json_object_get(pj, "fuel"));
    if (json_object_get(pj, "memory_mb"))
        pol.memory_bytes = (uint64_t)json_integer_value(json_object_get(pj, "memory_mb")) << 20;
    if (json_object_get(pj, "timeout_ms")) pol.timeout_ms = (uint64_t)json_integer_value(json_object_get(pj, "timeout_ms"));
    if (json_object_get(pj, "log_bytes")) pol.log_bytes = (uint64_t)json_integer_value(json_object_get(pj, "log_bytes"));
    if (json_object_get(pj, "output_bytes"))
        pol.output_bytes = (uint64_t)json_integer_value(json_object_get(pj, "output_bytes"));
    pol.allow_private_net = json_is_true(json_object_get(pj, "allow_private_net"));
    json_decref(pj);
    char err[512];
    sbx_code code = sbx_package_load(bytes, blen, &pol, &pkg, err, sizeof err);
    free(bytes);
    sbx_result res = {0};
    bool invoked = false;
    if (code == SBX_OK) {
        const sbx_manifest *m = sbx_package_manifest(pkg);
        int idx = node ? sbx_manifest_node_index(m, node) : 0;
        if (idx < 0) {
            report(file, false, "no such node");
            goto out;
        }
        unsigned granted = 0;
        if (grant && strcmp(grant, "all") == 0) granted = sbx_grant_all(m);
        else if (grant && sbx_caps_parse(grant, &granted, err, sizeof err) != 0) {
            report(file, false, "bad grant line");
            goto out;
        }
        if (storage) {
            tmpdir = strdup("/tmp/weir-sec-XXXXXX");
            if (!mkdtemp(tmpdir)) abort();
            char planted[1200];
            /* a file outside the storage directory, and a symlink to it inside */
            snprintf(planted, sizeof planted, "%s/outside.txt", tmpdir);
            FILE *f = fopen(planted, "w");
            fputs("outside", f);
            fclose(f);
            snprintf(planted, sizeof planted, "%s/store", tmpdir);
            mkdir(planted, 0700);
            char link[1300];
            snprintf(link, sizeof link, "%s/store/link", tmpdir);
            if (symlink("../outside.txt", link) != 0) abort();
            snprintf(link, sizeof link, "%s/store/dirlink", tmpdir);
            if (symlink("..", link) != 0) abort();
        }
        char store_dir[1200];
        if (tmpdir) snprintf(store_dir, sizeof store_dir, "%s/store", tmpdir);
        json_t *vars = json_pack("{s:i}", "count", 1);
        json_t *secrets = json_pack("{s:s, s:s}", "API_KEY", "k-123", "OTHER_SECRET", "should-not-leak");
        sbx_env env = {.granted = granted, .policy = pol, .storage_dir = tmpdir ? store_dir : NULL,
                       .variables = vars, .secrets = secrets};
        json_t *in = input ? json_loads(input, 0, &je) : json_object();
        code = sbx_invoke(pkg, (size_t)idx, in, &env, &res);
        invoked = true;
        json_decref(in);
        json_decref(vars);
        json_decref(secrets);
        snprintf(err, sizeof err, "%s", res.message ? res.message : "");
    }
    if (strcmp(sbx_code_name(code), expect) != 0) {
        char *logs = invoked ? json_dumps(res.logs, JSON_COMPACT) : NULL;
        snprintf(why, sizeof why, "got %s (%s), want %s; logs %.200s", sbx_code_name(code), err, expect,
                 logs ? logs : "-");
        free(logs);
        report(file, false, why);
    } else if (expect_output && invoked) {
        json_t *want = json_loads(expect_output, 0, &je);
        bool eq = want && json_equal(want, res.outputs);
        char *got = json_dumps(res.outputs, JSON_COMPACT);
        snprintf(why, sizeof why, "outputs %s, want %s", got, expect_output);
        free(got);
        json_decref(want);
        report(file, eq, why);
    } else if (expect_log && invoked) {
        char *logs = json_dumps(res.logs, JSON_COMPACT);
        bool ok = logs && strstr(logs, expect_log);
        snprintf(why, sizeof why, "logs %.300s lack \"%s\"", logs ? logs : "", expect_log);
        free(logs);
        report(file, ok, why);
    } else if (expect_msg) {
        snprintf(why, sizeof why, "message \"%s\" lacks \"%s\"", err, expect_msg);
        report(file, strstr(err, expect_msg) != NULL, why);
    } else {
        report(file, true, NULL);
    }
    if (invoked) sbx_result_free(&res);
out:
    if (tmpdir) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
        free(tmpdir);
    }
    sbx_package_release(pkg);
    wasm_byte_vec_delete(&wasm);
    free(text);
    free(manifest);
    free(node);
    free(grant);
    free(input);
    free(policy);
    free(expect);
    free(expect_output);
    free(expect_log);
    free(expect_msg);
    free(storage);
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : WEIR_SOURCE_DIR "/tests/security/cases";
    const char *only = argc > 2 ? argv[2] : NULL;
    struct dirent **list;
    int n = scandir(dir, &list, NULL, by_name);
    if (n < 0) {
        perror(dir);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        size_t l = strlen(name);
        if (l > 4 && strcmp(name + l - 4, ".wat") == 0 && (!only || strstr(name, only))) run_case(dir, name);
        free(list[i]);
    }
    free(list);
    sbx_shutdown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
