/*
 * relay.c — sessions between browsers and RabbitMQ's web-STOMP.
 *
 * A browser connects at /stomp/<server>/<session>/websocket (SockJS: the
 * relay adds and removes SockJS framing) or at /ws (plain STOMP over
 * WebSocket: messages pass unchanged). Each session opens its own
 * WebSocket to web-STOMP, so RabbitMQ sees one STOMP connection per
 * browser and checks its login as usual. Frames wait in a queue per
 * direction; a queue above HIGH_WATER stops reading from the other side
 * until it drains (the broker or the browser is slowed, nothing is
 * dropped). Whichever side closes first, the other is closed after its
 * queue is written. Also serves GET /stomp/info and /stomp (SockJS).
 *
 * Timers: one tick a second (relay_tick) walks the sessions for the SockJS
 * heartbeats and the WebSocket PINGs that tell a dead peer from a quiet
 * one. libwebsockets could keep these itself, but it keeps its timers in
 * one sorted linked list: each PING and PONG re-inserted a timer at the
 * list's end, a walk over every session, and with 6,000 sessions that walk
 * took more than a quarter of the relay's time. Its own PINGs are
 * therefore off (relay_no_validity) and done here.
 */
#include "relay.h"
#include "sockjs.h"
#include "util/buf.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define PREFIX "/stomp"
#define MAX_MESSAGE (1024 * 1024) /* bytes of one WebSocket message */
#define HIGH_WATER (1024 * 1024)  /* queued bytes that stop the other side */
#define LOW_WATER (256 * 1024)    /* … and let it go on */

/* web-STOMP (cowboy) closes a WebSocket on which it received nothing for
 * 60 s (web_stomp.ws_opts.idle_timeout), and a widget with STOMP
 * heart-beats off may send nothing for hours: the relay PINGs the upstream
 * every [relay] ping_s, which keeps it open; no PONG for three of them and
 * the broker is taken for gone. The browser (through the web server) is
 * PINGed after [relay] client_ping_s without a PONG and dropped when none
 * comes within client_wait_s(), so a laptop closed mid-session does not
 * hold its broker session for ever. */

struct msg {
	struct msg *next;
	size_t len;
	int binary;
	unsigned char data[]; /* LWS_PRE bytes, then the payload */
};

struct queue {
	struct msg *head, *tail;
	size_t bytes;
};

enum up_state { UP_CONNECTING, UP_OPEN, UP_GONE };

struct session {
	struct lws *client, *upstream;
	enum up_state up;
	int sockjs;                     /* SockJS framing towards the browser */
	int opened;                     /* "o" sent */
	int heartbeat_due;              /* an "h" to send */
	int ping_client, ping_upstream; /* a PING to send */
	int close_client;               /* 1: close once to_client is written; 2: c[] sent */
	int close_code;
	const char *close_reason;
	int close_upstream;                 /* browser gone: write to_upstream, then close */
	int client_paused, upstream_paused; /* rx flow stopped */
	struct queue to_client, to_upstream;
	struct buf from_client, from_upstream; /* the message being received */
	char subprotocol[16];
	/* seconds (monotonic) of the next "h", the last PING sent and the last
	 * PONG (or the opening) on each side */
	long next_heartbeat;
	long client_ping, client_pong, up_ping, up_pong;
	struct session *prev, *next; /* all open sessions, for relay_tick */
	unsigned long id;
};

/* Per connection on the listening vhost: a WebSocket's session, or the
 * answer of an HTTP request. */
struct pss {
	struct session *s;
	char *body;
	size_t body_len;
};

static struct relay_conf conf;
static struct lws_vhost *up_vhost;
static unsigned long next_id;
static int open_sessions;
static struct session *sessions;

/* lws's own PINGs off: relay_tick does them (see the top of this file) */
const lws_retry_bo_t relay_no_validity = {.secs_since_valid_ping = 0, .secs_since_valid_hangup = 0};

