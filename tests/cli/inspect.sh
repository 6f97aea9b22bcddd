#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# --inspect FILE: the request, what would be issued from it and every
# verdict of the one request check -s runs; exit 0 if it would be issued,
# 1 if refused (the reasons printed), 2 for usage errors; nothing written.
. "$(dirname "$0")/lib.sh"

make_hierarchy || { echo "Bail out! hierarchy"; exit 1; }
ROOT="--passin pass:root-secret --batch"
check "a constrained issuing CA" gca -p genfic -c acme-system -t system-ca \
    $ROOT --passout pass:acme-secret \
    --name-constraints 'permitted;DNS:.example.org'
ACME="-p acme-system"
DB=$GENFIC_CA_DIR/ca.db

req() {
	rq_name=$1 rq_subject=$2; shift 2
	gca -R "$T/$rq_name" --subject "$rq_subject" --nopass "$@" >/dev/null 2>&1
}
req good /CN=www.example.org --san DNS:www.example.org
req evil /CN=www.example.org --san DNS:evil.com
req many /CN=m.example.org --san DNS:a.example.org,DNS:b.example.org,DNS:c.example.org
newkey weak -algorithm RSA -pkeyopt rsa_keygen_bits:1024
csr weak weak /CN=weak.example.org -outform der
# The weak request's signature broken too: the proof of possession is
# refused first, and --inspect still judges the key.
flip_sig "$T/weak.req" "$T/flipped.req"

sha256sum "$DB" >"$T/db.sum"
audit_before=$(rows audit)
certs_before=$(rows cert)
files >"$T/files.before"

check "a good request would be issued (exit 0)" gca $ACME --inspect "$T/good.req"
grep -q "^result: would be issued" "$T/out" && grep -q "^  ok        signature" "$T/out" &&
    grep -q "^  ok        name-constraints" "$T/out" &&
    grep -q "DNS:www.example.org" "$T/out" &&
    grep -q "X509v3 CRL Distribution Points\|X509v3 Key Usage" "$T/out" &&
    pass "... with its verdicts, names and extensions" ||
    fail "... with its verdicts, names and extensions"
# The validity printed is what -s would give: now + the template's days.
gca $ACME --inspect "$T/good.req" -v 30 >"$T/v30"
na=$(sed -n 's/^  not_after *//p' "$T/v30")
want=$(date -u -d "+30 days" +%Y-%m-%d)
case $na in "$want"T*) pass "-v 30 gives a notAfter 30 days on" ;;
*) fail "-v 30 gives a notAfter 30 days on ($na, want $want)" ;; esac
gca $ACME --inspect "$T/good.req" -v 36500 >"$T/v100"
grep -q "^  clamped *yes" "$T/v100" && pass "a validity past the CA's is shown clamped" ||
    fail "a validity past the CA's is shown clamped"
refuse "... or refused with --no-clamp" 1 "good.req: refused: notAfter .* (--no-clamp)" \
    gca $ACME --inspect "$T/good.req" -v 36500 --no-clamp

refuse "a name outside nameConstraints: exit 1, the subtree named" 1 \
    "evil.req: refused: RFC 5280 4.2.1.10: DNS:evil.com is outside the permitted subtrees of CA acme-system" \
    gca $ACME --inspect "$T/evil.req"
grep -q "^  refused   name-constraints: RFC 5280" "$T/out" && grep -q "^result: refused" "$T/out" &&
    pass "... and the verdict printed" || fail "... and the verdict printed"

refuse "a bad signature is refused first" 1 "flipped.req: refused: bad signature" \
    gca $ACME --inspect "$T/flipped.req"
sed -n 's/^  \(ok\|refused\|unchecked\) *\([a-zA-Z-]*\).*/\1 \2/p' "$T/out" >"$T/order"
[ "$(sed -n 2p "$T/order")" = "refused signature" ] &&
    grep -q "^refused key$" "$T/order" &&
    pass "... and every other verdict still given (the weak key too)" ||
    fail "... and every other verdict still given (the weak key too)"
refuse "-s gives the same first refusal" 1 "flipped.req: refused: bad signature" \
    gca $ACME -s "$T/flipped.req" --passin pass:acme-secret --batch

refuse "a key too small" 1 "weak.req: refused: RSA key of 1024 bits is below the template minimum 2048" \
    gca $ACME --inspect "$T/weak.req"

