#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# -s DIR: a spool signed by the worker threads, checked request by request.
. "$(dirname "$0")/lib.sh"
: "${GF_BENCH_CSRS:?GF_BENCH_CSRS must name gf-bench-csrs}"

make_hierarchy || { echo "not ok - hierarchy"; exit 1; }
SYS="-p genfic-system --passin pass:system-secret --batch"
N=300
mkdir "$T/spool" "$T/certs"
"$GF_BENCH_CSRS" "$T/spool" $N || { echo "Bail out! gf-bench-csrs failed"; exit 1; }
openssl req -new -newkey rsa:1024 -nodes -keyout "$T/weak.key" -subj /CN=weak \
    -out "$T/spool/weak.req" 2>/dev/null
head -c 300 /dev/urandom >"$T/spool/garbage.csr"
openssl req -in "$T/spool/r000001.req" -outform der >"$T/good.der"
flip_sig "$T/good.der" "$T/spool/flipped.pem"
before=$(rows cert)
# The clamp warning needs the clock past the second genfic-system was made in.
sleep 1

gca $SYS -s "$T/spool" -o "$T/certs" >"$T/o" 2>"$T/e"; st=$?
[ $st -eq 1 ] && pass "exit 1: some were refused" || fail "exit 1: some were refused ($st)"
grep -q "weak.req: refused: RSA key of 1024 bits" "$T/e" && pass "weak key named" || fail "weak key named"
grep -q "garbage.csr: " "$T/e" && pass "garbage named" || fail "garbage named"
grep -q "flipped.pem: refused: bad signature" "$T/e" && pass "bad signature named" || fail "bad signature named"
grep -q "$N signed, 3 refused, 0 skipped" "$T/e" && pass "summary" || fail "summary"
[ "$(ls "$T/certs" | wc -l)" -eq $N ] && pass "$N files written" || fail "$N files written"
[ $(( $(rows cert) - before )) -eq $N ] && pass "$N rows" || fail "$N rows"
[ "$(sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT count(DISTINCT serial) FROM cert")" -eq "$(rows cert)" ] &&
    pass "serials unique" || fail "serials unique"
bad=0
for r in "$T"/spool/r*.req; do
	c="$T/certs/$(basename "$r" .req).crt"
	[ "$(openssl req -in "$r" -noout -pubkey)" = "$(openssl x509 -in "$c" -noout -pubkey)" ] &&
	    [ "$(openssl req -in "$r" -noout -subject | sed 's/^subject=//')" = \
	      "$(openssl x509 -in "$c" -noout -subject | sed 's/^subject=//')" ] || bad=$((bad + 1))
done
[ $bad -eq 0 ] && pass "every certificate has its request's key and subject" ||
    fail "every certificate has its request's key and subject ($bad wrong)"
# Every file is the DER the store holds.
sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT hex(der) FROM cert WHERE cn = 'host-123.bench.example'" >"$T/db.hex"
openssl x509 -in "$T/certs/r000123.crt" -outform der | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F >"$T/file.hex"
echo >>"$T/file.hex"
cmp -s "$T/db.hex" "$T/file.hex" && pass "file DER = stored DER" || fail "file DER = stored DER"
check "certificates verify" openssl verify -CAfile "$GENFIC_CA_DIR/certs/genfic.crt" \
    -untrusted "$GENFIC_CA_DIR/certs/genfic-system.crt" "$T/certs/r000000.crt" "$T/certs/r000299.crt"
grep -q "certificates had their notAfter clamped" "$T/e" && [ "$(grep -c clamped "$T/e")" -eq 1 ] &&
    pass "one clamp warning for the spool" || fail "one clamp warning for the spool"

# A re-run signs only what is new; --force signs again.
n=$(rows cert)
gca $SYS -s "$T/spool" -o "$T/certs" 2>"$T/e"
grep -q "0 signed, 2 refused, $((N + 1)) skipped" "$T/e" && [ "$(rows cert)" -eq "$n" ] &&
    pass "re-run skips the signed ones" || fail "re-run skips the signed ones"
# flipped.pem, refused the first time, has r000001's key and subject now.
grep -q "flipped.pem: already signed as serial" "$T/e" &&
    grep -q "weak.req: refused: RSA key of 1024 bits" "$T/e" &&
    pass "a request of a signed key and subject is skipped, however broken" ||
    fail "a request of a signed key and subject is skipped, however broken"
