#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# genfic-ocspd over real HTTP on 127.0.0.1, asked by openssl ocsp, curl and
# GnuTLS ocsptool: statuses, hashes, nonces, errors, GET and its caching
# headers, revocation while running, signals.
. "$(dirname "$0")/lib.sh"

SYS=$GENFIC_CA_DIR/certs/genfic-system.crt
USR=$GENFIC_CA_DIR/certs/genfic-user.crt
ROOT=$T/root.pem

check "hierarchy" make_hierarchy
for leaf in good revoked held later; do
	check "leaf $leaf" new_leaf $leaf genfic-system system-secret
done
check "user leaf" new_leaf person genfic-user user-secret
check "responder certificate (-t ocsp)" \
    new_leaf responder genfic-system system-secret ocsp
check "revoke (keyCompromise)" gca -p genfic-system -x "$T/revoked.crt" \
    --reason keyCompromise --passin pass:system-secret --batch
check "revoke (certificateHold)" gca -p genfic-system -x "$T/held.crt" \
    --reason certificateHold --passin pass:system-secret --batch

# genfic-system signs through its responder, genfic-user with its own key.
LOG=$T/ocspd.log
check "starts" start_ocspd "$LOG" -d "$GENFIC_CA_DIR" --ca genfic-system \
    --ca genfic-user --signer "genfic-system=$T/responder.crt,$T/responder.key" \
    --passin pass:user-secret --prefix /ocsp

SYSASK="-issuer $SYS -CAfile $ROOT"
ask "good" 'good.crt: good' $SYSASK -cert "$T/good.crt"
ask "revoked, with its reason" 'Reason: keyCompromise' \
    $SYSASK -cert "$T/revoked.crt"
ask "revoked: status" 'revoked.crt: revoked' $SYSASK -cert "$T/revoked.crt"
ask "certificateHold" 'Reason: certificateHold' $SYSASK -cert "$T/held.crt"
ask "a serial never issued is unknown" \
    '0x0123456789ABCDEF0123456789ABCDEF: unknown' \
    $SYSASK -serial 0x0123456789ABCDEF0123456789ABCDEF
ask "a negative serial is unknown" ': unknown' $SYSASK -serial -5
ask "CA key signing (genfic-user)" 'person.crt: good' \
    -issuer "$USR" -CAfile "$ROOT" -cert "$T/person.crt"
ask "the delegated signer is included and named by key hash" \
    'Responder Id: [0-9A-F]{40}' $SYSASK -cert "$T/good.crt" -resp_text
ask "the CA's own key: responder id by key hash" 'Responder Id: [0-9A-F]{40}' \
    -issuer "$USR" -CAfile "$ROOT" -cert "$T/person.crt" -resp_text
ask "thisUpdate and nextUpdate" 'Next Update: ' $SYSASK -cert "$T/good.crt"

# Hashes of the CertID: SHA-256 too (RFC 9919), echoed as asked.
ask "SHA-256 CertID" 'good.crt: good' -sha256 $SYSASK -cert "$T/good.crt"
ask "SHA-256 CertID echoed" 'Hash Algorithm: sha256' \
    -sha256 $SYSASK -cert "$T/good.crt" -resp_text
ask "SHA-1 CertID echoed" 'Hash Algorithm: sha1' \
    $SYSASK -cert "$T/good.crt" -resp_text

# Nonces: openssl sends one and checks the echo; without, it warns.
openssl ocsp -url "$URL" $SYSASK -cert "$T/good.crt" -resp_text >"$T/ans" 2>&1
check "nonce echoed" grep -q 'OCSP Nonce' "$T/ans"
check "nonce verified" not grep -q 'WARNING: no nonce' "$T/ans"
ask "no nonce" 'good.crt: good' -no_nonce $SYSASK -cert "$T/good.crt"
ask "no nonce, again (cached)" 'good.crt: good' -no_nonce $SYSASK \
    -cert "$T/good.crt"
check "the second answer came from the cache" \
    grep -q "POST ca=genfic-system serial=$(cert_serial "$T/good.crt") status=good cache=hit" "$LOG"
