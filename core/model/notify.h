/*
 * notify.h — MAX's own realtime notifications, written to the outbox.
 *
 * A notification is a MaxCarrot message (util/carrot.h) that MAX itself
 * produces: source "max", the server's domain, a fresh uuid and the time
 * now. It is appended to the outbox inside the caller's transaction, so it
 * reaches RabbitMQ (through max-bridge) only if the change commits.
 */
#ifndef MAX_NOTIFY_H
#define MAX_NOTIFY_H

#include "model/model.h"

#include <json-c/json.h>

struct notify {
	const char *domain;      /* [max] server_id */
	const char *exchange;    /* e.g. "conversations", "activity" */
	const char *routing_key; /* e.g. "<conversation id>.notifications" */
	const char *action;      /* add, refresh, ack, … */
	const char *object;      /* message, conversation, activity, … */
	const char *user;        /* who caused it */
	const char *display;     /* their display name; NULL: the user name */
};

/* Packs and appends one notification; takes ownership of data (NULL: {}). */
enum max_err notify_publish(struct store *st, const struct notify *n, json_object *data);

#endif
