#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The responder's own signer (issue 14 item 4): a revoked or expired signer
# stops the signing (tryLater, one log line, /health 503) within seconds of
# the change; a CA revoked for cACompromise has every certificate it issued
# answered revoked (RFC 6960 2.7).  openssl ocsp and GnuTLS ocsptool ask.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || { fail "curl is needed"; finish; exit 1; }
command -v sqlite3 >/dev/null || { fail "sqlite3 is needed"; finish; exit 1; }
command -v ocsptool >/dev/null ||
    { fail "ocsptool is needed (apt-get install gnutls-bin)"; finish; exit 1; }

SYS=$GENFIC_CA_DIR/certs/genfic-system.crt
USR=$GENFIC_CA_DIR/certs/genfic-user.crt
ROOT=$T/root.pem
DB=$GENFIC_CA_DIR/ca.db

check "hierarchy" make_hierarchy
check "leaf" new_leaf good genfic-system system-secret
check "user leaf" new_leaf person genfic-user user-secret
check "responder certificate of genfic-system" \
    new_leaf responder genfic-system system-secret ocsp
check "responder certificate of genfic-user" \
    new_leaf uresponder genfic-user user-secret ocsp

# health: "CODE BODY" of GET /health.
health() {
	curl -s -o "$T/health" -w '%{http_code}' "$URL/health"
	printf ' '
	tr '\n' ' ' <"$T/health"
}

# wait_for DESC WANT ARGS...: openssl ocsp against $URL until its output
# matches WANT (up to 5 s).
wait_for() {
	wf_desc=$1 wf_want=$2; shift 2
	wf_i=0
	while [ $wf_i -lt 25 ]; do
		openssl ocsp -url "$URL" "$@" >"$T/ans" 2>&1
		if grep -Eq -- "$wf_want" "$T/ans"; then
			pass "$wf_desc"
			return
		fi
		sleep 0.2
		wf_i=$((wf_i + 1))
	done
	fail "$wf_desc"
	sed 's/^/#   /' "$T/ans" | head -10
}

# --- A delegated signer revoked for keyCompromise while running.
LOG=$T/sys.log
check "starts (delegated signer)" start_ocspd "$LOG" -d "$GENFIC_CA_DIR" \
    --ca genfic-system --signer "genfic-system=$T/responder.crt,$T/responder.key"
SYSASK="-issuer $SYS -CAfile $ROOT"
ask "good before" 'good.crt: good' -no_nonce $SYSASK -cert "$T/good.crt"
ask "good before (with a nonce)" 'good.crt: good' $SYSASK -cert "$T/good.crt"
check "/health: 200 ok" test "$(health)" = "200 ok "
check "revoke the responder certificate (keyCompromise)" \
    gca -p genfic-system -x "$T/responder.crt" --reason keyCompromise \
    --passin pass:system-secret --batch
wait_for "tryLater within 5 s (cached answer)" 'Responder Error: trylater' \
    -no_nonce $SYSASK -cert "$T/good.crt"
wait_for "tryLater (signed live)" 'Responder Error: trylater' \
    $SYSASK -cert "$T/good.crt"
check "no 'Response verify OK' any more" not grep -q 'Response verify OK' \
    "$T/ans"
openssl ocsp -issuer "$SYS" -cert "$T/good.crt" -no_nonce \
    -reqout "$T/get.req" >/dev/null 2>&1
curl -s -o "$T/get.der" "$URL/$(urlencode "$(base64 -w0 "$T/get.req")")"
check "GET: tryLater too" test "$(status_of "$T/get.der")" = trylater
ocsptool --ask="$URL" --load-issuer "$SYS" --load-cert "$T/good.crt" \
    --load-signer "$T/responder.crt" >"$T/gnutls" 2>&1
check "ocsptool: no good answer" not grep -qi 'Certificate Status: good' \
    "$T/gnutls"
check "ocsptool: tryLater" grep -qi 'try.*later' "$T/gnutls" ||
    sed 's/^/#   /' "$T/gnutls" | head
got=$(health)
case $got in
"503 signer revoked: CA genfic-system: responder certificate "*" (keyCompromise) ")
	pass "/health: 503 signer revoked" ;;
*)	fail "/health: 503 signer revoked (got '$got')" ;;
esac
check "one loud log line, not one per request" \
    test "$(grep -c 'signer revoked: CA genfic-system' "$LOG")" -eq 1
check "stops cleanly" stop_ocspd

# --- The CA revoked for cACompromise: its certificates answer revoked,
# signed by its delegated responder.
LOG=$T/usr.log
check "starts (genfic-user, delegated signer)" start_ocspd "$LOG" \
    -d "$GENFIC_CA_DIR" --ca genfic-user \
    --signer "genfic-user=$T/uresponder.crt,$T/uresponder.key"
USRASK="-issuer $USR -CAfile $ROOT"
ask "person good before" 'person.crt: good' -no_nonce $USRASK \
    -cert "$T/person.crt"
