#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# RFC 5280 profile of what genfic-ca issues (DESIGN section 4), read back
# with openssl x509 -text / asn1parse and GnuTLS certtool.
. "$(dirname "$0")/lib.sh"

S=$GENFIC_CA_DIR/certs
SYS="-p genfic-system --passin pass:system-secret --batch"
USR="-p genfic-user --passin pass:user-secret --batch"
ROOT="-p genfic --passin pass:root-secret --batch"


# The serial as asn1parse sees it: the length of the first INTEGER of
# tbsCertificate (the version is nested deeper, in [0]).
serial_octets() {
	openssl asn1parse -in "$1" |
	    sed -n 's/.*d=2 *hl=[0-9]* *l= *\([0-9]*\) prim: INTEGER.*/\1/p' |
	    head -n 1
}

# The ASN.1 types of notBefore and notAfter, on one line.
time_types() {
	openssl asn1parse -in "$1" |
	    sed -n 's/.*d=3 .*prim: \(UTCTIME\|GENERALIZEDTIME\) .*/\1/p' |
	    head -n 2 | tr '\n' ' '
}

# keyid CERT NAME: the key identifier of SKI or AKI, bare hex.
keyid() {
	openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null | sed -n 2p |
	    sed 's/keyid://' | tr -d ' :'
}

check "root, system and user CAs created" make_hierarchy
cp "$S/genfic.crt" "$T/root.crt"
cp "$S/genfic-system.crt" "$T/system.crt"
cp "$S/genfic-user.crt" "$T/user-ca.crt"

# Leaves: an EC host (template system), an RSA host, a user (template
# user, the default of genfic-user), an OCSP responder.
newkey host -algorithm EC -pkeyopt ec_paramgen_curve:P-256
csr host host /CN=host.example -addext subjectAltName=DNS:host.example,DNS:www.host.example
check "an EC host certificate" gca $SYS -s "$T/host.req" -o "$T/host.crt" \
    --san DNS:extra.example,IP:192.0.2.7
check "-R -k rsa:2048 makes an RSA request" gca -R "$T/rsahost" -k rsa:2048 --nopass
check "the -R request holds a 2048-bit RSA key" sh -c "openssl req \
    -in '$T/rsahost.req' -noout -text | grep -q 'Public-Key: (2048 bit)'"
check "an RSA host certificate" gca $SYS -s "$T/rsahost.req" -o "$T/rsahost.crt"
newkey alice -algorithm EC -pkeyopt ec_paramgen_curve:P-256
csr alice alice "/CN=Alice/emailAddress=alice@example.org"
check "a user certificate (genfic-user, no -t)" \
    gca $USR -s "$T/alice.req" -o "$T/alice.crt"
check "an OCSP responder certificate (-t ocsp)" \
    gca $SYS -t ocsp -s "$T/host.req" -o "$T/ocsp.crt"

CAS="root system user-ca"
LEAVES="host rsahost alice ocsp"
for c in $CAS $LEAVES; do
	check "$c: X.509 v3" sh -c "openssl x509 -in '$T/$c.crt' -noout -text |
	    grep -q 'Version: 3 (0x2)'"
	check "$c: subjectKeyIdentifier" has_ext "$T/$c.crt" subjectKeyIdentifier
	check "$c: keyUsage is critical" \
	    ext_is "$T/$c.crt" keyUsage '^X509v3 Key Usage: critical '
	check "$c: serial of 16 octets (asn1parse)" \
	    test "$(serial_octets "$T/$c.crt")" = 16
	check "$c: serial positive, 32 hex digits" sh -c "openssl x509 \
	    -in '$T/$c.crt' -noout -serial | grep -Eqx 'serial=[0-7][0-9A-F]{31}'"
done
for c in $CAS; do
	check "$c: basicConstraints critical CA:TRUE" ext_is "$T/$c.crt" \
	    basicConstraints '^X509v3 Basic Constraints: critical CA:TRUE'
	check "$c: keyUsage keyCertSign, cRLSign only" ext_is "$T/$c.crt" \
	    keyUsage '^X509v3 Key Usage: critical Certificate Sign, CRL Sign $'
done
check "root: no pathlen" ext_is "$T/root.crt" basicConstraints \
    '^X509v3 Basic Constraints: critical CA:TRUE $'
check "genfic-system: pathlen:0" ext_is "$T/system.crt" basicConstraints \
    '^X509v3 Basic Constraints: critical CA:TRUE, pathlen:0 $'
check "certtool: genfic-system is a CA with path length 0" sh -c "certtool -i \
    --infile '$T/system.crt' | grep -A1 'Certificate Authority (CA): TRUE' |
    grep -q 'Path Length Constraint: 0'"
for c in $LEAVES; do
	check "$c: basicConstraints critical CA:FALSE" ext_is "$T/$c.crt" \
	    basicConstraints '^X509v3 Basic Constraints: critical CA:FALSE $'
	check "$c: AKI is the issuer's SKI" test -n "$(keyid "$T/$c.crt" \
	    authorityKeyIdentifier)" -a "$(keyid "$T/$c.crt" \
	    authorityKeyIdentifier)" = "$(keyid "$T/$(
	    [ "$c" = alice ] && echo user-ca || echo system).crt" \
	    subjectKeyIdentifier)"
