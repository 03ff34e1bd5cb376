#!/bin/sh
# Installs the Debian packages MAX needs to build, test and run, only when missing.
# Idempotent: a second run installs nothing and touches no network.
set -eu

PKGS="build-essential pkg-config clang libfcgi-dev libjson-c-dev libsqlite3-dev sqlite3
libscrypt-dev libssl-dev libcunit1-dev libcurl4-openssl-dev curl lighttpd wrk valgrind
libgd-dev rabbitmq-server slapd ldap-utils libldap-dev librabbitmq-dev
libwebsockets-dev libwebsockets-evlib-ev libev-dev apache2 libapache2-mod-fcgid
libfuzzer-14-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
