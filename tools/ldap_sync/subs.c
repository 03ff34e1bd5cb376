/*
 * subs.c — the group pass of max-ldap-sync, one mapped context at a time.
 * Every member of a mapped group is subscribed through the normal
 * subscribe path (the binding follows the context's notifications) and
 * the subscription recorded as the sync's; with a role, the permissions
 * the role governs (read, write, unsubscribe, flag and those of custom
 * roles of that context) are granted or revoked, non-permanently, until
 * the list holds exactly the union of the user's roles. Only the
 * subscriptions the sync recorded are ever removed, so manual ones stay.
 */
#include "model/contexts.h"
#include "model/ldap_managed.h"
#include "model/people.h"
#include "model/subscriptions.h"
#include "sync.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLE_VOCABULARY                                                                            \
	(PERM_BIT(PERM_READ) | PERM_BIT(PERM_WRITE) | PERM_BIT(PERM_UNSUBSCRIBE) |                 \
	 PERM_BIT(PERM_FLAG))

/* A user the mappings of one context reach, with the merged roles. */
struct want {
	size_t user; /* index into s->users */
	unsigned perms;
	int has_role;
	const char *group; /* the first mapping that reached him */
	size_t order;      /* in the mappings: the first one names the group */
};

struct member_arg {
	const struct context *ctx;
	const struct want *w;
	const char *username;
	unsigned vocabulary;
};

/* ---- one wanted user ---------------------------------------------------------- */

/* What the subscription's list would be, and what changes: *subscribe,
 * *grant, *revoke (PERM_BITs). */
static enum max_err diff(struct sync *s, const struct member_arg *a, int *subscribe,
			 struct perm_state *ps, unsigned *grant, unsigned *revoke)
{
	int found = sub_load(s->db, a->username, a->ctx->hash, ps);
	if (found < 0)
		return model_fail(s->db, MAX_ESERVER, "subscription lookup failed");
	*subscribe = !found;
	if (!found)
		perm_policy_list(a->ctx->permissions, &ps->perms);
	unsigned cur = perm_list_mask(&ps->perms);
	*grant = a->w->has_role ? a->w->perms & ~cur : 0;
	*revoke = a->w->has_role ? cur & a->vocabulary & ~a->w->perms : 0;
	return MAX_OK;
}

static enum max_err plan_member(struct sync *s, void *arg, struct sync_lines *l)
{
	const struct member_arg *a = arg;
	struct perm_state ps;
	int subscribe;
	unsigned grant, revoke;
	enum max_err e = diff(s, a, &subscribe, &ps, &grant, &revoke);
	if (e)
		return e;
	if (subscribe)
		sync_line(l, SK_SUBSCRIBE, "subscribe %s %s(%s) group=%s", a->username,
			  a->ctx->hash, a->ctx->url, a->w->group);
	for (int p = 0; p < PERM_COUNT; p++) {
		if (grant & PERM_BIT(p))
			sync_line(l, SK_GRANT, "grant %s %s %s", a->username, a->ctx->hash,
				  perm_names[p]);
		if (revoke & PERM_BIT(p))
			sync_line(l, SK_REVOKE, "revoke %s %s %s", a->username, a->ctx->hash,
				  perm_names[p]);
	}
	return MAX_OK;
}

static enum max_err apply_member(struct sync *s, void *arg)
{
	const struct member_arg *a = arg;
	struct perm_state ps;
	int subscribe;
	unsigned grant, revoke;
	int exists = people_exists(s->db, a->username);
	if (exists <= 0)
		return model_fail(s->db, MAX_ESERVER, "%s is not a MAX person", a->username);
	enum max_err e = diff(s, a, &subscribe, &ps, &grant, &revoke);
	if (!e && subscribe && !(e = sub_subscribe(s->db, a->ctx, a->username)))
		e = managed_sub_record(s->db, a->username, a->ctx->hash, a->w->group);
	if (e || !(grant | revoke))
		return e;
	if (subscribe && sub_load(s->db, a->username, a->ctx->hash, &ps) != 1)
		return model_fail(s->db, MAX_ESERVER, "subscription vanished");
	for (int p = 0; p < PERM_COUNT; p++) {
		if (grant & PERM_BIT(p))
			perm_grant(&ps, (enum perm)p, 0);
		if (revoke & PERM_BIT(p))
			perm_revoke(&ps, (enum perm)p, 0);
	}
	return sub_save(s->db, a->username, a->ctx->hash, &ps);
}

/* ---- a subscription the sync made that nobody wants any more ------------------- */

static enum max_err plan_drop(struct sync *s, void *arg, struct sync_lines *l)
{
	const struct member_arg *a = arg;
	int rc = managed_sub_is(s->db, a->username, a->ctx->hash);
	if (rc < 0)
		return model_fail(s->db, MAX_ESERVER, "subscription lookup failed");
	if (rc)
		sync_line(l, SK_UNSUBSCRIBE, "unsubscribe %s %s", a->username, a->ctx->hash);
	return MAX_OK;
}

