/* wasmfile.c — bounds-checked reading of a WebAssembly core module: the
 * sections the package checks need, nothing more (see wasmfile.h).
 *
 * Every read goes through `rd`, a cursor with an end; a read past the end is
 * an error, never an access. Counts read from the module are checked against
 * a named limit and against the bytes left (each element takes at least one
 * byte) before memory is allocated for them. */
#include "sandbox/wasmfile.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/textfmt.h"

/* ---- errors --------------------------------------------------------- */

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...) {
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- LEB128 --------------------------------------------------------- */

size_t wasm_leb_u32(const uint8_t *p, size_t avail, uint32_t *out) {
    uint32_t v = 0;
    for (size_t i = 0; i < 5; i++) {
        if (i >= avail) return 0;
        uint8_t b = p[i];
        if (i == 4 && (b & 0xf0)) return 0; /* continuation or bits beyond 32 */
        v |= (uint32_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return i + 1;
        }
    }
    return 0;
}

size_t wasm_leb_u64(const uint8_t *p, size_t avail, uint64_t *out) {
    uint64_t v = 0;
    for (size_t i = 0; i < 10; i++) {
        if (i >= avail) return 0;
        uint8_t b = p[i];
        if (i == 9 && (b & 0xfe)) return 0; /* only bit 63 is left */
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return i + 1;
        }
    }
    return 0;
}

/* ---- names ---------------------------------------------------------- */

const char *wasm_valtype_name(uint8_t t) {
    switch (t) {
    case WASM_VT_I32: return "i32";
    case WASM_VT_I64: return "i64";
    case WASM_VT_F32: return "f32";
    case WASM_VT_F64: return "f64";
    case WASM_VT_V128: return "v128";
    case WASM_VT_FUNCREF: return "funcref";
    case WASM_VT_EXTERNREF: return "externref";
    default: return "?";
    }
}

const char *wasm_kind_name(wasm_kind k) {
    static const char *const names[] = {"func", "table", "memory", "global", "tag"};
    return (unsigned)k < 5 ? names[k] : "?";
}

static const char *section_name(uint8_t id) {
    static const char *const names[] = {"custom", "type", "import", "function", "table",
                                        "memory", "global", "export", "start", "element",
                                        "code", "data", "datacount", "tag"};
    return id < sizeof names / sizeof *names ? names[id] : "?";
}

bool wasm_str_is(const wasm_str *n, const char *s) {
    size_t l = strlen(s);
    return n->len == l && memcmp(n->s, s, l) == 0;
}

char *wasm_str_printable(const char *s, size_t len, char *buf, size_t size) {
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[5];
        size_t n;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            tmp[0] = (char)c;
            n = 1;
        } else {
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
            n = 4;
        }
        if (o + n + 1 > size) {
            /* no room: end with "..." when it fits */
            if (size >= 4) {
                while (o + 4 > size) o--;
                memcpy(buf + o, "...", 3);
                o += 3;
            }
            break;
        }
        memcpy(buf + o, tmp, n);
        o += n;
    }
    buf[o < size ? o : size - 1] = '\0';
    return buf;
}

size_t wasm_functype_format(const wasm_functype *t, char *buf, size_t size) {
    size_t o = 0;
#define PUT(str)                                                                                   \
    do {                                                                                           \
        const char *s_ = (str);                                                                    \
        size_t l_ = strlen(s_);                                                                    \
        if (o < size) {                                                                            \
            size_t c_ = size - 1 - o < l_ ? size - 1 - o : l_;                                     \
            memcpy(buf + o, s_, c_);                                                               \
        }                                                                                          \
        o += l_;                                                                                   \
    } while (0)
    PUT("(");
    for (uint32_t i = 0; i < t->nparams; i++) {
        if (i) PUT(", ");
        PUT(wasm_valtype_name(t->params[i]));
    }
    PUT(") -> ");
    if (t->nresults == 1) {
        PUT(wasm_valtype_name(t->results[0]));
    } else {
        PUT("(");
        for (uint32_t i = 0; i < t->nresults; i++) {
            if (i) PUT(", ");
            PUT(wasm_valtype_name(t->results[i]));
        }
        PUT(")");
    }
#undef PUT
    if (size) buf[o < size ? o : size - 1] = '\0';
    return o;
}