check "a request with a nonce is signed live" \
    grep -q "serial=$(cert_serial "$T/good.crt") status=good cache=live" "$LOG"

# Several CertIDs in one request, one response.
openssl ocsp -url "$URL" $SYSASK -cert "$T/good.crt" -cert "$T/revoked.crt" \
    -cert "$T/held.crt" >"$T/ans" 2>&1
check "three CertIDs: verify" grep -q '^Response verify OK' "$T/ans"
check "three CertIDs: all answered" sh -c "grep -q 'good.crt: good' '$T/ans' &&
    grep -q 'revoked.crt: revoked' '$T/ans' && grep -q 'held.crt: revoked' '$T/ans'"
openssl ocsp -url "$URL" -CAfile "$ROOT" -issuer "$SYS" -cert "$T/good.crt" \
    -issuer "$USR" -cert "$T/person.crt" >"$T/ans" 2>&1
check "two CAs with different signers in one request: unauthorized" \
    grep -q 'Responder Error: unauthorized' "$T/ans"

# An issuer we do not serve: a CA of another store.
OTHER=$T/other
check "foreign CA" gca -d "$OTHER" -r other -v 30 --subject "/CN=Other CA" \
    --passout pass:other-secret --batch -o "$T/other.crt"
check "foreign leaf" sh -c "GENFIC_CA_DIR='$OTHER' && export GENFIC_CA_DIR &&
    '$GENFIC_CA' -R '$T/foreign' --nopass --subject /CN=foreign --batch &&
    '$GENFIC_CA' -p other -s '$T/foreign.req' -t system -o '$T/foreign.crt' \
    --passin pass:other-secret --batch" 
openssl ocsp -url "$URL" -issuer "$T/other.crt" -cert "$T/foreign.crt" \
    -CAfile "$T/other.crt" >"$T/ans" 2>&1
check "foreign issuer: unauthorized" grep -q 'Responder Error: unauthorized' "$T/ans"
ask "a serial of another CA of the store is unknown" ': unknown' \
    -issuer "$USR" -CAfile "$ROOT" -serial "0x$(cert_serial "$T/good.crt")"
openssl ocsp -url "$URL" -issuer "$USR" -cert "$T/good.crt" -CAfile "$ROOT" \
    >"$T/ans" 2>&1
check "one CA's name with another's key: unauthorized" \
    grep -q 'Responder Error: unauthorized' "$T/ans"

# Garbage and oversize bodies; the daemon goes on answering.
post() {
	curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/ocsp-request' "$@"
}
head -c 300 /dev/urandom >"$T/garbage"
check "garbage: HTTP 200" test "$(post --data-binary @"$T/garbage" "$URL/")" = 200
check "garbage: malformedRequest" test "$(status_of "$T/body")" = malformedrequest
: >"$T/empty"
check "empty body: malformedRequest" sh -c "[ \"\$(curl -s -o '$T/body' -w '%{http_code}' -H 'Content-Type: application/ocsp-request' --data-binary @'$T/empty' '$URL/')\" = 200 ]"
check "empty body: status" test "$(status_of "$T/body")" = malformedrequest
head -c 1048576 /dev/zero >"$T/big"
check "1 MiB body: 413" test "$(post --data-binary @"$T/big" "$URL/")" = 413
# With Expect: 100-continue the first answer is the 413, not "100 Continue":
# the headers alone are sent, and the status line read back.
expect_first() {
	python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n"
          b"Content-Length: 1048576\r\nExpect: 100-continue\r\n\r\n")
print(s.makefile("rb").readline().split()[1].decode())
PY
}
check "1 MiB body, Expect: 100-continue: 413 before the body" \
    test "$(expect_first)" = 413
check "1 MiB chunked body: 413" test "$(post -H 'Transfer-Encoding: chunked' \
    --data-binary @"$T/big" "$URL/")" = 413
head -c 8388608 /dev/zero >"$T/huge"
check "8 MiB chunked body: cut off" not test "$(post -H 'Transfer-Encoding: chunked' \
    --data-binary @"$T/huge" "$URL/")" = 200
check "8 MiB body: cut off" not test "$(post --data-binary @"$T/huge" \
    "$URL/")" = 200
