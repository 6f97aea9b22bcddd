# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the responder tests: the CLI test library (temporary store,
# gca, check, pass/fail, finish) plus starting and stopping genfic-ocspd.
. "$(dirname "$0")/../cli/lib.sh"
: "${GENFIC_OCSPD:?GENFIC_OCSPD must name the genfic-ocspd binary}"

ocspd_pids=""

ocspd_cleanup() {
	for p in $ocspd_pids; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap ocspd_cleanup EXIT

# not COMMAND...: succeeds when COMMAND fails (for check).
not() {
	! "$@"
}

# skip DESCRIPTION REASON: a check that cannot run here.
skip() {
	echo "ok - $1 # SKIP $2"
}

# wait_grep PATTERN FILE: until FILE has a line matching PATTERN (5 s).
wait_grep() {
	wg_i=0
	while [ $wg_i -lt 50 ] && ! grep -q -- "$1" "$2"; do
		sleep 0.1
		wg_i=$((wg_i + 1))
	done
}

# cert_serial CERT: its serial as openssl prints it (upper-case hex).
cert_serial() {
	openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'
}

# ocspd ARGS...: genfic-ocspd, under $GENFIC_CA_WRAPPER (valgrind) when set.
ocspd() {
	${GENFIC_CA_WRAPPER:-} "$GENFIC_OCSPD" "$@"
}

# start_ocspd LOG ARGS...: starts the daemon in the foreground on a port
# of 127.0.0.1 the kernel picks (--allow-root when we are root: add -u to
# drop anyway), and waits until it answers.  Sets PID, PORT and URL.
start_ocspd() {
	so_log=$1; shift
	so_root=""
	[ "$(id -u)" -eq 0 ] && so_root=--allow-root
	# Not through the ocspd function: $! must be the daemon itself.
	${GENFIC_CA_WRAPPER:-} "$GENFIC_OCSPD" --foreground -l 127.0.0.1:0 \
	    $so_root "$@" >"$so_log" 2>&1 &
	PID=$!
	ocspd_pids="$ocspd_pids $PID"
	PORT=""
	so_i=0
	while [ $so_i -lt 300 ]; do
		PORT=$(sed -n 's/^genfic-ocspd: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$so_log")
		[ -n "$PORT" ] && break
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
		so_i=$((so_i + 1))
	done
	URL="http://127.0.0.1:$PORT"
	[ -n "$PORT" ] || { sed 's/^/#   /' "$so_log"; return 1; }
	# "serving ..." comes after libmicrohttpd started.
	so_i=0
	while [ $so_i -lt 300 ]; do
		grep -q '^genfic-ocspd: serving ' "$so_log" && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
		so_i=$((so_i + 1))
	done
	sed 's/^/#   /' "$so_log"
	return 1
}

# stop_ocspd: SIGTERM, then the exit status of the daemon in $PID.
stop_ocspd() {
	kill -TERM "$PID" 2>/dev/null
	wait "$PID"
}

# ask DESC WANT ARGS...: openssl ocsp against $URL with ARGS; passes when
# the answer verifies and the output matches the extended regexp WANT.
ask() {
	ask_desc=$1 ask_want=$2; shift 2
	openssl ocsp -url "$URL" "$@" >"$T/out" 2>&1
	if grep -q '^Response verify OK' "$T/out" &&
	    grep -Eq -- "$ask_want" "$T/out"; then
		pass "$ask_desc"
	else
		fail "$ask_desc"
		sed 's/^/#   /' "$T/out" | head -20
	fi
}

# status_of DER: the OCSP responseStatus openssl reads in a response
# file, in lower case ("successful", "malformedrequest", ...).
status_of() {
	openssl ocsp -respin "$1" -resp_text -noverify 2>/dev/null | sed -n \
	    -e 's/^OCSP Response Status: \([A-Za-z]*\).*/\1/p' \
	    -e 's/^Responder Error: \([A-Za-z]*\).*/\1/p' | tr A-Z a-z
}

# urlencode TEXT: base64 text as RFC 5019 wants it in a path.
urlencode() {
	printf '%s' "$1" | sed -e 's/+/%2B/g' -e 's|/|%2F|g' -e 's/=/%3D/g'
}

# new_leaf NAME CA PASS [TEMPLATE]: key + request, signed by CA into $T/NAME.crt.
new_leaf() {
	gca -R "$T/$1" --nopass --subject "/CN=$1.example" --batch \
	    >/dev/null 2>&1 &&
	gca -p "$2" -s "$T/$1.req" ${4:+-t "$4"} -o "$T/$1.crt" \
	    --passin "pass:$3" --batch >/dev/null 2>&1
}
