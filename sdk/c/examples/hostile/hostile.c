/*
 * hostile -- a deliberately hostile package for the sandbox security suite.
 *
 * Each node attempts one attack. The result the host must report (node-abi
 * §5) is in the comment above each node and, as a table for the suite, in
 * EXPECTED.md. Run every node with all capabilities granted (--grant-all) and
 * the host's default limits: the manifest asks for more memory, fuel and time
 * than the defaults on purpose, so the results below also check that limits
 * are clamped to the policy.
 *
 * Nodes that probe an import which must refuse (bad ranges, paths, hosts,
 * secrets, handles) record every return code in an output and succeed; such a
 * node fails with a message starting "ESCAPED:" only if a call that must be
 * refused was accepted, so `node_failed` with "ESCAPED" is a sandbox hole and
 * `ok` with the expected codes is a pass. Nodes whose attack ends the
 * invocation `bad_output` (rejected outputs) log their codes instead, as one
 * info line {"codes": {...}}, because the host drops outputs on error.
 *
 * This file uses the raw weir_host_* imports on purpose: the SDK's helpers
 * would refuse several of these calls before they reach the host.
 */
#include "weir_node.h"

#define PAGE 65536u

static volatile uint32_t g_spin;
static volatile uint32_t g_sink;
static volatile uint32_t g_never = 0xFFFFFFFFu;
static volatile uintptr_t g_bad_addr = 0xFFFFFFF0u;
static volatile int32_t g_zero = 0, g_seven = 7;

/* ---- helpers ----------------------------------------------------------- */

/* A JSON object of named return codes, plus the list of calls that got
 * through when they must not have. */
typedef struct probe {
    weir_sb codes;
    weir_sb escaped;
    int count;
} probe;

static void probe_add(probe *p, const char *key, int32_t rc, bool escaped) {
    weir_sb_putc(&p->codes, p->count ? ',' : '{');
    weir_sb_put_json_cstr(&p->codes, key);
    weir_sb_putc(&p->codes, ':');
    weir_sb_put_int(&p->codes, rc);
    p->count++;
    if (escaped) {
        weir_sb_puts(&p->escaped, p->escaped.len ? ", " : "ESCAPED: ");
        weir_sb_puts(&p->escaped, key);
        weir_sb_puts(&p->escaped, " returned ");
        weir_sb_put_int(&p->escaped, rc);
    }
}

/* Logs the codes object as one info line: {"codes": {...}}. Used where the
 * invocation ends bad_output, since the host then drops every output but
 * keeps the logs. Returns the node result: failure if anything escaped. */
static int probe_log(probe *p) {
    weir_sb line = WEIR_SB_INIT;
    weir_sb_puts(&p->codes, p->count ? "}" : "{}");
    weir_sb_puts(&line, "{\"codes\":");
    weir_sb_append(&line, p->codes.ptr, p->codes.len);
    weir_sb_putc(&line, '}');
    if (line.err || p->escaped.err) return weir_fail("out of memory");
    weir_log_n(WEIR_LOG_INFO, line.ptr, line.len);
    if (p->escaped.len) {
        weir_log_n(WEIR_LOG_ERROR, p->escaped.ptr, p->escaped.len);
        return weir_fail(p->escaped.ptr);
    }
    return WEIR_NODE_OK;
}

/* Sets output `pin` to the codes object; fails the node if anything escaped. */
static int probe_finish(probe *p, const char *pin) {
    int rc;
    weir_sb_puts(&p->codes, p->count ? "}" : "{}");
    if (p->codes.err || p->escaped.err) return weir_fail("out of memory");
    rc = weir_set_output_json(pin, p->codes.ptr, p->codes.len);
    if (p->escaped.len) return weir_fail(p->escaped.ptr);
    if (rc != WEIR_OK) return weir_fail_code("set output", rc);
    return weir_activate("exec_out") == WEIR_OK ? WEIR_NODE_OK : WEIR_NODE_FAILED;
}

static const void *addr(uint32_t a) { return (const void *)(uintptr_t)a; }
static void *waddr(uint32_t a) { return (void *)(uintptr_t)a; }

/* Grows memory in halving steps until the host refuses even one page,
 * touching every page obtained; returns the final size in pages. */
