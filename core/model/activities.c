/*
 * activities.c — the activity stream's rows: one INSERT per activity with
 * its final values, the keyword/hashtag/full-text rows that make the
 * filters indexable, comments as replies of a post, likes, favourites and
 * flags. A comment changes its post incrementally (the keywords and
 * hashtags it adds, its lastComment), so that commenting on a post with
 * many replies costs what commenting on a fresh one does; only the
 * maintenance rebuild (#91) reads every reply.
 */
#include "model/activities.h"
#include "model/dupguard.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void act_row_free(struct act_row *r)
{
	json_object_put(r->actor);
	json_object_put(r->object);
	json_object_put(r->context);
	json_object_put(r->keywords);
	r->actor = r->object = r->context = r->keywords = NULL;
}

static void copy(char *out, size_t len, const char *v)
{
	snprintf(out, len, "%s", v ? v : "");
}

/* the row a just written, for rendering without reading it back */
static void row_of_new(const struct act_new *a, const char *id, const char *creator,
		       const char *published, struct act_row *r)
{
	memset(r, 0, sizeof *r);
	copy(r->id, sizeof r->id, id);
	copy(r->verb, sizeof r->verb, a->verb);
	copy(r->creator, sizeof r->creator, creator);
	copy(r->owner, sizeof r->owner, a->owner ? a->owner : a->actor);
	copy(r->published, sizeof r->published, published);
	copy(r->last_comment, sizeof r->last_comment, id);
	copy(r->context_hash, sizeof r->context_hash, a->context_hash);
	copy(r->generator, sizeof r->generator, a->generator);
	r->has_generator = a->generator != NULL;
	/* deep copies: the caller keeps (and may change) its own objects */
	json_object_deep_copy(a->actor_json, &r->actor, NULL);
	json_object_deep_copy(a->object_json, &r->object, NULL);
	if (a->context_json)
		json_object_deep_copy(a->context_json, &r->context, NULL);
	if (a->keywords)
		json_object_deep_copy(a->keywords, &r->keywords, NULL);
	else
		r->keywords = json_object_new_array();
}

/* A post's keywords when nothing was added to them: its object's keywords
 * and, for a person, the author's words (API: activity keywords). */
static json_object *default_keywords(json_object *object, json_object *actor, int person)
{
	json_object *kw = json_object_new_array(), *v = NULL;
	if (json_object_object_get_ex(object, "keywords", &v))
		text_set_add_all(kw, v);
	if (person)
		text_set_add_person(kw, jx_str(actor, "username"), jx_str(actor, "displayName"));
	return kw;
}

/* keywords_json as stored: NULL for a post whose keywords are the default */
static const char *stored_keywords(const struct act_new *a)
{
	const char *kw = a->keywords ? jx_text(a->keywords) : "[]";
	if (strcmp(a->verb, "post"))
		return kw;
	int person = !a->actor_kind || !strcmp(a->actor_kind, "person");
	json_object *d = default_keywords(a->object_json, a->actor_json, person);
	int same = !strcmp(kw, jx_text(d));
	json_object_put(d);
	return same ? NULL : kw;
}

/* The full-text entry of a post or comment, added or removed with the
 * tokens max_fts_text/max_fts_terms compute from its row (store.c). */
static enum max_err fts_entry(struct store *st, const char *id, int add)
{
	const char *args[] = {id};
	int rc = add ? store_exec(st,
				  "INSERT INTO stream_fts (rowid, text, terms) SELECT rid,"
				  " max_fts_text(json_extract(object_json, '$.content')),"
				  " max_fts_terms(verb, object_json, actor_kind, actor_json)"
				  " FROM activities WHERE id = ?1 AND verb IN ('post', 'comment')",
				  1, args)
		     : store_exec(st,
				  "INSERT INTO stream_fts (stream_fts, rowid, text, terms)"
				  " SELECT 'delete', rid,"
				  " max_fts_text(json_extract(object_json, '$.content')),"
				  " max_fts_terms(verb, object_json, actor_kind, actor_json)"
				  " FROM activities WHERE id = ?1 AND verb IN ('post', 'comment')",
				  1, args);
	return rc < 0 ? model_fail(st, MAX_ESERVER, "text index failed") : MAX_OK;
}

/* The full-text entry of the row just inserted, from the values it was
 * written with (the same text, so the same tokens fts_entry() removes it
 * with), without reading the row back. */
