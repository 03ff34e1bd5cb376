/*
 * comments.c — comments (api.md 4.5, 4.6; endpoints.md): #26 commenting, #25 a
 * post's comments, #27 deleting one, #24 #28 #29 the comment listings.
 *
 * A comment is a `comment` activity (in_reply_to = the post). While it is
 * in the post's replies (reply_deleted = 0) the post shows it, its
 * keywords and author are part of the post's keywords and its text is
 * part of the post's full-text search; deleting it (#27) only takes it
 * out of the replies: the comment activity itself stays listed.
 */
#include "http/activity_store.h"
#include "http/auth.h"
#include "http/notify_http.h"
#include "http/contexts.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "http/perm.h"
#include "model/activities.h"
#include "http/stream.h"
#include "util/text.h"
#include "http/traverse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_MAX (64 * 1024)

/* api.md 4.6 object of a comment activity, from the body. */
static enum max_err comment_object(struct max_ctx *c, const struct act_post *p, json_object **out)
{
	json_object *in = NULL;
	const char *type = NULL, *content = NULL;
	enum max_err e = stream_body_object(c, &in, &type);
	if (e)
		return e;
	if (!type || strcmp(type, "comment"))
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"objectType\": must be \"comment\"");
	int rc = jx_string(in, "content", &content);
	if (rc < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"content\": must be a string");
	if (rc == 0 || !*content)
		return stream_missing(c, in, "content");
	if (strlen(content) > CONTENT_MAX)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"content\": longer than %d bytes",
				CONTENT_MAX);
	char *clean = text_sanitize(content);
	json_object *o = json_object_new_object();
	jx_set_str(o, "objectType", "comment");
	jx_set_str(o, "content", clean);
	json_object *reply = json_object_new_object(), *ctxs = json_object_new_array();
	jx_set_str(reply, "id", p->id);
	jx_set_str(reply, "objectType", p->object_type);
	if (p->context_hash[0])
		json_object_array_add(ctxs, json_object_new_string(p->context_hash));
	jx_set(reply, "contexts", ctxs);
	json_object *in_reply_to = json_object_new_array();
	json_object_array_add(in_reply_to, reply);
	jx_set(o, "inReplyTo", in_reply_to);
	text_object_terms(o, clean);
	free(clean);
	*out = o;
	return MAX_OK;
}

/* messaging.md 3: the post's context, read now, notifies comments. */
static enum max_err notify_comment(struct max_ctx *c, const struct act_post *p, const char *cid,
				   const char *content)
{
	if (!p->context_hash[0])
		return MAX_OK;
	struct context ctx;
	int found = ctx_find(c->db, p->context_hash, &ctx);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "context lookup failed");
	if (!found)
		return MAX_OK;
	enum max_err e = MAX_OK;
	const char *n = json_object_is_type(ctx.notifications, json_type_string)
				? json_object_get_string(ctx.notifications)
				: NULL;
	if (n && !strcmp(n, "comments")) {
		json_object *d = json_object_new_object();
		jx_set_str(d, "text", content);
		jx_set_str(d, "activityid", p->id);
		jx_set_str(d, "commentid", cid);
		e = carrot_publish(c, "activity", ctx.hash, "add", "comment", NULL, NULL, d);
	}
	ctx_free(&ctx);
	return e;
}

/* #26 POST /activities/{id}/comments */
enum max_err comments_add(struct max_ctx *c, struct max_resp *r)
{
	struct act_post p;
	enum max_err e = stream_load_acting(c, &p, SR_COMMENT);
	if (e)
		return e;
	json_object *obj = NULL;
	if ((e = comment_object(c, &p, &obj)))
		return e;
	json_object *actor = activity_person_actor(c, c->actor), *none = json_object_new_array();
	struct act_new a = {
		.verb = "comment",
		.actor = c->actor,
		.actor_json = actor,
		.object_json = obj,
		.in_reply_to = p.id,
		.reply_context = p.context_hash[0] ? p.context_hash : NULL,
		.creator = c->auth_user[0] ? c->auth_user : c->actor,
		.owner = c->actor,
		.keywords = none,
	};
	char cid[MAX_ID_LEN + 1];
	id_new(cid);
	struct act_row row;
	if (!(e = act_comment_add(c->db, &a, cid, &row))) {
		if (!(e = notify_comment(c, &p, cid, jx_str(obj, "content"))))
			e = resp_json(r, 201, activity_render_row(c, &row, ACT_PRIVATE));
		act_row_free(&row);
	}
	json_object_put(actor);
	json_object_put(none);
	json_object_put(obj);
	return e;
}

/* #25 GET /activities/{id}/comments: the replies, lean, oldest first.
 * Unlike the original: whoever may view the post may read them. */
enum max_err comments_of_activity(struct max_ctx *c, struct max_resp *r)
{
	struct act_post p;
	enum max_err e = stream_load_url(c, &p);
	if (e || (e = stream_require(c, &p, SR_VIEW)))
		return e;
	int deletable = stream_deletable(c, p.owner, p.context_hash);
	return resp_json(r, 200, stream_replies(c, p.id, ACT_ACTING, deletable));
}

/* #27 DELETE /activities/{id}/comments/{comment}: Managers, the comment's
 * author, the post's owner, or Sub:delete. */
enum max_err comment_delete(struct max_ctx *c, struct max_resp *r)
{
	struct act_post p;
	enum max_err e = stream_load_url(c, &p);
	if (e)
		return e;
	const char *cid = c->params[1];
	char author[MAX_USERNAME_MAX + 1];
	if ((e = act_comment_author(c->db, p.id, cid, author)))
		return e;
	if (strcmp(author, c->auth_user) && (e = stream_require(c, &p, SR_DELETE)))
		return e;
	if ((e = act_comment_remove(c->db, p.id, cid)))
		return e;
	r->status = 204;
	return MAX_OK;
}

/* #24 GET /activities/comments: every comment activity, full (Managers). */
enum max_err comments_global(struct max_ctx *c, struct max_resp *r)
{
	struct stream_from from = {.src = SRC_COMMENTS};
	return stream_list(c, r, &from, 10, 0, ACT_PRIVATE | ACT_ACTING, 1);
}

/* #28 GET /people/{username}/comments: lean, without deletable,
 * favorited and favorites. */
enum max_err comments_of_user(struct max_ctx *c, struct max_resp *r)
{
	struct stream_from from = {.src = SRC_USER_COMMENTS, .user = c->params[0]};
	return stream_list(c, r, &from, 10, 0, ACT_ACTING | ACT_NO_FAVORITES, 1);
}

/* #29 GET /contexts/{hash}/comments: comments on the context's posts,
 * full; Managers or Sub:read (owning the context is not enough). */
enum max_err comments_of_context(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	int found = ctx_find(c->db, c->params[0], &ctx);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "context lookup failed");
	if (!found)
		return traverse_not_found(c, "hash", c->params[0], "contexts");
	struct stream_from from = {.src = SRC_CONTEXT_COMMENTS, .ctx = ctx.hash};
	enum max_err e = perm_require(c, &ctx, PA_LIST_COMMENTS);
	if (!e)
		e = stream_list(c, r, &from, 10, 0, ACT_PRIVATE | ACT_ACTING, 1);
	ctx_free(&ctx);
	return e;
}
