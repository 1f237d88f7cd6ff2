/* test_wasmfile.c — the WebAssembly reader: LEB128, the preamble, section
 * framing and order, the type / import / function / memory / export
 * sections, the weir.manifest custom section, the structural limits at
 * their edges, and robustness: every truncation of valid modules and
 * random mutations must give a clean result and never read out of bounds
 * (each input sits in a buffer of its exact size, for ASan). */
#include "testutil.h"
#include "wasmbuild.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "sandbox/wasmfile.h"

static char err[512];

static sbx_code read_exact(const uint8_t *b, size_t n, wasm_info *w) {
    uint8_t *copy = tw_exact(b, n);
    sbx_code rc = wasm_read(copy, n, w, err, sizeof err);
    free(copy);
    return rc;
}

/* read a module assembled in a tw_buf; frees it */
static sbx_code read_buf(tw_buf *mod, wasm_info *w) {
    sbx_code rc = read_exact(mod->b, mod->len, w);
    tw_free(mod);
    return rc;
}

/* a module made of the header and one section */
static sbx_code read_one_section(uint8_t id, const uint8_t *body, size_t n, wasm_info *w) {
    tw_buf mod = {0}, b = {0};
    tw_header(&mod);
    tw_put(&b, body, n);
    tw_section(&mod, id, &b);
    tw_free(&b);
    return read_buf(&mod, w);
}

static void expect_invalid(const uint8_t *b, size_t n, const char *needle) {
    wasm_info w;
    sbx_code rc = read_exact(b, n, &w);
    if (rc != SBX_INVALID_MODULE) fail_msg("expected invalid_module, got %s (%s)", sbx_code_name(rc), err);
    if (needle && !strstr(err, needle)) fail_msg("message \"%s\" lacks \"%s\"", err, needle);
    assert_int_equal(w.nimports, 0); /* zeroed */
    assert_null(w.types);
    wasm_info_free(&w);
}

/* ---- LEB128 ---------------------------------------------------------- */

static void test_leb_u32(void **state) {
    (void)state;
    struct {
        uint8_t b[8];
        size_t n;
        size_t used; /* 0: error */
        uint32_t v;
    } rows[] = {
        {{0x00}, 1, 1, 0},
        {{0x7f}, 1, 1, 127},
        {{0x80, 0x01}, 2, 2, 128},
        {{0xe5, 0x8e, 0x26}, 3, 3, 624485},
        {{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, 5, UINT32_MAX},
        {{0x80, 0x80, 0x80, 0x80, 0x00}, 5, 5, 0},        /* padded: allowed up to 5 bytes */
        {{0x80, 0x00}, 2, 2, 0},
        {{0x05, 0xff}, 2, 1, 5},                          /* stops at the first byte */
        {{0xff, 0xff, 0xff, 0xff, 0x1f}, 5, 0, 0},        /* 33 bits */
        {{0xff, 0xff, 0xff, 0xff, 0x10}, 5, 0, 0},        /* bit 32 only */
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 6, 0, 0},  /* 6 bytes */
        {{0x80, 0x80, 0x80, 0x80, 0x40}, 5, 0, 0},
        {{0x80}, 1, 0, 0},                                /* cut short */
        {{0xff, 0xff}, 2, 0, 0},
        {{0}, 0, 0, 0},                                   /* nothing */
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        uint8_t *b = tw_exact(rows[i].b, rows[i].n);
        uint32_t v = 12345;
        size_t used = wasm_leb_u32(b, rows[i].n, &v);
        if (used != rows[i].used) fail_msg("row %zu: used %zu, want %zu", i, used, rows[i].used);
        if (used) assert_int_equal(v, rows[i].v);
        free(b);
    }
}

static void test_leb_u64(void **state) {
    (void)state;
    struct {
        uint8_t b[12];
        size_t n, used;
        uint64_t v;
    } rows[] = {
        {{0x00}, 1, 1, 0},
        {{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, 5, UINT32_MAX},
        {{0xff, 0xff, 0xff, 0xff, 0x1f}, 5, 5, 0x1ffffffffull},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10, 10, UINT64_MAX},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 10, 0, 0},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 11, 0, 0},
        {{0x80, 0x80, 0x80}, 3, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        uint8_t *b = tw_exact(rows[i].b, rows[i].n);
        uint64_t v = 0;
        size_t used = wasm_leb_u64(b, rows[i].n, &v);
        if (used != rows[i].used) fail_msg("row %zu: used %zu, want %zu", i, used, rows[i].used);
        if (used) assert_true(v == rows[i].v);
        free(b);
    }
}

/* every u32 encoding the builder writes decodes back */
static void test_leb_roundtrip(void **state) {
    (void)state;
    uint32_t vals[] = {0, 1, 63, 64, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, 268435456, UINT32_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        tw_buf b = {0};
        tw_u32(&b, vals[i]);
        uint32_t v;
        assert_int_equal(wasm_leb_u32(b.b, b.len, &v), b.len);
        assert_int_equal(v, vals[i]);
        /* one byte short is an error */
        assert_int_equal(wasm_leb_u32(b.b, b.len - 1, &v), 0);
        tw_free(&b);
    }
}

/* ---- preamble -------------------------------------------------------- */

static void test_header(void **state) {
    (void)state;
    expect_invalid((const uint8_t *)"", 0, "not a WebAssembly module");
    expect_invalid((const uint8_t *)"\0asm\1\0\0", 7, "not a WebAssembly module");
    expect_invalid((const uint8_t *)"\0ASM\1\0\0\0", 8, "not a WebAssembly module");
    expect_invalid((const uint8_t *)"\x7f" "ELF\1\0\0\0", 8, NULL);
    expect_invalid((const uint8_t *)"\0asm\2\0\0\0", 8, "version");
    expect_invalid((const uint8_t *)"\0asm\x0d\0\1\0", 8, "component");
    wasm_info w;
    assert_int_equal(wasm_read(NULL, 0, &w, err, sizeof err), SBX_INVALID_MODULE);
    /* the empty module is a module */
    assert_int_equal(read_exact((const uint8_t *)"\0asm\1\0\0\0", 8, &w), SBX_OK);
    assert_int_equal(w.nimports, 0);
    assert_int_equal(w.nexports, 0);
    assert_int_equal(w.nfuncs, 0);
    assert_int_equal(w.nmemories, 0);
    assert_null(w.manifest);
    assert_null(wasm_find_export(&w, "memory"));
    assert_null(wasm_info_func_type(&w, 0));
    wasm_info_free(&w);
    wasm_info_free(NULL);
}

