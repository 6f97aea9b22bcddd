#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# docs/guide.md cannot rot: every ```sh block in it runs here, in order,
# in one shell with set -e, and must succeed.
. "$(dirname "$0")/lib.sh"

GUIDE=$(dirname "$0")/../../docs/guide.md
mkdir "$T/bin" "$T/work"
# genfic-ca on PATH is the binary under test (through $GENFIC_CA_WRAPPER).
cat >"$T/bin/genfic-ca" <<EOW
#!/bin/sh
exec ${GENFIC_CA_WRAPPER:-} "$GENFIC_CA" "\$@"
EOW
chmod +x "$T/bin/genfic-ca"
# Section 7 installs a snapshot with genfic-ocspd --install.
if [ -n "${GENFIC_OCSPD:-}" ]; then
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "${GENFIC_CA_WRAPPER:-}" "$GENFIC_OCSPD" >"$T/bin/genfic-ocspd"
	chmod +x "$T/bin/genfic-ocspd"
fi
awk '/^```sh$/ { on = 1; next } /^```$/ { on = 0 } on' "$GUIDE" >"$T/guide.sh"
blocks=$(grep -c '^```sh$' "$GUIDE")
[ "$blocks" -ge 10 ] && pass "$blocks command blocks in the guide" || fail "command blocks in the guide ($blocks)"
(cd "$T/work" && PATH="$T/bin:$PATH" sh -e "$T/guide.sh") >"$T/guide.out" 2>&1
st=$?
[ $st -eq 0 ] && pass "every command of the guide runs" ||
    { fail "every command of the guide runs (exit $st)"; tail -15 "$T/guide.out" | sed 's/^/#   /'; }
grep -q "www.crt: OK" "$T/guide.out" && pass "the guide's chain verifies" || fail "the guide's chain verifies"
grep -q "audit: .* entries, chain intact" "$T/guide.out" && pass "the guide's backup verifies" ||
    fail "the guide's backup verifies"
# Section 15: Alice's certificate, her reminder and the summary, once.
# Section 15 sends 3 messages, section 16 the reply to a mailed request.
[ "$(ls "$T/work/outbox" 2>/dev/null | wc -l)" -eq 4 ] &&
    grep -l "^To: alice@example.org" "$T/work/outbox"/* | xargs grep -l "pem-certificate-chain" >/dev/null &&
    pass "the guide's mail: 4 messages, the certificate to its owner" ||
    fail "the guide's mail: 4 messages ($(ls "$T/work/outbox" 2>/dev/null | wc -l))"
grep -q "^bob-reply.pem: OK" "$T/guide.out" &&
    grep -q "^Owner: *bob@example.org" "$T/guide.out" &&
    pass "the guide's mailed request: owner the sender, reply verifies" ||
    fail "the guide's mailed request: owner the sender, reply verifies"

# The responder line of section 7, as written, but on 127.0.0.1 and in the
# foreground (and as root without the drop, which needs a readable store).
if [ -z "${GENFIC_OCSPD:-}" ]; then
	skip "the guide's responder" "built with -Docspd=disabled"
	finish
	exit
fi
line=$(sed -n 's/^    \(genfic-ocspd .*\)$/\1/p' "$GUIDE")
[ -n "$line" ] && pass "the guide has a genfic-ocspd line" || fail "the guide has a genfic-ocspd line"
args=$(echo "$line" | sed 's/^genfic-ocspd //; s/ -u nobody$//')
[ "$(id -u)" -eq 0 ] && args="$args --allow-root"
# shellcheck disable=SC2086
(cd "$T/work" && exec "$GENFIC_OCSPD" $args --foreground -l 127.0.0.1:0) >"$T/ocspd.log" 2>&1 &
opid=$!
i=0
while [ $i -lt 100 ] && ! grep -q '^genfic-ocspd: serving' "$T/ocspd.log"; do
	sleep 0.1; i=$((i + 1))
done
port=$(sed -n 's/^genfic-ocspd: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/ocspd.log")
if [ -n "$port" ]; then
	# The root of section 1: section 12 makes certs/genfic.crt generation 2.
	(cd "$T/work" && openssl ocsp -url "http://127.0.0.1:$port/" \
	    -issuer store/certs/genfic-system.crt -cert out/www.crt \
	    -CAfile genfic-root.pem) >"$T/ans" 2>&1
	grep -q 'out/www.crt: good' "$T/ans" && grep -q 'Response verify OK' "$T/ans" &&
	    pass "the guide's responder answers" || { fail "the guide's responder answers"; sed 's/^/#   /' "$T/ans"; }
else
	fail "the guide's responder starts"; sed 's/^/#   /' "$T/ocspd.log" | head -5
fi
kill "$opid" 2>/dev/null; wait "$opid" 2>/dev/null

# The crontab line mails only when -e lists something (exit 3).
cron=$(sed -n 's/^    0 7 \* \* 1 \(.*\)$/\1/p' "$GUIDE")
mkdir "$T/mailbin"
printf '#!/bin/sh\ncat >>"%s/mailed"\n' "$T" >"$T/mailbin/mail"
chmod +x "$T/mailbin/mail"
export GENFIC_CA_DIR="$T/work/store"
(cd "$T/work" && PATH="$T/mailbin:$T/bin:$PATH" sh -c "$cron")
grep -q '^genfic-system  *CRL  *due ' "$T/mailed" 2>/dev/null &&
    grep -q '^genfic-user  *CRL  *due ' "$T/mailed" &&
    pass "the cron line mails the issuing CAs' 7-day CRLs as due" ||
    fail "the cron line mails the issuing CAs' 7-day CRLs as due"
grep -q '^genfic  *CRL' "$T/mailed" 2>/dev/null &&
    fail "the root's 365-day CRL is not due within 30 days" ||
    pass "the root's 365-day CRL is not due within 30 days"
grep -q 'genfic-system OCSP' "$T/mailed" 2>/dev/null &&
    fail "a fresh 90-day OCSP signer is not in the mail" ||
    pass "a fresh 90-day OCSP signer is not in the mail"
rm -f "$T/mailed"
(cd "$T/work" && PATH="$T/mailbin:$T/bin:$PATH" sh -c "$(echo "$cron" | sed 's/-e 30/-e 100/')")
grep -q "genfic-system OCSP" "$T/mailed" 2>/dev/null &&
    pass "the cron line mails what expires" || fail "the cron line mails what expires"
finish
