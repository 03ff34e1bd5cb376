/*
 * subscriptions.c — the subscriptions and push_optouts tables (see
 * subscriptions.h).
 *
 * A subscription stores its effective list as JSON and again as a bit
 * mask (perm_mask) for SQL filters, plus its grants and vetos (NULL until
 * the first grant, revoke or reset). The bulk operations a context change
 * needs (recompute every list, bind/unbind everybody) live here too.
 */
#include "model/subscriptions.h"
#include "model/outbox.h"
#include "util/buf.h"
#include "util/ids.h"
#include "util/jsonx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- one user's subscription -------------------------------------------------- */

/* Columns i, i+1, i+2: permissions_json, grants_json, vetos_json. */
static void state_from_row(store_q *q, int i, struct perm_state *ps)
{
	memset(ps, 0, sizeof *ps);
	perm_list_parse(store_text(q, i), &ps->perms);
	ps->has_gv = !store_is_null(q, i + 1);
	perm_list_parse(store_text(q, i + 1), &ps->grants);
	perm_list_parse(store_text(q, i + 2), &ps->vetos);
}

int sub_load(struct store *st, const char *username, const char *hash, struct perm_state *out)
{
	memset(out, 0, sizeof *out);
	store_q *q = store_sql(st, "SELECT permissions_json, grants_json, vetos_json"
				   " FROM subscriptions WHERE username = ?1 AND hash = ?2");
	if (!q)
		return -1;
	store_bind_text(q, 1, username);
	store_bind_text(q, 2, hash);
	int rc = store_one(q);
	if (rc == 1) {
		state_from_row(q, 0, out);
		store_reset(q);
	}
	return rc;
}

enum max_err sub_save(struct store *st, const char *username, const char *hash,
		      const struct perm_state *ps)
{
	store_q *q = store_sql(st, "UPDATE subscriptions SET permissions_json = ?3,"
				   " perm_mask = ?4, grants_json = ?5, vetos_json = ?6"
				   " WHERE username = ?1 AND hash = ?2");
	if (!q)
		return model_fail(st, MAX_ESERVER, "subscription update failed");
	json_object *p = perm_list_json(&ps->perms), *g = perm_list_json(&ps->grants),
		    *v = perm_list_json(&ps->vetos);
	store_bind_text(q, 1, username);
	store_bind_text(q, 2, hash);
	store_bind_text(q, 3, jx_text(p));
	store_bind_int(q, 4, perm_list_mask(&ps->perms));
	store_bind_text(q, 5, ps->has_gv ? jx_text(g) : NULL);
	store_bind_text(q, 6, ps->has_gv ? jx_text(v) : NULL);
	int rc = store_run(q);
	json_object_put(p);
	json_object_put(g);
	json_object_put(v);
	return rc < 0 ? model_fail(st, MAX_ESERVER, "subscription update failed") : MAX_OK;
}

int sub_mask(struct store *st, const char *username, const char *hash, unsigned *mask)
{
	*mask = 0;
	store_q *q =
		store_sql(st,
			  "SELECT perm_mask FROM subscriptions WHERE username = ?1 AND hash = ?2");
	if (!q)
		return -1;
	store_bind_text(q, 1, username);
	store_bind_text(q, 2, hash);
	int rc = store_one(q);
	if (rc == 1) {
		*mask = (unsigned)store_int(q, 0);
		store_reset(q);
	}
	return rc;
}

int sub_has(struct store *st, const char *username, const char *hash, enum perm p)
{
	unsigned m;
	int rc = sub_mask(st, username, hash, &m);
	return rc < 0 ? -1 : rc && (m & PERM_BIT(p)) != 0;
}

int sub_granted(struct store *st, const char *username, const char *hash, enum perm p)
{
	struct perm_state ps;
	int found = sub_load(st, username, hash, &ps);
	return found < 0 ? -1 : found && perm_list_has(&ps.grants, p);
}

int sub_listed(struct store *st, enum sub_list l, const char *username, const char *hash)
{
	store_q *q =
		l == SUB_SUBSCRIBERS
			? store_sql(st,
				    "SELECT 1 FROM subscriptions WHERE username = ?1 AND hash = ?2")
			: store_sql(st,
				    "SELECT 1 FROM push_optouts WHERE username = ?1 AND hash = ?2");
	if (!q)
		return -1;
	store_bind_text(q, 1, username);
	store_bind_text(q, 2, hash);
	return store_exists(q);
}

/* The user's sessions receive the context's activity: <user>.subscribe
 * bound to the activity exchange by the context's hash. */
static int route(struct store *st, const char *username, const char *key, int bind)
{
	char dest[MAX_USERNAME_MAX + 16];
	snprintf(dest, sizeof dest, "%s.subscribe", username);
	return bind ? outbox_bind(st, "activity", dest, key)
		    : outbox_unbind(st, "activity", dest, key);
}

