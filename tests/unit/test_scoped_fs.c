/* test_scoped_fs.c — confinement of board / package storage (scoped_fs.h):
 * path rules, traversal, symlinks (outside and inside the root), hard links,
 * size limits at the edge, list, delete, and a symlink-swap race. */
#include "testutil.h"

#include "base/limits.h"
#include "base/scoped_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct fx {
    char *tmp;      /* test directory */
    char *root;     /* tmp/root: the storage root */
    char *outside;  /* tmp/outside: must never be reachable */
} fx;

static char *join(const char *a, const char *b) {
    char *s = NULL;
    assert_true(asprintf(&s, "%s/%s", a, b) > 0);
    return s;
}

static int setup(void **state) {
    fx *f = calloc(1, sizeof *f);
    f->tmp = tu_mkdtemp();
    assert_non_null(f->tmp);
    f->root = join(f->tmp, "root");
    f->outside = join(f->tmp, "outside");
    assert_int_equal(mkdir(f->root, 0700), 0);
    assert_int_equal(mkdir(f->outside, 0700), 0);
    char *secret = join(f->outside, "secret");
    assert_int_equal(tu_write_file(secret, "SECRET", 6), 0);
    free(secret);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fx *f = *state;
    tu_rmtree(f->tmp);
    free(f->tmp);
    free(f->root);
    free(f->outside);
    free(f);
    return 0;
}

static int wr(const fx *f, const char *rel, const char *data) {
    return sfs_write(f->root, rel, strlen(rel), data, strlen(data), 0);
}

static int rd(const fx *f, const char *rel, char **out) {
    size_t n;
    return sfs_read(f->root, rel, strlen(rel), 0, out, &n);
}

static bool exists(const char *dir, const char *rel) {
    char *p = join(dir, rel);
    struct stat st;
    bool ok = lstat(p, &st) == 0;
    free(p);
    return ok;
}

static char *repeat(char c, size_t n) {
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ---- sfs_check_path ----------------------------------------------------- */

static void test_check_path_accepts(void **state) {
    (void)state;
    static const char *const ok[] = {
        "a", "a/b", "a/b/c.txt", "./a", "a/./b", "a//b", "a/", "...", "..a", "a..",
        ".hidden", "%2e%2e/x", "%2e%2e%2f", "a b", "caf\xc3\xa9.txt", "\xf0\x9f\x98\x80",
        ".weir-tmpx",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (sfs_check_path(ok[i], strlen(ok[i])) != SFS_OK) fail_msg("refused: %s", ok[i]);
    }
}

static void test_check_path_refuses(void **state) {
    (void)state;
    static const char *const bad[] = {
        "", ".", "./", "/", "//", "/etc/passwd", "..", "../x", "a/..", "a/../b",
        "a/../../x", "./../x", "a/b/../../..", "a\\..\\b", "..\\x", "a\\b", "a\nb", "a\rb",
        "\t", "a\x7f", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", ".weir-tmp-123",
        "a/.weir-tmp-x/b",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sfs_check_path(bad[i], strlen(bad[i])) != SFS_EINVAL)
            fail_msg("accepted: '%s'", bad[i]);
    }
    /* NUL inside len, at the start, at the end */
    assert_int_equal(sfs_check_path("a\0b", 3), SFS_EINVAL);
    assert_int_equal(sfs_check_path("\0", 1), SFS_EINVAL);
    assert_int_equal(sfs_check_path("ab\0", 3), SFS_EINVAL);
    /* NUL after len does not matter */
    assert_int_equal(sfs_check_path("ab\0/..", 2), SFS_OK);
    assert_int_equal(sfs_check_path(NULL, 0), SFS_EINVAL);
    assert_int_equal(sfs_check_path(NULL, 3), SFS_EINVAL);
}

