/*
 * contexts.c — the contexts table (see contexts.h).
 *
 * A context's permissions dict, tags and notifications value are stored
 * as the JSON clients send (permissions_json, tags_json,
 * notifications_json). Subscriptions are rendered from this row, so a
 * change here reaches them at once; the copies elsewhere (post and
 * subscribe activity snapshots, push opt-out snapshots) are refreshed by
 * ctx_propagate() in the same transaction.
 */
#include "model/contexts.h"
#include "model/outbox.h"
#include "util/buf.h"
#include "util/ids.h"
#include "util/jsonx.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define TAG_MAX 128  /* bytes per tag */
#define TAGS_MAX 100 /* tags per context */

/* A context created without permissions. */
#define DEFAULT_PERMISSIONS                                                                        \
	"{\"read\":\"restricted\",\"write\":\"restricted\",\"subscribe\":\"restricted\","          \
	"\"invite\":\"restricted\"}"

/* ---- the row ------------------------------------------------------------------ */

static char *col_dup(store_q *q, int i)
{
	const char *t = store_text(q, i);
	return t ? xstrdup(t) : NULL;
}

static json_object *col_json(store_q *q, int i, const char *fallback)
{
	json_object *o = store_json(q, i);
	return o ? o : json_tokener_parse(fallback);
}

void ctx_from_row(store_q *q, int first, struct context *out)
{
	memset(out, 0, sizeof *out);
	store_copy(q, first, out->hash, sizeof out->hash);
	store_copy(q, first + 1, out->id, sizeof out->id);
	out->url = col_dup(q, first + 2);
	out->display_name = col_dup(q, first + 3);
	out->permissions = col_json(q, first + 4, "{}");
	out->tags = col_json(q, first + 5, "[]");
	out->notifications = col_json(q, first + 6, "false");
	out->owner = col_dup(q, first + 7);
	out->creator = col_dup(q, first + 8);
	out->published = col_dup(q, first + 9);
	out->twitter_hashtag = col_dup(q, first + 10);
	out->twitter_username = col_dup(q, first + 11);
	out->upload_url = col_dup(q, first + 12);
}

void ctx_hash(const char *url, char out[MAX_HASH_LEN + 1])
{
	hash_sha1_hex(url, strlen(url), out);
}