static enum max_err fts_add_new(struct store *st, int64_t rid, const struct act_new *a)
{
	store_q *q = store_sql(st, "INSERT INTO stream_fts (rowid, text, terms) VALUES (?1,"
				   " max_fts_text(json_extract(?2, '$.content')),"
				   " max_fts_terms(?3, ?2, ?4, ?5))");
	if (!q)
		return model_fail(st, MAX_ESERVER, "text index failed");
	store_bind_int(q, 1, rid);
	store_bind_text(q, 2, jx_text(a->object_json));
	store_bind_text(q, 3, a->verb);
	store_bind_text(q, 4, a->actor_kind ? a->actor_kind : "person");
	store_bind_text(q, 5, jx_text(a->actor_json));
	return store_run(q) < 0 ? model_fail(st, MAX_ESERVER, "text index failed") : MAX_OK;
}

static void bind_new(store_q *q, const struct act_new *a, const char *id, const char *otype,
		     const char *creator, const char *published)
{
	store_bind_text(q, 1, id);
	store_bind_text(q, 2, a->verb);
	store_bind_text(q, 3, a->actor_kind ? a->actor_kind : "person");
	store_bind_text(q, 4, a->actor);
	store_bind_text(q, 5, jx_text(a->actor_json));
	store_bind_text(q, 6, otype);
	store_bind_text(q, 7, jx_text(a->object_json));
	store_bind_text(q, 8, a->context_hash);
	store_bind_text(q, 9, a->context_json ? jx_text(a->context_json) : NULL);
	store_bind_text(q, 10, a->conversation_id);
	store_bind_text(q, 11, a->in_reply_to);
	store_bind_text(q, 12, a->reply_context);
	store_bind_text(q, 13, creator);
	store_bind_text(q, 14, a->owner ? a->owner : a->actor);
	store_bind_text(q, 15, published);
	store_bind_text(q, 16, a->generator);
	store_bind_text(q, 17, stored_keywords(a));
}

enum max_err act_insert(struct store *st, const struct act_new *a, const char *id,
			struct act_row *row)
{
	char now[21];
	time_now_iso(now);
	const char *otype = jx_str(a->object_json, "objectType");
	const char *creator = a->creator ? a->creator : a->actor;
	const char *published = a->published ? a->published : now;
	store_q *q = store_sql(
		st,
		"INSERT INTO activities (id, verb, actor_kind, actor, actor_json, object_type,"
		" object_json, context_hash, context_json, conversation_id, in_reply_to,"
		" reply_context, creator, owner, published, generator, keywords_json)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17)");
	if (!q || !otype)
		return model_fail(st, MAX_ESERVER, "activity insert: bad statement or object");
	bind_new(q, a, id, otype, creator, published);
	if (store_run(q) < 0)
		return model_fail(st, MAX_ESERVER, "activity insert failed");
	enum max_err e = MAX_OK;
	if (!strcmp(a->verb, "post") || !strcmp(a->verb, "comment"))
		e = fts_add_new(st, store_last_rowid(st), a);
	if (!e && row)
		row_of_new(a, id, creator, published, row);
	return e;
}

enum max_err act_get(struct store *st, const char *id, struct act_row *r)
{
	memset(r, 0, sizeof *r);
	store_q *q = store_sql(st, "SELECT verb, actor_json, object_json, context_json, creator,"
				   " owner, published, generator, keywords_json, last_comment,"
				   " likes_count, last_like, favorites_count, flagged, flag_state,"
				   " context_hash, actor_kind FROM activities WHERE id = ?1");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, id);
	int found = store_one(q);
	if (found <= 0)
		return found < 0 ? MAX_ESERVER : MAX_ENOTFOUND;
	copy(r->id, sizeof r->id, id);
	store_copy(q, 0, r->verb, sizeof r->verb);
	r->actor = store_json(q, 1);
	r->object = store_json(q, 2);
	r->context = store_json(q, 3);
	store_copy(q, 4, r->creator, sizeof r->creator);
	store_copy(q, 5, r->owner, sizeof r->owner);
	store_copy(q, 6, r->published, sizeof r->published);
	r->has_generator = !store_is_null(q, 7);
	store_copy(q, 7, r->generator, sizeof r->generator);
	r->keywords = store_is_null(q, 8) ? default_keywords(r->object, r->actor,
							     !strcmp(store_text(q, 16), "person"))
					  : store_json(q, 8);
	copy(r->last_comment, sizeof r->last_comment, store_is_null(q, 9) ? id : store_text(q, 9));
	r->likes = store_int(q, 10);
	store_copy(q, 11, r->last_like, sizeof r->last_like);
	r->favorites = store_int(q, 12);
	store_copy(q, 13, r->flagged, sizeof r->flagged);
	r->flag_state = (int)store_int(q, 14);
	store_copy(q, 15, r->context_hash, sizeof r->context_hash);
	store_reset(q);
	return MAX_OK;
}

