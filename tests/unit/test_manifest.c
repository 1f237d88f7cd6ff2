/* test_manifest.c — the weir.manifest parser (node-abi.md §1): the ABI's
 * example, abi handling, JSON strictness, unknown keys, package ids,
 * every capability and its syntax, limits and their clamping, nodes and
 * pins with their defaults, the limits at their edges, capability names
 * for --grant, and host pattern matching. */
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "sandbox/manifest.h"

static char err[512];

static const char *const EXAMPLE =
    "{\n"
    "  \"abi\": 1,\n"
    "  \"package\": {\"id\": \"acme.text\", \"version\": \"1.2.0\", \"description\": \"Text tools\", \"license\": \"MIT\"},\n"
    "  \"capabilities\": {\n"
    "    \"http\":      {\"hosts\": [\"api.example.com\", \"*.example.org\"], \"methods\": [\"GET\", \"POST\"]},\n"
    "    \"storage\":   [\"read\", \"write\", \"list\", \"delete\"],\n"
    "    \"variables\": [\"read\", \"write\"],\n"
    "    \"secrets\":   [\"OPENAI_API_KEY\"],\n"
    "    \"stream\":    true,\n"
    "    \"wasi\":      false\n"
    "  },\n"
    "  \"limits\": {\"memory_mb\": 32, \"fuel\": 200000000, \"timeout_ms\": 5000},\n"
    "  \"nodes\": [\n"
    "    {\"name\": \"acme_reverse\", \"friendly_name\": \"Reverse text\", \"category\": \"Text\",\n"
    "     \"description\": \"Reverses a string\",\n"
    "     \"pins\": [\n"
    "       {\"name\": \"exec_in\",  \"direction\": \"in\",  \"type\": \"execution\"},\n"
    "       {\"name\": \"text\",     \"direction\": \"in\",  \"type\": \"string\", \"default\": \"\"},\n"
    "       {\"name\": \"exec_out\", \"direction\": \"out\", \"type\": \"execution\"},\n"
    "       {\"name\": \"reversed\", \"direction\": \"out\", \"type\": \"string\"}\n"
    "     ]}\n"
    "  ]\n"
    "}\n";

#define PKG "\"package\":{\"id\":\"acme.text\",\"version\":\"1.0.0\"}"
#define NODE "\"nodes\":[{\"name\":\"n\"}]"

static char *mk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *mk(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) abort();
    va_end(ap);
    return s;
}

static sbx_code parse_pol(const char *json, const sbx_policy *pol, sbx_manifest **m) {
    return sbx_manifest_parse(json, strlen(json), pol, m, err, sizeof err);
}

/* parse; must succeed */
static sbx_manifest *ok_(const char *json, const char *file, int line) {
    sbx_manifest *m;
    sbx_code rc = parse_pol(json, NULL, &m);
    if (rc != SBX_OK) {
        print_error("%s:%d: %s: %s\nmanifest: %s\n", file, line, sbx_code_name(rc), err, json);
        fail();
    }
    assert_non_null(m);
    return m;
}
#define ok(json) ok_(json, __FILE__, __LINE__)

/* parse; return the code (manifest freed) */
static sbx_code code(const char *json) {
    sbx_manifest *m = (sbx_manifest *)1;
    sbx_code rc = parse_pol(json, NULL, &m);
    if (rc != SBX_OK) assert_null(m);
    sbx_manifest_free(m);
    return rc;
}

/* the code of json (malloc'd, freed), with the message checked when needle */
static void expect_(char *json, sbx_code want, const char *needle, const char *file, int line) {
    sbx_code rc = code(json);
    if (rc != want || (needle && !strstr(err, needle))) {
        print_error("%s:%d: got %s \"%s\", want %s \"%s\"\nmanifest: %s\n", file, line, sbx_code_name(rc),
                    rc ? err : "", sbx_code_name(want), needle ? needle : "", json);
        free(json);
        fail();
    }
    free(json);
}
#define expect(json, want, needle) expect_(json, want, needle, __FILE__, __LINE__)
#define invalid(json, needle) expect(json, SBX_INVALID_MANIFEST, needle)
#define valid(json) expect(json, SBX_OK, NULL)

/* manifests with one part replaced by a printf-formatted text */
static char *vmk(const char *fmt, va_list ap) {
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) abort();
    return s;
}
#define WITH(fn, outer)                                                                            \
    static char *fn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));                   \
    static char *fn(const char *fmt, ...) {                                                        \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        char *part = vmk(fmt, ap);                                                                 \
        va_end(ap);                                                                                \
        char *s = mk(outer, part);                                                                 \
        free(part);                                                                                \
        return s;                                                                                  \
    }
WITH(with_caps, "{\"abi\":1," PKG ",\"capabilities\":%s," NODE "}")
WITH(with_limits, "{\"abi\":1," PKG ",\"limits\":%s," NODE "}")
WITH(with_package, "{\"abi\":1,\"package\":%s," NODE "}")
WITH(with_nodes, "{\"abi\":1," PKG ",\"nodes\":%s}")
WITH(with_pins, "{\"abi\":1," PKG ",\"nodes\":[{\"name\":\"n\",\"pins\":%s}]}")
WITH(with_pin, "{\"abi\":1," PKG ",\"nodes\":[{\"name\":\"n\",\"pins\":[%s]}]}")

/* ---- the example ------------------------------------------------------ */

