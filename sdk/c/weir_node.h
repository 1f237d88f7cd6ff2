/*
 * weir_node.h -- the C SDK for weir WebAssembly node packages (node ABI v1).
 *
 * The contract this header implements is shared/spec/node-abi.md; the guide is
 * sdk/c/README.md. In short, a package is one .c file:
 *
 *     #include "weir_node.h"
 *
 *     WEIR_MANIFEST("{\"abi\": 1, \"package\": {...}, \"nodes\": [...]}");
 *
 *     static int reverse(const weir_input *in) {
 *         char *text = weir_input_cstr(in, "text");
 *         ...
 *         return weir_set_output_cstr("reversed", out) == WEIR_OK
 *                    ? WEIR_NODE_OK : weir_fail("could not set output");
 *     }
 *
 *     WEIR_NODES(reverse);           // index 0 in the manifest's "nodes"
 *
 * Header-only. Everything is `static inline` except what the two macros emit:
 *
 *   WEIR_NODES(fn, ...)  the module's exports `weir_alloc` and `weir_run`;
 *                        use it in exactly one .c file of a package.
 *   WEIR_MANIFEST(lit)   the `weir.manifest` custom section; at most once per
 *                        package (or give the manifest as a file to the build
 *                        rule instead, see weir_package.cmake).
 *
 * No libc is needed: the header uses only the compiler's freestanding headers
 * (stdbool.h, stddef.h, stdint.h) and its own allocator, JSON reader/writer and
 * number conversions. It works the same linked against wasi-libc (the default
 * build rule) or with `-nostdlib -fno-builtin -Wl,--no-entry`.
 *
 * Nothing here imports anything from WASI, and a `weir` host function becomes
 * an import of the module only if the package calls it (directly or through a
 * helper), so a package imports exactly the capabilities it uses.
 *
 * Conventions:
 *   - Functions that can fail return an int: WEIR_OK (0) or a negative code,
 *     either one the host returned (WEIR_ERR_DENIED, ...) or one of the SDK's
 *     own (WEIR_ERR_MISSING, ...). weir_strerror() names them.
 *   - Memory the SDK hands out (`char **out` parameters, weir_input_cstr, ...)
 *     comes from weir_malloc and belongs to the caller (weir_free). Every
 *     invocation runs in a fresh instance, so forgetting a free only costs
 *     memory until the node returns.
 *   - Strings passed in as `const char *` are NUL-terminated; `(ptr, len)`
 *     pairs may contain any bytes.
 *
 * Node functions return WEIR_NODE_OK (0) for success; anything else makes the
 * invocation end `node_failed` with the message last given to weir_fail().
 */
#ifndef WEIR_NODE_H
#define WEIR_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEIR_ABI_VERSION 1
#define WEIR_SDK_VERSION "1.0.0"

/* ------------------------------------------------------------------------ */
/* Result codes                                                              */
/* ------------------------------------------------------------------------ */

/** What a node function returns on success; any other value fails the node. */
#define WEIR_NODE_OK 0
/** What weir_fail() returns, for `return weir_fail("...");`. */
#define WEIR_NODE_FAILED 1

enum {
    WEIR_OK = 0,
    /* Returned by the host (node-abi §3). */
    WEIR_ERR_BAD_RANGE = -1,       /* pointer/length outside guest memory, bad handle */
    WEIR_ERR_UNKNOWN_PIN = -2,     /* set_output / activate: no such output pin */
    WEIR_ERR_BAD_JSON = -3,        /* set_output: invalid JSON or wrong type for the pin */
    WEIR_ERR_OUTPUT_TOO_LARGE = -4,/* set_output: over the output size limit */
    WEIR_ERR_DENIED = -10,         /* capability, host, method, secret or path not allowed */
    WEIR_ERR_NETWORK = -11,        /* network (or other host-side I/O) error */
    WEIR_ERR_TIMEOUT = -12,        /* timed out */
    WEIR_ERR_TOO_LARGE = -13,      /* response, file or list over its limit */
    WEIR_ERR_INVALID_PATH = -20,   /* storage path refused */
    WEIR_ERR_NOT_FOUND = -21,      /* storage file, variable or secret not found */
    /* The SDK's own (never returned by the host). */
    WEIR_ERR_MISSING = -100,       /* JSON key (input pin) absent */
    WEIR_ERR_TYPE = -101,          /* JSON value of another type than asked for */
    WEIR_ERR_SYNTAX = -102,        /* malformed JSON */
    WEIR_ERR_RANGE = -103,         /* number out of range (or NaN/infinity) */
    WEIR_ERR_NOSPACE = -104,       /* caller's buffer too small (length still reported) */
    WEIR_ERR_NOMEM = -105,         /* weir_malloc failed (memory limit reached) */
    WEIR_ERR_ARG = -106,           /* invalid argument (NULL, length over 2 GiB, ...) */
    WEIR_ERR_NULL = -107           /* JSON value is null */
};

/** Log levels for weir_log(). */
enum { WEIR_LOG_DEBUG = 0, WEIR_LOG_INFO = 1, WEIR_LOG_WARN = 2, WEIR_LOG_ERROR = 3 };

/** Largest single allocation and largest length passed to the host (2 GiB - 64 KiB). */
#define WEIR_MAX_LEN ((size_t)0x7FFF0000u)

/** Nesting depth the JSON reader accepts (as jansson's default). */
#define WEIR_JSON_MAX_DEPTH 2048

/* ------------------------------------------------------------------------ */
/* Host imports (node-abi §3), module "weir". Exact ABI signatures: every     */
/* pointer and length is an i32. Prefer the helpers further down; these are   */
/* here for full control (and for the hostile test package).                  */
/* ------------------------------------------------------------------------ */

#if defined(__wasm__)
#define WEIR__IMPORT(name) __attribute__((import_module("weir"), import_name(name)))
#else
/* Native builds (the SDK's own unit tests): plain externs the test defines. */
#define WEIR__IMPORT(name)
#endif

/** log(level, ptr, len): a log line; level 0 debug, 1 info, 2 warn, 3 error. */
WEIR__IMPORT("log") void weir_host_log(int32_t level, const void *ptr, int32_t len);
/** set_output(name, json) -> 0 ok, -2 unknown pin, -3 bad JSON/type, -4 too large. */
WEIR__IMPORT("set_output") int32_t weir_host_set_output(const void *name_ptr, int32_t name_len,
                                                        const void *json_ptr, int32_t json_len);
/** activate(name) -> 0 ok, -2 unknown pin: activate an execution output pin. */
WEIR__IMPORT("activate") int32_t weir_host_activate(const void *name_ptr, int32_t name_len);
/** fail(ptr, len): set the failure message (the node fails if weir_run returns non-zero). */
WEIR__IMPORT("fail") void weir_host_fail(const void *ptr, int32_t len);
/** buf_len(handle) -> length of a host buffer, -1 bad handle. */
WEIR__IMPORT("buf_len") int32_t weir_host_buf_len(int32_t handle);
/** buf_read(handle, ptr, len) -> bytes copied (up to len), -1 on error. */
WEIR__IMPORT("buf_read") int32_t weir_host_buf_read(int32_t handle, void *ptr, int32_t len);
/** buf_drop(handle): release a host buffer. */
WEIR__IMPORT("buf_drop") void weir_host_buf_drop(int32_t handle);
/** now_ms() -> wall-clock milliseconds since the Unix epoch. */
WEIR__IMPORT("now_ms") int64_t weir_host_now_ms(void);
/** random_fill(ptr, len) -> 0 ok: bytes from the host's CSPRNG. */
WEIR__IMPORT("random_fill") int32_t weir_host_random_fill(void *ptr, int32_t len);
/** http_request(req JSON) -> handle (> 0) of the response JSON, or < 0. Capability `http`. */
WEIR__IMPORT("http_request") int32_t weir_host_http_request(const void *req_ptr, int32_t req_len);
/** storage_read(path) -> handle of the file's bytes, or < 0. Capability `storage: read`. */
WEIR__IMPORT("storage_read") int32_t weir_host_storage_read(const void *path_ptr, int32_t path_len);
/** storage_write(path, data) -> 0 ok, or < 0. Capability `storage: write`. */
WEIR__IMPORT("storage_write") int32_t weir_host_storage_write(const void *path_ptr, int32_t path_len,
                                                              const void *data_ptr, int32_t data_len);
/** storage_list(prefix) -> handle of a JSON array of paths, or < 0. Capability `storage: list`. */
WEIR__IMPORT("storage_list") int32_t weir_host_storage_list(const void *prefix_ptr, int32_t prefix_len);
/** storage_delete(path) -> 0 ok, or < 0. Capability `storage: delete`. */
WEIR__IMPORT("storage_delete") int32_t weir_host_storage_delete(const void *path_ptr, int32_t path_len);
/** var_get(name) -> handle of the variable's JSON value, or < 0. Capability `variables: read`. */
WEIR__IMPORT("var_get") int32_t weir_host_var_get(const void *name_ptr, int32_t name_len);
/** var_set(name, json) -> 0 ok, or < 0. Capability `variables: write`. */
WEIR__IMPORT("var_set") int32_t weir_host_var_set(const void *name_ptr, int32_t name_len,
                                                  const void *json_ptr, int32_t json_len);
/** secret_get(name) -> handle of the secret's bytes, or < 0. Capability `secrets` (listed names). */
WEIR__IMPORT("secret_get") int32_t weir_host_secret_get(const void *name_ptr, int32_t name_len);
/** emit(json) -> 0 ok, or < 0: stream one JSON value. Capability `stream`. */
WEIR__IMPORT("emit") int32_t weir_host_emit(const void *json_ptr, int32_t json_len);

/* ------------------------------------------------------------------------ */
/* Memory and string basics (no libc)                                         */
/* ------------------------------------------------------------------------ */

/** Copies n bytes from src to dst (regions must not overlap); returns dst. */
static inline void *weir_memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    for (; n >= 8; n -= 8, d += 8, s += 8) { /* 8 bytes at a time: one i64 load/store */
        uint64_t w;
        __builtin_memcpy(&w, s, 8);
        __builtin_memcpy(d, &w, 8);
    }
    for (; n > 0; n--) *d++ = *s++;
    return dst;
}

/** Copies n bytes from src to dst; the regions may overlap. Returns dst. */
static inline void *weir_memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    if (d < s) {
        for (size_t i = 0; i < n; i++) d[i] = s[i];
    } else if (d > s) {
        for (size_t i = n; i > 0; i--) d[i - 1] = s[i - 1];
    }
    return dst;
}

/** Sets n bytes at dst to the byte c; returns dst. */
static inline void *weir_memset(void *dst, int c, size_t n) {
    unsigned char *d = (unsigned char *)dst;
    uint64_t w = UINT64_C(0x0101010101010101) * (unsigned char)c;
    for (; n >= 8; n -= 8, d += 8) __builtin_memcpy(d, &w, 8);
    for (; n > 0; n--) *d++ = (unsigned char)c;
    return dst;
}

/** Compares n bytes: <0, 0 or >0 like memcmp. */
static inline int weir_memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

/** Length of a NUL-terminated string (0 for NULL). */
static inline size_t weir_strlen(const char *s) {
    size_t n = 0;
    if (!s) return 0;
    while (s[n]) n++;
    return n;
}

/** True when the NUL-terminated strings a and b are equal. */
static inline bool weir_streq(const char *a, const char *b) {
    size_t i = 0;
    if (!a || !b) return a == b;
    for (; a[i] && a[i] == b[i]; i++) {}
    return a[i] == b[i];
}

/** Overwrites n bytes with zeros in a way the compiler does not remove (for secrets). */
static inline void weir_memzero_explicit(void *p, size_t n) {
    volatile unsigned char *d = (volatile unsigned char *)p;
    for (size_t i = 0; i < n; i++) d[i] = 0;
}

