/*
 * test_realtime.c — MAX, max-bridge and a private RabbitMQ together: what
 * the API writes into the outbox reaches the broker (exchanges, bindings,
 * messages: the interop checks of messaging.md 6), RabbitMQ asks osiris
 * who may log in and use what; an outage of the broker (1,000 messages)
 * and a kill -9 of the bridge in mid-stream lose nothing and store no
 * chat line twice; chat lines a user publishes are stored once and acked,
 * forged or poison ones are not, and pushes reach a fake FCM endpoint.
 * Everything is checked through RabbitMQ itself (its management API and
 * AMQP clients: the push queue, which the bridge consumes, through a
 * queue bound as it is), STOMP clients, the API and the fake's log.
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
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SOON_MS 10000
#define WS_IDLE_MS 3000 /* web-STOMP's idle limit in the suite (RabbitMQ's own: 60 s) */

static struct {
	const char *dir;
	char user[512], pass[512], url[512];
	int amqp_port, mgmt_port, stomp_ws_port;
	pid_t bridge, relay;
	pid_t nodes[4]; /* STOMP clients running in the background */
} rt;

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

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
	/* web-STOMP drops a WebSocket silent for IDLE_MS: the relay's PINGs
	 * (ping_s = 1 below) keep every session of the suite open */
	const char *line =
		e2e_fmt("RABBITMQ_AUTH_URL='%s/rabbitmq' RABBITMQ_MANAGEMENT=1 "
			"RABBITMQ_WS_IDLE_MS=%d ./scripts/rabbitmq.sh %s '%s' > /dev/null",
			e2e_url(), WS_IDLE_MS, cmd, rt.dir);
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
			"fcm_url = http://127.0.0.1:%d\ntimeout_s = 5\nios_bundle_id = "
			"org.example.max\n"
			"apns_sandbox = true\niid_url = http://127.0.0.1:%d/iid/v1:batchImport\n",
			fcm, p, p);
	if (port)
		fclose(port);
	fprintf(out,
		"\n[relay]\nupstream = ws://127.0.0.1:%d/ws\nheartbeat_s = 1\nping_s = "
		"1\nclient_ping_s = 2\n",
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

/* kill -9: the bridge dies between any two instructions, as in a crash */
static void crash_bridge(void)
{
	int st;
	kill(rt.bridge, SIGKILL);
	waitpid(rt.bridge, &st, 0);
	rt.bridge = 0;
}

static int restart_bridge(void)
{
	rt.bridge = start_prog("max-bridge", e2e_fmt("%s/bridge.ini", rt.dir));
	return rt.bridge > 0 ? 0 : -1;
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

struct binding {
	const char *source, *dest, *key;
};

/* Is there a binding source → dest (exchanges) with exactly this key? */
static int has_binding(const struct binding *b)
{
	json_object *o =
		mgmt(e2e_fmt("bindings/%%2F/e/%s/e/%s", e2e_escape(b->source), e2e_escape(b->dest)),
		     NULL);
	int found = 0;
	for (int i = 0; i < e2e_len(o); i++)
		found |= !strcmp(e2e_str(json_object_array_get_idx(o, (size_t)i), "routing_key"),
				 b->key);
	json_object_put(o);
	return found;
}

static int bound(const void *b)
{
	return has_binding(b);
}

static int unbound(const void *b)
{
	return !has_binding(b);
}

/* Bindings from or to `conversations` whose key starts with prefix (the
 * whole key when exact). */
static int conversation_bindings(const char *prefix, int exact)
{
	int n = 0;
	for (int side = 0; side < 2; side++) {
		json_object *o = mgmt(side ? "exchanges/%2F/conversations/bindings/source"
					   : "exchanges/%2F/conversations/bindings/destination",
				      NULL);
		for (int i = 0; i < e2e_len(o); i++) {
			const char *k =
				e2e_str(json_object_array_get_idx(o, (size_t)i), "routing_key");
			n += exact ? !strcmp(k, prefix) : !strncmp(k, prefix, strlen(prefix));
		}
		json_object_put(o);
	}
	return n;
}

/* A number of RabbitMQ's statistics on a queue (message_stats.<name>, 0
 * when it has none yet). */
static long long queue_stat(const char *queue, const char *name)
{
	json_object *o = mgmt(e2e_fmt("queues/%%2F/%s", queue), NULL), *v = NULL;
	json_object_object_get_ex(e2e_get(o, "message_stats"), name, &v);
	long long n = v ? json_object_get_int64(v) : 0;
	json_object_put(o);
	return n;
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

/* A server-named queue (gone with the connection) bound to exchange with
 * key: its name, or NULL. */
static const char *probe(amqp_connection_state_t c, const char *exchange, const char *key)
{
	amqp_queue_declare_ok_t *q =
		amqp_queue_declare(c, 1, amqp_empty_bytes, 0, 0, 1, 1, amqp_empty_table);
	if (!q)
		return NULL;
	const char *name = e2e_fmt("%.*s", (int)q->queue.len, (const char *)q->queue.bytes);
	amqp_queue_bind(c, 1, amqp_cstring_bytes(name), amqp_cstring_bytes(exchange),
			amqp_cstring_bytes(key), amqp_empty_table);
	return amqp_get_rpc_reply(c).reply_type == AMQP_RESPONSE_NORMAL ? name : NULL;
}

/* A session's queue on a fanout exchange (a user's .subscribe). */
static const char *private_queue(amqp_connection_state_t c, const char *exchange)
{
	return probe(c, exchange, "");
}

/* A durable queue of that name, empty, bound to exchange: it keeps what
 * arrives while RabbitMQ restarts. 0 when made; drop_queue removes it. */
static int durable_queue(amqp_connection_state_t c, const char *name, const char *exchange)
{
	amqp_queue_declare(c, 1, amqp_cstring_bytes(name), 0, 1, 0, 0, amqp_empty_table);
	amqp_queue_bind(c, 1, amqp_cstring_bytes(name), amqp_cstring_bytes(exchange),
			amqp_empty_bytes, amqp_empty_table);
	amqp_queue_purge(c, 1, amqp_cstring_bytes(name));
	return amqp_get_rpc_reply(c).reply_type == AMQP_RESPONSE_NORMAL ? 0 : -1;
}

static void drop_queue(const char *name)
{
	amqp_connection_state_t c = amqp_as(rt.user, rt.pass);
	if (!c)
		return;
	amqp_queue_delete(c, 1, amqp_cstring_bytes(name), 0, 0);
	amqp_done(c);
}

/* Messages ready in a queue right now (a passive declare: RabbitMQ's own
 * count, not a statistic), or -1. */
static long queue_ready(amqp_connection_state_t c, const char *name)
{
	amqp_queue_declare_ok_t *q =
		amqp_queue_declare(c, 1, amqp_cstring_bytes(name), 1, 0, 0, 0, amqp_empty_table);
	return q ? (long)q->message_count : -1;
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

/* The next message on q with routing key key (others are skipped); 1 found. */
static int get_keyed(amqp_connection_state_t c, const char *q, const char *key, struct got *g,
		     long ms)
{
	for (int i = 0; i < 200; i++) {
		memset(g, 0, sizeof *g);
		if (!get_one(c, q, g, ms))
			return 0;
		if (!strcmp(g->key, key))
			return 1;
		json_object_put(g->body);
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

static void node_stop_all(void);

static int rt_cleanup(void)
{
	if (!rt.dir)
		return 0;
	node_stop_all();
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
		E2E_INT_EQ(e2e_bool(o, "internal"), 0);
		json_object_put(o);
	}
	static const char *const queues[] = {"messages", "push", "twitter", "syncacl",
					     "tweety_restart"};
	for (size_t i = 0; i < 5; i++) {
		json_object *o = mgmt(e2e_fmt("queues/%%2F/%s", queues[i]), NULL);
		E2E_INT_EQ(e2e_bool(o, "durable"), 1);
		E2E_INT_EQ(e2e_bool(o, "exclusive"), 0);
		E2E_INT_EQ(e2e_bool(o, "auto_delete"), 0);
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
	b = mgmt("bindings/%2F/e/activity/q/push", NULL);
	E2E_INT_EQ(e2e_len(b), 1);
	E2E_STR_EQ(e2e_str(json_object_array_get_idx(b, 0), "routing_key"), "#");
	json_object_put(b);
	static const char *const fan[] = {"twitter", "syncacl"};
	for (size_t i = 0; i < 2; i++) {
		b = mgmt(e2e_fmt("bindings/%%2F/e/%s/q/%s", fan[i], fan[i]), NULL);
		E2E_INT_EQ(e2e_len(b), 1);
		E2E_STR_EQ(e2e_str(json_object_array_get_idx(b, 0), "routing_key"), "");
		json_object_put(b);
	}
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
	for (int i = 0; i < 2; i++) {
		json_object *o = mgmt(i ? "exchanges/%2F/rtalice.publish"
					: "exchanges/%2F/rtalice.subscribe",
				      NULL);
		E2E_INT_EQ(e2e_bool(o, "durable"), 1);
		E2E_INT_EQ(e2e_bool(o, "auto_delete"), 0);
		json_object_put(o);
	}

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
	/* what the push queue gets (the bridge consumes push itself) */
	const char *pq = probe(c, "conversations", "*.notifications");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pq);

	const char *cid = conversation("rtalice", "[\"rtalice\",\"rtbob\"]");
	CU_ASSERT_FATAL(wait_until(conv_bound, cid, SOON_MS));
	const char *key = e2e_fmt("%s.*", cid);
	E2E_STR_EQ(binding_keys("rtalice.publish", "conversations"), key);
	E2E_STR_EQ(binding_keys("rtbob.publish", "conversations"), key);
	E2E_STR_EQ(binding_keys("conversations", "rtalice.subscribe"), key);
	E2E_INT_EQ(conversation_bindings(key, 1), 4);

	struct got g = {0};
	CU_ASSERT_FATAL(get_one(c, q, &g, SOON_MS));
	E2E_STR_EQ(g.exchange, "conversations");
	E2E_STR_EQ(g.key, e2e_fmt("%s.notifications", cid));
	E2E_STR_EQ(e2e_str(g.body, "a"), "a");
	E2E_STR_EQ(e2e_str(g.body, "o"), "c");
	E2E_STR_EQ(e2e_str(g.body, "s"), "m");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "u"), "u"), "rtalice");
	E2E_STR_EQ(e2e_keys(e2e_get(g.body, "d")), "");
	json_object_put(g.body);
	CU_ASSERT_FATAL(get_keyed(c, pq, e2e_fmt("%s.notifications", cid), &g, SOON_MS));
	E2E_STR_EQ(e2e_str(g.body, "o"), "c");
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
	CU_ASSERT_FATAL(get_keyed(c, pq, e2e_fmt("%s.notifications", cid), &g, SOON_MS));
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "message_id"), mid);
	json_object_put(g.body);
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
	CU_ASSERT_FALSE(get_one(c, q, &g, 0)); /* "quiet" was not published */
	CU_ASSERT_FALSE(get_keyed(c, pq, e2e_fmt("%s.notifications", cid), &g, 0));
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

/* The body of the next message on q (malloc'ed, *len bytes) and its
 * content type into type; NULL when none came within SOON_MS. */
static char *get_body(amqp_connection_state_t c, const char *q, size_t *len, char *type,
		      size_t typelen)
{
	for (long t = 0; t <= SOON_MS; t += 50) {
		amqp_rpc_reply_t r = amqp_basic_get(c, 1, amqp_cstring_bytes(q), 1);
		if (r.reply_type != AMQP_RESPONSE_NORMAL)
			return NULL;
		if (r.reply.id != AMQP_BASIC_GET_OK_METHOD) {
			sleep_ms(50);
			continue;
		}
		amqp_message_t m;
		if (amqp_read_message(c, 1, &m, 0).reply_type != AMQP_RESPONSE_NORMAL)
			return NULL;
		char *body = malloc(m.body.len + 1);
		memcpy(body, m.body.bytes, m.body.len);
		*len = m.body.len;
		snprintf(type, typelen, "%.*s", (int)m.properties.content_type.len,
			 (const char *)m.properties.content_type.bytes);
		amqp_destroy_message(&m);
		return body;
	}
	return NULL;
}

/* The bridge writes the frames of its publishes itself, in bursts: bodies
 * larger than the broker's frame size (128 KiB) are cut into several body
 * frames. Rows of 12 bytes, exactly one frame's payload, one byte more and
 * 400,000 bytes arrive whole, in order, as text/plain. */
static void test_large_publish(void)
{
	static const int sizes[] = {12, 131072 - 8, 131072 - 7, 400000};
	amqp_connection_state_t c = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	amqp_exchange_declare(c, 1, amqp_cstring_bytes("rt.large"), amqp_cstring_bytes("fanout"), 0,
			      0, 0, 0, amqp_empty_table);
	CU_ASSERT_FATAL(amqp_get_rpc_reply(c).reply_type == AMQP_RESPONSE_NORMAL);
	const char *q = private_queue(c, "rt.large");
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	for (int i = 0; i < 4; i++)
		E2E_INT_EQ(e2e_db_exec("INSERT INTO outbox (created_at, op, exchange, body) VALUES"
				       " (datetime('now'), 'publish', 'rt.large',"
				       " substr(replace(hex(zeroblob(%d)), '0', 'a'), 1, %d - 1)"
				       " || '%d')",
				       sizes[i], sizes[i], i),
			   0);
	for (int i = 0; i < 4; i++) {
		size_t len = 0;
		char type[64] = "";
		char *body = get_body(c, q, &len, type, sizeof type);
		CU_ASSERT_PTR_NOT_NULL_FATAL(body);
		E2E_INT_EQ((long long)len, sizes[i]);
		E2E_STR_EQ(type, "text/plain");
		int whole = len == (size_t)sizes[i] && body[len - 1] == '0' + i;
		for (size_t k = 0; whole && k + 1 < len; k++)
			whole = body[k] == 'a';
		CU_ASSERT(whole);
		free(body);
	}
	amqp_exchange_delete(c, 1, amqp_cstring_bytes("rt.large"), 0);
	amqp_done(c);
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
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

/* rtalice and rtbob's conversation (made, or found again), bound. */
static const char *chat_conversation(void)
{
	person("rtalice", "");
	person("rtbob", "");
	CU_ASSERT_FATAL(wait_until(exchange_exists, "rtbob.subscribe", SOON_MS));
	const char *cid = conversation("rtalice", "[\"rtalice\",\"rtbob\"]");
	CU_ASSERT_FATAL(wait_until(conv_bound, cid, SOON_MS));
	return cid;
}

/* alice sends a chat line over AMQP as herself: bob's session gets it,
 * it is stored as hers, and both sessions get the ack with the stored
 * id. The same line again (same uuid) is not stored twice. */
static void test_chat_line(void)
{
	const char *cid = chat_conversation();
	amqp_connection_state_t admin = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(admin);
	const char *qa = private_queue(admin, "rtalice.subscribe"),
		   *qb = private_queue(admin, "rtbob.subscribe"),
		   *qp = probe(admin, "conversations", e2e_fmt("%s.notifications", cid));
	CU_ASSERT_PTR_NOT_NULL_FATAL(qa);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qp);
	amqp_connection_state_t alice = amqp_as("rtalice", e2e_token("rtalice"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(alice);
	const char *key = e2e_fmt("%s.messages", cid);
	const char *body =
		chat_line("rtalice", "5b0f6a6e-9a1c-11e4-8f0e-0242ac110002", "Hola e2e!");
	E2E_INT_EQ(publish(alice, "rtalice.publish", key, body), 0);
	struct stored_q sq = {cid, "Hola e2e!"};
	CU_ASSERT_FATAL(wait_until(is_stored, &sq, SOON_MS));

	struct e2e_resp *r =
		e2e_request("GET", e2e_fmt("/conversations/%s/messages", cid), "rtbob", NULL);
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
	const char *queues[] = {qb, qa, qp};
	for (int i = 0; i < 3; i++) { /* both sessions and the push queue: the ack */
		CU_ASSERT_FATAL(find(admin, queues[i], "k", "Hola e2e!", &g));
		E2E_STR_EQ(g.key, e2e_fmt("%s.notifications", cid));
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
	struct stored_q after = {cid, "after dup"};
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
	const char *cid = chat_conversation();
	person("rtcarol", "");
	CU_ASSERT_FATAL(wait_until(exchange_exists, "rtcarol.publish", SOON_MS));
	const char *key = e2e_fmt("%s.messages", cid);
	amqp_connection_state_t admin = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(admin);
	const char *qp = probe(admin, "conversations", e2e_fmt("%s.notifications", cid));
	CU_ASSERT_PTR_NOT_NULL_FATAL(qp);
	amqp_exchange_bind(admin, 1, amqp_cstring_bytes("conversations"),
			   amqp_cstring_bytes("rtcarol.publish"),
			   amqp_cstring_bytes(e2e_fmt("%s.*", cid)), amqp_empty_table);
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
	struct stored_q alive = {cid, "still alive"}, forged = {cid, "forged"},
			stranger = {cid, "stranger"};
	CU_ASSERT(wait_until(is_stored, &alive, SOON_MS));
	E2E_INT_EQ(stored_count(&forged), 0);
	E2E_INT_EQ(stored_count(&stranger), 0);
	/* one ack, for the good line (messaging.md 6.10: none for the refused ones) */
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
	struct got g;
	int acks = 0, good = 0;
	while (memset(&g, 0, sizeof g), get_one(admin, qp, &g, 0)) {
		const char *t = e2e_str(e2e_get(g.body, "d"), "text");
		acks += e2e_str(g.body, "a") && !strcmp(e2e_str(g.body, "a"), "k");
		good += t && !strcmp(t, "still alive");
		json_object_put(g.body);
	}
	E2E_INT_EQ(acks, 1);
	E2E_INT_EQ(good, 1);
	amqp_exchange_unbind(admin, 1, amqp_cstring_bytes("conversations"),
			     amqp_cstring_bytes("rtcarol.publish"),
			     amqp_cstring_bytes(e2e_fmt("%s.*", cid)), amqp_empty_table);
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
	const char *cid = chat_conversation();
	struct e2e_resp *r = e2e_request("POST", "/tokens", "rtbob",
					 "{\"token\":\"bob-android-1\",\"platform\":\"android\"}");
	E2E_STATUS(r, 201);
	e2e_free(r);
	amqp_connection_state_t alice = amqp_as("rtalice", e2e_token("rtalice"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(alice);
	E2E_INT_EQ(publish(alice, "rtalice.publish", e2e_fmt("%s.messages", cid),
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

/* bob's iPhones registered with raw APNs tokens: one good, one the fake
 * Instance ID refuses ("bad…"), one good again. */
#define APNS_A "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define APNS_BAD "bad0c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define APNS_C "c0ffee04e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

/* The registration token the fake Instance ID gives an APNs token. */
static const char *imported(const char *apns)
{
	return e2e_fmt("%.8s:APA91b%s", apns, apns);
}

struct sent {
	const char *token, *text;
};

static int fcm_got_at(const void *arg)
{
	const struct sent *w = arg;
	json_object *log = fcm_log();
	int found = fcm_sent_to(log, w->token, w->text) != NULL;
	json_object_put(log);
	return found;
}

/* How many batchImport requests listed apns; the last of them in *last. */
static int imports_of(json_object *log, const char *apns, json_object **last)
{
	int n = 0;
	for (int i = 0; i < e2e_len(log); i++) {
		json_object *x = json_object_array_get_idx(log, (size_t)i);
		json_object *t = e2e_get(e2e_get(x, "body"), "apns_tokens");
		if (strcmp(e2e_str(x, "path"), "/iid/v1:batchImport"))
			continue;
		for (int k = 0; k < e2e_len(t); k++)
			if (!strcmp(json_object_get_string(json_object_array_get_idx(t, (size_t)k)),
				    apns)) {
				n++;
				*last = x;
			}
	}
	return n;
}

static void add_ios(const char *token)
{
	struct e2e_resp *r = e2e_request("POST", "/tokens", "rtbob",
					 e2e_fmt("{\"token\":\"%s\",\"platform\":\"ios\"}", token));
	E2E_STATUS(r, 201);
	e2e_free(r);
}

static void chat_push(const char *cid, const char *uuid, const char *text)
{
	amqp_connection_state_t alice = amqp_as("rtalice", e2e_token("rtalice"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(alice);
	E2E_INT_EQ(publish(alice, "rtalice.publish", e2e_fmt("%s.messages", cid),
			   chat_line("rtalice", uuid, text)),
		   0);
	amqp_done(alice);
}

/* Devices registered with APNs hex tokens: the bridge converts them in
 * batchImport calls (the iOS app's bundle id, sandbox, the service
 * account's access token) and sends FCM the registration tokens; the
 * token Instance ID refuses is skipped without stopping the others; the
 * next push uses the conversions it already has. */
static void test_push_apns(void)
{
	if (!getenv("MAX_TEST_FCM_DIR"))
		return;
	const char *cid = chat_conversation();
	add_ios(APNS_A);
	add_ios(APNS_BAD);
	add_ios(APNS_C);
	chat_push(cid, "u-apns-1", "Apns one");
	struct sent a1 = {imported(APNS_A), "Apns one"}, c1 = {imported(APNS_C), "Apns one"};
	CU_ASSERT_FATAL(wait_until(fcm_got_at, &a1, SOON_MS));
	CU_ASSERT_FATAL(wait_until(fcm_got_at, &c1, SOON_MS));
	json_object *log = fcm_log(), *req = NULL, *req_c = NULL;
	E2E_INT_EQ(imports_of(log, APNS_A, &req), 1);
	E2E_INT_EQ(imports_of(log, APNS_C, &req_c), 1);
	/* both in one call unless a push of an earlier test came between the
	 * registrations (the batching itself: unit push test_iid_import) */
	CU_ASSERT(e2e_bool(req, "ok") && e2e_bool(req_c, "ok"));
	E2E_STR_EQ(e2e_str(e2e_get(req, "body"), "application"), "org.example.max");
	CU_ASSERT(e2e_bool(e2e_get(req, "body"), "sandbox"));
	CU_ASSERT_PTR_NULL(fcm_sent_to(log, APNS_A, "Apns one")); /* never the raw token */
	CU_ASSERT_PTR_NULL(fcm_sent_to(log, APNS_BAD, "Apns one"));
	json_object_put(log);

	chat_push(cid, "u-apns-2", "Apns two");
	struct sent a2 = {imported(APNS_A), "Apns two"}, c2 = {imported(APNS_C), "Apns two"};
	CU_ASSERT_FATAL(wait_until(fcm_got_at, &a2, SOON_MS));
	CU_ASSERT_FATAL(wait_until(fcm_got_at, &c2, SOON_MS));
	log = fcm_log();
	E2E_INT_EQ(imports_of(log, APNS_A, &req), 1); /* the cache, not Google again */
	E2E_INT_EQ(imports_of(log, APNS_C, &req), 1);
	CU_ASSERT(imports_of(log, APNS_BAD, &req) >= 1); /* refused: asked again */
	json_object_put(log);
	struct e2e_resp *r =
		e2e_request("DELETE", "/people/rtbob/tokens/platforms/ios", "rtbob", NULL);
	CU_ASSERT(r->status == 204 || r->status == 200);
	e2e_free(r);
}

/* ---- browser-grade STOMP clients (node) at /stomp and /ws -------------------- */

/* The environment of tests/stomp/realtime.js for alice and bob in
 * conversation (or context) cid. */
static const char *node_env(const char *alice, const char *bob, const char *cid)
{
	return e2e_fmt("MAX_URL='%s' A_USER='%s' A_TOKEN='%s' B_USER='%s' B_TOKEN='%s' CID='%s' "
		       "SERVER_ID=e2e NODE_PATH='%s'",
		       e2e_url(), alice, e2e_token(alice), bob, e2e_token(bob), cid,
		       getenv("MAX_TEST_NODE_PATH"));
}

/* Runs tests/stomp/realtime.js scenario with alice and bob in conversation
 * cid; 1 when every check of the scenario passed. */
static int stomp_clients(const char *scenario, const char *alice, const char *bob, const char *cid)
{
	return system(e2e_fmt("%s node tests/stomp/realtime.js %s >&2", node_env(alice, bob, cid),
			      scenario)) == 0;
}

/* Starts a scenario in the background, extra (VAR='value' words) added to
 * its environment: its pid, or 0. The pid is also kept in DIR/node.<n>.pid,
 * so that e2e-realtime.sh stops a client a failed test left behind. */
static pid_t node_start(const char *scenario, const char *extra, const char *alice, const char *bob,
			const char *cid)
{
	size_t slot = 0;
	while (slot < sizeof rt.nodes / sizeof rt.nodes[0] && rt.nodes[slot])
		slot++;
	if (slot == sizeof rt.nodes / sizeof rt.nodes[0])
		return 0;
	const char *cmd = e2e_fmt("%s %s exec node tests/stomp/realtime.js %s >&2",
				  node_env(alice, bob, cid), extra, scenario);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	rt.nodes[slot] = pid;
	FILE *f = fopen(e2e_fmt("%s/node.%zu.pid", rt.dir, slot), "w");
	if (f) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	return pid;
}

/* Waits up to ms for a background client (killed after that); 1 when it
 * exited with 0, i.e. every check of its scenario passed. */
static int node_wait(pid_t pid, long ms)
{
	int st = 0, done = 0;
	for (long t = 0; !done && t < ms; t += 50) {
		done = waitpid(pid, &st, WNOHANG) == pid;
		if (!done)
			sleep_ms(50);
	}
	if (!done) {
		fprintf(stderr, "\nrealtime: a STOMP client took more than %ld ms; killed\n", ms);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	for (size_t i = 0; i < sizeof rt.nodes / sizeof rt.nodes[0]; i++)
		if (rt.nodes[i] == pid) {
			rt.nodes[i] = 0;
			unlink(e2e_fmt("%s/node.%zu.pid", rt.dir, i));
		}
	return done && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void node_stop_all(void)
{
	for (size_t i = 0; i < sizeof rt.nodes / sizeof rt.nodes[0]; i++)
		if (rt.nodes[i] > 0) {
			kill(rt.nodes[i], SIGKILL);
			node_wait(rt.nodes[i], 1000);
		}
}

static int file_exists(const void *path)
{
	return access(path, F_OK) == 0;
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

/* Sessions that send nothing (STOMP heart-beats off, as the widget) for
 * more than twice web-STOMP's idle limit stay open, at /ws and at /stomp,
 * and a message posted then still reaches them: the relay's PINGs. */
static void test_stomp_idle(void)
{
	if (!have_node(__func__))
		return;
	const char *cid = stomp_pair("stalice", "stbob");
	CU_ASSERT(stomp_clients("idle", "stalice", "stbob", cid));
}

/* A browser that stops answering PINGs (the suite PINGs after 2 s without
 * a PONG and waits 2 s more) is closed by the relay; the idle sessions of
 * test_stomp_idle, which answer, stay. */
static void test_stomp_no_pong(void)
{
	if (!have_node(__func__))
		return;
	const char *cid = stomp_pair("stalice", "stbob");
	CU_ASSERT(stomp_clients("no-pong", "stalice", "stbob", cid));
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

/* "<server id>:user" logs in over STOMP, at /stomp and at /ws; another
 * server's id does not (scripts/e2e.sh sets [max] server_id = e2e). */
static void test_stomp_server_id_login(void)
{
	if (!have_node(__func__))
		return;
	person("stalice", "");
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
	CU_ASSERT(stomp_clients("login-forms", "stalice", "stbob", "none"));
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

/* ---- contexts and group conversations (messaging.md 6.3 to 6.7) ------------ */

/* sha1 of text in lowercase hex, computed here (not by MAX's code). */
static const char *sha1_hex(const char *text)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
	EVP_Digest(text, strlen(text), md, &n, EVP_sha1(), NULL);
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return e2e_fmt("%s", hex);
}

/* A context made by the Manager with this notifications value (JSON) that
 * its subscribers may read and write: its hash, sha1(url). */
static const char *notifying_context(const char *url, const char *notifications)
{
	struct e2e_resp *r =
		e2e_request("POST", "/contexts", e2e_manager(),
			    e2e_fmt("{\"url\":\"%s\",\"notifications\":%s,\"permissions\":"
				    "{\"read\":\"subscribed\",\"write\":\"subscribed\"}}",
				    url, notifications));
	CU_ASSERT(r->status == 201 || r->status == 200);
	const char *hash = sha1_hex(url);
	E2E_STR_EQ(e2e_str(r->json, "hash"), hash);
	e2e_free(r);
	return hash;
}

static void ctx_subscribe(const char *hash, const char *user)
{
	E2E_SEND(201, "POST", e2e_fmt("/contexts/%s/subscriptions", hash), e2e_manager(),
		 e2e_fmt("{\"actor\":{\"objectType\":\"person\",\"username\":\"%s\"}}", user));
}

/* messaging.md 6.3: a subscription to a context with notifications binds activity →
 * <user>.subscribe with the context's hash; unsubscribing unbinds it; a
 * context without notifications binds nobody until PUT turns them on (then
 * every subscriber), and PUT false unbinds them all again. */
static void test_context_bindings(void)
{
	person("cbalice", "");
	person("cbbob", "");
	CU_ASSERT_FATAL(wait_until(exchange_exists, "cbbob.subscribe", SOON_MS));
	const char *posts = notifying_context("http://rt.test/cb/posts", "\"posts\"");
	struct binding a = {"activity", "cbalice.subscribe", posts};
	ctx_subscribe(posts, "cbalice");
	CU_ASSERT(wait_until(bound, &a, SOON_MS));
	E2E_SEND(204, "DELETE", e2e_fmt("/contexts/%s/subscriptions/cbalice", posts), e2e_manager(),
		 NULL);
	CU_ASSERT(wait_until(unbound, &a, SOON_MS));

	const char *quiet = notifying_context("http://rt.test/cb/quiet", "false");
	struct binding qa = {"activity", "cbalice.subscribe", quiet},
		       qb = {"activity", "cbbob.subscribe", quiet};
	ctx_subscribe(quiet, "cbalice");
	ctx_subscribe(quiet, "cbbob");
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
	CU_ASSERT_FALSE(has_binding(&qa));
	CU_ASSERT_FALSE(has_binding(&qb));
	E2E_SEND(200, "PUT", e2e_fmt("/contexts/%s", quiet), e2e_manager(),
		 "{\"notifications\":true}");
	CU_ASSERT(wait_until(bound, &qa, SOON_MS));
	CU_ASSERT(wait_until(bound, &qb, SOON_MS));
	E2E_SEND(200, "PUT", e2e_fmt("/contexts/%s", quiet), e2e_manager(),
		 "{\"notifications\":false}");
	CU_ASSERT(wait_until(unbound, &qa, SOON_MS));
	CU_ASSERT(wait_until(unbound, &qb, SOON_MS));
}

/* POST an activity (or, with activity != NULL, a comment on it) as user:
 * the new id. */
static const char *post_note(const char *user, const char *hash, const char *activity,
			     const char *content)
{
	struct e2e_resp *r =
		activity ? e2e_request("POST", e2e_fmt("/activities/%s/comments", activity), user,
				       e2e_fmt("{\"object\":{\"objectType\":\"comment\","
					       "\"content\":\"%s\"}}",
					       content))
			 : e2e_request("POST", e2e_fmt("/contexts/%s/activities", hash), user,
				       e2e_fmt("{\"object\":{\"objectType\":\"note\","
					       "\"content\":\"%s\"}}",
					       content));
	E2E_STATUS(r, 201);
	const char *id = e2e_fmt("%s", e2e_str(r->json, "id") ? e2e_str(r->json, "id") : "");
	e2e_free(r);
	return id;
}

/* messaging.md 6.4: the activity as the push queue's route got it, packed as
 * specified; the same body at a subscriber's session. */
static void check_activity(amqp_connection_state_t c, const char *push, const char *session,
			   const char *hash, const char *id)
{
	struct got g = {0}, s = {0};
	CU_ASSERT_FATAL(get_one(c, push, &g, SOON_MS));
	E2E_STR_EQ(g.exchange, "activity");
	E2E_STR_EQ(g.key, hash);
	E2E_STR_EQ(e2e_str(g.body, "a"), "a");
	E2E_STR_EQ(e2e_str(g.body, "o"), "a");
	E2E_STR_EQ(e2e_str(g.body, "s"), "m");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "u"), "u"), "analice");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "u"), "d"), "Alice Activa");
	E2E_STR_EQ(e2e_keys(e2e_get(g.body, "d")), "activityid,text");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "text"), "Nou document");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "activityid"), id);
	for (const char *const *k = (const char *const[]){"g", "p", "v", "i", NULL}; *k; k++)
		CU_ASSERT(e2e_get(g.body, *k) != NULL);
	CU_ASSERT_FATAL(get_one(c, session, &s, SOON_MS));
	E2E_STR_EQ(s.exchange, "activity");
	E2E_STR_EQ(s.key, hash);
	E2E_STR_EQ(json_object_to_json_string(s.body), json_object_to_json_string(g.body));
	json_object_put(s.body);
	json_object_put(g.body);
}

/* messaging.md 6.5: in a "comments" context the activity, then the comment, reach the
 * push queue's route. */
static void check_comment(amqp_connection_state_t c, const char *push, const char *hash)
{
	const char *activity = post_note("analice", hash, NULL, "Parlem");
	const char *comment = post_note("anbob", hash, activity, "D'acord");
	struct got g = {0};
	CU_ASSERT_FATAL(get_one(c, push, &g, SOON_MS));
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "activityid"), activity);
	json_object_put(g.body);
	memset(&g, 0, sizeof g);
	CU_ASSERT_FATAL(get_one(c, push, &g, SOON_MS));
	E2E_STR_EQ(g.key, hash);
	E2E_STR_EQ(e2e_str(g.body, "o"), "a");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "u"), "u"), "anbob");
	E2E_STR_EQ(e2e_keys(e2e_get(g.body, "d")), "activityid,commentid,text");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "text"), "D'acord");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "activityid"), activity);
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "commentid"), comment);
	json_object_put(g.body);
}

