#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A CA's token pulled out in the middle of a run: a SoftHSM2 token behind
# a forwarding module (p11pull.c) that answers as a pulled token does
# after N signatures.  The run stops at the first such failure, saying
# so once; what was committed before stays, with its files; nothing of
# the group in flight is kept; a re-run with the token back does the
# rest, no certificate twice.  For a spool, --renew-expiring and -g.
. "$(dirname "$0")/lib.sh"

if [ "${GF_PKCS11:-1}" = 0 ] || [ -z "${GF_P11PULL:-}" ]; then
	echo "ok - pkcs11-pull # SKIP built without PKCS#11 support"
	finish
	exit
fi
MODULE=""
for m in /usr/lib/softhsm/libsofthsm2.so \
    /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
    /usr/lib64/pkcs11/libsofthsm2.so; do
	[ -r "$m" ] && MODULE=$m && break
done
if [ -z "$MODULE" ] || ! command -v softhsm2-util >/dev/null 2>&1; then
	fail "SoftHSM2 is installed (contrib/deps.sh)"
	finish
	exit
fi

export SOFTHSM2_CONF="$T/softhsm2.conf"
mkdir "$T/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$T/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label genfic-system --pin 123456 \
    --so-pin 12345678 >/dev/null 2>&1 || fail "token initialized"
export GENFIC_CA_PKCS11_MODULE="$MODULE"
export GF_P11PULL_MODULE="$MODULE"
PIN="--passin pass:123456"
SYS='pkcs11:token=genfic-system;object=system'
S=$GENFIC_CA_DIR/certs

# pulled N GENFIC-CA-ARGS...: genfic-ca whose token is pulled after N
# signatures (one of them the check of the key when it is loaded),
# answering $RV from then on, each signature taking $DELAY ms.
RV=removed DELAY=0
pulled() {
	pl_n=$1; shift
	env GF_P11PULL_SIGNS="$pl_n" GF_P11PULL_RV=$RV GF_P11PULL_DELAY_MS=$DELAY \
	    "$GENFIC_CA" --pkcs11-module "$GF_P11PULL" "$@"
}

# sys_certs: the system CA's certificates in the store.
sys_certs() {
	sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT count(*) FROM cert WHERE ca_id =
	    (SELECT id FROM ca WHERE name = 'genfic-system') AND is_ca = 0"
}

