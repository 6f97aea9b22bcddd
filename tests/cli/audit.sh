#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The audit log: every change is an entry that commits to the row it
# changed; each -g signs the chain head.  A table changed behind the log's
# back, an entry edited, deleted or moved, and a chain recomputed without
# the CA key are each found and named.  No private key byte is in the
# database.
. "$(dirname "$0")/lib.sh"

D=$(cd "$(dirname "$0")/../data/audit" && pwd)
make_hierarchy || { echo "not ok - hierarchy"; exit 1; }
SYS="-p genfic-system --passin pass:system-secret --batch"
for h in a b c; do
	gca -R "$T/$h" --nopass >/dev/null
	gca $SYS -s "$T/$h.req" -o "$T/$h.crt" 2>/dev/null
done
SB=$(serial_of "$T/b.crt") SC=$(serial_of "$T/c.crt")
# Entries: 1-6 the three CAs (issue, create-ca), 7-9 a b c, 10 CRL 1,
# 11 the revocation of b, 12 CRL 2, 13 set.
gca $SYS -g -o "$T/s1.crl" >/dev/null
gca -p genfic-system -x b --reason keyCompromise >/dev/null
gca $SYS -g -o "$T/s.crl" >/dev/null
gca -p genfic-system --set --ocsp-url http://ocsp.example/ >/dev/null

DB=$GENFIC_CA_DIR/ca.db
check "--audit-verify on an intact log" gca --audit-verify
cp "$T/out" "$T/verify.out"
grep -q "^audit: 13 entries, chain intact$" "$T/verify.out" && pass "13 entries" ||
    fail "13 entries: $(cat "$T/verify.out")"
grep -q "^audit: head 13 $(sql "SELECT lower(hex(hash)) FROM audit WHERE id = 13")\$" \
    "$T/verify.out" && pass "it prints the head for the logbook" ||
    fail "it prints the head for the logbook"
grep -q "^audit: 11 rows explained by the log, 0 last changed before" "$T/verify.out" &&
    pass "every row (3 CAs, 6 certificates, 2 CRLs) is explained" ||
    fail "every row is explained: $(cat "$T/verify.out")"
grep -q "^audit: anchored up to entry 12 (checkpoint by genfic-system at [0-9T:Z-]*); entry 13 unanchored$" \
    "$T/verify.out" && pass "anchored up to the last -g" || fail "anchored up to the last -g"
gca --audit >"$T/log"
for op in issue create-ca revoke gencrl set; do
	grep -q " $op " "$T/log" && pass "--audit shows $op" || fail "--audit shows $op"
done
gca --audit --json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert len(r)==13 and r[10]["operation"]=="revoke" and len(r[0]["hash"])==64' &&
    pass "--audit --json" || fail "--audit --json"

# The checkpoint next to the CRL: openssl verifies its signature with the
# CA certificate, over the lines before "signature:".
K=$GENFIC_CA_DIR/crl/genfic-system.audit-checkpoint
sed '/^signature: /d' "$K" >"$T/statement"
sed -n 's/^signature: //p' "$K" | openssl base64 -d -A >"$T/sig"
openssl x509 -in "$GENFIC_CA_DIR/certs/genfic-system.crt" -pubkey -noout >"$T/pub"
check "openssl verifies the checkpoint with genfic-system's certificate" \
    openssl dgst -sha256 -verify "$T/pub" -signature "$T/sig" "$T/statement"
check "... which signs entry 12 and its hash" grep -qx \
    "head: $(sql "SELECT lower(hex(hash)) FROM audit WHERE id = 12")" "$T/statement"
grep -qx "entry: 12" "$T/statement" && grep -qx "crl: 2" "$T/statement" &&
    pass "... for CRL 2" || fail "... for CRL 2"
openssl x509 -in "$GENFIC_CA_DIR/certs/genfic-user.crt" -pubkey -noout >"$T/upub"
check "... and not with genfic-user's" not openssl dgst -sha256 -verify \
    "$T/upub" -signature "$T/sig" "$T/statement"

# The published snapshot carries it: the online side verifies it too.
check "--publish" gca --publish "$T/pub.d"
check "the snapshot holds the checkpoint" cmp "$K" "$T/pub.d/crl/genfic-system.audit-checkpoint"
check "--audit-verify on the snapshot" gca -d "$T/pub.d" --audit-verify
grep -q "^audit: anchored up to entry 12 " "$T/out" && pass "... anchored too" ||
    fail "... anchored too"

cp "$DB" "$T/intact.db"
rm -f "$DB-wal" "$DB-shm"
restore() { cp "$T/intact.db" "$DB"; rm -f "$DB-wal" "$DB-shm"; }

