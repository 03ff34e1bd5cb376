/*
 * messages.c — conversation messages (API.md §4.9, §5.8 #60 #68–#71,
 * §8.3, §8.5) and the /messages/{id} lookup.
 *
 * Messages live in their own table, indexed by (conversation_id, id), so a
 * page of a conversation and its newest message are index lookups. A note's
 * content is sanitised as the original's bleach call did (§3), and its
 * keywords and hashtags are computed here; a message notifies only when the
 * client says it comes from a phone (object.mobile, MESSAGING.md §3).
 */
#include "http/activity_store.h"
#include "http/auth.h"
#include "http/notify_http.h"
#include "http/conversations.h"
#include "http/filters.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "http/media.h"
#include "http/multipart.h"
#include "http/people.h"
#include "http/perm.h"
#include "store/store.h"
#include "util/text.h"
#include "http/traverse.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_MAX (64 * 1024) /* bytes of a message's content */

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* ---- validation and storage -------------------------------------------- */

enum max_err message_object(struct max_ctx *c, json_object *body, const char *sender,
			    json_object **out)
{
	*out = NULL;
	json_object *in = NULL;
	int rc = jx_object(body, "object", &in);
	if (rc == 0)
		return max_fail(c, MAX_EMISSING, "Required parameter \"object\" not found in the request");
	if (rc < 0)
		return max_fail(c, MAX_EVALIDATION, "Validation error on field \"object\": must be an object");
	const char *type = NULL;
	rc = jx_string(in, "objectType", &type);
	if (rc == 0)
		return max_fail(c, MAX_EMISSING,
				"Required parameter \"objectType\" not found in the request");
	if (rc < 0 || (strcmp(type, "note") && strcmp(type, "image") && strcmp(type, "file")))
		return max_fail(c, MAX_ENOTSUPPORTED,
				"Activitystrea.ms object type %s unknown or unsupported",
				rc < 0 ? jx_text(json_object_object_get(in, "objectType")) : type);
	const char *content = NULL;
	rc = jx_string(in, "content", &content);
	if (rc < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"content\": must be a string");
	int note = !strcmp(type, "note");
	if (note && rc == 0)
		return max_fail(c, MAX_EMISSING, "Required parameter \"content\" not found in the request");
	if (note && !*content)
		return max_fail(c, MAX_EMISSING, "Required parameter \"content\" found but empty");
	if (content && strlen(content) > CONTENT_MAX)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"content\": longer than %d bytes",
				CONTENT_MAX);
	/* §9.2: image and file messages carry an upload (stored by
	 * message_store once the message has its id) */
	const char *filename = NULL;
	if (!note && (!c->upload || !c->upload->present))
		return max_fail(c, MAX_EMISSING, "Required parameter \"file\" not found in the request");
	if (!note && jx_string(in, "filename", &filename) < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"filename\": must be a string");
	json_object *o = json_object_new_object();
	jx_set_str(o, "objectType", type);
	if (filename)
		jx_set_str(o, "filename", filename);
	char *clean = content ? text_sanitize(content) : NULL;
	if (clean || note)
		jx_set_str(o, "content", clean ? clean : "");
	if (strcmp(type, "file")) { /* the original's File object has neither */
		json_object *tags = text_hashtags(clean ? clean : "");
		if (json_object_array_length(tags))
			jx_set(o, "hashtags", tags);
		else
			json_object_put(tags);
		json_object *kw = text_keywords(clean ? clean : "");
		json_object_array_add(kw, json_object_new_string(sender));
		jx_set(o, "keywords", kw);
	}
	free(clean);
	*out = o;
	return MAX_OK;
}

