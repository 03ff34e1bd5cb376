/*
 * outbox_drain.c — reading and deleting outbox rows for max-bridge, and
 * the bridge's memory of the bindings it made (a small chained hash set
 * of "source, destination, key"). The bridge runs outside any request,
 * so the writes here open their own short transactions.
 */
#include "model/outbox_drain.h"
#include "store/store.h"
#include "util/buf.h"

#include <stdlib.h>
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

static char *col(store_q *q, int i)
{
	const char *t = store_text(q, i);
	return (char *)(t ? t : "");
}

int outbox_each(struct store *db, int64_t after, int max, outbox_fn fn, void *arg, int *seen)
{
	store_q *q =
		store_sql(db, "SELECT id, op, exchange, destination, routing_key, body, attempts"
			      " FROM outbox WHERE id > ?1 ORDER BY id LIMIT ?2");
	*seen = 0;
	if (!q)
		return -1;
	store_bind_int(q, 1, after);
	store_bind_int(q, 2, max);
	int rc = STORE_DONE, stop = 0;
	while (!stop && (rc = store_step(q)) == STORE_ROW) {
		struct outbox_row r = {.id = store_int(q, 0)};
		++*seen;
		if (op_parse(store_text(q, 1), &r.op) < 0)
			continue; /* the schema's CHECK makes this unreachable */
		r.exchange = col(q, 2);
		r.destination = col(q, 3);
		r.routing_key = col(q, 4);
		r.body = col(q, 5);
		r.attempts = (int)store_int(q, 6);
		stop = fn(&r, arg);
	}
	if (stop || rc == STORE_ROW)
		store_reset(q);
	return stop ? stop : rc == STORE_ERR ? -1 : 0;
}

/* outbox_fetch's callback: a copy of the borrowed row into the next slot. */
struct fetched {
	struct outbox_row *rows;
	int n;
};

static int keep_copy(const struct outbox_row *row, void *arg)
{
	struct fetched *f = arg;
	struct outbox_row *r = &f->rows[f->n++];
	*r = *row;
	r->exchange = xstrdup(row->exchange);
	r->destination = xstrdup(row->destination);
	r->routing_key = xstrdup(row->routing_key);
	r->body = xstrdup(row->body);
	return 0;
}

int outbox_fetch(struct store *db, int64_t after, int max, struct outbox_row *rows)
{
	struct fetched f = {rows, 0};
	int seen;
	if (outbox_each(db, after, max, keep_copy, &f, &seen) < 0) {
		while (f.n > 0)
			outbox_row_free(&rows[--f.n]);
		return -1;
	}
	return f.n;
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

/* ---- the bindings made on this connection -------------------------------- */

#define BOUND_BUCKETS 4096

struct bound_entry {
	struct bound_entry *next;
	long made;  /* when the broker confirmed it */
	char key[]; /* source \x1f destination \x1f routing key */
};

struct outbox_bound {
	struct bound_entry *bucket[BOUND_BUCKETS];
	int count;
};

struct outbox_bound *outbox_bound_new(void)
{
	struct outbox_bound *b = xmalloc(sizeof *b);
	memset(b, 0, sizeof *b);
	return b;
}

void outbox_bound_clear(struct outbox_bound *b)
{
	for (int i = 0; i < BOUND_BUCKETS; i++)
		while (b->bucket[i]) {
			struct bound_entry *e = b->bucket[i];
			b->bucket[i] = e->next;
			free(e);
		}
	b->count = 0;
}

void outbox_bound_free(struct outbox_bound *b)
{
	if (b)
		outbox_bound_clear(b);
	free(b);
}

/* The row's key into out; its bucket. */
static unsigned bound_key(const struct outbox_row *r, struct buf *out)
{
	buf_printf(out, "%s\x1f%s\x1f%s", r->exchange, r->destination, r->routing_key);
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < out->len; i++)
		h = (h ^ (unsigned char)out->data[i]) * 16777619u;
	return h % BOUND_BUCKETS;
}

/* The link pointing at the entry for key, or at the bucket's end. */
static struct bound_entry **bound_find(struct bound_entry **link, const char *key)
{
	while (*link && strcmp((*link)->key, key))
		link = &(*link)->next;
	return link;
}

int outbox_bound_repeat(const struct outbox_bound *b, const struct outbox_row *row, long now)
{
	if (row->op != OUTBOX_BIND)
		return 0;
	struct buf k = {0};
	unsigned h = bound_key(row, &k);
	const struct bound_entry *e = b->bucket[h];
	while (e && strcmp(e->key, k.data))
		e = e->next;
	buf_free(&k);
	return e && now - e->made < OUTBOX_BOUND_TTL_MS;
}

void outbox_bound_note(struct outbox_bound *b, const struct outbox_row *row, int ok, long now)
{
	if (row->op == OUTBOX_DELETE_USER)
		outbox_bound_clear(b);
	if (row->op != OUTBOX_BIND && row->op != OUTBOX_UNBIND)
		return;
	struct buf k = {0};
	unsigned h = bound_key(row, &k);
	struct bound_entry **link = bound_find(&b->bucket[h], k.data);
	if (*link && (row->op == OUTBOX_UNBIND || !ok)) {
		struct bound_entry *gone = *link;
		*link = gone->next;
		free(gone);
		b->count--;
	} else if (*link && ok) {
		(*link)->made = now;
	} else if (!*link && row->op == OUTBOX_BIND && ok) {
		if (b->count >= OUTBOX_BOUND_MAX)
			outbox_bound_clear(b);
		struct bound_entry *e = xmalloc(sizeof *e + k.len + 1);
		memcpy(e->key, k.data, k.len + 1);
		e->made = now;
		e->next = b->bucket[h];
		b->bucket[h] = e;
		b->count++;
	}
	buf_free(&k);
}
