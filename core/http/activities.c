/*
 * activities.c — posts (API.md §5.3): #13 a user's posts, #14 and #16
 * posting to a timeline or a context, #19 one activity, #20 deleting it,
 * #21–#23 its image and file; the URL lookup traverse_activity(), the
 * §6.4 rules on one activity (stream_may) and the indexes a post or
 * comment feeds (keywords, hashtags, full text).
 *
 * A post is one row of activities: what the client sent, sanitised
 * (text.c), with its object keywords and hashtags kept as private keys of
 * the object and its activity keywords in keywords_json. The keyword and
 * hashtag rows and the full-text row make the filters indexable; they are
 * written in the request's transaction with the post.
 */
#include "http/activity_store.h"
#include "http/auth.h"
#include "http/notify_http.h"
#include "util/config.h"
#include "http/contexts.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "http/media.h"
#include "http/people.h"
#include "http/router.h"
#include "http/perm.h"
#include "store/store.h"
#include "http/stream.h"
#include "util/text.h"
#include "http/traverse.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_MAX (64 * 1024)   /* bytes of a post's or comment's content */
#define GENERATOR_MAX 256

/* ---- one activity --------------------------------------------------------- */

static void copy_col(sqlite3_stmt *s, int i, char *out, size_t len)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	snprintf(out, len, "%s", t ? t : "");
}

int stream_load(struct max_ctx *c, const char *id, struct post *p)
{
	memset(p, 0, sizeof *p);
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT id, verb, object_type, actor_kind, actor, owner, context_hash,"
		       " last_comment, likes_count, favorites_count, flag_state, visible"
		       " FROM activities WHERE id = ?1");
	if (!s)
		return -1;
	store_bind_text(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		copy_col(s, 0, p->id, sizeof p->id);
		copy_col(s, 1, p->verb, sizeof p->verb);
		copy_col(s, 2, p->object_type, sizeof p->object_type);
		p->actor_is_person = !strcmp((const char *)sqlite3_column_text(s, 3), "person");
		copy_col(s, 4, p->actor, sizeof p->actor);
		copy_col(s, 5, p->owner, sizeof p->owner);
		copy_col(s, 6, p->context_hash, sizeof p->context_hash);
		copy_col(s, 7, p->last_comment, sizeof p->last_comment);
		if (!p->last_comment[0])
			snprintf(p->last_comment, sizeof p->last_comment, "%s", p->id);
		p->likes_count = sqlite3_column_int64(s, 8);
		p->favorites_count = sqlite3_column_int64(s, 9);
		p->flag_state = sqlite3_column_int(s, 10);
		p->visible = sqlite3_column_int(s, 11);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

enum max_err stream_load_url(struct max_ctx *c, struct post *p)
{
	int found = stream_load(c, c->params[0], p);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "activity lookup failed");
	if (!found)
		return traverse_not_found(c, "_id", c->params[0], "activity");
	return MAX_OK;
}

/* §1.3 step 5: a malformed id is 400 InvalidId, an unknown one 404. */
enum max_err traverse_activity(struct max_ctx *c, const char *id)
{
	if (!id_valid(id))
		return traverse_bad_id(c, id);
	struct post p;
	int found = stream_load(c, id, &p);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "activity lookup failed");
	return found ? MAX_OK : traverse_not_found(c, "_id", id, "activity");
}

/* The acting user's subscription to the post's context: -1 error, 0 none,
 * 1 subscribed (mask filled). A context actor has none. */
static int actor_subscription(struct max_ctx *c, const struct post *p, unsigned *mask)
{
	*mask = 0;
	if (c->actor_context[0] || !c->actor[0])
		return 0;
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT perm_mask FROM subscriptions WHERE username = ?1 AND hash = ?2");
	if (!s)
		return -1;
	store_bind_text(s, 1, c->actor);
	store_bind_text(s, 2, p->context_hash);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*mask = (unsigned)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* read == public for the post's context (0 when the context is gone). */
static int read_public(struct max_ctx *c, const struct post *p)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT json_extract(permissions_json, '$.read')"
					    " FROM contexts WHERE hash = ?1");
	if (!s)
		return -1;
	store_bind_text(s, 1, p->context_hash);
	int rc = sqlite3_step(s), pub = 0;
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);
		pub = v && !strcmp(v, "public");
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? pub : -1;
}

