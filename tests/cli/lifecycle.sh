#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The small lifecycle tools: --passwd changes a CA key's passphrase in one
# rename, audited; --show-ca prints a CA's settings and CRL state.
. "$(dirname "$0")/lib.sh"

make_hierarchy || { echo "Bail out! hierarchy"; exit 1; }
KEY=$GENFIC_CA_DIR/private/genfic-system.key
gca -R "$T/host" --subject /CN=host.example.org --nopass >/dev/null 2>&1

# --passwd
cp "$KEY" "$T/key.before"
refuse_clean "--passwd with the wrong old passphrase" 1 "wrong passphrase" \
    gca --passwd genfic-system --passin pass:nope --passout pass:new-secret --batch
check "the key file is unchanged" cmp -s "$KEY" "$T/key.before"
refuse_clean "--passwd with a new passphrase too short" 1 "at least 4" \
    gca --passwd genfic-system --passin pass:system-secret --passout pass:abc --batch
check "the key file is still unchanged" cmp -s "$KEY" "$T/key.before"
refuse "--passwd of no such CA" 1 "no CA named 'nope'" \
    gca --passwd nope --passin pass:system-secret --passout pass:new-secret --batch
refuse "--passwd without --passout in batch mode" 1 "--passout not given" \
    gca --passwd genfic-system --passin pass:system-secret --batch
audit=$(rows audit)
refuse "--passwd whose commit fails after the rename says so" 1 \
    "the key file has the NEW passphrase already, and no audit entry records the change" \
    preloaded "$GF_FAILCOMMIT" "$GENFIC_CA" --passwd genfic-system \
    --passin pass:system-secret --passout pass:new-secret --batch
check "... no audit entry" test "$(rows audit)" -eq "$audit"
check "... and the key has the new passphrase" openssl pkey -in "$KEY" \
    -passin pass:new-secret -noout
cp "$T/key.before" "$KEY"
audit=$(rows audit)
check "--passwd" gca --passwd genfic-system --passin pass:system-secret \
    --passout pass:new-secret --batch
check "one audit entry" test "$(rows audit)" -eq $((audit + 1))
check "named passwd" sh -c "sqlite3 '$GENFIC_CA_DIR/ca.db' \"SELECT operation, ca FROM audit ORDER BY id DESC LIMIT 1\" |
    grep -qx 'passwd|genfic-system'"
check "the key file is still 0600" test "$(stat -c %a "$KEY")" = 600
check "and encrypted (PKCS#8, scrypt)" grep -q 'BEGIN ENCRYPTED PRIVATE KEY' "$KEY"
check "openssl opens it with the new passphrase" openssl pkey -in "$KEY" \
    -passin pass:new-secret -noout
check "the same key: it matches the CA certificate" sh -c "
    openssl pkey -in '$KEY' -passin pass:new-secret -pubout >'$T/pub.new' &&
    openssl x509 -in '$GENFIC_CA_DIR/certs/genfic-system.crt' -noout -pubkey >'$T/pub.cert' &&
    cmp -s '$T/pub.new' '$T/pub.cert'"
refuse "the old passphrase no longer signs" 1 "wrong passphrase" \
    gca -p genfic-system -s "$T/host.req" -o "$T/old.crt" --passin pass:system-secret --batch
check "the new one signs" gca -p genfic-system -s "$T/host.req" -o "$T/host.crt" \
    --passin pass:new-secret --batch
check "the chain verifies" openssl verify -CAfile "$GENFIC_CA_DIR/certs/genfic.crt" \
    -untrusted "$GENFIC_CA_DIR/certs/genfic-system.crt" "$T/host.crt"
check "the audit chain holds" gca --audit-verify

# A CA key whose private scalar was damaged (its public half intact, so
# X509_check_private_key() passes) signs nothing: it would record and publish
# a certificate and a CRL that no one can verify.
cp "$KEY" "$T/key.good"
openssl pkey -in "$KEY" -passin pass:new-secret -outform DER -out "$T/key.der"
# ECPrivateKey: SEQUENCE, INTEGER 1, OCTET STRING of 32 bytes at offset 7.
printf '\377' | dd of="$T/key.der" bs=1 seek=10 conv=notrunc 2>/dev/null
openssl pkey -inform DER -in "$T/key.der" -aes256 -passout pass:new-secret \
    -out "$KEY" 2>/dev/null
