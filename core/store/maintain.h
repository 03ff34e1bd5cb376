/*
 * maintain.h — what only SQLite can do for an operator: its own integrity
 * and foreign-key checks, an online copy of the live database, checking a
 * copy and putting it back, and the size of the files. maxctl calls them;
 * nothing here is SQL from outside.
 */
#ifndef MAX_STORE_MAINTAIN_H
#define MAX_STORE_MAINTAIN_H

#include "store/store.h"

/* A problem found by a check: the check's name and its row as
 * "column=value" pairs separated by spaces. */
typedef void (*store_problem_fn)(void *arg, const char *check, const char *row);

/* How deep the check goes. QUICK: PRAGMA quick_check — every page of
 * every table and index is read and its structure verified (cells,
 * free space, page links, each page used once, NOT NULL and CHECK
 * constraints), but index entries are not matched against their table
 * rows; seconds on a 1 GB database. FULL: PRAGMA integrity_check, which
 * also looks every row up in every index (several times longer). */
enum store_check { STORE_CHECK_QUICK, STORE_CHECK_FULL };

/* quick_check or integrity_check (as depth says; the check's name is
 * the one reported), then foreign_key_check: fn per problem row.
 * Returns the number of problems, or -1 (err filled) when a check could
 * not run. */
int store_check_integrity(struct store *st, enum store_check depth, store_problem_fn fn, void *arg,
			  char *err, size_t errlen);

/* Copies the live database into file with the backup API in one step:
 * one read transaction, so the copy is the state of a single moment
 * (every transaction committed before it began, none after) however many
 * other processes write meanwhile; in WAL mode they are not held up. (A
 * copy in several steps would restart each time another connection
 * writes, and might never end under load.) The live file is read through
 * a memory map and the copy written in 64 KiB runs. The copy goes to file.tmp,
 * becomes a self-contained file (no -wal beside it), is synced and
 * renamed into place. Refuses the live database itself.
 * Returns the number of pages copied, or -1 with err filled. */
int store_backup(struct store *st, const char *file, char *err, size_t errlen);

/* The sizes in bytes of the database file and of its -wal (0 when there
 * is none). 0, or -1 when the database file cannot be read. */
int store_file_sizes(struct store *st, long long *db_bytes, long long *wal_bytes);

/* Opens file read-only (never creating it) and runs the full checks of
 * store_check_integrity on it (integrity_check: a copy about to be
 * restored gets the thorough one); *version is its schema version. Returns
 * the number of problems, or -1 with err filled when it is no database. */
int store_check_file(const char *file, int *version, store_problem_fn fn, void *arg, char *err,
		     size_t errlen);

/* Replaces the database at live by a copy of file, atomically: the copy
 * is written beside live, synced, the old -wal and -shm are removed (they
 * belong to the old file: SQLite would replay them into the new one) and
 * the copy is renamed over live. Nobody may have live open meanwhile (the
 * caller checks; SQLite cannot tell). 0, or -1 with err filled; on
 * failure live is left as it was. */
int store_restore(const char *live, const char *file, char *err, size_t errlen);

#endif