static size_t grow_until_refused(void) {
    size_t step = 256; /* 16 MiB */
    while (step > 0) {
        size_t old = __builtin_wasm_memory_grow(0, step);
        if (old == (size_t)-1) {
            step /= 2;
            continue;
        }
        for (size_t i = 0; i < step; i++) ((volatile unsigned char *)(uintptr_t)((old + i) * PAGE))[0] = 1;
    }
    return __builtin_wasm_memory_size(0);
}

/* ---- limits and traps -------------------------------------------------- */

/* 0 loop_forever -> fuel_exhausted (the manifest's fuel 1e11 is clamped to the
 * default 1e9; a host that did not clamp would end with `timeout` instead). */
static int loop_forever(const weir_input *in) {
    (void)in;
    for (;;) g_spin++;
}

/* 1 memory_bomb -> memory_limit (growth refused at the 64 MiB default, the
 * manifest's 4096 MiB clamped; then the node fails). */
static int memory_bomb(const weir_input *in) {
    (void)in;
    grow_until_refused();
    return weir_fail("memory_bomb: memory growth was refused");
}

/* 2 memory_probe -> ok, outputs.pages <= 1024 (64 MiB): being refused memory
 * is not an error by itself when the node then succeeds. */
static int memory_probe(const weir_input *in) {
    (void)in;
    size_t pages = grow_until_refused();
    if (weir_set_output_int("pages", (int64_t)pages) != WEIR_OK) return weir_fail("set output pages");
    return weir_activate("exec_out") == WEIR_OK ? WEIR_NODE_OK : WEIR_NODE_FAILED;
}

/* Recursion that uses only the wasm stack (no shadow-stack frame) and cannot
 * be turned into a loop: the volatile accesses after the call stop that. */
__attribute__((noinline)) static uint32_t recurse(uint32_t n) {
    if (n == g_never) return n;
    uint32_t r = recurse(n + 1);
    g_sink = r;
    return r + g_sink;
}

/* 3 recurse_deep -> stack_overflow (512 KiB wasm stack). */
static int recurse_deep(const weir_input *in) {
    (void)in;
    return (int)recurse(0);
}

/* 4 trap_unreachable -> trap. */
static int trap_unreachable(const weir_input *in) {
    (void)in;
    __builtin_trap();
}

/* 5 trap_oob_load -> trap (a load at 0xFFFFFFF0, far beyond memory). */
static int trap_oob_load(const weir_input *in) {
    (void)in;
    return (int)*(volatile int32_t *)g_bad_addr;
}

/* 6 trap_div_zero -> trap (i32.div_s by zero). */
static int trap_div_zero(const weir_input *in) {
    (void)in;
    return (int)(g_seven / g_zero);
}

/* ---- pointers and lengths outside memory ------------------------------- */

typedef struct range {
    const char *name;
    uint32_t ptr, len;
} range;

/* 7 bad_ranges -> ok; outputs.codes has 80 entries "<import>.<param>@<range>"
 * and every one is -1; outputs.count = 80. Ranges: straddle (the last 8 bytes
 * of memory + 56 more), past_end (1 byte just past the end), wrap (0xFFFFFFF0,
 * 32 bytes: wraps around 2^32), huge_len (16, 0xFFFFFFFF = -1 as i32),
 * high_ptr (0x80000000, 16). */
