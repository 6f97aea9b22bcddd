#!/bin/sh
# Regenerates the committed hostile inputs of tests/data/bad/ (the table
# cases.tsv says which case uses which file).  Not run by the tests: the
# files are committed, and keys are random, so a re-run changes their
# bytes but not what they exercise.  Needs openssl 3, od, head, sed.
#
#   sh tests/data/bad/make-data.sh [OUTDIR]      (default: this directory)
#
# Requests that openssl req cannot write (a 10 000-byte CN, NUL bytes, an
# IP address of 5 octets, two subjectAltName extensions) are assembled
# with openssl asn1parse -genconf and signed with openssl dgst: a valid
# self-signature over a hostile body, so that the signature check does
# not hide the check the case is about.
set -eu
OUT=${1:-$(dirname "$0")}
W=$(mktemp -d "${TMPDIR:-/tmp}/gf-bad-data.XXXXXX")
trap 'rm -rf "$W"' EXIT

key() {	# key NAME genpkey-options...: $W/NAME.key, never committed
	k=$1; shift
	openssl genpkey "$@" -out "$W/$k.key" 2>/dev/null
}

req() {	# req OUTFILE KEY SUBJECT [openssl req options]
	r_out=$1 r_key=$2 r_subj=$3; shift 3
	openssl req -new -key "$W/$r_key.key" -subj "$r_subj" "$@" -out "$r_out"
}

hexof() { od -An -v -tx1 | tr -d ' \n'; }

# crafted OUT SUBJECT-SECTIONS EXTENSION-SECTIONS: a DER request built
# from asn1parse -genconf sections.  SUBJECT-SECTIONS defines [subject] (a
# SEQUENCE of SETs); EXTENSION-SECTIONS defines [exts] (a SEQUENCE of
# extensions) or is empty for none.  By default the key is EC P-256
# (allowed) and signs the request; $SPKI (genconf sections defining
# [spki]), $SIGN (a command printing the signature of $W/tbs.der in hex),
# $SIGALG (the lines of section [sigalg]) and $VERSION override that.
p256_spki() {
	pub=$(openssl pkey -in "$W/p256.key" -pubout -outform der | tail -c 65 |
	    hexof)
	printf '[spki]\nalgorithm = SEQUENCE:ecalg\n'
	printf 'key = FORMAT:HEX,BITSTRING:%s\n' "${1:-$pub}"
	printf '[ecalg]\ntype = OID:id-ecPublicKey\ncurve = OID:prime256v1\n'
}
p256_sign() {
	openssl dgst -sha256 -sign "$W/p256.key" "$W/tbs.der" | hexof
}
crafted() {
	c_out=$1 c_subject=$2 c_exts=$3
	{
		echo "asn1 = SEQUENCE:tbs"
		echo "[tbs]"
		echo "version = INTEGER:${VERSION:-0}"
		echo "subject = SEQUENCE:subject"
		echo "spki = SEQUENCE:spki"
		if [ -n "$c_exts" ]; then
			echo "attributes = IMPLICIT:0C,SET:attrs"
		else
			echo "attributes = IMPLICIT:0C,SET:empty"
		fi
		echo "[empty]"
		echo "[attrs]"
		echo "a = SEQUENCE:extreq"
		echo "[extreq]"
		echo "type = OID:extReq"
		echo "values = SET:extset"
		echo "[extset]"
		echo "e = SEQUENCE:exts"
		if [ -n "${SPKI:-}" ]; then printf '%s\n' "$SPKI"; else p256_spki; fi
		printf '%s\n' "$c_subject"
		printf '%s\n' "$c_exts"
	} >"$W/tbs.cnf"
	openssl asn1parse -genconf "$W/tbs.cnf" -noout -out "$W/tbs.der"
	sig=$(${SIGN:-p256_sign})
	sed 's/^asn1 = .*/asn1 = SEQUENCE:req/' "$W/tbs.cnf" >"$W/req.cnf"
	cat >>"$W/req.cnf" <<EOF
[req]
info = SEQUENCE:tbs
algorithm = SEQUENCE:sigalg
signature = FORMAT:HEX,BITSTRING:$sig
[sigalg]
${SIGALG:-type = OID:ecdsa-with-SHA256}
EOF
	openssl asn1parse -genconf "$W/req.cnf" -noout -out "$c_out"
}