int ctx_find(struct store *st, const char *hash, struct context *out)
{
	memset(out, 0, sizeof *out);
	store_q *q = store_sql(st, "SELECT " CTX_COLS " FROM contexts c WHERE c.hash = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, hash);
	int rc = store_one(q);
	if (rc == 1) {
		ctx_from_row(q, 0, out);
		store_reset(q);
	}
	return rc;
}

enum max_err ctx_load(struct store *st, const char *hash, struct context *out)
{
	int found = ctx_find(st, hash, out);
	if (found < 0)
		return model_fail(st, MAX_ESERVER, "context lookup failed");
	if (!found)
		return model_fail(st, MAX_ENOTFOUND,
				  "Object with hash %s not found inside contexts", hash);
	return MAX_OK;
}

int ctx_exists(struct store *st, const char *hash)
{
	store_q *q = store_sql(st, "SELECT 1 FROM contexts WHERE hash = ?1");
	if (!q)
		return -1;
	store_bind_text(q, 1, hash);
	return store_exists(q);
}

void ctx_free(struct context *ctx)
{
	free(ctx->url);
	free(ctx->display_name);
	free(ctx->owner);
	free(ctx->creator);
	free(ctx->published);
	free(ctx->upload_url);
	free(ctx->twitter_hashtag);
	free(ctx->twitter_username);
	json_object_put(ctx->permissions);
	json_object_put(ctx->tags);
	json_object_put(ctx->notifications);
	memset(ctx, 0, sizeof *ctx);
}

const char *ctx_policy(const struct context *ctx, const char *perm)
{
	int p = perm_index(perm);
	return perm_policy_names[p < 0 ? POLICY_RESTRICTED
				       : perm_policy_of(ctx->permissions, (enum perm)p)];
}

int ctx_notifies(const struct context *ctx)
{
	json_object *n = ctx->notifications;
	return n && !(json_object_is_type(n, json_type_boolean) && !json_object_get_boolean(n));
}

/* ---- renderings ------------------------------------------------------------- */

static json_object *copy(json_object *o)
{
	json_object *out = NULL;
	if (json_object_deep_copy(o, &out, NULL) < 0)
		return NULL;
	return out;
}

json_object *ctx_snapshot(const struct context *ctx)
{
	json_object *o = json_object_new_object();
	jx_set_str(o, "objectType", "context");
	jx_set_str(o, "url", ctx->url);
	jx_set_str(o, "hash", ctx->hash);
	jx_set_str(o, "displayName", ctx->display_name);
	jx_set(o, "tags", copy(ctx->tags));
	jx_set(o, "notifications", copy(ctx->notifications));
	return o;
}

/* twitterHashtag, twitterUsername (and uploadURL) when set */
static void set_optional(json_object *o, const struct context *ctx, int upload)
{
	if (ctx->twitter_hashtag)
		jx_set_str(o, "twitterHashtag", ctx->twitter_hashtag);
	if (ctx->twitter_username)
		jx_set_str(o, "twitterUsername", ctx->twitter_username);
	if (upload && ctx->upload_url)
		jx_set_str(o, "uploadURL", ctx->upload_url);
}

json_object *ctx_json(const struct context *ctx, unsigned flags)
{
	json_object *o = json_object_new_object();
	jx_set_str(o, "id", ctx->id);
	jx_set_str(o, "objectType", "context");
	jx_set_str(o, "url", ctx->url);
	jx_set_str(o, "hash", ctx->hash);
	jx_set_str(o, "displayName", ctx->display_name);
	json_object *perms = copy(ctx->permissions);
	for (int p = 0; (flags & CTX_ALL_PERMS) && p < PERM_COUNT; p++)
		if (!json_object_object_get_ex(perms, perm_names[p], NULL))
			jx_set_str(perms, perm_names[p], "restricted");
	jx_set(o, "permissions", perms);
	jx_set(o, "tags", copy(ctx->tags));
	jx_set(o, "notifications", copy(ctx->notifications));
	if (!(flags & CTX_PUBLIC)) {
		jx_set_str(o, "published", ctx->published);
		jx_set_str(o, "creator", ctx->creator);
		jx_set_str(o, "owner", ctx->owner);
	}
	set_optional(o, ctx, 1);
	return o;
}

json_object *ctx_sub_json(const struct context *ctx, const struct perm_state *st,
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
	set_optional(o, ctx, 0);
	jx_set(o, "permissions", perm_list_json(&st->perms));
	if (st->has_gv && shape != SUB_BRIEF) {
		jx_set(o, shape == SUB_RAW ? "_grants" : "grants", perm_list_json(&st->grants));
		jx_set(o, shape == SUB_RAW ? "_vetos" : "vetos", perm_list_json(&st->vetos));
	}
	return o;
}

json_object *ctx_optout_snapshot(const struct context *ctx)
{
	struct perm_state st = {.has_gv = 0};
	perm_policy_list(ctx->permissions, &st.perms);
	return ctx_sub_json(ctx, &st, SUB_RAW);
}

/* ---- copies of the context elsewhere ------------------------------------------ */

/* Post snapshots (contexts[0]) and the subscribe activities' object, then
 * the activities the context itself acted in. */
static int propagate_activities(struct store *st, const char *old_hash, const struct context *ctx)
{
	store_q *s = store_sql(
		st, "UPDATE activities SET context_hash = ?2,"
		    " context_json = json_set(context_json, '$.url', ?3, '$.hash', ?2,"
		    "                         '$.displayName', ?4, '$.tags', json(?5)),"
		    " object_json = CASE WHEN verb = 'subscribe' AND object_type = 'context'"
		    "               THEN json_set(object_json, '$.url', ?3) ELSE object_json END"
		    " WHERE context_hash = ?1");
	store_q *a = store_sql(st, "UPDATE activities SET actor = ?2,"
				   " actor_json = json_set(actor_json, '$.url', ?3, '$.hash', ?2, "
				   "'$.displayName', ?4)"
				   " WHERE actor = ?1 AND actor_kind = 'context'");
	if (!s || !a)
		return -1;
	store_q *each[] = {s, a};
	for (int i = 0; i < 2; i++) {
		store_bind_text(each[i], 1, old_hash);
		store_bind_text(each[i], 2, ctx->hash);
		store_bind_text(each[i], 3, ctx->url);
		store_bind_text(each[i], 4, ctx->display_name);
		if (i == 0)
			store_bind_text(each[i], 5, jx_text(ctx->tags));
		if (store_run(each[i]) < 0)
			return -1;
	}
	return 0;
}

enum max_err ctx_propagate(struct store *st, const char *old_hash, const struct context *ctx)
{
	if (propagate_activities(st, old_hash, ctx) < 0)
		return model_fail(st, MAX_ESERVER, "snapshot update failed");
	/* push opt-outs keep a copy: the snapshot with the policy's list */
	json_object *snap = ctx_optout_snapshot(ctx);
	const char *args[] = {old_hash, ctx->hash, jx_text(snap)};
	int rc = store_exec(st,
			    "UPDATE OR REPLACE push_optouts SET hash = ?2, snapshot_json = ?3"
			    " WHERE hash = ?1",
			    3, args);
	json_object_put(snap);
	return rc < 0 ? model_fail(st, MAX_ESERVER, "opt-out update failed") : MAX_OK;
}

/* The twitter watcher reloads its list: the plain unix time
 * "<sec>.<usec>" to the tweety_restart queue. */
static enum max_err tweety_restart(struct store *st)
{
	struct timeval tv;
	char body[48];
	gettimeofday(&tv, NULL);
	snprintf(body, sizeof body, "%lld.%06ld", (long long)tv.tv_sec, (long)tv.tv_usec);
	if (outbox_publish(st, "", "tweety_restart", body) < 0)
		return model_fail(st, MAX_ESERVER, "outbox insert failed");
	return MAX_OK;
}

/* ---- create, change, delete -------------------------------------------------- */

static const char *opt(int set, const char *value)
{
	return set == 1 ? value : NULL;
}

enum max_err ctx_create(struct store *st, const struct ctx_fields *f, const char *owner,
			const char *creator, struct context *out)
{
	char hash[MAX_HASH_LEN + 1], id[MAX_ID_LEN + 1], now[21];
	memset(out, 0, sizeof *out);
	ctx_hash(f->url, hash);
	id_new(id);
	time_now_iso(now);
	const char *args[] = {
		hash,
		id,
		f->url,
		f->dn_set == 1 ? f->display_name : f->url,
		f->perms_set == 1 ? jx_text(f->permissions) : DEFAULT_PERMISSIONS,
		f->tags_set == 1 ? jx_text(f->tags) : "[]",
		f->notif_set == 1 ? jx_text(f->notifications) : "false",
		owner,
		creator,
		now,
		opt(f->hashtag_set, f->twitter_hashtag),
		opt(f->twuser_set, f->twitter_username),
		opt(f->upload_set, f->upload_url),
	};
	if (store_exec(st,
		       "INSERT INTO contexts (hash, id, url, display_name, permissions_json, "
		       "tags_json,"
		       " notifications_json, owner, creator, published, twitter_hashtag,"
		       " twitter_username, upload_url)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
		       13, args) < 0)
		return model_fail(st, MAX_ESERVER, "context insert failed");
	enum max_err e = f->twuser_set == 1 ? tweety_restart(st) : MAX_OK;
	if (!e && ctx_find(st, hash, out) <= 0)
		e = model_fail(st, MAX_ESERVER, "context vanished");
	return e;
}

/* The new row of a change: stored values overridden by f's. */
struct ctx_row {
	const char *url, *display_name, *hashtag, *twitter_username, *upload_url;
	json_object *permissions, *tags, *notifications; /* owned */
	char hash[MAX_HASH_LEN + 1];
};

/* Changed keys replace the stored ones; "" goes back to the default. */
static json_object *merged_permissions(const struct context *old, const struct ctx_fields *f)
{
	if (f->perms_set == 2)
		return json_tokener_parse(DEFAULT_PERMISSIONS);
	json_object *p = copy(old->permissions);
	if (f->perms_set == 1) {
		json_object_object_foreach(f->permissions, key, val)
			jx_set(p, key, json_object_get(val));
	}
	return p;
}

static const char *pick(int set, const char *value, const char *cleared, const char *stored)
{
	return set == 1 ? value : set == 2 ? cleared : stored;
}

static json_object *pick_json(int set, json_object *value, json_object *cleared,
			      json_object *stored)
{
	if (set == 1) {
		json_object_put(cleared);
		return json_object_get(value);
	}
	if (set == 2)
		return cleared;
	json_object_put(cleared);
	return copy(stored);
}

static void build_row(const struct context *old, const struct ctx_fields *f, struct ctx_row *u)
{
	u->url = f->url_set == 1 ? f->url : old->url;
	ctx_hash(u->url, u->hash);
	u->display_name = pick(f->dn_set, f->display_name, u->url, old->display_name);
	u->permissions = merged_permissions(old, f);
	u->tags = pick_json(f->tags_set, f->tags, json_object_new_array(), old->tags);
	u->notifications = pick_json(f->notif_set, f->notifications, json_object_new_boolean(0),
				     old->notifications);
	u->hashtag = pick(f->hashtag_set, f->twitter_hashtag, NULL, old->twitter_hashtag);
	u->twitter_username = pick(f->twuser_set, f->twitter_username, NULL, old->twitter_username);
	u->upload_url = pick(f->upload_set, f->upload_url, NULL, old->upload_url);
}

static enum max_err write_row(struct store *st, const struct context *old, const struct ctx_row *u)
{
	if (strcmp(u->hash, old->hash)) {
		int exists = ctx_exists(st, u->hash);
		if (exists < 0)
			return model_fail(st, MAX_ESERVER, "context lookup failed");
		if (exists)
			return model_fail(st, MAX_EVALIDATION,
					  "Validation error on field \"url\": another context has "
					  "this url");
	}
	const char *args[] = {old->hash,
			      u->hash,
			      u->url,
			      u->display_name,
			      jx_text(u->permissions),
			      jx_text(u->tags),
			      jx_text(u->notifications),
			      u->hashtag,
			      u->twitter_username,
			      u->upload_url};
	/* subscriptions follow a new hash (ON UPDATE CASCADE) */
	if (store_exec(st,
		       "UPDATE contexts SET hash = ?2, url = ?3, display_name = ?4,"
		       " permissions_json = ?5, tags_json = ?6, notifications_json = ?7,"
		       " twitter_hashtag = ?8, twitter_username = ?9, upload_url = ?10"
		       " WHERE hash = ?1",
		       10, args) < 0)
		return model_fail(st, MAX_ESERVER, "context update failed");
	return MAX_OK;
}

static int str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

/* Does a copy elsewhere show something that changed? */
static int copies_differ(const struct context *a, const struct context *b)
{
	return strcmp(a->hash, b->hash) || strcmp(a->display_name, b->display_name) ||
	       !json_object_equal(a->tags, b->tags) ||
	       !json_object_equal(a->permissions, b->permissions) ||
	       !json_object_equal(a->notifications, b->notifications) ||
	       str_differs(a->twitter_hashtag, b->twitter_hashtag) ||
	       str_differs(a->twitter_username, b->twitter_username);
}

enum max_err ctx_update(struct store *st, const struct context *old, const struct ctx_fields *f,
			struct context *now)
{
	struct ctx_row u = {0};
	memset(now, 0, sizeof *now);
	build_row(old, f, &u);
	enum max_err e = write_row(st, old, &u);
	if (!e && ctx_find(st, u.hash, now) <= 0)
		e = model_fail(st, MAX_ESERVER, "context vanished");
	if (!e && copies_differ(old, now))
		e = ctx_propagate(st, old->hash, now);
	if (!e && str_differs(old->twitter_username, now->twitter_username))
		e = tweety_restart(st);
	json_object_put(u.permissions);
	json_object_put(u.tags);
	json_object_put(u.notifications);
	return e;
}

enum max_err ctx_delete(struct store *st, const char *hash)
{
	const char *args[] = {hash};
	if (store_exec(st, "UPDATE activities SET visible = 0 WHERE context_hash = ?1 AND verb = 'post'",
		       1, args) < 0 ||
	    store_exec(st, "DELETE FROM subscriptions WHERE hash = ?1", 1, args) < 0 ||
	    store_exec(st, "DELETE FROM contexts WHERE hash = ?1", 1, args) < 0)
		return model_fail(st, MAX_ESERVER, "context delete failed");
	return MAX_OK;
}

/* ---- tags --------------------------------------------------------------------- */

static int has_string(json_object *a, const char *s)
{
	for (size_t j = 0; j < json_object_array_length(a); j++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(a, j)), s))
			return 1;
	return 0;
}

