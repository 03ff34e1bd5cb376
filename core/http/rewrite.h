/*
 * rewrite.h — api.md 1.8 POST tunnelling and api.md 1.9 deprecated URL forms.
 */
#ifndef MAX_REWRITE_H
#define MAX_REWRITE_H

#include "http/max.h"

/* The method a POST is tunnelled to (header, query or form parameter
 * X-HTTP-Method-Override = DELETE|PUT|GET), or the request's own method. */
const char *rewrite_method(const struct max_ctx *c);

/* Rewrites *path (malloc'd, replaced when rewritten) and c->body for the
 * deprecated forms; sets c->device_rewrite for the device-token forms. */
void rewrite_deprecated(struct max_ctx *c, const char *method, char **path);

#endif
