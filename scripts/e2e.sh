#!/bin/bash
# e2e.sh BUILD — the end-to-end tests against the real servers.
#
# Creates a throw-away folder, writes a max.ini there, creates the database
# (maxctl init), starts lighttpd with max.fcgi and osiris.fcgi on a free
# loopback port, waits for GET /info, runs BUILD/tests/e2e against it and
# always stops lighttpd and its workers and removes the folder, whatever
# happens. Exits with the test binary's status; on failure prints the tail
# of the server logs (worker stderr lands there).
#
# Environment for the tests: MAX_TEST_URL, MAX_TEST_INI, MAX_TEST_BUILD,
# MAX_TEST_VAR, MAX_TEST_LIGHTTPD_PID, MAX_TEST_IDLE_S (lighttpd's read idle
# timeout). After the tests the server's output is
# searched for sanitizer reports (make check SAN=1), which fail the run too. E2E_KEEP=1 keeps the folder for inspection; arguments after
# BUILD go to the test binary (`scripts/e2e.sh build people` runs one suite).
set -euo pipefail

BUILD=${1:-build}
[ $# -gt 0 ] && shift  # the rest (a suite name) goes to the test binary
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=$(cd "$BUILD" && pwd)

for p in max.fcgi osiris.fcgi maxctl tests/e2e; do
	if [ ! -x "$BUILD/$p" ]; then
		echo "e2e.sh: $BUILD/$p missing (run make first)" >&2
		exit 2
	fi
done

# as scripts/run.sh: every file the servers create is the owner's alone
# (test_limits checks the modes)
umask 077
VAR=$(mktemp -d "${TMPDIR:-/tmp}/max-e2e.XXXXXX")
LPID=""
WORKERS=""

stop_server() {
	if [ -n "${APACHE_MODE:-}" ]; then
		apache_stop "$VAR"
		APACHE_MODE=""
	fi
	[ -n "$LPID" ] || return 0
	WORKERS=$(pgrep -P "$LPID" 2>/dev/null || true)
	kill -TERM "$LPID" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$LPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$LPID" 2>/dev/null || true
	wait "$LPID" 2>/dev/null || true
	# lighttpd stops the workers it spawned; make sure of it, giving them
	# time to exit (valgrind writes its leak report on the way out)
	for w in $WORKERS; do
		kill -TERM "$w" 2>/dev/null || true
	done
	for _ in $(seq 100); do
		alive=0
		for w in $WORKERS; do
			kill -0 "$w" 2>/dev/null && alive=1
		done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for w in $WORKERS; do
		kill -KILL "$w" 2>/dev/null || true
	done
	LPID=""
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_server
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "e2e.sh: kept $VAR" >&2
	else
		rm -rf "$VAR"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_logs() {
	for f in "$VAR/log/error.log" "$VAR/log/lighttpd.out" "$VAR/log/apache.out"; do
		[ -s "$f" ] || continue
		echo "---- tail of ${f#"$VAR"/} ----" >&2
		tail -n 60 "$f" >&2
	done
}

free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' && return
	fi
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 20000))
		if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return
		fi
	done
	echo "e2e.sh: no free port" >&2
	return 1
}

PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
mkdir -p "$VAR/run" "$VAR/log" "$VAR/www" "$VAR/files/avatars"

MAX_BODY=65536
# a client silent this long mid-request is dropped (test_limits waits it out)
IDLE_S=2
cat > "$VAR/max.ini" <<INI
# written by scripts/e2e.sh
[max]
server_id = e2e
compat_id = e2e-compat
oauth_server = $URL
max_body_bytes = $MAX_BODY
# test_limits relies on these two
max_query_params = 64
max_json_depth = 16
var = $VAR

[store]
path = $VAR/max.db
files = $VAR/files
avatars = $VAR/files/avatars
# requests that meet in a writer's queue are batched however light the
# load, so that the whole suite runs through group commit
group_commit_busy = 0

[oauth]
failure_delay_ms = 50
cache_ttl = 30

[ldap]
# LDAP stays off (no url); the secret is there to prove /info/settings hides it
bind_password = e2e-secret-pw
INI
# scripts/e2e-ldap.sh adds the settings of its directory (later keys win)
if [ -n "${E2E_EXTRA_INI:-}" ]; then cat "$E2E_EXTRA_INI" >> "$VAR/max.ini"; fi

"$BUILD/maxctl" -c "$VAR/max.ini" init

