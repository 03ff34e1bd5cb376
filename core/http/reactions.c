/*
 * reactions.c — likes, favourites and flags (api.md 4.7; endpoints.md, #30–#35).
 *
 * A like or favourite is a row of likes/favorites (the order of the
 * post's list is the rows' order) plus the counters on the post; each
 * change also stores a like/unlike/favorite/unfavorite activity whose
 * object names the post. Like and flag dates keep microseconds so that
 * the likes and flagged orders of api.md 7.2 are exact. Nothing here notifies.
 */
#include "http/activity_store.h"
#include "http/auth.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "model/activities.h"
#include "http/stream.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

/* The two kinds of marks share everything but names. */
struct mark {
	enum act_mark kind;
	const char *verb, *unverb;
	const char *list_key, *count_key, *mine_key;
};

static const struct mark like = {ACT_LIKE, "like", "unlike", "likes", "likesCount", "liked"};
static const struct mark favorite = {ACT_FAVORITE, "favorite",       "unfavorite",
				     "favorites",  "favoritesCount", "favorited"};

/* Stores a like/unlike/favorite/unfavorite activity of the acting user
 * about the post. */
static enum max_err mark_activity(struct max_ctx *c, const char *verb, const char *post_id,
				  char id[MAX_ID_LEN + 1])
{
	json_object *actor = activity_person_actor(c, c->actor), *obj = json_object_new_object();
	jx_set_str(obj, "objectType", "activity");
	jx_set_str(obj, "id", post_id);
	struct act_new a = {.verb = verb,
			    .actor = c->actor,
			    .actor_json = actor,
			    .object_json = obj,
			    .creator = c->auth_user[0] ? c->auth_user : c->actor};
	id_new(id);
	enum max_err e = act_insert(c->db, &a, id, NULL);
	json_object_put(actor);
	json_object_put(obj);
	return e;
}

/* api.md 4.7: the mark activity, its object carrying the post's current list,
 * count and the acting user's mark. */
static enum max_err answer(struct max_ctx *c, struct max_resp *r, const struct mark *m, int status,
			   const char *id, const char *post_id, unsigned flags)
{
	json_object *o = activity_render(c, id, flags), *obj = NULL;
	if (!o || !json_object_object_get_ex(o, "object", &obj)) {
		json_object_put(o);
		return max_fail(c, MAX_ESERVER, "activity %s vanished", id);
	}
	int mine = 0;
	json_object *list = stream_marks(c, m->kind, post_id, &mine);
	jx_set_int(obj, m->count_key, (long long)json_object_array_length(list));
	jx_set(obj, m->list_key, list);
	jx_set_bool(obj, m->mine_key, mine);
	return resp_json(r, status, o);
}

/* #30 #32: a new mark → 201 with a new activity; an existing one → 200
 * with the latest activity of that mark (unlike the original: a new one when there is
 * none). */
static enum max_err add_mark(struct max_ctx *c, struct max_resp *r, const struct mark *m,
			     enum stream_right right)
{
	struct act_post p;
	enum max_err e = stream_load_acting(c, &p, right);
	if (e)
		return e;
	int had = act_mark_has(c->db, m->kind, p.id, c->actor);
	if (had < 0)
		return max_fail(c, MAX_ESERVER, "mark lookup failed");
	char id[MAX_ID_LEN + 1] = "";
	if (had) {
		if (act_mark_last(c->db, m->kind, c->actor, p.id, id) < 0)
			return max_fail(c, MAX_ESERVER, "mark lookup failed");
		if (!id[0] && (e = mark_activity(c, m->verb, p.id, id)))
			return e;
		return answer(c, r, m, 200, id, p.id, ACT_PRIVATE | ACT_ACTING);
	}
	char now[28];
	text_now_us(now);
	if ((e = act_mark_add(c->db, m->kind, p.id, c->actor, now)) ||
	    (e = mark_activity(c, m->verb, p.id, id)))
		return e;
	return answer(c, r, m, 201, id, p.id, ACT_PRIVATE);
}

