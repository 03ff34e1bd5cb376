/*
 * exceptions.c — the exceptions table. See exceptions.h.
 */
#include "model/exceptions.h"

enum max_err exception_store(struct store *st, const char *id, const char *date,
			     const char *request, const char *traceback)
{
	const char *args[] = {id, date, request, traceback};
	if (store_exec(st,
		       "INSERT INTO exceptions (id, date, request, traceback) VALUES (?1, ?2, ?3, "
		       "?4)"
		       " ON CONFLICT (id) DO UPDATE SET date = excluded.date,"
		       " request = excluded.request, traceback = excluded.traceback",
		       4, args) < 0)
		return MAX_ESERVER;
	return MAX_OK;
}

int exception_list(struct store *st, void (*fn)(void *arg, const char *id, const char *date),
		   void *arg)
{
	store_q *q = store_sql(st, "SELECT id, date FROM exceptions ORDER BY date DESC, id");
	if (!q)
		return -1;
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		fn(arg, store_text(q, 0), store_text(q, 1));
	return rc == STORE_ERR ? -1 : 0;
}

int exception_get(struct store *st, const char *id,
		  void (*fn)(void *arg, const char *date, const char *request,
			     const char *traceback),
		  void *arg)
{
	store_q *q = store_sql(st, "SELECT date, request, traceback FROM exceptions WHERE id = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, id);
	int rc = store_one(q);
	if (rc == 1) {
		fn(arg, store_text(q, 0), store_text(q, 1), store_text(q, 2));
		store_reset(q);
	}
	return rc;
}

enum max_err exception_delete(struct store *st, const char *id)
{
	const char *args[] = {id};
	if (store_exec(st, "DELETE FROM exceptions WHERE id = ?1", 1, args) < 0)
		return MAX_ESERVER;
	if (!store_changes(st))
		return model_fail(st, MAX_ENOTFOUND, "There is no logged exception with this hash");
	return MAX_OK;
}
