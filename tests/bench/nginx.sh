#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# genfic-ocspd behind nginx, in one run with wrk on 127.0.0.1 (issue 18
# item 4): (a) nginx serving the same DER response as a static file,
# (b) genfic-ocspd direct, GET and POST, (c) through the shipped nginx cache
# (contrib/nginx/genfic-ocsp.conf), (d) two responders behind nginx with
# the cache off, (e) live signing (nonce) on one and two responders, and
# the same nginx cache in front of a static upstream serving the same
# bytes; origin requests through the cache at 64 and 512 connections; the
# p99 of each at 64; openssl speed for the signer key.  Each figure is the
# median of GF_BENCH_RUNS (3) runs of GF_BENCH_SECONDS (3) s, the cases
# interleaved run by run.  With GF_BENCH_PIN=1, wrk (one thread) runs on
# CPU 0 and the servers (nginx with one worker, the responders) on CPU 1,
# so that the client does not take the servers' core, and openssl speed
# runs on CPU 1 alone.  With GF_BENCH_PUBLISH=1 the responders serve a
# signed snapshot of the store (--publish, --install, --snapshot-trust), as
# issue 18 deploys them, instead of the live store.  Not run by the test
# suite:
#
#   tests/bench/nginx.sh [BUILD-DIR]        (default: build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
GENFIC_CA=${GENFIC_CA:-$build/src/genfic-ca}
GENFIC_OCSPD=${GENFIC_OCSPD:-$build/ocsp/genfic-ocspd}
GF_BENCH_FILL=${GF_BENCH_FILL:-$build/tests/bench/gf-bench-fill}
GENFIC_CA_TEMPLATES=${GENFIC_CA_TEMPLATES:-$src/ca-templates}
SECONDS_=${GF_BENCH_SECONDS:-3}
RUNS=${GF_BENCH_RUNS:-3}
MAXAGE=${GF_BENCH_MAXAGE:-2}	# responders' --max-age: entries expire in a run
export GENFIC_CA_TEMPLATES
CONF=$src/contrib/nginx/genfic-ocsp.conf
WRK="wrk -t2"
ON_SERVER=""
WORKERS=2
SPEED="openssl speed -seconds 3 -multi $(nproc) ecdsap256"
if [ "${GF_BENCH_PIN:-0}" = 1 ]; then
	[ "$(nproc)" -ge 2 ] || { echo "bench: GF_BENCH_PIN needs 2 CPUs" >&2;
	    exit 1; }
	WRK="taskset -c 0 wrk -t1"
	ON_SERVER="taskset -c 1"
	WORKERS=1
	SPEED="taskset -c 1 openssl speed -seconds 3 ecdsap256"
fi

for t in wrk nginx curl sqlite3 python3; do
	command -v $t >/dev/null 2>&1 || { echo "bench: needs $t" >&2; exit 1; }