grep -q "r000042.req: already signed as serial" "$T/e" && pass "skips are named" || fail "skips are named"
cp "$T/certs/r000007.crt" "$T/keep.crt"
cp "$T/certs/r000005.crt" "$T/keep5.crt"
rm "$T/certs/r000007.crt"
gca $SYS -s "$T/spool" -o "$T/certs" 2>"$T/e"
cmp -s "$T/certs/r000007.crt" "$T/keep.crt" && [ "$(rows cert)" -eq "$n" ] &&
    pass "a lost file is written again from the store" || fail "a lost file is written again from the store"
grep -q "r000007.req: already signed as serial .*lost file is written again" "$T/e" &&
    pass "... and said so" || fail "... and said so"
# A revoked certificate's request is signed again by the next run.
check "revoke r000005's certificate" gca -p genfic-system -x "$T/certs/r000005.crt" \
    --passin pass:system-secret --batch
rm "$T/certs/r000005.crt"
gca $SYS -s "$T/spool" -o "$T/certs" 2>"$T/e"
grep -q "1 signed, 2 refused, $N skipped" "$T/e" && [ "$(rows cert)" -eq $((n + 1)) ] &&
    [ "$(openssl x509 -in "$T/certs/r000005.crt" -noout -subject)" = \
      "$(openssl x509 -in "$T/keep5.crt" -noout -subject)" ] &&
    ! cmp -s "$T/certs/r000005.crt" "$T/keep5.crt" &&
    pass "a revoked one is signed again" || fail "a revoked one is signed again"
n=$((n + 1))
rm "$T/spool/weak.req" "$T/spool/garbage.csr" "$T/spool/flipped.pem"
check "--force signs again" gca $SYS -s "$T/spool" -o "$T/certs" --force
[ "$(rows cert)" -eq $((n + N)) ] && pass "--force: $N more rows" || fail "--force: $N more rows"

# Without -o: a PEM stream on stdout, in request order.
mkdir "$T/few"
cp "$T/spool/r000010.req" "$T/spool/r000011.req" "$T/few/"
gca $SYS -s "$T/few" --force >"$T/stream.pem" 2>/dev/null
[ "$(grep -c 'BEGIN CERTIFICATE' "$T/stream.pem")" -eq 2 ] && pass "PEM stream on stdout" || fail "PEM stream on stdout"
openssl x509 -in "$T/stream.pem" -noout -subject | grep -q "host-10.bench" && pass "stream in request order" ||
    fail "stream in request order"
# A whole spool as one stream: every certificate, each one whole.
gca $SYS -s "$T/spool" --force >"$T/all.pem" 2>/dev/null
[ "$(openssl crl2pkcs7 -nocrl -certfile "$T/all.pem" | openssl pkcs7 -print_certs -noout |
    grep -c '^subject=')" -eq $N ] && pass "$N certificates in the stream" ||
    fail "$N certificates in the stream"
refuse "several requests and -o a file" 2 "names an existing directory" \
    gca $SYS -s "$T/few" -o "$T/file.crt" --force
refuse "--label with several requests" 2 "--label names one certificate" \
    gca $SYS -s "$T/few" --label one --force

# Revoked between the workers' look and the writer's.  Another process
# holds the write lock while it revokes the certificates of ten requests,
# so the workers find them valid, and the writer, which waits for the lock,
# finds them revoked and must sign them itself.  (Plain SQL, so no audit
# entry: the audit chain is not checked after this.)
mkdir "$T/race"
cp "$T"/spool/r00002?.req "$T/race/"
python3 - "$GENFIC_CA_DIR/ca.db" "$T/locked" <<'PY' &
import sqlite3, sys, time, os
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE cert SET revoked_at = strftime('%s', 'now'), reason = 4 "
           "WHERE cn LIKE 'host-2_.bench.example' AND revoked_at IS NULL")
open(sys.argv[2], "w").close()
time.sleep(3)
db.execute("COMMIT")
PY
LOCKER=$!
while [ ! -e "$T/locked" ] && kill -0 $LOCKER 2>/dev/null; do sleep 0.05; done
gca $SYS -s "$T/race" >"$T/race.pem" 2>"$T/e"
wait $LOCKER
grep -q "10 signed, 0 refused, 0 skipped" "$T/e" &&
    [ "$(grep -c 'BEGIN CERTIFICATE' "$T/race.pem")" -eq 10 ] &&
    [ "$(sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT count(*) FROM cert WHERE
        cn LIKE 'host-2_.bench.example' AND revoked_at IS NULL")" -eq 10 ] &&
    pass "revoked after the workers looked: signed by the writer" ||
    fail "revoked after the workers looked: signed by the writer"
check "... and the first of them verifies" openssl verify -CAfile \
    "$GENFIC_CA_DIR/certs/genfic.crt" -untrusted \
    "$GENFIC_CA_DIR/certs/genfic-system.crt" "$T/race.pem"
finish
