#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Two genfic-ocspd behind real nginx running the shipped configuration
# (contrib/nginx/genfic-ocsp.conf, issue 18 item 2): CRLs as static files,
# GET answered from the cache (hit ratio over a wrk run), revocation seen
# through the cache within the advertised max-age (the revocation carried
# as the documented weekly routine does: --publish with the publication
# key, genfic-ocspd --install on each responder's host), bad input keeping its
# answers, pooled connections idle past the old 10 s surviving, one
# responder killed under POST load without a failed request, and nothing
# served from the cache past its lifetime once every responder is gone.
. "$(dirname "$0")/lib.sh"

for tool in python3 nginx wrk curl; do
	command -v $tool >/dev/null 2>&1 || { fail "$tool is installed"; finish; exit 1; }
done
PY=$(python3 -c 'import sys; print(sys.executable)')
HTTPC="$PY $(dirname "$0")/httpc.py"
CONF=$(dirname "$0")/../../contrib/nginx/genfic-ocsp.conf
MAXAGE=3	# --max-age: keeps the waits for expiry short

SYS=$GENFIC_CA_DIR/certs/genfic-system.crt
ROOT=$T/root.pem
check "hierarchy" make_hierarchy
check "leaf good" new_leaf good genfic-system system-secret
check "leaf to revoke" new_leaf victim genfic-system system-secret

# The online side as docs/guide.md builds it: each responder serves the
# snapshot installed in its own directory (a host of its own in real
# life), signing with a delegated responder key; the offline store
# publishes with a dedicated publication key, no CA passphrase.
check "responder certificate" new_leaf responder genfic-system system-secret ocsp
check "publication certificate" new_leaf publisher genfic-system system-secret publisher
check "CRL issued" gca -p genfic-system -g -o /dev/null --passin pass:system-secret --batch
# publish_install N: snapshot $T/pubN, installed on both responders' hosts.
publish_install() {
	gca --publish "$T/pub$1" --publish-key "$T/publisher.key" \
	    --publish-cert "$T/publisher.crt" --batch >/dev/null &&
	ocspd --install "$T/pub$1" -d "$T/onlineA" --snapshot-trust "$ROOT" >/dev/null &&
	ocspd --install "$T/pub$1" -d "$T/onlineB" --snapshot-trust "$ROOT" >/dev/null
}
check "snapshot published and installed on both" publish_install 1
start_responder() {
	start_ocspd "$T/ocspd$1.log" -d "$T/online$1" --snapshot-trust "$ROOT" \
	    --ca genfic-system --signer-cert "$T/responder.crt" \
	    --signer-key "$T/responder.key" --max-age $MAXAGE --threads 1 -q
}
check "responder A starts" start_responder A
PID_A=$PID PORT_A=$PORT
check "responder B starts" start_responder B
PID_B=$PID PORT_B=$PORT

# The shipped file, with this test's addresses and paths.
NG=$T/nginx
mkdir -p "$NG/cache" "$NG/crl"
NGPORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|listen 80;|listen 127.0.0.1:$NGPORT;|" \
    -e "s|127\.0\.0\.1:8081|127.0.0.1:$PORT_A|" \
    -e "s|127\.0\.0\.1:8082|127.0.0.1:$PORT_B|" \
    -e "s|/var/cache/nginx/genfic-ocsp|$NG/cache|" \
    -e "s|/var/log/nginx/genfic-ocsp.log|$NG/access.log|" \
    -e "s|/var/www/genfic-crl/|$NG/crl/|" "$CONF" >"$NG/genfic-ocsp.conf"
check "every address and path of the shipped file replaced" \
    not grep -Eq '808[12]|/var/|listen 80;' "$NG/genfic-ocsp.conf"
