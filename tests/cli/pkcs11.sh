#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# CA keys on PKCS#11 tokens: SoftHSM2 tokens in the test's own directory,
# the root and the system CA generated there (-k URI), an RSA-3072 CA
# adopted (--key URI), signing, CRLs and OCSP on the tokens, checked by
# openssl, certtool and pkcs11-tool; refusals leave store and tokens as
# they were.
. "$(dirname "$0")/lib.sh"

if [ "${GF_PKCS11:-1}" = 0 ]; then
	refuse "without PKCS#11 support a URI is refused, saying so" 1 \
	    "built without PKCS#11 support" gca -r genfic --batch \
	    -k 'pkcs11:token=genfic-root;object=root' --passin pass:123456
	check "... and no store is made" test ! -e "$GENFIC_CA_DIR"
	echo "ok - pkcs11 # SKIP built without PKCS#11 support"
	finish
	exit
fi

for tool in softhsm2-util pkcs11-tool certtool; do
	if ! command -v $tool >/dev/null 2>&1; then
		fail "$tool is installed (contrib/deps.sh)"
		finish
		exit
	fi
done
MODULE=""
for m in /usr/lib/softhsm/libsofthsm2.so \
    /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
    /usr/lib64/pkcs11/libsofthsm2.so; do
	[ -r "$m" ] && MODULE=$m && break
done
check "SoftHSM2's module is there" test -n "$MODULE"

export SOFTHSM2_CONF="$T/softhsm2.conf"
mkdir "$T/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$T/tokens" >"$SOFTHSM2_CONF"
for t in genfic-root genfic-system genfic-rsa genfic-ocsp; do
	softhsm2-util --init-token --free --label $t --pin 123456 \
	    --so-pin 12345678 >/dev/null 2>&1 || fail "token $t initialized"
done
export GENFIC_CA_PKCS11_MODULE="$MODULE"
printf '123456\n' >"$T/pin"
PIN="--passin file:$T/pin"
ROOT='pkcs11:token=genfic-root;object=root'
SYS='pkcs11:token=genfic-system;object=system'
RSA='pkcs11:token=genfic-rsa;object=rsa'

# p11tool TOKEN ARGS...: pkcs11-tool logged in on TOKEN.
p11tool() {
	p11_t=$1; shift
	pkcs11-tool --module "$MODULE" --token-label "$p11_t" --login \
	    --pin 123456 "$@" 2>/dev/null
}

# privkey LABEL <LISTING: the private key object of that label in what
# pkcs11-tool --list-objects printed (objects start in column 1).
privkey() {
	awk -v l="$1" '
	function out() { if (b ~ ("\n *label: *" l "\n")) printf "%s", b }
	/^[A-Za-z]/ { out(); b = ""; priv = /^Private Key Object/ }
	priv { b = b $0 "\n" }
	END { out() }'
}

# state: what a refusal must leave as it was (store and tokens).
state() {
	{
		[ -e "$GENFIC_CA_DIR/ca.db" ] && sqlite3 "$GENFIC_CA_DIR/ca.db" \
		    'SELECT * FROM ca; SELECT id, serial FROM cert; SELECT * FROM crl'
		ls -R "$GENFIC_CA_DIR" 2>/dev/null
		for t in genfic-root genfic-system genfic-rsa; do
			p11tool $t --list-objects
		done
	} | sha256sum
}

# unchanged DESC: the state is what it was before the last refusal.
unchanged() {
	check "$1: store and tokens unchanged" test "$(state)" = "$before"
}

# --- Refused before any store exists.
before=$(state)
refuse "a malformed URI is refused" 1 "not a PKCS#11 URI" \
    gca -r genfic --batch -k 'pkcs11:token=genfic%zzroot;object=root' $PIN
refuse "a URI without an object is refused" 1 "must name a token" \
    gca -r genfic --batch -k 'pkcs11:token=genfic-root' $PIN
refuse "pin-value is refused (the URI is recorded)" 1 "pin-value" \
    gca -r genfic --batch -k "$ROOT;pin-value=123456"
# From $T, where the file is, but the store would read it from anywhere.
refuse "a relative pin-source is refused (the URI is recorded)" 1 \
    "pin-source=file:pin: not an absolute path" env -C "$T" "$GENFIC_CA" \
    -r genfic --batch -k "$ROOT?pin-source=file:pin"
