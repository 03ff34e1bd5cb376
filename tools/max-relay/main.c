/*
 * max-relay — SockJS and WebSocket endpoint for MAX's realtime clients.
 *
 * RabbitMQ 3.7+ no longer serves SockJS, which the deployed 4.x widget
 * speaks; this process answers it at /stomp (GET /stomp/info and the
 * SockJS websocket transport) and relays the STOMP frames to RabbitMQ's
 * web-STOMP, one upstream WebSocket per browser session. It also passes
 * plain STOMP over WebSocket through at /ws, so the web server needs one
 * socket for both. One process, one event loop; the web server (lighttpd
 * or Apache) proxies /stomp and /ws here.
 *
 * The loop is libev's (epoll), not libwebsockets' own: that one is poll(),
 * which hands the kernel every descriptor (two per session) and then scans
 * them all on each wake-up, so a relayed frame cost ~100 µs with 6,000
 * sessions open against ~40 µs with 1,100. The loop is created here and
 * lent to libwebsockets (a "foreign" loop) so that SIGTERM and SIGINT,
 * watched by libev, end it.
 *
 * libwebsockets 4.1's libev glue re-arms its one timer with ev_timer_set on
 * a running watcher, which libev ignores: a timer scheduled earlier than the
 * one already pending would fire only with the later one. Its idle handler,
 * run after any socket event, fires whatever is due, so the relay's tick
 * (relay_tick, once a second) also wakes it.
 */
#include "relay.h"
#include "util/config.h"
#include "util/log.h"

#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static void usage(FILE *f)
{
	fputs("usage: max-relay [-c max.ini]\n"
	      "\n"
	      "Serves MAX's realtime endpoints and relays them to RabbitMQ's web-STOMP:\n"
	      "  /stomp  SockJS (GET /stomp/info, /stomp/<server>/<session>/websocket),\n"
	      "          the protocol of the MAX widget 4.x\n"
	      "  /ws     plain STOMP over WebSocket, passed through unchanged\n"
	      "The web server proxies both paths here (WebSocket upgrade on). Runs\n"
	      "until SIGTERM or SIGINT.\n"
	      "\n"
	      "  -c PATH     configuration (default: $MAX_CONFIG, else ./max.ini)\n"
	      "  -h, --help  this text\n"
	      "\n"
	      "max.ini keys, section [relay]:\n"
	      "  listen       a socket path (default <[max] var>/run/realtime.sock),\n"
	      "               or PORT / HOST:PORT for TCP (HOST default 127.0.0.1)\n"
	      "  upstream     web-STOMP URL (default ws://127.0.0.1:15674/ws)\n"
	      "  heartbeat_s  seconds between SockJS heartbeat frames (default 25)\n"
	      "  ping_s       seconds between WebSocket PINGs to web-STOMP (default 30)\n"
	      "  client_ping_s  seconds a browser may send no PONG before it is PINGed\n"
	      "               (default 300; closed when none comes within 10 s)\n",
	      f);
}

/* ws://HOST[:PORT]/PATH into c; -1 when it is not such a URL. */
static int parse_upstream(const char *url, struct relay_conf *c)
{
	if (strncmp(url, "ws://", 5))
		return -1;
	const char *host = url + 5, *slash = strchr(host, '/'),
		   *end = slash ? slash : host + strlen(host);
	const char *colon = memchr(host, ':', (size_t)(end - host));
	size_t hlen = (size_t)((colon ? colon : end) - host);
	if (!hlen || hlen >= sizeof c->up_host)
		return -1;
	memcpy(c->up_host, host, hlen);
	c->up_host[hlen] = 0;
	c->up_port = colon ? atoi(colon + 1) : 80;
	if (c->up_port <= 0 || c->up_port > 65535)
		return -1;
	snprintf(c->up_path, sizeof c->up_path, "%s", slash ? slash : "/");
	return 0;
}

/* [relay] listen into the vhost's listening fields. path must outlive the
 * context. -1 when the value makes no sense. */
static int parse_listen(const struct max_config *cfg, struct lws_context_creation_info *info,
			char *path, size_t pathlen)
{
	const char *v = config_get(cfg, "relay", "listen");
	if (!*v) {
		snprintf(path, pathlen, "%s/run/realtime.sock", config_get(cfg, "max", "var"));
		v = path;
	}
	if (*v == '/' || *v == '.') {
		if (v != path)
			snprintf(path, pathlen, "%s", v);
		unlink(path); /* a socket left by a process that died */
		info->options |= LWS_SERVER_OPTION_UNIX_SOCK;
		info->iface = path;
		info->port = 0; /* lws binds a socket only with port 0 */
		return 0;
	}
	const char *colon = strrchr(v, ':');
	snprintf(path, pathlen, "%.*s", colon ? (int)(colon - v) : 0, v);
	info->iface = colon ? path : "127.0.0.1";
	info->port = atoi(colon ? colon + 1 : v);
	return info->port > 0 && info->port <= 65535 ? 0 : -1;
}

static void lws_log(int level, const char *line)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	log_event("relay", "lws%s: %.*s", level == LLL_ERR ? " error" : "", (int)n, line);
}