/* ---- the cursor ----------------------------------------------------- */

typedef struct rd {
    const uint8_t *base; /* start of the module: offsets in messages */
    const uint8_t *p, *end;
    char *err;
    size_t errlen;
    char where[64]; /* "import section", prefix of messages */
} rd;

static int rd_fail(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rd_fail(rd *r, const char *fmt, ...) {
    if (r->err && r->errlen) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(r->err, r->errlen, "%s%s%s at offset 0x%zx", r->where, r->where[0] ? ": " : "",
                 msg, (size_t)(r->p - r->base));
    }
    return -1;
}

static size_t rd_left(const rd *r) { return (size_t)(r->end - r->p); }

static int rd_byte(rd *r, uint8_t *b, const char *what) {
    if (r->p >= r->end) return rd_fail(r, "unexpected end reading %s", what);
    *b = *r->p++;
    return 0;
}

static int rd_u32(rd *r, uint32_t *v, const char *what) {
    size_t n = wasm_leb_u32(r->p, rd_left(r), v);
    if (n == 0) {
        if (rd_left(r) < 5) {
            /* distinguish a cut-short number from an overlong one */
            size_t i = 0;
            while (i < rd_left(r) && (r->p[i] & 0x80)) i++;
            if (i == rd_left(r)) return rd_fail(r, "unexpected end reading %s", what);
        }
        return rd_fail(r, "%s is not a valid u32 LEB128 number", what);
    }
    r->p += n;
    return 0;
}

static int rd_u64(rd *r, uint64_t *v, const char *what) {
    size_t n = wasm_leb_u64(r->p, rd_left(r), v);
    if (n == 0) return rd_fail(r, "%s is not a valid u64 LEB128 number (or cut short)", what);
    r->p += n;
    return 0;
}

/* A vector length: at most max, and at most the bytes left divided by the
 * smallest encoding of one element. */
static int rd_count(rd *r, uint32_t *n, uint32_t max, size_t min_elem, const char *what) {
    if (rd_u32(r, n, what) < 0) return -1;
    if (*n > max) return rd_fail(r, "%" PRIu32 " %s (at most %" PRIu32 ")", *n, what, max);
    if ((uint64_t)*n * min_elem > rd_left(r))
        return rd_fail(r, "%" PRIu32 " %s do not fit in the %zu bytes left", *n, what, rd_left(r));
    return 0;
}

/* A name: length, then that many bytes of UTF-8 (U+0000 allowed). */
static int rd_name_ref(rd *r, const uint8_t **s, uint32_t *len, const char *what) {
    if (rd_u32(r, len, what) < 0) return -1;
    if (*len > SANDBOX_WASM_MAX_NAME_BYTES)
        return rd_fail(r, "%s of %" PRIu32 " bytes (at most %u)", what, *len,
                       (unsigned)SANDBOX_WASM_MAX_NAME_BYTES);
    if (*len > rd_left(r)) return rd_fail(r, "%s of %" PRIu32 " bytes runs past the end", what, *len);
    const char *c = (const char *)r->p;
    for (size_t i = 0; i < *len;) {
        size_t n = utf8_seq_len(c + i, *len - i);
        if (n == 0) return rd_fail(r, "%s is not valid UTF-8", what);
        i += n;
    }
    *s = r->p;
    r->p += *len;
    return 0;
}

static int rd_name(rd *r, wasm_str *out, const char *what) {
    const uint8_t *s;
    uint32_t len;
    if (rd_name_ref(r, &s, &len, what) < 0) return -1;
    out->s = malloc((size_t)len + 1);
    if (!out->s) return rd_fail(r, "out of memory");
    memcpy(out->s, s, len);
    out->s[len] = '\0';
    out->len = len;
    return 0;
}

