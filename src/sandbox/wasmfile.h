/* wasmfile.h — a small reader for the WebAssembly binary format.
 *
 * The host must look inside a package before anything is instantiated: the
 * `weir.manifest` custom section, the imports (node-abi.md §4.1) and the
 * exports (§2). This reader extracts exactly that from a core module,
 * version 1: section framing, the type, import, function, memory and export
 * sections, and custom sections by name. It is written for hostile input:
 * every read is bounds-checked, every count is checked against the bytes
 * that remain before anything is allocated (so memory use is linear in the
 * module size), and LEB128 numbers are checked for overflow and length.
 *
 * It is not a validator: code bodies, globals, tables, element and data
 * segments are skipped as opaque bytes (Wasmtime validates the whole module
 * when it compiles it). It does enforce what it relies on: section order
 * and uniqueness, type and function indices in range, UTF-8 names, and
 * unique export names.
 *
 * Wasmtime's wasm.h owns most wasm_* and WASM_* names (WASM_I32,
 * wasm_func_type, wasm_name, …); the names here are chosen not to collide,
 * so that the sandbox can include both headers. */
#ifndef WEIR_SBX_WASMFILE_H
#define WEIR_SBX_WASMFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/result.h"

/* Value types (their binary encodings). */
enum {
    WASM_VT_I32 = 0x7f,
    WASM_VT_I64 = 0x7e,
    WASM_VT_F32 = 0x7d,
    WASM_VT_F64 = 0x7c,
    WASM_VT_V128 = 0x7b,
    WASM_VT_FUNCREF = 0x70,
    WASM_VT_EXTERNREF = 0x6f,
};

/* Section ids. */
enum {
    WASM_SEC_CUSTOM = 0, WASM_SEC_TYPE = 1, WASM_SEC_IMPORT = 2, WASM_SEC_FUNCTION = 3,
    WASM_SEC_TABLE = 4, WASM_SEC_MEMORY = 5, WASM_SEC_GLOBAL = 6, WASM_SEC_EXPORT = 7,
    WASM_SEC_START = 8, WASM_SEC_ELEMENT = 9, WASM_SEC_CODE = 10, WASM_SEC_DATA = 11,
    WASM_SEC_DATACOUNT = 12, WASM_SEC_TAG = 13,
};

/* Import and export kinds (their binary encodings). */
typedef enum wasm_kind {
    WASM_KIND_FUNC = 0, WASM_KIND_TABLE = 1, WASM_KIND_MEMORY = 2,
    WASM_KIND_GLOBAL = 3, WASM_KIND_TAG = 4,
} wasm_kind;

/* A function type. params and results point into the owning wasm_info. */
typedef struct wasm_functype {
    uint32_t nparams, nresults;
    const uint8_t *params;   /* WASM_VT_I32 … */
    const uint8_t *results;
} wasm_functype;

/* A name from the module: a NUL-terminated copy, plus its length. A wasm
 * name is any UTF-8 string, U+0000 included, so compare with the length
 * (wasm_str_is), never with strcmp alone. */
typedef struct wasm_str {
    char *s;
    uint32_t len;
} wasm_str;

typedef struct wasm_import {
    wasm_str module, name;
    wasm_kind kind;
    uint32_t type;           /* WASM_KIND_FUNC and WASM_KIND_TAG: type index */
} wasm_import;

typedef struct wasm_export {
    wasm_str name;
    wasm_kind kind;
    uint32_t index;          /* in the index space of its kind, imports first */
} wasm_export;

typedef struct wasm_info {
    uint32_t ntypes;
    wasm_functype *types;
    uint32_t nimports;
    wasm_import *imports;
    uint32_t nexports;
    wasm_export *exports;
    /* Function index space: imported functions first, then the function
     * section's. func_types[i] is the type index of function i. */
    uint32_t nfuncs_imported, nfuncs;  /* nfuncs counts both */
    uint32_t *func_types;
    /* Memory index space, imported first. Memory 0's properties: */
    uint32_t nmemories_imported, nmemories;
    bool memory0_64;         /* memory64 */
    bool memory0_shared;     /* threads proposal */
    bool has_start;          /* a start section: a function run at instantiation */
    /* The weir.manifest custom section: a NUL-terminated copy (the bytes
     * themselves may contain NUL; manifest_len counts all of them), or NULL
     * when the module has none. */
    char *manifest;
    size_t manifest_len;
    /* Internal: storage of all value types. */
    uint8_t *valpool;
} wasm_info;

