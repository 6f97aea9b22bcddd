#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Two genfic-ocspd builds on one store, interleaved: A, B, A, B, ... for
# each kind of request, one daemon at a time (each started afresh, so that
# neither shares the other's -shm), median of GF_BENCH_RUNS (3) runs of
# wrk (64 connections, GF_BENCH_SECONDS, default 10), with the daemon's
# CPU time per answer (user + system, from /proc/PID/stat), which load from
# other processes disturbs far less than requests/s.  For a before/after
# figure that machine load cannot bias towards either side:
#
#   tests/bench/ocsp-ab.sh BUILD-A BUILD-B
#
# The store (GF_BENCH_CERTS, default 100000, 1% revoked) is filled with
# BUILD-B's genfic-ca and gf-bench-fill; the daemons serve it live (WAL),
# or with GF_BENCH_PUBLISH=1 a signed snapshot of it, as issue 18 deploys
# one: genfic-ca --publish -p, genfic-ocspd --install, served through
# DIR/current with --snapshot-trust.
# GF_BENCH_KINDS picks among POST (cached), GET (cached) and nonce (signed
# live).  Each kind also gets wrk's p99 latency, and the run ends with
# `openssl speed ecdsap256` (the signer's key) on the same cores: the
# ceiling of live signing.  With GF_BENCH_PIN=1 the daemon runs on CPU 1
# and wrk (one thread) on CPU 0, so that the signatures the daemon makes
# are compared with what one core signs (openssl speed on CPU 1); without
# it, everything shares every core (-multi NPROC).  GF_BENCH_SIGNER is the
# delegated signer's key: ec:P-256 (default), rsa:2048 or ed25519, with
# `openssl speed` of the same algorithm; the last lines give live signing
# against it (goal of issue 18: >= 0.8).  Not run by the test suite.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BUILD-A BUILD-B" >&2; exit 2; }
A=$1/ocsp/genfic-ocspd
B=$2/ocsp/genfic-ocspd
GENFIC_CA=$2/src/genfic-ca
FILL=$2/tests/bench/gf-bench-fill
N=${GF_BENCH_CERTS:-100000}
SECS=${GF_BENCH_SECONDS:-10}
RUNS=${GF_BENCH_RUNS:-3}
GENFIC_CA_TEMPLATES=${GENFIC_CA_TEMPLATES:-$(cd "$(dirname "$0")/../.." &&
    pwd)/ca-templates}
export GENFIC_CA_TEMPLATES
for p in "$A" "$B" "$GENFIC_CA" "$FILL"; do
	[ -x "$p" ] || { echo "bench: no $p" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "bench: needs wrk" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/genfic-bench-ab.XXXXXX")
OPID=""
cleanup() {
	[ -z "$OPID" ] || { kill "$OPID" 2>/dev/null; wait "$OPID" 2>/dev/null; }
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export GENFIC_CA_DIR="$T/store"
. "$(dirname "$0")/ocsp-lib.sh"
gca() { "$GENFIC_CA" "$@"; }

gca -r genfic -k ec:P-256 --passout pass:bench --batch >/dev/null
gca -p genfic -c genfic-system --passin pass:bench --passout pass:bench \
    --batch >/dev/null
"$FILL" "$GENFIC_CA_DIR" genfic-system "$N" 1 pass:bench
SYS=$GENFIC_CA_DIR/certs/genfic-system.crt
SIGNER=${GF_BENCH_SIGNER:-ec:P-256}
case $SIGNER in
ec:P-256) ALG=ecdsap256 ALGLINE='256 bits ecdsa' ;;
rsa:2048) ALG=rsa2048 ALGLINE='rsa 2048 bits' ;;
ed25519) ALG=ed25519 ALGLINE='EdDSA (Ed25519)' ;;
*) echo "bench: GF_BENCH_SIGNER: ec:P-256, rsa:2048 or ed25519" >&2; exit 2 ;;
esac
gca -R "$T/ocsp" -k "$SIGNER" --nopass --subject "/CN=bench OCSP responder" \
    --batch >/dev/null 2>&1
gca -p genfic-system -s "$T/ocsp.req" -t ocsp -o "$T/ocsp.crt" \
    --passin pass:bench --batch >/dev/null 2>&1
ocsp_requests "$SYS" genfic-system
SERVE=$GENFIC_CA_DIR
TRUST=""
if [ "${GF_BENCH_PUBLISH:-0}" = 1 ]; then
	gca --publish "$T/pub" -p genfic-system --passin pass:bench --batch \
	    >/dev/null 2>&1
	TRUST=$GENFIC_CA_DIR/certs/genfic.crt
	"$B" --install "$T/pub" -d "$T/online" --snapshot-trust "$TRUST" \
	    >/dev/null
	SERVE=$T/online
	TRUST="--snapshot-trust $TRUST"
fi

root=""
[ "$(id -u)" -eq 0 ] && root=--allow-root
# start BIN: the daemon in the foreground on a free port; sets OPID, OURL.
start() {
	# Emptied here, not by the child's redirection: the loop below would
	# otherwise read the last daemon's lines before the child truncates.
	: >"$T/ocspd.log"
	$ON_DAEMON "$1" --foreground -q -l 127.0.0.1:0 $root \
	    -d "$SERVE" $TRUST --ca genfic-system --signer-cert "$T/ocsp.crt" \
	    --signer-key "$T/ocsp.key" >>"$T/ocspd.log" 2>&1 &
	OPID=$!
	i=0
	while ! grep -q '^genfic-ocspd: serving' "$T/ocspd.log"; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "bench: $1 did not start:" >&2;
		    cat "$T/ocspd.log" >&2; exit 1; }
	done
	OURL=http://127.0.0.1:$(sed -n \
	    's/^genfic-ocspd: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$T/ocspd.log")
}
# cpu_ticks: user + system clock ticks of the daemon so far.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$OPID/stat"
}
stop() {
	kill "$OPID" 2>/dev/null || { echo "bench: $OPID died:" >&2;
	    cat "$T/ocspd.log" >&2; exit 1; }
	wait "$OPID" 2>/dev/null || true
	OPID=""
}

