/*
 * activity_store.c — the activity document (api.md 4.4) from a row of
 * the model (model/activities.h), and the old insert entry point other
 * families still call.
 *
 * The renderer builds the document from the row's columns (counts, dates,
 * snapshots), its stored actor/object JSON and the stream tables: the
 * replies (comment activities still attached to the post), the likes and
 * favourites, and for the acting user deletable/liked/favorited. Lists
 * are only read when the row says they are not empty, so an ordinary post
 * costs one statement, and a new one none (rendered from what was
 * written). Private fields are stored and shown only with ACT_PRIVATE.
 */
#include "http/activity_store.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "http/people.h"
#include "model/people.h"
#include "model/activities.h"
#include "http/stream.h"
#include "util/text.h"

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

enum max_err activity_insert(struct max_ctx *c, struct act_new *a, char id[25])
{
	if (!a->creator)
		a->creator = c->auth_user[0] ? c->auth_user : a->actor;
	id_new(id);
	return act_insert(c->db, a, id, NULL);
}

/* object keys that are private (api.md 4): stored, shown only with ACT_PRIVATE */
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

const char *stream_acting(const struct max_ctx *c)
{
	return c->actor_context[0] || !c->actor[0] ? NULL : c->actor;
}

int stream_deletable(struct max_ctx *c, const char *owner, const char *context_hash)
{
	const char *me = stream_acting(c);
	if (!me)
		return 0;
	if (owner && !strcmp(owner, me))
		return 1;
	if (!context_hash || !*context_hash)
		return 0;
	return act_may_delete_in(c->db, me, context_hash);
}

/* one api.md 4.5 reply, for act_replies_each() */
struct replies {
	json_object *arr;
	const char *me;
	unsigned flags;
	int post_deletable;
};

static void add_reply(void *arg, const struct act_reply *r)
{
	struct replies *x = arg;
	json_object *o = json_object_new_object(), *v;
	jx_set_str(o, "id", r->id);
	jx_set_str(o, "objectType", "comment");
	jx_set_str(o, "content", jx_str(r->object, "content"));
	jx_set_str(o, "published", r->published);
	jx_set(o, "actor", json_object_get(r->actor_json));
	if (x->flags & ACT_ACTING)
		jx_set_bool(o, "deletable",
			    x->post_deletable || (x->me && !strcmp(x->me, r->actor)));
	if ((x->flags & ACT_PRIVATE) && !(x->flags & ACT_NO_KEYWORDS) &&
	    json_object_object_get_ex(r->object, "keywords", &v))
		jx_set(o, "keywords", json_object_get(v));
	if ((x->flags & ACT_PRIVATE) && json_object_object_get_ex(r->object, "hashtags", &v))
		jx_set(o, "hashtags", json_object_get(v));
	json_object_array_add(x->arr, o);
}

json_object *stream_replies(struct max_ctx *c, const char *post_id, unsigned flags,
			    int post_deletable)
{
	struct replies x = {json_object_new_array(), stream_acting(c), flags, post_deletable};
	act_replies_each(c->db, post_id, add_reply, &x);
	return x.arr;
}

/* likes or favorites of an activity; mine: the acting user among them */
struct marks {
	json_object *arr;
	const char *me;
	int mine;
};

static void add_mark(void *arg, const char *user)
{
	struct marks *x = arg;
	json_object *o = json_object_new_object();
	jx_set_str(o, "username", user);
	jx_set_str(o, "objectType", "person");
	json_object_array_add(x->arr, o);
	if (x->me && !strcmp(user, x->me))
		x->mine = 1;
}

json_object *stream_marks(struct max_ctx *c, enum act_mark m, const char *id, int *mine)
{
	struct marks x = {json_object_new_array(), stream_acting(c), 0};
	act_marks_each(c->db, m, id, add_mark, &x);
	*mine = x.mine;
	return x.arr;
}

/* the envelope's fields stored as columns */
static void render_columns(json_object *o, struct act_row *row, unsigned flags)
{
	jx_set_str(o, "id", row->id);
	jx_set_str(o, "objectType", "activity");
	jx_set_str(o, "verb", row->verb);
	jx_set(o, "actor", json_object_get(row->actor));
	json_object *obj = NULL;
	json_object_deep_copy(row->object, &obj, NULL);
	strip_private(obj, flags);
	jx_set(o, "object", obj);
	if (row->context) {
		json_object *arr = json_object_new_array();
		json_object_array_add(arr, json_object_get(row->context));
		jx_set(o, "contexts", arr);
	}
	if (flags & ACT_PRIVATE) {
		jx_set_str(o, "creator", row->creator);
		jx_set_str(o, "owner", row->owner);
		if (!(flags & ACT_NO_KEYWORDS))
			jx_set(o, "keywords", json_object_get(row->keywords));
	}
	jx_set_str(o, "published", row->published);
	jx_set_str(o, "generator", row->has_generator ? row->generator : NULL);
	jx_set_str(o, "lastComment", row->last_comment);
	char date[21];
	jx_set_int(o, "likesCount", row->likes);
	if (row->last_like[0]) {
		text_date_seconds(row->last_like, date);
		jx_set_str(o, "lastLike", date);
	}
	jx_set_int(o, "favoritesCount", row->favorites);
	if (row->flag_state == 1) {
		text_date_seconds(row->flagged, date);
		jx_set_str(o, "flagged", date);
	} else if (row->flag_state == 2) {
		jx_set(o, "flagged", NULL);
	}
}

json_object *activity_render_row(struct max_ctx *c, struct act_row *row, unsigned flags)
{
	json_object *o = json_object_new_object();
	render_columns(o, row, flags);
	const char *id = row->id;
	int deletable =
		(flags & ACT_ACTING) ? stream_deletable(c, row->owner, row->context_hash) : 0;
	jx_set(o, "replies",
	       strcmp(row->last_comment, id) ? stream_replies(c, id, flags, deletable)
					     : json_object_new_array());
	int liked = 0, favorited = 0;
	jx_set(o, "likes",
	       row->likes ? stream_marks(c, ACT_LIKE, id, &liked) : json_object_new_array());
	json_object *favs = row->favorites ? stream_marks(c, ACT_FAVORITE, id, &favorited)
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

json_object *activity_render(struct max_ctx *c, const char *id, unsigned flags)
{
	struct act_row row;
	if (act_get(c->db, id, &row))
		return NULL;
	json_object *o = activity_render_row(c, &row, flags);
	act_row_free(&row);
	return o;
}
