/*
 * contexts.c — contexts (API.md §4.2, §5.6): #36–#45, the context avatar
 * #9 and the URL lookup traverse_context().
 *
 * A context is one row of `contexts`, keyed by sha1(url). Its permissions
 * dict, tags and notifications value are stored as the JSON clients send
 * (permissions_json, tags_json, notifications_json), validated on the way
 * in. Subscriptions are rendered from this row, so a change here reaches
 * them at once; the copies elsewhere (post and subscribe activity
 * snapshots, push opt-out snapshots) are refreshed by context_propagate(),
 * and a changed permissions dict recomputes every subscriber's list
 * (subscriptions_recompute()).
 */
#include "http/contexts.h"
#include "http/media.h"
#include "util/text.h"
#include "http/auth.h"
#include "util/config.h"
#include "http/filters.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "model/outbox.h"
#include "store/store.h"
#include "http/traverse.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define URL_MAX 2048          /* bytes, url and uploadURL */
#define DISPLAY_NAME_MAX 256  /* bytes, as for people */
#define TAG_MAX 128           /* bytes per tag */
#define TAGS_MAX 100          /* tags per context */
#define HASHTAG_MAX 100       /* bytes, after stripping '#' */

/* §5.6: a context created without permissions */
#define DEFAULT_PERMISSIONS \
	"{\"read\":\"restricted\",\"write\":\"restricted\",\"subscribe\":\"restricted\",\"invite\":\"restricted\"}"

/* ---- the row --------------------------------------------------------------- */

static char *col_dup(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	return t ? xstrdup(t) : NULL;
}

static json_object *col_json(sqlite3_stmt *s, int i, const char *fallback)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	json_object *o = t ? json_tokener_parse(t) : NULL;
	return o ? o : json_tokener_parse(fallback);
}

void context_from_row(sqlite3_stmt *s, int first, struct context *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->hash, sizeof out->hash, "%s", (const char *)sqlite3_column_text(s, first));
	snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(s, first + 1));
	out->url = col_dup(s, first + 2);
	out->display_name = col_dup(s, first + 3);
	out->permissions = col_json(s, first + 4, "{}");
	out->tags = col_json(s, first + 5, "[]");
	out->notifications = col_json(s, first + 6, "false");
	out->owner = col_dup(s, first + 7);
	out->creator = col_dup(s, first + 8);
	out->published = col_dup(s, first + 9);
	out->twitter_hashtag = col_dup(s, first + 10);
	out->twitter_username = col_dup(s, first + 11);
	out->upload_url = col_dup(s, first + 12);
}

int context_load(struct max_ctx *c, const char *hash, struct context *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *s = store_stmt(c->db, "SELECT " CONTEXT_COLS " FROM contexts c WHERE c.hash = ?1");
	if (!s)
		return -1;
	store_bind_text(s, 1, hash);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		context_from_row(s, 0, out);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

void context_free(struct context *ctx)
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

enum max_err context_from_url(struct max_ctx *c, struct context *ctx)
{
	int found = context_load(c, c->params[0], ctx);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "context lookup failed");
	return found ? MAX_OK : traverse_not_found(c, "hash", c->params[0], "contexts");
}

/* 1 exists, 0 not, -1 error */
static int context_exists(struct max_ctx *c, const char *hash)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT 1 FROM contexts WHERE hash = ?1");
	if (!s)
		return -1;
	store_bind_text(s, 1, hash);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

enum max_err traverse_context(struct max_ctx *c, const char *hash)
{
	int found = context_exists(c, hash);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "context lookup failed");
	return found ? MAX_OK : traverse_not_found(c, "hash", hash, "contexts");
}

const char *context_policy(const struct context *ctx, const char *perm)
{
	int p = perm_index(perm);
	return perm_policy_names[p < 0 ? POLICY_RESTRICTED : perm_policy_of(ctx->permissions, (enum perm)p)];
}

int context_notifies(const struct context *ctx)
{
	json_object *n = ctx->notifications;
	return n && !(json_object_is_type(n, json_type_boolean) && !json_object_get_boolean(n));
}

static json_object *copy(json_object *o)
{
	json_object *out = NULL;
	if (json_object_deep_copy(o, &out, NULL) < 0)
		return NULL;
	return out;
}

json_object *context_snapshot(const struct context *ctx)
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

