#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 18 leftovers: a dedicated publication key signs the weekly snapshot
# (--publish --publish-key --publish-cert, template publisher), so no CA
# passphrase is needed; genfic-ocspd --install accepts it only when its
# certificate chains to the pinned root, is valid, carries the publisher
# extendedKeyUsage and is revoked neither in the snapshot's store nor in
# the one installed.  Every refusal leaves DIR/current where it was and
# the running daemon serving the old snapshot.  Then pruning: --install
# keeps the current and the previous snapshot and any one a daemon serves.
. "$(dirname "$0")/lib.sh"

SYS=$GENFIC_CA_DIR/certs/genfic-system.crt
ROOT=$T/root.pem
ON=$T/online
SYSPASS="--passin pass:system-secret --batch"
PUBLISH="gca --publish"
WITH_KEY="--publish-key $T/pub.key --publish-cert $T/pub.crt"

check "hierarchy" make_hierarchy
check "leaf" new_leaf leaf genfic-system system-secret
check "responder certificate" new_leaf responder genfic-system system-secret ocsp
check "publication key (-R, encrypted)" gca -R "$T/pub" --subject "/CN=Snapshot publisher" \
    --passout pass:pub-secret --batch
[ "$(stat -c %a "$T/pub.key")" = 600 ] && pass "... the key is 0600" || fail "... the key is 0600"
check "publication certificate (-t publisher)" gca -p genfic-system -s "$T/pub.req" \
    -t publisher -o "$T/pub.crt" $SYSPASS
openssl x509 -in "$T/pub.crt" -noout -ext extendedKeyUsage,keyUsage,basicConstraints >"$T/ext" 2>&1
grep -q "2.25.81727232623659256601843400775868534369" "$T/ext" &&
    grep -q "Digital Signature" "$T/ext" && grep -q "CA:FALSE" "$T/ext" &&
    pass "openssl x509: publisher EKU, digitalSignature, not a CA" ||
    fail "openssl x509: publisher EKU, digitalSignature, not a CA: $(cat "$T/ext")"

# No CA passphrase anywhere: only the publication key's.
check "--publish --publish-key signs" $PUBLISH "$T/p1" $WITH_KEY --passin pass:pub-secret --batch
grep -q "MANIFEST signed by CN=Snapshot publisher" "$T/out" && pass "... and says by whom" ||
    fail "... and says by whom: $(cat "$T/out")"
# The root alone as anchor: genfic-system rides in the signature.
check "openssl cms -verify: chains to the root alone" openssl cms -verify \
    -inform DER -in "$T/p1/MANIFEST.sig" -binary -content "$T/p1/MANIFEST" \
    -CAfile "$ROOT" -purpose any -out /dev/null
refuse "a wrong passphrase of the publication key" 1 "wrong passphrase" \
    $PUBLISH "$T/px" $WITH_KEY --passin pass:wrong --batch

# Publication certificates genfic-ca refuses to sign with.
gca -R "$T/other" --nopass --subject "/CN=other" --batch >/dev/null 2>&1
refuse "the key of another certificate" 1 "other.key: not the key of" \
    $PUBLISH "$T/px" --publish-key "$T/other.key" --publish-cert "$T/pub.crt" --batch
check "a server certificate (no publisher EKU)" new_leaf server genfic-system system-secret server
refuse "... cannot sign a snapshot" 1 "neither a CA nor a publication certificate" \
    $PUBLISH "$T/px" --publish-key "$T/server.key" --publish-cert "$T/server.crt" --batch
refuse "a CA certificate: -p CA is the way" 1 "publish with -p CA" \
    $PUBLISH "$T/px" --publish-key "$GENFIC_CA_DIR/private/genfic-system.key" \
    --publish-cert "$SYS" --passin pass:system-secret --batch
# Another hierarchy's publication certificate.
(
	export GENFIC_CA_DIR="$T/other-store"
	gca -r evil -v 365 --subject "/CN=Evil Root" --passout pass:evil-secret --batch \
	    -o "$T/evil.pem" >/dev/null 2>&1
	gca -R "$T/evilpub" --nopass --subject "/CN=Snapshot publisher" --batch >/dev/null 2>&1
	gca -p evil -s "$T/evilpub.req" -t publisher -o "$T/evilpub.crt" \
	    --passin pass:evil-secret --batch >/dev/null 2>&1
)
refuse "a publication certificate of another hierarchy" 1 "not issued by a CA of this store" \
    $PUBLISH "$T/px" --publish-key "$T/evilpub.key" --publish-cert "$T/evilpub.crt" --batch
