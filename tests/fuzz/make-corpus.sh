#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerates the fuzzers' fixture CAs and seed corpora with the openssl
# command.  The OCSP and GET seeds name the fixture CAs by their hashes,
# so both are made together; run it from anywhere, then commit the result.
# Findings added by hand (corpus/*/regress-*) are kept.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fx=$here/fixtures
co=$here/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$fx"
for h in csr ocsp dn template get-path intake; do
	mkdir -p "$co/$h"
	find "$co/$h" -type f ! -name 'regress-*' -delete
done

# --- The CAs the OCSP harness serves (keys unencrypted: test fixtures).
# ca1: EC P-256 with a delegated responder; ca2: Ed25519, signs itself.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$fx/ca1.key" 2>/dev/null
openssl req -x509 -new -key "$fx/ca1.key" -subj "/O=genfic fuzz/CN=Fuzz CA 1" \
    -days 36500 -set_serial 1 -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$fx/ca1.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$fx/rsp1.key" 2>/dev/null
openssl req -new -key "$fx/rsp1.key" -subj "/O=genfic fuzz/CN=Fuzz OCSP 1" \
    -out "$tmp/rsp1.csr"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,OCSPSigning\nnoCheck=ignored\n' \
    >"$tmp/rsp.ext"
openssl x509 -req -in "$tmp/rsp1.csr" -CA "$fx/ca1.pem" -CAkey "$fx/ca1.key" \
    -set_serial 2 -days 36500 -extfile "$tmp/rsp.ext" -out "$fx/rsp1.pem" \
    2>/dev/null
openssl genpkey -algorithm ED25519 -out "$fx/ca2.key"
openssl req -x509 -new -key "$fx/ca2.key" -subj "/O=genfic fuzz/CN=Fuzz CA 2" \
    -days 36500 -set_serial 1 -addext "basicConstraints=critical,CA:TRUE" \
    -out "$fx/ca2.pem"
# A CA the harness does not serve.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/other.key" 2>/dev/null
openssl req -x509 -new -key "$tmp/other.key" -subj "/CN=Not served" \
    -days 365 -out "$tmp/other.pem"

# --- CSRs of each key type, good and refused, PEM and DER.
csr() {	# NAME KEYALG SUBJECT [req options...]
	name=$1 alg=$2 subj=$3
	shift 3
	# shellcheck disable=SC2086
	openssl genpkey $alg -out "$tmp/$name.key" 2>/dev/null
	openssl req -new -key "$tmp/$name.key" -subj "$subj" "$@" \
	    -out "$co/csr/$name.pem"
}
csr rsa2048 "-algorithm RSA -pkeyopt rsa_keygen_bits:2048" \
    "/C=BE/O=Example/CN=www.example.org" \
    -addext "subjectAltName=DNS:www.example.org,DNS:*.example.org,IP:192.0.2.1"
csr rsa1024 "-algorithm RSA -pkeyopt rsa_keygen_bits:1024" "/CN=weak"
csr p256 "-algorithm EC -pkeyopt ec_paramgen_curve:P-256" \
    "/C=BE/ST=Brabant/L=Leuven/O=Example/OU=Web/CN=host.example.org" \
    -addext "subjectAltName=DNS:host.example.org,IP:2001:db8::1,URI:https://example.org/,email:admin@example.org"
csr p384 "-algorithm EC -pkeyopt ec_paramgen_curve:P-384" \
    "/CN=Alice/emailAddress=alice@example.org" \
    -addext "subjectAltName=email:alice@example.org"