static int rd_valtype(rd *r, uint8_t *t) {
    if (rd_byte(r, t, "a value type") < 0) return -1;
    switch (*t) {
    case WASM_VT_I32: case WASM_VT_I64: case WASM_VT_F32: case WASM_VT_F64:
    case WASM_VT_V128: case WASM_VT_FUNCREF: case WASM_VT_EXTERNREF:
        return 0;
    default:
        r->p--;
        return rd_fail(r, "unsupported value type 0x%02x", *t);
    }
}

/* Limits of a memory or table. flags bit 0: has a maximum; bit 1: shared
 * (memories only); bit 2: 64-bit indices. */
static int rd_limits(rd *r, bool memory, bool *is64, bool *shared) {
    uint8_t flags = 0;
    if (rd_byte(r, &flags, "limits") < 0) return -1;
    uint8_t allowed = memory ? 0x07 : 0x05;
    if (flags & ~allowed) {
        r->p--;
        return rd_fail(r, "unsupported %s limits flags 0x%02x", memory ? "memory" : "table", flags);
    }
    *is64 = flags & 0x04;
    *shared = flags & 0x02;
    for (int i = 0; i < ((flags & 1) ? 2 : 1); i++) {
        if (*is64) {
            uint64_t v;
            if (rd_u64(r, &v, i ? "a maximum" : "a minimum") < 0) return -1;
        } else {
            uint32_t v;
            if (rd_u32(r, &v, i ? "a maximum" : "a minimum") < 0) return -1;
        }
    }
    return 0;
}

/* ---- sections ------------------------------------------------------- */

int wasm_iter_init(wasm_iter *it, const uint8_t *bytes, size_t len, char *err, size_t errlen) {
    static const uint8_t magic[4] = {0x00, 'a', 's', 'm'};
    static const uint8_t v1[4] = {0x01, 0x00, 0x00, 0x00};
    memset(it, 0, sizeof *it);
    if (!bytes || len < 8 || memcmp(bytes, magic, 4) != 0) {
        seterr(err, errlen, "not a WebAssembly module (no \\0asm header)");
        return -1;
    }
    if (memcmp(bytes + 4, v1, 4) != 0) {
        if (bytes[6] == 0x01 && bytes[7] == 0x00)
            seterr(err, errlen, "a WebAssembly component, not a core module (components are not supported)");
        else
            seterr(err, errlen, "unsupported WebAssembly version %02x %02x %02x %02x (only 1)", bytes[4],
                   bytes[5], bytes[6], bytes[7]);
        return -1;
    }
    it->base = bytes;
    it->p = bytes + 8;
    it->end = bytes + len;
    return 0;
}

int wasm_iter_next(wasm_iter *it, wasm_section *sec, char *err, size_t errlen) {
    if (it->p == it->end) return 0;
    rd r = {.base = it->base, .p = it->p, .end = it->end, .err = err, .errlen = errlen};
    memset(sec, 0, sizeof *sec);
    sec->offset = (size_t)(r.p - r.base);
    uint8_t id = 0;
    uint32_t size;
    if (rd_byte(&r, &id, "a section id") < 0) return -1;
    if (id > WASM_SEC_TAG) {
        r.p--;
        return rd_fail(&r, "unknown section id %u", id);
    }
    snprintf(r.where, sizeof r.where, "%s section", section_name(id));
    if (rd_u32(&r, &size, "the section size") < 0) return -1;
    if (size > rd_left(&r)) return rd_fail(&r, "size %" PRIu32 " runs past the end of the module", size);
    sec->id = id;
    sec->data = r.p;
    sec->len = size;
    const uint8_t *next = r.p + size;
    if (id == WASM_SEC_CUSTOM) {
        r.end = next;
        if (rd_name_ref(&r, &sec->name, &sec->name_len, "the custom section name") < 0) return -1;
        sec->data = r.p;
        sec->len = (size_t)(next - r.p);
    }
    it->p = next;
    return 1;
}

/* ---- the module ----------------------------------------------------- */