enum max_err message_store(struct max_ctx *c, const char *cid, const char *sender,
			   json_object *object, const char *generator, char id[MAX_ID_LEN + 1])
{
	char published[28], dn[300];
	id_new(id);
	text_now_us(published);
	if (strcmp(jx_str(object, "objectType"), "note")) {
		enum max_err e = media_store(c, "messages", id, c->upload, object);
		if (e) {
			json_object_put(object);
			return e;
		}
	}
	if (!people_display_name(c->db, sender, dn, sizeof dn) || !*dn)
		snprintf(dn, sizeof dn, "%s", sender);
	sqlite3_stmt *s = store_stmt(
		c->db, "INSERT INTO messages (id, conversation_id, actor, actor_display, object_type,"
		       " object_json, creator, owner, published, generator)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?3, ?8, ?9)");
	if (!s) {
		json_object_put(object);
		return max_fail(c, MAX_ESERVER, "message insert: %s", sqlite3_errmsg(c->db->db));
	}
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, cid);
	store_bind_text(s, 3, sender);
	store_bind_text(s, 4, dn);
	store_bind_text(s, 5, jx_str(object, "objectType"));
	store_bind_text(s, 6, jx_text(object));
	store_bind_text(s, 7, c->auth_user[0] ? c->auth_user : sender);
	store_bind_text(s, 8, published);
	store_bind_text(s, 9, generator);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	json_object_put(object);
	if (rc != SQLITE_DONE)
		return max_fail(c, MAX_ESERVER, "message insert: %s", sqlite3_errmsg(c->db->db));
	return conv_touch_last(c, cid, id, published);
}

/* ---- rendering ----------------------------------------------------------- */

#define MSG_COLS                                                                         \
	"SELECT m.id, m.conversation_id, m.actor, m.actor_display, m.object_json, m.creator," \
	" m.owner, m.published, m.generator, c.display_name"                                \
	" FROM messages m JOIN conversations c ON c.id = m.conversation_id"

static json_object *render_row(sqlite3_stmt *s, int lean)
{
	json_object *o = json_object_new_object(), *a = json_object_new_object();
	char date[21];
	jx_set_str(o, "id", col(s, 0));
	jx_set_str(o, "objectType", "message");
	jx_set_str(o, "verb", "post");
	jx_set_str(a, "objectType", "person");
	jx_set_str(a, "username", col(s, 2));
	jx_set_str(a, "displayName", col(s, 3));
	jx_set(o, "actor", a);
	json_object *obj = json_tokener_parse(col(s, 4));
	if (!obj)
		obj = json_object_new_object();
	if (lean) {
		json_object_object_del(obj, "keywords");
		json_object_object_del(obj, "hashtags");
	}
	jx_set(o, "object", obj);
	json_object *ctx = json_object_new_object(), *ctxs = json_object_new_array();
	jx_set_str(ctx, "objectType", "conversation");
	jx_set_str(ctx, "id", col(s, 1));
	jx_set_str(ctx, "displayName", col(s, 9));
	json_object_array_add(ctxs, ctx);
	jx_set(o, "contexts", ctxs);
	conv_date_out(col(s, 7), date);
	jx_set_str(o, "published", date);
	if (!lean) {
		jx_set_str(o, "creator", col(s, 5));
		jx_set_str(o, "owner", col(s, 6));
		jx_set(o, "keywords", json_object_new_array());
	}
	jx_set(o, "replies", json_object_new_array());
	jx_set_str(o, "generator", col(s, 8));
	return o;
}

json_object *message_render(struct max_ctx *c, const char *mid, int lean)
{
	sqlite3_stmt *s = store_stmt(c->db, MSG_COLS " WHERE m.id = ?1");
	if (!s)
		return NULL;
	store_bind_text(s, 1, mid);
	json_object *o = sqlite3_step(s) == SQLITE_ROW ? render_row(s, lean) : NULL;
	sqlite3_reset(s);
	return o;
}

json_object *message_last(struct max_ctx *c, const char *mid, int talking_in)
{
	/* the object's fields straight from SQLite: no JSON tree per message */
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT coalesce(json_extract(object_json, '$.objectType'), 'note'),"
		       " coalesce(json_extract(object_json, '$.content'), ''),"
		       " coalesce(json_extract(object_json, '$.fullURL'), ''),"
		       " coalesce(json_extract(object_json, '$.thumbURL'), ''),"
		       " actor, actor_display, published FROM messages WHERE id = ?1");
	if (!s)
		return NULL;
	store_bind_text(s, 1, mid);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return NULL;
	}
	json_object *o = json_object_new_object();
	const char *type = col(s, 0);
	jx_set_str(o, "objectType", type);
	jx_set_str(o, "content", col(s, 1));
	if (talking_in) {
		char d[27];
		conv_date_quirk(col(s, 6), d);
		jx_set_str(o, "published", d);
	} else {
		char d[21];
		conv_date_out(col(s, 6), d);
		jx_set_str(o, "published", d);
		const char *dn = col(s, 5);
		jx_set_str(o, "actor", dn && *dn ? dn : col(s, 4));
	}
	if (!strcmp(type, "image") || !strcmp(type, "file"))
		jx_set_str(o, "fullURL", col(s, 2));
	if (!strcmp(type, "image"))
		jx_set_str(o, "thumbURL", col(s, 3));
	sqlite3_reset(s);
	return o;
}

