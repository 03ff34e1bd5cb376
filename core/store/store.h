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

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The model sees statements only through this name and the functions
 * below; sqlite3.h is included by the store alone. */
typedef struct sqlite3_stmt store_q;

struct store {
	struct sqlite3 *db;
	struct store_slot {
		const char *sql;
		store_q *stmt;
	} cache[512];
	int busy_timeout_ms;
	int failed;                /* a statement failed in this transaction */
	char why[512];             /* text of the last model failure (model_fail) */
	int wal_pages;             /* WAL size after the last commit */
	unsigned commits;          /* this connection's commits (the WAL hook counts them) */
	struct store_ckpt {        /* what the checkpointer knows (checkpoint.c) */
		int copied;        /* its last checkpoint left the WAL wholly copied, or none ran */
		unsigned commits;  /* this connection's commits then */
		int64_t version;   /* PRAGMA data_version then; -1: not read yet */
		int reset_at_once; /* the next round starts with the reset */
		int frames;        /* the WAL's length at its last look */
		struct sqlite3 *pin; /* its second connection (checkpoint.c, pin_take) */
	} ckpt;
	struct timespec busy_since; /* first try of the current wait */
	long long waited_us;        /* slept waiting for locks, since store_take_wait */
	int in_txn;                 /* between store_begin*() and commit/rollback */
	int batch;                  /* STORE_BATCH_*: between store_batch_begin() and _end() */
	/* what the model layer keeps beside this connection (the duplicate
	 * guard's map, model/dupguard.c); store_close frees it with `free_`,
	 * so that the store needs to know nothing of it */
	struct store_extra {
		void *data;
		void (*free_)(void *data);
	} extra;
};

/* struct store's batch: no batch, one open, or one whose transaction SQLite
 * ended by itself (nothing of it will be kept). */
enum { STORE_BATCH_NONE, STORE_BATCH_OPEN, STORE_BATCH_LOST };

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
/* The same through the named SQLite VFS (NULL: SQLite's default, without
 * the gathered WAL writes of store_open; the benchmarks' raw floor). */
int store_open_vfs(struct store *st, const char *path, const char *vfs, int busy_timeout_ms,
		   char *err, size_t errlen);
void store_close(struct store *st);

/* Makes this connection's checkpoints grow (and shrink) the database file
 * in 16 MB steps. The checkpointer's connection does: a file whose size
 * changed at every checkpoint would have every reader remap it
 * (bulkfile.c), and a 16 MB step is rare. */
void store_grow_in_steps(struct store *st);
/* Microseconds this connection slept waiting for another's lock since
 * the last call (the worker logs it per request); resets the count. */
long long store_take_wait(struct store *st);
/* Brings the schema to the newest version; idempotent. */
int store_migrate(struct store *st, char *err, size_t errlen);
/* PRAGMA user_version, and the newest version compiled in. */
int store_version(struct store *st);
int store_latest_version(void);

/* A cached, reset statement with cleared bindings, or NULL (logged, and
 * the transaction marked failed) on a prepare error. The cache is keyed
 * by the SQL's address, and only a string literal may be passed: the
 * macro pastes "" around it, so formatted SQL does not compile. */
#define store_sql(st, sql) store_prepare_((st), "" sql "")
store_q *store_prepare_(struct store *st, const char *sql);
/* The old name, kept while the families move to the model layer. */
#define store_stmt(st, sql) store_prepare_((st), "" sql "")

/* Results of store_step(). */
enum { STORE_ERR = -1, STORE_DONE = 0, STORE_ROW = 1 };

/* One step: STORE_ROW (columns readable until the next step or reset),
 * STORE_DONE, or STORE_ERR. DONE and ERR reset the statement; ERR is
 * logged and marks the transaction failed, so that the HTTP layer answers
 * 500 and rolls back even where a loop forgot to look (no partial 200). */
int store_step(store_q *q);
/* store_step() for a statement expected to give at most one row: 1 (left
 * on the row: read the columns, then store_reset), 0 none, -1 error. */
int store_one(store_q *q);
/* store_one() for "is there such a row": 1 yes, 0 no, -1 error; the
 * statement is reset in every case. */
int store_exists(store_q *q);
/* The first column of the statement's one row as an integer, or -1 when
 * there is no row or on error (for counts and versions). */
int64_t store_scalar(store_q *q);
/* Runs a statement that returns no rows (or whose rows are not wanted) to
 * its end: 0, or -1 on error. */
int store_run(store_q *q);
/* Ends a statement early (after store_one, or a loop left with break). */
void store_reset(store_q *q);

/* Binding, 1-based. A NULL text binds SQL NULL. */
void store_bind_text(store_q *q, int i, const char *v);
void store_bind_textn(store_q *q, int i, const char *v, size_t n);
void store_bind_int(store_q *q, int i, int64_t v);
void store_bind_double(store_q *q, int i, double v);
void store_bind_null(store_q *q, int i);
void store_bind_blob(store_q *q, int i, const void *p, size_t n);

/* Columns of the current row, 0-based. Text is NULL for SQL NULL and
 * valid until the next step or reset. */
const char *store_text(store_q *q, int i);
int64_t store_int(store_q *q, int i);
double store_double(store_q *q, int i);
int store_is_null(store_q *q, int i);
const void *store_blob(store_q *q, int i, size_t *n);
/* Copies a text column into out ("" for NULL), truncating to fit. */
void store_copy(store_q *q, int i, char *out, size_t len);
/* Parses a JSON text column; NULL for SQL NULL or text that is not JSON. */
json_object *store_json(store_q *q, int i);

/* Did a statement fail since the transaction began? */
int store_failed(const struct store *st);
/* PRAGMA data_version: changes whenever another connection commits, so
 * a process polling it learns of new rows without reading them (max-bridge
 * waking up for the outbox). -1 on error. */
int64_t store_data_version(struct store *st);
/* Rowid of the last INSERT on this connection. */
int64_t store_last_rowid(struct store *st);

/* No connection checkpoints inside its COMMIT (SQLite's automatic
 * checkpoint is off, see store/checkpoint.h); this one also records the
 * WAL's size and counts its commits, for the checkpointer and
 * store_idle() (store/checkpoint.h). */
void store_defer_checkpoints(struct store *st);

int store_begin(struct store *st);      /* BEGIN IMMEDIATE */
int store_begin_read(struct store *st); /* BEGIN (deferred): a consistent snapshot */
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* Group commit: the writer takes the requests that queued up together.
 * Between store_batch_begin() (BEGIN IMMEDIATE) and store_batch_end(),
 * store_begin*() opens a savepoint, store_commit() releases it and
 * store_rollback() rolls back to it, so each request stays all or nothing
 * while the batch pays for one commit. store_batch_end() commits (or, with
 * commit 0, rolls back) and returns 0, or -1 when nothing of the batch was
 * kept: its requests' answers must not claim success. */
int store_batch_begin(struct store *st);
int store_batch_end(struct store *st, int commit);

/* Runs a statement without result rows, binding text parameters (NULL
 * ok). Returns 0, or -1. */
#define store_exec(st, sql, nargs, args) store_exec_((st), "" sql "", (nargs), (args))
int store_exec_(struct store *st, const char *sql, int nargs, const char *const *args);
/* Changes made by the last statement. */
int store_changes(struct store *st);

/* Binding by parameter name (":name"); a statement without that parameter
 * is left alone, so one binder serves a family of statements. */
int store_param(store_q *q, const char *name); /* its index, 0 when absent */
void store_bind_text_named(store_q *q, const char *name, const char *v);
void store_bind_int_named(store_q *q, const char *name, int64_t v);

#endif