/* ---- a full module --------------------------------------------------- */

static const char *const MANIFEST = "{\"abi\": 1}";

/* imports: weir.log (func 0), env.mem (memory 0, shared), env.tab (table),
 * env.g (global), env.tag (tag), weir.now_ms (func 1); functions 2 and 3;
 * one defined memory (memory 1); exports of each kind. */
static uint8_t *rich_module(size_t *len) {
    tw_module m = {0};
    assert_int_equal(tw_import_func(&m, "weir", "log", "iii:"), 0);
    tw_import_memory(&m, "env", "mem", 0x03);
    tw_import_table(&m, "env", "tab");
    tw_import_global(&m, "env", "g");
    tw_import_tag(&m, "env", "tag");
    assert_int_equal(tw_import_func(&m, "weir", "now_ms", ":I"), 1);
    assert_int_equal(tw_func(&m, "i:i"), 2);
    assert_int_equal(tw_func(&m, "iii:i"), 3);
    assert_int_equal(tw_memory(&m, 0x01), 1);
    tw_export(&m, "memory", 2, 0);
    tw_export(&m, "mem1", 2, 1);
    tw_export(&m, "weir_alloc", 0, 2);
    tw_export(&m, "weir_run", 0, 3);
    tw_export(&m, "clock", 0, 1);
    tw_export(&m, "table", 1, 0);
    tw_export(&m, "global", 3, 0);
    tw_export(&m, "tag", 4, 0);
    tw_set_manifest(&m, MANIFEST);
    return tw_finish(&m, len);
}

static void test_rich_module(void **state) {
    (void)state;
    size_t len;
    uint8_t *b = rich_module(&len);
    wasm_info w;
    sbx_code rc = wasm_read(b, len, &w, err, sizeof err);
    if (rc) fail_msg("%s", err);
    assert_int_equal(w.nimports, 6);
    assert_true(wasm_str_is(&w.imports[0].module, "weir"));
    assert_true(wasm_str_is(&w.imports[0].name, "log"));
    assert_int_equal(w.imports[0].kind, WASM_KIND_FUNC);
    assert_int_equal(w.imports[1].kind, WASM_KIND_MEMORY);
    assert_true(wasm_str_is(&w.imports[1].name, "mem"));
    assert_int_equal(w.imports[2].kind, WASM_KIND_TABLE);
    assert_int_equal(w.imports[3].kind, WASM_KIND_GLOBAL);
    assert_int_equal(w.imports[4].kind, WASM_KIND_TAG);
    assert_int_equal(w.imports[5].kind, WASM_KIND_FUNC);
    assert_int_equal(w.nfuncs_imported, 2);
    assert_int_equal(w.nfuncs, 4);
    assert_int_equal(w.nmemories_imported, 1);
    assert_int_equal(w.nmemories, 2);
    assert_true(w.memory0_shared); /* memory 0 is the imported one */
    assert_false(w.memory0_64);

    const wasm_functype *t = wasm_info_func_type(&w, 0);
    assert_non_null(t);
    assert_int_equal(t->nparams, 3);
    assert_int_equal(t->nresults, 0);
    t = wasm_info_func_type(&w, 1);
    assert_int_equal(t->nparams, 0);
    assert_int_equal(t->nresults, 1);
    assert_int_equal(t->results[0], WASM_VT_I64);
    assert_null(wasm_info_func_type(&w, 4));

    assert_int_equal(w.nexports, 8);
    const wasm_export *ex = wasm_find_export(&w, "weir_run");
    assert_non_null(ex);
    assert_int_equal(ex->kind, WASM_KIND_FUNC);
    assert_int_equal(ex->index, 3);
    t = wasm_info_func_type(&w, ex->index);
    assert_int_equal(t->nparams, 3);
    assert_int_equal(t->params[0], WASM_VT_I32);
    assert_int_equal(t->nresults, 1);
    ex = wasm_find_export(&w, "mem1");
    assert_int_equal(ex->kind, WASM_KIND_MEMORY);
    assert_int_equal(ex->index, 1);
    assert_int_equal(wasm_find_export(&w, "tag")->kind, WASM_KIND_TAG);
    assert_null(wasm_find_export(&w, "weir_ru"));
    assert_null(wasm_find_export(&w, "weir_run "));

    assert_non_null(w.manifest);
    assert_int_equal(w.manifest_len, strlen(MANIFEST));
    assert_string_equal(w.manifest, MANIFEST);
    assert_false(w.has_start);
    wasm_info_free(&w);
    assert_null(w.imports);
    free(b);
}

static void test_iterator(void **state) {
    (void)state;
    size_t len;
    uint8_t *b = rich_module(&len);
    wasm_iter it;
    wasm_section s;
    assert_int_equal(wasm_iter_init(&it, b, len, err, sizeof err), 0);
    uint8_t want[] = {1, 2, 3, 5, 7, 10, 0};
    size_t n = 0, prev_end = 8;
    int rc;
    while ((rc = wasm_iter_next(&it, &s, err, sizeof err)) == 1) {
        assert_true(n < sizeof want);
        assert_int_equal(s.id, want[n]);
        assert_int_equal(s.offset, prev_end);
        assert_true(s.data >= b + s.offset + 2 && s.data + s.len <= b + len);
        prev_end = (size_t)(s.data + s.len - b);
        if (s.id == 0) {
            assert_int_equal(s.name_len, strlen("weir.manifest"));
            assert_memory_equal(s.name, "weir.manifest", s.name_len);
            assert_int_equal(s.len, strlen(MANIFEST));
        }
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, sizeof want);
    assert_int_equal(prev_end, len);
    free(b);
}

