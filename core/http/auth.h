/*
 * auth.h — authentication, roles, the acting user, access decisions.
 *
 * A request is authenticated by its three X-Oauth-* headers; the token is
 * looked up by its SHA-256 in oauth_tokens (positive answers cached per
 * process for [oauth] cache_ttl seconds). Roles come from the roles table on
 * every request, so a role change takes effect on the next one.
 */
#ifndef MAX_AUTH_H
#define MAX_AUTH_H

#include "http/max.h"

struct store;
struct max_config;

/* Fills c->auth_user and c->roles, or fails with 401. */
enum max_err auth_authenticate(struct max_ctx *c);
/* 1 valid, 0 not, -1 could not tell: the token table (expired rows are
 * deleted), or the external Osiris of [oauth] check_url when set. */
int auth_token_check(const struct max_config *cfg, struct store *db, const char *token,
		     const char *username, const char *scope);
/* Clears the positive-answer cache (tests). */
void auth_cache_clear(void);

/* Fills c->actor (and c->actor_context): the authenticated user, unless
 * the route's {username}, a POST/PUT body's username or a body actor
 * context names another. With must_exist, an actor that is not a person
 * is refused; known (or NULL) names a person this transaction has already
 * found, whose row is not looked up again. */
enum max_err auth_resolve_actor(struct max_ctx *c, int must_exist, const char *known);

int auth_is_manager(const struct max_ctx *c);
/* The acting user is the authenticated user (no impersonation). */
int auth_is_self(const struct max_ctx *c);
/* 403 with the route's permission name. */
enum max_err perm_deny(struct max_ctx *c);

#endif
