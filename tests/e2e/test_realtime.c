/*
 * test_realtime.c — MAX, max-bridge and a private RabbitMQ together: what
 * the API writes into the outbox reaches the broker (exchanges, bindings,
 * messages), RabbitMQ asks osiris who may log in and use what, and an
 * outage of the broker loses nothing; chat lines a user publishes are
 * stored once and acked, forged or poison ones are not, and pushes reach
 * a fake FCM endpoint. Everything is checked through RabbitMQ itself (its
 * management API and AMQP clients), the API and the fake's log.
 *
 * Runs only under scripts/e2e-realtime.sh, which gives the suite a folder
 * (MAX_TEST_RABBITMQ_DIR) and always stops the node, the bridge and the
 * relay; the suite starts them there (scripts/rabbitmq.sh, build/max-bridge,
 * build/max-relay on the socket lighttpd proxies /stomp and /ws to). The
 * browser-grade STOMP clients are node programs (tests/stomp/realtime.js;
 * their modules in MAX_TEST_NODE_PATH, installed by e2e-realtime.sh).
 */
#include "e2e.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SOON_MS 10000

static struct {
	const char *dir;
	char user[512], pass[512], url[512];
	int amqp_port, mgmt_port, stomp_ws_port;
	pid_t bridge, relay;
} rt;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- the node and the bridge ------------------------------------------------ */

static int read_env(void)
{
	FILE *f = fopen(e2e_fmt("%s/env", rt.dir), "r");
	if (!f)
		return -1;
	char line[500];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "RMQ_USER=", 9))
			snprintf(rt.user, sizeof rt.user, "%s", line + 9);
		else if (!strncmp(line, "RMQ_PASS=", 9))
			snprintf(rt.pass, sizeof rt.pass, "%s", line + 9);
		else if (!strncmp(line, "RMQ_URL=", 8))
			snprintf(rt.url, sizeof rt.url, "%s", line + 8);
		else if (!strncmp(line, "RMQ_AMQP_PORT=", 14))
			rt.amqp_port = atoi(line + 14);
		else if (!strncmp(line, "RMQ_MGMT_PORT=", 14))
			rt.mgmt_port = atoi(line + 14);
		else if (!strncmp(line, "RMQ_STOMP_WS_PORT=", 18))
			rt.stomp_ws_port = atoi(line + 18);
	}
	fclose(f);
	return rt.amqp_port && rt.mgmt_port && *rt.pass ? 0 : -1;
}

static int node(const char *cmd)
{
	const char *line = e2e_fmt("RABBITMQ_AUTH_URL='%s/rabbitmq' RABBITMQ_MANAGEMENT=1 "
				   "./scripts/rabbitmq.sh %s '%s' > /dev/null",
				   e2e_url(), cmd, rt.dir);
	return system(line) == 0 ? 0 : -1;
}

/* The max.ini of the bridge and the relay: the test server's, plus the
 * broker (the relay listens on its default socket under [max] var, where
 * lighttpd looks for it). */
static int write_bridge_ini(const char *path)
{
	FILE *in = fopen(getenv("MAX_TEST_INI"), "r"), *out = fopen(path, "w");
	if (!in || !out) {
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		return -1;
	}
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	fprintf(out, "\n[rabbitmq]\nurl = %s\nretry_max_s = 1\n", rt.url);
	const char *fcm = getenv("MAX_TEST_FCM_DIR");
	FILE *port = fcm ? fopen(e2e_fmt("%s/port", fcm), "r") : NULL;
	int p = 0;
	if (port && fscanf(port, "%d", &p) == 1 && p > 0)
		fprintf(out,
			"\n[push]\nenabled = true\nlanguage = en\nservice_account = %s/sa.json\n"
			"fcm_url = http://127.0.0.1:%d\ntimeout_s = 5\n",
			fcm, p);
	if (port)
		fclose(port);
	fprintf(out, "\n[relay]\nupstream = ws://127.0.0.1:%d/ws\nheartbeat_s = 1\n",
		rt.stomp_ws_port);
	fclose(in);
	return fclose(out) == 0 ? 0 : -1;
}

/* Starts BUILD/name -c ini in the background (stderr to DIR/name.log, its
 * pid in DIR/name.pid for e2e-realtime.sh); its pid, or -1. */
static pid_t start_prog(const char *name, const char *ini)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		FILE *log = freopen(e2e_fmt("%s/%s.log", rt.dir, name), "a", stderr);
		(void)log;
		const char *bin = e2e_fmt("%s/%s", getenv("MAX_TEST_BUILD"), name);
		execl(bin, bin, "-c", ini, (char *)NULL);
		_exit(127);
	}
	FILE *f = fopen(e2e_fmt("%s/%s.pid", rt.dir, name), "w");
	if (f) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	return pid;
}

static int start_bridge(void)
{
	const char *ini = e2e_fmt("%s/bridge.ini", rt.dir);
	if (write_bridge_ini(ini) < 0)
		return -1;
	rt.bridge = start_prog("max-bridge", ini);
	rt.relay = start_prog("max-relay", ini);
	return rt.bridge > 0 && rt.relay > 0 ? 0 : -1;
}

static void stop_prog(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	int st;
	for (int i = 0; i < 100 && waitpid(*pid, &st, WNOHANG) == 0; i++)
		sleep_ms(50);
	kill(*pid, SIGKILL);
	waitpid(*pid, &st, 0);
	*pid = 0;
}

static void stop_bridge(void)
{
	stop_prog(&rt.relay);
	stop_prog(&rt.bridge);
}

