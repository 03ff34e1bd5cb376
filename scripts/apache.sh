#!/bin/bash
# apache.sh — MAX behind Apache httpd instead of lighttpd, in a data folder.
#
#   apache.sh start MODE VAR BUILD PORT   start in the background, wait for
#                                         GET /info, print Apache's pid
#   apache.sh run   MODE VAR BUILD PORT   the same in the foreground (Ctrl-C)
#   apache.sh stop  VAR                   stop Apache and every worker
#
# MODE: fcgid (Apache spawns the workers, apache/max-fcgid.conf.in),
# proxy-fcgi (the workers listen on unix sockets of their own, started here
# by a small launcher; apache/max-proxy-fcgi.conf.in) or htaccess (the
# shared-host set-up: apache/htaccess.in in VAR/www). VAR must hold max.ini
# and the database. Everything Apache writes stays in VAR (pid file,
# mutexes, sockets, logs in VAR/log), so two servers side by side do not
# clash. scripts/e2e.sh and scripts/run.sh source this file when
# MAX_SERVER=apache.
#
#   MAX_PROCS         most max.fcgi processes (default 2)
#   MAX_BODY          [max] max_body_bytes; Apache's limit stays above it
#   MAX_APACHE_USER   the account the children and workers run as when
#                     started as root (default nobody; otherwise the caller)

APACHE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

apache_bin() {
	local b
	for b in apache2 httpd /usr/sbin/apache2 /usr/sbin/httpd; do
		command -v "$b" 2>/dev/null && return 0
	done
	echo "apache.sh: no apache2 or httpd found" >&2
	return 1
}

apache_moddir() {
	local d
	for d in /usr/lib/apache2/modules /usr/lib64/httpd/modules /usr/lib/httpd/modules \
		/usr/libexec/apache2 /usr/local/libexec/apache24; do
		[ -f "$d/mod_fcgid.so" ] && { echo "$d"; return 0; }
	done
	echo "apache.sh: mod_fcgid.so not found (install libapache2-mod-fcgid)" >&2
	return 1
}

# the account for the children and workers: Apache refuses to serve as root
apache_user() {
	if [ "$(id -u)" = 0 ]; then
		APACHE_USER=${MAX_APACHE_USER:-nobody}
		APACHE_GROUP=$(id -gn "$APACHE_USER")
	else
		APACHE_USER=$(id -un)
		APACHE_GROUP=$(id -gn)
	fi
}

# APACHE_AS: the prefix that runs a command as that account (setpriv
# execs, so a process started in the background keeps its pid)
apache_as() {
	APACHE_AS=()
	if [ "$(id -u)" = 0 ]; then
		APACHE_AS=(setpriv --reuid="$(id -u "$APACHE_USER")" --regid="$(id -g "$APACHE_USER")"
			--clear-groups)
	fi
}

apache_sub() { # template output: the @VAR@ substitutions of this run
	sed -e "s#@PORT@#$A_PORT#g" -e "s#@VAR@#$A_VAR#g" -e "s#@BUILD@#$A_BIN#g" \
		-e "s#@PROCS@#${MAX_PROCS:-2}#g" -e "s#@MAXBODY@#$A_LIMIT#g" \
		-e "s#@FCGIDMAXLEN@#$((A_LIMIT + 65536))#g" -e "s#@MODDIR@#$A_MODDIR#g" \
		-e "s#@USER@#$APACHE_USER#g" -e "s#@GROUP@#$APACHE_GROUP#g" \
		-e "s#@COMMON@#$A_VAR/apache-common.conf#g" -e "s#@SITE@#$A_SITE#g" \
		-e "s#@MAXSOCK@#$A_VAR/run/max.sock#g" -e "s#@OSIRISSOCK@#$A_VAR/run/osiris.sock#g" \
		"$1" > "$2"
}