static void test_example(void **state) {
    (void)state;
    sbx_manifest *m = ok(EXAMPLE);
    assert_string_equal(m->json, EXAMPLE);
    assert_int_equal(m->json_len, strlen(EXAMPLE));
    assert_non_null(m->root);
    assert_string_equal(m->id, "acme.text");
    assert_string_equal(m->version, "1.2.0");
    assert_string_equal(m->description, "Text tools");
    assert_string_equal(m->license, "MIT");
    assert_int_equal(m->caps, SBX_CAP_HTTP | SBX_CAP_STORAGE | SBX_CAP_VARIABLES | SBX_CAP_SECRETS | SBX_CAP_STREAM);
    assert_int_equal(m->storage_ops, SBX_STORAGE_READ | SBX_STORAGE_WRITE | SBX_STORAGE_LIST | SBX_STORAGE_DELETE);
    assert_int_equal(m->variables_ops, SBX_VARIABLES_READ | SBX_VARIABLES_WRITE);
    assert_int_equal(m->nhosts, 2);
    assert_string_equal(m->hosts[0], "api.example.com");
    assert_string_equal(m->hosts[1], "*.example.org");
    assert_int_equal(m->nmethods, 2);
    assert_string_equal(m->methods[1], "POST");
    assert_int_equal(m->nsecrets, 1);
    assert_string_equal(m->secrets[0], "OPENAI_API_KEY");
    assert_int_equal(m->requested.memory_mb, 32);
    assert_int_equal(m->requested.fuel, 200000000);
    assert_int_equal(m->requested.timeout_ms, 5000);
    assert_int_equal(m->limits.memory_bytes, 32u * 1024 * 1024);
    assert_int_equal(m->limits.fuel, 200000000);
    assert_int_equal(m->limits.timeout_ms, 5000);
    assert_int_equal(m->nnodes, 1);
    const sbx_node *n = &m->nodes[0];
    assert_string_equal(n->name, "acme_reverse");
    assert_string_equal(n->friendly_name, "Reverse text");
    assert_string_equal(n->category, "Text");
    assert_string_equal(n->description, "Reverses a string");
    assert_false(n->pure);
    assert_int_equal(n->npins, 4);
    assert_string_equal(n->pins[0].name, "exec_in");
    assert_int_equal(n->pins[0].dir, DIR_IN);
    assert_int_equal(n->pins[0].type, PT_EXECUTION);
    assert_null(n->pins[0].dflt);
    assert_int_equal(n->pins[1].type, PT_STRING);
    assert_int_equal(n->pins[1].shape, VS_NORMAL);
    assert_non_null(n->pins[1].dflt);
    assert_string_equal(json_string_value(n->pins[1].dflt), "");
    assert_int_equal(n->pins[3].dir, DIR_OUT);
    assert_int_equal(sbx_manifest_node_index(m, "acme_reverse"), 0);
    assert_int_equal(sbx_manifest_node_index(m, "acme"), -1);
    assert_int_equal(sbx_manifest_node_index(m, NULL), -1);
    assert_ptr_equal(sbx_node_pin(n, "reversed"), &n->pins[3]);
    assert_null(sbx_node_pin(n, "missing"));
    assert_true(sbx_manifest_host_allowed(m, "api.example.com"));
    assert_true(sbx_manifest_host_allowed(m, "cdn.example.org"));
    assert_false(sbx_manifest_host_allowed(m, "example.org"));
    assert_false(sbx_manifest_host_allowed(m, "example.com"));
    assert_true(sbx_manifest_method_allowed(m, "GET"));
    assert_false(sbx_manifest_method_allowed(m, "get"));
    assert_false(sbx_manifest_method_allowed(m, "DELETE"));
    assert_true(sbx_manifest_secret_allowed(m, "OPENAI_API_KEY"));
    assert_false(sbx_manifest_secret_allowed(m, "openai_api_key"));
    sbx_manifest_free(m);
    sbx_manifest_free(NULL);
}

static void test_minimal(void **state) {
    (void)state;
    sbx_manifest *m = ok("{\"abi\":1," PKG "," NODE "}");
    assert_int_equal(m->caps, 0);
    assert_string_equal(m->description, "");
    assert_string_equal(m->license, "");
    sbx_policy p = sbx_policy_default();
    assert_int_equal(m->limits.fuel, p.fuel);
    assert_int_equal(m->limits.memory_bytes, p.memory_bytes);
    assert_int_equal(m->limits.timeout_ms, p.timeout_ms);
    assert_int_equal(m->requested.fuel, 0);
    assert_int_equal(m->nnodes, 1);
    assert_string_equal(m->nodes[0].friendly_name, "n"); /* defaults to the name */
    assert_string_equal(m->nodes[0].category, "");
    assert_string_equal(m->nodes[0].description, "");
    assert_int_equal(m->nodes[0].npins, 0);
    assert_true(m->nodes[0].pure);
    assert_false(sbx_manifest_host_allowed(m, "example.com"));
    assert_false(sbx_manifest_method_allowed(m, "GET"));
    assert_false(sbx_manifest_secret_allowed(m, "X"));
    sbx_manifest_free(m);
    /* key order does not matter; whitespace neither */
    valid(mk(" \n\t{" NODE ", " PKG ", \"abi\" : 1 }\n "));
}

static void test_policy_defaults(void **state) {
    (void)state;
    sbx_policy p = sbx_policy_default();
    assert_int_equal(p.fuel, 1000000000ull);
    assert_int_equal(p.memory_bytes, 64u * 1024 * 1024);
    assert_int_equal(p.timeout_ms, 30000);
    assert_int_equal(p.stack_bytes, 512u * 1024);
    assert_int_equal(p.input_bytes, 16u * 1024 * 1024);
    assert_int_equal(p.output_bytes, 16u * 1024 * 1024);
    assert_int_equal(p.log_bytes, 256u * 1024);
    assert_int_equal(p.http_body_bytes, 16u * 1024 * 1024);
    assert_int_equal(p.storage_file_bytes, 64u * 1024 * 1024);
    assert_int_equal(p.module_bytes, 64u * 1024 * 1024);
    assert_false(p.allow_private_net);
}

/* ---- abi ----------------------------------------------------------------- */

static void test_abi(void **state) {
    (void)state;
    expect(mk("{\"abi\":2," PKG "," NODE "}"), SBX_ABI_MISMATCH, "ABI 2");
    expect(mk("{\"abi\":0," PKG "," NODE "}"), SBX_ABI_MISMATCH, NULL);
    expect(mk("{\"abi\":-1," PKG "," NODE "}"), SBX_ABI_MISMATCH, NULL);
    expect(mk("{\"abi\":\"1\"," PKG "," NODE "}"), SBX_ABI_MISMATCH, "integer 1");
    expect(mk("{\"abi\":1.0," PKG "," NODE "}"), SBX_ABI_MISMATCH, NULL);
    expect(mk("{\"abi\":1.5," PKG "," NODE "}"), SBX_ABI_MISMATCH, NULL);
    expect(mk("{\"abi\":null," PKG "," NODE "}"), SBX_ABI_MISMATCH, NULL);
    expect(mk("{\"abi\":true," PKG "," NODE "}"), SBX_ABI_MISMATCH, NULL);
    expect(mk("{\"abi\":[1]," PKG "," NODE "}"), SBX_ABI_MISMATCH, NULL);
    /* another ABI's manifest may have another shape: abi is checked first */
    expect(mk("{\"abi\":2,\"components\":[]}"), SBX_ABI_MISMATCH, NULL);
    expect(mk("{\"abi\":2}"), SBX_ABI_MISMATCH, NULL);
    /* missing: the manifest is not valid */
    invalid(mk("{" PKG "," NODE "}"), "abi: missing");
}

/* ---- JSON ------------------------------------------------------------------ */

