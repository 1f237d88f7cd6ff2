/* test_sandbox_checks.c — the load-time checks of a package: imports
 * against the manifest (node-abi.md §4.1: undeclared_import), their
 * signatures and the required exports (§2: abi_mismatch), the operator's
 * grants (§4.2: capability_denied), and sbx_package_open's order of checks,
 * on modules assembled in the test and on one built by clang. */
#include "testutil.h"
#include "wasmbuild.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/checks.h"

static char err[512];

#define PKG "\"package\":{\"id\":\"acme.test\",\"version\":\"1.0.0\"}"
#define NODES "\"nodes\":[{\"name\":\"n\"}]"
#define MINIMAL "{\"abi\":1," PKG "," NODES "}"
#define ALLCAPS                                                                                                   \
    "{\"abi\":1," PKG ",\"capabilities\":{\"http\":{\"hosts\":[\"a.com\"],\"methods\":[\"GET\"]},"               \
    "\"storage\":[\"read\",\"write\",\"list\",\"delete\"],\"variables\":[\"read\",\"write\"],"                    \
    "\"secrets\":[\"K\"],\"stream\":true,\"wasi\":true}," NODES "}"

/* The parts of a test module beyond its imports. */
enum {
    NO_MEMORY = 1 << 0,
    NO_ALLOC = 1 << 1,
    NO_RUN = 1 << 2,
    WITH_INIT = 1 << 3,
};

/* A module with the given imports (then the ABI's exports unless flags say
 * otherwise) and manifest; the caller adds imports through tw_import_*
 * before calling this. */
static uint8_t *finish_abi(tw_module *m, const char *manifest, unsigned flags, size_t *len) {
    if (!(flags & NO_MEMORY)) tw_export(m, "memory", 2, tw_memory(m, 0));
    if (!(flags & NO_ALLOC)) tw_export(m, "weir_alloc", 0, tw_func(m, "i:i"));
    if (!(flags & NO_RUN)) tw_export(m, "weir_run", 0, tw_func(m, "iii:i"));
    if (flags & WITH_INIT) tw_export(m, "_initialize", 0, tw_func(m, ":"));
    if (manifest) tw_set_manifest(m, manifest);
    return tw_finish(m, len);
}

/* Open a module; returns the code, frees everything. */
static sbx_code open_code(uint8_t *bytes, size_t len) {
    wasm_info w;
    sbx_manifest *m = (sbx_manifest *)1;
    sbx_code rc = sbx_package_open(bytes, len, NULL, &w, &m, err, sizeof err);
    if (rc == SBX_OK) {
        assert_non_null(m);
        assert_non_null(w.manifest);
    } else {
        assert_null(m);
        assert_null(w.imports);
        assert_null(w.exports);
        assert_null(w.manifest);
        assert_true(err[0] != '\0');
    }
    sbx_manifest_free(m);
    wasm_info_free(&w);
    free(bytes);
    return rc;
}

/* A module importing one function, with a manifest; its code. */
static sbx_code one_import(const char *mod, const char *name, const char *sig, const char *manifest) {
    tw_module m = {0};
    tw_import_func(&m, mod, name, sig);
    size_t len;
    uint8_t *b = finish_abi(&m, manifest, 0, &len);
    return open_code(b, len);
}

/* the last message contains needle (NULL: anything) */
static bool has(const char *needle) { return !needle || strstr(err, needle); }

#define expect_code(expr, want, needle)                                                                          \
    do {                                                                                                         \
        const char *needle_ = (needle);                                                                          \
        sbx_code rc_ = (expr);                                                                                   \
        if (rc_ != (want) || !has(needle_))                                                                      \
            fail_msg("%s: got %s \"%s\", want %s \"%s\"", #expr, sbx_code_name(rc_), rc_ ? err : "",           \
                     sbx_code_name(want), needle_ ? needle_ : "");                                               \
    } while (0)

static char *mk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *mk(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) abort();
    va_end(ap);
    return s;
}

/* a manifest with these capabilities */
static char *caps(const char *c) { return mk("{\"abi\":1," PKG ",\"capabilities\":%s," NODES "}", c); }

/* ---- a good package ------------------------------------------------------ */

static void test_good_package(void **state) {
    (void)state;
    tw_module m = {0};
    tw_import_func(&m, "weir", "log", "iii:");
    tw_import_func(&m, "weir", "set_output", "iiii:i");
    size_t len;
    uint8_t *b = finish_abi(&m, MINIMAL, WITH_INIT, &len);
    wasm_info w;
    sbx_manifest *man;
    sbx_code rc = sbx_package_open(b, len, NULL, &w, &man, err, sizeof err);
    if (rc) fail_msg("%s: %s", sbx_code_name(rc), err);
    assert_string_equal(man->id, "acme.test");
    assert_int_equal(w.nimports, 2);
    /* checking again gives the same answer */
    assert_int_equal(sbx_check_module(man, &w, err, sizeof err), SBX_OK);
    assert_int_equal(sbx_check_grants(man, 0, err, sizeof err), SBX_OK);
    sbx_manifest_free(man);
    wasm_info_free(&w);
    free(b);
}

