/* storage.c — path_from_storage_dir, path_child, read_to_string,
 * write_string: text files in the board's own storage directory.
 *
 * A storage path is a plain struct, so a board can build (or forge) any
 * value for it; nothing in it is trusted:
 *
 *   {"store": "board", "path": "notes/today.txt"}
 *   {"store": "node", "node": "<node id>", "path": "cache.json"}
 *
 * - "store" is "board" (DATA_DIR/storage/APP/boards/BOARD) or "node" (the
 *   directory of one node inside it, .../nodes/NODE); nothing else;
 * - "node" (only with store "node") is a node id; it is only ever used as
 *   one directory name below the board's directory (ctx_storage_root encodes
 *   ids that are not safe file names), so it cannot leave the board;
 * - "path" is relative to that directory and must pass sfs_check_path (no
 *   "..", no leading "/", no backslash, no NUL or control bytes, UTF-8);
 *   "" stands for the directory itself and cannot be read or written;
 * - no other keys.
 * The files themselves are opened by src/base/scoped_fs.c, which refuses
 * any symbolic link on the way (docs/storage.md). */
#include "catalog/catalog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/scoped_fs.h"
#include "base/strbuf.h"
#include "base/textfmt.h"
#include "catalog/nodeutil.h"

/* ---- showing a path in a message ------------------------------------------------
 * Paths come from the board: in messages they are cut to SHOW_MAX bytes (at a
 * character boundary) and bytes that are not printable UTF-8 are written as
 * \xNN, so a message is always valid, single-line text. */
#define SHOW_MAX 96

typedef struct shown { char s[SHOW_MAX * 4 + 8]; } shown;

static const char *show(shown *out, const char *p, size_t len) {
    size_t o = 0, i = 0;
    while (i < len && o < SHOW_MAX) {
        unsigned char ch = (unsigned char)p[i];
        size_t n = utf8_seq_len(p + i, len - i);
        if (n == 1 && ch >= 0x20 && ch != 0x7f && ch != '\\' && ch != '"') {
            out->s[o++] = (char)ch;
            i++;
        } else if (n > 1) {
            memcpy(out->s + o, p + i, n);
            o += n;
            i += n;
        } else if (ch == '\\' || ch == '"') {
            out->s[o++] = '\\';
            out->s[o++] = (char)ch;
            i++;
        } else {
            o += (size_t)snprintf(out->s + o, 5, "\\x%02x", ch);
            i++;
        }
    }
    if (i < len) {
        memcpy(out->s + o, "…", strlen("…"));
        o += strlen("…");
    }
    out->s[o] = '\0';
    return out->s;
}

/* Why sfs_check_path refuses `p` (for the message). */
static const char *path_problem(const char *p, size_t len, char *buf, size_t bufsz) {
    if (len == 0) return "it is empty";
    if (p[0] == '/') return "it is absolute (starts with '/'); storage paths are relative";
    if (memchr(p, '\0', len)) return "it contains a NUL character";
    if (memchr(p, '\\', len)) return "it contains a backslash; use '/' between names";
    size_t depth = 0, start = 0;
    bool only_dots = true;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '/') continue;
        size_t clen = i - start;
        if (clen == 2 && p[start] == '.' && p[start + 1] == '.') return "it contains a '..' component";
        if (clen > STORAGE_MAX_NAME_BYTES) {
            snprintf(buf, bufsz, "a name in it is longer than %u bytes", STORAGE_MAX_NAME_BYTES);
            return buf;
        }
        if (clen >= strlen(SFS_TMP_PREFIX) && memcmp(p + start, SFS_TMP_PREFIX, strlen(SFS_TMP_PREFIX)) == 0)
            return "names starting with " SFS_TMP_PREFIX " are reserved for weir's atomic writes";
        if (clen > 0 && !(clen == 1 && p[start] == '.')) {
            depth++;
            only_dots = false;
        }
        start = i + 1;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) return "it contains a control character";
    if (!utf8_valid(p, len)) return "it is not valid UTF-8";
    if (len > STORAGE_MAX_PATH_BYTES) {
        snprintf(buf, bufsz, "it is longer than %u bytes", STORAGE_MAX_PATH_BYTES);
        return buf;
    }
    if (depth > STORAGE_MAX_PATH_DEPTH) {
        snprintf(buf, bufsz, "it has more than %u levels", STORAGE_MAX_PATH_DEPTH);
        return buf;
    }
    if (only_dots) return "it names no file (only '.' and '/')";
    return "it is not allowed";
}

