/*
 * store.c — SQLite connection, migrations, statement cache, transactions.
 *
 * Migrations are plain SQL files compiled into every binary; each runs in
 * its own transaction together with the PRAGMA user_version bump, so a
 * crash leaves the database at a whole version.
 */
#include "store/store.h"
#include "store/bulkfile.h"
#include "util/buf.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "util/log.h"
#include "util/text.h"

#include <sqlite3.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void store_fts_functions_(struct store *st);

#define NSLOTS (sizeof((struct store *)0)->cache / sizeof((struct store *)0)->cache[0])

/* Waiting for another worker's write lock. SQLite's default handler
 * sleeps 1, 2, 5 … 100 ms between tries, so a write that loses a race
 * waits far longer than the lock is held (a write transaction here takes
 * well under a millisecond). Back off from 50 µs, doubling up to 250 µs,
 * so that a freed lock is seen within a quarter of a millisecond: with a
 * 2 ms step, a post held up by a reset of the WAL (about 2 ms) slept 3.2
 * or 5.2 ms. A waiter then wakes 4,000 times a second, which costs little. */
static int busy_wait(void *arg, int tries)
{
	struct store *st = arg;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (tries == 0)
		st->busy_since = now;
	long waited_ms = (now.tv_sec - st->busy_since.tv_sec) * 1000 +
			 (now.tv_nsec - st->busy_since.tv_nsec) / 1000000;
	if (waited_ms >= st->busy_timeout_ms)
		return 0;
	long us = tries < 3 ? 50L << tries : 250;
	struct timespec d = {0, us * 1000};
	nanosleep(&d, NULL);
	st->waited_us += us;
	return 1;
}

long long store_take_wait(struct store *st)
{
	long long us = st->waited_us;
	st->waited_us = 0;
	return us;
}

/* The WAL hook: a commit by this connection records the WAL's size and
 * counts itself (checkpoint.c decides from both when to checkpoint). */
static int wal_note(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *st = arg;
	st->wal_pages = pages;
	st->commits++;
	return SQLITE_OK;
}

void store_defer_checkpoints(struct store *st)
{
	sqlite3_wal_hook(st->db, wal_note, st);
}

/* The stores open in this process, so that a failing statement can mark
 * its own store failed (SQLite before 3.44 has no per-connection client
 * data). A process holds one store, tests a few. */
static struct store *open_stores[16];
static pthread_mutex_t open_stores_lock = PTHREAD_MUTEX_INITIALIZER;

static void register_locked(struct store *st, int add)
{
	for (size_t i = 0; i < sizeof open_stores / sizeof *open_stores; i++) {
		if (add && !open_stores[i]) {
			open_stores[i] = st;
			return;
		}
		if (!add && open_stores[i] == st) {
			open_stores[i] = NULL;
			return;
		}
	}
}

static void register_store(struct store *st, int add)
{
	pthread_mutex_lock(&open_stores_lock);
	register_locked(st, add);
	pthread_mutex_unlock(&open_stores_lock);
}

#define STORE_CHUNK (16 * 1024 * 1024)

int store_open(struct store *st, const char *path, int busy_timeout_ms, char *err, size_t errlen)
{
	return store_open_vfs(st, path, store_wal_vfs(), busy_timeout_ms, err, errlen);
}

int store_open_vfs(struct store *st, const char *path, const char *vfs, int busy_timeout_ms,
		   char *err, size_t errlen)
{
	memset(st, 0, sizeof *st);
	int rc = sqlite3_open_v2(path, &st->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 vfs);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "cannot open");
		sqlite3_close(st->db);
		st->db = NULL;
		return -1;
	}
	register_store(st, 1);
	store_fts_functions_(st);
	st->busy_timeout_ms = busy_timeout_ms > 0 ? busy_timeout_ms : 5000;
	sqlite3_busy_handler(st->db, busy_wait, st);
	sqlite3_extended_result_codes(st->db, 1);
	/* only the checkpointer checkpoints (checkpoint.h says why) */
	sqlite3_wal_autocheckpoint(st->db, 0);
	st->ckpt.copied = 1;
	st->ckpt.version = -1;
	/* mmap_size: reads through a map of the file (clamped to what the
	 * library allows, 2 GB in Debian's build), which the "max-wal" VFS
	 * keeps across other connections' commits (bulkfile.c) */
	static const char *const pragmas = "PRAGMA journal_mode=WAL;"
					   "PRAGMA synchronous=NORMAL;"
					   "PRAGMA foreign_keys=ON;"
					   "PRAGMA temp_store=MEMORY;"
					   "PRAGMA mmap_size=1099511627776;";
	char *msg = NULL;
	/* a constant: no outside input reaches this statement */
	if (sqlite3_exec(st->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : "pragma failed");
		sqlite3_free(msg);
		store_close(st);
		return -1;
	}
	return 0;
}

