/*
 * mq.c — the AMQP side of max-bridge: connecting, the global topology,
 * publishing with confirms, the topology rows, and reading the frames the
 * broker sends back. Failures land in m->why as one line without the URL's
 * password. Publishes are encoded here with librabbitmq's own encoders and
 * written to its (plain TCP) socket in bursts: its basic_publish makes a
 * send() per frame, three per message, which cost the bridge more than
 * everything else it does per row.
 */
#include "mq.h"
#include "util/buf.h"

#include <amqp_tcp_socket.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MQ_CHANNEL 1
#define MQ_HEARTBEAT_S 30

static amqp_bytes_t B(const char *s)
{
	return amqp_cstring_bytes(s);
}

/* Describes a failed RPC into m->why; returns the channel-close code (0
 * when the failure was not a channel close). */
static int describe(struct mq *m, amqp_rpc_reply_t r, const char *what)
{
	m->code = 0;
	if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
		snprintf(m->why, sizeof m->why, "%s: %s", what,
			 amqp_error_string2(r.library_error));
	} else if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
		   r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
		amqp_channel_close_t *c = r.reply.decoded;
		snprintf(m->why, sizeof m->why, "%s: %u %.*s", what, c->reply_code,
			 (int)c->reply_text.len, (const char *)c->reply_text.bytes);
		m->code = c->reply_code;
	} else if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
		   r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
		amqp_connection_close_t *c = r.reply.decoded;
		snprintf(m->why, sizeof m->why, "%s: connection closed: %u %.*s", what,
			 c->reply_code, (int)c->reply_text.len, (const char *)c->reply_text.bytes);
	} else {
		snprintf(m->why, sizeof m->why, "%s: unexpected reply", what);
	}
	return m->code;
}

static int rpc_ok(struct mq *m, const char *what)
{
	amqp_rpc_reply_t r = amqp_get_rpc_reply(m->conn);
	if (r.reply_type == AMQP_RESPONSE_NORMAL)
		return 1;
	describe(m, r, what);
	return 0;
}

static int channel_open(struct mq *m)
{
	amqp_channel_open(m->conn, MQ_CHANNEL);
	if (!rpc_ok(m, "channel.open"))
		return -1;
	amqp_confirm_select(m->conn, MQ_CHANNEL);
	if (!rpc_ok(m, "confirm.select"))
		return -1;
	m->next_tag = 1;
	return 0;
}

/* After the broker closed the channel: acknowledge and open it again. */
static int channel_reopen(struct mq *m)
{
	amqp_channel_close_ok_t ok = {0};
	if (amqp_send_method(m->conn, MQ_CHANNEL, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok) < 0 ||
	    channel_open(m) < 0) {
		m->up = 0;
		return MQ_DOWN;
	}
	return MQ_OK;
}

/* The global exchanges and queues every MAX installation has (durable,
 * never auto-deleted, queues without arguments). */
static int declare_globals(struct mq *m)
{
	static const struct {
		const char *name, *type;
	} ex[] = {{"conversations", "topic"},
		  {"activity", "topic"},
		  {"twitter", "fanout"},
		  {"syncacl", "fanout"}};
	static const char *const queues[] = {"messages", "push", "twitter", "syncacl",
					     "tweety_restart"};
	static const struct {
		const char *queue, *exchange, *key;
	} binds[] = {{"messages", "conversations", "*.messages"},
		     {"push", "conversations", "*.notifications"},
		     {"push", "activity", "#"},
		     {"twitter", "twitter", ""},
		     {"syncacl", "syncacl", ""}};
	for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
		amqp_exchange_declare(m->conn, MQ_CHANNEL, B(ex[i].name), B(ex[i].type), 0, 1, 0, 0,
				      amqp_empty_table);
		if (!rpc_ok(m, "declaring the global exchanges"))
			return -1;
	}
	for (size_t i = 0; i < sizeof queues / sizeof queues[0]; i++) {
		amqp_queue_declare(m->conn, MQ_CHANNEL, B(queues[i]), 0, 1, 0, 0, amqp_empty_table);
		if (!rpc_ok(m, "declaring the global queues"))
			return -1;
	}
	for (size_t i = 0; i < sizeof binds / sizeof binds[0]; i++) {
		amqp_queue_bind(m->conn, MQ_CHANNEL, B(binds[i].queue), B(binds[i].exchange),
				B(binds[i].key), amqp_empty_table);
		if (!rpc_ok(m, "binding the global queues"))
			return -1;
	}
	return 0;
}