static int bad_ranges(const weir_input *in) {
    probe p = {WEIR_SB_INIT, WEIR_SB_INIT, 0};
    weir_sb key = WEIR_SB_INIT;
    static const char ok_name[] = "codes", ok_json[] = "1", ok_path[] = "hostile/ok.txt", ok_var[] = "v";
    static char big[256];
    int32_t handle;
    uint32_t mem;
    (void)in;
    /* A real handle to 256 bytes, for buf_read: every bad range below would
     * make the copy itself cross the end of memory. */
    weir_memset(big, 'B', sizeof big);
    weir_host_storage_write("hostile/big.txt", 15, big, (int32_t)sizeof big);
    handle = weir_host_storage_read("hostile/big.txt", 15);
    /* Reserve the SDK's buffers first: if they grew memory while probing,
     * "past the end" would become valid memory. */
    if (!weir_sb_reserve(&p.codes, 16384) || !weir_sb_reserve(&p.escaped, 16384) || !weir_sb_reserve(&key, 256))
        return weir_fail("out of memory");
    mem = (uint32_t)(__builtin_wasm_memory_size(0) * PAGE);
    const range r[5] = {{"straddle", mem - 8, 64}, {"past_end", mem, 1}, {"wrap", 0xFFFFFFF0u, 32},
                        {"huge_len", 16, 0xFFFFFFFFu}, {"high_ptr", 0x80000000u, 16}};
    for (int i = 0; i < 5; i++) {
        const void *bp = addr(r[i].ptr);
        void *wp = waddr(r[i].ptr);
        int32_t bl = (int32_t)r[i].len, rc;
#define PROBE(label, call, is_handle)                      \
    do {                                                   \
        rc = (call);                                       \
        if ((is_handle) && rc > 0) weir_host_buf_drop(rc); \
        key.len = 0;                                       \
        weir_sb_puts(&key, label "@");                     \
        weir_sb_puts(&key, r[i].name);                     \
        probe_add(&p, key.ptr, rc, rc >= 0);               \
    } while (0)
        PROBE("set_output.name", weir_host_set_output(bp, bl, ok_json, 1), false);
        PROBE("set_output.json", weir_host_set_output(ok_name, 5, bp, bl), false);
        PROBE("activate.name", weir_host_activate(bp, bl), false);
        PROBE("buf_read.ptr", handle > 0 ? weir_host_buf_read(handle, wp, bl) : handle, false);
        PROBE("random_fill.ptr", weir_host_random_fill(wp, bl), false);
        PROBE("http_request.req", weir_host_http_request(bp, bl), true);
        PROBE("storage_read.path", weir_host_storage_read(bp, bl), true);
        PROBE("storage_write.path", weir_host_storage_write(bp, bl, ok_json, 1), false);
        PROBE("storage_write.data", weir_host_storage_write(ok_path, sizeof ok_path - 1, bp, bl), false);
        PROBE("storage_list.prefix", weir_host_storage_list(bp, bl), true);
        PROBE("storage_delete.path", weir_host_storage_delete(bp, bl), false);
        PROBE("var_get.name", weir_host_var_get(bp, bl), true);
        PROBE("var_set.name", weir_host_var_set(bp, bl, ok_json, 1), false);
        PROBE("var_set.json", weir_host_var_set(ok_var, 1, bp, bl), false);
        PROBE("secret_get.name", weir_host_secret_get(bp, bl), true);
        PROBE("emit.json", weir_host_emit(bp, bl), false);
#undef PROBE
    }
    if (handle > 0) weir_host_buf_drop(handle);
    if (weir_set_output_int("count", p.count) != WEIR_OK) return weir_fail("set output count");
    return probe_finish(&p, "codes");
}

/* 8 bad_range_log -> bad_output (log has no result: a bad range fails the node). */
static int bad_range_log(const weir_input *in) {
    (void)in;
    weir_host_log(WEIR_LOG_INFO, addr(0xFFFFFFF0u), 32);
    weir_activate("exec_out");
    return WEIR_NODE_OK;
}

/* 9 bad_range_fail -> bad_output (not node_failed: the message itself is out of range). */
static int bad_range_fail(const weir_input *in) {
    (void)in;
    weir_host_fail(addr((uint32_t)(__builtin_wasm_memory_size(0) * PAGE) - 4), 64);
    return WEIR_NODE_FAILED;
}

/* ---- floods ------------------------------------------------------------ */

/* 10 log_spam -> ok; at most 256 KiB of log messages kept, plus one line
 * saying the rest was dropped (10 MiB were sent). */
static int log_spam(const weir_input *in) {
    static char line[1024];
    (void)in;
    weir_memset(line, 'L', sizeof line);
    for (int i = 0; i < 10 * 1024; i++) weir_host_log(WEIR_LOG_INFO, line, (int32_t)sizeof line);
    return weir_activate("exec_out") == WEIR_OK ? WEIR_NODE_OK : WEIR_NODE_FAILED;
}

