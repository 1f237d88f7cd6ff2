/* test_nodes_storage.c — path_from_storage_dir, path_child, read_to_string,
 * write_string in real runs: round trips, board vs node scope, path
 * validation (names and forged path structs), symbolic links planted in the
 * storage directory, missing data directory, missing / large / binary files. */
#include "testutil.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/limits.h"

#define S "{\"id\": \"s\", \"type\": \"events_simple\"}"

typedef struct fixture {
    char *data;    /* the run's data directory */
    char *root;    /* the board's storage directory: DATA/storage/local/boards/test */
    char *outside; /* a directory outside the storage */
    char *opts;    /* {"data_dir": DATA} */
} fixture;

static void mkdir_p(const char *path) {
    char *p = strdup(path);
    for (char *q = p + 1; *q; q++) {
        if (*q != '/') continue;
        *q = '\0';
        mkdir(p, 0700);
        *q = '/';
    }
    mkdir(p, 0700);
    free(p);
}

static char *cat(const char *a, const char *b) {
    char *s = NULL;
    assert_true(asprintf(&s, "%s/%s", a, b) > 0);
    return s;
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    f->data = tu_mkdtemp();
    f->outside = tu_mkdtemp();
    if (!f->data || !f->outside) return -1;
    f->root = cat(f->data, "storage/local/boards/test");
    if (asprintf(&f->opts, "{\"data_dir\": \"%s\"}", f->data) < 0) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    tu_rmtree(f->data);
    tu_rmtree(f->outside);
    free(f->data);
    free(f->outside);
    free(f->root);
    free(f->opts);
    free(f);
    return 0;
}

static const char *err_msg(json_t *rep) {
    return json_string_value(json_object_get(json_object_get(rep, "error"), "message"));
}

#define assert_failed_with(rep, needle)                                                                \
    do {                                                                                               \
        if (strcmp(tu_status(rep), "failed") != 0 || !err_msg(rep) || !strstr(err_msg(rep), needle)) { \
            char *d_ = json_dumps(rep, JSON_INDENT(2));                                                \
            fail_msg("%s:%d: expected a failure mentioning '%s', got:\n%s", __FILE__, __LINE__, needle, d_); \
        }                                                                                              \
    } while (0)

static char *file_text(const char *dir, const char *rel) {
    char *p = cat(dir, rel);
    char *t = tu_read_file(p, NULL);
    free(p);
    return t;
}

/* s → w (write_string, path literal, content) → done. */
static json_t *write_literal(const char *path_struct, const char *content_json, const char *opts) {
    char *nodes = NULL;
    assert_true(asprintf(&nodes,
                         "[" S ", {\"id\": \"w\", \"type\": \"write_string\", \"inputs\": {\"path\": %s, "
                         "\"content\": %s}}]",
                         path_struct, content_json) > 0);
    json_t *rep = tu_run_nodes(nodes, "[{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}]", opts);
    free(nodes);
    return rep;
}

/* s → r (read_to_string, path literal) → ret (result ← r.content). */
static json_t *read_literal(const char *path_struct, const char *opts) {
    char *nodes = NULL;
    assert_true(asprintf(&nodes,
                         "[" S ", {\"id\": \"r\", \"type\": \"read_to_string\", \"inputs\": {\"path\": %s}},"
                         "{\"id\": \"ret\", \"type\": \"return_result\"}]",
                         path_struct) > 0);
    json_t *rep = tu_run_nodes(nodes,
                               "[{\"from\": \"s.exec_out\", \"to\": \"r.exec_in\"},"
                               "{\"from\": \"r.exec_out\", \"to\": \"ret.exec_in\"},"
                               "{\"from\": \"r.content\", \"to\": \"ret.result\"}]",
                               opts);
    free(nodes);
    return rep;
}

/* The path struct path_child makes from path_from_storage_dir(node_scope) and name. */
static json_t *child_of(bool node_scope, const char *name_json, const char *opts) {
    char *nodes = NULL;
    assert_true(asprintf(&nodes,
                         "[" S ", {\"id\": \"pd\", \"type\": \"path_from_storage_dir\", \"inputs\": "
                         "{\"node_scope\": %s}}, {\"id\": \"pc\", \"type\": \"path_child\", \"inputs\": "
                         "{\"name\": %s}}, {\"id\": \"ret\", \"type\": \"return_result\"}]",
                         node_scope ? "true" : "false", name_json) > 0);
    json_t *rep = tu_run_nodes(nodes,
                               "[{\"from\": \"s.exec_out\", \"to\": \"ret.exec_in\"},"
                               "{\"from\": \"pd.path\", \"to\": \"pc.parent\"},"
                               "{\"from\": \"pc.path\", \"to\": \"ret.result\"}]",
                               opts);
    free(nodes);
    return rep;
}

