#!/bin/bash
# backup.sh BUILD — maxctl backup under write load, and maxctl restore.
#
# A writer process commits numbered rows into the database one
# transaction at a time and records each number once its commit returned.
# While it writes, `maxctl backup` copies the database. The copy must pass
# SQLite's integrity check and hold every row acknowledged before the
# backup started (it may hold later ones too). The writer must have gone on
# committing during the backup (it is not held up). Then restore: refused
# while a process holds the database, refused for a corrupt copy or one of
# a newer schema; done once nobody holds it, and the database has the
# copy's rows and passes `maxctl check`.
set -euo pipefail

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
CTL=$(cd "$BUILD" && pwd)/maxctl
command -v sqlite3 > /dev/null || { echo "backup.sh: no sqlite3 shell; skipped" >&2; exit 0; }
T=$(mktemp -d "${TMPDIR:-/tmp}/max-backup.XXXXXX")
WPID=""
cleanup() {
	[ -z "$WPID" ] || { touch "$T/stop"; wait "$WPID" 2>/dev/null || true; }
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "backup.sh: $*" >&2; exit 1; }

"$CTL" config-template --var "$T/var" > "$T/max.ini"
"$CTL" -c "$T/max.ini" init > /dev/null
DB=$T/var/max.db
# some bulk, so that the copy takes a while: about 16 MB
sqlite3 "$DB" "PRAGMA journal_mode=WAL;
	CREATE TABLE load_test (i INTEGER PRIMARY KEY, pad BLOB NOT NULL);
	WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 16000)
	INSERT INTO load_test SELECT -k, randomblob(1000) FROM n;" > /dev/null

# the writer: row i committed, then i appended to acked
writer() {
	local i=1
	while [ ! -e "$T/stop" ]; do
		sqlite3 "$DB" ".timeout 5000" \
			"INSERT INTO load_test (i, pad) VALUES ($i, randomblob(2000));" \
			> /dev/null 2>&1 && echo "$i" >> "$T/acked"
		i=$((i + 1))
	done
}
writer &
WPID=$!
for _ in $(seq 100); do
	[ -f "$T/acked" ] && [ "$(wc -l < "$T/acked")" -ge 20 ] && break
	sleep 0.05
done
before=$(tail -n 1 "$T/acked")
[ "${before:-0}" -ge 1 ] || fail "the writer did not write"
"$CTL" -c "$T/max.ini" backup "$T/copy.db" 2> "$T/backup.log" || { cat "$T/backup.log" >&2; fail "backup failed"; }
after_backup=$(tail -n 1 "$T/acked")
sleep 0.3
touch "$T/stop" # the writer ends after its current commit
wait "$WPID" 2>/dev/null || true
WPID=""
last=$(tail -n 1 "$T/acked")
live_max=$(sqlite3 "$DB" 'SELECT max(i) FROM load_test')

[ "$(sqlite3 "$T/copy.db" 'PRAGMA integrity_check')" = ok ] || fail "the copy fails integrity_check"
[ ! -e "$T/copy.db-wal" ] || fail "the copy has a -wal beside it"
[ "$(stat -c %a "$T/copy.db")" = 600 ] || fail "the copy is not 0600"
have=$(sqlite3 "$T/copy.db" "SELECT count(*) FROM load_test WHERE i BETWEEN 1 AND $before")
[ "$have" = "$before" ] || fail "the copy holds $have of the $before rows acknowledged before it"
[ "$last" -gt "$before" ] || fail "the writer was held up by the backup"
in_copy=$(sqlite3 "$T/copy.db" "SELECT max(i) FROM load_test")
echo "backup.sh: copy holds rows 1..$in_copy; $before acknowledged before the backup," \
	"$after_backup when it ended, $last in all" >&2

# ---- restore ---------------------------------------------------------------
head -c 100000 /dev/urandom > "$T/junk.db"
if "$CTL" -c "$T/max.ini" restore "$T/junk.db" 2> /dev/null; then fail "a corrupt copy was restored"; fi
cp "$T/copy.db" "$T/newer.db"
sqlite3 "$T/newer.db" "PRAGMA user_version = 9999"
if "$CTL" -c "$T/max.ini" restore "$T/newer.db" 2> /dev/null; then fail "a newer schema was restored"; fi
exec 9< "$DB" # this shell holds the database, as a worker would
if "$CTL" -c "$T/max.ini" restore "$T/copy.db" 2> "$T/restore.log"; then
	fail "restored while the database was in use"
fi
grep -q 'is open in process' "$T/restore.log" || fail "no reason given: $(cat "$T/restore.log")"
exec 9<&-
[ "$(sqlite3 "$DB" 'SELECT max(i) FROM load_test')" = "$live_max" ] || fail "a refused restore changed the database"
"$CTL" -c "$T/max.ini" restore "$T/copy.db" 2> "$T/restore.log" || { cat "$T/restore.log" >&2; fail "restore failed"; }
[ "$(sqlite3 "$DB" 'SELECT max(i) FROM load_test')" = "$in_copy" ] || fail "the database is not the copy"
"$CTL" -c "$T/max.ini" check > /dev/null || fail "maxctl check after restore"
echo "backup.sh: ok"
