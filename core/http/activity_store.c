/*
 * activity_store.c — the activities table: one INSERT, one renderer.
 *
 * The renderer builds the §4.4 document from columns (counts, dates,
 * snapshots), the stored actor/object JSON and the stream tables: the
 * replies (comment activities still attached to the post), the likes and
 * favourites, and for the acting user deletable/liked/favorited. Lists
 * are only read when the row says they are not empty, so an ordinary post
 * costs one statement. Private fields (§4) are stored and shown only with
 * ACT_PRIVATE.
 */
#include "http/activity_store.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "http/people.h"
#include "store/store.h"
#include "http/stream.h"
#include "util/text.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdio.h>
#include <string.h>

json_object *activity_person_actor(struct max_ctx *c, const char *username)
{
	char dn[257];
	people_display_name(c->db, username, dn, sizeof dn);
	json_object *a = json_object_new_object();
	jx_set_str(a, "objectType", "person");
	jx_set_str(a, "username", username);
	jx_set_str(a, "displayName", *dn ? dn : username);
	return a;
}

enum max_err activity_insert(struct max_ctx *c, const struct activity_new *a, char id[25])
{
	char now[21];
	id_new(id);
	time_now_iso(now);
	const char *otype = jx_str(a->object_json, "objectType");
	sqlite3_stmt *s = store_stmt(
		c->db,
		"INSERT INTO activities (id, verb, actor_kind, actor, actor_json, object_type,"
		" object_json, context_hash, context_json, conversation_id, in_reply_to, creator,"
		" owner, published, generator, keywords_json, last_comment, dup_key)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" CASE WHEN ?2 = 'post' THEN ?1 END, ?17)");
	if (!s || !otype)
		return max_fail(c, MAX_ESERVER, "activity insert: bad statement or object");
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, a->verb);
	store_bind_text(s, 3, a->actor_kind ? a->actor_kind : "person");
	store_bind_text(s, 4, a->actor);
	store_bind_text(s, 5, jx_text(a->actor_json));
	store_bind_text(s, 6, otype);
	store_bind_text(s, 7, jx_text(a->object_json));
	store_bind_text(s, 8, a->context_hash);
	store_bind_text(s, 9, a->context_json ? jx_text(a->context_json) : NULL);
	store_bind_text(s, 10, a->conversation_id);
	store_bind_text(s, 11, a->in_reply_to);
	store_bind_text(s, 12, c->auth_user[0] ? c->auth_user : a->actor);
	store_bind_text(s, 13, a->owner ? a->owner : a->actor);
	store_bind_text(s, 14, a->published ? a->published : now);
	store_bind_text(s, 15, a->generator);
	store_bind_text(s, 16, a->keywords ? jx_text(a->keywords) : "[]");
	store_bind_text(s, 17, a->dup_key);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return max_fail(c, MAX_ESERVER, "activity insert failed: %s",
				sqlite3_errmsg(c->db->db));
	return MAX_OK;
}

static json_object *parse_col(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	return t ? json_tokener_parse(t) : NULL;
}

static const char *text_col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* object keys that are private (§4): stored, shown only with ACT_PRIVATE */
static void strip_private(json_object *o, unsigned flags)
{
	if (!o || !json_object_is_type(o, json_type_object))
		return;
	if (!(flags & ACT_PRIVATE) || (flags & ACT_NO_KEYWORDS))
		json_object_object_del(o, "keywords");
	if (flags & ACT_PRIVATE)
		return;
	json_object_object_del(o, "hashtags");
	json_object_object_del(o, "creator");
	json_object_object_del(o, "owner");
}

int stream_deletable(struct max_ctx *c, const char *owner, const char *context_hash)
{
	if (c->actor_context[0] || !c->actor[0])
		return 0;
	if (owner && !strcmp(owner, c->actor))
		return 1;
	if (!context_hash || !*context_hash)
		return 0;
	/* delete in the subscription's list (perm_mask bit 128) or in _grants */
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT perm_mask & 128 OR EXISTS (SELECT 1 FROM json_each(grants_json)"
		       " WHERE value = 'delete') FROM subscriptions WHERE username = ?1 AND hash = ?2");
	if (!s)
		return 0;
	store_bind_text(s, 1, c->actor);
	store_bind_text(s, 2, context_hash);
	int yes = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return yes;
}

json_object *stream_replies(struct max_ctx *c, const char *post_id, unsigned flags,
			    int post_deletable)
{
	json_object *arr = json_object_new_array();
	sqlite3_stmt *s = store_stmt(c->db, "SELECT id, actor_json, object_json, published, actor"
					    " FROM activities WHERE in_reply_to = ?1"
					    " AND verb = 'comment' AND reply_deleted = 0"
					    " ORDER BY id");
	if (!s)
		return arr;
	store_bind_text(s, 1, post_id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_object *obj = parse_col(s, 2), *o = json_object_new_object();
		jx_set_str(o, "id", text_col(s, 0));
		jx_set_str(o, "objectType", "comment");
		jx_set_str(o, "content", jx_str(obj, "content"));
		jx_set_str(o, "published", text_col(s, 3));
		jx_set(o, "actor", parse_col(s, 1));
		if (flags & ACT_ACTING)
			jx_set_bool(o, "deletable",
				    post_deletable || (!c->actor_context[0] &&
						       !strcmp(c->actor, text_col(s, 4))));
		json_object *v;
		if ((flags & ACT_PRIVATE) && !(flags & ACT_NO_KEYWORDS) &&
		    json_object_object_get_ex(obj, "keywords", &v))
			jx_set(o, "keywords", json_object_get(v));
		if ((flags & ACT_PRIVATE) && json_object_object_get_ex(obj, "hashtags", &v))
			jx_set(o, "hashtags", json_object_get(v));
		json_object_put(obj);
		json_object_array_add(arr, o);
	}
	sqlite3_reset(s);
	return arr;
}