static enum max_err apply_drop(struct sync *s, void *arg)
{
	const struct member_arg *a = arg;
	return sub_unsubscribe(s->db, a->username, a->ctx->hash);
}

/* ---- one context ------------------------------------------------------------------ */

struct wants {
	struct want *v;
	size_t n, cap;
	unsigned vocabulary;
};

static int by_user(const void *a, const void *b)
{
	size_t x = ((const struct want *)a)->user, y = ((const struct want *)b)->user;
	return x < y ? -1 : x > y;
}

static int by_user_order(const void *a, const void *b)
{
	int c = by_user(a, b);
	size_t x = ((const struct want *)a)->order, y = ((const struct want *)b)->order;
	return c ? c : x < y ? -1 : x > y;
}

/* The users the mappings of hash reach, merged; -1 when one of its
 * groups could not be read (the context is then left alone). */
static int wants_of(struct sync *s, const char *hash, struct wants *w)
{
	memset(w, 0, sizeof *w);
	w->vocabulary = ROLE_VOCABULARY;
	for (size_t i = 0; i < s->nmaps; i++) {
		struct group_map *m = &s->maps[i];
		if (strcmp(m->hash, hash))
			continue;
		if (!m->ok)
			return -1;
		w->vocabulary |= m->perms;
		for (size_t j = 0; j < m->nmembers; j++) {
			if (w->n == w->cap)
				w->v = xrealloc(w->v,
						(w->cap = w->cap ? w->cap * 2 : 64) * sizeof *w->v);
			w->v[w->n++] =
				(struct want){m->members[j], m->perms, m->has_role, m->group, 0};
		}
	}
	for (size_t i = 0; i < w->n; i++)
		w->v[i].order = i;
	if (w->n) /* qsort and bsearch must never see a NULL array */
		qsort(w->v, w->n, sizeof *w->v, by_user_order);
	size_t o = 0;
	for (size_t i = 0; i < w->n; i++) {
		if (o && w->v[o - 1].user == w->v[i].user) {
			w->v[o - 1].perms |= w->v[i].perms;
			w->v[o - 1].has_role |= w->v[i].has_role;
		} else {
			w->v[o++] = w->v[i];
		}
	}
	w->n = o;
	return 0;
}

struct names {
	char (*v)[MAX_USERNAME_MAX + 1];
	size_t n, cap;
};

static void add_name(void *arg, const char *username)
{
	struct names *n = arg;
	if (n->n == n->cap)
		n->v = xrealloc(n->v, (n->cap = n->cap ? n->cap * 2 : 64) * sizeof *n->v);
	snprintf(n->v[n->n++], sizeof n->v[0], "%s", username);
}

static int wanted(struct sync *s, const struct wants *w, const char *username)
{
	const struct ldap_user *u = ldap_users_find(&s->users, username);
	struct want key = {.user = u ? (size_t)(u - s->users.v) : 0};
	return u && w->n && bsearch(&key, w->v, w->n, sizeof *w->v, by_user);
}

static void sync_context(struct sync *s, const struct group_map *first)
{
	struct wants w;
	struct context ctx;
	char what[MAX_USERNAME_MAX + MAX_HASH_LEN + 32];
	if (wants_of(s, first->hash, &w) < 0) {
		s->st.failed++;
		free(w.v);
		return;
	}
	if (ctx_load(s->db, first->hash, &ctx)) {
		log_event("-", "ldap-sync: group_map_file line %d: no context %s; left unchanged",
			  first->line, first->context);
		s->st.failed++;
		ctx_free(&ctx);
		free(w.v);
		return;
	}
	for (size_t i = 0; i < w.n; i++) {
		struct member_arg a = {&ctx, &w.v[i], s->users.v[w.v[i].user].username,
				       w.vocabulary};
		snprintf(what, sizeof what, "subscription %s %s", a.username, ctx.hash);
		sync_change(s, what, plan_member, apply_member, &a);
		sync_progress(s, "groups", i + 1, w.n);
	}
	struct names mine = {0};
	if (managed_subs_of(s->db, ctx.hash, add_name, &mine) < 0)
		s->st.failed++;
	for (size_t i = 0; i < mine.n; i++) {
		if (wanted(s, &w, mine.v[i]))
			continue;
		struct member_arg a = {&ctx, NULL, mine.v[i], 0};
		snprintf(what, sizeof what, "unsubscription %s %s", a.username, ctx.hash);
		sync_change(s, what, plan_drop, apply_drop, &a);
	}
	free(mine.v);
	free(w.v);
	ctx_free(&ctx);
}

void sync_groups(struct sync *s)
{
	for (size_t i = 0; i < s->nmaps; i++) {
		size_t j = 0;
		while (j < i && strcmp(s->maps[j].hash, s->maps[i].hash))
			j++;
		if (j == i) /* each context once */
			sync_context(s, &s->maps[i]);
	}
}