/* 10 s, or less when the PINGs themselves are more frequent (tests) */
static long client_wait_s(void)
{
	return conf.client_ping_s < 10 ? conf.client_ping_s : 10;
}

static long now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

void relay_setup(const struct relay_conf *c, struct lws_vhost *upstream_vhost)
{
	conf = *c;
	up_vhost = upstream_vhost;
}

int relay_sessions(void)
{
	return open_sessions;
}

/* ---- queues ----------------------------------------------------------------- */

static void enqueue(struct queue *q, const void *data, size_t len, int binary)
{
	struct msg *m = xmalloc(sizeof *m + LWS_PRE + len);
	m->next = NULL;
	m->len = len;
	m->binary = binary;
	memcpy(m->data + LWS_PRE, data, len);
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->bytes += len;
}

static struct msg *dequeue(struct queue *q)
{
	struct msg *m = q->head;
	if (!m)
		return NULL;
	q->head = m->next;
	if (!q->head)
		q->tail = NULL;
	q->bytes -= m->len;
	return m;
}

static void queue_clear(struct queue *q)
{
	struct msg *m;
	while ((m = dequeue(q)))
		free(m);
}

/* Writes the first message of q to wsi; 0, or -1 when the write failed. */
static int write_one(struct lws *wsi, struct queue *q)
{
	struct msg *m = dequeue(q);
	int n = lws_write(wsi, m->data + LWS_PRE, m->len,
			  m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
	size_t len = m->len;
	free(m);
	return n < 0 || (size_t)n < len ? -1 : 0;
}

/* ---- session life ------------------------------------------------------------ */

static void session_free(struct session *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	queue_clear(&s->to_client);
	queue_clear(&s->to_upstream);
	buf_free(&s->from_client);
	buf_free(&s->from_upstream);
	open_sessions--;
	log_event("relay", "session %lu closed (%d open)", s->id, open_sessions);
	free(s);
}

/* The browser is to be closed once its queue is written. */
static void close_client_later(struct session *s, int code, const char *reason)
{
	if (!s->client || s->close_client)
		return;
	s->close_client = 1;
	s->close_code = code;
	s->close_reason = reason;
	lws_callback_on_writable(s->client);
}

static void upstream_gone(struct session *s, const char *why)
{
	if (s->up == UP_GONE)
		return;
	int never_opened = s->up == UP_CONNECTING;
	s->up = UP_GONE;
	s->upstream = NULL;
	if (never_opened)
		log_event("relay", "session %lu: web-STOMP unreachable (%s)", s->id, why);
	if (!s->client) {
		session_free(s);
		return;
	}
	queue_clear(&s->to_upstream);
	if (never_opened)
		close_client_later(s, s->sockjs ? 2011 : LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
				   "STOMP broker unavailable");
	else
		close_client_later(s, s->sockjs ? 3000 : LWS_CLOSE_STATUS_NORMAL, "Go away!");
}

static void client_gone(struct session *s)
{
	s->client = NULL;
	queue_clear(&s->to_client);
	if (s->up == UP_GONE) {
		session_free(s);
		return;
	}
	/* what the browser sent last (a DISCONNECT) still reaches the broker */
	s->close_upstream = 1;
	if (s->up == UP_OPEN) {
		if (s->upstream_paused) {
			lws_rx_flow_control(s->upstream, 1);
			s->upstream_paused = 0;
		}
		lws_callback_on_writable(s->upstream);
		lws_set_timeout(s->upstream, PENDING_TIMEOUT_CLOSE_SEND, 5);
	} else {
		lws_set_timeout(s->upstream, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
	}
}

static int connect_upstream(struct session *s)
{
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof ci);
	ci.context = lws_get_context(s->client);
	ci.vhost = up_vhost;
	ci.address = conf.up_host;
	ci.port = conf.up_port;
	ci.path = conf.up_path;
	ci.host = conf.up_host;
	ci.protocol = *s->subprotocol ? s->subprotocol : NULL;
	ci.local_protocol_name = relay_upstream_protocols[0].name;
	ci.opaque_user_data = s;
	ci.retry_and_idle_policy = &relay_no_validity;
	s->up = UP_CONNECTING;
	struct lws *w = lws_client_connect_via_info(&ci);
	if (s->up != UP_CONNECTING)
		return 0; /* the failure was reported already */
	if (w)
		s->upstream = w;
	else
		upstream_gone(s, "connect failed");
	return 0;
}

/* Which kind of WebSocket the browser asked for: 1 SockJS, 0 plain, -1
 * none of ours. */
static int ws_kind(struct lws *wsi)
{
	char path[512];
	if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) <= 0)
		return -1;
	if (!strcmp(path, "/ws") || !strcmp(path, PREFIX "/websocket"))
		return 0;
	if (!strncmp(path, PREFIX, strlen(PREFIX)) &&
	    sockjs_is_websocket_path(path + strlen(PREFIX)))
		return 1;
	return -1;
}