/* ---- paths ------------------------------------------------------------------ */

static void test_path_structs(void **state) {
    (void)state;
    /* no data directory needed to build paths */
    json_t *rep = tu_run_nodes("[" S ", {\"id\": \"pd\", \"type\": \"path_from_storage_dir\"},"
                               "{\"id\": \"ret\", \"type\": \"return_result\"}]",
                               "[{\"from\": \"s.exec_out\", \"to\": \"ret.exec_in\"},"
                               "{\"from\": \"pd.path\", \"to\": \"ret.result\"}]",
                               NULL);
    assert_completed(rep);
    json_t *want = json_pack("{s:s, s:s}", "store", "board", "path", "");
    assert_true(json_equal(tu_result(rep), want));
    json_decref(want);
    json_decref(rep);

    rep = child_of(true, "\"cache.json\"", NULL);
    assert_completed(rep);
    want = json_pack("{s:s, s:s, s:s}", "store", "node", "node", "pd", "path", "cache.json");
    assert_true(json_equal(tu_result(rep), want));
    json_decref(want);
    json_decref(rep);

    static const struct { const char *name, *path; } ok[] = {
        {"\"notes/today.txt\"", "notes/today.txt"}, {"\"./a//b/\"", "a/b"},     {"\"café.txt\"", "café.txt"},
        {"\"...\"", "..."},                         {"\"%2e%2e/x\"", "%2e%2e/x"}, {"\"a/./b\"", "a/b"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        rep = child_of(false, ok[i].name, NULL);
        assert_completed(rep);
        assert_string_equal(json_string_value(json_object_get(tu_result(rep), "path")), ok[i].path);
        assert_string_equal(json_string_value(json_object_get(tu_result(rep), "store")), "board");
        assert_null(json_object_get(tu_result(rep), "node"));
        json_decref(rep);
    }

    /* path_child of a path_child */
    rep = tu_run_nodes("[" S ", {\"id\": \"pd\", \"type\": \"path_from_storage_dir\"},"
                       "{\"id\": \"c1\", \"type\": \"path_child\", \"inputs\": {\"name\": \"data\"}},"
                       "{\"id\": \"c2\", \"type\": \"path_child\", \"inputs\": {\"name\": \"2026/log.json\"}},"
                       "{\"id\": \"ret\", \"type\": \"return_result\"}]",
                       "[{\"from\": \"s.exec_out\", \"to\": \"ret.exec_in\"}, {\"from\": \"pd.path\", \"to\": "
                       "\"c1.parent\"}, {\"from\": \"c1.path\", \"to\": \"c2.parent\"}, {\"from\": \"c2.path\", "
                       "\"to\": \"ret.result\"}]",
                       NULL);
    assert_completed(rep);
    assert_string_equal(json_string_value(json_object_get(tu_result(rep), "path")), "data/2026/log.json");
    json_decref(rep);
}

static void test_bad_names(void **state) {
    (void)state;
    static const struct { const char *name, *needle; } bad[] = {
        {"\"..\"", "'..'"},
        {"\"../x\"", "'..'"},
        {"\"a/../b\"", "'..'"},
        {"\"a/../../../etc/passwd\"", "'..'"},
        {"\"/etc/passwd\"", "absolute"},
        {"\"a\\\\b\"", "backslash"},
        {"\"..\\\\x\"", "backslash"},
        {"\"\"", "empty"},
        {"\".\"", "names no file"},
        {"\"./\"", "names no file"},
        {"\"a\\tb\"", "control character"},
        {"\"a\\nb\"", "control character"},
        {"\".weir-tmp-x\"", "reserved"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *rep = child_of(false, bad[i].name, NULL);
        assert_failed_with(rep, bad[i].needle);
        assert_failed_with(rep, "invalid path");
        assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "error"), "node")), "pc");
        json_decref(rep);
    }
    /* a name over the limits */
    char *longname = malloc(STORAGE_MAX_NAME_BYTES + 4);
    longname[0] = '"';
    memset(longname + 1, 'a', STORAGE_MAX_NAME_BYTES + 1);
    strcpy(longname + STORAGE_MAX_NAME_BYTES + 2, "\"");
    json_t *rep = child_of(false, longname, NULL);
    assert_failed_with(rep, "longer than 255 bytes");
    json_decref(rep);
    free(longname);
    /* NUL cannot even enter a board */
    rep = child_of(false, "\"a\\u0000b\"", NULL);
    assert_string_equal(tu_status(rep), "invalid");
    json_decref(rep);
}

