/*
 * torture — the write handlers under failing SQLite allocations and I/O,
 * in the manner of curl's torture tests.  For each handler, the Nth SQLite
 * memory allocation (then the Nth file write/sync/read/truncate, failing
 * with SQLITE_IOERR and again with SQLITE_FULL) fails, for N = 1, 2, ...
 * until a request no longer reaches the armed failure.  Each answer must be
 * a JSON 500/503 with the database unchanged, or the normal success with the
 * whole change made.  The hooks are installed here, through SQLite's own
 * configuration (a wrapped allocator, a VFS shim registered as default),
 * so the store needs no test code.  TORTURE_STEP=k tries every kth N only.
 * The POSTs and PUTs run a second time inside a group-commit batch (the
 * request in a savepoint, the batch's own BEGIN and COMMIT around it, the
 * failure counted across all three), as max.fcgi's writer runs them.
 * Last, one check of the store's own VFS: a lock is given back even when
 * the write before it fails (torture_release).
 */
#include "../unit/fixture.h"
#include "http/auth.h"
#include "store/bulkfile.h"

#include <sqlite3.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the fault counter: the Nth counted call fails once armed ---- */

static struct {
	int armed;
	long n, calls;
	int hit;
} fault;

static void arm(long n)
{
	fault.n = n;
	fault.calls = 0;
	fault.hit = 0;
	fault.armed = 1;
}

static int should_fail(void)
{
	if (!fault.armed || ++fault.calls != fault.n)
		return 0;
	fault.hit = 1;
	return 1;
}

/* ---- the allocator: SQLite's default, wrapped ---- */

static sqlite3_mem_methods real_mem;
static int mem_on;

static void *t_malloc(int n)
{
	return mem_on && should_fail() ? NULL : real_mem.xMalloc(n);
}

static void *t_realloc(void *p, int n)
{
	return mem_on && should_fail() ? NULL : real_mem.xRealloc(p, n);
}

static void install_allocator(void)
{
	sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem);
	sqlite3_mem_methods m = real_mem;
	m.xMalloc = t_malloc;
	m.xRealloc = t_realloc;
	sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
}

/* ---- the VFS shim: every file's methods forward to the default VFS's ---- */

static int io_on, io_full; /* io_full: writes fail with SQLITE_FULL */
static sqlite3_vfs *real_vfs, shim_vfs;

struct shim_file {
	sqlite3_file base;
	sqlite3_file *real; /* lives right after this struct */
};
#define REAL(f) (((struct shim_file *)(f))->real)

static int io_fail(int ioerr)
{
	return io_on && should_fail()
		       ? (io_full && ioerr != SQLITE_IOERR_READ ? SQLITE_FULL : ioerr)
		       : SQLITE_OK;
}

static int s_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}
static int s_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
	int rc = io_fail(SQLITE_IOERR_READ);
	return rc ? rc : REAL(f)->pMethods->xRead(REAL(f), b, n, o);
}
static int s_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
	int rc = io_fail(SQLITE_IOERR_WRITE);
	return rc ? rc : REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int s_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	int rc = io_fail(SQLITE_IOERR_TRUNCATE);
	return rc ? rc : REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int s_sync(sqlite3_file *f, int flags)
{
	int rc = io_fail(SQLITE_IOERR_FSYNC);
	return rc ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int s_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int s_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int s_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int s_check(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int s_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int s_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int s_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int s_shmmap(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, pp);
}
static int s_shmlock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void s_shmbarrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int s_shmunmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* version 2: no memory-mapped reads, so every read goes through s_read */
static const sqlite3_io_methods shim_io = {
	2,         s_close,      s_read,     s_write, s_truncate, s_sync,    s_size,
	s_lock,    s_unlock,     s_check,    s_fcntl, s_sector,   s_devchar, s_shmmap,
	s_shmlock, s_shmbarrier, s_shmunmap, NULL,    NULL,
};

static int s_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	struct shim_file *s = (struct shim_file *)f;
	s->real = (sqlite3_file *)(s + 1);
	int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out);
	s->base.pMethods = s->real->pMethods ? &shim_io : NULL;
	return rc;
}