int act_post_load(struct store *st, const char *id, struct act_post *p)
{
	memset(p, 0, sizeof *p);
	store_q *q = store_sql(st, "SELECT id, verb, object_type, actor_kind, actor, owner,"
				   " context_hash, last_comment, likes_count, favorites_count,"
				   " flag_state, visible FROM activities WHERE id = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, id);
	int found = store_one(q);
	if (found != 1)
		return found;
	store_copy(q, 0, p->id, sizeof p->id);
	store_copy(q, 1, p->verb, sizeof p->verb);
	store_copy(q, 2, p->object_type, sizeof p->object_type);
	p->actor_is_person = !strcmp(store_text(q, 3), "person");
	store_copy(q, 4, p->actor, sizeof p->actor);
	store_copy(q, 5, p->owner, sizeof p->owner);
	store_copy(q, 6, p->context_hash, sizeof p->context_hash);
	store_copy(q, 7, p->last_comment, sizeof p->last_comment);
	if (!p->last_comment[0])
		copy(p->last_comment, sizeof p->last_comment, p->id);
	p->likes_count = store_int(q, 8);
	p->favorites_count = store_int(q, 9);
	p->flag_state = (int)store_int(q, 10);
	p->visible = (int)store_int(q, 11);
	store_reset(q);
	return 1;
}

int act_sub_mask(struct store *st, const char *user, const char *hash, unsigned *mask)
{
	*mask = 0;
	store_q *q = store_sql(st, "SELECT perm_mask FROM subscriptions WHERE username = ?1"
				   " AND hash = ?2");
	if (!q)
		return -1;
	store_bind_text(q, 1, user);
	store_bind_text(q, 2, hash);
	int found = store_one(q);
	if (found == 1) {
		*mask = (unsigned)store_int(q, 0);
		store_reset(q);
	}
	return found;
}

int act_ctx_read_public(struct store *st, const char *hash)
{
	store_q *q = store_sql(st, "SELECT json_extract(permissions_json, '$.read') = 'public'"
				   " FROM contexts WHERE hash = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, hash);
	int found = store_one(q), pub = 0;
	if (found == 1) {
		pub = store_int(q, 0) == 1;
		store_reset(q);
	}
	return found < 0 ? -1 : pub;
}

int act_may_delete_in(struct store *st, const char *user, const char *hash)
{
	/* delete in the subscription's list (perm_mask bit 128) or in _grants */
	store_q *q =
		store_sql(st, "SELECT perm_mask & 128 OR EXISTS (SELECT 1 FROM"
			      " json_each(grants_json) WHERE value = 'delete') FROM subscriptions"
			      " WHERE username = ?1 AND hash = ?2");
	if (!q)
		return 0;
	store_bind_text(q, 1, user);
	store_bind_text(q, 2, hash);
	int yes = 0;
	if (store_one(q) == 1) {
		yes = store_int(q, 0) != 0;
		store_reset(q);
	}
	return yes;
}

int act_find_duplicate(struct store *st, const char *actor_kind, const char *actor,
		       const char *context_hash, const char *content, const char *since,
		       char id[MAX_ID_LEN + 1])
{
	int clear = dupguard_check(st, actor_kind, actor, context_hash, content, since);
	if (clear != DUPG_MAYBE)
		return clear == DUPG_NONE ? 0 : -1;
	return act_lookup_duplicate(st, actor_kind, actor, context_hash, content, since, id);
}

int act_lookup_duplicate(struct store *st, const char *actor_kind, const char *actor,
			 const char *context_hash, const char *content, const char *since,
			 char id[MAX_ID_LEN + 1])
{
	store_q *q =
		store_sql(st,
			  "SELECT x.id FROM stream_fts f CROSS JOIN activities x ON x.rid = f.rowid"
			  " WHERE f.stream_fts MATCH ('{terms} : ' || max_fts_dup(?1, ?2, ?4))"
			  " AND x.verb = 'post' AND x.actor_kind = ?1 AND x.actor = ?2"
			  " AND x.context_hash IS ?3"
			  " AND IFNULL(json_extract(x.object_json, '$.content'), '') = ?4"
			  " AND x.published > ?5 ORDER BY x.id LIMIT 1");
	if (!q)
		return -1;
	store_bind_text(q, 1, actor_kind);
	store_bind_text(q, 2, actor);
	store_bind_text(q, 3, context_hash);
	store_bind_text(q, 4, content ? content : "");
	store_bind_text(q, 5, since);
	int found = store_one(q);
	if (found == 1) {
		store_copy(q, 0, id, MAX_ID_LEN + 1);
		store_reset(q);
	}
	return found;
}

/* ---- indexes ------------------------------------------------------------------ */

static size_t count_of(json_object *arr)
{
	return arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

static const char *word_at(json_object *arr, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(arr, i));
}

enum max_err act_fts_reset(struct store *st)
{
	if (store_exec(st, "INSERT INTO stream_fts (stream_fts) VALUES ('delete-all')", 0, NULL) <
	    0)
		return model_fail(st, MAX_ESERVER, "text index reset failed");
	return MAX_OK;
}

/* API: what one reply adds to its post's keywords: its object keywords,
 * its author's username, the username's '.' parts, his displayName words. */
static void reply_words(json_object *kw, json_object *object, json_object *actor)
{
	json_object *v = NULL;
	if (json_object_object_get_ex(object, "keywords", &v))
		text_set_add_all(kw, v);
	text_set_add_person(kw, jx_str(actor, "username"), jx_str(actor, "displayName"));
}

static void add_reply_words(void *arg, const struct act_reply *r)
{
	reply_words(arg, r->object, r->actor_json);
}

static void note_last(void *arg, const struct act_reply *r)
{
	copy(arg, MAX_ID_LEN + 1, r->id);
}

enum max_err act_replies_each(struct store *st, const char *post_id,
			      void (*fn)(void *arg, const struct act_reply *r), void *arg)
{
	store_q *q = store_sql(st, "SELECT id, actor_json, object_json, published, actor"
				   " FROM activities WHERE in_reply_to = ?1"
				   " AND verb = 'comment' AND reply_deleted = 0 ORDER BY id");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, post_id);
	int rc;
	while ((rc = store_step(q)) == STORE_ROW) {
		struct act_reply r = {store_text(q, 0), store_text(q, 3), store_text(q, 4),
				      store_json(q, 1), store_json(q, 2)};
		fn(arg, &r);
		json_object_put(r.actor_json);
		json_object_put(r.object);
	}
	return rc == STORE_ERR ? MAX_ESERVER : MAX_OK;
}

/* The post's own keywords: its object's and, for a person, its actor's. */
static json_object *own_words(struct store *st, const char *post_id, json_object **object)
{
	store_q *q = store_sql(st, "SELECT object_json, actor_json, actor_kind"
				   " FROM activities WHERE id = ?1");
	*object = NULL;
	if (!q)
		return NULL;
	store_bind_text(q, 1, post_id);
	if (store_one(q) != 1)
		return NULL;
	*object = store_json(q, 0);
	json_object *actor = store_json(q, 1);
	int person = !strcmp(store_text(q, 2), "person");
	store_reset(q);
	json_object *kw = default_keywords(*object, actor, person);
	json_object_put(actor);
	return kw;
}

/* The post's keywords (NULL: its default ones, own_words()), lastComment
 * (its own id: none) and, when given, object. */
static enum max_err set_post_state(struct store *st, const char *post_id, json_object *kw,
				   const char *last, json_object *object)
{
	const char *args[] = {kw ? jx_text(kw) : NULL, strcmp(last, post_id) ? last : NULL,
			      object ? jx_text(object) : NULL, post_id};
	if (store_exec(st,
		       "UPDATE activities SET keywords_json = ?1, last_comment = ?2,"
		       " object_json = COALESCE(?3, object_json) WHERE id = ?4",
		       4, args) < 0)
		return model_fail(st, MAX_ESERVER, "post update failed");
	return MAX_OK;
}

enum max_err act_post_recompute(struct store *st, const char *post_id)
{
	json_object *obj = NULL, *kw = own_words(st, post_id, &obj);
	if (!kw)
		return store_failed(st) ? MAX_ESERVER : MAX_OK;
	size_t own = json_object_array_length(kw);
	char last[MAX_ID_LEN + 1];
	copy(last, sizeof last, post_id);
	enum max_err e = act_replies_each(st, post_id, add_reply_words, kw);
	if (!e)
		e = act_replies_each(st, post_id, note_last, last);
	/* nothing added by the replies: the default, stored as NULL */
	if (!e)
		e = set_post_state(st, post_id, json_object_array_length(kw) > own ? kw : NULL,
				   last, NULL);
	json_object_put(kw);
	json_object_put(obj);
	return e;
}

enum max_err act_reindex(struct store *st, const char *id)
{
	store_q *q = store_sql(st, "SELECT verb, object_json FROM activities WHERE id = ?1");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, id);
	if (store_one(q) != 1)
		return store_failed(st) ? MAX_ESERVER : MAX_OK;
	int post = !strcmp(store_text(q, 0), "post");
	json_object *obj = store_json(q, 1);
	store_reset(q);
	if (!obj)
		return MAX_OK;
	const char *content = jx_str(obj, "content"), *type = jx_str(obj, "objectType");
	if (content && !(type && !strcmp(type, "file")))
		jx_set(obj, "keywords", text_keywords(content));
	const char *args[] = {jx_text(obj), id};
	enum max_err e = MAX_OK;
	if (store_exec(st, "UPDATE activities SET object_json = ?1 WHERE id = ?2", 2, args) < 0)
		e = model_fail(st, MAX_ESERVER, "activity update failed");
	if (!e && post)
		e = act_post_recompute(st, id);
	if (!e)
		e = fts_entry(st, id, 1);
	json_object_put(obj);
	return e;
}

