/*
 * contexts.c — the context endpoints: list, create, get, change, delete,
 * the tags, the context avatar, and the URL lookup traverse_context().
 *
 * The handlers parse and validate the request, check who may act and
 * render; the data is model/contexts.c's. A change or deletion goes
 * through model/subscriptions.c (sub_ctx_update, sub_ctx_delete) because
 * the subscribers' lists and notification bindings follow the context.
 */
#include "http/contexts.h"
#include "http/auth.h"
#include "http/filters.h"
#include "http/handlers.h"
#include "http/http.h"
#include "http/media.h"
#include "http/traverse.h"
#include "model/contexts.h"
#include "model/subscriptions.h"
#include "util/config.h"
#include "util/jsonx.h"
#include "util/text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define URL_MAX 2048         /* bytes, url and uploadURL */
#define DISPLAY_NAME_MAX 256 /* bytes, as for people */
#define HASHTAG_MAX 100      /* bytes, after stripping '#' */

/* ---- the URL's context ----------------------------------------------------------- */

enum max_err context_from_url(struct max_ctx *c, struct context *ctx)
{
	int found = ctx_find(c->db, c->params[0], ctx);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "context lookup failed");
	return found ? MAX_OK : traverse_not_found(c, "hash", c->params[0], "contexts");
}

enum max_err traverse_context(struct max_ctx *c, const char *hash)
{
	int found = ctx_exists(c->db, hash);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "context lookup failed");
	return found ? MAX_OK : traverse_not_found(c, "hash", hash, "contexts");
}

/* The Context of a single-object answer, with ?show_acls. */
static enum max_err answer_context(struct max_ctx *c, struct max_resp *r, int status,
				   const struct context *ctx, unsigned flags)
{
	json_object *o = ctx_json(ctx, flags);
	if (qs_get(c, "show_acls"))
		jx_set(o, "acls", perm_acls(c, ctx));
	return resp_json(r, status, o);
}

char *tags_param(struct max_ctx *c)
{
	const char *v[32];
	size_t n = qs_all(c, "tags", v, 32);
	return ctx_tags_filter(v, n);
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

static int string_array(json_object *a)
{
	if (!a || !json_object_is_type(a, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!json_object_is_type(json_object_array_get_idx(a, i), json_type_string))
			return 0;
	return 1;
}

/* Every field of a POST/PUT body, validated (model/contexts.h says what
 * each *_set means), and the storage the fields point into. */
struct context_input {
	struct ctx_fields f;
	int owner_set;
	const char *owner;
	json_object *tags; /* owned, de-duplicated; f.tags borrows it */
	char hashtag[HASHTAG_MAX + 1];
	char twitter_username[16];
};

static enum max_err permissions_field(struct max_ctx *c, struct context_input *in)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(c->body, "permissions", &v) || !v)
		return MAX_OK;
	if (json_object_is_type(v, json_type_string) && !json_object_get_string_len(v)) {
		in->f.perms_set = 2;
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
		if (!s ||
		    (strcmp(s, "public") && strcmp(s, "subscribed") && strcmp(s, "restricted")))
			return max_fail(c, MAX_EVALIDATION,
					"Validation error on field \"permissions\": %s must be "
					"public, "
					"subscribed or restricted",
					key);
	}
	in->f.permissions = v;
	in->f.perms_set = 1;
	return MAX_OK;
}

static enum max_err notifications_field(struct max_ctx *c, struct context_input *in)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(c->body, "notifications", &v) || !v)
		return MAX_OK;
	if (json_object_is_type(v, json_type_boolean)) {
		in->f.notif_set = 1;
	} else if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		if (*s && strcmp(s, "posts") && strcmp(s, "comments"))
			return invalid(c, "notifications",
				       "must be true, false, \"posts\" or \"comments\"");
		in->f.notif_set = *s ? 1 : 2;
	} else {
		return invalid(c, "notifications",
			       "must be true, false, \"posts\" or \"comments\"");
	}
	in->f.notifications = v;
	return MAX_OK;
}

