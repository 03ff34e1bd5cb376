/*
 * maintain.c — integrity checks and online backup. See maintain.h.
 *
 * The two PRAGMAs are fixed texts prepared here (not through the
 * statement cache: maxctl runs them once); no outside input reaches them.
 */
#include "store/maintain.h"
#include "util/buf.h"

#include <sqlite3.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs a PRAGMA whose only good answer is the single row "ok" (or no row
 * at all); reports every other row. The number of problems, or -1. */
static int pragma_report(struct store *st, const char *sql, const char *what,
			 store_problem_fn fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(st->db));
		return -1;
	}
	int problems = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int cols = sqlite3_column_count(s);
		const char *first = (const char *)sqlite3_column_text(s, 0);
		if (cols == 1 && first && !strcmp(first, "ok"))
			continue;
		problems++;
		struct buf row;
		buf_init(&row);
		for (int i = 0; i < cols; i++) {
			const char *v = (const char *)sqlite3_column_text(s, i);
			buf_printf(&row, "%s%s=%s", i ? " " : "", sqlite3_column_name(s, i),
				   v ? v : "NULL");
		}
		fn(arg, what, row.data ? row.data : "");
		buf_free(&row);
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(st->db));
		problems = -1;
	}
	sqlite3_finalize(s);
	return problems;
}

int store_check_integrity(struct store *st, store_problem_fn fn, void *arg, char *err,
			  size_t errlen)
{
	int a = pragma_report(st, "PRAGMA integrity_check", "integrity_check", fn, arg, err,
			      errlen);
	if (a < 0)
		return -1;
	int b = pragma_report(st, "PRAGMA foreign_key_check", "foreign_key_check", fn, arg, err,
			      errlen);
	return b < 0 ? -1 : a + b;
}

/* Steps the backup to its end; SQLITE_DONE or the failing code. */
static int backup_copy(sqlite3 *dst, struct store *st, int *pages)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", st->db, "main");
	if (!b)
		return sqlite3_errcode(dst);
	int rc;
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	*pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	return rc;
}

static int is_live(struct store *st, const char *file)
{
	struct stat a, b;
	const char *live = sqlite3_db_filename(st->db, "main");
	return live && stat(live, &a) == 0 && stat(file, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Backs up into tmp: the page count, or -1 with err filled. */
static int backup_into(struct store *st, const char *tmp, char *err, size_t errlen)
{
	sqlite3 *dst = NULL;
	int pages = 0;
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, dst ? sqlite3_errmsg(dst) : "cannot open");
		sqlite3_close(dst);
		return -1;
	}
	int rc = backup_copy(dst, st, &pages);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "backup: %s", sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -1;
	}
	/* a self-contained file: no -wal beside it */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "backup: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(err, errlen, "backup: cannot close %s", tmp);
		return -1;
	}
	return pages;
}

int store_backup(struct store *st, const char *file, char *err, size_t errlen)
{
	if (is_live(st, file)) {
		snprintf(err, errlen, "%s is the live database", file);
		return -1;
	}
	size_t n = strlen(file) + 8;
	char *tmp = xmalloc(n);
	snprintf(tmp, n, "%s.tmp", file);
	unlink(tmp);
	int pages = backup_into(st, tmp, err, errlen);
	if (pages >= 0 && rename(tmp, file) < 0) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		pages = -1;
	}
	if (pages < 0)
		unlink(tmp);
	free(tmp);
	return pages;
}