/* ---- round trips ---------------------------------------------------------------- */

static void test_write_then_read(void **state) {
    fixture *f = *state;
    json_t *rep = tu_run_nodes(
        "[" S ", {\"id\": \"pd\", \"type\": \"path_from_storage_dir\"},"
        "{\"id\": \"pc\", \"type\": \"path_child\", \"inputs\": {\"name\": \"notes/today.txt\"}},"
        "{\"id\": \"w\", \"type\": \"write_string\", \"inputs\": {\"content\": \"hello ü\\nline 2\"}},"
        "{\"id\": \"r\", \"type\": \"read_to_string\"}, {\"id\": \"ret\", \"type\": \"return_result\"}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}, {\"from\": \"pd.path\", \"to\": \"pc.parent\"},"
        "{\"from\": \"pc.path\", \"to\": \"w.path\"}, {\"from\": \"pc.path\", \"to\": \"r.path\"},"
        "{\"from\": \"w.exec_out\", \"to\": \"r.exec_in\"}, {\"from\": \"r.exec_out\", \"to\": \"ret.exec_in\"},"
        "{\"from\": \"r.content\", \"to\": \"ret.result\"}]",
        f->opts);
    assert_completed(rep);
    assert_string_equal(json_string_value(tu_result(rep)), "hello ü\nline 2");
    json_decref(rep);
    char *t = file_text(f->root, "notes/today.txt");
    assert_non_null(t);
    assert_string_equal(t, "hello ü\nline 2");
    free(t);

    /* overwrite, empty content */
    rep = write_literal("{\"store\": \"board\", \"path\": \"notes/today.txt\"}", "\"\"", f->opts);
    assert_completed(rep);
    json_decref(rep);
    rep = read_literal("{\"store\": \"board\", \"path\": \"notes/today.txt\"}", f->opts);
    assert_completed(rep);
    assert_string_equal(json_string_value(tu_result(rep)), "");
    json_decref(rep);
}

static void test_node_scope_apart(void **state) {
    fixture *f = *state;
    /* pn (node scope) and pb (board) each get a.txt */
    json_t *rep = tu_run_nodes(
        "[" S ", {\"id\": \"pn\", \"type\": \"path_from_storage_dir\", \"inputs\": {\"node_scope\": true}},"
        "{\"id\": \"pb\", \"type\": \"path_from_storage_dir\"},"
        "{\"id\": \"cn\", \"type\": \"path_child\", \"inputs\": {\"name\": \"a.txt\"}},"
        "{\"id\": \"cb\", \"type\": \"path_child\", \"inputs\": {\"name\": \"a.txt\"}},"
        "{\"id\": \"wn\", \"type\": \"write_string\", \"inputs\": {\"content\": \"node\"}},"
        "{\"id\": \"wb\", \"type\": \"write_string\", \"inputs\": {\"content\": \"board\"}},"
        "{\"id\": \"r\", \"type\": \"read_to_string\"}, {\"id\": \"ret\", \"type\": \"return_result\"}]",
        "[{\"from\": \"s.exec_out\", \"to\": \"wn.exec_in\"}, {\"from\": \"pn.path\", \"to\": \"cn.parent\"},"
        "{\"from\": \"pb.path\", \"to\": \"cb.parent\"}, {\"from\": \"cn.path\", \"to\": \"wn.path\"},"
        "{\"from\": \"cb.path\", \"to\": \"wb.path\"}, {\"from\": \"wn.exec_out\", \"to\": \"wb.exec_in\"},"
        "{\"from\": \"wb.exec_out\", \"to\": \"r.exec_in\"}, {\"from\": \"cn.path\", \"to\": \"r.path\"},"
        "{\"from\": \"r.exec_out\", \"to\": \"ret.exec_in\"}, {\"from\": \"r.content\", \"to\": \"ret.result\"}]",
        f->opts);
    assert_completed(rep);
    assert_string_equal(json_string_value(tu_result(rep)), "node");
    json_decref(rep);
    char *t = file_text(f->root, "a.txt");
    assert_string_equal(t, "board");
    free(t);
    t = file_text(f->root, "nodes/pn/a.txt");
    assert_string_equal(t, "node");
    free(t);

    /* another node's scope does not see it */
    rep = read_literal("{\"store\": \"node\", \"node\": \"other\", \"path\": \"a.txt\"}", f->opts);
    assert_failed_with(rep, "not found");
    json_decref(rep);
    /* the node id in the struct is only a directory name below the board */
    rep = write_literal("{\"store\": \"node\", \"node\": \"../../evil\", \"path\": \"f.txt\"}", "\"x\"", f->opts);
    assert_completed(rep);
    json_decref(rep);
    t = file_text(f->root, "nodes/x-2e2e2f2e2e2f6576696c/f.txt");
    assert_non_null(t);
    assert_string_equal(t, "x");
    free(t);
    t = file_text(f->data, "storage/local/evil/f.txt");
    assert_null(t);
    rep = read_literal("{\"store\": \"node\", \"node\": \"../../evil\", \"path\": \"f.txt\"}", f->opts);
    assert_completed(rep);
    assert_string_equal(json_string_value(tu_result(rep)), "x");
    json_decref(rep);
}

