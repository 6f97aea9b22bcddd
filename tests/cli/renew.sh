#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# --renew and --renew-expiring: a new certificate for the same key, subject,
# SANs and template, recorded as the renewal of the old one; the old one
# stays valid unless --reason superseded; a key revoked for keyCompromise
# is never certified again.  Checked with openssl verify -crl_check_all,
# certtool --verify-chain and genfic-ocspd answering openssl ocsp.
. "$(dirname "$0")/../ocsp/lib.sh"

make_hierarchy || { echo "Bail out! hierarchy"; exit 1; }
SYS="--passin pass:system-secret --batch"
ROOT_CRT=$GENFIC_CA_DIR/certs/genfic.crt
SYS_CRT=$GENFIC_CA_DIR/certs/genfic-system.crt

# sign NAME DAYS [options]: key + request with two SANs, signed by genfic-system.
sign() {
	sn_name=$1 sn_days=$2; shift 2
	newkey "$sn_name" -algorithm EC -pkeyopt ec_paramgen_curve:P-256 &&
	csr "$sn_name" "$sn_name" "/O=Gentoo Fictional, Inc./CN=$sn_name.example.org" \
	    -addext "subjectAltName=DNS:$sn_name.example.org,DNS:alt.$sn_name.example.org" &&
	gca -p genfic-system -s "$T/$sn_name.req" -v "$sn_days" -o "$T/$sn_name.crt" \
	    $SYS "$@" >/dev/null 2>&1
}

# pubkey, subject and SAN text of a certificate, one line each.
identity() {
	openssl x509 -in "$1" -noout -pubkey -subject -ext subjectAltName -nameopt RFC2253
}

# chain_ok CERT [CRLS...]: openssl verify -crl_check_all with the CRLs.
chain_ok() {
	co_cert=$1; shift
	cat "$ROOT_CRT" "$SYS_CRT" >"$T/chain.pem"
	cat "$@" >"$T/crls.pem"
	openssl verify -crl_check_all -CAfile "$T/chain.pem" -CRLfile "$T/crls.pem" "$co_cert"
}

sign www 300 --label www || { echo "Bail out! sign www"; exit 1; }
sign mail 20 || { echo "Bail out! sign mail"; exit 1; }
sign vpn 25 --label vpn || { echo "Bail out! sign vpn"; exit 1; }
sign far 400 || { echo "Bail out! sign far"; exit 1; }
old_www=$(serial_of "$T/www.crt")

# --renew by label
check "--renew www" gca -p genfic-system --renew www -o "$T/www2.crt" $SYS
new_www=$(serial_of "$T/www2.crt")
check "a new serial" test "$new_www" != "$old_www"
check "same key, subject and SANs" sh -c "[ \"\$(identity '$T/www.crt')\" = \"\$(identity '$T/www2.crt')\" ]"
check "the template's validity from now (system: 3650 days)" test "$(days_of "$T/www2.crt")" -eq 3650
now=$(date -u +%s)
check "notBefore is now" test $(($(epoch_of "$T/www2.crt" startdate) - now)) -le 5 -a \
    $((now - $(epoch_of "$T/www2.crt" startdate))) -le 120
check "the same extensions as the old one" sh -c "
    openssl x509 -in '$T/www.crt' -noout -ext keyUsage,extendedKeyUsage,basicConstraints >'$T/ext.old' &&
    openssl x509 -in '$T/www2.crt' -noout -ext keyUsage,extendedKeyUsage,basicConstraints >'$T/ext.new' &&
    cmp -s '$T/ext.old' '$T/ext.new'"
check "the label follows the renewal" sh -c "'$GENFIC_CA' -S www | grep -q '^Serial: *$new_www\$'"
check "-S of the old shows its renewal" sh -c "'$GENFIC_CA' -S $old_www | grep -q '^Renewed by: *$new_www\$'"
check "-S of the new shows what it renews" sh -c "'$GENFIC_CA' -S $new_www | grep -q '^Renews: *$old_www\$'"
check "-S --json: both directions" sh -c "
    '$GENFIC_CA' -S $old_www --json >'$T/old.json' && '$GENFIC_CA' -S $new_www --json >'$T/new.json' &&
    python3 -c \"
import json
o = json.load(open('$T/old.json')); n = json.load(open('$T/new.json'))
assert o['renewed_by'] == '$new_www' and o['renews'] is None, o
assert n['renews'] == '$old_www' and n['renewed_by'] is None, n
assert o['status'] == 'valid', o
\""
check "one renew audit entry" sh -c "[ \$(sqlite3 '$GENFIC_CA_DIR/ca.db' \"SELECT count(*) FROM audit WHERE operation = 'renew'\") -eq 1 ]"
refuse_clean "renewing it again" 1 "already renewed as $new_www" \
    gca -p genfic-system --renew "$old_www" -o "$T/www3.crt" $SYS

