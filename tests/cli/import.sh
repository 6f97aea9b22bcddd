#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# -I: import a real `openssl ca` directory (and an easy-rsa one when
# easy-rsa is installed), then check -l, -g and issuance against it.
. "$(dirname "$0")/lib.sh"

# An openssl ca directory: 20 certificates, 3 revoked, 1 on hold.
O=$T/oldca
openssl_ca_dir "$O" 1000 "crlnumber = \$dir/crlnumber" \
    "default_crl_days = 7" "copy_extensions = none"
echo 0F >"$O/crlnumber"
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
# openssl ca puts removeFromCRL on its CRLs like any revocation.
ca -revoke "$O/req/h8.crt" -crl_reason removeFromCRL
rm "$O/newcerts/$(openssl x509 -in "$O/req/h7.crt" -noout -serial | cut -d= -f2).pem"
[ "$(wc -l <"$O/index.txt")" -eq 20 ] && pass "openssl ca directory of 20" || fail "openssl ca directory"

# A planted fault: the copy of --ca-key runs out of memory.  The import
# must fail, not go on without the CA key; nothing is written.
export GF_FAILSTRDUP="$O/private/cakey.pem"
refuse "the copy of --ca-key fails: refused, not imported without the key" 1 \
    "out of memory" preloaded "$GF_FAILSTRDUP_LIB" gca -I "$O" \
    --ca-key "$O/private/cakey.pem" --passin pass:old-secret \
    --passout pass:new-secret --batch
unset GF_FAILSTRDUP
check "and no store was made" test ! -e "$GENFIC_CA_DIR/ca.db"
check "nor a key written" test ! -e "$GENFIC_CA_DIR/private/oldca.key"
check "import it" gca -I "$O" --passin pass:old-secret --passout pass:new-secret --batch
cp "$T/out" "$T/import.out"; cp "$T/err" "$T/import.err"
grep -q "oldca: imported 20, skipped 0" "$T/import.out" && pass "summary line" || fail "summary line"
grep -q "no certificate file, imported from index.txt alone" "$T/import.err" &&
    pass "the missing file is reported" || fail "the missing file is reported"
grep -q "removeFromCRL.*imported on hold" "$T/import.err" &&
    pass "the removeFromCRL line is reported" || fail "the removeFromCRL line is reported"
# The store keeps the CA's certificate in certs/ as -r and -c do.
check "certs/oldca.crt is the imported certificate" \
    cmp "$GENFIC_CA_DIR/certs/oldca.crt" "$O/cacert.pem"
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
assert rows["CN=host8.example"]["status"] == "hold", rows["CN=host8.example"]
assert rows["CN=host1.example"]["status"] == "valid"
assert rows["CN=host7.example"]["status"] == "valid"
assert sum(r["status"] == "valid" for r in rows.values()) == 16
PY
for i in 1 9; do
	s=$(openssl x509 -in "$O/req/h$i.crt" -noout -serial | cut -d= -f2)
	gca -S "$s" -p oldca --json | python3 -c "import json,sys; assert json.load(sys.stdin)['serial'] == '$s'" &&
	    pass "serial $s kept" || fail "serial $s kept"
done

# The CRL reproduces the revoked serials and reasons and continues crlnumber.
check "-g with the imported key" gca -p oldca -g --passin pass:new-secret --batch -o "$T/old.crl"
openssl crl -in "$T/old.crl" -noout -text >"$T/crl.txt"
for i in 3 4 5 6 8; do
	s=$(openssl x509 -in "$O/req/h$i.crt" -noout -serial | cut -d= -f2)
	grep -q "Serial Number: $s" "$T/crl.txt" && pass "h$i on the CRL" || fail "h$i on the CRL"
done
[ "$(grep -c 'Serial Number' "$T/crl.txt")" -eq 5 ] && pass "exactly 5 entries" || fail "exactly 5 entries"
grep -q "Certificate Hold" "$T/crl.txt" && grep -q "Superseded" "$T/crl.txt" &&
    pass "reasons kept" || fail "reasons kept"
[ "$(openssl crl -in "$T/old.crl" -noout -crlnumber | cut -d= -f2)" = "0x0F" ] &&
    pass "crlNumber continues from crlnumber" || fail "crlNumber continues: $(openssl crl -in "$T/old.crl" -noout -crlnumber)"
