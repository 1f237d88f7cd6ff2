/* manifest.c — parsing and validating `weir.manifest` (node-abi.md §1), and
 * the capability names. The rules are listed in manifest.h and, for users,
 * in docs/node-abi.md. Every check has its own message naming the field, so
 * that a package author sees at once what to fix. */
#include "sandbox/manifest.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/textfmt.h"

/* ---- capability names ---------------------------------------------- */

static const char *const cap_names[] = {"http", "storage", "variables", "secrets", "stream", "wasi"};
#define NCAPS (sizeof cap_names / sizeof *cap_names)

const char *sbx_cap_name(unsigned cap) {
    for (unsigned i = 0; i < NCAPS; i++)
        if (cap == 1u << i) return cap_names[i];
    return NULL;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...) {
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int sbx_caps_parse(const char *s, unsigned *out, char *err, size_t errlen) {
    unsigned caps = 0;
    const char *p = s;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '\0') {
        *out = 0;
        return 0;
    }
    for (;;) {
        const char *start = p, *end;
        while (*p && *p != ',') p++;
        end = p;
        while (start < end && (*start == ' ' || *start == '\t')) start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t')) end--;
        size_t n = (size_t)(end - start);
        if (n == 0) {
            seterr(err, errlen, "empty capability name in \"%s\"", s);
            return -1;
        }
        unsigned bit = 0;
        for (unsigned i = 0; i < NCAPS; i++)
            if (strlen(cap_names[i]) == n && memcmp(cap_names[i], start, n) == 0) bit = 1u << i;
        if (!bit) {
            seterr(err, errlen, "unknown capability \"%.*s\" (known: http, storage, variables, secrets, stream, wasi)",
                   (int)(n > 64 ? 64 : n), start);
            return -1;
        }
        caps |= bit;
        if (*p == '\0') break;
        p++; /* the comma */
    }
    *out = caps;
    return 0;
}

size_t sbx_caps_format(unsigned caps, char *buf, size_t size) {
    size_t o = 0;
    for (unsigned i = 0; i < NCAPS; i++) {
        if (!(caps & (1u << i))) continue;
        const char *parts[2] = {o ? "," : "", cap_names[i]};
        for (int k = 0; k < 2; k++) {
            size_t l = strlen(parts[k]);
            if (o < size) {
                size_t c = size - 1 - o < l ? size - 1 - o : l;
                memcpy(buf + o, parts[k], c);
            }
            o += l;
        }
    }
    if (size) buf[o < size ? o : size - 1] = '\0';
    return o;
}

/* ---- host patterns ------------------------------------------------- */

static bool is_ipv4_quad(const char *s, size_t len) {
    int parts = 0;
    size_t i = 0;
    while (i <= len) {
        size_t st = i;
        unsigned v = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (unsigned)(s[i] - '0');
            if (v > 255) return false;
            i++;
        }
        size_t n = i - st;
        if (n == 0 || (n > 1 && s[st] == '0')) return false;
        parts++;
        if (i == len) break;
        if (s[i] != '.') return false;
        i++;
    }
    return parts == 4;
}

/* Syntax of a host name (lower-case LDH labels of 1 to 63 characters, not
 * starting or ending with '-', at most SANDBOX_MAX_HOST_BYTES) or of an IPv4
 * address in dotted-quad form (a last label of digits only must be that).
 * Returns NULL when valid, else why not. Sets *nlabels. */
