#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# --publish DIR: the database copy, CA certificates and CRLs; no key byte.
. "$(dirname "$0")/lib.sh"

make_hierarchy || { echo "not ok - hierarchy"; exit 1; }
SYS="-p genfic-system --passin pass:system-secret --batch"
gca -R "$T/h" --nopass >/dev/null
gca $SYS -s "$T/h.req" -o "$T/h.crt" --label h 2>/dev/null
gca -p genfic-system -x h --reason keyCompromise >/dev/null
gca $SYS -g -o "$T/s.crl" >/dev/null

P=$T/pub
check "--publish" gca --publish "$P"
grep -q "database, 3 CA certificates, 1 CRLs" "$T/out" && pass "summary" || fail "summary: $(cat "$T/out")"
for c in genfic genfic-system genfic-user; do
	cmp -s "$P/certs/$c.crt" "$GENFIC_CA_DIR/certs/$c.crt" && pass "certs/$c.crt" || fail "certs/$c.crt"
done
cmp -s "$P/crl/genfic-system.crl" "$T/s.crl" && pass "the latest CRL" || fail "the latest CRL"
[ "$(sqlite3 "$P/ca.db" 'PRAGMA journal_mode')" = delete ] && pass "copy without WAL" || fail "copy without WAL"
[ "$(sqlite3 "$P/ca.db" 'PRAGMA integrity_check')" = ok ] && pass "copy integrity" || fail "copy integrity"
[ "$(sqlite3 "$P/ca.db" 'SELECT count(*) FROM cert')" = "$(rows cert)" ] && pass "copy holds every certificate" ||
    fail "copy holds every certificate"
check "the copy is a store genfic-ca reads" gca -d "$P" -S h
grep -q "Status:    revoked" "$T/out" && pass "... with the revocation" || fail "... with the revocation"
[ "$(sqlite3 "$P/ca.db" 'PRAGMA journal_mode')" = delete ] && pass "reading leaves it without WAL" ||
    fail "reading leaves it without WAL"
[ ! -e "$P/private" ] && pass "no private/ published" || fail "no private/ published"
grep -rlq "PRIVATE KEY" "$P" && fail "no PEM key in the tree" || pass "no PEM key in the tree"
for k in genfic:root genfic-system:system genfic-user:user; do
	name=${k%%:*}
	priv=$(openssl pkey -in "$GENFIC_CA_DIR/private/$name.key" -passin "pass:${k#*:}-secret" -noout -text 2>/dev/null |
	    sed -n '/^priv:/,/^pub:/p' | grep -v 'priv:\|pub:' | tr -d ' :\n')
	[ ${#priv} -ge 64 ] || { fail "$name: private scalar read"; continue; }
	find "$P" -type f -exec od -An -v -tx1 {} + | tr -d ' \n' | grep -q "$priv" &&
	    fail "$name: key bytes in the published tree" || pass "$name: no key bytes in the published tree"
done
# Publishing again replaces the copy with the newer state.
gca -p genfic-system -x genfic-system >/dev/null 2>&1
gca -R "$T/h2" --nopass >/dev/null
gca $SYS -s "$T/h2.req" -o "$T/h2.crt" 2>/dev/null
check "publish again" gca --publish "$P"
[ "$(sqlite3 "$P/ca.db" 'SELECT count(*) FROM cert')" = "$(rows cert)" ] && pass "the new copy is current" ||
    fail "the new copy is current"
[ ! -e "$P/ca.db.tmp" ] && pass "no temporary file left" || fail "no temporary file left"
refuse "no store" 1 "no store in" gca -d "$T/none" --publish "$T/p2"
before=$(rows cert)
refuse "the store itself" 2 "is the store itself" gca --publish "$T/store/."
[ "$(rows cert)" = "$before" ] && [ ! -e "$T/store/ca.db.tmp" ] &&
    [ "$(sqlite3 "$GENFIC_CA_DIR/ca.db" 'PRAGMA integrity_check')" = ok ] &&
    pass "the store is left as it was" || fail "the store is left as it was"
finish
