/*
 * logins.c — the login_failures table. See logins.h.
 *
 * Fixed windows: a row counts the failures since `since`; the first
 * failure after the window is over starts a new one. One upsert per
 * failure and one indexed read per attempt keep the cost far below the
 * scrypt check they guard.
 */
#include "model/logins.h"
#include "util/config.h"

#include <time.h>

static long long window_of(const struct max_config *cfg)
{
	long long w = config_int(cfg, "oauth", "login_window_seconds");
	return w > 0 ? w : 1;
}

/* Seconds until the window of (kind, key) is over when its failures have
 * reached budget, else 0; -1 on error. */
static long spent(struct store *st, const char *kind, const char *key, long long budget,
		  long long window, time_t now)
{
	if (budget <= 0 || !key || !*key)
		return 0;
	store_q *q = store_sql(st, "SELECT since, failures FROM login_failures"
				   " WHERE kind = ?1 AND key = ?2");
	if (!q)
		return -1;
	store_bind_text(q, 1, kind);
	store_bind_text(q, 2, key);
	int rc = store_one(q);
	if (rc <= 0)
		return rc;
	long long since = store_int(q, 0), failures = store_int(q, 1);
	store_reset(q);
	long long left = since + window - (long long)now;
	return left > 0 && failures >= budget ? (long)left : 0;
}

long login_throttled(struct store *st, const struct max_config *cfg, const char *user,
		     const char *addr)
{
	long long window = window_of(cfg);
	time_t now = time(NULL);
	long a = spent(st, "name", user, config_int(cfg, "oauth", "login_failures_per_name"),
		       window, now);
	if (a < 0)
		return -1;
	long b = spent(st, "addr", addr, config_int(cfg, "oauth", "login_failures_per_addr"),
		       window, now);
	if (b < 0)
		return -1;
	return a > b ? a : b;
}

static int count_failure(struct store *st, const char *kind, const char *key, long long window,
			 time_t now)
{
	if (!key || !*key)
		return 0;
	store_q *q = store_sql(st, "INSERT INTO login_failures (kind, key, since, failures)"
				   " VALUES (?1, ?2, ?3, 1) ON CONFLICT (kind, key) DO UPDATE SET"
				   " failures = CASE WHEN login_failures.since <= ?4 THEN 1"
				   "  ELSE login_failures.failures + 1 END,"
				   " since = CASE WHEN login_failures.since <= ?4 THEN ?3"
				   "  ELSE login_failures.since END");
	if (!q)
		return -1;
	store_bind_text(q, 1, kind);
	store_bind_text(q, 2, key);
	store_bind_int(q, 3, (long long)now);
	store_bind_int(q, 4, (long long)now - window);
	return store_run(q);
}

int login_failed(struct store *st, const struct max_config *cfg, const char *user, const char *addr)
{
	long long window = window_of(cfg);
	time_t now = time(NULL);
	if (count_failure(st, "name", user, window, now) < 0 ||
	    count_failure(st, "addr", addr, window, now) < 0)
		return -1;
	return 0;
}

int login_succeeded(struct store *st, const char *user)
{
	store_q *q = store_sql(st, "DELETE FROM login_failures WHERE kind = 'name' AND key = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, user);
	return store_run(q);
}

int login_purge(struct store *st, const struct max_config *cfg)
{
	store_q *q = store_sql(st, "DELETE FROM login_failures WHERE since <= ?1");
	if (!q)
		return -1;
	store_bind_int(q, 1, (long long)time(NULL) - window_of(cfg));
	if (store_run(q) < 0)
		return -1;
	return store_changes(st);
}