static const char *host_syntax(const char *s, size_t len, int *nlabels) {
    if (len == 0) return "is empty";
    if (len > SANDBOX_MAX_HOST_BYTES) return "is longer than 253 characters";
    int labels = 0;
    size_t i = 0, last_start = 0;
    while (i < len) {
        size_t st = i;
        while (i < len && s[i] != '.') {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return "has a character other than a-z, 0-9, '-' and '.'";
            i++;
        }
        size_t n = i - st;
        if (n == 0) return "has an empty label";
        if (n > 63) return "has a label longer than 63 characters";
        if (s[st] == '-' || s[i - 1] == '-') return "has a label that starts or ends with '-'";
        labels++;
        last_start = st;
        if (i < len) {
            i++; /* the dot */
            if (i == len) return "has an empty label";
        }
    }
    bool numeric = true;
    for (size_t k = last_start; k < len; k++)
        if (!(s[k] >= '0' && s[k] <= '9')) numeric = false;
    if (numeric && !is_ipv4_quad(s, len)) return "is neither a host name nor an IPv4 address in dotted-quad form";
    *nlabels = labels;
    return NULL;
}

/* Why pattern is not a valid http host pattern, or NULL. */
static const char *host_pattern_error(const char *p) {
    size_t len = strlen(p);
    if (strstr(p, "://")) return "must be a host name without a scheme";
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z') return "must be lower-case";
        if (c == ':') return "must not have a port (or be an IPv6 address)";
        if (c == '/' || c == '?' || c == '#') return "must be a host name without a path";
        if (c == '@') return "must be a host name without user information";
        if (c == '*' && !(i == 0 && len > 1 && p[1] == '.'))
            return "may use '*' only as a whole first label (\"*.example.org\")";
    }
    if (len && p[len - 1] == '.') return "must not end with a dot";
    int labels = 0;
    if (p[0] == '*') {
        const char *why = host_syntax(p + 2, len - 2, &labels);
        if (why) return why;
        if (is_ipv4_quad(p + 2, len - 2)) return "cannot put a wildcard before an IP address";
        if (labels < 2) return "must have at least two labels after \"*.\" (\"*.com\" would admit a whole top-level domain)";
        return NULL;
    }
    return host_syntax(p, len, &labels);
}

bool sbx_host_match(const char *pattern, const char *host) {
    if (!pattern || !host) return false;
    size_t hl = strlen(host);
    if (hl && host[hl - 1] == '.') hl--;
    if (hl == 0 || hl > SANDBOX_MAX_HOST_BYTES) return false;
    char h[SANDBOX_MAX_HOST_BYTES + 1];
    for (size_t i = 0; i < hl; i++) h[i] = (char)tolower((unsigned char)host[i]);
    h[hl] = '\0';
    int labels;
    if (host_syntax(h, hl, &labels)) return false;
    if (pattern[0] == '*' && pattern[1] == '.') {
        const char *suffix = pattern + 1; /* ".example.org" */
        size_t sl = strlen(suffix);
        if (is_ipv4_quad(h, hl)) return false;
        return hl > sl && strcmp(h + hl - sl, suffix) == 0;
    }
    return strcmp(h, pattern) == 0;
}

bool sbx_manifest_host_allowed(const sbx_manifest *m, const char *host) {
    if (!m || !(m->caps & SBX_CAP_HTTP)) return false;
    for (size_t i = 0; i < m->nhosts; i++)
        if (sbx_host_match(m->hosts[i], host)) return true;
    return false;
}

bool sbx_manifest_method_allowed(const sbx_manifest *m, const char *method) {
    if (!m || !method || !(m->caps & SBX_CAP_HTTP)) return false;
    for (size_t i = 0; i < m->nmethods; i++)
        if (strcmp(m->methods[i], method) == 0) return true;
    return false;
}

bool sbx_manifest_secret_allowed(const sbx_manifest *m, const char *name) {
    if (!m || !name || !(m->caps & SBX_CAP_SECRETS)) return false;
    for (size_t i = 0; i < m->nsecrets; i++)
        if (strcmp(m->secrets[i], name) == 0) return true;
    return false;
}

int sbx_manifest_node_index(const sbx_manifest *m, const char *name) {
    for (size_t i = 0; m && name && i < m->nnodes; i++)
        if (strcmp(m->nodes[i].name, name) == 0) return (int)i;
    return -1;
}