/* twitterHashtag and twitterUsername, normalised into in's buffers. */
static enum max_err twitter_fields(struct max_ctx *c, struct context_input *in)
{
	const char *tw = NULL;
	enum max_err e = str_field(c, "twitterHashtag", URL_MAX, &tw, &in->f.hashtag_set);
	if (e)
		return e;
	if (in->f.hashtag_set == 1 && text_twitter_name(tw, '#', 1, HASHTAG_MAX, in->hashtag) < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"twitterHashtag\": %s is not a valid "
				"hashtag",
				tw);
	if ((e = str_field(c, "twitterUsername", URL_MAX, &tw, &in->f.twuser_set)))
		return e;
	if (in->f.twuser_set == 1 && text_twitter_name(tw, '@', 0, 15, in->twitter_username) < 0)
		return max_fail(c, MAX_EVALIDATION,
				"Validation error on field \"twitterUsername\": %s is not a valid "
				"twitter username",
				tw);
	in->f.twitter_hashtag = in->hashtag;
	in->f.twitter_username = in->twitter_username;
	return MAX_OK;
}

static enum max_err tags_field(struct max_ctx *c, struct context_input *in)
{
	json_object *tags = NULL;
	if (!json_object_object_get_ex(c->body, "tags", &tags) || !tags)
		return MAX_OK;
	if (json_object_is_type(tags, json_type_string) && !json_object_get_string_len(tags)) {
		in->f.tags_set = 2;
		return MAX_OK;
	}
	if (!string_array(tags))
		return invalid(c, "tags", "must be a list of strings");
	enum max_err e = ctx_tags_merge(c->db, NULL, tags, &in->tags);
	if (e)
		return e;
	in->f.tags = in->tags;
	in->f.tags_set = 1;
	return MAX_OK;
}

static enum max_err read_input(struct max_ctx *c, struct context_input *in)
{
	memset(in, 0, sizeof *in);
	enum max_err e;
	if ((e = uri_field(c, "url", &in->f.url, &in->f.url_set)) ||
	    (e = str_field(c, "displayName", DISPLAY_NAME_MAX, &in->f.display_name,
			   &in->f.dn_set)) ||
	    (e = permissions_field(c, in)) || (e = notifications_field(c, in)) ||
	    (e = uri_field(c, "uploadURL", &in->f.upload_url, &in->f.upload_set)) ||
	    (e = twitter_fields(c, in)))
		return e;
	return tags_field(c, in);
}

static int body_is_object(const struct max_ctx *c)
{
	return !c->body || json_object_is_type(c->body, json_type_object);
}

/* ---- create ------------------------------------------------------------------- */

/* An existing context's url: 200 with it, the rest of the body ignored. */
static enum max_err answer_existing(struct max_ctx *c, struct max_resp *r, const char *url,
				    int *found)
{
	char hash[MAX_HASH_LEN + 1];
	struct context ctx;
	ctx_hash(url, hash);
	*found = ctx_find(c->db, hash, &ctx);
	enum max_err e = *found < 0 ? max_fail(c, MAX_ESERVER, "context lookup failed")
			 : *found   ? answer_context(c, r, 200, &ctx, 0)
				    : MAX_OK;
	ctx_free(&ctx);
	return e;
}

enum max_err contexts_create(struct max_ctx *c, struct max_resp *r)
{
	if (!body_is_object(c))
		return max_fail(c, MAX_EVALIDATION, "Unexpected data type in request");
	const char *url = NULL;
	int rc = jx_string(c->body, "url", &url), found = 0;
	if (rc == 0)
		return max_fail(c, MAX_EMISSING,
				"Required parameter \"url\" not found in the request");
	if (rc == 1 && !*url)
		return max_fail(c, MAX_EMISSING, "Required parameter \"url\" found but empty");
	enum max_err e = rc == 1 ? answer_existing(c, r, url, &found) : MAX_OK;
	if (e || found)
		return e;
	struct context_input in;
	struct context ctx = {.url = NULL};
	e = read_input(c, &in);
	if (!e)
		e = str_field(c, "owner", MAX_USERNAME_MAX, &in.owner, &in.owner_set);
	if (!e) {
		char owner[MAX_USERNAME_MAX + 1];
		snprintf(owner, sizeof owner, "%s", in.owner_set == 1 ? in.owner : c->auth_user);
		str_lower(owner);
		e = ctx_create(c->db, &in.f, owner, c->auth_user, &ctx);
	}
	if (!e)
		e = answer_context(c, r, 201, &ctx, 0);
	json_object_put(in.tags);
	ctx_free(&ctx);
	return e;
}

/* ---- the lists -------------------------------------------------------------------- */

