#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The packages build reproducibly: contrib/deb.sh twice, from copies of the
# tree in two different directories, with another time zone, locale and
# umask, gives the same bytes for every .deb (debug symbols included).
# SOURCE_DATE_EPOCH is debian/changelog's date (dpkg-buildpackage sets
# it): every file in the packages carries that time.  A difference is shown
# with diffoscope.  Builds only: runs as any user.
. "$(dirname "$0")/../cli/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

for p in dpkg-buildpackage dh git; do
	command -v "$p" >/dev/null || { skip "reproducible packages" "no $p"; finish; exit; }
done
[ -d "$SRC/.git" ] || [ -f "$SRC/.git" ] ||
    { skip "reproducible packages" "not a git checkout"; finish; exit; }

check "first build" env TZ=UTC LC_ALL=C.UTF-8 TMPDIR="$T" "$SRC/contrib/deb.sh" "$T/a"
mkdir "$T/other-place"
check "second build: another directory, time zone, locale and umask" \
    sh -c 'umask 002; exec env TZ=Pacific/Kiritimati LC_ALL=C TMPDIR="$1" "$2" "$3"' \
    sh "$T/other-place" "$SRC/contrib/deb.sh" "$T/b"

n=0
for a in "$T"/a/*.deb; do
	b=$T/b/${a##*/}
	n=$((n + 1))
	if cmp -s "$a" "$b"; then
		pass "${a##*/}: the same bytes"
	else
		fail "${a##*/}: the same bytes"
		if command -v diffoscope >/dev/null; then
			diffoscope --text - "$a" "$b" 2>&1 | head -60 | sed 's/^/#   /'
		fi
	fi
done
[ "$n" -ge 4 ] && pass "$n packages compared (two and their debug symbols)" ||
    fail "packages compared ($n)"

# Every file's time is the changelog's date, not the build's.
epoch=$(cd "$SRC" && dpkg-parsechangelog -STimestamp)
dpkg-deb --fsys-tarfile "$(ls "$T"/a/genfic-ca_*.deb)" | TZ=UTC tar -tv --full-time -f - |
    awk '{print $4" "$5}' | sort -u >"$T/times"
want=$(TZ=UTC date -d "@$epoch" '+%Y-%m-%d %H:%M:%S')
[ "$(cat "$T/times")" = "$want" ] &&
    pass "every file of genfic-ca dated SOURCE_DATE_EPOCH ($want)" ||
    fail "files of genfic-ca dated $(tr '\n' ' ' <"$T/times"), not $want"
finish
