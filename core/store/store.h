/*
 * store.h — the SQLite store: one connection per process.
 *
 * Opening sets WAL, synchronous=NORMAL, foreign_keys=ON and a busy timeout.
 * Statements are prepared once per connection and cached by their SQL text
 * (pass string literals); store_stmt() hands back a reset statement with
 * cleared bindings. Writes run inside store_begin() (BEGIN IMMEDIATE) …
 * store_commit()/store_rollback(); the HTTP layer wraps every handler so
 * handlers never open transactions themselves.
 */
#ifndef MAX_STORE_H
#define MAX_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <time.h>

struct store {
	sqlite3 *db;
	struct store_slot {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[512];
	int in_tx;
	int busy_timeout_ms;
	int wal_pages;              /* WAL size after the last commit */
	struct timespec busy_since; /* first try of the current wait */
};

/* The migrations compiled in from schema/NNN_*.sql (build/schema.c). */
struct store_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct store_migration store_migrations[];
extern const int store_migrations_count;

/* Opens (creating when missing) and applies the pragmas; does not migrate.
 * Returns 0 or -1 with a message in err. */
int store_open(struct store *st, const char *path, int busy_timeout_ms, char *err, size_t errlen);
void store_close(struct store *st);
/* Brings the schema to the newest version; idempotent. */
int store_migrate(struct store *st, char *err, size_t errlen);
/* PRAGMA user_version, and the newest version compiled in. */
int store_version(struct store *st);
int store_latest_version(void);

/* A cached, reset statement for sql, or NULL (logged) on a prepare error. */
sqlite3_stmt *store_stmt(struct store *st, const char *sql);

/* WAL pages after which store_idle() checkpoints (SQLite's default). */
#define STORE_CHECKPOINT_PAGES 1000
/* Servers: commits stop checkpointing inside COMMIT (which delays the
 * request that happens to cross the threshold); the program calls
 * store_idle() between requests instead, after the answer went out. */
void store_defer_checkpoints(struct store *st);
/* Checkpoints (PASSIVE) when the WAL has grown past the threshold. */
void store_idle(struct store *st);

int store_begin(struct store *st);      /* BEGIN IMMEDIATE */
int store_begin_read(struct store *st); /* BEGIN (deferred): a consistent snapshot */
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* Runs a statement without result rows; binds text parameters (NULL ok).
 * Returns SQLITE_DONE-equivalent 0, or -1. */
int store_exec(struct store *st, const char *sql, int nargs, const char *const *args);
/* Changes made by the last statement. */
int store_changes(struct store *st);

/* Convenience binders: bind a C string (NULL binds SQL NULL). */
void store_bind_text(sqlite3_stmt *s, int i, const char *v);

#endif
