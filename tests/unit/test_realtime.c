/*
 * test_realtime.c — the broker-side policy (who may log in to RabbitMQ and
 * use which exchange) and the outbox as max-bridge reads it: rows in id
 * order, deleted up to the confirmed id, nothing lost in between; and
 * what max-bridge's consumers do with a chat line or a hub task.
 */
#include "unit.h"
#include "fixture.h"
#include "http/rabbitmq_auth.h"
#include "model/outbox.h"
#include "model/outbox_drain.h"
#include "model/chat.h"
#include "model/syncacl.h"
#include "model/subscriptions.h"
#include "util/jsonx.h"
#include "util/wake.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_login_user(void)
{
	char u[MAX_USERNAME_MAX + 1];
	CU_ASSERT_EQUAL(rabbitmq_login_user("alice", "demo", u), 0);
	CU_ASSERT_STRING_EQUAL(u, "alice");
	CU_ASSERT_EQUAL(rabbitmq_login_user("demo:Alice.B", "demo", u), 0);
	CU_ASSERT_STRING_EQUAL(u, "alice.b");
	/* a domain other than the server id, or an empty one, is refused */
	CU_ASSERT_EQUAL(rabbitmq_login_user("other:alice", "demo", u), -1);
	CU_ASSERT_EQUAL(rabbitmq_login_user(":alice", "", u), -1);
	CU_ASSERT_EQUAL(rabbitmq_login_user("demo:", "demo", u), -1);
	CU_ASSERT_EQUAL(rabbitmq_login_user(NULL, "demo", u), -1);
}

static void test_resources(void)
{
	CU_ASSERT_TRUE(rabbitmq_may_resource("alice", "exchange", "alice.publish"));
	CU_ASSERT_TRUE(rabbitmq_may_resource("alice", "exchange", "alice.subscribe"));
	CU_ASSERT_FALSE(rabbitmq_may_resource("alice", "exchange", "bob.subscribe"));
	CU_ASSERT_FALSE(rabbitmq_may_resource("alice", "exchange", "alice.publishx"));
	CU_ASSERT_FALSE(rabbitmq_may_resource("alice", "exchange", "xalice.publish"));
	CU_ASSERT_FALSE(rabbitmq_may_resource("alice", "exchange", "conversations"));
	CU_ASSERT_FALSE(rabbitmq_may_resource("alice", "exchange", "activity"));
	/* "al" must not reach "alice"'s exchanges by prefix */
	CU_ASSERT_FALSE(rabbitmq_may_resource("al", "exchange", "alice.publish"));
	CU_ASSERT_TRUE(rabbitmq_may_resource("alice", "queue", "amq.gen-Xy12"));
	CU_ASSERT_TRUE(rabbitmq_may_resource("alice", "queue", "stomp-subscription-abc"));
	CU_ASSERT_FALSE(rabbitmq_may_resource("alice", "queue", "messages"));
	CU_ASSERT_FALSE(rabbitmq_may_resource("alice", "queue", "push"));
	CU_ASSERT_FALSE(rabbitmq_may_resource("alice", "vhost", "/"));
	CU_ASSERT_FALSE(rabbitmq_may_resource("", "exchange", ".publish"));
	CU_ASSERT_TRUE(rabbitmq_may_topic("alice", "alice.publish"));
	CU_ASSERT_TRUE(rabbitmq_may_topic("alice", "alice.subscribe"));
	CU_ASSERT_FALSE(rabbitmq_may_topic("alice", "bob.publish"));
	CU_ASSERT_FALSE(rabbitmq_may_topic("alice", "conversations"));
}

static void test_url_parts(void)
{
	char user[64], vhost[64];
	CU_ASSERT_EQUAL(rabbitmq_url_parts("amqp://max-bridge:s3cr%40t@127.0.0.1:5672/%2F", user,
					   sizeof user, vhost, sizeof vhost),
			0);
	CU_ASSERT_STRING_EQUAL(user, "max-bridge");
	CU_ASSERT_STRING_EQUAL(vhost, "/");
	CU_ASSERT_EQUAL(rabbitmq_url_parts("amqp://u%2Ex@h/max", user, sizeof user, vhost,
					   sizeof vhost),
			0);
	CU_ASSERT_STRING_EQUAL(user, "u.x");
	CU_ASSERT_STRING_EQUAL(vhost, "max");
	CU_ASSERT_EQUAL(rabbitmq_url_parts("amqp://h:5672", user, sizeof user, vhost, sizeof vhost),
			0);
	CU_ASSERT_STRING_EQUAL(user, "");
	CU_ASSERT_STRING_EQUAL(vhost, "/");
	CU_ASSERT_EQUAL(rabbitmq_url_parts("http://h/", user, sizeof user, vhost, sizeof vhost),
			-1);
	CU_ASSERT_EQUAL(rabbitmq_url_parts("", user, sizeof user, vhost, sizeof vhost), -1);
}

