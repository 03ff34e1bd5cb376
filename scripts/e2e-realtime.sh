#!/bin/bash
# e2e-realtime.sh BUILD — the realtime end-to-end suite (tests/e2e/test_realtime.c):
# MAX, max-bridge and a private RabbitMQ node together.
#
# Gives the suite a folder for the node (MAX_TEST_RABBITMQ_DIR) and runs it
# through scripts/e2e.sh (lighttpd, max.fcgi, osiris.fcgi on a free port;
# lighttpd proxies /stomp and /ws to max-relay's socket in its folder);
# the suite starts the node (scripts/rabbitmq.sh, web-STOMP, HTTP auth
# against osiris, management API for the assertions), max-bridge and
# max-relay there. The browser-grade STOMP clients of tests/stomp are
# installed with `npm ci` into BUILD/stomp-node (again only when
# package-lock.json changed) and found through MAX_TEST_NODE_PATH; without
# node or npm those tests say SKIPPED. Whatever happens, the relay, the
# bridge and the node are stopped and the folder removed afterwards.
# E2E_KEEP=1 keeps the folder.
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
