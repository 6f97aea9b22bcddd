#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The hostile-input catalogue: every case of tests/data/bad/cases.tsv (its
# header says what the columns mean) is run against its own copy of one
# store made once with make_hierarchy.  A case passes when genfic-ca exits
# as the table says and not by a signal, within a time limit, prints the
# expected number of "genfic-ca: " lines on stderr with the fragment in
# one of them (and nothing else but popt's usage text), prints nothing on
# stdout, and leaves the database (dump, row counts, schema version; a
# dump equal to the seed's has its --audit-verify'd chain, any other is
# verified again) and every file around it as they were.
#
# One "ok"/"FAIL" line per case, then a total; exits 1 on any failure.
# BAD_CASES=ERE runs only the cases whose id matches; BAD_TABLE=FILE runs
# another table (both for debugging; then the 40-case minimum is off).
# Under $GENFIC_CA_WRAPPER (meson test --setup=valgrind) every case runs
# under it too; the size/time bound of "bounded" is then measured on the
# bare binary, as memcheck's own memory and time say nothing of ours.
# The table's arguments use variables set here through eval, unseen by
# the linter:
# shellcheck disable=SC2034
. "$(dirname "$0")/lib.sh"

D=${TESTS_DATA:-$(cd "$(dirname "$0")/../data" && pwd)}/bad
TABLE=${BAD_TABLE:-$D/cases.tsv}
# The table's arguments use these (and $D $I $O $S $GOOD) through eval.
SYS="-p genfic-system --passin pass:system-secret --batch"
ROOT="-p genfic --passin pass:root-secret --batch"
CTL=$(printf 'a\001b')
LF='
'
NL="a${LF}b"
ESC=$(printf '\033[2Jx')
RLO=$(printf 'evil\342\200\256gpj.exe')
C1=$(printf 'a\302\2332Jb')
ZWSP=$(printf 'pay\342\200\213pal')
unset NOPE
# Per-case time limit: a hang (a FIFO read, a symlink loop followed
# forever) is a failure, not a stuck test.
if [ -n "${GENFIC_CA_WRAPPER:-}" ]; then TMO=600; else TMO=30; fi
MAX_RSS_KB=65536
MAX_WALL_S=5

# Cases that must run as a user other than the store's owner when we are
# root (root writes anywhere): setpriv drops to nobody.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
    id nobody >/dev/null 2>&1; then
	AS_NOBODY="setpriv --reuid=$(id -u nobody) --regid=$(id -g nobody) --clear-groups"
	chmod 711 "$T"	# nobody must reach the case directory, not list $T
fi

check "root, system and user CAs created" make_hierarchy
PRISTINE=$T/pristine
mv "$GENFIC_CA_DIR" "$PRISTINE"
GOOD=$T/good.req
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/good.key" -subj /CN=good.example -out "$GOOD" 2>/dev/null
chmod 644 "$GOOD"
IMPCA=$T/impca
mkdir "$IMPCA"
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$IMPCA/ca.key" -subj "/CN=Imp CA" -days 365 \
    -addext "keyUsage = critical, keyCertSign, cRLSign" -out "$IMPCA/ca.pem" 2>/dev/null
printf 'basicConstraints = CA:FALSE\n' >"$IMPCA/leaf.ext"
openssl req -new -key "$IMPCA/ca.key" -subj /CN=imp.example 2>/dev/null |
    openssl x509 -req -signkey "$IMPCA/ca.key" -days 365 -extfile "$IMPCA/leaf.ext" \
    -out "$IMPCA/leaf.pem" 2>/dev/null
check "the CA and leaf certificates for the import cases" \
    test -s "$IMPCA/ca.pem" -a -s "$IMPCA/leaf.pem"

# --- Setup steps (column 2) ---------------------------------------------
# Each may set NO_AUDIT (the store is deliberately unreadable, so
# --audit-verify cannot vouch for it) or RUN_AS, and TEARDOWN (run before
# the after-snapshot).

