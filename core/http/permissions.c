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

const char *const perm_names[PERM_COUNT] = {"invite", "read",        "write", "subscribe",
					    "flag",   "unsubscribe", "kick",  "delete"};

const char *const perm_policy_names[3] = {"restricted", "subscribed", "public"};

int perm_index(const char *name)
{
	for (int i = 0; name && i < PERM_COUNT; i++)
		if (!strcmp(perm_names[i], name))
			return i;
	return -1;
}

int perm_list_has(const struct perm_list *l, enum perm p)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->p[i] == p)
			return 1;
	return 0;
}

void perm_list_add(struct perm_list *l, enum perm p)
{
	if (!perm_list_has(l, p) && l->n < PERM_COUNT)
		l->p[l->n++] = (unsigned char)p;
}

void perm_list_remove(struct perm_list *l, enum perm p)
{
	unsigned j = 0;
	for (unsigned i = 0; i < l->n; i++)
		if (l->p[i] != p)
			l->p[j++] = l->p[i];
	l->n = (unsigned char)j;
}

unsigned perm_list_mask(const struct perm_list *l)
{
	unsigned m = 0;
	for (unsigned i = 0; i < l->n; i++)
		m |= PERM_BIT(l->p[i]);
	return m;
}

json_object *perm_list_json(const struct perm_list *l)
{
	json_object *a = json_object_new_array_ext(l->n);
	for (unsigned i = 0; i < l->n; i++)
		json_object_array_add(a, json_object_new_string(perm_names[l->p[i]]));
	return a;
}

int perm_list_parse(const char *text, struct perm_list *out)
{
	out->n = 0;
	json_object *a = text ? json_tokener_parse(text) : NULL;
	int rc = a && json_object_is_type(a, json_type_array) ? 0 : -1;
	for (size_t i = 0; !rc && i < json_object_array_length(a); i++) {
		int p = perm_index(json_object_get_string(json_object_array_get_idx(a, i)));
		if (p < 0)
			rc = -1;
		else
			perm_list_add(out, (enum perm)p);
	}
	json_object_put(a);
	return rc;
}

static enum perm_policy policy_value(json_object *policy, const char *name, int *present)
{
	json_object *v = NULL;
	*present = policy && json_object_object_get_ex(policy, name, &v) && v;
	if (!*present)
		return POLICY_RESTRICTED;
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	if (!strcmp(s, "public"))
		return POLICY_PUBLIC;
	if (!strcmp(s, "restricted"))
		return POLICY_RESTRICTED;
	return POLICY_SUBSCRIBED;
}

enum perm_policy perm_policy_of(json_object *policy, enum perm p)
{
	int present;
	enum perm_policy v = policy_value(policy, perm_names[p], &present);
	if (!present && p == PERM_UNSUBSCRIBE)
		return perm_policy_of(policy, PERM_SUBSCRIBE);
	return v;
}

void perm_policy_list(json_object *policy, struct perm_list *out)
{
	out->n = 0;
	for (int p = 0; p < PERM_COUNT; p++)
		if (perm_policy_of(policy, (enum perm)p) != POLICY_RESTRICTED)
			perm_list_add(out, (enum perm)p);
}

void perm_grant(struct perm_state *s, enum perm p, int permanent)
{
	perm_list_add(&s->perms, p);
	if (permanent)
		perm_list_add(&s->grants, p);
	perm_list_remove(&s->vetos, p);
	s->has_gv = 1;
}

void perm_revoke(struct perm_state *s, enum perm p, int permanent)
{
	perm_list_remove(&s->perms, p);
	if (permanent)
		perm_list_add(&s->vetos, p);
	perm_list_remove(&s->grants, p);
	s->has_gv = 1;
}

void perm_reset(struct perm_state *s, json_object *policy)
{
	perm_policy_list(policy, &s->perms);
	s->grants.n = s->vetos.n = 0;
	s->has_gv = 1;
}

void perm_recompute(struct perm_state *s, json_object *policy)
{
	struct perm_list l;
	perm_policy_list(policy, &l);
	for (unsigned i = 0; i < s->grants.n; i++)
		perm_list_add(&l, s->grants.p[i]);
	for (unsigned i = 0; i < s->vetos.n; i++)
		if (!perm_list_has(&s->grants, s->vetos.p[i]))
			perm_list_remove(&l, s->vetos.p[i]);
	s->perms = l;
}

int perm_allows(json_object *policy, const struct perm_subject *s, enum perm_action a)
{
	if (s->manager)
		return 1;
	unsigned held = s->subscribed ? s->mask : 0;
#define HOLDS(p) ((held & PERM_BIT(p)) != 0)
	switch (a) {
	case PA_VIEW:
		return 1;
	case PA_LIST_POSTS:
		return s->owner || perm_policy_of(policy, PERM_READ) == POLICY_PUBLIC ||
		       HOLDS(PERM_READ);
	case PA_POST:
		return s->self && HOLDS(PERM_WRITE);
	case PA_SUBSCRIBE:
		return s->owner ||
		       (s->self && perm_policy_of(policy, PERM_SUBSCRIBE) == POLICY_PUBLIC);
	case PA_UNSUBSCRIBE:
		return s->owner || (s->self && HOLDS(PERM_UNSUBSCRIBE));
	case PA_MANAGE:
		return s->owner;
	case PA_DELETE_POSTS:
		return HOLDS(PERM_DELETE);
	case PA_FLAG:
		return HOLDS(PERM_FLAG);
	case PA_LIST_COMMENTS:
		return HOLDS(PERM_READ);
	case PA_COUNT:
		break;
	}
#undef HOLDS
	return 0;
}

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

static void acl_add(json_object *a, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(a, i)), name))
			return;
	json_object_array_add(a, json_object_new_string(name));
}

/* The original's context ACL (max/models/context.py) in its order, each
 * entry kept when the caller holds its principal. */
json_object *perm_acls(struct max_ctx *c, const struct context *ctx)
{
	struct perm_subject s;
	json_object *a = json_object_new_array();
	if (subject_of(c, ctx, &s) < 0)
		return a;
	unsigned held = s.subscribed ? s.mask : 0;
	const struct {
		int holds;
		const char *name;
	} acl[] = {
		{1, "View context"},
		{s.owner, "Can modify context"},
		{s.owner, "Delete context"},
		{s.manager || s.owner, "Subscribe an user to a context"},
		{s.manager, "View activities"},
		{s.manager, "View activities without context subscription"},
		{s.owner, "View activities"},
		{s.manager, "Add activity"},
		{s.manager, "View activity comments"},
		{s.manager || s.owner, "Grant or revoke permissions on a subscription"},
		{s.manager || s.owner, "Unsubscribe an user to a context"},
		{s.self && perm_policy_of(ctx->permissions, PERM_SUBSCRIBE) == POLICY_PUBLIC,
		 "Subscribe an user to a context"},
		{perm_policy_of(ctx->permissions, PERM_READ) == POLICY_PUBLIC, "View activities"},
		{s.self && (held & PERM_BIT(PERM_UNSUBSCRIBE)), "Unsubscribe an user to a context"},
		{s.self && (held & PERM_BIT(PERM_WRITE)), "Add activity"},
		{(held & PERM_BIT(PERM_READ)) != 0, "View activities"},
		{(held & PERM_BIT(PERM_READ)) != 0, "View activity comments"},
	};
	for (size_t i = 0; i < sizeof acl / sizeof acl[0]; i++)
		if (acl[i].holds)
			acl_add(a, acl[i].name);
	return a;
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