/* messaging.md 6.4, 6.5: an activity in a context with notifications reaches the
 * push queue's route (a queue bound to `activity` as push is, with the
 * hash) and a subscriber's session, packed as specified; a context
 * without notifications publishes nothing; comments are published only
 * where notifications is "comments". */
static void test_activity_notifications(void)
{
	CU_ASSERT_FATAL(e2e_person("analice", "Alice Activa") && e2e_person("anbob", "Bob"));
	CU_ASSERT_FATAL(wait_until(exchange_exists, "anbob.subscribe", SOON_MS));
	const char *hashes[] = {notifying_context("http://rt.test/an/posts", "\"posts\""),
				notifying_context("http://rt.test/an/quiet", "false"),
				notifying_context("http://rt.test/an/talk", "\"comments\"")};
	for (int i = 0; i < 3; i++) {
		ctx_subscribe(hashes[i], "analice");
		ctx_subscribe(hashes[i], "anbob");
	}
	struct binding bb = {"activity", "anbob.subscribe", hashes[2]};
	CU_ASSERT_FATAL(wait_until(bound, &bb, SOON_MS));
	amqp_connection_state_t c = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	const char *push[3], *session = private_queue(c, "anbob.subscribe");
	for (int i = 0; i < 3; i++)
		push[i] = probe(c, "activity", hashes[i]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(session);

	const char *id = post_note("analice", hashes[0], NULL, "Nou document");
	check_activity(c, push[0], session, hashes[0], id);
	post_note("analice", hashes[1], NULL, "Sense avisos");
	post_note("anbob", hashes[0], id, "Comentari"); /* "posts": comments are not published */
	check_comment(c, push[2], hashes[2]);
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
	struct got g;
	for (int i = 0; i < 3; i++)
		CU_ASSERT_FALSE(get_one(c, push[i], &g, 0));
	amqp_done(c);
	if (have_node(__func__))
		CU_ASSERT(stomp_clients("activity", "analice", "anbob", hashes[0]));
}

struct member {
	const char *user, *cid;
};

/* Both of a participant's bindings for the conversation are there. */
static int member_bound(const void *arg)
{
	const struct member *m = arg;
	const char *key = e2e_fmt("%s.*", m->cid);
	struct binding in = {e2e_fmt("%s.publish", m->user), "conversations", key},
		       out = {"conversations", e2e_fmt("%s.subscribe", m->user), key};
	return has_binding(&in) && has_binding(&out);
}

static int member_unbound(const void *arg)
{
	const struct member *m = arg;
	const char *key = e2e_fmt("%s.*", m->cid);
	struct binding in = {e2e_fmt("%s.publish", m->user), "conversations", key},
		       out = {"conversations", e2e_fmt("%s.subscribe", m->user), key};
	return !has_binding(&in) && !has_binding(&out);
}

static int no_conversation_binding(const void *cid)
{
	return conversation_bindings(cid, 0) == 0;
}

/* alice's group with bob and carol, named "Grup RT": its id. */
static const char *group_conversation(void)
{
	struct e2e_resp *r =
		e2e_request("POST", "/conversations", "gpalice",
			    "{\"contexts\":[{\"objectType\":\"conversation\",\"displayName\":"
			    "\"Grup RT\","
			    "\"participants\":[\"gpalice\",\"gpbob\",\"gpcarol\"]}],"
			    "\"object\":{\"objectType\":\"note\",\"content\":\"Benvinguts\"}}");
	E2E_STATUS(r, 201);
	const char *cid =
		e2e_fmt("%s",
			e2e_str(json_object_array_get_idx(e2e_get(r->json, "contexts"), 0), "id"));
	e2e_free(r);
	return cid;
}

/* messaging.md 6.6: the group's announcement on the push queue's route. */
static void check_group_notice(amqp_connection_state_t c, const char *q, const char *cid)
{
	struct got g;
	CU_ASSERT_FATAL(get_keyed(c, q, e2e_fmt("%s.notifications", cid), &g, SOON_MS));
	E2E_STR_EQ(e2e_str(g.body, "a"), "a");
	E2E_STR_EQ(e2e_str(g.body, "o"), "c");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "u"), "u"), "Grup RT");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "u"), "d"), "Grup RT");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "text"), "Benvinguts");
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "conversation_id"), cid);
	E2E_STR_EQ(e2e_str(e2e_get(g.body, "d"), "creator"), "Alice Grup");
	json_object_put(g.body);
}

