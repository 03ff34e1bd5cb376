/*
 * subscriptions.c — the subscription and push opt-out endpoints (a
 * person's lists, a context's lists, joining and leaving) and the person
 * hooks of the contexts family (subscribedTo, unsubscribedToPush, shared
 * contexts, deletion).
 *
 * The data is model/subscriptions.c's; here the request is parsed and
 * authorised, and a join is answered with a `subscribe` activity, which
 * the stream family records and renders.
 */
#include "http/activity_store.h"
#include "http/auth.h"
#include "http/contexts.h"
#include "http/filters.h"
#include "http/handlers.h"
#include "http/http.h"
#include "model/subscriptions.h"
#include "util/jsonx.h"

#include <stdlib.h>

/* ---- subscribe activities ------------------------------------------------------ */

/* A `subscribe` activity of u for ctx; its id into id. */
static enum max_err subscribe_activity(struct max_ctx *c, const struct context *ctx, const char *u,
				       char id[MAX_ID_LEN + 1])
{
	json_object *actor = activity_person_actor(c, u), *object = json_object_new_object(),
		    *snap = ctx_snapshot(ctx);
	jx_set_str(object, "objectType", "context");
	jx_set_str(object, "url", ctx->url);
	jx_set_str(object, "id", ctx->id);
	struct act_new a = {.verb = "subscribe",
			    .actor = u,
			    .actor_json = actor,
			    .object_json = object,
			    .context_hash = ctx->hash,
			    .context_json = snap};
	enum max_err e = activity_insert(c, &a, id);
	json_object_put(actor);
	json_object_put(object);
	json_object_put(snap);
	return e;
}

static enum max_err answer_activity(struct max_ctx *c, struct max_resp *r, int status,
				    const char *id)
{
	json_object *o = activity_render(c, id, ACT_PRIVATE);
	if (!o)
		return max_fail(c, MAX_ESERVER, "activity %s vanished", id);
	return resp_json(r, status, o);
}

/* The 200 of an existing subscription / opt-out: u's latest subscribe
 * activity for ctx (one is recorded if none exists, e.g. for a
 * subscription made by a bulk load). */
static enum max_err answer_latest(struct max_ctx *c, struct max_resp *r, const struct context *ctx,
				  const char *u)
{
	char id[MAX_ID_LEN + 1];
	int found = sub_latest_activity(c->db, u, ctx->hash, id);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "activity query failed");
	enum max_err e = found ? MAX_OK : subscribe_activity(c, ctx, u, id);
	return e ? e : answer_activity(c, r, 200, id);
}

/* ---- the lists ------------------------------------------------------------------ */

/* GET /people/{username}/subscriptions */
enum max_err subscriptions_of_person(struct max_ctx *c, struct max_resp *r)
{
	char *tags = tags_param(c);
	json_object *a = NULL;
	enum max_err e = sub_of_user(c->db, c->params[0], tags, SUB_RAW, &a);
	free(tags);
	return e ? e : resp_json(r, 200, a);
}

/* GET /people/{username}/unsubscriptionpush */
enum max_err pushoptouts_of_person(struct max_ctx *c, struct max_resp *r)
{
	char *tags = tags_param(c);
	json_object *a = NULL;
	enum max_err e = sub_optouts_of_user(c->db, c->params[0], tags, &a);
	free(tags);
	return e ? e : resp_json(r, 200, a);
}

/* Users of a context, newest user first, paged by user id. */
static enum max_err context_users(struct max_ctx *c, struct max_resp *r, enum sub_list l)
{
	struct context ctx;
	long limit;
	const char *before = NULL, *after = NULL;
	json_object *a = NULL;
	enum max_err e = context_from_url(c, &ctx);
	if (!e)
		e = perm_require(c, &ctx, PA_MANAGE);
	if (!e)
		e = http_limit(c, 10, &limit);
	if (!e)
		e = filter_offsets(c, &before, &after);
	if (!e)
		e = sub_users_of_context(c->db, l, ctx.hash, before, after, limit, &a);
	ctx_free(&ctx);
	return e ? e : resp_json(r, 200, a);
}

