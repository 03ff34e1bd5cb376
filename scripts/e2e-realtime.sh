#!/bin/bash
# e2e-realtime.sh BUILD — the realtime end-to-end suite (tests/e2e/test_realtime.c):
# MAX, max-bridge and a private RabbitMQ node together.
#
# Gives the suite a folder for the node (MAX_TEST_RABBITMQ_DIR) and runs it
# through scripts/e2e.sh (lighttpd, max.fcgi, osiris.fcgi on a free port);
# the suite starts the node (scripts/rabbitmq.sh, web-STOMP, HTTP auth
# against osiris, management API for the assertions) and max-bridge there.
# A fake FCM endpoint (build/tests/fake_fcm) stands in for Google: a key
# pair and a service-account file are made for it, and the suite turns the
# bridge's push sender on against it (MAX_TEST_FCM_DIR).
# Whatever happens, the bridge, the fake and the node are stopped and the
# folder removed afterwards. E2E_KEEP=1 keeps the folder.
set -euo pipefail

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -x "$BUILD/max-bridge" ] || { echo "e2e-realtime.sh: $BUILD/max-bridge missing" >&2; exit 2; }

# under /tmp, not a private temp folder: the node runs as user rabbitmq
RDIR=$(mktemp -d /tmp/max-rabbitmq.XXXXXX)
chmod 755 "$RDIR"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local pid
	pid=$(cat "$RDIR/fcm/pid" 2>/dev/null || true)
	if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = fake_fcm ]; then
		kill -TERM "$pid" 2>/dev/null || true
	fi
	pid=$(cat "$RDIR/bridge.pid" 2>/dev/null || true)
	if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = max-bridge ]; then
		kill -TERM "$pid" 2>/dev/null || true
	fi
	./scripts/rabbitmq.sh stop "$RDIR" || true
	if [ "$rc" != 0 ] && [ -s "$RDIR/bridge.log" ]; then
		echo "---- tail of the bridge's log ----" >&2
		tail -n 30 "$RDIR/bridge.log" >&2
	fi
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
# the suite stopped the bridge: a sanitizer build has reported by now
if grep -qE 'ERROR: (Address|Leak|Memory)Sanitizer|runtime error:' "$RDIR/bridge.log" 2>/dev/null; then
	echo "e2e-realtime.sh: max-bridge reported a sanitizer error:" >&2
	grep -hE -A30 'ERROR: (Address|Leak|Memory)Sanitizer|runtime error:' "$RDIR/bridge.log" | head -n 60 >&2
	exit 1
fi
