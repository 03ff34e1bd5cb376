/*
 * outbox.c — appending rows to the outbox table (schema/001_foundation.sql).
 * One INSERT each; ordering is the row id. Each thread counts the rows it
 * appended, so that after its commit the writer can nudge max-bridge
 * (util/wake.h) only when there is something for it.
 */
#include "model/outbox.h"
#include "util/ids.h"
#include "store/store.h"

/* Per thread: a thread writes through its own connection and commits
 * what it appended before it asks (outbox_appended_take). */
static _Thread_local int appended;

int outbox_appended_take(void)
{
	int n = appended;
	appended = 0;
	return n;
}

static int append(struct store *db, const char *op, const char *exchange, const char *destination,
		  const char *key, const char *body)
{
	char now[21];
	time_now_iso(now);
	const char *args[] = {now,
			      op,
			      exchange ? exchange : "",
			      destination ? destination : "",
			      key ? key : "",
			      body};
	int rc = store_exec(db,
			    "INSERT INTO outbox (created_at, op, exchange, destination, "
			    "routing_key, "
			    "body)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			    6, args);
	appended += rc == 0;
	return rc;
}

int outbox_publish(struct store *db, const char *exchange, const char *routing_key,
		   const char *body)
{
	return append(db, "publish", exchange, NULL, routing_key, body);
}

int outbox_declare_user(struct store *db, const char *username)
{
	return append(db, "declare_user", NULL, username, NULL, NULL);
}

int outbox_delete_user(struct store *db, const char *username)
{
	return append(db, "delete_user", NULL, username, NULL, NULL);
}

int outbox_bind(struct store *db, const char *source, const char *destination,
		const char *routing_key)
{
	return append(db, "bind", source, destination, routing_key, NULL);
}

int outbox_unbind(struct store *db, const char *source, const char *destination,
		  const char *routing_key)
{
	return append(db, "unbind", source, destination, routing_key, NULL);
}
