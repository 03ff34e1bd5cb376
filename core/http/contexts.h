/*
 * contexts.h — contexts and context subscriptions as the HTTP handlers
 * see them: the request-side helpers of the contexts family, over the
 * model (model/contexts.h, model/subscriptions.h).
 *
 * The names below the compat line are the family's functions as other
 * families called them before the model existed; each is a thin wrapper
 * over its model replacement, kept until those families call the model.
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

/* ---- compat: until the families are merged ---------------------------------- */

int context_load(struct max_ctx *c, const char *hash, struct context *out); /* ctx_find */
void context_free(struct context *ctx);                                      /* ctx_free */
json_object *context_snapshot(const struct context *ctx);           /* ctx_snapshot */
json_object *context_json(const struct context *ctx, unsigned flags); /* ctx_json */
int context_notifies(const struct context *ctx);                   /* ctx_notifies */
enum max_err context_propagate(struct max_ctx *c, const char *old_hash,
			       const struct context *ctx);          /* ctx_propagate */

enum max_err subscriptions_recompute(struct max_ctx *c, const struct context *ctx); /* sub_recompute */
enum max_err subscriptions_bind_all(struct max_ctx *c, const char *hash, int bind); /* sub_bind_all */

#endif
