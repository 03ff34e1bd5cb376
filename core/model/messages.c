/*
 * messages.c — conversation messages as data (see messages.h).
 *
 * Messages live in their own table, indexed by (conversation_id, id), so a
 * page of a conversation and its newest message are index lookups. A
 * note's content is sanitised as the original's bleach call did, and its
 * keywords and hashtags are computed here; a message notifies only when
 * the client says it comes from a phone (object.mobile).
 */
#include "model/messages.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum max_err db_fail(struct store *st, const char *what)
{
	return model_fail(st, MAX_ESERVER, "%s failed", what);
}

/* ---- who may ------------------------------------------------------------ */

enum max_err msg_may_send(struct store *st, const char *cid, const char *sender)
{
	struct conv cv;
	enum max_err e = conv_load(st, cid, &cv);
	if (e)
		return e;
	long m = conv_member_mask(st, cid, sender);
	if (m < 0 || !(m & CONV_MAY_WRITE) || cv.archive)
		return model_fail(st, MAX_EFORBIDDEN, "%s may not send messages to %s", sender,
				  cid);
	return MAX_OK;
}

int msg_may_read(struct store *st, const char *cid, const char *user)
{
	long m = conv_member_mask(st, cid, user);
	return m >= 0 && (m & CONV_MAY_READ);
}

/* ---- validation ------------------------------------------------------------ */

/* The objectType of in: note, image or file. */
static enum max_err object_type(struct store *st, json_object *in, const char **type)
{
	int rc = jx_string(in, "objectType", type);
	if (rc == 0)
		return model_fail(st, MAX_EMISSING,
				  "Required parameter \"objectType\" not found in the request");
	if (rc < 0 || (strcmp(*type, "note") && strcmp(*type, "image") && strcmp(*type, "file")))
		return model_fail(st, MAX_ENOTSUPPORTED,
				  "Activitystrea.ms object type %s unknown or unsupported",
				  rc < 0 ? jx_text(json_object_object_get(in, "objectType"))
					 : *type);
	return MAX_OK;
}

/* content (a note's is required) and, for media, the upload and filename. */
static enum max_err object_fields(struct store *st, json_object *in, int note, int has_upload,
				  const char **content, const char **filename)
{
	int rc = jx_string(in, "content", content);
	if (rc < 0)
		return model_fail(st, MAX_EVALIDATION,
				  "Validation error on field \"content\": must be a string");
	if (note && rc == 0)
		return model_fail(st, MAX_EMISSING,
				  "Required parameter \"content\" not found in the request");
	if (note && !**content)
		return model_fail(st, MAX_EMISSING,
				  "Required parameter \"content\" found but empty");
	if (*content && strlen(*content) > MSG_CONTENT_MAX)
		return model_fail(st, MAX_EVALIDATION,
				  "Validation error on field \"content\": longer than %d bytes",
				  MSG_CONTENT_MAX);
	/* image and file messages carry an upload, stored under the
	 * message's id before the message is */
	if (!note && !has_upload)
		return model_fail(st, MAX_EMISSING,
				  "Required parameter \"file\" not found in the request");
	if (!note && jx_string(in, "filename", filename) < 0)
		return model_fail(st, MAX_EVALIDATION,
				  "Validation error on field \"filename\": must be a string");
	return MAX_OK;
}

/* The object to store from the validated fields. */
static json_object *object_build(const char *type, const char *content, const char *filename,
				 const char *sender)
{
	json_object *o = json_object_new_object();
	jx_set_str(o, "objectType", type);
	if (filename)
		jx_set_str(o, "filename", filename);
	char *clean = content ? text_sanitize(content) : NULL;
	int note = !strcmp(type, "note");
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
	return o;
}

enum max_err msg_object(struct store *st, json_object *body, const char *sender, int has_upload,
			json_object **out)
{
	*out = NULL;
	json_object *in = NULL;
	int rc = jx_object(body, "object", &in);
	if (rc == 0)
		return model_fail(st, MAX_EMISSING,
				  "Required parameter \"object\" not found in the request");
	if (rc < 0)
		return model_fail(st, MAX_EVALIDATION,
				  "Validation error on field \"object\": must be an object");
	const char *type = NULL, *content = NULL, *filename = NULL;
	enum max_err e = object_type(st, in, &type);
	if (e ||
	    (e = object_fields(st, in, !strcmp(type, "note"), has_upload, &content, &filename)))
		return e;
	*out = object_build(type, content, filename, sender);
	return MAX_OK;
}

