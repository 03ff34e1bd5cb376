/*
 * maintenance_stream.c — the activity stream's maintenance endpoints
 * (endpoints.md): #91 keywords, #92 dates, #93 context subscriptions.
 * All are Manager-only POSTs answering 200 [] and safe to repeat.
 *
 * #91 recomputes from the stored (sanitised) content every post's and
 * comment's object keywords, every post's activity keywords, and rebuilds
 * the full-text index the filters use (text, keywords, hashtags). #93 uses the
 * contexts family's own functions: permission lists recomputed from the
 * policy (api.md 6.3), post snapshots refreshed, notification bindings
 * re-created; subscription snapshots are rendered from the live context
 * row, so there is nothing else to refresh.
 */
#include "http/contexts.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/ids.h"
#include "util/jsonx.h"
#include "model/activities.h"
#include "http/stream.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

#define BATCH 500

/* #91 POST /admin/maintenance/keywords */
enum max_err maintenance_keywords(struct max_ctx *c, struct max_resp *r)
{
	char ids[BATCH][MAX_ID_LEN + 1], after[MAX_ID_LEN + 1] = "";
	size_t n;
	enum max_err e0 = act_fts_reset(c->db);
	if (e0)
		return e0;
	while ((n = act_next_batch(c->db, after, ids, BATCH)) > 0) {
		for (size_t i = 0; i < n; i++) {
			enum max_err e = act_reindex(c->db, ids[i]);
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
	enum max_err e = act_fix_dates(c->db);
	if (e)
		return e;
	return resp_json(r, 200, json_object_new_array());
}

/* #93 POST /admin/maintenance/subscriptions */
enum max_err maintenance_subscriptions(struct max_ctx *c, struct max_resp *r)
{
	if (act_prune_subscriptions(c->db) < 0)
		return max_fail(c, MAX_ESERVER, "subscriptions maintenance failed");
	char hash[MAX_HASH_LEN + 1] = "";
	for (;;) {
		int rc = act_next_context(c->db, hash);
		if (rc < 0)
			return max_fail(c, MAX_ESERVER, "context lookup failed");
		if (!rc)
			break;
		struct context ctx;
		if (ctx_find(c->db, hash, &ctx) != 1)
			continue;
		enum max_err e = sub_recompute(c->db, &ctx);
		if (!e)
			e = ctx_propagate(c->db, ctx.hash, &ctx);
		if (!e && ctx_notifies(&ctx))
			e = sub_bind_all(c->db, ctx.hash, 1);
		ctx_free(&ctx);
		if (e)
			return e;
	}
	return resp_json(r, 200, json_object_new_array());
}
