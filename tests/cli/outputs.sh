#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Where certificates and CRLs go, and what may be certified: an output
# that exists or that two requests share is refused before signing; -o
# never writes through a link to a device or blocks on a FIFO; a key
# revoked for keyCompromise is never certified again; a failed commit is
# not counted as signed.  (GitHub issue 13.)
. "$(dirname "$0")/lib.sh"
: "${GF_BENCH_CSRS:?GF_BENCH_CSRS must name gf-bench-csrs}"
for tool in openssl sqlite3 timeout unshare mount; do
	command -v "$tool" >/dev/null || { fail "$tool is needed"; finish; exit 1; }
done

make_hierarchy || { echo "not ok - hierarchy"; exit 1; }
SYS="-p genfic-system --passin pass:system-secret --batch"
CHAIN="-CAfile $GENFIC_CA_DIR/certs/genfic.crt -untrusted $GENFIC_CA_DIR/certs/genfic-system.crt"

# The valid certificate of the store for key file $1 ("" if none), by
# the SHA-256 of its public key, which the cert table keeps.
valid_serial_of_key() {
	h=$(openssl pkey -in "$T/$1.key" -pubout -outform der | openssl dgst -sha256 -r | cut -d' ' -f1)
	sql "SELECT hex(serial) FROM cert WHERE spki_hash = x'$h' AND revoked_at IS NULL"
}
crl_state() {
	sql "SELECT next_crl_number || ' ' || (SELECT count(*) FROM crl) FROM ca WHERE name = 'genfic-system'"
}
# unchanged DESCRIPTION BEFORE: the cert and audit rows and the CRL
# number are as they were.
unchanged() {
	if [ "$2" = "$(cert_audit_rows) $(crl_state)" ]; then pass "$1: store unchanged"; else
		fail "$1: store unchanged ($2 -> $(cert_audit_rows) $(crl_state))"; fi
}

mkdir "$T/sp" "$T/certs"
for n in a b c; do
	newkey "$n" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
	KEYS=$T/sp csr "$n" "../$n" "/CN=$n.example"
done

# --- 1. A spool re-run, and keys revoked for keyCompromise.
check "a spool of three" gca $SYS -s "$T/sp" -o "$T/certs"
check "revoke b for keyCompromise" gca $SYS -x "$T/certs/b.crt" --reason keyCompromise
check "revoke c as superseded" gca $SYS -x "$T/certs/c.crt" --reason superseded
bserial=$(serial_of "$T/certs/b.crt")
cp "$T/certs/b.crt" "$T/b.keep"
cp "$T/certs/c.crt" "$T/c.keep"
before="$(cert_audit_rows) $(crl_state)"
gca $SYS -s "$T/sp" -o "$T/certs" >"$T/o" 2>"$T/e"; st=$?
[ $st -eq 1 ] && pass "re-run: exit 1" || fail "re-run: exit 1 ($st)"
grep -q "^genfic-ca: .*b.req: refused: key revoked for keyCompromise (serial $bserial)" "$T/e" &&
    pass "re-run: b refused, the revoked serial named" ||
    { fail "re-run: b refused, the revoked serial named"; sed 's/^/#   /' "$T/e"; }
grep -q "c.req: .*certs/c.crt exists (--force replaces it)" "$T/e" &&
    pass "re-run: c (revoked, superseded) refused: its file holds the old one" ||
    fail "re-run: c (revoked, superseded) refused: its file holds the old one"
grep -q "genfic-system: 0 signed, 2 refused, 1 skipped$" "$T/e" &&
    pass "re-run: summary" || fail "re-run: summary"
unchanged "re-run" "$before"
[ -z "$(valid_serial_of_key b)" ] && pass "no valid certificate of b's key" ||
    fail "no valid certificate of b's key"
cmp -s "$T/certs/b.crt" "$T/b.keep" && cmp -s "$T/certs/c.crt" "$T/c.keep" &&
    pass "re-run: the files are untouched" || fail "re-run: the files are untouched"

refuse_clean "--force does not certify b's key" 1 "b.req: refused: key revoked for keyCompromise (serial $bserial)" \
    gca $SYS -s "$T/sp/b.req" -o "$T/certs" --force
