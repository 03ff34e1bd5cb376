/*
 * permissions.c — who the caller is for the context permission rules,
 * and the per-user grant/revoke/reset endpoints.
 *
 * Deciding is model/perm.c's (pure functions of a context's permissions
 * dict and a subscription's state); storing is model/subscriptions.c's.
 * Here the request becomes a struct perm_subject, and the endpoints
 * load, apply and answer.
 */
#include "http/perm.h"
#include "http/auth.h"
#include "http/contexts.h"
#include "http/handlers.h"
#include "http/http.h"
#include "model/subscriptions.h"

#include <string.h>
#include <strings.h>

/* ---- the caller ----------------------------------------------------------------- */

int perm_subject_of(struct max_ctx *c, const struct context *ctx, struct perm_subject *s)
{
	memset(s, 0, sizeof *s);
	s->manager = auth_is_manager(c);
	s->owner = ctx->owner && c->auth_user[0] && !strcmp(ctx->owner, c->auth_user);
	s->self = auth_is_self(c);
	if (c->actor_context[0] || !c->actor[0])
		return 0;
	int found = sub_mask(c->db, c->actor, ctx->hash, &s->mask);
	if (found < 0)
		return -1;
	s->subscribed = found;
	return 0;
}

int perm_check(struct max_ctx *c, const struct context *ctx, enum perm_action a)
{
	struct perm_subject s;
	if (perm_subject_of(c, ctx, &s) < 0)
		return -1;
	return perm_allows(ctx->permissions, &s, a);
}

enum max_err perm_require(struct max_ctx *c, const struct context *ctx, enum perm_action a)
{
	int ok = perm_check(c, ctx, a);
	if (ok < 0)
		return max_fail(c, MAX_ESERVER, "subscription lookup failed");
	return ok ? MAX_OK : perm_deny(c);
}

json_object *perm_acls(struct max_ctx *c, const struct context *ctx)
{
	struct perm_subject s;
	if (perm_subject_of(c, ctx, &s) < 0)
		return json_object_new_array();
	return perm_acl_names(ctx->permissions, &s);
}

/* ---- grant, revoke, reset ------------------------------------------------------- */

/* API: permanent is true when absent or anything but 0/false/no/off/"". */
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
	enum max_err e = ctx_load(c->db, c->params[0], ctx);
	if (!e)
		e = perm_require(c, ctx, PA_MANAGE);
	if (e)
		return e;
	if (want_perm) {
		int i = perm_index(c->params[2]);
		if (i < 0)
			return max_fail(c, MAX_EPERMISSION, "There's not any permission named '%s'",
					c->params[2]);
		*p = (enum perm)i;
	}
	int found = sub_load(c->db, c->actor, ctx->hash, st);
	if (found < 0)
		return max_fail(c, MAX_ESERVER, "subscription lookup failed");
	if (!found)
		return max_fail(c, MAX_ENOTFOUND, "%s is not susbcribed to %s", c->actor,
				ctx->hash);
	return MAX_OK;
}

/* Grant and revoke: already granted / vetoed → 200 with the stored
 * subscription; else 201 with the changed one. */
static enum max_err grant_or_revoke(struct max_ctx *c, struct max_resp *r, int grant)
{
	struct context ctx;
	struct perm_state st;
	enum perm p = PERM_READ;
	enum max_err e = load_target(c, &ctx, &st, 1, &p);
	if (e == MAX_OK) {
		if (perm_list_has(grant ? &st.grants : &st.vetos, p)) {
			resp_json(r, 200, ctx_sub_json(&ctx, &st, SUB_RAW));
		} else {
			if (grant)
				perm_grant(&st, p, permanent_param(c));
			else
				perm_revoke(&st, p, permanent_param(c));
			e = sub_save(c->db, c->actor, ctx.hash, &st);
			if (!e)
				resp_json(r, 201, ctx_sub_json(&ctx, &st, SUB_BRIEF));
		}
	}
	ctx_free(&ctx);
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

/* Reset: back to the context's policy, grants and vetos cleared. */
enum max_err permission_reset(struct max_ctx *c, struct max_resp *r)
{
	struct context ctx;
	struct perm_state st;
	enum max_err e = load_target(c, &ctx, &st, 0, NULL);
	if (e == MAX_OK) {
		perm_reset(&st, ctx.permissions);
		e = sub_save(c->db, c->actor, ctx.hash, &st);
		if (!e)
			resp_json(r, 200, ctx_sub_json(&ctx, &st, SUB_BRIEF));
	}
	ctx_free(&ctx);
	return e;
}
