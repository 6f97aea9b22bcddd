#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Mail out: -s --mail sends each new certificate (its chain attached as
# application/pem-certificate-chain) to its owner; -e DAYS --notify sends
# each owner one reminder a day and --admin-mail a summary with the CRLs
# due.  A capturing sendmail stand-in stores each message; Python's email
# package and munpack read them; openssl verify checks the attachment.
. "$(dirname "$0")/lib.sh"

make_hierarchy || { echo "Bail out! hierarchy"; exit 1; }
USR="--passin pass:user-secret --batch"
SYS="--passin pass:system-secret --batch"
ROOT_CRT=$GENFIC_CA_DIR/certs/genfic.crt
db() { sqlite3 "$GENFIC_CA_DIR/ca.db" "$1"; }

# The stand-in: stores the message in $MAILDIR, its arguments beside it;
# refuses (exit 75, EX_TEMPFAIL) a message to fail@example.org.
MAILDIR=$T/mail
export MAILDIR
mkdir "$MAILDIR"
cat >"$T/sendmail" <<'SH'
#!/bin/sh
n=$(ls "$MAILDIR" | grep -c '\.eml$')
cat >"$MAILDIR/$n.tmp"
printf '%s\n' "$@" >"$MAILDIR/$n.args"
if grep -qi '^To: fail@example.org' "$MAILDIR/$n.tmp"; then
	rm "$MAILDIR/$n.tmp" "$MAILDIR/$n.args"
	echo "sendmail stand-in: fail@example.org: mailbox unavailable" >&2
	exit 75
fi
mv "$MAILDIR/$n.tmp" "$MAILDIR/$n.eml"
SH
chmod +x "$T/sendmail"
MAIL="--mail --sendmail $T/sendmail --mail-from ca@example.org"
msgs() { ls "$MAILDIR" | grep -c '\.eml$'; }

newkey k -algorithm EC -pkeyopt ec_paramgen_curve:P-256 ||
    { echo "Bail out! key"; exit 1; }
mkdir "$T/spool" "$T/crts"
KEYS=$T/spool
cp "$T/k.key" "$T/spool/k.key"
csr alice k "/O=Gentoo Fictional, Inc./CN=alice/emailAddress=alice@example.org"
csr bob k "/O=Gentoo Fictional, Inc./CN=bob" -addext "subjectAltName=email:bob@example.org"
csr nobody k "/O=Gentoo Fictional, Inc./CN=nobody"
csr failing k "/O=Gentoo Fictional, Inc./CN=failing/emailAddress=fail@example.org"
# Not a header's worth of trouble: UTF-8, and text that looks like a header.
csr zoe k "/O=Gentoo Fictional, Inc./CN=Zoë Bcc: victim@example.org/emailAddress=zoe@example.org" -utf8
rm "$T/spool/k.key"
KEYS=$T

# -s SPOOL --mail, the mailer failing for one owner: the others go out,
# every certificate is issued, the exit status says some mail failed.
gca -p genfic-user -s "$T/spool" -o "$T/crts" $USR \
    --mail --sendmail "$T/sendmail -t -i" --mail-from ca@example.org >"$T/out" 2>"$T/err"
st=$?
[ $st -eq 4 ] && pass "-s --mail: exit 4 when a message was not handed off" ||
    { fail "-s --mail: exit 4 when a message was not handed off (exit $st)"; sed 's/^/#   /' "$T/err"; }
[ "$(db "SELECT count(*) FROM cert WHERE ca_id = (SELECT id FROM ca WHERE name = 'genfic-user') AND is_ca = 0")" = 5 ] &&
    pass "-s --mail: every certificate issued, the failed mail undoes none" ||
    fail "-s --mail: every certificate issued"
[ "$(msgs)" = 3 ] && pass "-s --mail: three messages (alice, bob, zoe)" ||
    fail "-s --mail: three messages ($(msgs))"
grep -q "exit status 75" "$T/err" && pass "-s --mail: the failed hand-off reported with its status" ||
    fail "-s --mail: the failed hand-off reported with its status"
grep -q "has no owner: not mailed" "$T/err" && pass "-s --mail: no owner: reported, not mailed" ||
    fail "-s --mail: no owner: reported, not mailed"
[ "$(sort -u "$MAILDIR"/*.args | tr '\n' ' ')" = "-i -t " ] &&
    pass "--sendmail: split at spaces, no shell" || fail "--sendmail: split at spaces"