/* The bridge reads rows after the last one it sent, in id order, and
 * deletes only up to the confirmed one. */
static void test_outbox_drain(void)
{
	struct store *db = &fx.db;
	CU_ASSERT_EQUAL(store_exec(db, "DELETE FROM outbox", 0, NULL), 0);
	CU_ASSERT_EQUAL(store_begin(db), 0);
	CU_ASSERT_EQUAL(outbox_declare_user(db, "ann"), 0);
	CU_ASSERT_EQUAL(outbox_bind(db, "ann.publish", "conversations", "c1.*"), 0);
	CU_ASSERT_EQUAL(outbox_publish(db, "conversations", "c1.notifications", "{\"a\":\"a\"}"),
			0);
	CU_ASSERT_EQUAL(outbox_unbind(db, "activity", "ann.subscribe", "h"), 0);
	CU_ASSERT_EQUAL(store_commit(db), 0);
	CU_ASSERT_EQUAL(outbox_pending(db), 4);

	struct outbox_row rows[8];
	int n = outbox_fetch(db, 0, 2, rows);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(rows[0].op, OUTBOX_DECLARE_USER);
	CU_ASSERT_STRING_EQUAL(rows[0].destination, "ann");
	CU_ASSERT_EQUAL(rows[1].op, OUTBOX_BIND);
	CU_ASSERT_STRING_EQUAL(rows[1].exchange, "ann.publish");
	CU_ASSERT_STRING_EQUAL(rows[1].destination, "conversations");
	CU_ASSERT_STRING_EQUAL(rows[1].routing_key, "c1.*");
	int64_t second = rows[1].id;
	CU_ASSERT_TRUE(rows[0].id < second);
	outbox_row_free(&rows[0]);
	outbox_row_free(&rows[1]);

	n = outbox_fetch(db, second, 8, rows);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(rows[0].op, OUTBOX_PUBLISH);
	CU_ASSERT_STRING_EQUAL(rows[0].body, "{\"a\":\"a\"}");
	CU_ASSERT_EQUAL(rows[1].op, OUTBOX_UNBIND);
	int64_t last = rows[1].id;
	outbox_row_free(&rows[0]);
	outbox_row_free(&rows[1]);

	CU_ASSERT_EQUAL(outbox_delete_upto(db, second), 0);
	CU_ASSERT_EQUAL(outbox_pending(db), 2);
	CU_ASSERT_EQUAL(outbox_note_attempt(db, last), 0);
	n = outbox_fetch(db, 0, 8, rows);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(rows[1].attempts, 1);
	outbox_row_free(&rows[0]);
	outbox_row_free(&rows[1]);
	CU_ASSERT_EQUAL(outbox_delete_one(db, last), 0);
	CU_ASSERT_EQUAL(outbox_pending(db), 1);
	CU_ASSERT_EQUAL(outbox_delete_upto(db, last), 0);
	CU_ASSERT_EQUAL(outbox_pending(db), 0);
	CU_ASSERT_EQUAL(outbox_fetch(db, 0, 8, rows), 0);
}

/* What outbox_each's callback saw: the rows' ids and routing keys. */
struct walked {
	int n, stop_at, stop_with;
	int64_t id[8];
	char key[8][32];
};

static int walk(const struct outbox_row *r, void *arg)
{
	struct walked *w = arg;
	w->id[w->n] = r->id;
	snprintf(w->key[w->n], sizeof w->key[0], "%s", r->routing_key);
	return ++w->n == w->stop_at ? w->stop_with : 0;
}

/* The bridge's read without copies: rows after an id, in id order, at
 * most max of them; the callback's non-zero answer stops the walk and is
 * returned, with the rows read so far counted. */
