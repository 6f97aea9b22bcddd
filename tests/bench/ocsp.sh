#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# genfic-ocspd under wrk on 127.0.0.1 (64 connections, 10 s, median of 3
# runs), in the same run as `openssl ocsp -index` serving the same
# certificates and, when installed, cfssl's ocspserve.  Not run by the test
# suite:
#
#   tests/bench/ocsp.sh [BUILD-DIR]        (default: build)
#
# GF_BENCH_CERTS (default 100000), GF_BENCH_SECONDS (10) and GF_BENCH_RUNS
# (3) change the size.  The store is filled with gf-bench-fill when it was
# built, else with a spool of 2000 requests signed by genfic-ca -s.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
GENFIC_CA=${GENFIC_CA:-$build/src/genfic-ca}
GENFIC_OCSPD=${GENFIC_OCSPD:-$build/ocsp/genfic-ocspd}
GF_BENCH_FILL=${GF_BENCH_FILL:-$build/tests/bench/gf-bench-fill}
GENFIC_CA_TEMPLATES=${GENFIC_CA_TEMPLATES:-$src/ca-templates}
N=${GF_BENCH_CERTS:-100000}
SECONDS_=${GF_BENCH_SECONDS:-10}
RUNS=${GF_BENCH_RUNS:-3}
CONNS=64
export GENFIC_CA_TEMPLATES

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" -eq 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" \
		    >/dev/null 2>&1 && return 0
	fi
	echo "bench: needs $1 (apt-get install $2)" >&2
	exit 1
}
need wrk wrk
need sqlite3 sqlite3
need curl curl
for b in "$GENFIC_CA" "$GENFIC_OCSPD"; do
	[ -x "$b" ] || { echo "bench: no $b: build first" >&2; exit 1; }
done

# stop PID: the process and its children (openssl ocsp -multi children
# outlive a TERMed parent).
stop() {
	for sig in TERM KILL; do
		for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
			kill -$sig "$c" 2>/dev/null || true
		done
		kill -$sig "$1" 2>/dev/null || true
		[ $sig = KILL ] || sleep 0.5
	done
	wait "$1" 2>/dev/null || true
}

