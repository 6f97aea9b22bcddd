#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# --recertify and --rollover (issue 16, items 3 and 4): a CA certified
# again with its key, CAs rolled to a new key under the same name, what
# each generation issued checked by openssl verify -crl_check_all, GnuTLS
# certtool and genfic-ocspd; refusals that change nothing; a store of
# schema 3 upgraded.
if [ -n "${GENFIC_OCSPD:-}" ]; then
	. "$(dirname "$0")/../ocsp/lib.sh"
else
	. "$(dirname "$0")/lib.sh"
fi

P=pass:rollover-secret
S=$GENFIC_CA_DIR

# leaf NAME CA: key + request, signed by CA into $T/NAME.crt.
leaf() {
	gca -R "$T/$1" --nopass --subject "/CN=$1.example" --batch \
	    >/dev/null 2>&1 &&
	gca -p "$2" -s "$T/$1.req" -o "$T/$1.crt" --passin $P --batch \
	    >/dev/null 2>&1
}

# state: the store's content (its SQL, and every other file with its hash).
state() {
	sqlite3 "$S/ca.db" .dump | sha256sum
	(cd "$S" && find . -type f ! -name 'ca.db*' -exec sha256sum {} + |
	    LC_ALL=C sort)
}

# refuse_same DESC STATUS FRAGMENT COMMAND...: refused, store unchanged.
refuse_same() {
	rs_desc=$1
	state >"$T/state.before"
	refuse "$@"
	state >"$T/state.after"
	if cmp -s "$T/state.before" "$T/state.after"; then
		pass "$rs_desc: store unchanged"
	else
		fail "$rs_desc: store unchanged"
		diff "$T/state.before" "$T/state.after" | sed 's/^/#   /' | head
	fi
}

