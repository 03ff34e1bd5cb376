/*
 * admin.c — orphan rows for maxctl check. See admin.h.
 *
 * Each query counts the orphans of one kind: the tables that name
 * activities, posts of contexts that are gone, and memberships of deleted
 * people.
 */
#include "model/admin.h"

/* The count of one kind, or -1. */
static long long count(store_q *q)
{
	if (!q || store_one(q) != 1)
		return -1;
	long long n = store_int(q, 0);
	store_reset(q);
	return n;
}

static long long orphans_of(struct store *st, int kind)
{
	switch (kind) {
	case 0:
		return count(store_sql(st,
				       "SELECT count(*) FROM likes"
				       " WHERE activity_id NOT IN (SELECT id FROM activities)"));
	case 1:
		return count(store_sql(st,
				       "SELECT count(*) FROM favorites"
				       " WHERE activity_id NOT IN (SELECT id FROM activities)"));
	case 2:
		return count(store_sql(st,
				       "SELECT count(*) FROM stream_keywords"
				       " WHERE activity_id NOT IN (SELECT id FROM activities)"));
	case 3:
		return count(store_sql(st,
				       "SELECT count(*) FROM stream_hashtags"
				       " WHERE activity_id NOT IN (SELECT id FROM activities)"));
	case 4:
		return count(store_sql(st,
				       "SELECT count(*) FROM stream_text"
				       " WHERE activity_id NOT IN (SELECT id FROM activities)"));
	case 5:
		return count(store_sql(st, "SELECT count(*) FROM activities WHERE verb = 'post'"
					   " AND visible = 1 AND context_hash IS NOT NULL"
					   " AND context_hash NOT IN (SELECT hash FROM contexts)"));
	default:
		return count(store_sql(st, "SELECT count(*) FROM conversation_members"
					   " WHERE username NOT IN (SELECT username FROM people)"));
	}
}

static const char *const kinds[] = {
	"likes of missing activities",
	"favorites of missing activities",
	"keywords of missing activities",
	"hashtags of missing activities",
	"search text of missing activities",
	"visible posts of missing contexts",
	"conversation members who are not people",
};

int admin_orphans(struct store *st, void (*fn)(void *arg, const char *what, long long n), void *arg)
{
	int found = 0;
	for (int i = 0; i < (int)(sizeof kinds / sizeof kinds[0]); i++) {
		long long n = orphans_of(st, i);
		if (n < 0) {
			model_fail(st, MAX_ESERVER, "orphans (%s): query failed", kinds[i]);
			return -1;
		}
		if (n) {
			fn(arg, kinds[i], n);
			found++;
		}
	}
	return found;
}