# Each message: parsed by Python's email package; To is the owner, one
# attachment of type application/pem-certificate-chain whose PEM verifies
# against the root; the subject decodes to what the certificate says.
python3 - "$MAILDIR" "$T/att" <<'PY'
import email, email.policy, glob, os, sys
os.makedirs(sys.argv[2])
seen = {}
for path in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    raw = open(path, "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert not msg.defects, (path, msg.defects)
    to = msg.get_all("To")
    assert len(to) == 1, to
    assert msg["From"] == "ca@example.org", msg["From"]
    assert msg["Bcc"] is None and msg.get_all("Cc") is None
    assert msg["MIME-Version"] == "1.0" and msg["Message-ID"] and msg["Date"]
    for line in raw.split(b"\n"):
        assert len(line) <= 998 and line.isascii(), line
    atts = [p for p in msg.iter_attachments()]
    assert len(atts) == 1, atts
    a = atts[0]
    assert a.get_content_type() == "application/pem-certificate-chain"
    pem = a.get_content()
    if isinstance(pem, bytes):
        pem = pem.decode()
    assert pem.count("BEGIN CERTIFICATE") == 2, pem   # leaf + genfic-user
    open(os.path.join(sys.argv[2], str(to[0]) + ".pem"), "w").write(pem)
    body = msg.get_body(("plain",)).get_content()
    assert "Serial:" in body and a.get_filename() in body
    seen[str(to[0])] = str(msg["Subject"])
assert sorted(seen) == ["alice@example.org", "bob@example.org", "zoe@example.org"], seen
assert seen["zoe@example.org"] == "Your certificate Zoë Bcc: victim@example.org (genfic-user)", seen
PY
[ $? -eq 0 ] && pass "email: well-formed, To the owner, the chain attached" ||
    fail "email: well-formed, To the owner, the chain attached"
for who in alice bob zoe; do
	f=$T/att/$who@example.org.pem
	openssl verify -CAfile "$ROOT_CRT" -untrusted "$f" "$f" >/dev/null 2>&1 &&
	    pass "openssl verify: $who's attachment against the root" ||
	    fail "openssl verify: $who's attachment against the root"
done
grep -q "^Subject: =?UTF-8?B?" "$MAILDIR"/*.eml && pass "a UTF-8 subject is RFC 2047-encoded" ||
    fail "a UTF-8 subject is RFC 2047-encoded"
# munpack unpacks each message: the attachment, under its own name.
mkdir "$T/unpacked"
ok=1
for m in "$MAILDIR"/*.eml; do
	(cd "$T/unpacked" && munpack -q "$m" >/dev/null 2>&1) || ok=0
done
n=$(ls "$T/unpacked" | grep -c '^[0-9A-F]*\.pem$')
[ $ok = 1 ] && [ "$n" = 3 ] && pass "munpack: three .pem attachments" ||
    fail "munpack: three .pem attachments ($n)"
for f in "$T"/unpacked/*.pem; do
	openssl verify -CAfile "$ROOT_CRT" -untrusted "$f" "$f" >/dev/null 2>&1 || ok=0
done
[ $ok = 1 ] && pass "munpack: what it unpacks verifies" || fail "munpack: what it unpacks verifies"
[ "$(db "SELECT count(*) FROM notice WHERE kind = 'certificate'")" = 3 ] &&
    pass "sent notices recorded (3)" || fail "sent notices recorded"

# A CN with CR/LF never reaches a header: refused at signing.
openssl req -new -key "$T/k.key" -subj "$(printf '/CN=x\r\nBcc: victim@example.org/emailAddress=eve@example.org')" \
    -out "$T/crlf.req" 2>/dev/null
before=$(msgs)
gca -p genfic-user -s "$T/crlf.req" -o "$T/crlf.crt" $USR $MAIL >/dev/null 2>"$T/err"
[ $? -eq 1 ] && [ "$(msgs)" = "$before" ] && grep -q "control character" "$T/err" &&
    pass "a CN with CR/LF: refused, nothing mailed" || fail "a CN with CR/LF: refused, nothing mailed"

# To standard output: the PEM alone, what was mailed said on stderr.
csr stdout k "/O=Gentoo Fictional, Inc./CN=stdout/emailAddress=out@example.org"
gca -p genfic-user -s "$T/stdout.req" $USR $MAIL >"$T/stdout.pem" 2>"$T/err"
[ "$(grep -Evc '^(-----(BEGIN|END) CERTIFICATE-----|[A-Za-z0-9+/=]+)$' "$T/stdout.pem")" = 0 ] && openssl x509 -in "$T/stdout.pem" -noout &&
    grep -q "mailed genfic-user .* to out@example.org" "$T/err" &&
    pass "-s --mail to stdout: only the certificate there" || fail "-s --mail to stdout: only the certificate there"

# Mail options: where they belong, and a From: address.
refuse "--mail goes with -s" 2 "--mail goes with -s" gca -l --mail --mail-from ca@example.org
refuse "--notify goes with -e" 2 "--notify goes with -e" gca -l --notify --admin-mail a@example.org
refuse "--mail needs a From:" 2 "need a From" gca -p genfic-user -s "$T/crlf.req" $USR --mail
refuse "--sendmail alone" 2 "go with --mail" gca -l --sendmail true
refuse "--admin-mail: an address" 2 "owner: " gca -e 30 --notify --admin-mail "$(printf 'a@example.org\nBcc: x@example.org')"
refuse "--mail-timeout: a number" 2 "mail-timeout" gca -e 30 --notify --admin-mail a@example.org --mail-timeout 0

# A mailer that does not answer is killed after --mail-timeout; one that
# cannot be run is reported; neither stops the run.
printf '#!/bin/sh\nsleep 30\n' >"$T/slow"; chmod +x "$T/slow"
csr slow k "/O=Gentoo Fictional, Inc./CN=slow/emailAddress=slow@example.org"
start=$(date +%s)
gca -p genfic-user -s "$T/slow.req" -o "$T/slow.crt" $USR --mail --sendmail "$T/slow" \
    --mail-from ca@example.org --mail-timeout 1 >/dev/null 2>"$T/err"
st=$? took=$(($(date +%s) - start))
[ $st -eq 4 ] && [ $took -lt 10 ] && grep -q "no answer in 1 s" "$T/err" && [ -s "$T/slow.crt" ] &&
    pass "--mail-timeout: a hung mailer killed, the certificate kept" ||
    fail "--mail-timeout: a hung mailer killed (exit $st, ${took}s)"
csr gone k "/O=Gentoo Fictional, Inc./CN=gone/emailAddress=gone@example.org"
gca -p genfic-user -s "$T/gone.req" -o "$T/gone.crt" $USR --mail --sendmail "$T/no-such-mailer" \
    --mail-from ca@example.org >/dev/null 2>"$T/err"
[ $? -eq 4 ] && grep -q "could not be run" "$T/err" && pass "--sendmail: a mailer that cannot run is reported" ||
    fail "--sendmail: a mailer that cannot run is reported"

# --notify: owners of certificates expiring within DAYS, one reminder each
# (alice has two), the admin a summary with the CRLs due; twice a day: once.
csr alice2 k "/O=Gentoo Fictional, Inc./CN=alice2" -addext "subjectAltName=email:alice@example.org"
csr alice3 k "/O=Gentoo Fictional, Inc./CN=alice3"
csr soon k "/O=Gentoo Fictional, Inc./CN=soon/emailAddress=fail@example.org"
csr orphan k "/O=Gentoo Fictional, Inc./CN=orphan"
for c in alice2 soon orphan; do
	gca -p genfic-system -s "$T/$c.req" -o "$T/$c.crt" $SYS -v 10 >/dev/null 2>&1 ||
	    fail "sign $c"
done
gca -p genfic-system -s "$T/alice3.req" -o "$T/alice3.crt" $SYS -v 12 \
    --owner alice@example.org >/dev/null 2>&1 || fail "sign alice3"
rm -f "$MAILDIR"/*
NOTIFY="--notify --sendmail $T/sendmail --admin-mail pki@example.org"
gca -e 30 $NOTIFY >"$T/out" 2>"$T/err"
st=$?
[ $st -eq 4 ] && pass "-e --notify: exit 4, the reminder to fail@ not handed off" ||
    { fail "-e --notify: exit 4 (exit $st)"; sed 's/^/#   /' "$T/err"; }
grep -q "orphan" "$T/out" && pass "-e --notify: the table still printed" || fail "-e --notify: the table still printed"
grep -q "has no owner: no reminder" "$T/err" && pass "-e --notify: no owner: reported" ||
    fail "-e --notify: no owner: reported"
[ "$(msgs)" = 2 ] && pass "-e --notify: alice's reminder and the summary" ||
    fail "-e --notify: alice's reminder and the summary ($(msgs))"
python3 - "$MAILDIR" <<'PY'
import email, email.policy, glob, sys
by = {}
for path in glob.glob(sys.argv[1] + "/*.eml"):
    msg = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    assert not msg.defects
    by[str(msg["To"])] = msg.get_body(("plain",)).get_content()
alice = by["alice@example.org"]
assert "CN=alice2," in alice and "CN=alice3," in alice and "orphan" not in alice, alice
admin = by["pki@example.org"]
for cn in ("alice2", "alice3", "soon", "orphan"):
    assert "CN=%s," % cn in admin, (cn, admin)
assert "(no owner)" in admin and "CRLs to issue" in admin and "genfic-user" in admin, admin
assert "reminders: 1 sent, 1 failed" in admin, admin
PY
[ $? -eq 0 ] && pass "reminders: one per owner listing theirs; the summary lists all and the CRLs" ||
    fail "reminders: one per owner listing theirs; the summary lists all and the CRLs"
gca -e 30 $NOTIFY >"$T/out" 2>"$T/err"
[ "$(msgs)" = 2 ] && grep -q "reminded alice@example.org today already" "$T/err" &&
    grep -q "summary sent to pki@example.org today already" "$T/err" &&
    pass "--notify twice in a day: sent once" || fail "--notify twice in a day: sent once ($(msgs))"
# The failed one is tried again; fixed, it goes; next day everyone again.
sed -i 's/\^To: fail@/^To: never@/' "$T/sendmail"
gca -e 30 $NOTIFY >/dev/null 2>&1
[ "$(msgs)" = 3 ] && pass "--notify: a failed reminder is sent by the next run" ||
    fail "--notify: a failed reminder is sent by the next run ($(msgs))"
db "UPDATE notice SET day = '2000-01-01'"
gca -e 30 $NOTIFY >/dev/null 2>&1
[ "$(msgs)" = 6 ] && pass "--notify: a new day, new reminders" || fail "--notify: a new day, new reminders ($(msgs))"
check "--audit-verify" gca --audit-verify

finish