static int client_open(struct lws *wsi, struct pss *pss)
{
	int kind = ws_kind(wsi);
	if (kind < 0)
		return -1;
	struct session *s = xcalloc(1, sizeof *s);
	s->client = wsi;
	s->sockjs = kind;
	s->id = ++next_id;
	buf_init(&s->from_client);
	buf_init(&s->from_upstream);
	const struct lws_protocols *p = lws_get_protocol(wsi);
	if (p != &relay_server_protocols[0])
		snprintf(s->subprotocol, sizeof s->subprotocol, "%s", p->name);
	pss->s = s;
	s->client_ping = s->client_pong = now_s();
	s->next_heartbeat = s->client_pong + conf.heartbeat_s;
	s->next = sessions;
	if (sessions)
		sessions->prev = s;
	sessions = s;
	open_sessions++;
	log_event("relay", "session %lu opened (%s, %d open)", s->id, kind ? "SockJS" : "WebSocket",
		  open_sessions);
	if (s->sockjs)
		lws_callback_on_writable(wsi);
	return connect_upstream(s);
}

/* ---- browser → broker ----------------------------------------------------------- */

static int queue_upstream(const char *msg, size_t len, void *arg)
{
	struct session *s = arg;
	enqueue(&s->to_upstream, msg, len, 0);
	return 0;
}

/* Appends a received fragment to b; at the message's end returns 1 with
 * the whole message in b. -1: the message is too large. */
static int assemble(struct lws *wsi, struct buf *b, const void *in, size_t len)
{
	if (lws_is_first_fragment(wsi))
		buf_reset(b);
	if (b->len + len > MAX_MESSAGE)
		return -1;
	buf_add(b, in, len);
	return lws_is_final_fragment(wsi) ? 1 : 0;
}

static int client_receive(struct lws *wsi, struct session *s, const void *in, size_t len)
{
	int whole = assemble(wsi, &s->from_client, in, len);
	if (whole < 0) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
		return -1;
	}
	if (!whole || s->close_upstream || s->up == UP_GONE)
		return 0;
	struct buf *b = &s->from_client;
	if (s->sockjs) {
		if (sockjs_parse(b->data, b->len, queue_upstream, s) < 0) {
			log_event("relay", "session %lu: not a SockJS frame; closing", s->id);
			return -1;
		}
	} else {
		enqueue(&s->to_upstream, b->data, b->len, lws_frame_is_binary(wsi));
	}
	buf_reset(b);
	if (s->to_upstream.bytes > HIGH_WATER && !s->client_paused) {
		lws_rx_flow_control(wsi, 0);
		s->client_paused = 1;
	}
	if (s->up == UP_OPEN && s->to_upstream.head)
		lws_callback_on_writable(s->upstream);
	return 0;
}

/* A PING; 0, or -1 when the write failed. It carries a payload because
 * libwebsockets 4.1 does not report an empty PONG to the callback. */
