/*
 * chat.h — a chat line a realtime client published, taken from the
 * `messages` queue and stored the way POST …/messages stores it.
 *
 * Everything happens in one transaction: the (sender, uuid) pair is
 * remembered so that a redelivered line is stored once, the message is
 * stored, and the "delivered" ack for the sender's sessions is appended to
 * the outbox, so the ack goes out if and only if the line was stored. The
 * AMQP side (max-bridge) only acks the delivery after the commit.
 */
#ifndef MAX_MODEL_CHAT_H
#define MAX_MODEL_CHAT_H

#include "model/model.h"
#include "util/config.h"

#include <stddef.h>

/* What the consumer does with the delivery. */
enum chat_outcome {
	CHAT_STORED,    /* stored; ack the delivery */
	CHAT_DUPLICATE, /* stored before (same sender and uuid); ack */
	CHAT_DROPPED,   /* poison or not allowed; ack without storing, log why */
	CHAT_RETRY,     /* the database was busy or failing: requeue later */
};

/* One delivery of the messages queue: the exchange the client published
 * to, the routing key and the body as received. */
struct chat_in {
	const char *exchange;
	const char *routing_key;
	const char *body;
	size_t len;
};

struct chat_result {
	char id[MAX_ID_LEN + 1];           /* the stored message (CHAT_STORED) */
	char cid[MAX_ID_LEN + 1];          /* the conversation, when known */
	char sender[MAX_USERNAME_MAX + 1]; /* u.u, when known */
	char why[256];                     /* CHAT_DROPPED / CHAT_RETRY */
};

/* Checks, stores and acks one chat line inside its own transaction. The
 * sender must be the owner of the exchange the line was published to, a
 * current participant with write of a conversation that is not archived;
 * the domain must be absent, empty or [max] server_id. */
enum chat_outcome chat_consume(struct store *st, const struct max_config *cfg,
			       const struct chat_in *in, struct chat_result *out);

/* Forgets the remembered uuids older than max_age_s seconds; 0 or -1. */
int chat_forget_seen(struct store *st, long max_age_s);

#endif
