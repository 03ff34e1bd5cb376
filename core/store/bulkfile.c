/*
 * bulkfile.c — the write-gathering VFSes of bulkfile.h.
 *
 * Every method goes to the default VFS's file. One file of each
 * connection gets a 64 KiB buffer: the main database file under
 * "max-bulk", the WAL file under "max-wal". A write that continues the
 * buffered run is appended to it; any other call first writes the run
 * out (a read, a sync, a size, a lock change, a shared-memory call,
 * closing), so SQLite never sees the file differ from what it wrote,
 * and a sync covers every write before it. 64 KiB because the unix VFS
 * writes at most 128 KiB - 1 per call. A call that gives a lock back goes
 * on even when that write fails (RELEASED below).
 *
 * The WAL needs two more rules, because other connections read it:
 *  - a transaction's frames must be in the file before the wal-index
 *    header that makes them visible. SQLite writes that header right
 *    after the commit frame, with no VFS call in between that could
 *    report an error, so the run is written out as soon as the commit
 *    frame's page is (a frame header whose "database size" field is
 *    not zero marks the commit frame), and a failure is that write's;
 *  - as a safety net, every shared-memory call on the main database
 *    file first writes out its WAL's run (sqlite3_database_file_object
 *    links the two when the WAL is opened).
 *
 * And "max-wal" keeps the live database's memory map (PRAGMA mmap_size)
 * from one transaction to the next. SQLite drops a connection's page
 * cache whenever another connection committed, and unmaps the file too,
 * so a reader worker re-read every page of its next query: a timeline
 * read while posts went in did 129 preads of the database file against
 * none when idle. The map is kept while the file keeps its size (a
 * shared map shows what other processes write, and the checkpointer never
 * overwrites a page that a reader's snapshot still takes from the file);
 * when the size changed it is remapped as before, which also covers a
 * file that shrank (mapped pages past its end would fault). The workers'
 * checkpointer has the file grow in 16 MB steps (store_grow_in_steps),
 * so that this is rare.
 */
#include "store/bulkfile.h"

#include <sqlite3.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BULK_BYTES (64 * 1024)

struct bulk_file {
	sqlite3_file base;         /* pMethods = bulk_io */
	sqlite3_file *real;        /* the default VFS's file, right after this struct */
	char *buf;                 /* NULL: not buffered */
	sqlite3_int64 off;         /* file offset of buf[0] */
	int len;                   /* bytes in buf */
	int wal;                   /* this is a buffered WAL file */
	int commit_next;           /* the next write is a commit frame's page */
	int keep_map;              /* the live database: see above */
	sqlite3_int64 map_size;    /* file size when the map was last dropped */
	struct bulk_file *partner; /* main db file <-> its buffered WAL */
};

static sqlite3_vfs bulk_vfs, wal_vfs, *parent;

#define REAL(p) (((struct bulk_file *)(p))->real)
#define REALM(p) (REAL(p)->pMethods)

static int flush_own(struct bulk_file *f)
{
	if (!f->len)
		return SQLITE_OK;
	int rc = f->real->pMethods->xWrite(f->real, f->buf, f->len, f->off);
	f->len = 0;
	return rc;
}

/* The file's own run, and for a main database file its WAL's. */
static int flush(sqlite3_file *p)
{
	struct bulk_file *f = (struct bulk_file *)p;
	int rc = flush_own(f);
	if (!f->wal && f->partner) {
		int rc2 = flush_own(f->partner);
		if (rc == SQLITE_OK)
			rc = rc2;
	}
	return rc;
}

/* WAL frame header: 24 bytes; bytes 4-7, big-endian, are the database
 * size in pages after a commit frame and zero in every other frame. */
static int is_commit_header(const void *data, int n, sqlite3_int64 off)
{
	const unsigned char *b = data;
	return n == 24 && off >= 32 && (b[4] | b[5] | b[6] | b[7]) != 0;
}

static int gather(struct bulk_file *f, const void *data, int n, sqlite3_int64 off)
{
	if (f->len && off == f->off + f->len && f->len + n <= BULK_BYTES) {
		memcpy(f->buf + f->len, data, (size_t)n);
		f->len += n;
		return SQLITE_OK;
	}
	int rc = flush_own(f);
	if (rc != SQLITE_OK)
		return rc;
	if (!f->buf || n > BULK_BYTES / 2)
		return f->real->pMethods->xWrite(f->real, data, n, off);
	memcpy(f->buf, data, (size_t)n);
	f->off = off;
	f->len = n;
	return SQLITE_OK;
}

