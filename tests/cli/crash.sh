#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Crash safety: genfic-ca killed with SIGKILL at random points while it
# signs a spool, issues CRLs or imports; nothing is lost or half-written.
# Concurrency: 4 signers, a CRL loop and a revoker on one store at once.
. "$(dirname "$0")/lib.sh"
: "${GF_BENCH_CSRS:?GF_BENCH_CSRS must name gf-bench-csrs}"

make_hierarchy || { echo "not ok - hierarchy"; exit 1; }
SYS="-p genfic-system --passin pass:system-secret --batch"
DB=$GENFIC_CA_DIR/ca.db
N=2500
mkdir "$T/spool" "$T/certs"
"$GF_BENCH_CSRS" "$T/spool" $N || { echo "Bail out! gf-bench-csrs failed"; exit 1; }

# kill_after MS ARGS...: runs genfic-ca ARGS, kills it with SIGKILL after
# MS ms.  The binary itself is the background job, so $! is its pid.
kill_after() {
	ms=$1; shift
	${GENFIC_CA_WRAPPER:-} "$GENFIC_CA" "$@" >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
}

# Every certificate file is complete and is, byte for byte, one the store holds.
files_in_store() {
	python3 - "$DB" "$T/certs" <<'PY'
import base64, glob, hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
stored = {bytes(r[0]) for r in db.execute("SELECT fingerprint FROM cert WHERE der IS NOT NULL")}
for path in glob.glob(sys.argv[2] + "/*.crt"):
    text = open(path).read()
    assert text.startswith("-----BEGIN CERTIFICATE-----") and text.rstrip().endswith("-----END CERTIFICATE-----"), path
    der = base64.b64decode("".join(l for l in text.splitlines() if not l.startswith("-----")))
    assert hashlib.sha256(der).digest() in stored, path
PY
}

for i in 1 2 3 4 5; do
	ms=$(awk -v s="$i" 'BEGIN { srand(s * 7919 + '"$$"'); printf "%d", 200 + rand() * 500 }')
	kill_after "$ms" $SYS -s "$T/spool" -o "$T/certs"
	[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] &&
	    pass "spool killed after ${ms} ms: integrity_check ok" || fail "spool kill $i: integrity_check"
	files_in_store && pass "spool kill $i: every file ($(ls "$T/certs" | wc -l)) is in the store" ||
	    fail "spool kill $i: every file is in the store"
done
check "the re-run finishes the spool" gca $SYS -s "$T/spool" -o "$T/certs"
[ "$(ls "$T/certs" | grep -c '\.crt$')" -eq $N ] && pass "$N certificate files" || fail "$N certificate files"
leaves=$(sqlite3 "$DB" "SELECT count(*) FROM cert WHERE is_ca = 0")
[ "$leaves" -eq $N ] && pass "each request signed exactly once ($leaves rows)" ||
    fail "each request signed exactly once ($leaves rows)"
files_in_store && pass "every file is the stored certificate" || fail "every file is the stored certificate"
check "audit chain intact after the kills" gca --audit-verify

# CRLs: numbers never repeat or skip, whatever the kill point.
for i in 1 2 3 4 5; do
	gca -p genfic-system -x "$(sqlite3 "$DB" "SELECT hex(serial) FROM cert WHERE is_ca = 0 AND revoked_at IS NULL AND ca_id = (SELECT id FROM ca WHERE name = 'genfic-system') LIMIT 1")" >/dev/null
	kill_after $((i * 7)) $SYS -g -o "$T/k.crl"
done
gca $SYS -g -o "$T/last.crl" >/dev/null
nums=$(sqlite3 "$DB" "SELECT group_concat(number, ' ') FROM (SELECT number FROM crl
    WHERE ca_id = (SELECT id FROM ca WHERE name = 'genfic-system') ORDER BY number)")
n=$(echo "$nums" | wc -w)
[ "$nums" = "$(seq -s ' ' 1 "$n")" ] && pass "CRL numbers 1..$n, no gap or repeat" || fail "CRL numbers: $nums"
[ "$(openssl crl -in "$T/last.crl" -noout -crlnumber | cut -d= -f2)" = "$(printf '0x%02X' "$n")" ] &&
    pass "the last CRL carries number $n" || fail "the last CRL carries number $n"

