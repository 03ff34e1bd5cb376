/*
 * router.h — the one route table.
 *
 * Each row is one (pattern, method) endpoint of endpoints.md: its handler,
 * its access rule, the permission name used in 403 messages and /info/api,
 * and flags. The same rows drive dispatch, HEAD, 404/405 and /info/api.
 */
#ifndef MAX_ROUTER_H
#define MAX_ROUTER_H

#include "http/max.h"

/* Who may call an endpoint, checked by the HTTP layer before the handler.
 * Rules that depend on the object (owner, subscription) are ACL_HANDLER:
 * the layer only authenticates, and the handler calls perm_deny(). */
enum acl {
	ACL_PUBLIC,  /* no authentication; the headers are not even read */
	ACL_AUTH,    /* any authenticated user */
	ACL_MANAGER, /* Manager role */
	ACL_OWN,     /* Manager, or the URL's {username} is the authenticated user */
	ACL_SELF,    /* Manager, or the acting user is the authenticated user */
	ACL_HANDLER, /* authenticated; the handler decides */
};

enum {
	RT_ACTOR_OPTIONAL = 1, /* the acting user need not exist (actor_not_required) */
	RT_COUNTS = 2,         /* HEAD answers X-totalItems (api.md 1.10) */
	RT_FILESYSTEM = 4,     /* /info/api "filesystem": the avatar routes */
};

struct route {
	const char *name;    /* the original's route name, e.g. "user" */
	const char *pattern; /* "/people/{username}" */
	const char *method;  /* GET POST PUT DELETE */
	max_handler handler;
	enum acl acl;
	const char *permission; /* endpoints.md name; NULL for public routes */
	unsigned flags;
	const char *category;    /* /info/api category */
	const char *title;       /* human name of the route */
	const char *description; /* what this method does */
};

extern const struct route routes[];
extern const size_t routes_count;

enum router_match { ROUTER_FOUND, ROUTER_NO_ROUTE, ROUTER_NO_METHOD };

/* Finds the row for method and path; fills params (decoded segments,
 * malloc'd, caller frees) in pattern order. HEAD matches GET rows.
 * Literal segments win over placeholders. */
enum router_match router_match(const struct route *table, size_t nroutes, const char *method,
			       const char *path, const struct route **out,
			       char *params[MAX_PARAMS]);

/* Name of the i-th placeholder of a pattern ("username"), or NULL. */
const char *router_param_name(const struct route *rt, int i, char *buf, size_t len);

#endif
