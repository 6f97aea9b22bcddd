#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Signing on a PKCS#11 token against signing with a key file, same key
# type, same run, interleaved (file, token, file, token, ...), medians:
#  - spool issuance: N P-256 requests (default 1000) signed by an issuing
#    CA whose key is RSA-3072 or P-256, in a file or on a SoftHSM2 token;
#  - genfic-ocspd live signing (nonce requests, wrk, 64 connections) with
#    --signer-key FILE against --signer-key pkcs11:... holding the same
#    P-256 key (the file imported into the token);
#  - openssl speed for each key type, the ceiling of a file key.
#   N=1000 GF_BENCH_RUNS=3 GF_BENCH_SECONDS=10 tests/bench/token.sh
. "$(dirname "$0")/lib.sh"
N=${N:-1000}
RUNS=${GF_BENCH_RUNS:-3}
SECS=${GF_BENCH_SECONDS:-10}
MODULE=""
for m in /usr/lib/softhsm/libsofthsm2.so \
    /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -r "$m" ] && MODULE=$m && break
done
[ -n "$MODULE" ] || { echo "bench: needs SoftHSM2 (softhsm2)" >&2; exit 1; }
export GENFIC_CA_PKCS11_MODULE=$MODULE
export SOFTHSM2_CONF="$T/softhsm2.conf"
mkdir "$T/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$T/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label bench --pin 123456 \
    --so-pin 12345678 >/dev/null
PIN="--passin pass:123456"
gca() { "$GENFIC_CA" "$@"; }

# Issuing CAs of each type, with the key in a file and on the token; the
# template gives the type (the root's key is a file, passphrase 123456).
mkdir "$T/tmpl"
for t in rsa:3072 ec:P-256; do
	sed "s/^key_type = .*/key_type = $t/" \
	    "$GENFIC_CA_TEMPLATES/system-ca.cnf" >"$T/tmpl/ca-${t%%:*}.cnf"
done
gca -r genfic -k ec:P-384 --passout pass:123456 --batch >/dev/null
for k in rsa ec; do
	gca -c file-$k -p genfic -t ca-$k --templates "$T/tmpl" \
	    --passin pass:123456 --passout pass:123456 --batch >/dev/null
	gca -c token-$k -p genfic -t ca-$k --templates "$T/tmpl" \
	    -k "pkcs11:token=bench;object=$k" $PIN --batch >/dev/null
done
mkdir "$T/spool"
"$GF_BENCH_CSRS" "$T/spool" "$N"

# spool CA: one sample of CA signing the spool again (--force), in a
# directory of its own.
spool() {
	mkdir -p "$T/out-$1"
	sample "$1" 0 "$GENFIC_CA" -p "$1" -s "$T/spool" -o "$T/out-$1" \
	    --force $PIN --batch
}
r=0
while [ $r -lt "$RUNS" ]; do
	for k in rsa ec; do
		spool file-$k
		spool token-$k
	done
	r=$((r + 1))
done
for ca in file-rsa token-rsa file-ec token-ec; do
	[ "$(ls "$T/out-$ca" | wc -l)" -eq "$N" ] ||
	    { echo "bench: $ca wrote $(ls "$T/out-$ca" | wc -l) of $N" >&2; exit 1; }
	openssl verify -CAfile "$GENFIC_CA_DIR/certs/genfic.crt" -untrusted \
	    "$GENFIC_CA_DIR/certs/$ca.crt" "$T/out-$ca/r000001.crt" >/dev/null ||
	    { echo "bench: $ca: a certificate does not verify" >&2; exit 1; }
done

# openssl speed ALG: "sign/s-1-core sign/s-all-cores".
speed() {
	s1=$(openssl speed -seconds 3 "$1" 2>/dev/null | awk -v p="$2" \
	    '$0 ~ p { v = $(NF-1) } END { print v }')
	sn=$(openssl speed -seconds 3 -multi "$(nproc)" "$1" 2>/dev/null |
	    awk -v p="$2" '$0 ~ p { v = $(NF-1) } END { print v }')
	echo "$s1 $sn"
}
set -- $(speed rsa3072 "^rsa 3072|3072 bits")
rsa1=$1 rsan=$2
set -- $(speed ecdsap256 "nistp256")
ec1=$1 ecn=$2
rate() { awk -v n="$N" -v t="$1" 'BEGIN { printf "%.0f", n / t }'; }

echo "Spool signing, $N P-256 requests (median of $RUNS, file and token" \
    "interleaved; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg))"
