/*
 * maintenance_stream.c — the activity stream's maintenance endpoints
 * (API.md §5.11): #91 keywords, #92 dates, #93 context subscriptions.
 * All are Manager-only POSTs answering 200 [] and safe to repeat.
 *
 * #91 recomputes from the stored (sanitised) content every post's and
 * comment's object keywords, every post's activity keywords, and rebuilds
 * the keyword, hashtag and full-text rows the filters use. #93 uses the
 * contexts family's own functions: permission lists recomputed from the
 * policy (§6.3), post snapshots refreshed, notification bindings
 * re-created; subscription snapshots are rendered from the live context
 * row, so there is nothing else to refresh.
 */
#include "http/contexts.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "store/store.h"
#include "http/stream.h"
#include "util/text.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <stdio.h>
#include <string.h>

#define BATCH 500

/* The next batch of activity ids after `after` of verb post or comment. */
static size_t next_batch(struct max_ctx *c, const char *after, char (*ids)[MAX_ID_LEN + 1])
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT id FROM activities WHERE id > ?1"
					    " AND verb IN ('post', 'comment') ORDER BY id LIMIT 500");
	size_t n = 0;
	if (!s)
		return 0;
	store_bind_text(s, 1, after);
	while (n < BATCH && sqlite3_step(s) == SQLITE_ROW)
		snprintf(ids[n++], MAX_ID_LEN + 1, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return n;
}

/* One post or comment: object keywords from its content, index rows. */
static enum max_err reindex(struct max_ctx *c, const char *id)
{
	sqlite3_stmt *s = store_stmt(c->db, "SELECT verb, object_json, in_reply_to, reply_deleted"
					    " FROM activities WHERE id = ?1");
	if (!s)
		return max_fail(c, MAX_ESERVER, "activity lookup failed");
	store_bind_text(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return MAX_OK;
	}
	int post = !strcmp((const char *)sqlite3_column_text(s, 0), "post");
	json_object *obj = json_tokener_parse((const char *)sqlite3_column_text(s, 1));
	char parent[MAX_ID_LEN + 1] = "";
	if (!post && sqlite3_column_text(s, 2) && !sqlite3_column_int(s, 3))
		snprintf(parent, sizeof parent, "%s", (const char *)sqlite3_column_text(s, 2));
	sqlite3_reset(s);
	if (!obj)
		return MAX_OK;
	const char *content = jx_str(obj, "content"), *type = jx_str(obj, "objectType");
	if (content && !(type && !strcmp(type, "file")))
		jx_set(obj, "keywords", text_keywords(content));
	const char *args[] = {jx_text(obj), id};
	enum max_err e = MAX_OK;
	if (store_exec(c->db, "UPDATE activities SET object_json = ?1 WHERE id = ?2", 2, args) < 0)
		e = max_fail(c, MAX_ESERVER, "activity update failed");
	json_object *kw = NULL, *tags = NULL;
	json_object_object_get_ex(obj, "keywords", &kw);
	json_object_object_get_ex(obj, "hashtags", &tags);
	if (!e)
		e = post ? stream_refresh_post(c, id) : stream_index_terms(c, id, kw, tags);
	if (!e)
		e = stream_index_text(c, id, post ? id : (parent[0] ? parent : NULL), content);
	json_object_put(obj);
	return e;
}

/* #91 POST /admin/maintenance/keywords */
enum max_err maintenance_keywords(struct max_ctx *c, struct max_resp *r)
{
	char ids[BATCH][MAX_ID_LEN + 1], after[MAX_ID_LEN + 1] = "";
	size_t n;
	while ((n = next_batch(c, after, ids)) > 0) {
		for (size_t i = 0; i < n; i++) {
			enum max_err e = reindex(c, ids[i]);
			if (e)
				return e;
		}
		snprintf(after, sizeof after, "%s", ids[n - 1]);
	}
	return resp_json(r, 200, json_object_new_array());
}

/* #92 POST /admin/maintenance/dates: lastComment = the newest reply, or
 * the post itself. */
enum max_err maintenance_dates(struct max_ctx *c, struct max_resp *r)
{
	if (store_exec(c->db,
		       "UPDATE activities SET last_comment = COALESCE((SELECT max(x.id)"
		       " FROM activities x WHERE x.in_reply_to = activities.id"
		       " AND x.verb = 'comment' AND x.reply_deleted = 0), id) WHERE verb = 'post'",
		       0, NULL) < 0)
		return max_fail(c, MAX_ESERVER, "dates maintenance failed");
	return resp_json(r, 200, json_object_new_array());
}

/* #93 POST /admin/maintenance/subscriptions */
enum max_err maintenance_subscriptions(struct max_ctx *c, struct max_resp *r)
{
	if (store_exec(c->db,
		       "DELETE FROM subscriptions WHERE hash NOT IN (SELECT hash FROM contexts)", 0,
		       NULL) < 0)
		return max_fail(c, MAX_ESERVER, "subscriptions maintenance failed");
	char hash[MAX_HASH_LEN + 1] = "";
	for (;;) {
		sqlite3_stmt *s = store_stmt(
			c->db, "SELECT hash FROM contexts WHERE hash > ?1 ORDER BY hash LIMIT 1");
		if (!s)
			return max_fail(c, MAX_ESERVER, "context lookup failed");
		store_bind_text(s, 1, hash);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			snprintf(hash, sizeof hash, "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_reset(s);
		if (rc != SQLITE_ROW)
			break;
		struct context ctx;
		if (context_load(c, hash, &ctx) != 1)
			continue;
		enum max_err e = subscriptions_recompute(c, &ctx);
		if (!e)
			e = context_propagate(c, ctx.hash, &ctx);
		if (!e && context_notifies(&ctx))
			e = subscriptions_bind_all(c, ctx.hash, 1);
		context_free(&ctx);
		if (e)
			return e;
	}
	return resp_json(r, 200, json_object_new_array());
}
