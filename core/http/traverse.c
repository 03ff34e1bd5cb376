/*
 * traverse.c — dispatch of the URL object lookup to the handler file of
 * the family that owns the root segment (the failure texts they answer
 * with are in response.c).
 */
#include "http/traverse.h"
#include "http/auth.h"
#include "util/text.h"
#include "util/ids.h"
#include "http/router.h"

#include <string.h>

enum max_err traverse(struct max_ctx *c)
{
	const char *p = c->route->pattern;
	/* only "/root/{placeholder}…" patterns traverse */
	const char *slash = strchr(p + 1, '/');
	if (!slash || slash[1] != '{' || !c->params[0])
		return MAX_OK;
	size_t n = (size_t)(slash - p - 1);
	const char *root = p + 1, *v = c->params[0];
	if (n == 6 && !strncmp(root, "people", 6)) {
		enum max_err e = traverse_person(c, str_lower(c->params[0]));
		/* /people/{username}/conversations/{id}[/messages] (#65, #70):
		 * the original resolves the conversation too, before auth */
		if (!e && c->params[1] && !strncmp(p, "/people/{username}/conversations/{id}", 37))
			e = traverse_conversation(c, c->params[1]);
		return e;
	}
	if (n == 8 && !strncmp(root, "contexts", 8))
		return traverse_context(c, v);
	if (n == 10 && !strncmp(root, "activities", 10))
		return traverse_activity(c, v);
	if (n == 13 && !strncmp(root, "conversations", 13))
		return traverse_conversation(c, v);
	if (n == 8 && !strncmp(root, "messages", 8))
		return traverse_message(c, v);
	return MAX_OK;
}
