#!/bin/bash
# rabbitmq.sh start|stop|ctl|url DIR — a private RabbitMQ node kept in DIR.
#
#   start DIR   creates DIR on first use (free loopback ports, a unique node
#               name, its own epmd port, a random password for the bridge's
#               account) and starts the node with the web-STOMP and HTTP
#               auth plugins; waits until it accepts work; prints the AMQP
#               URL. A later start of the same DIR reuses its name, ports,
#               account and data (durable exchanges and bindings survive).
#   stop DIR    stops the node and the epmd this DIR started; always
#               succeeds, also when nothing runs.
#   ctl DIR ARG…  rabbitmqctl against that node (list_exchanges, …).
#   url DIR     prints the AMQP URL again.
#
# DIR/env holds the node's settings as shell assignments (RMQ_NODE,
# RMQ_AMQP_PORT, RMQ_STOMP_WS_PORT, RMQ_MGMT_PORT, RMQ_URL, …) for scripts
# and tests. Optional, read on first start:
#   RABBITMQ_AUTH_URL    base URL of the HTTP auth backend (osiris), e.g.
#                        http://127.0.0.1:8080/rabbitmq; RabbitMQ then asks
#                        it about every login that is not the bridge's own
#   RABBITMQ_MANAGEMENT  1: also the management plugin (HTTP API on a free
#                        port, statistics every second), for tests that
#                        inspect the broker
#   RABBITMQ_WS_IDLE_MS  milliseconds web-STOMP lets a WebSocket stay silent
#                        before it closes it (RabbitMQ's default: 60000);
#                        tests shorten it to see max-relay's PINGs at work
#
# The node runs as the `rabbitmq` user when started by root (Debian's
# packaging expects it), so DIR is handed to that user. Every path the
# server writes is under DIR (HOME too), and epmd listens on a port of its
# own, so two nodes side by side share nothing and stopping one never
# touches the other.
set -euo pipefail