int stream_may(struct max_ctx *c, const struct post *p, enum stream_right r)
{
	int manager = auth_is_manager(c), self = auth_is_self(c);
	int owner = c->auth_user[0] && !strcmp(c->auth_user, p->owner);
	if (r == SR_FLAG && !p->context_hash[0])
		return 0; /* contextless posts cannot be flagged, not even by a Manager */
	if (manager)
		return 1;
	if (!p->context_hash[0]) {
		switch (r) {
		case SR_VIEW:
		case SR_COMMENT: return 1;
		case SR_DELETE: return owner;
		case SR_LIKE: return self;
		case SR_FLAG: return 0;
		}
		return 0;
	}
	if ((r == SR_VIEW || r == SR_DELETE) && owner)
		return 1;
	unsigned mask;
	int sub = actor_subscription(c, p, &mask);
	if (sub < 0)
		return -1;
	switch (r) {
	case SR_VIEW:
	case SR_LIKE:
		if (r == SR_LIKE && !self)
			return 0;
		if (sub)
			return (mask & PERM_BIT(PERM_READ)) != 0;
		return read_public(c, p);
	case SR_COMMENT: return sub && (mask & PERM_BIT(PERM_WRITE));
	case SR_DELETE: return sub && (mask & PERM_BIT(PERM_DELETE));
	case SR_FLAG: return sub && (mask & PERM_BIT(PERM_FLAG));
	}
	return 0;
}

enum max_err stream_require(struct max_ctx *c, const struct post *p, enum stream_right r)
{
	/* §1.10: HEAD skips the permission check (as perm_require does) */
	if (c->is_head && !(c->route && (c->route->flags & RT_PERM_ON_HEAD)))
		return MAX_OK;
	int ok = stream_may(c, p, r);
	if (ok < 0)
		return max_fail(c, MAX_ESERVER, "subscription lookup failed");
	return ok ? MAX_OK : perm_deny(c);
}

enum max_err stream_load_acting(struct max_ctx *c, struct post *p, enum stream_right r)
{
	enum max_err e = stream_load_url(c, p);
	if (e)
		return e;
	if (!auth_is_manager(c) && !auth_is_self(c))
		return perm_deny(c);
	return stream_require(c, p, r);
}

/* ---- indexes ----------------------------------------------------------------- */

static enum max_err index_words(struct max_ctx *c, const char *insert, const char *id,
				json_object *words)
{
	size_t n = words && json_object_is_type(words, json_type_array)
			   ? json_object_array_length(words)
			   : 0;
	for (size_t i = 0; i < n; i++) {
		const char *w = json_object_get_string(json_object_array_get_idx(words, i));
		const char *args[] = {w, id};
		if (w && *w && store_exec_(c->db, insert, 2, args) < 0)
			return max_fail(c, MAX_ESERVER, "index insert failed");
	}
	return MAX_OK;
}

enum max_err stream_index_terms(struct max_ctx *c, const char *id, json_object *keywords,
				json_object *hashtags)
{
	const char *args[] = {id};
	if (store_exec(c->db, "DELETE FROM stream_keywords WHERE activity_id = ?1", 1, args) < 0 ||
	    store_exec(c->db, "DELETE FROM stream_hashtags WHERE activity_id = ?1", 1, args) < 0)
		return max_fail(c, MAX_ESERVER, "index delete failed");
	enum max_err e = index_words(
		c, "INSERT OR IGNORE INTO stream_keywords (keyword, activity_id) VALUES (?1, ?2)", id,
		keywords);
	if (e)
		return e;
	return index_words(
		c, "INSERT OR IGNORE INTO stream_hashtags (hashtag, activity_id) VALUES (?1, ?2)", id,
		hashtags);
}