check "the damaged key carries the CA certificate's public key" sh -c "
    openssl pkey -in '$KEY' -passin pass:new-secret -pubout | cmp -s - '$T/pub.cert'"
certs=$(rows cert) audit=$(rows audit)
refuse "-s with a damaged CA key" 1 \
    "genfic-system: key private/genfic-system.key does not match the CA certificate" \
    gca -p genfic-system -s "$T/host.req" -o "$T/bad.crt" --passin pass:new-secret --batch
check "... records nothing" test "$(rows cert)" -eq "$certs" -a "$(rows audit)" -eq "$audit"
refuse "-g with a damaged CA key" 1 "does not match the CA certificate" \
    gca -p genfic-system -g -o "$T/bad.crl" --passin pass:new-secret --batch
check "... and writes no CRL" test ! -e "$T/bad.crl"
cp "$T/key.good" "$KEY"

# --show-ca
check "--show-ca before any CRL" gca --show-ca genfic-system
cp "$T/out" "$T/show.before"
check "names its templates" sh -c "grep -q '^template  *system-ca$' '$T/show.before' &&
    grep -q '^child_template  *system$' '$T/show.before'"
check "its key location, encrypted" sh -c "grep -q '^key  *file:private/genfic-system.key$' '$T/show.before' &&
    grep -q '^key_encrypted  *yes$' '$T/show.before'"
check "no CRL yet" grep -q '^crl_number  *-$' "$T/show.before"
check "pathlen 0 (system-ca)" grep -q '^pathlen  *0$' "$T/show.before"
gca -p genfic-system -g -o "$T/sys.crl" --passin pass:new-secret --batch >/dev/null 2>&1
gca -p genfic-system -g -o "$T/sys.crl" --force --passin pass:new-secret --batch >/dev/null 2>&1
check "--show-ca --json" gca --show-ca genfic-system --json
cp "$T/out" "$T/show.json"
next=$(openssl crl -in "$T/sys.crl" -noout -nextupdate | sed 's/^nextUpdate=//')
next_iso=$(date -u -d "$next" +%Y-%m-%dT%H:%M:%SZ)
check "JSON: the latest CRL's number and nextUpdate, as openssl reads the CRL" python3 -c "
import json, sys
d = json.load(open('$T/show.json'))
assert d['crl_number'] == 2 and d['next_crl_number'] == 3, d
assert d['crl_next_update'] == '$next_iso', (d['crl_next_update'], '$next_iso')
assert d['parent'] == 'genfic' and d['status'] == 'valid' and d['key_encrypted'] is True, d
"
check "--show-ca of the root: no parent" sh -c "'$GENFIC_CA' --show-ca genfic | grep -q '^parent  *-$'"
refuse "--show-ca of no such CA" 1 "no CA named 'nope'" gca --show-ca nope

# A planted fault: the copy of the CA's CRL URL, read from the store, runs
# out of memory.  Signing must fail, not issue a certificate without its
# cRLDistributionPoints.
check "--set a CRL URL" gca -p genfic-system --set --crl-url http://crl.example/sys.crl
certs=$(rows cert)
export GF_FAILSTRDUP=http://crl.example/sys.crl
refuse "the URL's copy fails: refused, not issued without it" 1 "out of memory" \
    preloaded "$GF_FAILSTRDUP_LIB" gca -p genfic-system -s "$T/host.req" \
    -o "$T/host-cdp.crt" --passin pass:new-secret --batch
unset GF_FAILSTRDUP
check "nothing recorded" test "$(rows cert)" -eq "$certs"
check "nothing written" test ! -e "$T/host-cdp.crt"
check "without the fault it is signed" gca -p genfic-system -s "$T/host.req" \
    -o "$T/host-cdp.crt" --passin pass:new-secret --batch
check "with the URL" sh -c "openssl x509 -in '$T/host-cdp.crt' -noout -ext crlDistributionPoints | grep -q crl.example/sys.crl"
finish