/* ---- traversal ------------------------------------------------------------ */

enum max_err traverse_message(struct max_ctx *c, const char *id)
{
	if (!id_valid(id))
		return traverse_bad_id(c, id);
	sqlite3_stmt *s = store_stmt(c->db, "SELECT 1 FROM messages WHERE id = ?1");
	if (!s)
		return max_fail(c, MAX_ESERVER, "message lookup failed");
	store_bind_text(s, 1, id);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return MAX_OK;
	return rc == SQLITE_DONE ? traverse_not_found(c, "_id", id, "messages")
				 : max_fail(c, MAX_ESERVER, "message lookup failed");
}

/* ---- #69 #70 posting -------------------------------------------------------- */

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

static enum max_err post_message(struct max_ctx *c, struct max_resp *r, const char *cid)
{
	struct conv cv;
	int found = conv_load(c, cid, &cv);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "conversation lookup failed");
	if (!found)
		return traverse_not_found(c, "_id", cid, "conversations");
	if (!auth_is_manager(c)) {
		/* §8.2: Self with write, and not archived */
		long m = conv_member_mask(c, cid, c->auth_user);
		if (!auth_is_self(c) || m < 0 || !(m & PERM_BIT(PERM_WRITE)) || cv.archive)
			return perm_deny(c);
	}
	enum max_err e;
	if (cv.single) { /* §8.3: the leaver comes back */
		if ((e = conv_rejoin_single(c, &cv)) || (e = conv_notify_added(c, &cv)))
			return e;
	}
	json_object *object = NULL, *in = NULL;
	if ((e = message_object(c, c->body, c->actor, &object)))
		return e;
	jx_object(c->body, "object", &in);
	int mobile = truthy(json_object_object_get(in, "mobile"));
	char mid[MAX_ID_LEN + 1];
	if ((e = message_store(c, cid, c->actor, object, jx_str(c->body, "generator"), mid)))
		return e;
	if (mobile) { /* MESSAGING.md §3: re-bind, then add/message */
		if ((e = conv_bind_all(c, cid)))
			return e;
		json_object *msg = message_last(c, mid, 0), *data = json_object_new_object();
		const char *type = jx_str(msg, "objectType");
		jx_set_str(data, "text", !strcmp(type, "image")  ? "Add image"
					 : !strcmp(type, "file") ? "Add file"
								 : jx_str(msg, "content"));
		jx_set_str(data, "message_id", mid);
		json_object_put(msg);
		char key[MAX_ID_LEN + 16];
		snprintf(key, sizeof key, "%s.notifications", cid);
		if ((e = carrot_publish(c, "conversations", key, "add", "message", NULL, NULL, data)))
			return e;
	}
	json_object *o = message_render(c, mid, 0);
	return o ? resp_json(r, 201, o) : max_fail(c, MAX_ESERVER, "message vanished");
}

/* #69 POST /conversations/{id}/messages */
enum max_err conversation_message_add(struct max_ctx *c, struct max_resp *r)
{
	return post_message(c, r, c->params[0]);
}

/* #70 POST /people/{username}/conversations/{id}/messages: actor = username */
enum max_err user_conversation_message_add(struct max_ctx *c, struct max_resp *r)
{
	if (!id_valid(c->params[1]))
		return traverse_bad_id(c, c->params[1]);
	return post_message(c, r, c->params[1]);
}

/* ---- listings ------------------------------------------------------------- */

