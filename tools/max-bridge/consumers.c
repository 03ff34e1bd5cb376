/*
 * consumers.c — see consumers.h. One thread stores (`messages`,
 * `syncacl`: both write the database, one writer is enough), one pushes
 * (`push`: network calls to Google). Each reconnects on its own with a
 * growing pause while RabbitMQ is away.
 */
#include "consumers.h"
#include "model/chat.h"
#include "model/outbox.h"
#include "model/syncacl.h"
#include "push_send.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/log.h"
#include "util/wake.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CHANNEL 1
#define PREFETCH 32
#define SEEN_DAYS 7 /* how long a chat line's uuid is remembered */

struct consumer {
	const char *name;
	const char *queues[2];
	const struct max_config *cfg;
	volatile sig_atomic_t *stopping;
	struct store db;
	amqp_connection_state_t conn;
	struct pusher *pusher;
	long retry_ms; /* pause before requeueing after a database failure */
	time_t forgot; /* last cleanup of remembered uuids */
	pthread_t thread;
	int started;
};

static struct consumer consumers[] = {
	{.name = "store", .queues = {"messages", "syncacl"}},
	{.name = "push", .queues = {"push", NULL}},
};
#define NCONSUMERS (sizeof consumers / sizeof consumers[0])

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- the connection --------------------------------------------------------- */

static int rpc_ok(struct consumer *c, const char *what)
{
	amqp_rpc_reply_t r = amqp_get_rpc_reply(c->conn);
	if (r.reply_type == AMQP_RESPONSE_NORMAL)
		return 1;
	log_event("bridge", "%s consumer: %s failed (%s)", c->name, what,
		  r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION
			  ? amqp_error_string2(r.library_error)
			  : "refused by the broker");
	return 0;
}

static int open_conn(struct consumer *c, struct amqp_connection_info *ci)
{
	c->conn = amqp_new_connection();
	amqp_socket_t *s = amqp_tcp_socket_new(c->conn);
	struct timeval tv = {5, 0};
	if (!s || amqp_socket_open_noblock(s, ci->host, ci->port, &tv) != AMQP_STATUS_OK)
		return -1;
	if (amqp_login(c->conn, ci->vhost, 0, AMQP_DEFAULT_FRAME_SIZE, 30, AMQP_SASL_METHOD_PLAIN,
		       ci->user, ci->password)
		    .reply_type != AMQP_RESPONSE_NORMAL)
		return -1;
	amqp_channel_open(c->conn, CHANNEL);
	if (!rpc_ok(c, "channel.open"))
		return -1;
	amqp_basic_qos(c->conn, CHANNEL, 0, PREFETCH, 0);
	if (!rpc_ok(c, "basic.qos"))
		return -1;
	for (int i = 0; i < 2 && c->queues[i]; i++) {
		amqp_bytes_t q = amqp_cstring_bytes(c->queues[i]);
		/* the same properties as the drain's declaration: whoever
		 * comes first creates it */
		amqp_queue_declare(c->conn, CHANNEL, q, 0, 1, 0, 0, amqp_empty_table);
		if (!rpc_ok(c, "queue.declare"))
			return -1;
		amqp_basic_consume(c->conn, CHANNEL, q, q, 0, 0, 0, amqp_empty_table);
		if (!rpc_ok(c, "basic.consume"))
			return -1;
	}
	return 0;
}

static void close_conn(struct consumer *c)
{
	if (!c->conn)
		return;
	amqp_destroy_connection(c->conn);
	c->conn = NULL;
}

static void connect_with_backoff(struct consumer *c)
{
	long delay = 100, max = (long)config_int(c->cfg, "rabbitmq", "retry_max_s") * 1000;
	while (!*c->stopping) {
		char *url = xstrdup(config_get(c->cfg, "rabbitmq", "url"));
		struct amqp_connection_info ci;
		int ok = amqp_parse_url(url, &ci) == AMQP_STATUS_OK && open_conn(c, &ci) == 0;
		free(url);
		if (ok) {
			log_event("bridge", "%s consumer: consuming %s%s%s", c->name, c->queues[0],
				  c->queues[1] ? " and " : "", c->queues[1] ? c->queues[1] : "");
			return;
		}
		close_conn(c);
		pause_ms(delay);
		delay = delay * 2 > max ? (max < 100 ? 100 : max) : delay * 2;
	}
}

/* ---- one delivery ----------------------------------------------------------- */

static char *text_of(amqp_bytes_t b)
{
	return xstrndup(b.bytes ? b.bytes : "", b.len);
}

/* 1 when the delivery must be put back (the database failed). */
static int on_message(struct consumer *c, const char *exchange, const char *key,
		      const amqp_bytes_t *body)
{
	struct chat_in in = {exchange, key, body->bytes ? body->bytes : "", body->len};
	struct chat_result r;
	enum chat_outcome o = chat_consume(&c->db, c->cfg, &in, &r);
	if (o == CHAT_STORED)
		return 0;
	if (o == CHAT_DUPLICATE)
		log_event("bridge", "messages: %s's line for %s seen before; not stored again",
			  r.sender, r.cid);
	else
		log_event("bridge", "messages: %s from %s (key \"%.100s\"): %s",
			  o == CHAT_RETRY ? "will retry a line" : "dropped a line", exchange, key,
			  r.why);
	return o == CHAT_RETRY;
}

