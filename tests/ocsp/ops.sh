#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 18 item 3: --pidfile (its content, removed at exit, in the
# foreground and detached), --log FILE with SIGHUP reopening it after a
# logrotate-style rename, --metrics scraped with curl and parsed as
# Prometheus text by python, its counters moving with the requests.
. "$(dirname "$0")/lib.sh"

SYS=$GENFIC_CA_DIR/certs/genfic-system.crt
ROOT=$T/root.pem
check "hierarchy" make_hierarchy
check "leaf" new_leaf leaf genfic-system system-secret
check "responder certificate" new_leaf responder genfic-system system-secret ocsp
SIGNER="--ca genfic-system --signer-cert $T/responder.crt --signer-key $T/responder.key"
ASK="-no_nonce -issuer $SYS -CAfile $ROOT -cert $T/leaf.crt"

# Python's reading of the text format: every sample "name{labels} value"
# has a number and a # TYPE of its family; prints "name{labels} value".
cat >"$T/prom.py" <<'PY'
import re, sys
types, out = {}, []
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*)?\})? (-?[0-9.e+]+)$')
for line in sys.stdin.read().splitlines():
    if line.startswith('# TYPE '):
        _, _, name, kind = line.split(' ')
        assert kind in ('counter', 'gauge'), line
        types[name] = kind
        continue
    if line.startswith('# HELP ') or not line:
        continue
    m = sample.match(line)
    if not m:
        sys.exit('not a sample: %r' % line)
    if m.group(1) not in types:
        sys.exit('no TYPE for %s' % m.group(1))
    float(m.group(5))
    out.append('%s%s %s' % (m.group(1), m.group(2) or '', m.group(5)))
print('\n'.join(out))
PY

LOG=$T/ocspd.log
# Not start_ocspd, which reads stderr: with --log, lines go to the file.
"$GENFIC_OCSPD" -f --allow-root -l 127.0.0.1:0 -d "$GENFIC_CA_DIR" $SIGNER \
    --pidfile "$T/ocspd.pid" --log "$LOG" --metrics 127.0.0.1:0 >"$T/stderr" 2>&1 &
