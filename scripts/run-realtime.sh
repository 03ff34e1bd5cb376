#!/bin/bash
# run-realtime.sh start MAX_VAR BUILD PORT | stop MAX_VAR — the realtime half
# of `make run`: RabbitMQ, max-bridge and max-relay next to the API.
#
# start: when $MAX_VAR/max.ini has a [rabbitmq] url of its own (a broker run
# elsewhere), uses it, and [relay] upstream as it is (default: web-STOMP on
# 127.0.0.1:15674). Otherwise starts a private node under $MAX_VAR/rabbitmq
# (scripts/rabbitmq.sh; logins checked by osiris at
# http://127.0.0.1:PORT/rabbitmq) and writes its AMQP URL and web-STOMP URL
# into max.ini. Then starts max-bridge and max-relay in the background (logs:
# $MAX_VAR/log/bridge.log, relay.log) and prints where realtime clients
# connect. When the node cannot start, says so and starts the bridge and the
# relay anyway: the API works, the bridge retries until a broker answers.
# stop: stops the relay, the bridge and the private node (not a broker run
# elsewhere).
#
# run.sh calls start next to lighttpd and stop when lighttpd ends (Ctrl-C).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CMD=${1:-}
MAX_VAR=${2:-}
[ -n "$CMD" ] && [ -n "$MAX_VAR" ] || {
	echo "usage: run-realtime.sh start MAX_VAR BUILD PORT | stop MAX_VAR" >&2
	exit 2
}
MAX_VAR=$(cd "$MAX_VAR" && pwd)
INI="$MAX_VAR/max.ini"
NODE="$MAX_VAR/rabbitmq"
PIDFILE="$MAX_VAR/run/max-bridge.pid"
RELAY_PIDFILE="$MAX_VAR/run/max-relay.pid"

# The value of [rabbitmq] url in max.ini ("" when unset).
ini_url() {
	awk '/^[[:space:]]*\[/ { s = $0; gsub(/[][[:space:]]/, "", s) }
	     s == "rabbitmq" && /^[[:space:]]*url[[:space:]]*=/ {
		sub(/^[^=]*=[[:space:]]*/, ""); sub(/[[:space:]]*$/, ""); v = $0 }
	     END { print v }' "$INI"
}

# set_ini SECTION KEY VALUE: replaces an earlier value or adds the key
# (and the section when missing).
set_ini() {
	local tmp="$INI.tmp"
	awk -v sec="$1" -v key="$2" -v val="$3" '
	     /^[[:space:]]*\[/ { if (s == sec && !done) { print key " = " val; done = 1 }
			       s = $0; gsub(/[][[:space:]]/, "", s) }
	     s == sec && $0 ~ "^[[:space:]]*" key "[[:space:]]*=" { if (!done) print key " = " val; done = 1; next }
	     { print }
	     END { if (!done) { if (s != sec) print "\n[" sec "]"; print key " = " val } }' \
		"$INI" > "$tmp"
	# same owner and mode as before: Apache's workers may run as another user
	chmod --reference="$INI" "$tmp"
	chown --reference="$INI" "$tmp" 2>/dev/null || true
	mv "$tmp" "$INI"
}

# running PIDFILE NAME: does the process of that pid file still run?
running() {
	local pid
	pid=$(cat "$1" 2>/dev/null || true)
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}

# stop_pid PIDFILE NAME: SIGTERM, then up to 5 s for it to end.
stop_pid() {
	if running "$1" "$2"; then
		local pid
		pid=$(cat "$1")
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -f "$1"
}

start() {
	local build=${1:?BUILD} port=${2:?PORT} url
	build=$(cd "$build" && pwd)
	url=$(ini_url)
	if [ -z "$url" ] || { [ -f "$NODE/env" ] && [ "$url" = "$(. "$NODE/env" && echo "$RMQ_URL")" ]; }; then
		echo "run-realtime.sh: starting RabbitMQ under $NODE (takes a few seconds)"
		if url=$(RABBITMQ_AUTH_URL="http://127.0.0.1:$port/rabbitmq" "$ROOT/scripts/rabbitmq.sh" start "$NODE"); then
			set_ini rabbitmq url "$url"
			set_ini relay upstream "ws://127.0.0.1:$(. "$NODE/env" && echo "$RMQ_STOMP_WS_PORT")/ws"
		else
			echo "run-realtime.sh: RabbitMQ did not start (log: $NODE/log/);" \
				"the API works, realtime clients stay offline" >&2
		fi
	fi
	mkdir -p "$MAX_VAR/run" "$MAX_VAR/log"
	if [ -n "$(ini_url)" ] && ! running "$PIDFILE" max-bridge; then
		"$build/max-bridge" -c "$INI" >> "$MAX_VAR/log/bridge.log" 2>&1 < /dev/null &
		echo $! > "$PIDFILE"
	fi
	if ! running "$RELAY_PIDFILE" max-relay; then
		"$build/max-relay" -c "$INI" >> "$MAX_VAR/log/relay.log" 2>&1 < /dev/null &
		echo $! > "$RELAY_PIDFILE"
	fi
	local base="127.0.0.1:$port"
	echo "realtime (STOMP, login: user name, passcode: OAuth token):"
	echo "  SockJS:         http://$base/stomp   (widget 4.x)"
	echo "  WebSocket:      ws://$base/ws"
	echo "bridge, relay:    $MAX_VAR/log/bridge.log, $MAX_VAR/log/relay.log"
}

stop() {
	stop_pid "$RELAY_PIDFILE" max-relay
	stop_pid "$PIDFILE" max-bridge
	[ -f "$NODE/env" ] && "$ROOT/scripts/rabbitmq.sh" stop "$NODE"
	return 0
}

case $CMD in
start) start "${3:-}" "${4:-}" ;;
stop) stop ;;
*) exit 2 ;;
esac
