#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# No call of a banned function (docs/security.md, "Banned functions") in
# the sources of src/, ocsp/, include/ and tests/, nor in the objects the
# build made of them.
#
# Two checks, as each misses what the other sees: the sources, comments
# stripped by the preprocessor, for NAME( (a compiler turns strcpy() of a
# constant into stores, so no symbol is left of it); and nm -u of every
# object, for the symbols and their _FORTIFY_SOURCE __NAME_chk forms (a
# call a macro made, which the source does not spell).
. "$(dirname "$0")/../cli/lib.sh"
: "${MESON_BUILD_ROOT:?}"
src=$(cd "$(dirname "$0")/../.." && pwd)

banned="strcpy strcat strncpy strncat sprintf vsprintf gets atoi atol atoll
atof strtok gmtime localtime asctime ctime tmpnam tempnam mktemp alloca"
alt=$(printf "%s" "$banned" | tr -s " \n" "||")

# FILE: "FILE:LINE: text" for each call of a banned function.
calls_in() {
	cpp -fpreprocessed -dD "$1" 2>/dev/null | awk -v f="${1#"$src"/}" -v re="(^|[^A-Za-z0-9_])($alt)[ \t]*[(]" '
	    /^# [0-9]+ / { line = $2 - 1; next }
	    { line++ }
	    $0 ~ re { print f ":" line ": " $0 }'
}

found=$(find "$src/src" "$src/ocsp" "$src/include" "$src/tests" \
    -name '*.[ch]' | LC_ALL=C sort | while read -r f; do calls_in "$f"; done)
nfiles=$(find "$src/src" "$src/ocsp" "$src/include" "$src/tests" \
    -name '*.[ch]' | wc -l)
if [ -z "$found" ]; then
	pass "no banned call in the $nfiles C files of src/ ocsp/ include/ tests/"
else
	fail "banned calls in the sources"
	printf "%s\n" "$found" | sed 's/^/#   /'
fi

objs=$(find "$MESON_BUILD_ROOT" -name '*.o' ! -path '*/meson-private/*')
# shellcheck disable=SC2086
syms=$(nm -u -A $objs | awk -v re="^(__)?($alt)(_chk)?$" '
    { s = $NF; sub(/@.*/, "", s) } s ~ re { print $1, s }')
nobjs=$(echo "$objs" | grep -c .)
if [ "$nobjs" -eq 0 ]; then
	fail "no object found under $MESON_BUILD_ROOT"
elif [ -z "$syms" ]; then
	pass "no banned symbol in the $nobjs objects of the build"
else
	fail "banned symbols in the objects"
	printf "%s\n" "$syms" | sed 's/^/#   /'
fi
finish