csr other b "/CN=other.example"
refuse_clean "b's key under another subject, as one request" 1 "key revoked for keyCompromise (serial $bserial)" \
    gca $SYS -s "$T/other.req" -o "$T/other.crt"
refuse "b's key by another CA" 1 "key revoked for keyCompromise (serial $bserial)" \
    gca -p genfic-user --passin pass:user-secret --batch -t server -s "$T/sp/b.req" -o "$T/user-b.crt"
[ ! -e "$T/user-b.crt" ] && [ -z "$(valid_serial_of_key b)" ] &&
    pass "... nothing issued" || fail "... nothing issued"

# c was revoked as superseded: --force signs it again and replaces its file.
check "c again with --force" gca $SYS -s "$T/sp/c.req" -o "$T/certs" --force
[ "$(serial_of "$T/certs/c.crt")" = "$(valid_serial_of_key c)" ] &&
    ! cmp -s "$T/certs/c.crt" "$T/c.keep" &&
    pass "c.crt holds the store's valid certificate" || fail "c.crt holds the store's valid certificate"
check "... which verifies" openssl verify $CHAIN "$T/certs/c.crt"

# --- 2. A new request whose file exists: refused before it is signed.
newkey d -algorithm EC -pkeyopt ec_paramgen_curve:P-256
KEYS=$T/sp csr d ../d "/CN=d.example"
echo junk >"$T/certs/d.crt"
refuse_clean "new request, existing file" 1 "d.req: .*certs/d.crt exists (--force replaces it)" \
    gca $SYS -s "$T/sp" -o "$T/certs"
grep -q "0 signed, 2 refused, 2 skipped" "$T/err" && pass "... summary" || fail "... summary"
[ -z "$(valid_serial_of_key d)" ] && pass "... d's key has no certificate" ||
    fail "... d's key has no certificate"
refuse_clean "one request, -o DIR, existing file" 1 "certs/d.crt exists (--force replaces it)" \
    gca $SYS -s "$T/sp/d.req" -o "$T/certs"
refuse_clean "one request, -o FILE, existing file" 1 "certs/d.crt exists (--force replaces it)" \
    gca $SYS -s "$T/sp/d.req" -o "$T/certs/d.crt"
rm "$T/certs/d.crt"
check "without it, d is signed" gca $SYS -s "$T/sp/d.req" -o "$T/certs"
[ "$(serial_of "$T/certs/d.crt")" = "$(valid_serial_of_key d)" ] &&
    pass "d.crt holds the store's valid certificate" || fail "d.crt holds the store's valid certificate"
check "... which verifies" openssl verify $CHAIN "$T/certs/d.crt"

# --- 3. Two requests of one output name: both refused, --force or not.
mkdir "$T/clash" "$T/cout"
cp "$T/sp/a.req" "$T/clash/victim.csr"
cp "$T/sp/d.req" "$T/clash/victim.req"
for force in "" --force; do
	refuse_clean "victim.csr and victim.req ${force:-without --force}" 1 \
	    "victim.req: .*cout/victim.crt would also be the certificate of .*victim.csr" \
	    gca $SYS -s "$T/clash" -o "$T/cout" $force
	grep -q "victim.csr: .*would also be the certificate of .*victim.req" "$T/err" &&
	    pass "... the other named too" || fail "... the other named too"
done
[ ! -e "$T/cout/victim.crt" ] && pass "no victim.crt" || fail "no victim.crt"