# A subject of one CN whose value is the genconf VALUE given.
cn_subject() {
	printf '[subject]\nrdn = SET:rdn\n[rdn]\ncn = SEQUENCE:cn\n[cn]\n'
	printf 'type = OID:commonName\nvalue = %s\n' "$1"
}
plain_subject=$(cn_subject UTF8:crafted.example)

# A subjectAltName extension holding the genconf general names given
# (lines "n = IMPLICIT:2,IA5STRING:...") in section [gnSUFFIX].
san_ext() {	# san_ext SUFFIX NAMES
	printf '[san%s]\nid = OID:subjectAltName\n' "$1"
	printf 'value = OCTWRAP,SEQUENCE:gn%s\n[gn%s]\n%s\n' "$1" "$1" "$2"
}

key p256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
key rsa1024 -algorithm RSA -pkeyopt rsa_keygen_bits:1024
key rsa2048 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
key rsa2047 -algorithm RSA -pkeyopt rsa_keygen_bits:2047
key k1 -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1
key bp -algorithm EC -pkeyopt ec_paramgen_curve:brainpoolP256r1
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 \
    -out "$W/dsa.param" 2>/dev/null
key dsa -paramfile "$W/dsa.param"
openssl ecparam -name prime256v1 -param_enc explicit -genkey -noout \
    -out "$W/explicit.key"

# --- Not a request at all ----------------------------------------------
: >"$OUT/empty.req"
# Random bytes that start neither a PEM block nor a DER SEQUENCE, and
# random bytes behind a DER SEQUENCE header.
{ printf 'Z'; head -c 511 /dev/urandom; } >"$OUT/random.req"
{ printf '\060\202\001\374'; head -c 508 /dev/urandom; } >"$OUT/random-der.req"
req "$W/good.req" p256 /CN=good.example
openssl req -in "$W/good.req" -outform der -out "$W/good.der"
# A PEM block whose body is not base64.
{ echo "-----BEGIN CERTIFICATE REQUEST-----"
  echo "MIIBDzCBtgIBADAXMRUwEwYDVQQDDAxnb29k@@@@!!!!####%%%%^^^^&&&&****"
  echo "-----END CERTIFICATE REQUEST-----"; } >"$OUT/bad-base64.req"
# A PEM block without its END line.
sed '$d' "$W/good.req" >"$OUT/no-end.req"
# A PEM block of the wrong kind: a certificate where a request belongs.
openssl req -x509 -key "$W/p256.key" -subj /CN=cert.example -days 1 \
    -out "$OUT/certificate.req"
size=$(wc -c <"$W/good.der")
head -c $((size - 20)) "$W/good.der" >"$OUT/truncated.der"
{ cat "$W/good.der"; printf 'garbage'; } >"$OUT/trailing.der"
# A DER header claiming 2 GiB.
{ printf '\060\204\177\377\377\377'; head -c 64 /dev/zero; } >"$OUT/huge-length.der"
# 5000 nested indefinite-length SEQUENCEs (BER), never closed.
i=0
while [ $i -lt 50 ]; do printf '\060\200\060\200\060\200\060\200\060\200'
	printf '\060\200\060\200\060\200\060\200\060\200'; i=$((i + 1)); done \
    >"$W/nest100"
: >"$OUT/nested.der"
i=0
while [ $i -lt 50 ]; do cat "$W/nest100" >>"$OUT/nested.der"; i=$((i + 1)); done

# --- A request whose signature does not hold ---------------------------
cp "$W/good.der" "$OUT/flipped-sig.der"
off=$((size - 5))
byte=$(od -An -tu1 -j "$off" -N1 "$W/good.der" | tr -d ' ')
printf "\\$(printf '%03o' $((byte ^ 0xff)))" |
    dd of="$OUT/flipped-sig.der" bs=1 seek="$off" conv=notrunc 2>/dev/null

