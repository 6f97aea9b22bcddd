#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What genfic-ca must refuse: bad requests, bad passphrases, bad usage.
# Each refusal exits 1 (refused) or 2 (usage), says why on stderr as
# "genfic-ca: ...", and leaves no certificate, audit entry or file behind.
. "$(dirname "$0")/lib.sh"

SYS="-p genfic-system --passin pass:system-secret --batch"
ROOT="-p genfic --passin pass:root-secret --batch"
R=$T/req
mkdir -p "$R"

KEYS=$R	# newkey and csr (lib.sh) write here

# req_verify FILE [openssl req options]: openssl's verdict on the request's
# self-signature ("OK" or "failure"); openssl 3.0 req -verify exits 0
# either way.
req_verify() {
	rv_file=$1; shift
	openssl req -in "$rv_file" "$@" -verify -noout 2>&1 |
	    sed -n 's/.*self-signature verify \(OK\|failure\).*/\1/p'
}

# long_cn_csr KEY CN OUT: a DER request with a commonName openssl req
# would refuse to write (longer than ub-common-name), built with
# asn1parse -genconf and signed with openssl dgst: a valid signature over
# an out-of-bounds subject.
long_cn_csr() {
	pub=$(openssl pkey -in "$1" -pubout -outform der | tail -c 65 |
	    od -An -v -tx1 | tr -d ' \n')
	cat >"$T/tbs.cnf" <<EOF
asn1 = SEQUENCE:tbs
[tbs]
version = INTEGER:0
subject = SEQUENCE:subject
spki = SEQUENCE:spki
attributes = IMPLICIT:0C,SET:empty
[empty]
[subject]
rdn = SET:rdn
[rdn]
cn = SEQUENCE:cn
[cn]
type = OID:commonName
value = UTF8:$2
[spki]
algorithm = SEQUENCE:ec
key = FORMAT:HEX,BITSTRING:$pub
[ec]
type = OID:id-ecPublicKey
curve = OID:prime256v1
EOF
	openssl asn1parse -genconf "$T/tbs.cnf" -noout -out "$T/tbs.der" &&
	    openssl dgst -sha256 -sign "$1" -out "$T/tbs.sig" "$T/tbs.der" ||
	    return 1
	sig=$(od -An -v -tx1 "$T/tbs.sig" | tr -d ' \n')
	sed 's/^asn1 = .*/asn1 = SEQUENCE:req/' "$T/tbs.cnf" >"$T/req.cnf"
	cat >>"$T/req.cnf" <<EOF
[req]
info = SEQUENCE:tbs
algorithm = SEQUENCE:sigalg
signature = FORMAT:HEX,BITSTRING:$sig
[sigalg]
type = OID:ecdsa-with-SHA256
EOF
	openssl asn1parse -genconf "$T/req.cnf" -noout -out "$3"
}

check "root, system and user CAs created" make_hierarchy

# --- Requests -----------------------------------------------------------
newkey good -algorithm EC -pkeyopt ec_paramgen_curve:P-256
csr good good /CN=good.example
openssl req -in "$R/good.req" -outform der -out "$R/good.der"
check "a good request is signed (the CA works)" \
    gca $SYS -s "$R/good.req" -o "$T/good.crt"

newkey rsa1024 -algorithm RSA -pkeyopt rsa_keygen_bits:1024
csr rsa1024 rsa1024 /CN=weak.example
refuse_clean "RSA 1024 request" 1 \
    "rsa1024.req: refused: RSA key of 1024 bits is below the template minimum 2048" \
    gca $SYS -s "$R/rsa1024.req" -o "$T/rsa1024.crt"

newkey k1 -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1
csr k1 k1 /CN=k1.example
refuse_clean "EC secp256k1 request" 1 \
    "k1.req: refused: EC key on secp256k1 is not allowed" \
    gca $SYS -s "$R/k1.req"

openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 \
    -out "$T/dsa.param" 2>/dev/null
newkey dsa -paramfile "$T/dsa.param"
csr dsa dsa /CN=dsa.example
check "openssl verifies the DSA request" test "$(req_verify "$R/dsa.req")" = OK
check "... which holds a DSA key" sh -c "openssl req -in '$R/dsa.req' -noout \
    -text | grep -q 'Public Key Algorithm: dsaEncryption'"
refuse_clean "DSA 2048 request" 1 "dsa.req: refused: DSA key: unsupported" \
    gca $SYS -s "$R/dsa.req"

# One byte of the signature flipped: still DER, no longer signed.
flip_sig "$R/good.der" "$R/flipped.der"
check "openssl verifies the good request" \
    test "$(req_verify "$R/good.der" -inform der)" = OK
check "openssl finds the flipped request's signature bad" \
    test "$(req_verify "$R/flipped.der" -inform der)" = failure
