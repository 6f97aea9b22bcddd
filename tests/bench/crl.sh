#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark 3 of the scale issue, CRL generation: genfic-ca -g against
# openssl ca -gencrl, on the same revoked set of a store that also holds
# valid certificates (gf-bench-fill; the openssl ca index.txt is made from
# the store: same CA key, same certificates, same revocations).  openssl ca
# gets the CA key unencrypted; genfic-ca decrypts its own (scrypt) each call.
#
# Sizes: a store of N certificates, PCT% of them revoked (default 125 000
# and 80: 100 000 revoked); with N2, a second store of N2 certificates, PCT%
# revoked (N2=1250000: 10^6 revoked; its fill takes minutes, so set
# GF_BENCH_CACHE, and it is not in the default run).
#
# Memory against valid certificates: a store of WIDE certificates (default
# 500 000; 0: none) in which exactly as many are revoked as in the first
# store, spread evenly over its ids.  genfic-ca -g runs on both stores
# (and openssl ca -gencrl on the wide one): the peak RSS should not change.
# With WIDE equal to N2, the second store is reused (its revocations are
# thinned out once its own runs are done), which saves a fill.
#
# RUNS runs of each (default 3), interleaved: the median wall and CPU time,
# and the highest peak RSS.  genfic-ca runs with --include-expired, as
# openssl ca lists every revoked certificate of its index: a cached store
# older than a day holds expired ones, and the two CRLs must list the same.
#
#   tests/bench/crl.sh                     (N=125000 PCT=80 WIDE=500000)
#   GF_BENCH_CACHE=/var/tmp/gf-bench N2=1250000 WIDE=1250000 tests/bench/crl.sh
#   (GF_BENCH_BUILD=DIR: the programs of DIR, default build/;
#    GF_BENCH_CACHE=DIR: keep the filled stores there for the next run)
. "$(dirname "$0")/lib.sh"
N=${N:-125000}
PCT=${PCT:-80}
N2=${N2:-}
WIDE=${WIDE:-500000}
RUNS=${RUNS:-3}
[ -x "$GF_BENCH_TIME" ] || { echo "bench: no $GF_BENCH_TIME: build first" >&2; exit 1; }
echo "load at the start:$(uptime | sed 's/.*load/ load/') ($(nproc) CPUs)"

q() { sqlite3 "$T/$1/store/ca.db" "$2"; }
leaves="is_ca = 0 AND ca_id = (SELECT id FROM ca WHERE name = 'genfic-system')"

# new_store NAME SIZE PERCENT: the store $T/NAME/store (filled, or copied
# from GF_BENCH_CACHE).
new_store() {
	mkdir -p "$T/$1"
	start=$(date +%s)
	GENFIC_CA_DIR=$T/$1/store
	make_store "$2" "$3"
	echo "store of $2 certificates ($3% revoked) ready in $(( $(date +%s) - start )) s"
	[ "$(q "$1" "SELECT count(*) FROM cert WHERE $leaves")" -eq "$2" ] ||
	    { echo "bench: store $1 does not hold $2 certificates" >&2; exit 1; }
}

# revoke_exactly NAME COUNT: exactly COUNT leaves of store NAME revoked,
# spread evenly over the ids; a newly revoked one gets its time and reason
# as gf-bench-fill gives them.  gf-bench-fill revokes a whole percent of the
# ids (id % 100 < PCT): 100 000 of 1 250 000 (8%) needs this.
revoke_exactly() {
	q "$1" "
	    CREATE TEMP TABLE pick (id INTEGER PRIMARY KEY);
	    INSERT INTO pick SELECT id FROM (SELECT id,
	        row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS m
	        FROM cert WHERE $leaves) WHERE (k + 1) * $2 / m > k * $2 / m;
	    BEGIN;
	    UPDATE cert SET revoked_at = NULL, reason = NULL
	        WHERE revoked_at IS NOT NULL AND $leaves AND id NOT IN pick;
	    UPDATE cert SET revoked_at = strftime('%s', 'now') - id % 86400,
	        reason = 1 + id % 5 WHERE revoked_at IS NULL AND id IN pick;
	    COMMIT;"
}