/* ---- storing ------------------------------------------------------------------ */

/* Inserts the message row and makes it its conversation's newest. */
static enum max_err msg_insert(struct store *st, const struct msg_post *p, const char *id)
{
	char published[28], dn[300];
	text_now_us(published);
	conv_person_name(st, p->sender, dn, sizeof dn);
	store_q *q = store_sql(st, "INSERT INTO messages (id, conversation_id, actor, "
				   "actor_display, object_type,"
				   " object_json, creator, owner, published, generator)"
				   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?3, ?8, ?9)");
	if (!q)
		return db_fail(st, "message insert");
	store_bind_text(q, 1, id);
	store_bind_text(q, 2, p->cid);
	store_bind_text(q, 3, p->sender);
	store_bind_text(q, 4, dn);
	store_bind_text(q, 5, jx_str(p->object, "objectType"));
	store_bind_text(q, 6, jx_text(p->object));
	store_bind_text(q, 7, p->creator && *p->creator ? p->creator : p->sender);
	store_bind_text(q, 8, published);
	store_bind_text(q, 9, p->generator);
	if (store_run(q) < 0)
		return db_fail(st, "message insert");
	return conv_touch_last(st, p->cid, id, published);
}

/* A mobile message: re-bind every participant, then add/message. */
static enum max_err notify_mobile(struct store *st, const struct max_config *cfg,
				  const struct msg_post *p, const char *id)
{
	enum max_err e = conv_bind_all(st, p->cid);
	if (e)
		return e;
	json_object *msg = msg_last(st, id, 0), *data = json_object_new_object();
	jx_set_str(data, "text",
		   conv_notice_text(jx_str(msg, "objectType"), jx_str(msg, "content")));
	jx_set_str(data, "message_id", id);
	json_object_put(msg);
	return conv_publish_add(st, cfg, p->cid, "message", p->sender, NULL, data);
}

enum max_err msg_post(struct store *st, const struct max_config *cfg, const struct msg_post *p,
		      char id[MAX_ID_LEN + 1])
{
	struct conv cv;
	enum max_err e = conv_load(st, p->cid, &cv);
	if (!e && cv.single) { /* the leaver of a 1:1 comes back */
		if (!(e = conv_rejoin_single(st, &cv)))
			e = conv_notify_added(st, cfg, &cv, p->sender);
	}
	if (!p->id)
		id_new(id);
	else if (p->id != id)
		snprintf(id, MAX_ID_LEN + 1, "%s", p->id);
	if (!e)
		e = msg_insert(st, p, id);
	if (!e && p->mobile)
		e = notify_mobile(st, cfg, p, id);
	json_object_put(p->object);
	return e;
}

enum max_err msg_store(struct store *st, const struct max_config *cfg, const char *cid,
		       const char *sender, json_object *object, const char *generator,
		       char id[MAX_ID_LEN + 1])
{
	struct msg_post p = {.cid = cid, .sender = sender, .generator = generator, .object = object};
	return msg_post(st, cfg, &p, id);
}

/* ---- rendering ----------------------------------------------------------------- */

