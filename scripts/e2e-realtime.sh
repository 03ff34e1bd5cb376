#!/bin/bash
# e2e-realtime.sh BUILD — the realtime end-to-end suite (tests/e2e/test_realtime.c):
# MAX, max-bridge and a private RabbitMQ node together.
#
# Gives the suite a folder for the node (MAX_TEST_RABBITMQ_DIR) and runs it
# through scripts/e2e.sh (lighttpd, max.fcgi, osiris.fcgi on a free port;
# lighttpd proxies /stomp and /ws to max-relay's socket in its folder);
# the suite starts the node (scripts/rabbitmq.sh, web-STOMP, HTTP auth
# against osiris, management API for the assertions), max-bridge and
# max-relay there. A fake FCM endpoint (build/tests/fake_fcm) stands in for
# Google: a key pair and a service-account file are made for it, and the
# suite turns the bridge's push sender on against it (MAX_TEST_FCM_DIR).
# The browser-grade STOMP clients of tests/stomp are installed with
# `npm ci` into BUILD/stomp-node (again only when package-lock.json
# changed) and found through MAX_TEST_NODE_PATH; without node or npm those
# tests say SKIPPED. Whatever happens, the relay, the bridge, the fake, the
# STOMP clients and the node are stopped and the folder removed
# afterwards. E2E_KEEP=1 keeps the folder.
set -euo pipefail

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
for p in max-bridge max-relay; do
	[ -x "$BUILD/$p" ] || { echo "e2e-realtime.sh: $BUILD/$p missing" >&2; exit 2; }
done

# the node modules of tests/stomp, outside the source tree
install_node_modules() {
	local dir="$BUILD/stomp-node"
	command -v node > /dev/null && command -v npm > /dev/null || {
		echo "e2e-realtime.sh: node or npm missing: the STOMP client tests are skipped" >&2
		return 0
	}
	if [ ! -d "$dir/node_modules" ] || ! cmp -s tests/stomp/package-lock.json "$dir/package-lock.json"; then
		mkdir -p "$dir"
		rm -f "$dir/package-lock.json"
		cp tests/stomp/package.json tests/stomp/package-lock.json "$dir/"
		if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error > npm.log 2>&1); then
			echo "e2e-realtime.sh: npm ci failed (see $dir/npm.log): the STOMP client tests are skipped" >&2
			rm -f "$dir/package-lock.json"
			return 0
		fi
	fi
	MAX_TEST_NODE_PATH=$(cd "$dir/node_modules" && pwd)
	export MAX_TEST_NODE_PATH
}
install_node_modules

# under /tmp, not a private temp folder: the node runs as user rabbitmq
RDIR=$(mktemp -d /tmp/max-rabbitmq.XXXXXX)
chmod 755 "$RDIR"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local pid p
	pid=$(cat "$RDIR/fcm/pid" 2>/dev/null || true)
	if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = fake_fcm ]; then
		kill -TERM "$pid" 2>/dev/null || true
	fi
	# STOMP clients a failed test left running (tests/stomp/realtime.js)
	for p in "$RDIR"/node.*.pid; do
		pid=$(cat "$p" 2>/dev/null || true)
		if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = node ]; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	for p in max-relay max-bridge; do
		pid=$(cat "$RDIR/$p.pid" 2>/dev/null || true)
		if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$p" ]; then
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
	./scripts/rabbitmq.sh stop "$RDIR" || true
	for p in max-bridge max-relay; do
		if [ "$rc" != 0 ] && [ -s "$RDIR/$p.log" ]; then
			echo "---- tail of $p's log ----" >&2
			tail -n 30 "$RDIR/$p.log" >&2
		fi
	done
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "e2e-realtime.sh: kept $RDIR" >&2
	else
		rm -rf "$RDIR"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# the fake FCM: a key pair, the fake on a free port, a service account
FCM="$RDIR/fcm"
mkdir -p "$FCM"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$FCM/key.pem" 2> /dev/null
openssl pkey -in "$FCM/key.pem" -pubout -out "$FCM/public.pem"
"$BUILD/tests/fake_fcm" "$FCM/public.pem" "$FCM/log" "$FCM/port" 2> "$FCM/stderr" &
echo $! > "$FCM/pid"
for _ in $(seq 50); do [ -s "$FCM/port" ] && break; sleep 0.1; done
[ -s "$FCM/port" ] || { echo "e2e-realtime.sh: the fake FCM did not start" >&2; exit 1; }
# a PEM holds only base64, dashes and spaces: newlines are all to escape
KEY=$(awk '{printf "%s\\n", $0}' "$FCM/key.pem")
cat > "$FCM/sa.json" <<JSON
{"type": "service_account", "project_id": "max-e2e", "private_key_id": "k1",
 "private_key": "$KEY", "client_email": "bridge@max-e2e.iam.gserviceaccount.com",
 "token_uri": "http://127.0.0.1:$(cat "$FCM/port")/token"}
JSON
export MAX_TEST_FCM_DIR="$FCM"

export MAX_TEST_RABBITMQ_DIR="$RDIR"
./scripts/e2e.sh "$BUILD" realtime
# the suite stopped the bridge and the relay: a sanitizer build has reported by now
for p in max-bridge max-relay; do
	if grep -qE 'ERROR: (Address|Leak|Memory)Sanitizer|runtime error:' "$RDIR/$p.log" 2>/dev/null; then
		echo "e2e-realtime.sh: $p reported a sanitizer error:" >&2
		grep -hE -A30 'ERROR: (Address|Leak|Memory)Sanitizer|runtime error:' "$RDIR/$p.log" | head -n 60 >&2
		exit 1
	fi
done