/* ---- RabbitMQ's management API ------------------------------------------- */

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf_s {
		char *d;
		size_t len;
	} *b = arg;
	char *d = realloc(b->d, b->len + size * n + 1);
	if (!d)
		return 0;
	memcpy(d + b->len, p, size * n);
	b->d = d;
	b->len += size * n;
	b->d[b->len] = 0;
	return size * n;
}

/* GET /api/<path>: the parsed JSON (NULL on 404 or error); *status. */
static json_object *mgmt(const char *path, long *status)
{
	struct {
		char *d;
		size_t len;
	} b = {NULL, 0};
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, e2e_fmt("http://127.0.0.1:%d/api/%s", rt.mgmt_port, path));
	curl_easy_setopt(c, CURLOPT_USERNAME, rt.user);
	curl_easy_setopt(c, CURLOPT_PASSWORD, rt.pass);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	long st = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_easy_cleanup(c);
	json_object *o = st == 200 && b.d ? json_tokener_parse(b.d) : NULL;
	free(b.d);
	if (status)
		*status = st;
	return o;
}

static long exchange_status(const char *name, const char **type)
{
	long st;
	json_object *o = mgmt(e2e_fmt("exchanges/%%2F/%s", e2e_escape(name)), &st);
	if (type)
		*type = o ? e2e_fmt("%s", e2e_str(o, "type")) : NULL;
	json_object_put(o);
	return st;
}

/* Routing keys of the bindings source → destination exchange, sorted,
 * comma-joined ("" for none). */
static const char *binding_keys(const char *source, const char *dest)
{
	json_object *o =
		mgmt(e2e_fmt("bindings/%%2F/e/%s/e/%s", e2e_escape(source), e2e_escape(dest)),
		     NULL);
	const char *keys = "";
	for (int i = 0; i < e2e_len(o); i++)
		keys = e2e_fmt("%s%s%s", keys, *keys ? "," : "",
			       e2e_str(json_object_array_get_idx(o, (size_t)i), "routing_key"));
	json_object_put(o);
	return keys;
}

static int wait_until(int (*cond)(const void *), const void *arg, long ms)
{
	for (long t = 0; t < ms; t += 50) {
		if (cond(arg))
			return 1;
		sleep_ms(50);
	}
	return cond(arg);
}

static int outbox_empty(const void *arg)
{
	(void)arg;
	return e2e_db_scalar("SELECT count(*) FROM outbox") == 0;
}

static int exchange_exists(const void *name)
{
	return exchange_status(name, NULL) == 200;
}

/* The last of the global objects the bridge declares at start-up. */
static int globals_declared(const void *arg)
{
	(void)arg;
	json_object *o = mgmt("bindings/%2F/e/syncacl/q/syncacl", NULL);
	int n = e2e_len(o);
	json_object_put(o);
	return n == 1;
}

/* ---- AMQP clients ------------------------------------------------------------ */

/* A connection as user/password with channel 1 open, or NULL. */
static amqp_connection_state_t amqp_as(const char *user, const char *pass)
{
	amqp_connection_state_t c = amqp_new_connection();
	amqp_socket_t *s = amqp_tcp_socket_new(c);
	struct timeval tv = {5, 0};
	if (amqp_socket_open_noblock(s, "127.0.0.1", rt.amqp_port, &tv) != AMQP_STATUS_OK ||
	    amqp_login(c, "/", 0, AMQP_DEFAULT_FRAME_SIZE, 0, AMQP_SASL_METHOD_PLAIN, user, pass)
			    .reply_type != AMQP_RESPONSE_NORMAL) {
		amqp_destroy_connection(c);
		return NULL;
	}
	amqp_channel_open(c, 1);
	if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL) {
		amqp_destroy_connection(c);
		return NULL;
	}
	return c;
}