void store_grow_in_steps(struct store *st)
{
	int chunk = STORE_CHUNK;
	sqlite3_file_control(st->db, "main", SQLITE_FCNTL_CHUNK_SIZE, &chunk);
}

void store_close(struct store *st)
{
	if (st->extra.free_)
		st->extra.free_(st->extra.data);
	for (size_t i = 0; i < NSLOTS; i++)
		if (st->cache[i].stmt)
			sqlite3_finalize(st->cache[i].stmt);
	if (st->ckpt.pin)
		sqlite3_close(st->ckpt.pin); /* closing ends its read transaction */
	if (st->db)
		sqlite3_close(st->db);
	register_store(st, 0);
	memset(st, 0, sizeof *st);
}

int store_latest_version(void)
{
	int v = 0;
	for (int i = 0; i < store_migrations_count; i++)
		if (store_migrations[i].version > v)
			v = store_migrations[i].version;
	return v;
}

int store_version(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Each migration runs in BEGIN IMMEDIATE and re-reads user_version inside
 * it, so workers starting together apply each step exactly once. */
int store_migrate(struct store *st, char *err, size_t errlen)
{
	for (int i = 0; i < store_migrations_count; i++) {
		const struct store_migration *m = &store_migrations[i];
		char *msg = NULL, bump[64];
		if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
			goto fail;
		int have = store_version(st);
		if (have < 0 || have > store_latest_version()) {
			snprintf(err, errlen, "database is at version %d, this build knows %d",
				 have, store_latest_version());
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (m->version <= have) {
			sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
			continue;
		}
		/* m comes from the migrations compiled in; PRAGMAs take no
		 * bound parameters, hence the formatted integer */
		snprintf(bump, sizeof bump, "PRAGMA user_version=%d;", m->version);
		if (sqlite3_exec(st->db, m->sql, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(st->db, bump, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(st->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
			goto fail;
		continue;
	fail:
		snprintf(err, errlen, "migration %s: %s", m->name, msg ? msg : "failed");
		sqlite3_free(msg);
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static size_t slot_of(const char *sql)
{
	uintptr_t h = (uintptr_t)sql;
	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) % NSLOTS;
}

store_q *store_prepare_(struct store *st, const char *sql)
{
	size_t i = slot_of(sql);
	for (size_t probe = 0; probe < NSLOTS; probe++, i = (i + 1) % NSLOTS) {
		struct store_slot *sl = &st->cache[i];
		if (sl->sql == sql) {
			sqlite3_reset(sl->stmt);
			sqlite3_clear_bindings(sl->stmt);
			return sl->stmt;
		}
		if (!sl->sql) {
			if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
					       &sl->stmt, NULL) != SQLITE_OK) {
				log_event("-", "sql prepare failed: %s: %.80s",
					  sqlite3_errmsg(st->db), sql);
				sl->stmt = NULL;
				st->failed = 1;
				return NULL;
			}
			sl->sql = sql;
			return sl->stmt;
		}
	}
	log_event("-", "statement cache full");
	st->failed = 1;
	return NULL;
}

static int exec_plain(struct store *st, const char *sql)
{
	sqlite3_stmt *s = store_prepare_(st, sql);
	if (!s)
		return -1;
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		log_event("-", "%s failed: %s", sql, sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

/* A statement left on a row keeps its read cursor open; the end of a
 * transaction resets every such statement so none outlives it. */
static void reset_all(struct store *st)
{
	for (sqlite3_stmt *s = sqlite3_next_stmt(st->db, NULL); s; s = sqlite3_next_stmt(st->db, s))
		if (sqlite3_stmt_busy(s))
			sqlite3_reset(s);
}

/* Inside a batch a request's transaction is a savepoint. If SQLite ended
 * the batch's transaction by itself (an I/O error, a full disk), a
 * savepoint would silently start a new one: the batch is lost instead. */
static int batch_savepoint(struct store *st)
{
	if (st->batch == STORE_BATCH_LOST || sqlite3_get_autocommit(st->db)) {
		st->batch = STORE_BATCH_LOST;
		return -1;
	}
	return exec_plain(st, "SAVEPOINT request");
}

static int begin(struct store *st, const char *sql)
{
	st->failed = 0;
	st->why[0] = 0;
	if (st->batch)
		return batch_savepoint(st);
	int rc = exec_plain(st, sql);
	st->in_txn = rc == 0;
	return rc;
}

int store_begin(struct store *st)
{
	return begin(st, "BEGIN IMMEDIATE");
}

int store_begin_read(struct store *st)
{
	return begin(st, "BEGIN");
}

int store_commit(struct store *st)
{
	reset_all(st);
	if (st->batch) {
		if (st->failed || exec_plain(st, "RELEASE request") < 0) {
			store_rollback(st);
			return -1;
		}
		return 0;
	}
	int rc = st->failed ? -1 : exec_plain(st, "COMMIT");
	if (rc < 0)
		store_rollback(st);
	st->in_txn = 0;
	return rc;
}

void store_rollback(struct store *st)
{
	reset_all(st);
	if (st->batch) {
		if (sqlite3_get_autocommit(st->db) || exec_plain(st, "ROLLBACK TO request") < 0 ||
		    exec_plain(st, "RELEASE request") < 0)
			st->batch = STORE_BATCH_LOST;
		else
			st->failed = 0; /* the failure went with the request */
		return;
	}
	st->in_txn = 0;
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_batch_begin(struct store *st)
{
	int rc = store_begin(st);
	st->batch = rc == 0 ? STORE_BATCH_OPEN : STORE_BATCH_NONE;
	return rc;
}

int store_batch_end(struct store *st, int commit)
{
	int keep = commit && st->batch == STORE_BATCH_OPEN && !sqlite3_get_autocommit(st->db);
	st->batch = STORE_BATCH_NONE;
	if (keep)
		return store_commit(st);
	store_rollback(st);
	return -1;
}

int store_failed(const struct store *st)
{
	return st->failed;
}

int64_t store_last_rowid(struct store *st)
{
	return sqlite3_last_insert_rowid(st->db);
}

static struct store *store_of(store_q *q)
{
	sqlite3 *db = sqlite3_db_handle(q);
	struct store *found = NULL;
	pthread_mutex_lock(&open_stores_lock);
	for (size_t i = 0; i < sizeof open_stores / sizeof *open_stores; i++)
		if (open_stores[i] && open_stores[i]->db == db)
			found = open_stores[i];
	pthread_mutex_unlock(&open_stores_lock);
	return found;
}

static void step_failed(store_q *q, int rc)
{
	struct store *st = store_of(q);
	log_event("-", "sql failed (%d): %s: %.80s", rc, sqlite3_errmsg(sqlite3_db_handle(q)),
		  sqlite3_sql(q));
	if (st)
		st->failed = 1;
	sqlite3_reset(q);
}

/* SQLite rolls a transaction back by itself on some errors (out of memory,
 * I/O error, disk full); a statement run after that would commit on its own,
 * so none runs until the caller's rollback, and the transaction counts as
 * failed. */
static int txn_lost(store_q *q)
{
	if (!sqlite3_get_autocommit(sqlite3_db_handle(q)))
		return 0;
	struct store *st = store_of(q);
	if (!st || !st->in_txn)
		return 0;
	st->failed = 1;
	sqlite3_reset(q);
	return 1;
}

int store_step(store_q *q)
{
	if (txn_lost(q))
		return STORE_ERR;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		return STORE_ROW;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		return STORE_DONE;
	}
	step_failed(q, rc);
	return STORE_ERR;
}

int store_one(store_q *q)
{
	return store_step(q);
}

int store_exists(store_q *q)
{
	int rc = store_step(q);
	if (rc == STORE_ROW)
		sqlite3_reset(q);
	return rc;
}

int64_t store_scalar(store_q *q)
{
	int64_t v = -1;
	if (store_step(q) == STORE_ROW) {
		v = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	return v;
}

int store_run(store_q *q)
{
	int rc;
	if (txn_lost(q))
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		return 0;
	}
	step_failed(q, rc);
	return -1;
}

void store_reset(store_q *q)
{
	sqlite3_reset(q);
}

/* SQLite out of memory while copying a bound value or converting a column
 * leaves the parameter NULL or hands back NULL for a value that is there:
 * either way the transaction must fail rather than store or read a NULL. */
static void out_of_memory(store_q *q, const char *what)
{
	struct store *st = store_of(q);
	log_event("-", "sql %s failed: out of memory: %.80s", what, sqlite3_sql(q));
	if (st)
		st->failed = 1;
}

static void bound(store_q *q, int rc)
{
	if (rc == SQLITE_NOMEM || rc == SQLITE_TOOBIG)
		out_of_memory(q, "bind");
}

static const char *column_text(store_q *q, int i)
{
	const char *t = (const char *)sqlite3_column_text(q, i);
	if (!t && sqlite3_column_type(q, i) != SQLITE_NULL)
		out_of_memory(q, "column");
	return t;
}

void store_bind_text(store_q *q, int i, const char *v)
{
	if (v)
		bound(q, sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT));
	else
		sqlite3_bind_null(q, i);
}

void store_bind_textn(store_q *q, int i, const char *v, size_t n)
{
	bound(q, sqlite3_bind_text64(q, i, v, n, SQLITE_TRANSIENT, SQLITE_UTF8));
}

void store_bind_int(store_q *q, int i, int64_t v)
{
	sqlite3_bind_int64(q, i, v);
}

void store_bind_double(store_q *q, int i, double v)
{
	sqlite3_bind_double(q, i, v);
}

void store_bind_null(store_q *q, int i)
{
	sqlite3_bind_null(q, i);
}

void store_bind_blob(store_q *q, int i, const void *p, size_t n)
{
	bound(q, sqlite3_bind_blob64(q, i, p, n, SQLITE_TRANSIENT));
}

const char *store_text(store_q *q, int i)
{
	return column_text(q, i);
}

int64_t store_int(store_q *q, int i)
{
	return sqlite3_column_int64(q, i);
}

double store_double(store_q *q, int i)
{
	return sqlite3_column_double(q, i);
}

int store_is_null(store_q *q, int i)
{
	return sqlite3_column_type(q, i) == SQLITE_NULL;
}

const void *store_blob(store_q *q, int i, size_t *n)
{
	const void *p = sqlite3_column_blob(q, i);
	*n = (size_t)sqlite3_column_bytes(q, i);
	return p;
}

/* As snprintf(out, len, "%s", t) would, without its cost (a row's
 * columns are copied on every request). */
void store_copy(store_q *q, int i, char *out, size_t len)
{
	const char *t = column_text(q, i);
	if (!len)
		return;
	size_t n = t ? strnlen(t, len - 1) : 0;
	if (n)
		memcpy(out, t, n);
	out[n] = 0;
}

json_object *store_json(store_q *q, int i)
{
	const char *t = column_text(q, i);
	if (!t)
		return NULL;
	return json_tokener_parse(t);
}

int store_exec_(struct store *st, const char *sql, int nargs, const char *const *args)
{
	sqlite3_stmt *s = store_prepare_(st, sql);
	if (!s)
		return -1;
	for (int i = 0; i < nargs; i++)
		store_bind_text(s, i + 1, args[i]);
	return store_run(s);
}

int store_changes(struct store *st)
{
	return sqlite3_changes(st->db);
}

int64_t store_data_version(struct store *st)
{
	store_q *q = store_sql(st, "PRAGMA data_version");
	return q ? store_scalar(q) : -1;
}

/* ---- binding by name (appended for the stream's listing statements) ---- */

int store_param(store_q *q, const char *name)
{
	return sqlite3_bind_parameter_index(q, name);
}

void store_bind_text_named(store_q *q, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(q, name);
	if (i)
		store_bind_text(q, i, v);
}

void store_bind_int_named(store_q *q, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(q, name);
	if (i)
		store_bind_int(q, i, v);
}

/* ---- the stream's full-text tokens (appended) ---------------------------------
 *
 * The stream's full-text index (schema 009) is contentless: an entry is
 * removed by giving the very tokens it was added with. Both are computed
 * from the activity row by these SQL functions, in migrations and at run
 * time alike, from what never changes in a row (its content, its actor):
 *   max_fts_text(content)  the plain text
 *   max_fts_terms(verb, object_json, actor_kind, actor_json)
 *     'k' + hex of each keyword of the content (for a post also of its
 *     author's words), 'h' + hex of each hashtag, for a comment 'p' + hex
 *     of each word of its author (words it brings to its post), and for a
 *     post its duplicate guard token:
 *   max_fts_dup(actor_kind, username, content)
 *     'd' + 15 hex digits of the sha1 of the actor (a person's username;
 *     a context actor's hash changes when the context is renamed, so only
 *     its kind) and the content: the posts a new one may repeat. */

static void dup_token(const char *kind, const char *user, const char *content, struct buf *b)
{
	struct buf in;
	buf_init(&in);
	int person = kind && !strcmp(kind, "person");
	buf_printf(&in, "%s%c%s%c%s", kind ? kind : "", 0, person && user ? user : "", 0,
		   content ? content : "");
	char h[41];
	hash_sha1_hex(in.data, in.len, h);
	buf_free(&in);
	buf_printf(b, "%sd%.15s", b->len ? " " : "", h);
}

static void fts_dup(sqlite3_context *cx, int n, sqlite3_value **v)
{
	struct buf b;
	buf_init(&b);
	dup_token((const char *)sqlite3_value_text(v[0]), (const char *)sqlite3_value_text(v[1]),
		  (const char *)sqlite3_value_text(v[2]), &b);
	sqlite3_result_text(cx, b.data, -1, SQLITE_TRANSIENT);
	buf_free(&b);
}

static void fts_text(sqlite3_context *cx, int n, sqlite3_value **v)
{
	const char *content = (const char *)sqlite3_value_text(v[0]);
	sqlite3_result_text(cx, text_plain(content ? content : ""), -1, free);
}

static void fts_tokens(struct buf *b, char kind, json_object *words)
{
	size_t n = words && json_object_is_type(words, json_type_array)
			   ? json_object_array_length(words)
			   : 0;
	for (size_t i = 0; i < n; i++) {
		const char *w = json_object_get_string(json_object_array_get_idx(words, i));
		if (!w || !*w)
			continue;
		if (b->len)
			buf_addc(b, ' ');
		buf_addc(b, kind);
		/* hex_bytes, not a printf per byte: this runs for every word of
		 * every post, and the printf was a tenth of a post's work */
		size_t len = strlen(w);
		char *at = buf_reserve(b, 2 * len);
		hex_bytes(w, len, at);
		b->len += 2 * len;
	}
}

static json_object *fts_json(sqlite3_value *v)
{
	const char *t = (const char *)sqlite3_value_text(v);
	return t ? json_tokener_parse(t) : NULL;
}

static void fts_terms(sqlite3_context *cx, int n, sqlite3_value **v)
{
	const char *verb = (const char *)sqlite3_value_text(v[0]);
	const char *kind = (const char *)sqlite3_value_text(v[2]);
	json_object *object = fts_json(v[1]), *actor = fts_json(v[3]);
	json_object *terms = json_object_new_object(), *person = json_object_new_array();
	const char *type = jx_str(object, "objectType"), *content = jx_str(object, "content");
	if (content && *content && !(type && !strcmp(type, "file")))
		text_object_terms(terms, content);
	if (kind && !strcmp(kind, "person"))
		text_set_add_person(person, jx_str(actor, "username"),
				    jx_str(actor, "displayName"));
	int post = verb && !strcmp(verb, "post");
	struct buf b;
	buf_init(&b);
	fts_tokens(&b, 'k', json_object_object_get(terms, "keywords"));
	fts_tokens(&b, post ? 'k' : 'p', person);
	fts_tokens(&b, 'h', json_object_object_get(terms, "hashtags"));
	if (post)
		dup_token(kind, jx_str(actor, "username"), content, &b);
	sqlite3_result_text(cx, b.data ? b.data : "", -1, SQLITE_TRANSIENT);
	buf_free(&b);
	json_object_put(terms);
	json_object_put(person);
	json_object_put(object);
	json_object_put(actor);
}

static void store_fts_functions_(struct store *st)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
	sqlite3_create_function(st->db, "max_fts_text", 1, flags, NULL, fts_text, NULL, NULL);
	sqlite3_create_function(st->db, "max_fts_terms", 4, flags, NULL, fts_terms, NULL, NULL);
	sqlite3_create_function(st->db, "max_fts_dup", 3, flags, NULL, fts_dup, NULL, NULL);
}