static int b_write(sqlite3_file *p, const void *data, int n, sqlite3_int64 off)
{
	struct bulk_file *f = (struct bulk_file *)p;
	if (!f->wal)
		return gather(f, data, n, off);
	int commit = f->commit_next;
	f->commit_next = is_commit_header(data, n, off);
	int rc = gather(f, data, n, off);
	return rc == SQLITE_OK && commit ? flush_own(f) : rc;
}

static int b_close(sqlite3_file *p)
{
	struct bulk_file *f = (struct bulk_file *)p;
	int rc = flush(p), rc2 = REALM(p)->xClose(f->real);
	if (f->partner)
		f->partner->partner = NULL;
	free(f->buf);
	f->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

/* The methods that write the run out first, then pass the call on. */
#define FLUSHED(call)                                                                              \
	do {                                                                                       \
		int rc_ = flush(p);                                                                \
		return rc_ != SQLITE_OK ? rc_ : (call);                                            \
	} while (0)

/* The methods that give something back (a lock, the shared memory): the
 * call is passed on even when writing the run out failed, and that error
 * is returned. A lock kept because of a failed write would stop every
 * writer of every process until this connection closed. */
#define RELEASED(call)                                                                             \
	do {                                                                                       \
		int rc_ = flush(p), rc2_ = (call);                                                 \
		return rc_ != SQLITE_OK ? rc_ : rc2_;                                              \
	} while (0)

static int b_read(sqlite3_file *p, void *data, int n, sqlite3_int64 off)
{
	FLUSHED(REALM(p)->xRead(REAL(p), data, n, off));
}
static int b_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	FLUSHED(REALM(p)->xTruncate(REAL(p), size));
}
static int b_sync(sqlite3_file *p, int flags)
{
	FLUSHED(REALM(p)->xSync(REAL(p), flags));
}
static int b_size(sqlite3_file *p, sqlite3_int64 *size)
{
	FLUSHED(REALM(p)->xFileSize(REAL(p), size));
}
static int b_lock(sqlite3_file *p, int level)
{
	FLUSHED(REALM(p)->xLock(REAL(p), level));
}
static int b_unlock(sqlite3_file *p, int level)
{
	RELEASED(REALM(p)->xUnlock(REAL(p), level));
}
static int b_reserved(sqlite3_file *p, int *out)
{
	FLUSHED(REALM(p)->xCheckReservedLock(REAL(p), out));
}
static int b_control(sqlite3_file *p, int op, void *arg)
{
	FLUSHED(REALM(p)->xFileControl(REAL(p), op, arg));
}
static int b_sector(sqlite3_file *p)
{
	return REALM(p)->xSectorSize(REAL(p));
}
static int b_device(sqlite3_file *p)
{
	return REALM(p)->xDeviceCharacteristics(REAL(p));
}

/* Shared memory and memory-mapped reads: WAL mode, which SQLite enters
 * briefly on a copy of a WAL database. Only when the file has them. */
