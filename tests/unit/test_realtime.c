/*
 * test_realtime.c — the broker-side policy (who may log in to RabbitMQ and
 * use which exchange) and the outbox as max-bridge reads it: rows in id
 * order, deleted up to the confirmed id, nothing lost in between.
 */
#include "unit.h"
#include "fixture.h"
#include "http/rabbitmq_auth.h"
#include "model/outbox.h"
#include "model/outbox_drain.h"

#include <string.h>

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
	CU_ASSERT_EQUAL(rabbitmq_url_parts("http://h/", user, sizeof user, vhost, sizeof vhost), -1);
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
	CU_ASSERT_EQUAL(outbox_publish(db, "conversations", "c1.notifications", "{\"a\":\"a\"}"), 0);
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

UNIT_SUITE(realtime, fx_init, fx_cleanup)
{
	UNIT_TEST(s, test_login_user);
	UNIT_TEST(s, test_resources);
	UNIT_TEST(s, test_url_parts);
	UNIT_TEST(s, test_outbox_drain);
	UNIT_TEST(s, test_data_version);
	UNIT_TEST(s, test_endpoints_deny_by_default);
}
