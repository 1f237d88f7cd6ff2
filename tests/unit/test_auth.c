/* test_auth.c — the authentication and authorization primitives of
 * src/auth: key file, sealing, passwords, tokens, RBAC rules, rate limits and
 * login backoff. Mostly negative tests: each refusal the server relies on. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "auth/keys.h"
#include "auth/password.h"
#include "auth/ratelimit.h"
#include "auth/rbac.h"
#include "auth/token.h"
#include "testutil.h"

#define S(x) ((int64_t)(x) * 1000000) /* seconds → microseconds */

/* ---------- helpers ---------- */

typedef struct tdir {
    char *dir;
    char path[4096]; /* dir + "/instance.key" */
} tdir;

static int setup_dir(void **state) {
    tdir *t = calloc(1, sizeof *t);
    t->dir = tu_mkdtemp();
    if (!t->dir) return -1;
    snprintf(t->path, sizeof t->path, "%s/instance.key", t->dir);
    *state = t;
    return 0;
}

static int teardown_dir(void **state) {
    tdir *t = *state;
    tu_rmtree(t->dir);
    free(t->dir);
    free(t);
    return 0;
}

static void write_mode(const char *path, const char *text, size_t len, mode_t mode) {
    assert_int_equal(tu_write_file(path, text, len), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static size_t count_entries(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* A refusal leaves the file exactly as it was. */
static void expect_refused(const char *path, const char *want_in_err) {
    size_t before_len = 0, after_len = 0;
    struct stat st;
    bool regular = stat(path, &st) == 0 && S_ISREG(st.st_mode); /* never open a FIFO here: it would block */
    char *before = regular ? tu_read_file(path, &before_len) : NULL;
    auth_keys k;
    bool created = true;
    char err[512] = "";
    assert_int_equal(auth_keys_load_or_create(path, &k, &created, err, sizeof err), -1);
    assert_false(created);
    if (want_in_err && !strstr(err, want_in_err)) fail_msg("error \"%s\" lacks \"%s\"", err, want_in_err);
    char *after = regular ? tu_read_file(path, &after_len) : NULL;
    if (before) {
        assert_non_null(after);
        assert_int_equal(before_len, after_len);
        assert_memory_equal(before, after, before_len);
    }
    free(before);
    free(after);
}

static const char *VALID_KEY = AUTH_KEYFILE_MAGIC "\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

/* ---------- key file ---------- */

static void test_keyfile_created_0600(void **state) {
    tdir *t = *state;
    auth_keys k1, k2;
    bool created = false;
    char err[512] = "";
    assert_int_equal(auth_keys_load_or_create(t->path, &k1, &created, err, sizeof err), 0);
    assert_true(created);
    struct stat st;
    assert_int_equal(stat(t->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(count_entries(t->dir), 1); /* no temporary file left */

    size_t n;
    char *text = tu_read_file(t->path, &n);
    assert_int_equal(n, strlen(AUTH_KEYFILE_MAGIC) + 1 + 44 + 1);
    assert_memory_equal(text, AUTH_KEYFILE_MAGIC "\n", strlen(AUTH_KEYFILE_MAGIC) + 1);

    /* loaded again: the same keys, the file untouched */
    assert_int_equal(auth_keys_load_or_create(t->path, &k2, &created, err, sizeof err), 0);
    assert_false(created);
    assert_memory_equal(&k1, &k2, sizeof k1);
    size_t n2;
    char *text2 = tu_read_file(t->path, &n2);
    assert_int_equal(n, n2);
    assert_memory_equal(text, text2, n);
    free(text);
    free(text2);

    /* subkeys are distinct */
    assert_memory_not_equal(k1.token_hash, k1.secrets, 32);
    assert_memory_not_equal(k1.token_hash, k1.session, 32);
    assert_memory_not_equal(k1.secrets, k1.session, 32);
}

static void test_keyfile_existing_loaded(void **state) {
    tdir *t = *state;
    write_mode(t->path, VALID_KEY, strlen(VALID_KEY), 0600);
    auth_keys k, want;
    bool created = true;
    char err[256];
    assert_int_equal(auth_keys_load_or_create(t->path, &k, &created, err, sizeof err), 0);
    assert_false(created);
    unsigned char master[32];
    for (int i = 0; i < 32; i++) master[i] = (unsigned char)i;
    auth_keys_from_master(master, &want);
    assert_memory_equal(&k, &want, sizeof k);

    /* the final newline is optional */
    write_mode(t->path, VALID_KEY, strlen(VALID_KEY) - 1, 0600);
    assert_int_equal(auth_keys_load_or_create(t->path, &k, &created, err, sizeof err), 0);
    assert_memory_equal(&k, &want, sizeof k);

    /* mode 0400 is fine too */
    assert_int_equal(chmod(t->path, 0400), 0);
    assert_int_equal(auth_keys_load_or_create(t->path, &k, &created, err, sizeof err), 0);
}

static void test_keyfile_mode_refused(void **state) {
    tdir *t = *state;
    const mode_t bad[] = {0644, 0640, 0604, 0660, 0606, 0610, 0601, 0666};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_mode(t->path, VALID_KEY, strlen(VALID_KEY), bad[i]);
        expect_refused(t->path, "chmod 600");
    }
}

static void test_keyfile_format_refused(void **state) {
    tdir *t = *state;
    size_t vlen = strlen(VALID_KEY);
    char buf[256];

    write_mode(t->path, VALID_KEY, 30, 0600); /* truncated */
    expect_refused(t->path, "not a weir instance key");
    write_mode(t->path, VALID_KEY, vlen - 2, 0600); /* one base64 character short */
    expect_refused(t->path, "not a weir instance key");
    write_mode(t->path, "", 0, 0600); /* empty */
    expect_refused(t->path, "not a weir instance key");

    snprintf(buf, sizeof buf, "%sX", VALID_KEY); /* trailing junk */
    write_mode(t->path, buf, strlen(buf), 0600);
    expect_refused(t->path, NULL);
    snprintf(buf, sizeof buf, "%s\n", VALID_KEY); /* extra blank line */
    write_mode(t->path, buf, strlen(buf), 0600);
    expect_refused(t->path, NULL);

    memcpy(buf, VALID_KEY, vlen + 1); /* another version */
    buf[strlen(AUTH_KEYFILE_MAGIC) - 1] = '2';
    write_mode(t->path, buf, vlen, 0600);
    expect_refused(t->path, NULL);

    memcpy(buf, VALID_KEY, vlen + 1); /* a character outside base64 */
    buf[strlen(AUTH_KEYFILE_MAGIC) + 5] = '*';
    write_mode(t->path, buf, vlen, 0600);
    expect_refused(t->path, "base64");

    memcpy(buf, VALID_KEY, vlen + 1); /* CRLF */
    buf[vlen - 1] = '\r';
    write_mode(t->path, buf, vlen, 0600);
    expect_refused(t->path, NULL);

    /* a large file is refused without reading it all */
    char *big = malloc(100000);
    memset(big, 'A', 100000);
    write_mode(t->path, big, 100000, 0600);
    free(big);
    expect_refused(t->path, NULL);
}

static void test_keyfile_not_regular(void **state) {
    tdir *t = *state;
    assert_int_equal(mkdir(t->path, 0700), 0);
    expect_refused(t->path, "not a regular file");
    assert_int_equal(rmdir(t->path), 0);

    /* a FIFO must not hang start-up */
    assert_int_equal(mkfifo(t->path, 0600), 0);
    expect_refused(t->path, "not a regular file");
    assert_int_equal(unlink(t->path), 0);

    /* a dangling symlink: neither followed into creation nor replaced */
    char target[4200];
    snprintf(target, sizeof target, "%s/elsewhere", t->dir);
    assert_int_equal(symlink(target, t->path), 0);
    expect_refused(t->path, NULL);
    assert_int_equal(access(target, F_OK), -1);
    struct stat st;
    assert_int_equal(lstat(t->path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(unlink(t->path), 0);

    /* a symlink to a proper key file is followed (container secret mounts) */
    write_mode(target, VALID_KEY, strlen(VALID_KEY), 0600);
    assert_int_equal(symlink(target, t->path), 0);
    auth_keys k;
    char err[256];
    assert_int_equal(auth_keys_load_or_create(t->path, &k, NULL, err, sizeof err), 0);
    /* … but the target's mode still counts */
    assert_int_equal(chmod(target, 0644), 0);
    expect_refused(t->path, "mode");
}

static void test_keyfile_unreadable(void **state) {
    tdir *t = *state;
    auth_keys k;
    char err[256] = "";
    char path[4200];
    snprintf(path, sizeof path, "%s/missing/instance.key", t->dir);
    assert_int_equal(auth_keys_load_or_create(path, &k, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot create key file"));
    assert_int_equal(auth_keys_load_or_create(NULL, &k, NULL, err, sizeof err), -1);
    assert_int_equal(auth_keys_load_or_create("", &k, NULL, err, sizeof err), -1);
    if (geteuid() != 0) { /* root reads anything */
        write_mode(t->path, VALID_KEY, strlen(VALID_KEY), 0200);
        expect_refused(t->path, "cannot read");
    }
}

/* ---------- sealing ---------- */

static void keys_of(unsigned char seed, auth_keys *k) {
    unsigned char master[32];
    memset(master, seed, sizeof master);
    auth_keys_from_master(master, k);
}

static void test_seal_roundtrip(void **state) {
    (void)state;
    auth_keys k;
    keys_of(1, &k);
    const unsigned char secret[] = "xoxb-\0binary\xff";
    char *b1 = NULL, *b2 = NULL;
    assert_int_equal(auth_seal(&k, "app1/slack", secret, sizeof secret, &b1), 0);
    assert_int_equal(auth_seal(&k, "app1/slack", secret, sizeof secret, &b2), 0);
    assert_string_not_equal(b1, b2); /* random nonce */
    assert_int_equal(strspn(b1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), strlen(b1));
    unsigned char *plain = NULL;
    size_t len = 0;
    assert_int_equal(auth_unseal(&k, "app1/slack", b1, &plain, &len), 0);
    assert_int_equal(len, sizeof secret);
    assert_memory_equal(plain, secret, len);
    assert_int_equal(plain[len], 0);
    sodium_memzero(plain, len);
    free(plain);

    char *e = NULL; /* empty secret */
    assert_int_equal(auth_seal(&k, "a/b", NULL, 0, &e), 0);
    assert_int_equal(auth_unseal(&k, "a/b", e, &plain, &len), 0);
    assert_int_equal(len, 0);
    assert_string_equal((char *)plain, "");
    free(plain);
    free(e);
    free(b1);
    free(b2);
}

static void test_seal_refusals(void **state) {
    (void)state;
    auth_keys k, other;
    keys_of(1, &k);
    keys_of(2, &other);
    const unsigned char secret[] = "hunter2-hunter2";
    char *b = NULL;
    assert_int_equal(auth_seal(&k, "app1/db", secret, sizeof secret - 1, &b), 0);
    unsigned char *plain = (unsigned char *)"sentinel";
    size_t len = 99;

    /* wrong place, wrong key */
    assert_int_equal(auth_unseal(&k, "app2/db", b, &plain, &len), -1);
    assert_null(plain);
    assert_int_equal(len, 0);
    assert_int_equal(auth_unseal(&k, "app1/db2", b, &plain, &len), -1);
    assert_int_equal(auth_unseal(&k, "", b, &plain, &len), -1);
    assert_int_equal(auth_unseal(&other, "app1/db", b, &plain, &len), -1);

    /* tampering with any byte: version, nonce, ciphertext, tag */
    size_t blen = strlen(b);
    unsigned char bin[256];
    size_t binlen;
    assert_int_equal(sodium_base642bin(bin, sizeof bin, b, blen, NULL, &binlen, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
    for (size_t i = 0; i < binlen; i++) {
        bin[i] ^= 0x01;
        char t[512];
        sodium_bin2base64(t, sizeof t, bin, binlen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        assert_int_equal(auth_unseal(&k, "app1/db", t, &plain, &len), -1);
        bin[i] ^= 0x01;
    }
    /* truncated, extended, junk, NULLs */
    char *cut = strndup(b, blen - 1);
    assert_int_equal(auth_unseal(&k, "app1/db", cut, &plain, &len), -1);
    free(cut);
    char ext[512];
    snprintf(ext, sizeof ext, "%sAA", b);
    assert_int_equal(auth_unseal(&k, "app1/db", ext, &plain, &len), -1);
    assert_int_equal(auth_unseal(&k, "app1/db", "", &plain, &len), -1);
    assert_int_equal(auth_unseal(&k, "app1/db", "not base64!", &plain, &len), -1);
    assert_int_equal(auth_unseal(&k, "app1/db", "AQ", &plain, &len), -1);
    assert_int_equal(auth_unseal(&k, NULL, b, &plain, &len), -1);
    assert_int_equal(auth_unseal(NULL, "app1/db", b, &plain, &len), -1);
    assert_int_equal(auth_unseal(&k, "app1/db", NULL, &plain, &len), -1);
    assert_int_equal(auth_unseal(&k, "app1/db", b, &plain, &len), 0); /* the original still opens */
    free(plain);
    free(b);

    char *o = (char *)"sentinel";
    assert_int_equal(auth_seal(&k, NULL, secret, 3, &o), -1);
    assert_null(o);
    assert_int_equal(auth_seal(NULL, "a", secret, 3, &o), -1);
    assert_int_equal(auth_seal(&k, "a", NULL, 3, &o), -1);
    assert_int_equal(auth_seal(&k, "a", secret, AUTH_SEAL_MAX_BYTES + 1, &o), -1);
    assert_null(o);
}

static void test_seal_max(void **state) {
    (void)state;
    auth_keys k;
    keys_of(3, &k);
    unsigned char *big = calloc(1, AUTH_SEAL_MAX_BYTES);
    char *b = NULL;
    assert_int_equal(auth_seal(&k, "x", big, AUTH_SEAL_MAX_BYTES, &b), 0);
    unsigned char *plain;
    size_t len;
    assert_int_equal(auth_unseal(&k, "x", b, &plain, &len), 0);
    assert_int_equal(len, AUTH_SEAL_MAX_BYTES);
    free(plain);
    free(b);
    free(big);
}

/* ---------- passwords ---------- */

static int cheap_argon(void **state) {
    (void)state;
    auth_password_set_cost(crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN);
    return 0;
}

static void test_password_hash_verify(void **state) {
    (void)state;
    char *h = NULL, *h2 = NULL, err[256] = "";
    assert_int_equal(auth_password_hash("correct horse battery", &h, err, sizeof err), 0);
    assert_non_null(h);
    assert_int_equal(strncmp(h, "$argon2id$", 10), 0);
    assert_true(auth_password_verify(h, "correct horse battery"));
    assert_false(auth_password_verify(h, "correct horse batterY"));
    assert_false(auth_password_verify(h, "correct horse battery "));
    assert_false(auth_password_verify(h, ""));
    assert_false(auth_password_verify(h, NULL));
    assert_false(auth_password_verify(NULL, "correct horse battery"));
    assert_false(auth_password_verify("", "correct horse battery"));
    assert_false(auth_password_verify("$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "correct horse battery"));

    /* salted: the same password hashes differently */
    assert_int_equal(auth_password_hash("correct horse battery", &h2, err, sizeof err), 0);
    assert_string_not_equal(h, h2);
    assert_true(auth_password_verify(h2, "correct horse battery"));
    free(h);
    free(h2);
}

static void test_password_limits(void **state) {
    (void)state;
    char *h = (char *)"sentinel", err[256] = "";
    char pw[AUTH_PASSWORD_MAX + 2];
    memset(pw, 'p', sizeof pw);

    pw[AUTH_PASSWORD_MIN - 1] = '\0';
    assert_int_equal(auth_password_hash(pw, &h, err, sizeof err), -1);
    assert_null(h);
    assert_non_null(strstr(err, "too short"));
    assert_int_equal(auth_password_hash("", &h, err, sizeof err), -1);
    assert_int_equal(auth_password_hash(NULL, &h, err, sizeof err), -1);

    pw[AUTH_PASSWORD_MIN - 1] = 'p';
    pw[AUTH_PASSWORD_MIN] = '\0';
    assert_int_equal(auth_password_hash(pw, &h, err, sizeof err), 0);
    assert_true(auth_password_verify(h, pw));
    free(h);

    memset(pw, 'p', sizeof pw);
    pw[AUTH_PASSWORD_MAX] = '\0';
    assert_int_equal(auth_password_hash(pw, &h, err, sizeof err), 0);
    assert_true(auth_password_verify(h, pw));
    pw[AUTH_PASSWORD_MAX] = 'p';
    pw[AUTH_PASSWORD_MAX + 1] = '\0';
    assert_false(auth_password_verify(h, pw)); /* too long never verifies */
    free(h);
    assert_int_equal(auth_password_hash(pw, &h, err, sizeof err), -1);
    assert_non_null(strstr(err, "too long"));
    assert_null(h);
}

static void test_password_rehash_and_dummy(void **state) {
    (void)state;
    char *h = NULL, err[256];
    assert_int_equal(auth_password_hash("a long enough password", &h, err, sizeof err), 0);
    assert_false(auth_password_needs_rehash(h));
    auth_password_set_cost(crypto_pwhash_argon2id_OPSLIMIT_MIN + 1, crypto_pwhash_argon2id_MEMLIMIT_MIN);
    assert_true(auth_password_needs_rehash(h));
    assert_true(auth_password_verify(h, "a long enough password")); /* still verifies */
    cheap_argon(NULL);
    assert_false(auth_password_needs_rehash(h));
    assert_true(auth_password_needs_rehash(NULL));
    assert_true(auth_password_needs_rehash("garbage"));
    assert_true(auth_password_needs_rehash("$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA"));
    free(h);

    /* the dummy verify takes any input without crashing */
    auth_password_dummy_verify("whatever password");
    auth_password_dummy_verify("");
    auth_password_dummy_verify(NULL);
    char big[AUTH_PASSWORD_MAX + 10];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    auth_password_dummy_verify(big);
}

/* ---------- tokens ---------- */

static void test_token_kinds(void **state) {
    (void)state;
    const char *pre[] = {"weirp_", "weirk_", "weirs_"};
    for (int k = 0; k < AUTH_TOK__COUNT; k++) {
        char a[AUTH_TOKEN_MAX], b[AUTH_TOKEN_MAX];
        auth_token_new((auth_token_kind)k, a);
        auth_token_new((auth_token_kind)k, b);
        assert_string_equal(auth_token_prefix((auth_token_kind)k), pre[k]);
        assert_int_equal(strlen(a), AUTH_TOKEN_LEN);
        assert_true(strlen(a) < AUTH_TOKEN_MAX);
        assert_memory_equal(a, pre[k], 6);
        assert_string_not_equal(a, b);
        assert_int_equal(auth_token_kind_of(a), k);
        /* the body carries 256 random bits */
        unsigned char bin[64];
        size_t n = 0;
        assert_int_equal(sodium_base642bin(bin, sizeof bin, a + 6, AUTH_TOKEN_BODY_LEN, NULL, &n, NULL,
                                           sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
        assert_int_equal(n, 32);
    }
    assert_null(auth_token_prefix(AUTH_TOK__COUNT));
    assert_null(auth_token_prefix((auth_token_kind)-1));
}

static void test_token_malformed(void **state) {
    (void)state;
    char t[AUTH_TOKEN_MAX], m[256];
    auth_token_new(AUTH_TOK_PAT, t);
    assert_int_equal(auth_token_kind_of(NULL), -1);
    assert_int_equal(auth_token_kind_of(""), -1);
    assert_int_equal(auth_token_kind_of("weirp_"), -1);
    assert_int_equal(auth_token_kind_of("Bearer"), -1);

    const char *wrong_prefix[] = {"weirx_", "WEIRP_", "weirp-", "wEirp_", "xeirp_"};
    for (size_t i = 0; i < sizeof wrong_prefix / sizeof *wrong_prefix; i++) {
        snprintf(m, sizeof m, "%s%s", wrong_prefix[i], t + 6);
        assert_int_equal(auth_token_kind_of(m), -1);
    }
    snprintf(m, sizeof m, "%.*s", AUTH_TOKEN_LEN - 1, t); /* short */
    assert_int_equal(auth_token_kind_of(m), -1);
    snprintf(m, sizeof m, "%sA", t); /* trailing junk */
    assert_int_equal(auth_token_kind_of(m), -1);
    snprintf(m, sizeof m, "%s\n", t);
    assert_int_equal(auth_token_kind_of(m), -1);
    snprintf(m, sizeof m, " %s", t);
    assert_int_equal(auth_token_kind_of(m), -1);

    const char bad[] = "+/=. \"%\x80";
    for (size_t pos = 6; pos < AUTH_TOKEN_LEN; pos += 7)
        for (size_t i = 0; i < sizeof bad - 1; i++) {
            strcpy(m, t);
            m[pos] = bad[i];
            assert_int_equal(auth_token_kind_of(m), -1);
        }
    /* a typo in the body or the check characters fails the checksum */
    for (size_t pos = 6; pos < AUTH_TOKEN_LEN; pos++) {
        strcpy(m, t);
        m[pos] = m[pos] == 'A' ? 'B' : 'A';
        assert_int_equal(auth_token_kind_of(m), -1);
    }
    /* the kind is bound to the checksum: a PAT relabelled as a key is junk */
    strcpy(m, t);
    m[4] = 'k';
    assert_int_equal(auth_token_kind_of(m), -1);
    assert_int_equal(auth_token_kind_of(t), AUTH_TOK_PAT);
}

static void test_token_hash(void **state) {
    (void)state;
    auth_keys k1, k2;
    keys_of(7, &k1);
    keys_of(8, &k2);
    char t[AUTH_TOKEN_MAX], u[AUTH_TOKEN_MAX];
    auth_token_new(AUTH_TOK_API_KEY, t);
    auth_token_new(AUTH_TOK_API_KEY, u);
    char h1[65], h1b[65], h2[65], hu[65], unkeyed[65];
    auth_token_hash(&k1, t, h1);
    auth_token_hash(&k1, t, h1b);
    auth_token_hash(&k2, t, h2);
    auth_token_hash(&k1, u, hu);
    assert_int_equal(strlen(h1), 64);
    assert_int_equal(strspn(h1, "0123456789abcdef"), 64);
    assert_string_equal(h1, h1b);
    assert_string_not_equal(h1, h2); /* keyed */
    assert_string_not_equal(h1, hu);
    unsigned char raw[32];
    crypto_generichash(raw, 32, (const unsigned char *)t, strlen(t), NULL, 0);
    sodium_bin2hex(unkeyed, sizeof unkeyed, raw, 32);
    assert_string_not_equal(h1, unkeyed);
    assert_null(strstr(h1, t + 6));
    auth_token_hash(NULL, t, h2); /* no keys: no hash */
    assert_string_equal(h2, "");
}

static void test_ct_streq_and_csrf(void **state) {
    (void)state;
    assert_true(auth_ct_streq("abc", "abc"));
    assert_true(auth_ct_streq("", ""));
    assert_false(auth_ct_streq("abc", "abd"));
    assert_false(auth_ct_streq("abc", "ab"));
    assert_false(auth_ct_streq("ab", "abc"));
    assert_false(auth_ct_streq("", "a"));
    assert_false(auth_ct_streq(NULL, "a"));
    assert_false(auth_ct_streq("a", NULL));
    assert_false(auth_ct_streq(NULL, NULL));

    char a[AUTH_TOKEN_MAX], b[AUTH_TOKEN_MAX];
    auth_csrf_new(a);
    auth_csrf_new(b);
    assert_int_equal(strlen(a), AUTH_CSRF_LEN);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), AUTH_CSRF_LEN);
    assert_string_not_equal(a, b);
    assert_int_equal(auth_token_kind_of(a), -1);
}

/* ---------- RBAC ---------- */

#define B(p) PERM_BIT(PERM_##p)

static void test_perm_names(void **state) {
    (void)state;
    for (int p = 0; p < PERM__COUNT; p++) {
        const char *n = perm_name((perm)p);
        assert_non_null(n);
        assert_int_equal(perm_parse(n), p);
        for (int q = 0; q < p; q++) assert_string_not_equal(n, perm_name((perm)q));
    }
    assert_string_equal(perm_name(PERM_OWNER), "owner");
    assert_string_equal(perm_name(PERM_READ_RUN_DATA), "read_run_data");
    assert_string_equal(perm_name(PERM_READ_AUDIT), "read_audit");
    assert_string_equal(perm_name(PERM_INSTANCE_ADMIN), "instance_admin");
    assert_string_equal(perm_name(PERM_MANAGE_USERS), "manage_users");
    assert_null(perm_name(PERM__COUNT));
    assert_null(perm_name((perm)-1));
    assert_int_equal(perm_parse("nope"), -1);
    assert_int_equal(perm_parse(""), -1);
    assert_int_equal(perm_parse("Owner"), -1);
    assert_int_equal(perm_parse("owner "), -1);
    assert_int_equal(perm_parse(NULL), -1);
    assert_true(PERM__COUNT <= 64);
}

static void test_perm_json(void **state) {
    (void)state;
    perm_set s = 0;
    char err[256] = "";
    json_t *a = json_loads("[\"write_boards\", \"read_boards\", \"write_boards\"]", 0, NULL);
    assert_int_equal(perm_set_from_json(a, &s, err, sizeof err), 0);
    assert_int_equal(s, B(READ_BOARDS) | B(WRITE_BOARDS));
    json_decref(a);

    const char *bad[] = {"[\"read_boards\", \"fly\"]", "[1]", "[null]", "[[\"owner\"]]", "{\"owner\": true}",
                         "\"owner\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        a = json_loads(bad[i], JSON_DECODE_ANY, NULL);
        assert_non_null(a);
        s = 12345;
        err[0] = '\0';
        assert_int_equal(perm_set_from_json(a, &s, err, sizeof err), -1);
        assert_int_equal(s, 12345);
        assert_true(strlen(err) > 0);
        json_decref(a);
    }
    assert_int_equal(perm_set_from_json(NULL, &s, err, sizeof err), -1);

    json_t *e = json_array(); /* empty: no permissions */
    assert_int_equal(perm_set_from_json(e, &s, err, sizeof err), 0);
    assert_int_equal(s, 0);
    json_decref(e);

    /* sorted in enum order; round trip of everything */
    json_t *out = perm_set_to_json(B(WRITE_BOARDS) | B(OWNER) | B(MANAGE_USERS) | PERM_BIT(63));
    char *text = json_dumps(out, JSON_COMPACT);
    assert_string_equal(text, "[\"owner\",\"write_boards\",\"manage_users\"]");
    free(text);
    json_decref(out);
    perm_set all = PERM_BIT(PERM__COUNT) - 1;
    out = perm_set_to_json(all);
    assert_int_equal(json_array_size(out), PERM__COUNT);
    assert_int_equal(perm_set_from_json(out, &s, err, sizeof err), 0);
    assert_int_equal(s, all);
    json_decref(out);
}

static void test_perm_expand(void **state) {
    (void)state;
    perm_set app = PERM_BIT(PERM__APP_COUNT) - 1;
    assert_int_equal(perm_expand(B(OWNER)), app);
    assert_int_equal(perm_expand(B(ADMIN)), app & ~B(OWNER));
    assert_int_equal(perm_expand(B(INSTANCE_ADMIN)), B(INSTANCE_ADMIN) | B(CREATE_APPS) | B(MANAGE_USERS));
    assert_int_equal(perm_expand(0), 0);
    /* app and instance levels stay apart */
    assert_false(perm_allows(B(OWNER), PERM_CREATE_APPS));
    assert_false(perm_allows(B(INSTANCE_ADMIN), PERM_READ_APP));
    assert_false(perm_allows(B(CREATE_APPS), PERM_INSTANCE_ADMIN));
    /* write ⇒ read of the same resource, never the reverse */
    const perm pairs[][2] = {
        {PERM_WRITE_APP, PERM_READ_APP},         {PERM_WRITE_MEMBERS, PERM_READ_MEMBERS},
        {PERM_WRITE_ROLES, PERM_READ_ROLES},     {PERM_WRITE_BOARDS, PERM_READ_BOARDS},
        {PERM_WRITE_EVENTS, PERM_READ_EVENTS},   {PERM_WRITE_FILES, PERM_READ_FILES},
        {PERM_WRITE_SECRETS, PERM_LIST_SECRETS}, {PERM_INSTALL_PACKAGES, PERM_READ_PACKAGES},
        {PERM_WRITE_API_KEYS, PERM_READ_API_KEYS}, {PERM_CANCEL_RUNS, PERM_READ_RUNS},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        assert_int_equal(perm_expand(PERM_BIT(pairs[i][0])), PERM_BIT(pairs[i][0]) | PERM_BIT(pairs[i][1]));
        assert_int_equal(perm_expand(PERM_BIT(pairs[i][1])), PERM_BIT(pairs[i][1]));
    }
    /* execute implies no read; reads imply nothing; admin does not imply owner */
    assert_int_equal(perm_expand(B(EXECUTE_BOARDS)), B(EXECUTE_BOARDS));
    assert_int_equal(perm_expand(B(EXECUTE_EVENTS)), B(EXECUTE_EVENTS));
    assert_int_equal(perm_expand(B(READ_RUN_DATA)), B(READ_RUN_DATA));
    assert_int_equal(perm_expand(B(READ_LOGS)), B(READ_LOGS));
    assert_false(perm_allows(B(ADMIN), PERM_OWNER));
    assert_true(perm_allows(B(ADMIN), PERM_WRITE_SECRETS));
    assert_true(perm_allows(B(OWNER), PERM_ADMIN));
    assert_false(perm_allows(B(OWNER), PERM__COUNT));
    /* idempotent on many sets; unknown bits dropped */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 10000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        perm_set e = perm_expand(x);
        assert_int_equal(perm_expand(e), e);
        assert_int_equal(e & ~(PERM_BIT(PERM__COUNT) - 1), 0);
    }
}

static perm_set role(const char *name) {
    const rbac_role_def *r = rbac_default_role(name);
    if (!r) fail_msg("no default role %s", name);
    return r->perms;
}

static void test_default_roles(void **state) {
    (void)state;
    assert_int_equal(rbac_default_role_count, 5);
    assert_null(rbac_default_role("superuser"));
    assert_null(rbac_default_role(NULL));
    perm_set owner = role("owner"), admin = role("admin"), editor = role("editor"), op = role("operator"),
             viewer = role("viewer");

    assert_true(perm_allows(owner, PERM_OWNER));
    assert_true(perm_allows(owner, PERM_READ_AUDIT));
    assert_false(perm_allows(admin, PERM_OWNER)); /* admin cannot act as owner */
    assert_true(perm_allows(admin, PERM_WRITE_MEMBERS));
    assert_true(perm_allows(admin, PERM_INSTALL_PACKAGES));

    assert_true(perm_allows(editor, PERM_WRITE_BOARDS));
    assert_true(perm_allows(editor, PERM_EXECUTE_EVENTS));
    assert_true(perm_allows(editor, PERM_READ_RUN_DATA));
    assert_true(perm_allows(editor, PERM_LIST_SECRETS));
    assert_false(perm_allows(editor, PERM_WRITE_MEMBERS));
    assert_false(perm_allows(editor, PERM_WRITE_ROLES));
    assert_false(perm_allows(editor, PERM_WRITE_SECRETS));
    assert_false(perm_allows(editor, PERM_INSTALL_PACKAGES));
    assert_false(perm_allows(editor, PERM_WRITE_API_KEYS));
    assert_false(perm_allows(editor, PERM_ADMIN));

    assert_true(perm_allows(op, PERM_EXECUTE_BOARDS));
    assert_true(perm_allows(op, PERM_CANCEL_RUNS));
    assert_true(perm_allows(op, PERM_READ_LOGS));
    assert_false(perm_allows(op, PERM_WRITE_BOARDS)); /* cannot change what runs */
    assert_false(perm_allows(op, PERM_WRITE_EVENTS));
    assert_false(perm_allows(op, PERM_WRITE_FILES));
    assert_false(perm_allows(op, PERM_INSTALL_PACKAGES));
    assert_false(perm_allows(op, PERM_READ_RUN_DATA));

    assert_true(perm_allows(viewer, PERM_READ_BOARDS));
    assert_true(perm_allows(viewer, PERM_READ_RUNS));
    assert_false(perm_allows(viewer, PERM_EXECUTE_BOARDS));
    assert_false(perm_allows(viewer, PERM_EXECUTE_EVENTS));
    assert_false(perm_allows(viewer, PERM_CANCEL_RUNS));
    assert_false(perm_allows(viewer, PERM_READ_RUN_DATA));
    assert_false(perm_allows(viewer, PERM_READ_LOGS));
    assert_false(perm_allows(viewer, PERM_LIST_SECRETS));

    /* exactly the documented table (docs/auth.md); reads listed explicitly */
    const struct { const char *name, *perms; } table[] = {
        {"owner", "[\"owner\"]"},
        {"admin", "[\"admin\"]"},
        {"editor", "[\"read_app\", \"read_members\", \"read_roles\", \"read_boards\", \"write_boards\","
                   " \"execute_boards\", \"read_events\", \"write_events\", \"execute_events\", \"read_runs\","
                   " \"cancel_runs\", \"read_run_data\", \"read_logs\", \"read_files\", \"write_files\","
                   " \"list_secrets\", \"read_packages\"]"},
        {"operator", "[\"read_app\", \"read_boards\", \"read_events\", \"execute_boards\", \"execute_events\","
                     " \"read_runs\", \"cancel_runs\", \"read_logs\"]"},
        {"viewer", "[\"read_app\", \"read_boards\", \"read_events\", \"read_runs\"]"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        json_t *a = json_loads(table[i].perms, 0, NULL);
        perm_set want = 0;
        char err[128];
        assert_int_equal(perm_set_from_json(a, &want, err, sizeof err), 0);
        json_decref(a);
        assert_string_equal(rbac_default_roles[i].name, table[i].name);
        assert_int_equal(rbac_default_roles[i].perms, want);
        if (i >= 2) assert_int_equal(perm_expand(want), want);
    }

    /* nested: viewer ⊆ operator ⊆ editor ⊆ admin ⊆ owner; no app role has instance rights */
    assert_int_equal(perm_expand(viewer) & ~perm_expand(op), 0);
    assert_int_equal(perm_expand(op) & ~perm_expand(editor), 0);
    assert_int_equal(perm_expand(editor) & ~perm_expand(admin), 0);
    assert_int_equal(perm_expand(admin) & ~perm_expand(owner), 0);
    for (size_t i = 0; i < rbac_default_role_count; i++)
        assert_int_equal(perm_expand(rbac_default_roles[i].perms) & ~(PERM_BIT(PERM__APP_COUNT) - 1), 0);
}

static void test_effective_scopes(void **state) {
    (void)state;
    perm_set owner = role("owner"), editor = role("editor"), viewer = role("viewer");
    /* an owner's token scoped read_boards gets exactly read_boards */
    assert_int_equal(rbac_effective(owner, B(READ_BOARDS)), B(READ_BOARDS));
    /* an editor's token scoped admin gains nothing */
    perm_set e = rbac_effective(editor, B(ADMIN));
    assert_int_equal(e, perm_expand(editor));
    assert_false(perm_allows(e, PERM_ADMIN));
    assert_false(perm_allows(e, PERM_WRITE_MEMBERS));
    assert_false(perm_allows(rbac_effective(editor, B(OWNER)), PERM_OWNER));
    assert_false(perm_allows(rbac_effective(viewer, B(WRITE_BOARDS)), PERM_WRITE_BOARDS));
    assert_int_equal(rbac_effective(viewer, B(WRITE_BOARDS)), B(READ_BOARDS)); /* the scope implies read_boards, which the viewer has */
    /* no scopes, no rights */
    assert_int_equal(rbac_effective(owner, 0), 0);
    /* scope write_boards on an editor brings its implied read */
    assert_int_equal(rbac_effective(editor, B(WRITE_BOARDS)), B(WRITE_BOARDS) | B(READ_BOARDS));
    /* owner with admin scope: everything but owner */
    assert_int_equal(rbac_effective(owner, B(ADMIN)), perm_expand(B(ADMIN)));
    /* an instance admin's token scoped create_apps */
    assert_int_equal(rbac_effective(B(INSTANCE_ADMIN), B(CREATE_APPS) | B(READ_APP)), B(CREATE_APPS));
    /* the intersection is already closed: re-expanding adds nothing */
    for (size_t r = 0; r < rbac_default_role_count; r++)
        for (int p = 0; p < PERM__COUNT; p++) {
            perm_set x = rbac_effective(rbac_default_roles[r].perms, PERM_BIT(p));
            assert_int_equal(perm_expand(x), x);
            assert_int_equal(x & ~perm_expand(rbac_default_roles[r].perms), 0);
        }
}

static void test_member_change_rules(void **state) {
    (void)state;
    perm_set owner = role("owner"), admin = role("admin"), editor = role("editor"), viewer = role("viewer"),
             op = role("operator");
    /* allowed: admin changes a viewer to operator, removes an editor */
    assert_null(rbac_check_member_change(&(rbac_change){.actor = admin, .target_perms = viewer, .new_role_perms = op}));
    assert_null(rbac_check_member_change(&(rbac_change){.actor = admin, .removing = true, .target_perms = editor}));
    /* need write_members */
    assert_string_equal(rbac_check_member_change(&(rbac_change){.actor = editor, .new_role_perms = viewer}),
                        "need_write_members");
    assert_string_equal(rbac_check_member_change(&(rbac_change){.actor = 0, .removing = true}), "need_write_members");
    assert_string_equal(rbac_check_member_change(NULL), "need_write_members");
    assert_null(rbac_check_member_change(&(rbac_change){.actor = B(WRITE_MEMBERS)}));
    /* nobody changes or removes themselves */
    assert_string_equal(rbac_check_member_change(&(rbac_change){.actor = admin, .actor_is_target = true,
                                                                .new_role_perms = viewer}),
                        "self_change");
    assert_string_equal(rbac_check_member_change(&(rbac_change){.actor = owner, .actor_is_target = true,
                                                                .target_is_owner = true, .removing = true}),
                        "self_change");
    /* only the owner touches the owner */
    assert_string_equal(rbac_check_member_change(&(rbac_change){.actor = admin, .target_is_owner = true,
                                                                .new_role_perms = viewer}),
                        "owner_protected");
    assert_string_equal(rbac_check_member_change(&(rbac_change){.actor = admin, .target_is_owner = true,
                                                                .removing = true}),
                        "owner_protected");
    /* only the owner gives the owner role (transfer) */
    assert_string_equal(rbac_check_member_change(&(rbac_change){.actor = admin, .new_role_is_owner = true,
                                                                .target_perms = editor, .new_role_perms = owner}),
                        "owner_grant_requires_owner");
    assert_null(rbac_check_member_change(&(rbac_change){.actor = owner, .new_role_is_owner = true,
                                                        .target_perms = admin, .new_role_perms = owner}));
    /* a token scoped below owner cannot transfer ownership */
    assert_string_equal(rbac_check_member_change(&(rbac_change){.actor = rbac_effective(owner, B(ADMIN)),
                                                                .new_role_is_owner = true, .new_role_perms = owner}),
                        "owner_grant_requires_owner");
    /* no escalation: a member manager cannot hand out or take away more than they hold */
    perm_set mgr = B(WRITE_MEMBERS) | viewer;
    assert_null(rbac_check_member_change(&(rbac_change){.actor = mgr, .target_perms = viewer, .new_role_perms = viewer}));
    assert_string_equal(rbac_check_member_change(&(rbac_change){.actor = mgr, .target_perms = viewer,
                                                                .new_role_perms = admin}),
                        "escalation");
    assert_string_equal(rbac_check_member_change(&(rbac_change){.actor = mgr, .target_perms = admin,
                                                                .new_role_perms = viewer}),
                        "escalation");
    assert_string_equal(rbac_check_member_change(&(rbac_change){.actor = mgr, .removing = true, .target_perms = editor}),
                        "escalation");
    /* when removing, the (meaningless) new role is not looked at */
    assert_null(rbac_check_member_change(&(rbac_change){.actor = mgr, .removing = true, .new_role_is_owner = true,
                                                        .target_perms = viewer, .new_role_perms = owner}));
}

static void test_role_edit_rules(void **state) {
    (void)state;
    perm_set owner = role("owner"), admin = role("admin"), editor = role("editor");
    assert_null(rbac_check_role_edit(admin, false, false, B(READ_BOARDS) | B(WRITE_SECRETS)));
    assert_null(rbac_check_role_edit(owner, false, false, B(ADMIN)));
    assert_null(rbac_check_role_edit(admin, false, false, 0));
    assert_string_equal(rbac_check_role_edit(editor, false, false, B(READ_BOARDS)), "need_write_roles");
    assert_string_equal(rbac_check_role_edit(0, false, false, 0), "need_write_roles");
    assert_string_equal(rbac_check_role_edit(admin, true, true, owner), "owner_role_protected");
    assert_string_equal(rbac_check_role_edit(owner, true, true, owner), "owner_role_protected");
    assert_string_equal(rbac_check_role_edit(admin, false, true, editor), "builtin_role_frozen");
    assert_string_equal(rbac_check_role_edit(owner, false, true, editor), "builtin_role_frozen");
    assert_string_equal(rbac_check_role_edit(owner, false, false, B(OWNER)), "owner_in_custom_role");
    assert_string_equal(rbac_check_role_edit(owner, false, false, B(READ_APP) | B(CREATE_APPS)), "instance_perm_in_role");
    assert_string_equal(rbac_check_role_edit(owner, false, false, PERM_BIT(60)), "instance_perm_in_role");
    /* no escalation: admin cannot make a role with admin? it holds admin, so it may */
    assert_null(rbac_check_role_edit(admin, false, false, B(ADMIN)));
    perm_set roles_mgr = B(WRITE_ROLES) | B(READ_BOARDS);
    assert_null(rbac_check_role_edit(roles_mgr, false, false, B(READ_BOARDS) | B(READ_ROLES)));
    assert_string_equal(rbac_check_role_edit(roles_mgr, false, false, B(WRITE_BOARDS)), "escalation");
    assert_string_equal(rbac_check_role_edit(roles_mgr, false, false, B(ADMIN)), "escalation");
    assert_string_equal(rbac_check_role_edit(editor | B(WRITE_ROLES), false, false, B(WRITE_SECRETS)), "escalation");
}

/* ---------- rate limiting ---------- */

static void test_ratelimit_burst_refill(void **state) {
    (void)state;
    ratelimit *rl = ratelimit_new(1.0, 5, 1000);
    assert_non_null(rl);
    int64_t ra = -1, t0 = S(1000);
    for (int i = 0; i < 5; i++) {
        assert_true(ratelimit_take(rl, "1.2.3.4", t0, &ra));
        assert_int_equal(ra, 0);
    }
    assert_false(ratelimit_take(rl, "1.2.3.4", t0, &ra));
    assert_int_equal(ra, 1);
    assert_false(ratelimit_take(rl, "1.2.3.4", t0 + S(1) / 2, &ra)); /* half a token */
    assert_int_equal(ra, 1);
    assert_true(ratelimit_take(rl, "1.2.3.4", t0 + S(1), &ra));
    assert_false(ratelimit_take(rl, "1.2.3.4", t0 + S(1), NULL));
    /* a long idle refills to burst, not beyond */
    int ok = 0;
    for (int i = 0; i < 20; i++) ok += ratelimit_take(rl, "1.2.3.4", t0 + S(100), NULL);
    assert_int_equal(ok, 5);
    /* the clock going backwards refills nothing */
    assert_false(ratelimit_take(rl, "1.2.3.4", t0, &ra));
    assert_false(ratelimit_take(rl, "1.2.3.4", t0 + S(100), &ra));
    /* keys are independent */
    assert_true(ratelimit_take(rl, "5.6.7.8", t0 + S(100), &ra));
    assert_true(ratelimit_take(rl, "", t0 + S(100), &ra));
    /* NULL key is refused */
    assert_false(ratelimit_take(rl, NULL, t0, &ra));
    assert_true(ra >= 1);
    ratelimit_free(rl);

    /* slow limiters report long retry-after */
    rl = ratelimit_new(0.1, 1, 10);
    assert_true(ratelimit_take(rl, "k", t0, &ra));
    assert_false(ratelimit_take(rl, "k", t0, &ra));
    assert_int_equal(ra, 10);
    assert_false(ratelimit_take(rl, "k", t0 + S(5), &ra));
    assert_int_equal(ra, 5);
    ratelimit_free(rl);

    /* invalid settings */
    assert_null(ratelimit_new(0, 5, 10));
    assert_null(ratelimit_new(-1, 5, 10));
    assert_null(ratelimit_new(1, 0.5, 10));
    assert_null(ratelimit_new(1, 5, 0));
    assert_null(ratelimit_new(INFINITY, 5, 10));
    ratelimit_free(NULL);
}

static void test_ratelimit_bounded(void **state) {
    (void)state;
    const size_t max = 1000;
    ratelimit *rl = ratelimit_new(1e-6, 3, max);
    char key[64];
    int64_t now = S(1);
    /* a hot key, exhausted */
    for (int i = 0; i < 3; i++) assert_true(ratelimit_take(rl, "hot", now, NULL));
    assert_false(ratelimit_take(rl, "hot", now, NULL));
    /* 100k distinct keys pass; the table never exceeds max; the hot key,
     * used all along, is not forgotten (its bucket would come back full) */
    for (int i = 0; i < 100000; i++) {
        snprintf(key, sizeof key, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        assert_true(ratelimit_take(rl, key, ++now, NULL));
        if (i % 10 == 0) assert_false(ratelimit_take(rl, "hot", ++now, NULL));
        if (i % 10000 == 0) assert_true(ratelimit_keys(rl) <= max);
    }
    assert_true(ratelimit_keys(rl) <= max);
    assert_true(ratelimit_keys(rl) >= max / 2);
    ratelimit_free(rl);

    /* a table of one key */
    rl = ratelimit_new(1e-6, 1, 1);
    assert_true(ratelimit_take(rl, "a", now, NULL));
    assert_true(ratelimit_take(rl, "b", now, NULL));
    assert_int_equal(ratelimit_keys(rl), 1);
    ratelimit_free(rl);
}

#define THREADS     4
#define TAKES       50000
#define SHARED_KEYS 64
#define BURST       100

typedef struct hammer {
    ratelimit *rl;
    int64_t allowed_shared, allowed_own;
    int id;
} hammer;

static void *hammer_run(void *arg) {
    hammer *h = arg;
    char key[32];
    for (int i = 0; i < TAKES; i++) {
        snprintf(key, sizeof key, "shared-%d", i % SHARED_KEYS);
        if (ratelimit_take(h->rl, key, S(5), NULL)) h->allowed_shared++;
        snprintf(key, sizeof key, "own-%d-%d", h->id, i % 7);
        if (ratelimit_take(h->rl, key, S(5), NULL)) h->allowed_own++;
    }
    return NULL;
}

static void test_ratelimit_threads(void **state) {
    (void)state;
    ratelimit *rl = ratelimit_new(1.0, BURST, 100000);
    pthread_t th[THREADS];
    hammer h[THREADS];
    for (int i = 0; i < THREADS; i++) {
        h[i] = (hammer){.rl = rl, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
    }
    int64_t shared = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        shared += h[i].allowed_shared;
        assert_int_equal(h[i].allowed_own, 7 * BURST); /* each thread's own keys: exactly their bursts */
    }
    assert_int_equal(shared, SHARED_KEYS * BURST); /* no token taken twice, none lost */
    assert_int_equal(ratelimit_keys(rl), SHARED_KEYS + THREADS * 7);
    ratelimit_free(rl);
}

/* ---------- login backoff ---------- */

static void test_backoff_schedule(void **state) {
    (void)state;
    for (int n = 0; n < AUTH_BACKOFF_FREE_FAILURES; n++) assert_int_equal(auth_backoff_delay_s(n), 0);
    assert_int_equal(auth_backoff_delay_s(5), 1);
    assert_int_equal(auth_backoff_delay_s(6), 2);
    assert_int_equal(auth_backoff_delay_s(7), 4);
    assert_int_equal(auth_backoff_delay_s(14), 512);
    assert_int_equal(auth_backoff_delay_s(15), AUTH_BACKOFF_MAX_S);
    assert_int_equal(auth_backoff_delay_s(1000000), AUTH_BACKOFF_MAX_S);
    assert_int_equal(AUTH_BACKOFF_MAX_S, 900);

    auth_backoff *b = auth_backoff_new(100);
    int64_t t = S(50000);
    for (int i = 0; i < 4; i++) {
        auth_backoff_fail(b, "alice@example.com", t);
        assert_int_equal(auth_backoff_wait_s(b, "alice@example.com", t), 0);
    }
    auth_backoff_fail(b, "alice@example.com", t); /* 5th */
    assert_int_equal(auth_backoff_wait_s(b, "alice@example.com", t), 1);
    assert_int_equal(auth_backoff_wait_s(b, "alice@example.com", t + S(1) - 1), 1);
    assert_int_equal(auth_backoff_wait_s(b, "alice@example.com", t + S(1)), 0);
    t += S(1);
    auth_backoff_fail(b, "alice@example.com", t); /* 6th: 2 s */
    assert_int_equal(auth_backoff_wait_s(b, "alice@example.com", t), 2);
    assert_int_equal(auth_backoff_wait_s(b, "alice@example.com", t + S(1) + S(1) / 2), 1);
    for (int i = 0; i < 20; i++) auth_backoff_fail(b, "alice@example.com", t);
    assert_int_equal(auth_backoff_wait_s(b, "alice@example.com", t), AUTH_BACKOFF_MAX_S);
    assert_int_equal(auth_backoff_wait_s(b, "alice@example.com", t + S(AUTH_BACKOFF_MAX_S)), 0);
    /* other keys are untouched; unknown keys wait 0 */
    assert_int_equal(auth_backoff_wait_s(b, "bob@example.com", t), 0);
    assert_int_equal(auth_backoff_wait_s(b, "ip:1.2.3.4", t), 0);
    /* failures long ago are forgotten: the next failure counts as the first */
    int64_t later = t + S(AUTH_BACKOFF_FORGET_S);
    assert_int_equal(auth_backoff_wait_s(b, "alice@example.com", later), 0);
    auth_backoff_fail(b, "alice@example.com", later);
    assert_int_equal(auth_backoff_wait_s(b, "alice@example.com", later), 0);
    /* a success resets */
    for (int i = 0; i < 8; i++) auth_backoff_fail(b, "alice@example.com", later);
    assert_true(auth_backoff_wait_s(b, "alice@example.com", later) > 0);
    auth_backoff_reset(b, "alice@example.com");
    assert_int_equal(auth_backoff_wait_s(b, "alice@example.com", later), 0);
    auth_backoff_reset(b, "never-seen");
    /* NULLs: fail closed for a NULL table or key */
    assert_int_equal(auth_backoff_wait_s(NULL, "x", t), AUTH_BACKOFF_MAX_S);
    assert_int_equal(auth_backoff_wait_s(b, NULL, t), AUTH_BACKOFF_MAX_S);
    auth_backoff_fail(b, NULL, t);
    auth_backoff_free(b);
    auth_backoff_free(NULL);
    assert_null(auth_backoff_new(0));
}

static void test_backoff_bounded(void **state) {
    (void)state;
    auth_backoff *b = auth_backoff_new(500);
    int64_t t = S(1);
    for (int i = 0; i < 10; i++) auth_backoff_fail(b, "victim@example.com", t);
    int64_t w = auth_backoff_wait_s(b, "victim@example.com", t);
    assert_true(w > 0);
    char key[64];
    for (int i = 0; i < 100000; i++) {
        snprintf(key, sizeof key, "user%d@example.com", i);
        auth_backoff_fail(b, key, ++t);
        if (i % 10 == 0) auth_backoff_fail(b, "victim@example.com", ++t); /* still under attack */
    }
    assert_true(auth_backoff_wait_s(b, "victim@example.com", t) >= w);
    auth_backoff_free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keyfile_created_0600, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_keyfile_existing_loaded, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_keyfile_mode_refused, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_keyfile_format_refused, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_keyfile_not_regular, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_keyfile_unreadable, setup_dir, teardown_dir),
        cmocka_unit_test(test_seal_roundtrip),
        cmocka_unit_test(test_seal_refusals),
        cmocka_unit_test(test_seal_max),
        cmocka_unit_test_setup(test_password_hash_verify, cheap_argon),
        cmocka_unit_test_setup(test_password_limits, cheap_argon),
        cmocka_unit_test_setup(test_password_rehash_and_dummy, cheap_argon),
        cmocka_unit_test(test_token_kinds),
        cmocka_unit_test(test_token_malformed),
        cmocka_unit_test(test_token_hash),
        cmocka_unit_test(test_ct_streq_and_csrf),
        cmocka_unit_test(test_perm_names),
        cmocka_unit_test(test_perm_json),
        cmocka_unit_test(test_perm_expand),
        cmocka_unit_test(test_default_roles),
        cmocka_unit_test(test_effective_scopes),
        cmocka_unit_test(test_member_change_rules),
        cmocka_unit_test(test_role_edit_rules),
        cmocka_unit_test(test_ratelimit_burst_refill),
        cmocka_unit_test(test_ratelimit_bounded),
        cmocka_unit_test(test_ratelimit_threads),
        cmocka_unit_test(test_backoff_schedule),
        cmocka_unit_test(test_backoff_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
