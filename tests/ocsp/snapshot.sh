#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 18 item 1: --publish -p CA signs MANIFEST; genfic-ocspd --install
# verifies a snapshot against the pinned anchor (--snapshot-trust) and
# refuses a tampered one; the running daemon follows DIR/current, refuses
# a snapshot that does not verify (the old keeps serving) and switches
# under a wrk load with every answer verifying, old status or new.
. "$(dirname "$0")/lib.sh"

SYS=$GENFIC_CA_DIR/certs/genfic-system.crt
ROOT=$T/root.pem
ON=$T/online
PUBLISH="gca --publish"
SIGN="-p genfic-system --passin pass:system-secret --batch"

check "hierarchy" make_hierarchy
check "leaf" new_leaf leaf genfic-system system-secret
check "responder certificate" new_leaf responder genfic-system system-secret ocsp
gca -p genfic-system -g --passin pass:system-secret --batch -o /dev/null >/dev/null 2>&1

check "--publish -p signs the manifest" $PUBLISH "$T/p1" $SIGN
grep -q "MANIFEST signed by genfic-system" "$T/out" && pass "... and says so" || fail "... and says so: $(cat "$T/out")"
check "sha256sum -c checks MANIFEST" sh -c "cd '$T/p1' && sha256sum -c --strict MANIFEST"
grep -q "crl/genfic-system.crl" "$T/p1/MANIFEST" && pass "MANIFEST lists the CRL" || fail "MANIFEST lists the CRL"
check "openssl cms -verify: MANIFEST.sig chains to the root" openssl cms -verify \
    -inform DER -in "$T/p1/MANIFEST.sig" -binary -content "$T/p1/MANIFEST" \
    -CAfile "$ROOT" -purpose any -out /dev/null
check "--publish without -p: unsigned" $PUBLISH "$T/unsigned"
[ -f "$T/unsigned/MANIFEST" ] && [ ! -e "$T/unsigned/MANIFEST.sig" ] &&
    pass "... MANIFEST without MANIFEST.sig" || fail "... MANIFEST without MANIFEST.sig"

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

check "--install" ocspd --install "$T/p1" -d "$ON" --snapshot-trust "$ROOT"
[ -L "$ON/current" ] && [ -f "$ON/current/ca.db" ] && pass "DIR/current -> the copy" || fail "DIR/current -> the copy"
check "the installed copy verifies with openssl cms" openssl cms -verify \
    -inform DER -in "$ON/current/MANIFEST.sig" -binary -content "$ON/current/MANIFEST" \
    -CAfile "$ROOT" -purpose any -out /dev/null

# Tampered copies of a newer snapshot.
sleep 1
check "second snapshot" $PUBLISH "$T/p2" $SIGN
tamper() {
	rm -rf "$T/bad"
	cp -a "$T/p2" "$T/bad"
}
tamper; rm "$T/bad/certs/genfic.crt"
install_refused "a file the manifest lists is missing" "certs/genfic.crt: listed in the manifest, not in the snapshot" "$T/bad"
tamper; echo extra >"$T/bad/certs/extra.crt"
install_refused "an extra file not in the manifest" "certs/extra.crt: in the snapshot, not in the manifest" "$T/bad"
tamper; printf 'x' >>"$T/bad/crl/genfic-system.crl"
install_refused "a tampered CRL" "crl/genfic-system.crl: SHA-256 differs" "$T/bad"
tamper; printf 'x' >>"$T/bad/crl/genfic-system.crl"
( cd "$T/bad" && sha256sum ca.db $(cd "$T/bad" && find certs crl -type f | sort) >MANIFEST.new &&
    LC_ALL=C sort -k2 MANIFEST.new >MANIFEST && rm MANIFEST.new )