size_t act_next_batch(struct store *st, const char *after, char (*ids)[MAX_ID_LEN + 1], size_t max)
{
	store_q *q = store_sql(st, "SELECT id FROM activities WHERE id > ?1"
				   " AND verb IN ('post', 'comment') ORDER BY id LIMIT ?2");
	size_t n = 0;
	if (!q)
		return 0;
	store_bind_text(q, 1, after);
	store_bind_int(q, 2, (int64_t)max);
	while (n < max && store_step(q) == STORE_ROW)
		store_copy(q, 0, ids[n++], MAX_ID_LEN + 1);
	if (n == max)
		store_reset(q);
	return n;
}

enum max_err act_fix_dates(struct store *st)
{
	if (store_exec(st,
		       "UPDATE activities SET last_comment = (SELECT max(x.id)"
		       " FROM activities x WHERE x.in_reply_to = activities.id"
		       " AND x.verb = 'comment' AND x.reply_deleted = 0) WHERE verb = 'post'",
		       0, NULL) < 0)
		return model_fail(st, MAX_ESERVER, "dates maintenance failed");
	return MAX_OK;
}

int act_prune_subscriptions(struct store *st)
{
	return store_exec(st,
			  "DELETE FROM subscriptions WHERE hash NOT IN (SELECT hash FROM contexts)",
			  0, NULL);
}

