/*
 * mq.h — max-bridge's one AMQP connection (librabbitmq), kept apart from
 * the outbox bookkeeping in main.c.
 *
 * One channel, in confirm mode: publishes are sent without waiting and
 * their confirms arrive later through mq_wait(). mq_publish() only encodes
 * a publish's frames into a buffer, written in one send() per burst by
 * mq_flush() (librabbitmq's basic_publish makes three sends per message);
 * every other call here flushes first, so the frames reach the broker in
 * the order they were made. The topology operations
 * (declare, bind, unbind, delete) are synchronous. A channel the broker
 * closes is reopened here; the caller learns that unconfirmed publishes
 * were lost (MQ_LOST) or that the operation itself was refused for good
 * (MQ_REFUSED: a missing exchange, an access or a property mismatch).
 */
#ifndef MAX_BRIDGE_MQ_H
#define MAX_BRIDGE_MQ_H

#include <stdint.h>

#include <amqp.h>

#include "model/outbox_drain.h"
#include "util/buf.h"

enum mq_result {
	MQ_OK = 0,
	MQ_REFUSED = 1, /* the broker refused this operation; channel reopened */
	MQ_LOST = 2,    /* channel closed by the broker: unconfirmed publishes lost */
	MQ_DOWN = -1,   /* the connection is gone (why in mq.why) */
};

struct mq {
	amqp_connection_state_t conn;
	int up;
	uint64_t next_tag; /* delivery tag of the next publish on the channel */
	int code;          /* reply code of the last channel close */
	long serviced;     /* second of the last call into librabbitmq's wait */
	struct buf out;    /* encoded publishes not yet written */
	char where[300];   /* host:port/vhost, for the log (no credentials) */
	char why[640];     /* the last failure */
};

/* Connects, logs in, opens the confirm-mode channel and declares the
 * global topology. MQ_OK or MQ_DOWN. */
int mq_connect(struct mq *m, const char *url);
void mq_close(struct mq *m);

/* Queues a publish row's frames (written once MQ_BURST bytes wait, or by
 * mq_flush); *tag gets its delivery tag. MQ_OK or MQ_DOWN. */
#define MQ_BURST 65536
int mq_publish(struct mq *m, const struct outbox_row *row, uint64_t *tag);
/* Writes the queued frames. MQ_OK or MQ_DOWN. */
int mq_flush(struct mq *m);
/* Runs a declare/delete/bind/unbind row. MQ_OK, MQ_REFUSED or MQ_DOWN. */
int mq_sync(struct mq *m, const struct outbox_row *row);

/* Confirms: ack(tag, multiple, ok, arg) for each basic.ack (ok 1) or
 * basic.nack (ok 0). */
typedef void (*mq_confirm_fn)(uint64_t tag, int multiple, int ok, void *arg);
/* Waits up to timeout_ms for frames and handles all that arrived (also
 * servicing heartbeats). MQ_OK, MQ_LOST or MQ_DOWN. */
int mq_wait(struct mq *m, int timeout_ms, mq_confirm_fn fn, void *arg);

/* Nothing to send: waits up to timeout_ms for the broker's socket or
 * wake_fd (-1: none) to become readable and handles what the broker sent;
 * services heartbeats. MQ_OK, MQ_LOST or MQ_DOWN. */
int mq_idle(struct mq *m, int wake_fd, int timeout_ms, mq_confirm_fn fn, void *arg);

#endif