const sbx_pin *sbx_node_pin(const sbx_node *n, const char *name) {
    for (size_t i = 0; n && name && i < n->npins; i++)
        if (strcmp(n->pins[i].name, name) == 0) return &n->pins[i];
    return NULL;
}

/* ---- validation ---------------------------------------------------- */

typedef struct vctx {
    char *err;
    size_t errlen;
} vctx;

static sbx_code bad(vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static sbx_code bad(vctx *v, const char *fmt, ...) {
    if (v->err && v->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->err, v->errlen, fmt, ap);
        va_end(ap);
    }
    return SBX_INVALID_MANIFEST;
}

/* Text from the manifest as it may appear in a message: at most 64 bytes
 * (cut on a character boundary, "..." added), control characters as '?'. */
static const char *shown(const char *s, char buf[80]) {
    size_t n = strlen(s), cut = utf8_cut(s, n, 64);
    for (size_t i = 0; i < cut; i++) buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    if (cut < n) {
        memcpy(buf + cut, "...", 3);
        cut += 3;
    }
    buf[cut] = '\0';
    return buf;
}

/* Refuse any key of obj not in allowed (NULL-terminated). */
static sbx_code only_keys(vctx *v, json_t *obj, const char *const *allowed, const char *path) {
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val) {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(key, allowed[i]) == 0) ok = true;
        if (!ok) {
            char b[80];
            return bad(v, "%s: unknown key \"%s\"", path, shown(key, b));
        }
    }
    return SBX_OK;
}

static bool match_charset(const char *s, size_t min, size_t max, const char *first, const char *rest) {
    size_t n = strlen(s);
    if (n < min || n > max) return false;
    for (size_t i = 0; i < n; i++) {
        const char *set = i == 0 ? first : rest;
        unsigned char c = (unsigned char)s[i];
        bool ok = false;
        for (const char *k = set; *k; k++) {
            if (k[1] == '~' && k[2]) { /* a range "a~z" */
                if (c >= (unsigned char)k[0] && c <= (unsigned char)k[2]) ok = true;
                k += 2;
            } else if (c == (unsigned char)*k) {
                ok = true;
            }
        }
        if (!ok) return false;
    }
    return true;
}

/* [a-z0-9][a-z0-9._-]{0,63} */
static bool valid_package_id(const char *s) { return match_charset(s, 1, 64, "a~z0~9", "a~z0~9._-"); }
/* [a-z0-9_]{1,64} */
static bool valid_node_name(const char *s) { return match_charset(s, 1, 64, "a~z0~9_", "a~z0~9_"); }
/* [A-Za-z0-9_]{1,64} */
static bool valid_pin_name(const char *s) { return match_charset(s, 1, 64, "A~Za~z0~9_", "A~Za~z0~9_"); }
/* [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
static bool valid_secret_name(const char *s) {
    return match_charset(s, 1, SANDBOX_MAX_SECRET_NAME_BYTES, "A~Za~z0~9_", "A~Za~z0~9_.-");
}
/* [A-Z][A-Z0-9_-]{0,31} */
static bool valid_method(const char *s) { return match_charset(s, 1, SANDBOX_MAX_METHOD_BYTES, "A~Z", "A~Z0~9_-"); }

/* An optional text field: a string of at most SANDBOX_MAX_TEXT_BYTES without
 * control characters (multiline allows \n and \t). *out is dflt when absent. */
static sbx_code text_field(vctx *v, json_t *obj, const char *key, bool required, bool multiline, const char *dflt,
                           const char **out, const char *path) {
    json_t *j = json_object_get(obj, key);
    if (!j) {
        if (required) return bad(v, "%s.%s: missing", path, key);
        *out = dflt;
        return SBX_OK;
    }
    if (!json_is_string(j)) return bad(v, "%s.%s: must be a string", path, key);
    const char *s = json_string_value(j);
    size_t n = json_string_length(j);
    if (n > SANDBOX_MAX_TEXT_BYTES)
        return bad(v, "%s.%s: longer than %u bytes", path, key, (unsigned)SANDBOX_MAX_TEXT_BYTES);
    if (required && n == 0) return bad(v, "%s.%s: must not be empty", path, key);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f)
            return bad(v, "%s.%s: must not contain control characters", path, key);
    }
    *out = s;
    return SBX_OK;
}

