/*
 * maintain.h — what only SQLite can do for an operator: its own integrity
 * and foreign-key checks, and an online copy of the live database. maxctl
 * reaches them through model/admin.h; nothing here is SQL from outside.
 */
#ifndef MAX_STORE_MAINTAIN_H
#define MAX_STORE_MAINTAIN_H

#include "store/store.h"

/* A problem found by a check: the check's name and its row as
 * "column=value" pairs separated by spaces. */
typedef void (*store_problem_fn)(void *arg, const char *check, const char *row);

/* PRAGMA integrity_check and foreign_key_check: fn per problem row.
 * Returns the number of problems, or -1 (err filled) when a check could
 * not run. */
int store_check_integrity(struct store *st, store_problem_fn fn, void *arg, char *err,
			  size_t errlen);

/* Copies the live database into file with the backup API, a few hundred
 * pages at a time so writers are only briefly held up: the copy goes to
 * file.tmp, becomes a self-contained file (no -wal beside it) and is
 * renamed into place once complete. Refuses the live database itself.
 * Returns the number of pages copied, or -1 with err filled. */
int store_backup(struct store *st, const char *file, char *err, size_t errlen);

#endif
