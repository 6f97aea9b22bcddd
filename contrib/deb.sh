#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the Debian packages genfic-ca and genfic-ocspd from a copy of the
# files git tracks (as they are in the work tree: no build directory or
# untracked file leaks in) and puts the .deb files, with their .buildinfo
# and .changes, in OUTDIR (default: the current directory).
#
#   contrib/deb.sh [OUTDIR]
#
# DEB_BUILD_OPTIONS=nocheck by default: no CUnit, no unit tests; set
# DEB_BUILD_OPTIONS= to run the unit tests in the build.  The packages are
# not signed (-us -uc).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-.}" && cd "${1:-.}" && pwd)
. "$top/contrib/deps.sh"
install_deps

work=$(mktemp -d "${TMPDIR:-/tmp}/genfic-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/genfic-ca"
git -C "$top" ls-files -z | (cd "$top" && tar --null -T - -cf -) |
    tar -x -C "$work/genfic-ca"
# Every source file dated debian/changelog's entry (SOURCE_DATE_EPOCH),
# not its checkout: dpkg-deb clamps newer times only, and an older file's
# time would otherwise vary from one checkout to the next.
sde=$(dpkg-parsechangelog -l "$work/genfic-ca/debian/changelog" -STimestamp)
find "$work/genfic-ca" -exec touch -h -d "@$sde" {} +
(
	cd "$work/genfic-ca"
	export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS-nocheck}"
	dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1 ||
	    { tail -40 "$work/build.log" >&2
	      echo "genfic-ca: dpkg-buildpackage: failed (log above)" >&2
	      exit 1; }
)
for f in "$work"/*.deb "$work"/*.ddeb "$work"/*.buildinfo "$work"/*.changes; do
	[ -e "$f" ] && cp "$f" "$out/"
done
ls "$out"/genfic-ca_*.deb "$out"/genfic-ocspd_*.deb