static void test_outbox_each(void)
{
	struct store *db = &fx.db;
	CU_ASSERT_EQUAL(store_exec(db, "DELETE FROM outbox", 0, NULL), 0);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(outbox_publish(db, "activity", fx_fmt("k%d", i), "{}"), 0);
	struct walked w = {0};
	int seen = -1;
	CU_ASSERT_EQUAL(outbox_each(db, 0, 8, walk, &w, &seen), 0);
	CU_ASSERT_EQUAL(seen, 3);
	CU_ASSERT_EQUAL_FATAL(w.n, 3);
	CU_ASSERT_STRING_EQUAL(w.key[0], "k0");
	CU_ASSERT_STRING_EQUAL(w.key[2], "k2");
	CU_ASSERT_TRUE(w.id[0] < w.id[1] && w.id[1] < w.id[2]);
	int64_t first = w.id[0];

	w = (struct walked){.stop_at = 1, .stop_with = 7};
	CU_ASSERT_EQUAL(outbox_each(db, first, 8, walk, &w, &seen), 7);
	CU_ASSERT_EQUAL(seen, 1);
	CU_ASSERT_STRING_EQUAL(w.key[0], "k1");

	w = (struct walked){0};
	CU_ASSERT_EQUAL(outbox_each(db, 0, 2, walk, &w, &seen), 0);
	CU_ASSERT_EQUAL(seen, 2);
	CU_ASSERT_STRING_EQUAL(w.key[1], "k1");
	/* the statement was left mid-way and reset: a write goes through */
	CU_ASSERT_EQUAL(outbox_delete_upto(db, w.id[1]), 0);
	w = (struct walked){0};
	CU_ASSERT_EQUAL(outbox_each(db, 0, 8, walk, &w, &seen), 0);
	CU_ASSERT_EQUAL(seen, 1);
	CU_ASSERT_STRING_EQUAL(w.key[0], "k2");
	CU_ASSERT_EQUAL(store_exec(db, "DELETE FROM outbox", 0, NULL), 0);
}

/* The bridge skips a bind it made a moment ago on this connection, and
 * only that: after OUTBOX_BOUND_TTL_MS, an unbind, a refused bind, a
 * deleted user or a new connection the next bind goes to the broker. */
static void test_outbox_bound(void)
{
	struct outbox_row bind = {.op = OUTBOX_BIND,
				  .exchange = "ann.publish",
				  .destination = "conversations",
				  .routing_key = "c1.*"};
	struct outbox_row other = bind, unbind = bind, del = {.op = OUTBOX_DELETE_USER};
	other.routing_key = "c2.*";
	unbind.op = OUTBOX_UNBIND;
	del.destination = "ann";
	const long t = 1000000, ttl = OUTBOX_BOUND_TTL_MS;
	struct outbox_bound *b = outbox_bound_new();
	CU_ASSERT_FALSE(outbox_bound_repeat(b, &bind, t));
	outbox_bound_note(b, &bind, 0, t); /* refused: not made */
	CU_ASSERT_FALSE(outbox_bound_repeat(b, &bind, t));
	outbox_bound_note(b, &bind, 1, t);
	CU_ASSERT_TRUE(outbox_bound_repeat(b, &bind, t + ttl - 1));
	CU_ASSERT_FALSE(outbox_bound_repeat(b, &bind, t + ttl)); /* made again now and then */
	outbox_bound_note(b, &bind, 1, t + ttl);
	CU_ASSERT_TRUE(outbox_bound_repeat(b, &bind, t + ttl + 1));
	CU_ASSERT_FALSE(outbox_bound_repeat(b, &other, t));  /* another key */
	CU_ASSERT_FALSE(outbox_bound_repeat(b, &unbind, t)); /* only binds are skipped */
	outbox_bound_note(b, &unbind, 1, t);
	CU_ASSERT_FALSE(outbox_bound_repeat(b, &bind, t));
	outbox_bound_note(b, &bind, 1, t);
	outbox_bound_note(b, &other, 1, t);
	outbox_bound_note(b, &del, 1, t);
	CU_ASSERT_FALSE(outbox_bound_repeat(b, &bind, t));
	CU_ASSERT_FALSE(outbox_bound_repeat(b, &other, t));
	outbox_bound_note(b, &bind, 1, t);
	outbox_bound_clear(b); /* a new connection */
	CU_ASSERT_FALSE(outbox_bound_repeat(b, &bind, t));
	/* past the limit it starts afresh rather than grow */
	char key[32];
	struct outbox_row many = bind;
	many.routing_key = key;
	for (int i = 0; i <= OUTBOX_BOUND_MAX; i++) {
		snprintf(key, sizeof key, "k%d.*", i);
		outbox_bound_note(b, &many, 1, t);
	}
	CU_ASSERT_TRUE(outbox_bound_repeat(b, &many, t));
	snprintf(key, sizeof key, "k0.*");
	CU_ASSERT_FALSE(outbox_bound_repeat(b, &many, t));
	outbox_bound_free(b);
}