/* A list of unique strings, each checked by ok (which may set *why), stored
 * into *out (borrowed). */
static sbx_code string_list(vctx *v, json_t *arr, const char *path, size_t max, const char *(*check)(const char *s),
                            const char ***out, size_t *n) {
    if (!json_is_array(arr)) return bad(v, "%s: must be an array of strings", path);
    size_t len = json_array_size(arr);
    if (len > max) return bad(v, "%s: more than %zu entries", path, max);
    const char **list = calloc(len ? len : 1, sizeof *list);
    if (!list) return bad(v, "out of memory");
    for (size_t i = 0; i < len; i++) {
        json_t *e = json_array_get(arr, i);
        if (!json_is_string(e)) {
            free(list);
            return bad(v, "%s[%zu]: must be a string", path, i);
        }
        const char *s = json_string_value(e);
        char b[80];
        const char *why = check(s);
        if (why) {
            free(list);
            return bad(v, "%s[%zu]: \"%s\" %s", path, i, shown(s, b), why);
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(list[k], s) == 0) {
                free(list);
                return bad(v, "%s[%zu]: \"%s\" is listed twice", path, i, shown(s, b));
            }
        list[i] = s;
    }
    if (out) *out = list;
    else free(list);
    if (n) *n = len;
    return SBX_OK;
}

static const char *check_host(const char *s) { return host_pattern_error(s); }
static const char *check_method(const char *s) {
    return valid_method(s) ? NULL : "is not an upper-case method token ([A-Z][A-Z0-9_-]{0,31})";
}
static const char *check_secret(const char *s) {
    return valid_secret_name(s) ? NULL : "is not a secret name ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})";
}
static const char *const storage_ops[] = {"read", "write", "list", "delete", NULL};
static const char *const variables_ops[] = {"read", "write", NULL};
static const char *check_storage_op(const char *s) {
    for (int i = 0; storage_ops[i]; i++)
        if (strcmp(s, storage_ops[i]) == 0) return NULL;
    return "is not a storage operation (read, write, list, delete)";
}
static const char *check_variables_op(const char *s) {
    for (int i = 0; variables_ops[i]; i++)
        if (strcmp(s, variables_ops[i]) == 0) return NULL;
    return "is not a variables operation (read, write)";
}

static unsigned ops_mask(const char **list, size_t n, const char *const *names) {
    unsigned m = 0;
    for (size_t i = 0; i < n; i++)
        for (unsigned k = 0; names[k]; k++)
            if (strcmp(list[i], names[k]) == 0) m |= 1u << k;
    return m;
}

