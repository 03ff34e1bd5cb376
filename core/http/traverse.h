/*
 * traverse.h — object lookup along the URL, before authentication
 * (api.md 1.3 step 5): /people/{username} must name an existing user
 * (400 UnknownUserError), /contexts/{hash} an existing context (404),
 * /activities/{activity} a valid (400 InvalidId) and existing id (404) …
 *
 * traverse() picks the lookup by the root segment; each family's handler
 * file defines the lookup for its own root (traverse_person in people.c,
 * traverse_context in contexts.c, and so on).
 */
#ifndef MAX_TRAVERSE_H
#define MAX_TRAVERSE_H

#include "http/max.h"

/* Runs the lookup for c->route's first segment and first placeholder. */
enum max_err traverse(struct max_ctx *c);

/* One per root segment; value is the raw placeholder (already lower-cased
 * for usernames). */
enum max_err traverse_person(struct max_ctx *c, const char *username);
enum max_err traverse_context(struct max_ctx *c, const char *hash);
enum max_err traverse_activity(struct max_ctx *c, const char *id);
enum max_err traverse_conversation(struct max_ctx *c, const char *id);
enum max_err traverse_message(struct max_ctx *c, const char *id);

/* The standard failure texts. */
enum max_err traverse_not_found(struct max_ctx *c, const char *key, const char *value,
				const char *collection);
enum max_err traverse_bad_id(struct max_ctx *c, const char *value);

#endif