enum max_err ctx_tags_merge(struct store *st, json_object *base, json_object *in, json_object **out)
{
	json_object *a = base ? copy(base) : json_object_new_array();
	*out = NULL;
	for (size_t i = 0; i < json_object_array_length(in); i++) {
		json_object *t = json_object_array_get_idx(in, i);
		size_t len = (size_t)json_object_get_string_len(t);
		if (!len || len > TAG_MAX) {
			json_object_put(a);
			return model_fail(st, MAX_EVALIDATION,
					  "Validation error on field \"tags\": tags are 1 to %d "
					  "bytes",
					  TAG_MAX);
		}
		if (!has_string(a, json_object_get_string(t)))
			json_object_array_add(a, json_object_new_string(json_object_get_string(t)));
	}
	if (json_object_array_length(a) > TAGS_MAX) {
		json_object_put(a);
		return model_fail(st, MAX_EVALIDATION,
				  "Validation error on field \"tags\": more than %d tags",
				  TAGS_MAX);
	}
	*out = a;
	return MAX_OK;
}

enum max_err ctx_set_tags(struct store *st, struct context *ctx, json_object *tags)
{
	json_object_put(ctx->tags);
	ctx->tags = tags;
	const char *args[] = {ctx->hash, jx_text(tags)};
	if (store_exec(st, "UPDATE contexts SET tags_json = ?2 WHERE hash = ?1", 2, args) < 0)
		return model_fail(st, MAX_ESERVER, "context update failed");
	return ctx_propagate(st, ctx->hash, ctx);
}