/* Read a module. On success returns SBX_OK and fills *out, to be released
 * with wasm_info_free. On failure returns
 *   SBX_INVALID_MODULE   not a WebAssembly core module of version 1, or
 *                        malformed in a part this reader parses;
 *   SBX_INVALID_MANIFEST well-formed, but two `weir.manifest` sections, or
 *                        one larger than SANDBOX_MAX_MANIFEST_BYTES;
 * writes a message to err (which may be NULL) and leaves *out zeroed (safe to
 * pass to wasm_info_free). A structural error wins over a manifest error.
 * The reader never reads outside bytes[0, len). It applies no limit to len
 * itself: the caller checks the policy's module size first. */
sbx_code wasm_read(const uint8_t *bytes, size_t len, wasm_info *out, char *err, size_t errlen);

/* Free what wasm_read allocated and zero *w. NULL is fine. */
void wasm_info_free(wasm_info *w);

/* The type of function funcidx (imports first), or NULL when out of range. */
const wasm_functype *wasm_info_func_type(const wasm_info *w, uint32_t funcidx);

/* The export named name (a NUL-terminated string), or NULL. */
const wasm_export *wasm_find_export(const wasm_info *w, const char *name);

/* True when n is exactly the NUL-terminated string s. */
bool wasm_str_is(const wasm_str *n, const char *s);

/* "i32", "i64", "f32", "f64", "v128", "funcref", "externref", or "?". */
const char *wasm_valtype_name(uint8_t t);
/* "func", "table", "memory", "global", "tag", or "?". */
const char *wasm_kind_name(wasm_kind k);

/* Write t as "(i32, i32) -> i32" ("() -> ()" when empty, "(…) -> (i32, i64)"
 * for several results). Like snprintf: returns the length the whole text
 * needs, writes at most size bytes, NUL-terminated when size > 0. */
size_t wasm_functype_format(const wasm_functype *t, char *buf, size_t size);

/* Copy s[0, len) into buf for an error message, every byte outside
 * printable ASCII (and `"`, `\`) written as \xHH, ending in "..." when it
 * does not fit. Returns buf. size must be > 0. */
char *wasm_str_printable(const char *s, size_t len, char *buf, size_t size);

/* --- lower layers, for tests and tools ------------------------------- */

/* Decode an unsigned LEB128 u32 from p[0, avail). Returns the bytes used
 * (1 to 5), or 0 when it is cut short, longer than 5 bytes, or does not fit
 * in 32 bits. */
size_t wasm_leb_u32(const uint8_t *p, size_t avail, uint32_t *out);
/* The same for u64 (1 to 10 bytes). */
size_t wasm_leb_u64(const uint8_t *p, size_t avail, uint64_t *out);

/* Iterate over the sections of a module. */
typedef struct wasm_section {
    uint8_t id;
    size_t offset;           /* of the id byte, in the module */
    const uint8_t *data;     /* contents (for custom sections: after the name) */
    size_t len;
    const uint8_t *name;     /* custom sections only: the name, not terminated */
    uint32_t name_len;
} wasm_section;

typedef struct wasm_iter {
    const uint8_t *base, *p, *end;
} wasm_iter;

/* Check the 8-byte preamble and position it at the first section.
 * Returns 0, or -1 with a message. */
int wasm_iter_init(wasm_iter *it, const uint8_t *bytes, size_t len, char *err, size_t errlen);
/* Next section: 1 with *sec filled, 0 at the end, -1 with a message when
 * malformed (unknown id, size beyond the module, bad custom name). Section
 * order is not checked here. */
int wasm_iter_next(wasm_iter *it, wasm_section *sec, char *err, size_t errlen);

#endif
