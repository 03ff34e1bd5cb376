/*
 * activity_store.c — the activities table: one INSERT, one renderer.
 *
 * The renderer builds the common envelope from columns (counts, dates,
 * snapshots) and the stored actor/object JSON; the stream family adds the
 * per-reader parts (replies, likes, deletable …) on top of it.
 */
#include "activity_store.h"
#include "http.h"
#include "ids.h"
#include "jsonx.h"
#include "people.h"
#include "store.h"

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
		" owner, published, generator, keywords_json, last_comment)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" CASE WHEN ?2 = 'post' THEN ?1 END)");
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
static void strip_private(json_object *o)
{
	if (!o || !json_object_is_type(o, json_type_object))
		return;
	json_object_object_del(o, "keywords");
	json_object_object_del(o, "hashtags");
	json_object_object_del(o, "creator");
	json_object_object_del(o, "owner");
}

json_object *activity_render(struct max_ctx *c, const char *id, unsigned flags)
{
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT verb, actor_json, object_json, context_json, creator, owner,"
		       " published, generator, keywords_json, last_comment, likes_count,"
		       " last_like, favorites_count, flagged, flag_state"
		       " FROM activities WHERE id = ?1");
	if (!s)
		return NULL;
	store_bind_text(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return NULL;
	}
	json_object *o = json_object_new_object();
	jx_set_str(o, "id", id);
	jx_set_str(o, "objectType", "activity");
	jx_set_str(o, "verb", text_col(s, 0));
	jx_set(o, "actor", parse_col(s, 1));
	json_object *obj = parse_col(s, 2);
	if (!(flags & ACT_PRIVATE))
		strip_private(obj);
	jx_set(o, "object", obj);
	json_object *ctx = parse_col(s, 3);
	if (ctx) {
		json_object *arr = json_object_new_array();
		json_object_array_add(arr, ctx);
		jx_set(o, "contexts", arr);
	}
	if (flags & ACT_PRIVATE) {
		jx_set_str(o, "creator", text_col(s, 4));
		jx_set_str(o, "owner", text_col(s, 5));
		jx_set(o, "keywords", parse_col(s, 8));
	}
	jx_set_str(o, "published", text_col(s, 6));
	jx_set_str(o, "generator", text_col(s, 7));
	if (text_col(s, 9))
		jx_set_str(o, "lastComment", text_col(s, 9));
	jx_set(o, "replies", json_object_new_array());
	jx_set(o, "likes", json_object_new_array());
	jx_set_int(o, "likesCount", sqlite3_column_int64(s, 10));
	if (text_col(s, 11))
		jx_set_str(o, "lastLike", text_col(s, 11));
	jx_set(o, "favorites", json_object_new_array());
	jx_set_int(o, "favoritesCount", sqlite3_column_int64(s, 12));
	if (sqlite3_column_int(s, 14))
		jx_set_str(o, "flagged", text_col(s, 13)); /* null after an unflag */
	sqlite3_reset(s);
	return o;
}
