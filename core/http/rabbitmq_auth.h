/*
 * rabbitmq_auth.h — osiris.fcgi as RabbitMQ's HTTP auth backend.
 *
 * Realtime clients log in to RabbitMQ (web-STOMP) with their MAX username,
 * optionally prefixed by "<server id>:", and their OAuth token as password.
 * RabbitMQ asks /rabbitmq/user, /vhost, /resource and /topic; the answer is
 * the body "allow" or "deny". A user may use only their own two exchanges
 * and the server-named queues of their own subscriptions. The bridge's own
 * account (the user of [rabbitmq] url) logs in through RabbitMQ's internal
 * backend and is always refused here, so no MAX user can pose as it.
 * The decisions are pure functions, tested without a server.
 */
#ifndef MAX_RABBITMQ_AUTH_H
#define MAX_RABBITMQ_AUTH_H

#include <stddef.h>

#include "http/max.h"

struct store;
struct max_config;

/* The MAX username of a broker login: the part after the last ':',
 * normalised; a prefix must equal server_id. 0, or -1 when refused. */
int rabbitmq_login_user(const char *login, const char *server_id, char out[MAX_USERNAME_MAX + 1]);
/* May user use resource ("exchange", "queue", …) name? 1 yes, 0 no. */
int rabbitmq_may_resource(const char *user, const char *resource, const char *name);
/* May user publish/read with a routing key on exchange name? 1 yes, 0 no. */
int rabbitmq_may_topic(const char *user, const char *name);
/* The account and vhost of an amqp:// URL (percent-decoded; vhost "/"
 * when the URL names none). 0, or -1 when it is not such a URL. */
int rabbitmq_url_parts(const char *url, char *user, size_t ulen, char *vhost, size_t vlen);

/* Answers path (without any server id prefix) when it is one of the four
 * endpoints: returns 1 with r filled, else 0. */
int rabbitmq_auth_handle(struct store *db, const struct max_config *cfg, const char *path,
			 const struct max_req *req, struct max_resp *r);

#endif