/* A new subscription holding the policy's list. */
static enum max_err insert(struct store *st, const struct context *ctx, const char *username)
{
	struct perm_list l;
	perm_policy_list(ctx->permissions, &l);
	json_object *p = perm_list_json(&l);
	char id[MAX_ID_LEN + 1], now[21], mask[8];
	id_new(id);
	time_now_iso(now);
	snprintf(mask, sizeof mask, "%u", perm_list_mask(&l));
	const char *args[] = {username, ctx->hash, id, now, jx_text(p), mask};
	int rc = store_exec(st,
			    "INSERT INTO subscriptions (username, hash, id, user_id, subscribed_at,"
			    " permissions_json, perm_mask)"
			    " SELECT ?1, ?2, ?3, p.id, ?4, ?5, CAST(?6 AS INTEGER)"
			    " FROM people p WHERE p.username = ?1",
			    6, args);
	json_object_put(p);
	return rc < 0 ? model_fail(st, MAX_ESERVER, "subscription insert failed") : MAX_OK;
}

enum max_err sub_subscribe(struct store *st, const struct context *ctx, const char *username)
{
	enum max_err e = insert(st, ctx, username);
	if (!e && ctx_notifies(ctx) && route(st, username, ctx->hash, 1) < 0)
		e = model_fail(st, MAX_ESERVER, "outbox insert failed");
	return e;
}

enum max_err sub_unsubscribe(struct store *st, const char *username, const char *hash)
{
	const char *args[] = {username, hash};
	if (store_exec(st, "DELETE FROM subscriptions WHERE username = ?1 AND hash = ?2", 2, args) <
		    0 ||
	    store_exec(st, "DELETE FROM push_optouts WHERE username = ?1 AND hash = ?2", 2, args) <
		    0 ||
	    route(st, username, hash, 0) < 0)
		return model_fail(st, MAX_ESERVER, "unsubscribe failed");
	return MAX_OK;
}

enum max_err sub_optout(struct store *st, const struct context *ctx, const char *username)
{
	json_object *snap = ctx_optout_snapshot(ctx);
	char id[MAX_ID_LEN + 1];
	id_new(id); /* the opt-out's own id orders the person's list */
	const char *args[] = {username, ctx->hash, id, jx_text(snap)};
	int rc = store_exec(st,
			    "INSERT INTO push_optouts (username, hash, id, user_id, snapshot_json)"
			    " SELECT ?1, ?2, ?3, p.id, ?4 FROM people p WHERE p.username = ?1",
			    4, args);
	json_object_put(snap);
	return rc < 0 ? model_fail(st, MAX_ESERVER, "opt-out insert failed") : MAX_OK;
}

enum max_err sub_optout_remove(struct store *st, const char *username, const char *hash)
{
	const char *args[] = {username, hash};
	if (store_exec(st, "DELETE FROM push_optouts WHERE username = ?1 AND hash = ?2", 2, args) <
	    0)
		return model_fail(st, MAX_ESERVER, "opt-out delete failed");
	return MAX_OK;
}

int sub_latest_activity(struct store *st, const char *username, const char *hash,
			char id[MAX_ID_LEN + 1])
{
	*id = 0;
	store_q *q = store_sql(st, "SELECT id FROM activities WHERE verb = 'subscribe'"
				   " AND actor_kind = 'person' AND actor = ?1"
				   " AND context_hash = ?2 ORDER BY id DESC LIMIT 1");
	if (!q)
		return -1;
	store_bind_text(q, 1, username);
	store_bind_text(q, 2, hash);
	int rc = store_one(q);
	if (rc == 1) {
		store_copy(q, 0, id, MAX_ID_LEN + 1);
		store_reset(q);
	}
	return rc;
}

/* ---- every subscriber of a context ------------------------------------------- */

/* (Un)binds every subscriber of hash to the routing key `key`. */
static enum max_err route_all(struct store *st, const char *hash, const char *key, int bind)
{
	store_q *q = store_sql(st, "SELECT username FROM subscriptions WHERE hash = ?1");
	if (!q)
		return model_fail(st, MAX_ESERVER, "subscription query failed");
	store_bind_text(q, 1, hash);
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		if (route(st, store_text(q, 0), key, bind) < 0) {
			store_reset(q);
			break;
		}
	return rc == STORE_DONE ? MAX_OK : model_fail(st, MAX_ESERVER, "outbox insert failed");
}

enum max_err sub_bind_all(struct store *st, const char *hash, int bind)
{
	return route_all(st, hash, hash, bind);
}