# --renew --reason superseded, by certificate file, to stdout
old_mail=$(serial_of "$T/mail.crt")
check "--renew FILE --reason superseded to stdout" sh -c "'$GENFIC_CA' -p genfic-system --renew '$T/mail.crt' --reason superseded $SYS >'$T/mail2.crt'"
check "... a certificate on stdout" openssl x509 -in "$T/mail2.crt" -noout
check "the old one is revoked, superseded" sh -c "'$GENFIC_CA' -S $old_mail --json | python3 -c \"
import json, sys
d = json.load(sys.stdin)
assert d['status'] == 'revoked' and d['reason'] == 'superseded', d
\""
refuse_clean "renewing a revoked certificate" 1 "revoked" \
    gca -p genfic-system --renew "$old_mail" -o "$T/mail3.crt" $SYS
refuse_clean "renewing an unknown certificate" 1 "no certificate" \
    gca -p genfic-system --renew 0BADC0DE -o "$T/none.crt" $SYS
refuse_clean "renewing a CA (that is --recertify)" 1 "recertify" \
    gca -p genfic --renew genfic-system -o "$T/ca.crt" --passin pass:root-secret --batch
refuse_clean "--renew with the wrong passphrase" 1 "wrong passphrase" \
    gca -p genfic-system --renew vpn -o "$T/vpn-bad.crt" --passin pass:nope --batch
refuse "--renew without -p" 2 "needs -p" gca --renew vpn $SYS

# keyCompromise: a second certificate for vpn's key, then revoked for keyCompromise
check "another certificate for vpn's key" gca -p genfic-system -s "$T/vpn.req" \
    -o "$T/vpn-twin.crt" --force $SYS
twin=$(serial_of "$T/vpn-twin.crt")
check "revoke it for keyCompromise" gca -p genfic-system -x "$twin" --reason keyCompromise $SYS
refuse_clean "renewing a certificate whose key was compromised" 1 "$twin" \
    gca -p genfic-system --renew vpn -o "$T/vpn2.crt" $SYS

# CRL, verify, certtool, OCSP
check "-g" gca -p genfic-system -g -o "$T/sys.crl" $SYS
check "-g root" gca -p genfic -g -o "$T/root.crl" --passin pass:root-secret --batch
check "openssl verify -crl_check_all: the renewal" chain_ok "$T/www2.crt" "$T/root.crl" "$T/sys.crl"
check "openssl verify -crl_check_all: the renewed one stays valid" chain_ok "$T/www.crt" "$T/root.crl" "$T/sys.crl"
check "openssl verify -crl_check_all: the superseded one fails" not chain_ok "$T/mail.crt" "$T/root.crl" "$T/sys.crl"
check "... and the CRL says superseded" sh -c "openssl crl -in '$T/sys.crl' -noout -text | grep -A4 'Serial Number: $old_mail' | grep -q 'Superseded'"
check "certtool --verify-chain: the renewal" sh -c "cat '$T/www2.crt' '$SYS_CRT' '$ROOT_CRT' >'$T/bundle.pem' &&
    certtool --verify-chain --infile '$T/bundle.pem'"
if start_ocspd "$T/ocspd.log" -d "$GENFIC_CA_DIR" --ca genfic-system --passin pass:system-secret; then
	pass "genfic-ocspd starts"
	ask "OCSP: the renewal is good" ": good" -issuer "$SYS_CRT" -CAfile "$ROOT_CRT" -cert "$T/www2.crt"
	ask "OCSP: the renewed one is good" ": good" -issuer "$SYS_CRT" -CAfile "$ROOT_CRT" -cert "$T/www.crt"
	ask "OCSP: the superseded one is revoked" "Reason: superseded" -issuer "$SYS_CRT" -CAfile "$ROOT_CRT" -cert "$T/mail.crt"
	stop_ocspd
else
	fail "genfic-ocspd starts"
fi