setup_big() {
	# 100 MB that starts like a PEM request: refused by its size, unread.
	{ echo "-----BEGIN CERTIFICATE REQUEST-----"
	  yes MIIBDzCBtgIBADAXMRUwEwYDVQQDDAxnb29kLmV4YW1wbGUwWTATBgcqhkjO
	} | head -c 104857600 >"$I/big.req"
}
setup_bounded() { BOUNDED=1; }
setup_fifo() { mkfifo "$I/fifo.req"; }
setup_loop() { ln -s loop "$I/loop"; }
setup_spool_loops() {
	mkdir -p "$I/spool"
	ln -s . "$I/spool/loop"
	ln -s .. "$I/spool/up"
	ln -s self.req "$I/spool/self.req"
}
setup_spool_dirreq() { mkdir -p "$I/spool"; ln -s . "$I/spool/dir.req"; }
setup_spool_dirloops() {
	mkdir -p "$I/spool"
	ln -s . "$I/spool/loop"
	ln -s .. "$I/spool/up"
}
setup_spool_empty() { mkdir -p "$I/spool"; : >"$I/spool/empty.req"; }
setup_spool_evilname() {
	# A name from a USB stick: a newline, a forged line, an escape.
	mkdir -p "$I/spool"
	: >"$I/spool/$(printf 'x\ngenfic-ca: genfic-system: 1 signed\033[2J.req')"
}
setup_taken() { echo precious >"$O/taken.crt"; }
setup_taken_key() { echo precious >"$O/host.key"; }
setup_ro() {
	if [ "$(id -u)" -eq 0 ]; then
		[ -n "${AS_NOBODY:-}" ] || { SKIP="root, and no setpriv or nobody"
		    return; }
		chown -R nobody "$C"
		RUN_AS=$AS_NOBODY
	fi
	chmod a-w "$S" "$@"
	TEARDOWN="chmod u+w '$S' '$S/ca.db'"
}
setup_ro_dir() { setup_ro; }
setup_ro_store() { setup_ro "$S/ca.db"; }
setup_notdb() { cp "$D/not-sqlite.db" "$S/ca.db"; NO_AUDIT=1; }
setup_newer() {
	sqlite3 "$S/ca.db" "PRAGMA user_version = 99" && NO_AUDIT=1
}
setup_db_fifo() { rm "$S/ca.db"; mkfifo "$S/ca.db"; NO_AUDIT=1; }
setup_db_dir() { rm "$S/ca.db"; mkdir "$S/ca.db"; NO_AUDIT=1; }
setup_db_empty() { : >"$S/ca.db"; NO_AUDIT=1; }
setup_db_foreign() {
	rm "$S/ca.db"
	sqlite3 "$S/ca.db" "CREATE TABLE notes(x); INSERT INTO notes VALUES (1)"
	NO_AUDIT=1
}
# A CA row edited in the database: its name climbs out of any directory
# it is joined to; its key reference names another file.
setup_db_evilname() {
	sqlite3 "$S/ca.db" "UPDATE ca SET name = '../../evil' WHERE name = 'genfic-user'"
}
setup_db_evilkey() {
	sqlite3 "$S/ca.db" "UPDATE ca SET key_ref = 'file:/etc/passwd' WHERE name = 'genfic-system'"
}
setup_passbig() { head -c 102400 /dev/zero | tr '\0' p >"$I/pass"; }
setup_import_empty() { mkdir "$I/imp"; }
setup_import_garbage() {
	mkdir -p "$I/imp/private"
	printf 'V\t491231235959Z\t\t01\tunknown\t/CN=x\n' >"$I/imp/index.txt"
	cp "$D/random.req" "$I/imp/cacert.pem"
	cp "$D/random.req" "$I/imp/private/cakey.pem"
}

# A self-signed CA certificate with its unencrypted key and an empty
# index.txt (made once, below), and variants of it.
setup_import_ca() {
	mkdir -p "$I/imp/private"
	cp "$IMPCA/ca.pem" "$I/imp/cacert.pem"
	cp "$IMPCA/ca.key" "$I/imp/private/cakey.pem"
	: >"$I/imp/index.txt"
}
setup_import_noindex() { setup_import_ca; rm "$I/imp/index.txt"; }
setup_import_leaf() { setup_import_ca; cp "$IMPCA/leaf.pem" "$I/imp/cacert.pem"; }
setup_import_nul() {
	setup_import_ca
	printf 'V\t491231235959Z\t\t01\tunknown\t/CN=a\n\000V\t491231235959Z\t\t02\tunknown\t/CN=b\n' \
	    >"$I/imp/index.txt"
}
# Another CA's key where the imported one's would go.
setup_import_leftover() {
	setup_import_ca
	cp "$S/private/genfic-user.key" "$S/private/imp.key"
}
# genfic-system's key file replaced by genfic-user's.
setup_swapped_key() {
	cp "$S/private/genfic-user.key" "$S/private/genfic-system.key"
}
setup_swapped_root_key() {
	cp "$S/private/genfic-user.key" "$S/private/genfic.key"
}

