/*
 * subscriptions.c — context subscriptions and push opt-outs (API.md §4.3,
 * §5.7): #46–#49, #53–#56, the person hooks (subscribedTo,
 * unsubscribedToPush, shared contexts, deletion) and the bulk operations a
 * context change needs (recompute every list, bind/unbind everybody).
 *
 * One row of `subscriptions` per (user, context) holds the user's
 * permission state (core/perm.h); the §4.3 JSON is that state rendered
 * with the live context row. Push opt-outs (`push_optouts`) keep a copy
 * of the snapshot (refreshed by context_propagate() while the context
 * exists) because they outlive a deleted context (§5.6 #41). Notification
 * routing goes through the outbox
 * (MESSAGING.md §2.4): bind on subscribe when the context notifies, unbind
 * on every unsubscription.
 */
#include "http/activity_store.h"
#include "http/auth.h"
#include "http/contexts.h"
#include "http/filters.h"
#include "http/handlers.h"
#include "http/hooks.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "model/outbox.h"
#include "store/store.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The conversations family removes its part of a deleted person; absent
 * until that family is linked in. */
enum max_err conversations_person_deleted(struct max_ctx *c, const char *u)
	__attribute__((weak));

/* ---- rendering --------------------------------------------------------------- */

json_object *subscription_json(const struct context *ctx, const struct perm_state *st,
			       enum sub_shape shape)
{
	json_object *o = json_object_new_object();
	jx_set_str(o, "url", ctx->url);
	jx_set_str(o, "hash", ctx->hash);
	jx_set_str(o, "displayName", ctx->display_name);
	jx_set_str(o, "objectType", "context");
	if (shape != SUB_BRIEF)
		jx_set(o, "tags", json_object_get(ctx->tags));
	jx_set(o, "notifications", json_object_get(ctx->notifications));
	if (ctx->twitter_hashtag)
		jx_set_str(o, "twitterHashtag", ctx->twitter_hashtag);
	if (ctx->twitter_username)
		jx_set_str(o, "twitterUsername", ctx->twitter_username);
	jx_set(o, "permissions", perm_list_json(&st->perms));
	if (st->has_gv && shape != SUB_BRIEF) {
		jx_set(o, shape == SUB_RAW ? "_grants" : "grants", perm_list_json(&st->grants));
		jx_set(o, shape == SUB_RAW ? "_vetos" : "vetos", perm_list_json(&st->vetos));
	}
	return o;
}

json_object *pushoptout_snapshot(const struct context *ctx)
{
	struct perm_state st = {.has_gv = 0};
	perm_policy_list(ctx->permissions, &st.perms);
	return subscription_json(ctx, &st, SUB_RAW);
}

/* ---- the subscriptions table ------------------------------------------------- */

/* Columns i, i+1, i+2: permissions_json, grants_json, vetos_json. */
static void state_from_row(sqlite3_stmt *s, int i, struct perm_state *st)
{
	memset(st, 0, sizeof *st);
	perm_list_parse((const char *)sqlite3_column_text(s, i), &st->perms);
	st->has_gv = sqlite3_column_type(s, i + 1) != SQLITE_NULL;
	perm_list_parse((const char *)sqlite3_column_text(s, i + 1), &st->grants);
	perm_list_parse((const char *)sqlite3_column_text(s, i + 2), &st->vetos);
}

