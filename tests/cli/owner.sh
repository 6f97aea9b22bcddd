#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Owners: --owner at -s, else the request's emailAddress, else its first
# rfc822Name, else the sender mail intake left in REQ.owner; kept by
# --renew and --renew-expiring; shown by -l, -S and --json; changed by
# --set-owner, audited (--audit, --audit-verify); bad addresses refused.
. "$(dirname "$0")/lib.sh"

make_hierarchy || { echo "Bail out! hierarchy"; exit 1; }
SYS="--passin pass:system-secret --batch"
USR="--passin pass:user-secret --batch"
db() { sqlite3 "$GENFIC_CA_DIR/ca.db" "$1"; }
owner_of() { db "SELECT coalesce(owner, '-') FROM cert WHERE cn = '$1'"; }

newkey k -algorithm EC -pkeyopt ec_paramgen_curve:P-256 ||
    { echo "Bail out! key"; exit 1; }
# Subject emailAddress and an email: SAN: the emailAddress wins.
csr both k "/O=Gentoo Fictional, Inc./CN=both/emailAddress=alice@example.org" \
    -addext "subjectAltName=email:bob@example.org,email:carol@example.org"
csr san k "/O=Gentoo Fictional, Inc./CN=san" \
    -addext "subjectAltName=DNS:san.example.org,email:bob@example.org,email:carol@example.org"
csr none k "/O=Gentoo Fictional, Inc./CN=none"
csr given k "/O=Gentoo Fictional, Inc./CN=given/emailAddress=alice@example.org"
csr badmail k "/O=Gentoo Fictional, Inc./CN=badmail/emailAddress=not an address"

check "-s: a request with emailAddress" gca -p genfic-user -s "$T/both.req" $USR -o "$T/both.crt"
[ "$(owner_of both)" = alice@example.org ] && pass "owner: the subject's emailAddress first" ||
    fail "owner: the subject's emailAddress first ($(owner_of both))"
check "-s: a request with email: names" gca -p genfic-user -s "$T/san.req" $USR -o "$T/san.crt"
[ "$(owner_of san)" = bob@example.org ] && pass "owner: else the first rfc822Name" ||
    fail "owner: else the first rfc822Name ($(owner_of san))"
check "-s: a request with no address" gca -p genfic-system -s "$T/none.req" $SYS -o "$T/none.crt"
[ "$(owner_of none)" = - ] && pass "owner: none when the request names none" ||
    fail "owner: none when the request names none ($(owner_of none))"
check "-s --owner" gca -p genfic-user -s "$T/given.req" $USR -o "$T/given.crt" --owner dave@example.net
[ "$(owner_of given)" = dave@example.net ] && pass "owner: --owner wins over emailAddress" ||
    fail "owner: --owner wins over emailAddress ($(owner_of given))"
check "-s: a request whose emailAddress is no address" \
    gca -p genfic-user -s "$T/badmail.req" $USR -o "$T/badmail.crt"
[ "$(owner_of badmail)" = - ] && pass "owner: an unusable emailAddress makes no owner" ||
    fail "owner: an unusable emailAddress makes no owner ($(owner_of badmail))"

# The sidecar mail intake writes: used only when the request names nobody.
mkdir "$T/spool" "$T/crts"
csr sidecar k "/O=Gentoo Fictional, Inc./CN=sidecar"
csr sidecar2 k "/O=Gentoo Fictional, Inc./CN=sidecar2/emailAddress=erin@example.org"
csr sidecar3 k "/O=Gentoo Fictional, Inc./CN=sidecar3"
mv "$T/sidecar.req" "$T/sidecar2.req" "$T/sidecar3.req" "$T/spool/"
echo sender@example.com >"$T/spool/sidecar.req.owner"
echo sender@example.com >"$T/spool/sidecar2.req.owner"
printf 'evil@example.com\r\nBcc: x@example.com\r\n' >"$T/spool/sidecar3.req.owner"
check "-s SPOOL with sidecars" gca -p genfic-user -s "$T/spool" $USR -o "$T/crts"
[ "$(owner_of sidecar)" = sender@example.com ] && pass "owner: else the sender in REQ.owner" ||
    fail "owner: else the sender in REQ.owner ($(owner_of sidecar))"
[ "$(owner_of sidecar2)" = erin@example.org ] && pass "owner: the request's own address before the sender" ||
    fail "owner: the request's own address before the sender ($(owner_of sidecar2))"
[ "$(owner_of sidecar3)" = - ] && pass "owner: a sidecar that is no address is ignored" ||
    fail "owner: a sidecar that is no address is ignored ($(owner_of sidecar3))"

# Bad addresses: refused before anything is signed, exit 2.
before=$(cert_audit_rows)
for bad in 'a b@example.org' 'a@b@example.org' 'noat.example.org' '@example.org' \
    'a@' 'a@nodot' 'a..b@example.org' '.a@example.org' 'a@-x..org' \
    "$(printf 'a@example.org\r\nBcc: x@example.org')" '<a@example.org>' \
    'a,b@example.org' 'a"b@example.org' 'é@example.org' \
    "$(printf '%065d' 0)@example.org" "a@$(printf '%0250d' 0).org"; do
	refuse "--owner refused: $(printf '%s' "$bad" | od -An -c | tr -s ' ' | head -c 60)" \
	    2 "owner: " gca -p genfic-user -s "$T/given.req" $USR -o "$T/x.crt" --owner "$bad"
