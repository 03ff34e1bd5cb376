/*
 * ldap_managed.c — the ldap_people and ldap_subscriptions tables (schema
 * 010); see ldap_managed.h. Plain reads and one-row writes: the sync opens
 * one transaction per change and calls these inside it.
 */
#include "model/ldap_managed.h"
#include "util/ids.h"

int managed_person_state(struct store *st, const char *username)
{
	store_q *q = store_sql(st, "SELECT missing_since IS NOT NULL FROM ldap_people"
				   " WHERE username = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, username);
	int rc = store_one(q);
	if (rc == 1) {
		rc = store_int(q, 0) ? 2 : 1;
		store_reset(q);
	}
	return rc;
}

enum max_err managed_person_mark(struct store *st, const char *username)
{
	char now[21];
	time_now_iso(now);
	const char *args[] = {username, now};
	if (store_exec(st,
		       "INSERT INTO ldap_people (username, marked_at) VALUES (?1, ?2)"
		       " ON CONFLICT (username) DO UPDATE SET missing_since = NULL",
		       2, args) < 0)
		return model_fail(st, MAX_ESERVER, "ldap_people insert failed");
	return MAX_OK;
}

enum max_err managed_person_missing(struct store *st, const char *username)
{
	char now[21];
	time_now_iso(now);
	const char *args[] = {username, now};
	if (store_exec(st,
		       "UPDATE ldap_people SET missing_since = ?2"
		       " WHERE username = ?1 AND missing_since IS NULL",
		       2, args) < 0)
		return model_fail(st, MAX_ESERVER, "ldap_people update failed");
	return MAX_OK;
}

long managed_people_each(struct store *st, void (*fn)(void *arg, const char *username, int missing),
			 void *arg)
{
	store_q *q = store_sql(st, "SELECT username, missing_since IS NOT NULL FROM ldap_people"
				   " ORDER BY username");
	if (!q)
		return -1;
	long n = 0;
	int rc;
	while ((rc = store_step(q)) == STORE_ROW) {
		fn(arg, store_text(q, 0), (int)store_int(q, 1));
		n++;
	}
	return rc == STORE_ERR ? -1 : n;
}

enum max_err managed_sub_record(struct store *st, const char *username, const char *hash,
				const char *group)
{
	char now[21];
	time_now_iso(now);
	const char *args[] = {username, hash, group, now};
	if (store_exec(st,
		       "INSERT INTO ldap_subscriptions (username, hash, group_name, created_at)"
		       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (username, hash) DO NOTHING",
		       4, args) < 0)
		return model_fail(st, MAX_ESERVER, "ldap_subscriptions insert failed");
	return MAX_OK;
}

int managed_sub_is(struct store *st, const char *username, const char *hash)
{
	store_q *q = store_sql(st, "SELECT 1 FROM ldap_subscriptions"
				   " WHERE username = ?1 AND hash = ?2");
	if (!q)
		return -1;
	store_bind_text(q, 1, username);
	store_bind_text(q, 2, hash);
	return store_exists(q);
}

long managed_subs_of(struct store *st, const char *hash,
		     void (*fn)(void *arg, const char *username), void *arg)
{
	store_q *q = store_sql(st, "SELECT username FROM ldap_subscriptions WHERE hash = ?1"
				   " ORDER BY username");
	if (!q)
		return -1;
	store_bind_text(q, 1, hash);
	long n = 0;
	int rc;
	while ((rc = store_step(q)) == STORE_ROW) {
		fn(arg, store_text(q, 0));
		n++;
	}
	return rc == STORE_ERR ? -1 : n;
}
