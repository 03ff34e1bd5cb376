/*
 * bulkfile.c — the write-gathering VFS of bulkfile.h.
 *
 * Every method goes to the default VFS's file. The main database file
 * gets a 64 KiB buffer: a write that continues the buffered run is
 * appended to it; any other call first writes the run out (a read, a
 * sync, a size, a lock change, a shared-memory call, closing), so
 * SQLite never sees the file differ from what it wrote, and a sync
 * covers every write before it. Journals and WAL files are not
 * buffered. 64 KiB because the unix VFS writes at most 128 KiB - 1 per
 * call.
 */
#include "store/bulkfile.h"

#include <sqlite3.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BULK_BYTES (64 * 1024)

struct bulk_file {
	sqlite3_file base;  /* pMethods = bulk_io */
	sqlite3_file *real; /* the default VFS's file, right after this struct */
	char *buf;          /* NULL: not buffered */
	sqlite3_int64 off;  /* file offset of buf[0] */
	int len;            /* bytes in buf */
};

static sqlite3_vfs bulk_vfs, *parent;

#define REAL(p) (((struct bulk_file *)(p))->real)
#define REALM(p) (REAL(p)->pMethods)

static int flush(sqlite3_file *p)
{
	struct bulk_file *f = (struct bulk_file *)p;
	if (!f->len)
		return SQLITE_OK;
	int rc = REALM(p)->xWrite(f->real, f->buf, f->len, f->off);
	f->len = 0;
	return rc;
}

static int b_write(sqlite3_file *p, const void *data, int n, sqlite3_int64 off)
{
	struct bulk_file *f = (struct bulk_file *)p;
	if (f->len && off == f->off + f->len && f->len + n <= BULK_BYTES) {
		memcpy(f->buf + f->len, data, (size_t)n);
		f->len += n;
		return SQLITE_OK;
	}
	int rc = flush(p);
	if (rc != SQLITE_OK)
		return rc;
	if (!f->buf || n > BULK_BYTES / 2)
		return REALM(p)->xWrite(f->real, data, n, off);
	memcpy(f->buf, data, (size_t)n);
	f->off = off;
	f->len = n;
	return SQLITE_OK;
}

static int b_close(sqlite3_file *p)
{
	struct bulk_file *f = (struct bulk_file *)p;
	int rc = flush(p), rc2 = REALM(p)->xClose(f->real);
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
	FLUSHED(REALM(p)->xUnlock(REAL(p), level));
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
	FLUSHED(REALM(p)->xShmLock(REAL(p), off, n, flags));
}
static void b_shm_barrier(sqlite3_file *p)
{
	if (REALM(p)->iVersion >= 2)
		REALM(p)->xShmBarrier(REAL(p));
}
static int b_shm_unmap(sqlite3_file *p, int del)
{
	if (REALM(p)->iVersion < 2)
		return SQLITE_OK;
	FLUSHED(REALM(p)->xShmUnmap(REAL(p), del));
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
	return REALM(p)->iVersion < 3 ? SQLITE_OK : REALM(p)->xUnfetch(REAL(p), off, page);
}

static const sqlite3_io_methods bulk_io = {
	3,          b_close,       b_read,      b_write,   b_truncate, b_sync,   b_size,
	b_lock,     b_unlock,      b_reserved,  b_control, b_sector,   b_device, b_shm_map,
	b_shm_lock, b_shm_barrier, b_shm_unmap, b_fetch,   b_unfetch,
};

static int b_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags, int *out)
{
	(void)vfs;
	struct bulk_file *f = (struct bulk_file *)p;
	memset(f, 0, sizeof *f); /* pMethods NULL: nothing to close on failure */
	f->real = (sqlite3_file *)(f + 1);
	if ((flags & SQLITE_OPEN_MAIN_DB) && !(f->buf = malloc(BULK_BYTES)))
		return SQLITE_NOMEM;
	int rc = parent->xOpen(parent, name, f->real, flags, out);
	if (rc != SQLITE_OK || !f->real->pMethods) {
		free(f->buf);
		f->buf = NULL;
		return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
	}
	p->pMethods = &bulk_io;
	return SQLITE_OK;
}

static void bulk_register(void)
{
	sqlite3_vfs *def = sqlite3_vfs_find(NULL);
	if (!def)
		return;
	parent = def;
	bulk_vfs = *def; /* every other method is the default VFS's own */
	bulk_vfs.szOsFile = (int)sizeof(struct bulk_file) + def->szOsFile;
	bulk_vfs.zName = "max-bulk";
	bulk_vfs.pNext = NULL;
	bulk_vfs.xOpen = b_open;
	if (sqlite3_vfs_register(&bulk_vfs, 0) != SQLITE_OK)
		parent = NULL;
}

const char *store_bulk_vfs(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, bulk_register);
	return parent ? bulk_vfs.zName : NULL;
}