static void install_vfs(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	shim_vfs = *real_vfs;
	shim_vfs.zName = "torture";
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile;
	shim_vfs.xOpen = s_open;
	shim_vfs.pNext = NULL;
	sqlite3_vfs_register(&shim_vfs, 1);
}

/* ---- the database's digest: row counts and an order-free hash ---- */

static const char *const tables[] = {
	"people",
	"contexts",
	"subscriptions",
	"activities",
	"messages",
	"conversations",
	"conversation_participants",
	"conversation_members",
	"outbox",
	"likes",
	"favorites",
	"push_optouts",
};
#define NTABLES (sizeof tables / sizeof *tables)

struct digest {
	long long count[NTABLES];
	uint64_t hash[NTABLES];
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	for (const unsigned char *c = p; n--; c++)
		h = (h ^ *c) * 1099511628211ULL;
	return h;
}

static void digest(struct digest *d)
{
	memset(d, 0, sizeof *d);
	for (size_t t = 0; t < NTABLES; t++) {
		char sql[96];
		snprintf(sql, sizeof sql, "SELECT * FROM %s", tables[t]);
		sqlite3_stmt *s = NULL;
		if (sqlite3_prepare_v2(fx.db.db, sql, -1, &s, NULL) != SQLITE_OK) {
			d->count[t] = -1;
			continue;
		}
		while (sqlite3_step(s) == SQLITE_ROW) {
			uint64_t h = 14695981039346656037ULL;
			for (int i = 0; i < sqlite3_column_count(s); i++) {
				const void *v = sqlite3_column_blob(s, i);
				h = fnv(h, v ? v : "\1null",
					v ? (size_t)sqlite3_column_bytes(s, i) : 5);
				h = fnv(h, "\0", 1);
			}
			d->hash[t] += h;
			d->count[t]++;
		}
		sqlite3_finalize(s);
	}
}

/* ---- one database copy per try ---- */

static char base_path[128], work_path[128];

static int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char b[65536];
	size_t n;
	int ok = in && out;
	while (ok && (n = fread(b, 1, sizeof b, in)) > 0)
		ok = fwrite(b, 1, n, out) == n;
	if (in)
		fclose(in);
	if (out && fclose(out))
		ok = 0;
	return ok ? 0 : -1;
}