# renders VAR/apache.conf for MODE; the workers' binaries are copied into
# VAR/bin when the server's account cannot reach BUILD (e.g. under /root)
apache_render() {
	A_MODE=$1 A_VAR=$2 A_PORT=$4 A_BIN=$3
	A_MODDIR=$(apache_moddir) || return 1
	A_LIMIT=$((${MAX_BODY:-10485760} * 2 + 65536))
	apache_user
	apache_as
	mkdir -p "$A_VAR/run/fcgid" "$A_VAR/log" "$A_VAR/www"
	: > "$A_VAR/run/mime.types"
	if ! "${APACHE_AS[@]}" test -x "$A_BIN/max.fcgi"; then
		mkdir -p "$A_VAR/bin"
		cp "$A_BIN/max.fcgi" "$A_BIN/osiris.fcgi" "$A_VAR/bin/"
		A_BIN=$A_VAR/bin
	fi
	local t=$APACHE_ROOT/apache
	case "$A_MODE" in
	fcgid | proxy-fcgi) A_SITE=apache-max.conf
		apache_sub "$t/max-common.conf.in" "$A_VAR/apache-common.conf"
		apache_sub "$t/max-$A_MODE.conf.in" "$A_VAR/$A_SITE" ;;
	htaccess) A_SITE=apache-host.conf
		apache_sub "$t/max-htaccess-host.conf.in" "$A_VAR/$A_SITE"
		apache_sub "$t/htaccess.in" "$A_VAR/www/.htaccess"
		local p
		for p in max osiris; do
			sed -e "s#@PROGRAM@#$A_BIN/$p.fcgi#g" -e "s#@INI@#$A_VAR/max.ini#g" \
				"$t/wrapper.fcgi.in" > "$A_VAR/www/$p.fcgi"
			chmod 755 "$A_VAR/www/$p.fcgi"
		done ;;
	*) echo "apache.sh: unknown mode '$A_MODE' (fcgid, proxy-fcgi, htaccess)" >&2
		return 1 ;;
	esac
	apache_sub "$t/httpd.conf.in" "$A_VAR/apache.conf"
	if [ "$(id -u)" = 0 ]; then
		chown -R "$APACHE_USER:$APACHE_GROUP" "$A_VAR"
	fi
	"$(apache_bin)" -t -f "$A_VAR/apache.conf" > "$A_VAR/log/apache.out" 2>&1 || {
		echo "apache.sh: Apache rejects $A_VAR/apache.conf:" >&2
		cat "$A_VAR/log/apache.out" >&2
		return 1
	}
}

# The launcher of proxy-fcgi mode: listens on SOCK, starts N copies of the
# program with the socket as standard input (the FastCGI convention, as
# spawn-fcgi or a systemd socket unit with StandardInput=socket do), starts
# a new one when one dies, and stops them all on SIGTERM.
# shellcheck disable=SC2016 # Perl, not shell
APACHE_LAUNCHER='
use strict; use IO::Socket::UNIX; use POSIX qw(dup2 WNOHANG);
my ($path, $n, @cmd) = @ARGV;
unlink $path;
my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $path, Listen => 128)
	or die "launcher: listen on $path: $!\n";
my (%kids, $stop);
$SIG{TERM} = $SIG{INT} = sub { $stop = 1 };
sub spawn {
	my $pid = fork;
	die "launcher: fork: $!\n" unless defined $pid;
	if (!$pid) { dup2(fileno($s), 0) or die "dup2: $!\n"; exec @cmd or die "exec $cmd[0]: $!\n" }
	$kids{$pid} = 1;
}
spawn() for 1 .. $n;
while (!$stop) {
	my $pid = waitpid(-1, WNOHANG);
	if ($pid > 0) { spawn() if delete $kids{$pid} and !$stop; next }
	select(undef, undef, undef, 0.05);
}
kill TERM => keys %kids;
for (1 .. 100) { last unless grep { waitpid($_, WNOHANG) == 0 } keys %kids; select(undef, undef, undef, 0.1) }
kill KILL => keys %kids;
unlink $path;
'

