# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the benchmark scripts: a temporary store with a P-256 issuing
# CA, timing helpers, and the peers' setup.  meson sets the programs; run
# directly, a script takes them from GF_BENCH_BUILD (default: build/).
set -eu
gf_src=$(cd "$(dirname "$0")/../.." && pwd)
gf_build=${GF_BENCH_BUILD:-$gf_src/build}
: "${GENFIC_CA:=$gf_build/src/genfic-ca}"
: "${GF_BENCH_FILL:=$gf_build/tests/bench/gf-bench-fill}"
: "${GF_BENCH_CSRS:=$gf_build/tests/bench/gf-bench-csrs}"
: "${GF_BENCH_TIME:=$gf_build/tests/bench/gf-bench-time}"
: "${GENFIC_CA_TEMPLATES:=$gf_src/ca-templates}"
export GENFIC_CA GF_BENCH_FILL GF_BENCH_CSRS GF_BENCH_TIME GENFIC_CA_TEMPLATES
for gf_p in "$GENFIC_CA" "$GF_BENCH_FILL"; do
	[ -x "$gf_p" ] || { echo "bench: no $gf_p: build first, or set GF_BENCH_BUILD" >&2; exit 1; }
done
if [ ! -x /usr/bin/time ]; then
	[ "$(id -u)" -eq 0 ] && apt-get install -y -qq time >/dev/null ||
	    { echo "bench: needs GNU time (apt-get install time)" >&2; exit 1; }
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/genfic-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
export GENFIC_CA_DIR="$T/store"

# make_store N REVOKED-PERCENT: root + genfic-system, N leaves of it, in
# $GENFIC_CA_DIR.  With GF_BENCH_CACHE=DIR the filled store is also kept in
# DIR/store-N-PERCENT and later runs copy it (filling 10^6 certificates
# takes minutes); empty DIR after a change of the schema or of the filler.
make_store() {
	gf_cache=${GF_BENCH_CACHE:+$GF_BENCH_CACHE/store-$1-$2}
	if [ -n "$gf_cache" ] && [ -f "$gf_cache/ca.db" ]; then
		cp -a "$gf_cache" "$GENFIC_CA_DIR"
		return
	fi
	"$GENFIC_CA" -r genfic -k ec:P-256 --passout pass:bench --batch >/dev/null
	"$GENFIC_CA" -p genfic -c genfic-system --passin pass:bench \
	    --passout pass:bench --batch >/dev/null
	"$GF_BENCH_FILL" "$GENFIC_CA_DIR" genfic-system "$1" "$2" pass:bench
	if [ -n "$gf_cache" ]; then
		mkdir -p "$GF_BENCH_CACHE" && rm -rf "$gf_cache.tmp"
		cp -a "$GENFIC_CA_DIR" "$gf_cache.tmp" && mv "$gf_cache.tmp" "$gf_cache"
	fi
}

# measure CMD...: "seconds max-RSS-KiB" of the median (by time) of 3 runs;
# the median CPU seconds (user + system), which a loaded machine disturbs
# less than wall time, go to $T/cpu.
measure() {
	for i in 1 2 3; do
		/usr/bin/time -f "%e %M %U %S" -o "$T/time" "$@" >/dev/null 2>&1 ||
		    { echo "bench: failed: $*" >&2; return 1; }
		cat "$T/time"
	done >"$T/runs"
	awk '{ print $3 + $4 }' "$T/runs" | sort -n | sed -n 2p >"$T/cpu"
	sort -n "$T/runs" | sed -n 2p | cut -d' ' -f1,2
}

# sample NAME STATUS CMD...: one run of CMD, which must exit with STATUS,
# its output discarded; "wall-s cpu-s peak-RSS-KiB" is added to $T/NAME.runs.
# Interleave the samples of the peers, so that a change of load hits both.
sample() {
	gf_name=$1 gf_status=$2
	shift 2
	"$GF_BENCH_TIME" "$T/time" "$gf_status" "$@" >/dev/null 2>&1 ||
	    { echo "bench: failed: $*" >&2; return 1; }
	cat "$T/time" >>"$T/$gf_name.runs"
}

# summary NAME: "wall-s cpu-s peak-RSS-KiB runs" of the samples of NAME:
# the median wall and CPU seconds, the highest peak RSS.
summary() {
	gf_n=$(wc -l <"$T/$1.runs")
	gf_m=$(( (gf_n + 1) / 2 ))
	echo "$(cut -d' ' -f1 "$T/$1.runs" | sort -g | sed -n "${gf_m}p")" \
	    "$(cut -d' ' -f2 "$T/$1.runs" | sort -g | sed -n "${gf_m}p")" \
	    "$(cut -d' ' -f3 "$T/$1.runs" | sort -n | tail -1)" "$gf_n"
}

# openssl_ca_dir CA: an `openssl ca` directory ($T/oca) holding the same
# CA and an index.txt of every certificate it issued in the store.
openssl_ca_dir() {
	mkdir -p "$T/oca"
	openssl pkey -in "$GENFIC_CA_DIR/private/$1.key" -passin pass:bench \
	    -out "$T/oca/ca.key"
	cp "$GENFIC_CA_DIR/certs/$1.crt" "$T/oca/ca.crt"
	sqlite3 -separator "$(printf '\t')" "$GENFIC_CA_DIR/ca.db" "
	    SELECT CASE WHEN revoked_at IS NULL THEN 'V' ELSE 'R' END,
	        substr(strftime('%Y%m%d%H%M%SZ', not_after, 'unixepoch'), 3),
	        CASE WHEN revoked_at IS NULL THEN '' ELSE
	            substr(strftime('%Y%m%d%H%M%SZ', revoked_at, 'unixepoch'), 3) || ',' ||
	            CASE reason WHEN 1 THEN 'keyCompromise'
	                WHEN 2 THEN 'CACompromise' WHEN 3 THEN 'affiliationChanged'
	                WHEN 4 THEN 'superseded' ELSE 'cessationOfOperation' END
	        END,
	        hex(serial), 'unknown', '/O=Gentoo Fictional, Inc./CN=' || cn
	    FROM cert WHERE is_ca = 0 AND ca_id =
	        (SELECT id FROM ca WHERE name = '$1')" \
	    >"$T/oca/index.txt"
	echo 01 >"$T/oca/crlnumber"
	cat >"$T/oca/ca.cnf" <<EOC
[ca]
default_ca = bench
[bench]
dir = $T/oca
database = \$dir/index.txt
crlnumber = \$dir/crlnumber
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
new_certs_dir = \$dir
serial = \$dir/serial
default_md = sha256
default_crl_days = 7
default_days = 365
policy = any
unique_subject = no
crl_extensions = crl_ext
[any]
commonName = supplied
[crl_ext]
authorityKeyIdentifier = keyid
EOC
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'
}