refuse_clean "request with a flipped signature byte" 1 \
    "flipped.der: refused: bad signature" gca $SYS -s "$R/flipped.der"

csr nocn good /O=Gentoo\ Fictional/OU=No\ CN
refuse_clean "request without CN" 1 "nocn.req: refused: .*requires" \
    gca $SYS -s "$R/nocn.req"

long=$(printf '%070d' 0 | tr 0 a)
long_cn_csr "$R/good.key" "$long" "$R/longcn.der"
check "openssl verifies the 70-character CN request" \
    test "$(req_verify "$R/longcn.der" -inform der)" = OK
check "... whose CN has 70 characters" test "$(openssl req -inform der \
    -in "$R/longcn.der" -noout -subject -nameopt RFC2253)" = "subject=CN=$long"
refuse_clean "request with a 70-character CN" 1 \
    "longcn.der: refused: subject CN of 70 characters exceeds" \
    gca $SYS -s "$R/longcn.der"

csr badsan good /CN=badsan.example -addext subjectAltName=DNS:bad_name.example
refuse_clean "SAN DNS:bad_name.example" 1 \
    "badsan.req: refused: subjectAltName DNS 'bad_name.example' is not a valid host name" \
    gca $SYS -s "$R/badsan.req"
csr dashsan good /CN=dashsan.example -addext subjectAltName=DNS:-x.example
refuse_clean "SAN DNS:-x.example" 1 \
    "dashsan.req: refused: subjectAltName DNS '-x.example' is not a valid host name" \
    gca $SYS -s "$R/dashsan.req"

: >"$R/empty.req"
refuse_clean "empty file" 1 "empty.req: empty file" gca $SYS -s "$R/empty.req"
head -c 512 /dev/urandom >"$R/random.req"
refuse_clean "512 random bytes" 1 \
    "random.req: \(neither PEM nor DER\|not a certificate request\)" \
    gca $SYS -s "$R/random.req"
head -c $((size - 20)) "$R/good.der" >"$R/truncated.der"
refuse_clean "truncated DER" 1 "truncated.der: not a certificate request" \
    gca $SYS -s "$R/truncated.der"
{ cat "$R/good.der"; printf 'garbage'; } >"$R/trailing.der"
refuse_clean "DER with trailing garbage" 1 \
    "trailing.der: 7 bytes of trailing data" gca $SYS -s "$R/trailing.der"
refuse_clean "missing request file" 1 "nonexistent.req: No such file" \
    gca $SYS -s "$R/nonexistent.req"

# A spool of three, one bad: the good ones are signed, the bad one named.
mkdir -p "$T/spool" "$T/spool.out"
csr spool-a good /CN=a.example
csr spool-c good /CN=c.example
cp "$R/spool-a.req" "$T/spool/a.req"
cp "$R/rsa1024.req" "$T/spool/b.req"
cp "$R/spool-c.req" "$T/spool/c.csr"
before=$(($(rows cert) + $(rows audit)))
gca $SYS -s "$T/spool" -o "$T/spool.out" >"$T/spool.stdout" 2>"$T/spool.err"
status=$?
cp "$T/spool.err" "$T/spool.stderr"
check "spool with a bad request exits 1" test "$status" -eq 1
check "spool: the bad request is named with its reason" grep -q \
    "^genfic-ca: $T/spool/b.req: refused: RSA key of 1024 bits" "$T/spool.stderr"
check "spool: 2 signed, 1 refused" grep -q \
    "^genfic-ca: genfic-system: 2 signed, 1 refused" "$T/spool.stderr"
check "spool: two certificates and two audit entries recorded" \
    test $(($(rows cert) + $(rows audit))) -eq $((before + 4))
check "spool: the output directory holds a.crt and c.crt only" test \
    "$(ls "$T/spool.out" | tr '\n' ' ')" = "a.crt c.crt "
for x in a c; do
	check "spool: $x.crt verifies" openssl verify -CAfile \
	    "$GENFIC_CA_DIR/certs/genfic.crt" -untrusted \
	    "$GENFIC_CA_DIR/certs/genfic-system.crt" "$T/spool.out/$x.crt"
	check "spool: $x.crt is for $x.example" test "$(openssl x509 \
	    -in "$T/spool.out/$x.crt" -noout -subject -nameopt RFC2253)" = \
	    "subject=CN=$x.example"
done

# --- Passphrases and the acting CA -------------------------------------
refuse_clean "wrong passphrase" 1 \
    "genfic-system: cannot decrypt CA key: wrong passphrase?" \
    gca -p genfic-system --passin pass:wrong --batch -s "$R/good.req"
cp "$T/err" "$T/wrong.err"
check "... in exactly these words" grep -qx \
    "genfic-ca: genfic-system: cannot decrypt CA key: wrong passphrase?" \
    "$T/wrong.err"