/* 8 bytes from p, any alignment. */
static inline uint64_t weir__load8(const char *p) {
    uint64_t w;
    __builtin_memcpy(&w, p, 8);
    return w;
}

#define WEIR__ONES UINT64_C(0x0101010101010101)
#define WEIR__HIGHS UINT64_C(0x8080808080808080)

/* The high bit of each byte of w that is '"', '\\' or a control character
 * (< 0x20), or, with `high`, >= 0x80 (the classic "has zero byte" and "has
 * byte less than" tests). Exact for the lowest such byte; bytes above it may
 * be flagged falsely. 0 when there is none. */
static inline uint64_t weir__special_mask(uint64_t w, bool high) {
    uint64_t q = w ^ (WEIR__ONES * '"'), b = w ^ (WEIR__ONES * '\\');
    uint64_t t = ((q - WEIR__ONES) & ~q) | ((b - WEIR__ONES) & ~b) | ((w - WEIR__ONES * 0x20) & ~w);
    if (high) t |= w;
    return t & WEIR__HIGHS;
}

/* The scalar form of weir__special_mask for one byte. */
static inline bool weir__special_byte(unsigned char c, bool high) {
    return c == '"' || c == '\\' || c < 0x20 || (high && c >= 0x80);
}

/* Index (0-7) of the first special byte among the 8 at p, or 8 if none: JSON
 * text is scanned 8 bytes per step and jumps straight to what needs a look. */
static inline unsigned weir__first_special8(const char *p, bool high) {
    uint64_t m = weir__special_mask(weir__load8(p), high);
    if (!m) return 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (unsigned)__builtin_ctzll(m) / 8; /* wasm is little-endian */
#else
    for (unsigned i = 0; i < 8; i++)
        if (weir__special_byte((unsigned char)p[i], high)) return i;
    return 8;
#endif
}

/* ------------------------------------------------------------------------ */
/* Allocator                                                                  */
/*                                                                            */
/* A small bump + free-list allocator over pages the SDK obtains itself with  */
/* memory.grow. It never touches memory it did not grow, so it coexists with  */
/* wasi-libc's malloc in the same module. Blocks are 16-byte aligned and      */
/* carry a 16-byte header. Free blocks are kept in address order and merged   */
/* with free neighbours; a free block that reaches the top lowers the top.    */
/* Allocation is first fit, then bump. Its state is per translation unit;     */
/* blocks are self-describing, so a pointer may be freed or reallocated from  */
/* any translation unit. When the host refuses to grow memory, weir_malloc    */
/* returns NULL.                                                              */
/* ------------------------------------------------------------------------ */

#define WEIR__PAGE 65536u
#define WEIR__HDR 16u
#define WEIR__USED 0x57454952u /* "WEIR" */
#define WEIR__FREE 0x46524545u /* "FREE" */

typedef struct weir__block {
    uint32_t size;  /* payload bytes, a multiple of 16 */
    uint32_t magic; /* WEIR__USED or WEIR__FREE */
    struct weir__block *next;
} weir__block;

typedef struct weir__heap {
    uintptr_t cur, end;      /* bump region [cur, end) */
    weir__block *free_list;
} weir__heap;

_Static_assert(sizeof(weir__block) <= WEIR__HDR, "block header must fit in 16 bytes");

#if defined(__wasm__)
/* End of linear memory in bytes. */
static inline uintptr_t weir__mem_end(void) {
    return (uintptr_t)__builtin_wasm_memory_size(0) * WEIR__PAGE;
}
/* memory.grow by `pages`; *start gets the address of the new pages. False if refused. */
static inline bool weir__mem_grow(size_t pages, uintptr_t *start) {
    size_t old = __builtin_wasm_memory_grow(0, pages);
    if (old == (size_t)-1) return false;
    *start = (uintptr_t)old * WEIR__PAGE;
    return true;
}
#else
/* Native builds (the SDK's unit tests) supply an emulated linear memory. */
uintptr_t weir_native_memory_end(void);
bool weir_native_memory_grow(size_t pages, uintptr_t *start);
/* Native stand-ins for the two functions above. */
static inline uintptr_t weir__mem_end(void) { return weir_native_memory_end(); }
static inline bool weir__mem_grow(size_t pages, uintptr_t *start) {
    return weir_native_memory_grow(pages, start);
}
#endif

/* This translation unit's allocator state. */
static inline weir__heap *weir__heap_state(void) {
    static weir__heap heap;
    return &heap;
}

/* Address just past block b's payload. */
static inline uintptr_t weir__block_end(const weir__block *b) {
    return (uintptr_t)b + WEIR__HDR + b->size;
}

/* Puts b on the address-ordered free list, merging it with free neighbours,
 * and gives it back to the bump region if it ends at the top. */
static inline void weir__free_block(weir__heap *h, weir__block *b) {
    weir__block **pp = &h->free_list, **pprev = NULL;
    b->magic = WEIR__FREE;
    while (*pp && *pp < b) {
        pprev = pp;
        pp = &(*pp)->next;
    }
    b->next = *pp;
    *pp = b;
    if (b->next && weir__block_end(b) == (uintptr_t)b->next) { /* merge the next one */
        b->size += WEIR__HDR + b->next->size;
        b->next = b->next->next;
    }
    if (pprev && weir__block_end(*pprev) == (uintptr_t)b) { /* merge into the previous one */
        weir__block *prev = *pprev;
        prev->size += WEIR__HDR + b->size;
        prev->next = b->next;
        b = prev;
        pp = pprev;
    }
    if (weir__block_end(b) == h->cur) { /* reaches the top: lower it */
        *pp = b->next;
        h->cur = (uintptr_t)b;
    }
}

/* Makes [cur, end) at least `total` bytes, growing memory; false if refused. */
static inline bool weir__heap_grow(weir__heap *h, size_t total, bool contiguous_only) {
    uintptr_t mem_end = weir__mem_end();
    bool contiguous = h->end != 0 && h->end == mem_end;
    size_t have = contiguous ? (size_t)(h->end - h->cur) : 0;
    if (!contiguous && contiguous_only) return false;
    size_t missing = total - have;
    size_t pages = (missing + WEIR__PAGE - 1) / WEIR__PAGE;
    size_t chunk = pages < 16 ? 16 : pages; /* 1 MiB steps, fewer grow calls */
    uintptr_t start = 0;
    if (pages > ((uintptr_t)-1 - mem_end) / WEIR__PAGE) return false;
    if (chunk > ((uintptr_t)-1 - mem_end) / WEIR__PAGE) chunk = pages;
    if (!weir__mem_grow(chunk, &start)) {
        if (chunk == pages || !weir__mem_grow(pages, &start)) return false;
        chunk = pages;
    }
    if (contiguous && start == h->end) {
        h->end += (uintptr_t)chunk * WEIR__PAGE;
        return true;
    }
    /* A new region: keep the rest of the old one on the free list. */
    {
        uintptr_t old_cur = h->cur, old_end = h->end;
        h->cur = start;
        h->end = start + (uintptr_t)chunk * WEIR__PAGE;
        if (old_end - old_cur >= WEIR__HDR + 16u) {
            weir__block *b = (weir__block *)old_cur;
            b->size = (uint32_t)(old_end - old_cur - WEIR__HDR);
            weir__free_block(h, b);
        }
    }
    return h->end - h->cur >= total;
}

/**
 * Allocates n bytes (16-byte aligned, contents unspecified). Returns NULL when
 * n exceeds WEIR_MAX_LEN or the host refuses to grow memory. weir_malloc(0)
 * returns a unique pointer. Free with weir_free().
 */
static inline void *weir_malloc(size_t n) {
    weir__heap *h = weir__heap_state();
    if (n > WEIR_MAX_LEN) return NULL;
    size_t need = n == 0 ? 16u : (n + 15u) & ~(size_t)15u;
    for (weir__block **pp = &h->free_list; *pp; pp = &(*pp)->next) {
        weir__block *b = *pp;
        if (b->size < need) continue;
        if (b->size - need >= 64u) { /* split: the tail stays free, in place */
            weir__block *rest = (weir__block *)(void *)((unsigned char *)b + WEIR__HDR + need);
            rest->size = (uint32_t)(b->size - need - WEIR__HDR);
            rest->magic = WEIR__FREE;
            rest->next = b->next;
            *pp = rest;
            b->size = (uint32_t)need;
        } else {
            *pp = b->next;
        }
        b->magic = WEIR__USED;
        b->next = NULL;
        return (unsigned char *)b + WEIR__HDR;
    }
    size_t total = WEIR__HDR + need;
    if ((size_t)(h->end - h->cur) < total && !weir__heap_grow(h, total, false)) return NULL;
    weir__block *b = (weir__block *)h->cur;
    h->cur += total;
    b->size = (uint32_t)need;
    b->magic = WEIR__USED;
    b->next = NULL;
    return (unsigned char *)b + WEIR__HDR;
}

/* The header of a block weir_malloc returned; traps on anything else (a bad
 * or double free is a bug that must not go on silently). */
static inline weir__block *weir__block_of(void *p) {
    weir__block *b = (weir__block *)(void *)((unsigned char *)p - WEIR__HDR);
    if (((uintptr_t)p & 15u) != 0 || b->magic != WEIR__USED) __builtin_trap();
    return b;
}

/** Releases a block from weir_malloc/weir_calloc/weir_realloc; NULL is ignored. */
static inline void weir_free(void *p) {
    weir__heap *h = weir__heap_state();
    if (!p) return;
    weir__free_block(h, weir__block_of(p));
}

/** Allocates n zeroed bytes; NULL on failure. */
static inline void *weir_calloc(size_t n) {
    void *p = weir_malloc(n);
    if (p) weir_memset(p, 0, n);
    return p;
}

/**
 * Resizes a block to n bytes, keeping its contents (like realloc). p may be
 * NULL. Returns the (possibly moved) block, or NULL on failure, in which case
 * p is untouched and still owned by the caller.
 */
static inline void *weir_realloc(void *p, size_t n) {
    weir__heap *h = weir__heap_state();
    if (!p) return weir_malloc(n);
    if (n > WEIR_MAX_LEN) return NULL;
    weir__block *b = weir__block_of(p);
    size_t need = n == 0 ? 16u : (n + 15u) & ~(size_t)15u;
    if (need <= b->size) return p;
    if ((uintptr_t)p + b->size == h->cur) { /* the top block: grow in place */
        size_t extra = need - b->size;
        if ((size_t)(h->end - h->cur) >= extra || weir__heap_grow(h, extra, true)) {
            h->cur += extra;
            b->size = (uint32_t)need;
            return p;
        }
    }
    void *q = weir_malloc(n);
    if (!q) return NULL;
    weir_memcpy(q, p, b->size);
    weir_free(p);
    return q;
}

/** Copies len bytes into a new NUL-terminated block; NULL on failure. */
static inline char *weir_strndup(const char *s, size_t len) {
    char *p = (char *)weir_malloc(len + 1);
    if (!p) return NULL;
    weir_memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* ------------------------------------------------------------------------ */
/* Strings with a length, UTF-8                                               */
/* ------------------------------------------------------------------------ */

/** A byte range that is not owned: usually a slice of JSON text. */
typedef struct weir_str {
    const char *ptr;
    size_t len;
} weir_str;

/** A weir_str over a NUL-terminated string. */
static inline weir_str weir_str_c(const char *s) {
    weir_str r = {s ? s : "", weir_strlen(s)};
    return r;
}

/** True when s holds exactly the bytes of the NUL-terminated string c. */
static inline bool weir_str_eq(weir_str s, const char *c) {
    size_t n = weir_strlen(c);
    return s.len == n && weir_memcmp(s.ptr, c, n) == 0;
}

/**
 * Length (1-4) of the well-formed UTF-8 sequence at s (n bytes available), or
 * 0 if it is not one (overlong forms, surrogates and > U+10FFFF are refused).
 */
static inline size_t weir_utf8_seq_len(const unsigned char *s, size_t n) {
    unsigned c;
    if (n == 0) return 0;
    c = s[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;  /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0; /* surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;  /* overlong */
        if (c == 0xF4 && s[1] >= 0x90) return 0; /* > U+10FFFF */
        return 4;
    }
    return 0;
}

/** True when the n bytes at s are well-formed UTF-8. */
static inline bool weir_utf8_valid(const void *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = weir_utf8_seq_len(p + i, n - i);
        if (k == 0) return false;
        i += k;
    }
    return true;
}