/* messaging.md 6.6 (three participants), messaging.md 6.7: a group binds each participant both
 * ways and announces itself under its displayName; a participant who
 * joins gets his two bindings, loses them when he leaves; deleting the
 * conversation leaves no binding with its id. */
static void test_group_bindings(void)
{
	static const char *const users[] = {"gpalice", "gpbob", "gpcarol", "gpdave"};
	CU_ASSERT_FATAL(e2e_person("gpalice", "Alice Grup"));
	for (int i = 1; i < 4; i++)
		person(users[i], "");
	CU_ASSERT_FATAL(wait_until(exchange_exists, "gpdave.subscribe", SOON_MS));
	amqp_connection_state_t c = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	const char *pq = probe(c, "conversations", "*.notifications");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pq);
	const char *cid = group_conversation(), *key = e2e_fmt("%s.*", cid);
	struct member m[4];
	for (int i = 0; i < 4; i++)
		m[i] = (struct member){users[i], cid};
	for (int i = 0; i < 3; i++)
		CU_ASSERT(wait_until(member_bound, &m[i], SOON_MS));
	E2E_INT_EQ(conversation_bindings(key, 1), 6);
	check_group_notice(c, pq, cid);
	amqp_done(c);

	E2E_SEND(201, "POST", e2e_fmt("/conversations/%s/participants", cid), "gpalice",
		 "{\"actor\":{\"objectType\":\"person\",\"username\":\"gpdave\"}}");
	CU_ASSERT(wait_until(member_bound, &m[3], SOON_MS));
	E2E_INT_EQ(conversation_bindings(key, 1), 8);
	E2E_SEND(204, "DELETE", e2e_fmt("/conversations/%s/participants/gpdave", cid), "gpdave",
		 NULL);
	CU_ASSERT(wait_until(member_unbound, &m[3], SOON_MS));
	E2E_INT_EQ(conversation_bindings(key, 1), 6);
	E2E_SEND(204, "DELETE", e2e_fmt("/conversations/%s", cid), "gpalice", NULL);
	CU_ASSERT(wait_until(no_conversation_binding, cid, SOON_MS));
}