static int on_syncacl(struct consumer *c, const amqp_bytes_t *body)
{
	char why[256] = "";
	enum syncacl_outcome o = syncacl_apply(&c->db, c->cfg, body->bytes ? body->bytes : "",
					       body->len, why, sizeof why);
	if (o != SYNCACL_DONE)
		log_event("bridge", "syncacl: %s: %s",
			  o == SYNCACL_RETRY ? "will retry a task" : "dropped a task", why);
	return o == SYNCACL_RETRY;
}

static int dispatch(struct consumer *c, const amqp_envelope_t *env)
{
	char *queue = text_of(env->consumer_tag), *exchange = text_of(env->exchange),
	     *key = text_of(env->routing_key);
	int retry = 0;
	if (!strcmp(queue, "messages"))
		retry = on_message(c, exchange, key, &env->message.body);
	else if (!strcmp(queue, "syncacl"))
		retry = on_syncacl(c, &env->message.body);
	else
		pusher_handle(c->pusher, &c->db, c->cfg, key, env->message.body.bytes,
			      env->message.body.len);
	free(queue);
	free(exchange);
	free(key);
	return retry;
}

/* Handles what arrives within a quarter second; -1 when the connection
 * must be made again. */
static int consume_one(struct consumer *c)
{
	amqp_envelope_t env;
	struct timeval tv = {0, 250000};
	amqp_maybe_release_buffers(c->conn);
	amqp_rpc_reply_t r = amqp_consume_message(c->conn, &env, &tv, 0);
	if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
	    r.library_error == AMQP_STATUS_TIMEOUT)
		return 0;
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		log_event("bridge", "%s consumer: connection lost (%s); reconnecting", c->name,
			  r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION
				  ? amqp_error_string2(r.library_error)
				  : "closed by the broker");
		return -1;
	}
	int retry = dispatch(c, &env);
	/* a stored chat line notifies its conversation: the bridge's main
	 * loop is woken as after a worker's commit */
	if (outbox_appended_take())
		wake_send(config_get(c->cfg, "store", "path"));
	int rc;
	if (retry) { /* a pause, so that a failing database is not hammered */
		pause_ms(c->retry_ms);
		c->retry_ms = c->retry_ms * 2 > 5000 ? 5000 : c->retry_ms * 2;
		rc = amqp_basic_nack(c->conn, CHANNEL, env.delivery_tag, 0, 1);
	} else {
		c->retry_ms = 200;
		rc = amqp_basic_ack(c->conn, CHANNEL, env.delivery_tag, 0);
	}
	amqp_destroy_envelope(&env);
	return rc == AMQP_STATUS_OK ? 0 : -1;
}

static void forget_old_uuids(struct consumer *c)
{
	time_t now = time(NULL);
	if (strcmp(c->name, "store") || now - c->forgot < 3600)
		return;
	c->forgot = now;
	if (chat_forget_seen(&c->db, SEEN_DAYS * 86400L) < 0)
		log_event("bridge", "messages: cannot forget old uuids; will retry");
}

static void *run(void *arg)
{
	struct consumer *c = arg;
	c->retry_ms = 200;
	if (!strcmp(c->name, "push"))
		c->pusher = pusher_open(c->cfg);
	while (!*c->stopping) {
		if (!c->conn)
			connect_with_backoff(c);
		forget_old_uuids(c);
		if (c->conn && consume_one(c) < 0)
			close_conn(c);
	}
	if (c->conn) {
		amqp_channel_close(c->conn, CHANNEL, AMQP_REPLY_SUCCESS);
		amqp_connection_close(c->conn, AMQP_REPLY_SUCCESS);
	}
	close_conn(c);
	pusher_close(c->pusher);
	return NULL;
}

int consumers_start(const struct max_config *cfg, volatile sig_atomic_t *stopping)
{
	curl_global_init(CURL_GLOBAL_DEFAULT); /* once, before any thread uses libcurl */
	/* signals go to the main thread, whose waits they cut short */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = 0;
	for (size_t i = 0; i < NCONSUMERS; i++) {
		struct consumer *c = &consumers[i];
		char err[512];
		c->cfg = cfg;
		c->stopping = stopping;
		if (store_open(&c->db, config_get(cfg, "store", "path"),
			       (int)config_int(cfg, "store", "busy_timeout_ms"), err,
			       sizeof err) < 0) {
			log_event("bridge", "%s consumer: %s", c->name, err);
			rc = -1;
			break;
		}
		if (pthread_create(&c->thread, NULL, run, c) != 0) {
			store_close(&c->db);
			rc = -1;
			break;
		}
		c->started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void consumers_join(void)
{
	for (size_t i = 0; i < NCONSUMERS; i++) {
		if (!consumers[i].started)
			continue;
		pthread_join(consumers[i].thread, NULL);
		store_close(&consumers[i].db);
		consumers[i].started = 0;
	}
	curl_global_cleanup();
}