install_refused "a manifest rewritten to match" "MANIFEST.sig: does not verify" "$T/bad"
tamper; head -c 100 "$T/p2/MANIFEST.sig" >"$T/bad/MANIFEST.sig"
install_refused "a truncated signature" "MANIFEST.sig: not a DER CMS signature" "$T/bad"
tamper; rm "$T/bad/MANIFEST.sig"
install_refused "no signature" "MANIFEST.sig: missing" "$T/bad"
tamper; ln -s /etc/passwd "$T/bad/certs/link.crt"
install_refused "a symbolic link" "certs/link.crt: not a regular file" "$T/bad"
# A wrong signer: another hierarchy's CA, whose certificate rides in the
# signature (and could be put in the snapshot): not the pinned anchor.
(
	export GENFIC_CA_DIR="$T/other"
	gca -r evil -v 365 --subject "/CN=Evil Root" --passout pass:evil-secret --batch \
	    -o "$T/evil.pem" >/dev/null 2>&1
	gca --publish "$T/evil-pub" -p evil --passin pass:evil-secret --batch >/dev/null 2>&1
)
tamper
cp "$T/evil.pem" "$T/bad/certs/evil.crt"
( cd "$T/bad" && sha256sum certs/evil.crt >>MANIFEST && LC_ALL=C sort -k2 MANIFEST -o MANIFEST )
openssl cms -sign -binary -outform DER -nosmimecap -signer "$T/evil.pem" \
    -inkey "$T/other/private/evil.key" -passin pass:evil-secret -in "$T/bad/MANIFEST" \
    -out "$T/bad/MANIFEST.sig" 2>/dev/null
check "control: the evil snapshot is signed consistently" openssl cms -verify \
    -inform DER -in "$T/bad/MANIFEST.sig" -binary -content "$T/bad/MANIFEST" \
    -CAfile "$T/evil.pem" -purpose any -out /dev/null
install_refused "a wrong signer (its root inside the snapshot)" "MANIFEST.sig: does not verify" "$T/bad"
check "the untampered second snapshot installs" ocspd --install "$T/p2" -d "$ON" --snapshot-trust "$ROOT"
install_refused "an older snapshot (rollback)" "refusing to go back" "$T/p1"
ocspd --install "$T/p2" -d "$ON" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "needs --snapshot-trust" "$T/err" && pass "--install without --snapshot-trust: usage" ||
    fail "--install without --snapshot-trust: usage"

# The daemon on DIR: refuses to serve an installed snapshot unverified.
ocspd -f --allow-root -l 127.0.0.1:0 -d "$ON" --ca genfic-system \
    --signer-cert "$T/responder.crt" --signer-key "$T/responder.key" >/dev/null 2>"$T/err"
grep -q "give --snapshot-trust" "$T/err" && pass "an installed snapshot needs --snapshot-trust" ||
    fail "an installed snapshot needs --snapshot-trust: $(cat "$T/err")"

ocspd -f --allow-root -l 127.0.0.1:0 -d "$T/p2" --snapshot-trust "$ROOT" --ca genfic-system \
    --signer-cert "$T/responder.crt" --signer-key "$T/responder.key" >/dev/null 2>"$T/err"
[ $? -eq 1 ] && grep -q "snapshots installed with --install" "$T/err" &&
    pass "--snapshot-trust on a directory that is not installed: refused" ||
    fail "--snapshot-trust on a directory that is not installed: refused: $(cat "$T/err")"
LOG=$T/ocspd.log
check "serves DIR/current" start_ocspd "$LOG" -d "$ON" --snapshot-trust "$ROOT" \
    --ca genfic-system --signer-cert "$T/responder.crt" --signer-key "$T/responder.key" \
    --metrics 127.0.0.1:0 -q