check "revoke genfic-user (cACompromise)" gca -p genfic -x "$USR" \
    --reason cACompromise --passin pass:root-secret --batch
wait_for "person revoked within 5 s" 'person.crt: revoked' -no_nonce \
    $USRASK -cert "$T/person.crt"
check "Response verify OK (-CAfile)" grep -q '^Response verify OK' "$T/ans"
check "reason cACompromise" grep -q 'Reason: cACompromise' "$T/ans"
ca_time=$(sqlite3 "$DB" "SELECT revoked_at FROM cert WHERE id =
    (SELECT cert_id FROM ca WHERE name = 'genfic-user')")
check "at the CA's revocation time" grep -q \
    "Revocation Time: $(date -u -d "@$ca_time" '+%b %e %H:%M:%S %Y') GMT" \
    "$T/ans"
ask "verified with -VAfile too" 'Reason: cACompromise' -no_nonce \
    -issuer "$USR" -VAfile "$T/uresponder.crt" -cert "$T/person.crt"
ask "the responder certificate itself: revoked too" \
    'uresponder.crt: revoked' -no_nonce $USRASK -cert "$T/uresponder.crt"
ask "a serial never issued stays unknown" \
    '0x0123456789ABCDEF0123456789ABCDEF: unknown' -no_nonce $USRASK \
    -serial 0x0123456789ABCDEF0123456789ABCDEF
ocsptool --ask="$URL" --load-issuer "$USR" --load-cert "$T/person.crt" \
    --load-signer "$T/uresponder.crt" >"$T/gnutls" 2>&1
check "ocsptool: revoked" grep -q 'Certificate Status: revoked' "$T/gnutls"
check "ocsptool: verified" grep -q '^Verifying OCSP Response: Success' \
    "$T/gnutls"
check "/health stays 200 (the signer itself is not revoked)" \
    test "$(health)" = "200 ok "
check "stops cleanly" stop_ocspd

# --- The same CA signing with its own key: its own revocation is the
# signer's.
LOG=$T/own.log
check "starts (genfic-user, its own key)" start_ocspd "$LOG" \
    -d "$GENFIC_CA_DIR" --ca genfic-user --passin pass:user-secret
wait_for "a CA that signs itself when revoked: tryLater" \
    'Responder Error: trylater' -no_nonce $USRASK -cert "$T/person.crt"
got=$(health)
case $got in
"503 signer revoked: CA genfic-user: own certificate "*"(cACompromise) ")
	pass "/health: 503, its own certificate revoked" ;;
*)	fail "/health: 503, its own certificate revoked (got '$got')" ;;
esac
check "logged at start" grep -q 'signer revoked: CA genfic-user' "$LOG"
check "stops cleanly" stop_ocspd

# --- A signer that expires while the daemon runs (issued by openssl ca
# with a notAfter a few seconds away).
mkdir -p "$T/oca/new"
: >"$T/oca/index.txt"
echo 01 >"$T/oca/serial"
cat >"$T/oca/ca.cnf" <<EOF
[ ca ]
default_ca = tmp
[ tmp ]
database = $T/oca/index.txt
new_certs_dir = $T/oca/new
serial = $T/oca/serial
default_md = sha256
policy = any
unique_subject = no
[ any ]
commonName = supplied
[ ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
gca -R "$T/short" --nopass --subject "/CN=short-lived responder" --batch \
    >/dev/null 2>&1
now=$(date +%s)
check "a responder certificate valid for 8 more seconds" \
    openssl ca -batch -config "$T/oca/ca.cnf" -cert "$SYS" \
    -keyfile "$GENFIC_CA_DIR/private/genfic-system.key" \
    -passin pass:system-secret -in "$T/short.req" -out "$T/short.crt" \
    -extensions ext -notext \
    -startdate "$(date -u -d "@$((now - 60))" +%y%m%d%H%M%SZ)" \
    -enddate "$(date -u -d "@$((now + 8))" +%y%m%d%H%M%SZ)"
LOG=$T/short.log
check "starts (short-lived signer)" start_ocspd "$LOG" -d "$GENFIC_CA_DIR" \
    --ca genfic-system --signer "genfic-system=$T/short.crt,$T/short.key"
ask "good while it is valid" 'good.crt: good' -no_nonce $SYSASK \
    -cert "$T/good.crt"
while [ "$(date +%s)" -lt $((now + 9)) ]; do sleep 0.5; done
wait_for "tryLater once it expired" 'Responder Error: trylater' -no_nonce \
    $SYSASK -cert "$T/good.crt"
got=$(health)
case $got in
"503 signer expired: CA genfic-system: responder certificate "*) 
	pass "/health: 503 signer expired" ;;
*)	fail "/health: 503 signer expired (got '$got')" ;;
esac
check "one log line for the expiry" \
    test "$(grep -c 'signer expired: CA genfic-system' "$LOG")" -eq 1
check "stops cleanly" stop_ocspd

finish