/* a module in the layout clang and wasm-ld produce */
static void test_clang_module(void **state) {
    (void)state;
    wasm_info w;
    sbx_code rc = read_exact(tw_clang_module, sizeof tw_clang_module, &w);
    if (rc) fail_msg("%s", err);
    assert_int_equal(w.nimports, 4);
    assert_int_equal(w.nfuncs_imported, 4);
    assert_int_equal(w.nmemories, 1);
    assert_non_null(wasm_find_export(&w, "memory"));
    const wasm_export *run = wasm_find_export(&w, "weir_run");
    assert_non_null(run);
    const wasm_functype *t = wasm_info_func_type(&w, run->index);
    char buf[64];
    wasm_functype_format(t, buf, sizeof buf);
    assert_string_equal(buf, "(i32, i32, i32) -> i32");
    assert_non_null(w.manifest);
    assert_non_null(strstr(w.manifest, "\"acme_reverse\""));
    wasm_info_free(&w);
}

/* ---- custom sections ------------------------------------------------- */

static void test_manifest_section(void **state) {
    (void)state;
    wasm_info w;
    /* other custom sections are ignored, wherever they are */
    tw_buf mod = {0};
    tw_header(&mod);
    tw_custom(&mod, "name", "xx", 2);
    tw_custom(&mod, "weir.manifest2", "no", 2);
    tw_custom(&mod, "Weir.manifest", "no", 2);
    tw_custom(&mod, "weir.manifest", "{\0}", 3); /* NUL bytes kept, counted */
    tw_custom(&mod, "producers", "", 0);
    assert_int_equal(read_buf(&mod, &w), SBX_OK);
    assert_int_equal(w.manifest_len, 3);
    assert_memory_equal(w.manifest, "{\0}", 4);
    wasm_info_free(&w);

    /* a name with a NUL is another name */
    tw_header(&mod);
    tw_buf body = {0};
    tw_name_n(&body, "weir.manifest\0", 14);
    tw_put(&body, "{}", 2);
    tw_section(&mod, 0, &body);
    tw_free(&body);
    assert_int_equal(read_buf(&mod, &w), SBX_OK);
    assert_null(w.manifest);
    wasm_info_free(&w);

    /* empty manifest section: present, empty */
    tw_header(&mod);
    tw_custom(&mod, "weir.manifest", "", 0);
    assert_int_equal(read_buf(&mod, &w), SBX_OK);
    assert_non_null(w.manifest);
    assert_int_equal(w.manifest_len, 0);
    wasm_info_free(&w);

    /* two: invalid_manifest, even when equal */
    tw_header(&mod);
    tw_custom(&mod, "weir.manifest", "{}", 2);
    tw_custom(&mod, "weir.manifest", "{}", 2);
    assert_int_equal(read_buf(&mod, &w), SBX_INVALID_MANIFEST);
    assert_non_null(strstr(err, "2 weir.manifest sections"));
    assert_null(w.manifest);
    wasm_info_free(&w);

    /* two, in a module that is also malformed later: the module error wins */
    tw_header(&mod);
    tw_custom(&mod, "weir.manifest", "{}", 2);
    tw_custom(&mod, "weir.manifest", "{}", 2);
    tw_byte(&mod, 99);
    tw_byte(&mod, 0);
    assert_int_equal(read_buf(&mod, &w), SBX_INVALID_MODULE);
    wasm_info_free(&w);
}

static void test_manifest_size_limit(void **state) {
    (void)state;
    size_t max = SANDBOX_MAX_MANIFEST_BYTES;
    char *big = malloc(max + 1);
    memset(big, ' ', max + 1);
    wasm_info w;
    tw_buf mod = {0};
    tw_header(&mod);
    tw_custom(&mod, "weir.manifest", big, max);
    assert_int_equal(read_buf(&mod, &w), SBX_OK);
    assert_int_equal(w.manifest_len, max);
    wasm_info_free(&w);
    tw_header(&mod);
    tw_custom(&mod, "weir.manifest", big, max + 1);
    assert_int_equal(read_buf(&mod, &w), SBX_INVALID_MANIFEST);
    assert_non_null(strstr(err, "at most"));
    free(big);
}

static void test_custom_name_errors(void **state) {
    (void)state;
    wasm_info w;
    /* name longer than the section */
    static const uint8_t m1[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0, 3, 5, 'a', 'b'};
    expect_invalid(m1, sizeof m1, "custom section name");
    /* name not UTF-8 */
    static const uint8_t m2[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0, 3, 2, 0xc0, 0x80};
    expect_invalid(m2, sizeof m2, "UTF-8");
    /* empty section: no room for the name */
    static const uint8_t m3[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0, 0};
    expect_invalid(m3, sizeof m3, NULL);
    /* empty name, fine */
    static const uint8_t m4[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0, 1, 0};
    assert_int_equal(read_exact(m4, sizeof m4, &w), SBX_OK);
    wasm_info_free(&w);
}

/* ---- framing and order ----------------------------------------------- */

static void test_section_framing(void **state) {
    (void)state;
    static const uint8_t unknown_id[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 14, 0};
    expect_invalid(unknown_id, sizeof unknown_id, "unknown section id 14");
    static const uint8_t id_ff[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0xff, 0};
    expect_invalid(id_ff, sizeof id_ff, "unknown section id");
    static const uint8_t too_long[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 0, 0};
    expect_invalid(too_long, sizeof too_long, "runs past the end");
    static const uint8_t no_size[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1};
    expect_invalid(no_size, sizeof no_size, "unexpected end");
    static const uint8_t bad_size[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f};
    expect_invalid(bad_size, sizeof bad_size, "LEB128");
    static const uint8_t huge_size[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f};
    expect_invalid(huge_size, sizeof huge_size, "runs past the end");
    /* sections this reader skips are framed, not parsed */
    static const uint8_t skipped[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 6, 3, 0xde, 0xad, 0xbe, 11, 1, 0x77};
    wasm_info w;
    assert_int_equal(read_exact(skipped, sizeof skipped, &w), SBX_OK);
    wasm_info_free(&w);
    /* trailing bytes inside a parsed section */
    static const uint8_t extra[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 2, 0, 0};
    expect_invalid(extra, sizeof extra, "unexpected bytes at the end of the section");
    /* a count that runs out */
    static const uint8_t short_vec[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 1, 1};
    expect_invalid(short_vec, sizeof short_vec, "do not fit");
}

