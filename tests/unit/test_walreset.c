/*
 * test_walreset.c — the checkpointer and SQLite's WAL-reset race.
 *
 * SQLite before 3.51.3 (3.50.7 and 3.44.6 carry the fix too) has a race
 * between a checkpoint and a writer that restarts the WAL: a checkpoint
 * that begins while the WAL is wholly copied into the database reads the
 * WAL's length, and if a writer restarts the WAL and commits before the
 * checkpoint reads how much was copied, the checkpoint copies the stale
 * frames past the new ones and records the whole old length as copied.
 * Readers then skip the new frames, and no later checkpoint copies them:
 * committed writes vanish and indexes stop matching their tables.
 * Debian 12 ships 3.40.1, and the checkpointer used to run a pass every
 * few milliseconds whatever the WAL held, which made the race frequent.
 *
 * The test replays SQLite's own regression test for it (walrestart.test)
 * against store_checkpoint_round(): a test VFS over "max-wal" lets the
 * writer commit inside the window, which opens when the checkpoint drops
 * its memory map after reading a changed WAL header. The checkpointer
 * must not start a checkpoint there at all, and the data must survive.
 */
#include "store/bulkfile.h"
#include "store/checkpoint.h"
#include "store/store.h"
#include "unit.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a VFS whose main database files call hook() when the map is dropped -- */

static sqlite3_vfs race_vfs, *race_inner;
static sqlite3_io_methods race_io;
static int (*inner_unfetch)(sqlite3_file *, sqlite3_int64, void *);
static void (*hook)(void); /* armed: called once, then cleared */
static int hook_calls;

static int race_unfetch(sqlite3_file *f, sqlite3_int64 off, void *page)
{
	if (off == 0 && !page && hook) {
		void (*fn)(void) = hook;
		hook = NULL;
		hook_calls++;
		fn();
	}
	return inner_unfetch(f, off, page);
}

static int race_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	int rc = race_inner->xOpen(race_inner, name, f, flags, out);
	if (rc == SQLITE_OK && (flags & SQLITE_OPEN_MAIN_DB) && f->pMethods &&
	    f->pMethods->iVersion >= 3) {
		if (!inner_unfetch) {
			race_io = *f->pMethods;
			inner_unfetch = race_io.xUnfetch;
			race_io.xUnfetch = race_unfetch;
		}
		f->pMethods = &race_io;
	}
	return rc;
}

static const char *race_vfs_name(void)
{
	if (!race_inner) {
		race_inner = sqlite3_vfs_find(store_wal_vfs());
		race_vfs = *race_inner;
		race_vfs.zName = "max-wal-race-test";
		race_vfs.pNext = NULL;
		race_vfs.xOpen = race_open;
		sqlite3_vfs_register(&race_vfs, 0);
	}
	return race_vfs.zName;
}

/* ---- the replay ---------------------------------------------------------- */

static struct store writer;

static void run(struct store *st, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "test_walreset: %s: %s\n", sql, msg ? msg : "?");
	sqlite3_free(msg);
	CU_ASSERT_EQUAL(rc, SQLITE_OK);
}

/* Rows 1-4 get generation 2: a short transaction, which restarts the WAL
 * when it was wholly copied. */
static int short_updates;

static void short_update(void)
{
	short_updates++;
	run(&writer, "UPDATE t SET b = printf('%0600d', a * 10 + 2) WHERE a < 5");
}

static const char *first_text(const char *path, const char *sql)
{
	static char out[64];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	snprintf(out, sizeof out, "(error)");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

static void test_no_checkpoint_races_a_reset(void)
{
	static const struct store_ckpt_conf conf = {.interval_ms = 1,
						    .reset_pages = 100000,
						    .wait_ms = 5};
	char dir[] = "/tmp/max-walreset-XXXXXX", path[64], err[256];
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/r.db", dir);
	struct store ckpt;
	CU_ASSERT_EQUAL_FATAL(store_open(&writer, path, 1000, err, sizeof err), 0);
	store_defer_checkpoints(&writer);
	CU_ASSERT_EQUAL_FATAL(store_open_vfs(&ckpt, path, race_vfs_name(), 1000, err, sizeof err),
			      0);
	store_defer_checkpoints(&ckpt);
	CU_ASSERT(store_checkpoint_round(&ckpt, &conf) >= 0); /* as a checkpointer starts */

	/* 20 rows of ~600 bytes and an index on them, copied */
	run(&writer, "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)");
	run(&writer, "WITH s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20) "
		     "INSERT INTO t SELECT i, printf('%0600d', i * 10) FROM s");
	run(&writer, "CREATE INDEX t_b ON t (b)");
	CU_ASSERT_EQUAL(store_checkpoint_round(&ckpt, &conf), 0);
	/* every row rewritten (the WAL restarts), copied again: the WAL is
	 * long and wholly copied */
	run(&writer, "UPDATE t SET b = printf('%0600d', a * 10 + 1)");
	CU_ASSERT_EQUAL(store_checkpoint_round(&ckpt, &conf), 0);

	/* the window: a round now, with a short commit the moment a
	 * checkpoint would have read the WAL's length */
	hook_calls = short_updates = 0;
	hook = short_update;
	CU_ASSERT(store_checkpoint_round(&ckpt, &conf) >= 0);
	CU_ASSERT_EQUAL(hook_calls, 0); /* no checkpoint began on a copied WAL */
	hook = NULL;
	if (!short_updates) /* the round left the WAL alone: the commit comes after it */
		short_update();
	/* then a long transaction grows the new WAL past the old length */
	run(&writer, "UPDATE t SET b = printf('%0600d', a * 10 + 3) WHERE a >= 5");
	run(&writer, "UPDATE t SET b = b WHERE a >= 5");
	for (int i = 0; i < 3; i++)
		CU_ASSERT(store_checkpoint_round(&ckpt, &conf) >= 0);

	/* every committed row, as a fresh connection reads it */
	CU_ASSERT_STRING_EQUAL(first_text(path, "PRAGMA integrity_check"), "ok");
	CU_ASSERT_STRING_EQUAL(first_text(path, "SELECT count(*) FROM t WHERE "
						"CAST(b AS INTEGER) = a * 10 + (CASE WHEN a < 5 "
						"THEN 2 ELSE 3 END)"),
			       "20");
	CU_ASSERT_STRING_EQUAL(first_text(path, "SELECT count(*) FROM t INDEXED BY t_b "
						"WHERE b > ''"),
			       "20");
	store_close(&ckpt);
	store_close(&writer);
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

UNIT_SUITE(walreset, NULL, NULL)
{
	UNIT_TEST(s, test_no_checkpoint_races_a_reset);
}