/* Position of each non-custom section in the required order. */
static int section_rank(uint8_t id) {
    switch (id) {
    case WASM_SEC_TYPE: return 1;
    case WASM_SEC_IMPORT: return 2;
    case WASM_SEC_FUNCTION: return 3;
    case WASM_SEC_TABLE: return 4;
    case WASM_SEC_MEMORY: return 5;
    case WASM_SEC_TAG: return 6;
    case WASM_SEC_GLOBAL: return 7;
    case WASM_SEC_EXPORT: return 8;
    case WASM_SEC_START: return 9;
    case WASM_SEC_ELEMENT: return 10;
    case WASM_SEC_DATACOUNT: return 11;
    case WASM_SEC_CODE: return 12;
    case WASM_SEC_DATA: return 13;
    default: return 0;
    }
}

typedef struct reader {
    wasm_info *w;
    uint32_t *defined_types; /* function section entries */
    uint32_t ndefined;
    int manifests;           /* weir.manifest sections seen */
    size_t manifest_big;     /* size of a manifest beyond the limit, or 0 */
} reader;

static int parse_types(reader *R, rd *r) {
    wasm_info *w = R->w;
    uint32_t n;
    /* smallest entry: 0x60 0x00 0x00 */
    if (rd_count(r, &n, SANDBOX_WASM_MAX_TYPES, 3, "types") < 0) return -1;
    w->types = calloc(n ? n : 1, sizeof *w->types);
    /* every value type takes one byte of the section: the pool never needs more */
    w->valpool = malloc(rd_left(r) ? rd_left(r) : 1);
    if (!w->types || !w->valpool) return rd_fail(r, "out of memory");
    size_t pool = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form = 0;
        if (rd_byte(r, &form, "a type form") < 0) return -1;
        if (form != 0x60) {
            r->p--;
            return rd_fail(r, "type %" PRIu32 ": unsupported type form 0x%02x (only function types)", i, form);
        }
        wasm_functype *t = &w->types[i];
        if (rd_count(r, &t->nparams, SANDBOX_WASM_MAX_PARAMS, 1, "parameters") < 0) return -1;
        t->params = w->valpool + pool;
        for (uint32_t k = 0; k < t->nparams; k++)
            if (rd_valtype(r, &w->valpool[pool++]) < 0) return -1;
        if (rd_count(r, &t->nresults, SANDBOX_WASM_MAX_RESULTS, 1, "results") < 0) return -1;
        t->results = w->valpool + pool;
        for (uint32_t k = 0; k < t->nresults; k++)
            if (rd_valtype(r, &w->valpool[pool++]) < 0) return -1;
        w->ntypes = i + 1;
    }
    return 0;
}

static void note_memory(wasm_info *w, bool is64, bool shared) {
    if (w->nmemories == 0) {
        w->memory0_64 = is64;
        w->memory0_shared = shared;
    }
    w->nmemories++;
}

