#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# --intake SPOOL: mail messages (built by Python's email package) in,
# request files out, then the spool signed with the sender as owner.
. "$(dirname "$0")/lib.sh"

S=$T/spool
mkdir "$S" "$T/certs" "$T/outside"
for n in a b c d e; do
	newkey "$n" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
	csr "$n" "$n" "/CN=$n.example.org" 2>/dev/null
done
# One request names its own address: it keeps it, whoever mails it.
csr own e "/CN=own.example.org" -addext "subjectAltName=email:own@example.org" \
    2>/dev/null

# name FILE: the spool file a request becomes (SHA-256 of its DER).
name() {
	openssl req -in "$1" -outform der | sha256sum | cut -c1-64
}
# Every message, built at once: M/NAME.eml.
M=$T/mail
mkdir "$M"
tab=$(printf '\t')
sed "s/ *| */$tab/g; s|@T@|$T|g; s|@M@|$M|g" >"$T/jobs" <<'EOF'
by-type | Alice <alice@example.org> | @M@/type.eml | @T@/a.req
by-name | bob@example.org | @M@/name.eml | @T@/b.req | @T@/c.req | @T@/d.req
text-qp | Carol <carol@example.org> | @M@/qp.eml | @T@/a.req | @T@/b.req
text-b64 | carol@example.org | @M@/b64.eml | @T@/c.req
nested | dave@example.org | @M@/nested.eml | @T@/a.req | @T@/b.req
slash | eve@example.org | @M@/slash.eml | @T@/a.req
dotdot | eve@example.org | @M@/dotdot.eml | @T@/a.req
control | eve@example.org | @M@/control.eml | @T@/a.req
long | eve@example.org | @M@/long.eml | @T@/a.req
nul | eve@example.org | @M@/nul.eml | @T@/a.req
many | mallory@example.org | @M@/many.eml | @T@/a.req
deep | mallory@example.org | @M@/deep.eml | @T@/a.req
big | mallory@example.org | @M@/big.eml | @T@/a.req
junk | mallory@example.org | @M@/junk.eml
by-type | Alice <alice@example.org> | @M@/dup1.eml | @T@/a.req | @T@/own.req
by-name | Bob <bob@example.org> | @M@/dup2.eml | @T@/a.req | @T@/b.req
by-type | bob@example.org | @M@/dup3.eml | @T@/a.req
by-type | "x" <bad address@example.org> | @M@/nofrom.eml | @T@/c.req
EOF
python3 "$(dirname "$0")/mkmail.py" <"$T/jobs" ||
    { echo "Bail out! mkmail.py"; exit 1; }
# mail NAME: message M/NAME.eml into the spool; $T/err gets the log.
mail() {
	gca --intake "$S" <"$M/$1.eml" >"$T/out" 2>"$T/err"
}
# spooled FILE: FILE's request is in the spool, the same DER.
spooled() {
	[ "$(openssl req -in "$S/$(name "$1").req" -outform der 2>/dev/null |
	    sha256sum)" = "$(openssl req -in "$1" -outform der | sha256sum)" ]
}
files() {
	find "$S" -type f | wc -l
}

mail type; st=$?
[ $st -eq 0 ] && spooled "$T/a.req" && pass "application/pkcs10 (DER, base64)" ||
    fail "application/pkcs10 (exit $st)"
[ "$(stat -c %a "$S/$(name "$T/a.req").req")" = 644 ] && pass "mode 0644" ||
    fail "mode 0644"
[ "$(cat "$S/$(name "$T/a.req").req.owner")" = alice@example.org ] &&
    pass "sender in the sidecar" || fail "sender in the sidecar"
grep -q "^genfic-ca: intake: part 3: spooled as $(name "$T/a.req").req" "$T/err" &&
    pass "log line per request" || fail "log line per request"

mail name; st=$?
[ $st -eq 0 ] && spooled "$T/b.req" && spooled "$T/c.req" && spooled "$T/d.req" &&
    pass "by name: .csr, .REQ, .pem (octet-stream, PEM)" || fail "by name (exit $st)"
