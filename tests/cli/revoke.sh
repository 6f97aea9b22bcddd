#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# -x: revoke by serial, file, label and CN; every reason; hold and release;
# refusals leave the store unchanged.
. "$(dirname "$0")/lib.sh"

make_hierarchy || { echo "not ok - hierarchy"; exit 1; }
SYS="-p genfic-system --passin pass:system-secret --batch"

# issue NAME [options]: a host certificate $T/NAME.crt from genfic-system.
issue() {
	n=$1; shift
	gca -R "$T/$n" --nopass >/dev/null &&
	gca $SYS -s "$T/$n.req" -o "$T/$n.crt" "$@" 2>/dev/null
}
serial_of() {
	openssl x509 -in "$1" -noout -serial | cut -d= -f2
}
# status_of SERIAL: "reason|revoked_at|invalidity" from the database.
status_of() {
	sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT coalesce(reason, 'none') || '|' ||
	    coalesce(revoked_at, '') || '|' || coalesce(invalidity, '') FROM cert
	    WHERE hex(serial) = '$1'"
}

for h in h1 h2 h3 h4 h5 h6 h7 h8 h9; do issue $h || echo "# issue $h failed"; done
issue labelled --label web-01

s1=$(serial_of "$T/h1.crt")
check "revoke by plain hex serial" gca -p genfic-system -x "$s1"
[ "$(status_of "$s1" | cut -d'|' -f1)" = 0 ] && pass "reason code 0 stored" || fail "reason code 0 stored"

s2=$(serial_of "$T/h2.crt")
colon=$(echo "$s2" | sed 's/../&:/g; s/:$//')
check "revoke by colon-separated serial with 0x" gca -p genfic-system -x "0x$colon" --reason superseded
[ "$(status_of "$s2" | cut -d'|' -f1)" = 4 ] && pass "superseded is code 4" || fail "superseded is code 4"

check "revoke by certificate file (PEM)" gca -p genfic-system -x "$T/h3.crt" --reason affiliationChanged
openssl x509 -in "$T/h4.crt" -outform der -out "$T/h4.der"
check "revoke by certificate file (DER)" gca -p genfic-system -x "$T/h4.der" --reason cessationOfOperation
check "revoke by label" gca -p genfic-system -x web-01 --reason privilegeWithdrawn
check "revoke by exact CN" gca -p genfic-system -x h5 --reason keyCompromise \
    --invalidity-date 2026-01-02T03:04:05Z
s5=$(serial_of "$T/h5.crt")
[ "$(status_of "$s5" | cut -d'|' -f3)" = "$(date -u -d 2026-01-02T03:04:05Z +%s)" ] &&
    pass "invalidity date stored" || fail "invalidity date stored"
check "revocation date given" gca -p genfic-system -x h6 --reason cACompromise \
    --revocation-date 2026-03-01
s6=$(serial_of "$T/h6.crt")
[ "$(status_of "$s6" | cut -d'|' -f2)" = "$(date -u -d 2026-03-01 +%s)" ] &&
    pass "revocation date stored" || fail "revocation date stored"
check "reason aACompromise" gca -p genfic-system -x h7 --reason aACompromise

# Hold, then release, then hold again and make it final.
s8=$(serial_of "$T/h8.crt")
check "put on hold" gca -p genfic-system -x h8 --reason certificateHold
[ "$(status_of "$s8" | cut -d'|' -f1)" = 6 ] && pass "hold is code 6" || fail "hold is code 6"
check "release from hold" gca -p genfic-system -x h8 --reason removeFromCRL
[ "$(status_of "$s8")" = "none||" ] && pass "released: valid again" || fail "released: valid again"
check "hold again" gca -p genfic-system -x "$s8" --reason certificateHold
check "hold becomes keyCompromise" gca -p genfic-system -x "$s8" --reason keyCompromise
[ "$(status_of "$s8" | cut -d'|' -f1)" = 1 ] && pass "final reason replaces hold" || fail "final reason replaces hold"

refuse "already revoked shows the revocation" 1 "already revoked since .*keyCompromise" \
    gca -p genfic-system -x "$s8"
refuse "release of a final revocation" 1 "not on hold" \
    gca -p genfic-system -x "$s1" --reason removeFromCRL
refuse "release of a valid certificate" 1 "not on hold" \
    gca -p genfic-system -x h9 --reason removeFromCRL
refuse "unknown serial" 1 "genfic-system: no certificate matches 'ABCDEF'" \
    gca -p genfic-system -x ABCDEF
refuse "unknown name" 1 "no certificate matches 'nosuchhost'" \
    gca -p genfic-system -x nosuchhost
refuse "certificate of another CA" 1 "not issued by genfic-user" \
    gca -p genfic-user -x "$T/h9.crt"
refuse "serial under the wrong CA" 1 "no certificate matches" \
    gca -p genfic-user -x "$(serial_of "$T/h9.crt")"