static int parse_imports(reader *R, rd *r) {
    wasm_info *w = R->w;
    uint32_t n;
    /* smallest entry: two empty names, a kind, a one-byte descriptor */
    if (rd_count(r, &n, SANDBOX_WASM_MAX_IMPORTS, 4, "imports") < 0) return -1;
    w->imports = calloc(n ? n : 1, sizeof *w->imports);
    if (!w->imports) return rd_fail(r, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasm_import *im = &w->imports[i];
        w->nimports = i + 1; /* so that wasm_info_free releases its names */
        if (rd_name(r, &im->module, "the import module name") < 0) return -1;
        if (rd_name(r, &im->name, "the import name") < 0) return -1;
        uint8_t kind = 0;
        if (rd_byte(r, &kind, "an import kind") < 0) return -1;
        im->kind = (wasm_kind)kind;
        bool is64, shared;
        switch (kind) {
        case WASM_KIND_FUNC:
            if (rd_u32(r, &im->type, "a type index") < 0) return -1;
            if (im->type >= w->ntypes)
                return rd_fail(r, "import %" PRIu32 ": type index %" PRIu32 " out of range (%" PRIu32 " types)",
                               i, im->type, w->ntypes);
            if (w->nfuncs_imported >= SANDBOX_WASM_MAX_FUNCS) return rd_fail(r, "too many functions");
            w->nfuncs_imported++;
            break;
        case WASM_KIND_TABLE: {
            uint8_t rt = 0;
            if (rd_byte(r, &rt, "a reference type") < 0) return -1;
            if (rt != WASM_VT_FUNCREF && rt != WASM_VT_EXTERNREF) {
                r->p--;
                return rd_fail(r, "import %" PRIu32 ": unsupported table element type 0x%02x", i, rt);
            }
            if (rd_limits(r, false, &is64, &shared) < 0) return -1;
            break;
        }
        case WASM_KIND_MEMORY:
            if (rd_limits(r, true, &is64, &shared) < 0) return -1;
            if (w->nmemories >= SANDBOX_WASM_MAX_MEMORIES) return rd_fail(r, "too many memories");
            note_memory(w, is64, shared);
            w->nmemories_imported++;
            break;
        case WASM_KIND_GLOBAL: {
            uint8_t vt = 0, mut = 0;
            if (rd_valtype(r, &vt) < 0) return -1;
            if (rd_byte(r, &mut, "a mutability flag") < 0) return -1;
            if (mut > 1) {
                r->p--;
                return rd_fail(r, "import %" PRIu32 ": bad mutability flag 0x%02x", i, mut);
            }
            break;
        }
        case WASM_KIND_TAG: {
            uint8_t attr = 0;
            if (rd_byte(r, &attr, "a tag attribute") < 0) return -1;
            if (attr != 0) {
                r->p--;
                return rd_fail(r, "import %" PRIu32 ": bad tag attribute 0x%02x", i, attr);
            }
            if (rd_u32(r, &im->type, "a type index") < 0) return -1;
            if (im->type >= w->ntypes)
                return rd_fail(r, "import %" PRIu32 ": type index %" PRIu32 " out of range (%" PRIu32 " types)",
                               i, im->type, w->ntypes);
            break;
        }
        default:
            r->p--;
            return rd_fail(r, "import %" PRIu32 ": unknown import kind 0x%02x", i, kind);
        }
    }
    return 0;
}

static int parse_functions(reader *R, rd *r) {
    wasm_info *w = R->w;
    uint32_t n;
    if (rd_count(r, &n, SANDBOX_WASM_MAX_FUNCS, 1, "functions") < 0) return -1;
    if ((uint64_t)n + w->nfuncs_imported > SANDBOX_WASM_MAX_FUNCS)
        return rd_fail(r, "%" PRIu32 " functions (at most %u with the imported ones)", n,
                       (unsigned)SANDBOX_WASM_MAX_FUNCS);
    R->defined_types = malloc((n ? n : 1) * sizeof *R->defined_types);
    if (!R->defined_types) return rd_fail(r, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        if (rd_u32(r, &t, "a type index") < 0) return -1;
        if (t >= w->ntypes)
            return rd_fail(r, "function %" PRIu32 ": type index %" PRIu32 " out of range (%" PRIu32 " types)", i,
                           t, w->ntypes);
        R->defined_types[i] = t;
    }
    R->ndefined = n;
    return 0;
}

static int parse_memories(reader *R, rd *r) {
    wasm_info *w = R->w;
    uint32_t n;
    if (rd_count(r, &n, SANDBOX_WASM_MAX_MEMORIES, 2, "memories") < 0) return -1;
    if ((uint64_t)n + w->nmemories > SANDBOX_WASM_MAX_MEMORIES)
        return rd_fail(r, "too many memories (at most %u)", (unsigned)SANDBOX_WASM_MAX_MEMORIES);
    for (uint32_t i = 0; i < n; i++) {
        bool is64, shared;
        if (rd_limits(r, true, &is64, &shared) < 0) return -1;
        note_memory(w, is64, shared);
    }
    return 0;
}