# verify_crl DESC WANT CERT UNTRUSTED: openssl verify -crl_check_all of
# CERT against both roots and every CRL in the store; WANT is OK or the
# error openssl names.
verify_crl() {
	cat "$S"/crl/*.crl >"$T/crls.pem"
	openssl verify -crl_check_all -CAfile "$T/roots.pem" \
	    -untrusted "$4" -CRLfile "$T/crls.pem" "$3" >"$T/out" 2>&1
	if grep -q -- "$2" "$T/out"; then pass "$1"; else
		fail "$1"; sed 's/^/#   /' "$T/out" | head -5; fi
}

pubkey() {
	openssl x509 -in "$1" -noout -pubkey
}

ski() {
	openssl x509 -in "$1" -noout -ext subjectKeyIdentifier | tail -1
}

aki() {
	openssl x509 -in "$1" -noout -ext authorityKeyIdentifier |
	    sed -n 's/^ *\(keyid:\)\{0,1\}//p' | tail -1
}

gca -r genfic -v 7300 --subject "/C=BE/O=Gentoo Fictional, Inc./CN=GenFic Root CA" \
    --passout $P --batch -o "$T/root1.pem" 2>/dev/null
gca -p genfic -c genfic-system -v 3650 --passin $P --passout $P --batch \
    -o "$T/system1.pem" 2>/dev/null
gca -p genfic -c genfic-user -v 3650 --passin $P --passout $P --batch \
    -o "$T/user1.pem" 2>/dev/null
check "a leaf under genfic-system" leaf old-host genfic-system
check "two leaves under genfic-user" eval "leaf old-user genfic-user && leaf old-user2 genfic-user"

# --- Refusals: nothing changes.
refuse_same "recertify an unknown CA" 1 "nosuch: no CA named 'nosuch'" \
    gca --recertify nosuch --passin $P --batch
refuse_same "rollover of a leaf's label" 1 "old-host: no CA named" \
    gca --rollover old-host --passin $P --passout $P --batch
refuse_same "recertify with the wrong passphrase" 1 "wrong passphrase" \
    gca --recertify genfic-system --passin pass:wrong-one --batch
refuse_same "rollover with the wrong passphrase" 1 "wrong passphrase" \
    gca --rollover genfic --passin pass:wrong-one --passout $P --batch
refuse_same "rollover without a new passphrase in batch mode" 1 "" \
    gca --rollover genfic-user --passin $P --batch
refuse_same "recertify whose commit fails" 1 "commit" \
    preloaded "$GF_FAILCOMMIT" "$GENFIC_CA" --recertify genfic-system \
    --passin $P --batch
# The new key is written before the transaction, and removed with it.
refuse_same "rollover whose commit fails leaves no key" 1 "commit" \
    preloaded "$GF_FAILCOMMIT" "$GENFIC_CA" --rollover genfic --passin $P \
    --passout $P --batch

# --- Year 10: the system CA certified again with its key.
check "--recertify genfic-system" gca --recertify genfic-system -v 3650 \
    --passin $P --batch -o "$T/system1b.pem"
check "same key" sh -c "[ \"\$(openssl x509 -in '$T/system1.pem' -noout -pubkey)\" = \
    \"\$(openssl x509 -in '$T/system1b.pem' -noout -pubkey)\" ]"
check "same subject" sh -c "[ \"\$(openssl x509 -in '$T/system1.pem' -noout -subject)\" = \
    \"\$(openssl x509 -in '$T/system1b.pem' -noout -subject)\" ]"
check "a new serial" not cmp -s "$T/system1.pem" "$T/system1b.pem"
check "certs/genfic-system.crt is the new one" cmp "$S/certs/genfic-system.crt" "$T/system1b.pem"
check "both certificates stay recorded" sh -c "[ \$(sqlite3 '$S/ca.db' \
    \"SELECT count(*) FROM cert WHERE subject LIKE 'CN=genfic-system,%'\") -eq 2 ]"
check "the CA row points at the new one" sh -c "[ \"\$(sqlite3 '$S/ca.db' \
    \"SELECT hex(cert.serial) FROM ca JOIN cert ON cert.id = ca.cert_id WHERE ca.name = 'genfic-system'\")\" = \
    \"$(serial_of "$T/system1b.pem")\" ]"
check "audited as recertify" sh -c "sqlite3 '$S/ca.db' \"SELECT operation, object FROM audit\" |
    grep -qx 'recertify|ca'"
cat "$T/root1.pem" >"$T/roots.pem"
gca -p genfic-system -g --passin $P --batch -o /dev/null 2>/dev/null
gca -p genfic -g --passin $P --batch -o /dev/null 2>/dev/null
verify_crl "an earlier leaf verifies with the old system CA certificate" \
    ": OK" "$T/old-host.crt" "$T/system1.pem"
verify_crl "... and with the new one" ": OK" "$T/old-host.crt" "$T/system1b.pem"
cat "$T/old-host.crt" "$T/system1b.pem" "$T/root1.pem" >"$T/chain.pem"
check "certtool --verify-chain with the new one" sh -c "certtool --verify-chain \
    --infile '$T/chain.pem' | grep -q 'Chain verification output: Verified'"

# --- The root rolled over, then the user CA under the new root.
check "--rollover genfic" gca --rollover genfic --passin $P --passout $P \
    --batch -o "$T/root2.pem"
check "a new key" not cmp -s "$S/private/genfic.key" "$S/private/genfic.2.key"
check "the new key is encrypted" grep -q "ENCRYPTED PRIVATE KEY" "$S/private/genfic.2.key"
check "the old root stays as certs/genfic.1.crt" cmp "$S/certs/genfic.1.crt" "$T/root1.pem"
check "certs/genfic.crt is generation 2" cmp "$S/certs/genfic.crt" "$T/root2.pem"
check "the new root is self-signed" openssl verify -CAfile "$T/root2.pem" "$T/root2.pem"
check "cross-certificate 1->2: the new key under the old" sh -c "
    openssl verify -CAfile '$T/root1.pem' '$S/certs/genfic.cross-1-2.crt' &&
    [ \"\$(openssl x509 -in '$S/certs/genfic.cross-1-2.crt' -noout -pubkey)\" = \
      \"\$(openssl x509 -in '$T/root2.pem' -noout -pubkey)\" ]"
check "cross-certificate 2->1: the old key under the new" sh -c "
    openssl verify -CAfile '$T/root2.pem' '$S/certs/genfic.cross-2-1.crt' &&
    [ \"\$(openssl x509 -in '$S/certs/genfic.cross-2-1.crt' -noout -pubkey)\" = \
      \"\$(openssl x509 -in '$T/root1.pem' -noout -pubkey)\" ]"
check "the system CA (issued by generation 1) chains to the new root through 2->1" \
    openssl verify -CAfile "$T/root2.pem" -untrusted "$S/certs/genfic.cross-2-1.crt" \
    "$T/system1b.pem"
check "--rollover genfic-user" gca --rollover genfic-user --passin $P \
    --passout $P --batch -o "$T/user2.pem"
check "its new certificate is signed by root generation 2" \
    openssl verify -CAfile "$T/root2.pem" "$T/user2.pem"
check "... and chains to the old root through 1->2" \
    openssl verify -CAfile "$T/root1.pem" -untrusted "$S/certs/genfic.cross-1-2.crt" \
    "$T/user2.pem"
check "generation 1 of genfic-user stays as certs/genfic-user.1.crt" \
    cmp "$S/certs/genfic-user.1.crt" "$T/user1.pem"
check "no cross-certificates for an intermediate" \
    not sh -c "ls '$S/certs' | grep -q 'genfic-user.cross'"
check "new issuance under generation 2" leaf new-user genfic-user
check "... its AKI is the new key's" sh -c "[ \"\$(openssl x509 -in '$T/new-user.crt' -noout -ext authorityKeyIdentifier | tail -1 | tr -d ' ')\" = \
    \"keyid:\$(openssl x509 -in '$T/user2.pem' -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')\" ] ||
    [ \"\$(openssl x509 -in '$T/new-user.crt' -noout -ext authorityKeyIdentifier | tail -1 | tr -d ' ')\" = \
    \"\$(openssl x509 -in '$T/user2.pem' -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')\" ]"
check "a second leaf under generation 2" leaf new-user2 genfic-user

# --- One revoked of each generation; -g signs one CRL per live generation.
check "revoke an old-generation certificate" gca -p genfic-user \
    -x "$(serial_of "$T/old-user.crt")" --reason keyCompromise --passin $P --batch
check "revoke a new-generation certificate" gca -p genfic-user \
    -x "$(serial_of "$T/new-user.crt")" --passin $P --batch
check "-g genfic-user" gca -p genfic-user -g --passin $P --batch -o "$T/user.crl"
check "... writes crl/genfic-user.crl (generation 2) and crl/genfic-user.1.crl" \
    test -f "$S/crl/genfic-user.crl" -a -f "$S/crl/genfic-user.1.crl"
check "-o gets the current generation's" cmp "$T/user.crl" "$S/crl/genfic-user.crl"
check "generation 1's CRL is signed by its key" openssl crl -in "$S/crl/genfic-user.1.crl" \
    -CAfile "$T/user1.pem" -noout
check "generation 2's CRL is signed by its key" openssl crl -in "$S/crl/genfic-user.crl" \
    -CAfile "$T/user2.pem" -noout
check "generation 1's CRL lists the old certificate, not the new" sh -c "
    openssl crl -in '$S/crl/genfic-user.1.crl' -noout -text > '$T/crl1.txt' &&
    grep -q '$(serial_of "$T/old-user.crt")' '$T/crl1.txt' &&
    ! grep -q '$(serial_of "$T/new-user.crt")' '$T/crl1.txt'"
check "generation 2's CRL lists the new certificate, not the old" sh -c "
    openssl crl -in '$S/crl/genfic-user.crl' -noout -text > '$T/crl2.txt' &&
    grep -q '$(serial_of "$T/new-user.crt")' '$T/crl2.txt' &&
    ! grep -q '$(serial_of "$T/old-user.crt")' '$T/crl2.txt'"
check "certtool verifies generation 1's CRL" certtool --verify-crl \
    --load-ca-certificate "$T/user1.pem" --infile "$S/crl/genfic-user.1.crl"
check "-g genfic: generation 1 still has CAs to answer for" gca -p genfic -g \
    --passin $P --batch -o /dev/null
check "... crl/genfic.1.crl" openssl crl -in "$S/crl/genfic.1.crl" -CAfile "$T/root1.pem" -noout
gca -p genfic-system -g --passin $P --batch -o /dev/null 2>/dev/null
check "genfic-system (never rolled over) has one CRL" not test -e "$S/crl/genfic-system.1.crl"

cat "$T/root1.pem" "$T/root2.pem" >"$T/roots.pem"
cat "$T/user1.pem" "$T/user2.pem" "$S/certs/genfic.cross-2-1.crt" >"$T/users.pem"
verify_crl "old generation, revoked: openssl says revoked" "certificate revoked" \
    "$T/old-user.crt" "$T/users.pem"
verify_crl "new generation, revoked: openssl says revoked" "certificate revoked" \
    "$T/new-user.crt" "$T/users.pem"
verify_crl "old generation, valid: OK with every CRL checked" ": OK" \
    "$T/old-user2.crt" "$T/users.pem"
verify_crl "new generation, valid: OK with every CRL checked" ": OK" \
    "$T/new-user2.crt" "$T/users.pem"
verify_crl "the system CA's leaf, across the root's rollover" ": OK" \
    "$T/old-host.crt" "$T/system1b.pem"
cat "$T/new-user2.crt" "$T/user2.pem" "$T/root2.pem" >"$T/chain.pem"
check "certtool --verify-chain: generation 2 leaf, user CA, root" sh -c "certtool \
    --verify-chain --infile '$T/chain.pem' | grep -q 'Chain verification output: Verified'"
cat "$T/old-user2.crt" "$T/user1.pem" "$T/root1.pem" >"$T/chain.pem"
check "certtool --verify-chain: generation 1 leaf, user CA, root" sh -c "certtool \
    --verify-chain --infile '$T/chain.pem' | grep -q 'Chain verification output: Verified'"

check "-E --format chain: a generation 1 leaf with generation 1's CA" sh -c "
    '$GENFIC_CA' -E '$(serial_of "$T/old-user2.crt")' --format chain -o '$T/old-chain.pem' &&
    openssl verify -CAfile '$T/root1.pem' -untrusted '$T/old-chain.pem' '$T/old-user2.crt'"
check "-E --format chain: a generation 2 leaf with generation 2's" sh -c "
    '$GENFIC_CA' -E '$(serial_of "$T/new-user2.crt")' --format chain -o '$T/new-chain.pem' &&
    openssl verify -CAfile '$T/root2.pem' -untrusted '$T/new-chain.pem' '$T/new-user2.crt'"

# --- -l and -S show the generation.
check "-l: generation 2's certificates under genfic-user#2" sh -c "'$GENFIC_CA' -l -p genfic-user |
    grep '^genfic-user#2 ' | grep -q new-user2.example"
check "-l: generation 1's under genfic-user" sh -c "'$GENFIC_CA' -l -p genfic-user |
    grep '^genfic-user ' | grep -q old-user2.example"
check "-l --json: a generation field" sh -c "'$GENFIC_CA' -l --json -p genfic-user |
    grep 'new-user2.example' | grep -q '\"generation\":2'"
check "-S: the generation that signed it" sh -c "'$GENFIC_CA' -S '$(serial_of "$T/new-user2.crt")' |
    grep -qx 'Generation: genfic-user generation 2'"
check "-S --json: generation" sh -c "'$GENFIC_CA' -S '$(serial_of "$T/old-user2.crt")' --json |
    grep -q '\"generation\":1'"
check "--show-ca --json: the current generation and each one's key" sh -c "
    '$GENFIC_CA' --show-ca genfic-user --json | grep '\"generation\":2,' |
    grep '\"key\":\"file:private/genfic-user.key\"' | grep -q '\"key\":\"file:private/genfic-user.2.key\"'"
check "--show-ca: generation 1 still signs CRLs" sh -c "
    '$GENFIC_CA' --show-ca genfic-user | grep '^generations ' |
    grep -q '\"generation\":1,\"current\":false,[^}]*\"signs_crls\":true'"
check "--show-ca --json: the current generation's serial is its certificate's" python3 -c "
import json, subprocess
d = json.loads(subprocess.check_output(['$GENFIC_CA', '--show-ca', 'genfic-user', '--json']))
g = [g for g in d['generations'] if g['current']]
assert len(g) == 1 and g[0]['serial'] == '$(serial_of "$S/certs/genfic-user.crt")', d['generations']
"
check "--audit-verify: a store with a recertify and rollovers verifies" gca --audit-verify
check "... each generation row is audited" sh -c "[ \$(sqlite3 '$S/ca.db' \
    \"SELECT count(*) FROM audit WHERE object = 'generation'\") -eq 5 ]"
sqlite3 "$S/ca.db" "UPDATE ca_generation SET first_cert = first_cert + 1 WHERE generation = 2 AND ca_id = (SELECT id FROM ca WHERE name = 'genfic-user')"
check "--audit-verify finds an edited generation" sh -c "'$GENFIC_CA' --audit-verify 2>&1 |
    grep -q 'generation 2 of genfic-user: state differs'"
sqlite3 "$S/ca.db" "UPDATE ca_generation SET first_cert = first_cert - 1 WHERE generation = 2 AND ca_id = (SELECT id FROM ca WHERE name = 'genfic-user')"

# --- genfic-ocspd answers for both generations (each signs its own).
if [ -n "${GENFIC_OCSPD:-}" ] && start_ocspd "$T/ocspd.log" -d "$S" --passin $P; then
	pass "genfic-ocspd starts on a store with rolled-over CAs"
	ask "OCSP: generation 1, revoked" "old-user.crt: revoked" -issuer "$T/user1.pem" \
	    -cert "$T/old-user.crt" -CAfile "$T/roots.pem"
	ask "OCSP: generation 1, good" "old-user2.crt: good" -issuer "$T/user1.pem" \
	    -cert "$T/old-user2.crt" -CAfile "$T/roots.pem"
	ask "OCSP: generation 2, revoked" "new-user.crt: revoked" -issuer "$T/user2.pem" \
	    -cert "$T/new-user.crt" -CAfile "$T/roots.pem"
	ask "OCSP: generation 2, good" "new-user2.crt: good" -issuer "$T/user2.pem" \
	    -cert "$T/new-user2.crt" -CAfile "$T/roots.pem"
	# A CertID names a key: a serial that key never signed is unknown.
	ask "OCSP: a generation 2 certificate asked of generation 1: unknown" \
	    "new-user2.crt: unknown" -issuer "$T/user1.pem" \
	    -cert "$T/new-user2.crt" -CAfile "$T/roots.pem"
	ask "OCSP: a generation 1 certificate asked of generation 2: unknown" \
	    "old-user2.crt: unknown" -issuer "$T/user2.pem" \
	    -cert "$T/old-user2.crt" -CAfile "$T/roots.pem"
	ask "OCSP: the system CA, under root generation 1" "system1b.pem: good" \
	    -issuer "$T/root1.pem" -cert "$T/system1b.pem" -CAfile "$T/roots.pem"
	ask "OCSP: the user CA, under root generation 2" "user2.pem: good" \
	    -issuer "$T/root2.pem" -cert "$T/user2.pem" -CAfile "$T/roots.pem"
	# Generation 1's own certificate revoked: its key signs no more
	# (tryLater, /health 503 naming that certificate); generation 2,
	# whose certificate is not revoked, answers on.
	check "revoke genfic-user's generation 1 certificate (cACompromise)" \
	    gca -p genfic -x "$(serial_of "$T/user1.pem")" \
	    --reason cACompromise --passin $P --batch
	i=0
	while [ $i -lt 25 ] && ! openssl ocsp -url "$URL" -issuer "$T/user1.pem" \
	    -cert "$T/old-user2.crt" -no_nonce -noverify 2>&1 |
	    grep -q 'Responder Error: trylater'; do
		sleep 0.2
		i=$((i + 1))
	done
	check "OCSP: generation 1 answers tryLater within 5 s" test $i -lt 25
	curl -s -o "$T/health" -w '%{http_code}\n' "$URL/health" >"$T/code"
	check "/health: 503 naming generation 1's certificate" sh -c "
	    grep -qx 503 '$T/code' && grep -q 'signer revoked: CA genfic-user: own certificate .* $(serial_of "$T/user1.pem") revoked at .*(cACompromise)' '$T/health' ||
	    { cat '$T/code' '$T/health'; exit 1; }"
	ask "OCSP: generation 2 still good" "new-user2.crt: good" \
	    -issuer "$T/user2.pem" -cert "$T/new-user2.crt" -CAfile "$T/roots.pem"
	stop_ocspd
elif [ -n "${GENFIC_OCSPD:-}" ]; then
	fail "genfic-ocspd starts on a store with rolled-over CAs"
else
	skip "genfic-ocspd answers for every generation" "genfic-ocspd not built"
fi

# An old generation's key that --passin does not open: the current CRL is
# still issued, the old one is named, and -g says it failed.
check "--rollover genfic-system under another passphrase" gca --rollover genfic-system \
    --passin $P --passout pass:other-secret --batch -o /dev/null
cp "$S/crl/genfic-system.crl" "$T/system-before.crl"
refuse "-g: an old generation's key that --passin does not open is named" 1 \
    "genfic-system: generation 1: cannot decrypt CA key: wrong passphrase?; its CRL was not issued" \
    gca -p genfic-system -g --passin pass:other-secret --batch -o /dev/null
check "... and the current generation's CRL is issued all the same" sh -c "
    ! cmp -s '$S/crl/genfic-system.crl' '$T/system-before.crl' &&
    openssl crl -in '$S/crl/genfic-system.crl' -CAfile '$S/certs/genfic-system.crt' -noout"
# genfic-ocspd with that passphrase: generation 1 is left out, named.
if [ -n "${GENFIC_OCSPD:-}" ] && start_ocspd "$T/ocspd2.log" -d "$S" \
    --ca genfic-system --passin pass:other-secret; then
	pass "genfic-ocspd starts when an old generation's key does not open"
	check "... and names the generation it leaves out" grep -q \
	    "genfic-system generation 1 not served: CA genfic-system: .*wrong passphrase" \
	    "$T/ocspd2.log"
	ask "OCSP: generation 2 answers" "0x01: unknown" \
	    -issuer "$S/certs/genfic-system.crt" -serial 0x01 -CAfile "$T/roots.pem"
	openssl ocsp -url "$URL" -issuer "$T/system1b.pem" -cert "$T/old-host.crt" \
	    -no_nonce >"$T/unauth" 2>&1
	check "OCSP: generation 1 is not served: unauthorized" \
	    grep -q 'Responder Error: unauthorized' "$T/unauth"
	stop_ocspd
elif [ -n "${GENFIC_OCSPD:-}" ]; then
	fail "genfic-ocspd starts when an old generation's key does not open"
fi

# --- A store of schema 3 (made by 458ab8f) is upgraded, then rolled over.
F=$TESTS_DATA/schema3-store
V=$(sqlite3 "$S/ca.db" 'PRAGMA user_version')	# a new store's schema
export GENFIC_CA_DIR="$T/old-store"
S=$GENFIC_CA_DIR
mkdir -p "$S"
cp -R "$F/private" "$F/certs" "$F/crl" "$S/"
chmod 700 "$S/private"
chmod 600 "$S"/private/*.key
sqlite3 "$S/ca.db" <"$F/ca.sql"
P=pass:fixture-secret
check "schema 3 store: -l reads it as it is" sh -c "'$GENFIC_CA' -l | grep -q host.example"
check "... and leaves it at version 3" sh -c "[ \$(sqlite3 '$S/ca.db' 'PRAGMA user_version') -eq 3 ]"
check "--rollover upgrades it" gca --rollover genfic-system --passin $P --passout $P \
    --batch -o "$T/fx-system2.pem"
check "... to the current schema, $V" sh -c "[ \$(sqlite3 '$S/ca.db' 'PRAGMA user_version') -eq $V ]"
check "... -g signs for both generations" gca -p genfic-system -g --passin $P --batch -o /dev/null
cat "$S/certs/genfic.crt" >"$T/roots.pem"
verify_crl "the old store's leaf verifies after the upgrade" ": OK" "$F/host.crt" \
    "$S/certs/genfic-system.1.crt"
check "--audit-verify: the upgraded store verifies" gca --audit-verify
gca -p genfic -x "$(serial_of "$T/fx-system2.pem")" --passin $P --batch >/dev/null 2>&1
refuse_same "a revoked CA is not certified again" 1 "CA genfic-system is revoked" \
    gca --recertify genfic-system --passin $P --batch
refuse_same "... nor rolled over" 1 "CA genfic-system is revoked" \
    gca --rollover genfic-system --passin $P --passout $P --batch

finish