# --- Keys the policy refuses -------------------------------------------
req "$OUT/rsa1024.req" rsa1024 /CN=rsa1024.example
req "$OUT/rsa2047.req" rsa2047 /CN=rsa2047.example
req "$OUT/secp256k1.req" k1 /CN=k1.example
req "$OUT/brainpool.req" bp /CN=brainpool.example
req "$OUT/dsa2048.req" dsa /CN=dsa.example
# P-256 spelled out as explicit parameters (RFC 5480 2.1.1: namedCurve only).
req "$OUT/ec-explicit.req" explicit /CN=explicit.example

# --- Extensions a request may ask for but never gets -------------------
req "$OUT/ca-true.req" p256 /CN=wants-ca.example \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:5" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -addext "nameConstraints=permitted;DNS:example"
req "$OUT/keycertsign.req" p256 /CN=wants-certsign.example \
    -addext "keyUsage=critical,keyCertSign"

# --- Subjects ------------------------------------------------------------
long=$(printf '%010000d' 0 | tr 0 a)
crafted "$OUT/cn-10000.der" "$(cn_subject "UTF8:$long")" ""
crafted "$OUT/cn-nul.der" \
    "$(cn_subject IMPLICIT:12U,FORMAT:HEX,OCTETSTRING:676f6f642e6578616d706c65006576696c)" ""
# An escape sequence (ESC [ 2 J clears a terminal) in the CN.
crafted "$OUT/cn-escape.der" \
    "$(cn_subject IMPLICIT:12U,FORMAT:HEX,OCTETSTRING:1b5b324a686f7374)" ""
crafted "$OUT/cn-bad-utf8.der" "$(cn_subject IMPLICIT:12U,FORMAT:HEX,OCTETSTRING:68c3ff6f)" ""
crafted "$OUT/cn-empty.der" "$(cn_subject UTF8:)" ""
# What would reach a terminal other than as itself: a C1 CSI (U+009B), a
# right-to-left override (U+202E), a zero-width space (U+200B).
req "$OUT/cn-c1.req" p256 "/CN=$(printf 'host\302\2332Jx.example')" -utf8
req "$OUT/cn-bidi.req" p256 "/CN=$(printf 'evil\342\200\256gpj.example')" -utf8
req "$OUT/cn-zwsp.req" p256 "/CN=$(printf 'pay\342\200\213pal.example')" -utf8
req "$OUT/no-cn.req" p256 "/O=Gentoo Fictional/OU=No CN"

# --- subjectAltName ------------------------------------------------------
crafted "$OUT/san-nul.der" "$plain_subject" "$(printf '[exts]\ne = SEQUENCE:san\n'
    san_ext "" "d = IMPLICIT:2,FORMAT:HEX,OCTETSTRING:676f6f642e6578616d706c65006576696c2e6578616d706c65")"
req "$OUT/san-bad-dns.req" p256 /CN=badsan.example \
    -addext subjectAltName=DNS:bad_name.example
crafted "$OUT/san-ip5.der" "$plain_subject" "$(printf '[exts]\ne = SEQUENCE:san\n'
    san_ext "" "ip = IMPLICIT:7,FORMAT:HEX,OCTETSTRING:0a00000102")"
crafted "$OUT/san-ip0.der" "$plain_subject" "$(printf '[exts]\ne = SEQUENCE:san\n'
    san_ext "" "ip = IMPLICIT:7,OCTETSTRING:")"
req "$OUT/san-dirname.req" p256 /CN=dirname.example \
    -addext "subjectAltName=dirName:dir_sect" -config /dev/stdin <<'EOF'
[req]
distinguished_name = dn
[dn]
[dir_sect]
CN = inner.example
EOF
sans=$(i=0; while [ $i -lt 101 ]; do printf 'DNS:h%d.example,' $i; i=$((i + 1)); done)
req "$OUT/san-101.req" p256 /CN=many.example -addext "subjectAltName=${sans%,}"