# tamper DESCRIPTION SQL FRAGMENT: SQL on a copy of the intact store, then
# --audit-verify must exit 1 naming it.
tamper() {
	restore
	sql "$2"
	refuse "$1" 1 "audit: $3" gca --audit-verify
}

# The state behind the log's back.
restore
sql "UPDATE cert SET revoked_at = NULL, reason = NULL WHERE cn = 'b'"
gca -l -p genfic-system | grep -q "^genfic-system.* valid .*CN=b" &&
    pass "(un-revoked by SQL: -l shows b valid)" || fail "(un-revoked by SQL: -l shows b valid)"
refuse "an un-revoked certificate is named" 1 \
    "audit: cert $SB (genfic-system, CN=b): state differs from audit entry 11 (revoke); the row now says valid" \
    gca --audit-verify
tamper "a deleted certificate row is named" "DELETE FROM cert WHERE cn = 'c'" \
    "cert $SC of genfic-system: audit entry 9 (issue) records it, but the store has no such row (deleted)"
tamper "an edited CA row (crl_url) is named" \
    "UPDATE ca SET crl_url = 'http://evil.example/s.crl' WHERE name = 'genfic-system'" \
    "CA genfic-system: state differs from audit entry 13 (set)"
tamper "an edited CRL number is named" "UPDATE crl SET number = 7 WHERE number = 2" \
    "CRL 7 of genfic-system: no audit entry records it"
grep -q "CRL 2 of genfic-system: audit entry 12 (gencrl) records it, but the store has no such row" \
    "$T/err" && pass "... and the CRL it was" || fail "... and the CRL it was"
tamper "an edited next CRL number is named" \
    "UPDATE ca SET next_crl_number = 9 WHERE name = 'genfic-user'" \
    "CA genfic-user: state differs from audit entry 6 (create-ca)"
tamper "an edited certificate (DER) is named" "UPDATE cert SET der = zeroblob(300) WHERE cn = 'a'" \
    "cert $(serial_of "$T/a.crt") (genfic-system, CN=a): its DER does not match its fingerprint"
tamper "a planted certificate is named" \
    "INSERT INTO cert (ca_id, serial, subject, not_after, subject_hash, issued)
     SELECT ca_id, x'0BAD', 'CN=planted', not_after, subject_hash, issued FROM cert WHERE cn = 'a'" \
    "cert 0BAD (genfic-system, CN=planted, valid): no audit entry records it"

# The log itself.
tamper "an edited entry is named" "UPDATE audit SET subject = 'CN=forged' WHERE id = 5" \
    "chain broken at entry 5: its content does not match its hash (edited)"
grep -q "^audit: no checkpoint anchors the log; entries 1..13 unanchored$" "$T/out" &&
    pass "... and no checkpoint anchors the log past the break" ||
    fail "... and no checkpoint anchors the log past the break: $(cat "$T/out")"
tamper "a deleted entry is named" "DELETE FROM audit WHERE id = 8" \
    "chain broken at entry 9: it does not follow entry 7"
tamper "two entries reordered are named" \
    "UPDATE audit SET id = -id WHERE id IN (8, 9); UPDATE audit SET id = 9 WHERE id = -8;
     UPDATE audit SET id = 8 WHERE id = -9" "chain broken at entry 8"
tamper "an edited last entry is named" "UPDATE audit SET time = time + 1 WHERE id = 13" \
    "chain broken at entry 13"
tamper "a deleted last entry leaves its change unexplained" "DELETE FROM audit WHERE id = 13" \
    "CA genfic-system: state differs from audit entry 12 (gencrl)"

# A chain recomputed by a script, as docs/security.md describes it: only
# the signed checkpoints, which need the CA key, can tell.
recompute() {
	restore
	python3 "$D/recompute.py" "$DB" "$1" || fail "recompute.py"
	refuse "$2" 1 "audit: $3" gca --audit-verify
}
recompute "UPDATE audit SET user = 'mallory' WHERE id = 11" \
    "an edited entry with the chain recomputed is found by the checkpoint" \
    "checkpoint of CRL 2 of genfic-system signs a head that entry 12 no longer has: entries 11..12 were rewritten"
grep -q "^audit: anchored up to entry 10 " "$T/out" &&
    pass "... which says the log holds up to entry 10" || fail "... which says the log holds up to entry 10"
recompute "UPDATE cert SET revoked_at = NULL, reason = NULL WHERE cn = 'b'" \
    "an un-revocation with its state and chain recomputed is found" \
    "checkpoint of CRL 2 of genfic-system signs a head that entry 12 no longer has"