/* Hot, tiny helpers of the JSON reader are forced inline (a call costs more
 * fuel than their bodies). */
#if defined(__GNUC__) || defined(__clang__)
#define WEIR__HOT_INLINE static inline __attribute__((always_inline))
#else
#define WEIR__HOT_INLINE static inline
#endif

/** Encodes code point cp (<= 0x10FFFF) as UTF-8 into out; returns 1-4. */
WEIR__HOT_INLINE size_t weir_utf8_encode(uint32_t cp, char out[4]) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ------------------------------------------------------------------------ */
/* Numbers <-> text, exactly (no libc)                                        */
/*                                                                            */
/* Doubles are printed as the shortest decimal that reads back to the same    */
/* value and parsed with correct rounding (ties to even), using exact big-    */
/* integer decimal expansions of the rounding boundaries.                     */
/* ------------------------------------------------------------------------ */

#define WEIR__BN_WORDS 90  /* 2880 bits: 2^56 * 5^1076 needs ~2555 */
#define WEIR__DEC_MAX 800  /* decimal digits kept; exact expansions need <= 770 */

typedef struct weir__bn {
    uint32_t w[WEIR__BN_WORDS];
    size_t n;
} weir__bn;

/* b *= m. */
static inline void weir__bn_mul_small(weir__bn *b, uint32_t m) {
    uint64_t carry = 0;
    for (size_t i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->w[i] * m + carry;
        b->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry && b->n < WEIR__BN_WORDS) b->w[b->n++] = (uint32_t)carry;
}

/* b <<= s. */
static inline void weir__bn_shl(weir__bn *b, unsigned s) {
    unsigned words = s / 32, bits = s % 32;
    if (b->n == 0) return;
    if (bits) {
        uint32_t carry = 0;
        for (size_t i = 0; i < b->n; i++) {
            uint32_t v = b->w[i];
            b->w[i] = (v << bits) | carry;
            carry = v >> (32 - bits);
        }
        if (carry && b->n < WEIR__BN_WORDS) b->w[b->n++] = carry;
    }
    if (words) {
        if (b->n + words > WEIR__BN_WORDS) words = (unsigned)(WEIR__BN_WORDS - b->n);
        for (size_t i = b->n; i > 0; i--) b->w[i - 1 + words] = b->w[i - 1];
        for (size_t i = 0; i < words; i++) b->w[i] = 0;
        b->n += words;
    }
}

