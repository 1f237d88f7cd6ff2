/* keys.c — the instance key file and secrets at rest. The key file is the
 * one thing an attacker with a copy of the database still lacks, so it is
 * created carefully (O_EXCL temp file, fsync, link into place: never a half
 * key, never an overwrite) and refused loudly when anything about it is off. */
#include "auth/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "auth/internal.h"
#include "base/errmsg.h"

#define MASTER_BYTES 32
#define B64_LEN      44 /* standard base64 of 32 bytes, with padding */
#define SEAL_VERSION 1
#define SEAL_HEAD    (1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
#define SEAL_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* One crypto_kdf context (8 bytes) per subkey: keys for different purposes
 * are independent even though they come from one master key. */
#define KDF_CTX_TOKEN   "weirtokn"
#define KDF_CTX_SECRETS "weirsecr"
#define KDF_CTX_SESSION "weirsess"

int auth_init(void) {
    return auth_sodium_ready();
}

void auth_keys_from_master(const unsigned char master[32], auth_keys *out) {
    crypto_kdf_derive_from_key(out->token_hash, sizeof out->token_hash, 1, KDF_CTX_TOKEN, master);
    crypto_kdf_derive_from_key(out->secrets, sizeof out->secrets, 1, KDF_CTX_SECRETS, master);
    crypto_kdf_derive_from_key(out->session, sizeof out->session, 1, KDF_CTX_SESSION, master);
}

void auth_keys_wipe(auth_keys *k) {
    if (k) sodium_memzero(k, sizeof *k);
}

/* The text of a key file holding `master`: magic, newline, base64, newline. */
#define KEYFILE_TEXT_LEN (sizeof AUTH_KEYFILE_MAGIC - 1 + 1 + B64_LEN + 1)

static int parse_keyfile(const char *path, const char *buf, size_t n, unsigned char master[MASTER_BYTES], char *err,
                         size_t errlen) {
    size_t mlen = sizeof AUTH_KEYFILE_MAGIC - 1;
    if ((n != KEYFILE_TEXT_LEN && n != KEYFILE_TEXT_LEN - 1) || memcmp(buf, AUTH_KEYFILE_MAGIC, mlen) != 0 ||
        buf[mlen] != '\n' || (n == KEYFILE_TEXT_LEN && buf[n - 1] != '\n'))
        return errmsg_fail(err, errlen, "key file %s is not a weir instance key (expected the line \"%s\" and one line of "
                                        "base64, %zu bytes in all)", path, AUTH_KEYFILE_MAGIC, KEYFILE_TEXT_LEN);
    const char *b64 = buf + mlen + 1, *end = NULL;
    size_t bin = 0;
    if (sodium_base642bin(master, MASTER_BYTES, b64, B64_LEN, NULL, &bin, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bin != MASTER_BYTES || end != b64 + B64_LEN)
        return errmsg_fail(err, errlen, "key file %s: the key line is not base64 of %d bytes", path, MASTER_BYTES);
    return 0;
}

static int load_fd(int fd, const char *path, auth_keys *out, char *err, size_t errlen) {
    struct stat st;
    if (fstat(fd, &st) != 0) return errmsg_fail(err, errlen, "key file %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) return errmsg_fail(err, errlen, "key file %s is not a regular file", path);
    if (st.st_mode & 077)
        return errmsg_fail(err, errlen, "key file %s has mode %04o: group or others may access it; "
                                        "run chmod 600 on it (weir will not use an exposed key)",
                           path, (unsigned)(st.st_mode & 07777));
    char buf[AUTH_KEYFILE_MAX + 1];
    size_t n = 0;
    while (n < sizeof buf) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return errmsg_fail(err, errlen, "key file %s: %s", path, strerror(errno));
        if (r == 0) break;
        n += (size_t)r;
    }
    unsigned char master[MASTER_BYTES];
    int rc = parse_keyfile(path, buf, n, master, err, errlen);
    if (rc == 0) auth_keys_from_master(master, out);
    sodium_memzero(master, sizeof master);
    sodium_memzero(buf, sizeof buf);
    return rc;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void fsync_dir_of(const char *path) {
    char *copy = strdup(path);
    if (!copy) return;
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(copy);
}

/* Create the key file. Returns 0 (created, *out filled), 1 when `path`
 * appeared meanwhile (someone else created it: load theirs), -1 on error. */
static int create_keyfile(const char *path, auth_keys *out, char *err, size_t errlen) {
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof ".tmp.XXXXXX");
    if (!tmp) return errmsg_fail(err, errlen, "out of memory");
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkostemp(tmp, O_CLOEXEC); /* O_CREAT | O_EXCL, mode 0600 */
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return errmsg_fail(err, errlen, "cannot create key file %s: %s", path, strerror(e));
    }

    unsigned char master[MASTER_BYTES];
    char text[KEYFILE_TEXT_LEN + 1];
    randombytes_buf(master, sizeof master);
    size_t mlen = sizeof AUTH_KEYFILE_MAGIC - 1;
    memcpy(text, AUTH_KEYFILE_MAGIC "\n", mlen + 1);
    sodium_bin2base64(text + mlen + 1, B64_LEN + 1, master, sizeof master, sodium_base64_VARIANT_ORIGINAL);
    text[KEYFILE_TEXT_LEN - 1] = '\n';

    int rc = -1, e = 0;
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, KEYFILE_TEXT_LEN) != 0 || fsync(fd) != 0) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (!e) {
        if (link(tmp, path) == 0) rc = 0;
        else if (errno == EEXIST) rc = 1;
        else e = errno;
    }
    unlink(tmp);
    if (rc == 0) {
        fsync_dir_of(path);
        auth_keys_from_master(master, out);
    } else if (rc < 0) {
        errmsg_fail(err, errlen, "cannot create key file %s: %s", path, strerror(e ? e : EIO));
    }
    sodium_memzero(master, sizeof master);
    sodium_memzero(text, sizeof text);
    free(tmp);
    return rc;
}

