/*
 * wake.h — a writer's nudge to max-bridge after a commit that appended
 * outbox rows: one datagram on a unix socket beside the database
 * ("<database>-wake"), bound by the bridge. The nudge only says "look
 * now": the rows are in the database, and a bridge that misses one finds
 * them on its next look (it also polls), so a nudge may be lost, doubled
 * or sent for nothing without harm.
 */
#ifndef MAX_WAKE_H
#define MAX_WAKE_H

#include <stddef.h>

/* The socket's path for a database; -1 when it does not fit a socket
 * address (the bridge then watches the WAL instead). */
int wake_path(const char *db_path, char *out, size_t n);

/* The bridge's end: a non-blocking datagram socket bound at the path,
 * with the database file's permission bits (whoever may write the
 * database may wake the bridge). A stale socket file is replaced; one
 * that another process still receives on is left alone (-1). */
int wake_listen(const char *db_path);

/* Reads every waiting nudge; how many there were. */
int wake_drain(int fd);

/* A writer's end, after its commit: one datagram, never blocking; a
 * missing bridge or a full queue is no error. */
void wake_send(const char *db_path);

#endif