static int open_socket(struct mq *m, const struct amqp_connection_info *ci)
{
	m->conn = amqp_new_connection();
	amqp_socket_t *s = m->conn ? amqp_tcp_socket_new(m->conn) : NULL;
	struct timeval tv = {5, 0};
	int rc = s ? amqp_socket_open_noblock(s, ci->host, ci->port, &tv) : AMQP_STATUS_NO_MEMORY;
	if (rc != AMQP_STATUS_OK) {
		snprintf(m->why, sizeof m->why, "cannot connect to %s: %s", m->where,
			 amqp_error_string2(rc));
		return -1;
	}
	struct timeval rpc = {10, 0};
	amqp_set_rpc_timeout(m->conn, &rpc);
	amqp_rpc_reply_t r =
		amqp_login(m->conn, ci->vhost, 0, AMQP_DEFAULT_FRAME_SIZE, MQ_HEARTBEAT_S,
			   AMQP_SASL_METHOD_PLAIN, ci->user, ci->password);
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		describe(m, r, "login");
		return -1;
	}
	return 0;
}

int mq_connect(struct mq *m, const char *url)
{
	memset(m, 0, sizeof *m);
	char *copy = xstrdup(url);
	struct amqp_connection_info ci;
	amqp_default_connection_info(&ci);
	int rc = MQ_DOWN;
	if (amqp_parse_url(copy, &ci) != AMQP_STATUS_OK) {
		snprintf(m->why, sizeof m->why, "[rabbitmq] url is not an amqp:// URL");
	} else {
		snprintf(m->where, sizeof m->where, "%s:%d vhost %s", ci.host, ci.port, ci.vhost);
		if (open_socket(m, &ci) == 0 && channel_open(m) == 0 && declare_globals(m) == 0)
			rc = MQ_OK;
	}
	free(copy);
	m->up = rc == MQ_OK;
	if (rc != MQ_OK && m->conn) {
		amqp_destroy_connection(m->conn);
		m->conn = NULL;
	}
	return rc;
}

void mq_close(struct mq *m)
{
	if (!m->conn)
		return;
	if (m->up && mq_flush(m) == MQ_OK) {
		amqp_channel_close(m->conn, MQ_CHANNEL, AMQP_REPLY_SUCCESS);
		amqp_connection_close(m->conn, AMQP_REPLY_SUCCESS);
	}
	amqp_destroy_connection(m->conn);
	m->conn = NULL;
	m->up = 0;
	buf_free(&m->out);
}

/* ---- publishes, encoded here and written in bursts ---------------------- */

#define FRAME_OVERHEAD 8 /* type, channel, payload size; the end octet */
#define FIELDS_MAX 1024  /* a publish's method or properties (names <= 255) */

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* Room for a frame of up to payload bytes at the end of out. */
static unsigned char *frame_room(struct buf *out, size_t payload)
{
	return (unsigned char *)buf_reserve(out, payload + FRAME_OVERHEAD);
}

/* Completes the frame at f (payload already in place) and appends it. */
static void frame_close(struct buf *out, unsigned char *f, int type, size_t payload)
{
	f[0] = (unsigned char)type;
	put_be(f + 1, MQ_CHANNEL, 2);
	put_be(f + 3, payload, 4);
	f[7 + payload] = AMQP_FRAME_END;
	out->len += payload + FRAME_OVERHEAD;
	out->data[out->len] = 0; /* as every struct buf */
}

/* basic.publish, its content header and its body frames, as
 * amqp_basic_publish() would send them; -1 when a name is too long. */
static int encode_publish(struct buf *out, const struct outbox_row *row, size_t frame_max)
{
	amqp_basic_publish_t pub = {.exchange = B(row->exchange),
				    .routing_key = B(row->routing_key)};
	amqp_basic_properties_t p = {0};
	p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
	p.content_type = B(row->body[0] == '{' ? "application/json" : "text/plain");
	p.delivery_mode = 2; /* persistent */
	size_t start = out->len, body = strlen(row->body);
	unsigned char *f = frame_room(out, 4 + FIELDS_MAX);
	put_be(f + 7, AMQP_BASIC_PUBLISH_METHOD, 4);
	int n = amqp_encode_method(AMQP_BASIC_PUBLISH_METHOD, &pub,
				   (amqp_bytes_t){FIELDS_MAX, f + 11});
	if (n < 0)
		return -1;
	frame_close(out, f, AMQP_FRAME_METHOD, 4 + (size_t)n);
	f = frame_room(out, 12 + FIELDS_MAX);
	put_be(f + 7, AMQP_BASIC_CLASS, 2);
	put_be(f + 9, 0, 2); /* weight */
	put_be(f + 11, body, 8);
	n = amqp_encode_properties(AMQP_BASIC_CLASS, &p, (amqp_bytes_t){FIELDS_MAX, f + 19});
	if (n < 0) {
		out->len = start;
		return -1;
	}
	frame_close(out, f, AMQP_FRAME_HEADER, 12 + (size_t)n);
	for (size_t at = 0, k; at < body; at += k) {
		k = body - at < frame_max - FRAME_OVERHEAD ? body - at : frame_max - FRAME_OVERHEAD;
		f = frame_room(out, k);
		memcpy(f + 7, row->body + at, k);
		frame_close(out, f, AMQP_FRAME_BODY, k);
	}
	return 0;
}