PID=$!
ocspd_pids="$ocspd_pids $PID"
wait_grep "genfic-ocspd: serving" "$LOG"
PORT=$(sed -n 's/.*genfic-ocspd: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$LOG")
MPORT=$(sed -n 's/.*genfic-ocspd: metrics on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$LOG")
URL="http://127.0.0.1:$PORT"
[ -n "$PORT" ] && [ -n "$MPORT" ] && pass "--log: the startup lines are in the file" ||
    fail "--log: the startup lines are in the file: $(cat "$LOG" "$T/stderr")"
[ ! -s "$T/stderr" ] && pass "--log: nothing on stderr" || fail "--log: nothing on stderr: $(cat "$T/stderr")"
[ "$(cat "$T/ocspd.pid")" = "$PID" ] && pass "--pidfile holds the daemon's pid" ||
    fail "--pidfile holds the daemon's pid ($(cat "$T/ocspd.pid") vs $PID)"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z genfic-ocspd: listening' "$LOG" &&
    pass "--log lines carry a UTC time" || fail "--log lines carry a UTC time"

scrape() {
	curl -sf "http://127.0.0.1:$MPORT/metrics" >"$T/metrics.txt" &&
	    python3 "$T/prom.py" <"$T/metrics.txt" >"$T/samples"
}
sample() {
	awk -v k="$1" '$1 == k { print $2 }' "$T/samples"
}
check "metrics: curl scrapes, python parses the text format" scrape
curl -sI "http://127.0.0.1:$MPORT/metrics" | grep -qi '^content-type: text/plain; version=0.0.4' &&
    pass "metrics: the exposition format's content type" || fail "metrics: the exposition format's content type"
good0=$(sample 'genfic_ocspd_requests_total{status="good"}')
hit0=$(sample 'genfic_ocspd_cache_total{result="hit"}')
code0=$(sample 'genfic_ocspd_http_responses_total{code="405"}')
ask "good" 'leaf.crt: good' $ASK
ask "good again (cached)" 'leaf.crt: good' $ASK
ask "and again" 'leaf.crt: good' $ASK
curl -s -X PUT "$URL/" >/dev/null
check "metrics: scraped again" scrape
[ "$(sample 'genfic_ocspd_requests_total{status="good"}')" -eq $((good0 + 3)) ] &&
    pass "metrics: three more good answers" || fail "metrics: three more good answers ($good0 -> $(sample 'genfic_ocspd_requests_total{status="good"}'))"
[ "$(sample 'genfic_ocspd_cache_total{result="hit"}')" -eq $((hit0 + 2)) ] &&
    pass "metrics: two cache hits" || fail "metrics: two cache hits"
[ "$(sample 'genfic_ocspd_http_responses_total{code="405"}')" -eq $((code0 + 1)) ] &&
    pass "metrics: the 405 counted by code" || fail "metrics: the 405 counted by code"
age=$(sample genfic_ocspd_snapshot_age_seconds)
[ -n "$age" ] && [ "$age" -ge 0 ] && [ "$age" -lt 3600 ] && pass "metrics: snapshot age ($age s)" ||
    fail "metrics: snapshot age ($age)"
[ "$(sample genfic_ocspd_cache_entries)" -ge 1 ] && pass "metrics: cache entries" || fail "metrics: cache entries"
curl -s "$URL/metrics" | grep -q genfic_ocspd_requests_total &&
    fail "metrics are not on the OCSP port" || pass "metrics are not on the OCSP port"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$MPORT/metrics")
[ "$code" = 405 ] && pass "metrics: POST refused (405)" || fail "metrics: POST refused ($code)"

# logrotate: rename, SIGHUP, the new file gets the new lines.
mv "$LOG" "$LOG.1"
kill -HUP "$PID"
wait_grep "reopened" "$LOG"
ask "a request after the rotation" 'leaf.crt: good' $ASK
wait_grep "POST ca=genfic-system" "$LOG"
grep -q "POST ca=genfic-system" "$LOG" && pass "SIGHUP: the request is logged in the new file" ||
    fail "SIGHUP: the request is logged in the new file: $(cat "$LOG" 2>&1)"
n_old=$(grep -c "POST ca=genfic-system" "$LOG.1")
[ "$n_old" -eq 3 ] && pass "SIGHUP: the rotated file keeps the three before" ||
    fail "SIGHUP: the rotated file keeps the three before ($n_old)"
check "stops" stop_ocspd
[ ! -e "$T/ocspd.pid" ] && pass "--pidfile removed at exit" || fail "--pidfile removed at exit"

# Detached (no -f): the pid is the daemon's, --log still gets its lines.
LOG2=$T/bg.log
ocspd -l 127.0.0.1:0 --allow-root -d "$GENFIC_CA_DIR" $SIGNER --pidfile "$T/bg.pid" \
    --log "$LOG2" >"$T/out" 2>&1
rc=$?
bgpid=$(cat "$T/bg.pid" 2>/dev/null)
[ $rc -eq 0 ] && [ -n "$bgpid" ] && kill -0 "$bgpid" 2>/dev/null &&
    pass "detached: --pidfile names the running daemon" || fail "detached: --pidfile names the running daemon (rc $rc)"
grep -q "serving genfic-system" "$LOG2" && pass "detached: --log, not syslog" || fail "detached: --log, not syslog"
[ -n "$bgpid" ] && kill -TERM "$bgpid"
i=0
while [ $i -lt 50 ] && [ -e "$T/bg.pid" ]; do sleep 0.1; i=$((i + 1)); done
[ ! -e "$T/bg.pid" ] && pass "detached: --pidfile removed at exit" || fail "detached: --pidfile removed at exit"

ocspd -f -l 127.0.0.1:0 --allow-root -d "$GENFIC_CA_DIR" $SIGNER --log "$T/nodir/x.log" >/dev/null 2>"$T/err"
[ $? -eq 1 ] && grep -q "^genfic-ocspd: --log: .*x.log: No such file" "$T/err" && pass "--log in a missing directory: refused" ||
    fail "--log in a missing directory: refused: $(cat "$T/err")"
ocspd -f -l 127.0.0.1:0 --allow-root -d "$GENFIC_CA_DIR" $SIGNER --metrics nonsense >/dev/null 2>"$T/err"
[ $? -eq 2 ] && pass "--metrics without a port: usage" || fail "--metrics without a port: usage"
finish
