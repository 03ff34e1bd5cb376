/*
 * checkpoint.c — the background checkpointer (see checkpoint.h).
 */
#include "store/checkpoint.h"
#include "util/config.h"
#include "util/log.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

struct checkpointer {
	pthread_t thread;
	char *path;
	struct store_ckpt_conf conf;
	volatile int stop;
	int running;
};

static struct checkpointer cp;

int store_checkpointer_active(void)
{
	return cp.running;
}

static void sleep_ms(int ms)
{
	struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&d, NULL);
}

/*
 * SQLite's WAL-reset race. SQLite before 3.51.3 (3.50.7 and 3.44.6 carry
 * the fix too; Debian 12 ships 3.40.1) has a race between a checkpoint and
 * a writer that restarts the WAL. A checkpoint that begins while the WAL
 * is wholly copied reads the WAL's length; if a writer restarts the WAL
 * and commits before the checkpoint reads how much of it was copied, the
 * checkpoint copies stale frames over the new ones and records the old
 * length as copied. Readers then skip the new frames, reading older pages
 * from the database file, and no later checkpoint copies them: committed
 * writes vanish and indexes stop matching their tables. The checkpointer
 * used to run a pass every few milliseconds whatever the WAL held, which
 * made this race common enough to fail CI (a token issued by maxctl
 * unknown to the writer, uploads answered 201 and then 404).
 *
 * So a checkpoint starts only while frames are known to be left to copy:
 * once one left the WAL wholly copied, the next waits for a commit made
 * after it, another connection's (PRAGMA data_version moves) or this
 * one's (the WAL hook counts them). That commit appended frames or
 * restarted the WAL and wrote new ones; either way frames are left, and
 * they stay left until this connection checkpoints, since nobody else
 * does (store_open turns SQLite's automatic checkpoint off, and one
 * thread per database checkpoints). At the start nothing is known, so
 * only this connection's own commits count until a first checkpoint.
 * tests/unit/test_walreset.c replays SQLite's regression test for it.
 */
static int may_copy(struct store *st)
{
	if (!st->ckpt.copied)
		return 1;
	int64_t v = store_data_version(st);
	if (st->ckpt.version < 0)
		st->ckpt.version = v; /* earlier commits may have been copied */
	else if (v != st->ckpt.version)
		return 1;
	return st->commits != st->ckpt.commits;
}

/* A checkpoint in mode, recording whether it left the WAL wholly copied
 * (log <= done: equal, or the race's own mark; after an error it may
 * have, so that counts as copied too). SQLITE_OK, SQLITE_BUSY, or -1 on
 * another error. */
static int checkpoint(struct store *st, int mode, int *log, int *done)
{
	static int race_logged;
	int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, mode, log, done);
	int failed = rc != SQLITE_OK && rc != SQLITE_BUSY;
	/* the race's mark, which this file's rule should make impossible */
	if (!failed && *log >= 0 && *log < *done && !race_logged++)
		log_event("-",
			  "checkpointer: SQLite counts %d frames copied of a %d-frame WAL: "
			  "SQLite's WAL-reset race happened",
			  *done, *log);
	st->ckpt.copied = failed || *log <= *done;
	if (st->ckpt.copied) {
		st->ckpt.commits = st->commits;
		st->ckpt.version = store_data_version(st);
	}
	return failed ? -1 : rc;
}

static int frames_left(int log, int done)
{
	return log > done ? log - done : 0;
}

/* The WAL file's length in frames. A writer that restarts the WAL
 * overwrites the file from its start and leaves its length; only a
 * TRUNCATE shortens it. */
static int wal_file_frames(struct store *st)
{
	sqlite3_file *f = NULL;
	sqlite3_int64 bytes = 0;
	store_q *q = store_sql(st, "PRAGMA page_size");
	int page = q && store_one(q) == 1 ? (int)store_int(q, 0) : 4096;
	if (q)
		store_reset(q);
	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) != SQLITE_OK ||
	    !f || !f->pMethods || f->pMethods->xFileSize(f, &bytes) != SQLITE_OK)
		return 0;
	return (int)(bytes / (page + 24));
}