usage() {
	echo "usage: rabbitmq.sh start|stop|url DIR | ctl DIR ARG..." >&2
	exit 2
}
[ $# -ge 2 ] || usage
CMD=$1
D=$2
shift 2

RMQ_BIN=${RMQ_BIN:-/usr/lib/rabbitmq/bin}
[ -x "$RMQ_BIN/rabbitmq-server" ] || RMQ_BIN=$(dirname "$(command -v rabbitmq-server)")

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs a command as the node's owner with the node's environment.
as_node() {
	local run=()
	[ "$(id -u)" = 0 ] && run=(runuser -u rabbitmq --)
	"${run[@]}" env HOME="$D" \
		RABBITMQ_NODENAME="$RMQ_NODE" \
		RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
		RABBITMQ_NODE_PORT="$RMQ_AMQP_PORT" \
		RABBITMQ_DIST_PORT="$RMQ_DIST_PORT" \
		ERL_EPMD_PORT="$RMQ_EPMD_PORT" \
		ERL_EPMD_ADDRESS=127.0.0.1 \
		RABBITMQ_MNESIA_BASE="$D/mnesia" \
		RABBITMQ_LOG_BASE="$D/log" \
		RABBITMQ_ENABLED_PLUGINS_FILE="$D/enabled_plugins" \
		RABBITMQ_FEATURE_FLAGS_FILE="$D/feature_flags" \
		RABBITMQ_PID_FILE="$D/rabbitmq.pid" \
		RABBITMQ_CONFIG_FILE="$D/rabbitmq.conf" \
		RABBITMQ_ADVANCED_CONFIG_FILE="$D/advanced.config" \
		RABBITMQ_CONF_ENV_FILE="$D/rabbitmq-env.conf" \
		"$@"
}

ctl() {
	as_node "$RMQ_BIN/rabbitmqctl" -q -n "$RMQ_NODE" "$@"
}

# First start: choose everything and write DIR/env and the config.
create() {
	mkdir -p "$D/mnesia" "$D/log"
	local suffix pass
	suffix=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
	pass=$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')
	RMQ_NODE="max-$suffix@localhost"
	RMQ_AMQP_PORT=$(free_port)
	RMQ_DIST_PORT=$(free_port)
	RMQ_EPMD_PORT=$(free_port)
	RMQ_STOMP_PORT=$(free_port)
	RMQ_STOMP_WS_PORT=$(free_port)
	RMQ_MGMT_PORT=""
	[ "${RABBITMQ_MANAGEMENT:-0}" = 1 ] && RMQ_MGMT_PORT=$(free_port)
	RMQ_USER=max-bridge
	RMQ_URL="amqp://$RMQ_USER:$pass@127.0.0.1:$RMQ_AMQP_PORT/%2F"
	(
		umask 077
		cat > "$D/env" <<ENV
RMQ_NODE=$RMQ_NODE
RMQ_AMQP_PORT=$RMQ_AMQP_PORT
RMQ_DIST_PORT=$RMQ_DIST_PORT
RMQ_EPMD_PORT=$RMQ_EPMD_PORT
RMQ_STOMP_PORT=$RMQ_STOMP_PORT
RMQ_STOMP_WS_PORT=$RMQ_STOMP_WS_PORT
RMQ_MGMT_PORT=$RMQ_MGMT_PORT
RMQ_USER=$RMQ_USER
RMQ_PASS=$pass
RMQ_URL=$RMQ_URL
ENV
		write_config "$pass"
	)
	# distribution (node ↔ rabbitmqctl) on loopback only
	echo 'SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"' \
		> "$D/rabbitmq-env.conf"
	# runuser's PAM session resets the descriptor limit to 1024, which the
	# node reaches near 800 STOMP sessions; this file is a shell script the
	# node's start script sources
	echo 'ulimit -n "$(ulimit -Hn)" 2> /dev/null || true' >> "$D/rabbitmq-env.conf"
	local plugins="rabbitmq_web_stomp,rabbitmq_auth_backend_http"
	[ -n "$RMQ_MGMT_PORT" ] && plugins="$plugins,rabbitmq_management"
	echo "[$plugins]." > "$D/enabled_plugins"
}

write_config() {
	cat > "$D/rabbitmq.conf" <<CONF
# written by scripts/rabbitmq.sh; every listener on loopback
listeners.tcp.default = 127.0.0.1:$RMQ_AMQP_PORT
stomp.listeners.tcp.1 = 127.0.0.1:$RMQ_STOMP_PORT
web_stomp.tcp.ip = 127.0.0.1
web_stomp.tcp.port = $RMQ_STOMP_WS_PORT
# the bridge's own account, created on the first boot
default_vhost = /
default_user = $RMQ_USER
default_pass = $1
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
log.file.level = warning
CONF
	[ -n "$RMQ_MGMT_PORT" ] && cat >> "$D/rabbitmq.conf" <<CONF
management.tcp.ip = 127.0.0.1
management.tcp.port = $RMQ_MGMT_PORT
# statistics (message counts per queue) every second, not every five:
# tests read them
collect_statistics_interval = 1000
CONF
	if [ -n "${RABBITMQ_WS_IDLE_MS:-}" ]; then
		echo "web_stomp.ws_opts.idle_timeout = $RABBITMQ_WS_IDLE_MS" >> "$D/rabbitmq.conf"
	fi
	if [ -n "${RABBITMQ_AUTH_URL:-}" ]; then
		cat >> "$D/rabbitmq.conf" <<CONF
# realtime users log in with their OAuth token: MAX's token server decides
auth_backends.1 = internal
auth_backends.2 = http
auth_http.http_method = post
auth_http.user_path = $RABBITMQ_AUTH_URL/user
auth_http.vhost_path = $RABBITMQ_AUTH_URL/vhost
auth_http.resource_path = $RABBITMQ_AUTH_URL/resource
auth_http.topic_path = $RABBITMQ_AUTH_URL/topic
CONF
	fi
}

load() {
	[ -f "$D/env" ] || return 1
	# shellcheck disable=SC1091
	. "$D/env"
}

running() {
	[ -s "$D/rabbitmq.pid" ] && kill -0 "$(cat "$D/rabbitmq.pid")" 2>/dev/null
}

start() {
	mkdir -p "$D"
	D=$(cd "$D" && pwd)
	load || create
	if running; then
		echo "$RMQ_URL"
		return 0
	fi
	[ "$(id -u)" = 0 ] && chown -R rabbitmq:rabbitmq "$D"
	# epmd first, on the node's own port, so that we know it is ours
	as_node epmd -daemon -port "$RMQ_EPMD_PORT"
	as_node setsid "$RMQ_BIN/rabbitmq-server" >> "$D/log/server.out" 2>&1 < /dev/null &
	local t=0
	while [ ! -s "$D/rabbitmq.pid" ]; do
		sleep 0.2
		t=$((t + 1))
		if [ $t -gt 150 ]; then
			echo "rabbitmq.sh: $RMQ_NODE wrote no pid file within 30 s" >&2
			tail -n 30 "$D/log/server.out" >&2 || true
			return 1
		fi
	done
	if ! ctl await_startup --timeout 60 > /dev/null; then
		echo "rabbitmq.sh: $RMQ_NODE did not start" >&2
		tail -n 30 "$D/log/server.out" >&2 || true
		return 1
	fi
	echo "$RMQ_URL"
}

stop() {
	[ -d "$D" ] || return 0
	D=$(cd "$D" && pwd)
	load || return 0
	if running; then
		local pid
		pid=$(cat "$D/rabbitmq.pid")
		ctl stop > /dev/null 2>&1 || true
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$D/rabbitmq.pid"
	# the epmd on this DIR's own port serves no other node
	as_node epmd -port "$RMQ_EPMD_PORT" -kill > /dev/null 2>&1 || true
	return 0
}

case $CMD in
start) start ;;
stop) stop ;;
url) load && echo "$RMQ_URL" ;;
ctl) load && ctl "$@" ;;
*) usage ;;
esac