static void test_check_path_limits(void **state) {
    (void)state;
    /* a component at and past STORAGE_MAX_NAME_BYTES */
    char *c = repeat('n', STORAGE_MAX_NAME_BYTES);
    assert_int_equal(sfs_check_path(c, strlen(c)), SFS_OK);
    free(c);
    c = repeat('n', STORAGE_MAX_NAME_BYTES + 1);
    assert_int_equal(sfs_check_path(c, strlen(c)), SFS_EINVAL);
    free(c);

    /* total length at and past STORAGE_MAX_PATH_BYTES: "nnn…/nnn…/…" */
    size_t L = STORAGE_MAX_PATH_BYTES;
    char *p = malloc(L + 2);
    for (size_t i = 0; i < L + 1; i++) p[i] = (i % 101 == 100) ? '/' : 'n';
    p[L - 1] = 'n';
    p[L] = 'n';
    p[L + 1] = '\0';
    assert_int_equal(sfs_check_path(p, L), SFS_OK);
    assert_int_equal(sfs_check_path(p, L + 1), SFS_EINVAL);
    free(p);

    /* depth at and past STORAGE_MAX_PATH_DEPTH */
    size_t D = STORAGE_MAX_PATH_DEPTH;
    char *d = malloc(2 * (D + 1) + 1);
    size_t w = 0;
    for (size_t i = 0; i < D + 1; i++) { d[w++] = 'd'; d[w++] = '/'; }
    d[w] = '\0';
    assert_int_equal(sfs_check_path(d, 2 * D), SFS_OK);
    assert_int_equal(sfs_check_path(d, 2 * D + 1), SFS_EINVAL);
    free(d);
}

/* ---- read / write ------------------------------------------------------- */

static void test_roundtrip_and_modes(void **state) {
    fx *f = *state;
    assert_int_equal(wr(f, "a/b/c.txt", "hello"), SFS_OK);
    char *out = NULL;
    size_t n = 99;
    assert_int_equal(sfs_read(f->root, "a/b/c.txt", 9, 0, &out, &n), SFS_OK);
    assert_int_equal(n, 5);
    assert_string_equal(out, "hello");     /* NUL-terminated */
    free(out);

    /* overwrite replaces, shorter content */
    assert_int_equal(wr(f, "a/b/c.txt", "hi"), SFS_OK);
    assert_int_equal(rd(f, "a/b/c.txt", &out), SFS_OK);
    assert_string_equal(out, "hi");
    free(out);

    /* normalised spellings reach the same file */
    assert_int_equal(rd(f, "./a//b/./c.txt", &out), SFS_OK);
    assert_string_equal(out, "hi");
    free(out);

    /* modes: directories 0700, file 0600 */
    struct stat st;
    char *p = join(f->root, "a");
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    free(p);
    p = join(f->root, "a/b/c.txt");
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(p);

    /* empty file, binary content with NUL */
    assert_int_equal(sfs_write(f->root, "empty", 5, NULL, 0, 0), SFS_OK);
    assert_int_equal(sfs_read(f->root, "empty", 5, 0, &out, &n), SFS_OK);
    assert_int_equal(n, 0);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(sfs_write(f->root, "bin", 3, "x\0y", 3, 0), SFS_OK);
    assert_int_equal(sfs_read(f->root, "bin", 3, 0, &out, &n), SFS_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "x\0y", 3);
    free(out);

    /* no temporary file is left behind */
    json_t *names = NULL;
    assert_int_equal(sfs_list(f->root, "", 0, &names), SFS_OK);
    assert_int_equal(json_array_size(names), 3);
    json_decref(names);
    char *dir = join(f->root, "a/b");
    char *cmd = NULL;
    assert_true(asprintf(&cmd, "test -z \"$(ls -A '%s' | grep weir-tmp)\"", dir) > 0);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(dir);
}

