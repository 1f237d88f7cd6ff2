/* scoped_fs.h — file access confined to one root directory.
 *
 * Board storage nodes (read_to_string, write_string, …) and the WASM storage
 * imports name files with a *relative* path chosen by the board or the guest.
 * Everything here guarantees that such a path can only reach regular files
 * below the root the caller chose, whatever the path says and whatever is on
 * disk: the root is opened once, every component is opened relative to its
 * parent with O_NOFOLLOW (never by a path string), and any symbolic link met
 * on the way is refused. docs/storage.md is the user-facing description.
 *
 * Paths (sfs_check_path) are byte strings with an explicit length:
 *   - refused (SFS_EINVAL): empty, longer than STORAGE_MAX_PATH_BYTES, leading
 *     '/', a ".." component, a NUL byte, a backslash, other control bytes
 *     (0x01–0x1f, 0x7f), invalid UTF-8, a component longer than
 *     STORAGE_MAX_NAME_BYTES, more than STORAGE_MAX_PATH_DEPTH components, a
 *     component starting with SFS_TMP_PREFIX (reserved for atomic writes);
 *   - normalised: "." components and empty components ("a//b", "./a", "a/")
 *     are dropped; they cannot leave the root. A path of nothing but those
 *     ("." or "./") is empty and therefore refused.
 * Percent-encoding means nothing here: "%2e%2e" is a file of that name.
 *
 * The root itself is trusted operator configuration: it is created when
 * missing (mkdir -p, mode 0700) and symlinks in the root path are followed.
 *
 * Functions are thread-safe (no shared state). On SFS_EIO, errno holds the
 * system error that caused it. */
#ifndef WEIR_SCOPED_FS_H
#define WEIR_SCOPED_FS_H

#include <jansson.h>
#include <stddef.h>

/* Result codes. SFS_OK is 0; every error is positive. */
typedef enum sfs_err {
    SFS_OK = 0,
    SFS_EINVAL,   /* bad path, or it names a directory where a file is needed */
    SFS_ENOENT,   /* no such file */
    SFS_ETOOBIG,  /* file or listing larger than the limit */
    SFS_EDENIED,  /* symlink, hard-linked file, or special file in the way */
    SFS_EIO       /* the system call failed for another reason (see errno) */
} sfs_err;

/* Prefix of the temporary file names sfs_write uses; paths may not use it. */
#define SFS_TMP_PREFIX ".weir-tmp-"

/* Check a relative path of `len` bytes (rel need not be NUL-terminated).
 * Returns SFS_OK or SFS_EINVAL; see the rules above. */
int sfs_check_path(const char *rel, size_t len);

/* Read the regular file `rel` below `root`. On SFS_OK, *out is a malloc'd
 * buffer the caller frees, holding *out_len bytes followed by an extra NUL
 * (not counted). max_bytes 0 means STORAGE_MAX_FILE_BYTES; a file with more
 * than max_bytes bytes gives SFS_ETOOBIG. Files with more than one hard link
 * are refused (SFS_EDENIED): a hard link is indistinguishable from the file
 * it links to, so one made inside the root to a file outside it (by anyone
 * who can write both places) would otherwise leak that file. On error *out
 * is NULL and *out_len 0. */
int sfs_read(const char *root, const char *rel, size_t len, size_t max_bytes,
             char **out, size_t *out_len);

/* Write `data_len` bytes to `rel` below `root`, replacing it atomically: the
 * data goes to a fresh temporary file (mode 0600) in the same directory,
 * is fsync'd and renamed over the target, so a reader sees the old content
 * or the new, never a mix. Missing parent directories are created (mode
 * 0700). max_bytes 0 means STORAGE_MAX_FILE_BYTES; more gives SFS_ETOOBIG
 * and touches nothing. The target may not be a directory (SFS_EINVAL) or a
 * symlink (SFS_EDENIED). data may be NULL when data_len is 0. */
int sfs_write(const char *root, const char *rel, size_t len,
              const void *data, size_t data_len, size_t max_bytes);

/* List the regular files below `root` whose path starts with the path
 * `prefix` component by component: prefix "a/b" yields the file "a/b" if
 * there is one, and every file anywhere below the directory "a/b"; it does
 * not yield "a/bc". An empty prefix (len 0, or only "."/"/"-free empty
 * components) lists everything. The prefix is checked like a path.
 * On SFS_OK, *names is a new JSON array (the caller owns the reference) of
 * paths relative to the root, sorted bytewise; a prefix that does not exist
 * gives an empty array. Symlinks, special files and names that sfs_check_path
 * would refuse are skipped, so every listed name can be read back. More than
 * STORAGE_MAX_LIST_ENTRIES names gives SFS_ETOOBIG. On error *names is NULL. */
int sfs_list(const char *root, const char *prefix, size_t prefix_len, json_t **names);

/* Delete the regular file `rel` below `root`. Only that name is removed
 * (a hard-linked inode survives under its other names); parent directories
 * are kept. A directory gives SFS_EINVAL, a symlink SFS_EDENIED. */
int sfs_delete(const char *root, const char *rel, size_t len);

/* A static, human-readable description of an sfs_err code. */
const char *sfs_strerror(int err);

/* The error number the WASM node ABI (node-abi.md §3) uses for an sfs_err:
 * SFS_OK 0, SFS_EINVAL -20, SFS_EDENIED -20 (ABI §4.4: symlinks that leave
 * the directory are "refused (-20)"), SFS_ENOENT -21, SFS_ETOOBIG -13,
 * SFS_EIO -11 (the ABI has no storage-failure code; -11 is its "the
 * operation failed on the host's side" code). */
int sfs_abi_code(int err);

#endif
