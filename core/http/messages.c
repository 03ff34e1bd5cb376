/*
 * messages.c — the message endpoints: posting into a conversation, a
 * conversation's pages, the system-wide listing and active conversations,
 * the attachments, and the /messages/{id} lookup.
 *
 * Handlers parse, authorise and render; storing a message (what the
 * bridge also does for chat lines sent over STOMP) is msg_post() in
 * model/messages.c. A HEAD is answered as the GET would be, without body.
 */
#include "http/auth.h"
#include "http/conversations.h"
#include "http/filters.h"
#include "http/handlers.h"
#include "http/http.h"
#include "http/media.h"
#include "http/multipart.h"
#include "http/traverse.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "util/text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- traversal ------------------------------------------------------------ */

enum max_err traverse_message(struct max_ctx *c, const char *id)
{
	if (!id_valid(id))
		return traverse_bad_id(c, id);
	int rc = msg_exists(c->db, id);
	if (rc == 1)
		return MAX_OK;
	return rc == 0 ? traverse_not_found(c, "_id", id, "messages")
		       : max_fail(c, MAX_ESERVER, "message lookup failed");
}

/* ---- posting ------------------------------------------------------------- */

enum max_err message_save(struct max_ctx *c, const char *cid, json_object *object, int mobile,
			  char id[MAX_ID_LEN + 1])
{
	struct msg_post p = {.cid = cid,
			     .sender = c->actor,
			     .creator = c->auth_user,
			     .generator = jx_str(c->body, "generator"),
			     .object = object,
			     .mobile = mobile};
	if (strcmp(jx_str(object, "objectType"), "note")) {
		/* the upload is stored under the message's id */
		id_new(id);
		enum max_err e = media_store(c, "messages", id, c->upload, object);
		if (e) {
			json_object_put(object);
			return e;
		}
		p.id = id;
	}
	return msg_post(c->db, c->cfg, &p, id);
}

/* Python truthiness of a JSON value (object.mobile). */
static int truthy(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return json_object_get_boolean(v);
	case json_type_int:
		return json_object_get_int64(v) != 0;
	case json_type_double:
		return json_object_get_double(v) != 0;
	case json_type_string:
		return json_object_get_string_len(v) > 0;
	case json_type_array:
		return json_object_array_length(v) > 0;
	case json_type_object:
		return json_object_object_length(v) > 0;
	default:
		return 0;
	}
}

/* A Manager, or the acting user himself as a member with write of a
 * conversation that is not archived. */
static enum max_err may_post(struct max_ctx *c, const char *cid)
{
	struct conv cv;
	enum max_err e = conv_load(c->db, cid, &cv);
	if (e || auth_is_manager(c))
		return e;
	if (!auth_is_self(c))
		return perm_deny(c);
	e = msg_may_send(c->db, cid, c->auth_user);
	return e == MAX_EFORBIDDEN ? perm_deny(c) : e;
}

static enum max_err post_message(struct max_ctx *c, struct max_resp *r, const char *cid)
{
	enum max_err e = may_post(c, cid);
	if (e)
		return e;
	json_object *object = NULL, *in = NULL;
	int upload = c->upload && c->upload->present;
	if ((e = msg_object(c->db, c->body, c->actor, upload, &object)))
		return e;
	jx_object(c->body, "object", &in);
	char mid[MAX_ID_LEN + 1];
	if ((e = message_save(c, cid, object, truthy(json_object_object_get(in, "mobile")), mid)))
		return e;
	json_object *o = msg_json(c->db, mid, 0);
	return o ? resp_json(r, 201, o) : max_fail(c, MAX_ESERVER, "message vanished");
}

/* POST /conversations/{id}/messages */
enum max_err conversation_message_add(struct max_ctx *c, struct max_resp *r)
{
	return post_message(c, r, c->params[0]);
}

/* POST /people/{username}/conversations/{id}/messages: actor = username */
enum max_err user_conversation_message_add(struct max_ctx *c, struct max_resp *r)
{
	if (!id_valid(c->params[1]))
		return traverse_bad_id(c, c->params[1]);
	return post_message(c, r, c->params[1]);
}

/* ---- listings ------------------------------------------------------------- */

/* GET /conversations/{id}/messages: the newest `limit`, oldest first;
 * a Manager or a member with read. */
