#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What another process of the daemon's own user can learn of its
# passphrase (issue 14): genfic-ocspd started as nobody with --passin
# env:VAR is not dumpable (no /proc/PID/environ or mem for nobody, no core
# file), wipes the variable, and keeps the passphrase only in OpenSSL's
# secure heap (not dumped, locked); --passin pass: is warned about.  Needs
# root to play nobody and to look at the daemon's memory; skipped
# otherwise.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	skip "secrets" "needs root and a user nobody"
	finish
	exit
fi
for tool in setpriv python3; do
	command -v $tool >/dev/null 2>&1 ||
	    { fail "needs $tool"; finish; exit 1; }
done

P=$(mktemp -d "${TMPDIR:-/tmp}/genfic-ocspd-secrets.XXXXXX")
chmod 755 "$P"
trap 'ocspd_cleanup; rm -rf "$P"' EXIT
GENFIC_CA_DIR=$P/store
export GENFIC_CA_DIR
SYS=$GENFIC_CA_DIR/certs/genfic-system.crt
SYSASK="-no_nonce -issuer $SYS -CAfile $T/root.pem"
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
as_nobody() {
	setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
	    -- "$@"
}
# One no other file or process holds, to look for in memory.
SECRET=gf-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')

check "hierarchy" make_hierarchy
check "leaf" new_leaf good genfic-system system-secret
check "responder key under a passphrase" gca -R "$P/responder" \
    --passout "pass:$SECRET" --subject "/CN=responder.example" --batch
check "responder certificate" gca -p genfic-system -s "$P/responder.req" \
    -t ocsp -o "$P/responder.crt" --passin pass:system-secret --batch
chmod 644 "$P/responder.key"
SIGNER="--signer-cert $P/responder.crt --signer-key $P/responder.key"

# mem_report PID: "in N out M" occurrences of $SECRET in the memory of
# PID, inside and outside mappings the kernel will not dump (VmFlags dd:
# OpenSSL's secure heap), then where the outside ones are.  Mappings over
# 4 GiB (AddressSanitizer's reserved ranges) are left out.
mem_report() {
	python3 - "$1" "$SECRET" <<'PY'
import re, sys
pid, secret = sys.argv[1], sys.argv[2].encode()
inside = outside = 0
where = []
region = None
regions = []
for line in open("/proc/%s/smaps" % pid):
    m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)\s+\S+\s+\S+\s+\S+\s*(.*)", line)
    if m:
        region = [int(m.group(1), 16), int(m.group(2), 16), m.group(3),
                  m.group(4), False]
        regions.append(region)
    elif line.startswith("VmFlags:"):
        region[4] = " dd" in " " + line.split(":", 1)[1]
with open("/proc/%s/mem" % pid, "rb", buffering=0) as mem:
    for lo, hi, perms, name, dd in regions:
        if perms[0] != "r" or name == "[vvar]" or hi - lo > 1 << 32:
            continue
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except (OSError, MemoryError):
            continue
        n = data.count(secret)
        if dd:
            inside += n
        elif n:
            outside += n
            where.append("%x-%x %s %s" % (lo, hi, perms, name))
print("in %d out %d" % (inside, outside))
for w in where:
    print(w)
PY
}

# AddressSanitizer makes mlock() a no-op: there, the heap need only exist.
LOCKED=1024
ldd "$GENFIC_OCSPD" 2>/dev/null | grep -q libasan && LOCKED=0

# --- As nobody from the start, passphrase from the environment.
LOG=$T/env.log
GF_TEST_PASS=$SECRET
export GF_TEST_PASS
saved=${GENFIC_CA_WRAPPER:-}
GENFIC_CA_WRAPPER="setpriv --reuid=$NOBODY_UID --regid=$NOBODY_GID --clear-groups -- $saved"
check "starts as nobody with --passin env:" start_ocspd "$LOG" \
    -d "$GENFIC_CA_DIR" --ca genfic-system $SIGNER --passin env:GF_TEST_PASS
GENFIC_CA_WRAPPER=$saved
unset GF_TEST_PASS
ask "answers" 'good.crt: good' $SYSASK -cert "$T/good.crt"
check "runs as nobody" grep -Eq "^Uid:[[:space:]]+$NOBODY_UID[[:space:]]" \
    "/proc/$PID/status"
check "not dumpable: its /proc files are root's" \
    test "$(stat -c %u "/proc/$PID/status")" -eq 0
check "nobody cannot read its environ" not as_nobody cat "/proc/$PID/environ"
check "nobody cannot open its memory" not as_nobody sh -c \
    "exec 3<'/proc/$PID/mem'"
check "no core file" grep -Eq '^Max core file size +0 +0 ' "/proc/$PID/limits"
check "the variable is wiped from its environ" not grep -qa "$SECRET" \
    "/proc/$PID/environ"
mem_report "$PID" >"$T/mem"
if [ "$LOCKED" -eq 0 ]; then
	# AddressSanitizer's quarantine keeps blocks OpenSSL freed unwiped.
	check "passphrase in memory that is not dumped (ASan: others uncounted)" \
	    grep -Eq '^in [1-9]' "$T/mem"
else
	check "passphrase only in memory that is not dumped" \
	    grep -Eq '^in [1-9][0-9]* out 0$' "$T/mem"
fi
sed 's/^/#   /' "$T/mem"
check "the secure heap is locked in memory (at least ${LOCKED} kB)" python3 -c "
import re, sys
size = locked = 0
for line in open('/proc/$PID/smaps'):
    if re.match(r'[0-9a-f]+-[0-9a-f]+ ', line): size = locked = 0
    elif line.startswith('Size:'): size = int(line.split()[1])
    elif line.startswith('Locked:'): locked = int(line.split()[1])
    elif line.startswith('VmFlags:') and ' dd' in line and size >= 1024 \\
        and locked >= $LOCKED:
        sys.exit(0)
sys.exit(1)"
kill -HUP "$PID"
i=0
while [ $i -lt 50 ] && ! grep -q 'SIGHUP: reloaded' "$LOG"; do
	sleep 0.1
	i=$((i + 1))
done
check "SIGHUP reloads the signer with the kept passphrase" \
    grep -q 'SIGHUP: reloaded' "$LOG"
ask "... and answers" 'good.crt: good' $SYSASK -cert "$T/good.crt"
check "SIGTERM: exits 0" stop_ocspd
check "nothing but the usual said" not grep -q 'warning' "$LOG"

# --- pass: on the command line: served, with the CLI's warning.
LOG=$T/pass.log
check "starts with --passin pass:" start_ocspd "$LOG" -d "$GENFIC_CA_DIR" \
    --ca genfic-system $SIGNER --passin "pass:$SECRET" -u nobody
check "... and warns about it" grep -q \
    '^genfic-ocspd: warning: a pass: passphrase is visible to other users' \
    "$LOG"
ask "answers" 'good.crt: good' $SYSASK -cert "$T/good.crt"
check "SIGTERM: exits 0" stop_ocspd

finish
