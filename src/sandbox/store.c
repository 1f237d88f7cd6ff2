/* store.c — installed WASM packages under DATA/packages (store.h). */
#include "sandbox/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "sandbox/checks.h"

#define RECORD_MAX_BYTES (64u * 1024u)

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...) {
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

const char *pkgstore_status_name(pkgstore_status s) {
    switch (s) {
    case PKGSTORE_OK: return "ok";
    case PKGSTORE_CHANGED: return "changed";
    case PKGSTORE_MISSING_GRANTS: return "missing_grants";
    }
    return "changed";
}

bool pkgstore_valid_id(const char *s) {
    if (!s) return false;
    size_t n = strlen(s);
    if (n < 1 || n > 64) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '.' || c == '_' || c == '-'));
        if (!ok) return false;
    }
    return true;
}

void pkgstore_record_free(pkgstore_record *rec) {
    if (!rec) return;
    free(rec->id);
    free(rec->version);
    free(rec->installed_at);
    memset(rec, 0, sizeof *rec);
}

json_t *pkgstore_caps_json(unsigned caps) {
    json_t *a = json_array();
    for (unsigned bit = 1; bit <= SBX_CAP_ALL; bit <<= 1)
        if (caps & bit) json_array_append_new(a, json_string(sbx_cap_name(bit)));
    return a;
}

/* ---- files ----------------------------------------------------------------- */

static void sha256_hex(const uint8_t *bytes, size_t len, char out[65]) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, bytes, len);
    for (size_t i = 0; i < sizeof digest; i++) snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* Read a regular file (no symlink as the last component), at most max bytes.
 * malloc'd; NULL with errno-style message; *enoent tells a missing file. */