json_object *context_json(const struct context *ctx, unsigned flags)
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
	if (ctx->twitter_hashtag)
		jx_set_str(o, "twitterHashtag", ctx->twitter_hashtag);
	if (ctx->twitter_username)
		jx_set_str(o, "twitterUsername", ctx->twitter_username);
	if (ctx->upload_url)
		jx_set_str(o, "uploadURL", ctx->upload_url);
	return o;
}

/* The Context of a single-object answer, with ?show_acls (§1.11). */
static enum max_err answer_context(struct max_ctx *c, struct max_resp *r, int status,
				   const struct context *ctx, unsigned flags)
{
	json_object *o = context_json(ctx, flags);
	if (qs_get(c, "show_acls"))
		jx_set(o, "acls", perm_acls(c, ctx));
	return resp_json(r, status, o);
}

/* ---- copies of the context elsewhere --------------------------------------- */

enum max_err context_propagate(struct max_ctx *c, const char *old_hash, const struct context *ctx)
{
	const char *tags = jx_text(ctx->tags);
	/* post snapshots (contexts[0]) and the subscribe activities' object */
	sqlite3_stmt *s = store_stmt(
		c->db,
		"UPDATE activities SET context_hash = ?2,"
		" context_json = json_set(context_json, '$.url', ?3, '$.hash', ?2,"
		"                         '$.displayName', ?4, '$.tags', json(?5)),"
		" object_json = CASE WHEN verb = 'subscribe' AND object_type = 'context'"
		"               THEN json_set(object_json, '$.url', ?3) ELSE object_json END"
		" WHERE context_hash = ?1");
	sqlite3_stmt *a = store_stmt(
		c->db, "UPDATE activities SET actor = ?2,"
		       " actor_json = json_set(actor_json, '$.url', ?3, '$.hash', ?2, '$.displayName', ?4)"
		       " WHERE actor = ?1 AND actor_kind = 'context'");
	if (!s || !a)
		return max_fail(c, MAX_ESERVER, "snapshot update failed");
	sqlite3_stmt *each[] = {s, a};
	for (int i = 0; i < 2; i++) {
		store_bind_text(each[i], 1, old_hash);
		store_bind_text(each[i], 2, ctx->hash);
		store_bind_text(each[i], 3, ctx->url);
		store_bind_text(each[i], 4, ctx->display_name);
		if (i == 0)
			store_bind_text(each[i], 5, tags);
		int rc = sqlite3_step(each[i]);
		sqlite3_reset(each[i]);
		if (rc != SQLITE_DONE)
			return max_fail(c, MAX_ESERVER, "snapshot update failed: %s",
					sqlite3_errmsg(c->db->db));
	}
	/* push opt-outs keep a copy: the snapshot with the policy's list */
	json_object *snap = pushoptout_snapshot(ctx);
	const char *args[] = {old_hash, ctx->hash, jx_text(snap)};
	int rc = store_exec(c->db,
			    "UPDATE OR REPLACE push_optouts SET hash = ?2, snapshot_json = ?3"
			    " WHERE hash = ?1",
			    3, args);
	json_object_put(snap);
	return rc < 0 ? max_fail(c, MAX_ESERVER, "opt-out update failed") : MAX_OK;
}

/* ---- input ----------------------------------------------------------------- */

static enum max_err invalid(struct max_ctx *c, const char *field, const char *why)
{
	return max_fail(c, MAX_EVALIDATION, "Validation error on field \"%s\": %s", field, why);
}

/* RFC 3986 absolute URI: scheme ":" something, no whitespace, controls or
 * the characters a URI never carries unescaped. UTF-8 (IRIs) is allowed. */
static int absolute_uri(const char *s)
{
	if (!isalpha((unsigned char)*s))
		return 0;
	const char *p = s + 1;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (*p != ':' || !p[1])
		return 0;
	for (; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || strchr("<>\"{}|\\^`", *p))
			return 0;
	return 1;
}

/* One optional string field: 0 absent or null, 1 a value, 2 "" ("remove"). */
static enum max_err str_field(struct max_ctx *c, const char *field, size_t max, const char **out,
			      int *state)
{
	*out = NULL;
	int rc = jx_string(c->body, field, out);
	if (rc < 0)
		return invalid(c, field, "must be a string");
	*state = rc == 1 ? (**out ? 1 : 2) : 0;
	if (*state == 1 && strlen(*out) > max)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"%s\": longer than %zu bytes", field,
				max);
	return MAX_OK;
}