enum max_err sub_rekey(struct store *st, const char *old_hash, const struct context *ctx)
{
	enum max_err e = route_all(st, ctx->hash, old_hash, 0);
	return e || !ctx_notifies(ctx) ? e : route_all(st, ctx->hash, ctx->hash, 1);
}

/* Without grants or vetos the new list is the policy's: one statement. */
static enum max_err recompute_plain(struct store *st, const struct context *ctx)
{
	struct perm_list l;
	perm_policy_list(ctx->permissions, &l);
	json_object *p = perm_list_json(&l);
	char mask[8];
	snprintf(mask, sizeof mask, "%u", perm_list_mask(&l));
	const char *args[] = {ctx->hash, jx_text(p), mask};
	int rc = store_exec(st,
			    "UPDATE subscriptions SET permissions_json = ?2,"
			    " perm_mask = CAST(?3 AS INTEGER) WHERE hash = ?1"
			    " AND (grants_json IS NULL OR (grants_json = '[]' AND vetos_json = "
			    "'[]'))",
			    3, args);
	json_object_put(p);
	return rc < 0 ? model_fail(st, MAX_ESERVER, "subscription update failed") : MAX_OK;
}

struct held {
	char *username;
	struct perm_state ps;
};

/* The subscribers of hash with grants or vetos, read first so that no row
 * is updated under the scan. */
static int held_rows(struct store *st, const char *hash, struct held **rows, size_t *n)
{
	*rows = NULL;
	*n = 0;
	store_q *q = store_sql(st, "SELECT username, permissions_json, grants_json, vetos_json "
				   "FROM subscriptions"
				   " WHERE hash = ?1 AND grants_json IS NOT NULL"
				   " AND NOT (grants_json = '[]' AND vetos_json = '[]')");
	if (!q)
		return -1;
	store_bind_text(q, 1, hash);
	int rc;
	while ((rc = store_step(q)) == STORE_ROW) {
		*rows = xrealloc(*rows, (*n + 1) * sizeof **rows);
		(*rows)[*n].username = xstrdup(store_text(q, 0));
		state_from_row(q, 1, &(*rows)[*n].ps);
		(*n)++;
	}
	return rc == STORE_DONE ? 0 : -1;
}

enum max_err sub_recompute(struct store *st, const struct context *ctx)
{
	enum max_err e = recompute_plain(st, ctx);
	if (e)
		return e;
	struct held *rows;
	size_t n;
	if (held_rows(st, ctx->hash, &rows, &n) < 0)
		e = model_fail(st, MAX_ESERVER, "subscription query failed");
	for (size_t i = 0; i < n; i++) {
		perm_recompute(&rows[i].ps, ctx->permissions);
		if (!e)
			e = sub_save(st, rows[i].username, ctx->hash, &rows[i].ps);
		free(rows[i].username);
	}
	free(rows);
	return e;
}

enum max_err sub_ctx_update(struct store *st, const struct context *old, const struct ctx_fields *f,
			    struct context *now)
{
	enum max_err e = ctx_update(st, old, f, now);
	if (!e && !json_object_equal(old->permissions, now->permissions))
		e = sub_recompute(st, now);
	if (!e && strcmp(old->hash, now->hash))
		e = sub_rekey(st, old->hash, now);
	if (!e && f->notif_set)
		e = sub_bind_all(st, now->hash, ctx_notifies(now));
	return e;
}

enum max_err sub_ctx_delete(struct store *st, const char *hash)
{
	enum max_err e = sub_bind_all(st, hash, 0);
	return e ? e : ctx_delete(st, hash);
}

/* {"username", "permissions", "vetos", "grants", "hash"} of a row of
 * username, permissions_json, grants_json, vetos_json. */
static json_object *subscriber_json(store_q *q, const char *hash)
{
	json_object *o = json_object_new_object();
	struct perm_state ps;
	jx_set_str(o, "username", store_text(q, 0));
	state_from_row(q, 1, &ps);
	jx_set(o, "permissions", perm_list_json(&ps.perms));
	jx_set(o, "vetos", perm_list_json(&ps.vetos));
	jx_set(o, "grants", perm_list_json(&ps.grants));
	jx_set_str(o, "hash", hash);
	return o;
}

/* The bounds are plain ranges ('~' sorts after every hex id, '' before),
 * so a page is an index range scan however deep it is. */
