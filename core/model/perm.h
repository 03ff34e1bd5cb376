/*
 * perm.h — the context permission policy as pure functions over data: the
 * eight permission names, a context's permissions dict → the list a new
 * subscriber gets, the per-user grants and vetos (permanent ones survive
 * a policy change, the others do not), and who may do what in a context.
 *
 * Nothing here reads the store or knows about requests: the callers load
 * a subscription's state and fill a struct perm_subject, so the unit tests
 * can walk every context type × grant × action, and maxctl, max-bridge and
 * the HTTP handlers all decide the same way.
 */
#ifndef MAX_MODEL_PERM_H
#define MAX_MODEL_PERM_H

#include <json-c/json.h>

/* Canonical order: the order of a freshly computed list, and the bit of
 * each in subscriptions.perm_mask (1 << value). */
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

/* An ordered set of permissions, as a subscription's lists are. */
struct perm_list {
	unsigned char n;
	unsigned char p[PERM_COUNT];
};

int perm_list_has(const struct perm_list *l, enum perm p);
void perm_list_add(struct perm_list *l, enum perm p); /* appended when absent */
void perm_list_remove(struct perm_list *l, enum perm p);
unsigned perm_list_mask(const struct perm_list *l);
json_object *perm_list_json(const struct perm_list *l);
/* Parses a JSON array of permission names; 0, or -1 when it is not one. */
int perm_list_parse(const char *json, struct perm_list *out);

/* One subscription's permissions. */
struct perm_state {
	struct perm_list perms;  /* effective list ("permissions") */
	struct perm_list grants; /* "_grants" */
	struct perm_list vetos;  /* "_vetos" */
	int has_gv;              /* _grants/_vetos exist: after a grant, revoke or reset */
};

/* A context's permissions dict maps names to policies; a missing key is
 * restricted, except unsubscribe, which falls back to the subscribe
 * policy; a value other than the three behaves as subscribed. */
enum perm_policy { POLICY_RESTRICTED, POLICY_SUBSCRIBED, POLICY_PUBLIC };
extern const char *const perm_policy_names[3];
enum perm_policy perm_policy_of(json_object *policy, enum perm p);
/* The list a new subscriber gets: every non-restricted permission. */
void perm_policy_list(json_object *policy, struct perm_list *out);

/* The four operations on a subscription's state. */
void perm_grant(struct perm_state *s, enum perm p, int permanent);
void perm_revoke(struct perm_state *s, enum perm p, int permanent);
void perm_reset(struct perm_state *s, json_object *policy);
/* Context policy changed: policy list ∪ _grants, minus _vetos not granted. */
void perm_recompute(struct perm_state *s, json_object *policy);

/* ---- who may do what in a context ------------------------------------------- */

enum perm_action {
	PA_VIEW,          /* view the context and its tags */
	PA_LIST_POSTS,    /* list its posts: owner, read public, or read held */
	PA_POST,          /* post in it: Self with write */
	PA_SUBSCRIBE,     /* subscribe: owner; Self when subscribe is public */
	PA_UNSUBSCRIBE,   /* unsubscribe: owner; Self with unsubscribe */
	PA_MANAGE,        /* modify/delete the context, its tags, list subscribers, grant/revoke */
	PA_DELETE_POSTS,  /* delete others' posts and comments: delete held */
	PA_FLAG,          /* flag/unflag: flag held */
	PA_LIST_COMMENTS, /* list its comments: read held (ownership is not enough) */
	PA_COUNT
};

/* The caller as the rules see him; the HTTP layer (or a tool) fills it. */
struct perm_subject {
	int manager;    /* the authenticated user holds Manager */
	int owner;      /* the authenticated user owns the context */
	int self;       /* the acting user is the authenticated user */
	int subscribed; /* the acting user is subscribed */
	unsigned mask;  /* and holds these (PERM_BIT) */
};

/* 1 when s may do a in a context with that permissions dict. */
int perm_allows(json_object *policy, const struct perm_subject *s, enum perm_action a);

/* The names of the context ACL entries s holds (the original server's
 * "View context", "Add activity", … in its order), for ?show_acls. */
json_object *perm_acl_names(json_object *policy, const struct perm_subject *s);

#endif
