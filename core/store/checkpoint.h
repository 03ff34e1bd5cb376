/*
 * checkpoint.h — one background checkpointer per database.
 *
 * In WAL mode every commit appends to the -wal file, and only a
 * checkpoint copies those pages back into the database. SQLite restarts
 * the WAL from its beginning only when a checkpoint has copied everything
 * and no reader still uses the old frames: on a busy server some reader
 * nearly always does, so passive checkpoints alone let the file grow
 * without bound (gigabytes in a few minutes of posting). Checkpoints run
 * inside a request also make that request wait.
 *
 * So every worker process starts a checkpointer thread with its own
 * connection; the threads race for a lock file beside the database and
 * only the winner works (another takes over if its process dies). Each
 * round it copies what it can without waiting (PASSIVE), and once the WAL
 * holds more than `reset_pages` it takes a RESTART checkpoint that waits
 * a few milliseconds at most for readers, so that the next writer starts
 * the WAL afresh, overwriting the file from its beginning; only a WAL of
 * twice that is cut to nothing (TRUNCATE: freeing the file's blocks is
 * slow, and every writer waits for it). In between, a read transaction on
 * a second connection (the pin) keeps a commit that follows a full copy
 * from restarting the WAL, which would sync the WAL's new header on that
 * request's clock. No request runs a checkpoint.
 *
 * That thread is the only connection that checkpoints, and it never
 * starts a checkpoint on a WAL it knows to be wholly copied: SQLite
 * before 3.51.3 then loses commits if a writer restarts the WAL at that
 * moment (checkpoint.c, doc/performance.md).
 */
#ifndef MAX_STORE_CHECKPOINT_H
#define MAX_STORE_CHECKPOINT_H

#include "store/store.h"

struct store_ckpt_conf {
	int interval_ms; /* pause between rounds */
	int reset_pages; /* WAL size (pages) that calls for a TRUNCATE */
	int wait_ms;     /* how long a TRUNCATE may wait for readers */
};

/* Starts this process's checkpointer for the database at path (once per
 * process; later calls do nothing). Returns 0, or -1 (logged). From then
 * on store_idle() leaves checkpoints to it. */
int store_checkpointer_start(const char *path, const struct store_ckpt_conf *conf);
/* The same, with [store] checkpoint_interval_ms, wal_reset_pages and
 * checkpoint_wait_ms of cfg. */
struct max_config;
int store_checkpointer_start_cfg(const struct max_config *cfg);
/* Stops and joins it (at exit). */
void store_checkpointer_stop(void);
/* Is a checkpointer running in this process? */
int store_checkpointer_active(void);

/* WAL pages after which store_idle() checkpoints (SQLite's default). */
#define STORE_CHECKPOINT_PAGES 1000
/* For a process without a checkpointer thread: after its own commits grew
 * the WAL past STORE_CHECKPOINT_PAGES, a PASSIVE checkpoint on st (once
 * store_defer_checkpoints() counts its commits), between requests. Does
 * nothing while this process runs the thread. */
void store_idle(struct store *st);

/* One round on st, as the thread does it: returns the pages left in the
 * WAL after it, or -1 on error. For tests and tools. */
int store_checkpoint_round(struct store *st, const struct store_ckpt_conf *conf);

/* A bounded merge step of the full-text index (at most pages leaf pages),
 * in its own transaction: 0; STORE_FTS_MERGE_BUSY when another connection
 * held the write lock past the busy timeout (nothing was done); or -1.
 * The checkpointer runs it with STORE_FTS_MERGE_PAGES: 32 leaves of 1000
 * bytes (schema 012), a few milliseconds of holding the write lock (256
 * took 15–100 ms on a loaded 2-core machine: the slowest posts waited for
 * it), and steps follow one another while they find work. */
#define STORE_FTS_MERGE_PAGES 32
#define STORE_FTS_MERGE_BUSY 1
int store_fts_merge_step(struct store *st, int pages);

#endif
