/*
 * push_send.h — the `push` queue's handler: a notification becomes one
 * FCM message per device of its recipients (model/push.h), sent when
 * [push] enabled is true; otherwise it is only logged, so the durable
 * queue never grows.
 */
#ifndef MAX_BRIDGE_PUSH_SEND_H
#define MAX_BRIDGE_PUSH_SEND_H

#include <stddef.h>

struct store;
struct max_config;
struct pusher;

/* The sender of cfg's [push] section; NULL (with a log line) when off or
 * misconfigured, which means "log only". */
struct pusher *pusher_open(const struct max_config *cfg);
void pusher_close(struct pusher *p);
/* Handles one delivery; always consumed (per-device failures are logged). */
void pusher_handle(struct pusher *p, struct store *st, const struct max_config *cfg,
		   const char *routing_key, const char *body, size_t len);

#endif
