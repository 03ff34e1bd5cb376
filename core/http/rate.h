/*
 * rate.h — a per-user limit on writes (POST, PUT, DELETE), [max]
 * writes_per_minute (0: no limit).
 *
 * Each worker process counts the writes of each user in fixed one-minute
 * windows, in memory: the check costs no database write, and a user
 * spread over N workers gets at most N times the limit (the workers share
 * nothing). Beyond it the answer is 429 TooManyRequests with Retry-After.
 */
#ifndef MAX_RATE_H
#define MAX_RATE_H

#include "http/max.h"

#include <time.h>

/* Counts one write by user at now; MAX_OK, or MAX_ETOOMANY with the
 * seconds to wait in *retry_after. limit <= 0 never refuses. */
enum max_err rate_write(const char *user, long limit, time_t now, long *retry_after);

/* Forgets every count (tests). */
void rate_reset(void);

#endif