setup_tmpl_fifo() { mkdir -p "$I/tp"; mkfifo "$I/tp/fifo.cnf"; }
setup_tmpl_device() { mkdir -p "$I/tp"; ln -s /dev/zero "$I/tp/zero.cnf"; }

# --- Snapshots --------------------------------------------------------------

# The database as a copy of ca.db and its WAL sees it, so that looking
# leaves no -wal or -shm behind in the store (SQLite, run as root, would
# chown them to the store's owner and so make a read-only store writable):
# row counts, schema version and a digest of the dump; a file that is not
# SQLite is compared byte for byte.
snapshot_db() {
	rm -rf "$T/snap"
	mkdir "$T/snap"
	cp "$S/ca.db" "$T/snap/ca.db"
	[ ! -f "$S/ca.db-wal" ] || cp "$S/ca.db-wal" "$T/snap/ca.db-wal"
}
db_state() {
	if [ ! -f "$S/ca.db" ]; then
		echo "not a regular file: $(ls -ld "$S/ca.db" | cut -c1-10)"
		return
	fi
	snapshot_db
	if out=$(sqlite3 "$T/snap/ca.db" "SELECT 'rows(cert audit crl) ' ||
	    (SELECT count(*) FROM cert) || ' ' || (SELECT count(*) FROM audit) ||
	    ' ' || (SELECT count(*) FROM crl) || ', user_version ' ||
	    (SELECT user_version FROM pragma_user_version)" .dump 2>/dev/null)
	then
		echo "${out%%"$LF"*}, dump $(printf '%s' "$out" | cksum)"
	else
		echo "not SQLite: $(cksum <"$S/ca.db")"
	fi
}

# Every path under the case directory and the data directory, then a
# checksum of each regular file (ca.db is db_state's, and SQLite's -wal
# and -shm come and go).
file_state() {
	find "$C" "$D" ! -name '*.db-wal' ! -name '*.db-shm' ! -path "$S/ca.db" |
	    LC_ALL=C sort
	find "$C" "$D" -type f ! -name '*.db-wal' ! -name '*.db-shm' \
	    ! -path "$S/ca.db" -exec cksum {} + | LC_ALL=C sort
}

audit_ok() {
	snapshot_db
	"$GENFIC_CA" -d "$T/snap" --audit-verify 2>&1 | grep -q "chain intact"
}

# measure COMMAND...: "MAXRSS_KB WALL_S" of COMMAND (its output dropped).
measure() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M %e' -o "$T/time" "$@" >/dev/null 2>&1
		tail -n 1 "$T/time"
	else
		python3 -c 'import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    round(time.monotonic() - t, 2))' "$@"
	fi
}

# --- One case -------------------------------------------------------------

ncases=0 nok=0 nfailed=0 ndefect=0

# problem TEXT: one reason the current case fails.
problem() {
	problems="$problems#   $1
"
}