/*
 * The pin. The first commit into a restarted WAL writes a new WAL header
 * and syncs it (with synchronous=NORMAL, the only sync a commit makes),
 * and SQLite's writer restarts the WAL whenever a checkpoint has copied
 * all of it and no reader holds a frame. At a few posts a second each
 * round copies everything, so every post restarted the WAL and waited for
 * the disk on the request's clock: 1.5 ms at the median in the worker for
 * a lone post, 0.6 ms without (doc/performance.md, "The WAL's restarts").
 *
 * So before its passes the thread takes a read transaction on a second
 * connection, the pin, which holds the WAL's newest frames. A pass copies
 * up to them, so the database file is as complete as before; but a writer
 * that then finds the WAL wholly copied cannot restart it while the pin
 * holds a frame (SQLite skips the restart when a reader does) and appends
 * instead. Only the reset, which releases the pin, lets the next commit
 * start the file afresh: the WAL then restarts once per reset_pages, as
 * it does under load. The pin stops no writer, but a pass never copies
 * past it, so it is taken again before each pass; and a pass that left
 * frames releases it, as no writer restarts a WAL with frames left. Held
 * from round to round under load as well, it raised the posting's client
 * p99 by about 0.8 ms (likely cause: it keeps one of the WAL's four read
 * marks from the readers). Without it (the database could not be opened
 * twice) rounds go on as before.
 */
static void pin_release(struct store *st)
{
	/* an open transaction on the pin is the read it holds */
	if (st->ckpt.pin && !sqlite3_get_autocommit(st->ckpt.pin))
		sqlite3_exec(st->ckpt.pin, "COMMIT", NULL, NULL, NULL);
}

static void pin_take(struct store *st)
{
	pin_release(st);
	if (!st->ckpt.pin) {
		const char *path = sqlite3_db_filename(st->db, "main");
		if (!path || !*path ||
		    sqlite3_open_v2(path, &st->ckpt.pin, SQLITE_OPEN_READWRITE, NULL) !=
			    SQLITE_OK) {
			sqlite3_close(st->ckpt.pin); /* NULL is harmless */
			st->ckpt.pin = NULL;
			return;
		}
	}
	/* any read starts the transaction; BEGIN keeps it past the SELECT */
	if (sqlite3_exec(st->ckpt.pin, "BEGIN; SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL,
			 NULL) != SQLITE_OK &&
	    !sqlite3_get_autocommit(st->ckpt.pin))
		sqlite3_exec(st->ckpt.pin, "ROLLBACK", NULL, NULL, NULL);
}

/* The database file's sync, taken before a reset. A PASSIVE pass that
 * leaves frames behind (under load, nearly every one) writes pages into
 * the database file without syncing it; only a pass that copies the last
 * frame syncs. So the reset's RESTART, which holds the write lock while it
 * copies and syncs, flushed every page the passes had copied since the
 * last reset, and every writer waited for that disk write. Synced here,
 * outside any lock, the reset's own sync finds only the pages it copied. */
static void sync_db(struct store *st)
{
	sqlite3_file *f = NULL;
	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) == SQLITE_OK && f &&
	    f->pMethods)
		f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
}

/* The reset: wait briefly for the readers of old frames, so that the next
 * commit starts the file from its beginning. That holds the write lock,
 * and so does cutting the file (freeing 16 MB took 8–17 ms here): the file
 * is cut only when it grew to twice the limit, else the next commits
 * overwrite it from the start. Called only while may_copy(): the write
 * lock, when busy past wait_ms, turns it into a plain pass. */
static int reset(struct store *st, const struct store_ckpt_conf *conf)
{
	int log = 0, done = 0;
	st->busy_timeout_ms = conf->wait_ms;
	pin_release(st); /* a reader the reset would wait for */
	sync_db(st);
	int mode = wal_file_frames(st) >= 2 * conf->reset_pages ? SQLITE_CHECKPOINT_TRUNCATE
								: SQLITE_CHECKPOINT_RESTART;
	int rc = checkpoint(st, mode, &log, &done);
	if (rc < 0)
		return -1;
	if (rc == SQLITE_OK) {
		st->ckpt.reset_at_once = 0;
		st->ckpt.frames = 0;
		return 0;
	}
	st->ckpt.frames = log;
	return frames_left(log, done);
}

/* After passes that copied everything, the reset may start once a commit
 * came in (may_copy). Under load one comes within a millisecond; the
 * reset then copies that commit's frames alone while it holds the write
 * lock. Waiting for the next round instead (20 ms) made it copy hundreds:
 * posting ran 15% slower and its client p99 rose from ~9 to ~12 ms. So
 * wait up to 2 ms for one; 0 when none came (the next round resets). */