/* 11 log_huge_line -> ok; the 4 MiB line is cut or dropped, at most 256 KiB kept. */
static int log_huge_line(const weir_input *in) {
    size_t n = 4u << 20;
    char *big = (char *)weir_malloc(n);
    (void)in;
    if (!big) return weir_fail("out of memory");
    weir_memset(big, 'H', n);
    weir_host_log(WEIR_LOG_WARN, big, (int32_t)n);
    return weir_activate("exec_out") == WEIR_OK ? WEIR_NODE_OK : WEIR_NODE_FAILED;
}

/* A JSON string of n 'x' characters (n + 2 bytes with the quotes). */
static char *json_blob(size_t n) {
    char *s = (char *)weir_malloc(n + 2);
    if (!s) return NULL;
    s[0] = '"';
    weir_memset(s + 1, 'x', n);
    s[n + 1] = '"';
    return s;
}

/* 12 output_huge -> bad_output: one 17 MiB value is over the 16 MiB output
 * limit; set_output returns -4 and the invocation ends bad_output (the
 * contract's "outputs rejected ... too large"). The node logs
 * {"codes":{"blob":-4}} before returning 0; outputs are dropped. */
static int output_huge(const weir_input *in) {
    probe p = {WEIR_SB_INIT, WEIR_SB_INIT, 0};
    size_t n = 17u << 20;
    char *s = json_blob(n);
    int32_t rc;
    (void)in;
    if (!s) return weir_fail("out of memory");
    rc = weir_host_set_output("blob", 4, s, (int32_t)(n + 2));
    weir_free(s);
    probe_add(&p, "blob", rc, rc == 0);
    return probe_log(&p);
}

/* 13 output_total -> bad_output: the third 6 MiB value would take the
 * outputs past 16 MiB together; the node logs
 * {"codes":{"blob_a":0,"blob_b":0,"blob_c":-4}}. */
static int output_total(const weir_input *in) {
    probe p = {WEIR_SB_INIT, WEIR_SB_INIT, 0};
    size_t n = 6u << 20;
    char *s = json_blob(n);
    int32_t rc;
    (void)in;
    if (!s) return weir_fail("out of memory");
    rc = weir_host_set_output("blob_a", 6, s, (int32_t)(n + 2));
    probe_add(&p, "blob_a", rc, false);
    rc = weir_host_set_output("blob_b", 6, s, (int32_t)(n + 2));
    probe_add(&p, "blob_b", rc, false);
    rc = weir_host_set_output("blob_c", 6, s, (int32_t)(n + 2));
    probe_add(&p, "blob_c", rc, rc == 0);
    weir_free(s);
    return probe_log(&p);
}

/* 14 output_invalid -> bad_output (the first rejected set_output, invalid
 * JSON, decides the message: "set_output text: not JSON"). Every case is
 * still tried and its code logged as {"codes":{...}}: -3 for invalid JSON and
 * wrong types, -2 for names that are not data output pins (EXPECTED.md). */
static int output_invalid(const weir_input *in) {
    probe p = {WEIR_SB_INIT, WEIR_SB_INIT, 0};
    static const struct {
        const char *key, *pin;
        size_t pin_len;
        const char *json;
        size_t json_len;
    } cases[] = {
        {"invalid_json", "text", 4, "{not json", 9},
        {"trailing_garbage", "text", 4, "\"a\" x", 5},
        {"two_values", "text", 4, "1 2", 3},
        {"empty", "text", 4, "", 0},
        {"not_utf8", "text", 4, "\"\xff\xfe\"", 4},
        {"lone_surrogate", "text", 4, "\"\\ud800\"", 8},
        {"nul_in_json", "text", 4, "\"a\0b\"", 5},
        {"string_to_integer", "count", 5, "\"seven\"", 7},
        {"float_to_integer", "count", 5, "1.5", 3},
        {"object_to_string", "text", 4, "{}", 2},
        {"unknown_pin", "no_such_pin", 11, "1", 1},
        {"input_pin", "probe", 5, "\"x\"", 3},
        {"exec_pin", "exec_out", 8, "true", 4},
        {"pin_name_with_nul", "text\0", 5, "\"x\"", 3},
        {"pin_name_prefix", "tex", 3, "\"x\"", 3},
    };
    (void)in;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t rc = weir_host_set_output(cases[i].pin, (int32_t)cases[i].pin_len, cases[i].json,
                                          (int32_t)cases[i].json_len);
        probe_add(&p, cases[i].key, rc, rc >= 0);
    }
    {   /* 100,000 levels of nesting on a generic pin */
        size_t depth = 100000;
        char *deep = (char *)weir_malloc(2 * depth);
        int32_t rc = WEIR_ERR_NOMEM;
        if (deep) {
            weir_memset(deep, '[', depth);
            weir_memset(deep + depth, ']', depth);
            rc = weir_host_set_output("any", 3, deep, (int32_t)(2 * depth));
            weir_free(deep);
        }
        probe_add(&p, "deep_nesting", rc, rc >= 0);
    }
    return probe_log(&p);
}

