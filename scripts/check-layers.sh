#!/bin/sh
# check-layers.sh — the layer rule of core/, checked on every `make check`.
#
#   util/  includes only util/
#   store/ includes util/ and store/
#   ldap/  includes util/ and ldap/ (the directory client, an edge like store/)
#   model/ includes util/, store/ and model/
#   http/  includes anything in core/
# and only store/ may include <sqlite3.h> or call sqlite3_* functions.
# Prints each breach and exits 1 when there is one.
cd "$(dirname "$0")/.." || exit 2
bad=0
breach() { echo "layers: $1" >&2; bad=1; }
for layer in util store ldap model; do
	case $layer in
	util) allowed="util" ;;
	store) allowed="util store" ;;
	ldap) allowed="util ldap" ;;
	model) allowed="util store model" ;;
	esac
	for f in core/$layer/*.[ch]; do
		[ -e "$f" ] || continue
		grep -o '#include "[a-z_]*/[a-z_]*\.h"' "$f" | sed 's/#include "//;s|/.*||' | sort -u |
		while read -r inc; do
			case " $allowed " in
			*" $inc "*) ;;
			*) echo "layers: $f includes $inc/ (a layer above $layer/)" >&2; echo x ;;
			esac
		done | grep -q x && bad=1
	done
done
for f in $(grep -l 'sqlite3\.h\|\bsqlite3_[a-z_]*(' core/*/*.[ch] tools/*.c fcgi/*.c 2>/dev/null); do
	case $f in core/store/*) ;; *) breach "$f uses SQLite directly (only core/store/ may)" ;; esac
done
exit $bad
