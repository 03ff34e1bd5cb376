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
#include "model/perm.h"

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