/* likes or favorites of an activity, in the order given; sets *mine when
 * the acting user is among them. */
static json_object *marks(struct max_ctx *c, const char *sql, const char *id, int *mine)
{
	json_object *arr = json_object_new_array();
	sqlite3_stmt *s = store_prepare_(c->db, sql);
	if (!s)
		return arr;
	store_bind_text(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *u = text_col(s, 0);
		json_object *o = json_object_new_object();
		jx_set_str(o, "username", u);
		jx_set_str(o, "objectType", "person");
		json_object_array_add(arr, o);
		if (!c->actor_context[0] && !strcmp(u, c->actor))
			*mine = 1;
	}
	sqlite3_reset(s);
	return arr;
}

json_object *activity_render(struct max_ctx *c, const char *id, unsigned flags)
{
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT verb, actor_json, object_json, context_json, creator, owner,"
		       " published, generator, keywords_json, last_comment, likes_count,"
		       " last_like, favorites_count, flagged, flag_state, context_hash"
		       " FROM activities WHERE id = ?1");
	if (!s)
		return NULL;
	store_bind_text(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return NULL;
	}
	/* copy what is needed after the statement is reused */
	char owner[MAX_USERNAME_MAX + 1], ctx[MAX_HASH_LEN + 1], last[MAX_ID_LEN + 1];
	snprintf(owner, sizeof owner, "%s", text_col(s, 5) ? text_col(s, 5) : "");
	snprintf(ctx, sizeof ctx, "%s", text_col(s, 15) ? text_col(s, 15) : "");
	snprintf(last, sizeof last, "%s", text_col(s, 9) ? text_col(s, 9) : id);
	long long likes = sqlite3_column_int64(s, 10), favorites = sqlite3_column_int64(s, 12);

	json_object *o = json_object_new_object();
	jx_set_str(o, "id", id);
	jx_set_str(o, "objectType", "activity");
	jx_set_str(o, "verb", text_col(s, 0));
	jx_set(o, "actor", parse_col(s, 1));
	json_object *obj = parse_col(s, 2);
	strip_private(obj, flags);
	jx_set(o, "object", obj);
	json_object *cj = parse_col(s, 3);
	if (cj) {
		json_object *arr = json_object_new_array();
		json_object_array_add(arr, cj);
		jx_set(o, "contexts", arr);
	}
	if (flags & ACT_PRIVATE) {
		jx_set_str(o, "creator", text_col(s, 4));
		jx_set_str(o, "owner", text_col(s, 5));
		if (!(flags & ACT_NO_KEYWORDS))
			jx_set(o, "keywords", parse_col(s, 8));
	}
	jx_set_str(o, "published", text_col(s, 6));
	jx_set_str(o, "generator", text_col(s, 7));
	jx_set_str(o, "lastComment", last);
	char date[21];
	jx_set_int(o, "likesCount", likes);
	if (text_col(s, 11)) {
		text_date_seconds(text_col(s, 11), date);
		jx_set_str(o, "lastLike", date);
	}
	jx_set_int(o, "favoritesCount", favorites);
	int flag_state = sqlite3_column_int(s, 14);
	if (flag_state == 1) {
		text_date_seconds(text_col(s, 13), date);
		jx_set_str(o, "flagged", date);
	} else if (flag_state == 2) {
		jx_set(o, "flagged", NULL);
	}
	sqlite3_reset(s);

	int deletable = (flags & ACT_ACTING) ? stream_deletable(c, owner, ctx) : 0;
	jx_set(o, "replies", strcmp(last, id) ? stream_replies(c, id, flags, deletable)
					      : json_object_new_array());
	int liked = 0, favorited = 0;
	jx_set(o, "likes",
	       likes ? marks(c, "SELECT username FROM likes WHERE activity_id = ?1 ORDER BY rowid",
			     id, &liked)
		     : json_object_new_array());
	json_object *favs =
		favorites ? marks(c,
				  "SELECT username FROM favorites WHERE activity_id = ?1 ORDER BY rowid",
				  id, &favorited)
			  : json_object_new_array();
	if (flags & ACT_NO_FAVORITES)
		json_object_put(favs);
	else
		jx_set(o, "favorites", favs);
	if (flags & ACT_ACTING) {
		if (!(flags & ACT_NO_FAVORITES)) {
			jx_set_bool(o, "deletable", deletable);
			jx_set_bool(o, "favorited", favorited);
		}
		jx_set_bool(o, "liked", liked);
	}
	return o;
}