/* ---- storage, network, secrets ----------------------------------------- */

/* 15 storage_traversal -> ok, outputs.codes: every entry -20 (invalid path). */
static int storage_traversal(const weir_input *in) {
    probe p = {WEIR_SB_INIT, WEIR_SB_INIT, 0};
    static const struct {
        const char *key;
        const char *path;
        size_t len;
    } paths[] = {
        {"dotdot", "../x", 4},
        {"dotdot_deep", "../../../../../../etc/passwd", 28},
        {"absolute", "/etc/passwd", 11},
        {"inner_dotdot", "a/../b", 6},
        {"inner_dotdot_escape", "a/../../x", 9},
        {"dot_dotdot", "./../x", 6},
        {"backslash", "a\\b", 3},
        {"backslash_dotdot", "..\\x", 4},
        {"nul", "a\0b", 3},
        {"newline", "a\nb", 3},
        {"empty", "", 0},
        {"dot", ".", 1},
        {"dotdot_only", "..", 2},
        {"reserved_tmp", ".weir-tmp-x", 11},
        {"not_utf8", "\xff\xfe", 2},
    };
    char longname[300], deep[129 * 2 + 1];
    (void)in;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        weir_sb k = WEIR_SB_INIT;
        int32_t rc = weir_host_storage_read(paths[i].path, (int32_t)paths[i].len);
        if (rc > 0) weir_host_buf_drop(rc);
        weir_sb_puts(&k, "read:");
        weir_sb_puts(&k, paths[i].key);
        probe_add(&p, k.ptr, rc, rc > 0);
        rc = weir_host_storage_write(paths[i].path, (int32_t)paths[i].len, "pwned", 5);
        k.len = 0;
        weir_sb_puts(&k, "write:");
        weir_sb_puts(&k, paths[i].key);
        probe_add(&p, k.ptr, rc, rc == 0);
        rc = weir_host_storage_delete(paths[i].path, (int32_t)paths[i].len);
        k.len = 0;
        weir_sb_puts(&k, "delete:");
        weir_sb_puts(&k, paths[i].key);
        probe_add(&p, k.ptr, rc, rc == 0);
        weir_sb_free(&k);
    }
    weir_memset(longname, 'a', sizeof longname); /* one name of 300 bytes (limit 255) */
    {
        int32_t rc = weir_host_storage_write(longname, (int32_t)sizeof longname, "x", 1);
        probe_add(&p, "write:name_too_long", rc, rc == 0);
    }
    for (int i = 0; i < 129; i++) { /* 129 levels (limit 128) */
        deep[2 * i] = 'd';
        deep[2 * i + 1] = '/';
    }
    deep[sizeof deep - 2] = 'f';
    {
        int32_t rc = weir_host_storage_write(deep, (int32_t)(sizeof deep - 1), "x", 1);
        probe_add(&p, "write:too_deep", rc, rc == 0);
    }
    {
        int32_t rc = weir_host_storage_list("../", 3);
        if (rc > 0) weir_host_buf_drop(rc);
        probe_add(&p, "list:dotdot", rc, rc > 0);
        rc = weir_host_storage_list("/etc", 4);
        if (rc > 0) weir_host_buf_drop(rc);
        probe_add(&p, "list:absolute", rc, rc > 0);
    }
    return probe_finish(&p, "codes");
}

/* 16 http_metadata -> ok, outputs.code = -10: 169.254.169.254 is in the
 * allow-list, but metadata and link-local addresses are refused whatever the
 * list says and even with --allow-private-net. */