T=$(mktemp -d "${TMPDIR:-/tmp}/genfic-bench-ocsp.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do stop "$p"; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export GENFIC_CA_DIR="$T/store"
. "$here/ocsp-lib.sh"
gca() { "$GENFIC_CA" "$@"; }

# --- The store: a P-256 system CA with N certificates, 1% revoked.
echo "== filling the store" >&2
gca -r genfic -k ec:P-256 --passout pass:bench --batch >/dev/null
gca -p genfic -c genfic-system --passin pass:bench --passout pass:bench \
    --batch >/dev/null
if [ -x "$GF_BENCH_FILL" ]; then
	"$GF_BENCH_FILL" "$GENFIC_CA_DIR" genfic-system "$N" 1 pass:bench
else
	N=2000
	echo "bench: no gf-bench-fill; signing a spool of $N requests" >&2
	mkdir "$T/spool" "$T/issued"
	i=0
	while [ $i -lt $N ]; do
		gca -R "$T/spool/h$i" --nopass --subject "/CN=h$i.bench.example" \
		    --batch >/dev/null 2>&1
		i=$((i + 1))
	done
	rm -f "$T"/spool/*.key
	gca -p genfic-system -s "$T/spool" -t system -o "$T/issued" \
	    --passin pass:bench --batch >/dev/null
fi
SYS=$GENFIC_CA_DIR/certs/genfic-system.crt
gca -R "$T/ocsp" --nopass --subject "/CN=bench OCSP responder" --batch \
    >/dev/null 2>&1
gca -p genfic-system -s "$T/ocsp.req" -t ocsp -o "$T/ocsp.crt" \
    --passin pass:bench --batch >/dev/null 2>&1
COUNT=$(sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT count(*) FROM cert")

# --- The requests: one certificate, without and with a nonce.
ocsp_requests "$SYS" genfic-system

# --- Measuring.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wrk_once URL [BODY]: "requests/s p99-ms" of one run.
wrk_once() {
	w_url=$1
	[ "$w_url" != SURL ] || w_url=$SURL
	shift
	set -- "$w_url" "$@"
	if [ $# -gt 1 ]; then
		GF_BENCH_BODY=$2 wrk -t2 -c$CONNS -d"${SECONDS_}s" --latency \
		    -s "$T/post.lua" "$1" >"$T/wrk" 2>&1
	else
		wrk -t2 -c$CONNS -d"${SECONDS_}s" --latency "$1" >"$T/wrk" 2>&1
	fi
	awk '
	    /^Requests\/sec:/ { rps = $2 }
	    $1 == "99%" {
		v = $2
		if (v ~ /us$/) { sub(/us$/, "", v); p99 = v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); p99 = v }
		else if (v ~ /s$/) { sub(/s$/, "", v); p99 = v * 1000 }
	    }
	    /Non-2xx/ { bad = $NF }
	    END { if (bad > 0) rps = 0; printf "%d %.2f\n", rps, p99 }' "$T/wrk"
}

# measure NAME URL [BODY]: median of RUNS runs, by requests/s.  With
# $BEFORE and $AFTER set, they run around each run.
measure() {
	m_name=$1; shift
	m_i=0
	: >"$T/runs"
	while [ $m_i -lt "$RUNS" ]; do
		[ -z "${BEFORE:-}" ] || $BEFORE
		wrk_once "$@" >>"$T/runs"
		[ -z "${AFTER:-}" ] || $AFTER
		m_i=$((m_i + 1))
	done
	m_med=$(sort -n "$T/runs" | sed -n "$(( (RUNS + 1) / 2 ))p")
	echo "$m_name $m_med" >>"$T/results"
	printf '%-34s %9s req/s  p99 %8s ms   (runs: %s)\n' "$m_name" \
	    "${m_med% *}" "${m_med#* }" "$(cut -d' ' -f1 "$T/runs" | tr '\n' ' ')"
}

result() {
	awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$T/results"
}

wait_port() {
	w_i=0
	while [ $w_i -lt 100 ]; do
		curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
		sleep 0.1
		w_i=$((w_i + 1))
	done
	echo "bench: nothing answers on port $1" >&2
	return 1
}

: >"$T/results"
NPROC=$(nproc)
echo "== $COUNT certificates; signer EC P-256 (delegated); $CONNS connections, ${SECONDS_} s, median of $RUNS; $NPROC CPUs"

# genfic-ocspd, per-request log off, then on (to a file).
root=""
[ "$(id -u)" -eq 0 ] && root=--allow-root
start_ocspd() {
	"$GENFIC_OCSPD" --foreground -l 127.0.0.1:0 $root -d "$GENFIC_CA_DIR" \
	    --ca genfic-system --signer-cert "$T/ocsp.crt" \
	    --signer-key "$T/ocsp.key" "$@" >"$T/ocspd.log" 2>&1 &
	OPID=$!
	pids="$pids $OPID"
	s_i=0
	while ! grep -q '^genfic-ocspd: serving' "$T/ocspd.log"; do
		sleep 0.1
		s_i=$((s_i + 1))
		[ $s_i -lt 100 ] || { cat "$T/ocspd.log" >&2; exit 1; }
	done
	OPORT=$(sed -n 's/^genfic-ocspd: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$T/ocspd.log")
	OURL=http://127.0.0.1:$OPORT
	curl -s -o /dev/null -H 'Content-Type: application/ocsp-request' \
	    --data-binary @"$T/req.der" "$OURL/"
}
start_ocspd -q
measure genfic-ocspd-POST "$OURL/" "$T/req.der"
measure genfic-ocspd-GET "$OURL/$GETPATH"
measure genfic-ocspd-POST-nonce "$OURL/" "$T/nonce.der"
stop "$OPID"
start_ocspd
measure genfic-ocspd-POST-logging "$OURL/" "$T/req.der"
stop "$OPID"

# openssl ocsp -index over the same certificates, as many processes as CPUs.
sqlite3 -separator "$(printf '\t')" "$GENFIC_CA_DIR/ca.db" "
    SELECT CASE WHEN revoked_at IS NULL THEN 'V' ELSE 'R' END,
        substr(strftime('%Y%m%d%H%M%S', not_after, 'unixepoch'), 3) || 'Z',
        CASE WHEN revoked_at IS NULL THEN '' ELSE
            substr(strftime('%Y%m%d%H%M%S', revoked_at, 'unixepoch'), 3) ||
            'Z' END,
        hex(serial), 'unknown', '/CN=' || coalesce(cn, 'none')
    FROM cert WHERE ca_id = (SELECT id FROM ca WHERE name = 'genfic-system')" \
    >"$T/index.txt"
# Its children stop answering after wrk drops its connections at the end
# of a run: a fresh responder for each run.
start_openssl() {
	SPORT=$(free_port)
	openssl ocsp -index "$T/index.txt" -port "$SPORT" -CA "$SYS" \
	    -rsigner "$T/ocsp.crt" -rkey "$T/ocsp.key" -nmin 1440 \
	    -multi "$NPROC" -ignore_err >/dev/null 2>"$T/openssl.log" &
	SPID=$!
	pids="$pids $SPID"
	wait_port "$SPORT"
	SURL=http://127.0.0.1:$SPORT/
}
stop_openssl() {
	stop "$SPID"
}
BEFORE=start_openssl AFTER=stop_openssl measure openssl-ocsp-POST SURL \
    "$T/req.der"
# Its GET answers curl, but wrk's requests get no answer at all (OpenSSL
# 3.0.x): no GET figure for it.

# cfssl ocspserve, from responses signed ahead (cfssl's model), if any.
if command -v cfssl >/dev/null 2>&1 && python3 -c 'import cryptography' \
    2>/dev/null; then
	echo "== cfssl: signing $COUNT responses ahead" >&2
	python3 - "$GENFIC_CA_DIR/ca.db" "$SYS" "$T/ocsp.crt" "$T/ocsp.key" \
	    >"$T/responses" <<'EOF'
import base64, datetime, sqlite3, sys
from cryptography import x509
from cryptography.x509 import ocsp
from cryptography.hazmat.primitives import hashes, serialization

db, issuer, rcert, rkey = sys.argv[1:5]
issuer = x509.load_pem_x509_certificate(open(issuer, "rb").read())
responder = x509.load_pem_x509_certificate(open(rcert, "rb").read())
key = serialization.load_pem_private_key(open(rkey, "rb").read(), None)
now = datetime.datetime.now(datetime.timezone.utc)
utc = datetime.timezone.utc
for der, revoked_at in sqlite3.connect(db).execute(
        "SELECT der, revoked_at FROM cert WHERE ca_id = "
        "(SELECT id FROM ca WHERE name = 'genfic-system')"):
    cert = x509.load_der_x509_certificate(der)
    if revoked_at is None:
        status, when = ocsp.OCSPCertStatus.GOOD, None
    else:
        status = ocsp.OCSPCertStatus.REVOKED
        when = datetime.datetime.fromtimestamp(revoked_at, utc)
    b = ocsp.OCSPResponseBuilder().add_response(
        cert=cert, issuer=issuer, algorithm=hashes.SHA1(),
        cert_status=status, this_update=now,
        next_update=now + datetime.timedelta(days=1),
        revocation_time=when, revocation_reason=None)
    b = b.responder_id(ocsp.OCSPResponderEncoding.HASH, responder)
    b = b.certificates([responder])
    resp = b.sign(key, hashes.SHA256())
    print(base64.b64encode(resp.public_bytes(
        serialization.Encoding.DER)).decode())
EOF
	CPORT=$(free_port)
	cfssl ocspserve -port "$CPORT" -address 127.0.0.1 \
	    -responses "$T/responses" >/dev/null 2>"$T/cfssl.log" &
	CPID=$!
	pids="$pids $CPID"
	wait_port "$CPORT"
	measure cfssl-ocspserve-POST "http://127.0.0.1:$CPORT/" "$T/req.der"
	# Debian's cfssl (1.2.0, 2016) decodes the path with its leading '/'
	# and answers every GET 400: no GET figure for it.
	stop "$CPID"
fi

# Live signing against the signature itself.
SPEED=$(openssl speed -seconds 3 -multi "$NPROC" ecdsap256 2>/dev/null |
    awk '/^ *256 bits ecdsa/ { print int($(NF-1)) }' | tail -1)

echo
echo "== ratios (same run)"
ratio() {
	awk -v a="$(result "$1" "$3")" -v b="$(result "$2" "$3")" \
	    'BEGIN { if (b > 0) printf "%.1f", a / b; else printf "n/a" }'
}
echo "POST cached: genfic-ocspd / openssl ocsp  $(ratio genfic-ocspd-POST openssl-ocsp-POST 2) x requests/s, p99 $(ratio openssl-ocsp-POST genfic-ocspd-POST 3) x lower"
echo "GET  cached: genfic-ocspd / openssl ocsp POST  $(ratio genfic-ocspd-GET openssl-ocsp-POST 2) x requests/s"
if grep -q '^cfssl' "$T/results"; then
	echo "POST cached: genfic-ocspd / cfssl        $(ratio genfic-ocspd-POST cfssl-ocspserve-POST 2) x requests/s, p99 $(ratio cfssl-ocspserve-POST genfic-ocspd-POST 3) x lower"
	echo "GET  cached: genfic-ocspd / cfssl POST        $(ratio genfic-ocspd-GET cfssl-ocspserve-POST 2) x requests/s"
fi
echo "per-request log to a file costs: $(ratio genfic-ocspd-POST genfic-ocspd-POST-logging 2) x"
if [ -n "$SPEED" ]; then
	awk -v live="$(result genfic-ocspd-POST-nonce 2)" -v s="$SPEED" \
	    -v n="$NPROC" 'BEGIN { printf "live signing (nonce): %d req/s = %.0f%% of openssl speed ecdsap256 -multi %d (%d sign/s)\n", live, 100 * live / s, n, s }'
fi
