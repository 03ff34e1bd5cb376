#!/bin/bash
# install.sh BUILD — `make install` checked (part of make check, quick).
#
# 1. make install DESTDIR=tmp: the tree (programs, workers, sql/, templates,
#    man pages, units, sysusers, tmpfiles, cron, logrotate, max.ini) and no
#    @PLACEHOLDER@ left in what was installed;
# 2. the installed maxctl: --help, config-template, and init + check
#    against a temp config (the database and folders the owner's only);
#    every installed sql/ view answers; the man pages format without
#    warnings;
# 3. make install PREFIX=tmp (so the paths in the units exist) and
#    systemd-analyze verify of every unit, when systemd-analyze exists;
# 4. socket activation: max.fcgi started by systemd-socket-activate (the
#    socket passed as fd 3, LISTEN_FDS) answers GET /info through lighttpd,
#    when both exist.
# Everything happens in a temp folder, removed at the end.
set -euo pipefail

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
T=$(mktemp -d "${TMPDIR:-/tmp}/max-install.XXXXXX")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "install.sh: $*" >&2; exit 1; }
MAKE_Q=(make --no-print-directory -s BUILD="$BUILD")

# ---- 1. the tree ----------------------------------------------------------
D=$T/root
"${MAKE_Q[@]}" install DESTDIR="$D" PREFIX=/usr/local > "$T/install.log" 2>&1 ||
	{ cat "$T/install.log" >&2; fail "make install failed"; }
for f in usr/local/sbin/maxctl usr/local/lib/max/max.fcgi usr/local/lib/max/osiris.fcgi \
	usr/local/share/max/max.ini.example usr/local/share/max/lighttpd/max.conf.in \
	usr/local/share/max/lighttpd/lighttpd-systemd.conf \
	usr/local/share/man/man8/maxctl.8 usr/local/share/man/man8/max-bridge.8 \
	usr/local/share/man/man8/max-ldap-sync.8 usr/local/share/man/man5/max.ini.5 \
	usr/local/lib/systemd/system/max.socket usr/local/lib/systemd/system/max@.service \
	usr/local/lib/systemd/system/max-write.socket usr/local/lib/systemd/system/max-write.service \
	usr/local/lib/systemd/system/osiris.socket usr/local/lib/systemd/system/osiris@.service \
	usr/local/lib/systemd/system/max-bridge.service usr/local/lib/systemd/system/max-relay.service etc/sysusers.d/max.conf \
	etc/tmpfiles.d/max.conf etc/cron.d/max-ldap-sync etc/logrotate.d/max etc/max/max.ini; do
	[ -f "$D/$f" ] || fail "$f not installed"
done
for p in "$BUILD"/max-bridge "$BUILD"/max-relay "$BUILD"/max-ldap-sync; do
	[ ! -x "$p" ] || [ -x "$D/usr/local/sbin/$(basename "$p")" ] ||
		fail "$(basename "$p") built but not installed"
