/* hostcalls.c — the `weir` host imports (node-abi.md §3) and the WASI set-up.
 *
 * Every pointer and length from the guest is checked against its memory
 * before use (ptr + len computed in 64 bits). A bad range returns -1, or, for
 * calls with no result, ends the invocation with bad_output. Gated calls
 * check the capability again at call time (the import check at load is the
 * first line, this the second), then the manifest's finer limits (host,
 * method, operation, secret name), then the path or address policy. */
#include "sandbox/internal.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/httpc.h"
#include "base/scoped_fs.h"
#include "base/strbuf.h"
#include "base/textfmt.h"
#include "board/typecheck.h"
#include "sandbox/checks.h"

#define SANDBOX_MAX_FAIL_MESSAGE 4096   /* bytes of a weir.fail message kept */
#define SANDBOX_MAX_NAME 256            /* pin, variable and secret names */

static sbx_call *call_of(wasmtime_caller_t *caller) {
    return wasmtime_context_get_data(wasmtime_caller_context(caller));
}

/* Guest bytes [ptr, ptr+len) or NULL when any of it lies outside memory. */
static uint8_t *guest(wasmtime_caller_t *caller, int32_t ptr, int32_t len) {
    wasmtime_extern_t item;
    if (!wasmtime_caller_export_get(caller, "memory", 6, &item) || item.kind != WASMTIME_EXTERN_MEMORY) return NULL;
    wasmtime_context_t *ctx = wasmtime_caller_context(caller);
    uint64_t p = (uint32_t)ptr, l = (uint32_t)len;
    size_t size = wasmtime_memory_data_size(ctx, &item.of.memory);
    if (p + l > size) return NULL;
    uint8_t *base = wasmtime_memory_data(ctx, &item.of.memory);
    return base + p;
}