unset NOPE_UNSET
refuse_clean "--passin env: of an unset variable" 1 "NOPE_UNSET is not set" \
    gca -p genfic-system --passin env:NOPE_UNSET --batch -s "$R/good.req"
refuse_clean "--passin file: that does not exist" 1 "/nonexistent: No such file" \
    gca -p genfic-system --passin file:/nonexistent --batch -s "$R/good.req"
refuse_clean "--batch without --passin" 1 "--passin not given, and --batch forbids prompting" \
    gca -p genfic-system --batch -s "$R/good.req"
refuse_clean "unknown parent" 1 "no CA named 'nope'" \
    gca -p nope --passin pass:x --batch -s "$R/good.req"
refuse_clean "unknown template" 1 "template 'nope' not found" \
    gca $SYS -t nope -s "$R/good.req"

# --- Usage --------------------------------------------------------------
for v in 0 -5 99999999; do
	refuse_clean "-v $v" 2 "-v '$v': a number" \
	    gca $SYS -v "$v" -s "$R/good.req"
done
refuse_clean "-k rsa:1000 for -c" 2 "'rsa:1000': RSA keys are rsa:2048" \
    gca $ROOT -c small-ca -k rsa:1000 --passout pass:small-secret
refuse_clean "-k ec:P-1 for -c" 2 "'ec:P-1': EC keys are" \
    gca $ROOT -c odd-ca -k ec:P-1 --passout pass:odd-secret
for name in a/b ../up a..b 'a b'; do
	refuse_clean "-r '$name'" 2 "a CA name" \
	    gca -r "$name" --passout pass:name-secret --batch
	refuse_clean "-c '$name'" 2 "a CA name" \
	    gca $ROOT -c "$name" --passout pass:name-secret
done
refuse_clean "two modes" 2 "exactly one mode" \
    gca -r one -c two --passout pass:two-secret --batch
refuse_clean "-s and -R" 2 "exactly one mode" \
    gca $SYS -s "$R/good.req" -R "$T/both"
refuse_clean "no mode" 2 "no mode given" gca $SYS
refuse_clean "-c without -p" 2 "-c needs -p" \
    gca -c orphan --passin pass:root-secret --passout pass:orphan --batch
refuse_clean "-s without -p" 2 "-s needs -p" \
    gca --passin pass:x --batch -s "$R/good.req"

# A refused -r in a new directory leaves no empty store behind.
refuse "-r with a bad name in a new directory" 2 "a CA name" \
    gca -d "$T/fresh" -r 'bad name' --passout pass:name-secret --batch
check "... creates no store there" test ! -e "$T/fresh"

# --- Things that exist --------------------------------------------------
cksum "$GENFIC_CA_DIR/private/genfic-user.key" \
    "$GENFIC_CA_DIR/certs/genfic-user.crt" >"$T/user.sum"
refuse_clean "-c of a CA that exists" 1 "already exists" \
    gca $ROOT -c genfic-user --passout pass:user-secret2
refuse_clean "-r of a root that exists" 1 "already exists" \
    gca -r genfic --passout pass:root-secret2 --batch
check "the existing CA's key and certificate are unchanged" sh -c \
    "cksum '$GENFIC_CA_DIR/private/genfic-user.key' \
    '$GENFIC_CA_DIR/certs/genfic-user.crt' | cmp -s - '$T/user.sum'"

echo "precious" >"$T/host.key"
refuse_clean "-R onto an existing PATH.key" 1 "exists" \
    gca -R "$T/host" --nopass
check "... the existing key is unchanged" grep -qx precious "$T/host.key"
check "... and no request was written" test ! -e "$T/host.req"

echo "precious" >"$T/taken.crt"
# Refused before anything is signed: no certificate nobody received.
refuse_clean "-o onto an existing file without --force" 1 \
    "taken.crt exists (--force replaces it)" \
    gca $SYS -s "$R/good.req" -o "$T/taken.crt"
check "... the existing file is unchanged" grep -qx precious "$T/taken.crt"
check "-o onto an existing file with --force" \
    gca $SYS -s "$R/good.req" -o "$T/taken.crt" --force
check "... replaces it with the new certificate" test \
    "$(sql "SELECT hex(serial) FROM cert ORDER BY id DESC LIMIT 1")" = \
    "$(serial_of "$T/taken.crt")"

# A -o whose directory does not exist is refused before signing: no
# certificate nobody received is left in cert and audit.
refuse_clean "-o into a directory that does not exist" 1 \
    "nodir/x.crt: no writable directory" \
    gca $SYS -s "$R/good.req" -o "$T/nodir/x.crt"
