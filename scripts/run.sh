#!/bin/bash
# run.sh BUILD — serve MAX in the foreground (what `make run` calls).
#
# Creates $MAX_VAR (default var/) with a max.ini when missing, or reuses it;
# creates or migrates the database (maxctl init); sets the admin's local
# password and the Manager role; renders lighttpd/max.conf.in into
# $MAX_VAR/lighttpd.conf; starts lighttpd (-D), which spawns and restarts
# the FastCGI workers, and the realtime part (scripts/run-realtime.sh: a
# private RabbitMQ under $MAX_VAR/rabbitmq unless [rabbitmq] url names
# another broker, max-bridge, max-relay); prints the REST and STOMP URLs and
# the admin's credentials. Ctrl-C (or SIGTERM) stops all of it.
# Once the server answers, a background step creates the admin's Person in
# MAX (POST /people with a throw-away token, revoked right after).
# Two runs side by side need only another MAX_VAR and MAX_PORT: the node's
# name and ports, and the relay's socket, are per MAX_VAR.
#
#   MAX_VAR             data folder (default var/, made absolute)
#   MAX_PORT            port on 127.0.0.1 (default 8080)
#   MAX_ADMIN           admin user name (default admin)
#   MAX_ADMIN_PASSWORD  admin password; when unset, the one stored in
#                       $MAX_VAR/admin.password, else a new random one
#                       (stored there, mode 600)
#   MAX_PROCS           max.fcgi workers for reads (default 2 per core)
#   MAX_WRITERS         max.fcgi workers for writes (default 1; lighttpd
#                       only, see lighttpd/max.conf.in)
#   MAX_SERVER          lighttpd (default) or apache (scripts/apache.sh;
#                       MAX_APACHE_MODE fcgid (default), proxy-fcgi or htaccess)
#   MAX_IDLE_S          seconds a client may pause in the middle of sending
#                       a request before lighttpd drops it (default 30)
set -euo pipefail

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=$(cd "$BUILD" && pwd)
for p in max.fcgi osiris.fcgi maxctl max-bridge max-relay; do
	if [ ! -x "$BUILD/$p" ]; then
		echo "run.sh: $BUILD/$p missing (run make first)" >&2
		exit 2
	fi
done

MAX_VAR=${MAX_VAR:-var}
MAX_PORT=${MAX_PORT:-8080}
MAX_ADMIN=$(printf '%s' "${MAX_ADMIN:-admin}" | tr '[:upper:]' '[:lower:]')
MAX_PROCS=${MAX_PROCS:-$(($(nproc) * 2))}
MAX_WRITERS=${MAX_WRITERS:-1}
MAX_IDLE_S=${MAX_IDLE_S:-30}

# The database, its WAL, the logs and the uploads are the owner's alone
# (they hold tokens and private messages): everything created from here on,
# by this script, maxctl, lighttpd or the workers, is mode 600 / 700, and a
# folder left by an older run is tightened.
umask 077
mkdir -p "$MAX_VAR"
MAX_VAR=$(cd "$MAX_VAR" && pwd)
mkdir -p "$MAX_VAR/run" "$MAX_VAR/log" "$MAX_VAR/www" "$MAX_VAR/files/avatars"
chmod -R go-rwx "$MAX_VAR"
INI="$MAX_VAR/max.ini"
URL="http://127.0.0.1:$MAX_PORT"

if [ ! -f "$INI" ]; then
	cat > "$INI" <<INI
# MAX configuration, written by scripts/run.sh; edit freely (unknown keys are
# an error at start-up). Every program reads it with -c $INI.
[max]
server_id = max
oauth_server = $URL
var = $MAX_VAR

[store]
path = $MAX_VAR/max.db
files = $MAX_VAR/files
avatars = $MAX_VAR/files/avatars

[oauth]
# seconds a positive token check is cached per worker
cache_ttl = 30
INI
	echo "run.sh: created $INI"
fi

# the admin's password: given, stored, or new
PWFILE="$MAX_VAR/admin.password"
if [ -z "${MAX_ADMIN_PASSWORD:-}" ]; then
	if [ -s "$PWFILE" ]; then
		MAX_ADMIN_PASSWORD=$(cat "$PWFILE")
	else
		MAX_ADMIN_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')
		printf '%s\n' "$MAX_ADMIN_PASSWORD" > "$PWFILE"
	fi
fi

MAXCTL=("$BUILD/maxctl" -c "$INI")
"${MAXCTL[@]}" init
printf '%s' "$MAX_ADMIN_PASSWORD" | "${MAXCTL[@]}" passwd "$MAX_ADMIN" >/dev/null
"${MAXCTL[@]}" grant "$MAX_ADMIN" Manager >/dev/null

