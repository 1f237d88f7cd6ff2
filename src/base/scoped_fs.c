/* scoped_fs.c — see scoped_fs.h.
 *
 * How confinement holds: a path is first checked and split into components
 * (no "..", no absolute path). The root is opened as a directory fd; each
 * directory component is opened with openat(parent_fd, name, O_DIRECTORY |
 * O_NOFOLLOW), and the final file with openat(dir_fd, name, O_NOFOLLOW). So
 * the kernel never resolves a path string we built, a symlink anywhere (even
 * one pointing inside the root) makes the open fail, and swapping a directory
 * for a symlink between two steps (a race) makes the next step fail instead
 * of following it. openat2(RESOLVE_BENEATH) would give the same guarantee in
 * one call, but writes need the per-component walk anyway (to create missing
 * directories), so there is one code path, everywhere, on every kernel. */
#include "base/scoped_fs.h"

#include "base/limits.h"
#include "base/textfmt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define OPEN_DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* ---- path checking ----------------------------------------------------- */

/* Check one component (no '/' inside): valid UTF-8 with no control byte, DEL,
 * '\\' or '/'. "" and "." are handled by callers. */
static bool component_ok(const char *c, size_t n) {
    if (n == 0 || n > STORAGE_MAX_NAME_BYTES) return false;
    if (n == 2 && c[0] == '.' && c[1] == '.') return false;
    size_t tp = sizeof SFS_TMP_PREFIX - 1;
    if (n >= tp && memcmp(c, SFS_TMP_PREFIX, tp) == 0) return false;
    const unsigned char *u = (const unsigned char *)c;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x20 || u[i] == 0x7f || u[i] == '\\' || u[i] == '/') return false;
        size_t k = utf8_seq_len(c + i, n - i);
        if (k == 0) return false;
        i += k;
    }
    return true;
}

/* A checked path: the normalised components, each NUL-terminated, one after
 * the other in buf. */
typedef struct sfs_path {
    char *buf;      /* malloc'd; "a\0b\0c\0" */
    size_t n;       /* number of components */
} sfs_path;

/* Check and split `rel`. allow_empty lets a path with no components through
 * (list prefixes). On SFS_OK, p->buf is owned by the caller (free()). */
static int path_split(const char *rel, size_t len, bool allow_empty, sfs_path *p) {
    p->buf = NULL;
    p->n = 0;
    if (len > STORAGE_MAX_PATH_BYTES) return SFS_EINVAL;
    if (len > 0 && !rel) return SFS_EINVAL;
    if (len > 0 && rel[0] == '/') return SFS_EINVAL;
    /* NUL is refused anywhere within len (it would truncate the name). */
    if (len > 0 && memchr(rel, '\0', len)) return SFS_EINVAL;
    char *buf = malloc(len + 1);
    if (!buf) return SFS_EIO;
    size_t w = 0, n = 0, i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && rel[j] != '/') j++;
        const char *c = rel + i;
        size_t cl = j - i;
        if (cl == 0 || (cl == 1 && c[0] == '.')) {
            /* empty or "." component: normalised away */
        } else if (!component_ok(c, cl) || ++n > STORAGE_MAX_PATH_DEPTH) {
            free(buf);
            return SFS_EINVAL;
        } else {
            memcpy(buf + w, c, cl);
            w += cl;
            buf[w++] = '\0';
        }
        i = j + 1;
    }
    if (n == 0 && !allow_empty) {
        free(buf);
        return SFS_EINVAL;
    }
    p->buf = buf;
    p->n = n;
    return SFS_OK;
}

/* The k-th component of p (0-based). */
static const char *path_comp(const sfs_path *p, size_t k) {
    const char *c = p->buf;
    while (k--) c += strlen(c) + 1;
    return c;
}

int sfs_check_path(const char *rel, size_t len) {
    sfs_path p;
    int rc = path_split(rel, len, false, &p);
    free(p.buf);
    return rc == SFS_EIO ? SFS_EINVAL : rc;
}

/* ---- opening the root and walking -------------------------------------- */

