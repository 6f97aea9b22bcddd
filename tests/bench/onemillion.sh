#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks 2 and 5 of the scale issue, on one store of N certificates
# filled once (gf-bench-fill, as listing.sh):
#
# Latency: one `genfic-ca -s` call (one P-256 request, P-256 issuing CA)
# into the store of N certificates and into an empty store, against
# `openssl ca -batch` on an index.txt of N lines and on an empty one.  Both
# programs sign with the same CA key, in two forms: as genfic-ca keeps it
# (PKCS#8 under scrypt, N=2^14), and unencrypted, to show what the rest of
# the call costs.  genfic-ca never writes an unencrypted CA key: for those
# runs only, its key file is replaced by the unencrypted PKCS#8.
#
# Memory: the peak RSS of those calls, of a spool of SPOOL requests
# (-s DIR -o DIR, against openssl ca -infiles on the N-line index), and of
# -e 30, all at N certificates.
#
# RUNS calls of each (default 5), interleaved: the median wall and CPU time,
# and the highest peak RSS.  With GF_BENCH_CALLGRIND=1, one call of each
# also runs under callgrind, whose instruction counts a loaded machine does
# not change (openssl ca at 10^6 takes minutes there).
#
#   N=1000000 RUNS=5 SPOOL=10000 tests/bench/onemillion.sh
#   (GF_BENCH_BUILD=DIR: the programs of DIR, default build/;
#    GF_BENCH_CACHE=DIR: keep the filled store there for the next run)
. "$(dirname "$0")/lib.sh"
N=${N:-1000000}
RUNS=${RUNS:-5}
SPOOL=${SPOOL:-10000}
SPOOL_RUNS=${SPOOL_RUNS:-3}
for p in "$GF_BENCH_CSRS" "$GF_BENCH_TIME"; do
	[ -x "$p" ] || { echo "bench: no $p: build first" >&2; exit 1; }
done
echo "load at the start:$(uptime | sed 's/.*load/ load/') ($(nproc) CPUs)"

mkdir "$T/one" "$T/spool" "$T/out"
"$GF_BENCH_CSRS" "$T/one" 1 || exit 1
"$GF_BENCH_CSRS" "$T/spool" "$SPOOL" || exit 1
req=$T/one/r000000.req

# The empty store (its two CAs only), then the full one.
full=$GENFIC_CA_DIR
GENFIC_CA_DIR=$T/empty
make_store 0 0
GENFIC_CA_DIR=$full
start=$(date +%s)
make_store "$N" 2
echo "filled $N certificates in $(( $(date +%s) - start )) s"
count() { sqlite3 "$T/$1/ca.db" "SELECT count(*) FROM cert"; }
[ "$(count store)" -eq $((N + 2)) ] ||
    { echo "bench: the store holds $(count store) certificates, want $((N + 2))" >&2; exit 1; }

# The CA key of each store in both forms; use_key STORE FORM puts one in place.
for s in store empty; do
	cp "$T/$s/private/genfic-system.key" "$T/$s.scrypt.key"
	openssl pkey -in "$T/$s.scrypt.key" -passin pass:bench -out "$T/$s.plain.key"
done
use_key() { cp "$T/$1.$2.key" "$T/$1/private/genfic-system.key"; }

# openssl ca directories with the full store's CA: an index of N lines
# (valid, unique serials and subjects, notAfter spread over two years as in
# the store) and an empty one.  reset_oca DIR restores them before each run.
ossl_dir() {
	d=$T/$1
	mkdir -p "$d/new"
	cp "$T/store/certs/genfic-system.crt" "$d/ca.crt"
	awk -v n="$2" -v now="$(date +%s)" 'BEGIN {
	    for (i = 0; i < n; i++)
	        printf "V\t%s\t\t10%014X\tunknown\t/O=Gentoo Fictional, Inc./CN=host-%d.bench.example\n",
	            strftime("%y%m%d%H%M%SZ", now + (1 + i % 730) * 86400, 1), i, i
	}' >"$d/index.keep"
	echo 2000000000000000 >"$d/serial.keep"
	# The extensions of genfic-ca's "system" template (keyEncipherment
	# is dropped for EC keys), and the request's subjectAltName.
	cat >"$d/ca.cnf" <<EOC
[ca]
default_ca = bench
[bench]
dir = $d
database = $d/index.txt
certificate = $d/ca.crt
private_key = $T/store.plain.key
new_certs_dir = $d/new
serial = $d/serial
default_md = sha256
default_days = 3650
policy = any
unique_subject = no
copy_extensions = copy
x509_extensions = leaf
[any]
commonName = supplied
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOC
}
reset_oca() {
	rm -rf "$T/$1/new" "$T/$1/index.txt.attr"* "$T/$1/index.txt.old"
	mkdir "$T/$1/new"
	cp "$T/$1/index.keep" "$T/$1/index.txt"
	cp "$T/$1/serial.keep" "$T/$1/serial"
}
ossl_dir ocaN "$N"
ossl_dir oca0 0
[ "$(wc -l <"$T/ocaN/index.keep")" -eq "$N" ]