static int write_ping(struct lws *wsi)
{
	unsigned char frame[LWS_PRE + 4];
	memcpy(frame + LWS_PRE, "max", 3);
	return lws_write(wsi, frame + LWS_PRE, 3, LWS_WRITE_PING) < 3 ? -1 : 0;
}

static int upstream_writeable(struct lws *wsi, struct session *s)
{
	if (s->ping_upstream) {
		s->ping_upstream = 0;
		if (write_ping(wsi) < 0)
			return -1;
		if (s->to_upstream.head || s->close_upstream)
			lws_callback_on_writable(wsi);
		return 0;
	}
	if (s->to_upstream.head) {
		if (write_one(wsi, &s->to_upstream) < 0)
			return -1;
		if (s->client_paused && s->client && s->to_upstream.bytes < LOW_WATER) {
			lws_rx_flow_control(s->client, 1);
			s->client_paused = 0;
		}
		if (s->to_upstream.head || s->close_upstream)
			lws_callback_on_writable(wsi);
		return 0;
	}
	if (s->close_upstream) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	return 0;
}

/* ---- broker → browser ----------------------------------------------------------- */

static int upstream_receive(struct lws *wsi, struct session *s, const void *in, size_t len)
{
	int whole = assemble(wsi, &s->from_upstream, in, len);
	if (whole < 0)
		return -1;
	if (!whole || !s->client || s->close_client)
		return 0;
	struct buf *b = &s->from_upstream;
	if (s->sockjs) {
		struct buf f;
		buf_init(&f);
		sockjs_message_frame(&f, b->data, b->len);
		enqueue(&s->to_client, f.data, f.len, 0);
		buf_free(&f);
	} else {
		enqueue(&s->to_client, b->data, b->len, lws_frame_is_binary(wsi));
	}
	buf_reset(b);
	if (s->to_client.bytes > HIGH_WATER && !s->upstream_paused) {
		lws_rx_flow_control(wsi, 0);
		s->upstream_paused = 1;
	}
	lws_callback_on_writable(s->client);
	return 0;
}

static int write_text(struct lws *wsi, const char *text, size_t len)
{
	unsigned char frame[LWS_PRE + 256];
	if (len > sizeof frame - LWS_PRE)
		return -1;
	memcpy(frame + LWS_PRE, text, len);
	int n = lws_write(wsi, frame + LWS_PRE, len, LWS_WRITE_TEXT);
	return n < 0 || (size_t)n < len ? -1 : 0;
}

/* The close of the browser's side: SockJS wants c[code,"reason"] first. */
static int client_close(struct lws *wsi, struct session *s)
{
	if (s->sockjs && s->close_client == 1) {
		struct buf f;
		buf_init(&f);
		sockjs_close_frame(&f, s->close_code, s->close_reason);
		int rc = write_text(wsi, f.data, f.len);
		buf_free(&f);
		s->close_client = 2;
		lws_callback_on_writable(wsi);
		return rc;
	}
	int code = s->sockjs ? LWS_CLOSE_STATUS_NORMAL : s->close_code;
	lws_close_reason(wsi, (enum lws_close_status)code, (unsigned char *)s->close_reason,
			 strlen(s->close_reason));
	return -1;
}

static int client_writeable(struct lws *wsi, struct session *s)
{
	int rc = 0;
	if (s->sockjs && !s->opened) {
		s->opened = 1;
		rc = write_text(wsi, "o", 1);
	} else if (s->ping_client) {
		s->ping_client = 0;
		rc = write_ping(wsi);
	} else if (s->to_client.head) {
		rc = write_one(wsi, &s->to_client);
		s->heartbeat_due = 0;
		if (s->upstream_paused && s->upstream && s->to_client.bytes < LOW_WATER) {
			lws_rx_flow_control(s->upstream, 1);
			s->upstream_paused = 0;
		}
	} else if (s->heartbeat_due) {
		s->heartbeat_due = 0;
		rc = write_text(wsi, "h", 1);
	} else if (s->close_client) {
		return client_close(wsi, s);
	} else {
		return 0;
	}
	if (s->to_client.head || s->close_client || s->heartbeat_due)
		lws_callback_on_writable(wsi);
	return rc;
}

