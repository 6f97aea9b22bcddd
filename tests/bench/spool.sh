#!/bin/sh
# Bulk issuance: N P-256 requests signed by a P-256 issuing CA, genfic-ca
# in one call against openssl ca -batch -infiles on the same requests, and
# against the limit 1 / (1/sign + 1/verify) of openssl speed ecdsap256.
#   N=10000 tests/bench/spool.sh
. "$(dirname "$0")/lib.sh"
: "${GF_BENCH_CSRS:?}"
N=${N:-10000}

mkdir "$T/spool"
"$GF_BENCH_CSRS" "$T/spool" "$N"

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
median() { sort -n | sed -n 2p; }
ours=$(for i in 1 2 3; do ours_once "$i"; done | median)
theirs=$(for i in 1 2 3; do theirs_once "$i"; done | median)

# openssl speed prints "256 bits ecdsa (nistp256) sign/s verify/s" as the
# last two columns of its table row.
openssl speed -seconds 3 ecdsap256 2>/dev/null | grep "nistp256" | tail -1 >"$T/speed"
sign=$(awk '{ print $(NF-1) }' "$T/speed")
verify=$(awk '{ print $NF }' "$T/speed")
limit1=$(awk -v s="$sign" -v v="$verify" 'BEGIN { printf "%.0f", 1 / (1/s + 1/v) }')
cores=$(nproc)
limitn=$((limit1 * cores))
rate() { awk -v n="$N" -v t="$1" 'BEGIN { printf "%.0f", n / t }'; }
# show LABEL "WALL RSS USER SYS": the rate, the times and the peak RSS.
show() {
	label=$1
	set -- $2
	printf '  %-30s %8s cert/s  (%s s, CPU %s s, %s KiB)\n' "$label" \
	    "$(rate "$1")" "$1" "$(awk -v u="$3" -v s="$4" 'BEGIN { print u + s }')" "$2"
}
r_ours=$(rate "${ours%% *}")
r_theirs=$(rate "${theirs%% *}")

echo "Bulk issuance of $N P-256 requests (median of 3; $cores cores; load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "  openssl speed ecdsap256: $sign sign/s, $verify verify/s per core"
printf '  %-30s %8s cert/s\n' "limit, 1 core" "$limit1" "limit, $cores cores" "$limitn"
show "openssl ca -infiles" "$theirs"
show "genfic-ca -s DIR -o DIR" "$ours"
echo "  genfic-ca: $(ratio "$r_ours" "$r_theirs") x openssl ca, $(ratio "$r_ours" "$limitn") of the $cores-core limit"
