/* manifest.h — the `weir.manifest` of a WASM package (node-abi.md §1):
 * parsing, validation, capabilities.
 *
 * The manifest is the package's promise of what it will do: which host
 * capabilities it needs, how small its limits are, and which nodes it
 * offers. Everything the sandbox enforces later is derived from it, so it is
 * parsed strictly: a manifest that is not exactly understood is refused
 * rather than partly applied. docs/node-abi.md ("Package checks") lists the
 * rules and the choices made where the ABI is silent; in short:
 *   - unknown keys are refused at the top level, in `capabilities` (and in
 *     `http`) and in `limits`, where a typo could silently drop a
 *     restriction; they are allowed in `package`, node and pin objects, for
 *     metadata and forward-compatible editor hints;
 *   - duplicate JSON keys are refused;
 *   - an empty `storage`, `variables` or `secrets` list, and false `stream`
 *     or `wasi`, request nothing; `http` is requested when present (its
 *     `hosts` and `methods` lists, when missing or empty, admit nothing).
 *   - omissions that can only mean "nothing" are accepted (a node without
 *     pins, http without methods, a package without a version); anything
 *     present must have exactly the documented form. */
#ifndef WEIR_SBX_MANIFEST_H
#define WEIR_SBX_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/types.h"
#include "sandbox/policy.h"
#include "sandbox/result.h"

/* Capabilities (node-abi.md §3, §4.2), as a bit mask. */
typedef enum sbx_cap {
    SBX_CAP_HTTP = 1u << 0,
    SBX_CAP_STORAGE = 1u << 1,
    SBX_CAP_VARIABLES = 1u << 2,
    SBX_CAP_SECRETS = 1u << 3,
    SBX_CAP_STREAM = 1u << 4,
    SBX_CAP_WASI = 1u << 5,
} sbx_cap;
#define SBX_CAP_ALL 0x3fu

/* Operations within `storage` and `variables`, as bit masks. */
enum {
    SBX_STORAGE_READ = 1u << 0,
    SBX_STORAGE_WRITE = 1u << 1,
    SBX_STORAGE_LIST = 1u << 2,
    SBX_STORAGE_DELETE = 1u << 3,
};
enum {
    SBX_VARIABLES_READ = 1u << 0,
    SBX_VARIABLES_WRITE = 1u << 1,
};

/* "http", "storage", "variables", "secrets", "stream", "wasi" for one bit;
 * NULL for anything else. */
const char *sbx_cap_name(unsigned cap);

/* Parse a comma-separated list of capability names ("http,storage"), as
 * given to --grant. Blanks around names are ignored; an empty or blank
 * string is the empty set; an empty element, an unknown or upper-case name
 * is an error. Repeats are harmless. Returns 0 and sets *out, or -1 with a
 * message. */
int sbx_caps_parse(const char *s, unsigned *out, char *err, size_t errlen);

/* Write caps as "http,storage" in the order of sbx_cap ("" for none; bits
 * beyond SBX_CAP_ALL are ignored). Like snprintf: returns the length needed,
 * writes at most size bytes, NUL-terminated when size > 0. */
size_t sbx_caps_format(unsigned caps, char *buf, size_t size);

typedef struct sbx_pin {
    const char *name;        /* [A-Za-z0-9_]{1,64}, unique in its node */
    pin_dir dir;
    pin_type type;           /* never PT_DATE: packages have no date pins */
    value_shape shape;       /* VS_NORMAL, VS_ARRAY or VS_MAP */
    json_t *dflt;            /* borrowed; NULL when the pin has no default */
} sbx_pin;

typedef struct sbx_node {
    const char *name;        /* [a-z0-9_]{1,64}, unique in the package */
    const char *friendly_name; /* the name when not given */
    const char *category;    /* "" when not given */
    const char *description; /* "" when not given */
    sbx_pin *pins;
    size_t npins;
    bool pure;               /* no execution pins */
} sbx_node;

/* A validated manifest. Every string and JSON value is borrowed from root
 * and lives as long as the manifest. */
typedef struct sbx_manifest {
    char *json;              /* the manifest text as found, NUL-terminated */
    size_t json_len;
    json_t *root;            /* the parsed manifest */

    const char *id;          /* package.id: [a-z0-9][a-z0-9._-]{0,63} */
    const char *version;     /* "" when not given */
    const char *description; /* "" when not given */
    const char *license;     /* "" when not given */

    unsigned caps;           /* requested sbx_cap bits */
    unsigned storage_ops;    /* SBX_STORAGE_* */
    unsigned variables_ops;  /* SBX_VARIABLES_* */
    const char **hosts;      /* http.hosts: "api.example.com" or "*.example.org" */
    size_t nhosts;
    const char **methods;    /* http.methods: "GET", … */
    size_t nmethods;
    const char **secrets;    /* secret names */
    size_t nsecrets;

    /* limits as asked for (0 = not given) and as in force (clamped) */
    struct { uint64_t fuel, memory_mb, timeout_ms; } requested;
    struct { uint64_t fuel, memory_bytes, timeout_ms; } limits;

    sbx_node *nodes;         /* at least one */
    size_t nnodes;
} sbx_manifest;

/* Parse and validate manifest text (len bytes, no terminator needed).
 * Limits are clamped to pol (NULL: sbx_policy_default()). Returns SBX_OK
 * with *out set (free with sbx_manifest_free), or
 *   SBX_INVALID_MANIFEST  not JSON, too large, or not valid;
 *   SBX_ABI_MISMATCH      `abi` present but not the integer 1 (checked
 *                         before the rest, whose shape depends on it);
 * with *out NULL and a message in err ("nodes[0].pins[1].default: …"). */
sbx_code sbx_manifest_parse(const char *json, size_t len, const sbx_policy *pol, sbx_manifest **out,
                            char *err, size_t errlen);

void sbx_manifest_free(sbx_manifest *m);

/* The index of the node called name, or -1. */
int sbx_manifest_node_index(const sbx_manifest *m, const char *name);
/* The pin of n called name, or NULL. */
const sbx_pin *sbx_node_pin(const sbx_node *n, const char *name);

/* True when pattern (as validated in a manifest) admits host: an exact
 * pattern matches only that host; "*.example.org" matches any name ending in
 * ".example.org" with at least one label before it, never "example.org"
 * itself. host is compared case-insensitively, one trailing dot ignored; a
 * host that is not a well-formed DNS name or IPv4 address matches nothing. */
bool sbx_host_match(const char *pattern, const char *host);
/* True when some pattern of m's http.hosts admits host (false without http). */
bool sbx_manifest_host_allowed(const sbx_manifest *m, const char *host);
/* True when m's http.methods lists method (exact, case-sensitive). */
bool sbx_manifest_method_allowed(const sbx_manifest *m, const char *method);
/* True when m's secrets list has name (exact). */
bool sbx_manifest_secret_allowed(const sbx_manifest *m, const char *name);

#endif