/* b /= d; returns the remainder. */
static inline uint32_t weir__bn_divmod_small(weir__bn *b, uint32_t d) {
    uint64_t rem = 0;
    for (size_t i = b->n; i > 0; i--) {
        uint64_t cur = (rem << 32) | b->w[i - 1];
        b->w[i - 1] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    while (b->n && b->w[b->n - 1] == 0) b->n--;
    return (uint32_t)rem;
}

/* Exact decimal digits of N * 2^E (N < 2^62, -1100 < E < 1000) into out
 * (most significant first, no leading zeros, "0" for zero); the value is
 * digits * 10^(*scale). Returns the digit count. */
static inline size_t weir__decimal(uint64_t N, int E, char out[WEIR__DEC_MAX], int *scale) {
    weir__bn b;
    size_t len = 0;
    b.n = 0;
    while (N) {
        b.w[b.n++] = (uint32_t)N;
        N >>= 32;
    }
    if (E >= 0) {
        weir__bn_shl(&b, (unsigned)E);
        *scale = 0;
    } else {
        int k = -E;
        uint32_t p = 1;
        for (; k >= 13; k -= 13) weir__bn_mul_small(&b, 1220703125u); /* 5^13 */
        while (k-- > 0) p *= 5;
        weir__bn_mul_small(&b, p);
        *scale = E;
    }
    while (b.n && len + 9 <= WEIR__DEC_MAX) { /* 9 digits at a time, least significant first */
        uint32_t r = weir__bn_divmod_small(&b, 1000000000u);
        for (int i = 0; i < 9; i++) {
            out[len++] = (char)('0' + r % 10);
            r /= 10;
        }
    }
    while (len > 1 && out[len - 1] == '0') len--; /* leading zeros */
    if (len == 0) out[len++] = '0';
    for (size_t i = 0; i < len / 2; i++) {
        char t = out[i];
        out[i] = out[len - 1 - i];
        out[len - 1 - i] = t;
    }
    return len;
}

/* Compares a = digits_a * 10^sa (+ a tiny amount if sticky) with b. Digit
 * strings have no leading zeros ("0" is zero). Returns -1, 0 or 1. */
static inline int weir__dec_cmp(const char *a, size_t la, long sa, bool sticky,
                                const char *b, size_t lb, long sb) {
    bool az = la == 1 && a[0] == '0' && !sticky, bz = lb == 1 && b[0] == '0';
    if (az || bz) return az && bz ? 0 : az ? -1 : 1;
    long ea = (long)la + sa, eb = (long)lb + sb;
    if (ea != eb) return ea < eb ? -1 : 1;
    for (size_t i = 0; i < la || i < lb; i++) {
        char ca = i < la ? a[i] : '0', cb = i < lb ? b[i] : '0';
        if (ca != cb) return ca < cb ? -1 : 1;
    }
    return sticky ? 1 : 0;
}

typedef union weir__f64 {
    double d;
    uint64_t u;
} weir__f64;

/* The rounding interval of a finite positive double: low and high boundaries
 * as exact decimals, and whether the boundaries belong to it (even mantissa). */
typedef struct weir__bounds {
    char lo[WEIR__DEC_MAX], hi[WEIR__DEC_MAX];
    size_t llo, lhi;
    int slo, shi;
    bool inclusive;
} weir__bounds;

/* Fills bd for the positive finite double with these bits; *m_out and *e_out
 * get its integer mantissa and binary exponent (value = m * 2^e). */
static inline void weir__f64_bounds(uint64_t bits, weir__bounds *bd, uint64_t *m_out, int *e_out) {
    unsigned f = (unsigned)((bits >> 52) & 0x7FF);
    uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
    uint64_t m = f ? frac | (UINT64_C(1) << 52) : frac;
    int e = f ? (int)f - 1075 : -1074;
    uint64_t nlo = (frac == 0 && f > 1) ? 4 * m - 1 : 4 * m - 2;
    bd->llo = weir__decimal(nlo, e - 2, bd->lo, &bd->slo);
    bd->lhi = weir__decimal(4 * m + 2, e - 2, bd->hi, &bd->shi);
    bd->inclusive = (m & 1) == 0;
    *m_out = m;
    *e_out = e;
}

/**
 * Writes the shortest decimal text that reads back as v into buf (at least 32
 * bytes) and NUL-terminates it. Integral values get ".0" ("3.0", "-0.0") so
 * they stay floats in JSON; exponents are used outside 1e-7 .. 1e21 ("1e+21",
 * "1.5e-7"). Returns the length, or 0 for NaN and infinities (not JSON).
 */
static inline size_t weir_dtoa(double v, char *buf) {
    weir__f64 x;
    weir__bounds bd;
    char dv[WEIR__DEC_MAX], r[WEIR__DEC_MAX + 1];
    size_t n = 0, lv, lr = 0;
    int sv;
    long sr = 0;
    uint64_t m;
    int e;
    x.d = v;
    if (((x.u >> 52) & 0x7FF) == 0x7FF) {
        buf[0] = '\0';
        return 0;
    }
    if (x.u >> 63) buf[n++] = '-';
    x.u &= ~(UINT64_C(1) << 63);
    if (x.u == 0) {
        weir_memcpy(buf + n, "0.0", 4);
        return n + 3;
    }
    weir__f64_bounds(x.u, &bd, &m, &e);
    lv = weir__decimal(4 * m, e - 2, dv, &sv);
    for (size_t p = 1; p <= 17; p++) {
        if (lv <= p) { /* exact */
            weir_memcpy(r, dv, lv);
            lr = lv;
            sr = sv;
        } else {
            bool up = false;
            weir_memcpy(r, dv, p);
            lr = p;
            sr = sv + (long)(lv - p);
            if (dv[p] > '5') {
                up = true;
            } else if (dv[p] == '5') {
                for (size_t i = p + 1; i < lv && !up; i++) up = dv[i] != '0';
                if (!up) up = (r[p - 1] - '0') & 1; /* tie: to even */
            }
            if (up) {
                size_t i = p;
                while (i > 0 && r[i - 1] == '9') r[--i] = '0';
                if (i == 0) { /* 99..9 -> 100..0 */
                    r[0] = '1';
                    lr = 1;
                    sr += (long)p;
                } else {
                    r[i - 1]++;
                }
            }
        }
        while (lr > 1 && r[lr - 1] == '0') {
            lr--;
            sr++;
        }
        int clo = weir__dec_cmp(r, lr, sr, false, bd.lo, bd.llo, bd.slo);
        int chi = weir__dec_cmp(r, lr, sr, false, bd.hi, bd.lhi, bd.shi);
        if ((clo > 0 || (clo == 0 && bd.inclusive)) && (chi < 0 || (chi == 0 && bd.inclusive))) break;
    }
    /* Format digits r[0..lr) with the decimal point after dp digits. */
    long dp = (long)lr + sr;
    if (dp > 0 && dp <= 21) {
        if ((long)lr <= dp) {
            weir_memcpy(buf + n, r, lr);
            n += lr;
            for (long i = (long)lr; i < dp; i++) buf[n++] = '0';
            buf[n++] = '.';
            buf[n++] = '0';
        } else {
            weir_memcpy(buf + n, r, (size_t)dp);
            n += (size_t)dp;
            buf[n++] = '.';
            weir_memcpy(buf + n, r + dp, lr - (size_t)dp);
            n += lr - (size_t)dp;
        }
    } else if (dp <= 0 && dp > -6) {
        buf[n++] = '0';
        buf[n++] = '.';
        for (long i = dp; i < 0; i++) buf[n++] = '0';
        weir_memcpy(buf + n, r, lr);
        n += lr;
    } else {
        long ex = dp - 1;
        char tmp[8];
        size_t t = 0;
        buf[n++] = r[0];
        if (lr > 1) {
            buf[n++] = '.';
            weir_memcpy(buf + n, r + 1, lr - 1);
            n += lr - 1;
        }
        buf[n++] = 'e';
        buf[n++] = ex < 0 ? '-' : '+';
        if (ex < 0) ex = -ex;
        do {
            tmp[t++] = (char)('0' + ex % 10);
            ex /= 10;
        } while (ex);
        while (t) buf[n++] = tmp[--t];
    }
    buf[n] = '\0';
    return n;
}

/**
 * Parses a JSON number (exactly the JSON grammar, whole text, surrounding
 * whitespace allowed) into the nearest double, ties to even. Returns WEIR_OK,
 * WEIR_ERR_SYNTAX, or WEIR_ERR_RANGE when the magnitude is too large for a
 * double (values too small become 0).
 */
static inline int weir_parse_double(const char *s, size_t len, double *out) {
    static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = s, *end = s + len;
    char dg[WEIR__DEC_MAX];
    size_t nd = 0;
    bool neg = false, sticky = false, any = false;
    long dexp = 0, ev = 0;
    weir__f64 x;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    if (p < end && *p == '-') {
        neg = true;
        p++;
    }
    if (p >= end || *p < '0' || *p > '9') return WEIR_ERR_SYNTAX;
    if (*p == '0') {
        p++;
        any = true;
    } else {
        for (; p < end && *p >= '0' && *p <= '9'; p++) {
            any = true;
            if (nd == 0 && *p == '0') continue;
            if (nd < WEIR__DEC_MAX) {
                dg[nd++] = *p;
            } else {
                sticky |= *p != '0';
                dexp++;
            }
        }
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9') return WEIR_ERR_SYNTAX;
        for (; p < end && *p >= '0' && *p <= '9'; p++) {
            if (nd == 0 && *p == '0') {
                dexp--;
            } else if (nd < WEIR__DEC_MAX) {
                dg[nd++] = *p;
                dexp--;
            } else {
                sticky |= *p != '0';
            }
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        bool eneg = false;
        p++;
        if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p >= end || *p < '0' || *p > '9') return WEIR_ERR_SYNTAX;
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            if (ev < 100000) ev = ev * 10 + (*p - '0');
        dexp += eneg ? -ev : ev;
    }
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    if (p != end || !any) return WEIR_ERR_SYNTAX;
    while (nd > 0 && dg[nd - 1] == '0') { /* trailing zeros */
        nd--;
        dexp++;
    }
    if (nd == 0) {
        *out = neg ? -0.0 : 0.0;
        return WEIR_OK;
    }
    if ((long)nd + dexp > 310) return WEIR_ERR_RANGE;
    if ((long)nd + dexp < -324) {
        *out = neg ? -0.0 : 0.0;
        return WEIR_OK;
    }
    /* First approximation from up to 19 digits. */
    {
        uint64_t mant = 0;
        size_t used = nd < 19 ? nd : 19;
        long k;
        for (size_t i = 0; i < used; i++) mant = mant * 10 + (uint64_t)(dg[i] - '0');
        k = dexp + (long)(nd - used);
        x.d = (double)mant;
        if (used == nd && !sticky && mant <= (UINT64_C(1) << 53) && k >= -22 && k <= 22) {
            x.d = k >= 0 ? x.d * p10[k] : x.d / p10[-k]; /* exact operands: one rounding */
            *out = neg ? -x.d : x.d;
            return WEIR_OK;
        }
        if (k > 0) {
            for (; k > 22; k -= 22) x.d *= 1e22;
            x.d *= p10[k];
        } else if (k < 0) {
            for (; k < -22; k += 22) x.d /= 1e22;
            x.d /= p10[-k];
        }
        if (((x.u >> 52) & 0x7FF) == 0x7FF) x.u = UINT64_C(0x7FEFFFFFFFFFFFFF); /* DBL_MAX */
    }
    /* Correct it: step one ulp at a time until the input lies in x's interval. */
    for (int iter = 0; iter < 256; iter++) {
        weir__bounds bd;
        uint64_t m;
        int e, c;
        if (x.u == 0) { /* between 0 and the smallest subnormal: the midpoint is 2^-1075 */
            char half[WEIR__DEC_MAX];
            int sh;
            size_t lh = weir__decimal(1, -1075, half, &sh);
            if (weir__dec_cmp(dg, nd, dexp, sticky, half, lh, sh) <= 0) break;
            x.u = 1;
            continue;
        }
        weir__f64_bounds(x.u, &bd, &m, &e);
        c = weir__dec_cmp(dg, nd, dexp, sticky, bd.lo, bd.llo, bd.slo);
        if (c < 0 || (c == 0 && !bd.inclusive)) {
            x.u--;
            continue;
        }
        c = weir__dec_cmp(dg, nd, dexp, sticky, bd.hi, bd.lhi, bd.shi);
        if (c > 0 || (c == 0 && !bd.inclusive)) {
            x.u++;
            if (((x.u >> 52) & 0x7FF) == 0x7FF) return WEIR_ERR_RANGE;
            continue;
        }
        break;
    }
    *out = neg ? -x.d : x.d;
    return WEIR_OK;
}

/**
 * Writes v in decimal into buf (at least 21 bytes), NUL-terminated; returns
 * the length.
 */
static inline size_t weir_i64toa(int64_t v, char *buf) {
    char tmp[20];
    size_t t = 0, n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0) buf[n++] = '-';
    do {
        tmp[t++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (t) buf[n++] = tmp[--t];
    buf[n] = '\0';
    return n;
}

/* ------------------------------------------------------------------------ */
/* String builder (growable, NUL-terminated, sticky error)                    */
/* ------------------------------------------------------------------------ */

/**
 * A growable byte string. Zero-initialise it (`weir_sb sb = WEIR_SB_INIT;`).
 * The first failure (out of memory) is kept in `err` and makes every later
 * append a no-op, so a sequence of appends needs one check at the end.
 * `ptr` is NUL-terminated whenever it is not NULL; weir_sb_free releases it.
 */
typedef struct weir_sb {
    char *ptr;
    size_t len, cap;
    int err;
} weir_sb;

#define WEIR_SB_INIT {NULL, 0, 0, 0}

/** Makes room for `extra` more bytes (plus the NUL); false (and err set) on failure. */
static inline bool weir_sb_reserve(weir_sb *sb, size_t extra) {
    size_t need, cap;
    char *p;
    if (sb->err) return false;
    if (extra > WEIR_MAX_LEN - 1 - sb->len) {
        sb->err = WEIR_ERR_NOMEM;
        return false;
    }
    need = sb->len + extra + 1;
    if (need <= sb->cap) return true;
    cap = sb->cap ? sb->cap : 64;
    while (cap < need) cap = cap > WEIR_MAX_LEN / 2 ? need : cap * 2;
    p = (char *)weir_realloc(sb->ptr, cap);
    if (!p) {
        sb->err = WEIR_ERR_NOMEM;
        return false;
    }
    sb->ptr = p;
    sb->cap = cap;
    return true;
}

/** Appends n bytes. */
static inline void weir_sb_append(weir_sb *sb, const void *s, size_t n) {
    if (!weir_sb_reserve(sb, n)) return;
    weir_memcpy(sb->ptr + sb->len, s, n);
    sb->len += n;
    sb->ptr[sb->len] = '\0';
}

/** Appends a NUL-terminated string. */
static inline void weir_sb_puts(weir_sb *sb, const char *s) { weir_sb_append(sb, s, weir_strlen(s)); }

/** Appends one byte. */
static inline void weir_sb_putc(weir_sb *sb, char c) { weir_sb_append(sb, &c, 1); }

/** Appends a decimal integer. */
static inline void weir_sb_put_int(weir_sb *sb, int64_t v) {
    char buf[24];
    weir_sb_append(sb, buf, weir_i64toa(v, buf));
}

/** Appends a double as a JSON number (see weir_dtoa); NaN/infinity set err = WEIR_ERR_RANGE. */
static inline void weir_sb_put_float(weir_sb *sb, double v) {
    char buf[32];
    size_t n = weir_dtoa(v, buf);
    if (n == 0) {
        if (!sb->err) sb->err = WEIR_ERR_RANGE;
        return;
    }
    weir_sb_append(sb, buf, n);
}

/**
 * Appends the n bytes at s as a quoted JSON string: `"` and `\` and control
 * characters escaped; bytes that are not well-formed UTF-8 become U+FFFD, so
 * the result is always valid JSON.
 */
static inline void weir_sb_put_json_string(weir_sb *sb, const void *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    /* Worst case 6 bytes out per byte in; reserve in chunks as we go. */
    weir_sb_putc(sb, '"');
    while (i < n && !sb->err) {
        size_t run = i;
        /* Copy the longest run of bytes that need no escaping in one go:
         * 8 plain ASCII bytes per step, then one block byte by byte. */
        for (;;) {
            unsigned c;
            size_t k;
            while (n - run >= 8) { /* plain ASCII, 8 bytes per step */
                unsigned j = weir__first_special8((const char *)p + run, true);
                run += j;
                if (j < 8) break;
            }
            if (run >= n) break;
            c = p[run];
            if (c < 0x20 || c == '"' || c == '\\') break;
            if (c < 0x80) {
                run++;
                continue;
            }
            k = weir_utf8_seq_len(p + run, n - run);
            if (k == 0) break;
            run += k;
        }
        if (run > i) {
            weir_sb_append(sb, p + i, run - i);
            i = run;
            continue;
        }
        unsigned c = p[i];
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            if (c < 0x20) {
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                elen = 6;
            } else { /* not UTF-8 */
                weir_memcpy(esc, "\\ufffd", 6);
                elen = 6;
            }
        }
        weir_sb_append(sb, esc, elen);
        i++;
    }
    weir_sb_putc(sb, '"');
}

/** Appends a NUL-terminated string as a quoted JSON string. */
static inline void weir_sb_put_json_cstr(weir_sb *sb, const char *s) {
    weir_sb_put_json_string(sb, s, weir_strlen(s));
}

/** The contents as a NUL-terminated string ("" when empty); owned by sb. */
static inline const char *weir_sb_cstr(const weir_sb *sb) { return sb->ptr ? sb->ptr : ""; }

/** Releases the buffer and resets sb to empty (err cleared). */
static inline void weir_sb_free(weir_sb *sb) {
    weir_free(sb->ptr);
    sb->ptr = NULL;
    sb->len = sb->cap = 0;
    sb->err = 0;
}

/* ------------------------------------------------------------------------ */
/* JSON reader                                                                */
/*                                                                            */
/* Works on weir_str slices of JSON text, never reads outside them, never     */
/* recurses (nesting is tracked in a bit stack, WEIR_JSON_MAX_DEPTH levels),  */
/* and never allocates except in the *_alloc functions. A "value" is the raw  */
/* text of one JSON value; getters narrow it to a member or element.          */
/* ------------------------------------------------------------------------ */

/** JSON value kinds, as weir_json_type() reports them. */
typedef enum weir_json_kind {
    WEIR_JSON_INVALID = 0,
    WEIR_JSON_NULL,
    WEIR_JSON_FALSE,
    WEIR_JSON_TRUE,
    WEIR_JSON_NUMBER,
    WEIR_JSON_STRING,
    WEIR_JSON_ARRAY,
    WEIR_JSON_OBJECT
} weir_json_kind;

/* Skips JSON whitespace. */
static inline const char *weir__ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* Value of a hex digit, or -1. */
WEIR__HOT_INLINE int weir__hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads exactly 4 hex digits (the caller checked they are there). */
WEIR__HOT_INLINE bool weir__hex4(const char *p, uint32_t *out) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = weir__hexval(p[i]);
        if (h < 0) return false;
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return true;
}

/* p is just after an opening quote; returns the pointer after the closing
 * quote, or NULL. Checks escapes and refuses raw control characters. */
static inline const char *weir__scan_string(const char *p, const char *e) {
    for (;;) {
        unsigned char c;
        while (e - p >= 8) { /* jump to the next quote, backslash or control character */
            unsigned i = weir__first_special8(p, false);
            p += i;
            if (i < 8) break;
        }
        if (p >= e) return NULL;
        c = (unsigned char)*p; /* special, or one of the last < 8 bytes */
        if (c == '"') return p + 1;
        if (c < 0x20) return NULL;
        if (c == '\\') {
            uint32_t cp;
            if (e - p < 2) return NULL;
            switch (p[1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                p += 2;
                break;
            case 'u':
                if (e - p < 6 || !weir__hex4(p + 2, &cp)) return NULL;
                p += 6;
                break;
            default:
                return NULL;
            }
        } else {
            p++;
        }
    }
}

/* Scans a JSON number at p; returns the pointer after it, or NULL. */
static inline const char *weir__scan_number(const char *p, const char *e) {
    if (p < e && *p == '-') p++;
    if (p >= e) return NULL;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < e && *p >= '0' && *p <= '9') p++;
    } else {
        return NULL;
    }
    if (p < e && *p == '.') {
        p++;
        if (p >= e || *p < '0' || *p > '9') return NULL;
        while (p < e && *p >= '0' && *p <= '9') p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (p >= e || *p < '0' || *p > '9') return NULL;
        while (p < e && *p >= '0' && *p <= '9') p++;
    }
    return p;
}