/* ---- outages and crashes ---------------------------------------------------- */

#define OUTAGE_N 1000  /* messages posted while RabbitMQ is away */
#define KILL_LINES 600 /* chat lines sent over STOMP around a crash of the bridge */
#define KILL_REST 200  /* messages posted over REST around it */

struct arrivals {
	int distinct, twice, disorder, wrong_key;
};

/* Reads q until the n messages `prefix-<i>` (i = 0..n-1, of conversation
 * cids[i % ncids]) all arrived or nothing more comes: how many arrived,
 * how many a second time, how many before a later one of their
 * conversation (counting first arrivals only), how many with another
 * routing key than <cid>.notifications. */
static struct arrivals read_arrivals(amqp_connection_state_t c, const char *q, const char *prefix,
				     const char *const *cids, int ncids, int n)
{
	struct arrivals a = {0};
	char *seen = calloc((size_t)n, 1);
	int last[4] = {-1, -1, -1, -1};
	size_t plen = strlen(prefix);
	while (seen && a.distinct < n) {
		struct got g = {0};
		if (!get_one(c, q, &g, 5000))
			break;
		const char *t = e2e_str(e2e_get(g.body, "d"), "text"), *act = e2e_str(g.body, "a");
		int i = t && act && !strcmp(act, "a") && !strncmp(t, prefix, plen) && t[plen] == '-'
				? atoi(t + plen + 1)
				: -1;
		if (i >= 0 && i < n) {
			int k = i % ncids;
			a.wrong_key += strcmp(g.key, e2e_fmt("%s.notifications", cids[k])) != 0;
			if (seen[i]) {
				a.twice++;
			} else {
				seen[i] = 1;
				a.distinct++;
				a.disorder += i < last[k];
				last[k] = i > last[k] ? i : last[k];
			}
		}
		json_object_put(g.body);
	}
	free(seen);
	return a;
}

