/* store.h — installed WASM packages: `weir node install`, `list`, `remove`,
 * and opening an installed package for the catalog (docs/node-abi.md,
 * "Installed packages").
 *
 * A data directory DATA holds one directory per package:
 *
 *   DATA/packages/PACKAGE_ID/package.wasm   the module as installed (0600)
 *   DATA/packages/PACKAGE_ID/grants.json    the operator's record (0600):
 *     {"package": id, "version": "…", "sha256": "…", "requested": [caps],
 *      "granted": [caps], "installed_at": RFC 3339}
 *
 * Directories are created 0700; each file is written to a temporary file in
 * the same directory and renamed over the old one. "granted" holds only
 * capabilities the manifest requests (granting more has no effect). The
 * record's sha256 binds the grants to the exact bytes they were given for: a
 * package.wasm whose SHA-256 differs from the record is "changed" and is not
 * opened until it is installed again. */
#ifndef WEIR_SBX_STORE_H
#define WEIR_SBX_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/policy.h"
#include "sandbox/result.h"
#include "sandbox/sandbox.h"

/* What a package's record says. Strings are malloc'd (pkgstore_record_free). */
typedef struct pkgstore_record {
    char *id;
    char *version;          /* "" when the manifest has none */
    char sha256[65];        /* 64 lower-case hex digits */
    unsigned requested;     /* sbx_cap bits */
    unsigned granted;       /* sbx_cap bits, a subset of requested */
    char *installed_at;     /* RFC 3339, UTC */
} pkgstore_record;

void pkgstore_record_free(pkgstore_record *rec);

/* The status of an installed package, as `weir node list` shows it. */
typedef enum pkgstore_status {
    PKGSTORE_OK,             /* "ok" */
    PKGSTORE_CHANGED,        /* "changed": the file no longer matches the record (or either is missing/unreadable) */
    PKGSTORE_MISSING_GRANTS, /* "missing_grants": not every requested capability is granted */
} pkgstore_status;

const char *pkgstore_status_name(pkgstore_status s);

/* True when s is a well-formed package id: [a-z0-9][a-z0-9._-]{0,63}. */
bool pkgstore_valid_id(const char *s);

/* Return codes of the functions below. */
enum {
    PKGSTORE_E_OK = 0,
    PKGSTORE_E_REJECTED = -1,       /* the package failed its checks (*code says which) */
    PKGSTORE_E_NOT_INSTALLED = -2,  /* no such package in the data directory */
    PKGSTORE_E_IO = -3,             /* the file system refused (message in err) */
    PKGSTORE_E_CHANGED = -4,        /* the file does not match its record */
};

/* Check a package (sbx_package_load with pol, NULL: the default policy) and
 * install it into data_dir, replacing an installed package of the same id.
 * `grants` are the operator's sbx_cap bits; grant_all grants exactly what the
 * manifest requests. On success *info is the package described as in
 * pkgstore_list, plus "replaced": whether an older install was replaced, and
 * *missing (when not NULL) the requested capabilities left ungranted.
 * Returns PKGSTORE_E_OK, PKGSTORE_E_REJECTED with *code, or PKGSTORE_E_IO. */
int pkgstore_install(const char *data_dir, const uint8_t *bytes, size_t len, const sbx_policy *pol,
                     unsigned grants, bool grant_all, json_t **info, unsigned *missing, sbx_code *code, char *err,
                     size_t errlen);

/* Every installed package, by id: [{"id", "version", "sha256", "requested",
 * "granted", "installed_at", "nodes": [names], "status"}]. A package
 * directory whose record cannot be read is listed with what is known and
 * status "changed". A data directory without packages gives []. NULL with a
 * message when the packages directory cannot be read. */
json_t *pkgstore_list(const char *data_dir, char *err, size_t errlen);

/* Remove an installed package (its storage data under DATA/storage stays).
 * PKGSTORE_E_OK, PKGSTORE_E_NOT_INSTALLED (also for a malformed id), or
 * PKGSTORE_E_IO. */
int pkgstore_remove(const char *data_dir, const char *id, char *err, size_t errlen);

/* Open an installed package for running: read its record and file, check
 * that the file's SHA-256 is the recorded one, and load it. On
 * PKGSTORE_E_OK *pkg holds a reference (sbx_package_release) and *rec the
 * record (pkgstore_record_free); its granted bits are limited to what the
 * manifest requests. Otherwise PKGSTORE_E_NOT_INSTALLED, PKGSTORE_E_CHANGED,
 * PKGSTORE_E_REJECTED (*code) or PKGSTORE_E_IO, with a message in err. */
int pkgstore_open(const char *data_dir, const char *id, const sbx_policy *pol, sbx_package **pkg,
                  pkgstore_record *rec, sbx_code *code, char *err, size_t errlen);

/* The sbx_cap bits as a JSON array of names, in the order of sbx_cap. */
json_t *pkgstore_caps_json(unsigned caps);

#endif
