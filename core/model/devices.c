/*
 * devices.c — the device_tokens table. See devices.h.
 *
 * The context and conversation lists read the subscriptions, push_optouts
 * and conversation_members tables of other families: one query each, so
 * that the push consumer's question costs one round trip.
 */
#include "model/devices.h"
#include "util/ids.h"

enum max_err device_add(struct store *st, struct device *d)
{
	id_new(d->id);
	time_now_iso(d->published);
	const char *del[] = {d->token};
	const char *ins[] = {d->id,    d->token,   d->platform, d->device,
			     d->owner, d->creator, d->published};
	if (store_exec(st, "DELETE FROM device_tokens WHERE token = ?1", 1, del) < 0 ||
	    store_exec(st,
		       "INSERT INTO device_tokens (id, token, platform, device, owner, creator,"
		       " published) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		       7, ins) < 0)
		return MAX_ESERVER;
	return MAX_OK;
}

int device_owner(struct store *st, const char *token, char owner[MAX_USERNAME_MAX + 1])
{
	store_q *q = store_sql(st, "SELECT owner FROM device_tokens WHERE token = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, token);
	int rc = store_one(q);
	if (rc == 1) {
		store_copy(q, 0, owner, MAX_USERNAME_MAX + 1);
		store_reset(q);
	}
	return rc;
}

enum max_err device_delete(struct store *st, const char *token)
{
	const char *args[] = {token};
	if (store_exec(st, "DELETE FROM device_tokens WHERE token = ?1", 1, args) < 0)
		return MAX_ESERVER;
	return MAX_OK;
}

enum max_err device_delete_user(struct store *st, const char *owner, const char *platform)
{
	const char *args[] = {owner, platform};
	if (store_exec(st,
		       "DELETE FROM device_tokens WHERE owner = ?1"
		       " AND (?2 IS NULL OR platform = ?2)",
		       2, args) < 0)
		return MAX_ESERVER;
	return MAX_OK;
}

/* Runs q (rows: token, platform, owner) into fn. */
static int each_row(store_q *q, device_row_fn fn, void *arg)
{
	if (!q)
		return -1;
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		fn(arg, store_text(q, 0), store_text(q, 1), store_text(q, 2));
	return rc == STORE_ERR ? -1 : 0;
}

int device_list_user(struct store *st, const char *owner, const char *platform, device_row_fn fn,
		     void *arg)
{
	store_q *q = store_sql(st, "SELECT token, platform, owner FROM device_tokens"
				   " WHERE owner = ?1 AND (?2 IS NULL OR platform = ?2)"
				   " ORDER BY id DESC");
	if (q) {
		store_bind_text(q, 1, owner);
		store_bind_text(q, 2, platform);
	}
	return each_row(q, fn, arg);
}

int device_list_context(struct store *st, const char *hash, device_row_fn fn, void *arg)
{
	store_q *q =
		store_sql(st, "SELECT t.token, t.platform, t.owner FROM device_tokens t"
			      " WHERE t.owner IN (SELECT s.username FROM subscriptions s"
			      "  WHERE s.hash = ?1 AND NOT EXISTS (SELECT 1 FROM push_optouts o"
			      "   WHERE o.hash = s.hash AND o.username = s.username))"
			      " ORDER BY t.id DESC");
	if (q)
		store_bind_text(q, 1, hash);
	return each_row(q, fn, arg);
}

int device_list_conversation(struct store *st, const char *id, device_row_fn fn, void *arg)
{
	store_q *q =
		store_sql(st, "SELECT t.token, t.platform, t.owner FROM device_tokens t"
			      " WHERE t.owner IN (SELECT m.username FROM conversation_members m"
			      "  WHERE m.conversation_id = ?1)"
			      " ORDER BY t.id DESC");
	if (q)
		store_bind_text(q, 1, id);
	return each_row(q, fn, arg);
}