refuse "a missing module is refused" 1 "PKCS#11 module /nonexistent.so: not found" \
    gca -r genfic --batch -k "$ROOT" --pkcs11-module /nonexistent.so $PIN
refuse "no such token" 1 "no such token" \
    gca -r genfic --batch -k 'pkcs11:token=nope;object=root' $PIN
refuse "a wrong PIN is refused, saying so" 1 "wrong PIN" \
    gca -r genfic --batch -k "$ROOT" --passin pass:000000
refuse "--key at -r takes a URI" 2 "adopts a key on a token" \
    gca -r genfic --batch --key "$T/pin"
check "refusals made no store" test ! -e "$GENFIC_CA_DIR"
unchanged "refusals before the root"

# --- The root: a P-384 key pair made on its token.
check "-r -k URI makes the root's key on its token" gca -r genfic -v 7300 \
    --subject "/C=BE/O=Gentoo Fictional, Inc./CN=GenFic Root CA" \
    -k "$ROOT" $PIN --batch -o "$T/root.pem"
check "the CA row records the URI" test "$(sqlite3 "$GENFIC_CA_DIR/ca.db" \
    "SELECT key_ref FROM ca WHERE name = 'genfic'")" = "$ROOT"
check "no key file in private/" test -z "$(ls "$GENFIC_CA_DIR/private")"
check "the root is self-signed and verifies" openssl verify \
    -CAfile "$T/root.pem" "$T/root.pem"
check "the root's key is P-384" sh -c "openssl x509 -in '$T/root.pem' \
    -noout -text | grep -q 'NIST CURVE: P-384'"
p11tool genfic-root --list-objects >"$T/objects"
check "pkcs11-tool: the private key is on the token" \
    grep -q '^Private Key Object; EC' "$T/objects"
privkey root <"$T/objects" >"$T/root.obj"
check "pkcs11-tool: CKA_SENSITIVE true, CKA_EXTRACTABLE false" \
    grep -q 'Access:.*always sensitive, never extractable' "$T/root.obj"
check "pkcs11-tool: it may only sign" grep -q 'Usage: *sign$' "$T/root.obj"
# CKA_EC_POINT is the point in an OCTET STRING (04 61 for P-384).
sed -n '/^Public Key Object/,/^Private/s/^ *EC_POINT: *0461//p' "$T/objects" \
    >"$T/token.point"
openssl x509 -in "$T/root.pem" -noout -pubkey | openssl pkey -pubin \
    -outform DER 2>/dev/null | tail -c 97 | od -An -tx1 | tr -d ' \n' \
    >"$T/cert.point"
check "the token's public key is the certificate's" \
    test -s "$T/cert.point" -a "$(cat "$T/token.point")" = "$(cat "$T/cert.point")"

# --- A second key of that label is never made; nothing changes.
before=$(state)
refuse "-k with a label already on the token is refused" 1 \
    "is on the token already" gca -c other -p genfic -k "$ROOT" $PIN --batch
unchanged "label taken"
refuse "a wrong PIN for the parent's token is refused" 1 "wrong PIN" \
    gca -c genfic-system -p genfic -k "$SYS" --passin pass:654321 --batch
unchanged "wrong PIN"
refuse "-c -k URI whose CA cannot be recorded is refused" 1 "genfic-system" \
    preloaded "$GF_FAILCOMMIT" "$GENFIC_CA" -c genfic-system -p genfic \
    -k "$SYS" $PIN --batch
unchanged "a CA not recorded: the key pair made for it removed again"

# --- The system CA: a P-256 key pair on its own token.
check "-c -k URI makes the system CA's key on its token" gca -c genfic-system \
    -p genfic -v 3650 -k "$SYS" $PIN --batch
check "the system CA's key is P-256" sh -c "openssl x509 -in \
    '$GENFIC_CA_DIR/certs/genfic-system.crt' -noout -text |
    grep -q 'NIST CURVE: P-256'"

# --- An RSA-3072 key made by pkcs11-tool, adopted with --key.
p11tool genfic-rsa --keypairgen --key-type rsa:3072 --label rsa --id 01 \
    >/dev/null