static uint8_t *read_regular(const char *path, size_t max, size_t *len, bool *enoent, char *err, size_t errlen) {
    if (enoent) *enoent = false;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (enoent) *enoent = errno == ENOENT;
        seterr(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        seterr(err, errlen, "%s is not a regular file", path);
        close(fd);
        return NULL;
    }
    if ((uint64_t)st.st_size > max) {
        seterr(err, errlen, "%s is larger than %zu bytes", path, max);
        close(fd);
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        seterr(err, errlen, "out of memory");
        close(fd);
        return NULL;
    }
    for (;;) {
        if (n == cap) { /* the file grew while we read it */
            if (cap > max) {
                seterr(err, errlen, "%s is larger than %zu bytes", path, max);
                free(buf);
                close(fd);
                return NULL;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                close(fd);
                seterr(err, errlen, "out of memory");
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            seterr(err, errlen, "cannot read %s: %s", path, strerror(errno));
            free(buf);
            close(fd);
            return NULL;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (n > max) {
        seterr(err, errlen, "%s is larger than %zu bytes", path, max);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* mkdir -p, new directories 0700. */
static int mkdir_p(const char *path, char *err, size_t errlen) {
    char *p = strdup(path);
    if (!p) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/') p[--n] = '\0';
    for (char *s = p + 1;; s++) {
        bool end = *s == '\0';
        if (*s == '/' || end) {
            char saved = *s;
            *s = '\0';
            struct stat st;
            if (mkdir(p, 0700) != 0 && errno != EEXIST) {
                seterr(err, errlen, "cannot create %s: %s", p, strerror(errno));
                free(p);
                return -1;
            }
            if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
                seterr(err, errlen, "%s is not a directory", p);
                free(p);
                return -1;
            }
            *s = saved;
            if (end) break;
        }
    }
    free(p);
    return 0;
}

/* A package's own directory must be a real directory, not a symlink. */
static int mkdir_private(const char *path, char *err, size_t errlen) {
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        seterr(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        seterr(err, errlen, "%s is not a directory", path);
        return -1;
    }
    return 0;
}

static int write_all(int fd, const void *data, size_t len) {
    const uint8_t *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Write dir/name atomically: a 0600 temporary file in dir, synced, renamed. */
static int write_atomic(const char *dir, const char *name, const void *data, size_t len, char *err, size_t errlen) {
    char *tmp = NULL, *dst = NULL;
    int rc = -1, fd = -1;
    if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, name) < 0) tmp = NULL;
    if (asprintf(&dst, "%s/%s", dir, name) < 0) dst = NULL;
    if (!tmp || !dst) {
        seterr(err, errlen, "out of memory");
        goto out;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        seterr(err, errlen, "cannot create a file in %s: %s", dir, strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0600) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        seterr(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        seterr(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, dst) != 0) {
        seterr(err, errlen, "cannot replace %s: %s", dst, strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    rc = 0;
out:
    if (fd >= 0) close(fd);
    if (tmp) unlink(tmp);
    free(tmp);
    free(dst);
    return rc;
}

static char *pkg_dir(const char *data_dir, const char *id) {
    char *p = NULL;
    if (asprintf(&p, "%s/packages/%s", data_dir, id) < 0) return NULL;
    return p;
}

static char *pkg_file(const char *data_dir, const char *id, const char *name) {
    char *p = NULL;
    if (asprintf(&p, "%s/packages/%s/%s", data_dir, id, name) < 0) return NULL;
    return p;
}

/* ---- the record --------------------------------------------------------------- */

static void now_rfc3339(char out[32]) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *record_json(const pkgstore_record *rec) {
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "package", rec->id, "version", rec->version, "sha256",
                     rec->sha256, "requested", pkgstore_caps_json(rec->requested), "granted",
                     pkgstore_caps_json(rec->granted), "installed_at", rec->installed_at);
}

static int caps_from_json(json_t *a, unsigned *out) {
    if (!json_is_array(a)) return -1;
    unsigned caps = 0;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        if (!json_is_string(v)) return -1;
        unsigned bit = 0;
        for (unsigned b = 1; b <= SBX_CAP_ALL; b <<= 1)
            if (strcmp(sbx_cap_name(b), json_string_value(v)) == 0) bit = b;
        if (!bit) return -1;
        caps |= bit;
    }
    *out = caps;
    return 0;
}

static bool is_hex64(const char *s) {
    if (!s || strlen(s) != 64) return false;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

/* Read DATA/packages/ID/grants.json into rec. 0, or -1 with a message and
 * *enoent set when the file does not exist. */
static int record_read(const char *data_dir, const char *id, pkgstore_record *rec, bool *enoent, char *err,
                       size_t errlen) {
    memset(rec, 0, sizeof *rec);
    char *path = pkg_file(data_dir, id, "grants.json");
    if (!path) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    size_t len = 0;
    uint8_t *text = read_regular(path, RECORD_MAX_BYTES, &len, enoent, err, errlen);
    if (!text) {
        free(path);
        return -1;
    }
    json_error_t je;
    json_t *j = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    const char *pkg = json_string_value(json_object_get(j, "package"));
    const char *version = json_string_value(json_object_get(j, "version"));
    const char *sha = json_string_value(json_object_get(j, "sha256"));
    const char *at = json_string_value(json_object_get(j, "installed_at"));
    unsigned req = 0, gr = 0;
    if (!json_is_object(j) || !pkg || strcmp(pkg, id) != 0 || !version || !is_hex64(sha) || !at ||
        caps_from_json(json_object_get(j, "requested"), &req) != 0 ||
        caps_from_json(json_object_get(j, "granted"), &gr) != 0) {
        seterr(err, errlen, "%s is not a valid grants record", path);
        json_decref(j);
        free(path);
        return -1;
    }
    rec->id = strdup(id);
    rec->version = strdup(version);
    memcpy(rec->sha256, sha, 65);
    rec->requested = req;
    rec->granted = gr & req;
    rec->installed_at = strdup(at);
    json_decref(j);
    free(path);
    if (!rec->id || !rec->version || !rec->installed_at) {
        pkgstore_record_free(rec);
        seterr(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* {"id", "version", "sha256", "requested", "granted", "installed_at", "nodes", "status"} */
static json_t *describe(const pkgstore_record *rec, const char *id, json_t *nodes, pkgstore_status st,
                        const char *message) {
    json_t *o = json_pack("{s:s, s:s?, s:s?, s:o, s:o, s:s?, s:o, s:s}", "id", id, "version",
                          rec && rec->version ? rec->version : NULL, "sha256", rec && rec->id ? rec->sha256 : NULL,
                          "requested", pkgstore_caps_json(rec ? rec->requested : 0), "granted",
                          pkgstore_caps_json(rec ? rec->granted : 0), "installed_at",
                          rec ? rec->installed_at : NULL, "nodes", nodes ? nodes : json_array(), "status",
                          pkgstore_status_name(st));
    if (o && message) json_object_set_new(o, "message", json_string(message));
    return o;
}

static json_t *node_names(const sbx_manifest *m) {
    json_t *a = json_array();
    for (size_t i = 0; i < m->nnodes; i++) json_array_append_new(a, json_string(m->nodes[i].name));
    return a;
}

/* ---- install ------------------------------------------------------------------- */

int pkgstore_install(const char *data_dir, const uint8_t *bytes, size_t len, const sbx_policy *pol,
                     unsigned grants, bool grant_all, json_t **info, unsigned *missing, sbx_code *code, char *err,
                     size_t errlen) {
    *info = NULL;
    if (missing) *missing = 0;
    *code = SBX_OK;
    if (sodium_init() < 0) {
        seterr(err, errlen, "libsodium could not be initialised");
        return PKGSTORE_E_IO;
    }
    sbx_policy dflt = sbx_policy_default();
    if (!pol) pol = &dflt;
    if (len > pol->module_bytes) {
        *code = SBX_INVALID_MODULE;
        seterr(err, errlen, "the module is %zu bytes; the limit is %llu", len, (unsigned long long)pol->module_bytes);
        return PKGSTORE_E_REJECTED;
    }
    sbx_package *p = NULL;
    *code = sbx_package_load(bytes, len, pol, &p, err, errlen);
    if (*code != SBX_OK) return PKGSTORE_E_REJECTED;
    const sbx_manifest *m = sbx_package_manifest(p);
    char at[32];
    now_rfc3339(at);
    pkgstore_record rec = {
        .id = (char *)m->id,
        .version = (char *)m->version,
        .requested = m->caps,
        .granted = grant_all ? sbx_grant_all(m) : (grants & m->caps),
        .installed_at = at,
    };
    memcpy(rec.sha256, sbx_package_sha256(p), 65);
    int rc = PKGSTORE_E_IO;
    char *packages = NULL, *dir = NULL, *old_rec = NULL, *old_wasm = NULL, *text = NULL;
    if (asprintf(&packages, "%s/packages", data_dir) < 0) packages = NULL;
    dir = pkg_dir(data_dir, m->id);
    old_rec = pkg_file(data_dir, m->id, "grants.json");
    old_wasm = pkg_file(data_dir, m->id, "package.wasm");
    if (!packages || !dir || !old_rec || !old_wasm) {
        seterr(err, errlen, "out of memory");
        goto out;
    }
    if (mkdir_p(packages, err, errlen) != 0 || mkdir_private(dir, err, errlen) != 0) goto out;
    struct stat st;
    bool replaced = lstat(old_rec, &st) == 0 || lstat(old_wasm, &st) == 0;
    json_t *rj = record_json(&rec);
    text = rj ? json_dumps(rj, JSON_INDENT(2)) : NULL;
    json_decref(rj);
    if (!text) {
        seterr(err, errlen, "out of memory");
        goto out;
    }
    size_t tlen = strlen(text);
    /* the module first: a crash between the two writes leaves a record whose
     * sha256 does not match, which refuses the package until it is installed
     * again */
    if (write_atomic(dir, "package.wasm", bytes, len, err, errlen) != 0) goto out;
    text[tlen] = '\n';
    if (write_atomic(dir, "grants.json", text, tlen + 1, err, errlen) != 0) goto out;
    unsigned miss = rec.requested & ~rec.granted;
    if (missing) *missing = miss;
    *info = describe(&rec, m->id, node_names(m), miss ? PKGSTORE_MISSING_GRANTS : PKGSTORE_OK, NULL);
    if (!*info) {
        seterr(err, errlen, "out of memory");
        goto out;
    }
    json_object_set_new(*info, "replaced", json_boolean(replaced));
    rc = PKGSTORE_E_OK;
out:
    free(text);
    free(packages);
    free(dir);
    free(old_rec);
    free(old_wasm);
    sbx_package_release(p);
    return rc;
}

/* ---- list ---------------------------------------------------------------------- */

static json_t *entry_info(const char *data_dir, const char *id) {
    char msg[512] = "";
    pkgstore_record rec;
    bool enoent = false;
    if (record_read(data_dir, id, &rec, &enoent, msg, sizeof msg) != 0)
        return describe(NULL, id, NULL, PKGSTORE_CHANGED,
                        enoent ? "grants.json is missing: install the package again" : msg);
    char *path = pkg_file(data_dir, id, "package.wasm");
    size_t len = 0;
    uint8_t *bytes = path ? read_regular(path, SANDBOX_MAX_MODULE_BYTES, &len, &enoent, msg, sizeof msg) : NULL;
    free(path);
    json_t *out;
    if (!bytes) {
        out = describe(&rec, id, NULL, PKGSTORE_CHANGED,
                       enoent ? "package.wasm is missing: install the package again" : msg);
    } else {
        char sha[65];
        sha256_hex(bytes, len, sha);
        if (strcmp(sha, rec.sha256) != 0) {
            out = describe(&rec, id, NULL, PKGSTORE_CHANGED,
                           "package.wasm has changed since it was granted: install it again");
        } else {
            wasm_info w;
            sbx_manifest *m = NULL;
            sbx_code c = sbx_package_open(bytes, len, NULL, &w, &m, msg, sizeof msg);
            if (c != SBX_OK || strcmp(m->id, id) != 0) {
                char why[600];
                snprintf(why, sizeof why, "package.wasm no longer passes its checks: %s",
                         c != SBX_OK ? msg : "another package id");
                out = describe(&rec, id, NULL, PKGSTORE_CHANGED, why);
            } else {
                unsigned miss = m->caps & ~rec.granted;
                rec.requested = m->caps;
                out = describe(&rec, id, node_names(m), miss ? PKGSTORE_MISSING_GRANTS : PKGSTORE_OK, NULL);
            }
            sbx_manifest_free(m);
            wasm_info_free(&w);
        }
        free(bytes);
    }
    pkgstore_record_free(&rec);
    return out;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

json_t *pkgstore_list(const char *data_dir, char *err, size_t errlen) {
    if (sodium_init() < 0) {
        seterr(err, errlen, "libsodium could not be initialised");
        return NULL;
    }
    char *packages = NULL;
    if (asprintf(&packages, "%s/packages", data_dir) < 0) {
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    DIR *d = opendir(packages);
    if (!d) {
        if (errno == ENOENT) {
            free(packages);
            return json_array();
        }
        seterr(err, errlen, "cannot read %s: %s", packages, strerror(errno));
        free(packages);
        return NULL;
    }
    char **ids = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!pkgstore_valid_id(e->d_name)) continue; /* also skips ".", ".." and temporary files */
        char *full = NULL;
        struct stat st;
        if (asprintf(&full, "%s/%s", packages, e->d_name) < 0) continue;
        bool dir = lstat(full, &st) == 0 && S_ISDIR(st.st_mode);
        free(full);
        if (!dir) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **ni = realloc(ids, cap * sizeof *ids);
            if (!ni) break;
            ids = ni;
        }
        ids[n] = strdup(e->d_name);
        if (ids[n]) n++;
    }
    closedir(d);
    free(packages);
    if (n) qsort(ids, n, sizeof *ids, cmp_str);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = entry_info(data_dir, ids[i]);
        if (o) json_array_append_new(arr, o);
        free(ids[i]);
    }
    free(ids);
    return arr;
}

/* ---- remove -------------------------------------------------------------------- */

int pkgstore_remove(const char *data_dir, const char *id, char *err, size_t errlen) {
    if (!pkgstore_valid_id(id)) {
        seterr(err, errlen, "\"%s\" is not a package id", id);
        return PKGSTORE_E_NOT_INSTALLED;
    }
    char *dir = pkg_dir(data_dir, id);
    if (!dir) {
        seterr(err, errlen, "out of memory");
        return PKGSTORE_E_IO;
    }
    struct stat st;
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        seterr(err, errlen, "package %s is not installed in %s", id, data_dir);
        free(dir);
        return PKGSTORE_E_NOT_INSTALLED;
    }
    int rc = PKGSTORE_E_IO;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0) close(dfd);
        seterr(err, errlen, "cannot read %s: %s", dir, strerror(errno));
        goto out;
    }
    struct dirent *e;
    bool ok = true;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (unlinkat(dfd, e->d_name, 0) != 0) {
            seterr(err, errlen, "cannot remove %s/%s: %s", dir, e->d_name, strerror(errno));
            ok = false;
        }
    }
    closedir(d);
    if (!ok) goto out;
    if (rmdir(dir) != 0) {
        seterr(err, errlen, "cannot remove %s: %s", dir, strerror(errno));
        goto out;
    }
    rc = PKGSTORE_E_OK;
out:
    free(dir);
    return rc;
}

/* ---- open ---------------------------------------------------------------------- */

int pkgstore_open(const char *data_dir, const char *id, const sbx_policy *pol, sbx_package **pkg,
                  pkgstore_record *rec, sbx_code *code, char *err, size_t errlen) {
    *pkg = NULL;
    *code = SBX_OK;
    memset(rec, 0, sizeof *rec);
    if (sodium_init() < 0) {
        seterr(err, errlen, "libsodium could not be initialised");
        return PKGSTORE_E_IO;
    }
    if (!data_dir || !pkgstore_valid_id(id)) {
        seterr(err, errlen, "package %s is not installed", id);
        return PKGSTORE_E_NOT_INSTALLED;
    }
    char *dir = pkg_dir(data_dir, id);
    struct stat st;
    bool present = dir && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
    free(dir);
    if (!present) {
        seterr(err, errlen, "package %s is not installed (weir node install FILE.wasm)", id);
        return PKGSTORE_E_NOT_INSTALLED;
    }
    char msg[512];
    bool enoent = false;
    if (record_read(data_dir, id, rec, &enoent, msg, sizeof msg) != 0) {
        seterr(err, errlen, "package %s %s: install it again", id,
               enoent ? "has no grants record" : "has an unreadable grants record");
        return PKGSTORE_E_CHANGED;
    }
    sbx_policy dflt = sbx_policy_default();
    if (!pol) pol = &dflt;
    char *path = pkg_file(data_dir, id, "package.wasm");
    size_t len = 0;
    uint8_t *bytes = path ? read_regular(path, pol->module_bytes, &len, &enoent, msg, sizeof msg) : NULL;
    free(path);
    if (!bytes) {
        seterr(err, errlen, "package %s %s: install it again", id,
               enoent ? "has no package.wasm" : "cannot be read");
        pkgstore_record_free(rec);
        return PKGSTORE_E_CHANGED;
    }
    char sha[65];
    sha256_hex(bytes, len, sha);
    if (strcmp(sha, rec->sha256) != 0) {
        free(bytes);
        seterr(err, errlen, "package %s has changed since it was granted: install it again", id);
        pkgstore_record_free(rec);
        return PKGSTORE_E_CHANGED;
    }
    *code = sbx_package_load(bytes, len, pol, pkg, msg, sizeof msg);
    free(bytes);
    if (*code != SBX_OK) {
        seterr(err, errlen, "package %s is refused: %s: %s", id, sbx_code_name(*code), msg);
        pkgstore_record_free(rec);
        return PKGSTORE_E_REJECTED;
    }
    const sbx_manifest *m = sbx_package_manifest(*pkg);
    if (strcmp(m->id, id) != 0) {
        seterr(err, errlen, "package.wasm in %s is package %s: install it again", id, m->id);
        sbx_package_release(*pkg);
        *pkg = NULL;
        pkgstore_record_free(rec);
        return PKGSTORE_E_CHANGED;
    }
    rec->requested = m->caps;
    rec->granted &= m->caps;
    return PKGSTORE_E_OK;
}