# --- Latency of one call --------------------------------------------------
i=0
while [ "$i" -lt "$RUNS" ]; do
	for form in scrypt plain; do
		for s in store empty; do
			use_key "$s" "$form"
			sample "ours-$s-$form" 0 "$GENFIC_CA" -d "$T/$s" \
			    -p genfic-system -s "$req" -o "$T/$s.crt" --force \
			    --passin pass:bench --batch
		done
		for d in ocaN oca0; do
			reset_oca "$d"
			sample "theirs-$d-$form" 0 openssl ca -batch -notext \
			    -config "$T/$d/ca.cnf" -keyfile "$T/store.$form.key" \
			    -passin pass:bench -in "$req" -out "$T/$d/out.pem" \
			    -outdir "$T/$d/new"
		done
	done
	i=$((i + 1))
done
use_key store scrypt
use_key empty scrypt
# Every run signed; the certificates verify.
[ "$(count store)" -eq $((N + 2 + 2 * RUNS)) ] && [ "$(count empty)" -eq $((2 + 2 * RUNS)) ] ||
    { echo "bench: the stores did not gain $((2 * RUNS)) certificates each" >&2; exit 1; }
for c in "$T/store.crt" "$T/ocaN/out.pem"; do
	openssl verify -CAfile "$T/store/certs/genfic.crt" \
	    -untrusted "$T/store/certs/genfic-system.crt" "$c" >/dev/null
done
# /usr/bin/time -v's own reading of one call at N, next to gf-bench-time's.
/usr/bin/time -v "$GENFIC_CA" -p genfic-system -s "$req" -o "$T/store.crt" \
    --force --passin pass:bench --batch 2>"$T/time-v" >/dev/null
time_v=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time-v")

# --- Memory: a spool at N (and into the empty store), and -e 30 -------------
i=0
while [ "$i" -lt "$SPOOL_RUNS" ]; do
	for s in store empty; do
		rm -rf "$T/out" && mkdir "$T/out"
		sample "ours-spool-$s" 0 "$GENFIC_CA" -d "$T/$s" -p genfic-system \
		    -s "$T/spool" -o "$T/out" --force --passin pass:bench --batch
		[ "$(ls "$T/out" | wc -l)" -eq "$SPOOL" ] ||
		    { echo "bench: genfic-ca wrote $(ls "$T/out" | wc -l) of $SPOOL" >&2; exit 1; }
	done
	reset_oca ocaN
	sample theirs-spool 0 openssl ca -batch -notext -config "$T/ocaN/ca.cnf" \
	    -keyfile "$T/store.scrypt.key" -passin pass:bench \
	    -out "$T/ocaN/spool.pem" -outdir "$T/ocaN/new" -infiles "$T"/spool/*.req
	# (OpenSSL 3.0's -out keeps the last certificate only; -outdir has all.)
	[ "$(ls "$T/ocaN/new" | wc -l)" -eq "$SPOOL" ] ||
	    { echo "bench: openssl ca wrote $(ls "$T/ocaN/new" | wc -l) of $SPOOL" >&2; exit 1; }
	sample e30 3 "$GENFIC_CA" -e 30
	i=$((i + 1))
done
rows=$("$GENFIC_CA" -e 30 | tail -n +2 | wc -l || true)

# --- Instructions of one call (GF_BENCH_CALLGRIND=1) -------------------------
instr() {	# instr NAME CMD...
	gf_name=$1
	shift
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 \
	    >/dev/null | sed -n 's/.*I *refs: *//p' | tr -d , >"$T/$gf_name.instr"
	[ -s "$T/$gf_name.instr" ] || { echo "bench: callgrind failed: $*" >&2; exit 1; }
}
if [ "${GF_BENCH_CALLGRIND:-0}" = 1 ]; then
	command -v valgrind >/dev/null || { echo "bench: GF_BENCH_CALLGRIND needs valgrind" >&2; exit 1; }
	for form in plain scrypt; do
		for s in store empty; do
			use_key "$s" "$form"
			instr "ours-$s-$form" "$GENFIC_CA" -d "$T/$s" -p genfic-system \
			    -s "$req" -o "$T/$s.crt" --force --passin pass:bench --batch
		done
		for d in ocaN oca0; do
			reset_oca "$d"
			instr "theirs-$d-$form" openssl ca -batch -notext \
			    -config "$T/$d/ca.cnf" -keyfile "$T/store.$form.key" \
			    -passin pass:bench -in "$req" -out "$T/$d/out.pem" \
			    -outdir "$T/$d/new"
		done
	done
	use_key store scrypt
	use_key empty scrypt
fi