int subscription_load(struct max_ctx *c, const char *username, const char *hash,
		      struct perm_state *st)
{
	memset(st, 0, sizeof *st);
	sqlite3_stmt *s = store_stmt(c->db, "SELECT permissions_json, grants_json, vetos_json"
					    " FROM subscriptions WHERE username = ?1 AND hash = ?2");
	if (!s)
		return -1;
	store_bind_text(s, 1, username);
	store_bind_text(s, 2, hash);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		state_from_row(s, 0, st);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

enum max_err subscription_save(struct max_ctx *c, const char *username, const char *hash,
			       const struct perm_state *st)
{
	sqlite3_stmt *s = store_stmt(c->db, "UPDATE subscriptions SET permissions_json = ?3,"
					    " perm_mask = ?4, grants_json = ?5, vetos_json = ?6"
					    " WHERE username = ?1 AND hash = ?2");
	if (!s)
		return max_fail(c, MAX_ESERVER, "subscription update failed");
	json_object *p = perm_list_json(&st->perms), *g = perm_list_json(&st->grants),
		    *v = perm_list_json(&st->vetos);
	store_bind_text(s, 1, username);
	store_bind_text(s, 2, hash);
	store_bind_text(s, 3, jx_text(p));
	sqlite3_bind_int64(s, 4, perm_list_mask(&st->perms));
	store_bind_text(s, 5, st->has_gv ? jx_text(g) : NULL);
	store_bind_text(s, 6, st->has_gv ? jx_text(v) : NULL);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	json_object_put(p);
	json_object_put(g);
	json_object_put(v);
	return rc == SQLITE_DONE ? MAX_OK : max_fail(c, MAX_ESERVER, "subscription update failed");
}

/* A new subscription holding the policy's list (§6.2). */
static enum max_err subscription_insert(struct max_ctx *c, const struct context *ctx,
					const char *username)
{
	struct perm_list l;
	perm_policy_list(ctx->permissions, &l);
	json_object *p = perm_list_json(&l);
	char id[25], now[21], mask[8];
	id_new(id);
	time_now_iso(now);
	snprintf(mask, sizeof mask, "%u", perm_list_mask(&l));
	const char *args[] = {username, ctx->hash, id, now, jx_text(p), mask};
	int rc = store_exec(c->db,
			    "INSERT INTO subscriptions (username, hash, id, user_id, subscribed_at,"
			    " permissions_json, perm_mask)"
			    " SELECT ?1, ?2, ?3, p.id, ?4, ?5, CAST(?6 AS INTEGER)"
			    " FROM people p WHERE p.username = ?1",
			    6, args);
	json_object_put(p);
	return rc < 0 ? max_fail(c, MAX_ESERVER, "subscription insert failed") : MAX_OK;
}

/* MESSAGING.md §2.4: the user's sessions receive the context's activity. */
static int route(struct max_ctx *c, const char *username, const char *hash, int bind)
{
	char dest[MAX_USERNAME_MAX + 16];
	snprintf(dest, sizeof dest, "%s.subscribe", username);
	return bind ? outbox_bind(c->db, "activity", dest, hash)
		    : outbox_unbind(c->db, "activity", dest, hash);
}

static enum max_err unsubscribe(struct max_ctx *c, const char *username, const char *hash)
{
	const char *args[] = {username, hash};
	if (store_exec(c->db, "DELETE FROM subscriptions WHERE username = ?1 AND hash = ?2", 2,
		       args) < 0 ||
	    store_exec(c->db, "DELETE FROM push_optouts WHERE username = ?1 AND hash = ?2", 2,
		       args) < 0 ||
	    route(c, username, hash, 0) < 0)
		return max_fail(c, MAX_ESERVER, "unsubscribe failed");
	return MAX_OK;
}

/* (Un)binds every subscriber of hash to the routing key `key`. */
static enum max_err route_all(struct max_ctx *c, const char *hash, const char *key, int bind)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT username FROM subscriptions WHERE hash = ?1");
	if (!s)
		return max_fail(c, MAX_ESERVER, "subscription query failed");
	store_bind_text(s, 1, hash);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (route(c, (const char *)sqlite3_column_text(s, 0), key, bind) < 0)
			break;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? MAX_OK : max_fail(c, MAX_ESERVER, "outbox insert failed");
}

enum max_err subscriptions_bind_all(struct max_ctx *c, const char *hash, int bind)
{
	return route_all(c, hash, hash, bind);
}

enum max_err subscriptions_rekey(struct max_ctx *c, const char *old_hash,
				 const struct context *ctx)
{
	enum max_err e = route_all(c, ctx->hash, old_hash, 0);
	return e || !context_notifies(ctx) ? e : route_all(c, ctx->hash, ctx->hash, 1);
}