# --- 4. -o: links to devices, FIFOs.  Every refusal before a serial or a
# CRL number is spent, and in seconds.
blk=$(find /dev -type b 2>/dev/null | head -1)
[ -n "$blk" ] || { [ "$(id -u)" -eq 0 ] && mknod "$T/blk" b 7 250 && blk=$T/blk; }
[ -n "$blk" ] && pass "a block device to point at ($blk)" || fail "a block device to point at"
ln -s "$blk" "$T/to-blk"
mkfifo "$T/fifo"
ln -s "$T/fifo" "$T/to-fifo"
ln -s "$T/nothing" "$T/dangling"
ln -s "$T" "$T/to-dir"
newkey e -algorithm EC -pkeyopt ec_paramgen_curve:P-256
csr e e "/CN=e.example"
G="-p genfic-system --passin pass:system-secret --batch"
for o in to-blk to-fifo dangling to-dir; do
	before="$(cert_audit_rows) $(crl_state)"
	refuse "-g -o $o" 1 "$o: a symbolic link to" timeout 20 "$GENFIC_CA" $G -g -o "$T/$o"
	unchanged "-g -o $o" "$before"
	# -s -o DIR: one request, a file in DIR.
	if [ $o != to-dir ]; then
		refuse "-s -o $o" 1 "$o: a symbolic link to" timeout 20 "$GENFIC_CA" $SYS -s "$T/e.req" -o "$T/$o"
		unchanged "-s -o $o" "$before"
	fi
	refuse "-E -o $o" 1 "$o: a symbolic link to" timeout 20 "$GENFIC_CA" -E "$(serial_of "$T/certs/a.crt")" -o "$T/$o"
	refuse "-c -o $o" 1 "$o: a symbolic link to" timeout 20 "$GENFIC_CA" -p genfic -c "child-$o" \
	    --passin pass:root-secret --passout pass:child-secret --batch -o "$T/$o"
	unchanged "-c -o $o" "$before"
done
[ ! -e "$GENFIC_CA_DIR/private/child-to-blk.key" ] && [ "$(sql "SELECT count(*) FROM ca WHERE name LIKE 'child-%'")" -eq 0 ] &&
    pass "no child CA, no key left" || fail "no child CA, no key left"
before="$(cert_audit_rows) $(crl_state)"
refuse "-g -o a block device" 1 "not a regular file" timeout 20 "$GENFIC_CA" $G -g -o "$blk"
refuse "-g -o a FIFO nobody reads" 1 "a FIFO that no process reads" timeout 20 "$GENFIC_CA" $G -g -o "$T/fifo"
refuse "-s -o a FIFO nobody reads" 1 "a FIFO that no process reads" timeout 20 "$GENFIC_CA" $SYS -s "$T/e.req" -o "$T/fifo"
unchanged "-o block device, FIFO" "$before"
# A FIFO with a reader, and /dev/stdout, are written.
cat "$T/fifo" >"$T/from-fifo.crl" &
reader=$!
# Until cat has opened it, the FIFO has no reader and is refused.
for i in $(seq 1 100); do
	timeout 20 "$GENFIC_CA" $G -g -o "$T/fifo" >"$T/fifo.out" 2>"$T/err" && break
	grep -q "no process reads" "$T/err" || break
	sleep 0.1
done
check "-g -o a FIFO that is read" grep -q "CRL number" "$T/fifo.out"
wait $reader
check "... the CRL came through" openssl crl -in "$T/from-fifo.crl" -noout
# Into a pipe: with standard output a regular file, a build without the
# fix replaces /dev/stdout itself (as root, for every process).
timeout 20 "$GENFIC_CA" $G -g -o /dev/stdout 2>"$T/err" | cat >"$T/stdout.crl"
check "-g -o /dev/stdout" openssl crl -in "$T/stdout.crl" -noout
timeout 20 "$GENFIC_CA" $G -g -o /dev/fd/1 2>"$T/err" | cat >"$T/fd1.crl"
check "-g -o /dev/fd/1" openssl crl -in "$T/fd1.crl" -noout
check "-r -o /dev/null" gca -r other-root --passout pass:other-secret --batch -o /dev/null
# -o DIR through a link of another user: not followed.
if [ "$(id -u)" -eq 0 ]; then
	mkdir "$T/elsewhere"
	ln -s "$T/elsewhere" "$T/planted"
	chown -h nobody "$T/planted"
	before="$(cert_audit_rows) $(crl_state)"
	refuse "-s -o a directory link of another user" 1 "planted: a symbolic link of another user" \
	    gca $SYS -s "$T/sp" -o "$T/planted"
	unchanged "-s -o a directory link of another user" "$before"
	refuse "-E --format trust -o a directory link of another user" 1 \
	    "planted: a symbolic link of another user" gca -E all --format trust -o "$T/planted"
	[ -z "$(ls "$T/elsewhere")" ] && pass "... nothing written there" || fail "... nothing written there"
else
	skip "-o a directory link of another user" "chown -h needs root"