int msg_exists(struct store *st, const char *mid)
{
	store_q *q = store_sql(st, "SELECT 1 FROM messages WHERE id = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, mid);
	return store_exists(q);
}

#define MSG_COLS                                                                                   \
	"SELECT m.id, m.conversation_id, m.actor, m.actor_display, m.object_json, m.creator,"      \
	" m.owner, m.published, m.generator, c.display_name"                                       \
	" FROM messages m JOIN conversations c ON c.id = m.conversation_id"

static json_object *render_object(store_q *q, int lean)
{
	json_object *obj = store_json(q, 4);
	if (!obj)
		obj = json_object_new_object();
	if (lean) {
		json_object_object_del(obj, "keywords");
		json_object_object_del(obj, "hashtags");
	}
	return obj;
}

static json_object *render_row(store_q *q, int lean)
{
	json_object *o = json_object_new_object(), *a = json_object_new_object();
	char date[21];
	jx_set_str(o, "id", store_text(q, 0));
	jx_set_str(o, "objectType", "message");
	jx_set_str(o, "verb", "post");
	jx_set_str(a, "objectType", "person");
	jx_set_str(a, "username", store_text(q, 2));
	jx_set_str(a, "displayName", store_text(q, 3));
	jx_set(o, "actor", a);
	jx_set(o, "object", render_object(q, lean));
	json_object *ctx = json_object_new_object(), *ctxs = json_object_new_array();
	jx_set_str(ctx, "objectType", "conversation");
	jx_set_str(ctx, "id", store_text(q, 1));
	jx_set_str(ctx, "displayName", store_text(q, 9));
	json_object_array_add(ctxs, ctx);
	jx_set(o, "contexts", ctxs);
	conv_date_out(store_text(q, 7), date);
	jx_set_str(o, "published", date);
	if (!lean) {
		jx_set_str(o, "creator", store_text(q, 5));
		jx_set_str(o, "owner", store_text(q, 6));
		jx_set(o, "keywords", json_object_new_array());
	}
	jx_set(o, "replies", json_object_new_array());
	jx_set_str(o, "generator", store_text(q, 8));
	return o;
}

json_object *msg_json(struct store *st, const char *mid, int lean)
{
	store_q *q = store_sql(st, MSG_COLS " WHERE m.id = ?1");
	if (!q)
		return NULL;
	store_bind_text(q, 1, mid);
	if (store_one(q) != 1)
		return NULL;
	json_object *o = render_row(q, lean);
	store_reset(q);
	return o;
}

static void last_fields(store_q *q, json_object *o, int talking_in)
{
	if (talking_in) {
		char d[27];
		conv_date_quirk(store_text(q, 6), d);
		jx_set_str(o, "published", d);
	} else {
		char d[21];
		conv_date_out(store_text(q, 6), d);
		jx_set_str(o, "published", d);
		const char *dn = store_text(q, 5);
		jx_set_str(o, "actor", dn && *dn ? dn : store_text(q, 4));
	}
}

json_object *msg_last(struct store *st, const char *mid, int talking_in)
{
	/* the object's fields straight from SQLite: no JSON tree per message */
	store_q *q =
		store_sql(st, "SELECT coalesce(json_extract(object_json, '$.objectType'), 'note'),"
			      " coalesce(json_extract(object_json, '$.content'), ''),"
			      " coalesce(json_extract(object_json, '$.fullURL'), ''),"
			      " coalesce(json_extract(object_json, '$.thumbURL'), ''),"
			      " actor, actor_display, published FROM messages WHERE id = ?1");
	if (!q)
		return NULL;
	store_bind_text(q, 1, mid);
	if (store_one(q) != 1)
		return NULL;
	json_object *o = json_object_new_object();
	const char *type = store_text(q, 0);
	jx_set_str(o, "objectType", type);
	jx_set_str(o, "content", store_text(q, 1));
	last_fields(q, o, talking_in);
	if (!strcmp(type, "image") || !strcmp(type, "file"))
		jx_set_str(o, "fullURL", store_text(q, 2));
	if (!strcmp(type, "image"))
		jx_set_str(o, "thumbURL", store_text(q, 3));
	store_reset(q);
	return o;
}

enum max_err msg_list(struct store *st, const char *cid, const char *before, const char *after,
		      struct page *pg, json_object **out)
{
	*out = NULL;
	store_q *q = store_sql(st, MSG_COLS
			       " WHERE m.conversation_id = ?1"
			       " AND (?2 IS NULL OR m.id < ?2) AND (?3 IS NULL OR m.id > ?3)"
			       " ORDER BY m.id DESC LIMIT ?4");
	if (!q)
		return db_fail(st, "messages query");
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, before);
	store_bind_text(q, 3, after);
	store_bind_int(q, 4, page_fetch(pg));
	json_object *newest = json_object_new_array();
	int rc;
	while ((rc = page_step(pg, q)) == STORE_ROW)
		json_object_array_add(newest, render_row(q, 1));
	if (rc == STORE_ERR) {
		json_object_put(newest);
		return db_fail(st, "messages query");
	}
	json_object *a = json_object_new_array();
	for (size_t i = json_object_array_length(newest); i-- > 0;)
		json_object_array_add(a, json_object_get(json_object_array_get_idx(newest, i)));
	json_object_put(newest);
	*out = a;
	return MAX_OK;
}

/* ---- search ------------------------------------------------------------------- */