/* ---- HTTP: GET /stomp/info and the greeting ---------------------------------- */

/* CORS as sockjs-client needs it: it sends /info with credentials, so a
 * page of another site needs its own Origin back, never "*". */
static int add_cors(struct lws *wsi, unsigned char **p, unsigned char *end)
{
	char origin[520];
	int n = lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN);
	if (n > 0 && sockjs_origin_ok(origin))
		return lws_add_http_header_by_name(wsi,
						   (const unsigned char
							    *)"access-control-allow-origin:",
						   (unsigned char *)origin, n, p, end) ||
		       lws_add_http_header_by_name(wsi,
						   (const unsigned char
							    *)"access-control-allow-credentials:",
						   (const unsigned char *)"true", 4, p, end) ||
		       lws_add_http_header_by_name(wsi, (const unsigned char *)"vary:",
						   (const unsigned char *)"Origin", 6, p, end);
	return lws_add_http_header_by_name(wsi,
					   (const unsigned char *)"access-control-allow-origin:",
					   (const unsigned char *)"*", 1, p, end);
}

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
		      unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
					   (const unsigned char *)value, (int)strlen(value), p,
					   end);
}

/* Writes the status line and headers; the body follows when writable. */
static int http_answer(struct lws *wsi, struct pss *pss, unsigned status, const char *type,
		       const char *body, int preflight)
{
	unsigned char hdr[LWS_PRE + 2048], *start = hdr + LWS_PRE, *p = start,
					   *end = hdr + sizeof hdr - 1;
	size_t len = strlen(body);
	if (lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
	    add_header(wsi, "cache-control:",
		       "no-store, no-cache, no-transform, must-revalidate, max-age=0", &p, end) ||
	    add_cors(wsi, &p, end) ||
	    (preflight &&
	     (add_header(wsi, "access-control-allow-methods:", "OPTIONS, GET", &p, end) ||
	      add_header(wsi, "access-control-max-age:", "31536000", &p, end))) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (!len)
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	pss->body = xmalloc(LWS_PRE + len);
	memcpy(pss->body + LWS_PRE, body, len);
	pss->body_len = len;
	lws_callback_on_writable(wsi);
	return 0;
}

static int http_request(struct lws *wsi, struct pss *pss, const char *path)
{
	int get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
	int options = lws_hdr_total_length(wsi, WSI_TOKEN_OPTIONS_URI) > 0;
	if (!strcmp(path, PREFIX "/info") && (get || options)) {
		if (options)
			return http_answer(wsi, pss, 204, "text/plain", "", 1);
		unsigned entropy = 0;
		if (getrandom(&entropy, sizeof entropy, 0) != sizeof entropy)
			entropy = (unsigned)rand();
		struct buf b;
		buf_init(&b);
		sockjs_info(&b, entropy);
		int rc = http_answer(wsi, pss, 200, "application/json; charset=UTF-8", b.data, 0);
		buf_free(&b);
		return rc;
	}
	if ((!strcmp(path, PREFIX) || !strcmp(path, PREFIX "/")) && get)
		return http_answer(wsi, pss, 200, "text/plain; charset=UTF-8",
				   "Welcome to SockJS!\n", 0);
	return http_answer(wsi, pss, 404, "text/plain; charset=UTF-8", "Not found\n", 0);
}

static int http_body(struct lws *wsi, struct pss *pss)
{
	if (!pss->body)
		return 0;
	int n = lws_write(wsi, (unsigned char *)pss->body + LWS_PRE, pss->body_len,
			  LWS_WRITE_HTTP_FINAL);
	free(pss->body);
	pss->body = NULL;
	if (n < 0 || (size_t)n < pss->body_len)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---- the tick ------------------------------------------------------------------- */

/* The browser's side of one session: its heartbeat, its PING, or its end. */
static void tick_client(struct session *s, long now)
{
	long hangup = conf.client_ping_s + client_wait_s();
	if (now - s->client_pong >= hangup) {
		log_event("relay", "session %lu: no PONG from the browser in %ld s; closing", s->id,
			  hangup);
		lws_set_timeout(s->client, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
		return;
	}
	int wake = 0;
	if (s->sockjs && now >= s->next_heartbeat) {
		s->heartbeat_due = 1;
		s->next_heartbeat = now + conf.heartbeat_s;
		wake = 1;
	}
	if (now - s->client_ping >= conf.client_ping_s &&
	    now - s->client_pong >= conf.client_ping_s) {
		s->ping_client = 1;
		s->client_ping = now;
		wake = 1;
	}
	if (wake)
		lws_callback_on_writable(s->client);
}

static void tick_upstream(struct session *s, long now)
{
	long hangup = 3L * conf.ping_s;
	if (now - s->up_pong >= hangup) {
		log_event("relay", "session %lu: no PONG from web-STOMP in %ld s; closing", s->id,
			  hangup);
		lws_set_timeout(s->upstream, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
		return;
	}
	if (now - s->up_ping >= conf.ping_s) {
		s->ping_upstream = 1;
		s->up_ping = now;
		lws_callback_on_writable(s->upstream);
	}
}

void relay_tick(void)
{
	long now = now_s();
	for (struct session *s = sessions; s; s = s->next) {
		if (s->client && !s->close_client)
			tick_client(s, now);
		if (s->up == UP_OPEN && s->upstream && !s->close_upstream)
			tick_upstream(s, now);
	}
}

/* ---- lws callbacks -------------------------------------------------------------- */

static int on_server(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		     size_t len)
{
	struct pss *pss = user;
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return http_request(wsi, pss, in ? (const char *)in : "");
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return http_body(wsi, pss);
	case LWS_CALLBACK_CLOSED_HTTP:
		free(pss ? pss->body : NULL);
		if (pss)
			pss->body = NULL;
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return ws_kind(wsi) < 0 ? 1 : 0;
	case LWS_CALLBACK_ESTABLISHED:
		return client_open(wsi, pss);
	case LWS_CALLBACK_RECEIVE:
		return pss->s ? client_receive(wsi, pss->s, in, len) : -1;
	case LWS_CALLBACK_RECEIVE_PONG:
		if (pss->s)
			pss->s->client_pong = now_s();
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return pss->s ? client_writeable(wsi, pss->s) : 0;
	case LWS_CALLBACK_CLOSED:
		if (pss->s)
			client_gone(pss->s);
		pss->s = NULL;
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static int on_upstream(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct session *s = lws_get_opaque_user_data(wsi);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!s)
			return -1;
		s->up = UP_OPEN;
		s->upstream = wsi;
		s->up_ping = s->up_pong = now_s();
		if (s->to_upstream.head || s->close_upstream)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return s ? upstream_receive(wsi, s, in, len) : -1;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return s ? upstream_writeable(wsi, s) : -1;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		if (s)
			s->up_pong = now_s();
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (s) {
			lws_set_opaque_user_data(wsi, NULL);
			upstream_gone(s, in && len ? (const char *)in : "connection error");
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (s) {
			lws_set_opaque_user_data(wsi, NULL);
			upstream_gone(s, "closed");
		}
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* The first protocol serves HTTP and WebSockets that ask for none; STOMP
 * clients ask for these names, passed on to web-STOMP. */
const struct lws_protocols relay_server_protocols[] = {
	{"max-relay", on_server, sizeof(struct pss), 0, 0, NULL, 0},
	{"v12.stomp", on_server, sizeof(struct pss), 0, 0, NULL, 0},
	{"v11.stomp", on_server, sizeof(struct pss), 0, 0, NULL, 0},
	{"v10.stomp", on_server, sizeof(struct pss), 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

const struct lws_protocols relay_upstream_protocols[] = {
	{"web-stomp", on_upstream, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};