cat >"$NG/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
error_log $NG/error.log;
pid $NG/nginx.pid;
events { worker_connections 1024; }
http {
	include /etc/nginx/mime.types;
	client_body_temp_path $NG/body;
	proxy_temp_path $NG/proxy;
	fastcgi_temp_path $NG/fastcgi;
	uwsgi_temp_path $NG/uwsgi;
	scgi_temp_path $NG/scgi;
	include $NG/genfic-ocsp.conf;
}
EOF
check "nginx -t accepts it" nginx -t -p "$NG" -c "$NG/nginx.conf" -e stderr
nginx -p "$NG" -c "$NG/nginx.conf" -e stderr >"$NG/out" 2>&1 &
NGPID=$!
ocspd_pids="$ocspd_pids $NGPID"
NGURL=http://127.0.0.1:$NGPORT
i=0
while [ $i -lt 50 ] && ! curl -s -o /dev/null "$NGURL/health"; do
	sleep 0.1; i=$((i + 1))
done
check "nginx starts, /health passed to a responder" \
    test "$(curl -s "$NGURL/health")" = ok

# CRLs: static files next to the responders, the snapshot's.
cp "$T/onlineA/current/crl/genfic-system.crl" "$NG/crl/"
curl -s -D "$T/crl.h" -o "$T/crl.got" "$NGURL/crl/genfic-system.crl"
check "CRL served as the file" cmp "$NG/crl/genfic-system.crl" "$T/crl.got"
check "CRL: application/pkix-crl" grep -qi '^Content-Type: application/pkix-crl' "$T/crl.h"
check "CRL verifies (openssl crl)" sh -c "openssl crl -in '$T/crl.got' \
    -inform \$(head -c 5 '$T/crl.got' | grep -q -- ----- && echo PEM || echo DER) \
    -CAfile '$SYS' -noout 2>&1 | grep -q 'verify OK'"

# GET: the first from a responder, then from the cache.
openssl ocsp -issuer "$SYS" -cert "$T/good.crt" -no_nonce \
    -reqout "$T/good.req" >/dev/null 2>&1
openssl ocsp -issuer "$SYS" -cert "$T/victim.crt" -no_nonce \
    -reqout "$T/victim.req" >/dev/null 2>&1
GOOD=/$(urlencode "$(base64 -w0 "$T/good.req")")
VICTIM=/$(urlencode "$(base64 -w0 "$T/victim.req")")
get() {	# get PATH: headers in $T/h, body in $T/b, prints the status
	curl -s -D "$T/h" -o "$T/b" -w '%{http_code}' "$NGURL$1"
}
hdr() {
	sed -n "s/^$1: //Ip" "$T/h" | tr -d '\r'
}
verifies() {	# verifies CERT STATUS: $T/b answers for CERT with STATUS
	openssl ocsp -respin "$T/b" -issuer "$SYS" -cert "$1" -CAfile "$ROOT" \
	    2>&1 | grep -q ": $2\$"
}
check "GET: 200" test "$(get "$GOOD")" = 200
check "GET: first is a MISS" test "$(hdr X-Cache-Status)" = MISS
cp "$T/h" "$T/miss.h"
check "GET: answer verifies" verifies "$T/good.crt" good
check "GET again: 200" test "$(get "$GOOD")" = 200
check "GET again: a HIT" test "$(hdr X-Cache-Status)" = HIT
check "GET again: the same answer verifies" verifies "$T/good.crt" good

# The lifetime a cache is given never runs past nextUpdate.
cp "$T/miss.h" "$T/h"	# as the responder sent them
NEXT=$(date -u -d "$(openssl ocsp -respin "$T/b" -resp_text -noverify |
    sed -n 's/^ *Next Update: //p' | head -1)" +%s)
AGE=$(hdr Cache-Control | sed -n 's/^max-age=\([0-9]*\),.*/\1/p')
check "max-age as --max-age caps it ($AGE)" test "$AGE" = $MAXAGE
STALE=$(hdr Cache-Control | sed -n 's/.*stale-while-revalidate=\([0-9]*\),.*/\1/p')
check "Date + max-age + stale-while-revalidate ($STALE) <= nextUpdate" \
    test $(($(date -u -d "$(hdr Date)" +%s) + AGE + STALE)) -le "$NEXT"
