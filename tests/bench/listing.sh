#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Listing at scale: -e 30, -l and -l --json over N certificates, against
# what admins do today: openssl x509 -noout -subject -enddate on every
# file of newcerts/ (timed on a sample of 1000 files, scaled to N).
#   N=1000000 tests/bench/listing.sh
. "$(dirname "$0")/lib.sh"
N=${N:-1000000}

start=$(date +%s)
make_store "$N" 2
echo "filled $N certificates in $(( $(date +%s) - start )) s"
found=$("$GENFIC_CA" -e 30 | tail -n +2 | wc -l || true)

e30=$(measure sh -c "\"$GENFIC_CA\" -e 30 >/dev/null; [ \$? -eq 3 ]")
list=$(measure sh -c "\"$GENFIC_CA\" -l >/dev/null")
json=$(measure sh -c "\"$GENFIC_CA\" -l --json >/dev/null")
one=$(measure "$GENFIC_CA" -e 30 -p genfic)

mkdir "$T/newcerts"
sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT hex(serial) FROM cert WHERE der IS NOT NULL LIMIT 1000" |
while read -r s; do "$GENFIC_CA" -E "$s" -o "$T/newcerts/$s.pem"; done
peer=$(measure sh -c "for f in \"$T\"/newcerts/*.pem; do openssl x509 -noout -subject -enddate -in \"\$f\"; done >/dev/null")
peer_n=$(awk -v t="${peer% *}" -v n="$N" 'BEGIN { printf "%.0f", t * n / 1000 }')

echo "Listing over $N certificates (median of 3; seconds, max RSS KiB)"
printf '  %-38s %8s s %8s KiB  (%s rows)\n' "genfic-ca -e 30" $e30 "$found"
printf '  %-38s %8s s %8s KiB\n' "genfic-ca -e 30 -p genfic (no rows)" $one
printf '  %-38s %8s s %8s KiB\n' "genfic-ca -l" $list
printf '  %-38s %8s s %8s KiB\n' "genfic-ca -l --json" $json
printf '  %-38s %8s s  (1000 files: %s s)\n' "openssl x509 loop, scaled to $N" "$peer_n" "${peer% *}"
echo "  -e 30 is $(ratio "$peer_n" "${e30% *}") x faster than the openssl loop"