/* ---- forged path structs ------------------------------------------------------------ */

static void test_forged_paths(void **state) {
    fixture *f = *state;
    static const struct { const char *path, *needle; } bad[] = {
        {"{\"store\": \"board\", \"path\": \"../../etc/passwd\"}", "'..'"},
        {"{\"store\": \"board\", \"path\": \"..\"}", "'..'"},
        {"{\"store\": \"board\", \"path\": \"a/../b\"}", "'..'"},
        {"{\"store\": \"board\", \"path\": \"/etc/passwd\"}", "absolute"},
        {"{\"store\": \"board\", \"path\": \"a\\\\..\\\\..\\\\b\"}", "backslash"},
        {"{\"store\": \"board\", \"path\": \"a\\u0001b\"}", "control character"},
        {"{\"store\": \"board\", \"path\": \"\"}", "storage directory itself"},
        {"{\"store\": \"board\", \"path\": \"./\"}", "names no file"},
        {"{\"store\": \"node\", \"node\": \"n\", \"path\": \"../../../x\"}", "'..'"},
        {"{\"store\": \"elsewhere\", \"path\": \"x\"}", "unknown store"},
        {"{\"store\": \"/etc\", \"path\": \"passwd\"}", "unknown store"},
        {"{\"store\": \"Board\", \"path\": \"x\"}", "unknown store"},
        {"{\"path\": \"x\"}", "\"store\" must be"},
        {"{\"store\": 1, \"path\": \"x\"}", "\"store\" must be"},
        {"{\"store\": \"board\"}", "\"path\" must be a string"},
        {"{\"store\": \"board\", \"path\": 5}", "\"path\" must be a string"},
        {"{\"store\": \"board\", \"path\": [\"a\"]}", "\"path\" must be a string"},
        {"{\"store\": \"node\", \"path\": \"x\"}", "needs \"node\""},
        {"{\"store\": \"node\", \"node\": 3, \"path\": \"x\"}", "needs \"node\""},
        {"{\"store\": \"node\", \"node\": \"\", \"path\": \"x\"}", "node id"},
        {"{\"store\": \"board\", \"node\": \"n\", \"path\": \"x\"}", "only allowed with store \"node\""},
        {"{\"store\": \"board\", \"path\": \"x\", \"root\": \"/\"}", "unexpected key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *rep = read_literal(bad[i].path, f->opts);
        assert_failed_with(rep, bad[i].needle);
        assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "error"), "node")), "r");
        json_decref(rep);
        rep = write_literal(bad[i].path, "\"pwned\"", f->opts);
        assert_failed_with(rep, bad[i].needle);
        json_decref(rep);
        /* path_child refuses a forged parent too */
        char *nodes = NULL;
        assert_true(asprintf(&nodes,
                             "[" S ", {\"id\": \"pc\", \"type\": \"path_child\", \"inputs\": {\"parent\": %s, "
                             "\"name\": \"y\"}}, {\"id\": \"ret\", \"type\": \"return_result\"}]",
                             bad[i].path) > 0);
        rep = tu_run_nodes(nodes,
                           "[{\"from\": \"s.exec_out\", \"to\": \"ret.exec_in\"}, {\"from\": \"pc.path\", \"to\": "
                           "\"ret.result\"}]",
                           f->opts);
        free(nodes);
        /* a directory path ("") is a fine parent */
        if (strstr(bad[i].needle, "directory itself")) assert_completed(rep);
        else assert_string_equal(tu_status(rep), "failed");
        json_decref(rep);
    }
    /* nothing was written anywhere but the storage directory */
    char *t = file_text(f->data, "storage/local/b");
    assert_null(t);
    assert_null(file_text(f->data, "storage/x"));
    /* not even a struct */
    json_t *rep = read_literal("\"notes.txt\"", f->opts);
    assert_string_equal(tu_status(rep), "invalid"); /* a literal of the wrong type */
    json_decref(rep);
}

/* ---- links ------------------------------------------------------------------------------ */