int act_next_context(struct store *st, char hash[MAX_HASH_LEN + 1])
{
	store_q *q =
		store_sql(st, "SELECT hash FROM contexts WHERE hash > ?1 ORDER BY hash LIMIT 1");
	if (!q)
		return -1;
	store_bind_text(q, 1, hash);
	int found = store_one(q);
	if (found == 1) {
		store_copy(q, 0, hash, MAX_HASH_LEN + 1);
		store_reset(q);
	}
	return found;
}

/* ---- deleting ----------------------------------------------------------------- */

static enum max_err forget(struct store *st, const char *id)
{
	const char *args[] = {id};
	if (fts_entry(st, id, 0))
		return MAX_ESERVER;
	if (store_exec(st, "DELETE FROM likes WHERE activity_id = ?1", 1, args) < 0 ||
	    store_exec(st, "DELETE FROM favorites WHERE activity_id = ?1", 1, args) < 0 ||
	    /* its comments leave the replies and the post's search */
	    store_exec(st,
		       "UPDATE activities SET reply_deleted = 1 WHERE in_reply_to = ?1"
		       " AND verb = 'comment'",
		       1, args) < 0 ||
	    store_exec(st, "DELETE FROM activities WHERE id = ?1", 1, args) < 0)
		return model_fail(st, MAX_ESERVER, "activity delete failed");
	return MAX_OK;
}

enum max_err act_delete(struct store *st, const struct act_post *p)
{
	char parent[MAX_ID_LEN + 1] = "";
	store_q *q = store_sql(st, "SELECT in_reply_to FROM activities WHERE id = ?1"
				   " AND verb = 'comment' AND reply_deleted = 0");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, p->id);
	int found = store_one(q);
	if (found < 0)
		return MAX_ESERVER;
	if (found) {
		store_copy(q, 0, parent, sizeof parent);
		store_reset(q);
	}
	/* a live comment first leaves its post's replies (and keywords) */
	enum max_err e = parent[0] ? act_comment_remove(st, parent, p->id) : MAX_OK;
	return e ? e : forget(st, p->id);
}

/* ---- comments ------------------------------------------------------------------ */

/* The post's keywords, its object and lastComment; *dflt: the keywords
 * are the default ones (stored as NULL). */
static enum max_err post_terms(struct store *st, const char *post_id, json_object **kw,
			       json_object **object, char last[MAX_ID_LEN + 1], int *dflt)
{
	store_q *q = store_sql(st, "SELECT keywords_json, object_json, last_comment, actor_json,"
				   " actor_kind FROM activities WHERE id = ?1");
	*kw = *object = NULL;
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, post_id);
	int found = store_one(q);
	if (found <= 0)
		return found < 0 ? MAX_ESERVER : MAX_ENOTFOUND;
	*dflt = store_is_null(q, 0);
	*object = store_json(q, 1);
	if (*dflt) {
		json_object *actor = store_json(q, 3);
		*kw = default_keywords(*object, actor, !strcmp(store_text(q, 4), "person"));
		json_object_put(actor);
	} else {
		*kw = store_json(q, 0);
	}
	copy(last, MAX_ID_LEN + 1, store_is_null(q, 2) ? post_id : store_text(q, 2));
	store_reset(q);
	if (!*kw || !json_object_is_type(*kw, json_type_array)) {
		json_object_put(*kw);
		*kw = json_object_new_array();
	}
	return MAX_OK;
}