static enum max_err uri_field(struct max_ctx *c, const char *field, const char **out, int *state)
{
	enum max_err e = str_field(c, field, URL_MAX, out, state);
	if (!e && *state == 1 && !absolute_uri(*out))
		return invalid(c, field, "not an absolute URI");
	return e;
}

/* Validates a tag list (array of non-empty bounded strings); returns a new
 * array without duplicates, in order, appended to `base` when given. */
static enum max_err tag_list(struct max_ctx *c, json_object *in, json_object *base,
			     json_object **out)
{
	json_object *a = base ? copy(base) : json_object_new_array();
	*out = NULL;
	for (size_t i = 0; i < json_object_array_length(in); i++) {
		json_object *t = json_object_array_get_idx(in, i);
		const char *s = json_object_get_string(t);
		size_t len = json_object_get_string_len(t), j;
		if (!len || len > TAG_MAX) {
			json_object_put(a);
			return max_fail(c, MAX_EVALIDATION,
					"Validation error on field \"tags\": tags are 1 to %d bytes",
					TAG_MAX);
		}
		for (j = 0; j < json_object_array_length(a); j++)
			if (!strcmp(json_object_get_string(json_object_array_get_idx(a, j)), s))
				break;
		if (j == json_object_array_length(a))
			json_object_array_add(a, json_object_new_string(s));
	}
	if (json_object_array_length(a) > TAGS_MAX) {
		json_object_put(a);
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"tags\": more than %d tags", TAGS_MAX);
	}
	*out = a;
	return MAX_OK;
}

static int string_array(json_object *a)
{
	if (!a || !json_object_is_type(a, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!json_object_is_type(json_object_array_get_idx(a, i), json_type_string))
			return 0;
	return 1;
}

/* Every field of a POST/PUT body, validated. For each, *_set is 0 absent
 * or null, 1 a value, 2 "" (remove / back to the default). */
struct context_input {
	int url_set, dn_set, perms_set, tags_set, notif_set, hashtag_set, twuser_set, upload_set,
		owner_set;
	const char *url, *display_name, *upload_url, *owner;
	json_object *permissions;   /* borrowed from the body */
	json_object *tags;          /* owned, de-duplicated */
	json_object *notifications; /* borrowed from the body */
	char hashtag[HASHTAG_MAX + 1];
	char twitter_username[16];
};

static enum max_err permissions_field(struct max_ctx *c, struct context_input *in)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(c->body, "permissions", &v) || !v)
		return MAX_OK;
	if (json_object_is_type(v, json_type_string) && !json_object_get_string_len(v)) {
		in->perms_set = 2;
		return MAX_OK;
	}
	if (!json_object_is_type(v, json_type_object))
		return invalid(c, "permissions", "must be an object");
	json_object_object_foreach(v, key, val)
	{
		if (perm_index(key) < 0)
			return max_fail(c, MAX_EPERMISSION, "There's not any permission named '%s'",
					key);
		const char *s = val && json_object_is_type(val, json_type_string)
					? json_object_get_string(val)
					: NULL;
		if (!s || (strcmp(s, "public") && strcmp(s, "subscribed") && strcmp(s, "restricted")))
			return max_fail(c, MAX_EVALIDATION,
					"Validation error on field \"permissions\": %s must be public, "
					"subscribed or restricted",
					key);
	}
	in->permissions = v;
	in->perms_set = 1;
	return MAX_OK;
}

static enum max_err notifications_field(struct max_ctx *c, struct context_input *in)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(c->body, "notifications", &v) || !v)
		return MAX_OK;
	if (json_object_is_type(v, json_type_boolean)) {
		in->notif_set = 1;
	} else if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		if (*s && strcmp(s, "posts") && strcmp(s, "comments"))
			return invalid(c, "notifications",
				       "must be true, false, \"posts\" or \"comments\"");
		in->notif_set = *s ? 1 : 2;
	} else {
		return invalid(c, "notifications", "must be true, false, \"posts\" or \"comments\"");
	}
	in->notifications = v;
	return MAX_OK;
}

