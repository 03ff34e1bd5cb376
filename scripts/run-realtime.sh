#!/bin/bash
# run-realtime.sh start MAX_VAR BUILD PORT | stop MAX_VAR — the realtime half
# of `make run`: RabbitMQ and max-bridge next to the API.
#
# start: when $MAX_VAR/max.ini has a [rabbitmq] url of its own (a broker run
# elsewhere), uses it. Otherwise starts a private node under
# $MAX_VAR/rabbitmq (scripts/rabbitmq.sh; logins checked by osiris at
# http://127.0.0.1:PORT/rabbitmq) and writes its URL into max.ini. Then
# starts max-bridge in the background (log: $MAX_VAR/log/bridge.log) and
# prints where realtime clients connect.
# stop: stops the bridge and the private node (not a broker run elsewhere).
#
# run.sh calls start before lighttpd and stop when lighttpd ends (Ctrl-C).
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

# The value of [rabbitmq] url in max.ini ("" when unset).
ini_url() {
	awk '/^[[:space:]]*\[/ { s = $0; gsub(/[][[:space:]]/, "", s) }
	     s == "rabbitmq" && /^[[:space:]]*url[[:space:]]*=/ {
		sub(/^[^=]*=[[:space:]]*/, ""); sub(/[[:space:]]*$/, ""); v = $0 }
	     END { print v }' "$INI"
}

# Sets [rabbitmq] url, replacing an earlier value or adding the section.
set_ini_url() {
	local tmp="$INI.tmp"
	awk -v url="$1" '
	     /^[[:space:]]*\[/ { if (s == "rabbitmq" && !done) { print "url = " url; done = 1 }
			       s = $0; gsub(/[][[:space:]]/, "", s) }
	     s == "rabbitmq" && /^[[:space:]]*url[[:space:]]*=/ { if (!done) print "url = " url; done = 1; next }
	     { print }
	     END { if (!done) { if (s != "rabbitmq") print "\n[rabbitmq]"; print "url = " url } }' \
		"$INI" > "$tmp"
	chmod 600 "$tmp"
	mv "$tmp" "$INI"
}

bridge_running() {
	local pid
	pid=$(cat "$PIDFILE" 2>/dev/null || true)
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = max-bridge ]
}

start() {
	local build=${1:?BUILD} port=${2:?PORT} url
	build=$(cd "$build" && pwd)
	url=$(ini_url)
	if [ -z "$url" ] || { [ -f "$NODE/env" ] && [ "$url" = "$(. "$NODE/env" && echo "$RMQ_URL")" ]; }; then
		echo "run-realtime.sh: starting RabbitMQ under $NODE (takes a few seconds)"
		url=$(RABBITMQ_AUTH_URL="http://127.0.0.1:$port/rabbitmq" "$ROOT/scripts/rabbitmq.sh" start "$NODE")
		set_ini_url "$url"
	fi
	if ! bridge_running; then
		mkdir -p "$MAX_VAR/run" "$MAX_VAR/log"
		"$build/max-bridge" -c "$INI" >> "$MAX_VAR/log/bridge.log" 2>&1 < /dev/null &
		echo $! > "$PIDFILE"
	fi
	if [ -f "$NODE/env" ]; then
		. "$NODE/env"
		echo "realtime:         STOMP over WebSocket at ws://127.0.0.1:$RMQ_STOMP_WS_PORT/ws" \
			"(login: user name, passcode: OAuth token)"
	fi
	echo "bridge log:       $MAX_VAR/log/bridge.log"
}

stop() {
	if bridge_running; then
		local pid
		pid=$(cat "$PIDFILE")
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -f "$PIDFILE"
	[ -f "$NODE/env" ] && "$ROOT/scripts/rabbitmq.sh" stop "$NODE"
	return 0
}

case $CMD in
start) start "${3:-}" "${4:-}" ;;
stop) stop ;;
*) exit 2 ;;
esac