# once KIND: "requests/s us-of-CPU-per-answer p99-ms" of one wrk run
# against $OURL.
once() {
	c0=$(cpu_ticks)
	case $1 in
	POST) GF_BENCH_BODY=$T/req.der $WRK -c64 -d"${SECS}s" --latency \
	    -s "$T/post.lua" "$OURL/" ;;
	nonce) GF_BENCH_BODY=$T/nonce.der $WRK -c64 -d"${SECS}s" --latency \
	    -s "$T/post.lua" "$OURL/" ;;
	GET) $WRK -c64 -d"${SECS}s" --latency "$OURL/$GETPATH" ;;
	esac >"$T/wrk" 2>&1 || { echo "bench: wrk ($1) failed:" >&2;
	    cat "$T/wrk" >&2; exit 1; }
	c1=$(cpu_ticks)
	awk -v ticks=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" '
	    function ms(v) {
		if (v ~ /us$/) return v / 1000
		if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000
		return v
	    }
	    /requests in/ { n = $1 }
	    /^Requests\/sec:/ { rps = $2 }
	    $1 == "99%" { p99 = ms($2) }
	    /Non-2xx/ { bad = 1 }
	    END { printf "%d %.1f %.2f\n", bad ? 0 : rps,
		(n > 0) ? ticks * 1e6 / hz / n : 0, p99 }' "$T/wrk"
}

# median FILE COLUMN
median() {
	sort -n -k"$2" "$1" | sed -n "$(( (RUNS + 1) / 2 ))p" | cut -d' ' -f"$2"
}

WRK="wrk -t2"
ON_DAEMON=""
CORES=$(nproc)
SPEED="openssl speed -seconds 5 -multi $(nproc) $ALG"
if [ "${GF_BENCH_PIN:-0}" = 1 ]; then
	[ "$(nproc)" -ge 2 ] || { echo "bench: GF_BENCH_PIN needs 2 CPUs" >&2;
	    exit 1; }
	WRK="taskset -c 0 wrk -t1"
	ON_DAEMON="taskset -c 1"
	CORES=1
	SPEED="taskset -c 1 openssl speed -seconds 5 $ALG"
fi
echo "== $N certificates ($SERVE), 64 connections, ${SECS} s, median of $RUNS," \
    "A and B interleaved; $(nproc) CPUs; signer $SIGNER;" \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== A: $A"
echo "== B: $B"
rm -f "$T/nonce.1" "$T/nonce.2" "$T/nonce.3"
for kind in ${GF_BENCH_KINDS:-POST GET nonce}; do
	: >"$T/a"
	: >"$T/b"
	r=0
	while [ $r -lt "$RUNS" ]; do
		start "$A"; once $kind >>"$T/a"; stop
		start "$B"; once $kind >>"$T/b"; stop
		r=$((r + 1))
	done
	for col in 1 2 3; do
		ma=$(median "$T/a" $col)
		mb=$(median "$T/b" $col)
		printf '%-6s %-13s A %8s (%s)  B %8s (%s)  B/A %s\n' "$kind" \
		    "$(case $col in 1) echo 'req/s' ;; 2) echo 'CPU us/answer' ;;
		    3) echo 'p99 ms' ;; esac)" \
		    "$ma" "$(cut -d' ' -f$col "$T/a" | tr '\n' ' ')" \
		    "$mb" "$(cut -d' ' -f$col "$T/b" | tr '\n' ' ')" \
		    "$(awk -v a="$ma" -v b="$mb" \
		    'BEGIN { printf "%.2f", (a > 0) ? b / a : 0 }')"
		[ "$kind" != nonce ] || echo "$ma $mb" >>"$T/nonce.$col"
	done
done
# The ceiling of live signing: signatures/s on the cores the daemon had.
echo "== $SPEED (load $(cut -d' ' -f1-3 /proc/loadavg))"
sps=$($SPEED 2>/dev/null |
    awk -v l="$ALGLINE" 'index($0, l) { print $(NF - 1) }')
echo "sign/s $sps"
# Live signing against it: answers/s, and answers per second of the
# daemon's own CPU (what other load on its cores does not take away).
if [ -s "$T/nonce.1" ] && [ -n "$sps" ]; then
	read -r ra rb <"$T/nonce.1"
	read -r ca cb <"$T/nonce.2"
	awk -v ra="$ra" -v rb="$rb" -v ca="$ca" -v cb="$cb" -v s="$sps" \
	    -v k="$SIGNER" -v cores="$CORES" 'BEGIN {
		printf "live/speed %s answers/s      A %.2f  B %.2f\n", k,
		    ra / s, rb / s
		c = s / cores	# one core
		printf "live/speed %s per CPU-second A %.2f  B %.2f" \
		    " (speed per core %.0f)\n", k, (ca > 0) ? 1e6 / ca / c : 0,
		    (cb > 0) ? 1e6 / cb / c : 0, c }'
fi
