/*
 * contexts.h — contexts and context subscriptions as the HTTP handlers
 * see them: the request-side helpers of the contexts family, over the
 * model (model/contexts.h, model/subscriptions.h).
 */
#ifndef MAX_CONTEXTS_H
#define MAX_CONTEXTS_H

#include "http/max.h"
#include "http/perm.h"
#include "model/contexts.h"
#include "model/subscriptions.h"

/* Loads the context the URL names (c->params[0]), or fails with the
 * traversal's 404. ctx is always safe to ctx_free(). */
enum max_err context_from_url(struct max_ctx *c, struct context *ctx);

/* The `tags` query parameters (trimmed, empties dropped) as a JSON array
 * text for the SQL filters, or NULL when there are none. Free it. */
char *tags_param(struct max_ctx *c);

#endif