enum max_err stream_index_text(struct max_ctx *c, const char *id, const char *post_id,
			       const char *content)
{
	char *plain = text_plain(content ? content : "");
	const char *args[] = {id, post_id, plain};
	int rc = store_exec(c->db,
			    "INSERT INTO stream_text (activity_id, post_id, text) VALUES (?1, ?2, ?3)"
			    " ON CONFLICT (activity_id) DO UPDATE SET post_id = excluded.post_id,"
			    " text = excluded.text",
			    3, args);
	free(plain);
	return rc < 0 ? max_fail(c, MAX_ESERVER, "text index failed") : MAX_OK;
}

static json_object *parse_text(const char *t)
{
	return t ? json_tokener_parse(t) : NULL;
}

enum max_err stream_refresh_post(struct max_ctx *c, const char *post_id)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT object_json, actor_json, actor_kind"
					    " FROM activities WHERE id = ?1");
	if (!s)
		return max_fail(c, MAX_ESERVER, "post lookup failed");
	store_bind_text(s, 1, post_id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return MAX_OK;
	}
	json_object *obj = parse_text((const char *)sqlite3_column_text(s, 0));
	json_object *actor = parse_text((const char *)sqlite3_column_text(s, 1));
	int person = !strcmp((const char *)sqlite3_column_text(s, 2), "person");
	sqlite3_reset(s);

	/* §3: object keywords ∪ the actor's ∪ for every reply its keywords
	 * and its author's */
	json_object *kw = json_object_new_array(), *v = NULL;
	if (json_object_object_get_ex(obj, "keywords", &v))
		text_set_add_all(kw, v);
	if (person)
		text_set_add_person(kw, jx_str(actor, "username"), jx_str(actor, "displayName"));
	s = store_stmt(c->db, "SELECT id, object_json, actor_json FROM activities"
			      " WHERE in_reply_to = ?1 AND verb = 'comment' AND reply_deleted = 0"
			      " ORDER BY id");
	char last[MAX_ID_LEN + 1];
	snprintf(last, sizeof last, "%s", post_id);
	if (s) {
		store_bind_text(s, 1, post_id);
		while (sqlite3_step(s) == SQLITE_ROW) {
			snprintf(last, sizeof last, "%s", (const char *)sqlite3_column_text(s, 0));
			json_object *co = parse_text((const char *)sqlite3_column_text(s, 1));
			json_object *ca = parse_text((const char *)sqlite3_column_text(s, 2));
			if (json_object_object_get_ex(co, "keywords", &v))
				text_set_add_all(kw, v);
			text_set_add_person(kw, jx_str(ca, "username"), jx_str(ca, "displayName"));
			json_object_put(co);
			json_object_put(ca);
		}
		sqlite3_reset(s);
	}
	json_object *tags = NULL;
	json_object_object_get_ex(obj, "hashtags", &tags);
	const char *args[] = {jx_text(kw), last, post_id};
	enum max_err e = MAX_OK;
	if (store_exec(c->db, "UPDATE activities SET keywords_json = ?1, last_comment = ?2"
			      " WHERE id = ?3",
		       3, args) < 0)
		e = max_fail(c, MAX_ESERVER, "post update failed");
	else
		e = stream_index_terms(c, post_id, kw, tags);
	json_object_put(kw);
	json_object_put(obj);
	json_object_put(actor);
	return e;
}

enum max_err stream_forget(struct max_ctx *c, const char *id)
{
	const char *args[] = {id};
	static const char *const sql[] = {
		"DELETE FROM likes WHERE activity_id = ?1",
		"DELETE FROM favorites WHERE activity_id = ?1",
		"DELETE FROM stream_keywords WHERE activity_id = ?1",
		"DELETE FROM stream_hashtags WHERE activity_id = ?1",
		"DELETE FROM stream_text WHERE activity_id = ?1",
		/* its comments leave the replies and the post's search */
		"UPDATE stream_text SET post_id = NULL WHERE post_id = ?1",
		"UPDATE activities SET reply_deleted = 1 WHERE in_reply_to = ?1 AND verb = 'comment'",
	};
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
		if (store_exec_(c->db, sql[i], 1, args) < 0)
			return max_fail(c, MAX_ESERVER, "activity cleanup failed");
	return MAX_OK;
}

/* ---- posting ------------------------------------------------------------------ */