static void test_not_json(void **state) {
    (void)state;
    const char *bad[] = {
        "", " ", "{", "}", "[]", "null", "1", "\"abi\"", "{\"abi\":1,}", "{'abi':1}",
        "{\"abi\":1} {}", "{\"abi\":1} x", "\xef\xbb\xbf{\"abi\":1}", "{\"abi\":1 /* c */}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sbx_manifest *m = (sbx_manifest *)1;
        assert_int_equal(parse_pol(bad[i], NULL, &m), SBX_INVALID_MANIFEST);
        assert_null(m);
        assert_true(err[0] != '\0');
    }
    sbx_manifest *m;
    assert_int_equal(sbx_manifest_parse(NULL, 0, NULL, &m, err, sizeof err), SBX_INVALID_MANIFEST);
    assert_null(m);
    /* invalid UTF-8 */
    char *s = mk("{\"abi\":1,\"package\":{\"id\":\"a\",\"version\":\"1\",\"description\":\"\xc3\x28\"}," NODE "}");
    invalid(s, "not valid JSON");
    /* raw NUL in the text, and \u0000 in a string */
    const char nul[] = "{\"abi\":1,\0" PKG "," NODE "}";
    assert_int_equal(sbx_manifest_parse(nul, sizeof nul - 1, NULL, &m, err, sizeof err), SBX_INVALID_MANIFEST);
    invalid(mk("{\"abi\":1,\"package\":{\"id\":\"a\",\"version\":\"1\\u0000\"}," NODE "}"), NULL);
    /* a trailing NUL, as a C string copied with its terminator */
    const char *good = "{\"abi\":1," PKG "," NODE "}";
    assert_int_equal(sbx_manifest_parse(good, strlen(good) + 1, NULL, &m, err, sizeof err), SBX_INVALID_MANIFEST);
    /* only len bytes are read: no terminator needed */
    char *buf = malloc(strlen(good));
    memcpy(buf, good, strlen(good));
    assert_int_equal(sbx_manifest_parse(buf, strlen(good), NULL, &m, err, sizeof err), SBX_OK);
    sbx_manifest_free(m);
    free(buf);
    /* the message has the position */
    assert_int_equal(code("{\"abi\":1,\n\"package\": }"), SBX_INVALID_MANIFEST);
    assert_non_null(strstr(err, "line 2"));
}

static void test_duplicate_keys(void **state) {
    (void)state;
    invalid(mk("{\"abi\":1,\"abi\":1," PKG "," NODE "}"), NULL);
    /* a second capabilities object could hide the first from a reader */
    invalid(mk("{\"abi\":1," PKG ",\"capabilities\":{},\"capabilities\":{\"wasi\":true}," NODE "}"), NULL);
    invalid(with_caps("{\"wasi\":false,\"wasi\":true}"), NULL);
    invalid(with_pin("{\"name\":\"a\",\"name\":\"b\",\"direction\":\"in\",\"type\":\"string\"}"), NULL);
}

static void test_not_object(void **state) {
    (void)state;
    invalid(mk("[{\"abi\":1}]"), "must be a JSON object");
}

/* ---- size --------------------------------------------------------------- */

static void test_size_limit(void **state) {
    (void)state;
    const char *good = "{\"abi\":1," PKG "," NODE "}";
    size_t max = SANDBOX_MAX_MANIFEST_BYTES, gl = strlen(good);
    char *big = malloc(max + 2);
    memset(big, ' ', max + 1);
    memcpy(big, good, gl);
    sbx_manifest *m;
    assert_int_equal(sbx_manifest_parse(big, max, NULL, &m, err, sizeof err), SBX_OK);
    assert_int_equal(m->json_len, max);
    sbx_manifest_free(m);
    assert_int_equal(sbx_manifest_parse(big, max + 1, NULL, &m, err, sizeof err), SBX_INVALID_MANIFEST);
    assert_non_null(strstr(err, "at most"));
    assert_null(m);
    free(big);
}

/* ---- unknown keys ------------------------------------------------------------ */

static void test_unknown_keys(void **state) {
    (void)state;
    /* refused where a typo could drop a restriction */
    invalid(mk("{\"abi\":1," PKG ",\"capability\":{}," NODE "}"), "manifest: unknown key \"capability\"");
    invalid(mk("{\"abi\":1," PKG ",\"limit\":{\"fuel\":1}," NODE "}"), "unknown key \"limit\"");
    invalid(mk("{\"abi\":1," PKG "," NODE ",\"x-extra\":1}"), "unknown key");
    invalid(with_caps("{\"htttp\":{\"hosts\":[\"a.com\"],\"methods\":[\"GET\"]}}"),
            "capabilities: unknown key \"htttp\"");
    invalid(with_caps("{\"network\":true}"), "unknown key");
    invalid(with_caps("{\"http\":{\"hosts\":[\"a.com\"],\"methods\":[\"GET\"],\"ports\":[80]}}"),
            "capabilities.http: unknown key \"ports\"");
    invalid(with_caps("{\"http\":{\"host\":[\"a.com\"],\"methods\":[\"GET\"]}}"), "unknown key \"host\"");
    invalid(with_limits("{\"timeout\":5}"), "limits: unknown key \"timeout\"");
    invalid(with_limits("{\"memory\":5}"), NULL);
    /* a long or odd key is shown clipped and without control characters */
    char *key = malloc(300);
    memset(key, 'k', 299);
    key[299] = '\0';
    char *s = with_caps("{\"%s\\n\":1}", key); /* leaks the inner mk: tiny */
    invalid(s, "...");
    assert_null(strchr(err, '\n'));
    assert_true(strlen(err) < 150);
    free(key);
    /* allowed where they are metadata or forward-compatible hints */
    valid(mk("{\"abi\":1,\"package\":{\"id\":\"a\",\"version\":\"1\",\"homepage\":\"https://x\",\"authors\":[\"a\"]},"
             NODE "}"));
    valid(with_nodes("[{\"name\":\"n\",\"icon\":\"star\",\"color\":\"#fff\",\"docs\":{\"x\":1}}]"));
    valid(with_pin("{\"name\":\"a\",\"direction\":\"in\",\"type\":\"string\",\"placeholder\":\"…\",\"multiline\":true}"));
}

/* ---- package ----------------------------------------------------------------- */

static void test_package_id(void **state) {
    (void)state;
    const char *good[] = {"a", "0", "acme.text", "a-b_c.d", "acme..x", "a-", "x.", "9lives",
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 64 */};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        valid(with_package("{\"id\":\"%s\",\"version\":\"1\"}", good[i]));
    const char *bad[] = {"",   "A",   "Acme", ".a",  "-a",  "_a",   "a/b", "a b", "a:b", "\\u00e4",
                         "a\\u0000", "a@b", "a+b", "../x",
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 65 */};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        invalid(with_package("{\"id\":\"%s\",\"version\":\"1\"}", bad[i]), NULL);
    invalid(with_package("{\"id\":7,\"version\":\"1\"}"), "package.id");
    invalid(with_package("{\"version\":\"1\"}"), "package.id: missing");
    invalid(mk("{\"abi\":1," NODE "}"), "package: missing");
    invalid(with_package("[]"), "package: must be an object");
}

static void test_package_text(void **state) {
    (void)state;
    /* version: optional, a string when present */
    char *s = with_package("{\"id\":\"a\"}");
    sbx_manifest *m = ok(s);
    assert_string_equal(m->version, "");
    sbx_manifest_free(m);
    free(s);
    valid(with_package("{\"id\":\"a\",\"version\":\"\"}"));
    invalid(with_package("{\"id\":\"a\",\"version\":1}"), "package.version: must be a string");
    invalid(with_package("{\"id\":\"a\",\"version\":\"1\\n\"}"), "control characters");
    invalid(with_package("{\"id\":\"a\",\"version\":\"1\",\"license\":[\"MIT\"]}"), "package.license");
    invalid(with_package("{\"id\":\"a\",\"version\":\"1\",\"description\":null}"), "package.description");
    invalid(with_package("{\"id\":\"a\",\"version\":\"1\",\"description\":\"a\\u0007b\"}"), "control");
    /* a description may have several lines */
    valid(with_package("{\"id\":\"a\",\"version\":\"1\",\"description\":\"one\\ntwo\\tthree\"}"));
    /* the text limit, at the edge */
    size_t max = SANDBOX_MAX_TEXT_BYTES;
    char *t = malloc(max + 2);
    memset(t, 'x', max + 1);
    t[max] = '\0';
    valid(with_package("{\"id\":\"a\",\"version\":\"1\",\"description\":\"%s\"}", t));
    valid(with_package("{\"id\":\"a\",\"version\":\"%s\"}", t));
    t[max] = 'x';
    t[max + 1] = '\0';
    invalid(with_package("{\"id\":\"a\",\"version\":\"1\",\"description\":\"%s\"}", t), "longer than 4096");
    invalid(with_package("{\"id\":\"a\",\"version\":\"%s\"}", t), "longer than");
    free(t);
    /* multi-byte characters count in bytes */
    valid(with_package("{\"id\":\"a\",\"version\":\"1\",\"license\":\"\xc3\xa9t\xc3\xa9\"}"));
}