static int commit_soon(struct store *st)
{
	for (int i = 0; i < 20; i++) {
		if (may_copy(st))
			return 1;
		struct timespec d = {0, 100 * 1000};
		nanosleep(&d, NULL);
	}
	return may_copy(st);
}

/* A round; st->ckpt.frames gets the WAL's length in pages (0 once reset),
 * and the pages left to copy are returned (-1 on error). PASSIVE
 * copies what it can and takes no lock. While the WAL is long, a reset
 * follows, which holds the write lock while it copies the frames that came
 * in since the last pass began: hundreds at full posting speed, while
 * every writer waits. So up to four more passes first shrink that to a
 * few frames. Under load, commits arrive during the passes and the reset
 * follows them; when none did, the passes copied everything, and the
 * reset waits for the next commit and then runs first. */
static int round_(struct store *st, const struct store_ckpt_conf *conf)
{
	if (!may_copy(st))
		return 0;
	if (st->ckpt.reset_at_once)
		return reset(st, conf);
	int log = 0, done = 0;
	for (int pass = 0; pass < 5; pass++) {
		int before = log;
		if (pass > 0 && !may_copy(st))
			break;
		pin_take(st); /* a pass copies up to the pin */
		if (checkpoint(st, SQLITE_CHECKPOINT_PASSIVE, &log, &done) < 0)
			return -1;
		if (log > done)
			pin_release(st); /* frames left: no restart to stop */
		st->ckpt.frames = log;
		/* short (or a writer restarted it) in a file not grown too long */
		if (log < conf->reset_pages && wal_file_frames(st) < 2 * conf->reset_pages) {
			st->ckpt.reset_at_once = 0;
			return frames_left(log, done);
		}
		if (pass > 0 && log - before <= 32)
			break;
	}
	if (commit_soon(st))
		return reset(st, conf);
	st->ckpt.reset_at_once = 1;
	return 0;
}

int store_checkpoint_round(struct store *st, const struct store_ckpt_conf *conf)
{
	return round_(st, conf);
}

void store_idle(struct store *st)
{
	int log = 0, done = 0;
	if (!st->db || st->wal_pages < STORE_CHECKPOINT_PAGES || cp.running || !may_copy(st))
		return;
	/* PASSIVE: never waits for readers or writers; what it cannot copy
	 * now is copied by a later call */
	if (checkpoint(st, SQLITE_CHECKPOINT_PASSIVE, &log, &done) >= 0)
		st->wal_pages = frames_left(log, done);
}

/* Merges a few segments of the full-text index (FTS5 is SQLite's own, so
 * its upkeep lives here). Automerge is off (schema 006), so without this
 * the index would keep every post's segment; a step merges at most
 * `pages` leaf pages in its own short transaction. Called only when the
 * database changed since the last step. */
int store_fts_merge_step(struct store *st, int pages)
{
	store_q *q =
		store_sql(st, "INSERT INTO stream_fts (stream_fts, rank) VALUES ('merge', ?1)");
	if (!q)
		return -1;
	sqlite3_bind_int(q, 1, pages);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_DONE)
		return 0;
	/* a writer holding the lock is no failure: the next round merges */
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return STORE_FTS_MERGE_BUSY;
	return -1;
}

/* The lock file beside the database elects one checkpointer per database;
 * flock() locks die with their process, so another worker takes over. */