/* §4.4 object of a post: note (content required), image or file (content
 * optional); content sanitised; object keywords and hashtags (not for
 * files, as the original) as private keys. */
static int present(json_object *o, const char *key)
{
	return o && json_object_is_type(o, json_type_object) &&
	       json_object_object_get_ex(o, key, NULL);
}

enum max_err stream_missing(struct max_ctx *c, json_object *o, const char *key)
{
	return max_fail(c, MAX_EMISSING,
			present(o, key) ? "Required parameter \"%s\" found but empty"
					: "Required parameter \"%s\" not found in the request",
			key);
}

enum max_err stream_body_object(struct max_ctx *c, json_object **object, const char **type)
{
	if (c->body && !json_object_is_type(c->body, json_type_object))
		return max_fail(c, MAX_EVALIDATION, "Unexpected data type in request");
	int rc = jx_object(c->body, "object", object);
	if (rc == 0)
		return stream_missing(c, c->body, "object");
	if (rc < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"object\": must be an object");
	rc = jx_string(*object, "objectType", type);
	if (rc == 0)
		return stream_missing(c, *object, "objectType");
	if (rc < 0)
		*type = NULL; /* not a string: the caller's "unsupported" */
	return MAX_OK;
}

static enum max_err post_object(struct max_ctx *c, json_object **out)
{
	json_object *in = NULL;
	const char *type = NULL, *content = NULL;
	enum max_err e = stream_body_object(c, &in, &type);
	if (e)
		return e;
	if (!type || (strcmp(type, "note") && strcmp(type, "image") && strcmp(type, "file")))
		return max_fail(c, MAX_ENOTSUPPORTED,
				"Activitystrea.ms object type %s unknown or unsupported",
				type ? type
				     : json_object_to_json_string(json_object_object_get(in, "objectType")));
	int note = !strcmp(type, "note");
	int rc = jx_string(in, "content", &content);
	if (rc < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"content\": must be a string");
	if (note && (rc == 0 || !*content))
		return stream_missing(c, in, "content");
	if (content && strlen(content) > CONTENT_MAX)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"content\": longer than %d bytes",
				CONTENT_MAX);
	/* media_store() validates it */
	json_object *filename = note ? NULL : json_object_object_get(in, "filename");

	json_object *o = json_object_new_object();
	jx_set_str(o, "objectType", type);
	if (content && *content) {
		char *clean = text_sanitize(content);
		jx_set_str(o, "content", clean);
		if (strcmp(type, "file"))
			text_object_terms(o, clean);
		free(clean);
	} else if (!note) {
		jx_set_str(o, "content", "");
	}
	if (filename)
		jx_set(o, "filename", json_object_get(filename));
	*out = o;
	return MAX_OK;
}

/* published (backdating, §3) as stored: "YYYY-MM-DDTHH:MM:SSZ" */
static enum max_err post_published(struct max_ctx *c, char out[21], time_t *t)
{
	const char *v = NULL;
	int rc = jx_string(c->body, "published", &v);
	if (rc == 0) {
		*t = time(NULL);
		time_iso(*t, out);
		return MAX_OK;
	}
	if (rc < 0 || time_parse_iso(v, t) < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"published\": not an RFC 3339 date");
	time_iso(*t, out);
	return MAX_OK;
}

/* §5.3 duplicate guard: the same actor's post with the same content in
 * the same place (context or none) published less than 60 s before. The
 * key hashes all but the date, so the lookup is one index range. */
static void duplicate_key(const char *actor_kind, const char *actor, const char *hash,
			  const char *content, char key[41])
{
	struct buf b;
	buf_init(&b);
	buf_printf(&b, "%s%c%s%c%s%c%s", actor_kind, 0, actor, 0, hash ? hash : "", 0,
		   content ? content : "");
	hash_sha1_hex(b.data, b.len, key);
	buf_free(&b);
}