done
[ "$(cert_audit_rows)" = "$before" ] && [ ! -e "$T/x.crt" ] &&
    pass "a refused --owner signs nothing" || fail "a refused --owner signs nothing"
refuse "--owner goes with -s only" 2 "--owner goes with -s" gca -l --owner a@example.org

# Shown by -l, --tsv, --json and -S.
check "-l" gca -l
grep -q "^genfic-user .*  <alice@example.org>$" "$T/out" && pass "-l shows the owner" ||
    fail "-l shows the owner"
gca -l --tsv >"$T/tsv"
awk -F '\t' '$6 ~ /CN=san/ && $9 == "bob@example.org" { ok = 1 } END { exit !ok }' "$T/tsv" &&
    pass "-l --tsv: the owner last" || fail "-l --tsv: the owner last"
gca -l --json >"$T/json"
python3 - "$T/json" <<'PY' && pass "-l --json: owner, null for none" || fail "-l --json: owner, null for none"
import json, sys
import re
rows = {re.search("CN=[^,]*", r["subject"]).group(0): r for r in json.load(open(sys.argv[1]))}
assert rows["CN=given"]["owner"] == "dave@example.net", rows["CN=given"]
assert rows["CN=none"]["owner"] is None, rows["CN=none"]
PY
check "-S" gca -S "$(openssl x509 -in "$T/san.crt" -noout -serial | cut -d= -f2)"
grep -q "^Owner: *bob@example.org$" "$T/out" && pass "-S: Owner:" || fail "-S: Owner:"
gca -S "$(openssl x509 -in "$T/none.crt" -noout -serial | cut -d= -f2)" --json >"$T/j"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["owner"] is None' "$T/j" &&
    pass "-S --json: owner null" || fail "-S --json: owner null"

# --set-owner, audited; the log still verifies.
none_serial=$(openssl x509 -in "$T/none.crt" -noout -serial | cut -d= -f2)
check "--set-owner" gca --set-owner "$none_serial" frank@example.org
[ "$(owner_of none)" = frank@example.org ] && pass "--set-owner sets it" || fail "--set-owner sets it"
gca --audit >"$T/audit"
grep "set-owner" "$T/audit" | grep -q "owner=frank@example.org" &&
    pass "--set-owner: an audit entry" || fail "--set-owner: an audit entry"
check "--audit-verify after --set-owner" gca --audit-verify
# Changed behind the log's back: --audit-verify sees it.
cp "$GENFIC_CA_DIR/ca.db" "$T/ca.db.saved"
db "UPDATE cert SET owner = 'mallory@example.org' WHERE cn = 'none'"
gca --audit-verify >"$T/out" 2>&1 && fail "--audit-verify: an owner edited behind its back" ||
    pass "--audit-verify: an owner edited behind its back"
cp "$T/ca.db.saved" "$GENFIC_CA_DIR/ca.db"
check "--set-owner '': none" gca --set-owner "$none_serial" ''
[ "$(owner_of none)" = - ] && pass "--set-owner '' clears it" || fail "--set-owner '' clears it"
refuse "--set-owner: a bad address" 2 "owner: " gca --set-owner "$none_serial" 'x@y'
refuse "--set-owner: needs VALUE ADDR" 2 "set-owner VALUE ADDR" gca --set-owner "$none_serial"
refuse "--set-owner: no such certificate" 1 "" gca --set-owner 0123456789 a@example.org
check "--audit-verify at the end" gca --audit-verify

# --renew and --renew-expiring keep the owner.
check "--renew keeps it" gca -p genfic-user --renew "$(openssl x509 -in "$T/given.crt" -noout -serial | cut -d= -f2)" \
    $USR -o "$T/given2.crt"
[ "$(db "SELECT count(*) FROM cert WHERE cn = 'given' AND owner = 'dave@example.net'")" = 2 ] &&
    pass "--renew: the renewal has the old owner" || fail "--renew: the renewal has the old owner"
csr soon k "/O=Gentoo Fictional, Inc./CN=soon"
gca -p genfic-system -s "$T/soon.req" $SYS -v 5 -o "$T/soon.crt" --owner grace@example.org >/dev/null 2>&1
mkdir "$T/renewed"
check "--renew-expiring" gca -p genfic-system --renew-expiring 10 $SYS -o "$T/renewed"
[ "$(db "SELECT count(*) FROM cert WHERE cn = 'soon' AND owner = 'grace@example.org'")" = 2 ] &&
    pass "--renew-expiring: the renewal has the old owner" ||
    fail "--renew-expiring: the renewal has the old owner"
check "--audit-verify after the renewals" gca --audit-verify

finish
