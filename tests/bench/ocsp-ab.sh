#!/bin/sh
# A/B of two genfic-ocspd binaries, interleaved, on one store: wrk -t2 -c64
# 10 s, cached POST, cached GET, nonce POST; median of 3 and the daemon CPU
# time per request.  S=STORE BASE=OLD-BINARY [NEW=...] tests/bench/ocsp-ab.sh
set -eu
S=${S:?S: a store made by tests/bench/cache-rss.sh with GF_BENCH_STORE}
BASE=${BASE:?BASE: the genfic-ocspd to compare against}
NEW=${NEW:-build/ocsp/genfic-ocspd}
T=$(mktemp -d)
SYS=$S/certs/genfic-system.crt
SERIAL=$(sqlite3 "$S/ca.db" "SELECT hex(serial) FROM cert WHERE ca_id = (SELECT id FROM ca WHERE name = 'genfic-system') AND revoked_at IS NULL LIMIT 1 OFFSET 777")
openssl ocsp -issuer "$SYS" -serial "0x$SERIAL" -no_nonce -reqout "$T/req.der" >/dev/null 2>&1
openssl ocsp -issuer "$SYS" -serial "0x$SERIAL" -reqout "$T/nonce.der" >/dev/null 2>&1
GETPATH=$(base64 -w0 "$T/req.der" | sed -e 's/+/%2B/g' -e 's|/|%2F|g' -e 's/=/%3D/g')
cat >"$T/post.lua" <<'L'
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "application/ocsp-request"
f:close()
L
run() { # bin kind
	$1 --foreground -l 127.0.0.1:0 --allow-root -q -d "$S" --ca genfic-system \
	    --signer "genfic-system=$S/ocsp.crt,$S/ocsp.key" >"$T/log" 2>&1 &
	pid=$!
	port=""
	while [ -z "$port" ]; do sleep 0.1; port=$(sed -n 's/^genfic-ocspd: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/log"); done
	sleep 0.5
	url=http://127.0.0.1:$port
	curl -s -o /dev/null -H 'Content-Type: application/ocsp-request' --data-binary @"$T/req.der" "$url/"
	c0=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
	case $2 in
	POST) BODY=$T/req.der wrk -t2 -c64 -d10s -s "$T/post.lua" "$url/" >"$T/w" 2>&1 ;;
	GET) wrk -t2 -c64 -d10s "$url/$GETPATH" >"$T/w" 2>&1 ;;
	NONCE) BODY=$T/nonce.der wrk -t2 -c64 -d10s -s "$T/post.lua" "$url/" >"$T/w" 2>&1 ;;
	esac
	c1=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
	kill $pid; wait $pid 2>/dev/null || true
	awk -v c=$((c1 - c0)) -v hz=$(getconf CLK_TCK) '/^Requests\/sec:/ { r = $2 } / requests in / { n = $1 } /Non-2xx/ { r = 0 } END { printf "%d/%.1fus", r, c / hz * 1e6 / n }' "$T/w"
}
for kind in POST GET NONCE; do
	b=""; n=""
	for i in 1 2 3; do
		b="$b $(run $BASE $kind)"
		n="$n $(run $NEW $kind)"
	done
	mb=$(echo $b | tr ' ' '\n' | sort -n | sed -n 2p)
	mn=$(echo $n | tr ' ' '\n' | sort -n | sed -n 2p)
	cb=$(echo $b | tr ' ' '\n' | cut -d/ -f2 | sort -n | sed -n 2p)
	cn=$(echo $n | tr ' ' '\n' | cut -d/ -f2 | sort -n | sed -n 2p)
	echo "$kind daemon CPU per request, median: base $cb new $cn"
	echo "$kind base:$b (median $mb)  new:$n (median $mn)"
done
rm -rf "$T"