static struct lws_context *start(const struct max_config *cfg, char *path, size_t pathlen,
				 void **loops)
{
	struct relay_conf rc;
	memset(&rc, 0, sizeof rc);
	rc.heartbeat_s = (int)config_int(cfg, "relay", "heartbeat_s");
	rc.ping_s = (int)config_int(cfg, "relay", "ping_s");
	rc.client_ping_s = (int)config_int(cfg, "relay", "client_ping_s");
	if (parse_upstream(config_get(cfg, "relay", "upstream"), &rc) < 0 || rc.heartbeat_s < 1 ||
	    rc.ping_s < 1 || rc.client_ping_s < 1) {
		log_event("relay", "[relay] upstream must be ws://HOST[:PORT]/PATH, and "
				   "heartbeat_s, ping_s and client_ping_s at least 1");
		return NULL;
	}
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DISABLE_IPV6 |
		       LWS_SERVER_OPTION_LIBEV;
	info.foreign_loops = loops;
	info.retry_and_idle_policy = &relay_no_validity;
	if (parse_listen(cfg, &info, path, pathlen) < 0) {
		log_event("relay", "[relay] listen must be a socket path or [HOST:]PORT");
		return NULL;
	}
	/* lws looks for the socket option on the context as well */
	struct lws_context *ctx = lws_create_context(&info);
	if (!ctx)
		return NULL;
	info.protocols = relay_server_protocols;
	info.vhost_name = "relay";
	if (!lws_create_vhost(ctx, &info)) {
		log_event("relay", "cannot listen on %s",
			  *config_get(cfg, "relay", "listen") ? config_get(cfg, "relay", "listen")
							      : path);
		lws_context_destroy(ctx);
		return NULL;
	}
	if (info.options & LWS_SERVER_OPTION_UNIX_SOCK)
		chmod(path, 0666); /* the web server may run as another user; web-STOMP
				    * itself listens on loopback TCP, open to every local user */
	struct lws_context_creation_info up;
	memset(&up, 0, sizeof up);
	up.port = CONTEXT_PORT_NO_LISTEN;
	up.protocols = relay_upstream_protocols;
	up.vhost_name = "upstream";
	up.retry_and_idle_policy = &relay_no_validity;
	struct lws_vhost *uv = lws_create_vhost(ctx, &up);
	if (!uv) {
		lws_context_destroy(ctx);
		return NULL;
	}
	relay_setup(&rc, uv);
	if (info.options & LWS_SERVER_OPTION_UNIX_SOCK)
		log_event("relay", "listening on socket %s, web-STOMP at %s", path,
			  config_get(cfg, "relay", "upstream"));
	else
		log_event("relay", "listening on %s:%d, web-STOMP at %s", info.iface, info.port,
			  config_get(cfg, "relay", "upstream"));
	return ctx;
}

/* Each session holds two descriptors (browser and web-STOMP), and lws sizes
 * its tables from the soft limit when the context is made: a service
 * manager's soft limit of 1024 would cap the relay near 500 sessions.
 * Raised to the hard limit (capped: the tables grow with it). */
#define FD_CAP 65536

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > FD_CAP ? FD_CAP : rl.rlim_max;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_event("relay", "cannot raise the file descriptor limit to %lu",
				  (unsigned long)want);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		log_event("relay", "file descriptor limit %lu: about %lu sessions",
			  (unsigned long)rl.rlim_cur, (unsigned long)(rl.rlim_cur / 2));
}

#define TICK_S 1.0

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	relay_tick();
	lws_cancel_service(w->data); /* a socket event: lws runs its due timers */
}

/* SIGTERM and SIGINT end the loop; libev delivers them inside it */
static void watch_signals(struct ev_loop *loop, ev_signal *term, ev_signal *intr)
{
	ev_signal_init(term, on_stop, SIGTERM);
	ev_signal_start(loop, term);
	ev_signal_init(intr, on_stop, SIGINT);
	ev_signal_start(loop, intr);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	const char *cpath = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			cpath = argv[++i];
			continue;
		}
		usage(stderr);
		return 2;
	}
	struct max_config cfg;
	char err[512];
	if (config_load(&cfg, cpath, err, sizeof err) < 0) {
		log_event("relay", "%s", err);
		return 1;
	}
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	if (!loop) {
		log_event("relay", "cannot create the event loop");
		config_free(&cfg);
		return 1;
	}
	ev_signal term, intr;
	watch_signals(loop, &term, &intr);
	raise_fd_limit();
	static char path[1024];
	void *loops[1] = {loop};
	struct lws_context *ctx = start(&cfg, path, sizeof path, loops);
	if (!ctx) {
		ev_loop_destroy(loop);
		config_free(&cfg);
		return 1;
	}
	ev_timer tick;
	ev_timer_init(&tick, on_tick, TICK_S, TICK_S);
	tick.data = ctx;
	ev_timer_start(loop, &tick);
	ev_run(loop, 0);
	ev_timer_stop(loop, &tick);
	log_event("relay", "stopping (%d sessions open)", relay_sessions());
	lws_context_destroy(ctx);
	ev_loop_destroy(loop);
	if (*path == '/' || *path == '.')
		unlink(path);
	config_free(&cfg);
	return 0;
}
