#!/bin/sh
# CRL generation: genfic-ca -g against openssl ca -gencrl, on the same
# revoked set of a store that also holds valid certificates.
#   N=200000 PCT=50 tests/bench/crl.sh   (GENFIC_CA, GF_BENCH_FILL set by meson)
. "$(dirname "$0")/lib.sh"
N=${N:-200000}
PCT=${PCT:-50}

make_store "$N" "$PCT"
revoked=$(sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT count(*) FROM cert WHERE revoked_at IS NOT NULL")
openssl_ca_dir genfic-system

ours=$(measure "$GENFIC_CA" -p genfic-system -g --passin pass:bench --batch -o "$T/ours.crl")
ours_cpu=$(cat "$T/cpu")
theirs=$(measure openssl ca -config "$T/oca/ca.cnf" -gencrl -out "$T/theirs.crl")
theirs_cpu=$(cat "$T/cpu")
n_ours=$(openssl crl -in "$T/ours.crl" -noout -text | grep -c "Serial Number")
n_theirs=$(openssl crl -in "$T/theirs.crl" -noout -text | grep -c "Serial Number")
[ "$n_ours" -eq "$revoked" ] && [ "$n_theirs" -eq "$revoked" ] ||
    { echo "bench: entry counts differ: $n_ours, $n_theirs, want $revoked" >&2; exit 1; }

echo "CRL with $revoked entries, store of $N certificates (median of 3)"
printf '  %-22s %8s s %8s KiB  cpu %s s\n' "openssl ca -gencrl" $theirs "$theirs_cpu"
printf '  %-22s %8s s %8s KiB  cpu %s s\n' "genfic-ca -g" $ours "$ours_cpu"
echo "  genfic-ca is $(ratio "${theirs% *}" "${ours% *}") x faster (cpu: $(ratio "$theirs_cpu" "$ours_cpu") x), uses $(ratio "${theirs#* }" "${ours#* }") x less memory"