/* #68 GET /conversations/{id}/messages: the newest `limit`, oldest first */
enum max_err conversation_messages_list(struct max_ctx *c, struct max_resp *r)
{
	struct conv cv;
	const char *cid = c->params[0];
	if (conv_load(c, cid, &cv) != 1)
		return traverse_not_found(c, "_id", cid, "conversations");
	if (!auth_is_manager(c) && !conv_head_passes(c)) {
		long m = conv_member_mask(c, cid, c->auth_user);
		if (m < 0 || !(m & PERM_BIT(PERM_READ)))
			return perm_deny(c);
	}
	long limit;
	const char *before, *after;
	enum max_err e;
	if ((e = http_limit(c, 10, &limit)) || (e = filter_offsets(c, &before, &after)))
		return e;
	sqlite3_stmt *s = store_stmt(c->db, MSG_COLS " WHERE m.conversation_id = ?1"
						     " AND (?2 IS NULL OR m.id < ?2)"
						     " AND (?3 IS NULL OR m.id > ?3)"
						     " ORDER BY m.id DESC LIMIT ?4");
	if (!s)
		return max_fail(c, MAX_ESERVER, "messages query failed");
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, before);
	store_bind_text(s, 3, after);
	sqlite3_bind_int64(s, 4, limit + 1);
	json_object *newest = json_object_new_array();
	long n = 0;
	int more = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n++ == limit) {
			more = 1;
			break;
		}
		json_object_array_add(newest, render_row(s, 1));
	}
	sqlite3_reset(s);
	json_object *out = json_object_new_array();
	for (size_t i = json_object_array_length(newest); i-- > 0;)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(newest, i)));
	json_object_put(newest);
	if (more)
		resp_header(r, "X-Has-Remaining-Items", "1");
	return resp_json(r, 200, out);
}

/* The generic filters of the system-wide message queries (§1.11). */
struct msg_filter {
	char from[28], to[28]; /* date_filter, as stored dates */
	char actor[MAX_USERNAME_MAX + 1];
	const char *before, *after;
	json_object *keywords, *hashtags; /* arrays, NULL when not asked */
	long limit;
};

#define MSG_WHERE                                                                          \
	" WHERE (?1 IS NULL OR m.published >= ?1) AND (?2 IS NULL OR m.published < ?2)"      \
	" AND (?3 IS NULL OR m.actor = ?3) AND (?4 IS NULL OR m.id < ?4)"                     \
	" AND (?5 IS NULL OR m.id > ?5)"                                                      \
	" AND (?6 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?6) w WHERE w.value NOT IN" \
	"  (SELECT value FROM json_each(m.object_json, '$.keywords'))))"                     \
	" AND (?7 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?7) w WHERE w.value NOT IN" \
	"  (SELECT value FROM json_each(m.object_json, '$.hashtags'))))"

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

