/*
 * rate.h — a per-user limit on writes (POST, PUT, DELETE), [max]
 * writes_per_minute (0: no limit).
 *
 * Writes are counted per user in fixed one-minute windows, in a small
 * table every worker of the same database shares: the file `<db>-rate`
 * beside the database, mapped into each worker and updated under an
 * flock. A user whose requests lighttpd spreads over N workers still gets
 * the limit once, not N times, and the check costs no database write.
 * Beyond the limit the answer is 429 TooManyRequests with Retry-After.
 * Without a database file (":memory:", or the file cannot be opened) the
 * table is the worker's own.
 */
#ifndef MAX_RATE_H
#define MAX_RATE_H

#include "http/max.h"

#include <time.h>

/* Counts one write by user at now, in the table shared by the workers of
 * the database at db_path (mapped on the first call); MAX_OK, or
 * MAX_ETOOMANY with the seconds to wait in *retry_after. limit <= 0 never
 * refuses. */
enum max_err rate_write(const char *db_path, const char *user, long limit, time_t now,
			long *retry_after);

/* Forgets every count (tests). */
void rate_reset(void);

#endif