static void test_clang_package(void **state) {
    (void)state;
    wasm_info w;
    sbx_manifest *m;
    sbx_code rc = sbx_package_open(tw_clang_module, sizeof tw_clang_module, NULL, &w, &m, err, sizeof err);
    if (rc) fail_msg("%s: %s", sbx_code_name(rc), err);
    assert_string_equal(m->id, "acme.text");
    assert_int_equal(m->nnodes, 1);
    assert_string_equal(m->nodes[0].name, "acme_reverse");
    assert_int_equal(m->caps, 0);
    assert_int_equal(sbx_check_grants(m, 0, err, sizeof err), SBX_OK);
    sbx_manifest_free(m);
    wasm_info_free(&w);
}

/* ---- imports: always available ----------------------------------------------- */

static void test_always_available(void **state) {
    (void)state;
    size_t n;
    const sbx_host_import *tab = sbx_weir_imports(&n);
    assert_int_equal(n, 18);
    int always = 0;
    for (size_t i = 0; i < n; i++) {
        if (tab[i].cap) continue;
        always++;
        expect_code(one_import("weir", tab[i].name, tab[i].sig, MINIMAL), SBX_OK, NULL);
    }
    assert_int_equal(always, 9);
    /* all of them at once */
    tw_module m = {0};
    for (size_t i = 0; i < n; i++)
        if (!tab[i].cap) tw_import_func(&m, "weir", tab[i].name, tab[i].sig);
    size_t len;
    uint8_t *b = finish_abi(&m, MINIMAL, 0, &len);
    expect_code(open_code(b, len), SBX_OK, NULL);
}

/* the ABI's table, spelled out: a typo in checks.c must not go unnoticed */
static void test_weir_table(void **state) {
    (void)state;
    struct {
        const char *name, *sig;
        unsigned cap, ops;
    } want[] = {
        {"log", "iii:", 0, 0},
        {"set_output", "iiii:i", 0, 0},
        {"activate", "ii:i", 0, 0},
        {"fail", "ii:", 0, 0},
        {"buf_len", "i:i", 0, 0},
        {"buf_read", "iii:i", 0, 0},
        {"buf_drop", "i:", 0, 0},
        {"now_ms", ":I", 0, 0},
        {"random_fill", "ii:i", 0, 0},
        {"http_request", "ii:i", SBX_CAP_HTTP, 0},
        {"storage_read", "ii:i", SBX_CAP_STORAGE, SBX_STORAGE_READ},
        {"storage_write", "iiii:i", SBX_CAP_STORAGE, SBX_STORAGE_WRITE},
        {"storage_list", "ii:i", SBX_CAP_STORAGE, SBX_STORAGE_LIST},
        {"storage_delete", "ii:i", SBX_CAP_STORAGE, SBX_STORAGE_DELETE},
        {"var_get", "ii:i", SBX_CAP_VARIABLES, SBX_VARIABLES_READ},
        {"var_set", "iiii:i", SBX_CAP_VARIABLES, SBX_VARIABLES_WRITE},
        {"secret_get", "ii:i", SBX_CAP_SECRETS, 0},
        {"emit", "ii:i", SBX_CAP_STREAM, 0},
    };
    size_t n;
    const sbx_host_import *tab = sbx_weir_imports(&n);
    assert_int_equal(n, sizeof want / sizeof *want);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(tab[i].name, want[i].name);
        assert_string_equal(tab[i].sig, want[i].sig);
        assert_int_equal(tab[i].cap, want[i].cap);
        assert_int_equal(tab[i].ops, want[i].ops);
    }
    const sbx_host_import *wasi = sbx_wasi_imports(&n);
    assert_int_equal(n, 46);
    for (size_t i = 0; i < n; i++) assert_int_equal(wasi[i].cap, SBX_CAP_WASI);
}

/* ---- imports: capability-gated --------------------------------------------- */