# The same for -r/-c: no CA is made whose command failed.
refuse_clean "-r with -o into a directory that does not exist" 1 \
    "nodir/root.crt: no writable directory" \
    gca -r lost --passout pass:lost-secret --batch -o "$T/nodir/root.crt"

echo "precious" >"$T/takenroot.crt"
# -r/-c check -o up front too: no CA is made whose command failed.
refuse_clean "-r with -o onto an existing file" 1 "exists" \
    gca -r spare --passout pass:spare-secret --batch -o "$T/takenroot.crt"
refuse_clean "-c with -o onto an existing file" 1 "exists" \
    gca $ROOT -c spare-child --passout pass:spare-secret -o "$T/takenroot.crt"
check "... the existing file is unchanged" grep -qx precious "$T/takenroot.crt"
check "... and neither CA was made" test "$(sql "SELECT count(*) FROM ca \
    WHERE name IN ('spare', 'spare-child')")" = 0

# --- The store itself ---------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
	skip "a store that is not writable is refused" root
else
	before="$(rows cert) $(rows audit)"
	chmod a-w "$GENFIC_CA_DIR" "$GENFIC_CA_DIR/ca.db"
	refuse "a store that is not writable is refused" 1 "writable" \
	    gca $SYS -s "$R/good.req" -o "$T/ro.crt"
	chmod u+w "$GENFIC_CA_DIR" "$GENFIC_CA_DIR/ca.db"
	check "... and writes no certificate" test ! -e "$T/ro.crt"
	check "... nor any row" test "$(rows cert) $(rows audit)" = "$before"
fi

mkdir -p "$T/notdb/private" "$T/notdb/certs" "$T/notdb/crl"
echo "this is not a database, only text" >"$T/notdb/ca.db"
refuse_clean "ca.db that is not SQLite" 1 "not an SQLite database" \
    gca -d "$T/notdb" $SYS -s "$R/good.req"
check "... and is left as it was" grep -qx \
    "this is not a database, only text" "$T/notdb/ca.db"
# --- A key revoked for keyCompromise, in a spool -------------------------
# The workers judge without the store; the writer's issue_commit() refuses
# the key in the transaction that would record it, naming the revoked
# serial, and the rest of the group is committed.
newkey kc1 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
newkey kc2 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
csr kc1 kc1 /CN=kc1.example
csr kc1-again kc1 /CN=kc1-again.example
csr kc2 kc2 /CN=kc2.example
check "sign kc1" gca $SYS -s "$R/kc1.req" -o "$T/kc1.crt"
check "revoke it for keyCompromise" gca $SYS -x "$T/kc1.crt" --reason keyCompromise
kc1=$(serial_of "$T/kc1.crt")
mkdir -p "$T/kc" "$T/kc.out"
cp "$R/kc1-again.req" "$R/kc2.req" "$T/kc/"
before=$(rows cert)
gca $SYS -s "$T/kc" -o "$T/kc.out" >"$T/kc.stdout" 2>"$T/kc.err"
status=$?
check "a spool holding a compromised key exits 1" test "$status" -eq 1
check "... that request refused, the revoked serial named" grep -q \
    "^genfic-ca: $T/kc/kc1-again.req: refused: key revoked for keyCompromise (serial $kc1)" \
    "$T/kc.err"
check "... the other signed in the same run" grep -q \
    "^genfic-ca: genfic-system: 1 signed, 1 refused, 0 skipped" "$T/kc.err"
check "... one row more, and only kc2.crt written" test "$(rows cert)" -eq \
    $((before + 1)) -a "$(ls "$T/kc.out")" = kc2.crt
# --- A failure once a certificate's row is in the transaction ------------
# Its audit entry fails (planted: out of memory right after the insert):
# not a refusal of that request, whose row would be committed unaudited,
# but a failure of the group, rolled back; nothing recorded or written.
mkdir -p "$T/fa" "$T/fa.out"
newkey fa1 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
csr fa1 fa1 /CN=fa1.example
csr fa2 kc2 /CN=fa2.example
cp "$R/fa1.req" "$R/fa2.req" "$T/fa/"
before="$(rows cert) $(rows audit)"
preloaded "$GF_FAILAUDIT" "$GENFIC_CA" $SYS -s "$T/fa" -o "$T/fa.out" \
    >"$T/fa.stdout" 2>"$T/fa.err"
status=$?
check "an audit entry failing after its row: exit 1" test "$status" -eq 1
check "... the failure said, the group not recorded" grep -q \
    "^genfic-ca: genfic-system: 0 signed, 0 refused, 0 skipped, 2 not recorded" \
    "$T/fa.err"
check "... no row, no audit entry, no file" test \
    "$(rows cert) $(rows audit) $(ls "$T/fa.out" | wc -l)" = "$before 0"
check "... and without the fault both are signed" gca $SYS -s "$T/fa" -o "$T/fa.out"
finish
