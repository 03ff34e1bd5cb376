#!/bin/bash
# e2e-ldap.sh BUILD — the tests that need a real directory.
#
# Starts a throw-away slapd (scripts/slapd.sh, tests/ldap/fixture.ldif) in a
# temp folder, runs BUILD/tests/ldap_client against it (the LDAP client and
# the credential store functions), then scripts/e2e.sh with the token
# server's LDAP store pointed at it ([oauth] stores = local, ldap) for the
# "ldap" and "osiris" suites, and the "ldapsync" suite (max-ldap-sync) against
# a second slapd of its own, which it changes freely. Always stops both
# slapds and removes the folder.
# The tests find slapd through MAX_TEST_SLAPD_DIR (they stop and restart it)
# and MAX_TEST_SLAPD (this repository's scripts/slapd.sh); the sync's slapd
# through MAX_TEST_SYNC_SLAPD_DIR.
set -euo pipefail

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
for p in tests/ldap_client tests/e2e osiris.fcgi max-ldap-sync; do
	if [ ! -x "$BUILD/$p" ]; then
		echo "e2e-ldap.sh: $BUILD/$p missing (run make first)" >&2
		exit 2
	fi
done

D=$(mktemp -d "${TMPDIR:-/tmp}/max-ldap.XXXXXX")
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	"$ROOT/scripts/slapd.sh" stop "$D/slapd" || true
	"$ROOT/scripts/slapd.sh" stop "$D/slapd-sync" || true
	rm -rf "$D"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

URL=$("$ROOT/scripts/slapd.sh" start "$D/slapd")
export MAX_TEST_SLAPD_DIR="$D/slapd" MAX_TEST_SLAPD="$ROOT/scripts/slapd.sh"
"$ROOT/scripts/slapd.sh" start "$D/slapd-sync" > /dev/null
export MAX_TEST_SYNC_SLAPD_DIR="$D/slapd-sync"

"$BUILD/tests/ldap_client"

cat > "$D/ldap.ini" <<INI

# added by scripts/e2e-ldap.sh
[oauth]
stores = local, ldap
[ldap]
url = $URL
bind_dn = cn=ldap,dc=example,dc=org
bind_password = ldapsvcpw
user_base = ou=users,dc=example,dc=org
connect_timeout_s = 1
timeout_s = 1
INI
E2E_EXTRA_INI="$D/ldap.ini" ./scripts/e2e.sh "$BUILD" ldap osiris ldapsync