static enum max_err read_input(struct max_ctx *c, struct context_input *in)
{
	memset(in, 0, sizeof *in);
	enum max_err e;
	const char *tw = NULL;
	if ((e = uri_field(c, "url", &in->url, &in->url_set)) ||
	    (e = str_field(c, "displayName", DISPLAY_NAME_MAX, &in->display_name, &in->dn_set)) ||
	    (e = permissions_field(c, in)) || (e = notifications_field(c, in)) ||
	    (e = uri_field(c, "uploadURL", &in->upload_url, &in->upload_set)))
		return e;
	if ((e = str_field(c, "twitterHashtag", URL_MAX, &tw, &in->hashtag_set)))
		return e;
	if (in->hashtag_set == 1 && text_twitter_name(tw, '#', 1, HASHTAG_MAX, in->hashtag) < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"twitterHashtag\": %s is not a valid hashtag",
				tw);
	if ((e = str_field(c, "twitterUsername", URL_MAX, &tw, &in->twuser_set)))
		return e;
	if (in->twuser_set == 1 && text_twitter_name(tw, '@', 0, 15, in->twitter_username) < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"twitterUsername\": %s is not a valid "
				"twitter username",
				tw);
	json_object *tags = NULL;
	if (json_object_object_get_ex(c->body, "tags", &tags) && tags) {
		if (json_object_is_type(tags, json_type_string) && !json_object_get_string_len(tags)) {
			in->tags_set = 2;
		} else if (!string_array(tags)) {
			return invalid(c, "tags", "must be a list of strings");
		} else {
			if ((e = tag_list(c, tags, NULL, &in->tags)))
				return e;
			in->tags_set = 1;
		}
	}
	return MAX_OK;
}

static int body_is_object(const struct max_ctx *c)
{
	return !c->body || json_object_is_type(c->body, json_type_object);
}

/* MESSAGING.md §1.4: the plain unix time "<sec>.<usec>" to tweety_restart. */
static enum max_err tweety_restart(struct max_ctx *c)
{
	struct timeval tv;
	char body[48];
	gettimeofday(&tv, NULL);
	snprintf(body, sizeof body, "%lld.%06ld", (long long)tv.tv_sec, (long)tv.tv_usec);
	if (outbox_publish(c->db, "", "tweety_restart", body) < 0)
		return max_fail(c, MAX_ESERVER, "outbox insert failed");
	return MAX_OK;
}

static const char *opt(int set, const char *value)
{
	return set == 1 ? value : NULL;
}

/* ---- #37 POST /contexts ---------------------------------------------------- */

enum max_err contexts_create(struct max_ctx *c, struct max_resp *r)
{
	if (!body_is_object(c))
		return max_fail(c, MAX_EVALIDATION, "Unexpected data type in request");
	const char *url = NULL;
	int rc = jx_string(c->body, "url", &url);
	if (rc == 0)
		return max_fail(c, MAX_EMISSING, "Required parameter \"url\" not found in the request");
	if (rc == 1 && !*url)
		return max_fail(c, MAX_EMISSING, "Required parameter \"url\" found but empty");
	struct context_input in;
	struct context ctx;
	char hash[41];
	enum max_err e = MAX_OK;
	if (rc == 1) {
		hash_sha1_hex(url, strlen(url), hash);
		rc = context_load(c, hash, &ctx);
		if (rc != 0) { /* existing: 200 with it, the rest of the body ignored */
			e = rc < 0 ? max_fail(c, MAX_ESERVER, "context lookup failed")
				   : answer_context(c, r, 200, &ctx, 0);
			context_free(&ctx);
			return e;
		}
	}
	e = read_input(c, &in);
	if (!e)
		e = str_field(c, "owner", MAX_USERNAME_MAX, &in.owner, &in.owner_set);
	if (e) {
		json_object_put(in.tags);
		return e;
	}
	char id[25], now[21], owner[MAX_USERNAME_MAX + 1];
	id_new(id);
	time_now_iso(now);
	snprintf(owner, sizeof owner, "%s", in.owner_set == 1 ? in.owner : c->auth_user);
	str_lower(owner);
	const char *args[] = {
		hash,
		id,
		in.url,
		in.dn_set == 1 ? in.display_name : in.url,
		in.perms_set == 1 ? jx_text(in.permissions) : DEFAULT_PERMISSIONS,
		in.tags_set == 1 ? jx_text(in.tags) : "[]",
		in.notif_set == 1 ? jx_text(in.notifications) : "false",
		owner,
		c->auth_user,
		now,
		opt(in.hashtag_set, in.hashtag),
		opt(in.twuser_set, in.twitter_username),
		opt(in.upload_set, in.upload_url),
	};
	rc = store_exec(c->db,
			"INSERT INTO contexts (hash, id, url, display_name, permissions_json, tags_json,"
			" notifications_json, owner, creator, published, twitter_hashtag,"
			" twitter_username, upload_url)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
			13, args);
	json_object_put(in.tags);
	if (rc < 0)
		return max_fail(c, MAX_ESERVER, "context insert failed");
	if (in.twuser_set == 1 && (e = tweety_restart(c)))
		return e;
	if (context_load(c, hash, &ctx) <= 0)
		return max_fail(c, MAX_ESERVER, "context vanished");
	e = answer_context(c, r, 201, &ctx, 0);
	context_free(&ctx);
	return e;
}