static sbx_code parse_capabilities(vctx *v, json_t *caps, sbx_manifest *m) {
    static const char *const keys[] = {"http", "storage", "variables", "secrets", "stream", "wasi", NULL};
    if (!json_is_object(caps)) return bad(v, "capabilities: must be an object");
    sbx_code rc = only_keys(v, caps, keys, "capabilities");
    if (rc) return rc;

    json_t *http = json_object_get(caps, "http");
    if (http) {
        static const char *const hkeys[] = {"hosts", "methods", NULL};
        if (!json_is_object(http)) return bad(v, "capabilities.http: must be an object {\"hosts\": […], \"methods\": […]}");
        if ((rc = only_keys(v, http, hkeys, "capabilities.http"))) return rc;
        /* a missing list is an empty one: nothing is reachable with it */
        json_t *hosts = json_object_get(http, "hosts"), *methods = json_object_get(http, "methods");
        if (hosts && (rc = string_list(v, hosts, "capabilities.http.hosts", SANDBOX_MAX_CAP_ENTRIES, check_host,
                                       &m->hosts, &m->nhosts)))
            return rc;
        if (methods && (rc = string_list(v, methods, "capabilities.http.methods", SANDBOX_MAX_CAP_ENTRIES,
                                         check_method, &m->methods, &m->nmethods)))
            return rc;
        m->caps |= SBX_CAP_HTTP;
    }

    json_t *storage = json_object_get(caps, "storage");
    if (storage) {
        const char **list = NULL;
        size_t n = 0;
        if ((rc = string_list(v, storage, "capabilities.storage", 4, check_storage_op, &list, &n))) return rc;
        m->storage_ops = ops_mask(list, n, storage_ops);
        free(list);
        if (m->storage_ops) m->caps |= SBX_CAP_STORAGE;
    }

    json_t *vars = json_object_get(caps, "variables");
    if (vars) {
        const char **list = NULL;
        size_t n = 0;
        if ((rc = string_list(v, vars, "capabilities.variables", 2, check_variables_op, &list, &n))) return rc;
        m->variables_ops = ops_mask(list, n, variables_ops);
        free(list);
        if (m->variables_ops) m->caps |= SBX_CAP_VARIABLES;
    }

    json_t *secrets = json_object_get(caps, "secrets");
    if (secrets) {
        if ((rc = string_list(v, secrets, "capabilities.secrets", SANDBOX_MAX_CAP_ENTRIES, check_secret, &m->secrets,
                              &m->nsecrets)))
            return rc;
        if (m->nsecrets) m->caps |= SBX_CAP_SECRETS;
    }

    static const struct { const char *key; unsigned bit; } flags[] = {{"stream", SBX_CAP_STREAM},
                                                                       {"wasi", SBX_CAP_WASI}};
    for (size_t i = 0; i < 2; i++) {
        json_t *b = json_object_get(caps, flags[i].key);
        if (!b) continue;
        if (!json_is_boolean(b)) return bad(v, "capabilities.%s: must be true or false", flags[i].key);
        if (json_is_true(b)) m->caps |= flags[i].bit;
    }
    return SBX_OK;
}

static sbx_code parse_limits(vctx *v, json_t *lim, const sbx_policy *pol, sbx_manifest *m) {
    static const char *const keys[] = {"memory_mb", "fuel", "timeout_ms", NULL};
    if (!json_is_object(lim)) return bad(v, "limits: must be an object");
    sbx_code rc = only_keys(v, lim, keys, "limits");
    if (rc) return rc;
    uint64_t *req[3] = {&m->requested.memory_mb, &m->requested.fuel, &m->requested.timeout_ms};
    for (int i = 0; i < 3; i++) {
        json_t *j = json_object_get(lim, keys[i]);
        if (!j) continue;
        if (!json_is_integer(j) || json_integer_value(j) <= 0)
            return bad(v, "limits.%s: must be a positive integer", keys[i]);
        *req[i] = (uint64_t)json_integer_value(j);
    }
    const uint64_t mib = 1024 * 1024;
    if (m->requested.fuel && m->requested.fuel < pol->fuel) m->limits.fuel = m->requested.fuel;
    if (m->requested.timeout_ms && m->requested.timeout_ms < pol->timeout_ms)
        m->limits.timeout_ms = m->requested.timeout_ms;
    if (m->requested.memory_mb && m->requested.memory_mb <= pol->memory_bytes / mib &&
        m->requested.memory_mb * mib < pol->memory_bytes)
        m->limits.memory_bytes = m->requested.memory_mb * mib;
    return SBX_OK;
}

/* Does the JSON value j fit a pin of type t (one element)? */
static bool fits_one(pin_type t, json_t *j) {
    switch (t) {
    case PT_STRING: return json_is_string(j);
    case PT_INTEGER: return json_is_integer(j);
    case PT_FLOAT: return json_is_number(j);
    case PT_BOOLEAN: return json_is_boolean(j);
    case PT_STRUCT: return json_is_object(j);
    case PT_BYTES: return json_is_string(j) && base64_valid(json_string_value(j), json_string_length(j));
    case PT_GENERIC: return true;
    default: return false;
    }
}