csr p521 "-algorithm EC -pkeyopt ec_paramgen_curve:P-521" "/O=Org/CN=p521"
csr k256 "-algorithm EC -pkeyopt ec_paramgen_curve:secp256k1" "/CN=k256"
csr ed25519 "-algorithm ED25519" "/CN=ed25519+UID=multi" -multivalue-rdn
csr ed448 "-algorithm ED448" "/CN=ed448"
csr ca-request "-algorithm EC -pkeyopt ec_paramgen_curve:P-256" "/CN=wants CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign"
csr othername "-algorithm EC -pkeyopt ec_paramgen_curve:P-256" "/CN=other" \
    -addext "subjectAltName=otherName:1.3.6.1.5.5.7.8.9;UTF8:user@example.org,dirName:dir_sect,RID:1.2.3.4" \
    -config /dev/stdin <<'EOF'
[req]
distinguished_name = dn
[dn]
[dir_sect]
CN = dir
EOF
csr utf8 "-algorithm EC -pkeyopt ec_paramgen_curve:P-256" \
    "/O=Société/CN=Ünïcødé" -utf8
csr nocn "-algorithm EC -pkeyopt ec_paramgen_curve:P-256" "/O=no common name"
csr badsan "-algorithm EC -pkeyopt ec_paramgen_curve:P-256" "/CN=bad" \
    -addext "subjectAltName=DNS:-bad-.example.org,DNS:a..b"
openssl req -in "$co/csr/p256.pem" -outform DER -out "$co/csr/p256.der"
openssl req -in "$co/csr/ed25519.pem" -outform DER -out "$co/csr/ed25519.der"
sed 's/CERTIFICATE REQUEST/NEW CERTIFICATE REQUEST/' "$co/csr/p384.pem" \
    >"$co/csr/p384-new-label.pem"

# --- OCSP requests, as clients send them.
req() {	# NAME openssl-ocsp-options...
	name=$1
	shift
	openssl ocsp "$@" -reqout "$co/ocsp/$name.der" >/dev/null
}
req ca1-good -issuer "$fx/ca1.pem" -serial 0x1001 -no_nonce
req ca1-revoked-nonce -issuer "$fx/ca1.pem" -serial 0x1002
req ca1-sha256 -issuer "$fx/ca1.pem" -sha256 -serial 0x0123456789abcdef
req ca1-three -issuer "$fx/ca1.pem" -serial 3 -serial 4 -serial 0xff
req ca1-busy -issuer "$fx/ca1.pem" -serial 0xbb -no_nonce
req ca1-zero -issuer "$fx/ca1.pem" -serial 0 -no_nonce
req ca1-long -issuer "$fx/ca1.pem" \
    -serial 0x0102030405060708090a0b0c0d0e0f101112131415 -no_nonce
req ca2-good -issuer "$fx/ca2.pem" -serial 0x77 -no_nonce
req ca2-sha256 -issuer "$fx/ca2.pem" -sha256 -serial 0x7001
req mixed -issuer "$fx/ca1.pem" -serial 1 -issuer "$fx/ca2.pem" -serial 2
req foreign -issuer "$tmp/other.pem" -serial 1
req signed -issuer "$fx/ca1.pem" -serial 0x1003 -signer "$fx/rsp1.pem" \
    -signkey "$fx/rsp1.key"
# Cached, then answered from the cache (fuzz-ocsp asks twice): in the
# canonical form, and signed (looked up by its canonical form).
req cached-ca2-sha256 -issuer "$fx/ca2.pem" -sha256 -serial 0x7003 -no_nonce
req cached-ca1-signed -issuer "$fx/ca1.pem" -serial 0x1005 -no_nonce \
    -signer "$fx/rsp1.pem" -signkey "$fx/rsp1.key"
printf '\000' >"$co/ocsp/nul"

