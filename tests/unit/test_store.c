/*
 * test_store.c — the store layer: statement helpers, the failed-statement
 * rule, the background checkpointer that keeps the WAL bounded, and the
 * gathered WAL writes.
 */
#include "store/checkpoint.h"
#include "store/store.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct tmpdb {
	char dir[32];
	char path[64];
	struct store st;
};

static void tmp_open(struct tmpdb *t)
{
	char err[256];
	snprintf(t->dir, sizeof t->dir, "/tmp/max-store-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(t->dir));
	snprintf(t->path, sizeof t->path, "%s/s.db", t->dir);
	CU_ASSERT_EQUAL_FATAL(store_open(&t->st, t->path, 1000, err, sizeof err), 0);
	store_defer_checkpoints(&t->st);
	CU_ASSERT_EQUAL_FATAL(store_exec(&t->st, "CREATE TABLE t (k INTEGER, v BLOB)", 0, NULL), 0);
}

static void tmp_close(struct tmpdb *t)
{
	char cmd[96];
	store_close(&t->st);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static long long wal_bytes(const struct tmpdb *t)
{
	char wal[80];
	struct stat sb;
	snprintf(wal, sizeof wal, "%s-wal", t->path);
	return stat(wal, &sb) == 0 ? (long long)sb.st_size : 0;
}

static void insert_rows(struct store *st, int n, int bytes)
{
	for (int i = 0; i < n; i++) {
		store_q *q = store_sql(st, "INSERT INTO t (k, v) VALUES (?1, zeroblob(?2))");
		CU_ASSERT_PTR_NOT_NULL_FATAL(q);
		store_bind_int(q, 1, i);
		store_bind_int(q, 2, bytes);
		CU_ASSERT_EQUAL(store_run(q), 0);
	}
}

static void test_step_helpers(void)
{
	struct tmpdb t;
	tmp_open(&t);
	insert_rows(&t.st, 3, 10);
	store_q *q = store_sql(&t.st, "SELECT k FROM t WHERE k = ?1");
	store_bind_int(q, 1, 2);
	CU_ASSERT_EQUAL(store_one(q), 1);
	CU_ASSERT_EQUAL(store_int(q, 0), 2);
	store_reset(q);
	q = store_sql(&t.st, "SELECT k FROM t WHERE k = ?1");
	store_bind_int(q, 1, 99);
	CU_ASSERT_EQUAL(store_one(q), 0);
	int n = 0, rc;
	q = store_sql(&t.st, "SELECT k FROM t ORDER BY k");
	while ((rc = store_step(q)) == STORE_ROW)
		n++;
	CU_ASSERT_EQUAL(rc, STORE_DONE);
	CU_ASSERT_EQUAL(n, 3);
	tmp_close(&t);
}

/* A statement that fails inside a transaction fails the transaction, even
 * when its caller never looks at the result: the commit refuses. */
static void test_failed_step_fails_commit(void)
{
	struct tmpdb t;
	tmp_open(&t);
	CU_ASSERT_EQUAL_FATAL(store_begin(&t.st), 0);
	insert_rows(&t.st, 1, 10);
	store_q *q =
		store_sql(&t.st, "INSERT INTO t (k, v) VALUES (abs(-9223372036854775807 - 1), 1)");
	CU_ASSERT_EQUAL(store_run(q), -1); /* integer overflow: a runtime error */
	CU_ASSERT(store_failed(&t.st));
	CU_ASSERT_EQUAL(store_commit(&t.st), -1);
	q = store_sql(&t.st, "SELECT count(*) FROM t");
	CU_ASSERT_EQUAL(store_one(q), 1);
	CU_ASSERT_EQUAL(store_int(q, 0), 0); /* the good insert was rolled back too */
	store_reset(q);
	/* the next transaction starts clean */
	CU_ASSERT_EQUAL(store_begin(&t.st), 0);
	CU_ASSERT(!store_failed(&t.st));
	insert_rows(&t.st, 1, 10);
	CU_ASSERT_EQUAL(store_commit(&t.st), 0);
	tmp_close(&t);
}

/* The keys of t as another connection sees them, ascending, in one number
 * (1 and 4 give 14): what is committed, not what the batch holds. */
static long long committed_keys(const struct tmpdb *t)
{
	struct store r;
	char err[256];
	long long keys = -1;
	if (store_open(&r, t->path, 1000, err, sizeof err) < 0)
		return keys;
	store_q *q = store_sql(&r, "SELECT k FROM t ORDER BY k");
	keys = 0;
	while (store_step(q) == STORE_ROW)
		keys = keys * 10 + store_int(q, 0);
	store_close(&r);
	return keys;
}

static void insert_key(struct store *st, int k)
{
	store_q *q = store_sql(st, "INSERT INTO t (k, v) VALUES (?1, 1)");
	store_bind_int(q, 1, k);
	CU_ASSERT_EQUAL(store_run(q), 0);
}

/* A request that inserts key k and commits. */
static void request_inserting(struct store *st, int k)
{
	CU_ASSERT_EQUAL(store_begin(st), 0);
	insert_key(st, k);
	CU_ASSERT_EQUAL(store_commit(st), 0);
}

/* Group commit: inside a batch each request is all or nothing on its own
 * (a failed statement or a rollback undoes that request alone), and
 * nothing is seen by others before the batch commits. */
static void test_batch_keeps_each_request(void)
{
	struct tmpdb t;
	tmp_open(&t);
	CU_ASSERT_EQUAL_FATAL(store_batch_begin(&t.st), 0);
	request_inserting(&t.st, 1);
	CU_ASSERT_EQUAL(store_begin(&t.st), 0);
	insert_key(&t.st, 2);
	store_q *q =
		store_sql(&t.st, "INSERT INTO t (k, v) VALUES (abs(-9223372036854775807 - 1), 1)");
	CU_ASSERT_EQUAL(store_run(q), -1);
	CU_ASSERT_EQUAL(store_commit(&t.st), -1);
	CU_ASSERT_EQUAL(store_begin(&t.st), 0);
	CU_ASSERT(!store_failed(&t.st)); /* the next request starts clean */
	insert_key(&t.st, 3);
	store_rollback(&t.st);
	CU_ASSERT_EQUAL(store_begin_read(&t.st), 0);
	insert_key(&t.st, 4);
	CU_ASSERT_EQUAL(store_commit(&t.st), 0);
	CU_ASSERT_EQUAL(committed_keys(&t), 0);
	CU_ASSERT_EQUAL(store_batch_end(&t.st, 1), 0);
	CU_ASSERT_EQUAL(committed_keys(&t), 14);
	/* after the batch, transactions are plain again */
	request_inserting(&t.st, 5);
	CU_ASSERT_EQUAL(committed_keys(&t), 145);
	tmp_close(&t);
}

/* A batch ended without commit keeps nothing; one whose transaction SQLite
 * ended by itself (here a ROLLBACK behind the store's back, as after an
 * I/O error) refuses its next request and reports the loss, instead of
 * letting savepoints run as transactions of their own. */
static void test_batch_lost(void)
{
	struct tmpdb t;
	tmp_open(&t);
	CU_ASSERT_EQUAL_FATAL(store_batch_begin(&t.st), 0);
	request_inserting(&t.st, 1);
	CU_ASSERT_EQUAL(store_batch_end(&t.st, 0), -1);
	CU_ASSERT_EQUAL(committed_keys(&t), 0);

	CU_ASSERT_EQUAL_FATAL(store_batch_begin(&t.st), 0);
	request_inserting(&t.st, 2);
	CU_ASSERT_EQUAL(store_exec(&t.st, "ROLLBACK", 0, NULL), 0);
	CU_ASSERT_EQUAL(store_begin(&t.st), -1);
	CU_ASSERT_EQUAL(store_batch_end(&t.st, 1), -1);
	CU_ASSERT_EQUAL(committed_keys(&t), 0);
	request_inserting(&t.st, 3);
	CU_ASSERT_EQUAL(committed_keys(&t), 3);
	tmp_close(&t);
}

static const struct store_ckpt_conf small = {.interval_ms = 1, .reset_pages = 64, .wait_ms = 5};

/* Past reset_pages a round copies everything; the reset, which cuts the
 * WAL to nothing, waits for the next commit (no checkpoint starts on a
 * wholly copied WAL: SQLite's WAL-reset race, checkpoint.c). */
static void test_round_truncates(void)
{
	struct tmpdb t;
	tmp_open(&t);
	insert_rows(&t.st, 200, 4000);
	CU_ASSERT(wal_bytes(&t) > 64 * 4096);
	CU_ASSERT_EQUAL(store_checkpoint_round(&t.st, &small), 0);
	CU_ASSERT_EQUAL(store_checkpoint_round(&t.st, &small), 0);
	CU_ASSERT(wal_bytes(&t) > 64 * 4096); /* no commit yet */
	insert_rows(&t.st, 1, 10);
	CU_ASSERT_EQUAL(store_checkpoint_round(&t.st, &small), 0);
	CU_ASSERT_EQUAL(wal_bytes(&t), 0);
	tmp_close(&t);
}

/* A reader holding old frames makes the reset wait at most wait_ms and
 * give up; once the reader is done, the next round resets. */
static void test_round_waits_for_reader(void)
{
	struct tmpdb t, r;
	char err[256];
	tmp_open(&t);
	insert_rows(&t.st, 10, 4000);
	memcpy(&r, &t, sizeof r.dir + sizeof r.path);
	CU_ASSERT_EQUAL_FATAL(store_open(&r.st, t.path, 1000, err, sizeof err), 0);
	CU_ASSERT_EQUAL(store_begin_read(&r.st), 0);
	store_q *q = store_sql(&r.st, "SELECT count(*) FROM t");
	CU_ASSERT_EQUAL(store_one(q), 1);
	insert_rows(&t.st, 200, 4000);
	CU_ASSERT(store_checkpoint_round(&t.st, &small) > 0);
	CU_ASSERT(wal_bytes(&t) > 0);
	store_reset(q);
	store_rollback(&r.st);
	CU_ASSERT_EQUAL(store_checkpoint_round(&t.st, &small), 0); /* copies the rest */
	insert_rows(&t.st, 1, 10);
	CU_ASSERT_EQUAL(store_checkpoint_round(&t.st, &small), 0);
	CU_ASSERT_EQUAL(wal_bytes(&t), 0);
	store_close(&r.st);
	tmp_close(&t);
}

/* The WAL header's two salts, which a restart of the WAL changes. */
static void wal_salts(const struct tmpdb *t, unsigned char salts[8])
{
	char wal[80];
	snprintf(wal, sizeof wal, "%s-wal", t->path);
	memset(salts, 0, 8);
	FILE *f = fopen(wal, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fseek(f, 16, SEEK_SET), 0);
	CU_ASSERT_EQUAL(fread(salts, 1, 8, f), 8);
	fclose(f);
}

/* A round that copied the whole WAL leaves it for the next commit to
 * append to: had that commit restarted it, it would have synced the new
 * header while its request waited (the pin, checkpoint.c). Another
 * connection reads every commit, and the next round copies the new one. */
static void test_round_keeps_wal_for_next_commit(void)
{
	struct tmpdb t, r;
	char err[256];
	unsigned char before[8], after[8];
	tmp_open(&t);
	insert_rows(&t.st, 5, 100);
	CU_ASSERT_EQUAL(store_checkpoint_round(&t.st, &small), 0);
	wal_salts(&t, before);
	long long bytes = wal_bytes(&t);
	insert_rows(&t.st, 1, 100);
	wal_salts(&t, after);
	CU_ASSERT_EQUAL(memcmp(before, after, sizeof before), 0);
	CU_ASSERT(wal_bytes(&t) > bytes);
	CU_ASSERT_EQUAL(store_checkpoint_round(&t.st, &small), 0);
	memcpy(&r, &t, sizeof r.dir + sizeof r.path);
	CU_ASSERT_EQUAL_FATAL(store_open(&r.st, t.path, 1000, err, sizeof err), 0);
	store_q *q = store_sql(&r.st, "SELECT count(*) FROM t");
	CU_ASSERT_EQUAL(store_one(q), 1);
	CU_ASSERT_EQUAL(store_int(q, 0), 6);
	store_reset(q);
	store_close(&r.st);
	tmp_close(&t);
}

/* The thread: writes with readers in between; the WAL ends up reset
 * without anyone else checkpointing, and store_idle leaves it alone. */
static void test_thread_keeps_wal_bounded(void)
{
	struct tmpdb t;
	tmp_open(&t);
	CU_ASSERT_EQUAL_FATAL(store_checkpointer_start(t.path, &small), 0);
	CU_ASSERT(store_checkpointer_active());
	CU_ASSERT_EQUAL(store_checkpointer_start(t.path, &small), 0); /* once per process */
	for (int round = 0; round < 20; round++) {
		insert_rows(&t.st, 50, 4000);
		CU_ASSERT_EQUAL(store_begin_read(&t.st), 0);
		store_q *q = store_sql(&t.st, "SELECT count(*) FROM t");
		CU_ASSERT_EQUAL(store_one(q), 1);
		store_rollback(&t.st);
	}
	/* 20 rounds wrote ~4 MB; left alone the WAL would hold all of it. The
	 * checkpointer restarts it whenever it passes reset_pages (64 pages)
	 * and cuts the file once it passes twice that, at a commit after its
	 * copy (as a server's next write), so the file soon stays under twice
	 * the limit plus what one round (~55 pages) adds. */
	long long left = -1, bound = (2 * 64 + 64) * (4096 + 24);
	for (int i = 0; i < 2000 && !(left >= 0 && left < bound); i++) { /* up to 10 s */
		struct timespec d = {0, 5000000};
		nanosleep(&d, NULL);
		if (i % 10 == 9)
			insert_rows(&t.st, 1, 10);
		left = wal_bytes(&t);
	}
	CU_ASSERT(left >= 0 && left < bound);
	store_checkpointer_stop();
	CU_ASSERT(!store_checkpointer_active());
	tmp_close(&t);
}

static long long count_bytes(struct store *st, long long *bytes)
{
	store_q *q = store_sql(st, "SELECT count(*), IFNULL(sum(length(v)), 0) FROM t");
	if (!q || store_one(q) != 1)
		return -1;
	long long n = store_int(q, 0);
	*bytes = store_int(q, 1);
	store_reset(q);
	return n;
}

/* The live store gathers WAL writes (bulkfile.c): another connection must
 * still see every commit the moment it returns, whether the transaction
 * fits the 64 KiB buffer or spills over it several times. */
static void test_wal_commits_visible(void)
{
	static const int sizes[] = {10, 3000, 60000, 150000, 1, 70000};
	struct tmpdb t, r;
	char err[256];
	tmp_open(&t);
	memcpy(&r, &t, sizeof r.dir + sizeof r.path);
	CU_ASSERT_EQUAL_FATAL(store_open(&r.st, t.path, 1000, err, sizeof err), 0);
	long long want = 0, bytes = -1;
	for (int round = 0; round < 20; round++) {
		int n = sizes[round % 6];
		insert_rows(&t.st, 1, n);
		want += n;
		CU_ASSERT_EQUAL(count_bytes(&r.st, &bytes), round + 1);
		CU_ASSERT_EQUAL(bytes, want);
	}
	/* several rows in one transaction: visible all at once, at COMMIT */
	CU_ASSERT_EQUAL(store_begin(&t.st), 0);
	insert_rows(&t.st, 5, 30000);
	CU_ASSERT_EQUAL(count_bytes(&r.st, &bytes), 20);
	CU_ASSERT_EQUAL(store_commit(&t.st), 0);
	CU_ASSERT_EQUAL(count_bytes(&r.st, &bytes), 25);
	CU_ASSERT_EQUAL(bytes, want + 5 * 30000);
	store_close(&r.st);
	tmp_close(&t);
}

/* A process that dies without closing (kill -9 after its answer) keeps
 * every transaction it committed; the one it had open is gone, and the
 * database checks out. */
static void test_wal_exit_keeps_commits(void)
{
	struct tmpdb t;
	char err[256];
	tmp_open(&t);
	fflush(NULL);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct store c;
		if (store_open(&c, t.path, 1000, err, sizeof err) != 0)
			_exit(2);
		insert_rows(&c, 30, 3000);
		if (store_begin(&c) != 0)
			_exit(3);
		insert_rows(&c, 3, 20000); /* buffered, never committed */
		_exit(0);
	}
	int status = -1;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	long long bytes = -1;
	CU_ASSERT_EQUAL(count_bytes(&t.st, &bytes), 30);
	CU_ASSERT_EQUAL(bytes, 30 * 3000);
	store_q *q = store_sql(&t.st, "PRAGMA integrity_check");
	CU_ASSERT_EQUAL_FATAL(store_one(q), 1);
	CU_ASSERT_STRING_EQUAL(store_text(q, 0), "ok");
	store_reset(q);
	tmp_close(&t);
}

/* On the real schema the full-text index has automerge off (so posts
 * never merge on their own clock) and a merge step runs. */
static void test_fts_merge_step(void)
{
	struct tmpdb t;
	char err[256];
	tmp_open(&t);
	CU_ASSERT_EQUAL_FATAL(store_migrate(&t.st, err, sizeof err), 0);
	store_q *q = store_sql(&t.st, "SELECT v FROM stream_fts_config WHERE k = 'automerge'");
	CU_ASSERT_EQUAL_FATAL(store_one(q), 1);
	CU_ASSERT_EQUAL(store_int(q, 0), 0);
	store_reset(q);
	for (int i = 0; i < 200; i++) {
		q = store_sql(&t.st, "INSERT INTO stream_text (activity_id, text) VALUES (?1, ?2)");
		char id[32];
		snprintf(id, sizeof id, "a%d", i);
		store_bind_text(q, 1, id);
		store_bind_text(q, 2, "some words to index");
		CU_ASSERT_EQUAL(store_run(q), 0);
	}
	CU_ASSERT_EQUAL(store_fts_merge_step(&t.st, 64), 0);
	q = store_sql(&t.st, "SELECT count(*) FROM stream_fts WHERE stream_fts MATCH 'words'");
	CU_ASSERT_EQUAL(store_one(q), 1);
	CU_ASSERT_EQUAL(store_int(q, 0), 200);
	store_reset(q);
	tmp_close(&t);
}

/* A step that finds the write lock taken says so, apart from one that
 * did its work: the checkpointer tries again at its next round after the
 * first, instead of waiting a quarter second as when there is nothing to
 * merge. */
static void test_fts_merge_step_busy(void)
{
	struct tmpdb t;
	struct store other;
	char err[256];
	tmp_open(&t);
	CU_ASSERT_EQUAL_FATAL(store_migrate(&t.st, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(store_open(&other, t.path, 1000, err, sizeof err), 0);
	t.st.busy_timeout_ms = 20;
	CU_ASSERT_EQUAL_FATAL(store_begin(&other), 0);
	CU_ASSERT_EQUAL(store_fts_merge_step(&t.st, 32), STORE_FTS_MERGE_BUSY);
	CU_ASSERT_EQUAL(store_commit(&other), 0);
	CU_ASSERT_EQUAL(store_fts_merge_step(&t.st, 32), 0);
	store_close(&other);
	tmp_close(&t);
}

static long long fts_segments(struct store *st)
{
	store_q *q = store_sql(st, "SELECT count(DISTINCT segid) FROM stream_fts_idx");
	long long n = q && store_one(q) == 1 ? store_int(q, 0) : -1;
	if (n >= 0)
		store_reset(q);
	return n;
}

/* The thread merges a backlog of full-text segments step after step, not
 * one step per quarter second: 300 posts' segments of ~1,000 bytes each
 * (FTS5's own crisis merge pushed out of reach) take a dozen 32-leaf
 * steps, and nobody else writes meanwhile. */
static void test_thread_merges_backlog(void)
{
	struct tmpdb t;
	char err[256];
	tmp_open(&t);
	CU_ASSERT_EQUAL_FATAL(store_migrate(&t.st, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(store_exec(&t.st,
					 "INSERT INTO stream_fts (stream_fts, rank)"
					 " VALUES ('crisismerge', 5000)",
					 0, NULL),
			      0);
	for (int i = 0; i < 300; i++) {
		char text[2048];
		size_t len = 0;
		for (int w = 0; w < 100 && len + 16 < sizeof text; w++)
			len += (size_t)snprintf(text + len, sizeof text - len, "w%dx%d ", i, w);
		store_q *q = store_sql(&t.st, "INSERT INTO stream_fts (rowid, text, terms) VALUES "
					      "(?1, ?2, '')");
		store_bind_int(q, 1, i + 1);
		store_bind_text(q, 2, text);
		CU_ASSERT_EQUAL(store_run(q), 0);
	}
	CU_ASSERT_EQUAL_FATAL(fts_segments(&t.st), 300);
	CU_ASSERT_EQUAL_FATAL(store_checkpointer_start(t.path, &small), 0);
	long long left = 300;
	for (int i = 0; i < 1000 && left > 1; i++) { /* up to 5 s */
		struct timespec d = {0, 5000000};
		nanosleep(&d, NULL);
		left = fts_segments(&t.st);
	}
	store_checkpointer_stop();
	CU_ASSERT_EQUAL(left, 1);
	store_q *q = store_sql(&t.st,
			       "SELECT count(*) FROM stream_fts WHERE stream_fts MATCH 'w150x99'");
	CU_ASSERT_EQUAL(store_one(q), 1);
	CU_ASSERT_EQUAL(store_int(q, 0), 1);
	store_reset(q);
	tmp_close(&t);
}

UNIT_SUITE(store, NULL, NULL)
{
	UNIT_TEST(s, test_step_helpers);
	UNIT_TEST(s, test_failed_step_fails_commit);
	UNIT_TEST(s, test_batch_keeps_each_request);
	UNIT_TEST(s, test_batch_lost);
	UNIT_TEST(s, test_round_truncates);
	UNIT_TEST(s, test_round_waits_for_reader);
	UNIT_TEST(s, test_round_keeps_wal_for_next_commit);
	UNIT_TEST(s, test_thread_keeps_wal_bounded);
	UNIT_TEST(s, test_fts_merge_step);
	UNIT_TEST(s, test_fts_merge_step_busy);
	UNIT_TEST(s, test_thread_merges_backlog);
	UNIT_TEST(s, test_wal_commits_visible);
	UNIT_TEST(s, test_wal_exit_keeps_commits);
}