static void test_root_created(void **state) {
    fx *f = *state;
    char *root = join(f->tmp, "new/deeper/root");
    assert_int_equal(sfs_write(root, "x", 1, "1", 1, 0), SFS_OK);
    struct stat st;
    assert_int_equal(stat(root, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    free(root);

    root = join(f->tmp, "other-root");
    char *out = NULL;
    assert_int_equal(rd(&(fx){.root = root}, "missing", &out), SFS_ENOENT);
    assert_null(out);
    assert_int_equal(stat(root, &st), 0);
    free(root);

    /* bad roots */
    size_t n;
    assert_int_equal(sfs_read(NULL, "x", 1, 0, &out, &n), SFS_EINVAL);
    assert_int_equal(sfs_read("", "x", 1, 0, &out, &n), SFS_EINVAL);
    char *file_root = join(f->outside, "secret");
    assert_int_equal(sfs_read(file_root, "x", 1, 0, &out, &n), SFS_EINVAL);
    free(file_root);
}

static void test_missing(void **state) {
    fx *f = *state;
    char *out = (char *)1;
    size_t n = 7;
    assert_int_equal(sfs_read(f->root, "nope", 4, 0, &out, &n), SFS_ENOENT);
    assert_null(out);
    assert_int_equal(n, 0);
    assert_int_equal(rd(f, "no/such/dir/file", &out), SFS_ENOENT);
    /* an intermediate component that is a file */
    assert_int_equal(wr(f, "plain", "x"), SFS_OK);
    assert_int_equal(rd(f, "plain/x", &out), SFS_ENOENT);
    assert_int_equal(wr(f, "plain/x", "y"), SFS_EINVAL);
    assert_int_equal(sfs_delete(f->root, "plain/x", 7), SFS_ENOENT);
    /* reading or replacing a directory */
    assert_int_equal(wr(f, "d/f", "x"), SFS_OK);
    assert_int_equal(rd(f, "d", &out), SFS_EINVAL);
    assert_int_equal(wr(f, "d", "x"), SFS_EINVAL);
    assert_true(exists(f->root, "d/f"));
}

/* ---- traversal ---------------------------------------------------------- */

static void test_traversal(void **state) {
    fx *f = *state;
    assert_int_equal(wr(f, "inside/file", "in"), SFS_OK);
    static const char *const bad[] = {
        "..", "../outside/secret", "a/../../outside/secret", "inside/../../outside/secret",
        "/etc/passwd", "a\\..\\b", "..\\outside\\secret", "inside/..",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *p = bad[i];
        char *out = NULL;
        size_t n;
        json_t *names = NULL;
        assert_int_equal(sfs_read(f->root, p, strlen(p), 0, &out, &n), SFS_EINVAL);
        assert_null(out);
        assert_int_equal(sfs_write(f->root, p, strlen(p), "pwn", 3, 0), SFS_EINVAL);
        assert_int_equal(sfs_delete(f->root, p, strlen(p)), SFS_EINVAL);
        assert_int_equal(sfs_list(f->root, p, strlen(p), &names), SFS_EINVAL);
        assert_null(names);
    }
    /* embedded NUL: "inside/file\0/../../x" must not be cut at the NUL */
    static const char nul[] = "inside/file\0../../outside/secret";
    char *out = NULL;
    size_t n;
    assert_int_equal(sfs_read(f->root, nul, sizeof nul - 1, 0, &out, &n), SFS_EINVAL);
    assert_int_equal(sfs_write(f->root, "x\0y", 3, "z", 1, 0), SFS_EINVAL);
    assert_false(exists(f->root, "x"));

    /* nothing was written outside, the secret is intact */
    char *secret = join(f->outside, "secret");
    char *s = tu_read_file(secret, &n);
    assert_string_equal(s, "SECRET");
    free(s);
    free(secret);
    assert_false(exists(f->tmp, "pwn"));
    assert_false(exists(f->outside, "b"));

    /* percent-encoding is just a name and stays inside */
    assert_int_equal(wr(f, "%2e%2e/x", "enc"), SFS_OK);
    assert_true(exists(f->root, "%2e%2e/x"));
    assert_false(exists(f->tmp, "x"));
    assert_int_equal(wr(f, "%2e%2e%2fy", "enc"), SFS_OK);
    assert_true(exists(f->root, "%2e%2e%2fy"));
    assert_int_equal(rd(f, "%2e%2e/x", &out), SFS_OK);
    assert_string_equal(out, "enc");
    free(out);
}

/* ---- symlinks and hard links -------------------------------------------- */

static void test_symlink_file_outside(void **state) {
    fx *f = *state;
    char *secret = join(f->outside, "secret");
    char *link = join(f->root, "link");
    assert_int_equal(symlink(secret, link), 0);
    char *out = NULL;
    assert_int_equal(rd(f, "link", &out), SFS_EDENIED);
    assert_null(out);
    assert_int_equal(wr(f, "link", "overwritten"), SFS_EDENIED);
    assert_int_equal(sfs_delete(f->root, "link", 4), SFS_EDENIED);
    json_t *names = NULL;
    assert_int_equal(sfs_list(f->root, "link", 4, &names), SFS_EDENIED);
    assert_null(names);
    assert_int_equal(sfs_list(f->root, "", 0, &names), SFS_OK);
    assert_int_equal(json_array_size(names), 0);         /* skipped */
    json_decref(names);
    /* target untouched, link still there */
    size_t n;
    char *s = tu_read_file(secret, &n);
    assert_string_equal(s, "SECRET");
    free(s);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    free(secret);
    free(link);
}

static void test_symlink_dir_outside(void **state) {
    fx *f = *state;
    char *link = join(f->root, "d");
    assert_int_equal(symlink(f->outside, link), 0);
    char *out = NULL;
    assert_int_equal(rd(f, "d/secret", &out), SFS_EDENIED);
    assert_null(out);
    assert_int_equal(wr(f, "d/new", "x"), SFS_EDENIED);
    assert_int_equal(wr(f, "d/sub/new", "x"), SFS_EDENIED);
    assert_int_equal(sfs_delete(f->root, "d/secret", 8), SFS_EDENIED);
    assert_false(exists(f->outside, "new"));
    assert_false(exists(f->outside, "sub"));
    assert_true(exists(f->outside, "secret"));
    json_t *names = NULL;
    assert_int_equal(sfs_list(f->root, "d", 1, &names), SFS_EDENIED);
    assert_int_equal(sfs_list(f->root, "d/x", 3, &names), SFS_EDENIED);
    assert_int_equal(sfs_list(f->root, "", 0, &names), SFS_OK);
    assert_int_equal(json_array_size(names), 0);
    json_decref(names);

    /* a symlinked directory deeper down */
    assert_int_equal(wr(f, "real/x", "1"), SFS_OK);
    char *deep = join(f->root, "real/up");
    assert_int_equal(symlink("../../outside", deep), 0);
    assert_int_equal(rd(f, "real/up/secret", &out), SFS_EDENIED);
    assert_int_equal(wr(f, "real/up/secret", "x"), SFS_EDENIED);
    free(deep);
    free(link);
}

/* Symlinks that stay inside the root are refused too: one rule ("no symlinks")
 * is easier to trust than a check of where each link leads, and a link's
 * target can change between check and use. */
static void test_symlink_inside_root(void **state) {
    fx *f = *state;
    assert_int_equal(wr(f, "real/file", "inside"), SFS_OK);
    char *dl = join(f->root, "alias");
    char *fl = join(f->root, "filelink");
    assert_int_equal(symlink("real", dl), 0);
    assert_int_equal(symlink("real/file", fl), 0);
    char *out = NULL;
    assert_int_equal(rd(f, "alias/file", &out), SFS_EDENIED);
    assert_int_equal(rd(f, "filelink", &out), SFS_EDENIED);
    assert_int_equal(wr(f, "alias/file", "x"), SFS_EDENIED);
    assert_int_equal(rd(f, "real/file", &out), SFS_OK);
    assert_string_equal(out, "inside");
    free(out);
    json_t *names = NULL;
    assert_int_equal(sfs_list(f->root, "", 0, &names), SFS_OK);
    assert_int_equal(json_array_size(names), 1);
    assert_string_equal(json_string_value(json_array_get(names, 0)), "real/file");
    json_decref(names);
    free(dl);
    free(fl);
}

/* A hard link made inside the root to a file outside cannot be told apart
 * from a file of the root's own: any file with more than one link is
 * refused on read. Deleting removes only the name. */
static void test_hard_link(void **state) {
    fx *f = *state;
    char *secret = join(f->outside, "secret");
    char *hl = join(f->root, "hard");
    if (link(secret, hl) != 0) {
        free(secret);
        free(hl);
        skip();
    }
    char *out = NULL;
    assert_int_equal(rd(f, "hard", &out), SFS_EDENIED);
    assert_null(out);
    /* writing replaces the name, it never writes through to the other link */
    assert_int_equal(wr(f, "hard", "mine"), SFS_OK);
    size_t n;
    char *s = tu_read_file(secret, &n);
    assert_string_equal(s, "SECRET");
    free(s);
    assert_int_equal(rd(f, "hard", &out), SFS_OK);
    assert_string_equal(out, "mine");
    free(out);
    /* delete of a hard link removes only the name */
    assert_int_equal(unlink(hl), 0);
    assert_int_equal(link(secret, hl), 0);
    assert_int_equal(sfs_delete(f->root, "hard", 4), SFS_OK);
    assert_true(exists(f->outside, "secret"));
    free(secret);
    free(hl);
}

static void test_special_files(void **state) {
    fx *f = *state;
    char *fifo = join(f->root, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char *out = NULL;
    assert_int_equal(rd(f, "fifo", &out), SFS_EDENIED);   /* and does not hang */
    assert_int_equal(wr(f, "fifo", "x"), SFS_EDENIED);
    json_t *names = NULL;
    assert_int_equal(sfs_list(f->root, "", 0, &names), SFS_OK);
    assert_int_equal(json_array_size(names), 0);
    json_decref(names);
    free(fifo);
}

/* Swap a directory for a symlink to the outside, over and over, while
 * reading through it: a read may fail, but it never returns the secret. */
typedef struct race {
    fx *f;
    atomic_bool stop;
} race;

static void *swapper(void *arg) {
    race *r = arg;
    char *d = join(r->f->root, "d");
    char *real = join(r->f->root, "d_real");
    while (!atomic_load(&r->stop)) {
        if (rename(d, real) != 0) continue;
        if (symlink(r->f->outside, d) != 0) { rename(real, d); continue; }
        unlink(d);
        rename(real, d);
    }
    free(d);
    free(real);
    return NULL;
}

static void test_symlink_race(void **state) {
    fx *f = *state;
    assert_int_equal(wr(f, "d/secret", "inside"), SFS_OK);
    race r = {.f = f};
    atomic_init(&r.stop, false);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, swapper, &r), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int ok = 0, refused = 0;
    for (;;) {
        char *out = NULL;
        size_t n;
        int rc = sfs_read(f->root, "d/secret", 8, 0, &out, &n);
        if (rc == SFS_OK) {
            assert_string_equal(out, "inside");
            ok++;
        } else {
            if (rc == SFS_EIO) fail_msg("read during race: I/O error, errno %d", errno);
            refused++;
        }
        free(out);
        rc = sfs_write(f->root, "d/new", 5, "w", 1, 0);
        /* any refusal is fine (which one depends on the moment the swap
         * happens); an I/O error is not, and nothing may land outside */
        if (rc == SFS_EIO) fail_msg("write during race: I/O error, errno %d", errno);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 > 400) break;
    }
    atomic_store(&r.stop, true);
    pthread_join(th, NULL);
    assert_false(exists(f->outside, "new"));
    assert_true(ok + refused > 0);
}

/* ---- size limits -------------------------------------------------------- */

static void test_size_limits(void **state) {
    fx *f = *state;
    const size_t max = 10;
    char *out = NULL;
    size_t n;
    assert_int_equal(sfs_write(f->root, "ten", 3, "0123456789", 10, max), SFS_OK);
    assert_int_equal(sfs_write(f->root, "eleven", 6, "0123456789A", 11, max), SFS_ETOOBIG);
    assert_false(exists(f->root, "eleven"));
    assert_int_equal(sfs_read(f->root, "ten", 3, max, &out, &n), SFS_OK);
    assert_int_equal(n, 10);
    free(out);
    assert_int_equal(sfs_read(f->root, "ten", 3, max - 1, &out, &n), SFS_ETOOBIG);
    assert_null(out);
    assert_int_equal(n, 0);
    /* a file grown past the limit by someone else */
    char *p = join(f->root, "big");
    assert_int_equal(tu_write_file(p, "0123456789A", 11), 0);
    free(p);
    assert_int_equal(sfs_read(f->root, "big", 3, max, &out, &n), SFS_ETOOBIG);
    assert_int_equal(sfs_read(f->root, "big", 3, max + 1, &out, &n), SFS_OK);
    assert_int_equal(n, 11);
    free(out);
    /* max_bytes 0 is STORAGE_MAX_FILE_BYTES */
    assert_int_equal(sfs_read(f->root, "big", 3, 0, &out, &n), SFS_OK);
    free(out);
    /* a failed oversize write leaves the old content */
    assert_int_equal(sfs_write(f->root, "ten", 3, "0123456789AB", 12, max), SFS_ETOOBIG);
    assert_int_equal(sfs_read(f->root, "ten", 3, max, &out, &n), SFS_OK);
    assert_memory_equal(out, "0123456789", 10);
    free(out);
}

/* ---- list --------------------------------------------------------------- */

static void expect_names(json_t *arr, const char *const *want, size_t n) {
    assert_non_null(arr);
    if (json_array_size(arr) != n) {
        char *dump = json_dumps(arr, 0);
        fail_msg("got %s, want %zu names", dump, n);
    }
    for (size_t i = 0; i < n; i++)
        assert_string_equal(json_string_value(json_array_get(arr, i)), want[i]);
}

static void test_list(void **state) {
    fx *f = *state;
    assert_int_equal(wr(f, "b.txt", "1"), SFS_OK);
    assert_int_equal(wr(f, "a.txt", "1"), SFS_OK);
    assert_int_equal(wr(f, "dir/b.txt", "1"), SFS_OK);
    assert_int_equal(wr(f, "dir/sub/c.txt", "1"), SFS_OK);
    assert_int_equal(wr(f, "dirx/d.txt", "1"), SFS_OK);
    assert_int_equal(wr(f, "dir/A", "1"), SFS_OK);
    char *emptydir = join(f->root, "emptydir");
    assert_int_equal(mkdir(emptydir, 0700), 0);
    free(emptydir);
    /* names a caller could not pass back are not listed */
    char *odd = join(f->root, "dir/with\\backslash");
    assert_int_equal(tu_write_file(odd, "x", 1), 0);
    free(odd);
    odd = join(f->root, "dir/" SFS_TMP_PREFIX "leftover");
    assert_int_equal(tu_write_file(odd, "x", 1), 0);
    free(odd);
    odd = join(f->root, "dir/bad\xff");
    assert_int_equal(tu_write_file(odd, "x", 1), 0);
    free(odd);

    json_t *names = NULL;
    assert_int_equal(sfs_list(f->root, "", 0, &names), SFS_OK);
    static const char *const all[] = {"a.txt", "b.txt", "dir/A", "dir/b.txt",
                                      "dir/sub/c.txt", "dirx/d.txt"};
    expect_names(names, all, 6);
    json_decref(names);

    assert_int_equal(sfs_list(f->root, NULL, 0, &names), SFS_OK);
    expect_names(names, all, 6);
    json_decref(names);
    assert_int_equal(sfs_list(f->root, ".", 1, &names), SFS_OK);
    expect_names(names, all, 6);
    json_decref(names);

    static const char *const dir[] = {"dir/A", "dir/b.txt", "dir/sub/c.txt"};
    assert_int_equal(sfs_list(f->root, "dir", 3, &names), SFS_OK);
    expect_names(names, dir, 3);       /* not dirx/ */
    json_decref(names);
    assert_int_equal(sfs_list(f->root, "dir/", 4, &names), SFS_OK);
    expect_names(names, dir, 3);
    json_decref(names);
    assert_int_equal(sfs_list(f->root, "./dir//", 7, &names), SFS_OK);
    expect_names(names, dir, 3);
    json_decref(names);

    static const char *const sub[] = {"dir/sub/c.txt"};
    assert_int_equal(sfs_list(f->root, "dir/sub", 7, &names), SFS_OK);
    expect_names(names, sub, 1);
    json_decref(names);

    static const char *const one[] = {"a.txt"};
    assert_int_equal(sfs_list(f->root, "a.txt", 5, &names), SFS_OK);
    expect_names(names, one, 1);
    json_decref(names);

    assert_int_equal(sfs_list(f->root, "missing", 7, &names), SFS_OK);
    expect_names(names, NULL, 0);
    json_decref(names);
    assert_int_equal(sfs_list(f->root, "a.txt/x", 7, &names), SFS_OK);
    expect_names(names, NULL, 0);
    json_decref(names);
    assert_int_equal(sfs_list(f->root, "emptydir", 8, &names), SFS_OK);
    expect_names(names, NULL, 0);
    json_decref(names);

    assert_int_equal(sfs_list(f->root, "../outside", 10, &names), SFS_EINVAL);
    assert_null(names);
    assert_int_equal(sfs_list(f->root, "/", 1, &names), SFS_EINVAL);
    assert_int_equal(sfs_list(f->root, "", 0, NULL), SFS_EINVAL);

    /* every listed name reads back */
    assert_int_equal(sfs_list(f->root, "", 0, &names), SFS_OK);
    for (size_t i = 0; i < json_array_size(names); i++) {
        char *out = NULL;
        assert_int_equal(rd(f, json_string_value(json_array_get(names, i)), &out), SFS_OK);
        free(out);
    }
    json_decref(names);
}

static void test_list_fresh_root(void **state) {
    fx *f = *state;
    char *root = join(f->tmp, "fresh");
    json_t *names = NULL;
    assert_int_equal(sfs_list(root, "", 0, &names), SFS_OK);
    expect_names(names, NULL, 0);
    json_decref(names);
    free(root);
}

/* ---- delete ------------------------------------------------------------- */

static void test_delete(void **state) {
    fx *f = *state;
    assert_int_equal(wr(f, "dir/f", "x"), SFS_OK);
    assert_int_equal(sfs_delete(f->root, "dir/f", 5), SFS_OK);
    char *out = NULL;
    assert_int_equal(rd(f, "dir/f", &out), SFS_ENOENT);
    assert_int_equal(sfs_delete(f->root, "dir/f", 5), SFS_ENOENT);
    assert_true(exists(f->root, "dir"));               /* parents kept */
    assert_int_equal(sfs_delete(f->root, "dir", 3), SFS_EINVAL);
    assert_int_equal(sfs_delete(f->root, "nothere/f", 9), SFS_ENOENT);
    assert_int_equal(sfs_delete(f->root, "", 0), SFS_EINVAL);
    assert_int_equal(sfs_delete(f->root, "../outside/secret", 17), SFS_EINVAL);
    assert_true(exists(f->outside, "secret"));
}

/* ---- codes -------------------------------------------------------------- */

static void test_codes(void **state) {
    (void)state;
    assert_int_equal(sfs_abi_code(SFS_OK), 0);
    assert_int_equal(sfs_abi_code(SFS_EINVAL), -20);
    assert_int_equal(sfs_abi_code(SFS_EDENIED), -20);
    assert_int_equal(sfs_abi_code(SFS_ENOENT), -21);
    assert_int_equal(sfs_abi_code(SFS_ETOOBIG), -13);
    assert_int_equal(sfs_abi_code(SFS_EIO), -11);
    for (int c = SFS_OK; c <= SFS_EIO; c++) {
        assert_non_null(sfs_strerror(c));
        assert_true(strlen(sfs_strerror(c)) > 0);
    }
    assert_string_equal(sfs_strerror(12345), "unknown storage error");
    assert_string_equal(sfs_strerror(SFS_ENOENT), "no such file");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_path_accepts),
        cmocka_unit_test(test_check_path_refuses),
        cmocka_unit_test(test_check_path_limits),
        cmocka_unit_test_setup_teardown(test_roundtrip_and_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_created, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traversal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_file_outside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_dir_outside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_inside_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hard_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_special_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_fresh_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test(test_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