# oca NAME: the openssl ca directory $T/NAME/oca of store NAME.
oca() {
	(trap - EXIT; GENFIC_CA_DIR=$T/$1/store; T=$T/$1; rm -rf "$T/oca";
	    openssl_ca_dir genfic-system)
}

# run NAME: one run of each program on store NAME, interleaved.
run() {
	sample "ours-$1" 0 "$GENFIC_CA" -d "$T/$1/store" -p genfic-system -g \
	    --include-expired --passin pass:bench --batch -o "$T/$1/ours.crl"
	sample "theirs-$1" 0 openssl ca -config "$T/$1/oca/ca.cnf" -gencrl \
	    -out "$T/$1/theirs.crl"
}

# check NAME COUNT [PROGRAMS]: the last CRLs of store NAME (of "ours theirs")
# list COUNT entries.
entries() { openssl crl -in "$1" -noout -text | grep -c "Serial Number" || true; }
check() {
	for p in ${3:-ours theirs}; do
		n=$(entries "$T/$1/$p.crl")
		[ "$n" -eq "$2" ] ||
		    { echo "bench: $p.crl of store $1 lists $n entries, want $2" >&2; exit 1; }
	done
}

revoked() { q "$1" "SELECT count(*) FROM cert WHERE revoked_at IS NOT NULL AND $leaves"; }

new_store s1 "$N" "$PCT"
r1=$(revoked s1)
oca s1
stores=s1
if [ -n "$N2" ]; then
	new_store s2 "$N2" "$PCT"
	r2=$(revoked s2)
	oca s2
	stores="s1 s2"
fi
size_of() { if [ "$1" = s1 ]; then echo "$N"; else echo "$N2"; fi; }
revoked_of() { if [ "$1" = s1 ]; then echo "$r1"; else echo "$r2"; fi; }

# --- genfic-ca -g and openssl ca -gencrl at each size -------------------------
echo "load before the runs:$(uptime | sed 's/.*load/ load/')"
i=0
while [ "$i" -lt "$RUNS" ]; do
	for s in $stores; do
		run "$s"
	done
	i=$((i + 1))
done
for s in $stores; do
	check "$s" "$(revoked_of "$s")"
done
echo "load after the runs:$(uptime | sed 's/.*load/ load/')"

# --- Memory against valid certificates --------------------------------------
if [ "$WIDE" -gt 0 ]; then
	if [ "$WIDE" = "$N2" ]; then
		mv "$T/s2" "$T/wide"
	else
		new_store wide "$WIDE" 0
	fi
	start=$(date +%s)
	revoke_exactly wide "$r1"
	[ "$(revoked wide)" -eq "$r1" ] ||
	    { echo "bench: the wide store has $(revoked wide) revoked, want $r1" >&2; exit 1; }
	oca wide
	echo "wide store: $r1 of $WIDE revoked in $(( $(date +%s) - start )) s"
	echo "load before the runs:$(uptime | sed 's/.*load/ load/')"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		sample flat-s1 0 "$GENFIC_CA" -d "$T/s1/store" -p genfic-system \
		    -g --include-expired --passin pass:bench --batch \
		    -o "$T/s1/ours.crl"
		run wide
		i=$((i + 1))
	done
	check s1 "$r1" ours
	check wide "$r1"
fi

