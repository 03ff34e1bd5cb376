/*
 * permissions.c — context permissions (API.md §6) and the per-user
 * grant/revoke/reset endpoints #50–#52.
 *
 * A subscription stores its effective list, its persistent grants and
 * vetos (subscriptions.permissions_json, grants_json, vetos_json) and the
 * list again as a bit mask (perm_mask) for SQL filters. Everything here
 * that decides is a pure function of a context's permissions dict and a
 * perm_state; the handlers only load, apply and store.
 */
#include "http/perm.h"
#include "http/auth.h"
#include "http/contexts.h"
#include "http/handlers.h"
#include "http/http.h"
#include "util/jsonx.h"
#include "http/router.h"
#include "store/store.h"

#include <sqlite3.h> /* to be moved behind store/ */

#include <string.h>
#include <strings.h>

/* ---- the subscriptions table ---------------------------------------------- */

/* perm_mask of username's subscription to hash: >= 0, -1 not subscribed,
 * -2 error. */
static long long mask_of(struct max_ctx *c, const char *username, const char *hash)
{
	sqlite3_stmt *s = store_stmt(
		c->db, "SELECT perm_mask FROM subscriptions WHERE username = ?1 AND hash = ?2");
	if (!s)
		return -2;
	store_bind_text(s, 1, username);
	store_bind_text(s, 2, hash);
	int rc = sqlite3_step(s);
	long long m = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : rc == SQLITE_DONE ? -1 : -2;
	sqlite3_reset(s);
	return m;
}

int perm_user_has(struct max_ctx *c, const char *username, const char *hash, const char *perm)
{
	int p = perm_index(perm);
	long long m = p < 0 ? -2 : mask_of(c, username, hash);
	return m == -2 ? -1 : m >= 0 && (m & PERM_BIT(p)) != 0;
}

int perm_subscribed(struct max_ctx *c, const char *username, const char *hash)
{
	long long m = mask_of(c, username, hash);
	return m == -2 ? -1 : m >= 0;
}

int perm_user_granted(struct max_ctx *c, const char *username, const char *hash,
		      const char *perm)
{
	struct perm_state st;
	int p = perm_index(perm), found = p < 0 ? -1 : subscription_load(c, username, hash, &st);
	return found < 0 ? -1 : found && perm_list_has(&st.grants, (enum perm)p);
}

static int subject_of(struct max_ctx *c, const struct context *ctx, struct perm_subject *s)
{
	memset(s, 0, sizeof *s);
	s->manager = auth_is_manager(c);
	s->owner = ctx->owner && c->auth_user[0] && !strcmp(ctx->owner, c->auth_user);
	s->self = auth_is_self(c);
	if (c->actor_context[0] || !c->actor[0])
		return 0;
	long long m = mask_of(c, c->actor, ctx->hash);
	if (m == -2)
		return -1;
	s->subscribed = m >= 0;
	s->mask = m >= 0 ? (unsigned)m : 0;
	return 0;
}

int perm_check(struct max_ctx *c, const struct context *ctx, enum perm_action a)
{
	struct perm_subject s;
	if (subject_of(c, ctx, &s) < 0)
		return -1;
	return perm_allows(ctx->permissions, &s, a);
}

enum max_err perm_require(struct max_ctx *c, const struct context *ctx, enum perm_action a)
{
	if (c->is_head && !(c->route && (c->route->flags & RT_PERM_ON_HEAD)))
		return MAX_OK;
	int ok = perm_check(c, ctx, a);
	if (ok < 0)
		return max_fail(c, MAX_ESERVER, "subscription lookup failed");
	return ok ? MAX_OK : perm_deny(c);
}

json_object *perm_acls(struct max_ctx *c, const struct context *ctx)
{
	struct perm_subject s;
	if (subject_of(c, ctx, &s) < 0)
		return json_object_new_array();
	return perm_acl_names(ctx->permissions, &s);
}

/* ---- #50–#52 ------------------------------------------------------------- */

/* §5.7 permanent, Clean: absent or anything else → permanent;
 * 0/false/no/off/"" → not. */
static int permanent_param(struct max_ctx *c)
{
	static const char *const no[] = {"", "0", "false", "no", "off"};
	const char *v = qs_get(c, "permanent");
	for (size_t i = 0; v && i < sizeof no / sizeof no[0]; i++)
		if (!strcasecmp(v, no[i]))
			return 0;
	return 1;
}

/* Loads the URL's context, checks the caller manages it, validates the
 * permission name (when want_perm) and loads the acting user's
 * subscription. */
static enum max_err load_target(struct max_ctx *c, struct context *ctx, struct perm_state *st,
				int want_perm, enum perm *p)
{
	int found = context_load(c, c->params[0], ctx);
	if (found <= 0)
		return found < 0 ? max_fail(c, MAX_ESERVER, "context lookup failed")
				 : max_fail(c, MAX_ENOTFOUND, "Object with hash %s not found inside contexts",
					    c->params[0]);
	enum max_err e = perm_require(c, ctx, PA_MANAGE);
	if (e)
		return e;
	if (want_perm) {
		int i = perm_index(c->params[2]);
		if (i < 0)
			return max_fail(c, MAX_EPERMISSION, "There's not any permission named '%s'",
					c->params[2]);
		*p = (enum perm)i;
	}
	found = subscription_load(c, c->actor, ctx->hash, st);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "subscription lookup failed");
	if (!found)
		return max_fail(c, MAX_ENOTFOUND, "%s is not susbcribed to %s", c->actor, ctx->hash);
	return MAX_OK;
}

/* #50 (grant) and #51 (revoke): already granted / vetoed → 200 with the
 * stored subscription; else 201 with the changed one. */
static enum max_err grant_or_revoke(struct max_ctx *c, struct max_resp *r, int grant)
{
	struct context ctx;
	struct perm_state st;
	enum perm p = PERM_READ;
	enum max_err e = load_target(c, &ctx, &st, 1, &p);
	if (e == MAX_OK) {
		if (perm_list_has(grant ? &st.grants : &st.vetos, p)) {
			resp_json(r, 200, subscription_json(&ctx, &st, SUB_RAW));
		} else {
			if (grant)
				perm_grant(&st, p, permanent_param(c));
			else
				perm_revoke(&st, p, permanent_param(c));
			e = subscription_save(c, c->actor, ctx.hash, &st);
			if (!e)
				resp_json(r, 201, subscription_json(&ctx, &st, SUB_BRIEF));
		}
	}
	context_free(&ctx);
	return e;
}

enum max_err permission_grant(struct max_ctx *c, struct max_resp *r)
{
	return grant_or_revoke(c, r, 1);
}

enum max_err permission_revoke(struct max_ctx *c, struct max_resp *r)
{
	return grant_or_revoke(c, r, 0);
}

/* #52: back to the context's policy, grants and vetos cleared. */
enum max_err permission_reset(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	struct perm_state st;
	enum max_err e = load_target(c, &ctx, &st, 0, NULL);
	if (e == MAX_OK) {
		perm_reset(&st, ctx.permissions);
		e = subscription_save(c, c->actor, ctx.hash, &st);
		if (!e)
			resp_json(r, 200, subscription_json(&ctx, &st, SUB_BRIEF));
	}
	context_free(&ctx);
	return e;
}
