/*
 * outbox_drain.c — reading and deleting outbox rows for max-bridge.
 * The bridge runs outside any request, so the writes here open their own
 * short transactions.
 */
#include "model/outbox_drain.h"
#include "store/store.h"
#include "util/buf.h"

#include <string.h>

static int op_parse(const char *s, enum outbox_op *op)
{
	static const struct {
		const char *name;
		enum outbox_op op;
	} ops[] = {
		{"publish", OUTBOX_PUBLISH},         {"declare_user", OUTBOX_DECLARE_USER},
		{"delete_user", OUTBOX_DELETE_USER}, {"bind", OUTBOX_BIND},
		{"unbind", OUTBOX_UNBIND},
	};
	for (size_t i = 0; s && i < sizeof ops / sizeof ops[0]; i++)
		if (!strcmp(s, ops[i].name)) {
			*op = ops[i].op;
			return 0;
		}
	return -1;
}

static char *col_dup(store_q *q, int i)
{
	const char *t = store_text(q, i);
	return xstrdup(t ? t : "");
}

int outbox_fetch(struct store *db, int64_t after, int max, struct outbox_row *rows)
{
	store_q *q =
		store_sql(db, "SELECT id, op, exchange, destination, routing_key, body, attempts"
			      " FROM outbox WHERE id > ?1 ORDER BY id LIMIT ?2");
	if (!q)
		return -1;
	store_bind_int(q, 1, after);
	store_bind_int(q, 2, max);
	int n = 0, rc = STORE_DONE;
	while (n < max && (rc = store_step(q)) == STORE_ROW) {
		struct outbox_row *r = &rows[n];
		if (op_parse(store_text(q, 1), &r->op) < 0)
			continue; /* the schema's CHECK makes this unreachable */
		r->id = store_int(q, 0);
		r->exchange = col_dup(q, 2);
		r->destination = col_dup(q, 3);
		r->routing_key = col_dup(q, 4);
		r->body = col_dup(q, 5);
		r->attempts = (int)store_int(q, 6);
		n++;
	}
	if (n == max)
		store_reset(q);
	else if (rc == STORE_ERR) {
		while (n > 0)
			outbox_row_free(&rows[--n]);
		return -1;
	}
	return n;
}

void outbox_row_free(struct outbox_row *row)
{
	free(row->exchange);
	free(row->destination);
	free(row->routing_key);
	free(row->body);
	memset(row, 0, sizeof *row);
}

static int in_transaction(struct store *db, store_q *q)
{
	if (!q || store_begin(db) < 0)
		return -1;
	if (store_run(q) < 0) {
		store_rollback(db);
		return -1;
	}
	return store_commit(db);
}

int outbox_delete_upto(struct store *db, int64_t upto)
{
	store_q *q = store_sql(db, "DELETE FROM outbox WHERE id <= ?1");
	if (q)
		store_bind_int(q, 1, upto);
	return in_transaction(db, q);
}

int outbox_delete_one(struct store *db, int64_t id)
{
	store_q *q = store_sql(db, "DELETE FROM outbox WHERE id = ?1");
	if (q)
		store_bind_int(q, 1, id);
	return in_transaction(db, q);
}

int outbox_note_attempt(struct store *db, int64_t id)
{
	store_q *q = store_sql(db, "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?1");
	if (q)
		store_bind_int(q, 1, id);
	return in_transaction(db, q);
}

int64_t outbox_pending(struct store *db)
{
	store_q *q = store_sql(db, "SELECT count(*) FROM outbox");
	int64_t n = q ? store_scalar(q) : -1;
	return n;
}
