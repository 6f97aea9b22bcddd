#!/bin/sh
# The audit log: every change is an entry; editing or deleting one in the
# middle is detected; no private key byte is in the database.
. "$(dirname "$0")/lib.sh"

make_hierarchy || { echo "not ok - hierarchy"; exit 1; }
SYS="-p genfic-system --passin pass:system-secret --batch"
for h in a b c; do
	gca -R "$T/$h" --nopass >/dev/null
	gca $SYS -s "$T/$h.req" -o "$T/$h.crt" 2>/dev/null
done
gca -p genfic-system -x b --reason superseded >/dev/null
gca $SYS -g -o "$T/s.crl" >/dev/null
gca -p genfic-system --set --ocsp-url http://ocsp.example/ >/dev/null

check "--audit-verify on an intact log" gca --audit-verify
grep -q "audit: 9 entries, chain intact" "$T/out" && pass "9 entries" || fail "9 entries: $(cat "$T/out")"
gca --audit >"$T/log"
for op in issue revoke gencrl set; do
	grep -q " $op " "$T/log" && pass "--audit shows $op" || fail "--audit shows $op"
done
gca --audit --json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert len(r)==9 and r[6]["operation"]=="revoke" and len(r[0]["hash"])==64' &&
    pass "--audit --json" || fail "--audit --json"

DB=$GENFIC_CA_DIR/ca.db
cp "$DB" "$T/intact.db"
sqlite3 "$DB" "UPDATE audit SET subject = 'CN=forged' WHERE id = 5"
refuse "an edited entry is detected" 1 "audit: chain broken at entry 5" gca --audit-verify
cp "$T/intact.db" "$DB"
sqlite3 "$DB" "DELETE FROM audit WHERE id = 4"
refuse "a deleted entry is detected" 1 "audit: chain broken at entry 5" gca --audit-verify
cp "$T/intact.db" "$DB"
sqlite3 "$DB" "UPDATE audit SET time = time + 1 WHERE id = 9"
refuse "an edited last entry is detected" 1 "chain broken at entry 9" gca --audit-verify
cp "$T/intact.db" "$DB"
check "restored: intact again" gca --audit-verify

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
