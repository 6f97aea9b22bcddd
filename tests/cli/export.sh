#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# -E: every format, checked with openssl (x509, pkcs12 -info, verify -CApath).
. "$(dirname "$0")/lib.sh"

make_hierarchy || { echo "not ok - hierarchy"; exit 1; }
C=$GENFIC_CA_DIR/certs
gca -R "$T/host" --nopass --san DNS:host.example >/dev/null
gca -p genfic-system -s "$T/host.req" -o "$T/host.crt" --label host --passin pass:system-secret --batch 2>/dev/null
gca -R "$T/enc" --passout pass:key-secret --batch >/dev/null
gca -p genfic-system -s "$T/enc.req" -o "$T/enc.crt" --label enc --passin pass:system-secret --batch 2>/dev/null

check "-E pem" gca -E host -o "$T/e.pem"
cmp -s "$T/e.pem" "$T/host.crt" && pass "pem is the issued certificate" || fail "pem is the issued certificate"
check "-E der" gca -E host --format der -o "$T/e.der"
openssl x509 -in "$T/host.crt" -outform der | cmp -s - "$T/e.der" && pass "der matches" || fail "der matches"
gca -E host --format chain >"$T/chain.pem"
[ "$(grep -c BEGIN "$T/chain.pem")" -eq 2 ] && pass "chain: leaf + intermediate" || fail "chain: leaf + intermediate"
check "chain verifies with only the root trusted" openssl verify -CAfile "$C/genfic.crt" -untrusted "$T/chain.pem" "$T/host.crt"
gca -E host --format chain --with-root >"$T/full.pem"
[ "$(grep -c BEGIN "$T/full.pem")" -eq 3 ] && pass "--with-root adds the root" || fail "--with-root adds the root"

check "-E p12" gca -E host --format p12 --key "$T/host.key" --passout pass:p12-secret --batch -o "$T/host.p12"
openssl pkcs12 -info -in "$T/host.p12" -passin pass:p12-secret -noout >"$T/info" 2>&1
grep -q "MAC: sha256" "$T/info" && pass "p12 MAC is SHA-256" || fail "p12 MAC is SHA-256"
[ "$(grep -c 'PBES2, PBKDF2, AES-256-CBC' "$T/info")" -eq 2 ] && pass "p12 key and certificates under AES-256 + PBKDF2" ||
    fail "p12 key and certificates under AES-256 + PBKDF2"
grep -qi "rc2\|3des\|des-ede" "$T/info" && fail "no RC2 or 3DES" || pass "no RC2 or 3DES"
openssl pkcs12 -in "$T/host.p12" -passin pass:p12-secret -nodes -nocerts 2>/dev/null | openssl pkey -pubout >"$T/p1"
openssl pkey -in "$T/host.key" -pubout >"$T/p2"
cmp -s "$T/p1" "$T/p2" && pass "p12 holds the key" || fail "p12 holds the key"
check "p12 from an encrypted key" gca -E enc --format p12 --key "$T/enc.key" --passin pass:key-secret \
    --passout pass:p12-secret --batch -o "$T/enc.p12"
refuse "p12 with a wrong key passphrase" 1 "enc: cannot decrypt the key: wrong passphrase?" \
    gca -E enc --format p12 --key "$T/enc.key" --passin pass:nope --passout pass:p12-secret --batch -o "$T/y.p12"
refuse "p12 with the wrong key" 1 "is not the key of this certificate" \
    gca -E enc --format p12 --key "$T/host.key" --passout pass:p12-secret --batch -o "$T/x.p12"
# A key whose private scalar was damaged, its public half intact: a PKCS#12
# file of it would hold a key that makes no signature the certificate verifies.
openssl pkey -in "$T/host.key" -outform DER -out "$T/damaged.der"
printf '\377' | dd of="$T/damaged.der" bs=1 seek=10 conv=notrunc 2>/dev/null
openssl pkey -inform DER -in "$T/damaged.der" -out "$T/damaged.key"
check "the damaged key carries the certificate's public key" sh -c "
    openssl pkey -in '$T/damaged.key' -pubout | cmp -s - '$T/p2'"
refuse "p12 with a damaged key" 1 "is not the key of this certificate" \
    gca -E host --format p12 --key "$T/damaged.key" --passout pass:p12-secret --batch -o "$T/x.p12"
