/*
 * perm.h — context permissions as the HTTP handlers ask about them.
 *
 * The policy itself is model/perm.h (pure functions); this file fills a
 * struct perm_subject from the request (Manager? the context's owner?
 * acting as himself? the acting user's subscription) and turns a "no"
 * into the standard 403. A HEAD is checked as its GET is: a count
 * (X-totalItems) must not tell what the body would not.
 */
#ifndef MAX_PERM_H
#define MAX_PERM_H

#include "http/max.h"
#include "model/perm.h"

struct context;

/* The request's caller (authenticated user, acting user) as the rules of
 * ctx see him: 0, or -1 on a storage error. */
int perm_subject_of(struct max_ctx *c, const struct context *ctx, struct perm_subject *s);
/* perm_allows() for the request's caller on ctx: 1, 0, or -1 on a storage
 * error. */
int perm_check(struct max_ctx *c, const struct context *ctx, enum perm_action a);
/* MAX_OK, or the standard 403 (perm_deny) / 500. */
enum max_err perm_require(struct max_ctx *c, const struct context *ctx, enum perm_action a);
/* The ACL names the caller holds on ctx, for ?show_acls. */
json_object *perm_acls(struct max_ctx *c, const struct context *ctx);

#endif
