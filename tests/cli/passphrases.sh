#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Passphrase sources (--passin/--passout pass:, env:, file:, fd:) and the
# keys they protect, opened with openssl pkey.
. "$(dirname "$0")/lib.sh"

P=$GENFIC_CA_DIR/private
R=$T/req
mkdir -p "$R"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$R/host.key" 2>/dev/null
openssl req -new -key "$R/host.key" -subj /CN=host.example -out "$R/host.req"

# sign NAME PASSIN-SOURCE [options]: genfic-system signs host.req into
# $T/NAME.crt.
sign() {
	sg_name=$1 sg_src=$2; shift 2
	gca -p genfic-system --passin "$sg_src" -s "$R/host.req" \
	    -o "$T/$sg_name.crt" "$@"
}

# opens KEY PASSPHRASE: openssl decrypts KEY with PASSPHRASE.
opens() {
	openssl pkey -in "$1" -passin "pass:$2" -noout 2>/dev/null
}

# encrypted KEY: PEM of an encrypted PKCS#8 key, and nothing in clear.
encrypted() {
	grep -qx -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' "$1" &&
	    ! grep -q -- '-----BEGIN PRIVATE KEY-----' "$1"
}

# same_key KEY REQUEST [openssl pkey options]: the request holds KEY's
# public key.
same_key() {
	sk_key=$1 sk_req=$2; shift 2
	sk_pub=$(openssl pkey -in "$sk_key" "$@" -pubout 2>/dev/null) &&
	    [ -n "$sk_pub" ] &&
	    [ "$sk_pub" = "$(openssl req -in "$sk_req" -noout -pubkey)" ]
}

mode() {
	stat -c %a "$1"
}

check "root, system and user CAs created" make_hierarchy

# --- --passin -----------------------------------------------------------
export GF_TEST_SYSTEM_PASS=system-secret
check "--passin env:" sign env env:GF_TEST_SYSTEM_PASS --batch
GF_TEST_WRONG_PASS=system-secreT
export GF_TEST_WRONG_PASS
refuse "--passin env: with the wrong passphrase" 1 "wrong passphrase" \
    sign envwrong env:GF_TEST_WRONG_PASS --batch

printf 'system-secret\nsomething else\n' >"$T/pass.first"
check "--passin file: takes the first line" sign file file:"$T/pass.first" --batch
printf 'system-secreX\nsystem-secret\n' >"$T/pass.second"
refuse "--passin file: uses only the first line" 1 "wrong passphrase" \
    sign filesecond file:"$T/pass.second" --batch
printf 'system-secret' >"$T/pass.nonl"
check "--passin file: without a final newline" \
    sign filenonl file:"$T/pass.nonl" --batch
printf 'system-secret\r\n' >"$T/pass.crlf"
check "--passin file: with a CRLF line end" \
    sign filecrlf file:"$T/pass.crlf" --batch

check "--passin fd:3 with 3<file" sign fd fd:3 --batch 3<"$T/pass.first"
refuse "--passin fd: of a closed descriptor" 1 "fd:9: " \
    sign fdclosed fd:9 --batch 9<&-
refuse "--passin fd: that is not a number" 1 "fd:x3: not a file descriptor" \
    sign fdnan fd:x3 --batch
refuse "--passin of an unknown source" 2 "a passphrase source is" \
    sign unknown word:system-secret --batch
for c in env file filenonl filecrlf fd; do
	check "the certificate signed with $c verifies" openssl verify \
	    -CAfile "$GENFIC_CA_DIR/certs/genfic.crt" \
	    -untrusted "$GENFIC_CA_DIR/certs/genfic-system.crt" "$T/$c.crt"
done
for c in envwrong filesecond fdclosed fdnan unknown; do
	check "nothing written for the refused $c" test ! -e "$T/$c.crt"
done

# The pass: warning: on a terminal-less run it still warns, unless --batch.
check "pass: without --batch" sign warn pass:system-secret
cp "$T/err" "$T/warn.err"
check "pass: without --batch warns that pass: is visible" grep -q \
    "^genfic-ca: warning: a pass: passphrase is visible" "$T/warn.err"
check "pass: with --batch" sign nowarn pass:system-secret --batch
cp "$T/err" "$T/nowarn.err"
check "pass: with --batch does not warn" not grep -q "pass: passphrase" \
    "$T/nowarn.err"
check "env: without --batch" sign envnowarn env:GF_TEST_SYSTEM_PASS
cp "$T/err" "$T/envnowarn.err"
check "env: without --batch does not warn" not grep -q "pass: passphrase" \
    "$T/envnowarn.err"