static enum max_err list_contexts(struct max_ctx *c, struct max_resp *r, int public_only)
{
	struct ctx_query q = {.public_only = public_only};
	enum max_err e;
	if ((e = http_limit(c, 10, &q.limit)) || (e = filter_offsets(c, &q.before, &q.after)))
		return e;
	char from[21], to[21];
	filter_date_range(qs_get(c, "date_filter"), from, to);
	q.from = *from ? from : NULL;
	q.to = *to ? to : NULL;
	q.twitter_only = parse_bool(qs_get(c, "twitter_enabled"));
	char *tags = tags_param(c);
	q.tags = tags;
	json_object *a = NULL;
	e = ctx_list(c->db, &q, &a);
	free(tags);
	return e ? e : resp_json(r, 200, a);
}

enum max_err contexts_list(struct max_ctx *c, struct max_resp *r)
{
	return list_contexts(c, r, 0);
}

enum max_err contexts_public(struct max_ctx *c, struct max_resp *r)
{
	return list_contexts(c, r, 1);
}

/* ---- one context ------------------------------------------------------------------ */

enum max_err context_get(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	enum max_err e = context_from_url(c, &ctx);
	if (!e)
		e = answer_context(c, r, 200, &ctx, CTX_ALL_PERMS);
	ctx_free(&ctx);
	return e;
}

enum max_err context_update(struct max_ctx *c, struct max_resp *r)
{
	struct context old, now = {.url = NULL};
	struct context_input in = {.tags = NULL};
	enum max_err e = context_from_url(c, &old);
	if (!e)
		e = perm_require(c, &old, PA_MANAGE);
	if (!e && !body_is_object(c))
		e = max_fail(c, MAX_EVALIDATION, "Unexpected data type in request");
	if (!e)
		e = read_input(c, &in);
	if (!e && in.f.url_set == 2)
		e = max_fail(c, MAX_EMISSING, "Required parameter \"url\" found but empty");
	if (!e)
		e = sub_ctx_update(c->db, &old, &in.f, &now);
	if (!e)
		e = answer_context(c, r, 200, &now, 0);
	json_object_put(in.tags);
	ctx_free(&old);
	ctx_free(&now);
	return e;
}

/* Everybody unsubscribed (push opt-outs are left), posts hidden, the
 * context deleted. */
enum max_err context_delete(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	enum max_err e = context_from_url(c, &ctx);
	if (!e)
		e = perm_require(c, &ctx, PA_MANAGE);
	if (!e)
		e = sub_ctx_delete(c->db, ctx.hash);
	ctx_free(&ctx);
	if (!e)
		r->status = 204;
	return e;
}

/* ---- tags --------------------------------------------------------------------------- */

enum max_err context_tags_get(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	enum max_err e = context_from_url(c, &ctx);
	if (!e)
		e = resp_json(r, 200, json_object_get(ctx.tags));
	ctx_free(&ctx);
	return e;
}

/* Loads the URL's context for a tag change by its manager. */
static enum max_err tags_target(struct max_ctx *c, struct context *ctx)
{
	enum max_err e = context_from_url(c, ctx);
	return e ? e : perm_require(c, ctx, PA_MANAGE);
}

/* Add: union with the current tags, existing first. */
enum max_err context_tags_add(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	json_object *tags = NULL;
	enum max_err e = tags_target(c, &ctx);
	if (!e && !string_array(c->body))
		e = max_fail(c, MAX_EVALIDATION, "Sorry, We're expecting a list of strings...");
	if (!e)
		e = ctx_tags_merge(c->db, ctx.tags, c->body, &tags);
	if (!e)
		e = ctx_set_tags(c->db, &ctx, tags);
	if (!e)
		e = resp_json(r, 200, json_object_get(ctx.tags));
	ctx_free(&ctx);
	return e;
}

/* Clear: 200 with [] */
enum max_err context_tags_clear(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	enum max_err e = tags_target(c, &ctx);
	if (!e)
		e = ctx_set_tags(c->db, &ctx, json_object_new_array());
	if (!e)
		e = resp_json(r, 200, json_object_new_array());
	ctx_free(&ctx);
	return e;
}

/* One tag: 204, or 404 when the context has no such tag */
enum max_err context_tag_delete(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	enum max_err e = tags_target(c, &ctx);
	if (!e)
		e = ctx_tag_remove(c->db, &ctx, c->params[1]);
	ctx_free(&ctx);
	if (!e)
		r->status = 204;
	return e;
}

/* ---- GET /contexts/{hash}/avatar ------------------------------------------------------ */

/* The cached picture if there is one, else the default. */
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