static int bad_path(node_ctx *c, const char *what, const char *p, size_t len) {
    shown sh;
    char buf[96];
    return ctx_fail(c, "%s: invalid path \"%s\": %s", what, show(&sh, p, len), path_problem(p, len, buf, sizeof buf));
}

/* ---- the path struct ------------------------------------------------------------- */

typedef struct spath {
    bool node_store;     /* store "node" */
    const char *node;    /* the node id (store "node") */
    const char *path;    /* relative path, "" for the directory itself */
    size_t len;
} spath;

/* Validate a storage path struct (borrowed strings). Fails the node. */
static int parse_spath(node_ctx *c, int pin, const char *label, spath *out) {
    json_t *obj;
    if (ctx_object(c, pin, &obj) != 0) return NODE_FAIL;

    json_t *store = json_object_get(obj, "store");
    if (!json_is_string(store))
        return ctx_fail(c, "%s: \"store\" must be \"board\" or \"node\" (a storage path comes from "
                           "path_from_storage_dir), got %s",
                        label, store ? json_kind_word(store) : "nothing");
    const char *st = json_string_value(store);
    if (strcmp(st, "board") == 0 && json_string_length(store) == 5) {
        out->node_store = false;
    } else if (strcmp(st, "node") == 0 && json_string_length(store) == 4) {
        out->node_store = true;
    } else {
        shown sh;
        return ctx_fail(c, "%s: unknown store \"%s\": it must be \"board\" or \"node\"", label,
                        show(&sh, st, json_string_length(store)));
    }

    json_t *node = json_object_get(obj, "node");
    if (out->node_store) {
        if (!json_is_string(node))
            return ctx_fail(c, "%s: store \"node\" needs \"node\", a node id string, got %s", label,
                            node ? json_kind_word(node) : "nothing");
        size_t nlen = json_string_length(node);
        const char *nid = json_string_value(node);
        if (nlen == 0 || nlen > BOARD_MAX_ID_LEN || strlen(nid) != nlen)
            return ctx_fail(c, "%s: \"node\" must be a node id of 1 to %d bytes without NUL", label,
                            BOARD_MAX_ID_LEN);
        out->node = nid;
    } else if (node) {
        return ctx_fail(c, "%s: \"node\" is only allowed with store \"node\"", label);
    }

    json_t *path = json_object_get(obj, "path");
    if (!json_is_string(path))
        return ctx_fail(c, "%s: \"path\" must be a string, got %s", label, path ? json_kind_word(path) : "nothing");
    out->path = json_string_value(path);
    out->len = json_string_length(path);
    if (out->len > 0 && sfs_check_path(out->path, out->len) != SFS_OK) return bad_path(c, label, out->path, out->len);

    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (strcmp(k, "store") != 0 && strcmp(k, "path") != 0 && strcmp(k, "node") != 0) {
            shown sh;
            return ctx_fail(c, "%s: unexpected key \"%s\" (a storage path has store, node and path)", label,
                            show(&sh, k, strlen(k)));
        }
    }
    return 0;
}