# --- --passout for a new CA ---------------------------------------------
export GF_TEST_NEW_PASS=envca-secret
unset GF_TEST_ROOT_PASS
refuse_clean "-c with --passin env: of an unset variable" 1 \
    "genfic: environment variable GF_TEST_ROOT_PASS is not set" \
    gca -p genfic -c envca --passin env:GF_TEST_ROOT_PASS \
    --passout env:GF_TEST_NEW_PASS --batch -o "$T/envca.crt"
export GF_TEST_ROOT_PASS=root-secret
check "-c with --passin/--passout env:" gca -p genfic -c envca \
    --passin env:GF_TEST_ROOT_PASS --passout env:GF_TEST_NEW_PASS --batch \
    -o "$T/envca.crt"
check "the env: CA key is encrypted" encrypted "$P/envca.key"
check "openssl opens the env: CA key with its passphrase" \
    opens "$P/envca.key" envca-secret
check "... and not with the root's" not opens "$P/envca.key" root-secret

# One descriptor for both: the parent's passphrase is read first, the new
# key's next, a line each (nothing past a line is consumed).
printf 'root-secret\nfdca-secret\n' >"$T/pass.both"
check "-c with --passin fd:3 --passout fd:3" gca -p genfic -c fdca \
    --passin fd:3 --passout fd:3 --batch 3<"$T/pass.both"
check "the fd: CA key opens with the second line" opens "$P/fdca.key" fdca-secret
printf 'fileca-secret\n' >"$T/pass.fileca"
check "-c with --passout file:" gca -p genfic -c fileca \
    --passin pass:root-secret --passout file:"$T/pass.fileca" --batch
check "the file: CA key opens with the file's line" \
    opens "$P/fileca.key" fileca-secret
check "the file: CA signs with --passin file:" gca -p fileca \
    --passin file:"$T/pass.fileca" --batch -s "$R/host.req" -o "$T/fileca-leaf.crt"
for ca in envca fdca fileca; do
	check "private/$ca.key is mode 600" test "$(mode "$P/$ca.key")" = 600
done

refuse_clean "--passout shorter than 4 characters" 1 "at least 4 characters" \
    gca -p genfic -c shortca --passin pass:root-secret --passout pass:abc --batch
check "... leaves no key" test ! -e "$P/shortca.key"
refuse_clean "an empty --passout" 1 "empty passphrase" \
    gca -r emptyroot --passout pass: --batch
refuse_clean "-c with --batch and no --passout" 1 "--passout not given, and --batch forbids prompting" \
    gca -p genfic -c nopassca --passin pass:root-secret --batch

# --- -R: the requester's key --------------------------------------------
check "-R --passout pass:" gca -R "$T/enc" --passout pass:host-secret --batch
check "the -R key is encrypted" encrypted "$T/enc.key"
check "openssl opens the -R key with --passout's passphrase" \
    opens "$T/enc.key" host-secret
check "... and not with another" not opens "$T/enc.key" host-secreT
check "the -R key is mode 600" test "$(mode "$T/enc.key")" = 600
check "the request holds the -R key's public key" \
    same_key "$T/enc.key" "$T/enc.req" -passin pass:host-secret

printf 'fd-host-secret\n' >"$T/pass.fdhost"
check "-R --passout fd:4" gca -R "$T/fdhost" --passout fd:4 --batch \
    4<"$T/pass.fdhost"
check "openssl opens the fd: -R key" opens "$T/fdhost.key" fd-host-secret
check "-R --passout file:" gca -R "$T/filehost" --passout file:"$T/pass.fdhost" --batch
check "openssl opens the file: -R key" opens "$T/filehost.key" fd-host-secret

check "-R --nopass" gca -R "$T/clear" --nopass
check "the --nopass key is not encrypted" \
    grep -qx -- '-----BEGIN PRIVATE KEY-----' "$T/clear.key"
check "openssl reads the --nopass key without a passphrase" \
    openssl pkey -in "$T/clear.key" -noout -passin pass:
check "the --nopass key is still mode 600" test "$(mode "$T/clear.key")" = 600
check "the request holds the --nopass key's public key" \
    same_key "$T/clear.key" "$T/clear.req"
check "the --nopass request is signed" gca -p genfic-system \
    --passin pass:system-secret --batch -s "$T/clear.req" -o "$T/clear.crt"
check "the --nopass key matches its certificate" test \
    "$(openssl pkey -in "$T/clear.key" -pubout)" = \
    "$(openssl x509 -in "$T/clear.crt" -noout -pubkey)"

refuse "-R with --batch and neither --passout nor --nopass" 1 \
    "--passout not given, and --batch forbids prompting" gca -R "$T/nokey" --batch
check "... writes neither key nor request" \
    test ! -e "$T/nokey.key" -a ! -e "$T/nokey.req"
finish