run_case() {
	id=$1 setup=$2 want=$3 lines=$4 frag=$5 args=$6 what=$7
	new_case_dir
	problems="" NO_AUDIT="" RUN_AS="" TEARDOWN="" BOUNDED="" SKIP=""
	if [ "$setup" != - ]; then
		for step in $(echo "$setup" | tr , ' '); do
			"setup_$(echo "$step" | tr - _)" ||
			    problem "setup step $step failed"
		done
	fi
	ncases=$((ncases + 1))
	if [ -n "$SKIP" ]; then
		nok=$((nok + 1))
		echo "ok   $id: $what # SKIP $SKIP"
		return
	fi
	if [ "$setup" = - ]; then
		# As every case without a setup starts: taken once, below.
		db_before=$PRISTINE_DB
		cp "$T/files.pristine" "$T/files.before"
	else
		db_before=$(db_state)
		file_state >"$T/files.before"
		[ -n "$NO_AUDIT" ] || audit_ok ||
		    problem "the store's audit chain is broken before the case"
	fi

	eval "set -- $args"
	# shellcheck disable=SC2086
	timeout -k 5 "$TMO" $RUN_AS ${GENFIC_CA_WRAPPER:-} "$GENFIC_CA" "$@" \
	    >"$T/case.out" 2>"$T/case.err"
	got=$?
	if [ -n "$BOUNDED" ]; then
		# shellcheck disable=SC2046
		set -- $(measure "$GENFIC_CA" "$@")
		if [ "${1:-999999}" -ge "$MAX_RSS_KB" ]; then
			problem "max RSS ${1:-?} kB, limit $MAX_RSS_KB kB"
		fi
		if ! awk -v w="${2:-999}" -v m="$MAX_WALL_S" 'BEGIN { exit !(w < m) }'; then
			problem "wall time ${2:-?} s, limit $MAX_WALL_S s"
		fi
		echo "#   bounded: max RSS ${1:-?} kB, wall ${2:-?} s"
	fi
	[ -z "$TEARDOWN" ] || eval "$TEARDOWN"

	# Exit status.
	if [ "$got" -eq 124 ] || [ "$got" -eq 137 ]; then
		problem "no answer within $TMO s (exit $got): a hang"
	elif [ "$got" -ge 128 ]; then
		problem "killed by signal $((got - 128))"
	fi
	case $want in
	0:not-ca) want_status=0 ;;
	*) want_status=$want ;;
	esac
	[ "$got" -eq "$want_status" ] || problem "exit $got, want $want_status"

	# stderr: LINES lines "genfic-ca: ...", one with FRAG; the rest, if
	# any, popt's usage text ("Usage: ..." and its indented lines).
	n=$(grep -c '^genfic-ca: ' "$T/case.err")
	[ "$n" -eq "$lines" ] ||
	    problem "$n stderr lines begin 'genfic-ca: ', want $lines"
	if [ "$frag" != - ] &&
	    ! grep '^genfic-ca: ' "$T/case.err" | grep -qF -- "$frag"; then
		problem "no 'genfic-ca: ' line carries: $frag"
	fi
	if grep -v '^genfic-ca: ' "$T/case.err" | grep -v '^Usage: ' |
	    grep -q '^[^[:space:]]'; then
		problem "stderr has lines that are not diagnostics or usage"
	fi

	db_after=$(db_state)
	file_state >"$T/files.after"
	if [ "$want" = 0:not-ca ]; then
		check_not_ca
	else
		[ ! -s "$T/case.out" ] || problem "stdout is not empty"
		[ "$db_before" = "$db_after" ] ||
		    problem "database changed: $db_before -> $db_after"
		cmp -s "$T/files.before" "$T/files.after" || {
			problem "files added, removed or changed:"
			diff "$T/files.before" "$T/files.after" | grep '^[<>]' |
			    head -n 10 | sed 's/^/#     /' >"$T/diff"
			problems="$problems$(cat "$T/diff")
"
		}
	fi
	# A database whose dump is the seed's has the seed's chain, verified
	# once below; any other is verified again.
	if [ -z "$NO_AUDIT" ] && [ "$db_after" != "$PRISTINE_DB" ] && ! audit_ok
	then
		problem "--audit-verify does not say the chain is intact"
	fi

	case $what in
	DEFECT*) defect=1 ;;
	*) defect="" ;;
	esac
	if [ -z "$problems" ] && [ -z "$defect" ]; then
		nok=$((nok + 1))
		echo "ok   $id: $what"
	elif [ -z "$problems" ]; then
		nfailed=$((nfailed + 1))
		echo "FAIL $id: $what"
		echo "#   passes now: remove the DEFECT mark from cases.tsv"
	elif [ -n "$defect" ]; then
		ndefect=$((ndefect + 1))
		echo "FAIL $id: $what (known defect, not counted)"
		printf '%s' "$problems"
		cat -v "$T/case.err" | sed 's/^/#   stderr: /' | head -n 5
	else
		nfailed=$((nfailed + 1))
		echo "FAIL $id: $what"
		printf '%s' "$problems"
		cat -v "$T/case.err" | sed 's/^/#   stderr: /' | head -n 5
	fi
}

