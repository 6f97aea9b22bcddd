#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# -g: v2 CRLs checked with openssl crl and openssl verify -crl_check(_all).
. "$(dirname "$0")/lib.sh"

make_hierarchy || { echo "not ok - hierarchy"; exit 1; }
SYS="-p genfic-system --passin pass:system-secret --batch"
ROOT="-p genfic --passin pass:root-secret --batch"
C=$GENFIC_CA_DIR/certs
for h in good bad held; do
	gca -R "$T/$h" --nopass >/dev/null
	gca $SYS -s "$T/$h.req" -o "$T/$h.crt" 2>/dev/null
done

check "an empty CRL" gca $SYS -g -o "$T/empty.crl"
openssl crl -in "$T/empty.crl" -noout -text >"$T/empty.txt"
grep -q "No Revoked Certificates" "$T/empty.txt" && pass "no revokedCertificates when empty" ||
    fail "no revokedCertificates when empty"
# RFC 5280 5.1.2.6: the field is absent, not an empty SEQUENCE.
openssl crl -in "$T/empty.crl" -outform der | openssl asn1parse -inform der >"$T/asn1"
grep 'd=2' "$T/asn1" | grep -A1 'UTCTIME' | tail -1 | grep -q 'cont \[ 0 \]' &&
    pass "empty CRL has no empty list" ||
    fail "empty CRL has no empty list"

gca -p genfic-system -x bad --reason keyCompromise --invalidity-date 2026-01-01 >/dev/null
gca -p genfic-system -x held --reason certificateHold >/dev/null
check "a CRL with two entries" gca $SYS -g -o "$T/sys.crl"
openssl crl -in "$T/sys.crl" -noout -text >"$T/crl.txt"
grep -q "Version 2" "$T/crl.txt" && pass "v2 CRL" || fail "v2 CRL"
for h in bad held; do
	s=$(openssl x509 -in "$T/$h.crt" -noout -serial | cut -d= -f2)
	grep -q "Serial Number: $s" "$T/crl.txt" && pass "$h is listed" || fail "$h is listed"
