/*
 * activities.c — posts (endpoints.md): #13 a user's posts, #14 and #16
 * posting to a timeline or a context, #19 one activity, #20 deleting it,
 * #21–#23 its image and file; the URL lookup traverse_activity(), the
 * api.md 6.4 rules on one activity (stream_may) and the indexes a post or
 * comment feeds (keywords, hashtags, full text).
 *
 * A post is one row of activities: what the client sent, sanitised
 * (text.c), with its object keywords and hashtags kept as private keys of
 * the object and its activity keywords in keywords_json (NULL while they
 * are the default ones). Its full-text entry (text, keywords, hashtags)
 * makes the filters indexable; the model writes it with the row.
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
#include "model/activities.h"
#include "http/stream.h"
#include "util/text.h"
#include "http/traverse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_MAX (64 * 1024) /* bytes of a post's or comment's content */
#define GENERATOR_MAX 256

/* ---- one activity --------------------------------------------------------- */

int stream_load(struct max_ctx *c, const char *id, struct act_post *p)
{
	return act_post_load(c->db, id, p);
}

enum max_err stream_load_url(struct max_ctx *c, struct act_post *p)
{
	int found = stream_load(c, c->params[0], p);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "activity lookup failed");
	if (!found)
		return traverse_not_found(c, "_id", c->params[0], "activity");
	return MAX_OK;
}

/* api.md 1.3 step 5: a malformed id is 400 InvalidId, an unknown one 404. */
enum max_err traverse_activity(struct max_ctx *c, const char *id)
{
	if (!id_valid(id))
		return traverse_bad_id(c, id);
	struct act_post p;
	int found = stream_load(c, id, &p);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "activity lookup failed");
	return found ? MAX_OK : traverse_not_found(c, "_id", id, "activity");
}

/* The acting user's subscription to the post's context: -1 error, 0 none,
 * 1 subscribed (mask filled). A context actor has none. */
static int actor_subscription(struct max_ctx *c, const struct act_post *p, unsigned *mask)
{
	*mask = 0;
	const char *me = stream_acting(c);
	return me ? act_sub_mask(c->db, me, p->context_hash, mask) : 0;
}

int stream_may(struct max_ctx *c, const struct act_post *p, enum stream_right r)
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
		case SR_COMMENT:
			return 1;
		case SR_DELETE:
			return owner;
		case SR_LIKE:
			return self;
		case SR_FLAG:
			return 0;
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
		return act_ctx_read_public(c->db, p->context_hash);
	case SR_COMMENT:
		return sub && (mask & PERM_BIT(PERM_WRITE));
	case SR_DELETE:
		return sub && (mask & PERM_BIT(PERM_DELETE));
	case SR_FLAG:
		return sub && (mask & PERM_BIT(PERM_FLAG));
	}
	return 0;
}

enum max_err stream_require(struct max_ctx *c, const struct act_post *p, enum stream_right r)
{
	int ok = stream_may(c, p, r);
	if (ok < 0)
		return max_fail(c, MAX_ESERVER, "subscription lookup failed");
	return ok ? MAX_OK : perm_deny(c);
}

enum max_err stream_load_acting(struct max_ctx *c, struct act_post *p, enum stream_right r)
{
	enum max_err e = stream_load_url(c, p);
	if (e)
		return e;
	if (!auth_is_manager(c) && !auth_is_self(c))
		return perm_deny(c);
	return stream_require(c, p, r);
}

/* ---- posting ------------------------------------------------------------------ */

/* api.md 4.4 object of a post: note (content required), image or file (content
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
				     : json_object_to_json_string(
					       json_object_object_get(in, "objectType")));
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

/* published (backdating, api.md 3) as stored: "YYYY-MM-DDTHH:MM:SSZ" */
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