check "openssl verify -crl_check on an imported good leaf" \
    openssl verify -crl_check -CAfile "$O/cacert.pem" -CRLfile "$T/old.crl" "$O/req/h1.crt"
openssl verify -crl_check -CAfile "$O/cacert.pem" -CRLfile "$T/old.crl" "$O/req/h3.crt" >"$T/v" 2>&1
grep -q "certificate revoked" "$T/v" && pass "imported revocation effective" || fail "imported revocation effective"
openssl verify -crl_check -CAfile "$O/cacert.pem" -CRLfile "$T/old.crl" "$O/req/h8.crt" >"$T/v" 2>&1
grep -q "certificate revoked" "$T/v" && pass "the removeFromCRL line stays revoked" ||
    fail "the removeFromCRL line stays revoked"

# New issuance chains to the imported CA.
gca -R "$T/new" --nopass >/dev/null
check "sign with the imported CA" gca -p oldca -s "$T/new.req" -o "$T/new.crt" --passin pass:new-secret --batch
check "new certificate chains to the imported CA" openssl verify -CAfile "$O/cacert.pem" "$T/new.crt"
check "certtool: it chains to certs/oldca.crt" certtool --verify \
    --load-ca-certificate "$GENFIC_CA_DIR/certs/oldca.crt" --infile "$T/new.crt"
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

# A NUL byte in index.txt: the line is refused, not the rest dropped.
cp -r "$O" "$T/nul"
python3 - "$T/nul/index.txt" <<'PY'
import sys
p = sys.argv[1]
lines = open(p, "rb").read().split(b"\n")
lines[9] = b"\0" + lines[9]
open(p, "wb").write(b"\n".join(lines))
PY
refuse_clean "a NUL byte in index.txt" 1 "index.txt line 10: a NUL byte" \
    gca -d "$T/nulstore" -I "$T/nul" --name nul --passin pass:old-secret \
    --passout pass:new-secret --batch
[ ! -e "$T/nulstore" ] && pass "... and no store is made" || fail "... and no store is made"

# What may be imported as a CA: self-signed with CA:TRUE, or issued by a
# CA of the store; CA:TRUE with keyCertSign either way.
X=$T/other
mkdir -p "$X"
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$X/ca.key" -subj "/CN=Other CA" -days 3650 -config "$O/openssl.cnf" \
    -extensions v3_ca -out "$X/ca.crt" 2>/dev/null
# evil_dir DIR CERT KEY: an openssl ca directory around CERT and KEY.
evil_dir() {
	mkdir -p "$1/private"
	cp "$2" "$1/cacert.pem"
	cp "$3" "$1/private/cakey.pem"
	: >"$1/index.txt"
}
# issue NAME KEY SUBJECT ISSUER ISSUER_KEY EXTENSIONS [x509 options]:
# $X/NAME.crt.
issue() {
	is_name=$1 is_key=$2 is_subj=$3 is_ca=$4 is_cakey=$5
	printf '%b\n' "$6" >"$X/$is_name.ext"
	shift 6
	openssl req -new -key "$is_key" -subj "$is_subj" -out "$X/$is_name.csr" 2>/dev/null &&
	openssl x509 -req -in "$X/$is_name.csr" -CA "$is_ca" -CAkey "$is_cakey" \
	    -set_serial "0x$(openssl rand -hex 8)" -days 365 -extfile "$X/$is_name.ext" \
	    -out "$X/$is_name.crt" "$@" 2>/dev/null
}
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$X/k1.key" 2>/dev/null
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$X/k2.key" 2>/dev/null
issue leaf "$X/k1.key" /CN=evil.example "$X/ca.crt" "$X/ca.key" \
    'basicConstraints = CA:FALSE\nkeyUsage = digitalSignature'
evil_dir "$T/evilimp" "$X/leaf.crt" "$X/k1.key"
refuse_clean "a CA:FALSE leaf of another CA is no CA" 1 "not a CA certificate" \
    gca -I "$T/evilimp" --passout pass:evil-secret --batch
issue sub "$X/k1.key" "/CN=Other Sub" "$X/ca.crt" "$X/ca.key" \
    'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign'