/* Matches the literal w (n bytes) at p; returns the pointer after it, or NULL. */
static inline const char *weir__scan_word(const char *p, const char *e, const char *w, size_t n) {
    if ((size_t)(e - p) < n || weir_memcmp(p, w, n) != 0) return NULL;
    return p + n;
}

/* Skips one JSON value starting at p (leading whitespace allowed); returns
 * the pointer just after it, or NULL if it is malformed or nested too deep. */
static inline const char *weir__skip_value(const char *p, const char *e) {
    uint32_t kinds[WEIR_JSON_MAX_DEPTH / 32]; /* bit set: object, clear: array */
    size_t depth = 0;
    p = weir__ws(p, e);
value:
    if (p >= e) return NULL;
    switch (*p) {
    case '{':
    case '[': {
        bool obj = *p == '{';
        if (depth >= WEIR_JSON_MAX_DEPTH) return NULL;
        if (obj)
            kinds[depth / 32] |= UINT32_C(1) << (depth % 32);
        else
            kinds[depth / 32] &= ~(UINT32_C(1) << (depth % 32));
        depth++;
        p = weir__ws(p + 1, e);
        if (p < e && *p == (obj ? '}' : ']')) {
            p++;
            depth--;
            goto after;
        }
        if (obj) goto key;
        goto value;
    }
    case '"': p = weir__scan_string(p + 1, e); break;
    case 't': p = weir__scan_word(p, e, "true", 4); break;
    case 'f': p = weir__scan_word(p, e, "false", 5); break;
    case 'n': p = weir__scan_word(p, e, "null", 4); break;
    default: p = weir__scan_number(p, e); break;
    }
    if (!p) return NULL;
after:
    if (depth == 0) return p;
    p = weir__ws(p, e);
    if (p >= e) return NULL;
    {
        bool obj = (kinds[(depth - 1) / 32] >> ((depth - 1) % 32)) & 1;
        if (*p == ',') {
            p = weir__ws(p + 1, e);
            if (obj) goto key;
            goto value;
        }
        if (*p == (obj ? '}' : ']')) {
            p++;
            depth--;
            goto after;
        }
        return NULL;
    }
key:
    if (p >= e || *p != '"') return NULL;
    p = weir__scan_string(p + 1, e);
    if (!p) return NULL;
    p = weir__ws(p, e);
    if (p >= e || *p != ':') return NULL;
    p = weir__ws(p + 1, e);
    goto value;
}

/** True when text is exactly one well-formed JSON value (whitespace around allowed). */
static inline bool weir_json_valid(const char *text, size_t len) {
    const char *e = text + len, *p = weir__skip_value(text, e);
    return p && weir__ws(p, e) == e;
}

/** The kind of the value v (judged by its first character; see weir_json_valid). */
static inline weir_json_kind weir_json_type(weir_str v) {
    const char *p = weir__ws(v.ptr, v.ptr + v.len);
    if (p >= v.ptr + v.len) return WEIR_JSON_INVALID;
    switch (*p) {
    case 'n': return WEIR_JSON_NULL;
    case 'f': return WEIR_JSON_FALSE;
    case 't': return WEIR_JSON_TRUE;
    case '"': return WEIR_JSON_STRING;
    case '[': return WEIR_JSON_ARRAY;
    case '{': return WEIR_JSON_OBJECT;
    default: return (*p == '-' || (*p >= '0' && *p <= '9')) ? WEIR_JSON_NUMBER : WEIR_JSON_INVALID;
    }
}

/* Decodes one unit of a JSON string body at *pp (end = the closing quote)
 * into 1-4 UTF-8 bytes; returns the count, or 0 for a malformed escape, a lone
 * surrogate, a raw quote or a raw control character. */
WEIR__HOT_INLINE size_t weir__json_unit(const char **pp, const char *end, char out[4]) {
    const char *p = *pp;
    uint32_t cp, lo;
    if (*p != '\\') {
        if (*p == '"' || (unsigned char)*p < 0x20) return 0; /* raw quote or control character */
        out[0] = *p;
        *pp = p + 1;
        return 1;
    }
    if (end - p < 2) return 0;
    *pp = p + 2;
    switch (p[1]) {
    case '"': out[0] = '"'; return 1;
    case '\\': out[0] = '\\'; return 1;
    case '/': out[0] = '/'; return 1;
    case 'b': out[0] = '\b'; return 1;
    case 'f': out[0] = '\f'; return 1;
    case 'n': out[0] = '\n'; return 1;
    case 'r': out[0] = '\r'; return 1;
    case 't': out[0] = '\t'; return 1;
    case 'u': break;
    default: return 0;
    }
    if (end - p < 6 || !weir__hex4(p + 2, &cp)) return 0;
    p += 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return 0;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !weir__hex4(p + 2, &lo) || lo < 0xDC00 ||
            lo > 0xDFFF)
            return 0;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
    }
    *pp = p;
    return weir_utf8_encode(cp, out);
}

/* The body [*b, *e) between the quotes of the JSON string value v (outer
 * whitespace trimmed), or false if v does not start and end with a quote. The
 * body itself is checked by whoever decodes it (weir__json_unit refuses raw
 * quotes, control characters and bad escapes, including an escape that would
 * swallow the closing quote). */
static inline bool weir__string_body(weir_str v, const char **b, const char **e) {
    const char *end = v.ptr + v.len, *p = weir__ws(v.ptr, end), *q = end;
    while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\n' || q[-1] == '\r')) q--;
    if (q - p < 2 || *p != '"' || q[-1] != '"') return false;
    *b = p + 1;
    *e = q - 1;
    return true;
}

/**
 * Unescapes the JSON string value v into buf (cap bytes) and NUL-terminates it
 * when there is room. *out_len (may be NULL) gets the decoded length in every
 * case, so a call with cap 0 measures. Returns WEIR_OK, WEIR_ERR_NOSPACE (buf
 * holds a truncated prefix), WEIR_ERR_NULL, WEIR_ERR_TYPE or WEIR_ERR_SYNTAX.
 * The decoded text may contain NUL bytes (from "\u0000").
 */
static inline int weir_json_string(weir_str v, char *buf, size_t cap, size_t *out_len) {
    const char *p, *e;
    size_t n = 0;
    if (!weir__string_body(v, &p, &e)) {
        if (out_len) *out_len = 0;
        weir_json_kind k = weir_json_type(v);
        return k == WEIR_JSON_NULL ? WEIR_ERR_NULL : k == WEIR_JSON_STRING ? WEIR_ERR_SYNTAX : WEIR_ERR_TYPE;
    }
    while (p < e) {
        const char *q = p;
        char u[4];
        size_t k;
        /* A run of plain bytes (no backslash, quote or control character) is
         * copied as is; anything else goes through weir__json_unit, which
         * decodes escapes and refuses the rest. */
        while (e - q >= 8) {
            unsigned i = weir__first_special8(q, false);
            q += i;
            if (i < 8) break;
        }
        if (e - q < 8)
            while (q < e && !weir__special_byte((unsigned char)*q, false)) q++;
        if (q > p) {
            size_t run = (size_t)(q - p);
            if (n < cap) weir_memcpy(buf + n, p, run < cap - n ? run : cap - n);
            n += run;
            p = q;
            continue;
        }
        if (*p == '\\' && e - p >= 2 && p[1] != 'u') { /* the common two-byte escapes, inline */
            char c;
            switch (p[1]) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            default:
                if (out_len) *out_len = 0;
                return WEIR_ERR_SYNTAX;
            }
            if (n < cap) buf[n] = c;
            n++;
            p += 2;
            continue;
        }
        k = weir__json_unit(&p, e, u);
        if (k == 0) {
            if (out_len) *out_len = 0;
            return WEIR_ERR_SYNTAX;
        }
        for (size_t i = 0; i < k; i++, n++)
            if (n < cap) buf[n] = u[i];
    }
    if (out_len) *out_len = n;
    if (n < cap) {
        buf[n] = '\0';
        return WEIR_OK;
    }
    if (cap > 0) buf[cap - 1] = '\0';
    return WEIR_ERR_NOSPACE;
}

/**
 * Unescapes the JSON string value v into a new NUL-terminated block (*out,
 * free with weir_free); *out_len (may be NULL) gets its length. Returns
 * WEIR_OK or an error as weir_json_string (or WEIR_ERR_NOMEM); *out is NULL
 * on error.
 */
static inline int weir_json_string_alloc(weir_str v, char **out, size_t *out_len) {
    const char *b, *e;
    size_t n = 0;
    char *buf;
    int rc;
    *out = NULL;
    if (out_len) *out_len = 0;
    if (!weir__string_body(v, &b, &e)) return weir_json_string(v, NULL, 0, NULL); /* the error */
    /* Unescaping never lengthens: the body's size bounds the result. */
    buf = (char *)weir_malloc((size_t)(e - b) + 1);
    if (!buf) return WEIR_ERR_NOMEM;
    rc = weir_json_string(v, buf, (size_t)(e - b) + 1, &n);
    if (rc != WEIR_OK) {
        weir_free(buf);
        return rc;
    }
    *out = buf;
    if (out_len) *out_len = n;
    return WEIR_OK;
}

/** True when v is a JSON string whose decoded bytes equal s[0..n). */
static inline bool weir_json_string_eq(weir_str v, const char *s, size_t n) {
    const char *p, *e;
    size_t i = 0;
    if (!weir__string_body(v, &p, &e)) return false;
    while (p < e) {
        char u[4];
        size_t k = weir__json_unit(&p, e, u);
        if (k == 0 || k > n - i || weir_memcmp(u, s + i, k) != 0) return false;
        i += k;
    }
    return i == n;
}

/**
 * Finds member `key` (NUL-terminated, compared after unescaping) of the JSON
 * object obj; *out gets the member's raw value. The first match wins. Returns
 * WEIR_OK, WEIR_ERR_MISSING, WEIR_ERR_TYPE (obj is not an object) or
 * WEIR_ERR_SYNTAX.
 */
static inline int weir_json_get(weir_str obj, const char *key, weir_str *out) {
    const char *e = obj.ptr + obj.len, *p = weir__ws(obj.ptr, e);
    size_t klen = weir_strlen(key);
    if (p >= e || *p != '{') return WEIR_ERR_TYPE;
    p = weir__ws(p + 1, e);
    if (p < e && *p == '}') return WEIR_ERR_MISSING;
    for (;;) {
        const char *ks = p, *ke, *vs, *ve;
        if (p >= e || *p != '"') return WEIR_ERR_SYNTAX;
        ke = weir__scan_string(p + 1, e);
        if (!ke) return WEIR_ERR_SYNTAX;
        p = weir__ws(ke, e);
        if (p >= e || *p != ':') return WEIR_ERR_SYNTAX;
        vs = weir__ws(p + 1, e);
        ve = weir__skip_value(vs, e);
        if (!ve) return WEIR_ERR_SYNTAX;
        {
            weir_str k = {ks, (size_t)(ke - ks)};
            if (weir_json_string_eq(k, key, klen)) {
                out->ptr = vs;
                out->len = (size_t)(ve - vs);
                return WEIR_OK;
            }
        }
        p = weir__ws(ve, e);
        if (p < e && *p == ',') {
            p = weir__ws(p + 1, e);
            continue;
        }
        return p < e && *p == '}' ? WEIR_ERR_MISSING : WEIR_ERR_SYNTAX;
    }
}

/** Iterator over a JSON array or object (see weir_json_iter_init). */
typedef struct weir_json_iter {
    const char *p, *end;
    char close; /* ']' or '}' */
    bool first, done;
} weir_json_iter;

/**
 * Starts iterating the array or object v. Returns WEIR_OK, WEIR_ERR_NULL or
 * WEIR_ERR_TYPE (v is neither).
 */
