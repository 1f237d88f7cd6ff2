/* schema.h — weir's database schema, as versioned migrations.
 *
 * Migration N moves a database from schema version N-1 to N. Applied migrations
 * are never edited: a change is a new entry at the end. Each entry is a list of
 * statements in the portable subset of db.h; both backends run the same text.
 *
 * Conventions: ids are TEXT made by ids.h (time-ordered, so ORDER BY id is
 * creation order and cursors are plain ids); times are BIGINT microseconds
 * since the epoch; JSON documents are TEXT; booleans are BIGINT 0/1. */
#ifndef WEIR_SCHEMA_H
#define WEIR_SCHEMA_H

typedef struct db_migration {
    int version;
    const char *name;
    const char *const *statements;  /* NULL-terminated */
} db_migration;

extern const db_migration db_migrations[];
extern const int db_migration_count;

#endif
