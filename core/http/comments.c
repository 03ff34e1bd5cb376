/*
 * comments.c — comments (API.md §4.5, §4.6, §5.4): #26 commenting, #25 a
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
#include "store/store.h"
#include "http/stream.h"
#include "util/text.h"
#include "http/traverse.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_MAX (64 * 1024)

/* §4.6 object of a comment activity, from the body. */
static enum max_err comment_object(struct max_ctx *c, const struct post *p, json_object **out)
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

/* The post's object.hashtags absorb the comment's (§5.4). */
static enum max_err absorb_hashtags(struct max_ctx *c, const char *post_id, json_object *tags)
{
	if (!tags || !json_object_array_length(tags))
		return MAX_OK;
	sqlite3_stmt *s = store_stmt(c->db, "SELECT object_json FROM activities WHERE id = ?1");
	if (!s)
		return max_fail(c, MAX_ESERVER, "post lookup failed");
	store_bind_text(s, 1, post_id);
	json_object *obj = NULL;
	if (sqlite3_step(s) == SQLITE_ROW)
		obj = json_tokener_parse((const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	if (!obj)
		return MAX_OK;
	json_object *have = NULL, *merged = json_object_new_array();
	if (json_object_object_get_ex(obj, "hashtags", &have))
		text_set_add_all(merged, have);
	text_set_add_all(merged, tags);
	jx_set(obj, "hashtags", merged);
	const char *args[] = {jx_text(obj), post_id};
	int rc = store_exec(c->db, "UPDATE activities SET object_json = ?1 WHERE id = ?2", 2, args);
	json_object_put(obj);
	return rc < 0 ? max_fail(c, MAX_ESERVER, "post update failed") : MAX_OK;
}

/* MESSAGING.md §3: the post's context, read now, notifies comments. */
static enum max_err notify_comment(struct max_ctx *c, const struct post *p, const char *cid,
				   const char *content)
{
	if (!p->context_hash[0])
		return MAX_OK;
	struct context ctx;
	int found = context_load(c, p->context_hash, &ctx);
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
	context_free(&ctx);
	return e;
}

/* #26 POST /activities/{id}/comments */
enum max_err comments_add(struct max_ctx *c, struct max_resp *r)
{
	struct post p;
	enum max_err e = stream_load_acting(c, &p, SR_COMMENT);
	if (e)
		return e;
	json_object *obj = NULL;
	if ((e = comment_object(c, &p, &obj)))
		return e;
	json_object *actor = activity_person_actor(c, c->actor), *none = json_object_new_array();
	struct activity_new a = {
		.verb = "comment",
		.actor = c->actor,
		.actor_json = actor,
		.object_json = obj,
		.in_reply_to = p.id,
		.owner = c->actor,
		.keywords = none,
	};
	char cid[MAX_ID_LEN + 1];
	e = activity_insert(c, &a, cid);
	json_object *kw = NULL, *tags = NULL;
	json_object_object_get_ex(obj, "keywords", &kw);
	json_object_object_get_ex(obj, "hashtags", &tags);
	const char *content = jx_str(obj, "content");
	if (!e) {
		const char *args[] = {p.context_hash[0] ? p.context_hash : NULL, cid};
		if (store_exec(c->db, "UPDATE activities SET reply_context = ?1 WHERE id = ?2", 2,
			       args) < 0)
			e = max_fail(c, MAX_ESERVER, "comment update failed");
	}
	if (!e)
		e = stream_index_terms(c, cid, kw, tags);
	if (!e)
		e = stream_index_text(c, cid, p.id, content);
	if (!e)
		e = absorb_hashtags(c, p.id, tags);
	if (!e)
		e = stream_refresh_post(c, p.id);
	if (!e)
		e = notify_comment(c, &p, cid, content);
	json_object_put(actor);
	json_object_put(none);
	json_object_put(obj);
	if (e)
		return e;
	json_object *o = activity_render(c, cid, ACT_PRIVATE);
	if (!o)
		return max_fail(c, MAX_ESERVER, "comment %s vanished", cid);
	return resp_json(r, 201, o);
}

/* #25 GET /activities/{id}/comments: the replies, lean, oldest first.
 * Clean: whoever may view the post may read them. */
enum max_err comments_of_activity(struct max_ctx *c, struct max_resp *r)
{
	struct post p;
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
	struct post p;
	enum max_err e = stream_load_url(c, &p);
	if (e)
		return e;
	const char *cid = c->params[1];
	sqlite3_stmt *s = store_stmt(c->db, "SELECT actor FROM activities WHERE id = ?1"
					    " AND verb = 'comment' AND in_reply_to = ?2"
					    " AND reply_deleted = 0");
	if (!s)
		return max_fail(c, MAX_ESERVER, "comment lookup failed");
	store_bind_text(s, 1, cid);
	store_bind_text(s, 2, p.id);
	char author[MAX_USERNAME_MAX + 1] = "";
	int found = sqlite3_step(s) == SQLITE_ROW;
	if (found)
		snprintf(author, sizeof author, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	if (!found)
		return max_fail(c, MAX_ENOTFOUND, "Activity %s has no comment with id %s", p.id, cid);
	if (strcmp(author, c->auth_user) && (e = stream_require(c, &p, SR_DELETE)))
		return e;
	const char *args[] = {cid};
	if (store_exec(c->db, "UPDATE activities SET reply_deleted = 1 WHERE id = ?1", 1, args) < 0 ||
	    store_exec(c->db, "UPDATE stream_text SET post_id = NULL WHERE activity_id = ?1", 1,
		       args) < 0)
		return max_fail(c, MAX_ESERVER, "comment delete failed");
	if ((e = stream_refresh_post(c, p.id)))
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
	int found = context_load(c, c->params[0], &ctx);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "context lookup failed");
	if (!found)
		return traverse_not_found(c, "hash", c->params[0], "contexts");
	struct stream_from from = {.src = SRC_CONTEXT_COMMENTS, .ctx = ctx.hash};
	enum max_err e = perm_require(c, &ctx, PA_LIST_COMMENTS);
	if (!e)
		e = stream_list(c, r, &from, 10, 0, ACT_PRIVATE | ACT_ACTING, 1);
	context_free(&ctx);
	return e;
}