# --- Report -------------------------------------------------------------------
s() { awk -v s="$1" 'BEGIN { printf "%.3f", s }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
field() { summary "$1" | cut -d' ' -f"$2"; }
row() {	# row LABEL NAME
	set -- "$1" $(summary "$2")
	printf '  %-44s %8s s %8s s %8s MiB\n' "$1" "$(s "$2")" "$(s "$3")" "$(mib "$4")"
}
hdr() {
	printf '  %-44s %10s %10s %12s\n' "" wall CPU "peak RSS"
}
echo
echo "CRL generation: median of $RUNS runs (wall, CPU), highest peak RSS"
for s in $stores; do
	echo " $(revoked_of "$s") revoked of $(size_of "$s") certificates ($(( $(size_of "$s") - $(revoked_of "$s") )) valid)"
	hdr
	row "openssl ca -gencrl" "theirs-$s"
	row "genfic-ca -g" "ours-$s"
	w=$(ratio "$(field "theirs-$s" 1)" "$(field "ours-$s" 1)")
	c=$(ratio "$(field "theirs-$s" 2)" "$(field "ours-$s" 2)")
	echo "  openssl ca / genfic-ca: wall $w x, CPU $c x, peak RSS $(ratio "$(field "theirs-$s" 3)" "$(field "ours-$s" 3)") x"
	echo "  goal: at least 2 x faster: $(awk -v w="$w" -v c="$c" 'BEGIN { print (w >= 2 && c >= 2 ? "met" : w >= 2 || c >= 2 ? "met in " (w >= 2 ? "wall" : "CPU") " time only" : "MISSED") }')"
done
if [ -n "$N2" ]; then
	echo " $(revoked_of s2)/$(revoked_of s1) entries: genfic-ca wall $(ratio "$(field ours-s2 1)" "$(field ours-s1 1)") x, CPU $(ratio "$(field ours-s2 2)" "$(field ours-s1 2)") x, peak RSS $(ratio "$(field ours-s2 3)" "$(field ours-s1 3)") x;" \
	    "openssl ca wall $(ratio "$(field theirs-s2 1)" "$(field theirs-s1 1)") x, CPU $(ratio "$(field theirs-s2 2)" "$(field theirs-s1 2)") x, peak RSS $(ratio "$(field theirs-s2 3)" "$(field theirs-s1 3)") x"
fi
# The issue's reference machine runs openssl ca -gencrl at 10^5 in 0.27 s.
at_ref() { awk -v a="$(field theirs-s1 "$1")" -v b="$(field ours-s1 "$1")" 'BEGIN { printf "%.3f", 0.27 * b / a }'; }
[ "$r1" -ne 100000 ] ||
    echo " on the issue's reference machine (openssl ca -gencrl at 100000 entries: 0.27 s), the wall ratio puts genfic-ca at $(at_ref 1) s, the CPU ratio at $(at_ref 2) s (goal: under 0.13 s)"

if [ "$WIDE" -gt 0 ]; then
	echo
	echo "Memory against valid certificates: $r1 revoked in both stores"
	hdr
	row "genfic-ca -g, $N certificates" flat-s1
	row "genfic-ca -g, $WIDE certificates" ours-wide
	row "openssl ca -gencrl, $WIDE certificates" theirs-wide
	m=$(ratio "$(field ours-wide 3)" "$(field flat-s1 3)")
	echo "  genfic-ca $WIDE/$N certificates ($((WIDE - r1))/$((N - r1)) valid): peak RSS $m x, wall $(ratio "$(field ours-wide 1)" "$(field flat-s1 1)") x, CPU $(ratio "$(field ours-wide 2)" "$(field flat-s1 2)") x"
	echo "  openssl ca / genfic-ca at $WIDE: wall $(ratio "$(field theirs-wide 1)" "$(field ours-wide 1)") x, CPU $(ratio "$(field theirs-wide 2)" "$(field ours-wide 2)") x, peak RSS $(ratio "$(field theirs-wide 3)" "$(field ours-wide 3)") x"
	echo "  goal: memory flat in valid certificates (within 10%): $(awk -v m="$m" 'BEGIN { print (m <= 1.10 ? "met" : "MISSED") }')"
fi
echo "load at the end:$(uptime | sed 's/.*load/ load/')"