/* A new path struct {store, [node], path}; NULL on OOM. */
static json_t *make_spath(bool node_store, const char *node, const char *path, size_t len) {
    json_t *o = json_object();
    if (!o) return NULL;
    if (json_object_set_new(o, "store", json_string(node_store ? "node" : "board")) != 0 ||
        (node_store && json_object_set_new(o, "node", json_string(node)) != 0) ||
        json_object_set_new(o, "path", json_stringn(path, len)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Append the components of a checked path to sb, dropping "" and "." ones. */
static void append_components(strbuf *sb, const char *p, size_t len) {
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '/') continue;
        size_t clen = i - start;
        if (clen > 0 && !(clen == 1 && p[start] == '.')) {
            if (sb->len) sb_putc(sb, '/');
            sb_append(sb, p + start, clen);
        }
        start = i + 1;
    }
}

/* The directory a path struct names; malloc'd, or NULL with the node failed. */
static char *root_of(node_ctx *c, const spath *sp) {
    return ctx_storage_root(c, sp->node_store ? sp->node : NULL);
}

/* Fail the node for an sfs error on `sp` (errno as left by sfs on SFS_EIO). */
static int sfs_fail(node_ctx *c, const char *op, int rc, const spath *sp) {
    int e = errno;
    shown sh;
    const char *p = show(&sh, sp->path, sp->len);
    const char *where = sp->node_store ? "the node's storage" : "the board's storage";
    switch (rc) {
    case SFS_ENOENT: return ctx_fail(c, "%s \"%s\": not found in %s", op, p, where);
    case SFS_EINVAL:
        if (sfs_check_path(sp->path, sp->len) != SFS_OK) return bad_path(c, "input path", sp->path, sp->len);
        return ctx_fail(c, "%s \"%s\": not a file (it is a directory, or a name on the way is a file)", op, p);
    case SFS_ETOOBIG:
        return ctx_fail(c, "%s \"%s\": the file is larger than the limit of %u bytes (64 MiB)", op, p,
                        STORAGE_MAX_FILE_BYTES);
    case SFS_EDENIED:
        return ctx_fail(c,
                        "%s \"%s\": refused: a symbolic link, a hard-linked file or a special file is in the way "
                        "(storage never follows links)",
                        op, p);
    case SFS_EIO: {
        char buf[128];
        const char *msg = strerror_r(e, buf, sizeof buf);
        return ctx_fail(c, "%s \"%s\": storage I/O error: %s", op, p, msg);
    }
    default: return ctx_fail(c, "%s \"%s\": %s", op, p, sfs_strerror(rc));
    }
}

/* ---- path_from_storage_dir -------------------------------------------------------- */
enum { PD_NODE_SCOPE, PD_PATH };
static const pin_def from_dir_pins[] = {PIN_IN("node_scope", PT_BOOLEAN, "false"), PIN_OUT("path", PT_STRUCT)};

static int from_dir_run(node_ctx *c) {
    bool node_scope;
    if (ctx_bool(c, PD_NODE_SCOPE, &node_scope) != 0) return NODE_FAIL;
    json_t *o = make_spath(node_scope, ctx_node_id(c), "", 0);
    if (!o) return ctx_fail(c, "out of memory");
    return ctx_set_json(c, PD_PATH, o) == 0 ? NODE_OK : NODE_FAIL;
}

static const node_def path_from_storage_dir = {
    .type = "path_from_storage_dir", .friendly_name = "Storage Directory", .category = "Storage",
    .description = "The board's own storage directory as a path {\"store\": \"board\", \"path\": \"\"}; with "
                   "node_scope, a directory of this node alone {\"store\": \"node\", \"node\": ID, \"path\": \"\"}. "
                   "Needs a data directory (--data-dir).",
    .pins = from_dir_pins, .npins = NPINS(from_dir_pins), .run = from_dir_run,
};

/* ---- path_child ---------------------------------------------------------------------- */
enum { PC_PARENT, PC_NAME, PC_PATH };
static const pin_def child_pins[] = {PIN_IN("parent", PT_STRUCT, NULL), PIN_IN("name", PT_STRING, NULL),
                                     PIN_OUT("path", PT_STRUCT)};

static int child_run(node_ctx *c) {
    spath parent;
    const char *name;
    size_t nlen;
    if (parse_spath(c, PC_PARENT, "input parent", &parent) != 0 || ctx_str(c, PC_NAME, &name, &nlen) != 0)
        return NODE_FAIL;
    if (sfs_check_path(name, nlen) != SFS_OK) return bad_path(c, "input name", name, nlen);
    strbuf sb = STRBUF_INIT;
    append_components(&sb, parent.path, parent.len);
    append_components(&sb, name, nlen);
    if (sb.oom) {
        sb_free(&sb);
        return ctx_fail(c, "out of memory");
    }
    if (sfs_check_path(sb_str(&sb), sb.len) != SFS_OK) {
        int rc = bad_path(c, "path_child", sb_str(&sb), sb.len);
        sb_free(&sb);
        return rc;
    }
    json_t *o = make_spath(parent.node_store, parent.node, sb_str(&sb), sb.len);
    sb_free(&sb);
    if (!o) return ctx_fail(c, "out of memory");
    return ctx_set_json(c, PC_PATH, o) == 0 ? NODE_OK : NODE_FAIL;
}

static const node_def path_child = {
    .type = "path_child", .friendly_name = "Child Path", .category = "Storage",
    .description = "The path of name inside parent. name is relative and may contain '/' between names; '..', "
                   "a leading '/', backslashes and control characters fail the node.",
    .pins = child_pins, .npins = NPINS(child_pins), .run = child_run,
};

/* ---- read_to_string ------------------------------------------------------------------- */
enum { RD_EXEC_IN, RD_PATH, RD_EXEC_OUT, RD_CONTENT };
static const pin_def read_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("path", PT_STRUCT, NULL),
                                    PIN_EXEC_OUT("exec_out"), PIN_OUT("content", PT_STRING)};