enum max_err subscriptions_recompute(struct max_ctx *c, const struct context *ctx)
{
	/* without grants or vetos the new list is the policy's: one statement */
	struct perm_list l;
	perm_policy_list(ctx->permissions, &l);
	json_object *p = perm_list_json(&l);
	char mask[8];
	snprintf(mask, sizeof mask, "%u", perm_list_mask(&l));
	const char *args[] = {ctx->hash, jx_text(p), mask};
	int rc = store_exec(c->db,
			    "UPDATE subscriptions SET permissions_json = ?2,"
			    " perm_mask = CAST(?3 AS INTEGER) WHERE hash = ?1"
			    " AND (grants_json IS NULL OR (grants_json = '[]' AND vetos_json = '[]'))",
			    3, args);
	json_object_put(p);
	if (rc < 0)
		return max_fail(c, MAX_ESERVER, "subscription update failed");
	/* the others one by one, read first so no row is updated under the scan */
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT username, permissions_json, grants_json, vetos_json FROM subscriptions"
		       " WHERE hash = ?1 AND grants_json IS NOT NULL"
		       " AND NOT (grants_json = '[]' AND vetos_json = '[]')");
	if (!s)
		return max_fail(c, MAX_ESERVER, "subscription query failed");
	store_bind_text(s, 1, ctx->hash);
	struct held {
		char *username;
		struct perm_state st;
	} *rows = NULL;
	size_t n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rows = xrealloc(rows, (n + 1) * sizeof *rows);
		rows[n].username = xstrdup((const char *)sqlite3_column_text(s, 0));
		state_from_row(s, 1, &rows[n].st);
		n++;
	}
	sqlite3_reset(s);
	enum max_err e = rc == SQLITE_DONE ? MAX_OK
					   : max_fail(c, MAX_ESERVER, "subscription query failed");
	for (size_t i = 0; i < n; i++) {
		perm_recompute(&rows[i].st, ctx->permissions);
		if (!e)
			e = subscription_save(c, rows[i].username, ctx->hash, &rows[i].st);
		free(rows[i].username);
	}
	free(rows);
	return e;
}

/* ---- the person's side (hooks.h) -------------------------------------------- */

/* u's subscriptions, oldest first, carrying every tag of tags (JSON array
 * text, or NULL for no filter). */
static json_object *person_subscriptions(struct max_ctx *c, const char *u, const char *tags,
					 enum sub_shape shape)
{
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT " CONTEXT_COLS ", s.permissions_json, s.grants_json, s.vetos_json"
		       " FROM subscriptions s JOIN contexts c ON c.hash = s.hash"
		       " WHERE s.username = ?1 AND (?2 IS NULL OR NOT EXISTS (SELECT 1 FROM"
		       "   json_each(?2) t WHERE t.value NOT IN (SELECT value FROM json_each(c.tags_json))))"
		       " ORDER BY s.id");
	json_object *a = json_object_new_array();
	if (!s)
		return a;
	store_bind_text(s, 1, u);
	store_bind_text(s, 2, tags);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct context ctx;
		struct perm_state st;
		context_from_row(s, 0, &ctx);
		state_from_row(s, CONTEXT_NCOLS, &st);
		json_object_array_add(a, subscription_json(&ctx, &st, shape));
		context_free(&ctx);
	}
	sqlite3_reset(s);
	return a;
}

static json_object *person_optouts(struct max_ctx *c, const char *u, const char *tags)
{
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT o.snapshot_json FROM push_optouts o WHERE o.username = ?1"
		       " AND (?2 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?2) t WHERE t.value"
		       "   NOT IN (SELECT value FROM json_each(o.snapshot_json, '$.tags'))))"
		       " ORDER BY o.id");
	json_object *a = json_object_new_array();
	if (!s)
		return a;
	store_bind_text(s, 1, u);
	store_bind_text(s, 2, tags);
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_object *o = json_tokener_parse((const char *)sqlite3_column_text(s, 0));
		if (o)
			json_object_array_add(a, o);
	}
	sqlite3_reset(s);
	return a;
}

