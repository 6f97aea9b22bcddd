#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A/B of the spool: N P-256 requests signed by a fresh P-256 CA with
# binary A and binary B, then the same spool again (every request
# skipped); PAIRS pairs whose order alternates (whichever runs first in a
# pair runs slower on a loaded machine), medians of wall and user + system
# CPU, and B/A.
#   N=10000 PAIRS=4 tests/bench/spool-ab.sh BASE-GENFIC-CA NEW-GENFIC-CA
. "$(dirname "$0")/lib.sh"
: "${GF_BENCH_CSRS:?}"
[ $# -eq 2 ] || { echo "usage: $0 A-GENFIC-CA B-GENFIC-CA" >&2; exit 2; }
A=$1 B=$2
N=${N:-10000}
PAIRS=${PAIRS:-4}

mkdir "$T/spool"
"$GF_BENCH_CSRS" "$T/spool" "$N" || exit 1

# once SIDE BIN RUN: "wall cpu" of a first run and of a re-run, appended to
# $T/SIDE.first and $T/SIDE.again.
once() {
	side=$1 bin=$2 run=$3
	GENFIC_CA_DIR=$T/store-$side-$run
	export GENFIC_CA_DIR
	"$bin" -r genfic -k ec:P-256 --passout pass:bench --batch >/dev/null 2>&1
	"$bin" -p genfic -c genfic-system --passin pass:bench \
	    --passout pass:bench --batch >/dev/null 2>&1
	mkdir "$T/out-$side-$run"
	for what in first again; do
		/usr/bin/time -f "%e %U %S" -o "$T/time" "$bin" -p genfic-system \
		    -s "$T/spool" -o "$T/out-$side-$run" --passin pass:bench \
		    --batch 2>"$T/err" >/dev/null
		grep -q "$([ $what = first ] && echo " $N signed" ||
		    echo " 0 signed, 0 refused, $N skipped")" "$T/err" ||
		    { echo "bench: $side $what: $(tail -1 "$T/err")" >&2; exit 1; }
		awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$T/time" \
		    >>"$T/$side.$what"
	done
}
i=1
while [ $i -le "$PAIRS" ]; do
	if [ $((i % 2)) -eq 1 ]; then once a "$A" $i; once b "$B" $i
	else once b "$B" $i; once a "$A" $i; fi
	i=$((i + 1))
done
# median FILE COLUMN
median() {
	cut -d' ' -f"$2" "$1" | sort -n | awk '{ v[NR] = $1 }
	    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "N=$N, $PAIRS pairs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %10s %10s %8s\n' "" A B B/A
for what in first again; do
	for col in 1:wall 2:cpu; do
		a=$(median "$T/a.$what" "${col%%:*}")
		b=$(median "$T/b.$what" "${col%%:*}")
		printf '%-22s %9ss %9ss %8s\n' "$what, ${col#*:}" "$a" "$b" \
		    "$(echo "$a $b" | awk '{ printf "%.2f", $2 / $1 }')"
	done
done