rm -f "$T/huge"
check "wrong Content-Type: 415" test "$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: text/plain' --data-binary @"$T/garbage" "$URL/")" = 415
check "PUT: 405" test "$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
    --data-binary @"$T/garbage" "$URL/")" = 405
# A method with ESC and BEL (refused: not a token) is logged
# escaped, as gf_escape() shows it: no raw control byte reaches the log.
python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"G\x1b[31mX\x07 / HTTP/1.1\r\nHost: x\r\n\r\n")
s.makefile("rb").readline()
PY
wait_grep 'G\\x1b\[31mX\\x07 ' "$LOG"
check "a method with ESC is logged escaped" \
    grep -q '127\.0\.0\.1 G\\x1b\[31mX\\x07 ' "$LOG"
check "... and no raw ESC or BEL reaches the log" \
    not grep -q "$(printf '[\033\007]')" "$LOG"
# Fifty clients that send half a request and wait stall no one.
python3 - "$PORT" <<'EOF' &
import socket, sys, time
held = []
for i in range(50):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
    held.append(s)
time.sleep(4)
EOF
SLOW=$!
sleep 1
ask "answers while 50 clients stall" 'good.crt: good' $SYSASK -cert "$T/good.crt"
wait $SLOW
ask "still answering after all that" 'good.crt: good' $SYSASK -cert "$T/good.crt"

# RFC 5019 GET: base64 of the DER request, URL-encoded, under the prefix.
openssl ocsp -issuer "$SYS" -cert "$T/good.crt" -no_nonce -reqout "$T/req.der" >/dev/null 2>&1
B64=$(base64 -w0 "$T/req.der")
ENC=$(urlencode "$B64")
get() {
	curl -s -D "$T/headers" -o "$T/body" -w '%{http_code}' "$@"
}
check "GET: 200" test "$(get "$URL/ocsp/$ENC")" = 200
cp "$T/headers" "$T/get.headers"
cp "$T/body" "$T/get.der"
check "GET: verifies" sh -c "openssl ocsp -respin '$T/get.der' -issuer '$SYS' \
    -cert '$T/good.crt' -CAfile '$ROOT' 2>&1 | grep -q 'good.crt: good'"
hdr() {
	sed -n "s/^$1: //Ip" "$T/get.headers" | tr -d '\r'
}
check "GET: Content-Type" test "$(hdr Content-Type)" = application/ocsp-response
check "GET: Last-Modified" sh -c "[ -n \"$(hdr Last-Modified)\" ]"
check "GET: Last-Modified is thisUpdate" test \
    "$(date -u -d "$(hdr Last-Modified)" +%s)" = \
    "$(date -u -d "$(openssl ocsp -respin "$T/get.der" -resp_text -noverify |
    sed -n 's/^ *This Update: //p' | head -1)" +%s)"
check "GET: Expires, then stale-while-revalidate, end at nextUpdate" test \
    $(($(date -u -d "$(hdr Expires)" +%s) + $(hdr Cache-Control |
    sed -n 's/.*stale-while-revalidate=\([0-9]*\),.*/\1/p'))) = \
    "$(date -u -d "$(openssl ocsp -respin "$T/get.der" -resp_text -noverify |
    sed -n 's/^ *Next Update: //p' | head -1)" +%s)"
check "GET: ETag is the SHA-256 of the body" test "$(hdr ETag)" = \
    "\"$(sha256sum "$T/get.der" | cut -d' ' -f1)\""
check "GET: Cache-Control" sh -c "echo '$(hdr Cache-Control)' | grep -Eq \
    '^max-age=[0-9]+, stale-while-revalidate=[0-9]+, public, no-transform, must-revalidate$'"
check "GET: max-age within the validity" test \
    "$(hdr Cache-Control | sed 's/max-age=\([0-9]*\).*/\1/')" -le 86400
# A GET with a nonce is signed live, outside the cache: its ETag is that
# of its own bytes too.  A POST answer is never cached: no ETag, no
# Cache-Control.
openssl ocsp -issuer "$SYS" -cert "$T/good.crt" -reqout "$T/nreq.der" \
    >/dev/null 2>&1