# lighttpd's body limit stays above the worker's so the worker answers 413
MAX_BODY=$(sed -n 's/^[[:space:]]*max_body_bytes[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$INI" | tail -n 1)
MAX_BODY=${MAX_BODY:-10485760}
sed -e "s#@PORT@#$MAX_PORT#g" -e "s#@VAR@#$MAX_VAR#g" -e "s#@BUILD@#$BUILD#g" \
	-e "s#@PROCS@#$MAX_PROCS#g" -e "s#@WRITERS@#$MAX_WRITERS#g" -e "s#@MAXBODY_KB@#$((MAX_BODY * 2 / 1024 + 64))#g" \
	-e "s#@IDLE_S@#$MAX_IDLE_S#g" lighttpd/max.conf.in > "$MAX_VAR/lighttpd.conf"
./scripts/errorfiles.sh "$MAX_VAR/www/errors"
lighttpd -tt -f "$MAX_VAR/lighttpd.conf"

# The admin's Person: MAX creates people through its API, so wait for the
# server, then POST /people with a token that is revoked straight after.
create_admin_person() {
	local db="$MAX_VAR/max.db" n tok st
	db=$(sed -n 's/^[[:space:]]*path[[:space:]]*=[[:space:]]*//p' "$INI" | head -n 1)
	db=${db:-$MAX_VAR/max.db}
	n=$(sqlite3 -readonly "$db" "SELECT count(*) FROM people WHERE username = '$MAX_ADMIN'" 2>/dev/null || echo 0)
	[ "$n" = 0 ] || return 0
	for _ in $(seq 100); do
		curl -fsS -o /dev/null --max-time 1 "$URL/info" 2>/dev/null && break
		sleep 0.1
	done
	tok=$("${MAXCTL[@]}" token "$MAX_ADMIN" --scope widgetcli) || return 0
	st=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$URL/people" \
		-H "X-Oauth-Token: $tok" -H "X-Oauth-Username: $MAX_ADMIN" -H "X-Oauth-Scope: widgetcli" \
		-H 'Content-Type: application/json' -d "{\"username\":\"$MAX_ADMIN\"}" || true)
	curl -sS -o /dev/null -X POST "$URL/revoke" \
		--data-urlencode "access_token=$tok" --data-urlencode "username=$MAX_ADMIN" || true
	case "$st" in
	201 | 200) echo "run.sh: created the person $MAX_ADMIN in MAX" ;;
	*) echo "run.sh: POST /people for $MAX_ADMIN answered $st" >&2 ;;
	esac
}
# Whatever ends this script, the web server and the realtime part stop.
SERVER_PID=""
stop_all() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	./scripts/run-realtime.sh stop "$MAX_VAR" || true
	exit "$rc"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "${MAX_SERVER:-lighttpd}" = apache ]; then
	MAX_BODY=$MAX_BODY MAX_PROCS=$MAX_PROCS ./scripts/apache.sh run \
		"${MAX_APACHE_MODE:-fcgid}" "$MAX_VAR" "$BUILD" "$MAX_PORT" &
else
	lighttpd -D -f "$MAX_VAR/lighttpd.conf" &
fi
SERVER_PID=$!
create_admin_person &
# the realtime part once the web server answers: osiris must be there for
# RabbitMQ's logins, and apache.sh hands all of $MAX_VAR to its user before
# it starts (rabbitmq.sh then takes the node's folder back)
for _ in $(seq 100); do
	curl -fsS -o /dev/null --max-time 1 "$URL/info" 2>/dev/null && break
	sleep 0.1
done
./scripts/run-realtime.sh start "$MAX_VAR" "$BUILD" "$MAX_PORT" ||
	echo "run.sh: the realtime part did not start; the API works without it" >&2

cat <<EOF

MAX is served at  $URL   (token server: $URL/token)
admin user:       $MAX_ADMIN
admin password:   $MAX_ADMIN_PASSWORD
data:             $MAX_VAR  (database $MAX_VAR/max.db, logs $MAX_VAR/log/)

  TOKEN=\$(curl -s -d grant_type=password -d username=$MAX_ADMIN \\
      --data-urlencode password='$MAX_ADMIN_PASSWORD' -d scope=widgetcli $URL/token \\
      | sed 's/.*"access_token": *"\\([^"]*\\)".*/\\1/')
  curl -H "X-Oauth-Token: \$TOKEN" -H "X-Oauth-Username: $MAX_ADMIN" \\
      -H "X-Oauth-Scope: widgetcli" $URL/people

STOMP:            $URL/stomp (SockJS)   ws://127.0.0.1:$MAX_PORT/ws (WebSocket)
                  login: user name, passcode: OAuth token

Stop with Ctrl-C.
EOF

wait "$SERVER_PID"