if [ "${MAX_SERVER:-lighttpd}" = apache ]; then
	# Apache instead of lighttpd (scripts/apache.sh); MAX_APACHE_MODE is
	# fcgid (default), proxy-fcgi or htaccess. VALGRIND=1 is lighttpd's only.
	. "$ROOT/scripts/apache.sh"
	APACHE_MODE=${MAX_APACHE_MODE:-fcgid}
	MAX_BODY=$MAX_BODY MAX_PROCS=${E2E_PROCS:-2} apache_start "$APACHE_MODE" "$VAR" "$BUILD" "$PORT" ||
		{ show_logs; exit 2; }
	export MAX_TEST_SERVER="apache-$APACHE_MODE"
	MAX_TEST_WORKER_PARENT=$(apache_worker_parent "$VAR") && export MAX_TEST_WORKER_PARENT
else # lighttpd, the default (left unindented to keep this branch small)
# lighttpd's own limit stays above the worker's so the worker answers 413;
# two writers (one in production) so that the tests also see writes that
# race for SQLite's lock and counts shared between writing workers
sed -e "s#@PORT@#$PORT#g" -e "s#@VAR@#$VAR#g" -e "s#@BUILD@#$BUILD#g" \
	-e "s#@PROCS@#${E2E_PROCS:-2}#g" -e "s#@WRITERS@#${E2E_WRITERS:-2}#g" \
	-e "s#@MAXBODY_KB@#$((MAX_BODY * 2 / 1024 + 64))#g" \
	-e "s#@IDLE_S@#$IDLE_S#g" lighttpd/max.conf.in > "$VAR/lighttpd.conf"
./scripts/errorfiles.sh "$VAR/www/errors"
# VALGRIND=1: every worker runs under memcheck; its reports are checked
# after the server stops (make valgrind)
if [ "${VALGRIND:-0}" = 1 ]; then
	VG="$(command -v valgrind) --leak-check=full --show-leak-kinds=definite,indirect"
	VG="$VG --errors-for-leak-kinds=definite,indirect --log-file=$VAR/log/vg.%p"
	sed -i "s#\"bin-path\" *=> \"#\"bin-path\" => \"$VG #" "$VAR/lighttpd.conf"
fi
lighttpd -tt -f "$VAR/lighttpd.conf" > "$VAR/log/lighttpd.out" 2>&1 || {
	echo "e2e.sh: lighttpd rejects $VAR/lighttpd.conf" >&2
	show_logs
	exit 2
}

lighttpd -D -f "$VAR/lighttpd.conf" >> "$VAR/log/lighttpd.out" 2>&1 &
LPID=$!

up=0
for _ in $(seq "$([ "${VALGRIND:-0}" = 1 ] && echo 600 || echo 100)"); do
	if curl -fsS -o /dev/null --max-time 1 "$URL/info" 2>/dev/null; then
		up=1
		break
	fi
	kill -0 "$LPID" 2>/dev/null || break
	sleep 0.1
done
if [ "$up" != 1 ]; then
	echo "e2e.sh: GET $URL/info did not answer within 10 s" >&2
	show_logs
	exit 2
fi
export MAX_TEST_LIGHTTPD_PID="$LPID" MAX_TEST_IDLE_S="$IDLE_S"
fi

export MAX_TEST_URL="$URL" MAX_TEST_INI="$VAR/max.ini" MAX_TEST_BUILD="$BUILD" MAX_TEST_VAR="$VAR"
rc=0
"$BUILD/tests/e2e" "$@" || rc=$?
if [ "$rc" != 0 ]; then
	echo "e2e.sh: end-to-end tests failed (status $rc)" >&2
	show_logs
fi

# A sanitizer build reports worker errors (and leaks, at exit) only in the
# server's output: stop the server, then look.
stop_server
if grep -qE 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:' \
	"$VAR/log/lighttpd.out" "$VAR/log/error.log" 2>/dev/null; then
	echo "e2e.sh: a worker reported a sanitizer error:" >&2
	grep -hE -A30 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:' \
		"$VAR/log/lighttpd.out" "$VAR/log/error.log" | head -n 80 >&2
	[ "$rc" != 0 ] || rc=1
fi
if [ "${VALGRIND:-0}" = 1 ]; then
	n=$(ls "$VAR"/log/vg.* 2>/dev/null | wc -l)
	# a worker killed on purpose (the restart test) leaves no summary
	cut=$(grep -L 'ERROR SUMMARY' "$VAR"/log/vg.* 2>/dev/null | wc -l)
	bad=$(grep -lE 'ERROR SUMMARY: [1-9]' "$VAR"/log/vg.* 2>/dev/null || true)
	echo "e2e.sh: valgrind reports from $n worker processes ($cut killed before reporting)" >&2
	if [ "$n" = 0 ] || [ -n "$bad" ]; then
		for f in $bad; do
			echo "---- $f ----" >&2
			grep -E -A25 'definitely lost in|indirectly lost in|Invalid|uninitialised|ERROR SUMMARY' "$f" | head -n 80 >&2
		done
		[ "$rc" != 0 ] || rc=1
	fi
fi
exit "$rc"
