/*
 * outbox.h — the transactional outbox (messaging.md 2.5).
 *
 * Handlers append operations here inside the request's transaction; they
 * become visible to max-bridge only if the request commits. Exchange names
 * follow messaging.md 2: "<user>.publish", "<user>.subscribe",
 * "activity", "conversations", …
 */
#ifndef MAX_OUTBOX_H
#define MAX_OUTBOX_H

struct store;

/* Each returns 0, or -1 on a storage error (the request must then fail). */
int outbox_publish(struct store *db, const char *exchange, const char *routing_key,
		   const char *body);
int outbox_declare_user(struct store *db, const char *username);
int outbox_delete_user(struct store *db, const char *username);
int outbox_bind(struct store *db, const char *source, const char *destination,
		const char *routing_key);
int outbox_unbind(struct store *db, const char *source, const char *destination,
		  const char *routing_key);

/* How many rows this thread appended since the last call (rolled back or
 * not), and starts counting again: after a commit, nonzero means
 * "wake max-bridge" (util/wake.h). */
int outbox_appended_take(void);

#endif