/* ---- #36 GET /contexts, #38 GET /contexts/public ---------------------------- */

char *tags_param(struct max_ctx *c)
{
	const char *v[32];
	size_t n = qs_all(c, "tags", v, 32);
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const char *s = v[i], *e = s + strlen(s);
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

static enum max_err list_contexts(struct max_ctx *c, struct max_resp *r, int public_only)
{
	long limit;
	const char *before = NULL, *after = NULL;
	enum max_err e;
	if ((e = http_limit(c, 10, &limit)) || (e = filter_offsets(c, &before, &after)))
		return e;
	char from[21], to[21];
	filter_date_range(qs_get(c, "date_filter"), from, to);
	sqlite3_stmt *s = store_stmt(
		c->db,
		"SELECT " CONTEXT_COLS " FROM contexts c"
		" WHERE (?1 = 0 OR c.twitter_username IS NOT NULL OR c.twitter_hashtag IS NOT NULL)"
		"   AND (?2 = 0 OR json_extract(c.permissions_json, '$.subscribe') = 'public')"
		"   AND c.id < coalesce(?3, '~') AND c.id > coalesce(?4, '')"
		"   AND (?5 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?5) t"
		"        WHERE t.value NOT IN (SELECT value FROM json_each(c.tags_json))))"
		"   AND (?6 IS NULL OR c.published >= ?6) AND (?7 IS NULL OR c.published < ?7)"
		" ORDER BY c.id DESC LIMIT ?8");
	if (!s)
		return max_fail(c, MAX_ESERVER, "context query failed");
	char *tags = tags_param(c);
	sqlite3_bind_int(s, 1, parse_bool(qs_get(c, "twitter_enabled")));
	sqlite3_bind_int(s, 2, public_only);
	store_bind_text(s, 3, before);
	store_bind_text(s, 4, after);
	store_bind_text(s, 5, tags);
	store_bind_text(s, 6, *from ? from : NULL);
	store_bind_text(s, 7, *to ? to : NULL);
	sqlite3_bind_int64(s, 8, limit);
	json_object *a = json_object_new_array();
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct context ctx;
		context_from_row(s, 0, &ctx);
		json_object_array_add(a, context_json(&ctx, public_only ? CTX_PUBLIC : 0));
		context_free(&ctx);
	}
	sqlite3_reset(s);
	free(tags);
	if (rc != SQLITE_DONE) {
		json_object_put(a);
		return max_fail(c, MAX_ESERVER, "context query failed");
	}
	return resp_json(r, 200, a);
}

enum max_err contexts_list(struct max_ctx *c, struct max_resp *r)
{
	return list_contexts(c, r, 0);
}

enum max_err contexts_public(struct max_ctx *c, struct max_resp *r)
{
	return list_contexts(c, r, 1);
}

/* ---- #39 GET, #40 PUT, #41 DELETE /contexts/{hash} --------------------------- */

enum max_err context_get(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	enum max_err e = context_from_url(c, &ctx);
	if (!e)
		e = answer_context(c, r, 200, &ctx, CTX_ALL_PERMS);
	context_free(&ctx);
	return e;
}

static int str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

/* The new row of a PUT: stored values overridden by the body's. */
struct context_update {
	const char *url, *display_name, *hashtag, *twitter_username, *upload_url;
	json_object *permissions, *tags, *notifications; /* owned */
	char hash[41];
};

