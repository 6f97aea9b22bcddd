#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what is missing, builds, and runs every test twice: a plain
# build and an ASan+UBSan build; builds everything with clang too and runs
# its C tests and build checks; then each fuzzer for 60 s (clang, ASan and
# UBSan).  The Debian package tests (tests/pkg) run in the plain build only.
# Exits non-zero on any failure.
set -eu
cd "$(dirname "$0")/.."
. contrib/deps.sh
install_deps

# run_suite DIR [SETUP-OPTION...] [-- TEST...]: every test, or the TESTs.
run_suite() {
	dir=$1; shift
	setup=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		setup="$setup $1"; shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" $setup >/dev/null
	else
		meson setup "$dir" $setup >/dev/null
	fi
	ninja -C "$dir" >/dev/null
	# shellcheck disable=SC2086
	meson test -C "$dir" --print-errorlogs --num-processes 2 ${TEST_ARGS:-} \
	    "$@" || status=1
}

status=0
echo "== build and test"
run_suite build
echo "== ASan + UBSan build and test"
# The package tests (suite pkg) build from the tree, not from build-asan:
# once is enough.
TEST_ARGS="--no-suite pkg" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false
# clang sees what gcc does not (uninitialised variables on early exits):
# the whole tree with -Werror; the end-to-end scripts ran above.
echo "== clang build, C tests and build checks"
CC=clang run_suite build-clang -- unit ocsp-responder hardening banned
echo "== fuzz, 60 s each harness, ASan + UBSan"
contrib/fuzz.sh 60 || status=1
python3 contrib/test-summary.py build/meson-logs/testlog.json \
    build-asan/meson-logs/testlog.json build-clang/meson-logs/testlog.json \
    --fuzz build-fuzz/fuzz-run/results || status=1
exit $status