# 0:not-ca: signed as asked, and nothing the request wanted for a CA.
check_not_ca() {
	cert=$O/cert.pem
	if [ ! -s "$cert" ]; then
		problem "no certificate at $cert"
		return
	fi
	openssl x509 -in "$cert" -noout -ext basicConstraints 2>/dev/null |
	    grep -q 'CA:FALSE' || problem "basicConstraints is not CA:FALSE"
	if openssl x509 -in "$cert" -noout -ext keyUsage 2>/dev/null |
	    grep -Eq 'Certificate Sign|CRL Sign'; then
		problem "keyUsage has keyCertSign or cRLSign"
	fi
	if openssl x509 -in "$cert" -noout -text | grep -q 'Name Constraints'; then
		problem "the certificate has nameConstraints"
	fi
	openssl verify -x509_strict -CAfile "$PRISTINE/certs/genfic.crt" \
	    -untrusted "$PRISTINE/certs/genfic-system.crt" "$cert" >/dev/null 2>&1 ||
	    problem "openssl verify -x509_strict fails"
	if openssl verify -CAfile "$PRISTINE/certs/genfic.crt" -untrusted \
	    "$PRISTINE/certs/genfic-system.crt" -untrusted "$cert" \
	    "$PRISTINE/certs/genfic.crt" >/dev/null 2>&1 &&
	    openssl x509 -in "$cert" -noout -text | grep -q 'CA:TRUE'; then
		problem "the certificate can act as a CA"
	fi
	# One certificate and one audit entry more; the one new file is it.
	b=$(echo "$db_before" | sed 's/^rows(cert audit crl) \([0-9]*\) \([0-9]*\) \([0-9]*\),.*/\1 \2 \3/')
	a=$(echo "$db_after" | sed 's/^rows(cert audit crl) \([0-9]*\) \([0-9]*\) \([0-9]*\),.*/\1 \2 \3/')
	set -- $b $a
	[ "$4" -eq $(($1 + 1)) ] && [ "$5" -eq $(($2 + 1)) ] && [ "$6" -eq "$3" ] ||
	    problem "rows (cert audit crl) $b -> $a, want one cert and one audit row more"
	grep -v "$cert\$" "$T/files.after" >"$T/files.after.others"
	cmp -s "$T/files.before" "$T/files.after.others" ||
	    problem "files other than $cert added, removed or changed"
	[ "$(sqlite3 "$S/ca.db" "SELECT is_ca FROM cert ORDER BY id DESC LIMIT 1")" = 0 ] ||
	    problem "the database records the certificate as a CA"
}

# --- The table ------------------------------------------------------------
# The state every case without a setup starts from (the same paths each
# time: one case directory, made anew).
new_case_dir() {
	C=$T/case
	S=$C/store I=$C/in O=$C/out
	rm -rf "$C"
	mkdir -p "$I" "$O"
	cp -a "$PRISTINE" "$S"
	export GENFIC_CA_DIR=$S
}
new_case_dir
PRISTINE_DB=$(db_state)
file_state >"$T/files.pristine"
check "the seed store's audit chain is intact" audit_ok
TAB=$(printf '\t')
while IFS=$TAB read -r id setup want lines frag args what; do
	case $id in
	'#'* | '') continue ;;
	esac
	if [ -n "${BAD_CASES:-}" ] && ! echo "$id" | grep -Eq -- "$BAD_CASES"; then
		continue
	fi
	run_case "$id" "$setup" "$want" "$lines" "$frag" "$args" "$what" \
	    </dev/null
done <"$TABLE"
rm -rf "$T/case"

# What a read-only store still does: the security admin, who may only
# read it, lists it and verifies its audit chain.
if [ -z "${BAD_CASES:-}${BAD_TABLE:-}" ]; then
	new_case_dir
	SKIP="" RUN_AS="" TEARDOWN=""
	setup_ro_store
	if [ -n "$SKIP" ]; then
		skip "a read-only store is listed and its audit chain verified" "$SKIP"
	else
		# shellcheck disable=SC2086
		check "a read-only store is listed" \
		    $RUN_AS ${GENFIC_CA_WRAPPER:-} "$GENFIC_CA" -l
		# shellcheck disable=SC2086
		check "a read-only store's audit chain is verified" \
		    $RUN_AS ${GENFIC_CA_WRAPPER:-} "$GENFIC_CA" --audit-verify
		cp "$T/out" "$T/verify.out"
		check "... and it says so" grep -q "chain intact" "$T/verify.out"
		check "... leaving no -wal or -shm behind" \
		    test ! -e "$S/ca.db-wal" -a ! -e "$S/ca.db-shm"
		eval "$TEARDOWN"
	fi
	rm -rf "$T/case"
fi

echo "bad-inputs: $ncases cases, $nok ok, $nfailed FAIL, $ndefect known" \
    "defects (marked DEFECT in cases.tsv)"
if [ -z "${BAD_CASES:-}${BAD_TABLE:-}" ] && [ "$ncases" -lt 40 ]; then
	echo "FAIL: fewer than 40 cases"
	nfailed=$((nfailed + 1))
fi
[ "$nfailed" -eq 0 ] && [ "$nfail" -eq 0 ]