for k in rsa ec; do
	set -- $(summary file-$k)
	fw=$1 fc=$2
	set -- $(summary token-$k)
	tw=$1 tc=$2
	[ $k = rsa ] && sp="$rsa1 $rsan" name=RSA-3072 || sp="$ec1 $ecn" name=P-256
	printf '  %-9s file  %6s cert/s (%s s, CPU %s s)\n' $name \
	    "$(rate "$fw")" "$fw" "$fc"
	printf '  %-9s token %6s cert/s (%s s, CPU %s s)  token/file %s wall, %s CPU\n' \
	    $name "$(rate "$tw")" "$tw" "$tc" "$(ratio "$fw" "$tw")" \
	    "$(ratio "$tc" "$fc")"
	echo "  $name openssl speed: ${sp% *} sign/s on 1 core, ${sp#* } on $(nproc)"
done

# --- genfic-ocspd, nonce requests signed live: file key or token key.
command -v wrk >/dev/null || { echo "bench: needs wrk for the OCSP part" >&2; exit 0; }
. "$(dirname "$0")/ocsp-lib.sh"
gca -R "$T/resp" --nopass --subject "/CN=bench OCSP responder" --batch \
    >/dev/null 2>&1
gca -p file-ec -s "$T/resp.req" -t ocsp -o "$T/resp.crt" --passin pass:123456 \
    --batch >/dev/null 2>&1
openssl pkcs8 -topk8 -nocrypt -in "$T/resp.key" -out "$T/resp.p8"
softhsm2-util --import "$T/resp.p8" --token bench --label resp --id 0a \
    --pin 123456 >/dev/null
ocsp_requests "$GENFIC_CA_DIR/certs/file-ec.crt" file-ec
OCSPD=${GENFIC_OCSPD:-$gf_build/ocsp/genfic-ocspd}
root=""
[ "$(id -u)" -eq 0 ] && root=--allow-root
OPID=""
trap '[ -z "$OPID" ] || kill "$OPID" 2>/dev/null; rm -rf "$T"' EXIT
# start KEY: the daemon signing with KEY, on a free port; sets OPID, OURL.
start() {
	: >"$T/ocspd.log"
	"$OCSPD" --foreground -q -l 127.0.0.1:0 $root -d "$GENFIC_CA_DIR" \
	    --ca file-ec --signer-cert "$T/resp.crt" --signer-key "$1" \
	    $PIN >>"$T/ocspd.log" 2>&1 &
	OPID=$!
	i=0
	while ! grep -q '^genfic-ocspd: serving' "$T/ocspd.log"; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "bench: genfic-ocspd did not start:" >&2;
		    cat "$T/ocspd.log" >&2; exit 1; }
	done
	OURL=http://127.0.0.1:$(sed -n \
	    's/^genfic-ocspd: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$T/ocspd.log")
}
stop() {
	kill "$OPID"
	wait "$OPID" 2>/dev/null || true
	OPID=""
}
# nonce: "requests/s CPU-us-per-answer" of one wrk run of nonce requests
# against $OURL; the daemon's CPU (user + system, /proc/PID/stat) is what
# the token costs it, and load from other processes disturbs it less.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$OPID/stat"; }
nonce() {
	c0=$(cpu_ticks)
	GF_BENCH_BODY=$T/nonce.der wrk -t2 -c64 -d"${SECS}s" -s "$T/post.lua" \
	    "$OURL/" >"$T/wrk" 2>&1
	c1=$(cpu_ticks)
	awk -v ticks=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" '
	    /requests in/ { n = $1 } /^Requests\/sec:/ { rps = $2 }
	    /Non-2xx/ { bad = 1 }
	    END { printf "%d %.0f\n", bad ? 0 : rps,
		(n > 0) ? ticks * 1e6 / hz / n : 0 }' "$T/wrk"
}
: >"$T/ocsp-file"
: >"$T/ocsp-token"
r=0
while [ $r -lt "$RUNS" ]; do
	start "$T/resp.key"; nonce >>"$T/ocsp-file"; stop
	start "pkcs11:token=bench;object=resp"; nonce >>"$T/ocsp-token"; stop
	r=$((r + 1))
done
# med FILE COLUMN
med() {
	sort -n -k"$2" "$1" | sed -n "$(( (RUNS + 1) / 2 ))p" | cut -d' ' -f"$2"
}
of=$(med "$T/ocsp-file" 1) ofc=$(med "$T/ocsp-file" 2)
ot=$(med "$T/ocsp-token" 1) otc=$(med "$T/ocsp-token" 2)
echo "genfic-ocspd nonce requests, P-256 signer, 64 connections, ${SECS} s" \
    "(median of $RUNS, interleaved)"
echo "  --signer-key FILE        $of req/s, $ofc CPU us/answer" \
    "($(cut -d' ' -f1 "$T/ocsp-file" | tr '\n' ' '))"
echo "  --signer-key pkcs11:...  $ot req/s, $otc CPU us/answer" \
    "($(cut -d' ' -f1 "$T/ocsp-token" | tr '\n' ' '))"
echo "  token/file $(ratio "$ot" "$of") req/s, $(ratio "$otc" "$ofc") CPU per answer"
echo "  P-256 openssl speed: $ec1 sign/s on 1 core, $ecn on $(nproc)"