enum max_err ctx_tag_remove(struct store *st, struct context *ctx, const char *tag)
{
	json_object *kept = json_object_new_array();
	size_t n = json_object_array_length(ctx->tags);
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(ctx->tags, i);
		if (strcmp(json_object_get_string(t), tag))
			json_object_array_add(kept, json_object_get(t));
	}
	if (json_object_array_length(kept) == n) {
		json_object_put(kept);
		return model_fail(st, MAX_ENOTFOUND, "This context has no tag \"%s\"", tag);
	}
	return ctx_set_tags(st, ctx, kept);
}

char *ctx_tags_filter(const char *const *values, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const char *s = values[i], *e = s + strlen(s);
		while (isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s)
			json_object_array_add(a, json_object_new_string_len(s, (int)(e - s)));
	}
	char *out = json_object_array_length(a) ? xstrdup(jx_text(a)) : NULL;
	json_object_put(a);
	return out;
}

/* ---- the context lists --------------------------------------------------------- */

enum max_err ctx_list(struct store *st, const struct ctx_query *cq, json_object **out)
{
	*out = NULL;
	store_q *q = store_sql(
		st,
		"SELECT " CTX_COLS " FROM contexts c"
		" WHERE (?1 = 0 OR c.twitter_username IS NOT NULL OR c.twitter_hashtag IS NOT NULL)"
		"   AND (?2 = 0 OR json_extract(c.permissions_json, '$.subscribe') = 'public')"
		"   AND c.id < coalesce(?3, '~') AND c.id > coalesce(?4, '')"
		"   AND (?5 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?5) t"
		"        WHERE t.value NOT IN (SELECT value FROM json_each(c.tags_json))))"
		"   AND (?6 IS NULL OR c.published >= ?6) AND (?7 IS NULL OR c.published < ?7)"
		" ORDER BY c.id DESC LIMIT ?8");
	if (!q)
		return model_fail(st, MAX_ESERVER, "context query failed");
	store_bind_int(q, 1, cq->twitter_only);
	store_bind_int(q, 2, cq->public_only);
	store_bind_text(q, 3, cq->before);
	store_bind_text(q, 4, cq->after);
	store_bind_text(q, 5, cq->tags);
	store_bind_text(q, 6, cq->from);
	store_bind_text(q, 7, cq->to);
	store_bind_int(q, 8, cq->limit);
	json_object *a = json_object_new_array();
	int rc;
	while ((rc = store_step(q)) == STORE_ROW) {
		struct context ctx;
		ctx_from_row(q, 0, &ctx);
		json_object_array_add(a, ctx_json(&ctx, cq->public_only ? CTX_PUBLIC : 0));
		ctx_free(&ctx);
	}
	if (rc != STORE_DONE) {
		json_object_put(a);
		return model_fail(st, MAX_ESERVER, "context query failed");
	}
	*out = a;
	return MAX_OK;
}
