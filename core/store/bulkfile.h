/*
 * bulkfile.h — an SQLite VFS for writing a whole database file at once
 * (the target of a backup): the default VFS, except that runs of
 * consecutive page writes to the main database file are gathered into
 * one write of up to 64 KiB. The backup API hands its target one page
 * (4 KiB) per write; a 1 GB database was a quarter of a million write
 * calls, most of the backup's system time. Internal to the store layer
 * (maintain.c).
 */
#ifndef MAX_STORE_BULKFILE_H
#define MAX_STORE_BULKFILE_H

/* The VFS name to pass to sqlite3_open_v2, registered on first use (not
 * as the default); NULL when it could not be registered (then the
 * default VFS does the same job, only with more calls). */
const char *store_bulk_vfs(void);

#endif
