/*
 * people.c — the people table: a person's own row and the user-name rule.
 * See people.h.
 *
 * The search keeps the original's order and paging: newest name first
 * paged by id, or (max_users) ascending by username paged by username.
 */
#include "model/people.h"
#include "util/ids.h"

#include <ctype.h>
#include <string.h>

int people_normalise(const char *in, char out[MAX_USERNAME_MAX + 1])
{
	if (!in)
		return -1;
	while (isspace((unsigned char)*in))
		in++;
	size_t n = strlen(in);
	while (n && isspace((unsigned char)in[n - 1]))
		n--;
	if (!n || n > MAX_USERNAME_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x20 || c == 0x7f)
			return -1;
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = 0;
	return 0;
}

int people_exists(struct store *st, const char *username)
{
	store_q *q = store_sql(st, "SELECT 1 FROM people WHERE username = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, username);
	return store_exists(q);
}

int people_display_name(struct store *st, const char *username, char *out, size_t len)
{
	out[0] = 0;
	store_q *q = store_sql(st, "SELECT display_name FROM people WHERE username = ?1");
	if (!q)
		return 0;
	store_bind_text(q, 1, username);
	if (store_one(q) != 1)
		return 0;
	store_copy(q, 0, out, len);
	store_reset(q);
	return 1;
}

enum max_err people_load(struct store *st, const char *username, struct person *p)
{
	store_q *q = store_sql(st, "SELECT id, display_name, twitter_username, creator, published,"
				   " last_login FROM people WHERE username = ?1");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, username);
	int rc = store_one(q);
	if (rc < 0)
		return MAX_ESERVER;
	if (!rc)
		return model_fail(st, MAX_EUNKNOWNUSER, "Unknown actor identified by: %s",
				  username);
	memset(p, 0, sizeof *p);
	size_t n = strlen(username);
	memcpy(p->username, username, n < sizeof p->username ? n : sizeof p->username - 1);
	store_copy(q, 0, p->id, sizeof p->id);
	store_copy(q, 1, p->display_name, sizeof p->display_name);
	store_copy(q, 2, p->twitter, sizeof p->twitter);
	store_copy(q, 3, p->creator, sizeof p->creator);
	store_copy(q, 4, p->published, sizeof p->published);
	store_copy(q, 5, p->last_login, sizeof p->last_login);
	store_reset(q);
	return MAX_OK;
}

enum max_err people_insert(struct store *st, struct person *p)
{
	id_new(p->id);
	time_now_iso(p->published);
	memcpy(p->last_login, p->published, sizeof p->last_login);
	if (!*p->display_name)
		memcpy(p->display_name, p->username, strlen(p->username) + 1);
	store_q *q =
		store_sql(st,
			  "INSERT INTO people (username, id, display_name, twitter_username,"
			  " creator, published, last_login) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, p->username);
	store_bind_text(q, 2, p->id);
	store_bind_text(q, 3, p->display_name);
	store_bind_text(q, 4, *p->twitter ? p->twitter : NULL);
	store_bind_text(q, 5, p->creator);
	store_bind_text(q, 6, p->published);
	store_bind_text(q, 7, p->last_login);
	return store_run(q) < 0 ? MAX_ESERVER : MAX_OK;
}

enum max_err people_set_display_name(struct store *st, const char *username,
				     const char *display_name)
{
	store_q *q = store_sql(st, "UPDATE people SET display_name = ?1 WHERE username = ?2");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, display_name ? display_name : username);
	store_bind_text(q, 2, username);
	return store_run(q) < 0 ? MAX_ESERVER : MAX_OK;
}

enum max_err people_set_twitter(struct store *st, const char *username, const char *twitter)
{
	store_q *q = store_sql(st, "UPDATE people SET twitter_username = ?1 WHERE username = ?2");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, twitter);
	store_bind_text(q, 2, username);
	return store_run(q) < 0 ? MAX_ESERVER : MAX_OK;
}

enum max_err people_remove(struct store *st, const char *username)
{
	store_q *q = store_sql(st, "DELETE FROM people WHERE username = ?1");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, username);
	return store_run(q) < 0 ? MAX_ESERVER : MAX_OK;
}

static store_q *search_sql(struct store *st, int by_name)
{
	if (by_name)
		return store_sql(
			st,
			"SELECT username, id, display_name, twitter_username FROM people"
			" WHERE (?1 IS NULL OR instr(lower(username), lower(?1)) > 0"
			"        OR instr(lower(display_name), lower(?1)) > 0)"
			"   AND (?2 = 0 OR twitter_username IS NOT NULL)"
			"   AND (?3 IS NULL OR published >= ?3) AND (?4 IS NULL OR published < ?4)"
			"   AND (?5 IS NULL OR username < ?5) AND (?6 IS NULL OR username > ?6)"
			" ORDER BY username ASC LIMIT ?7");
	return store_sql(st,
			 "SELECT username, id, display_name, twitter_username FROM people"
			 " WHERE (?1 IS NULL OR instr(lower(username), lower(?1)) > 0"
			 "        OR instr(lower(display_name), lower(?1)) > 0)"
			 "   AND (?2 = 0 OR twitter_username IS NOT NULL)"
			 "   AND (?3 IS NULL OR published >= ?3) AND (?4 IS NULL OR published < ?4)"
			 "   AND (?5 IS NULL OR id < ?5) AND (?6 IS NULL OR id > ?6)"
			 " ORDER BY username DESC LIMIT ?7");
}

int people_search(struct store *st, const struct people_query *pq, people_row_fn fn, void *arg)
{
	store_q *q = search_sql(st, pq->by_name);
	if (!q)
		return -1;
	store_bind_text(q, 1, pq->name);
	store_bind_int(q, 2, pq->twitter_only);
	store_bind_text(q, 3, pq->from);
	store_bind_text(q, 4, pq->to);
	store_bind_text(q, 5, pq->before);
	store_bind_text(q, 6, pq->after);
	store_bind_int(q, 7, pq->limit + 1);
	long n = 0;
	int rc;
	while ((rc = store_step(q)) == STORE_ROW) {
		if (n++ == pq->limit) {
			store_reset(q);
			return 1;
		}
		fn(arg, store_text(q, 0), store_text(q, 1), store_text(q, 2), store_text(q, 3));
	}
	return rc == STORE_ERR ? -1 : 0;
}