static void test_symlinks_refused(void **state) {
    fixture *f = *state;
    mkdir_p(f->root);
    char *secret = cat(f->outside, "secret.txt");
    assert_int_equal(tu_write_file(secret, "top secret", 10), 0);
    char *dirlink = cat(f->root, "link"), *filelink = cat(f->root, "file-link");
    assert_int_equal(symlink(f->outside, dirlink), 0);
    assert_int_equal(symlink(secret, filelink), 0);

    static const char *const paths[] = {"link/secret.txt", "file-link", "link/new.txt", "link/sub/new.txt"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char *ps = NULL;
        assert_true(asprintf(&ps, "{\"store\": \"board\", \"path\": \"%s\"}", paths[i]) > 0);
        json_t *rep = read_literal(ps, f->opts);
        if (i < 2) assert_failed_with(rep, "symbolic link");
        else assert_string_equal(tu_status(rep), "failed");
        assert_null(strstr(err_msg(rep), "top secret"));
        json_decref(rep);
        rep = write_literal(ps, "\"pwned\"", f->opts);
        assert_failed_with(rep, "symbolic link");
        json_decref(rep);
        free(ps);
    }
    char *t = tu_read_file(secret, NULL);
    assert_string_equal(t, "top secret");
    free(t);
    assert_null(file_text(f->outside, "new.txt"));
    assert_null(file_text(f->outside, "sub/new.txt"));
    /* the links are still links */
    struct stat st;
    assert_int_equal(lstat(filelink, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    free(secret);
    free(dirlink);
    free(filelink);
}

/* ---- environment and file problems --------------------------------------------------------- */

static void test_no_data_dir(void **state) {
    (void)state;
    json_t *rep = read_literal("{\"store\": \"board\", \"path\": \"a.txt\"}", NULL);
    assert_failed_with(rep, "no data directory");
    json_decref(rep);
    rep = write_literal("{\"store\": \"board\", \"path\": \"a.txt\"}", "\"x\"", NULL);
    assert_failed_with(rep, "no data directory");
    json_decref(rep);
}

static void test_file_problems(void **state) {
    fixture *f = *state;
    json_t *rep = read_literal("{\"store\": \"board\", \"path\": \"missing.txt\"}", f->opts);
    assert_failed_with(rep, "not found");
    assert_failed_with(rep, "missing.txt");
    json_decref(rep);

    mkdir_p(f->root);
    /* not UTF-8 */
    char *p = cat(f->root, "bin.dat");
    assert_int_equal(tu_write_file(p, "ab\xff\xfe", 4), 0);
    free(p);
    rep = read_literal("{\"store\": \"board\", \"path\": \"bin.dat\"}", f->opts);
    assert_failed_with(rep, "not UTF-8");
    json_decref(rep);
    /* a directory is not a file */
    rep = write_literal("{\"store\": \"board\", \"path\": \"d/x.txt\"}", "\"x\"", f->opts);
    assert_completed(rep);
    json_decref(rep);
    rep = read_literal("{\"store\": \"board\", \"path\": \"d\"}", f->opts);
    assert_failed_with(rep, "not a file");
    json_decref(rep);
    rep = write_literal("{\"store\": \"board\", \"path\": \"d\"}", "\"x\"", f->opts);
    assert_failed_with(rep, "not a file");
    json_decref(rep);
    /* content must be a string */
    rep = tu_run_nodes("[" S ", {\"id\": \"w\", \"type\": \"write_string\", \"inputs\": {\"path\": "
                       "{\"store\": \"board\", \"path\": \"n.txt\"}}}]",
                       "[{\"from\": \"s.exec_out\", \"to\": \"w.exec_in\"}]", f->opts);
    assert_failed_with(rep, "content");
    json_decref(rep);
    /* over the file limit: 64 MiB + 1 */
    p = cat(f->root, "big.txt");
    size_t n = (size_t)STORAGE_MAX_FILE_BYTES + 1;
    char *big = malloc(n);
    memset(big, 'x', n);
    assert_int_equal(tu_write_file(p, big, n), 0);
    free(big);
    free(p);
    rep = read_literal("{\"store\": \"board\", \"path\": \"big.txt\"}", f->opts);
    assert_failed_with(rep, "larger than the limit");
    char limit[32];
    snprintf(limit, sizeof limit, "%u", STORAGE_MAX_FILE_BYTES);
    assert_failed_with(rep, limit);
    json_decref(rep);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_structs),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test_setup_teardown(test_write_then_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_scope_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinks_refused, setup, teardown),
        cmocka_unit_test(test_no_data_dir),
        cmocka_unit_test_setup_teardown(test_file_problems, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
