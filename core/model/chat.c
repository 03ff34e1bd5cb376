/*
 * chat.c — see chat.h. The checks that need no database come first, so a
 * poison line costs no transaction; the rest runs under BEGIN IMMEDIATE,
 * which makes "seen before?" and "store it" one atomic step.
 */
#include "model/chat.h"
#include "model/messages.h"
#include "model/outbox.h"
#include "util/carrot.h"
#include "util/ids.h"
#include "util/jsonx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The parts of a line that passed the checks without the database. */
struct line {
	json_object *msg; /* unpacked */
	const char *text, *uuid;
};

static enum chat_outcome drop(struct chat_result *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum chat_outcome drop(struct chat_result *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof out->why, fmt, ap);
	va_end(ap);
	return CHAT_DROPPED;
}

/* "<cid>.messages" with cid a run of word characters. */
static int cid_of_key(const char *key, char cid[MAX_ID_LEN + 1])
{
	size_t n = 0;
	while (key[n] && (key[n] == '_' || (key[n] >= '0' && key[n] <= '9') ||
			  ((key[n] | 32) >= 'a' && (key[n] | 32) <= 'z')))
		n++;
	if (n == 0 || n > MAX_ID_LEN || strcmp(key + n, ".messages"))
		return -1;
	memcpy(cid, key, n);
	cid[n] = 0;
	return 0;
}

static int domain_ok(json_object *msg, const struct max_config *cfg)
{
	json_object *d = json_object_object_get(msg, "domain");
	if (!d || json_object_is_type(d, json_type_null))
		return 1;
	const char *s = json_object_get_string(d);
	return !*s || !strcmp(s, config_get(cfg, "max", "server_id"));
}

/* add/message with a text, a conversation in the key, a sender who owns
 * the exchange the line was published to. */
static enum chat_outcome check(const struct max_config *cfg, const struct chat_in *in,
			       struct line *l, struct chat_result *out)
{
	const char *err = NULL;
	l->msg = carrot_unpack(in->body, in->len, &err);
	if (!l->msg)
		return drop(out, "%s", err);
	json_object *d = NULL, *u = NULL;
	const char *user = NULL;
	if (strcmp(jx_str(l->msg, "action") ? jx_str(l->msg, "action") : "", "add") ||
	    strcmp(jx_str(l->msg, "object") ? jx_str(l->msg, "object") : "", "message"))
		return drop(out, "not an add/message");
	if (!jx_object(l->msg, "data", &d) || !jx_string(d, "text", &l->text) || !*l->text)
		return drop(out, "no text");
	if (cid_of_key(in->routing_key, out->cid) < 0)
		return drop(out, "routing key \"%.100s\" names no conversation", in->routing_key);
	if (!jx_object(l->msg, "user", &u) || !jx_string(u, "username", &user) || !*user ||
	    strlen(user) > MAX_USERNAME_MAX)
		return drop(out, "no sender");
	snprintf(out->sender, sizeof out->sender, "%s", user);
	size_t n = strlen(user);
	if (strncmp(in->exchange, user, n) || strcmp(in->exchange + n, ".publish"))
		return drop(out, "%s posing as %s", in->exchange, user);
	if (!domain_ok(l->msg, cfg))
		return drop(out, "domain of another instance");
	if (!jx_string(l->msg, "uuid", &l->uuid) || !*l->uuid || strlen(l->uuid) > 64)
		l->uuid = NULL; /* cannot be tracked: stored each time it comes */
	return CHAT_STORED;
}

/* 1 first time, 0 seen before, -1 error. */
static int first_time(struct store *st, const char *sender, const char *uuid)
{
	char now[21];
	time_now_iso(now);
	store_q *q = store_sql(st, "INSERT INTO consumed (sender, uuid, seen) VALUES (?1, ?2, ?3)"
				   " ON CONFLICT DO NOTHING");
	if (!q)
		return -1;
	store_bind_text(q, 1, sender);
	store_bind_text(q, 2, uuid);
	store_bind_text(q, 3, now);
	if (store_run(q) < 0)
		return -1;
	return store_changes(st) == 1;
}