static int open_lock(const char *path)
{
	char lock[4096];
	if (snprintf(lock, sizeof lock, "%s-checkpoint", path) >= (int)sizeof lock)
		return -1;
	return open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

/* Merge pacing: a step every ~250 ms when others wrote, then one every
 * round for as long as steps find work, so that a burst of posts is
 * merged in many short steps instead of few long ones (each step holds
 * the write lock, and every request that writes waits for it). None
 * while the WAL waits for its reset because readers hold old frames: the
 * steps' pages would pile up in it. */
struct pacing {
	int rounds, more, failures;
	int64_t seen;
};

static void merge_round(struct checkpointer *c, struct store *st, struct pacing *p)
{
	/* a reset that waits for a commit (round_) may have the step's */
	int held = st->ckpt.frames >= c->conf.reset_pages && !st->ckpt.reset_at_once;
	if (held || (!p->more && ++p->rounds * c->conf.interval_ms < 250))
		return;
	int64_t v = store_data_version(st);
	if (p->more || v != p->seen) {
		st->wal_pages = -1; /* the commit hook sets it: did the step write? */
		int rc = store_fts_merge_step(st, STORE_FTS_MERGE_PAGES);
		if (rc < 0 && !p->failures++)
			log_event("-", "checkpointer: merge: %s", sqlite3_errmsg(st->db));
		/* a step that lost the lock to the writers has not looked for
		 * work, and their posts are work: the next round tries again.
		 * While 8 clients posted without a pause, most of the steps
		 * that wrote nothing had lost the lock, and the quarter-second
		 * pace after each left the index with a third more segments. */
		p->more = st->wal_pages >= 0 || rc == STORE_FTS_MERGE_BUSY;
	}
	p->seen = store_data_version(st);
	p->rounds = 0;
}

/* Opens the thread's connection, trying again every half second (another
 * connection may hold the database while it recovers): 0, or -1 once
 * stopped. Its statements wait wait_ms at most for a lock. */
static int open_own(struct checkpointer *c, struct store *st)
{
	char err[256];
	for (int tries = 0; !c->stop; tries++) {
		if (store_open(st, c->path, 0, err, sizeof err) == 0) {
			st->busy_timeout_ms = c->conf.wait_ms;
			return 0;
		}
		if (!tries)
			log_event("-", "checkpointer: cannot open the database yet: %s", err);
		sleep_ms(500);
	}
	return -1;
}

/* Signals sent to the process are the main thread's: a worker's stop
 * signal must cut its wait for a connection short (fcgi/acceptor.c).
 * Those a fault raises in this thread stay deliverable (a sanitizer
 * reports through them). */
static void leave_signals_to_main(void)
{
	static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS};
	sigset_t async;
	sigfillset(&async);
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
		sigdelset(&async, faults[i]);
	pthread_sigmask(SIG_BLOCK, &async, NULL);
}

static void *run(void *arg)
{
	struct checkpointer *c = arg;
	leave_signals_to_main();
	struct store st;
	int fd = open_lock(c->path);
	if (fd < 0) {
		log_event("-", "checkpointer: cannot start: %s", strerror(errno));
		return NULL;
	}
	if (open_own(c, &st) < 0) {
		close(fd);
		return NULL;
	}
	store_grow_in_steps(&st);
	/* the WAL hook records each commit's WAL size: merge_round learns from
	 * it whether a step wrote, so that steps follow while there is work */
	store_defer_checkpoints(&st);
	int leader = 0, failures = 0;
	struct pacing pace = {.seen = -1};
	while (!c->stop) {
		if (!leader && flock(fd, LOCK_EX | LOCK_NB) < 0) {
			sleep_ms(500); /* another process checkpoints */
			continue;
		}
		leader = 1;
		merge_round(c, &st, &pace);
		if (round_(&st, &c->conf) < 0 && !failures++)
			log_event("-", "checkpointer: %s", sqlite3_errmsg(st.db));
		sleep_ms(c->conf.interval_ms);
	}
	store_close(&st);
	close(fd);
	return NULL;
}

int store_checkpointer_start(const char *path, const struct store_ckpt_conf *conf)
{
	if (cp.running)
		return 0;
	cp.path = strdup(path);
	cp.conf = *conf;
	cp.stop = 0;
	if (!cp.path || pthread_create(&cp.thread, NULL, run, &cp) != 0) {
		log_event("-", "checkpointer: cannot start a thread");
		free(cp.path);
		cp.path = NULL;
		return -1;
	}
	cp.running = 1;
	return 0;
}

int store_checkpointer_start_cfg(const struct max_config *cfg)
{
	struct store_ckpt_conf conf = {
		.interval_ms = (int)config_int(cfg, "store", "checkpoint_interval_ms"),
		.reset_pages = (int)config_int(cfg, "store", "wal_reset_pages"),
		.wait_ms = (int)config_int(cfg, "store", "checkpoint_wait_ms"),
	};
	if (conf.interval_ms < 1)
		conf.interval_ms = 1;
	return store_checkpointer_start(config_get(cfg, "store", "path"), &conf);
}

void store_checkpointer_stop(void)
{
	if (!cp.running)
		return;
	cp.stop = 1;
	pthread_join(cp.thread, NULL);
	free(cp.path);
	memset(&cp, 0, sizeof cp);
}