static void test_gated(void **state) {
    (void)state;
    struct {
        const char *name, *sig, *without, *with, *needle;
    } rows[] = {
        {"http_request", "ii:i", "{}", "{\"http\":{\"hosts\":[\"a.com\"],\"methods\":[\"GET\"]}}", "\"http\" capability"},
        {"storage_read", "ii:i", "{\"storage\":[\"write\",\"list\",\"delete\"]}", "{\"storage\":[\"read\"]}",
         "\"storage\": [\"read\"]"},
        {"storage_write", "iiii:i", "{\"storage\":[\"read\",\"list\",\"delete\"]}", "{\"storage\":[\"write\"]}",
         "\"storage\": [\"write\"]"},
        {"storage_list", "ii:i", "{\"storage\":[\"read\",\"write\",\"delete\"]}", "{\"storage\":[\"list\"]}",
         "\"storage\": [\"list\"]"},
        {"storage_delete", "ii:i", "{\"storage\":[\"read\",\"write\",\"list\"]}", "{\"storage\":[\"delete\"]}",
         "\"storage\": [\"delete\"]"},
        {"storage_read", "ii:i", "{\"storage\":[]}", "{\"storage\":[\"read\",\"write\"]}", "\"storage\" capability"},
        {"var_get", "ii:i", "{\"variables\":[\"write\"]}", "{\"variables\":[\"read\"]}", "\"variables\": [\"read\"]"},
        {"var_set", "iiii:i", "{\"variables\":[\"read\"]}", "{\"variables\":[\"write\"]}", "\"variables\": [\"write\"]"},
        {"var_get", "ii:i", "{\"variables\":[]}", "{\"variables\":[\"read\",\"write\"]}", "\"variables\" capability"},
        {"secret_get", "ii:i", "{\"secrets\":[]}", "{\"secrets\":[\"K\"]}", "\"secrets\" capability"},
        {"secret_get", "ii:i", "{}", "{\"secrets\":[\"A\",\"B\"]}", "\"secrets\" capability"},
        {"emit", "ii:i", "{\"stream\":false}", "{\"stream\":true}", "\"stream\" capability"},
        {"emit", "ii:i", "{}", "{\"stream\":true}", NULL},
        /* another capability does not help */
        {"http_request", "ii:i", "{\"storage\":[\"read\"],\"stream\":true,\"wasi\":true,\"secrets\":[\"K\"]}",
         "{\"http\":{\"hosts\":[\"*.a.com\"],\"methods\":[\"POST\"]}}", "http"},
        {"emit", "ii:i", "{\"wasi\":true,\"variables\":[\"read\",\"write\"]}", "{\"stream\":true}", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *without = caps(rows[i].without), *with = caps(rows[i].with);
        sbx_code rc = one_import("weir", rows[i].name, rows[i].sig, without);
        if (rc != SBX_UNDECLARED_IMPORT || (rows[i].needle && !strstr(err, rows[i].needle)))
            fail_msg("row %zu %s without: %s \"%s\"", i, rows[i].name, sbx_code_name(rc), err);
        rc = one_import("weir", rows[i].name, rows[i].sig, with);
        if (rc != SBX_OK) fail_msg("row %zu %s with: %s \"%s\"", i, rows[i].name, sbx_code_name(rc), err);
        /* with every capability */
        expect_code(one_import("weir", rows[i].name, rows[i].sig, ALLCAPS), SBX_OK, NULL);
        free(without);
        free(with);
    }
    /* the minimal manifest allows no gated import at all */
    size_t n;
    const sbx_host_import *tab = sbx_weir_imports(&n);
    for (size_t i = 0; i < n; i++)
        if (tab[i].cap) expect_code(one_import("weir", tab[i].name, tab[i].sig, MINIMAL), SBX_UNDECLARED_IMPORT, NULL);
}

/* ---- imports: undeclared ------------------------------------------------------ */

static void test_unknown_and_foreign(void **state) {
    (void)state;
    expect_code(one_import("weir", "exec", "ii:i", ALLCAPS), SBX_UNDECLARED_IMPORT, "\"weir.exec\": the host has no such function");
    expect_code(one_import("weir", "Log", "iii:", ALLCAPS), SBX_UNDECLARED_IMPORT, NULL);
    expect_code(one_import("weir", "log ", "iii:", ALLCAPS), SBX_UNDECLARED_IMPORT, NULL);
    expect_code(one_import("weir", "", "iii:", ALLCAPS), SBX_UNDECLARED_IMPORT, NULL);
    expect_code(one_import("weir", "weir_run", "iii:i", ALLCAPS), SBX_UNDECLARED_IMPORT, NULL);
    expect_code(one_import("Weir", "log", "iii:", ALLCAPS), SBX_UNDECLARED_IMPORT, "from module \"Weir\"");
    expect_code(one_import("env", "log", "iii:", ALLCAPS), SBX_UNDECLARED_IMPORT, "from module \"env\"");
    expect_code(one_import("", "log", "iii:", ALLCAPS), SBX_UNDECLARED_IMPORT, NULL);
    expect_code(one_import("weir ", "log", "iii:", ALLCAPS), SBX_UNDECLARED_IMPORT, NULL);
    expect_code(one_import("wasi_unstable", "fd_write", "iiii:i", ALLCAPS), SBX_UNDECLARED_IMPORT, NULL);
    expect_code(one_import("wasi_snapshot_preview2", "fd_write", "iiii:i", ALLCAPS), SBX_UNDECLARED_IMPORT, NULL);
    expect_code(one_import("wasi:cli/environment@0.2.0", "get-environment", "i:", ALLCAPS), SBX_UNDECLARED_IMPORT, NULL);

    /* names with a NUL are not the names they start with */
    tw_module m = {0};
    tw_name_n(&m.imports, "weir", 4);
    tw_name_n(&m.imports, "log\0evil", 8);
    tw_byte(&m.imports, 0);
    tw_u32(&m.imports, tw_type(&m, "iii:"));
    m.nimports = 1;
    m.nfuncs_imported = 1;
    size_t len;
    uint8_t *b = finish_abi(&m, MINIMAL, 0, &len);
    expect_code(open_code(b, len), SBX_UNDECLARED_IMPORT, "weir.log\\x00evil");
    memset(&m, 0, sizeof m);
    tw_name_n(&m.imports, "weir\0", 5);
    tw_name_n(&m.imports, "log", 3);
    tw_byte(&m.imports, 0);
    tw_u32(&m.imports, tw_type(&m, "iii:"));
    m.nimports = 1;
    m.nfuncs_imported = 1;
    b = finish_abi(&m, MINIMAL, 0, &len);
    expect_code(open_code(b, len), SBX_UNDECLARED_IMPORT, NULL);

    /* an undeclared import among good ones, anywhere in the list */
    for (int at = 0; at < 3; at++) {
        memset(&m, 0, sizeof m);
        for (int i = 0; i < 3; i++) {
            if (i == at) tw_import_func(&m, "env", "abort", ":");
            tw_import_func(&m, "weir", i == 0 ? "log" : i == 1 ? "fail" : "now_ms", i == 0 ? "iii:" : i == 1 ? "ii:" : ":I");
        }
        b = finish_abi(&m, MINIMAL, 0, &len);
        expect_code(open_code(b, len), SBX_UNDECLARED_IMPORT, "env.abort");
    }
}

static void test_non_function_imports(void **state) {
    (void)state;
    const char *mods[] = {"env", "weir", "wasi_snapshot_preview1"};
    for (size_t i = 0; i < 3; i++) {
        tw_module m = {0};
        tw_import_memory(&m, mods[i], "memory", 0);
        size_t len;
        /* the module's own memory would be memory 1: export the imported one */
        tw_export(&m, "memory", 2, 0);
        uint8_t *b = finish_abi(&m, ALLCAPS, NO_MEMORY, &len);
        expect_code(open_code(b, len), SBX_UNDECLARED_IMPORT, "is a memory");

        memset(&m, 0, sizeof m);
        tw_import_table(&m, mods[i], "table");
        b = finish_abi(&m, ALLCAPS, 0, &len);
        expect_code(open_code(b, len), SBX_UNDECLARED_IMPORT, "is a table");

        memset(&m, 0, sizeof m);
        tw_import_global(&m, mods[i], "g");
        b = finish_abi(&m, ALLCAPS, 0, &len);
        expect_code(open_code(b, len), SBX_UNDECLARED_IMPORT, "is a global");

        memset(&m, 0, sizeof m);
        tw_import_tag(&m, mods[i], "t");
        b = finish_abi(&m, ALLCAPS, 0, &len);
        expect_code(open_code(b, len), SBX_UNDECLARED_IMPORT, "is a tag");
    }
}

/* ---- WASI ------------------------------------------------------------------- */

static void test_wasi(void **state) {
    (void)state;
    char *no = caps("{\"wasi\":false}"), *yes = caps("{\"wasi\":true}");
    expect_code(one_import("wasi_snapshot_preview1", "fd_write", "iiii:i", MINIMAL), SBX_UNDECLARED_IMPORT,
                "\"wasi\": true");
    expect_code(one_import("wasi_snapshot_preview1", "fd_write", "iiii:i", no), SBX_UNDECLARED_IMPORT, NULL);
    expect_code(one_import("wasi_snapshot_preview1", "fd_write", "iiii:i", yes), SBX_OK, NULL);
    expect_code(one_import("wasi_snapshot_preview1", "nonexistent", "i:i", yes), SBX_UNDECLARED_IMPORT,
                "not a WASI preview 1 function");
    expect_code(one_import("wasi_snapshot_preview1", "fd_write", "iiI:i", yes), SBX_ABI_MISMATCH,
                "(i32, i32, i64) -> i32");
    expect_code(one_import("wasi_snapshot_preview1", "proc_exit", "i:i", yes), SBX_ABI_MISMATCH, NULL);
    /* wasi does not open the weir gated functions */
    expect_code(one_import("weir", "http_request", "ii:i", yes), SBX_UNDECLARED_IMPORT, NULL);

    /* every function of the table, with its signature, at once; then each
     * with one parameter too many */
    size_t n;
    const sbx_host_import *tab = sbx_wasi_imports(&n);
    tw_module m = {0};
    for (size_t i = 0; i < n; i++) tw_import_func(&m, "wasi_snapshot_preview1", tab[i].name, tab[i].sig);
    size_t len;
    uint8_t *b = finish_abi(&m, yes, 0, &len);
    expect_code(open_code(b, len), SBX_OK, NULL);
    b = NULL;
    for (size_t i = 0; i < n; i++) {
        char *sig = mk("i%s", tab[i].sig);
        expect_code(one_import("wasi_snapshot_preview1", tab[i].name, sig, yes), SBX_ABI_MISMATCH, tab[i].name);
        free(sig);
    }
    free(no);
    free(yes);
}

/* ---- signatures ------------------------------------------------------------- */

static void test_import_signatures(void **state) {
    (void)state;
    size_t n;
    const sbx_host_import *tab = sbx_weir_imports(&n);
    for (size_t i = 0; i < n; i++) {
        /* a parameter more, a parameter fewer, the result changed, i64 for i32 */
        const char *sig = tab[i].sig;
        const char *colon = strchr(sig, ':');
        char *variants[4];
        variants[0] = mk("i%s", sig);
        variants[1] = colon > sig ? mk("%s", sig + 1) : mk("f%s", sig);
        variants[2] = colon[1] ? mk("%.*s:", (int)(colon - sig), sig) : mk("%si", sig);
        variants[3] = mk("%s", sig);
        for (char *c = variants[3]; *c; c++)
            if (*c == 'i') {
                *c = 'I';
                break;
            } else if (*c == 'I') {
                *c = 'i';
                break;
            }
        for (int v = 0; v < 4; v++) {
            assert_string_not_equal(variants[v], sig);
            sbx_code rc = one_import("weir", tab[i].name, variants[v], ALLCAPS);
            if (rc != SBX_ABI_MISMATCH || !strstr(err, tab[i].name) || !strstr(err, "ABI 1 defines it as"))
                fail_msg("weir.%s %s: %s \"%s\"", tab[i].name, variants[v], sbx_code_name(rc), err);
            free(variants[v]);
        }
    }
    /* f32 / f64 / reference types are never right */
    expect_code(one_import("weir", "log", "ifi:", MINIMAL), SBX_ABI_MISMATCH, "(i32, f32, i32) -> ()");
    expect_code(one_import("weir", "log", "iiF:", MINIMAL), SBX_ABI_MISMATCH, NULL);
    expect_code(one_import("weir", "buf_len", "e:i", MINIMAL), SBX_ABI_MISMATCH, NULL);
    expect_code(one_import("weir", "now_ms", ":i", MINIMAL), SBX_ABI_MISMATCH, "() -> i32; ABI 1 defines it as () -> i64");
    expect_code(one_import("weir", "log", "iii:", MINIMAL), SBX_OK, NULL);
}

/* undeclared imports are reported before mistyped ones, imports before exports */
static void test_precedence(void **state) {
    (void)state;
    tw_module m = {0};
    tw_import_func(&m, "weir", "log", "i:");            /* mistyped */
    tw_import_func(&m, "weir", "http_request", "ii:i"); /* not requested */
    size_t len;
    uint8_t *b = finish_abi(&m, MINIMAL, 0, &len);
    expect_code(open_code(b, len), SBX_UNDECLARED_IMPORT, "http_request");

    memset(&m, 0, sizeof m);
    tw_import_func(&m, "env", "x", ":");
    b = finish_abi(&m, MINIMAL, NO_RUN | NO_MEMORY, &len);
    expect_code(open_code(b, len), SBX_UNDECLARED_IMPORT, NULL);

    memset(&m, 0, sizeof m);
    tw_import_func(&m, "weir", "log", "i:");
    b = finish_abi(&m, MINIMAL, NO_RUN, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, "weir.log");
}

/* ---- exports ---------------------------------------------------------------- */

static void test_required_exports(void **state) {
    (void)state;
    size_t len;
    tw_module m = {0};
    uint8_t *b = finish_abi(&m, MINIMAL, 0, &len);
    expect_code(open_code(b, len), SBX_OK, NULL);

    memset(&m, 0, sizeof m);
    b = finish_abi(&m, MINIMAL, NO_MEMORY, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, "does not export its memory as \"memory\"");
    /* a memory that is not exported */
    memset(&m, 0, sizeof m);
    tw_memory(&m, 0);
    b = finish_abi(&m, MINIMAL, NO_MEMORY, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, "memory");
    /* exported under another name */
    memset(&m, 0, sizeof m);
    tw_export(&m, "mem", 2, tw_memory(&m, 0));
    b = finish_abi(&m, MINIMAL, NO_MEMORY, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, "\"memory\"");

    memset(&m, 0, sizeof m);
    b = finish_abi(&m, MINIMAL, NO_ALLOC, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, "does not export \"weir_alloc\"");
    memset(&m, 0, sizeof m);
    b = finish_abi(&m, MINIMAL, NO_RUN, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, "does not export \"weir_run\" (a function (i32, i32, i32) -> i32)");
    memset(&m, 0, sizeof m);
    b = finish_abi(&m, MINIMAL, NO_RUN | NO_ALLOC | NO_MEMORY, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, NULL);
}

static void test_memory_export(void **state) {
    (void)state;
    size_t len;
    tw_module m = {0};
    /* "memory" is memory 1 */
    tw_memory(&m, 0);
    tw_export(&m, "memory", 2, tw_memory(&m, 0));
    uint8_t *b = finish_abi(&m, MINIMAL, NO_MEMORY, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, "is memory 1; ABI 1 needs memory 0");
    /* "memory" is a function */
    memset(&m, 0, sizeof m);
    tw_memory(&m, 0);
    tw_export(&m, "memory", 0, tw_func(&m, ":"));
    b = finish_abi(&m, MINIMAL, NO_MEMORY, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, "export \"memory\" is a func, not a memory");
    /* two memories, memory 0 exported: fine (the multi-memory proposal) */
    memset(&m, 0, sizeof m);
    tw_export(&m, "memory", 2, tw_memory(&m, 0));
    tw_export(&m, "scratch", 2, tw_memory(&m, 0));
    b = finish_abi(&m, MINIMAL, NO_MEMORY, &len);
    expect_code(open_code(b, len), SBX_OK, NULL);
    /* a memory with a maximum: fine */
    memset(&m, 0, sizeof m);
    tw_export(&m, "memory", 2, tw_memory(&m, 0x01));
    b = finish_abi(&m, MINIMAL, NO_MEMORY, &len);
    expect_code(open_code(b, len), SBX_OK, NULL);
    /* 64-bit */
    memset(&m, 0, sizeof m);
    tw_export(&m, "memory", 2, tw_memory(&m, 0x04));
    b = finish_abi(&m, MINIMAL, NO_MEMORY, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, "64-bit");
    /* shared */
    memset(&m, 0, sizeof m);
    tw_export(&m, "memory", 2, tw_memory(&m, 0x03));
    b = finish_abi(&m, MINIMAL, NO_MEMORY, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, "shared");
}

static void test_function_exports(void **state) {
    (void)state;
    struct {
        const char *alloc, *run, *init;
        sbx_code want;
        const char *needle;
    } rows[] = {
        {"i:i", "iii:i", NULL, SBX_OK, NULL},
        {"i:i", "iii:i", ":", SBX_OK, NULL},
        {"i:I", "iii:i", NULL, SBX_ABI_MISMATCH, "export \"weir_alloc\" has type (i32) -> i64; ABI 1 needs (i32) -> i32"},
        {"I:i", "iii:i", NULL, SBX_ABI_MISMATCH, "weir_alloc"},
        {":i", "iii:i", NULL, SBX_ABI_MISMATCH, "weir_alloc"},
        {"i:", "iii:i", NULL, SBX_ABI_MISMATCH, "weir_alloc"},
        {"ii:i", "iii:i", NULL, SBX_ABI_MISMATCH, "weir_alloc"},
        {"i:ii", "iii:i", NULL, SBX_ABI_MISMATCH, "(i32) -> (i32, i32)"},
        {"i:i", "ii:i", NULL, SBX_ABI_MISMATCH, "weir_run"},
        {"i:i", "iiii:i", NULL, SBX_ABI_MISMATCH, "weir_run"},
        {"i:i", "iii:", NULL, SBX_ABI_MISMATCH, "weir_run"},
        {"i:i", "iii:I", NULL, SBX_ABI_MISMATCH, "weir_run"},
        {"i:i", "iIi:i", NULL, SBX_ABI_MISMATCH, "weir_run"},
        {"i:i", "fff:f", NULL, SBX_ABI_MISMATCH, "weir_run"},
        {"i:i", "iii:i", "i:", SBX_ABI_MISMATCH, "export \"_initialize\" has type (i32) -> (); ABI 1 needs () -> ()"},
        {"i:i", "iii:i", ":i", SBX_ABI_MISMATCH, "_initialize"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        tw_module m = {0};
        tw_export(&m, "weir_alloc", 0, tw_func(&m, rows[i].alloc));
        tw_export(&m, "weir_run", 0, tw_func(&m, rows[i].run));
        if (rows[i].init) tw_export(&m, "_initialize", 0, tw_func(&m, rows[i].init));
        size_t len;
        uint8_t *b = finish_abi(&m, MINIMAL, NO_ALLOC | NO_RUN, &len);
        sbx_code rc = open_code(b, len);
        if (rc != rows[i].want || (rows[i].needle && !strstr(err, rows[i].needle)))
            fail_msg("row %zu: %s \"%s\"", i, sbx_code_name(rc), err);
    }
    /* exported as something else than a function */
    const char *names[] = {"weir_alloc", "weir_run", "_initialize"};
    for (int k = 0; k < 3; k++) {
        tw_module m = {0};
        tw_export(&m, "memory", 2, tw_memory(&m, 0));
        for (int j = 0; j < 3; j++) {
            if (j == k) {
                tw_export(&m, names[j], 2, 0); /* the memory */
            } else if (j < 2) {
                tw_export(&m, names[j], 0, tw_func(&m, j == 0 ? "i:i" : "iii:i"));
            }
        }
        size_t len;
        uint8_t *b = finish_abi(&m, MINIMAL, NO_MEMORY | NO_ALLOC | NO_RUN, &len);
        expect_code(open_code(b, len), SBX_ABI_MISMATCH, "is a memory; ABI 1 needs a function");
    }
}

/* exports are resolved in the function index space, imports first */
static void test_export_index_space(void **state) {
    (void)state;
    /* weir_alloc re-exports the imported weir.buf_len, which has (i32) -> i32 */
    tw_module m = {0};
    uint32_t f = tw_import_func(&m, "weir", "buf_len", "i:i");
    tw_import_func(&m, "weir", "log", "iii:");
    tw_export(&m, "weir_alloc", 0, f);
    size_t len;
    uint8_t *b = finish_abi(&m, MINIMAL, NO_ALLOC, &len);
    expect_code(open_code(b, len), SBX_OK, NULL);
    /* weir_run pointing at the import weir.log (wrong type) */
    memset(&m, 0, sizeof m);
    tw_import_func(&m, "weir", "buf_len", "i:i");
    f = tw_import_func(&m, "weir", "log", "iii:");
    tw_export(&m, "weir_run", 0, f);
    b = finish_abi(&m, MINIMAL, NO_RUN, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, "export \"weir_run\" has type (i32, i32, i32) -> ()");
    /* after two imports, defined function 0 is index 2 */
    memset(&m, 0, sizeof m);
    tw_import_func(&m, "weir", "log", "iii:");
    tw_import_func(&m, "weir", "fail", "ii:");
    assert_int_equal(tw_func(&m, "i:i"), 2);
    tw_export(&m, "weir_alloc", 0, 2);
    b = finish_abi(&m, MINIMAL, NO_ALLOC, &len);
    expect_code(open_code(b, len), SBX_OK, NULL);
}

/* ---- grants ----------------------------------------------------------------- */

static sbx_manifest *parse(const char *json) {
    sbx_manifest *m;
    sbx_code rc = sbx_manifest_parse(json, strlen(json), NULL, &m, err, sizeof err);
    if (rc) fail_msg("%s", err);
    return m;
}

static void test_grants(void **state) {
    (void)state;
    sbx_manifest *m = parse(ALLCAPS);
    assert_int_equal(m->caps, SBX_CAP_ALL);
    assert_int_equal(sbx_grant_all(m), SBX_CAP_ALL);
    assert_int_equal(sbx_check_grants(m, SBX_CAP_ALL, err, sizeof err), SBX_OK);
    assert_int_equal(sbx_check_grants(m, sbx_grant_all(m), err, sizeof err), SBX_OK);
    assert_int_equal(sbx_check_grants(m, 0, err, sizeof err), SBX_CAPABILITY_DENIED);
    assert_non_null(strstr(err, "not granted: http,storage,variables,secrets,stream,wasi"));
    assert_non_null(strstr(err, "acme.test"));
    /* each capability missing alone */
    for (unsigned bit = 1; bit <= SBX_CAP_WASI; bit <<= 1) {
        assert_int_equal(sbx_check_grants(m, SBX_CAP_ALL & ~bit, err, sizeof err), SBX_CAPABILITY_DENIED);
        char want[64];
        snprintf(want, sizeof want, "not granted: %s", sbx_cap_name(bit));
        assert_non_null(strstr(err, want));
    }
    sbx_manifest_free(m);

    /* requested: http and storage */
    char *s = caps("{\"http\":{\"hosts\":[\"a.com\"],\"methods\":[\"GET\"]},\"storage\":[\"read\"],\"wasi\":false}");
    m = parse(s);
    free(s);
    assert_int_equal(sbx_grant_all(m), SBX_CAP_HTTP | SBX_CAP_STORAGE);
    struct {
        unsigned granted;
        sbx_code want;
    } rows[] = {
        {0, SBX_CAPABILITY_DENIED},
        {SBX_CAP_HTTP, SBX_CAPABILITY_DENIED},
        {SBX_CAP_STORAGE, SBX_CAPABILITY_DENIED},
        {SBX_CAP_HTTP | SBX_CAP_STORAGE, SBX_OK},
        {SBX_CAP_ALL, SBX_OK},                           /* extra grants are ignored */
        {SBX_CAP_WASI | SBX_CAP_SECRETS, SBX_CAPABILITY_DENIED},
        {SBX_CAP_HTTP | SBX_CAP_STORAGE | 0xffff00u, SBX_OK},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        sbx_code rc = sbx_check_grants(m, rows[i].granted, err, sizeof err);
        if (rc != rows[i].want) fail_msg("granted 0x%x: %s", rows[i].granted, sbx_code_name(rc));
    }
    assert_int_equal(sbx_check_grants(m, SBX_CAP_HTTP, err, sizeof err), SBX_CAPABILITY_DENIED);
    assert_non_null(strstr(err, "not granted: storage"));
    assert_null(strstr(err, "http"));
    /* grants given as on the command line */
    unsigned g;
    assert_int_equal(sbx_caps_parse("storage,http", &g, err, sizeof err), 0);
    assert_int_equal(sbx_check_grants(m, g, err, sizeof err), SBX_OK);
    assert_int_equal(sbx_check_grants(m, g, NULL, 0), SBX_OK);
    assert_int_equal(sbx_check_grants(m, 0, NULL, 0), SBX_CAPABILITY_DENIED);
    sbx_manifest_free(m);

    /* nothing requested: nothing to grant; empty lists request nothing */
    s = caps("{\"storage\":[],\"variables\":[],\"secrets\":[],\"stream\":false,\"wasi\":false}");
    m = parse(s);
    free(s);
    assert_int_equal(sbx_grant_all(m), 0);
    assert_int_equal(sbx_check_grants(m, 0, err, sizeof err), SBX_OK);
    sbx_manifest_free(m);
    assert_int_equal(sbx_grant_all(NULL), 0);
}

/* ---- sbx_package_open: the order of the checks ------------------------------- */

static void test_open_order(void **state) {
    (void)state;
    size_t len;
    tw_module m = {0};
    uint8_t *b;

    /* too large for the policy: invalid_module, before reading */
    m = (tw_module){0};
    b = finish_abi(&m, MINIMAL, 0, &len);
    sbx_policy pol = sbx_policy_default();
    pol.module_bytes = len - 1;
    wasm_info w;
    sbx_manifest *man = (sbx_manifest *)1;
    assert_int_equal(sbx_package_open(b, len, &pol, &w, &man, err, sizeof err), SBX_INVALID_MODULE);
    assert_null(man);
    assert_non_null(strstr(err, "at most"));
    pol.module_bytes = len;
    assert_int_equal(sbx_package_open(b, len, &pol, &w, &man, err, sizeof err), SBX_OK);
    sbx_manifest_free(man);
    wasm_info_free(&w);
    free(b);
    /* the default: 64 MiB (the length alone decides; nothing is read) */
    static const uint8_t tiny[8] = {0};
    assert_int_equal(sbx_package_open(tiny, (size_t)64 * 1024 * 1024 + 1, NULL, &w, &man, err, sizeof err),
                     SBX_INVALID_MODULE);

    /* not a module */
    expect_code(open_code(tw_exact((const uint8_t *)"{\"abi\":1}", 9), 9), SBX_INVALID_MODULE, NULL);
    /* no manifest */
    m = (tw_module){0};
    b = finish_abi(&m, NULL, 0, &len);
    expect_code(open_code(b, len), SBX_INVALID_MANIFEST, "no weir.manifest");
    /* two manifests */
    m = (tw_module){0};
    b = finish_abi(&m, MINIMAL, 0, &len);
    tw_buf twice = {0};
    tw_put(&twice, b, len);
    tw_custom(&twice, "weir.manifest", MINIMAL, strlen(MINIMAL));
    free(b);
    expect_code(open_code(tw_exact(twice.b, twice.len), twice.len), SBX_INVALID_MANIFEST, "weir.manifest sections");
    tw_free(&twice);
    /* manifest not JSON; schema-invalid; empty */
    const char *bad[] = {"", "not json", "{\"abi\":1}", "{\"abi\":1," PKG ",\"nodes\":[]}"};
    for (size_t i = 0; i < 4; i++) {
        m = (tw_module){0};
        b = finish_abi(&m, bad[i], 0, &len);
        expect_code(open_code(b, len), SBX_INVALID_MANIFEST, NULL);
    }
    /* abi 2 */
    m = (tw_module){0};
    b = finish_abi(&m, "{\"abi\":2," PKG "," NODES "}", 0, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, "ABI 2");
    /* the manifest is judged before imports and exports */
    m = (tw_module){0};
    tw_import_func(&m, "env", "x", ":");
    b = finish_abi(&m, "{\"abi\":1}", NO_RUN, &len);
    expect_code(open_code(b, len), SBX_INVALID_MANIFEST, NULL);
    m = (tw_module){0};
    tw_import_func(&m, "env", "x", ":");
    b = finish_abi(&m, "{\"abi\":3}", NO_RUN, &len);
    expect_code(open_code(b, len), SBX_ABI_MISMATCH, NULL);
    /* a malformed module with a bad manifest: invalid_module */
    m = (tw_module){0};
    b = finish_abi(&m, "nope", 0, &len);
    tw_buf broken = {0};
    tw_put(&broken, b, len);
    tw_byte(&broken, 0x01); /* a second type section, out of order */
    tw_byte(&broken, 0x00);
    free(b);
    expect_code(open_code(tw_exact(broken.b, broken.len), broken.len), SBX_INVALID_MODULE, NULL);
    tw_free(&broken);
}

/* sbx_sig_matches, directly */
static void test_sig_matches(void **state) {
    (void)state;
    uint8_t v[] = {WASM_VT_I32, WASM_VT_I32, WASM_VT_I64};
    wasm_functype t = {2, 1, v, v + 2};
    assert_true(sbx_sig_matches("ii:I", &t));
    assert_false(sbx_sig_matches("ii:i", &t));
    assert_false(sbx_sig_matches("ii:", &t));
    assert_false(sbx_sig_matches("i:I", &t));
    assert_false(sbx_sig_matches("iii:I", &t));
    assert_false(sbx_sig_matches("iiI", &t)); /* no colon */
    assert_false(sbx_sig_matches("ii:I", NULL));
    wasm_functype e = {0, 0, v, v};
    assert_true(sbx_sig_matches(":", &e));
    assert_false(sbx_sig_matches(":i", &e));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_package),
        cmocka_unit_test(test_clang_package),
        cmocka_unit_test(test_always_available),
        cmocka_unit_test(test_weir_table),
        cmocka_unit_test(test_gated),
        cmocka_unit_test(test_unknown_and_foreign),
        cmocka_unit_test(test_non_function_imports),
        cmocka_unit_test(test_wasi),
        cmocka_unit_test(test_import_signatures),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_required_exports),
        cmocka_unit_test(test_memory_export),
        cmocka_unit_test(test_function_exports),
        cmocka_unit_test(test_export_index_space),
        cmocka_unit_test(test_grants),
        cmocka_unit_test(test_open_order),
        cmocka_unit_test(test_sig_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
