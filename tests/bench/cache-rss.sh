#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The memory of genfic-ocspd's response cache (issue 14 item 4): the RSS
# of the daemon before and after N distinct requests (default 100 000),
# plain or padded to about 1000 octets with an unknown request extension,
# delegated P-256 signer.  Not run by the test suite:
#
#   tests/bench/cache-rss.sh [BUILD-DIR] [plain|padded] [DAEMON ARGS...]
#
# Prints "entries=N rss_before_kib=.. rss_after_kib=.. per_entry=.. B".
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
kind=${2:-padded}
[ $# -lt 2 ] || shift 2
[ $# -ne 1 ] || shift 1
GENFIC_CA=${GENFIC_CA:-$build/src/genfic-ca}
GENFIC_OCSPD=${GENFIC_OCSPD:-$build/ocsp/genfic-ocspd}
GF_BENCH_FILL=${GF_BENCH_FILL:-$build/tests/bench/gf-bench-fill}
GENFIC_CA_TEMPLATES=${GENFIC_CA_TEMPLATES:-$src/ca-templates}
N=${GF_BENCH_CERTS:-100000}
export GENFIC_CA_TEMPLATES

T=$(mktemp -d "${TMPDIR:-/tmp}/genfic-bench-rss.XXXXXX")
pid=""
cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	rm -rf "$T"
}
trap cleanup EXIT
export GENFIC_CA_DIR="$T/store"
gca() { "$GENFIC_CA" "$@"; }

if [ -n "${GF_BENCH_STORE:-}" ] && [ -f "$GF_BENCH_STORE/ca.db" ]; then
	cp -a "$GF_BENCH_STORE" "$GENFIC_CA_DIR"
else
	gca -r genfic -k ec:P-256 --passout pass:bench --batch >/dev/null
	gca -p genfic -c genfic-system --passin pass:bench --passout pass:bench \
	    --batch >/dev/null
	"$GF_BENCH_FILL" "$GENFIC_CA_DIR" genfic-system "$N" 1 pass:bench
	gca -R "$GENFIC_CA_DIR/ocsp" --nopass --subject "/CN=bench OCSP" \
	    --batch >/dev/null 2>&1
	gca -p genfic-system -s "$GENFIC_CA_DIR/ocsp.req" -t ocsp \
	    -o "$GENFIC_CA_DIR/ocsp.crt" --passin pass:bench --batch \
	    >/dev/null 2>&1
	[ -z "${GF_BENCH_STORE:-}" ] || cp -a "$GENFIC_CA_DIR" "$GF_BENCH_STORE"
fi
SYS=$GENFIC_CA_DIR/certs/genfic-system.crt
sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT hex(serial) FROM cert WHERE ca_id =
    (SELECT id FROM ca WHERE name = 'genfic-system') LIMIT $N" >"$T/serials"
openssl ocsp -issuer "$SYS" -serial 0x01 -no_nonce -reqout "$T/tmpl.der" \
    >/dev/null 2>&1

"$GENFIC_OCSPD" --foreground -l 127.0.0.1:0 --allow-root -q \
    -d "$GENFIC_CA_DIR" --ca genfic-system \
    --signer "genfic-system=$GENFIC_CA_DIR/ocsp.crt,$GENFIC_CA_DIR/ocsp.key" \
    "$@" >"$T/log" 2>&1 &
pid=$!
port=""
while [ -z "$port" ]; do
	sleep 0.2
	port=$(sed -n 's/^genfic-ocspd: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/log")
	kill -0 "$pid" || { cat "$T/log"; exit 1; }
done
sleep 1
rss() { sed -n 's/^VmRSS:[ \t]*\([0-9]*\) kB/\1/p' "/proc/$pid/status"; }
before=$(rss)
python3 - "$port" "$kind" "$T/tmpl.der" "$T/serials" <<'EOF'
import http.client, sys

port, kind, tmpl, serials = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]

def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + body

t = open(tmpl, "rb").read()
alg = bytes.fromhex("300906052b0e03021a0500")
i = t.index(alg)
head = t[i:i + len(alg) + 44]           # algorithm, name and key hashes
oid = bytes.fromhex("06092b06010401838f6363") # 1.3.6.1.4.1.51171.99 (unknown)
conn = http.client.HTTPConnection("127.0.0.1", int(port))
bad = 0
for line in open(serials):
    s = bytes.fromhex(line.strip())
    if s[0] & 0x80:
        s = b"\0" + s
    req = tlv(0x30, tlv(0x30, tlv(0x30, head + tlv(0x02, s))))
    tbs = tlv(0x30, req)
    if kind == "padded":
        pad = 1000 - len(tbs) - 30
        ext = tlv(0x30, oid + tlv(0x04, b"A" * pad))
        tbs = tlv(0x30, req + tlv(0xa2, tlv(0x30, ext)))
    body = tlv(0x30, tbs)
    conn.request("POST", "/", body, {"Content-Type": "application/ocsp-request"})
    r = conn.getresponse()
    d = r.read()
    if r.status != 200 or b"\x0a\x01\x00" not in d[:8]:
        bad += 1
print("request octets", len(body), "errors", bad, file=sys.stderr)
EOF
sleep 1
after=$(rss)
entries=$(wc -l <"$T/serials")
echo "kind=$kind entries=$entries rss_before_kib=$before rss_after_kib=$after per_entry=$(( (after - before) * 1024 / entries )) B"
