#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# -l, -e, -S: tables, JSON (validated by python3's json module), windows
# and their boundaries, exit statuses.
. "$(dirname "$0")/lib.sh"

make_hierarchy || { echo "not ok - hierarchy"; exit 1; }
SYS="-p genfic-system --passin pass:system-secret --batch"
DB=$GENFIC_CA_DIR/ca.db
for h in web mail db old; do
	gca -R "$T/$h" --nopass --san "DNS:$h.example" >/dev/null
	gca $SYS -s "$T/$h.req" -o "$T/$h.crt" --label "$h-1" -v 100 2>/dev/null
done
gca -p genfic-system -x mail --reason keyCompromise >/dev/null
# Move notAfter in the database to make windows: db in 10 days, old expired.
now=$(date +%s)
sqlite3 "$DB" "UPDATE cert SET not_after = $now + 10 * 86400 + 3600 WHERE label = 'db-1';
    UPDATE cert SET not_after = $now - 86400 WHERE label = 'old-1'"
json() { python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))'; }

check "-l lists" gca -l
grep -q "^CA  *SERIAL  *STATUS  *EXPIRES  *HASH  *SUBJECT  *LABEL" "$T/out" &&
    pass "-l header" || fail "-l header"
[ "$(grep -c . "$T/out")" -eq 8 ] && pass "-l: 7 certificates and a header" || fail "-l row count"
grep -q "genfic-system (CA)" "$T/out" && pass "CAs marked as CA" || fail "CAs marked as CA"
s=$(openssl x509 -in "$T/web.crt" -noout -serial | cut -d= -f2)
h=$(openssl x509 -in "$T/web.crt" -noout -hash)
grep "web-1" "$T/out" | grep -q "$s.*valid.*$h.*CN=web" && pass "-l row: serial, status, hash, subject" ||
    fail "-l row: serial, status, hash, subject"
grep "mail-1" "$T/out" | grep -q revoked && pass "-l shows revoked" || fail "-l shows revoked"
grep "old-1" "$T/out" | grep -q expired && pass "-l shows expired" || fail "-l shows expired"
gca -l -p genfic-system --status revoked >"$T/o"
[ "$(grep -c mail-1 "$T/o")" -eq 1 ] && [ "$(grep -c . "$T/o")" -eq 2 ] &&
    pass "--status revoked" || fail "--status revoked"
refuse "--status bogus" 2 "--status 'bogus'" gca -l --status bogus
# popt leaves the earlier value of a repeated option to us: ASan and
# valgrind fail this call if it leaks.
gca -l -d "$T/nowhere" -p nope -p genfic-system --status bogus \
    -d "$GENFIC_CA_DIR" --status revoked >"$T/o2" &&
    cmp -s "$T/o" "$T/o2" && pass "repeated options: the last one counts" ||
    fail "repeated options: the last one counts"

check "-l --json" sh -c "\"$GENFIC_CA\" -l --json | python3 -m json.tool"
gca -l --json -p genfic-system >"$T/j"
python3 - "$T/j" "$s" <<'PY' && pass "JSON fields" || fail "JSON fields"
import json, sys
rows = json.load(open(sys.argv[1]))
web = [r for r in rows if r["label"] == "web-1"][0]
assert web["serial"] == sys.argv[2], web
assert web["san"] == ["DNS:web.example"], web["san"]
assert web["status"] == "valid" and web["ca"] == "genfic-system"
assert web["not_after"].endswith("Z") and "T" in web["not_after"]
assert len(web["sha256"]) == 64 and web["is_ca"] is False
mail = [r for r in rows if r["label"] == "mail-1"][0]
assert mail["status"] == "revoked" and mail["reason"] == "keyCompromise"
assert mail["revoked_at"].endswith("Z")
assert len(rows) == 4
PY

# -e lists CRLs due too (below); CRLs of a year keep them out of these.
for ca in genfic genfic-system genfic-user; do
	gca -p $ca --set --crl-days 365 >/dev/null 2>&1
done
gca -p genfic-user -g --passin pass:user-secret --batch -o "$T/user.crl" >/dev/null 2>&1
gca -p genfic-system -g --passin pass:system-secret --batch -o "$T/sys.crl" >/dev/null 2>&1

# -e, CRL rows: a CA that has issued no CRL, then CRLs due within DAYS,
# before the certificates; exit 3 for them alone.
gca -e 10 -p genfic >"$T/o"; st=$?
[ $st -eq 3 ] && grep -q '^genfic  *CRL  *none  *-  .* no CRL yet' "$T/o" &&
    pass "-e: a CA without a CRL is listed, exit 3" || fail "-e: a CA without a CRL (exit $st)"