static int http_metadata(const weir_input *in) {
    static const char req[] = "{\"method\": \"GET\", \"url\": \"http://169.254.169.254/latest/meta-data/\"}";
    int32_t rc = weir_host_http_request(req, (int32_t)(sizeof req - 1));
    (void)in;
    if (rc > 0) weir_host_buf_drop(rc);
    if (weir_set_output_int("code", rc) != WEIR_OK) return weir_fail("set output code");
    if (rc > 0) return weir_fail("ESCAPED: the metadata service answered");
    return weir_activate("exec_out") == WEIR_OK ? WEIR_NODE_OK : WEIR_NODE_FAILED;
}

/* 17 http_not_allowed -> ok, outputs.codes: every entry -10, decided before
 * any connection (hosts, schemes and methods outside the manifest). */
static int http_not_allowed(const weir_input *in) {
    probe p = {WEIR_SB_INIT, WEIR_SB_INIT, 0};
    static const struct {
        const char *key, *method, *url;
    } reqs[] = {
        {"other_host", "GET", "http://evil.example.net/"},
        {"wildcard_apex", "GET", "https://example.org/"},
        {"suffix_trick", "GET", "https://api.example.com.evil.net/"},
        {"userinfo_trick", "GET", "https://api.example.com@evil.net/"},
        {"query_trick", "GET", "https://evil.net/?h=api.example.com"},
        {"scheme_file", "GET", "file:///etc/passwd"},
        {"scheme_ftp", "GET", "ftp://api.example.com/"},
        {"scheme_gopher", "GET", "gopher://api.example.com/"},
        {"method_delete", "DELETE", "https://api.example.com/"},
        {"method_post", "POST", "https://api.example.com/"},
        {"metadata_other_spelling", "GET", "http://[::ffff:169.254.169.254]/"},
    };
    (void)in;
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        weir_sb r = WEIR_SB_INIT;
        int32_t rc;
        weir_sb_puts(&r, "{\"method\":");
        weir_sb_put_json_cstr(&r, reqs[i].method);
        weir_sb_puts(&r, ",\"url\":");
        weir_sb_put_json_cstr(&r, reqs[i].url);
        weir_sb_putc(&r, '}');
        if (r.err) return weir_fail("out of memory");
        rc = weir_host_http_request(r.ptr, (int32_t)r.len);
        if (rc > 0) weir_host_buf_drop(rc);
        probe_add(&p, reqs[i].key, rc, rc > 0);
        weir_sb_free(&r);
    }
    return probe_finish(&p, "codes");
}

/* 18 secret_unlisted -> ok, outputs.codes: every entry -10 (only
 * "ALLOWED_SECRET" is listed; names match exactly). */
static int secret_unlisted(const weir_input *in) {
    probe p = {WEIR_SB_INIT, WEIR_SB_INIT, 0};
    static const struct {
        const char *key, *name;
        size_t len;
    } names[] = {
        {"unlisted", "AWS_SECRET_ACCESS_KEY", 21},
        {"other_case", "allowed_secret", 14},
        {"trailing_space", "ALLOWED_SECRET ", 15},
        {"trailing_nul", "ALLOWED_SECRET\0", 15},
        {"prefix", "ALLOWED_SECRE", 13},
        {"path_like", "../ALLOWED_SECRET", 17},
        {"empty", "", 0},
    };
    (void)in;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int32_t rc = weir_host_secret_get(names[i].name, (int32_t)names[i].len);
        if (rc > 0) weir_host_buf_drop(rc);
        probe_add(&p, names[i].key, rc, rc > 0);
    }
    return probe_finish(&p, "codes");
}

/* 19 fail_huge -> node_failed; the host keeps a bounded message. */
static int fail_huge(const weir_input *in) {
    size_t n = 8u << 20;
    char *msg = (char *)weir_malloc(n);
    (void)in;
    if (!msg) return weir_fail("out of memory");
    weir_memset(msg, 'F', n);
    weir_host_fail(msg, (int32_t)n);
    return WEIR_NODE_FAILED;
}

/* 20 bad_handles -> ok, outputs.codes: every entry -1 (handles never given
 * out, or used after buf_drop; dropping them again is harmless). */
