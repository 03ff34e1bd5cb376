/*
 * stats.h — the numbers an operator looks at first (maxctl stats): how
 * much MAX holds, whether the outbox drains, how big the files are.
 */
#ifndef MAX_MODEL_STATS_H
#define MAX_MODEL_STATS_H

#include "model/model.h"

struct stats {
	long long people, contexts, subscriptions, posts, comments, conversations, messages;
	long long tokens, devices;
	long long outbox;       /* rows max-bridge has not published yet */
	char outbox_oldest[32]; /* created_at of the oldest, "" when empty */
	int schema_version;
	long long db_bytes, wal_bytes;
};

/* Fills s (run it inside store_begin_read() for one moment's numbers).
 * MAX_OK or MAX_ESERVER. */
enum max_err stats_collect(struct store *st, struct stats *s);

#endif