done
[ ! -e "$D/usr/local/lib/max/hello.fcgi" ] || fail "the benchmark worker was installed"
[ -x "$D/usr/local/sbin/maxctl" ] || fail "maxctl not executable"
n_sql=$(ls sql/*.sql | wc -l)
[ "$(ls "$D"/usr/local/share/max/sql/*.sql | wc -l)" = "$n_sql" ] || fail "sql/ not all installed"
[ "$(stat -c %a "$D/etc/max")" = 750 ] || fail "etc/max is not 0750"
[ "$(stat -c %a "$D/etc/max/max.ini")" = 640 ] || fail "max.ini is not 0640"
if grep -rlE '@(SBINDIR|LIBEXECDIR|SYSCONFDIR|STATEDIR|LOGDIR|DATADIR|KEYS|COMMANDS)@' "$D"; then
	fail "placeholders left in the files above"
fi
grep -q "ExecStart=/usr/local/lib/max/max.fcgi -c /etc/max/max.ini" \
	"$D/usr/local/lib/systemd/system/max@.service" || fail "max@.service ExecStart"
grep -q '^path = /var/lib/max/max.db$' "$D/etc/max/max.ini" || fail "max.ini [store] path"
# an existing max.ini is kept
echo "# mine" > "$D/etc/max/max.ini"
"${MAKE_Q[@]}" install DESTDIR="$D" PREFIX=/usr/local > /dev/null 2>&1
[ "$(cat "$D/etc/max/max.ini")" = "# mine" ] || fail "make install overwrote max.ini"

# ---- 2. the installed maxctl ---------------------------------------------
CTL=$D/usr/local/sbin/maxctl
"$CTL" --help | grep -q 'restore FILE' || fail "maxctl --help"
"$CTL" forget --help | grep -q 'tombstones' || fail "maxctl forget --help"
"$CTL" config-template > "$T/template.ini" || fail "maxctl config-template (a key lacks its explanation?)"
cmp -s "$T/template.ini" "$D/usr/local/share/max/max.ini.example" || fail "max.ini.example is stale"
"$CTL" config-template --var "$T/var" > "$T/max.ini"
"$CTL" -c "$T/max.ini" init > /dev/null || fail "maxctl init"
[ "$(stat -c %a "$T/var/max.db")" = 600 ] || fail "the database is not 0600"
[ "$(stat -c %a "$T/var/files")" = 700 ] || fail "the files folder is not 0700"
"$CTL" -c "$T/max.ini" check > /dev/null || fail "maxctl check"
"$CTL" -c "$T/max.ini" stats --json | grep -q '"schema_version"' || fail "maxctl stats --json"
# every installed sql/ file reads, and each of its views answers
if command -v sqlite3 > /dev/null; then
	for f in "$D"/usr/local/share/max/sql/*.sql; do
		views=$(sqlite3 "$T/var/max.db" -cmd ".read $f" \
			"SELECT name FROM sqlite_temp_master WHERE type = 'view'") || fail "$f does not read"
		for v in $views; do
			sqlite3 "$T/var/max.db" -cmd ".read $f" "SELECT count(*) FROM $v" > /dev/null ||
				fail "$(basename "$f"): view $v fails"
		done
	done
fi
if command -v groff > /dev/null; then
	for m in "$D"/usr/local/share/man/man*/*; do
		out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$m" 2>&1)
		[ -z "$out" ] || fail "$(basename "$m"): $out"
	done
fi

# ---- 3. the units --------------------------------------------------------
P=$T/prefix
"${MAKE_Q[@]}" install PREFIX="$P" SYSCONFDIR="$P/etc" STATEDIR="$T/var" LOGDIR="$T/log" \
	> /dev/null 2>&1 || fail "make install PREFIX=$P failed"
if command -v systemd-analyze > /dev/null; then
	U=$P/lib/systemd/system
	out=$(timeout 60 systemd-analyze verify --man=no "$U/max.socket" "$U/max@.service" \
		"$U/max-write.socket" "$U/max-write.service" \
		"$U/osiris.socket" "$U/osiris@.service" "$U/max-bridge.service" "$U/max-relay.service" 2>&1) ||
		fail "systemd-analyze verify: $out"
	[ -z "$out" ] || fail "systemd-analyze verify: $out"
else
	echo "install.sh: no systemd-analyze; the units were not verified" >&2
fi

# ---- 4. socket activation ------------------------------------------------
if command -v systemd-socket-activate > /dev/null && command -v lighttpd > /dev/null &&
	command -v curl > /dev/null; then
	port=$(for p in $(shuf -i 20000-60000 -n 20); do
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; break; }; done)
	mkdir -p "$T/www" "$T/run"
	sed -e "s#/run/max/max.sock#$T/run/max.sock#" -e "s#/run/max/osiris.sock#$T/run/osiris.sock#" \
		-e "s#/run/max/max-write.sock#$T/run/max-write.sock#" \
		dist/lighttpd-systemd.conf > "$T/fcgi.conf"
	cat > "$T/lighttpd.conf" <<-CONF
		server.bind = "127.0.0.1"
		server.port = $port
		server.document-root = "$T/www"
		server.errorlog = "$T/lighttpd.log"
		include "$T/fcgi.conf"
	CONF
	systemd-socket-activate -l "$T/run/max.sock" \
		"$P/lib/max/max.fcgi" -c "$T/max.ini" > "$T/worker.log" 2>&1 &
	PIDS+=($!)
	systemd-socket-activate -l "$T/run/max-write.sock" \
		"$P/lib/max/max.fcgi" -c "$T/max.ini" > "$T/writer.log" 2>&1 &
	PIDS+=($!)
	lighttpd -D -f "$T/lighttpd.conf" > "$T/lighttpd.out" 2>&1 &
	PIDS+=($!)
	ok=""
	# up to 30 s: the first request starts the worker, which creates the
	# database. 5 s was once not enough, in a local run with no other
	# load (the cause was not found: lighttpd.out is shown now too)
	for _ in $(seq 300); do
		if curl -fsS "http://127.0.0.1:$port/info" 2>/dev/null | grep -q '"version"'; then
			ok=1
			break
		fi
		sleep 0.1
	done
	[ -n "$ok" ] || { cat "$T/worker.log" "$T/lighttpd.log" "$T/lighttpd.out" >&2 2>/dev/null || true;
		fail "max.fcgi did not answer on the socket systemd passed"; }
	# a write goes to max-write.socket's worker: MAX's own JSON error (no
	# credentials), not lighttpd's 503 for a socket nobody serves
	st=$(curl -sS -o "$T/write.json" -w '%{http_code}' -X POST -d '{}' \
		"http://127.0.0.1:$port/people/nobody/activities")
	[ "$st" = 400 ] && grep -q '"objectType":"error"' "$T/write.json" ||
		{ cat "$T/writer.log" "$T/lighttpd.log" >&2 2>/dev/null || true;
			fail "a POST through max-write.sock answered $st"; }
else
	echo "install.sh: no systemd-socket-activate, lighttpd or curl; socket activation not tested" >&2
fi
echo "install.sh: ok"