#define MSG_WHERE                                                                                  \
	" WHERE (?1 IS NULL OR m.published >= ?1) AND (?2 IS NULL OR m.published < ?2)"            \
	" AND (?3 IS NULL OR m.actor = ?3) AND (?4 IS NULL OR m.id < ?4)"                          \
	" AND (?5 IS NULL OR m.id > ?5)"                                                           \
	" AND (?6 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?6) w WHERE w.value NOT IN"       \
	"  (SELECT value FROM json_each(m.object_json, '$.keywords'))))"                           \
	" AND (?7 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?7) w WHERE w.value NOT IN"       \
	"  (SELECT value FROM json_each(m.object_json, '$.hashtags'))))"

static void filter_bind(store_q *q, const struct msg_filter *f)
{
	store_bind_text(q, 1, *f->from ? f->from : NULL);
	store_bind_text(q, 2, *f->to ? f->to : NULL);
	store_bind_text(q, 3, *f->actor ? f->actor : NULL);
	store_bind_text(q, 4, f->before);
	store_bind_text(q, 5, f->after);
	store_bind_text(q, 6, f->keywords ? jx_text(f->keywords) : NULL);
	store_bind_text(q, 7, f->hashtags ? jx_text(f->hashtags) : NULL);
}

enum max_err msg_search(struct store *st, const struct msg_filter *f, json_object **out)
{
	*out = NULL;
	store_q *q = store_sql(st, MSG_COLS MSG_WHERE " ORDER BY m.id DESC LIMIT ?8");
	if (!q)
		return db_fail(st, "messages query");
	filter_bind(q, f);
	store_bind_int(q, 8, f->limit);
	json_object *a = json_object_new_array();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		json_object_array_add(a, render_row(q, 0));
	if (rc == STORE_ERR) {
		json_object_put(a);
		return db_fail(st, "messages query");
	}
	*out = a;
	return MAX_OK;
}

enum max_err msg_count(struct store *st, const struct msg_filter *f, long long *n)
{
	*n = 0;
	store_q *q = store_sql(st, "SELECT count(*) FROM messages m" MSG_WHERE);
	if (!q)
		return db_fail(st, "messages query");
	filter_bind(q, f);
	int rc = store_one(q);
	if (rc < 0)
		return db_fail(st, "messages query");
	if (rc == 1) {
		*n = store_int(q, 0);
		store_reset(q);
	}
	return MAX_OK;
}

enum max_err msg_active(struct store *st, const struct msg_filter *f, json_object **out)
{
	*out = NULL;
	store_q *q = store_sql(st, MSG_COLS MSG_WHERE " ORDER BY m.id DESC LIMIT ?8");
	if (!q)
		return db_fail(st, "messages query");
	filter_bind(q, f);
	store_bind_int(q, 8, f->limit);
	json_object *a = json_object_new_array(), *seen = json_object_new_object();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW) {
		if (json_object_object_get_ex(seen, store_text(q, 1), NULL))
			continue;
		json_object_object_add(seen, store_text(q, 1), NULL);
		json_object *o = json_object_new_object();
		jx_set_str(o, "id", store_text(q, 1));
		jx_set_str(o, "displayName", store_text(q, 9));
		jx_set_str(o, "objectType", "conversation");
		json_object_array_add(a, o);
	}
	json_object_put(seen);
	if (rc == STORE_ERR) {
		json_object_put(a);
		return db_fail(st, "messages query");
	}
	*out = a;
	return MAX_OK;
}

/* ---- attachments ---------------------------------------------------------------- */

enum max_err msg_attachment_load(struct store *st, const char *mid, struct msg_attachment *out)
{
	memset(out, 0, sizeof *out);
	store_q *q = store_sql(st, "SELECT conversation_id, owner, object_json"
				   " FROM messages WHERE id = ?1");
	if (!q)
		return db_fail(st, "message lookup");
	store_bind_text(q, 1, mid);
	int rc = store_one(q);
	if (rc < 0)
		return db_fail(st, "message lookup");
	if (!rc)
		return model_fail(st, MAX_ENOTFOUND, "Object with _id %s not found inside messages",
				  mid);
	store_copy(q, 0, out->cid, sizeof out->cid);
	store_copy(q, 1, out->sender, sizeof out->sender);
	out->object = store_json(q, 2);
	store_reset(q);
	return MAX_OK;
}
