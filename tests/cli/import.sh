#!/bin/sh
# -I: import a real `openssl ca` directory (and an easy-rsa one when
# easy-rsa is installed), then check -l, -g and issuance against it.
. "$(dirname "$0")/lib.sh"

# An openssl ca directory: 20 certificates, 3 revoked, 1 on hold.
O=$T/oldca
mkdir -p "$O/newcerts" "$O/private" "$O/req"
touch "$O/index.txt"
echo 1000 >"$O/serial"
echo 0F >"$O/crlnumber"
cat >"$O/openssl.cnf" <<EOC
[ca]
default_ca = old
[old]
dir = $O
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
certificate = \$dir/cacert.pem
private_key = \$dir/private/cakey.pem
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = sha256
default_days = 365
default_crl_days = 7
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOC
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$O/private/cakey.pem" -passout pass:old-secret -subj "/CN=Old CA" \
    -days 3650 -config "$O/openssl.cnf" -extensions v3_ca -out "$O/cacert.pem" 2>/dev/null
for i in $(seq 1 20); do
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$O/req/h$i.key" -subj "/CN=host$i.example" -out "$O/req/h$i.csr" 2>/dev/null
	openssl ca -batch -config "$O/openssl.cnf" -passin pass:old-secret \
	    -in "$O/req/h$i.csr" -out "$O/req/h$i.crt" 2>/dev/null
done
ca() { openssl ca -config "$O/openssl.cnf" -passin pass:old-secret "$@" 2>/dev/null; }
ca -revoke "$O/req/h3.crt" -crl_reason keyCompromise
ca -revoke "$O/req/h4.crt" -crl_reason superseded
ca -revoke "$O/req/h5.crt" -crl_compromise 20260101000000Z
ca -revoke "$O/req/h6.crt" -crl_hold holdInstructionReject
rm "$O/newcerts/$(openssl x509 -in "$O/req/h7.crt" -noout -serial | cut -d= -f2).pem"
[ "$(wc -l <"$O/index.txt")" -eq 20 ] && pass "openssl ca directory of 20" || fail "openssl ca directory"

check "import it" gca -I "$O" --passin pass:old-secret --passout pass:new-secret --batch
cp "$T/out" "$T/import.out"; cp "$T/err" "$T/import.err"
grep -q "oldca: imported 20, skipped 0" "$T/import.out" && pass "summary line" || fail "summary line"
grep -q "no certificate file, imported from index.txt alone" "$T/import.err" &&
    pass "the missing file is reported" || fail "the missing file is reported"
check "importing twice adds nothing" gca -I "$O" --passin pass:old-secret --batch
grep -q "imported 0, skipped 20" "$T/out" && pass "second import skips all" || fail "second import skips all"
[ "$(rows cert)" -eq 21 ] && pass "21 rows (CA + 20)" || fail "21 rows (CA + 20): $(rows cert)"

gca -l -p oldca --json >"$T/j"
python3 - "$T/j" <<'PY' && pass "statuses and reasons" || fail "statuses and reasons"
import json, sys
rows = {r["subject"]: r for r in json.load(open(sys.argv[1]))}
assert rows["CN=host3.example"]["reason"] == "keyCompromise", rows["CN=host3.example"]
assert rows["CN=host4.example"]["reason"] == "superseded"
assert rows["CN=host5.example"]["reason"] == "keyCompromise"
assert rows["CN=host5.example"]["invalidity_date"] == "2026-01-01T00:00:00Z"
assert rows["CN=host6.example"]["status"] == "hold"
assert rows["CN=host1.example"]["status"] == "valid"
assert rows["CN=host7.example"]["status"] == "valid"
assert sum(r["status"] == "valid" for r in rows.values()) == 17
PY
for i in 1 9; do
	s=$(openssl x509 -in "$O/req/h$i.crt" -noout -serial | cut -d= -f2)
	gca -S "$s" -p oldca --json | python3 -c "import json,sys; assert json.load(sys.stdin)['serial'] == '$s'" &&
	    pass "serial $s kept" || fail "serial $s kept"
done

# The CRL reproduces the revoked serials and reasons and continues crlnumber.
check "-g with the imported key" gca -p oldca -g --passin pass:new-secret --batch -o "$T/old.crl"
openssl crl -in "$T/old.crl" -noout -text >"$T/crl.txt"
for i in 3 4 5 6; do
	s=$(openssl x509 -in "$O/req/h$i.crt" -noout -serial | cut -d= -f2)
	grep -q "Serial Number: $s" "$T/crl.txt" && pass "h$i on the CRL" || fail "h$i on the CRL"