/* mkdir -p root (0700), then open it. Returns an fd or -1 with *err set. */
static int open_root(const char *root, int *err) {
    if (!root || !*root) { *err = SFS_EINVAL; return -1; }
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno != ENOENT) { *err = errno == ENOTDIR ? SFS_EINVAL : SFS_EIO; return -1; }
    size_t n = strlen(root);
    char *tmp = malloc(n + 1);
    if (!tmp) { *err = SFS_EIO; return -1; }
    memcpy(tmp, root, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0') continue;
        char saved = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
            int e = errno;
            free(tmp);
            errno = e;
            *err = SFS_EIO;
            return -1;
        }
        tmp[i] = saved;
    }
    free(tmp);
    fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) *err = SFS_EIO;
    return fd;
}

/* Map a failed openat/fstatat of `name` in dirfd to an sfs_err. A name that
 * exists but is not a directory is SFS_ENOENT when reading (the path names
 * nothing) and SFS_EINVAL when creating (it conflicts with a file). */
static int walk_error(int dirfd, const char *name, int e, bool creating) {
    if (e == ELOOP) return SFS_EDENIED;
    if (e == ENOTDIR) {
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            return SFS_EDENIED;
        return creating ? SFS_EINVAL : SFS_ENOENT;
    }
    if (e == ENOENT) return SFS_ENOENT;
    errno = e;
    return SFS_EIO;
}

/* Open the directory holding the first `ndirs` components of p, starting at
 * rootfd (which stays open). With `create`, missing directories are made
 * (0700). Returns an fd the caller closes, or -1 with *err set. */
static int walk_dirs(int rootfd, const sfs_path *p, size_t ndirs, bool create, int *err) {
    int cur = dup(rootfd);
    if (cur < 0) { *err = SFS_EIO; return -1; }
    const char *c = p->buf;
    for (size_t k = 0; k < ndirs; k++, c += strlen(c) + 1) {
        int fd = openat(cur, c, OPEN_DIR_FLAGS);
        if (fd < 0 && errno == ENOENT && create) {
            if (mkdirat(cur, c, 0700) != 0 && errno != EEXIST) {
                int e = errno;
                *err = walk_error(cur, c, e, true);
                close(cur);
                errno = e;
                return -1;
            }
            fd = openat(cur, c, OPEN_DIR_FLAGS);
        }
        if (fd < 0) {
            int e = errno;
            *err = walk_error(cur, c, e, create);
            close(cur);
            errno = e;
            return -1;
        }
        close(cur);
        cur = fd;
    }
    return cur;
}

/* Root + walk to the parent of the last component. Returns the parent dir fd
 * and sets *last, or -1 with the error in *err. */
static int open_parent(const char *root, const sfs_path *p, bool create, const char **last,
                       int *err) {
    int rootfd = open_root(root, err);
    if (rootfd < 0) return -1;
    int dfd = walk_dirs(rootfd, p, p->n - 1, create, err);
    int e = errno;
    close(rootfd);
    errno = e;
    if (dfd >= 0) *last = path_comp(p, p->n - 1);
    return dfd;
}

/* Check and split `rel` into *p, then open the directory that holds its last
 * component, without creating any (sets *last). Returns the directory fd,
 * released with p by close_target, or -1 with the error in *rc and nothing
 * to release. */
static int open_target(const char *root, const char *rel, size_t len, sfs_path *p, const char **last, int *rc) {
    *rc = path_split(rel, len, false, p);
    if (*rc != SFS_OK) return -1;
    int dfd = open_parent(root, p, false, last, rc);
    if (dfd < 0) free(p->buf);
    return dfd;
}

/* Close what open_target opened, keeping errno. */
static void close_target(int dfd, sfs_path *p) {
    int e = errno;
    close(dfd);
    free(p->buf);
    errno = e;
}

static size_t effective_max(size_t max_bytes) {
    return max_bytes ? max_bytes : (size_t)STORAGE_MAX_FILE_BYTES;
}

/* ---- read --------------------------------------------------------------- */