/* A copy of guest text, with invalid UTF-8 replaced by '?' (messages only). */
static char *text_copy(const uint8_t *s, size_t len, size_t max) {
    if (len > max) len = max;
    char *out = malloc(len + 1);
    if (!out) return NULL;
    size_t i = 0, o = 0;
    while (i < len) {
        size_t n = utf8_seq_len((const char *)s + i, len - i);
        if (n == 0 || s[i] == 0) {
            out[o++] = '?';
            i++;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    return out;
}

static void ret_i32(wasmtime_val_t *results, int32_t v) {
    results[0].kind = WASMTIME_I32;
    results[0].of.i32 = v;
}

/* Answer the guest with v and leave the host call. */
#define REPLY(v)                                                                  \
    do {                                                                          \
        ret_i32(r, (v));                                                          \
        return NULL;                                                              \
    } while (0)

/* End the invocation: the host stops the guest with a trap and the call's
 * recorded code decides the result. */
static wasm_trap_t *stop(sbx_call *c, sbx_code code, const char *msg) {
    sbx_call_force(c, code, msg);
    return wasmtime_trap_new(msg, strlen(msg));
}

/* Every host call counts against the wall clock. */
#define ENTER(c)                                                                  \
    do {                                                                          \
        if (sbx_call_expired(c)) return wasmtime_trap_new("time limit", 10);      \
    } while (0)

static int32_t new_buffer(sbx_call *c, char *data, size_t len) {
    if (len > INT32_MAX) {
        free(data);
        return ABI_TOO_LARGE;
    }
    for (int i = 0; i < c->nbuffers; i++)
        if (!c->buffers[i].data) {
            c->buffers[i] = (sbx_buffer){data, len};
            return i + 1;
        }
    if (c->nbuffers == SANDBOX_MAX_BUFFERS) {
        free(data);
        return ABI_TOO_LARGE; /* the guest holds too many buffers: it must buf_drop some */
    }
    sbx_buffer *b = realloc(c->buffers, (size_t)(c->nbuffers + 1) * sizeof *b);
    if (!b) {
        free(data);
        return ABI_TOO_LARGE;
    }
    c->buffers = b;
    c->buffers[c->nbuffers++] = (sbx_buffer){data, len};
    return c->nbuffers;
}

static int32_t json_buffer(sbx_call *c, json_t *j) {
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    if (!text) return ABI_TOO_LARGE;
    return new_buffer(c, text, strlen(text));
}

static sbx_buffer *buffer_of(sbx_call *c, int32_t h) {
    if (h < 1 || h > c->nbuffers || !c->buffers[h - 1].data) return NULL;
    return &c->buffers[h - 1];
}

void sbx_call_release(sbx_call *c) {
    for (int i = 0; i < c->nbuffers; i++) free(c->buffers[i].data);
    free(c->buffers);
    c->buffers = NULL;
    c->nbuffers = 0;
    free(c->forced_msg);
    free(c->fail_msg);
    c->forced_msg = c->fail_msg = NULL;
}

static void add_log(sbx_call *c, int level, const char *text) {
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    if (level < 0 || level > 3) level = 1;
    size_t len = strlen(text);
    if (c->log_truncated) return;
    if (c->log_bytes + len > c->env->policy.log_bytes) {
        c->log_truncated = true;
        char line[160];
        snprintf(line, sizeof line, "log truncated: the node wrote more than its %llu-byte log limit; the rest was dropped",
                 (unsigned long long)c->env->policy.log_bytes);
        json_array_append_new(c->res->logs, json_pack("{s:s, s:s}", "level", "warn", "message", line));
        return;
    }
    c->log_bytes += len;
    json_array_append_new(c->res->logs, json_pack("{s:s, s:s}", "level", levels[level], "message", text));
}

/* ---- always available ---------------------------------------------------------- */

static wasm_trap_t *h_log(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                          wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    const uint8_t *p = guest(caller, a[1].of.i32, a[2].of.i32);
    if (!p) return stop(c, SBX_BAD_OUTPUT, "log: pointer or length outside guest memory");
    size_t len = (uint32_t)a[2].of.i32;
    if (c->log_truncated) return NULL;
    char *text = text_copy(p, len, c->env->policy.log_bytes + 1);
    if (text) add_log(c, a[0].of.i32, text);
    free(text);
    return NULL;
}

/* The pin of the node called name (len bytes), or NULL. */
static const sbx_pin *pin_named(const sbx_node *n, const uint8_t *name, size_t len) {
    for (size_t i = 0; i < n->npins; i++)
        if (strlen(n->pins[i].name) == len && memcmp(n->pins[i].name, name, len) == 0) return &n->pins[i];
    return NULL;
}

static wasm_trap_t *h_set_output(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                                 wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    const uint8_t *name = guest(caller, a[0].of.i32, a[1].of.i32);
    const uint8_t *js = guest(caller, a[2].of.i32, a[3].of.i32);
    if (!name || !js)
        REPLY(ABI_BAD_RANGE);
    size_t nlen = (uint32_t)a[1].of.i32, jlen = (uint32_t)a[3].of.i32;
    const sbx_pin *pin = pin_named(c->node, name, nlen);
    if (!pin || pin->dir != DIR_OUT || pin->type == PT_EXECUTION) {
        sbx_call_force(c, SBX_BAD_OUTPUT, "set_output: the node has no data output of that name");
        ret_i32(r, ABI_UNKNOWN_PIN);
        return NULL;
    }
    if (c->output_bytes + jlen > c->env->policy.output_bytes) {
        sbx_call_force(c, SBX_BAD_OUTPUT, "set_output: the outputs together exceed their size limit");
        ret_i32(r, ABI_OUTPUT_TOO_LARGE);
        return NULL;
    }
    json_error_t je;
    json_t *v = json_loadb((const char *)js, jlen, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    const char *why = "not JSON";
    if (!v || (!json_is_null(v) && !typecheck_json(v, pin->type, pin->shape, &why))) {
        char msg[200];
        snprintf(msg, sizeof msg, "set_output %s: %s", pin->name, why);
        sbx_call_force(c, SBX_BAD_OUTPUT, msg);
        json_decref(v);
        ret_i32(r, ABI_BAD_JSON);
        return NULL;
    }
    json_t *old = json_object_get(c->res->outputs, pin->name);
    if (old) {
        char *t = json_dumps(old, JSON_COMPACT | JSON_ENCODE_ANY);
        size_t olen = t ? strlen(t) : 0;
        c->output_bytes = c->output_bytes > olen ? c->output_bytes - olen : 0;
        free(t);
    }
    c->output_bytes += jlen;
    json_object_set_new(c->res->outputs, pin->name, v);
    ret_i32(r, ABI_OK);
    return NULL;
}

static wasm_trap_t *h_activate(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                               wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    const uint8_t *name = guest(caller, a[0].of.i32, a[1].of.i32);
    if (!name)
        REPLY(ABI_BAD_RANGE);
    const sbx_pin *pin = pin_named(c->node, name, (uint32_t)a[1].of.i32);
    if (!pin || pin->dir != DIR_OUT || pin->type != PT_EXECUTION)
        REPLY(ABI_UNKNOWN_PIN);
    size_t i;
    json_t *e;
    json_array_foreach(c->res->activated, i, e) {
        if (strcmp(json_string_value(e), pin->name) == 0) {
            ret_i32(r, ABI_OK);
            return NULL;
        }
    }
    json_array_append_new(c->res->activated, json_string(pin->name));
    ret_i32(r, ABI_OK);
    return NULL;
}

static wasm_trap_t *h_fail(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                           wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    const uint8_t *p = guest(caller, a[0].of.i32, a[1].of.i32);
    if (!p) return stop(c, SBX_BAD_OUTPUT, "fail: pointer or length outside guest memory");
    free(c->fail_msg);
    c->fail_msg = text_copy(p, (uint32_t)a[1].of.i32, SANDBOX_MAX_FAIL_MESSAGE);
    return NULL;
}

static wasm_trap_t *h_buf_len(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                              wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    sbx_buffer *b = buffer_of(c, a[0].of.i32);
    ret_i32(r, b ? (int32_t)b->len : ABI_BAD_RANGE);
    return NULL;
}

static wasm_trap_t *h_buf_read(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                               wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    sbx_buffer *b = buffer_of(c, a[0].of.i32);
    uint8_t *dst = guest(caller, a[1].of.i32, a[2].of.i32);
    if (!b || !dst)
        REPLY(ABI_BAD_RANGE);
    size_t n = (uint32_t)a[2].of.i32 < b->len ? (uint32_t)a[2].of.i32 : b->len;
    memcpy(dst, b->data, n);
    ret_i32(r, (int32_t)n);
    return NULL;
}

static wasm_trap_t *h_buf_drop(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                               wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    sbx_buffer *b = buffer_of(c, a[0].of.i32);
    if (b) {
        free(b->data);
        *b = (sbx_buffer){0};
    }
    return NULL;
}

static wasm_trap_t *h_now_ms(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                             wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    r[0].kind = WASMTIME_I64;
    r[0].of.i64 = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    return NULL;
}

static wasm_trap_t *h_random_fill(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                                  wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    uint8_t *dst = guest(caller, a[0].of.i32, a[1].of.i32);
    if (!dst)
        REPLY(ABI_BAD_RANGE);
    randombytes_buf(dst, (uint32_t)a[1].of.i32);
    ret_i32(r, ABI_OK);
    return NULL;
}

/* ---- gated ------------------------------------------------------------------------ */

/* The capability (and for storage/variables, operation) is granted and
 * requested; else the call is denied. */
static bool allowed(sbx_call *c, unsigned cap, unsigned op) {
    const sbx_manifest *m = c->pkg->manifest;
    if (!(m->caps & cap) || !(c->env->granted & cap)) return false;
    if (cap == SBX_CAP_STORAGE) return (m->storage_ops & op) != 0;
    if (cap == SBX_CAP_VARIABLES) return (m->variables_ops & op) != 0;
    return true;
}

static bool http_host_ok(void *ud, const char *host) {
    return sbx_manifest_host_allowed(((sbx_call *)ud)->pkg->manifest, host);
}

static bool http_method_ok(void *ud, const char *method) {
    return sbx_manifest_method_allowed(((sbx_call *)ud)->pkg->manifest, method);
}

static bool http_abort(void *ud) { return sbx_call_expired(ud); }

static char *b64(const char *data, size_t len) {
    size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(n);
    if (out) sodium_bin2base64(out, n, (const unsigned char *)data, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

static wasm_trap_t *h_http_request(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                                   wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    if (!allowed(c, SBX_CAP_HTTP, 0))
        REPLY(ABI_DENIED);
    const uint8_t *p = guest(caller, a[0].of.i32, a[1].of.i32);
    if (!p)
        REPLY(ABI_BAD_RANGE);
    json_error_t je;
    json_t *req = json_loadb((const char *)p, (uint32_t)a[1].of.i32, JSON_REJECT_DUPLICATES, &je);
    const char *method = json_string_value(json_object_get(req, "method"));
    const char *url = json_string_value(json_object_get(req, "url"));
    json_t *headers = json_object_get(req, "headers");
    json_t *body = json_object_get(req, "body"), *body64 = json_object_get(req, "body_base64");
    int32_t out = ABI_BAD_RANGE;
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    if (!req || !url || (headers && !json_is_object(headers)) || (body && !json_is_string(body)) ||
        (body64 && !json_is_string(body64)) || (body && body64))
        goto done;
    if (!method) method = "GET";
    if (!sbx_manifest_method_allowed(c->pkg->manifest, method)) {
        out = ABI_DENIED;
        goto done;
    }
    if (body64) {
        size_t cap = json_string_length(body64);
        raw = malloc(cap + 1);
        if (!raw || sodium_base642bin(raw, cap + 1, json_string_value(body64), cap, NULL, &raw_len, NULL,
                                      sodium_base64_VARIANT_ORIGINAL) != 0)
            goto done;
    }
    httpc_options opt;
    httpc_options_init(&opt);
    opt.allow_private = c->env->policy.allow_private_net;
    uint64_t now = sbx_now_ns();
    opt.timeout_ms = c->deadline_ns > now ? (unsigned)((c->deadline_ns - now) / 1000000 + 1) : 1;
    opt.max_response_bytes = c->env->policy.http_body_bytes;
    opt.host_ok = http_host_ok;
    opt.method_ok = http_method_ok;
    opt.should_abort = http_abort;
    opt.ud = c;
    httpc_request_spec spec = {.method = method, .url = url, .headers = headers};
    if (body) {
        spec.body = json_string_value(body);
        spec.body_len = json_string_length(body);
    } else if (raw) {
        spec.body = raw;
        spec.body_len = raw_len;
    }
    httpc_response resp = {0};
    char err[256];
    int rc = httpc_request(&opt, &spec, &resp, err, sizeof err);
    switch (rc) {
    case HTTPC_OK: {
        json_t *o = json_pack("{s:I, s:O}", "status", (json_int_t)resp.status, "headers", resp.headers);
        if (resp.body_is_utf8) {
            json_object_set_new(o, "body", json_stringn(resp.body ? resp.body : "", resp.body_len));
        } else {
            char *enc = b64(resp.body, resp.body_len);
            json_object_set_new(o, "body_base64", json_string(enc ? enc : ""));
            free(enc);
        }
        out = json_buffer(c, o);
        break;
    }
    case HTTPC_DENIED: out = ABI_DENIED; break;
    case HTTPC_TIMEOUT: out = ABI_TIMED_OUT; break;
    case HTTPC_ABORTED: out = ABI_TIMED_OUT; break;
    case HTTPC_TOO_LARGE: out = ABI_TOO_LARGE; break;
    case HTTPC_BAD_REQUEST: out = ABI_BAD_RANGE; break;
    default: out = ABI_NETWORK; break;
    }
    httpc_response_free(&resp);
done:
    free(raw);
    json_decref(req);
    ret_i32(r, out);
    return NULL;
}

/* Storage calls: the package's directory for this app, or denied. */
static const char *storage_root(sbx_call *c, unsigned op) {
    if (!allowed(c, SBX_CAP_STORAGE, op) || !c->env->storage_dir) return NULL;
    return c->env->storage_dir;
}

static wasm_trap_t *h_storage_read(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                                   wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    const char *root = storage_root(c, SBX_STORAGE_READ);
    const uint8_t *p = guest(caller, a[0].of.i32, a[1].of.i32);
    if (!root || !p)
        REPLY(!root ? ABI_DENIED : ABI_BAD_RANGE);
    char *data = NULL;
    size_t len = 0;
    int rc = sfs_read(root, (const char *)p, (uint32_t)a[1].of.i32, c->env->policy.storage_file_bytes, &data, &len);
    ret_i32(r, rc == SFS_OK ? new_buffer(c, data, len) : sfs_abi_code(rc));
    return NULL;
}

static wasm_trap_t *h_storage_write(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                                    wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    const char *root = storage_root(c, SBX_STORAGE_WRITE);
    const uint8_t *p = guest(caller, a[0].of.i32, a[1].of.i32);
    const uint8_t *d = guest(caller, a[2].of.i32, a[3].of.i32);
    if (!root || !p || !d)
        REPLY(!root ? ABI_DENIED : ABI_BAD_RANGE);
    int rc = sfs_write(root, (const char *)p, (uint32_t)a[1].of.i32, d, (uint32_t)a[3].of.i32,
                       c->env->policy.storage_file_bytes);
    ret_i32(r, sfs_abi_code(rc));
    return NULL;
}

static wasm_trap_t *h_storage_list(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                                   wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    const char *root = storage_root(c, SBX_STORAGE_LIST);
    const uint8_t *p = guest(caller, a[0].of.i32, a[1].of.i32);
    if (!root || !p)
        REPLY(!root ? ABI_DENIED : ABI_BAD_RANGE);
    json_t *names = NULL;
    int rc = sfs_list(root, (const char *)p, (uint32_t)a[1].of.i32, &names);
    ret_i32(r, rc == SFS_OK ? json_buffer(c, names) : sfs_abi_code(rc));
    return NULL;
}

static wasm_trap_t *h_storage_delete(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                                     wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    const char *root = storage_root(c, SBX_STORAGE_DELETE);
    const uint8_t *p = guest(caller, a[0].of.i32, a[1].of.i32);
    if (!root || !p)
        REPLY(!root ? ABI_DENIED : ABI_BAD_RANGE);
    ret_i32(r, sfs_abi_code(sfs_delete(root, (const char *)p, (uint32_t)a[1].of.i32)));
    return NULL;
}

/* A name argument: NAME_BAD_RANGE when outside memory; NAME_INVALID when it
 * holds a NUL or is too long (no such name can be listed or exist); else a
 * malloc'd C string. */
#define NAME_BAD_RANGE ((char *)-1)
#define NAME_INVALID NULL
static char *name_arg(wasmtime_caller_t *caller, int32_t ptr, int32_t len) {
    const uint8_t *p = guest(caller, ptr, len);
    if (!p) return NAME_BAD_RANGE;
    if ((uint32_t)len > SANDBOX_MAX_NAME || memchr(p, 0, (uint32_t)len)) return NAME_INVALID;
    return strndup((const char *)p, (uint32_t)len);
}

static wasm_trap_t *h_var_get(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                              wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    if (!allowed(c, SBX_CAP_VARIABLES, SBX_VARIABLES_READ))
        REPLY(ABI_DENIED);
    char *name = name_arg(caller, a[0].of.i32, a[1].of.i32);
    if (name == NAME_BAD_RANGE)
        REPLY(ABI_BAD_RANGE);
    json_t *v = name ? json_object_get(c->env->variables, name) : NULL;
    ret_i32(r, !v ? ABI_NOT_FOUND : json_buffer(c, json_incref(v)));
    free(name);
    return NULL;
}

static wasm_trap_t *h_var_set(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                              wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    if (!allowed(c, SBX_CAP_VARIABLES, SBX_VARIABLES_WRITE) || !c->env->variables)
        REPLY(ABI_DENIED);
    char *name = name_arg(caller, a[0].of.i32, a[1].of.i32);
    const uint8_t *js = guest(caller, a[2].of.i32, a[3].of.i32);
    if (name == NAME_BAD_RANGE || !js) {
        if (name != NAME_BAD_RANGE) free(name);
        ret_i32(r, ABI_BAD_RANGE);
        return NULL;
    }
    json_error_t je;
    json_t *v = name ? json_loadb((const char *)js, (uint32_t)a[3].of.i32, JSON_DECODE_ANY, &je) : NULL;
    if (!name) {
        ret_i32(r, ABI_DENIED); /* not a name a variable can have */
    } else if (!json_object_get(c->env->variables, name)) {
        json_decref(v);
        ret_i32(r, ABI_NOT_FOUND); /* variables are declared, not made by nodes */
    } else if (!v) {
        ret_i32(r, ABI_BAD_RANGE);
    } else {
        json_object_set_new(c->env->variables, name, v);
        ret_i32(r, ABI_OK);
    }
    free(name);
    return NULL;
}

static wasm_trap_t *h_secret_get(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                                 wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    char *name = name_arg(caller, a[0].of.i32, a[1].of.i32);
    if (name == NAME_BAD_RANGE)
        REPLY(ABI_BAD_RANGE);
    if (!name || !allowed(c, SBX_CAP_SECRETS, 0) || !sbx_manifest_secret_allowed(c->pkg->manifest, name)) {
        ret_i32(r, ABI_DENIED);
    } else {
        json_t *v = json_object_get(c->env->secrets, name);
        ret_i32(r, json_is_string(v) ? new_buffer(c, strdup(json_string_value(v)), json_string_length(v))
                                     : ABI_NOT_FOUND);
    }
    free(name);
    return NULL;
}

static wasm_trap_t *h_emit(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na,
                           wasmtime_val_t *r, size_t nr) {
    sbx_call *c = call_of(caller);
    ENTER(c);
    if (!allowed(c, SBX_CAP_STREAM, 0))
        REPLY(ABI_DENIED);
    const uint8_t *js = guest(caller, a[0].of.i32, a[1].of.i32);
    json_error_t je;
    json_t *v = js ? json_loadb((const char *)js, (uint32_t)a[1].of.i32, JSON_DECODE_ANY, &je) : NULL;
    if (!v)
        REPLY(ABI_BAD_RANGE);
    if (c->output_bytes + (uint32_t)a[1].of.i32 > c->env->policy.output_bytes) {
        json_decref(v);
        ret_i32(r, ABI_TOO_LARGE);
        return NULL;
    }
    c->output_bytes += (uint32_t)a[1].of.i32;
    json_array_append_new(c->res->emitted, v);
    ret_i32(r, ABI_OK);
    return NULL;
}

/* ---- registration ------------------------------------------------------------------ */

typedef struct hostfn {
    const char *name;
    wasmtime_func_callback_t fn;
} hostfn;

static const hostfn host_fns[] = {
    {"log", h_log},
    {"set_output", h_set_output},
    {"activate", h_activate},
    {"fail", h_fail},
    {"buf_len", h_buf_len},
    {"buf_read", h_buf_read},
    {"buf_drop", h_buf_drop},
    {"now_ms", h_now_ms},
    {"random_fill", h_random_fill},
    {"http_request", h_http_request},
    {"storage_read", h_storage_read},
    {"storage_write", h_storage_write},
    {"storage_list", h_storage_list},
    {"storage_delete", h_storage_delete},
    {"var_get", h_var_get},
    {"var_set", h_var_set},
    {"secret_get", h_secret_get},
    {"emit", h_emit},
};

static wasm_valtype_vec_t valtypes(const char *s, size_t n) {
    wasm_valtype_vec_t v;
    wasm_valtype_vec_new_uninitialized(&v, n);
    for (size_t i = 0; i < n; i++) v.data[i] = wasm_valtype_new(s[i] == 'I' ? WASM_I64 : WASM_I32);
    return v;
}

int sbx_define_imports(wasmtime_linker_t *linker, const char **why) {
    size_t n;
    const sbx_host_import *imports = sbx_weir_imports(&n);
    for (size_t i = 0; i < n; i++) {
        const hostfn *h = NULL;
        for (size_t k = 0; k < sizeof host_fns / sizeof *host_fns; k++)
            if (strcmp(host_fns[k].name, imports[i].name) == 0) h = &host_fns[k];
        if (!h) {
            *why = imports[i].name;
            return -1;
        }
        const char *sig = imports[i].sig, *colon = strchr(sig, ':');
        wasm_valtype_vec_t params = valtypes(sig, (size_t)(colon - sig));
        wasm_valtype_vec_t results = valtypes(colon + 1, strlen(colon + 1));
        wasm_functype_t *ty = wasm_functype_new(&params, &results);
        wasmtime_error_t *e = wasmtime_linker_define_func(linker, "weir", 4, imports[i].name, strlen(imports[i].name),
                                                          ty, h->fn, NULL, NULL);
        wasm_functype_delete(ty);
        if (e) {
            wasmtime_error_delete(e);
            *why = imports[i].name;
            return -1;
        }
    }
    return 0;
}

/* ---- WASI ----------------------------------------------------------------------------- */

static ptrdiff_t wasi_out(sbx_call *c, int level, const unsigned char *buf, size_t len) {
    char *text = text_copy(buf, len, c->env->policy.log_bytes + 1);
    if (text) {
        size_t tl = strlen(text);
        while (tl && text[tl - 1] == '\n') text[--tl] = '\0';
        if (tl) add_log(c, level, text); /* a lone newline is not a line of its own */
    }
    free(text);
    return (ptrdiff_t)len;
}

static ptrdiff_t wasi_stdout(void *ud, const unsigned char *buf, size_t len) { return wasi_out(ud, 1, buf, len); }
static ptrdiff_t wasi_stderr(void *ud, const unsigned char *buf, size_t len) { return wasi_out(ud, 3, buf, len); }

wasi_config_t *sbx_wasi_config(sbx_call *c) {
    wasi_config_t *w = wasi_config_new();
    /* nothing is inherited: no arguments, environment, stdin or network */
    wasi_config_set_stdout_custom(w, wasi_stdout, c, NULL);
    wasi_config_set_stderr_custom(w, wasi_stderr, c, NULL);
    const sbx_manifest *m = c->pkg->manifest;
    if ((m->caps & SBX_CAP_STORAGE) && (c->env->granted & SBX_CAP_STORAGE) && c->env->storage_dir) {
        if (mkdir(c->env->storage_dir, 0700) == 0 || errno == EEXIST)
            wasi_config_preopen_dir(w, c->env->storage_dir, ".", (m->storage_ops & SBX_STORAGE_WRITE) != 0);
    }
    return w;
}
