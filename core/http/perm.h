/*
 * perm.h — context permissions (API.md §6): the eight permission names,
 * the policy → permission-list computation (§6.2), per-user grants and
 * vetos (§6.3), who may do what in a context (§6.4), and the predicates
 * other families ask about a user's subscription.
 *
 * The computation is pure (struct perm_state in, struct perm_state out) so
 * that the unit tests can walk every context type × grant × action; the
 * predicates at the bottom read the subscriptions table.
 */
#ifndef MAX_PERM_H
#define MAX_PERM_H

#include "http/max.h"

/* Canonical order (§4.3): the order of a freshly computed list, and the
 * bit of each in subscriptions.perm_mask (1 << value). */
enum perm {
	PERM_INVITE,
	PERM_READ,
	PERM_WRITE,
	PERM_SUBSCRIBE,
	PERM_FLAG,
	PERM_UNSUBSCRIBE,
	PERM_KICK,
	PERM_DELETE,
	PERM_COUNT
};
#define PERM_BIT(p) (1u << (p))

extern const char *const perm_names[PERM_COUNT];
/* Index of a permission name, -1 when there is no such permission. */
int perm_index(const char *name);

/* An ordered set of permissions, as the lists of §4.3 are. */
struct perm_list {
	unsigned char n;
	unsigned char p[PERM_COUNT];
};

int perm_list_has(const struct perm_list *l, enum perm p);
void perm_list_add(struct perm_list *l, enum perm p);    /* appended when absent */
void perm_list_remove(struct perm_list *l, enum perm p);
unsigned perm_list_mask(const struct perm_list *l);
json_object *perm_list_json(const struct perm_list *l);
/* Parses a JSON array of permission names; 0, or -1 when it is not one. */
int perm_list_parse(const char *json, struct perm_list *out);

/* One subscription's permissions (§6.3). */
struct perm_state {
	struct perm_list perms;  /* effective list ("permissions") */
	struct perm_list grants; /* "_grants" */
	struct perm_list vetos;  /* "_vetos" */
	int has_gv;              /* _grants/_vetos exist: after a grant, revoke or reset */
};

/* §6.2 policies. A context's permissions dict maps names to policies; a
 * missing key is restricted, except unsubscribe, which falls back to the
 * subscribe policy; a value other than the three behaves as subscribed. */
enum perm_policy { POLICY_RESTRICTED, POLICY_SUBSCRIBED, POLICY_PUBLIC };
extern const char *const perm_policy_names[3];
enum perm_policy perm_policy_of(json_object *policy, enum perm p);
/* The list a new subscriber gets: every non-restricted permission. */
void perm_policy_list(json_object *policy, struct perm_list *out);

/* The four operations of §6.3 on a subscription. */
void perm_grant(struct perm_state *s, enum perm p, int permanent);
void perm_revoke(struct perm_state *s, enum perm p, int permanent);
void perm_reset(struct perm_state *s, json_object *policy);
/* Context policy changed: policy list ∪ _grants, minus _vetos not granted. */
void perm_recompute(struct perm_state *s, json_object *policy);

/* ---- who may do what (§6.4) ----------------------------------------------- */

enum perm_action {
	PA_VIEW,          /* view the context and its tags */
	PA_LIST_POSTS,    /* #15 #17: owner, read public, or Sub:read */
	PA_POST,          /* #16: Self with Sub:write */
	PA_SUBSCRIBE,     /* #47 #55: owner; Self when subscribe is public */
	PA_UNSUBSCRIBE,   /* #49 #56: owner; Self with Sub:unsubscribe */
	PA_MANAGE,        /* modify/delete the context, its tags, list subscribers, grant/revoke */
	PA_DELETE_POSTS,  /* delete others' posts and comments: Sub:delete */
	PA_FLAG,          /* flag/unflag: Sub:flag */
	PA_LIST_COMMENTS, /* #29: Sub:read (ownership is not enough) */
	PA_COUNT
};

/* The caller as the rules see him. */
struct perm_subject {
	int manager;    /* the authenticated user holds Manager */
	int owner;      /* the authenticated user owns the context */
	int self;       /* the acting user is the authenticated user */
	int subscribed; /* the acting user is subscribed */
	unsigned mask;  /* and holds these (PERM_BIT) */
};

/* 1 when s may do a in a context with that permissions dict. */
int perm_allows(json_object *policy, const struct perm_subject *s, enum perm_action a);

/* ---- the subscriptions table ---------------------------------------------- */

struct context;

/* 1 if user's subscription to hash holds perm (in its effective list), 0 if
 * not or not subscribed, -1 error (also for an unknown perm name). */
int perm_user_has(struct max_ctx *c, const char *username, const char *hash, const char *perm);
/* 1 if subscribed at all, 0 not, -1 error. */
int perm_subscribed(struct max_ctx *c, const char *username, const char *hash);
/* 1 if perm is in the subscription's _grants (the `deletable` rule, §4.4). */
int perm_user_granted(struct max_ctx *c, const char *username, const char *hash,
		      const char *perm);

/* perm_allows() for the request's caller (authenticated user, acting user)
 * on ctx: 1, 0, or -1 on a storage error. */
int perm_check(struct max_ctx *c, const struct context *ctx, enum perm_action a);
/* MAX_OK, or the standard 403 (perm_deny) / 500. A HEAD passes, as the
 * HTTP layer lets it pass the route rules (API.md §1.10). */
enum max_err perm_require(struct max_ctx *c, const struct context *ctx, enum perm_action a);

/* The permission names (§5.0) the caller holds on ctx, for ?show_acls. */
json_object *perm_acls(struct max_ctx *c, const struct context *ctx);

#endif
