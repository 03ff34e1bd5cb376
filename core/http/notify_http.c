/*
 * notify_http.c — carrot_publish(): a notification on behalf of the
 * request's acting user (handlers' shorthand for model/notify.h).
 */
#include "http/notify_http.h"
#include "http/people.h"
#include "model/people.h"
#include "model/notify.h"
#include "util/config.h"

enum max_err carrot_publish(struct max_ctx *c, const char *exchange, const char *routing_key,
			    const char *action, const char *object, const char *user,
			    const char *display, json_object *data)
{
	char dn[257];
	if (!user) {
		user = c->actor;
		people_display_name(c->db, user, dn, sizeof dn);
		display = *dn ? dn : user;
	}
	struct notify n = {
		.domain = config_get(c->cfg, "max", "server_id"),
		.exchange = exchange,
		.routing_key = routing_key,
		.action = action,
		.object = object,
		.user = user,
		.display = display,
	};
	return notify_publish(c->db, &n, data);
}
