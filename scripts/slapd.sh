#!/bin/bash
# slapd.sh start|stop|status DIR — a throw-away OpenLDAP server for the tests.
#
# start: writes DIR/slapd.conf, loads the fixture (SLAPD_FIXTURE, default
#   tests/ldap/fixture.ldif) with slapadd the first time, and starts slapd on
#   free loopback ports: ldap:// (StartTLS offered) and ldaps://, with a
#   self-signed certificate whose CA file is DIR/ca.pem. Waits until a
#   service bind works, then prints the ldap:// URL. The URLs also land in
#   DIR/url and DIR/ldaps_url. A second start on the same DIR after a stop
#   keeps the data and the ports (tests stop and restart it).
# stop: stops the slapd of DIR (TERM, then KILL); always succeeds.
# status: exit 0 when the slapd of DIR is running.
#
# Suffix dc=example,dc=org; rootdn cn=admin,dc=example,dc=org / rootpw
# (for ldapmodify in tests); the service account of the fixture is
# cn=ldap,dc=example,dc=org / ldapsvcpw. Each DIR is independent, so several
# can run side by side.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CMD=${1:-}
DIR=${2:-}
if [ -z "$CMD" ] || [ -z "$DIR" ]; then
	echo "usage: $0 start|stop|status DIR" >&2
	exit 2
fi
SUFFIX="dc=example,dc=org"
ROOTDN="cn=admin,$SUFFIX"
ROOTPW="rootpw"
SERVICE_DN="cn=ldap,$SUFFIX"
SERVICE_PW="ldapsvcpw"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

running() {
	[ -s "$DIR/slapd.pid" ] && kill -0 "$(cat "$DIR/slapd.pid")" 2>/dev/null
}

do_stop() {
	[ -d "$DIR" ] || return 0
	[ -s "$DIR/slapd.pid" ] || return 0
	local pid
	pid=$(cat "$DIR/slapd.pid")
	# only our slapd: the pid must belong to a slapd reading DIR's config
	if ! tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$DIR/slapd.conf"; then
		rm -f "$DIR/slapd.pid"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$DIR/slapd.pid"
	return 0
}

write_cert() {
	[ -s "$DIR/ca.pem" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj "/CN=127.0.0.1" \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		-keyout "$DIR/key.pem" -out "$DIR/ca.pem" > "$DIR/openssl.log" 2>&1
	cp "$DIR/ca.pem" "$DIR/cert.pem"
}

write_conf() {
	cat > "$DIR/slapd.conf" <<CONF
# written by scripts/slapd.sh
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $DIR/slapd.pid
argsfile $DIR/slapd.args
TLSCertificateFile $DIR/cert.pem
TLSCertificateKeyFile $DIR/key.pem
# small on purpose: a search of every user needs paged results (RFC 2696)
sizelimit size.soft=3 size.hard=3 size.prtotal=unlimited
database mdb
maxsize 67108864
suffix "$SUFFIX"
rootdn "$ROOTDN"
rootpw $ROOTPW
directory $DIR/db
access to attrs=userPassword
	by self write
	by anonymous auth
	by * none
access to *
	by dn.exact="$SERVICE_DN" read
	by self read
	by * none
CONF
}

do_start() {
	mkdir -p "$DIR"
	DIR=$(cd "$DIR" && pwd)
	if running; then
		cat "$DIR/url"
		return 0
	fi
	write_cert
	write_conf
	if [ ! -d "$DIR/db" ]; then
		mkdir -p "$DIR/db"
		slapadd -q -f "$DIR/slapd.conf" -l "${SLAPD_FIXTURE:-$ROOT/tests/ldap/fixture.ldif}" \
			> "$DIR/slapadd.log" 2>&1 || {
			cat "$DIR/slapadd.log" >&2
			rm -rf "$DIR/db"
			return 1
		}
	fi
	local attempt port tport
	for attempt in 1 2 3; do
		if [ -s "$DIR/port" ] && [ "$attempt" = 1 ]; then
			port=$(cat "$DIR/port")
			tport=$(cat "$DIR/tls_port")
		else
			port=$(free_port)
			tport=$(free_port)
		fi
		echo "ldap://127.0.0.1:$port" > "$DIR/url"
		echo "ldaps://127.0.0.1:$tport" > "$DIR/ldaps_url"
		echo "$port" > "$DIR/port"
		echo "$tport" > "$DIR/tls_port"
		# -d 0 would keep it in the foreground; the daemon writes its pidfile
		if slapd -f "$DIR/slapd.conf" -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$tport/" \
			> "$DIR/slapd.log" 2>&1; then
			for _ in $(seq 100); do
				if ldapwhoami -x -H "ldap://127.0.0.1:$port" -D "$SERVICE_DN" \
					-w "$SERVICE_PW" > /dev/null 2>&1; then
					cat "$DIR/url"
					return 0
				fi
				sleep 0.05
			done
			do_stop
		fi
		echo "slapd.sh: slapd did not start on port $port (attempt $attempt)" >&2
	done
	cat "$DIR/slapd.log" >&2
	return 1
}

case $CMD in
start) do_start ;;
stop) do_stop ;;
status) running ;;
*)
	echo "usage: $0 start|stop|status DIR" >&2
	exit 2
	;;
esac