static int push_drained(const void *conn)
{
	return queue_ready((amqp_connection_state_t)conn, "push") == 0;
}

/* Posts text as user into cid (mobile, so that MAX publishes it): 1 on 201. */
static int post_mobile(const char *cid, const char *user, const char *text)
{
	struct e2e_resp *r = e2e_request("POST", e2e_fmt("/conversations/%s/messages", cid), user,
					 e2e_fmt("{\"object\":{\"objectType\":\"note\",\"content\":"
						 "\"%s\",\"mobile\":true}}",
						 text));
	int ok = r->status == 201;
	e2e_free(r);
	return ok;
}

/* Two people talking, bound for it; the conversation's id. */
static const char *bound_pair(const char *a, const char *b)
{
	person(a, "");
	person(b, "");
	const char *cid = conversation(a, e2e_fmt("[\"%s\",\"%s\"]", a, b));
	struct binding bb = {"conversations", e2e_fmt("%s.subscribe", b), e2e_fmt("%s.*", cid)},
		       ba = {e2e_fmt("%s.publish", a), "conversations", bb.key};
	CU_ASSERT(wait_until(bound, &bb, SOON_MS));
	CU_ASSERT(wait_until(bound, &ba, SOON_MS));
	return cid;
}

/* Bob's durable STOMP subscription in the background, waiting for the
 * messages out-<i> of cids[i % 2]; its pid, or 0 without node. */
