#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# --backup-key and --restore-key (issue 17, item 3): the key ceremony.
# The root's key split 3-of-5, its file deleted, rebuilt from shares 1, 3
# and 5 under a new passphrase, checked by openssl against the
# certificate, and used again for a CRL that openssl verify -crl_check
# accepts; every refusal says why and writes nothing.
. "$(dirname "$0")/lib.sh"

S=$GENFIC_CA_DIR
K=$S/private/genfic.key
D=$T/shares
mkdir "$D" "$T/user-shares" "$T/again" "$T/bad"

# share N [DIR]: the path of root share N of 5.
share() {
	echo "${2:-$D}/genfic-share-$1-of-5.txt"
}

# key_of_cert KEY PASS CERT: KEY opens with PASS and is CERT's key.
key_of_cert() {
	kc_pub=$(openssl pkey -in "$1" -passin "pass:$2" -pubout 2>/dev/null) &&
	    [ -n "$kc_pub" ] &&
	    [ "$kc_pub" = "$(openssl x509 -in "$3" -noout -pubkey)" ]
}

# restore SHARE...: the root's key from these shares, new passphrase.
restore() {
	gca --restore-key genfic "$@" --passout pass:new-root-secret --batch
}

check "root, system and user CAs created" make_hierarchy
cp "$K" "$T/genfic.key.orig"

# --- the split -------------------------------------------------------
refuse_clean "--backup-key without --passin in batch mode" 1 "--passin not given" \
    gca --backup-key genfic --shares 5 --threshold 3 -o "$D" --batch
refuse_clean "--backup-key with the wrong passphrase" 1 "wrong passphrase" \
    gca --backup-key genfic --shares 5 --threshold 3 -o "$D" \
    --passin pass:not-it --batch
refuse "--threshold 1" 2 "from 2 to the number of shares" \
    gca --backup-key genfic --shares 5 --threshold 1 -o "$D" \
    --passin pass:root-secret --batch
refuse "--threshold above --shares" 2 "from 2 to the number of shares" \
    gca --backup-key genfic --shares 3 --threshold 4 -o "$D" \
    --passin pass:root-secret --batch
refuse "--shares 256" 2 "--shares" \
    gca --backup-key genfic --shares 256 --threshold 3 -o "$D" \
    --passin pass:root-secret --batch
refuse "--backup-key without -o" 2 "needs --shares N, --threshold M and -o" \
    gca --backup-key genfic --shares 5 --threshold 3 \
    --passin pass:root-secret --batch
refuse "--shares outside --backup-key" 2 "go with --backup-key" \
    gca -l --shares 5
refuse "--backup-key of no such CA" 1 "nosuch" \
    gca --backup-key nosuch --shares 5 --threshold 3 -o "$D" \
    --passin pass:root-secret --batch
[ -z "$(ls "$D")" ] && pass "the refused splits wrote no share" ||
    fail "the refused splits wrote no share"

check "the root's key split 3-of-5" gca --backup-key genfic --shares 5 \
    --threshold 3 -o "$D" --passin pass:root-secret --batch
[ "$(wc -l <"$T/out")" -eq 5 ] && pass "the five share files named on stdout" ||
    fail "the five share files named on stdout"
n=0
for i in 1 2 3 4 5; do
	f=$(share $i)
	[ "$(stat -c %a "$f")" = 600 ] &&
	    grep -qx -- '-----BEGIN GENFIC-CA KEY SHARE-----' "$f" &&
	    grep -qx "Share: $i of 5" "$f" && grep -qx 'Threshold: 3' "$f" &&
	    grep -qx 'CA: genfic' "$f" && n=$((n + 1))
done
[ $n -eq 5 ] && pass "each share: mode 0600, its header, index, threshold" ||
    fail "each share: mode 0600, its header, index, threshold ($n of 5)"