# --- GET paths: the same requests, base64 written as clients write it.
i=0
for f in "$co"/ocsp/*.der; do
	b64=$(openssl base64 -A -in "$f")
	i=$((i + 1))
	case $i in
	1) printf '/%s' "$b64" ;;
	2) printf '//%s' "$b64" | sed 's/+/%2B/g; s,/,%2F,g; s/=/%3D/g; s,^%2F%2F,//,' ;;
	3) printf '/%s' "$(printf '%s' "$b64" | tr '+/' '-_' | tr -d '=')" ;;
	4) printf '/%s' "$b64" | tr '+' ' ' ;;
	5) printf '/%s' "$(openssl base64 -in "$f" | sed 's/$/%0A/' | tr -d '\n')" ;;
	*) printf '/%s' "$b64" ;;
	esac >"$co/get-path/$(basename "$f" .der)"
done
printf '/' >"$co/get-path/empty"
printf '/QUJD%%' >"$co/get-path/truncated-escape"
printf '/QQ===' >"$co/get-path/overpadded"

# --- Distinguished names in the -s/--subject form.
dn() {	# NAME TEXT
	printf '%s' "$2" >"$co/dn/$1"
}
dn simple '/CN=Name'
dn full '/C=BE/ST=Brabant/L=Leuven/O=Example/OU=Web/CN=www.example.org'
dn multivalued '/O=Org/CN=Alice+UID=alice+serialNumber=42'
dn escaped '/O=A\/B\+C/CN=back\\slash'
dn utf8 '/O=Société Générale/CN=日本語'
dn email '/CN=Alice/emailAddress=alice@example.org'
dn oid '/2.5.4.3=by oid/1.2.840.113549.1.9.1=x@example.org'
dn long-names '/commonName=x/organizationName=y/domainComponent=org'
dn unknown '/XX=unknown'
dn empty-value '/CN='
dn no-slash 'CN=x'
# shellcheck disable=SC1003
dn trailing-backslash '/CN=x\'

# --- Templates: the shipped ones, and a few that reach further.
cp "$here"/../../ca-templates/*.cnf "$co/template/"
cat >"$co/template/sections.cnf" <<'EOF'
[template]
days = 30
ca = no
copy_san = no
ec_curves = P-256
subject_required = CN, O
subject_copy = CN, O, OU
extensions = ext

[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth, 1.2.3.4
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = @alt
certificatePolicies = 2.23.140.1.2.1, @pol
crlDistributionPoints = URI:http://crl.example.org/ca.crl
authorityInfoAccess = OCSP;URI:http://ocsp.example.org/
nameConstraints = permitted;DNS:example.org, excluded;IP:192.0.2.0/255.255.255.0
policyConstraints = requireExplicitPolicy:0
inhibitAnyPolicy = 1
tlsfeature = status_request

[alt]
DNS.1 = a.example.org
IP.1 = 192.0.2.1
email.1 = copy
dirName.1 = dn

[dn]
CN = in a SAN

[pol]
policyIdentifier = 1.3.6.1.4.1.99999.1
CPS.1 = https://example.org/cps
userNotice.1 = @notice

[notice]
explicitText = "UTF8:hello"
organization = Example
noticeNumbers = 1, 2
EOF
cat >"$co/template/raw.cnf" <<'EOF'
base = 1.2.3
[template]
days = 365
eddsa = no
min_rsa_bits = 4096
key_type = rsa:4096
extensions = ext

[ext]
1.2.3.4 = critical, DER:01:02:03
1.2.3.5 = ASN1:SEQUENCE:seq
${base}.6 = ASN1:UTF8String:text

[seq]
a = INTEGER:42
b = OID:1.2.3
c = EXPLICIT:0,BOOLEAN:TRUE
EOF
# --- Mail messages as --intake reads them, built by the intake test's
# mkmail.py from two of the CSRs above.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/m.key" 2>/dev/null
openssl req -new -key "$tmp/m.key" -subj /CN=mail.example.org -out "$tmp/m1.req"
openssl req -new -key "$tmp/m.key" -subj /CN=other -out "$tmp/m2.req"
for kind in by-type by-name text-qp text-b64 nested control deep; do
	printf '%s\tA <a@example.org>\t%s\t%s\t%s\n' "$kind" \
	    "$co/intake/$kind.eml" "$tmp/m1.req" "$tmp/m2.req"
done | python3 "$here/../cli/mkmail.py"
echo "fixtures in $fx, corpora in $co"
