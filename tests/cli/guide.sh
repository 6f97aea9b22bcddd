#!/bin/sh
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
finish
