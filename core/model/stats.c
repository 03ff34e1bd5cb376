/*
 * stats.c — counts over the tables and the size of the files (stats.h).
 * Plain count(*) over each table: at MAX's sizes (up to millions of rows)
 * that is a fraction of a second, and exact.
 */
#include "model/stats.h"
#include "store/maintain.h"

#include <stdio.h>
#include <string.h>

/* The single integer q answers into *out; -1 on error. */
static int scalar(store_q *q, long long *out)
{
	if (!q || store_one(q) != 1)
		return -1;
	*out = store_int(q, 0);
	store_reset(q);
	return 0;
}

static int outbox_oldest(struct store *st, struct stats *s)
{
	s->outbox_oldest[0] = 0;
	store_q *q = store_sql(st, "SELECT created_at FROM outbox ORDER BY id LIMIT 1");
	if (!q)
		return -1;
	int found = store_one(q);
	if (found == 1) {
		store_copy(q, 0, s->outbox_oldest, sizeof s->outbox_oldest);
		store_reset(q);
	}
	return found < 0 ? -1 : 0;
}

enum max_err stats_collect(struct store *st, struct stats *s)
{
	memset(s, 0, sizeof *s);
	int bad = scalar(store_sql(st, "SELECT count(*) FROM people"), &s->people) |
		  scalar(store_sql(st, "SELECT count(*) FROM contexts"), &s->contexts) |
		  scalar(store_sql(st, "SELECT count(*) FROM subscriptions"), &s->subscriptions) |
		  scalar(store_sql(st, "SELECT count(*) FROM activities WHERE verb = 'post'"),
			 &s->posts) |
		  scalar(store_sql(st, "SELECT count(*) FROM activities WHERE verb = 'comment'"),
			 &s->comments) |
		  scalar(store_sql(st, "SELECT count(*) FROM conversations"), &s->conversations) |
		  scalar(store_sql(st, "SELECT count(*) FROM messages"), &s->messages) |
		  scalar(store_sql(st, "SELECT count(*) FROM oauth_tokens"), &s->tokens) |
		  scalar(store_sql(st, "SELECT count(*) FROM device_tokens"), &s->devices) |
		  scalar(store_sql(st, "SELECT count(*) FROM outbox"), &s->outbox) |
		  outbox_oldest(st, s);
	s->schema_version = store_version(st);
	if (store_file_sizes(st, &s->db_bytes, &s->wal_bytes) < 0)
		bad = 1;
	return bad ? model_fail(st, MAX_ESERVER, "statistics unreadable") : MAX_OK;
}