json_object *hook_person_subscriptions(struct max_ctx *c, const char *u)
{
	return person_subscriptions(c, u, NULL, SUB_PERSON);
}

json_object *hook_person_push_optouts(struct max_ctx *c, const char *u)
{
	return person_optouts(c, u, NULL);
}

int hook_share_context(struct max_ctx *c, const char *a, const char *b)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT 1 FROM subscriptions x JOIN subscriptions y"
					    " ON y.username = ?2 AND y.hash = x.hash"
					    " WHERE x.username = ?1 LIMIT 1");
	if (!s)
		return 0;
	store_bind_text(s, 1, a);
	store_bind_text(s, 2, b);
	int found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return found;
}

enum max_err subscriptions_person_deleted(struct max_ctx *c, const char *u)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT hash FROM subscriptions WHERE username = ?1");
	if (!s)
		return max_fail(c, MAX_ESERVER, "subscription query failed");
	store_bind_text(s, 1, u);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (route(c, u, (const char *)sqlite3_column_text(s, 0), 0) < 0)
			break;
	sqlite3_reset(s);
	const char *args[] = {u};
	if (rc != SQLITE_DONE ||
	    store_exec(c->db, "DELETE FROM subscriptions WHERE username = ?1", 1, args) < 0 ||
	    store_exec(c->db, "DELETE FROM push_optouts WHERE username = ?1", 1, args) < 0)
		return max_fail(c, MAX_ESERVER, "subscription removal failed");
	return MAX_OK;
}

/* §5.2 #5: conversations first, then the context subscriptions. */
enum max_err hook_person_deleted(struct max_ctx *c, const char *u)
{
	enum max_err e = conversations_person_deleted ? conversations_person_deleted(c, u) : MAX_OK;
	return e ? e : subscriptions_person_deleted(c, u);
}

/* ---- subscribe activities --------------------------------------------------- */

/* §4.7: a `subscribe` activity of u for ctx; its id into id. */
static enum max_err subscribe_activity(struct max_ctx *c, const struct context *ctx,
				       const char *u, char id[25])
{
	json_object *actor = activity_person_actor(c, u), *object = json_object_new_object(),
		    *snap = context_snapshot(ctx);
	jx_set_str(object, "objectType", "context");
	jx_set_str(object, "url", ctx->url);
	jx_set_str(object, "id", ctx->id);
	struct activity_new a = {.verb = "subscribe",
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
static enum max_err answer_latest(struct max_ctx *c, struct max_resp *r,
				  const struct context *ctx, const char *u)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT id FROM activities WHERE verb = 'subscribe'"
					    " AND actor_kind = 'person' AND actor = ?1"
					    " AND context_hash = ?2 ORDER BY id DESC LIMIT 1");
	if (!s)
		return max_fail(c, MAX_ESERVER, "activity query failed");
	store_bind_text(s, 1, u);
	store_bind_text(s, 2, ctx->hash);
	char id[25] = "";
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	enum max_err e = *id ? MAX_OK : subscribe_activity(c, ctx, u, id);
	return e ? e : answer_activity(c, r, 200, id);
}

/* ---- #46–#49 ------------------------------------------------------------------ */

/* #46 GET /people/{username}/subscriptions */
enum max_err subscriptions_of_person(struct max_ctx *c, struct max_resp *r)
{
	char *tags = tags_param(c);
	json_object *a = person_subscriptions(c, c->params[0], tags, SUB_RAW);
	free(tags);
	return resp_json(r, 200, a);
}

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

/* #48 and #54: users of a context, newest user first, paged by user id.
 * The bounds are plain ranges ('~' sorts after every hex id, '' before),
 * so a page is an index range scan however deep it is. */