/* Another connection's commit changes data_version: how the bridge
 * wakes up without reading the table. */
static void test_data_version(void)
{
	struct store other;
	char err[256];
	const char *path = config_get(&fx.cfg, "store", "path");
	CU_ASSERT_EQUAL_FATAL(store_open(&other, path, 1000, err, sizeof err), 0);
	int64_t v = store_data_version(&fx.db);
	CU_ASSERT_TRUE(v >= 0);
	CU_ASSERT_EQUAL(store_data_version(&fx.db), v);
	CU_ASSERT_EQUAL(outbox_publish(&other, "activity", "h", "{}"), 0);
	CU_ASSERT_NOT_EQUAL(store_data_version(&fx.db), v);
	store_close(&other);
	CU_ASSERT_EQUAL(store_exec(&fx.db, "DELETE FROM outbox", 0, NULL), 0);
}

/* The endpoints through osiris' handler function, without a server. */
static void test_endpoints_deny_by_default(void)
{
	struct max_req req = {0};
	struct max_resp r;
	char body[] = "username=alice&password=nottoken";
	req.method = "POST";
	req.path = "/rabbitmq/user";
	req.query = "";
	req.body = body;
	req.body_len = strlen(body);
	strcpy(req.id, "t");
	resp_init(&r);
	CU_ASSERT_EQUAL(rabbitmq_auth_handle(&fx.db, &fx.cfg, req.path, &req, &r), 1);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(r.body.len, 4);
	CU_ASSERT_NSTRING_EQUAL(r.body.data, "deny", 4);
	resp_free(&r);
	resp_init(&r);
	CU_ASSERT_EQUAL(rabbitmq_auth_handle(&fx.db, &fx.cfg, "/rabbitmq/other", &req, &r), 0);
	resp_free(&r);
}

/* ---- the messages consumer ------------------------------------------------------ */

static char chat_cid[32];

static const char *line(const char *user, const char *uuid, const char *text)
{
	static char b[600];
	snprintf(b, sizeof b,
		 "{\"a\":\"a\",\"o\":\"m\",\"s\":\"w\",\"v\":\"4.1.15\",\"i\":\"\",\"g\":\"%s\","
		 "\"p\":\"2015-01-13T10:00:00Z\",\"u\":{\"u\":\"%s\",\"d\":\"D\"},"
		 "\"d\":{\"text\":\"%s\"}}",
		 uuid, user, text);
	return b;
}

static enum chat_outcome consume(const char *exchange, const char *key, const char *body,
				 struct chat_result *r)
{
	struct chat_in in = {exchange, key, body, strlen(body)};
	return chat_consume(&fx.db, &fx.cfg, &in, r);
}

static long long stored(const char *text)
{
	char sql[300];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM messages WHERE conversation_id = '%s'"
		 " AND object_json LIKE '%%%s%%'",
		 chat_cid, text);
	return fx_scalar(sql);
}

static void chat_setup(void)
{
	if (*chat_cid)
		return;
	fx_user("ch.ann", "Ann");
	fx_user("ch.ben", "Ben");
	fx_user("ch.out", "Out");
	struct fx_resp r = fx_req("POST", "/conversations", "ch.ann",
				  "{\"contexts\":[{\"objectType\":\"conversation\","
				  "\"participants\":[\"ch.ann\",\"ch.ben\"]}],"
				  "\"object\":{\"objectType\":\"note\",\"content\":\"hi\"}}",
				  NULL);
	CU_ASSERT_EQUAL_FATAL(r.status, 201);
	json_object *c0 = json_object_array_get_idx(json_object_object_get(r.json, "contexts"), 0);
	snprintf(chat_cid, sizeof chat_cid, "%s", jx_str(c0, "id"));
	fx_free(&r);
}

/* A line is stored as its sender's message, once per uuid, and its ack
 * (the line + the stored id, from the bridge) waits in the outbox. */