/* Appends to have what add brings that it lacks; the words added. */
static json_object *absorb(json_object *have, json_object *add)
{
	json_object *fresh = json_object_new_array();
	for (size_t i = 0; i < count_of(add); i++) {
		size_t before = json_object_array_length(have);
		text_set_add(have, word_at(add, i));
		if (json_object_array_length(have) > before)
			text_set_add(fresh, word_at(add, i));
	}
	return fresh;
}

/* The post gains the comment's keywords (and its author's) and hashtags
 * (API: keywords and object.hashtags absorb the comment's); lastComment
 * becomes the comment. */
static enum max_err post_absorbs(struct store *st, const char *post_id, const char *cid,
				 json_object *cobject, json_object *cactor)
{
	json_object *kw = NULL, *obj = NULL, *words = json_object_new_array(), *tags = NULL;
	char last[MAX_ID_LEN + 1];
	int dflt = 0;
	enum max_err e = post_terms(st, post_id, &kw, &obj, last, &dflt);
	if (!e) {
		reply_words(words, cobject, cactor);
		json_object *new_kw = absorb(kw, words), *new_tags = NULL;
		if (json_object_object_get_ex(cobject, "hashtags", &tags) && count_of(tags)) {
			json_object *have = NULL;
			if (!json_object_object_get_ex(obj, "hashtags", &have)) {
				have = json_object_new_array();
				jx_set(obj, "hashtags", have);
			}
			new_tags = absorb(have, tags);
		}
		e = set_post_state(st, post_id, dflt && !count_of(new_kw) ? NULL : kw, cid,
				   count_of(new_tags) ? obj : NULL);
		json_object_put(new_kw);
		json_object_put(new_tags);
	}
	json_object_put(kw);
	json_object_put(obj);
	json_object_put(words);
	return e;
}

/* The comment row indexes itself (act_insert); the post's index entry
 * stays as it is: the comment's tokens find the post while it is a reply. */
enum max_err act_comment_add(struct store *st, const struct act_new *a, const char *cid,
			     struct act_row *row)
{
	enum max_err e = act_insert(st, a, cid, row);
	if (!e && (e = post_absorbs(st, a->in_reply_to, cid, a->object_json, a->actor_json)) && row)
		act_row_free(row); /* the caller frees the row only on success */
	return e;
}

enum max_err act_comment_author(struct store *st, const char *post_id, const char *cid,
				char author[MAX_USERNAME_MAX + 1])
{
	store_q *q =
		store_sql(st, "SELECT actor FROM activities WHERE id = ?1"
			      " AND verb = 'comment' AND in_reply_to = ?2 AND reply_deleted = 0");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, cid);
	store_bind_text(q, 2, post_id);
	int found = store_one(q);
	if (found <= 0)
		return found < 0
			       ? MAX_ESERVER
			       : model_fail(st, MAX_ENOTFOUND,
					    "Activity %s has no comment with id %s", post_id, cid);
	store_copy(q, 0, author, MAX_USERNAME_MAX + 1);
	store_reset(q);
	return MAX_OK;
}

/* Removes from cands the words other live replies of the post still
 * bring: their object keywords (through the keyword rows) and their
 * authors' words. Reads the replies' index entries; writes nothing. */
static enum max_err still_brought(struct store *st, const char *post_id, json_object *cands)
{
	store_q *q =
		store_sql(st,
			  "SELECT DISTINCT k.value FROM activities r,"
			  " json_each(r.object_json, '$.keywords') k"
			  " WHERE r.in_reply_to = ?1 AND r.verb = 'comment' AND r.reply_deleted = 0"
			  " AND k.value IN (SELECT value FROM json_each(?2))");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, post_id);
	store_bind_text(q, 2, jx_text(cands));
	json_object *kept = json_object_new_array();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		text_set_add(kept, store_text(q, 0));
	if (rc != STORE_ERR && count_of(kept) < count_of(cands)) {
		q = store_sql(st,
			      "SELECT DISTINCT actor_json FROM activities WHERE in_reply_to = ?1"
			      " AND verb = 'comment' AND reply_deleted = 0");
		if (!q) {
			json_object_put(kept);
			return MAX_ESERVER;
		}
		store_bind_text(q, 1, post_id);
		while ((rc = store_step(q)) == STORE_ROW) {
			json_object *actor = store_json(q, 0);
			text_set_add_person(kept, jx_str(actor, "username"),
					    jx_str(actor, "displayName"));
			json_object_put(actor);
		}
	}
	/* cands minus kept, in place */
	for (size_t i = count_of(cands); i-- > 0;)
		for (size_t j = 0; j < count_of(kept); j++)
			if (!strcmp(word_at(cands, i), word_at(kept, j))) {
				json_object_array_del_idx(cands, i, 1);
				break;
			}
	json_object_put(kept);
	return rc == STORE_ERR ? MAX_ESERVER : MAX_OK;
}

