/*
 * sockjs.h — the SockJS framing the relay speaks to browsers, as plain
 * functions over strings (no I/O), so that they can be tested alone.
 *
 * Server to client: "o" (open), "h" (heartbeat), "a[...]" (a JSON array of
 * message strings), "c[code,\"reason\"]" (close). Client to server: a JSON
 * array of strings (a bare JSON string is accepted too, as SockJS servers
 * do). Strings are escaped as SockJS asks, so that no browser mangles them.
 */
#ifndef MAX_RELAY_SOCKJS_H
#define MAX_RELAY_SOCKJS_H

#include "util/buf.h"

#include <stddef.h>

/* Appends text (len bytes, UTF-8; invalid bytes become U+FFFD) as a JSON
 * string literal with the escapes SockJS requires. */
void sockjs_quote(struct buf *out, const char *text, size_t len);

/* Appends the frame a["text"]. */
void sockjs_message_frame(struct buf *out, const char *text, size_t len);

/* Appends the frame c[code,"reason"]. */
void sockjs_close_frame(struct buf *out, int code, const char *reason);

/* Calls fn once per string of a client frame, in order. 0, or -1 when the
 * frame is not a JSON array of strings (nothing is passed on then) or fn
 * failed. */
int sockjs_parse(const char *frame, size_t len, int (*fn)(const char *msg, size_t len, void *arg),
		 void *arg);

/* The body of GET <prefix>/info; entropy is a random 32-bit number. */
void sockjs_info(struct buf *out, unsigned entropy);

/* Is the path after the prefix "/<server>/<session>/websocket", with
 * server and session free of dots and slashes (SockJS's own rule)? */
int sockjs_is_websocket_path(const char *rest);

/* May value be echoed in Access-Control-Allow-Origin? (printable ASCII
 * without spaces, at most 512 bytes) */
int sockjs_origin_ok(const char *origin);

#endif