int sfs_read(const char *root, const char *rel, size_t len, size_t max_bytes,
             char **out, size_t *out_len) {
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    if (!out || !out_len) return SFS_EINVAL;
    size_t max = effective_max(max_bytes);
    sfs_path p;
    const char *last = NULL;
    int rc;
    int dfd = open_target(root, rel, len, &p, &last, &rc);
    if (dfd < 0) return rc;

    /* O_NONBLOCK: opening a FIFO must not hang; fstat refuses it below. */
    int fd = openat(dfd, last, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        rc = walk_error(dfd, last, e, false);
        errno = e;
        close_target(dfd, &p);
        return rc;
    }
    close(dfd);
    free(p.buf);

    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    if (fstat(fd, &st) != 0) { rc = SFS_EIO; goto done; }
    if (S_ISDIR(st.st_mode)) { rc = SFS_EINVAL; goto done; }
    if (!S_ISREG(st.st_mode) || st.st_nlink > 1) { rc = SFS_EDENIED; goto done; }
    if (st.st_size < 0 || (uintmax_t)st.st_size > max) { rc = SFS_ETOOBIG; goto done; }

    /* The file may change while we read: read at most max + 1 bytes and
     * decide from what was actually read. */
    size_t cap = (size_t)st.st_size + 1;
    buf = malloc(cap + 1);
    if (!buf) { rc = SFS_EIO; goto done; }
    for (;;) {
        if (n == cap) {
            if (cap > max) break;          /* already read max + 1 bytes */
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            if (ncap <= cap) ncap = cap + 1;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) { rc = SFS_EIO; goto done; }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            rc = SFS_EIO;
            goto done;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    if (n > max) { rc = SFS_ETOOBIG; goto done; }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    buf = NULL;
    rc = SFS_OK;
done: {
        int e = errno;
        free(buf);
        close(fd);
        errno = e;
    }
    return rc;
}

/* ---- write -------------------------------------------------------------- */

/* Create a fresh temporary file in dfd; its name goes to name (size ≥ 64).
 * Returns the fd or -1. */
static int make_temp(int dfd, char *name, size_t size) {
    static const char hex[] = "0123456789abcdef";
    for (int attempt = 0; attempt < 32; attempt++) {
        unsigned char rnd[8];
        if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
            /* no entropy yet: uniqueness is all we need, not secrecy */
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            uint64_t v = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                         ((uint64_t)getpid() << 16) ^ (uint64_t)attempt;
            memcpy(rnd, &v, sizeof rnd);
        }
        char suffix[17];
        for (size_t i = 0; i < sizeof rnd; i++) {
            suffix[2 * i] = hex[rnd[i] >> 4];
            suffix[2 * i + 1] = hex[rnd[i] & 15];
        }
        suffix[16] = '\0';
        snprintf(name, size, "%s%s", SFS_TMP_PREFIX, suffix);
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    errno = EEXIST;
    return -1;
}

static int write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

int sfs_write(const char *root, const char *rel, size_t len,
              const void *data, size_t data_len, size_t max_bytes) {
    if (data_len > 0 && !data) return SFS_EINVAL;
    sfs_path p;
    int rc = path_split(rel, len, false, &p);
    if (rc != SFS_OK) return rc;
    if (data_len > effective_max(max_bytes)) { free(p.buf); return SFS_ETOOBIG; }
    const char *last = NULL;
    int dfd = open_parent(root, &p, true, &last, &rc);
    if (dfd < 0) { free(p.buf); return rc; }

    /* The rename below would replace a symlink rather than follow it, which
     * is safe, but a symlink in the way is refused like everywhere else. */
    struct stat st;
    if (fstatat(dfd, last, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode)) rc = SFS_EDENIED;
        else if (S_ISDIR(st.st_mode)) rc = SFS_EINVAL;
        else if (!S_ISREG(st.st_mode)) rc = SFS_EDENIED;
    } else if (errno != ENOENT) {
        rc = SFS_EIO;
    }
    if (rc != SFS_OK) goto out;

    char tmp[64];
    int fd = make_temp(dfd, tmp, sizeof tmp);
    if (fd < 0) {
        /* ENOENT: the directory was removed under us (a concurrent change) */
        rc = errno == ENOENT ? SFS_ENOENT : SFS_EIO;
        goto out;
    }
    if (write_all(fd, data, data_len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlinkat(dfd, tmp, 0);
        errno = e;
        rc = SFS_EIO;
        goto out;
    }
    if (close(fd) != 0) {
        int e = errno;
        unlinkat(dfd, tmp, 0);
        errno = e;
        rc = SFS_EIO;
        goto out;
    }
    if (renameat(dfd, tmp, dfd, last) != 0) {
        int e = errno;
        unlinkat(dfd, tmp, 0);
        errno = e;
        /* a directory appeared in the target's place meanwhile */
        rc = (e == EISDIR || e == ENOTEMPTY || e == EEXIST) ? SFS_EINVAL
             : e == ENOENT                                  ? SFS_ENOENT
                                                            : SFS_EIO;
        goto out;
    }
    (void)fsync(dfd);   /* make the rename durable; best effort */
out:
    close_target(dfd, &p);
    return rc;
}

/* ---- delete ------------------------------------------------------------- */

int sfs_delete(const char *root, const char *rel, size_t len) {
    sfs_path p;
    const char *last = NULL;
    int rc;
    int dfd = open_target(root, rel, len, &p, &last, &rc);
    if (dfd < 0) return rc;
    struct stat st;
    if (fstatat(dfd, last, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        rc = walk_error(dfd, last, errno, false);
    } else if (S_ISLNK(st.st_mode)) {
        rc = SFS_EDENIED;
    } else if (S_ISDIR(st.st_mode)) {
        rc = SFS_EINVAL;
    } else if (unlinkat(dfd, last, 0) != 0) {
        rc = errno == EISDIR ? SFS_EINVAL : walk_error(dfd, last, errno, false);
    }
    close_target(dfd, &p);
    return rc;
}

/* ---- list --------------------------------------------------------------- */

typedef struct name_list {
    char **v;
    size_t n, cap;
} name_list;

static void names_free(name_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
}

/* Append base + name ("base" is "" or ends with '/'). */
static int names_add(name_list *l, const char *base, size_t blen, const char *name, size_t nlen) {
    if (l->n >= STORAGE_MAX_LIST_ENTRIES) return SFS_ETOOBIG;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 32;
        char **nv = realloc(l->v, ncap * sizeof *nv);
        if (!nv) return SFS_EIO;
        l->v = nv;
        l->cap = ncap;
    }
    char *s = malloc(blen + nlen + 1);
    if (!s) return SFS_EIO;
    memcpy(s, base, blen);
    memcpy(s + blen, name, nlen);
    s[blen + nlen] = '\0';
    l->v[l->n++] = s;
    return SFS_OK;
}

/* Collect the files below the directory dfd (taken over: closed here), whose
 * path relative to the root is base (empty, or ending in '/') at `depth`
 * components. */
static int list_dir(int dfd, char *base, size_t blen, size_t depth, name_list *l) {
    DIR *d = fdopendir(dfd);
    if (!d) { close(dfd); return SFS_EIO; }
    int rc = SFS_OK;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            if (errno != 0) rc = SFS_EIO;
            break;
        }
        const char *nm = de->d_name;
        size_t nl = strlen(nm);
        if ((nl == 1 && nm[0] == '.') || (nl == 2 && nm[0] == '.' && nm[1] == '.')) continue;
        /* Only names a caller could pass back; the path must fit too. */
        if (!component_ok(nm, nl) || blen + nl > STORAGE_MAX_PATH_BYTES ||
            depth + 1 > STORAGE_MAX_PATH_DEPTH)
            continue;
        unsigned char type = de->d_type;
        if (type == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
            type = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_LNK;
        }
        if (type == DT_REG) {
            rc = names_add(l, base, blen, nm, nl);
        } else if (type == DT_DIR) {
            /* O_NOFOLLOW: if it was swapped for a symlink since readdir, skip it. */
            int sub = openat(dirfd(d), nm, OPEN_DIR_FLAGS);
            if (sub < 0) {
                if (errno == ELOOP || errno == ENOTDIR || errno == ENOENT) continue;
                rc = SFS_EIO;
                break;
            }
            memcpy(base + blen, nm, nl);
            base[blen + nl] = '/';
            rc = list_dir(sub, base, blen + nl + 1, depth + 1, l);
        }
        if (rc != SFS_OK) break;
    }
    int e = errno;
    closedir(d);
    errno = e;
    return rc;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int sfs_list(const char *root, const char *prefix, size_t prefix_len, json_t **names) {
    if (!names) return SFS_EINVAL;
    *names = NULL;
    sfs_path p;
    int rc = path_split(prefix, prefix_len, true, &p);
    if (rc != SFS_OK) return rc;
    int rootfd = open_root(root, &rc);
    if (rootfd < 0) { free(p.buf); return rc; }

    name_list l = {0};
    /* base holds the relative path of the directory being listed; paths are
     * bounded by STORAGE_MAX_PATH_BYTES, plus room for a '/' and a NUL. */
    char *base = malloc(STORAGE_MAX_PATH_BYTES + 2);
    size_t blen = 0;
    int dfd = -1;
    if (!base) { rc = SFS_EIO; goto out; }
    base[0] = '\0';
    if (p.n == 0) {
        dfd = dup(rootfd);
        if (dfd < 0) rc = SFS_EIO;
    } else {
        int pfd = walk_dirs(rootfd, &p, p.n - 1, false, &rc);
        if (pfd < 0) goto out;
        const char *last = path_comp(&p, p.n - 1);
        for (size_t k = 0; k < p.n; k++) {
            const char *c = path_comp(&p, k);
            size_t cl = strlen(c);
            memcpy(base + blen, c, cl);
            blen += cl;
            if (k + 1 < p.n) base[blen++] = '/';
        }
        struct stat st;
        if (fstatat(pfd, last, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = walk_error(pfd, last, errno, false);
        } else if (S_ISLNK(st.st_mode)) {
            rc = SFS_EDENIED;
        } else if (S_ISREG(st.st_mode)) {
            rc = names_add(&l, "", 0, base, blen);
        } else if (S_ISDIR(st.st_mode)) {
            dfd = openat(pfd, last, OPEN_DIR_FLAGS);
            if (dfd < 0) rc = walk_error(pfd, last, errno, false);
            else base[blen++] = '/';
        }
        close(pfd);
    }
    if (rc == SFS_OK && dfd >= 0) rc = list_dir(dfd, base, blen, p.n, &l);
out:
    if (rc == SFS_ENOENT) rc = SFS_OK;     /* a missing prefix lists nothing */
    if (rc == SFS_OK) {
        if (l.n > 1) qsort(l.v, l.n, sizeof *l.v, cmp_names);
        json_t *arr = json_array();
        if (!arr) rc = SFS_EIO;
        for (size_t i = 0; rc == SFS_OK && i < l.n; i++)
            if (json_array_append_new(arr, json_string(l.v[i])) != 0) rc = SFS_EIO;
        if (rc == SFS_OK) *names = arr;
        else json_decref(arr);
    }
    names_free(&l);
    free(base);
    free(p.buf);
    close(rootfd);
    return rc;
}

/* ---- codes -------------------------------------------------------------- */

const char *sfs_strerror(int err) {
    switch (err) {
    case SFS_OK: return "ok";
    case SFS_EINVAL: return "invalid path (empty, absolute, '..', NUL, backslash, control "
                            "character, too long, or names a directory)";
    case SFS_ENOENT: return "no such file";
    case SFS_ETOOBIG: return "file too large";
    case SFS_EDENIED: return "refused: a symlink, hard-linked or special file is in the path";
    case SFS_EIO: return "storage I/O error";
    default: return "unknown storage error";
    }
}

int sfs_abi_code(int err) {
    switch (err) {
    case SFS_OK: return 0;
    case SFS_EINVAL: return -20;
    case SFS_EDENIED: return -20;
    case SFS_ENOENT: return -21;
    case SFS_ETOOBIG: return -13;
    default: return -11;
    }
}