static void test_section_order(void **state) {
    (void)state;
    static const uint8_t type0[] = {0};
    wasm_info w;
    /* every allowed id once, in order, custom sections between */
    uint8_t order[] = {1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11};
    tw_buf mod = {0}, body = {0};
    tw_header(&mod);
    for (size_t i = 0; i < sizeof order; i++) {
        tw_free(&body);
        if (order[i] == 8) tw_byte(&body, 0); /* start: function index */
        else tw_byte(&body, 0);               /* an empty vector */
        tw_section(&mod, order[i], &body);
        tw_custom(&mod, "c", "", 0);
    }
    tw_free(&body);
    assert_int_equal(read_buf(&mod, &w), SBX_OK);
    assert_true(w.has_start);
    wasm_info_free(&w);

    /* each pair out of order is refused; a repeated section is refused */
    for (size_t i = 0; i < sizeof order; i++) {
        for (size_t k = i; k < sizeof order; k++) {
            tw_header(&mod);
            tw_byte(&body, 0);
            tw_section(&mod, order[k], &body);
            tw_section(&mod, order[i], &body);
            tw_free(&body);
            expect_invalid(mod.b, mod.len, "out of order or repeated");
            tw_free(&mod);
        }
    }
    assert_int_equal(read_one_section(1, type0, 1, &w), SBX_OK);
    wasm_info_free(&w);
}

/* ---- the type section ------------------------------------------------ */

static void test_types(void **state) {
    (void)state;
    wasm_info w;
    /* all value types */
    static const uint8_t all[] = {1, 0x60, 7, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f, 2, 0x7f, 0x7e};
    assert_int_equal(read_one_section(1, all, sizeof all, &w), SBX_OK);
    assert_int_equal(w.ntypes, 1);
    assert_int_equal(w.types[0].nparams, 7);
    assert_int_equal(w.types[0].params[4], WASM_VT_V128);
    assert_int_equal(w.types[0].params[6], WASM_VT_EXTERNREF);
    assert_int_equal(w.types[0].nresults, 2);
    char buf[128];
    assert_int_equal(wasm_functype_format(&w.types[0], buf, sizeof buf),
                     strlen("(i32, i64, f32, f64, v128, funcref, externref) -> (i32, i64)"));
    assert_string_equal(buf, "(i32, i64, f32, f64, v128, funcref, externref) -> (i32, i64)");
    wasm_info_free(&w);

    static const uint8_t bad_form[] = {1, 0x5f, 0, 0};
    assert_int_equal(read_one_section(1, bad_form, sizeof bad_form, &w), SBX_INVALID_MODULE);
    assert_non_null(strstr(err, "type form 0x5f"));
    static const uint8_t rec_group[] = {1, 0x4e, 1, 0x60, 0, 0};
    assert_int_equal(read_one_section(1, rec_group, sizeof rec_group, &w), SBX_INVALID_MODULE);
    static const uint8_t bad_val[] = {1, 0x60, 1, 0x40, 0};
    assert_int_equal(read_one_section(1, bad_val, sizeof bad_val, &w), SBX_INVALID_MODULE);
    assert_non_null(strstr(err, "value type 0x40"));
    static const uint8_t ref_null[] = {1, 0x60, 1, 0x63, 0x70, 0};
    assert_int_equal(read_one_section(1, ref_null, sizeof ref_null, &w), SBX_INVALID_MODULE);
    static const uint8_t bad_res[] = {1, 0x60, 0, 1, 0x00};
    assert_int_equal(read_one_section(1, bad_res, sizeof bad_res, &w), SBX_INVALID_MODULE);
    static const uint8_t cut[] = {2, 0x60, 0, 0};
    assert_int_equal(read_one_section(1, cut, sizeof cut, &w), SBX_INVALID_MODULE);
    static const uint8_t many_params[] = {1, 0x60, 0xff, 0xff, 0xff, 0xff, 0x0f, 0};
    assert_int_equal(read_one_section(1, many_params, sizeof many_params, &w), SBX_INVALID_MODULE);
}

static void test_functype_format(void **state) {
    (void)state;
    uint8_t v[] = {WASM_VT_I32, WASM_VT_I32, WASM_VT_I64};
    wasm_functype t = {2, 1, v, v + 2};
    char buf[64];
    assert_int_equal(wasm_functype_format(&t, buf, sizeof buf), strlen("(i32, i32) -> i64"));
    assert_string_equal(buf, "(i32, i32) -> i64");
    wasm_functype e = {0, 0, v, v};
    wasm_functype_format(&e, buf, sizeof buf);
    assert_string_equal(buf, "() -> ()");
    /* truncated, still terminated, full length returned */
    char small[6];
    assert_int_equal(wasm_functype_format(&t, small, sizeof small), strlen("(i32, i32) -> i64"));
    assert_string_equal(small, "(i32,");
    assert_int_equal(wasm_functype_format(&t, NULL, 0), strlen("(i32, i32) -> i64"));
    assert_string_equal(wasm_valtype_name(0x40), "?");
    assert_string_equal(wasm_kind_name((wasm_kind)9), "?");
    assert_string_equal(wasm_kind_name(WASM_KIND_TAG), "tag");
}

static void test_name_printable(void **state) {
    (void)state;
    char buf[32];
    assert_string_equal(wasm_str_printable("log", 3, buf, sizeof buf), "log");
    assert_string_equal(wasm_str_printable("a\0b\"\\\n", 6, buf, sizeof buf), "a\\x00b\\x22\\x5c\\x0a");
    assert_string_equal(wasm_str_printable("\xc3\xa9", 2, buf, sizeof buf), "\\xc3\\xa9");
    char small[8];
    wasm_str_printable("abcdefghijkl", 12, small, sizeof small);
    assert_string_equal(small, "abcd...");
    char one[1];
    wasm_str_printable("abc", 3, one, 1);
    assert_string_equal(one, "");
}