/* ---- capabilities ------------------------------------------------------------ */

static void test_caps_shape(void **state) {
    (void)state;
    invalid(with_caps("[]"), "capabilities: must be an object");
    invalid(with_caps("null"), "capabilities: must be an object");
    char *s = with_caps("{}");
    sbx_manifest *m = ok(s);
    assert_int_equal(m->caps, 0);
    sbx_manifest_free(m);
    free(s);
}

static void test_caps_requested(void **state) {
    (void)state;
    struct {
        const char *caps;
        unsigned want;
    } rows[] = {
        {"{\"storage\":[]}", 0},
        {"{\"storage\":[\"read\"]}", SBX_CAP_STORAGE},
        {"{\"variables\":[]}", 0},
        {"{\"variables\":[\"write\"]}", SBX_CAP_VARIABLES},
        {"{\"secrets\":[]}", 0},
        {"{\"secrets\":[\"K\"]}", SBX_CAP_SECRETS},
        {"{\"stream\":false}", 0},
        {"{\"stream\":true}", SBX_CAP_STREAM},
        {"{\"wasi\":false}", 0},
        {"{\"wasi\":true}", SBX_CAP_WASI},
        {"{\"http\":{\"hosts\":[\"a.com\"],\"methods\":[\"GET\"]}}", SBX_CAP_HTTP},
        {"{\"http\":{\"hosts\":[\"a.com\"],\"methods\":[\"GET\"]},\"wasi\":true,\"stream\":true}",
         SBX_CAP_HTTP | SBX_CAP_WASI | SBX_CAP_STREAM},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *s = with_caps("%s", rows[i].caps);
        sbx_manifest *m = ok(s);
        if (m->caps != rows[i].want) fail_msg("%s: caps 0x%x, want 0x%x", rows[i].caps, m->caps, rows[i].want);
        sbx_manifest_free(m);
        free(s);
    }
    /* operations */
    char *s = with_caps("{\"storage\":[\"list\",\"delete\"],\"variables\":[\"read\"]}");
    sbx_manifest *m = ok(s);
    assert_int_equal(m->storage_ops, SBX_STORAGE_LIST | SBX_STORAGE_DELETE);
    assert_int_equal(m->variables_ops, SBX_VARIABLES_READ);
    sbx_manifest_free(m);
    free(s);
}

static void test_caps_types(void **state) {
    (void)state;
    invalid(with_caps("{\"stream\":\"true\"}"), "capabilities.stream: must be true or false");
    invalid(with_caps("{\"wasi\":1}"), "capabilities.wasi");
    invalid(with_caps("{\"wasi\":null}"), "capabilities.wasi");
    invalid(with_caps("{\"storage\":\"read\"}"), "capabilities.storage: must be an array");
    invalid(with_caps("{\"storage\":{\"read\":true}}"), "capabilities.storage");
    invalid(with_caps("{\"storage\":[\"read\",\"execute\"]}"), "capabilities.storage[1]: \"execute\"");
    invalid(with_caps("{\"storage\":[\"READ\"]}"), NULL);
    invalid(with_caps("{\"storage\":[\"read\",\"read\"]}"), "listed twice");
    invalid(with_caps("{\"storage\":[\"read\",\"write\",\"list\",\"delete\",\"read\"]}"), NULL);
    invalid(with_caps("{\"storage\":[1]}"), "capabilities.storage[0]: must be a string");
    invalid(with_caps("{\"variables\":[\"delete\"]}"), "not a variables operation");
    invalid(with_caps("{\"variables\":[\"read\",\"read\"]}"), "twice");
    invalid(with_caps("{\"variables\":true}"), NULL);
    invalid(with_caps("{\"secrets\":\"K\"}"), "capabilities.secrets");
    invalid(with_caps("{\"secrets\":[\"K\",\"K\"]}"), "twice");
    invalid(with_caps("{\"http\":true}"), "capabilities.http: must be an object");
    /* missing or empty lists admit nothing, but http is still requested */
    const char *empty[] = {"{\"http\":{}}", "{\"http\":{\"hosts\":[\"a.com\"]}}", "{\"http\":{\"methods\":[\"GET\"]}}",
                           "{\"http\":{\"hosts\":[],\"methods\":[\"GET\"]}}", "{\"http\":{\"hosts\":[\"a.com\"],\"methods\":[]}}"};
    for (size_t i = 0; i < sizeof empty / sizeof *empty; i++) {
        char *s = with_caps("%s", empty[i]);
        sbx_manifest *m = ok(s);
        assert_int_equal(m->caps, SBX_CAP_HTTP);
        bool host = sbx_manifest_host_allowed(m, "a.com"), method = sbx_manifest_method_allowed(m, "GET");
        assert_false(host && method);
        sbx_manifest_free(m);
        free(s);
    }
    invalid(with_caps("{\"http\":{\"hosts\":[\"a.com\"],\"methods\":\"GET\"}}"), "capabilities.http.methods: must be an array");
    invalid(with_caps("{\"http\":{\"hosts\":\"a.com\",\"methods\":[\"GET\"]}}"), "must be an array");
    invalid(with_caps("{\"http\":{\"hosts\":[\"a.com\",\"a.com\"],\"methods\":[\"GET\"]}}"), "twice");
    invalid(with_caps("{\"http\":{\"hosts\":[\"a.com\"],\"methods\":[\"GET\",\"GET\"]}}"), "twice");
    invalid(with_caps("{\"http\":{\"hosts\":[null],\"methods\":[\"GET\"]}}"), "must be a string");
}