static int find_duplicate(struct max_ctx *c, const char *key, time_t published,
			  char id[MAX_ID_LEN + 1])
{
	char since[21];
	time_iso(published - 60, since);
	sqlite3_stmt *s = store_stmt(c->db, "SELECT id FROM activities WHERE dup_key = ?1"
					    " AND published > ?2 AND verb = 'post' ORDER BY id LIMIT 1");
	if (!s)
		return -1;
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, since);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(id, MAX_ID_LEN + 1, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* MESSAGING.md §3: a new post in a context that notifies. */
static enum max_err notify_post(struct max_ctx *c, const struct context *ctx, const char *id,
				const char *content)
{
	if (!ctx || !context_notifies(ctx))
		return MAX_OK;
	json_object *d = json_object_new_object();
	jx_set_str(d, "text", content ? content : "");
	jx_set_str(d, "activityid", id);
	return carrot_publish(c, "activity", ctx->hash, "add", "activity", NULL, NULL, d);
}

/* The actor object of a new post: the acting person, or the context the
 * body names (§1.4, Managers only). */
static json_object *post_actor(struct max_ctx *c, struct context *actx, int *is_person)
{
	if (!c->actor_context[0]) {
		*is_person = 1;
		return activity_person_actor(c, c->actor);
	}
	*is_person = 0;
	if (context_load(c, c->actor_context, actx) != 1)
		return NULL;
	json_object *a = json_object_new_object();
	jx_set_str(a, "objectType", "context");
	jx_set_str(a, "url", actx->url);
	jx_set_str(a, "hash", actx->hash);
	jx_set_str(a, "displayName", actx->display_name);
	return a;
}

/* #14 and #16 after the permission check: ctx is the context posted to,
 * or NULL for the timeline. */
static enum max_err post_create(struct max_ctx *c, struct max_resp *r, const struct context *ctx)
{
	json_object *obj = NULL;
	enum max_err e = post_object(c, &obj);
	if (e)
		return e;
	char published[21];
	time_t when;
	const char *generator = NULL;
	if ((e = post_published(c, published, &when)))
		goto out;
	if (jx_string(c->body, "generator", &generator) < 0 ||
	    (generator && strlen(generator) > GENERATOR_MAX)) {
		e = max_fail(c, MAX_EVALIDATION,
			     "Validation error on field \"generator\": must be a short string");
		goto out;
	}
	int media = strcmp(jx_str(obj, "objectType"), "note") != 0;

	struct context actx = {.url = NULL};
	int person = 1;
	json_object *actor = post_actor(c, &actx, &person);
	if (!actor) {
		e = max_fail(c, MAX_ESERVER, "actor context vanished");
		goto out;
	}
	const char *actor_key = person ? c->actor : actx.hash;
	const char *content = jx_str(obj, "content");
	char id[MAX_ID_LEN + 1];
	char key[41];
	duplicate_key(person ? "person" : "context", actor_key, ctx ? ctx->hash : NULL, content, key);
	int dup = find_duplicate(c, key, when, id);
	if (dup < 0) {
		e = max_fail(c, MAX_ESERVER, "duplicate lookup failed");
		goto out_actor;
	}
	if (!dup) {
		json_object *kw = json_object_new_array(), *okw = NULL;
		if (json_object_object_get_ex(obj, "keywords", &okw))
			text_set_add_all(kw, okw);
		if (person)
			text_set_add_person(kw, jx_str(actor, "username"), jx_str(actor, "displayName"));
		json_object *snap = ctx ? context_snapshot(ctx) : NULL;
		struct activity_new a = {
			.verb = "post",
			.actor_kind = person ? "person" : "context",
			.actor = actor_key,
			.actor_json = actor,
			.object_json = obj,
			.context_hash = ctx ? ctx->hash : NULL,
			.context_json = snap,
			.owner = person ? c->actor : c->auth_user,
			.published = published,
			.generator = generator,
			.keywords = kw,
			.dup_key = key,
		};
		e = activity_insert(c, &a, id);
		if (!e && media) {
			/* §9.2: the file is stored under the new id; its fields join the object */
			e = media_store(c, "activities", id, c->upload, obj);
			const char *args[] = {jx_text(obj), id};
			if (!e && store_exec(c->db, "UPDATE activities SET object_json = ?1 WHERE id = ?2",
					     2, args) < 0)
				e = max_fail(c, MAX_ESERVER, "activity update failed");
		}
		json_object *tags = NULL;
		json_object_object_get_ex(obj, "hashtags", &tags);
		if (!e)
			e = stream_index_terms(c, id, kw, tags);
		if (!e)
			e = stream_index_text(c, id, id, content);
		if (!e)
			e = notify_post(c, ctx, id, content);
		json_object_put(kw);
		json_object_put(snap);
	}
	if (!e) {
		/* §4.4: the create answer has no keywords and, when new, no
		 * deletable/liked/favorited */
		json_object *o = activity_render(
			c, id, ACT_PRIVATE | ACT_NO_KEYWORDS | (dup ? ACT_ACTING : 0));
		e = o ? resp_json(r, dup ? 200 : 201, o)
		      : max_fail(c, MAX_ESERVER, "activity %s vanished", id);
	}
out_actor:
	json_object_put(actor);
	if (actx.url || actx.hash[0])
		context_free(&actx);
out:
	json_object_put(obj);
	return e;
}

/* #14 POST /people/{username}/activities (the route admits Managers and
 * the user himself; a body actor other than him is impersonation). */
enum max_err activities_user_add(struct max_ctx *c, struct max_resp *r)
{
	return post_create(c, r, NULL);
}

/* #16 POST /contexts/{hash}/activities: Managers (also as another person
 * or as a context), or the user himself with write on the context. */
enum max_err activities_context_add(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	int found = context_load(c, c->params[0], &ctx);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "context lookup failed");
	if (!found)
		return traverse_not_found(c, "hash", c->params[0], "contexts");
	enum max_err e = MAX_OK;
	if (!auth_is_manager(c)) {
		if (c->actor_context[0] || !auth_is_self(c))
			e = perm_deny(c);
		else
			e = perm_require(c, &ctx, PA_POST);
	}
	if (!e)
		e = post_create(c, r, &ctx);
	context_free(&ctx);
	return e;
}