gca -R "$T/twin" --subject /CN=twin --nopass >/dev/null
gca $SYS -s "$T/twin.req" -o "$T/twinA.crt" 2>/dev/null
gca $SYS -s "$T/twin.req" -o "$T/twinB.crt" 2>/dev/null

# Refusals: exit 1 (2 for usage), a clear message, nothing changed.
before="$(rows audit) $(sqlite3 "$GENFIC_CA_DIR/ca.db" 'SELECT count(*) FROM cert WHERE revoked_at IS NOT NULL')"
refuse "ambiguous CN is refused" 1 "'twin' matches 2 certificates" \
    gca -p genfic-system -x twin
grep -q "CN=twin" "$T/err" && pass "ambiguous matches are listed" || fail "ambiguous matches are listed"
refuse "bad reason name" 2 "'bogus' is not an RFC 5280 reason" \
    gca -p genfic-system -x h9 --reason bogus
refuse "bad date" 2 "a date is YYYY-MM-DD" \
    gca -p genfic-system -x h9 --revocation-date 2026-13-01
refuse "impossible date" 2 "no such date" \
    gca -p genfic-system -x h9 --revocation-date 2026-02-31
refuse "future revocation date" 2 "in the future" \
    gca -p genfic-system -x h9 --revocation-date 2999-01-01
refuse "invalidity date without a compromise" 2 "compromise reason" \
    gca -p genfic-system -x h9 --reason superseded --invalidity-date 2026-01-01
refuse "-x without -p" 2 "needs -p" gca -x h9
refuse "unknown CA" 1 "no CA named 'nope'" gca -p nope -x h9
after="$(rows audit) $(sqlite3 "$GENFIC_CA_DIR/ca.db" 'SELECT count(*) FROM cert WHERE revoked_at IS NOT NULL')"
[ "$before" = "$after" ] && pass "refusals changed nothing" || fail "refusals changed nothing ($before -> $after)"

# A CA certificate is revoked like any other, and then signs nothing.
check "revoke the user CA under the root" gca -p genfic -x genfic-user --reason cACompromise
gca -R "$T/late" --nopass >/dev/null
refuse "a revoked CA signs nothing" 1 "revoked" \
    gca -p genfic-user -s "$T/late.req" --passin pass:user-secret --batch
[ "$(sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT count(*) FROM audit WHERE operation = 'revoke'")" -ge 10 ] &&
    pass "revocations are audited" || fail "revocations are audited"
# A revocation dated at the epoch is a revocation: revoked_at 0 is a date,
# NULL is "not revoked".  Before, a final revocation on 1970-01-01 read as
# none, so hold then removeFromCRL made the certificate valid again.
issue epoch
se=$(serial_of "$T/epoch.crt")
check "revoke dated at the epoch" gca -p genfic-system -x "$se" \
    --reason keyCompromise --revocation-date 1970-01-01T00:00:00Z
[ "$(status_of "$se")" = "1|0|" ] && pass "epoch revocation stored as 0" ||
    fail "epoch revocation stored as 0 ($(status_of "$se"))"
refuse "an epoch revocation is final: no hold" 1 \
    "already revoked since 1970-01-01T00:00:00Z (keyCompromise)" \
    gca -p genfic-system -x "$se" --reason certificateHold
refuse "an epoch revocation is final: no release" 1 "is not on hold" \
    gca -p genfic-system -x "$se" --reason removeFromCRL
[ "$(status_of "$se")" = "1|0|" ] && pass "epoch revocation unchanged" ||
    fail "epoch revocation unchanged ($(status_of "$se"))"
gca -p genfic-system -g --passin pass:system-secret --batch -o "$T/epoch.crl" >/dev/null
openssl crl -in "$T/epoch.crl" -noout -text | grep -A1 "Serial Number: $se" |
    grep -q "Revocation Date: Jan  1 00:00:00 1970 GMT" &&
    pass "the CRL lists it, dated at the epoch" ||
    fail "the CRL lists it, dated at the epoch"
openssl verify -crl_check -CAfile "$T/root.pem" -untrusted \
    "$GENFIC_CA_DIR/certs/genfic-system.crt" -CRLfile "$T/epoch.crl" \
    "$T/epoch.crt" >"$T/out" 2>&1
grep -q "certificate revoked" "$T/out" && pass "openssl verify: revoked" ||
    fail "openssl verify: revoked"
# Held at the epoch: on hold, and released.
issue epochhold
sh_=$(serial_of "$T/epochhold.crt")
check "hold dated at the epoch" gca -p genfic-system -x "$sh_" \
    --reason certificateHold --revocation-date 1970-01-01
check "an epoch hold is released" gca -p genfic-system -x "$sh_" --reason removeFromCRL
[ "$(status_of "$sh_")" = "none||" ] && pass "released from an epoch hold" ||
    fail "released from an epoch hold"
finish