static void msg_filter_bind(sqlite3_stmt *s, const struct msg_filter *f)
{
	store_bind_text(s, 1, *f->from ? f->from : NULL);
	store_bind_text(s, 2, *f->to ? f->to : NULL);
	store_bind_text(s, 3, *f->actor ? f->actor : NULL);
	store_bind_text(s, 4, f->before);
	store_bind_text(s, 5, f->after);
	store_bind_text(s, 6, f->keywords ? jx_text(f->keywords) : NULL);
	store_bind_text(s, 7, f->hashtags ? jx_text(f->hashtags) : NULL);
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

/* #71 GET /messages: every message, newest first, full; HEAD counts */
enum max_err messages_list(struct max_ctx *c, struct max_resp *r)
{
	struct msg_filter f;
	enum max_err e = msg_filter_parse(c, &f);
	if (e)
		return e;
	sqlite3_stmt *s = store_prepare_(c->db, c->is_head ? "SELECT count(*) FROM messages m" MSG_WHERE
						       : MSG_COLS MSG_WHERE " ORDER BY m.id DESC LIMIT ?8");
	if (!s) {
		msg_filter_free(&f);
		return max_fail(c, MAX_ESERVER, "messages query failed");
	}
	msg_filter_bind(s, &f);
	json_object *out = json_object_new_array();
	if (c->is_head) {
		total_items(r, sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0);
	} else {
		sqlite3_bind_int64(s, 8, f.limit);
		while (sqlite3_step(s) == SQLITE_ROW)
			json_object_array_add(out, render_row(s, 0));
	}
	sqlite3_reset(s);
	msg_filter_free(&f);
	return resp_json(r, 200, out);
}

/* #60 GET /conversations/active: the distinct conversations of the newest
 * `limit` messages; HEAD counts them */
enum max_err conversations_active(struct max_ctx *c, struct max_resp *r)
{
	struct msg_filter f;
	enum max_err e = msg_filter_parse(c, &f);
	if (e)
		return e;
	sqlite3_stmt *s = store_stmt(c->db, MSG_COLS MSG_WHERE " ORDER BY m.id DESC LIMIT ?8");
	if (!s) {
		msg_filter_free(&f);
		return max_fail(c, MAX_ESERVER, "messages query failed");
	}
	msg_filter_bind(s, &f);
	sqlite3_bind_int64(s, 8, f.limit);
	json_object *out = json_object_new_array(), *seen = json_object_new_object();
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (json_object_object_get_ex(seen, col(s, 1), NULL))
			continue;
		json_object_object_add(seen, col(s, 1), NULL);
		json_object *o = json_object_new_object();
		jx_set_str(o, "id", col(s, 1));
		jx_set_str(o, "displayName", col(s, 9));
		jx_set_str(o, "objectType", "conversation");
		json_object_array_add(out, o);
	}
	sqlite3_reset(s);
	json_object_put(seen);
	msg_filter_free(&f);
	if (c->is_head)
		total_items(r, (long long)json_object_array_length(out));
	return resp_json(r, 200, out);
}

/* ---- #72–#74 attachments ------------------------------------------------- */

/* The object of the URL's message when the caller may see its attachment
 * (§8.2: Manager, the sender, or a member with read) and it is of type
 * want. */
static enum max_err attachment(struct max_ctx *c, const char *want, json_object **obj)
{
	const char *mid = c->params[0];
	sqlite3_stmt *s = store_stmt(c->db, "SELECT conversation_id, owner, object_json"
					    " FROM messages WHERE id = ?1");
	if (!s)
		return max_fail(c, MAX_ESERVER, "message lookup failed");
	store_bind_text(s, 1, mid);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return traverse_not_found(c, "_id", mid, "messages");
	}
	char cid[MAX_ID_LEN + 1];
	snprintf(cid, sizeof cid, "%s", col(s, 0));
	int sender = !strcmp(col(s, 1), c->auth_user);
	*obj = json_tokener_parse(col(s, 2));
	sqlite3_reset(s);
	if (!auth_is_manager(c) && !sender && !conv_head_passes(c)) {
		long m = conv_member_mask(c, cid, c->auth_user);
		if (m < 0 || !(m & PERM_BIT(PERM_READ))) {
			json_object_put(*obj);
			*obj = NULL;
			return perm_deny(c);
		}
	}
	const char *type = jx_str(*obj, "objectType");
	if (!type || strcmp(type, want)) { /* ⚠ 500 in the original; Clean: 404 */
		json_object_put(*obj);
		*obj = NULL;
		return max_fail(c, MAX_ENOTFOUND, "Message %s has no %s", mid, want);
	}
	return MAX_OK;
}

/* #72 GET /messages/{id}/image, #73 …/image/{size} */
enum max_err message_image(struct max_ctx *c, struct max_resp *r)
{
	json_object *obj = NULL;
	enum max_err e = attachment(c, "image", &obj);
	if (!e)
		e = media_serve_image(c, r, "messages", c->params[0], c->params[1],
				      jx_str(obj, "mimetype"));
	json_object_put(obj);
	return e;
}

/* #74 GET /messages/{id}/file/download */
enum max_err message_file(struct max_ctx *c, struct max_resp *r)
{
	json_object *obj = NULL;
	enum max_err e = attachment(c, "file", &obj);
	if (!e)
		e = media_serve_file(c, r, "messages", c->params[0], jx_str(obj, "filename"),
				     jx_str(obj, "mimetype"));
	json_object_put(obj);
	return e;
}