recompute "UPDATE cert SET revoked_at = NULL, reason = NULL WHERE cn = 'b';
    DELETE FROM audit_checkpoint" \
    "... and with the checkpoints deleted" "CRL 2 of genfic-system: its audit checkpoint is missing (deleted)"
grep -q "audit: crl/genfic-system.audit-checkpoint: its checkpoint is not in the store" "$T/err" &&
    pass "... whose copy next to the CRL is named" || fail "... whose copy next to the CRL is named"
recompute "UPDATE ca SET crl_url = 'http://evil.example/s.crl' WHERE name = 'genfic-system';
    UPDATE audit SET object = NULL, state = NULL WHERE id = 13" \
    "an unanchored entry made to look older than state commitments is named" \
    "entry 13 (set genfic-system ) commits to no state, but follows entry 1, which does (edited?)"
recompute "UPDATE audit_checkpoint SET signature = x'00' || signature WHERE crl_number = 2" \
    "a checkpoint whose signature does not verify is named" \
    "checkpoint of CRL 2 of genfic-system (entry 12): its signature does not verify"
restore
check "restored: intact again" gca --audit-verify

# The logbook line: after a change, on a terminal's stderr only.
script -qec "$GENFIC_CA -p genfic-system -x a --reason superseded" /dev/null >"$T/tty" 2>&1
head=$(sql "SELECT id || ' ' || lower(hex(hash)) FROM audit ORDER BY id DESC LIMIT 1")
grep -q "^genfic-ca: audit head $head" "$T/tty" && pass "a change prints the head on a terminal" ||
    fail "a change prints the head on a terminal: $(cat "$T/tty")"
gca -p genfic-system -x c --reason superseded >/dev/null 2>"$T/err"
[ ! -s "$T/err" ] && pass "... and nothing when stderr is no terminal" ||
    fail "... and nothing when stderr is no terminal"

# A store of schema 2: its entries commit to no state.  Read as it is,
# then migrated by the first writable open; the entries after it commit.
L=$T/legacy
mkdir "$L" && cp "$T/intact.db" "$L/ca.db" && cp -r "$GENFIC_CA_DIR/private" \
    "$GENFIC_CA_DIR/certs" "$L/" && mkdir "$L/crl"
python3 "$D/legacy.py" "$L/ca.db" || fail "legacy.py"
check "a schema-2 store verifies read-only" gca -d "$L" --audit-verify
grep -q "^audit: entries 1..13 predate state commitments" "$T/out" && pass "... and says what predates" ||
    fail "... and says what predates: $(cat "$T/out")"
check "a change migrates it" gca -d "$L" -p genfic-system -x a --reason superseded
[ "$(sqlite3 "$L/ca.db" 'PRAGMA user_version')" -ge 3 ] && pass "... to schema 3" || fail "... to schema 3"
check "the migrated store verifies" gca -d "$L" --audit-verify
grep -q "^audit: entries 1..13 predate state commitments" "$T/out" &&
    grep -q "^audit: 1 rows explained by the log, 10 last changed before state commitments" "$T/out" &&
    pass "... explaining the row changed since, not the others" ||
    fail "... explaining the row changed since: $(cat "$T/out")"
sqlite3 "$L/ca.db" "UPDATE cert SET revoked_at = NULL, reason = NULL WHERE cn = 'a'"
refuse "... and a change behind its back since is named" 1 \
    "cert $(serial_of "$T/a.crt") (genfic-system, CN=a): state differs from audit entry 14 (revoke)" \
    gca -d "$L" --audit-verify

# No byte of any private key is in the database.
for k in genfic genfic-system genfic-user; do
	openssl pkey -in "$GENFIC_CA_DIR/private/$k.key" -passin pass:$(echo $k | sed 's/genfic-//; s/^genfic$/root/')-secret \
	    -outform der -out "$T/$k.der" 2>/dev/null
	# The private scalar is what must not leak: search for its hex.
	priv=$(openssl pkey -inform der -in "$T/$k.der" -noout -text 2>/dev/null |
	    sed -n '/^priv:/,/^pub:/p' | grep -v 'priv:\|pub:' | tr -d ' :\n')
	[ ${#priv} -ge 64 ] || { fail "$k: private scalar read"; continue; }
	od -An -v -tx1 "$DB" "$DB-wal" 2>/dev/null | tr -d ' \n' | grep -q "$priv" &&
	    fail "$k: private key in the database" || pass "$k: no private key in the database"
done
[ "$(stat -c %a "$GENFIC_CA_DIR/private")" = 700 ] && pass "private/ is 0700" || fail "private/ is 0700"
for k in "$GENFIC_CA_DIR"/private/*.key; do
	[ "$(stat -c %a "$k")" = 600 ] || fail "$k is 0600"
done
pass "every key is 0600"
finish