enum max_err sub_users_of_context(struct store *st, enum sub_list l, const char *hash,
				  const char *before, const char *after, long limit,
				  json_object **out)
{
	*out = NULL;
	store_q *q =
		l == SUB_OPTOUTS
			? store_sql(st, "SELECT username FROM push_optouts WHERE hash = ?1"
					" AND user_id < coalesce(?2, '~') AND user_id > "
					"coalesce(?3, '')"
					" ORDER BY user_id DESC LIMIT ?4")
			: store_sql(st, "SELECT username, permissions_json, grants_json, vetos_json"
					" FROM subscriptions WHERE hash = ?1"
					" AND user_id < coalesce(?2, '~') AND user_id > "
					"coalesce(?3, '')"
					" ORDER BY user_id DESC LIMIT ?4");
	if (!q)
		return model_fail(st, MAX_ESERVER, "subscription query failed");
	store_bind_text(q, 1, hash);
	store_bind_text(q, 2, before);
	store_bind_text(q, 3, after);
	store_bind_int(q, 4, limit);
	json_object *a = json_object_new_array();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW) {
		json_object *o =
			l == SUB_OPTOUTS ? json_object_new_object() : subscriber_json(q, hash);
		if (l == SUB_OPTOUTS)
			jx_set_str(o, "username", store_text(q, 0));
		json_object_array_add(a, o);
	}
	if (rc != STORE_DONE) {
		json_object_put(a);
		return model_fail(st, MAX_ESERVER, "subscription query failed");
	}
	*out = a;
	return MAX_OK;
}

/* ---- one user's side ---------------------------------------------------------- */

enum max_err sub_of_user(struct store *st, const char *username, const char *tags,
			 enum sub_shape shape, json_object **out)
{
	*out = NULL;
	store_q *q =
		store_sql(st, "SELECT " CTX_COLS ", s.permissions_json, s.grants_json, s.vetos_json"
			      " FROM subscriptions s JOIN contexts c ON c.hash = s.hash"
			      " WHERE s.username = ?1 AND (?2 IS NULL OR NOT EXISTS (SELECT 1 FROM"
			      "   json_each(?2) t WHERE t.value NOT IN (SELECT value FROM "
			      "json_each(c.tags_json))))"
			      " ORDER BY s.id");
	if (!q)
		return model_fail(st, MAX_ESERVER, "subscription query failed");
	store_bind_text(q, 1, username);
	store_bind_text(q, 2, tags);
	json_object *a = json_object_new_array();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW) {
		struct context ctx;
		struct perm_state ps;
		ctx_from_row(q, 0, &ctx);
		state_from_row(q, CTX_NCOLS, &ps);
		json_object_array_add(a, ctx_sub_json(&ctx, &ps, shape));
		ctx_free(&ctx);
	}
	if (rc != STORE_DONE) {
		json_object_put(a);
		return model_fail(st, MAX_ESERVER, "subscription query failed");
	}
	*out = a;
	return MAX_OK;
}

enum max_err sub_optouts_of_user(struct store *st, const char *username, const char *tags,
				 json_object **out)
{
	*out = NULL;
	store_q *q =
		store_sql(st, "SELECT o.snapshot_json FROM push_optouts o WHERE o.username = ?1"
			      " AND (?2 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?2) t WHERE "
			      "t.value"
			      "   NOT IN (SELECT value FROM json_each(o.snapshot_json, '$.tags'))))"
			      " ORDER BY o.id");
	if (!q)
		return model_fail(st, MAX_ESERVER, "opt-out query failed");
	store_bind_text(q, 1, username);
	store_bind_text(q, 2, tags);
	json_object *a = json_object_new_array();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW) {
		json_object *o = store_json(q, 0);
		if (o)
			json_object_array_add(a, o);
	}
	if (rc != STORE_DONE) {
		json_object_put(a);
		return model_fail(st, MAX_ESERVER, "opt-out query failed");
	}
	*out = a;
	return MAX_OK;
}

int sub_share_context(struct store *st, const char *a, const char *b)
{
	store_q *q = store_sql(st, "SELECT 1 FROM subscriptions x JOIN subscriptions y"
				   " ON y.username = ?2 AND y.hash = x.hash"
				   " WHERE x.username = ?1 LIMIT 1");
	if (!q)
		return -1;
	store_bind_text(q, 1, a);
	store_bind_text(q, 2, b);
	return store_exists(q);
}

enum max_err sub_forget_user(struct store *st, const char *username)
{
	store_q *q = store_sql(st, "SELECT hash FROM subscriptions WHERE username = ?1");
	if (!q)
		return model_fail(st, MAX_ESERVER, "subscription query failed");
	store_bind_text(q, 1, username);
	int rc;
	while ((rc = store_step(q)) == STORE_ROW)
		if (route(st, username, store_text(q, 0), 0) < 0) {
			store_reset(q);
			break;
		}
	const char *args[] = {username};
	if (rc != STORE_DONE ||
	    store_exec(st, "DELETE FROM subscriptions WHERE username = ?1", 1, args) < 0 ||
	    store_exec(st, "DELETE FROM push_optouts WHERE username = ?1", 1, args) < 0)
		return model_fail(st, MAX_ESERVER, "subscription removal failed");
	return MAX_OK;
}