static int bad_handles(const weir_input *in) {
    probe p = {WEIR_SB_INIT, WEIR_SB_INIT, 0};
    char buf[16];
    int32_t h, rc;
    (void)in;
    rc = weir_host_buf_len(0);
    probe_add(&p, "len_zero", rc, rc >= 0);
    rc = weir_host_buf_len(-1);
    probe_add(&p, "len_negative", rc, rc >= 0);
    rc = weir_host_buf_len(12345);
    probe_add(&p, "len_unknown", rc, rc >= 0);
    rc = weir_host_buf_len(0x7FFFFFFF);
    probe_add(&p, "len_max", rc, rc >= 0);
    rc = weir_host_buf_read(777, buf, (int32_t)sizeof buf);
    probe_add(&p, "read_unknown", rc, rc >= 0);
    weir_host_buf_drop(424242);
    weir_host_buf_drop(-7);
    h = weir_host_storage_list("", 0);
    if (h > 0) {
        rc = weir_host_buf_len(h + 1);
        probe_add(&p, "len_next_handle", rc, rc >= 0);
        weir_host_buf_drop(h);
        rc = weir_host_buf_len(h);
        probe_add(&p, "len_after_drop", rc, rc >= 0);
        rc = weir_host_buf_read(h, buf, (int32_t)sizeof buf);
        probe_add(&p, "read_after_drop", rc, rc >= 0);
        weir_host_buf_drop(h); /* twice */
    } else {
        probe_add(&p, "storage_list_failed", h, false);
    }
    return probe_finish(&p, "codes");
}

/* 21 activate_invalid -> ok, outputs.codes: every entry -2 (activate of a
 * name that is not an execution output pin is refused but does not end the
 * invocation); activated stays [] . */
static int activate_invalid(const weir_input *in) {
    probe p = {WEIR_SB_INIT, WEIR_SB_INIT, 0};
    static const struct {
        const char *key, *pin;
        size_t len;
    } acts[] = {{"unknown", "nope", 4},
                {"data_pin", "codes", 5},
                {"input_pin", "exec_in", 7},
                {"name_with_nul", "exec_out\0", 9},
                {"name_prefix", "exec_ou", 7},
                {"empty", "", 0}};
    (void)in;
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        int32_t rc = weir_host_activate(acts[i].pin, (int32_t)acts[i].len);
        probe_add(&p, acts[i].key, rc, rc >= 0);
    }
    /* probe_finish would activate exec_out: set the output and stop here. */
    weir_sb_puts(&p.codes, "}");
    if (p.codes.err || p.escaped.err) return weir_fail("out of memory");
    if (p.escaped.len) return weir_fail(p.escaped.ptr);
    return weir_set_output_json("codes", p.codes.ptr, p.codes.len) == WEIR_OK ? WEIR_NODE_OK
                                                                               : weir_fail("set output codes");
}

/* 22 output_unknown_pin -> bad_output ("set_output: the node has no data
 * output of that name"); set_output returned -2, logged as {"codes":{...}}. */
static int output_unknown_pin(const weir_input *in) {
    probe p = {WEIR_SB_INIT, WEIR_SB_INIT, 0};
    int32_t rc = weir_host_set_output("no_such_pin", 11, "1", 1);
    (void)in;
    probe_add(&p, "no_such_pin", rc, rc == 0);
    return probe_log(&p);
}

/* 23 output_wrong_type -> bad_output ("set_output count: ..."); a string for
 * an integer pin, set_output returned -3, logged as {"codes":{...}}. */
static int output_wrong_type(const weir_input *in) {
    probe p = {WEIR_SB_INIT, WEIR_SB_INIT, 0};
    int32_t rc = weir_host_set_output("count", 5, "\"seven\"", 7);
    (void)in;
    probe_add(&p, "count", rc, rc == 0);
    return probe_log(&p);
}

/* The order of the manifest's "nodes". */
WEIR_NODES(loop_forever, memory_bomb, memory_probe, recurse_deep, trap_unreachable, trap_oob_load,
           trap_div_zero, bad_ranges, bad_range_log, bad_range_fail, log_spam, log_huge_line, output_huge,
           output_total, output_invalid, storage_traversal, http_metadata, http_not_allowed,
           secret_unlisted, fail_huge, bad_handles, activate_invalid, output_unknown_pin,
           output_wrong_type);
