#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the libFuzzer harnesses of tests/fuzz with clang, ASan and UBSan,
# and runs each for SECONDS from a copy of its seed corpus.  Exits 1 if any
# finds a crash, a leak, a timeout or undefined behaviour.
#
#   contrib/fuzz.sh SECONDS [HARNESS...]     (default: all of them)
#
# FUZZ_BUILD names the build directory (default build-fuzz).  Each run
# works in FUZZ_BUILD/fuzz-run/HARNESS: corpus/ is what it grew from the
# seeds, artifacts/ the inputs that failed, log the fuzzer's output.
# FUZZ_BUILD/fuzz-run/results has a line per harness for
# contrib/test-summary.py: NAME ok|FAIL EXECS SECONDS.
set -eu
usage() {
	echo "usage: contrib/fuzz.sh SECONDS" \
	    "[csr|ocsp|dn|template|get-path|keyshare|intake ...]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
secs=$1
shift
case $secs in
''|*[!0-9]*) usage ;;
esac
cd "$(dirname "$0")/.."
src=$(pwd)
build=${FUZZ_BUILD:-build-fuzz}
all="csr ocsp dn template get-path keyshare intake"
targets=${*:-$all}
for h in $targets; do
	case " $all " in
	*" $h "*) ;;
	*) usage ;;
	esac
done

results=$build/fuzz-run/results
rm -f "$results"
# shellcheck source=contrib/deps.sh
. contrib/deps.sh
install_deps clang libclang-rt-14-dev

if [ -d "$build" ]; then
	meson setup --reconfigure "$build" >/dev/null
else
	CC=clang meson setup "$build" -Dfuzz=true -Dtests=false \
	    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C "$build" >"$build/ninja.log" 2>&1 || {
	cat "$build/ninja.log"
	exit 1
}
mkdir -p "$build/fuzz-run"

# Longest input tried: room to grow past the seeds, and for dn past
# DN_MAX_TEXT (8192).
max_len() {
	case $1 in
	dn) echo 9000 ;;
	get-path) echo 4096 ;;
	intake) echo 16384 ;;
	*) echo 8192 ;;
	esac
}

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for h in $targets; do
	bin=$build/tests/fuzz/fuzz-$h
	run=$build/fuzz-run/$h
	rm -rf "$run"
	mkdir -p "$run/artifacts"
	cp -R "$src/tests/fuzz/corpus/$h" "$run/corpus"
	dict=
	[ -f "$src/tests/fuzz/$h.dict" ] && dict=-dict=$src/tests/fuzz/$h.dict
	rc=0
	# shellcheck disable=SC2086
	nice "$bin" -max_total_time="$secs" -max_len="$(max_len "$h")" \
	    -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$run/artifacts/" $dict "$run/corpus" \
	    >"$run/log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$run/log")
	files=$(find "$run/corpus" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz-$h: ${execs:-?} execs (${rate:-?}/s) in $secs s," \
		    "corpus $files, no finding"
		echo "$h ok ${execs:-0} $secs" >>"$results"
	else
		status=1
		echo "$h FAIL ${execs:-0} $secs" >>"$results"
		echo "fuzz-$h: FAILED (exit $rc) after ${execs:-?} execs;" \
		    "log $run/log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: )|runtime error' \
		    "$run/log" | head -5 | sed 's/^/    /'
		for a in "$run"/artifacts/*; do
			[ -f "$a" ] && echo "    input: $a" &&
			    echo "    replay: $bin $a"
		done
	fi
done
exit $status