p11tool genfic-rsa --keypairgen --key-type EC:prime256v1 --label dup \
    --id 02 >/dev/null
p11tool genfic-rsa --keypairgen --key-type EC:prime256v1 --label dup \
    --id 03 >/dev/null
before=$(state)
refuse "two keys of that label are refused" 1 "2 private keys match" \
    gca -c genfic-user -p genfic --key 'pkcs11:token=genfic-rsa;object=dup' \
    $PIN --batch
refuse "no such object" 1 "no such private key" \
    gca -c genfic-user -p genfic --key 'pkcs11:token=genfic-rsa;object=none' \
    $PIN --batch
unchanged "adoption refused"
check "--key URI (with pin-source) adopts the RSA key" gca -c genfic-user \
    -p genfic -t user-ca -v 3650 --key "$RSA?pin-source=file:$T/pin" $PIN \
    --batch
check "the user CA's key is RSA 3072" sh -c "openssl x509 -in \
    '$GENFIC_CA_DIR/certs/genfic-user.crt' -noout -text |
    grep -q 'Public-Key: (3072 bit)'"

# --- What a key file allows and a token key does not.
before=$(state)
mkdir "$T/shares"
refuse "--backup-key of a CA on a token is refused" 1 \
    "never leaves the token" gca --backup-key genfic --shares 3 \
    --threshold 2 -o "$T/shares" $PIN --batch
check "... and writes no share" test -z "$(ls "$T/shares")"
refuse "--passwd of a CA on a token is refused" 1 "not a file" \
    gca --passwd genfic $PIN --passout pass:newpass --batch
unchanged "--backup-key and --passwd refused"

# --- A token key is never reported as a key left in the clear.
check "--show-ca: the root's key on its token is key_encrypted yes" sh -c \
    "'$GENFIC_CA' --show-ca genfic | grep -q '^key_encrypted  *yes\$'"
check "--show-ca: so is a token key whose URI has a pin-source" sh -c \
    "'$GENFIC_CA' --show-ca genfic-user | grep -q '^key_encrypted  *yes\$'"
check "--show-ca --json: key_encrypted true, the key its URI" sh -c \
    "'$GENFIC_CA' --show-ca genfic --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d[\"key_encrypted\"] is True and d[\"key\"] == \"$ROOT\", d'"

# --- RSA-3072 made on a token, the type from the template.
mkdir "$T/tmpl"
sed 's/^key_type = .*/key_type = rsa:3072/' \
    "$GENFIC_CA_TEMPLATES/system-ca.cnf" >"$T/tmpl/rsa-ca.cnf"
check "-c -k URI makes an RSA-3072 key (the template's type)" gca \
    -c genfic-rsa -p genfic -t rsa-ca --templates "$T/tmpl" \
    -k 'pkcs11:token=genfic-rsa;object=made' $PIN --batch
check "... its certificate holds an RSA 3072 key" sh -c "openssl x509 -in \
    '$GENFIC_CA_DIR/certs/genfic-rsa.crt' -noout -text |
    grep -q 'Public-Key: (3072 bit)'"
p11tool genfic-rsa --list-objects >"$T/objects"
privkey made <"$T/objects" >"$T/made"
check "... the key made there only signs" grep -q 'Usage: *sign$' "$T/made"
check "... and never leaves" \
    grep -q 'Access:.*always sensitive, never extractable' "$T/made"

# --- Signing, CRLs and the chain.
gca -R "$T/host" --san DNS:host.example --nopass --batch >/dev/null 2>&1
gca -R "$T/alice" --subject "/CN=Alice/emailAddress=alice@example.org" \
    --nopass --batch >/dev/null 2>&1
check "-s signs on the system CA's token" gca -s "$T/host.req" \
    -p genfic-system -o "$T/host.crt" $PIN --batch
check "-s signs on the adopted RSA key, PIN from pin-source" gca \
    -s "$T/alice.req" -p genfic-user -t user -o "$T/alice.crt" --batch
check "-x revokes" gca -x "$T/alice.crt" -p genfic-user --reason \
    keyCompromise
for ca in genfic genfic-system genfic-user; do
	check "-g $ca signs its CRL on its token" gca -g -p $ca $PIN --batch \
	    -o "$T/$ca.crl"