static void build_update(const struct context *old, const struct context_input *in,
			 struct context_update *u)
{
	u->url = in->url_set == 1 ? in->url : old->url;
	hash_sha1_hex(u->url, strlen(u->url), u->hash);
	u->display_name = in->dn_set == 1 ? in->display_name
			  : in->dn_set == 2 ? u->url
					    : old->display_name;
	if (in->perms_set == 1) {
		u->permissions = copy(old->permissions);
		json_object_object_foreach(in->permissions, key, val)
			jx_set(u->permissions, key, json_object_get(val));
	} else {
		u->permissions = in->perms_set == 2 ? json_tokener_parse(DEFAULT_PERMISSIONS)
						    : copy(old->permissions);
	}
	u->tags = in->tags_set == 1 ? json_object_get(in->tags)
		  : in->tags_set == 2 ? json_object_new_array()
				      : copy(old->tags);
	u->notifications = in->notif_set == 1 ? json_object_get(in->notifications)
			   : in->notif_set == 2 ? json_object_new_boolean(0)
						: copy(old->notifications);
	u->hashtag = in->hashtag_set == 1 ? in->hashtag
		     : in->hashtag_set == 2 ? NULL
					    : old->twitter_hashtag;
	u->twitter_username = in->twuser_set == 1 ? in->twitter_username
			      : in->twuser_set == 2 ? NULL
						    : old->twitter_username;
	u->upload_url = in->upload_set == 1 ? in->upload_url
			: in->upload_set == 2 ? NULL
					      : old->upload_url;
}

static void update_free(struct context_update *u)
{
	json_object_put(u->permissions);
	json_object_put(u->tags);
	json_object_put(u->notifications);
}