static void amqp_done(amqp_connection_state_t c)
{
	if (!c)
		return;
	amqp_connection_close(c, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(c);
}

/* A server-named queue bound to exchange: its name, or NULL. */
static const char *private_queue(amqp_connection_state_t c, const char *exchange)
{
	amqp_queue_declare_ok_t *q =
		amqp_queue_declare(c, 1, amqp_empty_bytes, 0, 0, 1, 1, amqp_empty_table);
	if (!q)
		return NULL;
	const char *name = e2e_fmt("%.*s", (int)q->queue.len, (const char *)q->queue.bytes);
	amqp_queue_bind(c, 1, amqp_cstring_bytes(name), amqp_cstring_bytes(exchange),
			amqp_empty_bytes, amqp_empty_table);
	return amqp_get_rpc_reply(c).reply_type == AMQP_RESPONSE_NORMAL ? name : NULL;
}

struct got {
	char exchange[128], key[128];
	json_object *body;
};

/* basic.get until a message arrives or ms pass; 1 with *g filled. */
static int get_one(amqp_connection_state_t c, const char *queue, struct got *g, long ms)
{
	for (long t = 0; t <= ms; t += 50) {
		amqp_rpc_reply_t r = amqp_basic_get(c, 1, amqp_cstring_bytes(queue), 1);
		if (r.reply_type != AMQP_RESPONSE_NORMAL)
			return 0;
		if (r.reply.id == AMQP_BASIC_GET_OK_METHOD) {
			amqp_basic_get_ok_t *ok = r.reply.decoded;
			snprintf(g->exchange, sizeof g->exchange, "%.*s", (int)ok->exchange.len,
				 (const char *)ok->exchange.bytes);
			snprintf(g->key, sizeof g->key, "%.*s", (int)ok->routing_key.len,
				 (const char *)ok->routing_key.bytes);
			amqp_message_t m;
			if (amqp_read_message(c, 1, &m, 0).reply_type != AMQP_RESPONSE_NORMAL)
				return 0;
			char *text = strndup(m.body.bytes, m.body.len);
			g->body = json_tokener_parse(text);
			free(text);
			amqp_destroy_message(&m);
			return 1;
		}
		sleep_ms(50);
	}
	return 0;
}

/* GET /stomp/info through lighttpd: the relay is up. */
static int relay_answers(const void *arg)
{
	(void)arg;
	struct e2e_resp *r = e2e_request("GET", "/stomp/info", NULL, NULL);
	int up = r->status == 200;
	e2e_free(r);
	return up;
}

/* ---- suite ------------------------------------------------------------------ */

static int rt_init(void)
{
	rt.dir = getenv("MAX_TEST_RABBITMQ_DIR");
	if (!rt.dir)
		return 0; /* no tests registered */
	if (node("start") < 0 || read_env() < 0) {
		fprintf(stderr, "realtime: cannot start RabbitMQ in %s\n", rt.dir);
		return 1;
	}
	if (start_bridge() < 0 || !wait_until(globals_declared, NULL, 60000)) {
		fprintf(stderr, "realtime: the bridge did not declare the topology\n");
		return 1;
	}
	if (!wait_until(relay_answers, NULL, 10000)) {
		fprintf(stderr, "realtime: GET /stomp/info does not answer (max-relay)\n");
		return 1;
	}
	return 0;
}

static int rt_cleanup(void)
{
	if (!rt.dir)
		return 0;
	stop_bridge();
	node("stop");
	return 0;
}

/* A person, created as the Manager; waits until the bridge is done. */
static void person(const char *username, const char *query)
{
	struct e2e_resp *r = e2e_request("POST", e2e_fmt("/people%s", query), e2e_manager(),
					 e2e_fmt("{\"username\":\"%s\"}", username));
	CU_ASSERT(r->status == 201 || r->status == 200);
	e2e_free(r);
}

/* messaging.md 2.1: the bridge declares the global exchanges, queues, bindings. */
static void test_global_topology(void)
{
	static const char *const ex[][2] = {{"conversations", "topic"},
					    {"activity", "topic"},
					    {"twitter", "fanout"},
					    {"syncacl", "fanout"}};
	for (size_t i = 0; i < 4; i++) {
		json_object *o = mgmt(e2e_fmt("exchanges/%%2F/%s", ex[i][0]), NULL);
		E2E_STR_EQ(e2e_str(o, "type"), ex[i][1]);
		E2E_INT_EQ(e2e_bool(o, "durable"), 1);
		E2E_INT_EQ(e2e_bool(o, "auto_delete"), 0);
		json_object_put(o);
	}
	static const char *const queues[] = {"messages", "push", "twitter", "syncacl",
					     "tweety_restart"};
	for (size_t i = 0; i < 5; i++) {
		json_object *o = mgmt(e2e_fmt("queues/%%2F/%s", queues[i]), NULL);
		E2E_INT_EQ(e2e_bool(o, "durable"), 1);
		E2E_STR_EQ(e2e_keys(e2e_get(o, "arguments")), "");
		json_object_put(o);
	}
	json_object *b = mgmt("exchanges/%2F/conversations/bindings/source", NULL);
	const char *seen = "";
	for (int i = 0; i < e2e_len(b); i++) {
		json_object *x = json_object_array_get_idx(b, (size_t)i);
		if (!strcmp(e2e_str(x, "destination_type"), "queue"))
			seen = e2e_fmt("%s%s>%s", seen, e2e_str(x, "destination"),
				       e2e_str(x, "routing_key"));
	}
	json_object_put(b);
	CU_ASSERT_PTR_NOT_NULL(strstr(seen, "messages>*.messages"));
	CU_ASSERT_PTR_NOT_NULL(strstr(seen, "push>*.notifications"));
	b = mgmt("exchanges/%2F/activity/bindings/source", NULL);
	E2E_INT_EQ(e2e_len(b), 1);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(b, 0), "routing_key"), "#");
	json_object_put(b);
}

/* Is user's publish → subscribe binding with key "internal" there yet?
 * (The bridge declares the exchanges first, then binds them.) */
static int internal_bound(const void *user)
{
	const char *u = user;
	return !strcmp(binding_keys(e2e_fmt("%s.publish", u), e2e_fmt("%s.subscribe", u)),
		       "internal");
}

/* POST /people declares the user's two exchanges and their "internal"
 * binding, unless notifications=false; an existing user only with
 * notifications=true. */
static void test_user_exchanges(void)
{
	const char *type = NULL;
	person("rtalice", "");
	CU_ASSERT_FATAL(wait_until(exchange_exists, "rtalice.subscribe", SOON_MS));
	E2E_INT_EQ(exchange_status("rtalice.publish", &type), 200);
	E2E_STR_EQ(type, "topic");
	E2E_INT_EQ(exchange_status("rtalice.subscribe", &type), 200);
	E2E_STR_EQ(type, "fanout");
	CU_ASSERT(wait_until(internal_bound, "rtalice", SOON_MS));

	person("rtquiet", "?notifications=false");
	person("rtquiet", "");
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
	E2E_INT_EQ(exchange_status("rtquiet.publish", NULL), 404);
	E2E_INT_EQ(exchange_status("rtquiet.subscribe", NULL), 404);
	person("rtquiet", "?notifications=true");
	CU_ASSERT(wait_until(exchange_exists, "rtquiet.subscribe", SOON_MS));
	CU_ASSERT(wait_until(internal_bound, "rtquiet", SOON_MS));
}

