/* r_static.c — the browser editor's files (web/, built into web/dist by
 * scripts/build-web.sh). They are not API operations and are not in the
 * route table: the router asks here only for paths no route matched.
 *
 *   GET /               index.html
 *   GET /app, /app/…    index.html (the editor's own pages; it routes them)
 *   GET /assets/NAME    one file of dist/assets (Vite's hashed names)
 *
 * Everything else stays "no such endpoint". Every answer carries a strict
 * Content-Security-Policy (the editor has no inline script or style and loads
 * nothing from another origin) and refuses framing. Hashed assets are cached
 * for a year (their name changes with their content); index.html is
 * revalidated every time (ETag), so a new build is seen at once.
 *
 * Confinement: the only names opened are "index.html", "assets" and one
 * component NAME of [A-Za-z0-9._-] not starting with '.', each with openat()
 * and O_NOFOLLOW from the directory fd of web_dir, and only regular files
 * with a single link are read. No request text ever becomes a path, so
 * neither "..", nor an encoded slash, nor a symlink can leave web_dir.
 *
 * web_dir: the setting (config file, WEIR_WEB_DIR, --web-dir), else the first
 * of <dir of the weir binary>/../web/dist (a build tree: build/weir) and
 * <dir of the weir binary>/../share/weir/web (an installed layout) that
 * exists. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/routes.h"

#define STATIC_MAX_BYTES (32u << 20)  /* no editor file is near this */

static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                          "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; "
                          "base-uri 'none'; form-action 'self'";

static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static char default_dir[PATH_MAX];

static bool is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void find_default(void) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = 0;
    static const char *const rel[] = {"/../web/dist", "/../share/weir/web"};
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
        char cand[PATH_MAX];
        if (snprintf(cand, sizeof cand, "%s%s", exe, rel[i]) >= (int)sizeof cand) continue;
        if (is_dir(cand)) {
            snprintf(default_dir, sizeof default_dir, "%s", cand);
            return;
        }
    }
}

const char *static_web_dir(const srv_config *cfg) {
    if (cfg->web_dir && *cfg->web_dir) return cfg->web_dir;
    pthread_once(&default_once, find_default);
    return default_dir;
}

static const char *content_type(const char *name) {
    const char *dot = strrchr(name, '.');
    static const struct { const char *ext, *type; } types[] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"}, {".png", "image/png"}, {".ico", "image/x-icon"},
        {".webp", "image/webp"}, {".woff2", "font/woff2"}, {".woff", "font/woff"},
        {".json", "application/json"}, {".map", "application/json"}, {".txt", "text/plain; charset=utf-8"},
        {".wasm", "application/wasm"},
    };
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof *types; i++)
            if (!strcmp(dot, types[i].ext)) return types[i].type;
    return "application/octet-stream";
}

/* One file name of dist/assets: [A-Za-z0-9._-]{1,128}, not starting with '.'. */
static bool asset_name_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 128 || s[0] == '.') return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

/* Read the regular file `name` of directory fd `dir` (never following a
 * symlink). 0 with *out (malloc'd) and *st; -1 when absent or not allowed. */
static int read_at(int dir, const char *name, char **out, size_t *len, struct stat *st) {
    int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_nlink != 1 || st->st_size > STATIC_MAX_BYTES) {
        close(fd);
        return -1;
    }
    size_t size = (size_t)st->st_size, got = 0;
    char *buf = malloc(size ? size : 1);
    if (!buf) { close(fd); return -1; }
    while (got < size) {
        ssize_t k = read(fd, buf + got, size - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    if (got != size) { free(buf); return -1; }
    *out = buf;
    *len = size;
    return 0;
}

static void answer_file(srv_req *r, int dir, const char *name, bool immutable) {
    char *body = NULL;
    size_t len = 0;
    struct stat st;
    if (read_at(dir, name, &body, &len, &st) != 0) {
        srv_problem(r, 404, "not_found", "no such file");
        return;
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx-%lx\"", (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec,
             (long)st.st_mtim.tv_nsec);
    srv_header_add(r, "Content-Security-Policy", CSP);
    srv_header_add(r, "X-Frame-Options", "DENY");
    srv_header_add(r, "Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    srv_header_add(r, "ETag", etag);
    const char *inm = srv_header(r, "If-None-Match");
    free(r->resp);
    r->ctype = content_type(name);
    if (inm && !strcmp(inm, etag)) {
        free(body);
        r->resp = NULL;
        r->resp_len = 0;
        r->status = 304;
        return;
    }
    r->resp = body;
    r->resp_len = len;
    r->status = 200;
}

bool static_try(srv_req *r) {
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) return false;
    const char *p = r->path;
    const char *asset = NULL;
    bool index = !strcmp(p, "/") || !strcmp(p, "/app") || !strncmp(p, "/app/", 5);
    if (!index) {
        if (strncmp(p, "/assets/", 8) != 0 || !asset_name_ok(p + 8)) return false;
        asset = p + 8;
    }
    const char *root = static_web_dir(&r->srv->cfg);
    int rootfd = *root ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (rootfd < 0) {
        if (asset) srv_problem(r, 404, "not_found", "no such file");
        else srv_problem(r, 404, "editor_not_built",
                         "the editor is not built: run scripts/build-web.sh, or point web_dir (WEIR_WEB_DIR) at its dist directory");
        return true;
    }
    if (index) {
        answer_file(r, rootfd, "index.html", false);
    } else {
        int adir = openat(rootfd, "assets", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (adir < 0) srv_problem(r, 404, "not_found", "no such file");
        else {
            answer_file(r, adir, asset, true);
            close(adir);
        }
    }
    close(rootfd);
    return true;
}