done
cat "$T/genfic.crl" "$T/genfic-system.crl" "$T/genfic-user.crl" >"$T/crls.pem"
S=$GENFIC_CA_DIR/certs
check "openssl verify -crl_check_all: the host certificate" openssl verify \
    -crl_check_all -CAfile "$S/genfic.crt" -untrusted "$S/genfic-system.crt" \
    -CRLfile "$T/crls.pem" "$T/host.crt"
check "openssl verify -crl_check_all: alice is revoked" sh -c "! openssl \
    verify -crl_check_all -CAfile '$S/genfic.crt' -untrusted \
    '$S/genfic-user.crt' -CRLfile '$T/crls.pem' '$T/alice.crt' 2>&1 |
    grep -q ': OK'"
cat "$T/host.crt" "$S/genfic-system.crt" "$S/genfic.crt" >"$T/chain.pem"
check "certtool --verify-chain" sh -c "certtool --verify-chain \
    --infile '$T/chain.pem' 2>&1 | grep -q 'Chain verification output: \
Verified'"
cat "$T/alice.crt" "$S/genfic-user.crt" "$S/genfic.crt" >"$T/rsa-chain.pem"
check "certtool --verify-chain (RSA CA)" sh -c "certtool --verify-chain \
    --infile '$T/rsa-chain.pem' 2>&1 | grep -q 'Chain verification output: \
Verified'"

# --- A spool signed by the worker threads, renewals, re-certification.
mkdir "$T/spool" "$T/spool-out"
for i in 1 2 3 4 5 6; do
	gca -R "$T/spool/h$i" --san DNS:h$i.example --nopass --batch \
	    >/dev/null 2>&1
	rm -f "$T/spool/h$i.key"
done
check "-s SPOOL signs every request on the token" gca -s "$T/spool" \
    -p genfic-system -o "$T/spool-out" $PIN --batch