static pid_t outage_subscriber(const char *alice, const char *bob, const char *const cids[2])
{
	if (!getenv("MAX_TEST_NODE_PATH")) {
		fprintf(stderr,
			"\nrealtime: test_outage without its STOMP client (no node modules)\n");
		return 0;
	}
	const char *ready = e2e_fmt("%s/outage.ready", rt.dir);
	unlink(ready);
	pid_t sub = node_start("durable-sub",
			       e2e_fmt("CIDS='%s,%s' N=%d PREFIX=out READY='%s' SUB_ID=rt-outage "
				       "TIMEOUT_MS=400000",
				       cids[0], cids[1], OUTAGE_N, ready),
			       alice, bob, cids[0]);
	CU_ASSERT_FATAL(sub > 0);
	CU_ASSERT_FATAL(wait_until(file_exists, ready, 2 * SOON_MS));
	return sub;
}

/* Stops RabbitMQ, posts the messages out-<i> (from[i % 2] in cids[i % 2]),
 * starts RabbitMQ again and waits until the outbox is empty. */
static void post_through_outage(const char *const from[2], const char *const cids[2])
{
	long t0 = now_ms();
	CU_ASSERT_FATAL(node("stop") == 0);
	long t1 = now_ms();
	int ok = 0;
	for (int i = 0; i < OUTAGE_N; i++)
		ok += post_mobile(cids[i % 2], from[i % 2], e2e_fmt("out-%d", i));
	E2E_INT_EQ(ok, OUTAGE_N);
	CU_ASSERT(e2e_db_scalar("SELECT count(*) FROM outbox WHERE op = 'publish'") >= OUTAGE_N);
	long t2 = now_ms();
	CU_ASSERT_FATAL(node("start") == 0);
	long t3 = now_ms();
	/* generous: a sanitizer build on a loaded machine needs ~50 s */
	CU_ASSERT(wait_until(outbox_empty, NULL, 180000));
	fprintf(stderr,
		"\nrealtime: RabbitMQ stopped in %ld ms, %d posts in %ld ms, started in %ld ms, "
		"outbox drained in %ld ms\n",
		t1 - t0, OUTAGE_N, t2 - t1, t3 - t2, now_ms() - t3);
}