evil_dir "$T/orphan" "$X/sub.crt" "$X/k1.key"
refuse_clean "an intermediate of a CA not in the store" 1 "no CA of the store issued it" \
    gca -I "$T/orphan" --passout pass:evil-secret --batch
# Self-issued (same name, no AKI) but signed with another key.
issue twin "$X/k2.key" "/CN=Other CA" "$X/ca.crt" "$X/ca.key" \
    'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign'
evil_dir "$T/twin" "$X/twin.crt" "$X/k2.key"
refuse_clean "a self-issued certificate not signed by its own key" 1 "no CA of the store issued it" \
    gca -I "$T/twin" --passout pass:evil-secret --batch
openssl req -new -x509 -key "$X/k2.key" -subj "/CN=No Sign" -days 365 \
    -addext "basicConstraints = critical, CA:TRUE" -addext "keyUsage = critical, digitalSignature" \
    -out "$X/nosign.crt" 2>/dev/null
evil_dir "$T/nosign" "$X/nosign.crt" "$X/k2.key"
refuse_clean "a CA:TRUE root without keyCertSign" 1 "keyCertSign" \
    gca -I "$T/nosign" --passout pass:evil-secret --batch
# openssl's stock v3_ca section writes no keyUsage: such a root is a CA.
openssl req -x509 -new -key "$X/k2.key" -subj "/CN=Stock CA" -days 365 \
    -out "$X/stock.crt" 2>/dev/null
evil_dir "$T/stock" "$X/stock.crt" "$X/k2.key"
check "a CA:TRUE root without keyUsage (openssl's v3_ca)" \
    gca -d "$T/stockstore" -I "$T/stock" --passout pass:stock-secret --batch
gca -l >"$T/l"
! grep -Eq "evilimp|orphan|twin|nosign" "$T/l" && pass "none of them is in the store" ||
    fail "none of them is in the store"
check "-E all --format trust" gca -E all --format trust -o "$T/trust"
[ "$(ls "$T/trust"/*.crt | wc -l)" -eq 1 ] && pass "... exports oldca alone" ||
    fail "... exports oldca alone: $(ls "$T/trust")"

# An intermediate issued by the imported CA becomes its child.
issue subca "$X/k2.key" "/CN=Old Sub CA" "$O/cacert.pem" "$O/private/cakey.pem" \
    'basicConstraints = critical, CA:TRUE, pathlen:0\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid' \
    -passin pass:old-secret
evil_dir "$T/subca" "$X/subca.crt" "$X/k2.key"
check "import an intermediate of oldca" gca -I "$T/subca" --passout pass:sub-secret --batch
[ "$(sql "SELECT p.name FROM ca c JOIN ca p ON p.id = c.parent_id WHERE c.name = 'subca'")" = oldca ] &&
    pass "... as oldca's child" || fail "... as oldca's child"
check "openssl verify: certs/subca.crt chains to certs/oldca.crt" openssl verify \
    -CAfile "$GENFIC_CA_DIR/certs/oldca.crt" "$GENFIC_CA_DIR/certs/subca.crt"

# A key left in private/ by another CA is never taken for the imported one.
mkdir -p "$T/left/private"
cp "$GENFIC_CA_DIR/private/subca.key" "$T/left/private/oldca.key"
refuse "a leftover private/NAME.key" 1 "private/oldca.key exists" \
    gca -d "$T/left" -I "$O" --passin pass:old-secret --batch
[ ! -e "$T/left/ca.db" ] && pass "... and no store is made" || fail "... and no store is made"
# One that got there anyway is refused where the CA's key is loaded.
evil_dir "$T/otherca" "$X/ca.crt" "$X/ca.key"
check "import another root" gca -d "$T/left" -I "$T/otherca" --passout pass:other-secret --batch
mv "$T/left/private/oldca.key" "$T/left/private/otherca.key"
refuse "a CA key that is not the CA's" 1 "otherca: key private/otherca.key does not match the CA certificate" \
    gca -d "$T/left" -p otherca -g --passin pass:sub-secret --batch

# Inputs are checked before a store is made.
mkdir -p "$T/noindex/private"
cp "$O/cacert.pem" "$T/noindex/"
cp "$O/private/cakey.pem" "$T/noindex/private/"
refuse "a directory without index.txt" 1 "index.txt" \
    gca -d "$T/s15" -I "$T/noindex" --passin pass:old-secret --passout pass:new-secret --batch
