# SPDX-License-Identifier: GPL-2.0-or-later
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

# preloaded LIB COMMAND...: COMMAND with the planted fault LIB preloaded;
# an ASan build must accept a library loaded before its runtime.
preloaded() {
	pl_lib=$1; shift
	LD_PRELOAD=$pl_lib \
	    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 "$@"
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

# newkey NAME [openssl genpkey options]: an unencrypted key $KEYS/NAME.key
# ($KEYS defaults to $T).
newkey() {
	nk_name=$1; shift
	openssl genpkey "$@" -out "${KEYS:-$T}/$nk_name.key" 2>/dev/null
}

# csr NAME KEY SUBJECT [openssl req options]: $KEYS/NAME.req.
csr() {
	csr_name=$1 csr_key=$2 csr_subj=$3; shift 3
	openssl req -new -key "${KEYS:-$T}/$csr_key.key" -subj "$csr_subj" "$@" \
	    -out "${KEYS:-$T}/$csr_name.req"
}

# flip_sig SRC DST: DST is DER request SRC with the fifth byte from its
# end (in the signature) inverted: still DER, no longer signed.
flip_sig() {
	fs_off=$(($(wc -c <"$1") - 5))
	fs_byte=$(od -An -tu1 -j "$fs_off" -N1 "$1" | tr -d ' ')
	cp "$1" "$2"
	printf "\\$(printf '%03o' $((fs_byte ^ 0xff)))" |
	    dd of="$2" bs=1 seek="$fs_off" conv=notrunc 2>/dev/null
}

finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
}

# --- Helpers added for the end-to-end scripts (each result still one
# "ok"/"not ok" line).

# not COMMAND...: succeeds when COMMAND fails (for check).
not() {
	! "$@"
}

# skip DESCRIPTION REASON: a check that cannot run here.
skip() {
	echo "ok - $1 # SKIP $2"
}

# Every path under $T but the helpers' own scratch files and SQLite's
# transient -wal/-shm companions.
files() {
	find "$T" ! -path "$T/out" ! -path "$T/err" ! -path "$T/files.*" \
	    ! -name '*.db-wal' ! -name '*.db-shm' | LC_ALL=C sort
}

# "CERT AUDIT": the row counts of both tables, in one read.
cert_audit_rows() {
	sqlite3 "$GENFIC_CA_DIR/ca.db" "SELECT (SELECT count(*) FROM cert) || ' ' ||
	    (SELECT count(*) FROM audit)"
}

# refuse_clean DESCRIPTION STATUS FRAGMENT COMMAND...: refuse, and also
# that COMMAND added no row to cert or audit and left no file behind (nor
# removed one) anywhere under $T.  Three results.
refuse_clean() {
	rc_desc=$1
	rc_before=$(cert_audit_rows)
	files >"$T/files.before"
	refuse "$@"
	rc_after=$(cert_audit_rows)
	files >"$T/files.after"
	if [ "$rc_before" = "$rc_after" ]; then
		pass "$rc_desc: no new cert or audit row"
	else
		fail "$rc_desc: no new cert or audit row (cert audit: $rc_before -> $rc_after)"
	fi
	if cmp -s "$T/files.before" "$T/files.after"; then
		pass "$rc_desc: no stray file"
	else
		fail "$rc_desc: no stray file"
		diff "$T/files.before" "$T/files.after" | sed 's/^/#   /' | head -10
	fi
}

# sql QUERY: one query on the store's database.
sql() {
	sqlite3 "$GENFIC_CA_DIR/ca.db" "$1"
}

# A certificate's serial as openssl prints it (upper-case hex).
serial_of() {
	openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'
}

# epoch_of CERT startdate|enddate: that time, in seconds since the epoch.
epoch_of() {
	date -u -d "$(openssl x509 -in "$1" -noout -"$2" | sed 's/^[^=]*=//')" +%s
}

# days_of CERT: whole days from notBefore to notAfter (rounded: the two
# may come from clock reads a second apart).
days_of() {
	echo $((($(epoch_of "$1" enddate) - $(epoch_of "$1" startdate) + 43200) /
	    86400))
}

# iso_of CERT startdate|enddate: that time as genfic-ca prints it.
iso_of() {
	date -u -d "@$(epoch_of "$1" "$2")" +%Y-%m-%dT%H:%M:%SZ
}

# has_ext CERT NAME: the certificate carries extension NAME (openssl's
# short name, e.g. authorityKeyIdentifier).
has_ext() {
	openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null | grep -q .
}

# lacks_ext CERT NAME: the certificate parses, has extensions, and NAME is
# not one of them.
lacks_ext() {
	openssl x509 -in "$1" -noout -text 2>/dev/null |
	    grep -q 'X509v3 extensions:' && ! has_ext "$1" "$2"
}

# ext_is CERT NAME ERE: the text of extension NAME, joined on one line
# with runs of blanks squeezed to one space, matches ERE.
ext_is() {
	openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null | tr '\n' ' ' |
	    tr -s ' ' | grep -Eq -- "$3"
}

# The first "Signature Algorithm" openssl names for a certificate.
sigalg_of() {
	openssl x509 -in "$1" -noout -text |
	    sed -n 's/^ *Signature Algorithm: //p' | head -n 1
}

# openssl_ca_dir DIR SERIAL [LINE...]: an openssl ca directory at DIR (its
# config DIR/openssl.cnf, section [old]; DIR/req for requests), its root
# "/CN=Old CA" made, an EC P-256 key under pass:old-secret, and SERIAL the
# next serial.  Each LINE is added to [old] (crlnumber, copy_extensions).
openssl_ca_dir() {
	oc_dir=$1 oc_serial=$2; shift 2
	mkdir -p "$oc_dir/newcerts" "$oc_dir/private" "$oc_dir/req" &&
	: >"$oc_dir/index.txt" &&
	echo "$oc_serial" >"$oc_dir/serial" || return 1
	{
		cat <<EOC
[ca]
default_ca = old
[old]
dir = $oc_dir
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
certificate = \$dir/cacert.pem
private_key = \$dir/private/cakey.pem
serial = \$dir/serial
default_md = sha256
default_days = 365
policy = any
unique_subject = no
EOC
		for oc_line in "$@"; do
			echo "$oc_line"
		done
		cat <<'EOC'
[any]
commonName = supplied
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOC
	} >"$oc_dir/openssl.cnf"
	openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -keyout "$oc_dir/private/cakey.pem" -passout pass:old-secret \
	    -subj "/CN=Old CA" -days 3650 -config "$oc_dir/openssl.cnf" \
	    -extensions v3_ca -out "$oc_dir/cacert.pem" 2>/dev/null
}