check "GET with a nonce: 200" test \
    "$(get "$URL/ocsp/$(urlencode "$(base64 -w0 "$T/nreq.der")")")" = 200
check "GET with a nonce: ETag is the SHA-256 of the body" test \
    "$(sed -n 's/^ETag: //Ip' "$T/headers" | tr -d '\r')" = \
    "\"$(sha256sum "$T/body" | cut -d' ' -f1)\""
check "POST: 200" test "$(get --data-binary @"$T/nreq.der" \
    -H 'Content-Type: application/ocsp-request' "$URL/")" = 200
check "POST: no ETag, no Cache-Control" not grep -Eqi \
    '^(etag|cache-control):' "$T/headers"
rm -f "$T/body"
check "GET: If-None-Match -> 304" test "$(get -H "If-None-Match: $(hdr ETag)" \
    "$URL/ocsp/$ENC")" = 304
check "GET: 304 has no body" test ! -s "$T/body"
check "GET: weak and listed If-None-Match -> 304" test "$(get -H \
    "If-None-Match: \"x\", W/$(hdr ETag)" "$URL/ocsp/$ENC")" = 304
check "GET: other If-None-Match -> 200" test "$(get -H 'If-None-Match: "x"' \
    "$URL/ocsp/$ENC")" = 200
# The decoding traps: all must give the very same (cached) answer.
for variant in \
    "raw:$(printf '%s' "$B64")" \
    "no-padding:$(printf '%s' "$B64" | tr -d '=')" \
    "lowercase-escapes:$(urlencode "$B64" | sed 's/%2F/%2f/g; s/%2B/%2b/g')" \
    "leading-slash:/$ENC" \
    "space-for-plus:$(printf '%s' "$B64" | sed 's/+/%20/g')"; do
	name=${variant%%:*}
	path=${variant#*:}
	check "GET $name: 200" test "$(get "$URL/ocsp/$path")" = 200
	check "GET $name: same answer" cmp -s "$T/body" "$T/get.der"
done
check "GET outside the prefix: 404" test "$(get "$URL/$ENC")" = 404
check "GET garbage: malformedRequest" test "$(get "$URL/ocsp/not*base64")" = 200
check "GET garbage: status" test "$(status_of "$T/body")" = malformedrequest
check "HEAD: 200" test "$(curl -s -I -o /dev/null -w '%{http_code}' "$URL/ocsp/$ENC")" = 200

# A second client: GnuTLS.
if command -v ocsptool >/dev/null 2>&1; then
	ocsptool --ask="$URL/" --load-issuer="$SYS" --load-cert="$T/good.crt" \
	    --load-signer="$T/responder.crt" >"$T/ans" 2>&1
	check "ocsptool: verifies" grep -q 'Verifying OCSP Response: Success' "$T/ans"
	check "ocsptool: good" grep -q 'Certificate Status: good' "$T/ans"
	ocsptool --ask="$URL/" --load-issuer="$SYS" --load-cert="$T/revoked.crt" \
	    --load-trust="$SYS" >"$T/ans" 2>&1
	check "ocsptool: revoked, delegated signer trusted through its CA" \
	    sh -c "grep -q 'Certificate Status: revoked' '$T/ans' &&
	    grep -q 'Verifying OCSP Response: Success' '$T/ans'"
	ocsptool -j --load-response="$T/get.der" >"$T/ans" 2>&1
	check "ocsptool: reads the GET answer" grep -q 'Certificate Status: good' "$T/ans"
else
	fail "ocsptool: GnuTLS ocsptool not installed (contrib/deps.sh installs gnutls-bin)"
fi

# Revocation while running: visible within 5 s.
ask "before revocation" 'later.crt: good' -no_nonce $SYSASK -cert "$T/later.crt"
check "revoke while running" gca -p genfic-system -x "$T/later.crt" \
    --reason superseded --passin pass:system-secret --batch
# A live answer (nonce) reads the store: the very next one says revoked.
ask "revoked: the next live answer says so" 'later.crt: revoked' \
    $SYSASK -cert "$T/later.crt"
seen=no
i=0
while [ $i -lt 25 ]; do
	openssl ocsp -url "$URL" -no_nonce $SYSASK -cert "$T/later.crt" \
	    >"$T/ans" 2>&1
	if grep -q 'later.crt: revoked' "$T/ans"; then seen=yes; break; fi
	sleep 0.2
	i=$((i + 1))
done
check "revoked within 5 s (cached answer replaced)" test $seen = yes
check "with its reason" grep -q 'Reason: superseded' "$T/ans"

# One log line per request: client, CA, serial, status, cache, time.
check "log line" grep -Eq '^127\.0\.0\.1 POST ca=genfic-system serial=[0-9A-F]+ status=good cache=(hit|miss|live) http=200 [0-9]+us$' "$LOG"
check "log line for a refusal" grep -Eq '^127\.0\.0\.1 POST ca=- serial=- status=- cache=- http=413 ' "$LOG"

# SIGHUP reloads; SIGTERM stops.
kill -HUP "$PID"
i=0
while [ $i -lt 50 ] && ! grep -q 'SIGHUP: reloaded' "$LOG"; do
	sleep 0.1; i=$((i + 1))
done
check "SIGHUP reloads" grep -q 'SIGHUP: reloaded 2 CA' "$LOG"
ask "answers after SIGHUP" 'good.crt: good' -no_nonce $SYSASK -cert "$T/good.crt"
check "SIGTERM: exits 0" stop_ocspd

# IPv6: "[::1]:PORT".
if [ -e /proc/net/if_inet6 ] && grep -q '^0*1 ' /proc/net/if_inet6; then
	root=""
	[ "$(id -u)" -eq 0 ] && root=--allow-root
	${GENFIC_CA_WRAPPER:-} "$GENFIC_OCSPD" --foreground -l '[::1]:0' $root \
	    -d "$GENFIC_CA_DIR" --ca genfic-system --signer-cert \
	    "$T/responder.crt" --signer-key "$T/responder.key" \
	    >"$T/v6.log" 2>&1 &
	V6=$!
	ocspd_pids="$ocspd_pids $V6"
	i=0
	while [ $i -lt 300 ] && ! grep -q '^genfic-ocspd: serving' "$T/v6.log"; do
		sleep 0.1; i=$((i + 1))
	done
	V6PORT=$(sed -n 's/^genfic-ocspd: listening on \[::1\]:\([0-9]*\)$/\1/p' "$T/v6.log")
	check "IPv6: listening on [::1]" test -n "$V6PORT"
	openssl ocsp -url "http://[::1]:$V6PORT/" $SYSASK -cert "$T/good.crt" \
	    >"$T/ans" 2>&1
	check "IPv6: answers" grep -q 'good.crt: good' "$T/ans"
	check "IPv6: client logged" grep -q '^::1 POST ' "$T/v6.log"
	kill "$V6"
	wait "$V6"
else
	skip "IPv6" "no IPv6 loopback"
fi

# Without --foreground: the command returns once the daemon serves.
if command -v ss >/dev/null 2>&1 && command -v ps >/dev/null 2>&1; then
	root=""
	[ "$(id -u)" -eq 0 ] && root=--allow-root
	"$GENFIC_OCSPD" -l 127.0.0.1:0 $root -d "$GENFIC_CA_DIR" \
	    --ca genfic-system --signer-cert "$T/responder.crt" \
	    --signer-key "$T/responder.key" 2>"$T/bg.log" </dev/null
	check "background: exits 0 once serving" test $? -eq 0
	BGPORT=$(sed -n 's/^genfic-ocspd: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/bg.log")
	URL_FG=$URL
	URL=http://127.0.0.1:$BGPORT
	ask "background: answers" 'good.crt: good' $SYSASK -cert "$T/good.crt"
	URL=$URL_FG
	BGPID=$(ss -ltnpH "sport = :$BGPORT" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
	check "background: its own session" test "$(ps -o sid= -p "$BGPID" | tr -d ' ')" = "$BGPID"
	[ -n "$BGPID" ] && kill "$BGPID"
else
	fail "background: ss or ps not installed (contrib/deps.sh installs iproute2 and procps)"
fi

# Startup errors exit 1 with "genfic-ocspd: what: why"; usage errors 2.
ocspd_refuse() {
	desc=$1 want=$2 frag=$3; shift 3
	# No -l: each fails before binding (and popt leaks a repeated option).
	ocspd --foreground --allow-root "$@" >"$T/ans" 2>"$T/err" </dev/null
	got=$?
	if [ "$got" -eq "$want" ] && grep -q "^genfic-ocspd: .*$frag" "$T/err"; then
		pass "$desc"
	else
		fail "$desc (exit $got, want $want and '$frag')"
		sed 's/^/#   /' "$T/err" | head -5
	fi
}
ocspd_refuse "no store" 1 "no store" -d "$T/nowhere"
ocspd_refuse "encrypted CA key without --passin" 1 "give --passin" \
    -d "$GENFIC_CA_DIR" --ca genfic-user
ocspd_refuse "wrong passphrase" 1 "passphrase" -d "$GENFIC_CA_DIR" \
    --ca genfic-user --passin pass:nope
cp -a "$GENFIC_CA_DIR" "$T/swapped"
cp "$GENFIC_CA_DIR/private/genfic-user.key" "$T/swapped/private/genfic-system.key"
ocspd_refuse "another CA's key at private/NAME.key (ca_key_load's check)" 1 \
    "CA genfic-system: key private/genfic-system.key does not match the CA certificate" \
    -d "$T/swapped" --ca genfic-system --passin pass:user-secret
ocspd_refuse "no such CA" 1 "no CA named 'nope'" -d "$GENFIC_CA_DIR" --ca nope
ocspd_refuse "signer of another CA" 1 "issued by none of the CAs" \
    -d "$GENFIC_CA_DIR" --ca genfic-user --passin pass:user-secret \
    --signer-cert "$T/responder.crt" --signer-key "$T/responder.key"
ocspd_refuse "not a responder certificate" 1 "OCSPSigning" \
    -d "$GENFIC_CA_DIR" --ca genfic-system \
    --signer-cert "$T/good.crt" --signer-key "$T/good.key"
# The responder key with its private scalar damaged, its public half intact
# (X509_check_private_key() passes): it would sign answers no client verifies.
openssl pkey -in "$T/responder.key" -outform DER -out "$T/damaged.der"
printf '\377' | dd of="$T/damaged.der" bs=1 seek=10 conv=notrunc 2>/dev/null
openssl pkey -inform DER -in "$T/damaged.der" -out "$T/damaged.key" 2>/dev/null
check "the damaged responder key carries the responder's public key" sh -c "
    openssl pkey -in '$T/damaged.key' -pubout | cmp -s - \$(openssl x509 -in '$T/responder.crt' -noout -pubkey >'$T/rpub'; echo '$T/rpub')"
ocspd_refuse "a responder key that does not sign for its certificate" 1 \
    "the key does not match the certificate" -d "$GENFIC_CA_DIR" \
    --ca genfic-system --signer-cert "$T/responder.crt" \
    --signer-key "$T/damaged.key"
gca --publish "$T/pub" >/dev/null 2>&1
ocspd_refuse "a published store without --ca: names the CA and says what to give" 1 \
    "CA genfic: no signer: .*private/genfic.key does not exist; serve only the CAs that --signer-cert covers with --ca NAME" \
    -d "$T/pub" --signer-cert "$T/responder.crt" --signer-key "$T/responder.key"
ocspd_refuse "bad --threads" 2 "--threads" -d "$GENFIC_CA_DIR" --threads 0
ocspd_refuse "bad --listen" 2 "ADDR:PORT" -d "$GENFIC_CA_DIR" -l nowhere
ocspd_refuse "signer cert without key" 2 "go together" -d "$GENFIC_CA_DIR" \
    --signer-cert "$T/responder.crt"
ocspd "--bad$(printf '\033')[2J" >/dev/null 2>"$T/badopt"
check "an unknown option with ESC is shown escaped" \
    grep -q '^genfic-ocspd: --bad\\x1b\[2J: unknown option$' "$T/badopt"
check "... without the raw ESC" not grep -q "$(printf '\033')" "$T/badopt"
check "--version" sh -c "'$GENFIC_OCSPD' --version | grep -q '^genfic-ocspd '"

finish
