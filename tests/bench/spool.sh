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

# Each run starts from a fresh CA, so the store does not grow between runs.
ours_once() {
	rm -rf "$T/store" "$T/out" && mkdir "$T/out"
	"$GENFIC_CA" -r genfic -k ec:P-256 --passout pass:bench --batch >/dev/null
	"$GENFIC_CA" -p genfic -c genfic-system --passin pass:bench \
	    --passout pass:bench --batch >/dev/null
	/usr/bin/time -f "%e %M" -o "$T/time" "$GENFIC_CA" -p genfic-system \
	    -s "$T/spool" -o "$T/out" --passin pass:bench --batch 2>/dev/null
	cat "$T/time"
}
theirs_once() {
	rm -rf "$T/store" "$T/oca"
	"$GENFIC_CA" -r genfic -k ec:P-256 --passout pass:bench --batch >/dev/null
	"$GENFIC_CA" -p genfic -c genfic-system --passin pass:bench \
	    --passout pass:bench --batch >/dev/null
	openssl_ca_dir genfic-system
	mkdir -p "$T/oca/new" && echo 01 >"$T/oca/serial" && : >"$T/oca/index.txt"
	sed -i "s|new_certs_dir = .*|new_certs_dir = $T/oca/new|" "$T/oca/ca.cnf"
	/usr/bin/time -f "%e %M" -o "$T/time" openssl ca -batch -config "$T/oca/ca.cnf" \
	    -out "$T/oca/all.pem" -infiles "$T"/spool/*.req >/dev/null 2>&1
	cat "$T/time"
}
median() { sort -n | sed -n 2p; }
ours=$(for i in 1 2 3; do ours_once; done | median)
[ "$(ls "$T/out" | wc -l)" -eq "$N" ] || { echo "bench: genfic-ca wrote $(ls "$T/out" | wc -l) of $N" >&2; exit 1; }
theirs=$(for i in 1 2 3; do theirs_once; done | median)

# openssl speed prints "256 bits ecdsa (nistp256) sign/s verify/s" as the
# last two columns of its table row.
openssl speed -seconds 3 ecdsap256 2>/dev/null | grep "nistp256" | tail -1 >"$T/speed"
sign=$(awk '{ print $(NF-1) }' "$T/speed")
verify=$(awk '{ print $NF }' "$T/speed")
limit1=$(awk -v s="$sign" -v v="$verify" 'BEGIN { printf "%.0f", 1 / (1/s + 1/v) }')
cores=$(nproc)
limitn=$((limit1 * cores))
rate() { awk -v n="$N" -v t="$1" 'BEGIN { printf "%.0f", n / t }'; }
r_ours=$(rate "${ours% *}")
r_theirs=$(rate "${theirs% *}")

echo "Bulk issuance of $N P-256 requests (median of 3; $cores cores)"
echo "  openssl speed ecdsap256: $sign sign/s, $verify verify/s per core"
printf '  %-30s %8s cert/s\n' "limit, 1 core" "$limit1" "limit, $cores cores" "$limitn"
printf '  %-30s %8s cert/s  (%s s, %s KiB)\n' "openssl ca -infiles" "$r_theirs" $theirs
printf '  %-30s %8s cert/s  (%s s, %s KiB)\n' "genfic-ca -s DIR -o DIR" "$r_ours" $ours
echo "  genfic-ca: $(ratio "$r_ours" "$r_theirs") x openssl ca, $(ratio "$r_ours" "$limitn") of the $cores-core limit"
