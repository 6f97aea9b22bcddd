#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Privilege separation (docs/security.md): requests are parsed only in
# parser processes forked before the CA key is loaded.  A parser keeps
# no descriptor but its socket and stderr, has no_new_privs, a seccomp
# filter where the build has libseccomp, no core, no file to grow, no new
# descriptor, and none of the CA key in its memory; a parser that dies or
# lies refuses its batch with a clear error, and nothing is half-written;
# a spool run again skips what it signed without a parser.
. "$(dirname "$0")/lib.sh"

make_hierarchy || { echo "Bail out! hierarchy"; exit 1; }
SYS="-p genfic-system --batch"
PASS="--passin pass:system-secret"
mkdir "$T/spool" "$T/o"
i=0
while [ $i -lt 120 ]; do
	n=$(printf 'h%03d' $i)
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout /dev/null -subj "/CN=$n.example.org" \
	    -out "$T/spool/$n.req" 2>/dev/null || { echo "Bail out! csr"; exit 1; }
	i=$((i + 1))
done
mkdir "$T/small"
cp "$T/spool/h00"[0-9].req "$T/spool/h01"[0-9].req "$T/small/"

# children PID N: the N parser processes of genfic-ca PID, once all are
# forked and have had the time to drop what they do not need.
children() {
	ch_n=0
	while [ $ch_n -lt 100 ]; do
		ch=$(pgrep -P "$1" | tr '\n' ' ')
		if [ "$(echo $ch | wc -w)" -eq "$2" ]; then
			sleep 1
			echo "$ch"
			return 0
		fi
		sleep 0.1
		ch_n=$((ch_n + 1))
	done
	return 1
}
# A spool's parsers: one per batch of 32 requests, at most 2 per CPU.
CPUS=$(nproc)
BIG=$((2 * CPUS < 4 ? 2 * CPUS : 4))

# --- What a parser has, while the parent waits for the passphrase (the
# CA key is read after the parsers are forked).
mkfifo "$T/pass"
# genfic-ca itself in the background (not gca, a function: a subshell).
"$GENFIC_CA" $SYS -s "$T/small" -o "$T/o" --passin fd:0 <"$T/pass" \
    >/dev/null 2>"$T/limits.err" &
exec 9>"$T/pass"
pid=$!
kids=$(children $pid 1) || kids=
if [ -n "$kids" ]; then pass "parsers forked before the passphrase is read"
else fail "parsers forked before the passphrase is read"; fi
ok_nnp=1 ok_fd=1 ok_lim=1 ok_sec=1
for k in $kids; do
	grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/$k/status || ok_nnp=0
	[ "$(ls /proc/$k/fd | sort | tr '\n' ' ')" = "2 3 " ] || ok_fd=0
	for l in "Max core file size" "Max file size" "Max open files"; do
		grep -q "^$l *0 *0 " /proc/$k/limits || ok_lim=0
	done
	grep -q '^Seccomp:[[:space:]]*2$' /proc/$k/status || ok_sec=0
done
[ -n "$kids" ] && [ $ok_nnp = 1 ] && pass "a parser has NoNewPrivs" ||
    fail "a parser has NoNewPrivs"
[ -n "$kids" ] && [ $ok_fd = 1 ] && pass "... no descriptor but stderr and its socket (no store)" ||
    { fail "... no descriptor but stderr and its socket (no store)"; ls -l /proc/$k/fd | sed 's/^/#   /'; }
[ -n "$kids" ] && [ $ok_lim = 1 ] && pass "... no core, no file size, no new descriptor" ||
    { fail "... no core, no file size, no new descriptor"; sed 's/^/#   /' /proc/$k/limits; }
if [ "${GF_SECCOMP:-0}" = 1 ]; then
	[ -n "$kids" ] && [ $ok_sec = 1 ] && pass "... a seccomp filter" ||
	    fail "... a seccomp filter"
else
	skip "... a seccomp filter" "built without libseccomp"
fi
echo system-secret >&9
exec 9>&-
wait $pid
st=$?
[ $st -eq 0 ] && [ "$(ls "$T/o" | wc -l)" -eq 20 ] &&
    pass "... and the spool is signed" ||
    { fail "... and the spool is signed (exit $st)"; sed 's/^/#   /' "$T/limits.err"; }