/* messaging.md 6.12 and 6.13 at scale: RabbitMQ away, 1,000 messages
 * posted in two conversations all answer 201; once the broker is back
 * every one reaches Bob's STOMP client (a durable subscription over
 * SockJS that reconnects on its own) and a durable AMQP queue: each once,
 * in order per conversation. The push queue is drained meanwhile. */
static void test_outage(void)
{
	const char *bob = "olbob", *const from[2] = {"olalice", "olcarol"};
	const char *const cids[2] = {bound_pair(from[0], bob), bound_pair(from[1], bob)};
	amqp_connection_state_t c = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_FATAL(durable_queue(c, "rt-outage", "olbob.subscribe") == 0);
	amqp_done(c);
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
	pid_t sub = outage_subscriber(from[0], bob, cids);
	post_through_outage(from, cids);

	c = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	struct arrivals a = read_arrivals(c, "rt-outage", "out", cids, 2, OUTAGE_N);
	E2E_INT_EQ(a.distinct, OUTAGE_N);
	E2E_INT_EQ(a.twice, 0);
	E2E_INT_EQ(a.disorder, 0);
	E2E_INT_EQ(a.wrong_key, 0);
	CU_ASSERT(wait_until(push_drained, c, 30000));
	amqp_done(c);
	drop_queue("rt-outage");
	if (sub)
		CU_ASSERT(node_wait(sub, 60000));
}

static long long lines_stored(const char *cid)
{
	return e2e_db_scalar("SELECT count(*) FROM messages WHERE conversation_id = '%s'"
			     " AND json_extract(object_json, '$.content') LIKE 'k9s-%%'",
			     cid);
}

struct crash {
	int after;        /* REST posts made before the crash, -1 before it */
	long long stored; /* lines stored then */
	long ready;       /* lines RabbitMQ still held */
};

/* Kills the bridge once its `messages` consumer is in the middle of the
 * lines: some are stored and RabbitMQ holds more than its consumer takes
 * at once, so the consumer has deliveries it has not acknowledged (and
 * RabbitMQ will deliver them again). 1 when done. */
static int crash_mid_stream(amqp_connection_state_t c, const char *cid, struct crash *k, int after)
{
	if (k->after >= 0)
		return 1;
	if (after < KILL_REST / 10) /* REST messages flowing too */
		return 0;
	long long n = lines_stored(cid);
	long ready = queue_ready(c, "messages");
	if (n < 1 || ready < 5)
		return 0;
	crash_bridge();
	*k = (struct crash){after, n, ready};
	return 1;
}

/* Every message content of cid, as user: the pages of GET …/messages. */
static json_object *all_contents(const char *cid, const char *user)
{
	json_object *all = json_object_new_array();
	const char *before = NULL;
	for (int page = 0; page < 40; page++) {
		struct e2e_resp *r =
			e2e_request("GET",
				    e2e_fmt("/conversations/%s/messages?limit=500%s%s", cid,
					    before ? "&before=" : "", before ? before : ""),
				    user, NULL);
		E2E_STATUS(r, 200);
		int n = e2e_len(r->json);
		for (int i = 0; i < n; i++) {
			json_object *x = json_object_array_get_idx(r->json, (size_t)i);
			const char *t = e2e_str(e2e_get(x, "object"), "content");
			json_object_array_add(all, json_object_new_string(t ? t : ""));
		}
		const char *more = e2e_header(r, "X-Has-Remaining-Items");
		before = n > 0 ? e2e_fmt("%s", e2e_str(json_object_array_get_idx(r->json, 0), "id"))
			       : NULL;
		int go_on = before && more && !strcmp(more, "1");
		e2e_free(r);
		if (!go_on)
			break;
	}
	return all;
}

/* Of the texts prefix-0 … prefix-(n-1) in contents: how many are missing,
 * how many stored more than once. */
static void count_stored(json_object *contents, const char *prefix, int n, int *missing, int *extra)
{
	int *count = calloc((size_t)n, sizeof *count);
	size_t plen = strlen(prefix);
	for (int i = 0; count && i < e2e_len(contents); i++) {
		const char *t =
			json_object_get_string(json_object_array_get_idx(contents, (size_t)i));
		if (!strncmp(t, prefix, plen) && t[plen] == '-' && t[plen + 1] >= '0' &&
		    t[plen + 1] <= '9') {
			int k = atoi(t + plen + 1);
			if (k >= 0 && k < n)
				count[k]++;
		}
	}
	*missing = *extra = 0;
	for (int i = 0; count && i < n; i++) {
		*missing += count[i] == 0;
		*extra += count[i] > 1;
	}
	free(count);
}

/* Chat lines sent again by a client that saw no ack for them, and a last
 * one: once that is stored, the consumer has handled the others. */
