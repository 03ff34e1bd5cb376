/*
 * maintain.c — integrity checks, online backup and restore, file sizes.
 * See maintain.h.
 *
 * The PRAGMAs are fixed texts prepared here (not through the statement
 * cache: maxctl runs them once); no outside input reaches them.
 *
 * Both the checks and the backup read the whole file. With SQLite's
 * default page cache (2 MB) integrity_check, which looks every row up in
 * every index, read each page about twenty times from the kernel (a
 * million pread calls for a 220 MB database: most of its system time).
 * So for those passes the file is memory-mapped (wide_reads), and the
 * backup's target is written through the write-gathering VFS of
 * bulkfile.h.
 */
#include "store/maintain.h"
#include "store/bulkfile.h"
#include "util/buf.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs a PRAGMA whose only good answer is the single row "ok" (or no row
 * at all); reports every other row. The number of problems, or -1. */
static int pragma_report(sqlite3 *db, const char *sql, const char *what, store_problem_fn fn,
			 void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
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
		snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
		problems = -1;
	}
	sqlite3_finalize(s);
	return problems;
}

/* A PRAGMA's integer answer, or def when it has none. */
static long long pragma_int(sqlite3 *db, const char *sql, long long def)
{
	sqlite3_stmt *s = NULL;
	long long v = def;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The connection's read settings, to put back after a whole-file pass. */
struct reads {
	long long mmap, cache;
};

/* Pages read through a map of the file (the size is clamped to what the
 * library allows, 2 GB in Debian's build; pages beyond it and those in
 * the WAL go through a 64 MB cache). A failure leaves the settings as
 * they were: slower, not wrong. */
static void wide_reads(sqlite3 *db, struct reads *saved)
{
	saved->mmap = pragma_int(db, "PRAGMA mmap_size", 0);
	saved->cache = pragma_int(db, "PRAGMA cache_size", -2000);
	sqlite3_exec(db, "PRAGMA mmap_size=1099511627776; PRAGMA cache_size=-65536", NULL, NULL,
		     NULL);
}

static void narrow_reads(sqlite3 *db, const struct reads *saved)
{
	char sql[96]; /* two integers read from the connection itself */
	snprintf(sql, sizeof sql, "PRAGMA mmap_size=%lld; PRAGMA cache_size=%lld", saved->mmap,
		 saved->cache);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static int check_db(sqlite3 *db, enum store_check depth, store_problem_fn fn, void *arg, char *err,
		    size_t errlen)
{
	struct reads saved;
	wide_reads(db, &saved);
	int a = depth == STORE_CHECK_FULL ? pragma_report(db, "PRAGMA integrity_check",
							  "integrity_check", fn, arg, err, errlen)
					  : pragma_report(db, "PRAGMA quick_check", "quick_check",
							  fn, arg, err, errlen);
	int b = a < 0 ? -1
		      : pragma_report(db, "PRAGMA foreign_key_check", "foreign_key_check", fn, arg,
				      err, errlen);
	narrow_reads(db, &saved);
	return a < 0 || b < 0 ? -1 : a + b;
}

int store_check_integrity(struct store *st, enum store_check depth, store_problem_fn fn, void *arg,
			  char *err, size_t errlen)
{
	return check_db(st->db, depth, fn, arg, err, errlen);
}

/* Copies src into dst in a single step (one read transaction on src: a
 * consistent snapshot); retried while a lock is briefly held. SQLITE_DONE
 * or the failing code. */
static int backup_copy(sqlite3 *dst, sqlite3 *src, int *pages)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b)
		return sqlite3_errcode(dst);
	int rc, tries = 0;
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while ((rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++tries < 500);
	*pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	return rc;
}

/* fsync of the folder holding path, so that a rename in it is durable. */
static void sync_parent(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

static int is_live(struct store *st, const char *file)
{
	struct stat a, b;
	const char *live = sqlite3_db_filename(st->db, "main");
	return live && stat(live, &a) == 0 && stat(file, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* The new file tmp, opened for a backup: through the write-gathering
 * VFS, without rollback journal or syncs while the pages go in (it is a
 * temporary file: a copy that fails half-way is deleted, not repaired).
 * NULL with err filled. */
static sqlite3 *open_target(const char *tmp, char *err, size_t errlen)
{
	sqlite3 *dst = NULL;
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    store_bulk_vfs()) != SQLITE_OK ||
	    sqlite3_exec(dst, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL,
			 NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, dst ? sqlite3_errmsg(dst) : "cannot open");
		sqlite3_close(dst);
		return NULL;
	}
	return dst;
}

/* fsync of the file at path: 0, or -1. */
static int sync_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Makes the copy self-contained and durable, and closes it: the copied
 * header says WAL, so SQLite reopens it in WAL mode; journal_mode=DELETE
 * writes that back (no -wal beside the copy). 0, or -1 with err filled. */
static int finish_target(sqlite3 *dst, const char *tmp, char *err, size_t errlen)
{
	if (sqlite3_exec(dst, "PRAGMA synchronous=FULL; PRAGMA journal_mode=DELETE", NULL, NULL,
			 NULL) != SQLITE_OK) {
		snprintf(err, errlen, "backup: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	if (sqlite3_close(dst) != SQLITE_OK || sync_file(tmp) < 0) {
		snprintf(err, errlen, "backup: cannot close and sync %s", tmp);
		return -1;
	}
	return 0;
}

/* Copies src into the new file tmp (self-contained, synced): the page
 * count, or -1 with err filled. */
static int backup_into(sqlite3 *src, const char *tmp, char *err, size_t errlen)
{
	sqlite3 *dst = open_target(tmp, err, errlen);
	if (!dst)
		return -1;
	struct reads saved;
	wide_reads(src, &saved);
	int pages = 0, rc = backup_copy(dst, src, &pages);
	narrow_reads(src, &saved);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "backup: %s", sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -1;
	}
	return finish_target(dst, tmp, err, errlen) < 0 ? -1 : pages;
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
	int pages = backup_into(st->db, tmp, err, errlen);
	if (pages >= 0 && rename(tmp, file) < 0) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		pages = -1;
	}
	if (pages >= 0)
		sync_parent(file);
	if (pages < 0)
		unlink(tmp);
	free(tmp);
	return pages;
}

static long long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

int store_file_sizes(struct store *st, long long *db_bytes, long long *wal_bytes)
{
	const char *live = sqlite3_db_filename(st->db, "main");
	if (!live || !*live)
		return -1;
	*db_bytes = file_size(live);
	size_t n = strlen(live) + 5;
	char *wal = xmalloc(n);
	snprintf(wal, n, "%s-wal", live);
	*wal_bytes = file_size(wal);
	free(wal);
	if (*wal_bytes < 0)
		*wal_bytes = 0;
	return *db_bytes < 0 ? -1 : 0;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

int store_check_file(const char *file, int *version, store_problem_fn fn, void *arg, char *err,
		     size_t errlen)
{
	sqlite3 *db = NULL;
	*version = -1;
	if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", file, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return -1;
	}
	int problems = check_db(db, STORE_CHECK_FULL, fn, arg, err, errlen);
	if (problems >= 0)
		*version = user_version(db);
	sqlite3_close(db);
	return problems;
}

/* Opens and closes live, so that SQLite, as its last connection, copies
 * the -wal into the file and removes it. */
static void checkpoint_close(const char *live)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(live, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
		sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	sqlite3_close(db);
}

/* Removes live + suffix; 0, or -1 (err filled) unless it was not there. */
static int remove_beside(const char *live, const char *suffix, char *err, size_t errlen)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s%s", live, suffix) >= (int)sizeof path)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Copies file into tmp (a fresh, synced, self-contained database). */
static int copy_file_db(const char *file, const char *tmp, char *err, size_t errlen)
{
	sqlite3 *src = NULL;
	if (sqlite3_open_v2(file, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", file, src ? sqlite3_errmsg(src) : "cannot open");
		sqlite3_close(src);
		return -1;
	}
	unlink(tmp);
	int pages = backup_into(src, tmp, err, errlen);
	sqlite3_close(src);
	return pages < 0 ? -1 : 0;
}

int store_restore(const char *live, const char *file, char *err, size_t errlen)
{
	size_t n = strlen(live) + 16;
	char *tmp = xmalloc(n);
	snprintf(tmp, n, "%s.restore", live);
	int rc = copy_file_db(file, tmp, err, errlen);
	if (rc == 0) {
		checkpoint_close(live);
		rc = remove_beside(live, "-wal", err, errlen);
	}
	if (rc == 0)
		rc = remove_beside(live, "-shm", err, errlen);
	if (rc == 0 && rename(tmp, live) < 0) {
		snprintf(err, errlen, "%s: %s", live, strerror(errno));
		rc = -1;
	}
	if (rc == 0)
		sync_parent(live);
	else
		unlink(tmp);
	free(tmp);
	return rc;
}
