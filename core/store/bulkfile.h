/*
 * bulkfile.h — an SQLite VFS for writing a whole database file at once
 * (the target of a backup): the default VFS, except that runs of
 * consecutive page writes to the main database file are gathered into
 * one write of up to 64 KiB. The backup API hands its target one page
 * (4 KiB) per write; a 1 GB database was a quarter of a million write
 * calls, most of the backup's system time.
 *
 * And one for the live database, which gathers the WAL file's writes
 * instead: SQLite writes each WAL frame as two calls (its 24-byte header,
 * then the page), about 20 calls for an ordinary post; gathered, that is
 * one write per transaction; it also keeps the database's memory map
 * between transactions (see bulkfile.c). Internal to the store layer
 * (store.c, maintain.c).
 */
#ifndef MAX_STORE_BULKFILE_H
#define MAX_STORE_BULKFILE_H

/* The VFS name to pass to sqlite3_open_v2, registered on first use (not
 * as the default); NULL when it could not be registered (then the
 * default VFS does the same job, only with more calls). */
const char *store_bulk_vfs(void);

/* The same for the live database: WAL writes gathered, up to each
 * commit (see bulkfile.c for why that is safe for other readers). */
const char *store_wal_vfs(void);

#endif