done
for b in "$GENFIC_CA" "$GENFIC_OCSPD" "$GF_BENCH_FILL"; do
	[ -x "$b" ] || { echo "bench: no $b: build first" >&2; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/genfic-bench-nginx.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export GENFIC_CA_DIR="$T/store"
. "$here/ocsp-lib.sh"
gca() { "$GENFIC_CA" "$@"; }
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- A P-256 system CA with 10000 certificates, a delegated P-256 signer.
gca -r genfic -k ec:P-256 --passout pass:bench --batch >/dev/null
gca -p genfic -c genfic-system --passin pass:bench --passout pass:bench \
    --batch >/dev/null
"$GF_BENCH_FILL" "$GENFIC_CA_DIR" genfic-system 10000 1 pass:bench
SYS=$GENFIC_CA_DIR/certs/genfic-system.crt
gca -R "$T/ocsp" --nopass --subject "/CN=bench OCSP responder" --batch \
    >/dev/null 2>&1
gca -p genfic-system -s "$T/ocsp.req" -t ocsp -o "$T/ocsp.crt" \
    --passin pass:bench --batch >/dev/null 2>&1
ocsp_requests "$SYS" genfic-system
SERVE=$GENFIC_CA_DIR
TRUST=""
if [ "${GF_BENCH_PUBLISH:-0}" = 1 ]; then
	gca --publish "$T/pub" -p genfic-system --passin pass:bench --batch \
	    >/dev/null 2>&1
	TRUST="--snapshot-trust $GENFIC_CA_DIR/certs/genfic.crt"
	"$GENFIC_OCSPD" --install "$T/pub" -d "$T/online" $TRUST >/dev/null
	SERVE=$T/online
fi

# --- Two responders (each may use every core: the machine's split).
root=""
[ "$(id -u)" -eq 0 ] && root=--allow-root
start_responder() {
	$ON_SERVER "$GENFIC_OCSPD" --foreground -l 127.0.0.1:0 $root -q \
	    -d "$SERVE" $TRUST --ca genfic-system --signer-cert "$T/ocsp.crt" \
	    --signer-key "$T/ocsp.key" --max-age "$MAXAGE" \
	    --max-connections 4096 --max-per-ip 2048 >"$T/ocspd$1.log" 2>&1 &
	# Run in $(...): the caller adds the pid to those cleanup() stops.
	echo $! >"$T/ocspd$1.pid"
	i=0
	while ! grep -q '^genfic-ocspd: serving' "$T/ocspd$1.log" \
	    2>/dev/null; do
		sleep 0.1; i=$((i + 1))
		[ $i -lt 100 ] || { cat "$T/ocspd$1.log" >&2; exit 1; }
	done
	sed -n 's/^genfic-ocspd: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$T/ocspd$1.log"
}
PA=$(start_responder A)
PB=$(start_responder B)
pids="$pids $(cat "$T/ocspdA.pid") $(cat "$T/ocspdB.pid")"
curl -s -o "$T/r.der" "http://127.0.0.1:$PA/$GETPATH"

# --- nginx: one instance per configuration, two workers each (one pinned).
user=""
[ "$(id -u)" -eq 0 ] && user="user root root;"
# nginx_run NAME PORT HTTP-BODY: starts it, waits for PORT.
nginx_run() {
	d=$T/$1
	mkdir -p "$d/cache"
	cat >"$d/nginx.conf" <<EOF
$user
daemon off;
worker_processes $WORKERS;
error_log $d/error.log;
pid $d/nginx.pid;
events { worker_connections 4096; }
http {
	include /etc/nginx/mime.types;
	access_log off;
	client_body_temp_path $d/body;
	proxy_temp_path $d/proxy;
	fastcgi_temp_path $d/fastcgi;
	uwsgi_temp_path $d/uwsgi;
	scgi_temp_path $d/scgi;
$3
}
EOF
	$ON_SERVER nginx -p "$d" -c "$d/nginx.conf" -e stderr >"$d/out" 2>&1 &
	pids="$pids $!"
	i=0
	while ! curl -s -o /dev/null "http://127.0.0.1:$2/"; do
		sleep 0.1; i=$((i + 1))
		[ $i -lt 100 ] || { cat "$d/out" >&2; exit 1; }
	done
}
# shipped NAME PORT UP1 UP2 [SED]: the shipped file in front of UP1, UP2.
shipped() {
	mkdir -p "$T/$1"
	sed -e "s|listen 80;|listen 127.0.0.1:$2 reuseport;|" \
	    -e "s|127\.0\.0\.1:8081|127.0.0.1:$3|" \
	    -e "s|127\.0\.0\.1:8082|127.0.0.1:$4|" \
	    -e "s|/var/cache/nginx/genfic-ocsp|$T/$1/cache|" \
	    -e "s|/var/log/nginx/genfic-ocsp.log|$T/$1/access.log|" \
	    -e "s|/var/www/genfic-crl/|$T/|" ${5:+-e "$5"} "$CONF"
}
S=$(free_port)		# static file, and the static upstream
C=$(free_port)		# shipped cache, responders
U=$(free_port)		# shipped cache, static upstream
N=$(free_port)		# shipped, cache off, responders
mkdir -p "$T/static/www"
cp "$T/r.der" "$T/static/www/r.der"
nginx_run static "$S" "server {
	listen 127.0.0.1:$S reuseport;
	root $T/static/www;
	location / {
		default_type application/ocsp-response;
		try_files /r.der =404;
		add_header Cache-Control \"max-age=$MAXAGE, public, no-transform, must-revalidate\";
	}
}"
nginx_run cache "$C" "$(shipped cache "$C" "$PA" "$PB")"
nginx_run cache-static "$U" "$(shipped cache-static "$U" "$S" "$S")"
nginx_run nocache "$N" "$(shipped nocache "$N" "$PA" "$PB" \
    's/proxy_cache genfic_ocsp;/proxy_cache off;/')"

# --- Measuring.
# wrk_once CONNS URL [BODY]: "requests/s p99-ms errors" of one run.
wrk_once() {
	c=$1 url=$2
	if [ $# -gt 2 ]; then
		GF_BENCH_BODY=$3 $WRK -c"$c" -d"${SECONDS_}s" --latency \
		    --timeout 5s -s "$T/post.lua" "$url" >"$T/wrk" 2>&1
	else
		$WRK -c"$c" -d"${SECONDS_}s" --latency --timeout 5s "$url" \
		    >"$T/wrk" 2>&1
	fi
	awk '
	    /^Requests\/sec:/ { rps = $2 }
	    $1 == "99%" {
		v = $2
		if (v ~ /us$/) { sub(/us$/, "", v); p99 = v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); p99 = v }
		else if (v ~ /s$/) { sub(/s$/, "", v); p99 = v * 1000 }
	    }
	    /Non-2xx/ { bad += $NF }
	    /Socket errors/ { bad += 1 }
	    END { printf "%d %.2f %d\n", rps, p99, bad }' "$T/wrk"
}
# origin: GET requests nginx sent to the responders in the last run
# (MISS, EXPIRED, REVALIDATED; HIT, STALE and UPDATING came from the cache).
origin() {
	awk '/ cache=(MISS|EXPIRED|REVALIDATED|BYPASS) / { n++ } END { print n + 0 }' \
	    "$T/cache/access.log"
}