spki=$(openssl x509 -in "$S/certs/genfic.crt" -noout -pubkey |
    openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
grep -qx "Key-SHA256: $spki" "$(share 1)" &&
    pass "Key-SHA256 is the SHA-256 of the certificate's public key" ||
    fail "Key-SHA256 is the SHA-256 of the certificate's public key"
fp=$(openssl x509 -in "$S/certs/genfic.crt" -noout -fingerprint -sha256 |
    sed 's/.*=//; s/://g' | tr A-F a-f)
grep -qx "Certificate-SHA256: $fp" "$(share 1)" &&
    pass "Certificate-SHA256 is the certificate's fingerprint" ||
    fail "Certificate-SHA256 is the certificate's fingerprint"
# No share carries the key, nor does any line of one.
der=$(openssl pkey -in "$K" -passin pass:root-secret -outform DER | base64 -w0)
grep -q "$(echo "$der" | cut -c 40-80)" "$D"/* &&
    fail "no share holds the key's encoding" || pass "no share holds the key's encoding"
[ "$(sql "SELECT count(*) FROM audit WHERE operation = 'backup-key' AND
    ca = 'genfic' AND subject LIKE '%5 shares, any 3%'")" = 1 ] &&
    pass "the split is audited" || fail "the split is audited"
refuse_clean "--backup-key over existing shares" 1 "exists" \
    gca --backup-key genfic --shares 5 --threshold 3 -o "$D" \
    --passin pass:root-secret --batch

check "a second split of the root's key" gca --backup-key genfic --shares 5 \
    --threshold 3 -o "$T/again" --passin pass:root-secret --batch
check "the user CA's key split 2-of-3" gca --backup-key genfic-user \
    --shares 3 --threshold 2 -o "$T/user-shares" --passin pass:user-secret --batch
mkdir "$T/other-shares"
check "another store with a root named genfic" gca -d "$T/other" -r genfic \
    --subject /CN=Other --passout pass:other-secret --batch
check "its key split 3-of-5" gca -d "$T/other" --backup-key genfic \
    --shares 5 --threshold 3 -o "$T/other-shares" --passin pass:other-secret --batch

# --- the key is lost -------------------------------------------------
rm "$K"
refuse_clean "restore from 2 shares of 3" 1 "2 shares given; this backup needs 3" \
    restore "$(share 1)" "$(share 3)"
refuse_clean "restore with a share of the user CA's key" 1 \
    "a share of CA genfic-user's key, not of genfic" \
    restore "$(share 1)" "$(share 3)" "$T/user-shares/genfic-user-share-1-of-3.txt"
refuse_clean "restore with a share of another store's genfic" 1 \
    "a share of another key than" \
    restore "$(share 1)" "$(share 3)" "$(share 5 "$T/other-shares")"
refuse_clean "restore from another store's shares only" 1 \
    "a share of another key: no generation of CA genfic has it" \
    restore "$(share 1 "$T/other-shares")" "$(share 3 "$T/other-shares")" \
    "$(share 5 "$T/other-shares")"
refuse_clean "restore mixing two splits of the key" 1 \
    "from another backup of the key" \
    restore "$(share 1)" "$(share 3)" "$(share 5 "$T/again")"
# One byte of the share edited: the 10th character of its first base64 line.
awk 'done || length($0) != 64 || !/^[A-Za-z0-9+\/]+$/ { print; next }
    { c = substr($0, 10, 1); print substr($0, 1, 9) (c == "A" ? "B" : "A") \
    substr($0, 11); done = 1 }' "$(share 3)" >"$T/bad/edited.txt"
[ "$(cmp -l "$(share 3)" "$T/bad/edited.txt" | wc -l)" -eq 1 ] &&
    pass "the edited share differs in one byte" ||
    fail "the edited share differs in one byte"
refuse_clean "restore with a share edited by one byte" 1 \
    "edited.txt: checksum mismatch" \
    restore "$(share 1)" "$T/bad/edited.txt" "$(share 5)"
sed 's/^Share: 3 of 5$/Share: 2 of 5/' "$(share 3)" >"$T/bad/renumbered.txt"
refuse_clean "restore with a share whose index was edited" 1 \
    "renumbered.txt: checksum mismatch" \
    restore "$(share 1)" "$T/bad/renumbered.txt" "$(share 5)"
refuse_clean "restore with a share given twice" 1 "share 3 of 5 again" \
    restore "$(share 1)" "$(share 3)" "$(share 3)"
cp "$(share 3)" "$T/bad/copy-of-3.txt"
refuse_clean "restore with a copy of a share under another name" 1 \
    "share 3 of 5 again" restore "$(share 3)" "$T/bad/copy-of-3.txt" "$(share 5)"
printf 'this is not a key share\n' >"$T/bad/text.txt"
refuse_clean "restore with malformed text" 1 \
    "text.txt: malformed: no GENFIC-CA KEY SHARE block" \
    restore "$(share 1)" "$(share 3)" "$T/bad/text.txt"
head -n 8 "$(share 2)" >"$T/bad/cut.txt"
refuse_clean "restore with a share cut short" 1 "cut.txt: malformed" \
    restore "$(share 1)" "$(share 3)" "$T/bad/cut.txt"
sed 's/^Threshold: 3$/Threshold:3/' "$(share 2)" >"$T/bad/header.txt"
refuse_clean "restore with a malformed header" 1 "header.txt: malformed" \
    restore "$(share 1)" "$(share 3)" "$T/bad/header.txt"
refuse_clean "restore without shares" 2 "needs the share files" \
    restore
refuse_clean "restore with --nopass" 2 "written encrypted" \
    restore "$(share 1)" "$(share 3)" "$(share 5)" --nopass
refuse_clean "restore without --passout in batch mode" 1 "--passout not given" \
    gca --restore-key genfic "$(share 1)" "$(share 3)" "$(share 5)" --batch
[ ! -e "$K" ] && pass "no refusal wrote a key file" ||
    fail "no refusal wrote a key file"

# --- the restore drill -------------------------------------------------
check "restore from shares 1, 3 and 5" \
    restore "$(share 1)" "$(share 3)" "$(share 5)"
[ "$(stat -c %a "$K")" = 600 ] && pass "the restored key file is mode 0600" ||
    fail "the restored key file is mode 0600"
grep -qx -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' "$K" &&
    ! grep -q -- '-----BEGIN PRIVATE KEY-----' "$K" &&
    pass "the restored key is encrypted" || fail "the restored key is encrypted"
check "the restored key is the root certificate's (openssl pkey/x509)" \
    key_of_cert "$K" new-root-secret "$S/certs/genfic.crt"
[ "$(openssl pkey -in "$K" -passin pass:new-root-secret -outform DER |
    sha256sum)" = "$(openssl pkey -in "$T/genfic.key.orig" \
    -passin pass:root-secret -outform DER | sha256sum)" ] &&
    pass "the restored key is the original, byte for byte (DER)" ||
    fail "the restored key is the original, byte for byte (DER)"
check "the old passphrase no longer opens it" \
    not openssl pkey -in "$K" -passin pass:root-secret -noout
[ "$(sql "SELECT count(*) FROM audit WHERE operation = 'restore-key' AND
    ca = 'genfic' AND subject LIKE 'key restored from shares 1, 3, 5 of backup %'")" = 1 ] &&
    pass "the restore is audited with its shares" ||
    fail "the restore is audited with its shares"
check "-g signs with the restored key" gca -p genfic -g -o "$T/genfic.crl" \
    --passin pass:new-root-secret --batch
check "openssl verify -crl_check accepts the system CA under that CRL" \
    openssl verify -crl_check -CAfile "$S/certs/genfic.crt" \
    -CRLfile "$T/genfic.crl" "$S/certs/genfic-system.crt"
check "the audit log verifies" gca --audit-verify

refuse_clean "restore over the key file without --force" 1 \
    "a key file is already there; --force replaces it" \
    restore "$(share 2)" "$(share 4)" "$(share 5)"
check "restore --force from shares 4, 2 and 5 (and a spare)" \
    restore "$(share 4)" "$(share 2)" "$(share 5)" "$(share 1)" --force
check "that key too is the certificate's" \
    key_of_cert "$K" new-root-secret "$S/certs/genfic.crt"
check "the user CA's key restores from 2 of 3 over it with --force" \
    gca --restore-key genfic-user "$T/user-shares/genfic-user-share-3-of-3.txt" \
    "$T/user-shares/genfic-user-share-1-of-3.txt" --force \
    --passout pass:user-secret --batch
check "the user CA signs with it" gca -p genfic-user -g -o /dev/null \
    --passin pass:user-secret --batch

# --- after a rollover, the old shares rebuild generation 1 -------------
check "the root rolled over" gca --rollover genfic --passin pass:new-root-secret \
    --passout pass:new-root-secret --batch -o "$T/root-2.pem"
rm "$K"
check "the first generation's key restored from its shares" \
    restore "$(share 5)" "$(share 1)" "$(share 2)"
check "into private/genfic.key, the first generation's file" \
    key_of_cert "$K" new-root-secret "$S/certs/genfic.1.crt"
check "-g signs for both generations again" gca -p genfic -g -o /dev/null \
    --passin pass:new-root-secret --batch

# --- many shares of a large key: more than OpenSSL's secure heap holds ---
mkdir "$T/big-shares"
check "an RSA-4096 root in another store" gca -d "$T/big" -r big -k rsa:4096 \
    --subject /CN=Big --passout pass:big-secret --batch
check "its key split into 120 shares, 110 needed" gca -d "$T/big" \
    --backup-key big --shares 120 --threshold 110 -o "$T/big-shares" \
    --passin pass:big-secret --batch
rm "$T/big/private/big.key"
check "restored from all 120" gca -d "$T/big" --restore-key big \
    "$T/big-shares"/* --passout pass:big-secret --batch
check "the RSA-4096 key is its certificate's" \
    key_of_cert "$T/big/private/big.key" big-secret "$T/big/certs/big.crt"
finish