static enum max_err apply_update(struct max_ctx *c, const struct context *old,
				 const struct context_update *u)
{
	if (strcmp(u->hash, old->hash)) {
		int exists = context_exists(c, u->hash);
		if (exists < 0)
			return max_fail(c, MAX_ESERVER, "context lookup failed");
		if (exists)
			return invalid(c, "url", "another context has this url");
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
	if (store_exec(c->db,
		       "UPDATE contexts SET hash = ?2, url = ?3, display_name = ?4,"
		       " permissions_json = ?5, tags_json = ?6, notifications_json = ?7,"
		       " twitter_hashtag = ?8, twitter_username = ?9, upload_url = ?10"
		       " WHERE hash = ?1",
		       10, args) < 0)
		return max_fail(c, MAX_ESERVER, "context update failed");
	return MAX_OK;
}

enum max_err context_update(struct max_ctx *c, struct max_resp *r)
{
	struct context old, now = {0};
	struct context_input in = {0};
	struct context_update u = {0};
	enum max_err e = context_from_url(c, &old);
	if (!e)
		e = perm_require(c, &old, PA_MANAGE);
	if (!e && !body_is_object(c))
		e = max_fail(c, MAX_EVALIDATION, "Unexpected data type in request");
	if (!e)
		e = read_input(c, &in);
	if (!e && in.url_set == 2)
		e = max_fail(c, MAX_EMISSING, "Required parameter \"url\" found but empty");
	if (!e) {
		build_update(&old, &in, &u);
		e = apply_update(c, &old, &u);
	}
	if (!e && context_load(c, u.hash, &now) <= 0)
		e = max_fail(c, MAX_ESERVER, "context vanished");
	if (!e && (strcmp(old.hash, now.hash) || strcmp(old.display_name, now.display_name) ||
		   !json_object_equal(old.tags, now.tags) ||
		   !json_object_equal(old.permissions, now.permissions) ||
		   !json_object_equal(old.notifications, now.notifications) ||
		   str_differs(old.twitter_hashtag, now.twitter_hashtag) ||
		   str_differs(old.twitter_username, now.twitter_username)))
		e = context_propagate(c, old.hash, &now);
	if (!e && !json_object_equal(old.permissions, now.permissions))
		e = subscriptions_recompute(c, &now);
	if (!e && strcmp(old.hash, now.hash))
		e = subscriptions_rekey(c, old.hash, &now);
	if (!e && in.notif_set)
		e = subscriptions_bind_all(c, now.hash, context_notifies(&now));
	if (!e && str_differs(old.twitter_username, now.twitter_username))
		e = tweety_restart(c);
	if (!e)
		e = answer_context(c, r, 200, &now, 0);
	update_free(&u);
	json_object_put(in.tags);
	context_free(&old);
	context_free(&now);
	return e;
}

/* #41: everybody unsubscribed (push opt-outs are left, §5.6), posts
 * hidden, the context deleted. */
enum max_err context_delete(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	enum max_err e = context_from_url(c, &ctx);
	if (!e)
		e = perm_require(c, &ctx, PA_MANAGE);
	if (!e)
		e = subscriptions_bind_all(c, ctx.hash, 0);
	const char *args[] = {ctx.hash};
	if (!e && (store_exec(c->db,
			      "UPDATE activities SET visible = 0 WHERE context_hash = ?1 AND verb = 'post'",
			      1, args) < 0 ||
		   store_exec(c->db, "DELETE FROM subscriptions WHERE hash = ?1", 1, args) < 0 ||
		   store_exec(c->db, "DELETE FROM contexts WHERE hash = ?1", 1, args) < 0))
		e = max_fail(c, MAX_ESERVER, "context delete failed");
	context_free(&ctx);
	if (!e)
		r->status = 204;
	return e;
}

/* ---- #42–#45 tags ----------------------------------------------------------- */

enum max_err context_tags_get(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	enum max_err e = context_from_url(c, &ctx);
	if (!e)
		e = resp_json(r, 200, json_object_get(ctx.tags));
	context_free(&ctx);
	return e;
}

/* Stores tags as ctx's and propagates them; ctx->tags takes tags. */
static enum max_err set_tags(struct max_ctx *c, struct context *ctx, json_object *tags)
{
	json_object_put(ctx->tags);
	ctx->tags = tags;
	const char *args[] = {ctx->hash, jx_text(tags)};
	if (store_exec(c->db, "UPDATE contexts SET tags_json = ?2 WHERE hash = ?1", 2, args) < 0)
		return max_fail(c, MAX_ESERVER, "context update failed");
	return context_propagate(c, ctx->hash, ctx);
}

/* Loads the URL's context for a tag change by its manager. */
static enum max_err tags_target(struct max_ctx *c, struct context *ctx)
{
	enum max_err e = context_from_url(c, ctx);
	return e ? e : perm_require(c, ctx, PA_MANAGE);
}

/* #43: union with the current tags, existing first (§5.6 Clean). */
enum max_err context_tags_add(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	json_object *tags = NULL;
	enum max_err e = tags_target(c, &ctx);
	if (!e && !string_array(c->body))
		e = max_fail(c, MAX_EVALIDATION, "Sorry, We're expecting a list of strings...");
	if (!e)
		e = tag_list(c, c->body, ctx.tags, &tags);
	if (!e)
		e = set_tags(c, &ctx, tags);
	if (!e)
		e = resp_json(r, 200, json_object_get(ctx.tags));
	context_free(&ctx);
	return e;
}

/* #44: 200 with [] */
enum max_err context_tags_clear(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	enum max_err e = tags_target(c, &ctx);
	if (!e)
		e = set_tags(c, &ctx, json_object_new_array());
	if (!e)
		e = resp_json(r, 200, json_object_new_array());
	context_free(&ctx);
	return e;
}

/* #45: 204, or 404 when the context has no such tag */
enum max_err context_tag_delete(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	enum max_err e = tags_target(c, &ctx);
	const char *tag = c->params[1];
	json_object *kept = json_object_new_array();
	size_t n = e ? 0 : json_object_array_length(ctx.tags);
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(ctx.tags, i);
		if (strcmp(json_object_get_string(t), tag))
			json_object_array_add(kept, json_object_get(t));
	}
	if (!e && json_object_array_length(kept) == n)
		e = max_fail(c, MAX_ENOTFOUND, "This context has no tag \"%s\"", tag);
	if (!e) {
		e = set_tags(c, &ctx, kept);
		kept = NULL;
	}
	json_object_put(kept);
	context_free(&ctx);
	if (!e)
		r->status = 204;
	return e;
}

/* ---- #9 GET /contexts/{hash}/avatar ---------------------------------------- */

/* §9.1 Clean: the cached picture if there is one, else the default. */
enum max_err context_avatar(struct max_ctx *c, struct max_resp *r)
{
	const char *h = c->params[0];
	for (size_t i = 0; i < MAX_HASH_LEN; i++)
		if (!isxdigit((unsigned char)h[i]))
			return traverse_not_found(c, "hash", h, "contexts");
	if (h[MAX_HASH_LEN])
		return traverse_not_found(c, "hash", h, "contexts");
	char rel[96];
	snprintf(rel, sizeof rel, "contexts/%.2s/%.2s/%.2s/%s", h, h + 2, h + 4, h);
	return avatar_serve(c, r, rel, "missing-context.png");
}