[ ! -e "$T/s15" ] && pass "... makes no store" || fail "... makes no store: $(ls -R "$T/s15")"
refuse "-r with a short passphrase" 1 "at least" gca -d "$T/s15" -r short --passout pass:abc --batch
[ ! -e "$T/s15" ] && pass "... makes no store" || fail "... makes no store: $(ls -R "$T/s15")"
mkdir "$T/s15"
refuse "-r with a short passphrase in an empty directory" 1 "at least" \
    gca -d "$T/s15" -r short --passout pass:abc --batch
[ -z "$(ls -A "$T/s15")" ] && pass "... leaves it empty" || fail "... leaves it empty: $(ls -A "$T/s15")"

# easy-rsa 3.1: revoked certificates are kept in revoked/certs_by_serial/.
EASYRSA=/usr/share/easy-rsa/easyrsa
E=$T/easy
mkdir "$E" && cd "$E" || exit 1
export EASYRSA_BATCH=1 EASYRSA_PKI="$E/pki" EASYRSA_ALGO=ec EASYRSA_CURVE=prime256v1
"$EASYRSA" init-pki >/dev/null 2>&1
EASYRSA_REQ_CN="Easy CA" "$EASYRSA" build-ca nopass >/dev/null 2>&1
for h in e1 e2 e3; do "$EASYRSA" build-server-full $h nopass >/dev/null 2>&1; done
"$EASYRSA" revoke e2 keyCompromise >/dev/null 2>&1
check "easy-rsa keeps e2 in revoked/certs_by_serial" test ! -e "$E/pki/issued/e2.crt" -a \
    "$(ls "$E/pki/revoked/certs_by_serial" "$E/pki/certs_by_serial" | grep -c .crt)" -eq 1
unset EASYRSA_PKI
refuse "an unencrypted CA key with --batch and no --passout" 1 "give --passout" \
    gca -I pki --batch
[ "$(sql "SELECT count(*) FROM ca WHERE name = 'easy'")" -eq 0 ] && pass "... imports nothing" ||
    fail "... imports nothing"
# From inside the easy-rsa directory: named after it, not ".".
check "import an easy-rsa pki" gca -I pki --passout pass:easy-secret --batch
cp "$T/err" "$T/easy.err"
cd - >/dev/null || exit 1
grep -q "easy: imported 3" "$T/out" && pass "easy-rsa: 3 certificates, CA named easy" ||
    fail "easy-rsa: 3 certificates, CA named easy"
! grep -q "no certificate file" "$T/easy.err" && pass "easy-rsa: every certificate from its file" ||
    fail "easy-rsa: every certificate from its file"
gca -l -p easy --status revoked | grep -q "CN=e2" && pass "easy-rsa revocation kept" ||
    fail "easy-rsa revocation kept"
check "-g for the easy-rsa CA" gca -p easy -g --passin pass:easy-secret --batch -o "$T/easy.crl"
openssl crl -in "$T/easy.crl" -noout -text >"$T/crl.txt"
s=$(serial_of "$E/pki/revoked/certs_by_serial/"*.crt)
grep -q "Serial Number: $s" "$T/crl.txt" && grep -q "Key Compromise" "$T/crl.txt" &&
    pass "openssl crl: e2 on the CRL, keyCompromise" || fail "openssl crl: e2 on the CRL"
openssl verify -crl_check -CAfile "$E/pki/ca.crt" -CRLfile "$T/easy.crl" \
    "$E/pki/revoked/certs_by_serial/"*.crt >"$T/v" 2>&1
grep -q "certificate revoked" "$T/v" && pass "openssl verify -crl_check: e2 revoked" ||
    fail "openssl verify -crl_check: e2 revoked"
check "openssl verify -crl_check: e1 good" openssl verify -crl_check \
    -CAfile "$E/pki/ca.crt" -CRLfile "$T/easy.crl" "$E/pki/issued/e1.crt"
certtool --verify --load-ca-certificate "$GENFIC_CA_DIR/certs/easy.crt" \
    --load-crl "$T/easy.crl" --infile "$E/pki/revoked/certs_by_serial/"*.crt >"$T/v" 2>&1
grep -qi "revoked" "$T/v" && pass "certtool: e2 revoked" || fail "certtool: e2 revoked"
finish