# Import: killed, it leaves nothing or everything.
O=$T/oldca
mkdir -p "$O/newcerts" "$O/private"
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$O/private/cakey.pem" \
    -subj "/CN=Import CA" -days 365 -out "$O/cacert.pem" 2>/dev/null
: >"$O/index.txt"
awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "V\t301231000000Z\t\t%X\tunknown\t/CN=lost%d\n", 4096 + i, i }' >>"$O/index.txt"
kill_after 60 -I "$O" --passout pass:import-secret --batch
count=$(sqlite3 "$DB" "SELECT count(*) FROM cert WHERE ca_id = (SELECT id FROM ca WHERE name = 'oldca')")
[ "$count" -eq 0 ] || [ "$count" -eq 3001 ] && pass "killed import: all or nothing ($count)" ||
    fail "killed import: all or nothing ($count)"
check "the import completes afterwards" gca -I "$O" --passout pass:import-secret --batch
[ "$(sqlite3 "$DB" "SELECT count(*) FROM cert WHERE ca_id = (SELECT id FROM ca WHERE name = 'oldca')")" -eq 3001 ] &&
    pass "3000 entries and the CA" || fail "3000 entries and the CA"

# Concurrency: 4 signers of 250 requests each, a CRL loop and a revoker.
for w in 1 2 3 4; do mkdir "$T/c$w" "$T/o$w"; "$GF_BENCH_CSRS" "$T/c$w" 250 || exit 1; done
before=$(sqlite3 "$DB" "SELECT count(*) FROM cert")
for w in 1 2 3 4; do
	(gca $SYS -s "$T/c$w" -o "$T/o$w" 2>"$T/w$w.err"; echo $? >"$T/w$w.rc") &
done
(for i in 1 2 3 4 5 6; do gca $SYS -g -o "$T/loop.crl" >/dev/null 2>>"$T/g.err" || echo fail >>"$T/g.rc"; done) &
(for s in $(sqlite3 "$DB" "SELECT hex(serial) FROM cert WHERE is_ca = 0 AND revoked_at IS NULL AND ca_id = (SELECT id FROM ca WHERE name = 'genfic-system') LIMIT 10"); do
	gca -p genfic-system -x "$s" --reason superseded >/dev/null 2>>"$T/x.err" || echo fail >>"$T/x.rc"; done) &
wait
for w in 1 2 3 4; do
	[ "$(cat "$T/w$w.rc")" = 0 ] && [ "$(ls "$T/o$w" | wc -l)" -eq 250 ] && pass "signer $w: 250 signed" ||
	    { fail "signer $w (rc $(cat "$T/w$w.rc"))"; head -3 "$T/w$w.err"; }
done
[ ! -e "$T/g.rc" ] && pass "every -g succeeded" || { fail "every -g succeeded"; head -3 "$T/g.err"; }
[ ! -e "$T/x.rc" ] && pass "every -x succeeded" || { fail "every -x succeeded"; head -3 "$T/x.err"; }
[ $(( $(sqlite3 "$DB" "SELECT count(*) FROM cert") - before )) -eq 1000 ] && pass "exactly 1000 new rows" ||
    fail "exactly 1000 new rows"
[ "$(sqlite3 "$DB" "SELECT count(*) - count(DISTINCT serial) FROM cert")" -eq 0 ] && pass "serials unique" ||
    fail "serials unique"
nums=$(sqlite3 "$DB" "SELECT group_concat(number, ' ') FROM (SELECT number FROM crl
    WHERE ca_id = (SELECT id FROM ca WHERE name = 'genfic-system') ORDER BY id)")
[ "$nums" = "$(seq -s ' ' 1 "$(echo "$nums" | wc -w)")" ] && pass "CRL numbers strictly increasing" ||
    fail "CRL numbers strictly increasing: $nums"
check "audit chain intact after the crowd" gca --audit-verify
finish