static enum max_err context_users(struct max_ctx *c, struct max_resp *r, int optouts)
{
	struct context ctx;
	long limit;
	const char *before = NULL, *after = NULL;
	enum max_err e = context_from_url(c, &ctx);
	if (!e)
		e = perm_require(c, &ctx, PA_MANAGE);
	if (!e)
		e = http_limit(c, 10, &limit);
	if (!e)
		e = filter_offsets(c, &before, &after);
	if (e) {
		context_free(&ctx);
		return e;
	}
	sqlite3_stmt *s =
		optouts ? store_stmt(c->db, "SELECT username FROM push_optouts WHERE hash = ?1"
					    " AND user_id < coalesce(?2, '~') AND user_id > coalesce(?3, '')"
					    " ORDER BY user_id DESC LIMIT ?4")
			: store_stmt(c->db, "SELECT username, permissions_json, grants_json, vetos_json"
					    " FROM subscriptions WHERE hash = ?1"
					    " AND user_id < coalesce(?2, '~') AND user_id > coalesce(?3, '')"
					    " ORDER BY user_id DESC LIMIT ?4");
	if (!s) {
		context_free(&ctx);
		return max_fail(c, MAX_ESERVER, "subscription query failed");
	}
	store_bind_text(s, 1, ctx.hash);
	store_bind_text(s, 2, before);
	store_bind_text(s, 3, after);
	sqlite3_bind_int64(s, 4, limit);
	json_object *a = json_object_new_array();
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_object *o = json_object_new_object();
		jx_set_str(o, "username", (const char *)sqlite3_column_text(s, 0));
		if (!optouts) {
			struct perm_state st;
			state_from_row(s, 1, &st);
			jx_set(o, "permissions", perm_list_json(&st.perms));
			jx_set(o, "vetos", perm_list_json(&st.vetos));
			jx_set(o, "grants", perm_list_json(&st.grants));
			jx_set_str(o, "hash", ctx.hash);
		}
		json_object_array_add(a, o);
	}
	sqlite3_reset(s);
	context_free(&ctx);
	if (rc != SQLITE_DONE) {
		json_object_put(a);
		return max_fail(c, MAX_ESERVER, "subscription query failed");
	}
	return resp_json(r, 200, a);
}

/* #48 GET /contexts/{hash}/subscriptions (§5.7 Clean: the real grants
 * and vetos) */
enum max_err subscriptions_of_context(struct max_ctx *c, struct max_resp *r)
{
	return context_users(c, r, 0);
}

/* ---- #53–#56 push opt-out ---------------------------------------------------- */

/* #53 GET /people/{username}/unsubscriptionpush */
enum max_err pushoptouts_of_person(struct max_ctx *c, struct max_resp *r)
{
	char *tags = tags_param(c);
	json_object *a = person_optouts(c, c->params[0], tags);
	free(tags);
	return resp_json(r, 200, a);
}

/* #54 GET /contexts/{hash}/unsubscriptionpush */
enum max_err pushoptouts_of_context(struct max_ctx *c, struct max_resp *r)
{
	return context_users(c, r, 1);
}

/* ---- #47 #49 #55 #56: joining and leaving ------------------------------------- */

/* The two per-user lists of a context: its subscribers and the subscribers
 * who opted out of its pushes. */
enum list { SUBSCRIBERS, OPTOUTS };