static inline int weir_json_iter_init(weir_json_iter *it, weir_str v) {
    const char *e = v.ptr + v.len, *p = weir__ws(v.ptr, e);
    it->end = e;
    it->p = e;
    it->close = 0;
    it->first = true;
    it->done = true;
    if (p >= e || (*p != '[' && *p != '{')) return p < e && *p == 'n' ? WEIR_ERR_NULL : WEIR_ERR_TYPE;
    it->close = *p == '[' ? ']' : '}';
    it->p = weir__ws(p + 1, e);
    it->done = false;
    return WEIR_OK;
}

/* Moves to the next member; key gets the raw key token (objects only). */
static inline int weir__iter_next(weir_json_iter *it, weir_str *key, weir_str *val) {
    const char *p = it->p, *e = it->end, *vs, *ve;
    if (it->done) return 0;
    if (p < e && *p == it->close) {
        it->done = true;
        return 0;
    }
    if (!it->first) {
        if (p >= e || *p != ',') goto bad;
        p = weir__ws(p + 1, e);
    }
    if (it->close == '}') {
        const char *ke;
        if (p >= e || *p != '"') goto bad;
        ke = weir__scan_string(p + 1, e);
        if (!ke) goto bad;
        if (key) {
            key->ptr = p;
            key->len = (size_t)(ke - p);
        }
        p = weir__ws(ke, e);
        if (p >= e || *p != ':') goto bad;
        p = weir__ws(p + 1, e);
    }
    vs = p;
    ve = weir__skip_value(vs, e);
    if (!ve) goto bad;
    val->ptr = vs;
    val->len = (size_t)(ve - vs);
    it->p = weir__ws(ve, e);
    it->first = false;
    return 1;
bad:
    it->done = true;
    return WEIR_ERR_SYNTAX;
}

/** Next array element into *elem: returns 1, 0 at the end, or WEIR_ERR_SYNTAX. */
static inline int weir_json_array_next(weir_json_iter *it, weir_str *elem) {
    if (it->close != ']') return WEIR_ERR_TYPE;
    return weir__iter_next(it, NULL, elem);
}

/**
 * Next object member: *key gets the raw key (a JSON string token: decode it
 * with weir_json_string or compare with weir_json_string_eq), *value the raw
 * value. Returns 1, 0 at the end, or WEIR_ERR_SYNTAX.
 */
static inline int weir_json_object_next(weir_json_iter *it, weir_str *key, weir_str *value) {
    if (it->close != '}') return WEIR_ERR_TYPE;
    return weir__iter_next(it, key, value);
}

/**
 * Reads the JSON integer v (integer syntax only: "3", "-12"; not "3.0" or
 * "1e3") into *out. Returns WEIR_OK, WEIR_ERR_NULL, WEIR_ERR_TYPE (not an
 * integer), WEIR_ERR_RANGE (outside int64) or WEIR_ERR_SYNTAX.
 */
static inline int weir_json_int(weir_str v, int64_t *out) {
    const char *e = v.ptr + v.len, *p = weir__ws(v.ptr, e), *q;
    bool neg = false;
    uint64_t acc = 0, lim;
    weir_json_kind k = weir_json_type(v);
    if (k == WEIR_JSON_NULL) return WEIR_ERR_NULL;
    if (k != WEIR_JSON_NUMBER) return WEIR_ERR_TYPE;
    q = weir__scan_number(p, e);
    if (!q || weir__ws(q, e) != e) return WEIR_ERR_SYNTAX;
    if (*p == '-') {
        neg = true;
        p++;
    }
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; p < q && *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (acc > (lim - d) / 10) return WEIR_ERR_RANGE;
        acc = acc * 10 + d;
    }
    if (p != q) return WEIR_ERR_TYPE; /* fraction or exponent */
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return WEIR_OK;
}

/**
 * Reads the JSON number v (integer or not) into *out, correctly rounded.
 * Returns WEIR_OK, WEIR_ERR_NULL, WEIR_ERR_TYPE, WEIR_ERR_RANGE or WEIR_ERR_SYNTAX.
 */
static inline int weir_json_float(weir_str v, double *out) {
    weir_json_kind k = weir_json_type(v);
    if (k == WEIR_JSON_NULL) return WEIR_ERR_NULL;
    if (k != WEIR_JSON_NUMBER) return WEIR_ERR_TYPE;
    return weir_parse_double(v.ptr, v.len, out);
}

/** Reads the JSON boolean v. Returns WEIR_OK, WEIR_ERR_NULL or WEIR_ERR_TYPE. */
static inline int weir_json_bool(weir_str v, bool *out) {
    const char *e = v.ptr + v.len, *p = weir__ws(v.ptr, e), *q;
    if ((q = weir__scan_word(p, e, "true", 4)) != NULL && weir__ws(q, e) == e) {
        *out = true;
        return WEIR_OK;
    }
    if ((q = weir__scan_word(p, e, "false", 5)) != NULL && weir__ws(q, e) == e) {
        *out = false;
        return WEIR_OK;
    }
    return weir_json_type(v) == WEIR_JSON_NULL ? WEIR_ERR_NULL : WEIR_ERR_TYPE;
}

/** True when v is the JSON literal null. */
static inline bool weir_json_is_null(weir_str v) {
    const char *e = v.ptr + v.len, *p = weir__ws(v.ptr, e), *q = weir__scan_word(p, e, "null", 4);
    return q && weir__ws(q, e) == e;
}

/* ------------------------------------------------------------------------ */
/* Base64 (standard alphabet, padded), for bytes pins and HTTP bodies         */
/* ------------------------------------------------------------------------ */

/** Appends the base64 encoding of n bytes to sb (no quotes). */
static inline void weir_sb_put_base64(weir_sb *sb, const void *data, size_t n) {
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)data;
    if (n / 3 > (WEIR_MAX_LEN - 4) / 4 || !weir_sb_reserve(sb, (n + 2) / 3 * 4)) {
        if (!sb->err) sb->err = WEIR_ERR_NOMEM;
        return;
    }
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        size_t left = n - i;
        if (left > 1) v |= (uint32_t)p[i + 1] << 8;
        if (left > 2) v |= p[i + 2];
        sb->ptr[sb->len++] = tbl[v >> 18];
        sb->ptr[sb->len++] = tbl[(v >> 12) & 63];
        sb->ptr[sb->len++] = left > 1 ? tbl[(v >> 6) & 63] : '=';
        sb->ptr[sb->len++] = left > 2 ? tbl[v & 63] : '=';
    }
    sb->ptr[sb->len] = '\0';
}

/**
 * Decodes base64 text (standard alphabet; padding optional, no whitespace)
 * into out, which needs room for len / 4 * 3 + 3 bytes; *out_len gets the
 * byte count. Returns WEIR_OK or WEIR_ERR_SYNTAX.
 */
static inline int weir_base64_decode(const char *in, size_t len, void *out, size_t *out_len) {
    unsigned char *o = (unsigned char *)out;
    uint32_t acc = 0;
    size_t n = 0, bits = 0, pad = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        int v;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad) return WEIR_ERR_SYNTAX; /* data after padding */
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else return WEIR_ERR_SYNTAX;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[n++] = (unsigned char)(acc >> bits);
            acc &= (UINT32_C(1) << bits) - 1;
        }
    }
    if (bits >= 6 || pad > 2 || (pad && (len % 4) != 0)) return WEIR_ERR_SYNTAX;
    *out_len = n;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------ */
/* Logging, failure, outputs                                                  */
/* ------------------------------------------------------------------------ */

/** Clamps a length to what an i32 ABI parameter can carry. */
static inline int32_t weir__len(size_t n) { return n > WEIR_MAX_LEN ? (int32_t)WEIR_MAX_LEN : (int32_t)n; }

/** The name of a result code, e.g. "denied" for WEIR_ERR_DENIED. */
static inline const char *weir_strerror(int code) {
    switch (code) {
    case WEIR_OK: return "ok";
    case WEIR_ERR_BAD_RANGE: return "bad range or handle";
    case WEIR_ERR_UNKNOWN_PIN: return "unknown pin";
    case WEIR_ERR_BAD_JSON: return "invalid JSON or wrong type";
    case WEIR_ERR_OUTPUT_TOO_LARGE: return "output too large";
    case WEIR_ERR_DENIED: return "denied";
    case WEIR_ERR_NETWORK: return "network error";
    case WEIR_ERR_TIMEOUT: return "timed out";
    case WEIR_ERR_TOO_LARGE: return "too large";
    case WEIR_ERR_INVALID_PATH: return "invalid path";
    case WEIR_ERR_NOT_FOUND: return "not found";
    case WEIR_ERR_MISSING: return "missing";
    case WEIR_ERR_TYPE: return "wrong type";
    case WEIR_ERR_SYNTAX: return "malformed JSON";
    case WEIR_ERR_RANGE: return "out of range";
    case WEIR_ERR_NOSPACE: return "buffer too small";
    case WEIR_ERR_NOMEM: return "out of memory";
    case WEIR_ERR_ARG: return "invalid argument";
    case WEIR_ERR_NULL: return "null";
    default: return "error";
    }
}

/** Logs len bytes at a level (WEIR_LOG_DEBUG .. WEIR_LOG_ERROR). */
static inline void weir_log_n(int level, const char *msg, size_t len) {
    weir_host_log(level, msg, weir__len(len));
}

/** Logs a NUL-terminated message at a level. */
static inline void weir_log(int level, const char *msg) { weir_log_n(level, msg, weir_strlen(msg)); }
/** Logs at debug level. */
static inline void weir_debug(const char *msg) { weir_log(WEIR_LOG_DEBUG, msg); }
/** Logs at info level. */
static inline void weir_info(const char *msg) { weir_log(WEIR_LOG_INFO, msg); }
/** Logs at warn level. */
static inline void weir_warn(const char *msg) { weir_log(WEIR_LOG_WARN, msg); }
/** Logs at error level. */
static inline void weir_error(const char *msg) { weir_log(WEIR_LOG_ERROR, msg); }

/**
 * Sets the failure message (the last one set wins) and returns
 * WEIR_NODE_FAILED, so a node can `return weir_fail("...");`.
 */
static inline int weir_fail(const char *msg) {
    weir_host_fail(msg, weir__len(weir_strlen(msg)));
    return WEIR_NODE_FAILED;
}

/**
 * Fails with "what: <name of code> (<code>)", e.g. "reading notes/a: not found
 * (-21)". Returns WEIR_NODE_FAILED.
 */
static inline int weir_fail_code(const char *what, int code) {
    weir_sb sb = WEIR_SB_INIT;
    weir_sb_puts(&sb, what);
    weir_sb_puts(&sb, ": ");
    weir_sb_puts(&sb, weir_strerror(code));
    weir_sb_puts(&sb, " (");
    weir_sb_put_int(&sb, code);
    weir_sb_putc(&sb, ')');
    if (sb.err) return weir_fail(what);
    weir_host_fail(sb.ptr, weir__len(sb.len));
    weir_sb_free(&sb);
    return WEIR_NODE_FAILED;
}

/**
 * Sets output pin `pin` to the JSON text json[0..len). Returns WEIR_OK or the
 * host's code: WEIR_ERR_UNKNOWN_PIN, WEIR_ERR_BAD_JSON (invalid JSON or wrong
 * type for the pin), WEIR_ERR_OUTPUT_TOO_LARGE (all outputs together are
 * limited to 16 MiB). A refused output also ends the invocation `bad_output`
 * (node-abi §5: "outputs rejected"), so these codes report a bug; they are
 * not a condition to recover from. Setting a pin again replaces its value.
 */
static inline int weir_set_output_json(const char *pin, const char *json, size_t len) {
    if (len > WEIR_MAX_LEN) return WEIR_ERR_ARG;
    return weir_host_set_output(pin, weir__len(weir_strlen(pin)), json, (int32_t)len);
}

/* Sends a builder's contents to set_output and frees it. */
static inline int weir__set_output_sb(const char *pin, weir_sb *sb) {
    int rc = sb->err ? sb->err : weir_set_output_json(pin, sb->ptr, sb->len);
    weir_sb_free(sb);
    return rc;
}