static void test_http_hosts(void **state) {
    (void)state;
    const char *good[] = {
        "api.example.com", "*.example.org", "localhost", "example", "127.0.0.1", "93.184.216.34",
        "a-b.c", "xn--bcher-kva.example", "a1.b2.c3", "0.example", "*.a.b.c.d",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com" /* 63-char label */,
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        valid(with_caps("{\"http\":{\"hosts\":[\"%s\"],\"methods\":[\"GET\"]}}", good[i]));
    struct {
        const char *host, *msg;
    } bad[] = {
        {"API.example.com", "lower-case"},
        {"Example.org", "lower-case"},
        {"https://api.example.com", "scheme"},
        {"http://a.com", "scheme"},
        {"api.example.com:443", "port"},
        {"api.example.com:", "port"},
        {"api.example.com/", "path"},
        {"api.example.com/v1", "path"},
        {"a.com?x", "path"},
        {"user@a.com", "user"},
        {"*", "'*'"},
        {"*.", NULL},
        {"*.com", "two labels"},
        {"*.localhost", "two labels"},
        {"a.*.com", "'*'"},
        {"*example.com", "'*'"},
        {"**.example.com", "'*'"},
        {"*.*.example.com", "'*'"},
        {"api.*", "'*'"},
        {"ex*ample.com", "'*'"},
        {"example.com.", "dot"},
        {"", "empty"},
        {".a.com", "empty label"},
        {"a..com", "empty label"},
        {"-a.com", "'-'"},
        {"a-.com", "'-'"},
        {"a_b.com", "character"},
        {"exa mple.com", "character"},
        {"\\u00e4.com", "character"},
        {"[::1]", NULL},
        {"::1", "port"},
        {"1.2.3", "dotted-quad"},
        {"256.1.1.1", "dotted-quad"},
        {"01.2.3.4", "dotted-quad"},
        {"1.2.3.4.5", "dotted-quad"},
        {"2130706433", "dotted-quad"},
        {"0x7f.0.0.1", "dotted-quad"},
        {"*.1.2.3.4", "IP address"},
        {"a.123", "dotted-quad"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", "63"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        invalid(with_caps("{\"http\":{\"hosts\":[\"%s\"],\"methods\":[\"GET\"]}}", bad[i].host), bad[i].msg);
    invalid(with_caps("{\"http\":{\"hosts\":[7],\"methods\":[\"GET\"]}}"), NULL);

    /* the whole-name limit, at the edge: 253 characters */
    char l63[64], h[300];
    memset(l63, 'a', 63);
    l63[63] = '\0';
    snprintf(h, sizeof h, "%s.%s.%s.%.61s", l63, l63, l63, l63);
    assert_int_equal(strlen(h), 253);
    valid(with_caps("{\"http\":{\"hosts\":[\"%s\"],\"methods\":[\"GET\"]}}", h));
    valid(with_caps("{\"http\":{\"hosts\":[\"*.%s\"],\"methods\":[\"GET\"]}}", h));
    snprintf(h, sizeof h, "%s.%s.%s.%.62s", l63, l63, l63, l63);
    assert_int_equal(strlen(h), 254);
    invalid(with_caps("{\"http\":{\"hosts\":[\"%s\"],\"methods\":[\"GET\"]}}", h), "253");
}

static void test_http_methods(void **state) {
    (void)state;
    const char *good[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "M-SEARCH", "PROPFIND",
                          "X_CUSTOM1", "ANY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /* 32 */};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        valid(with_caps("{\"http\":{\"hosts\":[\"a.com\"],\"methods\":[\"%s\"]}}", good[i]));
    const char *bad[] = {"get", "Get", "", " GET", "GET ", "G ET", "*", "1GET", "-GET", "GET/1",
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" /* 33 */};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        invalid(with_caps("{\"http\":{\"hosts\":[\"a.com\"],\"methods\":[\"%s\"]}}", bad[i]), "method token");
}

static void test_secret_names(void **state) {
    (void)state;
    const char *good[] = {"OPENAI_API_KEY", "k", "_x", "a.b-c", "9", "github-token"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        valid(with_caps("{\"secrets\":[\"%s\"]}", good[i]));
    const char *bad[] = {"", "A B", "=x", "a=b", ".a", "-a", "a/b", "\\u00e4", "a\\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        invalid(with_caps("{\"secrets\":[\"%s\"]}", bad[i]), "secret name");
    char name[SANDBOX_MAX_SECRET_NAME_BYTES + 2];
    memset(name, 'S', sizeof name);
    name[SANDBOX_MAX_SECRET_NAME_BYTES] = '\0';
    valid(with_caps("{\"secrets\":[\"%s\"]}", name));
    name[SANDBOX_MAX_SECRET_NAME_BYTES] = 'S';
    name[SANDBOX_MAX_SECRET_NAME_BYTES + 1] = '\0';
    invalid(with_caps("{\"secrets\":[\"%s\"]}", name), NULL);
}

/* a JSON array of n distinct strings made from fmt ("\"h%u.com\"") */
static char *array_of(unsigned n, const char *fmt) {
    size_t cap = 16 + (size_t)n * (strlen(fmt) + 16), o = 0;
    char *s = malloc(cap);
    s[o++] = '[';
    for (unsigned i = 0; i < n; i++) {
        if (i) s[o++] = ',';
        o += (size_t)snprintf(s + o, cap - o, fmt, i);
    }
    s[o++] = ']';
    s[o] = '\0';
    return s;
}

static void test_cap_entries_limit(void **state) {
    (void)state;
    unsigned max = SANDBOX_MAX_CAP_ENTRIES;
    char *a = array_of(max, "\"h%u.com\""), *b = array_of(max + 1, "\"h%u.com\"");
    valid(with_caps("{\"http\":{\"hosts\":%s,\"methods\":[\"GET\"]}}", a));
    invalid(with_caps("{\"http\":{\"hosts\":%s,\"methods\":[\"GET\"]}}", b), "more than 256 entries");
    free(a);
    free(b);
    a = array_of(max, "\"S%u\"");
    b = array_of(max + 1, "\"S%u\"");
    valid(with_caps("{\"secrets\":%s}", a));
    invalid(with_caps("{\"secrets\":%s}", b), "more than");
    free(a);
    free(b);
}

/* ---- limits -------------------------------------------------------------- */

static void test_limits(void **state) {
    (void)state;
    const char *bad[] = {"{\"fuel\":0}", "{\"fuel\":-1}", "{\"fuel\":1.5}", "{\"fuel\":1e3}",
                         "{\"fuel\":\"100\"}", "{\"memory_mb\":0}", "{\"memory_mb\":null}",
                         "{\"timeout_ms\":true}", "{\"timeout_ms\":-5000}", "[]", "5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) invalid(with_limits("%s", bad[i]), "limits");
    /* an integer beyond 64 bits is not JSON jansson accepts */
    invalid(with_limits("{\"fuel\":99999999999999999999999}"), NULL);

    sbx_policy p = sbx_policy_default();
    struct {
        const char *lim;
        uint64_t fuel, mem, timeout;
    } rows[] = {
        {"{}", p.fuel, p.memory_bytes, p.timeout_ms},
        {"{\"fuel\":1}", 1, p.memory_bytes, p.timeout_ms},
        {"{\"fuel\":999999999}", 999999999, p.memory_bytes, p.timeout_ms},
        {"{\"fuel\":1000000000}", p.fuel, p.memory_bytes, p.timeout_ms},
        {"{\"fuel\":2000000000}", p.fuel, p.memory_bytes, p.timeout_ms},
        {"{\"fuel\":9223372036854775807}", p.fuel, p.memory_bytes, p.timeout_ms},
        {"{\"memory_mb\":1}", p.fuel, 1u << 20, p.timeout_ms},
        {"{\"memory_mb\":63}", p.fuel, 63u << 20, p.timeout_ms},
        {"{\"memory_mb\":64}", p.fuel, 64u << 20, p.timeout_ms},
        {"{\"memory_mb\":65}", p.fuel, p.memory_bytes, p.timeout_ms},
        {"{\"memory_mb\":9223372036854775807}", p.fuel, p.memory_bytes, p.timeout_ms}, /* no overflow */
        {"{\"memory_mb\":17592186044416}", p.fuel, p.memory_bytes, p.timeout_ms},      /* 2^44: *2^20 = 2^64 */
        {"{\"timeout_ms\":1}", p.fuel, p.memory_bytes, 1},
        {"{\"timeout_ms\":30001}", p.fuel, p.memory_bytes, p.timeout_ms},
        {"{\"timeout_ms\":5000,\"fuel\":7,\"memory_mb\":2}", 7, 2u << 20, 5000},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *s = with_limits("%s", rows[i].lim);
        sbx_manifest *m = ok(s);
        if (m->limits.fuel != rows[i].fuel || m->limits.memory_bytes != rows[i].mem ||
            m->limits.timeout_ms != rows[i].timeout)
            fail_msg("%s: fuel %llu mem %llu timeout %llu", rows[i].lim, (unsigned long long)m->limits.fuel,
                     (unsigned long long)m->limits.memory_bytes, (unsigned long long)m->limits.timeout_ms);
        sbx_manifest_free(m);
        free(s);
    }
    char *s = with_limits("{\"memory_mb\":128,\"fuel\":5}");
    sbx_manifest *m = ok(s);
    assert_int_equal(m->requested.memory_mb, 128); /* kept as asked, for inspect */
    assert_int_equal(m->requested.fuel, 5);
    assert_int_equal(m->requested.timeout_ms, 0);
    sbx_manifest_free(m);
    free(s);
}

static void test_limits_custom_policy(void **state) {
    (void)state;
    sbx_policy p = sbx_policy_default();
    p.fuel = 100;
    p.memory_bytes = 3u * 1024 * 1024 + 5; /* not a whole number of MiB */
    p.timeout_ms = 10;
    char *s = with_limits("{\"fuel\":1000,\"memory_mb\":4,\"timeout_ms\":20}");
    sbx_manifest *m;
    assert_int_equal(parse_pol(s, &p, &m), SBX_OK);
    assert_int_equal(m->limits.fuel, 100);
    assert_int_equal(m->limits.memory_bytes, p.memory_bytes);
    assert_int_equal(m->limits.timeout_ms, 10);
    sbx_manifest_free(m);
    free(s);
    s = with_limits("{\"fuel\":99,\"memory_mb\":3,\"timeout_ms\":9}");
    assert_int_equal(parse_pol(s, &p, &m), SBX_OK);
    assert_int_equal(m->limits.fuel, 99);
    assert_int_equal(m->limits.memory_bytes, 3u * 1024 * 1024);
    assert_int_equal(m->limits.timeout_ms, 9);
    sbx_manifest_free(m);
    free(s);
    /* no limits: the policy's */
    s = mk("{\"abi\":1," PKG "," NODE "}");
    assert_int_equal(parse_pol(s, &p, &m), SBX_OK);
    assert_int_equal(m->limits.fuel, 100);
    assert_int_equal(m->limits.memory_bytes, p.memory_bytes);
    sbx_manifest_free(m);
    free(s);
}

/* ---- nodes ----------------------------------------------------------------- */

static void test_nodes(void **state) {
    (void)state;
    invalid(mk("{\"abi\":1," PKG "}"), "nodes: missing");
    invalid(with_nodes("[]"), "at least one node");
    invalid(with_nodes("{}"), "nodes: must be an array");
    invalid(with_nodes("[1]"), "nodes[0]: must be an object");
    invalid(with_nodes("[{}]"), "nodes[0].name: missing");
    invalid(with_nodes("[{\"name\":\"a\"},{\"name\":\"a\"}]"), "nodes[1].name: \"a\" is used by another node");
    invalid(with_nodes("[{\"name\":\"a\",\"friendly_name\":1}]"), "nodes[0].friendly_name");
    invalid(with_nodes("[{\"name\":\"a\",\"category\":{}}]"), "nodes[0].category");
    invalid(with_nodes("[{\"name\":\"a\",\"description\":false}]"), "nodes[0].description");
    invalid(with_nodes("[{\"name\":\"a\",\"pins\":{}}]"), "nodes[0].pins: must be an array");
    const char *good[] = {"a", "0", "_", "acme_reverse", "a1_b2",
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 64 */};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) valid(with_nodes("[{\"name\":\"%s\"}]", good[i]));
    const char *bad[] = {"",    "A",   "Reverse", "a-b", "a.b", "a b", "a/b", "\\u00e4", "a#1",
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 65 */};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        invalid(with_nodes("[{\"name\":\"%s\"}]", bad[i]), "[a-z0-9_]{1,64}");
    invalid(with_nodes("[{\"name\":5}]"), "nodes[0].name");

    char *s = with_nodes("[{\"name\":\"b\"},{\"name\":\"a\",\"friendly_name\":\"A\"}]");
    sbx_manifest *m = ok(s);
    assert_int_equal(m->nnodes, 2);
    assert_int_equal(sbx_manifest_node_index(m, "a"), 1);
    assert_string_equal(m->nodes[1].friendly_name, "A");
    sbx_manifest_free(m);
    free(s);
}

static void test_nodes_limit(void **state) {
    (void)state;
    unsigned max = SANDBOX_MAX_NODES;
    char *a = array_of(max, "{\"name\":\"n%u\"}"), *b = array_of(max + 1, "{\"name\":\"n%u\"}");
    char *s = with_nodes("%s", a);
    sbx_manifest *m = ok(s);
    assert_int_equal(m->nnodes, max);
    assert_int_equal(sbx_manifest_node_index(m, "n1023"), 1023);
    sbx_manifest_free(m);
    free(s);
    invalid(with_nodes("%s", b), "more than 1024 nodes");
    free(a);
    free(b);
}

/* ---- pins ------------------------------------------------------------------ */

static void test_pins(void **state) {
    (void)state;
    invalid(with_pin("1"), "nodes[0].pins[0]: must be an object");
    invalid(with_pin("{\"direction\":\"in\",\"type\":\"string\"}"), "nodes[0].pins[0].name: missing");
    invalid(with_pin("{\"name\":\"a\",\"type\":\"string\"}"), "direction: missing");
    invalid(with_pin("{\"name\":\"a\",\"direction\":\"in\"}"), "type: missing");
    invalid(with_pin("{\"name\":\"a\",\"direction\":\"input\",\"type\":\"string\"}"), "\"input\" is not");
    invalid(with_pin("{\"name\":\"a\",\"direction\":\"IN\",\"type\":\"string\"}"), "direction");
    invalid(with_pin("{\"name\":\"a\",\"direction\":1,\"type\":\"string\"}"), "direction");
    invalid(with_pin("{\"name\":\"a\",\"direction\":\"in\",\"type\":\"date\"}"), "not a package pin type");
    invalid(with_pin("{\"name\":\"a\",\"direction\":\"in\",\"type\":\"String\"}"), "not a package pin type");
    invalid(with_pin("{\"name\":\"a\",\"direction\":\"in\",\"type\":\"object\"}"), "not a package pin type");
    invalid(with_pin("{\"name\":\"a\",\"direction\":\"in\",\"type\":[\"string\"]}"), "type: must be a string");
    invalid(with_pin("{\"name\":\"a\",\"direction\":\"in\",\"type\":\"string\",\"value_type\":\"set\"}"), "value_type");
    invalid(with_pin("{\"name\":\"a\",\"direction\":\"in\",\"type\":\"string\",\"value_type\":1}"), "value_type");
    invalid(with_pin("{\"name\":\"a\",\"direction\":\"in\",\"type\":\"execution\",\"value_type\":\"array\"}"),
            "an execution pin cannot be");
    valid(with_pin("{\"name\":\"a\",\"direction\":\"in\",\"type\":\"execution\",\"value_type\":\"normal\"}"));

    const char *types[] = {"execution", "string", "integer", "float", "boolean", "struct", "bytes", "generic"};
    const pin_type want[] = {PT_EXECUTION, PT_STRING, PT_INTEGER, PT_FLOAT, PT_BOOLEAN, PT_STRUCT, PT_BYTES, PT_GENERIC};
    for (size_t i = 0; i < 8; i++) {
        char *s = with_pin("{\"name\":\"p\",\"direction\":\"out\",\"type\":\"%s\"}", types[i]);
        sbx_manifest *m = ok(s);
        assert_int_equal(m->nodes[0].pins[0].type, want[i]);
        assert_int_equal(m->nodes[0].pins[0].dir, DIR_OUT);
        assert_int_equal(m->nodes[0].pure, i != 0);
        sbx_manifest_free(m);
        free(s);
    }
    const char *shapes[] = {"array", "map", "normal"};
    const value_shape vs[] = {VS_ARRAY, VS_MAP, VS_NORMAL};
    for (size_t i = 0; i < 3; i++) {
        char *s = with_pin("{\"name\":\"p\",\"direction\":\"in\",\"type\":\"integer\",\"value_type\":\"%s\"}", shapes[i]);
        sbx_manifest *m = ok(s);
        assert_int_equal(m->nodes[0].pins[0].shape, vs[i]);
        sbx_manifest_free(m);
        free(s);
    }
}

static void test_pin_names(void **state) {
    (void)state;
    const char *good[] = {"a", "exec_in", "Text", "textIn", "_", "9",
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 64 */};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        valid(with_pin("{\"name\":\"%s\",\"direction\":\"in\",\"type\":\"string\"}", good[i]));
    const char *bad[] = {"", "a.b", "a#1", "a-b", "a b", "\\u00e4", "a\\n",
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 65 */};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        invalid(with_pin("{\"name\":\"%s\",\"direction\":\"in\",\"type\":\"string\"}", bad[i]), "name");
    /* unique per node, whatever the direction */
    invalid(with_pins("[{\"name\":\"x\",\"direction\":\"in\",\"type\":\"string\"},"
                      "{\"name\":\"x\",\"direction\":\"out\",\"type\":\"string\"}]"),
            "nodes[0].pins[1].name: \"x\" is used by another pin of node \"n\"");
    /* the same pin name in two nodes is fine */
    valid(with_nodes("[{\"name\":\"a\",\"pins\":[{\"name\":\"x\",\"direction\":\"in\",\"type\":\"string\"}]},"
                     "{\"name\":\"b\",\"pins\":[{\"name\":\"x\",\"direction\":\"in\",\"type\":\"string\"}]}]"));
}

static void test_pins_limit(void **state) {
    (void)state;
    unsigned max = SANDBOX_MAX_NODE_PINS;
    const char *fmt = "{\"name\":\"p%u\",\"direction\":\"in\",\"type\":\"string\"}";
    char *a = array_of(max, fmt), *b = array_of(max + 1, fmt);
    char *s = with_pins("%s", a);
    sbx_manifest *m = ok(s);
    assert_int_equal(m->nodes[0].npins, max);
    sbx_manifest_free(m);
    free(s);
    invalid(with_pins("%s", b), "more than 256 pins");
    free(a);
    free(b);
}

static void test_defaults(void **state) {
    (void)state;
    struct {
        const char *type, *shape, *dflt;
        bool ok;
    } rows[] = {
        {"string", NULL, "\"\"", true},
        {"string", NULL, "\"abc\"", true},
        {"string", NULL, "1", false},
        {"string", NULL, "null", false},
        {"integer", NULL, "0", true},
        {"integer", NULL, "-42", true},
        {"integer", NULL, "1.0", false},
        {"integer", NULL, "1.5", false},
        {"integer", NULL, "\"1\"", false},
        {"float", NULL, "1.5", true},
        {"float", NULL, "2", true},
        {"float", NULL, "-1e10", true},
        {"float", NULL, "true", false},
        {"boolean", NULL, "true", true},
        {"boolean", NULL, "false", true},
        {"boolean", NULL, "0", false},
        {"boolean", NULL, "\"true\"", false},
        {"struct", NULL, "{}", true},
        {"struct", NULL, "{\"a\":[1]}", true},
        {"struct", NULL, "[]", false},
        {"struct", NULL, "null", false},
        {"bytes", NULL, "\"\"", true},
        {"bytes", NULL, "\"aGVsbG8=\"", true},
        {"bytes", NULL, "\"aGVsbG8\"", false},
        {"bytes", NULL, "\"not base64!\"", false},
        {"bytes", NULL, "[104]", false},
        {"generic", NULL, "null", true},
        {"generic", NULL, "{\"x\":[1,\"a\"]}", true},
        {"generic", NULL, "3", true},
        {"integer", "array", "[]", true},
        {"integer", "array", "[1,2,3]", true},
        {"integer", "array", "[1,\"2\"]", false},
        {"integer", "array", "1", false},
        {"string", "map", "{}", true},
        {"string", "map", "{\"a\":\"x\",\"b\":\"y\"}", true},
        {"string", "map", "{\"a\":1}", false},
        {"string", "map", "[\"a\"]", false},
        {"generic", "array", "[null,1,{}]", true},
        {"generic", "array", "{}", false},
        {"generic", "map", "{\"a\":null}", true},
        {"bytes", "array", "[\"AA==\",\"\"]", true},
        {"bytes", "array", "[\"A\"]", false},
        {"struct", "map", "{\"a\":{}}", true},
        {"struct", "map", "{\"a\":[]}", false},
        {"float", "normal", "1", true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char shape[64] = "";
        if (rows[i].shape) snprintf(shape, sizeof shape, ",\"value_type\":\"%s\"", rows[i].shape);
        char *s = with_pin("{\"name\":\"p\",\"direction\":\"in\",\"type\":\"%s\"%s,\"default\":%s}", rows[i].type,
                              shape, rows[i].dflt);
        sbx_manifest *m = NULL;
        sbx_code rc = parse_pol(s, NULL, &m);
        if ((rc == SBX_OK) != rows[i].ok)
            fail_msg("%s %s default %s: %s %s", rows[i].type, rows[i].shape ? rows[i].shape : "", rows[i].dflt,
                     sbx_code_name(rc), err);
        if (rc == SBX_OK) {
            assert_non_null(m->nodes[0].pins[0].dflt);
        } else {
            assert_non_null(strstr(err, "nodes[0].pins[0].default: does not fit"));
        }
        sbx_manifest_free(m);
        free(s);
    }
    /* execution pins and outputs have no default */
    invalid(with_pin("{\"name\":\"e\",\"direction\":\"in\",\"type\":\"execution\",\"default\":null}"),
            "an execution pin has no default");
    invalid(with_pin("{\"name\":\"o\",\"direction\":\"out\",\"type\":\"string\",\"default\":\"\"}"),
            "an output pin has no default");
}

/* ---- capability names -------------------------------------------------------- */

static void test_caps_parse(void **state) {
    (void)state;
    unsigned c = 99;
    assert_int_equal(sbx_caps_parse("http,storage", &c, err, sizeof err), 0);
    assert_int_equal(c, SBX_CAP_HTTP | SBX_CAP_STORAGE);
    assert_int_equal(sbx_caps_parse("http,storage,variables,secrets,stream,wasi", &c, err, sizeof err), 0);
    assert_int_equal(c, SBX_CAP_ALL);
    assert_int_equal(sbx_caps_parse("wasi", &c, err, sizeof err), 0);
    assert_int_equal(c, SBX_CAP_WASI);
    assert_int_equal(sbx_caps_parse(" http , wasi ", &c, err, sizeof err), 0);
    assert_int_equal(c, SBX_CAP_HTTP | SBX_CAP_WASI);
    assert_int_equal(sbx_caps_parse("stream,stream", &c, err, sizeof err), 0);
    assert_int_equal(c, SBX_CAP_STREAM);
    assert_int_equal(sbx_caps_parse("", &c, err, sizeof err), 0);
    assert_int_equal(c, 0);
    assert_int_equal(sbx_caps_parse("  ", &c, err, sizeof err), 0);
    assert_int_equal(c, 0);
    const char *bad[] = {"HTTP", "Http", "foo", "http,", ",http", "http,,storage", "http storage", "http;storage",
                         "all", "*", "storage:read", " , "};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        c = 77;
        if (sbx_caps_parse(bad[i], &c, err, sizeof err) != -1) fail_msg("\"%s\" accepted", bad[i]);
        assert_int_equal(c, 77); /* untouched */
        assert_true(err[0] != '\0');
    }
    assert_int_equal(sbx_caps_parse("http,nope", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown capability \"nope\""));
    assert_int_equal(sbx_caps_parse("http,,wasi", &c, NULL, 0), -1);
}

static void test_caps_format(void **state) {
    (void)state;
    char buf[128];
    assert_int_equal(sbx_caps_format(SBX_CAP_ALL, buf, sizeof buf), strlen("http,storage,variables,secrets,stream,wasi"));
    assert_string_equal(buf, "http,storage,variables,secrets,stream,wasi");
    assert_int_equal(sbx_caps_format(0, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    sbx_caps_format(SBX_CAP_WASI | SBX_CAP_HTTP | 0x100, buf, sizeof buf);
    assert_string_equal(buf, "http,wasi");
    char small[7];
    assert_int_equal(sbx_caps_format(SBX_CAP_HTTP | SBX_CAP_STORAGE, small, sizeof small), 12);
    assert_string_equal(small, "http,s");
    assert_int_equal(sbx_caps_format(SBX_CAP_HTTP, NULL, 0), 4);
    /* every set round-trips */
    for (unsigned m = 0; m <= SBX_CAP_ALL; m++) {
        sbx_caps_format(m, buf, sizeof buf);
        unsigned back = 1234;
        assert_int_equal(sbx_caps_parse(buf, &back, err, sizeof err), 0);
        assert_int_equal(back, m);
    }
    assert_string_equal(sbx_cap_name(SBX_CAP_SECRETS), "secrets");
    assert_string_equal(sbx_cap_name(SBX_CAP_STREAM), "stream");
    assert_null(sbx_cap_name(0));
    assert_null(sbx_cap_name(SBX_CAP_HTTP | SBX_CAP_WASI));
    assert_null(sbx_cap_name(1u << 6));
}

/* ---- host matching ------------------------------------------------------------ */

static void test_host_match(void **state) {
    (void)state;
    struct {
        const char *pattern, *host;
        bool match;
    } rows[] = {
        {"api.example.com", "api.example.com", true},
        {"api.example.com", "API.Example.COM", true},
        {"api.example.com", "api.example.com.", true},
        {"api.example.com", "api.example.com..", false},
        {"api.example.com", "example.com", false},
        {"api.example.com", "x.api.example.com", false},
        {"api.example.com", "api.example.co", false},
        {"api.example.com", "api.example.com.evil.org", false},
        {"api.example.com", "", false},
        {"*.example.org", "a.example.org", true},
        {"*.example.org", "a.b.example.org", true},
        {"*.example.org", "A.EXAMPLE.ORG", true},
        {"*.example.org", "example.org", false},
        {"*.example.org", ".example.org", false},
        {"*.example.org", "evilexample.org", false},
        {"*.example.org", "evil-example.org", false},
        {"*.example.org", "example.org.evil.com", false},
        {"*.example.org", "a..example.org", false},
        {"*.example.org", "a.example.org:80", false},
        {"*.example.org", "a_b.example.org", false},
        {"127.0.0.1", "127.0.0.1", true},
        {"127.0.0.1", "127.0.0.01", false},
        {"127.0.0.1", "2130706433", false},
        {"localhost", "localhost", true},
        {"localhost", "LOCALHOST", true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        if (sbx_host_match(rows[i].pattern, rows[i].host) != rows[i].match)
            fail_msg("%s vs %s: want %d", rows[i].pattern, rows[i].host, rows[i].match);
    assert_false(sbx_host_match(NULL, "a.com"));
    assert_false(sbx_host_match("a.com", NULL));
    char longh[300];
    memset(longh, 'a', sizeof longh - 1);
    longh[sizeof longh - 1] = '\0';
    assert_false(sbx_host_match("*.example.org", longh));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_policy_defaults),
        cmocka_unit_test(test_abi),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_not_object),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_package_id),
        cmocka_unit_test(test_package_text),
        cmocka_unit_test(test_caps_shape),
        cmocka_unit_test(test_caps_requested),
        cmocka_unit_test(test_caps_types),
        cmocka_unit_test(test_http_hosts),
        cmocka_unit_test(test_http_methods),
        cmocka_unit_test(test_secret_names),
        cmocka_unit_test(test_cap_entries_limit),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_limits_custom_policy),
        cmocka_unit_test(test_nodes),
        cmocka_unit_test(test_nodes_limit),
        cmocka_unit_test(test_pins),
        cmocka_unit_test(test_pin_names),
        cmocka_unit_test(test_pins_limit),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_caps_parse),
        cmocka_unit_test(test_caps_format),
        cmocka_unit_test(test_host_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