# --- Duplicate extensions ------------------------------------------------
crafted "$OUT/dup-san.der" "$plain_subject" "$(printf '[exts]\ne1 = SEQUENCE:san1\ne2 = SEQUENCE:san2\n'
    san_ext 1 "d = IMPLICIT:2,IA5STRING:one.example"
    san_ext 2 "d = IMPLICIT:2,IA5STRING:two.example")"
crafted "$OUT/dup-bc.der" "$plain_subject" "$(cat <<'EOF'
[exts]
e1 = SEQUENCE:bc1
e2 = SEQUENCE:bc2
[bc1]
id = OID:basicConstraints
value = OCTWRAP,SEQUENCE:notca
[bc2]
id = OID:basicConstraints
crit = BOOLEAN:TRUE
value = OCTWRAP,SEQUENCE:isca
[notca]
[isca]
ca = BOOLEAN:TRUE
EOF
)"

# --- Keys that do not prove possession, or that the CA must not certify --
# RSA with public exponent 1: the "signature" is the padded digest itself,
# made here without any private key, and yet it verifies.
rsa_n=$(openssl rsa -in "$W/rsa2048.key" -noout -modulus | sed 's/^Modulus=//')
e1_sign() {
	d=$(openssl dgst -sha256 -binary "$W/tbs.der" | hexof)
	di=3031300d060960864801650304020105000420$d
	ff=$(i=0; while [ $i -lt $((256 - 3 - ${#di} / 2)) ]; do printf ff
	    i=$((i + 1)); done)
	echo "0001${ff}00$di"
}
SPKI=$(printf '[spki]\nalgorithm = SEQUENCE:rsaalg\nkey = BITWRAP,SEQUENCE:rsakey
[rsaalg]\ntype = OID:rsaEncryption\nnull = NULL
[rsakey]\nn = INTEGER:0x%s\ne = INTEGER:1\n' "$rsa_n") SIGN=e1_sign \
SIGALG=$(printf 'type = OID:sha256WithRSAEncryption\nnull = NULL') \
    crafted "$OUT/rsa-e1.der" "$(cn_subject UTF8:e1.example)" ""
# A P-256 point that is not on the curve.
pub=$(openssl pkey -in "$W/p256.key" -pubout -outform der | tail -c 65 | hexof)
bad=$(echo "$pub" | sed 's/..$//')$(printf '%02x' $(((0x$(echo "$pub" |
    sed 's/.*\(..\)$/\1/') ^ 1))))
SPKI=$(p256_spki "$bad") crafted "$OUT/ec-bad-point.der" "$plain_subject" ""
# A signature algorithm nobody knows.
SIGALG="type = OID:1.2.3.4.5" crafted "$OUT/sigalg-unknown.der" \
    "$plain_subject" ""
# An RSA-PSS key (id-RSASSA-PSS): a key type no template allows.
key pss -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048
req "$OUT/rsa-pss.req" pss /CN=pss.example

# --- A subject of 1000 organizationalUnitName attributes ------------------
{
	echo "[subject]"
	i=0
	while [ $i -lt 1000 ]; do echo "ou$i = SET:rdnou"; i=$((i + 1)); done
	echo "cn = SET:rdncn"
	printf '[rdnou]\na = SEQUENCE:ou\n[ou]\ntype = OID:organizationalUnitName\n'
	printf 'value = UTF8:unit\n[rdncn]\na = SEQUENCE:cn\n[cn]\n'
	printf 'type = OID:commonName\nvalue = UTF8:many.example\n'
} >"$W/many.subject"
crafted "$OUT/many-rdns.der" "$(cat "$W/many.subject")" ""

# --- Not a store --------------------------------------------------------
echo "this is not a database, only text" >"$OUT/not-sqlite.db"

# --- Templates -----------------------------------------------------------
mkdir -p "$OUT/templates"
cat >"$OUT/templates/broken.cnf" <<'EOF'
# A template whose fifth line is not config syntax.
[template]
days = 30
extensions = ext
[ext
basicConstraints = critical, CA:FALSE
EOF
cat >"$OUT/templates/badvalue.cnf" <<'EOF'
# Parses, but days is out of range.
[template]
days = 99999999
extensions = ext
[ext]
basicConstraints = critical, CA:FALSE
EOF