check "... six certificates, each verifies" sh -c "[ \$(ls '$T/spool-out' |
    grep -c '\\.crt\$') -eq 6 ] && for c in '$T/spool-out'/*.crt; do
    openssl verify -CAfile '$S/genfic.crt' -untrusted \
    '$S/genfic-system.crt' \"\$c\" >/dev/null || exit 1; done"
check "--renew signs on the token" gca -p genfic-system --renew \
    "$T/host.crt" -o "$T/host2.crt" $PIN --batch
check "... and the renewal verifies" openssl verify -CAfile "$S/genfic.crt" \
    -untrusted "$S/genfic-system.crt" "$T/host2.crt"
check "--recertify genfic-system signs on the root's token" gca \
    --recertify genfic-system -v 3000 $PIN --batch
check "... its new certificate verifies" openssl verify \
    -CAfile "$S/genfic.crt" "$S/genfic-system.crt"
gca -R "$T/after" --san DNS:after.example --nopass --batch >/dev/null 2>&1
check "... and it signs on the same key, on its token" gca -s "$T/after.req" \
    -p genfic-system -o "$T/after.crt" $PIN --batch
check "... what it signs verifies under the new certificate" openssl verify \
    -CAfile "$S/genfic.crt" -untrusted "$S/genfic-system.crt" "$T/after.crt"

# --- p11-kit's proxy is the default module (SoftHSM2 registers there).
if [ -e /usr/share/p11-kit/modules/softhsm2.module ]; then
	check "p11-kit's proxy is the default module" env \
	    -u GENFIC_CA_PKCS11_MODULE "$GENFIC_CA" -g -p genfic-system $PIN \
	    --batch -o "$T/proxy.crl"
fi

# --- The responder signs on a token: the CA's own key and a delegated one.
if [ -n "${GENFIC_OCSPD:-}" ]; then
	# Its helpers, keeping this test's directory, store and counts.
	keep_t=$T keep_pass=$npass keep_fail=$nfail
	. "$(dirname "$0")/../ocsp/lib.sh"
	rm -rf "$T"
	T=$keep_t npass=$keep_pass nfail=$keep_fail
	export GENFIC_CA_DIR="$T/store"
	check "start genfic-ocspd on the system CA's token key" start_ocspd \
	    "$T/ocspd.log" -d "$GENFIC_CA_DIR" --ca genfic-system $PIN
	ask "the responder answers, signed on the token" 'host.crt: good' \
	    -issuer "$S/genfic-system.crt" -cert "$T/host.crt" \
	    -CAfile "$S/genfic.crt" -verify_other "$S/genfic-system.crt"
	stop_ocspd
	p11tool genfic-ocsp --keypairgen --key-type EC:prime256v1 \
	    --label responder --id 04 >/dev/null
	# The responder's request, signed by its key on the token (certtool).
	printf 'cn = "ocsp.example"\n' >"$T/resp.tmpl"
	if GNUTLS_PIN=123456 certtool --generate-request --template "$T/resp.tmpl" \
	    --load-privkey 'pkcs11:token=genfic-ocsp;object=responder;type=private' \
	    --provider "$MODULE" --outfile "$T/resp-tok.req" >/dev/null 2>&1 <<EOF
EOF
	then
		check "the responder certificate is issued" gca -s \
		    "$T/resp-tok.req" -p genfic-system -t ocsp \
		    -o "$T/resp.crt" $PIN --batch
		check "start genfic-ocspd --signer-key pkcs11:" start_ocspd \
		    "$T/ocspd2.log" -d "$GENFIC_CA_DIR" --ca genfic-system \
		    --signer-cert "$T/resp.crt" \
		    --signer-key 'pkcs11:token=genfic-ocsp;object=responder' $PIN
		ask "the delegated responder answers, signed on its token" \
		    'host.crt: good' -issuer "$S/genfic-system.crt" \
		    -cert "$T/host.crt" -CAfile "$S/genfic.crt" \
		    -verify_other "$S/genfic-system.crt"
		stop_ocspd
		# As genfic-ca does: the URI is seen in process lists.
		for q in 'pin-value=123456' 'pin-source=file:pin'; do
			timeout 30 "$GENFIC_OCSPD" --foreground --allow-root \
			    -l 127.0.0.1:0 -d "$GENFIC_CA_DIR" --ca genfic-system \
			    --signer-cert "$T/resp.crt" --signer-key \
			    "pkcs11:token=genfic-ocsp;object=responder?$q" \
			    >"$T/out" 2>"$T/err"
			st=$?
			if [ $st -eq 1 ] && grep -q \
			    "^genfic-ocspd: --signer-key: .*${q%%=*}" "$T/err"
			then
				pass "genfic-ocspd --signer-key URI?$q is refused"
			else
				fail "genfic-ocspd --signer-key URI?$q is refused (exit $st)"
				sed 's/^/#   /' "$T/err" | head -5
			fi
		done
	else
		fail "certtool makes the responder's request on the token"
	fi
fi

# --- Rolling the root over to a new key pair on its token.
before=$(state)
refuse "--rollover -k with a label taken is refused" 1 \
    "is on the token already" gca --rollover genfic -k "$ROOT" $PIN --batch
unchanged "--rollover refused"
refuse "--rollover -k URI whose generation cannot be recorded is refused" 1 \
    "genfic" preloaded "$GF_FAILCOMMIT" "$GENFIC_CA" --rollover genfic \
    -k 'pkcs11:token=genfic-root;object=root-2' $PIN --batch
unchanged "a generation not recorded: its key pair removed again"
check "--rollover -k URI makes generation 2's key on the token" gca \
    --rollover genfic -k 'pkcs11:token=genfic-root;object=root-2' $PIN --batch
check "... generation 2 records the URI" test "$(sqlite3 \
    "$GENFIC_CA_DIR/ca.db" "SELECT key_ref FROM ca WHERE name = 'genfic'")" = \
    'pkcs11:token=genfic-root;object=root-2'
check "... the new root verifies, and the cross-certificate under the old" \
    sh -c "openssl verify -CAfile '$S/genfic.crt' '$S/genfic.crt' &&
    openssl verify -CAfile '$S/genfic.1.crt' '$S/genfic.cross-1-2.crt'"
check "-g signs with both generations on the token" gca -g -p genfic $PIN \
    --batch
check "... the old generation's CRL verifies under the old root" openssl crl \
    -in "$GENFIC_CA_DIR/crl/genfic.1.crl" -CAfile "$S/genfic.1.crt" -noout
check "... the new one under the new root" openssl crl \
    -in "$GENFIC_CA_DIR/crl/genfic.crl" -CAfile "$S/genfic.crt" -noout
finish