# verify_all DIR: each certificate of DIR verifies up to the root, and is
# one the store holds (genfic-ca -l --json, by SHA-256 of its DER).
verify_all() {
	openssl verify -CAfile "$S/genfic.crt" -untrusted "$S/genfic-system.crt" \
	    "$1"/*.crt >"$T/verified" || return 1
	[ "$(grep -c ': OK$' "$T/verified")" = "$(ls "$1" | wc -l)" ] || return 1
	"$GENFIC_CA" -l -p genfic-system --json >"$T/listed.json" || return 1
	python3 - "$T/listed.json" "$1"/*.crt <<'EOF'
import base64, hashlib, json, sys
stored = {c["sha256"] for c in json.load(open(sys.argv[1]))}
for path in sys.argv[2:]:
    pem = open(path).read().split("-----")[2]
    der = base64.b64decode("".join(pem.split()))
    assert hashlib.sha256(der).hexdigest() in stored, path
EOF
}

gca -r genfic --subject "/CN=GenFic Root CA" --passout pass:123456 --batch \
    >/dev/null 2>&1
check "the system CA's key is made on its token" gca -c genfic-system \
    -p genfic -k "$SYS" $PIN --batch

# --- A spool of 400 requests; the token goes after 300 signatures, slow
# ones (10 ms each, one at a time), so that groups commit before: workers
# take 32 requests at a time (a parser's batch), so results reach the
# writer in rounds of some 128 signatures.
N=400
mkdir "$T/spool" "$T/issued"
"$GF_BENCH_CSRS" "$T/spool" $N || fail "gf-bench-csrs wrote the spool"
# The other codes a pulled token gives, each on a spool of its own.
for rv in absent session; do
	mkdir "$T/spool-$rv" "$T/issued-$rv"
	cp "$T/spool/r000001.req" "$T/spool/r000002.req" "$T/spool-$rv/"
	before=$(sys_certs)
	RV=$rv
	refuse "$rv: the spool stops: token removed" 1 \
	    "genfic-system: $SYS: token removed (or not present)" \
	    pulled 1 -s "$T/spool-$rv" -p genfic-system -o "$T/issued-$rv" \
	    $PIN --batch
	check "$rv: nothing recorded, no file" test "$(sys_certs)" = "$before" \
	    -a -z "$(ls "$T/issued-$rv")"
done

RV=removed DELAY=10
refuse "a spool whose token is pulled stops: token removed" 1 \
    "genfic-system: $SYS: token removed (or not present)" pulled 300 -s "$T/spool" -p genfic-system \
    -o "$T/issued" $PIN --batch
cp "$T/err" "$T/pulled.err"
check "... said once, not as one refusal per request" test \
    "$(grep -c 'token removed' "$T/pulled.err")" = 1
check "... no request is named refused" sh -c \
    "! grep -q '\\.req:' '$T/pulled.err'"
check "... the summary counts what was not recorded" \
    grep -q "^genfic-ca: genfic-system: [0-9]* signed, 0 refused, 0 skipped, [0-9]* not recorded" \
    "$T/pulled.err"
committed=$(sys_certs)
check "groups committed before the token went are kept (0 < $committed < 299)" \
    test "$committed" -gt 0 -a "$committed" -lt 299
check "... each with its file, no file without its row" \
    test "$(ls "$T/issued" | wc -l)" = "$committed"
check "... each file verifies and is one the store holds" verify_all "$T/issued"
check "... the audit chain is intact" gca --audit-verify
sha256sum "$T/issued"/*.crt >"$T/kept.sum"

check "a re-run with the token back signs the rest" gca -s "$T/spool" \
    -p genfic-system -o "$T/issued" $PIN --batch
check "... $N certificates in the store, one per request" \
    test "$(sys_certs)" = $N -a "$(sqlite3 "$GENFIC_CA_DIR/ca.db" \
    "SELECT count(DISTINCT subject) FROM cert WHERE is_ca = 0")" = $N
check "... $N files, those of the first run unchanged" sh -c "[ \$(ls '$T/issued' | wc -l) = $N ] &&
    $(command -v sha256sum) -c --quiet '$T/kept.sum'"
check "... each file verifies and is one the store holds" verify_all "$T/issued"
check "... genfic-ca -l lists $N certificates of genfic-system" sh -c \
    "'$GENFIC_CA' -l -p genfic-system --json | python3 -c '
import json, sys
rows = json.load(sys.stdin)
rows = rows.get(\"certificates\", rows) if isinstance(rows, dict) else rows
assert len(rows) == $N, len(rows)'"

# --- --renew-expiring: its group undone, a re-run renews each once.
mkdir "$T/renewed"
before=$(sys_certs)
RV=absent DELAY=0
refuse "--renew-expiring whose token is pulled stops" 1 \
    "$SYS: token removed (or not present)" pulled 6 --renew-expiring 4000 \
    -p genfic-system -o "$T/renewed" $PIN --batch
check "... no renewal recorded, no file" test "$(sys_certs)" = "$before" \
    -a -z "$(ls "$T/renewed")"
check "... no request named refused" sh -c "! grep -q refused '$T/err'"
check "a re-run with the token back renews every one" gca --renew-expiring \
    4000 -p genfic-system -o "$T/renewed" $PIN --batch
check "... $N renewals, each once" test "$(ls "$T/renewed" | wc -l)" = $N \
    -a "$(sys_certs)" = $((2 * N))
check "... each verifies" verify_all "$T/renewed"

# --- -g: no CRL recorded nor written.
RV=session
refuse "-g whose token is pulled stops" 1 \
    "$SYS: token removed (or not present)" pulled 1 -g -p genfic-system \
    $PIN --batch -o "$T/sys.crl"
check "... no CRL recorded, no file" test "$(rows crl)" = 0 -a ! -e "$T/sys.crl"
check "-g with the token back" gca -g -p genfic-system $PIN --batch \
    -o "$T/sys.crl"
check "... its CRL verifies" openssl crl -in "$T/sys.crl" -noout \
    -CAfile "$S/genfic-system.crt"

# --- A token that cannot be searched is not "a label already there".
before=$(rows ca)
refuse "-c -k on a token whose search fails says so" 1 \
    "cannot search the token for label fresh" env GF_P11PULL_FIND_FAILS=1 \
    GF_P11PULL_SIGNS=1000 "$GENFIC_CA" --pkcs11-module "$GF_P11PULL" \
    -c genfic-fresh -p genfic -k 'pkcs11:token=genfic-system;object=fresh' \
    $PIN --batch
check "... and no CA is made" test "$(rows ca)" = "$before"

# --- A token that counts wrong PINs (p11pull.c): the warning comes with
# the attempt that leaves one, and the one after says it locked.
# tries N ARGS...: genfic-ca on a token that allows N more wrong PINs.
tries() {
	tr_n=$1; shift
	env GF_P11PULL_PIN_TRIES="$tr_n" GF_P11PULL_SIGNS=1000 "$GENFIC_CA" \
	    --pkcs11-module "$GF_P11PULL" "$@"
}
BAD="--passin pass:000000"
refuse "a wrong PIN with 3 tries left: no warning yet" 1 \
    "wrong PIN? (not tried again)\$" tries 3 -s "$T/spool/r000001.req" \
    -p genfic-system -o "$T/p1.crt" $BAD --batch
refuse "a wrong PIN with 2 tries left: one more locks the token" 1 \
    "one more wrong PIN locks the token" tries 2 -s "$T/spool/r000001.req" \
    -p genfic-system -o "$T/p1.crt" $BAD --batch
refuse "a wrong PIN on the final try: the PIN is locked now" 1 \
    "the user PIN is locked" tries 1 -s "$T/spool/r000001.req" \
    -p genfic-system -o "$T/p1.crt" $BAD --batch
printf '000000\n' >"$T/badpin"
refuse "-c -k: a wrong PIN with 2 tries left: one more locks the token" 1 \
    "one more wrong PIN locks the token" tries 2 -c genfic-pin -p genfic \
    -k "pkcs11:token=genfic-system;object=pin?pin-source=file:$T/badpin" \
    $PIN --batch
refuse "-c -k: a wrong PIN on the final try: locked now" 1 \
    "the user PIN is locked" tries 1 -c genfic-pin -p genfic \
    -k "pkcs11:token=genfic-system;object=pin?pin-source=file:$T/badpin" \
    $PIN --batch
finish