/* Has the acting user a like (favorite) on the post? */
static int marked(struct max_ctx *c, const char *sql, const struct post *p)
{
	sqlite3_stmt *s = store_prepare_(c->db, sql);
	if (!s)
		return 0;
	store_bind_text(s, 1, p->id);
	store_bind_text(s, 2, c->actor);
	int yes = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return yes;
}

/* ?show_acls (§1.11): the §5.0 names of what the caller may do with the
 * activity, in the order of the original's activity ACL. */
static json_object *activity_acls(struct max_ctx *c, const struct post *p)
{
	int acting = auth_is_manager(c) || auth_is_self(c);
	int view = stream_may(c, p, SR_VIEW) == 1;
	int liked = marked(c, "SELECT 1 FROM likes WHERE activity_id = ?1 AND username = ?2", p);
	int faved = marked(c, "SELECT 1 FROM favorites WHERE activity_id = ?1 AND username = ?2", p);
	const struct {
		int holds;
		const char *name;
	} acl[] = {
		{view, "View activity"},
		{stream_may(c, p, SR_DELETE) == 1, "Delete activity"},
		{view, "View activity comments"},
		{acting && stream_may(c, p, SR_COMMENT) == 1, "Add a comment to an activity"},
		{acting && view, "Favorite an activity"},
		{auth_is_manager(c) || (auth_is_self(c) && faved), "Unfavorite an activity"},
		{stream_may(c, p, SR_LIKE) == 1, "Like an activity"},
		{liked && acting, "Unlike an activity"},
		{stream_may(c, p, SR_FLAG) == 1, "Flag an activity"},
		{stream_may(c, p, SR_FLAG) == 1, "Unflag an activity"},
	};
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < sizeof acl / sizeof acl[0]; i++)
		if (acl[i].holds)
			json_object_array_add(a, json_object_new_string(acl[i].name));
	return a;
}

/* #19 GET /activities/{id} */
enum max_err activity_get(struct max_ctx *c, struct max_resp *r)
{
	struct post p;
	enum max_err e = stream_load_url(c, &p);
	if (e || (e = stream_require(c, &p, SR_VIEW)))
		return e;
	json_object *o = activity_render(c, p.id, ACT_PRIVATE | ACT_ACTING);
	if (!o)
		return max_fail(c, MAX_ESERVER, "activity %s vanished", p.id);
	if (qs_get(c, "show_acls"))
		jx_set(o, "acls", activity_acls(c, &p));
	return resp_json(r, 200, o);
}

