#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A tarball from meson dist configures with werror off (a newer compiler's
# new warning must not fail a release build); the tree keeps it on.
. "$(dirname "$0")/../cli/lib.sh"
: "${MESON_BUILD_ROOT:?}"
src=$(cd "$(dirname "$0")/../.." && pwd)

werror_of() {
	meson introspect --buildoptions "$1" | python3 -c '
import json, sys
print([o["value"] for o in json.load(sys.stdin) if o["name"] == "werror"][0])'
}

if ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	skip "meson dist" "not a git checkout"
	finish
	exit
fi
grep -q "'werror=true'" "$src/meson.build" &&
    pass "the tree's meson.build defaults to werror=true" ||
    fail "the tree's meson.build defaults to werror=true"
check "meson dist --no-tests" meson dist -C "$MESON_BUILD_ROOT" --no-tests \
    --allow-dirty --formats gztar
tarball=$(ls "$MESON_BUILD_ROOT"/meson-dist/genfic-ca-*.tar.gz 2>/dev/null | head -1)
mkdir "$T/x"
check "the tarball unpacks" tar -xzf "$tarball" -C "$T/x"
tree=$(ls -d "$T"/x/genfic-ca-* | head -1)
check "meson setup of the tarball" meson setup "$T/b" "$tree" -Dtests=false
[ "$(werror_of "$T/b")" = False ] && pass "the tarball's build has werror off" ||
    fail "the tarball's build has werror $(werror_of "$T/b")"
finish