/* messaging.md 3: a new post in a context that notifies. */
static enum max_err notify_post(struct max_ctx *c, const struct context *ctx, const char *id,
				const char *content, json_object *person)
{
	if (!ctx || !ctx_notifies(ctx))
		return MAX_OK;
	json_object *d = json_object_new_object();
	jx_set_str(d, "text", content ? content : "");
	jx_set_str(d, "activityid", id);
	/* the author's name as the post shows it (NULL: carrot reads it) */
	return carrot_publish(c, "activity", ctx->hash, "add", "activity",
			      person ? jx_str(person, "username") : NULL,
			      person ? jx_str(person, "displayName") : NULL, d);
}

/* The actor object of a new post: the acting person, or the context the
 * body names (api.md 1.4, Managers only). */
static json_object *post_actor(struct max_ctx *c, struct context *actx, int *is_person)
{
	if (!c->actor_context[0]) {
		*is_person = 1;
		return activity_person_actor(c, c->actor);
	}
	*is_person = 0;
	if (ctx_find(c->db, c->actor_context, actx) != 1)
		return NULL;
	json_object *a = json_object_new_object();
	jx_set_str(a, "objectType", "context");
	jx_set_str(a, "url", actx->url);
	jx_set_str(a, "hash", actx->hash);
	jx_set_str(a, "displayName", actx->display_name);
	return a;
}

/* What post_insert() writes besides the body's object. */
struct post_meta {
	const struct context *ctx; /* NULL: the timeline */
	json_object *actor;
	int person;
	const char *actor_key, *published, *generator;
};

/* A new post with its final values written once, its index rows, its
 * notification; the 201 answer rendered from what was written. */
static enum max_err post_insert(struct max_ctx *c, struct max_resp *r, json_object *obj,
				const struct post_meta *m)
{
	char id[MAX_ID_LEN + 1];
	id_new(id);
	enum max_err e = MAX_OK;
	/* api.md 9.2: the file is stored under the new id; its fields join the object */
	if (strcmp(jx_str(obj, "objectType"), "note") &&
	    (e = media_store(c, "activities", id, c->upload, obj)))
		return e;
	json_object *kw = json_object_new_array(), *okw = NULL;
	if (json_object_object_get_ex(obj, "keywords", &okw))
		text_set_add_all(kw, okw);
	if (m->person)
		text_set_add_person(kw, jx_str(m->actor, "username"),
				    jx_str(m->actor, "displayName"));
	json_object *snap = m->ctx ? ctx_snapshot(m->ctx) : NULL;
	struct act_new a = {
		.verb = "post",
		.actor_kind = m->person ? "person" : "context",
		.actor = m->actor_key,
		.actor_json = m->actor,
		.object_json = obj,
		.context_hash = m->ctx ? m->ctx->hash : NULL,
		.context_json = snap,
		.creator = c->auth_user[0] ? c->auth_user : m->actor_key,
		.owner = m->person ? c->actor : c->auth_user,
		.published = m->published,
		.generator = m->generator,
		.keywords = kw,
	};
	struct act_row row;
	const char *content = jx_str(obj, "content");
	if (!(e = act_insert(c->db, &a, id, &row))) {
		if (!(e = notify_post(c, m->ctx, id, content, m->person ? m->actor : NULL)))
			/* api.md 4.4: the create answer has no keywords, no deletable/liked/favorited */
			e = resp_json(r, 201,
				      activity_render_row(c, &row, ACT_PRIVATE | ACT_NO_KEYWORDS));
		act_row_free(&row);
	}
	json_object_put(kw);
	json_object_put(snap);
	return e;
}

/* The same post again within a minute: 200 with the first one. */
static enum max_err post_again(struct max_ctx *c, struct max_resp *r, const char *id)
{
	json_object *o = activity_render(c, id, ACT_PRIVATE | ACT_NO_KEYWORDS | ACT_ACTING);
	return o ? resp_json(r, 200, o) : max_fail(c, MAX_ESERVER, "activity %s vanished", id);
}

