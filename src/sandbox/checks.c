/* checks.c — imports (node-abi.md §4.1), exports (§2) and grants (§4.2) of a
 * package, checked before anything is instantiated; and sbx_package_open,
 * which runs the whole load-time sequence. */
#include "sandbox/checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The ABI's host functions (§3). */
static const sbx_host_import weir_imports[] = {
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

/* WASI preview 1 (wasi_snapshot_preview1.witx), as Wasmtime provides it.
 * The signatures are the core-wasm lowering of the witx types. */
static const sbx_host_import wasi_imports[] = {
    {"args_get", "ii:i", SBX_CAP_WASI, 0},
    {"args_sizes_get", "ii:i", SBX_CAP_WASI, 0},
    {"environ_get", "ii:i", SBX_CAP_WASI, 0},
    {"environ_sizes_get", "ii:i", SBX_CAP_WASI, 0},
    {"clock_res_get", "ii:i", SBX_CAP_WASI, 0},
    {"clock_time_get", "iIi:i", SBX_CAP_WASI, 0},
    {"fd_advise", "iIIi:i", SBX_CAP_WASI, 0},
    {"fd_allocate", "iII:i", SBX_CAP_WASI, 0},
    {"fd_close", "i:i", SBX_CAP_WASI, 0},
    {"fd_datasync", "i:i", SBX_CAP_WASI, 0},
    {"fd_fdstat_get", "ii:i", SBX_CAP_WASI, 0},
    {"fd_fdstat_set_flags", "ii:i", SBX_CAP_WASI, 0},
    {"fd_fdstat_set_rights", "iII:i", SBX_CAP_WASI, 0},
    {"fd_filestat_get", "ii:i", SBX_CAP_WASI, 0},
    {"fd_filestat_set_size", "iI:i", SBX_CAP_WASI, 0},
    {"fd_filestat_set_times", "iIIi:i", SBX_CAP_WASI, 0},
    {"fd_pread", "iiiIi:i", SBX_CAP_WASI, 0},
    {"fd_prestat_get", "ii:i", SBX_CAP_WASI, 0},
    {"fd_prestat_dir_name", "iii:i", SBX_CAP_WASI, 0},
    {"fd_pwrite", "iiiIi:i", SBX_CAP_WASI, 0},
    {"fd_read", "iiii:i", SBX_CAP_WASI, 0},
    {"fd_readdir", "iiiIi:i", SBX_CAP_WASI, 0},
    {"fd_renumber", "ii:i", SBX_CAP_WASI, 0},
    {"fd_seek", "iIii:i", SBX_CAP_WASI, 0},
    {"fd_sync", "i:i", SBX_CAP_WASI, 0},
    {"fd_tell", "ii:i", SBX_CAP_WASI, 0},
    {"fd_write", "iiii:i", SBX_CAP_WASI, 0},
    {"path_create_directory", "iii:i", SBX_CAP_WASI, 0},
    {"path_filestat_get", "iiiii:i", SBX_CAP_WASI, 0},
    {"path_filestat_set_times", "iiiiIIi:i", SBX_CAP_WASI, 0},
    {"path_link", "iiiiiii:i", SBX_CAP_WASI, 0},
    {"path_open", "iiiiiIIii:i", SBX_CAP_WASI, 0},
    {"path_readlink", "iiiiii:i", SBX_CAP_WASI, 0},
    {"path_remove_directory", "iii:i", SBX_CAP_WASI, 0},
    {"path_rename", "iiiiii:i", SBX_CAP_WASI, 0},
    {"path_symlink", "iiiii:i", SBX_CAP_WASI, 0},
    {"path_unlink_file", "iii:i", SBX_CAP_WASI, 0},
    {"poll_oneoff", "iiii:i", SBX_CAP_WASI, 0},
    {"proc_exit", "i:", SBX_CAP_WASI, 0},
    {"proc_raise", "i:i", SBX_CAP_WASI, 0},
    {"sched_yield", ":i", SBX_CAP_WASI, 0},
    {"random_get", "ii:i", SBX_CAP_WASI, 0},
    {"sock_accept", "iii:i", SBX_CAP_WASI, 0},
    {"sock_recv", "iiiiii:i", SBX_CAP_WASI, 0},
    {"sock_send", "iiiii:i", SBX_CAP_WASI, 0},
    {"sock_shutdown", "ii:i", SBX_CAP_WASI, 0},
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

const sbx_host_import *sbx_weir_imports(size_t *n) {
    *n = COUNT(weir_imports);
    return weir_imports;
}

const sbx_host_import *sbx_wasi_imports(size_t *n) {
    *n = COUNT(wasi_imports);
    return wasi_imports;
}

static const sbx_host_import *find(const sbx_host_import *tab, size_t n, const wasm_str *name) {
    for (size_t i = 0; i < n; i++)
        if (wasm_str_is(name, tab[i].name)) return &tab[i];
    return NULL;
}

bool sbx_sig_matches(const char *sig, const wasm_functype *t) {
    const char *colon = strchr(sig, ':');
    if (!colon || !t) return false;
    size_t np = (size_t)(colon - sig), nr = strlen(colon + 1);
    if (t->nparams != np || t->nresults != nr) return false;
    for (size_t i = 0; i < np + nr; i++) {
        char c = i < np ? sig[i] : colon[1 + i - np];
        uint8_t v = i < np ? t->params[i] : t->results[i - np];
        if (v != (c == 'I' ? WASM_VT_I64 : WASM_VT_I32)) return false;
    }
    return true;
}

/* "(i32, i32) -> i32" for a signature string. */
static void sig_text(const char *sig, char *buf, size_t size) {
    uint8_t vals[32];
    const char *colon = strchr(sig, ':');
    size_t np = (size_t)(colon - sig), nr = strlen(colon + 1);
    for (size_t i = 0; i < np + nr && i < sizeof vals; i++) {
        char c = i < np ? sig[i] : colon[1 + i - np];
        vals[i] = c == 'I' ? WASM_VT_I64 : WASM_VT_I32;
    }
    wasm_functype t = {(uint32_t)np, (uint32_t)nr, vals, vals + np};
    wasm_functype_format(&t, buf, size);
}

static sbx_code fail(char *err, size_t errlen, sbx_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static sbx_code fail(char *err, size_t errlen, sbx_code code, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

static const char *const storage_op_names[] = {"read", "write", "list", "delete"};
static const char *const variables_op_names[] = {"read", "write"};

static const char *op_name(unsigned cap, unsigned op) {
    const char *const *names = cap == SBX_CAP_STORAGE ? storage_op_names : variables_op_names;
    size_t n = cap == SBX_CAP_STORAGE ? 4 : 2;
    for (size_t i = 0; i < n; i++)
        if (op == 1u << i) return names[i];
    return "?";
}

/* Pass 1: may the module import this at all? */
static sbx_code check_declared(const sbx_manifest *m, const wasm_import *im, char *err, size_t errlen) {
    char mod[80], name[80];
    wasm_str_printable(im->module.s, im->module.len, mod, sizeof mod);
    wasm_str_printable(im->name.s, im->name.len, name, sizeof name);
    if (im->kind != WASM_KIND_FUNC)
        return fail(err, errlen, SBX_UNDECLARED_IMPORT,
                    "import \"%s.%s\" is a %s: a package may import only host functions (it must define and "
                    "export its own memory)",
                    mod, name, wasm_kind_name(im->kind));
    const sbx_host_import *h;
    if (wasm_str_is(&im->module, "weir")) {
        h = find(weir_imports, COUNT(weir_imports), &im->name);
        if (!h) return fail(err, errlen, SBX_UNDECLARED_IMPORT, "import \"weir.%s\": the host has no such function", name);
        if (h->cap && !(m->caps & h->cap))
            return fail(err, errlen, SBX_UNDECLARED_IMPORT,
                        "import \"weir.%s\" needs the \"%s\" capability, which the manifest does not request", name,
                        sbx_cap_name(h->cap));
        if (h->ops) {
            unsigned have = h->cap == SBX_CAP_STORAGE ? m->storage_ops : m->variables_ops;
            if (!(have & h->ops))
                return fail(err, errlen, SBX_UNDECLARED_IMPORT,
                            "import \"weir.%s\" needs \"%s\": [\"%s\"], which the manifest does not request", name,
                            sbx_cap_name(h->cap), op_name(h->cap, h->ops));
        }
        return SBX_OK;
    }
    if (wasm_str_is(&im->module, "wasi_snapshot_preview1")) {
        if (!(m->caps & SBX_CAP_WASI))
            return fail(err, errlen, SBX_UNDECLARED_IMPORT,
                        "import \"wasi_snapshot_preview1.%s\": WASI imports need \"wasi\": true in the manifest", name);
        if (!find(wasi_imports, COUNT(wasi_imports), &im->name))
            return fail(err, errlen, SBX_UNDECLARED_IMPORT,
                        "import \"wasi_snapshot_preview1.%s\": not a WASI preview 1 function", name);
        return SBX_OK;
    }
    return fail(err, errlen, SBX_UNDECLARED_IMPORT,
                "import \"%s.%s\" is from module \"%s\": the host provides only \"weir\" (and "
                "\"wasi_snapshot_preview1\" with \"wasi\": true)",
                mod, name, mod);
}

/* Pass 2: does a permitted import have the ABI's type? */
static sbx_code check_signature(const wasm_info *w, const wasm_import *im, char *err, size_t errlen) {
    bool weir = wasm_str_is(&im->module, "weir");
    const sbx_host_import *h = weir ? find(weir_imports, COUNT(weir_imports), &im->name)
                                    : find(wasi_imports, COUNT(wasi_imports), &im->name);
    const wasm_functype *t = im->type < w->ntypes ? &w->types[im->type] : NULL;
    if (h && sbx_sig_matches(h->sig, t)) return SBX_OK;
    char want[128], got[128] = "?";
    if (h) sig_text(h->sig, want, sizeof want);
    if (t) wasm_functype_format(t, got, sizeof got);
    return fail(err, errlen, SBX_ABI_MISMATCH, "import \"%s.%s\" has type %s; ABI 1 defines it as %s",
                weir ? "weir" : "wasi_snapshot_preview1", h ? h->name : "?", got, h ? want : "?");
}

static sbx_code check_func_export(const wasm_info *w, const char *name, const char *sig, bool required, char *err,
                                  size_t errlen) {
    const wasm_export *ex = wasm_find_export(w, name);
    char want[64], got[128] = "?";
    sig_text(sig, want, sizeof want);
    if (!ex) {
        if (!required) return SBX_OK;
        return fail(err, errlen, SBX_ABI_MISMATCH, "the module does not export \"%s\" (a function %s)", name, want);
    }
    if (ex->kind != WASM_KIND_FUNC)
        return fail(err, errlen, SBX_ABI_MISMATCH, "export \"%s\" is a %s; ABI 1 needs a function %s", name,
                    wasm_kind_name(ex->kind), want);
    const wasm_functype *t = wasm_info_func_type(w, ex->index);
    if (!sbx_sig_matches(sig, t)) {
        if (t) wasm_functype_format(t, got, sizeof got);
        return fail(err, errlen, SBX_ABI_MISMATCH, "export \"%s\" has type %s; ABI 1 needs %s", name, got, want);
    }
    return SBX_OK;
}

sbx_code sbx_check_module(const sbx_manifest *m, const wasm_info *w, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    sbx_code rc;
    for (uint32_t i = 0; i < w->nimports; i++)
        if ((rc = check_declared(m, &w->imports[i], err, errlen))) return rc;
    for (uint32_t i = 0; i < w->nimports; i++)
        if ((rc = check_signature(w, &w->imports[i], err, errlen))) return rc;

    const wasm_export *mem = wasm_find_export(w, "memory");
    if (!mem) return fail(err, errlen, SBX_ABI_MISMATCH, "the module does not export its memory as \"memory\"");
    if (mem->kind != WASM_KIND_MEMORY)
        return fail(err, errlen, SBX_ABI_MISMATCH, "export \"memory\" is a %s, not a memory",
                    wasm_kind_name(mem->kind));
    if (mem->index != 0)
        return fail(err, errlen, SBX_ABI_MISMATCH, "export \"memory\" is memory %u; ABI 1 needs memory 0",
                    (unsigned)mem->index);
    if (w->memory0_64)
        return fail(err, errlen, SBX_ABI_MISMATCH, "memory 0 is a 64-bit memory; ABI 1 needs a 32-bit one");
    if (w->memory0_shared)
        return fail(err, errlen, SBX_ABI_MISMATCH, "memory 0 is a shared memory; ABI 1 needs an unshared one");
    if ((rc = check_func_export(w, "weir_alloc", "i:i", true, err, errlen))) return rc;
    if ((rc = check_func_export(w, "weir_run", "iii:i", true, err, errlen))) return rc;
    if ((rc = check_func_export(w, "_initialize", ":", false, err, errlen))) return rc;
    return SBX_OK;
}

sbx_code sbx_check_grants(const sbx_manifest *m, unsigned granted, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    unsigned missing = m->caps & ~granted;
    if (!missing) return SBX_OK;
    char list[96];
    sbx_caps_format(missing, list, sizeof list);
    return fail(err, errlen, SBX_CAPABILITY_DENIED,
                "package \"%s\" requests capabilities that are not granted: %s", m->id, list);
}

unsigned sbx_grant_all(const sbx_manifest *m) { return m ? m->caps : 0; }

sbx_code sbx_package_open(const uint8_t *bytes, size_t len, const sbx_policy *pol, wasm_info *w, sbx_manifest **m,
                          char *err, size_t errlen) {
    sbx_policy dpol;
    if (!pol) {
        dpol = sbx_policy_default();
        pol = &dpol;
    }
    *m = NULL;
    memset(w, 0, sizeof *w);
    if (err && errlen) err[0] = '\0';
    if (len > pol->module_bytes)
        return fail(err, errlen, SBX_INVALID_MODULE, "the module has %zu bytes (at most %llu)", len,
                    (unsigned long long)pol->module_bytes);
    sbx_code rc = wasm_read(bytes, len, w, err, errlen);
    if (rc) return rc;
    if (!w->manifest) {
        wasm_info_free(w);
        return fail(err, errlen, SBX_INVALID_MANIFEST, "the module has no weir.manifest custom section");
    }
    rc = sbx_manifest_parse(w->manifest, w->manifest_len, pol, m, err, errlen);
    if (rc == SBX_OK) rc = sbx_check_module(*m, w, err, errlen);
    if (rc) {
        sbx_manifest_free(*m);
        *m = NULL;
        wasm_info_free(w);
    }
    return rc;
}