# nginx dates the answer itself, perhaps a second after the responder.
EXPIRES=$(date -u -d "$(hdr Expires)" +%s)
check "Expires is Date + max-age, not nextUpdate beyond it" test \
    $(($(date -u -d "$(hdr Date)" +%s) + AGE - EXPIRES)) -ge 0 -a \
    $(($(date -u -d "$(hdr Date)" +%s) + AGE - EXPIRES)) -le 1 -a \
    "$EXPIRES" -lt "$NEXT"

# POST goes through, never from the cache.
openssl ocsp -url "$NGURL" -issuer "$SYS" -cert "$T/good.crt" -CAfile "$ROOT" \
    >"$T/post" 2>&1
check "POST through nginx verifies, with its nonce" sh -c \
    "grep -q '^Response verify OK' '$T/post' && ! grep -q 'WARNING: no nonce' '$T/post'"

# Bad input keeps its answers through the cache.
check "GET of garbage: 200" test "$(get /AAAA)" = 200
check "... malformedRequest" test "$(status_of "$T/b")" = malformedrequest
check "... not cached: no Cache-Control" test -z "$(hdr Cache-Control)"
check "GET of garbage again: still not a HIT" sh -c \
    "[ \"\$(curl -s -D - -o /dev/null '$NGURL/AAAA' | tr -d '\r' |
    sed -n 's/^X-Cache-Status: //Ip')\" != HIT ]"
head -c 70000 /dev/zero >"$T/big"
check "POST of 70 000 octets: 413" test "$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/ocsp-request' --data-binary "@$T/big" "$NGURL/")" = 413
check "POST of another type: 415 from the responder" test "$(curl -s -o /dev/null \
    -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary "@$T/good.req" \
    "$NGURL/")" = 415
# A client that trickles its header is cut by nginx's header deadline
# (10 s in the shipped file); run beside what follows.
$PY - "$NGPORT" >"$T/trickle" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /AAAA HTTP/1.1\r\nHost: x\r\n")
start = time.monotonic()
s.settimeout(1.0)
while time.monotonic() - start < 20:
    try:
        if s.recv(4096) == b"":
            break
    except socket.timeout:
        pass
    except ConnectionError:
        break
    try:
        s.sendall(b"X-Slow: 1\r\n")
    except OSError:
        break
print(round(time.monotonic() - start))
PY
TRICKLE=$!

# Hit ratio over a bounded run: what nginx logged for this URI.
: >"$NG/access.log"
wrk -t1 -c8 -d2s --timeout 2s "$NGURL$GOOD" >"$T/wrk.get" 2>&1
sed 's/^/# /' "$T/wrk.get"
check "wrk GET: no error" not grep -Eq 'Non-2xx|Socket errors' "$T/wrk.get"
RATIO=$(awk -v p="GET $GOOD " 'index($0, p) {
	n++; if ($0 ~ / cache=HIT /) h++ } END { if (n) printf "%d %d %.2f", n, h, 100 * h / n }' \
    "$NG/access.log")
echo "# requests, hits, hit %: $RATIO"
check "hit ratio >= 95 % ($RATIO)" awk -v r="$RATIO" 'BEGIN {
	split(r, a, " "); exit !(a[1] > 1000 && a[3] >= 95) }'

# A revocation is seen through the cache within the max-age advertised.
check "victim: good through the cache" test "$(get "$VICTIM")" = 200
check "victim: good" verifies "$T/victim.crt" good
check "victim: cached (HIT)" sh -c "[ \"\$(curl -s -D - -o /dev/null \
    '$NGURL$VICTIM' | tr -d '\r' | sed -n 's/^X-Cache-Status: //Ip')\" = HIT ]"