/** Sets a string pin from len bytes (JSON-escaped here; invalid UTF-8 becomes U+FFFD). */
static inline int weir_set_output_string(const char *pin, const char *s, size_t len) {
    weir_sb sb = WEIR_SB_INIT;
    weir_sb_put_json_string(&sb, s, len);
    return weir__set_output_sb(pin, &sb);
}

/** Sets a string pin from a NUL-terminated string. */
static inline int weir_set_output_cstr(const char *pin, const char *s) {
    return weir_set_output_string(pin, s, weir_strlen(s));
}

/** Sets an integer pin. */
static inline int weir_set_output_int(const char *pin, int64_t v) {
    char buf[24];
    return weir_set_output_json(pin, buf, weir_i64toa(v, buf));
}

/** Sets a float pin (shortest round-trip form); NaN/infinity give WEIR_ERR_RANGE. */
static inline int weir_set_output_float(const char *pin, double v) {
    char buf[32];
    size_t n = weir_dtoa(v, buf);
    return n ? weir_set_output_json(pin, buf, n) : WEIR_ERR_RANGE;
}

/** Sets a boolean pin. */
static inline int weir_set_output_bool(const char *pin, bool v) {
    return v ? weir_set_output_json(pin, "true", 4) : weir_set_output_json(pin, "false", 5);
}

/** Sets a pin to JSON null. */
static inline int weir_set_output_null(const char *pin) { return weir_set_output_json(pin, "null", 4); }

/** Sets a bytes pin: the n bytes are sent base64-encoded, as the ABI's `bytes` type wants. */
static inline int weir_set_output_bytes(const char *pin, const void *data, size_t n) {
    weir_sb sb = WEIR_SB_INIT;
    weir_sb_putc(&sb, '"');
    weir_sb_put_base64(&sb, data, n);
    weir_sb_putc(&sb, '"');
    return weir__set_output_sb(pin, &sb);
}

/** Activates execution output pin `pin`. Returns WEIR_OK or WEIR_ERR_UNKNOWN_PIN. */
static inline int weir_activate(const char *pin) {
    return weir_host_activate(pin, weir__len(weir_strlen(pin)));
}

/* ------------------------------------------------------------------------ */
/* Host buffers, time, randomness                                             */
/* ------------------------------------------------------------------------ */

/**
 * Reads the whole host buffer `handle` into a new NUL-terminated block (*out,
 * free with weir_free; *out_len gets the length without the NUL) and drops the
 * handle. A handle <= 0 is returned as the error it is (an error code from the
 * call that produced it). Returns WEIR_OK, that code, WEIR_ERR_BAD_RANGE or
 * WEIR_ERR_NOMEM. *out is NULL on error. The handle is dropped in every case.
 */
static inline int weir_buf_take(int32_t handle, char **out, size_t *out_len) {
    int32_t n, got = 0;
    char *buf;
    *out = NULL;
    if (out_len) *out_len = 0;
    if (handle <= 0) return handle < 0 ? handle : WEIR_ERR_BAD_RANGE;
    n = weir_host_buf_len(handle);
    if (n < 0) {
        weir_host_buf_drop(handle);
        return WEIR_ERR_BAD_RANGE;
    }
    buf = (char *)weir_malloc((size_t)n + 1);
    if (!buf) {
        weir_host_buf_drop(handle);
        return WEIR_ERR_NOMEM;
    }
    while (got < n) {
        int32_t r = weir_host_buf_read(handle, buf + got, n - got);
        if (r <= 0) break;
        got += r;
    }
    weir_host_buf_drop(handle);
    if (got != n) {
        weir_free(buf);
        return WEIR_ERR_BAD_RANGE;
    }
    buf[n] = '\0';
    *out = buf;
    if (out_len) *out_len = (size_t)n;
    return WEIR_OK;
}

/**
 * Copies up to cap bytes of host buffer `handle` into buf without dropping it.
 * Returns the number of bytes copied (>= 0) or WEIR_ERR_BAD_RANGE.
 */
static inline int32_t weir_buf_read(int32_t handle, void *buf, size_t cap) {
    return weir_host_buf_read(handle, buf, weir__len(cap));
}

/** Length of host buffer `handle`, or WEIR_ERR_BAD_RANGE. */
static inline int32_t weir_buf_len(int32_t handle) { return weir_host_buf_len(handle); }

/** Releases host buffer `handle` (handles <= 0 are ignored). */
static inline void weir_buf_drop(int32_t handle) {
    if (handle > 0) weir_host_buf_drop(handle);
}

/** Wall-clock time in milliseconds since the Unix epoch. */
static inline int64_t weir_now_ms(void) { return weir_host_now_ms(); }

/** Fills n bytes with cryptographically secure random bytes. Returns WEIR_OK or an error. */
static inline int weir_random(void *buf, size_t n) {
    if (n > WEIR_MAX_LEN) return WEIR_ERR_ARG;
    return weir_host_random_fill(buf, (int32_t)n);
}

/* ------------------------------------------------------------------------ */
/* Capability-gated helpers. Each uses exactly one import, so a package that  */
/* does not call it does not import it.                                       */
/* ------------------------------------------------------------------------ */

/**
 * Sends a raw request object ({"method", "url", "headers", "body" |
 * "body_base64"}) with http_request and returns the response JSON text
 * ({"status", "headers", "body" | "body_base64"}) in *resp (free with
 * weir_free). Returns WEIR_OK or the host's code (WEIR_ERR_DENIED,
 * WEIR_ERR_NETWORK, WEIR_ERR_TIMEOUT, WEIR_ERR_TOO_LARGE, ...).
 * Capability: http.
 */
static inline int weir_http_request_json(const char *req, size_t req_len, char **resp, size_t *resp_len) {
    if (req_len > WEIR_MAX_LEN) {
        *resp = NULL;
        return WEIR_ERR_ARG;
    }
    return weir_buf_take(weir_host_http_request(req, (int32_t)req_len), resp, resp_len);
}

/** A decoded HTTP response; release it with weir_http_response_free. */
typedef struct weir_http_response {
    int status;      /* HTTP status code */
    weir_str headers;/* raw JSON object of lower-cased header names, inside `raw` */
    char *body;      /* body bytes (decoded from base64 if needed), NUL-terminated */
    size_t body_len;
    bool body_was_base64; /* the body was not UTF-8 text */
    char *raw;       /* the host's response JSON */
    size_t raw_len;
} weir_http_response;

/** Frees what weir_http_request filled in (safe on a zeroed struct). */
static inline void weir_http_response_free(weir_http_response *r) {
    weir_free(r->body);
    weir_free(r->raw);
    r->body = r->raw = NULL;
}

/**
 * Performs an HTTP request. headers_json is a JSON object text or NULL; body
 * may be NULL (no body). A body that is UTF-8 is sent as "body", anything else
 * as "body_base64". On WEIR_OK, *resp holds the response (any status; a 404 is
 * not an error). Otherwise returns the host's error code and *resp is zeroed.
 * Capability: http (host and method must be in the manifest's lists).
 */
static inline int weir_http_request(const char *method, const char *url, const char *headers_json,
                                    const void *body, size_t body_len, weir_http_response *resp) {
    weir_sb sb = WEIR_SB_INIT;
    weir_str raw, v;
    int rc;
    weir_memset(resp, 0, sizeof *resp);
    weir_sb_puts(&sb, "{\"method\":");
    weir_sb_put_json_cstr(&sb, method);
    weir_sb_puts(&sb, ",\"url\":");
    weir_sb_put_json_cstr(&sb, url);
    if (headers_json) {
        if (!weir_json_valid(headers_json, weir_strlen(headers_json)) ||
            weir_json_type(weir_str_c(headers_json)) != WEIR_JSON_OBJECT) {
            weir_sb_free(&sb);
            return WEIR_ERR_ARG;
        }
        weir_sb_puts(&sb, ",\"headers\":");
        weir_sb_puts(&sb, headers_json);
    }
    if (body) {
        if (weir_utf8_valid(body, body_len)) {
            weir_sb_puts(&sb, ",\"body\":");
            weir_sb_put_json_string(&sb, body, body_len);
        } else {
            weir_sb_puts(&sb, ",\"body_base64\":\"");
            weir_sb_put_base64(&sb, body, body_len);
            weir_sb_putc(&sb, '"');
        }
    }
    weir_sb_putc(&sb, '}');
    if (sb.err) {
        rc = sb.err;
        weir_sb_free(&sb);
        return rc;
    }
    rc = weir_http_request_json(sb.ptr, sb.len, &resp->raw, &resp->raw_len);
    weir_sb_free(&sb);
    if (rc != WEIR_OK) return rc;
    raw.ptr = resp->raw;
    raw.len = resp->raw_len;
    {
        int64_t status = 0;
        if (weir_json_get(raw, "status", &v) == WEIR_OK && weir_json_int(v, &status) == WEIR_OK)
            resp->status = (int)status;
    }
    if (weir_json_get(raw, "headers", &resp->headers) != WEIR_OK) resp->headers = weir_str_c("{}");
    if (weir_json_get(raw, "body", &v) == WEIR_OK && !weir_json_is_null(v)) {
        rc = weir_json_string_alloc(v, &resp->body, &resp->body_len);
    } else if (weir_json_get(raw, "body_base64", &v) == WEIR_OK && !weir_json_is_null(v)) {
        char *b64;
        size_t b64_len;
        rc = weir_json_string_alloc(v, &b64, &b64_len);
        if (rc == WEIR_OK) {
            resp->body = (char *)weir_malloc(b64_len / 4 * 3 + 4);
            rc = resp->body ? weir_base64_decode(b64, b64_len, resp->body, &resp->body_len) : WEIR_ERR_NOMEM;
            if (rc == WEIR_OK) resp->body[resp->body_len] = '\0';
            resp->body_was_base64 = true;
            weir_free(b64);
        }
    } else {
        resp->body = weir_strndup("", 0);
        rc = resp->body ? WEIR_OK : WEIR_ERR_NOMEM;
    }
    if (rc != WEIR_OK) weir_http_response_free(resp);
    return rc;
}

/**
 * Reads the file at `path` (relative to the package's storage directory) into
 * *data (NUL-terminated, free with weir_free). Returns WEIR_OK,
 * WEIR_ERR_NOT_FOUND, WEIR_ERR_INVALID_PATH, WEIR_ERR_TOO_LARGE, ...
 * Capability: storage read.
 */
static inline int weir_storage_read(const char *path, char **data, size_t *len) {
    return weir_buf_take(weir_host_storage_read(path, weir__len(weir_strlen(path))), data, len);
}

/** Writes (creates or replaces) the file at `path`. Capability: storage write. */
static inline int weir_storage_write(const char *path, const void *data, size_t len) {
    if (len > WEIR_MAX_LEN) return WEIR_ERR_ARG;
    return weir_host_storage_write(path, weir__len(weir_strlen(path)), data, (int32_t)len);
}

/**
 * Lists the files below `prefix` ("" for all) into *json, a JSON array of
 * paths relative to the storage directory (iterate with weir_json_iter_init /
 * weir_json_array_next). Capability: storage list.
 */
static inline int weir_storage_list(const char *prefix, char **json, size_t *len) {
    return weir_buf_take(weir_host_storage_list(prefix, weir__len(weir_strlen(prefix))), json, len);
}

/** Deletes the file at `path`. Capability: storage delete. */
static inline int weir_storage_delete(const char *path) {
    return weir_host_storage_delete(path, weir__len(weir_strlen(path)));
}

/** Reads variable `name` as JSON text into *json (free with weir_free). Capability: variables read. */
static inline int weir_var_get(const char *name, char **json, size_t *len) {
    return weir_buf_take(weir_host_var_get(name, weir__len(weir_strlen(name))), json, len);
}