static bool fits(pin_type t, value_shape s, json_t *j) {
    size_t i;
    const char *k;
    json_t *e;
    switch (s) {
    case VS_ARRAY:
        if (!json_is_array(j)) return false;
        json_array_foreach(j, i, e) if (!fits_one(t, e)) return false;
        return true;
    case VS_MAP:
        if (!json_is_object(j)) return false;
        json_object_foreach(j, k, e) if (!fits_one(t, e)) return false;
        return true;
    default: return fits_one(t, j);
    }
}

static const char *const pin_types[] = {"execution", "string", "integer", "float",
                                        "boolean",   "struct", "bytes",   "generic"};
static const pin_type pin_type_vals[] = {PT_EXECUTION, PT_STRING, PT_INTEGER, PT_FLOAT,
                                         PT_BOOLEAN,   PT_STRUCT, PT_BYTES,   PT_GENERIC};

static sbx_code parse_pin(vctx *v, json_t *j, sbx_pin *p, const char *path) {
    if (!json_is_object(j)) return bad(v, "%s: must be an object", path);
    json_t *name = json_object_get(j, "name"), *dir = json_object_get(j, "direction"),
           *type = json_object_get(j, "type"), *shape = json_object_get(j, "value_type"),
           *dflt = json_object_get(j, "default");
    char b[80];
    if (!name) return bad(v, "%s.name: missing", path);
    if (!json_is_string(name) || !valid_pin_name(json_string_value(name)))
        return bad(v, "%s.name: must be a string matching [A-Za-z0-9_]{1,64}", path);
    p->name = json_string_value(name);
    if (!dir) return bad(v, "%s.direction: missing", path);
    if (!json_is_string(dir)) return bad(v, "%s.direction: must be \"in\" or \"out\"", path);
    if (strcmp(json_string_value(dir), "in") == 0) p->dir = DIR_IN;
    else if (strcmp(json_string_value(dir), "out") == 0) p->dir = DIR_OUT;
    else return bad(v, "%s.direction: \"%s\" is not \"in\" or \"out\"", path, shown(json_string_value(dir), b));
    if (!type) return bad(v, "%s.type: missing", path);
    if (!json_is_string(type)) return bad(v, "%s.type: must be a string", path);
    int t = -1;
    for (size_t i = 0; i < sizeof pin_types / sizeof *pin_types; i++)
        if (strcmp(json_string_value(type), pin_types[i]) == 0) t = (int)pin_type_vals[i];
    if (t < 0)
        return bad(v,
                   "%s.type: \"%s\" is not a package pin type (execution, string, integer, float, boolean, "
                   "struct, bytes, generic)",
                   path, shown(json_string_value(type), b));
    p->type = (pin_type)t;
    p->shape = VS_NORMAL;
    if (shape) {
        const char *s = json_is_string(shape) ? json_string_value(shape) : NULL;
        if (s && strcmp(s, "array") == 0) p->shape = VS_ARRAY;
        else if (s && strcmp(s, "map") == 0) p->shape = VS_MAP;
        else if (!s || strcmp(s, "normal") != 0)
            return bad(v, "%s.value_type: must be \"array\" or \"map\" (or \"normal\", the default)", path);
        if (p->type == PT_EXECUTION && p->shape != VS_NORMAL)
            return bad(v, "%s.value_type: an execution pin cannot be an array or a map", path);
    }
    if (dflt) {
        if (p->type == PT_EXECUTION) return bad(v, "%s.default: an execution pin has no default", path);
        if (p->dir == DIR_OUT) return bad(v, "%s.default: an output pin has no default", path);
        if (!fits(p->type, p->shape, dflt))
            return bad(v, "%s.default: does not fit the pin's type (%s%s%s)", path,
                       p->shape == VS_ARRAY ? "array of " : p->shape == VS_MAP ? "map of " : "",
                       pin_type_name(p->type), p->type == PT_BYTES ? ", base64" : "");
        p->dflt = dflt;
    }
    return SBX_OK;
}