/* ---- the import section ---------------------------------------------- */

static void test_imports_errors(void **state) {
    (void)state;
    wasm_info w;
    tw_buf mod = {0}, b = {0};

    /* type index out of range (no type section at all) */
    tw_header(&mod);
    tw_u32(&b, 1);
    tw_name(&b, "weir");
    tw_name(&b, "log");
    tw_byte(&b, 0);
    tw_u32(&b, 0);
    tw_section(&mod, 2, &b);
    tw_free(&b);
    assert_int_equal(read_buf(&mod, &w), SBX_INVALID_MODULE);
    assert_non_null(strstr(err, "type index 0 out of range"));

    struct {
        uint8_t desc[8];
        size_t n;
        const char *msg;
    } rows[] = {
        {{5, 0}, 2, "unknown import kind 0x05"},
        {{0x80, 0}, 2, "unknown import kind"},
        {{1, 0x40, 0, 1}, 4, "table element type"},
        {{1, 0x70, 0x02, 1}, 4, "table limits flags"},
        {{2, 0x08, 1}, 3, "memory limits flags"},
        {{2, 0x10, 1}, 3, "memory limits flags"},
        {{2, 0x01, 1}, 3, "unexpected end"},   /* maximum missing */
        {{3, 0x7f, 2}, 3, "mutability"},
        {{3, 0x40, 0}, 3, "value type"},
        {{4, 1, 0}, 3, "tag attribute"},
        {{4, 0, 5}, 3, "type index 5 out of range"},
        {{0, 0x80}, 2, "unexpected end"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        tw_header(&mod);
        tw_byte(&b, 1);
        tw_byte(&b, 0x60);
        tw_byte(&b, 0);
        tw_byte(&b, 0);
        tw_section(&mod, 1, &b);
        tw_free(&b);
        tw_u32(&b, 1);
        tw_name(&b, "env");
        tw_name(&b, "x");
        tw_put(&b, rows[i].desc, rows[i].n);
        tw_section(&mod, 2, &b);
        tw_free(&b);
        sbx_code rc = read_buf(&mod, &w);
        if (rc != SBX_INVALID_MODULE || !strstr(err, rows[i].msg))
            fail_msg("row %zu: %s, \"%s\" (want \"%s\")", i, sbx_code_name(rc), err, rows[i].msg);
    }

    /* the accepted limits forms */
    uint8_t okflags[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    for (size_t i = 0; i < sizeof okflags; i++) {
        tw_module m = {0};
        tw_import_memory(&m, "env", "m", okflags[i]);
        size_t len;
        uint8_t *bytes = tw_finish(&m, &len);
        assert_int_equal(wasm_read(bytes, len, &w, err, sizeof err), SBX_OK);
        assert_int_equal(w.nmemories, 1);
        assert_int_equal(w.memory0_64, (okflags[i] & 4) != 0);
        assert_int_equal(w.memory0_shared, (okflags[i] & 2) != 0);
        wasm_info_free(&w);
        free(bytes);
    }

    /* names: invalid UTF-8 refused, NUL kept */
    const char *bad_names[] = {"\xc0\x80", "\xed\xa0\x80", "\xff", "\xe2\x82", "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
        tw_header(&mod);
        tw_u32(&b, 1);
        tw_name(&b, "env");
        tw_name(&b, bad_names[i]);
        tw_put(&b, "\x03\x7f\x00", 3);
        tw_section(&mod, 2, &b);
        tw_free(&b);
        assert_int_equal(read_buf(&mod, &w), SBX_INVALID_MODULE);
        assert_non_null(strstr(err, "UTF-8"));
    }
    tw_header(&mod);
    tw_u32(&b, 1);
    tw_name(&b, "env");
    tw_name_n(&b, "log\0x", 5);
    tw_put(&b, "\x03\x7f\x00", 3);
    tw_section(&mod, 2, &b);
    tw_free(&b);
    assert_int_equal(read_buf(&mod, &w), SBX_OK);
    assert_int_equal(w.imports[0].name.len, 5);
    assert_false(wasm_str_is(&w.imports[0].name, "log"));
    assert_string_equal(w.imports[0].name.s, "log"); /* why strcmp is not enough */
    wasm_info_free(&w);

    /* a name length beyond the section */
    tw_header(&mod);
    tw_u32(&b, 1);
    tw_u32(&b, 200);
    tw_put(&b, "env", 3);
    tw_section(&mod, 2, &b);
    tw_free(&b);
    assert_int_equal(read_buf(&mod, &w), SBX_INVALID_MODULE);
    assert_non_null(strstr(err, "runs past the end"));

    /* a huge count fails before allocating */
    tw_header(&mod);
    tw_u32(&b, 0xffffffffu);
    tw_section(&mod, 2, &b);
    tw_free(&b);
    assert_int_equal(read_buf(&mod, &w), SBX_INVALID_MODULE);
}

/* ---- function, memory and export sections ---------------------------- */

static void test_functions_and_exports(void **state) {
    (void)state;
    wasm_info w;
    tw_buf mod = {0}, b = {0};

    /* function type index out of range */
    tw_header(&mod);
    tw_put(&b, "\x01\x60\x00\x00", 4);
    tw_section(&mod, 1, &b);
    tw_free(&b);
    tw_put(&b, "\x02\x00\x01", 3);
    tw_section(&mod, 3, &b);
    tw_free(&b);
    assert_int_equal(read_buf(&mod, &w), SBX_INVALID_MODULE);
    assert_non_null(strstr(err, "function 1: type index 1 out of range"));

    /* export indices: functions and memories are range-checked */
    struct {
        const char *name;
        uint8_t kind;
        uint32_t index;
        sbx_code want;
    } rows[] = {
        {"f", 0, 1, SBX_OK},            /* imported func 0, defined func 1 */
        {"f", 0, 2, SBX_INVALID_MODULE},
        {"m", 2, 0, SBX_OK},
        {"m", 2, 1, SBX_INVALID_MODULE},
        {"t", 1, 7, SBX_OK},            /* tables, globals, tags: left to Wasmtime */
        {"g", 3, 7, SBX_OK},
        {"x", 5, 0, SBX_INVALID_MODULE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        tw_module m = {0};
        tw_import_func(&m, "weir", "now_ms", ":I");
        tw_func(&m, "i:i");
        tw_memory(&m, 0);
        tw_export(&m, rows[i].name, rows[i].kind, rows[i].index);
        size_t len;
        uint8_t *bytes = tw_finish(&m, &len);
        sbx_code rc = wasm_read(bytes, len, &w, err, sizeof err);
        if (rc != rows[i].want) fail_msg("row %zu: %s (%s)", i, sbx_code_name(rc), err);
        wasm_info_free(&w);
        free(bytes);
    }

    /* duplicate export names */
    tw_module m = {0};
    tw_func(&m, ":");
    tw_export(&m, "a", 0, 0);
    tw_export(&m, "weir_run", 0, 0);
    tw_export(&m, "b", 0, 0);
    tw_export(&m, "weir_run", 0, 0);
    size_t len;
    uint8_t *bytes = tw_finish(&m, &len);
    assert_int_equal(wasm_read(bytes, len, &w, err, sizeof err), SBX_INVALID_MODULE);
    assert_non_null(strstr(err, "duplicate export name \"weir_run\""));
    free(bytes);
    /* names that differ only after a NUL, or by length, are distinct */
    memset(&m, 0, sizeof m);
    tw_func(&m, ":");
    tw_name_n(&m.exports, "run\0a", 5);
    tw_put(&m.exports, "\x00\x00", 2);
    tw_name_n(&m.exports, "run\0b", 5);
    tw_put(&m.exports, "\x00\x00", 2);
    tw_name_n(&m.exports, "run", 3);
    tw_put(&m.exports, "\x00\x00", 2);
    m.nexports = 3;
    bytes = tw_finish(&m, &len);
    assert_int_equal(wasm_read(bytes, len, &w, err, sizeof err), SBX_OK);
    assert_int_equal(w.nexports, 3);
    assert_ptr_equal(wasm_find_export(&w, "run"), &w.exports[2]);
    wasm_info_free(&w);
    free(bytes);

    /* memory section: 64-bit and shared recorded for memory 0 */
    memset(&m, 0, sizeof m);
    tw_memory(&m, 0x04);
    tw_memory(&m, 0x03);
    bytes = tw_finish(&m, &len);
    assert_int_equal(wasm_read(bytes, len, &w, err, sizeof err), SBX_OK);
    assert_int_equal(w.nmemories, 2);
    assert_true(w.memory0_64);
    assert_false(w.memory0_shared);
    wasm_info_free(&w);
    free(bytes);
}

/* ---- limits at their edges ------------------------------------------- */

/* a type section with one type of n params (or results) */
static sbx_code one_type(uint32_t nparams, uint32_t nresults) {
    tw_buf b = {0}, mod = {0};
    tw_u32(&b, 1);
    tw_byte(&b, 0x60);
    tw_u32(&b, nparams);
    for (uint32_t i = 0; i < nparams; i++) tw_byte(&b, 0x7f);
    tw_u32(&b, nresults);
    for (uint32_t i = 0; i < nresults; i++) tw_byte(&b, 0x7f);
    tw_header(&mod);
    tw_section(&mod, 1, &b);
    tw_free(&b);
    wasm_info w;
    sbx_code rc = read_buf(&mod, &w);
    wasm_info_free(&w);
    return rc;
}

static void test_limit_params_results(void **state) {
    (void)state;
    assert_int_equal(one_type(SANDBOX_WASM_MAX_PARAMS, 0), SBX_OK);
    assert_int_equal(one_type(SANDBOX_WASM_MAX_PARAMS + 1, 0), SBX_INVALID_MODULE);
    assert_non_null(strstr(err, "at most 1000"));
    assert_int_equal(one_type(0, SANDBOX_WASM_MAX_RESULTS), SBX_OK);
    assert_int_equal(one_type(0, SANDBOX_WASM_MAX_RESULTS + 1), SBX_INVALID_MODULE);
}

static sbx_code n_types(uint32_t n) {
    tw_buf b = {0}, mod = {0};
    tw_u32(&b, n);
    for (uint32_t i = 0; i < n; i++) tw_put(&b, "\x60\x00\x00", 3);
    tw_header(&mod);
    tw_section(&mod, 1, &b);
    tw_free(&b);
    wasm_info w;
    sbx_code rc = read_buf(&mod, &w);
    if (rc == SBX_OK) assert_int_equal(w.ntypes, n);
    wasm_info_free(&w);
    return rc;
}

static void test_limit_types(void **state) {
    (void)state;
    assert_int_equal(n_types(SANDBOX_WASM_MAX_TYPES), SBX_OK);
    assert_int_equal(n_types(SANDBOX_WASM_MAX_TYPES + 1), SBX_INVALID_MODULE);
}

static sbx_code n_functions(uint32_t nimported, uint32_t ndefined) {
    tw_buf b = {0}, mod = {0};
    tw_header(&mod);
    tw_put(&b, "\x01\x60\x00\x00", 4);
    tw_section(&mod, 1, &b);
    tw_free(&b);
    if (nimported) {
        tw_u32(&b, nimported);
        for (uint32_t i = 0; i < nimported; i++) tw_put(&b, "\x00\x00\x00\x00", 4); /* "" "" func type 0 */
        tw_section(&mod, 2, &b);
        tw_free(&b);
    }
    tw_u32(&b, ndefined);
    for (uint32_t i = 0; i < ndefined; i++) tw_byte(&b, 0);
    tw_section(&mod, 3, &b);
    tw_free(&b);
    wasm_info w;
    sbx_code rc = read_buf(&mod, &w);
    if (rc == SBX_OK) {
        assert_int_equal(w.nfuncs, nimported + ndefined);
        assert_non_null(wasm_info_func_type(&w, nimported + ndefined - 1));
    }
    wasm_info_free(&w);
    return rc;
}

static void test_limit_functions(void **state) {
    (void)state;
    assert_int_equal(n_functions(0, SANDBOX_WASM_MAX_FUNCS), SBX_OK);
    assert_int_equal(n_functions(0, SANDBOX_WASM_MAX_FUNCS + 1), SBX_INVALID_MODULE);
    assert_int_equal(n_functions(10, SANDBOX_WASM_MAX_FUNCS - 10), SBX_OK);
    assert_int_equal(n_functions(10, SANDBOX_WASM_MAX_FUNCS - 9), SBX_INVALID_MODULE);
}

static sbx_code n_imports(uint32_t n) {
    tw_buf b = {0}, mod = {0};
    tw_header(&mod);
    tw_u32(&b, n);
    for (uint32_t i = 0; i < n; i++) tw_put(&b, "\x00\x00\x03\x7f\x00", 5); /* "" "" global i32 */
    tw_section(&mod, 2, &b);
    tw_free(&b);
    wasm_info w;
    sbx_code rc = read_buf(&mod, &w);
    wasm_info_free(&w);
    return rc;
}

static void test_limit_imports(void **state) {
    (void)state;
    assert_int_equal(n_imports(SANDBOX_WASM_MAX_IMPORTS), SBX_OK);
    assert_int_equal(n_imports(SANDBOX_WASM_MAX_IMPORTS + 1), SBX_INVALID_MODULE);
}

static sbx_code n_exports(uint32_t n) {
    tw_buf b = {0}, mod = {0};
    tw_header(&mod);
    tw_put(&b, "\x01\x60\x00\x00", 4);
    tw_section(&mod, 1, &b);
    tw_free(&b);
    tw_put(&b, "\x01\x00", 2);
    tw_section(&mod, 3, &b);
    tw_free(&b);
    tw_u32(&b, n);
    for (uint32_t i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "e%u", (unsigned)i);
        tw_name(&b, name);
        tw_put(&b, "\x00\x00", 2);
    }
    tw_section(&mod, 7, &b);
    tw_free(&b);
    wasm_info w;
    sbx_code rc = read_buf(&mod, &w);
    wasm_info_free(&w);
    return rc;
}

static void test_limit_exports(void **state) {
    (void)state;
    assert_int_equal(n_exports(SANDBOX_WASM_MAX_EXPORTS), SBX_OK);
    assert_int_equal(n_exports(SANDBOX_WASM_MAX_EXPORTS + 1), SBX_INVALID_MODULE);
}

static sbx_code n_memories(uint32_t nimported, uint32_t ndefined) {
    tw_module m = {0};
    for (uint32_t i = 0; i < nimported; i++) tw_import_memory(&m, "env", "m", 0);
    for (uint32_t i = 0; i < ndefined; i++) tw_memory(&m, 0);
    size_t len;
    uint8_t *b = tw_finish(&m, &len);
    wasm_info w;
    sbx_code rc = wasm_read(b, len, &w, err, sizeof err);
    if (rc == SBX_OK) assert_int_equal(w.nmemories, nimported + ndefined);
    wasm_info_free(&w);
    free(b);
    return rc;
}

static void test_limit_memories(void **state) {
    (void)state;
    assert_int_equal(n_memories(0, SANDBOX_WASM_MAX_MEMORIES), SBX_OK);
    assert_int_equal(n_memories(0, SANDBOX_WASM_MAX_MEMORIES + 1), SBX_INVALID_MODULE);
    assert_int_equal(n_memories(SANDBOX_WASM_MAX_MEMORIES, 0), SBX_OK);
    assert_int_equal(n_memories(SANDBOX_WASM_MAX_MEMORIES + 1, 0), SBX_INVALID_MODULE);
    assert_int_equal(n_memories(50, 50), SBX_OK);
    assert_int_equal(n_memories(50, 51), SBX_INVALID_MODULE);
}

static sbx_code name_of(uint32_t n) {
    char *s = malloc(n + 1);
    memset(s, 'a', n);
    tw_buf mod = {0};
    tw_header(&mod);
    tw_custom(&mod, "x", NULL, 0);
    tw_buf b = {0};
    tw_u32(&b, 1);
    tw_name_n(&b, s, n);
    tw_name(&b, "g");
    tw_put(&b, "\x03\x7f\x00", 3);
    tw_section(&mod, 2, &b);
    tw_free(&b);
    free(s);
    wasm_info w;
    sbx_code rc = read_buf(&mod, &w);
    if (rc == SBX_OK) assert_int_equal(w.imports[0].module.len, n);
    wasm_info_free(&w);
    return rc;
}

static void test_limit_name(void **state) {
    (void)state;
    assert_int_equal(name_of(SANDBOX_WASM_MAX_NAME_BYTES), SBX_OK);
    assert_int_equal(name_of(SANDBOX_WASM_MAX_NAME_BYTES + 1), SBX_INVALID_MODULE);
}

/* ---- robustness ------------------------------------------------------ */

/* What must hold for any module the reader accepts. */
static void check_invariants(const wasm_info *w) {
    assert_true(w->nfuncs >= w->nfuncs_imported);
    assert_true(w->nmemories >= w->nmemories_imported);
    for (uint32_t i = 0; i < w->nfuncs; i++) assert_true(w->func_types[i] < w->ntypes);
    for (uint32_t i = 0; i < w->nimports; i++) {
        const wasm_import *im = &w->imports[i];
        assert_true(im->kind <= WASM_KIND_TAG);
        if (im->kind == WASM_KIND_FUNC || im->kind == WASM_KIND_TAG) assert_true(im->type < w->ntypes);
        assert_int_equal(im->module.s[im->module.len], '\0');
        assert_int_equal(im->name.s[im->name.len], '\0');
    }
    for (uint32_t i = 0; i < w->nexports; i++) {
        const wasm_export *ex = &w->exports[i];
        if (ex->kind == WASM_KIND_FUNC) assert_non_null(wasm_info_func_type(w, ex->index));
        if (ex->kind == WASM_KIND_MEMORY) assert_true(ex->index < w->nmemories);
    }
    if (w->manifest) assert_int_equal(w->manifest[w->manifest_len], '\0');
    char buf[64];
    for (uint32_t i = 0; i < w->ntypes; i++) wasm_functype_format(&w->types[i], buf, sizeof buf);
}

static void truncate_everywhere(const uint8_t *b, size_t len) {
    /* section boundaries: the only places a prefix may be valid */
    char *boundary = calloc(len + 1, 1);
    wasm_iter it;
    wasm_section s;
    assert_int_equal(wasm_iter_init(&it, b, len, err, sizeof err), 0);
    boundary[8] = 1;
    while (wasm_iter_next(&it, &s, err, sizeof err) == 1) boundary[s.data + s.len - b] = 1;
    for (size_t n = 0; n < len; n++) {
        wasm_info w;
        uint8_t *p = tw_exact(b, n);
        sbx_code rc = wasm_read(p, n, &w, err, sizeof err);
        free(p);
        if (rc == SBX_OK) {
            if (!boundary[n]) fail_msg("prefix of %zu bytes accepted", n);
            check_invariants(&w);
        } else {
            assert_int_equal(rc, SBX_INVALID_MODULE);
            assert_true(err[0] != '\0');
        }
        wasm_info_free(&w);
    }
    free(boundary);
}

static void test_truncations(void **state) {
    (void)state;
    size_t len;
    uint8_t *b = rich_module(&len);
    truncate_everywhere(b, len);
    free(b);
    truncate_everywhere(tw_clang_module, sizeof tw_clang_module);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static void mutate_and_read(const uint8_t *orig, size_t len, int rounds) {
    static const uint8_t edge[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x60, 0x70, 0x0f, 0x10, 0x40, 0xc0};
    int ok = 0;
    for (int r = 0; r < rounds; r++) {
        size_t n = len;
        uint8_t *b = malloc(len + 16);
        memcpy(b, orig, len);
        int changes = 1 + (int)(rnd() % 4);
        for (int c = 0; c < changes; c++) {
            uint32_t what = rnd() % 10;
            size_t at = 8 + rnd() % (n > 8 ? n - 8 : 1);
            if (at >= n) at = n ? n - 1 : 0;
            if (what < 5) {
                b[at] = (uint8_t)rnd();
            } else if (what < 8) {
                b[at] = edge[rnd() % sizeof edge];
            } else if (what < 9 && n > 9) { /* delete a byte */
                memmove(b + at, b + at + 1, n - at - 1);
                n--;
            } else if (n < len + 16) { /* insert a byte */
                memmove(b + at + 1, b + at, n - at);
                b[at] = edge[rnd() % sizeof edge];
                n++;
            }
        }
        uint8_t *exact = tw_exact(b, n);
        free(b);
        wasm_info w;
        sbx_code rc = wasm_read(exact, n, &w, err, sizeof err);
        free(exact);
        assert_true(rc == SBX_OK || rc == SBX_INVALID_MODULE || rc == SBX_INVALID_MANIFEST);
        if (rc == SBX_OK) {
            check_invariants(&w);
            ok++;
        } else {
            assert_null(w.imports);
            assert_null(w.manifest);
        }
        wasm_info_free(&w);
    }
    /* some mutations land in code or data and keep the module readable */
    assert_true(ok > 0);
}

static void test_mutations(void **state) {
    (void)state;
    size_t len;
    uint8_t *b = rich_module(&len);
    mutate_and_read(b, len, 20000);
    free(b);
    mutate_and_read(tw_clang_module, sizeof tw_clang_module, 20000);
}

/* random bytes after a valid header */
static void test_random_bodies(void **state) {
    (void)state;
    for (int r = 0; r < 20000; r++) {
        size_t n = 8 + rnd() % 64;
        uint8_t *b = malloc(n);
        memcpy(b, "\0asm\1\0\0\0", 8);
        for (size_t i = 8; i < n; i++) b[i] = (uint8_t)(rnd() % 3 == 0 ? rnd() % 14 : rnd());
        wasm_info w;
        sbx_code rc = wasm_read(b, n, &w, err, sizeof err);
        assert_true(rc == SBX_OK || rc == SBX_INVALID_MODULE || rc == SBX_INVALID_MANIFEST);
        if (rc == SBX_OK) check_invariants(&w);
        wasm_info_free(&w);
        free(b);
    }
}

/* err may be NULL or tiny */
static void test_error_buffers(void **state) {
    (void)state;
    static const uint8_t bad[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 0};
    wasm_info w;
    assert_int_equal(wasm_read(bad, sizeof bad, &w, NULL, 0), SBX_INVALID_MODULE);
    char tiny[4] = "xxx";
    assert_int_equal(wasm_read(bad, sizeof bad, &w, tiny, sizeof tiny), SBX_INVALID_MODULE);
    assert_int_equal(strlen(tiny), 3);
    char one[1] = {'x'};
    assert_int_equal(wasm_read(bad, sizeof bad, &w, one, 1), SBX_INVALID_MODULE);
    assert_int_equal(one[0], '\0');
    /* the message names the section and the offset */
    assert_int_equal(wasm_read(bad, sizeof bad, &w, err, sizeof err), SBX_INVALID_MODULE);
    assert_non_null(strstr(err, "type section"));
    assert_non_null(strstr(err, "offset 0x"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leb_u32),
        cmocka_unit_test(test_leb_u64),
        cmocka_unit_test(test_leb_roundtrip),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_rich_module),
        cmocka_unit_test(test_iterator),
        cmocka_unit_test(test_clang_module),
        cmocka_unit_test(test_manifest_section),
        cmocka_unit_test(test_manifest_size_limit),
        cmocka_unit_test(test_custom_name_errors),
        cmocka_unit_test(test_section_framing),
        cmocka_unit_test(test_section_order),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_functype_format),
        cmocka_unit_test(test_name_printable),
        cmocka_unit_test(test_imports_errors),
        cmocka_unit_test(test_functions_and_exports),
        cmocka_unit_test(test_limit_params_results),
        cmocka_unit_test(test_limit_types),
        cmocka_unit_test(test_limit_functions),
        cmocka_unit_test(test_limit_imports),
        cmocka_unit_test(test_limit_exports),
        cmocka_unit_test(test_limit_memories),
        cmocka_unit_test(test_limit_name),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_random_bodies),
        cmocka_unit_test(test_error_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