int mq_publish(struct mq *m, const struct outbox_row *row, uint64_t *tag)
{
	int frame_max = amqp_get_frame_max(m->conn);
	if (encode_publish(&m->out, row, frame_max >= 4096 ? (size_t)frame_max : 4096) < 0) {
		snprintf(m->why, sizeof m->why, "publish: exchange or key longer than 255 bytes");
		m->up = 0;
		return MQ_DOWN;
	}
	*tag = m->next_tag++;
	return m->out.len >= MQ_BURST ? mq_flush(m) : MQ_OK;
}

/* The socket takes more (as librabbitmq, no time limit: a broker that
 * blocks publishers, low on memory, is waited for). 0 or -1. */
static int wait_writable(int fd)
{
	struct pollfd p = {fd, POLLOUT, 0};
	int rc;
	while ((rc = poll(&p, 1, -1)) < 0 && errno == EINTR)
		;
	return rc > 0 && !(p.revents & (POLLERR | POLLNVAL)) ? 0 : -1;
}

int mq_flush(struct mq *m)
{
	int fd = amqp_socket_get_sockfd(amqp_get_socket(m->conn));
	size_t done = 0;
	while (done < m->out.len) {
		ssize_t n = send(fd, m->out.data + done, m->out.len - done, MSG_NOSIGNAL);
		if (n > 0)
			done += (size_t)n;
		else if (n < 0 && (errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK) &&
						      !wait_writable(fd))))
			continue;
		else
			break;
	}
	int ok = done == m->out.len;
	if (!ok) {
		snprintf(m->why, sizeof m->why, "publish: %s", strerror(errno));
		m->up = 0;
	}
	buf_reset(&m->out);
	return ok ? MQ_OK : MQ_DOWN;
}

static void user_exchanges(const char *user, char *pub, char *sub, size_t n)
{
	snprintf(pub, n, "%s.publish", user);
	snprintf(sub, n, "%s.subscribe", user);
}

/* The RPCs of one topology row; failures land in m->why. */
static void send_sync(struct mq *m, const struct outbox_row *row)
{
	char pub[300], sub[300];
	user_exchanges(row->destination, pub, sub, sizeof pub);
	switch (row->op) {
	case OUTBOX_DECLARE_USER:
		amqp_exchange_declare(m->conn, MQ_CHANNEL, B(pub), B("topic"), 0, 1, 0, 0,
				      amqp_empty_table);
		if (!rpc_ok(m, "exchange.declare"))
			return;
		amqp_exchange_declare(m->conn, MQ_CHANNEL, B(sub), B("fanout"), 0, 1, 0, 0,
				      amqp_empty_table);
		if (!rpc_ok(m, "exchange.declare"))
			return;
		/* what a user publishes with key "internal" reaches only
		 * their own sessions */
		amqp_exchange_bind(m->conn, MQ_CHANNEL, B(sub), B(pub), B("internal"),
				   amqp_empty_table);
		rpc_ok(m, "exchange.bind");
		break;
	case OUTBOX_DELETE_USER:
		amqp_exchange_delete(m->conn, MQ_CHANNEL, B(pub), 0);
		if (!rpc_ok(m, "exchange.delete"))
			return;
		amqp_exchange_delete(m->conn, MQ_CHANNEL, B(sub), 0);
		rpc_ok(m, "exchange.delete");
		break;
	case OUTBOX_BIND:
		amqp_exchange_bind(m->conn, MQ_CHANNEL, B(row->destination), B(row->exchange),
				   B(row->routing_key), amqp_empty_table);
		rpc_ok(m, "exchange.bind");
		break;
	case OUTBOX_UNBIND:
		amqp_exchange_unbind(m->conn, MQ_CHANNEL, B(row->destination), B(row->exchange),
				     B(row->routing_key), amqp_empty_table);
		rpc_ok(m, "exchange.unbind");
		break;
	case OUTBOX_PUBLISH:
		break;
	}
}

