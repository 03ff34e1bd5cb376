/*
 * outbox_drain.h — the reading side of the outbox, for max-bridge.
 *
 * Handlers append rows (outbox.h) inside their transactions; the bridge
 * reads them in id order, carries each out against RabbitMQ and deletes
 * them once the broker confirmed. Commits are serialised, so ids become
 * visible in increasing order: "every row up to id N is done" is all the
 * bookkeeping the bridge needs.
 */
#ifndef MAX_OUTBOX_DRAIN_H
#define MAX_OUTBOX_DRAIN_H

#include <stdint.h>

struct store;

enum outbox_op {
	OUTBOX_PUBLISH,
	OUTBOX_DECLARE_USER,
	OUTBOX_DELETE_USER,
	OUTBOX_BIND,
	OUTBOX_UNBIND,
};

/* One row; the strings are owned by the row ("" when the column is). */
struct outbox_row {
	int64_t id;
	enum outbox_op op;
	char *exchange;    /* publish: exchange; bind/unbind: source */
	char *destination; /* bind/unbind: destination; declare/delete: user */
	char *routing_key;
	char *body; /* publish only */
	int attempts;
};

/* Reads up to max rows with id > after, in id order, into rows. Returns how
 * many, or -1 on a storage error. Rows with an unknown op are skipped. */
int outbox_fetch(struct store *db, int64_t after, int max, struct outbox_row *rows);
void outbox_row_free(struct outbox_row *row);

/* The bridge's read: calls fn for up to max rows with id > after, in id
 * order, each row's strings borrowed from the statement (valid during
 * the call only), so that no row is copied. fn returns 0 for the next
 * row; anything else ends the walk. *seen gets how many rows were read
 * (fn's last one included). Returns 0 at the end or after max rows, fn's
 * value when it stopped, or -1 on a storage error. */
typedef int (*outbox_fn)(const struct outbox_row *row, void *arg);
int outbox_each(struct store *db, int64_t after, int max, outbox_fn fn, void *arg, int *seen);

/* Deletes every row with id <= upto (the ones the broker confirmed).
 * Its own transaction; 0 or -1. */
int outbox_delete_upto(struct store *db, int64_t upto);
/* Deletes one row (a permanent failure); 0 or -1. */
int outbox_delete_one(struct store *db, int64_t id);
/* Counts one more failed attempt of a row; 0 or -1. */
int outbox_note_attempt(struct store *db, int64_t id);
/* Rows waiting; -1 on error. */
int64_t outbox_pending(struct store *db);

/* The bindings the bridge made lately on its current connection. Every
 * mobile chat message re-binds all participants of its conversation (the
 * original's repair, MESSAGING.md section 3), so most bind rows repeat one
 * just made: the bridge skips a bind it made less than OUTBOX_BOUND_TTL_MS
 * ago instead of paying a broker round trip for each; an older one goes to
 * the broker again, so the repair (and a maintenance rebuild) still
 * restores a binding removed behind MAX's back. An unbind forgets its
 * binding; a deleted user (its exchanges gone) or a new connection (the
 * broker may have lost state) forgets them all; past OUTBOX_BOUND_MAX
 * entries it starts afresh. Times are in milliseconds, any origin. */
#define OUTBOX_BOUND_MAX 65536
#define OUTBOX_BOUND_TTL_MS 5000
struct outbox_bound;
struct outbox_bound *outbox_bound_new(void);
void outbox_bound_free(struct outbox_bound *b);
void outbox_bound_clear(struct outbox_bound *b);
/* 1 when row is a bind made since now - OUTBOX_BOUND_TTL_MS (skip it). */
int outbox_bound_repeat(const struct outbox_bound *b, const struct outbox_row *row, long now);
/* The broker carried out row at now (or refused it: ok 0). */
void outbox_bound_note(struct outbox_bound *b, const struct outbox_row *row, int ok, long now);

#endif