done
check "certtool: the host certificate is not a CA" sh -c "certtool -i \
    --infile '$T/host.crt' | grep -q 'Certificate Authority (CA): FALSE'"
check "root: no authorityKeyIdentifier" lacks_ext "$T/root.crt" \
    authorityKeyIdentifier
for c in system user-ca; do
	check "$c: AKI is the root's SKI" test -n "$(keyid "$T/$c.crt" \
	    authorityKeyIdentifier)" -a "$(keyid "$T/$c.crt" \
	    authorityKeyIdentifier)" = "$(keyid "$T/root.crt" subjectKeyIdentifier)"
done

# keyUsage by key type: RFC 5480 allows no keyEncipherment for EC keys.
check "EC leaf: Digital Signature without Key Encipherment" ext_is \
    "$T/host.crt" keyUsage '^X509v3 Key Usage: critical Digital Signature $'
check "RSA leaf: Digital Signature and Key Encipherment" ext_is \
    "$T/rsahost.crt" keyUsage \
    '^X509v3 Key Usage: critical Digital Signature, Key Encipherment $'

# Signature algorithms follow the issuer's key.
for c in root system user-ca; do
	check "$c: signed by the P-384 root with ecdsa-with-SHA384" \
	    test "$(sigalg_of "$T/$c.crt")" = ecdsa-with-SHA384
done
for c in host rsahost ocsp; do
	check "$c: signed by P-256 genfic-system with ecdsa-with-SHA256" \
	    test "$(sigalg_of "$T/$c.crt")" = ecdsa-with-SHA256
done
check "a CA with -k ed25519" gca $ROOT -c genfic-ed -k ed25519 \
    --passout pass:ed-secret -o "$T/edca.crt"
check "its key is Ed25519" sh -c "openssl x509 -in '$T/edca.crt' -noout \
    -text | grep -q 'Public Key Algorithm: ED25519'"
check "the Ed25519 CA signs a leaf" gca -p genfic-ed --passin pass:ed-secret \
    --batch -s "$T/host.req" -o "$T/edleaf.crt"
check "the Ed25519 CA's leaf is signed with ED25519" \
    test "$(sigalg_of "$T/edleaf.crt")" = ED25519
check "openssl verifies root -> Ed25519 CA -> leaf" openssl verify \
    -CAfile "$T/root.crt" -untrusted "$T/edca.crt" "$T/edleaf.crt"
check "a CA with -k rsa:3072" gca $ROOT -c genfic-rsa -k rsa:3072 \
    --passout pass:rsa-secret -o "$T/rsaca.crt"
check "its key is RSA 3072" sh -c "openssl x509 -in '$T/rsaca.crt' -noout \
    -text | grep -q 'Public-Key: (3072 bit)'"
check "the RSA CA signs a leaf" gca -p genfic-rsa --passin pass:rsa-secret \
    --batch -s "$T/host.req" -o "$T/rsaleaf.crt"
check "the RSA CA's leaf is signed with sha256WithRSAEncryption" \
    test "$(sigalg_of "$T/rsaleaf.crt")" = sha256WithRSAEncryption
cat "$T/rsaleaf.crt" "$T/rsaca.crt" "$T/root.crt" >"$T/rsachain.pem"
check "certtool verifies leaf -> RSA CA -> root" \
    certtool --verify-chain --infile "$T/rsachain.pem"

# Templates: user 396 days clientAuth + emailProtection; system
# serverAuth + clientAuth; ocsp OCSPSigning + ocsp-nocheck.
check "user template: 396 days" test "$(days_of "$T/alice.crt")" = 396
check "user template: EKU clientAuth, emailProtection" ext_is \
    "$T/alice.crt" extendedKeyUsage \
    'Extended Key Usage: TLS Web Client Authentication, E-mail Protection $'
check "user template keeps emailAddress in the subject" test \
    "$(openssl x509 -in "$T/alice.crt" -noout -subject -nameopt RFC2253)" = \
    'subject=emailAddress=alice@example.org,CN=Alice'
check "system template: EKU serverAuth, clientAuth" ext_is \
    "$T/host.crt" extendedKeyUsage \
    'Extended Key Usage: TLS Web Server Authentication, TLS Web Client Authentication $'
check "ocsp template: EKU OCSP Signing" ext_is "$T/ocsp.crt" \
    extendedKeyUsage 'Extended Key Usage: critical OCSP Signing $'
check "ocsp template: OCSP No Check" sh -c "openssl x509 -in '$T/ocsp.crt' \
    -noout -text | grep -q 'OCSP No Check'"