gca -p genfic -g --passin pass:root-secret --batch -o "$T/root.crl" >/dev/null 2>&1
gca -e 400 >"$T/o"; st=$?
next=$(date -u -d "$(openssl crl -in "$T/sys.crl" -noout -nextupdate | cut -d= -f2)" +%Y-%m-%d)
[ $st -eq 3 ] && [ "$(sed -n '2,4p' "$T/o" | grep -c '  CRL  *due  ')" -eq 3 ] &&
    grep -q "^genfic-system  *CRL  *due  *$next  .*latest CRL 1" "$T/o" &&
    pass "-e 400: the three CRLs first, due, with openssl's nextUpdate" ||
    fail "-e 400: the three CRLs first (exit $st)"
gca -e 400 --json >"$T/j"
python3 - "$T/j" <<'PY' && pass "-e --json: kind crl and cert" || fail "-e --json: kind crl and cert"
import json, sys
rows = json.load(open(sys.argv[1]))
crls = [r for r in rows if r["kind"] == "crl"]
assert [r["ca"] for r in crls[:1]] and len(crls) == 3, rows
assert all(r["status"] == "due" and r["crl_number"] == 1 and 360 <= r["days_left"] <= 365 for r in crls), crls
assert all(r["kind"] == "cert" for r in rows[3:]) and len(rows) > 3, rows
PY
gca -e 400 -p genfic-user --tsv >"$T/o"
[ "$(grep -c '	CRL	' "$T/o")" -eq 1 ] && grep -q '^genfic-user	CRL	due	' "$T/o" &&
    pass "-e -p: that CA's CRL only" || fail "-e -p: that CA's CRL only"
gca -e 400 --expired >"$T/o"
grep -q '  CRL  ' "$T/o" && fail "-e --expired: no CRL rows" || pass "-e --expired: no CRL rows"

# -e: the window, its boundary, and the exit status for cron.
gca -e 10 >"$T/o"; st=$?
[ $st -eq 0 ] && [ ! -s "$T/o" ] && pass "-e 10: nothing, exit 0, no output" || fail "-e 10 (exit $st)"
gca -e 11 >"$T/o"; st=$?
[ $st -eq 3 ] && grep -q "db-1" "$T/o" && ! grep -q "web-1" "$T/o" &&
    pass "-e 11: the one in 10 days, exit 3" || fail "-e 11 (exit $st)"
gca -e 0 >"$T/o"; st=$?
[ $st -eq 0 ] && [ ! -s "$T/o" ] && pass "-e 0 shows none" || fail "-e 0"
gca -e 200 >"$T/o"
[ "$(head -2 "$T/o" | tail -1 | grep -c db-1)" -eq 1 ] && pass "-e: soonest first" || fail "-e: soonest first"
grep -q "mail-1" "$T/o" && fail "-e skips revoked" || pass "-e skips revoked"
grep -q "old-1" "$T/o" && fail "-e skips expired" || pass "-e skips expired"
gca -e 5 --expired >"$T/o"; st=$?
[ $st -eq 3 ] && grep -q old-1 "$T/o" && pass "-e --expired" || fail "-e --expired (exit $st)"
gca -e 11 --json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert len(r)==1 and r[0]["days_left"]==10' &&
    pass "-e --json with days_left" || fail "-e --json with days_left"
refuse "-e -1" 2 "-e '-1'" gca -e -1
refuse "-e x" 2 "-e 'x'" gca -e x

# -S by serial, label, hash and fingerprint.
fp=$(openssl x509 -in "$T/web.crt" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d :)
for v in "$s" web-1 "$h" "$fp"; do
	gca -S "$v" >"$T/o" 2>&1
	grep -q "Serial:    $s" "$T/o" && grep -q "Chain:     genfic-system <- genfic" "$T/o" &&
	    grep -q "X509v3 Subject Alternative Name" "$T/o" &&
	    pass "-S $v" || fail "-S $v"
done
gca -S web-1 --json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["chain"]==["genfic-system","genfic"] and r["label"]=="web-1"' &&
    pass "-S --json" || fail "-S --json"
gca -S mail-1 | grep -q "Status:    revoked since .* (keyCompromise)" && pass "-S shows the revocation" ||
    fail "-S shows the revocation"
refuse "-S unknown" 1 "no certificate matches 'nope'" gca -S nope
gca -R "$T/dup" --subject /CN=dup --nopass >/dev/null
gca $SYS -s "$T/dup.req" -o "$T/dup1.crt" 2>/dev/null
gca $SYS -s "$T/dup.req" -o "$T/dup2.crt" 2>/dev/null
refuse "-S ambiguous subject hash" 1 "matches 2 certificates" gca -S "$(openssl x509 -in "$T/dup1.crt" -noout -hash)"
finish