static sbx_code parse_node(vctx *v, json_t *j, sbx_node *n, const char *path) {
    if (!json_is_object(j)) return bad(v, "%s: must be an object", path);
    json_t *name = json_object_get(j, "name");
    if (!name) return bad(v, "%s.name: missing", path);
    if (!json_is_string(name) || !valid_node_name(json_string_value(name)))
        return bad(v, "%s.name: must be a string matching [a-z0-9_]{1,64}", path);
    n->name = json_string_value(name);
    sbx_code rc;
    if ((rc = text_field(v, j, "friendly_name", false, false, n->name, &n->friendly_name, path))) return rc;
    if ((rc = text_field(v, j, "category", false, false, "", &n->category, path))) return rc;
    if ((rc = text_field(v, j, "description", false, true, "", &n->description, path))) return rc;
    json_t *pins = json_object_get(j, "pins");
    if (!pins) {
        n->pure = true;
        return SBX_OK;
    }
    if (!json_is_array(pins)) return bad(v, "%s.pins: must be an array", path);
    size_t np = json_array_size(pins);
    if (np > SANDBOX_MAX_NODE_PINS) return bad(v, "%s.pins: more than %u pins", path, (unsigned)SANDBOX_MAX_NODE_PINS);
    n->pins = calloc(np ? np : 1, sizeof *n->pins);
    if (!n->pins) return bad(v, "out of memory");
    n->npins = np;
    n->pure = true;
    for (size_t i = 0; i < np; i++) {
        char ppath[160];
        snprintf(ppath, sizeof ppath, "%s.pins[%zu]", path, i);
        if ((rc = parse_pin(v, json_array_get(pins, i), &n->pins[i], ppath))) return rc;
        for (size_t k = 0; k < i; k++)
            if (strcmp(n->pins[k].name, n->pins[i].name) == 0)
                return bad(v, "%s.name: \"%s\" is used by another pin of node \"%s\"", ppath, n->pins[i].name, n->name);
        if (n->pins[i].type == PT_EXECUTION) n->pure = false;
    }
    return SBX_OK;
}

static sbx_code parse_package(vctx *v, json_t *pkg, sbx_manifest *m) {
    if (!pkg) return bad(v, "package: missing");
    if (!json_is_object(pkg)) return bad(v, "package: must be an object");
    json_t *id = json_object_get(pkg, "id");
    if (!id) return bad(v, "package.id: missing");
    if (!json_is_string(id) || !valid_package_id(json_string_value(id)))
        return bad(v, "package.id: must be a string matching [a-z0-9][a-z0-9._-]{0,63}");
    m->id = json_string_value(id);
    sbx_code rc;
    if ((rc = text_field(v, pkg, "version", false, false, "", &m->version, "package"))) return rc;
    if ((rc = text_field(v, pkg, "description", false, true, "", &m->description, "package"))) return rc;
    if ((rc = text_field(v, pkg, "license", false, false, "", &m->license, "package"))) return rc;
    return SBX_OK;
}