rm -f "$T/o"/*
sqlite3 "$GENFIC_CA_DIR/ca.db" "DELETE FROM request_digest; UPDATE cert SET revoked_at = 1, reason = 4 WHERE ca_id = (SELECT id FROM ca WHERE name = 'genfic-system')"

# --- The CA key is in the parent's memory, never in a parser's: the
# parent is held (its standard output, a pipe nobody reads, is full) while
# it signs, the parsers still alive.
KEYHEX=$(openssl pkey -in "$GENFIC_CA_DIR/private/genfic-system.key" \
    -passin pass:system-secret -noout -text 2>/dev/null |
    sed -n '/^priv:/,/^pub:/{/^priv:/d;/^pub:/d;p}' | tr -d ' :\n')
mkfifo "$T/certs"
"$GENFIC_CA" $SYS $PASS -s "$T/spool" >"$T/certs" 2>"$T/mem.err" &
pid=$!
exec 8<"$T/certs"
kids=$(children $pid $BIG) || kids=
sleep 1
if [ -z "$KEYHEX" ] || [ -z "$kids" ]; then
	fail "the CA key in the parent's memory, in no parser's (no key or no parser)"
else
	python3 - "$KEYHEX" $pid $kids >"$T/mem.out" 2>&1 <<'PY'
import re, sys
# The P-256 scalar, as stored (big-endian) and as a BIGNUM holds it.
key = bytes.fromhex(sys.argv[1])[-32:]
forms = [key, key[::-1]]

CHUNK = 1 << 24

def holds(pid):
    found = False
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
            if "r" not in m.group(3) or "[vvar]" in line or "[vsyscall]" in line:
                continue
            lo, hi = int(m.group(1), 16), int(m.group(2), 16)
            # ASan's shadow: terabytes reserved, never the heap.
            if hi - lo > 1 << 30:
                continue
            # In chunks that overlap by a key's length less one.
            for at in range(lo, hi, CHUNK):
                try:
                    mem.seek(at)
                    data = mem.read(min(CHUNK + 31, hi - at))
                except OSError:
                    break
                if any(f in data for f in forms):
                    found = True
    return found

parent = holds(int(sys.argv[2]))
kids = [holds(int(k)) for k in sys.argv[3:]]
print("parent", parent, "parsers", kids)
sys.exit(0 if parent and not any(kids) else 1)
PY
	if [ $? -eq 0 ]; then pass "the CA key in the parent's memory, in no parser's"
	else fail "the CA key in the parent's memory, in no parser's"; sed 's/^/#   /' "$T/mem.out"; fi
fi
cat <&8 >/dev/null
exec 8<&-
wait $pid
check "... and the spool is signed" [ $? -eq 0 ]

# --- A parser that lies, crashes or exits: its batch is refused with a
# clear error, nothing is signed nor written, and a run without the fault
# signs everything.
sqlite3 "$GENFIC_CA_DIR/ca.db" "DELETE FROM request_digest; UPDATE cert SET revoked_at = 1, reason = 4 WHERE ca_id = (SELECT id FROM ca WHERE name = 'genfic-system')"
for f in garbage:"sent a reply that does not parse" \
    crash:"was killed by signal" exit:"exited with status 3"; do
	mode=${f%%:*} msg=${f#*:}
	certs=$(rows cert) audit=$(rows audit)
	GF_PARSERFAULT=$mode preloaded "$GF_PARSERFAULT_LIB" \
	    "$GENFIC_CA" $SYS $PASS -s "$T/small" -o "$T/o" >"$T/run.out" \
	    2>"$T/err.txt"
	st=$?
	n=$(grep -c "^genfic-ca: $T/small/h0[0-9][0-9].req: the request parser (pid [0-9]*) $msg" "$T/err.txt")
	[ $st -eq 1 ] && [ "$n" -eq 20 ] &&
	    pass "a parser that $mode: each request refused, saying so" ||
	    { fail "a parser that $mode: each request refused, saying so (exit $st, $n)"; sed 's/^/#   /' "$T/err.txt" | head -5; }
	[ "$(rows cert)" = "$certs" ] && [ "$(rows audit)" = "$audit" ] &&
	    [ -z "$(ls "$T/o")" ] &&
	    pass "... nothing recorded, nothing written" ||
	    fail "... nothing recorded, nothing written"
done
refuse "--inspect goes through a parser too" 1 "the request parser (pid [0-9]*) exited with status 3" \
    env GF_PARSERFAULT=exit LD_PRELOAD="$GF_PARSERFAULT_LIB" \
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
    "$GENFIC_CA" -p genfic-system --inspect "$T/small/h000.req"
check "a run without the fault signs them all" \
    gca $SYS $PASS -s "$T/small" -o "$T/o"
[ "$(ls "$T/o" | wc -l)" -eq 20 ] && pass "... 20 certificates" ||
    fail "... 20 certificates"

# --- Run again, what was signed is known by its file's bytes: no parser
# is asked (every parser would exit), every request is skipped.
GF_PARSERFAULT=exit preloaded "$GF_PARSERFAULT_LIB" \
    "$GENFIC_CA" $SYS $PASS -s "$T/small" -o "$T/o" >"$T/run.out" \
    2>"$T/err.txt"
st=$?
[ $st -eq 0 ] && grep -q "0 signed, 0 refused, 20 skipped" "$T/err.txt" &&
    pass "a re-run skips the signed files without a parser" ||
    { fail "a re-run skips the signed files without a parser (exit $st)"; sed 's/^/#   /' "$T/err.txt" | head -5; }
# A file whose certificate was revoked is parsed again, and signed again.
serial=$(openssl x509 -in "$T/o/h000.crt" -noout -serial | cut -d= -f2)
check "revoke h000's certificate" gca $SYS $PASS -x "$serial"
rm "$T/o/h000.crt"
gca $SYS $PASS -s "$T/small" -o "$T/o" >"$T/run.out" 2>"$T/err.txt"
grep -q "1 signed, 0 refused, 19 skipped" "$T/err.txt" &&
    [ -s "$T/o/h000.crt" ] &&
    pass "... a revoked one is parsed and signed again" ||
    { fail "... a revoked one is parsed and signed again"; sed 's/^/#   /' "$T/err.txt" | head -5; }
# Without the digests (what a store of before schema 7 signed), each file is
# parsed and recognised by its key and subject: skipped, whether its
# certificate file is there (its request would be refused: the file
# exists) or lost (written again from the store), and nothing is signed.
sqlite3 "$GENFIC_CA_DIR/ca.db" "DELETE FROM request_digest"
certs=$(rows cert) before=$(sha256sum "$T/o/h005.crt")
rm "$T/o/h007.crt"
gca $SYS $PASS -s "$T/small" -o "$T/o" >"$T/run.out" 2>"$T/err.txt"
grep -q "0 signed, 0 refused, 20 skipped" "$T/err.txt" &&
    [ "$(rows cert)" = "$certs" ] && [ -s "$T/o/h007.crt" ] &&
    [ "$(sha256sum "$T/o/h005.crt")" = "$before" ] &&
    pass "without digests, a re-run skips by key and subject" ||
    { fail "without digests, a re-run skips by key and subject"; sed 's/^/#   /' "$T/err.txt" | head -5; }
finish