apache_launch() { # NAME PROCS: one launcher, its pid in VAR/run/NAME.launcher.pid
	"${APACHE_AS[@]}" perl -e "$APACHE_LAUNCHER" "$A_VAR/run/$1.sock" "$2" \
		"$A_BIN/$1.fcgi" -c "$A_VAR/max.ini" >> "$A_VAR/log/error.log" 2>&1 &
	echo $! > "$A_VAR/run/$1.launcher.pid"
}

apache_wait_up() { # waits up to 10 s for GET /info
	local _
	for _ in $(seq 100); do
		curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$A_PORT/info" 2>/dev/null && return 0
		kill -0 "$(cat "$A_VAR/run/apache.main.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "apache.sh: GET http://127.0.0.1:$A_PORT/info did not answer within 10 s" >&2
	return 1
}

# the pid of the process whose children are the max.fcgi workers
# (the launcher, or mod_fcgid's process manager)
apache_worker_parent() {
	if [ -s "$1/run/max.launcher.pid" ]; then
		# setpriv execs, so the launcher kept the pid
		cat "$1/run/max.launcher.pid"
		return
	fi
	local w
	w=$(pgrep -f "max.fcgi" | while read -r p; do
		grep -qs "$1" "/proc/$p/environ" "/proc/$p/cmdline" && echo "$p"
	done | head -n 1)
	[ -n "$w" ] && awk '{print $4}' "/proc/$w/stat"
}

apache_start() { # MODE VAR BUILD PORT
	apache_render "$@" || return 1
	if [ "$A_MODE" = proxy-fcgi ]; then
		apache_launch max "${MAX_PROCS:-2}"
		apache_launch osiris 2
	fi
	"$(apache_bin)" -DFOREGROUND -f "$A_VAR/apache.conf" >> "$A_VAR/log/apache.out" 2>&1 &
	echo $! > "$A_VAR/run/apache.main.pid"
	apache_wait_up
}

# Stops Apache (which stops the workers mod_fcgid spawned) and the
# launchers (which stop theirs), then anything left that was started from
# VAR; always returns 0.
apache_stop() {
	local var=$1 f p left _
	left=$(apache_descendants "$var" || true)
	for f in "$var/run/apache.main.pid" "$var/run/max.launcher.pid" "$var/run/osiris.launcher.pid"; do
		if [ -s "$f" ]; then kill -TERM "$(cat "$f")" 2>/dev/null || true; fi
	done
	for _ in $(seq 100); do
		p=0
		for f in $left; do kill -0 "$f" 2>/dev/null && p=1; done
		[ "$p" = 0 ] && break
		sleep 0.1
	done
	for f in $left; do kill -KILL "$f" 2>/dev/null || true; done
	rm -f "$var/run/apache.main.pid" "$var/run/max.launcher.pid" "$var/run/osiris.launcher.pid"
	return 0
}

# Apache, the launchers and all their descendants (workers included)
apache_descendants() {
	local f todo="" p c
	for f in "$1/run/apache.main.pid" "$1/run/max.launcher.pid" "$1/run/osiris.launcher.pid"; do
		[ -s "$f" ] && todo="$todo $(cat "$f")"
	done
	while [ -n "${todo// /}" ]; do
		# shellcheck disable=SC2086 # a list of pids
		set -- $todo
		p=$1
		shift
		todo="$*"
		kill -0 "$p" 2>/dev/null || continue
		echo "$p"
		for c in $(pgrep -P "$p" 2>/dev/null); do todo="$todo $c"; done
	done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	cmd=${1:-}
	[ $# -gt 0 ] && shift
	case "$cmd" in
	start)
		apache_start "$@" || { apache_stop "$2"; exit 1; }
		cat "$2/run/apache.main.pid" ;;
	run)
		trap 'apache_stop "$2"' EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		apache_start "$@" || exit 1
		wait "$(cat "$2/run/apache.main.pid")" ;;
	stop) apache_stop "$1" ;;
	*) sed -n '2,20p' "$0" >&2
		exit 2 ;;
	esac
fi