check "revoke the victim" gca -p genfic-system -x "$T/victim.crt" \
    --reason keyCompromise --passin pass:system-secret --batch
sleep 1	# the snapshot's signingTime must be later than the first's
check "the revocation published and installed on both" publish_install 2
REVOKED_AT=$(date +%s)
SEEN=""
while [ $(($(date +%s) - REVOKED_AT)) -le $((MAXAGE + 2)) ]; do
	if [ "$(get "$VICTIM")" = 200 ] && verifies "$T/victim.crt" revoked; then
		SEEN=$(($(date +%s) - REVOKED_AT))
		break
	fi
	sleep 0.2
done
check "revocation visible through the cache within max-age $MAXAGE s of its install (+1 s of clock granularity): ${SEEN:-never}" \
    test -n "$SEEN" -a "${SEEN:-99}" -le $((MAXAGE + 1))
grep -q "snapshot .*verified: serving it" "$T/ocspdA.log" &&
    grep -q "snapshot .*verified: serving it" "$T/ocspdB.log" &&
    pass "... both responders switched to the new snapshot" ||
    fail "... both responders switched to the new snapshot"

# Failover.  First pooled connections to both responders, left idle past
# the 10 s after which genfic-ocspd used to close them; meanwhile a
# connection straight to B, idle as long, must be served again.
export GF_BENCH_BODY="$T/good.req"
cat >"$T/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("GF_BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "application/ocsp-request"
f:close()
LUA
wrk -t1 -c8 -d1s -s "$T/post.lua" "$NGURL/" >"$T/wrk.warm" 2>&1
check "both responders in the pool" sh -c "grep -q 'upstream=127.0.0.1:$PORT_A ' \
    '$NG/access.log' && grep -q 'upstream=127.0.0.1:$PORT_B ' '$NG/access.log'"
$HTTPC idle "$PORT_B" "$GOOD" 12 >"$T/idle" 2>&1
check "a keep-alive connection idle 12 s is served again ($(cat "$T/idle"))" \
    test "$(cat "$T/idle")" = "200 200"
: >"$NG/access.log"
wrk -t1 -c8 -d3s --timeout 5s -s "$T/post.lua" "$NGURL/" >"$T/wrk.fail" 2>&1 &
WRK=$!
sleep 1
kill -KILL "$PID_A"
wait "$PID_A" 2>/dev/null
wait $WRK
sed 's/^/# /' "$T/wrk.fail"
check "responder A killed under load: wrk saw no error" sh -c \
    "grep -q 'requests in' '$T/wrk.fail' && ! grep -Eq 'Non-2xx|Socket errors' '$T/wrk.fail'"
check "... and nginx logged no status but 200" \
    awk '{ n++ } !/" 200 / { bad++ } END { exit !(n > 1000 && bad == 0) }' "$NG/access.log"
check "... B answered after A was gone" grep -q "upstream=127.0.0.1:$PORT_B " "$NG/access.log"

wait $TRICKLE
check "a trickling header is cut by nginx within 10-12 s ($(cat "$T/trickle") s)" \
    awk '{ exit !($1 >= 9 && $1 <= 12) }' "$T/trickle"

# Nothing past its lifetime: with every responder gone, a cached answer
# may be served stale-while-revalidate seconds past its max-age (both end
# before nextUpdate, checked above), never longer.
check "stale-while-revalidate no longer than max-age ($STALE)" \
    test "$STALE" -le $MAXAGE
check "cached before the responders go" test "$(get "$GOOD")" = 200
kill -TERM "$PID_B"
wait "$PID_B" 2>/dev/null
sleep $((MAXAGE + STALE + 1))
CODE=$(get "$GOOD")
check "past max-age + stale-while-revalidate, no responder: no answer ($CODE)" \
    test "$CODE" != 200

kill -TERM "$NGPID" 2>/dev/null
finish