static void test_chat_stored_once(void)
{
	chat_setup();
	char key[64];
	snprintf(key, sizeof key, "%s.messages", chat_cid);
	CU_ASSERT_EQUAL(store_exec(&fx.db, "DELETE FROM outbox", 0, NULL), 0);
	struct chat_result r;
	CU_ASSERT_EQUAL(consume("ch.ann.publish", key, line("ch.ann", "g-1", "Hola!"), &r),
			CHAT_STORED);
	CU_ASSERT_EQUAL(strlen(r.id), 24);
	CU_ASSERT_EQUAL(stored("Hola!"), 1);
	struct outbox_row rows[4];
	int n = outbox_fetch(&fx.db, 0, 4, rows);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(rows[0].exchange, "ch.ann.publish");
	char nkey[64];
	snprintf(nkey, sizeof nkey, "%s.notifications", chat_cid);
	CU_ASSERT_STRING_EQUAL(rows[0].routing_key, nkey);
	json_object *ack = json_tokener_parse(rows[0].body), *d = NULL, *u = NULL;
	CU_ASSERT_STRING_EQUAL(jx_str(ack, "a"), "k");
	CU_ASSERT_STRING_EQUAL(jx_str(ack, "o"), "m");
	CU_ASSERT_STRING_EQUAL(jx_str(ack, "s"), "b");
	CU_ASSERT_STRING_EQUAL(jx_str(ack, "g"), "g-1");
	CU_ASSERT_STRING_EQUAL(jx_str(ack, "p"), "2015-01-13T10:00:00Z");
	jx_object(ack, "d", &d);
	jx_object(ack, "u", &u);
	CU_ASSERT_STRING_EQUAL(jx_str(d, "text"), "Hola!");
	CU_ASSERT_STRING_EQUAL(jx_str(d, "id"), r.id);
	CU_ASSERT_STRING_EQUAL(jx_str(u, "u"), "ch.ann");
	json_object_put(ack);
	outbox_row_free(&rows[0]);
	/* redelivered: not stored again, no second ack */
	CU_ASSERT_EQUAL(consume("ch.ann.publish", key, line("ch.ann", "g-1", "Hola!"), &r),
			CHAT_DUPLICATE);
	CU_ASSERT_EQUAL(stored("Hola!"), 1);
	CU_ASSERT_EQUAL(outbox_pending(&fx.db), 1);
	/* the same uuid from another sender is another line */
	CU_ASSERT_EQUAL(consume("ch.ben.publish", key, line("ch.ben", "g-1", "Hola!"), &r),
			CHAT_STORED);
	CU_ASSERT_EQUAL(stored("Hola!"), 2);
	/* remembered uuids expire */
	CU_ASSERT_EQUAL(chat_forget_seen(&fx.db, 3600), 0);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM consumed"), 2);
	CU_ASSERT_EQUAL(store_exec(&fx.db, "UPDATE consumed SET seen = '2000-01-01T00:00:00Z'", 0,
				   NULL),
			0);
	CU_ASSERT_EQUAL(chat_forget_seen(&fx.db, 3600), 0);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM consumed"), 0);
	CU_ASSERT_EQUAL(store_exec(&fx.db, "DELETE FROM outbox", 0, NULL), 0);
}

