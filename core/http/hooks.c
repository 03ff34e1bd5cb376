/*
 * hooks.c — weak defaults for hooks.h: the answers that are right while a
 * family has no data of its own. Families override them.
 */
#include "http/hooks.h"

__attribute__((weak)) json_object *hook_person_subscriptions(struct max_ctx *c, const char *u)
{
	return json_object_new_array();
}

__attribute__((weak)) json_object *hook_person_push_optouts(struct max_ctx *c, const char *u)
{
	return json_object_new_array();
}

__attribute__((weak)) json_object *hook_person_talking_in(struct max_ctx *c, const char *u,
							  int enrich)
{
	return json_object_new_array();
}

__attribute__((weak)) int hook_share_context(struct max_ctx *c, const char *a, const char *b)
{
	return 0;
}

__attribute__((weak)) enum max_err hook_person_created(struct max_ctx *c, const char *u,
							int recreated)
{
	return MAX_OK;
}

__attribute__((weak)) enum max_err hook_person_renamed(struct max_ctx *c, const char *u,
							const char *display_name)
{
	return MAX_OK;
}

__attribute__((weak)) enum max_err hook_person_deleted(struct max_ctx *c, const char *u)
{
	return MAX_OK;
}