check "ocsp template: 90 days" test "$(days_of "$T/ocsp.crt")" = 90
check "openssl accepts the user certificate for S/MIME" openssl verify \
    -purpose smimesign -CAfile "$T/root.crt" -untrusted "$T/user-ca.crt" \
    "$T/alice.crt"
check "openssl accepts the host certificate as a TLS server" openssl verify \
    -purpose sslserver -CAfile "$T/root.crt" -untrusted "$T/system.crt" \
    "$T/host.crt"
check "openssl refuses the user certificate as a TLS server" not openssl \
    verify -purpose sslserver -CAfile "$T/root.crt" -untrusted \
    "$T/user-ca.crt" "$T/alice.crt"

# Time encoding: UTCTime through 2049, GeneralizedTime from 2050.
check "root: notBefore and notAfter in UTCTime (before 2050)" \
    test "$(time_types "$T/root.crt")" = "UTCTIME UTCTIME "
check "a root of 9000 days (past 2050)" gca -r longroot -v 9000 \
    --passout pass:long-secret --batch -o "$T/longroot.crt"
check "long root: notAfter after 2050" test \
    "$(openssl x509 -in "$T/longroot.crt" -noout -enddate | sed 's/.* \([0-9]*\) GMT/\1/')" -ge 2050
check "long root: UTCTime notBefore, GeneralizedTime notAfter" \
    test "$(time_types "$T/longroot.crt")" = "UTCTIME GENERALIZEDTIME "
check "long root: 9000 days" test "$(days_of "$T/longroot.crt")" = 9000

# --no-clamp: refused, with both dates, and nothing recorded.
ca_end=$(iso_of "$T/system.crt" enddate)
refuse_clean "--no-clamp refuses a leaf outliving its CA" 1 \
    "refused: notAfter 20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]*Z would be past the issuer's notAfter $ca_end" \
    gca $SYS --no-clamp -v 3651 -s "$T/host.req" -o "$T/noclamp.crt"
check "--no-clamp signs what fits" gca $SYS --no-clamp -v 30 \
    -s "$T/host.req" -o "$T/fits.crt"
check "--no-clamp: the certificate that fits has 30 days" \
    test "$(days_of "$T/fits.crt")" = 30

# SANs: the request's are kept, --san adds more.
check "SANs of the request kept, --san appended" ext_is "$T/host.crt" \
    subjectAltName \
    'Alternative Name: DNS:host.example, DNS:www.host.example, DNS:extra.example, IP Address:192.0.2.7 $'
check "certtool sees the added IP SAN" sh -c "certtool -i --infile \
    '$T/host.crt' | grep -q 'IPAddress: 192.0.2.7'"

# A request asking to be a CA is issued a leaf.
newkey evil -algorithm EC -pkeyopt ec_paramgen_curve:P-256
csr evil evil /CN=evil.example -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature
check "the request asks for CA:TRUE and keyCertSign" sh -c "openssl req \
    -in '$T/evil.req' -noout -text | grep -q 'CA:TRUE' && openssl req \
    -in '$T/evil.req' -noout -text | grep -q 'Certificate Sign'"
check "a request asking for CA:TRUE is signed" \
    gca $SYS -s "$T/evil.req" -o "$T/evil.crt"
check "... as a leaf: CA:FALSE" ext_is "$T/evil.crt" basicConstraints \
    '^X509v3 Basic Constraints: critical CA:FALSE $'
check "... without keyCertSign or cRLSign" ext_is "$T/evil.crt" keyUsage \
    '^X509v3 Key Usage: critical Digital Signature $'
check "openssl refuses a certificate signed by that leaf's key" sh -c "
    openssl req -new -key '$T/host.key' -subj /CN=victim -out '$T/victim.req' &&
    openssl x509 -req -in '$T/victim.req' -CA '$T/evil.crt' \
        -CAkey '$T/evil.key' -CAcreateserial -out '$T/victim.crt' 2>/dev/null &&
    cat '$T/evil.crt' '$T/system.crt' >'$T/evilchain.pem' &&
    ! openssl verify -CAfile '$T/root.crt' -untrusted '$T/evilchain.pem' \
        '$T/victim.crt'"

# --label: set on the row, unique per CA.
check "--label on -s" gca $SYS -v 30 --label web1 -s "$T/host.req" \
    -o "$T/web1.crt"
check "the cert table holds the label" test "$(sql "SELECT hex(serial) FROM \
    cert WHERE label = 'web1' AND ca_id = (SELECT id FROM ca WHERE name = \
    'genfic-system')")" = "$(serial_of "$T/web1.crt")"
refuse_clean "a second 'web1' under genfic-system" 1 \
    "label 'web1' is already used" \
    gca $SYS -v 30 --label web1 -s "$T/host.req" -o "$T/web1b.crt"
check "the same label under another CA is fine" gca $USR -v 30 \
    --label web1 -s "$T/alice.req" -o "$T/web1u.crt"
check "two rows labelled web1, one per CA" test "$(sql "SELECT count(DISTINCT \
    ca_id) || ' ' || count(*) FROM cert WHERE label = 'web1'")" = "2 2"
finish