/* Forged senders, strangers and poison are dropped without a trace. */
static void test_chat_dropped(void)
{
	chat_setup();
	char key[64], other[64];
	snprintf(key, sizeof key, "%s.messages", chat_cid);
	snprintf(other, sizeof other, "%s.notifications", chat_cid);
	CU_ASSERT_EQUAL(store_exec(&fx.db, "DELETE FROM outbox", 0, NULL), 0);
	struct chat_result r;
	const struct {
		const char *exchange, *key, *body;
	} bad[] = {
		{"ch.ann.publish", key, line("ch.ben", "f-1", "forged")}, /* ann as ben */
		{"ch.ben.publishx", key, line("ch.ben", "f-2", "forged")},
		{"ch.out.publish", key, line("ch.out", "f-3", "stranger")}, /* not a participant */
		{"ch.ann.publish", "000000000000000000000000.messages",
		 line("ch.ann", "f-4", "nowhere")},
		{"ch.ann.publish", other, line("ch.ann", "f-5", "wrongkey")},
		{"ch.ann.publish", "x.y.messages", line("ch.ann", "f-6", "wrongkey")},
		{"ch.ann.publish", key, line("ch.ann", "f-7", "")},
		{"ch.ann.publish", key, "{not json"},
		{"ch.ann.publish", key, "[1,2]"},
		{"ch.ann.publish", key,
		 "{\"a\":\"d\",\"o\":\"m\",\"u\":{\"u\":\"ch.ann\"},\"d\":{\"text\":\"x\"}}"},
		{"ch.ann.publish", key,
		 "{\"a\":\"a\",\"o\":\"m\",\"i\":\"elsewhere\",\"u\":{\"u\":\"ch.ann\"},\"d\":{"
		 "\"text\":\"x\"}}"},
		{"ch.ann.publish", key,
		 "{\"a\":\"a\",\"o\":\"m\",\"u\":\"ch.ann\",\"d\":{\"text\":\"x\"}}"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CU_ASSERT_EQUAL(consume(bad[i].exchange, bad[i].key, bad[i].body, &r),
				CHAT_DROPPED);
		CU_ASSERT_NOT_EQUAL(r.why[0], 0);
	}
	CU_ASSERT_EQUAL(stored("forged"), 0);
	CU_ASSERT_EQUAL(stored("stranger"), 0);
	CU_ASSERT_EQUAL(outbox_pending(&fx.db), 0);
	/* a refused line leaves no uuid behind */
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM consumed WHERE uuid LIKE 'f-%'"), 0);
}

/* ---- the syncacl consumer ---------------------------------------------------------- */

static enum syncacl_outcome task(const char *user, const char *context, const char *tasks)
{
	char body[600], why[256];
	snprintf(body, sizeof body,
		 "{\"a\":\"m\",\"o\":\"x\",\"s\":\"h\",\"v\":\"2.2\",\"u\":{\"u\":\"%s\"},"
		 "\"d\":{\"context\":\"%s\",\"tasks\":%s}}",
		 user, context, tasks);
	return syncacl_apply(&fx.db, &fx.cfg, body, strlen(body), why, sizeof why);
}

static void test_syncacl(void)
{
	struct fx_resp r =
		fx_req("POST", "/contexts", "fxadmin",
		       "{\"url\":\"http://sync.test/comunitat\",\"displayName\":\"C\"}", NULL);
	CU_ASSERT_EQUAL_FATAL(r.status, 201);
	char hash[48];
	snprintf(hash, sizeof hash, "%s", jx_str(r.json, "hash"));
	fx_free(&r);
	/* a user MAX does not know yet is created, then subscribed */
	CU_ASSERT_EQUAL(task("Sy.New", "http://sync.test/comunitat",
			     "{\"subscribe\":true,\"grant\":[\"flag\"],\"revoke\":[\"write\"]}"),
			SYNCACL_DONE);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM people WHERE username = 'sy.new'"), 1);
	CU_ASSERT_EQUAL(sub_listed(&fx.db, SUB_SUBSCRIBERS, "sy.new", hash), 1);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM activities WHERE verb = 'subscribe'"
				  " AND actor = 'sy.new'"),
			1);
	CU_ASSERT_EQUAL(sub_has(&fx.db, "sy.new", hash, PERM_FLAG), 1);
	CU_ASSERT_EQUAL(sub_has(&fx.db, "sy.new", hash, PERM_WRITE), 0);
	/* by hash; subscribing again changes nothing; grant back */
	CU_ASSERT_EQUAL(task("sy.new", hash, "{\"subscribe\":true,\"grant\":[\"write\"]}"),
			SYNCACL_DONE);
	CU_ASSERT_EQUAL(fx_scalar("SELECT count(*) FROM activities WHERE verb = 'subscribe'"
				  " AND actor = 'sy.new'"),
			1);
	CU_ASSERT_EQUAL(sub_has(&fx.db, "sy.new", hash, PERM_WRITE), 1);
	CU_ASSERT_EQUAL(task("sy.new", hash, "{\"unsubscribe\":true}"), SYNCACL_DONE);
	CU_ASSERT_EQUAL(sub_listed(&fx.db, SUB_SUBSCRIBERS, "sy.new", hash), 0);
	/* what is dropped */
	CU_ASSERT_EQUAL(task("sy.new", "http://sync.test/none", "{\"subscribe\":true}"),
			SYNCACL_DROPPED);
	CU_ASSERT_EQUAL(task("", hash, "{\"subscribe\":true}"), SYNCACL_DROPPED);
	char why[128];
	CU_ASSERT_EQUAL(syncacl_apply(&fx.db, &fx.cfg, "nope", 4, why, sizeof why),
			SYNCACL_DROPPED);
	const char *no_tasks =
		"{\"a\":\"m\",\"o\":\"x\",\"u\":{\"u\":\"x\"},\"d\":{\"context\":\"c\"}}";
	CU_ASSERT_EQUAL(syncacl_apply(&fx.db, &fx.cfg, no_tasks, strlen(no_tasks), why, sizeof why),
			SYNCACL_DROPPED);
}

