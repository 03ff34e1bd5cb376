/*
 * relay.h — the sessions of max-relay: one browser WebSocket, one
 * WebSocket to RabbitMQ's web-STOMP, and the frames queued between them.
 */
#ifndef MAX_RELAY_RELAY_H
#define MAX_RELAY_RELAY_H

#include <libwebsockets.h>

struct relay_conf {
	char up_host[256];
	char up_path[256];
	int up_port;
	int heartbeat_s;   /* SockJS "h" frames */
	int ping_s;        /* PINGs to web-STOMP */
	int client_ping_s; /* PINGs to a silent browser */
};

/* The protocols of the listening vhost and of the upstream one. */
extern const struct lws_protocols relay_server_protocols[];
extern const struct lws_protocols relay_upstream_protocols[];

/* Called once before serving: where to connect, and through which vhost. */
void relay_setup(const struct relay_conf *conf, struct lws_vhost *upstream_vhost);

/* Sessions currently open. */
int relay_sessions(void);

/* Once a second: SockJS heartbeats, PINGs, and the end of sessions whose
 * peer stopped answering them. */
void relay_tick(void);

/* The retry policy of both vhosts: libwebsockets' own PINGs off, since
 * relay_tick does them. */
extern const lws_retry_bo_t relay_no_validity;

#endif
