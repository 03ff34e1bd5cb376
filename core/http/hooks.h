/*
 * hooks.h — the points where one family's change reaches another's data.
 *
 * people.c calls these when a person is shown, created, renamed or
 * deleted. Each has a weak default in hooks.c that is right when the
 * other family has no data (no contexts: no subscriptions, …); the family
 * that owns the data defines the strong version in its own file. All run
 * inside the request's transaction.
 */
#ifndef MAX_HOOKS_H
#define MAX_HOOKS_H

#include "http/max.h"

/* Person document parts (§4.1), as JSON arrays. */
json_object *hook_person_subscriptions(struct max_ctx *c, const char *username);
json_object *hook_person_push_optouts(struct max_ctx *c, const char *username);
json_object *hook_person_talking_in(struct max_ctx *c, const char *username, int enrich);

/* Do a and b share a context subscription (restricted visibility, §1.6)? */
int hook_share_context(struct max_ctx *c, const char *a, const char *b);

/* Life-cycle of a person; return MAX_OK or a failure to abort the request. */
enum max_err hook_person_created(struct max_ctx *c, const char *username, int recreated);
enum max_err hook_person_renamed(struct max_ctx *c, const char *username, const char *display_name);
enum max_err hook_person_deleted(struct max_ctx *c, const char *username);

#endif