refuse "p12 without --key" 2 "needs --key" gca -E host --format p12 --passout pass:x --batch
refuse "trust without -o" 2 "needs -o DIR" gca -E all --format trust
[ ! -e "$T/x.p12" ] && pass "no file left by a refusal" || fail "no file left by a refusal"

check "-E all --format trust" gca -E all --format trust -o "$T/trust"
[ -f "$T/trust/genfic.crt" ] && [ -f "$T/trust/genfic-system.crt" ] && [ -f "$T/trust/genfic-user.crt" ] &&
    pass "one .crt per CA" || fail "one .crt per CA"
h=$(openssl x509 -in "$C/genfic.crt" -noout -hash)
[ -L "$T/trust/$h.0" ] && pass "hash links as openssl rehash" || fail "hash links as openssl rehash"
check "openssl verify -CApath with the trust directory" openssl verify -CApath "$T/trust" "$T/host.crt"
check "-E genfic-user --format trust: that CA and its root" gca -E genfic-user --format trust -o "$T/trust2"
[ "$(ls "$T/trust2"/*.crt | wc -l)" -eq 2 ] && pass "two CAs" || fail "two CAs"

# Two CAs with one subject share a hash: HASH.0 and HASH.1, as openssl
# rehash makes them in a copy of the directory (before, .0 was unlinked
# before .1 was tried, and one CA lost its link).
# links DIR: "HASH.N -> TARGET" per link, by name.
links() {
	for l in "$1"/*.[0-9]*; do
		[ -L "$l" ] && echo "${l##*/} -> $(readlink "$l")"
	done | LC_ALL=C sort
}
# by_hash DIR: "HASH TARGET" per link: what rehash promises (its N order
# is readdir's, ours the store's).
by_hash() {
	links "$1" | sed 's/\.[0-9]* -> / /' | LC_ALL=C sort
}
gca -p genfic -c twin-a --subject "/O=Gentoo Fictional/CN=Twin CA" \
    --passin pass:root-secret --passout pass:twin-secret --batch >/dev/null &&
    gca -p genfic -c twin-b --subject "/O=Gentoo Fictional/CN=Twin CA" \
    --passin pass:root-secret --passout pass:twin-secret --batch >/dev/null ||
    fail "two CAs with one subject"
th=$(openssl x509 -in "$C/twin-a.crt" -noout -hash)
[ "$th" = "$(openssl x509 -in "$C/twin-b.crt" -noout -hash)" ] &&
    pass "twin CAs share a subject hash" || fail "twin CAs share a subject hash"
check "-E all --format trust with twin CAs" gca -E all --format trust -o "$T/trust3"
links "$T/trust3" >"$T/links.ours"
[ "$(grep -c "^$th\.[01] -> twin-[ab]\.crt$" "$T/links.ours")" -eq 2 ] &&
    [ "$(grep "^$th\." "$T/links.ours" | sed 's/.*-> //' | sort -u | wc -l)" -eq 2 ] &&
    pass "HASH.0 and HASH.1, one per twin" || fail "HASH.0 and HASH.1, one per twin"
cp -R "$T/trust3" "$T/trust3.rehash"
openssl rehash "$T/trust3.rehash" 2>/dev/null || fail "openssl rehash"
by_hash "$T/trust3" >"$T/ours"
by_hash "$T/trust3.rehash" >"$T/theirs"
[ -s "$T/ours" ] && cmp -s "$T/ours" "$T/theirs" &&
    [ "$(links "$T/trust3" | sed 's/ -> .*//')" = "$(links "$T/trust3.rehash" | sed 's/ -> .*//')" ] &&
    pass "the links openssl rehash makes" ||
    { fail "the links openssl rehash makes"; diff "$T/ours" "$T/theirs" | sed 's/^/#   /'; }
check "exported again" gca -E all --format trust -o "$T/trust3"
links "$T/trust3" | cmp -s - "$T/links.ours" && pass "a second export keeps the links" ||
    fail "a second export keeps the links"
check "openssl verify -CApath: a twin's certificate" openssl verify -CApath "$T/trust3" "$C/twin-b.crt"

refuse "-o onto an existing file" 1 "exists" gca -E host -o "$T/e.pem"
refuse "bad format" 2 "--format is" gca -E host --format bogus
refuse "unknown certificate" 1 "no certificate matches" gca -E nothing
finish