static int b_shm_map(sqlite3_file *p, int i, int size, int extend, void volatile **out)
{
	if (REALM(p)->iVersion < 2)
		return SQLITE_IOERR_SHMMAP;
	FLUSHED(REALM(p)->xShmMap(REAL(p), i, size, extend, out));
}
static int b_shm_lock(sqlite3_file *p, int off, int n, int flags)
{
	if (REALM(p)->iVersion < 2)
		return SQLITE_IOERR_SHMLOCK;
	if (flags & SQLITE_SHM_UNLOCK)
		RELEASED(REALM(p)->xShmLock(REAL(p), off, n, flags));
	FLUSHED(REALM(p)->xShmLock(REAL(p), off, n, flags));
}
static void b_shm_barrier(sqlite3_file *p)
{
	(void)flush(p); /* normally empty: the commit frame wrote it out */
	if (REALM(p)->iVersion >= 2)
		REALM(p)->xShmBarrier(REAL(p));
}
static int b_shm_unmap(sqlite3_file *p, int del)
{
	if (REALM(p)->iVersion < 2)
		return SQLITE_OK;
	RELEASED(REALM(p)->xShmUnmap(REAL(p), del));
}
static int b_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **out)
{
	*out = NULL; /* NULL: SQLite reads the page instead */
	if (REALM(p)->iVersion < 3)
		return SQLITE_OK;
	FLUSHED(REALM(p)->xFetch(REAL(p), off, n, out));
}
static int b_unfetch(sqlite3_file *p, sqlite3_int64 off, void *page)
{
	struct bulk_file *f = (struct bulk_file *)p;
	if (REALM(p)->iVersion < 3)
		return SQLITE_OK;
	if (f->keep_map && off == 0 && !page) { /* "drop the whole map" */
		sqlite3_int64 size;
		if (REALM(p)->xFileSize(REAL(p), &size) != SQLITE_OK)
			size = -1;
		if (size >= 0 && size == f->map_size)
			return SQLITE_OK;
		f->map_size = size;
	}
	return REALM(p)->xUnfetch(REAL(p), off, page);
}

static const sqlite3_io_methods bulk_io = {
	3,          b_close,       b_read,      b_write,   b_truncate, b_sync,   b_size,
	b_lock,     b_unlock,      b_reserved,  b_control, b_sector,   b_device, b_shm_map,
	b_shm_lock, b_shm_barrier, b_shm_unmap, b_fetch,   b_unfetch,
};

static int b_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags, int *out)
{
	struct bulk_file *f = (struct bulk_file *)p;
	memset(f, 0, sizeof *f); /* pMethods NULL: nothing to close on failure */
	f->real = (sqlite3_file *)(f + 1);
	f->wal = vfs == &wal_vfs && (flags & SQLITE_OPEN_WAL);
	int buffered = vfs == &wal_vfs ? f->wal : (flags & SQLITE_OPEN_MAIN_DB) != 0;
	f->keep_map = vfs == &wal_vfs && (flags & SQLITE_OPEN_MAIN_DB);
	f->map_size = -1;
	if (buffered && !(f->buf = malloc(BULK_BYTES)))
		return SQLITE_NOMEM;
	int rc = parent->xOpen(parent, name, f->real, flags, out);
	if (rc != SQLITE_OK || !f->real->pMethods) {
		free(f->buf);
		f->buf = NULL;
		return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
	}
	p->pMethods = &bulk_io;
	if (f->wal) {
		sqlite3_file *db = sqlite3_database_file_object(name);
		if (db && db->pMethods == &bulk_io) {
			f->partner = (struct bulk_file *)db;
			f->partner->partner = f;
		}
	}
	return SQLITE_OK;
}

static int vfs_register(sqlite3_vfs *vfs, sqlite3_vfs *def, const char *name)
{
	*vfs = *def; /* every other method is the default VFS's own */
	vfs->szOsFile = (int)sizeof(struct bulk_file) + def->szOsFile;
	vfs->zName = name;
	vfs->pNext = NULL;
	vfs->xOpen = b_open;
	return sqlite3_vfs_register(vfs, 0) == SQLITE_OK;
}

/* Both wrap the VFS that is the default at the first call (a test's
 * fault-injecting VFS, when it installed one before). */
static void bulk_register(void)
{
	/* Every connection of a store asks for one of these VFSes first, so
	 * this is where the library is set up, before its first use (later,
	 * sqlite3_config fails and changes nothing). Without this SQLite
	 * counts every allocation, for sqlite3_memory_used() that nothing
	 * here reads, under one process-wide mutex: a lock and an unlock per
	 * malloc and per free, a few hundred per post. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_vfs *def = sqlite3_vfs_find(NULL);
	if (def && vfs_register(&bulk_vfs, def, "max-bulk") &&
	    vfs_register(&wal_vfs, def, "max-wal"))
		parent = def;
}

static const char *registered(sqlite3_vfs *vfs)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, bulk_register);
	return parent ? vfs->zName : NULL;
}

const char *store_bulk_vfs(void)
{
	return registered(&bulk_vfs);
}

const char *store_wal_vfs(void)
{
	return registered(&wal_vfs);
}