/* GET /contexts/{hash}/subscriptions (with the real grants and vetos) */
enum max_err subscriptions_of_context(struct max_ctx *c, struct max_resp *r)
{
	return context_users(c, r, SUB_SUBSCRIBERS);
}

/* GET /contexts/{hash}/unsubscriptionpush */
enum max_err pushoptouts_of_context(struct max_ctx *c, struct max_resp *r)
{
	return context_users(c, r, SUB_OPTOUTS);
}

/* ---- joining and leaving ---------------------------------------------------------- */

/* The URL's context for a subscription change of the acting user, who
 * must be a person. */
static enum max_err person_target(struct max_ctx *c, struct context *ctx, enum perm_action a)
{
	enum max_err e = context_from_url(c, ctx);
	if (e)
		return e;
	if (c->actor_context[0])
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"actor\": only a person can subscribe");
	return perm_require(c, ctx, a);
}

/* The acting user joins the list; 201 with a new subscribe activity (the
 * original server's verb for opt-outs too), 200 with his latest one when
 * he is on it already. */
static enum max_err join(struct max_ctx *c, struct max_resp *r, enum sub_list l)
{
	struct context ctx;
	char id[MAX_ID_LEN + 1];
	enum max_err e = person_target(c, &ctx, PA_SUBSCRIBE);
	int found = e ? 0 : sub_listed(c->db, l, c->actor, ctx.hash);
	if (found < 0)
		e = max_fail(c, MAX_ESERVER, "subscription lookup failed");
	if (!e && found) {
		e = answer_latest(c, r, &ctx, c->actor);
	} else if (!e) {
		e = l == SUB_SUBSCRIBERS ? sub_subscribe(c->db, &ctx, c->actor)
					 : sub_optout(c->db, &ctx, c->actor);
		if (!e)
			e = subscribe_activity(c, &ctx, c->actor, id);
		if (!e)
			e = answer_activity(c, r, 201, id);
	}
	ctx_free(&ctx);
	return e;
}

/* The acting user leaves the list; 204. A user without the right gets
 * 403 before "not on it" is told (404). Unsubscribing also drops the
 * opt-out and unbinds. */
static enum max_err leave(struct max_ctx *c, struct max_resp *r, enum sub_list l)
{
	struct context ctx;
	enum max_err e = person_target(c, &ctx, PA_UNSUBSCRIBE);
	int found = e ? 0 : sub_listed(c->db, l, c->actor, ctx.hash);
	if (!e && found < 0)
		e = max_fail(c, MAX_ESERVER, "subscription lookup failed");
	else if (!e && !found)
		e = max_fail(c, MAX_ENOTFOUND, "%s is not %s to %s", c->actor,
			     l == SUB_SUBSCRIBERS ? "susbcribed" : "unsubscribedToPush", ctx.hash);
	else if (!e)
		e = l == SUB_SUBSCRIBERS ? sub_unsubscribe(c->db, c->actor, ctx.hash)
					 : sub_optout_remove(c->db, c->actor, ctx.hash);
	ctx_free(&ctx);
	if (!e)
		r->status = 204;
	return e;
}

/* POST /contexts/{hash}/subscriptions */
enum max_err subscription_add(struct max_ctx *c, struct max_resp *r)
{
	return join(c, r, SUB_SUBSCRIBERS);
}

/* DELETE /contexts/{hash}/subscriptions/{username} */
enum max_err subscription_remove(struct max_ctx *c, struct max_resp *r)
{
	return leave(c, r, SUB_SUBSCRIBERS);
}

/* POST /contexts/{hash}/unsubscriptionpush/{username} */
enum max_err pushoptout_add(struct max_ctx *c, struct max_resp *r)
{
	return join(c, r, SUB_OPTOUTS);
}

/* DELETE /contexts/{hash}/subscriptionpush/{username} */
enum max_err pushoptout_remove(struct max_ctx *c, struct max_resp *r)
{
	return leave(c, r, SUB_OPTOUTS);
}