done
[ "$(grep -c 'Serial Number' "$T/crl.txt")" -eq 4 ] && pass "exactly 4 entries" || fail "exactly 4 entries"
grep -q "Certificate Hold" "$T/crl.txt" && grep -q "Superseded" "$T/crl.txt" &&
    pass "reasons kept" || fail "reasons kept"
[ "$(openssl crl -in "$T/old.crl" -noout -crlnumber | cut -d= -f2)" = "0x0F" ] &&
    pass "crlNumber continues from crlnumber" || fail "crlNumber continues: $(openssl crl -in "$T/old.crl" -noout -crlnumber)"
check "openssl verify -crl_check on an imported good leaf" \
    openssl verify -crl_check -CAfile "$O/cacert.pem" -CRLfile "$T/old.crl" "$O/req/h1.crt"
openssl verify -crl_check -CAfile "$O/cacert.pem" -CRLfile "$T/old.crl" "$O/req/h3.crt" >"$T/v" 2>&1
grep -q "certificate revoked" "$T/v" && pass "imported revocation effective" || fail "imported revocation effective"

# New issuance chains to the imported CA.
gca -R "$T/new" --nopass >/dev/null
check "sign with the imported CA" gca -p oldca -s "$T/new.req" -o "$T/new.crt" --passin pass:new-secret --batch
check "new certificate chains to the imported CA" openssl verify -CAfile "$O/cacert.pem" "$T/new.crt"
check "revoke an imported certificate by CN" gca -p oldca -x host2.example --reason keyCompromise
[ "$(stat -c %a "$GENFIC_CA_DIR/private/oldca.key")" = 600 ] && grep -q "ENCRYPTED PRIVATE KEY" "$GENFIC_CA_DIR/private/oldca.key" &&
    pass "imported key re-encrypted, 0600" || fail "imported key re-encrypted, 0600"

# Conflicts and bad input: refused, nothing imported.
n=$(rows cert)
cp -r "$O" "$T/conflict"
s=$(openssl x509 -in "$O/req/h1.crt" -noout -serial | cut -d= -f2)
cp "$O/req/h2.crt" "$T/conflict/newcerts/$s.pem"
refuse "a certificate file with another serial" 1 "nothing was imported" \
    gca -I "$T/conflict" --name oldca --passin pass:old-secret --batch
cp -r "$O" "$T/garbled"
printf 'X\tnot a line\n' >>"$T/garbled/index.txt"
refuse "a garbled index line" 1 "index.txt line 21" gca -I "$T/garbled" --name oldca \
    --passin pass:old-secret --batch
refuse "the same CA under another name" 1 "already in the store under another name" \
    gca -I "$O" --name other --passin pass:old-secret --passout pass:xxxx --batch
[ ! -e "$GENFIC_CA_DIR/private/other.key" ] && pass "a refused import leaves no key behind" ||
    fail "a refused import leaves no key behind"
[ "$(rows cert)" -eq "$n" ] && pass "refused imports add nothing" || fail "refused imports add nothing"
refuse "not a directory" 1 "not a directory" gca -I "$T/nope"
refuse "wrong passphrase of the old key" 1 "wrong passphrase" \
    gca -I "$O" --name other2 --passin pass:wrong --batch

# easy-rsa 3, when the distribution has it.
EASYRSA=/usr/share/easy-rsa/easyrsa
if [ -x "$EASYRSA" ]; then
	E=$T/easy
	mkdir "$E" && cd "$E"
	export EASYRSA_BATCH=1 EASYRSA_PKI="$E/pki" EASYRSA_ALGO=ec EASYRSA_CURVE=prime256v1
	"$EASYRSA" init-pki >/dev/null 2>&1
	EASYRSA_REQ_CN="Easy CA" "$EASYRSA" build-ca nopass >/dev/null 2>&1
	for h in e1 e2 e3; do "$EASYRSA" build-server-full $h nopass >/dev/null 2>&1; done
	"$EASYRSA" revoke e2 keyCompromise >/dev/null 2>&1
	cd - >/dev/null
	check "import an easy-rsa pki" gca -I "$E/pki" --name easy --passout pass:easy-secret --batch
	grep -q "easy: imported 3" "$T/out" && pass "easy-rsa: 3 certificates" || fail "easy-rsa: 3 certificates"
	gca -l -p easy --status revoked | grep -q "CN=e2" && pass "easy-rsa revocation kept" ||
	    fail "easy-rsa revocation kept"
else
	fail "easy-rsa import: easy-rsa not installed (contrib/deps.sh installs it)"
fi
finish
