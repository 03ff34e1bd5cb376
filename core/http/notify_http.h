/*
 * notify_http.h — notifications from a handler (see model/notify.h).
 */
#ifndef MAX_NOTIFY_HTTP_H
#define MAX_NOTIFY_HTTP_H

#include "http/max.h"

/* A notification from user (NULL: the acting user of c, with their
 * display name) with the server's domain. Takes ownership of data. */
enum max_err carrot_publish(struct max_ctx *c, const char *exchange, const char *routing_key,
			    const char *action, const char *object, const char *user,
			    const char *display, json_object *data);

#endif