/* Reply codes that will not change by trying again. */
static int permanent(int code)
{
	return code == AMQP_NOT_FOUND || code == AMQP_ACCESS_REFUSED ||
	       code == AMQP_PRECONDITION_FAILED || code == AMQP_NOT_ALLOWED;
}

int mq_sync(struct mq *m, const struct outbox_row *row)
{
	if (mq_flush(m) != MQ_OK)
		return MQ_DOWN;
	m->why[0] = 0;
	m->code = 0;
	send_sync(m, row);
	if (!m->why[0])
		return MQ_OK;
	if (!m->code) {
		m->up = 0;
		return MQ_DOWN;
	}
	int code = m->code;
	if (channel_reopen(m) != MQ_OK)
		return MQ_DOWN;
	m->code = code;
	return permanent(code) ? MQ_REFUSED : MQ_LOST;
}

/* One frame that arrived on its own. */
static int on_frame(struct mq *m, const amqp_frame_t *f, mq_confirm_fn fn, void *arg)
{
	if (f->frame_type != AMQP_FRAME_METHOD)
		return MQ_OK;
	const amqp_method_t *mt = &f->payload.method;
	if (mt->id == AMQP_BASIC_ACK_METHOD) {
		const amqp_basic_ack_t *a = mt->decoded;
		fn(a->delivery_tag, a->multiple, 1, arg);
	} else if (mt->id == AMQP_BASIC_NACK_METHOD) {
		const amqp_basic_nack_t *a = mt->decoded;
		fn(a->delivery_tag, a->multiple, 0, arg);
	} else if (mt->id == AMQP_CHANNEL_CLOSE_METHOD) {
		const amqp_channel_close_t *c = mt->decoded;
		snprintf(m->why, sizeof m->why, "channel closed: %u %.*s", c->reply_code,
			 (int)c->reply_text.len, (const char *)c->reply_text.bytes);
		m->code = c->reply_code;
		return channel_reopen(m) == MQ_OK ? MQ_LOST : MQ_DOWN;
	} else if (mt->id == AMQP_CONNECTION_CLOSE_METHOD) {
		const amqp_connection_close_t *c = mt->decoded;
		snprintf(m->why, sizeof m->why, "connection closed by the broker: %u %.*s",
			 c->reply_code, (int)c->reply_text.len, (const char *)c->reply_text.bytes);
		amqp_connection_close_ok_t ok = {0};
		amqp_send_method(m->conn, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
		m->up = 0;
		return MQ_DOWN;
	}
	return MQ_OK;
}

int mq_wait(struct mq *m, int timeout_ms, mq_confirm_fn fn, void *arg)
{
	if (mq_flush(m) != MQ_OK)
		return MQ_DOWN;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int result = MQ_OK;
	for (int first = 1;; first = 0) {
		amqp_frame_t f;
		/* after the first frame, only what is already there */
		struct timeval zero = {0, 0};
		int rc = amqp_simple_wait_frame_noblock(m->conn, &f, first ? &tv : &zero);
		if (rc == AMQP_STATUS_TIMEOUT)
			return result;
		if (rc != AMQP_STATUS_OK) {
			snprintf(m->why, sizeof m->why, "connection lost: %s",
				 amqp_error_string2(rc));
			m->up = 0;
			return MQ_DOWN;
		}
		int r = on_frame(m, &f, fn, arg);
		amqp_maybe_release_buffers(m->conn);
		if (r == MQ_DOWN)
			return MQ_DOWN;
		if (r == MQ_LOST)
			result = MQ_LOST;
	}
}

int mq_idle(struct mq *m, int wake_fd, int timeout_ms, mq_confirm_fn fn, void *arg)
{
	if (mq_flush(m) != MQ_OK)
		return MQ_DOWN;
	if (amqp_frames_enqueued(m->conn) || amqp_data_in_buffer(m->conn))
		return mq_wait(m, 0, fn, arg);
	struct pollfd p[2] = {{amqp_socket_get_sockfd(amqp_get_socket(m->conn)), POLLIN, 0},
			      {wake_fd, POLLIN, 0}};
	poll(p, wake_fd >= 0 ? 2 : 1, timeout_ms);
	/* heartbeats are sent from inside librabbitmq's wait: call it now
	 * and then even when nothing arrived */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (p[0].revents || ts.tv_sec != m->serviced) {
		m->serviced = ts.tv_sec;
		return mq_wait(m, 0, fn, arg);
	}
	return MQ_OK;
}