static sbx_code validate(vctx *v, sbx_manifest *m, const sbx_policy *pol) {
    json_t *root = m->root;
    if (!json_is_object(root)) return bad(v, "the manifest must be a JSON object");

    /* abi first: a manifest for another ABI may look different */
    json_t *abi = json_object_get(root, "abi");
    if (!abi) return bad(v, "abi: missing (this host implements ABI 1)");
    if (!json_is_integer(abi) || json_integer_value(abi) != 1) {
        if (json_is_integer(abi))
            seterr(v->err, v->errlen, "abi: the package targets ABI %" JSON_INTEGER_FORMAT "; this host implements ABI 1",
                   json_integer_value(abi));
        else
            seterr(v->err, v->errlen, "abi: must be the integer 1 (this host implements ABI 1)");
        return SBX_ABI_MISMATCH;
    }

    static const char *const keys[] = {"abi", "package", "capabilities", "limits", "nodes", NULL};
    sbx_code rc = only_keys(v, root, keys, "manifest");
    if (rc) return rc;
    if ((rc = parse_package(v, json_object_get(root, "package"), m))) return rc;

    m->limits.fuel = pol->fuel;
    m->limits.memory_bytes = pol->memory_bytes;
    m->limits.timeout_ms = pol->timeout_ms;
    json_t *caps = json_object_get(root, "capabilities");
    if (caps && (rc = parse_capabilities(v, caps, m))) return rc;
    json_t *lim = json_object_get(root, "limits");
    if (lim && (rc = parse_limits(v, lim, pol, m))) return rc;

    json_t *nodes = json_object_get(root, "nodes");
    if (!nodes) return bad(v, "nodes: missing");
    if (!json_is_array(nodes)) return bad(v, "nodes: must be an array");
    size_t nn = json_array_size(nodes);
    if (nn == 0) return bad(v, "nodes: a package must offer at least one node");
    if (nn > SANDBOX_MAX_NODES) return bad(v, "nodes: more than %u nodes", (unsigned)SANDBOX_MAX_NODES);
    m->nodes = calloc(nn, sizeof *m->nodes);
    if (!m->nodes) return bad(v, "out of memory");
    m->nnodes = nn;
    for (size_t i = 0; i < nn; i++) {
        char path[32];
        snprintf(path, sizeof path, "nodes[%zu]", i);
        if ((rc = parse_node(v, json_array_get(nodes, i), &m->nodes[i], path))) return rc;
        for (size_t k = 0; k < i; k++)
            if (strcmp(m->nodes[k].name, m->nodes[i].name) == 0)
                return bad(v, "%s.name: \"%s\" is used by another node", path, m->nodes[i].name);
    }
    return SBX_OK;
}

sbx_code sbx_manifest_parse(const char *json, size_t len, const sbx_policy *pol, sbx_manifest **out, char *err,
                            size_t errlen) {
    vctx v = {err, errlen};
    sbx_policy dpol;
    *out = NULL;
    if (err && errlen) err[0] = '\0';
    if (!pol) {
        dpol = sbx_policy_default();
        pol = &dpol;
    }
    if (!json) return bad(&v, "no manifest");
    if (len > SANDBOX_MAX_MANIFEST_BYTES)
        return bad(&v, "the manifest has %zu bytes (at most %u)", len, (unsigned)SANDBOX_MAX_MANIFEST_BYTES);
    sbx_manifest *m = calloc(1, sizeof *m);
    if (!m) return bad(&v, "out of memory");
    m->json = malloc(len + 1);
    if (!m->json) {
        free(m);
        return bad(&v, "out of memory");
    }
    memcpy(m->json, json, len);
    m->json[len] = '\0';
    m->json_len = len;
    json_error_t jerr;
    m->root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    sbx_code rc;
    if (!m->root) {
        /* jansson quotes the input near the error: keep the message ASCII */
        for (char *c = jerr.text; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) *c = '?';
        rc = bad(&v, "not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
    }
    else
        rc = validate(&v, m, pol);
    if (rc != SBX_OK) {
        sbx_manifest_free(m);
        return rc;
    }
    *out = m;
    return SBX_OK;
}

void sbx_manifest_free(sbx_manifest *m) {
    if (!m) return;
    for (size_t i = 0; i < m->nnodes; i++) free(m->nodes[i].pins);
    free(m->nodes);
    free(m->hosts);
    free(m->methods);
    free(m->secrets);
    json_decref(m->root);
    free(m->json);
    free(m);
}