/** Sets variable `name` to the JSON text json[0..len). Capability: variables write. */
static inline int weir_var_set(const char *name, const char *json, size_t len) {
    if (len > WEIR_MAX_LEN) return WEIR_ERR_ARG;
    return weir_host_var_set(name, weir__len(weir_strlen(name)), json, (int32_t)len);
}

/**
 * Reads secret `name` (its raw bytes, not JSON) into *value (free it after
 * weir_memzero_explicit). Only names listed in the manifest's "secrets" are
 * given; others return WEIR_ERR_DENIED. Capability: secrets.
 */
static inline int weir_secret_get(const char *name, char **value, size_t *len) {
    return weir_buf_take(weir_host_secret_get(name, weir__len(weir_strlen(name))), value, len);
}

/** Streams one JSON value (an event) to whoever watches the run. Capability: stream. */
static inline int weir_emit(const char *json, size_t len) {
    if (len > WEIR_MAX_LEN) return WEIR_ERR_ARG;
    return weir_host_emit(json, (int32_t)len);
}

/* ------------------------------------------------------------------------ */
/* The node input                                                             */
/* ------------------------------------------------------------------------ */

/**
 * One invocation's input, parsed from
 * {"node": "...", "inputs": {...}, "context": {...}}. All slices point into
 * the input buffer, which lives until the node function returns.
 */
typedef struct weir_input {
    int32_t node_index; /* index into the manifest's "nodes" */
    weir_str json;      /* the whole input text */
    weir_str node;      /* raw JSON string of the node name */
    weir_str inputs;    /* raw JSON object of input pin values ("{}" if absent) */
    weir_str context;   /* raw JSON object: run_id, app_id, board_id, node_id ("{}" if absent) */
} weir_input;

/** A node function: returns WEIR_NODE_OK, or anything else to fail the node. */
typedef int (*weir_node_fn)(const weir_input *in);

/** True when the invocation is for node `name` (as spelled in the manifest). */
static inline bool weir_input_node_is(const weir_input *in, const char *name) {
    return weir_json_string_eq(in->node, name, weir_strlen(name));
}

/**
 * The raw JSON of input pin `name` into *out. Returns WEIR_OK or
 * WEIR_ERR_MISSING (the host sends every data input pin, so this means the
 * name is not an input of this node).
 */
static inline int weir_input_raw(const weir_input *in, const char *name, weir_str *out) {
    return weir_json_get(in->inputs, name, out);
}

/** True when input `name` is absent or null. */
static inline bool weir_input_is_null(const weir_input *in, const char *name) {
    weir_str v;
    return weir_input_raw(in, name, &v) != WEIR_OK || weir_json_is_null(v);
}

/**
 * Unescapes string input `name` into buf (cap bytes, NUL-terminated when it
 * fits); *len (may be NULL) gets the full decoded length. Returns WEIR_OK,
 * WEIR_ERR_NOSPACE, WEIR_ERR_MISSING, WEIR_ERR_NULL, WEIR_ERR_TYPE or
 * WEIR_ERR_SYNTAX.
 */
static inline int weir_input_string(const weir_input *in, const char *name, char *buf, size_t cap,
                                    size_t *len) {
    weir_str v;
    int rc = weir_input_raw(in, name, &v);
    if (rc != WEIR_OK) {
        if (len) *len = 0;
        return rc;
    }
    return weir_json_string(v, buf, cap, len);
}

/**
 * String input `name` in a new NUL-terminated block (*out, free with
 * weir_free; *len may be NULL). Returns WEIR_OK or an error as
 * weir_input_string (or WEIR_ERR_NOMEM).
 */
static inline int weir_input_string_alloc(const weir_input *in, const char *name, char **out, size_t *len) {
    weir_str v;
    int rc = weir_input_raw(in, name, &v);
    if (rc != WEIR_OK) {
        *out = NULL;
        if (len) *len = 0;
        return rc;
    }
    return weir_json_string_alloc(v, out, len);
}

/**
 * String input `name` as a new NUL-terminated string (free with weir_free),
 * or NULL when it is missing, null, not a string or memory ran out. Text
 * after an embedded NUL is not visible through a C string; use
 * weir_input_string_alloc to get the length too.
 */
static inline char *weir_input_cstr(const weir_input *in, const char *name) {
    char *s = NULL;
    return weir_input_string_alloc(in, name, &s, NULL) == WEIR_OK ? s : NULL;
}

/** Integer input `name`. Errors as weir_json_int, plus WEIR_ERR_MISSING. */
static inline int weir_input_int(const weir_input *in, const char *name, int64_t *out) {
    weir_str v;
    int rc = weir_input_raw(in, name, &v);
    return rc != WEIR_OK ? rc : weir_json_int(v, out);
}

/** Float input `name` (any JSON number). Errors as weir_json_float, plus WEIR_ERR_MISSING. */
static inline int weir_input_float(const weir_input *in, const char *name, double *out) {
    weir_str v;
    int rc = weir_input_raw(in, name, &v);
    return rc != WEIR_OK ? rc : weir_json_float(v, out);
}

/** Boolean input `name`. Errors as weir_json_bool, plus WEIR_ERR_MISSING. */
static inline int weir_input_bool(const weir_input *in, const char *name, bool *out) {
    weir_str v;
    int rc = weir_input_raw(in, name, &v);
    return rc != WEIR_OK ? rc : weir_json_bool(v, out);
}

/** Integer input `name`, or `def` when it is missing, null or not an integer. */
static inline int64_t weir_input_int_or(const weir_input *in, const char *name, int64_t def) {
    int64_t v;
    return weir_input_int(in, name, &v) == WEIR_OK ? v : def;
}

/** Float input `name`, or `def` when it is missing, null or not a number. */
static inline double weir_input_float_or(const weir_input *in, const char *name, double def) {
    double v;
    return weir_input_float(in, name, &v) == WEIR_OK ? v : def;
}

/** Boolean input `name`, or `def` when it is missing, null or not a boolean. */
static inline bool weir_input_bool_or(const weir_input *in, const char *name, bool def) {
    bool v;
    return weir_input_bool(in, name, &v) == WEIR_OK ? v : def;
}

/** The raw JSON of context member `key` ("run_id", "app_id", "board_id", "node_id"). */
static inline int weir_context_raw(const weir_input *in, const char *key, weir_str *out) {
    return weir_json_get(in->context, key, out);
}

/* ------------------------------------------------------------------------ */
/* Exports and the manifest                                                   */
/* ------------------------------------------------------------------------ */

/* Called by the generated weir_run: checks the index, parses the input, runs
 * the node. Return codes 2 and 3 are the SDK's own failures (bad index,
 * malformed input), with a message set by fail. */
static inline int32_t weir__dispatch(const weir_node_fn *nodes, size_t count, int32_t index,
                                     int32_t ptr, int32_t len) {
    weir_input in;
    weir_str v;
    if (index < 0 || (size_t)index >= count) {
        weir_fail("weir sdk: node index out of range (manifest and WEIR_NODES disagree)");
        return 2;
    }
    in.node_index = index;
    in.json.ptr = (const char *)(uintptr_t)(uint32_t)ptr;
    in.json.len = len < 0 ? 0 : (size_t)len;
    in.node = weir_str_c("null");
    in.inputs = weir_str_c("{}");
    in.context = weir_str_c("{}");
    /* One pass over the object validates it and finds the three members
     * (the first of each wins, as in weir_json_get). */
    {
        weir_json_iter it;
        weir_str key;
        bool seen_node = false, seen_inputs = false, seen_context = false;
        int r = weir_json_iter_init(&it, in.json);
        if (r == WEIR_OK && it.close == '}') {
            while ((r = weir_json_object_next(&it, &key, &v)) == 1) {
                if (!seen_node && weir_json_string_eq(key, "node", 4)) {
                    in.node = v;
                    seen_node = true;
                } else if (!seen_inputs && weir_json_string_eq(key, "inputs", 6)) {
                    if (weir_json_type(v) == WEIR_JSON_OBJECT) in.inputs = v;
                    seen_inputs = true;
                } else if (!seen_context && weir_json_string_eq(key, "context", 7)) {
                    if (weir_json_type(v) == WEIR_JSON_OBJECT) in.context = v;
                    seen_context = true;
                }
            }
        }
        if (r != 0 || it.close != '}' || weir__ws(it.p + 1, it.end) != it.end) {
            weir_fail("weir sdk: the input is not a JSON object");
            return 3;
        }
    }
    return (int32_t)nodes[index](&in);
}

#if defined(__wasm__)
#define WEIR__EXPORT(name) __attribute__((export_name(name)))
#else
#define WEIR__EXPORT(name)
#endif

#ifdef WEIR_CUSTOM_ALLOC
/* The package defines `weir_alloc` itself (export_name("weir_alloc")). */
#define WEIR__ALLOC_EXPORT
#else
#define WEIR__ALLOC_EXPORT                                                         \
    WEIR__EXPORT("weir_alloc") int32_t weir__export_alloc(int32_t len);            \
    WEIR__EXPORT("weir_alloc") int32_t weir__export_alloc(int32_t len) {           \
        return len < 0 ? 0 : (int32_t)(uintptr_t)weir_malloc((size_t)len);        \
    }
#endif

/**
 * WEIR_NODES(fn0, fn1, ...) defines the module's exports: `weir_run`, which
 * runs node i of the manifest's "nodes" array by calling the i-th function
 * given here, and `weir_alloc` (the SDK allocator; define WEIR_CUSTOM_ALLOC
 * before including this header to provide your own). The order must match
 * the manifest. Use it once, at file scope, in one .c file of the package,
 * followed by a semicolon: `WEIR_NODES(reverse, upper);`.
 */
#define WEIR_NODES(...)                                                            \
    static const weir_node_fn weir__nodes[] = {__VA_ARGS__};                      \
    WEIR__ALLOC_EXPORT                                                             \
    WEIR__EXPORT("weir_run") int32_t weir__export_run(int32_t, int32_t, int32_t); \
    WEIR__EXPORT("weir_run") int32_t weir__export_run(int32_t index, int32_t ptr, int32_t len) { \
        return weir__dispatch(weir__nodes, sizeof weir__nodes / sizeof weir__nodes[0], index, ptr, len); \
    }                                                                              \
    _Static_assert(1, "WEIR_NODES")

#define WEIR__STRINGIFY2(x) #x
#define WEIR__STRINGIFY(x) WEIR__STRINGIFY2(x)

/**
 * WEIR_MANIFEST("...") puts the manifest, a C string literal holding JSON
 * (adjacent literals are joined), into the module's `weir.manifest` custom
 * section, byte for byte, without a terminating NUL. Use it once per package,
 * at file scope, followed by a semicolon.
 *
 * How: clang 14 turns a variable placed in a ".custom_section.*" section into
 * a data segment, not a custom section, so the macro emits the bytes with a
 * top-level assembler `.ascii` directive instead. The literal is handed to the
 * assembler as written, so use only the escapes the assembler and C share:
 * \" \\ \n \t \r \b \f and octal. Write non-ASCII text as UTF-8 directly, or
 * as a JSON escape ("\\u00e9" in C is \u00e9 in the JSON); C's own \u, \x and
 * \a escapes are not understood. sdk/c/tools/wasm_sections.py check verifies
 * the result; the build rule's MANIFEST file option avoids the question.
 */
#if defined(__wasm__)
#define WEIR_MANIFEST(json_literal)                                                \
    _Static_assert(sizeof("" json_literal "") > 1, "WEIR_MANIFEST needs a string literal"); \
    __asm__(".section .custom_section.weir.manifest,\"\",@\n"                     \
            "\t.ascii " WEIR__STRINGIFY(json_literal) "\n"                        \
            "\t.text\n")
#else
#define WEIR_MANIFEST(json_literal) \
    _Static_assert(sizeof("" json_literal "") > 1, "WEIR_MANIFEST needs a string literal")
#endif

#endif /* WEIR_NODE_H */