static int need_file(node_ctx *c, const spath *sp) {
    if (sp->len == 0)
        return ctx_fail(c, "input path: it names the storage directory itself, not a file (add a name with "
                           "path_child)");
    return 0;
}

static int read_run(node_ctx *c) {
    spath sp;
    if (parse_spath(c, RD_PATH, "input path", &sp) != 0 || need_file(c, &sp) != 0) return NODE_FAIL;
    char *root = root_of(c, &sp);
    if (!root) return NODE_FAIL;
    char *data = NULL;
    size_t len = 0;
    int rc = sfs_read(root, sp.path, sp.len, STORAGE_MAX_FILE_BYTES, &data, &len);
    free(root);
    if (rc != SFS_OK) return sfs_fail(c, "read", rc, &sp);
    if (!utf8_valid(data, len)) {
        free(data);
        shown sh;
        return ctx_fail(c, "read \"%s\": the file is not UTF-8 text (or contains NUL bytes); read_to_string reads "
                           "text only",
                        show(&sh, sp.path, sp.len));
    }
    int set = ctx_set_str(c, RD_CONTENT, data, len);
    free(data);
    if (set != 0) return NODE_FAIL;
    ctx_activate(c, RD_EXEC_OUT);
    return NODE_OK;
}

static const node_def read_to_string = {
    .type = "read_to_string", .friendly_name = "Read to String", .category = "Storage",
    .description = "Reads a UTF-8 text file from storage (at most 64 MiB). A missing file, a path that leaves the "
                   "storage directory, a symbolic link on the way or content that is not UTF-8 fails the node.",
    .pins = read_pins, .npins = NPINS(read_pins), .run = read_run,
};

/* ---- write_string ---------------------------------------------------------------------- */
enum { WR_EXEC_IN, WR_PATH, WR_CONTENT, WR_EXEC_OUT };
static const pin_def write_pins[] = {PIN_EXEC_IN("exec_in"), PIN_IN("path", PT_STRUCT, NULL),
                                     PIN_IN("content", PT_STRING, NULL), PIN_EXEC_OUT("exec_out")};

static int write_run(node_ctx *c) {
    spath sp;
    const char *content;
    size_t clen;
    if (parse_spath(c, WR_PATH, "input path", &sp) != 0 || need_file(c, &sp) != 0 ||
        ctx_str(c, WR_CONTENT, &content, &clen) != 0)
        return NODE_FAIL;
    if (clen > STORAGE_MAX_FILE_BYTES) {
        shown sh;
        return ctx_fail(c, "write \"%s\": %zu bytes of content exceed the limit of %u bytes (64 MiB) for one file",
                        show(&sh, sp.path, sp.len), clen, STORAGE_MAX_FILE_BYTES);
    }
    char *root = root_of(c, &sp);
    if (!root) return NODE_FAIL;
    int rc = sfs_write(root, sp.path, sp.len, content, clen, STORAGE_MAX_FILE_BYTES);
    free(root);
    if (rc != SFS_OK) return sfs_fail(c, "write", rc, &sp);
    ctx_activate(c, WR_EXEC_OUT);
    return NODE_OK;
}

static const node_def write_string = {
    .type = "write_string", .friendly_name = "Write String", .category = "Storage",
    .description = "Writes content to a file in storage, replacing it atomically and creating missing "
                   "directories (at most 64 MiB). A path that leaves the storage directory or a symbolic link on "
                   "the way fails the node.",
    .pins = write_pins, .npins = NPINS(write_pins), .run = write_run,
};

const node_def *const catalog_storage[] = {&path_from_storage_dir, &path_child, &read_to_string, &write_string,
                                           NULL};