/* #31 #33: the acting user's (the URL's) mark removed and an unlike
 * (unfavorite) activity stored, when who_may() allows it given whether
 * he had it. */
static enum max_err remove_mark(struct max_ctx *c, const struct mark *m, struct act_post *p,
				int (*who_may)(struct max_ctx *c, int had), char id[MAX_ID_LEN + 1])
{
	enum max_err e = stream_load_url(c, p);
	if (e)
		return e;
	int had = act_mark_has(c->db, m->kind, p->id, c->actor);
	if (had < 0)
		return max_fail(c, MAX_ESERVER, "mark lookup failed");
	if (!who_may(c, had))
		return perm_deny(c);
	if ((e = act_mark_remove(c->db, m->kind, p->id, c->actor)))
		return e;
	return mark_activity(c, m->unverb, p->id, id);
}

/* unlike: only a like there is, by a Manager or the user himself */
static int may_unlike(struct max_ctx *c, int had)
{
	return had && (auth_is_manager(c) || auth_is_self(c));
}

/* unfavorite: a Manager always, the user himself his own favourite */
static int may_unfavorite(struct max_ctx *c, int had)
{
	return auth_is_manager(c) || (had && auth_is_self(c));
}

/* #30 POST /activities/{id}/likes: Self (Managers: anyone) who may read
 * the post. */
enum max_err likes_add(struct max_ctx *c, struct max_resp *r)
{
	return add_mark(c, r, &like, SR_LIKE);
}

/* #31 DELETE /activities/{id}/likes/{username}: only when the user has
 * liked it; Managers or the user himself. */
enum max_err like_remove(struct max_ctx *c, struct max_resp *r)
{
	struct act_post p;
	char id[MAX_ID_LEN + 1];
	enum max_err e = remove_mark(c, &like, &p, may_unlike, id);
	if (e)
		return e;
	r->status = 204;
	return MAX_OK;
}

/* #32 POST /activities/{id}/favorites: Self (Managers: anyone); Unlike the original:
 * only a post one may view. */
enum max_err favorites_add(struct max_ctx *c, struct max_resp *r)
{
	return add_mark(c, r, &favorite, SR_VIEW);
}

/* #33 DELETE /activities/{id}/favorites/{username}: Managers always; the
 * user himself when he has favourited it. 200 with the unfavorite
 * activity. */
enum max_err favorite_remove(struct max_ctx *c, struct max_resp *r)
{
	struct act_post p;
	char id[MAX_ID_LEN + 1];
	enum max_err e = remove_mark(c, &favorite, &p, may_unfavorite, id);
	if (e)
		return e;
	return answer(c, r, &favorite, 200, id, p.id, ACT_PRIVATE);
}

/* #34 POST /activities/{id}/flag: posts with a context only; Managers or
 * Sub:flag. 201 when newly flagged, 200 (date unchanged) when it was. */
enum max_err flag_add(struct max_ctx *c, struct max_resp *r)
{
	struct act_post p;
	enum max_err e = stream_load_url(c, &p);
	if (e || (e = stream_require(c, &p, SR_FLAG)))
		return e;
	int status = 200;
	if (p.flag_state != 1) {
		char now[28];
		text_now_us(now);
		if ((e = act_flag(c->db, p.id, now)))
			return e;
		status = 201;
	}
	json_object *o = activity_render(c, p.id, ACT_PRIVATE | ACT_ACTING);
	if (!o)
		return max_fail(c, MAX_ESERVER, "activity %s vanished", p.id);
	return resp_json(r, status, o);
}

/* #35 DELETE /activities/{id}/flag: flagged becomes null (also when it
 * was never flagged). */
enum max_err flag_remove(struct max_ctx *c, struct max_resp *r)
{
	struct act_post p;
	enum max_err e = stream_load_url(c, &p);
	if (e || (e = stream_require(c, &p, SR_FLAG)))
		return e;
	if ((e = act_unflag(c->db, p.id)))
		return e;
	r->status = 204;
	return MAX_OK;
}