enum max_err conversation_messages_list(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	const char *cid = c->params[0];
	if (conv_load(c->db, cid, &cv))
		return traverse_not_found(c, "_id", cid, "conversations");
	if (!auth_is_manager(c) && msg_may_read(c->db, cid, c->auth_user) != 1)
		return perm_deny(c);
	long limit;
	const char *before, *after;
	enum max_err e;
	if ((e = http_limit(c, 10, &limit)) || (e = filter_offsets(c, &before, &after)))
		return e;
	struct page pg = page_of(limit);
	json_object *out = NULL;
	if ((e = msg_list(c->db, cid, before, after, &pg, &out)))
		return e;
	resp_page(r, &pg);
	return resp_json(r, 200, out);
}

static json_object *lowered_values(struct max_ctx *c, const char *name)
{
	const char *v[32];
	size_t n = qs_all(c, name, v, 32);
	if (!n)
		return NULL;
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		char *l = text_lower(xstrdup(v[i]));
		json_object_array_add(a, json_object_new_string(l));
		free(l);
	}
	return a;
}

static void stored_bound(const char *iso, char out[28])
{
	/* "YYYY-MM-DDTHH:MM:SSZ" → "YYYY-MM-DDTHH:MM:SS.000000Z" */
	if (*iso)
		snprintf(out, 28, "%.19s.000000Z", iso);
	else
		*out = 0;
}

/* The generic filters of the system-wide message queries. */
static enum max_err msg_filter_parse(struct max_ctx *c, struct msg_filter *f)
{
	memset(f, 0, sizeof *f);
	enum max_err e;
	if ((e = http_limit(c, 10, &f->limit)) || (e = filter_offsets(c, &f->before, &f->after)))
		return e;
	char from[21], to[21];
	filter_date_range(qs_get(c, "date_filter"), from, to);
	stored_bound(from, f->from);
	stored_bound(to, f->to);
	const char *a = qs_get(c, "actor");
	if (a) {
		snprintf(f->actor, sizeof f->actor, "%s", a);
		str_lower(f->actor);
		for (size_t n = strlen(f->actor); n && isspace((unsigned char)f->actor[n - 1]);)
			f->actor[--n] = 0;
	}
	f->keywords = lowered_values(c, "keyword");
	f->hashtags = lowered_values(c, "hashtag");
	return MAX_OK;
}

static void msg_filter_free(struct msg_filter *f)
{
	json_object_put(f->keywords);
	json_object_put(f->hashtags);
}

static void total_items(struct max_resp *r, long long n)
{
	char v[24];
	snprintf(v, sizeof v, "%lld", n);
	resp_header(r, "X-totalItems", v);
}

/* GET /messages: every message, newest first, full; HEAD counts.
 * Managers only (route table, for HEAD too). */
enum max_err messages_list(struct max_ctx *c, struct max_resp *r)
{
	struct msg_filter f;
	enum max_err e = msg_filter_parse(c, &f);
	json_object *out = NULL;
	long long n = 0;
	if (!e && c->is_head && !(e = msg_count(c->db, &f, &n))) {
		total_items(r, n);
		out = json_object_new_array();
	} else if (!e && !c->is_head) {
		e = msg_search(c->db, &f, &out);
	}
	msg_filter_free(&f);
	return e ? e : resp_json(r, 200, out);
}

/* GET /conversations/active: the distinct conversations of the newest
 * `limit` messages; HEAD counts them. Managers only. */
enum max_err conversations_active(struct max_ctx *c, struct max_resp *r)
{
	struct msg_filter f;
	enum max_err e = msg_filter_parse(c, &f);
	json_object *out = NULL;
	if (!e)
		e = msg_active(c->db, &f, &out);
	msg_filter_free(&f);
	if (e)
		return e;
	if (c->is_head)
		total_items(r, (long long)json_object_array_length(out));
	return resp_json(r, 200, out);
}

/* ---- attachments ----------------------------------------------------- */

/* A message's attachment is seen by a Manager, its sender, or a member of
 * the conversation with read. */
static enum max_err may_see(struct max_ctx *c)
{
	struct msg_attachment a;
	enum max_err e = msg_attachment_load(c->db, c->params[0], &a);
	if (e)
		return e;
	if (!auth_is_manager(c) && strcmp(a.sender, c->auth_user) &&
	    msg_may_read(c->db, a.cid, c->auth_user) != 1)
		e = perm_deny(c);
	json_object_put(a.object);
	return e;
}

/* GET /messages/{id}/image and …/image/{size} */
enum max_err message_image(struct max_ctx *c, struct max_resp *r)
{
	enum max_err e = may_see(c);
	return e ? e : media_get_image(c, r, "messages", c->params[0], c->params[1]);
}

/* GET /messages/{id}/file/download */
enum max_err message_file(struct max_ctx *c, struct max_resp *r)
{
	enum max_err e = may_see(c);
	return e ? e : media_get_file(c, r, "messages", c->params[0]);
}