/* The ack: the line as received, turned into ack/message from the bridge
 * with the stored id added to its data. */
static enum max_err ack(struct store *st, const struct line *l, const struct chat_result *r)
{
	json_object *a = NULL, *d = NULL;
	json_object_deep_copy(l->msg, &a, NULL);
	jx_set_str(a, "action", "ack");
	jx_set_str(a, "source", "maxbunny");
	jx_set_str(a, "version", MAX_VERSION);
	jx_object(a, "data", &d);
	jx_set_str(d, "id", r->id);
	json_object *packed = carrot_pack(a);
	char exchange[MAX_USERNAME_MAX + 16], key[MAX_ID_LEN + 16];
	snprintf(exchange, sizeof exchange, "%s.publish", r->sender);
	snprintf(key, sizeof key, "%s.notifications", r->cid);
	int rc = outbox_publish(st, exchange, key, jx_text(packed));
	json_object_put(packed);
	json_object_put(a);
	return rc < 0 ? model_fail(st, MAX_ESERVER, "outbox insert failed") : MAX_OK;
}

/* Inside the transaction: MAX_OK stored, MAX_EDUPLICATE seen before,
 * another code when refused or failed (why in the store). */
static enum max_err store_line(struct store *st, const struct max_config *cfg, const struct line *l,
			       struct chat_result *r)
{
	int first = l->uuid ? first_time(st, r->sender, l->uuid) : 1;
	if (first < 0)
		return model_fail(st, MAX_ESERVER, "cannot remember the uuid");
	if (!first)
		return MAX_EDUPLICATE;
	enum max_err e = msg_may_send(st, r->cid, r->sender);
	if (e)
		return e;
	json_object *body = json_object_new_object(), *o = json_object_new_object(), *object = NULL;
	jx_set_str(o, "objectType", "note");
	jx_set_str(o, "content", l->text);
	jx_set(body, "object", o);
	e = msg_object(st, body, r->sender, 0, &object);
	json_object_put(body);
	if (!e)
		e = msg_store(st, cfg, r->cid, r->sender, object, NULL, r->id);
	return e ? e : ack(st, l, r);
}

enum chat_outcome chat_consume(struct store *st, const struct max_config *cfg,
			       const struct chat_in *in, struct chat_result *out)
{
	memset(out, 0, sizeof *out);
	struct line l = {0};
	enum chat_outcome rc = check(cfg, in, &l, out);
	if (rc != CHAT_STORED) {
		json_object_put(l.msg);
		return rc;
	}
	if (store_begin(st) < 0) {
		json_object_put(l.msg);
		snprintf(out->why, sizeof out->why, "cannot begin a transaction");
		return CHAT_RETRY;
	}
	enum max_err e = store_line(st, cfg, &l, out);
	json_object_put(l.msg);
	if (e == MAX_OK && store_commit(st) == 0)
		return CHAT_STORED;
	if (e == MAX_OK) { /* commit failed: busy or I/O */
		snprintf(out->why, sizeof out->why, "commit failed");
		return CHAT_RETRY;
	}
	snprintf(out->why, sizeof out->why, "%s", *model_why(st) ? model_why(st) : "refused");
	store_rollback(st);
	out->id[0] = 0;
	return e == MAX_EDUPLICATE ? CHAT_DUPLICATE : CHAT_DROPPED;
}

int chat_forget_seen(struct store *st, long max_age_s)
{
	char cutoff[32];
	time_t t = time(NULL) - max_age_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(cutoff, sizeof cutoff, "%Y-%m-%dT%H:%M:%SZ", &tm);
	store_q *q = store_sql(st, "DELETE FROM consumed WHERE seen < ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, cutoff);
	return store_run(q);
}