static const char *conversation(const char *creator, const char *participants)
{
	struct e2e_resp *r =
		e2e_request("POST", "/conversations", creator,
			    e2e_fmt("{\"contexts\":[{\"objectType\":\"conversation\","
				    "\"participants\":%s}],"
				    "\"object\":{\"objectType\":\"note\",\"content\":\"hola\"}}",
				    participants));
	E2E_STATUS(r, 201);
	/* the answer is the first message; the conversation is its context */
	json_object *c0 = json_object_array_get_idx(e2e_get(r->json, "contexts"), 0);
	const char *id = e2e_str(c0, "id") ? e2e_fmt("%s", e2e_str(c0, "id")) : "";
	e2e_free(r);
	return id;
}

static int conv_bound(const void *cid)
{
	return !strcmp(binding_keys("conversations", "rtbob.subscribe"),
		       e2e_fmt("%s.*", (const char *)cid));
}

/* A conversation binds each participant both ways with key "<cid>.*";
 * its creation reaches the participants' sessions; a message posted by
 * REST with object.mobile reaches them too, without mobile nothing. */
static void test_conversation_delivery(void)
{
	person("rtalice", "");
	person("rtbob", "");
	CU_ASSERT_FATAL(wait_until(exchange_exists, "rtbob.subscribe", SOON_MS));
	amqp_connection_state_t c = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	const char *q = private_queue(c, "rtbob.subscribe");
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);

	const char *cid = conversation("rtalice", "[\"rtalice\",\"rtbob\"]");
	CU_ASSERT_FATAL(wait_until(conv_bound, cid, SOON_MS));
	const char *key = e2e_fmt("%s.*", cid);
	E2E_STR_EQ(binding_keys("rtalice.publish", "conversations"), key);
	E2E_STR_EQ(binding_keys("rtbob.publish", "conversations"), key);
	E2E_STR_EQ(binding_keys("conversations", "rtalice.subscribe"), key);

	struct got g = {0};
	CU_ASSERT_FATAL(get_one(c, q, &g, SOON_MS));
	E2E_STR_EQ(g.exchange, "conversations");
	E2E_STR_EQ(g.key, e2e_fmt("%s.notifications", cid));
	E2E_STR_EQ(e2e_str(g.body, "a"), "a");
	E2E_STR_EQ(e2e_str(g.body, "o"), "c");
	E2E_STR_EQ(e2e_str(g.body, "s"), "m");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "u"), "u"), "rtalice");
	json_object_put(g.body);

	struct e2e_resp *r =
		e2e_request("POST", e2e_fmt("/conversations/%s/messages", cid), "rtalice",
			    "{\"object\":{\"objectType\":\"note\",\"content\":\"quiet\"}}");
	E2E_STATUS(r, 201);
	e2e_free(r);
	r = e2e_request("POST", e2e_fmt("/conversations/%s/messages", cid), "rtalice",
			"{\"object\":{\"objectType\":\"note\",\"content\":\"Hola!\",\"mobile\":"
			"true}}");
	E2E_STATUS(r, 201);
	const char *mid = e2e_fmt("%s", e2e_str(r->json, "id"));
	e2e_free(r);
	memset(&g, 0, sizeof g);
	CU_ASSERT_FATAL(get_one(c, q, &g, SOON_MS));
	E2E_STR_EQ(g.key, e2e_fmt("%s.notifications", cid));
	E2E_STR_EQ(e2e_str(g.body, "o"), "m");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "text"), "Hola!");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "message_id"), mid);
	json_object_put(g.body);
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
	CU_ASSERT_FALSE(get_one(c, q, &g, 0)); /* "quiet" was not published */
	amqp_done(c);
}

/* rtdan is bound for the conversation both ways (and for nothing else) */
static int dan_bound(const void *cid)
{
	const char *key = e2e_fmt("%s.*", (const char *)cid);
	return !strcmp(binding_keys("conversations", "rtdan.subscribe"), key) &&
	       !strcmp(binding_keys("rtdan.publish", "conversations"), key);
}

static int dan_unbound(const void *cid)
{
	(void)cid;
	return !*binding_keys("conversations", "rtdan.subscribe") &&
	       !*binding_keys("rtdan.publish", "conversations");
}

/* The bridge skips a bind it made a moment ago, never one undone since: a
 * participant kicked right after a mobile message (which re-binds everyone)
 * and added back is bound again, both ways. */
static void test_rejoin_bound(void)
{
	person("rtcarol", "");
	person("rtdan", "");
	person("rteve", "");
	CU_ASSERT_FATAL(wait_until(exchange_exists, "rteve.subscribe", SOON_MS));
	const char *cid = conversation("rtcarol", "[\"rtcarol\",\"rtdan\",\"rteve\"]");
	CU_ASSERT_FATAL(wait_until(dan_bound, cid, SOON_MS));
	struct e2e_resp *r =
		e2e_request("POST", e2e_fmt("/conversations/%s/messages", cid), "rtcarol",
			    "{\"object\":{\"objectType\":\"note\",\"content\":\"re\",\"mobile\":"
			    "true}}");
	E2E_STATUS(r, 201);
	e2e_free(r);
	r = e2e_request("DELETE", e2e_fmt("/conversations/%s/participants/rtdan", cid), "rtcarol",
			NULL);
	E2E_STATUS(r, 204);
	e2e_free(r);
	CU_ASSERT_FATAL(wait_until(dan_unbound, cid, SOON_MS));
	r = e2e_request("POST", e2e_fmt("/conversations/%s/participants", cid), "rtcarol",
			"{\"actor\":{\"username\":\"rtdan\"}}");
	E2E_STATUS(r, 201);
	e2e_free(r);
	CU_ASSERT(wait_until(dan_bound, cid, SOON_MS));
	E2E_STR_EQ(binding_keys("conversations", "rteve.subscribe"), e2e_fmt("%s.*", cid));
}

