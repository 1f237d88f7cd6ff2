/*
 * notes -- a note-taker on the package's storage (capability `storage`).
 *
 *   note_write   title, text -> path        creates or replaces notes/<name>.txt
 *   note_read    title -> text, found       exec_out, or exec_missing
 *   note_list    -> titles (array), count
 *   note_delete  title -> deleted
 *
 * A title can be any text; it becomes a safe file name by percent-encoding
 * every byte outside [A-Za-z0-9_-] (so "../x" is stored as "%2E%2E%2Fx.txt"
 * and can never name another directory), and the name is decoded back when
 * listing. The host keeps each package's storage in its own directory per
 * app and refuses paths that would leave it; this package never relies on
 * that, but the hostile example checks it does.
 */
#include "weir_node.h"

#define NOTES_PREFIX "notes/"
#define NOTES_SUFFIX ".txt"
#define MAX_NAME 255 /* the host's limit for one path component */

/* Builds "notes/<encoded title>.txt" into sb; false if the title is empty or too long. */
static bool note_path(const char *title, size_t len, weir_sb *sb) {
    static const char hex[] = "0123456789ABCDEF";
    size_t start;
    if (len == 0) return false;
    weir_sb_puts(sb, NOTES_PREFIX);
    start = sb->len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)title[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
            weir_sb_putc(sb, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            weir_sb_append(sb, esc, 3);
        }
    }
    if (sb->len - start + sizeof NOTES_SUFFIX - 1 > MAX_NAME) return false;
    weir_sb_puts(sb, NOTES_SUFFIX);
    return !sb->err;
}

/* Reads the title input and builds its path; fails the node on a bad title. */
static int title_path(const weir_input *in, weir_sb *path) {
    char *title = NULL;
    size_t len = 0;
    int rc = weir_input_string_alloc(in, "title", &title, &len);
    if (rc != WEIR_OK) return weir_fail_code("input title", rc);
    if (!note_path(title, len, path)) {
        weir_free(title);
        return weir_fail(len ? "title too long" : "title is empty");
    }
    weir_free(title);
    return WEIR_NODE_OK;
}

static int note_write(const weir_input *in) {
    weir_sb path = WEIR_SB_INIT;
    char *text = NULL;
    size_t len = 0;
    int rc = weir_input_string_alloc(in, "text", &text, &len);
    if (rc == WEIR_ERR_NULL) rc = (text = weir_strndup("", 0)) ? WEIR_OK : WEIR_ERR_NOMEM;
    if (rc != WEIR_OK) return weir_fail_code("input text", rc);
    if (title_path(in, &path) != WEIR_NODE_OK) return WEIR_NODE_FAILED;
    rc = weir_storage_write(path.ptr, text, len);
    if (rc != WEIR_OK) return weir_fail_code("writing the note", rc);
    if ((rc = weir_set_output_cstr("path", path.ptr)) != WEIR_OK) return weir_fail_code("output path", rc);
    return weir_activate("exec_out") == WEIR_OK ? WEIR_NODE_OK : WEIR_NODE_FAILED;
}

static int note_read(const weir_input *in) {
    weir_sb path = WEIR_SB_INIT;
    char *data = NULL;
    size_t len = 0;
    int rc;
    if (title_path(in, &path) != WEIR_NODE_OK) return WEIR_NODE_FAILED;
    rc = weir_storage_read(path.ptr, &data, &len);
    if (rc == WEIR_ERR_NOT_FOUND) {
        weir_set_output_cstr("text", "");
        weir_set_output_bool("found", false);
        return weir_activate("exec_missing") == WEIR_OK ? WEIR_NODE_OK : WEIR_NODE_FAILED;
    }
    if (rc != WEIR_OK) return weir_fail_code("reading the note", rc);
    if ((rc = weir_set_output_string("text", data, len)) != WEIR_OK ||
        (rc = weir_set_output_bool("found", true)) != WEIR_OK)
        return weir_fail_code("set output", rc);
    return weir_activate("exec_out") == WEIR_OK ? WEIR_NODE_OK : WEIR_NODE_FAILED;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Decodes "notes/<encoded>.txt" into a title appended (as a JSON string) to
 * out; returns false for names this package did not write. */
static bool append_title(const char *name, size_t len, weir_sb *out) {
    size_t pre = sizeof NOTES_PREFIX - 1, suf = sizeof NOTES_SUFFIX - 1;
    char *title;
    size_t n = 0;
    if (len <= pre + suf || weir_memcmp(name, NOTES_PREFIX, pre) != 0 ||
        weir_memcmp(name + len - suf, NOTES_SUFFIX, suf) != 0)
        return false;
    name += pre;
    len -= pre + suf;
    title = (char *)weir_malloc(len);
    if (!title) return false;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '/') goto not_ours; /* a sub-directory */
        if (name[i] == '%') {
            int hi, lo;
            if (i + 2 >= len || (hi = hexval(name[i + 1])) < 0 || (lo = hexval(name[i + 2])) < 0) goto not_ours;
            title[n++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            title[n++] = name[i];
        }
    }
    if (out->len > 1) weir_sb_putc(out, ',');
    weir_sb_put_json_string(out, title, n);
    weir_free(title);
    return true;
not_ours:
    weir_free(title);
    return false;
}

static int note_list(const weir_input *in) {
    char *json = NULL;
    size_t len = 0;
    weir_json_iter it;
    weir_str item;
    weir_sb titles = WEIR_SB_INIT;
    int64_t count = 0;
    int rc = weir_storage_list("notes", &json, &len), r;
    (void)in;
    if (rc != WEIR_OK) return weir_fail_code("listing notes", rc);
    if (weir_json_iter_init(&it, (weir_str){json, len}) != WEIR_OK) return weir_fail("the host's list is not an array");
    weir_sb_putc(&titles, '[');
    while ((r = weir_json_array_next(&it, &item)) == 1) {
        char *name = NULL;
        size_t nlen = 0;
        if (weir_json_string_alloc(item, &name, &nlen) != WEIR_OK) continue;
        if (append_title(name, nlen, &titles)) count++;
        weir_free(name);
    }
    if (r < 0) return weir_fail("the host's list is malformed");
    weir_sb_putc(&titles, ']');
    if (titles.err) return weir_fail("out of memory");
    if ((rc = weir_set_output_json("titles", titles.ptr, titles.len)) != WEIR_OK ||
        (rc = weir_set_output_int("count", count)) != WEIR_OK)
        return weir_fail_code("set output", rc);
    return weir_activate("exec_out") == WEIR_OK ? WEIR_NODE_OK : WEIR_NODE_FAILED;
}

static int note_delete(const weir_input *in) {
    weir_sb path = WEIR_SB_INIT;
    int rc;
    if (title_path(in, &path) != WEIR_NODE_OK) return WEIR_NODE_FAILED;
    bool deleted;
    rc = weir_storage_delete(path.ptr);
    if (rc != WEIR_OK && rc != WEIR_ERR_NOT_FOUND) return weir_fail_code("deleting the note", rc);
    deleted = rc == WEIR_OK;
    if ((rc = weir_set_output_bool("deleted", deleted)) != WEIR_OK) return weir_fail_code("output deleted", rc);
    return weir_activate("exec_out") == WEIR_OK ? WEIR_NODE_OK : WEIR_NODE_FAILED;
}

WEIR_NODES(note_write, note_read, note_list, note_delete);