# An expired one, made by openssl ca with genfic-system's key.
mkdir -p "$T/oca/new" && : >"$T/oca/index.txt" && echo 1000 >"$T/oca/serial"
cat >"$T/oca/ca.cnf" <<EOF
[ ca ]
default_ca = oca
[ oca ]
database = $T/oca/index.txt
new_certs_dir = $T/oca/new
serial = $T/oca/serial
default_md = sha256
policy = any
unique_subject = no
[ any ]
commonName = supplied
[ ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,2.25.81727232623659256601843400775868534369
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
gca -R "$T/old" --nopass --subject "/CN=expired publisher" --batch >/dev/null 2>&1
now=$(date +%s)
check "an expired publication certificate (openssl ca)" \
    openssl ca -batch -config "$T/oca/ca.cnf" -cert "$SYS" \
    -keyfile "$GENFIC_CA_DIR/private/genfic-system.key" \
    -passin pass:system-secret -in "$T/old.req" -out "$T/old.crt" \
    -extensions ext -notext \
    -startdate "$(date -u -d "@$((now - 7200))" +%y%m%d%H%M%SZ)" \
    -enddate "$(date -u -d "@$((now - 3600))" +%y%m%d%H%M%SZ)"
refuse "... genfic-ca does not sign with it" 1 "not valid now" \
    $PUBLISH "$T/px" --publish-key "$T/old.key" --publish-cert "$T/old.crt" --batch
refuse "--publish-key without --publish-cert: usage" 2 "go together" \
    $PUBLISH "$T/px" --publish-key "$T/pub.key" --batch
refuse "--publish-key with -p: usage" 2 "not both" \
    $PUBLISH "$T/px" $WITH_KEY -p genfic-system --batch
refuse "--publish-key without --publish: usage" 2 "go with --publish" \
    gca -l $WITH_KEY

# install_refused DESC FRAGMENT SNAPSHOT: --install fails, says why, and
# DIR/current still points where it did.
install_refused() {
	ir_before=$(readlink "$ON/current" 2>/dev/null)
	ocspd --install "$3" -d "$ON" --snapshot-trust "$ROOT" >"$T/out" 2>"$T/err"
	ir_rc=$?
	if [ $ir_rc -eq 1 ] && grep -q "^genfic-ocspd: .*$2" "$T/err" &&
	    [ "$(readlink "$ON/current" 2>/dev/null)" = "$ir_before" ]; then
		pass "$1"
	else
		fail "$1 (exit $ir_rc)"
		sed 's/^/#   /' "$T/err" | head -5
	fi
}
# forge SRC SIGNER KEY [CERTFILE]: $T/bad, a copy of snapshot SRC whose
# MANIFEST is signed again by SIGNER (as a thief or a careless admin
# would, with openssl), the intermediates of CERTFILE riding along.
forge() {
	rm -rf "$T/bad"
	cp -a "$1" "$T/bad"
	openssl cms -sign -binary -outform DER -nosmimecap -signer "$2" -inkey "$3" \
	    -passin pass:pub-secret \
	    ${4:+-certfile "$4"} -in "$T/bad/MANIFEST" -out "$T/bad/MANIFEST.sig" 2>/dev/null
}

check "--install of the publisher-signed snapshot" ocspd --install "$T/p1" -d "$ON" --snapshot-trust "$ROOT"
LOG=$T/ocspd.log
check "the daemon serves it" start_ocspd "$LOG" -d "$ON" --snapshot-trust "$ROOT" \
    --ca genfic-system --signer-cert "$T/responder.crt" --signer-key "$T/responder.key"
ASK="-no_nonce -issuer $SYS -CAfile $ROOT -cert $T/leaf.crt"
ask "good" 'leaf.crt: good' $ASK

sleep 1
check "second snapshot, publisher-signed" $PUBLISH "$T/p2" $WITH_KEY --passin pass:pub-secret --batch
rm -rf "$T/bad" && cp -a "$T/p2" "$T/bad" && printf 'x' >>"$T/bad/certs/genfic.crt"
install_refused "a tampered file" "certs/genfic.crt: SHA-256 differs" "$T/bad"
rm -rf "$T/bad" && cp -a "$T/p2" "$T/bad" && printf 'x' >>"$T/bad/certs/genfic.crt"
( cd "$T/bad" && sha256sum ca.db $(find certs -type f | sort) | LC_ALL=C sort -k2 >MANIFEST )
install_refused "a tampered manifest" "MANIFEST.sig: does not verify" "$T/bad"
forge "$T/p2" "$T/server.crt" "$T/server.key" "$SYS"
install_refused "signed by a server certificate of the hierarchy" \
    "neither a CA nor a publication certificate" "$T/bad"
forge "$T/p2" "$T/old.crt" "$T/old.key" "$SYS"
install_refused "signed by an expired publication certificate" "certificate has expired" "$T/bad"
forge "$T/p2" "$T/evilpub.crt" "$T/evilpub.key" "$T/evil.pem"
install_refused "signed by another hierarchy's publication certificate" \
    "MANIFEST.sig: does not verify against --snapshot-trust" "$T/bad"
forge "$T/p2" "$T/pub.crt" "$T/pub.key"
install_refused "the publication certificate without its issuer" \
    "unable to get local issuer certificate" "$T/bad"
ask "the old snapshot keeps serving" 'leaf.crt: good' $ASK

# The publication key is stolen: revoke its certificate, publish that with
# -p (the CA passphrase, once) and install it.  The thief's snapshots are
# refused, whether their store tells of the revocation or not.
check "revoke the publication certificate" gca -p genfic-system -x "$T/pub.crt" \
    --reason keyCompromise $SYSPASS
refuse "genfic-ca no longer signs with it" 1 "revoked: issue a new publication certificate" \
    $PUBLISH "$T/px" $WITH_KEY --passin pass:pub-secret --batch
check "the revocation published with -p" $PUBLISH "$T/p3" -p genfic-system $SYSPASS
forge "$T/p3" "$T/pub.crt" "$T/pub.key" "$SYS"
install_refused "signed by a publication certificate revoked in its own store" \
    "signed by CN=Snapshot publisher, revoked in $T/bad" "$T/bad"
check "the -p snapshot revoking it installs" ocspd --install "$T/p3" -d "$ON" --snapshot-trust "$ROOT"
sleep 1
forge "$T/p2" "$T/pub.crt" "$T/pub.key" "$SYS"
install_refused "a thief's snapshot hiding the revocation: refused by the installed store" \
    "signed by CN=Snapshot publisher, revoked in $ON/current" "$T/bad"
# Put in place by hand: the daemon refuses it too (its own store).
forge "$T/p3" "$T/pub.crt" "$T/pub.key" "$SYS"
wait_grep "snapshot .*verified: serving it" "$LOG"
mv "$T/bad" "$ON/handmade"
ln -s handmade "$ON/cur.tmp" && mv -T "$ON/cur.tmp" "$ON/current"
wait_grep "handmade refused" "$LOG"
grep -q "handmade refused: .*revoked" "$LOG" && pass "the daemon refuses a revoked signer's snapshot" ||
    fail "the daemon refuses a revoked signer's snapshot: $(grep handmade "$LOG")"
ask "... and the old one keeps serving" 'leaf.crt: good' $ASK
rm "$ON/current" && ln -s "$(ls -d "$ON"/snapshot-* | tail -1 | xargs basename)" "$ON/current"
rm -rf "$ON/handmade"

# A new publication key and certificate: back to no CA passphrase.
gca -R "$T/pub2" --nopass --subject "/CN=Snapshot publisher 2" --batch >/dev/null 2>&1
check "a new publication certificate" gca -p genfic-system -s "$T/pub2.req" -t publisher \
    -o "$T/pub2.crt" $SYSPASS
check "publishes with the new key (unencrypted, no --passin)" $PUBLISH "$T/p4" \
    --publish-key "$T/pub2.key" --publish-cert "$T/pub2.crt" --batch
check "... and installs" ocspd --install "$T/p4" -d "$ON" --snapshot-trust "$ROOT"

# Pruning.  The daemon holds the snapshot it serves (a shared flock).
snapshots() { ls -d "$ON"/snapshot-* 2>/dev/null | wc -l; }
served() { readlink -f "$ON/current"; }
wait_grep "$(basename "$(served)") verified: serving it" "$LOG"
[ "$(snapshots)" -le 2 ] && pass "--install keeps the current and the previous snapshot ($(snapshots))" ||
    fail "--install keeps the current and the previous snapshot: $(ls "$ON")"
flock -n -x "$(served)" true && fail "the daemon holds the snapshot it serves" ||
    pass "the daemon holds the snapshot it serves"
# Stopped, it does not follow: what it serves must outlive two installs.
inuse=$(served)
kill -STOP "$PID"
for i in 5 6 7; do
	sleep 1
	$PUBLISH "$T/p$i" --publish-key "$T/pub2.key" --publish-cert "$T/pub2.crt" --batch >/dev/null 2>&1
	ocspd --install "$T/p$i" -d "$ON" --snapshot-trust "$ROOT" >"$T/install.out" 2>&1 ||
	    fail "install p$i"
done
[ -f "$inuse/ca.db" ] && grep -q "still served, kept" "$T/install.out" &&
    pass "a snapshot the daemon serves is kept" || fail "a snapshot the daemon serves is kept: $(cat "$T/install.out")"
[ "$(snapshots)" -eq 3 ] && pass "... beside the current and the previous (3)" ||
    fail "... beside the current and the previous: $(ls "$ON")"
grep -q "1 older snapshot removed" "$T/install.out" && pass "the one nobody serves is removed" ||
    fail "the one nobody serves is removed: $(cat "$T/install.out")"
kill -CONT "$PID"
wait_grep "$(basename "$(served)") verified: serving it" "$LOG"
ask "the daemon follows to the newest" 'leaf.crt: good' $ASK
flock -n -x "$inuse" true && pass "... and lets the old one go" || fail "... and lets the old one go"
sleep 1
$PUBLISH "$T/p8" --publish-key "$T/pub2.key" --publish-cert "$T/pub2.crt" --batch >/dev/null 2>&1
check "one more install" ocspd --install "$T/p8" -d "$ON" --snapshot-trust "$ROOT"
[ ! -e "$inuse" ] && [ "$(snapshots)" -eq 2 ] && pass "... removes it once no longer served" ||
    fail "... removes it once no longer served: $(ls "$ON")"
[ -d "$(served)" ] && [ "$(basename "$(served)")" = "$(ls -d "$ON"/snapshot-* | sort | tail -1 | xargs basename)" ] &&
    pass "current is the newest" || fail "current is the newest"
check "stops (exit 0)" stop_ocspd
finish