/* #20 DELETE /activities/{id}: the row, its likes, favourites and index
 * rows go; its comment activities stay (they leave the replies). Deleting
 * a comment activity takes it out of its post's replies too. */
enum max_err activity_delete(struct max_ctx *c, struct max_resp *r)
{
	struct post p;
	enum max_err e = stream_load_url(c, &p);
	if (e || (e = stream_require(c, &p, SR_DELETE)))
		return e;
	char parent[MAX_ID_LEN + 1] = "";
	sqlite3_stmt *s = store_stmt(c->db, "SELECT in_reply_to FROM activities WHERE id = ?1"
					    " AND verb = 'comment' AND reply_deleted = 0");
	if (!s)
		return max_fail(c, MAX_ESERVER, "activity lookup failed");
	store_bind_text(s, 1, p.id);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(parent, sizeof parent, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	if ((e = stream_forget(c, p.id)))
		return e;
	const char *args[] = {p.id};
	if (store_exec(c->db, "DELETE FROM activities WHERE id = ?1", 1, args) < 0)
		return max_fail(c, MAX_ESERVER, "activity delete failed");
	if (parent[0] && (e = stream_refresh_post(c, parent)))
		return e;
	if (!strcmp(p.object_type, "image") || !strcmp(p.object_type, "file"))
		media_remove(c, p.id);
	r->status = 204;
	return MAX_OK;
}

/* The §9.2 object of an image or file post the caller may view. */
static enum max_err attachment(struct max_ctx *c, const char *want, json_object **obj)
{
	struct post p;
	enum max_err e = stream_load_url(c, &p);
	if (e || (e = stream_require(c, &p, SR_VIEW)))
		return e;
	/* Clean: the wrong kind of object is 404, not 500 */
	if (strcmp(p.object_type, want))
		return max_fail(c, MAX_ENOTFOUND, "Activity %s has no %s", p.id, want);
	sqlite3_stmt *s = store_stmt(c->db, "SELECT object_json FROM activities WHERE id = ?1");
	if (!s)
		return max_fail(c, MAX_ESERVER, "activity lookup failed");
	store_bind_text(s, 1, p.id);
	*obj = sqlite3_step(s) == SQLITE_ROW
		       ? json_tokener_parse((const char *)sqlite3_column_text(s, 0))
		       : NULL;
	sqlite3_reset(s);
	return *obj ? MAX_OK : max_fail(c, MAX_ESERVER, "activity %s vanished", p.id);
}

/* #21 GET /activities/{id}/image, #22 …/image/{size} (full, thumb) */
enum max_err activity_image(struct max_ctx *c, struct max_resp *r)
{
	json_object *obj = NULL;
	enum max_err e = attachment(c, "image", &obj);
	if (!e)
		e = media_serve_image(c, r, "activities", c->params[0], c->params[1],
				      jx_str(obj, "mimetype"));
	json_object_put(obj);
	return e;
}

/* #23 GET /activities/{id}/file/download */
enum max_err activity_file(struct max_ctx *c, struct max_resp *r)
{
	json_object *obj = NULL;
	enum max_err e = attachment(c, "file", &obj);
	if (!e)
		e = media_serve_file(c, r, "activities", c->params[0], jx_str(obj, "filename"),
				     jx_str(obj, "mimetype"));
	json_object_put(obj);
	return e;
}

/* #13 GET /people/{username}/activities: posts by the user, lean; others
 * see his contextless posts, those in contexts they share with him and
 * those in contexts only he is in that are read-public (Clean: read, not
 * write); Managers every post in his current subscriptions. */
enum max_err activities_user_list(struct max_ctx *c, struct max_resp *r)
{
	struct stream_from from = {.src = SRC_USER,
				   .user = c->params[0],
				   .reader = c->auth_user,
				   .ctx = qs_get(c, "context"),
				   .all = auth_is_manager(c)};
	return stream_list(c, r, &from, 10, 0, ACT_ACTING, 1);
}