/* 1 when u is on the list, 0 not, -1 error */
static int listed(struct max_ctx *c, enum list l, const char *u, const char *hash)
{
	sqlite3_stmt *s =
		l == SUBSCRIBERS
			? store_stmt(c->db, "SELECT 1 FROM subscriptions WHERE username = ?1 AND hash = ?2")
			: store_stmt(c->db, "SELECT 1 FROM push_optouts WHERE username = ?1 AND hash = ?2");
	if (!s)
		return -1;
	store_bind_text(s, 1, u);
	store_bind_text(s, 2, hash);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Puts u on the list: a subscription with the policy's list, bound when
 * the context notifies; or an opt-out keeping its snapshot (§5.7 Clean:
 * only the list changes, no binding). */
static enum max_err list_add(struct max_ctx *c, enum list l, const struct context *ctx,
			     const char *u)
{
	if (l == SUBSCRIBERS) {
		enum max_err e = subscription_insert(c, ctx, u);
		if (!e && context_notifies(ctx) && route(c, u, ctx->hash, 1) < 0)
			e = max_fail(c, MAX_ESERVER, "outbox insert failed");
		return e;
	}
	json_object *snap = pushoptout_snapshot(ctx);
	char id[25];
	id_new(id); /* the opt-out's own id orders the person's list */
	const char *args[] = {u, ctx->hash, id, jx_text(snap)};
	int rc = store_exec(c->db,
			    "INSERT INTO push_optouts (username, hash, id, user_id, snapshot_json)"
			    " SELECT ?1, ?2, ?3, p.id, ?4 FROM people p WHERE p.username = ?1",
			    4, args);
	json_object_put(snap);
	return rc < 0 ? max_fail(c, MAX_ESERVER, "opt-out insert failed") : MAX_OK;
}

/* #47 and #55: the acting user joins the list; 201 with a new subscribe
 * activity (⚠ the original's verb for opt-outs too), 200 with his latest
 * one when he is on it already. */
static enum max_err join(struct max_ctx *c, struct max_resp *r, enum list l)
{
	struct context ctx;
	char id[25];
	enum max_err e = person_target(c, &ctx, PA_SUBSCRIBE);
	int found = e ? 0 : listed(c, l, c->actor, ctx.hash);
	if (found < 0)
		e = max_fail(c, MAX_ESERVER, "subscription lookup failed");
	if (!e && found) {
		e = answer_latest(c, r, &ctx, c->actor);
	} else if (!e) {
		e = list_add(c, l, &ctx, c->actor);
		if (!e)
			e = subscribe_activity(c, &ctx, c->actor, id);
		if (!e)
			e = answer_activity(c, r, 201, id);
	}
	context_free(&ctx);
	return e;
}

/* #49 and #56: the acting user leaves the list; 204. A user without the
 * right gets 403 before "not on it" is told (404, §11). Unsubscribing
 * also drops the opt-out and unbinds. */
static enum max_err leave(struct max_ctx *c, struct max_resp *r, enum list l)
{
	struct context ctx;
	enum max_err e = person_target(c, &ctx, PA_UNSUBSCRIBE);
	int found = e ? 0 : listed(c, l, c->actor, ctx.hash);
	const char *args[] = {c->actor, ctx.hash};
	if (!e && found < 0)
		e = max_fail(c, MAX_ESERVER, "subscription lookup failed");
	else if (!e && !found)
		e = max_fail(c, MAX_ENOTFOUND, "%s is not %s to %s", c->actor,
			     l == SUBSCRIBERS ? "susbcribed" : "unsubscribedToPush", ctx.hash);
	else if (!e && l == SUBSCRIBERS)
		e = unsubscribe(c, c->actor, ctx.hash);
	else if (!e && store_exec(c->db,
				  "DELETE FROM push_optouts WHERE username = ?1 AND hash = ?2", 2,
				  args) < 0)
		e = max_fail(c, MAX_ESERVER, "opt-out delete failed");
	context_free(&ctx);
	if (!e)
		r->status = 204;
	return e;
}

/* #47 POST /contexts/{hash}/subscriptions */
enum max_err subscription_add(struct max_ctx *c, struct max_resp *r)
{
	return join(c, r, SUBSCRIBERS);
}

/* #49 DELETE /contexts/{hash}/subscriptions/{username} */
enum max_err subscription_remove(struct max_ctx *c, struct max_resp *r)
{
	return leave(c, r, SUBSCRIBERS);
}

/* #55 POST /contexts/{hash}/unsubscriptionpush/{username} */
enum max_err pushoptout_add(struct max_ctx *c, struct max_resp *r)
{
	return join(c, r, OPTOUTS);
}

/* #56 DELETE /contexts/{hash}/subscriptionpush/{username} */
enum max_err pushoptout_remove(struct max_ctx *c, struct max_resp *r)
{
	return leave(c, r, OPTOUTS);
}