/* The words only the comment brought to its post (candidates: its words
 * not among the post's own, then those no other live reply brings). */
static enum max_err lost_words(struct store *st, const char *post_id, const char *cid,
			       json_object **lost)
{
	store_q *q = store_sql(st, "SELECT object_json, actor_json FROM activities WHERE id = ?1");
	*lost = json_object_new_array();
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, cid);
	if (store_one(q) != 1)
		return store_failed(st) ? MAX_ESERVER : MAX_OK;
	json_object *cobj = store_json(q, 0), *cactor = store_json(q, 1);
	store_reset(q);
	json_object *words = json_object_new_array(), *pobj = NULL;
	reply_words(words, cobj, cactor);
	json_object *own = own_words(st, post_id, &pobj);
	for (size_t i = 0; i < count_of(words); i++) {
		const char *w = word_at(words, i);
		int mine = 0;
		for (size_t j = 0; !mine && j < count_of(own); j++)
			mine = !strcmp(w, word_at(own, j));
		if (!mine)
			text_set_add(*lost, w);
	}
	json_object_put(cobj);
	json_object_put(cactor);
	json_object_put(words);
	json_object_put(own);
	json_object_put(pobj);
	return count_of(*lost) ? still_brought(st, post_id, *lost) : MAX_OK;
}

/* The post's newest live reply, or the post itself. */
static enum max_err newest_reply(struct store *st, const char *post_id, char last[MAX_ID_LEN + 1])
{
	store_q *q = store_sql(st, "SELECT id FROM activities WHERE in_reply_to = ?1"
				   " AND verb = 'comment' AND reply_deleted = 0"
				   " ORDER BY in_reply_to DESC, id DESC LIMIT 1");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, post_id);
	int found = store_one(q);
	copy(last, MAX_ID_LEN + 1, post_id);
	if (found == 1) {
		store_copy(q, 0, last, MAX_ID_LEN + 1);
		store_reset(q);
	}
	return found < 0 ? MAX_ESERVER : MAX_OK;
}

enum max_err act_comment_remove(struct store *st, const char *post_id, const char *cid)
{
	const char *args[] = {cid};
	if (store_exec(st, "UPDATE activities SET reply_deleted = 1 WHERE id = ?1", 1, args) < 0)
		return model_fail(st, MAX_ESERVER, "comment delete failed");
	json_object *kw = NULL, *obj = NULL, *lost = NULL;
	char last[MAX_ID_LEN + 1];
	int dflt = 0;
	enum max_err e = post_terms(st, post_id, &kw, &obj, last, &dflt);
	if (e == MAX_ENOTFOUND)
		return MAX_OK;
	if (!e)
		e = lost_words(st, post_id, cid, &lost);
	if (!e && !strcmp(last, cid))
		e = newest_reply(st, post_id, last);
	for (size_t i = count_of(kw); !e && i-- > 0;)
		for (size_t j = 0; j < count_of(lost); j++)
			if (!strcmp(word_at(kw, i), word_at(lost, j))) {
				json_object_array_del_idx(kw, i, 1);
				break;
			}
	if (!e)
		e = set_post_state(st, post_id, dflt && !count_of(lost) ? NULL : kw, last, NULL);
	json_object_put(kw);
	json_object_put(obj);
	json_object_put(lost);
	return e;
}

/* ---- likes, favourites, flags ---------------------------------------------------- */

int act_mark_has(struct store *st, enum act_mark m, const char *id, const char *user)
{
	store_q *q =
		m == ACT_LIKE
			? store_sql(st,
				    "SELECT 1 FROM likes WHERE activity_id = ?1 AND username = ?2")
			: store_sql(st, "SELECT 1 FROM favorites WHERE activity_id = ?1"
					" AND username = ?2");
	if (!q)
		return -1;
	store_bind_text(q, 1, id);
	store_bind_text(q, 2, user);
	int found = store_one(q);
	if (found == 1)
		store_reset(q);
	return found;
}

