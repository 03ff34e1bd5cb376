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

/* A round; *wal gets the WAL's length in pages before it (0 once reset). */
static int round_(struct store *st, const struct store_ckpt_conf *conf, int *wal)
{
	int log = 0, done = 0, rc;
	/* PASSIVE copies what it can and takes no lock. While the WAL is long,
	 * a reset follows, which holds the write lock while it copies the
	 * frames that came in since the last pass began: hundreds at full
	 * posting speed, while every writer waits. So up to four more passes
	 * first shrink that to a few frames. */
	for (int pass = 0; pass < 5; pass++) {
		int before = log;
		rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
					       &done);
		*wal = log;
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			return -1;
		if (log < conf->reset_pages) /* short, or a writer restarted it */
			return log - done;
		if (pass > 0 && log - before <= 32)
			break;
	}
	/* Then wait briefly for the readers of old frames, so that the next
	 * commit starts the file from its beginning. That holds the write
	 * lock, and so does cutting the file (freeing 16 MB took 8–17 ms
	 * here): the file is cut only when it grew to twice the limit, else
	 * the next commits overwrite it from the start. */
	st->busy_timeout_ms = conf->wait_ms;
	int mode = log >= 2 * conf->reset_pages ? SQLITE_CHECKPOINT_TRUNCATE
						: SQLITE_CHECKPOINT_RESTART;
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, mode, &log, &done);
	if (rc == SQLITE_OK) {
		*wal = 0;
		return 0;
	}
	return rc == SQLITE_BUSY ? log - done : -1;
}

int store_checkpoint_round(struct store *st, const struct store_ckpt_conf *conf)
{
	int wal;
	return round_(st, conf, &wal);
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

static int data_version(struct store *st)
{
	store_q *q = store_sql(st, "PRAGMA data_version");
	int v = q && store_one(q) == 1 ? (int)store_int(q, 0) : -1;
	if (q)
		store_reset(q);
	return v;
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
 * while the WAL waits for its reset (readers hold old frames): the
 * steps' pages would pile up in it. */
struct pacing {
	int rounds, seen, more, failures;
};

static void merge_round(struct checkpointer *c, struct store *st, struct pacing *p, int wal)
{
	if (wal >= c->conf.reset_pages || (!p->more && ++p->rounds * c->conf.interval_ms < 250))
		return;
	int v = data_version(st);
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
	p->seen = data_version(st);
	p->rounds = 0;
}

static void *run(void *arg)
{
	struct checkpointer *c = arg;
	struct store st;
	char err[256];
	int fd = open_lock(c->path);
	if (fd < 0 || store_open(&st, c->path, c->conf.wait_ms, err, sizeof err) < 0) {
		log_event("-", "checkpointer: cannot start: %s", fd < 0 ? strerror(errno) : err);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	store_grow_in_steps(&st);
	/* the WAL hook records each commit's WAL size: merge_round learns from
	 * it whether a step wrote, so that steps follow while there is work */
	store_defer_checkpoints(&st);
	int leader = 0, failures = 0, wal = 0;
	struct pacing pace = {.seen = -1};
	while (!c->stop) {
		if (!leader && flock(fd, LOCK_EX | LOCK_NB) < 0) {
			sleep_ms(500); /* another process checkpoints */
			continue;
		}
		leader = 1;
		merge_round(c, &st, &pace, wal);
		if (round_(&st, &c->conf, &wal) < 0 && !failures++)
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
	store_checkpoints_elsewhere();
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