/* RabbitMQ asks osiris: a MAX user logs in with their token (optionally
 * "<server id>:user") and may read only their own subscribe exchange. */
static void test_broker_login(void)
{
	person("rtalice", "");
	person("rtbob", "");
	CU_ASSERT_FATAL(wait_until(exchange_exists, "rtbob.subscribe", SOON_MS));
	const char *token = e2e_token("rtalice");
	CU_ASSERT_PTR_NULL(amqp_as("rtalice", "WrongWrongWrongWrongWrongWrong12"));
	CU_ASSERT_PTR_NULL(amqp_as("other:rtalice", token));
	amqp_connection_state_t c = amqp_as("e2e:rtalice", token);
	CU_ASSERT_PTR_NOT_NULL(c);
	amqp_done(c);
	c = amqp_as("rtalice", token);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL(private_queue(c, "rtalice.subscribe"));
	/* bob's exchange: access refused, and the broker closes the channel */
	CU_ASSERT_PTR_NULL(private_queue(c, "rtbob.subscribe"));
	amqp_destroy_connection(c);
}

/* RabbitMQ away: the API keeps answering, rows wait in the outbox, and
 * once the broker is back every notification arrives, in order. */
static void test_outage(void)
{
	person("rtalice", "");
	person("rtbob", "");
	const char *cid = conversation("rtalice", "[\"rtalice\",\"rtbob\"]");
	CU_ASSERT_FATAL(wait_until(conv_bound, cid, SOON_MS));
	amqp_connection_state_t c = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	amqp_queue_declare(c, 1, amqp_cstring_bytes("rt-probe"), 0, 1, 0, 0, amqp_empty_table);
	amqp_queue_bind(c, 1, amqp_cstring_bytes("rt-probe"), amqp_cstring_bytes("rtbob.subscribe"),
			amqp_empty_bytes, amqp_empty_table);
	amqp_queue_purge(c, 1, amqp_cstring_bytes("rt-probe"));
	CU_ASSERT_FATAL(amqp_get_rpc_reply(c).reply_type == AMQP_RESPONSE_NORMAL);
	amqp_done(c);
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));

	CU_ASSERT_FATAL(node("stop") == 0);
	int ok = 0;
	for (int i = 0; i < 100; i++) {
		struct e2e_resp *r =
			e2e_request("POST", e2e_fmt("/conversations/%s/messages", cid), "rtalice",
				    e2e_fmt("{\"object\":{\"objectType\":\"note\",\"content\":\"m%"
					    "03d\","
					    "\"mobile\":true}}",
					    i));
		ok += r->status == 201;
		e2e_free(r);
	}
	E2E_INT_EQ(ok, 100);
	CU_ASSERT(e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'publish'") >= 100);
	CU_ASSERT_FATAL(node("start") == 0);
	CU_ASSERT(wait_until(outbox_empty, NULL, 60000));

	c = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	int in_order = 0;
	for (int i = 0; i < 100; i++) {
		struct got g = {0};
		if (!get_one(c, "rt-probe", &g, 2000))
			break;
		const char *text = e2e_str(e2e_get(g.body, "d"), "text");
		in_order += text && !strcmp(text, e2e_fmt("m%03d", i));
		json_object_put(g.body);
	}
	E2E_INT_EQ(in_order, 100);
	amqp_done(c);
}

/* ---- the consumers --------------------------------------------------------------- */

/* Publishes body to exchange with key as conn's user; 0 when sent. */
static int publish(amqp_connection_state_t c, const char *exchange, const char *key,
		   const char *body)
{
	return amqp_basic_publish(c, 1, amqp_cstring_bytes(exchange), amqp_cstring_bytes(key), 0, 0,
				  NULL, amqp_cstring_bytes(body));
}

static const char *chat_line(const char *user, const char *uuid, const char *text)
{
	return e2e_fmt("{\"a\":\"a\",\"o\":\"m\",\"s\":\"w\",\"v\":\"4.1.15\",\"g\":\"%s\","
		       "\"p\":\"2015-01-13T10:00:00Z\",\"u\":{\"u\":\"%s\",\"d\":\"%s\"},"
		       "\"d\":{\"text\":\"%s\"}}",
		       uuid, user, user, text);
}

struct stored_q {
	const char *cid, *text;
};

static long long stored_count(const struct stored_q *q)
{
	return e2e_db_scalar("SELECT count(*) FROM messages WHERE conversation_id = '%s'"
			     " AND json_extract(object_json, '$.content') = '%s'",
			     q->cid, q->text);
}

static int is_stored(const void *arg)
{
	return stored_count(arg) > 0;
}

