#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Bulk issuance: N P-256 requests signed by a P-256 issuing CA, genfic-ca
# in one call against openssl ca -batch -infiles on the same requests, and
# against the limit 1 / (1/sign + 1/verify) of openssl speed ecdsap256.
#   N=10000 tests/bench/spool.sh
. "$(dirname "$0")/lib.sh"
: "${GF_BENCH_CSRS:?}"
N=${N:-10000}

mkdir "$T/spool"
"$GF_BENCH_CSRS" "$T/spool" "$N" || exit 1

# Each run starts from a fresh CA in directories of its own.  Nothing is
# deleted before the end: ext4 skips recently deleted inodes when it
# allocates new ones, and 10 000 deletions would slow the next run's file
# creation several times over.
fresh_ca() {
	run=$1
	GENFIC_CA_DIR=$T/store-$run
	export GENFIC_CA_DIR
	"$GENFIC_CA" -r genfic -k ec:P-256 --passout pass:bench --batch >/dev/null
	"$GENFIC_CA" -p genfic -c genfic-system --passin pass:bench \
	    --passout pass:bench --batch >/dev/null
}
# ours_once RUN: "wall rss user sys" of -s DIR -o DIR; the same store is
# then signed again by rerun_once (every request skipped).
ours_once() {
	fresh_ca "ours-$1"
	out=$T/out-$run
	mkdir "$out"
	/usr/bin/time -f "%e %M %U %S" -o "$T/time" "$GENFIC_CA" \
	    -p genfic-system -s "$T/spool" -o "$out" --passin pass:bench \
	    --batch 2>/dev/null
	[ "$(ls "$out" | wc -l)" -eq "$N" ] ||
	    { echo "bench: genfic-ca wrote $(ls "$out" | wc -l) of $N" >&2; exit 1; }
	cat "$T/time"
}
rerun_once() {
	GENFIC_CA_DIR=$T/store-ours-$1
	/usr/bin/time -f "%e %M %U %S" -o "$T/time" "$GENFIC_CA" \
	    -p genfic-system -s "$T/spool" -o "$T/out-ours-$1" \
	    --passin pass:bench --batch 2>"$T/rerun.err"
	grep -q " 0 signed, 0 refused, $N skipped" "$T/rerun.err" ||
	    { echo "bench: the re-run did not skip all $N" >&2; exit 1; }
	cat "$T/time"
}
# stream_once RUN: the same, the certificates as one PEM stream on stdout.
stream_once() {
	fresh_ca "stream-$1"
	/usr/bin/time -f "%e %M %U %S" -o "$T/time" "$GENFIC_CA" \
	    -p genfic-system -s "$T/spool" --passin pass:bench \
	    --batch >"$T/stream-$1.pem" 2>/dev/null
	[ "$(grep -c 'BEGIN CERTIFICATE' "$T/stream-$1.pem")" -eq "$N" ] ||
	    { echo "bench: the stream does not hold $N certificates" >&2; exit 1; }
	rm "$T/stream-$1.pem"
	cat "$T/time"
}
theirs_once() {
	fresh_ca "theirs-$1"
	rm -rf "$T/oca"
	openssl_ca_dir genfic-system
	mkdir -p "$T/oca/new-$run" && echo 01 >"$T/oca/serial" &&
	    : >"$T/oca/index.txt"
	sed -i "s|new_certs_dir = .*|new_certs_dir = $T/oca/new-$run|" \
	    "$T/oca/ca.cnf"
	/usr/bin/time -f "%e %M %U %S" -o "$T/time" openssl ca -batch \
	    -config "$T/oca/ca.cnf" -out "$T/oca/all.pem" \
	    -infiles "$T"/spool/*.req >/dev/null 2>&1
	mv "$T/oca/new-$run" "$T/new-$run"
	cat "$T/time"
}
# The peers' runs interleaved, so that a change of load hits them all.
for i in 1 2 3; do
	ours_once "$i" >>"$T/ours.runs"
	rerun_once "$i" >>"$T/rerun.runs"
	stream_once "$i" >>"$T/stream.runs"
	theirs_once "$i" >>"$T/theirs.runs"
done
median() { sort -n "$1" | sed -n 2p; }
ours=$(median "$T/ours.runs")
rerun=$(median "$T/rerun.runs")
stream=$(median "$T/stream.runs")
theirs=$(median "$T/theirs.runs")

# openssl speed prints "256 bits ecdsa (nistp256) sign/s verify/s" as the
# last two columns of its table row; with -multi, the sums of the
# processes.  The 2-core limit is measured, not doubled: the two vCPUs of a
# virtual machine need not add up to two cores.
speed() {
	openssl speed -seconds 3 "$@" ecdsap256 2>/dev/null | grep "nistp256" |
	    tail -1 | awk '{ printf "%s %s %.0f\n", $(NF-1), $NF,
	        1 / (1/$(NF-1) + 1/$NF) }'
}
cores=$(nproc)
set -- $(speed)
sign=$1 verify=$2 limit1=$3
set -- $(speed -multi "$cores")
signn=$1 verifyn=$2 limitn=$3
rate() { awk -v n="$N" -v t="$1" 'BEGIN { printf "%.0f", n / t }'; }
# show LABEL "WALL RSS USER SYS": the rate, the times and the peak RSS.
show() {
	label=$1
	set -- $2
	printf '  %-30s %8s cert/s  (%s s, CPU %s s, %s KiB)\n' "$label" \
	    "$(rate "$1")" "$1" "$(awk -v u="$3" -v s="$4" 'BEGIN { print u + s }')" "$2"
}
r_ours=$(rate "${ours%% *}")
r_stream=$(rate "${stream%% *}")
r_theirs=$(rate "${theirs%% *}")

echo "Bulk issuance of $N P-256 requests (median of 3; $cores cores; load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "  openssl speed ecdsap256: $sign sign/s, $verify verify/s on 1 core;" \
    "$signn, $verifyn with -multi $cores"
printf '  %-30s %8s cert/s\n' "limit, 1 core" "$limit1" "limit, $cores cores" "$limitn"
show "openssl ca -infiles" "$theirs"
show "genfic-ca -s DIR -o DIR" "$ours"
show "genfic-ca -s DIR > stream" "$stream"
show "genfic-ca -s DIR again (skips)" "$rerun"
echo "  genfic-ca -o DIR: $(ratio "$r_ours" "$r_theirs") x openssl ca, $(ratio "$r_ours" "$limitn") of the $cores-core limit"
echo "  genfic-ca stream: $(ratio "$r_stream" "$r_theirs") x openssl ca, $(ratio "$r_stream" "$limitn") of the $cores-core limit"