static void fresh_store(void)
{
	char p[160], err[256];
	store_close(&fx.db);
	snprintf(p, sizeof p, "%s-wal", work_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", work_path);
	unlink(p);
	if (copy_file(base_path, work_path) < 0 ||
	    store_open(&fx.db, work_path, 2000, err, sizeof err) < 0) {
		fprintf(stderr, "torture: cannot open a copy: %s\n", err);
		exit(2);
	}
	auth_cache_clear();
}

/* ---- the handlers ---- */

struct target {
	const char *name, *method, *user;
	char path[160];
	const char *body;
};

static char activity[64], conversation[64], ctx_hash[64];

#define URL "http://torture.test/c"
#define NOTE                                                                                       \
	"{\"object\":{\"objectType\":\"note\",\"content\":\"hello\"},"                             \
	"\"contexts\":[{\"objectType\":\"context\",\"url\":\"" URL "\"}]}"

static int set_up_base(void)
{
	fx_user("alice", "Alice");
	fx_user("bob", "Bob");
	struct fx_resp r =
		fx_req("POST", "/contexts", "fxadmin",
		       "{\"url\":\"" URL
		       "\",\"displayName\":\"C\",\"permissions\":{\"read\":\"subscribed\","
		       "\"write\":\"subscribed\",\"subscribe\":\"public\"}}",
		       NULL);
	snprintf(ctx_hash, sizeof ctx_hash, "%s", fx_str(&r, "hash"));
	int ok = r.status == 201;
	if (!ok)
		fprintf(stderr, "torture: POST /contexts: %d %s\n", r.status, r.raw.body.data);
	fx_free(&r);
	char path[160];
	const char *who[] = {"alice", "bob"};
	for (int i = 0; i < 2; i++) {
		char body[160];
		snprintf(path, sizeof path, "/contexts/%s/subscriptions", ctx_hash);
		snprintf(body, sizeof body,
			 "{\"actor\":{\"objectType\":\"person\",\"username\":\"%s\"}}", who[i]);
		r = fx_req("POST", path, "fxadmin", body, NULL);
		ok &= r.status == 201;
		if (r.status != 201)
			fprintf(stderr, "torture: subscribe: %d %s\n", r.status, r.raw.body.data);
		fx_free(&r);
	}
	r = fx_req("POST", "/people/alice/activities", "alice", NOTE, NULL);
	snprintf(activity, sizeof activity, "%s", fx_str(&r, "id"));
	ok &= r.status == 201;
	if (r.status != 201)
		fprintf(stderr, "torture: activity: %d %s\n", r.status, r.raw.body.data);
	fx_free(&r);
	r = fx_req("POST", "/conversations", "alice",
		   "{\"contexts\":[{\"objectType\":\"conversation\",\"participants\":[\"alice\","
		   "\"bob\"]}],"
		   "\"object\":{\"objectType\":\"note\",\"content\":\"hi\"}}",
		   NULL);
	ok &= r.status == 201;
	json_object *ctxs = NULL, *c0, *id;
	if (r.json && json_object_object_get_ex(r.json, "contexts", &ctxs) &&
	    (c0 = json_object_array_get_idx(ctxs, 0)) && json_object_object_get_ex(c0, "id", &id))
		snprintf(conversation, sizeof conversation, "%s", json_object_get_string(id));
	fx_free(&r);
	fx_user("carol", "Carol"); /* tokens issued before the copy is taken */
	fx_token("alice");
	fx_token("bob");
	return ok && *activity && *conversation ? 0 : -1;
}

static void targets(struct target *t)
{
	struct target all[] = {
		{"POST /people", "POST", "fxadmin", "/people",
		 "{\"username\":\"newbie\",\"displayName\":\"N\"}"},
		{"POST /contexts", "POST", "fxadmin", "/contexts",
		 "{\"url\":\"http://torture.test/new\",\"displayName\":\"N\"}"},
		{"subscribe", "POST", "fxadmin", "",
		 "{\"actor\":{\"objectType\":\"person\",\"username\":\"carol\"}}"},
		{"POST activity", "POST", "alice", "/people/alice/activities",
		 "{\"object\":{\"objectType\":\"note\",\"content\":\"another\"},"
		 "\"contexts\":[{\"objectType\":\"context\",\"url\":\"" URL "\"}]}"},
		{"comment", "POST", "bob", "",
		 "{\"object\":{\"objectType\":\"comment\",\"content\":\"c\"}}"},
		{"like", "POST", "bob", "", NULL},
		{"POST /conversations", "POST", "alice", "/conversations",
		 "{\"contexts\":[{\"objectType\":\"conversation\",\"participants\":[\"alice\","
		 "\"carol\"]}],"
		 "\"object\":{\"objectType\":\"note\",\"content\":\"x\"}}"},
		{"POST message", "POST", "alice", "",
		 "{\"object\":{\"objectType\":\"note\",\"content\":\"m\"}}"},
		{"PUT /people/{u}", "PUT", "alice", "/people/alice",
		 "{\"displayName\":\"Alice Two\"}"},
		{"DELETE activity", "DELETE", "alice", "", NULL},
	};
	snprintf(all[2].path, sizeof all[2].path, "/contexts/%s/subscriptions", ctx_hash);
	snprintf(all[4].path, sizeof all[4].path, "/activities/%s/comments", activity);
	snprintf(all[5].path, sizeof all[5].path, "/activities/%s/likes", activity);
	snprintf(all[7].path, sizeof all[7].path, "/conversations/%s/messages", conversation);
	snprintf(all[9].path, sizeof all[9].path, "/activities/%s", activity);
	memcpy(t, all, sizeof all);
}
#define NTARGETS 10

/* ---- one try ---- */

enum mode { M_MALLOC, M_IOERR, M_FULL };
static const char *const mode_name[] = {"malloc", "I/O SQLITE_IOERR", "I/O SQLITE_FULL"};

/* wrong answers: a failure that leaves a change behind, a 500 without a
 * JSON error, a 4xx (a failed statement read as "no such row"), a success
 * whose change differs from the clean run's */
static int bad;

/* The request alone, or as the one request of a batch: a batch that
 * cannot begin leaves the request to run alone, and one whose commit
 * fails turns the answer into a 500 (fcgi/adapter.c). */
static struct fx_resp send_one(const struct target *t, int batched)
{
	int in_batch = batched && store_batch_begin(&fx.db) == 0;
	struct fx_resp r = fx_req(t->method, t->path, t->user, t->body, NULL);
	if (in_batch && store_batch_end(&fx.db, 1) < 0) {
		http_batch_failed(&fx.cfg, &r.raw);
		r.status = r.raw.status;
		json_object_put(r.json);
		r.json = json_tokener_parse(r.raw.body.data);
	}
	return r;
}

static int try_once(const struct target *t, enum mode m, long n, struct digest *after, int *hit,
		    int batched)
{
	mem_on = m == M_MALLOC;
	io_on = m != M_MALLOC;
	io_full = m == M_FULL;
	if (n)
		arm(n);
	struct fx_resp r = send_one(t, batched);
	fault.armed = 0;
	mem_on = io_on = 0;
	*hit = fault.hit;
	int status = r.status;
	if ((status == 500 || status == 503) && !*fx_error(&r)) {
		printf("  %s, %s N=%ld: %d without a JSON error\n", t->name, mode_name[m], n,
		       status);
		bad++;
	}
	fx_free(&r);
	digest(after);
	return status;
}

static int same_counts(const struct digest *a, const struct digest *b)
{
	return !memcmp(a->count, b->count, sizeof a->count);
}

/* N = 1, step, ... until a request no longer reaches the failure */
static void torture(const struct target *t, enum mode m, long step, int batched)
{
	struct digest before, after, want;
	int hit, fails = 0, absorbed = 0;
	const char *tag = batched ? " (batch)" : "";
	fresh_store();
	digest(&before);
	int ok = try_once(t, m, 0, &want, &hit, batched);
	long n;
	for (n = 1;; n += step) {
		fresh_store();
		int st = try_once(t, m, n, &after, &hit, batched);
		if (!hit) {
			if (st != ok || !same_counts(&after, &want)) {
				printf("  %s, %s N=%ld%s: not reached but %d\n", t->name,
				       mode_name[m], n, tag, st);
				bad++;
			}
			break;
		}
		if (st == 500 || st == 503) {
			fails++;
			if (memcmp(&after, &before, sizeof before)) {
				printf("  %s, %s N=%ld%s: %d but the database changed\n", t->name,
				       mode_name[m], n, tag, st);
				bad++;
			}
		} else if (st == ok && same_counts(&after, &want) &&
			   memcmp(&after, &before, sizeof before)) {
			absorbed++;
		} else {
			printf("  %s, %s N=%ld%s: answered %d (want %d or 500/503)%s\n", t->name,
			       mode_name[m], n, tag, st, ok, st == ok ? ", change incomplete" : "");
			bad++;
		}
	}
	printf("%-20s %-17s N tried %5ld (step %ld): %4d failed cleanly, %4d absorbed%s\n", t->name,
	       mode_name[m], n, step, fails, absorbed, batched ? ", in a batch" : "");
	fflush(stdout);
}

/* ---- a lock is given back even when the write before it fails ----
 *
 * The store's VFSes gather runs of writes and write a run out before any
 * other call on the file (core/store/bulkfile.c), so the release of a lock
 * can be the call that writes. If that write fails, the lock must still be
 * released: a connection that kept its lock would stop every writer of
 * every process until it closed. Here a file of the backup target's VFS
 * (which gathers the main database file's writes) holds the RESERVED lock
 * with a write in its run, and that write fails as the lock is released.
 * SQLite itself seldom leaves a run there (a rollback reads first), so
 * the VFS is driven directly. */
static void torture_release(void)
{
	sqlite3_vfs *vfs = sqlite3_vfs_find(store_bulk_vfs());
	char path[160];
	snprintf(path, sizeof path, "%s/locks.db", fx.dir);
	sqlite3_filename name = sqlite3_create_filename(path, "", "", 0, NULL);
	sqlite3_file *a = calloc(1, (size_t)vfs->szOsFile), *b = calloc(1, (size_t)vfs->szOsFile);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MAIN_DB, out;
	static char page[4096];
	int reserved = -1, rc = -1;
	if (a && b && vfs->xOpen(vfs, name, a, flags, &out) == SQLITE_OK &&
	    vfs->xOpen(vfs, name, b, flags, &out) == SQLITE_OK &&
	    a->pMethods->xLock(a, SQLITE_LOCK_SHARED) == SQLITE_OK &&
	    a->pMethods->xLock(a, SQLITE_LOCK_RESERVED) == SQLITE_OK &&
	    a->pMethods->xWrite(a, page, sizeof page, 0) == SQLITE_OK) {
		io_on = 1;
		io_full = 0;
		arm(1);
		rc = a->pMethods->xUnlock(a, SQLITE_LOCK_SHARED);
		fault.armed = io_on = 0;
		b->pMethods->xCheckReservedLock(b, &reserved);
	}
	if (rc != SQLITE_IOERR_WRITE || reserved != 0) {
		printf("  release of a lock after a failed write: %d (want %d), reserved: %d\n", rc,
		       SQLITE_IOERR_WRITE, reserved);
		bad++;
	}
	printf("%-20s %-17s the write failed, the lock was given back: %s\n", "unlock",
	       mode_name[M_IOERR], reserved == 0 ? "yes" : "no");
	if (a && a->pMethods)
		a->pMethods->xClose(a);
	if (b && b->pMethods)
		b->pMethods->xClose(b);
	free(a);
	free(b);
	sqlite3_free_filename(name);
}

int main(void)
{
	install_allocator();
	install_vfs();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fx_init() < 0) {
		fprintf(stderr, "torture: no database\n");
		return 2;
	}
	if (set_up_base() < 0) {
		fprintf(stderr, "torture: set-up failed\n");
		return 2;
	}
	snprintf(base_path, sizeof base_path, "%s/max.db", fx.dir);
	snprintf(work_path, sizeof work_path, "%s/work.db", fx.dir);
	store_close(&fx.db); /* folds the WAL into the base file */
	char err[256];
	if (store_open(&fx.db, base_path, 2000, err, sizeof err) < 0)
		return 2;
	const char *s = getenv("TORTURE_STEP");
	long step = s && atol(s) > 0 ? atol(s) : 1;
	struct target t[NTARGETS];
	targets(t);
	for (int i = 0; i < NTARGETS; i++)
		for (enum mode m = M_MALLOC; m <= M_FULL; m++) {
			torture(&t[i], m, step, 0);
			if (strcmp(t[i].method, "DELETE"))
				torture(&t[i], m, step, 1);
		}
	torture_release();
	fx_cleanup();
	printf("torture: %d wrong answers: %s\n", bad, bad ? "FAILED" : "ok");
	return bad ? 1 : 0;
}