static int parse_exports(reader *R, rd *r) {
    wasm_info *w = R->w;
    uint32_t n;
    /* smallest entry: an empty name, a kind, a one-byte index */
    if (rd_count(r, &n, SANDBOX_WASM_MAX_EXPORTS, 3, "exports") < 0) return -1;
    w->exports = calloc(n ? n : 1, sizeof *w->exports);
    if (!w->exports) return rd_fail(r, "out of memory");
    uint32_t nfuncs = w->nfuncs_imported + R->ndefined;
    for (uint32_t i = 0; i < n; i++) {
        wasm_export *ex = &w->exports[i];
        w->nexports = i + 1;
        if (rd_name(r, &ex->name, "the export name") < 0) return -1;
        uint8_t kind = 0;
        if (rd_byte(r, &kind, "an export kind") < 0) return -1;
        if (kind > WASM_KIND_TAG) {
            r->p--;
            return rd_fail(r, "export %" PRIu32 ": unknown export kind 0x%02x", i, kind);
        }
        ex->kind = (wasm_kind)kind;
        if (rd_u32(r, &ex->index, "an export index") < 0) return -1;
        if (kind == WASM_KIND_FUNC && ex->index >= nfuncs)
            return rd_fail(r, "export %" PRIu32 ": function index %" PRIu32 " out of range (%" PRIu32 " functions)",
                           i, ex->index, nfuncs);
        if (kind == WASM_KIND_MEMORY && ex->index >= w->nmemories)
            return rd_fail(r, "export %" PRIu32 ": memory index %" PRIu32 " out of range (%" PRIu32 " memories)", i,
                           ex->index, w->nmemories);
    }
    return 0;
}

static int cmp_export_names(const void *a, const void *b) {
    const wasm_str *x = &(*(const wasm_export *const *)a)->name;
    const wasm_str *y = &(*(const wasm_export *const *)b)->name;
    uint32_t m = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, m);
    if (c) return c;
    return (x->len > y->len) - (x->len < y->len);
}

/* Export names must be unique (the spec requires it; Wasmtime refuses
 * duplicates). Checked here because the package checks look exports up by
 * name and must see the one Wasmtime would. */
static int check_unique_exports(wasm_info *w, char *err, size_t errlen) {
    if (w->nexports < 2) return 0;
    const wasm_export **v = malloc(w->nexports * sizeof *v);
    if (!v) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < w->nexports; i++) v[i] = &w->exports[i];
    qsort(v, w->nexports, sizeof *v, cmp_export_names);
    int rc = 0;
    for (uint32_t i = 1; i < w->nexports; i++) {
        if (cmp_export_names(&v[i - 1], &v[i]) == 0) {
            char name[80];
            seterr(err, errlen, "export section: duplicate export name \"%s\"",
                   wasm_str_printable(v[i]->name.s, v[i]->name.len, name, sizeof name));
            rc = -1;
            break;
        }
    }
    free(v);
    return rc;
}

static int parse_section(reader *R, const wasm_section *sec, const uint8_t *base, char *err, size_t errlen) {
    rd r = {.base = base, .p = sec->data, .end = sec->data + sec->len, .err = err, .errlen = errlen};
    snprintf(r.where, sizeof r.where, "%s section", section_name(sec->id));
    int rc;
    switch (sec->id) {
    case WASM_SEC_TYPE: rc = parse_types(R, &r); break;
    case WASM_SEC_IMPORT: rc = parse_imports(R, &r); break;
    case WASM_SEC_FUNCTION: rc = parse_functions(R, &r); break;
    case WASM_SEC_MEMORY: rc = parse_memories(R, &r); break;
    case WASM_SEC_EXPORT: rc = parse_exports(R, &r); break;
    case WASM_SEC_START: {
        uint32_t f;
        rc = rd_u32(&r, &f, "the start function index");
        R->w->has_start = true;
        break;
    }
    default: return 0; /* skipped: Wasmtime validates it */
    }
    if (rc < 0) return -1;
    if (r.p != r.end) return rd_fail(&r, "%zu unexpected bytes at the end of the section", rd_left(&r));
    return 0;
}