fi
# A planted regular file is replaced by rename(), never written through a link.
echo precious >"$T/target"
ln -s "$T/target" "$T/to-file"
check "-g -o a link to a regular file" "$GENFIC_CA" $G -g -o "$T/to-file"
[ "$(cat "$T/target")" = precious ] && [ ! -L "$T/to-file" ] &&
    pass "... replaced the link, not its target" || fail "... replaced the link, not its target"

# --- 5. A key revoked for keyCompromise, imported (-I) as valid.
O=$T/oldca
openssl_ca_dir "$O" 1000
openssl ca -batch -config "$O/openssl.cnf" -passin pass:old-secret \
    -in "$T/sp/a.req" -out "$O/req/a.crt" 2>/dev/null
openssl ca -batch -config "$O/openssl.cnf" -passin pass:old-secret \
    -in "$T/sp/b.req" -out "$O/req/b.crt" 2>/dev/null
[ "$(wc -l <"$O/index.txt")" -eq 2 ] && pass "an openssl ca directory with b's key" ||
    fail "an openssl ca directory with b's key"
before="$(cert_audit_rows) $(sql "SELECT count(*) FROM ca")"
refuse "-I: a valid certificate of b's key" 1 "index.txt line 2: key revoked for keyCompromise (serial $bserial)" \
    gca -I "$O" --passin pass:old-secret --passout pass:new-secret --batch
[ "$before" = "$(cert_audit_rows) $(sql "SELECT count(*) FROM ca")" ] &&
    pass "... nothing imported" || fail "... nothing imported"
# Revoked there too, it is history, and imported.
openssl ca -config "$O/openssl.cnf" -passin pass:old-secret \
    -revoke "$O/req/b.crt" -crl_reason keyCompromise 2>/dev/null
check "-I: the same, revoked in index.txt" gca -I "$O" \
    --passin pass:old-secret --passout pass:new-secret --batch

# --- 6. A full disk: the failed commit is not counted as signed.  The
# store is copied to a small tmpfs, filled but for 48 KiB, in a mount
# namespace of its own.
mkdir "$T/full" "$T/fout" "$T/fspool"
"$GF_BENCH_CSRS" "$T/fspool" 40
cat >"$T/full.sh" <<'EOS'
set -u
T=$1; shift
mount -t tmpfs -o size=512k tmpfs "$T/full" || exit 90
cp -a "$GENFIC_CA_DIR" "$T/full/store" || exit 91
export GENFIC_CA_DIR=$T/full/store
avail=$(df -k --output=avail "$T/full" | tail -1)
dd if=/dev/zero of="$T/full/fill" bs=1k count=$((avail - 48)) 2>/dev/null || exit 92
rows() { sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT (SELECT count(*) FROM cert) || ' ' || (SELECT count(*) FROM audit)"; }
rows >"$T/full.before"
"$GENFIC_CA" "$@" 2>"$T/full.err"
echo $? >"$T/full.status"
rows >"$T/full.after"
EOS
if [ "$(id -u)" -eq 0 ]; then ns="unshare -m"; else ns="unshare -rm"; fi
$ns sh "$T/full.sh" "$T" $SYS -s "$T/fspool" -o "$T/fout"
[ -s "$T/full.status" ] && pass "a full tmpfs in a mount namespace" ||
    fail "a full tmpfs in a mount namespace ($ns)"
[ "$(cat "$T/full.status" 2>/dev/null)" = 1 ] && pass "full disk: exit 1" || fail "full disk: exit 1"
grep -q "database or disk is full" "$T/full.err" && pass "full disk: said so" ||
    { fail "full disk: said so"; sed 's/^/#   /' "$T/full.err"; }
grep -q "genfic-system: 0 signed, 0 refused, 0 skipped, 40 not recorded" "$T/full.err" &&
    pass "full disk: the summary counts what was committed" ||
    { fail "full disk: the summary counts what was committed"; sed 's/^/#   /' "$T/full.err"; }
cmp -s "$T/full.before" "$T/full.after" && pass "full disk: no row added" || fail "full disk: no row added"
[ -z "$(ls "$T/fout")" ] && pass "full disk: no certificate written" || fail "full disk: no certificate written"

check "the audit chain verifies" gca --audit-verify
finish