/* published and generator of the body */
static enum max_err post_dates(struct max_ctx *c, char published[21], time_t *when,
			       const char **generator)
{
	enum max_err e = post_published(c, published, when);
	if (e)
		return e;
	*generator = NULL;
	if (jx_string(c->body, "generator", generator) < 0 ||
	    (*generator && strlen(*generator) > GENERATOR_MAX))
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"generator\": must be a short string");
	return MAX_OK;
}

/* #14 and #16 after the permission check: ctx is the context posted to,
 * or NULL for the timeline. */
static enum max_err post_create(struct max_ctx *c, struct max_resp *r, const struct context *ctx)
{
	json_object *obj = NULL;
	enum max_err e = post_object(c, &obj);
	if (e)
		return e;
	char published[21], id[MAX_ID_LEN + 1], since[21];
	time_t when;
	struct post_meta m = {.ctx = ctx, .published = published};
	struct context actx = {.url = NULL};
	if ((e = post_dates(c, published, &when, &m.generator)))
		goto out;
	if (!(m.actor = post_actor(c, &actx, &m.person))) {
		e = max_fail(c, MAX_ESERVER, "actor context vanished");
		goto out;
	}
	m.actor_key = m.person ? c->actor : actx.hash;
	/* API: the same actor's post with the same content in the same place
	 * (context or none) published less than 60 s before */
	time_iso(when - 60, since);
	int dup = act_find_duplicate(c->db, m.person ? "person" : "context", m.actor_key,
				     ctx ? ctx->hash : NULL, jx_str(obj, "content"), since, id);
	if (dup < 0)
		e = max_fail(c, MAX_ESERVER, "duplicate lookup failed");
	else
		e = dup ? post_again(c, r, id) : post_insert(c, r, obj, &m);
	json_object_put(m.actor);
	if (actx.url || actx.hash[0])
		ctx_free(&actx);
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
	int found = ctx_find(c->db, c->params[0], &ctx);
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
	ctx_free(&ctx);
	return e;
}

/* ?show_acls (api.md 1.11): the permission names (endpoints.md) of what the caller may do with the
 * activity, in the order of the original's activity ACL. */
static json_object *activity_acls(struct max_ctx *c, const struct act_post *p)
{
	int acting = auth_is_manager(c) || auth_is_self(c);
	int view = stream_may(c, p, SR_VIEW) == 1;
	int liked = act_mark_has(c->db, ACT_LIKE, p->id, c->actor) == 1;
	int faved = act_mark_has(c->db, ACT_FAVORITE, p->id, c->actor) == 1;
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
	struct act_post p;
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
	struct act_post p;
	enum max_err e = stream_load_url(c, &p);
	if (e || (e = stream_require(c, &p, SR_DELETE)))
		return e;
	if ((e = act_delete(c->db, &p)))
		return e;
	if (!strcmp(p.object_type, "image") || !strcmp(p.object_type, "file"))
		media_remove(c, p.id);
	r->status = 204;
	return MAX_OK;
}

/* An attachment of a post is seen by whoever may view the post (api.md 9.2). */
static enum max_err may_view(struct max_ctx *c)
{
	struct act_post p;
	enum max_err e = stream_load_url(c, &p);
	return e ? e : stream_require(c, &p, SR_VIEW);
}

/* #21 GET /activities/{id}/image, #22 …/image/{size} (full, thumb) */
enum max_err activity_image(struct max_ctx *c, struct max_resp *r)
{
	enum max_err e = may_view(c);
	return e ? e : media_get_image(c, r, "activities", c->params[0], c->params[1]);
}

/* #23 GET /activities/{id}/file/download */
enum max_err activity_file(struct max_ctx *c, struct max_resp *r)
{
	enum max_err e = may_view(c);
	return e ? e : media_get_file(c, r, "activities", c->params[0]);
}

/* #13 GET /people/{username}/activities: posts by the user, lean; others
 * see his contextless posts, those in contexts they share with him and
 * those in contexts only he is in that are read-public (unlike the original: read, not
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