int auth_keys_load_or_create(const char *path, auth_keys *out, bool *created, char *err, size_t errlen) {
    if (created) *created = false;
    if (!path || !*path || !out) return errmsg_fail(err, errlen, "no key file path");
    if (auth_sodium_ready() != 0) return errmsg_fail(err, errlen, "libsodium failed to initialise");
    for (int attempt = 0; attempt < 2; attempt++) {
        /* O_NONBLOCK: a FIFO planted at the path must not hang start-up */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd >= 0) {
            int rc = load_fd(fd, path, out, err, errlen);
            close(fd);
            return rc;
        }
        if (errno != ENOENT) return errmsg_fail(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
        if (attempt > 0) break;
        int rc = create_keyfile(path, out, err, errlen);
        if (rc <= 0) {
            if (rc == 0 && created) *created = true;
            return rc;
        }
    }
    return errmsg_fail(err, errlen, "key file %s exists but cannot be opened (a dangling symbolic link?)", path);
}

int auth_seal(const auth_keys *k, const char *aad, const unsigned char *plain, size_t len, char **b64_out) {
    if (b64_out) *b64_out = NULL;
    if (!k || !aad || (!plain && len) || !b64_out || len > AUTH_SEAL_MAX_BYTES || auth_sodium_ready() != 0) return -1;
    static const unsigned char empty[1];
    size_t blen = SEAL_HEAD + len + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char *bin = malloc(blen);
    size_t olen = sodium_base64_ENCODED_LEN(blen, SEAL_VARIANT);
    char *out = malloc(olen);
    if (!bin || !out) {
        free(bin);
        free(out);
        return -1;
    }
    bin[0] = SEAL_VERSION;
    randombytes_buf(bin + 1, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(bin + SEAL_HEAD, &clen, plain ? plain : empty, len,
                                               (const unsigned char *)aad, strlen(aad), NULL, bin + 1, k->secrets);
    sodium_bin2base64(out, olen, bin, blen, SEAL_VARIANT);
    free(bin);
    *b64_out = out;
    return 0;
}

int auth_unseal(const auth_keys *k, const char *aad, const char *b64, unsigned char **plain, size_t *len) {
    if (plain) *plain = NULL;
    if (len) *len = 0;
    if (!k || !aad || !b64 || !plain || !len || auth_sodium_ready() != 0) return -1;
    size_t b64len = strlen(b64);
    size_t maxbin = SEAL_HEAD + AUTH_SEAL_MAX_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    if (b64len > sodium_base64_ENCODED_LEN(maxbin, SEAL_VARIANT)) return -1;
    size_t cap = b64len / 4 * 3 + 3, blen = 0;
    unsigned char *bin = malloc(cap);
    if (!bin) return -1;
    const char *end = NULL;
    if (sodium_base642bin(bin, cap, b64, b64len, NULL, &blen, &end, SEAL_VARIANT) != 0 || end != b64 + b64len ||
        blen < SEAL_HEAD + crypto_aead_xchacha20poly1305_ietf_ABYTES || bin[0] != SEAL_VERSION) {
        free(bin);
        return -1;
    }
    size_t mcap = blen - SEAL_HEAD - crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char *m = malloc(mcap + 1);
    unsigned long long mlen = 0;
    if (!m || crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, NULL, bin + SEAL_HEAD, blen - SEAL_HEAD,
                                                         (const unsigned char *)aad, strlen(aad), bin + 1,
                                                         k->secrets) != 0) {
        if (m) sodium_memzero(m, mcap + 1);
        free(m);
        free(bin);
        return -1;
    }
    free(bin);
    m[mlen] = '\0';
    *plain = m;
    *len = (size_t)mlen;
    return 0;
}