ASK="-no_nonce -issuer $SYS -CAfile $ROOT -cert $T/leaf.crt"
ask "good before the revocation" 'leaf.crt: good' $ASK
MPORT=$(sed -n 's/^genfic-ocspd: metrics on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$LOG")
metric() {
	curl -s "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}

# A snapshot put in place by hand, not verifying: refused, old one serves.
cp -a "$ON/current/." "$T/handmade"
printf 'x' >>"$T/handmade/crl/genfic-system.crl"
mv "$T/handmade" "$ON/handmade"
before=$(readlink "$ON/current")
ln -s handmade "$ON/cur.tmp" && mv -T "$ON/cur.tmp" "$ON/current"
wait_grep "snapshot .*handmade refused: crl/genfic-system.crl: SHA-256 differs" "$LOG"
grep -q "handmade refused" "$LOG" && pass "the daemon refuses a snapshot that does not verify" ||
    fail "the daemon refuses a snapshot that does not verify"
ask "... and the old one keeps serving" 'leaf.crt: good' $ASK
[ "$(metric genfic_ocspd_snapshot_refused_total)" = 1 ] && pass "metrics count the refusal" ||
    fail "metrics count the refusal: $(metric genfic_ocspd_snapshot_refused_total)"
curl -s "$URL/health" >"$T/health"
grep -q "handmade refused" "$T/health" && pass "/health names the refused snapshot" ||
    fail "/health names the refused snapshot: $(cat "$T/health")"
ln -s "$before" "$ON/cur.tmp" && mv -T "$ON/cur.tmp" "$ON/current"

# 20 installs, one after another while wrk loads the responder and a
# checker verifies every answer with openssl ocsp: 10 of a snapshot with
# the leaf good, 10 of a later one with it revoked (each install is a new
# directory, so each is a switch).
$PUBLISH "$T/s-good" $SIGN >/dev/null 2>&1 || fail "snapshot with the leaf good"
sleep 1
gca -p genfic-system -x "$T/leaf.crt" --reason keyCompromise \
    --passin pass:system-secret --batch >/dev/null 2>&1
$PUBLISH "$T/s-revoked" $SIGN >/dev/null 2>&1 || fail "snapshot with the leaf revoked"
openssl ocsp -no_nonce -issuer "$SYS" -cert "$T/leaf.crt" -reqout "$T/req.der" 2>/dev/null
GETURL="$URL/$(urlencode "$(base64 -w0 "$T/req.der")")"
switches0=$(metric genfic_ocspd_snapshot_switches_total)
wrk -t 2 -c 32 -d 11s "$GETURL" >"$T/wrk.out" 2>&1 &
WRK=$!
: >"$T/checks"
(
	while [ ! -e "$T/stop" ]; do
		openssl ocsp -url "$URL" $ASK 2>&1 | grep -E '^Response verify|leaf.crt:' | tr '\n' ' '
		echo
	done >"$T/checks"
) &
CHECKER=$!
i=1
while [ $i -le 20 ]; do
	src=$T/s-good
	[ $i -gt 10 ] && src=$T/s-revoked
	ocspd --install "$src" -d "$ON" --snapshot-trust "$ROOT" >/dev/null 2>>"$T/install.err" ||
	    fail "install $i under load"
	sleep 0.3
	i=$((i + 1))
done
sleep 2
touch "$T/stop"
wait $CHECKER
wait $WRK
n=$(wc -l <"$T/checks")
GOODLINE='^Response verify OK [^ ]*/leaf\.crt: (good|revoked) $'
ok=$(grep -Ec "$GOODLINE" "$T/checks")
[ "$n" -gt 50 ] && [ "$ok" -eq "$n" ] && pass "every one of $n checked answers verifies, good or revoked" ||
    { fail "every checked answer verifies ($ok of $n)"; grep -Ev "$GOODLINE" "$T/checks" | head -5; }
# Once revoked, never good again: no answer from an older snapshot after.
awk '/revoked/ { r = 1 } /good/ && r { bad = 1 } END { exit bad }' "$T/checks" &&
    pass "the status changes once, good then revoked" || fail "the status changes once, good then revoked"
grep -q good "$T/checks" && tail -1 "$T/checks" | grep -q revoked &&
    pass "both statuses seen, the last snapshot's last" || fail "both statuses seen, the last snapshot's last"
grep -q "Requests/sec" "$T/wrk.out" && pass "wrk ran ($(sed -n 's/^Requests\/sec: *//p' "$T/wrk.out") req/s)" ||
    fail "wrk ran: $(cat "$T/wrk.out")"
grep -Eq "Non-2xx|Socket errors" "$T/wrk.out" && { fail "wrk: no errors"; sed 's/^/#   /' "$T/wrk.out"; } ||
    pass "wrk: no non-2xx response, no socket error"
# Pruning ran at every install, under that load, without a failed answer.
nsnap=$(ls -d "$ON"/snapshot-* | wc -l)
[ "$nsnap" -ge 2 ] && [ "$nsnap" -le 3 ] && pass "20 installs leave $nsnap snapshot directories (pruned)" ||
    fail "20 installs leave 2 or 3 snapshot directories: $nsnap"
switches=$(( $(metric genfic_ocspd_snapshot_switches_total) - switches0 ))
[ "$switches" -ge 5 ] && pass "the daemon switched $switches times under load" ||
    fail "the daemon switched under load ($switches times)"
curl -s "$URL/health" >"$T/health"
grep -q "refused" "$T/health" && fail "/health forgets the refusal once a newer snapshot serves" ||
    pass "/health forgets the refusal once a newer snapshot serves"
[ "$(metric genfic_ocspd_snapshot_refused_total)" = 1 ] && pass "... the metrics keep its count" ||
    fail "... the metrics keep its count"
check "stops (exit 0)" stop_ocspd
finish
