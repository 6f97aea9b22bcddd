#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The seed walkthrough of DESIGN section 2, checked with openssl and certtool.
. "$(dirname "$0")/lib.sh"

S=$GENFIC_CA_DIR/certs
P=$GENFIC_CA_DIR/private

check "root, system and user CAs created" make_hierarchy
check "the root has the subject of DESIGN section 2" test \
    "$(openssl x509 -in "$S/genfic.crt" -noout -subject -nameopt RFC2253)" = \
    'subject=CN=GenFic Root CA,O=Gentoo Fictional\, Inc.,C=BE'
check "-o of -r holds the root's certificate" cmp "$T/root.pem" "$S/genfic.crt"
for ca in genfic genfic-system genfic-user; do
	check "certs/$ca.crt is a certificate" \
	    openssl x509 -in "$S/$ca.crt" -noout
done
check "the root is valid 7300 days" test "$(days_of "$S/genfic.crt")" = 7300
for ca in genfic-system genfic-user; do
	check "$ca is valid 3650 days" test "$(days_of "$S/$ca.crt")" = 3650
done

mkdir -p "$T/self"
check "-R makes a key and a request" gca -R "$T/self/myhostname" \
    --san DNS:myhostname.example,IP:10.0.0.1 --nopass
cp "$T/out" "$T/request.out"
check "-R says where it wrote" grep -qx "$T/self/myhostname.req" "$T/request.out"
# openssl 3.0 req -verify exits 0 even on a bad signature: read its verdict.
check "openssl verifies the request's self-signature" sh -c "openssl req \
    -in '$T/self/myhostname.req' -verify -noout 2>&1 |
    grep -q 'self-signature verify OK'"
req_has() {
	openssl req -in "$1" -noout -text | grep -q -- "$2"
}
check "the request carries the SAN" req_has "$T/self/myhostname.req" \
    'DNS:myhostname.example, IP Address:10.0.0.1$'
check "the request's subject is CN=myhostname" test "$(openssl req \
    -in "$T/self/myhostname.req" -noout -subject -nameopt RFC2253)" = \
    subject=CN=myhostname

# The 'system' template asks for 3650 days, as many as genfic-system has:
# once the clock has passed genfic-system's first second, the host
# certificate would outlive its CA and is clamped.
ca_start=$(epoch_of "$S/genfic-system.crt" startdate)
while [ "$(date -u +%s)" -le "$ca_start" ]; do sleep 0.1; done
t0=$(date -u +%s)
check "-s signs the request into -o" gca -p genfic-system \
    -s "$T/self/myhostname.req" -o "$T/self/myhostname.crt" \
    --passin pass:system-secret --batch
t1=$(date -u +%s)
cp "$T/err" "$T/sign.err"
H=$T/self/myhostname.crt

check "openssl verifies the chain" openssl verify -CAfile "$S/genfic.crt" \
    -untrusted "$S/genfic-system.crt" "$H"
check "openssl refuses the chain through the wrong CA" not openssl verify \
    -CAfile "$S/genfic.crt" -untrusted "$S/genfic-user.crt" "$H"
cat "$H" "$S/genfic-system.crt" "$S/genfic.crt" >"$T/chain.pem"
check "certtool verifies host + system + root" \
    certtool --verify-chain --infile "$T/chain.pem"
check "certtool --verify against the root alone" certtool --verify \
    --load-ca-certificate "$S/genfic.crt" --infile "$T/chain.pem"

# The clamp warning names the wanted notAfter and the issuer's.
ca_end=$(iso_of "$S/genfic-system.crt" enddate)
check "the clamp warning names the issuer's notAfter" grep -q \
    "^genfic-ca: warning: notAfter [0-9T:Z-]* clamped to the issuer's notAfter $ca_end\$" \
    "$T/sign.err"
want=$(sed -n "s/^genfic-ca: warning: notAfter \([0-9T:Z-]*\) clamped.*/\1/p" \
    "$T/sign.err")
want_s=$(date -u -d "${want:-none}" +%s 2>/dev/null || echo 0)
check "the clamp warning names the wanted notAfter (now + 3650 days)" test \
    "$want_s" -ge $((t0 + 3650 * 86400)) -a "$want_s" -le $((t1 + 3650 * 86400))
check "the host certificate ends with genfic-system" test \
    "$(iso_of "$H" enddate)" = "$ca_end"

# The CA keys: encrypted PKCS#8, 0600 in a 0700 directory.
check "private/ is mode 700" test "$(stat -c %a "$P")" = 700
for ca in genfic genfic-system genfic-user; do
	check "private/$ca.key is mode 600" test "$(stat -c %a "$P/$ca.key")" = 600
	check "private/$ca.key is encrypted" \
	    grep -qx -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' "$P/$ca.key"
	check "private/$ca.key holds no clear key" \
	    not grep -q -- '-----BEGIN PRIVATE KEY-----' "$P/$ca.key"
done
check "openssl opens the root key with its passphrase" \
    openssl pkey -in "$P/genfic.key" -passin pass:root-secret -noout
check "openssl does not open the root key with another passphrase" \
    not openssl pkey -in "$P/genfic.key" -passin pass:root-secreT -noout
check "openssl opens the system key with its passphrase" \
    openssl pkey -in "$P/genfic-system.key" -passin pass:system-secret -noout
check "the root key matches the root certificate" test \
    "$(openssl pkey -in "$P/genfic.key" -passin pass:root-secret -pubout)" = \
    "$(openssl x509 -in "$S/genfic.crt" -noout -pubkey)"

# The database holds every certificate, byte for byte.
check "the database holds every certificate" test "$(rows cert)" -eq 4
check "the database holds the three CAs" test "$(rows ca)" -eq 3
check "the audit log has one entry per certificate and per CA" test "$(rows audit)" -eq 7
sn=$(serial_of "$H")
db_der=$(sql "SELECT hex(der) FROM cert WHERE hex(serial) = '$sn'")
file_der=$(openssl x509 -in "$H" -outform der | od -An -v -tx1 | tr -d ' \n' |
    tr a-f A-F)
check "the host certificate's row is found by its serial" test -n "$db_der"
check "the DER in the database equals the file" test "$db_der" = "$file_der"
check "the row names genfic-system as the issuer" test "$(sql "SELECT ca.name \
    FROM cert JOIN ca ON ca.id = cert.ca_id WHERE hex(cert.serial) = '$sn'")" = \
    genfic-system
for ca in genfic genfic-system genfic-user; do
	ca_der=$(openssl x509 -in "$S/$ca.crt" -outform der | od -An -v -tx1 |
	    tr -d ' \n' | tr a-f A-F)
	check "certs/$ca.crt is the CA's own row" test "$(sql "SELECT hex(c.der) \
	    FROM ca JOIN cert c ON c.id = ca.cert_id WHERE ca.name = '$ca'")" = \
	    "$ca_der"
done

# -r without -o: the certificate on stdout, and in the store.
check "-r without -o succeeds" gca -r other --passout pass:other-secret --batch
cp "$T/out" "$T/other.pem"
check "-r without -o prints a PEM certificate on stdout" \
    openssl x509 -in "$T/other.pem" -noout
check "the printed certificate is certs/other.crt" \
    cmp "$T/other.pem" "$S/other.crt"
check "a second root: 5 certificates, 4 CAs" test "$(rows cert) $(rows ca)" = "5 4"
finish