static int on_custom(reader *R, const wasm_section *sec, char *err, size_t errlen) {
    static const char mname[] = "weir.manifest";
    if (sec->name_len != sizeof mname - 1 || memcmp(sec->name, mname, sizeof mname - 1) != 0) return 0;
    if (++R->manifests > 1) return 0;
    if (sec->len > SANDBOX_MAX_MANIFEST_BYTES) {
        R->manifest_big = sec->len;
        return 0;
    }
    wasm_info *w = R->w;
    w->manifest = malloc(sec->len + 1);
    if (!w->manifest) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    memcpy(w->manifest, sec->data, sec->len);
    w->manifest[sec->len] = '\0';
    w->manifest_len = sec->len;
    return 0;
}

sbx_code wasm_read(const uint8_t *bytes, size_t len, wasm_info *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (err && errlen) err[0] = '\0';
    reader R = {.w = out};
    wasm_iter it;
    wasm_section sec;
    int last_rank = 0, rc;
    if (wasm_iter_init(&it, bytes, len, err, errlen) < 0) goto bad;
    while ((rc = wasm_iter_next(&it, &sec, err, errlen)) == 1) {
        if (sec.id == WASM_SEC_CUSTOM) {
            if (on_custom(&R, &sec, err, errlen) < 0) goto bad;
            continue;
        }
        int rank = section_rank(sec.id);
        if (rank <= last_rank) {
            seterr(err, errlen, "%s section at offset 0x%zx: out of order or repeated", section_name(sec.id),
                   sec.offset);
            goto bad;
        }
        last_rank = rank;
        if (parse_section(&R, &sec, bytes, err, errlen) < 0) goto bad;
    }
    if (rc < 0) goto bad;

    /* the function index space: imports first */
    uint32_t nf = out->nfuncs_imported + R.ndefined;
    out->func_types = malloc((nf ? nf : 1) * sizeof *out->func_types);
    if (!out->func_types) {
        seterr(err, errlen, "out of memory");
        goto bad;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < out->nimports; i++)
        if (out->imports[i].kind == WASM_KIND_FUNC) out->func_types[k++] = out->imports[i].type;
    for (uint32_t i = 0; i < R.ndefined; i++) out->func_types[k++] = R.defined_types[i];
    out->nfuncs = nf;
    free(R.defined_types);
    R.defined_types = NULL;

    if (check_unique_exports(out, err, errlen) < 0) goto bad;

    if (R.manifests > 1) {
        seterr(err, errlen, "the module has %d weir.manifest sections (exactly one is allowed)", R.manifests);
        wasm_info_free(out);
        return SBX_INVALID_MANIFEST;
    }
    if (R.manifest_big) {
        seterr(err, errlen, "the weir.manifest section has %zu bytes (at most %u)", R.manifest_big,
               (unsigned)SANDBOX_MAX_MANIFEST_BYTES);
        wasm_info_free(out);
        return SBX_INVALID_MANIFEST;
    }
    return SBX_OK;

bad:
    free(R.defined_types);
    wasm_info_free(out);
    return SBX_INVALID_MODULE;
}

void wasm_info_free(wasm_info *w) {
    if (!w) return;
    for (uint32_t i = 0; i < w->nimports; i++) {
        free(w->imports[i].module.s);
        free(w->imports[i].name.s);
    }
    for (uint32_t i = 0; i < w->nexports; i++) free(w->exports[i].name.s);
    free(w->imports);
    free(w->exports);
    free(w->types);
    free(w->valpool);
    free(w->func_types);
    free(w->manifest);
    memset(w, 0, sizeof *w);
}

const wasm_functype *wasm_info_func_type(const wasm_info *w, uint32_t funcidx) {
    if (funcidx >= w->nfuncs || !w->func_types) return NULL;
    uint32_t t = w->func_types[funcidx];
    return t < w->ntypes ? &w->types[t] : NULL;
}

const wasm_export *wasm_find_export(const wasm_info *w, const char *name) {
    for (uint32_t i = 0; i < w->nexports; i++)
        if (wasm_str_is(&w->exports[i].name, name)) return &w->exports[i];
    return NULL;
}