rm -f "$S"/*

mail qp; st=$?
[ $st -eq 0 ] && spooled "$T/a.req" && spooled "$T/b.req" &&
    pass "PEM blocks in a quoted-printable text part, CRLF" || fail "text, QP (exit $st)"
rm -f "$S"/*
mail b64; st=$?
[ $st -eq 0 ] && spooled "$T/c.req" && pass "PEM in a base64 text part" ||
    fail "text, base64 (exit $st)"
rm -f "$S"/*

mail nested; st=$?
[ $st -eq 0 ] && spooled "$T/a.req" && spooled "$T/b.req" && [ "$(files)" -eq 4 ] &&
    pass "nested multiparts and a forwarded message" || fail "nested (exit $st)"
[ "$(cat "$S/$(name "$T/b.req").req.owner")" = dave@example.org ] &&
    pass "forwarded: the outer sender is the candidate" || fail "forwarded owner"
rm -f "$S"/*

# Hostile file names: the file is named by its content, nothing else.
for kind in slash dotdot control long; do
	mail $kind; st=$?
	if [ $st -eq 0 ] && spooled "$T/a.req" && [ "$(files)" -eq 2 ] &&
	    [ -z "$(ls -A "$T/outside")" ] && [ ! -e /tmp/evil.csr ] &&
	    [ ! -e /tmp/evil.req ] && ! grep -q "$(printf '\033')" "$T/err"; then
		pass "hostile name ($kind): spooled by content, log escaped"
	else
		fail "hostile name ($kind) (exit $st)"; sed 's/^/#   /' "$T/err"
	fi
	rm -f "$S"/*
done
mail nul; st=$?
[ $st -eq 1 ] && [ "$(files)" -eq 0 ] && grep -q "ignored" "$T/err" &&
    pass "name with NUL: not a request name, ignored (exit 1)" || fail "NUL name (exit $st)"

# 10 000 parts: refused whole, in bounded time, nothing written.
start=$(date +%s)
mail many; st=$?
took=$(( $(date +%s) - start ))
[ $st -eq 1 ] && [ "$(files)" -eq 0 ] && [ $took -lt 20 ] &&
    grep -q "^genfic-ca: intake: more than 1000 MIME parts" "$T/err" &&
    pass "10 000 parts refused (${took}s)" || fail "10 000 parts (exit $st, ${took}s)"
mail deep; st=$?
[ $st -eq 1 ] && [ "$(files)" -eq 0 ] && grep -q "nested more than 16 deep" "$T/err" &&
    pass "40 nested multiparts refused" || fail "deep nesting (exit $st)"
mail big; st=$?
[ $st -eq 1 ] && [ "$(files)" -eq 0 ] &&
    grep -q "^genfic-ca: intake: message larger than 2097152 bytes" "$T/err" &&
    pass "message size cap" || fail "message size cap (exit $st)"

# A zip, junk named .csr, a broken PEM, an oversized request, a picture.
mail junk; st=$?
if [ $st -eq 1 ] && [ "$(files)" -eq 0 ] &&
    grep -q "requests.zip): ignored: not a request (application/zip)" "$T/err" &&
    grep -q "x.csr): ignored: not a certificate request" "$T/err" &&
    grep -q "broken.req): ignored: a PEM block that does not decode" "$T/err" &&
    grep -q "part 6: ignored: larger than a request may be" "$T/err" &&
    grep -q "cat.gif): ignored: not a request (image/gif)" "$T/err" &&
    grep -q "no certificate request in the message" "$T/err"; then
	pass "zip and junk ignored, each with its reason; exit 1"
else
	fail "zip and junk (exit $st)"; sed 's/^/#   /' "$T/err"
fi
printf 'not a mail\n' | gca --intake "$S" >/dev/null 2>"$T/err"; st=$?
[ $st -eq 1 ] && [ "$(files)" -eq 0 ] && pass "plain text: exit 1" ||
    fail "plain text (exit $st)"
refuse "spool must be a directory" 1 "not a directory" \
    gca --intake "$T/nowhere" </dev/null

# The same request in two messages: one file, the first sender kept.
mail dup1
mail dup2; st=$?
[ $st -eq 0 ] && [ "$(files)" -eq 6 ] &&
    grep -q "part 3 (host0.csr): already in the spool" "$T/err" &&
    pass "duplicate across two messages: one file" || fail "duplicate (exit $st)"
[ "$(cat "$S/$(name "$T/a.req").req.owner")" = alice@example.org ] &&
    pass "duplicate: first sender kept" || fail "duplicate: first sender kept"
mail dup3; st=$?
[ $st -eq 0 ] && pass "a message of only known requests: exit 0" ||
    fail "only known requests (exit $st)"
# No usable From: spooled, no owner candidate.
mail nofrom; st=$?
[ $st -eq 0 ] && spooled "$T/c.req" && [ ! -e "$S/$(name "$T/c.req").req.owner" ] &&
    grep -q "no usable From address" "$T/err" &&
    pass "unusable From: request spooled, no sidecar" || fail "unusable From (exit $st)"

# contrib/mail/procmailrc, run by procmail: requests in, junk kept aside.
if command -v procmail >/dev/null; then
	mkdir "$T/s2"
	for m in type junk; do
		procmail -m SPOOL="$T/s2" REJECTED="$T/rejected/" \
		    LOGFILE="$T/procmail.log" GENFIC_CA="$GENFIC_CA" \
		    "$(dirname "$0")/../../contrib/mail/procmailrc" <"$M/$m.eml"
	done
	[ -f "$T/s2/$(name "$T/a.req").req" ] &&
	    [ "$(ls "$T/rejected/new" | wc -l)" -eq 1 ] &&
	    grep -q "requests.zip): ignored" "$T/procmail.log" &&
	    pass "procmailrc: requests to the spool, the refused message kept" ||
	    { fail "procmailrc"; sed 's/^/#   /' "$T/procmail.log"; }
else
	skip "procmailrc: no procmail"
fi

# contrib/mail/fetchmailrc as fetchmail reads it: each message to procmail,
# deleted from the server once delivered.
if command -v fetchmail >/dev/null; then
	cp "$(dirname "$0")/../../contrib/mail/fetchmailrc" "$T/fetchmailrc"
	chmod 600 "$T/fetchmailrc"
	HOME=$T fetchmail -f "$T/fetchmailrc" --configdump >"$T/dump" 2>"$T/err"
	grep -q '"mda":"/usr/bin/procmail -f %F"' "$T/dump" &&
	    grep -q "'keep':FALSE" "$T/dump" && grep -q "'sslcertck':TRUE" "$T/dump" &&
	    pass "fetchmailrc: fetchmail reads it; procmail, TLS checked, no keep" ||
	    { fail "fetchmailrc"; sed 's/^/#   /' "$T/err"; }
else
	skip "fetchmailrc: no fetchmail"
fi

# The spool signed: the sender owns what names no address of its own.
make_hierarchy || { echo "Bail out! hierarchy"; exit 1; }
gca -p genfic-user --passin pass:user-secret --batch -s "$S" -o "$T/certs" \
    >"$T/out" 2>"$T/err"; st=$?
[ $st -eq 0 ] && [ "$(ls "$T/certs" | wc -l)" -eq 4 ] &&
    pass "the spool signs the mailed requests" || {
	fail "spool signing (exit $st)"; sed 's/^/#   /' "$T/err"; }
owner_of() {
	gca -S "$(openssl req -in "$1" -noout -subject -nameopt RFC2253 |
	    sed 's/^subject=CN=//')" --json |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["owner"])'
}
[ "$(owner_of "$T/a.req")" = alice@example.org ] &&
    [ "$(owner_of "$T/b.req")" = bob@example.org ] &&
    pass "owner = the sender when the request names none" ||
    fail "owner = sender ($(owner_of "$T/a.req"), $(owner_of "$T/b.req"))"
[ "$(owner_of "$T/own.req")" = own@example.org ] &&
    pass "owner = the request's own address before the sender" ||
    fail "own address ($(owner_of "$T/own.req"))"
[ "$(owner_of "$T/c.req")" = None ] && pass "no sidecar: no owner" ||
    fail "no sidecar ($(owner_of "$T/c.req"))"
check "a mailed certificate verifies" openssl verify -CAfile \
    "$GENFIC_CA_DIR/certs/genfic.crt" -untrusted \
    "$GENFIC_CA_DIR/certs/genfic-user.crt" "$T/certs/$(name "$T/a.req").crt"
finish