# --- Report -------------------------------------------------------------------
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
row() {	# row LABEL NAME
	set -- "$1" $(summary "$2")
	printf '  %-46s %8s ms %8s ms %8s MiB\n' "$1" "$(ms "$2")" "$(ms "$3")" "$(mib "$4")"
}
field() { summary "$1" | cut -d' ' -f"$2"; }
echo
echo "One -s call, one P-256 request, P-256 CA: median of $RUNS (wall, CPU), highest peak RSS"
for form in scrypt plain; do
	if [ "$form" = scrypt ]; then
		echo " CA key under scrypt, as genfic-ca keeps it (openssl ca: -passin)"
	else
		echo " CA key unencrypted (for genfic-ca: a benchmark-only swap of its key file)"
	fi
	row "genfic-ca -s, store of $N" "ours-store-$form"
	row "genfic-ca -s, empty store" "ours-empty-$form"
	row "openssl ca -batch, index of $N lines" "theirs-ocaN-$form"
	row "openssl ca -batch, empty index" "theirs-oca0-$form"
	printf '  %s\n' \
	    "genfic-ca $N/empty: wall $(ratio "$(field "ours-store-$form" 1)" "$(field "ours-empty-$form" 1)"), CPU $(ratio "$(field "ours-store-$form" 2)" "$(field "ours-empty-$form" 2)");" \
	    "openssl ca $N/empty: wall $(ratio "$(field "theirs-ocaN-$form" 1)" "$(field "theirs-oca0-$form" 1)"), CPU $(ratio "$(field "theirs-ocaN-$form" 2)" "$(field "theirs-oca0-$form" 2)");" \
	    "openssl ca / genfic-ca at $N: wall $(ratio "$(field "theirs-ocaN-$form" 1)" "$(field "ours-store-$form" 1)") x, CPU $(ratio "$(field "theirs-ocaN-$form" 2)" "$(field "ours-store-$form" 2)") x, peak RSS $(ratio "$(field "theirs-ocaN-$form" 3)" "$(field "ours-store-$form" 3)") x;" \
	    "openssl ca / genfic-ca, empty: wall $(ratio "$(field "theirs-oca0-$form" 1)" "$(field "ours-empty-$form" 1)") x, CPU $(ratio "$(field "theirs-oca0-$form" 2)" "$(field "ours-empty-$form" 2)") x"
done
w=$(field ours-store-scrypt 1)
echo " goal: under 20 ms wall at $N: $(awk -v w="$w" 'BEGIN { print (w < 0.020 ? "met" : "MISSED") }') ($(ms "$w") ms)"

echo
echo "Peak RSS at $N certificates (highest of the runs; wall and CPU: medians)"
row "genfic-ca -s, one request (from above)" ours-store-scrypt
echo "    (/usr/bin/time -v, one more call: Maximum resident set size $time_v KiB)"
row "openssl ca -batch, one request (from above)" theirs-ocaN-scrypt
row "genfic-ca -s DIR -o DIR, $SPOOL requests" ours-spool-store
row "  the same into the empty store" ours-spool-empty
row "openssl ca -batch -infiles, $SPOOL requests" theirs-spool
row "genfic-ca -e 30 ($rows rows)" e30
for n in ours-store-scrypt ours-spool-store e30; do
	echo "$n $(field "$n" 3)"
done | awk '{ printf " goal: under 30 MiB for %s: %s (%.1f MiB)\n", $1,
    $2 < 30 * 1024 ? "met" : "MISSED", $2 / 1024 }'
echo " openssl ca / genfic-ca peak RSS: one request $(ratio "$(field theirs-ocaN-scrypt 3)" "$(field ours-store-scrypt 3)") x, $SPOOL requests $(ratio "$(field theirs-spool 3)" "$(field ours-spool-store 3)") x"
rate() { awk -v n="$SPOOL" -v t="$(field "$1" 1)" 'BEGIN { printf "%.0f", n / t }'; }
echo " spool: genfic-ca $(rate ours-spool-store) cert/s at $N ($(rate ours-spool-empty) into the empty store), openssl ca -infiles $(rate theirs-spool) cert/s"

if [ "${GF_BENCH_CALLGRIND:-0}" = 1 ]; then
	echo
	echo "Instructions of one call (callgrind; the same whatever the load)"
	for form in scrypt plain; do
		for n in ours-store ours-empty theirs-ocaN theirs-oca0; do
			printf '  %-12s %-7s %14s\n' "$n" "$form" "$(cat "$T/$n-$form.instr")"
		done
		ins() { cat "$T/$1-$form.instr"; }
		echo "  $form: genfic-ca $N/empty $(ratio "$(ins ours-store)" "$(ins ours-empty)"), openssl ca $N/empty $(ratio "$(ins theirs-ocaN)" "$(ins theirs-oca0)"), openssl ca / genfic-ca at $N $(ratio "$(ins theirs-ocaN)" "$(ins ours-store)") x, empty $(ratio "$(ins theirs-oca0)" "$(ins ours-empty)") x"
	done
	echo "  scrypt's share of genfic-ca's call at $N: $(awk -v a="$(cat "$T/ours-store-scrypt.instr")" -v b="$(cat "$T/ours-store-plain.instr")" 'BEGIN { printf "%.0f%%", 100 * (a - b) / a }')"
fi
echo "load at the end:$(uptime | sed 's/.*load/ load/')"
