# Sourced by every CLI test: a temporary store, the binary, and checks that
# count what passed.  Each check prints "ok - ..." or "not ok - ...".
set -u
: "${GENFIC_CA:?GENFIC_CA must name the genfic-ca binary}"

T=$(mktemp -d "${TMPDIR:-/tmp}/genfic-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
export GENFIC_CA_DIR="$T/store"
npass=0
nfail=0

# genfic-ca, under $GENFIC_CA_WRAPPER (valgrind) when set.
gca() {
	${GENFIC_CA_WRAPPER:-} "$GENFIC_CA" "$@"
}

pass() { npass=$((npass + 1)); echo "ok - $1"; }
fail() { nfail=$((nfail + 1)); echo "not ok - $1"; }

# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
check() {
	desc=$1; shift
	if "$@" >"$T/out" 2>"$T/err"; then pass "$desc"; else
		fail "$desc"; sed 's/^/#   /' "$T/out" "$T/err" | head -20; fi
}

# refuse DESCRIPTION STATUS FRAGMENT COMMAND...: passes when COMMAND exits
# with STATUS and says "genfic-ca: ...FRAGMENT..." on stderr.
refuse() {
	desc=$1 want=$2 frag=$3; shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ] && grep -q "^genfic-ca: .*$frag" "$T/err"; then
		pass "$desc"
	else
		fail "$desc (exit $got, want $want and '$frag')"
		sed 's/^/#   /' "$T/err" | head -10
	fi
}

# Row count of a table of the store.
rows() {
	sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT count(*) FROM $1"
}

# The seed hierarchy: root "genfic", genfic-system and genfic-user.
make_hierarchy() {
	gca -r genfic -v 7300 --subject "/C=BE/O=Gentoo Fictional, Inc./CN=GenFic Root CA" \
	    --passout pass:root-secret --batch -o "$T/root.pem" >/dev/null &&
	gca -p genfic -c genfic-system -v 3650 --passin pass:root-secret \
	    --passout pass:system-secret --batch >/dev/null &&
	gca -p genfic -c genfic-user -v 3650 --passin pass:root-secret \
	    --passout pass:user-secret --batch >/dev/null
}

finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
}