/* likes_count (and lastLike when now) or favorites_count from the rows */
static enum max_err recount(struct store *st, enum act_mark m, const char *id, const char *now)
{
	const char *args[] = {id, now};
	int rc = m == ACT_LIKE
			 ? store_exec(st,
				      "UPDATE activities SET likes_count = (SELECT count(*)"
				      " FROM likes WHERE activity_id = ?1), last_like ="
				      " COALESCE(?2, last_like) WHERE id = ?1",
				      2, args)
			 : store_exec(st,
				      "UPDATE activities SET favorites_count = (SELECT count(*)"
				      " FROM favorites WHERE activity_id = ?1) WHERE id = ?1",
				      1, args);
	return rc < 0 ? model_fail(st, MAX_ESERVER, "mark count failed") : MAX_OK;
}

enum max_err act_mark_add(struct store *st, enum act_mark m, const char *id, const char *user,
			  const char *now)
{
	const char *args[] = {id, user, now};
	int rc = m == ACT_LIKE ? store_exec(st,
					    "INSERT INTO likes (activity_id, username, liked_at)"
					    " VALUES (?1, ?2, ?3)",
					    3, args)
			       : store_exec(st,
					    "INSERT INTO favorites (activity_id, username,"
					    " favorited_at) VALUES (?1, ?2, ?3)",
					    3, args);
	if (rc < 0)
		return model_fail(st, MAX_ESERVER, "mark insert failed");
	return recount(st, m, id, m == ACT_LIKE ? now : NULL);
}

enum max_err act_mark_remove(struct store *st, enum act_mark m, const char *id, const char *user)
{
	const char *args[] = {id, user};
	int rc = m == ACT_LIKE
			 ? store_exec(st,
				      "DELETE FROM likes WHERE activity_id = ?1 AND username = ?2",
				      2, args)
			 : store_exec(st,
				      "DELETE FROM favorites WHERE activity_id = ?1"
				      " AND username = ?2",
				      2, args);
	if (rc < 0)
		return model_fail(st, MAX_ESERVER, "mark delete failed");
	return recount(st, m, id, NULL);
}

int act_mark_last(struct store *st, enum act_mark m, const char *user, const char *post_id,
		  char id[MAX_ID_LEN + 1])
{
	store_q *q = m == ACT_LIKE
			     ? store_sql(st, "SELECT id FROM activities WHERE actor = ?1"
					     " AND actor_kind = 'person' AND verb = 'like'"
					     " AND json_extract(object_json, '$.id') = ?2"
					     " ORDER BY id DESC LIMIT 1")
			     : store_sql(st, "SELECT id FROM activities WHERE actor = ?1"
					     " AND actor_kind = 'person' AND verb = 'favorite'"
					     " AND json_extract(object_json, '$.id') = ?2"
					     " ORDER BY id DESC LIMIT 1");
	if (!q)
		return -1;
	store_bind_text(q, 1, user);
	store_bind_text(q, 2, post_id);
	int found = store_one(q);
	if (found == 1) {
		store_copy(q, 0, id, MAX_ID_LEN + 1);
		store_reset(q);
	}
	return found;
}

enum max_err act_marks_each(struct store *st, enum act_mark m, const char *id,
			    void (*fn)(void *arg, const char *user), void *arg)
{
	store_q *q = m == ACT_LIKE
			     ? store_sql(st, "SELECT username FROM likes WHERE activity_id = ?1"
					     " ORDER BY rowid")
			     : store_sql(st, "SELECT username FROM favorites WHERE activity_id = ?1"
					     " ORDER BY rowid");
	if (!q)
		return MAX_ESERVER;
	store_bind_text(q, 1, id);
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		fn(arg, store_text(q, 0));
	return rc == STORE_ERR ? MAX_ESERVER : MAX_OK;
}

enum max_err act_flag(struct store *st, const char *id, const char *now)
{
	const char *args[] = {now, id};
	if (store_exec(st, "UPDATE activities SET flagged = ?1, flag_state = 1 WHERE id = ?2", 2,
		       args) < 0)
		return model_fail(st, MAX_ESERVER, "flag failed");
	return MAX_OK;
}

enum max_err act_unflag(struct store *st, const char *id)
{
	const char *args[] = {id};
	if (store_exec(st, "UPDATE activities SET flagged = NULL, flag_state = 2 WHERE id = ?1", 1,
		       args) < 0)
		return model_fail(st, MAX_ESERVER, "unflag failed");
	return MAX_OK;
}

int act_person_author(struct store *st, const char *id, char user[MAX_USERNAME_MAX + 1],
		      json_object **actor)
{
	store_q *q = store_sql(st, "SELECT actor, actor_json FROM activities"
				   " WHERE id = ?1 AND actor_kind = 'person'");
	*actor = NULL;
	user[0] = 0;
	if (!q)
		return -1;
	store_bind_text(q, 1, id);
	int found = store_one(q);
	if (found == 1) {
		store_copy(q, 0, user, MAX_USERNAME_MAX + 1);
		*actor = store_json(q, 1);
		store_reset(q);
	}
	return found;
}