/* The next message on q whose a/o codes and text are these; 1 found. */
static int find(amqp_connection_state_t c, const char *q, const char *a, const char *text,
		struct got *out)
{
	for (int i = 0; i < 20; i++) {
		struct got g;
		memset(&g, 0, sizeof g);
		if (!get_one(c, q, &g, SOON_MS))
			return 0;
		const char *t = e2e_str(e2e_get(g.body, "d"), "text");
		if (!strcmp(e2e_str(g.body, "a") ? e2e_str(g.body, "a") : "", a) && t &&
		    !strcmp(t, text)) {
			*out = g;
			return 1;
		}
		json_object_put(g.body);
	}
	return 0;
}

static const char *rt_cid;

/* alice sends a chat line over AMQP as herself: bob's session gets it,
 * it is stored as hers, and both sessions get the ack with the stored
 * id. The same line again (same uuid) is not stored twice. */
static void test_chat_line(void)
{
	person("rtalice", "");
	person("rtbob", "");
	CU_ASSERT_FATAL(wait_until(exchange_exists, "rtbob.subscribe", SOON_MS));
	rt_cid = conversation("rtalice", "[\"rtalice\",\"rtbob\"]");
	CU_ASSERT_FATAL(wait_until(conv_bound, rt_cid, SOON_MS));
	amqp_connection_state_t admin = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(admin);
	const char *qa = private_queue(admin, "rtalice.subscribe"),
		   *qb = private_queue(admin, "rtbob.subscribe");
	CU_ASSERT_PTR_NOT_NULL_FATAL(qa);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qb);
	amqp_connection_state_t alice = amqp_as("rtalice", e2e_token("rtalice"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(alice);
	const char *key = e2e_fmt("%s.messages", rt_cid);
	const char *body =
		chat_line("rtalice", "5b0f6a6e-9a1c-11e4-8f0e-0242ac110002", "Hola e2e!");
	E2E_INT_EQ(publish(alice, "rtalice.publish", key, body), 0);
	struct stored_q sq = {rt_cid, "Hola e2e!"};
	CU_ASSERT_FATAL(wait_until(is_stored, &sq, SOON_MS));

	struct e2e_resp *r =
		e2e_request("GET", e2e_fmt("/conversations/%s/messages", rt_cid), "rtbob", NULL);
	E2E_STATUS(r, 200);
	/* ids made by two processes in the same second need not sort by
	 * time: look for the line rather than taking the last */
	json_object *line = NULL;
	for (int i = 0; i < e2e_len(r->json); i++) {
		json_object *x = json_object_array_get_idx(r->json, (size_t)i);
		const char *content = e2e_str(e2e_get(x, "object"), "content");
		if (content && !strcmp(content, "Hola e2e!"))
			line = x;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	E2E_STR_EQ(e2e_str(e2e_get(line, "actor"), "username"), "rtalice");
	const char *mid = e2e_fmt("%s", e2e_str(line, "id"));
	e2e_free(r);

	struct got g;
	CU_ASSERT_FATAL(find(admin, qb, "a", "Hola e2e!", &g)); /* bob's session: the line */
	E2E_STR_EQ(g.exchange, "rtalice.publish");
	E2E_STR_EQ(g.key, key);
	json_object_put(g.body);
	const char *queues[] = {qb, qa};
	for (int i = 0; i < 2; i++) { /* both sessions: the ack */
		CU_ASSERT_FATAL(find(admin, queues[i], "k", "Hola e2e!", &g));
		E2E_STR_EQ(g.key, e2e_fmt("%s.notifications", rt_cid));
		E2E_STR_EQ(e2e_str(g.body, "o"), "m");
		E2E_STR_EQ(e2e_str(g.body, "s"), "b");
		E2E_STR_EQ(e2e_str(g.body, "g"), "5b0f6a6e-9a1c-11e4-8f0e-0242ac110002");
		E2E_STR_EQ(e2e_str(g.body, "p"), "2015-01-13T10:00:00Z");
		E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "id"), mid);
		json_object_put(g.body);
	}

	/* published twice: stored once (a later line shows the first was handled) */
	E2E_INT_EQ(publish(alice, "rtalice.publish", key, body), 0);
	E2E_INT_EQ(publish(alice, "rtalice.publish", key, chat_line("rtalice", "u-2", "after dup")),
		   0);
	struct stored_q after = {rt_cid, "after dup"};
	CU_ASSERT(wait_until(is_stored, &after, SOON_MS));
	E2E_INT_EQ(stored_count(&sq), 1);
	amqp_done(alice);
	amqp_done(admin);
}

/* Lines that must not be stored: alice posing as bob, a user who is not a
 * participant (bound by hand, as a stale binding would be), poison. None
 * stops the consumer: a good line after them is stored. */