CASES="static direct-GET direct-POST cache cache-static nocache-GET nonce-1 nonce-2 cache-512"
one() {
	case $1 in
	static)		wrk_once 64 "http://127.0.0.1:$S/r.der" ;;
	direct-GET)	wrk_once 64 "http://127.0.0.1:$PA/$GETPATH" ;;
	direct-POST)	wrk_once 64 "http://127.0.0.1:$PA/" "$T/req.der" ;;
	cache)		wrk_once 64 "http://127.0.0.1:$C/$GETPATH" ;;
	cache-static)	wrk_once 64 "http://127.0.0.1:$U/$GETPATH" ;;
	nocache-GET)	wrk_once 64 "http://127.0.0.1:$N/$GETPATH" ;;
	nonce-1)	wrk_once 64 "http://127.0.0.1:$PA/" "$T/nonce.der" ;;
	nonce-2)	wrk_once 64 "http://127.0.0.1:$N/" "$T/nonce.der" ;;
	cache-512)	wrk_once 512 "http://127.0.0.1:$C/$GETPATH" ;;
	esac
}

echo "== $(nproc) CPUs; pinned: ${GF_BENCH_PIN:-0}; serving $SERVE;" \
    "load before: $(cut -d' ' -f1-3 /proc/loadavg); ${SECONDS_} s x $RUNS" \
    "runs, interleaved; responders --max-age $MAXAGE"
r=1
while [ $r -le "$RUNS" ]; do
	for k in $CASES; do
		: >"$T/cache/access.log"
		sleep 0.2
		res=$(one $k)
		sleep 0.5
		echo "$k $res $(origin)" >>"$T/all"
		[ $k != cache-512 ] || awk '{ sub(/.* cache=/, ""); sub(/ .*/, ""); n[$0]++ }
		    END { for (s in n) printf "%s=%d ", s, n[s]; print "" }' \
		    "$T/cache/access.log" >>"$T/statuses"
	done
	r=$((r + 1))
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# median CASE FIELD: of the runs (2 req/s, 3 p99, 4 errors, 5 origin).
median() {
	awk -v k="$1" -v f="$2" '$1 == k { print $f }' "$T/all" | sort -n |
	    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
printf '%-14s %10s %9s %7s %9s   %s\n' case req/s p99-ms errors origin/s runs
for k in $CASES; do
	printf '%-14s %10s %9s %7s %9s   %s\n' "$k" "$(median $k 2)" \
	    "$(median $k 3)" "$(median $k 4)" \
	    "$(awk -v o="$(median $k 5)" -v s="$SECONDS_" 'BEGIN { printf "%.1f", o / s }')" \
	    "$(awk -v k=$k '$1 == k { printf "%s ", $2 }' "$T/all")"
done
echo "== cache statuses at 512 connections, run by run: $(cat "$T/statuses")"
SPEEDCMD=$SPEED
SPEED=$($SPEEDCMD 2>/dev/null |
    awk '/^ *256 bits ecdsa/ { print int($(NF-1)) }' | tail -1)
ratio() {
	awk -v a="$(median "$1" 2)" -v b="$(median "$2" 2)" \
	    'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'
}
echo "== ratios (medians, same run)"
echo "direct GET / static file:            $(ratio direct-GET static)"
echo "direct POST / static file:           $(ratio direct-POST static)"
echo "cache (responders) / cache (static): $(ratio cache cache-static)"
echo "cache / static file:                 $(ratio cache static)"
echo "2 responders, no cache / direct GET: $(ratio nocache-GET direct-GET)"
echo "nonce: 2 responders / 1:             $(ratio nonce-2 nonce-1)"
echo "cache at 512 / at 64 connections:    $(ratio cache-512 cache)"
echo "$SPEEDCMD: $SPEED sign/s"
awk -v l1="$(median nonce-1 2)" -v l2="$(median nonce-2 2)" -v s="$SPEED" \
    'BEGIN { if (s > 0) printf "live signing / openssl speed: 1 responder %.2f, 2 behind nginx %.2f\n", l1 / s, l2 / s }'