# --renew-expiring: mail (revoked) and vpn (compromised key) are not renewed;
# api is due in 40 days, www is 300 days out (renewed already), far and late 400 and 430.
sign api 40 --label api || { echo "Bail out! sign api"; exit 1; }
sign late 430 || { echo "Bail out! sign late"; exit 1; }
api=$(serial_of "$T/api.crt") late=$(serial_of "$T/late.crt") far=$(serial_of "$T/far.crt")
mkdir "$T/renewed"
gca -p genfic-system --renew-expiring 60 -o "$T/renewed" $SYS >"$T/due.out" 2>"$T/due.err"
check "--renew-expiring 60: exit 1, vpn refused" test $? -eq 1
check "... says why, naming the compromised certificate" grep -q "^genfic-ca: $(serial_of "$T/vpn.crt"): .*$twin" "$T/due.err"
check "... and counts it" grep -q "^genfic-ca: genfic-system: 1 renewed, 1 refused$" "$T/due.err"
check "... api renewed into DIR/LABEL.crt" sh -c "[ \"\$(ls '$T/renewed')\" = api.crt ]"
check "... and says so on stdout" grep -q "^$api renewed as [0-9A-F]*: $T/renewed/api.crt\$" "$T/due.out"
check "... the same key and names as api" sh -c "[ \"\$(identity '$T/api.crt')\" = \"\$(identity '$T/renewed/api.crt')\" ]"
gca -p genfic-system --renew-expiring 350 -o "$T/renewed" --json $SYS >"$T/due.out" 2>"$T/due.err"
check "--renew-expiring 350: exit 1 (vpn)" test $? -eq 1
check "... nothing else: www and api were renewed already" sh -c "[ \"\$(ls '$T/renewed')\" = api.crt ] && [ ! -s '$T/due.out' ]"
: >"$T/renewed/$late.crt"
gca -p genfic-system --renew-expiring 450 -o "$T/renewed" --json $SYS >"$T/due.out" 2>"$T/due.err"
check "--renew-expiring 450: exit 1 (vpn, and late's file exists)" test $? -eq 1
check "... late refused: its file exists" grep -q "^genfic-ca: $late: .*exists" "$T/due.err"
check "... far renewed into DIR/SERIAL.crt, --json" python3 -c "
import json
rows = [json.loads(l) for l in open('$T/due.out')]
assert len(rows) == 1 and rows[0]['old'] == '$far' and rows[0]['file'] == '$T/renewed/$far.crt', rows
assert rows[0]['new'] != '$far'
"
check "... the same key as far" sh -c "[ \"\$(identity '$T/far.crt')\" = \"\$(identity '$T/renewed/$far.crt')\" ]"
check "... which verifies" chain_ok "$T/renewed/$far.crt" "$T/root.crl" "$T/sys.crl"
check "... late's file untouched" test ! -s "$T/renewed/$late.crt"
check "--force replaces late's file" sh -c "'$GENFIC_CA' -p genfic-system --renew-expiring 450 -o '$T/renewed' --force $SYS; [ \$? -eq 1 ]"
check "... with late's renewal" sh -c "[ \"\$(identity '$T/late.crt')\" = \"\$(identity '$T/renewed/$late.crt')\" ]"
files >"$T/files.before"
rows=$(cert_audit_rows)
gca -p genfic-system --renew-expiring 450 -o "$T/renewed" $SYS >"$T/due.out" 2>"$T/due.err"
check "a second run renews nothing (exit 1: vpn still refused)" test $? -eq 1
check "... no new row" test "$rows" = "$(cert_audit_rows)"
check "... nothing on stdout" test ! -s "$T/due.out"
files >"$T/files.after"
check "... no file changed" cmp -s "$T/files.before" "$T/files.after"
check "revoking vpn, the run is clean (exit 0)" sh -c "'$GENFIC_CA' -p genfic-system -x vpn --reason keyCompromise $SYS >/dev/null &&
    '$GENFIC_CA' -p genfic-system --renew-expiring 450 -o '$T/renewed' $SYS"
refuse "--renew-expiring without -o" 2 "needs -o DIR" gca -p genfic-system --renew-expiring 30 $SYS
refuse "--renew-expiring 0" 2 "renew-expiring" gca -p genfic-system --renew-expiring 0 -o "$T/renewed" $SYS
refuse "--renew --reason keyCompromise" 2 "superseded" gca -p genfic-system --renew www --reason keyCompromise $SYS
check "the audit chain holds" gca --audit-verify

# --renew signs before it takes the write lock: a revocation committed in
# between (here by a writer holding the lock while --renew signs; raw SQL,
# so after the audit check) refuses the renewal instead of overwriting it.
sign race 300 --label race || { echo "Bail out! sign race"; exit 1; }
race=$(serial_of "$T/race.crt")
{ echo "BEGIN IMMEDIATE;"; sleep 4
  echo "UPDATE cert SET revoked_at = 1700000000, reason = 5 WHERE hex(serial) = '$race'; COMMIT;"
} | sqlite3 "$GENFIC_CA_DIR/ca.db" &
holder=$!
# Until the writer holds the lock (a write attempt that does not wait fails).
i=0
while [ $i -lt 30 ] && sqlite3 "$GENFIC_CA_DIR/ca.db" "BEGIN IMMEDIATE; ROLLBACK;" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
refuse_clean "--renew of what was revoked while it signed" 1 "revoked (cessationOfOperation)" \
    gca -p genfic-system --renew race --reason superseded -o "$T/race2.crt" $SYS
wait $holder
check "... the revocation stands as it was made" test "$(sql "SELECT revoked_at || ' ' || reason FROM cert WHERE hex(serial) = '$race'")" = "1700000000 5"
check "... no renewal recorded" test "$(sql "SELECT count(*) FROM renewal JOIN cert ON cert.id = renewal.old_id WHERE hex(cert.serial) = '$race'")" -eq 0
finish