static void test_chat_refused(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(rt_cid);
	person("rtcarol", "");
	CU_ASSERT_FATAL(wait_until(exchange_exists, "rtcarol.publish", SOON_MS));
	const char *key = e2e_fmt("%s.messages", rt_cid);
	amqp_connection_state_t admin = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(admin);
	amqp_exchange_bind(admin, 1, amqp_cstring_bytes("conversations"),
			   amqp_cstring_bytes("rtcarol.publish"),
			   amqp_cstring_bytes(e2e_fmt("%s.*", rt_cid)), amqp_empty_table);
	CU_ASSERT_FATAL(amqp_get_rpc_reply(admin).reply_type == AMQP_RESPONSE_NORMAL);
	amqp_connection_state_t alice = amqp_as("rtalice", e2e_token("rtalice")),
				carol = amqp_as("rtcarol", e2e_token("rtcarol"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(alice);
	CU_ASSERT_PTR_NOT_NULL_FATAL(carol);
	E2E_INT_EQ(publish(alice, "rtalice.publish", key, chat_line("rtbob", "f-1", "forged")), 0);
	E2E_INT_EQ(publish(carol, "rtcarol.publish", key, chat_line("rtcarol", "f-2", "stranger")),
		   0);
	E2E_INT_EQ(publish(alice, "rtalice.publish", key, "{not json at all"), 0);
	E2E_INT_EQ(publish(alice, "rtalice.publish", key, "{\"a\":\"a\",\"o\":\"m\"}"), 0);
	E2E_INT_EQ(publish(alice, "rtalice.publish", key,
			   chat_line("rtalice", "u-3", "still alive")),
		   0);
	struct stored_q alive = {rt_cid, "still alive"}, forged = {rt_cid, "forged"},
			stranger = {rt_cid, "stranger"};
	CU_ASSERT(wait_until(is_stored, &alive, SOON_MS));
	E2E_INT_EQ(stored_count(&forged), 0);
	E2E_INT_EQ(stored_count(&stranger), 0);
	amqp_exchange_unbind(admin, 1, amqp_cstring_bytes("conversations"),
			     amqp_cstring_bytes("rtcarol.publish"),
			     amqp_cstring_bytes(e2e_fmt("%s.*", rt_cid)), amqp_empty_table);
	amqp_done(carol);
	amqp_done(alice);
	amqp_done(admin);
}

/* The fake FCM's log lines (JSON objects), as one array. */
static json_object *fcm_log(void)
{
	json_object *a = json_object_new_array();
	FILE *f = fopen(e2e_fmt("%s/log", getenv("MAX_TEST_FCM_DIR")), "r");
	char line[16384];
	while (f && fgets(line, sizeof line, f)) {
		json_object *o = json_tokener_parse(line);
		if (o)
			json_object_array_add(a, o);
	}
	if (f)
		fclose(f);
	return a;
}

/* The send request of text for device token, or NULL. */
static json_object *fcm_sent_to(json_object *log, const char *token, const char *text)
{
	for (int i = 0; i < e2e_len(log); i++) {
		json_object *x = json_object_array_get_idx(log, (size_t)i);
		json_object *m = e2e_get(e2e_get(x, "body"), "message");
		const char *t = e2e_str(m, "token"), *d = e2e_str(e2e_get(m, "data"), "text");
		if (t && d && !strcmp(t, token) && !strcmp(d, text))
			return x;
	}
	return NULL;
}

static int fcm_got(const void *text)
{
	json_object *log = fcm_log();
	int found = fcm_sent_to(log, "bob-android-1", text) != NULL;
	json_object_put(log);
	return found;
}

/* A chat line to a conversation where bob has an Android phone: the
 * bridge signs in to the fake FCM with the service account's key (the
 * fake checks the JWT with the public key) and sends bob's phone the
 * line, titled with the sender, data as strings. */
static void test_push_fcm(void)
{
	if (!getenv("MAX_TEST_FCM_DIR"))
		return;
	CU_ASSERT_PTR_NOT_NULL_FATAL(rt_cid);
	struct e2e_resp *r = e2e_request("POST", "/tokens", "rtbob",
					 "{\"token\":\"bob-android-1\",\"platform\":\"android\"}");
	E2E_STATUS(r, 201);
	e2e_free(r);
	amqp_connection_state_t alice = amqp_as("rtalice", e2e_token("rtalice"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(alice);
	E2E_INT_EQ(publish(alice, "rtalice.publish", e2e_fmt("%s.messages", rt_cid),
			   chat_line("rtalice", "u-push", "Push me")),
		   0);
	amqp_done(alice);
	CU_ASSERT_FATAL(wait_until(fcm_got, "Push me", SOON_MS));
	json_object *log = fcm_log();
	int bad = 0, tokens = 0;
	for (int i = 0; i < e2e_len(log); i++) {
		json_object *x = json_object_array_get_idx(log, (size_t)i);
		bad += !e2e_bool(x, "ok");
		tokens += !strcmp(e2e_str(x, "path"), "/token");
	}
	E2E_INT_EQ(bad, 0);
	CU_ASSERT(tokens >= 1);
	json_object *m =
		e2e_get(e2e_get(fcm_sent_to(log, "bob-android-1", "Push me"), "body"), "message");
	E2E_STR_EQ(e2e_str(e2e_get(m, "notification"), "title"), "rtalice");
	E2E_STR_EQ(e2e_str(e2e_get(m, "notification"), "body"), "Push me");
	E2E_STR_EQ(e2e_str(e2e_get(m, "data"), "text"), "Push me");
	E2E_STR_EQ(e2e_str(e2e_get(m, "data"), "alert"), "rtalice: ");
	CU_ASSERT_EQUAL(strlen(e2e_str(e2e_get(m, "data"), "id")), 24);
	json_object_put(log);
}

/* ---- browser-grade STOMP clients (node) at /stomp and /ws -------------------- */

/* Runs tests/stomp/realtime.js scenario with alice and bob in conversation
 * cid; 1 when every check of the scenario passed. */
static int stomp_clients(const char *scenario, const char *alice, const char *bob, const char *cid)
{
	const char *cmd = e2e_fmt("MAX_URL='%s' A_USER='%s' A_TOKEN='%s' B_USER='%s' B_TOKEN='%s' "
				  "CID='%s' NODE_PATH='%s' node tests/stomp/realtime.js %s >&2",
				  e2e_url(), alice, e2e_token(alice), bob, e2e_token(bob), cid,
				  getenv("MAX_TEST_NODE_PATH"), scenario);
	return system(cmd) == 0;
}

static int have_node(const char *test)
{
	if (getenv("MAX_TEST_NODE_PATH"))
		return 1;
	fprintf(stderr,
		"\nrealtime: SKIPPED %s: the STOMP client modules are not installed "
		"(scripts/e2e-realtime.sh runs npm ci in tests/stomp)\n",
		test);
	return 0;
}

/* Two people in a conversation, their exchanges declared: its id. */
static const char *stomp_pair(const char *alice, const char *bob)
{
	person(alice, "");
	person(bob, "");
	const char *cid = conversation(alice, e2e_fmt("[\"%s\",\"%s\"]", alice, bob));
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
	return cid;
}

/* messaging.md 5.1: sockjs-client sends GET /stomp/info with credentials, so a
 * page of another site gets its own Origin back, never "*". */
static void test_stomp_info(void)
{
	struct e2e_resp *r = e2e_request("GET", "/stomp/info?t=1", NULL, NULL,
					 "Origin: https://portal.example.org");
	E2E_STATUS(r, 200);
	E2E_INT_EQ(e2e_bool(r->json, "websocket"), 1);
	E2E_INT_EQ(e2e_bool(r->json, "cookie_needed"), 0);
	E2E_STR_EQ(json_object_to_json_string(e2e_get(r->json, "origins")), "[ \"*:*\" ]");
	CU_ASSERT(json_object_is_type(e2e_get(r->json, "entropy"), json_type_int));
	E2E_STR_EQ(e2e_header(r, "Access-Control-Allow-Origin"), "https://portal.example.org");
	E2E_STR_EQ(e2e_header(r, "Access-Control-Allow-Credentials"), "true");
	CU_ASSERT_PTR_NOT_NULL(strstr(e2e_fmt("%s", e2e_header(r, "Cache-Control")), "no-store"));
	e2e_free(r);
	r = e2e_request("GET", "/stomp/nope/1/2/xhr", NULL, NULL);
	E2E_STATUS(r, 404);
	e2e_free(r);
}

/* Bob at /stomp (sockjs-client + @stomp/stompjs, the widget's way), Alice
 * at /ws (@stomp/stompjs + ws): Alice's REST message reaches both. */
static void test_stomp_delivery(void)
{
	if (!have_node(__func__))
		return;
	const char *cid = stomp_pair("stalice", "stbob");
	CU_ASSERT(stomp_clients("deliver", "stalice", "stbob", cid));
}

/* SockJS frames on a raw WebSocket at /stomp/<server>/<session>/websocket:
 * "o", a["CONNECTED..."] for a CONNECT in a JSON array, "h" heartbeats; a
 * frame that is not a JSON array of strings closes the session. */
static void test_sockjs_frames(void)
{
	if (!have_node(__func__))
		return;
	person("stalice", "");
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
	CU_ASSERT(stomp_clients("sockjs-frames", "stalice", "stbob", "none"));
}

/* A wrong token gets an ERROR frame, at /stomp and at /ws. */
static void test_stomp_bad_token(void)
{
	if (!have_node(__func__))
		return;
	person("stalice", "");
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
	CU_ASSERT(stomp_clients("bad-token", "stalice", "stbob", "none"));
}

/* Alice cannot subscribe to Bob's exchange nor send to Bob's .publish
 * (ERROR frame: access refused), and Bob receives nothing. */
static void test_stomp_forbidden(void)
{
	if (!have_node(__func__))
		return;
	const char *cid = stomp_pair("stalice", "stbob");
	CU_ASSERT(stomp_clients("forbidden", "stalice", "stbob", cid));
}

/* A message SENT over STOMP is stored by the bridge's `messages` consumer
 * and acknowledged; skipped while the bridge has no such consumer. */
static void test_stomp_send_stored(void)
{
	if (!have_node(__func__))
		return;
	const char *help =
		e2e_fmt("'%s/max-bridge' --help 2>&1 | grep -q messages", getenv("MAX_TEST_BUILD"));
	if (system(help) != 0) {
		fprintf(stderr,
			"\nrealtime: SKIPPED %s: max-bridge has no `messages` consumer yet "
			"(its --help does not mention it)\n",
			__func__);
		return;
	}
	const char *cid = stomp_pair("stalice", "stbob");
	CU_ASSERT(stomp_clients("send-stored", "stalice", "stbob", cid));
}

E2E_SUITE(realtime, rt_init, rt_cleanup)
{
	if (!getenv("MAX_TEST_RABBITMQ_DIR"))
		return; /* needs RabbitMQ: scripts/e2e-realtime.sh */
	E2E_TEST(s, test_global_topology);
	E2E_TEST(s, test_user_exchanges);
	E2E_TEST(s, test_conversation_delivery);
	E2E_TEST(s, test_rejoin_bound);
	E2E_TEST(s, test_broker_login);
	E2E_TEST(s, test_stomp_info);
	E2E_TEST(s, test_sockjs_frames);
	E2E_TEST(s, test_stomp_delivery);
	E2E_TEST(s, test_stomp_bad_token);
	E2E_TEST(s, test_stomp_forbidden);
	E2E_TEST(s, test_stomp_send_stored);
	E2E_TEST(s, test_outage);
	E2E_TEST(s, test_chat_line);
	E2E_TEST(s, test_chat_refused);
	E2E_TEST(s, test_push_fcm);
}
