/*
 * perm.c — the context permission policy (see perm.h): pure functions of
 * a context's permissions dict and a subscription's perm_state.
 *
 * A subscription stores its effective list, its persistent grants and
 * vetos and the list again as a bit mask for SQL filters; everything that
 * decides what they hold, or what a caller may do, lives here.
 */
#include "model/perm.h"

#include <string.h>

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

static void acl_add(json_object *a, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(a, i)), name))
			return;
	json_object_array_add(a, json_object_new_string(name));
}

/* The original server's context ACL in its order, each entry kept when
 * the caller holds its principal. */
json_object *perm_acl_names(json_object *policy, const struct perm_subject *sp)
{
	const struct perm_subject s = *sp;
	json_object *a = json_object_new_array();
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
		{s.self && perm_policy_of(policy, PERM_SUBSCRIBE) == POLICY_PUBLIC,
		 "Subscribe an user to a context"},
		{perm_policy_of(policy, PERM_READ) == POLICY_PUBLIC, "View activities"},
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