done
s=$(openssl x509 -in "$T/good.crt" -noout -serial | cut -d= -f2)
grep -q "Serial Number: $s" "$T/crl.txt" && fail "good is not listed" || pass "good is not listed"
grep -q "Key Compromise" "$T/crl.txt" && pass "reason keyCompromise" || fail "reason keyCompromise"
grep -q "Certificate Hold" "$T/crl.txt" && pass "reason certificateHold" || fail "reason certificateHold"
grep -q "Invalidity Date" "$T/crl.txt" && pass "invalidity date" || fail "invalidity date"
grep -q "Authority Key Identifier" "$T/crl.txt" && pass "AKI" || fail "AKI"
ski=$(openssl x509 -in "$C/genfic-system.crt" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')
grep -A1 "Authority Key Identifier" "$T/crl.txt" | tail -1 | tr -d ' ' | grep -q "$ski" &&
    pass "AKI is the CA's SKI" || fail "AKI is the CA's SKI"
n1=$(openssl crl -in "$T/empty.crl" -noout -crlnumber | cut -d= -f2)
n2=$(openssl crl -in "$T/sys.crl" -noout -crlnumber | cut -d= -f2)
[ $((n2)) -gt $((n1)) ] && pass "crlNumber increases ($n1 -> $n2)" || fail "crlNumber increases"
cmp -s "$T/sys.crl" "$GENFIC_CA_DIR/crl/genfic-system.crl" && pass "DIR/crl/NAME.crl is the latest" ||
    fail "DIR/crl/NAME.crl is the latest"
[ "$(sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT count(*) FROM crl WHERE ca_id = (SELECT id FROM ca WHERE name = 'genfic-system')")" = 2 ] &&
    pass "both CRLs stored in the database" || fail "both CRLs stored in the database"

# nextUpdate: 7 days for an issuing CA, --crl-hours overrides.
this=$(date -u -d "$(openssl crl -in "$T/sys.crl" -noout -lastupdate | cut -d= -f2)" +%s)
next=$(date -u -d "$(openssl crl -in "$T/sys.crl" -noout -nextupdate | cut -d= -f2)" +%s)
[ $((next - this)) -eq $((7 * 86400)) ] && pass "nextUpdate = thisUpdate + 7 days" || fail "nextUpdate 7 days"
gca $SYS -g --crl-hours 6 -o "$T/short.crl" >/dev/null
this=$(date -u -d "$(openssl crl -in "$T/short.crl" -noout -lastupdate | cut -d= -f2)" +%s)
next=$(date -u -d "$(openssl crl -in "$T/short.crl" -noout -nextupdate | cut -d= -f2)" +%s)
[ $((next - this)) -eq $((6 * 3600)) ] && pass "--crl-hours 6" || fail "--crl-hours 6"
check "the root's CRL" gca $ROOT -g -o "$T/root.crl"
this=$(date -u -d "$(openssl crl -in "$T/root.crl" -noout -lastupdate | cut -d= -f2)" +%s)
next=$(date -u -d "$(openssl crl -in "$T/root.crl" -noout -nextupdate | cut -d= -f2)" +%s)
[ $((next - this)) -eq $((365 * 86400)) ] && pass "root CRL: 365 days" || fail "root CRL: 365 days"
check "-o with a bare file name" sh -c "cd '$T' && \"$GENFIC_CA\" $SYS -g -o bare.crl"
[ -s "$T/bare.crl" ] && pass "... written in the current directory" || fail "... written in the current directory"
check "--format der" gca $SYS -g --format der -o "$T/sys.der"
openssl crl -inform der -in "$T/sys.der" -noout && pass "DER CRL parses" || fail "DER CRL parses"
gca $SYS -g -o "$T/sys.crl" >/dev/null

# Real verification, with the CRLs of both levels.
cat "$T/root.crl" "$T/sys.crl" >"$T/all.crl"
V="openssl verify -CAfile $C/genfic.crt -untrusted $C/genfic-system.crt -CRLfile $T/all.crl"
check "verify -crl_check accepts the good leaf" $V -crl_check "$T/good.crt"
$V -crl_check "$T/bad.crt" >"$T/v" 2>&1; grep -q "certificate revoked" "$T/v" &&
    pass "verify -crl_check rejects the revoked leaf" || fail "verify -crl_check rejects the revoked leaf"
$V -crl_check "$T/held.crt" >"$T/v" 2>&1; grep -q "certificate revoked" "$T/v" &&
    pass "verify -crl_check rejects the held leaf" || fail "verify -crl_check rejects the held leaf"
check "verify -crl_check_all accepts the good leaf" $V -crl_check_all "$T/good.crt"
check "certtool verifies the CRL signature" certtool --verify-crl --load-ca-certificate "$C/genfic-system.crt" --infile "$T/sys.crl"

# Release the hold: the next CRL no longer lists it.
gca -p genfic-system -x held --reason removeFromCRL >/dev/null
gca $SYS -g -o "$T/sys.crl" >/dev/null
cat "$T/root.crl" "$T/sys.crl" >"$T/all.crl"
check "a released certificate verifies again" $V -crl_check_all "$T/held.crt"

# A revoked intermediate makes its leaves fail.
gca -p genfic -x genfic-system --reason cACompromise >/dev/null
gca $ROOT -g -o "$T/root.crl" >/dev/null
cat "$T/root.crl" "$T/sys.crl" >"$T/all.crl"
$V -crl_check_all "$T/good.crt" >"$T/v" 2>&1; grep -q "certificate revoked" "$T/v" &&
    pass "a revoked intermediate fails its leaves" || fail "a revoked intermediate fails its leaves"

# Expired revoked entries: left off unless --include-expired.
sqlite3 "$GENFIC_CA_DIR/ca.db" "UPDATE cert SET not_after = 1000 WHERE cn = 'bad'"
gca $SYS -g -o "$T/noexp.crl" >/dev/null
gca $SYS -g --include-expired -o "$T/withexp.crl" >/dev/null
s=$(openssl x509 -in "$T/bad.crt" -noout -serial | cut -d= -f2)
openssl crl -in "$T/noexp.crl" -noout -text | grep -q "$s" && fail "expired entry left off" || pass "expired entry left off"
openssl crl -in "$T/withexp.crl" -noout -text | grep -q "$s" && pass "--include-expired keeps it" || fail "--include-expired keeps it"

# Refusals.
n=$(rows crl)
refuse "-g with a wrong passphrase" 1 "genfic-system: cannot decrypt CA key: wrong passphrase?" \
    gca -p genfic-system -g --passin pass:wrong --batch
refuse "-g without -p" 2 "needs -p" gca -g
refuse "-g --format bogus" 2 "pem or der" gca $SYS -g --format bogus
refuse "--crl-days 0" 2 "--crl-days '0'" gca $SYS -g --crl-days 0
[ "$(rows crl)" = "$n" ] && pass "refused -g stores no CRL" || fail "refused -g stores no CRL"

# URLs set later with --set go into what the CA issues next.
check "--set URLs" gca -p genfic-system --set --crl-url http://pki.example/sys.crl --ocsp-url http://ocsp.example/ \
    --issuer-url http://pki.example/genfic-system.crt
gca -p genfic -x genfic-system --reason removeFromCRL >/dev/null 2>&1 || true
sqlite3 "$GENFIC_CA_DIR/ca.db" "UPDATE cert SET revoked_at = NULL, reason = NULL WHERE label = 'genfic-system'"
gca -R "$T/withurl" --nopass >/dev/null
gca $SYS -s "$T/withurl.req" -o "$T/withurl.crt" 2>/dev/null
openssl x509 -in "$T/withurl.crt" -noout -ext crlDistributionPoints,authorityInfoAccess >"$T/ext"
grep -q "URI:http://pki.example/sys.crl" "$T/ext" && pass "CDP from --crl-url" || fail "CDP from --crl-url"
grep -q "OCSP - URI:http://ocsp.example/" "$T/ext" && pass "AIA from --ocsp-url" || fail "AIA from --ocsp-url"
grep -q "CA Issuers - URI:http://pki.example/genfic-system.crt" "$T/ext" && pass "AIA caIssuers from --issuer-url" ||
    fail "AIA caIssuers from --issuer-url"
refuse "--set with a bad URL" 2 "URL expected" gca -p genfic-system --set --crl-url ftp://x

# A -g whose commit fails writes no CRL file, and keeps neither the row,
# the number nor the audit entry.
crls=$(rows crl) audit=$(rows audit)
next=$(sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT next_crl_number FROM ca WHERE name = 'genfic-system'")
refuse "-g whose commit fails" 1 "genfic-system: commit" \
    preloaded "$GF_FAILCOMMIT" "$GENFIC_CA" $SYS -g --force -o "$T/failed.crl"
check "... writes no CRL" test ! -e "$T/failed.crl"
check "... and records nothing" test "$(rows crl)" -eq "$crls" -a "$(rows audit)" -eq "$audit" -a \
    "$(sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT next_crl_number FROM ca WHERE name = 'genfic-system'")" -eq "$next"
finish