/* A writer knows whether its transaction gave the bridge work: appended
 * rows are counted per thread, and taking the count starts it again. */
static void test_outbox_appended(void)
{
	struct store *db = &fx.db;
	outbox_appended_take();
	struct fx_resp r = fx_req("GET", "/people", "fxadmin", NULL, NULL);
	fx_free(&r);
	CU_ASSERT_EQUAL(outbox_appended_take(), 0); /* a read appends nothing */
	CU_ASSERT_EQUAL(store_begin(db), 0);
	CU_ASSERT_EQUAL(outbox_publish(db, "conversations", "c9.notifications", "{}"), 0);
	CU_ASSERT_EQUAL(outbox_bind(db, "ann.publish", "conversations", "c9.*"), 0);
	CU_ASSERT_EQUAL(store_commit(db), 0);
	CU_ASSERT_EQUAL(outbox_appended_take(), 2);
	CU_ASSERT_EQUAL(outbox_appended_take(), 0);
	CU_ASSERT_EQUAL(store_exec(db, "DELETE FROM outbox", 0, NULL), 0);
}

/* The nudge socket beside the database: bound by one receiver, with the
 * database's permissions; each send arrives once; a stale file is taken
 * over, a live one is not; nobody listening is no error. */
static void test_wake(void)
{
	const char *dbp = config_get(&fx.cfg, "store", "path");
	char path[256];
	CU_ASSERT_EQUAL_FATAL(wake_path(dbp, path, sizeof path), 0);
	CU_ASSERT_STRING_EQUAL(path, fx_fmt("%s-wake", dbp));
	unlink(path);
	wake_send(dbp); /* nobody listens yet */
	int fd = wake_listen(dbp);
	CU_ASSERT_FATAL(fd >= 0);
	struct stat sock, dbst;
	CU_ASSERT_EQUAL(stat(path, &sock), 0);
	CU_ASSERT_EQUAL(stat(dbp, &dbst), 0);
	CU_ASSERT_TRUE(S_ISSOCK(sock.st_mode));
	CU_ASSERT_EQUAL(sock.st_mode & 0777, dbst.st_mode & 0666);
	CU_ASSERT_EQUAL(wake_drain(fd), 0);
	errno = 0;
	wake_send(dbp);
	wake_send(dbp);
	CU_ASSERT_EQUAL(errno, 0);
	CU_ASSERT_EQUAL(wake_drain(fd), 2);
	CU_ASSERT_EQUAL(wake_drain(fd), 0);
	CU_ASSERT_EQUAL(wake_listen(dbp), -1); /* a live receiver keeps its socket */
	wake_send(dbp);
	CU_ASSERT_EQUAL(wake_drain(fd), 1);
	close(fd);
	fd = wake_listen(dbp); /* the file left behind is taken over */
	CU_ASSERT(fd >= 0);
	wake_send(dbp);
	CU_ASSERT_EQUAL(wake_drain(fd), 1);
	close(fd);
	unlink(path);
	/* a path longer than a socket address holds: no socket */
	char longp[200];
	memset(longp, 'x', sizeof longp - 1);
	longp[sizeof longp - 1] = 0;
	CU_ASSERT_EQUAL(wake_path(longp, path, 108), -1);
	CU_ASSERT_EQUAL(wake_listen(longp), -1);
	wake_send(longp);
}

UNIT_SUITE(realtime, fx_init, fx_cleanup)
{
	UNIT_TEST(s, test_login_user);
	UNIT_TEST(s, test_resources);
	UNIT_TEST(s, test_url_parts);
	UNIT_TEST(s, test_outbox_drain);
	UNIT_TEST(s, test_outbox_each);
	UNIT_TEST(s, test_outbox_bound);
	UNIT_TEST(s, test_outbox_appended);
	UNIT_TEST(s, test_wake);
	UNIT_TEST(s, test_data_version);
	UNIT_TEST(s, test_endpoints_deny_by_default);
	UNIT_TEST(s, test_chat_stored_once);
	UNIT_TEST(s, test_chat_dropped);
	UNIT_TEST(s, test_syncacl);
}