static void resend_lines(const char *alice, const char *cid, int n)
{
	amqp_connection_state_t c = amqp_as(alice, e2e_token(alice));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	const char *key = e2e_fmt("%s.messages", cid), *ex = e2e_fmt("%s.publish", alice);
	for (int i = 0; i < n; i++)
		publish(c, ex, key, chat_line(alice, e2e_fmt("k9s-g%d", i), e2e_fmt("k9s-%d", i)));
	publish(c, ex, key, chat_line(alice, "k9s-gend", "k9s-end"));
	amqp_done(c);
}

struct redelivered {
	long long before;
};

static int redelivered(const void *arg)
{
	return queue_stat("messages", "redeliver") > ((const struct redelivered *)arg)->before;
}

/* Alice's KILL_LINES chat lines k9s-<i>: sent in bursts by her STOMP
 * client in the background (its pid), or at once over AMQP without node
 * (0). */
static pid_t send_lines(const char *alice, const char *bob, const char *cid)
{
	if (getenv("MAX_TEST_NODE_PATH")) {
		const char *ready = e2e_fmt("%s/burst.ready", rt.dir);
		unlink(ready);
		pid_t sender =
			node_start("burst",
				   e2e_fmt("N=%d PREFIX=k9s BURST=100 PAUSE_MS=100 READY='%s'",
					   KILL_LINES, ready),
				   alice, bob, cid);
		CU_ASSERT_FATAL(sender > 0);
		CU_ASSERT_FATAL(wait_until(file_exists, ready, 2 * SOON_MS));
		return sender;
	}
	fprintf(stderr,
		"\nrealtime: test_bridge_kill sends its lines over AMQP (no node modules)\n");
	amqp_connection_state_t a = amqp_as(alice, e2e_token(alice));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	for (int i = 0; i < KILL_LINES; i++)
		publish(a, e2e_fmt("%s.publish", alice), e2e_fmt("%s.messages", cid),
			chat_line(alice, e2e_fmt("k9s-g%d", i), e2e_fmt("k9s-%d", i)));
	amqp_done(a);
	return 0;
}

/* Alice posts k9r-<i> over REST while the lines flow; the bridge is killed
 * in the middle (crash_mid_stream) and started again after a quarter of
 * the posts more. */
static void post_around_crash(amqp_connection_state_t c, const char *alice, const char *cid)
{
	struct crash k = {-1, 0, 0};
	int ok = 0;
	for (int i = 0; i < KILL_REST; i++) {
		ok += post_mobile(cid, alice, e2e_fmt("k9r-%d", i));
		if (crash_mid_stream(c, cid, &k, i + 1) && !rt.bridge &&
		    i + 1 >= k.after + KILL_REST / 4)
			CU_ASSERT_FATAL(restart_bridge() == 0);
	}
	E2E_INT_EQ(ok, KILL_REST);
	for (long t = 0; t < 30000 && !crash_mid_stream(c, cid, &k, KILL_REST); t += 20)
		sleep_ms(20);
	fprintf(stderr,
		"\nrealtime: bridge killed after %d REST posts, %lld lines stored, %ld waiting\n",
		k.after, k.stored, k.ready);
	CU_ASSERT(k.after >= 0); /* the crash came while lines were flowing */
	if (k.after < 0)
		crash_bridge();
	if (!rt.bridge)
		CU_ASSERT_FATAL(restart_bridge() == 0);
}

/* Every line and every REST message stored exactly once (GET as bob). */
static void check_stored_once(const char *cid, const char *bob)
{
	json_object *stored = all_contents(cid, bob);
	int missing, extra;
	count_stored(stored, "k9s", KILL_LINES, &missing, &extra);
	E2E_INT_EQ(missing, 0);
	E2E_INT_EQ(extra, 0);
	count_stored(stored, "k9r", KILL_REST, &missing, &extra);
	E2E_INT_EQ(missing, 0);
	E2E_INT_EQ(extra, 0);
	json_object_put(stored);
}

/* kill -9 of the bridge while Alice's STOMP client sends chat lines and
 * she posts over REST; the bridge started again: every line is stored
 * exactly once although RabbitMQ delivers the unacknowledged ones again
 * (and the client resends some), every REST message is stored once and
 * reaches Bob (at least once: a publish whose confirm was lost is made
 * again), the first arrivals in order. */
static void test_bridge_kill(void)
{
	const char *alice = "k9alice", *bob = "k9bob";
	const char *cid = bound_pair(alice, bob);
	amqp_connection_state_t c = amqp_as(rt.user, rt.pass);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_FATAL(durable_queue(c, "rt-crash", "k9bob.subscribe") == 0);
	CU_ASSERT(wait_until(outbox_empty, NULL, SOON_MS));
	struct redelivered rd = {queue_stat("messages", "redeliver")};
	pid_t sender = send_lines(alice, bob, cid);
	post_around_crash(c, alice, cid);
	if (sender)
		CU_ASSERT(node_wait(sender, 60000));
	resend_lines(alice, cid, 20);
	struct stored_q end = {cid, "k9s-end"};
	CU_ASSERT(wait_until(is_stored, &end, 120000));
	CU_ASSERT(wait_until(outbox_empty, NULL, 120000));
	check_stored_once(cid, bob);

	struct arrivals a = read_arrivals(c, "rt-crash", "k9r", &cid, 1, KILL_REST);
	E2E_INT_EQ(a.distinct, KILL_REST);
	E2E_INT_EQ(a.disorder, 0);
	E2E_INT_EQ(a.wrong_key, 0);
	if (a.twice)
		fprintf(stderr,
			"realtime: %d REST messages reached Bob twice (published again "
			"after the crash)\n",
			a.twice);
	/* RabbitMQ's own statistics (refreshed every second on this node) */
	CU_ASSERT(wait_until(redelivered, &rd, 10000));
	amqp_done(c);
	drop_queue("rt-crash");
}

E2E_SUITE(realtime, rt_init, rt_cleanup)
{
	if (!getenv("MAX_TEST_RABBITMQ_DIR"))
		return; /* needs RabbitMQ: scripts/e2e-realtime.sh */
	E2E_TEST(s, test_global_topology);
	E2E_TEST(s, test_user_exchanges);
	E2E_TEST(s, test_conversation_delivery);
	E2E_TEST(s, test_rejoin_bound);
	E2E_TEST(s, test_large_publish);
	E2E_TEST(s, test_broker_login);
	E2E_TEST(s, test_context_bindings);
	E2E_TEST(s, test_activity_notifications);
	E2E_TEST(s, test_group_bindings);
	E2E_TEST(s, test_stomp_info);
	E2E_TEST(s, test_sockjs_frames);
	E2E_TEST(s, test_stomp_delivery);
	E2E_TEST(s, test_stomp_idle);
	E2E_TEST(s, test_stomp_no_pong);
	E2E_TEST(s, test_stomp_bad_token);
	E2E_TEST(s, test_stomp_server_id_login);
	E2E_TEST(s, test_stomp_forbidden);
	E2E_TEST(s, test_stomp_send_stored);
	E2E_TEST(s, test_outage);
	E2E_TEST(s, test_bridge_kill);
	E2E_TEST(s, test_chat_line);
	E2E_TEST(s, test_chat_refused);
	E2E_TEST(s, test_push_fcm);
	E2E_TEST(s, test_push_apns);
}
