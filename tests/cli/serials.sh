#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Serial numbers: with a random source that repeats itself (a planted
# fault, tests/cli/constrand.c), every retry collides; the request is then
# refused, and nothing is recorded, audited or written for it.
. "$(dirname "$0")/lib.sh"
: "${GF_CONSTRAND:?GF_CONSTRAND must name the constant-random shim}"

make_hierarchy || { echo "Bail out! hierarchy"; exit 1; }
cp "$GENFIC_CA_DIR/certs/genfic.crt" "$T/root.before"
SYS="-p genfic-system --passin pass:system-secret --batch"
for h in h1 h2 h3; do
	gca -R "$T/$h" --subject "/CN=$h.example.org" --nopass >/dev/null 2>&1
done

# Only genfic-ca's own RAND_bytes() calls see the shim.
constrand() {
	preloaded "$GF_CONSTRAND" gca "$@"
}

check "the first certificate takes the constant serial" constrand $SYS \
    -s "$T/h1.req" -o "$T/h1.crt"
check "its serial is the planted one" sh -c \
    "openssl x509 -in '$T/h1.crt' -noout -serial | grep -q '=5A5A5A5A'"
certs=$(rows cert) audit=$(rows audit)
refuse "a second one: every retry collides, refused" 1 \
    "random serials in a row were already taken" \
    constrand $SYS -s "$T/h2.req" -o "$T/h2.crt"
check "nothing recorded" test "$(rows cert)" -eq "$certs"
check "nothing audited" test "$(rows audit)" -eq "$audit"
check "nothing written" test ! -e "$T/h2.crt"

mkdir "$T/spool" "$T/certs"
cp "$T/h2.req" "$T/h3.req" "$T/spool/"
refuse "a spool: each request refused" 1 "random serials in a row were already taken" \
    constrand $SYS -s "$T/spool" -o "$T/certs"
cp "$T/err" "$T/spool.err"
check "the spool's summary counts them refused" grep -q "0 signed, 2 refused" "$T/spool.err"
check "nothing recorded by the spool" test "$(rows cert)" -eq "$certs"
check "nothing audited by the spool" test "$(rows audit)" -eq "$audit"
check "nothing written by the spool" test -z "$(ls "$T/certs")"
check "the audit chain holds" gca --audit-verify

# A CA's certificate takes the same path: the second child CA made with
# the constant source finds every serial taken, and leaves no CA, no row,
# no audit entry and no key file behind.
ROOT="-p genfic --passin pass:root-secret --batch"
check "a first CA takes the constant serial under the root" constrand $ROOT \
    -c const-one --passout pass:one-secret -t intermediate
cas=$(rows ca) certs=$(rows cert) audit=$(rows audit)
refuse "a second CA: every retry collides, refused" 1 \
    "random serials in a row were already taken" \
    constrand $ROOT -c const-two --passout pass:two-secret -t intermediate
check "no CA recorded" test "$(rows ca)" -eq "$cas"
check "no certificate recorded" test "$(rows cert)" -eq "$certs"
check "nothing audited for it" test "$(rows audit)" -eq "$audit"
check "no key file left behind" test ! -e "$GENFIC_CA_DIR/private/const-two.key"
check "no certificate file written" test ! -e "$GENFIC_CA_DIR/certs/const-two.crt"
check "the audit chain still holds" gca --audit-verify

# --recertify and --rollover issue through the same path: const-one's new
# certificate (under the root) and the root's old->new cross-certificate
# find the constant serial taken, and nothing is left of the attempt.
cas=$(rows ca) certs=$(rows cert) audit=$(rows audit)
refuse "--recertify: every retry collides, refused" 1 \
    "random serials in a row were already taken" \
    constrand --recertify const-one --passin pass:root-secret --batch
refuse "--rollover of a child CA: every retry collides, refused" 1 \
    "random serials in a row were already taken" \
    constrand --rollover const-one --passin pass:root-secret \
    --passout pass:new-secret --batch
check "no key file left behind for its generation 2" \
    test ! -e "$GENFIC_CA_DIR/private/const-one.2.key"
refuse "--rollover of the root: its cross-certificate collides, refused" 1 \
    "random serials in a row were already taken" \
    constrand --rollover genfic --passin pass:root-secret \
    --passout pass:new-secret --batch
check "no key file left behind for the root's generation 2" \
    test ! -e "$GENFIC_CA_DIR/private/genfic.2.key"
check "no generation recorded" test "$(rows ca_generation)" -eq 0
check "no certificate recorded by them" test "$(rows cert)" -eq "$certs"
check "nothing audited for them" test "$(rows audit)" -eq "$audit"
check "the root's certificate file unchanged" cmp -s \
    "$GENFIC_CA_DIR/certs/genfic.crt" "$T/root.before"
check "the audit chain holds after them" gca --audit-verify

# With the real random source the same requests are signed.
check "without the fault, the spool signs" gca $SYS -s "$T/spool" -o "$T/certs"
check "and the certificates verify" openssl verify -CAfile "$GENFIC_CA_DIR/certs/genfic.crt" \
    -untrusted "$GENFIC_CA_DIR/certs/genfic-system.crt" "$T/certs/h2.crt" "$T/certs/h3.crt"

# A root's rollover signs its new certificate and both cross-certificates
# before it records them; a serial that collides is signed again in the
# transaction.  Every other serial constant: the new certificate's and the
# new->old cross-certificate's collide (const-one has it), and each is
# signed again on its retry, the cross-certificate still by the new
# certificate the retry replaced.
alternate() {
	GF_CONSTRAND_ALTERNATE=1 preloaded "$GF_CONSTRAND" gca "$@"
}
check "--rollover of the root, serials colliding once each" alternate \
    --rollover genfic --passin pass:root-secret --passout pass:new-secret \
    --batch
check "its new certificate took a fresh serial" sh -c \
    "! openssl x509 -in '$GENFIC_CA_DIR/certs/genfic.crt' -noout -serial |
    grep -q '=5A5A5A5A'"
check "the new->old cross-certificate verifies under the new root" \
    openssl verify -CAfile "$GENFIC_CA_DIR/certs/genfic.crt" \
    "$GENFIC_CA_DIR/certs/genfic.cross-2-1.crt"
check "the old->new one under the old root" \
    openssl verify -CAfile "$GENFIC_CA_DIR/certs/genfic.1.crt" \
    "$GENFIC_CA_DIR/certs/genfic.cross-1-2.crt"
check "the audit chain holds after the rollover" gca --audit-verify
finish