mkdir "$T/templates"
sed -e 's/^copy_san = yes$/copy_san = yes\
san_max = 2/' "$GENFIC_CA_TEMPLATES/server.cnf" >"$T/templates/limited.cnf"
refuse "a template's subjectAltName limit" 1 \
    "3 subjectAltName entries: template 'limited' allows 2 (san_max)" \
    gca $ACME --templates "$T/templates" -t limited --inspect "$T/many.req"
grep -q "^  refused   san-limits" "$T/out" && pass "... as the san-limits verdict" ||
    fail "... as the san-limits verdict"

# --json, read by a JSON parser.
gca $ACME --inspect "$T/evil.req" --san DNS:extra.example.org --json >"$T/evil.json" 2>/dev/null
status=$?
python3 - "$T/evil.json" <<'EOF' && [ $status -eq 1 ] &&
import json, sys
d = json.load(open(sys.argv[1]))
v = {x["check"]: x for x in d["verdicts"]}
assert d["issue"] is False and d["certificate"] is None
assert v["signature"]["result"] == "ok"
assert v["name-constraints"]["result"] == "refused"
assert "evil.com" in v["name-constraints"]["why"]
assert d["request"]["subject"] == "CN=www.example.org"
EOF
    pass "--json of a refusal parses, with the verdicts" ||
    fail "--json of a refusal parses, with the verdicts"
gca $ACME --inspect "$T/good.req" --san DNS:extra.example.org --json >"$T/good.json"
python3 - "$T/good.json" <<'EOF' &&
import json, sys
d = json.load(open(sys.argv[1]))
c = d["certificate"]
assert d["issue"] is True
assert c["ca"] == "acme-system" and c["subject"] == "CN=www.example.org"
assert c["subjectAltName"] == ["DNS:www.example.org", "DNS:extra.example.org"]
assert any(e["name"] == "X509v3 Basic Constraints" and e["critical"] for e in c["extensions"])
assert all(x["result"] == "ok" for x in d["verdicts"])
EOF
    pass "--json of an accepted request: names, --san, extensions" ||
    fail "--json of an accepted request: names, --san, extensions"

refuse "without -p or -t: a usage error" 2 "--inspect needs -p CA or -t TEMPLATE" \
    gca --inspect "$T/good.req"
refuse "a missing file" 1 "nothing.req" gca $ACME --inspect "$T/nothing.req"
check "-t alone judges by the template, no store needed" \
    gca -d "$T/nostore" -t server --inspect "$T/good.req"
[ ! -e "$T/nostore" ] && pass "... and makes none" || fail "... and makes none"

# Nothing of the above wrote anything.
sha256sum -c --quiet "$T/db.sum" && pass "the database file is unchanged" ||
    fail "the database file is unchanged"
[ "$(rows audit)" = "$audit_before" ] && [ "$(rows cert)" = "$certs_before" ] &&
    pass "no audit entry, no certificate" || fail "no audit entry, no certificate"
files | grep -v "/templates\|/v30$\|/v100$\|\.json$\|/order$\|/nostore" >"$T/files.after"
grep -v "/templates\|/v30$\|/v100$\|\.json$\|/order$\|/nostore" "$T/files.before" >"$T/files.b"
cmp -s "$T/files.b" "$T/files.after" && pass "no file written" || {
	fail "no file written"; diff "$T/files.b" "$T/files.after" | sed 's/^/#   /' | head; }
# A key revoked for keyCompromise: the key-compromise verdict names the
# revoked serial, and every other check still runs (#16).
req leaked /CN=leaked.example.org --san DNS:leaked.example.org
check "sign leaked.req" gca $ACME -s "$T/leaked.req" -o "$T/leaked.crt" \
    --passin pass:acme-secret --batch
check "revoke it for keyCompromise" gca $ACME -x "$T/leaked.crt" --reason keyCompromise
leaked=$(serial_of "$T/leaked.crt")
refuse "a key revoked for keyCompromise is refused" 1 \
    "leaked.req: refused: key revoked for keyCompromise (serial $leaked)" \
    gca $ACME --inspect "$T/leaked.req"
grep -q "^  refused   key-compromise: key revoked for keyCompromise (serial $leaked)" "$T/out" &&
    grep -q "^  ok        validity" "$T/out" && grep -q "^result: refused" "$T/out" &&
    pass "... as the key-compromise verdict, the validity still judged" ||
    fail "... as the key-compromise verdict, the validity still judged"
finish
